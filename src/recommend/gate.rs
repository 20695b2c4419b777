//! `bootline check`: the lockstep and guard checks of a proposal and, with data, the CI gate
//! (a current timeout below its recommendation, or a false-fail rate above the target, fails).

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::timeline::{Implausibles, ObservedTimeout};

use super::checks::{guards, lockstep, GuardCheck, LockstepCheck, Proposal};
use super::group::{checks_failed, Recommendations, Skipped};
use super::SCHEMA_VERSION;

/// Why the CI gate failed a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GateReason {
    /// The current timeout is below the recommended one.
    BelowRecommended,
    /// Kaplan–Meier's false-fail estimate at the current timeout exceeds the target.
    RateAboveTarget,
}

/// One group through the CI gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GateCheck {
    /// The class.
    pub(crate) class: String,
    /// The template, for a template's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// The current timeout, seconds.
    pub(crate) current_timeout_s: f64,
    /// The recommended timeout, seconds.
    pub(crate) recommended_timeout_s: f64,
    /// The target false-fail rate.
    pub(crate) target: f64,
    /// Kaplan–Meier's false-fail estimate at the current timeout (`null`: beyond the data).
    pub(crate) km_at_current: Option<f64>,
    /// Its interval.
    pub(crate) km_ci: [Option<f64>; 2],
    /// When the platform's events contradict the current timeout: as in the recommendation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) observed_timeout: Option<ObservedTimeout>,
    /// Whether it passes.
    pub(crate) passed: bool,
    /// Why not.
    pub(crate) reasons: Vec<GateReason>,
    /// Fewer exact records than the policy needs: not gated (the numbers decide nothing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) insufficient_data: bool,
}

/// Everything `bootline check` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Check {
    /// Schema version shared by every bootline JSON.
    pub(crate) schema_version: u32,
    /// The timeouts checked.
    pub(crate) proposal: Proposal,
    /// Lockstep timeouts against the proposal.
    pub(crate) lockstep: Vec<LockstepCheck>,
    /// Guard cases against the proposal.
    pub(crate) guards: Vec<GuardCheck>,
    /// With data: each group's current timeout against its recommendation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) gate: Option<Vec<GateCheck>>,
    /// With data: groups without a recommendation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) skipped: Vec<Skipped>,
    /// With data: attempts excluded for an implausible latency, as in the recommendation.
    #[serde(default, skip_serializing_if = "Implausibles::is_empty")]
    pub(crate) implausible: Implausibles,
}

impl Check {
    /// Whether a finding calls for exit 1.
    pub(crate) fn failed(&self) -> bool {
        checks_failed(&self.lockstep, &self.guards) || self.gate.iter().flatten().any(|g| !g.passed)
    }
}

/// Lockstep and guard checks of a proposal; with recommendations, the CI gate too.
pub(crate) fn check(config: &Config, proposal: Proposal, data: Option<&Recommendations>) -> Check {
    let gate = data.map(|d| {
        d.classes
            .iter()
            .chain(&d.templates)
            .map(|r| {
                let at = &r.false_fail_at_current;
                let mut reasons = Vec::new();
                let gated = !r.insufficient();
                if gated && r.current_timeout_s < r.recommended_timeout_s {
                    reasons.push(GateReason::BelowRecommended);
                }
                if gated && at.km.is_some_and(|k| k > d.policy.target_false_fail_rate) {
                    reasons.push(GateReason::RateAboveTarget);
                }
                GateCheck {
                    class: r.class.clone(),
                    template: r.template.clone(),
                    current_timeout_s: r.current_timeout_s,
                    recommended_timeout_s: r.recommended_timeout_s,
                    target: d.policy.target_false_fail_rate,
                    km_at_current: at.km,
                    km_ci: at.km_ci,
                    observed_timeout: r.observed_timeout.clone(),
                    passed: reasons.is_empty(),
                    reasons,
                    insufficient_data: !gated,
                }
            })
            .collect()
    });
    Check {
        schema_version: SCHEMA_VERSION,
        lockstep: lockstep(config, &proposal),
        guards: guards(config, &proposal),
        proposal,
        gate,
        skipped: data.map(|d| d.skipped.clone()).unwrap_or_default(),
        implausible: data.map(|d| d.implausible.clone()).unwrap_or_default(),
    }
}
