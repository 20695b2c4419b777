//! Attempt rows: the attempts of a fleet counted by everything the recommendation reads of
//! them. A group holds what attempts share (class, template, labels, outcome, whether the
//! latency is censored and what it counts from, flip, timeouts, the end milestone); within it,
//! each distinct latency (seconds as read, to the millisecond) has its count. Instance ids are
//! kept only for the attempts an output can name, at most [`LISTED_MAX`] of each kind per
//! group ([`Group::trim`]): the slowest exact latencies (the false-fail lists and the killed
//! that registered later), and the first by instance and attempt of the implausible ones and
//! of the fitted outcomes without a usable latency. Plausible censored, stuck and crashed
//! attempts are counts alone. A group's rows become the recommendation's attempts without
//! repeating them: one attempt per named one, and one counting the rest of each latency
//! ([`Group::attempts`]); every reader (the recommendation, the report, `fit`, `compare`'s
//! cohorts) takes them so, never repeated one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::timeline::lean::Interner;
use crate::timeline::{Attempt, Latency, Outcome, Zero, LISTED_MAX};

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

    /// Which list an output may name an attempt of this group at `secs` in, and so which of
    /// them the summary keeps the ids of: an exact latency is listed among the slowest (the
    /// false-fail lists, the killed that registered later); an implausible one under
    /// `max_plausible_secs`, or a fitted outcome without a usable latency, among the first by
    /// instance; a plausible censored, a stuck or a crashed attempt never.
    pub(crate) fn listed(&self, secs: Secs, max_plausible_secs: f64) -> Listed {
        let fitted = self
            .latency(secs)
            .and_then(|l| l.record(max_plausible_secs));
        match (self.outcome, fitted) {
            (Outcome::Stuck | Outcome::Crashed, _) => Listed::Never,
            (Outcome::Registered | Outcome::FalseFailed, Some((_, false))) => Listed::Slowest,
            (Outcome::TimedOut | Outcome::Unknown, Some((_, true))) => Listed::Never,
            (_, _) => Listed::First,
        }
    }

    /// Keeps of the group's ids those an output can name: the [`LISTED_MAX`] slowest named
    /// exact attempts (ties to the smaller instance and attempt) and the first [`LISTED_MAX`]
    /// of the other listed ones by instance and attempt. Each is a top-k in a total order, so
    /// trimming after any merge gives what trimming the union would: merges stay exact,
    /// associative and commutative.
    pub(crate) fn trim(&self, counts: &mut Counts, max_plausible_secs: f64) {
        let mut slowest: Vec<(Secs, (String, u32))> = Vec::new();
        let mut first: Vec<(Secs, (String, u32))> = Vec::new();
        for (&secs, tally) in counts.iter_mut() {
            let names = std::mem::take(&mut tally.names).into_iter();
            match self.listed(secs, max_plausible_secs) {
                Listed::Slowest => slowest.extend(names.map(|n| (secs, n))),
                Listed::First => first.extend(names.map(|n| (secs, n))),
                Listed::Never => {}
            }
        }
        slowest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        first.sort_by(|a, b| a.1.cmp(&b.1));
        let kept = slowest.into_iter().take(LISTED_MAX);
        for (secs, name) in kept.chain(first.into_iter().take(LISTED_MAX)) {
            counts.entry(secs).or_default().names.insert(name);
        }
    }

    /// The group's attempts, each with how many it stands for: one per named attempt, and
    /// one (without an instance, attempt 0) counting the rest of each latency, made as they
    /// are read. Its names are shared through `names`.
    pub(crate) fn attempts<'a>(
        &self,
        counts: &'a Counts,
        names: &mut Interner,
    ) -> impl Iterator<Item = (Attempt, u64)> + 'a {
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
        let group = self.clone();
        counts.iter().flat_map(move |(&secs, tally)| {
            let at = Attempt {
                latency: group.latency(secs),
                ..base.clone()
            };
            let unnamed = tally.n.saturating_sub(tally.names.len() as u64);
            let rest = (unnamed > 0).then(|| (at.clone(), unnamed));
            let named = tally.names.iter().map(move |(instance, attempt)| {
                let named = Attempt {
                    instance: Arc::from(instance.as_str()),
                    attempt: *attempt as usize,
                    ..at.clone()
                };
                (named, 1)
            });
            named.chain(rest)
        })
    }
}

/// Which list an output names an attempt in ([`Group::listed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed {
    /// Among the slowest exact latencies.
    Slowest,
    /// Among the first by instance and attempt (implausible, or no usable latency).
    First,
    /// In no list.
    Never,
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
