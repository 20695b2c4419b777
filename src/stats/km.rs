//! Kaplan–Meier estimator with ties (events before censorings), Greenwood variance, log(−log)
//! and linear pointwise bands, quantiles with the 1e-9 tie tolerance, quantile intervals and
//! one-sided bounds by band inversion, and plateau-adjusted healthy quantiles (docs/statistics.md §4).

use serde::{Deserialize, Serialize};

use super::error::{check_level, Result};
use super::record::{Record, Sample};
use super::special::norm_quantile;

/// Relative tolerance under which S counts as having reached a level (floating ties).
pub(crate) const TIE_TOLERANCE: f64 = 1e-9;

/// One event time of the estimator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Step {
    /// Event time u_j.
    pub(crate) time: f64,
    /// Records at risk n_j = #{t ≥ u_j}.
    pub(crate) at_risk: f64,
    /// Events d_j at u_j.
    pub(crate) events: f64,
    /// Ŝ(u_j).
    pub(crate) surv: f64,
    /// Greenwood sum V(u_j) = Σ d/(n(n−d)); infinite once Ŝ = 0.
    pub(crate) greenwood: f64,
}

/// A fitted Kaplan–Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// The steps, one per distinct event time, ascending.
    pub(crate) steps: Vec<Step>,
    /// Number of records.
    pub(crate) n: usize,
    /// Largest time of any record.
    pub(crate) max_time: f64,
    /// Number of censored records at or after the last event time.
    pub(crate) censored_after_last_event: usize,
}

/// Ŝ(t) with its Greenwood standard error and pointwise limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurvivalPoint {
    /// Time.
    pub(crate) t: f64,
    /// Ŝ(t).
    pub s: f64,
    /// Greenwood standard error Ŝ√V (0 when Ŝ is 0 or 1).
    pub se: f64,
    /// log(−log) limits; the upper one is `None` when Ŝ = 0.
    pub ci_loglog: [Option<f64>; 2],
    /// Linear limits clipped to [0, 1].
    pub ci_linear: [f64; 2],
    /// `true` when t lies beyond every record.
    pub beyond_last_record: bool,
}

/// A KM quantile with its band-inversion interval and one-sided bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmQuantile {
    /// Level q.
    pub(crate) q: f64,
    /// min{u: Ŝ(u) ≤ 1 − q}; `None` when not reached (beyond the last event).
    pub(crate) estimate: Option<f64>,
    /// Two-sided interval from the log(−log) band.
    pub(crate) ci: [Option<f64>; 2],
    /// One-sided upper bound from the one-sided log(−log) band.
    pub(crate) ucb: Option<f64>,
}

fn by_level_name<S: serde::Serializer>(
    levels: &[(f64, Option<f64>)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(levels.len()))?;
    let sorted: std::collections::BTreeMap<String, Option<f64>> = levels
        .iter()
        .map(|(q, v)| (super::level_name(*q), *v))
        .collect();
    for (k, v) in &sorted {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// Quantiles of the healthy part when the censored records after the last event are stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    /// π̂ = Ŝ(max time).
    pub pi_hat: f64,
    /// Last event time.
    pub(crate) last_event_time: f64,
    /// Largest record time.
    pub(crate) max_time: f64,
    /// max_time − last_event_time.
    pub plateau_length: f64,
    /// Censored records at or after the last event.
    pub n_censored_after_last_event: usize,
    /// Plateau length ≥ 10 % of the last event time (a hint of stuck VMs).
    pub(crate) long_plateau: bool,
    /// min{u: Ŝ(u) ≤ π̂ + (1−q)(1−π̂)} per level, `None` when not reached (serialised as a
    /// map keyed by level name, `p99.9`).
    #[serde(
        serialize_with = "by_level_name",
        deserialize_with = "from_level_names"
    )]
    pub healthy_quantiles: Vec<(f64, Option<f64>)>,
}

/// Reads back what [`by_level_name`] wrote: `p99.9` is the level 0.999, parsed from the same
/// decimal digits so the level is the very float it was written from.
fn from_level_names<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<(f64, Option<f64>)>, D::Error> {
    use serde::de::Error as _;
    let map = std::collections::BTreeMap::<String, Option<f64>>::deserialize(d)?;
    map.into_iter()
        .map(|(name, v)| {
            let level = name
                .strip_prefix('p')
                .and_then(level_from_percent)
                .ok_or_else(|| {
                    D::Error::custom(format!("expected a level such as p99.9, got {name}"))
                })?;
            Ok((level, v))
        })
        .collect()
}

/// `99.9` → 0.999 by moving the decimal point, not by dividing (which is not exact).
fn level_from_percent(pct: &str) -> Option<f64> {
    let (int, frac) = pct.split_once('.').unwrap_or((pct, ""));
    if int.is_empty()
        || int.len() > 2
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    format!("0.{int:0>2}{frac}").parse().ok()
}

fn reaches(s: f64, level: f64) -> bool {
    s <= level * (1.0 + TIE_TOLERANCE)
}

impl KaplanMeier {
    /// Fits the estimator.
    pub fn fit(records: &[Record]) -> Result<Self> {
        Ok(Self::of_sample(&Sample::new(records)?))
    }

    /// Fits the estimator to grouped records (each distinct time once, with its weights): the
    /// same steps, to the bit, as [`KaplanMeier::fit`] of the records one by one, since the
    /// events and censorings at a time are whole numbers either way.
    pub(crate) fn of_sample(sample: &Sample) -> Self {
        let mut steps = Vec::new();
        let mut at_risk = sample.n as f64;
        let mut surv = 1.0f64;
        let mut greenwood = 0.0f64;
        let mut last_event_time = None;
        let mut points = sample.in_order().peekable();
        while let Some((r, p)) = points.next() {
            let t = r.duration_secs;
            let (mut d, mut c) = (0.0, 0.0);
            if r.censored {
                c = p.weight;
            } else {
                d = p.weight;
                last_event_time = Some(t);
                if let Some((_, q)) = points.next_if(|(r, _)| r.duration_secs == t) {
                    c = q.weight;
                }
            }
            if d > 0.0 {
                surv *= 1.0 - d / at_risk;
                greenwood += if at_risk > d {
                    d / (at_risk * (at_risk - d))
                } else {
                    f64::INFINITY
                };
                steps.push(Step {
                    time: t,
                    at_risk,
                    events: d,
                    surv,
                    greenwood,
                });
            }
            at_risk -= d + c;
        }
        // Censorings at the last event's time sort after it, so they count as after it.
        let censored_after_last_event = match last_event_time {
            Some(t) => sample
                .censored
                .iter()
                .filter(|p| p.t >= t)
                .map(|p| p.weight as usize)
                .sum(),
            None => sample.n,
        };
        Self {
            steps,
            n: sample.n,
            max_time: sample.max_time(),
            censored_after_last_event,
        }
    }

    /// The last step at or before t.
    fn step_at(&self, t: f64) -> Option<&Step> {
        let k = self.steps.partition_point(|s| s.time <= t);
        k.checked_sub(1).map(|k| &self.steps[k])
    }

    /// Ŝ(t).
    pub fn survival(&self, t: f64) -> f64 {
        self.step_at(t).map_or(1.0, |s| s.surv)
    }

    /// Ŝ at the last event time (1 without events).
    pub(crate) fn surv_at_last_event(&self) -> f64 {
        self.steps.last().map_or(1.0, |s| s.surv)
    }

    /// The last event time.
    pub(crate) fn last_event_time(&self) -> Option<f64> {
        self.steps.last().map(|s| s.time)
    }

    /// log(−log) limits for a step value with Greenwood sum `v` at normal quantile `z`.
    fn loglog_limits(surv: f64, v: f64, z: f64) -> [Option<f64>; 2] {
        if surv >= 1.0 {
            return [Some(1.0), Some(1.0)];
        }
        if surv <= 0.0 || !v.is_finite() {
            return [Some(0.0), None];
        }
        let w = z * v.sqrt() / surv.ln().abs();
        [Some(surv.powf(w.exp())), Some(surv.powf((-w).exp()))]
    }

    /// Ŝ(t), SE and pointwise limits at `confidence` (two-sided).
    pub fn survival_point(&self, t: f64, confidence: f64) -> Result<SurvivalPoint> {
        check_level("confidence", confidence)?;
        let z = norm_quantile(1.0 - (1.0 - confidence) / 2.0);
        let (s, v) = self
            .step_at(t)
            .map_or((1.0, 0.0), |s| (s.surv, s.greenwood));
        let se = if s > 0.0 && v.is_finite() {
            s * v.sqrt()
        } else {
            0.0
        };
        Ok(SurvivalPoint {
            t,
            s,
            se,
            ci_loglog: Self::loglog_limits(s, v, z),
            ci_linear: [(s - z * se).clamp(0.0, 1.0), (s + z * se).clamp(0.0, 1.0)],
            beyond_last_record: t > self.max_time,
        })
    }

    /// min{u_j : value(u_j) ≤ level} over the steps, where `value` may be undefined (`None`).
    fn first_reaching(&self, level: f64, value: impl Fn(&Step) -> Option<f64>) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| value(s).is_some_and(|v| reaches(v, level)))
            .map(|s| s.time)
    }

    /// The q-quantile with its log(−log) band-inversion interval and one-sided bound.
    pub fn quantile(&self, q: f64, confidence: f64) -> Result<KmQuantile> {
        check_level("quantile level", q)?;
        check_level("confidence", confidence)?;
        let alpha = 1.0 - confidence;
        let z2 = norm_quantile(1.0 - alpha / 2.0);
        let z1 = norm_quantile(1.0 - alpha);
        let level = 1.0 - q;
        Ok(KmQuantile {
            q,
            estimate: self.first_reaching(level, |s| Some(s.surv)),
            ci: [
                self.first_reaching(level, |s| Self::loglog_limits(s.surv, s.greenwood, z2)[0]),
                self.first_reaching(level, |s| Self::loglog_limits(s.surv, s.greenwood, z2)[1]),
            ],
            ucb: self.first_reaching(level, |s| Self::loglog_limits(s.surv, s.greenwood, z1)[1]),
        })
    }

    /// The median (q = ½), `None` when Ŝ never reaches ½.
    pub(crate) fn median(&self) -> Option<f64> {
        self.first_reaching(0.5, |s| Some(s.surv))
    }

    /// Plateau-adjusted healthy quantiles; `None` without censored records after the last event.
    pub(crate) fn plateau(&self, levels: &[f64]) -> Option<Plateau> {
        let last = self.steps.last()?;
        if self.censored_after_last_event == 0 {
            return None;
        }
        let pi = last.surv;
        let length = self.max_time - last.time;
        let healthy_quantiles = levels
            .iter()
            .map(|&q| {
                let target = pi + (1.0 - q) * (1.0 - pi);
                (q, self.first_reaching(target, |s| Some(s.surv)))
            })
            .collect();
        Some(Plateau {
            pi_hat: pi,
            last_event_time: last.time,
            max_time: self.max_time,
            plateau_length: length,
            n_censored_after_last_event: self.censored_after_last_event,
            long_plateau: length >= 0.1 * last.time,
            healthy_quantiles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fixtures/stats/tiny_n10_ties (hand values in its README).
    fn tiny() -> Vec<Record> {
        let ev = [100.0, 120.0, 150.0, 150.0, 180.0, 240.0];
        let ce = [120.0, 150.0, 200.0, 240.0];
        ev.iter()
            .map(|&t| Record::event(t))
            .chain(ce.iter().map(|&t| Record::censored(t)))
            .collect()
    }

    #[test]
    fn hand_values_with_ties() {
        let km = KaplanMeier::fit(&tiny()).expect("km");
        assert!((km.survival(120.0) - 0.8).abs() < 1e-15);
        assert!((km.survival(150.0) - 0.571_428_571_428_571_4).abs() < 1e-12);
        assert!((km.survival(180.0) - 0.428_571_428_571_428_5).abs() < 1e-12);
        assert!((km.survival(240.0) - 0.214_285_714_285_714_3).abs() < 1e-12);
        assert_eq!(km.survival(99.0), 1.0);
        let p = km.survival_point(240.0, 0.95).expect("point");
        assert!((p.se - 0.174_807_3).abs() < 1e-7);
        assert_eq!(km.median(), Some(180.0));
        assert_eq!(km.steps.len(), 5);
    }

    #[test]
    fn floating_ties_reach_the_level() {
        // 100 events out of 200: S is a product that equals ½ only up to rounding.
        let recs: Vec<Record> = (1..=200).map(|i| Record::event(i as f64)).collect();
        let km = KaplanMeier::fit(&recs).expect("km");
        assert_eq!(km.median(), Some(100.0));
    }

    #[test]
    fn zero_survival_has_no_upper_limit() {
        let recs = [Record::event(1.0), Record::event(2.0)];
        let km = KaplanMeier::fit(&recs).expect("km");
        let p = km.survival_point(5.0, 0.95).expect("point");
        assert_eq!(p.s, 0.0);
        assert_eq!(p.ci_loglog, [Some(0.0), None]);
        assert!(p.beyond_last_record);
        assert!(km.plateau(&[0.5]).is_none());
    }
}
