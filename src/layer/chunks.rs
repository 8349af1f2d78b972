//! A stream cut into fixed 1 MiB chunks and handed to another thread, the
//! chunks' buffers coming back to be filled again.
//!
//! Why recycle: a fresh 1 MiB buffer per chunk is memory the allocator has
//! just given back to the kernel (it returns freed pages at once, to keep
//! peak RSS low), so every 4 KiB of it is a page fault and a page zeroed
//! by the kernel: 15% of a whole-rootfs repack's time, measured with perf.

use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Mutex;

/// Size of a chunk (and so of a gzip member).
pub const CHUNK: usize = 1 << 20;

/// The writing end: fills chunks of exactly [`CHUNK`] bytes (the last may
/// be shorter) and sends each when full or flushed.
pub struct ChunkWriter {
    tx: SyncSender<Vec<u8>>,
    spare: Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

/// The reading end: chunks in order, and a way to give their buffers back.
/// Several threads may take chunks from it.
pub struct Chunks {
    rx: Mutex<Receiver<Vec<u8>>>,
    spare: Sender<Vec<u8>>,
}

/// A writer and reader of chunks, with at most `depth` chunks in flight.
pub fn chunk_channel(depth: usize) -> (ChunkWriter, Chunks) {
    let (tx, rx) = sync_channel(depth);
    let (spare_tx, spare_rx) = channel();
    (
        ChunkWriter {
            tx,
            spare: spare_rx,
            buf: Vec::with_capacity(CHUNK),
        },
        Chunks {
            rx: Mutex::new(rx),
            spare: spare_tx,
        },
    )
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        next.clear();
        let full = std::mem::replace(&mut self.buf, next);
        self.tx
            .send(full)
            .map_err(|_| io::Error::other("layer compressor stopped"))
    }
}

impl Chunks {
    /// The next chunk; `None` once the writer is gone and all are read.
    pub fn recv(&self) -> Option<Vec<u8>> {
        self.rx.lock().ok()?.recv().ok()
    }

    /// A handle to give buffers back from other threads.
    pub fn recycler(&self) -> Sender<Vec<u8>> {
        self.spare.clone()
    }
}

impl Iterator for &Chunks {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        self.recv()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_cut_exactly_and_buffers_come_back() {
        let (mut w, chunks) = chunk_channel(8);
        let recycle = chunks.recycler();
        let reader = std::thread::spawn(move || {
            let mut sizes = Vec::new();
            for chunk in &chunks {
                sizes.push(chunk.len());
                let _ = recycle.send(chunk);
            }
            sizes
        });
        w.write_all(&vec![7u8; CHUNK + 10]).unwrap();
        w.write_all(&vec![7u8; 2 * CHUNK]).unwrap();
        w.flush().unwrap();
        drop(w);
        assert_eq!(reader.join().unwrap(), [CHUNK, CHUNK, CHUNK, 10]);
    }
}
