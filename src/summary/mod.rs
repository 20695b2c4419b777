//! Summaries (docs/scale.md): the exact, mergeable reduction of a set of attempts — what
//! `recommend`, `check`, `fit` and `report` need, independent of how the attempts were cut
//! into files.
//!
//! A summary holds the attempts counted by everything the recommendation reads of them
//! ([`rows`]: distinct values with counts, instance ids only of the attempts an output can
//! name, at most [`crate::timeline::LISTED_MAX`] of each kind per group); the
//! boots' counts per class, template and label values ([`boots`]: outcomes, the phase
//! statistics and tail blame on a grid, what the report's figures count); the lean form of the
//! boots a report draws or names, capped ([`boots::drawn`]); per class the slowest healthy boot
//! whole (the report's worked example); the inputs' digests;
//! and a sketch of the instance ids for the overlap check ([`sketch`]). Every part is sorted,
//! so the summary of a fleet is the same bytes however its instances were split into
//! partitions and in whatever order and grouping the partial summaries were merged
//! ([`Summary::merge`]).

pub(crate) mod boots;
pub(crate) mod codec;
pub(crate) mod rows;
pub(crate) mod sketch;
mod wire;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::recommend::Sample;
use crate::report::inputs::InputFile;
use crate::report::tally::PhaseTally;
use crate::timeline::lean::{Fleet, Interner, Keep, Kept, LeanBoot, Name};
use crate::timeline::{Attempt, Boot};

use boots::BootCounts;
pub(crate) use codec::is_summary;
use rows::{Counts, Group, Listed};
use sketch::Sketch;

/// An attempt with how many equal ones it stands for: one for an attempt read from boots, a
/// distinct value's count for a summary's rows ([`rows::Group::attempts`]).
pub(crate) type Counted = (Attempt, u64);

/// The summary format's version: a summary of another is refused.
pub(crate) const SCHEMA_VERSION: u32 = 3;

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
    /// The boots' counts by class, template and labels (as the attempt rows keep them).
    boot_counts: BTreeMap<BootKey, BootCounts>,
    /// The boots a report draws or names, lean, by instance and boot number.
    boots: BTreeMap<(Name, u32), LeanBoot>,
    /// Per class, the slowest healthy boot, whole.
    kept: Vec<Boot>,
}

/// What boots' counts are kept apart by: class, template, and the labels as the attempt rows
/// keep them (only `--group-by`'s value when given).
pub(crate) type BootKey = (String, Option<String>, BTreeMap<String, String>);

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
        // Counted as they are made, not held: a fleet's attempts beside its boots doubled
        // the memory of `summarize`.
        for a in crate::timeline::each_attempt(&fleet.boots) {
            s.count(&a);
        }
        s.trim();
        // Only the boots a report draws or names are kept, chosen before any is moved in (the
        // same choice `prune` makes of them all: a selection of a selection is itself).
        let drawn = (s.with_boots).then(|| boots::drawn(fleet.boots.iter(), s.max_plausible_secs));
        let mut last: Option<Name> = None;
        let mut phases: BTreeMap<BootKey, PhaseTally> = BTreeMap::new();
        for b in fleet.boots {
            if last.as_deref() != Some(&*b.instance) {
                s.instances += 1;
                s.sketch.insert(&b.instance);
                last = Some(b.instance.clone());
            }
            if s.with_boots {
                let key = s.boot_key(&b);
                let counts = s.boot_counts.entry(key.clone()).or_default();
                counts.add_but_phases(&b, s.max_plausible_secs);
                phases.entry(key).or_default().add(&b, s.max_plausible_secs);
                let id = (b.instance.clone(), b.boot);
                if drawn.as_ref().is_some_and(|d| d.contains(&id)) {
                    s.boots.insert(id, b);
                }
            }
        }
        for (key, tally) in phases {
            tally.finish(s.boot_counts.get_mut(&key).expect("counted above"));
        }
        if s.with_boots {
            s.keep(fleet.kept);
            s.prune();
        }
        s
    }

    /// Keeps of its boots only those a report draws or names ([`boots::drawn`]).
    fn prune(&mut self) {
        let keep = boots::drawn(self.boots.values(), self.max_plausible_secs);
        self.boots.retain(|k, _| keep.contains(k));
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
            boot_counts: BTreeMap::new(),
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

    /// The key of a boot's counts: its class, template and labels as the rows keep them.
    fn boot_key(&self, b: &LeanBoot) -> BootKey {
        let labels = (b.labels.iter())
            .map(|(k, v)| match self.group_by.as_deref() {
                Some(g) if g != k => (k.clone(), String::new()),
                Some(_) | None => (k.clone(), v.clone()),
            })
            .collect();
        let template = b.template.as_deref().map(String::from);
        (b.class.to_string(), template, labels)
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
        for (key, c) in other.boot_counts {
            self.boot_counts.entry(key).or_default().merge(&c);
        }
        for (key, b) in other.boots {
            if self.boots.insert(key, b).is_some() {
                overlap.records += 1;
            }
        }
        self.keep(other.kept);
        self.prune();
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

    /// The attempts of `class` (every class's when `None`), each with how many it stands for
    /// ([`Group::attempts`]: one per named attempt and one counting the rest of each
    /// latency), ordered by row: what `fit` and the report read. Its length follows the
    /// distinct values and the named attempts, not the attempts counted.
    pub(crate) fn attempts(&self, class: Option<&str>) -> Vec<Counted> {
        let mut names = Interner::default();
        let mut out = Vec::new();
        for (group, counts) in
            (self.attempts.values()).filter(|(group, _)| class.is_none_or(|c| c == group.class))
        {
            out.extend(group.attempts(counts, &mut names));
        }
        out
    }

    /// The counts of the boots of `class`, by the value `cohort` gives their key (keys it
    /// gives `Err` for are left out, and the first such error returned).
    pub(crate) fn boot_counts<E>(
        &self,
        class: &str,
        cohort: impl Fn(&BootKey) -> Result<Option<String>, E>,
    ) -> Result<BTreeMap<Option<String>, BootCounts>, E> {
        let mut out: BTreeMap<Option<String>, BootCounts> = BTreeMap::new();
        for (key, c) in self.boot_counts.iter().filter(|(k, _)| k.0 == class) {
            out.entry(cohort(key)?).or_default().merge(c);
        }
        Ok(out)
    }

    /// The counted attempts of `class` by the value `cohort` gives their group's class,
    /// template and labels, as [`Summary::attempts`] gives them (a cohort is a union of
    /// groups, so it is split without expanding a count).
    pub(crate) fn attempts_by<E>(
        &self,
        class: &str,
        cohort: impl Fn(&BootKey) -> Result<Option<String>, E>,
    ) -> Result<BTreeMap<Option<String>, Vec<Counted>>, E> {
        let mut names = Interner::default();
        let mut out: BTreeMap<Option<String>, Vec<Counted>> = BTreeMap::new();
        for (group, counts) in self.attempts.values().filter(|(g, _)| g.class == class) {
            let key = (
                group.class.clone(),
                group.template.clone(),
                group.labels.clone(),
            );
            let attempts = group.attempts(counts, &mut names);
            out.entry(cohort(&key)?).or_default().extend(attempts);
        }
        Ok(out)
    }

    /// The attempts of boots (ordered by instance and boot number) counted as a summary
    /// counts them, and given back as [`Summary::attempts`] gives them: a report over logs
    /// holds one entry per distinct value and named attempt, as over a summary, not one per
    /// attempt.
    pub(crate) fn counted_attempts(boots: &[LeanBoot], max_plausible_secs: f64) -> Vec<Counted> {
        let mut s = Summary::new(None, max_plausible_secs);
        for a in crate::timeline::each_attempt(boots) {
            s.count(&a);
        }
        s.trim();
        s.attempts(None)
    }

    /// What a report is built from: every attempt counted, each class's boots' counts, the
    /// boots it draws or names and those kept whole.
    pub(crate) fn report_source(&self) -> crate::report::Source {
        let mut classes: BTreeMap<String, BootCounts> = BTreeMap::new();
        for ((class, _, _), c) in &self.boot_counts {
            classes.entry(class.clone()).or_default().merge(c);
        }
        crate::report::Source {
            attempts: self.attempts(None),
            instances: self.instances as usize,
            classes,
            drawn: self.boots.values().cloned().collect(),
            kept: self.kept.clone(),
        }
    }

    /// The inputs the summary was made from, by path as given.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = &InputFile> {
        self.inputs.values()
    }
}

#[cfg(test)]
mod tests;
