//! Writing a layer blob: the tar is produced on the calling thread (and
//! hashed into the diff ID there) while a second thread compresses it into
//! the output, so both cores work and memory stays bounded.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, SyncSender};

use sha2::{Digest as _, Sha256};

use super::compression::Encoding;
use crate::spec::{Algorithm, Digest};

/// Size of the pieces the tar is handed over in (and gzip's block size).
pub(crate) const CHUNK: usize = 1 << 20;

/// Compression threads (the machines this runs on have two cores).
pub(crate) const WORKERS: usize = 2;

/// The `Write` end handed to the tar producer.
struct ChunkSender {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
    hasher: Sha256,
    len: u64,
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hasher.update(data);
        self.len += data.len() as u64;
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            self.tx
                .send(chunk)
                .map_err(|_| io::Error::other("layer compressor stopped"))?;
        }
        Ok(())
    }
}

/// Runs `produce` to write an uncompressed tar, compressing it with
/// `encoding` into `out` on a second thread. Returns `out`, the diff
/// ID (sha256 of the uncompressed stream) and the uncompressed size.
pub fn compress_layer<W, E>(
    out: W,
    encoding: Encoding,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(W, Digest, u64), E>
where
    W: Write + Send,
    E: From<io::Error>,
{
    let (tx, rx) = sync_channel::<Vec<u8>>(8);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || encoding.compress(rx, out));
        let mut sender = ChunkSender {
            tx,
            buf: Vec::with_capacity(CHUNK),
            hasher: Sha256::new(),
            len: 0,
        };
        let produced = produce(&mut sender);
        let ChunkSender {
            tx,
            hasher,
            buf,
            len,
        } = sender;
        if produced.is_ok() && !buf.is_empty() {
            let _ = tx.send(buf);
        }
        drop(tx);
        let compressed = worker
            .join()
            .map_err(|_| E::from(io::Error::other("layer compressor panicked")))?;
        produced?;
        let out = compressed.map_err(E::from)?;
        let hex = hex::encode(hasher.finalize());
        let diff_id = Digest::from_parts(Algorithm::Sha256, &hex)
            .map_err(|e| E::from(io::Error::other(e.to_string())))?;
        Ok((out, diff_id, len))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compresses_reproducibly_and_reports_the_diff_id() {
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
        for codec in crate::layer::compression::CODECS {
            let compression = codec.compression;
            let run = || {
                let encoding = Encoding::default_for(compression);
                compress_layer(Vec::new(), encoding, |w| -> io::Result<()> {
                    w.write_all(&data)
                })
                .unwrap()
            };
            let (a, diff_a, len) = run();
            let (b, _, _) = run();
            assert_eq!(len, data.len() as u64);
            assert_eq!(a, b, "{compression:?} output differs between runs");
            assert_eq!(diff_a, Digest::sha256_of(&data));
            let mut back = Vec::new();
            compression
                .decoder(a.as_slice())
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data);
        }
    }
}
