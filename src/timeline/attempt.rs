//! Provisioning attempts, the statistical unit (DESIGN.md §3): one per `launched` event, holding
//! its boots in order. Each boot of a timeline carries its attempt's number, outcome, latency
//! and flip, so attempts are rebuilt from boots alone — from assembly, or from timeline shards
//! read back as input — and every attempt is counted once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Boot, Evidence, Latency, Outcome};

/// One provisioning attempt: a `launched` event to registered, flipped or given up, across the
/// boots it took. Without platform events a boot is its own attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Instance id.
    pub instance: String,
    /// Workspace id, when the platform named one.
    pub workspace: Option<String>,
    /// 1-based attempt number within the instance.
    pub attempt: usize,
    /// Timeout class.
    pub class: String,
    /// Template, when the platform named one.
    pub template: Option<String>,
    /// Labels of the `launched` event (class, template and any other key it carried).
    pub labels: BTreeMap<String, String>,
    /// Launch time, when known.
    pub launched: Option<DateTime<Utc>>,
    /// Boot numbers (within the instance) of the attempt's boots, in order.
    pub boots: Vec<usize>,
    /// What became of the attempt, decided over all its boots.
    pub outcome: Outcome,
    /// Register latency from launch across reboots (exact or censored); `None` for stuck and
    /// crashed attempts.
    pub latency: Option<Latency>,
    /// Seconds from the zero to the sweep's flip, when the sweep flipped the attempt.
    pub flip_secs: Option<f64>,
    /// The timeout that applied (class or template override), seconds.
    pub timeout_secs: f64,
    /// The stuck threshold of its class, seconds.
    pub stuck_threshold_secs: f64,
    /// The milestone its latency runs to (`registered`, `boot_finished` or a marker's name).
    pub end: String,
    /// Crash evidence of its boots, in boot order: the verdict of a crashed attempt, a note on
    /// one that recovered (a kernel panic, then a reboot that registered).
    pub evidence: Vec<Evidence>,
}

impl Attempt {
    /// The latency record the statistics see: exact for registered and false-failed attempts,
    /// censored for timed-out and unknown ones; `None` for stuck and crashed attempts.
    pub fn record(&self) -> Option<(f64, bool)> {
        let l = self.latency?;
        (l.secs > 0.0).then_some((l.secs, l.censored))
    }

    /// Whether the sweep flipped the attempt to failed (killed it, or nearly: a false-failed
    /// attempt registered after the flip).
    pub fn flipped(&self) -> bool {
        self.flip_secs.is_some()
    }
}

/// The attempts of boots ordered by instance and boot number (as assembly returns them): one per
/// distinct attempt number of an instance, in order.
pub fn attempts(boots: &[Boot]) -> Vec<Attempt> {
    let mut out: Vec<Attempt> = Vec::new();
    for b in boots {
        if let Some(a) = out
            .last_mut()
            .filter(|a| a.instance == b.instance && a.attempt == b.attempt)
        {
            a.boots.push(b.boot);
            a.evidence.extend(b.evidence.clone());
            continue;
        }
        out.push(Attempt {
            instance: b.instance.clone(),
            workspace: b.workspace.clone(),
            attempt: b.attempt,
            class: b.class.clone(),
            template: b.template.clone(),
            labels: b.labels.clone(),
            launched: b.launched,
            boots: vec![b.boot],
            outcome: b.attempt_outcome.unwrap_or(b.outcome),
            latency: b.attempt_latency,
            flip_secs: b.attempt_flip_secs,
            timeout_secs: b.timeout_secs,
            stuck_threshold_secs: b.stuck_threshold_secs,
            end: b.end.clone(),
            evidence: b.evidence.iter().cloned().collect(),
        });
    }
    out
}

/// When no attempt of `class` reached its end milestone (none has an exact latency), one line
/// saying so, with the counts, and how boots without a register are timed; `None` when there is
/// something to fit.
pub fn nothing_to_fit(attempts: &[Attempt], class: &str) -> Option<String> {
    if attempts.iter().any(|a| a.record().is_some_and(|r| !r.1)) {
        return None;
    }
    let mut ends: Vec<&str> = attempts.iter().map(|a| a.end.as_str()).collect();
    ends.sort_unstable();
    ends.dedup();
    let end = match ends.as_slice() {
        [one] => *one,
        _ => "registered",
    };
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in attempts {
        *outcomes.entry(a.outcome.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = outcomes.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let n = attempts.len();
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

/// Gives a boot read from a timeline written before attempts were recorded its own attempt: the
/// boot is the attempt, as without platform events.
pub(crate) fn own_attempt(b: &mut Boot) {
    if b.attempt == 0 {
        b.attempt = b.boot;
        b.attempt_outcome = Some(b.outcome);
        b.attempt_latency = b.latency;
        b.attempt_flip_secs = b
            .milestones
            .iter()
            .find(|m| m.name == "timed_out")
            .map(|m| m.at_secs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Zero, SCHEMA_VERSION};

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
        let a = attempts(&[panicked, rebooted, second_launch, other]);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].boots, [1, 2]);
        assert_eq!(a[0].outcome, Outcome::Registered);
        assert_eq!(a[0].record(), Some((500.0, false)));
        assert_eq!(a[0].evidence.len(), 1, "the panic is kept as a note");
        assert_eq!((a[1].instance.as_str(), a[1].attempt), ("i-1", 2));
        assert_eq!(a[1].boots, [3]);
        assert_eq!((a[2].instance.as_str(), a[2].boots.len()), ("i-2", 1));
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
        let line = nothing_to_fit(&attempts(&[unknown.clone(), crashed]), "default").unwrap();
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
        assert_eq!(nothing_to_fit(&attempts(&[unknown, done]), "default"), None);
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
        own_attempt(&mut b);
        assert_eq!(b.attempt, 2);
        assert_eq!(b.attempt_outcome, Some(Outcome::TimedOut));
        let a = attempts(&[b]);
        assert_eq!(a[0].record(), Some((630.0, true)));
        assert!(a[0].flipped());
        assert_eq!(a[0].flip_secs, Some(630.0));
    }
}
