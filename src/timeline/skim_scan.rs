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
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::{IgnoredAny, IntoDeserializer};
use serde::Deserialize;

use super::{Evidence, Fields, Latency};

/// The skim's fields of `line`, whose phases and milestones lie in `[phases, after)`, its
/// strings borrowed from the line; `None` when the scan cannot vouch for them (see the
/// module's documentation).
pub(super) fn fields(line: &[u8], phases: usize, after: usize) -> Option<Scanned<'_>> {
    let mut c = Cursor::new(line, (phases, after));
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

/// A position in the line as the skim's parse sees it.
pub(super) struct Cursor<'a> {
    pub(super) line: &'a [u8],
    pub(super) pos: usize,
    /// Where the cut-out phases and milestones begin and end.
    pub(super) cut: (usize, usize),
    /// Whether the read has passed the cut.
    pub(super) jumped: bool,
    /// The last time read, and its text (a boot's zero and launch are mostly the same).
    pub(super) time: Option<(&'a str, DateTime<Utc>)>,
    /// The line before the cut and after it, when each is UTF-8: a string inside either is
    /// then UTF-8 without a check of its own.
    pub(super) text: [Option<&'a str>; 2],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `line`, whose phases and milestones lie in `cut`.
    pub(super) fn new(line: &'a [u8], cut: (usize, usize)) -> Self {
        // One check of each part is cheaper than one of each string.
        let text = [&line[..cut.0], &line[cut.1..]].map(|part| std::str::from_utf8(part).ok());
        Cursor {
            line,
            pos: 0,
            cut,
            jumped: false,
            time: None,
            text,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.line.get(self.pos).copied()
    }

    pub(super) fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    pub(super) fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// Past JSON whitespace.
    pub(super) fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// After a top-level value: past whitespace and the cut, when the value ends where it
    /// begins. A value that runs across the cut is no value the parse would have seen.
    fn past_value(&mut self) -> Option<()> {
        self.ws();
        if !self.jumped {
            if self.pos == self.cut.0 {
                (self.pos, self.jumped) = (self.cut.1, true);
                self.ws();
            } else if self.pos > self.cut.0 {
                return None;
            }
        }
        Some(())
    }

    /// A string without escapes or control characters, as UTF-8.
    // "i-0a9d998302d5aee8a"
    pub(super) fn str(&mut self) -> Option<&'a str> {
        let bytes = self.raw_str()?;
        let end = self.pos - 1;
        let start = end - bytes.len();
        let checked = match self.text {
            [Some(head), _] if end <= self.cut.0 => head.get(start..end),
            [_, Some(tail)] if start >= self.cut.1 => {
                tail.get(start - self.cut.1..end - self.cut.1)
            }
            _ => None,
        };
        checked.or_else(|| std::str::from_utf8(bytes).ok())
    }

    /// The bytes of a string without escapes or control characters (not checked as UTF-8:
    /// keys, compared with known ones, and strings read past).
    pub(super) fn raw_str(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.pos;
        let len = string_end(&self.line[start..])?;
        (self.line[start + len] == b'"').then_some(())?;
        self.pos = start + len + 1;
        Some(&self.line[start..start + len])
    }

    /// Whether a `null` is next (and then past it).
    pub(super) fn null(&mut self) -> bool {
        let found = self.line[self.pos..].starts_with(b"null");
        if found {
            self.pos += 4;
        }
        found
    }

    /// `null` as `None`, or the value `read` reads.
    pub(super) fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.null() {
            true => Some(None),
            false => read(self).map(Some),
        }
    }

    /// A number by JSON's grammar, as its text.
    // -12.5e3
    pub(super) fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let digits = |c: &mut Self| {
            let from = c.pos;
            while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                c.pos += 1;
            }
            (c.pos > from).then_some(())
        };
        if self.peek()? == b'-' {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            digits(self)?;
        }
        std::str::from_utf8(&self.line[start..self.pos]).ok()
    }

    /// A number as `serde_json` (with `float_roundtrip`) reads it into an `f64`: correctly
    /// rounded, as `str::parse` is. A negative integer (`serde_json` reads `-0` as `0.0`) or a
    /// number beyond `f64`'s range (an error there) is not read.
    pub(super) fn f64(&mut self) -> Option<f64> {
        let text = self.number()?;
        let integer = !text.contains(['.', 'e', 'E']);
        if integer && text.starts_with('-') {
            return None;
        }
        short_decimal(text).or_else(|| text.parse::<f64>().ok().filter(|x| x.is_finite()))
    }

    /// A non-negative integer, as `serde_json` reads it into an unsigned type.
    pub(super) fn uint(&mut self) -> Option<u64> {
        let text = self.number()?;
        if text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    fn bool(&mut self) -> Option<bool> {
        for (word, value) in [(&b"true"[..], true), (b"false", false)] {
            if self.line[self.pos..].starts_with(word) {
                self.pos += word.len();
                return Some(value);
            }
        }
        None
    }

    /// A string read as `T` reads a string (an enum's variant, a time).
    fn parsed<T: for<'de> Deserialize<'de>>(&mut self) -> Option<T> {
        let s: StrDeserializer<'_, ValueError> = self.str()?.into_deserializer();
        T::deserialize(s).ok()
    }

    /// A time, as `chrono` reads a string into a `DateTime<Utc>`.
    // "2026-06-14T17:41:38Z"
    fn time(&mut self) -> Option<DateTime<Utc>> {
        let text = self.str()?;
        match self.time {
            Some((last, t)) if last == text => Some(t),
            _ => {
                let t = match plain_time(text) {
                    Some(t) => t,
                    None => {
                        let s: StrDeserializer<'_, ValueError> = text.into_deserializer();
                        DateTime::<Utc>::deserialize(s).ok()?
                    }
                };
                self.time = Some((text, t));
                Some(t)
            }
        }
    }

    /// Past any JSON value, as strictly as `serde_json` ignores one (strings with an escape
    /// are not read here).
    pub(super) fn skip(&mut self, depth: u8) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' | b'[' if depth < 64 => self.skip_nested(depth),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            b'n' => self.null().then_some(()),
            _ => self.bool().map(drop),
        }
    }

    pub(super) fn skip_str(&mut self) -> Option<()> {
        self.raw_str().map(drop)
    }

    /// An array or object, its members skipped.
    fn skip_nested(&mut self, depth: u8) -> Option<()> {
        let close = match self.next()? {
            b'[' => b']',
            _ => b'}',
        };
        self.ws();
        if self.peek()? == close {
            self.pos += 1;
            return Some(());
        }
        loop {
            if close == b'}' {
                self.skip_str()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
            }
            self.skip(depth + 1)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b if b == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// The text of the next value, skipped.
    fn value(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        self.skip(0)?;
        Some(&self.line[start..self.pos])
    }

    /// An object of strings (the labels), as its text.
    // {"class":"hermes","region":"us-east-1"}
    fn labels_text(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        self.members(|c, _| c.str().map(drop))?;
        Some(&self.line[start..self.pos])
    }

    /// An object of strings: the labels.
    // {"class":"hermes","region":"us-east-1"}
    fn labels(&mut self) -> Option<BTreeMap<String, String>> {
        let mut labels = BTreeMap::new();
        self.members(|c, key| {
            let value = c.str()?;
            labels.insert(key.to_string(), value.to_string());
            Some(())
        })?;
        Some(labels)
    }

    /// A latency object, each of its three keys once.
    // {"secs":854.0,"censored":false,"from":"launch"}
    fn latency(&mut self) -> Option<Latency> {
        let (mut secs, mut censored, mut from) = (None, None, None);
        self.members(|c, key| match key {
            "secs" => once(&mut secs, c.f64()),
            "censored" => once(&mut censored, c.bool()),
            "from" => once(&mut from, c.parsed()),
            _ => None,
        })?;
        Some(Latency {
            secs: secs?,
            censored: censored?,
            from: from?,
        })
    }

    /// The members of an object, each value read by `member` given its key.
    fn members(&mut self, member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.members_by(Self::str, member)
    }

    /// The members of an object and its `}`, each key read by `key` and each value by
    /// `member` given its key.
    pub(super) fn members_by<K>(
        &mut self,
        key: impl Fn(&mut Self) -> Option<K>,
        mut member: impl FnMut(&mut Self, K) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = key(self)?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }
}

/// Where a string's text (after its `"`) stops: the first `"`, `\\` or control character.
/// Strings here are short (a vectorised search's setup costs more than they take), so their
/// bytes are looked at eight at a time in a `u64`.
// i-0a9d998302d5aee8a"
fn string_end(text: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte below `n` (of bytes below 0x80), and maybe of bytes above a
    // byte that is: the lowest one marked is the first such byte.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut words = text.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let stops = below(x ^ (ONES * 0x22), 1) | below(x ^ (ONES * 0x5c), 1) | below(x, 0x20);
        if stops != 0 {
            return Some(at + (stops.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = words.remainder();
    let stop = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(at + stop)
}

/// Powers of ten an `f64` holds exactly.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The value of a non-negative decimal of at most 15 digits (`854.0`, `0.928`), as
/// `str::parse` reads it; `None` for any other number. Its digits as an integer and the
/// power of ten it is divided by are both exact in an `f64`, so the one correctly rounded
/// division is the correctly rounded value of the decimal.
// 22243.0
fn short_decimal(text: &str) -> Option<f64> {
    let (mut digits, mut scale, mut dot) = (0u64, 0usize, false);
    let mut count = 0;
    for &c in text.as_bytes() {
        match c {
            b'0'..=b'9' => {
                digits = digits * 10 + u64::from(c - b'0');
                count += 1;
                scale += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
        if count > 15 {
            return None;
        }
    }
    Some(digits as f64 / POW10[scale])
}

/// A time written as bootline writes one, to the second in UTC, as `chrono` reads it; `None`
/// for any other form (read by `chrono` then).
// 2026-06-14T17:41:38Z
fn plain_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let laid_out = b.len() == 20
        && [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ]
        .iter()
        .all(|&(i, c)| b[i] == c);
    if !laid_out {
        return None;
    }
    let n = |from: usize, len: usize| {
        b[from..from + len].iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(5, 2)?, n(8, 2)?)?;
    Some(date.and_hms_opt(n(11, 2)?, n(14, 2)?, n(17, 2)?)?.and_utc())
}

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
    fn a_string_stops_at_its_first_quote_backslash_or_control_character() {
        let stop = |t: &[u8]| t.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        // Every byte value at every place of texts of up to 20 bytes, among bytes that do
        // not stop a string (some of them not ASCII).
        let fill = [
            b'a', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']', 0xa2, 0xdc, 0x21,
        ];
        let mut checked = 0;
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut t: Vec<u8> =
                        (0..len).map(|i| fill[(i * 7 + len) % fill.len()]).collect();
                    t[at] = b;
                    assert_eq!(string_end(&t), stop(&t), "{t:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 40_000);
        assert_eq!(string_end(b"i-0a9d998302d5aee8a\",rest"), Some(19));
        assert_eq!(string_end(b"0123456789\\"), Some(10));
        assert_eq!(string_end(b"0123456789\x01\""), Some(10));
        assert_eq!(string_end(b"no end"), None);
    }

    #[test]
    fn short_decimals_and_plain_times_read_as_the_parsers_read_them() {
        let mut numbers = vec![
            "0",
            "0.0",
            "854.0",
            "0.928",
            "22243.0",
            "1800.0",
            "0.1",
            "0.3",
            "123456789012345",
            "12345678901234.5",
            "0.000000000000001",
            "9007199254740.993",
            "2.675",
            "1.005",
        ];
        let mut x = 0.001f64;
        let mut made = Vec::new();
        while x < 1e7 {
            made.push(format!("{:.3}", x));
            made.push(format!("{x}"));
            x = x * 1.37 + 0.013;
        }
        numbers.extend(made.iter().map(String::as_str));
        let mut fast = 0;
        for text in &numbers {
            let want: f64 = text.parse().unwrap();
            if let Some(got) = short_decimal(text) {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
                fast += 1;
            }
        }
        assert!(fast > numbers.len() / 2, "{fast}");
        for text in [
            "1e5",
            "-1.5",
            "1234567890123456",
            "1.2.3",
            "0.0000000000000001",
        ] {
            assert_eq!(short_decimal(text), None, "{text}");
        }
        let chrono = |t: &str| t.parse::<DateTime<Utc>>().ok();
        for t in [
            "2026-06-14T17:41:38Z",
            "2026-02-29T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2026-06-14T24:00:00Z",
            "2026-06-14T17:41:60Z",
            "2026-13-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "2026-06-14T17:41:38+00:00",
            "2026-06-14 17:41:38Z",
            "2026-06-14T17:41:3aZ",
            "2026-06-14T17:41:38.5Z",
        ] {
            if let Some(got) = plain_time(t) {
                assert_eq!(Some(got), chrono(t), "{t}");
            }
        }
        assert!(plain_time("2026-06-14T17:41:38Z").is_some());
        assert_eq!(plain_time("2026-02-29T00:00:00Z"), None);
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
