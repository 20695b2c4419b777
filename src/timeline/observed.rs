//! The timeout the platform's sweep evidently applied, against the one `bootline.toml` declares.
//!
//! A platform states the timeout it applied on its own events (`timeout_s` on a
//! `provision_timeout` or `failed`), and its flips can only come between that timeout and one
//! sweep period after it. When either contradicts the declared timeout of a class (or of a
//! template with its own override), the configuration does not describe the data: each attempt's
//! `failed` events were judged at the timeout its own events state (see [`super::verdict`]), and
//! those stating none at the declared one. [`disagreements`] finds these groups once, from the
//! attempts alone (raw logs or timeline shards alike); the same fact goes to stderr and to every
//! JSON document that reports the class's timeout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Attempt, Zero};
use crate::config::Config;

/// Event times are whole seconds on most platforms: a flip this close to a bound agrees with it.
const STAMP_SLACK_SECS: f64 = 1.0;

/// One timeout the platform stated, and for how many attempts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stated {
    /// The timeout, seconds.
    pub(crate) secs: f64,
    /// Attempts whose `provision_timeout` or `failed` events stated it.
    pub(crate) attempts: usize,
}

/// A class (or a template with its own override) whose declared timeout the platform's events
/// contradict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ObservedTimeout {
    /// The class.
    pub(crate) class: String,
    /// The template, for a template with its own override in the configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// The timeout the configuration declares, seconds.
    pub(crate) declared_timeout_secs: f64,
    /// Whether the configuration names the class (or template); else the declared timeout is
    /// the default class's.
    pub(crate) configured: bool,
    /// The timeout the platform stated for the most attempts, seconds (`None`: no event states
    /// one, only the flips' times contradict the declared timeout).
    pub(crate) observed_timeout_secs: Option<f64>,
    /// Every timeout stated, most attempts first.
    pub(crate) stated: Vec<Stated>,
    /// Flips (seconds since launch) earlier than the declared timeout.
    pub(crate) flips_before_declared: usize,
    /// Flips later than the declared timeout plus one sweep period.
    pub(crate) flips_after_declared: usize,
    /// The earliest and latest of those flips, seconds since launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) contradicting_flips_secs: Option<[f64; 2]>,
    /// Attempts with a platform `failed` event judged at the declared timeout, because no
    /// event of theirs states one.
    pub(crate) judged_at_declared: usize,
    /// One sweep period (`[platform] sweep_period_secs`), seconds.
    pub(crate) sweep_period_secs: f64,
}

/// Where a flip came against the declared timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlipAgainst {
    /// No earlier than the timeout, and within one sweep period after it.
    Agrees,
    /// Before the timeout: no sweep at it could have flipped the attempt yet.
    Before,
    /// Later than one sweep period after the timeout.
    After,
}

/// Where a flip `age_secs` after launch came against a sweep at `timeout_secs` running every
/// `period_secs` (a second of slack either side for whole-second stamps).
pub(crate) fn flip_against(age_secs: f64, timeout_secs: f64, period_secs: f64) -> FlipAgainst {
    if age_secs < timeout_secs - STAMP_SLACK_SECS {
        FlipAgainst::Before
    } else if age_secs > timeout_secs + period_secs + STAMP_SLACK_SECS {
        FlipAgainst::After
    } else {
        FlipAgainst::Agrees
    }
}

/// Whether two timeouts are the same (to the millisecond).
pub(crate) fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

/// The group an attempt's timeout belongs to: its class, and its template when the
/// configuration gives that template its own timeout; with the declared timeout.
type Key = (String, Option<String>, u64);

/// The classes (and templates with their own override) whose declared timeout the platform's
/// events contradict, in class order; empty when every stated timeout and every flip agrees.
pub(crate) fn disagreements(attempts: &[Attempt], config: &Config) -> Vec<ObservedTimeout> {
    let counted: Vec<(&Attempt, u64)> = attempts.iter().map(|a| (a, 1)).collect();
    disagreements_counted(&counted, config)
}

/// [`disagreements`] of attempts each standing for `count` equal ones (what this reads of an
/// attempt — class, template, timeouts, zero, flip — is what a summary's group shares).
pub(crate) fn disagreements_counted(
    attempts: &[(&Attempt, u64)],
    config: &Config,
) -> Vec<ObservedTimeout> {
    let period = config.platform.sweep_period_secs;
    let mut groups: BTreeMap<Key, Vec<(&Attempt, u64)>> = BTreeMap::new();
    for &(a, n) in attempts {
        let template = a
            .template
            .as_deref()
            .filter(|t| config.template(t).is_some())
            .map(String::from);
        let key = (a.class.to_string(), template, a.timeout_secs.to_bits());
        groups.entry(key).or_default().push((a, n));
    }
    groups
        .into_iter()
        .filter_map(|((class, template, declared), group)| {
            let configured = template.is_some()
                || class == crate::config::DEFAULT_CLASS
                || config.class(&class).is_some();
            let mut o = observe(class, template, f64::from_bits(declared), &group, period)?;
            o.configured = configured;
            Some(o)
        })
        .collect()
}

/// The observation of one group, when it contradicts `declared`.
fn observe(
    class: String,
    template: Option<String>,
    declared: f64,
    group: &[(&Attempt, u64)],
    period: f64,
) -> Option<ObservedTimeout> {
    let mut stated: Vec<Stated> = Vec::new();
    for (secs, n) in group
        .iter()
        .filter_map(|(a, n)| Some((a.stated_timeout_secs?, *n as usize)))
    {
        match stated.iter_mut().find(|s| same(s.secs, secs)) {
            Some(s) => s.attempts += n,
            None => stated.push(Stated { secs, attempts: n }),
        }
    }
    stated.sort_by(|a, b| b.attempts.cmp(&a.attempts).then(a.secs.total_cmp(&b.secs)));
    let flips: Vec<(f64, FlipAgainst, usize)> = group
        .iter()
        .filter(|(a, _)| a.zero == Zero::Launch)
        .filter_map(|(a, n)| Some((a.flip_secs?, *n as usize)))
        .map(|(age, n)| (age, flip_against(age, declared, period), n))
        .filter(|(_, against, _)| *against != FlipAgainst::Agrees)
        .collect();
    let stated_differs = stated.iter().any(|s| !same(s.secs, declared));
    if !stated_differs && flips.is_empty() {
        return None;
    }
    let ages = || flips.iter().map(|f| f.0);
    let count = |side: FlipAgainst| flips.iter().filter(|f| f.1 == side).map(|f| f.2).sum();
    Some(ObservedTimeout {
        class,
        template,
        declared_timeout_secs: declared,
        configured: true,
        observed_timeout_secs: stated.first().map(|s| s.secs),
        flips_before_declared: count(FlipAgainst::Before),
        flips_after_declared: count(FlipAgainst::After),
        contradicting_flips_secs: ages()
            .min_by(f64::total_cmp)
            .zip(ages().max_by(f64::total_cmp))
            .map(|(lo, hi)| [lo, hi]),
        judged_at_declared: group
            .iter()
            .filter(|(a, _)| a.stated_timeout_secs.is_none() && a.failed_timeout_secs.is_some())
            .map(|(_, n)| *n as usize)
            .sum(),
        stated,
        sweep_period_secs: period,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::timeline::{Latency, Outcome};

    fn attempt(instance: &str, declared: f64) -> Attempt {
        Attempt {
            instance: instance.into(),
            workspace: None,
            attempt: 1,
            class: "default".into(),
            template: None,
            labels: BTreeMap::new().into(),
            launched: None,
            boots: vec![1],
            outcome: Outcome::Registered,
            latency: Some(Latency {
                secs: 400.0,
                censored: false,
                from: Zero::Launch,
            }),
            zero: Zero::Launch,
            flip_secs: None,
            timeout_secs: declared,
            stated_timeout_secs: None,
            failed_timeout_secs: None,
            stuck_threshold_secs: 900.0,
            end: "registered".into(),
            evidence: Vec::new(),
        }
    }

    /// A flipped attempt: flipped `age` s after launch, the platform stating `stated`.
    fn flipped(instance: &str, declared: f64, age: f64, stated: Option<f64>) -> Attempt {
        Attempt {
            outcome: Outcome::TimedOut,
            latency: Some(Latency {
                secs: age,
                censored: true,
                from: Zero::Launch,
            }),
            flip_secs: Some(age),
            stated_timeout_secs: stated,
            ..attempt(instance, declared)
        }
    }

    #[test]
    fn a_flip_agrees_between_the_timeout_and_one_sweep_period_after_it() {
        assert_eq!(flip_against(600.0, 600.0, 60.0), FlipAgainst::Agrees);
        assert_eq!(flip_against(659.0, 600.0, 60.0), FlipAgainst::Agrees);
        assert_eq!(flip_against(661.0, 600.0, 60.0), FlipAgainst::Agrees);
        assert_eq!(flip_against(599.5, 600.0, 60.0), FlipAgainst::Agrees);
        assert_eq!(flip_against(661.5, 600.0, 60.0), FlipAgainst::After);
        assert_eq!(flip_against(659.0, 720.0, 60.0), FlipAgainst::Before);
        assert_eq!(flip_against(1230.0, 600.0, 60.0), FlipAgainst::After);
    }

    #[test]
    fn stated_timeouts_that_agree_with_the_declared_one_say_nothing() {
        let config = Config::default();
        let a = [
            attempt("i-1", 600.0),
            flipped("i-2", 600.0, 631.0, Some(600.0)),
            flipped("i-3", 600.0, 659.0, None),
            // Not from launch: its seconds are no age since a launch.
            Attempt {
                zero: Zero::KernelStart,
                ..flipped("i-4", 600.0, 100.0, None)
            },
        ];
        assert_eq!(disagreements(&a, &config), []);
    }

    #[test]
    fn a_stated_timeout_other_than_the_declared_one_is_named_with_its_count() {
        let config = Config::default();
        let mut a: Vec<Attempt> = (0..37)
            .map(|i| flipped(&format!("i-{i}"), 720.0, 601.0 + f64::from(i), Some(600.0)))
            .collect();
        a.push(attempt("i-ok", 720.0));
        let found = disagreements(&a, &config);
        assert_eq!(found.len(), 1);
        let o = &found[0];
        assert_eq!(o.observed_timeout_secs, Some(600.0));
        assert_eq!(o.declared_timeout_secs, 720.0);
        assert_eq!(
            o.stated,
            [Stated {
                secs: 600.0,
                attempts: 37
            }]
        );
        assert_eq!((o.flips_before_declared, o.flips_after_declared), (37, 0));
        assert_eq!(o.contradicting_flips_secs, Some([601.0, 637.0]));
        assert_eq!(o.judged_at_declared, 0);
        assert_eq!(
            o.to_string(),
            "class default: the platform swept at 600 s (stated for 37 attempts) but \
             bootline.toml declares 720 s; 37 flips came 601–637 s after launch, before the \
             declared timeout; the flips are judged at the platform's 600 s"
        );
    }

    #[test]
    fn attempts_stating_no_timeout_are_counted_as_judged_at_the_declared_one() {
        let config = Config::default();
        let a = [
            flipped("i-1", 720.0, 631.0, Some(600.0)),
            // A failed at 659 s stating nothing: judged at 720 s, a crash.
            Attempt {
                outcome: Outcome::Crashed,
                latency: None,
                failed_timeout_secs: Some(720.0),
                ..attempt("i-2", 720.0)
            },
        ];
        let o = &disagreements(&a, &config)[0];
        assert_eq!(o.judged_at_declared, 1);
        assert!(
            o.to_string().ends_with(
                "the flips are judged at the platform's 600 s; 1 attempt whose events state \
                 no timeout is judged at the declared 720 s"
            ),
            "{o}"
        );
    }

    #[test]
    fn flips_alone_contradict_a_declared_timeout_when_nothing_is_stated() {
        let config = Config::default();
        let a = [
            flipped("i-1", 500.0, 631.0, None),
            flipped("i-2", 500.0, 608.0, None),
            attempt("i-3", 500.0),
        ];
        let o = &disagreements(&a, &config)[0];
        assert_eq!(o.observed_timeout_secs, None);
        assert_eq!((o.flips_before_declared, o.flips_after_declared), (0, 2));
        assert_eq!(
            o.to_string(),
            "class default: the platform's flips contradict the 500 s bootline.toml declares; \
             2 flips came 608–631 s after launch, later than the declared timeout plus one \
             sweep period (60 s); no event states the timeout applied, so `failed` events are \
             judged at the declared 500 s (0 attempts with one)"
        );
    }

    #[test]
    fn a_class_the_configuration_does_not_name_is_said_to_take_the_default_timeout() {
        let config = Config::default();
        let a = [Attempt {
            class: "hermes".into(),
            ..flipped("i-1", 600.0, 1848.0, Some(1800.0))
        }];
        let o = &disagreements(&a, &config)[0];
        assert!(!o.configured);
        assert_eq!(
            o.to_string(),
            "class hermes: the platform swept at 1800 s (stated for 1 attempt) but bootline.toml \
             names no timeout for the class, so the default class's 600 s applies; 1 flip came \
             1848 s after launch, later than the declared timeout plus one sweep period (60 s); \
             the flips are judged at the platform's 1800 s"
        );
        // The default class is named by every configuration (its defaults when not written).
        let o = &disagreements(&[flipped("i-2", 600.0, 1848.0, Some(1800.0))], &config)[0];
        assert!(o.configured, "{o}");
    }

    #[test]
    fn templates_with_their_own_override_are_their_own_group() {
        let config = Config::from_toml(
            "[[template]]\nname = \"gpu-large\"\nclass = \"default\"\nprovision_timeout_seconds = 1200\n",
            "bootline.toml",
        )
        .unwrap();
        let gpu = |i: &str, age: f64, stated: f64| Attempt {
            template: Some("gpu-large".into()),
            ..flipped(i, 1200.0, age, Some(stated))
        };
        let a = [
            gpu("i-1", 1231.0, 1200.0),
            flipped("i-2", 600.0, 631.0, Some(600.0)),
            // An unconfigured template keeps its class's group.
            Attempt {
                template: Some("gpu-small".into()),
                ..flipped("i-3", 600.0, 1231.0, Some(1200.0))
            },
        ];
        let found = disagreements(&a, &config);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].group(), "class default");
        assert_eq!(
            found[0].stated,
            [
                Stated {
                    secs: 600.0,
                    attempts: 1
                },
                Stated {
                    secs: 1200.0,
                    attempts: 1
                }
            ]
        );
        assert!(found[0].to_string().starts_with(
            "class default: the platform stated 1200 s for 1 attempt (600 s for 1 attempt) \
                 but bootline.toml declares 600 s; 1 flip came 1231 s after launch, later than"
        ));
    }
}
