//! Cohorts from boots: the boots of one input, or the boots split by a label's value, the
//! ISO week or the calendar day (UTC) of their launch. All boots of one provisioning attempt
//! fall in the cohort of its first boot, so an attempt is never split. Records come from the
//! one mapping of attempts to records (`recommend::Sample`): the boots the timeout killed are
//! censored, never dropped.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::recommend::Sample;
use crate::report::class::PhaseReport;
use crate::timeline::lean::LeanBoot;

use super::Cohort;

/// The name of the cohort of boots without the label.
pub(crate) const NO_VALUE: &str = "(none)";

/// What `--group-by` splits by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A label of the `launched` event (`template` and `class` included).
    Label(String),
    /// The ISO week of the launch, UTC (`2026-W24`).
    LaunchWeek,
    /// The calendar day of the launch, UTC (`2026-06-10`).
    LaunchDay,
}

impl Key {
    /// The key a `--group-by` value names.
    pub(crate) fn parse(name: &str) -> Self {
        match name {
            "launch_week" => Key::LaunchWeek,
            "launch_day" => Key::LaunchDay,
            other => Key::Label(other.to_string()),
        }
    }

    /// The value of one boot, `None` when it has none.
    fn of(&self, boot: &LeanBoot) -> Option<String> {
        match self {
            // The same reading of a label as `recommend --group-by` (`Attempt::label`).
            Key::Label(k) if k == "class" => Some(boot.class.to_string()),
            Key::Label(k) if k == "template" => boot.template.as_deref().map(str::to_string),
            Key::Label(k) => boot.labels.get(k).cloned(),
            Key::LaunchWeek => boot.launched().map(|t| t.format("%G-W%V").to_string()),
            Key::LaunchDay => boot.launched().map(|t| t.format("%Y-%m-%d").to_string()),
        }
    }
}

/// The boots split by `key`, in the order of the values (launch weeks and days in time order);
/// boots without a value form a last cohort, [`NO_VALUE`].
pub(crate) fn split(boots: Vec<LeanBoot>, key: &Key) -> Vec<(String, Vec<LeanBoot>)> {
    let mut of_attempt: BTreeMap<(String, u32), Option<String>> = BTreeMap::new();
    let mut by_value: BTreeMap<Option<String>, Vec<LeanBoot>> = BTreeMap::new();
    for b in boots {
        let value = of_attempt
            .entry((b.instance.to_string(), b.attempt))
            .or_insert_with(|| key.of(&b))
            .clone();
        by_value.entry(value).or_default().push(b);
    }
    let missing = by_value.remove(&None);
    let mut out: Vec<(String, Vec<LeanBoot>)> = by_value
        .into_iter()
        .filter_map(|(v, b)| Some((v?, b)))
        .collect();
    if let Some(b) = missing {
        out.push((NO_VALUE.to_string(), b));
    }
    out
}

/// One cohort of boots, with the attempts it was made from (what reading them set aside is
/// in the sample, to be said).
pub(crate) fn from_boots(name: String, boots: &[LeanBoot], config: &Config) -> (Cohort, Sample) {
    let sample = Sample::from_boots(boots, config);
    // Attempts read from boots stand for one each; a count is honoured all the same.
    let records = (sample.attempts.iter())
        .filter_map(|a| a.counted_record())
        .flat_map(|(r, n)| std::iter::repeat_n(r, n as usize))
        .collect();
    let phases = PhaseReport::new(boots, config.latency.max_plausible_secs);
    let mut phase_depths = BTreeMap::new();
    for b in boots {
        for p in b.phases.iter() {
            if !phase_depths.contains_key(&**p.name) {
                phase_depths.insert(p.name.to_string(), p.depth);
            }
        }
    }
    let cohort = Cohort {
        name,
        records,
        phases: Some(phases),
        phase_depths,
    };
    (cohort, sample)
}
