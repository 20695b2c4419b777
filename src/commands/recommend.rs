//! `bootline recommend`: reads boots (or a durations file), lays the flags over the
//! configuration, runs the library's recommendation and writes it as text or JSON.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use crate::config::{Class, Config, DEFAULT_CLASS};
use crate::recommend::attempt::Unusable;
use crate::recommend::{Assume, Options, Recommendations, Sample};
use crate::render::escape::terminal;
use crate::render::recommend::text;

use super::read::{read_fleet_without_phases, Found};
use super::settings::{self, named_seconds, PolicyFlags};
use super::{count, Inputs};
use crate::cli::{AssumeArg, OptionalInputArgs, OutputFormat, RecommendArgs, SelectArgs};

/// Reads boots from any inputs and maps them to attempts; says on stderr how many boots had no
/// usable latency, which had an implausible one (`--strict`: an error) and where the
/// platform's timeouts contradict the configured ones.
pub(super) fn read_sample(
    input: &OptionalInputArgs,
    select: &SelectArgs,
    config: &Config,
    class: Option<&str>,
) -> anyhow::Result<Read> {
    let (sample, found) = match super::summarize::read_summaries(&input.inputs, select, config)? {
        Some(summary) => {
            let sample = summary.sample(class, config);
            let nothing = sample.attempts.is_empty()
                && sample.unusable.count == 0
                && sample.implausible.is_empty();
            if nothing {
                super::summarize::say_empty(class);
            }
            let found = Found {
                failed: false,
                nothing,
            };
            (sample, found)
        }
        None => {
            let inputs =
                Inputs::from_args(&input.to_input_args())?.with_markers(config.marker_set());
            let (fleet, read) = read_fleet_without_phases(&inputs, config, select, class, false)?;
            let found = read.found();
            // The attempts hold what the sample reads of the boots: the boots are let go as
            // their attempts are made, not held beside them or the sample.
            let attempts = crate::timeline::attempts_of(fleet.boots);
            (Sample::from_timeline(&attempts, config), found)
        }
    };
    super::report_observed(&sample.observed);
    super::report_implausible(&sample.implausible, input.read.strict)?;
    report_unusable(&sample.unusable);
    Ok(Read {
        sample,
        failed: found.failed,
        nothing: found.nothing,
    })
}

/// Says on stderr which attempts of a fitted outcome have no usable latency (the first five).
fn report_unusable(unusable: &Unusable) {
    if unusable.count == 0 {
        return;
    }
    let ids: Vec<&str> = unusable.attempts.iter().take(5).map(|i| &*i.0).collect();
    crate::warn!(
        "bootline: {} without a usable register latency not fitted: {}{}",
        count(unusable.count, "attempt"),
        ids.join(", "),
        if unusable.count > ids.len() {
            ", …"
        } else {
            ""
        }
    );
}

/// What [`read_sample`] read.
pub(super) struct Read {
    /// The attempts, and what reading them set aside.
    pub(crate) sample: Sample,
    /// Whether any source failed to read.
    pub(crate) failed: bool,
    /// Whether no boot was found or selected (said on stderr).
    pub(crate) nothing: bool,
}

/// The class a bare `--current N` / `--stuck N` applies to.
fn bare_class(flag: &str, args: &RecommendArgs, config: &Config) -> anyhow::Result<String> {
    if let Some(c) = &args.class {
        return Ok(c.clone());
    }
    if args.durations.is_some() || config.classes.len() == 1 {
        return Ok(DEFAULT_CLASS.to_string());
    }
    bail!("--{flag}: with several classes give CLASS=N (or name the class with --class)")
}

/// The class to change, created with the default class's values when the file has none.
fn class_mut<'a>(config: &'a mut Config, name: &str) -> &'a mut Class {
    let policy = config.class_policy(name);
    config
        .classes
        .entry(name.to_string())
        .or_insert_with(|| Class {
            name: name.to_string(),
            timeout_secs: policy.timeout_secs,
            stuck_threshold_secs: policy.stuck_threshold_secs,
        })
}

/// The configuration with the flags laid over it (flags win).
fn configure(args: &RecommendArgs) -> anyhow::Result<Config> {
    let flags = PolicyFlags {
        target: args.target,
        confidence: args.confidence,
        slack: args.slack,
        slack_add: args.slack_add,
    };
    let mut config = settings::configure(&args.select, flags)?;
    for text in &args.current {
        let (name, v) = named_seconds("current", text)?;
        let name = match name {
            Some(n) => n,
            None => bare_class("current", args, &config)?,
        };
        class_mut(&mut config, &name).timeout_secs = v;
    }
    for text in &args.stuck {
        let (name, v) = named_seconds("stuck", text)?;
        let name = match name {
            Some(n) => n,
            None => bare_class("stuck", args, &config)?,
        };
        class_mut(&mut config, &name).stuck_threshold_secs = v;
    }
    settings::times("candidates", &args.candidates)?;
    Ok(config)
}

/// What the recommendation is asked for beyond the configuration.
fn options(args: &RecommendArgs, class: Option<String>) -> Options {
    Options {
        class,
        candidates: args.candidates.clone(),
        group_by: args.group_by.clone(),
        assume: match args.assume {
            AssumeArg::Auto => Assume::Auto,
            AssumeArg::KilledSlow => Assume::KilledSlow,
            AssumeArg::KilledStuck => Assume::KilledStuck,
        },
    }
}

/// Says on stderr why no group has a recommendation.
fn say_no_recommendation(recs: &Recommendations) {
    let why: Vec<String> = recs
        .skipped
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                terminal(s.template.as_deref().unwrap_or(&s.class)),
                terminal(&s.reason)
            )
        })
        .collect();
    crate::warn!("bootline: no recommendation: {}", why.join("; "));
}

/// Runs `bootline recommend`.
pub(crate) fn run(args: RecommendArgs) -> anyhow::Result<ExitCode> {
    let config = configure(&args)?;
    let (sample, read_failed, class) = match (&args.durations, args.input.inputs.is_empty()) {
        (Some(_), false) => bail!("give either boot timelines or --durations FILE, not both"),
        (None, true) => {
            bail!("nothing to recommend from: give inputs (logs, timelines) or --durations FILE")
        }
        (Some(path), true) => {
            let class = args
                .class
                .clone()
                .unwrap_or_else(|| DEFAULT_CLASS.to_string());
            let current = config.class_policy(&class).timeout_secs;
            let records = crate::durations::read(path)?;
            let sample = Sample::from_records(&records, &class, current);
            (sample, false, Some(class))
        }
        (None, false) => {
            let read = read_sample(&args.input, &args.select, &config, args.class.as_deref())?;
            if read.nothing {
                // Said on stderr: there is nothing to recommend from.
                return Ok(super::exit_code(read.failed, true));
            }
            (read.sample, read.failed, args.class.clone())
        }
    };
    let recs = sample.recommend(&config, &options(&args, class));
    if recs.classes.is_empty() && recs.templates.is_empty() {
        say_no_recommendation(&recs);
        // Boots were read, but none gives a latency to fit: a finding, like fit's.
        return Ok(super::exit_code(read_failed, true));
    }
    let out_text = match args.format {
        OutputFormat::Json => super::pretty_json(&recs)?,
        OutputFormat::Text => text(&recs),
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &out_text)?;
    out.flush()?;
    // Too few records is a verdict, not a finding, unless --strict asks for one.
    let insufficient = args.input.read.strict && recs.insufficient();
    Ok(super::exit_code(read_failed, recs.failed() || insufficient))
}
