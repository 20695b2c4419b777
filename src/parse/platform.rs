//! Platform events (docs/design.md §4): the platform's own view of launches, registrations, timeout
//! flips, failures and deletions, as JSON Lines or as CSV with the same column names.
//!
//! ```text
//! {"time":"2026-06-10T14:51:01Z","event":"launched","instance":"i-052962296ad0c7240","workspace":"0c96b3ab","class":"default"}
//! time,event,instance,workspace,class
//! 2026-06-10T14:51:01Z,launched,i-052962296ad0c7240,0c96b3ab,default
//! ```
//!
//! Every record becomes one [`EventKind::Platform`] stamped with its `time`. Both grammars claim
//! every non-blank line: a record that is not valid JSON (or CSV), lacks `time` or `event`, has
//! an unknown event or names neither an instance nor a workspace is malformed, located at the
//! offending value's column.

use std::collections::BTreeMap;

use serde_json::Value;

use super::timestamp::iso8601;
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{EventKind, PlatformAction, Stamp};

/// What `event` must be.
const EVENT_WORDS: &str = "one of launched, registered, provision_timeout, failed, deleted";

/// One key/value of a record, with the byte offset of its value in the line.
struct Field {
    key: String,
    /// The value as text (JSON strings unquoted, other JSON values as written).
    text: String,
    /// Whether the value was a string (JSON) or any cell (CSV).
    is_string: bool,
    /// Byte offset of the value in the line.
    at: usize,
}

/// Checks a record's fields and emits its event, or says which value is wrong.
fn emit_record(
    fields: Vec<Field>,
    text: &str,
    record_at: usize,
    out: &mut Emit<'_>,
) -> Result<(), Malformed> {
    let mut time = None;
    let mut action = None;
    let mut instance = None;
    let mut workspace = None;
    let mut labels = BTreeMap::new();
    for f in fields {
        match f.key.as_str() {
            "time" => {
                let parsed = if f.is_string {
                    iso8601(f.text.trim())
                        .ok()
                        .filter(|(rest, _)| rest.is_empty())
                } else {
                    None
                };
                match parsed {
                    Some((_, t)) => time = Some(t),
                    None => return Err(out.malformed(text, f.at, "an RFC 3339 time")),
                }
            }
            "event" => match PlatformAction::from_word(f.text.trim()) {
                Some(a) if f.is_string => action = Some(a),
                _ => return Err(out.malformed(text, f.at, EVENT_WORDS)),
            },
            "instance" if !f.text.is_empty() => instance = Some(f.text),
            "workspace" if !f.text.is_empty() => workspace = Some(f.text),
            "instance" | "workspace" => {}
            _ => {
                labels.insert(f.key, f.text);
            }
        }
    }
    let Some(time) = time else {
        return Err(out.malformed(text, record_at, "a \"time\" field (RFC 3339)"));
    };
    let Some(action) = action else {
        return Err(out.malformed(text, record_at, "an \"event\" field"));
    };
    if instance.is_none() && workspace.is_none() {
        return Err(out.malformed(text, record_at, "an \"instance\" or \"workspace\" field"));
    }
    out.event(
        EventKind::Platform {
            action,
            instance,
            workspace,
            labels,
        },
        Stamp::wall(time),
    );
    Ok(())
}

/// Platform events as JSON Lines.
#[derive(Debug, Default)]
pub(crate) struct JsonLines;

impl JsonLines {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self
    }
}

/// Byte offset of the value of top-level `key` in a one-line JSON object (best effort: the
/// first `"key"` followed by a colon).
fn value_offset(text: &str, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle) {
        let after = from + i + needle.len();
        let rest = &text[after..];
        let trimmed = rest.trim_start();
        if let Some(value) = trimmed.strip_prefix(':') {
            let value_trimmed = value.trim_start();
            return Some(text.len() - value_trimmed.len());
        }
        from = after;
    }
    None
}

impl LineParser for JsonLines {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let trimmed = text.trim_start();
        if trimmed.trim_end().is_empty() {
            return Ok(());
        }
        let record_at = text.len() - trimmed.len();
        let object: serde_json::Map<String, Value> = match serde_json::from_str(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => return Err(out.malformed(text, record_at, "a JSON object")),
            Err(e) => {
                let col = e.column().saturating_sub(1);
                let what = if e.is_eof() {
                    "the rest of the JSON object"
                } else {
                    "valid JSON"
                };
                return Err(out.malformed(text, col, what));
            }
        };
        let fields = object
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(key, v)| {
                let at = value_offset(text, &key).unwrap_or(record_at);
                let (text, is_string) = match v {
                    Value::String(s) => (s, true),
                    other => (other.to_string(), false),
                };
                Field {
                    key,
                    text,
                    is_string,
                    at,
                }
            })
            .collect();
        emit_record(fields, text, record_at, out)
    }

    fn stamp_of(&mut self, text: &str) -> Option<Stamp> {
        let at = value_offset(text, "time")?;
        let (_, t) = iso8601(text[at..].strip_prefix('"')?).ok()?;
        Some(Stamp::wall(t))
    }
}

/// Platform events as CSV with a header row.
#[derive(Debug, Default)]
pub(crate) struct Csv {
    header: Option<Vec<String>>,
}

impl Csv {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

/// Splits one CSV line into `(byte_offset, unquoted_value)` cells (RFC 4180 quoting, no
/// embedded newlines). Returns the offset of an unterminated quote as the error.
pub(crate) fn split_csv(line: &str) -> Result<Vec<(usize, String)>, usize> {
    let b = line.as_bytes();
    let mut cells = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let mut value = String::new();
        if b.get(i) == Some(&b'"') {
            i += 1;
            let mut from = i;
            loop {
                match memchr::memchr(b'"', &b[i..]) {
                    None => return Err(start),
                    Some(k) => {
                        let q = i + k;
                        if b.get(q + 1) == Some(&b'"') {
                            value.push_str(&line[from..=q]);
                            i = q + 2;
                            from = i;
                        } else {
                            value.push_str(&line[from..q]);
                            i = q + 1;
                            break;
                        }
                    }
                }
            }
            // Anything between the closing quote and the comma is kept verbatim.
            let end = memchr::memchr(b',', &b[i..]).map_or(b.len(), |k| i + k);
            value.push_str(&line[i..end]);
            i = end;
        } else {
            let end = memchr::memchr(b',', &b[i..]).map_or(b.len(), |k| i + k);
            value.push_str(&line[i..end]);
            i = end;
        }
        cells.push((start, value));
        if i >= b.len() {
            break;
        }
        i += 1; // the comma
    }
    Ok(cells)
}

impl LineParser for Csv {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let cells = split_csv(text).map_err(|at| out.malformed(text, at, "a closing quote"))?;
        let Some(header) = &self.header else {
            let names: Vec<String> = cells.iter().map(|(_, v)| v.trim().to_string()).collect();
            for want in ["time", "event"] {
                if !names.iter().any(|n| n == want) {
                    return Err(out.malformed(
                        text,
                        0,
                        "a header row naming the columns, with \"time\" and \"event\"",
                    ));
                }
            }
            self.header = Some(names);
            return Ok(());
        };
        if cells.len() > header.len() {
            let (at, _) = cells[header.len()];
            return Err(out.malformed(
                text,
                at,
                &format!("at most {} columns, as in the header", header.len()),
            ));
        }
        let fields = cells
            .into_iter()
            .zip(header.iter())
            .filter(|((_, v), _)| !v.is_empty())
            .map(|((at, v), key)| Field {
                key: key.clone(),
                text: v,
                is_string: true,
                at,
            })
            .collect();
        emit_record(fields, text, 0, out)
    }

    fn stamp_of(&mut self, text: &str) -> Option<Stamp> {
        let header = self.header.as_ref()?;
        let k = header.iter().position(|h| h == "time")?;
        let cells = split_csv(text).ok()?;
        let (_, v) = cells.get(k)?;
        let (_, t) = iso8601(v.trim()).ok()?;
        Some(Stamp::wall(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::parse::{parse_input, Format, Options};

    fn run(format: Format, text: &str, strict: bool) -> crate::Result<Vec<Event>> {
        let input = crate::input::from_reader(
            "ev".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )?;
        let mut events = Vec::new();
        let opts = Options {
            strict,
            ..Options::default()
        };
        parse_input(input, Some(format), &opts, &mut |e| events.push(e))?;
        Ok(events)
    }

    fn column(format: Format, text: &str) -> (u64, usize, String) {
        match run(format, text, true) {
            Err(crate::Error::Malformed(m)) => (m.line, m.column, m.expected),
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn json_record_keeps_labels() {
        let ev = run(
            Format::PlatformEvents,
            r#"{"time":"2026-06-10T14:58:04Z","event":"registered","instance":"i-052962296ad0c7240","status":200,"class":"default"}"#,
            true,
        )
        .unwrap();
        assert_eq!(ev.len(), 1);
        let EventKind::Platform {
            action,
            instance,
            workspace,
            labels,
        } = &ev[0].kind
        else {
            panic!("{ev:?}")
        };
        assert_eq!(*action, PlatformAction::Registered);
        assert_eq!(instance.as_deref(), Some("i-052962296ad0c7240"));
        assert_eq!(*workspace, None);
        assert_eq!(labels.get("status").map(String::as_str), Some("200"));
        assert_eq!(labels.get("class").map(String::as_str), Some("default"));
        assert_eq!(ev[0].stamp.wall.unwrap().timestamp(), 1_781_103_484);
    }

    #[test]
    fn json_errors_are_located() {
        let bad_time = r#"{"time":"yesterday","event":"launched","instance":"i-1"}"#;
        assert_eq!(column(Format::PlatformEvents, bad_time).1, 9);
        let bad_event = r#"{"time":"2026-06-10T14:51:01Z", "event":"launch","instance":"i-1"}"#;
        let (_, col, what) = column(Format::PlatformEvents, bad_event);
        assert_eq!(col, 41);
        assert!(what.starts_with("one of launched"));
        let no_id = r#"{"time":"2026-06-10T14:51:01Z","event":"launched"}"#;
        assert_eq!(column(Format::PlatformEvents, no_id).1, 1);
        let broken = "{\"time\":\"2026-06-10T14:51:01Z\",\n";
        assert_eq!(column(Format::PlatformEvents, broken).0, 1);
        let not_json = "\n  nope\n";
        // serde_json stops at the `o` of `nope` (it expected `null`).
        assert_eq!(
            column(Format::PlatformEvents, not_json),
            (2, 4, "valid JSON".into())
        );
    }

    #[test]
    fn csv_reads_quoted_cells_and_locates_errors() {
        let text = "time,event,instance,workspace,reason\n\
                    2026-06-10T15:01:01Z,failed,,9a1f20c4,\"disk, full\"\n";
        let ev = run(Format::PlatformEventsCsv, text, true).unwrap();
        let EventKind::Platform {
            workspace, labels, ..
        } = &ev[0].kind
        else {
            panic!()
        };
        assert_eq!(workspace.as_deref(), Some("9a1f20c4"));
        assert_eq!(labels.get("reason").map(String::as_str), Some("disk, full"));
        let bad = "time,event,instance\n2026-06-10T15:01:01Z,exploded,i-1\n";
        assert_eq!(column(Format::PlatformEventsCsv, bad).0, 2);
        assert_eq!(column(Format::PlatformEventsCsv, bad).1, 22);
        assert_eq!(column(Format::PlatformEventsCsv, "a,b\n").1, 1);
    }

    #[test]
    fn split_csv_cells() {
        assert_eq!(
            split_csv(r#"a,"b,""c""",,d"#).unwrap(),
            vec![
                (0, "a".to_string()),
                (2, "b,\"c\"".to_string()),
                (12, String::new()),
                (13, "d".to_string())
            ]
        );
        assert_eq!(split_csv("x,\"open"), Err(2));
    }
}
