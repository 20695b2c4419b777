//! The warnings of a finished recommendation: its kind with numbers, and the sentence.

use crate::config::Policy;

use super::attempt::{Attempt, Latency};
use super::group::GroupSpec;
use super::rule::{Basis, Bound, Evidence};
use super::{Recommendation, Verdict, Warning, WarningKind, FEW_RECORDS, MODEL_SPREAD};

fn pct(v: f64) -> String {
    crate::render::recommend::percent(v)
}

/// The warnings of a finished recommendation, in reading order: the group, its basis, the
/// killed boots, its data, its stuck verdict.
pub(super) fn warnings(
    r: &Recommendation,
    spec: &GroupSpec<'_>,
    ev: &Evidence,
    main: &Bound,
    fitted: &[&Attempt],
    policy: &Policy,
) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if spec.unconfigured {
        push(
            WarningKind::UnconfiguredClass,
            format!(
                "class {} is not in the configuration: it was given the default class's timeout {:.0} s and stuck threshold {:.0} s",
                r.class, r.current_timeout_s, r.stuck_threshold_s
            ),
        );
    }
    w.extend(basis_warnings(r, ev, main));
    w.extend(plateau_warning(r, ev, fitted, policy));
    w.extend(data_warnings(r, fitted));
    w.extend(verdict_warning(r));
    w.extend(current_past_stuck(r));
    w
}

/// No distribution-free bound, extrapolation, better models without a bound, model spread.
fn basis_warnings(r: &Recommendation, ev: &Evidence, main: &Bound) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    let level = crate::stats::level_name(r.quantile);
    if let Basis::Model(family) = r.basis {
        push(
            WarningKind::NoDistributionFreeBound {
                needed_n: ev.min_n,
                n: r.n,
            },
            format!(
                "no distribution-free bound of {level} from these data (it needs n ≥ {} with every censoring time above the bound; there are {}): the bound is the {} model's",
                ev.min_n,
                r.n,
                family.name()
            ),
        );
        if let (Some(est), Some(max)) = (main.estimate, ev.max_event) {
            if est > max {
                push(
                    WarningKind::Extrapolation {
                        estimate_s: est,
                        largest_registered_s: max,
                    },
                    format!(
                        "the model's {level} {est:.1} s lies beyond the largest registered boot {max:.1} s: extrapolation"
                    ),
                );
            }
        }
    }
    for u in &main.unbounded {
        push(
            WarningKind::BestModelUnbounded {
                family: u.family,
                estimate_s: u.estimate_s,
            },
            format!(
                "the {} model ranks above the basis by BIC but has no confidence bound ({}; its {level} estimate is {}): passed over",
                u.family.name(),
                u.reason,
                u.estimate_s.map_or("unknown".to_string(), |e| format!("{e:.1} s"))
            ),
        );
    }
    let ucbs: Vec<f64> = r.plausible_models.iter().filter_map(|m| m.ucb_s).collect();
    if ucbs.len() > 1 {
        let (lo, hi) = ucbs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &u| {
            (lo.min(u), hi.max(u))
        });
        if hi / lo > MODEL_SPREAD {
            push(
                WarningKind::ModelSensitive {
                    min_ucb_s: lo,
                    max_ucb_s: hi,
                },
                format!(
                    "plausible models (ΔBIC ≤ 2) disagree by more than {:.0} % on the bound: {lo:.1}–{hi:.1} s",
                    (MODEL_SPREAD - 1.0) * 100.0
                ),
            );
        }
    }
    w
}

/// A Kaplan–Meier plateau above the target made of killed boots (killed is not slow).
fn plateau_warning(
    r: &Recommendation,
    ev: &Evidence,
    fitted: &[&Attempt],
    policy: &Policy,
) -> Option<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if let Some(p) = ev.km.plateau(&[r.quantile]) {
        let n_killed = fitted
            .iter()
            .filter(|a| a.killed_unresolved())
            .filter(|a| matches!(a.latency, Latency::Censored(s) if s >= p.last_event_time))
            .count();
        if p.long_plateau && p.pi_hat > policy.target_false_fail_rate && n_killed > 0 {
            push(
                WarningKind::KilledPlateau {
                    survival: p.pi_hat,
                    n_killed,
                },
                format!(
                    "Kaplan–Meier ends on a plateau at {} (above the target {}) made of {n_killed} killed boot{}: if they were stuck, see the killed_stuck and cure readings",
                    pct(p.pi_hat),
                    pct(policy.target_false_fail_rate),
                    if n_killed == 1 { "" } else { "s" }
                ),
            );
        }
    }
    w.pop()
}

/// Few records; latencies counted from the kernel's start.
fn data_warnings(r: &Recommendation, fitted: &[&Attempt]) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if r.n < FEW_RECORDS {
        let rests_on = match r.basis {
            Basis::Model(f) => format!("the {} model's shape beyond the data", f.name()),
            Basis::KaplanMeier => "the Kaplan–Meier band of a small sample".to_string(),
            Basis::OrderStatistic => "the largest records".to_string(),
        };
        push(
            WarningKind::FewRecords { n: r.n },
            format!("only {} records: the answer rests on {rests_on}", r.n),
        );
    }
    let from_kernel = fitted.iter().filter(|a| a.counts_from_kernel()).count();
    if from_kernel > 0 {
        push(
            WarningKind::LatencyFromKernel { n: from_kernel },
            format!(
                "{from_kernel} latenc{} count from the kernel's start, not the launch (launch unknown): they are short by the time before the kernel started",
                if from_kernel == 1 { "y" } else { "ies" }
            ),
        );
    }
    w
}

/// Near or at the stuck threshold (for a group without enough evidence, of its model-only
/// timeout).
fn verdict_warning(r: &Recommendation) -> Option<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    match r.stuck_verdict() {
        Verdict::Overlap => push(
            WarningKind::Overlap,
            format!(
                "the recommended {:.0} s reaches the stuck threshold {:.0} s: the healthy tail and the stuck class overlap, no timeout separates them here",
                r.recommended_timeout_s, r.stuck_threshold_s
            ),
        ),
        Verdict::Warn => push(
            WarningKind::NearStuckThreshold,
            format!(
                "the recommended {:.0} s is above {:.0} % of the stuck threshold {:.0} s (margin {:.0} s)",
                r.recommended_timeout_s,
                super::STUCK_WARN_SHARE * 100.0,
                r.stuck_threshold_s,
                r.stuck_margin_s
            ),
        ),
        Verdict::Ok | Verdict::InsufficientData => {}
    }
    w.pop()
}

/// The timeout in force now at or past the stuck threshold (a template's override set above
/// its class's threshold): whatever is recommended, today's stuck boots are failed late.
fn current_past_stuck(r: &Recommendation) -> Option<Warning> {
    (r.current_timeout_s >= r.stuck_threshold_s).then(|| Warning {
        kind: WarningKind::CurrentPastStuck {
            current_s: r.current_timeout_s,
            stuck_threshold_s: r.stuck_threshold_s,
        },
        message: format!(
            "the current {:.0} s reaches the stuck threshold {:.0} s: a stuck boot is failed only at {:.0} s, {:.0} s after it counts as stuck",
            r.current_timeout_s,
            r.stuck_threshold_s,
            r.current_timeout_s,
            r.current_timeout_s - r.stuck_threshold_s
        ),
    })
}
