//! The recommendation's steps, written once for every command that recommends (`recommend`,
//! `check`, `report`): the fleet's attempts; where the platform's timeouts contradict the
//! configured ones; the attempts mapped to records, the implausible and the unusable set aside;
//! then the recommendation with both laid on it.

use crate::config::Config;
use crate::stats::Record;
use crate::timeline::lean::{LeanBoot, Name};
use crate::timeline::{Attempt as TimelineAttempt, Implausibles, ObservedTimeout};

use super::attempt::{from_attempts, from_records, Attempt};
use super::{group, Options, Recommendations};

/// The attempts a recommendation is made from, and what reading them set aside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// The attempts, as the recommendation sees them.
    pub(crate) attempts: Vec<Attempt>,
    /// Instances of attempts of a fitted outcome without a usable latency (not fitted).
    pub(crate) unusable: Vec<Name>,
    /// Attempts with an implausible latency (not fitted).
    pub(crate) implausible: Implausibles,
    /// Where the platform's timeouts contradict the configured ones.
    pub(crate) observed: Vec<ObservedTimeout>,
}

impl Sample {
    /// The attempts of a fleet's boots (ordered by instance and boot, as read).
    pub(crate) fn from_boots(boots: &[LeanBoot], config: &Config) -> Self {
        Self::from_timeline(&crate::timeline::attempts(boots), config)
    }

    /// The sample of the timelines' attempts (of boots, or of a summary's rows).
    pub(crate) fn from_timeline(timeline_attempts: &[TimelineAttempt], config: &Config) -> Self {
        let observed = crate::timeline::disagreements(timeline_attempts, config);
        let (attempts, unusable, implausible) =
            from_attempts(timeline_attempts, config.latency.max_plausible_secs);
        Self {
            unusable: unusable.iter().map(|a| a.instance.clone()).collect(),
            attempts,
            implausible,
            observed,
        }
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
            .count()
    }
}
