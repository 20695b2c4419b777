//! Comparing cohorts of one class (docs/statistics.md §10): per cohort the Kaplan–Meier
//! quantiles and the false-fail share at the current timeout; across cohorts the log-rank
//! test, S(T) and the fixed-time test at chosen times; for each later cohort against the one
//! before it the quantile shifts with bootstrap intervals, whether the log-rank test and the
//! tail disagree, which phases moved, and the regression gate.
//!
//! [`compare`] turns [`Cohort`]s and [`Options`] into one serialisable [`Comparison`]; the
//! renderers (`render/compare.rs`, `chart/compare.rs`) only read it.

pub(crate) mod blame;
pub(crate) mod cohort;
pub(crate) mod gate;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::report::class::PhaseReport;
use crate::stats::fixed_time::{difference_test, DifferenceTest};
use crate::stats::km::KaplanMeier;
use crate::stats::logrank::{logrank, LogRank};
use crate::stats::shift::{bootstrap_quantiles, quantile_shift, QuantileShift};
use crate::stats::table::Table;
use crate::stats::{level_name, Record, Sample, StatsError};

pub(crate) use blame::PhaseShift;
pub(crate) use gate::{Gate, GateOptions, PairGate, Verdict};

/// One cohort's quantiles in each bootstrap resample (`[resample][level]`).
type Resamples = Vec<Vec<Option<f64>>>;

/// The JSON schema version of `bootline compare`.
pub(crate) const SCHEMA_VERSION: u32 = 1;
/// The quantile levels compared: p50, p90, p99.
pub(crate) const LEVELS: [f64; 3] = [0.5, 0.9, 0.99];

/// One cohort as the comparison reads it.
#[derive(Debug, Clone)]
pub(crate) struct Cohort {
    /// Its name (an input's name, a label's value).
    pub(crate) name: String,
    /// Its latency records, the killed boots censored, each with how many attempts it stands
    /// for (one each from boots and durations files; a summary's distinct values counted).
    pub(crate) records: Vec<(Record, u64)>,
    /// Its per-phase statistics, when it was read from boots.
    pub(crate) phases: Option<PhaseReport>,
    /// Each phase's nesting depth, by name.
    pub(crate) phase_depths: BTreeMap<String, u8>,
}

/// What the comparison is asked for.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The class compared (`None` for plain durations files).
    pub(crate) class: Option<String>,
    /// The label the cohorts are the values of, if any.
    pub(crate) group_by: Option<String>,
    /// The class's current timeout, seconds.
    pub(crate) current_timeout_secs: f64,
    /// The timeout recommended for the pooled cohorts, if any.
    pub(crate) recommended_timeout_secs: Option<f64>,
    /// Times for S(T) and the fixed-time test (empty: the current and recommended timeouts).
    pub(crate) at: Vec<f64>,
    /// Confidence of the intervals.
    pub(crate) confidence: f64,
    /// Bootstrap resamples per cohort, and the seed of the first.
    pub(crate) resamples: usize,
    /// Seed of the first cohort's resamples.
    pub(crate) seed: u64,
    /// The regression gate.
    pub(crate) gate: GateOptions,
}

/// A quantile with its interval (band inversion, docs/statistics.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Quantile {
    /// Seconds; `null` when Ŝ never gets that low.
    pub(crate) estimate: Option<f64>,
    /// Two-sided interval.
    pub(crate) ci: [Option<f64>; 2],
}

/// One cohort's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Group {
    /// Name.
    pub(crate) name: String,
    /// Records.
    pub(crate) n: usize,
    /// Of which censored.
    pub(crate) n_censored: usize,
    /// Kaplan–Meier median, seconds (`null`: not reached).
    pub(crate) km_median: Option<f64>,
    /// p50, p90, p99 with intervals, by level name.
    pub(crate) quantiles: BTreeMap<String, Quantile>,
    /// Ŝ at the current timeout: the share of boots slower than it.
    pub(crate) false_fail_share: f64,
}

/// S(T) of every cohort at one time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct At {
    /// Time, seconds.
    pub(crate) t: f64,
    /// Ŝ(t) per cohort, in order.
    pub(crate) survival: Vec<f64>,
    /// With two cohorts: the fixed-time test (`null` where an S(t) is 0 or 1); absent with
    /// more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) difference_test: Option<Option<DifferenceTest>>,
}

/// How the log-rank test and the tail disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Disagreement {
    /// The median and the gate quantile moved in opposite directions: the curves cross.
    Crossing,
    /// The log-rank test sees no difference, but the gate quantile moved (its interval
    /// excludes 0).
    TailOnly,
}

/// A later cohort against the one before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Pair {
    /// The earlier cohort.
    pub(crate) before: String,
    /// The later cohort.
    pub(crate) after: String,
    /// The two-sample log-rank test.
    pub(crate) logrank: Option<LogRank>,
    /// Quantile shifts (after − before) at p50, p90, p99 and the gate quantile.
    pub(crate) shifts: Vec<QuantileShift>,
    /// Where the log-rank test and the tail disagree.
    pub(crate) disagreement: Option<Disagreement>,
    /// Phases by how much their p90 moved, most first.
    pub(crate) blame: Vec<PhaseShift>,
    /// The pair's gate verdict.
    pub(crate) gate: PairGate,
}

/// The whole comparison, as `--format json` writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Comparison {
    /// Schema version (1).
    pub(crate) schema_version: u32,
    /// The class compared.
    pub(crate) class: Option<String>,
    /// The label the cohorts are the values of.
    pub(crate) group_by: Option<String>,
    /// The class's current timeout, seconds.
    pub(crate) current_timeout_secs: f64,
    /// The timeout recommended for the pooled cohorts.
    pub(crate) recommended_timeout_secs: Option<f64>,
    /// Confidence of the intervals.
    pub(crate) confidence: f64,
    /// Bootstrap resamples per cohort.
    pub(crate) resamples: usize,
    /// The cohorts, in order.
    pub(crate) groups: Vec<Group>,
    /// The k-sample log-rank test.
    pub(crate) logrank: Option<LogRank>,
    /// S(T) (and the fixed-time test) at each time.
    pub(crate) at: Vec<At>,
    /// Each later cohort against the one before it.
    pub(crate) pairs: Vec<Pair>,
    /// The regression gate over the pairs.
    pub(crate) gate: Gate,
    /// Each cohort's Kaplan–Meier steps (time, Ŝ), thinned for drawing; not serialised.
    #[serde(skip)]
    pub(crate) curves: Vec<Vec<[f64; 2]>>,
}

impl Comparison {
    /// Whether the gate failed (exit 1).
    pub(crate) fn failed(&self) -> bool {
        self.gate.failed
    }
}

/// Compares the cohorts (at least two, each with records).
pub(crate) fn compare(cohorts: &[Cohort], options: &Options) -> Result<Comparison, StatsError> {
    let tables = cohorts
        .iter()
        .map(|c| Table::weighted(c.records.iter().copied()))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = cohorts
        .par_iter()
        .map(|c| group(c, options))
        .collect::<Result<Vec<_>, _>>()?;
    let levels = levels(options.gate.quantile);
    let boots: Vec<Resamples> = tables
        .par_iter()
        .enumerate()
        .map(|(i, t)| bootstrap_quantiles(t, &levels, options.resamples, options.seed + i as u64))
        .collect();
    let refs: Vec<&Table> = tables.iter().collect();
    let mut pairs: Vec<Pair> = (1..cohorts.len())
        .map(|i| pair(cohorts, (&tables, &boots), &levels, i, options))
        .collect();
    let gate = gate::decide(pairs.iter_mut().map(|p| &mut p.gate), &options.gate);
    Ok(Comparison {
        schema_version: SCHEMA_VERSION,
        class: options.class.clone(),
        group_by: options.group_by.clone(),
        current_timeout_secs: options.current_timeout_secs,
        recommended_timeout_secs: options.recommended_timeout_secs,
        confidence: options.confidence,
        resamples: options.resamples,
        groups,
        logrank: logrank(&refs),
        at: times(options).into_iter().map(|t| at(&tables, t)).collect(),
        pairs,
        gate,
        curves: tables.iter().map(curve).collect(),
    })
}

/// Ŝ changes smaller than this on the log scale are not drawn as steps of their own.
const CURVE_LOG_STEP: f64 = 0.002;

/// The Kaplan–Meier steps of a table, keeping a step where ln Ŝ moved by at least
/// [`CURVE_LOG_STEP`] since the last kept one, and the last step.
fn curve(table: &Table) -> Vec<[f64; 2]> {
    let steps = table.steps();
    let mut out: Vec<[f64; 2]> = Vec::new();
    let mut last_ln = 0.0f64;
    for (k, &[t, s]) in steps.iter().enumerate() {
        let ln = s.ln();
        if k + 1 == steps.len() || (ln - last_ln).abs() >= CURVE_LOG_STEP || s == 0.0 {
            out.push([t, s]);
            last_ln = ln;
        }
    }
    out
}

/// The levels compared: [`LEVELS`] and the gate's, ascending.
fn levels(gate_quantile: f64) -> Vec<f64> {
    let mut v = LEVELS.to_vec();
    if !v.contains(&gate_quantile) {
        v.push(gate_quantile);
        v.sort_by(f64::total_cmp);
    }
    v
}

/// The times of `at[]`: as asked, else the current and the recommended timeout.
fn times(options: &Options) -> Vec<f64> {
    if !options.at.is_empty() {
        return options.at.clone();
    }
    let mut t = vec![options.current_timeout_secs];
    if let Some(r) = options.recommended_timeout_secs.filter(|r| !t.contains(r)) {
        t.push(r);
    }
    t
}

/// One cohort's summary from its Kaplan–Meier curve.
fn group(c: &Cohort, options: &Options) -> Result<Group, StatsError> {
    let sample = Sample::weighted(c.records.iter().copied())?;
    let km = KaplanMeier::of_sample(&sample);
    let mut quantiles = BTreeMap::new();
    for q in LEVELS {
        let k = km.quantile(q, options.confidence)?;
        let value = Quantile {
            estimate: k.estimate,
            ci: k.ci,
        };
        quantiles.insert(level_name(q), value);
    }
    Ok(Group {
        name: c.name.clone(),
        n: sample.n,
        n_censored: sample.n_censored,
        km_median: km.median(),
        quantiles,
        false_fail_share: km.survival(options.current_timeout_secs),
    })
}

/// S(t) of every cohort, and the fixed-time test with two.
fn at(tables: &[Table], t: f64) -> At {
    At {
        t,
        survival: tables.iter().map(|x| x.survival(t)).collect(),
        difference_test: (tables.len() == 2).then(|| difference_test(&tables[0], &tables[1], t)),
    }
}

/// Cohort `i` against cohort `i − 1`.
fn pair(
    cohorts: &[Cohort],
    (tables, boots): (&[Table], &[Resamples]),
    levels: &[f64],
    i: usize,
    options: &Options,
) -> Pair {
    let (b, a) = (i - 1, i);
    let shifts: Vec<QuantileShift> = levels
        .iter()
        .enumerate()
        .map(|(k, &q)| {
            let pair_tables = [&tables[b], &tables[a]];
            quantile_shift(
                pair_tables,
                [&boots[b], &boots[a]],
                q,
                k,
                options.confidence,
            )
        })
        .collect();
    let logrank = logrank(&[&tables[b], &tables[a]]);
    let exact = [b, a].map(|k| (tables[k].n - tables[k].n_censored()) as usize);
    let disagreement = disagreement(&shifts, logrank.as_ref(), &options.gate);
    let blame = match (&cohorts[b].phases, &cohorts[a].phases) {
        (Some(before), Some(after)) => blame::shifts(before, after, &cohorts[a].phase_depths),
        _ => Vec::new(),
    };
    Pair {
        before: cohorts[b].name.clone(),
        after: cohorts[a].name.clone(),
        logrank,
        gate: PairGate::pending(&shifts, options.gate.quantile, logrank.as_ref(), exact),
        shifts,
        disagreement,
        blame,
    }
}

/// Whether the log-rank test and the tail tell different stories: the median and the gate
/// quantile moved in opposite directions with the tail's interval clear of 0 (the curves
/// cross), or the log-rank p is not below α while the tail's interval is clear of 0.
fn disagreement(
    shifts: &[QuantileShift],
    logrank: Option<&LogRank>,
    gate: &GateOptions,
) -> Option<Disagreement> {
    let median = shifts.iter().find(|s| s.q == 0.5)?.shift?;
    let tail = shifts.iter().find(|s| s.q == gate.quantile)?;
    let [lo, hi] = tail.ci?;
    let tail_moved = lo > 0.0 || hi < 0.0;
    if !tail_moved {
        return None;
    }
    let tail_shift = tail.shift?;
    if median * tail_shift < 0.0 {
        return Some(Disagreement::Crossing);
    }
    match logrank {
        Some(lr) if lr.p_value >= gate.alpha => Some(Disagreement::TailOnly),
        _ => None,
    }
}
