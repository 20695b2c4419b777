//! The year and UTC offset of stamps that lack them, learned from cloud-init's banners: the one
//! rule for every text log whose own stamps are local time (`2015-11-17 19:31:23,021`) or
//! year-less (`Nov 17 19:31:20`, journald `short`).
//!
//! A banner states its time with a zone (`… at Wed, 18 Nov 2015 00:31:22 +0000`) on a line
//! stamped by the same machine at the same moment, so the line's stamp minus the banner's time
//! is the zone's offset and the banner's date gives the year. The rule, and why:
//!
//! - **Every banner teaches, the latest wins.** The zone a log is written in can change within
//!   it: cloud-init's `timezone` module sets it in `modules:config`, and each later stage (a new
//!   process) stamps in the new zone; a log that accumulates boots spans DST changes. A banner
//!   describes the lines around it, not the whole file.
//! - **The offset is the difference rounded to a quarter hour**, when within ±14 h (no zone lies
//!   further); the difference holds a little write delay besides the zone. A difference beyond
//!   that is no zone: what was learned before stays.
//! - **The year is the one that puts the line nearest the banner**, among the banner's year and
//!   its neighbours: a `Dec 31 19:00` line (UTC−5) beside a banner of `Jan 1 00:00 +0000` is in
//!   the banner's year minus one.
//! - **A stamp whose month falls more than six months before the previous one rolled over into
//!   the next year** (`Dec` → `Jan`, also across a gap of weeks, `Nov` → `Feb`); lines read
//!   before any year was known and whose month lies more than six months after the first
//!   anchor's belong to the year before it.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone};

use super::timestamp::YearlessStamp;

/// Offsets further than this from UTC are not zones, seconds.
const MAX_ZONE_SECS: i64 = 14 * 3600;

/// A stamp without a zone, perhaps without a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Local {
    /// Date and time, no zone.
    Naive(NaiveDateTime),
    /// Month, day and time, no year, no zone.
    Yearless(YearlessStamp),
}

/// What the banners told so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Calendar {
    year: Option<i32>,
    /// Month of the latest resolved year-less stamp (for the roll-over).
    last_month: Option<u32>,
    offset: Option<FixedOffset>,
    /// Whether a banner was seen (zone-less stamps wait for one).
    taught: bool,
}

impl Calendar {
    /// Whether a banner has told year and offset.
    pub(crate) fn taught(&self) -> bool {
        self.taught
    }

    /// The year, when known.
    pub(crate) fn year(&self) -> Option<i32> {
        self.year
    }

    /// Learns from a banner stating `banner` on a line stamped `line`.
    pub(crate) fn learn(&mut self, line: Local, banner: DateTime<FixedOffset>) {
        let at = banner.naive_utc();
        let (naive, year) = match line {
            Local::Naive(n) => (Some(n), n.year()),
            Local::Yearless(y) => {
                let nearest = (banner.year() - 1..=banner.year() + 1)
                    .filter_map(|year| Some((y.with_year(year)?, year)))
                    .min_by_key(|(n, _)| (*n - at).num_seconds().abs());
                match nearest {
                    Some((n, year)) => (Some(n), year),
                    None => (None, banner.year()),
                }
            }
        };
        self.taught = true;
        self.year = Some(year);
        if let Some(n) = naive {
            self.last_month = Some(n.month());
            let diff = (n - at).num_seconds();
            if diff.abs() <= MAX_ZONE_SECS {
                let quarter_hours = (diff as f64 / 900.0).round() as i32;
                self.offset = FixedOffset::east_opt(quarter_hours * 900).or(self.offset);
            }
        }
    }

    /// Learns the year alone (a journal's `-- Logs begin at 2022-10-01 … --`), unless known.
    pub(crate) fn learn_year(&mut self, year: i32, month: u32) {
        if self.year.is_none() {
            self.year = Some(year);
            self.last_month = Some(month);
        }
    }

    /// The offset of zone-less stamps (UTC until a banner tells).
    pub(crate) fn offset(&self) -> FixedOffset {
        self.offset
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// Resolves the next stamp of a log read in order (`fallback_year` when none is known),
    /// rolling the year over at New Year.
    pub(crate) fn resolve(
        &mut self,
        line: Local,
        fallback_year: i32,
    ) -> Option<DateTime<FixedOffset>> {
        let naive = match line {
            Local::Naive(n) => n,
            Local::Yearless(y) => {
                let mut year = self.year.unwrap_or(fallback_year);
                if self.last_month.is_some_and(|last| y.month + 6 < last) {
                    year += 1;
                    self.year = Some(year);
                }
                self.last_month = Some(y.month);
                y.with_year(year)?
            }
        };
        self.offset().from_local_datetime(&naive).single()
    }

    /// Resolves a stamp read before the year was known, once it is: a month more than six
    /// months after the anchor's belongs to the year before.
    pub(crate) fn resolve_held(&self, line: Local) -> Option<DateTime<FixedOffset>> {
        let naive = match line {
            Local::Naive(n) => n,
            Local::Yearless(y) => {
                let year = self.year?;
                let anchor = self.last_month.unwrap_or(y.month);
                y.with_year(if y.month > anchor + 6 { year - 1 } else { year })?
            }
        };
        self.offset().from_local_datetime(&naive).single()
    }

    /// Resolves a stamp without moving the calendar on (a look at a line's time).
    pub(crate) fn peek(&self, line: Local) -> Option<DateTime<FixedOffset>> {
        let naive = match line {
            Local::Naive(n) => n,
            Local::Yearless(y) => y.with_year(self.year?)?,
        };
        self.offset().from_local_datetime(&naive).single()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn ys(month: u32, day: u32, hms: &str) -> Local {
        Local::Yearless(YearlessStamp {
            month,
            day,
            time: NaiveTime::parse_from_str(hms, "%H:%M:%S").unwrap(),
        })
    }

    fn banner(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc2822(s).unwrap()
    }

    #[test]
    fn offset_and_year_from_a_banner() {
        let mut c = Calendar::default();
        c.learn(
            ys(11, 17, "19:31:23"),
            banner("Wed, 18 Nov 2015 00:31:22 +0000"),
        );
        assert_eq!(c.year(), Some(2015));
        assert_eq!(c.offset().local_minus_utc(), -5 * 3600);
        let t = c.resolve(ys(11, 17, "19:40:00"), 2000).unwrap();
        assert_eq!(t.to_rfc3339(), "2015-11-17T19:40:00-05:00");
    }

    #[test]
    fn the_year_is_the_one_nearest_the_banner_across_new_year() {
        let mut c = Calendar::default();
        // 19:00 on Dec 31 at UTC−5 is midnight of Jan 1 in UTC.
        c.learn(
            ys(12, 31, "19:00:00"),
            banner("Sun, 01 Jan 2023 00:00:00 +0000"),
        );
        assert_eq!(c.year(), Some(2022));
        assert_eq!(c.offset().local_minus_utc(), -5 * 3600);
        // The next line, after local midnight, rolls over.
        let t = c.resolve(ys(1, 1, "00:00:05"), 2000).unwrap();
        assert_eq!(t.to_rfc3339(), "2023-01-01T00:00:05-05:00");
    }

    #[test]
    fn the_latest_banner_wins_when_the_zone_changes() {
        let mut c = Calendar::default();
        c.learn(
            ys(5, 11, "07:20:40"),
            banner("Tue, 11 May 2021 07:20:40 +0000"),
        );
        assert_eq!(c.offset().local_minus_utc(), 0);
        // The timezone module ran: the next stage stamps in UTC+2.
        c.learn(
            ys(5, 11, "09:21:10"),
            banner("Tue, 11 May 2021 07:21:10 +0000"),
        );
        assert_eq!(c.offset().local_minus_utc(), 2 * 3600);
    }

    #[test]
    fn no_zone_is_further_than_fourteen_hours() {
        let mut c = Calendar::default();
        c.learn(
            ys(5, 11, "09:20:40"),
            banner("Tue, 11 May 2021 07:20:40 +0000"),
        );
        c.learn(
            ys(5, 12, "01:00:00"),
            banner("Tue, 11 May 2021 07:20:40 +0000"),
        );
        assert_eq!(c.offset().local_minus_utc(), 2 * 3600);
        assert!(c.taught());
    }

    #[test]
    fn a_gap_of_months_rolls_the_year_and_held_lines_take_the_year_before() {
        let mut c = Calendar::default();
        c.learn_year(2023, 1);
        // A December line held before the January anchor.
        let held = c.resolve_held(ys(12, 31, "23:59:58")).unwrap();
        assert_eq!(held.to_rfc3339(), "2022-12-31T23:59:58+00:00");
        let mut c = Calendar::default();
        c.learn_year(2022, 11);
        assert_eq!(
            c.resolve(ys(11, 30, "10:00:00"), 2000).unwrap().year(),
            2022
        );
        assert_eq!(c.resolve(ys(2, 2, "10:00:00"), 2000).unwrap().year(), 2023);
        // A month back by less than half a year is not a new year (an out-of-order line).
        assert_eq!(c.resolve(ys(1, 30, "10:00:00"), 2000).unwrap().year(), 2023);
    }

    #[test]
    fn naive_stamps_take_the_offset_only() {
        let mut c = Calendar::default();
        let n = NaiveDateTime::parse_from_str("2015-11-17 19:31:23", "%Y-%m-%d %H:%M:%S").unwrap();
        c.learn(Local::Naive(n), banner("Wed, 18 Nov 2015 00:31:22 +0000"));
        let t = c.resolve(Local::Naive(n), 2000).unwrap();
        assert_eq!(t.timestamp(), 1_447_806_683);
    }
}
