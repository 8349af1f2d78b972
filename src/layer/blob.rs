//! Storing a generated layer in a layout: compression chosen the way
//! upstream's `--compress` chooses it, the blob staged with its digest.

use std::io::{self, Write};

use super::compress::compress_layer;
use super::compression::Compression;
use super::error::LayerError;
use crate::layout::{Layout, LayoutError};
use crate::spec::{media_type, Descriptor, Digest};

/// `--compress` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompressChoice {
    /// The newest layer's compression (never none); gzip if there is none.
    #[default]
    Auto,
    /// A fixed choice.
    Fixed(Compression),
}

impl CompressChoice {
    /// Parses `none`, `gzip`, `zstd` or `auto`.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "auto" => CompressChoice::Auto,
            "none" => CompressChoice::Fixed(Compression::None),
            "gzip" => CompressChoice::Fixed(Compression::Gzip),
            "zstd" => CompressChoice::Fixed(Compression::Zstd),
            _ => {
                return Err(format!(
                    "invalid --compress: unknown layer compression type {text:?}"
                ))
            }
        })
    }

    /// The compression to use after a layer of `last_media_type` (if any).
    pub fn resolve(self, last_media_type: Option<&str>) -> Compression {
        match self {
            CompressChoice::Fixed(c) => c,
            CompressChoice::Auto => match last_media_type.map(Compression::from_media_type) {
                Some(Ok(Compression::Zstd)) => Compression::Zstd,
                _ => Compression::Gzip,
            },
        }
    }
}

/// The OCI media type of a layer with `compression`.
pub fn layer_media_type(compression: Compression) -> &'static str {
    match compression {
        Compression::None => media_type::LAYER_TAR,
        Compression::Gzip => media_type::LAYER_TAR_GZIP,
        Compression::Zstd => media_type::LAYER_TAR_ZSTD,
    }
}

/// Why storing a layer failed.
#[derive(Debug, thiserror::Error)]
pub enum LayerBlobError {
    /// Generating the tar failed.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// Storing the blob failed.
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

impl From<io::Error> for LayerBlobError {
    fn from(e: io::Error) -> Self {
        LayerBlobError::Layer(LayerError::Read(e))
    }
}

/// The annotation upstream puts on a layer whose stored size is not its
/// uncompressed size: the uncompressed size, in decimal.
pub const UNCOMPRESSED_SIZE_ANNOTATION: &str = "ci.umo.uncompressed_blob_size";

/// Compresses the tar `produce` writes into a staged blob of `layout`.
/// Returns the layer's descriptor (annotated with the uncompressed size
/// when that differs, as upstream's) and diff ID.
pub fn store_layer(
    layout: &Layout,
    compression: Compression,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), LayerBlobError>,
) -> Result<(Descriptor, Digest), LayerBlobError> {
    let writer = layout.blob_writer()?;
    let (writer, diff_id, plain_size) = compress_layer(writer, compression, produce)?;
    let (digest, size) = writer.commit()?;
    let mut descriptor = Descriptor::new(layer_media_type(compression), digest, size);
    if u64::try_from(size).ok() != Some(plain_size) {
        descriptor.annotations.insert(
            UNCOMPRESSED_SIZE_ANNOTATION.to_owned(),
            plain_size.to_string(),
        );
    }
    Ok((descriptor, diff_id))
}
