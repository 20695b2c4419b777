//! Distribution-free confidence interval and one-sided upper bound of a quantile from binomial
//! order statistics (Hahn & Meeker), valid under Type-I censoring only (docs/statistics.md §3).

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

use super::error::{check_level, Result};
#[cfg(test)]
use super::record::Record;
use super::record::Sample;

/// Ranks, values and coverage of the order-statistic interval and bound of one quantile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderStatBound {
    /// Quantile level q.
    pub(crate) q: f64,
    /// 1-based rank of the two-sided lower limit (`None`: no lower limit, r = 0).
    pub rank_lower: Option<usize>,
    /// 1-based rank of the two-sided upper limit (`None`: the sample is too small).
    pub rank_upper: Option<usize>,
    /// Two-sided lower limit (`None` when undefined under censoring or no rank).
    pub lower: Option<f64>,
    /// Two-sided upper limit.
    pub upper: Option<f64>,
    /// Coverage B(s−1) − B(r−1) of the two-sided interval.
    pub coverage: Option<f64>,
    /// 1-based rank of the one-sided upper bound.
    pub ucb_rank: Option<usize>,
    /// One-sided upper confidence bound.
    pub ucb: Option<f64>,
    /// Coverage B(s₁−1) of the one-sided bound.
    pub ucb_coverage: Option<f64>,
    /// Why the bound is unavailable, when it is.
    pub(crate) unavailable: Option<String>,
    /// Smallest n for which a one-sided bound exists: ⌈ln α / ln q⌉.
    pub min_n_for_ucb: u64,
}

/// ⌈ln α / ln q⌉: the sample size needed before the one-sided bound of the q-quantile exists.
pub(crate) fn min_n_for_ucb(q: f64, alpha: f64) -> u64 {
    let v = alpha.ln() / q.ln();
    // Guard against 2994.0000000001 style rounding of an exact integer.
    let r = v.round();
    if (v - r).abs() < 1e-9 {
        r as u64
    } else {
        v.ceil() as u64
    }
}

/// The smallest k in [0, n] with B(k) ≥ target (B(n) = 1).
fn min_rank_reaching(binom: &Binomial, n: u64, target: f64) -> u64 {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if binom.cdf(mid) >= target {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// Why the one-sided bound is missing, when it is: too few records for its rank, or its rank
/// lands on or above a censored record.
fn why_no_bound(
    ucb_rank: Option<usize>,
    ucb: Option<f64>,
    (needed, n): (u64, u64),
    q: f64,
    confidence: f64,
) -> Option<String> {
    match (ucb_rank, ucb) {
        (None, _) => Some(format!(
            "needs n >= {needed} records for a distribution-free bound of the {q} quantile at {confidence} confidence (have {n})"
        )),
        (Some(rank), None) => Some(format!(
            "rank {rank} lands on or above a censored record: the bound needs every censoring time above it; use Kaplan–Meier"
        )),
        _ => None,
    }
}

/// Interval and bound of the q-quantile at `confidence` (two-sided) and `confidence`
/// (one-sided). A limit whose rank lands on a censored record or above any censoring time is
/// `None`.
#[cfg(test)]
pub(crate) fn order_stat_bound(
    records: &[Record],
    q: f64,
    confidence: f64,
) -> Result<OrderStatBound> {
    check_level("quantile level", q)?;
    check_level("confidence", confidence)?;
    order_stat_bound_of(&Sample::new(records)?, q, confidence)
}

/// [`order_stat_bound`] of grouped records (each distinct time once, with its weight): the
/// ranks walk the weights, so the bound is the same as of the records one by one.
pub(crate) fn order_stat_bound_of(
    sample: &Sample,
    q: f64,
    confidence: f64,
) -> Result<OrderStatBound> {
    check_level("quantile level", q)?;
    check_level("confidence", confidence)?;
    let alpha = 1.0 - confidence;
    let n = sample.n as u64;
    let min_censored = sample.min_censored().unwrap_or(f64::INFINITY);
    let binom = Binomial::new(q, n).map_err(|e| super::error::StatsError::FitFailed {
        family: "order statistics",
        reason: e.to_string(),
    })?;
    let cdf = |k: i64| -> f64 {
        if k < 0 {
            0.0
        } else {
            binom.cdf(k as u64)
        }
    };
    let value_at = |rank: u64| -> Option<f64> {
        let r = sample.at_rank(rank)?;
        (!r.censored && r.duration_secs <= min_censored).then_some(r.duration_secs)
    };
    let needed = min_n_for_ucb(q, alpha);

    let r = min_rank_reaching(&binom, n, alpha / 2.0);
    let s = min_rank_reaching(&binom, n, 1.0 - alpha / 2.0) + 1;
    let s1 = min_rank_reaching(&binom, n, 1.0 - alpha) + 1;
    let rank_lower = (r > 0).then_some(r as usize);
    let rank_upper = (s <= n).then_some(s as usize);
    let ucb_rank = (s1 <= n).then_some(s1 as usize);
    let coverage = rank_upper.map(|s| cdf(s as i64 - 1) - cdf(r as i64 - 1));
    let ucb_coverage = ucb_rank.map(|s| cdf(s as i64 - 1));
    let lower = rank_lower.and_then(|r| value_at(r as u64));
    let upper = rank_upper.and_then(|s| value_at(s as u64));
    let ucb = ucb_rank.and_then(|s| value_at(s as u64));
    let unavailable = why_no_bound(ucb_rank, ucb, (needed, n), q, confidence);
    Ok(OrderStatBound {
        q,
        rank_lower,
        rank_upper,
        lower,
        upper,
        coverage,
        ucb_rank,
        ucb,
        ucb_coverage,
        unavailable,
        min_n_for_ucb: needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_sample_sizes_match_the_table() {
        assert_eq!(min_n_for_ucb(0.99, 0.05), 299);
        assert_eq!(min_n_for_ucb(0.995, 0.05), 598);
        assert_eq!(min_n_for_ucb(0.999, 0.05), 2995);
        assert_eq!(min_n_for_ucb(0.9995, 0.05), 5990);
        assert_eq!(min_n_for_ucb(0.9999, 0.05), 29956);
    }

    #[test]
    fn median_of_ten_by_hand() {
        let recs: Vec<Record> = (1..=10).map(|i| Record::event(i as f64)).collect();
        let b = order_stat_bound(&recs, 0.5, 0.95).expect("bound");
        assert_eq!(b.rank_lower, Some(2));
        assert_eq!(b.rank_upper, Some(9));
        assert_eq!(b.lower, Some(2.0));
        assert_eq!(b.upper, Some(9.0));
        // B(8) − B(1) for Bin(10, ½) = (1013 − 11)/1024
        assert!((b.coverage.unwrap_or(0.0) - 1002.0 / 1024.0).abs() < 1e-12);
        assert_eq!(b.ucb_rank, Some(9));
        assert!(b.unavailable.is_none());
    }

    #[test]
    fn censoring_below_the_rank_makes_it_unavailable() {
        let mut recs: Vec<Record> = (1..=10).map(|i| Record::event(i as f64)).collect();
        recs[2] = Record::censored(3.0);
        let b = order_stat_bound(&recs, 0.5, 0.95).expect("bound");
        assert_eq!(b.lower, Some(2.0));
        assert_eq!(b.upper, None);
        assert!(b.unavailable.is_some());
    }
}
