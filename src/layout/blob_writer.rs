//! Writing a blob: stream into a scratch file while hashing, then make it
//! durable and stage it. Staged blobs are renamed to `blobs/<alg>/<hex>` only
//! when the command commits its `index.json` update (see
//! [`Layout::update_index`](super::Layout::update_index)), so a failed
//! command leaves no trace in `blobs/`, and a blob there is always complete.

use std::io::{self, BufWriter, Write};

use super::error::{LayoutError, Result};
use super::temp_area::{fsync_file, TempFile};
use super::Layout;
use crate::spec::{Algorithm, Digest, Hasher};

/// A blob being written. Nothing is staged until [`BlobWriter::commit`];
/// dropping it discards the data.
pub struct BlobWriter<'a> {
    out: BufWriter<TempFile<'a>>,
    hasher: Hasher,
    size: u64,
    layout: &'a Layout,
}

impl<'a> BlobWriter<'a> {
    pub(super) fn new(file: TempFile<'a>, layout: &'a Layout) -> Self {
        BlobWriter {
            out: BufWriter::with_capacity(256 * 1024, file),
            hasher: Algorithm::Sha256.hasher(),
            size: 0,
            layout,
        }
    }

    /// Makes the blob durable and stages it for publication with the next
    /// index update, returning its digest and size. An identical blob that
    /// is already stored or staged is not stored twice.
    pub fn commit(self) -> Result<(Digest, i64)> {
        let digest = self.hasher.finish();
        let size = self.size as i64;
        // Errors name the blob it becomes, not its scratch file.
        let blob_path = self.layout.blob_path(&digest);
        let file = self
            .out
            .into_inner()
            .map_err(|e| LayoutError::io(&blob_path, e.into_error()))?;
        if self.layout.has_blob(&digest) {
            // Content-addressed: the same name means the same bytes.
            return Ok((digest, size));
        }
        // Blobs are public content; match what other layout writers use.
        file.as_file()
            .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(|e| LayoutError::io(&blob_path, e))?;
        self.layout
            .give_to_owner(std::os::fd::AsFd::as_fd(file.as_file()), &blob_path)?;
        fsync_file(file.as_file(), &blob_path)?;
        self.layout.stage(digest.clone(), file.keep());
        Ok((digest, size))
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
