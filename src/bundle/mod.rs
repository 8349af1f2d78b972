//! Runtime bundles: `unpack` turns an image into `rootfs/`, `config.json`,
//! an mtree manifest and `umoci.json`.
//!
//! - [`dir`]: the bundle directory, opened once and used through its handle.
//! - [`meta`]: `umoci.json`, upstream's record of where a bundle came from.
//! - [`map_options`]: `umoci.json`'s record of the bundle's ownership.
//! - [`unpack`]: extracting an image's layers and writing the bundle files.
//! - [`repack`]: the rootfs's changes since unpack as a new layer.
//! - [`store_link`]: the note that a bundle came from a content store.

pub mod dir;
pub mod map_options;
pub mod meta;
pub mod repack;
pub mod store_link;
pub mod unpack;

pub use dir::BundleDir;
pub use map_options::MapOptions;
pub use meta::{Meta, MetaError};
pub use repack::{repack, RepackError, RepackOptions};
pub use unpack::{
    unpack_bundle, unpack_rootfs, write_runtime_config, StoreOptions, UnpackError, UnpackOptions,
};
