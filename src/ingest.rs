//! Ingest: drives the parsers over many sources in parallel and hands their events to
//! assembly's digesters, in input order, with what went wrong per source reported rather than
//! fatal.
//!
//! This is the one place that knows both sides of the narrow waist: which format a source is
//! (sniffed or named) and which digester takes it. Parsers know nothing of boots; assembly
//! knows nothing of formats. A timeline (JSON Lines) input holds boots already assembled, so
//! it goes to the digester whole instead of through a parser.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::{Error, Malformed};
use crate::input;
use crate::parse::{self, Format, Options, Summary};
use crate::sources::Source;
use crate::timeline::fragment::{Digester, SourceBoots};
use crate::timeline::lean::{LineRead, Reduce};
use crate::timeline::skim;

#[path = "ingest_chunks.rs"]
mod chunked;
use crate::timeline::Boot;

/// What reading one source gave besides its digest.
#[derive(Debug)]
pub(crate) struct SourceReport {
    /// The path as given.
    pub(crate) path: PathBuf,
    /// Lines, events, malformed lines (when it could be read).
    pub(crate) summary: Option<Summary>,
    /// Why it could not be read (lenient mode keeps going).
    pub(crate) error: Option<Error>,
    /// Size and digest of its bytes, for sources whose content is compared
    /// ([`Source::compare_content`]) and that were read to the end.
    pub(crate) content: (Option<u64>, Option<u128>),
    /// SHA-256 of its raw bytes (as stored, before gunzip) and how many there were, when it
    /// was asked for and the read reached the end without an error.
    pub(crate) sha256: Option<Whole>,
}

impl crate::timeline::dedup::SourceRead for SourceReport {
    fn path(&self) -> &PathBuf {
        &self.path
    }

    fn content(&self) -> (Option<u64>, Option<u128>) {
        self.content
    }

    fn forget_summary(&mut self) {
        self.summary = None;
    }
}

/// An input's SHA-256, of every one of its raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Whole {
    /// Raw bytes read.
    pub(crate) bytes: u64,
    /// Their SHA-256.
    pub(crate) sha256: [u8; 32],
}

impl SourceReport {
    /// Whether a source found by walking a folder turned out to be no log bootline reads: it
    /// is then skipped and named, not counted as a failure. (A source named on the command
    /// line must be read.)
    pub(crate) fn passed_over(&self, source: &Source) -> bool {
        !source.named && self.error.as_ref().is_some_and(Error::is_not_a_log)
    }
}

/// [`collect`], reducing the boots of timeline inputs as they are read when `reduce` is given,
/// computing each source's SHA-256 in the same read pass when `sha256` is asked for (see
/// [`SourceReport::sha256`]), and telling `done` of each source read (from the reading
/// thread; for a progress bar).
pub(crate) fn collect_reporting(
    sources: &[Source],
    format: Option<Format>,
    opts: &Options,
    reduce: Option<&Reduce>,
    sha256: bool,
    done: &(dyn Fn(&Source) + Sync),
) -> (Vec<SourceBoots>, Vec<SourceReport>) {
    let results: Vec<(SourceBoots, SourceReport)> = sources
        .par_iter()
        .map(|s| {
            let hashes = input::Hashes {
                content: s.compare_content,
                sha256,
            };
            let mut content = None;
            let (digest, mut report) = read_one(s, format, opts, reduce, hashes, &mut content);
            if let Some(c) = &content {
                finish_hashes(c, &mut report);
            }
            // A stream's size is what was read of it.
            let size = s
                .size
                .or_else(|| content.as_ref().map(input::ContentHash::bytes_read));
            report.content = (size, content.as_ref().and_then(input::ContentHash::value));
            done(s);
            (digest, report)
        })
        .collect();
    results.into_iter().unzip()
}

/// Completes the digests of a source read without an error (reading what its parser left
/// unread) and keeps its SHA-256. A source whose read failed keeps no digest: it would be
/// of part of the file.
fn finish_hashes(content: &input::ContentHash, report: &mut SourceReport) {
    if report.error.is_some() {
        return;
    }
    if let Err(cause) = content.read_rest() {
        report.error = Some(Error::Io {
            path: report.path.display().to_string(),
            cause,
        });
        return;
    }
    report.sha256 = content.sha256().map(|sha256| Whole {
        bytes: content.bytes_read(),
        sha256,
    });
}

fn read_one(
    source: &Source,
    format: Option<Format>,
    opts: &Options,
    reduce: Option<&Reduce>,
    hashes: input::Hashes,
    content: &mut Option<input::ContentHash>,
) -> (SourceBoots, SourceReport) {
    let report = |summary, error| SourceReport {
        path: source.path.clone(),
        summary,
        error,
        content: (None, None),
        sha256: None,
    };
    let mut inp = match input::open_hashed(&source.path, hashes) {
        Ok((i, hash)) => {
            *content = hash;
            i
        }
        Err(e) => return (SourceBoots::default(), report(None, Some(e))),
    };
    let format = match format {
        Some(f) => Some(f),
        None => match parse::sniff(&mut inp) {
            Ok(f) => f,
            Err(e) => return (SourceBoots::default(), report(None, Some(e))),
        },
    };
    let mut digester = digester_of(inp.name.clone(), reduce, opts);
    if format == Some(Format::Timeline) {
        let read = reduce.map_or(LineRead::Whole, Reduce::line_read);
        if !hashes.any() {
            if let Some((digest, summary)) = chunked::read(source, reduce, opts, read) {
                return (digest, report(Some(summary), None));
            }
        }
        return match read_timeline(&mut inp, &mut digester, opts, read) {
            Ok(summary) => (digester.finish(), report(Some(summary), None)),
            Err(e) => (digester.finish(), report(None, Some(e))),
        };
    }
    let result = parse::parse_input(inp, format, opts, &mut |e| digester.push(e));
    let mut digest = digester.finish();
    match result {
        // In strict mode a source past its most boots is an error, as a malformed line is.
        Ok(s) => {
            let cut = digest.boots_cut.take_if(|_| opts.strict);
            (digest, report(Some(s), cut))
        }
        Err(e) => (digest, report(None, Some(e))),
    }
}

/// A digester for `name`, reducing as `reduce` says.
fn digester_of(name: std::sync::Arc<str>, reduce: Option<&Reduce>, opts: &Options) -> Digester {
    let digester = match reduce {
        Some(spec) => Digester::reducing(name, spec),
        None => Digester::new(name),
    };
    digester.with_max_boots(opts.max_boots_per_source)
}

/// Reads a timeline JSON Lines file: one boot per line. A line that is not a boot (damaged,
/// cut, invalid UTF-8) is one located malformed line; a boot of another `schema_version` ends
/// the read with an error naming the version, since its fields may mean other things. Lines
/// are read in part where `read` says and they can be ([`crate::timeline::skim`]).
fn read_timeline(
    inp: &mut input::Input,
    digester: &mut Digester,
    opts: &Options,
    read: LineRead,
) -> crate::Result<Summary> {
    let mut summary = Summary {
        path: Some(inp.name.clone()),
        format: Some(Format::Timeline),
        ..Summary::default()
    };
    let name = inp.name.clone();
    let mut failure = None;
    let mut lines = 0u64;
    let mut line = Line {
        name: &name,
        no: 0,
        read,
        buf: Vec::new(),
    };
    input::for_each_block(
        &name,
        &mut inp.reader,
        opts.max_line_bytes,
        |block, first, cut| {
            let (whole, cut_line) = split_cut(&name, block, first, cut, opts.max_line_bytes);
            // The block's lines, counted as they are read (`whole` ends at a line's end, and a
            // cut line is one more): no second pass over its bytes.
            let mut seen = u64::from(cut_line.is_some());
            for (no, raw) in input::block_lines(whole, first) {
                seen += 1;
                lines = no;
                line.no = no;
                if let Err(stop) = take_line(&mut line, raw, digester, &mut summary, opts) {
                    failure = Some(stop);
                    return None;
                }
            }
            if let Some((no, m)) = cut_line {
                lines = no;
                if opts.strict {
                    failure = Some(Error::from(m));
                    return None;
                }
                summary.record(m);
            }
            Some(seen)
        },
    )?;
    summary.lines = lines;
    match failure {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// A block's whole lines, and its last line with its number and why it is malformed when it
/// was cut at `max_line` bytes (`cut`: its full length). A cut line is no boot: counted and
/// located; the lines before it are read.
fn split_cut<'b>(
    name: &std::sync::Arc<str>,
    block: &'b [u8],
    first: u64,
    cut: Option<u64>,
    max_line: usize,
) -> (&'b [u8], Option<(u64, Malformed)>) {
    let Some(full_len) = cut else {
        return (block, None);
    };
    let last = &block[..block.len() - 1];
    let start = memchr::memrchr(b'\n', last).map_or(0, |i| i + 1);
    let no = first + input::newlines(&block[..start]);
    let m = input::too_long(name, no, &last[start..], full_len, max_line);
    (&block[..start], Some((no, m)))
}

/// Where a timeline's line is, how lines are read, and the buffer a skim uses.
struct Line<'a> {
    name: &'a std::sync::Arc<str>,
    no: u64,
    read: LineRead,
    buf: Vec<u8>,
}

/// Reads one line of a timeline into the digester, counting a malformed one; `Err` ends the
/// read (strict mode, or a boot of another schema version).
fn take_line(
    line: &mut Line<'_>,
    raw: &[u8],
    digester: &mut Digester,
    summary: &mut Summary,
    opts: &Options,
) -> Result<(), Error> {
    let in_part = match line.read {
        LineRead::Whole => None,
        LineRead::Thin => skim::thin_part(raw).filter(|p| !digester.keeps_whole(&p.boot)),
        LineRead::Skim => {
            // Scanned by hand: reduced from the line's bytes, no boot made.
            let scanned = skim::scanned(raw)
                .filter(|(s, _)| s.schema_version == crate::timeline::SCHEMA_VERSION);
            if let Some((s, kernel_secs)) = scanned {
                if digester.push_scanned(&s, kernel_secs) {
                    summary.events += 1;
                    return Ok(());
                }
            }
            skim::skim(raw, &mut line.buf).map(skim::Part::whole)
        }
    };
    let in_part = in_part.filter(|p| p.boot.schema_version == crate::timeline::SCHEMA_VERSION);
    let read = match in_part {
        Some(p) => Ok(Some(p)),
        // Not skimmed: parsed whole, which also locates what is wrong with it.
        None => timeline_line(line.name, line.no, raw).map(|b| b.map(skim::Part::whole)),
    };
    match read {
        Ok(None) => Ok(()),
        Ok(Some(b)) => {
            digester.boot_part(b);
            summary.events += 1;
            Ok(())
        }
        Err(TimelineLine::Version(e)) => Err(e),
        Err(TimelineLine::Malformed(m)) if opts.strict => Err(Error::from(m)),
        Err(TimelineLine::Malformed(m)) => {
            summary.record(m);
            Ok(())
        }
    }
}

/// Why a timeline line gave no boot.
enum TimelineLine {
    /// Not a boot timeline object.
    Malformed(Malformed),
    /// A boot of a schema version this build does not read.
    Version(Error),
}

/// One line of a timeline file: a boot, nothing (a blank line), or why not.
fn timeline_line(
    name: &std::sync::Arc<str>,
    no: u64,
    raw: &[u8],
) -> Result<Option<Boot>, TimelineLine> {
    let malformed = |column: usize, expected: String, text: &str| {
        TimelineLine::Malformed(Malformed {
            path: name.clone(),
            line: no,
            column,
            expected,
            text: text.to_string(),
        })
    };
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            let lossy = String::from_utf8_lossy(raw);
            let column = String::from_utf8_lossy(&raw[..e.valid_up_to()])
                .chars()
                .count()
                + 1;
            return Err(malformed(column, "UTF-8 text".into(), &lossy));
        }
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Boot>(text) {
        Ok(b) if b.schema_version == crate::timeline::SCHEMA_VERSION => Ok(Some(b)),
        Ok(b) => Err(TimelineLine::Version(schema_error(
            name,
            no,
            b.schema_version,
        ))),
        Err(e) => {
            // A boot of another version may not parse as this one's: name the version.
            #[derive(serde::Deserialize)]
            struct Versioned {
                schema_version: u64,
            }
            if let Ok(v) = serde_json::from_str::<Versioned>(text) {
                if v.schema_version != u64::from(crate::timeline::SCHEMA_VERSION) {
                    return Err(TimelineLine::Version(schema_error(
                        name,
                        no,
                        v.schema_version,
                    )));
                }
            }
            Err(malformed(
                e.column().max(1),
                format!("a boot timeline object ({e})"),
                text,
            ))
        }
    }
}

fn schema_error(name: &str, line: u64, version: impl std::fmt::Display) -> Error {
    Error::Invalid(format!(
        "{name}:{line}: a timeline of schema_version {version}; this bootline reads schema_version {}",
        crate::timeline::SCHEMA_VERSION
    ))
}
