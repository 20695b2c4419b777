//! Shared timestamp grammars (nom 8): one small function per shape, with the shape it accepts
//! in a comment above it. Each returns the rest of the input, so callers can check what is left.

use std::cell::Cell;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while_m_n};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{map_res, opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// A year-less wall-clock stamp (syslog and journal short styles), resolved later against a
/// year taken from elsewhere (a cloud-init banner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearlessStamp {
    /// Month 1–12.
    pub(crate) month: u32,
    /// Day of month.
    pub(crate) day: u32,
    /// Time of day.
    pub(crate) time: NaiveTime,
}

impl YearlessStamp {
    /// The stamp in `year`, if that date exists (Feb 29 needs a leap year).
    pub(crate) fn with_year(self, year: i32) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(year, self.month, self.day).map(|d| d.and_time(self.time))
    }
}

fn fixed_digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |i: &str| {
        map_res(
            take_while_m_n(n, n, |c: char| c.is_ascii_digit()),
            |s: &str| s.parse::<u32>(),
        )
        .parse(i)
    }
}

// `.123456` / `,123` (a fraction of a second, any number of digits) → nanoseconds
fn fraction(i: &str) -> IResult<&str, u32> {
    let (rest, digits) = preceded(alt((char('.'), char(','))), digit1).parse(i)?;
    let mut nanos: u64 = 0;
    for (k, c) in digits.bytes().take(9).enumerate() {
        nanos += u64::from(c - b'0') * 10u64.pow(8 - k as u32);
    }
    Ok((rest, nanos as u32))
}

// `19:03:39` with an optional fraction `.502` / `,502`
fn time_of_day(i: &str) -> IResult<&str, NaiveTime> {
    let (i, h) = fixed_digits(2)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, m) = fixed_digits(2)(i)?;
    let (i, _) = char(':')(i)?;
    let (i, s) = fixed_digits(2)(i)?;
    let (i, nanos) = opt(fraction).parse(i)?;
    // Leap seconds (`:60`) are folded into the last second rather than rejected.
    let (s, extra) = if s == 60 { (59, 1_000_000_000) } else { (s, 0) };
    match NaiveTime::from_hms_nano_opt(h, m, s, nanos.unwrap_or(0) + extra) {
        Some(t) => Ok((i, t)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

// `2023-11-30`
fn date(i: &str) -> IResult<&str, NaiveDate> {
    let (i, y) = fixed_digits(4)(i)?;
    let (i, _) = char('-')(i)?;
    let (i, m) = fixed_digits(2)(i)?;
    let (i, _) = char('-')(i)?;
    let (i, d) = fixed_digits(2)(i)?;
    match NaiveDate::from_ymd_opt(y as i32, m, d) {
        Some(dt) => Ok((i, dt)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// The digits at fixed byte positions, as a number, if they are all ASCII digits.
fn digits_at(b: &[u8], from: usize, n: usize) -> Option<u32> {
    b.get(from..from + n)?.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Whether `b` holds each `(position, byte)` (positions within `b`).
fn separators_at(b: &[u8], expected: &[(usize, u8)]) -> bool {
    expected.iter().all(|&(at, sep)| b[at] == sep)
}

// `2023-11-30 19:03:39,502` exactly (the common shape, read at fixed positions)
fn asctime_fixed(i: &str) -> Option<(&str, NaiveDateTime)> {
    let b = i.as_bytes();
    if b.len() < 23
        || !separators_at(
            b,
            &[
                (4, b'-'),
                (7, b'-'),
                (10, b' '),
                (13, b':'),
                (16, b':'),
                (19, b','),
            ],
        )
    {
        return None;
    }
    if b.get(23).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Consecutive lines nearly always share their date: it is read once per day of log.
    thread_local! {
        static LAST_DATE: Cell<Option<([u8; 10], NaiveDate)>> = const { Cell::new(None) };
    }
    let day: [u8; 10] = b[..10].try_into().expect("10 bytes");
    let date = match LAST_DATE.get() {
        Some((seen, date)) if seen == day => date,
        _ => {
            let date = NaiveDate::from_ymd_opt(
                digits_at(b, 0, 4)? as i32,
                digits_at(b, 5, 2)?,
                digits_at(b, 8, 2)?,
            )?;
            LAST_DATE.set(Some((day, date)));
            date
        }
    };
    let time = NaiveTime::from_hms_milli_opt(
        digits_at(b, 11, 2)?,
        digits_at(b, 14, 2)?,
        digits_at(b, 17, 2)?,
        digits_at(b, 20, 3)?,
    )?;
    Some((&i[23..], date.and_time(time)))
}

/// `2023-11-30 19:03:39,502` (Python logging asctime; no zone)
pub(crate) fn asctime(i: &str) -> IResult<&str, NaiveDateTime> {
    if let Some(hit) = asctime_fixed(i) {
        return Ok(hit);
    }
    let (i, d) = date(i)?;
    let (i, _) = char(' ')(i)?;
    let (i, t) = time_of_day(i)?;
    Ok((i, d.and_time(t)))
}

// `+00:00` / `+0000` / `-05:00` / `Z`
fn zone(i: &str) -> IResult<&str, FixedOffset> {
    if let Ok((rest, _)) = char::<&str, nom::error::Error<&str>>('Z')(i) {
        return Ok((rest, FixedOffset::east_opt(0).expect("zero offset")));
    }
    let (i, sign) = alt((char('+'), char('-'))).parse(i)?;
    let (i, hh) = fixed_digits(2)(i)?;
    let (i, _) = opt(char(':')).parse(i)?;
    let (i, mm) = fixed_digits(2)(i)?;
    let secs = (hh * 3600 + mm * 60) as i32;
    let secs = if sign == '-' { -secs } else { secs };
    match FixedOffset::east_opt(secs) {
        Some(o) => Ok((i, o)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// `2016-08-30T21:53:25.972325+00:00` (RFC 3339 / ISO 8601 with an offset)
pub(crate) fn iso8601(i: &str) -> IResult<&str, DateTime<FixedOffset>> {
    let (i, d) = date(i)?;
    let (i, _) = alt((char('T'), char(' '))).parse(i)?;
    let (i, t) = time_of_day(i)?;
    let (i, z) = zone(i)?;
    match d.and_time(t).and_local_timezone(z).single() {
        Some(dt) => Ok((i, dt)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// English month abbreviations, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov` → 11, from the abbreviation's bytes.
fn month_number(word: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes() == word)
        .map(|k| k as u32 + 1)
}

// `Nov` → 11
fn month_abbrev(i: &str) -> IResult<&str, u32> {
    let (rest, word) = take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic())(i)?;
    match month_number(word.as_bytes()) {
        Some(month) => Ok((rest, month)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// `Nov 17 19:31:28`, `Nov  3 06:51:06.074410` (syslog / journal short and short-precise)
pub(crate) fn syslog(i: &str) -> IResult<&str, YearlessStamp> {
    let (i, month) = month_abbrev(i)?;
    let (i, _) = space1(i)?;
    let (i, day) = map_res(
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
        |s: &str| s.parse::<u32>(),
    )
    .parse(i)?;
    let (i, _) = char(' ')(i)?;
    let (i, time) = time_of_day(i)?;
    if !(1..=31).contains(&day) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((i, YearlessStamp { month, day, time }))
}

/// `Thu, 30 Nov 2023 19:03:39 +0000` (RFC 2822, as in cloud-init banners)
pub(crate) fn rfc2822(i: &str) -> IResult<&str, DateTime<FixedOffset>> {
    match rfc2822_fixed(i) {
        Some(hit) => Ok(hit),
        None => rfc2822_general(i),
    }
}

// `Thu, 30 Nov 2023 19:03:39 +0000`, `30 Nov 2023 19:03:39.5 GMT`, `… +05:30` (any RFC 2822
// date cloud-init or status files print)
fn rfc2822_general(i: &str) -> IResult<&str, DateTime<FixedOffset>> {
    let (i, _) = opt((
        take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic()),
        char(','),
        space0,
    ))
    .parse(i)?;
    let (i, day) = map_res(
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
        |s: &str| s.parse::<u32>(),
    )
    .parse(i)?;
    let (i, _) = space1(i)?;
    let (i, month) = month_abbrev(i)?;
    let (i, _) = space1(i)?;
    let (i, year) = fixed_digits(4)(i)?;
    let (i, _) = space1(i)?;
    let (i, t) = time_of_day(i)?;
    let (i, _) = space1(i)?;
    let (i, z) = alt((zone, |i| {
        let (i, _) = alt((tag("GMT"), tag("UTC"), tag("UT"))).parse(i)?;
        Ok((i, FixedOffset::east_opt(0).expect("zero offset")))
    }))
    .parse(i)?;
    let dt = NaiveDate::from_ymd_opt(year as i32, month, day)
        .map(|d| d.and_time(t))
        .and_then(|n| n.and_local_timezone(z).single());
    match dt {
        Some(dt) => Ok((i, dt)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

// `Thu, 30 Nov 2023 19:03:39 +0000` exactly (what cloud-init's banners print, read at fixed
// positions)
fn rfc2822_fixed(i: &str) -> Option<(&str, DateTime<FixedOffset>)> {
    let b = i.as_bytes();
    if b.len() < 31
        || !b[..3].iter().all(u8::is_ascii_alphabetic)
        || !separators_at(
            b,
            &[
                (3, b','),
                (4, b' '),
                (7, b' '),
                (11, b' '),
                (16, b' '),
                (19, b':'),
                (22, b':'),
                (25, b' '),
            ],
        )
        || !matches!(b[26], b'+' | b'-')
        || b.get(31).is_some_and(|c| c.is_ascii_digit() || *c == b':')
    {
        return None;
    }
    let month = month_number(&b[8..11])?;
    let date = NaiveDate::from_ymd_opt(digits_at(b, 12, 4)? as i32, month, digits_at(b, 5, 2)?)?;
    let time = NaiveTime::from_hms_opt(
        digits_at(b, 17, 2)?,
        digits_at(b, 20, 2)?,
        digits_at(b, 23, 2)?,
    )?;
    let zone_secs = (digits_at(b, 27, 2)? * 3600 + digits_at(b, 29, 2)? * 60) as i32;
    let zone = FixedOffset::east_opt(if b[26] == b'-' { -zone_secs } else { zone_secs })?;
    let at = date.and_time(time).and_local_timezone(zone).single()?;
    Some((&i[31..], at))
}

/// `12.345678`, `-0.5`, `7` (a decimal number of seconds)
pub(crate) fn seconds(i: &str) -> IResult<&str, f64> {
    map_res(
        recognize((
            opt(char('-')),
            digit1,
            opt((char('.'), take_while(|c: char| c.is_ascii_digit()))),
        )),
        |s: &str| s.parse::<f64>(),
    )
    .parse(i)
}

/// `[    0.000000]` / `[12345.678901]` (kernel printk stamp), leading spaces inside allowed
pub(crate) fn kernel_stamp(i: &str) -> IResult<&str, f64> {
    let (i, _) = char('[')(i)?;
    let (i, _) = space0(i)?;
    let (i, s) = seconds(i)?;
    let (i, _) = char(']')(i)?;
    Ok((i, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asctime_accepts_comma_millis_and_leaves_rest() {
        let (rest, t) = asctime("2023-11-30 19:03:39,502 - util.py").unwrap();
        assert_eq!(rest, " - util.py");
        assert_eq!(t.to_string(), "2023-11-30 19:03:39.502");
        assert!(asctime("2023-13-30 19:03:39,502").is_err());
        assert!(asctime("2023-11-30T19:03:39").is_err());
        assert!(asctime("23-11-30 19:03:39").is_err());
    }

    #[test]
    fn iso8601_needs_an_offset() {
        let (rest, t) = iso8601("2016-08-30T21:53:25.972325+00:00 y1").unwrap();
        assert_eq!(rest, " y1");
        assert_eq!(t.to_rfc3339(), "2016-08-30T21:53:25.972325+00:00");
        let (_, t) = iso8601("2023-07-31T18:30:50.362836-05:00").unwrap();
        assert_eq!(t.offset().local_minus_utc(), -5 * 3600);
        let (_, t) = iso8601("2026-06-10T14:51:01Z").unwrap();
        assert_eq!(t.timestamp(), 1_781_103_061);
        assert!(iso8601("2016-08-30T21:53:25").is_err());
    }

    #[test]
    fn syslog_accepts_padded_day_and_fraction() {
        let (rest, s) = syslog("Nov  3 06:51:06.074410 x2").unwrap();
        assert_eq!(rest, " x2");
        assert_eq!((s.month, s.day), (11, 3));
        assert_eq!(s.time.to_string(), "06:51:06.074410");
        let (_, s) = syslog("May 01 17:07:10 cloud-init[2416]:").unwrap();
        assert_eq!((s.month, s.day), (5, 1));
        assert!(syslog("Foo 01 17:07:10").is_err());
        assert!(syslog("May 41 17:07:10").is_err());
        assert_eq!(
            YearlessStamp {
                month: 2,
                day: 29,
                time: NaiveTime::MIN
            }
            .with_year(2023),
            None
        );
    }

    #[test]
    fn rfc2822_reads_banner_dates() {
        let (rest, t) = rfc2822("Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.").unwrap();
        assert_eq!(rest, ". Up 7.02 seconds.");
        assert_eq!(t.to_rfc3339(), "2023-11-30T19:03:39+00:00");
        let (_, t) = rfc2822("Wed, 18 Nov 2015 00:31:22 +0000").unwrap();
        assert_eq!(t.timestamp(), 1_447_806_682);
        assert!(rfc2822("Thu, 30 Nov 2023 19:03 +0000").is_err());
    }

    #[test]
    fn rfc2822_fast_path_agrees_with_the_grammar() {
        for text in [
            "Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.",
            "Wed, 18 Nov 2015 00:31:22 -0500",
            "Sat, 29 Feb 2020 23:59:59 +1345 rest",
        ] {
            let fast = rfc2822_fixed(text).expect("the common shape");
            assert_eq!(Ok(fast), rfc2822_general(text), "{text}");
        }
        // Other shapes are left to the grammar; impossible dates fail both ways.
        for text in [
            "Thu, 30 Nov 2023 19:03:39 +05:30",
            "30 Nov 2023 19:03:39 +0000",
            "Thu, 30 Nov 2023 19:03:39.25 +0000",
            "Thu,  3 Nov 2023 19:03:39 GMT",
        ] {
            assert_eq!(rfc2822_fixed(text), None, "{text}");
            assert!(rfc2822(text).is_ok(), "{text}");
        }
        assert_eq!(rfc2822_fixed("Thu, 31 Feb 2023 19:03:39 +0000"), None);
        assert!(rfc2822("Thu, 31 Feb 2023 19:03:39 +0000").is_err());
        assert_eq!(rfc2822_fixed("Thu, 30 Xyz 2023 19:03:39 +0000"), None);
    }

    #[test]
    fn kernel_stamp_and_seconds() {
        assert_eq!(kernel_stamp("[    0.000000] Linux"), Ok((" Linux", 0.0)));
        assert_eq!(kernel_stamp("[12345.678901]x"), Ok(("x", 12345.678901)));
        assert!(kernel_stamp("[  OK  ]").is_err());
        assert_eq!(seconds("49.64 seconds"), Ok((" seconds", 49.64)));
        assert_eq!(seconds("-3.5"), Ok(("", -3.5)));
        assert!(seconds("x1").is_err());
    }
}
