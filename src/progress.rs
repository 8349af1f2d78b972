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
    /// Entries the current layer will have, when known in advance (a
    /// repack's changes); 0 when not.
    pub total_entries: AtomicU64,
    /// Stored (compressed) bytes of the current layer, when known (an
    /// unpacked layer's blob size); 0 when not.
    pub total_stored: AtomicU64,
    /// Stored bytes of the current layer read so far.
    pub stored: AtomicU64,
}

/// A snapshot of [`Progress`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Snapshot {
    /// Index (from 1) of the layer being worked on; 0 before the first.
    pub layer: usize,
    /// Number of layers in all.
    pub layers: usize,
    /// Entries handled in the current layer.
    pub entries: u64,
    /// Content bytes handled in the current layer.
    pub bytes: u64,
    /// How much of the current layer is done, from 0 to 1, when its size
    /// is known.
    pub fraction: Option<f64>,
}

impl Progress {
    /// Starts layer `index` (from 1) of `total`.
    pub fn start_layer(&self, index: usize, total: usize) {
        self.layers.store(total, Ordering::Relaxed);
        self.layer.store(index, Ordering::Relaxed);
        self.entries.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.total_entries.store(0, Ordering::Relaxed);
        self.total_stored.store(0, Ordering::Relaxed);
        self.stored.store(0, Ordering::Relaxed);
    }

    /// Says how many entries the current layer will have.
    pub fn expect_entries(&self, total: u64) {
        self.total_entries.store(total, Ordering::Relaxed);
    }

    /// Says how many stored bytes the current layer has.
    pub fn expect_stored(&self, total: u64) {
        self.total_stored.store(total, Ordering::Relaxed);
    }

    /// Counts `n` stored bytes read.
    pub fn stored_read(&self, n: u64) {
        self.stored.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one entry of `bytes` content.
    pub fn entry(&self, bytes: u64) {
        self.entries.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A snapshot of the counters.
    pub fn read(&self) -> Snapshot {
        let entries = self.entries.load(Ordering::Relaxed);
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let fraction = match (load(&self.total_entries), load(&self.total_stored)) {
            (0, 0) => None,
            (0, stored) => Some(load(&self.stored) as f64 / stored as f64),
            (total, _) => Some(entries as f64 / total as f64),
        };
        Snapshot {
            layer: self.layer.load(Ordering::Relaxed),
            layers: self.layers.load(Ordering::Relaxed),
            entries,
            bytes: load(&self.bytes),
            fraction: fraction.map(|f| f.clamp(0.0, 1.0)),
        }
    }
}

/// A reader that counts what it reads as stored bytes of the current
/// layer (the blob side of an unpack).
pub struct CountingReader<R> {
    inner: R,
    progress: std::sync::Arc<Progress>,
}

impl<R> CountingReader<R> {
    /// Counts what `inner` gives into `progress`.
    pub fn new(inner: R, progress: std::sync::Arc<Progress>) -> Self {
        CountingReader { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.stored_read(n as u64);
        Ok(n)
    }
}
