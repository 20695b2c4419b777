//! Peaks over threshold: a generalized Pareto tail above the type-7 90th percentile, fitted by
//! censored maximum likelihood, as a cross-check of extreme quantiles (docs/statistics.md §7).

use serde::{Deserialize, Serialize};

use super::optimize::{nelder_mead, newton_polish, NelderMeadOptions};
use super::quantile::type7_of_runs;
use super::record::Weighted;

/// Smallest sample the tail fit is attempted on.
pub(crate) const MIN_N: usize = 300;
/// Smallest number of exceedances.
pub(crate) const MIN_EXCEEDANCES: usize = 30;

/// A fitted generalized Pareto tail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GpdFit {
    /// Threshold u (type-7 90th percentile of all durations).
    pub(crate) threshold: f64,
    /// Records above u.
    pub(crate) n_exceedances: usize,
    /// ζ_u = n_u / n.
    pub(crate) zeta: f64,
    /// Shape ξ.
    pub(crate) xi: f64,
    /// Scale σ.
    pub(crate) sigma: f64,
    /// Log-likelihood of the exceedances.
    pub(crate) loglik: f64,
    /// t_q per level; `None` for levels below the threshold's.
    pub(crate) quantiles: Vec<(f64, Option<f64>)>,
}

/// ln f and ln S of GPD(ξ, σ) at excess y; `None` outside the support.
fn ln_f_s(xi: f64, sigma: f64, y: f64) -> Option<(f64, f64)> {
    if xi.abs() < 1e-9 {
        return Some((-sigma.ln() - y / sigma, -y / sigma));
    }
    let a = xi * y / sigma;
    if a <= -1.0 {
        return None;
    }
    let l = a.ln_1p();
    Some((-sigma.ln() - (1.0 / xi + 1.0) * l, -l / xi))
}

/// Fits the tail, or says why it was skipped.
pub(crate) fn fit_tail(records: &Weighted, levels: &[f64]) -> Result<GpdFit, String> {
    let n = records.sample.n;
    if n < MIN_N {
        return Err(format!("n < {MIN_N}"));
    }
    let (u, exc) = exceedances(records)?;
    let (xi, sigma, v) = max_likelihood(&exc)?;
    let n_exceedances = counted(&exc);
    let zeta = n_exceedances as f64 / n as f64;
    let quantiles = levels
        .iter()
        .map(|&q| (q, tail_quantile(u, xi, sigma, zeta, q)))
        .collect();
    Ok(GpdFit {
        threshold: u,
        n_exceedances,
        zeta,
        xi,
        sigma,
        loglik: -v,
        quantiles,
    })
}

/// An exceedance: the excess over the threshold, whether it is censored, and how many
/// records it stands for (in a row, in the records' given order).
type Exceedance = (f64, bool, u64);

/// How many records the exceedances stand for.
fn counted(exc: &[Exceedance]) -> usize {
    exc.iter().map(|e| e.2 as usize).sum()
}

/// The threshold (the 90th percentile, below every censoring time) and the exceedances above
/// it, in the records' order; or why there are too few.
fn exceedances(records: &Weighted) -> Result<(f64, Vec<Exceedance>), String> {
    let u = type7_of_runs(&records.sorted_runs(), 0.9).ok_or("no data")?;
    let min_cens = records.sample.min_censored().unwrap_or(f64::INFINITY);
    if u >= min_cens {
        return Err("threshold not below the smallest censoring time".to_string());
    }
    let exc: Vec<Exceedance> = (records.records.iter())
        .filter(|(r, _)| r.duration_secs > u)
        .map(|(r, n)| (r.duration_secs - u, r.censored, *n))
        .collect();
    let n_exc = counted(&exc);
    if n_exc < MIN_EXCEEDANCES {
        return Err(format!(
            "{n_exc} exceedances above the threshold (needs >= {MIN_EXCEEDANCES})"
        ));
    }
    Ok((u, exc))
}

/// The maximum-likelihood `(xi, sigma, -loglik)` of the exceedances (censored ones count by
/// their survival), from two starting shapes. A counted exceedance's term is added `count`
/// times in a row: the sum, to the bit, of the records one by one.
fn max_likelihood(exc: &[Exceedance]) -> Result<(f64, f64, f64), String> {
    let negll = |th: &[f64]| -> f64 {
        let (xi, sigma) = (th[0], th[1].exp());
        let mut ll = 0.0;
        for &(y, c, n) in exc {
            let term = match ln_f_s(xi, sigma, y) {
                Some((lf, ls)) => {
                    if c {
                        ls
                    } else {
                        lf
                    }
                }
                None => return f64::INFINITY,
            };
            for _ in 0..n {
                ll += term;
            }
        }
        -ll
    };
    let mut sum_excess = 0.0;
    for &(y, _, n) in exc {
        for _ in 0..n {
            sum_excess += y;
        }
    }
    let mean_excess = sum_excess / counted(exc) as f64;
    let mut best: Option<(Vec<f64>, f64)> = None;
    for xi0 in [0.1, -0.1] {
        let mut f = negll;
        let nm = nelder_mead(
            &mut f,
            &[xi0, mean_excess.ln()],
            NelderMeadOptions::default(),
        );
        let p = newton_polish(&mut f, &nm.x);
        if p.value.is_finite() && best.as_ref().is_none_or(|(_, v)| p.value < *v) {
            best = Some((p.x, p.value));
        }
    }
    let (th, v) = best.ok_or("no finite likelihood")?;
    if v >= super::optimize::PENALTY {
        return Err("no finite likelihood".to_string());
    }
    Ok((th[0], th[1].exp(), v))
}

/// The `q` quantile of the whole distribution from the tail fit (`zeta`: the share above the
/// threshold `u`); `None` below the threshold or when not finite.
fn tail_quantile(u: f64, xi: f64, sigma: f64, zeta: f64, q: f64) -> Option<f64> {
    let r = (1.0 - q) / zeta;
    let t = if r >= 1.0 {
        None
    } else if xi.abs() < 1e-9 {
        Some(u - sigma * r.ln())
    } else {
        Some(u + sigma / xi * (r.powf(-xi) - 1.0))
    };
    t.filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::super::record::Record;
    use super::*;

    #[test]
    fn exponential_tail_has_shape_near_zero() {
        // Deterministic exponential(mean 50) quantiles: the excesses over any threshold are
        // exponential with the same mean, i.e. GPD(ξ = 0, σ = 50).
        let n = 2000;
        let recs =
            (0..n).map(|i| Record::event(100.0 - 50.0 * (1.0 - (i as f64 + 0.5) / n as f64).ln()));
        let g = fit_tail(&one_each(recs), &[0.999]).expect("fit");
        assert_eq!(g.n_exceedances, 200);
        assert!(g.xi.abs() < 0.05, "xi {}", g.xi);
        assert!((g.sigma / 50.0 - 1.0).abs() < 0.05, "sigma {}", g.sigma);
        let truth = 100.0 - 50.0 * 0.001f64.ln();
        let q = g.quantiles[0].1.unwrap_or(f64::NAN);
        assert!((q / truth - 1.0).abs() < 0.03, "{q} vs {truth}");
    }

    #[test]
    fn skips_small_or_censored_below_threshold() {
        let small = (1..100).map(|i| Record::event(i as f64));
        assert_eq!(
            fit_tail(&one_each(small), &[0.999]),
            Err("n < 300".to_string())
        );
        let cens = (1..400).map(|i| Record::event(i as f64));
        let cens = cens.chain([Record::censored(10.0)]);
        assert!(fit_tail(&one_each(cens), &[0.999]).is_err());
    }

    fn one_each(records: impl Iterator<Item = Record>) -> Weighted {
        Weighted::new(records.map(|r| (r, 1))).expect("records")
    }

    #[test]
    fn counted_records_fit_the_tail_of_the_records_repeated() {
        // 400 events over 1..=40 s, each value ten times, and 20 censored at 45 s: counted
        // and one by one, in the same order, give the same fit to the bit.
        let given: Vec<(Record, u64)> = (1..=40)
            .map(|i| (Record::event(f64::from(i) + 0.25 * f64::from(i % 3)), 10))
            .chain([(Record::censored(45.0), 20)])
            .collect();
        let repeated = (given.iter()).flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize));
        let counted = fit_tail(&Weighted::new(given.clone()).expect("records"), &[0.99]);
        let one_by_one = fit_tail(&one_each(repeated), &[0.99]);
        assert_eq!(counted, one_by_one);
        let g = counted.expect("fit");
        // p90 is 38.5 s (type 7 over 420 records): 39 and 40.25 s ten times each, and the 20
        // censored.
        assert_eq!((g.threshold, g.n_exceedances), (38.5, 40));
    }
}
