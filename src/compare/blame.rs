//! Which phases account for a shift between two cohorts: each phase's p90 duration in both,
//! and the change of its mean over each cohort's tail boots (those slower than the cohort's own
//! p90 latency, docs/statistics.md §8), so that "`image-pull` +31 s at p90" can be said.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::class::PhaseReport;
use crate::stats::phase::TailBlame;

/// One phase's change from the earlier cohort to the later.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct PhaseShift {
    /// Phase name.
    pub(crate) phase: String,
    /// Its nesting depth (0 boot phases, 1 cloud-init stages, 2 modules, 3 marker spans).
    pub(crate) depth: u8,
    /// The earlier cohort's p90 of the phase, seconds.
    pub(crate) p90_before_secs: f64,
    /// The later cohort's.
    pub(crate) p90_after_secs: f64,
    /// after − before.
    pub(crate) p90_shift_secs: f64,
    /// Change of the phase's mean over the tail boots (`null` when a cohort has no tail
    /// blame for it).
    pub(crate) tail_mean_shift_secs: Option<f64>,
}

/// Tail means by phase over the three blame levels.
fn tail_means(p: &PhaseReport) -> BTreeMap<&str, f64> {
    let mut out = BTreeMap::new();
    let levels: [&Option<TailBlame>; 3] = [
        &p.tail_blame.stages,
        &p.tail_blame.modules,
        &p.tail_blame.sub_phases,
    ];
    for b in levels.into_iter().flatten() {
        for ph in &b.phases {
            out.insert(ph.phase.as_str(), ph.tail_mean_secs);
        }
    }
    out
}

/// Phases both cohorts show, largest p90 increase first (ties by name).
pub(crate) fn shifts(
    before: &PhaseReport,
    after: &PhaseReport,
    depths: &BTreeMap<String, u8>,
) -> Vec<PhaseShift> {
    let (tb, ta) = (tail_means(before), tail_means(after));
    let mut out: Vec<PhaseShift> = after
        .quantiles
        .iter()
        .filter_map(|a| {
            let b = before.quantiles.iter().find(|b| b.phase == a.phase)?;
            let name = a.phase.as_str();
            Some(PhaseShift {
                phase: a.phase.clone(),
                depth: depths.get(name).copied().unwrap_or(0),
                p90_before_secs: b.p90,
                p90_after_secs: a.p90,
                p90_shift_secs: a.p90 - b.p90,
                tail_mean_shift_secs: ta.get(name).zip(tb.get(name)).map(|(x, y)| x - y),
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.p90_shift_secs
            .total_cmp(&x.p90_shift_secs)
            .then_with(|| x.phase.cmp(&y.phase))
    });
    out
}
