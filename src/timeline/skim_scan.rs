//! The fields a skim reads ([`super::Fields`]), scanned by hand from a line laid out as
//! bootline writes it, instead of by `serde_json`: the same values, without a copy of the
//! line, a parser's per-field dispatch or a check of each string's bytes twice.
//!
//! The scan reads the line as the skim's parse would see it, the phases and milestones cut
//! out (`line[..phases]` then `line[after..]`), and gives the fields only where that parse
//! would give the same ones. It is stricter than the parse, never laxer: whatever it does
//! not read exactly as `serde_json` would — a string with an escape, a key it does not
//! know or sees twice, a field missing, an integer where `serde_json` would give another
//! float (`-0`), a number out of range, nesting deeper than 64 — gives `None`, and the
//! caller parses the line with `serde_json` then (which also locates what is wrong with
//! it). Values read past (`sources`, `clock_steps`, `identity`) are checked as strictly as
//! `serde_json` checks what it ignores: strings without control characters (or escapes,
//! here), numbers by JSON's grammar, literals and nesting.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;

use super::{Evidence, Fields, Latency};

/// The skim's fields of `line`, whose phases and milestones lie in `[phases, after)`, its
/// strings borrowed from the line; `None` when the scan cannot vouch for them (see the
/// module's documentation).
pub(super) fn fields(line: &[u8], phases: usize, after: usize) -> Option<Scanned<'_>> {
    fields_from(Cursor::new(line, (phases, after)))
}

/// [`fields`] of a line whose bytes around the cut are UTF-8, `None` otherwise (the thin
/// parse takes only UTF-8 lines): the cursor's one check of each part serves both.
pub(super) fn text_fields(line: &[u8], phases: usize, after: usize) -> Option<Scanned<'_>> {
    let c = Cursor::new(line, (phases, after));
    c.text.iter().all(Option::is_some).then_some(())?;
    fields_from(c)
}

/// The fields read from the start of the line by `c`.
fn fields_from(mut c: Cursor<'_>) -> Option<Scanned<'_>> {
    let line = c.line;
    let mut f = Found::default();
    c.eat(b'{')?;
    c.ws();
    if c.peek()? == b'}' {
        return None;
    }
    loop {
        let key = c.raw_str()?;
        c.ws();
        c.eat(b':')?;
        c.ws();
        f.field(&mut c, key)?;
        c.past_value()?;
        match c.next()? {
            b',' => c.ws(),
            b'}' => break,
            _ => return None,
        }
    }
    c.ws();
    (c.pos == line.len() && c.jumped).then_some(())?;
    f.into_scanned()
}
#[path = "skim_scan/cursor.rs"]
mod cursor;

pub(super) use cursor::Cursor;

/// The fields a skim reads, its strings borrowed from the line: [`Fields`]' values, with the
/// same defaults, without a copy of each string (a reduction shares its names and labels,
/// [`crate::timeline::lean::Interner`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scanned<'a> {
    pub(crate) schema_version: u32,
    pub(crate) instance: &'a str,
    pub(crate) workspace: Option<&'a str>,
    pub(crate) class: &'a str,
    pub(crate) template: Option<&'a str>,
    pub(crate) boot: usize,
    pub(crate) zero: super::Zero,
    pub(crate) zero_wall: Option<DateTime<Utc>>,
    pub(crate) launched: Option<DateTime<Utc>>,
    pub(crate) outcome: super::Outcome,
    pub(crate) latency: Option<Latency>,
    pub(crate) timeout_secs: f64,
    pub(crate) stuck_threshold_secs: f64,
    pub(crate) observed_secs: Option<f64>,
    pub(crate) evidence: Option<Evidence>,
    pub(crate) clock_skew_secs: Option<f64>,
    /// The labels object's text, checked (an object of plain strings); `None`: no labels.
    pub(crate) labels: Option<&'a [u8]>,
    pub(crate) end: &'a str,
    pub(crate) attempt: usize,
    pub(crate) attempt_outcome: Option<super::Outcome>,
    pub(crate) attempt_latency: Option<Latency>,
    pub(crate) attempt_flip_secs: Option<f64>,
    pub(crate) attempt_stated_timeout_secs: Option<f64>,
    pub(crate) attempt_failed_timeout_secs: Option<f64>,
}

/// The labels of a labels object's text as [`Scanned::labels`] holds it (a later key's value
/// replaces an earlier one's, as `serde_json` reads a map); `None` when it is no object of
/// plain strings.
pub(crate) fn labels_of(text: &[u8]) -> Option<BTreeMap<String, String>> {
    let mut c = Cursor::new(text, (text.len(), text.len()));
    let labels = c.labels()?;
    (c.pos == text.len()).then_some(labels)
}

impl Scanned<'_> {
    /// The fields with their strings owned.
    pub(super) fn into_fields(self) -> Option<Fields<IgnoredAny, IgnoredAny>> {
        Some(Fields {
            schema_version: self.schema_version,
            instance: self.instance.to_string(),
            workspace: self.workspace.map(str::to_string),
            class: self.class.to_string(),
            template: self.template.map(str::to_string),
            boot: self.boot,
            zero: self.zero,
            zero_wall: self.zero_wall,
            launched: self.launched,
            outcome: self.outcome,
            latency: self.latency,
            timeout_secs: self.timeout_secs,
            stuck_threshold_secs: self.stuck_threshold_secs,
            observed_secs: self.observed_secs,
            evidence: self.evidence,
            phases: IgnoredAny,
            milestones: IgnoredAny,
            clock_skew_secs: self.clock_skew_secs,
            clock_steps: IgnoredAny,
            sources: IgnoredAny,
            labels: match self.labels {
                Some(text) => labels_of(text)?,
                None => BTreeMap::new(),
            },
            end: self.end.to_string(),
            identity: IgnoredAny,
            attempt: self.attempt,
            attempt_outcome: self.attempt_outcome,
            attempt_latency: self.attempt_latency,
            attempt_flip_secs: self.attempt_flip_secs,
            attempt_stated_timeout_secs: self.attempt_stated_timeout_secs,
            attempt_failed_timeout_secs: self.attempt_failed_timeout_secs,
        })
    }
}

/// The fields found so far, each at most once.
#[derive(Default)]
struct Found<'a> {
    schema_version: Option<u32>,
    instance: Option<&'a str>,
    workspace: Option<Option<&'a str>>,
    class: Option<&'a str>,
    template: Option<Option<&'a str>>,
    boot: Option<usize>,
    zero: Option<super::Zero>,
    zero_wall: Option<Option<DateTime<Utc>>>,
    launched: Option<Option<DateTime<Utc>>>,
    outcome: Option<super::Outcome>,
    latency: Option<Option<Latency>>,
    timeout_secs: Option<f64>,
    stuck_threshold_secs: Option<f64>,
    observed_secs: Option<Option<f64>>,
    evidence: Option<Option<Evidence>>,
    clock_skew_secs: Option<Option<f64>>,
    clock_steps: bool,
    sources: bool,
    labels: Option<&'a [u8]>,
    end: Option<&'a str>,
    identity: bool,
    attempt: Option<usize>,
    attempt_outcome: Option<Option<super::Outcome>>,
    attempt_latency: Option<Option<Latency>>,
    attempt_flip_secs: Option<Option<f64>>,
    attempt_stated_timeout_secs: Option<Option<f64>>,
    attempt_failed_timeout_secs: Option<Option<f64>>,
}

/// Puts `value` in `slot` unless it holds one already (a key seen twice).
pub(super) fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value?);
            Some(())
        }
    }
}

/// Marks a field read past as seen, unless it was already.
pub(super) fn once_skipped(seen: &mut bool, c: &mut Cursor<'_>) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())?;
    c.skip(0)
}

impl<'a> Found<'a> {
    /// Reads the value of `key` at `c`.
    fn field(&mut self, c: &mut Cursor<'a>, key: &[u8]) -> Option<()> {
        match key {
            b"schema_version" => once(
                &mut self.schema_version,
                c.uint().and_then(|v| v.try_into().ok()),
            ),
            b"instance" => once(&mut self.instance, c.str()),
            b"workspace" => once(&mut self.workspace, c.opt(Cursor::str)),
            b"class" => once(&mut self.class, c.str()),
            b"template" => once(&mut self.template, c.opt(Cursor::str)),
            b"boot" => once(&mut self.boot, c.uint().and_then(|v| v.try_into().ok())),
            b"zero" => once(&mut self.zero, c.parsed()),
            b"zero_wall" => once(&mut self.zero_wall, c.opt(Cursor::time)),
            b"launched" => once(&mut self.launched, c.opt(Cursor::time)),
            b"outcome" => once(&mut self.outcome, c.parsed()),
            b"latency" => once(&mut self.latency, c.opt(Cursor::latency)),
            b"timeout_secs" => once(&mut self.timeout_secs, c.f64()),
            b"stuck_threshold_secs" => once(&mut self.stuck_threshold_secs, c.f64()),
            b"observed_secs" => once(&mut self.observed_secs, c.opt(Cursor::f64)),
            b"evidence" => once(&mut self.evidence, c.opt(evidence)),
            b"clock_skew_secs" => once(&mut self.clock_skew_secs, c.opt(Cursor::f64)),
            b"clock_steps" => once_skipped(&mut self.clock_steps, c),
            b"sources" => once_skipped(&mut self.sources, c),
            b"labels" => once(&mut self.labels, c.labels_text()),
            b"end" => once(&mut self.end, c.str()),
            b"identity" => once_skipped(&mut self.identity, c),
            b"attempt" => once(&mut self.attempt, c.uint().and_then(|v| v.try_into().ok())),
            b"attempt_outcome" => once(&mut self.attempt_outcome, c.opt(Cursor::parsed)),
            b"attempt_latency" => once(&mut self.attempt_latency, c.opt(Cursor::latency)),
            b"attempt_flip_secs" => once(&mut self.attempt_flip_secs, c.opt(Cursor::f64)),
            b"attempt_stated_timeout_secs" => {
                once(&mut self.attempt_stated_timeout_secs, c.opt(Cursor::f64))
            }
            b"attempt_failed_timeout_secs" => {
                once(&mut self.attempt_failed_timeout_secs, c.opt(Cursor::f64))
            }
            // Another key (`phases` or `milestones` past the cut among them): the parse.
            _ => None,
        }
    }

    /// The fields, with the defaults of [`Fields`] for those absent; `None` when one without
    /// a default is.
    fn into_scanned(self) -> Option<Scanned<'a>> {
        self.sources.then_some(())?;
        Some(Scanned {
            schema_version: self.schema_version?,
            instance: self.instance?,
            workspace: self.workspace.flatten(),
            class: self.class?,
            template: self.template.flatten(),
            boot: self.boot?,
            zero: self.zero?,
            zero_wall: self.zero_wall.flatten(),
            launched: self.launched.flatten(),
            outcome: self.outcome?,
            latency: self.latency.flatten(),
            timeout_secs: self.timeout_secs?,
            stuck_threshold_secs: self.stuck_threshold_secs?,
            observed_secs: self.observed_secs.flatten(),
            evidence: self.evidence.flatten(),
            clock_skew_secs: self.clock_skew_secs.flatten(),
            labels: self.labels,
            end: self.end.unwrap_or(REGISTERED),
            attempt: self.attempt.unwrap_or(0),
            attempt_outcome: self.attempt_outcome.flatten(),
            attempt_latency: self.attempt_latency.flatten(),
            attempt_flip_secs: self.attempt_flip_secs.flatten(),
            attempt_stated_timeout_secs: self.attempt_stated_timeout_secs.flatten(),
            attempt_failed_timeout_secs: self.attempt_failed_timeout_secs.flatten(),
        })
    }
}

/// The end a boot's line without one runs to (`super::super::registered`'s).
const REGISTERED: &str = "registered";

/// Crash evidence (rare): its text found by the scan, read by `serde_json`.
fn evidence(c: &mut Cursor<'_>) -> Option<Evidence> {
    serde_json::from_slice(c.value()?).ok()
}

#[cfg(test)]
mod tests {
    use super::super::{bounds, tests::boot};
    use super::*;
    use crate::timeline::identity::IdentitySource;
    use crate::timeline::{Boot, Outcome, Zero};

    /// The boot the skim's `serde_json` parse reads of `line`, or `None`.
    fn parsed(line: &[u8]) -> Option<Boot> {
        let (phases, _, after) = bounds(line)?;
        let cut = [&line[..phases], &line[after..]].concat();
        let f: Fields<IgnoredAny, IgnoredAny> = serde_json::from_slice(&cut).ok()?;
        Some(f.into_boot(Vec::new(), Vec::new()))
    }

    /// The boot the scan reads of `line`, or `None`.
    fn scanned(line: &[u8]) -> Option<Boot> {
        let (phases, _, after) = bounds(line)?;
        Some(
            fields(line, phases, after)?
                .into_fields()?
                .into_boot(Vec::new(), Vec::new()),
        )
    }

    /// Lines as bootline writes them: the skim's test boot in a few states, and the committed
    /// shard of implausible latencies (`fixtures/implausible/SOURCES.md`).
    fn lines() -> Vec<Vec<u8>> {
        // The test boot's sources hold escaped quotes (left to the parse): plain ones here.
        let mut first = boot();
        first.sources = vec!["events.jsonl".into(), "i-1/console.log".into()];
        first.identity = vec![IdentitySource::PlatformEvents, IdentitySource::Folder];
        first.clock_steps = vec![crate::timeline::ClockStep {
            after_secs: 9.744,
            by_secs: 15.079,
            step_secs: -14.491,
            source: "i-1/console.log:34".into(),
        }];
        // The zero and the launch the same time (read once), then two times.
        let at = |secs| DateTime::from_timestamp(secs, 0);
        (first.zero_wall, first.launched) = (at(1_781_000_000), at(1_781_000_000));
        let mut boots = vec![first.clone()];
        let mut b = first;
        (b.zero_wall, b.launched) = (at(1_781_000_011), at(1_781_000_000));
        (b.workspace, b.template, b.latency, b.labels) =
            (None, Some("t".into()), None, <_>::default());
        b.attempt_latency = Some(Latency {
            secs: 1234.5,
            censored: true,
            from: Zero::KernelStart,
        });
        (b.outcome, b.zero) = (Outcome::Crashed, Zero::FirstSeen);
        b.evidence = Some(Evidence {
            kind: "kernel_panic".into(),
            line: "Kernel panic - not syncing".into(),
            source: "c:9".into(),
        });
        (b.observed_secs, b.clock_skew_secs, b.timeout_secs) = (None, Some(-0.25), 1e-3);
        boots.push(b);
        let mut lines: Vec<Vec<u8>> = boots
            .iter()
            .map(|b| serde_json::to_vec(b).unwrap())
            .collect();
        let shard = std::fs::read("fixtures/implausible/shard.jsonl").expect("the committed shard");
        lines.extend(
            shard
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
        lines
    }

    #[test]
    fn the_scan_reads_what_the_parse_reads_of_lines_bootline_writes() {
        let lines = lines();
        assert_eq!(lines.len(), 5);
        for line in &lines {
            let scan = scanned(line);
            assert!(scan.is_some(), "{}", String::from_utf8_lossy(line));
            assert_eq!(scan, parsed(line));
        }
        assert_eq!(
            scanned(&lines[1]).unwrap().evidence.unwrap().kind,
            "kernel_panic"
        );
        assert_eq!(scanned(&lines[0]).unwrap().labels["region"], "eu");
        let two = scanned(&lines[1]).unwrap();
        assert_eq!(
            two.zero_wall.unwrap() - two.launched.unwrap(),
            chrono::Duration::seconds(11)
        );
    }

    /// Every line one byte off one bootline wrote (each byte replaced by, or preceded by, each
    /// of a few characters JSON gives meaning to, or dropped): wherever the scan reads a boot,
    /// the parse reads the same; and the scan reads many of them (spacing, digits).
    #[test]
    fn a_line_one_byte_off_is_scanned_as_the_parse_reads_it_or_left_to_the_parse() {
        let mut agreed = 0;
        for line in lines().iter().take(2) {
            for at in 0..line.len() {
                for b in [
                    b' ', b'"', b'\\', b',', b'}', b'0', b'5', b'-', b'e', b'.', b'n', 1,
                ] {
                    for insert in [false, true] {
                        let mut m = line.clone();
                        match insert {
                            true => m.insert(at, b),
                            false => m[at] = b,
                        }
                        let scan = scanned(&m);
                        if scan.is_some() {
                            assert_eq!(scan, parsed(&m), "{}", String::from_utf8_lossy(&m));
                            agreed += 1;
                        }
                    }
                }
                let mut m = line.clone();
                m.remove(at);
                if let Some(scan) = scanned(&m) {
                    assert_eq!(Some(scan), parsed(&m), "{}", String::from_utf8_lossy(&m));
                }
            }
        }
        assert!(agreed > 500, "{agreed}");
    }

    /// A reducer given each line as the scan reads it holds what one given the skimmed boots
    /// holds: the same lean boots, counts and instances read, selected or not.
    #[test]
    fn a_scanned_line_reduces_as_its_skimmed_boot_does() {
        use crate::timeline::lean::{Reduce, Reducer, Selection};
        let lines = lines();
        for select in [
            Selection::default(),
            Selection {
                instance: Some("i-1".into()),
                ..Selection::default()
            },
            Selection {
                class: Some("nothing".into()),
                ..Selection::default()
            },
        ] {
            let spec = Reduce {
                select,
                ..Reduce::default()
            };
            let (mut scanned, mut skimmed) = (Reducer::new(&spec), Reducer::new(&spec));
            for line in &lines {
                let (s, kernel) = super::super::scanned(line).expect("scanned");
                assert!(scanned.push_scanned(&s, kernel));
                skimmed.push(super::super::skim(line, &mut Vec::new()).expect("skimmed"));
            }
            let records =
                |r: &Reducer| -> Vec<_> { r.boots.iter().map(|b| b.to_record(&|_| 0)).collect() };
            assert_eq!(records(&scanned), records(&skimmed));
            assert_eq!(scanned.seen, skimmed.seen);
            assert_eq!(scanned.instances_read, skimmed.instances_read);
            assert_eq!(scanned.seen.boots, lines.len());
        }
        let labels = |i: usize| {
            let mut r = Reducer::new(&Reduce::default());
            let (s, kernel) = super::super::scanned(&lines[i]).unwrap();
            r.push_scanned(&s, kernel);
            r.boots[0].labels.clone()
        };
        assert_eq!(labels(0)["region"], "eu");
        assert!(labels(1).is_empty());
    }

    #[test]
    fn what_the_scan_does_not_vouch_for_is_left_to_the_parse() {
        let line = String::from_utf8(serde_json::to_vec(&boot()).unwrap()).unwrap();
        let left = [
            line.replace(r#""class":"default""#, r#""class":"def\u0061ult""#),
            line.replace(r#""boot":2"#, r#""boot":2,"boot":2"#),
            line.replace(r#""boot":2"#, r#""boot":2,"other":1"#),
            line.replace(r#""timeout_secs":600.0"#, r#""timeout_secs":-0"#),
            line.replace(r#""timeout_secs":600.0"#, r#""timeout_secs":1e999"#),
            line.replace(r#","sources":["#, r#","source":["#),
        ];
        for l in &left {
            assert_eq!(scanned(l.as_bytes()), None, "{l}");
        }
        // The parse reads the first and the fourth; the scan leaves them to it.
        assert_eq!(parsed(left[0].as_bytes()).unwrap().class, "default");
        assert_eq!(parsed(left[3].as_bytes()).unwrap().timeout_secs, 0.0);
        assert!(parsed(left[1].as_bytes()).is_none());
    }
}
