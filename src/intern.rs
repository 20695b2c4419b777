//! Shared text for the names and descriptions that every boot repeats.
//!
//! A fleet's logs hold the same few hundred event names and descriptions over and over
//! (`modules-final/config-scripts_user`, `running config-scripts_user with frequency once`).
//! Each is kept once, for the life of the process, and handed out as a `&'static str`: no
//! allocation, reference count or free per event, which is what keeps reading a large log
//! cheap. What is kept is bounded per thread (a fixed table, and at most [`MAX_KEPT_BYTES`]),
//! so memory does not grow with the input; text that is not kept (a table collision, the bound
//! reached, or text too long to be worth keeping) is simply owned, so a result never depends on
//! what the table holds.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

/// Text that is either kept for the life of the process or owned.
pub(crate) type Text = Cow<'static, str>;

/// Table slots per thread (a power of two).
const SLOTS: usize = 4096;

/// Longer text is owned as is: it is rarely repeated.
const MAX_LEN: usize = 256;

/// Bytes kept per thread, at most; past this, new text is owned.
pub(crate) const MAX_KEPT_BYTES: usize = 1 << 20;

struct Table {
    slots: Vec<Option<&'static str>>,
    kept_bytes: usize,
}

thread_local! {
    static TABLE: RefCell<Table> = const {
        RefCell::new(Table {
            slots: Vec::new(),
            kept_bytes: 0,
        })
    };
}

/// `text` as shared text: the copy already kept on this thread when there is one.
pub(crate) fn shared(text: &str) -> Text {
    match kept(text) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(text.to_string()),
    }
}

/// Two parts of `text` (byte ranges on character boundaries) as shared text, with one lookup
/// of the whole: a name and a description that always come together cost one.
pub(crate) fn shared_parts(text: &str, a: Range<usize>, b: Range<usize>) -> (Text, Text) {
    match kept(text) {
        Some(k) => (Cow::Borrowed(&k[a]), Cow::Borrowed(&k[b])),
        None => (
            Cow::Owned(text[a].to_string()),
            Cow::Owned(text[b].to_string()),
        ),
    }
}

/// Whether two texts are equal: by address first, as kept copies of the same text are one.
pub(crate) fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The kept copy of `text`, keeping it now if its slot is free and the bound allows.
fn kept(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        return Some("");
    }
    if text.len() > MAX_LEN {
        return None;
    }
    TABLE.with(|table| {
        let mut table = table.try_borrow_mut().ok()?;
        if table.slots.is_empty() {
            table.slots.resize(SLOTS, None);
        }
        // Two slots per text, side by side in one cache line: a collision in the first
        // rarely repeats in the second.
        let first = slot_of(text.as_bytes());
        for slot in [first, first ^ 1] {
            match table.slots[slot] {
                Some(kept) if kept == text => return Some(kept),
                // A slot, once taken, keeps its text: replacing it would leave the old copy
                // kept but unreachable, and memory would grow with the input.
                Some(_) => continue,
                None if table.kept_bytes + text.len() > MAX_KEPT_BYTES => return None,
                None => {
                    let kept: &'static str = Box::leak(text.to_string().into_boxed_str());
                    table.kept_bytes += kept.len();
                    table.slots[slot] = Some(kept);
                    return Some(kept);
                }
            }
        }
        None
    })
}

/// The table slot of `bytes`: a multiplicative hash of the length, the first 32 bytes and the
/// last 8. A constant amount of work whatever the length; texts that agree on all of those (rare
/// in a fleet's vocabulary, where names differ early) merely share a slot.
fn slot_of(bytes: &[u8]) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let mut h = (n as u64).wrapping_mul(K);
    if n < 8 {
        let small = bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b));
        h = (h ^ small).wrapping_mul(K);
    } else {
        // Two independent lanes over the head, so the multiplies overlap.
        let (mut a, mut b) = (word(0), word(n - 8));
        if n >= 16 {
            a = (a ^ word(8).rotate_left(29)).wrapping_mul(K);
        }
        if n >= 32 {
            b = (b ^ word(16)).wrapping_mul(K) ^ word(24).rotate_left(17);
        } else if n >= 24 {
            b ^= word(16).rotate_left(41);
        }
        h = (h ^ a).wrapping_mul(K) ^ b.wrapping_mul(K).rotate_left(23);
    }
    (h >> 32) as usize & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_text_is_one_kept_copy() {
        let a = shared("modules-final/config-scripts_user");
        let b = shared(&String::from("modules-final/config-scripts_user"));
        match (&a, &b) {
            (Cow::Borrowed(x), Cow::Borrowed(y)) => assert!(std::ptr::eq(*x, *y)),
            other => panic!("expected kept copies, got {other:?}"),
        }
        assert_eq!(shared("init-local"), "init-local");
        let whole = "init-local/check-cache: attempting to read from cache [check]";
        let (n, d) = shared_parts(whole, 0..22, 24..whole.len());
        assert_eq!(
            (n.as_ref(), d.as_ref()),
            (
                "init-local/check-cache",
                "attempting to read from cache [check]"
            )
        );
        let long = format!("a/b: {}", "z".repeat(MAX_LEN));
        let (n, d) = shared_parts(&long, 0..3, 5..long.len());
        assert!(matches!((&n, &d), (Cow::Owned(_), Cow::Owned(_))));
        assert_eq!((n.as_ref(), d.len()), ("a/b", MAX_LEN));
    }

    #[test]
    fn text_not_kept_still_comes_back_whole_and_the_bound_holds() {
        let long = "x".repeat(MAX_LEN + 1);
        assert!(matches!(shared(&long), Cow::Owned(ref s) if *s == long));
        // Far more distinct strings than slots: collisions are owned, each comes back exactly,
        // and what is kept stays within its bound.
        for k in 0..(SLOTS * 4) {
            let s = format!("stage/module-{k}-{}", "y".repeat(k % 200));
            assert_eq!(shared(&s), s.as_str());
        }
        TABLE.with(|t| {
            let t = t.borrow();
            assert!(t.kept_bytes <= MAX_KEPT_BYTES);
            assert!(t.slots.iter().flatten().count() <= SLOTS);
        });
        assert_eq!(shared(""), "");
    }
}
