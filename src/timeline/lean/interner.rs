//! The interner that makes lean boots: one shared copy of each name, label set and phase
//! shape a fleet repeats, so a million boots hold a few thousand strings. It stands alone as
//! the one place a [`LeanBoot`] is made from a whole boot, a read line or a skimmed one.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::{LeanBoot, LeanPhases, Shape};
use crate::timeline::fast_hash::{FastMap, FastSet};
use crate::timeline::skim::{PhaseRef, Scanned};
use crate::timeline::{Boot, Labels, Name};

/// Hands out one shared copy of each name and label set it has seen.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    names: FastSet<Name>,
    labels: FastSet<Labels>,
    /// Label sets by the text of a skimmed line's labels object (at most
    /// [`LABEL_TEXTS_MAX`]): a line's labels are shared without being read into a map.
    label_texts: FastMap<Box<[u8]>, Labels>,
    /// Shapes by a hash of their names and depths.
    shapes: FastMap<u64, Vec<Shape>>,
    /// The last workspace id (unique to an attempt, shared by its boots).
    last_workspace: Option<Name>,
    /// The last instance id: an instance's boots come together, and ids are seldom shared
    /// otherwise, so they are not kept in the set.
    last_instance: Option<Name>,
}

impl Interner {
    /// The shared copy of `s`.
    pub(crate) fn name(&mut self, s: &str) -> Name {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n: Name = Arc::from(s);
        self.names.insert(n.clone());
        n
    }

    fn instance(&mut self, s: &str) -> Name {
        recent(&mut self.last_instance, s)
    }

    /// The shared labels of a skimmed line's labels object's text (`None`: no labels);
    /// `None` when the text is no object of plain strings.
    pub(super) fn labels_text(&mut self, text: Option<&[u8]>) -> Option<Labels> {
        let Some(text) = text else {
            return Some(self.labels(&BTreeMap::new()));
        };
        if let Some(l) = self.label_texts.get(text) {
            return Some(l.clone());
        }
        let l = self.labels(&super::skim::labels_of(text)?);
        if self.label_texts.len() < LABEL_TEXTS_MAX {
            self.label_texts.insert(text.into(), l.clone());
        }
        Some(l)
    }

    /// The lean form of the boot a skim scanned (as [`Interner::lean`] of the boot it stands
    /// for: no phases, the kernel's start at `kernel_secs`), its labels `labels`.
    pub(super) fn lean_scanned(
        &mut self,
        s: &Scanned<'_>,
        labels: Labels,
        kernel_secs: Option<f64>,
    ) -> LeanBoot {
        LeanBoot {
            instance: self.instance(s.instance),
            workspace: s.workspace.map(|w| recent(&mut self.last_workspace, w)),
            class: self.name(s.class),
            template: s.template.map(|t| self.name(t)),
            labels,
            end: self.name(s.end),
            boot: s.boot as u32,
            attempt: s.attempt as u32,
            zero: s.zero,
            outcome: s.outcome,
            attempt_outcome: s.attempt_outcome,
            latency: s.latency,
            attempt_latency: s.attempt_latency,
            attempt_flip_secs: s.attempt_flip_secs,
            attempt_timeouts: [s.attempt_stated_timeout_secs, s.attempt_failed_timeout_secs]
                .map(|t| t.map_or(f32::NAN, |t| t as f32)),
            timeout_secs: s.timeout_secs,
            stuck_threshold_secs: s.stuck_threshold_secs,
            zero_wall: s.zero_wall,
            observed_secs: s.observed_secs,
            kernel_secs,
            evidence: s.evidence.clone().map(Box::new),
            phases: LeanPhases {
                shape: self.shape(std::iter::empty::<(&str, usize)>()),
                times: Box::new([]),
            },
        }
    }

    /// The shared phase names and depths of `phases` (each a name and depth), in order: a
    /// name is copied only on its first sight.
    fn shape<'n>(
        &mut self,
        phases: impl ExactSizeIterator<Item = (&'n str, usize)> + Clone,
    ) -> Shape {
        // A key of the shapes' map only (never iterated): FxHash, not SipHash.
        let mut h = rustc_hash::FxHasher::default();
        for (name, depth) in phases.clone() {
            (name, depth.min(255)).hash(&mut h);
        }
        let key = h.finish();
        let found = self.shapes.get(&key).into_iter().flatten().find(|s| {
            s.len() == phases.len()
                && s.iter().zip(phases.clone()).all(|((n, d), (name, depth))| {
                    **n == *name && usize::from(*d) == depth.min(255)
                })
        });
        if let Some(s) = found {
            return s.clone();
        }
        let shape: Shape = phases
            .map(|(name, depth)| (self.name(name), depth.min(255) as u8))
            .collect();
        self.shapes.entry(key).or_default().push(shape.clone());
        shape
    }

    pub(crate) fn labels(&mut self, l: &BTreeMap<String, String>) -> Labels {
        if let Some(x) = self.labels.get(l) {
            return x.clone();
        }
        let x = Arc::new(l.clone());
        self.labels.insert(x.clone());
        x
    }

    /// The lean form of `b`.
    pub(crate) fn lean(&mut self, b: &Boot) -> LeanBoot {
        let phases = LeanPhases {
            shape: self.shape(b.phases.iter().map(|p| (p.name.as_str(), p.depth))),
            times: b
                .phases
                .iter()
                .map(|p| times_of(p.start_secs, p.end_secs))
                .collect(),
        };
        self.lean_with(b, phases)
    }

    /// The lean form of `b`, whose phases are `phases` (a thin read's, borrowed from its line).
    pub(crate) fn lean_read(&mut self, b: &Boot, phases: &[PhaseRef<'_>]) -> LeanBoot {
        let phases = LeanPhases {
            shape: self.shape(phases.iter().map(|p| (p.name, p.depth))),
            times: phases
                .iter()
                .map(|p| times_of(p.start_secs, p.end_secs))
                .collect(),
        };
        self.lean_with(b, phases)
    }

    /// The lean form of `b` with `phases`.
    fn lean_with(&mut self, b: &Boot, phases: LeanPhases) -> LeanBoot {
        LeanBoot {
            instance: self.instance(&b.instance),
            workspace: b
                .workspace
                .as_deref()
                .map(|w| recent(&mut self.last_workspace, w)),
            class: self.name(&b.class),
            template: b.template.as_deref().map(|t| self.name(t)),
            labels: self.labels(&b.labels),
            end: self.name(&b.end),
            boot: b.boot as u32,
            attempt: b.attempt as u32,
            zero: b.zero,
            outcome: b.outcome,
            attempt_outcome: b.attempt_outcome,
            latency: b.latency,
            attempt_latency: b.attempt_latency,
            attempt_flip_secs: b.attempt_flip_secs,
            attempt_timeouts: [b.attempt_stated_timeout_secs, b.attempt_failed_timeout_secs]
                .map(|t| t.map_or(f32::NAN, |t| t as f32)),
            timeout_secs: b.timeout_secs,
            stuck_threshold_secs: b.stuck_threshold_secs,
            zero_wall: b.zero_wall,
            observed_secs: b.observed_secs,
            kernel_secs: b
                .milestones
                .iter()
                .find(|m| m.name == "kernel_start")
                .map(|m| m.at_secs),
            evidence: b.evidence.clone().map(Box::new),
            phases,
        }
    }
}

/// The most label texts an interner remembers: a fleet has a few label sets; one whose labels
/// differ on every boot is read into maps past this many.
const LABEL_TEXTS_MAX: usize = 4096;

/// A phase's start and end as a lean boot keeps them (`NaN`: still running).
fn times_of(start_secs: f64, end_secs: Option<f64>) -> [f32; 2] {
    [start_secs as f32, end_secs.map_or(f32::NAN, |e| e as f32)]
}

/// The shared copy of `s` when it repeats the last one, else a new one that becomes the last.
fn recent(last: &mut Option<Name>, s: &str) -> Name {
    match last {
        Some(n) if &**n == s => n.clone(),
        _ => {
            let n: Name = Arc::from(s);
            *last = Some(n.clone());
            n
        }
    }
}
