//! Validation of `bootline.toml`: one function per section (`[policy]`, `[platform]`,
//! `[[class]]`, `[[template]]`, `[[marker]]`, `[[lockstep]]`, `[latency]`, `[[guard]]`), each
//! error located on the line of the value it refuses.

use toml::Spanned;

use super::raw::*;
use super::*;
use crate::error::{Error, Result};

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

/// Checks the file as written against every rule, section by section, and builds the
/// [`Config`]; each error names the file and the line of the value.
pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a str,
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

    /// The configuration of a file read, checked one section at a time.
    pub(super) fn validate(&self, raw: RawConfig) -> Result<Config> {
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
