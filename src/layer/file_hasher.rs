//! The content digests of the files extraction writes, kept for the mtree
//! walk, hashed on a thread of their own.
//!
//! Why a thread: extraction's thread is the slowest of an unpack's (it
//! makes every file and pays the kernel's copy of every byte into it),
//! and hashing the content it writes was an eighth of its time. A file
//! of [`THREAD_MIN`] bytes or more has its content handed over in the
//! very buffers it was written from (they come back to be filled again);
//! smaller ones are hashed where they are written, which is cheaper than
//! the messages, and their digests go over in batches. One thread keeps
//! the map, so digests are remembered in the order files were written,
//! whichever way they were hashed.

use std::io;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use sha2::{Digest as _, Sha256};

use super::extract::FileHashes;

/// Files this large are hashed on the thread.
pub const THREAD_MIN: u64 = 64 << 10;
/// Size of the buffers content is read into and handed over in.
pub const BUFFER: usize = 1 << 18;
/// Buffers in flight to the thread.
const DEPTH: usize = 4;
/// Digests of small files sent over at once.
const BATCH: usize = 1024;

/// How many file digests are kept before only big files' are (about
/// 13 MB of map).
const MAX_KNOWN_HASHES: usize = 200_000;
/// Files this large always have their digest kept.
const BIG_FILE: u64 = 1 << 20;

/// A file's inode, size and content digest.
type Known = (u64, u64, [u8; 32]);

enum Work {
    /// Digests of files hashed elsewhere, in the order they were written.
    Known(Vec<Known>),
    /// The next `len` bytes of file number `file`.
    Data { file: u64, buf: Vec<u8>, len: usize },
    /// File number `file` is complete.
    End { file: u64, ino: u64, size: u64 },
}

/// The sending side, held by extraction.
pub struct FileHasher {
    tx: Option<SyncSender<Work>>,
    spare: Receiver<Vec<u8>>,
    batch: Vec<Known>,
    /// Numbers the files streamed over, so that a file abandoned half way
    /// (its write failed) never mixes into the next one's digest.
    file: u64,
    worker: Option<JoinHandle<FileHashes>>,
}

impl Default for FileHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl FileHasher {
    /// Starts the hashing thread.
    pub fn new() -> Self {
        let (tx, rx) = sync_channel::<Work>(DEPTH);
        let (spare_tx, spare) = channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || {
            let mut hashes = Remembered::default();
            let mut current: Option<(u64, Sha256)> = None;
            for work in rx {
                match work {
                    Work::Known(batch) => {
                        for (ino, size, sha256) in batch {
                            hashes.remember(ino, size, sha256);
                        }
                    }
                    Work::Data { file, buf, len } => {
                        let hasher = match &mut current {
                            Some((n, hasher)) if *n == file => hasher,
                            _ => &mut current.insert((file, Sha256::new())).1,
                        };
                        hasher.update(&buf[..len]);
                        // Extraction may be gone already.
                        let _ = spare_tx.send(buf);
                    }
                    Work::End { file, ino, size } => match current.take() {
                        Some((n, hasher)) if n == file => {
                            hashes.remember(ino, size, hasher.finalize().into())
                        }
                        _ => {}
                    },
                }
            }
            hashes.0
        });
        FileHasher {
            tx: Some(tx),
            spare,
            batch: Vec::new(),
            file: 0,
            worker: Some(worker),
        }
    }

    /// Remembers the digest of a file hashed where it was written.
    pub fn known(&mut self, ino: u64, size: u64, sha256: [u8; 32]) -> io::Result<()> {
        self.batch.push((ino, size, sha256));
        if self.batch.len() >= BATCH {
            self.send_batch()?;
        }
        Ok(())
    }

    /// Starts a file whose content goes to the thread: its number, for
    /// [`FileHasher::data`] and [`FileHasher::end`].
    pub fn start(&mut self) -> io::Result<u64> {
        // What was remembered before must be remembered first.
        self.send_batch()?;
        self.file += 1;
        Ok(self.file)
    }

    /// A buffer of [`BUFFER`] bytes to read content into.
    pub fn buffer(&self) -> Vec<u8> {
        self.spare.try_recv().unwrap_or_else(|_| vec![0u8; BUFFER])
    }

    /// Hands over the first `len` bytes of `buf`, the next of file `file`.
    pub fn data(&mut self, file: u64, buf: Vec<u8>, len: usize) -> io::Result<()> {
        self.send(Work::Data { file, buf, len })
    }

    /// File `file` is complete: it is inode `ino` of `size` bytes.
    pub fn end(&mut self, file: u64, ino: u64, size: u64) -> io::Result<()> {
        self.send(Work::End { file, ino, size })
    }

    /// Waits for the thread and returns every digest it kept.
    pub fn finish(mut self) -> io::Result<FileHashes> {
        self.send_batch()?;
        self.tx = None;
        let worker = self.worker.take().expect("joined only here");
        worker
            .join()
            .map_err(|_| io::Error::other("file hashing thread panicked"))
    }

    fn send_batch(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.send(Work::Known(batch))
    }

    fn send(&mut self, work: Work) -> io::Result<()> {
        let tx = self.tx.as_ref().expect("present until finish");
        tx.send(work)
            .map_err(|_| io::Error::other("file hashing thread stopped"))
    }
}

impl Drop for FileHasher {
    fn drop(&mut self) {
        // An extraction that failed: let the thread end, and wait for it.
        self.tx = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The digests kept, and the policy for which.
#[derive(Default)]
struct Remembered(FileHashes);

impl Remembered {
    /// Past a cap only big files are worth the memory: small ones are
    /// cheap to read again, and a layer of millions of them must not grow
    /// the map without bound. A file not kept drops what an earlier file
    /// of the same inode left, so a reused inode never lends its digest.
    /// Empty files the walk never reads.
    fn remember(&mut self, ino: u64, size: u64, sha256: [u8; 32]) {
        if size > 0 && (self.0.len() < MAX_KNOWN_HASHES || size >= BIG_FILE) {
            self.0.insert(ino, (size, sha256));
        } else {
            self.0.remove(&ino);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    #[test]
    fn streamed_and_known_files_are_remembered_in_order() {
        let mut hasher = FileHasher::new();
        hasher.known(1, 3, digest(b"one")).unwrap();
        let big: Vec<u8> = (0..BUFFER * 2 + 5).map(|i| (i % 251) as u8).collect();
        let file = hasher.start().unwrap();
        for part in big.chunks(BUFFER) {
            let mut buf = hasher.buffer();
            buf[..part.len()].copy_from_slice(part);
            hasher.data(file, buf, part.len()).unwrap();
        }
        hasher.end(file, 2, big.len() as u64).unwrap();
        // Inode 1 again, a later file: the later digest wins.
        hasher.known(1, 3, digest(b"two")).unwrap();
        // Inode 3 now empty: nothing kept for it.
        hasher.known(3, 0, digest(b"")).unwrap();
        let hashes = hasher.finish().unwrap();
        assert_eq!(hashes.get(&1), Some(&(3, digest(b"two"))));
        assert_eq!(hashes.get(&2), Some(&(big.len() as u64, digest(&big))));
        assert_eq!(hashes.len(), 2);
    }

    #[test]
    fn an_abandoned_file_does_not_spill_into_the_next() {
        let mut hasher = FileHasher::new();
        let abandoned = hasher.start().unwrap();
        let mut buf = hasher.buffer();
        buf[..4].copy_from_slice(b"junk");
        hasher.data(abandoned, buf, 4).unwrap();
        let file = hasher.start().unwrap();
        let mut buf = hasher.buffer();
        buf[..5].copy_from_slice(b"hello");
        hasher.data(file, buf, 5).unwrap();
        hasher.end(file, 7, 5).unwrap();
        let hashes = hasher.finish().unwrap();
        assert_eq!(hashes.get(&7), Some(&(5, digest(b"hello"))));
        assert_eq!(hashes.len(), 1);
    }

    #[test]
    fn past_the_cap_small_files_are_dropped_and_their_inodes_forgotten() {
        let mut kept = Remembered::default();
        for ino in 0..MAX_KNOWN_HASHES as u64 {
            kept.remember(ino, 1, [0; 32]);
        }
        kept.remember(5, 1, [1; 32]);
        assert!(
            !kept.0.contains_key(&5),
            "a reused inode keeps a stale digest"
        );
        kept.remember(u64::MAX, BIG_FILE, [2; 32]);
        assert_eq!(kept.0.get(&u64::MAX), Some(&(BIG_FILE, [2; 32])));
    }
}
