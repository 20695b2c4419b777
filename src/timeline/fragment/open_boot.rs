//! The boot a source is in the middle of: what its events show (records, banners, crashes,
//! markers, systemd's units), on its own clocks, until it closes into a [`Fragment`] with
//! every wall-only time mapped to the since-boot clock.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Fragment, MilestoneItem, Origin, PhaseItem};
use crate::event::{
    epoch_secs as epoch, BootClock, CrashKind, Edge, Event, EventKind, Stamp, StartupTotals,
};
use crate::record::{self, RecordClock, SpanEnd};
use crate::timeline::clock::{Anchor, ClockMap, Segmenter, When};
use crate::timeline::Evidence;

/// The most precise reading of a stamp: since-boot when it has one (sub-second), else wall.
pub(super) fn when_of(s: &Stamp) -> Option<When> {
    if let Some(b) = s.since_boot {
        if matches!(
            b.clock,
            BootClock::Kernel | BootClock::Uptime | BootClock::Journal
        ) {
            return Some(When::Boot(b.secs));
        }
    }
    s.wall.map(|w| When::Wall(epoch(w)))
}

/// A unit `systemd-analyze critical-chain` placed on the userspace clock.
#[derive(Debug)]
struct UserspaceUnit {
    unit: String,
    start: Option<f64>,
    active: f64,
    source: Origin,
}

#[derive(Debug)]
pub(super) struct Open {
    pub(super) frag: Fragment,
    records: record::Builder,
    /// Events with two clocks, cut where the wall clock stepped.
    pub(super) clock: Segmenter,
    pub(super) last_up: Option<f64>,
    pub(super) saw_finished: bool,
    /// A stage banner was seen: a later `init-local` one is a new boot.
    pub(super) saw_stage_banner: bool,
    /// Open marker spans by name.
    open_markers: BTreeMap<String, (When, Origin)>,
    /// How many items each marker name has put in this boot (milestones and spans).
    marker_counts: BTreeMap<String, u64>,
    pub(super) content: bool,
    startup: Option<(StartupTotals, Option<When>)>,
    /// Units on systemd's userspace clock (`critical-chain`): name, activation start (with
    /// `+duration`) and when it became active, seconds since userspace started.
    units: Vec<UserspaceUnit>,
    /// The latest wall-only time (by value, and the last read: a clock set back makes them
    /// differ), mapped to the since-boot clock at the end.
    last_wall: Option<f64>,
    latest_wall: Option<f64>,
    last_boot: Option<f64>,
}

impl Open {
    /// The latest moment seen so far (for events without a stamp of their own).
    fn last_seen(&self) -> Option<When> {
        self.last_boot
            .map(When::Boot)
            .or(self.last_wall.map(When::Wall))
    }

    pub(super) fn new(source: &Arc<str>) -> Self {
        Self {
            frag: Fragment {
                instance: source.to_string(),
                source: source.clone(),
                ..Fragment::default()
            },
            records: record::Builder::new(),
            clock: Segmenter::default(),
            last_up: None,
            saw_finished: false,
            saw_stage_banner: false,
            open_markers: BTreeMap::new(),
            marker_counts: BTreeMap::new(),
            content: false,
            startup: None,
            units: Vec::new(),
            last_wall: None,
            latest_wall: None,
            last_boot: None,
        }
    }

    pub(super) fn observe(&mut self, w: Option<When>) {
        let Some(w) = w else { return };
        self.content = true;
        if self.frag.first.is_none() {
            self.frag.first = Some(w);
        }
        // The latest of each kind; compared once the clocks are aligned (`close`).
        match w {
            When::Wall(x) => {
                self.last_wall = Some(self.last_wall.map_or(x, |l| l.max(x)));
                self.latest_wall = Some(x);
                self.clock.note_wall(x);
            }
            When::Boot(x) => self.last_boot = Some(self.last_boot.map_or(x, |l| l.max(x))),
        }
    }

    /// Adds an event of the boot's progress: its clocks, then what it shows (a record, a
    /// banner, a crash, a marker, a unit).
    pub(super) fn push(&mut self, e: Event) {
        let w = self.clocks(&e);
        let source = Origin::from(&e.source);
        match e.kind {
            EventKind::Start { .. }
            | EventKind::Finish { .. }
            | EventKind::Span { .. }
            | EventKind::StageBanner { .. } => {
                self.saw_stage_banner |= matches!(e.kind, EventKind::StageBanner { .. });
                self.push_record(e);
            }
            EventKind::FinishedBanner { .. } => {
                self.saw_finished = true;
                if let Some(at) = w {
                    self.frag.milestones.push(MilestoneItem {
                        name: Cow::Borrowed("boot_finished"),
                        at,
                        source,
                    });
                }
                self.push_record(e);
            }
            EventKind::StartupFinished(t) => self.startup = Some((t, w)),
            EventKind::BootupNotFinished => {
                self.milestone_or_latest("bootup_not_finished", w, source)
            }
            // A failed unit is worth a milestone, but it is not crash evidence (docs/design.md §3:
            // kernel panic, a stage FAIL, user-data exit ≠ 0): a boot whose docker unit failed
            // may still hang until it is stuck, or recover.
            EventKind::Crash {
                crash: CrashKind::UnitFailed,
                ..
            } => self.milestone_or_latest("unit_failed", w, source),
            EventKind::Crash { crash, evidence } if self.frag.crash.is_none() => {
                self.frag.crash = Some(Box::new((crash_evidence(crash, evidence, &source), w)));
            }
            EventKind::Marker {
                name,
                edge,
                captures,
            } => {
                if let Some(at) = w.or(self.last_seen()) {
                    self.marker(name, edge, &captures, at, source);
                }
            }
            EventKind::Unit { unit, edge } => {
                let on_userspace = e
                    .stamp
                    .since_boot
                    .filter(|b| b.clock == BootClock::Userspace);
                if let Some(b) = on_userspace {
                    self.unit(unit, edge, b.secs, source);
                }
            }
            _ => {}
        }
    }

    /// Notes an event's clocks: the anchor it gives (an event with two clocks), its uptime and
    /// its moment, which it returns.
    fn clocks(&mut self, e: &Event) -> Option<When> {
        self.content = true;
        // Anchors: events that carry two clocks. Wall-only times are mapped through them at
        // the end, once every step is known (a wall clock that steps mid-boot then cannot
        // stretch or shift the boot).
        if let Some(a) = Anchor::of(&e.stamp) {
            self.clock.push(a, &e.source);
        }
        if let Some(b) = e.stamp.since_boot.filter(|b| b.clock == BootClock::Uptime) {
            self.last_up = Some(b.secs);
        }
        let w = when_of(&e.stamp);
        self.observe(w);
        w
    }

    /// Feeds a cloud-init event to the record builder, adding each record it completes.
    fn push_record(&mut self, e: Event) {
        if let Some(r) = self.records.push(e) {
            add_record(&mut self.frag, &r);
        }
    }

    /// A milestone at `w`, else at the latest moment seen (an event without a stamp of its
    /// own); none before anything was seen.
    fn milestone_or_latest(&mut self, name: &'static str, w: Option<When>, source: Origin) {
        if let Some(at) = w.or(self.last_seen()) {
            self.frag.milestones.push(MilestoneItem {
                name: Cow::Borrowed(name),
                at,
                source,
            });
        }
    }

    /// A marker's edge: a register (or a failed one), an instant milestone, or one end of a
    /// marker span, each kept within [`MARKER_ITEMS_KEPT`] per name.
    fn marker(
        &mut self,
        name: String,
        edge: Edge,
        captures: &BTreeMap<String, String>,
        at: When,
        source: Origin,
    ) {
        match edge {
            Edge::Instant if name == "registered" => {
                let ok = captures
                    .get("status")
                    .is_none_or(|s| s.starts_with('2') && s.len() == 3);
                let m = MilestoneItem {
                    name: Cow::Borrowed(if ok { "registered" } else { "register_failed" }),
                    at,
                    source,
                };
                let key = m.name.to_string();
                let list = if ok {
                    &mut self.frag.registered
                } else {
                    &mut self.frag.milestones
                };
                keep_bounded(list, m, &key, &mut self.marker_counts, |x| &x.name);
            }
            Edge::Instant => {
                let key = name.clone();
                let m = MilestoneItem {
                    name: Cow::Owned(name),
                    at,
                    source,
                };
                let counts = &mut self.marker_counts;
                keep_bounded(&mut self.frag.milestones, m, &key, counts, |x| &x.name);
            }
            Edge::Start => {
                self.open_markers.insert(name, (at, source));
            }
            Edge::End => self.end_marker_span(name, at),
        }
    }

    /// Closes the marker span `name` opened earlier in the boot (an end without a start is
    /// dropped).
    fn end_marker_span(&mut self, name: String, at: When) {
        let Some((start, src)) = self.open_markers.remove(&name) else {
            return;
        };
        // Marker spans are sub-phases of the user-data script, itself a module
        // (`modules-final/config-scripts_user`): one level deeper.
        let key = name.clone();
        let p = PhaseItem {
            name,
            depth: 3,
            start,
            end: Some(at),
            result: None,
            source: src,
        };
        keep_bounded(
            &mut self.frag.phases,
            p,
            &key,
            &mut self.marker_counts,
            |x| &x.name,
        );
    }

    /// A unit on systemd's userspace clock (`critical-chain`), `secs` since userspace started.
    fn unit(&mut self, unit: String, edge: Edge, secs: f64, source: Origin) {
        match edge {
            Edge::Start => self.units.push(UserspaceUnit {
                unit,
                start: Some(secs),
                active: secs,
                source,
            }),
            // The end of the unit just started, or a unit that only became active.
            Edge::End | Edge::Instant => match self.units.last_mut() {
                Some(u) if u.unit == unit && u.start.is_some() => u.active = secs,
                _ => self.units.push(UserspaceUnit {
                    unit,
                    start: None,
                    active: secs,
                    source,
                }),
            },
        }
    }
}

/// The evidence of a crash event, named for its kind.
fn crash_evidence(crash: CrashKind, line: String, source: &Origin) -> Evidence {
    let kind = match crash {
        CrashKind::KernelPanic => "kernel_panic",
        CrashKind::StageFailed => "stage_failed",
        CrashKind::UserDataFailed => "user_data_failed",
        CrashKind::UnitFailed => "unit_failed",
    };
    Evidence {
        kind: kind.into(),
        line,
        source: source.to_string(),
    }
}

/// How many items one marker name keeps in one boot: its first ones and, in the last place,
/// its latest. A console that repeats a marker line millions of times (a retry loop) keeps a
/// digest of bounded size; the first register and the latest retry are what a timeline needs.
pub(crate) const MARKER_ITEMS_KEPT: u64 = 16;

/// Pushes `item` (of marker `key`) unless the boot holds [`MARKER_ITEMS_KEPT`] of that marker
/// already; then it replaces the latest one kept.
fn keep_bounded<T>(
    list: &mut Vec<T>,
    item: T,
    key: &str,
    counts: &mut BTreeMap<String, u64>,
    name: impl Fn(&T) -> &str,
) {
    let n = counts.entry(key.to_string()).or_default();
    *n += 1;
    if *n <= MARKER_ITEMS_KEPT {
        list.push(item);
    } else if let Some(last) = list.iter_mut().rev().find(|x| name(x) == key) {
        *last = item;
    }
}

/// Adds a cloud-init record's spans as phases.
fn add_record(frag: &mut Fragment, r: &record::Record) {
    let on_uptime = r.clock == RecordClock::Uptime;
    let when = |m: &record::Moment| on_record_clock(on_uptime, m.t, m.wall);
    frag.saw_start |= r
        .spans
        .iter()
        .any(|s| s.depth == 0 && matches!(&*s.name, "init-local" | "init-network"));
    // `finished at` is printed by the final stage's last module: it ends `modules-final`.
    let finished_at = r
        .banners
        .iter()
        .find(|b| b.what == "finished")
        .and_then(|b| on_record_clock(on_uptime, b.up_secs, b.wall));
    for s in &r.spans {
        let Some(start) = when(&s.start) else {
            continue;
        };
        // A banner says when a stage started, not how long it ran: its start is a milestone,
        // and only the final stage has a stated end (the `finished at` banner).
        let final_end = finished_at.filter(|_| &*s.name == "modules-final");
        if s.start_only() && final_end.is_none() {
            frag.milestones.push(MilestoneItem {
                name: Cow::Owned(format!("{}_start", s.name)),
                at: start,
                source: Origin::from(&s.source),
            });
            continue;
        }
        let end = match &s.end {
            SpanEnd::Finished { at, .. } => when(at),
            SpanEnd::Stated { secs, .. } => Some(match start {
                When::Wall(x) => When::Wall(x + secs),
                When::Boot(x) => When::Boot(x + secs),
            }),
            SpanEnd::Unfinished { .. } => final_end,
        };
        frag.phases.push(PhaseItem {
            name: s.name.to_string(),
            depth: s.depth + 1,
            start,
            end,
            result: s.result().map(|r| r.as_str().to_string()),
            source: Origin::from(&s.source),
        });
        if frag.crash.is_none() {
            if let Some(evidence) = stage_failure(s) {
                frag.crash = Some(Box::new((evidence, end)));
            }
        }
    }
}

/// A moment of a cloud-init record on the record's clock: its uptime seconds when the record
/// is on uptime, else its wall time.
fn on_record_clock(
    on_uptime: bool,
    up_secs: Option<f64>,
    wall: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Option<When> {
    if on_uptime {
        up_secs.map(When::Boot)
    } else {
        wall.map(|w| When::Wall(epoch(w)))
    }
}

/// The crash evidence of a stage (a span of depth 0) that finished with `FAIL`.
fn stage_failure(s: &record::Span) -> Option<Evidence> {
    if s.depth != 0 || s.result() != Some(crate::event::StageResult::Fail) {
        return None;
    }
    Some(Evidence {
        kind: "stage_failed".into(),
        line: format!("finish: {}: FAIL: {}", s.name, s.shown_description()),
        source: match &s.end {
            SpanEnd::Finished { source, .. } => source.to_string(),
            _ => s.source.to_string(),
        },
    })
}

pub(super) fn close(mut o: Open) -> Option<Fragment> {
    if let Some(r) = std::mem::take(&mut o.records).finish() {
        add_record(&mut o.frag, &r);
    }
    if !o.content && o.frag.phases.is_empty() && o.frag.milestones.is_empty() {
        return None;
    }
    let map = o.clock.finish();
    o.frag.kernel_zero = map.kernel_zero();
    o.frag.skew = map.skew();
    to_since_boot(&mut o.frag, &map);
    let last_wall = [o.last_wall, o.latest_wall]
        .into_iter()
        .flatten()
        .map(|x| map.to_boot(x))
        .reduce(|a, b| a.zip(b).map(|(a, b)| a.max(b)));
    o.frag.steps = map.steps;
    if let Some((t, _)) = o.startup {
        add_startup(&mut o.frag, &t, std::mem::take(&mut o.units));
    }
    o.frag.last = match (last_wall, o.last_boot) {
        (Some(Some(w)), b) => Some(When::Boot(b.map_or(w, |b| b.max(w)))),
        (Some(None), _) => o.last_wall.map(When::Wall),
        (None, b) => b.map(When::Boot),
    };
    Some(o.frag)
}

/// systemd's startup totals as the boot's first phases (firmware and loader before the kernel's
/// zero; kernel, initrd, userspace after), critical-chain's `units` inside userspace, and the
/// moment startup finished.
fn add_startup(frag: &mut Fragment, t: &StartupTotals, units: Vec<UserspaceUnit>) {
    frag.saw_start = true;
    let mut at = 0.0;
    let fw = t.firmware_secs.unwrap_or(0.0) + t.loader_secs.unwrap_or(0.0);
    if let Some(f) = t.firmware_secs {
        frag.phases
            .push(phase("firmware", -fw, -fw + f, &frag.source));
    }
    if let Some(l) = t.loader_secs {
        frag.phases.push(phase("loader", -l, 0.0, &frag.source));
    }
    let mut userspace_start = None;
    for (name, d) in [
        ("kernel", t.kernel_secs),
        ("initrd", t.initrd_secs),
        ("userspace", t.userspace_secs),
    ] {
        if name == "userspace" {
            userspace_start = Some(at);
        }
        if let Some(d) = d {
            frag.phases.push(phase(name, at, at + d, &frag.source));
            at += d;
        }
    }
    // critical-chain's units, as sub-phases of userspace (`userspace/cloud-init.service`,
    // as a module is `modules-final/config-scripts_user`): from their activation's start
    // (or the moment they became active, for units with no `+duration`) to then.
    if let Some(u0) = userspace_start.filter(|_| t.userspace_secs.is_some()) {
        for u in units {
            frag.phases.push(PhaseItem {
                name: format!("userspace/{}", u.unit),
                depth: 1,
                start: When::Boot(u0 + u.start.unwrap_or(u.active)),
                end: Some(When::Boot(u0 + u.active)),
                result: None,
                source: u.source,
            });
        }
    }
    if at > 0.0 {
        frag.milestones.push(MilestoneItem {
            name: Cow::Borrowed("startup_finished"),
            at: When::Boot(at),
            source: Origin::whole(&frag.source),
        });
    }
}

/// Maps every wall-only time of a fragment to its since-boot clock, through the offset of its
/// segment, when the source had any point stamped in both.
fn to_since_boot(frag: &mut Fragment, map: &ClockMap) {
    let on = |w: &mut When| {
        if let When::Wall(x) = *w {
            if let Some(t) = map.to_boot(x) {
                *w = When::Boot(t);
            }
        }
    };
    for p in &mut frag.phases {
        on(&mut p.start);
        if let Some(e) = &mut p.end {
            on(e);
        }
    }
    for m in frag.milestones.iter_mut().chain(frag.registered.iter_mut()) {
        on(&mut m.at);
    }
    if let Some((_, Some(w))) = frag.crash.as_deref_mut() {
        on(w);
    }
    if let Some(w) = &mut frag.first {
        on(w);
    }
}

fn phase(name: &str, start: f64, end: f64, source: &Arc<str>) -> PhaseItem {
    PhaseItem {
        name: name.into(),
        depth: 0,
        start: When::Boot(start),
        end: Some(When::Boot(end)),
        result: None,
        source: Origin::whole(source),
    }
}
