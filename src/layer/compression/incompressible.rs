//! Which gzip blocks are not worth compressing.
//!
//! A root file system carries a good deal of data that is compressed
//! already (`.gz` documentation, Python wheels, images, `.xz` modules).
//! Deflate cannot shrink it, but libdeflate still searches every position
//! of it for matches, and is at its slowest there: on the bench image the
//! 12% of blocks that look random took 16% of the compression time
//! (about 100 MB/s a core) and saved 0.03% of their bytes. Those blocks
//! are stored instead (deflate's own "stored" blocks, which every reader
//! reads).
//!
//! The test is two steps, both cheap, and decides from the block's bytes
//! alone, so the layer is the same however often it is built:
//!
//! 1. A byte histogram of a sample of the block must look uniform. Most
//!    blocks stop here, at the cost of reading 1/16 of them.
//! 2. zstd, set up to find what deflate finds, must not save 1/64 of the
//!    block (zstd itself keeps each 128 KiB block of its own raw unless
//!    it saves that much, so a finer bar would not be a real one). A
//!    histogram cannot see repeats (the same compressed file twice in a
//!    row, or random bytes copied a few at a time); this can, and zstd is
//!    fast on data that does not compress. It looks as deflate
//!    does: back 32 KiB (deflate's window, so it finds no more than
//!    deflate could use), for matches of 4 bytes and more (Go's deflate,
//!    upstream's, takes none shorter; zstd's fastest settings want 6 and
//!    skip ahead, and missed short repeats that halve a block), through a
//!    hash chain of a position for every byte of the window.
//!
//! Deflate can still find a little more than the probe (3-byte matches,
//! a better literal code): a review's hardest cases were blocks that zlib
//! shrinks by up to 1.5% stored, data that upstream's Go deflate stores
//! too. Every level stores the same blocks. A stored block is 5 bytes a
//! 64 KiB more than its content. On the bench image, 115 of 668 blocks
//! are stored, 86 KB more than zlib's level 6 would make of them.

use zstd::zstd_safe::{CParameter, Strategy};

/// Bytes of each sampled slice, and the stride between slices.
const SLICE: usize = 4096;
const STRIDE: usize = 16 * SLICE;

/// Blocks smaller than this are always compressed: the test costs more
/// than it could save.
const MIN_BLOCK: usize = 64 * 1024;

/// The largest chi-square statistic of a sample's byte counts (255
/// degrees of freedom) taken as uniform. Random bytes give 255 ± 23;
/// compressed formats a few hundred more; text and code tens of
/// thousands. Passing it only earns a block the second, exact step.
const MAX_CHI_SQUARE: u64 = 2048;

/// The probe must save at least 1 byte in this many for the block to be
/// compressed.
const MIN_SAVING: usize = 64;

/// Decides, block by block, whether deflate is worth running. One per
/// thread (it holds a zstd context).
pub struct Probe {
    zstd: zstd::bulk::Compressor<'static>,
    out: Vec<u8>,
}

impl Probe {
    /// A probe, or `None` where zstd cannot be set up (then every block
    /// is compressed).
    pub fn new() -> Option<Probe> {
        let mut zstd = zstd::bulk::Compressor::new(1).ok()?;
        for parameter in [
            CParameter::Strategy(Strategy::ZSTD_greedy),
            CParameter::WindowLog(15),
            CParameter::HashLog(15),
            CParameter::ChainLog(15),
            CParameter::SearchLog(1),
            CParameter::MinMatch(4),
        ] {
            zstd.set_parameter(parameter).ok()?;
        }
        Some(Probe {
            zstd,
            out: Vec::new(),
        })
    }

    /// Whether `block` would not shrink by deflate enough to be worth it.
    pub fn incompressible(&mut self, block: &[u8]) -> bool {
        if block.len() < MIN_BLOCK || !sample_looks_uniform(block) {
            return false;
        }
        let bound = zstd::zstd_safe::compress_bound(block.len());
        if self.out.len() < bound {
            self.out.resize(bound, 0);
        }
        match self.zstd.compress_to_buffer(block, &mut self.out) {
            Ok(size) => size + block.len() / MIN_SAVING > block.len(),
            Err(_) => false,
        }
    }
}

/// Whether the bytes of a sample of `block` (every sixteenth 4 KiB) are
/// about evenly spread over the 256 values.
fn sample_looks_uniform(block: &[u8]) -> bool {
    // Four tables, so that runs of one byte do not serialise the counts.
    let mut counts = [[0u32; 256]; 4];
    let mut n = 0u64;
    for slice in block.chunks(STRIDE).map(|s| &s[..s.len().min(SLICE)]) {
        let mut quads = slice.chunks_exact(4);
        for q in &mut quads {
            counts[0][q[0] as usize] += 1;
            counts[1][q[1] as usize] += 1;
            counts[2][q[2] as usize] += 1;
            counts[3][q[3] as usize] += 1;
        }
        for &b in quads.remainder() {
            counts[0][b as usize] += 1;
        }
        n += slice.len() as u64;
    }
    // chi² = Σ (cᵢ − n/256)² / (n/256) = Σ (256·cᵢ − n)² / (256·n),
    // in integers so that every machine decides alike.
    let sum: u128 = (0..256)
        .map(|v| {
            let c: u64 = counts.iter().map(|t| u64::from(t[v])).sum();
            let d = u128::from((256 * c).abs_diff(n));
            d * d
        })
        .sum();
    sum <= u128::from(MAX_CHI_SQUARE) * 256 * u128::from(n)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Deterministic bytes that no compressor shrinks (xorshift).
    pub(in crate::layer::compression) fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 32) as u8
            })
            .collect()
    }

    #[test]
    fn random_bytes_are_stored() {
        let mut probe = Probe::new().unwrap();
        assert!(probe.incompressible(&noise(1 << 20, 1)));
        // A short last block is always compressed.
        assert!(!probe.incompressible(&noise(MIN_BLOCK - 1, 2)));
    }

    #[test]
    fn text_and_zeros_are_compressed() {
        let mut probe = Probe::new().unwrap();
        let text: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("line {i} of some text\n").into_bytes())
            .take(1 << 20)
            .collect();
        assert!(!probe.incompressible(&text));
        assert!(!probe.incompressible(&vec![0u8; 1 << 20]));
    }

    #[test]
    fn repeats_within_deflates_window_are_compressed() {
        // The same 20 KiB of noise over and over: every byte value is
        // equally common, but deflate halves it and more.
        let unit = noise(20 * 1024, 3);
        let block: Vec<u8> = unit.iter().cycle().take(1 << 20).copied().collect();
        assert!(sample_looks_uniform(&block));
        assert!(!Probe::new().unwrap().incompressible(&block));
    }

    #[test]
    fn short_repeats_of_noise_are_compressed() {
        // Half noise, half copies of 4 to 6 bytes from up to 256 bytes
        // back: the histogram is flat, yet deflate saves a third.
        let source = noise(4 << 20, 5);
        let mut block: Vec<u8> = source[..1024].to_vec();
        let mut next = source[1024..].chunks(8);
        while block.len() < 1 << 20 {
            let pick = next.next().unwrap();
            let len = 4 + usize::from(pick[0] % 3);
            if pick[1] % 2 == 0 {
                block.extend_from_slice(&pick[2..2 + len]);
            } else {
                let back = len + usize::from(pick[2]);
                let at = block.len() - back;
                block.extend_from_within(at..at + len);
            }
        }
        assert!(sample_looks_uniform(&block));
        assert!(!Probe::new().unwrap().incompressible(&block));
    }

    #[test]
    fn repeats_beyond_deflates_window_do_not_count() {
        // Deflate reaches back 32 KiB; 512 KiB of noise twice over is as
        // random to it as 1 MiB of noise.
        let half = noise(512 * 1024, 4);
        let block = [half.clone(), half].concat();
        assert!(Probe::new().unwrap().incompressible(&block));
    }
}
