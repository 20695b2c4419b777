//! `bootline timeline`: one boot timeline per instance, as text, JSON or JSON Lines.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use crate::render::timeline::{boot_text, summary_text};
use crate::timeline::lean;
use crate::timeline::{self, SCHEMA_VERSION};
use rayon::prelude::*;

use super::read::{load_config, read_boots};
use super::Inputs;
use crate::cli::TimelineArgs;
use crate::cli::TimelineFormat;

/// Runs `bootline timeline`.
pub(crate) fn run(args: TimelineArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.select)?;
    let inputs = Inputs::from_args(&args.input)?.with_markers(config.marker_set());
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
        TimelineFormat::Jsonl => {
            // Each boot's line is independent: serialise a chunk in parallel, write it in
            // order, and hold no more than a chunk of text at a time.
            for chunk in boots.chunks(1024) {
                let lines: Vec<Vec<u8>> = chunk
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
            }
        }
    }
    out.flush()?;
    Ok(super::exit_code(found.failed, false))
}
