//! Layer compression: every codec, its names, media types, levels,
//! encoder and decoder, decided here and nowhere else.
//!
//! - [`CODECS`]: the table; adding a codec means a row there and its
//!   encoder and decoder below.
//! - [`choice`]: the `--compress` value (`auto`, `none`, `gzip`, `zstd`,
//!   each with an optional `:LEVEL`).
//! - [`gzip`]: parallel gzip, one member per block, by libdeflate.
//! - [`incompressible`]: which gzip blocks are stored, not compressed.
//! - [`zstd`]: zstd with long-distance matching, on zstd's own threads.

pub mod choice;
mod gzip;
mod incompressible;
mod zstd;

use std::io::{self, Read, Write};
use std::ops::RangeInclusive;

use super::chunks::Chunks;
use super::error::LayerError;
use crate::spec::media_type as mt;

pub use choice::{ChoiceError, CompressChoice};

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

/// One codec: what it is called, which media types mean it, which levels
/// it takes.
#[derive(Debug)]
pub struct Codec {
    /// The codec.
    pub compression: Compression,
    /// Its `--compress` name.
    pub name: &'static str,
    /// The media type of layers we write with it.
    pub media_type: &'static str,
    /// Every media type of layers compressed with it (OCI, non-distributable
    /// and Docker), the one we write first.
    pub media_types: &'static [&'static str],
    /// The levels `NAME:LEVEL` may give, if it has levels.
    pub levels: Option<RangeInclusive<u32>>,
    /// The level the plain name means.
    pub default_level: u32,
}

/// Every codec, in the order help lists them.
pub const CODECS: &[Codec] = &[
    Codec {
        compression: Compression::None,
        name: "none",
        media_type: mt::LAYER_TAR,
        media_types: &[mt::LAYER_TAR, mt::LAYER_NONDIST_TAR],
        levels: None,
        default_level: 0,
    },
    Codec {
        compression: Compression::Gzip,
        name: "gzip",
        media_type: mt::LAYER_TAR_GZIP,
        media_types: &[
            mt::LAYER_TAR_GZIP,
            mt::LAYER_NONDIST_TAR_GZIP,
            mt::DOCKER_LAYER_GZIP,
        ],
        levels: Some(gzip::LEVELS),
        default_level: gzip::DEFAULT_LEVEL,
    },
    Codec {
        compression: Compression::Zstd,
        name: "zstd",
        media_type: mt::LAYER_TAR_ZSTD,
        media_types: &[mt::LAYER_TAR_ZSTD, mt::LAYER_NONDIST_TAR_ZSTD],
        levels: Some(zstd::LEVELS),
        default_level: zstd::DEFAULT_LEVEL,
    },
];

impl Compression {
    /// This codec's row of [`CODECS`].
    pub fn codec(self) -> &'static Codec {
        CODECS
            .iter()
            .find(|c| c.compression == self)
            .expect("every compression has a row")
    }

    /// The compression a layer media type implies; non-layer types are an error.
    pub fn from_media_type(media_type: &str) -> Result<Self, LayerError> {
        CODECS
            .iter()
            .find(|c| c.media_types.contains(&media_type))
            .map(|c| c.compression)
            .ok_or_else(|| LayerError::MediaType(media_type.to_owned()))
    }

    /// The media type of the layers we write with this compression.
    pub fn media_type(self) -> &'static str {
        self.codec().media_type
    }

    /// Wraps `inner` in the matching decompressor. The returned reader
    /// yields the uncompressed tar stream.
    pub fn decoder<'a, R: Read + 'a>(self, inner: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(inner),
            // Multi-member gzip streams are legal and Go reads them whole;
            // ours are written so.
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                io::BufReader::with_capacity(1 << 17, inner),
            )),
            Compression::Zstd => Box::new(::zstd::stream::read::Decoder::new(inner)?),
        })
    }
}

/// A compression and the level to use it at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    /// The codec.
    pub compression: Compression,
    /// Its level (ignored by `none`).
    pub level: u32,
}

impl Encoding {
    /// `compression` at its default level.
    pub fn default_for(compression: Compression) -> Self {
        Encoding {
            compression,
            level: compression.codec().default_level,
        }
    }

    /// Compresses `chunks`, in order, into `out`, giving their buffers
    /// back. The bytes depend only on the input, the codec and the level.
    pub(crate) fn compress<W: Write + Send>(self, chunks: &Chunks, mut out: W) -> io::Result<W> {
        match self.compression {
            Compression::None => {
                chunks.drain(|chunk| out.write_all(chunk))?;
                Ok(out)
            }
            Compression::Gzip => gzip::compress(chunks, out, self.level),
            Compression::Zstd => zstd::compress(chunks, out, self.level),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_goes_both_ways() {
        for codec in CODECS {
            assert_eq!(codec.compression.codec().name, codec.name);
            assert_eq!(codec.media_types[0], codec.media_type);
            for m in codec.media_types {
                assert_eq!(Compression::from_media_type(m).unwrap(), codec.compression);
            }
            if let Some(levels) = &codec.levels {
                assert!(levels.contains(&codec.default_level));
            }
        }
        assert!(Compression::from_media_type(mt::IMAGE_CONFIG).is_err());
    }
}
