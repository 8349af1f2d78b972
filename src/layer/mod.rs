//! Layers: tar streams applied to a root file system.
//!
//! - [`compression`]: which decompressor a layer media type needs.
//! - [`stream`]: decompression (and the diff ID hash) on a thread of its
//!   own, overlapped with extraction.
//! - [`tar`]: the tar format, read and written as Go's `archive/tar` does.
//! - [`entry`]: one tar entry's metadata, as extraction needs it.
//! - [`extract`]: applying entries to a [`crate::fs::Root`], whiteouts and all.
//! - [`file_store`]: how a content store takes over regular files' content.
//! - `file_hasher`: the written files' digests, hashed on a thread of their own.

pub mod blob;
mod chunks;
pub mod compress;
pub mod compression;
pub mod entry;
pub mod error;
pub mod extract;
mod file_hasher;
pub mod file_store;
pub mod generate;
mod read_ahead;
mod real_path;
pub mod stream;
pub mod tar;
mod whiteout;

pub use crate::progress::Progress;
pub use blob::{store_layer, LayerBlobError};
pub use compress::compress_layer;
pub use compression::{CompressChoice, Compression, Encoding};
pub use entry::{Entry, EntryKind};
pub use error::LayerError;
pub use extract::{ExtractOptions, Extractor, FileHashes};
pub use file_store::{CreatedFile, FileContent, FileStore};
pub use generate::{GenerateOptions, LayerTar};
pub use stream::LayerStream;
