//! The recommendation's steps, written once for every command that recommends (`recommend`,
//! `check`, `report`): the fleet's attempts; where the platform's timeouts contradict the
//! configured ones; the attempts mapped to records, the implausible and the unusable set aside;
//! then the recommendation with both laid on it.

use crate::config::Config;
use crate::stats::Record;
use crate::timeline::{Attempt as TimelineAttempt, Implausibles, ObservedTimeout};

use super::attempt::{from_attempts, from_records, Attempt, Unusable};
use super::{group, Options, Recommendations};

/// The attempts a recommendation is made from, and what reading them set aside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// The attempts, as the recommendation sees them (each standing for its `count`).
    pub(crate) attempts: Vec<Attempt>,
    /// Attempts of a fitted outcome without a usable latency (not fitted).
    pub(crate) unusable: Unusable,
    /// Attempts with an implausible latency (not fitted).
    pub(crate) implausible: Implausibles,
    /// Where the platform's timeouts contradict the configured ones.
    pub(crate) observed: Vec<ObservedTimeout>,
}

impl Sample {
    /// The sample of the timelines' attempts, one each.
    pub(crate) fn from_timeline(timeline_attempts: &[TimelineAttempt], config: &Config) -> Self {
        let counted: Vec<(&TimelineAttempt, u64)> =
            timeline_attempts.iter().map(|a| (a, 1)).collect();
        Self::from_counted(&counted, config)
    }

    /// The sample of timeline attempts each standing for `count` equal ones (a summary's
    /// rows): the same code as [`Sample::from_timeline`], in memory for the distinct ones.
    pub(crate) fn from_counted(counted: &[(&TimelineAttempt, u64)], config: &Config) -> Self {
        let observed = crate::timeline::disagreements_counted(counted, config);
        let (attempts, unusable, implausible) =
            from_attempts(counted, config.latency.max_plausible_secs);
        Self {
            unusable,
            attempts,
            implausible,
            observed,
        }
    }

    /// The sample of groups of timeline attempts (a group may come in several parts), each
    /// attempt standing for its count, all of a group sharing what [`crate::timeline::disagreements_counted`] reads (a summary's
    /// groups, [`crate::summary::rows::Group::attempts`]). Each group is mapped and dropped in
    /// turn: the memory is the recommendation's attempts, one per distinct value and named
    /// attempt. The same code as [`Sample::from_counted`]; the lists are merged as top-k.
    pub(crate) fn from_groups(
        groups: impl Iterator<Item = Vec<(TimelineAttempt, u64)>>,
        config: &Config,
    ) -> Self {
        let max_plausible_secs = config.latency.max_plausible_secs;
        let mut out = Self::default();
        let mut heads: Vec<(TimelineAttempt, u64)> = Vec::new();
        for group in groups {
            let Some((head, _)) = group.first() else {
                continue;
            };
            heads.push((head.clone(), group.iter().map(|(_, n)| n).sum()));
            let counted: Vec<(&TimelineAttempt, u64)> =
                group.iter().map(|(a, n)| (a, *n)).collect();
            let (attempts, unusable, implausible) = from_attempts(&counted, max_plausible_secs);
            out.attempts.extend(attempts);
            out.unusable.absorb(unusable);
            out.implausible.absorb(implausible);
        }
        out.implausible.max_plausible_secs = max_plausible_secs;
        let heads: Vec<(&TimelineAttempt, u64)> = heads.iter().map(|(a, n)| (a, *n)).collect();
        out.observed = crate::timeline::disagreements_counted(&heads, config);
        out
    }

    /// The attempts of a plain durations file, all of class `class` (see [`from_records`]).
    pub(crate) fn from_records(records: &[Record], class: &str, current_timeout_secs: f64) -> Self {
        Self {
            attempts: from_records(records, class, current_timeout_secs),
            ..Self::default()
        }
    }

    /// The recommendation, with the implausible attempts and the contradicted timeouts laid on
    /// it.
    pub(crate) fn recommend(&self, config: &Config, options: &Options) -> Recommendations {
        self.laid_on(group::recommend(&self.attempts, config, options))
    }

    /// [`Sample::recommend`], with the evidence each class's recommendation was made from (the
    /// report summarises and draws it instead of fitting the class again).
    pub(crate) fn recommend_keeping(
        &self,
        config: &Config,
        options: &Options,
    ) -> (Recommendations, group::Evidences) {
        let (recs, evidences) = group::recommend_keeping(&self.attempts, config, options, true);
        (self.laid_on(recs), evidences)
    }

    /// The recommendation with the implausible attempts and the contradicted timeouts laid on it.
    fn laid_on(&self, mut recs: Recommendations) -> Recommendations {
        recs.implausible = self.implausible.clone();
        recs.attach_observed(&self.observed);
        recs
    }

    /// Fitted attempts of `class` whose latency counts from the kernel's start, not a launch.
    pub(crate) fn counted_from_kernel(&self, class: &str) -> usize {
        self.attempts
            .iter()
            .filter(|a| &*a.class == class && a.counts_from_kernel())
            .map(|a| a.count as usize)
            .sum()
    }
}
