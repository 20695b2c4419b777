//! Parsers: one module per input format. Each turns an input into [`Event`]s and knows nothing
//! of boots or fleets.
//!
//! Line formats implement [`LineParser`]; the driver ([`parse_input`]) streams the input in
//! blocks, and for parsers that name [`LineParser::keywords`] it finds candidate lines with
//! memmem over the whole block and hands only those to the grammar. Whole-document formats
//! (JSON documents) implement [`DocumentParser`] and stream their elements.
//!
//! Malformed lines (a line the grammar claims but cannot parse) are skipped and counted by
//! default, or are the first error with `strict`.

pub(crate) mod analyze_blame;
pub(crate) mod analyze_boot;
pub(crate) mod analyze_dump;
pub(crate) mod analyze_show;
pub(crate) mod banner;
mod calendar;
pub(crate) mod cloudinit_log;
pub(crate) mod cloudinit_output;
pub(crate) mod cloudinit_status;
pub(crate) mod console;
pub(crate) mod format;
pub(crate) mod journal;
pub(crate) mod marker;
pub(crate) mod message;
pub(crate) mod platform;
pub(crate) mod systemd_analyze;
pub(crate) mod timestamp;

use std::io::BufRead;
use std::sync::Arc;

use crate::error::{Error, Malformed, Result};
use crate::event::{Event, Location, Stamp};
use crate::input::{self, Input};

pub use format::Format;
pub(crate) use marker::MarkerSet;

/// How many malformed lines a summary keeps for display.
pub const MALFORMED_SHOWN: usize = 5;

/// Options shared by all parsers.
#[derive(Debug, Clone)]
pub struct Options {
    /// Fail on the first malformed line instead of skipping it.
    pub strict: bool,
    /// The format to read an input with when sniffing recognises none (else that input is an
    /// error).
    pub fallback: Option<Format>,
    /// Markers matched in every line of formats with text messages (and, when the user
    /// configured markers of their own, in every line of every line format). The default is
    /// the built-in set ([`MarkerSet::builtin`]); use [`crate::config::Config::marker_set`] for
    /// a configuration's markers.
    pub markers: MarkerSet,
    /// Lines longer than this many bytes are cut there, counted and located as malformed
    /// (memory stays bounded whatever the input).
    pub max_line_bytes: usize,
    /// The most boots one source's events may begin; ingest hands it to the source's digester
    /// ([`crate::timeline::fragment::Digester::with_max_boots`]).
    pub max_boots_per_source: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            strict: false,
            fallback: None,
            markers: MarkerSet::default(),
            max_line_bytes: input::MAX_LINE_BYTES,
            max_boots_per_source: crate::timeline::fragment::MAX_BOOTS_PER_SOURCE,
        }
    }
}

impl Options {
    /// These options with a limit on line length, in bytes.
    pub(crate) fn with_max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }

    /// These options with a limit on the boots of one source.
    pub(crate) fn with_max_boots_per_source(mut self, boots: usize) -> Self {
        self.max_boots_per_source = boots;
        self
    }

    /// These options with `strict` set as given.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// These options with a fallback format for inputs sniffing does not recognise.
    pub fn with_fallback(mut self, format: Format) -> Self {
        self.fallback = Some(format);
        self
    }

    /// These options with the given markers.
    pub fn with_markers(mut self, markers: MarkerSet) -> Self {
        self.markers = markers;
        self
    }
}

/// What parsing one input found, besides its events.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Input display name.
    pub(crate) path: Option<Arc<str>>,
    /// The format the input was read as.
    pub format: Option<Format>,
    /// True when sniffing recognised nothing and the fallback format was used.
    pub fell_back: bool,
    /// Lines read.
    pub lines: u64,
    /// Events emitted.
    pub events: u64,
    /// Malformed lines skipped.
    pub malformed: u64,
    /// The first few malformed lines, for display.
    pub first_malformed: Vec<Malformed>,
}

impl Summary {
    /// Counts a malformed line, keeping the first few for display.
    pub(crate) fn record(&mut self, m: Malformed) {
        self.malformed += 1;
        if self.first_malformed.len() < MALFORMED_SHOWN {
            self.first_malformed.push(m);
        }
    }

    /// Adds another summary's counts to this one (keeping the first few malformed lines).
    pub fn absorb(&mut self, other: &Summary) {
        self.lines += other.lines;
        self.events += other.events;
        self.malformed += other.malformed;
        for m in &other.first_malformed {
            if self.first_malformed.len() < MALFORMED_SHOWN {
                self.first_malformed.push(m.clone());
            }
        }
    }
}

/// Where emitted events go, with the current location filled in.
pub struct Emit<'a> {
    path: &'a Arc<str>,
    line: u64,
    count: u64,
    sink: &'a mut dyn FnMut(Event),
    /// Markers the parser matches itself (see [`LineParser::scans_markers`]).
    markers: Option<&'a MarkerSet>,
}

impl Emit<'_> {
    /// Matches the configured markers against a message the parser decoded (a journald
    /// `MESSAGE`, a line inside an EC2 wrapper), emitting marker events stamped `stamp` at
    /// `line`. Does nothing unless the driver handed markers to this parser.
    pub(crate) fn scan_markers(&mut self, text: &str, stamp: Stamp, line: u64) {
        let Some(set) = self.markers else {
            return;
        };
        for (name, edge, captures) in set.matches(text) {
            self.event_at(
                crate::event::EventKind::Marker {
                    name,
                    edge,
                    captures,
                },
                stamp,
                line,
            );
        }
    }

    /// Sets the current line (for document parsers that read lines themselves).
    pub(crate) fn set_line(&mut self, line: u64) {
        self.line = line;
    }

    /// Emits an event stamped `stamp` at the current line.
    pub(crate) fn event(&mut self, kind: crate::event::EventKind, stamp: Stamp) {
        let source = Location::new(self.path.clone(), self.line);
        self.count += 1;
        (self.sink)(Event::new(kind, stamp, source));
    }

    /// Emits an event with an explicit line (for events found later than the line they
    /// belong to, such as a joined wrapped line).
    pub(crate) fn event_at(&mut self, kind: crate::event::EventKind, stamp: Stamp, line: u64) {
        let source = Location::new(self.path.clone(), line);
        self.count += 1;
        (self.sink)(Event::new(kind, stamp, source));
    }

    /// The current line number.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The input's display name.
    pub(crate) fn path(&self) -> &Arc<str> {
        self.path
    }

    /// A malformed-line report at byte `byte_col` of `text` on the current line.
    pub(crate) fn malformed(&self, text: &str, byte_col: usize, expected: &str) -> Malformed {
        Malformed::at_byte(self.path.clone(), self.line, text, byte_col, expected)
    }
}

/// A line-oriented grammar.
pub trait LineParser: Send {
    /// Substrings at least one of which every line this grammar cares about contains. When
    /// `Some`, only lines containing one of them are passed to [`LineParser::line`] (found by
    /// memmem over whole blocks); when `None`, every line is.
    fn keywords(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Parses one normalised line. Returns `Err` only for a line the grammar claims but cannot
    /// parse; ordinary lines it does not care about return `Ok`.
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed>;

    /// The stamp of a line, for events found on it by other means (markers). `None` when the
    /// line carries no stamp of its own.
    fn stamp_of(&mut self, _text: &str) -> Option<Stamp> {
        None
    }

    /// Whether the parser matches markers itself, on the messages it decodes, through
    /// [`Emit::scan_markers`] (formats whose physical lines are not the log's lines: EC2
    /// wrappers, journald JSON and export records, re-joined wrapped lines). When `false`, the
    /// driver matches markers on each physical line and stamps them with
    /// [`LineParser::stamp_of`].
    fn scans_markers(&self) -> bool {
        false
    }

    /// Called once at the end of input: emit what was buffered.
    fn finish(&mut self, _out: &mut Emit<'_>) {}
}

/// A whole-document grammar (a JSON document), streamed element by element.
pub trait DocumentParser: Send {
    /// Parses the document from `reader`, emitting events. Malformed records inside the
    /// document go to `on_malformed`; a broken document is an error.
    fn parse(
        &mut self,
        reader: &mut dyn BufRead,
        out: &mut Emit<'_>,
        on_malformed: &mut dyn FnMut(Malformed) -> Result<()>,
    ) -> Result<()>;
}

/// A parser of either kind, as made by [`Format::parser`].
pub enum Parser {
    /// Line by line.
    Lines(Box<dyn LineParser>),
    /// A whole document.
    Document(Box<dyn DocumentParser>),
}

/// Opens and parses one path, sniffing the format unless one is named.
pub fn parse_path(
    path: &std::path::Path,
    format: Option<Format>,
    opts: &Options,
    sink: &mut dyn FnMut(Event),
) -> Result<Summary> {
    let input = input::open(path)?;
    parse_input(input, format, opts, sink)
}

/// The format of an input: the one named, else the one sniffed, else the fallback
/// (`--fallback-format`; then the second value is true).
fn decide_format(
    input: &mut Input,
    format: Option<Format>,
    opts: &Options,
) -> Result<(Format, bool)> {
    Ok(match format {
        Some(f) => (f, false),
        None => match (sniff(input)?, opts.fallback) {
            (Some(f), _) => (f, false),
            (None, Some(f)) => (f, true),
            (None, None) => {
                return Err(Error::UnknownFormat {
                    path: input.name.to_string(),
                })
            }
        },
    })
}

/// Parses a whole-document input: malformed parts are counted (the first few kept) unless
/// `--strict` makes the first one the error.
fn run_document(
    mut parser: Box<dyn DocumentParser>,
    input: &mut Input,
    opts: &Options,
    summary: &mut Summary,
    sink: &mut dyn FnMut(Event),
) -> Result<()> {
    let mut emit = Emit {
        path: &input.name,
        line: 1,
        count: 0,
        sink,
        markers: None,
    };
    let strict = opts.strict;
    let mut malformed = Vec::new();
    let mut count = 0u64;
    let result = parser.parse(&mut input.reader, &mut emit, &mut |m| {
        if strict {
            return Err(m.into());
        }
        count += 1;
        if malformed.len() < MALFORMED_SHOWN {
            malformed.push(m);
        }
        Ok(())
    });
    summary.events = emit.count;
    summary.malformed = count;
    summary.first_malformed = malformed;
    result
}

/// Parses one opened input, sniffing the format unless one is named.
pub fn parse_input(
    mut input: Input,
    format: Option<Format>,
    opts: &Options,
    sink: &mut dyn FnMut(Event),
) -> Result<Summary> {
    let (format, fell_back) = decide_format(&mut input, format, opts)?;
    let mut summary = Summary {
        path: Some(input.name.clone()),
        format: Some(format),
        fell_back,
        ..Summary::default()
    };
    match format.parser() {
        Parser::Lines(parser) => {
            let markers = (!opts.markers.is_empty()
                && (format.has_text_messages() || opts.markers.has_user_markers()))
            .then_some(&opts.markers);
            run_lines(&mut input, parser, opts, markers, &mut summary, sink)?;
            refuse_all_malformed(format, &summary)?;
        }
        Parser::Document(parser) => run_document(parser, &mut input, opts, &mut summary, sink)?,
    }
    Ok(summary)
}

/// Platform events claim every line: a file none of whose lines is an event is not the
/// platform's view of the fleet, and reading it as empty would measure every boot from the
/// kernel's start without a word.
fn refuse_all_malformed(format: Format, summary: &Summary) -> Result<()> {
    let platform = matches!(format, Format::PlatformEvents | Format::PlatformEventsCsv);
    if !platform || summary.events > 0 || summary.malformed == 0 {
        return Ok(());
    }
    let first = summary
        .first_malformed
        .first()
        .map(|m| {
            format!(
                "; the first: {}:{}:{}: expected {}",
                m.path, m.line, m.column, m.expected
            )
        })
        .unwrap_or_default();
    Err(Error::Invalid(format!(
        "{}: no platform event read: all {} of its lines are malformed{first}",
        summary.path.as_deref().unwrap_or("-"),
        summary.malformed
    )))
}

/// Reads the head of an input (without consuming it) and guesses its format; `None` when
/// nothing fits.
pub fn sniff(input: &mut Input) -> Result<Option<Format>> {
    let head = input.reader.fill_buf().map_err(|cause| Error::Io {
        path: input.name.to_string(),
        cause,
    })?;
    let mut scratch = String::new();
    let mut lines: Vec<String> = Vec::new();
    for (_, raw) in input::block_lines(head, 1).take(64) {
        lines.push(input::normalize(raw, &mut scratch).to_string());
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    Ok(Format::sniff(&refs, &input.name))
}

/// Finds keyword hits in a block: one memmem pass per keyword. Over a block in cache, each pass
/// runs at tens of GB/s (it skips ahead on the keyword's rarest bytes), which for the few
/// keywords a format names beats one multi-pattern pass.
struct Keywords {
    finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Keywords {
    fn new(words: &[&'static str]) -> Self {
        Self {
            finders: words
                .iter()
                .map(|&w| memchr::memmem::Finder::new(w))
                .collect(),
        }
    }

    /// Start offsets of every hit, in order, into `out` (cleared first). Each keyword's hits
    /// come in order, so the runs are merged rather than sorted.
    fn hits(&self, hay: &[u8], out: &mut Vec<usize>) {
        out.clear();
        let mut merged = Vec::new();
        for f in &self.finders {
            if out.is_empty() {
                out.extend(f.find_iter(hay));
                continue;
            }
            merged.clear();
            let mut have = out.iter().copied().peekable();
            for hit in f.find_iter(hay) {
                while let Some(h) = have.next_if(|&h| h < hit) {
                    merged.push(h);
                }
                merged.push(hit);
            }
            merged.extend(have);
            std::mem::swap(out, &mut merged);
        }
    }
}

/// Reads a line format's source block by block, feeding its lines to `parser` (and to the
/// markers), recording rejected and too-long lines in `summary`, or failing on the first under
/// `--strict`.
fn run_lines(
    input: &mut Input,
    parser: Box<dyn LineParser>,
    opts: &Options,
    markers: Option<&MarkerSet>,
    summary: &mut Summary,
    sink: &mut dyn FnMut(Event),
) -> Result<()> {
    let name = input.name.clone();
    let mut run = LineRun::new(parser, &name, sink, markers, opts.strict);
    let mut lines_total = 0u64;
    let mut too_long: Option<Error> = None;
    input::for_each_block(
        &name,
        &mut input.reader,
        opts.max_line_bytes,
        |block, first, cut| {
            let lines = run.block(block, first, summary)?;
            lines_total += lines;
            if let Some(full_len) = cut {
                let last = &block[..block.len() - 1];
                let start = memchr::memrchr(b'\n', last).map_or(0, |i| i + 1);
                let m = input::too_long(
                    &name,
                    first + lines - 1,
                    &last[start..],
                    full_len,
                    opts.max_line_bytes,
                );
                if opts.strict {
                    too_long = Some(m.into());
                    return None;
                }
                summary.record(m);
            }
            Some(lines)
        },
    )?;
    if let Some(e) = run.failure.or(too_long) {
        return Err(e);
    }
    run.emit.line = lines_total;
    run.parser.finish(&mut run.emit);
    summary.lines = lines_total;
    summary.events = run.emit.count;
    Ok(())
}

/// One source's lines on their way through its parser: what [`run_lines`] carries from block
/// to block.
struct LineRun<'a> {
    parser: Box<dyn LineParser>,
    emit: Emit<'a>,
    /// `--strict`: the first rejected line stops the source.
    strict: bool,
    /// Markers the driver matches on physical lines (the parser does not scan them itself).
    markers: Option<&'a MarkerSet>,
    /// The parser's keywords: when it names some, only the lines that hold one (or may match
    /// a marker) reach it.
    keywords: Option<Keywords>,
    /// A line's text, when it needed normalising.
    scratch: String,
    /// Lines of the block where a marker may match, as (start, end), in order.
    marker_lines: Vec<(usize, usize)>,
    /// Keyword hits in the block.
    hits: Vec<usize>,
    /// The line the parser rejected, under `--strict`.
    failure: Option<Error>,
}

impl<'a> LineRun<'a> {
    /// The run of `parser` over the source `path`, its events to `sink`.
    fn new(
        parser: Box<dyn LineParser>,
        path: &'a Arc<str>,
        sink: &'a mut dyn FnMut(Event),
        markers: Option<&'a MarkerSet>,
        strict: bool,
    ) -> Self {
        let self_scans = parser.scans_markers();
        // Keyword hits over each whole block: one SIMD substring pass per keyword.
        let keywords = parser.keywords().map(Keywords::new);
        Self {
            parser,
            emit: Emit {
                path,
                line: 0,
                count: 0,
                sink,
                markers: markers.filter(|_| self_scans),
            },
            strict,
            // Markers the driver matches on physical lines; the parser gets them otherwise.
            markers: markers.filter(|_| !self_scans),
            keywords,
            scratch: String::new(),
            marker_lines: Vec::new(),
            hits: Vec::new(),
            failure: None,
        }
    }

    /// Feeds a block's lines to the parser: every line, or, when the parser names keywords,
    /// only the lines that hold one or may match a marker. Returns how many lines the block
    /// holds, or `None` to stop the source.
    fn block(&mut self, block: &[u8], first: u64, summary: &mut Summary) -> Option<u64> {
        self.find_marker_lines(block);
        let spans = self
            .keywords
            .as_ref()
            .map(|k| candidate_lines(k, block, &mut self.hits, &self.marker_lines));
        let Some(spans) = spans else {
            let mut lines = 0u64;
            for (no, raw) in input::block_lines(block, first) {
                lines += 1;
                let start = raw.as_ptr() as usize - block.as_ptr() as usize;
                let marker_line = self.is_marker_line(start);
                if !self.line(no, raw, marker_line, summary) {
                    return None;
                }
            }
            return Some(lines);
        };
        // Visited in order, counting the newlines between them once.
        let mut lines = 0u64;
        let mut counted_to = 0usize;
        for (start, end) in spans {
            lines += input::newlines(&block[counted_to..start]);
            counted_to = start;
            let marker_line = self.is_marker_line(start);
            if !self.line(first + lines, &block[start..end], marker_line, summary) {
                return None;
            }
        }
        Some(lines + input::count_lines(&block[counted_to..]))
    }

    /// Finds the lines of a block where a driver's marker may match, over the whole block at
    /// once.
    fn find_marker_lines(&mut self, block: &[u8]) {
        self.marker_lines.clear();
        if let Some(set) = self.markers {
            let mut marker_hits = Vec::new();
            set.candidates(block, &mut marker_hits);
            self.marker_lines.extend(
                marker_hits
                    .into_iter()
                    .map(|h| input::line_bounds(block, h)),
            );
            self.marker_lines.sort_unstable();
            self.marker_lines.dedup();
        }
    }

    /// Whether a marker may match the line of the block that starts at `start`.
    fn is_marker_line(&self, start: usize) -> bool {
        !self.marker_lines.is_empty()
            && self
                .marker_lines
                .binary_search_by_key(&start, |&(s, _)| s)
                .is_ok()
    }

    /// Feeds one physical line (each of its segments) to the parser, and to the driver's
    /// markers when one may match it. Returns false to stop the source: a rejected line under
    /// `--strict`.
    #[inline]
    fn line(&mut self, no: u64, raw: &[u8], marker_line: bool, summary: &mut Summary) -> bool {
        let Self {
            parser,
            emit,
            strict,
            markers,
            scratch,
            failure,
            ..
        } = self;
        emit.line = no;
        input::for_each_segment(raw, scratch, |text| {
            let go_on = match parser.line(text, emit) {
                Ok(()) => true,
                Err(m) => {
                    if *strict {
                        *failure = Some(m.into());
                        false
                    } else {
                        summary.record(m);
                        true
                    }
                }
            };
            if marker_line {
                if let Some(set) = *markers {
                    if set.any_match(text) {
                        let stamp = parser.stamp_of(text).unwrap_or_default();
                        emit.line = no;
                        set.scan(text, stamp, emit);
                    }
                }
            }
            go_on
        })
    }
}

/// The lines of a block that hold a keyword or may match a marker, as (start, end), in order
/// and each once.
fn candidate_lines(
    keywords: &Keywords,
    block: &[u8],
    hits: &mut Vec<usize>,
    marker_lines: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    keywords.hits(block, hits);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(hits.len());
    let mut line_end = 0usize;
    for &hit in hits.iter() {
        // Later hits on a line already taken add nothing.
        if hit < line_end {
            continue;
        }
        let bounds = input::line_bounds(block, hit);
        spans.push(bounds);
        line_end = bounds.1;
    }
    if !marker_lines.is_empty() {
        spans.extend_from_slice(marker_lines);
        spans.sort_unstable();
        spans.dedup();
    }
    spans
}

/// Parses in-memory bytes as `format` (tests only).
#[cfg(test)]
pub(crate) fn parse_bytes(format: Format, bytes: &[u8], opts: &Options) -> Vec<Event> {
    let input = input::from_reader("t".into(), Box::new(std::io::Cursor::new(bytes.to_vec())))
        .expect("in-memory input");
    let mut events = Vec::new();
    parse_input(input, Some(format), opts, &mut |e| events.push(e)).expect("parses");
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BootClock, Edge, EventKind};
    use crate::parse::marker::Marker;

    fn markers(events: &[Event]) -> Vec<(u64, String, Edge, Option<String>, Stamp)> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Marker {
                    name,
                    edge,
                    captures,
                } => Some((
                    e.source.line,
                    name.clone(),
                    *edge,
                    captures.values().next().cloned(),
                    e.stamp,
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn builtin_marker_on_a_console_is_stamped_by_its_line() {
        let text = "[   10.0] x\n[  412.5] agent[900]: Registered with platform: 503\n\
                    agent: Registered with platform: 200\n";
        let ev = parse_bytes(Format::SerialConsole, text.as_bytes(), &Options::default());
        let m = markers(&ev);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].0, m[0].1.as_str(), m[0].2),
            (2, "registered", Edge::Instant)
        );
        assert_eq!(m[0].3.as_deref(), Some("503"));
        assert_eq!(
            m[0].4.since_boot.map(|s| (s.clock, s.secs)),
            Some((BootClock::Kernel, 412.5))
        );
        assert_eq!((m[1].0, m[1].3.as_deref()), (3, Some("200")));
        assert_eq!(m[1].4, Stamp::default());
    }

    #[test]
    fn user_span_markers_in_journal_json_messages() {
        let pull = Marker::span(
            "image-pull",
            r"Pulling (?P<image>\S+)",
            r"Pulled (?P<image>\S+)",
        )
        .unwrap();
        let opts = Options {
            markers: MarkerSet::with_user(vec![pull]),
            ..Options::default()
        };
        let text = concat!(
            r#"{"__REALTIME_TIMESTAMP":"1700000000000000","MESSAGE":"Pulling app:1"}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"1700000107000000","MESSAGE":"Pulled app:1"}"#,
            "\n"
        );
        let ev = parse_bytes(Format::JournalJson, text.as_bytes(), &opts);
        let m = markers(&ev);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].2, m[1].2), (Edge::Start, Edge::End));
        assert_eq!(m[1].3.as_deref(), Some("app:1"));
        assert_eq!(m[1].4.wall.unwrap().timestamp(), 1_700_000_107);
    }

    #[test]
    fn driver_matches_markers_for_parsers_that_do_not() {
        // cloud-init-output reads physical lines: the driver matches markers there.
        let text = "a\nRegistered with platform: 201\n";
        let ev = parse_bytes(
            Format::CloudInitOutput,
            text.as_bytes(),
            &Options::default(),
        );
        assert_eq!(markers(&ev)[0].0, 2);
        // Formats without free text see only user markers.
        let ev = parse_bytes(Format::SystemdAnalyze, text.as_bytes(), &Options::default());
        assert!(markers(&ev).is_empty());
        let opts = Options {
            markers: MarkerSet::with_user(vec![Marker::milestone("x", "^a$").unwrap()]),
            ..Options::default()
        };
        let ev = parse_bytes(Format::SystemdAnalyze, text.as_bytes(), &opts);
        let names: Vec<String> = markers(&ev).into_iter().map(|m| m.1).collect();
        assert_eq!(names, ["x", "registered"]);
        let ev = parse_bytes(
            Format::SerialConsole,
            text.as_bytes(),
            &Options {
                markers: MarkerSet::empty(),
                ..Options::default()
            },
        );
        assert!(markers(&ev).is_empty());
    }
}
