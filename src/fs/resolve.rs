//! Making a directory the careful way, for when something stands in the
//! way of `mkdir -p` inside a root (a dangling symlink, say).
//!
//! The path is resolved here one component at a time, as upstream's
//! `securejoin` resolves it: symlinks are followed (at most 40, as the
//! kernel allows in one lookup) with `..` and absolute targets clamped at
//! the root; a missing component makes the rest of the path lexical (so
//! `missing/..` is where it started); what is still missing at the end is
//! created. Every component and every link target costs a few system calls
//! at most once: however deep the path and however its links chain, the
//! cost is their total length, never a product of the two.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::rc::Rc;

use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;

use super::path::RelPath;
use super::root::Root;

/// As many symlinks as the kernel follows in one lookup.
const MAX_LINKS: usize = 40;
/// How many of the deepest resolved levels keep a handle, so that `..`
/// right after a descent costs nothing (deeper paths than this re-open).
const WINDOW: usize = 8;
/// How many directory lookups are remembered, so that a detour like
/// `x/../x/../` in a link target is looked up once.
const MEMO: usize = 64;

type Identity = (u64, u64);

/// Makes `dir` inside `root` (mode `mode` before umask) and returns an
/// `O_PATH` handle to it, resolved as the module says.
pub fn mkdir_all_resolving(root: &Root, dir: &RelPath, mode: u32) -> io::Result<OwnedFd> {
    make_dirs(root, dir, mode, false)
}

/// Like [`mkdir_all_resolving`], but a non-directory standing where a
/// directory of the path must be (a file, or where a link leads) is
/// removed first, as upstream's extraction replaces it.
pub fn mkdir_all_replacing(root: &Root, dir: &RelPath, mode: u32) -> io::Result<OwnedFd> {
    make_dirs(root, dir, mode, true)
}

fn make_dirs(root: &Root, dir: &RelPath, mode: u32, replace: bool) -> io::Result<OwnedFd> {
    let (mut fd, missing) = resolve_existing(root, dir, replace)?;
    for name in &missing {
        match rustix::fs::mkdirat(&fd, name.as_slice(), Mode::from_raw_mode(mode)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        // Never through a symlink someone raced into the name.
        fd = rustix::fs::openat(
            &fd,
            name.as_slice(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
    }
    Ok(fd)
}

/// An `O_PATH` handle to the existing directory `dir` inside `root`,
/// resolved as the module says (so `missing/..` in a link target is where
/// it started, where the kernel finds nothing); `ENOENT` if some of it
/// does not exist.
pub fn open_dir_resolving(root: &Root, dir: &RelPath) -> io::Result<OwnedFd> {
    match resolve_existing(root, dir, false)? {
        (fd, missing) if missing.is_empty() => Ok(fd),
        _ => Err(Errno::NOENT.into()),
    }
}

/// The deepest existing directory on the way to `dir`, and the names
/// still missing below it; with `replace`, a non-directory in the way is
/// unlinked and counted as missing.
fn resolve_existing(
    root: &Root,
    dir: &RelPath,
    replace: bool,
) -> io::Result<(OwnedFd, Vec<Vec<u8>>)> {
    let mut walk = Walk::start(root)?;
    let mut links = 0;
    // Components still to resolve, the next one last.
    let mut todo: Vec<Vec<u8>> = dir.components().rev().map(<[u8]>::to_vec).collect();
    // Components past the first missing one: nothing to look up there.
    let mut missing: Vec<Vec<u8>> = Vec::new();
    while let Some(name) = todo.pop() {
        match name.as_slice() {
            b"" | b"." => {}
            b".." if !missing.is_empty() => {
                missing.pop();
            }
            b".." => walk.ascend()?,
            _ if !missing.is_empty() => missing.push(name),
            _ => match walk.lookup(&name, replace)? {
                Lookup::Missing => missing.push(name),
                Lookup::Dir(fd, id) => walk.descend(name, fd, id),
                Lookup::Symlink(target) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(Errno::LOOP.into());
                    }
                    if target.starts_with(b"/") {
                        walk = Walk::start(root)?;
                    }
                    todo.extend(target.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
                }
            },
        }
    }
    Ok((walk.into_current()?, missing))
}

/// What a name in the current directory is.
enum Lookup {
    Missing,
    Dir(Rc<OwnedFd>, Identity),
    Symlink(Vec<u8>),
}

/// One resolved directory below the root.
struct Level {
    name: Vec<u8>,
    id: Identity,
    /// Kept for the deepest [`WINDOW`] levels only (descriptors are few).
    fd: Option<Rc<OwnedFd>>,
}

/// The existing directories resolved so far, root first.
struct Walk<'r> {
    root: &'r Root,
    root_fd: Rc<OwnedFd>,
    root_id: Identity,
    levels: Vec<Level>,
    memo: HashMap<(Identity, Vec<u8>), (Rc<OwnedFd>, Identity)>,
}

impl<'r> Walk<'r> {
    fn start(root: &'r Root) -> io::Result<Self> {
        let root_fd = root.resolve(&RelPath::root(), OFlags::PATH | OFlags::DIRECTORY)?;
        Ok(Walk {
            root,
            root_id: identity(&root_fd)?,
            root_fd: Rc::new(root_fd),
            levels: Vec::new(),
            memo: HashMap::new(),
        })
    }

    fn current(&self) -> &Rc<OwnedFd> {
        match self.levels.last() {
            Some(level) => level
                .fd
                .as_ref()
                .expect("the deepest level keeps its handle"),
            None => &self.root_fd,
        }
    }

    fn current_id(&self) -> Identity {
        self.levels.last().map_or(self.root_id, |level| level.id)
    }

    /// Looks `name` up in the current directory, never following it; a
    /// non-directory there is `ENOTDIR`, or with `replace` is unlinked and
    /// missing.
    fn lookup(&mut self, name: &[u8], replace: bool) -> io::Result<Lookup> {
        let key = (self.current_id(), name.to_vec());
        if let Some((fd, id)) = self.memo.get(&key) {
            return Ok(Lookup::Dir(fd.clone(), *id));
        }
        let dir = self.current().clone();
        let fd = match rustix::fs::openat(
            &*dir,
            name,
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Lookup::Missing),
            Err(e) => return Err(e.into()),
        };
        let st = rustix::fs::fstat(&fd)?;
        match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => {
                let (fd, id) = (Rc::new(fd), (st.st_dev, st.st_ino));
                if self.memo.len() >= MEMO {
                    self.memo.clear();
                }
                self.memo.insert(key, (fd.clone(), id));
                Ok(Lookup::Dir(fd, id))
            }
            FileType::Symlink => {
                let target = rustix::fs::readlinkat(&*dir, name, Vec::new())?;
                Ok(Lookup::Symlink(target.into_bytes()))
            }
            _ if replace => {
                rustix::fs::unlinkat(&*dir, name, rustix::fs::AtFlags::empty())?;
                Ok(Lookup::Missing)
            }
            _ => Err(Errno::NOTDIR.into()),
        }
    }

    fn descend(&mut self, name: Vec<u8>, fd: Rc<OwnedFd>, id: Identity) {
        self.levels.push(Level {
            name,
            id,
            fd: Some(fd),
        });
        if let Some(old) = self.levels.len().checked_sub(WINDOW + 1) {
            self.levels[old].fd = None;
        }
    }

    /// `..`: the parent of the current directory (the root's is the root).
    fn ascend(&mut self) -> io::Result<()> {
        let Some(child) = self.levels.pop() else {
            return Ok(());
        };
        let Some(parent) = self.levels.last() else {
            return Ok(());
        };
        if parent.fd.is_some() {
            return Ok(());
        }
        let want = parent.id;
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let child_fd = child.fd.expect("the deepest level keeps its handle");
        // `..` of the handle is the parent unless something was moved
        // meanwhile; then the names are resolved afresh inside the root.
        let up = rustix::fs::openat(&*child_fd, "..", flags, Mode::empty())?;
        let fd = if identity(&up)? == want {
            up
        } else {
            let path =
                RelPath::from_components(self.levels.iter().map(|l| l.name.clone()).collect());
            self.root.resolve(&path, OFlags::PATH | OFlags::DIRECTORY)?
        };
        if let Some(parent) = self.levels.last_mut() {
            parent.fd = Some(Rc::new(fd));
        }
        Ok(())
    }

    fn into_current(self) -> io::Result<OwnedFd> {
        let fd = self.current().clone();
        drop(self);
        match Rc::try_unwrap(fd) {
            Ok(fd) => Ok(fd),
            Err(shared) => Ok(rustix::io::fcntl_dupfd_cloexec(&*shared, 0)?),
        }
    }
}

fn identity(fd: &OwnedFd) -> io::Result<Identity> {
    let st = rustix::fs::fstat(fd)?;
    Ok((st.st_dev, st.st_ino))
}
