//! The curves the distribution and survival charts draw: the latency histogram, fitted
//! densities and survival curves sampled on a grid, the false-fail region, the Kaplan–Meier
//! steps with their band thinned to what a chart can show, and the tail view. They are
//! computed from latencies and fits alone, with no boot in sight, so they stand apart from
//! the waterfall and the lanes.

use super::{Bin, Curve, Distribution, FalseFail, KmPoint, Survival, Tail};
use crate::render::numbers::secs_plain;
use crate::stats::fit::FittedModel;
use crate::stats::km::KaplanMeier;

/// Points on the grid of sampled curves.
const GRID_POINTS: usize = 240;
/// Most bins of the latency histogram (wider bins past it, whatever the fleet's size).
pub(crate) const MAX_BINS: usize = 300;
/// Fitted models drawn (best BIC first).
const MODELS_DRAWN: usize = 3;

/// A bin width of 1, 2 or 5 × 10^k seconds near `raw`.
pub(crate) fn nice_width(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let step = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    step * mag
}

/// Bins exact latencies at a Freedman–Diaconis width rounded to a nice number; bin edges are
/// multiples of the width.
#[cfg(test)]
pub(crate) fn histogram(exact: &[f64]) -> (f64, Vec<Bin>) {
    histogram_counted(&exact.iter().map(|x| (*x, 1)).collect::<Vec<_>>())
}

/// [`histogram`] of values given with how many times each occurs: the same bins as of the
/// values repeated, in memory for the values given.
pub(crate) fn histogram_counted(exact: &[(f64, u64)]) -> (f64, Vec<Bin>) {
    let mut v: Vec<(f64, u64)> = (exact.iter().copied())
        .filter(|(x, n)| x.is_finite() && *n > 0)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (Some(&(lo, _)), Some(&(hi, _))) = (v.first(), v.last()) else {
        return (1.0, Vec::new());
    };
    let n: u64 = v.iter().map(|x| x.1).sum();
    let q = |p: f64| crate::stats::quantile::type7_of_runs(&v, p).unwrap_or(lo);
    let iqr = q(0.75) - q(0.25);
    let raw = if iqr > 0.0 {
        2.0 * iqr / (n as f64).cbrt()
    } else {
        (hi - lo).max(1.0) / 10.0
    };
    let mut width = nice_width(raw);
    // Freedman–Diaconis narrows the bins as the fleet grows (n^-1/3): past [`MAX_BINS`] they
    // are narrower than the chart can draw.
    while (hi / width).floor() - (lo / width).floor() >= MAX_BINS as f64 {
        width = nice_width(2.0 * width);
    }
    let first = (lo / width).floor();
    let n_bins = ((hi / width).floor() - first) as usize + 1;
    let mut bins: Vec<Bin> = (0..n_bins)
        .map(|i| {
            let lo = (first + i as f64) * width;
            Bin {
                lo,
                hi: lo + width,
                count: 0,
            }
        })
        .collect();
    for (x, count) in v {
        let i = (((x / width).floor() - first) as usize).min(n_bins - 1);
        bins[i].count += count as usize;
    }
    (width, bins)
}

fn grid(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    let step = (hi - lo) / (GRID_POINTS - 1) as f64;
    (0..GRID_POINTS).map(move |i| lo + step * i as f64)
}

fn model_label(i: usize, m: &FittedModel) -> String {
    if i == 0 {
        format!("{} (best BIC)", m.family.name())
    } else {
        m.family.name().to_string()
    }
}

/// The fitted models to draw, best BIC first.
pub(crate) fn drawn_models<'a>(ranked: &[&'a FittedModel]) -> Vec<&'a FittedModel> {
    ranked.iter().take(MODELS_DRAWN).copied().collect()
}

/// Histogram, scaled densities and the false-fail region.
pub(crate) fn distribution(
    exact: &[(f64, u64)],
    n_records: usize,
    models: &[&FittedModel],
    current_secs: f64,
    x_max: f64,
) -> Distribution {
    let (bin_secs, bins) = histogram_counted(exact);
    let n_exact = exact.iter().map(|x| x.1 as usize).sum::<usize>();
    let scale = n_records as f64 * bin_secs;
    let x_lo = bins.first().map_or(0.0, |b| b.lo);
    let density = |m: &FittedModel, from: f64| -> Vec<[f64; 2]> {
        grid(from, x_max)
            .map(|t| [t, scale * m.family.ln_pdf(&m.theta, t).exp()])
            .filter(|p| p[1].is_finite())
            .collect()
    };
    let densities = models
        .iter()
        .enumerate()
        .map(|(i, m)| Curve {
            label: model_label(i, m),
            points: density(m, x_lo),
        })
        .collect();
    let false_fail = models.first().filter(|_| current_secs < x_max).map(|m| {
        let s = m.family.healthy_ln_sf(&m.theta, current_secs).exp();
        FalseFail {
            label: format!(
                "healthy boots failed at {} s: {:.2} % ({})",
                secs_plain(current_secs),
                100.0 * s,
                m.family.name()
            ),
            share: s,
            from_secs: current_secs,
            points: density(m, current_secs),
        }
    });
    Distribution {
        bin_secs,
        bins,
        n_exact,
        n_censored: n_records - n_exact,
        densities,
        false_fail,
        censored_secs: Vec::new(),
        stuck_secs: Vec::new(),
        n_stuck: 0,
        n_stuck_past_axis: 0,
    }
}

/// Kaplan–Meier steps with band, thinned to the columns of the whole curve's axis
/// (`0..x_max`) and of the tail's (`tail`, when drawn), and fitted survival curves clipped at
/// the axis bottom.
pub(crate) fn survival(
    km: &KaplanMeier,
    models: &[&FittedModel],
    confidence: f64,
    (x_max, tail): (f64, Option<std::ops::Range<f64>>),
) -> Survival {
    let points: Vec<KmPoint> = thinned(&km.steps, x_max, tail)
        .filter_map(|st| {
            let p = km.survival_point(st.time, confidence).ok()?;
            Some(KmPoint {
                t: st.time,
                s: st.surv,
                lo: p.ci_loglog[0],
                hi: p.ci_loglog[1],
            })
        })
        .collect();
    // Of every step, not only those kept: the last positive Ŝ may share its column with the
    // step to 0.
    let smallest = (km.steps.iter())
        .map(|st| st.surv)
        .filter(|s| *s > 0.0)
        .fold(1.0f64, f64::min);
    // A decade below the smallest positive Ŝ, and at least down to 10⁻³ (the 0.1 % target).
    let y_min = 10f64.powf((smallest.log10().floor() - 1.0).min(-3.0));
    let curves = models
        .iter()
        .enumerate()
        .map(|(i, m)| Curve {
            label: model_label(i, m),
            points: grid(0.0, x_max)
                .map(|t| [t, m.family.healthy_ln_sf(&m.theta, t).exp()])
                .filter(|p| p[1].is_finite() && p[1] >= y_min)
                .collect(),
        })
        .collect();
    Survival {
        km: points,
        models: curves,
        y_min,
        confidence,
        tail: None,
    }
}

/// Columns of the widest plot a step can be told apart in.
const KM_COLUMNS: f64 = 900.0;

/// Kaplan–Meier steps thinned to what a chart can show: the last step (the lowest Ŝ) in each
/// of [`KM_COLUMNS`] columns of the whole curve's axis, `0..x_max`, and in each of as many
/// columns of the tail's axis, `tail`, where the decision is read (with the last step before
/// it, where the tail's curve starts). A step function drawn
/// through the last step of each column is the one drawn through them all, so at most twice
/// [`KM_COLUMNS`] steps are kept, whatever the fleet's size.
fn thinned(
    steps: &[crate::stats::km::Step],
    x_max: f64,
    tail: Option<std::ops::Range<f64>>,
) -> impl Iterator<Item = &crate::stats::km::Step> {
    let whole = move |t: f64| (t / x_max * KM_COLUMNS).floor();
    // Before the tail's axis: its own column, where the tail's curve starts from.
    let zoomed = move |t: f64| {
        let r = tail.as_ref().filter(|r| r.end > r.start && t <= r.end)?;
        Some(
            ((t - r.start) / (r.end - r.start) * KM_COLUMNS)
                .floor()
                .max(-1.0),
        )
    };
    steps.iter().enumerate().filter_map(move |(i, st)| {
        let next = steps.get(i + 1);
        let last_in_whole = next.is_none_or(|n| whole(n.time) != whole(st.time));
        let last_in_tail =
            zoomed(st.time).is_some_and(|c| next.is_none_or(|n| zoomed(n.time) != Some(c)));
        (last_in_whole || last_in_tail).then_some(st)
    })
}

/// What the tail view needs beyond the whole curve: the range from about p90 to past the
/// recommended line, the models sampled there, the censoring and false-failed boots, and the
/// numbers at risk.
pub(crate) fn tail(
    records: &[(crate::stats::Record, u64)],
    false_failed: Vec<(f64, u64)>,
    models: &[&FittedModel],
    (target, proposed): (f64, f64),
    km: &KaplanMeier,
) -> Option<Tail> {
    let x_lo = km.steps.iter().find(|s| s.surv <= 0.1)?.time;
    let slowest = (records.iter()).fold(0.0, |m, (r, _)| r.duration_secs.max(m));
    // At least a second wide, should the slowest record and the line both lie at the p90.
    let x_hi = x_lo + ((proposed.max(slowest) - x_lo) * 1.12).max(1.0);
    let lowest = models
        .iter()
        .map(|m| m.family.healthy_ln_sf(&m.theta, proposed).exp())
        .chain([target, km.surv_at_last_event()])
        .filter(|s| *s > 0.0 && s.is_finite())
        .fold(1.0f64, f64::min);
    let y_min = 10f64.powf(lowest.log10().floor().clamp(-9.0, -3.0));
    let curves = models
        .iter()
        .enumerate()
        .map(|(i, m)| Curve {
            label: model_label(i, m),
            points: grid(x_lo, x_hi)
                .map(|t| [t, m.family.healthy_ln_sf(&m.theta, t).exp()])
                .filter(|p| p[1].is_finite() && p[1] >= y_min && p[1] <= 0.2)
                .collect(),
        })
        .collect();
    let in_tail = |t: &f64| (x_lo..=x_hi).contains(t);
    // Each distinct time once, with its count: the marks are thinned to one per column
    // ([`super::thin`]), which a time repeated does not change.
    let censored = marks(
        (records.iter())
            .filter(|(r, _)| r.censored && in_tail(&r.duration_secs))
            .map(|(r, n)| (r.duration_secs, *n)),
    );
    let false_failed = marks(false_failed.into_iter().filter(|(t, _)| in_tail(t)));
    Some(Tail {
        x_lo,
        x_hi,
        y_min,
        target,
        models: curves,
        n_censored: censored.1,
        censored: censored.0,
        n_false_failed: false_failed.1,
        false_failed: false_failed.0,
        at_risk: at_risk(records, x_lo, x_hi),
    })
}

/// Times given with counts as marks: each distinct time once, ascending (in time order,
/// whatever order they came in: boots read, or a summary's rows), and how many they count.
pub(crate) fn marks(times: impl Iterator<Item = (f64, u64)>) -> (Vec<f64>, usize) {
    let mut total = 0usize;
    let mut v: Vec<f64> = times
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| {
            total += n as usize;
            t
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| a.to_bits() == b.to_bits());
    (v, total)
}

/// How many of the times given with counts lie past `end`.
pub(crate) fn count_past(times: &[(f64, u64)], end: f64) -> usize {
    (times.iter().filter(|(t, _)| *t > end))
        .map(|(_, n)| *n as usize)
        .sum()
}

/// Records at risk (duration ≥ t) at round times across `lo..hi`.
fn at_risk(records: &[(crate::stats::Record, u64)], lo: f64, hi: f64) -> Vec<(f64, usize)> {
    let step = nice_width((hi - lo) / 6.0);
    let first = (lo / step).ceil() as i64;
    (first..)
        .map(|k| k as f64 * step)
        .take_while(|t| *t <= hi)
        .map(|t| {
            let at_or_after = records.iter().filter(|(r, _)| r.duration_secs >= t);
            (t, at_or_after.map(|(_, n)| *n as usize).sum())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_widths_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_width(13.0), 10.0);
        assert_eq!(nice_width(17.0), 20.0);
        assert_eq!(nice_width(0.04), 0.05);
        assert_eq!(nice_width(80.0), 100.0);
        assert_eq!(nice_width(f64::NAN), 1.0);
    }

    #[test]
    fn marks_are_each_distinct_time_once_in_order_with_the_count_of_all() {
        let given = [(620.5, 3), (601.0, 1), (620.5, 2), (700.0, 0), (599.0, 4)];
        assert_eq!(
            marks(given.into_iter()),
            (vec![599.0, 601.0, 620.5], 10),
            "a count of 0 is no mark"
        );
        assert_eq!(marks(std::iter::empty()), (Vec::new(), 0));
    }

    #[test]
    fn counts_past_an_end_are_of_the_times_strictly_after_it() {
        let given = [(954.0, 2), (954.5, 3), (1134.0, 1), (80.0, 7)];
        assert_eq!(count_past(&given, 954.0), 4);
        assert_eq!(count_past(&given, 2000.0), 0);
        assert_eq!(count_past(&[], 0.0), 0);
    }

    #[test]
    fn histogram_of_counted_values_is_the_histogram_of_the_values_repeated() {
        let counted = [(310.2, 40), (305.0, 1), (420.0, 7), (305.0, 2), (900.5, 1)];
        let repeated: Vec<f64> = (counted.iter())
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
            .collect();
        let (width, bins) = histogram_counted(&counted);
        assert_eq!(
            (width, &bins),
            (histogram(&repeated).0, &histogram(&repeated).1)
        );
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 51);
    }

    #[test]
    fn histogram_bins_every_value_once_on_multiples_of_the_width() {
        let v: Vec<f64> = (0..200).map(|i| 300.0 + (i as f64 * 7.3) % 250.0).collect();
        let (w, bins) = histogram(&v);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), v.len());
        for b in &bins {
            assert!(((b.lo / w) - (b.lo / w).round()).abs() < 1e-9, "{b:?}");
            assert!((b.hi - b.lo - w).abs() < 1e-9);
        }
        // Each value lies in its bin.
        for x in &v {
            let n = bins.iter().filter(|b| b.lo <= *x && *x < b.hi).count();
            assert_eq!(n, 1, "{x}");
        }
        assert!(histogram(&[]).1.is_empty());
        // All equal: one bin holding them all.
        let (_, one) = histogram(&[5.0, 5.0, 5.0]);
        assert_eq!(one.iter().map(|b| b.count).collect::<Vec<_>>(), [3]);
        // A million latencies between 300 s and 310 s and one at 1,000 s: Freedman–Diaconis
        // would give 0.1 s bins (7,000 of them); the histogram widens them (0.2, 0.5, 1, 2,
        // 5 s) to stay within what the chart draws.
        let mut many: Vec<f64> = (0..1_000_000)
            .map(|i| 300.0 + f64::from(i) * 1e-5)
            .collect();
        many.push(1000.0);
        let (w, bins) = histogram(&many);
        assert!(bins.len() <= MAX_BINS, "{} bins of {w} s", bins.len());
        assert_eq!(w, 5.0);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), many.len());
    }
}
