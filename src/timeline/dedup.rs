//! Counting each boot once when inputs overlap: a source whose bytes repeat an earlier
//! source's gives nothing, and a boot that several timeline shards hold is kept from the
//! first shard that holds it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use super::Digest;
use crate::ingest::SourceReport;
use crate::sources;

/// A source dropped because an earlier one has the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The source dropped.
    pub path: PathBuf,
    /// The earlier source it repeats, which was kept.
    pub kept: PathBuf,
}

/// A boot read from a timeline shard and dropped because an earlier shard held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedBoot {
    /// Instance id.
    pub instance: String,
    /// Boot number within the instance.
    pub boot: usize,
    /// The shard whose copy was dropped.
    pub path: PathBuf,
}

/// Empties the digests of sources whose content repeats an earlier source's, and clears
/// their reports' summaries (their lines were counted once already). Returns the copies.
pub fn drop_copies(digests: &mut [Digest], reports: &mut [SourceReport]) -> Vec<Copy> {
    let keys: Vec<_> = reports.iter().map(|r| r.content).collect();
    let mut copies = Vec::new();
    for (i, kept) in sources::repeats(&keys).into_iter().enumerate() {
        let Some(kept) = kept else { continue };
        digests[i] = Digest::default();
        reports[i].summary = None;
        copies.push(Copy {
            path: reports[i].path.clone(),
            kept: reports[kept].path.clone(),
        });
    }
    copies
}

/// Keeps each (instance, boot) read from timeline shards once, from the first shard in
/// input order that holds it. Returns the boots dropped.
pub fn drop_repeated_boots(digests: &mut [Digest], paths: &[PathBuf]) -> Vec<RepeatedBoot> {
    // Keyed by a shared id: a lean boot's costs no copy.
    let mut seen: HashSet<(Arc<str>, usize)> = HashSet::new();
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
