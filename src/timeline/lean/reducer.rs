//! Reducing boots as they are read: what a reduction takes in and keeps ([`Reduce`]), the
//! [`Reducer`] that turns each boot into a lean one, and the [`Fleet`] it ends as, sorted by
//! instance. It stands apart from the lean boot itself, which it only makes and orders.

use super::{Interner, Keep, Kept, LeanBoot, Seen, Selection};
use crate::timeline::fast_hash::FastSet;
use crate::timeline::skim::{Part, Scanned};
use crate::timeline::Boot;

/// What a reduction reads boots into: the selection, and the boots it keeps whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reduce {
    /// Boots outside it are not kept (an instance read is still counted).
    pub(crate) select: Selection,
    /// Boots kept whole.
    pub(crate) keep: Keep,
    /// The lean boots need no phases (and of the milestones only the kernel's start): timeline
    /// lines are then skimmed ([`super::skim`]), not parsed whole. Only with nothing kept whole.
    pub(crate) without_phases: bool,
}

/// How a reduction reads a timeline's lines ([`super::skim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// Whole, as a [`Boot`].
    Whole,
    /// Every field a lean boot keeps (phases' results, sources and wall times read past); a
    /// boot the reduction keeps whole is read again whole.
    Thin,
    /// Without phases and milestones, when the lean boots need none and no boot is kept whole.
    Skim,
}

impl Reduce {
    /// How timeline lines are read for this reduction.
    pub(crate) fn line_read(&self) -> LineRead {
        if !self.without_phases {
            return LineRead::Thin;
        }
        match self.keep.slowest_healthy || self.keep.instance.is_some() {
            true => LineRead::Thin,
            false => LineRead::Skim,
        }
    }
}

/// Boots reduced as they are read (one source's, or assembly's).
#[derive(Debug, Default)]
pub(crate) struct Reducer {
    interner: Interner,
    /// The selected boots, lean.
    pub(crate) boots: Vec<LeanBoot>,
    /// The boots kept whole.
    pub(crate) kept: Kept,
    /// Instance ids read, selected or not, when an instance is selected (to say what there
    /// was when it matches none).
    pub(crate) instances_read: FastSet<String>,
    /// What the boots read were, selected or not.
    pub(crate) seen: Seen,
    select: Selection,
}

impl Reducer {
    /// A reducer for `spec`.
    pub(crate) fn new(spec: &Reduce) -> Self {
        Self {
            kept: Kept::new(spec.keep.clone()),
            select: spec.select.clone(),
            ..Self::default()
        }
    }

    /// Takes in one boot (dropped unless selected).
    pub(crate) fn push(&mut self, b: Boot) {
        self.push_part(Part::whole(b));
    }

    /// Takes in one boot read in part (dropped unless selected), its phases borrowed from its
    /// line where a scan read them so.
    pub(crate) fn push_part(&mut self, part: Part<'_>) {
        let mut b = part.boot;
        b.own_attempt();
        if self.select.instance.is_some() && !self.instances_read.contains(&b.instance) {
            self.instances_read.insert(b.instance.clone());
        }
        self.seen.add(&b);
        self.seen.instance_read |= self.select.instance.as_deref() == Some(&*b.instance);
        if !self.select.keeps(&b) {
            return;
        }
        self.kept.offer(&b);
        let lean = match &part.phases {
            Some(phases) => self.interner.lean_read(&b, phases),
            None => self.interner.lean(&b),
        };
        self.boots.push(lean);
    }

    /// Takes in one boot as a skim scanned it, as [`Reducer::push`] takes in the boot it
    /// stands for (whose attempt is its own), without making that boot; `false` when this
    /// reducer may keep boots whole, or the labels do not read: push the boot then.
    pub(crate) fn push_scanned(&mut self, s: &Scanned<'_>, kernel_secs: Option<f64>) -> bool {
        if self.kept.keeps_any() || s.attempt == 0 {
            return false;
        }
        let Some(labels) = self.interner.labels_text(s.labels) else {
            return false;
        };
        if self.select.instance.is_some() && !self.instances_read.contains(s.instance) {
            self.instances_read.insert(s.instance.to_string());
        }
        let t = s.launched.or(s.zero_wall);
        self.seen.add_at(s.class, t);
        self.seen.instance_read |= self.select.instance.as_deref() == Some(s.instance);
        if self.select.keeps_at(s.instance, s.class, t) {
            let lean = self.interner.lean_scanned(s, labels, kernel_secs);
            self.boots.push(lean);
        }
        true
    }

    /// Whether `b` (selected or not) would be kept whole.
    pub(crate) fn keeps_whole(&self, b: &Boot) -> bool {
        self.select.keeps(b) && self.kept.wants(b)
    }

    /// Gives back what growing its list of boots left unused (once its source is read).
    pub(crate) fn shrink(&mut self) {
        self.boots.shrink_to_fit();
    }

    /// Takes in another reducer's boots.
    pub(crate) fn merge(&mut self, other: Reducer) {
        // Taken over as it is, unless this list was made room in for it.
        if self.boots.is_empty() && self.boots.capacity() < other.boots.len() {
            self.boots = other.boots;
        } else {
            self.boots.extend(other.boots);
        }
        self.kept.merge(other.kept);
        self.instances_read.extend(other.instances_read);
        self.seen.merge(other.seen);
    }
}

/// A fleet reduced: its selected boots, lean and ordered by instance and boot, and the boots
/// kept whole.
#[derive(Debug, Default)]
pub(crate) struct Fleet {
    /// Lean boots ordered by instance and boot number.
    pub(crate) boots: Vec<LeanBoot>,
    /// Boots kept whole ([`Keep`]).
    pub(crate) kept: Vec<Boot>,
    /// What the boots read were, before the selection.
    pub(crate) seen: Seen,
}

impl Fleet {
    /// The fleet of a reducer's boots.
    pub(crate) fn from_reducer(r: Reducer) -> Self {
        let mut boots = r.boots;
        sort_by_instance(&mut boots);
        boots.shrink_to_fit();
        Self {
            boots,
            kept: r.kept.into_boots(),
            seen: r.seen,
        }
    }
}

/// Sorts boots by instance id and boot number, equal ones in their order (as a stable sort
/// does): their keys and positions are sorted, and each boot then moved once into place. A
/// stable sort of the boots themselves moves each of them about log₂ n times and borrows half
/// their size again (128 MB for a million).
fn sort_by_instance(boots: &mut [LeanBoot]) {
    let sorted = boots
        .windows(2)
        .all(|w| (&w[0].instance, w[0].boot) <= (&w[1].instance, w[1].boot));
    if sorted {
        return;
    }
    // An id's first eight bytes as a number order ids as their text does (a shorter id is
    // padded with zeros, which no longer id's byte is below), and most ids differ in them: a
    // comparison of two numbers stands in for most comparisons of the ids' text.
    let mut keys: Vec<(u64, &str, u32, usize)> = boots
        .iter()
        .enumerate()
        .map(|(i, b)| (prefix(&b.instance), &*b.instance, b.boot, i))
        .collect();
    keys.sort_unstable();
    let mut order: Vec<usize> = keys.into_iter().map(|k| k.3).collect();
    // Position k takes the boot at order[k]: follow each cycle, marking a place done (k).
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != k {
            let from = std::mem::replace(&mut order[k], k);
            if from == start {
                break;
            }
            boots.swap(k, from);
            k = from;
        }
    }
}

/// The first eight bytes of `id`, padded with zeros, as a big-endian number.
fn prefix(id: &str) -> u64 {
    let mut head = [0u8; 8];
    let n = id.len().min(8);
    head[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(head)
}

/// The lean boots of whole boots, in their order (tests and the timeline's summary).
pub(crate) fn lean_all(boots: &[Boot]) -> Vec<LeanBoot> {
    let mut i = Interner::default();
    boots
        .iter()
        .map(|b| {
            let mut b = b.clone();
            b.own_attempt();
            i.lean(&b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::boot;
    use super::*;

    #[test]
    fn a_reducer_keeps_the_selected_class_and_its_slowest_healthy_boot_whole() {
        let mut r = Reducer::new(&Reduce {
            select: Selection {
                class: Some("default".into()),
                ..Selection::default()
            },
            keep: Keep {
                slowest_healthy: true,
                ..Keep::default()
            },
            without_phases: false,
        });
        r.push(boot("i-1", "default", 400.0));
        r.push(boot("i-3", "default", 610.0));
        r.push(boot("i-2", "default", 610.0));
        r.push(boot("i-4", "gpu", 900.0));
        let f = Fleet::from_reducer(r);
        let ids: Vec<&str> = f.boots.iter().map(|b| &*b.instance).collect();
        assert_eq!(ids, ["i-1", "i-2", "i-3"]);
        // A tie goes to the first instance id, as the report's choice does.
        let kept: Vec<&str> = f.kept.iter().map(|b| b.instance.as_str()).collect();
        assert_eq!(kept, ["i-2"]);
        // The attempt of a timeline written before attempts is the boot.
        assert_eq!(f.boots[0].attempt, 1);
    }

    #[test]
    fn boots_sort_by_instance_and_boot_with_equal_ones_in_their_order() {
        // Instances out of order, boot numbers too, and the same boot three times (told
        // apart by their classes). Lean boots are compared by these (their NaN timeouts are
        // equal to nothing).
        let mut boots = Vec::new();
        for i in 0..200u32 {
            let mut b = boot(&format!("i-{}", (i * 37) % 23), &format!("c{i}"), 60.0);
            b.boot = 1 + (i as usize * 7) % 3;
            boots.push(b);
        }
        let keys = |boots: &[LeanBoot]| -> Vec<(String, u32, String)> {
            boots
                .iter()
                .map(|b| (b.instance.to_string(), b.boot, b.class.to_string()))
                .collect()
        };
        let mut sorted = lean_all(&boots);
        let mut stable = sorted.clone();
        stable.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
        sort_by_instance(&mut sorted);
        assert_eq!(keys(&sorted), keys(&stable));
        assert_ne!(keys(&lean_all(&boots)), keys(&stable));
        assert_eq!(
            keys(&sorted)[..2],
            [
                ("i-0".into(), 1, "c0".into()),
                ("i-0".into(), 1, "c69".into())
            ]
        );
        sort_by_instance(&mut sorted);
        assert_eq!(keys(&sorted), keys(&stable));
    }

    #[test]
    fn ids_that_share_their_first_eight_bytes_or_are_shorter_sort_as_their_text() {
        let ids = [
            "i-0a9d9983b",
            "i-0a9d9983",
            "i-0a9d998",
            "i-0a9d9983\u{0}",
            "i-0a9d9983a",
            "i-",
            "i-0a9d9984",
            "",
            "i-0a9d9983\u{7f}x",
            "j",
            "i-0a9d9983ab",
        ];
        let boots: Vec<Boot> = (0..ids.len() * 3)
            .map(|k| boot(ids[(k * 7) % ids.len()], &format!("c{k}"), 60.0))
            .collect();
        let mut sorted = lean_all(&boots);
        sort_by_instance(&mut sorted);
        let got: Vec<(String, String)> = sorted
            .iter()
            .map(|b| (b.instance.to_string(), b.class.to_string()))
            .collect();
        let mut want: Vec<(String, String)> = boots
            .iter()
            .map(|b| (b.instance.clone(), b.class.clone()))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want);
        assert_eq!(got[0].0, "");
        assert_eq!(got[3].0, "i-");
    }
}
