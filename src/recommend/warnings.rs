//! The warnings of a finished recommendation: each kind with its numbers, decided here; the
//! sentence that says it is [`crate::render::warning::message`]'s.

use crate::config::Policy;

use super::attempt::{Attempt, Latency};
use super::group::{total, GroupSpec};
use super::rule::{Basis, Bound, Evidence};
use super::{Recommendation, Verdict, Warning, WarningKind, FEW_RECORDS, MODEL_SPREAD};

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
    let mut w: Vec<WarningKind> = Vec::new();
    let mut push = |kind: WarningKind| w.push(kind);
    if spec.unconfigured {
        push(WarningKind::UnconfiguredClass);
    }
    w.extend(basis_warnings(r, ev, main));
    w.extend(plateau_warning(r, ev, fitted, policy));
    w.extend(data_warnings(r, fitted));
    w.extend(verdict_warning(r));
    w.extend(current_past_stuck(r));
    w.into_iter()
        .map(|kind| Warning {
            message: crate::render::warning::message(&kind, r, policy.target_false_fail_rate),
            kind,
        })
        .collect()
}

/// No distribution-free bound, extrapolation, better models without a bound, model spread.
fn basis_warnings(r: &Recommendation, ev: &Evidence, main: &Bound) -> Vec<WarningKind> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind| w.push(kind);
    if let Basis::Model(_) = r.basis {
        push(WarningKind::NoDistributionFreeBound {
            needed_n: ev.min_n,
            n: r.n,
        });
        if let (Some(est), Some(max)) = (main.estimate, ev.max_event) {
            if est > max {
                push(WarningKind::Extrapolation {
                    estimate_s: est,
                    largest_registered_s: max,
                });
            }
        }
    }
    for u in &main.unbounded {
        push(WarningKind::BestModelUnbounded {
            family: u.family,
            estimate_s: u.estimate_s,
            reason: u.reason.clone(),
        });
    }
    let ucbs: Vec<f64> = r.plausible_models.iter().filter_map(|m| m.ucb_s).collect();
    if ucbs.len() > 1 {
        let (lo, hi) = ucbs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &u| {
            (lo.min(u), hi.max(u))
        });
        if hi / lo > MODEL_SPREAD {
            push(WarningKind::ModelSensitive {
                min_ucb_s: lo,
                max_ucb_s: hi,
            });
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
) -> Option<WarningKind> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind| w.push(kind);
    if let Some(p) = ev.km.plateau(&[r.quantile]) {
        let n_killed = total(
            fitted
                .iter()
                .filter(|a| a.killed_unresolved())
                .filter(|a| matches!(a.latency, Latency::Censored(s) if s >= p.last_event_time)),
        );
        if p.long_plateau && p.pi_hat > policy.target_false_fail_rate && n_killed > 0 {
            push(WarningKind::KilledPlateau {
                survival: p.pi_hat,
                n_killed,
            });
        }
    }
    w.pop()
}

/// Few records; latencies counted from the kernel's start.
fn data_warnings(r: &Recommendation, fitted: &[&Attempt]) -> Vec<WarningKind> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind| w.push(kind);
    if r.n < FEW_RECORDS {
        push(WarningKind::FewRecords { n: r.n });
    }
    let from_kernel = total(fitted.iter().filter(|a| a.counts_from_kernel()));
    if from_kernel > 0 {
        push(WarningKind::LatencyFromKernel { n: from_kernel });
    }
    w
}

/// Near or at the stuck threshold (for a group without enough evidence, of its model-only
/// timeout).
fn verdict_warning(r: &Recommendation) -> Option<WarningKind> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind| w.push(kind);
    match r.stuck_verdict() {
        Verdict::Overlap => push(WarningKind::Overlap),
        Verdict::Warn => push(WarningKind::NearStuckThreshold),
        Verdict::Ok | Verdict::InsufficientData => {}
    }
    w.pop()
}

/// The timeout in force now at or past the stuck threshold (a template's override set above
/// its class's threshold): whatever is recommended, today's stuck boots are failed late.
fn current_past_stuck(r: &Recommendation) -> Option<WarningKind> {
    (r.current_timeout_s >= r.stuck_threshold_s).then_some(WarningKind::CurrentPastStuck {
        current_s: r.current_timeout_s,
        stuck_threshold_s: r.stuck_threshold_s,
    })
}
