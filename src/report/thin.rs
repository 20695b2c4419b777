//! What keeps `report.json` and the charts the same size at any fleet size: the marks the
//! charts draw one per boot (censored and stuck boots on the distribution, censoring ticks and
//! the boots the sweep failed on the survival tail) thinned to one per column of the axis they
//! are drawn on, their counts kept whole beside them. Kaplan–Meier is thinned where it is
//! sampled ([`super::figures::survival`]); lists of boots and instances are capped where they
//! are built, with the count of the rest. `docs/report.md` ("Size") lists every bound.

use std::ops::Range;

use super::figures::Figures;

/// Columns of an axis a mark can be told apart in: more than any chart's plot is wide in
/// pixels, and each mark is several pixels wide.
pub(crate) const COLUMNS: f64 = 900.0;

/// Thins every per-boot list of marks in the figures to one per column of its axis.
pub(crate) fn figures(f: &mut Figures) {
    let whole = 0.0..f.x_max_secs;
    let d = &mut f.distribution;
    // A stuck boot seen past the axis is drawn at its end: one column for all of them.
    d.censored_secs = per_column(&d.censored_secs, whole.clone());
    d.stuck_secs = per_column(&d.stuck_secs, whole.clone());
    if let Some(t) = &mut f.survival.tail {
        let axis = t.x_lo..t.x_hi;
        t.censored = per_column(&t.censored, axis.clone());
        t.false_failed = per_column(&t.false_failed, axis);
    }
}

/// The earliest time in each of [`COLUMNS`] columns of `axis` that holds one, ascending
/// (times past the axis's end fall in its last column, drawn there).
pub(crate) fn per_column(times: &[f64], axis: Range<f64>) -> Vec<f64> {
    let width = (axis.end - axis.start).max(f64::MIN_POSITIVE);
    let column = |t: f64| {
        ((t.min(axis.end) - axis.start) / width * COLUMNS)
            .floor()
            .min(COLUMNS - 1.0)
    };
    let mut sorted: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup_by(|later, earlier| column(*later) == column(*earlier));
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_keep_one_per_column_the_earliest_and_those_past_the_axis_share_its_end() {
        // A 900 s axis: one-second columns.
        let times = [5.2, 5.9, 5.0, 7.5, 899.5, 950.0, 3000.0, f64::NAN];
        assert_eq!(per_column(&times, 0.0..900.0), [5.0, 7.5, 899.5]);
        // On a zoomed axis the same times are told apart; those past its end share its last
        // column.
        assert_eq!(per_column(&times, 4.0..8.0), [5.0, 5.2, 5.9, 7.5, 899.5]);
        assert!(per_column(&[], 0.0..1.0).is_empty());
    }

    #[test]
    fn kaplan_meier_keeps_what_each_panel_draws_and_at_most_two_steps_a_column() {
        use crate::stats::km::KaplanMeier;
        use crate::stats::Record;
        // 100,000 exact latencies 4 ms apart, 100 s to 500 s: as many steps, none within
        // half a millisecond of a column's edge (edges fall on multiples of 1/1,500 s).
        let records: Vec<Record> = (0..100_000)
            .map(|i| Record::event(100.0007 + 0.004 * f64::from(i)))
            .collect();
        let km = KaplanMeier::fit(&records).expect("km");
        let (x_max, tail) = (600.0, 460.0..520.0);
        let s = crate::report::figures::survival(&km, &[], 0.95, (x_max, Some(tail.clone())));
        assert!(s.km.len() <= 2 * COLUMNS as usize, "{}", s.km.len());
        assert!(s.km.len() < km.steps.len() / 50);
        // The step function through the kept steps is Kaplan–Meier at every column's edge of
        // both axes: what either panel draws is unchanged.
        let kept_at = |t: f64| s.km.iter().rev().find(|p| p.t <= t).map_or(1.0, |p| p.s);
        let edges = |r: std::ops::Range<f64>| {
            (0..=COLUMNS as usize).map(move |k| r.start + (r.end - r.start) * k as f64 / COLUMNS)
        };
        for t in edges(0.0..x_max).chain(edges(tail)) {
            // Just inside the column that ends at t.
            let t = t - 1e-6;
            assert_eq!(kept_at(t), km.survival(t), "at {t}");
        }
        // The axis reaches a decade below the smallest positive Ŝ (1e-5), though that step
        // shares its column with the step to 0 and is not kept.
        assert!(!s.km.iter().any(|p| p.s > 0.0 && p.s < 2e-5));
        assert!(s.y_min <= 1e-6 && s.y_min >= 1e-7, "{}", s.y_min);
    }

    #[test]
    fn a_fleet_of_many_censored_stuck_and_false_failed_boots_draws_one_mark_a_column_and_says_how_many(
    ) {
        use crate::chart::{render, Kind};
        let mut report: crate::report::Report =
            serde_json::from_str(include_str!("../../reports/fleet/report.json"))
                .expect("reports/fleet/report.json reads back into a Report");
        // 20,000 of each, a millisecond apart, as a large fleet's lists would be.
        let spread =
            |from: f64| -> Vec<f64> { (0..20_000).map(|i| from + 1e-3 * f64::from(i)).collect() };
        let f = &mut report.figures;
        (f.distribution.censored_secs, f.distribution.n_censored) = (spread(600.0), 20_000);
        (f.distribution.stuck_secs, f.distribution.n_stuck) = (spread(905.0), 20_000);
        let tail = f.survival.tail.as_mut().expect("a tail");
        let from = tail.x_lo;
        (tail.censored, tail.n_censored) = (spread(from), 20_000);
        (tail.false_failed, tail.n_false_failed) = (spread(from), 20_000);
        figures(&mut report.figures);
        let f = &report.figures;
        let tail = f.survival.tail.as_ref().expect("a tail");
        for kept in [
            &f.distribution.censored_secs,
            &f.distribution.stuck_secs,
            &tail.censored,
            &tail.false_failed,
        ] {
            assert!(
                !kept.is_empty() && kept.len() <= COLUMNS as usize,
                "{}",
                kept.len()
            );
        }
        // 20 s of censored boots on a ~1,000 s axis: about 18 columns.
        assert!(f.distribution.censored_secs.len() < 30);
        // The legends count every boot, not the marks drawn.
        let distribution = render(Kind::Distribution, &report).expect("distribution");
        assert!(distribution.contains("cut off before registering (20000)"));
        assert!(distribution.contains("stuck (20000)"));
        let survival = render(Kind::Survival, &report).expect("survival");
        assert!(survival.contains("registered later (20000)"));
        assert!(distribution.len() < 100_000 && survival.len() < 100_000);
    }

    #[test]
    fn a_million_marks_become_at_most_one_per_column() {
        let times: Vec<f64> = (0..1_000_000)
            .map(|i| 600.0 + f64::from(i) * 1e-3)
            .collect();
        let kept = per_column(&times, 0.0..1800.0);
        // 600 s to 1600 s: half of the 900 columns.
        assert_eq!(kept.len(), 500);
        assert_eq!(kept.first(), Some(&600.0));
        // The earliest in each 2 s column: about 2 s apart (to the 1 ms spacing).
        assert!(kept.windows(2).all(|w| (w[1] - w[0] - 2.0).abs() < 2e-3));
    }
}
