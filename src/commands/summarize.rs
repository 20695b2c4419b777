//! `bootline summarize`: reads boots (logs and timeline shards) into a summary, merges the
//! summaries given as inputs into it and writes it whole; and the reading of summaries that
//! `fit`, `recommend` and `check` share.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::config::Config;
use crate::output::{self, Target};
use crate::summary::{is_summary, Summary};

use super::read::{load_config, read_fleet_reporting, read_fleet_without_phases};
use super::Inputs;
use crate::cli::{InputArgs, SelectArgs, SummarizeArgs};

/// Runs `bootline summarize`.
pub fn run(args: SummarizeArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.select)?;
    let (summaries, logs): (Vec<PathBuf>, Vec<PathBuf>) = args
        .input
        .inputs
        .iter()
        .cloned()
        .partition(|p| is_summary(p));
    if args.output.as_os_str() != "-" {
        let inputs: Vec<&std::path::Path> =
            args.input.inputs.iter().map(PathBuf::as_path).collect();
        output::refuse_inputs(Target::File(&args.output), &inputs)?;
    }
    let group_by = args.group_by.as_deref();
    let max_plausible = config.latency.max_plausible_secs;
    let empty = Summary::new(group_by, max_plausible).made(!args.attempts_only);
    let (mut merged, failed) = if logs.is_empty() {
        (None, false)
    } else {
        let input = InputArgs {
            inputs: logs,
            read: args.input.read.clone(),
        };
        let (s, failed) = summarize_logs(&input, &args.select, &config, empty.clone())?;
        (Some(s), failed)
    };
    for path in &summaries {
        let part = Summary::read(path)?;
        merge_into(&mut merged, part, path)?;
    }
    let summary = merged.expect("an input at least");
    // Summaries alone keep how they were made; flags given must agree with it.
    let made = |s: &Summary| (s.group_by().map(String::from), s.with_boots());
    let asked = (args.group_by.is_some() || args.attempts_only).then(|| made(&empty));
    if asked.is_some_and(|a| a != made(&summary)) {
        bail!(
            "the summaries were made with other --group-by or --attempts-only than given here: \
             merge them without those flags"
        );
    }
    let bytes = summary.to_bytes();
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        out.flush()?;
    } else {
        output::write_file(&args.output, &bytes)?;
    }
    Ok(super::exit_code(failed, false))
}

/// The summary of logs and timeline shards, and whether any failed to read.
fn summarize_logs(
    input: &InputArgs,
    select: &SelectArgs,
    config: &Config,
    empty: Summary,
) -> anyhow::Result<(Summary, bool)> {
    let inputs = Inputs::from_args(input)?.with_markers(config.marker_set());
    let (fleet, read) = if empty.with_boots() {
        let keep = Summary::keep_rule(config.latency.max_plausible_secs);
        read_fleet_reporting(&inputs, config, select, None, keep, true)?
    } else {
        // A summary of attempts holds no boot: their lines are skimmed, not parsed whole.
        read_fleet_without_phases(&inputs, config, select, None, true)?
    };
    let listed = crate::report::inputs::list(
        &inputs.sources,
        &read.reports,
        &read.copies,
        &inputs.skipped,
        &|p| p.display().to_string(),
    );
    let summary = Summary::of_fleet(fleet, listed.files, empty);
    Ok((summary, read.failed))
}

/// When the inputs are summaries, them merged (saying on stderr where they overlap); `None`
/// when none is. Summaries are read alone: beside logs, or with a selection, they are refused.
pub(super) fn read_summaries(
    inputs: &[PathBuf],
    select: &SelectArgs,
    config: &Config,
) -> anyhow::Result<Option<Summary>> {
    let Some(first) = inputs.iter().find(|p| is_summary(p)) else {
        return Ok(None);
    };
    if let Some(log) = inputs.iter().find(|p| !is_summary(p)) {
        bail!(
            "{} is a summary and {} is not: summarize the logs first (bootline summarize … -o \
             FILE), then give the summaries alone",
            first.display(),
            log.display()
        );
    }
    let selected = [
        ("--instance", select.instance.is_some()),
        ("--since", select.since.is_some()),
        ("--until", select.until.is_some()),
        ("--end", select.end.is_some()),
    ];
    if let Some((flag, _)) = selected.iter().find(|(_, given)| *given) {
        bail!("{flag} selects boots as they are summarized: give it to bootline summarize");
    }
    let mut merged: Option<Summary> = None;
    for path in inputs {
        merge_into(&mut merged, Summary::read(path)?, path)?;
    }
    let merged = merged.expect("one summary at least");
    let limit = config.latency.max_plausible_secs;
    if merged.max_plausible_secs().to_bits() != limit.to_bits() {
        bail!(
            "the summaries were made under [latency] max_plausible_secs = {} s, the \
             configuration says {limit} s: summarize again with this configuration",
            merged.max_plausible_secs()
        );
    }
    Ok(Some(merged))
}

/// Says on stderr that the summaries read hold no attempt (of `class`).
pub(super) fn say_empty(class: Option<&str>) {
    match class {
        Some(c) => crate::warn!("bootline: the summaries hold no attempt of class {c}"),
        None => crate::warn!("bootline: the summaries hold no attempt"),
    }
}

/// Merges `part` (read from `path`) into `merged`, saying on stderr when the two overlap.
fn merge_into(merged: &mut Option<Summary>, part: Summary, path: &Path) -> anyhow::Result<()> {
    let Some(m) = merged else {
        *merged = Some(part);
        return Ok(());
    };
    let overlap = m
        .merge(part)
        .with_context(|| format!("{}", path.display()))?;
    if overlap.found() {
        crate::warn!(
            "bootline: {}",
            crate::render::summary::overlap(&path.display().to_string(), &overlap)
        );
    }
    Ok(())
}

/// Refuses a summary without boots for a command that needs them.
pub(super) fn need_boots(summary: &Summary, command: &str) -> anyhow::Result<()> {
    if !summary.with_boots() {
        bail!(
            "{command} needs the boots, and these summaries were made with --attempts-only: \
             summarize without it (recommend and check read them as they are)"
        );
    }
    Ok(())
}
