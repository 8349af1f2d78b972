//! A handle pinned to one inode: opened `O_PATH|O_NOFOLLOW`, so it can
//! never be a symlink's target, and every later change (a mode, a reopen
//! for reading) acts on that very inode, whatever happens to its name.
//!
//! This is the only way the tool changes a mode by name. `fchmod` does not
//! work on `O_PATH` descriptors and `fchmodat2(AT_EMPTY_PATH)` needs Linux
//! 6.6, so the mode goes through `/proc/self/fd/N`: that magic link names
//! the pinned inode itself, not a path an attacker could swap.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use rustix::fs::{FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

/// An `O_PATH` handle to one inode, with its type and identity.
pub struct Inode {
    fd: OwnedFd,
    stat: Stat,
}

impl Inode {
    /// Pins `name` in `dir` without following it (a symlink is pinned as
    /// the link itself).
    pub fn open_at(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Self> {
        let name: &[u8] = if name.is_empty() { b"." } else { name };
        let fd = rustix::fs::openat(
            dir,
            name,
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let stat = rustix::fs::fstat(&fd)?;
        Ok(Inode { fd, stat })
    }

    /// Pins the inode an `O_PATH` (or any) descriptor already refers to.
    pub fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let stat = rustix::fs::fstat(&fd)?;
        Ok(Inode { fd, stat })
    }

    /// The inode's type.
    pub fn file_type(&self) -> FileType {
        FileType::from_raw_mode(self.stat.st_mode)
    }

    /// Its permission bits when it was pinned.
    pub fn mode(&self) -> u32 {
        self.stat.st_mode & 0o7777
    }

    /// Whether this is the inode `(dev, ino)`.
    pub fn is(&self, dev: u64, ino: u64) -> bool {
        self.stat.st_dev == dev && self.stat.st_ino == ino
    }

    /// Its stat, as of pinning.
    pub fn stat(&self) -> &Stat {
        &self.stat
    }

    /// Sets the permission bits of this inode. Refused for a symlink
    /// (whose mode means nothing and whose target must never be touched).
    pub fn chmod(&self, mode: u32) -> io::Result<()> {
        if self.file_type() == FileType::Symlink {
            return Err(Errno::LOOP.into());
        }
        rustix::fs::chmod(self.proc_path(), Mode::from_raw_mode(mode & 0o7777))?;
        Ok(())
    }

    /// Opens this inode for real (`O_RDONLY`, say); never a symlink's
    /// target.
    pub fn reopen(&self, flags: OFlags) -> io::Result<OwnedFd> {
        if self.file_type() == FileType::Symlink {
            return Err(Errno::LOOP.into());
        }
        Ok(rustix::fs::open(
            self.proc_path(),
            flags | OFlags::CLOEXEC,
            Mode::empty(),
        )?)
    }

    fn proc_path(&self) -> PathBuf {
        proc_fd_path(self.fd.as_fd())
    }
}

/// `/proc/self/fd/N`: the magic link that names the very inode `fd` refers
/// to, whatever its name has become since.
pub fn proc_fd_path(fd: BorrowedFd<'_>) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

impl AsFd for Inode {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Opens `name` in `dir` with `flags` (`O_NOFOLLOW` always added). When
/// the owner lacks permission and `open_up` allows (rootless: the owner
/// may change the mode but not bypass it), the entry is pinned, checked to
/// be of type `expect`, given `bits` more, and opened through the pin; the
/// pin comes back with the mode to restore, which the caller does through
/// it once done (a directory needs its search bit while it is walked).
/// Nothing here ever acts on a name that could have become a symlink.
pub fn open_opening_up(
    dir: BorrowedFd<'_>,
    name: &[u8],
    flags: OFlags,
    expect: FileType,
    bits: u32,
    open_up: bool,
) -> io::Result<(OwnedFd, Option<OpenedUp>)> {
    let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => Ok((fd, None)),
        Err(Errno::ACCESS) if open_up => {
            let inode = Inode::open_at(dir, name)?;
            if inode.file_type() != expect {
                return Err(Errno::ACCESS.into());
            }
            let opened = OpenedUp::open_up(inode, bits)?;
            match opened.inode.reopen(flags & !OFlags::NOFOLLOW) {
                Ok(fd) => Ok((fd, Some(opened))),
                Err(e) => {
                    opened.restore()?;
                    Err(e)
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens the subdirectory `name` of `dir` for listing, never through a
/// symlink, opening it up for its owner first when `open_up` allows (see
/// [`open_opening_up`]); the caller restores the mode once it no longer
/// needs to look inside.
pub fn open_dir_opening_up(
    dir: BorrowedFd<'_>,
    name: &[u8],
    open_up: bool,
) -> io::Result<(OwnedFd, Option<OpenedUp>)> {
    open_opening_up(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY,
        FileType::Directory,
        0o700,
        open_up,
    )
}

/// Opens the regular file `name` in `dir` for reading: non-blocking, never
/// through a symlink, opened up for its owner for the open alone when
/// `open_up` allows, and refused if it is not a regular file once open (a
/// name swapped for a FIFO by a running container must not hang us).
pub fn open_file_opening_up(dir: BorrowedFd<'_>, name: &[u8], open_up: bool) -> io::Result<File> {
    let (fd, opened_up) = open_opening_up(
        dir,
        name,
        OFlags::RDONLY | OFlags::NONBLOCK,
        FileType::RegularFile,
        0o400,
        open_up,
    )?;
    if let Some(opened_up) = opened_up {
        opened_up.restore()?;
    }
    super::file::ensure_regular(&fd)?;
    Ok(File::from(fd))
}

/// An entry whose mode was opened up, pinned, with the mode it had.
#[must_use = "the entry keeps its opened-up mode until restored"]
pub struct OpenedUp {
    inode: Inode,
    mode: u32,
}

impl OpenedUp {
    /// Adds `bits` to the pinned entry's mode, remembering the mode it had.
    fn open_up(inode: Inode, bits: u32) -> io::Result<Self> {
        let opened = OpenedUp {
            mode: inode.mode(),
            inode,
        };
        opened.inode.chmod(opened.mode | bits)?;
        Ok(opened)
    }

    /// Gives the pinned entry its own mode back.
    pub fn restore(self) -> io::Result<()> {
        self.inode.chmod(self.mode)
    }

    /// Leaves the mode opened up (the entry is about to be removed).
    pub fn keep_open(self) {}

    /// Opens up `name` in `dir` (pinned, never followed) for its owner to
    /// read, if its mode denies that; `None` if it already allows it or is
    /// a symlink (whose mode means nothing).
    pub fn for_reading(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Option<Self>> {
        let inode = Inode::open_at(dir, name)?;
        if inode.file_type() == FileType::Symlink || inode.mode() & 0o400 != 0 {
            return Ok(None);
        }
        Self::open_up(inode, 0o400).map(Some)
    }

    /// Opens up the directory `dir` (any descriptor of it) for its owner if
    /// its mode denies the owner reading or searching it; `None` if it
    /// already allows both.
    pub fn directory(dir: BorrowedFd<'_>) -> io::Result<Option<Self>> {
        let inode = Inode::from_fd(rustix::io::fcntl_dupfd_cloexec(dir, 0)?)?;
        if inode.file_type() != FileType::Directory || inode.mode() & 0o500 == 0o500 {
            return Ok(None);
        }
        Self::open_up(inode, 0o700).map(Some)
    }
}

/// Entries opened up for a while, given their modes back (last first)
/// when dropped, whatever happened in between.
#[derive(Default)]
pub struct OpenedUpScope(Vec<OpenedUp>);

impl OpenedUpScope {
    /// Adds one to restore.
    pub fn push(&mut self, opened: Option<OpenedUp>) {
        self.0.extend(opened);
    }
}

impl Drop for OpenedUpScope {
    fn drop(&mut self) {
        while let Some(opened) = self.0.pop() {
            if let Err(e) = opened.restore() {
                log::warn!("could not restore the mode of an opened-up directory: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn chmod_never_reaches_a_symlink_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("link")).unwrap();
        let d = std::fs::File::open(dir.path()).unwrap();
        let inode = Inode::open_at(d.as_fd(), b"link").unwrap();
        assert_eq!(inode.file_type(), FileType::Symlink);
        assert!(inode.chmod(0o777).is_err());
        assert!(inode.reopen(OFlags::RDONLY).is_err());
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn chmod_follows_the_inode_not_the_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        let d = std::fs::File::open(dir.path()).unwrap();
        let inode = Inode::open_at(d.as_fd(), b"a").unwrap();
        std::fs::rename(dir.path().join("a"), dir.path().join("b")).unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        inode.chmod(0o711).unwrap();
        let mode = |n: &str| {
            std::fs::metadata(dir.path().join(n))
                .unwrap()
                .permissions()
                .mode()
        };
        assert_eq!(mode("b") & 0o777, 0o711);
        assert_ne!(mode("a") & 0o777, 0o711);
    }
}
