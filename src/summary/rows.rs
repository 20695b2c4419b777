//! Attempt rows: the attempts of a fleet counted by everything the recommendation reads of
//! them (class, template, labels, outcome, latency to the millisecond as read, what it counts
//! from, flip, timeouts, the end milestone), with the instance ids kept only where an output
//! names them: exact latencies (the false-fail lists), implausible ones and fitted outcomes
//! without a usable latency. Censored, stuck and crashed attempts are counts alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::timeline::lean::Interner;
use crate::timeline::{Attempt, Latency, Outcome, Zero};

/// What the recommendation reads of an attempt, its instance aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Row {
    pub(crate) class: String,
    pub(crate) template: Option<String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) outcome: Outcome,
    pub(crate) latency: Option<Latency>,
    pub(crate) zero: Zero,
    pub(crate) flip_secs: Option<f64>,
    pub(crate) timeout_secs: f64,
    pub(crate) stated_timeout_secs: Option<f64>,
    pub(crate) failed_timeout_secs: Option<f64>,
    pub(crate) stuck_threshold_secs: f64,
    pub(crate) end: String,
}

/// How many attempts share a row, and the (instance, attempt number) of those an output names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tally {
    pub(crate) n: u64,
    pub(crate) names: BTreeSet<(String, u32)>,
}

impl Tally {
    /// Adds `other`'s attempts; returns how many of its names this tally held already.
    pub(crate) fn add(&mut self, other: Tally) -> usize {
        self.n += other.n;
        let before = self.names.len() + other.names.len();
        self.names.extend(other.names);
        before - self.names.len()
    }
}

impl Row {
    /// The row of `a`, keeping of its labels only `group_by`'s value (the other keys stay,
    /// with empty values: the recommendation lists them as labels a group could split by).
    pub(crate) fn of(a: &Attempt, group_by: Option<&str>) -> Self {
        let labels = a
            .labels
            .iter()
            .map(|(k, v)| match group_by {
                Some(g) if g != k => (k.clone(), String::new()),
                Some(_) | None => (k.clone(), v.clone()),
            })
            .collect();
        Self {
            class: a.class.to_string(),
            template: a.template.as_deref().map(String::from),
            labels,
            outcome: a.outcome,
            latency: a.latency,
            zero: a.zero,
            flip_secs: a.flip_secs,
            timeout_secs: a.timeout_secs,
            stated_timeout_secs: a.stated_timeout_secs,
            failed_timeout_secs: a.failed_timeout_secs,
            stuck_threshold_secs: a.stuck_threshold_secs,
            end: a.end.to_string(),
        }
    }

    /// The row's canonical text: rows are kept in its order, so every summary of the same
    /// attempts lists them alike.
    pub(crate) fn key(&self) -> String {
        serde_json::to_string(self).expect("a row serialises")
    }

    /// Whether an output may name the attempts of this row, under `max_plausible_secs`: an
    /// exact latency, an implausible one, or a fitted outcome without a usable latency.
    pub(crate) fn named(&self, max_plausible_secs: f64) -> bool {
        match (self.outcome, self.latency) {
            (Outcome::Stuck | Outcome::Crashed, _) => false,
            (_, None) => true,
            (_, Some(l)) => !l.censored || l.record(max_plausible_secs).is_none(),
        }
    }

    /// The row's attempts, one per name and the rest unnamed (no instance, attempt 0), their
    /// names shared through `names`.
    pub(crate) fn attempts(&self, tally: &Tally, names: &mut Interner) -> Vec<Attempt> {
        let labels = Arc::new(self.labels.clone());
        let base = Attempt {
            instance: names.name(""),
            workspace: None,
            attempt: 0,
            class: names.name(&self.class),
            template: self.template.as_deref().map(|t| names.name(t)),
            labels,
            launched: None,
            boots: Vec::new(),
            outcome: self.outcome,
            latency: self.latency,
            zero: self.zero,
            flip_secs: self.flip_secs,
            timeout_secs: self.timeout_secs,
            stated_timeout_secs: self.stated_timeout_secs,
            failed_timeout_secs: self.failed_timeout_secs,
            stuck_threshold_secs: self.stuck_threshold_secs,
            end: names.name(&self.end),
            evidence: Vec::new(),
        };
        let unnamed = tally.n.saturating_sub(tally.names.len() as u64) as usize;
        let mut out = Vec::with_capacity(tally.names.len() + unnamed);
        for (instance, attempt) in &tally.names {
            out.push(Attempt {
                instance: Arc::from(instance.as_str()),
                attempt: *attempt as usize,
                ..base.clone()
            });
        }
        out.extend(std::iter::repeat_n(base, unnamed));
        out
    }
}
