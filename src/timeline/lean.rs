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
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::skim;
use super::{Boot, Evidence, Latency, Outcome, Zero};
pub(crate) use super::{Labels, Name};

#[path = "lean_record.rs"]
pub(crate) mod record;

mod interner;
mod reducer;

pub(crate) use interner::Interner;
pub(crate) use reducer::{lean_all, Fleet, LineRead, Reduce, Reducer};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Milestone, Phase, SCHEMA_VERSION};

    pub(super) fn boot(instance: &str, class: &str, latency: f64) -> Boot {
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
    fn a_lean_boot_is_far_smaller_than_a_kilobyte() {
        assert!(
            std::mem::size_of::<LeanBoot>() <= 256,
            "{}",
            std::mem::size_of::<LeanBoot>()
        );
    }
}
