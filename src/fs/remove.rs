//! Removing a tree relative to a directory descriptor, never following a
//! symlink: what `rm -rf` does, but safe against a tree full of links, and
//! against a tree of any depth.
//!
//! The walk is iterative, so the stack does not grow with depth, and it
//! keeps descriptors open for only the deepest [`OPEN_LEVELS`] levels:
//! above those, it climbs back through `..` and checks that it arrived at
//! the very directory it came down from (device and inode), so a tree
//! moved meanwhile is an error rather than a removal somewhere else.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::inode::open_dir_opening_up;

/// Directory descriptors kept open while descending.
const OPEN_LEVELS: usize = 128;

/// One directory on the way down.
struct Level {
    /// Open while within [`OPEN_LEVELS`] of the bottom.
    fd: Option<OwnedFd>,
    /// Its name in the level above.
    name: Vec<u8>,
    dev: u64,
    ino: u64,
    /// Subdirectories still to empty and remove.
    pending: Vec<Vec<u8>>,
}

/// Removes `name` in `dir` and, if it is a directory, everything beneath
/// it. A missing entry is not an error. Directories that deny their owner
/// access (as rootless extraction leaves them) are opened up first.
pub fn remove_all_at(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => return Ok(()),
        Err(Errno::ISDIR) | Err(Errno::PERM) => {}
        Err(e) => return Err(e.into()),
    }
    let top = match open_dir_nofollow(dir, name) {
        Ok(fd) => fd,
        // Not a directory after all (EPERM came from something else).
        Err(e) if e.raw_os_error() == Some(Errno::NOTDIR.raw_os_error()) => {
            return Err(Errno::PERM.into())
        }
        Err(e) => return Err(e),
    };
    let mut levels = vec![level(top, name)?];
    loop {
        let depth = levels.len();
        let current = levels.last_mut().expect("never empty here");
        let Some(sub) = current.pending.pop() else {
            // Emptied: remove it from the level above.
            let done = levels.pop().expect("never empty here");
            let Some(parent) = levels.last_mut() else {
                return match rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR) {
                    Ok(()) | Err(Errno::NOENT) => Ok(()),
                    Err(e) => Err(e.into()),
                };
            };
            if parent.fd.is_none() {
                let fd = done.fd.as_ref().expect("the bottom level is open");
                parent.fd = Some(climb(fd.as_fd(), parent.dev, parent.ino)?);
            }
            let parent_fd = parent.fd.as_ref().expect("just opened");
            match rustix::fs::unlinkat(parent_fd, done.name.as_slice(), AtFlags::REMOVEDIR) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => return Err(e.into()),
            }
            continue;
        };
        let fd = current.fd.as_ref().expect("the bottom level is open");
        let child = match open_dir_nofollow(fd.as_fd(), &sub) {
            Ok(child) => child,
            Err(e) if is_gone(&e) => continue,
            Err(e) => return Err(e),
        };
        if depth >= OPEN_LEVELS {
            levels[depth - OPEN_LEVELS].fd = None;
        }
        levels.push(level(child, &sub)?);
    }
}

/// Empties the open directory `dir`, unlinking its non-directories now and
/// listing its subdirectories to descend into.
fn level(fd: OwnedFd, name: &[u8]) -> io::Result<Level> {
    let st = rustix::fs::fstat(&fd)?;
    let mut pending = Vec::new();
    for child in super::dir::list_dir(fd.as_fd())?.iter() {
        match rustix::fs::unlinkat(&fd, child, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(Errno::ISDIR) | Err(Errno::PERM) => pending.push(child.to_vec()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Level {
        fd: Some(fd),
        name: name.to_vec(),
        dev: st.st_dev,
        ino: st.st_ino,
        pending,
    })
}

/// Opens the parent of `dir` through `..`, if it is still the directory
/// `(dev, ino)`.
fn climb(dir: BorrowedFd<'_>, dev: u64, ino: u64) -> io::Result<OwnedFd> {
    let up = rustix::fs::openat(
        dir,
        "..",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let st = rustix::fs::fstat(&up)?;
    if st.st_dev != dev || st.st_ino != ino {
        return Err(io::Error::other(
            "directory tree moved while it was being removed",
        ));
    }
    Ok(up)
}

fn is_gone(e: &io::Error) -> bool {
    e.raw_os_error() == Some(Errno::NOENT.raw_os_error())
}

/// Removes every entry in the open directory `dir`.
pub fn empty_dir(dir: BorrowedFd<'_>) -> io::Result<()> {
    // Collect names first: removing while iterating can skip entries.
    let names = super::dir::list_dir(dir)?;
    for name in names.iter() {
        remove_all_at(dir, name)?;
    }
    Ok(())
}

/// Opens a directory for listing, never through a symlink; one that denies
/// its owner access (as rootless extraction leaves them) is opened up
/// first, through a handle pinned to its inode, and left so: it is about
/// to be removed.
fn open_dir_nofollow(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<OwnedFd> {
    let (fd, opened_up) =
        open_dir_opening_up(dir, name, true).map_err(|e| match e.raw_os_error() {
            Some(code) if code == Errno::LOOP.raw_os_error() => Errno::NOTDIR.into(),
            _ => e,
        })?;
    if let Some(opened_up) = opened_up {
        opened_up.keep_open();
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn removes_a_tree_deeper_than_the_descriptors_it_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::File::open(dir.path()).unwrap();
        // Built by descriptor: the path would be far past PATH_MAX.
        let mut fd: OwnedFd = top.try_clone().unwrap().into();
        for i in 0..3 * OPEN_LEVELS {
            rustix::fs::mkdirat(&fd, "d", Mode::from_raw_mode(0o755)).unwrap();
            std::fs::write(
                format!(
                    "/proc/self/fd/{}/f{i}",
                    std::os::fd::AsRawFd::as_raw_fd(&fd)
                ),
                b"x",
            )
            .unwrap();
            fd = open_dir_nofollow(fd.as_fd(), b"d").unwrap();
        }
        drop(fd);
        remove_all_at(top.as_fd(), b"d").unwrap();
        assert!(!dir.path().join("d").exists());
    }

    #[test]
    fn removes_trees_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), b"x").unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(victim.join("a/b")).unwrap();
        std::fs::write(victim.join("a/b/f"), b"x").unwrap();
        std::os::unix::fs::symlink(&outside, victim.join("a/link")).unwrap();
        std::fs::set_permissions(victim.join("a/b"), std::fs::Permissions::from_mode(0o000))
            .unwrap();
        let fd = std::fs::File::open(dir.path()).unwrap();
        remove_all_at(fd.as_fd(), b"victim").unwrap();
        assert!(!victim.exists());
        assert!(outside.join("keep").exists());
        remove_all_at(fd.as_fd(), b"victim").unwrap();
    }
}
