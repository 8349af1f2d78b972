//! Listing a directory by descriptor.

use std::ffi::CStr;
use std::io;
use std::ops::Range;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// The names in the open directory `dir`, without `.` and `..`, in the
/// order the file system returns them.
pub fn list_dir(dir: BorrowedFd<'_>) -> io::Result<Names> {
    let mut names = Names::default();
    let mut iter = rustix::fs::Dir::read_from(dir)?;
    while let Some(entry) = iter.read() {
        let entry = entry?;
        let name: &CStr = entry.file_name();
        let bytes = name.to_bytes();
        if bytes != b"." && bytes != b".." {
            names.push(bytes)?;
        }
    }
    Ok(names)
}

/// The names in the directory that `dir` refers to, as [`list_dir`], for
/// any handle of it: an `O_PATH` one cannot be read, so the directory is
/// opened for reading through it first.
pub fn list_dir_of(dir: BorrowedFd<'_>) -> io::Result<Names> {
    let readable = rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    list_dir(readable.as_fd())
}

/// Names kept in one buffer: a directory of a million children costs a
/// few bytes each beyond the names, not an allocation per name.
#[derive(Debug, Default)]
pub struct Names {
    bytes: Vec<u8>,
    ranges: Vec<NameRange>,
}

impl Names {
    fn push(&mut self, name: &[u8]) -> io::Result<NameRange> {
        let start = u32::try_from(self.bytes.len())
            .map_err(|_| io::Error::other("directory listing exceeds 4 GiB of names"))?;
        self.bytes.extend_from_slice(name);
        let range = NameRange {
            start,
            len: name.len() as u32,
        };
        self.ranges.push(range);
        Ok(range)
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The names, in listing order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.ranges.iter().map(|r| &self.bytes[r.range()])
    }
}

/// A directory's children split into non-directories and directories, each
/// sorted bytewise, with every name in one buffer: a directory of a million
/// entries costs about 8 bytes a name plus the names themselves.
#[derive(Debug, Default)]
pub struct SortedListing {
    names: Names,
    /// Non-directories, as ranges into the name buffer.
    pub files: Vec<NameRange>,
    /// Directories, as ranges into the name buffer.
    pub dirs: Vec<NameRange>,
}

/// Where one name lies in a name buffer.
#[derive(Debug, Clone, Copy)]
pub struct NameRange {
    start: u32,
    len: u32,
}

impl SortedListing {
    /// Lists the open directory `dir`, classifying children by the type
    /// the directory entry carries (or by `lstat` where it carries none).
    pub fn read(dir: BorrowedFd<'_>) -> io::Result<Self> {
        let mut listing = SortedListing::default();
        let mut iter = rustix::fs::Dir::read_from(dir)?;
        while let Some(entry) = iter.read() {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let is_dir = match entry.file_type() {
                FileType::Unknown => {
                    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
                    FileType::from_raw_mode(st.st_mode) == FileType::Directory
                }
                t => t == FileType::Directory,
            };
            let range = listing.names.push(name)?;
            if is_dir {
                listing.dirs.push(range);
            } else {
                listing.files.push(range);
            }
        }
        // The flat list is only storage now; the two groups index it.
        listing.names.ranges = Vec::new();
        let bytes = &listing.names.bytes;
        let key = |r: &NameRange| &bytes[r.range()];
        listing.files.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        listing.dirs.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        Ok(listing)
    }

    /// The name `range` stands for.
    pub fn name(&self, range: NameRange) -> &[u8] {
        &self.names.bytes[range.range()]
    }
}

impl NameRange {
    fn range(&self) -> Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_listing_splits_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b", "a", "Z"] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        for d in ["y", "x"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::os::unix::fs::symlink("x", dir.path().join("c")).unwrap();
        let fd = std::fs::File::open(dir.path()).unwrap();
        let listing = SortedListing::read(fd.as_fd()).unwrap();
        let names = |v: &[NameRange]| -> Vec<String> {
            v.iter()
                .map(|r| String::from_utf8(listing.name(*r).to_vec()).unwrap())
                .collect()
        };
        assert_eq!(names(&listing.files), ["Z", "a", "b", "c"]);
        assert_eq!(names(&listing.dirs), ["x", "y"]);
    }
}
