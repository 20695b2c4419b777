//! Which attempts form a group, and the whole recommendation: per class (without the templates
//! that override its timeout), per template with an override, per cohort; then the lockstep
//! and guard checks against the recommended timeouts. Also the `check` result with its CI gate.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Policy};
use crate::stats::family::Family;
use crate::stats::Record;
use crate::timeline::{Implausibles, ObservedTimeout};

use super::attempt::{Attempt, Latency};
use super::checks::Proposal;
use super::checks::{guards, lockstep, GuardCheck, GuardVerdict, LockstepCheck, LockstepVerdict};
use super::rule::{bound, false_fail, raw_timeout, round_to_grid, Basis, Bound, Evidence};
use super::{
    Assume, Assumption, Candidate, Cohort, Options, Reading, RecommendError, Recommendation,
    Suggestion, Verdict, Warning, WarningKind, COHORT_MIN_RECORDS, FEW_RECORDS, MODEL_SPREAD,
    SCHEMA_VERSION,
};

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
    /// The proposal these recommendations make: each class's recommended timeout (the
    /// configured one where there is none); templates keep their configured overrides.
    pub(crate) fn proposal(&self, config: &Config) -> Proposal {
        let mut p = Proposal::current(config);
        for r in &self.classes {
            p.classes.insert(r.class.clone(), r.recommended_timeout_s);
        }
        p
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

fn checks_failed(lockstep: &[LockstepCheck], guards: &[GuardCheck]) -> bool {
    lockstep
        .iter()
        .any(|l| l.verdict == LockstepVerdict::MustMove)
        || guards
            .iter()
            .any(|g| matches!(g.verdict, GuardVerdict::WrongSide | GuardVerdict::Vacuous))
}

/// The attempts of one group and the timeouts that govern them.
struct GroupSpec<'a> {
    class: String,
    template: Option<String>,
    current: f64,
    stuck: f64,
    unconfigured: bool,
    attempts: Vec<&'a Attempt>,
}

/// A group and its recommendation or why it has none.
type Outcome<'a> = (GroupSpec<'a>, Result<Recommendation, RecommendError>);

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

/// The whole recommendation: every group, then the lockstep and guard checks.
pub(crate) fn recommend<'a>(
    attempts: &'a [Attempt],
    config: &Config,
    options: &Options,
) -> Recommendations {
    let (class_specs, template_specs) = groups(attempts, config, options.class.as_deref());
    let run = |specs: Vec<GroupSpec<'a>>| -> Vec<Outcome<'a>> {
        specs
            .into_par_iter()
            .map(|s| {
                let r = recommend_group(&s, &config.policy, options, true);
                (s, r)
            })
            .collect()
    };
    let mut skipped = Vec::new();
    let mut split = |results: Vec<Outcome<'a>>| {
        let mut ok = Vec::new();
        for (s, r) in results {
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
    let classes = split(run(class_specs));
    let templates = split(run(template_specs));
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
    out
}

/// Families the rule may use under a reading.
fn without_cure(f: Family) -> bool {
    f != Family::LognormalCure
}

/// The evidence under both readings of the killed boots, and their bounds.
struct Readings {
    /// Every fitted record; killed boots censored at the flip.
    killed_slow: Evidence,
    /// Killed boots never seen registering dropped (only when there are some).
    killed_stuck: Option<Evidence>,
    /// The bound of `killed_slow` over every family, the cure model included.
    auto: Option<Bound>,
    /// The bound of `killed_slow` without the cure model.
    slow: Option<Bound>,
    /// The bound of `killed_stuck` without the cure model (`slow`'s when nothing is dropped).
    stuck: Option<Bound>,
}

impl Readings {
    fn new(fitted: &[&Attempt], policy: &Policy) -> Result<Self, RecommendError> {
        let all: Vec<Record> = fitted.iter().filter_map(|a| a.record()).collect();
        let kept: Vec<Record> = fitted
            .iter()
            .filter(|a| !a.killed_unresolved())
            .filter_map(|a| a.record())
            .collect();
        let dropped = kept.len() < all.len();
        let killed_slow = Evidence::new(all, &Family::ALL, policy)?;
        let killed_stuck = if dropped && !kept.is_empty() {
            Some(Evidence::new(kept, &Family::ALL, policy)?)
        } else {
            None
        };
        let auto = bound(&killed_slow, |_| true, policy);
        let slow = bound(&killed_slow, without_cure, policy);
        let stuck = match &killed_stuck {
            Some(ev) => bound(ev, without_cure, policy),
            None => slow.clone(),
        };
        Ok(Self {
            killed_slow,
            killed_stuck,
            auto,
            slow,
            stuck,
        })
    }

    /// The evidence, bound and reading the recommendation uses: `auto` applies the rule over
    /// every family, so the cure model is the answer when it wins BIC.
    fn choose(
        &self,
        assume: Assume,
        q: f64,
    ) -> Result<(&Evidence, Bound, Reading), RecommendError> {
        let no_bound = |reason: &str| RecommendError::NoBound {
            quantile: q,
            reason: reason.to_string(),
        };
        const NONE: &str = "no distribution-free bound and no model could be fitted";
        match assume {
            Assume::Auto => {
                let chosen = self.auto.clone().ok_or_else(|| no_bound(NONE))?;
                let reading = if chosen.basis == Basis::Model(Family::LognormalCure) {
                    Reading::Cure
                } else {
                    Reading::KilledSlow
                };
                Ok((&self.killed_slow, chosen, reading))
            }
            Assume::KilledSlow => Ok((
                &self.killed_slow,
                self.slow.clone().ok_or_else(|| no_bound(NONE))?,
                Reading::KilledSlow,
            )),
            Assume::KilledStuck => Ok((
                self.killed_stuck.as_ref().unwrap_or(&self.killed_slow),
                self.stuck
                    .clone()
                    .ok_or_else(|| no_bound("no bound once the killed boots are dropped"))?,
                Reading::KilledStuck,
            )),
        }
    }
}

/// The recommendation of one group. `extras` adds cohorts and candidates (not for cohorts
/// themselves).
fn recommend_group(
    spec: &GroupSpec<'_>,
    policy: &Policy,
    options: &Options,
    extras: bool,
) -> Result<Recommendation, RecommendError> {
    let q = 1.0 - policy.target_false_fail_rate;
    let fitted: Vec<&Attempt> = spec
        .attempts
        .iter()
        .copied()
        .filter(|a| a.record().is_some())
        .collect();
    if fitted.is_empty() {
        return Err(RecommendError::NoRecords);
    }
    let n_killed_unresolved = fitted.iter().filter(|a| a.killed_unresolved()).count();
    let readings = Readings::new(&fitted, policy)?;
    let (main_ev, main, reading) = readings.choose(options.assume, q)?;
    let (ev_a, ev_b) = (&readings.killed_slow, readings.killed_stuck.as_ref());
    let (slow, stuck_reading) = (readings.slow.clone(), readings.stuck.clone());
    let raw = raw_timeout(main.bound, policy);
    let recommended = round_to_grid(raw, policy);
    let verdict = Verdict::of(recommended, spec.stuck);
    let rates = |t: f64| false_fail(t, main_ev, main.best.as_ref(), &fitted, policy.confidence);
    let assumptions = assumptions(
        ev_a,
        ev_b,
        slow.as_ref(),
        stuck_reading.as_ref(),
        reading,
        policy,
    );
    let cohorts = match (&options.group_by, extras) {
        (Some(label), true) => cohorts(spec, label, recommended, policy, options),
        (Some(_), false) | (None, _) => Vec::new(),
    };
    let candidates = if extras {
        options
            .candidates
            .iter()
            .map(|&t| Candidate {
                false_fail: rates(t),
                stuck_delay_saved_s: spec.current - t,
                verdict: Verdict::of(t, spec.stuck),
            })
            .collect()
    } else {
        Vec::new()
    };
    let suggestion = (verdict == Verdict::Overlap).then(|| suggestion(spec, &cohorts, options));
    let mut rec = Recommendation {
        class: spec.class.clone(),
        template: spec.template.clone(),
        n: main_ev.records.len(),
        n_censored: main_ev.n_censored(),
        n_killed: fitted.iter().filter(|a| a.killed).count(),
        n_killed_unresolved,
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
        cohorts,
        candidates,
        warnings: Vec::new(),
    };
    rec.warnings = warnings(&rec, spec, main_ev, &main, &fitted, policy);
    Ok(rec)
}

fn count(spec: &GroupSpec<'_>, f: impl Fn(&Latency) -> bool) -> usize {
    spec.attempts.iter().filter(|a| f(&a.latency)).count()
}

/// The answer under each reading of the killed boots (docs/recommendation.md, "Killed is not slow").
fn assumptions(
    ev_a: &Evidence,
    ev_b: Option<&Evidence>,
    slow: Option<&Bound>,
    stuck: Option<&Bound>,
    used: Reading,
    policy: &Policy,
) -> Vec<Assumption> {
    let answer = |reading: Reading, ev: &Evidence, b: Option<&Bound>, note: Option<String>| {
        let timeout = b.map(|b| round_to_grid(raw_timeout(b.bound, policy), policy));
        Assumption {
            reading,
            n: ev.records.len(),
            n_censored: ev.n_censored(),
            basis: b.map(|b| b.basis),
            bound_s: b.map(|b| b.bound),
            recommended_timeout_s: timeout,
            stuck_fraction: None,
            delta_bic: None,
            used: used == reading,
            note: note.or_else(|| b.is_none().then(|| "no bound".to_string())),
        }
    };
    let mut out = vec![answer(Reading::KilledSlow, ev_a, slow, None)];
    out.push(match ev_b {
        Some(ev) => answer(Reading::KilledStuck, ev, stuck, None),
        None => answer(
            Reading::KilledStuck,
            ev_a,
            slow,
            Some("no killed boot lacks a register: the same records as killed_slow".into()),
        ),
    });
    let q = 1.0 - policy.target_false_fail_rate;
    let cure = ev_a
        .fits
        .models
        .iter()
        .find(|m| m.family == Family::LognormalCure);
    let best_bic = ev_a.fits.scores.first().map(|s| s.bic);
    out.push(match cure {
        Some(m) => {
            let ucb = m.quantile(q, policy.confidence).ok().and_then(|qe| qe.ucb);
            let score = ev_a
                .fits
                .scores
                .iter()
                .find(|s| s.family == Family::LognormalCure);
            Assumption {
                reading: Reading::Cure,
                n: ev_a.records.len(),
                n_censored: ev_a.n_censored(),
                basis: ucb.map(|_| Basis::Model(Family::LognormalCure)),
                bound_s: ucb,
                recommended_timeout_s: ucb.map(|b| round_to_grid(raw_timeout(b, policy), policy)),
                stuck_fraction: m.params().get(2).copied(),
                delta_bic: score.zip(best_bic).map(|(s, b)| s.bic - b),
                used: used == Reading::Cure,
                note: m.cov_unavailable.clone(),
            }
        }
        None => {
            let reason = ev_a
                .fits
                .unavailable
                .iter()
                .find(|u| u.family == Family::LognormalCure)
                .map_or_else(
                    || "not fitted".to_string(),
                    |u| format!("not fitted: {}", u.reason),
                );
            Assumption {
                reading: Reading::Cure,
                n: ev_a.records.len(),
                n_censored: ev_a.n_censored(),
                basis: None,
                bound_s: None,
                recommended_timeout_s: None,
                stuck_fraction: None,
                delta_bic: None,
                used: false,
                note: Some(reason),
            }
        }
    });
    out
}

/// Each cohort's own recommendation and whether the pooled timeout covers it.
fn cohorts(
    spec: &GroupSpec<'_>,
    label: &str,
    pooled: f64,
    policy: &Policy,
    options: &Options,
) -> Vec<Cohort> {
    let mut by_value: BTreeMap<Option<String>, Vec<&Attempt>> = BTreeMap::new();
    for a in &spec.attempts {
        by_value
            .entry(a.label(label).map(str::to_string))
            .or_default()
            .push(a);
    }
    by_value
        .into_par_iter()
        .map(|(value, attempts)| {
            let n = attempts.iter().filter(|a| a.record().is_some()).count();
            let n_censored = attempts
                .iter()
                .filter(|a| matches!(a.latency, Latency::Censored(_)))
                .count();
            let mut cohort = Cohort {
                label: label.to_string(),
                value: value.clone(),
                n,
                n_censored,
                fitted: false,
                basis: None,
                bound_s: None,
                recommended_timeout_s: None,
                verdict: None,
                covered_by_pooled: None,
                note: None,
            };
            if n < COHORT_MIN_RECORDS {
                cohort.note = Some(format!(
                    "{n} records: listed, not fitted (a cohort needs {COHORT_MIN_RECORDS})"
                ));
                return cohort;
            }
            let sub = GroupSpec {
                class: spec.class.clone(),
                template: spec.template.clone(),
                current: spec.current,
                stuck: spec.stuck,
                unconfigured: spec.unconfigured,
                attempts,
            };
            match recommend_group(&sub, policy, options, false) {
                Ok(r) => {
                    cohort.fitted = true;
                    cohort.basis = Some(r.basis);
                    cohort.bound_s = Some(r.bound_s);
                    cohort.recommended_timeout_s = Some(r.recommended_timeout_s);
                    cohort.verdict = Some(r.verdict);
                    cohort.covered_by_pooled = Some(pooled >= r.recommended_timeout_s);
                }
                Err(e) => cohort.note = Some(e.to_string()),
            }
            cohort
        })
        .collect()
}

/// What to do when the pooled group overlaps the stuck class.
fn suggestion(spec: &GroupSpec<'_>, cohorts: &[Cohort], options: &Options) -> Suggestion {
    match &options.group_by {
        Some(label) if cohorts.iter().any(|c| c.fitted) => {
            let name = |c: &Cohort| c.value.clone().unwrap_or_else(|| "(none)".to_string());
            Suggestion::PerCohort {
                label: label.clone(),
                separable: cohorts
                    .iter()
                    .filter(|c| c.verdict.is_some_and(|v| v != Verdict::Overlap))
                    .filter_map(|c| Some((name(c), c.recommended_timeout_s?)))
                    .collect(),
                overlapping: cohorts
                    .iter()
                    .filter(|c| c.verdict == Some(Verdict::Overlap))
                    .map(name)
                    .collect(),
            }
        }
        Some(_) | None => {
            let mut labels: BTreeSet<String> = BTreeSet::new();
            for a in &spec.attempts {
                // A group is one class already; its template is a label whether or not the
                // launch event repeated it.
                labels.extend(a.labels.keys().filter(|k| *k != "class").cloned());
                if a.template.is_some() {
                    labels.insert("template".to_string());
                }
            }
            Suggestion::GroupBy {
                labels: labels.into_iter().collect(),
            }
        }
    }
}

fn pct(v: f64) -> String {
    crate::render::recommend::percent(v)
}

/// The warnings of a finished recommendation, in reading order: the group, its basis, the
/// killed boots, its data, its stuck verdict.
fn warnings(
    r: &Recommendation,
    spec: &GroupSpec<'_>,
    ev: &Evidence,
    main: &Bound,
    fitted: &[&Attempt],
    policy: &Policy,
) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if spec.unconfigured {
        push(
            WarningKind::UnconfiguredClass,
            format!(
                "class {} is not in the configuration: it was given the default class's timeout {:.0} s and stuck threshold {:.0} s",
                r.class, r.current_timeout_s, r.stuck_threshold_s
            ),
        );
    }
    w.extend(basis_warnings(r, ev, main));
    w.extend(plateau_warning(r, ev, fitted, policy));
    w.extend(data_warnings(r, fitted));
    w.extend(verdict_warning(r));
    w.extend(current_past_stuck(r));
    w
}

/// No distribution-free bound, extrapolation, better models without a bound, model spread.
fn basis_warnings(r: &Recommendation, ev: &Evidence, main: &Bound) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    let level = crate::stats::level_name(r.quantile);
    if let Basis::Model(family) = r.basis {
        push(
            WarningKind::NoDistributionFreeBound {
                needed_n: ev.min_n,
                n: r.n,
            },
            format!(
                "no distribution-free bound of {level} from these data (it needs n ≥ {} with every censoring time above the bound; there are {}): the bound is the {} model's",
                ev.min_n,
                r.n,
                family.name()
            ),
        );
        if let (Some(est), Some(max)) = (main.estimate, ev.max_event) {
            if est > max {
                push(
                    WarningKind::Extrapolation {
                        estimate_s: est,
                        largest_registered_s: max,
                    },
                    format!(
                        "the model's {level} {est:.1} s lies beyond the largest registered boot {max:.1} s: extrapolation"
                    ),
                );
            }
        }
    }
    for u in &main.unbounded {
        push(
            WarningKind::BestModelUnbounded {
                family: u.family,
                estimate_s: u.estimate_s,
            },
            format!(
                "the {} model ranks above the basis by BIC but has no confidence bound ({}; its {level} estimate is {}): passed over",
                u.family.name(),
                u.reason,
                u.estimate_s.map_or("unknown".to_string(), |e| format!("{e:.1} s"))
            ),
        );
    }
    let ucbs: Vec<f64> = r.plausible_models.iter().filter_map(|m| m.ucb_s).collect();
    if ucbs.len() > 1 {
        let (lo, hi) = ucbs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &u| {
            (lo.min(u), hi.max(u))
        });
        if hi / lo > MODEL_SPREAD {
            push(
                WarningKind::ModelSensitive {
                    min_ucb_s: lo,
                    max_ucb_s: hi,
                },
                format!(
                    "plausible models (ΔBIC ≤ 2) disagree by more than {:.0} % on the bound: {lo:.1}–{hi:.1} s",
                    (MODEL_SPREAD - 1.0) * 100.0
                ),
            );
        }
    }
    w
}

/// A Kaplan–Meier plateau above the target made of killed boots (killed is not slow).
fn plateau_warning(
    r: &Recommendation,
    ev: &Evidence,
    fitted: &[&Attempt],
    policy: &Policy,
) -> Option<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if let Some(p) = ev.km.plateau(&[r.quantile]) {
        let n_killed = fitted
            .iter()
            .filter(|a| a.killed_unresolved())
            .filter(|a| matches!(a.latency, Latency::Censored(s) if s >= p.last_event_time))
            .count();
        if p.long_plateau && p.pi_hat > policy.target_false_fail_rate && n_killed > 0 {
            push(
                WarningKind::KilledPlateau {
                    survival: p.pi_hat,
                    n_killed,
                },
                format!(
                    "Kaplan–Meier ends on a plateau at {} (above the target {}) made of {n_killed} killed boot{}: if they were stuck, see the killed_stuck and cure readings",
                    pct(p.pi_hat),
                    pct(policy.target_false_fail_rate),
                    if n_killed == 1 { "" } else { "s" }
                ),
            );
        }
    }
    w.pop()
}

/// Few records; latencies counted from the kernel's start.
fn data_warnings(r: &Recommendation, fitted: &[&Attempt]) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    if r.n < FEW_RECORDS {
        let rests_on = match r.basis {
            Basis::Model(f) => format!("the {} model's shape beyond the data", f.name()),
            Basis::KaplanMeier => "the Kaplan–Meier band of a small sample".to_string(),
            Basis::OrderStatistic => "the largest records".to_string(),
        };
        push(
            WarningKind::FewRecords { n: r.n },
            format!("only {} records: the answer rests on {rests_on}", r.n),
        );
    }
    let from_kernel = fitted.iter().filter(|a| a.counts_from_kernel()).count();
    if from_kernel > 0 {
        push(
            WarningKind::LatencyFromKernel { n: from_kernel },
            format!(
                "{from_kernel} latenc{} count from the kernel's start, not the launch (launch unknown): they are short by the time before the kernel started",
                if from_kernel == 1 { "y" } else { "ies" }
            ),
        );
    }
    w
}

/// Near or at the stuck threshold.
fn verdict_warning(r: &Recommendation) -> Option<Warning> {
    let mut w = Vec::new();
    let mut push = |kind: WarningKind, message: String| w.push(Warning { kind, message });
    match r.verdict {
        Verdict::Overlap => push(
            WarningKind::Overlap,
            format!(
                "the recommended {:.0} s reaches the stuck threshold {:.0} s: the healthy tail and the stuck class overlap, no timeout separates them here",
                r.recommended_timeout_s, r.stuck_threshold_s
            ),
        ),
        Verdict::Warn => push(
            WarningKind::NearStuckThreshold,
            format!(
                "the recommended {:.0} s is above {:.0} % of the stuck threshold {:.0} s (margin {:.0} s)",
                r.recommended_timeout_s,
                super::STUCK_WARN_SHARE * 100.0,
                r.stuck_threshold_s,
                r.stuck_margin_s
            ),
        ),
        Verdict::Ok => {}
    }
    w.pop()
}

/// The timeout in force now at or past the stuck threshold (a template's override set above
/// its class's threshold): whatever is recommended, today's stuck boots are failed late.
fn current_past_stuck(r: &Recommendation) -> Option<Warning> {
    (r.current_timeout_s >= r.stuck_threshold_s).then(|| Warning {
        kind: WarningKind::CurrentPastStuck {
            current_s: r.current_timeout_s,
            stuck_threshold_s: r.stuck_threshold_s,
        },
        message: format!(
            "the current {:.0} s reaches the stuck threshold {:.0} s: a stuck boot is failed only at {:.0} s, {:.0} s after it counts as stuck",
            r.current_timeout_s,
            r.stuck_threshold_s,
            r.current_timeout_s,
            r.current_timeout_s - r.stuck_threshold_s
        ),
    })
}

/// Why the CI gate failed a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GateReason {
    /// The current timeout is below the recommended one.
    BelowRecommended,
    /// Kaplan–Meier's false-fail estimate at the current timeout exceeds the target.
    RateAboveTarget,
}

/// One group through the CI gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GateCheck {
    /// The class.
    pub(crate) class: String,
    /// The template, for a template's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// The current timeout, seconds.
    pub(crate) current_timeout_s: f64,
    /// The recommended timeout, seconds.
    pub(crate) recommended_timeout_s: f64,
    /// The target false-fail rate.
    pub(crate) target: f64,
    /// Kaplan–Meier's false-fail estimate at the current timeout (`null`: beyond the data).
    pub(crate) km_at_current: Option<f64>,
    /// Its interval.
    pub(crate) km_ci: [Option<f64>; 2],
    /// When the platform's events contradict the current timeout: as in the recommendation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) observed_timeout: Option<ObservedTimeout>,
    /// Whether it passes.
    pub(crate) passed: bool,
    /// Why not.
    pub(crate) reasons: Vec<GateReason>,
}

/// Everything `bootline check` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Check {
    /// Schema version shared by every bootline JSON.
    pub(crate) schema_version: u32,
    /// The timeouts checked.
    pub(crate) proposal: Proposal,
    /// Lockstep timeouts against the proposal.
    pub(crate) lockstep: Vec<LockstepCheck>,
    /// Guard cases against the proposal.
    pub(crate) guards: Vec<GuardCheck>,
    /// With data: each group's current timeout against its recommendation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) gate: Option<Vec<GateCheck>>,
    /// With data: groups without a recommendation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) skipped: Vec<Skipped>,
    /// With data: attempts excluded for an implausible latency, as in the recommendation.
    #[serde(default, skip_serializing_if = "Implausibles::is_empty")]
    pub(crate) implausible: Implausibles,
}

impl Check {
    /// Whether a finding calls for exit 1.
    pub(crate) fn failed(&self) -> bool {
        checks_failed(&self.lockstep, &self.guards) || self.gate.iter().flatten().any(|g| !g.passed)
    }
}

/// Lockstep and guard checks of a proposal; with recommendations, the CI gate too.
pub(crate) fn check(config: &Config, proposal: Proposal, data: Option<&Recommendations>) -> Check {
    let gate = data.map(|d| {
        d.classes
            .iter()
            .chain(&d.templates)
            .map(|r| {
                let at = &r.false_fail_at_current;
                let mut reasons = Vec::new();
                if r.current_timeout_s < r.recommended_timeout_s {
                    reasons.push(GateReason::BelowRecommended);
                }
                if at.km.is_some_and(|k| k > d.policy.target_false_fail_rate) {
                    reasons.push(GateReason::RateAboveTarget);
                }
                GateCheck {
                    class: r.class.clone(),
                    template: r.template.clone(),
                    current_timeout_s: r.current_timeout_s,
                    recommended_timeout_s: r.recommended_timeout_s,
                    target: d.policy.target_false_fail_rate,
                    km_at_current: at.km,
                    km_ci: at.km_ci,
                    observed_timeout: r.observed_timeout.clone(),
                    passed: reasons.is_empty(),
                    reasons,
                }
            })
            .collect()
    });
    Check {
        schema_version: SCHEMA_VERSION,
        lockstep: lockstep(config, &proposal),
        guards: guards(config, &proposal),
        proposal,
        gate,
        skipped: data.map(|d| d.skipped.clone()).unwrap_or_default(),
        implausible: data.map(|d| d.implausible.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::attempt::from_records;
    use crate::stats::special::norm_quantile;

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
