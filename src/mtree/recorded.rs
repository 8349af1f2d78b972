//! The regular files a manifest records, as a diff asks about them: is
//! this path worth reading for a digest?
//!
//! Kept as a Bloom filter of the paths' 64-bit keys, about 10 bits a file
//! where a set of the keys took 12 to 20 bytes (the largest thing a
//! repack of a tree of millions still held). A filter never says no to a
//! path it holds, so every recorded file is hashed and compared; about
//! one new file in a hundred is hashed for nothing, which costs a read
//! and changes no result.

/// Bits per key, and bits each key sets: a false yes about 1% of the time.
const BITS_PER_KEY: usize = 10;
const PROBES: u64 = 7;

/// Paths' keys, as a Bloom filter.
#[derive(Debug)]
pub struct RecordedFiles {
    words: Vec<u64>,
    /// The number of bits, less one (a power of two).
    mask: u64,
}

impl RecordedFiles {
    /// A filter holding `keys`.
    pub fn from_keys(keys: &[u64]) -> Self {
        let wanted = keys.len().saturating_mul(BITS_PER_KEY).max(64);
        let bits = wanted.checked_next_power_of_two().unwrap_or(1 << 63) as u64;
        let mut filter = RecordedFiles {
            words: vec![0; (bits / 64) as usize],
            mask: bits - 1,
        };
        for &key in keys {
            for bit in filter.bits_of(key) {
                filter.words[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        filter
    }

    /// Whether `key` may be one of the keys: never false for one that is.
    pub fn may_contain(&self, key: u64) -> bool {
        self.bits_of(key)
            .all(|bit| self.words[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }

    /// The bits `key` sets (double hashing of its two halves).
    fn bits_of(&self, key: u64) -> impl Iterator<Item = u64> {
        let (h1, h2) = (key, key.rotate_left(32) | 1);
        let mask = self.mask;
        (0..PROBES).map(move |n| h1.wrapping_add(n.wrapping_mul(h2)) & mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{DefaultHasher, Hasher};

    fn key(n: u64) -> u64 {
        let mut h = DefaultHasher::new();
        h.write_u64(n);
        h.finish()
    }

    #[test]
    fn every_key_held_is_found_and_few_others_are() {
        let held: Vec<u64> = (0..100_000).map(key).collect();
        let filter = RecordedFiles::from_keys(&held);
        assert!(held.iter().all(|&k| filter.may_contain(k)));
        let false_yes = (100_000..200_000)
            .filter(|&n| filter.may_contain(key(n)))
            .count();
        assert!(false_yes < 2_000, "{false_yes} false yeses in 100,000");
    }

    #[test]
    fn an_empty_filter_holds_nothing() {
        let filter = RecordedFiles::from_keys(&[]);
        assert!(!(0..1000).any(|n| filter.may_contain(key(n))));
    }
}
