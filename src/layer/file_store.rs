//! The seam between extraction and a content store: how a store takes
//! over the creation of regular files (their content) while everything
//! else about an entry stays the extractor's (see `crate::store`).

use std::io::Read;
use std::os::fd::BorrowedFd;

use super::entry::Entry;
use super::error::LayerError;
use super::tar::Header;

/// A regular file's content, as a [`FileStore`] is handed it.
pub enum FileContent<'a> {
    /// The layer's own bytes, still to be read.
    Stream(&'a mut dyn Read),
    /// A store object, named by the SHA-256 of its content.
    Stored([u8; 32]),
}

/// A file a [`FileStore`] created.
#[derive(Debug, Clone, Copy)]
pub struct CreatedFile {
    /// Its inode number.
    pub ino: u64,
    /// The SHA-256 of its content.
    pub sha256: [u8; 32],
}

/// A content store standing between layers and the root: it keeps each
/// regular file's content once and checks it out into roots (see
/// `crate::store`). Everything else about an entry stays the extractor's.
pub trait FileStore {
    /// Creates the regular file `name` in `dir` for `meta`, its content
    /// read from the layer or taken from the store. `finish` applies the
    /// entry's owner, xattrs, mode and times through a descriptor; a store
    /// that shares inodes applies them to its own copy before that copy is
    /// linked in.
    fn create_file(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        content: FileContent<'_>,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<CreatedFile, LayerError>;

    /// Notes an entry of a layer being read, once applied, with the
    /// object holding its content when it is a regular file.
    fn record(&mut self, header: &Header, object: Option<&[u8; 32]>) -> Result<(), LayerError>;
}
