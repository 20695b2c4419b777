//! The phase chart's bars: the phases with the slowest p99, their tail-blame share and the
//! phase each lies within. They read the per-phase statistics only, neither boots nor
//! latencies.

use super::PhaseBar;
use crate::report::class::PhaseReport;

/// Most bars of the phase chart.
const PHASE_BARS: usize = 10;

/// The phases with the slowest p99 as bars, each with its tail-blame share where blamed.
pub(crate) fn phase_bars(phases: &PhaseReport) -> Vec<PhaseBar> {
    let share = |name: &str| {
        phases
            .tail_blame
            .levels()
            .iter()
            .filter_map(|(level, b)| Some((*level, (*b)?)))
            .flat_map(|(level, b)| b.phases.iter().map(move |p| (level, p)))
            .find(|(_, p)| p.phase == name)
            .map(|(level, p)| (level, p.share))
    };
    let mut q: Vec<_> = phases.quantiles.iter().collect();
    q.sort_by(|a, b| b.p99.total_cmp(&a.p99).then_with(|| a.phase.cmp(&b.phase)));
    q.iter()
        .take(PHASE_BARS)
        .map(|p| PhaseBar {
            phase: p.phase.clone(),
            p50: p.p50,
            p90: p.p90,
            p99: p.p99,
            blame_share: share(&p.phase).map(|(_, s)| s),
            blame_level: share(&p.phase).map(|(level, _)| level.to_string()),
            within: None,
        })
        .collect()
}

/// Names the phase each bar lies within, as the first boot that places it in one shows it: a
/// module's stage (its name's prefix), a sub-phase's stage (the one running when it started).
pub(crate) fn name_containers(
    bars: &mut [PhaseBar],
    within: &std::collections::BTreeMap<String, crate::summary::boots::First<String>>,
) {
    for bar in bars.iter_mut() {
        bar.within = within.get(&bar.phase).map(|f| f.value.clone());
    }
}
