//! Objects: writing a file's content into the store, finding it again,
//! and placing a copy of it (a reflink, a plain copy) somewhere else.
//!
//! An object is written under a unique name in `tmp/`, hashed as it is
//! written, and renamed into `objects/` (never over an object already
//! there of the right size) only when whole: a reader never sees half an
//! object, whatever happens to the writer.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

use super::Store;
use crate::fs::file::unique_name;

/// An object's file name: the lowercase hex of its SHA-256.
pub fn object_name(digest: &[u8; 32]) -> String {
    hex::encode(digest)
}

/// A file in `tmp/` that is removed when dropped, unless renamed away.
pub(crate) struct TempObject<'s> {
    dir: BorrowedFd<'s>,
    name: Vec<u8>,
    /// The open file.
    pub file: File,
}

impl<'s> TempObject<'s> {
    /// Creates an empty temporary file in the store's `tmp/`.
    pub fn create(store: &'s Store) -> io::Result<Self> {
        Self::create_in(store.tmp())
    }

    /// Creates an empty temporary file in `dir` (a store's `tmp/`).
    pub fn create_in(dir: BorrowedFd<'s>) -> io::Result<Self> {
        let mut attempt = 0;
        loop {
            let name = unique_name(b"o-", attempt);
            match rustix::fs::openat(
                dir,
                name.as_slice(),
                OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => {
                    return Ok(TempObject {
                        dir,
                        name,
                        file: File::from(fd),
                    })
                }
                Err(Errno::EXIST) if attempt < 100 => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Renames the file to `name` in `to` unless something is there;
    /// `false` (and the file still here) when something is.
    pub fn publish(&mut self, to: BorrowedFd<'_>, name: &[u8]) -> io::Result<bool> {
        match rustix::fs::renameat_with(
            self.dir,
            self.name.as_slice(),
            to,
            name,
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {
                self.name.clear();
                Ok(true)
            }
            Err(Errno::EXIST) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Renames the file to `name` in `to`, replacing what is there.
    pub fn replace(&mut self, to: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
        rustix::fs::renameat(self.dir, self.name.as_slice(), to, name)?;
        self.name.clear();
        Ok(())
    }
}

impl Drop for TempObject<'_> {
    fn drop(&mut self) {
        if !self.name.is_empty() {
            let _ = rustix::fs::unlinkat(self.dir, self.name.as_slice(), AtFlags::empty());
        }
    }
}

/// Opens `name` in `dir` for reading, never following a symlink nor
/// blocking on a FIFO: the file and its `fstat`, or `None` if missing.
/// (Not `fs::file::open_regular`: this is on the path of every file a
/// checkout places, and the store is its owner's alone.)
fn open_existing(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Option<(File, rustix::fs::Stat)>> {
    let fd = match rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let st = rustix::fs::fstat(&fd)?;
    Ok(Some((File::from(fd), st)))
}

/// Opens `name` in `dir` for reading if it is a regular file of `size`
/// bytes; `None` if it is missing or anything else.
pub(crate) fn open_sized(dir: BorrowedFd<'_>, name: &[u8], size: u64) -> io::Result<Option<File>> {
    match open_existing(dir, name) {
        Ok(Some((file, st)))
            if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                && st.st_size as u64 == size =>
        {
            Ok(Some(file))
        }
        Ok(_) => Ok(None),
        Err(e)
            if [Errno::LOOP, Errno::NOTDIR, Errno::ACCESS]
                .iter()
                .any(|n| e.raw_os_error() == Some(n.raw_os_error())) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A readable copy of the content `digest` names: the object, or failing
/// that the first link copy made of it (a store used only with hardlinks
/// keeps no other). The flag is set for a link copy: its inode may be a
/// bundle's file too, edited in place since, so it is checked as it is
/// read (see [`copy_checked`]).
pub(crate) fn open_content(
    store: &Store,
    digest: &[u8; 32],
    size: u64,
) -> io::Result<Option<(File, bool)>> {
    let name = object_name(digest);
    if let Some(f) = open_sized(store.objects(), name.as_bytes(), size)? {
        return Ok(Some((f, false)));
    }
    Ok(open_sized(store.links(), name.as_bytes(), size)?.map(|f| (f, true)))
}

/// Copies all of `src` into the empty `dst` (a reflink where `reflink`
/// allows), then reads the copy back and fails unless it has the SHA-256
/// `digest`: what is checked is what was written, whatever happens to
/// `src` meanwhile. `dst` must be open for reading too.
pub(crate) fn copy_checked(
    src: &File,
    dst: &File,
    digest: &[u8; 32],
    reflink: &mut Option<bool>,
) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    clone_or_copy(src, dst, reflink, false)?;
    let mut copy = dst.try_clone()?;
    copy.seek(SeekFrom::Start(0))?;
    let got = crate::fs::file::sha256_of_reader(copy, &mut vec![0u8; 1 << 16])?;
    if &got != digest {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "store copy links/{} changed since it was stored (now sha256:{}; see umoci store fsck)",
                object_name(digest),
                object_name(&got)
            ),
        ));
    }
    Ok(())
}

/// Copies all of `src` into the empty `dst`: a reflink where `reflink` is
/// not known to fail (it is learned on the first try), else bytes; with
/// `must_reflink`, a failed reflink is the error.
pub(crate) fn clone_or_copy(
    src: &File,
    dst: &File,
    reflink: &mut Option<bool>,
    must_reflink: bool,
) -> io::Result<()> {
    if must_reflink || *reflink != Some(false) {
        match rustix::fs::ioctl_ficlone(dst, src) {
            Ok(()) => {
                *reflink = Some(true);
                return Ok(());
            }
            Err(e) if must_reflink => return Err(e.into()),
            Err(Errno::OPNOTSUPP | Errno::XDEV | Errno::INVAL | Errno::NOTTY | Errno::PERM) => {
                *reflink = Some(false);
            }
            Err(e) => return Err(e.into()),
        }
    }
    copy_bytes(src, dst)
}

/// Copies `src` into `dst` in the kernel, falling back to reads and
/// writes where `copy_file_range` cannot.
fn copy_bytes(src: &File, dst: &File) -> io::Result<()> {
    let size = rustix::fs::fstat(src)?.st_size as u64;
    let (mut off_in, mut off_out) = (0u64, 0u64);
    while off_in < size {
        crate::interrupt::check_io()?;
        let want = (size - off_in).min(1 << 30) as usize;
        match rustix::fs::copy_file_range(
            src.as_fd(),
            Some(&mut off_in),
            dst.as_fd(),
            Some(&mut off_out),
            want,
        ) {
            Ok(0) => break,
            Ok(_) => {}
            Err(Errno::XDEV | Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {
                return copy_by_reading(src, dst, off_in)
            }
            Err(e) => return Err(e.into()),
        }
    }
    if off_in != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "object shrank while being copied",
        ));
    }
    Ok(())
}

fn copy_by_reading(src: &File, mut dst: &File, from: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut src = src.try_clone()?;
    src.seek(SeekFrom::Start(from))?;
    dst.seek(SeekFrom::Start(from))?;
    io::copy(&mut src, &mut dst)?;
    Ok(())
}
