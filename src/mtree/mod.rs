//! go-mtree manifests of a root file system, as umoci keeps them beside a
//! bundle's rootfs to find what changed.
//!
//! - [`vis`]: the `vis(3)` escaping go-mtree applies to names and links.
//! - [`walk`]: reading a tree into manifest entries (hashes reused from
//!   extraction where the inode is known).
//! - [`write`]: go-mtree's text format, `/set` lines and all.
//! - [`parse`]: reading that format back into entries keyed by path.
//! - [`validate`]: comparing a tree with a manifest.
//! - [`diff`]: what changed in a tree since its manifest was written.
//! - [`recorded`]: which files a manifest records, as a diff asks.
//! - [`stat_cache`]: stat results that vouch for digests between runs.
//! - [`error`]: what is wrong with a manifest, and on which line.

pub mod diff;
pub mod error;
pub mod parse;
pub mod recorded;
pub mod stat_cache;
pub mod validate;
pub mod vis;
pub mod walk;
pub mod write;

pub use error::MtreeError;

/// The keywords umoci records, in go-mtree's order.
pub const UMOCI_KEYWORDS: &[&str] = &[
    "size",
    "type",
    "uid",
    "gid",
    "mode",
    "link",
    "nlink",
    "tar_time",
    "sha256digest",
    "xattr",
];
