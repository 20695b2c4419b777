//! Boot timelines: one [`Boot`] per power-on of an instance, with its phases, milestones and
//! classified [`Outcome`], joined across every source that saw it.
//!
//! Assembly runs in two steps so memory follows the number of boots, not bytes:
//! [`fragment`] digests each source (in parallel) into per-boot fragments holding only what a
//! timeline needs, and [`assemble()`] groups fragments and platform facts by instance, aligns their
//! clocks and classifies each boot.

pub(crate) mod assemble;
pub(crate) mod attempt;
pub(crate) mod boot_time;
pub(crate) mod clock;
pub(crate) mod dedup;
pub(crate) mod fast_hash;
pub(crate) mod fragment;
pub mod identity;
pub(crate) mod lean;
pub(crate) mod machine;
pub(crate) mod observed;
pub(crate) mod skim;
pub(crate) mod verdict;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) use assemble::{assemble_noting, Classes};
pub(crate) use attempt::{
    attempts, attempts_of, each_attempt, implausible_counted, is_zero, nothing_to_fit, Attempt,
    Implausibles, LISTED_MAX,
};
pub(crate) use fragment::SourceBoots;
pub(crate) use observed::{disagreements, disagreements_counted, ObservedTimeout};

/// A shared name: instance ids, classes, templates, phase names.
pub(crate) type Name = Arc<str>;

/// Labels of a `launched` event, shared by every boot that carries the same set.
pub(crate) type Labels = Arc<BTreeMap<String, String>>;

/// The JSON schema version of timelines (shared by every JSON document bootline writes).
pub const SCHEMA_VERSION: u32 = 1;

/// What became of a boot (docs/design.md §3). The first that applies, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Registered, and not flipped before.
    Registered,
    /// The sweep flipped it, yet it registered later: its true latency is known.
    FalseFailed,
    /// Never registered, with crash evidence (kernel panic, a stage FAIL, user-data exit ≠ 0,
    /// a platform failure verdict).
    Crashed,
    /// Never registered and observed past its class's stuck threshold.
    Stuck,
    /// Flipped, never registered, observation ends before the stuck threshold: censored at
    /// the flip.
    TimedOut,
    /// No flip, no register, the capture ends: censored at its end.
    Unknown,
}

impl Outcome {
    /// The word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Registered => "registered",
            Outcome::FalseFailed => "false_failed",
            Outcome::Crashed => "crashed",
            Outcome::Stuck => "stuck",
            Outcome::TimedOut => "timed_out",
            Outcome::Unknown => "unknown",
        }
    }

    /// Every outcome, in classification order.
    pub(crate) const ALL: [Outcome; 6] = [
        Outcome::Registered,
        Outcome::FalseFailed,
        Outcome::Crashed,
        Outcome::Stuck,
        Outcome::TimedOut,
        Outcome::Unknown,
    ];
}

/// Where a boot's seconds count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zero {
    /// The platform's `launched` event.
    Launch,
    /// The kernel's start (launch unknown): latencies are flagged.
    KernelStart,
    /// Neither is known: the first thing any source observed.
    FirstSeen,
}

/// Register latency, or what is known of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Seconds from the boot's zero.
    pub secs: f64,
    /// True when the boot is only known to take longer (timed out, or the capture ended).
    pub censored: bool,
    /// What the seconds count from.
    pub from: Zero,
}

/// A span of a boot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// Name: `kernel`, `initrd`, `init-local`, `modules-final/config-scripts_user`,
    /// `image-pull`, `agent-to-register`, …
    pub name: String,
    /// Nesting depth (0 for boot-level phases and cloud-init stages).
    pub depth: usize,
    /// Start, seconds from the boot's zero.
    pub start_secs: f64,
    /// End, seconds from the boot's zero (`None`: still running when observation ended).
    pub end_secs: Option<f64>,
    /// Result, where the source states one (`SUCCESS`, `FAIL`, `WARN`).
    pub result: Option<String>,
    /// Where it was read (`path:line`).
    pub source: String,
}

impl Phase {
    /// Duration in seconds, when finished.
    pub(crate) fn duration_secs(&self) -> Option<f64> {
        self.end_secs.map(|e| e - self.start_secs)
    }
}

/// An instant of a boot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// `launched`, `kernel_start`, `init-local_start`, `boot_finished`, `registered`,
    /// `timed_out`, `register_failed`, `failed`, `deleted`, a marker's name, …
    pub name: String,
    /// Seconds from the boot's zero.
    pub at_secs: f64,
    /// Wall-clock time, when known.
    pub wall: Option<DateTime<Utc>>,
    /// Where it was read.
    pub source: String,
}

/// A wall-clock step: between two dual-stamped points of one source, its wall clock moved
/// against its since-boot clock by more than a second plus their resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockStep {
    /// The last point before the step, seconds from the boot's zero.
    pub after_secs: f64,
    /// The first point after it, seconds from the boot's zero: the step happened between.
    pub by_secs: f64,
    /// How far the wall clock stepped, seconds (positive: forward).
    pub step_secs: f64,
    /// Where the first point after the step was read (`path:line`).
    pub source: String,
}

/// The line that made a boot crashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What kind: `kernel_panic`, `stage_failed`, `user_data_failed`, `unit_failed`,
    /// `platform_failed`.
    pub kind: String,
    /// The line.
    pub line: String,
    /// Where it was read.
    pub source: String,
}

/// One boot of one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boot {
    /// Always [`SCHEMA_VERSION`] (timelines are an interchange format).
    pub schema_version: u32,
    /// Instance id.
    pub instance: String,
    /// Workspace id, when the platform named one.
    pub workspace: Option<String>,
    /// Timeout class (`default` unless the platform said otherwise).
    pub class: String,
    /// Template, when the platform named one.
    pub template: Option<String>,
    /// 1-based boot number within the instance.
    pub boot: usize,
    /// What the seconds count from.
    pub zero: Zero,
    /// Wall-clock time of the zero, when known.
    pub zero_wall: Option<DateTime<Utc>>,
    /// Launch time, when known.
    pub launched: Option<DateTime<Utc>>,
    /// What became of the boot.
    pub outcome: Outcome,
    /// Register latency (exact or censored); `None` for stuck and crashed boots.
    pub latency: Option<Latency>,
    /// The timeout that applies to this boot (class or template override), seconds.
    pub timeout_secs: f64,
    /// The stuck threshold of its class, seconds.
    pub stuck_threshold_secs: f64,
    /// Seconds from zero to the last moment any source observed.
    pub observed_secs: Option<f64>,
    /// Crash evidence, for crashed boots.
    pub evidence: Option<Evidence>,
    /// Phases in start order.
    pub phases: Vec<Phase>,
    /// Milestones in time order.
    pub milestones: Vec<Milestone>,
    /// Largest disagreement between clocks that had to be aligned, seconds (steps apart).
    pub clock_skew_secs: Option<f64>,
    /// Wall-clock steps the sources show (chrony or NTP `makestep`, hypervisor time sync, an
    /// RTC in local time), in time order: each source's wall times were mapped through the
    /// offset on their side of each step.
    #[serde(default)]
    pub clock_steps: Vec<ClockStep>,
    /// The sources that contributed, sorted.
    pub sources: Vec<String>,
    /// Labels of the `launched` event of its attempt (class, template, any other key).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The milestone latencies run to (`[latency] end`): `registered`, `boot_finished` or a
    /// marker's name. Outcomes read it in place of the register.
    #[serde(default = "registered")]
    pub end: String,
    /// Where the instance's identity came from: one entry per kind of evidence among the
    /// boot's sources (an id inside a log, the platform's events, a folder name, the file).
    #[serde(default)]
    pub identity: Vec<identity::IdentitySource>,
    /// 1-based provisioning attempt within the instance (one per `launched` event; without
    /// platform events each boot is its own). `0` only in timelines written before attempts
    /// were recorded.
    #[serde(default)]
    pub attempt: usize,
    /// What became of the attempt, decided over all its boots (the same on each of them).
    #[serde(default)]
    pub attempt_outcome: Option<Outcome>,
    /// The attempt's register latency, from launch across reboots (the same on each boot).
    #[serde(default)]
    pub attempt_latency: Option<Latency>,
    /// Seconds from the zero to the sweep's flip of the attempt, when it was flipped.
    #[serde(default)]
    pub attempt_flip_secs: Option<f64>,
    /// The timeout the platform's own `provision_timeout` or `failed` events stated for the
    /// attempt (`timeout_s`), seconds: its `failed` events are judged against it, not the
    /// declared [`Boot::timeout_secs`].
    #[serde(default)]
    pub attempt_stated_timeout_secs: Option<f64>,
    /// The timeout the attempt's first platform `failed` event was judged against (the one
    /// stated, else the declared one), seconds; `None` when no `failed` event came.
    #[serde(default)]
    pub attempt_failed_timeout_secs: Option<f64>,
}

fn registered() -> String {
    "registered".to_string()
}

impl Boot {
    /// The latency record the statistics see: exact for registered and false-failed boots,
    /// censored for timed-out and unknown ones; `None` for stuck and crashed boots and for an
    /// implausible latency ([`Latency::plausibility`]).
    pub(crate) fn record(&self, max_plausible_secs: f64) -> Option<(f64, bool)> {
        self.latency?.record(max_plausible_secs)
    }

    /// Gives a boot read from a timeline written before attempts were recorded its own
    /// attempt: the boot is the attempt, as without platform events.
    pub(crate) fn own_attempt(&mut self) {
        if self.attempt == 0 {
            self.attempt = self.boot;
            self.attempt_outcome = Some(self.outcome);
            self.attempt_latency = self.latency;
            self.attempt_flip_secs = self
                .milestones
                .iter()
                .find(|m| m.name == "timed_out")
                .map(|m| m.at_secs);
        }
    }
}
