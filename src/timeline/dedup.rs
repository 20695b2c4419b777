//! Counting each boot once when inputs overlap: a source whose bytes repeat an earlier
//! source's gives nothing, and a boot that several timeline shards hold is kept from the
//! first shard that holds it.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;

use super::fragment::PlatformFact;
use super::identity::IdentitySource;
use super::machine::SAME_MACHINE_SECS;
use super::{Boot, SourceBoots, Zero};
use crate::event::PlatformAction;
use crate::sources;

/// What finding copies needs of the report of reading a source (implemented by
/// `ingest::SourceReport`): its path, the size and digest of its bytes, and a way to forget
/// its line counts.
pub(crate) trait SourceRead {
    /// The path as given.
    fn path(&self) -> &PathBuf;
    /// Size and digest of its bytes, when its content was compared.
    fn content(&self) -> (Option<u64>, Option<u128>);
    /// Forgets what reading it counted (its lines were counted once already).
    fn forget_summary(&mut self);
}

/// A source dropped because an earlier one has the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepeatedSource {
    /// The source dropped.
    pub(crate) path: PathBuf,
    /// The earlier source it repeats, which was kept.
    pub(crate) kept: PathBuf,
}

/// A boot read from a timeline shard and dropped because an earlier shard held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepeatedBoot {
    /// Instance id.
    pub(crate) instance: String,
    /// Boot number within the instance.
    pub(crate) boot: usize,
    /// The shard whose copy was dropped.
    pub(crate) path: PathBuf,
}

/// The machines a source speaks of, when its identity is decided by evidence (an id, an
/// instance folder, the wall clock); `None` when it names none (each file its own).
fn machines_of(d: &SourceBoots) -> Option<BTreeSet<&str>> {
    let named = d
        .fragments
        .iter()
        .all(|f| f.identity.is_some_and(|i| i != IdentitySource::File));
    (named && !d.fragments.is_empty())
        .then(|| d.fragments.iter().map(|f| f.instance.as_str()).collect())
}

/// For each source, the earlier source it is a copy of: the same bytes saying the same thing
/// about the same machine. Equal files in two instance folders are two machines' files, not
/// copies; a file that names no machine repeats any earlier one with its bytes.
fn copies_of(digests: &[SourceBoots], reports: &[impl SourceRead]) -> Vec<Option<usize>> {
    let keys: Vec<_> = reports.iter().map(|r| r.content()).collect();
    let same_bytes = sources::repeats(&keys);
    let mut kept: Vec<Option<usize>> = vec![None; digests.len()];
    for (i, first) in same_bytes.into_iter().enumerate() {
        let Some(first) = first else { continue };
        let mine = machines_of(&digests[i]);
        kept[i] = (0..i)
            .filter(|&j| j == first || keys[j] == keys[i])
            .filter(|&j| kept[j].is_none())
            .find(|&j| match (&mine, machines_of(&digests[j])) {
                (Some(a), Some(b)) => *a == b,
                _ => true,
            });
    }
    kept
}

/// Empties the digests of sources whose content repeats an earlier source's about the same
/// machine, and clears their reports' summaries (their lines were counted once already).
/// Returns the copies.
pub(crate) fn drop_copies(
    digests: &mut [SourceBoots],
    reports: &mut [impl SourceRead],
) -> Vec<RepeatedSource> {
    let mut copies = Vec::new();
    for (i, kept) in copies_of(digests, reports).into_iter().enumerate() {
        let Some(kept) = kept else { continue };
        digests[i] = SourceBoots::default();
        reports[i].forget_summary();
        copies.push(RepeatedSource {
            path: reports[i].path().clone(),
            kept: reports[kept].path().clone(),
        });
    }
    copies
}

/// Keeps each (instance, boot) read from timeline shards once, from the first shard in
/// input order that holds it. Returns the boots dropped.
pub(crate) fn drop_repeated_boots(
    digests: &mut [SourceBoots],
    paths: &[PathBuf],
) -> Vec<RepeatedBoot> {
    // Keyed by a shared id: a lean boot's costs no copy.
    let mut seen: super::fast_hash::FastSet<(Arc<str>, usize)> = Default::default();
    // Made at its size once, not grown (and every id hashed again) as it fills.
    let reduced = |d: &SourceBoots| d.reduced.as_ref().map_or(0, |r| r.boots.len());
    seen.reserve(digests.iter().map(|d| d.boots.len() + reduced(d)).sum());
    let mut repeated = Vec::new();
    for (d, path) in digests.iter_mut().zip(paths) {
        let mut fresh = |instance: Arc<str>, boot: usize| {
            let fresh = seen.insert((instance.clone(), boot));
            if !fresh {
                repeated.push(RepeatedBoot {
                    instance: instance.to_string(),
                    boot,
                    path: path.clone(),
                });
            }
            fresh
        };
        d.boots
            .retain(|b| fresh(Arc::from(b.instance.as_str()), b.boot));
        if let Some(r) = &mut d.reduced {
            r.boots
                .retain(|b| fresh(b.instance.clone(), b.boot as usize));
        }
    }
    repeated
}

/// Platform events of one source that repeat events already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepeatedEvents {
    /// The source.
    pub(crate) path: PathBuf,
    /// How many of its events were repeats.
    pub(crate) events: usize,
}

/// What identifies a platform event: what it says (kind, time to the millisecond, instance,
/// workspace, and its own id when it carries one), not which file carried it.
type EventKey = (
    PlatformAction,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn event_key(f: &PlatformFact) -> EventKey {
    let id = ["event_id", "id"]
        .iter()
        .find_map(|k| f.labels.get(*k))
        .cloned();
    let ms = (f.at * 1e3).round() as i64;
    (f.action, ms, f.instance.clone(), f.workspace.clone(), id)
}

/// Keeps each platform event once, from the first source in input order that holds it: the
/// same export on stdin and as a file, a gzip or CRLF or reordered copy, two exports that
/// overlap. Returns, per source, how many of its events were repeats.
pub(crate) fn drop_repeated_events(
    digests: &mut [SourceBoots],
    paths: &[PathBuf],
) -> Vec<RepeatedEvents> {
    let mut seen: HashSet<EventKey> = HashSet::new();
    let mut repeated = Vec::new();
    for (d, path) in digests.iter_mut().zip(paths) {
        let before = d.platform.len();
        d.platform.retain(|f| seen.insert(event_key(f)));
        if d.platform.len() < before {
            repeated.push(RepeatedEvents {
                path: path.clone(),
                events: before - d.platform.len(),
            });
        }
    }
    repeated
}

/// When a boot powered on, epoch seconds: its kernel's start on the wall clock (the launch,
/// for a boot seen only in platform events); `None` when its times have no wall clock.
pub(crate) fn power_on(
    zero: Zero,
    zero_wall: Option<DateTime<Utc>>,
    kernel_secs: Option<f64>,
) -> Option<f64> {
    let wall = zero_wall.filter(|_| zero != Zero::FirstSeen)?;
    Some(wall.timestamp_millis() as f64 / 1e3 + kernel_secs.unwrap_or(0.0))
}

/// [`power_on`] of a whole boot.
pub(crate) fn boot_power_on(b: &Boot) -> Option<f64> {
    let kernel = b
        .milestones
        .iter()
        .find(|m| m.name == "kernel_start")
        .map(|m| m.at_secs);
    power_on(b.zero, b.zero_wall, kernel)
}

/// The power-ons of boots already read, by instance: a boot is identified by its instance and
/// its power-on, whichever source carries it.
#[derive(Debug, Default)]
pub(crate) struct PowerOns {
    by_instance: super::fast_hash::FastMap<String, Vec<f64>>,
}

impl PowerOns {
    /// Notes a boot read.
    pub(crate) fn add(&mut self, instance: &str, at: Option<f64>) {
        if let Some(at) = at {
            self.by_instance
                .entry(instance.to_string())
                .or_default()
                .push(at);
        }
    }

    /// Whether a boot of `instance` that powered on at `at` was read already (kernel starts
    /// within [`SAME_MACHINE_SECS`]).
    pub(crate) fn holds(&self, instance: &str, at: Option<f64>) -> bool {
        let (Some(at), Some(seen)) = (at, self.by_instance.get(instance)) else {
            return false;
        };
        seen.iter().any(|s| (s - at).abs() < SAME_MACHINE_SECS)
    }
}

/// The line that names boots read both from timeline shards and from the raw logs they came
/// from, when there are any.
pub(crate) fn read_twice(boots: &[String]) -> Option<String> {
    (!boots.is_empty()).then(|| {
        format!(
            "{} read both from a timeline shard and from raw logs, counted once: {}",
            crate::render::numbers::count(boots.len(), "boot"),
            crate::render::name_list(boots)
        )
    })
}
