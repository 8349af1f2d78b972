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
//! 1% at this block size.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::RangeInclusive;
use std::sync::mpsc::channel;
use std::sync::Mutex;

use libdeflater::{CompressionLvl, Compressor};

use crate::layer::chunks::Chunks;
use crate::layer::compress::WORKERS;

/// The levels libdeflate has.
pub const LEVELS: RangeInclusive<u32> = 1..=12;

/// The default: on the bench image (`contrib/bench.sh`), the fastest
/// level whose layer is no larger than upstream's (331.6 MB against its
/// 337.6 MB; level 1 gives 339.8 MB, level 3 329.5 MB about 8% slower).
pub const DEFAULT_LEVEL: u32 = 2;

/// A compressed member: its buffer and how much of it is used.
type Member = (Vec<u8>, usize);

/// Compresses `chunks`, in order, into gzip members on `out`.
pub fn compress<W: Write>(chunks: &Chunks, mut out: W, level: u32) -> io::Result<W> {
    let level = CompressionLvl::new(level as i32)
        .map_err(|_| io::Error::other(format!("gzip level {level} out of range")))?;
    // Output buffers, back from the writer for the workers to fill again.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let (done_tx, done_rx) = channel::<(usize, io::Result<Member>)>();
    let mut written = 0usize;
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..WORKERS {
            let (spare, done) = (&spare, done_tx.clone());
            let recycle = chunks.recycler();
            scope.spawn(move || {
                let mut compressor = Compressor::new(level);
                while let Some((index, chunk)) = chunks.recv() {
                    let buf = spare
                        .lock()
                        .ok()
                        .and_then(|mut s| s.pop())
                        .unwrap_or_default();
                    let member = member(&mut compressor, &chunk, buf);
                    let _ = recycle.send(chunk);
                    if done.send((index, member)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<usize, Member> = BTreeMap::new();
        for (index, member) in done_rx {
            pending.insert(index, member?);
            while let Some((buf, len)) = pending.remove(&written) {
                out.write_all(&buf[..len])?;
                written += 1;
                if let Ok(mut s) = spare.lock() {
                    s.push(buf);
                }
            }
        }
        Ok(())
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
    use crate::layer::chunks::chunk_channel;
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
}
