//! A directory that paths are resolved inside of.
//!
//! Every lookup goes through `openat2(2)` with `RESOLVE_IN_ROOT`, so `..`
//! and symlinks (absolute or relative) are resolved as if the root were `/`:
//! a layer can plant any symlink it likes and we will still only ever touch
//! inodes beneath the root. Final components are never followed; callers
//! operate on `(parent directory fd, name)` pairs with `*at` calls and
//! `AT_SYMLINK_NOFOLLOW`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustix::fs::{Mode, OFlags, ResolveFlags};

use super::inode::{OpenedUp, OpenedUpScope};
use super::ownership::Ownership;
use super::path::RelPath;

/// How lookups inside a root are constrained.
const RESOLVE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// How often a lookup the kernel could not vouch for (`EAGAIN`, after a
/// concurrent rename) is tried again before the error is reported.
const RESOLVE_RETRIES: u32 = 256;

/// A directory handle that all paths are resolved beneath, and how owners
/// are handled beneath it.
pub struct Root {
    dir: OwnedFd,
    path: PathBuf,
    ownership: Ownership,
    /// The last directory resolved, reused while entries stay in one
    /// directory (the common case in a sorted layer). Cleared whenever
    /// anything is removed, since a removal can change what a path means.
    last_dir: RefCell<Option<(RelPath, Rc<OwnedFd>)>>,
    /// Set while a directory is resolved component by component because
    /// the kernel kept refusing (see [`Root::resolve`]).
    resolving_by_hand: Cell<bool>,
    /// For a root whose files share inodes with a content store
    /// (`--store-link hardlink`): how many links each such inode has
    /// inside the root, which is what its mtree records, not `st_nlink`.
    link_counts: Option<HashMap<u64, u64>>,
}

impl Root {
    /// Opens the directory at `path` (which must not be a symlink), to be
    /// written and read with `ownership`.
    pub fn open(path: &Path, ownership: Ownership) -> io::Result<Self> {
        let dir = rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root {
            dir,
            path: path.to_owned(),
            ownership,
            last_dir: RefCell::new(None),
            resolving_by_hand: Cell::new(false),
            link_counts: None,
        })
    }

    /// Opens the directory `name` in `dir` (which must not be a symlink);
    /// `path` is how messages name it.
    pub fn open_at(
        dir: BorrowedFd<'_>,
        name: &[u8],
        path: PathBuf,
        ownership: Ownership,
    ) -> io::Result<Self> {
        let dir = rustix::fs::openat(
            dir,
            name,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root {
            dir,
            path,
            ownership,
            last_dir: RefCell::new(None),
            resolving_by_hand: Cell::new(false),
            link_counts: None,
        })
    }

    /// A root at the directory `dir` is already open on (an argument the
    /// user named, say); `path` is how messages name it.
    pub fn from_dir(dir: OwnedFd, path: PathBuf, ownership: Ownership) -> Self {
        Root {
            dir,
            path,
            ownership,
            last_dir: RefCell::new(None),
            resolving_by_hand: Cell::new(false),
            link_counts: None,
        }
    }

    /// Sets the in-root link counts of inodes shared with a content store
    /// (see the field's documentation).
    pub fn set_link_counts(&mut self, counts: HashMap<u64, u64>) {
        self.link_counts = Some(counts);
    }

    /// The in-root link counts of inodes shared with a content store, if
    /// the root has any.
    pub fn link_counts(&self) -> Option<&HashMap<u64, u64>> {
        self.link_counts.as_ref()
    }

    /// The root's path on the host, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How owners, devices and unreadable entries are handled here.
    pub fn ownership(&self) -> &Ownership {
        &self.ownership
    }

    /// The root directory's own descriptor (an `O_PATH` handle).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// Forgets cached lookups; call after removing or replacing anything.
    pub fn invalidate(&self) {
        self.last_dir.borrow_mut().take();
    }

    /// Like [`Root::open_dir`], but where the kernel finds nothing, `dir`
    /// is also looked for as upstream's securejoin looks (a missing
    /// component followed by `..` in a link target cancels out), so a
    /// whiteout or a hard link finds what a created directory would.
    pub fn open_dir_lexically(&self, dir: &RelPath) -> io::Result<Rc<OwnedFd>> {
        match self.open_dir(dir) {
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOENT.raw_os_error()) => {
                super::resolve::open_dir_resolving(self, dir).map(Rc::new)
            }
            other => other,
        }
    }

    /// Resolves `dir` inside the root (following symlinks, but only ever to
    /// places inside it) and returns an `O_PATH` handle to the directory.
    pub fn open_dir(&self, dir: &RelPath) -> io::Result<Rc<OwnedFd>> {
        if let Some((path, fd)) = self.last_dir.borrow().as_ref() {
            if path == dir {
                return Ok(fd.clone());
            }
        }
        Ok(self.remember(dir, self.resolve(dir, OFlags::PATH | OFlags::DIRECTORY)?))
    }

    /// Keeps `fd` as the handle of `dir` for the next lookups (a layer's
    /// next entries are most likely in the same directory).
    fn remember(&self, dir: &RelPath, fd: OwnedFd) -> Rc<OwnedFd> {
        let fd = Rc::new(fd);
        *self.last_dir.borrow_mut() = Some((dir.clone(), fd.clone()));
        fd
    }

    /// Resolves `path` inside the root and opens it with `flags`, following
    /// symlinks only within the root (used to read `/etc/passwd`).
    pub fn resolve(&self, path: &RelPath, flags: OFlags) -> io::Result<OwnedFd> {
        let bytes = path.to_bytes();
        let mut tries = 0;
        loop {
            match rustix::fs::openat2(
                &self.dir,
                bytes.as_slice(),
                flags | OFlags::CLOEXEC,
                Mode::empty(),
                RESOLVE,
            ) {
                // A rename anywhere on the system while a `..` was resolved
                // makes the kernel refuse to vouch for it; it asks the
                // caller to try again (see openat2(2)).
                Err(rustix::io::Errno::AGAIN) if tries < RESOLVE_RETRIES => {
                    tries += 1;
                    std::thread::yield_now();
                }
                // Renames elsewhere keep coming faster than a long lookup
                // (a layer's link chain full of `..`) completes: resolve a
                // directory one component at a time instead, which the
                // kernel never refuses (`fs::resolve`).
                Err(rustix::io::Errno::AGAIN)
                    if flags == OFlags::PATH | OFlags::DIRECTORY
                        && !self.resolving_by_hand.get() =>
                {
                    self.resolving_by_hand.set(true);
                    let fd = super::resolve::open_dir_resolving(self, path);
                    self.resolving_by_hand.set(false);
                    return fd;
                }
                other => return other.map_err(io::Error::from),
            }
        }
    }

    /// Resolves the directory `parent` and `lstat`s `name` in it. Where a
    /// directory on the way denies its owner a search and this root's
    /// ownership opens entries up (rootless), they are opened up through
    /// pinned handles and given their modes back when `scope` drops. An
    /// error says which step failed.
    pub fn lstat_in(
        &self,
        parent: &RelPath,
        name: &[u8],
        scope: &mut OpenedUpScope,
    ) -> Result<(Rc<OwnedFd>, rustix::fs::Stat), (&'static str, io::Error)> {
        let lstat = |dir: &OwnedFd| -> io::Result<rustix::fs::Stat> {
            Ok(rustix::fs::statat(
                dir,
                name,
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            )?)
        };
        let found = match self.open_dir(parent) {
            Ok(dir) => lstat(&dir).map(|st| (dir, st)).map_err(|e| ("lstat", e)),
            Err(e) => Err(("open parent", e)),
        };
        match found {
            Err((_, e))
                if e.kind() == io::ErrorKind::PermissionDenied && self.ownership.opens_up() =>
            {
                let dir = self
                    .open_dir_opening_up(parent, scope)
                    .map_err(|e| ("open parent", e))?;
                let st = lstat(&dir).map_err(|e| ("lstat", e))?;
                Ok((dir, st))
            }
            other => other,
        }
    }

    /// Like [`Root::open_dir`], in a tree whose directories may deny their
    /// owner access (rootless): each directory on the way, and `dir`
    /// itself, that does is opened up through a pinned handle, and given
    /// its mode back when `scope` is dropped.
    fn open_dir_opening_up(
        &self,
        dir: &RelPath,
        scope: &mut OpenedUpScope,
    ) -> io::Result<Rc<OwnedFd>> {
        let flags = OFlags::PATH | OFlags::DIRECTORY;
        let mut prefix = RelPath::root();
        let mut fd = self.resolve(&prefix, flags)?;
        for name in dir.components() {
            let next = prefix.join(name);
            fd = match self.resolve(&next, flags) {
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    scope.push(OpenedUp::directory(fd.as_fd())?);
                    self.resolve(&next, flags)?
                }
                other => other?,
            };
            prefix = next;
        }
        scope.push(OpenedUp::directory(fd.as_fd())?);
        // Modes changed under the cached handle's feet.
        self.invalidate();
        Ok(Rc::new(fd))
    }

    /// Like [`Root::mkdir_all`], but a non-directory standing where one of
    /// the directories must be is removed first (as upstream's extraction
    /// does for a layer that puts `c/a` over a file `c`).
    pub fn mkdir_all_replacing(&self, dir: &RelPath, mode: u32) -> io::Result<Rc<OwnedFd>> {
        match self.mkdir_all(dir, mode) {
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) => {
                self.invalidate();
                let fd = super::resolve::mkdir_all_replacing(self, dir, mode)?;
                Ok(self.remember(dir, fd))
            }
            other => other,
        }
    }

    /// Like [`Root::open_dir`], creating missing directories (mode `mode`,
    /// before umask) on the way, as `mkdir -p` would inside the root.
    pub fn mkdir_all(&self, dir: &RelPath, mode: u32) -> io::Result<Rc<OwnedFd>> {
        match self.open_dir(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        // Find the deepest ancestor that resolves by bisection, then make
        // the rest top down, each inside the one just made: a path of `d`
        // missing levels costs `d log d` component lookups, not `d²` (which,
        // through symlinks a layer chained, made a hostile unpack crawl).
        let components: Vec<&[u8]> = dir.components().collect();
        let prefix = |n: usize| RelPath::clean(&components[..n].join(&b'/'));
        let (mut found, mut missing) = (0, components.len());
        while missing - found > 1 {
            let mid = (found + missing) / 2;
            match self.resolve(&prefix(mid), OFlags::PATH | OFlags::DIRECTORY) {
                Ok(_) => found = mid,
                Err(e)
                    if e.kind() == io::ErrorKind::NotFound
                        || e.kind() == io::ErrorKind::NotADirectory =>
                {
                    missing = mid
                }
                Err(e) => return Err(e),
            }
        }
        let mut fd = self.resolve(&prefix(found), OFlags::PATH | OFlags::DIRECTORY)?;
        for name in &components[found..] {
            match rustix::fs::mkdirat(&fd, *name, Mode::from_raw_mode(mode)) {
                Ok(()) => {}
                // Something in the way (a dangling symlink, a file): the
                // careful path deals with it.
                Err(rustix::io::Errno::EXIST) => {
                    let fd = super::resolve::mkdir_all_resolving(self, dir, mode)?;
                    return Ok(self.remember(dir, fd));
                }
                Err(e) => return Err(e.into()),
            }
            fd = rustix::fs::openat(
                &fd,
                *name,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
        }
        Ok(self.remember(dir, fd))
    }
}

/// `lstat` of `name` in `dir`; `None` when it (or a parent) does not exist.
pub fn lstat_at(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Option<rustix::fs::Stat>> {
    match rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(st)),
        Err(rustix::io::Errno::NOENT) | Err(rustix::io::Errno::NOTDIR) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir_all(root_path.join("real")).unwrap();
        std::os::unix::fs::symlink("/", root_path.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../../..", root_path.join("up")).unwrap();
        std::os::unix::fs::symlink("real", root_path.join("rel")).unwrap();
        let root = Root::open(&root_path, Ownership::default()).unwrap();
        (dir, root)
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let (dir, root) = tree();
        for (link, expect) in [("abs/real", "real"), ("up/real", "real"), ("rel", "real")] {
            let fd = root.open_dir(&RelPath::clean(link.as_bytes())).unwrap();
            let st = rustix::fs::fstat(&*fd).unwrap();
            let want = std::fs::metadata(dir.path().join("root").join(expect)).unwrap();
            assert_eq!(
                st.st_ino,
                std::os::unix::fs::MetadataExt::ino(&want),
                "{link}"
            );
        }
    }

    #[test]
    fn mkdir_all_creates_through_links_but_inside() {
        let (dir, root) = tree();
        root.mkdir_all(&RelPath::clean(b"abs/tmp/x/y"), 0o755)
            .unwrap();
        assert!(dir.path().join("root/tmp/x/y").is_dir());
        root.mkdir_all(&RelPath::clean(b"up/escaped"), 0o755)
            .unwrap();
        assert!(dir.path().join("root/escaped").is_dir());
        assert!(!dir.path().join("escaped").exists());
    }
}
