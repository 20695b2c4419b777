//! Two cohorts' Kaplan–Meier survival at one fixed time, compared on the log(−log) scale
//! (Klein, Logan, Harhoff & Andersen 2007, Statist. Med. 26:4505), as lifelines'
//! `survival_difference_at_fixed_point_in_time_test` computes it (docs/statistics.md §10).

use serde::{Deserialize, Serialize};

use super::logrank::chi2_sf;
use super::table::Table;

/// The fixed-time difference test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct DifferenceTest {
    /// (ln(−ln S_A) − ln(−ln S_B))² / (V_A / ln² S_A + V_B / ln² S_B), χ² with 1 df.
    pub(crate) statistic: f64,
    /// P(χ²₁ ≥ statistic).
    pub(crate) p_value: f64,
}

/// The test at time `t`; `None` where either cohort's S(t) is 0 or 1 (the transform is not
/// defined there) or the variance is zero.
pub(crate) fn difference_test(a: &Table, b: &Table, t: f64) -> Option<DifferenceTest> {
    let (sa, sb) = (a.survival(t), b.survival(t));
    if !(sa > 0.0 && sa < 1.0 && sb > 0.0 && sb < 1.0) {
        return None;
    }
    let clog = |s: f64| (-s.ln()).ln();
    let (va, vb) = (a.greenwood_interpolated(t), b.greenwood_interpolated(t));
    let denominator = va / sa.ln().powi(2) + vb / sb.ln().powi(2);
    if denominator.is_nan() || denominator <= 0.0 {
        return None;
    }
    let statistic = (clog(sa) - clog(sb)).powi(2) / denominator;
    Some(DifferenceTest {
        statistic,
        p_value: chi2_sf(statistic, 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Record;

    #[test]
    fn lifelines_docstring_example() {
        // lifelines' own docstring example: T1/E1 against T2 at 12.0 gives (lifelines 0.30.3)
        // statistic 0.08526084852093009, p 0.7702907499886611.
        let a: Vec<Record> = [
            (1.0, 1),
            (4.0, 0),
            (10.0, 1),
            (12.0, 0),
            (12.0, 1),
            (3.0, 1),
            (5.4, 1),
        ]
        .iter()
        .map(|&(t, e)| {
            if e == 1 {
                Record::event(t)
            } else {
                Record::censored(t)
            }
        })
        .collect();
        let b: Vec<Record> = [4.0, 5.0, 7.0, 11.0, 14.0, 20.0, 8.0, 8.0]
            .iter()
            .map(|&t| Record::event(t))
            .collect();
        let (ta, tb) = (Table::new(&a).expect("a"), Table::new(&b).expect("b"));
        let d = difference_test(&ta, &tb, 12.0).expect("test");
        assert!((d.statistic / 0.085_260_848_520_930_09 - 1.0).abs() < 1e-9);
        assert!((d.p_value / 0.770_290_749_988_661_1 - 1.0).abs() < 1e-9);
        assert!(difference_test(&ta, &tb, 0.5).is_none());
    }
}
