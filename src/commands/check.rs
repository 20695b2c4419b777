//! `bootline check`: lockstep timeouts and guard cases against proposed timeouts; with inputs,
//! the CI gate (a current timeout below its recommendation fails).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use crate::config::DEFAULT_CLASS;
use crate::recommend::{self, Options, Proposal};
use crate::render::recommend::check_text;

use super::read::load_config;
use super::recommend::read_sample;
use super::settings::named_seconds;
use crate::cli::{CheckArgs, OutputFormat};

/// Runs `bootline check`.
pub(crate) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    if args.select.config.is_none() {
        bail!("check needs --config FILE (the lockstep timeouts and guard cases to check)");
    }
    let config = load_config(&args.select)?;
    let mut proposal = Proposal::current(&config);
    for text in &args.proposed {
        let (name, v) = named_seconds("proposed", text)?;
        let name = name.unwrap_or_else(|| DEFAULT_CLASS.to_string());
        if config.template(&name).is_some() {
            proposal.templates.insert(name, v);
        } else if config.class(&name).is_some() {
            proposal.classes.insert(name, v);
        } else {
            bail!(
                "--proposed {text}: {name} is neither a class nor a template of the configuration"
            );
        }
    }
    // Inputs that give no boot leave the gate nothing to check: stderr says why, the lockstep
    // and guard checks are still written, and the run is a finding.
    let (recs, read_failed, nothing) = if args.input.inputs.is_empty() {
        (None, false, false)
    } else {
        let read = read_sample(&args.input, &args.select, &config, None)?;
        let recs = (!read.nothing).then(|| read.sample.recommend(&config, &Options::default()));
        (recs, read.failed, read.nothing)
    };
    let report = recommend::check(&config, proposal, recs.as_ref());
    let out_text = match args.format {
        OutputFormat::Json => super::pretty_json(&report)?,
        OutputFormat::Text => check_text(&report),
    };
    let mut out = std::io::stdout().lock();
    super::write_text(&mut out, &out_text)?;
    out.flush()?;
    let insufficient = args.input.read.strict && recs.as_ref().is_some_and(|r| r.insufficient());
    Ok(super::exit_code(
        read_failed,
        nothing || report.failed() || insufficient,
    ))
}
