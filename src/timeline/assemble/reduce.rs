//! Reducing sources into a fleet of lean boots: the boots timeline inputs reduced as they
//! were read, and the boots assembled from the rest, each reduced as assembly hands it over.

use super::{assemble_each, Classes};
use crate::timeline::fragment::SourceBoots;
use crate::timeline::lean::{Fleet, Reduce, Reducer};

/// Reduces digests: the boots their timeline inputs reduced as they were read, and the boots
/// assembled from the rest, each reduced as assembly hands it over. Returns the fleet, the
/// number of instances read when an instance is selected (selected or not), and assembly's
/// notes (for stderr).
pub(crate) fn reduce(
    mut digests: Vec<SourceBoots>,
    policy: &Classes,
    spec: &Reduce,
) -> (Fleet, usize, Vec<String>) {
    let parts: Vec<Reducer> = digests
        .iter_mut()
        .filter_map(|d| d.reduced.take())
        .collect();
    let mut all = Reducer::new(spec);
    // One list of the right size (the largest taken over as it is), each source's freed as
    // it is copied in.
    let total = parts.iter().map(|r| r.boots.len()).sum::<usize>();
    let largest = (0..parts.len()).max_by_key(|&i| parts[i].boots.len());
    let mut parts = parts;
    if let Some(i) = largest {
        all.merge(parts.swap_remove(i));
        all.boots.reserve_exact(total - all.boots.len());
    }
    for r in parts {
        all.merge(r);
    }
    // A boot the shards hold already (a shard beside the raw logs it came from) is one boot.
    // The shards' power-ons are gathered when assembly hands over its first boot, before any
    // is added: reading shards alone needs none of them.
    let mut shards = None;
    let mut repeated = Vec::new();
    // Each boot is reduced as assembly hands it over: whole boots never pile up.
    let mut notes = assemble_each(digests, policy, &mut |b| {
        let shards = shards.get_or_insert_with(|| {
            let mut shards = crate::timeline::dedup::PowerOns::default();
            for b in &all.boots {
                shards.add(&b.instance, b.power_on());
            }
            shards
        });
        if shards.holds(&b.instance, crate::timeline::dedup::boot_power_on(&b)) {
            repeated.push(format!("{} boot {}", b.instance, b.boot));
        } else {
            all.push(b);
        }
    });
    notes.extend(crate::timeline::dedup::read_twice(&repeated));
    let instances = all.instances_read.len();
    (Fleet::from_reducer(all), instances, notes)
}
