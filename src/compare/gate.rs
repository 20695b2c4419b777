//! The regression gate (docs/statistics.md §10, §10.1): a later cohort fails it when it is
//! slower at the gate quantile by more than the tolerance and its log-rank p-value, Holm-
//! corrected over the gated pairs, is below α. A pair with too few exact records, or whose
//! gate quantile is not reached, is not gated: data that cannot decide never fail a CI job.

use serde::Serialize;

use crate::stats::logrank::{holm, LogRank};
use crate::stats::shift::QuantileShift;

/// Exact records each cohort of a pair needs before the pair is gated.
pub(crate) const MIN_EXACT: usize = crate::recommend::COHORT_MIN_RECORDS;

/// What the gate is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GateOptions {
    /// The quantile compared (0.9: p90).
    pub(crate) quantile: f64,
    /// Seconds of slowdown allowed.
    pub(crate) tolerance_secs: f64,
    /// The significance level of the corrected log-rank p-value.
    pub(crate) alpha: f64,
}

/// One pair's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// Slower by more than the tolerance, significantly: the gate fails.
    Slower,
    /// Slower by more than the tolerance, but not significantly.
    NotSignificant,
    /// Not slower by more than the tolerance.
    NotSlower,
    /// A cohort has fewer than [`MIN_EXACT`] exact records: not gated.
    InsufficientData,
    /// A cohort's gate quantile is not reached (censored above it): not gated.
    NotReached,
}

/// The gate's reading of one pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct PairGate {
    /// after − before at the gate quantile, seconds.
    pub(crate) shift_secs: Option<f64>,
    /// The pair's log-rank p-value.
    pub(crate) p_value: Option<f64>,
    /// Holm-corrected over the gated pairs (`null`: not gated).
    pub(crate) p_adjusted: Option<f64>,
    /// The verdict.
    pub(crate) verdict: Verdict,
}

impl PairGate {
    /// The pair before the correction: shift and p-value, and whether data allow a verdict
    /// (`exact`: exact records of the earlier and the later cohort).
    pub(crate) fn pending(
        shifts: &[QuantileShift],
        quantile: f64,
        logrank: Option<&LogRank>,
        exact: [usize; 2],
    ) -> Self {
        let shift_secs = shifts
            .iter()
            .find(|s| s.q == quantile)
            .and_then(|s| s.shift);
        let p_value = logrank.map(|l| l.p_value);
        let verdict = if exact.iter().any(|&n| n < MIN_EXACT) || p_value.is_none() {
            Verdict::InsufficientData
        } else if shift_secs.is_none() {
            Verdict::NotReached
        } else {
            Verdict::NotSlower
        };
        Self {
            shift_secs,
            p_value,
            p_adjusted: None,
            verdict,
        }
    }

    fn gated(&self) -> bool {
        !matches!(
            self.verdict,
            Verdict::InsufficientData | Verdict::NotReached
        )
    }
}

/// The gate over all pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Gate {
    /// The quantile compared.
    pub(crate) quantile: f64,
    /// Seconds of slowdown allowed.
    pub(crate) tolerance_secs: f64,
    /// Significance level.
    pub(crate) alpha: f64,
    /// The correction over gated pairs.
    pub(crate) correction: &'static str,
    /// Pairs gated.
    pub(crate) gated_pairs: usize,
    /// Whether any pair is significantly slower.
    pub(crate) failed: bool,
}

/// Corrects the gated pairs' p-values (Holm) and decides each pair and the gate.
pub(crate) fn decide<'a>(
    pairs: impl Iterator<Item = &'a mut PairGate>,
    options: &GateOptions,
) -> Gate {
    let mut gated: Vec<&mut PairGate> = pairs.filter(|p| p.gated()).collect();
    let p: Vec<f64> = gated.iter().map(|g| g.p_value.unwrap_or(1.0)).collect();
    let adjusted = holm(&p);
    let mut failed = false;
    for (g, &adj) in gated.iter_mut().zip(&adjusted) {
        g.p_adjusted = Some(adj);
        let slower = g.shift_secs.is_some_and(|s| s > options.tolerance_secs);
        g.verdict = match (slower, adj < options.alpha) {
            (true, true) => Verdict::Slower,
            (true, false) => Verdict::NotSignificant,
            (false, _) => Verdict::NotSlower,
        };
        failed |= g.verdict == Verdict::Slower;
    }
    Gate {
        quantile: options.quantile,
        tolerance_secs: options.tolerance_secs,
        alpha: options.alpha,
        correction: "holm",
        gated_pairs: gated.len(),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(shift: f64, p: f64, exact: usize) -> PairGate {
        let s = QuantileShift {
            q: 0.9,
            before: Some(500.0),
            after: Some(500.0 + shift),
            shift: Some(shift),
            ci: None,
        };
        let lr = LogRank {
            statistic: 1.0,
            df: 1,
            p_value: p,
        };
        PairGate::pending(&[s], 0.9, Some(&lr), [exact, exact])
    }

    #[test]
    fn holm_decides_which_slower_pair_fails() {
        let opts = GateOptions {
            quantile: 0.9,
            tolerance_secs: 5.0,
            alpha: 0.01,
        };
        // Alone, p = 0.006 fails; beside a second gated pair Holm doubles it to 0.012.
        let mut one = [pending(20.0, 0.006, 500)];
        assert!(decide(one.iter_mut(), &opts).failed);
        let mut two = [pending(20.0, 0.006, 500), pending(1.0, 0.5, 500)];
        let gate = decide(two.iter_mut(), &opts);
        assert!(!gate.failed);
        assert_eq!(gate.gated_pairs, 2);
        assert_eq!(two[0].verdict, Verdict::NotSignificant);
        assert_eq!(two[0].p_adjusted, Some(0.012));
        assert_eq!(two[1].verdict, Verdict::NotSlower);
    }

    #[test]
    fn too_few_exact_records_are_not_gated() {
        let opts = GateOptions {
            quantile: 0.9,
            tolerance_secs: 0.0,
            alpha: 0.01,
        };
        let mut pairs = [pending(60.0, 1e-9, 10)];
        let gate = decide(pairs.iter_mut(), &opts);
        assert!(!gate.failed);
        assert_eq!(gate.gated_pairs, 0);
        assert_eq!(pairs[0].verdict, Verdict::InsufficientData);
        assert_eq!(pairs[0].p_adjusted, None);
    }
}
