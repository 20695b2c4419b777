//! Summaries (docs/scale.md): the exact, mergeable reduction of a set of attempts — what
//! `recommend`, `check`, `fit` and `report` need, independent of how the attempts were cut
//! into files.
//!
//! A summary holds the attempts counted by everything the recommendation reads of them
//! ([`rows`]: distinct values with counts, instance ids only of the attempts an output can
//! name, at most [`crate::timeline::LISTED_MAX`] of each kind per group); the
//! lean form of each boot, for the phase statistics, tail blame and the report's figures; per
//! class the slowest healthy boot whole (the report's worked example); the inputs' digests;
//! and a sketch of the instance ids for the overlap check ([`sketch`]). Every part is sorted,
//! so the summary of a fleet is the same bytes however its instances were split into
//! partitions and in whatever order and grouping the partial summaries were merged
//! ([`Summary::merge`]).

pub(crate) mod codec;
pub(crate) mod rows;
pub(crate) mod sketch;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::recommend::Sample;
use crate::report::inputs::InputFile;
use crate::timeline::lean::{Fleet, Interner, Keep, Kept, LeanBoot, Name, Seen};
use crate::timeline::{Attempt, Boot};

pub(crate) use codec::is_summary;
use rows::{Counts, Group, Listed};
use sketch::Sketch;

/// The summary format's version: a summary of another is refused.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// The exact, mergeable reduction of a fleet's attempts (see the module's documentation).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    /// The label whose values the rows keep (the other labels' values are dropped).
    group_by: Option<String>,
    /// The plausibility limit that decided which attempts are named as implausible, seconds.
    max_plausible_secs: f64,
    /// Whether the summary holds the boots (lean, and the kept ones whole).
    with_boots: bool,
    /// The inputs, by path as given.
    inputs: BTreeMap<String, InputFile>,
    /// Instances read (summed over merged summaries: exact when they share none).
    instances: u64,
    sketch: Sketch,
    /// Attempts by group (keyed by its canonical text), then by latency.
    attempts: BTreeMap<String, (Group, Counts)>,
    /// Every boot, lean, by instance and boot number.
    boots: BTreeMap<(Name, u32), LeanBoot>,
    /// Per class, the slowest healthy boot, whole.
    kept: Vec<Boot>,
}

/// Why two summaries cannot be merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum MergeError {
    /// They keep different labels.
    #[error("summaries keep different labels: --group-by {0} and --group-by {1}")]
    GroupBy(String, String),
    /// They named censored attempts under different plausibility limits.
    #[error("summaries made under different [latency] max_plausible_secs: {0} s and {1} s")]
    Plausible(f64, f64),
    /// One holds the boots and the other not.
    #[error("a summary made with --attempts-only cannot be merged with one holding boots")]
    Boots,
}

/// What a merge found: instances and records two summaries both held.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Overlap {
    /// Instances counted by both, as the sketches estimate them.
    pub(crate) instances: f64,
    /// Instances the two summaries counted, together.
    pub(crate) counted: u64,
    /// Named attempts and exact boots both held (exact), and inputs both read.
    pub(crate) records: usize,
    /// Inputs (by path) both read.
    pub(crate) inputs: usize,
}

impl Overlap {
    /// Whether the summaries plainly share machines: a named record or an input in both, or
    /// more shared instances than the sketch's error explains (3 % of those counted, and at
    /// least one).
    pub(crate) fn found(&self) -> bool {
        self.records > 0
            || self.inputs > 0
            || self.instances >= (0.03 * self.counted as f64).max(1.0)
    }
}

impl Summary {
    /// The summary of a fleet read from `inputs` (listed with their paths as given), made as
    /// `s` (empty) says. The fleet's kept boots are taken as the slowest healthy ones.
    pub(crate) fn of_fleet(fleet: Fleet, inputs: Vec<InputFile>, mut s: Summary) -> Self {
        s.inputs = inputs.into_iter().map(|f| (f.path.clone(), f)).collect();
        for a in crate::timeline::attempts(&fleet.boots) {
            s.count(&a);
        }
        s.trim();
        let mut last: Option<Name> = None;
        for b in fleet.boots {
            if last.as_deref() != Some(&*b.instance) {
                s.instances += 1;
                s.sketch.insert(&b.instance);
                last = Some(b.instance.clone());
            }
            if s.with_boots {
                s.boots.insert((b.instance.clone(), b.boot), b);
            }
        }
        if s.with_boots {
            s.keep(fleet.kept);
        }
        s
    }

    /// The summary of nothing, keeping `group_by`'s label values under `max_plausible_secs`:
    /// what every merge starts from.
    pub(crate) fn new(group_by: Option<&str>, max_plausible_secs: f64) -> Self {
        Self {
            group_by: group_by.map(String::from),
            max_plausible_secs,
            with_boots: true,
            inputs: BTreeMap::new(),
            instances: 0,
            sketch: Sketch::default(),
            attempts: BTreeMap::new(),
            boots: BTreeMap::new(),
            kept: Vec::new(),
        }
    }

    /// The same empty summary, holding no boots unless `with_boots`.
    pub(crate) fn made(mut self, with_boots: bool) -> Self {
        self.with_boots = with_boots;
        self
    }

    /// Keeps, of its own kept boots and `more`, each class's slowest healthy one.
    fn keep(&mut self, more: Vec<Boot>) {
        let mut kept = Kept::new(Self::keep_rule(self.max_plausible_secs));
        for b in self.kept.iter().chain(&more) {
            kept.offer(b);
        }
        self.kept = kept.into_boots();
    }

    /// What a summary keeps whole: each class's slowest healthy boot (healthy: a plausible
    /// exact latency under `max_plausible_secs`).
    pub(crate) fn keep_rule(max_plausible_secs: f64) -> Keep {
        Keep {
            slowest_healthy: true,
            instance: None,
            max_plausible_secs,
        }
    }

    /// Counts one attempt into its group (its id kept when an output may name it: trimmed to
    /// those an output can name by [`Summary::trim`]).
    fn count(&mut self, a: &Attempt) {
        let (group, secs) = Group::of(a, self.group_by.as_deref());
        let named = group.listed(secs, self.max_plausible_secs) != Listed::Never;
        let (_, counts) = self
            .attempts
            .entry(group.key())
            .or_insert_with(|| (group, Counts::new()));
        let tally = counts.entry(secs).or_default();
        tally.n += 1;
        if named {
            tally
                .names
                .insert((a.instance.to_string(), a.attempt as u32));
        }
    }

    /// Merges `other` in; associative and commutative (every part is a sorted union or a
    /// sum), so any tree of merges over summaries of disjoint instances gives the summary of
    /// them all. Returns what the two both held.
    pub(crate) fn merge(&mut self, other: Summary) -> Result<Overlap, MergeError> {
        if self.group_by != other.group_by {
            let name = |g: &Option<String>| g.clone().unwrap_or_else(|| "(none)".into());
            return Err(MergeError::GroupBy(
                name(&self.group_by),
                name(&other.group_by),
            ));
        }
        if self.max_plausible_secs.to_bits() != other.max_plausible_secs.to_bits() {
            return Err(MergeError::Plausible(
                self.max_plausible_secs,
                other.max_plausible_secs,
            ));
        }
        if self.with_boots != other.with_boots {
            return Err(MergeError::Boots);
        }
        let mut overlap = Overlap {
            counted: self.instances + other.instances,
            ..Overlap::default()
        };
        let mut union = self.sketch.clone();
        union.merge(&other.sketch);
        overlap.instances =
            (self.sketch.estimate() + other.sketch.estimate() - union.estimate()).max(0.0);
        self.sketch = union;
        self.instances += other.instances;
        let before = self.inputs.len() + other.inputs.len();
        self.inputs.extend(other.inputs);
        overlap.inputs = before - self.inputs.len();
        for (key, (group, counts)) in other.attempts {
            let (_, mine) = self
                .attempts
                .entry(key)
                .or_insert_with(|| (group, Counts::new()));
            for (secs, tally) in counts {
                overlap.records += mine.entry(secs).or_default().add(tally);
            }
        }
        for (key, b) in other.boots {
            if self.boots.insert(key, b).is_some() {
                overlap.records += 1;
            }
        }
        self.keep(other.kept);
        self.trim();
        Ok(overlap)
    }

    /// Keeps in every group only the ids an output can name ([`Group::trim`]).
    fn trim(&mut self) {
        for (group, counts) in self.attempts.values_mut() {
            group.trim(counts, self.max_plausible_secs);
        }
    }

    /// The label whose values the summary keeps.
    pub(crate) fn group_by(&self) -> Option<&str> {
        self.group_by.as_deref()
    }

    /// The plausibility limit the summary named censored attempts under, seconds.
    pub(crate) fn max_plausible_secs(&self) -> f64 {
        self.max_plausible_secs
    }

    /// Whether the summary holds the boots (`fit` and `report` need them).
    pub(crate) fn with_boots(&self) -> bool {
        self.with_boots
    }

    /// The recommendation's sample of the attempts of `class` (every class's when `None`):
    /// each group's attempts in turn (a few thousand at a time), one per named attempt and one counting the rest of each
    /// latency ([`Group::attempts`]), so its memory follows the distinct values, not the
    /// attempts.
    pub(crate) fn sample(&self, class: Option<&str>, config: &Config) -> Sample {
        /// Attempts of one group mapped at a time: a group may hold a latency per millisecond.
        const CHUNK: usize = 4096;
        let mut names = Interner::default();
        let groups = self
            .attempts
            .values()
            .filter(|(group, _)| class.is_none_or(|c| c == group.class))
            .flat_map(|(group, counts)| {
                let mut attempts = group.attempts(counts, &mut names);
                std::iter::from_fn(move || {
                    let chunk: Vec<_> = attempts.by_ref().take(CHUNK).collect();
                    (!chunk.is_empty()).then_some(chunk)
                })
            });
        Sample::from_groups(groups, config)
    }

    /// The fleet the summary holds: every boot of `class` (of every class when `None`), lean,
    /// in instance and boot order, and the kept boots of those classes.
    pub(crate) fn fleet(&self, class: Option<&str>) -> Fleet {
        let of = |c: &str| class.is_none_or(|k| k == c);
        Fleet {
            boots: self
                .boots
                .values()
                .filter(|b| of(&b.class))
                .cloned()
                .collect(),
            kept: self.kept.iter().filter(|b| of(&b.class)).cloned().collect(),
            seen: Seen::default(),
        }
    }

    /// The inputs the summary was made from, by path as given.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = &InputFile> {
        self.inputs.values()
    }
}

#[cfg(test)]
mod tests;
