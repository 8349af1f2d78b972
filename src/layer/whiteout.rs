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
/// 64-bit hashes: recent ones in a small set, the rest in one sorted
/// vector, so a layer of millions of entries costs about 8 bytes each
/// rather than a copy of every path.
#[derive(Debug, Default)]
pub struct UpperPaths {
    /// Nothing lay below this layer: every path on disk is its own, and
    /// nothing needs recording.
    all: bool,
    recent: HashSet<u64>,
    sorted: Vec<u64>,
}

/// How many hashes wait in the set before they are merged into the
/// sorted vector (a merge costs one pass over it).
const RECENT_MAX: usize = 1 << 16;

impl UpperPaths {
    /// Starts a layer. When the root is empty, there is no lower content
    /// for a whiteout to remove, and every path is upper.
    pub fn start_layer(&mut self, root_is_empty: bool) {
        self.recent.clear();
        self.sorted = Vec::new();
        self.all = root_is_empty;
    }

    /// Whether every path is upper (the layer was applied to an empty
    /// root), so that whiteouts have nothing to remove.
    pub fn is_everything(&self) -> bool {
        self.all
    }

    /// Records `path` and every ancestor of it, and `path` as written
    /// itself (see [`UpperPaths::contains_exact`]).
    pub fn insert_with_ancestors(&mut self, path: &RelPath) {
        if self.all {
            return;
        }
        let mut h = DefaultHasher::new();
        self.insert(h.clone().finish());
        for component in path.components() {
            h.write(component);
            h.write_u8(b'/');
            self.insert(h.clone().finish());
        }
        h.write_u8(EXACT);
        self.insert(h.finish());
    }

    fn insert(&mut self, key: u64) {
        if self.recent.insert(key) && self.recent.len() >= RECENT_MAX {
            let mut keys: Vec<u64> = self.recent.drain().collect();
            keys.sort_unstable();
            self.sorted = merge_sorted(std::mem::take(&mut self.sorted), &keys);
        }
    }

    /// Whether `path` was recorded, written or as the way to something
    /// written.
    pub fn contains(&self, path: &RelPath) -> bool {
        self.all || self.has(Self::hasher(path).finish())
    }

    /// Whether an entry of this layer was written at `path` itself, rather
    /// than beneath it: a lower symlink the layer wrote through is on the
    /// way to its entries, but it is not one of them.
    pub fn contains_exact(&self, path: &RelPath) -> bool {
        let mut h = Self::hasher(path);
        h.write_u8(EXACT);
        self.all || self.has(h.finish())
    }

    fn hasher(path: &RelPath) -> DefaultHasher {
        let mut h = DefaultHasher::new();
        for component in path.components() {
            h.write(component);
            h.write_u8(b'/');
        }
        h
    }

    fn has(&self, key: u64) -> bool {
        self.recent.contains(&key) || self.sorted.binary_search(&key).is_ok()
    }
}

/// Hashed after a path to mark it as written itself (no name holds NUL).
const EXACT: u8 = 0;

/// Merges two sorted runs, dropping duplicates.
fn merge_sorted(a: Vec<u64>, b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Directories (by device and inode) that hold nothing from lower layers
/// any more in this layer: ones it created, and ones a whiteout has
/// already been applied beneath. A whiteout in one of them has nothing
/// left to remove, so it is skipped, and a removal never walks one twice:
/// nested or repeated whiteouts cost their own entry, not a walk of
/// everything the layer wrote beneath them again (which, for a chain of
/// nested opaque directories, was cubic in its depth).
///
/// The set holds inodes, not paths: a whiteout reached through one of the
/// layer's own symlinks lands in whatever directory that resolves to,
/// which is only skipped if that directory is itself clear. An inode
/// number reused by a directory made later in the layer is harmless, since
/// a directory the layer made holds nothing lower either.
#[derive(Debug, Default)]
pub struct ClearDirs(HashSet<(u64, u64)>);

impl ClearDirs {
    /// Forgets everything: a new layer has lower content everywhere.
    pub fn start_layer(&mut self) {
        self.0 = HashSet::new();
    }

    /// Records the directory `dir` is a handle to as clear.
    pub fn insert(&mut self, dir: BorrowedFd<'_>) -> io::Result<()> {
        self.0.insert(identity(dir)?);
        Ok(())
    }

    /// Whether the directory `dir` is a handle to is clear.
    pub fn contains(&self, dir: BorrowedFd<'_>) -> io::Result<bool> {
        Ok(self.0.contains(&identity(dir)?))
    }
}

fn identity(fd: BorrowedFd<'_>) -> io::Result<(u64, u64)> {
    let st = rustix::fs::fstat(fd)?;
    Ok((st.st_dev, st.st_ino))
}

/// Removes `name` (or, when `None`, every child) in the directory `dir`
/// at `dir_path`, sparing paths in `upper`; directories found clear are
/// not entered, and those walked become clear.
pub fn apply(
    upper: &UpperPaths,
    clear: &mut ClearDirs,
    dir: BorrowedFd<'_>,
    dir_path: &RelPath,
    name: Option<&[u8]>,
) -> io::Result<()> {
    if clear.contains(dir)? {
        return Ok(());
    }
    match name {
        Some(name) => prune(upper, clear, dir, name, &dir_path.join(name)),
        None => {
            let real = open_dir(dir, b".")?;
            for child in list_dir(real.as_fd())?.iter() {
                prune(upper, clear, real.as_fd(), child, &dir_path.join(child))?;
            }
            clear.insert(real.as_fd())
        }
    }
}

fn prune(
    upper: &UpperPaths,
    clear: &mut ClearDirs,
    dir: BorrowedFd<'_>,
    name: &[u8],
    path: &RelPath,
) -> io::Result<()> {
    if !upper.contains(path) {
        return remove_all_at(dir, name);
    }
    let Some(st) = lstat_at(dir, name)? else {
        return Ok(());
    };
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        // Upper only as the way to what the layer wrote (a lower symlink
        // written through): the entry itself is lower, and goes, as
        // upstream's resolved upper paths decide.
        if !upper.contains_exact(path) {
            return remove_all_at(dir, name);
        }
        return Ok(());
    }
    let child = open_dir(dir, name)?;
    if clear.contains(child.as_fd())? {
        return Ok(());
    }
    for grandchild in list_dir(child.as_fd())?.iter() {
        prune(
            upper,
            clear,
            child.as_fd(),
            grandchild,
            &path.join(grandchild),
        )?;
    }
    clear.insert(child.as_fd())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_paths_and_ancestors_across_merges() {
        let mut upper = UpperPaths::default();
        upper.start_layer(false);
        let n = RECENT_MAX * 2 + 7;
        for i in 0..n {
            upper.insert_with_ancestors(&RelPath::clean(format!("d{}/f{i}", i % 10).as_bytes()));
        }
        assert!(!upper.sorted.is_empty(), "some were merged");
        for i in (0..n).step_by(97) {
            assert!(upper.contains(&RelPath::clean(format!("d{}/f{i}", i % 10).as_bytes())));
        }
        assert!(upper.contains(&RelPath::clean(b"d3")));
        assert!(upper.contains(&RelPath::root()));
        assert!(upper.contains_exact(&RelPath::clean(b"d3/f3")));
        assert!(
            !upper.contains_exact(&RelPath::clean(b"d3")),
            "only on the way"
        );
        assert!(!upper.contains(&RelPath::clean(b"d3/g")));
        assert!(!upper.contains(&RelPath::clean(b"e")));
        assert!(upper.sorted.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn an_empty_root_makes_everything_upper() {
        let mut upper = UpperPaths::default();
        upper.start_layer(true);
        assert!(upper.is_everything());
        assert!(upper.contains(&RelPath::clean(b"anything")));
        upper.start_layer(false);
        assert!(!upper.contains(&RelPath::clean(b"anything")));
    }
}
