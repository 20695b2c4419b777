//! `bootline fit`: reads one class's boots (or a plain durations file), runs the statistics
//! library and writes the [`FitReport`] as text or JSON.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context};

use bootline::config::DEFAULT_CLASS;
use bootline::durations;
use bootline::recommend::Sample;
use bootline::report;
use bootline::report::fit::{ClassFit, FitReport};
use bootline::stats::summary::{analyse, Options, Progress, MAX_BOOTSTRAP};
use bootline::timeline::lean::{Keep, LeanBoot};
use bootline::timeline::{attempts, nothing_to_fit};

use super::read::{load_config, read_fleet, Found};
use super::Inputs;
use crate::cli::{FitArgs, OutputFormat};

/// What the records came from.
enum Source {
    /// A plain durations file.
    Durations(std::path::PathBuf),
    /// Boot timelines of one class (lean), with their phase statistics.
    Boots { class: String, boots: Vec<LeanBoot> },
}

/// Reads boots from any inputs and keeps the class's (the `default` class unless named).
fn boots_of(args: &FitArgs) -> anyhow::Result<(String, Vec<LeanBoot>, Found)> {
    let input = args.input.to_input_args();
    let config = load_config(&args.select)?;
    let inputs = Inputs::from_args(&input)?.with_markers(config.marker_set());
    let class = args
        .class
        .clone()
        .unwrap_or_else(|| DEFAULT_CLASS.to_string());
    let (fleet, found) = read_fleet(
        &inputs,
        &config,
        &args.select,
        Some(&class),
        Keep::default(),
    )?;
    Ok((class, fleet.boots, found))
}

/// Runs `bootline fit`.
pub fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    let source = match (&args.durations, args.input.inputs.is_empty()) {
        (Some(_), false) => bail!("give either boot timelines or --durations FILE, not both"),
        (None, false) => {
            let (class, boots, found) = boots_of(&args)?;
            if found.nothing {
                // Said on stderr: there is nothing to fit.
                return Ok(super::exit_code(found.failed, true));
            }
            failed = found.failed;
            Source::Boots { class, boots }
        }
        (None, true) => bail!("nothing to fit: give inputs (logs, timelines) or --durations FILE"),
        (Some(p), true) => {
            if args.class.is_some() {
                bail!("--class selects boots of timelines; a durations file has no classes");
            }
            Source::Durations(p.clone())
        }
    };
    let config = load_config(&args.select)?;
    let confidence = args.confidence.unwrap_or(config.policy.confidence);
    if !(confidence > 0.0 && confidence < 1.0) {
        bail!("--confidence must lie strictly between 0 and 1, got {confidence}");
    }
    if let Some(b) = args.bootstrap.filter(|b| !(1..=MAX_BOOTSTRAP).contains(b)) {
        bail!("--bootstrap must be between 1 and {MAX_BOOTSTRAP} resamples, got {b}");
    }
    // S at the class's own current timeout, beside the fixed times.
    let current_timeout = {
        let class = match &source {
            Source::Boots { class, .. } => class.as_str(),
            Source::Durations(_) => DEFAULT_CLASS,
        };
        config.class_policy(class).timeout_secs
    };
    if let Some(t) = args.times.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        bail!("--times must be positive numbers of seconds, got {t}");
    }
    let max_plausible_secs = config.latency.max_plausible_secs;
    let sample = match &source {
        Source::Boots { boots, .. } => Sample::from_boots(boots, &config),
        Source::Durations(_) => Sample::default(),
    };
    let Sample {
        implausible,
        observed,
        ..
    } = &sample;
    super::report_implausible(implausible, args.input.read.strict)?;
    super::report_observed(observed);
    let (records, label) = match &source {
        Source::Durations(path) => (durations::read(path)?, path.display().to_string()),
        Source::Boots { class, boots } => {
            if let Some(why) = nothing_to_fit(&attempts(boots), class) {
                crate::warn!("bootline: {why}");
                return Ok(ExitCode::from(1));
            }
            let records = report::class::records(boots, max_plausible_secs);
            if records.is_empty() {
                bail!("no boot of class {class} has a register latency to fit");
            }
            (records, format!("class {class}"))
        }
    };
    let opts = Options {
        confidence,
        times: report::class::survival_times(&args.times, current_timeout),
        bootstrap: args.bootstrap,
        ..Options::default()
    };
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
    let summary = analyse(&records, &opts).with_context(|| label.clone());
    bar.finish_and_clear();
    let summary = summary?;
    let class = match &source {
        Source::Boots { class, boots } => {
            Some(ClassFit::new(class, boots, &sample, max_plausible_secs))
        }
        Source::Durations(_) => None,
    };
    let report = FitReport {
        summary,
        subject: label,
        current_timeout_secs: current_timeout,
        class,
    };
    let text = match args.format {
        OutputFormat::Json => super::pretty_json(&report)?,
        OutputFormat::Text => bootline::render::fit::text(&report, args.all_phases),
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &text)?;
    out.flush()?;
    Ok(super::exit_code(failed, false))
}
