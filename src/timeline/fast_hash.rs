//! A fast hash for the sets and maps a fleet's reduction looks boots up in (instance ids,
//! names, label sets, phase names by address): rustc's FxHash (the `rustc-hash` crate), a few
//! multiplies per key and a final rotate that spreads aligned addresses, in place
//! of the standard library's SipHash, which guards against keys chosen to collide and costs
//! several times more. Keys here come from the inputs read, so a crafted input could make
//! its own lookups slow, never wrong. Nothing keyed so is iterated: no output's order
//! depends on the hash.

/// A set hashed with rustc's FxHash.
pub(crate) type FastSet<T> = rustc_hash::FxHashSet<T>;

/// A map hashed with rustc's FxHash.
pub(crate) type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(x: impl Hash) -> u64 {
        rustc_hash::FxBuildHasher.hash_one(x)
    }

    #[test]
    fn equal_keys_hash_equal_and_near_keys_apart() {
        assert_eq!(
            hash(("i-0a9d998302d5aee8a", 1)),
            hash(("i-0a9d998302d5aee8a", 1))
        );
        let ids: FastSet<u64> = (0..1000)
            .map(|i| hash((format!("i-{i:017x}"), 1usize)))
            .collect();
        assert_eq!(ids.len(), 1000);
        assert_ne!(hash(("i-1", 1usize)), hash(("i-1", 2usize)));
        // A key's bytes past a multiple of eight count: ids of 9 bytes that differ last.
        assert_ne!(hash("i-0000001"), hash("i-0000002"));
    }
}
