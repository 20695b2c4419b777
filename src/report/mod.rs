//! The report: one serialisable [`Report`] built from boots and the configuration, holding
//! every number any output shows — fleet counts, per-class distributions and phase
//! statistics, the worked instance, the chart data, the input digests — and the renderers, each
//! a pure function of it ([`markdown::render`], also told which charts could not be drawn,
//! [`text::verdicts`], [`json`]; the charts live in [`crate::chart`]).

pub(crate) mod class;
pub(crate) mod compare;
pub(crate) mod decision;
pub mod figures;
pub(crate) mod fit;
pub(crate) mod inputs;
pub mod markdown;
pub(crate) mod redact;
pub(crate) mod tally;
pub(crate) mod text;
pub(crate) mod thin;
pub(crate) mod worked;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::{self, Config};
use crate::recommend::rule::Evidence;
use crate::stats::record::Weighted;
use crate::stats::summary::{analyse_with_models, summarise, Options as FitOptions};
use crate::summary::boots::{BootCounts, NOTABLE_ROWS};
use crate::timeline::lean::LeanBoot;
use crate::timeline::{Boot, Implausibles, Outcome};

pub(crate) use class::{ClassReport, PhaseReport};
pub(crate) use figures::Figures;
pub(crate) use inputs::Inputs;
pub(crate) use worked::Worked;

/// The schema version of `report.json`.
pub(crate) const SCHEMA_VERSION: u32 = crate::timeline::SCHEMA_VERSION;

/// Why a report could not be built.
#[derive(Debug, Error)]
pub(crate) enum ReportError {
    /// No boot of the class the charts and the worked instance are drawn for.
    #[error("no boot of class {0} in the inputs (classes seen: {1})")]
    NoBootsOfClass(String, String),
    /// `--worked-instance` names an instance the inputs do not hold.
    #[error("--worked-instance {0}: no boot of that instance in the inputs")]
    UnknownInstance(String),
    /// The statistics failed on the charted class's records.
    #[error("class {class}: {reason}")]
    Stats {
        /// The class.
        class: String,
        /// What failed.
        reason: String,
    },
}

/// The time zone shown times are written in: UTC or a fixed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Zone {
    /// As given: `UTC`, `+02:00`.
    pub(crate) name: String,
    /// Seconds east of UTC.
    pub(crate) offset_secs: i32,
}

impl Default for Zone {
    fn default() -> Self {
        Self {
            name: "UTC".into(),
            offset_secs: 0,
        }
    }
}

impl std::str::FromStr for Zone {
    type Err = String;

    /// `UTC`, `Z`, or an offset `±HH:MM` (`+02:00`, `-05:30`).
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Self::default());
        }
        let bad = || format!("expected UTC or an offset such as +02:00, got {s}");
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 23 || m > 59 || rest.len() != 5 {
            return Err(bad());
        }
        Ok(Self {
            name: s.to_string(),
            offset_secs: sign * (h * 3600 + m * 60),
        })
    }
}

impl Zone {
    /// The offset as chrono's.
    pub(crate) fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.offset_secs)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }
}

/// How the report is presented: settings the renderers read (kept in the report so every
/// renderer stays a function of the report alone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Presentation {
    /// The zone of shown times.
    pub(crate) zone: Zone,
    /// Prefix of chart links (`--link-base`), else charts are linked relatively.
    pub(crate) link_base: Option<String>,
    /// Mask addresses, host names and keys in quoted log lines.
    pub(crate) redact: bool,
}

/// How the report was asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    /// The class the charts and the worked instance are drawn for.
    pub(crate) class: String,
    /// The worked instance, else the class's slowest healthy boot.
    pub(crate) worked_instance: Option<String>,
    /// The command to reproduce the report (inputs and options as given, `--out` left out).
    pub(crate) command: String,
    /// The configuration file as given (relative to the working directory when below it).
    pub(crate) config: Option<String>,
    /// The time written as "generated at" (`--now`, `SOURCE_DATE_EPOCH`); none by default.
    pub(crate) now: Option<DateTime<Utc>>,
    /// Presentation settings.
    pub(crate) presentation: Presentation,
}

/// A boot worth naming: anything but a plain `registered` one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotableBoot {
    /// Instance id.
    pub instance: String,
    /// Workspace id.
    pub workspace: Option<String>,
    /// Class.
    pub class: String,
    /// Template.
    pub template: Option<String>,
    /// What became of it.
    pub outcome: Outcome,
    /// Latency (exact or censored), seconds.
    pub latency_secs: Option<f64>,
    /// Last observed moment, seconds from the zero.
    pub observed_secs: Option<f64>,
    /// Crash evidence: kind and the line.
    pub evidence: Option<(String, String)>,
    /// Where the evidence was read.
    pub evidence_source: Option<String>,
}

/// The fleet at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Fleet {
    /// Boots in the inputs.
    pub(crate) boots: usize,
    /// Instances.
    pub(crate) instances: usize,
    /// Boots by outcome, all classes.
    pub(crate) outcomes: BTreeMap<String, usize>,
}

/// The policy the report applied (`[policy]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Policy {
    /// Target false-fail rate p.
    pub(crate) target_false_fail_rate: f64,
    /// One-sided confidence of bounds.
    pub(crate) confidence: f64,
    /// Multiplicative slack.
    pub(crate) slack_multiplier: f64,
    /// Additive slack, seconds.
    pub(crate) slack_add_secs: f64,
}

impl From<&config::Policy> for Policy {
    fn from(p: &config::Policy) -> Self {
        Self {
            target_false_fail_rate: p.target_false_fail_rate,
            confidence: p.confidence,
            slack_multiplier: p.slack_multiplier,
            slack_add_secs: p.slack_add_secs,
        }
    }
}

/// Everything every report output shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Schema version of `report.json`.
    pub(crate) schema_version: u32,
    /// bootline's version.
    pub(crate) bootline_version: String,
    /// When the report says it was made (only with `--now` or `SOURCE_DATE_EPOCH`).
    pub(crate) generated_at: Option<DateTime<Utc>>,
    /// The command that reproduces it.
    pub(crate) command: String,
    /// The configuration file it was made with, as the reproduce and check lines name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) config: Option<String>,
    /// Presentation settings.
    pub(crate) presentation: Presentation,
    /// The input files and their digest.
    pub inputs: Inputs,
    /// The policy applied.
    pub(crate) policy: Policy,
    /// Fleet counts.
    pub(crate) fleet: Fleet,
    /// One entry per class seen in the inputs, by name.
    pub classes: Vec<ClassReport>,
    /// Boots that did not simply register, by class, outcome and instance: of each class and
    /// outcome the first 100 (`summary::boots::NOTABLE_ROWS`) by instance id.
    pub notable: Vec<NotableBoot>,
    /// How many more of each class and outcome there are, not listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) notable_unlisted: Unlisted,
    /// Attempts whose latency is implausible (`[latency] max_plausible_secs`), excluded from
    /// every fit and chart.
    #[serde(default, skip_serializing_if = "Implausibles::is_empty")]
    pub(crate) implausible: Implausibles,
    /// The worked instance.
    pub(crate) worked: Option<Worked>,
    /// The recommendation per class and template, with the lockstep and guard checks
    /// (exactly what `bootline recommend --format json` reports).
    pub recommendation: crate::recommend::Recommendations,
    /// Chart data, for the charted class.
    pub figures: Figures,
}

impl Report {}

/// The boots that did not simply register, by class, outcome and instance: of each class and
/// outcome the first [`NOTABLE_ROWS`] by instance id and boot number (`drawn` holds at least
/// those); and how many of each class and outcome `counts` holds beyond them.
fn notable(
    drawn: &[LeanBoot],
    counts: &BTreeMap<String, BootCounts>,
) -> (Vec<NotableBoot>, Unlisted) {
    let mut of: BTreeMap<(&str, Outcome), Vec<&LeanBoot>> = BTreeMap::new();
    for b in drawn.iter().filter(|b| b.outcome != Outcome::Registered) {
        of.entry((&b.class, b.outcome)).or_default().push(b);
    }
    let mut v = Vec::new();
    for mut boots in of.into_values() {
        boots.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
        boots.truncate(NOTABLE_ROWS);
        v.extend(boots.into_iter().map(notable_boot));
    }
    v.sort_by(|a, b| {
        (a.class.as_str(), a.outcome, a.instance.as_str()).cmp(&(
            b.class.as_str(),
            b.outcome,
            b.instance.as_str(),
        ))
    });
    let mut unlisted = Unlisted::new();
    for (class, c) in counts {
        for (outcome, n) in &c.outcomes {
            let listed = (v.iter())
                .filter(|b| b.class == *class && b.outcome.as_str() == outcome)
                .count() as u64;
            if outcome != Outcome::Registered.as_str() && *n > listed {
                let of_class = unlisted.entry(class.clone()).or_default();
                of_class.insert(outcome.clone(), (*n - listed) as usize);
            }
        }
    }
    (v, unlisted)
}

/// Notable boots not listed, by class and outcome.
pub(crate) type Unlisted = BTreeMap<String, BTreeMap<String, usize>>;

fn notable_boot(b: &LeanBoot) -> NotableBoot {
    NotableBoot {
        instance: b.instance.to_string(),
        workspace: b.workspace.as_deref().map(String::from),
        class: b.class.to_string(),
        template: b.template.as_deref().map(String::from),
        outcome: b.outcome,
        latency_secs: b.latency.map(|l| l.secs),
        observed_secs: b.observed_secs,
        evidence: b
            .evidence
            .as_ref()
            .map(|e| (e.kind.clone(), e.line.clone())),
        evidence_source: b.evidence.as_ref().map(|e| e.source.clone()),
    }
}

/// The class to chart: the one named, else `default`, else the class with the most boots.
pub(crate) fn charted_class(named: Option<&str>, classes: &BTreeMap<String, BootCounts>) -> String {
    if let Some(c) = named {
        return c.to_string();
    }
    if classes.contains_key(config::DEFAULT_CLASS) {
        return config::DEFAULT_CLASS.to_string();
    }
    let n = |c: &BootCounts| c.outcomes.values().sum::<u64>();
    classes
        .iter()
        .max_by(|a, b| n(a.1).cmp(&n(b.1)).then_with(|| b.0.cmp(a.0)))
        .map_or_else(|| config::DEFAULT_CLASS.to_string(), |(c, _)| c.to_string())
}

/// What a report is built from, whether boots were read or summaries merged: every attempt
/// with how many it stands for (one each from boots; a summary's distinct values counted),
/// each class's boots' counts, the boots it draws or names ([`crate::summary::boots::drawn`])
/// and the boots kept whole.
#[derive(Debug, Default)]
pub(crate) struct Source {
    /// Every attempt, all classes, each with how many equal ones it stands for.
    pub(crate) attempts: Vec<crate::summary::Counted>,
    /// Instances read.
    pub(crate) instances: usize,
    /// Each class's boots' counts.
    pub(crate) classes: BTreeMap<String, BootCounts>,
    /// The boots drawn or named, by instance and boot number.
    pub(crate) drawn: Vec<LeanBoot>,
    /// The boots kept whole (the worked instance).
    pub(crate) kept: Vec<Boot>,
}

impl Source {
    /// The source of boots read (ordered by instance and boot number) and those kept whole.
    pub(crate) fn of_boots(boots: &[LeanBoot], kept: Vec<Boot>, max_plausible_secs: f64) -> Self {
        let mut classes: BTreeMap<String, (BootCounts, tally::PhaseTally)> = BTreeMap::new();
        for b in boots {
            if !classes.contains_key(&*b.class) {
                classes.insert(b.class.to_string(), Default::default());
            }
            let (counts, phases) = classes.get_mut(&*b.class).expect("inserted above");
            counts.add_but_phases(b, max_plausible_secs);
            phases.add(b, max_plausible_secs);
        }
        let classes = (classes.into_iter())
            .map(|(class, (mut counts, phases))| {
                phases.finish(&mut counts);
                (class, counts)
            })
            .collect();
        let keep = crate::summary::boots::drawn(boots.iter(), max_plausible_secs);
        Self {
            attempts: crate::summary::Summary::counted_attempts(boots, max_plausible_secs),
            instances: instances(boots),
            classes,
            drawn: (boots.iter())
                .filter(|b| keep.contains(&(b.instance.clone(), b.boot)))
                .cloned()
                .collect(),
            kept,
        }
    }

    /// Whether it holds no boot.
    pub(crate) fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

/// Instances among boots ordered by instance.
fn instances(boots: &[LeanBoot]) -> usize {
    boots
        .iter()
        .enumerate()
        .filter(|(i, b)| *i == 0 || boots[i - 1].instance != b.instance)
        .count()
}

/// A class's part of a [`Source`].
struct ClassData<'a> {
    counts: &'a BootCounts,
    attempts: Vec<&'a crate::summary::Counted>,
    drawn: Vec<&'a LeanBoot>,
}

/// Builds the report of a reduced fleet (all classes) under this configuration.
pub(crate) fn build(
    source: Source,
    config: &Config,
    inputs: Inputs,
    opts: &Options,
) -> Result<Report, ReportError> {
    let counted: Vec<(&crate::timeline::Attempt, u64)> =
        source.attempts.iter().map(|(a, n)| (a, *n)).collect();
    let sample = crate::recommend::Sample::from_counted(&counted, config);
    drop(counted);
    // Each class is fitted once: its distribution and charts are the recommendation's evidence.
    let (recommendation, mut evidences) =
        sample.recommend_keeping(config, &crate::recommend::Options::default());
    let fleet = fleet_counts(&source);
    let (notable_boots, notable_unlisted) = notable(&source.drawn, &source.classes);
    if !source.classes.contains_key(opts.class.as_str()) {
        return Err(no_boots_of(&opts.class, &source.classes));
    }
    let limit = config.latency.max_plausible_secs;
    let worked_boot = worked_boot(opts, &source.kept, limit)?;
    let lane_boot = worked_boot
        .map(|(b, _)| b)
        .filter(|b| b.class == opts.class);
    let mut classes = Vec::new();
    let mut figures = None;
    for (name, counts) in &source.classes {
        let of = |c: &str| c == name;
        let data = ClassData {
            counts,
            attempts: (source.attempts.iter())
                .filter(|(a, _)| of(&a.class))
                .collect(),
            drawn: (source.drawn.iter()).filter(|b| of(&b.class)).collect(),
        };
        let lanes = (**name == *opts.class).then_some(lane_boot);
        let evidence = evidences.remove(name);
        let (class, drawn) = class_report(
            (name, &data, evidence),
            config,
            (&sample, &recommendation),
            lanes,
        )?;
        classes.push(class);
        figures = figures.or(drawn);
    }
    let worked = worked_boot.map(|(b, why)| worked::worked(b, why));
    let mut figures = figures.expect("the charted class was checked to have boots");
    mark_recommended(&mut figures, &recommendation);
    thin::figures(&mut figures);
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        bootline_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: opts.now,
        command: opts.command.clone(),
        config: opts.config.clone(),
        presentation: opts.presentation.clone(),
        inputs: inputs.capped(),
        policy: Policy::from(&config.policy),
        fleet,
        classes,
        notable: notable_boots,
        notable_unlisted,
        implausible: sample.implausible,
        worked,
        recommendation,
        figures,
    })
}

/// Boots, instances and outcomes of the whole fleet.
fn fleet_counts(source: &Source) -> Fleet {
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for c in source.classes.values() {
        for (o, n) in &c.outcomes {
            *outcomes.entry(o.clone()).or_default() += *n as usize;
        }
    }
    Fleet {
        boots: outcomes.values().sum(),
        instances: source.instances,
        outcomes,
    }
}

/// No boot of the charted class: the error names the classes seen.
fn no_boots_of(class: &str, classes: &BTreeMap<String, BootCounts>) -> ReportError {
    let seen: Vec<&str> = classes.keys().map(String::as_str).collect();
    ReportError::NoBootsOfClass(
        class.to_string(),
        if seen.is_empty() {
            "none".into()
        } else {
            seen.join(", ")
        },
    )
}

/// The boot told and drawn in full, and why it was chosen: the one asked for, else the charted
/// class's slowest healthy boot, kept whole as the fleet was read.
fn worked_boot<'a>(
    opts: &Options,
    kept: &'a [Boot],
    max_plausible_secs: f64,
) -> Result<Option<(&'a Boot, &'static str)>, ReportError> {
    Ok(match &opts.worked_instance {
        Some(id) => Some((
            kept.iter()
                .find(|b| &b.instance == id)
                .ok_or_else(|| ReportError::UnknownInstance(id.clone()))?,
            "Chosen with --worked-instance",
        )),
        None => worked::slowest_healthy(kept, &opts.class, max_plausible_secs)
            .map(|b| (b, "The slowest healthy boot")),
    })
}

/// One class's part of the report, from its data and the evidence its recommendation was
/// made from; for the charted class (`lanes`: its worked boot, if any, whose lanes are drawn)
/// the chart data too.
fn class_report(
    (name, data, evidence): (&str, &ClassData<'_>, Option<Evidence>),
    config: &Config,
    (sample, recommendation): (
        &crate::recommend::Sample,
        &crate::recommend::Recommendations,
    ),
    lanes: Option<Option<&Boot>>,
) -> Result<(ClassReport, Option<Figures>), ReportError> {
    let max_plausible_secs = config.latency.max_plausible_secs;
    let policy = config.class_policy(name);
    let group = recommendation.classes.iter().find(|g| g.class == name);
    let fit_options = FitOptions {
        confidence: config.policy.confidence,
        times: class::survival_times(&[], policy.timeout_secs),
        ..FitOptions::default()
    };
    let (records, fitted) = match evidence {
        Some(evidence) => summarised(evidence, &fit_options),
        None => fitted_alone(&data.attempts, max_plausible_secs, &fit_options),
    };
    let fitted = fitted.map_err(|e| unfitted(name, recommendation).unwrap_or(e));
    let phases = PhaseReport::of(&data.counts.phases);
    let figures = match lanes {
        Some(lane_boot) => Some(build_figures(
            name,
            (data, lane_boot),
            &records,
            fitted.as_ref().map_err(|e| ReportError::Stats {
                class: name.to_string(),
                reason: e.clone(),
            })?,
            &phases,
            (
                policy.timeout_secs,
                policy.stuck_threshold_secs,
                group.map(|g| g.recommended_timeout_s),
            ),
            (
                config.policy.confidence,
                config.policy.target_false_fail_rate,
            ),
            max_plausible_secs,
        )?),
        None => None,
    };
    let (fit, fit_unavailable) = match fitted {
        Ok((summary, _, _)) => (Some(summary), None),
        Err(e) => (None, Some(e)),
    };
    let class = ClassReport {
        class: name.to_string(),
        timeout_secs: policy.timeout_secs,
        observed_timeouts: (sample.observed.iter())
            .filter(|o| o.class == name)
            .cloned()
            .collect(),
        stuck_threshold_secs: policy.stuck_threshold_secs,
        configured: policy.configured,
        boots: usizes(&data.counts.outcomes),
        attempts: class::counts_of(data.attempts.iter().copied()),
        templates: usizes(&data.counts.templates),
        from_kernel_start: sample.counted_from_kernel(name),
        fit,
        fit_unavailable,
        phases,
        tradeoff: group.map(decision::tradeoff),
        sensitivity: group.map(|g| g.sensitivity.clone()).unwrap_or_default(),
    };
    Ok((class, figures))
}

/// The records of a class's recommendation and their summary (with S at its timeout) from the
/// recommendation's own Kaplan–Meier and fits: nothing is fitted again.
fn summarised(evidence: Evidence, opts: &FitOptions) -> (Vec<CountedRecord>, Fitted) {
    let Evidence {
        sample, km, fits, ..
    } = evidence;
    // Each distinct record with its count: the summary and the charts add them up.
    let records = Weighted::of_sample(sample);
    let summary = summarise(&records, &km, &fits, opts).map_err(|e| e.to_string());
    (records.records, summary.map(|summary| (summary, fits, km)))
}

/// A latency record with the number of attempts it stands for.
type CountedRecord = (crate::stats::Record, u64);

/// The class's own records fitted here, when its recommendation has none (every record is of
/// a template with its own timeout, or none could be read as evidence); why there is no fit.
fn fitted_alone(
    attempts: &[&crate::summary::Counted],
    max_plausible_secs: f64,
    opts: &FitOptions,
) -> (Vec<CountedRecord>, Fitted) {
    let records = class::records_of(attempts.iter().copied(), max_plausible_secs);
    if records.is_empty() {
        let why = "no boot of the class has a register latency to fit".to_string();
        return (records, Err(why));
    }
    let fitted = analyse_with_models(records.iter().copied(), opts).map_err(|e| e.to_string());
    (records, fitted)
}

/// Why a class's recommendation was not made, when it was not: its records were not fitted.
fn unfitted(class: &str, recommendation: &crate::recommend::Recommendations) -> Option<String> {
    (recommendation.skipped.iter())
        .find(|s| s.class == class && s.template.is_none())
        .map(|s| s.reason.clone())
}

/// A class's fit: the summary, the fitted models and Kaplan–Meier; or why there is none.
type Fitted = Result<
    (
        crate::stats::summary::FitSummary,
        crate::stats::summary::Fits,
        crate::stats::km::KaplanMeier,
    ),
    String,
>;

/// Counts as the report writes them.
fn usizes(m: &BTreeMap<String, u64>) -> BTreeMap<String, usize> {
    m.iter().map(|(k, n)| (k.clone(), *n as usize)).collect()
}

/// Draws the charted class's recommended timeout beside its current one.
fn mark_recommended(figures: &mut Figures, recommendation: &crate::recommend::Recommendations) {
    if let Some(r) = recommendation
        .classes
        .iter()
        .find(|r| r.class == figures.class)
    {
        figures.marks.insert(
            1,
            figures::TimeMark {
                kind: figures::LineKind::Proposed,
                secs: r.recommended_timeout_s,
                label: format!(
                    "recommended {} s",
                    crate::render::numbers::secs_plain(r.recommended_timeout_s)
                ),
            },
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn build_figures(
    class: &str,
    (data, lane_boot): (&ClassData<'_>, Option<&Boot>),
    records: &[CountedRecord],
    fitted: &(
        crate::stats::summary::FitSummary,
        crate::stats::summary::Fits,
        crate::stats::km::KaplanMeier,
    ),
    phases: &PhaseReport,
    (current, stuck, proposed): (f64, f64, Option<f64>),
    (confidence, target): (f64, f64),
    max_plausible_secs: f64,
) -> Result<Figures, ReportError> {
    let (_, fits, km) = fitted;
    let ranked: Vec<&crate::stats::fit::FittedModel> = fits
        .scores
        .iter()
        .filter_map(|s| fits.models.iter().find(|m| m.family == s.family))
        .collect();
    let models = figures::drawn_models(&ranked);
    let mut cats = figures::Categories::default();
    let counts = data.counts;
    let mut waterfall = figures::waterfall(
        data.drawn.iter().copied(),
        counts.rows,
        max_plausible_secs,
        &mut cats,
    );
    let lanes = lane_boot.map(|b| figures::lanes(b, &mut cats));
    // The fleet charts end past the stuck threshold, the recommended timeout (however far it
    // lies) and the slowest record.
    let latest = (records.iter())
        .map(|(r, _)| r.duration_secs)
        .fold(stuck.max(current).max(proposed.unwrap_or(0.0)), f64::max);
    let x_max = latest * 1.06;
    waterfall.categories = figures::category_names(cats);
    waterfall.x_max_secs = waterfall.x_max_secs.max(x_max);
    let mut phases = figures::phase_bars(phases);
    figures::name_containers(&mut phases, &counts.within);
    let tail = figures::tail(
        records,
        counts.false_failed_secs(),
        &models,
        (target, proposed.unwrap_or(current)),
        km,
    );
    let tail_axis = tail.as_ref().map(|t| t.x_lo..t.x_hi);
    let mut survival = figures::survival(km, &models, confidence, (x_max, tail_axis));
    survival.tail = tail;
    let distribution = distribution_of(records, counts, &models, (current, x_max));
    Ok(Figures {
        class: class.to_string(),
        x_max_secs: x_max,
        marks: decision_marks(current, stuck),
        distribution,
        survival,
        waterfall,
        lanes,
        phases,
    })
}

/// The distribution chart's data: the exact records' histogram with the models' densities,
/// the censored records' marks and the stuck boots' sightings, each standing for its count.
fn distribution_of(
    records: &[CountedRecord],
    counts: &crate::summary::boots::BootCounts,
    models: &[&crate::stats::fit::FittedModel],
    (current, x_max): (f64, f64),
) -> figures::Distribution {
    let exact: Vec<(f64, u64)> = (records.iter())
        .filter(|(r, _)| !r.censored)
        .map(|(r, n)| (r.duration_secs, *n))
        .collect();
    let n_records = records.iter().map(|(_, n)| *n as usize).sum();
    let mut distribution = figures::distribution(&exact, n_records, models, current, x_max);
    (distribution.censored_secs, _) = figures::marks(
        (records.iter())
            .filter(|(r, _)| r.censored)
            .map(|(r, n)| (r.duration_secs, *n)),
    );
    let stuck_seen = counts.stuck_seen_secs();
    distribution.n_stuck_past_axis = figures::count_past(&stuck_seen, x_max);
    (distribution.stuck_secs, distribution.n_stuck) = figures::marks(stuck_seen.into_iter());
    distribution
}

/// The current timeout and the stuck threshold as lines (the recommended one is laid between
/// them by [`mark_recommended`]).
fn decision_marks(current: f64, stuck: f64) -> Vec<figures::TimeMark> {
    vec![
        figures::TimeMark {
            kind: figures::LineKind::Current,
            secs: current,
            label: format!(
                "current timeout {} s",
                crate::render::numbers::secs_plain(current)
            ),
        },
        figures::TimeMark {
            kind: figures::LineKind::Stuck,
            secs: stuck,
            label: format!(
                "stuck after {} s",
                crate::render::numbers::secs_plain(stuck)
            ),
        },
    ]
}

/// `report.json`: the report, pretty-printed, with a final newline.
pub fn json(report: &Report) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::Zone;

    #[test]
    fn zones_are_utc_or_fixed_offsets() {
        assert_eq!("UTC".parse::<Zone>().map(|z| z.offset_secs), Ok(0));
        assert_eq!("+02:00".parse::<Zone>().map(|z| z.offset_secs), Ok(7200));
        assert_eq!("-05:30".parse::<Zone>().map(|z| z.offset_secs), Ok(-19800));
        for bad in [
            "Europe/Paris",
            "+2",
            "+24:00",
            "+02:60",
            "02:00",
            "+02:00:00",
        ] {
            assert!(bad.parse::<Zone>().is_err(), "{bad}");
        }
    }
}
