//! The validated configuration, loaded from `bootline.toml`: timeout policy, classes, templates,
//! markers, lockstep timeouts and guard cases. The README's "Configuration" section documents every key.
//!
//! Loading is strict: unknown keys are rejected, values are range-checked, names must be unique
//! and references must resolve, and marker regexes must compile. Every error names the file and
//! the line of the offending key or value.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::parse::marker::{Marker, MarkerSet};

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

/// The documented range of a number in `bootline.toml` (and of the flags that override it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
    /// The range as the README writes it.
    shown: &'static str,
}

impl Bounds {
    /// Durations: timeouts, thresholds, grid steps, the sweep period, guard ages. A millisecond
    /// is the finest any log states (`1e-300` would round every timeout to nothing).
    pub(crate) const SECS: Bounds = Bounds::new(
        MIN_SECS,
        false,
        MAX_SECS,
        false,
        "[0.001 s, 7 days = 604800 s]",
    );
    /// Durations that may be zero: the additive slack and the grid's switch point.
    pub(crate) const SECS_OR_ZERO: Bounds =
        Bounds::new(0.0, false, MAX_SECS, false, "[0 s, 7 days = 604800 s]");
    /// The target false-fail rate: below one in a million no fleet could show it met.
    pub(crate) const RATE: Bounds = Bounds::new(1e-6, false, 0.5, true, "[0.000001, 0.5)");
    /// The one-sided confidence of a bound: below one half it bounds nothing from above.
    pub(crate) const CONFIDENCE: Bounds = Bounds::new(0.5, false, 1.0, true, "[0.5, 1)");
    /// The multiplicative slack.
    pub(crate) const MULTIPLIER: Bounds = Bounds::new(1.0, false, 10.0, false, "[1, 10]");
    /// A count of records: at least one, at most a billion.
    pub(crate) const COUNT: Bounds =
        Bounds::new(1.0, false, 1e9, false, "whole numbers in [1, 1000000000]");

    const fn new(lo: f64, lo_open: bool, hi: f64, hi_open: bool, shown: &'static str) -> Self {
        Self {
            lo,
            lo_open,
            hi,
            hi_open,
            shown,
        }
    }

    /// `x` when it lies within the bounds (NaN never does), else what was expected.
    pub(crate) fn check(self, key: &str, x: f64) -> std::result::Result<f64, String> {
        let above = if self.lo_open {
            x > self.lo
        } else {
            x >= self.lo
        };
        let below = if self.hi_open {
            x < self.hi
        } else {
            x <= self.hi
        };
        if above && below {
            Ok(x)
        } else {
            Err(format!(
                "{key} must lie in {}, got {}",
                self.shown,
                shown_number(x)
            ))
        }
    }
}

/// `x` as written in a message: plainly in the range people write (`1.5`, `-60`, `604801`),
/// else in exponent form (`1e308`, `1e-300`) rather than three hundred digits.
fn shown_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Phase and milestone names bootline gives itself: a `[[marker]]` of one of these names would
/// silently replace the stage's statistics. (`registered` is the one built-in marker, and
/// may be replaced on purpose.)
const RESERVED_NAMES: &[&str] = &[
    "launch",
    "launched",
    "failed",
    "provision_timeout",
    "deleted",
    "firmware",
    "loader",
    "kernel",
    "initrd",
    "userspace",
    "reboot",
    "init",
    "init-local",
    "init-network",
    "modules-config",
    "modules-final",
    "agent-to-register",
    "kernel_start",
    "boot_finished",
    "startup_finished",
    "bootup_not_finished",
    "unit_failed",
    "timed_out",
];

/// Whether `name` is one bootline gives a phase or milestone itself (`init-network`,
/// `init-network_start`, `kernel_start`).
fn reserved(name: &str) -> bool {
    let stem = name
        .strip_suffix("_start")
        .or_else(|| name.strip_suffix("_finish"))
        .unwrap_or(name);
    RESERVED_NAMES.contains(&name) || RESERVED_NAMES.contains(&stem)
}

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
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            Error::Config {
                path: path.to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        Validator { text, path }.validate(raw)
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

    /// How instances are identified under `rule` (`--identity`), with this configuration's
    /// folder pattern (validated when loaded).
    pub(crate) fn identity(
        &self,
        rule: crate::timeline::identity::IdentityRule,
    ) -> crate::timeline::identity::IdentitySettings {
        crate::timeline::identity::IdentitySettings {
            rule,
            folder_regex: self
                .identity_folder_regex
                .as_deref()
                .and_then(|r| regex::Regex::new(r).ok()),
        }
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

// The file as written; spans locate validation errors.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default, deserialize_with = "form::policy")]
    policy: Option<RawPolicy>,
    #[serde(default, deserialize_with = "form::platform")]
    platform: Option<RawPlatform>,
    #[serde(default, deserialize_with = "form::latency")]
    latency: Option<RawLatency>,
    #[serde(default, deserialize_with = "form::identity")]
    identity: Option<RawIdentity>,
    #[serde(default, deserialize_with = "form::class")]
    class: Vec<RawClass>,
    #[serde(default, deserialize_with = "form::template")]
    template: Vec<RawTemplate>,
    #[serde(default, deserialize_with = "form::marker")]
    marker: Vec<RawMarker>,
    #[serde(default, deserialize_with = "form::lockstep")]
    lockstep: Vec<RawLockstep>,
    #[serde(default, deserialize_with = "form::guard")]
    guard: Vec<RawGuard>,
}

/// A TOML integer or float; `SECS` when the key is a number of seconds (the type error says
/// which: "expected a number of seconds, found a string").
#[derive(Debug, Clone, Copy)]
struct Num<const SECS: bool>(f64);

impl<const SECS: bool> Num<SECS> {
    fn get(self) -> f64 {
        self.0
    }
}

impl<'de, const SECS: bool> Deserialize<'de> for Num<SECS> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let what = if SECS {
            "a number of seconds"
        } else {
            "a number"
        };
        d.deserialize_any(form::NumberVisitor(what)).map(Num)
    }
}

/// A number of seconds, with where it stands.
type SSecs = Spanned<Num<true>>;
/// A rate or factor, with where it stands.
type SNum = Spanned<Num<false>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    target_false_fail_rate: Option<SNum>,
    confidence: Option<SNum>,
    slack_multiplier: Option<SNum>,
    slack_add_secs: Option<SSecs>,
    grid_secs: Option<SSecs>,
    grid_above_secs: Option<SSecs>,
    grid_switch_secs: Option<SSecs>,
    min_records: Option<SNum>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    end: Option<Spanned<String>>,
    max_plausible_secs: Option<SSecs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    folder_regex: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlatform {
    sweep_period_secs: Option<SSecs>,
    #[serde(default)]
    crash_reasons: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    name: Spanned<String>,
    timeout_secs: Option<SSecs>,
    stuck_threshold_secs: Option<SSecs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Spanned<String>,
    class: Option<Spanned<String>>,
    provision_timeout_seconds: SSecs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarker {
    name: Spanned<String>,
    regex: Option<Spanned<String>>,
    start: Option<Spanned<String>>,
    end: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLockstep {
    name: Spanned<String>,
    timeout_secs: SSecs,
    #[serde(default = "yes")]
    covers_boot_window: bool,
    class: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    name: Spanned<String>,
    age_secs: SSecs,
    template: Option<Spanned<String>>,
    class: Option<Spanned<String>>,
    expect: Expect,
}

struct Validator<'a> {
    text: &'a str,
    path: &'a str,
}

impl Validator<'_> {
    fn err<T>(&self, span: std::ops::Range<usize>, message: String) -> Result<T> {
        Err(Error::Config {
            path: self.path.to_string(),
            line: line_of(self.text, span.start),
            message,
        })
    }

    /// A number within `bounds`, on its line when it is not.
    fn bounded<const S: bool>(
        &self,
        v: &Spanned<Num<S>>,
        key: &str,
        bounds: Bounds,
    ) -> Result<f64> {
        match bounds.check(key, v.get_ref().get()) {
            Ok(x) => Ok(x),
            Err(message) => self.err(v.span(), message),
        }
    }

    /// [`Self::bounded`], or `default` when the key is absent.
    fn number<const S: bool>(
        &self,
        v: &Option<Spanned<Num<S>>>,
        key: &str,
        bounds: Bounds,
        default: f64,
    ) -> Result<f64> {
        v.as_ref()
            .map_or(Ok(default), |v| self.bounded(v, key, bounds))
    }

    /// A duration: within [`Bounds::SECS`].
    fn secs(&self, v: &SSecs, key: &str) -> Result<f64> {
        self.bounded(v, key, Bounds::SECS)
    }

    fn secs_or(&self, v: &Option<SSecs>, key: &str, default: f64) -> Result<f64> {
        self.number(v, key, Bounds::SECS, default)
    }

    fn unique(
        &self,
        seen: &mut BTreeMap<String, ()>,
        name: &Spanned<String>,
        what: &str,
    ) -> Result<()> {
        if name.get_ref().trim().is_empty() {
            return self.err(name.span(), format!("{what} name must not be empty"));
        }
        if seen.insert(name.get_ref().clone(), ()).is_some() {
            return self.err(
                name.span(),
                format!("duplicate {what} name '{}'", name.get_ref()),
            );
        }
        Ok(())
    }

    /// A marker's expression: it compiles and does not match every line.
    fn regex(&self, marker: &str, r: &Spanned<String>) -> Result<String> {
        self.line_regex(&format!("marker '{marker}'"), r)
    }

    /// A regular expression that compiles; `what` names its key in the error.
    fn regex_of(&self, what: &str, r: &Spanned<String>) -> Result<String> {
        match regex::Regex::new(r.get_ref()) {
            Ok(_) => Ok(r.get_ref().clone()),
            Err(e) => self.err(r.span(), format!("{what}: invalid regular expression: {e}")),
        }
    }

    /// [`Self::regex_of`] for an expression tried on every line (or reason): one that matches
    /// the empty text (`''`, `.*`, `x?`) matches every one of them and selects nothing.
    fn line_regex(&self, what: &str, r: &Spanned<String>) -> Result<String> {
        let text = self.regex_of(what, r)?;
        if regex::Regex::new(&text).is_ok_and(|re| re.is_match("")) {
            return self.err(
                r.span(),
                format!("{what}: the regular expression '{text}' matches the empty text, so it matches every line"),
            );
        }
        Ok(text)
    }

    fn policy(&self, p: &RawPolicy) -> Result<Policy> {
        let d = Policy::default();
        Ok(Policy {
            target_false_fail_rate: self.number(
                &p.target_false_fail_rate,
                "target_false_fail_rate",
                Bounds::RATE,
                d.target_false_fail_rate,
            )?,
            confidence: self.number(
                &p.confidence,
                "confidence",
                Bounds::CONFIDENCE,
                d.confidence,
            )?,
            slack_multiplier: self.number(
                &p.slack_multiplier,
                "slack_multiplier",
                Bounds::MULTIPLIER,
                d.slack_multiplier,
            )?,
            slack_add_secs: self.number(
                &p.slack_add_secs,
                "slack_add_secs",
                Bounds::SECS_OR_ZERO,
                d.slack_add_secs,
            )?,
            grid_secs: self.secs_or(&p.grid_secs, "grid_secs", d.grid_secs)?,
            grid_above_secs: self.secs_or(
                &p.grid_above_secs,
                "grid_above_secs",
                d.grid_above_secs,
            )?,
            grid_switch_secs: self.number(
                &p.grid_switch_secs,
                "grid_switch_secs",
                Bounds::SECS_OR_ZERO,
                d.grid_switch_secs,
            )?,
            min_records: self.count(&p.min_records, "min_records", d.min_records)?,
        })
    }

    /// A whole count within [`Bounds::COUNT`], or `default` when the key is absent.
    fn count(&self, v: &Option<SNum>, key: &str, default: usize) -> Result<usize> {
        let Some(v) = v else {
            return Ok(default);
        };
        let x = self.bounded(v, key, Bounds::COUNT)?;
        if x.fract() != 0.0 {
            return self.err(
                v.span(),
                format!("{key} must be a whole number of records, got {x}"),
            );
        }
        Ok(x as usize)
    }

    fn platform(&self, p: &RawPlatform) -> Result<Platform> {
        Ok(Platform {
            sweep_period_secs: self.secs_or(
                &p.sweep_period_secs,
                "sweep_period_secs",
                DEFAULT_SWEEP_PERIOD_SECS,
            )?,
            crash_reasons: p
                .crash_reasons
                .iter()
                .map(|r| self.line_regex("crash_reasons", r))
                .collect::<Result<_>>()?,
        })
    }

    /// The classes, with a warning for each whose stuck threshold lies below its timeout.
    fn classes(&self, raw: &[RawClass], config: &mut Config) -> Result<()> {
        let mut seen = BTreeMap::new();
        for c in raw {
            self.unique(&mut seen, &c.name, "class")?;
            let name = c.name.get_ref().clone();
            let class = Class {
                name: name.clone(),
                timeout_secs: self.secs_or(
                    &c.timeout_secs,
                    "timeout_secs",
                    DEFAULT_TIMEOUT_SECS,
                )?,
                stuck_threshold_secs: self.secs_or(
                    &c.stuck_threshold_secs,
                    "stuck_threshold_secs",
                    DEFAULT_STUCK_SECS,
                )?,
            };
            if class.stuck_threshold_secs < class.timeout_secs {
                // Located at the threshold when the file gives one, else at the timeout.
                let at = c.stuck_threshold_secs.as_ref().map_or_else(
                    || c.timeout_secs.as_ref().map_or(c.name.span(), Spanned::span),
                    Spanned::span,
                );
                config.warnings.push(ConfigWarning {
                    path: self.path.to_string(),
                    line: line_of(self.text, at.start),
                    kind: ConfigWarningKind::StuckBelowTimeout {
                        class: name.clone(),
                        timeout_secs: class.timeout_secs,
                        stuck_threshold_secs: class.stuck_threshold_secs,
                    },
                });
            }
            config.classes.insert(name, class);
        }
        Ok(())
    }

    /// The class `owner` refers to (`default` when it names none), which must be defined.
    fn class_ref(
        &self,
        config: &Config,
        class: &Option<Spanned<String>>,
        owner: &str,
    ) -> Result<String> {
        match class {
            Some(c) if !config.classes.contains_key(c.get_ref()) => self.err(
                c.span(),
                format!(
                    "{owner} refers to class '{}', which is not defined",
                    c.get_ref()
                ),
            ),
            Some(c) => Ok(c.get_ref().clone()),
            None => Ok(DEFAULT_CLASS.to_string()),
        }
    }

    fn templates(&self, raw: &[RawTemplate], config: &mut Config) -> Result<()> {
        let mut seen = BTreeMap::new();
        for t in raw {
            self.unique(&mut seen, &t.name, "template")?;
            let name = t.name.get_ref().clone();
            let class = self.class_ref(config, &t.class, &format!("template '{name}'"))?;
            let provision_timeout_seconds =
                self.secs(&t.provision_timeout_seconds, "provision_timeout_seconds")?;
            config.templates.insert(
                name.clone(),
                Template {
                    name,
                    class,
                    provision_timeout_seconds,
                },
            );
        }
        Ok(())
    }

    fn markers(&self, raw: &[RawMarker]) -> Result<Vec<MarkerSpec>> {
        let mut seen = BTreeMap::new();
        let mut markers = Vec::new();
        for m in raw {
            self.unique(&mut seen, &m.name, "marker")?;
            let name = m.name.get_ref();
            if reserved(name) {
                return self.err(
                    m.name.span(),
                    format!("marker '{name}' has the name of a built-in stage, phase or milestone, whose statistics it would replace; choose another name"),
                );
            }
            let pattern = match (&m.regex, &m.start, &m.end) {
                (Some(r), None, None) => MarkerPatternSpec::Milestone(self.regex(name, r)?),
                (None, Some(s), Some(e)) => MarkerPatternSpec::Span {
                    start: self.regex(name, s)?,
                    end: self.regex(name, e)?,
                },
                _ => {
                    return self.err(
                        m.name.span(),
                        format!("marker '{name}' needs either `regex` or both `start` and `end`"),
                    )
                }
            };
            markers.push(MarkerSpec {
                name: name.clone(),
                pattern,
            });
        }
        Ok(markers)
    }

    fn lockstep(&self, raw: &[RawLockstep], config: &Config) -> Result<Vec<Lockstep>> {
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        for l in raw {
            self.unique(&mut seen, &l.name, "lockstep")?;
            let owner = format!("lockstep '{}'", l.name.get_ref());
            out.push(Lockstep {
                name: l.name.get_ref().clone(),
                class: self.class_ref(config, &l.class, &owner)?,
                timeout_secs: self.secs(&l.timeout_secs, "timeout_secs")?,
                covers_boot_window: l.covers_boot_window,
            });
        }
        Ok(out)
    }

    fn latency(&self, l: &RawLatency, config: &mut Config) -> Result<()> {
        if let Some(end) = &l.end {
            if let Err(message) = config.set_end(end.get_ref()) {
                return self.err(end.span(), message);
            }
        }
        config.latency.max_plausible_secs = self.secs_or(
            &l.max_plausible_secs,
            "max_plausible_secs",
            DEFAULT_MAX_PLAUSIBLE_SECS,
        )?;
        Ok(())
    }

    /// Whose timeout a guard case exercises: a defined template or class, not both.
    fn guard_target(&self, g: &RawGuard, config: &Config) -> Result<GuardTarget> {
        match (&g.template, &g.class) {
            (Some(_), Some(c)) => self.err(
                c.span(),
                format!(
                    "guard '{}' names both a template and a class; give one",
                    g.name.get_ref()
                ),
            ),
            (Some(t), None) if !config.templates.contains_key(t.get_ref()) => self.err(
                t.span(),
                format!(
                    "guard refers to template '{}', which is not defined",
                    t.get_ref()
                ),
            ),
            (Some(t), None) => Ok(GuardTarget::Template(t.get_ref().clone())),
            (None, Some(c)) if !config.classes.contains_key(c.get_ref()) => self.err(
                c.span(),
                format!(
                    "guard refers to class '{}', which is not defined",
                    c.get_ref()
                ),
            ),
            (None, Some(c)) => Ok(GuardTarget::Class(c.get_ref().clone())),
            (None, None) => Ok(GuardTarget::Class(DEFAULT_CLASS.to_string())),
        }
    }

    fn validate(&self, raw: RawConfig) -> Result<Config> {
        let mut config = Config::default();
        if let Some(p) = &raw.policy {
            config.policy = self.policy(p)?;
        }
        if let Some(p) = &raw.platform {
            config.platform = self.platform(p)?;
        }
        if let Some(r) = raw.identity.as_ref().and_then(|i| i.folder_regex.as_ref()) {
            config.identity_folder_regex = Some(self.regex_of("folder_regex", r)?);
        }
        self.classes(&raw.class, &mut config)?;
        self.templates(&raw.template, &mut config)?;
        config.markers = self.markers(&raw.marker)?;
        config.lockstep = self.lockstep(&raw.lockstep, &config)?;
        if let Some(l) = &raw.latency {
            self.latency(l, &mut config)?;
        }
        for g in &raw.guard {
            let guard = Guard {
                name: g.name.get_ref().clone(),
                target: self.guard_target(g, &config)?,
                age_secs: self.secs(&g.age_secs, "age_secs")?,
                expect: g.expect,
            };
            config.guards.push(guard);
        }
        Ok(config)
    }
}

/// The forms a value of `bootline.toml` may take, with type errors that name the right form:
/// "expected a number of seconds, found a string", "`[policy]` is one table: write `[policy]`,
/// not `[[policy]]`".
mod form {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
    use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    /// An integer or a float; anything else is refused saying what it was.
    pub(super) struct NumberVisitor(pub(super) &'static str);

    fn found<E: serde::de::Error>(expected: &str, found: &str) -> E {
        E::custom(format!("expected {expected}, found {found}"))
    }

    impl<'de> Visitor<'de> for NumberVisitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<f64, E> {
            Err(found(self.0, "a string"))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<f64, E> {
            Err(found(self.0, "a boolean"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<f64, A::Error> {
            Err(found(self.0, "an array"))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<f64, A::Error> {
            // TOML hands a date-time over as a one-key table.
            Err(found(self.0, "a table or a date"))
        }
    }

    /// `[key]`: one table.
    struct OneTable<T>(&'static str, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneTable<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "one table `[{}]`", self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(format!(
                "`[{0}]` is one table: write `[{0}]`, not `[[{0}]]`",
                self.0
            )))
        }
    }

    /// `[[key]]`: an array of tables, one per item.
    struct Tables<T>(&'static str, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Tables<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an array of tables `[[{}]]`", self.0)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Vec::<T>::deserialize(SeqAccessDeserializer::new(seq))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(format!(
                "`[{0}]` is a list of tables: write `[[{0}]]` before each {0}, not `[{0}]`",
                self.0
            )))
        }
    }

    /// One `deserialize_with` function per top-level key, named after it.
    macro_rules! forms {
        ($($key:ident: $form:ident -> $out:ty;)*) => {$(
            pub(super) fn $key<'de, D: Deserializer<'de>>(d: D) -> Result<$out, D::Error> {
                d.deserialize_any($form(stringify!($key), PhantomData))
            }
        )*};
    }

    forms! {
        policy: OneTable -> Option<super::RawPolicy>;
        platform: OneTable -> Option<super::RawPlatform>;
        latency: OneTable -> Option<super::RawLatency>;
        identity: OneTable -> Option<super::RawIdentity>;
        class: Tables -> Vec<super::RawClass>;
        template: Tables -> Vec<super::RawTemplate>;
        marker: Tables -> Vec<super::RawMarker>;
        lockstep: Tables -> Vec<super::RawLockstep>;
        guard: Tables -> Vec<super::RawGuard>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config> {
        Config::from_toml(text, "b.toml")
    }

    fn err_at(text: &str) -> (u64, String) {
        match load(text) {
            Err(Error::Config { line, message, .. }) => (line, message),
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = load("").unwrap();
        assert_eq!(c, Config::default());
        let d = c.class("default").unwrap();
        assert_eq!((d.timeout_secs, d.stuck_threshold_secs), (600.0, 900.0));
        assert_eq!(c.marker_set().markers().len(), 1);
    }

    #[test]
    fn full_schema_loads() {
        let c = load(
            r#"
[policy]
target_false_fail_rate = 0.01
confidence = 0.9
slack_multiplier = 1.2
slack_add_secs = 30
grid_secs = 15
grid_above_secs = 120
grid_switch_secs = 900
min_records = 50
[platform]
sweep_period_secs = 30
crash_reasons = ['^instance_status_check_failed$', 'cloud_init_error']
[[class]]
name = "hermes"
timeout_secs = 1800
stuck_threshold_secs = 2700
[[template]]
name = "gpu-large"
class = "default"
provision_timeout_seconds = 1200
[[marker]]
name = "image-pull"
start = 'Pulling image'
end = 'Pulled image'
[[lockstep]]
name = "watcher"
timeout_secs = 300
class = "hermes"
[[guard]]
name = "spared"
age_secs = 660
template = "gpu-large"
expect = "spared"
"#,
        )
        .unwrap();
        assert_eq!(c.policy.slack_add_secs, 30.0);
        assert_eq!(c.policy.min_records, 50);
        assert_eq!(c.platform.sweep_period_secs, 30.0);
        assert_eq!(c.platform.crash_reasons.len(), 2);
        assert_eq!(
            (
                c.policy.grid_secs,
                c.policy.grid_above_secs,
                c.policy.grid_switch_secs
            ),
            (15.0, 120.0, 900.0)
        );
        assert_eq!(c.classes.len(), 2);
        assert_eq!(
            c.template("gpu-large").unwrap().provision_timeout_seconds,
            1200.0
        );
        assert!(c.lockstep[0].covers_boot_window);
        assert_eq!(c.lockstep[0].class, "hermes");
        assert_eq!(
            c.guards[0].target,
            GuardTarget::Template("gpu-large".into())
        );
        assert_eq!(c.guards[0].expect, Expect::Spared);
        assert_eq!(c.marker_set().markers().len(), 2);
    }

    #[test]
    fn example_fixture_loads() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/bootline.example.toml"
        );
        let c = Config::load(Path::new(path)).unwrap();
        assert_eq!(c.class("hermes").unwrap().timeout_secs, 1800.0);
        assert_eq!(c.guards.len(), 2);
        assert_eq!(c.lockstep[0].timeout_secs, 300.0);
        assert_eq!(c.platform.crash_reasons.len(), 2);
        assert_eq!(c.latency.max_plausible_secs, 86_400.0);
        let set = c.marker_set();
        let names: Vec<&str> = set.markers().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["registered", "image-pull", "apt-docker-setup"]);
    }

    #[test]
    fn unknown_key_is_located() {
        let (line, msg) = err_at("[policy]\nconfidence = 0.9\ntimeout = 3\n");
        assert_eq!(line, 3);
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn ranges_are_checked_with_the_value_line() {
        assert_eq!(err_at("[policy]\n\nconfidence = 1.5\n").0, 3);
        assert_eq!(err_at("[policy]\ntarget_false_fail_rate = 0\n").0, 2);
        assert_eq!(err_at("[[class]]\nname = \"x\"\ntimeout_secs = -5\n").0, 3);
        let (line, msg) = err_at("[[class]]\nname = \"a\"\n[[class]]\nname = \"a\"\n");
        assert_eq!(line, 4);
        assert!(msg.contains("duplicate"));
    }

    #[test]
    fn references_and_markers_are_checked() {
        let (line, msg) =
            err_at("[[template]]\nname = \"t\"\nclass = \"nope\"\nprovision_timeout_seconds = 5\n");
        assert_eq!(line, 3);
        assert!(msg.contains("nope"));
        let (line, msg) = err_at("[[marker]]\nname = \"m\"\nregex = '(unclosed'\n");
        assert_eq!(line, 3);
        assert!(msg.contains("invalid regular expression"), "{msg}");
        let (line, msg) = err_at("[[marker]]\nname = \"m\"\nstart = 'a'\n");
        assert_eq!(line, 2);
        assert!(msg.contains("both `start` and `end`"));
        assert_eq!(
            err_at("[[guard]]\nname = \"g\"\nage_secs = 1\nclass = \"zz\"\nexpect = \"failed\"\n")
                .0,
            4
        );
        let (line, msg) =
            err_at("[[lockstep]]\nname = \"w\"\ntimeout_secs = 300\nclass = \"zz\"\n");
        assert_eq!(line, 4);
        assert!(msg.contains("zz"), "{msg}");
        assert_eq!(err_at("[policy]\ngrid_secs = 0\n").0, 2);
        assert_eq!(
            err_at("[policy]\nmin_records = 20.5\n"),
            (
                2,
                "min_records must be a whole number of records, got 20.5".to_string()
            )
        );
        assert_eq!(err_at("[policy]\n\nmin_records = 0\n").0, 3);
    }

    #[test]
    fn the_latency_end_is_a_known_milestone() {
        assert_eq!(load("").unwrap().latency.end, LatencyEnd::Auto);
        let c = load("[latency]\nend = \"boot_finished\"\n").unwrap();
        assert_eq!(c.latency.end, LatencyEnd::BootFinished);
        let marker = "[[marker]]\nname = \"agent-up\"\nregex = 'agent up'\n";
        let c = load(&format!("{marker}[latency]\nend = \"agent-up\"\n")).unwrap();
        assert_eq!(c.latency.end, LatencyEnd::Marker("agent-up".into()));
        assert_eq!(c.latency.end.as_str(), "agent-up");
        let (line, msg) = err_at(&format!("{marker}[latency]\n\nend = \"finished\"\n"));
        assert_eq!(line, 6);
        assert!(
            msg.contains("expected one of: auto, registered, boot_finished, agent-up"),
            "{msg}"
        );
        // A span marker has no single moment to end at.
        let span = "[[marker]]\nname = \"pull\"\nstart = 'a'\nend = 'b'\n";
        assert_eq!(err_at(&format!("{span}[latency]\nend = \"pull\"\n")).0, 6);
        let mut c = Config::default();
        assert!(c.set_end("boot_finished").is_ok());
        assert!(c.set_end("agent-up").is_err());
    }

    #[test]
    fn the_plausible_latency_limit_is_a_positive_number_of_seconds() {
        assert_eq!(load("").unwrap().latency.max_plausible_secs, 86_400.0);
        let c = load("[latency]\nmax_plausible_secs = 3600\n").unwrap();
        assert_eq!(c.latency.max_plausible_secs, 3600.0);
        let c = load("[latency]\nmax_plausible_secs = 0.5\n").unwrap();
        assert_eq!(c.latency.max_plausible_secs, 0.5);
        for (bad, shown) in [("0", "0"), ("-60", "-60"), ("inf", "inf"), ("nan", "NaN")] {
            let (line, msg) = err_at(&format!("[latency]\n\nmax_plausible_secs = {bad}\n"));
            assert_eq!(line, 3, "{bad}");
            assert_eq!(
                msg,
                format!("max_plausible_secs must lie in [0.001 s, 7 days = 604800 s], got {shown}")
            );
        }
        assert_eq!(
            err_at("[latency]\nmax_plausible_secs = \"1d\"\n").0,
            2,
            "a string is refused on its line"
        );
    }

    #[test]
    fn platform_rules_are_checked_with_their_line() {
        let c = load("[platform]\n").unwrap();
        assert_eq!(c.platform, Platform::default());
        assert_eq!(c.platform.sweep_period_secs, 60.0);
        let (line, msg) = err_at("[platform]\n\nsweep_period_secs = 0\n");
        assert_eq!(line, 3);
        assert!(
            msg.contains("sweep_period_secs must lie in [0.001 s"),
            "{msg}"
        );
        let (line, msg) = err_at("[platform]\ncrash_reasons = [\n  'ok',\n  '(unclosed',\n]\n");
        assert_eq!(line, 4);
        assert!(
            msg.contains("crash_reasons: invalid regular expression"),
            "{msg}"
        );
        let (line, msg) = err_at("[platform]\nsweep_secs = 60\n");
        assert_eq!(line, 2);
        assert!(msg.contains("unknown field"), "{msg}");
    }

    /// The one error of `text`, as the command line shows it.
    fn error_of(text: &str) -> String {
        match load(text) {
            Err(e) => e.to_string(),
            Ok(c) => panic!("expected an error, loaded {c:?}"),
        }
    }

    #[test]
    fn every_number_has_its_documented_bounds() {
        let cases = [
            (
                "[policy]\ngrid_above_secs = 7e11\n",
                "b.toml:2: grid_above_secs must lie in [0.001 s, 7 days = 604800 s], got 7e11",
            ),
            (
                "[policy]\nslack_multiplier = 1e308\n",
                "b.toml:2: slack_multiplier must lie in [1, 10], got 1e308",
            ),
            (
                "[[class]]\nname = \"default\"\ntimeout_secs = 1e308\n",
                "b.toml:3: timeout_secs must lie in [0.001 s, 7 days = 604800 s], got 1e308",
            ),
            (
                "[[class]]\nname = \"default\"\ntimeout_secs = 1e-300\n",
                "b.toml:3: timeout_secs must lie in [0.001 s, 7 days = 604800 s], got 1e-300",
            ),
            (
                "[platform]\nsweep_period_secs = 1e300\n",
                "b.toml:2: sweep_period_secs must lie in [0.001 s, 7 days = 604800 s], got 1e300",
            ),
            (
                "[policy]\ntarget_false_fail_rate = 1e-300\n",
                "b.toml:2: target_false_fail_rate must lie in [0.000001, 0.5), got 1e-300",
            ),
            (
                "[policy]\ntarget_false_fail_rate = 0.5\n",
                "b.toml:2: target_false_fail_rate must lie in [0.000001, 0.5), got 0.5",
            ),
            (
                "[policy]\nconfidence = 0.3\n",
                "b.toml:2: confidence must lie in [0.5, 1), got 0.3",
            ),
            (
                "[policy]\nslack_add_secs = 1e9\n",
                "b.toml:2: slack_add_secs must lie in [0 s, 7 days = 604800 s], got 1e9",
            ),
            (
                "[[guard]]\nname = \"g\"\nage_secs = 604801\nexpect = \"failed\"\n",
                "b.toml:3: age_secs must lie in [0.001 s, 7 days = 604800 s], got 604801",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error_of(text), expected, "{text}");
        }
        // The edges themselves are settings.
        let c = load("[policy]\nslack_multiplier = 10\ngrid_switch_secs = 0\n[[class]]\nname = \"x\"\ntimeout_secs = 604800\nstuck_threshold_secs = 604800\n").unwrap();
        assert_eq!(c.class("x").unwrap().timeout_secs, MAX_SECS);
    }

    #[test]
    fn a_stuck_threshold_below_the_timeout_is_a_located_warning() {
        let c = load("[[class]]\nname = \"h\"\ntimeout_secs = 600\nstuck_threshold_secs = 300\n")
            .unwrap();
        assert_eq!(
            c.warnings,
            [ConfigWarning {
                path: "b.toml".into(),
                line: 4,
                kind: ConfigWarningKind::StuckBelowTimeout {
                    class: "h".into(),
                    timeout_secs: 600.0,
                    stuck_threshold_secs: 300.0
                }
            }]
        );
        // The default threshold (900 s) below a longer timeout: located at the timeout.
        let c = load("[[class]]\nname = \"h\"\n\ntimeout_secs = 1200\n").unwrap();
        assert_eq!(c.warnings[0].line, 4);
        assert!(load("[[class]]\nname = \"h\"\ntimeout_secs = 900\n")
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn a_marker_can_neither_take_a_built_in_name_nor_match_every_line() {
        assert_eq!(
            error_of("[[marker]]\nname = \"init-network\"\nregex = 'x'\n"),
            "b.toml:2: marker 'init-network' has the name of a built-in stage, phase or milestone, whose statistics it would replace; choose another name"
        );
        for name in [
            "kernel",
            "modules-final",
            "modules-config_start",
            "boot_finished",
            "launched",
        ] {
            assert!(
                load(&format!("[[marker]]\nname = \"{name}\"\nregex = 'x'\n")).is_err(),
                "{name}"
            );
        }
        // The built-in register marker may be replaced on purpose.
        assert!(
            load("[[marker]]\nname = \"registered\"\nregex = 'up: (?P<status>\\d+)'\n").is_ok()
        );
        assert_eq!(
            error_of("[[marker]]\nname = \"m\"\nregex = ''\n"),
            "b.toml:3: marker 'm': the regular expression '' matches the empty text, so it matches every line"
        );
        assert_eq!(error_of("[[marker]]\nname = \"m\"\nstart = 'a'\nend = '.*'\n").lines().next().unwrap(), "b.toml:4: marker 'm': the regular expression '.*' matches the empty text, so it matches every line");
        assert!(error_of("[platform]\ncrash_reasons = ['x?']\n")
            .starts_with("b.toml:2: crash_reasons: the regular expression 'x?'"));
    }

    #[test]
    fn type_errors_say_what_was_expected_and_name_the_right_form() {
        assert_eq!(
            error_of("[policy]\ngrid_secs = \"30\"\n"),
            "b.toml:2: expected a number of seconds, found a string"
        );
        assert_eq!(
            error_of("[policy]\nconfidence = true\n"),
            "b.toml:2: expected a number, found a boolean"
        );
        assert_eq!(
            error_of("[[policy]]\nconfidence = 0.9\n"),
            "b.toml:1: `[policy]` is one table: write `[policy]`, not `[[policy]]`"
        );
        assert_eq!(
            error_of("# classes\n[class]\nname = \"x\"\n"),
            "b.toml:2: `[class]` is a list of tables: write `[[class]]` before each class, not `[class]`"
        );
        // Unknown keys inside a table are still located.
        assert_eq!(err_at("[policy]\nconfidence = 0.9\ntimeout = 3\n").0, 3);
    }
}
