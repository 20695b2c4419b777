//! One module per subcommand; each turns validated arguments into output and an exit code.

mod analyze;
mod chart;
mod check;
mod compare;
mod fit;
mod formats;
mod manual;
mod progress;
mod read;
mod recommend;
mod report;
mod settings;
mod summarize;
mod timeline;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::parse::{self, Format, Summary};
use crate::sources::{Skipped, Source, SourceSet};
use crate::timeline::dedup::RepeatedSource;
use crate::timeline::{Implausibles, ObservedTimeout};

pub(crate) use crate::render::name_list;
pub(crate) use crate::render::numbers::count;
use crate::render::style::Palette;

use crate::cli::{Cli, ColorWhen, Command, InputArgs};

/// Runs the chosen subcommand.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    match cli.command {
        Command::Formats => formats::run(),
        Command::Blame(args) => analyze::run(analyze::Mode::Blame, args.input, args.format),
        Command::Show(args) => analyze::run(analyze::Mode::Show, args.input, args.format),
        Command::Dump(args) => analyze::run_dump(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Recommend(args) => recommend::run(args),
        Command::Check(args) => check::run(args),
        Command::Summarize(args) => summarize::run(args),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man => manual::man(),
        Command::Report(args) => report::run(args),
        Command::Chart(args) => chart::run(args),
    }
}

/// Colour for stdout: as `--color` says, or on `auto` when stdout is a terminal and
/// `NO_COLOR` is not set (anstream's rule, which also honours `CLICOLOR_FORCE` and
/// `TERM=dumb`).
pub(crate) fn palette() -> Palette {
    let choice = anstream::AutoStream::choice(&std::io::stdout());
    Palette::new(choice != anstream::ColorChoice::Never)
}

/// Writes a text answer to standard output. The log text in it was escaped where it was
/// written; this is the last guard: a control character left over is shown as an escape, and
/// only the palette's own colours (when it paints) pass.
pub(crate) fn write_text(out: &mut dyn std::io::Write, text: &str) -> std::io::Result<()> {
    let shown = crate::render::escape::terminal_lines(text, palette().enabled());
    out.write_all(shown.as_bytes())
}

/// Inputs expanded to files, with the named format (if any) validated.
pub(crate) struct Inputs {
    /// Files in order (folders expanded, sorted), each file once.
    pub(crate) sources: Vec<Source>,
    /// The format named with `--input-format`.
    pub(crate) format: Option<Format>,
    /// Parser options.
    pub(crate) options: parse::Options,
    /// Draw no progress bar (`report --quiet`).
    pub(crate) quiet: bool,
    /// Paths folder walks passed over (named on stderr; the report lists them).
    pub(crate) skipped: Vec<Skipped>,
}

impl Inputs {
    /// Validates input arguments and expands folders ([`report_expansion`] says on stderr what
    /// the walk passed over).
    pub(crate) fn from_args(args: &InputArgs) -> anyhow::Result<Self> {
        let format = args
            .read
            .input_format
            .as_deref()
            .map(str::parse::<Format>)
            .transpose()?;
        let set = crate::sources::expand(&args.inputs)?;
        report_expansion(&set);
        Ok(Self {
            sources: set.sources,
            format,
            options: parse::Options::default()
                .with_strict(args.read.strict)
                .with_max_line_bytes(args.read.max_line_bytes)
                .with_max_boots_per_source(args.read.max_boots_per_source),
            quiet: false,
            skipped: set.skipped,
        })
    }

    /// Draws no progress bar while reading.
    pub(crate) fn quietly(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The paths of the sources, in order.
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.sources.iter().map(|s| s.path.clone()).collect()
    }
}

/// The exit code of a command: 2 when an input could not be read (it outranks a finding), 1
/// when the analysis found what the user asked to be told about, else 0.
pub(crate) fn exit_code(read_failed: bool, finding: bool) -> ExitCode {
    if read_failed {
        ExitCode::from(2)
    } else if finding {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A JSON document as every command prints it: pretty, ending in a newline.
pub(crate) fn pretty_json<T: serde::Serialize>(v: &T) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

/// Says on stderr what a folder walk passed over and which paths reached a file already
/// listed.
fn report_expansion(set: &SourceSet) {
    for s in &set.skipped {
        crate::warn!("bootline: skipped {}: {}", s.path.display(), s.reason);
    }
    if !set.repeated.is_empty() {
        let names: Vec<_> = set.repeated.iter().map(|p| p.display()).collect();
        crate::warn!(
            "bootline: {} reached more than once, read once: {}",
            count(set.repeated.len(), "path"),
            name_list(&names)
        );
    }
}

/// Says on stderr which attempts have an implausible latency and were not fitted; with
/// `--strict` the same words are the error.
pub(crate) fn report_implausible(found: &Implausibles, strict: bool) -> anyhow::Result<()> {
    if found.is_empty() {
        return Ok(());
    }
    let what = format!(
        "{} with an implausible latency",
        count(found.count, "attempt")
    );
    let limit = format!(
        "[latency] max_plausible_secs = {} s",
        found.max_plausible_secs
    );
    let names = name_list(&found.attempts);
    if strict {
        anyhow::bail!("{what} ({limit}): {names}");
    }
    crate::warn!("bootline: {what}, not fitted ({limit}; --strict makes this an error): {names}");
    Ok(())
}

/// Says on stderr, once per class (or template with its own override), where the platform's
/// own events contradict the declared timeout, and at which timeout the flips were judged.
pub(crate) fn report_observed(observed: &[ObservedTimeout]) {
    for o in observed {
        crate::warn!("bootline: {o}");
    }
}

/// Says on stderr which files found in folders were skipped as no format bootline reads.
pub(crate) fn report_unrecognised(paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    let names: Vec<_> = paths.iter().map(|p| p.display()).collect();
    crate::warn!(
        "bootline: skipped {} found in folders whose format is not recognised: {}",
        count(paths.len(), "file"),
        name_list(&names)
    );
}

/// Says on stderr which sources were dropped as copies of earlier ones.
pub(crate) fn report_copies(copies: &[RepeatedSource]) {
    if copies.is_empty() {
        return;
    }
    let pairs: Vec<String> = copies
        .iter()
        .map(|c| format!("{} (= {})", c.path.display(), c.kept.display()))
        .collect();
    crate::warn!(
        "bootline: {} with the same content as an earlier input, read once: {}",
        count(copies.len(), "file"),
        name_list(&pairs)
    );
}

impl Inputs {
    /// Matches these markers (from the configuration) in text logs.
    pub(crate) fn with_markers(mut self, markers: parse::MarkerSet) -> Self {
        self.options = self.options.with_markers(markers);
        self
    }

    /// Matches no markers: the analyze-style commands show cloud-init's own events only, and
    /// the `cloud-init.log` fast path then skips every other line unread.
    pub(crate) fn without_markers(mut self) -> Self {
        self.options = self.options.with_markers(parse::MarkerSet::empty());
        self
    }
}

/// Prints the malformed-line summary of one input to stderr.
pub(crate) fn report_malformed(summary: &Summary) {
    if summary.malformed == 0 {
        return;
    }
    let path = summary.path.as_deref().unwrap_or("-");
    crate::warn!(
        "bootline: {path}: skipped {} malformed line{} (--strict makes the first one an error){}",
        summary.malformed,
        crate::render::numbers::plural_s(summary.malformed),
        if summary.malformed as usize > summary.first_malformed.len() {
            format!("; the first {} follow", summary.first_malformed.len())
        } else {
            String::new()
        }
    );
    for m in &summary.first_malformed {
        crate::warn!("{m}");
    }
}
