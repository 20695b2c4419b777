//! The phase side of a class's boot counts taken boot by boot, without a string compared or
//! copied per phase: each phase name is numbered once (looked up by the address of the copy the
//! boots share, [`crate::timeline::lean`] interns them), durations are counted in dense tables
//! indexed by grid point, and tail blame's per-latency sums are kept by name number.
//! [`PhaseTally::finish`] turns them into the same [`PhaseCounts`], depths and containers
//! [`BootCounts::add`] makes one boot at a time (a test checks it); [`BootCounts::of`] counts
//! through it.

use std::collections::{BTreeMap, HashMap};

use crate::stats::grid::{ms_of, point_ms, Grid};
use crate::stats::phase::{BlameCounts, PhaseCounts};
use crate::summary::boots::{within, BootCounts, First};
use crate::timeline::fast_hash::FastMap;
use crate::timeline::lean::{LeanBoot, Name};

/// The depths of each tail-blame level (as [`super::class::count_phases`] reads them).
const LEVELS: [fn(u8) -> bool; 3] = super::class::LEVELS;

/// Grid points (ms) counted in a dense table: below one second each millisecond, then 900
/// three-digit points in each of [`DECADES`] decades (to 10⁹ ms, 11 days); others in a map.
const DECADES: usize = 6;

/// The slot of grid point `point` in a dense table, if it has one.
fn slot(point: i64) -> Option<usize> {
    let p = usize::try_from(point).ok()?;
    if p < 1_000 {
        return Some(p);
    }
    let (mut step, mut decade) = (10usize, 0usize);
    while p / step >= 1_000 {
        step *= 10;
        decade += 1;
    }
    (decade < DECADES && p % step == 0).then(|| 1_000 + decade * 900 + (p / step - 100))
}

/// The grid point of a dense table's slot.
fn point_of(slot: usize) -> i64 {
    if slot < 1_000 {
        return slot as i64;
    }
    let (decade, at) = ((slot - 1_000) / 900, (slot - 1_000) % 900);
    ((at + 100) * 10usize.pow(decade as u32 + 1)) as i64
}

/// Values counted at their grid points, as a [`Grid`] counts them.
#[derive(Debug, Default)]
struct Dense {
    slots: Vec<u64>,
    others: BTreeMap<i64, u64>,
}

impl Dense {
    /// Counts one value of `secs` (finite) at its grid point.
    fn add_secs(&mut self, secs: f64) {
        let point = point_ms(ms_of(secs));
        match slot(point) {
            Some(i) => {
                if self.slots.len() <= i {
                    self.slots.resize(i + 1, 0);
                }
                self.slots[i] += 1;
            }
            None => *self.others.entry(point).or_default() += 1,
        }
    }

    /// The grid, or none when nothing was counted.
    fn grid(&self) -> Option<Grid> {
        let dense = (self.slots.iter().enumerate()).filter(|(_, n)| **n > 0);
        let points: Vec<(i64, u64)> = dense
            .map(|(i, n)| (point_of(i), *n))
            .chain(self.others.iter().map(|(p, n)| (*p, *n)))
            .collect();
        (!points.is_empty()).then(|| Grid::from(points))
    }
}

/// The boots of one latency grid point at one level: how many, their latencies' sum (ms) and,
/// by name number, each phase's durations' sum (ms; none where no boot there shows it).
#[derive(Debug, Default)]
struct Cell {
    n: u64,
    latency_ms: i64,
    phases: Vec<Option<i64>>,
}

/// One tail-blame level: durations by name number, cells by latency grid point.
#[derive(Debug, Default)]
struct Level {
    durations: Vec<Dense>,
    cells: HashMap<i64, Cell>,
}

/// A phase name's first sighting: the boot (instance id, boot number) and the value there.
type Seen<T> = Option<(Name, u32, T)>;

/// The phase side of one class's [`BootCounts`], counted boot by boot (see the module's
/// documentation).
#[derive(Debug, Default)]
pub(crate) struct PhaseTally {
    /// Names by number.
    names: Vec<Name>,
    /// Numbers by text.
    by_text: FastMap<Name, u32>,
    /// Numbers by the address of a shared copy (kept, so the address stays that copy's).
    by_address: FastMap<usize, (Name, u32)>,
    /// Durations of every depth, by name number.
    durations: Vec<Dense>,
    /// Tail blame's levels.
    levels: [Level; 3],
    /// By name number, where it was first seen with its depth, and first seen within another.
    depth: Vec<Seen<u8>>,
    within: Vec<Seen<String>>,
    /// Scratch: the current boot's name numbers, its finished phases, and per name number the
    /// stamp of the last pass that saw it and where it was last seen finished in that pass.
    ids: Vec<u32>,
    finished: Vec<(u32, f64)>,
    marks: Vec<u64>,
    last: Vec<usize>,
    stamp: u64,
}

impl PhaseTally {
    /// The number of `name`.
    fn id(&mut self, name: &Name) -> u32 {
        let address = std::sync::Arc::as_ptr(name).cast::<u8>() as usize;
        if let Some((_, id)) = self.by_address.get(&address) {
            return *id;
        }
        let next = self.names.len() as u32;
        let id = *self.by_text.entry(name.clone()).or_insert(next);
        if id == next {
            self.names.push(name.clone());
            self.marks.push(0);
            self.last.push(0);
            self.depth.push(None);
            self.within.push(None);
        }
        self.by_address.insert(address, (name.clone(), id));
        id
    }

    /// A new pass over the current boot's phases: no name is marked in it yet.
    fn pass(&mut self) -> u64 {
        self.stamp += 1;
        self.stamp
    }

    /// Counts one boot (as [`BootCounts::add`] counts its phases, depths and containers).
    pub(crate) fn add(&mut self, b: &LeanBoot, max_plausible_secs: f64) {
        self.ids.clear();
        for p in b.phases.iter() {
            let id = self.id(p.name);
            self.ids.push(id);
        }
        self.first_seen(b);
        let Some((latency_secs, false)) = b.record(max_plausible_secs) else {
            return;
        };
        self.collect_finished(b, |_| true);
        for &(id, d) in &self.finished {
            if d.is_finite() {
                table(&mut self.durations, id).add_secs(d);
            }
        }
        for (i, keep) in LEVELS.into_iter().enumerate() {
            self.collect_finished(b, keep);
            if !self.finished.is_empty() {
                add_level(&mut self.levels[i], &self.finished, latency_secs);
            }
        }
    }

    /// The finished phases of `b` at the depths `keep` takes, by name number: of phases
    /// sharing a name, the last finished one (as `report::class::Level::finished`).
    fn collect_finished(&mut self, b: &LeanBoot, keep: fn(u8) -> bool) {
        let stamp = self.pass();
        let phases = || b.phases.iter().zip(&self.ids).enumerate();
        for (i, (p, &id)) in phases() {
            if keep(p.depth) && p.end_secs().is_some() {
                self.marks[id as usize] = stamp;
                self.last[id as usize] = i;
            }
        }
        self.finished.clear();
        for (i, (p, &id)) in phases() {
            let last = self.marks[id as usize] == stamp && self.last[id as usize] == i;
            if let Some(d) = p.duration_secs().filter(|_| last) {
                self.finished.push((id, d));
            }
        }
    }

    /// Each name's first sighting in this boot, kept where it comes before the one known
    /// (by instance id and boot number), for depths and the phases they lie within.
    fn first_seen(&mut self, b: &LeanBoot) {
        let stamp = self.pass();
        let at = (&*b.instance, b.boot);
        fn earlier<T>(s: &(Name, u32, T), at: (&str, u32)) -> bool {
            (&*s.0, s.1) <= at
        }
        for (p, &id) in b.phases.iter().zip(self.ids.iter()) {
            let i = id as usize;
            if self.marks[i] == stamp {
                continue;
            }
            self.marks[i] = stamp;
            if !self.depth[i].as_ref().is_some_and(|s| earlier(s, at)) {
                self.depth[i] = Some((b.instance.clone(), b.boot, p.depth));
            }
            if self.within[i].as_ref().is_some_and(|s| earlier(s, at)) {
                continue;
            }
            if let Some(value) = within(b, p) {
                self.within[i] = Some((b.instance.clone(), b.boot, value));
            }
        }
    }

    /// Puts the counts into `counts` (whose phase side was not counted).
    pub(crate) fn finish(self, counts: &mut BootCounts) {
        let name = |id: usize| self.names[id].to_string();
        let grids = |tables: &[Dense]| -> BTreeMap<String, Grid> {
            (tables.iter().enumerate())
                .filter_map(|(id, t)| Some((name(id), t.grid()?)))
                .collect()
        };
        let level = |l: &Level| {
            let cells = l.cells.iter().map(|(point, c)| {
                let phases = (c.phases.iter().enumerate())
                    .filter_map(|(id, ms)| Some((name(id), (*ms)?)))
                    .collect();
                (*point, c.n, c.latency_ms, phases)
            });
            BlameCounts::from_parts(grids(&l.durations), cells)
        };
        counts.phases = PhaseCounts {
            durations: grids(&self.durations),
            levels: [
                level(&self.levels[0]),
                level(&self.levels[1]),
                level(&self.levels[2]),
            ],
        };
        counts.depth = firsts(&self.names, self.depth);
        counts.within = firsts(&self.names, self.within);
    }
}

/// The table of name number `id`, made on first use.
fn table(tables: &mut Vec<Dense>, id: u32) -> &mut Dense {
    let i = id as usize;
    if tables.len() <= i {
        tables.resize_with(i + 1, Dense::default);
    }
    &mut tables[i]
}

/// Counts a boot of latency `latency_secs` whose level shows the `finished` phases (as
/// `BlameCounts::add` does).
fn add_level(level: &mut Level, finished: &[(u32, f64)], latency_secs: f64) {
    if !latency_secs.is_finite() {
        return;
    }
    let ms = ms_of(latency_secs);
    let cell = level.cells.entry(point_ms(ms)).or_default();
    cell.n += 1;
    cell.latency_ms += ms;
    for &(id, d) in finished {
        if !d.is_finite() {
            continue;
        }
        let i = id as usize;
        if cell.phases.len() <= i {
            cell.phases.resize(i + 1, None);
        }
        *cell.phases[i].get_or_insert(0) += ms_of(d);
        table(&mut level.durations, id).add_secs(d);
    }
}

/// First sightings by name number as the counts keep them, by name.
fn firsts<T>(names: &[Name], seen: Vec<Seen<T>>) -> BTreeMap<String, First<T>> {
    (names.iter().zip(seen))
        .filter_map(|(name, s)| {
            let (instance, boot, value) = s?;
            let boot = (instance.to_string(), boot);
            Some((name.to_string(), First { boot, value }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Boot;

    /// A boot of `instance` whose latency is `secs` (none when `None`) with these phases:
    /// name, depth, start and end (`None`: still running).
    fn boot(instance: &str, secs: Option<f64>, phases: &[(&str, u8, f64, Option<f64>)]) -> Boot {
        let phases: Vec<String> = (phases.iter())
            .map(|(name, depth, start, end)| {
                let end = end.map_or("null".to_string(), |e| e.to_string());
                format!(
                    r#"{{"name":"{name}","depth":{depth},"start_secs":{start},"end_secs":{end},"result":null,"source":"x:1"}}"#
                )
            })
            .collect();
        let latency = secs.map_or("null".to_string(), |s| {
            format!(r#"{{"secs":{s},"censored":false,"from":"launch"}}"#)
        });
        let json = format!(
            r#"{{"schema_version":1,"instance":"{instance}","workspace":null,"class":"default","template":null,"boot":1,"zero":"launch","zero_wall":null,"launched":null,"outcome":"registered","latency":{latency},"timeout_secs":600.0,"stuck_threshold_secs":900.0,"observed_secs":900.0,"evidence":null,"phases":[{}],"milestones":[],"clock_skew_secs":null,"sources":[]}}"#,
            phases.join(",")
        );
        serde_json::from_str(&json).expect("a boot")
    }

    /// Boots whose phases repeat names (finished and not), nest at every depth, last from
    /// milliseconds to hours, and come in no order of instance.
    fn fleet() -> Vec<Boot> {
        let mut boots = Vec::new();
        for i in 0..300u32 {
            let k = f64::from(i);
            let slow = 1.0 + f64::from(i % 7) * 1_234.567;
            let phases = [
                ("kernel", 0, 1.0, Some(1.0 + 0.001 * k)),
                ("init-network", 1, 2.0, Some(9.0 + k)),
                ("init-network/check-cache", 2, 2.5, Some(2.5 + slow)),
                (
                    "init-network/check-cache",
                    2,
                    3.0,
                    (i % 3 == 0).then_some(3.5),
                ),
                (
                    "modules-final",
                    1,
                    10.0,
                    (i % 5 != 0).then_some(20.0 + k / 7.0),
                ),
                ("pull", 3, 11.0 + f64::from(i % 4) * 9.0, Some(12.0 + k)),
                ("kernel", 0, 30.0, (i % 2 == 0).then_some(30.25)),
            ];
            let take = 2 + (i as usize % 6);
            let latency = (i % 11 != 0).then_some(40.0 + k * 3.7 + f64::from(i % 13) * 1e3);
            let instance = format!("i-{:04}", (i * 7919) % 1000);
            boots.push(boot(&instance, latency, &phases[..take]));
        }
        boots
    }

    #[test]
    fn the_tally_counts_what_boot_counts_count_one_boot_at_a_time() {
        let boots = fleet();
        // Two interners: the same names at other addresses get the same numbers.
        let mut lean = crate::timeline::lean::lean_all(&boots[..150]);
        lean.extend(crate::timeline::lean::lean_all(&boots[150..]));
        let limit = 10_000.0;
        let mut one_by_one = BootCounts::default();
        for b in &lean {
            one_by_one.add(b, limit);
        }
        let tallied = BootCounts::of(&lean, limit);
        assert!(one_by_one
            .phases
            .levels
            .iter()
            .all(|l| *l != BlameCounts::default()));
        assert_eq!(one_by_one.depth.len(), 5);
        assert_eq!(one_by_one.within.len(), 2);
        assert_eq!(tallied, one_by_one);
    }

    #[test]
    fn every_grid_point_has_its_own_slot_and_comes_back_from_it() {
        let mut seen = std::collections::BTreeSet::new();
        for ms in (0..2_000_000i64)
            .step_by(7)
            .chain([999, 1_000, 999_499_999])
        {
            let point = point_ms(ms);
            let s = slot(point).expect("a slot below 10⁹ ms");
            assert_eq!(point_of(s), point, "{ms} ms");
            seen.insert((s, point));
        }
        let slots: std::collections::BTreeSet<usize> = seen.iter().map(|(s, _)| *s).collect();
        assert_eq!(slots.len(), seen.len(), "two points share a slot");
        assert_eq!(slot(-5), None);
        assert_eq!(slot(point_ms(2_000_000_000)), None);
        assert_eq!(slot(1_234), None, "not a grid point");
    }
}
