//! Mark-and-sweep garbage collection of a layout: keep every blob reachable
//! from `index.json`, delete the rest, and remove scratch directories left by
//! processes that died.

use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rustix::fs::AtFlags;
use rustix::io::Errno;

use super::error::{LayoutError, Result};
use super::temp_area::{clean_stale, fsync_dir};
use super::walk::reachable;
use super::{Layout, BLOBS_DIR};
use crate::fs::dir::list_dir_of;
use crate::spec::escape::printable_bytes;
use crate::spec::{Algorithm, Digest};

/// What a collection did.
#[derive(Debug, Default)]
pub struct GcReport {
    /// Blobs deleted, with their sizes.
    pub removed: Vec<(Digest, u64)>,
    /// Blobs kept because something references them.
    pub kept: usize,
    /// Stale scratch directories removed.
    pub cleaned: Vec<PathBuf>,
}

/// Collects garbage in `layout`, which must have been opened with the blob
/// lock held exclusively (so no other process is between writing a blob and
/// tagging it).
pub fn collect(layout: &Layout) -> Result<GcReport> {
    collect_with_progress(layout, None)
}

/// [`collect`], counting each blob removed (and its size) in `progress`.
pub fn collect_with_progress(
    layout: &Layout,
    progress: Option<&crate::progress::Progress>,
) -> Result<GcReport> {
    let index = layout.read_index()?;
    for root in &index.manifests {
        log::debug!("gc: marking from root {}", root.digest);
    }
    // Mark everything first: any failure here aborts before a single delete.
    let marked = reachable(layout, &index.manifests)?;

    let mut report = GcReport::default();
    for algorithm in Algorithm::ALL {
        // Deletions happen only in the layout's own blob directories: a
        // symlinked `blobs/` or `blobs/<alg>` is refused, and each blob is
        // unlinked by name in the directory handle, so a symlinked blob
        // loses the link, never its target.
        let Some(dir) = layout.blob_dir_for_change(algorithm, false)? else {
            continue;
        };
        let path = layout.root().join(BLOBS_DIR).join(algorithm.name());
        let listing = list_dir_of(dir.as_fd()).map_err(|e| LayoutError::io(&path, e))?;
        let mut removed_any = false;
        for name in listing.iter() {
            // Each removal stands on its own: stopping between two leaves
            // a layout as sound as before.
            crate::interrupt::check()?;
            let blob_path = path.join(std::ffi::OsStr::from_bytes(name));
            let Some(digest) = std::str::from_utf8(name)
                .ok()
                .and_then(|hex| Digest::from_parts(algorithm, hex).ok())
            else {
                log::warn!(
                    "gc: ignoring {}: not a blob name",
                    printable_bytes(blob_path.as_os_str().as_bytes())
                );
                continue;
            };
            if marked.contains(&digest) {
                report.kept += 1;
                continue;
            }
            let size = rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| st.st_size as u64)
                .unwrap_or(0);
            match rustix::fs::unlinkat(&dir, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(Errno::ISDIR) => {
                    log::warn!("gc: ignoring {}: a directory", blob_path.display());
                    continue;
                }
                Err(e) => return Err(LayoutError::io(&blob_path, e.into())),
            }
            log::debug!("garbage collecting blob: {digest}");
            if let Some(p) = progress {
                p.entry(size);
            }
            report.removed.push((digest, size));
            removed_any = true;
        }
        if removed_any {
            fsync_dir(dir.as_fd(), &path)?;
        }
    }
    report.cleaned = clean_stale(layout.dir(), layout.root())?;
    Ok(report)
}
