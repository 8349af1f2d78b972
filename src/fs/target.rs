//! Where metadata is applied: an open descriptor of the entry itself, or a
//! name in a directory that is never followed. Every owner, mode and time
//! a layer sets goes through one of these, so no change can reach a
//! symlink's target.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::fs::{AtFlags, Mode, Stat, Timespec, Timestamps};

use super::inode::Inode;

/// An entry to change: by descriptor, or as `name` in the directory `dir`.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// The entry an open descriptor refers to.
    Fd(BorrowedFd<'a>),
    /// `name` in `dir`, never followed if it is a symlink.
    At(BorrowedFd<'a>, &'a [u8]),
}

impl<'a> Target<'a> {
    /// The directory and name for `*at` calls; a descriptor is its own
    /// directory with an empty name.
    pub fn dir_and_name(self) -> (BorrowedFd<'a>, &'a [u8]) {
        match self {
            Target::Fd(fd) => (fd, b""),
            Target::At(dir, name) => (dir, name),
        }
    }

    /// Sets the owner (of a symlink itself, never its target).
    pub fn chown(self, uid: u32, gid: u32) -> io::Result<()> {
        let (uid, gid) = (
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        );
        match self {
            Target::Fd(fd) => rustix::fs::fchown(fd, uid, gid),
            Target::At(dir, name) => {
                rustix::fs::chownat(dir, name, uid, gid, AtFlags::SYMLINK_NOFOLLOW)
            }
        }
        .map_err(Into::into)
    }

    /// Sets the permission bits. A name goes through a pinned handle: one
    /// swapped for a symlink since it was created is refused, not followed.
    pub fn chmod(self, mode: u32) -> io::Result<()> {
        match self {
            Target::Fd(fd) => Ok(rustix::fs::fchmod(fd, Mode::from_raw_mode(mode & 0o7777))?),
            Target::At(dir, name) => Inode::open_at(dir, name)?.chmod(mode),
        }
    }

    /// `lstat` of the entry.
    pub fn stat(self) -> io::Result<Stat> {
        Ok(match self {
            Target::Fd(fd) => rustix::fs::fstat(fd)?,
            Target::At(dir, name) => rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?,
        })
    }

    /// Sets access and modification times (of a symlink itself).
    pub fn set_times(self, atime: Timespec, mtime: Timespec) -> io::Result<()> {
        let times = Timestamps {
            last_access: atime,
            last_modification: mtime,
        };
        match self {
            Target::Fd(fd) => rustix::fs::futimens(fd, &times),
            Target::At(dir, name) => {
                rustix::fs::utimensat(dir, name, &times, AtFlags::SYMLINK_NOFOLLOW)
            }
        }
        .map_err(Into::into)
    }
}
