//! Clock alignment: where a source's wall times lie on its boot's since-boot clock.
//!
//! Every dual-stamped point (a banner's wall time and `Up N seconds`, a journald line's realtime
//! and monotonic stamps, a console line with both) is an [`Anchor`]: its wall time minus its
//! since-boot time is the wall clock's offset at that moment. Wall clocks step during boot
//! (chrony or NTP `makestep`, hypervisor time sync, an RTC kept in local time until the network
//! is up), so one offset per source is wrong on one side of every step. [`Segmenter`] cuts a
//! source's anchors, in the order the source wrote them, into segments of one offset each: a
//! change of offset between consecutive anchors larger than [`STEP_MIN_SECS`] plus both
//! anchors' resolution is a step ([`super::ClockStep`]). Slow drift (a clock slewed, not
//! stepped) stays one segment; its spread is the skew.
//!
//! A wall time maps through the offset of its segment ([`ClockMap::to_boot`]). The kernel's
//! zero on the wall clock is the last segment's: after its last step the clock is the one the
//! machine was synchronised to, the one the platform's events are stamped with.

use super::ClockStep as Step;
use crate::event::{epoch_secs, BootClock, Location, Stamp};

/// A time as a source knows it: wall clock, or seconds since the kernel's zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum When {
    /// Epoch seconds.
    Wall(f64),
    /// Seconds since the kernel started (kernel, uptime and journald clocks).
    Boot(f64),
}

/// A change of offset between consecutive anchors is a step when larger than this plus both
/// anchors' resolution, seconds.
pub(crate) const STEP_MIN_SECS: f64 = 1.0;

/// A point stamped in both clocks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Anchor {
    /// Wall-clock epoch seconds.
    pub(crate) wall: f64,
    /// Seconds since the kernel's zero.
    pub(crate) since_boot: f64,
    /// How far the wall − since-boot offset may be off from the stamps' resolution alone, seconds.
    pub(crate) resolution_secs: f64,
}

impl Anchor {
    /// The anchor a stamp is, when it has a wall time and a kernel-zero clock.
    ///
    /// A wall time without a fraction is read as whole seconds (cloud-init's banners, journald
    /// `short`); with one, to the millisecond. `Up N seconds` has two decimals; kernel and
    /// journald monotonic stamps, microseconds.
    pub(crate) fn of(stamp: &Stamp) -> Option<Self> {
        let (wall, b) = (stamp.wall?, stamp.since_boot?);
        let boot_resolution = match b.clock {
            BootClock::Uptime => 0.01,
            BootClock::Kernel | BootClock::Journal => 1e-6,
            BootClock::Record | BootClock::Userspace => return None,
        };
        let wall_resolution = if wall.timestamp_subsec_nanos() == 0 {
            1.0
        } else {
            1e-3
        };
        Some(Self {
            wall: epoch_secs(wall),
            since_boot: b.secs,
            resolution_secs: wall_resolution + boot_resolution,
        })
    }

    /// Wall minus since-boot: the wall time of the kernel's zero, as this anchor sees it.
    fn offset(&self) -> f64 {
        self.wall - self.since_boot
    }
}

/// Anchors of one offset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    /// Since-boot seconds of its first anchor.
    pub(crate) from_secs: f64,
    /// Since-boot seconds of its last anchor.
    pub(crate) to_secs: f64,
    /// Smallest and largest wall-only time read after its first anchor and before the next
    /// segment's (before any anchor, for the first): the moments that may lie on its clock.
    pub(crate) walls: Option<(f64, f64)>,
    /// The same, of those read after its last anchor: they may lie past the step that ends it.
    pub(crate) tail: Option<(f64, f64)>,
    /// The wall time of the kernel's zero on this segment's clock (the median of its anchors').
    pub(crate) offset: f64,
    /// Largest minus smallest of its anchors' offsets, seconds.
    pub(crate) spread: f64,
}

/// The segments and steps of one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ClockMap {
    /// In source order.
    pub(crate) segments: Vec<Segment>,
    /// Between consecutive segments, on the since-boot clock.
    pub(crate) steps: Vec<Step>,
}

impl ClockMap {
    /// The wall time of the kernel's zero: the last segment's (the clock after its last step).
    pub(crate) fn kernel_zero(&self) -> Option<f64> {
        self.segments.last().map(|s| s.offset)
    }

    /// The largest spread of offsets within one segment (what is left once steps are known).
    pub(crate) fn skew(&self) -> Option<f64> {
        self.segments.iter().map(|s| s.spread).reduce(f64::max)
    }

    /// Since-boot seconds of a wall time, through the offset of its segment.
    ///
    /// Its segment is the one it was read in (the latest whose wall-only times span it; a wall
    /// clock set back reads some times twice), else the latest that had begun by then. A time
    /// read after a segment's last anchor may lie past the step that ends it: when its own
    /// segment places it after the next one began, or before its own last anchor, the step
    /// came first and the next segment's offset maps it. Otherwise nothing tells on which side
    /// of a step it lies, and the earlier side is assumed.
    pub(crate) fn to_boot(&self, wall: f64) -> Option<f64> {
        let on = |s: &Segment| wall - s.offset;
        let spans = |r: Option<(f64, f64)>| r.is_some_and(|(lo, hi)| lo <= wall && wall <= hi);
        let read_in = self.segments.iter().rposition(|s| spans(s.walls));
        let k = read_in
            .or_else(|| {
                self.segments
                    .iter()
                    .rposition(|s| on(s) >= s.from_secs - STEP_MIN_SECS)
            })
            .unwrap_or(0);
        let own = self.segments.get(k)?;
        let t = on(own);
        let past_step = |next: &Segment| {
            t > next.from_secs
                || (spans(own.tail) && read_in == Some(k) && t < own.to_secs - STEP_MIN_SECS)
        };
        match self.segments.get(k + 1) {
            Some(next) if past_step(next) => Some(on(next)),
            _ => Some(t),
        }
    }
}

/// Builds a [`ClockMap`] from a source's anchors in the order it wrote them, keeping one
/// segment's offsets at a time.
#[derive(Debug, Default)]
pub(crate) struct Segmenter {
    map: ClockMap,
    /// The open segment's first since-boot time and offsets.
    open: Option<(f64, Vec<f64>)>,
    last: Option<Anchor>,
    /// Wall-only times read per segment (by index), smallest and largest.
    walls: Vec<Option<(f64, f64)>>,
    /// Those read since the latest anchor.
    tail: Option<(f64, f64)>,
}

fn widen(r: Option<(f64, f64)>, x: f64) -> Option<(f64, f64)> {
    Some(r.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
}

impl Segmenter {
    /// Notes a wall-only time read now (it lies on the current segment's clock, or past a step
    /// the next anchor will show).
    pub(crate) fn note_wall(&mut self, wall: f64) {
        let k = self.map.segments.len();
        if self.walls.len() <= k {
            self.walls.resize(k + 1, None);
        }
        self.walls[k] = widen(self.walls[k], wall);
        self.tail = widen(self.tail, wall);
    }

    /// Adds the next anchor, read at `source`.
    pub(crate) fn push(&mut self, a: Anchor, source: &Location) {
        if let Some(prev) = self.last {
            let change = a.offset() - prev.offset();
            if change.abs() > STEP_MIN_SECS + prev.resolution_secs + a.resolution_secs {
                self.close();
                self.map.steps.push(Step {
                    after_secs: prev.since_boot,
                    by_secs: a.since_boot,
                    step_secs: change,
                    source: source.to_string(),
                });
            }
        }
        self.last = Some(a);
        self.tail = None;
        self.open
            .get_or_insert_with(|| (a.since_boot, Vec::new()))
            .1
            .push(a.offset());
    }

    fn close(&mut self) {
        let Some((from_secs, mut offsets)) = self.open.take() else {
            return;
        };
        offsets.sort_by(f64::total_cmp);
        let k = self.map.segments.len();
        self.map.segments.push(Segment {
            from_secs,
            to_secs: self.last.map_or(from_secs, |a| a.since_boot),
            walls: self.walls.get(k).copied().flatten(),
            tail: self.tail.take(),
            offset: offsets[offsets.len() / 2],
            spread: offsets[offsets.len() - 1] - offsets[0],
        });
    }

    /// The map of every anchor pushed.
    pub(crate) fn finish(mut self) -> ClockMap {
        self.close();
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64) -> Location {
        Location::new("cloud-init.log".into(), line)
    }

    /// A banner read from a cloud-init.log line: millisecond wall, `Up` to two decimals.
    fn banner(wall: f64, up: f64) -> Anchor {
        Anchor {
            wall,
            since_boot: up,
            resolution_secs: 1e-3 + 0.01,
        }
    }

    fn map(anchors: &[Anchor]) -> ClockMap {
        let mut s = Segmenter::default();
        for (k, a) in anchors.iter().enumerate() {
            s.push(*a, &at(k as u64 + 1));
        }
        s.finish()
    }

    /// A map from anchors and the wall-only times read between them, in source order.
    fn map_read(items: &[Result<Anchor, f64>]) -> ClockMap {
        let mut s = Segmenter::default();
        for (k, item) in items.iter().enumerate() {
            match item {
                Ok(a) => s.push(*a, &at(k as u64 + 1)),
                Err(wall) => s.note_wall(*wall),
            }
        }
        s.finish()
    }

    const T0: f64 = 1_714_564_800.0;

    #[test]
    fn one_offset_without_steps_and_drift_is_skew() {
        let m = map(&[
            banner(T0 + 5.21, 5.21),
            banner(T0 + 8.76, 8.76),
            banner(T0 + 91.46, 91.16),
        ]);
        assert_eq!(m.segments.len(), 1);
        assert!(m.steps.is_empty());
        assert_eq!(m.kernel_zero(), Some(T0));
        assert!((m.skew().unwrap() - 0.3).abs() < 1e-6);
    }

    #[test]
    fn a_forward_step_makes_two_segments_and_the_later_one_is_the_zero() {
        let m = map(&[
            banner(T0 + 5.21, 5.21),
            banner(T0 + 8.76, 8.76),
            banner(T0 + 9.0 + 12.48, 12.48),
            banner(T0 + 9.0 + 13.31, 13.31),
        ]);
        assert_eq!(m.segments.len(), 2);
        assert_eq!(
            m.steps,
            [Step {
                after_secs: 8.76,
                by_secs: 12.48,
                step_secs: 9.0,
                source: "cloud-init.log:3".into()
            }]
        );
        assert!((m.kernel_zero().unwrap() - (T0 + 9.0)).abs() < 1e-6);
        // Before the step through the first offset, after it through the second.
        assert!((m.to_boot(T0 + 10.33).unwrap() - 10.33).abs() < 1e-6);
        assert!((m.to_boot(T0 + 9.0 + 12.9).unwrap() - 12.9).abs() < 1e-6);
        assert!((m.to_boot(T0 + 9.0 + 91.1).unwrap() - 91.1).abs() < 1e-6);
        // Through the first, this would land after the second began: the step came first.
        assert!((m.to_boot(T0 + 9.0 + 12.0).unwrap() - 12.0).abs() < 1e-6);
    }

    #[test]
    fn a_backward_step_and_a_step_back_again() {
        // An RTC in local time (UTC+2) until the network is up, then back and forth by NTP.
        let m = map_read(&[
            Ok(banner(T0 + 7200.0 + 3.0, 3.0)),
            Err(T0 + 7200.0 + 4.0),
            Ok(banner(T0 + 20.0, 20.0)),
            Ok(banner(T0 + 25.0 - 4.0, 25.0)),
            Ok(banner(T0 + 30.0, 30.0)),
            Err(T0 + 40.0),
        ]);
        let steps: Vec<(f64, f64)> = m
            .steps
            .iter()
            .map(|s| (s.after_secs, s.step_secs.round()))
            .collect();
        assert_eq!(steps, [(3.0, -7200.0), (20.0, -4.0), (25.0, 4.0)]);
        assert_eq!(m.segments.len(), 4);
        // Read before the clock was set back: on the RTC's offset, not the latest segment's.
        assert!((m.to_boot(T0 + 7200.0 + 4.0).unwrap() - 4.0).abs() < 1e-6);
        assert!((m.to_boot(T0 + 40.0).unwrap() - 40.0).abs() < 1e-6);
    }

    #[test]
    fn a_time_read_after_the_last_anchor_before_a_step_may_lie_past_it() {
        // Set back by 30 s between anchors at 20 s and 40 s; two lines read in between, at
        // 22 s (before the step) and 31 s (after it: through the old offset it would lie at
        // 1 s, before the anchor it was read after).
        let m = map_read(&[
            Ok(banner(T0 + 20.0, 20.0)),
            Err(T0 + 22.0),
            Err(T0 - 30.0 + 31.0),
            Ok(banner(T0 - 30.0 + 40.0, 40.0)),
        ]);
        assert_eq!(m.steps.len(), 1);
        assert!((m.to_boot(T0 + 22.0).unwrap() - 22.0).abs() < 1e-6);
        assert!((m.to_boot(T0 + 1.0).unwrap() - 31.0).abs() < 1e-6);
    }

    #[test]
    fn whole_second_walls_do_not_make_steps() {
        // Banner times truncated to the second against `Up` to the hundredth: the offsets
        // wander by up to a second without any step.
        let whole = |wall: f64, up: f64| Anchor {
            wall,
            since_boot: up,
            resolution_secs: 1.01,
        };
        let m = map(&[
            whole(T0 + 5.0, 5.99),
            whole(T0 + 9.0, 9.01),
            whole(T0 + 20.0, 20.98),
        ]);
        assert!(m.steps.is_empty());
        // A 2.5 s change is within 1 s plus both resolutions: still no step.
        let m = map(&[whole(T0 + 5.0, 5.0), whole(T0 + 12.5, 10.0)]);
        assert!(m.steps.is_empty());
        // 3.5 s is one.
        let m = map(&[whole(T0 + 5.0, 5.0), whole(T0 + 13.5, 10.0)]);
        assert_eq!(m.steps.len(), 1);
    }

    #[test]
    fn a_stamp_is_an_anchor_only_with_both_clocks() {
        use chrono::DateTime;
        let wall = DateTime::parse_from_rfc3339("2024-05-01T12:00:41Z").unwrap();
        let mut s = Stamp::wall(wall);
        assert_eq!(Anchor::of(&s), None);
        s.since_boot = Some(crate::event::SinceBoot {
            clock: BootClock::Uptime,
            secs: 7000.5,
        });
        let a = Anchor::of(&s).unwrap();
        assert!((a.resolution_secs - 1.01).abs() < 1e-12);
        assert_eq!(a.offset(), epoch_secs(wall) - 7000.5);
        s.since_boot = Some(crate::event::SinceBoot {
            clock: BootClock::Record,
            secs: 1.0,
        });
        assert_eq!(Anchor::of(&s), None);
    }
}
