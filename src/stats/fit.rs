//! Censored maximum-likelihood fits: Nelder–Mead from each start then a damped Newton polish,
//! standard errors from the observed information, fitted quantiles with delta-method intervals
//! and bounds, and model survival at given times with intervals (docs/statistics.md §5).

use std::sync::{LazyLock, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::{check_level, Result, StatsError};
use super::family::Family;
use super::optimize::{hessian, nelder_mead, newton_polish, spd_inverse, Memo, NelderMeadOptions};
use super::record::Sample;
use super::special::norm_quantile;

/// Smallest sample for the two-component mixture.
pub(crate) const MIXTURE_MIN_N: usize = 50;
/// Smallest number of events for the cure model.
pub(crate) const CURE_MIN_EVENTS: usize = 20;
/// A stuck fraction or mixture weight this close to 0 or 1 is at the boundary: no SEs.
pub(crate) const BOUNDARY_PROBABILITY: f64 = 1e-8;

/// A converged fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedModel {
    /// The family.
    pub family: Family,
    /// Unconstrained parameters θ̂.
    pub(crate) theta: Vec<f64>,
    /// Maximised log-likelihood.
    pub loglik: f64,
    /// Number of records.
    pub(crate) n: usize,
    /// Covariance of θ̂ (inverse observed information, row-major), when available.
    pub(crate) cov: Option<Vec<f64>>,
    /// Why the covariance is unavailable.
    pub(crate) cov_unavailable: Option<String>,
    /// Objective evaluations used.
    pub evals: usize,
}

/// A fitted quantile with its delta-method interval and one-sided bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuantileEstimate {
    /// Level q.
    pub(crate) q: f64,
    /// Q(q; θ̂).
    pub(crate) estimate: Option<f64>,
    /// Standard error of ln Q.
    pub(crate) se_log: Option<f64>,
    /// Two-sided interval Q·exp(∓z se).
    pub(crate) ci: [Option<f64>; 2],
    /// One-sided upper bound Q·exp(z₁ se).
    pub(crate) ucb: Option<f64>,
}

/// Model survival at a time, with the complementary log-log interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct SurvivalEstimate {
    /// Time.
    pub(crate) t: f64,
    /// S(t; θ̂) of the healthy part.
    pub(crate) s: Option<f64>,
    /// Interval from ln(−ln S) by the delta method.
    pub(crate) ci: [Option<f64>; 2],
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Whether `family` applies to the sample (mixture: n ≥ 50; cure: censoring and ≥ 20 events),
/// with the reason when it does not.
pub(crate) fn applicability(family: Family, s: &Sample) -> std::result::Result<(), String> {
    match family {
        Family::LognormalMixture2 if s.n < MIXTURE_MIN_N => {
            Err(format!("fitted when n >= {MIXTURE_MIN_N} (n = {})", s.n))
        }
        Family::LognormalCure if s.n_censored == 0 => {
            Err("fitted only when some records are censored".to_string())
        }
        Family::LognormalCure if s.n_events < CURE_MIN_EVENTS => Err(format!(
            "fitted when at least {CURE_MIN_EVENTS} records are events ({} are)",
            s.n_events
        )),
        _ if s.n_events == 0 => Err("no events: every record is censored".to_string()),
        // One distinct event time makes every likelihood unbounded as the spread goes to 0.
        _ if s.events.len() < 2 => Err("needs at least two distinct event times".to_string()),
        _ => Ok(()),
    }
}

/// Fits `family` to the sample by maximum likelihood.
pub fn fit(family: Family, s: &Sample) -> Result<FittedModel> {
    let fail = |reason: String| StatsError::FitFailed {
        family: family.name(),
        reason,
    };
    applicability(family, s).map_err(fail)?;
    // The starts are searched in parallel, each remembering its own objective values, and
    // taken back in their order: each search is the same steps as alone, so the best start
    // (the first of equal ones) is the same bits however they were scheduled.
    let searched: Vec<(Vec<f64>, f64, usize)> = family
        .starts(s)
        .into_par_iter()
        .filter(|start| start.iter().all(|v| v.is_finite()))
        .map(|start| {
            let mut memo = Memo::new(|th: &[f64]| -family.loglik(th, s));
            let mut objective = |th: &[f64]| memo.eval(th);
            let nm = nelder_mead(&mut objective, &start, NelderMeadOptions::default());
            let polished = newton_polish(&mut objective, &nm.x);
            (polished.x, -polished.value, nm.evals + polished.evals)
        })
        .collect();
    let mut best: Option<(Vec<f64>, f64)> = None;
    let mut evals = 0;
    for (x, ll, used) in searched {
        evals += used;
        if ll.is_finite() && best.as_ref().is_none_or(|(_, b)| ll > *b) {
            best = Some((x, ll));
        }
    }
    let Some((mut theta, loglik)) = best else {
        return Err(fail("no start reached a finite log-likelihood".to_string()));
    };
    if !family.natural(&theta).iter().all(|v| v.is_finite()) || !loglik.is_finite() {
        return Err(fail("the parameters diverged".to_string()));
    }
    if family == Family::LognormalMixture2 && theta[1] > theta[3] {
        // Relabel so that μ₁ < μ₂.
        theta = vec![-theta[0], theta[3], theta[4], theta[1], theta[2]];
    }
    let (cov, cov_unavailable) = covariance(family, &theta, s);
    Ok(FittedModel {
        family,
        theta,
        loglik,
        n: s.n,
        cov,
        cov_unavailable,
        evals,
    })
}

/// A sample's identity for [`fit_remembered`]: the bits of each distinct point's time and
/// weight, events then censored. Every other field of a [`Sample`] is computed from these, in
/// their order, so equal keys are equal samples.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SampleKey {
    events: Vec<(u64, u64)>,
    censored: Vec<(u64, u64)>,
}

impl SampleKey {
    fn of(s: &Sample) -> Self {
        let bits = |points: &[super::record::Point]| {
            points
                .iter()
                .map(|p| (p.t.to_bits(), p.weight.to_bits()))
                .collect()
        };
        Self {
            events: bits(&s.events),
            censored: bits(&s.censored),
        }
    }
}

/// The most fits [`fit_remembered`] keeps: a run fits a few record sets per group (two readings
/// of the killed boots, cohorts), so this holds every one of an ordinary run; past it the
/// oldest are forgotten and fitted again if asked for.
const REMEMBERED_MAX: usize = 256;

/// The fits of this process, by family and sample, in the order they were made.
type Remembered = Vec<((Family, SampleKey), Result<FittedModel>)>;

static REMEMBERED: LazyLock<Mutex<Remembered>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// [`fit`], remembered for the process: the same record set is fitted once however many
/// callers ask for it (a class and its only `--group-by` cohort, the recommendation and the
/// report). A fit is a pure function of the family and the sample, so a remembered fit is the
/// very fit. Two threads asking at once may both fit; the answer is the same.
pub(crate) fn fit_remembered(family: Family, s: &Sample) -> Result<FittedModel> {
    let key = (family, SampleKey::of(s));
    let found = |list: &Remembered| list.iter().find(|(k, _)| *k == key).map(|(_, f)| f.clone());
    if let Some(f) = found(&REMEMBERED.lock().unwrap_or_else(|e| e.into_inner())) {
        return f;
    }
    let fitted = fit(family, s);
    let mut list = REMEMBERED.lock().unwrap_or_else(|e| e.into_inner());
    if found(&list).is_none() {
        if list.len() >= REMEMBERED_MAX {
            drop(list.remove(0));
        }
        list.push((key, fitted.clone()));
    }
    fitted
}

/// Inverse observed information at θ̂, or why it is unavailable.
fn covariance(family: Family, theta: &[f64], s: &Sample) -> (Option<Vec<f64>>, Option<String>) {
    let boundary = match family {
        Family::LognormalCure => Some(family.natural(theta)[2]),
        Family::LognormalMixture2 => Some(family.natural(theta)[0]),
        _ => None,
    };
    if let Some(p) = boundary {
        if !(p > BOUNDARY_PROBABILITY && p < 1.0 - BOUNDARY_PROBABILITY) {
            return (
                None,
                Some(format!(
                    "estimate at the boundary ({} = {p:.3e}): standard errors undefined",
                    family.param_names()[if family == Family::LognormalCure {
                        2
                    } else {
                        0
                    }]
                )),
            );
        }
    }
    let p = theta.len();
    let mut objective = |th: &[f64]| -family.loglik(th, s);
    let h = hessian(&mut objective, theta, 1e-4);
    match spd_inverse(&h, p) {
        Some(cov) if (0..p).all(|i| cov[i * p + i] > 0.0) => (Some(cov), None),
        _ => (
            None,
            Some(
                "observed information is not positive definite: standard errors undefined"
                    .to_string(),
            ),
        ),
    }
}

impl FittedModel {
    /// Number of parameters k.
    pub fn k(&self) -> usize {
        self.theta.len()
    }

    /// Natural parameters (names from [`Family::param_names`]).
    pub fn params(&self) -> Vec<f64> {
        self.family.natural(&self.theta)
    }

    /// Standard errors of θ̂ (unconstrained).
    pub fn se_unconstrained(&self) -> Option<Vec<f64>> {
        let p = self.k();
        let cov = self.cov.as_ref()?;
        Some((0..p).map(|i| cov[i * p + i].sqrt()).collect())
    }

    /// Standard errors of the natural parameters by the delta method.
    pub(crate) fn se(&self) -> Option<Vec<f64>> {
        let d = self.family.natural_derivative(&self.theta);
        Some(
            self.se_unconstrained()?
                .iter()
                .zip(d)
                .map(|(s, d)| s * d.abs())
                .collect(),
        )
    }

    /// gᵀ Cov g.
    fn quadratic_form(&self, g: &[f64]) -> Option<f64> {
        let p = self.k();
        let cov = self.cov.as_ref()?;
        let mut v = 0.0;
        for i in 0..p {
            for j in 0..p {
                v += g[i] * cov[i * p + j] * g[j];
            }
        }
        (v.is_finite() && v >= 0.0).then_some(v)
    }

    /// Central-difference gradient (h = 1e-5) of a function of θ.
    fn numeric_gradient(&self, f: impl Fn(&[f64]) -> Option<f64>) -> Option<Vec<f64>> {
        let mut th = self.theta.clone();
        let mut g = Vec::with_capacity(th.len());
        for i in 0..th.len() {
            let h = 1e-5;
            th[i] = self.theta[i] + h;
            let up = f(&th)?;
            th[i] = self.theta[i] - h;
            let down = f(&th)?;
            th[i] = self.theta[i];
            g.push((up - down) / (2.0 * h));
        }
        Some(g)
    }

    /// The fitted q-quantile (healthy part) with its delta-method interval and bound.
    pub fn quantile(&self, q: f64, confidence: f64) -> Result<QuantileEstimate> {
        check_level("quantile level", q)?;
        check_level("confidence", confidence)?;
        let estimate = self.family.quantile(&self.theta, q);
        let grad = self
            .family
            .ln_quantile_gradient(&self.theta, q)
            .or_else(|| self.numeric_gradient(|th| self.family.quantile(th, q).map(f64::ln)));
        let se_log = grad
            .and_then(|g| self.quadratic_form(&g))
            .map(f64::sqrt)
            .filter(|_| estimate.is_some());
        let z2 = norm_quantile(1.0 - (1.0 - confidence) / 2.0);
        let z1 = norm_quantile(confidence);
        let limit = |z: f64| -> Option<f64> { finite(estimate? * (z * se_log?).exp()) };
        Ok(QuantileEstimate {
            q,
            estimate,
            se_log,
            ci: [limit(-z2), limit(z2)],
            ucb: limit(z1),
        })
    }

    /// Healthy-part survival at t with the interval from ln(−ln S).
    pub(crate) fn survival(&self, t: f64, confidence: f64) -> Result<SurvivalEstimate> {
        check_level("confidence", confidence)?;
        let ln_s = self.family.healthy_ln_sf(&self.theta, t);
        let s = finite(ln_s.exp());
        let c_of = |th: &[f64]| -> Option<f64> {
            let l = self.family.healthy_ln_sf(th, t);
            (l < 0.0 && l.is_finite()).then(|| (-l).ln())
        };
        let z = norm_quantile(1.0 - (1.0 - confidence) / 2.0);
        let ci = match (c_of(&self.theta), self.numeric_gradient(c_of)) {
            (Some(c), Some(g)) => match self.quadratic_form(&g) {
                Some(v) => {
                    let se = v.sqrt();
                    [
                        finite((-(c + z * se).exp()).exp()),
                        finite((-(c - z * se).exp()).exp()),
                    ]
                }
                None => [None, None],
            },
            _ => [None, None],
        };
        Ok(SurvivalEstimate { t, s, ci })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::record::Record;

    /// NIST e-Handbook 8.4.1.3: 10 failures and 10 units removed at 500 h.
    fn nist() -> Sample {
        let ev = [
            54.0, 187.0, 216.0, 240.0, 244.0, 335.0, 361.0, 373.0, 375.0, 386.0,
        ];
        let recs: Vec<Record> = ev
            .iter()
            .map(|&t| Record::event(t))
            .chain((0..10).map(|_| Record::censored(500.0)))
            .collect();
        Sample::new(&recs).expect("sample")
    }

    /// Weibull profile equation (docs/statistics.md §5): k solves
    /// 1/k + mean_events(ln t) − Σ t^k ln t / Σ t^k = 0, then λ = (Σ t^k / d)^(1/k).
    fn weibull_profile(s: &Sample) -> (f64, f64) {
        let recs = s.records();
        let tmax = s.max_time();
        let d = s.n_events as f64;
        let mean_ev = recs
            .iter()
            .filter(|r| !r.censored)
            .map(|r| (r.duration_secs / tmax).ln())
            .sum::<f64>()
            / d;
        let g = |k: f64| {
            let (mut a, mut b) = (0.0, 0.0);
            for r in &recs {
                let x = r.duration_secs / tmax;
                a += x.powf(k) * x.ln();
                b += x.powf(k);
            }
            1.0 / k + mean_ev - a / b
        };
        let (mut lo, mut hi) = (1e-3, 200.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if g(mid) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let k = 0.5 * (lo + hi);
        let sum: f64 = recs.iter().map(|r| (r.duration_secs / tmax).powf(k)).sum();
        (tmax * (sum / d).powf(1.0 / k), k)
    }

    #[test]
    fn weibull_mle_agrees_with_the_profile_equation_and_nist() {
        let s = nist();
        let m = fit(Family::Weibull, &s).expect("fit");
        let p = m.params();
        let (lambda, k) = weibull_profile(&s);
        assert!((p[0] / lambda - 1.0).abs() < 1e-8, "{} vs {lambda}", p[0]);
        assert!((p[1] / k - 1.0).abs() < 1e-8, "{} vs {k}", p[1]);
        // Published: scale 606.528, shape 1.7208, log-likelihood −75.135.
        assert!((p[0] - 606.528).abs() < 5e-3);
        assert!((p[1] - 1.7208).abs() < 5e-5);
        assert!((m.loglik + 75.135).abs() < 1e-3);
    }

    #[test]
    fn a_remembered_fit_is_the_fit_and_is_kept_once() {
        // A sample of its own (no other test fits it), fitted twice through the memory.
        let recs: Vec<Record> = [61.0, 187.5, 216.0, 240.0, 244.0, 335.0, 361.0, 373.0]
            .iter()
            .map(|&t| Record::event(t))
            .chain([(450.0)].iter().map(|&t| Record::censored(t)))
            .collect();
        let s = Sample::new(&recs).expect("sample");
        let kept = |family: Family| {
            let key = (family, SampleKey::of(&s));
            let list = REMEMBERED.lock().unwrap_or_else(|e| e.into_inner());
            list.iter().filter(|(k, _)| *k == key).count()
        };
        assert_eq!(kept(Family::Weibull), 0);
        let first = fit_remembered(Family::Weibull, &s).expect("fit");
        let again = fit_remembered(Family::Weibull, &s).expect("fit");
        assert_eq!(kept(Family::Weibull), 1);
        assert_eq!(first, fit(Family::Weibull, &s).expect("fit"));
        assert_eq!(again, first);
        // Another family of the same records is another fit; a failure is remembered too.
        let other = fit_remembered(Family::Lognormal, &s).expect("fit");
        assert_eq!(other.family, Family::Lognormal);
        assert!(fit_remembered(Family::LognormalMixture2, &s).is_err());
        assert_eq!(kept(Family::LognormalMixture2), 1);
    }

    #[test]
    fn mixture_and_cure_are_skipped_with_a_reason() {
        let s = nist();
        let e = fit(Family::LognormalMixture2, &s).expect_err("n < 50");
        assert!(e.to_string().contains("n >= 50"), "{e}");
        let e = fit(Family::LognormalCure, &s).expect_err("few events");
        assert!(e.to_string().contains("at least 20"), "{e}");
    }

    #[test]
    fn lognormal_quantile_interval_is_ordered() {
        let m = fit(Family::Lognormal, &nist()).expect("fit");
        let q = m.quantile(0.999, 0.95).expect("quantile");
        let (est, lo, hi, ucb) = (
            q.estimate.unwrap_or(f64::NAN),
            q.ci[0].unwrap_or(f64::NAN),
            q.ci[1].unwrap_or(f64::NAN),
            q.ucb.unwrap_or(f64::NAN),
        );
        assert!(lo < est && est < ucb && ucb < hi, "{lo} {est} {ucb} {hi}");
        let sv = m.survival(500.0, 0.95).expect("survival");
        let s = sv.s.unwrap_or(f64::NAN);
        assert!(sv.ci[0].unwrap_or(f64::NAN) < s && s < sv.ci[1].unwrap_or(f64::NAN));
    }
}
