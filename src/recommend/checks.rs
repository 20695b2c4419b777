//! What must move with a new timeout: lockstep timeouts (docs/recommendation.md step 6) and guard cases
//! of the test suite (step 7), and the CI gate that compares current with recommended timeouts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Expect, GuardTarget};

/// The timeouts a change proposes: per class, and per template (its override).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Proposal {
    /// Proposed register-wait timeout per class, seconds.
    pub(crate) classes: BTreeMap<String, f64>,
    /// Each template's override, seconds (as configured unless proposed).
    pub(crate) templates: BTreeMap<String, f64>,
}

impl Proposal {
    /// The configured timeouts, unchanged.
    pub(crate) fn current(config: &Config) -> Self {
        Self {
            classes: config
                .classes
                .iter()
                .map(|(n, c)| (n.clone(), c.timeout_secs))
                .collect(),
            templates: config
                .templates
                .iter()
                .map(|(n, t)| (n.clone(), t.provision_timeout_seconds))
                .collect(),
        }
    }
}

/// The verdict on one lockstep timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LockstepVerdict {
    /// It covers the proposed timeout.
    Ok,
    /// It is shorter than the proposed timeout it must cover.
    MustMove,
    /// Its role is not to cover the boot window: not checked.
    NotCovering,
    /// Its class has no proposed timeout.
    NoProposal,
}

/// One `[[lockstep]]` entry against the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LockstepCheck {
    /// What the timeout is.
    pub(crate) name: String,
    /// The class whose timeout it must cover.
    pub(crate) class: String,
    /// Its current value, seconds.
    pub(crate) timeout_s: f64,
    /// The value it must at least have (the class's proposed timeout).
    pub(crate) required_s: Option<f64>,
    /// The verdict.
    pub(crate) verdict: LockstepVerdict,
}

/// Checks every lockstep timeout against its class's proposed timeout.
pub(crate) fn lockstep(config: &Config, proposal: &Proposal) -> Vec<LockstepCheck> {
    config
        .lockstep
        .iter()
        .map(|l| {
            let required = proposal.classes.get(&l.class).copied();
            let verdict = match (l.covers_boot_window, required) {
                (false, _) => LockstepVerdict::NotCovering,
                (true, None) => LockstepVerdict::NoProposal,
                (true, Some(r)) if l.timeout_secs >= r => LockstepVerdict::Ok,
                (true, Some(_)) => LockstepVerdict::MustMove,
            };
            LockstepCheck {
                name: l.name.clone(),
                class: l.class.clone(),
                timeout_s: l.timeout_secs,
                required_s: required,
                verdict,
            }
        })
        .collect()
}

/// The verdict on one guard case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GuardVerdict {
    /// On its intended side, and it fails when what it guards breaks.
    Ok,
    /// Its age is on the wrong side of the timeout: the test itself fails.
    WrongSide,
    /// It passes whether or not what it guards works: it can no longer fail.
    Vacuous,
    /// No timeout is proposed for its class or template.
    NoProposal,
}

/// One `[[guard]]` case against the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GuardCheck {
    /// What the case checks.
    pub(crate) name: String,
    /// The age the test uses, seconds.
    pub(crate) age_s: f64,
    /// The class whose timeout applies (directly or as the fallback of a template).
    pub(crate) class: String,
    /// The template whose override the case exercises.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// The timeout that applies at that age (the template's override, else the class's).
    pub(crate) timeout_s: Option<f64>,
    /// For a template case: the class timeout a broken override lookup would fall back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fallback_timeout_s: Option<f64>,
    /// The verdict the test expects.
    pub(crate) expect: Expect,
    /// The verdict on the case.
    pub(crate) verdict: GuardVerdict,
    /// The ages that would make it a real guard: above the first value, up to and including
    /// the second (`null`: unbounded); `null` when no age can.
    pub(crate) real_guard_interval_s: Option<[Option<f64>; 2]>,
}

/// A boot older than the timeout is failed; at or below it, spared (the sweep flips a boot
/// once its age exceeds the timeout).
fn verdict_at(age: f64, timeout: f64) -> Expect {
    if age > timeout {
        Expect::Failed
    } else {
        Expect::Spared
    }
}

/// The ages (lo, hi] on the intended side of `own` and the other side of `fallback`.
fn real_interval(expect: Expect, own: f64, fallback: Option<f64>) -> Option<[Option<f64>; 2]> {
    match (expect, fallback) {
        (Expect::Spared, None) => Some([Some(0.0), Some(own)]),
        (Expect::Failed, None) => Some([Some(own), None]),
        // Spared by the override, failed by the class: fallback < age ≤ own.
        (Expect::Spared, Some(f)) => (f < own).then_some([Some(f), Some(own)]),
        // Failed by the override, spared by the class: own < age ≤ fallback.
        (Expect::Failed, Some(f)) => (own < f).then_some([Some(own), Some(f)]),
    }
}

/// Checks every guard case against the proposal. A template case must be able to tell the
/// template's override from its class's timeout; any case must sit on its intended side.
pub(crate) fn guards(config: &Config, proposal: &Proposal) -> Vec<GuardCheck> {
    config
        .guards
        .iter()
        .map(|g| {
            let (class, template) = match &g.target {
                GuardTarget::Class(c) => (c.clone(), None),
                GuardTarget::Template(t) => (
                    config.template(t).map_or_else(
                        || crate::config::DEFAULT_CLASS.to_string(),
                        |t| t.class.clone(),
                    ),
                    Some(t.clone()),
                ),
            };
            let class_timeout = proposal.classes.get(&class).copied();
            let (timeout, fallback) = match &template {
                Some(t) => (proposal.templates.get(t).copied(), class_timeout),
                None => (class_timeout, None),
            };
            let missing_fallback = template.is_some() && fallback.is_none();
            let (verdict, interval) = match timeout {
                Some(own) if !missing_fallback => {
                    let interval = real_interval(g.expect, own, fallback);
                    let verdict = if verdict_at(g.age_secs, own) != g.expect {
                        GuardVerdict::WrongSide
                    } else if fallback.is_some_and(|f| verdict_at(g.age_secs, f) == g.expect) {
                        GuardVerdict::Vacuous
                    } else {
                        GuardVerdict::Ok
                    };
                    (verdict, interval)
                }
                Some(_) | None => (GuardVerdict::NoProposal, None),
            };
            GuardCheck {
                name: g.name.clone(),
                age_s: g.age_secs,
                class,
                template,
                timeout_s: timeout,
                fallback_timeout_s: fallback,
                expect: g.expect,
                verdict,
                real_guard_interval_s: interval,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCIDENT: &str = r#"
[[template]]
name = "gpu-large"
provision_timeout_seconds = 1200
[[lockstep]]
name = "crash-diagnosis watcher"
timeout_secs = 300
[[lockstep]]
name = "log shipper"
timeout_secs = 60
covers_boot_window = false
[[guard]]
name = "spared by the override"
age_secs = 660
template = "gpu-large"
expect = "spared"
[[guard]]
name = "failed past the default"
age_secs = 800
expect = "failed"
"#;

    fn incident() -> (Config, Proposal) {
        let config = Config::from_toml(INCIDENT, "b.toml").expect("config");
        let mut p = Proposal::current(&config);
        p.classes.insert("default".into(), 720.0);
        (config, p)
    }

    #[test]
    fn the_incident_guard_becomes_vacuous_at_720() {
        let (config, p) = incident();
        let g = guards(&config, &p);
        assert_eq!(g[0].verdict, GuardVerdict::Vacuous);
        assert_eq!(
            g[0].real_guard_interval_s,
            Some([Some(720.0), Some(1200.0)])
        );
        assert_eq!(g[0].timeout_s, Some(1200.0));
        assert_eq!(g[0].fallback_timeout_s, Some(720.0));
        assert_eq!(g[1].verdict, GuardVerdict::Ok);
        assert_eq!(g[1].real_guard_interval_s, Some([Some(720.0), None]));
        // Before the change the same case was a real guard.
        let g = guards(&config, &Proposal::current(&config));
        assert_eq!(g[0].verdict, GuardVerdict::Ok);
    }

    #[test]
    fn wrong_side_cases_are_named() {
        let (config, mut p) = incident();
        p.classes.insert("default".into(), 900.0);
        let g = guards(&config, &p);
        // 800 s is no longer past the default timeout.
        assert_eq!(g[1].verdict, GuardVerdict::WrongSide);
        p.templates.insert("gpu-large".into(), 600.0);
        let g = guards(&config, &p);
        assert_eq!(g[0].verdict, GuardVerdict::WrongSide);
        // An override below the class timeout cannot be guarded by a spared case.
        assert_eq!(g[0].real_guard_interval_s, None);
    }

    #[test]
    fn lockstep_must_cover_the_proposal() {
        let (config, p) = incident();
        let l = lockstep(&config, &p);
        assert_eq!(l[0].verdict, LockstepVerdict::MustMove);
        assert_eq!(l[0].required_s, Some(720.0));
        assert_eq!(l[1].verdict, LockstepVerdict::NotCovering);
        let mut p = p;
        p.classes.insert("default".into(), 300.0);
        assert_eq!(lockstep(&config, &p)[0].verdict, LockstepVerdict::Ok);
    }
}
