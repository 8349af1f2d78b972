//! One tar entry's metadata, reduced to what extraction needs.
//!
//! The header comes from our reader ([`super::tar`]), which has already
//! merged extension headers in as Go does; what is left here is the
//! conversion to the types extraction works with, narrowing values the way
//! upstream's calls into the kernel narrow them.

use std::collections::BTreeMap;

use super::tar::{flag, Header};
use crate::fs::RelPath;

pub use super::tar::Time;

/// The kinds of entries a layer may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file with content.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier entry.
    Hardlink,
    /// A character device.
    Char,
    /// A block device.
    Block,
    /// A named pipe.
    Fifo,
    /// Any other type flag (a global PAX header, an old GNU sparse file,
    /// a contiguous file): refused, unless the entry is a whiteout, whose
    /// name is all that counts (as upstream).
    Unsupported(u8),
}

/// Everything about a tar entry except its content.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name exactly as the layer spells it.
    pub raw_name: Vec<u8>,
    /// The cleaned, in-root path.
    pub path: RelPath,
    /// What the entry is.
    pub kind: EntryKind,
    /// Symlink target or hardlink source, as spelled.
    pub link: Vec<u8>,
    /// Permission bits including setuid, setgid and sticky.
    pub mode: u32,
    /// Owner in the container.
    pub uid: u32,
    /// Group in the container.
    pub gid: u32,
    /// Modification time.
    pub mtime: Time,
    /// Access time, if the layer recorded one.
    pub atime: Option<Time>,
    /// Extended attributes, by name.
    pub xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Device numbers (devices only).
    pub dev: (u32, u32),
    /// Content size (regular files only).
    pub size: u64,
}

impl Entry {
    /// The metadata of the entry `header` describes.
    pub fn from_header(header: Header) -> Self {
        let raw_name = header.name;
        let kind = match header.flag {
            flag::REGULAR => EntryKind::File,
            flag::DIR => EntryKind::Dir,
            flag::SYMLINK => EntryKind::Symlink,
            flag::LINK => EntryKind::Hardlink,
            flag::CHAR => EntryKind::Char,
            flag::BLOCK => EntryKind::Block,
            flag::FIFO => EntryKind::Fifo,
            other => EntryKind::Unsupported(other),
        };
        // Go hands the ids to lchown as they are, which takes their low 32
        // bits (so -1 leaves the owner alone); and never looks at them at
        // all for a whiteout.
        let (uid, gid) = (header.uid as u32, header.gid as u32);
        // Go's zero time means "not given": upstream then uses the time
        // of extraction for mtime, and mtime for atime.
        let mtime = match header.mtime {
            GO_ZERO_TIME => now(),
            mtime => mtime,
        };
        let atime = header.atime.filter(|t| *t != GO_ZERO_TIME);
        let dev = match kind {
            // Go's reader keeps 64 bits; the kernel's halves are 32.
            EntryKind::Char | EntryKind::Block => {
                (header.dev_major as u32, header.dev_minor as u32)
            }
            _ => (0, 0),
        };
        Entry {
            path: RelPath::clean(&raw_name),
            kind,
            link: header.link_name,
            mode: (header.mode & 0o7777) as u32,
            uid,
            gid,
            mtime,
            atime,
            xattrs: header.xattrs,
            dev,
            size: if kind == EntryKind::File {
                header.size as u64
            } else {
                0
            },
            raw_name,
        }
    }
}

/// January 1 of year 1, Go's zero `time.Time`.
const GO_ZERO_TIME: Time = Time {
    sec: -62_135_596_800,
    nsec: 0,
};

fn now() -> Time {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Time {
        sec: since.as_secs() as i64,
        nsec: since.subsec_nanos(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_narrow_as_upstream_narrows_them() {
        let header = Header {
            flag: flag::REGULAR,
            name: b"f".to_vec(),
            uid: -1,
            gid: (1 << 32) + 5,
            mtime: GO_ZERO_TIME,
            atime: Some(GO_ZERO_TIME),
            ..Header::default()
        };
        let entry = Entry::from_header(header);
        assert_eq!((entry.uid, entry.gid), (u32::MAX, 5));
        assert!(entry.mtime.sec > 1_700_000_000, "now: {:?}", entry.mtime);
        assert_eq!(entry.atime, None);
        let dir = Entry::from_header(Header {
            flag: flag::DIR,
            size: 100,
            ..Header::default()
        });
        assert_eq!((dir.kind, dir.size), (EntryKind::Dir, 0));
    }
}
