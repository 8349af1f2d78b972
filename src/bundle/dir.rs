//! A bundle directory, opened once.
//!
//! The user names a bundle by path, and that path is resolved exactly once:
//! every file the tool then reads, writes or removes in the bundle (the
//! rootfs, `config.json`, the mtree, the stat cache, `umoci.json`) is named
//! relative to the handle. Whoever can rename the bundle or a directory
//! above it while we work (another user who owns the bundle's parent, say)
//! can therefore not send one of those operations somewhere else: after a
//! swap the tool goes on working in the directory it first opened.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::fs::file::open_dir_path;
use crate::fs::inode::Inode;
use crate::fs::root::lstat_at;
use crate::fs::{Ownership, Root};

/// The name of a bundle's root filesystem.
pub const ROOTFS: &str = "rootfs";

/// A bundle directory handle, and the path the user named it by.
pub struct BundleDir {
    dir: OwnedFd,
    path: PathBuf,
}

impl BundleDir {
    /// Opens the existing bundle at `path` (links in the path are followed,
    /// as for any argument).
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(BundleDir {
            dir: open_dir_path(path)?,
            path: path.to_owned(),
        })
    }

    /// Makes the bundle directory at `path` (and its parents) unless it
    /// exists, opens it, and gives it mode 0700 through the handle: an
    /// image's setuid binaries must be out of other users' reach.
    pub fn create(path: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(path)?;
        let bundle = Self::open(path)?;
        Inode::from_fd(bundle.dir.try_clone()?)?.chmod(0o700)?;
        Ok(bundle)
    }

    /// The path the user named the bundle by, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` in the bundle, for messages only: never open this path.
    pub fn shown(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// Whether the bundle holds an entry `name` (of any kind; a symlink is
    /// not followed).
    pub fn contains(&self, name: &str) -> io::Result<bool> {
        Ok(lstat_at(self.dir.as_fd(), name.as_bytes())?.is_some())
    }

    /// The bundle's `rootfs`, which must be a directory and not a symlink,
    /// to be read and written with `ownership`.
    pub fn rootfs(&self, ownership: Ownership) -> io::Result<Root> {
        Root::open_at(
            self.dir.as_fd(),
            ROOTFS.as_bytes(),
            self.shown(ROOTFS),
            ownership,
        )
    }
}

impl AsFd for BundleDir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }
}
