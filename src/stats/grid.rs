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

/// Values counted at their grid points: grid point (ms) → how many. Written as two parallel
/// arrays, `[[step, …], [count, …]]`: each point's number on the grid ([`index_of`]) as its
/// step from the previous one's (from 0 for the first), and its count — a few digits a point
/// where `[point_ms, count]` pairs took about ten.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Steps", into = "Steps")]
pub(crate) struct Grid {
    counts: BTreeMap<i64, u64>,
}

/// A grid as written: the points' steps on the grid and their counts, in the points' order.
type Steps = (Vec<i64>, Vec<u64>);

/// Why written counts are not a grid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum GridError {
    /// The two arrays differ in length.
    #[error("a grid's steps and counts differ in length ({0} and {1})")]
    Lengths(usize, usize),
    /// A step leads off the grid (its point does not fit in 64 bits) or back.
    #[error("a grid's step {0} leads to no point after the previous one")]
    Step(i64),
}

impl From<Vec<(i64, u64)>> for Grid {
    /// The grid of counts at grid points (ms), as a tally made them.
    fn from(v: Vec<(i64, u64)>) -> Self {
        let mut g = Grid::default();
        for (point, n) in v {
            g.add_at(point, n);
        }
        g
    }
}

impl TryFrom<Steps> for Grid {
    type Error = GridError;

    fn try_from((steps, counts): Steps) -> Result<Self, GridError> {
        if steps.len() != counts.len() {
            return Err(GridError::Lengths(steps.len(), counts.len()));
        }
        let mut g = Grid::default();
        let mut at = 0i64;
        for (i, (step, n)) in steps.into_iter().zip(counts).enumerate() {
            if i > 0 && step <= 0 {
                return Err(GridError::Step(step));
            }
            at = at.checked_add(step).ok_or(GridError::Step(step))?;
            g.add_at(point_of(at).ok_or(GridError::Step(step))?, n);
        }
        Ok(g)
    }
}

impl From<Grid> for Steps {
    fn from(g: Grid) -> Self {
        let mut last = 0i64;
        (g.counts.into_iter())
            .map(|(point, n)| {
                let at = index_of(point);
                let step = at - last;
                last = at;
                (step, n)
            })
            .unzip()
    }
}

/// Grid points from one second on: three significant digits, so 900 a decade.
const POINTS_A_DECADE: i64 = 900;

/// The number of grid point `point_ms` on the grid, in the points' order: the milliseconds
/// themselves below one second, then 900 numbers a decade (`1000` is 1 s, `1900` 10 s …);
/// negative points mirror positive ones.
pub(crate) fn index_of(point_ms: i64) -> i64 {
    let m = point_ms.unsigned_abs();
    let index = if m < EXACT_BELOW_MS as u64 {
        m as i64
    } else {
        let (mut mantissa, mut decade) = (m, 0i64);
        while mantissa >= 1_000 {
            mantissa /= 10;
            decade += 1;
        }
        EXACT_BELOW_MS + (decade - 1) * POINTS_A_DECADE + (mantissa as i64 - 100)
    };
    if point_ms < 0 {
        -index
    } else {
        index
    }
}

/// The grid point (ms) numbered `index` ([`index_of`]); `None` past 64 bits.
pub(crate) fn point_of(index: i64) -> Option<i64> {
    let i = index.checked_abs()?;
    let point = if i < EXACT_BELOW_MS {
        i
    } else {
        let k = i - EXACT_BELOW_MS;
        let decade = u32::try_from(k / POINTS_A_DECADE + 1).ok()?;
        (k % POINTS_A_DECADE + 100).checked_mul(10i64.checked_pow(decade)?)?
    };
    Some(if index < 0 { -point } else { point })
}

impl Grid {
    #[cfg(test)]
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
        // 0.25 s is point 250; 31.4 s is 1000 + 900 + 214 = 2114 (step 1864); 600 s is
        // 1000 + 2 × 900 + 500 = 3300 (step 1186).
        assert_eq!(text, "[[250,1864,1186],[2,1,1]]");
        assert_eq!(serde_json::from_str::<Grid>(&text).unwrap(), g);
        let empty = serde_json::to_string(&Grid::default()).unwrap();
        assert_eq!(empty, "[[],[]]");
        assert_eq!(
            serde_json::from_str::<Grid>(&empty).unwrap(),
            Grid::default()
        );
    }

    #[test]
    fn grid_numbers_count_the_points_in_order_and_read_back() {
        let mut last: Option<(i64, i64)> = None;
        for ms in -20_000i64..2_000_000 {
            let p = point_ms(ms);
            let i = index_of(p);
            assert_eq!(point_of(i), Some(p), "{ms} → {p} → {i}");
            if let Some((lp, li)) = last.filter(|(lp, _)| *lp != p) {
                // The next point along is the next number.
                assert_eq!(i, li + 1, "{lp} → {li}, {p} → {i}");
            }
            last = Some((p, i));
        }
        assert_eq!(index_of(1_000), 1_000);
        assert_eq!(index_of(9_990), 1_899);
        assert_eq!(index_of(10_000), 1_900);
        assert_eq!(point_of(i64::MAX), None);
        assert_eq!(point_of(i64::MIN), None);
    }

    #[test]
    fn written_counts_off_the_grid_are_refused() {
        let bad = |t: &str| serde_json::from_str::<Grid>(t).unwrap_err().to_string();
        assert!(bad("[[1,2],[1]]").contains("differ in length (2 and 1)"));
        assert!(bad("[[5,0],[1,1]]").contains("step 0 leads to no point"));
        assert!(bad("[[9223372036854775807],[1]]").contains("leads to no point"));
    }
}
