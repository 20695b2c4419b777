//! `bootline report`: reads the inputs, builds the [`Report`] and writes `report.md`,
//! `report.json` and every chart into one folder.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::chart::{self, Kind};
use crate::compare::cohort;
use crate::config::Config;
use crate::output::{self, Target};
use crate::report::{self, Presentation, Report, Zone};
use crate::timeline::lean::Keep;
use anyhow::Context;
use chrono::{DateTime, Utc};

use super::read::{load_config, read_fleet_reporting};
use super::Inputs;
use crate::cli::{ReportArgs, ReportOptions};

/// The report (none when no boot was found or selected, said on stderr) and whether any
/// source failed to read.
pub(crate) struct Built {
    /// The report.
    pub(crate) report: Option<Report>,
    /// Whether a source could not be read (exit 2 after writing).
    pub(crate) failed: bool,
    /// The charted class's cohorts compared (`report --group-by`).
    pub(crate) comparison: Option<crate::compare::Comparison>,
}

impl Built {
    /// The exit code of a run that found no boot: 2 when a source could not be read, else 1.
    pub(crate) fn nothing_code(&self) -> ExitCode {
        super::exit_code(self.failed, true)
    }
}

/// A path as the report shows it: relative to the working directory when it lies below it.
fn shown_path(cwd: Option<&Path>, p: &Path) -> String {
    let rel = cwd
        .zip(std::fs::canonicalize(p).ok())
        .and_then(|(cwd, abs)| abs.strip_prefix(cwd).ok().map(Path::to_path_buf));
    rel.unwrap_or_else(|| p.to_path_buf()).display().to_string()
}

/// The command line as given, `--out DIR` and `--quiet` left out, arguments with spaces quoted.
fn reproduce_command(args: impl Iterator<Item = OsString>) -> String {
    let mut words = vec!["bootline".to_string()];
    let mut skip_next = false;
    for a in args.skip(1) {
        let a = a.to_string_lossy().into_owned();
        if skip_next {
            skip_next = false;
            continue;
        }
        if a == "--out" {
            skip_next = true;
            continue;
        }
        // Neither where the folder goes nor whether progress is printed changes the report.
        if a.starts_with("--out=") || a == "--quiet" {
            continue;
        }
        let plain = !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
        words.push(if plain {
            a
        } else if a.chars().any(char::is_control) {
            ansi_c_quoted(&a)
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        });
    }
    words.join(" ")
}

/// A word holding control characters (a file name with a newline or ESC) in bash's `$'…'`
/// quoting, so the command stays one line of visible characters that pastes back as the same
/// word: `$'a\nb'`.
fn ansi_c_quoted(word: &str) -> String {
    let mut out = String::from("$'");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `--now`, else `SOURCE_DATE_EPOCH`, else nothing.
fn report_time(now: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    if let Some(s) = now {
        let t = DateTime::parse_from_rfc3339(s).with_context(|| {
            format!("--now {s}: expected an RFC 3339 time such as 2026-06-10T14:51:01Z")
        })?;
        return Ok(Some(t.with_timezone(&Utc)));
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => {
            let secs: i64 = v.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH={v}: expected whole seconds since 1970")
            })?;
            Ok(DateTime::from_timestamp(secs, 0))
        }
        Ok(_) | Err(_) => Ok(None),
    }
}

/// Reads the inputs and builds the report. Before anything is read, `check_output` sees
/// every input path (files as found, paths as named, the configuration file) and may refuse
/// the run's output, so a refusal costs nothing.
pub(crate) fn build(
    opts: &ReportOptions,
    presentation: Presentation,
    now: Option<DateTime<Utc>>,
    (quiet, group_by): (bool, Option<&str>),
    check_output: impl FnOnce(&[&Path]) -> anyhow::Result<()>,
) -> anyhow::Result<Built> {
    let config = load_config(&opts.select)?;
    if opts
        .input
        .inputs
        .iter()
        .any(|p| crate::summary::is_summary(p))
    {
        let shown = (presentation, now, group_by);
        return build_from_summaries(opts, &config, shown, check_output);
    }
    let inputs = Inputs::from_args(&opts.input)?
        .with_markers(config.marker_set())
        .quietly(quiet);
    let read: Vec<&Path> = (inputs.sources.iter().map(|s| s.path.as_path()))
        .chain(opts.input.inputs.iter().map(PathBuf::as_path))
        .chain(opts.select.config.as_deref())
        .collect();
    check_output(&read)?;
    let keep = Keep {
        slowest_healthy: true,
        instance: opts.worked_instance.clone(),
        max_plausible_secs: config.latency.max_plausible_secs,
    };
    // Each input's SHA-256 is computed in the pass that reads it for boots.
    let (fleet, read) = read_fleet_reporting(&inputs, &config, &opts.select, None, keep, true)?;
    if read.nothing {
        return Ok(Built {
            report: None,
            failed: read.failed,
            comparison: None,
        });
    }
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let digests = report::inputs::list(
        &inputs.sources,
        &read.reports,
        &read.copies,
        &inputs.skipped,
        &|p| shown_path(cwd.as_deref(), p),
    );
    let limit = config.latency.max_plausible_secs;
    let boots = fleet.boots;
    let source = report::Source::of_boots(&boots, fleet.kept, limit);
    // The boots are let go before the report is built: only `--group-by`'s cohorts read them
    // again, and those are split now.
    let class = report::charted_class(opts.class.as_deref(), &source.classes);
    let split = group_by.map(|label| cohorts_of(&boots, &config, &class, label));
    drop(boots);
    let cohorts = move |_: &str, _: &str| Ok(split.unwrap_or_default());
    let shown = (presentation, now, group_by);
    finish(opts, &config, source, digests, shown, cohorts, read.failed)
}

/// The cohorts of `class`'s boots split by `label` (`report --group-by`).
fn cohorts_of(
    boots: &[crate::timeline::lean::LeanBoot],
    config: &Config,
    class: &str,
    label: &str,
) -> Vec<crate::compare::Cohort> {
    let of_class = (boots.iter()).filter(|b| &*b.class == class).cloned();
    let split = cohort::split(of_class.collect(), &cohort::Key::parse(label));
    (split.into_iter())
        .map(|(name, boots)| cohort::from_boots(name, &boots, config).0)
        .collect()
}

/// The cohorts of a class split by a label (`report --group-by`), asked for once.
trait Cohorts: FnOnce(&str, &str) -> anyhow::Result<Vec<crate::compare::Cohort>> {}

impl<F: FnOnce(&str, &str) -> anyhow::Result<Vec<crate::compare::Cohort>>> Cohorts for F {}

/// The report of a fleet read (or of summaries), with what it was read from.
fn finish(
    opts: &ReportOptions,
    config: &Config,
    source: report::Source,
    digests: report::inputs::Inputs,
    (presentation, now, group_by): (Presentation, Option<DateTime<Utc>>, Option<&str>),
    cohorts: impl Cohorts,
    failed: bool,
) -> anyhow::Result<Built> {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let options = report::Options {
        class: report::charted_class(opts.class.as_deref(), &source.classes),
        worked_instance: opts.worked_instance.clone(),
        command: reproduce_command(std::env::args_os()),
        config: (opts.select.config.as_deref()).map(|p| shown_path(cwd.as_deref(), p)),
        now,
        presentation,
    };
    let comparison = match group_by {
        Some(label) => {
            let c = cohorts(&options.class, label)?;
            report::compare::comparison(c, config, &options.class, label)
        }
        None => None,
    };
    let report = report::build(source, config, digests, &options)?;
    super::report_implausible(&report.implausible, opts.input.read.strict)?;
    for c in &report.classes {
        super::report_observed(&c.observed_timeouts);
    }
    Ok(Built {
        report: Some(report),
        failed,
        comparison,
    })
}

/// [`build`] from summaries: their boots, the slowest healthy ones whole, and the inputs they
/// were made from (shown as the report shows paths read here).
fn build_from_summaries(
    opts: &ReportOptions,
    config: &Config,
    shown_as: (Presentation, Option<DateTime<Utc>>, Option<&str>),
    check_output: impl FnOnce(&[&Path]) -> anyhow::Result<()>,
) -> anyhow::Result<Built> {
    if opts.worked_instance.is_some() {
        anyhow::bail!(
            "--worked-instance draws an instance's boots whole, which a summary keeps only for \
             each class's slowest healthy boot: give the logs or timelines instead"
        );
    }
    let read: Vec<&Path> = (opts.input.inputs.iter().map(PathBuf::as_path))
        .chain(opts.select.config.as_deref())
        .collect();
    check_output(&read)?;
    let summary = super::summarize::read_summaries(&opts.input.inputs, &opts.select, config)?
        .context("the inputs are summaries")?;
    super::summarize::need_boots(&summary, "report")?;
    let source = summary.report_source();
    if source.is_empty() {
        super::summarize::say_empty(None);
        return Ok(Built {
            report: None,
            failed: false,
            comparison: None,
        });
    }
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let shown = |p: &str| shown_path(cwd.as_deref(), Path::new(p));
    let files = summary
        .inputs()
        .map(|f| report::inputs::InputFile {
            path: shown(&f.path),
            copy_of: f.copy_of.as_deref().map(shown),
            ..f.clone()
        })
        .collect();
    let digests = report::inputs::of_files(files);
    let cohorts = |class: &str, label: &str| {
        let key = cohort::Key::parse(label);
        let split = cohort::split_summary(&summary, class, Some(&key), "")?;
        Ok(split
            .into_iter()
            .map(|(name, attempts, counts)| cohort::from_counts(name, &attempts, &counts, config).0)
            .collect())
    };
    finish(opts, config, source, digests, shown_as, cohorts, false)
}

/// The zone named with `--tz`.
pub(crate) fn zone(tz: &str) -> anyhow::Result<Zone> {
    tz.parse::<Zone>().map_err(|e| anyhow::anyhow!("--tz: {e}"))
}

/// The names `report` writes into its folder: nothing else may be there.
fn file_names() -> Vec<String> {
    let mut names = vec!["report.md".to_string(), "report.json".to_string()];
    names.extend(Kind::ALL.iter().map(|k| format!("{k}.svg")));
    names.push(report::compare::CHART.to_string());
    names
}

/// The folder's files, named: `report.md`, `report.json` and each chart drawn (a chart that
/// cannot be drawn is named on stderr and on the page instead).
fn report_files(report: &Report) -> anyhow::Result<Vec<(String, String)>> {
    // Charts first: the page links only those drawn and names the others with the reason.
    let mut charts = Vec::new();
    let mut undrawn = Vec::new();
    for (kind, svg) in chart::render_all(report) {
        match svg {
            Ok(svg) => charts.push((format!("{kind}.svg"), svg)),
            Err(e) => {
                crate::warn!("bootline: {e}");
                undrawn.push(e);
            }
        }
    }
    let mut files = vec![
        (
            "report.md".to_string(),
            report::markdown::render(report, &undrawn),
        ),
        ("report.json".to_string(), report::json(report)?),
    ];
    files.extend(charts);
    Ok(files)
}

/// The verdicts and the files written, on stdout.
fn say_written(report: &Report, written: &[PathBuf]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &report::text::verdicts(report))?;
    for p in written {
        super::write_text(&mut out, &format!("wrote {}\n", p.display()))?;
    }
    out.flush()?;
    Ok(())
}

/// Adds the comparison section to `report.md` and its chart (`report --group-by`).
fn compared(files: &mut Vec<(String, String)>, c: &crate::compare::Comparison) {
    let svg = crate::chart::compare::render(c).inspect_err(|e| crate::warn!("bootline: {e}"));
    files[0]
        .1
        .push_str(&report::compare::section(c, svg.is_ok()));
    if let Ok(svg) = svg {
        files.push((report::compare::CHART.to_string(), svg));
    }
}

/// Runs `bootline report`.
pub(crate) fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let presentation = Presentation {
        zone: zone(&args.report.tz)?,
        link_base: args.link_base.clone(),
        redact: args.redact,
    };
    let now = report_time(args.now.as_deref())?;
    let names = file_names();
    let mut folder = None;
    let flags = (args.quiet, args.group_by.as_deref());
    let built = build(&args.report, presentation, now, flags, |inputs| {
        output::refuse_inputs(Target::Folder(&args.out), inputs)?;
        let ours: Vec<&str> = names.iter().map(String::as_str).collect();
        folder = Some(output::Folder::new(&args.out, &ours)?);
        Ok(())
    })?;
    // Inputs of which some give nothing still make a report of the rest; when none gives a
    // boot, there is no report to write.
    let Built {
        report: Some(report),
        failed,
        comparison,
    } = built
    else {
        return Ok(built.nothing_code());
    };
    let mut files = report_files(&report)?;
    if let Some(c) = &comparison {
        compared(&mut files, c);
    }
    // Built beside the folder and swapped in whole: the folder holds one run's set at every
    // instant.
    let folder = folder.context("the output folder was not checked")?;
    let mut staged = folder.stage()?;
    for (name, text) in &files {
        staged.write(name, text.as_bytes())?;
    }
    staged.publish()?;
    let written: Vec<PathBuf> = files.iter().map(|(name, _)| args.out.join(name)).collect();
    if !args.quiet {
        say_written(&report, &written)?;
    }
    // An input that could not be read outranks a finding; either way the folder is written.
    let insufficient = args.report.input.read.strict && report.recommendation.insufficient();
    Ok(super::exit_code(
        failed,
        report.recommendation.failed() || insufficient,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_leaves_out_the_folder_and_quotes_spaces() {
        let args = [
            "target/bootline",
            "report",
            "--out",
            "x",
            "a b",
            "--out=y",
            "--tz",
            "+02:00",
        ]
        .map(OsString::from);
        assert_eq!(
            reproduce_command(args.into_iter()),
            "bootline report 'a b' --tz +02:00"
        );
    }

    #[test]
    fn a_word_with_control_characters_is_quoted_visibly() {
        let args = ["bootline", "report", "a\n# b\u{1b}]0;t\u{7}'\\"].map(OsString::from);
        assert_eq!(
            reproduce_command(args.into_iter()),
            r"bootline report $'a\n# b\x1b]0;t\x07\'\\'"
        );
    }
}
