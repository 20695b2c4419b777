//! One class's part of the report: its boots by outcome, the latency records the statistics
//! see, the fitted distribution and the per-phase statistics with tail blame.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(test)]
use crate::stats::phase::BootPhases;
use crate::stats::phase::{phase_quantiles, tail_blame, PhaseCounts, PhaseQuantiles, TailBlame};
use crate::stats::summary::FitSummary;
use crate::stats::Record;
use crate::summary::Counted;
#[cfg(test)]
use crate::timeline::lean::{LeanBoot, LeanPhases};
use crate::timeline::Outcome;

/// The latency records of attempts as the statistics see them, one per provisioning attempt
/// however many boots it took: exact for registered and false-failed attempts, censored for
/// timed-out and unknown ones; stuck and crashed attempts have none (`docs/design.md` §3), nor do
/// attempts whose latency is implausible under `max_plausible_secs` (named by
/// [`crate::timeline::implausible`]). Each attempt stands for its count (a summary's rows; one
/// for an attempt read from boots): its record comes with that count, in the attempts' order.
pub(crate) fn records_of<'a>(
    attempts: impl IntoIterator<Item = &'a Counted>,
    max_plausible_secs: f64,
) -> Vec<(Record, u64)> {
    (attempts.into_iter())
        .filter_map(|(a, n)| Some((a.record(max_plausible_secs)?, *n)))
        .map(|((secs, censored), n)| {
            let r = if censored {
                Record::censored(secs)
            } else {
                Record::event(secs)
            };
            (r, n)
        })
        .collect()
}

/// The times survival is reported at: the requested ones (or the defaults) and the class's
/// own current timeout.
pub(crate) fn survival_times(requested: &[f64], current_timeout_secs: f64) -> Vec<f64> {
    let mut t = if requested.is_empty() {
        crate::stats::summary::DEFAULT_TIMES.to_vec()
    } else {
        requested.to_vec()
    };
    if !t.contains(&current_timeout_secs) {
        t.push(current_timeout_secs);
    }
    t
}

/// Attempts by outcome name (only outcomes that occur), each standing for its count.
pub(crate) fn counts_of<'a>(
    attempts: impl IntoIterator<Item = &'a Counted>,
) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (a, n) in attempts {
        *counts.entry(a.outcome.as_str().to_string()).or_default() += *n as usize;
    }
    counts
}

/// Tail blame at three levels that do not overlap within themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TailBlames {
    /// Boot phases and cloud-init stages (depth 0 and 1).
    pub(crate) stages: Option<TailBlame>,
    /// cloud-init modules (depth 2).
    pub(crate) modules: Option<TailBlame>,
    /// Marker sub-phases (depth 3: image pull, apt/docker setup).
    pub(crate) sub_phases: Option<TailBlame>,
}

impl TailBlames {
    /// The levels in reading order, with their names.
    pub(crate) fn levels(&self) -> [(&'static str, Option<&TailBlame>); 3] {
        [
            ("stages", self.stages.as_ref()),
            ("modules", self.modules.as_ref()),
            ("sub_phases", self.sub_phases.as_ref()),
        ]
    }
}

/// Per-phase statistics of a class's boots with an exact latency, and tail blame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    /// p50/p90/p99 of each phase, by name.
    pub quantiles: Vec<PhaseQuantiles>,
    /// Which phases make the slow boots slow.
    pub tail_blame: TailBlames,
}

impl PhaseReport {
    /// The phase statistics of the counts of boots' phases (from boots, or from a summary's
    /// counts merged): one rule for both, so they give the same numbers.
    pub(crate) fn of(counts: &PhaseCounts) -> Self {
        let [stages, modules, sub_phases] = &counts.levels;
        Self {
            quantiles: phase_quantiles(&counts.durations),
            tail_blame: TailBlames {
                stages: tail_blame(stages),
                modules: tail_blame(modules),
                sub_phases: tail_blame(sub_phases),
            },
        }
    }
}

/// The depths of each tail-blame level: boot phases and stages, modules, marker sub-phases.
pub(crate) const LEVELS: [fn(u8) -> bool; 3] = [|d| d <= 1, |d| d == 2, |d| d == 3];

#[cfg(test)]
/// The phase statistics' counts of one boot, if it has a plausible exact latency (else none).
pub(crate) fn count_phases(counts: &mut PhaseCounts, b: &LeanBoot, max_plausible_secs: f64) {
    let Some((latency_secs, false)) = b.record(max_plausible_secs) else {
        return;
    };
    let level = |keep| Level {
        phases: &b.phases,
        latency_secs,
        keep,
    };
    counts.add_durations(&level(|_| true));
    // Each level over the boots that show it (module phases come only from cloud-init.log;
    // a boot without them is not a boot whose modules took 0 s).
    for (c, keep) in counts.levels.iter_mut().zip(LEVELS) {
        let l = level(keep);
        if l.shows_any() {
            c.add(&l);
        }
    }
}

#[cfg(test)]
/// One boot's finished phases at some depths, as the phase statistics read them.
struct Level<'a> {
    phases: &'a LeanPhases,
    latency_secs: f64,
    keep: fn(u8) -> bool,
}

#[cfg(test)]
impl Level<'_> {
    /// The finished phases of the level: of phases sharing a name, the last one.
    fn finished(&self) -> impl Iterator<Item = (&str, f64)> + '_ {
        let phases = self.phases.iter();
        let keep = self.keep;
        phases.clone().enumerate().filter_map(move |(i, p)| {
            let d = p.duration_secs().filter(|_| keep(p.depth))?;
            let later = phases
                .clone()
                .skip(i + 1)
                .filter(|q| keep(q.depth) && q.end_secs().is_some())
                .any(|q| q.name == p.name);
            (!later).then_some((&**p.name, d))
        })
    }

    fn shows_any(&self) -> bool {
        self.finished().next().is_some()
    }
}

#[cfg(test)]
impl BootPhases for Level<'_> {
    fn latency_secs(&self) -> f64 {
        self.latency_secs
    }

    fn each_phase(&self, f: &mut dyn FnMut(&str, f64)) {
        for (name, d) in self.finished() {
            f(name, d);
        }
    }
}

/// One class: its policy, its boots and what the statistics say about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Class name.
    pub class: String,
    /// The class's current register-wait timeout, seconds.
    pub(crate) timeout_secs: f64,
    /// Where the platform's events contradict the class's timeout (or one of its templates'
    /// overrides): the timeout they state and the flips that disagree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) observed_timeouts: Vec<crate::timeline::ObservedTimeout>,
    /// The class's stuck threshold, seconds.
    pub(crate) stuck_threshold_secs: f64,
    /// Whether the class is defined in the configuration (else it took the default's values).
    pub(crate) configured: bool,
    /// Boots by outcome.
    pub boots: BTreeMap<String, usize>,
    /// Provisioning attempts by outcome (the statistical unit: one record per attempt).
    pub attempts: BTreeMap<String, usize>,
    /// Boots by template (boots without one are not counted here).
    pub(crate) templates: BTreeMap<String, usize>,
    /// Latency records counted from the kernel's start because the launch is unknown.
    pub(crate) from_kernel_start: usize,
    /// The fitted distribution of the records the class's recommendation was made from: its
    /// Kaplan–Meier and fitted families, summarised as `bootline fit` summarises records (the
    /// boots of templates with their own timeout are not among them).
    pub fit: Option<FitSummary>,
    /// Why there is no fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fit_unavailable: Option<String>,
    /// Per-phase statistics and tail blame.
    pub phases: PhaseReport,
    /// What the class's recommended timeout costs and buys (none without a recommendation).
    pub(crate) tradeoff: Option<super::decision::Tradeoff>,
    /// The recommended timeout under each reading, plausible model and neighbouring policy
    /// (the recommendation's, for the class's own group).
    pub(crate) sensitivity: Vec<crate::recommend::Sensitivity>,
}

impl ClassReport {
    /// Every boot of the class.
    pub(crate) fn n_boots(&self) -> usize {
        self.boots.values().sum()
    }

    /// Every provisioning attempt of the class.
    pub(crate) fn n_attempts(&self) -> usize {
        self.attempts.values().sum()
    }

    /// Attempts with this outcome.
    pub(crate) fn count(&self, outcome: Outcome) -> usize {
        self.attempts.get(outcome.as_str()).copied().unwrap_or(0)
    }
}
