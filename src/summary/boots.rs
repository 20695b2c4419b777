//! What the outputs read of a set of boots besides their attempts, as bounded counts that
//! merge exactly (docs/scale.md): boots by outcome, the phase statistics' counts
//! ([`PhaseCounts`]) and, per phase name, the first boot that shows it (its depth, and the
//! phase it lies within). `fit`, `compare` and `report` compute these from the boots they read
//! and from a summary's counts through the same functions, so both give the same numbers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::rows::{key_secs, secs_key};
#[cfg(test)]
use crate::report::class::count_phases;
use crate::report::figures::spans::{self, WATERFALL_GROUP_ROWS, WATERFALL_HEALTHY_ROWS};
use crate::report::tally::PhaseTally;
use crate::stats::phase::PhaseCounts;
use crate::timeline::lean::{LeanBoot, Name};
use crate::timeline::{Latency, Outcome};

/// A value of a phase as the first boot (by instance and boot number) that gives it shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct First<T> {
    /// The boot's instance id and boot number.
    pub(crate) boot: (String, u32),
    /// The value there.
    pub(crate) value: T,
}

/// The count of `key` in `m`, made on first use (the key is copied once, not once a boot).
fn count_of<'m>(m: &'m mut BTreeMap<String, u64>, key: &str) -> &'m mut u64 {
    if !m.contains_key(key) {
        m.insert(key.to_string(), 0);
    }
    m.get_mut(key).expect("inserted above")
}

/// Keeps in `m` the value of the earlier boot.
fn keep_first<T: Clone>(m: &mut BTreeMap<String, First<T>>, name: &str, f: First<T>) {
    match m.get(name) {
        Some(mine) if mine.boot <= f.boot => {}
        Some(_) | None => {
            m.insert(name.to_string(), f);
        }
    }
}

/// The counts of a set of boots (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct BootCounts {
    /// Boots by outcome name.
    pub(crate) outcomes: BTreeMap<String, u64>,
    /// The phase statistics' counts of those with a plausible exact latency.
    pub(crate) phases: PhaseCounts,
    /// Per phase name, its depth in the first boot that shows it.
    pub(crate) depth: BTreeMap<String, First<u8>>,
    /// Per phase name, the phase it lies within in the first boot that places it in one.
    pub(crate) within: BTreeMap<String, First<String>>,
    /// Boots by template (boots without one are not counted).
    pub(crate) templates: BTreeMap<String, u64>,
    /// Boots the waterfall ranks, per row group ([`crate::report::figures::spans::row_group`]).
    pub(crate) rows: [u64; ROW_GROUPS],
    /// The plausible latencies of the false-failed boots: seconds (exact) → how many.
    #[serde(with = "exact")]
    pub(crate) false_failed: BTreeMap<u64, u64>,
    /// The last sightings of the stuck boots: seconds (exact) → how many.
    #[serde(with = "exact")]
    pub(crate) stuck_seen: BTreeMap<u64, u64>,
}

/// The waterfall's row groups: healthy, killed, stuck, crashed, unknown.
pub(crate) const ROW_GROUPS: usize = 5;

impl BootCounts {
    /// The counts of `boots`.
    pub(crate) fn of(boots: &[LeanBoot], max_plausible_secs: f64) -> Self {
        let mut c = Self::default();
        let mut phases = PhaseTally::default();
        for b in boots {
            c.add_but_phases(b, max_plausible_secs);
            phases.add(b, max_plausible_secs);
        }
        phases.finish(&mut c);
        c
    }

    /// Counts one boot, its phases one at a time: the rule [`PhaseTally`] is tested against.
    #[cfg(test)]
    pub(crate) fn add(&mut self, b: &LeanBoot, max_plausible_secs: f64) {
        self.add_but_phases(b, max_plausible_secs);
        count_phases(&mut self.phases, b, max_plausible_secs);
        self.add_first_seen(b);
    }

    /// Counts one boot's outcome, template, waterfall row and exact values: all but what its
    /// phases give (the phase statistics, depths and containers; `report::tally` counts those
    /// for many boots at once).
    pub(crate) fn add_but_phases(&mut self, b: &LeanBoot, max_plausible_secs: f64) {
        *count_of(&mut self.outcomes, b.outcome.as_str()) += 1;
        if let Some(t) = b.template.as_deref() {
            *count_of(&mut self.templates, t) += 1;
        }
        if let Some((group, _)) = spans::row_of(b, max_plausible_secs) {
            self.rows[usize::from(group)] += 1;
        }
        let plausible = |l: &Latency| l.plausibility(max_plausible_secs).is_ok();
        match (b.outcome, b.latency, b.observed_secs) {
            (Outcome::FalseFailed, Some(l), _) if plausible(&l) => {
                *self.false_failed.entry(secs_key(l.secs)).or_default() += 1;
            }
            (Outcome::Stuck, _, Some(seen)) => {
                *self.stuck_seen.entry(secs_key(seen)).or_default() += 1;
            }
            _ => {}
        }
    }

    #[cfg(test)]
    /// Keeps, per phase name of `b`, its depth and the phase it lies within where `b` is the
    /// first boot (by instance id and boot number) to show them.
    fn add_first_seen(&mut self, b: &LeanBoot) {
        let at = (b.instance.to_string(), b.boot);
        for (i, p) in b.phases.iter().enumerate() {
            // A name's first phase in the boot speaks for it.
            if b.phases.iter().take(i).any(|q| q.name == p.name) {
                continue;
            }
            let name = &**p.name;
            let depth = First {
                boot: at.clone(),
                value: p.depth,
            };
            keep_first(&mut self.depth, name, depth);
            let known =
                |m: &BTreeMap<String, First<String>>| m.get(name).is_some_and(|f| f.boot <= at);
            if known(&self.within) {
                continue;
            }
            if let Some(value) = within(b, p) {
                let within = First {
                    boot: at.clone(),
                    value,
                };
                keep_first(&mut self.within, name, within);
            }
        }
    }

    /// Adds another's counts; associative and commutative.
    pub(crate) fn merge(&mut self, other: &BootCounts) {
        for (o, n) in &other.outcomes {
            *self.outcomes.entry(o.clone()).or_default() += n;
        }
        self.phases.merge(&other.phases);
        for (t, n) in &other.templates {
            *self.templates.entry(t.clone()).or_default() += n;
        }
        for (mine, theirs) in self.rows.iter_mut().zip(other.rows) {
            *mine += theirs;
        }
        for (mine, theirs) in [
            (&mut self.false_failed, &other.false_failed),
            (&mut self.stuck_seen, &other.stuck_seen),
        ] {
            for (k, n) in theirs {
                *mine.entry(*k).or_default() += n;
            }
        }
        for (name, f) in &other.depth {
            keep_first(&mut self.depth, name, f.clone());
        }
        for (name, f) in &other.within {
            keep_first(&mut self.within, name, f.clone());
        }
    }

    /// Each phase's depth where it was first seen.
    pub(crate) fn depths(&self) -> BTreeMap<String, u8> {
        (self.depth.iter())
            .map(|(n, f)| (n.clone(), f.value))
            .collect()
    }
}

/// The phase `p` of `b` lies within: a module's stage (its name's prefix), a sub-phase's stage
/// (the last one started by its start and not ended before it).
pub(crate) fn within(b: &LeanBoot, p: crate::timeline::lean::LeanPhase<'_>) -> Option<String> {
    match p.depth {
        2 => Some(p.name.rsplit_once('/')?.0.to_string()),
        3 => b
            .phases
            .iter()
            .filter(|s| s.depth == 1 && s.start_secs() <= p.start_secs())
            .filter(|s| s.end_secs().is_none_or(|e| e >= p.start_secs()))
            .last()
            .map(|s| s.name.to_string()),
        _ => None,
    }
}

impl BootCounts {
    /// The false-failed boots' plausible latencies, seconds, smallest first, each with how
    /// many boots had it.
    pub(crate) fn false_failed_secs(&self) -> Vec<(f64, u64)> {
        seconds(&self.false_failed)
    }

    /// The stuck boots' last sightings, seconds, smallest first, each with how many boots
    /// had it.
    pub(crate) fn stuck_seen_secs(&self) -> Vec<(f64, u64)> {
        seconds(&self.stuck_seen)
    }
}

/// Each value in seconds with its count, smallest first.
fn seconds(counts: &BTreeMap<u64, u64>) -> Vec<(f64, u64)> {
    (counts.iter()).map(|(k, n)| (key_secs(*k), *n)).collect()
}

/// Exact seconds with counts, written as `[[secs, n], …]` in the seconds' order.
mod exact {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{key_secs, secs_key};

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<u64, u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let v: Vec<(f64, u64)> = m.iter().map(|(k, n)| (key_secs(*k), *n)).collect();
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<u64, u64>, D::Error> {
        let v: Vec<(f64, u64)> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|(s, n)| (secs_key(s), n)).collect())
    }
}

/// Most boots of each class and outcome that did not simply register listed by name in the
/// report (the first by instance id and boot number; the rest are counted).
pub(crate) const NOTABLE_ROWS: usize = 100;

/// Where a boot is drawn or listed: a waterfall row group, or the notable list of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Row(u8),
    Notable(Outcome),
}

/// The boots a report draws or names of `boots` (all classes), by instance and boot number:
/// per class, the slowest of each waterfall row group ([`WATERFALL_HEALTHY_ROWS`] healthy,
/// [`WATERFALL_GROUP_ROWS`] of each other group) and the first [`NOTABLE_ROWS`] of each
/// outcome but `registered`. A selection of the union of two selections is the selection of
/// all their boots, so summaries keep these and merge exactly.
pub(crate) fn drawn<'a>(
    boots: impl Iterator<Item = &'a LeanBoot>,
    max_plausible_secs: f64,
) -> BTreeSet<(Name, u32)> {
    type Slowest = BTreeSet<(u64, Name, u32)>;
    let mut slowest: BTreeMap<(Name, Place), Slowest> = BTreeMap::new();
    let mut first: BTreeMap<(Name, Place), BTreeSet<(Name, u32)>> = BTreeMap::new();
    for b in boots {
        if let Some((group, end)) = spans::row_of(b, max_plausible_secs) {
            let cap = if group == 0 {
                WATERFALL_HEALTHY_ROWS
            } else {
                WATERFALL_GROUP_ROWS
            };
            let set = slowest
                .entry((b.class.clone(), Place::Row(group)))
                .or_default();
            set.insert((secs_key(end), b.instance.clone(), b.boot));
            if set.len() > cap {
                set.pop_first();
            }
        }
        if b.outcome != Outcome::Registered {
            let set = first
                .entry((b.class.clone(), Place::Notable(b.outcome)))
                .or_default();
            set.insert((b.instance.clone(), b.boot));
            if set.len() > NOTABLE_ROWS {
                set.pop_last();
            }
        }
    }
    let rows = slowest.into_values().flatten().map(|(_, i, n)| (i, n));
    rows.chain(first.into_values().flatten()).collect()
}
