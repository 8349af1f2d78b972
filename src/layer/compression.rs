//! Layer compression, chosen by media type.

use std::io::{self, Read};

use super::error::LayerError;
use crate::spec::media_type as mt;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (OCI `+gzip` and Docker's `rootfs.diff.tar.gzip`).
    Gzip,
    /// zstd (`+zstd`).
    Zstd,
}

impl Compression {
    /// The compression a layer media type implies; non-layer types are an error.
    pub fn from_media_type(media_type: &str) -> Result<Self, LayerError> {
        match media_type {
            mt::LAYER_TAR | mt::LAYER_NONDIST_TAR => Ok(Compression::None),
            mt::LAYER_TAR_GZIP | mt::LAYER_NONDIST_TAR_GZIP | mt::DOCKER_LAYER_GZIP => {
                Ok(Compression::Gzip)
            }
            mt::LAYER_TAR_ZSTD | mt::LAYER_NONDIST_TAR_ZSTD => Ok(Compression::Zstd),
            other => Err(LayerError::MediaType(other.to_owned())),
        }
    }

    /// Wraps `inner` in the matching decompressor. The returned reader
    /// yields the uncompressed tar stream.
    pub fn decoder<'a, R: Read + 'a>(self, inner: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(inner),
            // Multi-member gzip streams are legal and Go reads them whole.
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                io::BufReader::with_capacity(1 << 17, inner),
            )),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
        })
    }
}
