//! The k-sample log-rank test (Mantel–Haenszel, ties by the hypergeometric variance), the
//! chi-square survival function, and Holm's correction (docs/statistics.md §10).

use serde::{Deserialize, Serialize};

use super::optimize::spd_inverse;
use super::special::ln_gamma_q;
use super::table::Table;

/// The log-rank test of k cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct LogRank {
    /// χ² = (O − E)ᵀ V⁻¹ (O − E) over the first k − 1 cohorts.
    pub(crate) statistic: f64,
    /// k − 1.
    pub(crate) df: usize,
    /// P(χ²_df ≥ statistic).
    pub(crate) p_value: f64,
}

/// P(χ²_df ≥ x), the upper regularized incomplete gamma Q(df/2, x/2).
pub(crate) fn chi2_sf(x: f64, df: usize) -> f64 {
    if x.is_nan() || df == 0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    ln_gamma_q(df as f64 / 2.0, x / 2.0).exp()
}

/// Observed minus expected events per cohort and their covariance, summed over the pooled
/// distinct times (a time where no cohort has an event adds nothing).
fn observed_minus_expected(tables: &[&Table]) -> (Vec<f64>, Vec<f64>) {
    let k = tables.len();
    let mut times: Vec<f64> = tables
        .iter()
        .flat_map(|t| t.times.iter().copied())
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut at_risk: Vec<f64> = tables.iter().map(|t| t.n).collect();
    let mut row = vec![0usize; k];
    let mut z = vec![0.0; k];
    let mut v = vec![0.0; k * k];
    let mut d_j = vec![0.0; k];
    let mut gone_j = vec![0.0; k];
    for &time in &times {
        for (j, t) in tables.iter().enumerate() {
            (d_j[j], gone_j[j]) = (0.0, 0.0);
            if t.times.get(row[j]) == Some(&time) {
                d_j[j] = t.events[row[j]];
                gone_j[j] = d_j[j] + t.censored[row[j]];
                row[j] += 1;
            }
        }
        let (n, d): (f64, f64) = (at_risk.iter().sum(), d_j.iter().sum());
        if d > 0.0 {
            // lifelines' factor: (n − d)/(n − 1) taken as 1 when n = 1.
            let ratio = if n > 1.0 { (n - d) / (n - 1.0) } else { 1.0 };
            let factor = ratio * d / (n * n);
            for a in 0..k {
                z[a] += d_j[a] - at_risk[a] * d / n;
                for b in 0..k {
                    let diag = if a == b { n * at_risk[a] } else { 0.0 };
                    v[a * k + b] += factor * (diag - at_risk[a] * at_risk[b]);
                }
            }
        }
        for j in 0..k {
            at_risk[j] -= gone_j[j];
        }
    }
    (z, v)
}

/// The log-rank test; `None` with fewer than two cohorts or when the covariance of the first
/// k − 1 cohorts is singular (no events to compare).
pub(crate) fn logrank(tables: &[&Table]) -> Option<LogRank> {
    let k = tables.len();
    if k < 2 {
        return None;
    }
    let (z, v) = observed_minus_expected(tables);
    let m = k - 1;
    let mut sub = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            sub[a * m + b] = v[a * k + b];
        }
    }
    let inv = spd_inverse(&sub, m)?;
    let mut statistic = 0.0;
    for a in 0..m {
        for b in 0..m {
            statistic += z[a] * inv[a * m + b] * z[b];
        }
    }
    Some(LogRank {
        statistic,
        df: m,
        p_value: chi2_sf(statistic, m),
    })
}

/// Holm's step-down adjusted p-values, in the order given: the i-th smallest of m is
/// multiplied by m − i + 1, made monotone, capped at 1.
pub(crate) fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (i, &k) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * p[k]).min(1.0));
        adjusted[k] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Record;

    #[test]
    fn chi2_sf_matches_scipy() {
        // scipy.stats.chi2.sf(3.841458820694124, 1) = 0.05; chi2.sf(10, 3) = 0.018566135463043...
        assert!((chi2_sf(3.841_458_820_694_124, 1) - 0.05).abs() < 1e-12);
        assert!((chi2_sf(10.0, 3) / 0.018_566_135_463_043_3 - 1.0).abs() < 1e-9);
        assert_eq!(chi2_sf(0.0, 2), 1.0);
    }

    #[test]
    fn holm_steps_down_and_stays_monotone() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5]);
        assert!((adj[0] - 0.04).abs() < 1e-15);
        assert!((adj[2] - 0.09).abs() < 1e-15);
        // 0.04 × 2 = 0.08 < 0.09: monotonicity lifts it.
        assert!((adj[1] - 0.09).abs() < 1e-15);
        assert!((adj[3] - 0.5).abs() < 1e-15);
        // 0.8 × 2 caps at 1, and 0.9 may not fall below it.
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
    }

    #[test]
    fn identical_cohorts_have_no_difference() {
        let r: Vec<Record> = (1..=20).map(|i| Record::event(i as f64)).collect();
        let t = Table::new(&r).expect("table");
        let lr = logrank(&[&t, &t]).expect("test");
        assert!(lr.statistic.abs() < 1e-12);
        assert!((lr.p_value - 1.0).abs() < 1e-9);
        assert!(logrank(&[&t]).is_none());
    }
}
