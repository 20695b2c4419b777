//! Command-line arguments (clap derive types only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turns captured cloud-VM boot logs into boot timelines, fleet statistics and a register-wait
/// timeout recommendation.
#[derive(Debug, Parser)]
#[command(name = "bootline", version, about)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Colour FAIL, stuck, crashed and other verdicts: `auto` on a terminal unless `NO_COLOR`
    /// is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub(crate) color: ColorWhen,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set (or `TERM=dumb`); `CLICOLOR_FORCE` forces it.
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List every input format bootline reads, with its name and an example line.
    Formats,
    /// Per-event durations of each boot record, like `cloud-init analyze blame` (sorted numerically).
    Blame(ReadArgs),
    /// Each boot record's stages and events, like `cloud-init analyze show`.
    Show(ReadArgs),
    /// The events as `cloud-init analyze dump` JSON.
    Dump(InputArgs),
    /// One boot timeline per instance: phases, milestones, outcome and register latency,
    /// joined across consoles, cloud-init logs, journald, systemd-analyze and platform events.
    Timeline(TimelineArgs),
    /// Fit the boot-duration distribution: Kaplan–Meier, censored MLE families, model ranking.
    Fit(FitArgs),
    /// Recommend register-wait timeouts per class, template and cohort, with false-fail rates,
    /// the stuck-class check and the lockstep and guard checks.
    Recommend(RecommendArgs),
    /// Compare cohorts (inputs, a label's values, launch weeks or durations files): quantile
    /// shifts, the log-rank and fixed-time tests, which phases moved, and a regression gate.
    Compare(CompareArgs),
    /// Check lockstep timeouts and guard cases against proposed timeouts; with inputs, fail
    /// when a current timeout is below its recommendation (a CI gate).
    Check(CheckArgs),
    /// Write a summary: the exact, mergeable reduction of boots that `fit`, `recommend` and
    /// `check` read as they read logs; summaries given as inputs are merged in.
    Summarize(SummarizeArgs),
    /// Print a completion script for a shell (e.g. `bootline completions bash >
    /// /etc/bash_completion.d/bootline`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `bootline man > bootline.1; man -l bootline.1`.
    Man,
    /// Write the pull-request report: report.md, report.json and the SVG charts, in one folder.
    Report(ReportArgs),
    /// Draw one chart of the report as SVG.
    Chart(ChartArgs),
}

/// Inputs and how to read them.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Files, folders (walked recursively) or `-` for standard input; `.gz` is read too.
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// How to read them.
    #[command(flatten)]
    pub(crate) read: ReadOptions,
}

/// Inputs a command can do without (`fit` and `recommend` with `--durations`, `check` without
/// data), and how to read them.
#[derive(Debug, Args)]
pub(crate) struct OptionalInputArgs {
    /// Boot timelines or any input bootline reads: files, folders (walked recursively) or `-`
    /// for standard input; `.gz` is read too.
    pub(crate) inputs: Vec<PathBuf>,
    /// How to read them.
    #[command(flatten)]
    pub(crate) read: ReadOptions,
}

impl OptionalInputArgs {
    /// The inputs as [`InputArgs`].
    pub(crate) fn to_input_args(&self) -> InputArgs {
        InputArgs {
            inputs: self.inputs.clone(),
            read: self.read.clone(),
        }
    }
}

/// How every input is read.
#[derive(Debug, Clone, Args)]
pub(crate) struct ReadOptions {
    /// Read every input as this format instead of sniffing it (see `bootline formats`).
    #[arg(long, value_name = "NAME")]
    pub(crate) input_format: Option<String>,
    /// Fail on the first malformed line instead of skipping and counting it.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Cut lines longer than this many bytes, counting and locating each (memory stays
    /// bounded on any input).
    #[arg(long, value_name = "BYTES", default_value_t = crate::input::MAX_LINE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..))]
    pub(crate) max_line_bytes: usize,
    /// Read no more than this many boots from one log (a console of repeated kernel banners),
    /// locating the line that begins the first one beyond; timeline shards are not limited.
    #[arg(long, value_name = "N",
          default_value_t = crate::timeline::fragment::MAX_BOOTS_PER_SOURCE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub(crate) max_boots_per_source: usize,
}

/// Inputs plus an output format.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// Inputs.
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
}

/// Output formats of the report commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Human-readable text.
    Text,
    /// JSON with `schema_version`.
    Json,
}

/// Which boots to keep.
#[derive(Debug, Args)]
pub(crate) struct SelectArgs {
    /// The configuration file (classes, templates, markers, related timeouts, guard cases).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Only this instance (an error when no boot read has it).
    #[arg(long, value_name = "ID")]
    pub(crate) instance: Option<String>,
    /// Only boots launched (or started) at or after this time: a date alone (midnight UTC) or
    /// an RFC 3339 time with any offset.
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only boots launched (or started) before this time: a date alone (midnight UTC) or an
    /// RFC 3339 time with any offset.
    #[arg(long, value_name = "TIME")]
    pub(crate) until: Option<String>,
    /// What latencies run to: `registered` (the default), `boot_finished` (cloud-init's end,
    /// for boots without platform events or agent), or a milestone marker's name; overrides
    /// `[latency] end`.
    #[arg(long, value_name = "MILESTONE")]
    pub(crate) end: Option<String>,
    /// Which files are one machine: `content` (an id inside the log, else a folder named like
    /// an instance, else the file), `folder` (the folder each file is in) or `file` (every file
    /// its own instance).
    #[arg(long, value_enum, default_value_t = IdentityArg::Content, value_name = "EVIDENCE")]
    pub(crate) identity: IdentityArg,
}

/// `--identity`: the evidence that decides which files are one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IdentityArg {
    /// An id inside the content (EC2 InstanceId, cloud-init instance id, journald machine id),
    /// else a folder named like an instance (EC2 id, UUID, `[identity] folder_regex`), else
    /// the file.
    Content,
    /// The folder each file is in, whatever its name.
    Folder,
    /// Every file is its own instance.
    File,
}

/// Options of `bootline timeline`.
#[derive(Debug, Args)]
pub(crate) struct TimelineArgs {
    /// Inputs.
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Selection and configuration.
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// Only boots of this class.
    #[arg(long, value_name = "NAME")]
    pub(crate) class: Option<String>,
    /// Output format: text, json, or jsonl (one boot per line: the interchange format other
    /// commands read back).
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub(crate) format: TimelineFormat,
}

/// Output formats of `bootline timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimelineFormat {
    /// Human-readable per-boot tables.
    Text,
    /// One JSON document.
    Json,
    /// One boot per line.
    Jsonl,
}

/// Options of `bootline summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Inputs: logs, timeline shards and summaries.
    #[command(flatten)]
    pub input: InputArgs,
    /// Selection and configuration.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Keep this platform label's values (the cohorts of `recommend --group-by`); without it
    /// every label's values are kept.
    #[arg(long, value_name = "LABEL")]
    pub group_by: Option<String>,
    /// Keep the attempts only, not the boots' counts (phase statistics, tail blame, figures)
    /// nor the boots a report draws: enough for `recommend` and `check`; `fit`, `compare` and
    /// `report` refuse it.
    #[arg(long)]
    pub attempts_only: bool,
    /// The summary file to write (`-` for standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Options of `bootline fit`.
#[derive(Debug, Args)]
pub(crate) struct FitArgs {
    /// Inputs (none with --durations).
    #[command(flatten)]
    pub(crate) input: OptionalInputArgs,
    /// Selection and configuration (with timelines).
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// A plain durations file: CSV with header `duration_seconds,censored`, or JSON (a list of
    /// `{duration_seconds, censored}` objects, or an object of two arrays).
    #[arg(long, value_name = "FILE")]
    pub(crate) durations: Option<PathBuf>,
    /// Only boots of this class (with timelines; default: `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) class: Option<String>,
    /// Survival at these times, in seconds (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SECS")]
    pub(crate) times: Vec<f64>,
    /// Confidence level of intervals and bounds (default: `[policy] confidence`, else 0.95).
    #[arg(long)]
    pub(crate) confidence: Option<f64>,
    /// Parametric-bootstrap goodness-of-fit p-values with this many resamples, 1 to 10000
    /// (seeded; off by default).
    #[arg(long, value_name = "N")]
    pub(crate) bootstrap: Option<usize>,
    /// List every phase in the text, also those that take no time (folded into a count
    /// otherwise).
    #[arg(long)]
    pub(crate) all_phases: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
}

/// Options of `bootline compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Inputs: each file or folder one cohort, in order (with --group-by: all of them, split by
    /// the label).
    #[command(flatten)]
    pub(crate) input: OptionalInputArgs,
    /// Selection and configuration (with timelines).
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// Plain durations files (as `fit --durations`), one cohort each, in order.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) durations: Vec<PathBuf>,
    /// Cohorts are the values of this label: `template`, a key of the `launched` events
    /// (instance_type, region, …), or `launch_week` / `launch_day` (UTC).
    #[arg(long, value_name = "LABEL")]
    pub(crate) group_by: Option<String>,
    /// Rename the cohorts, in order (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Vec<String>,
    /// Only boots of this class (with timelines; default: `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) class: Option<String>,
    /// S(T) and the fixed-time test at these times, seconds (repeatable; default: the class's
    /// current timeout and the recommended one).
    #[arg(long, value_name = "SECS")]
    pub(crate) at: Vec<f64>,
    /// The quantile the gate compares.
    #[arg(long, default_value_t = 0.9, value_name = "Q")]
    pub(crate) gate_quantile: f64,
    /// Seconds a later cohort may be slower at the gate quantile.
    #[arg(long, default_value_t = 0.0, value_name = "SECS")]
    pub(crate) tolerance: f64,
    /// The gate's significance level (log-rank p, Holm-corrected over gated pairs).
    #[arg(long, default_value_t = 0.01)]
    pub(crate) alpha: f64,
    /// Confidence level of intervals (default: `[policy] confidence`, else 0.95).
    #[arg(long)]
    pub(crate) confidence: Option<f64>,
    /// Bootstrap resamples per cohort for the quantile shifts (seeded).
    #[arg(long, default_value_t = crate::stats::shift::BOOTSTRAP_RESAMPLES, value_name = "N")]
    pub(crate) resamples: usize,
    /// Also draw the cohorts' survival curves as an SVG to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) chart: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
}

/// How the boots the sweep killed without a later register are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AssumeArg {
    /// The rule over every family, the cure model included, picked by BIC.
    Auto,
    /// They were slow healthy boots: censored at the flip.
    KilledSlow,
    /// They were stuck: dropped from the healthy sample.
    KilledStuck,
}

/// Options of `bootline recommend`.
#[derive(Debug, Args)]
pub(crate) struct RecommendArgs {
    /// Inputs (none with --durations).
    #[command(flatten)]
    pub(crate) input: OptionalInputArgs,
    /// Selection and configuration.
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// A plain durations file (as `fit`): one group, named by --class.
    #[arg(long, value_name = "FILE")]
    pub(crate) durations: Option<PathBuf>,
    /// Only this class (and its templates); default: every class.
    #[arg(long, value_name = "NAME")]
    pub(crate) class: Option<String>,
    /// Current timeout in seconds, `N` or `CLASS=N` (repeatable); overrides the configuration.
    #[arg(long, value_name = "[CLASS=]SECS")]
    pub(crate) current: Vec<String>,
    /// Stuck threshold in seconds, `N` or `CLASS=N` (repeatable); overrides the configuration.
    #[arg(long, value_name = "[CLASS=]SECS")]
    pub(crate) stuck: Vec<String>,
    /// Target false-fail rate p (overrides `[policy] target_false_fail_rate`).
    #[arg(long, value_name = "P")]
    pub(crate) target: Option<f64>,
    /// One-sided confidence of the bound (overrides `[policy] confidence`).
    #[arg(long, value_name = "LEVEL")]
    pub(crate) confidence: Option<f64>,
    /// Multiplicative slack (overrides `[policy] slack_multiplier`).
    #[arg(long, value_name = "FACTOR")]
    pub(crate) slack: Option<f64>,
    /// Additive slack in seconds (overrides `[policy] slack_add_secs`).
    #[arg(long, value_name = "SECS")]
    pub(crate) slack_add: Option<f64>,
    /// What-if timeouts in seconds (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SECS")]
    pub(crate) candidates: Vec<f64>,
    /// Fit each cohort of this platform label too (`instance_type`, `region`, `template`).
    #[arg(long, value_name = "LABEL")]
    pub(crate) group_by: Option<String>,
    /// How boots killed by the sweep without a later register are read.
    #[arg(long, value_enum, default_value_t = AssumeArg::Auto)]
    pub(crate) assume: AssumeArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
}

/// Options of `bootline check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Inputs (with any, the CI gate runs too).
    #[command(flatten)]
    pub(crate) input: OptionalInputArgs,
    /// Selection and configuration (`--config` is required).
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// Proposed timeout in seconds, `N` (the default class) or `NAME=N` for a class or a
    /// template (repeatable); default: the configured timeouts.
    #[arg(long, value_name = "[NAME=]SECS")]
    pub(crate) proposed: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
}

/// What the report is about and how it is shown (shared by `report` and `chart`).
#[derive(Debug, Args)]
pub(crate) struct ReportOptions {
    /// Inputs.
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Selection and configuration.
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    /// The class the charts and the worked instance are drawn for (default: `default`, else
    /// the class with the most boots).
    #[arg(long, value_name = "NAME")]
    pub(crate) class: Option<String>,
    /// The boot told step by step, by instance id (default: the class's slowest healthy boot).
    #[arg(long, value_name = "ID")]
    pub(crate) worked_instance: Option<String>,
    /// The zone of shown wall-clock times: UTC or an offset such as +02:00.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub(crate) tz: String,
}

/// Options of `bootline report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// What the report is about.
    #[command(flatten)]
    pub(crate) report: ReportOptions,
    /// The folder to write report.md, report.json and the charts to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Also compare the charted class's cohorts by this label (as `compare --group-by`): a
    /// section of the page and `compare.svg`.
    #[arg(long, value_name = "LABEL")]
    pub(crate) group_by: Option<String>,
    /// Make chart links absolute with this prefix (a pasted pull-request body resolves no
    /// relative links): an `http://` or `https://` URL, or a relative path.
    #[arg(long, value_name = "URL", value_parser = link_base)]
    pub(crate) link_base: Option<String>,
    /// Mask IP addresses, host names and key-like strings in quoted log lines.
    #[arg(long)]
    pub(crate) redact: bool,
    /// Write this time (RFC 3339) as the report's date; `SOURCE_DATE_EPOCH` does the same.
    /// Without either the report carries no date, so the same inputs give the same bytes.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    /// Print nothing on success and draw no progress bar (the files are still written).
    #[arg(long)]
    pub(crate) quiet: bool,
}

/// Options of `bootline chart`.
#[derive(Debug, Args)]
pub(crate) struct ChartArgs {
    /// Which chart: distribution, survival, waterfall, timeline or phases.
    pub(crate) kind: String,
    /// What the chart is about.
    #[command(flatten)]
    pub(crate) report: ReportOptions,
    /// The SVG file to write (`-` for standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: PathBuf,
}

/// `--link-base`: an `http(s)` URL or a relative path, and nothing that could end the Markdown
/// link it is written into. A `javascript:`, `data:` or `file:` base would turn every chart
/// link of the pasted page into that scheme.
fn link_base(s: &str) -> Result<String, String> {
    // A scheme is what comes before the first `:`, if no `/`, `?` or `#` comes first.
    let scheme = s
        .split_once(':')
        .map(|(head, _)| head)
        .filter(|head| !head.contains(['/', '?', '#']));
    const EXPECTED: &str = "expected an http:// or https:// URL or a relative path";
    match scheme {
        Some(scheme) if !["http", "https"].contains(&scheme.to_ascii_lowercase().as_str()) => {
            return Err(format!("a `{scheme}:` link is refused: {EXPECTED}"));
        }
        Some(_) | None => {}
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || "()<>[]`\"'\\".contains(c);
    match s.chars().find(|&c| bad(c)) {
        _ if s.is_empty() => Err(EXPECTED.into()),
        Some(c) => Err(format!("{c:?} cannot stand in a link: {EXPECTED}")),
        None => Ok(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::link_base;

    #[test]
    fn a_link_base_is_http_or_relative() {
        for ok in [
            "https://github.com/o/r/raw/abc/reports",
            "http://x/y/",
            "reports/fleet",
            "../r",
        ] {
            assert_eq!(link_base(ok).as_deref(), Ok(ok));
        }
        assert_eq!(link_base("HTTPS://x").as_deref(), Ok("HTTPS://x"));
        assert_eq!(link_base("./a:b").as_deref(), Ok("./a:b"));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc",
            "JavaScript:x",
            "vbscript:x",
        ] {
            let e = link_base(bad).unwrap_err();
            assert!(
                e.contains("is refused: expected an http:// or https:// URL"),
                "{bad}: {e}"
            );
        }
        assert!(link_base("https://x/a b").is_err());
        assert!(link_base("https://x/a)b").is_err());
        assert!(link_base("").is_err());
    }
}
