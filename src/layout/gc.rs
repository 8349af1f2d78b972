//! Mark-and-sweep garbage collection of a layout: keep every blob reachable
//! from `index.json`, delete the rest, and remove scratch directories left by
//! processes that died.

use std::path::PathBuf;

use super::error::{LayoutError, Result};
use super::temp_area::{clean_stale, fsync_dir};
use super::walk::reachable;
use super::{Layout, BLOBS_DIR};
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
        let dir = layout.root().join(BLOBS_DIR).join(algorithm.name());
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(LayoutError::io(&dir, e)),
        };
        let mut removed_any = false;
        for entry in entries {
            let entry = entry.map_err(|e| LayoutError::io(&dir, e))?;
            let name = entry.file_name();
            let Some(digest) = name
                .to_str()
                .and_then(|hex| Digest::from_parts(algorithm, hex).ok())
            else {
                log::warn!("gc: ignoring {}: not a blob name", entry.path().display());
                continue;
            };
            if marked.contains(&digest) {
                report.kept += 1;
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            std::fs::remove_file(entry.path()).map_err(|e| LayoutError::io(entry.path(), e))?;
            log::debug!("garbage collecting blob: {digest}");
            if let Some(p) = progress {
                p.entry(size);
            }
            report.removed.push((digest, size));
            removed_any = true;
        }
        if removed_any {
            fsync_dir(&dir)?;
        }
    }
    report.cleaned = clean_stale(layout.root())?;
    Ok(report)
}
