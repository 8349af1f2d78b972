//! Extended attributes of entries named by `(directory fd, name)`.
//!
//! Linux has no `*at` xattr calls before 6.13, so the entry is reached
//! through `/proc/self/fd/<dir>/<name>` with the `l*` variants: the directory
//! was resolved inside the root and the final name is not followed.

use std::ffi::OsStr;
use std::io;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rustix::fs::XattrFlags;
use rustix::io::Errno;

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
    let path = proc_path(dir, name);
    let mut buf = vec![0u8; 1024];
    loop {
        let r = if name.is_empty() {
            rustix::fs::flistxattr(dir, &mut buf)
        } else {
            rustix::fs::llistxattr(&path, &mut buf)
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
    let path = proc_path(dir, name);
    let key = OsStr::from_bytes(key);
    let mut buf = vec![0u8; 256];
    loop {
        let r = if name.is_empty() {
            rustix::fs::fgetxattr(dir, key, &mut buf)
        } else {
            rustix::fs::lgetxattr(&path, key, &mut buf)
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
    let key = OsStr::from_bytes(key);
    if name.is_empty() {
        return rustix::fs::fsetxattr(dir, key, value, XattrFlags::empty()).map_err(Into::into);
    }
    let path = proc_path(dir, name);
    rustix::fs::lsetxattr(&path, key, value, XattrFlags::empty()).map_err(Into::into)
}

/// Removes one xattr.
pub fn remove(dir: BorrowedFd<'_>, name: &[u8], key: &[u8]) -> io::Result<()> {
    let key = OsStr::from_bytes(key);
    if name.is_empty() {
        return rustix::fs::fremovexattr(dir, key).map_err(Into::into);
    }
    let path = proc_path(dir, name);
    rustix::fs::lremovexattr(&path, key).map_err(Into::into)
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
