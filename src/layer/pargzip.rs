//! Parallel gzip, the way `pigz --independent` does it: the stream is cut
//! into fixed-size blocks, each compressed on its own (no shared
//! dictionary) by one of several threads into raw deflate ending on a byte
//! boundary, and the pieces are written in order between one gzip header
//! and trailer. The result is one ordinary gzip member; because block
//! boundaries are fixed, it is the same bytes however the threads ran.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};

use flate2::{Compress, FlushCompress, Status};

use super::compress::WORKERS;

/// Level 1: zlib-rs's fast strategy compresses ~3x faster than the default
/// level 6 for layers ~15% larger; `contrib/bench.sh` shows why it was chosen.
const LEVEL: u32 = 1;

/// A gzip header with no name, no mtime and "unknown" OS: reproducible.
const HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];

/// Compresses every chunk from `rx`, in order, into one gzip member on `out`.
pub fn compress<W: Write>(rx: Receiver<Vec<u8>>, mut out: W) -> io::Result<W> {
    out.write_all(&HEADER)?;
    let jobs = Arc::new(Mutex::new(ChunkJobs::new(rx)));
    let (done_tx, done_rx) = channel::<(usize, io::Result<Vec<u8>>)>();
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..WORKERS {
            let jobs = Arc::clone(&jobs);
            let done = done_tx.clone();
            scope.spawn(move || loop {
                let job = jobs.lock().map(|mut j| j.next()).unwrap_or(None);
                let Some((index, data, last)) = job else {
                    break;
                };
                if done.send((index, deflate_block(&data, last))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        // Write blocks in order as they complete.
        let mut pending: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
        let mut next = 0;
        for (index, block) in done_rx {
            pending.insert(index, block?);
            while let Some(block) = pending.remove(&next) {
                out.write_all(&block)?;
                next += 1;
            }
        }
        Ok(())
    })?;
    let jobs = Arc::try_unwrap(jobs).map_err(|_| io::Error::other("gzip workers still running"))?;
    let jobs = jobs
        .into_inner()
        .map_err(|_| io::Error::other("gzip worker panicked"))?;
    out.write_all(&jobs.crc.sum().to_le_bytes())?;
    out.write_all(&jobs.crc.amount().to_le_bytes())?;
    Ok(out)
}

/// Hands out `(index, data, is_last)` jobs, holding one chunk back so the
/// last one can be marked; keeps the CRC of everything handed out.
struct ChunkJobs {
    rx: Receiver<Vec<u8>>,
    held: Option<Vec<u8>>,
    index: usize,
    finished: bool,
    crc: flate2::Crc,
}

impl ChunkJobs {
    fn new(rx: Receiver<Vec<u8>>) -> Self {
        ChunkJobs {
            rx,
            held: None,
            index: 0,
            finished: false,
            crc: flate2::Crc::new(),
        }
    }

    fn next(&mut self) -> Option<(usize, Vec<u8>, bool)> {
        if self.finished {
            return None;
        }
        if self.held.is_none() {
            self.held = Some(self.rx.recv().unwrap_or_default());
        }
        let current = self.held.take().unwrap_or_default();
        let (data, last) = match self.rx.recv() {
            Ok(following) => {
                self.held = Some(following);
                (current, false)
            }
            Err(_) => {
                self.finished = true;
                (current, true)
            }
        };
        self.crc.update(&data);
        let index = self.index;
        self.index += 1;
        Some((index, data, last))
    }
}

/// Raw deflate of one block: ends with a sync flush (byte-aligned, not
/// final) unless it is the last block, which ends the deflate stream.
fn deflate_block(data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(flate2::Compression::new(LEVEL), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut input = data;
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(4096));
        }
        let before_in = c.total_in();
        let status = c
            .compress_vec(input, &mut out, flush)
            .map_err(io::Error::other)?;
        input = &input[(c.total_in() - before_in) as usize..];
        let done = match status {
            Status::StreamEnd => true,
            // A sync flush is complete once all input is taken and zlib
            // left spare room in the output.
            Status::Ok | Status::BufError => {
                !last && input.is_empty() && out.len() < out.capacity()
            }
        };
        if done {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::mpsc::sync_channel;

    fn run(data: &[u8], chunk: usize) -> Vec<u8> {
        let (tx, rx) = sync_channel(4);
        let chunks: Vec<Vec<u8>> = data.chunks(chunk).map(<[u8]>::to_vec).collect();
        let feeder = std::thread::spawn(move || {
            for c in chunks {
                tx.send(c).unwrap();
            }
        });
        let out = compress(rx, Vec::new()).unwrap();
        feeder.join().unwrap();
        out
    }

    #[test]
    fn is_one_valid_reproducible_gzip_member() {
        let data: Vec<u8> = (0..3_500_000u32)
            .flat_map(|i| (i % 1013).to_le_bytes())
            .collect();
        let a = run(&data, 1 << 20);
        let b = run(&data, 1 << 20);
        assert_eq!(a, b);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(a.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        assert!(a.len() < data.len() / 2);
        // Empty input is a valid empty gzip file.
        let empty = run(&[], 1);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(empty.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }
}
