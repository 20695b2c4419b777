//! Attempt rows: the attempts of a fleet counted by everything the recommendation reads of
//! them. A group holds what attempts share (class, template, labels, outcome, whether the
//! latency is censored and what it counts from, flip, timeouts, the end milestone); within it,
//! each distinct latency (seconds as read, to the millisecond) has its count. Instance ids are
//! kept only where an output names them: exact latencies above the summary's naming floor (the
//! false-fail lists), implausible ones and fitted outcomes without a usable latency. Censored,
//! stuck and crashed attempts are counts alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::timeline::lean::Interner;
use crate::timeline::{Attempt, Latency, Outcome, Zero};

/// What a latency is, its seconds aside.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Kind {
    pub(crate) censored: bool,
    pub(crate) from: Zero,
}

/// What attempts of a group share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Group {
    pub(crate) class: String,
    pub(crate) template: Option<String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) outcome: Outcome,
    pub(crate) latency: Option<Kind>,
    pub(crate) zero: Zero,
    pub(crate) flip_secs: Option<f64>,
    pub(crate) timeout_secs: f64,
    pub(crate) stated_timeout_secs: Option<f64>,
    pub(crate) failed_timeout_secs: Option<f64>,
    pub(crate) stuck_threshold_secs: f64,
    pub(crate) end: String,
}

/// A latency's place in a group: `None` for attempts without one, else the seconds' bits
/// mapped so that their order is the numbers' order.
pub(crate) type Secs = Option<u64>;

/// The key of `secs` ([`Secs`]).
pub(crate) fn secs_key(secs: f64) -> u64 {
    let bits = secs.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The seconds of a key ([`secs_key`]).
pub(crate) fn key_secs(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// How many attempts share a latency, and the (instance, attempt number) of those an output
/// names.
#[derive(Debug, Clone, Default, PartialEq)]
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

/// A group's attempts by latency.
pub(crate) type Counts = BTreeMap<Secs, Tally>;

impl Group {
    /// The group of `a` and its latency's key, keeping of its labels only `group_by`'s value
    /// (the other keys stay, with empty values: the recommendation lists them as labels a
    /// group could split by).
    pub(crate) fn of(a: &Attempt, group_by: Option<&str>) -> (Self, Secs) {
        let labels = a
            .labels
            .iter()
            .map(|(k, v)| match group_by {
                Some(g) if g != k => (k.clone(), String::new()),
                Some(_) | None => (k.clone(), v.clone()),
            })
            .collect();
        let group = Self {
            class: a.class.to_string(),
            template: a.template.as_deref().map(String::from),
            labels,
            outcome: a.outcome,
            latency: a.latency.map(|l| Kind {
                censored: l.censored,
                from: l.from,
            }),
            zero: a.zero,
            flip_secs: a.flip_secs,
            timeout_secs: a.timeout_secs,
            stated_timeout_secs: a.stated_timeout_secs,
            failed_timeout_secs: a.failed_timeout_secs,
            stuck_threshold_secs: a.stuck_threshold_secs,
            end: a.end.to_string(),
        };
        (group, a.latency.map(|l| secs_key(l.secs)))
    }

    /// The group's canonical text: groups are kept in its order, so every summary of the same
    /// attempts lists them alike.
    pub(crate) fn key(&self) -> String {
        serde_json::to_string(self).expect("a group serialises")
    }

    /// The latency of an attempt of the group at `secs`.
    fn latency(&self, secs: Secs) -> Option<Latency> {
        Some(Latency {
            secs: key_secs(secs?),
            censored: self.latency?.censored,
            from: self.latency?.from,
        })
    }

    /// Whether an output may name an attempt of this group at `secs`: an exact latency above
    /// `floor_secs`, an implausible one under `max_plausible_secs`, or a fitted outcome
    /// without a usable latency.
    pub(crate) fn named(&self, secs: Secs, floor_secs: f64, max_plausible_secs: f64) -> bool {
        match (self.outcome, self.latency(secs)) {
            (Outcome::Stuck | Outcome::Crashed, _) => false,
            (_, None) => true,
            (_, Some(l)) if l.record(max_plausible_secs).is_none() => true,
            (_, Some(l)) => !l.censored && l.secs > floor_secs,
        }
    }

    /// The group's attempts, one per name and the rest unnamed (no instance, attempt 0), its
    /// names shared through `names`.
    pub(crate) fn attempts(&self, counts: &Counts, names: &mut Interner) -> Vec<Attempt> {
        let base = Attempt {
            instance: names.name(""),
            workspace: None,
            attempt: 0,
            class: names.name(&self.class),
            template: self.template.as_deref().map(|t| names.name(t)),
            labels: names.labels(&self.labels),
            launched: None,
            boots: Vec::new(),
            outcome: self.outcome,
            latency: None,
            zero: self.zero,
            flip_secs: self.flip_secs,
            timeout_secs: self.timeout_secs,
            stated_timeout_secs: self.stated_timeout_secs,
            failed_timeout_secs: self.failed_timeout_secs,
            stuck_threshold_secs: self.stuck_threshold_secs,
            end: names.name(&self.end),
            evidence: Vec::new(),
        };
        let mut out = Vec::new();
        for (&secs, tally) in counts {
            let at = Attempt {
                latency: self.latency(secs),
                ..base.clone()
            };
            for (instance, attempt) in &tally.names {
                out.push(Attempt {
                    instance: Arc::from(instance.as_str()),
                    attempt: *attempt as usize,
                    ..at.clone()
                });
            }
            let unnamed = tally.n.saturating_sub(tally.names.len() as u64) as usize;
            out.extend(std::iter::repeat_n(at, unnamed));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_keys_sort_as_the_seconds_and_give_them_back() {
        let secs = [
            -3.5,
            -0.0,
            0.0,
            0.001,
            1.0,
            312.456,
            86_400.0,
            f64::INFINITY,
        ];
        let keys: Vec<u64> = secs.iter().map(|&s| secs_key(s)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for (s, k) in secs.iter().zip(&keys) {
            assert_eq!(key_secs(*k).to_bits(), s.to_bits());
        }
    }
}
