//! One tar entry's metadata, reduced to what extraction needs.
//!
//! The header comes from our reader ([`super::tar`]), which has already
//! merged extension headers in as Go does; what is left here is the
//! conversion to the types extraction works with and the refusals of
//! values no file system can hold.

use std::collections::BTreeMap;

use super::error::LayerError;
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
    pub fn from_header(header: Header) -> Result<Self, LayerError> {
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
        let id = |v: i64, what: &str| {
            u32::try_from(v)
                .map_err(|_| LayerError::invalid(&raw_name, format!("{what} {v} is out of range")))
        };
        let (uid, gid) = (id(header.uid, "uid")?, id(header.gid, "gid")?);
        let dev = match kind {
            // Go's reader keeps 64 bits; the kernel's halves are 32.
            EntryKind::Char | EntryKind::Block => {
                (header.dev_major as u32, header.dev_minor as u32)
            }
            _ => (0, 0),
        };
        Ok(Entry {
            path: RelPath::clean(&raw_name),
            kind,
            link: header.link_name,
            mode: (header.mode & 0o7777) as u32,
            uid,
            gid,
            mtime: header.mtime,
            atime: header.atime,
            xattrs: header.xattrs,
            dev,
            size: if kind == EntryKind::File {
                header.size as u64
            } else {
                0
            },
            raw_name,
        })
    }
}
