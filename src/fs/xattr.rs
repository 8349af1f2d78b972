//! Extended attributes of entries named by `(directory fd, name)`.
//!
//! The directory was resolved inside the root and the final name is never
//! followed. Linux 6.13 and later reach the entry with `listxattrat` and
//! its siblings (in [`at`]); older kernels, and sandboxes that refuse those
//! calls, through `/proc/self/fd/<dir>/<name>` with the `l*` variants.
//! Both name the same inode; the first is a third of the second's cost (a
//! procfs walk per call), and a full repack lists every entry's xattrs
//! twice.

mod at;

use std::ffi::OsStr;
use std::io;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rustix::fs::XattrFlags;
use rustix::io::Errno;

use at::Call;

/// The path through procfs that names `name` in `dir` without following it.
pub fn proc_path(dir: BorrowedFd<'_>, name: &[u8]) -> PathBuf {
    let mut path = super::inode::proc_fd_path(dir);
    if !name.is_empty() {
        path.push(OsStr::from_bytes(name));
    }
    path
}

/// Lists the names of the entry's xattrs, sorted bytewise. An empty
/// `name` means `dir` itself (which must then be a real, non-`O_PATH` fd).
pub fn list(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Vec<Vec<u8>>> {
    let mut buf = vec![0u8; 1024];
    loop {
        let r = if name.is_empty() {
            rustix::fs::flistxattr(dir, &mut buf)
        } else {
            at::or_procfs(
                Call::List,
                &mut buf[..],
                |buf| at::list(dir, name, buf),
                |buf| rustix::fs::llistxattr(proc_path(dir, name), buf),
            )
        };
        match r {
            Ok(n) => {
                let mut names: Vec<Vec<u8>> = buf[..n]
                    .split(|&b| b == 0)
                    .filter(|s| !s.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect();
                names.sort();
                return Ok(names);
            }
            Err(Errno::RANGE) => buf.resize(buf.len() * 4, 0),
            Err(Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        }
        if buf.len() > 1 << 24 {
            return Err(Errno::RANGE.into());
        }
    }
}

/// Reads one xattr's value.
pub fn get(dir: BorrowedFd<'_>, name: &[u8], key: &[u8]) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        let r = if name.is_empty() {
            rustix::fs::fgetxattr(dir, OsStr::from_bytes(key), &mut buf)
        } else {
            at::or_procfs(
                Call::Get,
                &mut buf[..],
                |buf| at::get(dir, name, key, buf),
                |buf| rustix::fs::lgetxattr(proc_path(dir, name), OsStr::from_bytes(key), buf),
            )
        };
        match r {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(Errno::RANGE) if buf.len() < 1 << 20 => buf.resize(buf.len() * 8, 0),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Sets one xattr.
pub fn set(dir: BorrowedFd<'_>, name: &[u8], key: &[u8], value: &[u8]) -> io::Result<()> {
    if name.is_empty() {
        let key = OsStr::from_bytes(key);
        return rustix::fs::fsetxattr(dir, key, value, XattrFlags::empty()).map_err(Into::into);
    }
    at::or_procfs(
        Call::Set,
        &mut (),
        |_| at::set(dir, name, key, value),
        |_| {
            let key = OsStr::from_bytes(key);
            rustix::fs::lsetxattr(proc_path(dir, name), key, value, XattrFlags::empty())
        },
    )
    .map_err(Into::into)
}

/// Removes one xattr.
pub fn remove(dir: BorrowedFd<'_>, name: &[u8], key: &[u8]) -> io::Result<()> {
    if name.is_empty() {
        return rustix::fs::fremovexattr(dir, OsStr::from_bytes(key)).map_err(Into::into);
    }
    at::or_procfs(
        Call::Remove,
        &mut (),
        |_| at::remove(dir, name, key),
        |_| rustix::fs::lremovexattr(proc_path(dir, name), OsStr::from_bytes(key)),
    )
    .map_err(Into::into)
}

/// Every xattr of `name` in `dir` (the directory itself when `name` is
/// empty), as `(name, value)` pairs in the order the kernel lists them.
pub fn read_all(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    for key in list(dir, name)? {
        let value = get(dir, name, &key)?;
        out.push((key, value));
    }
    Ok(out)
}
