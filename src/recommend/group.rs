//! Which attempts form a group, and the whole recommendation: per class (without the templates
//! that override its timeout), per template with an override; then the lockstep and guard
//! checks against the recommended timeouts. The readings of killed boots live in
//! [`super::readings`], cohorts and the ways out of an overlap in [`super::cohorts`], the
//! warnings in [`super::warnings`], the CI gate in [`super::gate`].

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Policy};
use crate::stats::family::Family;
use crate::timeline::{Implausibles, LISTED_MAX};

use super::attempt::{Attempt, Latency};
use super::checks::Proposal;
use super::checks::{guards, lockstep, GuardCheck, GuardVerdict, LockstepCheck, LockstepVerdict};
use super::cohorts::{cohorts, suggestion};
use super::readings::{assumptions, without_cure, Readings};
use super::rule::{false_fail, raw_timeout, round_to_grid, Evidence};
use super::sensitivity::sensitivity;
use super::warnings::warnings;
use super::{
    Assume, Candidate, LateRegistration, Options, RecommendError, Recommendation, Verdict,
    SCHEMA_VERSION,
};

pub(crate) use super::gate::{check, Check, GateReason};

/// A group with no recommendation, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Skipped {
    /// The class.
    pub(crate) class: String,
    /// The template, for a template's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// Why.
    pub(crate) reason: String,
}

/// Everything `bootline recommend` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// Schema version shared by every bootline JSON.
    pub(crate) schema_version: u32,
    /// The policy applied.
    pub(crate) policy: Policy,
    /// How often the sweep runs, seconds: a boot is failed between T and T + period after its
    /// launch, so every rate at T is the worst case.
    pub(crate) sweep_period_s: f64,
    /// The reading of killed boots asked for.
    pub(crate) assume: Assume,
    /// The cohort label, with `--group-by`.
    pub(crate) group_by: Option<String>,
    /// One recommendation per class.
    pub classes: Vec<Recommendation>,
    /// One recommendation per template with its own override.
    pub(crate) templates: Vec<Recommendation>,
    /// Groups without a recommendation.
    pub(crate) skipped: Vec<Skipped>,
    /// Lockstep timeouts against the recommended class timeouts.
    pub(crate) lockstep: Vec<LockstepCheck>,
    /// Guard cases against the recommended class timeouts and the configured overrides.
    pub(crate) guards: Vec<GuardCheck>,
    /// Attempts excluded for an implausible latency (`[latency] max_plausible_secs`), set by
    /// whoever mapped the timelines' attempts ([`super::from_attempts`]).
    #[serde(default, skip_serializing_if = "Implausibles::is_empty")]
    pub(crate) implausible: Implausibles,
}

impl Recommendations {
    /// The proposal these recommendations make: each class's and template's recommended
    /// timeout where there is enough evidence, the configured one elsewhere.
    pub(crate) fn proposal(&self, config: &Config) -> Proposal {
        let mut p = Proposal::current(config);
        // A group without enough evidence proposes nothing: it keeps its timeout. A template
        // the report proposes changing moves its guards' intervals with it.
        for r in self.classes.iter().filter(|r| !r.insufficient()) {
            p.classes.insert(r.class.clone(), r.recommended_timeout_s);
        }
        for r in self.templates.iter().filter(|r| !r.insufficient()) {
            if let Some(t) = &r.template {
                p.templates.insert(t.clone(), r.recommended_timeout_s);
            }
        }
        p
    }

    /// Whether any group has fewer exact records than the policy needs (`--strict` fails then).
    pub(crate) fn insufficient(&self) -> bool {
        self.classes
            .iter()
            .chain(&self.templates)
            .any(Recommendation::insufficient)
    }

    /// Lays each disagreement between the platform's timeouts and the configured ones on the
    /// recommendation of its group (its class, or its template with its own override).
    pub(crate) fn attach_observed(&mut self, observed: &[crate::timeline::ObservedTimeout]) {
        for r in self.classes.iter_mut().chain(&mut self.templates) {
            r.observed_timeout = observed
                .iter()
                .find(|o| o.class == r.class && o.template == r.template)
                .cloned();
        }
    }

    /// Whether a finding calls for exit 1: an overlap, a lockstep timeout that must move, a
    /// guard case that is wrong or vacuous.
    pub(crate) fn failed(&self) -> bool {
        self.classes
            .iter()
            .chain(&self.templates)
            .any(|r| r.verdict == Verdict::Overlap)
            || checks_failed(&self.lockstep, &self.guards)
    }
}

pub(super) fn checks_failed(lockstep: &[LockstepCheck], guards: &[GuardCheck]) -> bool {
    lockstep
        .iter()
        .any(|l| l.verdict == LockstepVerdict::MustMove)
        || guards
            .iter()
            .any(|g| matches!(g.verdict, GuardVerdict::WrongSide | GuardVerdict::Vacuous))
}

/// The attempts of one group and the timeouts that govern them.
pub(super) struct GroupSpec<'a> {
    pub(super) class: String,
    pub(super) template: Option<String>,
    pub(super) current: f64,
    pub(super) stuck: f64,
    pub(super) unconfigured: bool,
    pub(super) attempts: Vec<&'a Attempt>,
}

/// A group, its recommendation or why it has none, and the evidence it was made from (when
/// kept, and when its records could be read as evidence at all).
type Outcome<'a> = (
    GroupSpec<'a>,
    Result<Recommendation, RecommendError>,
    Option<Evidence>,
);

/// Splits attempts into class groups (a template with its own override is not part of its
/// class's group) and template groups.
fn groups<'a>(
    attempts: &'a [Attempt],
    config: &Config,
    only: Option<&str>,
) -> (Vec<GroupSpec<'a>>, Vec<GroupSpec<'a>>) {
    let mut names: BTreeSet<&str> = config.classes.keys().map(String::as_str).collect();
    names.extend(attempts.iter().map(|a| &*a.class));
    let keep = |class: &str| only.is_none_or(|o| o == class);
    let overridden = |a: &Attempt| {
        a.template
            .as_ref()
            .is_some_and(|t| config.template(t).is_some())
    };
    let classes = names
        .into_iter()
        .filter(|c| keep(c))
        .map(|name| {
            let policy = config.class_policy(name);
            GroupSpec {
                class: name.to_string(),
                template: None,
                current: policy.timeout_secs,
                stuck: policy.stuck_threshold_secs,
                unconfigured: !policy.configured,
                attempts: attempts
                    .iter()
                    .filter(|a| &*a.class == name && !overridden(a))
                    .collect(),
            }
        })
        .collect();
    let templates = config
        .templates
        .values()
        .filter(|t| keep(&t.class))
        .map(|t| GroupSpec {
            class: t.class.clone(),
            template: Some(t.name.clone()),
            current: t.provision_timeout_seconds,
            stuck: config.class_policy(&t.class).stuck_threshold_secs,
            unconfigured: false,
            attempts: attempts
                .iter()
                .filter(|a| a.template.as_deref() == Some(t.name.as_str()))
                .collect(),
        })
        .collect();
    (classes, templates)
}

/// The evidence each class's recommendation was made from, by class: its records, their
/// Kaplan–Meier and every family fitted to them (the report summarises and draws it, so no
/// class is fitted twice).
pub(crate) type Evidences = BTreeMap<String, Evidence>;

/// The whole recommendation: every group, then the lockstep and guard checks.
pub(crate) fn recommend(
    attempts: &[Attempt],
    config: &Config,
    options: &Options,
) -> Recommendations {
    recommend_keeping(attempts, config, options, false).0
}

/// [`recommend`], with each class's evidence when `keep` (none otherwise: a recommendation
/// alone drops each group's records and fits as soon as it is made).
pub(crate) fn recommend_keeping<'a>(
    attempts: &'a [Attempt],
    config: &Config,
    options: &Options,
    keep: bool,
) -> (Recommendations, Evidences) {
    let (class_specs, template_specs) = groups(attempts, config, options.class.as_deref());
    let run = |specs: Vec<GroupSpec<'a>>, keep: bool| -> Vec<Outcome<'a>> {
        specs
            .into_par_iter()
            .map(|s| {
                let (r, ev) = recommend_group_keeping(&s, &config.policy, options, true);
                (s, r, ev.filter(|_| keep))
            })
            .collect()
    };
    let mut skipped = Vec::new();
    let mut evidences = Evidences::new();
    let mut split = |results: Vec<Outcome<'a>>| {
        let mut ok = Vec::new();
        for (s, r, ev) in results {
            if let Some(ev) = ev {
                evidences.insert(s.class.clone(), ev);
            }
            match r {
                Ok(r) => ok.push(r),
                Err(e) => skipped.push(Skipped {
                    class: s.class.clone(),
                    template: s.template.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        ok
    };
    let classes = split(run(class_specs, keep));
    let templates = split(run(template_specs, false));
    let mut out = Recommendations {
        schema_version: SCHEMA_VERSION,
        policy: config.policy,
        sweep_period_s: config.platform.sweep_period_secs,
        assume: options.assume,
        group_by: options.group_by.clone(),
        classes,
        templates,
        skipped,
        lockstep: Vec::new(),
        guards: Vec::new(),
        implausible: Implausibles::default(),
    };
    let proposal = out.proposal(config);
    out.lockstep = lockstep(config, &proposal);
    out.guards = guards(config, &proposal);
    (out, evidences)
}

/// The recommendation of one group. `extras` adds cohorts and candidates (not for cohorts
/// themselves).
pub(super) fn recommend_group(
    spec: &GroupSpec<'_>,
    policy: &Policy,
    options: &Options,
    extras: bool,
) -> Result<Recommendation, RecommendError> {
    recommend_group_keeping(spec, policy, options, extras).0
}

/// [`recommend_group`], with the evidence of the reading it used (or would have used: the
/// evidence is kept when the rule finds no bound in it too).
fn recommend_group_keeping(
    spec: &GroupSpec<'_>,
    policy: &Policy,
    options: &Options,
    extras: bool,
) -> (Result<Recommendation, RecommendError>, Option<Evidence>) {
    let fitted: Vec<&Attempt> = spec
        .attempts
        .iter()
        .copied()
        .filter(|a| a.record().is_some())
        .collect();
    if fitted.is_empty() {
        return (Err(RecommendError::NoRecords), None);
    }
    let readings = match Readings::new(&fitted, policy) {
        Ok(readings) => readings,
        Err(e) => return (Err(e), None),
    };
    let rec = decide(spec, &fitted, &readings, (policy, options), extras);
    (rec, Some(readings.into_chosen(options.assume)))
}

/// The recommendation of a group from the evidence of its fitted attempts.
fn decide(
    spec: &GroupSpec<'_>,
    fitted: &[&Attempt],
    readings: &Readings,
    (policy, options): (&Policy, &Options),
    extras: bool,
) -> Result<Recommendation, RecommendError> {
    let q = 1.0 - policy.target_false_fail_rate;
    let (main_ev, main, reading) = readings.choose(options.assume, q)?;
    let raw = raw_timeout(main.bound, policy);
    let recommended = round_to_grid(raw, policy);
    let of_fitted = |f: fn(&Attempt) -> bool| total(fitted.iter().filter(|a| f(a)));
    let n_exact = of_fitted(|a| matches!(a.latency, Latency::Exact(_)));
    let verdict = verdict(n_exact, recommended, spec.stuck, policy);
    let (killed_registered, killed_registered_more) = killed_registered(fitted);
    let rates = |t: f64| false_fail(t, main_ev, main.best.as_ref(), fitted, policy.confidence);
    let assumptions = assumptions(readings, reading, policy);
    // Cohorts themselves get no extras: a cohort's suggestion would split it again.
    let (cohorts, candidates, suggestion) = if extras {
        self::extras(spec, (policy, options), (recommended, verdict), &rates)
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let allow = |f: Family| options.assume == Assume::Auto || without_cure(f);
    let sensitivity = sensitivity((main_ev, &main, reading), allow, &assumptions, policy);
    let mut rec = Recommendation {
        class: spec.class.clone(),
        template: spec.template.clone(),
        n: main_ev.n(),
        n_censored: main_ev.n_censored(),
        n_exact,
        n_killed: of_fitted(|a| a.killed),
        n_killed_unresolved: of_fitted(Attempt::killed_unresolved),
        killed_registered,
        killed_registered_more,
        n_stuck: count(spec, |l| matches!(l, Latency::Stuck)),
        n_crashed: count(spec, |l| matches!(l, Latency::Crashed)),
        quantile: q,
        current_timeout_s: spec.current,
        observed_timeout: None,
        recommended_timeout_s: recommended,
        basis: main.basis,
        estimate_s: main.estimate,
        bound_s: main.bound,
        raw_s: raw,
        stuck_threshold_s: spec.stuck,
        stuck_margin_s: spec.stuck - recommended,
        verdict,
        stuck_delay_saved_s: spec.current - recommended,
        reading,
        false_fail_at_current: rates(spec.current),
        false_fail_at_recommended: rates(recommended),
        at_stuck_threshold: (verdict == Verdict::Overlap).then(|| rates(spec.stuck)),
        suggestion,
        assumptions,
        plausible_models: main.plausible.clone(),
        sensitivity,
        cohorts,
        candidates,
        warnings: Vec::new(),
    };
    rec.warnings = warnings(&rec, spec, main_ev, &main, fitted, policy);
    Ok(rec)
}

/// A group's cohorts (`--group-by`), what-if candidates, and the ways out of an overlap.
fn extras(
    spec: &GroupSpec<'_>,
    (policy, options): (&Policy, &Options),
    (recommended, verdict): (f64, Verdict),
    rates: &dyn Fn(f64) -> super::FalseFail,
) -> (
    Vec<super::Cohort>,
    Vec<Candidate>,
    Option<super::Suggestion>,
) {
    let cohorts = match &options.group_by {
        Some(label) => cohorts(spec, label, recommended, policy, options),
        None => Vec::new(),
    };
    let candidates = (options.candidates.iter())
        .map(|&t| Candidate {
            false_fail: rates(t),
            stuck_delay_saved_s: spec.current - t,
            verdict: Verdict::of(t, spec.stuck),
        })
        .collect();
    let suggestion = (verdict == Verdict::Overlap)
        .then(|| suggestion(spec, &cohorts, (recommended, policy), options));
    (cohorts, candidates, suggestion)
}

/// Not enough evidence below `[policy] min_records` exact records; else the stuck verdict.
fn verdict(n_exact: usize, recommended: f64, stuck: f64, policy: &Policy) -> Verdict {
    if n_exact < policy.min_records {
        Verdict::InsufficientData
    } else {
        Verdict::of(recommended, stuck)
    }
}

/// Killed attempts with an exact latency (they registered after the flip), by instance: the
/// [`LISTED_MAX`] slowest (ties to the smaller instance id), and how many more there are.
fn killed_registered(fitted: &[&Attempt]) -> (Vec<LateRegistration>, usize) {
    let mut late: Vec<(f64, &Attempt)> = fitted
        .iter()
        .filter(|a| a.killed)
        .filter_map(|a| match a.latency {
            Latency::Exact(secs) => Some((secs, *a)),
            Latency::Censored(_) | Latency::Stuck | Latency::Crashed => None,
        })
        .collect();
    let n = total(late.iter().map(|(_, a)| a));
    late.retain(|(_, a)| !a.instance.is_empty());
    late.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.instance.cmp(&b.1.instance)));
    late.truncate(LISTED_MAX);
    let mut late: Vec<LateRegistration> = late
        .into_iter()
        .map(|(secs, a)| LateRegistration {
            instance: a.instance.to_string(),
            latency_s: secs,
        })
        .collect();
    late.sort_by(|a, b| a.instance.cmp(&b.instance));
    let more = n - late.len();
    (late, more)
}

/// How many attempts `attempts` stand for (each counts its `count`).
pub(super) fn total<'a>(attempts: impl Iterator<Item = &'a &'a Attempt>) -> usize {
    attempts.map(|a| a.count as usize).sum()
}

fn count(spec: &GroupSpec<'_>, f: impl Fn(&Latency) -> bool) -> usize {
    total(spec.attempts.iter().filter(|a| f(&a.latency)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::recommend::attempt::from_records;
    use crate::recommend::{Assume, Basis, Reading, Warning, WarningKind};
    use crate::stats::special::norm_quantile;
    use crate::stats::Record;

    /// Healthy boots: lognormal(ln 150 s, 0.3) at probability midpoints, whole seconds.
    fn healthy(n: usize) -> Vec<Record> {
        (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                Record::event((150f64.ln() + 0.3 * norm_quantile(p)).exp().round())
            })
            .collect()
    }

    fn attempt(class: &str, template: Option<&str>, secs: f64) -> Attempt {
        Attempt {
            instance: format!("i-{class}-{secs}").into(),
            class: class.into(),
            template: template.map(Into::into),
            labels: Default::default(),
            latency: Latency::Exact(secs),
            killed: false,
            from_kernel: false,
            count: 1,
        }
    }

    #[test]
    fn stuck_vms_among_the_killed_make_the_cure_model_the_answer() {
        // 1 % of 4,000 boots never register and are killed at 600 s; no healthy boot is that
        // slow (S(600) ≈ 2e-6).
        let mut records = healthy(3960);
        records.extend((0..40).map(|_| Record::censored(600.0)));
        let attempts = from_records(&records, "default", 600.0);
        assert_eq!(attempts.iter().filter(|a| a.killed).count(), 40);
        let r = recommend(&attempts, &Config::default(), &Options::default());
        let d = &r.classes[0];
        assert_eq!(d.n_killed_unresolved, 40);
        // Killed-as-slow leaves a 1 % Kaplan–Meier plateau: no distribution-free bound; the
        // cure model wins BIC and separates the stuck fraction.
        assert_eq!(d.basis, Basis::Model(Family::LognormalCure));
        assert_eq!(d.reading, Reading::Cure);
        let cure = &d.assumptions[2];
        assert!(cure.used);
        assert!((cure.stuck_fraction.unwrap_or(0.0) - 0.01).abs() < 0.002);
        // Killed-as-stuck drops exactly the 40 killed records and has a complete sample of
        // 3,960 ≥ 2,995: the order-statistic bound.
        let stuck = &d.assumptions[1];
        assert_eq!(stuck.reading, Reading::KilledStuck);
        assert_eq!((stuck.n, stuck.n_censored), (3960, 0));
        assert_eq!(stuck.basis, Some(Basis::OrderStatistic));
        // The healthy p99.9 is 150·e^(0.3·3.09) = 379 s: both stuck readings land near it,
        // the killed-as-slow reading far above.
        let slow = &d.assumptions[0];
        assert!(slow.bound_s.unwrap_or(0.0) > 450.0, "{:?}", slow.bound_s);
        assert!(d.bound_s > 370.0 && d.bound_s < 420.0, "{}", d.bound_s);
        assert!(d
            .warnings
            .iter()
            .any(|w| matches!(w.kind, WarningKind::KilledPlateau { n_killed: 40, .. })));
        // Forcing a reading moves the answer with it.
        let forced = Options {
            assume: Assume::KilledStuck,
            ..Options::default()
        };
        let r = recommend(&attempts, &Config::default(), &forced);
        assert_eq!(r.classes[0].n, 3960);
        assert_eq!(r.classes[0].basis, Basis::OrderStatistic);
        // Killed-as-slow without the cure model: the mixture wins BIC by putting the 1 % far
        // out, has no standard errors, and is passed over with a warning.
        let forced = Options {
            assume: Assume::KilledSlow,
            ..Options::default()
        };
        let r = recommend(&attempts, &Config::default(), &forced);
        let slow = &r.classes[0];
        assert_eq!(slow.basis, Basis::Model(Family::Loglogistic));
        assert!(slow.warnings.iter().any(|w| matches!(
            w.kind,
            WarningKind::BestModelUnbounded {
                family: Family::LognormalMixture2,
                ..
            }
        )));
    }

    #[test]
    fn template_boots_with_an_override_leave_their_class_fit() {
        let config = Config::from_toml(
            "[[template]]\nname = \"gpu\"\nprovision_timeout_seconds = 1200\n",
            "b.toml",
        )
        .expect("config");
        let mut attempts: Vec<Attempt> = healthy(200)
            .iter()
            .map(|r| attempt("default", None, r.duration_secs))
            .collect();
        attempts.extend(
            healthy(60)
                .iter()
                .map(|r| attempt("default", Some("gpu"), 2.0 * r.duration_secs)),
        );
        // A template without an override stays in its class.
        attempts.push(attempt("default", Some("plain"), 150.0));
        let r = recommend(&attempts, &config, &Options::default());
        assert_eq!(r.classes.len(), 1);
        assert_eq!(r.classes[0].n, 201);
        assert_eq!(r.templates.len(), 1);
        assert_eq!(r.templates[0].template.as_deref(), Some("gpu"));
        assert_eq!(r.templates[0].n, 60);
        assert_eq!(r.templates[0].current_timeout_s, 1200.0);
        assert!(r.templates[0].bound_s > r.classes[0].bound_s);
        // The override sits past the class's 900 s stuck threshold: said, with the numbers;
        // the class's own 600 s is not.
        let past = |w: &[Warning]| {
            w.iter()
                .filter_map(|w| {
                    if let WarningKind::CurrentPastStuck {
                        current_s,
                        stuck_threshold_s,
                    } = w.kind
                    {
                        Some((current_s, stuck_threshold_s, w.message.clone()))
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>()
        };
        let t = past(&r.templates[0].warnings);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].0, t[0].1), (1200.0, 900.0));
        assert!(
            t[0].2.contains("failed only at 1200 s, 300 s after"),
            "{}",
            t[0].2
        );
        assert!(past(&r.classes[0].warnings).is_empty());
    }

    #[test]
    fn a_class_missing_from_the_configuration_gets_the_defaults_and_a_warning() {
        let attempts: Vec<Attempt> = healthy(100)
            .iter()
            .map(|r| attempt("batch", None, r.duration_secs))
            .collect();
        let r = recommend(&attempts, &Config::default(), &Options::default());
        // The configured default class has no boots: skipped, and said.
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].class, "default");
        let batch = &r.classes[0];
        assert_eq!(batch.class, "batch");
        assert_eq!(
            (batch.current_timeout_s, batch.stuck_threshold_s),
            (600.0, 900.0)
        );
        assert!(batch
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::UnconfiguredClass));
    }

    #[test]
    fn a_configuration_without_the_default_class_falls_back_to_the_built_in_values() {
        let mut config = Config::default();
        config.classes.clear();
        let attempts: Vec<Attempt> = healthy(60)
            .iter()
            .map(|r| attempt("batch", None, r.duration_secs))
            .collect();
        let r = recommend(&attempts, &config, &Options::default());
        let batch = &r.classes[0];
        assert_eq!(
            (batch.current_timeout_s, batch.stuck_threshold_s),
            (
                crate::config::DEFAULT_TIMEOUT_SECS,
                crate::config::DEFAULT_STUCK_SECS
            )
        );
    }

    #[test]
    fn cohorts_under_50_records_are_listed_not_fitted() {
        let mut attempts: Vec<Attempt> = Vec::new();
        for (value, n) in [("big", 120), ("small", 20)] {
            for r in healthy(n) {
                let mut a = attempt("default", None, r.duration_secs);
                std::sync::Arc::make_mut(&mut a.labels).insert("region".into(), value.into());
                attempts.push(a);
            }
        }
        let options = Options {
            group_by: Some("region".into()),
            ..Options::default()
        };
        let r = recommend(&attempts, &Config::default(), &options);
        let c = &r.classes[0].cohorts;
        assert_eq!(c.len(), 2);
        assert!(c[0].fitted && c[0].recommended_timeout_s.is_some());
        assert_eq!(c[0].covered_by_pooled, Some(true));
        assert!(!c[1].fitted && c[1].recommended_timeout_s.is_none());
        assert_eq!(c[1].n, 20);
    }
}
