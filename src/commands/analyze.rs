//! `bootline blame`, `show` and `dump`: cloud-init boot records in the layouts of `cloud-init
//! analyze`, without its bugs. A single input is streamed one record at a time; several inputs
//! are read in parallel and printed in input order, a copy of an earlier input once.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::event::Event;
use crate::input::ContentHash;
use crate::parse::{self, Summary};
use crate::record::{Builder, Record};
use crate::render::dump::DumpWriter;
use crate::render::empty;
use crate::render::escape::terminal;
use crate::render::records::{self, RecordJson, SCHEMA_VERSION};
use crate::render::style::Palette;
use crate::sources::{self, Source};
use rayon::prelude::*;

use super::{report_malformed, Inputs};
use crate::cli::{InputArgs, OutputFormat};

/// Bytes buffered before each write to standard output.
const OUT_BUFFER_BYTES: usize = 64 * 1024;

/// Which layout to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `cloud-init analyze blame`.
    Blame,
    /// `cloud-init analyze show`.
    Show,
}

/// What reading one input gave.
#[derive(Default)]
struct Outcome {
    /// The input's path.
    path: std::path::PathBuf,
    /// Named on the command line (not found by walking a folder).
    named: bool,
    summary: Option<Summary>,
    /// Boot records (for dump: reporting events written).
    records: usize,
    /// Finishes that matched no start: how many, and where the first was.
    unmatched: (usize, Option<String>),
    error: Option<anyhow::Error>,
    /// The digest of its bytes, when its content is compared with other inputs'.
    content: Option<ContentHash>,
}

impl Outcome {
    /// A file found by walking a folder whose format is not recognised: skipped, not failed.
    fn unrecognised(&self) -> bool {
        self.error.as_ref().is_some_and(|e| {
            e.downcast_ref::<crate::Error>()
                .is_some_and(crate::Error::is_not_a_log)
        })
    }
}

/// Parses one source, handing each event to `each`.
fn parse_source(
    source: &Source,
    inputs: &Inputs,
    o: &mut Outcome,
    each: &mut dyn FnMut(Event),
) -> Result<Summary, crate::Error> {
    let (input, content) = crate::input::open_hashed(
        &source.path,
        crate::input::Hashes {
            content: source.compare_content,
            sha256: false,
        },
    )?;
    o.content = content;
    parse::parse_input(input, inputs.format, &inputs.options, each)
}

/// Reads one input, handing each finished record to `each`.
fn read_records(
    source: &Source,
    inputs: &Inputs,
    mut each: impl FnMut(&Record) -> io::Result<()>,
) -> Outcome {
    let mut builder = Builder::new();
    let mut o = Outcome {
        path: source.path.clone(),
        named: source.named,
        ..Outcome::default()
    };
    // A count and the first place only: memory must not grow with the log.
    let mut unmatched: (usize, Option<String>) = (0, None);
    let mut records = 0usize;
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
    let result = parse_source(source, inputs, &mut o, &mut |e: Event| {
        if let Some(r) = builder.push(e) {
            handle(r, &mut unmatched);
        }
    });
    if let Some(r) = builder.finish() {
        handle(r, &mut unmatched);
    }
    o.records = records;
    o.unmatched = unmatched;
    match result {
        Ok(s) => o.summary = Some(s),
        Err(e) => o.error = Some(anyhow::Error::new(e)),
    }
    if let Some(e) = write_err {
        o.error = Some(anyhow::Error::new(e));
    }
    o
}

fn render(
    mode: Mode,
    format: OutputFormat,
    palette: Palette,
    path: &Path,
    r: &Record,
    first: &mut bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => match mode {
            Mode::Blame => records::write_blame(out, r, palette),
            Mode::Show => records::write_show(out, r, palette),
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

/// Writes the opening of the JSON document once, before the first record.
fn open_json(out: &mut dyn Write, command: &str, opened: &mut bool) -> io::Result<()> {
    if !*opened {
        *opened = true;
        writeln!(
            out,
            "{{\"schema_version\":{SCHEMA_VERSION},\"command\":\"{command}\",\"records\":["
        )?;
    }
    Ok(())
}

/// How records are printed, and how far the JSON document has come.
struct Printer {
    mode: Mode,
    format: OutputFormat,
    palette: Palette,
    /// Nothing reaches stdout before the first record: an input refused whole leaves it empty.
    opened: bool,
    /// No record printed yet (the next one needs no separator).
    first: bool,
}

impl Printer {
    fn command(&self) -> &'static str {
        match self.mode {
            Mode::Blame => "blame",
            Mode::Show => "show",
        }
    }

    /// Prints one record of the input at `path` straight to `out`.
    fn record(&mut self, out: &mut dyn Write, path: &Path, r: &Record) -> io::Result<()> {
        if self.format == OutputFormat::Json {
            open_json(out, self.command(), &mut self.opened)?;
        }
        let (mode, format, palette) = (self.mode, self.format, self.palette);
        render(mode, format, palette, path, r, &mut self.first, out)
    }

    /// Prints an input's `records` rendered apart into `buf` (`local_first`: none of them
    /// needed a separator before it): under the input's name in text, joined into the one
    /// document in JSON.
    fn rendered(
        &mut self,
        out: &mut dyn Write,
        path: &Path,
        (buf, records, local_first): (&[u8], usize, bool),
    ) -> io::Result<()> {
        if records > 0 {
            match self.format {
                OutputFormat::Text => {
                    writeln!(out, "==> {} <==", terminal(&path.display().to_string()))?;
                }
                OutputFormat::Json => {
                    open_json(out, self.command(), &mut self.opened)?;
                    if !local_first && !self.first {
                        out.write_all(b",\n")?;
                    }
                }
            }
        }
        if !local_first {
            self.first = false;
        }
        out.write_all(buf)
    }
}

/// Runs `blame` or `show`.
pub(crate) fn run(mode: Mode, args: InputArgs, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let inputs = Inputs::from_args(&args)?.without_markers();
    let mut printer = Printer {
        mode,
        format,
        palette: super::palette(),
        opened: false,
        first: true,
    };
    let stdout = io::stdout();
    // Large writes: blame prints a row per event, and a pipe reader wakes once per write.
    let mut out = BufWriter::with_capacity(OUT_BUFFER_BYTES, stdout.lock());
    let outcomes = if let [source] = inputs.sources.as_slice() {
        // Stream: one record in memory at a time.
        vec![read_records(source, &inputs, |r| {
            printer.record(&mut out, &source.path, r)
        })]
    } else {
        print_many(&inputs, &mut printer, &mut out)?
    };
    let total = outcomes.iter().map(|o| o.records).sum();
    if total > 0 {
        match format {
            OutputFormat::Text => records::write_footer(&mut out, total)?,
            OutputFormat::Json => writeln!(out, "\n],\"records_total\":{total}}}")?,
        }
    }
    out.flush()?;
    Ok(finish(outcomes, total))
}

/// Reads several inputs in parallel, each rendered apart, and prints them in input order; a
/// copy of an earlier input is named on stderr instead.
fn print_many(
    inputs: &Inputs,
    printer: &mut Printer,
    out: &mut dyn Write,
) -> io::Result<Vec<Outcome>> {
    let (mode, format, palette) = (printer.mode, printer.format, printer.palette);
    let rendered: Vec<(Vec<u8>, Outcome, bool)> = inputs
        .sources
        .par_iter()
        .map(|source| {
            let mut buf = Vec::new();
            let mut local_first = true;
            let o = read_records(source, inputs, |r| {
                let first = &mut local_first;
                render(mode, format, palette, &source.path, r, first, &mut buf)
            });
            (buf, o, local_first)
        })
        .collect();
    let keys: Vec<_> = rendered
        .iter()
        .zip(&inputs.sources)
        .map(|((_, o, _), s)| (s.size, o.content.as_ref().and_then(ContentHash::value)))
        .collect();
    let copies = sources::repeats(&keys);
    let mut copied = Vec::new();
    let mut outcomes = Vec::new();
    for (((buf, o, local_first), source), copy_of) in
        rendered.into_iter().zip(&inputs.sources).zip(copies)
    {
        if let Some(kept) = copy_of {
            copied.push(crate::timeline::dedup::RepeatedSource {
                path: source.path.clone(),
                kept: inputs.sources[kept].path.clone(),
            });
            continue;
        }
        printer.rendered(out, &source.path, (&buf, o.records, local_first))?;
        outcomes.push(o);
    }
    super::report_copies(&copied);
    Ok(outcomes)
}

/// Reports per-input problems on stderr and picks the exit code: 2 when an input could not be
/// read, else 1 when no input held a cloud-init event, else 0.
fn finish(outcomes: Vec<Outcome>, total: usize) -> ExitCode {
    let mut failed = false;
    let mut unrecognised = Vec::new();
    for o in &outcomes {
        let path = o.path.display();
        if let Some(s) = &o.summary {
            report_malformed(s);
        }
        if let (n, Some(first)) = &o.unmatched {
            crate::warn!("bootline: {path}: {n} finish event{} matched no open start (the log may begin mid-boot), first at {first}",
                crate::render::numbers::plural_s(*n),
            );
        }
        let Some(e) = o.error.as_ref() else { continue };
        if crate::stderr::is_broken_pipe(e) {
            return ExitCode::SUCCESS;
        }
        if o.unrecognised() && !o.named {
            unrecognised.push(o.path.clone());
            continue;
        }
        crate::warn!("bootline: {e:#}");
        failed = true;
    }
    super::report_unrecognised(&unrecognised);
    let empty: Vec<(&Path, &Summary)> = outcomes
        .iter()
        .filter(|o| o.records == 0)
        .filter_map(|o| Some((o.path.as_path(), o.summary.as_ref()?)))
        .collect();
    if !empty.is_empty() {
        crate::warn!("bootline: {}", empty::no_cloud_init_events(&empty));
    }
    super::exit_code(failed, total == 0)
}

/// Runs `dump`.
pub(crate) fn run_dump(args: InputArgs) -> anyhow::Result<ExitCode> {
    let inputs = Inputs::from_args(&args)?.without_markers();
    // Events are written as they are read: copies are found before, by a first read of the
    // inputs whose size another shares.
    let keys: Vec<_> = inputs
        .sources
        .iter()
        .map(|s| {
            (
                s.size,
                s.compare_content.then(|| hash_of(&s.path)).flatten(),
            )
        })
        .collect();
    let copies = sources::repeats(&keys);
    let stdout = io::stdout();
    // Started at the first event: an input refused whole leaves stdout empty.
    let mut w: Dump = None;
    let mut written = 0u64;
    let mut outcomes = Vec::new();
    let mut copied = Vec::new();
    for (source, copy_of) in inputs.sources.iter().zip(copies) {
        if let Some(kept) = copy_of {
            copied.push(crate::timeline::dedup::RepeatedSource {
                path: source.path.clone(),
                kept: inputs.sources[kept].path.clone(),
            });
            continue;
        }
        let o = dump_source(source, &inputs, &mut w, &mut written, &stdout);
        outcomes.push(o);
    }
    let total = written as usize;
    let mut skipped = 0;
    if let Some(w) = w {
        skipped = w.skipped_without_time;
        w.finish()?.flush()?;
    }
    super::report_copies(&copied);
    if skipped > 0 {
        crate::warn!("bootline: {skipped} events without a wall-clock time are not in the dump (it needs epoch timestamps)");
    }
    Ok(finish(outcomes, total))
}

/// Where `dump` writes: started at the first event.
type Dump<'a> = Option<DumpWriter<BufWriter<io::StdoutLock<'a>>>>;

/// Dumps one input's events into `w` (started at the first event: an input refused whole
/// leaves stdout empty), counting them on from `written`.
fn dump_source<'a>(
    source: &Source,
    inputs: &Inputs,
    w: &mut Dump<'a>,
    written: &mut u64,
    stdout: &'a io::Stdout,
) -> Outcome {
    let mut o = Outcome {
        path: source.path.clone(),
        named: source.named,
        ..Outcome::default()
    };
    let mut write_err = None;
    let plain = Source {
        compare_content: false,
        ..source.clone()
    };
    let result = parse_source(&plain, inputs, &mut o, &mut |e: Event| {
        if write_err.is_some() {
            return;
        }
        let writer = match w {
            Some(writer) => writer,
            None => {
                let out = BufWriter::with_capacity(OUT_BUFFER_BYTES, stdout.lock());
                match DumpWriter::new(out) {
                    Ok(writer) => w.insert(writer),
                    Err(err) => {
                        write_err = Some(err);
                        return;
                    }
                }
            }
        };
        if let Err(err) = writer.event(&e) {
            write_err = Some(err);
        }
    });
    let now = w.as_ref().map_or(0, DumpWriter::written);
    o.records = (now - *written) as usize;
    *written = now;
    match result {
        Ok(s) => {
            o.summary = Some(s);
            o.error = write_err.map(anyhow::Error::new);
        }
        Err(e) => o.error = Some(anyhow::Error::new(e)),
    }
    o
}

/// The digest of a file's bytes, read whole; `None` when it cannot be read (reading it for
/// events then says why).
fn hash_of(path: &Path) -> Option<u128> {
    let (mut input, hash) = crate::input::open_hashed(
        path,
        crate::input::Hashes {
            content: true,
            sha256: false,
        },
    )
    .ok()?;
    let _ = io::copy(&mut input.reader, &mut io::sink()).ok()?;
    hash?.value()
}
