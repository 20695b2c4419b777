//! journald exports: the `short` family of `journalctl -o` layouts (and rsyslog's
//! `/var/log/messages`, which has the same shape), `-o json` and `-o export`.
//!
//! - `short` / `short-precise`: `Aug 24 21:46:55.736585 test-b1 systemd[1]: msg` — year-less;
//!   the year comes from a cloud-init banner (or a `-- Logs begin at …` header), and events of
//!   lines read before it are held back until it is known (or emitted without a wall time at
//!   the end). The banners also reveal the stamps' offset from UTC ([`super::calendar`]).
//! - `short-iso` / `short-iso-precise`: `2023-07-31T18:30:50.362836+00:00 host ident[pid]: msg`.
//! - `short-monotonic`: `[   20.888224] localhost systemd[1]: msg` (journald's monotonic clock;
//!   the same bracket as printk, but a hostname follows it).
//! - `-x` catalog lines start with `-- ` and are skipped; `-- Boot <id> --` separators emit
//!   [`EventKind::BootId`] with the id, `-- Reboot --` with the id `reboot-<n>`.
//! - `-o json`: one object per line (every line is claimed: invalid JSON is malformed);
//!   `__REALTIME_TIMESTAMP` and `__MONOTONIC_TIMESTAMP` give both clocks of one stamp, a change
//!   of `_BOOT_ID` emits [`EventKind::BootId`], the "Startup finished" record (`MESSAGE_ID`
//!   b07a249c…) gives [`EventKind::StartupFinished`] from its `*_USEC` fields.
//! - `-o export`: `KEY=value` lines, records separated by blank lines, read like JSON records.
//!
//! Messages go through the shared classifiers ([`super::message`]) and the markers.
//! [`EventKind::CaptureEnd`] closes the input with the latest stamp seen.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use nom::bytes::complete::take_while1;
use nom::character::complete::char;
use nom::{IResult, Parser};
use serde_json::Value;

use super::calendar::{Calendar, Local};
use super::message::{classify, tag_prefix, Found, Origin};
use super::timestamp::{iso8601, kernel_stamp, syslog, YearlessStamp};
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{BootClock, EventKind, IdEvidence, SinceBoot, Stamp, StartupTotals};

/// The `MESSAGE_ID` of systemd's "Startup finished" (system manager).
pub(crate) const STARTUP_FINISHED_ID: &str = "b07a249cd024414a82dd00cd181378ff";
/// The `MESSAGE_ID` of a user manager's "Startup finished".
pub(crate) const USER_STARTUP_FINISHED_ID: &str = "eed00a68ffd84e31882105fd973abdd1";

/// The stamp at the head of a `short*` line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JournalStamp {
    /// `Aug 24 21:46:55.736585` (local time, no year).
    Yearless(YearlessStamp),
    /// `2023-07-31T18:30:50.362836+00:00`.
    Wall(DateTime<FixedOffset>),
    /// `[   20.888224]` (journald monotonic seconds).
    Monotonic(f64),
}

// `Aug 24 21:46:55.736585 ` / `2023-07-31T18:30:50+0000 ` / `[   20.888224] `
fn line_stamp(i: &str) -> IResult<&str, JournalStamp> {
    if let Ok((rest, s)) = syslog(i) {
        return Ok((rest, JournalStamp::Yearless(s)));
    }
    if let Ok((rest, t)) = iso8601(i) {
        return Ok((rest, JournalStamp::Wall(t)));
    }
    let (rest, s) = kernel_stamp(i)?;
    Ok((rest, JournalStamp::Monotonic(s)))
}

/// A parsed `short*` line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ShortLine<'a> {
    /// Its stamp.
    pub(crate) stamp: JournalStamp,
    /// The host name.
    pub(crate) host: &'a str,
    /// Who wrote the message.
    pub(crate) origin: Origin<'a>,
    /// The message.
    pub(crate) message: &'a str,
}

/// `Aug 24 21:46:55.736585 test-b1 systemd[1]: Started X.` (a `short*` line)
pub(crate) fn short_line(i: &str) -> IResult<&str, ShortLine<'_>> {
    let (i, stamp) = line_stamp(i)?;
    let (i, _) = char(' ')(i)?;
    let (i, host) = take_while1(|c: char| !c.is_whitespace())(i)?;
    let (i, _) = char(' ')(i)?;
    let (message, origin) = tag_prefix.parse(i)?;
    Ok((
        "",
        ShortLine {
            stamp,
            host,
            origin,
            message,
        },
    ))
}

/// An event waiting for the year of its year-less stamp.
#[derive(Debug)]
struct Held {
    kind: EventKind,
    stamp: YearlessStamp,
    /// The kernel's own stamp inside the message, when it has one.
    since_boot: Option<SinceBoot>,
    line: u64,
}

/// A kernel message's own printk stamp (`kernel: [    0.000000] Linux version …`, as syslog
/// keeps it), split off: the stamp on the kernel's clock and the message after it.
fn printk(message: &str) -> (Option<SinceBoot>, &str) {
    match kernel_stamp(message) {
        Ok((rest, secs)) => (
            Some(SinceBoot {
                clock: BootClock::Kernel,
                secs,
            }),
            rest.strip_prefix(' ').unwrap_or(rest),
        ),
        Err(_) => (None, message),
    }
}

/// Parser state for the `short*` layouts.
#[derive(Debug, Default)]
pub(crate) struct Short {
    calendar: Calendar,
    held: Vec<Held>,
    boots: u32,
    last: Option<(Stamp, u64)>,
    found: Vec<Found>,
}

/// How many held events are kept before they are emitted without a wall time.
const HELD_MAX: usize = 100_000;

impl Short {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Learns the year and offset from a banner's wall time seen on a line stamped `local`.
    fn anchor(&mut self, local: YearlessStamp, banner: DateTime<FixedOffset>, out: &mut Emit<'_>) {
        self.calendar.learn(Local::Yearless(local), banner);
        self.release_dated(out);
    }

    /// Emits the held events once the year is known.
    fn release_dated(&mut self, out: &mut Emit<'_>) {
        for h in std::mem::take(&mut self.held) {
            let wall = self.calendar.resolve_held(Local::Yearless(h.stamp));
            out.event_at(
                h.kind,
                Stamp {
                    wall,
                    since_boot: h.since_boot,
                },
                h.line,
            );
        }
    }

    fn release_held(&mut self, out: &mut Emit<'_>) {
        for h in std::mem::take(&mut self.held) {
            let stamp = Stamp {
                wall: None,
                since_boot: h.since_boot,
            };
            out.event_at(h.kind, stamp, h.line);
        }
    }

    /// A `-- … --` catalog or separator line.
    fn catalog(&mut self, text: &str, out: &mut Emit<'_>) {
        let inner = text
            .trim_end()
            .trim_start_matches("-- ")
            .trim_end_matches(" --");
        if let Some(id) = inner.strip_prefix("Boot ") {
            if !id.is_empty() && !id.contains(' ') {
                self.boots += 1;
                out.event(EventKind::BootId { id: id.to_string() }, Stamp::default());
            }
        } else if inner == "Reboot" {
            self.boots += 1;
            let id = format!("reboot-{}", self.boots + 1);
            out.event(EventKind::BootId { id }, Stamp::default());
        } else if (inner.starts_with("Logs begin at ") || inner.starts_with("Journal begins at "))
            && self.calendar.year().is_none()
        {
            // The year, not the offset (the header names its zone in words): lines stay held
            // until a banner tells the offset too, so that one clock is not read as two.
            if let Some((y, m)) = find_iso_date(inner) {
                self.calendar.learn_year(y, m);
            }
        }
    }

    /// An audit record's epoch on a kernel line tells the year (and zone) of the line's
    /// year-less stamp, when none is known yet.
    fn learn_from_audit(&mut self, line_stamp: JournalStamp, found: &[Found], out: &mut Emit<'_>) {
        let reading = found.iter().find_map(|f| match f.kind {
            EventKind::ClockReading => f.own.and_then(|s| s.wall),
            _ => None,
        });
        if let (JournalStamp::Yearless(ys), Some(at)) = (line_stamp, reading) {
            if self.calendar.year().is_none() {
                self.anchor(ys, at, out);
            }
        }
    }

    /// The wall time of a year-less stamp, once a banner on this line or before taught the
    /// year and offset; `None` while they are unknown.
    fn date(&mut self, ys: YearlessStamp, found: &[Found], out: &mut Emit<'_>) -> Option<Stamp> {
        let banner_at = found.iter().find_map(|f| match f.kind {
            EventKind::StageBanner { .. } | EventKind::FinishedBanner { .. } => {
                f.own.and_then(|s| s.wall)
            }
            _ => None,
        });
        if let Some(at) = banner_at {
            self.anchor(ys, at, out);
        }
        let year = self.calendar.year().filter(|_| self.calendar.taught())?;
        Some(Stamp {
            wall: self.calendar.resolve(Local::Yearless(ys), year),
            since_boot: None,
        })
    }

    /// Holds a line's events and markers until the year is known (emitted without a wall time
    /// when too many wait).
    fn hold(
        &mut self,
        ys: YearlessStamp,
        found: Vec<Found>,
        text: &str,
        line: u64,
        out: &mut Emit<'_>,
    ) {
        if let Some(markers) = out.markers {
            for (name, edge, captures) in markers.matches(text) {
                self.held.push(Held {
                    kind: EventKind::Marker {
                        name,
                        edge,
                        captures,
                    },
                    stamp: ys,
                    since_boot: None,
                    line,
                });
            }
        }
        for f in found {
            self.held.push(Held {
                since_boot: f.own.and_then(|o| o.since_boot),
                kind: f.kind,
                stamp: ys,
                line,
            });
        }
        if self.held.len() > HELD_MAX {
            self.release_held(out);
        }
    }
}

/// Emits a line's markers and what it says at `stamp` (each event's own stamp merged over it).
fn emit_found(out: &mut Emit<'_>, text: &str, stamp: Stamp, line: u64, found: Vec<Found>) {
    out.scan_markers(text, stamp, line);
    for f in found {
        let s = f.stamp(stamp);
        out.event_at(f.kind, s, line);
    }
}

/// The first `YYYY-MM-DD` in a text: `(year, month)`.
fn find_iso_date(s: &str) -> Option<(i32, u32)> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|k| {
        let w = &b[k..k + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        if digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10) {
            let y = s[k..k + 4].parse().ok()?;
            let m = s[k + 5..k + 7].parse().ok()?;
            Some((y, m))
        } else {
            None
        }
    })
}

impl LineParser for Short {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        if text.starts_with("-- ") {
            self.catalog(text, out);
            return Ok(());
        }
        let Ok((_, l)) = short_line(text) else {
            return Ok(());
        };
        let line = out.line();
        self.found.clear();
        let (printk, message) = match l.origin.ident {
            Some("kernel") => printk(l.message),
            _ => (None, l.message),
        };
        classify(message, l.origin, &mut self.found);
        let found = std::mem::take(&mut self.found);
        // The kernel's own stamp is when it happened; the line's is when a logger read the
        // ring buffer (seconds later, all at once): a kernel line stands on the kernel clock.
        if let Some(since_boot) = printk {
            self.learn_from_audit(l.stamp, &found, out);
            let stamp = Stamp {
                wall: None,
                since_boot: Some(since_boot),
            };
            emit_found(out, text, stamp, line, found);
            return Ok(());
        }
        let stamp = match l.stamp {
            JournalStamp::Yearless(ys) => match self.date(ys, &found, out) {
                Some(stamp) => stamp,
                None => {
                    self.hold(ys, found, text, line, out);
                    return Ok(());
                }
            },
            JournalStamp::Wall(t) => Stamp::wall(t),
            JournalStamp::Monotonic(secs) => Stamp::since_boot(BootClock::Journal, secs),
        };
        self.last = Some((stamp, line));
        emit_found(out, text, stamp, line, found);
        Ok(())
    }

    fn stamp_of(&mut self, text: &str) -> Option<Stamp> {
        let (_, l) = short_line(text).ok()?;
        match l.stamp {
            JournalStamp::Yearless(ys) => Some(Stamp {
                wall: self.calendar.peek(Local::Yearless(ys)),
                since_boot: None,
            }),
            JournalStamp::Wall(t) => Some(Stamp::wall(t)),
            JournalStamp::Monotonic(s) => Some(Stamp::since_boot(BootClock::Journal, s)),
        }
    }

    fn scans_markers(&self) -> bool {
        true
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        // No banner told the offset: a year from the header dates the lines in UTC.
        if self.calendar.year().is_some() {
            self.release_dated(out);
        }
        self.release_held(out);
        if let Some((stamp, line)) = self.last {
            out.event_at(EventKind::CaptureEnd, stamp, line);
        }
    }
}

/// The journald fields records are read for.
const FIELDS: &[&str] = &[
    "__REALTIME_TIMESTAMP",
    "__MONOTONIC_TIMESTAMP",
    "_BOOT_ID",
    "_MACHINE_ID",
    "MESSAGE",
    "MESSAGE_ID",
    "SYSLOG_IDENTIFIER",
    "_PID",
    "FIRMWARE_USEC",
    "LOADER_USEC",
    "KERNEL_USEC",
    "INITRD_USEC",
    "USERSPACE_USEC",
];

/// One journald record's fields of interest.
type JournalEntry = HashMap<&'static str, String>;

/// State shared by the JSON and export readers: the boot id and the latest stamp.
#[derive(Debug, Default)]
struct Records {
    boot_id: Option<String>,
    machine_id: Option<String>,
    last: Option<(Stamp, u64)>,
    found: Vec<Found>,
}

fn usec(r: &JournalEntry, key: &str) -> Option<f64> {
    r.get(key)?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|u| u as f64 / 1e6)
}

/// systemd's startup totals from its `Startup finished` record: the `*_USEC` fields, else what
/// its message states.
fn startup_totals(r: &JournalEntry, message: &str) -> StartupTotals {
    let parsed = super::systemd_analyze::startup_finished(message)
        .map(|(_, t)| t)
        .unwrap_or_default();
    StartupTotals {
        firmware_secs: usec(r, "FIRMWARE_USEC").or(parsed.firmware_secs),
        loader_secs: usec(r, "LOADER_USEC").or(parsed.loader_secs),
        kernel_secs: usec(r, "KERNEL_USEC").or(parsed.kernel_secs),
        initrd_secs: usec(r, "INITRD_USEC").or(parsed.initrd_secs),
        userspace_secs: usec(r, "USERSPACE_USEC").or(parsed.userspace_secs),
        total_secs: parsed.total_secs,
    }
}

impl Records {
    /// The machine's and the boot's ids, each when it changes.
    fn identities(&mut self, r: &JournalEntry, stamp: Stamp, line: u64, out: &mut Emit<'_>) {
        if let Some(id) = r.get("_MACHINE_ID") {
            if self.machine_id.as_deref() != Some(id.as_str()) {
                self.machine_id = Some(id.clone());
                let kind = EventKind::InstanceId {
                    id: id.clone(),
                    evidence: IdEvidence::JournaldMachine,
                };
                out.event_at(kind, stamp, line);
            }
        }
        if let Some(id) = r.get("_BOOT_ID") {
            if self.boot_id.as_deref() != Some(id.as_str()) {
                self.boot_id = Some(id.clone());
                out.event_at(EventKind::BootId { id: id.clone() }, stamp, line);
            }
        }
    }

    /// Keeps the latest stamp seen (by wall time, then since boot) and its line.
    fn note_latest(&mut self, stamp: Stamp, line: u64) {
        let later = match self.last {
            Some((prev, _)) => {
                (stamp.wall, stamp.since_boot.map(|s| s.secs))
                    >= (prev.wall, prev.since_boot.map(|s| s.secs))
            }
            None => true,
        };
        if later {
            self.last = Some((stamp, line));
        }
    }

    fn record(&mut self, r: &JournalEntry, line: u64, out: &mut Emit<'_>) {
        let wall = r
            .get("__REALTIME_TIMESTAMP")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| t.fixed_offset());
        let since_boot = usec(r, "__MONOTONIC_TIMESTAMP").map(|secs| SinceBoot {
            clock: BootClock::Journal,
            secs,
        });
        let stamp = Stamp { wall, since_boot };
        self.identities(r, stamp, line, out);
        if wall.is_some() || since_boot.is_some() {
            self.note_latest(stamp, line);
        }
        let message = r.get("MESSAGE").map(String::as_str).unwrap_or("");
        let message_id = r.get("MESSAGE_ID").map(String::as_str);
        if message_id == Some(STARTUP_FINISHED_ID) {
            let totals = startup_totals(r, message);
            out.event_at(EventKind::StartupFinished(totals), stamp, line);
            return;
        }
        if message_id == Some(USER_STARTUP_FINISHED_ID) || message.is_empty() {
            return;
        }
        out.scan_markers(message, stamp, line);
        let origin = Origin {
            ident: r.get("SYSLOG_IDENTIFIER").map(String::as_str),
            pid: r.get("_PID").map(String::as_str),
        };
        self.found.clear();
        classify(message, origin, &mut self.found);
        for f in self.found.drain(..) {
            let s = f.stamp(stamp);
            out.event_at(f.kind, s, line);
        }
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        if let Some((stamp, line)) = self.last {
            out.event_at(EventKind::CaptureEnd, stamp, line);
        }
    }
}

/// `journalctl -o json`: one object per line.
#[derive(Debug, Default)]
pub(crate) struct Json {
    records: Records,
}

impl Json {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

/// A journald JSON value as text: strings as they are, byte arrays (non-UTF-8 messages)
/// decoded lossily, numbers as written.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => {
            let bytes: Vec<u8> = a
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

impl LineParser for Json {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let object: serde_json::Map<String, Value> = match serde_json::from_str(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                let at = text.len() - text.trim_start().len();
                return Err(out.malformed(text, at, "a journald JSON object"));
            }
            Err(e) => {
                return Err(out.malformed(text, e.column().saturating_sub(1), "valid JSON"));
            }
        };
        let mut r = JournalEntry::new();
        for key in FIELDS {
            if let Some(v) = object.get(*key).and_then(json_text) {
                r.insert(key, v);
            }
        }
        let line = out.line();
        self.records.record(&r, line, out);
        Ok(())
    }

    fn scans_markers(&self) -> bool {
        true
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        self.records.finish(out);
    }
}

/// `journalctl -o export`: `KEY=value` records separated by blank lines.
#[derive(Debug, Default)]
pub(crate) struct Export {
    records: Records,
    current: JournalEntry,
    first_line: Option<u64>,
}

impl Export {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn end_record(&mut self, out: &mut Emit<'_>) {
        if let Some(line) = self.first_line.take() {
            let r = std::mem::take(&mut self.current);
            self.records.record(&r, line, out);
        }
    }
}

impl LineParser for Export {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        if text.is_empty() {
            self.end_record(out);
            return Ok(());
        }
        // Binary-safe fields (a name line, then a length and raw data) are skipped.
        let Some((key, value)) = text.split_once('=') else {
            return Ok(());
        };
        if self.first_line.is_none() {
            self.first_line = Some(out.line());
        }
        if let Some(k) = FIELDS.iter().find(|k| **k == key) {
            self.current.insert(k, value.to_string());
        }
        Ok(())
    }

    fn scans_markers(&self) -> bool {
        true
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        self.end_record(out);
        self.records.finish(out);
    }
}

/// Whether a line is a journald `short*` line (for sniffing).
/// A `short-monotonic` line must name a pid, or printk lines such as `[    0.000000] Command
/// line: …` would pass for one.
pub(crate) fn is_short_line(line: &str) -> bool {
    match short_line(line) {
        Ok((_, l)) => !matches!(l.stamp, JournalStamp::Monotonic(_)) || l.origin.pid.is_some(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_layouts() {
        let (_, l) = short_line(
            "Aug 24 21:46:55.736585 test-b1 systemd[1]: Starting Terminate Plymouth Boot Screen...",
        )
        .unwrap();
        assert_eq!(l.host, "test-b1");
        assert_eq!(l.origin.ident, Some("systemd"));
        assert_eq!(l.message, "Starting Terminate Plymouth Boot Screen...");
        assert!(matches!(l.stamp, JournalStamp::Yearless(s) if s.month == 8 && s.day == 24));
        let (_, l) = short_line("2023-07-31T18:30:50.378383+00:00 localhost google_metadata_script_runner[740]: startup-script exit status 127").unwrap();
        assert!(matches!(l.stamp, JournalStamp::Wall(t) if t.timestamp() == 1_690_828_250));
        let (_, l) =
            short_line("[   20.888224] localhost systemd[1]: Hostname set to <localhost>.")
                .unwrap();
        assert_eq!(l.stamp, JournalStamp::Monotonic(20.888224));
        let (_, l) =
            short_line("May 11 07:20:40 ip-17-1-5-1 cloud-init: + /etc/eks/bootstrap.sh").unwrap();
        assert_eq!((l.origin.ident, l.origin.pid), (Some("cloud-init"), None));
        // printk on a console: no hostname after the stamp.
        assert!(short_line("[    5.421522] systemd[1]: Started Journal Service.").is_err());
        assert!(short_line("[    0.000000] Linux version 5.4.0").is_err());
        assert!(short_line("hello").is_err());
    }

    #[test]
    fn iso_dates_in_headers() {
        assert_eq!(
            find_iso_date("Logs begin at Thu 2022-10-06 13:26:58 UTC, end at"),
            Some((2022, 10))
        );
        assert_eq!(find_iso_date("no date"), None);
    }
}

#[cfg(test)]
mod stream_tests {
    use crate::event::{EventKind, StartupTotals};
    use crate::parse::{parse_bytes, Format, Options};

    #[test]
    fn year_comes_from_a_later_banner_with_its_offset() {
        let text = "-- Logs begin at unknown --\n\
            Dec 31 23:59:58 h systemd[1]: Starting Execute cloud user/final scripts...\n\
            Jan  1 00:00:01 h cloud-init[5]: Cloud-init v. 23.1 running 'modules:final' at Sun, 01 Jan 2023 00:00:01 +0000. Up 30.00 seconds.\n\
            -- Reboot --\n\
            Jan  1 00:00:02 h systemd[1]: Started Execute cloud user/final scripts.\n";
        let ev = parse_bytes(Format::Journal, text.as_bytes(), &Options::default());
        let walls: Vec<(u64, String)> = ev
            .iter()
            .filter_map(|e| e.stamp.wall.map(|w| (e.source.line, w.to_rfc3339())))
            .collect();
        assert_eq!(walls[0], (2, "2022-12-31T23:59:58+00:00".to_string()));
        assert_eq!(walls[1], (3, "2023-01-01T00:00:01+00:00".to_string()));
        assert!(ev.iter().any(
            |e| matches!(&e.kind, EventKind::BootId { id } if id == "reboot-2")
                && e.source.line == 4
        ));
    }

    #[test]
    fn local_time_offset_from_the_banner() {
        let text = "May 11 09:20:40 h cloud-init: Cloud-init v. 19.3 running 'modules:final' at Tue, 11 May 2021 07:20:40 +0000. Up 28.99 seconds.\n\
            May 11 09:20:42 h systemd: Started Kubernetes Kubelet.\n";
        let ev = parse_bytes(Format::Journal, text.as_bytes(), &Options::default());
        let unit = ev
            .iter()
            .find(|e| matches!(e.kind, EventKind::Unit { .. }))
            .unwrap();
        assert_eq!(
            unit.stamp.wall.unwrap().to_rfc3339(),
            "2021-05-11T09:20:42+02:00"
        );
    }

    #[test]
    fn json_user_manager_startup_is_not_the_system_one() {
        let text = concat!(
            r#"{"MESSAGE_ID":"eed00a68ffd84e31882105fd973abdd1","MESSAGE":"Startup finished in 120ms.","SYSLOG_IDENTIFIER":"systemd","_PID":"1200"}"#,
            "\n",
            r#"{"MESSAGE_ID":"b07a249cd024414a82dd00cd181378ff","MESSAGE":"Startup finished in 2.701s (kernel) + 32.168s (userspace) = 34.870s.","KERNEL_USEC":"2701993","USERSPACE_USEC":"32168882"}"#,
            "\n"
        );
        let ev = parse_bytes(Format::JournalJson, text.as_bytes(), &Options::default());
        let totals: Vec<StartupTotals> = ev
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::StartupFinished(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].kernel_secs, Some(2.701993));
        assert_eq!(totals[0].total_secs, Some(34.87));
    }
}
