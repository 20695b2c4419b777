//! Shared text for the names and descriptions that every boot repeats.
//!
//! A fleet's logs hold the same few hundred event names and descriptions over and over
//! (`modules-final/config-scripts_user`, `running config-scripts_user with frequency once`):
//! one shared copy each, rather than one allocation per event, is what keeps reading a large
//! log cheap. The cache is a fixed table per thread, so its memory stays bounded whatever the
//! input; a string that misses (a collision, or text too long to be worth keeping) is simply
//! allocated, so the result never depends on what the cache holds.

use std::cell::RefCell;
use std::sync::Arc;

/// Table slots per thread (a power of two).
const SLOTS: usize = 4096;

/// Longer text is allocated as is: it is rarely repeated.
const MAX_LEN: usize = 256;

thread_local! {
    static TABLE: RefCell<Vec<Option<Arc<str>>>> = const { RefCell::new(Vec::new()) };
}

/// `text` as a shared string: the copy already made on this thread when there is one.
pub fn shared(text: &str) -> Arc<str> {
    if text.len() > MAX_LEN {
        return Arc::from(text);
    }
    TABLE.with(|table| {
        let Ok(mut table) = table.try_borrow_mut() else {
            return Arc::from(text);
        };
        if table.is_empty() {
            table.resize(SLOTS, None);
        }
        let slot = &mut table[slot_of(text.as_bytes())];
        match slot {
            Some(kept) if **kept == *text => Arc::clone(kept),
            _ => {
                let fresh: Arc<str> = Arc::from(text);
                *slot = Some(Arc::clone(&fresh));
                fresh
            }
        }
    })
}

/// The table slot of `bytes`: a multiplicative hash over 8-byte words.
fn slot_of(bytes: &[u8]) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let word = |w: &[u8]| u64::from_le_bytes(w.try_into().expect("8 bytes"));
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = (h.rotate_left(5) ^ word(w)).wrapping_mul(K);
    }
    if !words.remainder().is_empty() {
        // The last 8 bytes (overlapping the words above), or the few there are.
        let last = if bytes.len() >= 8 {
            word(&bytes[bytes.len() - 8..])
        } else {
            bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
        };
        h = (h.rotate_left(5) ^ last).wrapping_mul(K);
    }
    (h >> 32) as usize & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_text_is_one_copy_and_equal_text_is_equal() {
        let a = shared("modules-final/config-scripts_user");
        let b = shared(&String::from("modules-final/config-scripts_user"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "modules-final/config-scripts_user");
        let c = shared("init-local");
        assert_eq!(&*c, "init-local");
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn long_text_and_colliding_text_still_come_back_whole() {
        let long = "x".repeat(MAX_LEN + 1);
        assert_eq!(&*shared(&long), long.as_str());
        // Many distinct strings: some share a slot and evict each other; each still comes
        // back exactly.
        for k in 0..(SLOTS * 2) {
            let s = format!("stage/module-{k}");
            assert_eq!(&*shared(&s), s.as_str());
        }
        assert_eq!(&*shared(""), "");
    }
}
