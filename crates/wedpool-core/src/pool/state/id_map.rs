//! [`IdMap`]: a hash map keyed by the pool's own sequential ids (connection ids, tickets).
//!
//! The keys are the pool's counters, not input from outside, so the default SipHash (built to
//! resist chosen keys) buys nothing; it was a visible part of every lend and return
//! (callgrind). A multiplicative hash spreads sequential ids over the table just as well.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` from the pool's sequential `u64` ids, hashed by multiplication.
pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Hashes one `u64` id by multiplying it with an odd constant (Fibonacci hashing).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::*;

    #[test]
    fn sequential_ids_hash_to_distinct_high_and_low_bits() {
        let build = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (1..=64u64).map(|id| build.hash_one(id)).collect();
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 63).collect();
        let high: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 32, "low bits pick the bucket: {} distinct of 64", low.len());
        assert!(high.len() > 32, "high bits are the control byte: {} distinct of 64", high.len());
    }

    #[test]
    fn a_map_keeps_and_removes_its_entries() {
        let mut map: IdMap<&str> = IdMap::default();
        for id in 0..1000u64 {
            map.insert(id, "lent");
        }
        assert_eq!(map.len(), 1000);
        assert_eq!(map.remove(&500), Some("lent"));
        assert!(!map.contains_key(&500));
        assert_eq!(map.get(&999), Some(&"lent"));
    }
}
