//! OCI whiteouts: `.wh.NAME` removes NAME from lower layers and
//! `.wh..wh..opq` empties its directory of lower-layer content.
//!
//! Entries this layer itself already wrote (its "upper" paths, with their
//! ancestors) survive, as the image-spec requires when a whiteout follows
//! them in the same layer.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, Mode, OFlags};

use crate::fs::dir::list_dir;
use crate::fs::remove::remove_all_at;
use crate::fs::root::lstat_at;
use crate::fs::RelPath;

/// The whiteout file-name prefix.
pub const PREFIX: &[u8] = b".wh.";
/// The opaque-directory marker's file name.
pub const OPAQUE: &[u8] = b".wh..wh..opq";

/// The paths a layer has written so far, with their ancestors, kept as
/// 64-bit hashes: a layer of millions of entries costs 16 bytes each, not
/// a copy of every path.
#[derive(Debug, Default)]
pub struct UpperPaths {
    keys: HashSet<u64>,
}

impl UpperPaths {
    /// Records `path` and every ancestor of it.
    pub fn insert_with_ancestors(&mut self, path: &RelPath) {
        let mut h = DefaultHasher::new();
        self.keys.insert(h.clone().finish());
        for component in path.components() {
            h.write(component);
            h.write_u8(b'/');
            self.keys.insert(h.clone().finish());
        }
    }

    /// Whether `path` was recorded.
    pub fn contains(&self, path: &RelPath) -> bool {
        let mut h = DefaultHasher::new();
        for component in path.components() {
            h.write(component);
            h.write_u8(b'/');
        }
        self.keys.contains(&h.finish())
    }

    /// Forgets everything (at the end of a layer).
    pub fn clear(&mut self) {
        self.keys.clear();
    }
}

/// Removes `name` (or, when `None`, every child) in the directory `dir`
/// at `dir_path`, sparing paths in `upper`.
pub fn apply(
    upper: &UpperPaths,
    dir: BorrowedFd<'_>,
    dir_path: &RelPath,
    name: Option<&[u8]>,
) -> io::Result<()> {
    match name {
        Some(name) => prune(upper, dir, name, &dir_path.join(name)),
        None => {
            let real = open_dir(dir, b".")?;
            for child in list_dir(real.as_fd())? {
                prune(upper, real.as_fd(), &child, &dir_path.join(&child))?;
            }
            Ok(())
        }
    }
}

fn prune(upper: &UpperPaths, dir: BorrowedFd<'_>, name: &[u8], path: &RelPath) -> io::Result<()> {
    if !upper.contains(path) {
        return remove_all_at(dir, name);
    }
    let Some(st) = lstat_at(dir, name)? else {
        return Ok(());
    };
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        return Ok(());
    }
    let child = open_dir(dir, name)?;
    for grandchild in list_dir(child.as_fd())? {
        prune(upper, child.as_fd(), &grandchild, &path.join(&grandchild))?;
    }
    Ok(())
}

fn open_dir(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<OwnedFd> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(Into::into)
}
