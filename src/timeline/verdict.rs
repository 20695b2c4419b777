//! The decisions of what became of a boot or an attempt, as pure functions over what its
//! sources established (docs/design.md §3): what a platform `failed` event means (the sweep's flip
//! or crash evidence), the outcome, and the latency with its censoring.
//!
//! A `failed` without a `provision_timeout` beside it is judged by its age against a timeout:
//! the one the platform's own events state it applied (`timeout_s` on the attempt's
//! `provision_timeout` or `failed` events) wins over the one `bootline.toml` declares, so a
//! configuration that does not match the data it reads cannot move a record in or out of the
//! fit.

use super::{Latency, Milestone, Outcome, Phase, Zero};

/// The sweep's rules: how often it runs, and which `failed` reasons are crashes whenever they
/// come (`[platform]` in `bootline.toml`).
#[derive(Debug, Clone)]
pub(crate) struct Sweep {
    /// Seconds between two runs of the sweep: a `failed` within this of a `provision_timeout`
    /// is the same flip.
    pub(crate) period_secs: f64,
    /// Reasons that make a `failed` crash evidence, however late it comes.
    pub(crate) crash_reasons: regex::RegexSet,
}

impl Default for Sweep {
    fn default() -> Self {
        Self {
            period_secs: crate::config::DEFAULT_SWEEP_PERIOD_SECS,
            crash_reasons: regex::RegexSet::empty(),
        }
    }
}

impl PartialEq for Sweep {
    fn eq(&self, other: &Self) -> bool {
        self.period_secs == other.period_secs
            && self.crash_reasons.patterns() == other.crash_reasons.patterns()
    }
}

/// One platform `failed` event, as the sweep's rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Failed<'a> {
    /// Seconds since the boot's zero (launch, or kernel start when launch is unknown).
    pub(crate) age_secs: Option<f64>,
    /// The `reason` label, when given.
    pub(crate) reason: Option<&'a str>,
    /// Seconds to the nearest `provision_timeout` of the same instance or workspace, when any.
    pub(crate) from_provision_timeout_secs: Option<f64>,
    /// The timeout the platform stated it applied: on this event, else on another timeout or
    /// `failed` event of the same attempt ([`stated_timeout_secs`]).
    pub(crate) stated_timeout_secs: Option<f64>,
}

/// The label of a platform event that states the timeout it applied, in seconds.
pub(crate) const TIMEOUT_LABEL: &str = "timeout_s";

/// The timeout a platform event states it applied: its `timeout_s` label, when that is a
/// positive, finite number of seconds (`600`, `600.0`, `"600"`); anything else states none.
pub(crate) fn stated_timeout_secs(timeout_s: Option<&str>) -> Option<f64> {
    let secs: f64 = timeout_s?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then_some(secs)
}

/// Whether a `failed` event is the sweep's flip (true) or crash evidence (false): a reason
/// configured as a crash is a crash whenever it comes; otherwise a `failed` at or after the
/// timeout (the one the platform stated, else `declared_timeout_secs`), or within one sweep
/// period of a `provision_timeout`, is the flip.
pub(crate) fn is_sweep_flip(f: &Failed<'_>, declared_timeout_secs: f64, sweep: &Sweep) -> bool {
    if f.reason.is_some_and(|r| sweep.crash_reasons.is_match(r)) {
        return false;
    }
    let timeout_secs = f.stated_timeout_secs.unwrap_or(declared_timeout_secs);
    let late = f.age_secs.is_some_and(|a| a >= timeout_secs);
    let beside_flip = f
        .from_provision_timeout_secs
        .is_some_and(|d| d.abs() <= sweep.period_secs);
    late || beside_flip
}

/// What a boot's or attempt's sources established, in seconds from its zero.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Signals {
    /// The first successful register.
    pub(crate) registered_secs: Option<f64>,
    /// The sweep's flip (the first).
    pub(crate) flip_secs: Option<f64>,
    /// Whether crash evidence was seen.
    pub(crate) crashed: bool,
    /// The last moment anything observed it (a deletion ends observation).
    pub(crate) observed_secs: Option<f64>,
}

impl Signals {
    /// The signals of an attempt from those of its boots: the first register and flip, any
    /// crash, the last observation.
    pub(crate) fn merge(self, o: Signals) -> Signals {
        let first = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let last = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Signals {
            registered_secs: first(self.registered_secs, o.registered_secs),
            flip_secs: first(self.flip_secs, o.flip_secs),
            crashed: self.crashed || o.crashed,
            observed_secs: last(self.observed_secs, o.observed_secs),
        }
    }
}

/// Whether a boot's seconds count from its real start, so that it can be timed: from its
/// launch, or from a kernel start its sources saw begin (`saw_start`: a kernel line, systemd's
/// startup totals, cloud-init's first stage). A log that begins mid-boot, or whose times start
/// at its first line, measures nothing: the boot is `unknown`, with no record.
pub(crate) fn timed(zero: Zero, saw_start: bool) -> bool {
    match zero {
        Zero::Launch => true,
        Zero::KernelStart => saw_start,
        Zero::FirstSeen => false,
    }
}

/// The outcome: the first that applies of registered (false-failed when the flip came first),
/// crashed, stuck (observed past the threshold), timed out (flipped), unknown.
pub(crate) fn classify(s: &Signals, stuck_threshold_secs: f64) -> Outcome {
    match (s.registered_secs, s.flip_secs) {
        (Some(r), Some(f)) if f < r => Outcome::FalseFailed,
        (Some(_), _) => Outcome::Registered,
        (None, _) if s.crashed => Outcome::Crashed,
        (None, _) if s.observed_secs.is_some_and(|o| o > stuck_threshold_secs) => Outcome::Stuck,
        (None, Some(_)) => Outcome::TimedOut,
        (None, None) => Outcome::Unknown,
    }
}

/// The latency record of an outcome: exact at the register; censored at the flip for a timed-out
/// one, at the end of observation for an unknown one (when its clock is anchored to launch or
/// kernel start); none for stuck and crashed ones, which are counted, never fitted.
pub(crate) fn latency(outcome: Outcome, s: &Signals, from: Zero) -> Option<Latency> {
    let at = |secs: Option<f64>, censored: bool| {
        secs.map(|secs| Latency {
            secs,
            censored,
            from,
        })
    };
    match outcome {
        Outcome::Registered | Outcome::FalseFailed => at(s.registered_secs, false),
        Outcome::TimedOut => at(s.flip_secs, true),
        Outcome::Unknown if from == Zero::FirstSeen => None,
        Outcome::Unknown => at(s.observed_secs, true),
        Outcome::Crashed | Outcome::Stuck => None,
    }
}

/// When a boot reached cloud-init's end: its `finished at` banner, else systemd's `Startup
/// finished`, else the end of the `modules-final` stage (the first of each).
pub(crate) fn boot_finished_secs(milestones: &[Milestone], phases: &[Phase]) -> Option<f64> {
    let first = |name: &str| {
        milestones
            .iter()
            .filter(|m| m.name == name)
            .map(|m| m.at_secs)
            .min_by(f64::total_cmp)
    };
    first("boot_finished")
        .or_else(|| first("startup_finished"))
        .or_else(|| {
            phases
                .iter()
                .filter(|p| p.name == "modules-final")
                .filter_map(|p| p.end_secs)
                .min_by(f64::total_cmp)
        })
}

/// When a boot first reached a marker's milestone.
pub(crate) fn marker_secs(name: &str, milestones: &[Milestone]) -> Option<f64> {
    milestones
        .iter()
        .filter(|m| m.name == name)
        .map(|m| m.at_secs)
        .min_by(f64::total_cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(reasons: &[&str]) -> Sweep {
        Sweep {
            period_secs: 60.0,
            crash_reasons: regex::RegexSet::new(reasons).unwrap(),
        }
    }

    const NEVER: &str = "container started but never called /registry/register";

    #[test]
    fn a_failed_at_or_after_the_timeout_is_the_flip() {
        let s = sweep(&[]);
        let at = |age: f64| Failed {
            age_secs: Some(age),
            reason: Some(NEVER),
            from_provision_timeout_secs: None,
            stated_timeout_secs: None,
        };
        assert!(is_sweep_flip(&at(608.0), 600.0, &s));
        assert!(is_sweep_flip(&at(600.0), 600.0, &s));
        assert!(!is_sweep_flip(&at(599.0), 600.0, &s));
        assert!(!is_sweep_flip(&at(120.0), 600.0, &s));
        // A template's longer timeout moves the line.
        assert!(!is_sweep_flip(&at(700.0), 1200.0, &s));
        // Without a known age only a provision_timeout beside it makes it the flip.
        let unknown = Failed {
            age_secs: None,
            ..at(0.0)
        };
        assert!(!is_sweep_flip(&unknown, 600.0, &s));
    }

    #[test]
    fn a_failed_within_one_sweep_period_of_a_provision_timeout_is_the_flip() {
        let s = sweep(&[]);
        let near = |d: f64| Failed {
            age_secs: Some(300.0),
            reason: None,
            from_provision_timeout_secs: Some(d),
            stated_timeout_secs: None,
        };
        assert!(is_sweep_flip(&near(0.0), 600.0, &s));
        assert!(is_sweep_flip(&near(-60.0), 600.0, &s));
        assert!(!is_sweep_flip(&near(61.0), 600.0, &s));
    }

    #[test]
    fn a_crash_reason_is_a_crash_whenever_it_comes() {
        let s = sweep(&["^instance_status_check_failed$", "cloud_init_error"]);
        let f = |reason| Failed {
            age_secs: Some(700.0),
            reason: Some(reason),
            from_provision_timeout_secs: Some(0.0),
            stated_timeout_secs: None,
        };
        assert!(!is_sweep_flip(
            &f("instance_status_check_failed"),
            600.0,
            &s
        ));
        assert!(!is_sweep_flip(&f("cloud_init_error: exit 1"), 600.0, &s));
        assert!(is_sweep_flip(&f(NEVER), 600.0, &s));
    }

    #[test]
    fn the_timeout_the_platform_stated_judges_a_failed_not_the_declared_one() {
        let s = sweep(&[]);
        let at = |age: f64, stated: Option<f64>| Failed {
            age_secs: Some(age),
            reason: Some(NEVER),
            from_provision_timeout_secs: None,
            stated_timeout_secs: stated,
        };
        // Declared 720 s, swept at 600 s: the failed at 659 s is the flip the platform made.
        assert!(is_sweep_flip(&at(659.0, Some(600.0)), 720.0, &s));
        // Without a stated timeout the declared one judges it, as before: a crash.
        assert!(!is_sweep_flip(&at(659.0, None), 720.0, &s));
        // A stated timeout longer than the declared one keeps an early failed a crash.
        assert!(!is_sweep_flip(&at(700.0, Some(1200.0)), 600.0, &s));
        assert!(is_sweep_flip(&at(1200.0, Some(1200.0)), 600.0, &s));
        // A genuine early failed stays a crash whatever is stated.
        assert!(!is_sweep_flip(&at(120.0, Some(600.0)), 600.0, &s));
        // A crash reason is a crash even past the stated timeout.
        let crash = sweep(&["^cloud_init_error$"]);
        let f = Failed {
            reason: Some("cloud_init_error"),
            ..at(700.0, Some(600.0))
        };
        assert!(!is_sweep_flip(&f, 600.0, &crash));
    }

    #[test]
    fn a_stated_timeout_is_a_positive_number_of_seconds() {
        assert_eq!(stated_timeout_secs(Some("600")), Some(600.0));
        assert_eq!(stated_timeout_secs(Some("600.0")), Some(600.0));
        assert_eq!(stated_timeout_secs(Some(" 1800 ")), Some(1800.0));
        assert_eq!(stated_timeout_secs(Some("0")), None);
        assert_eq!(stated_timeout_secs(Some("-600")), None);
        assert_eq!(stated_timeout_secs(Some("600s")), None);
        assert_eq!(stated_timeout_secs(Some("NaN")), None);
        assert_eq!(stated_timeout_secs(Some("inf")), None);
        assert_eq!(stated_timeout_secs(Some("")), None);
        assert_eq!(stated_timeout_secs(None), None);
    }

    fn sig(reg: Option<f64>, flip: Option<f64>, crashed: bool, obs: Option<f64>) -> Signals {
        Signals {
            registered_secs: reg,
            flip_secs: flip,
            crashed,
            observed_secs: obs,
        }
    }

    #[test]
    fn classify_follows_the_precedence() {
        let c = |s: Signals| classify(&s, 900.0);
        assert_eq!(c(sig(Some(423.0), None, false, None)), Outcome::Registered);
        assert_eq!(
            c(sig(Some(640.0), Some(630.0), false, None)),
            Outcome::FalseFailed
        );
        // A register wins over a crash of the same attempt (a panic, then a reboot that
        // registered).
        assert_eq!(c(sig(Some(500.0), None, true, None)), Outcome::Registered);
        assert_eq!(
            c(sig(None, Some(630.0), true, Some(2000.0))),
            Outcome::Crashed
        );
        assert_eq!(
            c(sig(None, Some(630.0), false, Some(901.0))),
            Outcome::Stuck
        );
        assert_eq!(
            c(sig(None, Some(630.0), false, Some(900.0))),
            Outcome::TimedOut
        );
        assert_eq!(c(sig(None, None, false, Some(300.0))), Outcome::Unknown);
        assert_eq!(c(sig(None, None, false, Some(1000.0))), Outcome::Stuck);
    }

    #[test]
    fn latency_is_exact_at_the_register_and_censored_at_the_flip_or_the_end() {
        let s = sig(Some(640.0), Some(630.0), false, Some(700.0));
        let l = latency(Outcome::FalseFailed, &s, Zero::Launch).unwrap();
        assert_eq!((l.secs, l.censored), (640.0, false));
        let s = sig(None, Some(630.0), false, Some(700.0));
        let l = latency(Outcome::TimedOut, &s, Zero::Launch).unwrap();
        assert_eq!((l.secs, l.censored), (630.0, true));
        let s = sig(None, None, false, Some(320.0));
        let l = latency(Outcome::Unknown, &s, Zero::KernelStart).unwrap();
        assert_eq!(
            (l.secs, l.censored, l.from),
            (320.0, true, Zero::KernelStart)
        );
        assert_eq!(latency(Outcome::Unknown, &s, Zero::FirstSeen), None);
        let s = sig(None, Some(630.0), true, Some(700.0));
        assert_eq!(latency(Outcome::Crashed, &s, Zero::Launch), None);
        assert_eq!(latency(Outcome::Stuck, &s, Zero::Launch), None);
    }

    fn milestone(name: &str, at_secs: f64) -> Milestone {
        Milestone {
            name: name.into(),
            at_secs,
            wall: None,
            source: "cloud-init.log:9".into(),
        }
    }

    fn stage(name: &str, start_secs: f64, end_secs: Option<f64>) -> Phase {
        Phase {
            name: name.into(),
            depth: 1,
            start_secs,
            end_secs,
            result: None,
            source: "console.log:40".into(),
        }
    }

    #[test]
    fn boot_finished_is_the_banner_else_systemd_else_the_final_stage() {
        let final_stage = [stage("modules-final", 30.0, Some(418.9))];
        let banner = [
            milestone("startup_finished", 12.5),
            milestone("boot_finished", 418.86),
        ];
        assert_eq!(boot_finished_secs(&banner, &final_stage), Some(418.86));
        assert_eq!(boot_finished_secs(&banner[..1], &final_stage), Some(12.5));
        assert_eq!(boot_finished_secs(&[], &final_stage), Some(418.9));
        // A final stage still running has not finished the boot.
        let running = [stage("modules-final", 30.0, None)];
        assert_eq!(boot_finished_secs(&[], &running), None);
        let marks = [milestone("agent-up", 70.0), milestone("agent-up", 50.0)];
        assert_eq!(marker_secs("agent-up", &marks), Some(50.0));
        assert_eq!(marker_secs("registered", &marks), None);
    }

    #[test]
    fn an_attempt_takes_the_first_register_and_flip_and_the_last_observation() {
        let panicked = sig(None, None, true, Some(60.0));
        let rebooted = sig(Some(500.0), None, false, Some(500.2));
        let a = panicked.merge(rebooted);
        assert_eq!(a, sig(Some(500.0), None, true, Some(500.2)));
        assert_eq!(classify(&a, 900.0), Outcome::Registered);
        let l = latency(Outcome::Registered, &a, Zero::Launch).unwrap();
        assert_eq!((l.secs, l.censored), (500.0, false));
    }
}
