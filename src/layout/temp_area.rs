//! The private scratch directory a process writes blobs and `index.json`
//! into before renaming them into place.
//!
//! It lives inside the layout (so renames stay on one filesystem and are
//! atomic), is named `.umoci-*` and is `flock`ed while in use, exactly like
//! upstream umoci's, so that either tool's `gc` removes the other's leftovers
//! after a crash but never one that is still in use.
//!
//! Everything here is relative to directory handles: the scratch directory
//! is opened once, right after it is made, and checked to be ours; files in
//! it are created `O_EXCL|O_NOFOLLOW`. Whoever else can write the layout
//! directory can swap names there, but cannot make us write elsewhere.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::error::{LayoutError, Result};
use super::lock::DirLock;
use crate::fs::dir::list_dir_of;
use crate::fs::file::unique_name;
use crate::fs::remove::remove_all_at;

/// Prefix of scratch directories inside a layout.
pub const TEMP_PREFIX: &str = ".umoci-";

/// A locked scratch directory, removed on drop.
#[derive(Debug)]
pub struct TempArea {
    layout: OwnedFd,
    name: Vec<u8>,
    dir: OwnedFd,
    path: PathBuf,
    lock: Option<DirLock>,
}

impl TempArea {
    /// Creates and locks a new scratch directory in the layout directory
    /// `layout` (whose path, for messages, is `layout_root`).
    pub fn create(layout: BorrowedFd<'_>, layout_root: &Path) -> Result<Self> {
        let io_err = |e: io::Error| LayoutError::io(layout_root, e);
        let mut attempt = 0;
        let name = loop {
            let name = unique_name(TEMP_PREFIX.as_bytes(), attempt);
            match rustix::fs::mkdirat(layout, name.as_slice(), Mode::from_raw_mode(0o700)) {
                Ok(()) => break name,
                Err(Errno::EXIST) if attempt < 100 => attempt += 1,
                Err(e) => return Err(io_err(e.into())),
            }
        };
        let path = layout_root.join(std::ffi::OsStr::from_bytes(&name));
        let dir = rustix::fs::openat(
            layout,
            name.as_slice(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| LayoutError::io(&path, e.into()))?;
        // Someone who can write the layout could have swapped the name for a
        // directory of theirs in between; the one we made is ours alone.
        let st = rustix::fs::fstat(&dir).map_err(|e| LayoutError::io(&path, e.into()))?;
        if st.st_uid != rustix::process::geteuid().as_raw() || st.st_mode & 0o077 != 0 {
            return Err(LayoutError::io(
                &path,
                io::Error::other("scratch directory was replaced while it was created"),
            ));
        }
        let lock = DirLock::try_exclusive(dir.try_clone().map_err(io_err)?)
            .map_err(|e| LayoutError::io(&path, e))?
            .ok_or_else(|| {
                LayoutError::io(
                    &path,
                    io::Error::other("scratch directory is locked by another process"),
                )
            })?;
        let layout = rustix::io::fcntl_dupfd_cloexec(layout, 0).map_err(|e| io_err(e.into()))?;
        Ok(TempArea {
            layout,
            name,
            dir,
            path,
            lock: Some(lock),
        })
    }

    /// The directory's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory's handle.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// A new empty file in the scratch directory, removed unless kept.
    pub fn file(&self, prefix: &str) -> Result<TempFile<'_>> {
        let mut attempt = 0;
        loop {
            let name = unique_name(prefix.as_bytes(), attempt);
            match rustix::fs::openat(
                &self.dir,
                name.as_slice(),
                OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => {
                    return Ok(TempFile {
                        area: self,
                        name,
                        file: File::from(fd),
                        keep: false,
                    })
                }
                Err(Errno::EXIST) if attempt < 100 => attempt += 1,
                Err(e) => return Err(LayoutError::io(&self.path, e.into())),
            }
        }
    }
}

impl Drop for TempArea {
    fn drop(&mut self) {
        // Emptied through its own handle, then unlinked by name: a name
        // swapped meanwhile is removed as whatever it is, never followed.
        let _ = crate::fs::remove::empty_dir(self.dir.as_fd());
        let _ = remove_all_at(self.layout.as_fd(), &self.name);
        self.lock.take();
    }
}

/// A file in a [`TempArea`], unlinked on drop unless [`TempFile::keep`]
/// was called.
#[derive(Debug)]
pub struct TempFile<'a> {
    area: &'a TempArea,
    name: Vec<u8>,
    file: File,
    keep: bool,
}

impl TempFile<'_> {
    /// The open file.
    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// The file's path, for messages.
    pub fn path(&self) -> PathBuf {
        self.area.path.join(std::ffi::OsStr::from_bytes(&self.name))
    }

    /// Keeps the file past this handle, returning its name in the area.
    pub fn keep(mut self) -> Vec<u8> {
        self.keep = true;
        std::mem::take(&mut self.name)
    }

    /// Renames the file to `name` in `dir`, replacing whatever is there
    /// (a planted symlink included) without following it.
    pub fn persist_at(mut self, dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
        rustix::fs::renameat(self.area.dir(), self.name.as_slice(), dir, name)?;
        self.keep = true;
        Ok(())
    }
}

impl io::Write for TempFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = rustix::fs::unlinkat(self.area.dir(), self.name.as_slice(), AtFlags::empty());
        }
    }
}

/// Flushes a file's data and metadata to disk.
pub fn fsync_file(file: &File, path: &Path) -> Result<()> {
    file.sync_all().map_err(|e| LayoutError::io(path, e))
}

/// Makes a rename or unlink inside `dir` durable.
pub fn fsync_dir(dir: BorrowedFd<'_>, path: &Path) -> Result<()> {
    crate::fs::file::sync_dir(dir).map_err(|e| LayoutError::io(path, e))
}

/// Removes every `.umoci-*` scratch directory in the layout directory
/// `layout` that no live process holds, returning the ones removed.
pub fn clean_stale(layout: BorrowedFd<'_>, layout_root: &Path) -> Result<Vec<PathBuf>> {
    let io_err = |e: io::Error| LayoutError::io(layout_root, e);
    let mut removed = Vec::new();
    for name in list_dir_of(layout).map_err(io_err)?.iter() {
        if !name.starts_with(TEMP_PREFIX.as_bytes()) {
            continue;
        }
        let path = layout_root.join(std::ffi::OsStr::from_bytes(name));
        let dir = match rustix::fs::openat(
            layout,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(dir) => dir,
            // Not a directory (or gone): not a scratch area.
            Err(Errno::NOTDIR | Errno::LOOP | Errno::NOENT) => continue,
            Err(e) => return Err(LayoutError::io(&path, e.into())),
        };
        if rustix::fs::fstat(&dir)
            .map(|st| FileType::from_raw_mode(st.st_mode) != FileType::Directory)
            .unwrap_or(true)
        {
            continue;
        }
        let Some(lock) = DirLock::try_exclusive(dir).map_err(|e| LayoutError::io(&path, e))? else {
            log::debug!("gc: {} is in use, leaving it", path.display());
            continue;
        };
        match remove_all_at(layout, name) {
            Ok(()) => removed.push(path),
            Err(e) => log::warn!("gc: failed to remove {}: {e}", path.display()),
        }
        drop(lock);
    }
    Ok(removed)
}
