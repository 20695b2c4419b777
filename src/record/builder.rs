//! Building records from a stream of events: where a record begins (`init-local`, an uptime
//! reset, a `running` banner after `finished at`, a repeated stage, a `-- Boot Record NN --`
//! header), how starts and finishes pair into spans, and the record's clock (uptime where the
//! banners give it, else wall time).

use super::*;

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
