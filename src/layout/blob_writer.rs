//! Writing a blob: stream into a scratch file while hashing, then make it
//! durable and rename it to `blobs/<alg>/<hex>` in one step, so a blob is
//! either absent or complete and correct, never half-written.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use super::error::{LayoutError, Result};
use super::temp_area::{fsync_dir, fsync_file};
use crate::spec::{Algorithm, Digest, Hasher};

/// A blob being written. Nothing is visible in the layout until
/// [`BlobWriter::commit`]; dropping it discards the data.
pub struct BlobWriter<'a> {
    out: BufWriter<NamedTempFile>,
    hasher: Hasher,
    size: u64,
    blobs_dir: &'a Path,
}

impl<'a> BlobWriter<'a> {
    pub(super) fn new(file: NamedTempFile, blobs_dir: &'a Path) -> Self {
        BlobWriter {
            out: BufWriter::with_capacity(256 * 1024, file),
            hasher: Algorithm::Sha256.hasher(),
            size: 0,
            blobs_dir,
        }
    }

    /// Makes the blob durable and moves it into place, returning its digest
    /// and size. An identical blob already present is left as it is.
    pub fn commit(self) -> Result<(Digest, i64)> {
        let digest = self.hasher.finish();
        let file = self
            .out
            .into_inner()
            .map_err(|e| LayoutError::io(self.blobs_dir, e.into_error()))?;
        let temp_path = file.path().to_owned();
        let alg_dir = self.blobs_dir.join(digest.algorithm().name());
        let target = alg_dir.join(digest.hex());
        if target.is_file() {
            // Content-addressed: the same name means the same bytes.
            return Ok((digest, self.size as i64));
        }
        // Blobs are public content; match what other layout writers use.
        std::fs::set_permissions(&temp_path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(|e| LayoutError::io(&temp_path, e))?;
        fsync_file(file.as_file(), &temp_path)?;
        std::fs::create_dir_all(&alg_dir).map_err(|e| LayoutError::io(&alg_dir, e))?;
        file.persist(&target)
            .map_err(|e| LayoutError::io(&target, e.error))?;
        fsync_dir(&alg_dir)?;
        Ok((digest, self.size as i64))
    }
}

impl Write for BlobWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
