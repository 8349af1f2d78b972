//! Removing a tree relative to a directory descriptor, never following a
//! symlink: what `rm -rf` does, but safe against a tree full of links.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

/// Removes `name` in `dir` and, if it is a directory, everything beneath
/// it. A missing entry is not an error. Directories that deny their owner
/// access (as rootless extraction leaves them) are opened up first.
pub fn remove_all_at(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => return Ok(()),
        Err(Errno::ISDIR) | Err(Errno::PERM) => {}
        Err(e) => return Err(e.into()),
    }
    let child = match open_dir_nofollow(dir, name) {
        Ok(fd) => fd,
        Err(Errno::ACCESS) => {
            rustix::fs::chmodat(dir, name, Mode::from_raw_mode(0o700), AtFlags::empty())?;
            open_dir_nofollow(dir, name)?
        }
        Err(Errno::NOTDIR) | Err(Errno::LOOP) => {
            // Not a directory after all (EPERM came from something else).
            return Err(Errno::PERM.into());
        }
        Err(e) => return Err(e.into()),
    };
    empty_dir(child.as_fd())?;
    match rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
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

fn open_dir_nofollow(dir: BorrowedFd<'_>, name: &[u8]) -> Result<std::os::fd::OwnedFd, Errno> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
