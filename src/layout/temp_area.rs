//! The private scratch directory a process writes blobs and `index.json`
//! into before renaming them into place.
//!
//! It lives inside the layout (so renames stay on one filesystem and are
//! atomic), is named `.umoci-*` and is `flock`ed while in use, exactly like
//! upstream umoci's, so that either tool's `gc` removes the other's leftovers
//! after a crash but never one that is still in use.

use std::fs::File;
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempDir};

use super::error::{LayoutError, Result};
use super::lock::DirLock;

/// Prefix of scratch directories inside a layout.
pub const TEMP_PREFIX: &str = ".umoci-";

/// A locked scratch directory, removed on drop.
#[derive(Debug)]
pub struct TempArea {
    // Field order matters: the directory is removed before the lock closes.
    dir: TempDir,
    _lock: DirLock,
}

impl TempArea {
    /// Creates and locks a new scratch directory in `layout_root`.
    pub fn create(layout_root: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempdir_in(layout_root)
            .map_err(|e| LayoutError::io(layout_root, e))?;
        let lock = DirLock::try_exclusive(dir.path())?.ok_or_else(|| {
            LayoutError::io(
                dir.path(),
                std::io::Error::other("scratch directory is locked by another process"),
            )
        })?;
        Ok(TempArea { dir, _lock: lock })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A new empty file in the scratch directory, removed unless persisted.
    pub fn file(&self, prefix: &str) -> Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(self.dir.path())
            .map_err(|e| LayoutError::io(self.dir.path(), e))
    }
}

/// Flushes a file's data and metadata to disk.
pub fn fsync_file(file: &File, path: &Path) -> Result<()> {
    file.sync_all().map_err(|e| LayoutError::io(path, e))
}

/// Makes a rename or unlink inside `dir` durable.
pub fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| LayoutError::io(dir, e))
}

/// Removes every `.umoci-*` scratch directory in `layout_root` that no live
/// process holds, returning the ones removed.
pub fn clean_stale(layout_root: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = std::fs::read_dir(layout_root).map_err(|e| LayoutError::io(layout_root, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LayoutError::io(layout_root, e))?;
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let path = entry.path();
        if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            continue;
        }
        let Some(lock) = DirLock::try_exclusive(&path)? else {
            log::debug!("gc: {} is in use, leaving it", path.display());
            continue;
        };
        match std::fs::remove_dir_all(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("gc: failed to remove {}: {e}", path.display()),
        }
        drop(lock);
    }
    Ok(removed)
}
