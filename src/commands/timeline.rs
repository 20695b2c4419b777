//! `bootline timeline`: one boot timeline per instance, as text, JSON or JSON Lines.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use crate::config::Config;
use crate::render::timeline::{boot_text, summary_text};
use crate::timeline::lean;
use crate::timeline::{self, Boot, SCHEMA_VERSION};
use rayon::prelude::*;

use super::read::{load_config, read_boots, stream_boots};
use super::Inputs;
use crate::cli::TimelineArgs;
use crate::cli::TimelineFormat;

/// Runs `bootline timeline`.
pub(crate) fn run(args: TimelineArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.select)?;
    let inputs = Inputs::from_args(&args.input)?.with_markers(config.marker_set());
    if args.format == TimelineFormat::Jsonl {
        return write_lines(&args, &config, &inputs);
    }
    // With no boot, the empty document is still written (the JSON always parses) and stderr
    // says why; exit 0 all the same: an empty timeline is an answer.
    let (boots, found) = read_boots(&inputs, &config, &args.select, args.class.as_deref())?;
    super::report_observed(&timeline::disagreements(
        &timeline::attempts(&lean::lean_all(&boots)),
        &config,
    ));
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        TimelineFormat::Text => {
            // The fleet first: what a reader needs before scrolling through boots.
            let palette = super::palette();
            super::write_text(&mut out, &(summary_text(&boots, palette) + "\n"))?;
            for b in &boots {
                super::write_text(&mut out, &(boot_text(b, palette) + "\n"))?;
            }
        }
        TimelineFormat::Json => {
            let doc = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "boots": boots,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        // Written as the boots come (`write_lines`).
        TimelineFormat::Jsonl => {}
    }
    out.flush()?;
    Ok(super::exit_code(found.failed, false))
}

/// How many boots' lines are serialised at once (in parallel), then written in order.
const LINES_AT_ONCE: usize = 1024;

/// `--format jsonl`: each boot's line written as soon as the boot is final, in the order the
/// other formats list them ([`stream_boots`]): memory holds the boots in flight, not the fleet.
fn write_lines(args: &TimelineArgs, config: &Config, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut pending: Vec<Boot> = Vec::with_capacity(LINES_AT_ONCE);
    // The first write error ends the writing; it is returned once the read is done.
    let mut failed: Option<anyhow::Error> = None;
    let mut flush = |pending: &mut Vec<Boot>, failed: &mut Option<anyhow::Error>| {
        if failed.is_none() {
            if let Err(e) = write_chunk(&mut out, pending) {
                *failed = Some(e);
            }
        }
        pending.clear();
    };
    let (lean, found) = stream_boots(
        inputs,
        config,
        &args.select,
        args.class.as_deref(),
        &mut |b| {
            pending.push(b);
            if pending.len() == LINES_AT_ONCE {
                flush(&mut pending, &mut failed);
            }
        },
    )?;
    flush(&mut pending, &mut failed);
    // Said whether or not the lines could be written (a closed pipe ends a run quietly).
    super::report_observed(&timeline::disagreements(&timeline::attempts(&lean), config));
    if let Some(e) = failed {
        return Err(e);
    }
    out.flush()?;
    Ok(super::exit_code(found.failed, false))
}

/// Each boot's line is independent: serialised in parallel, written in order.
fn write_chunk(out: &mut impl Write, boots: &[Boot]) -> anyhow::Result<()> {
    let lines: Vec<Vec<u8>> = boots
        .par_iter()
        .map(|b| {
            let mut v = serde_json::to_vec(b)?;
            v.push(b'\n');
            Ok(v)
        })
        .collect::<Result<_, serde_json::Error>>()?;
    for l in lines {
        out.write_all(&l)?;
    }
    Ok(())
}
