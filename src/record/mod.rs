//! cloud-init boot records: the events of one cloud-init run of a boot, as a tree of spans
//! (stages, modules, nested reporting events), built tolerantly from a stream of events.
//!
//! A new record begins at `init-local`, at an uptime reset, at a `running` banner after a
//! `finished at`, at a repeated top-level stage, and at an explicit `-- Boot Record NN --`
//! header of `cloud-init analyze` output. Events keep their order in the source. An unmatched
//! finish is a located warning, not a crash; a start that never finishes is reported as
//! unfinished, with the duration known up to the record's last event.
//!
//! Records are produced one at a time ([`Builder::push`] returns a finished record), so a
//! caller can stream a log of any size with memory bounded by one record.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::event::{
    epoch_secs as epoch, stage_of_action, uptime_went_back, BootClock, Event, EventKind, Location,
    StageResult, Stamp,
};
use crate::intern::{self, Text};

mod builder;

pub(crate) use builder::Builder;

/// A moment inside a record: the source's stamp plus the time on the record's clock.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Moment {
    /// Wall-clock time, when the source gave one.
    pub(crate) wall: Option<DateTime<FixedOffset>>,
    /// Seconds on the record's clock (see [`RecordClock`]), once aligned.
    pub(crate) t: Option<f64>,
}

/// Which clock a record's `t` values are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RecordClock {
    /// cloud-init's uptime (`Up N seconds`), wall times mapped through the latest banner. Immune
    /// to wall-clock jumps between banners.
    Uptime,
    /// Wall clock, seconds since the record's first event (no banner gave an uptime).
    Wall,
    /// Offsets printed by `cloud-init analyze show` (`@01.23400s`).
    Offset,
    /// No times at all (a `blame` output gives only durations).
    None,
}

/// How a span ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum SpanEnd {
    /// A matching finish was read.
    Finished {
        /// When.
        at: Moment,
        /// The finish's result.
        result: StageResult,
        /// The finish's description.
        description: Text,
        /// The finish's own `(duration: …)`/`took N seconds`, when stated.
        stated_secs: Option<f64>,
        /// Where the finish was read.
        source: Location,
    },
    /// Only a duration is known (analyze `blame`/`show` inputs).
    Stated {
        /// The stated duration in seconds.
        secs: f64,
        /// Result, when stated.
        result: Option<StageResult>,
    },
    /// No finish before the record ended: the span was still running when the log stopped (or
    /// its finish was lost).
    Unfinished {
        /// The record's last moment: the span ran at least until then.
        last_seen: Moment,
    },
}

/// One span of a record: a stage, a module or a nested reporting event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Span {
    /// Event name, `stage[/child…]`.
    pub(crate) name: Text,
    /// The start's description.
    pub(crate) description: Text,
    /// Nesting depth in the record's tree (0 for a stage).
    pub(crate) depth: usize,
    /// When it started.
    pub(crate) start: Moment,
    /// How it ended.
    pub(crate) end: SpanEnd,
    /// True when its finish directly followed its start (no event between): what `cloud-init
    /// analyze blame` lists.
    pub(crate) leaf: bool,
    /// Where the start was read.
    pub(crate) source: Location,
    /// Its start is a `running` banner and no `start:` event followed: the banner says when
    /// the stage started, not how long it ran.
    #[serde(skip)]
    pub(crate) from_banner: bool,
}

impl Span {
    /// Whether all that is known of the span is that it started: a banner and no finish. It
    /// has no duration (the gap to the next banner includes the idle time between stages).
    pub(crate) fn start_only(&self) -> bool {
        self.from_banner && matches!(self.end, SpanEnd::Unfinished { .. })
    }

    /// Duration in seconds: finish minus start on the wall clock (as `cloud-init analyze`
    /// measures it), else on the record clock, else the stated one; for an unfinished span, the
    /// time known so far, unless only its start is known ([`Span::start_only`]).
    pub(crate) fn duration_secs(&self) -> Option<f64> {
        if self.start_only() {
            return None;
        }
        let between = |a: &Moment, b: &Moment| match (a.wall, b.wall) {
            (Some(x), Some(y)) => Some(wall_diff(x, y)),
            _ => match (a.t, b.t) {
                (Some(x), Some(y)) => Some(y - x),
                _ => None,
            },
        };
        match &self.end {
            SpanEnd::Finished {
                at, stated_secs, ..
            } => between(&self.start, at).or(*stated_secs),
            SpanEnd::Stated { secs, .. } => Some(*secs),
            SpanEnd::Unfinished { last_seen } => between(&self.start, last_seen),
        }
    }

    /// The result, when known.
    pub(crate) fn result(&self) -> Option<StageResult> {
        match &self.end {
            SpanEnd::Finished { result, .. } => Some(*result),
            SpanEnd::Stated { result, .. } => *result,
            SpanEnd::Unfinished { .. } => None,
        }
    }

    /// The description to show: the finish's, else the start's.
    pub(crate) fn shown_description(&self) -> &str {
        match &self.end {
            SpanEnd::Finished { description, .. } if !description.is_empty() => description,
            _ => &self.description,
        }
    }
}

fn wall_diff(a: DateTime<FixedOffset>, b: DateTime<FixedOffset>) -> f64 {
    let d = b.signed_duration_since(a);
    d.num_seconds() as f64 + f64::from(d.subsec_nanos()) / 1e9
}

/// A cloud-init banner seen in a record, with its uptime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BannerMark {
    /// `running '<action>'` action, or `finished`.
    pub(crate) what: String,
    /// cloud-init version.
    pub(crate) version: String,
    /// The line's wall-clock time.
    pub(crate) wall: Option<DateTime<FixedOffset>>,
    /// `Up N seconds`.
    pub(crate) up_secs: Option<f64>,
    /// Where it was read.
    pub(crate) source: Location,
}

/// Why a record began where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Boundary {
    /// The first record of the input.
    Start,
    /// An `init-local` stage began.
    InitLocal,
    /// A banner's uptime went back: the machine rebooted.
    UptimeReset,
    /// A `running` banner after a `finished at` banner.
    RunningAfterFinished,
    /// A top-level stage began a second time.
    RepeatedStage,
    /// An explicit `-- Boot Record NN --` header.
    Header,
}

/// One cloud-init boot record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// 1-based number within its input.
    pub(crate) number: usize,
    /// Why it began.
    pub(crate) boundary: Boundary,
    /// The clock `t` values are on.
    pub(crate) clock: RecordClock,
    /// Spans in the order they started.
    pub(crate) spans: Vec<Span>,
    /// Banners in order.
    pub(crate) banners: Vec<BannerMark>,
    /// Finishes that matched no open start.
    pub(crate) unmatched_finishes: Vec<Location>,
    /// The record's first and last moments.
    pub(crate) first: Option<Moment>,
    /// See `first`.
    pub(crate) last: Option<Moment>,
}

impl Record {
    /// The real span of the record, first to last event, on its clock.
    pub(crate) fn total_secs(&self) -> Option<f64> {
        match (self.first.and_then(|m| m.t), self.last.and_then(|m| m.t)) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        }
    }

    /// The sum of the top-level stages' durations (what `cloud-init analyze show` calls Total
    /// Time, minus its double counting of nested stages).
    pub(crate) fn stage_sum_secs(&self) -> f64 {
        self.spans
            .iter()
            .filter(|s| s.depth == 0 && !matches!(s.end, SpanEnd::Unfinished { .. }))
            .filter_map(Span::duration_secs)
            // From +0: an empty `sum()` of floats is -0, printed as "-0.00000".
            .fold(0.0, |sum, d| sum + d)
    }
}

/// Whether an event name is a top-level stage (`init-local`), not a child (`init-local/x`).
pub(crate) fn is_stage(name: &str) -> bool {
    !name.bytes().any(|b| b == b'/')
}

/// Builds every record of an event sequence (for small inputs and tests; large inputs use
/// [`Builder`] directly to stream).
pub fn build(events: impl IntoIterator<Item = Event>) -> Vec<Record> {
    let mut b = Builder::new();
    let mut out: Vec<Record> = events.into_iter().filter_map(|e| b.push(e)).collect();
    out.extend(b.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SinceBoot;

    fn at(line: u64) -> Location {
        Location::new("t".into(), line)
    }

    fn wall(s: &str) -> Stamp {
        Stamp::wall(DateTime::parse_from_rfc3339(s).unwrap())
    }

    fn banner(action: &str, w: &str, up: f64, line: u64) -> Event {
        let mut s = wall(w);
        s.since_boot = Some(SinceBoot {
            clock: BootClock::Uptime,
            secs: up,
        });
        Event::new(
            EventKind::StageBanner {
                version: "1".into(),
                action: action.into(),
            },
            s,
            at(line),
        )
    }

    fn start(name: &str, w: &str, line: u64) -> Event {
        Event::new(
            EventKind::Start {
                name: name.to_string().into(),
                description: "d".into(),
            },
            wall(w),
            at(line),
        )
    }

    fn finish(name: &str, w: &str, line: u64) -> Event {
        Event::new(
            EventKind::Finish {
                name: name.to_string().into(),
                result: StageResult::Success,
                description: "f".into(),
                duration_secs: None,
            },
            wall(w),
            at(line),
        )
    }

    #[test]
    fn tree_leaves_durations_and_uptime_total() {
        let recs = build([
            banner("init-local", "2024-01-01T00:00:10Z", 5.0, 1),
            start("init-local/a", "2024-01-01T00:00:11Z", 2),
            finish("init-local/a", "2024-01-01T00:00:12.5Z", 3),
            finish("init-local", "2024-01-01T00:00:13Z", 4),
            // The wall clock jumps a day; the uptime banner keeps the record honest.
            banner("init", "2024-01-02T00:00:00Z", 9.0, 5),
            finish("init-network", "2024-01-02T00:00:01Z", 6),
        ]);
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.clock, RecordClock::Uptime);
        assert_eq!(r.spans.len(), 3);
        assert!(r.spans[1].leaf && !r.spans[0].leaf);
        assert_eq!(r.spans[1].duration_secs(), Some(1.5));
        assert_eq!(r.spans[0].duration_secs(), Some(3.0));
        assert_eq!(r.spans[1].depth, 1);
        assert_eq!(r.total_secs(), Some(5.0));
        assert_eq!(r.stage_sum_secs(), 4.0);
    }

    #[test]
    fn splits_at_init_local_uptime_reset_and_after_finished() {
        let fin = |w: &str, up: f64, line| {
            let mut s = wall(w);
            s.since_boot = Some(SinceBoot {
                clock: BootClock::Uptime,
                secs: up,
            });
            Event::new(
                EventKind::FinishedBanner {
                    version: "1".into(),
                    datasource: None,
                },
                s,
                at(line),
            )
        };
        let recs = build([
            banner("init-local", "2024-01-01T00:00:10Z", 5.0, 1),
            banner("init", "2024-01-01T00:00:12Z", 7.0, 2),
            fin("2024-01-01T00:00:20Z", 15.0, 3),
            banner("modules:final", "2024-01-01T00:10:00Z", 600.0, 4),
            banner("init", "2024-01-01T01:00:00Z", 3.0, 5),
            banner("init-local", "2024-01-01T02:00:00Z", 4.0, 6),
        ]);
        let why: Vec<Boundary> = recs.iter().map(|r| r.boundary).collect();
        assert_eq!(
            why,
            [
                Boundary::Start,
                Boundary::RunningAfterFinished,
                Boundary::UptimeReset,
                Boundary::InitLocal
            ]
        );
    }

    #[test]
    fn unmatched_finish_and_dangling_start_are_tolerated() {
        let recs = build([
            finish("modules-final/x", "2024-01-01T00:00:01Z", 1),
            start("modules-final", "2024-01-01T00:00:02Z", 2),
            start("modules-final/scripts-user", "2024-01-01T00:00:03Z", 3),
            finish("nothing", "2024-01-01T00:00:09Z", 4),
        ]);
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.unmatched_finishes.len(), 2);
        assert_eq!(r.unmatched_finishes[0].line, 1);
        assert!(matches!(r.spans[1].end, SpanEnd::Unfinished { .. }));
        assert_eq!(r.spans[1].duration_secs(), Some(6.0));
    }

    #[test]
    fn banner_then_start_of_the_same_stage_is_one_span() {
        let recs = build([
            banner("init-local", "2024-01-01T00:00:10Z", 5.0, 1),
            start("init-local", "2024-01-01T00:00:10.5Z", 2),
            finish("init-local", "2024-01-01T00:00:11Z", 3),
        ]);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].spans.len(), 1);
        assert_eq!(recs[0].spans[0].duration_secs(), Some(0.5));
        assert!(recs[0].spans[0].leaf);
    }
}
