//! Empirical quantiles of complete data: Hyndman–Fan type 1 (inverted CDF) and type 7 (linear).

/// Hyndman–Fan type 7 (numpy `linear`, R default) of ascending `sorted` at level q ∈ [0, 1].
pub(crate) fn type7(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let j = h.floor() as usize;
    if j + 1 >= sorted.len() {
        return sorted.last().copied();
    }
    Some(sorted[j] + (h - j as f64) * (sorted[j + 1] - sorted[j]))
}

/// Hyndman–Fan type 1 (numpy `inverted_cdf`): x_(k), k = ⌈nq − 1e-9⌉ (1-based, at least 1).
pub(crate) fn type1(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let k = type1_rank(sorted.len(), q);
    sorted.get(k - 1).copied()
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
}
