//! cloud-init boot records rendered as `cloud-init analyze blame` and `show` text, and as JSON.
//!
//! The text layouts are the reference tool's, with its bugs left out: blame is sorted by
//! duration (the reference sorts the formatted strings, so 121 s ranks below 15 s), negative
//! durations are kept and flagged, FAIL/WARN results are shown, spans still running when the log
//! ends are listed as unfinished; show's Total Time is the record's real span on the uptime
//! clock, with the sum of the top-level stages beside it, and unknown for a blame listing
//! (durations without start times), whose rows are shown by name.

use std::io::{self, Write};

use serde::Serialize;

use super::escape::terminal;
use super::style::Palette;
use crate::event::{Location, StageResult};
use crate::record::{BannerMark, Boundary, Record, RecordClock, Span, SpanEnd};

/// JSON schema version shared by every JSON document bootline writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// `%08.5f`, as the reference formats durations and offsets.
pub(crate) fn secs5(v: f64) -> String {
    let mut s = Vec::with_capacity(12);
    push_secs5(&mut s, v);
    String::from_utf8(s).expect("a formatted number is ASCII")
}

/// Appends `%08.5f` of `v`. Integer digits are exact and cheap; the general formatter
/// (correctly rounded, like Python's `%08.5f`) is kept for values near a rounding tie and
/// out-of-range ones.
fn push_secs5(buf: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    let scaled = v * 1e5;
    let units = scaled.round();
    let in_range = units.abs() < 1e15; // false for NaN too
    if !in_range || ((scaled - units).abs() - 0.5).abs() < 1e-6 {
        let _ = write!(buf, "{v:08.5}");
        return;
    }
    let units = units as i64;
    let magnitude = units.unsigned_abs();
    let (int, frac) = (magnitude / 100_000, magnitude % 100_000);
    if units < 0 {
        // `-0.50000`: the sign takes one of the eight columns.
        buf.push(b'-');
    } else if int < 10 {
        buf.push(b'0');
    }
    push_digits(buf, int, 1);
    buf.push(b'.');
    push_digits(buf, frac, 5);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
fn push_digits(buf: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(digits.len() - width.min(digits.len()));
    buf.extend_from_slice(&digits[start..]);
}

/// The header line of a record.
pub(crate) fn record_header(number: usize) -> String {
    format!("-- Boot Record {number:02} --")
}

/// `  FAIL` / `  WARN` after a row, painted; nothing for a success or no result.
struct ResultFlag {
    result: Option<StageResult>,
    palette: Palette,
}

impl ResultFlag {
    fn word(&self) -> Option<&'static str> {
        match self.result {
            Some(StageResult::Fail) => Some("FAIL"),
            Some(StageResult::Warn) => Some("WARN"),
            Some(StageResult::Success) | None => None,
        }
    }
}

impl std::fmt::Display for ResultFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.word() {
            Some(w) => write!(f, "  {}", self.palette.result(self.result, w)),
            None => Ok(()),
        }
    }
}

fn result_flag(result: Option<StageResult>, palette: Palette) -> ResultFlag {
    ResultFlag { result, palette }
}

/// Writes one record in the `blame` layout, FAIL and WARN painted with `palette`.
pub fn write_blame(out: &mut dyn Write, r: &Record, palette: Palette) -> io::Result<()> {
    writeln!(out, "{}", record_header(r.number))?;
    // Keyed on the printed value, so that float noise below the fifth decimal (epoch seconds
    // from a dump) cannot reorder equal rows; ties keep the order the spans started in.
    let mut keyed: Vec<(i64, usize, f64, &Span, bool)> = Vec::with_capacity(r.spans.len());
    for (i, s) in r.spans.iter().enumerate() {
        // A module still running when the log ends is what an operator looks for first;
        // stages without a finish (banner-only logs) are not blame rows.
        let unfinished_leaf = matches!(s.end, SpanEnd::Unfinished { .. })
            && s.depth > 0
            && r.spans.get(i + 1).is_none_or(|n| n.depth <= s.depth);
        if !(s.leaf || unfinished_leaf) {
            continue;
        }
        if let Some(d) = s.duration_secs() {
            keyed.push(((d * 1e5).round() as i64, i, d, s, unfinished_leaf));
        }
    }
    // Integer keys only: a record holds a hundred rows or more, many of equal duration.
    keyed.sort_unstable_by_key(|&(units, i, ..)| (std::cmp::Reverse(units), i));
    // Rows are built by hand into one buffer: blame prints one per event of a log.
    let mut line: Vec<u8> = Vec::with_capacity(256);
    for (_, _, d, s, unfinished) in keyed {
        line.clear();
        line.extend_from_slice(b"     ");
        push_secs5(&mut line, d);
        if unfinished {
            line.extend_from_slice(b"s+ (");
            line.extend_from_slice(terminal(&s.name).as_bytes());
            line.extend_from_slice(b")  unfinished: no finish before the record ends\n");
        } else {
            line.extend_from_slice(b"s (");
            line.extend_from_slice(terminal(&s.name).as_bytes());
            line.push(b')');
            let flag = result_flag(s.result(), palette);
            if flag.word().is_some() {
                write!(line, "{flag}")?;
            }
            if d < 0.0 {
                line.extend_from_slice(b"  negative: the wall clock went back");
            }
            line.push(b'\n');
        }
        out.write_all(&line)?;
    }
    writeln!(out)?;
    writeln!(out)
}

/// Writes one record in the `show` layout, FAIL and WARN painted with `palette`.
pub fn write_show(out: &mut dyn Write, r: &Record, palette: Palette) -> io::Result<()> {
    writeln!(out, "{}", record_header(r.number))?;
    writeln!(
        out,
        "The total time elapsed since completing an event is printed after the \"@\" character."
    )?;
    writeln!(
        out,
        "The time the event takes is printed after the \"+\" character."
    )?;
    writeln!(out)?;
    let zero = r.first.and_then(|m| m.t);
    // Parents print their "Finished stage" line when their last descendant has been shown.
    let mut open: Vec<&Span> = Vec::new();
    let close_to = |out: &mut dyn Write, open: &mut Vec<&Span>, depth: usize| -> io::Result<()> {
        while open.last().is_some_and(|p| p.depth >= depth) {
            let p = open.pop().expect("checked non-empty");
            finished_line(out, p, palette)?;
        }
        Ok(())
    };
    for (i, s) in r.spans.iter().enumerate() {
        close_to(out, &mut open, s.depth)?;
        // A stage known only by its banner, with nothing inside, is no event of the record.
        if s.start_only() && r.spans.get(i + 1).is_none_or(|n| n.depth <= s.depth) {
            continue;
        }
        if s.leaf || matches!(s.end, SpanEnd::Stated { .. }) {
            event_line(out, s, zero, palette)?;
        } else {
            writeln!(out, "Starting stage: {}", terminal(&s.name))?;
            open.push(s);
        }
    }
    close_to(out, &mut open, 0)?;
    total_line(out, r)?;
    writeln!(out)
}

/// One event row of `show`: `|`->name @elapsed s +duration s`, indented by depth, elapsed
/// from the record's first event (`zero`).
fn event_line(
    out: &mut dyn Write,
    s: &Span,
    zero: Option<f64>,
    palette: Palette,
) -> io::Result<()> {
    let indent = format!(
        "|{}`->",
        " ".repeat(s.name.matches('/').count().saturating_sub(1))
    );
    let elapsed = match (zero, s.start.t) {
        (Some(z), Some(t)) => secs5(t - z),
        _ => "?".to_string(),
    };
    let d = s.duration_secs().map_or_else(|| "?".to_string(), secs5);
    writeln!(
        out,
        "{indent}{} @{elapsed}s +{d}s{}",
        terminal(shown_label(s)),
        result_flag(s.result(), palette)
    )
}

/// The record's `Total Time` line: its span on its clock, or why it has none.
fn total_line(out: &mut dyn Write, r: &Record) -> io::Result<()> {
    match r.total_secs() {
        Some(t) => writeln!(
            out,
            "Total Time: {t:.5} seconds ({} clock, first to last event; top-level stages sum to {:.5} seconds)",
            clock_word(r.clock),
            r.stage_sum_secs()
        )?,
        // A blame listing (cloud-init's or systemd-analyze's) states durations but not when
        // each ran: systemd's units run in parallel, and neither lists the gaps, so no sum of
        // its rows is the boot's time.
        None => writeln!(
            out,
            "Total Time: unknown (the input gives each event's duration, not when it ran; \
             events that overlap do not add up to a total)"
        )?,
    }
    Ok(())
}

/// What a `show` row names: the description, as the reference prints it, else (a blame
/// listing's rows, which state only a name and a duration) the name.
fn shown_label(s: &Span) -> &str {
    match (&s.end, s.shown_description()) {
        (SpanEnd::Stated { .. }, "") => &s.name,
        (_, description) => description,
    }
}

fn finished_line(out: &mut dyn Write, p: &Span, palette: Palette) -> io::Result<()> {
    match (&p.end, p.duration_secs()) {
        (SpanEnd::Unfinished { .. }, Some(d)) => writeln!(
            out,
            "Unfinished stage: ({}) at least {} seconds (no finish before the record ends)\n",
            terminal(&p.name),
            secs5(d)
        ),
        (SpanEnd::Unfinished { .. }, None) => {
            writeln!(
                out,
                "Unfinished stage: ({}) (no finish before the record ends)\n",
                terminal(&p.name)
            )
        }
        (_, d) => writeln!(
            out,
            "Finished stage: ({}) {} seconds{}\n",
            terminal(&p.name),
            d.map_or_else(|| "?".to_string(), secs5),
            result_flag(p.result(), palette)
        ),
    }
}

fn clock_word(c: RecordClock) -> &'static str {
    match c {
        RecordClock::Uptime => "uptime",
        RecordClock::Wall => "wall",
        RecordClock::Offset => "offset",
        RecordClock::None => "no",
    }
}

/// The closing line of blame and show.
pub(crate) fn write_footer(out: &mut dyn Write, records: usize) -> io::Result<()> {
    writeln!(out, "{records} boot records analyzed")
}

/// One span as JSON.
#[derive(Debug, Serialize)]
pub(crate) struct SpanJson<'a> {
    /// Event name.
    pub(crate) name: &'a str,
    /// Description (the finish's when there is one).
    pub(crate) description: &'a str,
    /// Nesting depth.
    pub(crate) depth: usize,
    /// `finished`, `stated` or `unfinished`.
    pub(crate) state: &'static str,
    /// Whether `cloud-init analyze blame` would list it.
    pub(crate) leaf: bool,
    /// Seconds from the record's first event to the span's start, on the record clock.
    pub(crate) start_offset_secs: Option<f64>,
    /// Duration in seconds (for an unfinished span: known so far).
    pub(crate) duration_secs: Option<f64>,
    /// Result word.
    pub(crate) result: Option<StageResult>,
    /// Wall-clock start.
    pub(crate) wall_start: Option<String>,
    /// Wall-clock end.
    pub(crate) wall_end: Option<String>,
    /// Where the start was read.
    pub(crate) source: String,
    /// Where the finish was read.
    pub(crate) end_source: Option<String>,
}

/// One record as JSON.
#[derive(Debug, Serialize)]
pub struct RecordJson<'a> {
    /// The input it came from.
    pub(crate) input: &'a str,
    /// 1-based number within the input.
    pub(crate) number: usize,
    /// Why the record began.
    pub(crate) boundary: Boundary,
    /// The clock offsets are on.
    pub(crate) clock: RecordClock,
    /// First to last event on the record clock.
    pub(crate) total_secs: Option<f64>,
    /// Sum of top-level stage durations.
    pub(crate) stage_sum_secs: f64,
    /// Banners with their uptimes.
    pub(crate) banners: Vec<BannerJson<'a>>,
    /// Spans in start order.
    pub(crate) spans: Vec<SpanJson<'a>>,
    /// Finishes that matched no start.
    pub(crate) unmatched_finishes: Vec<String>,
}

/// A banner as JSON.
#[derive(Debug, Serialize)]
pub(crate) struct BannerJson<'a> {
    /// Action or `finished`.
    pub(crate) what: &'a str,
    /// cloud-init version.
    pub(crate) version: &'a str,
    /// Wall-clock time of the line.
    pub(crate) wall: Option<String>,
    /// `Up N seconds`.
    pub(crate) up_secs: Option<f64>,
    /// Where it was read.
    pub(crate) source: String,
}

fn loc(l: &Location) -> String {
    l.to_string()
}

impl<'a> RecordJson<'a> {
    /// The JSON view of a record read from `input`.
    pub fn new(input: &'a str, r: &'a Record) -> Self {
        let zero = r.first.and_then(|m| m.t);
        let spans = r
            .spans
            .iter()
            .map(|s| {
                let (state, wall_end, end_source) = match &s.end {
                    SpanEnd::Finished { at, source, .. } => (
                        "finished",
                        at.wall.map(|w| w.to_rfc3339()),
                        Some(loc(source)),
                    ),
                    SpanEnd::Stated { .. } => ("stated", None, None),
                    SpanEnd::Unfinished { .. } => ("unfinished", None, None),
                };
                SpanJson {
                    name: &s.name,
                    description: s.shown_description(),
                    depth: s.depth,
                    state,
                    leaf: s.leaf,
                    start_offset_secs: zero.zip(s.start.t).map(|(z, t)| t - z),
                    duration_secs: s.duration_secs(),
                    result: s.result(),
                    wall_start: s.start.wall.map(|w| w.to_rfc3339()),
                    wall_end,
                    source: loc(&s.source),
                    end_source,
                }
            })
            .collect();
        let banners = r
            .banners
            .iter()
            .map(|b: &BannerMark| BannerJson {
                what: &b.what,
                version: &b.version,
                wall: b.wall.map(|w| w.to_rfc3339()),
                up_secs: b.up_secs,
                source: loc(&b.source),
            })
            .collect();
        Self {
            input,
            number: r.number,
            boundary: r.boundary,
            clock: r.clock,
            total_secs: r.total_secs(),
            stage_sum_secs: r.stage_sum_secs(),
            banners,
            spans,
            unmatched_finishes: r.unmatched_finishes.iter().map(loc).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind, Stamp};
    use crate::record::build;
    use chrono::DateTime;

    fn ev(kind: EventKind, w: &str, line: u64) -> Event {
        Event::new(
            kind,
            Stamp::wall(DateTime::parse_from_rfc3339(w).unwrap()),
            Location::new("t".into(), line),
        )
    }

    fn sample() -> Vec<Record> {
        let start = |n: &str, w: &str, l| {
            ev(
                EventKind::Start {
                    name: n.to_string().into(),
                    description: format!("start {n}").into(),
                },
                w,
                l,
            )
        };
        let fin = |n: &str, r, w: &str, l| {
            ev(
                EventKind::Finish {
                    name: n.to_string().into(),
                    result: r,
                    description: format!("done {n}").into(),
                    duration_secs: None,
                },
                w,
                l,
            )
        };
        build([
            start("modules-final", "2024-01-01T00:00:00Z", 1),
            start("modules-final/a", "2024-01-01T00:00:01Z", 2),
            fin(
                "modules-final/a",
                StageResult::Success,
                "2024-01-01T00:00:16Z",
                3,
            ),
            start("modules-final/b", "2024-01-01T00:00:16Z", 4),
            fin(
                "modules-final/b",
                StageResult::Fail,
                "2024-01-01T00:02:17Z",
                5,
            ),
            start("modules-final/c", "2024-01-01T00:02:17Z", 6),
            fin(
                "modules-final/c",
                StageResult::Success,
                "2024-01-01T00:02:16.5Z",
                7,
            ),
            fin(
                "modules-final",
                StageResult::Success,
                "2024-01-01T00:02:18Z",
                8,
            ),
        ])
    }

    #[test]
    fn secs5_matches_printf_08_5f() {
        // Python: '%08.5f' % v
        for (v, want) in [
            (0.729, "00.72900"),
            (381.232, "381.23200"),
            (-0.5, "-0.50000"),
            (-12.5, "-12.50000"),
            (0.0, "00.00000"),
            (1e-6, "00.00000"),
            (0.000015, "00.00002"),
            (0.000025, "00.00003"),
            (99999.999999, "100000.00000"),
        ] {
            assert_eq!(secs5(v), want, "{v}");
            assert_eq!(secs5(v), format!("{v:08.5}"), "{v}");
        }
    }

    #[test]
    fn blame_sorts_numerically_and_flags() {
        let mut out = Vec::new();
        write_blame(&mut out, &sample()[0], Palette::PLAIN).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "-- Boot Record 01 --\n\
             \x20    121.00000s (modules-final/b)  FAIL\n\
             \x20    15.00000s (modules-final/a)\n\
             \x20    -0.50000s (modules-final/c)  negative: the wall clock went back\n\n\n"
        );
    }

    #[test]
    fn a_colour_palette_paints_fail_and_nothing_else() {
        let mut out = Vec::new();
        write_blame(&mut out, &sample()[0], Palette::COLOUR).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("(modules-final/b)  \u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m\n"),
            "{text:?}"
        );
        assert_eq!(text.matches('\u{1b}').count(), 3, "{text:?}");
    }

    #[test]
    fn show_nests_and_totals() {
        let mut out = Vec::new();
        write_show(&mut out, &sample()[0], Palette::PLAIN).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "Starting stage: modules-final\n|`->done modules-final/a @01.00000s +15.00000s\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Finished stage: (modules-final) 138.00000 seconds\n\n"),
            "{text}"
        );
        assert!(
            text.contains("Total Time: 138.00000 seconds (wall clock"),
            "{text}"
        );
    }
}
