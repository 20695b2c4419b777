//! Ingest: drives the parsers over many sources in parallel and hands their events to
//! assembly's digesters, in input order, with what went wrong per source reported rather than
//! fatal.
//!
//! This is the one place that knows both sides of the narrow waist: which format a source is
//! (sniffed or named) and which digester takes it. Parsers know nothing of boots; assembly
//! knows nothing of formats. A timeline (JSON Lines) input holds boots already assembled, so
//! it goes to the digester whole instead of through a parser.

use std::io::BufRead;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::{Error, Malformed};
use crate::input;
use crate::parse::{self, Format, Options, Summary};
use crate::sources::Source;
use crate::timeline::fragment::{Digest, Digester};
use crate::timeline::Boot;

/// What reading one source gave besides its digest.
#[derive(Debug)]
pub struct SourceReport {
    /// The path as given.
    pub path: PathBuf,
    /// Lines, events, malformed lines (when it could be read).
    pub summary: Option<Summary>,
    /// Why it could not be read (lenient mode keeps going).
    pub error: Option<Error>,
    /// Size and digest of its bytes, for sources whose content is compared
    /// ([`Source::compare_content`]) and that were read to the end.
    pub content: (Option<u64>, Option<u128>),
}

/// Reads every source in parallel (rayon) and returns the digests and reports in source
/// order.
pub fn collect(
    sources: &[Source],
    format: Option<Format>,
    opts: &Options,
) -> (Vec<Digest>, Vec<SourceReport>) {
    collect_reporting(sources, format, opts, &|_| {})
}

/// [`collect`], telling `done` of each source read (from the reading thread; for a progress
/// bar).
pub fn collect_reporting(
    sources: &[Source],
    format: Option<Format>,
    opts: &Options,
    done: &(dyn Fn(&Source) + Sync),
) -> (Vec<Digest>, Vec<SourceReport>) {
    let results: Vec<(Digest, SourceReport)> = sources
        .par_iter()
        .map(|s| {
            let mut content = None;
            let (digest, mut report) = read_one(s, format, opts, &mut content);
            let hash = content.as_ref().and_then(input::ContentHash::value);
            report.content = (s.size, hash);
            done(s);
            (digest, report)
        })
        .collect();
    results.into_iter().unzip()
}

fn read_one(
    source: &Source,
    format: Option<Format>,
    opts: &Options,
    content: &mut Option<input::ContentHash>,
) -> (Digest, SourceReport) {
    let report = |summary, error| SourceReport {
        path: source.path.clone(),
        summary,
        error,
        content: (None, None),
    };
    let mut inp = match input::open_hashed(&source.path, source.compare_content) {
        Ok((i, hash)) => {
            *content = hash;
            i
        }
        Err(e) => return (Digest::default(), report(None, Some(e))),
    };
    let format = match format {
        Some(f) => Some(f),
        None => match parse::sniff(&mut inp) {
            Ok(f) => f,
            Err(e) => return (Digest::default(), report(None, Some(e))),
        },
    };
    let mut digester = Digester::new(inp.name.clone());
    if format == Some(Format::Timeline) {
        return match read_timeline(&mut inp, &mut digester, opts) {
            Ok(summary) => (digester.finish(), report(Some(summary), None)),
            Err(e) => (digester.finish(), report(None, Some(e))),
        };
    }
    let result = parse::parse_input(inp, format, opts, &mut |e| digester.push(e));
    match result {
        Ok(s) => (digester.finish(), report(Some(s), None)),
        Err(e) => (digester.finish(), report(None, Some(e))),
    }
}

/// Reads a timeline JSON Lines file: one boot per line.
fn read_timeline(
    inp: &mut input::Input,
    digester: &mut Digester,
    opts: &Options,
) -> crate::Result<Summary> {
    let mut summary = Summary {
        path: Some(inp.name.clone()),
        format: Some(Format::Timeline),
        ..Summary::default()
    };
    let name = inp.name.clone();
    let mut failure = None;
    let mut line_no = 0u64;
    let mut buf = String::new();
    loop {
        buf.clear();
        let n = inp.reader.read_line(&mut buf).map_err(|cause| Error::Io {
            path: name.to_string(),
            cause,
        })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = buf.trim_end();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Boot>(text) {
            Ok(b) => {
                digester.boot(b);
                summary.events += 1;
            }
            Err(e) => {
                let m = Malformed {
                    path: name.clone(),
                    line: line_no,
                    column: e.column().max(1),
                    expected: format!("a boot timeline object ({e})"),
                    text: text.to_string(),
                };
                if opts.strict {
                    failure = Some(Error::from(m));
                    break;
                }
                summary.malformed += 1;
                if summary.first_malformed.len() < parse::MALFORMED_SHOWN {
                    summary.first_malformed.push(m);
                }
            }
        }
    }
    summary.lines = line_no;
    match failure {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}
