//! `bootline fit`: reads one class's boots (or a plain durations file), runs the statistics
//! library and writes the [`FitReport`] as text or JSON.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::config::{Config, DEFAULT_CLASS};
use crate::durations;
use crate::recommend::Sample;
use crate::report;
use crate::report::class::{counts_of, PhaseReport};
use crate::report::fit::{ClassFit, FitReport};
use crate::stats::summary::{analyse_with_models, FitSummary, Options, Progress, MAX_BOOTSTRAP};
use crate::stats::Record;
use crate::summary::boots::BootCounts;
use crate::summary::{BootKey, Counted, Summary};
use crate::timeline::lean::{Keep, LeanBoot};
use crate::timeline::nothing_to_fit;

use super::read::{read_fleet, Found};
use super::settings::{self, PolicyFlags};
use super::Inputs;
use crate::cli::{FitArgs, OutputFormat};

/// What the records came from.
enum Source {
    /// A plain durations file.
    Durations(std::path::PathBuf),
    /// One class of boot timelines (or of summaries of them).
    Boots(Box<ClassData>),
}

/// What a fit reads of one class, from its boots or from a summary.
struct ClassData {
    class: String,
    /// Its attempts, each with how many it stands for (one each from boots).
    attempts: Vec<Counted>,
    /// Its boots by outcome.
    boots: BTreeMap<String, usize>,
    /// The phase statistics of its boots.
    phases: PhaseReport,
}

impl ClassData {
    fn of_boots(class: String, boots: &[LeanBoot], max_plausible_secs: f64) -> Self {
        let counts = BootCounts::of(boots, max_plausible_secs);
        // Counted as a summary counts them: one entry per distinct value and named attempt.
        let attempts = Summary::counted_attempts(boots, max_plausible_secs);
        Self::of_counts(class, attempts, &counts)
    }

    fn of_summary(class: String, summary: &Summary) -> Self {
        let all = |_: &BootKey| Ok::<_, std::convert::Infallible>(None);
        let Ok(mut counts) = summary.boot_counts(&class, all);
        let counts = counts.remove(&None).unwrap_or_default();
        let attempts = summary.attempts(Some(&class));
        Self::of_counts(class, attempts, &counts)
    }

    /// One rule for boots read and a summary's counts.
    fn of_counts(class: String, attempts: Vec<Counted>, counts: &BootCounts) -> Self {
        Self {
            attempts,
            boots: (counts.outcomes.iter())
                .map(|(o, n)| (o.clone(), *n as usize))
                .collect(),
            phases: PhaseReport::of(&counts.phases),
            class,
        }
    }
}

/// Reads boots (or summaries) from any inputs and keeps the class's (the `default` class
/// unless named).
fn boots_of(args: &FitArgs, config: &Config) -> anyhow::Result<(ClassData, Found)> {
    let class = args
        .class
        .clone()
        .unwrap_or_else(|| DEFAULT_CLASS.to_string());
    let limit = config.latency.max_plausible_secs;
    if let Some(summary) =
        super::summarize::read_summaries(&args.input.inputs, &args.select, config)?
    {
        super::summarize::need_boots(&summary, "fit")?;
        let data = ClassData::of_summary(class, &summary);
        if data.attempts.is_empty() {
            super::summarize::say_empty(Some(&data.class));
        }
        let found = Found {
            failed: false,
            nothing: data.attempts.is_empty(),
        };
        return Ok((data, found));
    }
    let input = args.input.to_input_args();
    let inputs = Inputs::from_args(&input)?.with_markers(config.marker_set());
    let (fleet, found) = read_fleet(&inputs, config, &args.select, Some(&class), Keep::default())?;
    Ok((ClassData::of_boots(class, &fleet.boots, limit), found))
}

/// The source the arguments name, read; `Err` with the exit code when no boot was found
/// (said on stderr).
fn source(args: &FitArgs, config: &Config) -> anyhow::Result<Result<(Source, bool), ExitCode>> {
    match (&args.durations, args.input.inputs.is_empty()) {
        (Some(_), false) => bail!("give either boot timelines or --durations FILE, not both"),
        (None, false) => {
            let (data, found) = boots_of(args, config)?;
            if found.nothing {
                // Said on stderr: there is nothing to fit.
                return Ok(Err(super::exit_code(found.failed, true)));
            }
            Ok(Ok((Source::Boots(Box::new(data)), found.failed)))
        }
        (None, true) => bail!("nothing to fit: give inputs (logs, timelines) or --durations FILE"),
        (Some(p), true) => {
            if args.class.is_some() {
                bail!("--class selects boots of timelines; a durations file has no classes");
            }
            Ok(Ok((Source::Durations(p.clone()), false)))
        }
    }
}

/// A latency record with the number of attempts it stands for.
type CountedRecord = (Record, u64);

/// The records to fit, each with how many attempts it stands for (one each from a durations
/// file or boots, a summary's distinct values counted), and what they are called; `Err` with
/// the exit code when no attempt of the class reached its end (said on stderr).
fn records(
    source: &Source,
    max_plausible_secs: f64,
) -> anyhow::Result<Result<(Vec<CountedRecord>, String), ExitCode>> {
    match source {
        Source::Durations(path) => {
            let records = durations::read(path)?.into_iter().map(|r| (r, 1)).collect();
            Ok(Ok((records, path.display().to_string())))
        }
        Source::Boots(data) => {
            let (class, attempts) = (&data.class, &data.attempts);
            if let Some(why) = nothing_to_fit(attempts, class) {
                crate::warn!("bootline: {why}");
                return Ok(Err(ExitCode::from(1)));
            }
            let records = report::class::records_of(attempts, max_plausible_secs);
            if records.is_empty() {
                bail!("no boot of class {class} has a register latency to fit");
            }
            Ok(Ok((records, format!("class {class}"))))
        }
    }
}

/// The statistics of `records`, with a progress bar while `--bootstrap` resamples.
fn summarise(records: &[(Record, u64)], label: &str, opts: Options) -> anyhow::Result<FitSummary> {
    let bar = super::progress::bar(
        (opts.bootstrap.unwrap_or(0) * opts.families.len()) as u64,
        "bootstrap resamples",
        false,
    );
    let opts = match opts.bootstrap {
        Some(b) if b > 0 => {
            let ticks = bar.clone();
            Options {
                progress: Some(Progress::new(move || ticks.inc(1))),
                ..opts
            }
        }
        Some(_) | None => opts,
    };
    let summary = analyse_with_models(records.iter().copied(), &opts)
        .map(|(summary, _, _)| summary)
        .with_context(|| label.to_string());
    bar.finish_and_clear();
    summary
}

/// Runs `bootline fit`.
pub(crate) fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let flags = PolicyFlags {
        confidence: args.confidence,
        ..PolicyFlags::default()
    };
    let config = settings::configure(&args.select, flags)?;
    if let Some(b) = args.bootstrap.filter(|b| !(1..=MAX_BOOTSTRAP).contains(b)) {
        bail!("--bootstrap must be between 1 and {MAX_BOOTSTRAP} resamples, got {b}");
    }
    settings::times("times", &args.times)?;
    let (source, failed) = match source(&args, &config)? {
        Ok(read) => read,
        Err(code) => return Ok(code),
    };
    let max_plausible_secs = config.latency.max_plausible_secs;
    let (class, sample) = match &source {
        Source::Boots(data) => (
            data.class.as_str(),
            Sample::from_counted(
                &(data
                    .attempts
                    .iter()
                    .map(|(a, n)| (a, *n))
                    .collect::<Vec<_>>()),
                &config,
            ),
        ),
        Source::Durations(_) => (DEFAULT_CLASS, Sample::default()),
    };
    super::report_implausible(&sample.implausible, args.input.read.strict)?;
    super::report_observed(&sample.observed);
    let (records, label) = match records(&source, max_plausible_secs)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    // S at the class's own current timeout, beside the fixed times.
    let current_timeout = config.class_policy(class).timeout_secs;
    let opts = Options {
        confidence: config.policy.confidence,
        times: report::class::survival_times(&args.times, current_timeout),
        bootstrap: args.bootstrap,
        ..Options::default()
    };
    let report = FitReport {
        summary: summarise(&records, &label, opts)?,
        subject: label,
        current_timeout_secs: current_timeout,
        class: match source {
            Source::Boots(data) => {
                let counts = [data.boots, counts_of(&data.attempts)];
                Some(ClassFit::of(&data.class, counts, &sample, data.phases))
            }
            Source::Durations(_) => None,
        },
    };
    let text = match args.format {
        OutputFormat::Json => super::pretty_json(&report)?,
        OutputFormat::Text => crate::render::fit::text(&report, args.all_phases),
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &text)?;
    out.flush()?;
    Ok(super::exit_code(failed, false))
}
