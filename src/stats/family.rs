//! The six distribution families: log-density, log-survival and log-CDF per time, the weighted
//! censored log-likelihood over a [`Sample`], quantiles, parameter names and starting values.
//! Parameters are kept unconstrained (logs of positive parameters, logits of probabilities).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use rayon::prelude::*;

use super::record::{Point, Sample};
use super::special::{
    gamma_p_inverse, ln_gamma_p, ln_gamma_q, ln_norm_cdf, ln_norm_sf, log_add_exp, norm_quantile,
    softplus, HALF_LN_2PI,
};

/// Smallest σ of a mixture component (the likelihood is unbounded as σ → 0 on one point).
pub(crate) const MIXTURE_MIN_SIGMA: f64 = 0.01;

/// A distribution family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// ln T ~ N(μ, σ²).
    Lognormal,
    /// S = exp(−(t/λ)^k).
    Weibull,
    /// Gamma(shape a, scale θ).
    Gamma,
    /// S = 1/(1 + (t/α)^β).
    Loglogistic,
    /// w·LN(μ₁, σ₁) + (1−w)·LN(μ₂, σ₂).
    LognormalMixture2,
    /// S = π + (1−π)·S_LN(μ, σ): a fraction π of boots never finish.
    LognormalCure,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 6] = [
        Family::Lognormal,
        Family::Weibull,
        Family::Gamma,
        Family::Loglogistic,
        Family::LognormalMixture2,
        Family::LognormalCure,
    ];

    /// The two-parameter families.
    pub const TWO_PARAMETER: [Family; 4] = [
        Family::Lognormal,
        Family::Weibull,
        Family::Gamma,
        Family::Loglogistic,
    ];

    /// The report name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Lognormal => "lognormal",
            Family::Weibull => "weibull",
            Family::Gamma => "gamma",
            Family::Loglogistic => "loglogistic",
            Family::LognormalMixture2 => "lognormal_mixture2",
            Family::LognormalCure => "lognormal_cure",
        }
    }

    /// Number of free parameters k.
    pub(crate) fn n_params(self) -> usize {
        self.param_names().len()
    }

    /// Names of the natural parameters, in order.
    pub(crate) fn param_names(self) -> &'static [&'static str] {
        match self {
            Family::Lognormal => &["mu", "sigma"],
            Family::Weibull => &["scale", "shape"],
            Family::Gamma => &["shape", "scale"],
            Family::Loglogistic => &["scale", "shape"],
            Family::LognormalMixture2 => &["w", "mu1", "sigma1", "mu2", "sigma2"],
            Family::LognormalCure => &["mu", "sigma", "pi_stuck"],
        }
    }

    /// How each unconstrained coordinate maps to its natural parameter.
    fn transforms(self) -> &'static [Transform] {
        use Transform::{Exp, Identity, Logistic};
        match self {
            Family::Lognormal => &[Identity, Exp],
            Family::Weibull | Family::Gamma | Family::Loglogistic => &[Exp, Exp],
            Family::LognormalMixture2 => &[Logistic, Identity, Exp, Identity, Exp],
            Family::LognormalCure => &[Identity, Exp, Logistic],
        }
    }

    /// Natural parameters of the unconstrained vector θ.
    pub(crate) fn natural(self, theta: &[f64]) -> Vec<f64> {
        self.transforms()
            .iter()
            .zip(theta)
            .map(|(t, &x)| t.apply(x))
            .collect()
    }

    /// Derivative of each natural parameter with respect to its unconstrained coordinate
    /// (for delta-method standard errors).
    pub(crate) fn natural_derivative(self, theta: &[f64]) -> Vec<f64> {
        self.transforms()
            .iter()
            .zip(theta)
            .map(|(t, &x)| t.derivative(x))
            .collect()
    }

    /// ln f(t; θ) of the full model.
    pub(crate) fn ln_pdf(self, theta: &[f64], t: f64) -> f64 {
        let lt = t.ln();
        match self {
            Family::Lognormal => lognormal_ln_pdf(theta[0], theta[1].exp(), lt),
            Family::Weibull => {
                let (ll, k) = (theta[0], theta[1].exp());
                let y = lt - ll;
                k.ln() - ll + (k - 1.0) * y - (k * y).exp()
            }
            Family::Gamma => {
                let (a, lth) = (theta[0].exp(), theta[1]);
                -ln_gamma(a) - a * lth + (a - 1.0) * lt - t / lth.exp()
            }
            Family::Loglogistic => {
                let (la, b) = (theta[0], theta[1].exp());
                let y = b * (lt - la);
                b.ln() - la + (b - 1.0) * (lt - la) - 2.0 * softplus(y)
            }
            Family::LognormalMixture2 => {
                let (lw, lw1) = (-softplus(-theta[0]), -softplus(theta[0]));
                log_add_exp(
                    lw + lognormal_ln_pdf(theta[1], theta[2].exp(), lt),
                    lw1 + lognormal_ln_pdf(theta[3], theta[4].exp(), lt),
                )
            }
            Family::LognormalCure => {
                -softplus(theta[2]) + lognormal_ln_pdf(theta[0], theta[1].exp(), lt)
            }
        }
    }

    /// ln S(t; θ) of the full model (for the cure model including the stuck fraction).
    pub(crate) fn ln_sf(self, theta: &[f64], t: f64) -> f64 {
        match self {
            Family::LognormalCure => log_add_exp(
                -softplus(-theta[2]),
                -softplus(theta[2]) + self.healthy_ln_sf(theta, t),
            ),
            _ => self.healthy_ln_sf(theta, t),
        }
    }

    /// ln S of the healthy part (equal to [`Family::ln_sf`] except for the cure model, where
    /// it is the lognormal component alone).
    pub(crate) fn healthy_ln_sf(self, theta: &[f64], t: f64) -> f64 {
        let lt = t.ln();
        match self {
            Family::Lognormal | Family::LognormalCure => {
                ln_norm_sf((lt - theta[0]) / theta[1].exp())
            }
            Family::Weibull => -(theta[1].exp() * (lt - theta[0])).exp(),
            Family::Gamma => ln_gamma_q(theta[0].exp(), t / theta[1].exp()),
            Family::Loglogistic => -softplus(theta[1].exp() * (lt - theta[0])),
            Family::LognormalMixture2 => log_add_exp(
                -softplus(-theta[0]) + ln_norm_sf((lt - theta[1]) / theta[2].exp()),
                -softplus(theta[0]) + ln_norm_sf((lt - theta[3]) / theta[4].exp()),
            ),
        }
    }

    /// ln F(t; θ) = ln(1 − S) of the full model, accurate for small F.
    pub(crate) fn ln_cdf(self, theta: &[f64], t: f64) -> f64 {
        let lt = t.ln();
        match self {
            Family::Lognormal => ln_norm_cdf((lt - theta[0]) / theta[1].exp()),
            Family::Weibull => {
                let h = (theta[1].exp() * (lt - theta[0])).exp();
                (-(-h).exp_m1()).ln()
            }
            Family::Gamma => ln_gamma_p(theta[0].exp(), t / theta[1].exp()),
            Family::Loglogistic => -softplus(-theta[1].exp() * (lt - theta[0])),
            Family::LognormalMixture2 => log_add_exp(
                -softplus(-theta[0]) + ln_norm_cdf((lt - theta[1]) / theta[2].exp()),
                -softplus(theta[0]) + ln_norm_cdf((lt - theta[3]) / theta[4].exp()),
            ),
            Family::LognormalCure => {
                -softplus(theta[2]) + ln_norm_cdf((lt - theta[0]) / theta[1].exp())
            }
        }
    }

    /// The q-quantile of the healthy part (the cure model's lognormal component); `None` when
    /// it cannot be computed.
    pub(crate) fn quantile(self, theta: &[f64], q: f64) -> Option<f64> {
        if !(q > 0.0 && q < 1.0) || theta.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let v = match self {
            Family::Lognormal | Family::LognormalCure => {
                (theta[0] + theta[1].exp() * norm_quantile(q)).exp()
            }
            Family::Weibull => theta[0].exp() * (-(-q).ln_1p()).powf(1.0 / theta[1].exp()),
            Family::Gamma => theta[1].exp() * gamma_p_inverse(theta[0].exp(), q)?,
            Family::Loglogistic => theta[0].exp() * (q / (1.0 - q)).powf(1.0 / theta[1].exp()),
            Family::LognormalMixture2 => mixture_quantile(theta, q)?,
        };
        (v.is_finite() && v > 0.0).then_some(v)
    }

    /// Analytic ∇θ ln Q(q; θ) where it is simple; `None` means use central differences.
    pub(crate) fn ln_quantile_gradient(self, theta: &[f64], q: f64) -> Option<Vec<f64>> {
        match self {
            Family::Lognormal => Some(vec![1.0, theta[1].exp() * norm_quantile(q)]),
            Family::LognormalCure => Some(vec![1.0, theta[1].exp() * norm_quantile(q), 0.0]),
            Family::Weibull => Some(vec![1.0, -(-(-q).ln_1p()).ln() / theta[1].exp()]),
            Family::Loglogistic => Some(vec![1.0, -(q / (1.0 - q)).ln() / theta[1].exp()]),
            Family::Gamma | Family::LognormalMixture2 => None,
        }
    }

    /// The weighted censored log-likelihood Σ_events w ln f + Σ_censored w ln S; −∞ for an
    /// invalid θ.
    pub(crate) fn loglik(self, theta: &[f64], s: &Sample) -> f64 {
        if theta.len() != self.n_params() || theta.iter().any(|v| !v.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let v = match self {
            Family::Lognormal => lognormal_loglik(theta[0], theta[1], s),
            Family::Weibull => {
                let (ll, lk) = (theta[0], theta[1]);
                let k = lk.exp();
                let w = s.n_events as f64;
                let sum = sum_terms(&s.events, |p| p.weight * (k * (p.ln_t - ll)).exp())
                    + sum_terms(&s.censored, |p| p.weight * (k * (p.ln_t - ll)).exp());
                w * (lk - ll) + (k - 1.0) * (s.event_sum_ln_t - w * ll) - sum
            }
            Family::Gamma => {
                let (a, lth) = (theta[0].exp(), theta[1]);
                let th = lth.exp();
                let w = s.n_events as f64;
                w * (-ln_gamma(a) - a * lth) + (a - 1.0) * s.event_sum_ln_t - s.event_sum_t / th
                    + sum_terms(&s.censored, |p| p.weight * ln_gamma_q(a, p.t / th))
            }
            Family::Loglogistic => {
                let (la, lb) = (theta[0], theta[1]);
                let b = lb.exp();
                let w = s.n_events as f64;
                w * (lb - la) + (b - 1.0) * (s.event_sum_ln_t - w * la)
                    - sum_terms(&s.events, |p| 2.0 * p.weight * softplus(b * (p.ln_t - la)))
                    - sum_terms(&s.censored, |p| p.weight * softplus(b * (p.ln_t - la)))
            }
            Family::LognormalMixture2 => mixture_loglik(theta, s),
            Family::LognormalCure => cure_loglik(theta, s),
        };
        if v.is_nan() {
            f64::NEG_INFINITY
        } else {
            v
        }
    }

    /// Starting points for the optimiser (several for the mixture and cure models).
    pub(crate) fn starts(self, s: &Sample) -> Vec<Vec<f64>> {
        let (m, sd) = s.ln_t_mean_sd();
        let sd = sd.max(1e-3);
        match self {
            Family::Lognormal => vec![vec![m, sd.ln()]],
            Family::Weibull => {
                let k0 = 1.2825 / sd;
                vec![vec![m + 0.5772 / k0, k0.ln()]]
            }
            Family::Gamma => {
                let (mean, var) = s.t_mean_var();
                let var = var.max(1e-12 * mean * mean);
                vec![vec![(mean * mean / var).ln(), (var / mean).ln()]]
            }
            Family::Loglogistic => {
                let t = Runs::new(s.all_points().map(|p| (p.t, p.weight)));
                let median = t.type7(0.5).unwrap_or(m.exp());
                let b0 = std::f64::consts::PI / (3f64.sqrt() * sd);
                vec![vec![median.ln(), b0.ln()]]
            }
            Family::LognormalMixture2 => {
                let lt = Runs::new(s.all_points().map(|p| (p.ln_t, p.weight)));
                let mut out = Vec::new();
                if lt.n < 2 {
                    return out;
                }
                for q in [0.3, 0.5, 0.7] {
                    let Some(cut) = lt.type7(q) else { continue };
                    let k = lt.count_at_most(cut).clamp(1, lt.n - 1);
                    let (m1, s1) = mean_sd(|| lt.values(0, k), k);
                    let (m2, s2) = mean_sd(|| lt.values(k, lt.n), lt.n - k);
                    let w = k as f64 / lt.n as f64;
                    out.push(vec![
                        (w / (1.0 - w)).ln(),
                        m1,
                        s1.max(0.05).ln(),
                        m2,
                        s2.max(0.05).ln(),
                    ]);
                }
                out
            }
            Family::LognormalCure => {
                let w = s.n_events.max(1) as f64;
                let m = s.event_mean_ln_t;
                let sd = (s.event_ss_ln_t / w).sqrt().max(1e-3);
                let frac = s.n_censored as f64 / s.n as f64;
                [0.5 * frac, 1e-4]
                    .iter()
                    .filter(|p| **p > 0.0 && **p < 1.0)
                    .map(|p| vec![m, sd.ln(), (p / (1.0 - p)).ln()])
                    .collect()
            }
        }
    }
}

/// Map from an unconstrained coordinate to a natural parameter.
#[derive(Debug, Clone, Copy)]
enum Transform {
    Identity,
    Exp,
    Logistic,
}

impl Transform {
    fn apply(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::Exp => x.exp(),
            Transform::Logistic => 1.0 / (1.0 + (-x).exp()),
        }
    }

    fn derivative(self, x: f64) -> f64 {
        match self {
            Transform::Identity => 1.0,
            Transform::Exp => x.exp(),
            Transform::Logistic => {
                let p = 1.0 / (1.0 + (-x).exp());
                p * (1.0 - p)
            }
        }
    }
}

/// Mean and standard deviation (ddof 0) of `len` values, summed one by one in their order
/// (so a value repeated by its weight adds as the records did).
fn mean_sd<I: Iterator<Item = f64>>(x: impl Fn() -> I, len: usize) -> (f64, f64) {
    let n = len.max(1) as f64;
    let m = x().sum::<f64>() / n;
    let v = x().map(|v| (v - m).powi(2)).sum::<f64>() / n;
    (m, v.sqrt())
}

/// Values in ascending order, each with how many records have it: the sorted records' values
/// without holding one per record.
struct Runs {
    runs: Vec<(f64, u64)>,
    /// How many values (the sum of the weights).
    n: usize,
}

impl Runs {
    /// The values and weights of distinct points, sorted (a weight is a whole number).
    fn new(points: impl Iterator<Item = (f64, f64)>) -> Self {
        let mut runs: Vec<(f64, u64)> = points.map(|(v, w)| (v, w as u64)).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = runs.iter().map(|r| r.1 as usize).sum();
        Self { runs, n }
    }

    /// The value at 0-based position `i` of the sorted values.
    fn get(&self, i: usize) -> f64 {
        let mut below = 0usize;
        for &(v, w) in &self.runs {
            below += w as usize;
            if i < below {
                return v;
            }
        }
        self.runs.last().map_or(f64::NAN, |r| r.0)
    }

    /// [`super::quantile::type7`] of the sorted values.
    fn type7(&self, q: f64) -> Option<f64> {
        if self.n == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let h = (self.n - 1) as f64 * q;
        let j = h.floor() as usize;
        if j + 1 >= self.n {
            return Some(self.get(self.n - 1));
        }
        let (a, b) = (self.get(j), self.get(j + 1));
        Some(a + (h - j as f64) * (b - a))
    }

    /// How many values are at most `cut`.
    fn count_at_most(&self, cut: f64) -> usize {
        self.runs
            .iter()
            .take_while(|r| r.0 <= cut)
            .map(|r| r.1 as usize)
            .sum()
    }

    /// The values at positions `from..to`, each as often as it occurs there.
    fn values(&self, from: usize, to: usize) -> impl Iterator<Item = f64> + '_ {
        let mut start = 0usize;
        self.runs.iter().flat_map(move |&(v, w)| {
            let (lo, hi) = (start, start + w as usize);
            start = hi;
            let n = hi.min(to).saturating_sub(lo.max(from));
            std::iter::repeat_n(v, n)
        })
    }
}

fn lognormal_ln_pdf(mu: f64, sigma: f64, lt: f64) -> f64 {
    let z = (lt - mu) / sigma;
    -0.5 * z * z - HALF_LN_2PI - sigma.ln() - lt
}

/// Σ over events of w ln f_LN from the sufficient statistics (O(1) per evaluation).
fn lognormal_event_loglik(mu: f64, ln_sigma: f64, s: &Sample) -> f64 {
    let w = s.n_events as f64;
    if w == 0.0 {
        return 0.0;
    }
    let sigma = ln_sigma.exp();
    let ss = s.event_ss_ln_t + w * (s.event_mean_ln_t - mu).powi(2);
    -ss / (2.0 * sigma * sigma) - w * (HALF_LN_2PI + ln_sigma) - s.event_sum_ln_t
}

/// The two-lognormal mixture's log-likelihood (θ: logit weight, μ₁, ln σ₁, μ₂, ln σ₂); −∞
/// when a σ is below [`MIXTURE_MIN_SIGMA`] (a component collapsed onto one point).
fn mixture_loglik(theta: &[f64], s: &Sample) -> f64 {
    if theta[2].exp() < MIXTURE_MIN_SIGMA || theta[4].exp() < MIXTURE_MIN_SIGMA {
        return f64::NEG_INFINITY;
    }
    let (lw, lw1) = (-softplus(-theta[0]), -softplus(theta[0]));
    let (m1, s1, m2, s2) = (theta[1], theta[2].exp(), theta[3], theta[4].exp());
    sum_terms(&s.events, |p| {
        p.weight
            * log_add_exp(
                lw + lognormal_ln_pdf(m1, s1, p.ln_t),
                lw1 + lognormal_ln_pdf(m2, s2, p.ln_t),
            )
    }) + sum_terms(&s.censored, |p| {
        p.weight
            * log_add_exp(
                lw + ln_norm_sf((p.ln_t - m1) / s1),
                lw1 + ln_norm_sf((p.ln_t - m2) / s2),
            )
    })
}

/// The lognormal cure model's log-likelihood (θ: μ, ln σ, logit of the cured share): a
/// censored record is cured or not yet done.
fn cure_loglik(theta: &[f64], s: &Sample) -> f64 {
    let (lpi, lpi1) = (-softplus(-theta[2]), -softplus(theta[2]));
    let (mu, sigma) = (theta[0], theta[1].exp());
    s.n_events as f64 * lpi1
        + lognormal_event_loglik(mu, theta[1], s)
        + sum_terms(&s.censored, |p| {
            p.weight * log_add_exp(lpi, lpi1 + ln_norm_sf((p.ln_t - mu) / sigma))
        })
}

fn lognormal_loglik(mu: f64, ln_sigma: f64, s: &Sample) -> f64 {
    let sigma = ln_sigma.exp();
    lognormal_event_loglik(mu, ln_sigma, s)
        + sum_terms(&s.censored, |p| {
            p.weight * ln_norm_sf((p.ln_t - mu) / sigma)
        })
}

/// Terms per chunk when a sum is split across threads.
const CHUNK: usize = 8192;

/// Σ f(p) over the points. Long inputs are summed in fixed chunks on the rayon pool; the chunk
/// sums are added in order, so the result does not depend on scheduling.
fn sum_terms(points: &[Point], f: impl Fn(&Point) -> f64 + Sync) -> f64 {
    if points.len() < 2 * CHUNK {
        return points.iter().map(&f).sum();
    }
    let partial: Vec<f64> = points
        .par_chunks(CHUNK)
        .map(|c| c.iter().map(&f).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// Mixture quantile by bisection on ln t of S(t) = 1 − q.
fn mixture_quantile(theta: &[f64], q: f64) -> Option<f64> {
    let target = (1.0 - q).ln();
    let f = |lt: f64| Family::LognormalMixture2.healthy_ln_sf(theta, lt.exp()) - target;
    let (s1, s2) = (theta[2].exp(), theta[4].exp());
    let mut lo = (theta[1] - 40.0 * s1).min(theta[3] - 40.0 * s2);
    let mut hi = (theta[1] + 40.0 * s1).max(theta[3] + 40.0 * s2);
    if !(f(lo) > 0.0 && f(hi) < 0.0) {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::record::Record;

    fn sample() -> Sample {
        let recs: Vec<Record> = [54.0, 187.0, 216.0, 240.0, 244.0, 335.0, 361.0]
            .iter()
            .map(|&t| Record::event(t))
            .chain([400.0, 400.0].iter().map(|&t| Record::censored(t)))
            .collect();
        Sample::new(&recs).expect("sample")
    }

    #[test]
    fn fast_loglik_equals_the_per_record_sum() {
        let s = sample();
        let thetas: [(Family, Vec<f64>); 6] = [
            (Family::Lognormal, vec![5.5, -0.6]),
            (Family::Weibull, vec![5.7, 0.5]),
            (Family::Gamma, vec![1.5, 4.0]),
            (Family::Loglogistic, vec![5.5, 1.2]),
            (Family::LognormalMixture2, vec![-0.3, 5.0, -1.0, 5.8, -1.2]),
            (Family::LognormalCure, vec![5.5, -0.6, -3.0]),
        ];
        for (fam, th) in thetas {
            let slow: f64 = s
                .records()
                .iter()
                .map(|r| {
                    if r.censored {
                        fam.ln_sf(&th, r.duration_secs)
                    } else {
                        fam.ln_pdf(&th, r.duration_secs)
                    }
                })
                .sum();
            let fast = fam.loglik(&th, &s);
            assert!((slow - fast).abs() < 1e-9, "{fam:?}: {slow} vs {fast}");
        }
    }

    #[test]
    fn quantiles_invert_the_survival_function() {
        let cases: [(Family, Vec<f64>); 5] = [
            (Family::Lognormal, vec![5.5, -0.6]),
            (Family::Weibull, vec![5.7, 0.5]),
            (Family::Gamma, vec![1.5, 4.0]),
            (Family::Loglogistic, vec![5.5, 1.2]),
            (Family::LognormalMixture2, vec![-0.3, 5.0, -1.0, 5.8, -1.2]),
        ];
        for (fam, th) in cases {
            for q in [0.5, 0.9, 0.999] {
                let t = fam.quantile(&th, q).expect("quantile");
                let s = fam.ln_sf(&th, t).exp();
                assert!((s - (1.0 - q)).abs() < 1e-10, "{fam:?} q={q}: S={s}");
            }
        }
    }
}
