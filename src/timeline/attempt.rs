//! Provisioning attempts, the statistical unit (docs/design.md §3): one per `launched` event,
//! holding its boots in order. Each boot of a timeline carries its attempt's number, outcome, latency
//! and flip, so attempts are rebuilt from boots alone — from assembly, or from timeline shards
//! read back as input — and every attempt is counted once.
//!
//! A latency no boot can have (negative, zero, not finite, or beyond `[latency]
//! max_plausible_secs`) is decided here, once, by [`Latency::plausibility`]: every record the
//! statistics see passes through it, and the attempts it refuses are named, never fitted.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lean::LeanBoot;
use super::{Evidence, Labels, Latency, Name, Outcome, Zero};

/// Why a latency cannot be a real boot's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Implausible {
    /// Negative: the end was stamped before the zero (a `registered` event before its
    /// `launched`, clocks of two recorders apart).
    BeforeLaunch,
    /// An exact zero: the end was stamped at the zero's very instant.
    Zero,
    /// Not a finite number of seconds.
    NotFinite,
    /// Longer than `[latency] max_plausible_secs` (a year-9999 stamp, a clock reset).
    BeyondLimit,
}

impl Latency {
    /// The one decision whether this latency (exact or censored) can be a real boot's: a
    /// finite number of seconds, not negative, at most `max_plausible_secs`, and positive when
    /// exact. A censored 0 s is possible — nothing observed the attempt after its launch
    /// (platform events alone, the capture ending while it was in flight) — though it says
    /// nothing.
    pub(crate) fn plausibility(&self, max_plausible_secs: f64) -> Result<(), Implausible> {
        let s = self.secs;
        if !s.is_finite() {
            Err(Implausible::NotFinite)
        } else if s < 0.0 {
            Err(Implausible::BeforeLaunch)
        } else if s == 0.0 && !self.censored {
            Err(Implausible::Zero)
        } else if s > max_plausible_secs {
            Err(Implausible::BeyondLimit)
        } else {
            Ok(())
        }
    }

    /// The record the statistics see, `(seconds, censored)`: a plausible latency that says
    /// something (every boot takes longer than 0 s, so a censored 0 s gives none).
    pub(crate) fn record(&self, max_plausible_secs: f64) -> Option<(f64, bool)> {
        self.plausibility(max_plausible_secs).ok()?;
        (self.secs > 0.0).then_some((self.secs, self.censored))
    }
}

/// An attempt whose latency is implausible: excluded from every fit, counted and named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ImplausibleAttempt {
    /// Instance id.
    pub(crate) instance: String,
    /// 1-based attempt number within the instance.
    pub(crate) attempt: usize,
    /// Timeout class.
    pub(crate) class: String,
    /// The latency as the inputs gave it, seconds.
    pub(crate) latency_secs: f64,
    /// Whether it was censored.
    pub(crate) censored: bool,
    /// What it counts from.
    pub(crate) from: Zero,
    /// The milestone it runs to.
    pub(crate) end: String,
    /// Why it is implausible.
    pub(crate) reason: Implausible,
}

impl ImplausibleAttempt {
    /// The latency and why it is implausible: `-5 s: registered before launch`; a censored one
    /// says so (`-5 s censored: before launch`).
    pub(crate) fn detail(&self) -> String {
        let zero = match self.from {
            Zero::Launch => "launch",
            Zero::KernelStart => "kernel start",
            Zero::FirstSeen => "first seen",
        };
        let end = if self.censored {
            String::new()
        } else {
            format!("{} ", self.end)
        };
        let why = match self.reason {
            Implausible::BeforeLaunch => format!("{end}before {zero}"),
            Implausible::Zero => format!("{end}at {zero}"),
            Implausible::NotFinite => "not a number".to_string(),
            Implausible::BeyondLimit => "beyond the limit".to_string(),
        };
        let censored = if self.censored { " censored" } else { "" };
        format!("{} s{censored}: {why}", self.latency_secs)
    }
}

impl std::fmt::Display for ImplausibleAttempt {
    /// `i-0abc attempt 1 (-5 s: registered before launch)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} attempt {} ({})",
            self.instance,
            self.attempt,
            self.detail()
        )
    }
}

/// The most attempts any list an output names holds (the implausible attempts, the false
/// fails at a timeout, the killed ones that registered later, …); the rest are counted in the
/// list's sibling `…_more` key. A summary keeps, per group of attempts, the ids of at most
/// this many of each kind an output lists (docs/scale.md).
pub(crate) const LISTED_MAX: usize = 100;

/// The implausible attempts of an input: how many, under which limit, and each one (the first
/// [`LISTED_MAX`] by instance and attempt number).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Implausibles {
    /// How many attempts were excluded.
    pub(crate) count: usize,
    /// The limit applied (`[latency] max_plausible_secs`), seconds.
    pub(crate) max_plausible_secs: f64,
    /// Excluded attempts, by instance and attempt number: the first [`LISTED_MAX`].
    pub(crate) attempts: Vec<ImplausibleAttempt>,
    /// How many excluded attempts `attempts` leaves out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) attempts_more: usize,
}

/// Whether a count is 0 (serde's `skip_serializing_if` of the `…_more` keys).
pub(crate) fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Implausibles {
    /// Whether every attempt was plausible.
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds `other`'s (found under the same limit): the counts add, the list keeps the first
    /// [`LISTED_MAX`] of both.
    pub(crate) fn absorb(&mut self, other: Implausibles) {
        self.count += other.count;
        self.max_plausible_secs = other.max_plausible_secs;
        self.attempts.extend(other.attempts);
        self.cap();
    }

    /// Keeps the first [`LISTED_MAX`] attempts by instance and attempt number, counting the
    /// rest.
    fn cap(&mut self) {
        let list = &mut self.attempts;
        list.sort_by(|a, b| (&a.instance, a.attempt).cmp(&(&b.instance, b.attempt)));
        list.truncate(LISTED_MAX);
        self.attempts_more = self.count - list.len();
    }
}

/// The attempts among `attempts` whose latency is implausible under `max_plausible_secs`.
#[cfg(test)]
fn implausible(attempts: &[Attempt], max_plausible_secs: f64) -> Implausibles {
    implausible_counted(attempts.iter().map(|a| (a, 1)), max_plausible_secs)
}

/// [`implausible`] of attempts each standing for `count` equal ones; only those with an
/// instance id are listed.
pub(crate) fn implausible_counted<'a>(
    attempts: impl IntoIterator<Item = (&'a Attempt, u64)>,
    max_plausible_secs: f64,
) -> Implausibles {
    let mut count = 0usize;
    let out: Vec<ImplausibleAttempt> = attempts
        .into_iter()
        .filter_map(|(a, n)| {
            let l = a.fitted_latency()?;
            let reason = l.plausibility(max_plausible_secs).err()?;
            count += n as usize;
            (!a.instance.is_empty()).then(|| ImplausibleAttempt {
                instance: a.instance.to_string(),
                attempt: a.attempt,
                class: a.class.to_string(),
                latency_secs: l.secs,
                censored: l.censored,
                from: l.from,
                end: a.end.to_string(),
                reason,
            })
        })
        .collect();
    let mut found = Implausibles {
        count,
        max_plausible_secs,
        attempts: out,
        attempts_more: 0,
    };
    found.cap();
    found
}

/// One provisioning attempt: a `launched` event to registered, flipped or given up, across the
/// boots it took. Without platform events a boot is its own attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Attempt {
    /// Instance id.
    pub(crate) instance: Name,
    /// Workspace id, when the platform named one.
    pub(crate) workspace: Option<Name>,
    /// 1-based attempt number within the instance.
    pub(crate) attempt: usize,
    /// Timeout class.
    pub(crate) class: Name,
    /// Template, when the platform named one.
    pub(crate) template: Option<Name>,
    /// Labels of the `launched` event (class, template and any other key it carried).
    pub(crate) labels: Labels,
    /// Launch time, when known.
    pub(crate) launched: Option<DateTime<Utc>>,
    /// Boot numbers (within the instance) of the attempt's boots, in order.
    pub(crate) boots: Vec<usize>,
    /// What became of the attempt, decided over all its boots.
    pub(crate) outcome: Outcome,
    /// Register latency from launch across reboots (exact or censored); `None` for stuck and
    /// crashed attempts.
    pub(crate) latency: Option<Latency>,
    /// What its seconds count from (its first boot's zero).
    pub(crate) zero: Zero,
    /// Seconds from the zero to the sweep's flip, when the sweep flipped the attempt.
    pub(crate) flip_secs: Option<f64>,
    /// The timeout the configuration declares for it (class or template override), seconds.
    pub(crate) timeout_secs: f64,
    /// The timeout the platform's own timeout or `failed` events stated for it, seconds.
    pub(crate) stated_timeout_secs: Option<f64>,
    /// The timeout its first platform `failed` event was judged against, seconds.
    pub(crate) failed_timeout_secs: Option<f64>,
    /// The stuck threshold of its class, seconds.
    pub(crate) stuck_threshold_secs: f64,
    /// The milestone its latency runs to (`registered`, `boot_finished` or a marker's name).
    pub(crate) end: Name,
    /// Crash evidence of its boots, in boot order: the verdict of a crashed attempt, a note on
    /// one that recovered (a kernel panic, then a reboot that registered).
    pub(crate) evidence: Vec<Evidence>,
}

impl Attempt {
    /// The latency record the statistics see: exact for registered and false-failed attempts,
    /// censored for timed-out and unknown ones; `None` for stuck and crashed attempts and for
    /// an implausible latency ([`implausible`] names those).
    pub(crate) fn record(&self, max_plausible_secs: f64) -> Option<(f64, bool)> {
        self.fitted_latency()?.record(max_plausible_secs)
    }

    /// The latency of an outcome the statistics fit; stuck and crashed attempts are counted,
    /// never fitted, whatever a timeline shard says of their latency.
    fn fitted_latency(&self) -> Option<Latency> {
        match self.outcome {
            Outcome::Registered | Outcome::FalseFailed | Outcome::TimedOut | Outcome::Unknown => {
                self.latency
            }
            Outcome::Stuck | Outcome::Crashed => None,
        }
    }
}

/// The attempts of boots ordered by instance and boot number (as assembly returns them): one per
/// distinct attempt number of an instance, in order.
pub(crate) fn attempts(boots: &[LeanBoot]) -> Vec<Attempt> {
    // Counted first, so the list is made once at its size (not moved each time it grows).
    let mut out: Vec<Attempt> = Vec::with_capacity(count(boots));
    out.extend(each_attempt(boots));
    out
}

/// [`attempts`] one at a time, in the same order, for a reader that counts them and need not
/// hold them.
pub(crate) fn each_attempt(boots: &[LeanBoot]) -> impl Iterator<Item = Attempt> + '_ {
    let mut rest = boots;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let len = 1 + rest[1..]
            .iter()
            .take_while(|b| same_attempt(first, b))
            .count();
        let a = attempt_of(&rest[..len]);
        rest = &rest[len..];
        Some(a)
    })
}

/// [`attempts`], letting the boots go as their attempts are made (from the last), so the boots
/// and the attempts are not held whole side by side.
pub(crate) fn attempts_of(mut boots: Vec<LeanBoot>) -> Vec<Attempt> {
    // Boots let go in steps of this many at least give their memory back.
    const STEP: usize = 1 << 14;
    let mut out: Vec<Attempt> = Vec::with_capacity(count(&boots));
    while let Some(last) = boots.last() {
        let first = boots.len()
            - 1
            - boots[..boots.len() - 1]
                .iter()
                .rev()
                .take_while(|b| same_attempt(b, last))
                .count();
        out.push(attempt_of(&boots[first..]));
        boots.truncate(first);
        if boots.capacity() - boots.len() >= STEP.max(boots.len() / 8) {
            boots.shrink_to_fit();
        }
    }
    out.reverse();
    out
}

/// How many attempts ordered boots hold.
fn count(boots: &[LeanBoot]) -> usize {
    let starts = boots
        .windows(2)
        .filter(|w| !same_attempt(&w[0], &w[1]))
        .count();
    starts + usize::from(!boots.is_empty())
}

/// The attempt of its boots, in order (one at least): the first boot's attempt fields, every
/// boot's number and crash evidence.
fn attempt_of(boots: &[LeanBoot]) -> Attempt {
    let b = &boots[0];
    Attempt {
        instance: b.instance.clone(),
        workspace: b.workspace.clone(),
        attempt: b.attempt as usize,
        class: b.class.clone(),
        template: b.template.clone(),
        labels: b.labels.clone(),
        launched: b.launched(),
        boots: boots.iter().map(|b| b.boot as usize).collect(),
        outcome: b.attempt_outcome.unwrap_or(b.outcome),
        latency: b.attempt_latency,
        zero: b.zero,
        flip_secs: b.attempt_flip_secs,
        timeout_secs: b.timeout_secs,
        stated_timeout_secs: b.attempt_stated_timeout_secs(),
        failed_timeout_secs: b.attempt_failed_timeout_secs(),
        stuck_threshold_secs: b.stuck_threshold_secs,
        end: b.end.clone(),
        evidence: boots
            .iter()
            .filter_map(|b| b.evidence.as_deref().cloned())
            .collect(),
    }
}

/// Whether two boots (in order) are of one attempt: its instance's, and its number.
fn same_attempt(a: &LeanBoot, b: &LeanBoot) -> bool {
    a.attempt == b.attempt && a.instance == b.instance
}

/// When no attempt of `class` reached its end milestone (none has an exact latency), one line
/// saying so, with the counts, and how boots without a register are timed; `None` when there is
/// something to fit. Each attempt stands for its count (one each from boots, a summary's
/// distinct values counted).
pub(crate) fn nothing_to_fit(attempts: &[(Attempt, u64)], class: &str) -> Option<String> {
    // Reaching the end counts even at an implausible time: those attempts are named apart.
    if attempts
        .iter()
        .any(|(a, _)| a.latency.is_some_and(|l| !l.censored))
    {
        return None;
    }
    let mut ends: Vec<&str> = attempts.iter().map(|(a, _)| &*a.end).collect();
    ends.sort_unstable();
    ends.dedup();
    let end = match ends.as_slice() {
        [one] => *one,
        _ => "registered",
    };
    let mut outcomes: BTreeMap<&str, u64> = BTreeMap::new();
    for (a, n) in attempts {
        *outcomes.entry(a.outcome.as_str()).or_default() += n;
    }
    let counts: Vec<String> = outcomes.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let n: u64 = outcomes.values().sum();
    let hint = if end == "boot_finished" {
        "name a milestone they reach with --end NAME ([latency] end in bootline.toml)"
    } else {
        "to time boots without platform events or a register line, end them at cloud-init's \
         end with --end boot_finished ([latency] end in bootline.toml)"
    };
    Some(format!(
        "nothing to fit: none of the {n} attempt{} of class {class} reached its end milestone \
         `{end}`{}; {hint}",
        if n == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        }
    ))
}

#[cfg(test)]
impl Attempt {
    /// Whether the sweep flipped the attempt to failed (killed it, or nearly: a false-failed
    /// attempt registered after the flip).
    pub(crate) fn flipped(&self) -> bool {
        self.flip_secs.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::lean::lean_all;
    use crate::timeline::{Boot, Zero, SCHEMA_VERSION};

    const DAY: f64 = crate::config::DEFAULT_MAX_PLAUSIBLE_SECS;

    fn latency(secs: f64, censored: bool) -> Latency {
        Latency {
            secs,
            censored,
            from: Zero::Launch,
        }
    }

    #[test]
    fn a_latency_is_plausible_when_positive_finite_and_within_the_limit() {
        let judge = |secs: f64, censored: bool| latency(secs, censored).plausibility(DAY);
        for censored in [false, true] {
            assert_eq!(judge(0.001, censored), Ok(()));
            assert_eq!(judge(412.0, censored), Ok(()));
            assert_eq!(
                judge(DAY, censored),
                Ok(()),
                "the limit itself is plausible"
            );
            assert_eq!(judge(-5.0, censored), Err(Implausible::BeforeLaunch));
            assert_eq!(judge(-0.001, censored), Err(Implausible::BeforeLaunch));
            assert_eq!(judge(DAY + 0.001, censored), Err(Implausible::BeyondLimit));
            assert_eq!(judge(4e9, censored), Err(Implausible::BeyondLimit));
            assert_eq!(judge(f64::NAN, censored), Err(Implausible::NotFinite));
            assert_eq!(judge(f64::INFINITY, censored), Err(Implausible::NotFinite));
            assert_eq!(
                judge(f64::NEG_INFINITY, censored),
                Err(Implausible::NotFinite)
            );
        }
        assert_eq!(judge(0.0, false), Err(Implausible::Zero));
        assert_eq!(judge(-0.0, false), Err(Implausible::Zero));
        // Nothing seen after the launch: possible, and no record (it says nothing).
        assert_eq!(judge(0.0, true), Ok(()));
        assert_eq!(latency(0.0, true).record(DAY), None);
        assert_eq!(latency(0.5, true).record(DAY), Some((0.5, true)));
        // The limit is the configured one, not a constant.
        assert_eq!(
            latency(700.0, false).plausibility(600.0),
            Err(Implausible::BeyondLimit)
        );
        assert_eq!(latency(600.0, false).plausibility(600.0), Ok(()));
        let words: Vec<String> = [
            Implausible::BeforeLaunch,
            Implausible::Zero,
            Implausible::NotFinite,
            Implausible::BeyondLimit,
        ]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
        assert_eq!(
            words,
            [
                "\"before_launch\"",
                "\"zero\"",
                "\"not_finite\"",
                "\"beyond_limit\""
            ]
        );
    }

    #[test]
    fn implausible_attempts_get_no_record_and_are_named_with_their_reason() {
        let with = |instance: &str, outcome: Outcome, l: Option<Latency>| {
            let mut b = boot(instance, 1, 1, outcome);
            b.attempt_outcome = Some(outcome);
            b.attempt_latency = l;
            b
        };
        let boots = [
            with("i-1", Outcome::Registered, Some(latency(300.0, false))),
            with("i-2", Outcome::Registered, Some(latency(-5.0, false))),
            with("i-3", Outcome::Registered, Some(latency(0.0, false))),
            with("i-4", Outcome::FalseFailed, Some(latency(4e9, false))),
            with("i-5", Outcome::Unknown, Some(latency(90_000.0, true))),
            with("i-6", Outcome::Crashed, None),
            with("i-7", Outcome::Unknown, Some(latency(0.0, true))),
            with("i-8", Outcome::Unknown, Some(latency(-2.0, true))),
        ];
        let a = attempts(&lean_all(&boots));
        let records: Vec<Option<(f64, bool)>> = a.iter().map(|a| a.record(DAY)).collect();
        assert_eq!(
            records,
            [
                Some((300.0, false)),
                None,
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
        let found = implausible(&a, DAY);
        assert_eq!(found.count, 5);
        assert_eq!(found.max_plausible_secs, DAY);
        let named: Vec<String> = found.attempts.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            named,
            [
                "i-2 attempt 1 (-5 s: registered before launch)",
                "i-3 attempt 1 (0 s: registered at launch)",
                "i-4 attempt 1 (4000000000 s: beyond the limit)",
                "i-5 attempt 1 (90000 s censored: beyond the limit)",
                "i-8 attempt 1 (-2 s censored: before launch)",
            ]
        );
        // A larger limit takes the long censored one back; nothing else moves.
        let week = implausible(&a, 7.0 * DAY);
        assert_eq!(week.count, 4);
        assert_eq!(a[4].record(7.0 * DAY), Some((90_000.0, true)));
        assert!(implausible(&a[..1], DAY).is_empty());
    }

    fn boot(instance: &str, boot: usize, attempt: usize, outcome: Outcome) -> Boot {
        Boot {
            schema_version: SCHEMA_VERSION,
            identity: Vec::new(),
            instance: instance.into(),
            workspace: None,
            class: "default".into(),
            template: None,
            boot,
            zero: Zero::Launch,
            zero_wall: None,
            launched: None,
            outcome,
            latency: None,
            timeout_secs: 600.0,
            stuck_threshold_secs: 900.0,
            observed_secs: None,
            evidence: None,
            phases: Vec::new(),
            milestones: Vec::new(),
            clock_skew_secs: None,
            clock_steps: Vec::new(),
            sources: Vec::new(),
            labels: BTreeMap::new(),
            attempt,
            attempt_outcome: None,
            attempt_latency: None,
            attempt_flip_secs: None,
            attempt_stated_timeout_secs: None,
            attempt_failed_timeout_secs: None,
            end: "registered".into(),
        }
    }

    #[test]
    fn boots_of_one_attempt_make_one_attempt_with_their_evidence_as_notes() {
        let exact = Latency {
            secs: 500.0,
            censored: false,
            from: Zero::Launch,
        };
        let mut panicked = boot("i-1", 1, 1, Outcome::Crashed);
        panicked.evidence = Some(Evidence {
            kind: "kernel_panic".into(),
            line: "Kernel panic - not syncing".into(),
            source: "console.log:9".into(),
        });
        let mut rebooted = boot("i-1", 2, 1, Outcome::Registered);
        for b in [&mut panicked, &mut rebooted] {
            b.attempt_outcome = Some(Outcome::Registered);
            b.attempt_latency = Some(exact);
        }
        let second_launch = boot("i-1", 3, 2, Outcome::Unknown);
        let other = boot("i-2", 1, 1, Outcome::Unknown);
        let a = attempts(&lean_all(&[panicked, rebooted, second_launch, other]));
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].boots, [1, 2]);
        assert_eq!(a[0].outcome, Outcome::Registered);
        assert_eq!(a[0].record(DAY), Some((500.0, false)));
        assert_eq!(a[0].evidence.len(), 1, "the panic is kept as a note");
        assert_eq!((&*a[1].instance, a[1].attempt), ("i-1", 2));
        assert_eq!(a[1].boots, [3]);
        assert_eq!((&*a[2].instance, a[2].boots.len()), ("i-2", 1));
    }

    /// Boots let go as their attempts are made give the attempts of the boots kept: over
    /// enough boots that their list gives memory back on the way, with attempts of one to
    /// three boots, some with crash evidence.
    #[test]
    fn attempts_made_letting_the_boots_go_are_the_attempts_of_the_boots() {
        let mut boots = Vec::new();
        for i in 0..30_000 {
            let instance = format!("i-{i:06}");
            let mut number = 1;
            for attempt in 1..=1 + i % 2 {
                for _ in 0..1 + (i + attempt) % 3 {
                    let mut b = boot(&instance, number, attempt, Outcome::Registered);
                    if (i + number) % 7 < 3 {
                        b.evidence = Some(Evidence {
                            kind: "kernel_panic".into(),
                            line: format!("panic {number}"),
                            source: "console.log:9".into(),
                        });
                    }
                    boots.push(b);
                    number += 1;
                }
            }
        }
        let lean = lean_all(&boots);
        let kept = attempts(&lean);
        assert_eq!(kept.len(), 45_000);
        assert!(kept.iter().any(|a| a.boots == [1, 2, 3]));
        assert!(kept.iter().any(|a| a.evidence.len() == 2));
        assert_eq!(attempts_of(lean), kept);
        assert_eq!(attempts_of(Vec::new()), []);
    }

    /// Attempts read from boots, each standing for one.
    fn ones(attempts: Vec<Attempt>) -> Vec<(Attempt, u64)> {
        attempts.into_iter().map(|a| (a, 1)).collect()
    }

    #[test]
    fn nothing_to_fit_says_why_with_the_counts_and_the_option() {
        let mut unknown = boot("i-1", 1, 1, Outcome::Unknown);
        unknown.attempt_latency = Some(Latency {
            secs: 412.0,
            censored: true,
            from: Zero::KernelStart,
        });
        let crashed = boot("i-2", 1, 1, Outcome::Crashed);
        let line = nothing_to_fit(
            &ones(attempts(&lean_all(&[unknown.clone(), crashed]))),
            "default",
        )
        .unwrap();
        assert_eq!(
            line,
            "nothing to fit: none of the 2 attempts of class default reached its end milestone \
             `registered` (1 crashed, 1 unknown); to time boots without platform events or a \
             register line, end them at cloud-init's end with --end boot_finished ([latency] end \
             in bootline.toml)"
        );
        let mut done = boot("i-3", 1, 1, Outcome::Registered);
        done.attempt_latency = Some(Latency {
            secs: 400.0,
            censored: false,
            from: Zero::KernelStart,
        });
        assert_eq!(
            nothing_to_fit(&ones(attempts(&lean_all(&[unknown, done]))), "default"),
            None
        );
    }

    #[test]
    fn a_timeline_without_attempts_reads_each_boot_as_its_own() {
        let mut b = boot("i-1", 2, 0, Outcome::TimedOut);
        b.latency = Some(Latency {
            secs: 630.0,
            censored: true,
            from: Zero::Launch,
        });
        b.milestones.push(crate::timeline::Milestone {
            name: "timed_out".into(),
            at_secs: 630.0,
            wall: None,
            source: "events.jsonl:3".into(),
        });
        b.own_attempt();
        assert_eq!(b.attempt, 2);
        assert_eq!(b.attempt_outcome, Some(Outcome::TimedOut));
        let a = attempts(&lean_all(&[b]));
        assert_eq!(a[0].record(DAY), Some((630.0, true)));
        assert!(a[0].flipped());
        assert_eq!(a[0].flip_secs, Some(630.0));
    }
}
