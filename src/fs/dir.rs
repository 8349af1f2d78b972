//! Listing a directory by descriptor.

use std::ffi::CStr;
use std::io;
use std::os::fd::BorrowedFd;

/// The names in the open directory `dir`, without `.` and `..`, in the
/// order the file system returns them.
pub fn list_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    let mut iter = rustix::fs::Dir::read_from(dir)?;
    while let Some(entry) = iter.read() {
        let entry = entry?;
        let name: &CStr = entry.file_name();
        let bytes = name.to_bytes();
        if bytes != b"." && bytes != b".." {
            names.push(bytes.to_vec());
        }
    }
    Ok(names)
}
