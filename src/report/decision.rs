//! What a class's decision costs and buys, as numbers: false fails per 10,000 healthy boots at
//! the current and the recommended timeout (each estimator with its interval), and how much
//! later (or sooner) a stuck boot is failed, per stuck boot and in instance-minutes per 10,000
//! launches. The Markdown words it ([`crate::render::decision`]); `report.json` keeps it as
//! `classes[].tradeoff`.

use serde::{Deserialize, Serialize};

use crate::recommend::{FalseFail, Recommendation};
use crate::stats::family::Family;

/// False fails per 10,000 healthy boots at one timeout, by each estimator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Per10k {
    /// The timeout, seconds.
    pub(crate) timeout_s: f64,
    /// Kaplan–Meier's estimate (`null`: beyond the data).
    pub(crate) kaplan_meier: Option<f64>,
    /// Its log(−log) interval at the policy's confidence, two-sided.
    pub(crate) kaplan_meier_ci: [Option<f64>; 2],
    /// The timeout lies past every record while Kaplan–Meier has not reached 0.
    pub(crate) kaplan_meier_beyond_data: bool,
    /// The model's estimate.
    pub(crate) model: Option<f64>,
    /// Its interval.
    pub(crate) model_ci: [Option<f64>; 2],
    /// The model (the best by BIC).
    pub(crate) model_family: Option<Family>,
}

impl Per10k {
    fn of(f: &FalseFail) -> Self {
        let per = |v: Option<f64>| v.map(|s| 1e4 * s);
        Self {
            timeout_s: f.timeout_s,
            kaplan_meier: per(f.km),
            kaplan_meier_ci: f.km_ci.map(per),
            kaplan_meier_beyond_data: f.km_beyond_data,
            model: per(f.model),
            model_ci: f.model_ci.map(per),
            model_family: f.model_family,
        }
    }
}

/// The trade-off of a class's recommended timeout against its current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tradeoff {
    /// False fails per 10,000 healthy boots at the current timeout.
    pub(crate) false_fails_per_10k_at_current: Per10k,
    /// False fails per 10,000 healthy boots at the recommended timeout.
    pub(crate) false_fails_per_10k_at_recommended: Per10k,
    /// Kaplan–Meier is beyond the data at the recommended timeout while the timeout changes:
    /// what the change buys rests on the model's tail alone.
    pub(crate) benefit_rests_on_model: bool,
    /// How much later a stuck boot is failed (recommended − current; negative: sooner), s.
    pub(crate) stuck_detection_delay_s: f64,
    /// Provisioning attempts of the group (fitted, stuck and crashed).
    pub(crate) launches: usize,
    /// Stuck attempts among them.
    pub(crate) stuck: usize,
    /// Stuck boots per 10,000 launches.
    pub(crate) stuck_per_10k_launches: f64,
    /// Stuck boots per 10,000 launches × the delay: instance-minutes per 10,000 launches
    /// (negative: saved).
    pub(crate) instance_minutes_per_10k_launches: f64,
}

/// The trade-off of one group's recommendation.
pub(crate) fn tradeoff(r: &Recommendation) -> Tradeoff {
    let launches = r.n + r.n_stuck + r.n_crashed;
    let stuck_per_10k = if launches == 0 {
        0.0
    } else {
        1e4 * r.n_stuck as f64 / launches as f64
    };
    let delay = r.recommended_timeout_s - r.current_timeout_s;
    Tradeoff {
        false_fails_per_10k_at_current: Per10k::of(&r.false_fail_at_current),
        false_fails_per_10k_at_recommended: Per10k::of(&r.false_fail_at_recommended),
        benefit_rests_on_model: delay != 0.0 && r.false_fail_at_recommended.km_beyond_data,
        stuck_detection_delay_s: delay,
        launches,
        stuck: r.n_stuck,
        stuck_per_10k_launches: stuck_per_10k,
        instance_minutes_per_10k_launches: stuck_per_10k * delay / 60.0,
    }
}
