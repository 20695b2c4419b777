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
pub const DEFAULT_CLASS: &str = "default";
/// The default class's register-wait timeout when the file does not give one.
pub const DEFAULT_TIMEOUT_SECS: f64 = 600.0;
/// The default class's stuck threshold when the file does not give one.
pub const DEFAULT_STUCK_SECS: f64 = 900.0;
/// How often the platform's sweep runs when the file does not say.
pub const DEFAULT_SWEEP_PERIOD_SECS: f64 = 60.0;
/// The longest latency taken as a real boot's when the file does not say: one day.
pub const DEFAULT_MAX_PLAUSIBLE_SECS: f64 = 86_400.0;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// How the recommendation is computed.
    pub policy: Policy,
    /// How the platform's sweep reports its verdicts.
    pub platform: Platform,
    /// What a boot's latency runs to.
    pub latency: LatencySettings,
    /// `[identity] folder_regex`: folders whose whole name matches are instance folders.
    pub identity_folder_regex: Option<String>,
    /// Timeout classes by name; always holds [`DEFAULT_CLASS`].
    pub classes: BTreeMap<String, Class>,
    /// Templates with their own provision timeout, by name.
    pub templates: BTreeMap<String, Template>,
    /// User markers, in file order.
    pub markers: Vec<MarkerSpec>,
    /// Related timeouts that must move with the register-wait timeout.
    pub lockstep: Vec<Lockstep>,
    /// Guard cases of the test suite.
    pub guards: Vec<Guard>,
}

/// `[policy]`: the recommendation's parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// Target false-fail rate p, in (0, 1).
    pub target_false_fail_rate: f64,
    /// One-sided confidence level, in (0, 1).
    pub confidence: f64,
    /// Multiplicative tail slack (≥ 1).
    pub slack_multiplier: f64,
    /// Additive tail slack in seconds (≥ 0).
    pub slack_add_secs: f64,
    /// Rounding grid below `grid_switch_secs`, seconds (> 0).
    pub grid_secs: f64,
    /// Rounding grid from `grid_switch_secs` on, seconds (> 0).
    pub grid_above_secs: f64,
    /// Raw timeout at which the grid changes from `grid_secs` to `grid_above_secs`, seconds.
    pub grid_switch_secs: f64,
}

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
        }
    }
}

/// `[platform]`: how to read the platform's `failed` events.
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    /// Seconds between two runs of the sweep: a `failed` within this of a `provision_timeout`
    /// of the same instance or workspace is the same flip.
    pub sweep_period_secs: f64,
    /// Regular expressions: a `failed` whose reason matches one is crash evidence whenever it
    /// comes, even after the timeout.
    pub crash_reasons: Vec<String>,
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
pub struct LatencySettings {
    /// The end milestone.
    pub end: LatencyEnd,
    /// Latencies longer than this many seconds are implausible (a year-9999 stamp, a clock
    /// reset): excluded from every fit, counted and named.
    pub max_plausible_secs: f64,
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
pub enum LatencyEnd {
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
    pub fn as_str(&self) -> &str {
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
    pub fn resolve(&self, register_evidence: bool) -> LatencyEnd {
        match self {
            LatencyEnd::Auto if register_evidence => LatencyEnd::Registered,
            LatencyEnd::Auto => LatencyEnd::BootFinished,
            end => end.clone(),
        }
    }

    /// Reads an end's name: `auto`, `registered`, `boot_finished`, or the name of one of
    /// `milestone_markers`; the error says what is accepted.
    pub fn parse(name: &str, milestone_markers: &[&str]) -> std::result::Result<Self, String> {
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
pub struct Class {
    /// Class name.
    pub name: String,
    /// Current register-wait timeout, seconds.
    pub timeout_secs: f64,
    /// Age beyond which a boot of this class is taken as stuck, seconds.
    pub stuck_threshold_secs: f64,
}

/// `[[template]]`: a template whose `provision_timeout_seconds` overrides its class's timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Template name.
    pub name: String,
    /// The class it belongs to.
    pub class: String,
    /// Its provision timeout, seconds.
    pub provision_timeout_seconds: f64,
}

/// `[[marker]]`: a user marker as written (its compiled form is in [`Config::marker_set`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerSpec {
    /// Marker name.
    pub name: String,
    /// Milestone or sub-phase.
    pub pattern: MarkerPatternSpec,
}

/// The expression(s) of a [`MarkerSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerPatternSpec {
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
pub struct Lockstep {
    /// What the timeout is.
    pub name: String,
    /// Its value, seconds.
    pub timeout_secs: f64,
    /// Whether its role is to cover the boot window (then it must be ≥ the proposal).
    pub covers_boot_window: bool,
    /// The class whose register-wait timeout it must cover.
    pub class: String,
}

/// `[[guard]]`: a test's age/expected-verdict pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// What the case checks.
    pub name: String,
    /// The boot age the test uses, seconds.
    pub age_secs: f64,
    /// Whose timeout applies.
    pub target: GuardTarget,
    /// The verdict the test expects.
    pub expect: Expect,
}

/// Whose timeout a guard case exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardTarget {
    /// A class's timeout.
    Class(String),
    /// A template's override.
    Template(String),
}

/// A guard case's expected verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
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
    pub fn from_toml(text: &str, path: &str) -> Result<Self> {
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
    pub fn milestone_markers(&self) -> Vec<&str> {
        self.markers
            .iter()
            .filter(|m| matches!(m.pattern, MarkerPatternSpec::Milestone(_)))
            .map(|m| m.name.as_str())
            .collect()
    }

    /// Sets what latencies run to (`--end`), checked as `[latency] end` is.
    pub fn set_end(&mut self, name: &str) -> std::result::Result<(), String> {
        self.latency.end = LatencyEnd::parse(name, &self.milestone_markers())?;
        Ok(())
    }

    /// How instances are identified under `rule` (`--identity`), with this configuration's
    /// folder pattern (validated when loaded).
    pub fn identity(
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
    pub fn class(&self, name: &str) -> Option<&Class> {
        self.classes.get(name)
    }

    /// A template by name.
    pub fn template(&self, name: &str) -> Option<&Template> {
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
    policy: Option<RawPolicy>,
    platform: Option<RawPlatform>,
    latency: Option<RawLatency>,
    identity: Option<RawIdentity>,
    #[serde(default)]
    class: Vec<RawClass>,
    #[serde(default)]
    template: Vec<RawTemplate>,
    #[serde(default)]
    marker: Vec<RawMarker>,
    #[serde(default)]
    lockstep: Vec<RawLockstep>,
    #[serde(default)]
    guard: Vec<RawGuard>,
}

/// A TOML integer or float.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn get(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

type SNum = Spanned<Num>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    target_false_fail_rate: Option<SNum>,
    confidence: Option<SNum>,
    slack_multiplier: Option<SNum>,
    slack_add_secs: Option<SNum>,
    grid_secs: Option<SNum>,
    grid_above_secs: Option<SNum>,
    grid_switch_secs: Option<SNum>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    end: Option<Spanned<String>>,
    max_plausible_secs: Option<SNum>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    folder_regex: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlatform {
    sweep_period_secs: Option<SNum>,
    #[serde(default)]
    crash_reasons: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    name: Spanned<String>,
    timeout_secs: Option<SNum>,
    stuck_threshold_secs: Option<SNum>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Spanned<String>,
    class: Option<Spanned<String>>,
    provision_timeout_seconds: SNum,
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
    timeout_secs: SNum,
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
    age_secs: SNum,
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

    /// A number in the open interval (0, 1).
    fn rate(&self, v: &Option<SNum>, key: &str, default: f64) -> Result<f64> {
        let Some(v) = v else { return Ok(default) };
        let x = v.get_ref().get();
        if x > 0.0 && x < 1.0 {
            Ok(x)
        } else {
            self.err(
                v.span(),
                format!("{key} must lie strictly between 0 and 1, got {x}"),
            )
        }
    }

    /// A number ≥ `min` (or > `min` when `strict`).
    fn at_least(&self, v: &SNum, key: &str, min: f64, strict: bool) -> Result<f64> {
        let x = v.get_ref().get();
        let ok = x.is_finite() && if strict { x > min } else { x >= min };
        if ok {
            Ok(x)
        } else {
            let rel = if strict { "greater than" } else { "at least" };
            self.err(v.span(), format!("{key} must be {rel} {min}, got {x}"))
        }
    }

    fn secs(&self, v: &SNum, key: &str) -> Result<f64> {
        self.at_least(v, key, 0.0, true)
    }

    fn secs_or(&self, v: &Option<SNum>, key: &str, default: f64) -> Result<f64> {
        v.as_ref().map_or(Ok(default), |v| self.secs(v, key))
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

    fn regex(&self, marker: &str, r: &Spanned<String>) -> Result<String> {
        self.regex_of(&format!("marker '{marker}'"), r)
    }

    /// A regular expression that compiles; `what` names its key in the error.
    fn regex_of(&self, what: &str, r: &Spanned<String>) -> Result<String> {
        match regex::Regex::new(r.get_ref()) {
            Ok(_) => Ok(r.get_ref().clone()),
            Err(e) => self.err(r.span(), format!("{what}: invalid regular expression: {e}")),
        }
    }

    fn platform(&self, p: &RawPlatform) -> Result<Platform> {
        Ok(Platform {
            sweep_period_secs: match &p.sweep_period_secs {
                Some(v) => self.secs(v, "sweep_period_secs")?,
                None => DEFAULT_SWEEP_PERIOD_SECS,
            },
            crash_reasons: p
                .crash_reasons
                .iter()
                .map(|r| self.regex_of("crash_reasons", r))
                .collect::<Result<_>>()?,
        })
    }

    fn validate(&self, raw: RawConfig) -> Result<Config> {
        let mut config = Config::default();
        if let Some(p) = &raw.policy {
            let d = Policy::default();
            config.policy = Policy {
                target_false_fail_rate: self.rate(
                    &p.target_false_fail_rate,
                    "target_false_fail_rate",
                    d.target_false_fail_rate,
                )?,
                confidence: self.rate(&p.confidence, "confidence", d.confidence)?,
                slack_multiplier: match &p.slack_multiplier {
                    Some(v) => self.at_least(v, "slack_multiplier", 1.0, false)?,
                    None => d.slack_multiplier,
                },
                slack_add_secs: match &p.slack_add_secs {
                    Some(v) => self.at_least(v, "slack_add_secs", 0.0, false)?,
                    None => d.slack_add_secs,
                },
                grid_secs: self.secs_or(&p.grid_secs, "grid_secs", d.grid_secs)?,
                grid_above_secs: self.secs_or(
                    &p.grid_above_secs,
                    "grid_above_secs",
                    d.grid_above_secs,
                )?,
                grid_switch_secs: match &p.grid_switch_secs {
                    Some(v) => self.at_least(v, "grid_switch_secs", 0.0, false)?,
                    None => d.grid_switch_secs,
                },
            };
        }
        if let Some(p) = &raw.platform {
            config.platform = self.platform(p)?;
        }
        if let Some(r) = raw.identity.as_ref().and_then(|i| i.folder_regex.as_ref()) {
            config.identity_folder_regex = Some(self.regex_of("folder_regex", r)?);
        }

        let mut seen = BTreeMap::new();
        for c in &raw.class {
            self.unique(&mut seen, &c.name, "class")?;
            let timeout_secs = match &c.timeout_secs {
                Some(v) => self.secs(v, "timeout_secs")?,
                None => DEFAULT_TIMEOUT_SECS,
            };
            let stuck_threshold_secs = match &c.stuck_threshold_secs {
                Some(v) => self.secs(v, "stuck_threshold_secs")?,
                None => DEFAULT_STUCK_SECS,
            };
            let name = c.name.get_ref().clone();
            config.classes.insert(
                name.clone(),
                Class {
                    name,
                    timeout_secs,
                    stuck_threshold_secs,
                },
            );
        }

        let mut seen = BTreeMap::new();
        for t in &raw.template {
            self.unique(&mut seen, &t.name, "template")?;
            let class = match &t.class {
                Some(c) if !config.classes.contains_key(c.get_ref()) => {
                    return self.err(
                        c.span(),
                        format!(
                            "template '{}' refers to class '{}', which is not defined",
                            t.name.get_ref(),
                            c.get_ref()
                        ),
                    )
                }
                Some(c) => c.get_ref().clone(),
                None => DEFAULT_CLASS.to_string(),
            };
            let name = t.name.get_ref().clone();
            config.templates.insert(
                name.clone(),
                Template {
                    name,
                    class,
                    provision_timeout_seconds: self
                        .secs(&t.provision_timeout_seconds, "provision_timeout_seconds")?,
                },
            );
        }

        let mut seen = BTreeMap::new();
        for m in &raw.marker {
            self.unique(&mut seen, &m.name, "marker")?;
            let name = m.name.get_ref();
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
            config.markers.push(MarkerSpec {
                name: name.clone(),
                pattern,
            });
        }

        let mut seen = BTreeMap::new();
        for l in &raw.lockstep {
            self.unique(&mut seen, &l.name, "lockstep")?;
            let class = match &l.class {
                Some(c) if !config.classes.contains_key(c.get_ref()) => {
                    return self.err(
                        c.span(),
                        format!(
                            "lockstep '{}' refers to class '{}', which is not defined",
                            l.name.get_ref(),
                            c.get_ref()
                        ),
                    )
                }
                Some(c) => c.get_ref().clone(),
                None => DEFAULT_CLASS.to_string(),
            };
            config.lockstep.push(Lockstep {
                name: l.name.get_ref().clone(),
                timeout_secs: self.secs(&l.timeout_secs, "timeout_secs")?,
                covers_boot_window: l.covers_boot_window,
                class,
            });
        }

        if let Some(end) = raw.latency.as_ref().and_then(|l| l.end.as_ref()) {
            if let Err(message) = config.set_end(end.get_ref()) {
                return self.err(end.span(), message);
            }
        }
        if let Some(v) = raw
            .latency
            .as_ref()
            .and_then(|l| l.max_plausible_secs.as_ref())
        {
            config.latency.max_plausible_secs = self.secs(v, "max_plausible_secs")?;
        }

        for g in &raw.guard {
            let target = match (&g.template, &g.class) {
                (Some(_), Some(c)) => {
                    return self.err(
                        c.span(),
                        format!(
                            "guard '{}' names both a template and a class; give one",
                            g.name.get_ref()
                        ),
                    )
                }
                (Some(t), None) => {
                    if !config.templates.contains_key(t.get_ref()) {
                        return self.err(
                            t.span(),
                            format!(
                                "guard refers to template '{}', which is not defined",
                                t.get_ref()
                            ),
                        );
                    }
                    GuardTarget::Template(t.get_ref().clone())
                }
                (None, Some(c)) => {
                    if !config.classes.contains_key(c.get_ref()) {
                        return self.err(
                            c.span(),
                            format!(
                                "guard refers to class '{}', which is not defined",
                                c.get_ref()
                            ),
                        );
                    }
                    GuardTarget::Class(c.get_ref().clone())
                }
                (None, None) => GuardTarget::Class(DEFAULT_CLASS.to_string()),
            };
            config.guards.push(Guard {
                name: g.name.get_ref().clone(),
                age_secs: self.secs(&g.age_secs, "age_secs")?,
                target,
                expect: g.expect,
            });
        }
        Ok(config)
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
                format!("max_plausible_secs must be greater than 0, got {shown}")
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
            msg.contains("sweep_period_secs must be greater than 0"),
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
}
