//! An instance's fragments split into boots: fragments whose kernel zeros agree are one boot,
//! and sources whose clocks put them more than a day apart are never one. It stands alone as
//! the one rule for where a boot begins and ends, apart from how a boot is then built.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::timeline::fragment::Fragment;

/// Fragments whose kernel zeros lie closer than this are the same boot: the same rule that
/// makes files one machine (a reboot within minutes is another boot).
const SAME_BOOT_SECS: f64 = crate::timeline::machine::SAME_MACHINE_SECS;
/// Sources whose clocks put them further apart than this are never one boot.
const APART_SECS: f64 = 86_400.0;

/// The wall-clock span a fragment observed, when it has one.
fn wall_span(f: &Fragment) -> Option<(f64, f64)> {
    let a = f.first.and_then(|w| f.to_wall(w))?;
    let b = f.last.and_then(|w| f.to_wall(w)).unwrap_or(a);
    Some((a.min(b), a.max(b)))
}

/// Seconds between two wall-clock spans (0 when they overlap).
fn gap_secs(a: (f64, f64), b: (f64, f64)) -> f64 {
    (b.0 - a.1).max(a.0 - b.1).max(0.0)
}

/// Whether `f` may join a boot made of `members`: not when the clocks put it more than a day
/// from any of them. Returns the note that says why not.
fn too_far(f: &Fragment, members: &[Fragment]) -> Option<String> {
    let span = wall_span(f)?;
    members.iter().find_map(|m| {
        let gap = gap_secs(span, wall_span(m)?);
        (gap > APART_SECS).then(|| {
            format!(
                "{} and {} are {:.0} days apart by their clocks: not one boot of {}",
                f.source,
                m.source,
                gap / 86_400.0,
                f.instance
            )
        })
    })
}

/// Splits an instance's fragments into boots: fragments whose kernel zeros agree are one boot;
/// fragments with no clock to place them join the first boot.
pub(super) fn group_boots(mut frags: Vec<Fragment>, notes: &mut Vec<String>) -> Vec<Vec<Fragment>> {
    frags.sort_by(|a, b| {
        let ka = a.kernel_zero.unwrap_or(f64::INFINITY);
        let kb = b.kernel_zero.unwrap_or(f64::INFINITY);
        ka.total_cmp(&kb).then_with(|| a.source.cmp(&b.source))
    });
    let mut groups: Vec<(Option<f64>, Vec<Fragment>)> = Vec::new();
    let mut unplaced: Vec<Fragment> = Vec::new();
    for f in frags {
        match f.kernel_zero {
            // Two boots of one source are two boots, however close their clocks say they are
            // (a machine without a hardware clock starts every boot at the same wall time).
            Some(kz) => match groups.last_mut() {
                Some((Some(g), members))
                    if (kz - *g).abs() < SAME_BOOT_SECS
                        && members.iter().all(|m| m.source != f.source) =>
                {
                    members.push(f)
                }
                _ => groups.push((Some(kz), vec![f])),
            },
            None => unplaced.push(f),
        }
    }
    if groups.is_empty() {
        // No clocks: each source's fragments in order are the boots.
        let mut by_source: BTreeMap<Arc<str>, Vec<Fragment>> = BTreeMap::new();
        for f in unplaced {
            by_source.entry(f.source.clone()).or_default().push(f);
        }
        let n = by_source.values().map(Vec::len).max().unwrap_or(0);
        let mut out: Vec<Vec<Fragment>> = vec![Vec::new(); n];
        let mut apart: Vec<Vec<Fragment>> = Vec::new();
        for list in by_source.into_values() {
            for (k, f) in list.into_iter().enumerate() {
                match too_far(&f, &out[k]) {
                    Some(note) => {
                        notes.push(note);
                        apart.push(vec![f]);
                    }
                    None => out[k].push(f),
                }
            }
        }
        out.extend(apart);
        return out;
    }
    // A source without a kernel clock joins the first boot its wall clock is near.
    for f in unplaced {
        match groups.iter().position(|(_, g)| too_far(&f, g).is_none()) {
            Some(k) => groups[k].1.push(f),
            None => {
                notes.extend(too_far(&f, &groups[0].1));
                groups.push((None, vec![f]));
            }
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}
