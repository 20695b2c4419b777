//! Raw `cloud-init.log`, in every layout cloud-init and syslog write it:
//!
//! - asctime: `2023-11-30 19:03:39,502 - handlers.py[DEBUG]: start: init-local/check-cache: …`
//! - syslog with host and tag: `Nov 17 19:31:28 host [CLOUDINIT] util.py[DEBUG]: …`
//! - syslog with pid: `May 01 17:07:10 cloud-init[2416]: handlers.py[DEBUG]: …`
//! - ISO 8601 with offset: `2016-08-30T21:53:25.972325+00:00 y1 [CLOUDINIT] handlers.py[DEBUG]: …`
//! - journal short-precise: `Nov 03 06:51:06.074410 x2 cloud-init[106]: [CLOUDINIT] util.py[DEBUG]: …`
//!
//! The messages that matter are `start: <name>: <description>`, `finish: <name>: <RESULT>:
//! <description>` (newer versions append `(duration: 8.443s)` or `… took 0.004 seconds`), and the
//! `running` / `finished at` banners. Lines without a timestamp continue the previous record
//! (tracebacks) and carry no events.
//!
//! Year-less stamps take the year from the banners' RFC 2822 dates; zone-less stamps are local
//! time when a banner says so (the rule is [`super::calendar`]'s). Events read before the
//! first banner wait (in memory, bounded) until it tells year and offset.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use memchr::memmem::Finder;

use super::banner;
use super::calendar::{Calendar, Local};
use super::timestamp::{self, YearlessStamp};
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{BootClock, EventKind, IdEvidence, SinceBoot, StageResult, Stamp};
use crate::intern;

/// Events held before the first banner, at most; past this they are resolved with defaults.
const MAX_PENDING: usize = 10_000;

/// The year assumed for year-less stamps when no banner ever tells it (a leap year, so that
/// `Feb 29` still parses).
pub(crate) const FALLBACK_YEAR: i32 = 2000;

/// A line's own timestamp, before year and offset are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LogStamp {
    /// Has its own offset.
    Zoned(DateTime<FixedOffset>),
    /// Date and time without a zone (asctime).
    Naive(NaiveDateTime),
    /// No year, no zone (syslog, journal short).
    Yearless(YearlessStamp),
}

/// One of the stamp shapes at the start of a line, e.g. `2023-11-30 19:03:39,502`
pub(crate) fn line_stamp(i: &str) -> Option<(&str, LogStamp)> {
    // asctime first: it is the common layout, and its fixed-position fast path is cheap.
    if let Ok((rest, t)) = timestamp::asctime(i) {
        return Some((rest, LogStamp::Naive(t)));
    }
    if let Ok((rest, t)) = timestamp::iso8601(i) {
        return Some((rest, LogStamp::Zoned(t)));
    }
    if let Ok((rest, t)) = timestamp::syslog(i) {
        return Some((rest, LogStamp::Yearless(t)));
    }
    None
}

// `init-local/check-cache: rest` → (`init-local/check-cache`, `rest`)
fn event_name(i: &str) -> Option<(&str, &str)> {
    // The name ends at ASCII whitespace (a normalised line holds no `\n` or `\r`).
    let end = memchr::memchr3(b' ', b'\t', b'\x0c', i.as_bytes()).unwrap_or(i.len());
    let word = &i[..end];
    let name = word.strip_suffix(':').unwrap_or(word);
    if name.is_empty() {
        return None;
    }
    Some((name, i[end..].trim_ascii_start()))
}

// `… (duration: 8.443s)` or `… ran successfully and took 0.004 seconds`
fn duration_suffix(desc: &str) -> (&str, Option<f64>) {
    let trimmed = desc.trim_ascii_end();
    if !trimmed.ends_with("s)") && !trimmed.ends_with(" seconds") {
        return (trimmed, None);
    }
    if let Some(open) = trimmed.rfind("(duration: ") {
        if let Some(inner) = trimmed[open + 11..].strip_suffix("s)") {
            if let Ok(secs) = inner.trim_ascii().parse::<f64>() {
                return (trimmed[..open].trim_ascii_end(), Some(secs));
            }
        }
    }
    if let Some(rest) = trimmed.strip_suffix(" seconds") {
        if let Some(pos) = rest.rfind(" took ") {
            if let Ok(secs) = rest[pos + 6..].parse::<f64>() {
                return (trimmed, Some(secs));
            }
        }
    }
    (trimmed, None)
}

/// The event's name and description as shared text, looked up together: `rest` starts with the
/// name, and `desc` is a later slice of it.
fn shared_name_and(rest: &str, name: &str, desc: &str) -> (intern::Text, intern::Text) {
    if desc.is_empty() {
        return (intern::shared(name), intern::Text::Borrowed(""));
    }
    let desc_at = desc.as_ptr() as usize - rest.as_ptr() as usize;
    let end = desc_at + desc.len();
    intern::shared_parts(&rest[..end], 0..name.len(), desc_at..end)
}

/// Parses a reporting message (`start: …` / `finish: …`) into an [`EventKind::Start`] or
/// [`EventKind::Finish`]. `Ok(None)` when the message is not one; `Err((byte_offset,
/// expected))` when it claims to be but is broken.
pub(crate) fn reporting(msg: &str) -> Result<Option<EventKind>, (usize, &'static str)> {
    let off = |rest: &str| msg.len() - rest.len();
    if let Some(rest) = msg.strip_prefix("start:") {
        let rest = rest.trim_ascii_start();
        let (name, desc) = event_name(rest).ok_or((off(rest), "an event name"))?;
        let desc = desc.trim_ascii_end();
        let (name, description) = shared_name_and(rest, name, desc);
        return Ok(Some(EventKind::Start { name, description }));
    }
    if let Some(rest) = msg.strip_prefix("finish:") {
        let rest = rest.trim_ascii_start();
        let (name, after) = event_name(rest).ok_or((off(rest), "an event name"))?;
        let word_end = after.bytes().position(|b| b == b':').unwrap_or(after.len());
        let result = StageResult::from_word(after[..word_end].trim_ascii())
            .ok_or((off(after), "SUCCESS, FAIL or WARN"))?;
        let desc = after.get(word_end + 1..).unwrap_or("").trim_ascii_start();
        let (description, duration_secs) = duration_suffix(desc);
        let (name, description) = shared_name_and(rest, name, description);
        return Ok(Some(EventKind::Finish {
            name,
            result,
            description,
            duration_secs,
        }));
    }
    Ok(None)
}

static MARK_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(banner::MARK));

/// Where the message starts after the logger `file.py[LEVEL]: `, if there is one.
fn message_start(line: &str, from: usize) -> Option<usize> {
    // Plain byte loops rather than vector searches: the hits are a few bytes into the line,
    // closer than a vector search's setup pays off.
    let hay = &line.as_bytes()[from..];
    let py = (3..hay.len()).find(|&i| hay[i] == b'[' && &hay[i - 3..i] == b".py")?;
    let close =
        (py..hay.len()).find(|&i| hay[i] == b']' && hay.get(i + 1..i + 3) == Some(b": "))?;
    Some(from + close + 3)
}

#[derive(Debug)]
struct Pending {
    kind: EventKind,
    stamp: LogStamp,
    up_secs: Option<f64>,
    line: u64,
}

/// Parser state for a `cloud-init.log`.
#[derive(Debug, Default)]
pub(crate) struct CloudInitLog {
    /// Year and local-time offset of zone-less stamps, from the banners.
    calendar: Calendar,
    /// Events waiting for the first banner.
    pending: Vec<Pending>,
    /// Stamp of the latest timestamped line (for markers on continuation lines).
    last_stamp: Option<Stamp>,
    /// A year-less stamp was placed in [`FALLBACK_YEAR`]: no banner told the year.
    undated: bool,
}

impl CloudInitLog {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn resolve(&mut self, stamp: LogStamp) -> Option<DateTime<FixedOffset>> {
        match local(stamp) {
            Err(t) => Some(t),
            Ok(l) => {
                self.note_year(l);
                self.calendar.resolve(l, FALLBACK_YEAR)
            }
        }
    }

    /// Notes a year-less stamp placed before any year is known.
    fn note_year(&mut self, l: Local) {
        self.undated |= matches!(l, Local::Yearless(_)) && self.calendar.year().is_none();
    }

    fn stamp(&mut self, stamp: LogStamp, up_secs: Option<f64>) -> Stamp {
        let wall = self.resolve(stamp);
        with_up(wall, up_secs)
    }

    fn flush_pending(&mut self, out: &mut Emit<'_>) {
        for p in std::mem::take(&mut self.pending) {
            // Lines held for the first banner, resolved by what it told; past the bound
            // without one, in order with the defaults.
            let wall = match local(p.stamp) {
                Err(t) => Some(t),
                Ok(l) if self.calendar.taught() => self.calendar.resolve_held(l),
                Ok(l) => {
                    self.note_year(l);
                    self.calendar.resolve(l, FALLBACK_YEAR)
                }
            };
            out.event_at(p.kind, with_up(wall, p.up_secs), p.line);
        }
    }

    fn push(&mut self, kind: EventKind, stamp: LogStamp, up_secs: Option<f64>, out: &mut Emit<'_>) {
        let needs_context = !matches!(stamp, LogStamp::Zoned(_));
        if needs_context && !self.calendar.taught() {
            self.pending.push(Pending {
                kind,
                stamp,
                up_secs,
                line: out.line(),
            });
            if self.pending.len() >= MAX_PENDING {
                self.flush_pending(out);
            }
            return;
        }
        let s = self.stamp(stamp, up_secs);
        out.event(kind, s);
    }

    /// Learns year and offset from a banner on a line stamped `stamp`.
    fn learn(&mut self, stamp: LogStamp, banner_at: DateTime<FixedOffset>) {
        let line = match local(stamp) {
            Ok(l) => l,
            // A zoned line states its offset: the log's other lines are likely in it too.
            Err(t) => Local::Naive(t.naive_local()),
        };
        self.calendar.learn(line, banner_at);
    }
}

/// A line stamp still needing the calendar (`Ok`), or one that stands alone (`Err`).
fn local(stamp: LogStamp) -> Result<Local, DateTime<FixedOffset>> {
    match stamp {
        LogStamp::Zoned(t) => Err(t),
        LogStamp::Naive(n) => Ok(Local::Naive(n)),
        LogStamp::Yearless(y) => Ok(Local::Yearless(y)),
    }
}

fn with_up(wall: Option<DateTime<FixedOffset>>, up_secs: Option<f64>) -> Stamp {
    Stamp {
        wall,
        since_boot: up_secs.map(|secs| SinceBoot {
            clock: BootClock::Uptime,
            secs,
        }),
    }
}

/// cloud-init links `/var/lib/cloud/instance` to the folder of the instance it runs on, named
/// by its instance id, on every boot: `Creating symbolic link from '/var/lib/cloud/instance'
/// => '/var/lib/cloud/instances/i-0d483f9ce23b7fccc'` (the same from 0.7.5 to 25.x). The
/// `previous iid found to be …` line names the instance an image was made on, not this one.
const INSTANCE_LINK: &str = "'/var/lib/cloud/instance' => '/var/lib/cloud/instances/";

/// The instance id a message links `/var/lib/cloud/instance` to.
fn linked_instance(message: &str) -> Option<&str> {
    let at = message.find(INSTANCE_LINK)? + INSTANCE_LINK.len();
    let rest = &message[at..];
    let id = &rest[..rest.find('\'')?];
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

impl LineParser for CloudInitLog {
    fn keywords(&self) -> Option<&'static [&'static str]> {
        Some(&["start:", "finish:", banner::MARK, INSTANCE_LINK])
    }

    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let Some((after_stamp, stamp)) = line_stamp(text) else {
            // A continuation line, unless it looks like a reporting line whose stamp broke.
            if let Some(m) = message_start(text, 0) {
                if matches!(reporting(&text[m..]), Ok(Some(_)) | Err(_)) {
                    return Err(out.malformed(text, 0, "a timestamp"));
                }
            }
            return Ok(());
        };
        let from = text.len() - after_stamp.len();
        let msg_at = message_start(text, from);
        if let Some(m) = msg_at {
            match reporting(&text[m..]) {
                Ok(Some(kind)) => {
                    self.push(kind, stamp, None, out);
                    return Ok(());
                }
                Err((off, expected)) => return Err(out.malformed(text, m + off, expected)),
                Ok(None) => {}
            }
        }
        let search_from = msg_at.unwrap_or(from);
        if let Some(id) = linked_instance(&text[search_from..]) {
            let kind = EventKind::InstanceId {
                id: id.to_string(),
                evidence: IdEvidence::CloudInit,
            };
            self.push(kind, stamp, None, out);
            return Ok(());
        }
        let Some(pos) = MARK_FINDER.find(&text.as_bytes()[search_from..]) else {
            return Ok(());
        };
        let at = search_from + pos;
        match banner::parse(&text[at..]) {
            Ok((b, _)) => {
                self.learn(stamp, b.at);
                let up_secs = b.up_secs;
                let kind = b.into_kind();
                if !self.pending.is_empty() {
                    self.flush_pending(out);
                }
                self.push(kind, stamp, up_secs, out);
                Ok(())
            }
            // Only a banner broken after its keyword is claimed; other mentions of
            // "Cloud-init v." (quoted status files, messages) are ordinary text.
            Err((off, expected)) if expected == "an RFC 2822 date" => {
                Err(out.malformed(text, at + off, expected))
            }
            Err(_) => Ok(()),
        }
    }

    fn stamp_of(&mut self, text: &str) -> Option<Stamp> {
        if let Some((_, s)) = line_stamp(text) {
            let st = self.stamp(s, None);
            self.last_stamp = Some(st);
            return Some(st);
        }
        self.last_stamp
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        self.flush_pending(out);
        if self.undated {
            out.event(EventKind::YearUnknown, Stamp::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::input;
    use crate::parse::{parse_input, Format, Options};

    fn events(text: &str) -> (Vec<Event>, crate::parse::Summary) {
        let inp = input::from_reader(
            "t.log".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap();
        let mut out = Vec::new();
        let s = parse_input(
            inp,
            Some(Format::CloudInitLog),
            &Options::default(),
            &mut |e| out.push(e),
        )
        .unwrap();
        (out, s)
    }

    #[test]
    fn reporting_grammar_accepts_and_rejects() {
        assert_eq!(
            reporting("start: init-local/check-cache: attempting to read from cache [check]"),
            Ok(Some(EventKind::Start {
                name: "init-local/check-cache".into(),
                description: "attempting to read from cache [check]".into()
            }))
        );
        assert_eq!(
            reporting("finish: init-local: SUCCESS: searching (duration: 8.443s)"),
            Ok(Some(EventKind::Finish {
                name: "init-local".into(),
                result: StageResult::Success,
                description: "searching".into(),
                duration_secs: Some(8.443)
            }))
        );
        match reporting("finish: init-local/config-seed_random: SUCCESS: config-seed_random ran successfully and took 0.004 seconds") {
            Ok(Some(EventKind::Finish { duration_secs, .. })) => assert_eq!(duration_secs, Some(0.004)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            reporting("finish: x: DONE: y"),
            Err((11, "SUCCESS, FAIL or WARN"))
        );
        assert_eq!(reporting("start:   "), Err((9, "an event name")));
        // No description at all, on either kind.
        assert_eq!(
            reporting("finish: a/b: SUCCESS"),
            Ok(Some(EventKind::Finish {
                name: "a/b".into(),
                result: StageResult::Success,
                description: "".into(),
                duration_secs: None
            }))
        );
        assert_eq!(
            reporting("start: a/b"),
            Ok(Some(EventKind::Start {
                name: "a/b".into(),
                description: "".into()
            }))
        );
        assert_eq!(reporting("Running module x"), Ok(None));
    }

    #[test]
    fn asctime_layout_with_banner() {
        let (ev, s) = events(
            "2023-11-30 19:03:39,502 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'init-local' at Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.\n\
             2023-11-30 19:03:39,509 - handlers.py[DEBUG]: start: init-local/check-cache: attempting to read from cache [check]\n\
             Traceback (most recent call last):\n\
             2023-11-30 19:03:39,509 - handlers.py[DEBUG]: finish: init-local/check-cache: SUCCESS: no cache found\n",
        );
        assert_eq!(s.lines, 4);
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].stamp.since_boot.unwrap().secs, 7.02);
        assert_eq!(ev[1].source.line, 2);
        assert_eq!(ev[2].source.line, 4);
        assert!(matches!(
            &ev[2].kind,
            EventKind::Finish {
                result: StageResult::Success,
                ..
            }
        ));
        assert_eq!(
            ev[1].stamp.wall.unwrap().to_rfc3339(),
            "2023-11-30T19:03:39.509+00:00"
        );
    }

    #[test]
    fn local_time_log_gets_the_banner_offset_and_yearless_gets_its_year() {
        let (ev, _) = events(
            "Nov 17 19:31:20 host [CLOUDINIT] handlers.py[DEBUG]: start: init-local/x: y\n\
             2015-11-17 19:31:23,021 - util.py[DEBUG]: Cloud-init v. 0.7.5 running 'init-local' at Wed, 18 Nov 2015 00:31:22 +0000. Up 2.32 seconds.\n",
        );
        // The early yearless line waited for the banner's year and offset (UTC-5).
        assert_eq!(ev[0].source.line, 1);
        assert_eq!(
            ev[0].stamp.wall.unwrap().to_rfc3339(),
            "2015-11-17T19:31:20-05:00"
        );
        assert_eq!(ev[1].stamp.wall.unwrap().timestamp(), 1_447_806_683);
    }

    #[test]
    fn syslog_and_iso_layouts() {
        let (ev, _) = events(
            "May 01 17:07:10 cloud-init[2416]: util.py[DEBUG]: Cloud-init v. 19.3 running 'init' at Fri, 01 May 2020 17:07:09 +0000. Up 9.0 seconds.\n\
             May 01 17:07:10 cloud-init[2416]: handlers.py[DEBUG]: finish: modules-final/config-scripts-user: SUCCESS: x\n\
             2016-08-30T21:53:25.972325+00:00 y1 [CLOUDINIT] handlers.py[DEBUG]: finish: modules-final: FAIL: running modules for final\n\
             Nov 03 06:51:06.074410 x2 cloud-init[106]: [CLOUDINIT] handlers.py[DEBUG]: start: init-local: searching\n",
        );
        assert_eq!(ev.len(), 4);
        assert_eq!(
            ev[1].stamp.wall.unwrap().to_rfc3339(),
            "2020-05-01T17:07:10+00:00"
        );
        assert!(matches!(
            &ev[2].kind,
            EventKind::Finish {
                result: StageResult::Fail,
                ..
            }
        ));
        assert_eq!(
            ev[3].stamp.wall.unwrap().to_rfc3339(),
            "2020-11-03T06:51:06.074410+00:00"
        );
    }

    #[test]
    fn malformed_lines_are_located_and_counted() {
        let (ev, s) = events(
            "2023-11-30 19:03:39,509 - handlers.py[DEBUG]: finish: a/b: MAYBE: x\n\
             2023-11-30 19:03:39,509 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'init' at someday. Up 1 seconds.\n\
             2023-11-30 19:03:39,509 - util.py[DEBUG]: read 'Cloud-init v. is fine' from a file\n\
             2023-13-30 19:03:39,509 - handlers.py[DEBUG]: start: a/b: x\n",
        );
        assert!(ev.is_empty());
        assert_eq!(s.malformed, 3);
        let m: Vec<String> = s
            .first_malformed
            .iter()
            .map(|m| format!("{}:{}:{} {}", m.path, m.line, m.column, m.expected))
            .collect();
        assert_eq!(
            m,
            [
                "t.log:1:60 SUCCESS, FAIL or WARN",
                "t.log:2:82 an RFC 2822 date",
                "t.log:4:1 a timestamp"
            ]
        );
    }
}
