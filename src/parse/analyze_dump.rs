//! `cloud-init analyze dump` JSON: a list of event objects with `name`, `event_type`
//! (`start`/`finish`), `timestamp` (epoch seconds), `description`, `origin` and, on finishes,
//! `result`. Streamed element by element. A document that stops being JSON (cut short, or with
//! a literal `...` as in the documentation's examples) keeps the events read before the break
//! and reports the break with its line and column.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use chrono::{DateTime, FixedOffset};
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use super::{DocumentParser, Emit};
use crate::error::{Malformed, Result};
use crate::event::{EventKind, StageResult, Stamp};
use crate::intern;

/// Parser for dump documents.
#[derive(Debug, Default)]
pub(crate) struct Dump;

impl Dump {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self
    }
}

/// Counts lines as serde_json pulls bytes, so records can be located, and remembers where the
/// input ended.
struct LineCounter<'a> {
    inner: &'a mut dyn BufRead,
    line: Rc<Cell<u64>>,
    end: Rc<Cell<End>>,
}

/// The position after the last byte read: its line, and the characters on that line so far.
#[derive(Debug, Clone, Copy, Default)]
struct End {
    /// Characters on the line after the last newline read.
    chars: usize,
    /// Characters on the line the last newline ended.
    previous_chars: usize,
}

impl Read for LineCounter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let nl = crate::input::newlines(&buf[..n]);
        self.line.set(self.line.get() + nl);
        let mut end = self.end.get();
        for &b in &buf[..n] {
            if b == b'\n' {
                end.previous_chars = end.chars;
                end.chars = 0;
            } else if b & 0xC0 != 0x80 {
                end.chars += 1;
            }
        }
        self.end.set(end);
        Ok(n)
    }
}

/// serde_json's position of an error, moved back onto the input when it lies past its end:
/// after a final newline it reports column 0 of a line the input does not have.
fn error_position(e: &serde_json::Error, end: End) -> (u64, usize) {
    if e.column() == 0 && e.line() > 1 {
        return (e.line() as u64 - 1, end.previous_chars + 1);
    }
    (e.line() as u64, e.column().max(1))
}

/// What a dump record must hold.
pub(crate) const EXPECTED_RECORD: &str =
    "an event object with a string `name`, `event_type` \"start\" or \"finish\", a numeric `timestamp` and, on a finish, `result` SUCCESS, FAIL or WARN";

/// Converts one dump record to an event kind and its time, or says what is missing.
pub(crate) fn record_to_event(v: &Value) -> Option<(EventKind, DateTime<FixedOffset>)> {
    let o = v.as_object()?;
    let name = intern::shared(o.get("name")?.as_str()?);
    let ts = o.get("timestamp")?.as_f64()?;
    if !ts.is_finite() {
        return None;
    }
    let description = o.get("description").and_then(Value::as_str).unwrap_or("");
    let description = intern::shared(description);
    let at = crate::event::from_epoch_secs(ts)?.fixed_offset();
    let kind = match o.get("event_type")?.as_str()? {
        "start" => EventKind::Start { name, description },
        "finish" => EventKind::Finish {
            name,
            result: StageResult::from_word(o.get("result")?.as_str()?)?,
            description,
            duration_secs: None,
        },
        _ => return None,
    };
    Some((kind, at))
}

struct Elements<'e, 'b, 'm> {
    out: &'e mut Emit<'b>,
    line: Rc<Cell<u64>>,
    on_malformed: &'m mut dyn FnMut(Malformed) -> Result<()>,
    stopped: &'m mut Option<crate::error::Error>,
}

impl<'de> Visitor<'de> for Elements<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON list of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            let line = self.line.get();
            match record_to_event(&v) {
                Some((kind, at)) => self.out.event_at(kind, Stamp::wall(at), line),
                None => {
                    let m = Malformed {
                        path: self.out.path().clone(),
                        line,
                        column: 1,
                        expected: EXPECTED_RECORD.to_string(),
                        text: v.to_string(),
                    };
                    if let Err(e) = (self.on_malformed)(m) {
                        *self.stopped = Some(e);
                        return Err(de::Error::custom("stopped at a malformed record"));
                    }
                }
            }
        }
        Ok(())
    }
}

impl DocumentParser for Dump {
    fn parse(
        &mut self,
        reader: &mut dyn BufRead,
        out: &mut Emit<'_>,
        on_malformed: &mut dyn FnMut(Malformed) -> Result<()>,
    ) -> Result<()> {
        let line = Rc::new(Cell::new(1));
        let end = Rc::new(Cell::new(End::default()));
        let counter = LineCounter {
            inner: reader,
            line: line.clone(),
            end: end.clone(),
        };
        let mut de = serde_json::Deserializer::from_reader(counter);
        let mut stopped = None;
        let result = (&mut de).deserialize_seq(Elements {
            out,
            line,
            on_malformed,
            stopped: &mut stopped,
        });
        if let Some(e) = stopped {
            return Err(e);
        }
        if let Err(e) = result.and_then(|()| de.end()) {
            let (line, column) = error_position(&e, end.get());
            let m = Malformed {
                path: out.path().clone(),
                line,
                column,
                expected: format!(
                    "valid JSON: {e}; the dump is cut short or elides events (`...`), so only the events before this point were read"
                ),
                text: String::new(),
            };
            on_malformed(m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::event::{Event, EventKind};
    use crate::input;
    use crate::parse::{parse_input, Format, Options};

    fn run(text: &str, strict: bool) -> (Vec<Event>, crate::Result<crate::parse::Summary>) {
        let inp = input::from_reader(
            "d.json".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap();
        let mut out = Vec::new();
        let r = parse_input(
            inp,
            Some(Format::AnalyzeDump),
            &Options::default().with_strict(strict),
            &mut |e| out.push(e),
        );
        (out, r)
    }

    #[test]
    fn reads_events_with_lines() {
        let (ev, s) = run(
            "[\n {\n  \"name\": \"init-local\",\n  \"event_type\": \"start\",\n  \"timestamp\": 1567057578.037\n },\n {\"name\": \"init-local\", \"event_type\": \"finish\", \"result\": \"SUCCESS\", \"timestamp\": 1567057578.5, \"description\": \"d\"}\n]\n",
            false,
        );
        let s = s.unwrap();
        assert_eq!(s.malformed, 0);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].source.line, 6);
        assert_eq!(ev[1].source.line, 7);
        assert!(
            matches!(&ev[1].kind, EventKind::Finish { description, .. } if &**description == "d")
        );
        assert_eq!(ev[0].stamp.wall_epoch_secs(), Some(1567057578.037));
    }

    #[test]
    fn truncated_document_keeps_what_was_read_and_locates_the_break() {
        let text = "[\n {\"name\": \"a\", \"event_type\": \"start\", \"timestamp\": 1.0},...\n";
        let (ev, s) = run(text, false);
        let s = s.unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(s.malformed, 1);
        let m = &s.first_malformed[0];
        assert_eq!((m.line, m.column), (2, 57));
        assert!(m.expected.contains("cut short"), "{}", m.expected);
        let (_, strict) = run(text, true);
        assert!(strict
            .unwrap_err()
            .to_string()
            .starts_with("d.json:2:57: expected valid JSON"));
    }

    #[test]
    fn a_document_cut_after_a_newline_is_located_at_the_end_of_its_last_line() {
        for (text, at) in [("\n", (1, 1)), ("[\n {\"name\": \"é\"\n", (2, 14))] {
            let (_, s) = run(text, false);
            let m = &s.unwrap().first_malformed[0];
            assert_eq!((m.line, m.column), at, "{text:?}");
        }
    }

    #[test]
    fn wrong_shaped_record_is_malformed_not_fatal() {
        let (ev, s) = run("[{\"name\": 3}, {\"name\": \"a\", \"event_type\": \"finish\", \"result\": \"NOPE\", \"timestamp\": 1}, {\"name\": \"b\", \"event_type\": \"start\", \"timestamp\": 2}]", false);
        assert_eq!(ev.len(), 1);
        assert_eq!(s.unwrap().malformed, 2);
    }
}
