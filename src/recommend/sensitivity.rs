//! Would the answer change? The recommended timeout of one group under each reading of the
//! killed boots, under each plausible model, and under the neighbouring policies (target 0.1 %
//! and 0.01 %, confidence 90/95/99 %), each row through the same rule (docs/recommendation.md).

use serde::{Deserialize, Serialize};

use crate::config::Policy;
use crate::stats::family::Family;

use super::rule::{bound, raw_timeout, round_to_grid, Basis, Bound, Evidence};
use super::{Assumption, Reading};

/// The targets and confidences the neighbouring policies take.
pub(crate) const TARGETS: [f64; 2] = [0.001, 0.0001];
/// See [`TARGETS`].
pub(crate) const CONFIDENCES: [f64; 3] = [0.90, 0.95, 0.99];

/// What a sensitivity row varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Varied {
    /// The reading of the killed boots.
    Reading,
    /// The model (a plausible one, ΔBIC ≤ 2).
    Model,
    /// The target and the confidence.
    Policy,
}

/// The answer under one variation of the rule's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sensitivity {
    /// What this row varies.
    pub(crate) varied: Varied,
    /// The reading of the killed boots.
    pub(crate) reading: Reading,
    /// The model the bound rests on (`null`: a distribution-free bound).
    pub(crate) model: Option<Family>,
    /// The target false-fail rate.
    pub(crate) target: f64,
    /// The one-sided confidence.
    pub(crate) confidence: f64,
    /// The bound, seconds (`null`: none under this variation).
    pub(crate) bound_s: Option<f64>,
    /// The timeout it gives, seconds.
    pub(crate) recommended_timeout_s: Option<f64>,
}

/// The model a basis rests on.
fn model_of(basis: Option<Basis>) -> Option<Family> {
    match basis {
        Some(Basis::Model(f)) => Some(f),
        Some(Basis::OrderStatistic | Basis::KaplanMeier) | None => None,
    }
}

/// Every row for one group: `ev` and `main` are the evidence and bound the recommendation
/// uses, `reading` its reading, `allow` the families its rule admits, `assumptions` the
/// answers under each reading.
pub(crate) fn sensitivity(
    (ev, main, reading): (&Evidence, &Bound, Reading),
    allow: impl Fn(Family) -> bool + Copy,
    assumptions: &[Assumption],
    policy: &Policy,
) -> Vec<Sensitivity> {
    let timeout = |b: f64| round_to_grid(raw_timeout(b, policy), policy);
    let row = |varied, reading, model, bound_s: Option<f64>| Sensitivity {
        varied,
        reading,
        model,
        target: policy.target_false_fail_rate,
        confidence: policy.confidence,
        bound_s,
        recommended_timeout_s: bound_s.map(timeout),
    };
    let mut rows: Vec<Sensitivity> = assumptions
        .iter()
        .map(|a| row(Varied::Reading, a.reading, model_of(a.basis), a.bound_s))
        .collect();
    rows.extend(
        main.plausible
            .iter()
            .map(|m| row(Varied::Model, reading, Some(m.family), m.ucb_s)),
    );
    for target in TARGETS {
        for confidence in CONFIDENCES {
            let p = Policy {
                target_false_fail_rate: target,
                confidence,
                ..*policy
            };
            let b = ev.under(&p).ok().and_then(|e| bound(&e, allow, &p));
            rows.push(Sensitivity {
                varied: Varied::Policy,
                reading,
                model: model_of(b.as_ref().map(|b| b.basis)),
                target,
                confidence,
                bound_s: b.as_ref().map(|b| b.bound),
                recommended_timeout_s: b.map(|b| round_to_grid(raw_timeout(b.bound, &p), &p)),
            });
        }
    }
    rows
}
