//! `bootline fit`: reads boot durations (a plain durations file for now), runs the statistics
//! library and writes the summary as text or JSON.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use serde::de::{self, Deserializer};
use serde::Deserialize;

use bootline::stats::summary::{
    analyse, FitSummary, Options, Progress, QuantileOut, MAX_BOOTSTRAP,
};
use bootline::stats::Record;

use std::collections::BTreeMap;

use bootline::recommend::Sample;
use bootline::render::fit::{bootstrap_table, summary_line};
use bootline::render::recommend::{percent, secs as secs_plain};
use bootline::render::secs_or_dash as secs;
use bootline::report::{self, PhaseReport};
use bootline::timeline::assemble::DEFAULT_CLASS;
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
        Source::Durations(path) => (read_durations(path)?, path.display().to_string()),
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
    // Attempts timed from the kernel's start: no launch event was read for them.
    let from_kernel_start = match &source {
        Source::Boots { class, .. } => sample.from_kernel_start(class),
        Source::Durations(_) => 0,
    };
    let phases = match &source {
        Source::Boots { class, boots } => Some((
            class,
            report::class::outcome_counts(boots),
            report::class::attempt_counts(boots),
            PhaseReport::new(boots, max_plausible_secs),
        )),
        Source::Durations(_) => None,
    };
    let text = match args.format {
        OutputFormat::Json => {
            let mut v = serde_json::to_value(&summary)?;
            if let (Some((class, counts, attempts, p)), Some(obj)) = (&phases, v.as_object_mut()) {
                obj.insert("class".into(), serde_json::json!(class));
                obj.insert("boots".into(), serde_json::json!(counts));
                obj.insert("attempts".into(), serde_json::json!(attempts));
                if from_kernel_start > 0 {
                    obj.insert(
                        "latency_from_kernel_start".into(),
                        serde_json::json!(from_kernel_start),
                    );
                }
                if !implausible.is_empty() {
                    obj.insert("implausible".into(), serde_json::to_value(implausible)?);
                }
                if !observed.is_empty() {
                    obj.insert("observed_timeouts".into(), serde_json::to_value(observed)?);
                }
                obj.insert("phases".into(), serde_json::to_value(&p.quantiles)?);
                obj.insert("tail_blame".into(), serde_json::to_value(&p.tail_blame)?);
            }
            super::pretty_json(&v)?
        }
        OutputFormat::Text => {
            let mut t = summary_line(&summary, &label);
            if let Some((class, counts, attempts, _)) = &phases {
                let _ = writeln!(
                    t,
                    "class {class}: {} attempts ({}); {} boots ({})\n",
                    attempts.values().sum::<usize>(),
                    outcome_counts(attempts),
                    counts.values().sum::<usize>(),
                    outcome_counts(counts)
                );
                if from_kernel_start > 0 {
                    let _ = writeln!(
                        t,
                        "{} of the latencies count from the kernel's start, not a launch (no platform event for them): the time before the kernel is missing\n",
                        super::count(from_kernel_start, "attempt")
                    );
                }
            }
            t.push_str(&render_text(&summary, current_timeout));
            t.push_str(&bootstrap_table(&summary));
            if let Some((_, _, _, p)) = &phases {
                t.push_str(&report::text::phases(p, args.all_phases));
            }
            t
        }
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &text)?;
    out.flush()?;
    Ok(super::exit_code(failed, false))
}

fn outcome_counts(m: &BTreeMap<String, usize>) -> String {
    m.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A duration that is a positive finite number (checked while parsing, so JSON errors carry
/// their line and column).
struct Duration(f64);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v > 0.0 {
            Ok(Duration(v))
        } else {
            Err(de::Error::custom(format!(
                "duration_seconds must be a positive number of seconds, got {v}"
            )))
        }
    }
}

/// A censoring flag written as 0/1 or false/true.
struct Censored(bool);

impl<'de> Deserialize<'de> for Censored {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Num(f64),
        }
        match Raw::deserialize(d) {
            Ok(Raw::Bool(b)) => Ok(Censored(b)),
            Ok(Raw::Num(0.0)) => Ok(Censored(false)),
            Ok(Raw::Num(1.0)) => Ok(Censored(true)),
            _ => Err(de::Error::custom("censored must be 0, 1, false or true")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    duration_seconds: Duration,
    censored: Censored,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    duration_seconds: Vec<Duration>,
    censored: Vec<Censored>,
}

/// Reads a durations file: CSV with header `duration_seconds,censored`, or JSON (a list of
/// objects or an object of two arrays). Errors name the file and line.
pub(super) fn read_durations(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let first = text.trim_start().chars().next();
    let records = match first {
        Some('[') | Some('{') => read_json(path, &text, first == Some('['))?,
        Some(_) => read_csv(path, &text)?,
        None => bail!("{}: empty file", path.display()),
    };
    if records.is_empty() {
        bail!("{}: no records", path.display());
    }
    Ok(records)
}

fn read_json(path: &Path, text: &str, list: bool) -> anyhow::Result<Vec<Record>> {
    let located = |e: serde_json::Error| {
        anyhow::anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column())
    };
    if list {
        let rows: Vec<Row> = serde_json::from_str(text).map_err(located)?;
        Ok(rows
            .into_iter()
            .map(|r| Record {
                duration_secs: r.duration_seconds.0,
                censored: r.censored.0,
            })
            .collect())
    } else {
        let c: Columns = serde_json::from_str(text).map_err(located)?;
        if c.duration_seconds.len() != c.censored.len() {
            bail!(
                "{}: duration_seconds has {} values but censored has {}",
                path.display(),
                c.duration_seconds.len(),
                c.censored.len()
            );
        }
        Ok(c.duration_seconds
            .into_iter()
            .zip(c.censored)
            .map(|(d, c)| Record {
                duration_secs: d.0,
                censored: c.0,
            })
            .collect())
    }
}

fn read_csv(path: &Path, text: &str) -> anyhow::Result<Vec<Record>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}:1: cannot read the header", path.display()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(di), Some(ci)) = (col("duration_seconds"), col("censored")) else {
        bail!(
            "{}:1: expected the header `duration_seconds,censored`, found `{}`",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(",")
        );
    };
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{}:{line}: {e}", path.display())
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let d: f64 = field(di).parse().map_err(|_| {
            anyhow::anyhow!(
                "{}:{line}: expected a number of seconds in duration_seconds, found `{}`",
                path.display(),
                field(di)
            )
        })?;
        if !(d.is_finite() && d > 0.0) {
            bail!(
                "{}:{line}: duration_seconds must be a positive number of seconds, got {d}",
                path.display()
            );
        }
        let c = match field(ci).to_ascii_lowercase().as_str() {
            "0" | "false" => false,
            "1" | "true" => true,
            other => bail!(
                "{}:{line}: expected 0, 1, false or true in censored, found `{other}`",
                path.display()
            ),
        };
        out.push(Record {
            duration_secs: d,
            censored: c,
        });
    }
    Ok(out)
}

fn param(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v:.6}")
    }
}

fn quantile_cells(q: &QuantileOut) -> String {
    format!(
        "{:>9} [{:>9}, {:>9}] {:>9}",
        secs(q.estimate),
        secs(q.ci[0]),
        secs(q.ci[1]),
        secs(q.ucb)
    )
}

/// Fixed-format text rendering of the summary.
fn render_text(s: &FitSummary, current_timeout: f64) -> String {
    let mut o = String::new();
    let pct = s.confidence * 100.0;
    let _ = writeln!(
        o,
        "{} records: {} registered, {} censored; intervals {pct:.0} % two-sided, bounds {pct:.0} % one-sided",
        s.n, s.n_events, s.n_censored
    );
    let _ = writeln!(o, "\nKaplan–Meier (log-log band inversion)");
    let _ = writeln!(o, "  median {} s", secs(s.km.median));
    let _ = writeln!(
        o,
        "  {:<6} {:>9} [{:>9}, {:>9}] {:>9}",
        "level", "estimate", "lower", "upper", "bound"
    );
    for (l, q) in &s.km.quantiles {
        let _ = writeln!(o, "  {l:<6} {}", quantile_cells(q));
    }
    for p in &s.km.survival_at {
        let _ = writeln!(
            o,
            "  S({:.0} s) = {:.6} [{}, {}]{}",
            p.t,
            p.s.unwrap_or(f64::NAN),
            p.ci[0].map_or("-".into(), |v| format!("{v:.6}")),
            p.ci[1].map_or("-".into(), |v| format!("{v:.6}")),
            if p.beyond_last_record == Some(true) {
                " (beyond the data)"
            } else {
                ""
            }
        );
    }
    if let Some(p) = s.km.survival_at.iter().find(|p| p.t == current_timeout) {
        let share = match (p.s, p.beyond_last_record) {
            (Some(v), Some(true)) if v > 0.0 => "beyond the data: an unknown share".to_string(),
            (Some(v), _) => format!(
                "{} [{}, {}]",
                percent(v),
                p.ci[0].map_or("-".into(), percent),
                p.ci[1].map_or("-".into(), percent)
            ),
            (None, _) => "an unknown share".to_string(),
        };
        let _ = writeln!(
            o,
            "  {share} of healthy boots exceed {} (the current timeout)",
            secs_plain(current_timeout)
        );
    }
    if let Some(p) = &s.km.plateau {
        let _ = writeln!(
            o,
            "  plateau after {:.1} s to {:.1} s: {} censored, S = {:.6}{}",
            p.last_event_time,
            p.max_time,
            p.n_censored_after_last_event,
            p.pi_hat,
            if p.long_plateau {
                " (long: stuck VMs likely; see lognormal_cure)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(o, "\nDistribution-free bounds (order statistics)");
    for (l, b) in &s.order_statistic {
        let _ = writeln!(
            o,
            "  {l:<6} [{:>9}, {:>9}] {:>9}{}",
            secs(b.lower),
            secs(b.upper),
            secs(b.ucb),
            b.unavailable
                .as_ref()
                .map_or(String::new(), |r| format!("  ({r})"))
        );
    }
    let _ = writeln!(o, "\nModels (best BIC first; n = all records)");
    let _ = writeln!(
        o,
        "  {:<19} {:>12} {:>11} {:>11} {:>8}  parameters",
        "family", "loglik", "AIC", "BIC", "ΔBIC"
    );
    for m in &s.models {
        let params: Vec<String> = m
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", param(*v)))
            .collect();
        let _ = writeln!(
            o,
            "  {:<19} {:>12.3} {:>11.3} {:>11.3} {:>8.3}  {}",
            m.score.family.name(),
            m.score.loglik,
            m.score.aic,
            m.score.bic,
            m.score.delta_bic,
            params.join(" ")
        );
    }
    let _ = writeln!(
        o,
        "\n  {:<19} {:<6} {:>9} [{:>9}, {:>9}] {:>9}",
        "family", "level", "estimate", "lower", "upper", "bound"
    );
    for m in &s.models {
        for l in ["p50", "p90", "p99", "p99.9"] {
            if let Some(q) = m.quantiles.get(l) {
                let _ = writeln!(
                    o,
                    "  {:<19} {l:<6} {}",
                    m.score.family.name(),
                    quantile_cells(q)
                );
            }
        }
        if let Some(r) = &m.se_unavailable {
            let _ = writeln!(o, "  {:<19} {r}", m.score.family.name());
        }
    }
    for u in &s.unavailable_models {
        let _ = writeln!(o, "  {:<19} not fitted: {}", u.family.name(), u.reason);
    }
    match (&s.tail_gpd.fit, &s.tail_gpd.skipped) {
        (Some(g), _) => {
            let _ = writeln!(
                o,
                "\nGeneralized Pareto tail above {:.1} s ({} exceedances): xi = {:.4}, sigma = {:.3}, p99.9 = {} s",
                g.threshold,
                g.n_exceedances,
                g.xi,
                g.sigma,
                secs(g.quantiles.get("p99.9").copied().flatten())
            );
        }
        (None, Some(r)) => {
            let _ = writeln!(o, "\nGeneralized Pareto tail: skipped ({r})");
        }
        (None, None) => {}
    }
    o
}
