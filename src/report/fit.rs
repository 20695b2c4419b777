//! `bootline fit`'s result: the fitted distribution of one class's boots (or of a durations
//! file) with, for boots, their counts, what reading them set aside and their phase statistics.
//! It serialises itself as `fit`'s JSON; [`crate::render::fit::text`] writes its text.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::recommend::Sample;
use crate::stats::phase::PhaseQuantiles;
use crate::stats::summary::FitSummary;
use crate::timeline::{Implausibles, ObservedTimeout};

use super::class::{PhaseReport, TailBlames};

/// Everything `bootline fit` reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FitReport {
    /// The fitted distribution.
    pub(crate) summary: FitSummary,
    /// What was fitted, as the text names it (`class default`, a file's path).
    pub(crate) subject: String,
    /// The current timeout the text measures the tail against, seconds.
    pub(crate) current_timeout_secs: f64,
    /// For boots (not a durations file): the class's counts and phases.
    pub(crate) class: Option<ClassFit>,
}

/// The part of a fit only boots have.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClassFit {
    /// The class.
    pub(crate) class: String,
    /// Boots by outcome.
    pub(crate) boots: BTreeMap<String, usize>,
    /// Provisioning attempts by outcome.
    pub(crate) attempts: BTreeMap<String, usize>,
    /// Fitted attempts whose latency counts from the kernel's start, not a launch.
    pub(crate) from_kernel_start: usize,
    /// Attempts with an implausible latency, not fitted.
    pub(crate) implausible: Implausibles,
    /// Where the platform's timeouts contradict the configured ones.
    pub(crate) observed_timeouts: Vec<ObservedTimeout>,
    /// Per-phase statistics and tail blame.
    pub(crate) phases: PhaseReport,
}

impl ClassFit {
    /// The counts and phases of `class` from its boots and its attempts by outcome, the
    /// sample of its attempts and its phase statistics (a summary gives them as well as
    /// boots).
    pub(crate) fn of(
        class: &str,
        [boots, attempts]: [BTreeMap<String, usize>; 2],
        sample: &Sample,
        phases: PhaseReport,
    ) -> Self {
        Self {
            class: class.to_string(),
            boots,
            attempts,
            from_kernel_start: sample.counted_from_kernel(class),
            implausible: sample.implausible.clone(),
            observed_timeouts: sample.observed.clone(),
            phases,
        }
    }
}

/// `fit`'s JSON document: the summary's keys, and for boots the class's beside them.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    summary: &'a FitSummary,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    class: Option<ClassDocument<'a>>,
}

#[derive(Serialize)]
struct ClassDocument<'a> {
    class: &'a str,
    boots: &'a BTreeMap<String, usize>,
    attempts: &'a BTreeMap<String, usize>,
    #[serde(rename = "latency_from_kernel_start", skip_serializing_if = "is_zero")]
    from_kernel_start: usize,
    #[serde(skip_serializing_if = "Implausibles::is_empty")]
    implausible: &'a Implausibles,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    observed_timeouts: &'a [ObservedTimeout],
    phases: &'a [PhaseQuantiles],
    tail_blame: &'a TailBlames,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Serialize for FitReport {
    /// `fit`'s JSON has always listed its keys in name order, nested ones too (it was first
    /// built as a `serde_json::Value`, whose map is sorted): written through one, so it stays.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = Document {
            summary: &self.summary,
            class: self.class.as_ref().map(|c| ClassDocument {
                class: &c.class,
                boots: &c.boots,
                attempts: &c.attempts,
                from_kernel_start: c.from_kernel_start,
                implausible: &c.implausible,
                observed_timeouts: &c.observed_timeouts,
                phases: &c.phases.quantiles,
                tail_blame: &c.phases.tail_blame,
            }),
        };
        serde_json::to_value(doc)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}
