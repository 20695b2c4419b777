//! A fast hash for the sets and maps a fleet's reduction looks boots up in (instance ids,
//! names, label sets): rustc's FxHash, a rotate, xor and multiply per eight bytes, in place
//! of the standard library's SipHash, which guards against keys chosen to collide and costs
//! several times more. Keys here come from the inputs read, so a crafted input could make
//! its own lookups slow, never wrong. Nothing keyed so is iterated: no output's order
//! depends on the hash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A set hashed with [`FxHasher`].
pub(crate) type FastSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

/// A map hashed with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// rustc's FxHash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

/// FxHash's multiplier (from Firefox's hash, as rustc uses it).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(x: impl Hash) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(x)
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
