//! The weighted path against the expanded one: a fleet's attempts counted into summaries
//! (whole, and as two partitions merged) give the recommendation the attempts give one by
//! one, to the byte, with the capped lists full.

use std::collections::BTreeMap;

use super::Summary;
use crate::config::Config;
use crate::recommend::{Options, Sample};
use crate::stats::rng::SplitMix64;
use crate::timeline::{Attempt, Latency, Outcome, Zero, LISTED_MAX};

/// Attempts of every kind the recommendation reads, from a seeded stream: whole-second
/// latencies (many ties, also at the slowest), two classes and two regions, killed ones that
/// registered later and ones never seen registering, censored, stuck and crashed,
/// implausible and latency-less ones, latencies from the kernel's start, and platform
/// timeouts that contradict the declared one.
fn fleet(n: usize, seed: u64) -> Vec<Attempt> {
    let mut rng = SplitMix64::new(seed);
    let mut u = move || rng.next_open01();
    (0..n)
        .map(|i| {
            let kind = u();
            let secs = (120.0 + 480.0 * u() * u()).round();
            let (outcome, latency, flip) = match kind {
                k if k < 0.62 => (Outcome::Registered, Some((secs, false)), None),
                k if k < 0.70 => {
                    let late = 601.0 + 10.0 * (30.0 * u()).floor();
                    (Outcome::FalseFailed, Some((late, false)), Some(605.0))
                }
                k if k < 0.76 => {
                    let flip = (600.0 + 60.0 * u()).round();
                    (Outcome::TimedOut, Some((flip, true)), Some(flip))
                }
                k if k < 0.80 => (Outcome::Unknown, Some((secs, true)), None),
                k if k < 0.83 => (Outcome::Stuck, None, None),
                k if k < 0.85 => (Outcome::Crashed, None, None),
                k if k < 0.92 => {
                    let bad = [-5.0, 0.0, 1e9][(u() * 3.0) as usize];
                    (Outcome::Registered, Some((bad, false)), None)
                }
                _ => (Outcome::Registered, None, None),
            };
            let from = if u() < 0.1 {
                Zero::KernelStart
            } else {
                Zero::Launch
            };
            let region = if u() < 0.5 { "eu" } else { "us" };
            Attempt {
                instance: format!("i-{:05}", i / 2).into(),
                workspace: None,
                attempt: 1 + i % 2,
                class: if u() < 0.8 { "default" } else { "batch" }.into(),
                template: None,
                labels: BTreeMap::from([("region".to_string(), region.to_string())]).into(),
                launched: None,
                boots: vec![1],
                outcome,
                latency: latency.map(|(secs, censored)| Latency {
                    secs,
                    censored,
                    from,
                }),
                zero: from,
                flip_secs: flip,
                timeout_secs: 600.0,
                stated_timeout_secs: (u() < 0.05).then_some(660.0),
                failed_timeout_secs: None,
                stuck_threshold_secs: 900.0,
                end: "registered".into(),
                evidence: Vec::new(),
            }
        })
        .collect()
}

fn summary_of<'a>(attempts: impl Iterator<Item = &'a Attempt>, config: &Config) -> Summary {
    let mut s = Summary::new(None, config.latency.max_plausible_secs).made(false);
    for a in attempts {
        s.count(a);
    }
    s.trim();
    s
}

fn default_class(recs: &crate::recommend::Recommendations) -> &crate::recommend::Recommendation {
    let found = recs.classes.iter().find(|r| r.class == "default");
    found.expect("the default class has a recommendation")
}

#[test]
fn counted_attempts_recommend_as_the_attempts_one_by_one() {
    let config = Config::default();
    let attempts = fleet(6000, 21);
    let options = Options {
        candidates: vec![300.0, 700.0],
        group_by: Some("region".into()),
        ..Options::default()
    };
    let one_by_one = Sample::from_timeline(&attempts, &config);
    let whole = summary_of(attempts.iter(), &config);
    // Two partitions by instance, merged: the same summary.
    let odd = |a: &&Attempt| a.instance.ends_with(['1', '3', '5', '7', '9']);
    let mut merged = summary_of(attempts.iter().filter(odd), &config);
    let other = summary_of(attempts.iter().filter(|a| !odd(a)), &config);
    let overlap = merged.merge(other).expect("merges");
    assert_eq!(overlap.records, 0);
    assert_eq!(merged, whole);
    let counted = whole.sample(None, &config);
    // Fewer attempts than the fleet's: one per distinct value and named attempt.
    assert!(counted.attempts.len() < one_by_one.attempts.len());
    assert!(counted.attempts.iter().any(|a| a.count > 1));
    assert_eq!(counted.observed, one_by_one.observed);
    assert!(!counted.observed.is_empty(), "660 s stated against 600 s");
    assert_eq!(counted.implausible, one_by_one.implausible);
    assert_eq!(counted.unusable, one_by_one.unusable);

    let json = |s: &Sample| {
        serde_json::to_string_pretty(&s.recommend(&config, &options)).expect("serialises")
    };
    let expected = json(&one_by_one);
    assert_eq!(json(&counted), expected);

    // Every capped list is full here, and counts the rest.
    let recs = one_by_one.recommend(&config, &options);
    let r = default_class(&recs);
    assert_eq!(r.killed_registered.len(), LISTED_MAX);
    assert!(r.killed_registered_more > 0);
    assert_eq!(
        r.killed_registered.len() + r.killed_registered_more,
        r.n_killed - r.n_killed_unresolved
    );
    let at_300 = &r.candidates[0].false_fail;
    assert_eq!(at_300.instances.len(), LISTED_MAX);
    assert_eq!(
        at_300.instances.len() + at_300.instances_more,
        at_300.observed
    );
    assert!(r.cohorts.iter().all(|c| c.fitted), "{:?}", r.cohorts);
    assert_eq!(recs.implausible.attempts.len(), LISTED_MAX);
    assert!(recs.implausible.attempts_more > 0);
    assert!(one_by_one.unusable.count > LISTED_MAX);
    assert_eq!(one_by_one.unusable.attempts.len(), LISTED_MAX);
}

#[test]
fn the_capped_lists_hold_the_slowest_ties_to_the_smaller_instance() {
    let config = Config::default();
    let attempts = fleet(6000, 5);
    let recs = Sample::from_timeline(&attempts, &config).recommend(&config, &Options::default());
    let r = default_class(&recs);
    // Computed here from the attempts: the killed that registered later, slowest first, ties
    // to the smaller instance id; the list shows those, sorted by instance id.
    let mut late: Vec<(f64, &str)> = attempts
        .iter()
        .filter(|a| a.outcome == Outcome::FalseFailed && &*a.class == "default")
        .map(|a| (a.latency.map_or(0.0, |l| l.secs), &*a.instance))
        .collect();
    late.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut want: Vec<(&str, f64)> = late[..LISTED_MAX].iter().map(|(s, i)| (*i, *s)).collect();
    want.sort_by(|a, b| a.0.cmp(b.0));
    let got: Vec<(&str, f64)> = r
        .killed_registered
        .iter()
        .map(|l| (l.instance.as_str(), l.latency_s))
        .collect();
    assert_eq!(got, want);
    // A tie straddles the cap: the cut falls inside one latency.
    let cut = late[LISTED_MAX - 1].0;
    assert_eq!(
        late[LISTED_MAX].0, cut,
        "seeded so that a tie straddles the cap"
    );
    assert_eq!(r.killed_registered_more, late.len() - LISTED_MAX);
}
