//! The numbers every chart draws, computed once when the report is built: histogram bins,
//! densities and survival curves sampled on a grid, the Kaplan–Meier steps with their band,
//! the fleet waterfall's rows, one boot's lanes and the phase bars. Charts only draw these, so
//! the Markdown and the SVG can never disagree.

use serde::{Deserialize, Serialize};

use crate::timeline::Outcome;

pub(crate) mod curves;
mod phases;
pub(crate) mod spans;

pub(crate) use curves::{count_past, distribution, drawn_models, marks, survival, tail};
pub(crate) use phases::{name_containers, phase_bars};
pub(crate) use spans::{category_names, lanes, waterfall, Categories};

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
