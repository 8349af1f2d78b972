//! Opening (or creating) a store, and deciding whether it can be trusted.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use std::fs::File;

use rustix::fs::{Mode, OFlags};

use crate::layout::lock::{DirLock, LockMode};
use rustix::io::Errno;

use super::StoreError;

/// The directories of a store.
const SUBDIRS: [&str; 6] = ["objects", "links", "layers", "blobs", "bundles", "tmp"];

/// How a store is locked while open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreLock {
    /// Unpacks, `du` and `fsck`: many at once.
    Shared,
    /// `gc`: nobody else.
    Exclusive,
}

/// An open, trusted store (see the module docs of [`crate::store`]).
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    /// The lock on the store directory, held while the store is open.
    _lock: DirLock,
    objects: OwnedFd,
    links: OwnedFd,
    layers: OwnedFd,
    blobs: OwnedFd,
    bundles: OwnedFd,
    tmp: OwnedFd,
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0700) when `create` is
    /// set and it does not exist, and locks it.
    pub fn open(path: &Path, create: bool, lock: StoreLock) -> Result<Store, StoreError> {
        if create {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(StoreError::io("create", parent))?;
            }
            match rustix::fs::mkdir(path, Mode::from_raw_mode(0o700)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(StoreError::io("create", path)(e.into())),
            }
        }
        // The last component must be the store itself, not a symlink to
        // somewhere else (links above it are the user's to make).
        let root = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| StoreError::io("open", path)(e.into()))?;
        check_trusted(root.as_fd(), path)?;
        // Waited for as a layout's lock is: with a warning after a second,
        // interruptible, and up to UMOCI_LOCK_TIMEOUT.
        let (mode, what) = match lock {
            StoreLock::Shared => (LockMode::Shared, "the store (store gc holds it)"),
            StoreLock::Exclusive => (LockMode::Exclusive, "the store (an unpack uses it)"),
        };
        let held = root
            .try_clone()
            .map_err(|e| StoreError::io("lock", path)(e))
            .and_then(|fd| {
                DirLock::acquire_open(File::from(fd), path, mode, what).map_err(|source| {
                    StoreError::Lock {
                        path: path.to_owned(),
                        source,
                    }
                })
            })?;
        let mut dirs = Vec::with_capacity(SUBDIRS.len());
        for name in SUBDIRS {
            let shown = path.join(name);
            match rustix::fs::mkdirat(&root, name, Mode::from_raw_mode(0o700)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(StoreError::io("create", &shown)(e.into())),
            }
            let fd = open_dir_in(root.as_fd(), name.as_bytes())
                .map_err(StoreError::io("open", &shown))?;
            check_trusted(fd.as_fd(), &shown)?;
            dirs.push(fd);
        }
        let mut dirs = dirs.into_iter();
        let mut next = || dirs.next().expect("one per subdirectory");
        Ok(Store {
            path: path.to_owned(),
            objects: next(),
            links: next(),
            layers: next(),
            blobs: next(),
            bundles: next(),
            tmp: next(),
            _lock: held,
        })
    }

    /// The path the store was opened by, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `objects/`.
    pub(crate) fn objects(&self) -> BorrowedFd<'_> {
        self.objects.as_fd()
    }

    /// `links/`.
    pub(crate) fn links(&self) -> BorrowedFd<'_> {
        self.links.as_fd()
    }

    /// `layers/`.
    pub(crate) fn layers(&self) -> BorrowedFd<'_> {
        self.layers.as_fd()
    }

    /// `blobs/`.
    pub(crate) fn blobs(&self) -> BorrowedFd<'_> {
        self.blobs.as_fd()
    }

    /// `bundles/`.
    pub(crate) fn bundles(&self) -> BorrowedFd<'_> {
        self.bundles.as_fd()
    }

    /// `tmp/`.
    pub(crate) fn tmp(&self) -> BorrowedFd<'_> {
        self.tmp.as_fd()
    }

    /// `name` under the store, for messages only.
    pub fn shown(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }
}

/// Opens the directory `name` in `dir` for reading, refusing a symlink.
pub(crate) fn open_dir_in(dir: BorrowedFd<'_>, name: &[u8]) -> std::io::Result<OwnedFd> {
    Ok(rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// A store (or a directory in it) is trusted only when its owner is the
/// caller or root and neither group nor others may write to it: anyone
/// else who could would decide what later bundles contain.
fn check_trusted(fd: BorrowedFd<'_>, path: &Path) -> Result<(), StoreError> {
    let st = rustix::fs::fstat(fd).map_err(|e| StoreError::io("stat", path)(e.into()))?;
    let me = rustix::process::geteuid().as_raw();
    let untrusted = |why: String| {
        Err(StoreError::Untrusted {
            path: path.to_owned(),
            why,
        })
    };
    if st.st_uid != me && st.st_uid != 0 {
        return untrusted(format!(
            "it belongs to uid {}, not to you (uid {me}) or root",
            st.st_uid
        ));
    }
    if st.st_mode & 0o022 != 0 {
        return untrusted(format!(
            "its mode {:04o} lets others write to it (chmod go-w, or 0700)",
            st.st_mode & 0o7777
        ));
    }
    Ok(())
}
