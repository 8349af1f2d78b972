//! Writing a layer blob: the tar is produced on the calling thread (and
//! hashed into the diff ID there) while a second thread compresses it into
//! the output, so both cores work and memory stays bounded.

use std::io::{self, Write};

use sha2::{Digest as _, Sha256};

use super::chunks::{chunk_channel, ChunkWriter};
use super::compression::Encoding;
use crate::spec::{Algorithm, Digest};

/// Compression threads (the machines this runs on have two cores).
pub(crate) const WORKERS: usize = 2;

/// Chunks between the tar producer and the compressor: enough to keep
/// both gzip workers fed (zstd buffers its own input). Each is 1 MiB of
/// peak memory; 8 was no faster than 4 on the bench image.
const DEPTH: usize = 4;

/// The `Write` end handed to the tar producer: hashes and counts what
/// goes through.
struct ChunkSender {
    chunks: ChunkWriter,
    hasher: Sha256,
    len: u64,
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.chunks.write(data)?;
        self.hasher.update(&data[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.chunks.flush()
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
    let (writer, chunks) = chunk_channel(DEPTH);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || encoding.compress(&chunks, out));
        let mut sender = ChunkSender {
            chunks: writer,
            hasher: Sha256::new(),
            len: 0,
        };
        let produced = produce(&mut sender);
        let ChunkSender {
            mut chunks,
            hasher,
            len,
        } = sender;
        if produced.is_ok() {
            // A failed send means the compressor failed: its error follows.
            let _ = chunks.flush();
        }
        drop(chunks);
        let compressed = worker
            .join()
            .map_err(|_| E::from(io::Error::other("layer compressor panicked")))?;
        // The compressor's error first: when it stops (a full disk), the
        // producer only learns that it stopped.
        let out = compressed.map_err(E::from)?;
        produced?;
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
