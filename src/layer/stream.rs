//! Decompression on its own thread.
//!
//! The blob is read (and its digest verified) a few chunks ahead on one
//! thread and decompressed on another, which hands the tar bytes over in
//! bounded chunks, both to the calling thread (extraction) and to a third
//! thread that hashes them into the diff ID; so decompression, the two
//! digests and extraction overlap on both cores, and memory stays flat
//! whatever the layer's size. The chunks' buffers come back to be filled
//! again once both have read them (a fresh one is a buffer to zero).

use std::io::{self, Read};
use std::ops::Deref;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::compression::Compression;
use super::read_ahead::ReadAhead;
use crate::spec::{Algorithm, Digest};

const CHUNK: usize = 1 << 18;
const DEPTH: usize = 8;

/// A chunk of the uncompressed stream; its buffer goes back to the
/// decompressor when the last of its readers drops it.
struct Chunk {
    buf: Vec<u8>,
    home: Option<Sender<Vec<u8>>>,
}

impl Deref for Chunk {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            // The decompressor may be done already.
            let _ = home.send(std::mem::take(&mut self.buf));
        }
    }
}

/// The uncompressed tar stream of one layer, produced by a worker thread.
pub struct LayerStream {
    rx: Receiver<io::Result<Arc<Chunk>>>,
    chunk: Arc<Chunk>,
    pos: usize,
    done: bool,
    worker: Option<JoinHandle<io::Result<Digest>>>,
}

impl LayerStream {
    /// Starts decompressing `blob` on a worker thread.
    pub fn spawn<R: Read + Send + 'static>(blob: R, compression: Compression) -> Self {
        let (tx, rx) = sync_channel::<io::Result<Arc<Chunk>>>(DEPTH);
        let worker = std::thread::spawn(move || -> io::Result<Digest> {
            let (to_hasher, chunks) = sync_channel::<Arc<Chunk>>(DEPTH);
            let (home, spare) = channel::<Vec<u8>>();
            let hasher = std::thread::spawn(move || {
                let mut hasher = Algorithm::Sha256.hasher();
                for chunk in chunks {
                    hasher.update(&chunk);
                }
                hasher.finish()
            });
            let mut blob = ReadAhead::spawn(blob);
            {
                let mut decoder = compression.decoder(&mut blob)?;
                loop {
                    let mut buf = spare.try_recv().unwrap_or_default();
                    buf.resize(CHUNK, 0);
                    let n = match read_full(&mut decoder, &mut buf) {
                        Ok(n) => n,
                        Err(e) => {
                            let msg = e.to_string();
                            let _ = tx.send(Err(io::Error::new(e.kind(), msg)));
                            return Err(e);
                        }
                    };
                    if n == 0 {
                        break;
                    }
                    buf.truncate(n);
                    let home = Some(home.clone());
                    let buf = Arc::new(Chunk { buf, home });
                    // The hasher outlives this loop; it only stops when
                    // its channel closes.
                    let _ = to_hasher.send(Arc::clone(&buf));
                    if tx.send(Ok(buf)).is_err() {
                        // The reader gave up; its error is the one to report.
                        return Err(io::Error::other("layer reader stopped early"));
                    }
                }
            }
            // Read whatever trails the compressed stream so the blob's own
            // digest is checked to the last byte.
            io::copy(&mut blob, &mut io::sink())?;
            drop(to_hasher);
            hasher
                .join()
                .map_err(|_| io::Error::other("diff ID thread panicked"))
        });
        LayerStream {
            rx,
            chunk: Arc::new(Chunk {
                buf: Vec::new(),
                home: None,
            }),
            pos: 0,
            done: false,
            worker: Some(worker),
        }
    }

    /// Reads the rest of the stream and returns the diff ID (the sha256 of
    /// the whole uncompressed stream), or the worker's error.
    pub fn finish(mut self) -> io::Result<Digest> {
        io::copy(&mut self, &mut io::sink())?;
        let worker = self.worker.take().expect("finish is called once");
        worker
            .join()
            .map_err(|_| io::Error::other("decompression thread panicked"))?
    }
}

impl Read for LayerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn yields_the_uncompressed_bytes_and_their_digest() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let compressed = gz.finish().unwrap();
        let mut stream = LayerStream::spawn(io::Cursor::new(compressed), Compression::Gzip);
        let mut head = vec![0u8; 1000];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(head, data[..1000]);
        assert_eq!(stream.finish().unwrap(), Digest::sha256_of(&data));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut stream = LayerStream::spawn(
            io::Cursor::new(b"not gzip at all".to_vec()),
            Compression::Gzip,
        );
        let mut out = Vec::new();
        assert!(stream.read_to_end(&mut out).is_err() || stream.finish().is_err());
    }
}
