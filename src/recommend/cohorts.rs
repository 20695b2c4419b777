//! Cohorts of a group (`--group-by LABEL`), each fitted on its own, and the ways out of an
//! overlap: the labels whose cohorts each get a timeout under the stuck threshold, or the
//! stuck threshold that would be needed.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::config::Policy;

use super::attempt::{Attempt, Latency};
use super::group::{recommend_group, total, GroupSpec};
use super::rule::round_to_grid;
use super::{Cohort, Options, Split, Suggestion, Verdict, COHORT_MIN_RECORDS};

/// Each cohort's own recommendation and whether the pooled timeout covers it.
pub(super) fn cohorts(
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
        .map(|cohort| self::cohort(spec, label, cohort, pooled, (policy, options)))
        .collect()
}

/// One cohort: listed when it has too few records, else fitted on its own.
fn cohort(
    spec: &GroupSpec<'_>,
    label: &str,
    (value, attempts): (Option<String>, Vec<&Attempt>),
    pooled: f64,
    (policy, options): (&Policy, &Options),
) -> Cohort {
    let n = total(attempts.iter().filter(|a| a.record().is_some()));
    let n_censored = total(
        attempts
            .iter()
            .filter(|a| matches!(a.latency, Latency::Censored(_))),
    );
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
            // The cohort's own stuck verdict, however few its records.
            cohort.verdict = Some(r.stuck_verdict());
            cohort.covered_by_pooled = Some(pooled >= r.recommended_timeout_s);
        }
        Err(e) => cohort.note = Some(e.to_string()),
    }
    cohort
}

/// What to do when the pooled group overlaps the stuck class: with `--group-by`, the cohorts'
/// own timeouts; else every label the group's attempts carry, the labels whose cohorts each
/// separate (computed), and the stuck threshold that would be needed.
pub(super) fn suggestion(
    spec: &GroupSpec<'_>,
    cohorts: &[Cohort],
    (recommended, policy): (f64, &Policy),
    options: &Options,
) -> Suggestion {
    if let Some(label) = &options.group_by {
        if cohorts.iter().any(|c| c.fitted) {
            return per_cohort(label, cohorts);
        }
    }
    let labels = labels(spec);
    let splits = labels
        .iter()
        .filter_map(|label| {
            let cs = self::cohorts(spec, label, recommended, policy, options);
            let separates = cs.len() > 1
                && cs
                    .iter()
                    .all(|c| c.fitted && c.verdict.is_some_and(|v| v != Verdict::Overlap));
            separates.then(|| Split {
                label: label.clone(),
                cohorts: cs
                    .iter()
                    .filter_map(|c| Some((c.value.clone(), c.recommended_timeout_s?)))
                    .collect(),
            })
        })
        .collect();
    Suggestion::GroupBy {
        labels,
        splits,
        stuck_threshold_needed_s: round_to_grid(recommended + 1.0, policy),
    }
}

/// The fitted cohorts of `--group-by`: those that separate, with their timeouts, and those
/// that overlap on their own.
fn per_cohort(label: &str, cohorts: &[Cohort]) -> Suggestion {
    let name = |c: &Cohort| c.value.clone().unwrap_or_else(|| "(none)".to_string());
    Suggestion::PerCohort {
        label: label.to_string(),
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

/// Labels the group's attempts carry: a group is one class already; its template is a label
/// whether or not the launch event repeated it.
fn labels(spec: &GroupSpec<'_>) -> Vec<String> {
    let mut labels: BTreeSet<String> = BTreeSet::new();
    for a in &spec.attempts {
        labels.extend(a.labels.keys().filter(|k| *k != "class").cloned());
        if a.template.is_some() {
            labels.insert("template".to_string());
        }
    }
    labels.into_iter().collect()
}
