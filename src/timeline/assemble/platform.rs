//! The platform's facts sorted by the instance they are about, and each instance's taken off
//! in turn: which instance a workspace-only event is about, decided once for the whole input.
//! It stands alone because it reads only the platform's events, never a boot's fragments.

use std::collections::BTreeMap;

use crate::timeline::fragment::PlatformFact;

/// What the platform said about one instance.
#[derive(Debug, Default)]
pub(super) struct PlatformInfo {
    pub(super) workspace: Option<String>,
    pub(super) facts: Vec<PlatformFact>,
}

/// The platform's facts, each with the instance it is about and sorted by it (last first, so
/// that [`take_platform`] takes each instance's off the end): an event that names only its
/// workspace is about the instance another event names with that workspace
/// (`workspace:<id>` when none does); an event that names neither is about none.
pub(super) fn platform_by_instance(mut facts: Vec<PlatformFact>) -> Vec<PlatformFact> {
    let by_workspace_only = facts
        .iter()
        .any(|f| f.instance.is_none() && f.workspace.is_some());
    let mut ws_to_instance: BTreeMap<String, String> = BTreeMap::new();
    for f in facts.iter().filter(|_| by_workspace_only) {
        if let (Some(i), Some(w)) = (&f.instance, &f.workspace) {
            if !ws_to_instance.contains_key(w) {
                ws_to_instance.insert(w.clone(), i.clone());
            }
        }
    }
    facts.retain_mut(|f| match (&f.instance, &f.workspace) {
        (Some(_), _) => true,
        (None, Some(w)) => {
            let i = ws_to_instance.get(w).cloned();
            f.instance = Some(i.unwrap_or_else(|| format!("workspace:{w}")));
            true
        }
        (None, None) => false,
    });
    // Stable: an instance's facts stay in the order they were read.
    facts.sort_by(|a, b| b.instance.cmp(&a.instance));
    facts
}

/// What the platform said about `instance`: the facts about it at the end of `facts` (sorted
/// by [`platform_by_instance`]) in time order, and the first workspace they name.
pub(super) fn take_platform(facts: &mut Vec<PlatformFact>, instance: &str) -> PlatformInfo {
    let n = facts
        .iter()
        .rev()
        .take_while(|f| f.instance.as_deref() == Some(instance))
        .count();
    let mut facts = facts.split_off(facts.len() - n);
    let workspace = facts.iter().find_map(|f| f.workspace.clone());
    facts.sort_by(|a, b| a.at.total_cmp(&b.at));
    PlatformInfo { workspace, facts }
}
