//! `bootline compare`: reads the cohorts (inputs, a label's values, or durations files), runs
//! the library's comparison and writes it as text or JSON (and the chart when asked); exit 1
//! when the regression gate fails.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::compare::cohort::{self, Key};
use crate::compare::{compare, Cohort, GateOptions, Options};
use crate::config::{Config, DEFAULT_CLASS};
use crate::recommend::{self, Sample};
use crate::stats::shift::BOOTSTRAP_SEED;
use crate::timeline::lean::{Keep, LeanBoot};

use super::read::read_fleet;
use super::settings::{self, PolicyFlags};
use super::Inputs;
use crate::cli::{CompareArgs, InputArgs, OutputFormat};

/// The most bootstrap resamples per cohort.
const MAX_RESAMPLES: usize = 100_000;

/// The cohorts read, the attempts they came from, and whether a source failed.
struct Read {
    cohorts: Vec<Cohort>,
    attempts: Vec<recommend::attempt::Attempt>,
    failed: bool,
}

/// Refuses arguments that cannot make a comparison.
fn check(args: &CompareArgs) -> anyhow::Result<()> {
    let level = |flag: &str, v: f64| -> anyhow::Result<()> {
        if !(v > 0.0 && v < 1.0) {
            bail!("--{flag} must lie strictly between 0 and 1, got {v}");
        }
        Ok(())
    };
    level("gate-quantile", args.gate_quantile)?;
    level("alpha", args.alpha)?;
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        bail!(
            "--tolerance must be a number of seconds, 0 or more, got {}",
            args.tolerance
        );
    }
    if !(1..=MAX_RESAMPLES).contains(&args.resamples) {
        bail!(
            "--resamples must be between 1 and {MAX_RESAMPLES}, got {}",
            args.resamples
        );
    }
    settings::times("at", &args.at)?;
    match (args.durations.is_empty(), args.input.inputs.is_empty()) {
        (false, false) => bail!("give either inputs or --durations FILE…, not both"),
        (true, true) => bail!("nothing to compare: give two inputs or more, or --durations A B"),
        (false, true) if args.group_by.is_some() => {
            bail!("--group-by splits boots by a label; durations files have none")
        }
        _ => Ok(()),
    }
}

/// One cohort per durations file.
fn from_durations(
    paths: &[std::path::PathBuf],
    class: &str,
    config: &Config,
) -> anyhow::Result<Read> {
    let current = config.class_policy(class).timeout_secs;
    let mut read = Read {
        cohorts: Vec::new(),
        attempts: Vec::new(),
        failed: false,
    };
    for path in paths {
        let records = crate::durations::read(path)?;
        read.attempts
            .extend(Sample::from_records(&records, class, current).attempts);
        read.cohorts.push(Cohort {
            name: file_name(path),
            records: records.into_iter().map(|r| (r, 1)).collect(),
            phases: None,
            phase_depths: Default::default(),
        });
    }
    Ok(read)
}

/// A cohort's default name: the input's last path component.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Boots of `class` from `inputs` (logs, timelines); `Err` with the exit code when none was found (said on stderr).
fn boots(
    args: &CompareArgs,
    inputs: Vec<std::path::PathBuf>,
    config: &Config,
    class: &str,
) -> anyhow::Result<Result<(Vec<LeanBoot>, bool), ExitCode>> {
    let input = InputArgs {
        inputs,
        read: args.input.read.clone(),
    };
    let inputs = Inputs::from_args(&input)?.with_markers(config.marker_set());
    let (fleet, found) = read_fleet(&inputs, config, &args.select, Some(class), Keep::default())?;
    if found.nothing {
        // Said on stderr; a cohort without boots is bad input, not a finding.
        return Ok(Err(ExitCode::from(2)));
    }
    Ok(Ok((fleet.boots, found.failed)))
}

/// The cohorts of boots: each input one, or all inputs split by `--group-by`.
fn from_boots(
    args: &CompareArgs,
    config: &Config,
    class: &str,
) -> anyhow::Result<Result<Read, ExitCode>> {
    let groups: Vec<(String, Vec<std::path::PathBuf>)> = match &args.group_by {
        Some(_) => vec![(String::new(), args.input.inputs.clone())],
        None => args
            .input
            .inputs
            .iter()
            .map(|p| (file_name(p), vec![p.clone()]))
            .collect(),
    };
    let mut read = Read {
        cohorts: Vec::new(),
        attempts: Vec::new(),
        failed: false,
    };
    for (name, inputs) in groups {
        if let Some(summary) = super::summarize::read_summaries(&inputs, &args.select, config)? {
            super::summarize::need_boots(&summary, "compare")?;
            let key = args.group_by.as_deref().map(Key::parse);
            let split = cohort::split_summary(&summary, class, key.as_ref(), &name)?;
            if split.iter().all(|(_, a, _)| a.is_empty()) {
                super::summarize::say_empty(Some(class));
                return Ok(Err(ExitCode::from(2)));
            }
            for (name, attempts, counts) in split {
                let (c, sample) = cohort::from_counts(name, &attempts, &counts, config);
                add_cohort(&mut read, c, sample, args.input.read.strict)?;
            }
            continue;
        }
        let (boots, failed) = match boots(args, inputs, config, class)? {
            Ok(b) => b,
            Err(code) => return Ok(Err(code)),
        };
        read.failed |= failed;
        let split = match &args.group_by {
            Some(label) => cohort::split(boots, &Key::parse(label)),
            None => vec![(name, boots)],
        };
        for (name, boots) in split {
            let (c, sample) = cohort::from_boots(name, &boots, config);
            add_cohort(&mut read, c, sample, args.input.read.strict)?;
        }
    }
    Ok(Ok(read))
}

/// Takes in one cohort, saying what reading its attempts set aside.
fn add_cohort(read: &mut Read, c: Cohort, sample: Sample, strict: bool) -> anyhow::Result<()> {
    super::report_observed(&sample.observed);
    super::report_implausible(&sample.implausible, strict)?;
    read.attempts.extend(sample.attempts);
    read.cohorts.push(c);
    Ok(())
}

/// The names of `--name` laid over the cohorts', in order.
fn rename(cohorts: &mut [Cohort], names: &[String]) -> anyhow::Result<()> {
    if names.len() > cohorts.len() {
        bail!(
            "--name given {} times for {}",
            names.len(),
            super::count(cohorts.len(), "cohort")
        );
    }
    for (c, n) in cohorts.iter_mut().zip(names) {
        c.name = n.clone();
    }
    for c in cohorts.iter() {
        if c.records.is_empty() {
            bail!(
                "cohort {}: no attempt has a register latency to compare",
                crate::render::escape::terminal(&c.name)
            );
        }
    }
    Ok(())
}

/// The timeout recommended for the pooled cohorts, if the recommendation gives one.
fn recommended(
    attempts: Vec<recommend::attempt::Attempt>,
    config: &Config,
    class: &str,
) -> Option<f64> {
    let sample = Sample {
        attempts,
        ..Sample::default()
    };
    let options = recommend::Options {
        class: Some(class.to_string()),
        ..recommend::Options::default()
    };
    let recs = sample.recommend(config, &options);
    recs.classes
        .iter()
        .find(|r| r.class == class && r.template.is_none())
        .map(|r| r.recommended_timeout_s)
}

/// Runs `bootline compare`.
pub(crate) fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let flags = PolicyFlags {
        confidence: args.confidence,
        ..PolicyFlags::default()
    };
    let config = settings::configure(&args.select, flags)?;
    check(&args)?;
    let class = args
        .class
        .clone()
        .unwrap_or_else(|| DEFAULT_CLASS.to_string());
    let mut read = if args.durations.is_empty() {
        match from_boots(&args, &config, &class)? {
            Ok(r) => r,
            Err(code) => return Ok(code),
        }
    } else {
        from_durations(&args.durations, &class, &config)?
    };
    rename(&mut read.cohorts, &args.name)?;
    if read.cohorts.len() < 2 {
        bail!(
            "{} to compare: give two inputs or more, or a label whose boots take two values",
            super::count(read.cohorts.len(), "cohort")
        );
    }
    let options = Options {
        class: args.durations.is_empty().then(|| class.clone()),
        group_by: args.group_by.clone(),
        current_timeout_secs: config.class_policy(&class).timeout_secs,
        recommended_timeout_secs: recommended(std::mem::take(&mut read.attempts), &config, &class),
        at: args.at.clone(),
        confidence: config.policy.confidence,
        resamples: args.resamples,
        seed: BOOTSTRAP_SEED,
        gate: GateOptions {
            quantile: args.gate_quantile,
            tolerance_secs: args.tolerance,
            alpha: args.alpha,
        },
    };
    let comparison = compare(&read.cohorts, &options).context("comparing the cohorts")?;
    if let Some(path) = &args.chart {
        let svg = crate::chart::compare::render(&comparison)?;
        crate::output::write_file(path, svg.as_bytes())?;
    }
    let text = match args.format {
        OutputFormat::Json => super::pretty_json(&comparison)?,
        OutputFormat::Text => crate::render::compare::text(&comparison),
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &text)?;
    out.flush()?;
    Ok(super::exit_code(read.failed, comparison.failed()))
}
