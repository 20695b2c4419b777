//! Cohorts from boots: the boots of one input, or the boots split by a label's value, the
//! ISO week or the calendar day (UTC) of their launch. All boots of one provisioning attempt
//! fall in the cohort of its first boot, so an attempt is never split. Records come from the
//! one mapping of attempts to records (`recommend::Sample`): the boots the timeout killed are
//! censored, never dropped.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::recommend::Sample;
use crate::report::class::PhaseReport;
use crate::summary::boots::BootCounts;
use crate::summary::{BootKey, Summary};
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
    let counts = BootCounts::of(boots, config.latency.max_plausible_secs);
    let attempts: Vec<_> = (crate::timeline::attempts(boots).into_iter())
        .map(|a| (a, 1))
        .collect();
    from_counts(name, &attempts, &counts, config)
}

/// One cohort of attempts, each with how many it stands for (one from boots, a summary's
/// distinct values counted), and their boots' counts: one rule for both.
pub(crate) fn from_counts(
    name: String,
    attempts: &[crate::summary::Counted],
    counts: &BootCounts,
    config: &Config,
) -> (Cohort, Sample) {
    let counted: Vec<(&crate::timeline::Attempt, u64)> =
        attempts.iter().map(|(a, n)| (a, *n)).collect();
    let sample = Sample::from_counted(&counted, config);
    let records = (sample.attempts.iter())
        .filter_map(|a| a.counted_record())
        .collect();
    let cohort = Cohort {
        name,
        records,
        phases: Some(PhaseReport::of(&counts.phases)),
        phase_depths: counts.depths(),
    };
    (cohort, sample)
}

/// Why a summary's counts cannot be split as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SplitError {
    /// A summary keeps no launch times.
    #[error("--group-by {0}: a summary keeps no launch times; give the logs or timelines")]
    LaunchTime(String),
    /// A summary made with `--group-by` keeps only that label's values.
    #[error(
        "--group-by {asked}: the summary keeps only the values of --group-by {kept}; \
         summarize with --group-by {asked}"
    )]
    Label {
        /// The label asked for.
        asked: String,
        /// The one the summary keeps.
        kept: String,
    },
}

impl Key {
    /// The value of a summary's key (class, template, labels as kept under `kept`, the
    /// summary's `--group-by`), as [`Key::of`] reads a boot's.
    pub(crate) fn of_summary(
        &self,
        (class, template, labels): &BootKey,
        kept: Option<&str>,
    ) -> Result<Option<String>, SplitError> {
        match self {
            Key::Label(k) if k == "class" => Ok(Some(class.clone())),
            Key::Label(k) if k == "template" => Ok(template.clone()),
            Key::Label(k) => match kept {
                Some(g) if g != k => Err(SplitError::Label {
                    asked: k.clone(),
                    kept: g.to_string(),
                }),
                Some(_) | None => Ok(labels.get(k).cloned()),
            },
            Key::LaunchWeek => Err(SplitError::LaunchTime("launch_week".into())),
            Key::LaunchDay => Err(SplitError::LaunchTime("launch_day".into())),
        }
    }
}

/// A summary's attempts (counted, as its rows hold them) and boots' counts of `class`, split
/// by `key` as [`split`] splits boots (all in one cohort, named `name`, without a key).
pub(crate) fn split_summary(
    summary: &Summary,
    class: &str,
    key: Option<&Key>,
    name: &str,
) -> Result<Vec<(String, Vec<crate::summary::Counted>, BootCounts)>, SplitError> {
    let kept = summary.group_by();
    let value = |k: &BootKey| match key {
        Some(key) => key.of_summary(k, kept),
        None => Ok(Some(name.to_string())),
    };
    let mut attempts = summary.attempts_by(class, value)?;
    let mut counts = summary.boot_counts(class, value)?;
    let mut values: Vec<Option<String>> = attempts.keys().chain(counts.keys()).cloned().collect();
    values.sort();
    values.dedup();
    // Attempts without a value form the last cohort.
    let missing = usize::from(values.first() == Some(&None));
    values.rotate_left(missing);
    Ok(values
        .into_iter()
        .map(|v| {
            let a = attempts.remove(&v).unwrap_or_default();
            let c = counts.remove(&v).unwrap_or_default();
            (v.unwrap_or_else(|| NO_VALUE.to_string()), a, c)
        })
        .collect())
}
