//! The register-wait timeout recommendation (docs/recommendation.md): per class, per
//! template with its own override and per cohort, the bound of the healthy tail, the slack and
//! the grid, the stuck-class check, false-fail rates, what-if candidates, the two readings of the
//! boots the old timeout killed, and the lockstep and guard checks.
//!
//! [`recommend`] turns [`Attempt`]s and a [`Config`] into one [`Recommendations`] value; the
//! renderers only read it. [`check`] runs the lockstep and guard checks (and, with data, the
//! CI gate) for a proposal.

pub(crate) mod attempt;
pub(crate) mod checks;
mod cohorts;
pub(crate) mod gate;
pub(crate) mod group;
mod readings;
pub(crate) mod rule;
pub(crate) mod sample;
pub(crate) mod sensitivity;
mod warnings;

use serde::{Deserialize, Serialize};

use crate::timeline::ObservedTimeout;

use crate::stats::family::Family;

pub(crate) use checks::Proposal;
pub(crate) use group::{check, Recommendations};
pub(crate) use rule::{Basis, FalseFail, PlausibleModel};
pub(crate) use sample::Sample;
pub(crate) use sensitivity::{Sensitivity, Varied};

/// The JSON schema version (the same as every bootline JSON document).
pub(crate) const SCHEMA_VERSION: u32 = crate::stats::summary::SCHEMA_VERSION;
/// Cohorts with fewer fitted records are listed, not fitted.
pub(crate) const COHORT_MIN_RECORDS: usize = 50;
/// Below this many fitted records a group's answer is flagged as resting on little data.
pub(crate) const FEW_RECORDS: usize = 50;
/// A timeout above this share of the stuck threshold gets a warning.
pub(crate) const STUCK_WARN_SHARE: f64 = 0.8;
/// Plausible models whose bounds differ by more than this ratio make the answer model-sensitive.
pub(crate) const MODEL_SPREAD: f64 = 1.25;

/// How the boots the sweep killed without a later register are read (docs/recommendation.md, "Killed is not slow").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Assume {
    /// The rule over every family, cure model included, picked by BIC.
    #[default]
    Auto,
    /// They were slow healthy boots: censored at the flip.
    KilledSlow,
    /// They were stuck: dropped from the healthy sample.
    KilledStuck,
}

/// What the recommendation is asked for, beyond the configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Options {
    /// Only this class (and its templates); every class otherwise.
    pub(crate) class: Option<String>,
    /// Timeouts to evaluate as what-ifs, seconds.
    pub(crate) candidates: Vec<f64>,
    /// A platform label whose values split each group into cohorts.
    pub(crate) group_by: Option<String>,
    /// The reading of killed boots.
    pub(crate) assume: Assume,
}

/// The stuck-class verdict (docs/recommendation.md step 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// The timeout sits at or below 80 % of the stuck threshold.
    Ok,
    /// The timeout is above 80 % of the stuck threshold.
    Warn,
    /// The timeout reaches the stuck threshold: no timeout separates slow from stuck here.
    Overlap,
    /// Fewer exact records than `[policy] min_records`: the numbers are the rule's, but they
    /// rest on the model alone and decide nothing.
    InsufficientData,
}

impl Verdict {
    /// The verdict of `timeout` against `threshold`.
    pub(crate) fn of(timeout: f64, threshold: f64) -> Self {
        if timeout >= threshold {
            Verdict::Overlap
        } else if timeout > STUCK_WARN_SHARE * threshold {
            Verdict::Warn
        } else {
            Verdict::Ok
        }
    }
}

/// Which reading of the killed boots an [`Assumption`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reading {
    /// Killed boots censored at the flip (cure model excluded).
    KilledSlow,
    /// Killed boots dropped.
    KilledStuck,
    /// The lognormal cure model: a fraction never registers.
    Cure,
}

/// The answer under one reading of the killed boots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Assumption {
    /// The reading.
    pub(crate) reading: Reading,
    /// Records fitted under it.
    pub(crate) n: usize,
    /// Of which censored.
    pub(crate) n_censored: usize,
    /// What the bound rests on (`null`: no bound).
    pub(crate) basis: Option<Basis>,
    /// The bound of the (1 − p) quantile, seconds.
    pub(crate) bound_s: Option<f64>,
    /// The timeout it gives, seconds.
    pub(crate) recommended_timeout_s: Option<f64>,
    /// The cure model's stuck fraction π̂.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stuck_fraction: Option<f64>,
    /// The cure model's BIC minus the best BIC of all families.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) delta_bic: Option<f64>,
    /// Whether the recommendation uses this reading.
    pub(crate) used: bool,
    /// Why a reading has no answer, or what it shares with another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// One cohort of a group (`--group-by LABEL`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cohort {
    /// The label.
    pub(crate) label: String,
    /// Its value (`null`: attempts without the label).
    pub(crate) value: Option<String>,
    /// Fitted records.
    pub(crate) n: usize,
    /// Of which censored.
    pub(crate) n_censored: usize,
    /// Whether it was fitted (≥ 50 records).
    pub(crate) fitted: bool,
    /// Its own basis.
    pub(crate) basis: Option<Basis>,
    /// Its own bound, seconds.
    pub(crate) bound_s: Option<f64>,
    /// Its own timeout, seconds.
    pub(crate) recommended_timeout_s: Option<f64>,
    /// Its own stuck-class verdict.
    pub(crate) verdict: Option<Verdict>,
    /// Whether the group's (pooled) timeout is at least the cohort's own.
    pub(crate) covered_by_pooled: Option<bool>,
    /// Why it was not fitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// An attempt the sweep killed that registered later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateRegistration {
    /// Instance id (empty for records of a plain durations file).
    pub instance: String,
    /// Its register latency, seconds.
    pub latency_s: f64,
}

/// One what-if timeout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Candidate {
    /// Rates and observed boots at the candidate.
    #[serde(flatten)]
    pub(crate) false_fail: FalseFail,
    /// Stuck-detection delay saved per stuck boot against the current timeout (negative:
    /// added), seconds.
    pub(crate) stuck_delay_saved_s: f64,
    /// Its stuck-class verdict.
    pub(crate) verdict: Verdict,
}

/// What to do when the healthy tail reaches the stuck threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Suggestion {
    /// Cohorts were fitted: give those whose own timeout stays below the threshold their own.
    PerCohort {
        /// The label.
        label: String,
        /// Cohorts whose own timeout is below the stuck threshold, with it.
        separable: Vec<(String, f64)>,
        /// Cohorts that overlap on their own too.
        overlapping: Vec<String>,
    },
    /// No cohorts were fitted: these labels could split the group.
    GroupBy {
        /// Labels the group's attempts carry (template included).
        labels: Vec<String>,
        /// Each label whose cohorts were all fitted and all stay below the stuck threshold,
        /// with each cohort's own timeout.
        #[serde(default)]
        splits: Vec<Split>,
        /// The smallest stuck threshold on the grid above the recommended timeout.
        stuck_threshold_needed_s: f64,
    },
}

/// A label that separates slow from stuck: every cohort gets a timeout under the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// The label (`--group-by` it).
    pub label: String,
    /// Each cohort's value (`null`: attempts without the label) and its own timeout, seconds.
    pub cohorts: Vec<(Option<String>, f64)>,
}

/// Why a warning was raised; the message says it in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum WarningKind {
    /// The data cannot give a distribution-free bound.
    NoDistributionFreeBound {
        /// Records needed (all below the bound uncensored).
        needed_n: u64,
        /// Records there are.
        n: usize,
    },
    /// The model quantile lies beyond the largest registered boot.
    Extrapolation {
        /// The model's quantile, seconds.
        estimate_s: f64,
        /// The largest exact latency, seconds.
        largest_registered_s: f64,
    },
    /// Plausible models disagree by more than 25 % on the bound.
    ModelSensitive {
        /// Smallest plausible bound, seconds.
        min_ucb_s: f64,
        /// Largest plausible bound, seconds.
        max_ucb_s: f64,
    },
    /// Kaplan–Meier ends on a long plateau above the target made of killed records.
    KilledPlateau {
        /// Ŝ on the plateau.
        survival: f64,
        /// Killed records on it.
        n_killed: usize,
    },
    /// Few records: the answer rests on its basis more than on the data.
    FewRecords {
        /// Fitted records.
        n: usize,
    },
    /// A model better by BIC than the basis has no confidence bound and was passed over.
    BestModelUnbounded {
        /// The family passed over.
        family: Family,
        /// Its point estimate of the quantile, seconds.
        estimate_s: Option<f64>,
        /// Why it has no bound.
        #[serde(default)]
        reason: String,
    },
    /// The timeout is above 80 % of the stuck threshold.
    NearStuckThreshold,
    /// The timeout reaches the stuck threshold.
    Overlap,
    /// The timeout in force now reaches the stuck threshold: stuck boots are failed late.
    CurrentPastStuck {
        /// The current timeout, seconds.
        current_s: f64,
        /// The stuck threshold, seconds.
        stuck_threshold_s: f64,
    },
    /// The class is not in the configuration: it got the default class's values.
    UnconfiguredClass,
    /// Some latencies count from the kernel's start (launch unknown).
    LatencyFromKernel {
        /// How many.
        n: usize,
    },
}

/// A warning: its kind with data, and the sentence that says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Warning {
    /// What kind, with its numbers.
    #[serde(flatten)]
    pub(crate) kind: WarningKind,
    /// The sentence.
    pub(crate) message: String,
}

/// The recommendation for one group: a class (without its overridden templates), a template
/// with its own override, or a cohort's pooled group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The class.
    pub(crate) class: String,
    /// The template, for a template's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// Fitted records.
    pub(crate) n: usize,
    /// Of which censored.
    pub(crate) n_censored: usize,
    /// Exact records (registered, and failed by the sweep but registered later) among the
    /// fitted attempts: what `[policy] min_records` counts.
    pub(crate) n_exact: usize,
    /// Attempts the sweep killed (registered later or not).
    pub(crate) n_killed: usize,
    /// Killed attempts never seen registering (stuck or slow: `docs/recommendation.md`, "Killed is not slow").
    pub(crate) n_killed_unresolved: usize,
    /// Killed attempts that registered later, by instance: the current timeout's false fails
    /// (the [`crate::timeline::LISTED_MAX`] slowest, ties to the smaller instance id).
    pub(crate) killed_registered: Vec<LateRegistration>,
    /// How many of them `killed_registered` leaves out.
    #[serde(default, skip_serializing_if = "crate::timeline::is_zero")]
    pub(crate) killed_registered_more: usize,
    /// Stuck attempts: counted, not fitted.
    pub(crate) n_stuck: usize,
    /// Crashed attempts: counted, not fitted.
    pub(crate) n_crashed: usize,
    /// The quantile level bounded, 1 − p.
    pub(crate) quantile: f64,
    /// The current timeout, seconds.
    pub(crate) current_timeout_s: f64,
    /// When the platform's events contradict the current timeout: the timeout they state and
    /// the flips that disagree (each attempt's `failed` events were judged at the timeout its
    /// own events state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) observed_timeout: Option<ObservedTimeout>,
    /// The recommended timeout, seconds.
    pub recommended_timeout_s: f64,
    /// What the bound rests on.
    pub(crate) basis: Basis,
    /// The basis's point estimate of the quantile, seconds (none for order statistics).
    pub(crate) estimate_s: Option<f64>,
    /// The one-sided upper bound of the quantile, seconds.
    pub(crate) bound_s: f64,
    /// max(bound × slack, bound + slack_add), seconds.
    pub(crate) raw_s: f64,
    /// The stuck threshold, seconds.
    pub(crate) stuck_threshold_s: f64,
    /// Threshold − recommended timeout, seconds.
    pub(crate) stuck_margin_s: f64,
    /// The stuck-class verdict.
    pub(crate) verdict: Verdict,
    /// Stuck-detection delay saved per stuck boot (current − recommended; negative: added).
    pub(crate) stuck_delay_saved_s: f64,
    /// The reading of killed boots the recommendation uses.
    pub(crate) reading: Reading,
    /// Rates at the current timeout.
    pub(crate) false_fail_at_current: FalseFail,
    /// Rates at the recommended timeout.
    pub(crate) false_fail_at_recommended: FalseFail,
    /// With `overlap`: the share of healthy boots still running at the stuck threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) at_stuck_threshold: Option<FalseFail>,
    /// With `overlap`: what to do instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) suggestion: Option<Suggestion>,
    /// The answer under each reading of the killed boots.
    pub(crate) assumptions: Vec<Assumption>,
    /// Models within ΔBIC ≤ 2 of the best, with their bounds.
    pub(crate) plausible_models: Vec<PlausibleModel>,
    /// The recommended timeout under each reading, plausible model and neighbouring policy.
    pub(crate) sensitivity: Vec<Sensitivity>,
    /// Cohorts, with `--group-by`.
    pub(crate) cohorts: Vec<Cohort>,
    /// What-if timeouts.
    pub(crate) candidates: Vec<Candidate>,
    /// Warnings.
    pub(crate) warnings: Vec<Warning>,
}

impl Recommendation {
    /// The group's name: the template's, else the class's.
    pub(crate) fn name(&self) -> &str {
        self.template.as_deref().unwrap_or(&self.class)
    }

    /// Whether the group has fewer exact records than the policy needs.
    pub(crate) fn insufficient(&self) -> bool {
        self.verdict == Verdict::InsufficientData
    }

    /// The recommended timeout against the stuck threshold, whatever the evidence (for a
    /// group without enough of it, of the model-only timeout).
    pub(crate) fn stuck_verdict(&self) -> Verdict {
        Verdict::of(self.recommended_timeout_s, self.stuck_threshold_s)
    }
}

/// Why a group has no recommendation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum RecommendError {
    /// No attempt with a latency.
    #[error("no boot with a register latency to fit")]
    NoRecords,
    /// The statistics rejected the records.
    #[error(transparent)]
    Stats(#[from] crate::stats::StatsError),
    /// Neither a distribution-free bound nor a model.
    #[error("no bound of the {quantile} quantile: {reason}")]
    NoBound {
        /// The level.
        quantile: f64,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuck_verdict_boundaries() {
        // 720 s against 900 s is ok: the warning starts strictly above 80 %.
        assert_eq!(Verdict::of(720.0, 900.0), Verdict::Ok);
        assert_eq!(Verdict::of(720.5, 900.0), Verdict::Warn);
        assert_eq!(Verdict::of(899.0, 900.0), Verdict::Warn);
        assert_eq!(Verdict::of(900.0, 900.0), Verdict::Overlap);
        assert_eq!(Verdict::of(960.0, 900.0), Verdict::Overlap);
    }
}
