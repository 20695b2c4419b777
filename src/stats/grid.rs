//! Durations counted on a fixed grid (docs/statistics.md §8): whole milliseconds below one
//! second, three significant digits from one second on, so a value read back is within 0.5 %
//! of the one counted (0.5 ms below one second). Counts are integers on fixed keys, so two
//! grids merge exactly, in any order and grouping, and a quantile read from the merge is the
//! one read from all the values counted at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Below this many milliseconds a value is kept whole.
const EXACT_BELOW_MS: i64 = 1_000;

/// The grid point `ms` is counted at: itself below one second, else rounded (half up) to three
/// significant digits; negative values mirror positive ones.
pub(crate) fn point_ms(ms: i64) -> i64 {
    let m = ms.unsigned_abs();
    if m < EXACT_BELOW_MS as u64 {
        return ms;
    }
    let mut step = 1u64;
    while m / step >= 1_000 {
        step *= 10;
    }
    let rounded = (m + step / 2) / step * step;
    let rounded = i64::try_from(rounded).unwrap_or(i64::MAX);
    if ms < 0 {
        -rounded
    } else {
        rounded
    }
}

/// Seconds as whole milliseconds (every source's times are whole milliseconds).
pub(crate) fn ms_of(secs: f64) -> i64 {
    (secs * 1e3).round() as i64
}

/// Values counted at their grid points: grid point (ms) → how many.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<(i64, u64)>", into = "Vec<(i64, u64)>")]
pub(crate) struct Grid {
    counts: BTreeMap<i64, u64>,
}

impl From<Vec<(i64, u64)>> for Grid {
    fn from(v: Vec<(i64, u64)>) -> Self {
        let mut g = Grid::default();
        for (point, n) in v {
            g.add_at(point, n);
        }
        g
    }
}

impl From<Grid> for Vec<(i64, u64)> {
    fn from(g: Grid) -> Self {
        g.counts.into_iter().collect()
    }
}

impl Grid {
    /// Counts one value of `secs` (non-finite values are not counted).
    pub(crate) fn add_secs(&mut self, secs: f64) {
        if secs.is_finite() {
            self.add_at(point_ms(ms_of(secs)), 1);
        }
    }

    /// Counts `n` values at grid point `point_ms` (a point read back from a grid).
    pub(crate) fn add_at(&mut self, point_ms: i64, n: u64) {
        if n > 0 {
            *self.counts.entry(point_ms).or_default() += n;
        }
    }

    /// Adds another grid's counts.
    pub(crate) fn merge(&mut self, other: &Grid) {
        for (&p, &n) in &other.counts {
            self.add_at(p, n);
        }
    }

    /// How many values were counted.
    pub(crate) fn n(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The type-7 quantile `q` (docs/statistics.md §2) of the values as their grid points, in
    /// seconds: the sorted points' `(n − 1)q`-th, interpolated linearly, as
    /// [`super::quantile::type7`] reads the same points one by one. `None` when empty.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.n();
        if n == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let h = (n - 1) as f64 * q;
        let j = h.floor() as u64;
        let lo = self.nth(j)?;
        if j + 1 >= n {
            return Some(secs(lo));
        }
        let hi = self.nth(j + 1)?;
        Some(secs(lo) + (h - j as f64) * (secs(hi) - secs(lo)))
    }

    /// The grid point of the `i`-th value in sorted order (0-based).
    fn nth(&self, i: u64) -> Option<i64> {
        let mut seen = 0u64;
        for (&p, &n) in &self.counts {
            seen += n;
            if i < seen {
                return Some(p);
            }
        }
        None
    }
}

/// A grid point in seconds.
pub(crate) fn secs(point_ms: i64) -> f64 {
    point_ms as f64 / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile::type7;

    #[test]
    fn points_are_whole_milliseconds_below_a_second_then_three_significant_digits() {
        assert_eq!(point_ms(0), 0);
        assert_eq!(point_ms(999), 999);
        assert_eq!(point_ms(1_004), 1_000);
        assert_eq!(point_ms(1_005), 1_010);
        assert_eq!(point_ms(12_345), 12_300);
        assert_eq!(point_ms(99_950), 100_000);
        assert_eq!(point_ms(612_499), 612_000);
        assert_eq!(point_ms(612_500), 613_000);
        assert_eq!(point_ms(-12_345), -12_300);
    }

    #[test]
    fn a_point_lies_within_half_a_percent_of_its_value() {
        for ms in (0..5_000_000i64).step_by(997) {
            let p = point_ms(ms);
            let err = (p - ms).abs() as f64;
            assert!(err <= 0.5 || err <= 0.005 * ms as f64, "{ms} → {p}");
        }
    }

    #[test]
    fn quantiles_are_type_7_over_the_points_and_merges_are_exact() {
        let values: Vec<f64> = (0..301).map(|i| 0.5 + (i * i) as f64 * 0.0371).collect();
        let (mut a, mut b, mut all) = (Grid::default(), Grid::default(), Grid::default());
        for (i, v) in values.iter().enumerate() {
            all.add_secs(*v);
            if i % 3 == 0 { &mut a } else { &mut b }.add_secs(*v);
        }
        let mut points: Vec<f64> = values.iter().map(|v| secs(point_ms(ms_of(*v)))).collect();
        points.sort_by(f64::total_cmp);
        for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(all.quantile(q), type7(&points, q), "q {q}");
        }
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, all);
        assert_eq!(b, all);
        assert_eq!(all.n(), 301);
        assert_eq!(Grid::default().quantile(0.5), None);
    }

    #[test]
    fn a_grid_reads_back_what_it_wrote() {
        let mut g = Grid::default();
        for v in [0.25, 0.25, 31.4159, 600.0] {
            g.add_secs(v);
        }
        let text = serde_json::to_string(&g).unwrap();
        assert_eq!(text, "[[250,2],[31400,1],[600000,1]]");
        assert_eq!(serde_json::from_str::<Grid>(&text).unwrap(), g);
    }
}
