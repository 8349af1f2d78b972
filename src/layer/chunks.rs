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
    /// The chunks, and how many have been taken.
    rx: Mutex<(Receiver<Vec<u8>>, usize)>,
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
            rx: Mutex::new((rx, 0)),
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
    /// The next chunk and its number in the stream (taken together, so
    /// numbers follow the stream's order whichever thread asks); `None`
    /// once the writer is gone and all are read.
    pub fn recv(&self) -> Option<(usize, Vec<u8>)> {
        let mut rx = self.rx.lock().ok()?;
        let chunk = rx.0.recv().ok()?;
        rx.1 += 1;
        Some((rx.1 - 1, chunk))
    }

    /// A handle to give buffers back from other threads.
    pub fn recycler(&self) -> Sender<Vec<u8>> {
        self.spare.clone()
    }

    /// Hands every chunk, in order, to `f`, then gives its buffer back.
    pub fn drain(&self, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        while let Some((_, chunk)) = self.recv() {
            f(&chunk)?;
            let _ = self.spare.send(chunk);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_cut_exactly_and_buffers_come_back() {
        let (mut w, chunks) = chunk_channel(8);
        let reader = std::thread::spawn(move || {
            let mut sizes = Vec::new();
            chunks
                .drain(|chunk| {
                    sizes.push(chunk.len());
                    Ok(())
                })
                .unwrap();
            sizes
        });
        w.write_all(&vec![7u8; CHUNK + 10]).unwrap();
        w.write_all(&vec![7u8; 2 * CHUNK]).unwrap();
        w.flush().unwrap();
        drop(w);
        assert_eq!(reader.join().unwrap(), [CHUNK, CHUNK, CHUNK, 10]);
    }
}
