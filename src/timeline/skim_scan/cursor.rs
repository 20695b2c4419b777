//! The cursor a scan reads a line with: JSON values read by hand as `serde_json` would read
//! them (strings without escapes, numbers, literals, times, nesting), and nothing about which
//! fields a boot's line holds. It stands alone as the grammar both the skim's scan and the
//! thin scan ([`super::super::thin_scan`]) read with.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::IntoDeserializer;
use serde::Deserialize;

use super::once;
use crate::timeline::Latency;

/// A position in the line as the skim's parse sees it.
pub(in crate::timeline::skim) struct Cursor<'a> {
    pub(in crate::timeline::skim) line: &'a [u8],
    pub(in crate::timeline::skim) pos: usize,
    /// Where the cut-out phases and milestones begin and end.
    pub(in crate::timeline::skim) cut: (usize, usize),
    /// Whether the read has passed the cut.
    pub(in crate::timeline::skim) jumped: bool,
    /// The last time read, and its text (a boot's zero and launch are mostly the same).
    pub(in crate::timeline::skim) time: Option<(&'a str, DateTime<Utc>)>,
    /// The line before the cut and after it, when each is UTF-8: a string inside either is
    /// then UTF-8 without a check of its own.
    pub(in crate::timeline::skim) text: [Option<&'a str>; 2],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `line`, whose phases and milestones lie in `cut`.
    pub(in crate::timeline::skim) fn new(line: &'a [u8], cut: (usize, usize)) -> Self {
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

    pub(in crate::timeline::skim) fn peek(&self) -> Option<u8> {
        self.line.get(self.pos).copied()
    }

    pub(in crate::timeline::skim) fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    pub(in crate::timeline::skim) fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// Past JSON whitespace.
    pub(in crate::timeline::skim) fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// After a top-level value: past whitespace and the cut, when the value ends where it
    /// begins. A value that runs across the cut is no value the parse would have seen.
    pub(super) fn past_value(&mut self) -> Option<()> {
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
    pub(in crate::timeline::skim) fn str(&mut self) -> Option<&'a str> {
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
    pub(in crate::timeline::skim) fn raw_str(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.pos;
        let len = string_end(&self.line[start..])?;
        (self.line[start + len] == b'"').then_some(())?;
        self.pos = start + len + 1;
        Some(&self.line[start..start + len])
    }

    /// Whether a `null` is next (and then past it).
    pub(in crate::timeline::skim) fn null(&mut self) -> bool {
        let found = self.line[self.pos..].starts_with(b"null");
        if found {
            self.pos += 4;
        }
        found
    }

    /// `null` as `None`, or the value `read` reads.
    pub(in crate::timeline::skim) fn opt<T>(
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
    pub(in crate::timeline::skim) fn number(&mut self) -> Option<&'a str> {
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
    pub(in crate::timeline::skim) fn f64(&mut self) -> Option<f64> {
        let text = self.number()?;
        let integer = !text.contains(['.', 'e', 'E']);
        if integer && text.starts_with('-') {
            return None;
        }
        short_decimal(text).or_else(|| text.parse::<f64>().ok().filter(|x| x.is_finite()))
    }

    /// A non-negative integer, as `serde_json` reads it into an unsigned type.
    pub(in crate::timeline::skim) fn uint(&mut self) -> Option<u64> {
        let text = self.number()?;
        if text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    pub(super) fn bool(&mut self) -> Option<bool> {
        for (word, value) in [(&b"true"[..], true), (b"false", false)] {
            if self.line[self.pos..].starts_with(word) {
                self.pos += word.len();
                return Some(value);
            }
        }
        None
    }

    /// A string read as `T` reads a string (an enum's variant, a time).
    pub(super) fn parsed<T: for<'de> Deserialize<'de>>(&mut self) -> Option<T> {
        let s: StrDeserializer<'_, ValueError> = self.str()?.into_deserializer();
        T::deserialize(s).ok()
    }

    /// A time, as `chrono` reads a string into a `DateTime<Utc>`.
    // "2026-06-14T17:41:38Z"
    pub(super) fn time(&mut self) -> Option<DateTime<Utc>> {
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
    pub(in crate::timeline::skim) fn skip(&mut self, depth: u8) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' | b'[' if depth < 64 => self.skip_nested(depth),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            b'n' => self.null().then_some(()),
            _ => self.bool().map(drop),
        }
    }

    pub(in crate::timeline::skim) fn skip_str(&mut self) -> Option<()> {
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
    pub(super) fn value(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        self.skip(0)?;
        Some(&self.line[start..self.pos])
    }

    /// An object of strings (the labels), as its text.
    // {"class":"hermes","region":"us-east-1"}
    pub(super) fn labels_text(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        self.members(|c, _| c.str().map(drop))?;
        Some(&self.line[start..self.pos])
    }

    /// An object of strings: the labels.
    // {"class":"hermes","region":"us-east-1"}
    pub(super) fn labels(&mut self) -> Option<BTreeMap<String, String>> {
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
    pub(super) fn latency(&mut self) -> Option<Latency> {
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
    pub(super) fn members(
        &mut self,
        member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.members_by(Self::str, member)
    }

    /// The members of an object and its `}`, each key read by `key` and each value by
    /// `member` given its key.
    pub(in crate::timeline::skim) fn members_by<K>(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
