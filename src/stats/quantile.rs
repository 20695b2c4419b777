//! Empirical quantiles of complete data: Hyndman–Fan type 1 (inverted CDF) and type 7 (linear).

/// Hyndman–Fan type 7 (numpy `linear`, R default) of ascending `sorted` at level q ∈ [0, 1].
pub(crate) fn type7(sorted: &[f64], q: f64) -> Option<f64> {
    type7_by(sorted.len(), q, |i| sorted[i])
}

/// Hyndman–Fan type 1 (numpy `inverted_cdf`): x_(k), k = ⌈nq − 1e-9⌉ (1-based, at least 1).
#[cfg(test)]
pub(crate) fn type1(sorted: &[f64], q: f64) -> Option<f64> {
    type1_by(sorted.len(), q, |i| sorted[i])
}

/// [`type7`] of ascending values given as runs `(value, how many times)`: the same number as
/// of the values repeated, without repeating them.
pub(crate) fn type7_of_runs(runs: &[(f64, u64)], q: f64) -> Option<f64> {
    type7_by(runs_len(runs), q, |i| run_value(runs, i))
}

/// [`type1`] of ascending values given as runs `(value, how many times)`.
pub(crate) fn type1_of_runs(runs: &[(f64, u64)], q: f64) -> Option<f64> {
    type1_by(runs_len(runs), q, |i| run_value(runs, i))
}

/// How many values the runs hold.
fn runs_len(runs: &[(f64, u64)]) -> usize {
    runs.iter().map(|r| r.1 as usize).sum()
}

/// The value at 0-based position `i` of the runs repeated (`i` below their length).
fn run_value(runs: &[(f64, u64)], i: usize) -> f64 {
    let mut below = 0usize;
    for &(v, n) in runs {
        below += n as usize;
        if i < below {
            return v;
        }
    }
    f64::NAN
}

/// Type 7 of `n` ascending values, `at(i)` the 0-based i-th.
fn type7_by(n: usize, q: f64, at: impl Fn(usize) -> f64) -> Option<f64> {
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (n - 1) as f64 * q;
    let j = h.floor() as usize;
    if j + 1 >= n {
        return Some(at(n - 1));
    }
    let (lo, hi) = (at(j), at(j + 1));
    Some(lo + (h - j as f64) * (hi - lo))
}

/// Type 1 of `n` ascending values, `at(i)` the 0-based i-th.
fn type1_by(n: usize, q: f64, at: impl Fn(usize) -> f64) -> Option<f64> {
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    Some(at(type1_rank(n, q) - 1))
}

/// The 1-based rank type 1 picks: ⌈nq − 1e-9⌉ clamped to [1, n].
pub(crate) fn type1_rank(n: usize, q: f64) -> usize {
    let k = (n as f64 * q - 1e-9).ceil();
    (k.max(1.0) as usize).min(n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_interpolates_like_numpy() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(type7(&x, 0.5), Some(2.5));
        assert_eq!(type7(&x, 1.0), Some(4.0));
        assert_eq!(type7(&x, 0.0), Some(1.0));
        assert!((type7(&x, 0.9).unwrap_or(0.0) - 3.7).abs() < 1e-12);
        assert_eq!(type7(&[], 0.5), None);
    }

    #[test]
    fn type1_uses_the_tie_tolerance() {
        let x = [10.0, 20.0, 30.0, 40.0];
        // n q = 2 exactly: rank 2, not 3.
        assert_eq!(type1(&x, 0.5), Some(20.0));
        assert_eq!(type1(&x, 0.51), Some(30.0));
        assert_eq!(type1(&x, 0.0), Some(10.0));
        assert_eq!(type1(&x, 0.999), Some(40.0));
    }

    #[test]
    fn runs_give_the_quantiles_of_the_values_repeated() {
        let runs = [(1.5, 3), (2.0, 1), (7.25, 4), (9.0, 2)];
        let repeated: Vec<f64> = runs
            .iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
            .collect();
        for q in [0.0, 0.1, 0.25, 0.5, 0.63, 0.9, 0.95, 0.999, 1.0] {
            assert_eq!(type7_of_runs(&runs, q), type7(&repeated, q), "{q}");
            assert_eq!(type1_of_runs(&runs, q), type1(&repeated, q), "{q}");
        }
        assert_eq!(type7_of_runs(&runs, 0.5), Some(7.25));
        assert_eq!(type7_of_runs(&[], 0.5), None);
        assert_eq!(type1_of_runs(&runs, 1.5), None);
    }
}
