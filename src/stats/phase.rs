//! Per-phase statistics across a fleet and tail blame: for the boots slower than the fleet's p90
//! latency, how much of their excess over the median boot each phase explains. Functions over
//! plain phase-duration maps; the timeline layer supplies them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::grid::{index_of, point_of, secs, Grid};
#[cfg(test)]
use super::grid::{ms_of, point_ms};

#[cfg(test)]
/// What the phase statistics read of one boot: its total latency and each phase's duration,
/// in seconds (a view, so a fleet's boots need no copy of their phases).
pub(crate) trait BootPhases {
    /// End-to-end latency (e.g. launch to register).
    fn latency_secs(&self) -> f64;
    /// Hands each phase's name and duration to `f`, each name at most once.
    fn each_phase(&self, f: &mut dyn FnMut(&str, f64));
}

/// Quantiles of one phase's duration over the boots that have it (type 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseQuantiles {
    /// Phase name.
    pub(crate) phase: String,
    /// Boots with this phase.
    pub(crate) n: usize,
    /// Median.
    pub(crate) p50: f64,
    /// 90th percentile.
    pub(crate) p90: f64,
    /// 99th percentile.
    pub(crate) p99: f64,
}

/// One phase's share of the tail boots' excess latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PhaseBlame {
    /// Phase name.
    pub(crate) phase: String,
    /// Median duration over all boots (a missing phase counts as 0 s).
    pub(crate) median_secs: f64,
    /// Mean duration over the tail boots.
    pub(crate) tail_mean_secs: f64,
    /// tail_mean − median: seconds of excess this phase explains on average.
    pub(crate) excess_secs: f64,
    /// excess_secs / mean excess latency.
    pub(crate) share: f64,
}

/// Where the slow boots lose their time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TailBlame {
    /// Fleet median latency.
    pub(crate) median_latency_secs: f64,
    /// Fleet p90 latency (type 7); tail boots lie strictly above it.
    pub(crate) p90_latency_secs: f64,
    /// Number of tail boots.
    pub(crate) n_tail: usize,
    /// Mean over tail boots of latency − median latency.
    pub(crate) mean_excess_secs: f64,
    /// Phases, largest excess first (ties by name).
    pub(crate) phases: Vec<PhaseBlame>,
    /// Excess not explained by the phases (gaps between phases, overlap counted twice is negative).
    pub(crate) unexplained_secs: f64,
}

/// What the phase statistics keep of one level of a fleet's boots (docs/statistics.md §8):
/// per phase its durations on the grid ([`Grid`]), and per grid point of the boots' latency
/// how many boots lie there, the sum of their exact latencies and, per phase, the sum of its
/// durations (whole milliseconds). Integer counts and sums: two merge exactly, in any order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "wire::Blame", into = "wire::Blame")]
pub(crate) struct BlameCounts {
    /// Per phase, its finished durations over the boots that show it.
    durations: BTreeMap<String, Grid>,
    /// Per grid point of the latency (ms): the boots there.
    by_latency: BTreeMap<i64, LatencyCell>,
}

/// The boots whose latency lies at one grid point.
#[derive(Debug, Clone, Default, PartialEq)]
struct LatencyCell {
    /// How many.
    n: u64,
    /// Their exact latencies' sum, ms.
    latency_ms: i64,
    /// Per phase, the sum of its durations over them, ms.
    phases: BTreeMap<String, i64>,
}

impl BlameCounts {
    #[cfg(test)]
    /// Counts one boot of the level (its latency finite; else it is not counted).
    pub(crate) fn add<B: BootPhases + ?Sized>(&mut self, b: &B) {
        let latency = b.latency_secs();
        if !latency.is_finite() {
            return;
        }
        let ms = ms_of(latency);
        let cell = self.by_latency.entry(point_ms(ms)).or_default();
        cell.n += 1;
        cell.latency_ms += ms;
        let durations = &mut self.durations;
        b.each_phase(&mut |name, d| {
            if d.is_finite() {
                *entry(&mut cell.phases, name) += ms_of(d);
                entry(durations, name).add_secs(d);
            }
        });
    }

    /// Counts made elsewhere (a tally of many boots): per phase its durations, and per latency
    /// grid point (ms) the boots there, their exact latencies' sum and each phase's durations'
    /// sum (ms).
    pub(crate) fn from_parts(
        durations: BTreeMap<String, Grid>,
        by_latency: impl Iterator<Item = (i64, u64, i64, BTreeMap<String, i64>)>,
    ) -> Self {
        let by_latency = (by_latency)
            .map(|(point, n, latency_ms, phases)| {
                let cell = LatencyCell {
                    n,
                    latency_ms,
                    phases,
                };
                (point, cell)
            })
            .collect();
        Self {
            durations,
            by_latency,
        }
    }

    /// Adds another level's counts.
    pub(crate) fn merge(&mut self, other: &BlameCounts) {
        for (name, g) in &other.durations {
            entry(&mut self.durations, name).merge(g);
        }
        for (p, c) in &other.by_latency {
            let mine = self.by_latency.entry(*p).or_default();
            mine.n += c.n;
            mine.latency_ms += c.latency_ms;
            for (name, ms) in &c.phases {
                *entry(&mut mine.phases, name) += ms;
            }
        }
    }

    /// The boots' latencies on the grid.
    fn latencies(&self) -> Grid {
        let mut g = Grid::default();
        for (p, c) in &self.by_latency {
            g.add_at(*p, c.n);
        }
        g
    }
}

/// The phase statistics' counts of a fleet's boots: per phase its durations over every boot
/// that shows it (the quantiles), and tail blame's counts at three levels (stages, modules,
/// sub-phases). Merges exactly, in any order and grouping. Written without the durations the
/// levels already hold ([`wire::Phases`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "wire::Phases", into = "wire::Phases")]
pub(crate) struct PhaseCounts {
    /// Per phase, its durations over the boots that show it.
    pub(crate) durations: BTreeMap<String, Grid>,
    /// Tail blame's counts of each level.
    pub(crate) levels: [BlameCounts; 3],
}

impl PhaseCounts {
    #[cfg(test)]
    /// Counts one boot's phases of every depth towards the quantiles.
    pub(crate) fn add_durations<B: BootPhases + ?Sized>(&mut self, b: &B) {
        let durations = &mut self.durations;
        b.each_phase(&mut |name, d| {
            if d.is_finite() {
                entry(durations, name).add_secs(d);
            }
        });
    }

    /// Adds another's counts.
    pub(crate) fn merge(&mut self, other: &PhaseCounts) {
        for (name, g) in &other.durations {
            entry(&mut self.durations, name).merge(g);
        }
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels) {
            mine.merge(theirs);
        }
    }
}

/// The entry of `name` in `m`, made on first use (a name is copied once, not once a boot).
fn entry<'m, T: Default>(m: &'m mut BTreeMap<String, T>, name: &str) -> &'m mut T {
    if !m.contains_key(name) {
        m.insert(name.to_string(), T::default());
    }
    m.get_mut(name).expect("inserted above")
}

/// p50/p90/p99 of each phase's durations (type 7 over their grid points), by phase name.
pub(crate) fn phase_quantiles(durations: &BTreeMap<String, Grid>) -> Vec<PhaseQuantiles> {
    durations
        .iter()
        .filter_map(|(name, g)| {
            Some(PhaseQuantiles {
                phase: name.clone(),
                n: g.n() as usize,
                p50: g.quantile(0.5)?,
                p90: g.quantile(0.9)?,
                p99: g.quantile(0.99)?,
            })
        })
        .collect()
}

/// Each phase's median over all `n` boots of the level (0 s where a boot does not show it),
/// its mean over the `nt` tail boots (whose phase sums are `tail`), and the excess between
/// them as a share of the latency's `mean_excess`.
fn phase_excess(
    counts: &BlameCounts,
    tail: &BTreeMap<&str, i64>,
    (n, nt): (u64, f64),
    mean_excess: f64,
) -> Vec<PhaseBlame> {
    counts
        .durations
        .iter()
        .filter_map(|(name, shown)| {
            // Boots without the phase count as 0 s.
            let mut all = shown.clone();
            all.add_at(0, n.saturating_sub(shown.n()));
            let median_secs = all.quantile(0.5)?;
            let tail_ms = tail.get(name.as_str()).copied().unwrap_or(0);
            let tail_mean_secs = tail_ms as f64 / 1e3 / nt;
            let excess_secs = tail_mean_secs - median_secs;
            Some(PhaseBlame {
                phase: name.clone(),
                median_secs,
                tail_mean_secs,
                excess_secs,
                share: excess_secs / mean_excess,
            })
        })
        .collect()
}

/// Tail blame of a level's counts; `None` when no boot lies above the p90 latency or the
/// excess is zero. The median and p90 latencies are read from the grid (type 7 over the
/// points); the tail is the boots whose latency's grid point lies strictly above that p90,
/// and their excess is taken from their exact latencies.
pub(crate) fn tail_blame(counts: &BlameCounts) -> Option<TailBlame> {
    let lat = counts.latencies();
    let median = lat.quantile(0.5)?;
    let p90 = lat.quantile(0.9)?;
    let (mut nt, mut tail_latency_ms) = (0u64, 0i64);
    let mut tail: BTreeMap<&str, i64> = BTreeMap::new();
    for (_, c) in (counts.by_latency.iter()).filter(|(p, _)| secs(**p) > p90) {
        nt += c.n;
        tail_latency_ms += c.latency_ms;
        for (name, ms) in &c.phases {
            *tail.entry(name.as_str()).or_default() += ms;
        }
    }
    if nt == 0 {
        return None;
    }
    let nt_f = nt as f64;
    let mean_excess = tail_latency_ms as f64 / 1e3 / nt_f - median;
    if mean_excess.is_nan() || mean_excess <= 0.0 {
        return None;
    }
    let mut phases = phase_excess(counts, &tail, (lat.n(), nt_f), mean_excess);
    phases.sort_by(|a, b| {
        b.excess_secs
            .total_cmp(&a.excess_secs)
            .then_with(|| a.phase.cmp(&b.phase))
    });
    let explained: f64 = phases.iter().map(|p| p.excess_secs).sum();
    Some(TailBlame {
        median_latency_secs: median,
        p90_latency_secs: p90,
        n_tail: nt as usize,
        mean_excess_secs: mean_excess,
        phases,
        unexplained_secs: mean_excess - explained,
    })
}

/// [`BlameCounts`] and [`PhaseCounts`] as written. A level's phase names once; its latency
/// grid points as steps on the grid with, in parallel, the boots there and their latencies'
/// sum less the point times the boots (ms: a few digits where the sum took seven or more);
/// per phase, its sums at those points (0 where none of their boots shows it). The
/// durations of every phase are written only where they are not what the levels' own
/// durations of that name add up to (a phase's name at one depth: never, on today's boots).
mod wire {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::{index_of, point_of, BlameCounts, Grid, LatencyCell, PhaseCounts};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Phases {
        /// The durations that differ from the levels' (an empty grid: a name no boot
        /// counted among all phases though a level did).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        durations: BTreeMap<String, Grid>,
        levels: [BlameCounts; 3],
    }

    /// What the levels' durations add up to, by name.
    fn of_levels(levels: &[BlameCounts; 3]) -> BTreeMap<String, Grid> {
        let mut all: BTreeMap<String, Grid> = BTreeMap::new();
        for (name, g) in levels.iter().flat_map(|l| &l.durations) {
            all.entry(name.clone()).or_default().merge(g);
        }
        all
    }

    impl From<PhaseCounts> for Phases {
        fn from(c: PhaseCounts) -> Self {
            let implied = of_levels(&c.levels);
            let absent: Vec<String> = (implied.keys())
                .filter(|name| !c.durations.contains_key(*name))
                .cloned()
                .collect();
            let mut durations: BTreeMap<String, Grid> = (c.durations.into_iter())
                .filter(|(name, g)| implied.get(name) != Some(g))
                .collect();
            for name in absent {
                durations.insert(name, Grid::default());
            }
            Self {
                durations,
                levels: c.levels,
            }
        }
    }

    impl From<Phases> for PhaseCounts {
        fn from(p: Phases) -> Self {
            let mut durations = of_levels(&p.levels);
            for (name, g) in p.durations {
                durations.insert(name, g);
            }
            durations.retain(|_, g| g.n() > 0);
            Self {
                durations,
                levels: p.levels,
            }
        }
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Blame {
        /// Phase names, sorted.
        phases: Vec<String>,
        /// Each phase's durations, in the names' order.
        durations: Vec<Grid>,
        /// The latency's grid points: steps on the grid, boots, their latencies' sum less
        /// the point times the boots (ms).
        by_latency: (Vec<i64>, Vec<u64>, Vec<i64>),
        /// Per phase (in the names' order), its sum at each point (ms).
        sums: Vec<Vec<i64>>,
    }

    impl From<BlameCounts> for Blame {
        fn from(c: BlameCounts) -> Self {
            let phases: Vec<String> = c.durations.keys().cloned().collect();
            let mut sums = vec![Vec::with_capacity(c.by_latency.len()); phases.len()];
            let (mut steps, mut ns, mut offsets) = (Vec::new(), Vec::new(), Vec::new());
            let mut last = 0i64;
            for (p, cell) in &c.by_latency {
                let at = index_of(*p);
                steps.push(at - last);
                last = at;
                ns.push(cell.n);
                offsets.push(cell.latency_ms - p * cell.n as i64);
                for (name, column) in phases.iter().zip(&mut sums) {
                    column.push(cell.phases.get(name).copied().unwrap_or(0));
                }
            }
            Self {
                durations: c.durations.into_values().collect(),
                phases,
                by_latency: (steps, ns, offsets),
                sums,
            }
        }
    }

    impl TryFrom<Blame> for BlameCounts {
        type Error = String;

        fn try_from(b: Blame) -> Result<Self, String> {
            let (steps, ns, offsets) = b.by_latency;
            let points = steps.len();
            if ns.len() != points || offsets.len() != points {
                return Err("by_latency's three arrays differ in length".into());
            }
            if b.durations.len() != b.phases.len() || b.sums.len() != b.phases.len() {
                return Err("durations or sums not one per phase".into());
            }
            if b.sums.iter().any(|s| s.len() != points) {
                return Err("a phase's sums not one per latency point".into());
            }
            let mut by_latency = BTreeMap::new();
            let mut at = 0i64;
            for (i, ((step, n), offset)) in steps.into_iter().zip(ns).zip(offsets).enumerate() {
                at = (at.checked_add(step))
                    .filter(|_| i == 0 || step > 0)
                    .ok_or_else(|| format!("latency step {step} leads to no later point"))?;
                let p = point_of(at).ok_or_else(|| format!("latency step {step} off the grid"))?;
                let latency_ms = (p.checked_mul(n as i64))
                    .and_then(|s| s.checked_add(offset))
                    .ok_or_else(|| format!("latency sum at {p} ms beyond 64 bits"))?;
                let phases = (b.phases.iter().zip(&b.sums))
                    .map(|(name, column)| (name.clone(), column[i]))
                    .filter(|(_, ms)| *ms != 0)
                    .collect();
                let cell = LatencyCell {
                    n,
                    latency_ms,
                    phases,
                };
                by_latency.insert(p, cell);
            }
            Ok(Self {
                durations: b.phases.into_iter().zip(b.durations).collect(),
                by_latency,
            })
        }
    }
}

#[cfg(test)]
/// One boot's phases as a map: phase name → duration.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PhaseMap {
    /// End-to-end latency.
    pub(crate) latency_secs: f64,
    /// Phase name → duration.
    pub(crate) phases: BTreeMap<String, f64>,
}

#[cfg(test)]
impl BootPhases for PhaseMap {
    fn latency_secs(&self) -> f64 {
        self.latency_secs
    }

    fn each_phase(&self, f: &mut dyn FnMut(&str, f64)) {
        for (name, &d) in &self.phases {
            f(name, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot(kernel: f64, pull: f64) -> PhaseMap {
        PhaseMap {
            latency_secs: kernel + pull,
            phases: [
                ("kernel".to_string(), kernel),
                ("image_pull".to_string(), pull),
            ]
            .into_iter()
            .collect(),
        }
    }

    fn counts(boots: &[PhaseMap]) -> PhaseCounts {
        let mut c = PhaseCounts::default();
        for b in boots {
            c.add_durations(b);
            c.levels[0].add(b);
        }
        c
    }

    #[test]
    fn slow_image_pulls_take_the_blame() {
        // 18 normal boots (10 s kernel + 20 s pull), 2 with a 120 s pull.
        let mut boots: Vec<PhaseMap> = (0..18).map(|_| boot(10.0, 20.0)).collect();
        boots.push(boot(11.0, 120.0));
        boots.push(boot(10.0, 120.0));
        let c = counts(&boots);
        let b = tail_blame(&c.levels[0]).expect("blame");
        assert_eq!(b.n_tail, 2);
        assert_eq!(b.median_latency_secs, 30.0);
        assert!((b.p90_latency_secs - 40.0).abs() < 1e-9);
        assert!((b.mean_excess_secs - 100.5).abs() < 1e-12);
        assert_eq!(b.phases[0].phase, "image_pull");
        assert!((b.phases[0].excess_secs - 100.0).abs() < 1e-12);
        assert!((b.phases[0].share - 100.0 / 100.5).abs() < 1e-12);
        assert!((b.phases[1].excess_secs - 0.5).abs() < 1e-12);
        assert!(b.unexplained_secs.abs() < 1e-12);

        let q = phase_quantiles(&c.durations);
        assert_eq!(q[0].phase, "image_pull");
        assert_eq!(q[0].p50, 20.0);
        assert_eq!(q[0].n, 20);
    }

    #[test]
    fn the_tail_is_read_from_exact_sums_and_a_missing_phase_counts_as_zero() {
        // Latencies 100.1234 s and above fall on grid points (100.1 s …) but their excess
        // is taken from the exact sum; half the boots lack the `pull` phase.
        let mut boots: Vec<PhaseMap> = (0..10).map(|i| boot(10.0 + i as f64, 90.0)).collect();
        for b in boots.iter_mut().step_by(2) {
            b.phases.remove("image_pull");
        }
        boots.push(boot(10.0, 190.1234));
        let c = counts(&boots);
        let b = tail_blame(&c.levels[0]).expect("blame");
        assert_eq!(b.n_tail, 1);
        // Latencies on the grid: 100 … 109 s and 200 s; the median is the 6th (105 s).
        assert_eq!(b.median_latency_secs, 105.0);
        assert!((b.mean_excess_secs - (200.123 - 105.0)).abs() < 1e-9);
        let pull = b.phases.iter().find(|p| p.phase == "image_pull").unwrap();
        // 6 of 11 boots show the pull (90 s five times, 190.123 s once): the median is 90 s.
        assert_eq!(pull.median_secs, 90.0);
        assert!((pull.tail_mean_secs - 190.123).abs() < 1e-9);
    }

    #[test]
    fn counts_merge_in_any_order_to_the_counts_of_all() {
        let boots: Vec<PhaseMap> = (0..40)
            .map(|i| {
                boot(
                    5.0 + (i % 7) as f64 * 1.125,
                    20.0 + (i * i % 13) as f64 * 3.5,
                )
            })
            .collect();
        let all = counts(&boots);
        let (a, rest) = boots.split_at(11);
        let (b, c) = rest.split_at(17);
        let (a, b, c) = (counts(a), counts(b), counts(c));
        let mut x = c.clone();
        x.merge(&a);
        x.merge(&b);
        let mut bc = b.clone();
        bc.merge(&c);
        let mut y = a.clone();
        y.merge(&bc);
        assert_eq!(x, all);
        assert_eq!(y, all);
        assert_eq!(tail_blame(&x.levels[0]), tail_blame(&all.levels[0]));
        assert!(tail_blame(&all.levels[0]).is_some());
    }

    #[test]
    fn counts_read_back_what_they_wrote_without_the_levels_durations_twice() {
        let boots: Vec<PhaseMap> = (0..30)
            .map(|i| {
                boot(
                    5.0 + (i % 4) as f64 * 0.25,
                    20.0 + (i * 7 % 11) as f64 * 13.5,
                )
            })
            .collect();
        let mut c = counts(&boots);
        let text = serde_json::to_string(&c).unwrap();
        // Every phase is in level 0 with the same durations: none is written twice.
        assert!(text.starts_with("{\"levels\":[{\"phases\":[\"image_pull\",\"kernel\"]"));
        let back: PhaseCounts = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        // A phase counted in no level is written apart, and read back.
        let mut apart = PhaseMap::default();
        apart.phases.insert("firmware".into(), 1.5);
        c.add_durations(&apart);
        let text = serde_json::to_string(&c).unwrap();
        assert!(
            text.starts_with("{\"durations\":{\"firmware\":[[1050],[1]]}"),
            "{text}"
        );
        let back: PhaseCounts = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(tail_blame(&back.levels[0]), tail_blame(&c.levels[0]));
    }

    #[test]
    fn written_tail_blame_counts_that_do_not_line_up_are_refused() {
        let bad = |t: &str| {
            serde_json::from_str::<BlameCounts>(t)
                .unwrap_err()
                .to_string()
        };
        let one = r#"{"phases":["a"],"durations":[[[5],[1]]],"#;
        let e = bad(&format!(r#"{one}"by_latency":[[5],[1],[]],"sums":[[5]]}}"#));
        assert!(e.contains("three arrays differ"), "{e}");
        let e = bad(&format!(r#"{one}"by_latency":[[5],[1],[0]],"sums":[]}}"#));
        assert!(e.contains("not one per phase"), "{e}");
        let e = bad(&format!(
            r#"{one}"by_latency":[[5,0],[1,1],[0,0]],"sums":[[5,5]]}}"#
        ));
        assert!(e.contains("step 0 leads to no later point"), "{e}");
    }

    #[test]
    fn no_tail_without_spread() {
        let boots: Vec<PhaseMap> = (0..5).map(|_| boot(1.0, 1.0)).collect();
        assert!(tail_blame(&counts(&boots).levels[0]).is_none());
    }
}
