//! The rule of docs/recommendation.md on one set of records: the upper bound of the (1 − p) quantile and
//! its basis, the plausible models, the slack and the grid, and false-fail rates at a timeout.
//! Every number comes from [`crate::stats`]; nothing here re-estimates anything.

use serde::{Deserialize, Serialize, Serializer};

use crate::config::Policy;
use crate::stats::family::Family;
use crate::stats::fit::FittedModel;
use crate::stats::km::KaplanMeier;
use crate::stats::order_stat::order_stat_bound_of;
use crate::stats::select::{rank, PLAUSIBLE_DELTA_BIC};
use crate::stats::summary::{fit_all, Fits};
use crate::stats::{Record, Result, Sample};
use crate::timeline::{is_zero, LISTED_MAX};

use super::attempt::Attempt;

/// What the bound rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    /// The distribution-free binomial order-statistic bound (docs/statistics.md §3).
    OrderStatistic,
    /// The Kaplan–Meier one-sided log(−log) band, inverted (docs/statistics.md §4).
    KaplanMeier,
    /// The best model by BIC, delta method on ln Q (docs/statistics.md §5).
    Model(Family),
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::OrderStatistic => f.write_str("order_statistic"),
            Basis::KaplanMeier => f.write_str("kaplan_meier"),
            Basis::Model(family) => write!(f, "model:{}", family.name()),
        }
    }
}

impl Serialize for Basis {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads back what [`Basis`]'s `Display` writes (`order_statistic`, `kaplan_meier`,
/// `model:<family>`), so a report read back from JSON is the report written.
impl<'de> Deserialize<'de> for Basis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let s = String::deserialize(d)?;
        match s.as_str() {
            "order_statistic" => Ok(Basis::OrderStatistic),
            "kaplan_meier" => Ok(Basis::KaplanMeier),
            other => other
                .strip_prefix("model:")
                .and_then(|name| Family::ALL.into_iter().find(|f| f.name() == name))
                .map(Basis::Model)
                .ok_or_else(|| D::Error::custom(format!("unknown basis {other}"))),
        }
    }
}

/// A model within ΔBIC ≤ 2 of the best, with its bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlausibleModel {
    /// The family.
    pub(crate) family: Family,
    /// BIC − the best BIC.
    pub(crate) delta_bic: f64,
    /// Its point estimate of the (1 − p) quantile.
    pub(crate) estimate_s: Option<f64>,
    /// Its one-sided upper bound of the quantile.
    pub(crate) ucb_s: Option<f64>,
}

/// Everything the rule reads from one record set, computed once.
pub(crate) struct Evidence {
    /// The records, each distinct (time, censored) once with its weight.
    pub(crate) sample: Sample,
    pub(crate) km: KaplanMeier,
    /// Order-statistic bound of the (1 − p) quantile.
    pub(crate) os_ucb: Option<f64>,
    /// n needed for a distribution-free bound.
    pub(crate) min_n: u64,
    /// Kaplan–Meier band-inversion bound.
    pub(crate) km_ucb: Option<f64>,
    /// Every family fitted (those that could be).
    pub(crate) fits: Fits,
    /// Largest exact latency.
    pub(crate) max_event: Option<f64>,
}

impl Evidence {
    /// Fits the families and computes both distribution-free bounds, from records given with
    /// their multiplicities (memory for the distinct ones only; the numbers are those of the
    /// records one by one: [`Sample::weighted`]).
    pub(crate) fn new(
        records: impl IntoIterator<Item = (Record, u64)>,
        families: &[Family],
        policy: &Policy,
    ) -> Result<Self> {
        let q = 1.0 - policy.target_false_fail_rate;
        let sample = Sample::weighted(records)?;
        let os = order_stat_bound_of(&sample, q, policy.confidence)?;
        let km = KaplanMeier::of_sample(&sample);
        let km_ucb = km.quantile(q, policy.confidence)?.ucb;
        let fits = fit_all(&sample, families);
        let max_event = km.last_event_time();
        Ok(Self {
            sample,
            km,
            os_ucb: os.ucb,
            min_n: os.min_n_for_ucb,
            km_ucb,
            fits,
            max_event,
        })
    }

    /// The same records and fits under another policy: only the two distribution-free
    /// bounds depend on the target and the confidence, so nothing is refitted.
    pub(crate) fn under(&self, policy: &Policy) -> Result<Self> {
        let q = 1.0 - policy.target_false_fail_rate;
        let os = order_stat_bound_of(&self.sample, q, policy.confidence)?;
        Ok(Self {
            sample: self.sample.clone(),
            km: self.km.clone(),
            os_ucb: os.ucb,
            min_n: os.min_n_for_ucb,
            km_ucb: self.km.quantile(q, policy.confidence)?.ucb,
            fits: self.fits.clone(),
            max_event: self.max_event,
        })
    }

    /// How many records.
    pub(crate) fn n(&self) -> usize {
        self.sample.n
    }

    /// How many of them censored.
    pub(crate) fn n_censored(&self) -> usize {
        self.sample.n_censored
    }
}

/// The bound the rule chose, with the models it considered.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pub(crate) basis: Basis,
    pub(crate) bound: f64,
    /// The basis's point estimate of the quantile (KM or model; none for order statistics).
    pub(crate) estimate: Option<f64>,
    /// The best model by BIC among the allowed families: it gives the model rates.
    pub(crate) best: Option<FittedModel>,
    pub(crate) plausible: Vec<PlausibleModel>,
    /// Better models by BIC passed over for want of a bound.
    pub(crate) unbounded: Vec<Unbounded>,
}

/// Applies steps 1–3 of docs/recommendation.md with the families `allow` admits.
pub(crate) fn bound(
    ev: &Evidence,
    allow: impl Fn(Family) -> bool,
    policy: &Policy,
) -> Option<Bound> {
    let q = 1.0 - policy.target_false_fail_rate;
    let conf = policy.confidence;
    let models: Vec<FittedModel> = ev
        .fits
        .models
        .iter()
        .filter(|m| allow(m.family))
        .cloned()
        .collect();
    let scores = rank(&models);
    let model_of = |f: Family| models.iter().find(|m| m.family == f);
    let plausible: Vec<PlausibleModel> = scores
        .iter()
        .filter(|s| s.delta_bic <= PLAUSIBLE_DELTA_BIC)
        .filter_map(|s| {
            let qe = model_of(s.family)?.quantile(q, conf).ok()?;
            Some(PlausibleModel {
                family: s.family,
                delta_bic: s.delta_bic,
                estimate_s: qe.estimate,
                ucb_s: qe.ucb,
            })
        })
        .collect();
    let best = scores.first().and_then(|s| model_of(s.family)).cloned();
    let mut unbounded = Vec::new();
    let (basis, bound, estimate) = if let Some(b) = ev.os_ucb {
        (Basis::OrderStatistic, b, None)
    } else if let Some(b) = ev.km_ucb {
        let est = ev.km.quantile(q, conf).ok().and_then(|k| k.estimate);
        (Basis::KaplanMeier, b, est)
    } else {
        let ranked = scores.iter().filter_map(|s| model_of(s.family));
        best_bounded(ranked, (q, conf), &mut unbounded)?
    };
    Some(Bound {
        basis,
        bound,
        estimate,
        best,
        plausible,
        unbounded,
    })
}

/// The best model by BIC with a confidence bound; one without (standard errors undefined) is
/// named in `unbounded` and passed over for the next.
fn best_bounded<'a>(
    ranked: impl Iterator<Item = &'a FittedModel>,
    (q, conf): (f64, f64),
    unbounded: &mut Vec<Unbounded>,
) -> Option<(Basis, f64, Option<f64>)> {
    for m in ranked {
        let Ok(qe) = m.quantile(q, conf) else {
            continue;
        };
        match qe.ucb {
            Some(ucb) => return Some((Basis::Model(m.family), ucb, qe.estimate)),
            None => unbounded.push(Unbounded {
                family: m.family,
                estimate_s: qe.estimate,
                reason: m
                    .cov_unavailable
                    .clone()
                    .unwrap_or_else(|| "no standard error".to_string()),
            }),
        }
    }
    None
}

/// A model that ranked above the basis by BIC but has no confidence bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Unbounded {
    /// The family.
    pub(crate) family: Family,
    /// Its point estimate of the quantile, seconds.
    pub(crate) estimate_s: Option<f64>,
    /// Why it has no bound.
    pub(crate) reason: String,
}

/// max(bound × multiplier, bound + add): the raw timeout before rounding.
pub(crate) fn raw_timeout(bound: f64, policy: &Policy) -> f64 {
    (bound * policy.slack_multiplier).max(bound + policy.slack_add_secs)
}

/// The raw timeout rounded up to the grid (`grid_secs` below `grid_switch_secs`, else
/// `grid_above_secs`); a raw value within 1e-9 of a grid point is that point.
pub(crate) fn round_to_grid(raw: f64, policy: &Policy) -> f64 {
    let g = if raw < policy.grid_switch_secs {
        policy.grid_secs
    } else {
        policy.grid_above_secs
    };
    let x = raw / g;
    let k = if (x - x.round()).abs() < 1e-9 {
        x.round()
    } else {
        x.ceil()
    };
    k * g
}

/// The share of healthy boots a timeout would fail, by Kaplan–Meier and by the model, and the
/// observed boots it would have failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FalseFail {
    /// The timeout, seconds.
    pub(crate) timeout_s: f64,
    /// Kaplan–Meier Ŝ(T); `null` beyond the data (T past the last record while Ŝ > 0).
    pub(crate) km: Option<f64>,
    /// Its log(−log) interval (two-sided at the policy's confidence).
    pub(crate) km_ci: [Option<f64>; 2],
    /// T lies beyond every record and Kaplan–Meier has not reached 0: no distribution-free
    /// estimate exists there.
    pub(crate) km_beyond_data: bool,
    /// The model's S(T) of healthy boots.
    pub(crate) model: Option<f64>,
    /// Its interval (delta method on ln(−ln S)).
    pub(crate) model_ci: [Option<f64>; 2],
    /// The model used (the best by BIC).
    pub(crate) model_family: Option<Family>,
    /// Expected false fails per 10,000 healthy boots (the model's; Kaplan–Meier's without one).
    pub(crate) per_10k: Option<f64>,
    /// How many observed boots registered later than T (the sweep would have failed them).
    pub(crate) observed: usize,
    /// Their instance ids, sorted: those of the [`LISTED_MAX`] slowest (ties to the smaller
    /// instance id) where known.
    pub(crate) instances: Vec<String>,
    /// How many of `observed` `instances` leaves out (past the cap, or without an id).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) instances_more: usize,
}

/// Rates at `timeout` from the evidence and the model.
pub(crate) fn false_fail(
    timeout: f64,
    ev: &Evidence,
    model: Option<&FittedModel>,
    attempts: &[&Attempt],
    confidence: f64,
) -> FalseFail {
    let (km, km_ci, km_beyond_data) = if timeout > ev.km.max_time {
        if ev.km.surv_at_last_event() <= 0.0 {
            (Some(0.0), [Some(0.0), None], false)
        } else {
            (None, [None, None], true)
        }
    } else {
        match ev.km.survival_point(timeout, confidence) {
            Ok(p) => (Some(p.s), p.ci_loglog, false),
            Err(_) => (None, [None, None], false),
        }
    };
    let model_s = model.and_then(|m| m.survival(timeout, confidence).ok());
    let model_value = model_s.and_then(|s| s.s);
    let slower = attempts.iter().filter_map(|a| match a.latency {
        super::attempt::Latency::Exact(secs) if secs > timeout => Some((secs, *a)),
        _ => None,
    });
    let (observed, instances) = slowest_named(slower);
    FalseFail {
        timeout_s: timeout,
        km,
        km_ci,
        km_beyond_data,
        model: model_value,
        model_ci: model_s.map_or([None, None], |s| s.ci),
        model_family: model.map(|m| m.family),
        per_10k: model_value.or(km).map(|s| 1e4 * s),
        observed,
        instances_more: observed - instances.len(),
        instances,
    }
}

/// Of attempts with their latencies: how many they stand for, and the instance ids of the
/// [`LISTED_MAX`] slowest named ones (ties to the smaller instance id), sorted by id. A
/// summary keeps each group's slowest named attempts, so this list is the same from logs and
/// from summaries.
pub(crate) fn slowest_named<'a>(
    attempts: impl Iterator<Item = (f64, &'a Attempt)>,
) -> (usize, Vec<String>) {
    let mut total = 0usize;
    let mut named: Vec<(f64, &str)> = Vec::new();
    for (secs, a) in attempts {
        total += a.count as usize;
        if !a.instance.is_empty() {
            named.push((secs, &a.instance));
        }
    }
    named.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    named.truncate(LISTED_MAX);
    let mut ids: Vec<String> = named.into_iter().map(|(_, i)| i.to_string()).collect();
    ids.sort();
    (total, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_30_s_below_600_and_60_s_from_600() {
        let p = Policy::default();
        assert_eq!(round_to_grid(561.0, &p), 570.0);
        assert_eq!(round_to_grid(570.0, &p), 570.0);
        assert_eq!(round_to_grid(599.9, &p), 600.0);
        assert_eq!(round_to_grid(600.0, &p), 600.0);
        assert_eq!(round_to_grid(695.5, &p), 720.0);
        assert_eq!(round_to_grid(660.000_000_000_1, &p), 660.0);
        let q = Policy {
            grid_secs: 10.0,
            grid_above_secs: 100.0,
            grid_switch_secs: 1000.0,
            ..p
        };
        assert_eq!(round_to_grid(695.5, &q), 700.0);
        assert_eq!(round_to_grid(1001.0, &q), 1100.0);
    }

    #[test]
    fn slack_is_the_larger_of_multiplier_and_addition() {
        let p = Policy {
            slack_add_secs: 90.0,
            ..Policy::default()
        };
        assert_eq!(raw_timeout(600.0, &p), 690.0);
        assert!((raw_timeout(1000.0, &p) - 1100.0).abs() < 1e-9);
    }

    #[test]
    fn basis_names() {
        assert_eq!(Basis::OrderStatistic.to_string(), "order_statistic");
        assert_eq!(Basis::KaplanMeier.to_string(), "kaplan_meier");
        assert_eq!(
            Basis::Model(Family::LognormalCure).to_string(),
            "model:lognormal_cure"
        );
    }

    #[test]
    fn order_statistic_bound_is_preferred_when_the_sample_supports_it() {
        // 3,000 complete records: the 0.999 bound exists and is a record value.
        let recs: Vec<Record> = (1..=3000)
            .map(|i| Record::event(100.0 + i as f64 * 0.1))
            .collect();
        let p = Policy::default();
        let ev = Evidence::new(recs.into_iter().map(|r| (r, 1)), &Family::TWO_PARAMETER, &p)
            .expect("evidence");
        let b = bound(&ev, |_| true, &p).expect("bound");
        assert_eq!(b.basis, Basis::OrderStatistic);
        assert_eq!(Some(b.bound), ev.os_ucb);
        assert!(b.bound > 399.0 && b.bound <= 400.0, "{}", b.bound);
    }
}
