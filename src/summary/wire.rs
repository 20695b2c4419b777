//! An attempt group's line as a summary writes it (docs/scale.md): what its attempts share of
//! class, template and labels by the number of that **cohort** in the header's list, the rest
//! of the group as an array in [`Group`]'s field order, the whole-millisecond latencies as
//! steps between them with their counts in parallel, and only the other latencies (none, or
//! seconds that are not whole milliseconds) and the named attempts as values. A group's line
//! took about 330 bytes of names and labels before its first latency.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::rows::{key_secs, secs_key, Counts, Group, Kind, Tally};
use crate::timeline::{Outcome, Zero};

/// What attempts of a cohort share: class, template and the labels as the rows keep them.
pub(super) type Cohort = (String, Option<String>, BTreeMap<String, String>);

/// The rest of a [`Group`], in its fields' order: outcome, latency kind (censored, what it
/// counts from), zero, flip, timeout, stated and judged timeouts, stuck threshold, end
/// milestone.
type Cells = (
    Outcome,
    Option<(bool, Zero)>,
    Zero,
    Option<f64>,
    f64,
    Option<f64>,
    Option<f64>,
    f64,
    String,
);

/// One group's line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttemptsLine {
    /// The number of the group's cohort in the header's `cohorts`.
    cohort: u32,
    group: Cells,
    /// Whole-millisecond latencies: each as its step (ms) from the previous one (from 0 for
    /// the first), and how many attempts had it.
    #[serde(default, skip_serializing_if = "no_steps")]
    ms: (Vec<i64>, Vec<u64>),
    /// The other latencies (`null`: none) and how many attempts had each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    latencies: Vec<(Option<f64>, u64)>,
    /// The named attempts: latency, instance, attempt number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    names: Vec<(Option<f64>, String, u32)>,
}

fn no_steps(ms: &(Vec<i64>, Vec<u64>)) -> bool {
    ms.0.is_empty()
}

/// The cohort of a group.
pub(super) fn cohort_of(g: &Group) -> Cohort {
    (g.class.clone(), g.template.clone(), g.labels.clone())
}

/// The whole milliseconds of `secs`, when `secs` is exactly that many thousandths (as read
/// back: `ms as f64 / 1e3`).
fn whole_ms(secs: f64) -> Option<i64> {
    let ms = (secs * 1e3).round();
    let exact = ms.abs() < 9.0e15 && (ms / 1e3).to_bits() == secs.to_bits();
    exact.then_some(ms as i64)
}

/// The line of `group` and its counts, its cohort numbered by `number`.
pub(super) fn line_of(
    group: &Group,
    counts: &Counts,
    number: &BTreeMap<Cohort, u32>,
) -> AttemptsLine {
    let secs = |k: &Option<u64>| k.map(key_secs);
    let (mut steps, mut ns, mut latencies) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = 0i64;
    for (k, t) in counts {
        match secs(k).and_then(whole_ms) {
            Some(ms) => {
                steps.push(ms - last);
                last = ms;
                ns.push(t.n);
            }
            None => latencies.push((secs(k), t.n)),
        }
    }
    let g = group.clone();
    AttemptsLine {
        cohort: number[&cohort_of(group)],
        group: (
            g.outcome,
            g.latency.map(|k| (k.censored, k.from)),
            g.zero,
            g.flip_secs,
            g.timeout_secs,
            g.stated_timeout_secs,
            g.failed_timeout_secs,
            g.stuck_threshold_secs,
            g.end,
        ),
        ms: (steps, ns),
        latencies,
        names: (counts.iter())
            .flat_map(|(k, t)| t.names.iter().map(move |(i, a)| (secs(k), i.clone(), *a)))
            .collect(),
    }
}

/// Why a line does not give a group.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum LineError {
    /// The cohort's number is not in the header's list.
    #[error("cohort {0} beyond the header's cohorts")]
    Cohort(u32),
    /// The steps and counts of the milliseconds differ in length.
    #[error("ms holds {0} steps and {1} counts")]
    Lengths(usize, usize),
    /// A step that does not lead to a later millisecond.
    #[error("ms step {0} does not lead to a later latency")]
    Step(i64),
}

/// The group of a line and its counts, its cohort read from `cohorts`.
pub(super) fn group_of(
    line: AttemptsLine,
    cohorts: &[Cohort],
) -> Result<(Group, Counts), LineError> {
    let (class, template, labels) = (cohorts.get(line.cohort as usize))
        .ok_or(LineError::Cohort(line.cohort))?
        .clone();
    let (outcome, latency, zero, flip_secs, timeout_secs, stated, failed, stuck, end) = line.group;
    let group = Group {
        class,
        template,
        labels,
        outcome,
        latency: latency.map(|(censored, from)| Kind { censored, from }),
        zero,
        flip_secs,
        timeout_secs,
        stated_timeout_secs: stated,
        failed_timeout_secs: failed,
        stuck_threshold_secs: stuck,
        end,
    };
    let (steps, ns) = line.ms;
    if steps.len() != ns.len() {
        return Err(LineError::Lengths(steps.len(), ns.len()));
    }
    let key = |s: Option<f64>| s.map(secs_key);
    let tally = |n| Tally {
        n,
        names: BTreeSet::new(),
    };
    let mut counts: Counts = BTreeMap::new();
    let mut at = 0i64;
    for (i, (step, n)) in steps.into_iter().zip(ns).enumerate() {
        at = (at.checked_add(step))
            .filter(|_| i == 0 || step > 0)
            .ok_or(LineError::Step(step))?;
        counts.insert(key(Some(at as f64 / 1e3)), tally(n));
    }
    for (s, n) in line.latencies {
        counts.insert(key(s), tally(n));
    }
    for (s, instance, attempt) in line.names {
        let names = &mut counts.entry(key(s)).or_default().names;
        names.insert((instance, attempt));
    }
    Ok((group, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> Group {
        Group {
            class: "default".into(),
            template: Some("gpu".into()),
            labels: BTreeMap::from([("region".into(), "eu".into())]),
            outcome: Outcome::Registered,
            latency: Some(Kind {
                censored: false,
                from: Zero::Launch,
            }),
            zero: Zero::Launch,
            flip_secs: None,
            timeout_secs: 600.0,
            stated_timeout_secs: Some(600.0),
            failed_timeout_secs: None,
            stuck_threshold_secs: 900.0,
            end: "registered".into(),
        }
    }

    #[test]
    fn a_line_reads_back_its_group_and_counts() {
        let mut counts: Counts = BTreeMap::new();
        for (secs, n) in [
            (Some(-5.0), 2),
            (Some(232.0), 3),
            (Some(245.125), 1),
            (None, 4),
        ] {
            counts.insert(
                secs.map(secs_key),
                Tally {
                    n,
                    names: BTreeSet::new(),
                },
            );
        }
        counts.insert(
            Some(secs_key(0.1 + 0.2)),
            Tally {
                n: 1,
                names: BTreeSet::new(),
            },
        );
        let slow = counts.get_mut(&Some(secs_key(245.125))).unwrap();
        slow.names.insert(("i-1".into(), 2));
        let g = group();
        let number = BTreeMap::from([(cohort_of(&g), 7)]);
        let text = serde_json::to_string(&line_of(&g, &counts, &number)).unwrap();
        assert_eq!(
            text,
            "{\"cohort\":7,\"group\":[\"registered\",[false,\"launch\"],\"launch\",null,600.0,\
             600.0,null,900.0,\"registered\"],\"ms\":[[-5000,237000,13125],[2,3,1]],\
             \"latencies\":[[null,4],[0.30000000000000004,1]],\"names\":[[245.125,\"i-1\",2]]}"
        );
        let line: AttemptsLine = serde_json::from_str(&text).unwrap();
        let mut cohorts = vec![("other".into(), None, BTreeMap::new()); 8];
        cohorts[7] = cohort_of(&g);
        let (back, read) = group_of(line, &cohorts).unwrap();
        assert_eq!(back, g);
        assert_eq!(read, counts);
    }

    #[test]
    fn a_line_that_does_not_add_up_is_refused() {
        let g = serde_json::to_string(&line_of(
            &group(),
            &Counts::new(),
            &BTreeMap::from([(cohort_of(&group()), 0)]),
        ))
        .unwrap();
        let read = |text: &str| {
            let line: AttemptsLine = serde_json::from_str(text).unwrap();
            group_of(line, &[cohort_of(&group())]).unwrap_err()
        };
        assert_eq!(
            read(&g.replace("\"cohort\":0", "\"cohort\":1")),
            LineError::Cohort(1)
        );
        let with = |ms: &str| g.replace("}", &format!(",\"ms\":{ms}}}"));
        assert_eq!(read(&with("[[1,2],[1]]")), LineError::Lengths(2, 1));
        assert_eq!(read(&with("[[1,0],[1,1]]")), LineError::Step(0));
    }

    #[test]
    fn whole_milliseconds_are_only_those_that_read_back_exactly() {
        assert_eq!(whole_ms(232.0), Some(232_000));
        assert_eq!(whole_ms(12.345), Some(12_345));
        assert_eq!(whole_ms(-5.0), Some(-5_000));
        assert_eq!(whole_ms(12.3456), None);
        assert_eq!(whole_ms(0.1 + 0.2), None);
        assert_eq!(whole_ms(1e9), Some(1_000_000_000_000));
        assert_eq!(whole_ms(f64::INFINITY), None);
        assert_eq!(whole_ms(f64::NAN), None);
    }
}
