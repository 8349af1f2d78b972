//! Layers: tar streams applied to a root file system.
//!
//! - [`compression`]: which decompressor a layer media type needs.
//! - [`stream`]: decompression (and the diff ID hash) on a thread of its
//!   own, overlapped with extraction.
//! - [`entry`]: one tar entry's metadata, PAX extensions included.
//! - [`extract`]: applying entries to a [`crate::fs::Root`], whiteouts and all.

pub mod blob;
mod budget;
pub mod compress;
pub mod compression;
pub mod entry;
pub mod error;
pub mod extract;
pub mod generate;
mod pargzip;
mod real_path;
pub mod stream;
mod tar_ext;
mod tar_header;
mod whiteout;

pub use crate::progress::Progress;
pub use blob::{store_layer, CompressChoice, LayerBlobError};
pub use compress::compress_layer;
pub use compression::Compression;
pub use entry::{Entry, EntryKind};
pub use error::LayerError;
pub use extract::{ExtractOptions, Extractor, FileHashes, MapOptions};
pub use generate::{GenerateOptions, LayerTar};
pub use stream::LayerStream;
