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

#[derive(Debug, Default)]
struct Partial {
    boundary: Option<Boundary>,
    spans: Vec<Span>,
    raw_starts: Vec<Stamp>,
    raw_ends: Vec<Option<Stamp>>,
    banners: Vec<BannerMark>,
    unmatched: Vec<Location>,
    /// Open spans: (index into spans, sequence number of its start, came from a banner).
    stack: Vec<(usize, u64, bool)>,
    stages_started: Vec<Text>,
    saw_finished_banner: bool,
    last_up: Option<f64>,
    first: Option<Stamp>,
    last: Option<Stamp>,
    events: usize,
    /// Began with an explicit header: a record even if nothing follows.
    headed: bool,
}

impl Partial {
    fn is_empty(&self) -> bool {
        self.events == 0
    }

    fn worth_closing(&self) -> bool {
        self.events > 0 || self.headed
    }

    fn touch(&mut self, s: Stamp) {
        if s.wall.is_none() && s.since_boot.is_none() {
            return;
        }
        if self.first.is_none() {
            self.first = Some(s);
        }
        self.last = Some(s);
    }
}

/// Builds records from a stream of events, one record at a time.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    current: Partial,
    number: usize,
    seq: u64,
}

impl Builder {
    /// A new builder.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds an event; returns the previous record when this event began a new one.
    pub(crate) fn push(&mut self, e: Event) -> Option<Record> {
        match e.kind {
            EventKind::StageBanner { version, action } => {
                self.stage_banner(version, &action, e.stamp, e.source)
            }
            EventKind::FinishedBanner { version, .. } => {
                self.finished_banner(version, e.stamp, e.source)
            }
            EventKind::Start { name, description } => {
                self.start_event(name, description, e.stamp, e.source)
            }
            EventKind::Finish {
                name,
                result,
                description,
                duration_secs,
            } => {
                let stated_secs = duration_secs;
                self.end_span(name, result, description, stated_secs, e.stamp, e.source);
                None
            }
            EventKind::Span {
                name,
                description,
                duration_secs,
                result,
            } => {
                self.stated_span(name, description, duration_secs, result, e.stamp, e.source);
                None
            }
            EventKind::BootRecord { .. } => {
                let done = self.current.worth_closing().then(|| self.close());
                self.current.boundary = Some(Boundary::Header);
                self.current.headed = true;
                done
            }
            _ => None,
        }
    }

    /// Closes the current record, when it holds anything, for a new one that begins for `why`;
    /// returns the closed one.
    fn split(&mut self, why: Boundary) -> Option<Record> {
        let done = self.current.worth_closing().then(|| self.close());
        if self.current.boundary.is_none() {
            self.current.boundary = Some(why);
        }
        done
    }

    /// A `running '<action>'` banner: the start of its stage, in a new record when it begins
    /// one ([`Builder::banner_boundary`]), or a note on the stage already open.
    fn stage_banner(
        &mut self,
        version: String,
        action: &str,
        stamp: Stamp,
        source: Location,
    ) -> Option<Record> {
        let stage = stage_of_action(action);
        let up = stamp.since_boot.map(|s| s.secs);
        let c = &self.current;
        // Newer versions log `start: <stage>` before the stage's banner: the banner
        // then belongs to the open stage.
        let open_stage = c.stack.first().map(|&(i, _, _)| &*c.spans[i].name);
        if open_stage == Some(stage.as_str())
            && up
                .zip(c.last_up)
                .is_none_or(|(u, l)| !uptime_went_back(l, u))
        {
            self.note_banner(action, version, &stamp, source);
            self.current.events += 1;
            self.current.touch(stamp);
            return None;
        }
        let done = self
            .banner_boundary(&stage, up)
            .and_then(|why| self.split(why));
        self.note_banner(action, version, &stamp, source.clone());
        self.start(intern::shared(&stage), "".into(), stamp, source, true);
        done
    }

    /// Why a `running` banner of `stage` (at uptime `up`) begins a new record, if it does: the
    /// uptime went back, a `finished at` banner came before, the stage is `init-local`, or it
    /// ran already.
    fn banner_boundary(&self, stage: &str, up: Option<f64>) -> Option<Boundary> {
        let c = &self.current;
        if c.is_empty() {
            None
        } else if up
            .zip(c.last_up)
            .is_some_and(|(u, last)| uptime_went_back(last, u))
        {
            Some(Boundary::UptimeReset)
        } else if c.saw_finished_banner {
            Some(Boundary::RunningAfterFinished)
        } else if stage == "init-local" {
            Some(Boundary::InitLocal)
        } else if c.stages_started.iter().any(|s| **s == *stage) {
            Some(Boundary::RepeatedStage)
        } else {
            None
        }
    }

    /// The `finished at` banner, in a new record when its uptime went back.
    fn finished_banner(
        &mut self,
        version: String,
        stamp: Stamp,
        source: Location,
    ) -> Option<Record> {
        let up = stamp.since_boot.map(|s| s.secs);
        let c = &self.current;
        let mut done = None;
        if !c.is_empty()
            && up
                .zip(c.last_up)
                .is_some_and(|(u, last)| uptime_went_back(last, u))
        {
            done = self.split(Boundary::UptimeReset);
        }
        self.note_banner("finished", version, &stamp, source);
        self.current.saw_finished_banner = true;
        self.current.events += 1;
        self.current.touch(stamp);
        done
    }

    /// A `start:` event: the start of a span, in a new record when it is an `init-local` or a
    /// stage that ran already; the start of the stage its banner just opened is the same span.
    fn start_event(
        &mut self,
        name: Text,
        description: Text,
        stamp: Stamp,
        source: Location,
    ) -> Option<Record> {
        // `running 'init-local'` directly followed by `start: init-local:` is one start.
        let dup_of_banner = self.current.stack.last().is_some_and(|&(i, s, banner)| {
            banner && s == self.seq && intern::same(&self.current.spans[i].name, &name)
        });
        if dup_of_banner {
            self.replace_banner_start(description, stamp, source);
            return None;
        }
        let mut done = None;
        if is_stage(&name) && !self.current.is_empty() {
            if &*name == "init-local" {
                done = self.split(Boundary::InitLocal);
            } else if self.current.stages_started.contains(&name) {
                done = self.split(Boundary::RepeatedStage);
            }
        }
        self.start(name, description, stamp, source, false);
        done
    }

    /// A `finish:` event: ends the latest open span of its name (the spans opened above it
    /// never finished), or is an unmatched finish.
    fn end_span(
        &mut self,
        name: Text,
        result: StageResult,
        description: Text,
        stated_secs: Option<f64>,
        stamp: Stamp,
        source: Location,
    ) {
        self.next_event(stamp);
        let pos = self
            .current
            .stack
            .iter()
            .rposition(|&(i, _, _)| intern::same(&self.current.spans[i].name, &name));
        let Some(k) = pos else {
            self.current.unmatched.push(source);
            return;
        };
        // Anything opened above the match never finished.
        self.current.stack.truncate(k + 1);
        let (i, start_seq, _) = self.current.stack.pop().expect("k is in range");
        self.current.spans[i].leaf = start_seq + 1 == self.seq;
        self.current.raw_ends[i] = Some(stamp);
        self.current.spans[i].end = SpanEnd::Finished {
            at: Moment {
                wall: stamp.wall,
                t: None,
            },
            result,
            description,
            stated_secs,
            source,
        };
    }

    /// A span known by its duration (`cloud-init analyze` output), inside the spans open.
    fn stated_span(
        &mut self,
        name: Text,
        description: Text,
        secs: f64,
        result: Option<StageResult>,
        stamp: Stamp,
        source: Location,
    ) {
        self.next_event(stamp);
        let depth = self.current.stack.len();
        self.current.spans.push(Span {
            name,
            description,
            depth,
            start: Moment {
                wall: stamp.wall,
                t: None,
            },
            end: SpanEnd::Stated { secs, result },
            leaf: true,
            source,
            from_banner: false,
        });
        self.current.raw_starts.push(stamp);
        self.current.raw_ends.push(None);
    }

    fn note_banner(&mut self, what: &str, version: String, stamp: &Stamp, source: Location) {
        let up = stamp.since_boot.map(|s| s.secs);
        if up.is_some() {
            self.current.last_up = up;
        }
        self.current.banners.push(BannerMark {
            what: what.to_string(),
            version,
            wall: stamp.wall,
            up_secs: up,
            source,
        });
    }

    fn start(
        &mut self,
        name: Text,
        description: Text,
        stamp: Stamp,
        source: Location,
        banner: bool,
    ) {
        self.next_event(stamp);
        let c = &mut self.current;
        if is_stage(&name) {
            // Stages do not nest: whatever is still open did not finish.
            c.stack.clear();
            if !c.stages_started.contains(&name) {
                c.stages_started.push(name.clone());
            }
        }
        c.spans.push(Span {
            name,
            description,
            depth: c.stack.len(),
            start: Moment {
                wall: stamp.wall,
                t: None,
            },
            end: SpanEnd::Unfinished {
                last_seen: Moment {
                    wall: None,
                    t: None,
                },
            },
            leaf: false,
            source,
            from_banner: banner,
        });
        c.raw_starts.push(stamp);
        c.raw_ends.push(None);
        c.stack.push((c.spans.len() - 1, self.seq, banner));
    }

    /// Counts one more event of the record, in sequence, seen at `stamp`.
    fn next_event(&mut self, stamp: Stamp) {
        self.seq += 1;
        self.current.events += 1;
        self.current.touch(stamp);
    }

    fn replace_banner_start(&mut self, description: Text, stamp: Stamp, source: Location) {
        self.next_event(stamp);
        let c = &mut self.current;
        let Some(top) = c.stack.last_mut() else {
            return;
        };
        top.1 = self.seq;
        top.2 = false;
        let i = top.0;
        let span = &mut c.spans[i];
        span.description = description;
        span.from_banner = false;
        span.start.wall = stamp.wall;
        span.source = source;
        // Keep the banner's uptime: the start line has none of its own.
        let up = c.raw_starts[i].since_boot;
        c.raw_starts[i] = Stamp {
            wall: stamp.wall,
            since_boot: stamp.since_boot.or(up),
        };
    }

    fn close(&mut self) -> Record {
        // The next record is likely the size of this one: reserve for it up front rather than
        // growing (and copying) its vectors span by span.
        let spans = self.current.spans.len();
        let next = Partial {
            spans: Vec::with_capacity(spans),
            raw_starts: Vec::with_capacity(spans),
            raw_ends: Vec::with_capacity(spans),
            ..Partial::default()
        };
        let p = std::mem::replace(&mut self.current, next);
        self.number += 1;
        finalize(p, self.number)
    }

    /// Ends the input: returns the last record, if it holds anything.
    pub(crate) fn finish(mut self) -> Option<Record> {
        if !self.current.worth_closing() {
            return None;
        }
        Some(self.close())
    }
}

/// Whether an event name is a top-level stage (`init-local`), not a child (`init-local/x`).
pub(crate) fn is_stage(name: &str) -> bool {
    !name.bytes().any(|b| b == b'/')
}

/// Maps a stamp to the record clock.
struct Aligner {
    clock: RecordClock,
    /// (wall epoch secs, uptime secs) per banner that has both, in order.
    anchors: Vec<(f64, f64)>,
    wall_zero: Option<f64>,
}

impl Aligner {
    fn new(p: &Partial) -> Self {
        let anchors: Vec<(f64, f64)> = p
            .banners
            .iter()
            .filter_map(|b| Some((epoch(b.wall?), b.up_secs?)))
            .collect();
        let offsets = p
            .raw_starts
            .iter()
            .any(|s| s.since_boot.is_some_and(|b| b.clock == BootClock::Record));
        let wall_zero = p.first.and_then(|s| s.wall).map(epoch);
        let clock = if !anchors.is_empty() {
            RecordClock::Uptime
        } else if offsets {
            RecordClock::Offset
        } else if wall_zero.is_some() {
            RecordClock::Wall
        } else {
            RecordClock::None
        };
        Self {
            clock,
            anchors,
            wall_zero,
        }
    }

    fn t(&self, s: &Stamp) -> Option<f64> {
        match self.clock {
            RecordClock::Uptime => {
                if let Some(b) = s.since_boot.filter(|b| b.clock == BootClock::Uptime) {
                    return Some(b.secs);
                }
                let w = epoch(s.wall?);
                // Through the latest banner at or before this moment (else the first one)...
                let k = self
                    .anchors
                    .iter()
                    .rposition(|(bw, _)| *bw <= w + 1e-9)
                    .unwrap_or(0);
                let (bw, up) = *self.anchors.get(k)?;
                let t = up + (w - bw);
                // ...unless that lands after the next banner's uptime: the wall clock jumped
                // between the two banners, before this moment, so the next one maps it.
                match self.anchors.get(k + 1) {
                    Some(&(nw, nup)) if t > nup => Some(nup + (w - nw)),
                    _ => Some(t),
                }
            }
            RecordClock::Offset => s.since_boot.map(|b| b.secs),
            RecordClock::Wall => Some(epoch(s.wall?) - self.wall_zero?),
            RecordClock::None => None,
        }
    }
}

fn finalize(mut p: Partial, number: usize) -> Record {
    let align = Aligner::new(&p);
    let moment = |s: &Stamp| Moment {
        wall: s.wall,
        t: align.t(s),
    };
    let last = p.last.as_ref().map(moment);
    let first = p.first.as_ref().map(moment);
    for (i, span) in p.spans.iter_mut().enumerate() {
        span.start = moment(&p.raw_starts[i]);
        match &mut span.end {
            SpanEnd::Finished { at, .. } => {
                if let Some(end) = &p.raw_ends[i] {
                    *at = moment(end);
                }
            }
            SpanEnd::Unfinished { last_seen } => {
                *last_seen = last.unwrap_or(Moment {
                    wall: None,
                    t: None,
                });
            }
            SpanEnd::Stated { .. } => {}
        }
    }
    Record {
        number,
        boundary: p.boundary.unwrap_or(Boundary::Start),
        clock: align.clock,
        spans: p.spans,
        banners: p.banners,
        unmatched_finishes: p.unmatched,
        first,
        last,
    }
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
