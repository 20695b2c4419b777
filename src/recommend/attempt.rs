//! The recommendation's input: one provisioning attempt per record, with what the sweep did to
//! it, and the one mapping from the timelines' attempts (and from plain durations files) into it.
//!
//! The rule (docs/recommendation.md, "Killed is not slow"): an attempt the sweep flipped that registered later
//! (`false_failed`) is an exact record, killed; a flipped attempt never seen registering
//! (`timed_out`) is censored at the flip, killed; `registered` is exact; `unknown` is censored at
//! the end of observation; `stuck` and `crashed` attempts are counted, never fitted.

use serde::{Deserialize, Serialize};

use crate::stats::Record;
use crate::timeline::lean::{Labels, Name};
use crate::timeline::{Attempt as TimelineAttempt, Implausibles, Outcome, Zero, LISTED_MAX};

/// What is known of one attempt's register latency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "secs")]
pub(crate) enum Latency {
    /// It registered after this many seconds.
    Exact(f64),
    /// It is only known to take longer than this many seconds.
    Censored(f64),
    /// It never registered and was observed past its stuck threshold: counted, never fitted.
    Stuck,
    /// It never registered and crashed: counted, never fitted.
    Crashed,
}

/// One provisioning attempt as the recommendation sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Attempt {
    /// Instance id (empty for records of a plain durations file).
    pub(crate) instance: Name,
    /// Timeout class.
    pub(crate) class: Name,
    /// Template, when the platform named one.
    pub(crate) template: Option<Name>,
    /// Other platform labels (instance type, region, …).
    pub(crate) labels: Labels,
    /// The latency, or why there is none.
    pub(crate) latency: Latency,
    /// Whether the sweep flipped it at its timeout.
    pub(crate) killed: bool,
    /// Whether the latency counts from the kernel's start (launch unknown), not the launch.
    pub(crate) from_kernel: bool,
    /// How many attempts this one stands for: 1 for an attempt read from logs, shards or a
    /// durations file (and for a summary's named attempt); a summary's unnamed attempts of
    /// one group and latency are one `Attempt` counting them all. Every count, rate, list and
    /// record set of the recommendation weighs an attempt by it.
    pub(crate) count: u64,
}

impl Attempt {
    /// The statistics record: `None` for stuck and crashed attempts.
    pub(crate) fn record(&self) -> Option<Record> {
        match self.latency {
            Latency::Exact(s) => Some(Record::event(s)),
            Latency::Censored(s) => Some(Record::censored(s)),
            Latency::Stuck | Latency::Crashed => None,
        }
    }

    /// Whether it is fitted with a latency that counts from the kernel's start, not a launch:
    /// the one test of it every output counts by (`latency_from_kernel_start` of `fit`, the
    /// report's `from_kernel_start`, the recommendation's warning).
    pub(crate) fn counts_from_kernel(&self) -> bool {
        self.from_kernel && self.record().is_some()
    }

    /// A censored record the sweep killed: stuck or slow, the data cannot tell
    /// (`docs/recommendation.md`, "Killed is not slow").
    pub(crate) fn killed_unresolved(&self) -> bool {
        self.killed && matches!(self.latency, Latency::Censored(_))
    }

    /// Its statistics record with the number of attempts it stands for.
    pub(crate) fn counted_record(&self) -> Option<(Record, u64)> {
        Some((self.record()?, self.count))
    }

    /// The value of a grouping label; `template` and `class` are labels too.
    pub(crate) fn label(&self, key: &str) -> Option<&str> {
        match key {
            "class" => Some(&self.class),
            "template" => self.template.as_deref(),
            _ => self.labels.get(key).map(String::as_str),
        }
    }
}

/// Attempts of a fitted outcome without a usable latency: how many, and the instances of the
/// first [`LISTED_MAX`] by instance and attempt number.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Unusable {
    /// How many attempts.
    pub(crate) count: usize,
    /// The instances (and attempt numbers) of the first [`LISTED_MAX`].
    pub(crate) attempts: Vec<(Name, usize)>,
}

impl Unusable {
    /// Adds `other`'s: the counts add, the list keeps the first [`LISTED_MAX`] of both.
    pub(crate) fn absorb(&mut self, other: Unusable) {
        self.count += other.count;
        self.attempts.extend(other.attempts);
        self.cap();
    }

    /// Keeps the first [`LISTED_MAX`] by instance and attempt number.
    fn cap(&mut self) {
        self.attempts.sort();
        self.attempts.truncate(LISTED_MAX);
    }
}

/// The one mapping from the timelines' provisioning attempts (the statistical unit: one
/// record per attempt, however many boots it took), each standing for `count` equal ones, to
/// the recommendation's input. An attempt whose latency is implausible under
/// `max_plausible_secs` is returned in the third value, one whose latency is unknown for a
/// fitted outcome in the second: never silently dropped.
pub(crate) fn from_attempts(
    attempts: &[(&TimelineAttempt, u64)],
    max_plausible_secs: f64,
) -> (Vec<Attempt>, Unusable, Implausibles) {
    let mut out = Vec::with_capacity(attempts.len());
    let mut unusable = Unusable::default();
    let implausible =
        crate::timeline::implausible_counted(attempts.iter().copied(), max_plausible_secs);
    for &(a, count) in attempts {
        let latency = match (a.outcome, a.record(max_plausible_secs)) {
            (Outcome::Stuck, _) => Some(Latency::Stuck),
            (Outcome::Crashed, _) => Some(Latency::Crashed),
            (Outcome::Registered | Outcome::FalseFailed, Some((secs, false))) => {
                Some(Latency::Exact(secs))
            }
            (Outcome::TimedOut | Outcome::Unknown, Some((secs, true))) => {
                Some(Latency::Censored(secs))
            }
            (
                Outcome::Registered | Outcome::FalseFailed | Outcome::TimedOut | Outcome::Unknown,
                _,
            ) => None,
        };
        let Some(latency) = latency else {
            // Implausible latencies are named in `implausible`, not counted twice.
            if a.latency
                .is_none_or(|l| l.plausibility(max_plausible_secs).is_ok())
            {
                unusable.count += count as usize;
                if !a.instance.is_empty() {
                    unusable.attempts.push((a.instance.clone(), a.attempt));
                }
            }
            continue;
        };
        out.push(Attempt {
            instance: a.instance.clone(),
            class: a.class.clone(),
            template: a.template.clone(),
            labels: a.labels.clone(),
            latency,
            killed: matches!(a.outcome, Outcome::FalseFailed | Outcome::TimedOut),
            from_kernel: a.latency.is_some_and(|l| from_kernel(&l)),
            count,
        });
    }
    unusable.cap();
    (out, unusable, implausible)
}

/// Whether a latency misses the time before the kernel started: it counts from the kernel's
/// start (the launch unknown), or from the first moment any source saw.
fn from_kernel(l: &crate::timeline::Latency) -> bool {
    l.from != Zero::Launch
}

/// Attempts of a plain durations file, all of class `class`. A record censored at or after the
/// current timeout is taken as killed by the sweep; one censored earlier ended otherwise (the
/// capture ended, the workspace was deleted).
pub(crate) fn from_records(
    records: &[Record],
    class: &str,
    current_timeout_secs: f64,
) -> Vec<Attempt> {
    let (instance, class, labels): (Name, Name, Labels) =
        (Name::from(""), Name::from(class), Labels::default());
    records
        .iter()
        .map(|r| Attempt {
            instance: instance.clone(),
            class: class.clone(),
            template: None,
            labels: labels.clone(),
            latency: if r.censored {
                Latency::Censored(r.duration_secs)
            } else {
                Latency::Exact(r.duration_secs)
            },
            killed: r.censored && r.duration_secs >= current_timeout_secs,
            from_kernel: false,
            count: 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::attempt::Implausible;
    use crate::timeline::Latency as BootLatency;

    const DAY: f64 = crate::config::DEFAULT_MAX_PLAUSIBLE_SECS;

    fn counted(attempts: &[TimelineAttempt]) -> Vec<(&TimelineAttempt, u64)> {
        attempts.iter().map(|a| (a, 1)).collect()
    }

    fn attempt(outcome: Outcome, latency: Option<(f64, bool)>) -> TimelineAttempt {
        TimelineAttempt {
            instance: format!("i-{}", outcome.as_str()).into(),
            workspace: None,
            attempt: 1,
            class: "default".into(),
            template: None,
            labels: std::collections::BTreeMap::from([("region".to_string(), "eu".to_string())])
                .into(),
            launched: None,
            boots: vec![1],
            outcome,
            latency: latency.map(|(secs, censored)| BootLatency {
                secs,
                censored,
                from: Zero::Launch,
            }),
            zero: Zero::Launch,
            flip_secs: None,
            timeout_secs: 600.0,
            stated_timeout_secs: None,
            failed_timeout_secs: None,
            stuck_threshold_secs: 900.0,
            end: "registered".into(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn each_outcome_maps_to_its_record_and_kill_flag() {
        let boots = [
            attempt(Outcome::Registered, Some((400.0, false))),
            attempt(Outcome::FalseFailed, Some((626.0, false))),
            attempt(Outcome::TimedOut, Some((659.0, true))),
            attempt(Outcome::Unknown, Some((301.0, true))),
            attempt(Outcome::Stuck, None),
            attempt(Outcome::Crashed, None),
        ];
        let (a, unusable, implausible) = from_attempts(&counted(&boots), DAY);
        assert!(unusable.count == 0 && implausible.is_empty());
        let got: Vec<(Latency, bool)> = a.iter().map(|a| (a.latency, a.killed)).collect();
        assert_eq!(
            got,
            [
                (Latency::Exact(400.0), false),
                (Latency::Exact(626.0), true),
                (Latency::Censored(659.0), true),
                (Latency::Censored(301.0), false),
                (Latency::Stuck, false),
                (Latency::Crashed, false),
            ]
        );
        assert_eq!(a[1].record(), Some(Record::event(626.0)));
        assert_eq!(a[2].record(), Some(Record::censored(659.0)));
        assert!(a[2].killed_unresolved() && !a[1].killed_unresolved());
        assert_eq!(a[4].record(), None);
        assert_eq!(a[0].label("region"), Some("eu"));
        assert_eq!(a[0].label("class"), Some("default"));
    }

    #[test]
    fn a_fitted_outcome_without_latency_is_returned_not_dropped() {
        let boots = [attempt(Outcome::Registered, None)];
        let (a, unusable, implausible) = from_attempts(&counted(&boots), DAY);
        assert!(a.is_empty());
        assert_eq!(unusable.count, 1);
        assert_eq!(unusable.attempts.len(), 1);
        assert!(implausible.is_empty());
    }

    #[test]
    fn an_implausible_latency_is_returned_apart_never_fitted() {
        let boots = [
            attempt(Outcome::Registered, Some((400.0, false))),
            attempt(Outcome::FalseFailed, Some((-5.0, false))),
            attempt(Outcome::Registered, Some((0.0, false))),
            attempt(Outcome::Unknown, Some((4e9, true))),
            attempt(Outcome::TimedOut, Some((0.0, true))),
        ];
        let (a, unusable, implausible) = from_attempts(&counted(&boots), DAY);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].latency, Latency::Exact(400.0));
        // A censored 0 s is possible but says nothing: unusable, not implausible.
        let unusable: Vec<&str> = unusable.attempts.iter().map(|a| &*a.0).collect();
        assert_eq!(unusable, ["i-timed_out"], "each named once");
        let named: Vec<(&str, Implausible)> = implausible
            .attempts
            .iter()
            .map(|a| (a.instance.as_str(), a.reason))
            .collect();
        assert_eq!(
            named,
            [
                ("i-false_failed", Implausible::BeforeLaunch),
                ("i-registered", Implausible::Zero),
                ("i-unknown", Implausible::BeyondLimit),
            ]
        );
        // A smaller configured limit excludes the 400 s one too.
        let (a, _, implausible) = from_attempts(&counted(&boots), 300.0);
        assert!(a.is_empty());
        assert_eq!(implausible.count, 4);
    }

    #[test]
    fn durations_censored_at_the_timeout_count_as_killed() {
        let recs = [
            Record::event(300.0),
            Record::censored(200.0),
            Record::censored(600.0),
        ];
        let a = from_records(&recs, "default", 600.0);
        let killed: Vec<bool> = a.iter().map(|a| a.killed).collect();
        assert_eq!(killed, [false, false, true]);
    }
}
