//! `bootline blame`, `show` and `dump`: cloud-init boot records in the layouts of `cloud-init
//! analyze`, without its bugs. A single input is streamed one record at a time; several inputs
//! are read in parallel and printed in input order.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use bootline::event::Event;
use bootline::parse::{self, Summary};
use bootline::record::{Builder, Record};
use bootline::render::dump::DumpWriter;
use bootline::render::records::{self, RecordJson, SCHEMA_VERSION};
use rayon::prelude::*;

use super::{report_malformed, Inputs};
use crate::cli::{InputArgs, OutputFormat};

/// Bytes buffered before each write to standard output.
const OUT_BUFFER_BYTES: usize = 64 * 1024;

/// Which layout to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `cloud-init analyze blame`.
    Blame,
    /// `cloud-init analyze show`.
    Show,
}

/// What reading one input gave.
struct Outcome {
    summary: Option<Summary>,
    records: usize,
    /// Finishes that matched no start: how many, and where the first was.
    unmatched: (usize, Option<String>),
    error: Option<anyhow::Error>,
    fell_back: bool,
}

/// Reads one input, handing each finished record to `each`.
fn read_records(
    path: &Path,
    inputs: &Inputs,
    mut each: impl FnMut(&Record) -> io::Result<()>,
) -> Outcome {
    let mut builder = Builder::new();
    let mut records = 0usize;
    // A count and the first place only: memory must not grow with the log.
    let mut unmatched: (usize, Option<String>) = (0, None);
    let mut write_err: Option<io::Error> = None;
    let mut handle = |r: Record, unmatched: &mut (usize, Option<String>)| {
        records += 1;
        if let Some(first) = r.unmatched_finishes.first() {
            unmatched.1.get_or_insert_with(|| first.to_string());
        }
        unmatched.0 += r.unmatched_finishes.len();
        if write_err.is_none() {
            if let Err(e) = each(&r) {
                write_err = Some(e);
            }
        }
    };
    let result = parse::parse_path(path, inputs.format, &inputs.options, &mut |e: Event| {
        if let Some(r) = builder.push(e) {
            handle(r, &mut unmatched);
        }
    });
    if let Some(r) = builder.finish() {
        handle(r, &mut unmatched);
    }
    let fell_back = result.as_ref().is_ok_and(|s| s.fell_back);
    let (summary, error) = match result {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(anyhow::Error::new(e))),
    };
    let error = match write_err {
        Some(e) => Some(anyhow::Error::new(e)),
        None => error,
    };
    Outcome {
        summary,
        records,
        unmatched,
        error,
        fell_back,
    }
}

fn render(
    mode: Mode,
    format: OutputFormat,
    path: &Path,
    r: &Record,
    first: &mut bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => match mode {
            Mode::Blame => records::write_blame(out, r),
            Mode::Show => records::write_show(out, r),
        },
        OutputFormat::Json => {
            if !*first {
                out.write_all(b",\n")?;
            }
            *first = false;
            let name = path.display().to_string();
            serde_json::to_writer(&mut *out, &RecordJson::new(&name, r)).map_err(io::Error::other)
        }
    }
}

/// Runs `blame` or `show`.
pub fn run(mode: Mode, args: InputArgs, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let inputs = Inputs::from_args(&args)?.with_fallback().without_markers();
    let stdout = io::stdout();
    // Large writes: blame prints a row per event, and a pipe reader wakes once per write.
    let mut out = BufWriter::with_capacity(OUT_BUFFER_BYTES, stdout.lock());
    let command = match mode {
        Mode::Blame => "blame",
        Mode::Show => "show",
    };
    if format == OutputFormat::Json {
        writeln!(
            out,
            "{{\"schema_version\":{SCHEMA_VERSION},\"command\":\"{command}\",\"records\":["
        )?;
    }
    let many = inputs.paths.len() > 1;
    let mut outcomes = Vec::new();
    let mut total = 0usize;
    let mut first = true;
    if !many {
        // Stream: one record in memory at a time.
        for path in &inputs.paths {
            let o = read_records(path, &inputs, |r| {
                render(mode, format, path, r, &mut first, &mut out)
            });
            total += o.records;
            outcomes.push((path.clone(), o));
        }
    } else {
        let rendered: Vec<(Vec<u8>, Outcome, bool)> = inputs
            .paths
            .par_iter()
            .map(|path| {
                let mut buf = Vec::new();
                let mut local_first = true;
                let o = read_records(path, &inputs, |r| {
                    render(mode, format, path, r, &mut local_first, &mut buf)
                });
                (buf, o, local_first)
            })
            .collect();
        for ((buf, o, local_first), path) in rendered.into_iter().zip(&inputs.paths) {
            if format == OutputFormat::Text {
                writeln!(out, "==> {} <==", path.display())?;
            } else if !local_first && !first {
                out.write_all(b",\n")?;
            }
            if !local_first {
                first = false;
            }
            out.write_all(&buf)?;
            total += o.records;
            outcomes.push((path.clone(), o));
        }
    }
    match format {
        OutputFormat::Text => records::write_footer(&mut out, total)?,
        OutputFormat::Json => writeln!(out, "\n],\"records_total\":{total}}}")?,
    }
    out.flush()?;
    Ok(finish(outcomes))
}

/// Reports per-input problems on stderr and picks the exit code.
fn finish(outcomes: Vec<(std::path::PathBuf, Outcome)>) -> ExitCode {
    let mut failed = false;
    let mut err = io::stderr().lock();
    for (path, o) in outcomes {
        if o.fell_back {
            let _ = writeln!(
                err,
                "bootline: {}: format not recognised; read as cloud-init-log",
                path.display()
            );
        }
        if let Some(s) = &o.summary {
            report_malformed(s);
        }
        if let (n, Some(first)) = &o.unmatched {
            let _ = writeln!(
                err,
                "bootline: {}: {} finish event{} matched no open start (the log may begin mid-boot), first at {}",
                path.display(),
                n,
                if *n == 1 { "" } else { "s" },
                first
            );
        }
        if let Some(e) = o.error {
            if crate::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(err, "bootline: {e:#}");
            failed = true;
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `dump`.
pub fn run_dump(args: InputArgs) -> anyhow::Result<ExitCode> {
    let inputs = Inputs::from_args(&args)?.with_fallback().without_markers();
    let stdout = io::stdout();
    let mut w = DumpWriter::new(BufWriter::with_capacity(OUT_BUFFER_BYTES, stdout.lock()))?;
    let mut outcomes = Vec::new();
    for path in &inputs.paths {
        let mut write_err = None;
        let result = parse::parse_path(path, inputs.format, &inputs.options, &mut |e: Event| {
            if write_err.is_none() {
                if let Err(err) = w.event(&e) {
                    write_err = Some(err);
                }
            }
        });
        let fell_back = result.as_ref().is_ok_and(|s| s.fell_back);
        let (summary, error) = match result {
            Ok(s) => (Some(s), write_err.map(anyhow::Error::new)),
            Err(e) => (None, Some(anyhow::Error::new(e))),
        };
        outcomes.push((
            path.clone(),
            Outcome {
                summary,
                records: 0,
                unmatched: (0, None),
                error,
                fell_back,
            },
        ));
    }
    let skipped = w.skipped_without_time;
    w.finish()?.flush()?;
    if skipped > 0 {
        eprintln!("bootline: {skipped} events without a wall-clock time are not in the dump (it needs epoch timestamps)");
    }
    Ok(finish(outcomes))
}
