//! Goodness of fit: Kolmogorov–Smirnov and Anderson–Darling for complete data, the sup distance
//! between Kaplan–Meier and the model for censored data, and p-values only from a seeded
//! parametric bootstrap (docs/statistics.md §6).

use serde::{Deserialize, Serialize};

use super::family::Family;
use super::fit::{fit, FittedModel};
use super::km::KaplanMeier;
use super::record::{Point, Record, Sample, Weighted};
use super::rng::SplitMix64;

/// Goodness-of-fit statistics of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gof {
    /// sup over event times (both sides of each step) of |Ŝ_KM − S_model| up to the last event.
    pub km_distance: f64,
    /// KS D (complete data only).
    pub ks_d: Option<f64>,
    /// Anderson–Darling A² (complete data only).
    pub ad_a2: Option<f64>,
    /// Parametric-bootstrap p-value, when requested.
    pub(crate) bootstrap: Option<Bootstrap>,
}

/// A parametric-bootstrap p-value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Bootstrap {
    /// Which statistic: `"ad_a2"` (complete data) or `"km_distance"`.
    pub(crate) statistic: String,
    /// Resamples requested.
    pub(crate) resamples: usize,
    /// Resamples whose refit failed (left out).
    pub(crate) failed: usize,
    /// (1 + #{stat* ≥ stat}) / (B + 1) over the successful resamples.
    pub(crate) p_value: Option<f64>,
    /// The seed used.
    pub(crate) seed: u64,
}

/// sup |Ŝ_KM − S(·; θ̂)| at each event time, on both sides of the step.
pub(crate) fn km_distance(km: &KaplanMeier, family: Family, theta: &[f64]) -> f64 {
    let mut before = 1.0;
    let mut d = 0.0f64;
    for step in &km.steps {
        let s = family.ln_sf(theta, step.time).exp();
        d = d.max((s - before).abs()).max((s - step.surv).abs());
        before = step.surv;
    }
    d
}

/// `f` that remembers its last argument's value: sorted data repeat a value many times, and
/// the same argument gives the same bits, so each distinct value is computed once.
fn last_value_kept(f: impl Fn(f64) -> f64) -> impl FnMut(f64) -> f64 {
    let mut last: Option<(u64, f64)> = None;
    move |x| match last {
        Some((bits, v)) if bits == x.to_bits() => v,
        _ => {
            let v = f(x);
            last = Some((x.to_bits(), v));
            v
        }
    }
}

/// KS D = max_i max(i/n − F_i, F_i − (i−1)/n) for `n` ascending complete data.
pub(crate) fn ks_statistic(
    ascending: impl Iterator<Item = f64>,
    n: usize,
    family: Family,
    theta: &[f64],
) -> f64 {
    let n = n as f64;
    let mut cdf = last_value_kept(|x| family.ln_cdf(theta, x).exp());
    ascending
        .enumerate()
        .map(|(i, x)| {
            let f = cdf(x);
            ((i as f64 + 1.0) / n - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max)
}

/// A² = −n − (1/n) Σ (2i−1)[ln F_i + ln(1 − F_{n+1−i})] for `n` complete data, given
/// ascending and descending.
pub(crate) fn anderson_darling(
    ascending: impl Iterator<Item = f64>,
    descending: impl Iterator<Item = f64>,
    n: usize,
    family: Family,
    theta: &[f64],
) -> f64 {
    let mut ln_cdf = last_value_kept(|x| family.ln_cdf(theta, x));
    let mut ln_sf = last_value_kept(|x| family.ln_sf(theta, x));
    let mut s = 0.0;
    for (i, (lo, hi)) in ascending.zip(descending).enumerate() {
        s += (2.0 * i as f64 + 1.0) * (ln_cdf(lo) + ln_sf(hi));
    }
    -(n as f64) - s / n as f64
}

/// Each event time of a sample as often as it occurs, in the order of `points`.
fn repeated<'a>(points: impl Iterator<Item = &'a Point> + 'a) -> impl Iterator<Item = f64> + 'a {
    points.flat_map(|p| std::iter::repeat_n(p.t, p.weight as usize))
}

/// A² of a complete sample (its events one by one).
fn anderson_darling_of(sample: &Sample, family: Family, theta: &[f64]) -> f64 {
    let (up, down) = (sample.events.iter(), sample.events.iter().rev());
    anderson_darling(repeated(up), repeated(down), sample.n, family, theta)
}

/// Statistics of a model on its data (no bootstrap).
pub(crate) fn statistics(model: &FittedModel, sample: &Sample, km: &KaplanMeier) -> Gof {
    let complete = sample.n_censored == 0;
    let (family, theta) = (model.family, &model.theta);
    let finite = |v: f64| v.is_finite().then_some(v);
    Gof {
        km_distance: km_distance(km, family, theta),
        ks_d: complete
            .then(|| ks_statistic(repeated(sample.events.iter()), sample.n, family, theta))
            .and_then(finite),
        ad_a2: complete
            .then(|| anderson_darling_of(sample, family, theta))
            .and_then(finite),
        bootstrap: None,
    }
}

/// One draw from the fitted model; `None` for a stuck VM of the cure model (never finishes).
fn draw(model: &FittedModel, rng: &mut SplitMix64) -> Option<f64> {
    if model.family == Family::LognormalCure {
        let pi = model.params()[2];
        if rng.next_open01() < pi {
            return None;
        }
    }
    model.family.quantile(&model.theta, rng.next_open01())
}

/// The statistic the bootstrap compares: A² for complete data, the KM distance otherwise.
fn statistic(model: &FittedModel, sample: &Sample) -> Option<f64> {
    if sample.n_censored == 0 {
        Some(anderson_darling_of(sample, model.family, &model.theta)).filter(|v| v.is_finite())
    } else {
        let km = KaplanMeier::of_sample(sample);
        Some(km_distance(&km, model.family, &model.theta))
    }
}

/// Parametric-bootstrap p-value: simulate `resamples` samples of the same size from θ̂ with the
/// same censoring (a record censored at c censors its simulated value at c; an event record at
/// the largest censoring time, if any), refit the same family, and compare the statistic.
/// `done` is told of each resample.
/// The records are drawn for one by one, in their given order (a counted record `count` times
/// in a row); each resample holds one record per record counted.
pub(crate) fn bootstrap(
    model: &FittedModel,
    records: &Weighted,
    resamples: usize,
    seed: u64,
    done: &dyn Fn(),
) -> Bootstrap {
    let complete = records.sample.n_censored == 0;
    let name = if complete { "ad_a2" } else { "km_distance" };
    let observed = statistic(model, &records.sample);
    let one_by_one =
        || (records.records.iter()).flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize));
    let max_cens = one_by_one()
        .filter(|r| r.censored)
        .map(|r| r.duration_secs)
        .fold(
            f64::INFINITY,
            |a, b| if a.is_infinite() { b } else { a.max(b) },
        );
    let mut rng = SplitMix64::new(seed);
    let (mut exceed, mut ok, mut failed) = (0usize, 0usize, 0usize);
    for _ in 0..resamples {
        let sim: Vec<Record> = one_by_one()
            .map(|r| {
                let limit = if r.censored {
                    r.duration_secs
                } else {
                    max_cens
                };
                match draw(model, &mut rng) {
                    Some(t) if t <= limit => Record::event(t),
                    _ => Record::censored(limit),
                }
            })
            .filter(|r| r.duration_secs.is_finite())
            .collect();
        let stat = Sample::new(&sim).ok().and_then(|s| {
            let m = fit(model.family, &s).ok()?;
            statistic(&m, &s)
        });
        match (stat, observed) {
            (Some(s), Some(o)) => {
                ok += 1;
                if s >= o {
                    exceed += 1;
                }
            }
            _ => failed += 1,
        }
        done();
    }
    Bootstrap {
        statistic: name.to_string(),
        resamples,
        failed,
        p_value: (ok > 0).then(|| (1 + exceed) as f64 / (ok + 1) as f64),
        seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_and_ad_of_a_perfect_grid() {
        // Exponential-like Weibull(k = 1, λ = 1) at its own plotting positions.
        let theta = [0.0, 0.0];
        let n = 100;
        let x: Vec<f64> = (1..=n)
            .map(|i| -(1.0 - (i as f64 - 0.5) / n as f64).ln())
            .collect();
        let d = ks_statistic(x.iter().copied(), n, Family::Weibull, &theta);
        assert!((d - 0.005).abs() < 1e-12, "{d}");
        let (up, down) = (x.iter().copied(), x.iter().rev().copied());
        let a2 = anderson_darling(up, down, n, Family::Weibull, &theta);
        assert!(a2 > 0.0 && a2 < 0.05, "{a2}");
    }

    #[test]
    fn bootstrap_is_seeded_and_reproducible() {
        let recs: Vec<Record> = (1..=40)
            .map(|i| Record::event(100.0 + 7.0 * i as f64 + (i % 5) as f64))
            .collect();
        let s = Sample::new(&recs).expect("sample");
        let m = fit(Family::Lognormal, &s).expect("fit");
        let done = std::cell::Cell::new(0);
        let w = Weighted::new(recs.iter().map(|r| (*r, 1))).expect("records");
        let a = bootstrap(&m, &w, 20, 7, &|| done.set(done.get() + 1));
        let b = bootstrap(&m, &w, 20, 7, &|| {});
        assert_eq!(a, b);
        assert_eq!(done.get(), 20, "each resample is reported once");
        let p = a.p_value.unwrap_or(-1.0);
        assert!(p > 0.0 && p <= 1.0);
    }
}
