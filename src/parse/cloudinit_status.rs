//! `cloud-init status --long` and `cloud-init status --format json`: cloud-init's own summary,
//! and with JSON the best stage timeline when a command can be run on the instance.
//!
//! ```text
//! status: done
//! boot_status_code: enabled-by-generator
//! last_update: Thu, 19 Oct 2023 21:40:51 +0000
//! detail:
//! DataSourceNoCloud [seed=/dev/vda][dsmode=net]
//! ```
//!
//! Events: one [`EventKind::CloudInitStatus`] per status block (stamped with `last_update`, or
//! the older `time:`); `status: error` or listed errors → [`EventKind::Crash`] `StageFailed`.
//! JSON adds per stage (`init-local`, `init`, `modules-config`, `modules-final`) a
//! [`EventKind::Start`] at its `start` epoch time and a [`EventKind::Finish`] at `finished`
//! (`FAIL` when the stage lists errors, each of which is also crash evidence).

use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::timestamp::rfc2822;
use super::{DocumentParser, Emit};
use crate::error::{Error, Malformed, Result};
use crate::event::{stage_of_action, CrashKind, EventKind, StageResult, Stamp};

/// The stages `cloud-init status --format json` reports, as it names them.
const STAGES: &[&str] = &["init-local", "init", "modules-config", "modules-final"];

/// One status block being read.
#[derive(Debug, Default, Clone)]
struct Block {
    line: u64,
    status: String,
    boot_status_code: Option<String>,
    detail: Vec<String>,
    errors: Vec<String>,
    updated: Option<DateTime<FixedOffset>>,
}

/// Which multi-line value the following lines belong to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    #[default]
    None,
    Detail,
    Errors,
}

/// The `cloud-init status --long` text grammar, line by line; also used by transcripts that
/// mix it with other commands (see `systemd_analyze`).
#[derive(Debug, Default)]
pub(crate) struct StatusText {
    block: Option<Block>,
    section: Section,
}

// `boot_status_code: enabled-by-generator` → (`boot_status_code`, `enabled-by-generator`)
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
    ok.then(|| (key, value.trim()))
}

impl StatusText {
    /// Reads one line.
    pub(crate) fn line(&mut self, text: &str, out: &mut Emit<'_>) {
        let trimmed = text.trim();
        if let Some(("status", value)) = key_value(trimmed) {
            self.flush(out);
            self.block = Some(Block {
                line: out.line(),
                status: value.to_string(),
                ..Block::default()
            });
            self.section = Section::None;
            return;
        }
        let Some(block) = self.block.as_mut() else {
            return;
        };
        if trimmed.is_empty() || trimmed.starts_with("--- ") || trimmed.contains("# ") {
            // A blank line, a transcript separator or the next prompt ends the block.
            self.flush(out);
            return;
        }
        if let Some((key, value)) = key_value(trimmed) {
            self.section = Section::None;
            match key {
                "boot_status_code" => block.boot_status_code = Some(value.to_string()),
                "last_update" | "time" => block.updated = rfc2822(value).ok().map(|(_, t)| t),
                "detail" => {
                    self.section = Section::Detail;
                    if !value.is_empty() {
                        block.detail.push(value.to_string());
                    }
                }
                "errors" => {
                    self.section = Section::Errors;
                    let v = value.trim_matches(|c| c == '[' || c == ']').trim();
                    if !v.is_empty() {
                        block.errors.push(v.to_string());
                    }
                }
                _ => {}
            }
            return;
        }
        match self.section {
            Section::Detail => block.detail.push(trimmed.to_string()),
            Section::Errors => {
                let e = trimmed.trim_start_matches("- ").trim();
                if !e.is_empty() {
                    block.errors.push(e.to_string());
                }
            }
            Section::None => {}
        }
    }

    /// Emits the block being read, if any.
    pub(crate) fn flush(&mut self, out: &mut Emit<'_>) {
        self.section = Section::None;
        let Some(b) = self.block.take() else {
            return;
        };
        let detail = (!b.detail.is_empty()).then(|| b.detail.join("\n"));
        let stamp = b.updated.map(Stamp::wall).unwrap_or_default();
        emit_status(
            out,
            b.line,
            stamp,
            b.status,
            b.boot_status_code,
            detail,
            b.errors,
        );
    }
}

/// Emits a status summary and, for an error status, its crash evidence.
fn emit_status(
    out: &mut Emit<'_>,
    line: u64,
    stamp: Stamp,
    status: String,
    boot_status_code: Option<String>,
    detail: Option<String>,
    errors: Vec<String>,
) {
    let failed = status.contains("error") || !errors.is_empty();
    if failed {
        let evidence = match (errors.first(), &detail) {
            (Some(e), _) => format!("status: {status}: {e}"),
            (None, Some(d)) => format!("status: {status}: {d}"),
            (None, None) => format!("status: {status}"),
        };
        out.event_at(
            EventKind::Crash {
                crash: CrashKind::StageFailed,
                evidence,
            },
            stamp,
            line,
        );
    }
    out.event_at(
        EventKind::CloudInitStatus {
            status,
            boot_status_code,
            detail,
            errors,
        },
        stamp,
        line,
    );
}

/// `cloud-init status` output, text or JSON (told apart by the first character).
#[derive(Debug, Default)]
pub(crate) struct Status;

impl Status {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self
    }
}

fn epoch(v: &Value) -> Option<DateTime<FixedOffset>> {
    let secs = v.as_f64()?;
    if !secs.is_finite() || secs <= 0.0 {
        return None;
    }
    crate::event::from_epoch_secs(secs).map(|t| t.fixed_offset())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// 1-based line of the first occurrence of `needle` in `text` (1 when absent).
fn line_of(text: &str, needle: &str) -> u64 {
    text.find(needle).map_or(1, |at| {
        memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() as u64 + 1
    })
}

/// One stage of the document (`"init": {"start": …, "finished": …, "errors": […]}`): its
/// start, its finish (`FAIL` when it lists errors) and each error as crash evidence, at `line`.
fn stage_events(stage: &str, s: &Value, line: u64, out: &mut Emit<'_>) {
    let name = stage_of_action(stage);
    let start = s.get("start").and_then(epoch);
    let finished = s.get("finished").and_then(epoch);
    let errors = strings(s.get("errors"));
    if let Some(t) = start {
        out.event_at(
            EventKind::Start {
                name: name.clone().into(),
                description: format!("cloud-init status: {stage}").into(),
            },
            Stamp::wall(t),
            line,
        );
    }
    if let Some(t) = finished {
        let result = if errors.is_empty() {
            StageResult::Success
        } else {
            StageResult::Fail
        };
        let duration_secs = start.map(|s| (t - s).num_microseconds().unwrap_or(0) as f64 / 1e6);
        out.event_at(
            EventKind::Finish {
                name: name.clone().into(),
                result,
                description: format!("cloud-init status: {stage}").into(),
                duration_secs,
            },
            Stamp::wall(t),
            line,
        );
    }
    for e in errors {
        let stamp = finished.or(start).map(Stamp::wall).unwrap_or_default();
        out.event_at(
            EventKind::Crash {
                crash: CrashKind::StageFailed,
                evidence: format!("{name}: {e}"),
            },
            stamp,
            line,
        );
    }
}

fn parse_json(text: &str, path: &str, out: &mut Emit<'_>) -> Result<()> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Error::Document {
        path: path.to_string(),
        line: e.line() as u64,
        column: e.column() as u64,
        message: format!("expected `cloud-init status --format json` output: {e}"),
    })?;
    // Older versions put everything under `v1`.
    let root = match doc.get("status").or_else(|| doc.get("stage")) {
        Some(_) => &doc,
        None => doc.get("v1").unwrap_or(&doc),
    };
    for stage in STAGES {
        if let Some(s) = root.get(*stage).or_else(|| doc.get("v1")?.get(*stage)) {
            stage_events(stage, s, line_of(text, &format!("\"{stage}\"")), out);
        }
    }
    let text_of = |k: &str| -> Option<String> {
        match root.get(k).or_else(|| doc.get(k)) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    };
    let status = text_of("extended_status")
        .or_else(|| text_of("status"))
        .unwrap_or_else(|| "unknown".to_string());
    let stamp = text_of("last_update")
        .and_then(|u| rfc2822(&u).ok().map(|(_, t)| Stamp::wall(t)))
        .unwrap_or_default();
    let errors = strings(root.get("errors").or_else(|| doc.get("errors")));
    emit_status(
        out,
        line_of(text, "\"status\""),
        stamp,
        status,
        text_of("boot_status_code"),
        text_of("detail"),
        errors,
    );
    Ok(())
}

impl DocumentParser for Status {
    fn parse(
        &mut self,
        reader: &mut dyn BufRead,
        out: &mut Emit<'_>,
        _on_malformed: &mut dyn FnMut(Malformed) -> Result<()>,
    ) -> Result<()> {
        let path = out.path().to_string();
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|cause| Error::Io {
            path: path.clone(),
            cause,
        })?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            let text = String::from_utf8_lossy(&bytes);
            return parse_json(&text, &path, out);
        }
        let mut grammar = StatusText::default();
        let mut cursor: &[u8] = &bytes;
        crate::input::for_each_line(&path, &mut cursor, |no, text| {
            out.set_line(no);
            grammar.line(text, out);
            true
        })?;
        grammar.flush(out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::parse::{parse_input, Format, Options};

    fn run(text: &str) -> Vec<Event> {
        let input = crate::input::from_reader(
            "st".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap();
        let mut events = Vec::new();
        parse_input(
            input,
            Some(Format::CloudInitStatus),
            &Options::default(),
            &mut |e| events.push(e),
        )
        .unwrap();
        events
    }

    #[test]
    fn key_values() {
        assert_eq!(key_value("status: done"), Some(("status", "done")));
        assert_eq!(key_value("detail:"), Some(("detail", "")));
        assert_eq!(key_value("DataSourceNoCloud [seed=/dev/vda]"), None);
    }

    #[test]
    fn long_text_block() {
        let ev = run("status: error\ntime: Tue, 02 Jul 2019 07:35:35 +0000\ndetail:\n'NoneType' object has no attribute 'version'\n\nroot@pwet:~# snap list\n");
        assert_eq!(ev.len(), 2);
        assert!(
            matches!(&ev[0].kind, EventKind::Crash { crash: CrashKind::StageFailed, evidence } if evidence.contains("NoneType"))
        );
        match &ev[1].kind {
            EventKind::CloudInitStatus { status, detail, .. } => {
                assert_eq!(status, "error");
                assert_eq!(
                    detail.as_deref(),
                    Some("'NoneType' object has no attribute 'version'")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ev[1].stamp.wall.unwrap().timestamp(), 1_562_052_935);
        assert_eq!(ev[1].source.line, 1);
    }

    #[test]
    fn json_stages() {
        let ev = run(r#"{
  "boot_status_code": "enabled-by-generator",
  "detail": "DataSourceNoCloud [seed=/dev/vda][dsmode=net]",
  "errors": [],
  "extended_status": "done",
  "init": {"errors": [], "finished": 1697751649.5, "recoverable_errors": {}, "start": 1697751647.25},
  "init-local": {"errors": [], "finished": 1697751646.0, "start": 1697751645.0},
  "modules-config": {"errors": [], "finished": null, "start": null},
  "modules-final": {"errors": ["boom"], "finished": 1697751660.0, "start": 1697751650.0},
  "last_update": "Thu, 19 Oct 2023 21:40:51 +0000",
  "status": "done"
}"#);
        let names: Vec<String> = ev
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Finish {
                    name,
                    result,
                    duration_secs,
                    ..
                } => Some(format!("{name} {} {:?}", result.as_str(), duration_secs)),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                "init-local SUCCESS Some(1.0)",
                "init-network SUCCESS Some(2.25)",
                "modules-final FAIL Some(10.0)"
            ]
        );
        assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::Crash { evidence, .. } if evidence == "modules-final: boom")));
        let last = ev.last().unwrap();
        assert!(
            matches!(&last.kind, EventKind::CloudInitStatus { boot_status_code: Some(c), .. } if c == "enabled-by-generator")
        );
        assert_eq!(last.source.line, 11);
    }
}
