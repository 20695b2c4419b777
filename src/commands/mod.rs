//! One module per subcommand; each turns validated arguments into output and an exit code.

mod analyze;
mod fit;
mod formats;
mod timeline;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bootline::parse::{self, Format, Summary};

use crate::cli::{Cli, Command, InputArgs};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Formats => formats::run(),
        Command::Blame(args) => analyze::run(analyze::Mode::Blame, args.input, args.format),
        Command::Show(args) => analyze::run(analyze::Mode::Show, args.input, args.format),
        Command::Dump(args) => analyze::run_dump(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Fit(args) => fit::run(args),
    }
}

/// Inputs expanded to files, with the named format (if any) validated.
pub struct Inputs {
    /// Files in order (folders expanded, sorted).
    pub paths: Vec<PathBuf>,
    /// The files named directly (not found by walking a folder).
    pub named: std::collections::BTreeSet<PathBuf>,
    /// The format named with `--input-format`.
    pub format: Option<Format>,
    /// Parser options.
    pub options: parse::Options,
}

impl Inputs {
    /// Validates input arguments.
    pub fn from_args(args: &InputArgs) -> anyhow::Result<Self> {
        let format = args
            .input_format
            .as_deref()
            .map(str::parse::<Format>)
            .transpose()?;
        let paths = bootline::input::expand_paths(&args.inputs)?;
        Ok(Self {
            paths,
            named: args.inputs.iter().cloned().collect(),
            format,
            options: parse::Options::default().with_strict(args.strict),
        })
    }
}

impl Inputs {
    /// Matches these markers (from the configuration) in text logs.
    pub fn with_markers(mut self, markers: parse::MarkerSet) -> Self {
        self.options = self.options.with_markers(markers);
        self
    }

    /// Reads unrecognised inputs as `cloud-init.log`, the domain of the analyze-style commands
    /// (as `cloud-init analyze` does).
    pub fn with_fallback(mut self) -> Self {
        self.options = self.options.with_fallback(Format::CloudInitLog);
        self
    }

    /// Matches no markers: the analyze-style commands show cloud-init's own events only, and
    /// the `cloud-init.log` fast path then skips every other line unread.
    pub fn without_markers(mut self) -> Self {
        self.options = self.options.with_markers(parse::MarkerSet::empty());
        self
    }
}

/// Prints the malformed-line summary of one input to stderr.
pub fn report_malformed(summary: &Summary) {
    if summary.malformed == 0 {
        return;
    }
    let path = summary.path.as_deref().unwrap_or("-");
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "bootline: {path}: skipped {} malformed line{} (--strict makes the first one an error){}",
        summary.malformed,
        if summary.malformed == 1 { "" } else { "s" },
        if summary.malformed as usize > summary.first_malformed.len() {
            format!("; the first {} follow", summary.first_malformed.len())
        } else {
            String::new()
        }
    );
    for m in &summary.first_malformed {
        let _ = writeln!(err, "{m}");
    }
}
