//! Counters a long operation (a layer unpacked or generated, a gc) bumps as it goes, for a front end to
//! show progress from another thread. Plain atomics: the library decides
//! nothing about terminals.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// How far a layer operation has got.
#[derive(Debug, Default)]
pub struct Progress {
    /// Index (from 1) of the layer being worked on; 0 before the first.
    pub layer: AtomicUsize,
    /// Number of layers in all.
    pub layers: AtomicUsize,
    /// Entries handled in the current layer.
    pub entries: AtomicU64,
    /// Content bytes handled in the current layer.
    pub bytes: AtomicU64,
}

impl Progress {
    /// Starts layer `index` (from 1) of `total`.
    pub fn start_layer(&self, index: usize, total: usize) {
        self.layers.store(total, Ordering::Relaxed);
        self.layer.store(index, Ordering::Relaxed);
        self.entries.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
    }

    /// Counts one entry of `bytes` content.
    pub fn entry(&self, bytes: u64) {
        self.entries.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A snapshot: (layer, layers, entries, bytes).
    pub fn read(&self) -> (usize, usize, u64, u64) {
        (
            self.layer.load(Ordering::Relaxed),
            self.layers.load(Ordering::Relaxed),
            self.entries.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}
