//! The numbers every chart draws, computed once when the report is built: histogram bins,
//! densities and survival curves sampled on a grid, the Kaplan–Meier steps with their band,
//! the fleet waterfall's rows, one boot's lanes and the phase bars. Charts only draw these, so
//! the Markdown and the SVG can never disagree.

use serde::{Deserialize, Serialize};

use super::class::PhaseReport;
use crate::render::numbers::secs_plain;
use crate::stats::fit::FittedModel;
use crate::stats::km::KaplanMeier;
use crate::timeline::lean::{Interner, LeanBoot};
use crate::timeline::{Boot, Outcome};

/// Points on the grid of sampled curves.
const GRID_POINTS: usize = 240;
/// Most bins of the latency histogram (wider bins past it, whatever the fleet's size).
pub(crate) const MAX_BINS: usize = 300;
/// Fitted models drawn (best BIC first).
const MODELS_DRAWN: usize = 3;
/// Healthy boots drawn in the waterfall: the slowest ones (the rest are counted).
pub(crate) const WATERFALL_HEALTHY_ROWS: usize = 60;
/// Most boots drawn of each outcome that did not register (killed, stuck, crashed): the
/// slowest ones (the rest are counted).
pub(crate) const WATERFALL_GROUP_ROWS: usize = 120;
/// Most bars of the phase chart.
const PHASE_BARS: usize = 10;
/// Most module lanes of the timeline chart.
const MODULE_LANES: usize = 3;

/// What a vertical line marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The timeout in force.
    Current,
    /// The recommended timeout.
    Proposed,
    /// The class's stuck threshold.
    Stuck,
}

/// A vertical line at a time, with its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeMark {
    /// What it marks.
    pub kind: LineKind,
    /// Seconds from the zero.
    pub secs: f64,
    /// Label drawn beside it (`current 600 s`).
    pub(crate) label: String,
}

/// One histogram bin: [lo, hi) and its count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Bin {
    /// Left edge, seconds.
    pub(crate) lo: f64,
    /// Right edge, seconds.
    pub(crate) hi: f64,
    /// Exact latencies in the bin.
    pub(crate) count: usize,
}

/// A sampled curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Curve {
    /// Legend label (`lognormal (best BIC)`).
    pub(crate) label: String,
    /// (x, y) points in x order.
    pub(crate) points: Vec<[f64; 2]>,
}

/// The distribution chart: histogram of exact latencies, fitted densities scaled to counts per
/// bin, and the false-fail region under the best model beyond the current timeout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Bin width, seconds.
    pub(crate) bin_secs: f64,
    /// Bins in order.
    pub(crate) bins: Vec<Bin>,
    /// Exact latencies binned.
    pub(crate) n_exact: usize,
    /// Censored records (not binned; they shape the fits).
    pub(crate) n_censored: usize,
    /// Densities × records × bin width.
    pub(crate) densities: Vec<Curve>,
    /// The region past the current timeout, under the best model.
    pub false_fail: Option<FalseFail>,
    /// Censored records' times (killed by the sweep, or still booting when the logs end), one
    /// per column of the chart's axis ([`super::thin`]); `n_censored` counts them all.
    #[serde(default)]
    pub(crate) censored_secs: Vec<f64>,
    /// Stuck boots' last observed moments, one per column of the chart's axis.
    #[serde(default)]
    pub(crate) stuck_secs: Vec<f64>,
    /// Stuck boots, all of them.
    #[serde(default)]
    pub(crate) n_stuck: usize,
    /// Stuck boots last seen past the axis's end (`Figures::x_max_secs`): drawn as one mark at
    /// the end, labelled with this count.
    #[serde(default)]
    pub(crate) n_stuck_past_axis: usize,
}

/// The false-fail region: healthy boots the current timeout fails, under the best model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FalseFail {
    /// Legend label (`healthy boots failed at 600 s: 0.21 % (lognormal)`).
    pub(crate) label: String,
    /// The share of healthy boots that have not registered by the timeout.
    pub share: f64,
    /// Where the region starts: the current timeout, seconds.
    pub(crate) from_secs: f64,
    /// The best model's scaled density from the timeout on.
    pub(crate) points: Vec<[f64; 2]>,
}

/// One Kaplan–Meier step with its pointwise log(−log) band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct KmPoint {
    /// Event time, seconds.
    pub(crate) t: f64,
    /// Ŝ just after t.
    pub(crate) s: f64,
    /// Band lower limit.
    pub(crate) lo: Option<f64>,
    /// Band upper limit.
    pub(crate) hi: Option<f64>,
}

/// The survival chart on a log y axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Survival {
    /// Kaplan–Meier steps.
    pub(crate) km: Vec<KmPoint>,
    /// Fitted survival curves (healthy part), best BIC first.
    pub(crate) models: Vec<Curve>,
    /// Bottom of the y axis (curves are clipped there).
    pub(crate) y_min: f64,
    /// Two-sided confidence of the band.
    pub(crate) confidence: f64,
    /// The tail, where the decision lives: from about p90 to past the recommended line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tail: Option<Tail>,
}

/// The survival chart's tail view on a log axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tail {
    /// Left end of the time axis: about the p90 (where Kaplan–Meier falls to 10 %), seconds.
    pub(crate) x_lo: f64,
    /// Right end: past the recommended line and the slowest record, seconds.
    pub(crate) x_hi: f64,
    /// Bottom of the log axis: below every model at the recommended line.
    pub(crate) y_min: f64,
    /// The policy's target: the share of healthy boots a timeout may fail.
    pub(crate) target: f64,
    /// Fitted survival curves over the tail, best BIC first.
    pub(crate) models: Vec<Curve>,
    /// Censored records' times in the tail (Kaplan–Meier's ticks), one per column of the
    /// tail's axis ([`super::thin`]).
    pub(crate) censored: Vec<f64>,
    /// Censored records in the tail, all of them.
    #[serde(default)]
    pub(crate) n_censored: usize,
    /// Latencies of the boots the sweep failed that registered later, one per column of the
    /// tail's axis.
    pub(crate) false_failed: Vec<f64>,
    /// Boots the sweep failed that registered later, in the tail, all of them.
    #[serde(default)]
    pub(crate) n_false_failed: usize,
    /// Records still at risk (not registered, not censored) at times along the axis.
    pub(crate) at_risk: Vec<(f64, usize)>,
}

/// A span of one waterfall row or lane.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Span {
    /// Start, seconds.
    pub(crate) start: f64,
    /// End, seconds.
    pub(crate) end: f64,
    /// Index into the categories.
    pub(crate) category: usize,
}

/// One boot of the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Row {
    /// Instance id.
    pub(crate) instance: String,
    /// What became of it.
    pub(crate) outcome: Outcome,
    /// Latency (exact or censored) or, without one, the last observed moment.
    pub(crate) end_secs: f64,
    /// Spans drawn in order (later ones over earlier ones).
    pub(crate) spans: Vec<Span>,
}

/// The fleet waterfall: the slowest healthy boots by latency, then every boot that did not
/// register (killed, stuck, crashed, each group by its end), coloured by phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Waterfall {
    /// Category names (colours), in legend order.
    pub(crate) categories: Vec<String>,
    /// Rows, top to bottom: healthy boots fastest first, then the other groups.
    pub(crate) rows: Vec<Row>,
    /// Boots of the class with an end time.
    pub(crate) n_boots: usize,
    /// Healthy boots not drawn (all faster than the fastest drawn).
    pub(crate) healthy_not_drawn: usize,
    /// Boots that did not register and are not drawn (faster ones of a large group).
    #[serde(default)]
    pub(crate) others_not_drawn: usize,
    /// The latest row end (stuck boots run long) with a margin, or the fleet charts' axis end
    /// when later. The chart's own axis ends sooner, past the decision lines and the longest
    /// healthy or killed row, and draws the rows past it clipped and marked.
    pub(crate) x_max_secs: f64,
}

/// One lane of a boot's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lane {
    /// Lane label.
    pub(crate) label: String,
    /// Start, seconds.
    pub(crate) start: f64,
    /// End, seconds.
    pub(crate) end: f64,
    /// Index into the waterfall's categories (same colours in both charts).
    pub(crate) category: usize,
}

/// One boot as lanes with milestone ticks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lanes {
    /// Instance id.
    pub(crate) instance: String,
    /// Lanes, top to bottom.
    pub(crate) lanes: Vec<Lane>,
    /// Milestones (name, seconds).
    pub ticks: Vec<(String, f64)>,
    /// The boot's last moment (register, or last observation).
    pub(crate) end_secs: f64,
    /// What became of the boot (the chart says it in words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Outcome>,
}

/// One phase's bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PhaseBar {
    /// Phase name.
    pub(crate) phase: String,
    /// Median duration.
    pub(crate) p50: f64,
    /// 90th percentile.
    pub(crate) p90: f64,
    /// 99th percentile.
    pub(crate) p99: f64,
    /// Share of the slow boots' excess latency this phase explains, when blamed.
    pub(crate) blame_share: Option<f64>,
    /// The tail-blame level the share belongs to (`stages`, `modules`, `sub_phases`): shares
    /// add up within a level, never across levels (a module lies inside its stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) blame_level: Option<String>,
    /// The phase it lies within (a module's stage, a sub-phase's stage), when nested: its time
    /// is part of that phase's, not added to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) within: Option<String>,
}

/// Everything the charts draw, for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// The class drawn.
    pub(crate) class: String,
    /// Right end of the time axes of the fleet charts, seconds.
    pub(crate) x_max_secs: f64,
    /// Current, proposed and stuck lines.
    pub marks: Vec<TimeMark>,
    /// Histogram and densities.
    pub distribution: Distribution,
    /// Kaplan–Meier and fitted survival.
    pub(crate) survival: Survival,
    /// The fleet waterfall.
    pub(crate) waterfall: Waterfall,
    /// One boot's lanes (the worked instance).
    pub lanes: Option<Lanes>,
    /// Per-phase p50/p90/p99, the slowest p99 first.
    pub(crate) phases: Vec<PhaseBar>,
}

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

/// Categories of spans, in legend order: the wait for the kernel, boot-level phases, the
/// cloud-init stages, marker sub-phases, the agent's register call.
#[derive(Debug, Default)]
pub(crate) struct Categories {
    names: Vec<String>,
}

/// The category of the wait from launch to the kernel's start.
pub(crate) const LAUNCH_TO_KERNEL: &str = "launch → kernel";
/// Fewest categories coloured apart; later ones share `other`.
const MAX_CATEGORIES: usize = 10;

impl Categories {
    fn index(&mut self, name: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        if self.names.len() + 1 >= MAX_CATEGORIES {
            return self.index_other();
        }
        self.names.push(name.to_string());
        self.names.len() - 1
    }

    fn index_other(&mut self) -> usize {
        match self.names.iter().position(|n| n == "other") {
            Some(i) => i,
            None => {
                self.names.push("other".into());
                self.names.len() - 1
            }
        }
    }
}

/// The phases of a boot that colour its waterfall row: boot-level phases and stages first,
/// marker sub-phases over them (a sub-phase lies inside a stage).
fn row_spans(b: &LeanBoot, cats: &mut Categories) -> Vec<Span> {
    let mut spans = Vec::new();
    if let (crate::timeline::Zero::Launch, Some(k)) = (b.zero, b.kernel_secs) {
        if k > 0.0 {
            spans.push(Span {
                start: 0.0,
                end: k,
                category: cats.index(LAUNCH_TO_KERNEL),
            });
        }
    }
    let end = b.observed_secs.unwrap_or(0.0);
    for depth in [0u8, 1, 3] {
        for p in b.phases.iter().filter(|p| p.depth == depth) {
            let start = p.start_secs();
            let stop = p.end_secs().unwrap_or(end.max(start));
            if stop > start {
                spans.push(Span {
                    start,
                    end: stop,
                    category: cats.index(p.name),
                });
            }
        }
    }
    spans
}

/// A boot's end on the waterfall: its latency, else its last observed moment.
fn row_end(latency: Option<crate::timeline::Latency>, observed: Option<f64>) -> Option<f64> {
    latency.map(|l| l.secs).or(observed)
}

/// Where a boot's row goes: healthy boots (registered, or failed by the sweep and registered
/// later) first, then killed, stuck and crashed ones, each group in its own band.
pub(crate) fn row_group(o: Outcome) -> u8 {
    match o {
        Outcome::Registered | Outcome::FalseFailed => 0,
        Outcome::TimedOut => 1,
        Outcome::Stuck => 2,
        Outcome::Crashed => 3,
        Outcome::Unknown => 4,
    }
}

/// A boot's row on the waterfall: its group and end, when it has an end; a boot whose latency
/// is implausible under `max_plausible_secs` has none (the report names it), as it is left out
/// of every fit.
pub(crate) fn row_of(b: &LeanBoot, max_plausible_secs: f64) -> Option<(u8, f64)> {
    if b.latency
        .is_some_and(|l| l.plausibility(max_plausible_secs).is_err())
    {
        return None;
    }
    Some((row_group(b.outcome), row_end(b.latency, b.observed_secs)?))
}

/// The fleet waterfall of one class: the slowest healthy boots and the slowest of each group
/// that did not register, drawn from `boots` (which hold at least those:
/// [`crate::summary::boots::drawn`]); `ranked` counts every boot of each group with a row,
/// drawn or not.
pub(crate) fn waterfall<'a>(
    boots: impl IntoIterator<Item = &'a LeanBoot>,
    ranked: [u64; crate::summary::boots::ROW_GROUPS],
    max_plausible_secs: f64,
    cats: &mut Categories,
) -> Waterfall {
    let mut rows_of: Vec<(&LeanBoot, u8, f64)> = (boots.into_iter())
        .filter_map(|b| row_of(b, max_plausible_secs).map(|(g, end)| (b, g, end)))
        .collect();
    rows_of.sort_by(|a, b| {
        (a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then_with(|| a.0.instance.cmp(&b.0.instance))
    });
    let x_max_secs = rows_of.iter().map(|r| r.2).fold(1.0, f64::max) * 1.04;
    let mut rows = Vec::new();
    let (mut healthy_not_drawn, mut others_not_drawn) = (0, 0);
    for group in rows_of.chunk_by(|a, b| a.1 == b.1) {
        let healthy = group[0].1 == 0;
        let keep = if healthy {
            WATERFALL_HEALTHY_ROWS
        } else {
            WATERFALL_GROUP_ROWS
        };
        let drawn = &group[group.len().saturating_sub(keep)..];
        let skipped = ranked[usize::from(group[0].1)] as usize - drawn.len();
        *(if healthy {
            &mut healthy_not_drawn
        } else {
            &mut others_not_drawn
        }) += skipped;
        rows.extend(drawn.iter().map(|(b, _, end)| Row {
            instance: b.instance.to_string(),
            outcome: b.outcome,
            end_secs: *end,
            spans: row_spans(b, cats),
        }));
    }
    Waterfall {
        categories: Vec::new(),
        rows,
        n_boots: ranked.iter().sum::<u64>() as usize,
        healthy_not_drawn,
        others_not_drawn,
        x_max_secs,
    }
}

/// One boot as lanes: the wait for the kernel, boot-level phases, each stage, its longest
/// modules, marker sub-phases, the agent's register call; milestones that are not a lane's
/// edge as ticks.
pub(crate) fn lanes(b: &Boot, cats: &mut Categories) -> Lanes {
    let end = row_end(b.latency, b.observed_secs).unwrap_or(0.0);
    let mut lanes: Vec<Lane> = Vec::new();
    for s in row_spans(&Interner::default().lean(b), cats) {
        let label = cats.names.get(s.category).cloned().unwrap_or_default();
        lanes.push(Lane {
            label,
            start: s.start,
            end: s.end,
            category: s.category,
        });
    }
    // Longest modules, each drawn in its stage's colour, right below the stages.
    let mut modules: Vec<(&crate::timeline::Phase, f64)> = b
        .phases
        .iter()
        .filter(|p| p.depth == 2)
        .filter_map(|p| Some((p, p.duration_secs()?)))
        .collect();
    modules.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    let stage_of = |name: &str| name.split('/').next().unwrap_or(name).to_string();
    let mut module_lanes: Vec<Lane> = modules
        .iter()
        .take(MODULE_LANES)
        .map(|(p, d)| Lane {
            label: p.name.clone(),
            start: p.start_secs,
            end: p.start_secs + d,
            category: cats.index(&stage_of(&p.name)),
        })
        .collect();
    module_lanes.sort_by(|a, b| a.start.total_cmp(&b.start));
    // Lanes in time order, modules after their stage.
    lanes.extend(module_lanes);
    lanes.sort_by(|a, b| {
        a.start
            .total_cmp(&b.start)
            .then_with(|| a.label.len().cmp(&b.label.len()))
    });
    let edges = ["_start", "_finish"];
    let ticks = b
        .milestones
        .iter()
        .filter(|m| !edges.iter().any(|e| m.name.ends_with(e)) || m.name == "kernel_start")
        .map(|m| (m.name.clone(), m.at_secs))
        .collect();
    Lanes {
        instance: b.instance.clone(),
        lanes,
        ticks,
        end_secs: end,
        outcome: Some(b.outcome),
    }
}

/// The phases with the slowest p99 as bars, each with its tail-blame share where blamed.
pub(crate) fn phase_bars(phases: &PhaseReport) -> Vec<PhaseBar> {
    let share = |name: &str| {
        phases
            .tail_blame
            .levels()
            .iter()
            .filter_map(|(level, b)| Some((*level, (*b)?)))
            .flat_map(|(level, b)| b.phases.iter().map(move |p| (level, p)))
            .find(|(_, p)| p.phase == name)
            .map(|(level, p)| (level, p.share))
    };
    let mut q: Vec<_> = phases.quantiles.iter().collect();
    q.sort_by(|a, b| b.p99.total_cmp(&a.p99).then_with(|| a.phase.cmp(&b.phase)));
    q.iter()
        .take(PHASE_BARS)
        .map(|p| PhaseBar {
            phase: p.phase.clone(),
            p50: p.p50,
            p90: p.p90,
            p99: p.p99,
            blame_share: share(&p.phase).map(|(_, s)| s),
            blame_level: share(&p.phase).map(|(level, _)| level.to_string()),
            within: None,
        })
        .collect()
}

/// Names the phase each bar lies within, as the first boot that places it in one shows it: a
/// module's stage (its name's prefix), a sub-phase's stage (the one running when it started).
pub(crate) fn name_containers(
    bars: &mut [PhaseBar],
    within: &std::collections::BTreeMap<String, crate::summary::boots::First<String>>,
) {
    for bar in bars.iter_mut() {
        bar.within = within.get(&bar.phase).map(|f| f.value.clone());
    }
}

/// Finishes the categories (the waterfall and the lanes share them).
pub(crate) fn category_names(cats: Categories) -> Vec<String> {
    cats.names
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

    fn boot(instance: &str, secs: f64, outcome: Outcome) -> Boot {
        let json = format!(
            r#"{{"schema_version":1,"instance":"{instance}","workspace":null,"class":"default","template":null,"boot":1,"zero":"launch","zero_wall":null,"launched":null,"outcome":"{}","latency":{{"secs":{secs},"censored":false,"from":"launch"}},"timeout_secs":600.0,"stuck_threshold_secs":900.0,"observed_secs":{secs},"evidence":null,"phases":[{{"name":"modules-final","depth":1,"start_secs":20.0,"end_secs":{secs},"result":null,"source":"x:1"}}],"milestones":[{{"name":"kernel_start","at_secs":10.0,"wall":null,"source":"x:1"}}],"clock_skew_secs":null,"sources":[]}}"#,
            outcome.as_str()
        );
        serde_json::from_str(&json).expect("boot")
    }

    #[test]
    fn a_large_fleet_draws_its_slowest_healthy_boots_then_every_killed_stuck_and_crashed_one() {
        let mut boots: Vec<Boot> = (0..2501)
            .map(|i| boot(&format!("i-{i:05}"), 100.0 + i as f64, Outcome::Registered))
            .collect();
        // A crashed boot ends early, a stuck one late: each goes to its own group.
        boots.push(boot("i-crashed", 40.0, Outcome::Crashed));
        boots.push(boot("i-stuck", 3000.0, Outcome::Stuck));
        boots.push(boot("i-killed", 630.0, Outcome::TimedOut));
        let mut cats = Categories::default();
        let limit = crate::config::DEFAULT_MAX_PLAUSIBLE_SECS;
        let lean = crate::timeline::lean::lean_all(&boots);
        let counts = crate::summary::boots::BootCounts::of(&lean, limit);
        // Drawn from the boots a summary keeps: the slowest of each group, and no others.
        let keep = crate::summary::boots::drawn(lean.iter(), limit);
        let kept: Vec<LeanBoot> = (lean.iter())
            .filter(|b| keep.contains(&(b.instance.clone(), b.boot)))
            .cloned()
            .collect();
        assert_eq!(kept.len(), WATERFALL_HEALTHY_ROWS + 3);
        let w = waterfall(&kept, counts.rows, limit, &mut cats);
        assert_eq!(w.n_boots, 2504);
        assert_eq!(w.healthy_not_drawn, 2501 - WATERFALL_HEALTHY_ROWS);
        assert_eq!(w.rows.len(), WATERFALL_HEALTHY_ROWS + 3);
        let healthy: Vec<f64> = w.rows[..WATERFALL_HEALTHY_ROWS]
            .iter()
            .map(|r| r.end_secs)
            .collect();
        assert_eq!(healthy.first(), Some(&2541.0));
        assert_eq!(healthy.last(), Some(&2600.0));
        assert!(healthy.windows(2).all(|p| p[0] < p[1]));
        let tail: Vec<&str> = w.rows[WATERFALL_HEALTHY_ROWS..]
            .iter()
            .map(|r| r.instance.as_str())
            .collect();
        assert_eq!(tail, ["i-killed", "i-stuck", "i-crashed"]);
        // Launch → kernel, then the stage, each in its own colour.
        let names = category_names(cats);
        assert_eq!(names, [LAUNCH_TO_KERNEL, "modules-final"]);
        assert_eq!(w.rows[0].spans[0].end, 10.0);
    }
}
