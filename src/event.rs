//! The narrow waist between parsers and assembly: an [`Event`] says what happened, when (in which
//! clock) and where it was read (file and line).
//!
//! Parsers know nothing of boots or fleets; they only emit events. Assembly knows nothing of
//! formats; it only reads events. Everything a parser learns that assembly may need is therefore
//! carried here, with the clock it was stamped in.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::intern::Text;

/// Where an event was read: the input's display name and the 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The input's display name (a path, or `-` for standard input).
    pub(crate) path: Arc<str>,
    /// 1-based line number of the (first) line the event was read from.
    pub line: u64,
}

impl Location {
    /// A location in `path` at 1-based `line`.
    pub(crate) fn new(path: Arc<str>, line: u64) -> Self {
        Self { path, line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// A clock that counts seconds since the instance's kernel started.
///
/// They are close but not the same: cloud-init's `Up N seconds` reads `/proc/uptime`, the kernel
/// stamps printk lines with its own monotonic clock, journald records `CLOCK_MONOTONIC`.
/// Assembly aligns them through events that carry two clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootClock {
    /// Kernel printk stamp, `[   12.345678]`.
    Kernel,
    /// cloud-init's `Up N seconds` (from `/proc/uptime`).
    Uptime,
    /// journald `__MONOTONIC_TIMESTAMP` or `short-monotonic` stamp.
    Journal,
    /// An offset relative to the start of a cloud-init boot record, as printed by
    /// `cloud-init analyze show` (`@01.23400s`); not tied to the kernel's zero.
    Record,
    /// Seconds since systemd's userspace start, as printed by `systemd-analyze critical-chain`
    /// (`@4.562s`) and `… reached after 9.699s in userspace`; kernel (and initrd) time of the
    /// same boot's `Startup finished` converts it to the kernel clock.
    Userspace,
}

/// How far a since-boot stamp may run backwards within one boot, at least, seconds.
pub(crate) const UPTIME_JITTER_SECS: f64 = 1.0;

/// Whether a since-boot clock went back from `prev` to `now` because the machine rebooted:
/// back by more than [`UPTIME_JITTER_SECS`] and to under half of `prev` (the one rule for
/// every source).
///
/// Within one boot, cloud-init's banners read `/proc/uptime` in order and never go back. A
/// console interleaves kernel lines with lines journald forwards, stamped when they were
/// logged, so those run backwards by the forwarding lag: seconds under load (12 s at 402 s on
/// a real KubeVirt console), never half the boot. A new boot counts from zero, so its first
/// stamps lie well below the previous boot's latest. A reboot caught so early that its
/// first stamps are above half the previous boot's last is found by its `init-local` stage or
/// its kernel's start instead.
pub(crate) fn uptime_went_back(prev: f64, now: f64) -> bool {
    now + UPTIME_JITTER_SECS < prev && now < prev / 2.0
}

/// Seconds since boot in a named clock.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct SinceBoot {
    /// Which clock the value was read in.
    pub clock: BootClock,
    /// Seconds since that clock's zero.
    pub secs: f64,
}

/// When an event happened, in every clock the source gave for it.
///
/// Lines without any timestamp of their own (systemd status lines on a console, firmware lines)
/// have neither; their order in the file still places them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    /// Wall-clock time, with the offset the source stated or implied.
    pub wall: Option<DateTime<FixedOffset>>,
    /// Seconds since boot, with the clock they were read in.
    pub since_boot: Option<SinceBoot>,
}

impl Stamp {
    /// A stamp with a wall-clock time only.
    pub(crate) fn wall(at: DateTime<FixedOffset>) -> Self {
        Self {
            wall: Some(at),
            since_boot: None,
        }
    }

    /// A stamp with a since-boot time only.
    pub(crate) fn since_boot(clock: BootClock, secs: f64) -> Self {
        Self {
            wall: None,
            since_boot: Some(SinceBoot { clock, secs }),
        }
    }

    /// Wall-clock time as fractional seconds since the Unix epoch.
    pub(crate) fn wall_epoch_secs(&self) -> Option<f64> {
        self.wall.map(epoch_secs)
    }
}

/// A wall-clock time as fractional seconds since the Unix epoch.
pub(crate) fn epoch_secs(w: DateTime<FixedOffset>) -> f64 {
    w.timestamp() as f64 + f64::from(w.timestamp_subsec_nanos()) / 1_000_000_000.0
}

/// Fractional seconds since the Unix epoch as a UTC time (to the nanosecond); `None` when out
/// of range or not finite.
pub(crate) fn from_epoch_secs(secs: f64) -> Option<DateTime<chrono::Utc>> {
    if !secs.is_finite() {
        return None;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
}

/// What inside a log names its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdEvidence {
    /// The `InstanceId` of the EC2 `get-console-output` wrapper.
    Ec2Console,
    /// cloud-init's instance id: the instance it links `/var/lib/cloud/instance` to.
    CloudInit,
    /// journald's `_MACHINE_ID`.
    JournaldMachine,
}

/// The result a cloud-init `finish:` event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StageResult {
    /// `SUCCESS`
    Success,
    /// `FAIL`
    Fail,
    /// `WARN`
    Warn,
}

impl StageResult {
    /// The word cloud-init writes for this result.
    pub fn as_str(self) -> &'static str {
        match self {
            StageResult::Success => "SUCCESS",
            StageResult::Fail => "FAIL",
            StageResult::Warn => "WARN",
        }
    }

    /// Reads cloud-init's word for a result.
    pub(crate) fn from_word(word: &str) -> Option<Self> {
        match word {
            "SUCCESS" => Some(StageResult::Success),
            "FAIL" => Some(StageResult::Fail),
            "WARN" => Some(StageResult::Warn),
            _ => None,
        }
    }
}

/// The analyze-style stage name of a banner action: `init` → `init-network`,
/// `modules:config` → `modules-config` (cloud-init names a stage differently in its banners
/// and in its reporting events; the stage vocabulary is the reporting one).
pub(crate) fn stage_of_action(action: &str) -> String {
    let s = action.replace(':', "-");
    if s == "init" {
        "init-network".to_string()
    } else {
        s
    }
}

/// A platform-side event about an instance or workspace (docs/design.md §4, platform events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformAction {
    /// The platform launched the instance.
    Launched,
    /// The instance's agent called `/registry/register`.
    Registered,
    /// The sweep flipped the workspace to failed after the register-wait timeout.
    ProvisionTimeout,
    /// Any other platform-side failure verdict (see the `reason` label).
    Failed,
    /// The instance was deleted: observation ends.
    Deleted,
}

impl PlatformAction {
    /// The `event` word of the platform events format.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformAction::Launched => "launched",
            PlatformAction::Registered => "registered",
            PlatformAction::ProvisionTimeout => "provision_timeout",
            PlatformAction::Failed => "failed",
            PlatformAction::Deleted => "deleted",
        }
    }

    /// Reads the `event` word of the platform events format.
    pub(crate) fn from_word(word: &str) -> Option<Self> {
        match word {
            "launched" => Some(PlatformAction::Launched),
            "registered" => Some(PlatformAction::Registered),
            "provision_timeout" => Some(PlatformAction::ProvisionTimeout),
            "failed" => Some(PlatformAction::Failed),
            "deleted" => Some(PlatformAction::Deleted),
            _ => None,
        }
    }
}

/// Which edge of a span a marker or unit event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// The span begins.
    Start,
    /// The span ends.
    End,
    /// A single instant (a milestone), not a span edge.
    Instant,
}

/// What kind of crash evidence a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// `Kernel panic - not syncing`.
    KernelPanic,
    /// A cloud-init stage or module finished with `FAIL`.
    StageFailed,
    /// The user-data script (or a startup script) exited non-zero.
    UserDataFailed,
    /// A systemd unit entered the failed state.
    UnitFailed,
}

/// Systemd's `Startup finished in …` totals, in seconds; absent phases are `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StartupTotals {
    /// Firmware time (EFI machines).
    pub firmware_secs: Option<f64>,
    /// Boot loader time.
    pub loader_secs: Option<f64>,
    /// Kernel time.
    pub kernel_secs: Option<f64>,
    /// Initrd time.
    pub initrd_secs: Option<f64>,
    /// Userspace time.
    pub userspace_secs: Option<f64>,
    /// The stated total (`= 1min 7.4s`).
    pub total_secs: Option<f64>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// cloud-init `start: <name>: <description>` (name is `/`-separated, e.g.
    /// `modules-final/config-scripts_user`).
    Start {
        /// Event name, `stage[/child…]`.
        name: Text,
        /// Free-text description.
        description: Text,
    },
    /// cloud-init `finish: <name>: <RESULT>: <description>`.
    Finish {
        /// Event name, `stage[/child…]`.
        name: Text,
        /// The result word.
        result: StageResult,
        /// Free-text description, without the `(duration: …)` suffix.
        description: Text,
        /// The `(duration: 8.443s)` suffix newer versions append, in seconds.
        duration_secs: Option<f64>,
    },
    /// A span whose duration is known but not its absolute end, as in `cloud-init analyze
    /// blame` output (`     381.23200s (modules-final/config-scripts_user)`). The event's
    /// stamp, when present, is the span's start.
    Span {
        /// Event name, `stage[/child…]`.
        name: Text,
        /// Description, when the source gives one.
        description: Text,
        /// Duration in seconds (negative values are kept: the source printed them).
        duration_secs: f64,
        /// Result, when the source states it.
        result: Option<StageResult>,
    },
    /// `Cloud-init v. <version> running '<action>' at <RFC 2822>. Up <s> seconds.`
    /// The event's stamp carries both the banner's wall time and the uptime.
    StageBanner {
        /// cloud-init version.
        version: String,
        /// The action as written (`init-local`, `init`, `modules:config`, `modules:final`, …).
        action: String,
    },
    /// `Cloud-init v. <version> finished at <RFC 2822>. Datasource <ds>.  Up <s> seconds`.
    FinishedBanner {
        /// cloud-init version.
        version: String,
        /// The datasource as written, if present.
        datasource: Option<String>,
    },
    /// A `-- Boot Record NN --` header of `cloud-init analyze` output: a new record begins.
    BootRecord {
        /// The number printed in the header.
        number: u32,
    },
    /// The kernel started: `Linux version …`.
    KernelStart {
        /// The kernel version string.
        version: String,
    },
    /// A new boot begins according to an identifier (journald `_BOOT_ID`).
    BootId {
        /// The identifier.
        id: String,
    },
    /// A systemd unit started or finished (`[  OK  ] Started …`, `Starting …`, journald
    /// job-done messages).
    Unit {
        /// Unit name (`cloud-final.service`) when known, else the description.
        unit: String,
        /// Which edge.
        edge: Edge,
    },
    /// systemd's `Startup finished in …`.
    StartupFinished(StartupTotals),
    /// systemd-analyze answered that bootup is not yet finished: a stuck signal.
    BootupNotFinished,
    /// Evidence that the boot crashed; the line is kept.
    Crash {
        /// What kind of crash.
        crash: CrashKind,
        /// The evidence line (trimmed).
        evidence: String,
    },
    /// A platform event (launch, register, timeout flip, failure, delete).
    Platform {
        /// What the platform did.
        action: PlatformAction,
        /// Instance id, if given.
        instance: Option<String>,
        /// Workspace id, if given.
        workspace: Option<String>,
        /// Other keys of the record, kept as labels (`class`, `status`, `timeout_s`, …).
        labels: std::collections::BTreeMap<String, String>,
    },
    /// A user-defined marker matched (docs/design.md §4, markers).
    Marker {
        /// The marker's name (`registered`, `image-pull`, …).
        name: String,
        /// Which edge of the marker's span, or an instant.
        edge: Edge,
        /// Named captures of the marker's regular expression.
        captures: std::collections::BTreeMap<String, String>,
    },
    /// An identifier of the instance found inside a log.
    InstanceId {
        /// The identifier.
        id: String,
        /// What in the log names it.
        evidence: IdEvidence,
    },
    /// The capture ends here: the last stamped moment the source observed (used for
    /// censoring at the end of a capture).
    CaptureEnd,
    /// The source's year-less stamps found no year (no banner, no header, no audit record): its
    /// wall times stand in a year of no meaning, good for durations, not for dates.
    YearUnknown,
    /// A reading of the wall clock at a since-boot moment, with nothing else happening: the
    /// kernel's `audit(<epoch>:<serial>)` on a `[    0.738486]` line, so that a `dmesg` with no
    /// wall stamps of its own can be placed on the wall clock.
    ClockReading,
    /// `cloud-init status` (`--long` or `--format json`): cloud-init's own summary when the
    /// command ran, stamped with its `last_update` time when given.
    CloudInitStatus {
        /// `status:` as written (`done`, `running`, `error`, `disabled`, `degraded done`, …).
        status: String,
        /// `boot_status_code:` (`enabled-by-generator`, `disabled-by-kernel-cmdline`, …).
        boot_status_code: Option<String>,
        /// `detail:` (usually the datasource, or the error).
        detail: Option<String>,
        /// The listed errors, in order.
        errors: Vec<String>,
    },
}

/// One thing that happened, when, and where it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// When, in the clocks the source gave.
    pub stamp: Stamp,
    /// Where it was read.
    pub source: Location,
}

impl Event {
    /// An event of `kind` at `stamp`, read at `source`.
    pub(crate) fn new(kind: EventKind, stamp: Stamp, source: Location) -> Self {
        Self {
            kind,
            stamp,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_result_words_round_trip() {
        for r in [StageResult::Success, StageResult::Fail, StageResult::Warn] {
            assert_eq!(StageResult::from_word(r.as_str()), Some(r));
        }
        assert_eq!(StageResult::from_word("success"), None);
    }

    #[test]
    fn platform_words_round_trip() {
        for a in [
            PlatformAction::Launched,
            PlatformAction::Registered,
            PlatformAction::ProvisionTimeout,
            PlatformAction::Failed,
            PlatformAction::Deleted,
        ] {
            assert_eq!(PlatformAction::from_word(a.as_str()), Some(a));
        }
        assert_eq!(PlatformAction::from_word("launch"), None);
    }

    #[test]
    fn uptime_goes_back_only_beyond_the_jitter() {
        assert!(uptime_went_back(600.0, 3.2));
        assert!(uptime_went_back(9.5, 4.0));
        // Forwarded console lines behind the kernel's latest are the same boot.
        assert!(!uptime_went_back(58.0, 57.5));
        assert!(!uptime_went_back(402.05, 389.99));
        // Under half, but within the jitter.
        assert!(!uptime_went_back(1.2, 0.5));
        assert!(!uptime_went_back(58.0, 58.0));
        assert!(!uptime_went_back(3.0, 600.0));
    }

    #[test]
    fn banner_actions_name_stages() {
        assert_eq!(stage_of_action("init"), "init-network");
        assert_eq!(stage_of_action("init-local"), "init-local");
        assert_eq!(stage_of_action("modules:final"), "modules-final");
        assert_eq!(stage_of_action("modules:config"), "modules-config");
    }

    #[test]
    fn wall_epoch_keeps_fraction() {
        let at = DateTime::parse_from_rfc3339("2024-05-01T12:00:01.234+00:00").unwrap();
        let s = Stamp::wall(at);
        assert!((s.wall_epoch_secs().unwrap() - 1_714_564_801.234).abs() < 1e-6);
    }
}
