//! The sentence of each recommendation warning: the library decides the kind and its numbers
//! ([`crate::recommend::WarningKind`]), this says it.

use super::numbers::percent;
use crate::recommend::{Basis, Recommendation, WarningKind, MODEL_SPREAD, STUCK_WARN_SHARE};

/// The sentence of a warning raised on `r` under the target false-fail rate `target`.
pub(crate) fn message(kind: &WarningKind, r: &Recommendation, target: f64) -> String {
    let level = crate::stats::level_name(r.quantile);
    match kind {
        WarningKind::UnconfiguredClass => format!(
            "class {} is not in the configuration: it was given the default class's timeout {:.0} s and stuck threshold {:.0} s",
            r.class, r.current_timeout_s, r.stuck_threshold_s
        ),
        WarningKind::NoDistributionFreeBound { needed_n, n } => format!(
            "no distribution-free bound of {level} from these data (it needs n ≥ {needed_n} with every censoring time above the bound; there are {n}): the bound is the {} model's",
            model_name(r.basis)
        ),
        WarningKind::Extrapolation {
            estimate_s,
            largest_registered_s,
        } => format!(
            "the model's {level} {estimate_s:.1} s lies beyond the largest registered boot {largest_registered_s:.1} s: extrapolation"
        ),
        WarningKind::BestModelUnbounded {
            family,
            estimate_s,
            reason,
        } => format!(
            "the {} model ranks above the basis by BIC but has no confidence bound ({reason}; its {level} estimate is {}): passed over",
            family.name(),
            estimate_s.map_or("unknown".to_string(), |e| format!("{e:.1} s"))
        ),
        WarningKind::ModelSensitive {
            min_ucb_s,
            max_ucb_s,
        } => format!(
            "plausible models (ΔBIC ≤ 2) disagree by more than {:.0} % on the bound: {min_ucb_s:.1}–{max_ucb_s:.1} s",
            (MODEL_SPREAD - 1.0) * 100.0
        ),
        WarningKind::KilledPlateau { survival, n_killed } => {
            killed_plateau(*survival, *n_killed, target)
        }
        WarningKind::FewRecords { n } => {
            format!("only {n} records: the answer rests on {}", rests_on(r.basis))
        }
        WarningKind::LatencyFromKernel { n } => format!(
            "{n} latenc{} count from the kernel's start, not the launch (launch unknown): they are short by the time before the kernel started",
            if *n == 1 { "y" } else { "ies" }
        ),
        WarningKind::NearStuckThreshold => format!(
            "the recommended {:.0} s is above {:.0} % of the stuck threshold {:.0} s (margin {:.0} s)",
            r.recommended_timeout_s,
            STUCK_WARN_SHARE * 100.0,
            r.stuck_threshold_s,
            r.stuck_margin_s
        ),
        WarningKind::Overlap => format!(
            "the recommended {:.0} s reaches the stuck threshold {:.0} s: the healthy tail and the stuck class overlap, no timeout separates them here",
            r.recommended_timeout_s, r.stuck_threshold_s
        ),
        WarningKind::CurrentPastStuck {
            current_s,
            stuck_threshold_s,
        } => format!(
            "the current {current_s:.0} s reaches the stuck threshold {stuck_threshold_s:.0} s: a stuck boot is failed only at {current_s:.0} s, {:.0} s after it counts as stuck",
            current_s - stuck_threshold_s
        ),
    }
}

/// What an answer from few records rests on.
fn rests_on(basis: Basis) -> String {
    match basis {
        Basis::Model(f) => format!("the {} model's shape beyond the data", f.name()),
        Basis::KaplanMeier => "the Kaplan–Meier band of a small sample".to_string(),
        Basis::OrderStatistic => "the largest records".to_string(),
    }
}

/// A Kaplan–Meier plateau above the target made of killed boots.
fn killed_plateau(survival: f64, n_killed: usize, target: f64) -> String {
    format!(
        "Kaplan–Meier ends on a plateau at {} (above the target {}) made of {n_killed} killed boot{}: if they were stuck, see the killed_stuck and cure readings",
        percent(survival),
        percent(target),
        crate::render::numbers::plural_s(n_killed)
    )
}

/// The family a model basis names (the basis itself otherwise).
fn model_name(basis: Basis) -> String {
    match basis {
        Basis::Model(f) => f.name().to_string(),
        other => other.to_string(),
    }
}
