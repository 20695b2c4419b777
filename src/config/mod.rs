//! The validated configuration, loaded from `bootline.toml`: timeout policy, classes, templates,
//! markers, lockstep timeouts and guard cases. The README's "Configuration" section documents every key.
//!
//! Loading is strict: unknown keys are rejected, values are range-checked, names must be unique
//! and references must resolve, and marker regexes must compile. Every error names the file and
//! the line of the offending key or value.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::parse::marker::{Marker, MarkerSet};

mod bounds;
mod raw;
mod validate;

pub(crate) use bounds::Bounds;

/// The name of the class that always exists.
pub(crate) const DEFAULT_CLASS: &str = "default";
/// The default class's register-wait timeout when the file does not give one.
pub(crate) const DEFAULT_TIMEOUT_SECS: f64 = 600.0;
/// The default class's stuck threshold when the file does not give one.
pub(crate) const DEFAULT_STUCK_SECS: f64 = 900.0;
/// How often the platform's sweep runs when the file does not say.
pub(crate) const DEFAULT_SWEEP_PERIOD_SECS: f64 = 60.0;
/// The longest latency taken as a real boot's when the file does not say: one day.
pub(crate) const DEFAULT_MAX_PLAUSIBLE_SECS: f64 = 86_400.0;

/// The longest duration any setting may be: 7 days. A timeout, threshold, grid step or sweep
/// period beyond it describes no policy a platform runs (`1e308` would recommend `inf`).
pub(crate) const MAX_SECS: f64 = 7.0 * 86_400.0;

/// The shortest duration any setting may be: a millisecond.
pub(crate) const MIN_SECS: f64 = 0.001;

/// A doubtful but possible setting, said on stderr when the file is loaded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConfigWarning {
    /// Config file path.
    pub(crate) path: String,
    /// 1-based line of the key.
    pub(crate) line: u64,
    /// What is doubtful.
    pub(crate) kind: ConfigWarningKind,
}

/// What a [`ConfigWarning`] is about.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConfigWarningKind {
    /// A class's stuck threshold below its timeout: the sweep fails boots before they could
    /// count as stuck, so no stuck boot is ever seen.
    StuckBelowTimeout {
        /// The class.
        class: String,
        /// Its timeout, seconds.
        timeout_secs: f64,
        /// Its stuck threshold, seconds.
        stuck_threshold_secs: f64,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// How the recommendation is computed.
    pub(crate) policy: Policy,
    /// How the platform's sweep reports its verdicts.
    pub(crate) platform: Platform,
    /// What a boot's latency runs to.
    pub(crate) latency: LatencySettings,
    /// `[identity] folder_regex`: folders whose whole name matches are instance folders.
    pub(crate) identity_folder_regex: Option<String>,
    /// Timeout classes by name; always holds [`DEFAULT_CLASS`].
    pub(crate) classes: BTreeMap<String, Class>,
    /// Templates with their own provision timeout, by name.
    pub(crate) templates: BTreeMap<String, Template>,
    /// User markers, in file order.
    pub(crate) markers: Vec<MarkerSpec>,
    /// Related timeouts that must move with the register-wait timeout.
    pub(crate) lockstep: Vec<Lockstep>,
    /// Guard cases of the test suite.
    pub(crate) guards: Vec<Guard>,
    /// What loading found doubtful, for the caller to say.
    pub(crate) warnings: Vec<ConfigWarning>,
}

/// `[policy]`: the recommendation's parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Policy {
    /// Target false-fail rate p, in (0, 1).
    pub(crate) target_false_fail_rate: f64,
    /// One-sided confidence level, in (0, 1).
    pub(crate) confidence: f64,
    /// Multiplicative tail slack (≥ 1).
    pub(crate) slack_multiplier: f64,
    /// Additive tail slack in seconds (≥ 0).
    pub(crate) slack_add_secs: f64,
    /// Rounding grid below `grid_switch_secs`, seconds (> 0).
    pub(crate) grid_secs: f64,
    /// Rounding grid from `grid_switch_secs` on, seconds (> 0).
    pub(crate) grid_above_secs: f64,
    /// Raw timeout at which the grid changes from `grid_secs` to `grid_above_secs`, seconds.
    pub(crate) grid_switch_secs: f64,
    /// Exact records a group needs before its recommendation is a verdict; below it the
    /// verdict is `insufficient_data` (the numbers are kept, model-only).
    pub(crate) min_records: usize,
}

/// Exact records a group needs by default: below 200, even the p99.5 lies beyond the data.
pub const DEFAULT_MIN_RECORDS: usize = 200;

impl Default for Policy {
    fn default() -> Self {
        Self {
            target_false_fail_rate: 0.001,
            confidence: 0.95,
            slack_multiplier: 1.10,
            slack_add_secs: 0.0,
            grid_secs: 30.0,
            grid_above_secs: 60.0,
            grid_switch_secs: 600.0,
            min_records: DEFAULT_MIN_RECORDS,
        }
    }
}

/// `[platform]`: how to read the platform's `failed` events.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Platform {
    /// Seconds between two runs of the sweep: a `failed` within this of a `provision_timeout`
    /// of the same instance or workspace is the same flip.
    pub(crate) sweep_period_secs: f64,
    /// Regular expressions: a `failed` whose reason matches one is crash evidence whenever it
    /// comes, even after the timeout.
    pub(crate) crash_reasons: Vec<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            sweep_period_secs: DEFAULT_SWEEP_PERIOD_SECS,
            crash_reasons: Vec::new(),
        }
    }
}

/// `[latency]`: what the latency of a boot (and its attempt) runs to, and how long one may be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LatencySettings {
    /// The end milestone.
    pub(crate) end: LatencyEnd,
    /// Latencies longer than this many seconds are implausible (a year-9999 stamp, a clock
    /// reset): excluded from every fit, counted and named.
    pub(crate) max_plausible_secs: f64,
}

impl Default for LatencySettings {
    fn default() -> Self {
        Self {
            end: LatencyEnd::default(),
            max_plausible_secs: DEFAULT_MAX_PLAUSIBLE_SECS,
        }
    }
}

/// The milestone a latency runs to: the register (the quantity the register-wait timeout
/// bounds), cloud-init's end (for boots without platform or agent), or a marker's milestone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum LatencyEnd {
    /// The register for a class whose boots have one to time (platform events, or register
    /// lines in their logs), cloud-init's end otherwise: [`LatencyEnd::resolve`].
    #[default]
    Auto,
    /// The successful register (the platform's record, else a console's register line).
    Registered,
    /// cloud-init's `finished at` banner, else systemd's `Startup finished`, else the end of
    /// the `modules-final` stage.
    BootFinished,
    /// The first milestone of this user marker.
    Marker(String),
}

impl LatencyEnd {
    /// The name used in `bootline.toml`, `--end` and timelines.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            LatencyEnd::Auto => "auto",
            LatencyEnd::Registered => "registered",
            LatencyEnd::BootFinished => "boot_finished",
            LatencyEnd::Marker(m) => m,
        }
    }

    /// The end of a class's latencies: `auto` is the register when the class's boots have one
    /// to time (platform events or register lines), else cloud-init's end; any other end is
    /// itself.
    pub(crate) fn resolve(&self, register_evidence: bool) -> LatencyEnd {
        match self {
            LatencyEnd::Auto if register_evidence => LatencyEnd::Registered,
            LatencyEnd::Auto => LatencyEnd::BootFinished,
            end => end.clone(),
        }
    }

    /// Reads an end's name: `auto`, `registered`, `boot_finished`, or the name of one of
    /// `milestone_markers`; the error says what is accepted.
    pub(crate) fn parse(
        name: &str,
        milestone_markers: &[&str],
    ) -> std::result::Result<Self, String> {
        match name {
            "auto" => Ok(LatencyEnd::Auto),
            "registered" => Ok(LatencyEnd::Registered),
            "boot_finished" => Ok(LatencyEnd::BootFinished),
            m if milestone_markers.contains(&m) => Ok(LatencyEnd::Marker(m.to_string())),
            other => {
                let mut accepted = vec!["auto", "registered", "boot_finished"];
                accepted.extend(milestone_markers.iter().copied());
                Err(format!(
                    "end '{other}' is neither auto, registered, boot_finished nor a milestone \
                     marker of the configuration; expected one of: {}",
                    accepted.join(", ")
                ))
            }
        }
    }
}

/// `[[class]]`: a group with its own timeout policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Class {
    /// Class name.
    pub(crate) name: String,
    /// Current register-wait timeout, seconds.
    pub(crate) timeout_secs: f64,
    /// Age beyond which a boot of this class is taken as stuck, seconds.
    pub(crate) stuck_threshold_secs: f64,
}

/// The timeout and stuck threshold that govern a class's boots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ClassPolicy {
    /// Register-wait timeout, seconds.
    pub(crate) timeout_secs: f64,
    /// Above this a boot that never registered is stuck, seconds.
    pub(crate) stuck_threshold_secs: f64,
    /// Whether the configuration names the class (else the default class's values apply).
    pub(crate) configured: bool,
}

/// The one rule for a class's policy: the class's own values, else the default class's, else
/// the built-in defaults (a configuration built in code may lack the default class).
pub(crate) fn class_policy(classes: &BTreeMap<String, Class>, name: &str) -> ClassPolicy {
    let policy = |c: &Class, configured: bool| ClassPolicy {
        timeout_secs: c.timeout_secs,
        stuck_threshold_secs: c.stuck_threshold_secs,
        configured,
    };
    match (classes.get(name), classes.get(DEFAULT_CLASS)) {
        (Some(c), _) => policy(c, true),
        (None, Some(d)) => policy(d, false),
        (None, None) => policy(&default_class(), false),
    }
}

/// `[[template]]`: a template whose `provision_timeout_seconds` overrides its class's timeout.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    /// Template name.
    pub(crate) name: String,
    /// The class it belongs to.
    pub(crate) class: String,
    /// Its provision timeout, seconds.
    pub(crate) provision_timeout_seconds: f64,
}

/// `[[marker]]`: a user marker as written (its compiled form is in [`Config::marker_set`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MarkerSpec {
    /// Marker name.
    pub(crate) name: String,
    /// Milestone or sub-phase.
    pub(crate) pattern: MarkerPatternSpec,
}

/// The expression(s) of a [`MarkerSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MarkerPatternSpec {
    /// `regex = '…'`: a milestone.
    Milestone(String),
    /// `start = '…'`, `end = '…'`: a sub-phase.
    Span {
        /// Opens the sub-phase.
        start: String,
        /// Closes the sub-phase.
        end: String,
    },
}

/// `[[lockstep]]`: another timeout that must cover the same boot window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lockstep {
    /// What the timeout is.
    pub(crate) name: String,
    /// Its value, seconds.
    pub(crate) timeout_secs: f64,
    /// Whether its role is to cover the boot window (then it must be ≥ the proposal).
    pub(crate) covers_boot_window: bool,
    /// The class whose register-wait timeout it must cover.
    pub(crate) class: String,
}

/// `[[guard]]`: a test's age/expected-verdict pair.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Guard {
    /// What the case checks.
    pub(crate) name: String,
    /// The boot age the test uses, seconds.
    pub(crate) age_secs: f64,
    /// Whose timeout applies.
    pub(crate) target: GuardTarget,
    /// The verdict the test expects.
    pub(crate) expect: Expect,
}

/// Whose timeout a guard case exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuardTarget {
    /// A class's timeout.
    Class(String),
    /// A template's override.
    Template(String),
}

/// A guard case's expected verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Expect {
    /// The boot is still within its timeout.
    Spared,
    /// The boot is past its timeout.
    Failed,
}

impl Default for Config {
    /// The defaults: the default class (600 s timeout, 900 s stuck), default policy, no markers
    /// beyond the built-in ones.
    fn default() -> Self {
        let mut classes = BTreeMap::new();
        classes.insert(DEFAULT_CLASS.to_string(), default_class());
        Self {
            policy: Policy::default(),
            platform: Platform::default(),
            latency: LatencySettings::default(),
            identity_folder_regex: None,
            classes,
            templates: BTreeMap::new(),
            markers: Vec::new(),
            lockstep: Vec::new(),
            guards: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

fn default_class() -> Class {
    Class {
        name: DEFAULT_CLASS.to_string(),
        timeout_secs: DEFAULT_TIMEOUT_SECS,
        stuck_threshold_secs: DEFAULT_STUCK_SECS,
    }
}

impl Config {
    /// Loads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
            path: path.display().to_string(),
            cause,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates configuration text; `path` names it in errors.
    pub(crate) fn from_toml(text: &str, path: &str) -> Result<Self> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            Error::Config {
                path: path.to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        validate::Validator { text, path }.validate(raw)
    }

    /// The compiled markers: the built-in ones plus this configuration's.
    pub fn marker_set(&self) -> MarkerSet {
        let user = self
            .markers
            .iter()
            .filter_map(|m| match &m.pattern {
                MarkerPatternSpec::Milestone(r) => Marker::milestone(&m.name, r).ok(),
                MarkerPatternSpec::Span { start, end } => Marker::span(&m.name, start, end).ok(),
            })
            .collect();
        MarkerSet::with_user(user)
    }

    /// The names of the milestone markers (user markers with one `regex`).
    pub(crate) fn milestone_markers(&self) -> Vec<&str> {
        self.markers
            .iter()
            .filter(|m| matches!(m.pattern, MarkerPatternSpec::Milestone(_)))
            .map(|m| m.name.as_str())
            .collect()
    }

    /// Sets what latencies run to (`--end`), checked as `[latency] end` is.
    pub(crate) fn set_end(&mut self, name: &str) -> std::result::Result<(), String> {
        self.latency.end = LatencyEnd::parse(name, &self.milestone_markers())?;
        Ok(())
    }

    /// A class by name.
    pub(crate) fn class(&self, name: &str) -> Option<&Class> {
        self.classes.get(name)
    }

    /// The timeout and stuck threshold that govern boots of class `name`: see
    /// [`class_policy`].
    pub(crate) fn class_policy(&self, name: &str) -> ClassPolicy {
        class_policy(&self.classes, name)
    }

    /// A template by name.
    pub(crate) fn template(&self, name: &str) -> Option<&Template> {
        self.templates.get(name)
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    let offset = offset.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count() as u64 + 1
}
