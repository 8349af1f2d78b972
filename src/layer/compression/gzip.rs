//! Parallel gzip: the stream is cut into fixed 1 MiB blocks, each
//! compressed by libdeflate on one of several threads into a gzip member
//! of its own, and the members are written in order.
//!
//! Why members rather than one deflate stream: libdeflate compresses
//! about twice as fast as zlib for the same size (on the bench image,
//! level 6 of zlib gives 329 MB at 65 MB/s a core, level 3 of libdeflate
//! 329 MB at 110-128 MB/s) but only ever writes a complete, final stream.
//! Concatenated members are one gzip file (RFC 1952 §2.2) that every
//! reader of layers reads whole: Go's (so Docker, containerd, skopeo,
//! upstream umoci), zlib's, Python's, and every eStargz layer in use is
//! built the same way. Blocks are fixed, so the bytes are the same however
//! the threads ran; a block starts with no dictionary, which costs under
//! 1% at this block size. A block that deflate would not shrink is stored
//! (see [`super::incompressible`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::RangeInclusive;
use std::sync::mpsc::channel;
use std::sync::{Condvar, Mutex};

use libdeflater::{CompressionLvl, Compressor};

use super::incompressible::Probe;
use crate::layer::chunks::Chunks;
use crate::layer::compress::WORKERS;

/// The levels libdeflate has.
pub const LEVELS: RangeInclusive<u32> = 1..=12;

/// The default: on the bench image (`contrib/bench.sh`), the fastest
/// level whose layer is no larger than upstream's (331.7 MB against its
/// 337.6 MB; level 1 gives 340.0 MB about 20% faster, level 3 329.6 MB
/// about 5% slower).
pub const DEFAULT_LEVEL: u32 = 2;

/// A compressed member: its buffer and how much of it is used.
type Member = (Vec<u8>, usize);

/// Members compressed but not yet written, at most. A stored block takes
/// a tenth of the time of a compressed one, so without a bound one
/// worker could run far ahead of another stuck on a slow block, each
/// member it finishes a MiB held until the slow one is written.
const MEMBERS_IN_FLIGHT: usize = 3 * WORKERS;

/// Member buffers: made up to a limit, then handed back and forth
/// between the workers and the writer.
struct MemberBuffers {
    /// Free buffers, how many exist, and whether the writer has stopped.
    state: Mutex<(Vec<Vec<u8>>, usize, bool)>,
    returned: Condvar,
    limit: usize,
}

impl MemberBuffers {
    fn new(limit: usize) -> MemberBuffers {
        MemberBuffers {
            state: Mutex::new((Vec::new(), 0, false)),
            returned: Condvar::new(),
            limit,
        }
    }

    /// A buffer, once one is free or may be made; `None` once closed.
    fn take(&self) -> Option<Vec<u8>> {
        let mut state = self.state.lock().ok()?;
        loop {
            let (free, made, closed) = &mut *state;
            if *closed {
                return None;
            }
            if let Some(buf) = free.pop() {
                return Some(buf);
            }
            if *made < self.limit {
                *made += 1;
                return Some(Vec::new());
            }
            state = self.returned.wait(state).ok()?;
        }
    }

    /// Hands a written member's buffer back.
    fn give(&self, buf: Vec<u8>) {
        if let Ok(mut state) = self.state.lock() {
            state.0.push(buf);
        }
        self.returned.notify_one();
    }

    /// Wakes every waiting worker, for good.
    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.2 = true;
        }
        self.returned.notify_all();
    }
}

/// Compresses `chunks`, in order, into gzip members on `out`.
pub fn compress<W: Write>(chunks: &Chunks, mut out: W, level: u32) -> io::Result<W> {
    let level = CompressionLvl::new(level as i32)
        .map_err(|_| io::Error::other(format!("gzip level {level} out of range")))?;
    let spare = MemberBuffers::new(MEMBERS_IN_FLIGHT);
    let (done_tx, done_rx) = channel::<(usize, io::Result<Member>)>();
    let mut written = 0usize;
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..WORKERS {
            let (spare, done) = (&spare, done_tx.clone());
            let recycle = chunks.recycler();
            scope.spawn(move || {
                let mut compressor = Compressor::new(level);
                let mut store = Compressor::new(CompressionLvl::fastest());
                let mut probe = Probe::new();
                // A buffer first, then a chunk: whoever holds the oldest
                // chunk not yet written always has a buffer for it.
                while let Some(buf) = spare.take() {
                    let Some((index, chunk)) = chunks.recv() else {
                        break;
                    };
                    let stored = probe.as_mut().is_some_and(|p| p.incompressible(&chunk));
                    let how = if stored { &mut store } else { &mut compressor };
                    let member = member(how, &chunk, buf);
                    let _ = recycle.send(chunk);
                    if done.send((index, member)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<usize, Member> = BTreeMap::new();
        let write_in_order = || -> io::Result<()> {
            for (index, member) in done_rx {
                pending.insert(index, member?);
                while let Some((buf, len)) = pending.remove(&written) {
                    out.write_all(&buf[..len])?;
                    written += 1;
                    spare.give(buf);
                }
            }
            Ok(())
        };
        let result = write_in_order();
        // On an error, workers waiting for a buffer must not wait forever.
        spare.close();
        result
    })?;
    if written == 0 {
        // Nothing at all is still one (empty) gzip file.
        let (buf, len) = member(&mut Compressor::new(level), &[], Vec::new())?;
        out.write_all(&buf[..len])?;
    }
    Ok(out)
}

/// One gzip member holding `data`, compressed into `buf` (grown as needed).
fn member(compressor: &mut Compressor, data: &[u8], mut buf: Vec<u8>) -> io::Result<Member> {
    let bound = compressor.gzip_compress_bound(data.len());
    if buf.len() < bound {
        buf.resize(bound, 0);
    }
    let len = compressor
        .gzip_compress(data, &mut buf)
        .map_err(|e| io::Error::other(format!("gzip: {e:?}")))?;
    Ok((buf, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::chunks::{chunk_channel, CHUNK};
    use crate::layer::compression::incompressible::tests::noise;
    use std::io::Read;

    fn run(data: &[u8], level: u32) -> Vec<u8> {
        let (mut writer, chunks) = chunk_channel(4);
        let data = data.to_vec();
        let feeder = std::thread::spawn(move || {
            writer.write_all(&data).unwrap();
            writer.flush().unwrap();
        });
        let out = compress(&chunks, Vec::new(), level).unwrap();
        feeder.join().unwrap();
        out
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut back)
            .unwrap();
        back
    }

    #[test]
    fn is_valid_reproducible_gzip() {
        let data: Vec<u8> = (0..3_500_000u32)
            .flat_map(|i| (i % 1013).to_le_bytes())
            .collect();
        let a = run(&data, DEFAULT_LEVEL);
        let b = run(&data, DEFAULT_LEVEL);
        assert_eq!(a, b);
        assert_eq!(gunzip(&a), data);
        assert!(a.len() < data.len() / 2);
        // No name, no mtime: nothing of the machine or the moment.
        assert_eq!(&a[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        // Levels change the bytes, not the content.
        let best = run(&data, 12);
        assert_ne!(best, a);
        assert_eq!(gunzip(&best), data);
        // Empty input is a valid empty gzip file.
        assert!(gunzip(&run(&[], DEFAULT_LEVEL)).is_empty());
    }

    #[test]
    fn noise_is_stored_and_text_beside_it_compressed() {
        let noise = noise(2 * CHUNK, 7);
        let text: Vec<u8> = (0..CHUNK).map(|i| b"some text, "[i % 11]).collect();
        let data = [noise.clone(), text].concat();
        let out = run(&data, DEFAULT_LEVEL);
        assert_eq!(gunzip(&out), data);
        // Two stored members (5 bytes a 64 KiB of framing, 18 of gzip's
        // own) and a third that is a few KiB at most.
        let stored = noise.len() + 2 * (18 + 5 * 16);
        assert!(
            out.len() >= stored && out.len() < stored + 8192,
            "{}",
            out.len()
        );
        assert_eq!(out, run(&data, DEFAULT_LEVEL));
    }

    #[test]
    fn member_buffers_are_bounded_and_close_wakes_waiters() {
        let pool = MemberBuffers::new(2);
        let (a, b) = (pool.take().unwrap(), pool.take().unwrap());
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| pool.take().map(|buf| buf.capacity()));
            pool.give(Vec::with_capacity(99));
            assert_eq!(waiter.join().unwrap(), Some(99));
            let waiter = scope.spawn(|| pool.take());
            pool.close();
            assert!(waiter.join().unwrap().is_none());
        });
        drop((a, b));
    }
}
