//! The tar format, read and written as Go's `archive/tar` reads and writes
//! it.
//!
//! Upstream umoci is built on Go's package, so its semantics are the
//! specification here: which headers are valid, which extension headers
//! count, how PAX records are framed, what a header-only entry's size
//! means, how sparse files are expanded. Another reader (the `tar` crate,
//! GNU tar) differs on enough of these that the same layer could unpack to
//! different trees under umoci and under us; so both directions are ours.
//!
//! - [`read`]: [`TarReader`], entries and their content.
//! - [`field`]: header fields: strings, numbers, checksum and magic.
//! - [`pax`]: PAX records and times.
//! - [`sparse`]: sparse maps and the reader that fills their holes.
//! - [`write`]: header blocks byte for byte as Go's writer makes them.

mod field;
mod pax;
mod read;
mod sparse;
mod write;

pub use pax::Time;
pub use read::{Header, TarError, TarReader};
pub(crate) use write::{write_padding, TarHeader};

/// Size of a tar block.
pub(crate) const BLOCK: usize = 512;

/// Type flags.
pub(crate) mod flag {
    /// A regular file.
    pub const REGULAR: u8 = b'0';
    /// A hard link to an earlier entry.
    pub const LINK: u8 = b'1';
    /// A symbolic link.
    pub const SYMLINK: u8 = b'2';
    /// A character device.
    pub const CHAR: u8 = b'3';
    /// A block device.
    pub const BLOCK: u8 = b'4';
    /// A directory.
    pub const DIR: u8 = b'5';
    /// A FIFO.
    pub const FIFO: u8 = b'6';
    /// A regular file in archives older than POSIX (a directory when its
    /// name ends in `/`).
    pub(super) const REGULAR_OLD: u8 = 0;
    /// PAX records for the next entry.
    pub(super) const PAX: u8 = b'x';
    /// PAX records for the whole archive (Go hands them over as an entry).
    pub(super) const PAX_GLOBAL: u8 = b'g';
    /// The next entry's name.
    pub(super) const GNU_LONG_NAME: u8 = b'L';
    /// The next entry's link target.
    pub(super) const GNU_LONG_LINK: u8 = b'K';
    /// A file in the old GNU sparse format.
    pub(super) const GNU_SPARSE: u8 = b'S';

    /// Types whose entries have no data, whatever size their header says.
    pub(super) fn is_header_only(flag: u8) -> bool {
        matches!(flag, LINK | SYMLINK | CHAR | BLOCK | DIR | FIFO)
    }
}
