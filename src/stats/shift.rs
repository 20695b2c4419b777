//! Quantile shifts between cohorts with percentile-bootstrap intervals (docs/statistics.md
//! §10). A resample draws n records from a cohort's life table by multinomial sampling over
//! its rows (conditional binomials), so it costs the number of distinct times, not n.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use super::quantile::type7;
use super::rng::SplitMix64;
use super::table::Table;

/// Resamples per cohort.
pub(crate) const BOOTSTRAP_RESAMPLES: usize = 1000;
/// The seed of the first cohort's resamples (cohort i uses this + i).
pub(crate) const BOOTSTRAP_SEED: u64 = 20_261_205;

/// A later cohort's Kaplan–Meier quantile minus an earlier one's, with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct QuantileShift {
    /// Level q.
    pub(crate) q: f64,
    /// The earlier cohort's quantile (`None`: not reached).
    pub(crate) before: Option<f64>,
    /// The later cohort's quantile.
    pub(crate) after: Option<f64>,
    /// after − before, seconds (positive: slower).
    pub(crate) shift: Option<f64>,
    /// Percentile-bootstrap interval of the shift; `None` when too many resamples do not
    /// reach the level in either cohort.
    pub(crate) ci: Option<[f64; 2]>,
}

/// One Binomial(n, p) draw: inversion when n·min(p, 1 − p) < 10, else Hörmann's (1993)
/// transformed rejection BTRS.
pub(crate) fn binomial(rng: &mut SplitMix64, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    if (n as f64) * p < 10.0 {
        return binomial_inversion(rng, n, p);
    }
    btrs(rng, n as f64, p) as u64
}

/// Inversion by the recurrence of the probabilities (small means).
fn binomial_inversion(rng: &mut SplitMix64, n: u64, p: f64) -> u64 {
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let mut r = q.powf(n as f64);
    let mut u = rng.next_open01();
    let mut x = 0u64;
    while u > r && x < n {
        u -= r;
        x += 1;
        r *= a / x as f64 - s;
    }
    x
}

/// BTRS for n·p ≥ 10, p ≤ ½ (Hörmann 1993, "The generation of binomial random variates").
fn btrs(rng: &mut SplitMix64, n: f64, p: f64) -> f64 {
    let q = 1.0 - p;
    let spq = (n * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = n * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * spq;
    let lpq = (p / q).ln();
    let m = ((n + 1.0) * p).floor();
    let h = ln_gamma(m + 1.0) + ln_gamma(n - m + 1.0);
    loop {
        let u = rng.next_open01() - 0.5;
        let v = rng.next_open01();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + c).floor();
        if k < 0.0 || k > n {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k;
        }
        let lv = (v * alpha / (a / (us * us) + b)).ln();
        if lv <= h - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0) + (k - m) * lpq {
            return k;
        }
    }
}

/// One resample of n records from the table: each row's events and censorings are a cell of
/// a multinomial with probability count / n.
fn resample(table: &Table, rng: &mut SplitMix64) -> Table {
    let mut left_n = table.n as u64;
    let mut left_mass = table.n;
    let mut draw = |count: f64| -> f64 {
        if count == 0.0 || left_n == 0 {
            return 0.0;
        }
        let x = binomial(rng, left_n, (count / left_mass).min(1.0));
        left_n -= x;
        left_mass -= count;
        x as f64
    };
    let mut events = Vec::with_capacity(table.times.len());
    let mut censored = Vec::with_capacity(table.times.len());
    for k in 0..table.times.len() {
        events.push(draw(table.events[k]));
        censored.push(draw(table.censored[k]));
    }
    table.with_counts(events, censored)
}

/// The cohort's Kaplan–Meier quantiles at `levels` in each of `resamples` resamples
/// (`[resample][level]`).
pub(crate) fn bootstrap_quantiles(
    table: &Table,
    levels: &[f64],
    resamples: usize,
    seed: u64,
) -> Vec<Vec<Option<f64>>> {
    let mut rng = SplitMix64::new(seed);
    (0..resamples)
        .map(|_| {
            let r = resample(table, &mut rng);
            levels.iter().map(|&q| r.quantile(q)).collect()
        })
        .collect()
}

/// The shift at level index `level` between two cohorts, with the percentile interval at
/// `confidence` over the resamples where both cohorts reach the level; no interval when fewer
/// than a share `confidence` of the resamples do.
pub(crate) fn quantile_shift(
    tables: [&Table; 2],
    boots: [&[Vec<Option<f64>>]; 2],
    q: f64,
    level: usize,
    confidence: f64,
) -> QuantileShift {
    let (before, after) = (tables[0].quantile(q), tables[1].quantile(q));
    let mut shifts: Vec<f64> = boots[0]
        .iter()
        .zip(boots[1])
        .filter_map(|(b, a)| Some(a[level]? - b[level]?))
        .collect();
    shifts.sort_by(f64::total_cmp);
    let enough = shifts.len() as f64 >= confidence * boots[0].len().min(boots[1].len()) as f64;
    let tail = (1.0 - confidence) / 2.0;
    let ci = match (enough, type7(&shifts, tail), type7(&shifts, 1.0 - tail)) {
        (true, Some(lo), Some(hi)) => Some([lo, hi]),
        _ => None,
    };
    QuantileShift {
        q,
        before,
        after,
        shift: after.zip(before).map(|(a, b)| a - b),
        ci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Record;

    #[test]
    fn binomial_draws_have_the_right_mean_and_variance() {
        for &(n, p) in &[(20u64, 0.1), (1000, 0.3), (1_000_000, 0.002), (50, 0.9)] {
            let mut rng = SplitMix64::new(7);
            let draws: Vec<f64> = (0..20_000)
                .map(|_| binomial(&mut rng, n, p) as f64)
                .collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // Four standard errors of the mean; the variance within 5 %.
            assert!(
                (mean - m).abs() < 4.0 * (v / 20_000.0).sqrt(),
                "n={n} p={p} mean={mean}"
            );
            assert!((var / v - 1.0).abs() < 0.05, "n={n} p={p} var={var}");
            assert!(draws.iter().all(|&x| x >= 0.0 && x <= n as f64));
        }
    }

    #[test]
    fn a_resample_keeps_n_and_the_rows() {
        let recs: Vec<Record> = (0..5000)
            .map(|i| Record::event(100.0 + (i % 97) as f64))
            .chain((0..300).map(|_| Record::censored(600.0)))
            .collect();
        let t = Table::new(&recs).expect("table");
        let mut rng = SplitMix64::new(1);
        let r = resample(&t, &mut rng);
        assert_eq!(r.n, 5300.0);
        assert_eq!(r.times, t.times);
        assert_ne!(r.events, t.events);
        // The censored share stays near 300/5300.
        assert!((r.n_censored() - 300.0).abs() < 4.0 * 300f64.sqrt());
    }

    #[test]
    fn a_shift_of_thirty_seconds_is_found_and_covered() {
        // Two cohorts 400..=599 s, the second 30 s later: every quantile shifts by 30 s.
        let a: Vec<Record> = (0..2000)
            .map(|i| Record::event(400.0 + (i % 200) as f64))
            .collect();
        let b: Vec<Record> = a
            .iter()
            .map(|r| Record::event(r.duration_secs + 30.0))
            .collect();
        let (ta, tb) = (Table::new(&a).expect("a"), Table::new(&b).expect("b"));
        let levels = [0.5, 0.9];
        let ba = bootstrap_quantiles(&ta, &levels, 300, 1);
        let bb = bootstrap_quantiles(&tb, &levels, 300, 2);
        let s = quantile_shift([&ta, &tb], [&ba, &bb], 0.9, 1, 0.95);
        assert_eq!(s.shift, Some(30.0));
        let [lo, hi] = s.ci.expect("interval");
        assert!(
            lo < 30.0 && 30.0 < hi && lo > 15.0 && hi < 45.0,
            "[{lo}, {hi}]"
        );
    }
}
