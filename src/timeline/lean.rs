//! The lean form of a boot that `fit`, `recommend`, `check` and `report` reduce: per boot only
//! what their outputs need, with names shared rather than copied, so a fleet of a million
//! attempts fits in well under a kilobyte each.
//!
//! What a reduction needs of a boot (and nothing else is kept): the instance id, class,
//! template and labels (for `--group-by`), the boot's and its attempt's outcome, latency,
//! censoring and flip (killed or not), what the latency counts from, its timeout and stuck
//! threshold, the phases with their depth, start and end (phase statistics, tail blame and the
//! spans a waterfall row draws), the kernel's start (the row's launch → kernel span), the end
//! of observation, and crash evidence (rare). Milestones, sources, clock steps and identity stay
//! behind; the few boots a report draws in full (its worked instance) are kept whole beside
//! the lean ones ([`Keep`]).
//!
//! Timeline shards are reduced line by line as they are read, so a full [`Boot`] lives only
//! while its line is converted (a skimmed line makes none: [`Reducer::push_scanned`]); boots assembled from raw logs are reduced as assembly hands
//! them over, a batch of instances at a time ([`super::assemble::assemble_each`]).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::fast_hash::{FastMap, FastSet};
use super::skim::{Part, PhaseRef, Scanned};
use super::{Boot, Evidence, Latency, Outcome, Zero};
pub(crate) use super::{Labels, Name};

#[path = "lean_record.rs"]
pub(crate) mod record;

/// Hands out one shared copy of each name and label set it has seen.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    names: FastSet<Name>,
    labels: FastSet<Labels>,
    /// Label sets by the text of a skimmed line's labels object (at most
    /// [`LABEL_TEXTS_MAX`]): a line's labels are shared without being read into a map.
    label_texts: FastMap<Box<[u8]>, Labels>,
    /// Shapes by a hash of their names and depths.
    shapes: FastMap<u64, Vec<Shape>>,
    /// The last workspace id (unique to an attempt, shared by its boots).
    last_workspace: Option<Name>,
    /// The last instance id: an instance's boots come together, and ids are seldom shared
    /// otherwise, so they are not kept in the set.
    last_instance: Option<Name>,
}

impl Interner {
    /// The shared copy of `s`.
    pub(crate) fn name(&mut self, s: &str) -> Name {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n: Name = Arc::from(s);
        self.names.insert(n.clone());
        n
    }

    fn instance(&mut self, s: &str) -> Name {
        recent(&mut self.last_instance, s)
    }

    /// The shared labels of a skimmed line's labels object's text (`None`: no labels);
    /// `None` when the text is no object of plain strings.
    fn labels_text(&mut self, text: Option<&[u8]>) -> Option<Labels> {
        let Some(text) = text else {
            return Some(self.labels(&BTreeMap::new()));
        };
        if let Some(l) = self.label_texts.get(text) {
            return Some(l.clone());
        }
        let l = self.labels(&super::skim::labels_of(text)?);
        if self.label_texts.len() < LABEL_TEXTS_MAX {
            self.label_texts.insert(text.into(), l.clone());
        }
        Some(l)
    }

    /// The lean form of the boot a skim scanned (as [`Interner::lean`] of the boot it stands
    /// for: no phases, the kernel's start at `kernel_secs`), its labels `labels`.
    fn lean_scanned(
        &mut self,
        s: &Scanned<'_>,
        labels: Labels,
        kernel_secs: Option<f64>,
    ) -> LeanBoot {
        LeanBoot {
            instance: self.instance(s.instance),
            workspace: s.workspace.map(|w| recent(&mut self.last_workspace, w)),
            class: self.name(s.class),
            template: s.template.map(|t| self.name(t)),
            labels,
            end: self.name(s.end),
            boot: s.boot as u32,
            attempt: s.attempt as u32,
            zero: s.zero,
            outcome: s.outcome,
            attempt_outcome: s.attempt_outcome,
            latency: s.latency,
            attempt_latency: s.attempt_latency,
            attempt_flip_secs: s.attempt_flip_secs,
            attempt_timeouts: [s.attempt_stated_timeout_secs, s.attempt_failed_timeout_secs]
                .map(|t| t.map_or(f32::NAN, |t| t as f32)),
            timeout_secs: s.timeout_secs,
            stuck_threshold_secs: s.stuck_threshold_secs,
            zero_wall: s.zero_wall,
            observed_secs: s.observed_secs,
            kernel_secs,
            evidence: s.evidence.clone().map(Box::new),
            phases: LeanPhases {
                shape: self.shape(std::iter::empty::<(&str, usize)>()),
                times: Box::new([]),
            },
        }
    }

    /// The shared phase names and depths of `phases` (each a name and depth), in order: a
    /// name is copied only on its first sight.
    fn shape<'n>(
        &mut self,
        phases: impl ExactSizeIterator<Item = (&'n str, usize)> + Clone,
    ) -> Shape {
        // A key of the shapes' map only (never iterated): FxHash, not SipHash.
        let mut h = rustc_hash::FxHasher::default();
        for (name, depth) in phases.clone() {
            (name, depth.min(255)).hash(&mut h);
        }
        let key = h.finish();
        let found = self.shapes.get(&key).into_iter().flatten().find(|s| {
            s.len() == phases.len()
                && s.iter().zip(phases.clone()).all(|((n, d), (name, depth))| {
                    **n == *name && usize::from(*d) == depth.min(255)
                })
        });
        if let Some(s) = found {
            return s.clone();
        }
        let shape: Shape = phases
            .map(|(name, depth)| (self.name(name), depth.min(255) as u8))
            .collect();
        self.shapes.entry(key).or_default().push(shape.clone());
        shape
    }

    pub(crate) fn labels(&mut self, l: &BTreeMap<String, String>) -> Labels {
        if let Some(x) = self.labels.get(l) {
            return x.clone();
        }
        let x = Arc::new(l.clone());
        self.labels.insert(x.clone());
        x
    }

    /// The lean form of `b`.
    pub(crate) fn lean(&mut self, b: &Boot) -> LeanBoot {
        let phases = LeanPhases {
            shape: self.shape(b.phases.iter().map(|p| (p.name.as_str(), p.depth))),
            times: b
                .phases
                .iter()
                .map(|p| times_of(p.start_secs, p.end_secs))
                .collect(),
        };
        self.lean_with(b, phases)
    }

    /// The lean form of `b`, whose phases are `phases` (a thin read's, borrowed from its line).
    pub(crate) fn lean_read(&mut self, b: &Boot, phases: &[PhaseRef<'_>]) -> LeanBoot {
        let phases = LeanPhases {
            shape: self.shape(phases.iter().map(|p| (p.name, p.depth))),
            times: phases
                .iter()
                .map(|p| times_of(p.start_secs, p.end_secs))
                .collect(),
        };
        self.lean_with(b, phases)
    }

    /// The lean form of `b` with `phases`.
    fn lean_with(&mut self, b: &Boot, phases: LeanPhases) -> LeanBoot {
        LeanBoot {
            instance: self.instance(&b.instance),
            workspace: b
                .workspace
                .as_deref()
                .map(|w| recent(&mut self.last_workspace, w)),
            class: self.name(&b.class),
            template: b.template.as_deref().map(|t| self.name(t)),
            labels: self.labels(&b.labels),
            end: self.name(&b.end),
            boot: b.boot as u32,
            attempt: b.attempt as u32,
            zero: b.zero,
            outcome: b.outcome,
            attempt_outcome: b.attempt_outcome,
            latency: b.latency,
            attempt_latency: b.attempt_latency,
            attempt_flip_secs: b.attempt_flip_secs,
            attempt_timeouts: [b.attempt_stated_timeout_secs, b.attempt_failed_timeout_secs]
                .map(|t| t.map_or(f32::NAN, |t| t as f32)),
            timeout_secs: b.timeout_secs,
            stuck_threshold_secs: b.stuck_threshold_secs,
            zero_wall: b.zero_wall,
            observed_secs: b.observed_secs,
            kernel_secs: b
                .milestones
                .iter()
                .find(|m| m.name == "kernel_start")
                .map(|m| m.at_secs),
            evidence: b.evidence.clone().map(Box::new),
            phases,
        }
    }
}

/// The most label texts an interner remembers: a fleet has a few label sets; one whose labels
/// differ on every boot is read into maps past this many.
const LABEL_TEXTS_MAX: usize = 4096;

/// A phase's start and end as a lean boot keeps them (`NaN`: still running).
fn times_of(start_secs: f64, end_secs: Option<f64>) -> [f32; 2] {
    [start_secs as f32, end_secs.map_or(f32::NAN, |e| e as f32)]
}

/// The shared copy of `s` when it repeats the last one, else a new one that becomes the last.
fn recent(last: &mut Option<Name>, s: &str) -> Name {
    match last {
        Some(n) if &**n == s => n.clone(),
        _ => {
            let n: Name = Arc::from(s);
            *last = Some(n.clone());
            n
        }
    }
}

/// The names and depths of a boot's phases, in order: boots of a fleet mostly share a few.
type Shape = Arc<[(Name, u8)]>;

/// A lean boot's phases: their shared names and depths, and each one's start and end. Times
/// are kept as `f32` seconds: boots' times are whole milliseconds, which `f32` holds exactly
/// (after rounding back) up to two hours from the zero, and to a few milliseconds beyond.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeanPhases {
    shape: Shape,
    /// Start and end (`NaN`: still running when observation ended).
    times: Box<[[f32; 2]]>,
}

impl LeanPhases {
    /// The phases in start order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = LeanPhase<'_>> + Clone + '_ {
        self.shape
            .iter()
            .zip(self.times.iter())
            .map(|((name, depth), t)| LeanPhase {
                name,
                depth: *depth,
                start: t[0],
                end: t[1],
            })
    }

    /// Each phase's name, depth, start and end as kept (`f32` seconds, the end `NaN` while
    /// running): what a summary stores to give the same phases back.
    pub(crate) fn raw(&self) -> impl Iterator<Item = (&Name, u8, [f32; 2])> + '_ {
        self.shape
            .iter()
            .zip(self.times.iter())
            .map(|((name, depth), t)| (name, *depth, *t))
    }

    /// The phases [`LeanPhases::raw`] gave.
    pub(crate) fn from_raw(phases: impl IntoIterator<Item = (Name, u8, [f32; 2])>) -> Self {
        let (shape, times): (Vec<(Name, u8)>, Vec<[f32; 2]>) = phases
            .into_iter()
            .map(|(name, depth, t)| ((name, depth), t))
            .unzip();
        Self {
            shape: shape.into(),
            times: times.into(),
        }
    }
}

/// A phase of a lean boot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LeanPhase<'a> {
    /// Name, as in [`Phase::name`].
    pub(crate) name: &'a Name,
    /// Nesting depth.
    pub(crate) depth: u8,
    start: f32,
    end: f32,
}

impl LeanPhase<'_> {
    /// Start, seconds from the boot's zero (to the millisecond).
    pub(crate) fn start_secs(&self) -> f64 {
        milli(self.start)
    }

    /// End, seconds from the boot's zero; `None` while still running when observation ended.
    pub(crate) fn end_secs(&self) -> Option<f64> {
        (!self.end.is_nan()).then(|| milli(self.end))
    }

    /// Duration in seconds, when finished.
    pub(crate) fn duration_secs(&self) -> Option<f64> {
        self.end_secs().map(|e| e - self.start_secs())
    }
}

fn milli(x: f32) -> f64 {
    (f64::from(x) * 1e3).round() / 1e3
}

/// A boot as a reduction sees it (see the module's documentation for what is kept).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeanBoot {
    /// Instance id.
    pub(crate) instance: Name,
    /// Workspace id, when the platform named one.
    pub(crate) workspace: Option<Name>,
    /// Timeout class.
    pub(crate) class: Name,
    /// Template, when the platform named one.
    pub(crate) template: Option<Name>,
    /// Labels of the attempt's `launched` event.
    pub(crate) labels: Labels,
    /// The milestone latencies run to.
    pub(crate) end: Name,
    /// 1-based boot number within the instance.
    pub(crate) boot: u32,
    /// 1-based attempt number within the instance.
    pub(crate) attempt: u32,
    /// What the seconds count from.
    pub(crate) zero: Zero,
    /// What became of the boot.
    pub(crate) outcome: Outcome,
    /// What became of its attempt.
    pub(crate) attempt_outcome: Option<Outcome>,
    /// The boot's register latency.
    pub(crate) latency: Option<Latency>,
    /// The attempt's register latency.
    pub(crate) attempt_latency: Option<Latency>,
    /// Seconds from the zero to the sweep's flip of the attempt.
    pub(crate) attempt_flip_secs: Option<f64>,
    /// The timeout the platform stated for the attempt and the one its first `failed` event
    /// was judged against, seconds (`NaN`: none; `f32`, as phase times, to keep a boot small).
    attempt_timeouts: [f32; 2],
    /// The timeout that applies, seconds.
    pub(crate) timeout_secs: f64,
    /// The stuck threshold of its class, seconds.
    pub(crate) stuck_threshold_secs: f64,
    /// Wall-clock time of the zero, when known (the launch, when the zero is the launch).
    pub(crate) zero_wall: Option<DateTime<Utc>>,
    /// Seconds from zero to the last moment any source observed.
    pub(crate) observed_secs: Option<f64>,
    /// The kernel's start, seconds from the zero.
    pub(crate) kernel_secs: Option<f64>,
    /// Crash evidence, for crashed boots.
    pub(crate) evidence: Option<Box<Evidence>>,
    /// Phases in start order.
    pub(crate) phases: LeanPhases,
}

impl LeanBoot {
    /// Launch time, when known: the zero then counts from it.
    pub(crate) fn launched(&self) -> Option<DateTime<Utc>> {
        self.zero_wall.filter(|_| self.zero == Zero::Launch)
    }

    /// When the boot powered on ([`super::dedup::power_on`]).
    pub(crate) fn power_on(&self) -> Option<f64> {
        super::dedup::power_on(self.zero, self.zero_wall, self.kernel_secs)
    }

    /// The timeout the platform's own events stated for the attempt, seconds.
    pub(crate) fn attempt_stated_timeout_secs(&self) -> Option<f64> {
        let t = self.attempt_timeouts[0];
        (!t.is_nan()).then(|| milli(t))
    }

    /// The timeout the attempt's first platform `failed` event was judged against, seconds.
    pub(crate) fn attempt_failed_timeout_secs(&self) -> Option<f64> {
        let t = self.attempt_timeouts[1];
        (!t.is_nan()).then(|| milli(t))
    }

    /// The boot's latency record, as [`Boot::record`].
    pub(crate) fn record(&self, max_plausible_secs: f64) -> Option<(f64, bool)> {
        self.latency?.record(max_plausible_secs)
    }
}

/// Boots of a timeline kept whole beside the lean ones, for what a report draws in full.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Keep {
    /// Per class, the slowest healthy boot (the report's default worked instance).
    pub(crate) slowest_healthy: bool,
    /// Every boot of this instance (`--worked-instance`).
    pub(crate) instance: Option<String>,
    /// Latencies beyond `[latency] max_plausible_secs` make no boot the slowest.
    pub(crate) max_plausible_secs: f64,
}

impl Default for Keep {
    fn default() -> Self {
        Self {
            slowest_healthy: false,
            instance: None,
            max_plausible_secs: crate::config::DEFAULT_MAX_PLAUSIBLE_SECS,
        }
    }
}

impl Keep {
    /// Whether `b` is healthy with a plausible exact latency, and that latency.
    fn healthy_latency(&self, b: &Boot) -> Option<f64> {
        if !matches!(b.outcome, Outcome::Registered | Outcome::FalseFailed) {
            return None;
        }
        match b.record(self.max_plausible_secs) {
            Some((secs, false)) => Some(secs),
            Some((_, true)) | None => None,
        }
    }
}

/// Whether `a` is slower than `b` as the slowest healthy boot is chosen (ties: the first
/// instance id).
pub(crate) fn slower(a: (f64, &str), b: (f64, &str)) -> bool {
    a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)).is_gt()
}

/// The whole boots a reduction keeps, gathered as boots go by.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    rule: Keep,
    slowest: BTreeMap<String, Boot>,
    instance: Vec<Boot>,
}

impl Kept {
    /// Keeps what `rule` asks for.
    pub(crate) fn new(rule: Keep) -> Self {
        Self {
            rule,
            ..Self::default()
        }
    }

    /// Offers a boot; it is cloned only when kept.
    pub(crate) fn offer(&mut self, b: &Boot) {
        if self.rule.instance.as_deref() == Some(b.instance.as_str()) {
            self.instance.push(b.clone());
        }
        if self.beats_slowest(b) {
            self.slowest.insert(b.class.clone(), b.clone());
        }
    }

    /// Whether any boot may be kept whole.
    fn keeps_any(&self) -> bool {
        self.rule.slowest_healthy || self.rule.instance.is_some()
    }

    /// Whether `b` would be kept whole if offered (a reader that read it in part reads it
    /// again whole first).
    pub(crate) fn wants(&self, b: &Boot) -> bool {
        self.rule.instance.as_deref() == Some(b.instance.as_str()) || self.beats_slowest(b)
    }

    /// Whether `b` is the slowest healthy boot of its class so far.
    fn beats_slowest(&self, b: &Boot) -> bool {
        if !self.rule.slowest_healthy {
            return false;
        }
        let Some(secs) = self.rule.healthy_latency(b) else {
            return false;
        };
        match self.slowest.get(&b.class) {
            Some(k) => slower(
                (secs, &b.instance),
                (self.rule.healthy_latency(k).unwrap_or(0.0), &k.instance),
            ),
            None => true,
        }
    }

    /// Takes in what another gatherer kept.
    pub(crate) fn merge(&mut self, other: Kept) {
        for b in other.instance {
            self.instance.push(b);
        }
        for b in other.slowest.into_values() {
            self.offer(&b);
        }
    }

    /// The boots kept, ordered by instance and boot.
    pub(crate) fn into_boots(self) -> Vec<Boot> {
        let mut v = self.instance;
        for b in self.slowest.into_values() {
            if !v
                .iter()
                .any(|k| k.instance == b.instance && k.boot == b.boot)
            {
                v.push(b);
            }
        }
        v.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
        v
    }
}

/// Which boots a reduction takes in: a class, an instance, a launch window.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Selection {
    /// Only this class.
    pub(crate) class: Option<String>,
    /// Only this instance.
    pub(crate) instance: Option<String>,
    /// Launched (else zeroed) at or after.
    pub(crate) since: Option<DateTime<Utc>>,
    /// Launched (else zeroed) before.
    pub(crate) until: Option<DateTime<Utc>>,
}

impl Selection {
    /// Whether `b` is selected.
    pub(crate) fn keeps(&self, b: &Boot) -> bool {
        self.keeps_at(&b.instance, &b.class, selected_time(b))
    }

    /// Whether a boot of `instance` and `class` at `t` ([`selected_time`]) is selected.
    fn keeps_at(&self, instance: &str, class: &str, t: Option<DateTime<Utc>>) -> bool {
        self.instance.as_deref().is_none_or(|i| instance == i)
            && self.class.as_deref().is_none_or(|c| class == c)
            && self.since.is_none_or(|s| t.is_some_and(|t| t >= s))
            && self.until.is_none_or(|u| t.is_some_and(|t| t < u))
    }
}

/// The time `--since`/`--until` compare: the launch, else the kernel's zero on the wall clock.
fn selected_time(b: &Boot) -> Option<DateTime<Utc>> {
    b.launched.or(b.zero_wall)
}

/// What the boots read were, selected or not: to say what there was when a selection keeps
/// none of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Seen {
    /// Boots read.
    pub(crate) boots: usize,
    /// Their classes.
    pub(crate) classes: BTreeSet<String>,
    /// The earliest and latest of their launches (else kernel zeros), when any is known.
    pub(crate) times: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Whether a boot of the instance a reduction selects (`--instance`) was among them.
    pub(crate) instance_read: bool,
    /// Boots with no date (no launch, no kernel start on a dated wall clock): `--since` and
    /// `--until` cannot place them.
    pub(crate) undated: usize,
}

impl Seen {
    /// Counts one boot read.
    pub(crate) fn add(&mut self, b: &Boot) {
        self.add_at(&b.class, selected_time(b));
    }

    /// Counts one boot of `class` read, at `t` ([`selected_time`]).
    fn add_at(&mut self, class: &str, t: Option<DateTime<Utc>>) {
        self.boots += 1;
        if !self.classes.contains(class) {
            self.classes.insert(class.to_string());
        }
        match t {
            Some(t) => self.widen(t, t),
            None => self.undated += 1,
        }
    }

    /// What `boots` were.
    pub(crate) fn of(boots: &[Boot]) -> Self {
        let mut seen = Self::default();
        for b in boots {
            seen.add(b);
        }
        seen
    }

    /// Takes in what another read saw.
    pub(crate) fn merge(&mut self, other: Seen) {
        self.boots += other.boots;
        self.classes.extend(other.classes);
        self.instance_read |= other.instance_read;
        self.undated += other.undated;
        if let Some((first, last)) = other.times {
            self.widen(first, last);
        }
    }

    fn widen(&mut self, first: DateTime<Utc>, last: DateTime<Utc>) {
        self.times = Some(match self.times {
            Some((a, b)) => (a.min(first), b.max(last)),
            None => (first, last),
        });
    }
}

/// What a reduction reads boots into: the selection, and the boots it keeps whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reduce {
    /// Boots outside it are not kept (an instance read is still counted).
    pub(crate) select: Selection,
    /// Boots kept whole.
    pub(crate) keep: Keep,
    /// The lean boots need no phases (and of the milestones only the kernel's start): timeline
    /// lines are then skimmed ([`super::skim`]), not parsed whole. Only with nothing kept whole.
    pub(crate) without_phases: bool,
}

/// How a reduction reads a timeline's lines ([`super::skim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// Whole, as a [`Boot`].
    Whole,
    /// Every field a lean boot keeps (phases' results, sources and wall times read past); a
    /// boot the reduction keeps whole is read again whole.
    Thin,
    /// Without phases and milestones, when the lean boots need none and no boot is kept whole.
    Skim,
}

impl Reduce {
    /// How timeline lines are read for this reduction.
    pub(crate) fn line_read(&self) -> LineRead {
        if !self.without_phases {
            return LineRead::Thin;
        }
        match self.keep.slowest_healthy || self.keep.instance.is_some() {
            true => LineRead::Thin,
            false => LineRead::Skim,
        }
    }
}

/// Boots reduced as they are read (one source's, or assembly's).
#[derive(Debug, Default)]
pub(crate) struct Reducer {
    interner: Interner,
    /// The selected boots, lean.
    pub(crate) boots: Vec<LeanBoot>,
    /// The boots kept whole.
    pub(crate) kept: Kept,
    /// Instance ids read, selected or not, when an instance is selected (to say what there
    /// was when it matches none).
    pub(crate) instances_read: FastSet<String>,
    /// What the boots read were, selected or not.
    pub(crate) seen: Seen,
    select: Selection,
}

impl Reducer {
    /// A reducer for `spec`.
    pub(crate) fn new(spec: &Reduce) -> Self {
        Self {
            kept: Kept::new(spec.keep.clone()),
            select: spec.select.clone(),
            ..Self::default()
        }
    }

    /// Takes in one boot (dropped unless selected).
    pub(crate) fn push(&mut self, b: Boot) {
        self.push_part(Part::whole(b));
    }

    /// Takes in one boot read in part (dropped unless selected), its phases borrowed from its
    /// line where a scan read them so.
    pub(crate) fn push_part(&mut self, part: Part<'_>) {
        let mut b = part.boot;
        b.own_attempt();
        if self.select.instance.is_some() && !self.instances_read.contains(&b.instance) {
            self.instances_read.insert(b.instance.clone());
        }
        self.seen.add(&b);
        self.seen.instance_read |= self.select.instance.as_deref() == Some(&*b.instance);
        if !self.select.keeps(&b) {
            return;
        }
        self.kept.offer(&b);
        let lean = match &part.phases {
            Some(phases) => self.interner.lean_read(&b, phases),
            None => self.interner.lean(&b),
        };
        self.boots.push(lean);
    }

    /// Takes in one boot as a skim scanned it, as [`Reducer::push`] takes in the boot it
    /// stands for (whose attempt is its own), without making that boot; `false` when this
    /// reducer may keep boots whole, or the labels do not read: push the boot then.
    pub(crate) fn push_scanned(&mut self, s: &Scanned<'_>, kernel_secs: Option<f64>) -> bool {
        if self.kept.keeps_any() || s.attempt == 0 {
            return false;
        }
        let Some(labels) = self.interner.labels_text(s.labels) else {
            return false;
        };
        if self.select.instance.is_some() && !self.instances_read.contains(s.instance) {
            self.instances_read.insert(s.instance.to_string());
        }
        let t = s.launched.or(s.zero_wall);
        self.seen.add_at(s.class, t);
        self.seen.instance_read |= self.select.instance.as_deref() == Some(s.instance);
        if self.select.keeps_at(s.instance, s.class, t) {
            let lean = self.interner.lean_scanned(s, labels, kernel_secs);
            self.boots.push(lean);
        }
        true
    }

    /// Whether `b` (selected or not) would be kept whole.
    pub(crate) fn keeps_whole(&self, b: &Boot) -> bool {
        self.select.keeps(b) && self.kept.wants(b)
    }

    /// Gives back what growing its list of boots left unused (once its source is read).
    pub(crate) fn shrink(&mut self) {
        self.boots.shrink_to_fit();
    }

    /// Takes in another reducer's boots.
    pub(crate) fn merge(&mut self, other: Reducer) {
        // Taken over as it is, unless this list was made room in for it.
        if self.boots.is_empty() && self.boots.capacity() < other.boots.len() {
            self.boots = other.boots;
        } else {
            self.boots.extend(other.boots);
        }
        self.kept.merge(other.kept);
        self.instances_read.extend(other.instances_read);
        self.seen.merge(other.seen);
    }
}

/// A fleet reduced: its selected boots, lean and ordered by instance and boot, and the boots
/// kept whole.
#[derive(Debug, Default)]
pub(crate) struct Fleet {
    /// Lean boots ordered by instance and boot number.
    pub(crate) boots: Vec<LeanBoot>,
    /// Boots kept whole ([`Keep`]).
    pub(crate) kept: Vec<Boot>,
    /// What the boots read were, before the selection.
    pub(crate) seen: Seen,
}

impl Fleet {
    /// The fleet of a reducer's boots.
    pub(crate) fn from_reducer(r: Reducer) -> Self {
        let mut boots = r.boots;
        sort_by_instance(&mut boots);
        boots.shrink_to_fit();
        Self {
            boots,
            kept: r.kept.into_boots(),
            seen: r.seen,
        }
    }
}

/// Sorts boots by instance id and boot number, equal ones in their order (as a stable sort
/// does): their keys and positions are sorted, and each boot then moved once into place. A
/// stable sort of the boots themselves moves each of them about log₂ n times and borrows half
/// their size again (128 MB for a million).
fn sort_by_instance(boots: &mut [LeanBoot]) {
    let sorted = boots
        .windows(2)
        .all(|w| (&w[0].instance, w[0].boot) <= (&w[1].instance, w[1].boot));
    if sorted {
        return;
    }
    // An id's first eight bytes as a number order ids as their text does (a shorter id is
    // padded with zeros, which no longer id's byte is below), and most ids differ in them: a
    // comparison of two numbers stands in for most comparisons of the ids' text.
    let mut keys: Vec<(u64, &str, u32, usize)> = boots
        .iter()
        .enumerate()
        .map(|(i, b)| (prefix(&b.instance), &*b.instance, b.boot, i))
        .collect();
    keys.sort_unstable();
    let mut order: Vec<usize> = keys.into_iter().map(|k| k.3).collect();
    // Position k takes the boot at order[k]: follow each cycle, marking a place done (k).
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != k {
            let from = std::mem::replace(&mut order[k], k);
            if from == start {
                break;
            }
            boots.swap(k, from);
            k = from;
        }
    }
}

/// The first eight bytes of `id`, padded with zeros, as a big-endian number.
fn prefix(id: &str) -> u64 {
    let mut head = [0u8; 8];
    let n = id.len().min(8);
    head[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(head)
}

/// The lean boots of whole boots, in their order (tests and the timeline's summary).
pub(crate) fn lean_all(boots: &[Boot]) -> Vec<LeanBoot> {
    let mut i = Interner::default();
    boots
        .iter()
        .map(|b| {
            let mut b = b.clone();
            b.own_attempt();
            i.lean(&b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Milestone, Phase, SCHEMA_VERSION};

    fn boot(instance: &str, class: &str, latency: f64) -> Boot {
        Boot {
            schema_version: SCHEMA_VERSION,
            instance: instance.into(),
            workspace: None,
            class: class.into(),
            template: None,
            boot: 1,
            zero: Zero::Launch,
            zero_wall: None,
            launched: None,
            outcome: Outcome::Registered,
            latency: Some(Latency {
                secs: latency,
                censored: false,
                from: Zero::Launch,
            }),
            timeout_secs: 600.0,
            stuck_threshold_secs: 900.0,
            observed_secs: Some(latency),
            evidence: None,
            phases: vec![Phase {
                name: "modules-final".into(),
                depth: 1,
                start_secs: 30.951,
                end_secs: Some(7_000.125),
                result: None,
                source: "x:1".into(),
            }],
            milestones: vec![Milestone {
                name: "kernel_start".into(),
                at_secs: 12.5,
                wall: None,
                source: "x:2".into(),
            }],
            clock_skew_secs: None,
            clock_steps: Vec::new(),
            sources: vec!["x".into()],
            labels: BTreeMap::from([("class".to_string(), class.to_string())]),
            end: "registered".into(),
            identity: Vec::new(),
            attempt: 0,
            attempt_outcome: None,
            attempt_latency: None,
            attempt_flip_secs: None,
            attempt_stated_timeout_secs: None,
            attempt_failed_timeout_secs: None,
        }
    }

    #[test]
    fn lean_keeps_phase_times_to_the_millisecond_and_shares_names() {
        let mut i = Interner::default();
        let a = i.lean(&boot("i-1", "default", 400.0));
        let b = i.lean(&boot("i-2", "default", 500.0));
        let p = a.phases.iter().next().unwrap();
        assert_eq!(p.start_secs(), 30.951);
        assert_eq!(p.end_secs(), Some(7_000.125));
        assert_eq!(a.kernel_secs, Some(12.5));
        assert_eq!(
            (
                a.attempt_stated_timeout_secs(),
                a.attempt_failed_timeout_secs()
            ),
            (None, None)
        );
        let stated = Boot {
            attempt_stated_timeout_secs: Some(600.0),
            attempt_failed_timeout_secs: Some(607.125),
            ..boot("i-3", "default", 700.0)
        };
        let c = i.lean(&stated);
        assert_eq!(c.attempt_stated_timeout_secs(), Some(600.0));
        assert_eq!(c.attempt_failed_timeout_secs(), Some(607.125));
        assert!(Arc::ptr_eq(&a.class, &b.class));
        assert!(Arc::ptr_eq(&a.labels, &b.labels));
        assert!(Arc::ptr_eq(&a.phases.shape, &b.phases.shape));
    }

    #[test]
    fn a_reducer_keeps_the_selected_class_and_its_slowest_healthy_boot_whole() {
        let mut r = Reducer::new(&Reduce {
            select: Selection {
                class: Some("default".into()),
                ..Selection::default()
            },
            keep: Keep {
                slowest_healthy: true,
                ..Keep::default()
            },
            without_phases: false,
        });
        r.push(boot("i-1", "default", 400.0));
        r.push(boot("i-3", "default", 610.0));
        r.push(boot("i-2", "default", 610.0));
        r.push(boot("i-4", "gpu", 900.0));
        let f = Fleet::from_reducer(r);
        let ids: Vec<&str> = f.boots.iter().map(|b| &*b.instance).collect();
        assert_eq!(ids, ["i-1", "i-2", "i-3"]);
        // A tie goes to the first instance id, as the report's choice does.
        let kept: Vec<&str> = f.kept.iter().map(|b| b.instance.as_str()).collect();
        assert_eq!(kept, ["i-2"]);
        // The attempt of a timeline written before attempts is the boot.
        assert_eq!(f.boots[0].attempt, 1);
    }

    #[test]
    fn boots_sort_by_instance_and_boot_with_equal_ones_in_their_order() {
        // Instances out of order, boot numbers too, and the same boot three times (told
        // apart by their classes). Lean boots are compared by these (their NaN timeouts are
        // equal to nothing).
        let mut boots = Vec::new();
        for i in 0..200u32 {
            let mut b = boot(&format!("i-{}", (i * 37) % 23), &format!("c{i}"), 60.0);
            b.boot = 1 + (i as usize * 7) % 3;
            boots.push(b);
        }
        let keys = |boots: &[LeanBoot]| -> Vec<(String, u32, String)> {
            boots
                .iter()
                .map(|b| (b.instance.to_string(), b.boot, b.class.to_string()))
                .collect()
        };
        let mut sorted = lean_all(&boots);
        let mut stable = sorted.clone();
        stable.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
        sort_by_instance(&mut sorted);
        assert_eq!(keys(&sorted), keys(&stable));
        assert_ne!(keys(&lean_all(&boots)), keys(&stable));
        assert_eq!(
            keys(&sorted)[..2],
            [
                ("i-0".into(), 1, "c0".into()),
                ("i-0".into(), 1, "c69".into())
            ]
        );
        sort_by_instance(&mut sorted);
        assert_eq!(keys(&sorted), keys(&stable));
    }

    #[test]
    fn ids_that_share_their_first_eight_bytes_or_are_shorter_sort_as_their_text() {
        let ids = [
            "i-0a9d9983b",
            "i-0a9d9983",
            "i-0a9d998",
            "i-0a9d9983\u{0}",
            "i-0a9d9983a",
            "i-",
            "i-0a9d9984",
            "",
            "i-0a9d9983\u{7f}x",
            "j",
            "i-0a9d9983ab",
        ];
        let boots: Vec<Boot> = (0..ids.len() * 3)
            .map(|k| boot(ids[(k * 7) % ids.len()], &format!("c{k}"), 60.0))
            .collect();
        let mut sorted = lean_all(&boots);
        sort_by_instance(&mut sorted);
        let got: Vec<(String, String)> = sorted
            .iter()
            .map(|b| (b.instance.to_string(), b.class.to_string()))
            .collect();
        let mut want: Vec<(String, String)> = boots
            .iter()
            .map(|b| (b.instance.clone(), b.class.clone()))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want);
        assert_eq!(got[0].0, "");
        assert_eq!(got[3].0, "i-");
    }

    #[test]
    fn a_lean_boot_is_far_smaller_than_a_kilobyte() {
        assert!(
            std::mem::size_of::<LeanBoot>() <= 256,
            "{}",
            std::mem::size_of::<LeanBoot>()
        );
    }
}
