//! Serial console captures (`aws ec2 get-console-output`, GCP serial port, Azure boot
//! diagnostics, `nova console-log`, `virtctl console`).
//!
//! A console mixes many writers; each line is read as one of:
//! - kernel printk, `[    0.000000] Linux version …` (optionally with a caller-id bracket
//!   `[    0.000000][    T0]`), stamped in the kernel clock; journald forwarding
//!   `[   57.551987] cloud-init[1321]: msg` has the same stamp (taken when forwarded, so it can
//!   run backwards);
//! - systemd status lines `[  OK  ] Started …`, `[FAILED] Failed to start …`, `Starting …`,
//!   without a stamp of their own;
//! - syslog lines with a raw priority, `<14>May 11 17:28:08 ec2: …` (wall clock, year from the
//!   latest banner);
//! - a login prompt with another writer's line glued on (`host login: [  389.99] cloud-init…`);
//! - anything else (firmware, `ci-info:` tables, user-data output), still searched for banners,
//!   crash evidence and markers.
//!
//! Messages go through the shared classifiers ([`super::message`]). Lines hard-wrapped at 80
//! columns (after the capture's common indentation) are joined with the next line before they
//! are read; events found on a joined line are placed at its first physical line. EC2
//! `get-console-output` wrappers, YAML (`InstanceId:` / `Output: "…"` folded over lines) or
//! JSON (`"Output": "…"`), are decoded: `InstanceId` → [`EventKind::InstanceId`], the escaped
//! output is split into its own lines, `Timestamp` → a [`EventKind::CaptureEnd`] in wall time.
//!
//! At the end, [`EventKind::CaptureEnd`] is emitted with the latest kernel stamp of the last
//! boot (a `Linux version` line starts a new boot and is emitted as [`EventKind::KernelStart`]).

use chrono::{DateTime, FixedOffset, TimeZone};

use super::message::{classify, tag_prefix, Found, Origin};
use super::timestamp::{iso8601, kernel_stamp, syslog};
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{uptime_went_back, BootClock, EventKind, IdEvidence, Stamp};

/// The width consoles hard-wrap at.
pub(crate) const WRAP_COLUMNS: usize = 80;

/// A physical line waiting to see whether the next one continues it.
#[derive(Debug)]
struct Pending {
    text: String,
    line: u64,
    /// Visible width of the last physical line joined.
    width: usize,
}

/// Where the reader is inside an EC2 wrapper's `Output` string.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum Wrapper {
    /// Not inside an output string.
    #[default]
    Outside,
    /// Inside a YAML double-quoted scalar folded over lines.
    Yaml,
}

/// Parser state for serial consoles.
#[derive(Debug, Default)]
pub(crate) struct Console {
    /// The smallest indentation of non-blank lines so far (a pasted capture's indent).
    indent: Option<usize>,
    /// Non-blank lines so far, and those wider than the wrap width: a capture with more than
    /// a few wide lines is not hard-wrapped.
    lines_seen: u64,
    wide_seen: u64,
    pending: Option<Pending>,
    wrapper: Wrapper,
    /// The decoded output line being assembled, and the physical line it started on.
    decoded: Vec<u8>,
    decoded_line: u64,
    /// Whether the previous YAML physical line ended in an escaped line break.
    yaml_escaped_break: bool,
    /// The latest kernel stamp in the current boot, and its line.
    last_kernel: Option<(f64, u64)>,
    /// The EC2 wrapper's capture time.
    capture_wall: Option<(DateTime<FixedOffset>, u64)>,
    /// Year of the latest banner, for year-less syslog stamps.
    year: Option<i32>,
    found: Vec<Found>,
    scratch: String,
}

impl Console {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reads one logical line (joined, decoded) found at physical line `line`.
    fn logical(&mut self, text: &str, line: u64, out: &mut Emit<'_>) {
        let body = text.trim_start();
        if body.is_empty() {
            return;
        }
        let (stamp, msg, origin) = self.split(body);
        if let Some(sb) = stamp.since_boot {
            self.note_kernel(sb.secs, line);
        }
        out.scan_markers(body, stamp, line);
        let Some(msg) = msg else {
            return;
        };
        self.found.clear();
        classify(msg, origin, &mut self.found);
        for f in self.found.drain(..) {
            let s = f.stamp(stamp);
            match &f.kind {
                EventKind::KernelStart { .. } => self.last_kernel = None,
                EventKind::StageBanner { .. } | EventKind::FinishedBanner { .. } => {
                    if let Some(w) = s.wall {
                        self.year = Some(chrono::Datelike::year(&w));
                    }
                }
                _ => {}
            }
            out.event_at(f.kind, s, line);
        }
        if let Some(sb) = stamp.since_boot {
            // After a kernel banner the boot's latest stamp is this line's.
            if self.last_kernel.is_none() {
                self.last_kernel = Some((sb.secs, line));
            }
        }
    }

    fn note_kernel(&mut self, secs: f64, line: u64) {
        match self.last_kernel {
            // Forwarded lines run a little backwards; further back is a reboot whose kernel
            // banner the capture lost.
            Some((best, _)) if best >= secs && !uptime_went_back(best, secs) => {}
            _ => self.last_kernel = Some((secs, line)),
        }
    }

    /// Splits a line into its stamp, the message the classifiers should read, and its writer.
    fn split<'t>(&self, body: &'t str) -> (Stamp, Option<&'t str>, Origin<'t>) {
        // `[    5.42] msg` and `[    0.000000][    T0] msg`
        if let Ok((rest, secs)) = kernel_stamp(body) {
            let rest = caller_id(rest);
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let stamp = Stamp::since_boot(BootClock::Kernel, secs);
            return match tag_prefix(rest) {
                Ok((msg, origin)) => (stamp, Some(msg), origin),
                Err(_) => (stamp, Some(rest), Origin::default()),
            };
        }
        // `[  OK  ] Started X.` / `[FAILED] Failed to start X.` / `[   ***] A start job …`
        if let Some(msg) = status_line(body) {
            return (Stamp::default(), Some(msg), Origin::default());
        }
        // `<14>May 11 17:28:08 ec2: msg`
        if let Some(rest) = priority(body) {
            if let Ok((rest, ys)) = syslog(rest) {
                let wall = self
                    .year
                    .and_then(|y| ys.with_year(y))
                    .and_then(|n| FixedOffset::east_opt(0)?.from_local_datetime(&n).single());
                let stamp = Stamp {
                    wall,
                    since_boot: None,
                };
                let rest = rest.trim_start();
                return match tag_prefix(rest) {
                    Ok((msg, origin)) => (stamp, Some(msg), origin),
                    Err(_) => (stamp, Some(rest), Origin::default()),
                };
            }
        }
        // `host login: [  389.99] cloud-init[851]: …` (a prompt with a line glued on)
        if let Some(i) = body.find(" login: ") {
            let rest = &body[i + " login: ".len()..];
            if rest.starts_with('[') && kernel_stamp(rest).is_ok() {
                return self.split(rest);
            }
        }
        (Stamp::default(), Some(body), Origin::default())
    }

    /// Reads one physical line of the capture outside any wrapper string.
    fn physical(&mut self, text: &str, out: &mut Emit<'_>) {
        let line = out.line();
        let lead = text.len() - text.trim_start_matches(' ').len();
        if !text.trim().is_empty() {
            self.indent = Some(self.indent.map_or(lead, |i| i.min(lead)));
        }
        let body = &text[lead.min(self.indent.unwrap_or(0))..];
        let trimmed = body.trim_end();
        // Characters matter only near the wrap column; a shorter byte length is already below
        // it (a character is at least a byte).
        let width = if trimmed.len() < WRAP_COLUMNS - 2 || trimmed.is_ascii() {
            trimmed.len()
        } else {
            trimmed.chars().count()
        };
        if width > 0 {
            self.lines_seen += 1;
        }
        if width > WRAP_COLUMNS + 1 {
            self.wide_seen += 1;
        }
        let wrapped = self.wide_seen * 20 <= self.lines_seen && is_wrap_width(width);
        if let Some(mut p) = self.pending.take() {
            if continues(body) {
                // Mid-token wraps fill the width exactly; word wraps dropped a space.
                if p.width != WRAP_COLUMNS {
                    p.text.push(' ');
                }
                p.text.push_str(body.trim_end());
                p.width = width;
                if wrapped {
                    self.pending = Some(p);
                } else {
                    self.logical(&p.text, p.line, out);
                }
                return;
            }
            self.logical(&p.text, p.line, out);
        }
        if self.wrapper_start(body, line, out) {
            return;
        }
        if wrapped {
            self.pending = Some(Pending {
                text: body.trim_end().to_string(),
                line,
                width,
            });
            return;
        }
        self.logical(body, line, out);
    }

    /// Recognises the EC2 wrapper's own lines. Returns whether the line was one.
    fn wrapper_start(&mut self, body: &str, line: u64, out: &mut Emit<'_>) -> bool {
        let t = body.trim();
        // Most lines start with neither key: leave before building anything.
        if !(t.starts_with('I') || t.starts_with('T') || t.starts_with('O') || t.starts_with('"')) {
            return false;
        }
        let key_value = |key: &str| -> Option<&str> {
            let rest = t.strip_prefix(key).or_else(|| {
                t.strip_prefix('"')
                    .and_then(|r| r.strip_prefix(key))
                    .and_then(|r| r.strip_prefix('"'))
            })?;
            let rest = rest.strip_prefix(':')?.trim();
            Some(rest)
        };
        if let Some(v) = key_value("InstanceId") {
            let id = v
                .trim_end_matches(',')
                .trim_matches(|c| c == '"' || c == '\'');
            if !id.is_empty() {
                out.event_at(
                    EventKind::InstanceId {
                        id: id.to_string(),
                        evidence: IdEvidence::Ec2Console,
                    },
                    Stamp::default(),
                    line,
                );
            }
            return true;
        }
        if let Some(v) = key_value("Timestamp") {
            let v = v
                .trim_end_matches(',')
                .trim_matches(|c| c == '"' || c == '\'');
            if let Ok((_, t)) = iso8601(v) {
                self.capture_wall = Some((t, line));
            }
            return true;
        }
        if let Some(v) = key_value("Output") {
            if let Some(s) = v.strip_prefix('"') {
                let yaml = !t.starts_with('"');
                self.decoded.clear();
                self.decoded_line = line;
                let closed = self.decode(s, line, out);
                if !closed && yaml {
                    self.wrapper = Wrapper::Yaml;
                    self.yaml_escaped_break = s.ends_with('\\') && !s.ends_with("\\\\");
                }
                if closed || !yaml {
                    self.end_output(out);
                }
                return true;
            }
        }
        false
    }

    /// Decodes escaped output text, emitting every completed line. Returns `true` when the
    /// closing quote was reached.
    fn decode(&mut self, s: &str, line: u64, out: &mut Emit<'_>) -> bool {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => return true,
                b'\\' => {
                    let Some(&c) = b.get(i + 1) else {
                        // An escaped line break (YAML): nothing is added.
                        return false;
                    };
                    i += 2;
                    match c {
                        b'n' => {
                            self.flush_decoded(out);
                            self.decoded_line = line;
                            continue;
                        }
                        b'r' => self.decoded.push(b'\r'),
                        b't' => self.decoded.push(b'\t'),
                        b'e' => self.decoded.push(0x1b),
                        b'0' => self.decoded.push(0),
                        b'a' | b'b' | b'f' | b'v' => {}
                        b'x' | b'u' | b'U' => {
                            let n = match c {
                                b'x' => 2,
                                b'u' => 4,
                                _ => 8,
                            };
                            let hex = s.get(i..i + n).unwrap_or("");
                            match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) if hex.len() == n => {
                                    let mut buf = [0u8; 4];
                                    self.decoded
                                        .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                    i += n;
                                }
                                _ => self.decoded.extend_from_slice(&[b'\\', c]),
                            }
                        }
                        other => self.decoded.push(other),
                    }
                }
                other => {
                    self.decoded.push(other);
                    i += 1;
                }
            }
        }
        false
    }

    /// Reads one physical line inside a YAML-folded output string.
    fn yaml_line(&mut self, text: &str, out: &mut Emit<'_>) {
        let line = out.line();
        let content = text.trim_start();
        if !self.yaml_escaped_break {
            // A folded line break is one space; trailing spaces before it were not content.
            while self.decoded.last() == Some(&b' ') {
                self.decoded.pop();
            }
            if !self.decoded.is_empty() {
                self.decoded.push(b' ');
            }
        }
        if self.decoded.is_empty() {
            self.decoded_line = line;
        }
        let closed = self.decode(content, line, out);
        self.yaml_escaped_break = !closed && content.ends_with('\\') && !content.ends_with("\\\\");
        if closed {
            self.end_output(out);
        }
    }

    fn end_output(&mut self, out: &mut Emit<'_>) {
        self.flush_decoded(out);
        self.wrapper = Wrapper::Outside;
    }

    /// Reads the decoded line assembled so far.
    fn flush_decoded(&mut self, out: &mut Emit<'_>) {
        if self.decoded.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut self.decoded);
        let line = self.decoded_line;
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut segments: Vec<String> = Vec::new();
        crate::input::for_each_segment(&raw, &mut scratch, |t| {
            segments.push(t.to_string());
            true
        });
        self.scratch = scratch;
        for seg in segments {
            self.logical(&seg, line, out);
        }
        self.decoded = raw;
        self.decoded.clear();
    }
}

// `[    T0]` / `[  C1]` (a printk caller-id bracket after the stamp)
fn caller_id(i: &str) -> &str {
    let Some(inner) = i.strip_prefix('[') else {
        return i;
    };
    let Some(close) = inner.find(']') else {
        return i;
    };
    let id = inner[..close].trim_start();
    let ok = id.len() >= 2
        && matches!(id.as_bytes()[0], b'T' | b'C')
        && id[1..].bytes().all(|b| b.is_ascii_digit());
    if ok {
        &inner[close + 1..]
    } else {
        i
    }
}

// `[  OK  ] msg` / `[FAILED] msg` / `[ SKIP ] msg` / `[   ***] msg` → `msg`
fn status_line(body: &str) -> Option<&str> {
    let inner = body.strip_prefix('[')?;
    let close = inner.find(']')?;
    let word = &inner[..close];
    if word.len() != 6 {
        return None;
    }
    let w = word.trim();
    let known = matches!(
        w,
        "OK" | "FAILED" | "SKIP" | "DEPEND" | "INFO" | "WARN" | "TIME" | "WAIT"
    ) || (!w.is_empty() && w.bytes().all(|b| b == b'*'));
    known.then(|| inner[close + 1..].trim_start())
}

// `<14>` (a raw syslog priority)
fn priority(body: &str) -> Option<&str> {
    let inner = body.strip_prefix('<')?;
    let close = inner.find('>')?;
    ((1..=3).contains(&close) && inner[..close].bytes().all(|b| b.is_ascii_digit()))
        .then(|| &inner[close + 1..])
}

/// Whether a physical line of `width` visible characters may have been wrapped: it fills the
/// width (a mid-token hard wrap) or nearly (a word wrap that dropped the space).
fn is_wrap_width(width: usize) -> bool {
    (WRAP_COLUMNS - 2..=WRAP_COLUMNS + 1).contains(&width)
}

/// Whether a physical line can be the continuation of a hard-wrapped one: it does not start a
/// record of its own (indentation, a stamp, a status or priority bracket).
fn continues(body: &str) -> bool {
    !(body.trim().is_empty()
        || body.starts_with(char::is_whitespace)
        || kernel_stamp(body).is_ok()
        || status_line(body).is_some()
        || priority(body).is_some())
}

impl LineParser for Console {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        match self.wrapper {
            Wrapper::Yaml => self.yaml_line(text, out),
            Wrapper::Outside => self.physical(text, out),
        }
        Ok(())
    }

    fn stamp_of(&mut self, text: &str) -> Option<Stamp> {
        let body = text.trim_start();
        kernel_stamp(body)
            .ok()
            .map(|(_, s)| Stamp::since_boot(BootClock::Kernel, s))
    }

    fn scans_markers(&self) -> bool {
        true
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        if let Some(p) = self.pending.take() {
            self.logical(&p.text, p.line, out);
        }
        if self.wrapper != Wrapper::Outside {
            self.end_output(out);
        }
        if let Some((secs, line)) = self.last_kernel {
            out.event_at(
                EventKind::CaptureEnd,
                Stamp::since_boot(BootClock::Kernel, secs),
                line,
            );
        }
        if let Some((wall, line)) = self.capture_wall {
            out.event_at(EventKind::CaptureEnd, Stamp::wall(wall), line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_id_bracket() {
        assert_eq!(caller_id("[    T0] Linux version"), " Linux version");
        assert_eq!(caller_id("[  C12] x"), " x");
        assert_eq!(caller_id(" cloud-init[1]: x"), " cloud-init[1]: x");
        assert_eq!(caller_id("[sda] x"), "[sda] x");
    }

    #[test]
    fn status_brackets() {
        assert_eq!(status_line("[  OK  ] Started X."), Some("Started X."));
        assert_eq!(
            status_line("[FAILED] Failed to start X."),
            Some("Failed to start X.")
        );
        assert_eq!(status_line("[   ***] A start job"), Some("A start job"));
        assert_eq!(status_line("[    5.1] x"), None);
        assert_eq!(status_line("[  OK  "), None);
    }

    #[test]
    fn priorities() {
        assert_eq!(
            priority("<14>May 11 17:28:08 ec2: x"),
            Some("May 11 17:28:08 ec2: x")
        );
        assert_eq!(priority("<html>"), None);
        assert_eq!(priority("<>x"), None);
    }

    #[test]
    fn wrap_width() {
        assert!(is_wrap_width(80));
        assert!(is_wrap_width(79));
        assert!(!is_wrap_width(60));
        assert!(!is_wrap_width(120));
        assert!(continues("g 'modules:config' at"));
        assert!(!continues("[  418.8] cloud-init"));
        assert!(!continues("  indented"));
    }
}

#[cfg(test)]
mod stream_tests {
    use crate::event::{BootClock, CrashKind, Edge, EventKind};
    use crate::parse::{parse_bytes, Format, Options};

    /// Synthetic capture (not from the corpus): raw `\r\n`, ESC colour codes, NUL padding,
    /// invalid UTF-8, a caller-id bracket, a login splice, a failed unit, a panic, a reboot.
    const RAW: &[u8] = b"\0\0\0[    0.000000][    T0] Linux version 6.1.0-13-cloud-amd64 (x)\r\n\
[\x1b[0;32m  OK  \x1b[0m] Started \xff\xfeJournal Service.\r\n\
[\x1b[0;1;31mFAILED\x1b[0m] Failed to start Execute cloud user/final scripts.\r\n\
host login: [   12.5] cloud-init[851]: Cloud-init v. 23.1 running 'modules:final' at Thu, 30 Nov 2023 19:03:39 +0000. Up 12.40 seconds.\r\n\
[   13.0] cloud-init[851]: 2023-11-30 19:03:40,000 - util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [1]\r\n\
[   14.2] Kernel panic - not syncing: Attempted to kill init!\r\n\
[    0.000000] Linux version 6.1.0-13-cloud-amd64 (x)\r\n\
[    3.5] systemd[1]: Startup finished in 1.1s (kernel) + 2.4s (userspace) = 3.5s.\r\n";

    #[test]
    fn byte_level_capture() {
        let ev = parse_bytes(Format::SerialConsole, RAW, &Options::default());
        let kinds: Vec<String> = ev
            .iter()
            .map(|e| {
                let k = serde_json::to_value(&e.kind).unwrap();
                format!("{}:{}", e.source.line, k["kind"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "1:kernel_start",
                "2:unit",
                "3:unit",
                "3:crash",
                "4:stage_banner",
                "5:crash",
                "6:crash",
                "7:kernel_start",
                "8:startup_finished",
                "8:capture_end"
            ]
        );
        assert!(
            matches!(&ev[1].kind, EventKind::Unit { unit, edge: Edge::End } if unit == "\u{fffd}\u{fffd}Journal Service")
        );
        assert!(
            matches!(&ev[2].kind, EventKind::Unit { unit, .. } if unit == "cloud-final.service")
        );
        let crashes: Vec<CrashKind> = ev
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Crash { crash, .. } => Some(crash),
                _ => None,
            })
            .collect();
        assert_eq!(
            crashes,
            [
                CrashKind::UnitFailed,
                CrashKind::UserDataFailed,
                CrashKind::KernelPanic
            ]
        );
        // The capture ends at the latest stamp of the second boot, not the first.
        let end = ev.last().unwrap();
        assert_eq!(
            end.stamp.since_boot.map(|s| (s.clock, s.secs)),
            Some((BootClock::Kernel, 3.5))
        );
    }

    #[test]
    fn ec2_json_wrapper() {
        let text = concat!(
            "{\n",
            "    \"InstanceId\": \"i-0123456789abcdef0\",\n",
            "    \"Output\": \"[    0.000000] Linux version 5.10.0\\r\\n[\\u001b[32m  OK  \\u001b[0m] Started Execute cloud user/final scripts.\\r\\n[   30.25] cloud-init[9]: Registered with platform: 200\\r\\n\",\n",
            "    \"Timestamp\": \"2023-10-11T18:42:12.000Z\"\n",
            "}\n"
        );
        let ev = parse_bytes(Format::SerialConsole, text.as_bytes(), &Options::default());
        assert!(
            matches!(&ev[0].kind, EventKind::InstanceId { id, evidence: crate::event::IdEvidence::Ec2Console } if id == "i-0123456789abcdef0")
        );
        assert!(matches!(&ev[1].kind, EventKind::KernelStart { .. }));
        assert!(
            matches!(&ev[2].kind, EventKind::Unit { unit, .. } if unit == "cloud-final.service")
        );
        assert!(matches!(&ev[3].kind, EventKind::Marker { name, .. } if name == "registered"));
        assert_eq!(ev[3].stamp.since_boot.unwrap().secs, 30.25);
        assert!(ev.iter().all(|e| e.source.line <= 4));
        let walls: Vec<i64> = ev
            .iter()
            .filter(|e| matches!(e.kind, EventKind::CaptureEnd))
            .filter_map(|e| e.stamp.wall.map(|w| w.timestamp()))
            .collect();
        assert_eq!(walls, [1_697_049_732]);
    }

    #[test]
    fn yaml_wrapper_folds_lines() {
        let text = "InstanceId: i-1\nOutput: \"[    2.3] Linux version\n  5.4\\r\\n[\n  \\   4.5] x\\r\\n\"\nTimestamp: '2023-10-11T18:42:12+00:00'\n";
        let ev = parse_bytes(Format::SerialConsole, text.as_bytes(), &Options::default());
        assert!(matches!(&ev[1].kind, EventKind::KernelStart { version } if version == "5.4"));
        let end = ev
            .iter()
            .find(|e| matches!(e.kind, EventKind::CaptureEnd) && e.stamp.since_boot.is_some())
            .unwrap();
        // The decoded line starts with the `[` at the end of physical line 3.
        assert_eq!(
            (end.source.line, end.stamp.since_boot.unwrap().secs),
            (3, 4.5)
        );
    }

    #[test]
    fn hard_wrapped_banner_is_joined() {
        let text = "  [  418.872433] cloud-init[2203]: Cloud-init v. 20.2-45-g5f7825e2-0ubuntu1 finish\n  ed at Wed, 03 Jun 2020 17:07:52 +0000. Datasource DataSourceNoCloud [seed=/var/l\n  ib/cloud/seed/nocloud][dsmode=net].  Up 418.86 seconds\n  [  418.9] next\n";
        let ev = parse_bytes(Format::SerialConsole, text.as_bytes(), &Options::default());
        assert!(matches!(&ev[0].kind, EventKind::FinishedBanner { .. }));
        assert_eq!(ev[0].source.line, 1);
        assert_eq!(ev[0].stamp.since_boot.unwrap().secs, 418.86);
    }
}
