//! What the outputs read of a set of boots besides their attempts, as bounded counts that
//! merge exactly (docs/scale.md): boots by outcome, the phase statistics' counts
//! ([`PhaseCounts`]) and, per phase name, the first boot that shows it (its depth, and the
//! phase it lies within). `fit`, `compare` and `report` compute these from the boots they read
//! and from a summary's counts through the same functions, so both give the same numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::class::count_phases;
use crate::stats::phase::PhaseCounts;
use crate::timeline::lean::LeanBoot;

/// A value of a phase as the first boot (by instance and boot number) that gives it shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct First<T> {
    /// The boot's instance id and boot number.
    pub(crate) boot: (String, u32),
    /// The value there.
    pub(crate) value: T,
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
}

impl BootCounts {
    /// The counts of `boots`.
    pub(crate) fn of(boots: &[LeanBoot], max_plausible_secs: f64) -> Self {
        let mut c = Self::default();
        for b in boots {
            c.add(b, max_plausible_secs);
        }
        c
    }

    /// Counts one boot.
    pub(crate) fn add(&mut self, b: &LeanBoot, max_plausible_secs: f64) {
        *self
            .outcomes
            .entry(b.outcome.as_str().to_string())
            .or_default() += 1;
        count_phases(&mut self.phases, b, max_plausible_secs);
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
fn within(b: &LeanBoot, p: crate::timeline::lean::LeanPhase<'_>) -> Option<String> {
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
