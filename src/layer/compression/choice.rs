//! The `--compress` value: `auto`, or a codec name from the table with an
//! optional `:LEVEL` (`gzip:9`, `zstd:19`).

use super::{Compression, Encoding, CODECS};

/// What `--compress` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompressChoice {
    /// The newest layer's compression (never none); gzip if there is none.
    #[default]
    Auto,
    /// A fixed codec and level.
    Fixed(Encoding),
}

/// A `--compress` value that names no codec or level we have; the text
/// for an unknown name is upstream's, word for word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// No codec by that name.
    #[error("invalid --compress: unknown layer compression type {0:?}")]
    UnknownName(String),
    /// A level given to a codec that takes none.
    #[error("invalid --compress: {name} takes no level (got {text:?})")]
    NoLevels {
        /// The codec.
        name: &'static str,
        /// The whole value.
        text: String,
    },
    /// A level outside the codec's range.
    #[error("invalid --compress: {name} level must be {min} to {max} (got {level:?})")]
    BadLevel {
        /// The codec.
        name: &'static str,
        /// Its lowest level.
        min: u32,
        /// Its highest level.
        max: u32,
        /// What was given.
        level: String,
    },
}

impl CompressChoice {
    /// Parses `auto`, `NAME` or `NAME:LEVEL`. The error for an unknown
    /// name is upstream's, word for word.
    pub fn parse(text: &str) -> Result<Self, ChoiceError> {
        if text == "auto" {
            return Ok(CompressChoice::Auto);
        }
        let (name, level) = match text.split_once(':') {
            Some((name, level)) => (name, Some(level)),
            None => (text, None),
        };
        let Some(codec) = CODECS.iter().find(|c| c.name == name) else {
            return Err(ChoiceError::UnknownName(text.to_owned()));
        };
        let mut encoding = Encoding::default_for(codec.compression);
        if let Some(level) = level {
            let Some(range) = &codec.levels else {
                return Err(ChoiceError::NoLevels {
                    name: codec.name,
                    text: text.to_owned(),
                });
            };
            encoding.level = level
                .parse()
                .ok()
                .filter(|l| range.contains(l))
                .ok_or_else(|| ChoiceError::BadLevel {
                    name: codec.name,
                    min: *range.start(),
                    max: *range.end(),
                    level: level.to_owned(),
                })?;
        }
        Ok(CompressChoice::Fixed(encoding))
    }

    /// The encoding to use after a layer of `last_media_type` (if any).
    pub fn resolve(self, last_media_type: Option<&str>) -> Encoding {
        match self {
            CompressChoice::Fixed(encoding) => encoding,
            CompressChoice::Auto => {
                let last = last_media_type.map(Compression::from_media_type);
                Encoding::default_for(match last {
                    Some(Ok(Compression::Zstd)) => Compression::Zstd,
                    _ => Compression::Gzip,
                })
            }
        }
    }

    /// Every value `--compress` takes, with what it means, for help,
    /// man pages and completions.
    pub fn values() -> Vec<(String, String)> {
        let mut values = vec![(
            "auto".to_owned(),
            "the newest layer's compression (never none); gzip if there is none".to_owned(),
        )];
        for codec in CODECS {
            let help = match &codec.levels {
                Some(levels) => format!(
                    "{} at level {}; {}:LEVEL for {} to {}",
                    codec.name,
                    codec.default_level,
                    codec.name,
                    levels.start(),
                    levels.end()
                ),
                None => "an uncompressed tar".to_owned(),
            };
            values.push((codec.name.to_owned(), help));
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_levels() {
        let fixed = |c, level| {
            CompressChoice::Fixed(Encoding {
                compression: c,
                level,
            })
        };
        assert_eq!(CompressChoice::parse("auto"), Ok(CompressChoice::Auto));
        assert_eq!(
            CompressChoice::parse("gzip"),
            Ok(CompressChoice::Fixed(Encoding::default_for(
                Compression::Gzip
            )))
        );
        assert_eq!(
            CompressChoice::parse("gzip:9"),
            Ok(fixed(Compression::Gzip, 9))
        );
        assert_eq!(
            CompressChoice::parse("zstd:19"),
            Ok(fixed(Compression::Zstd, 19))
        );
        assert_eq!(
            CompressChoice::parse("foo").unwrap_err().to_string(),
            "invalid --compress: unknown layer compression type \"foo\""
        );
        for bad in ["gzip:0", "gzip:13", "gzip:x", "gzip:", "zstd:23", "none:1"] {
            let err = CompressChoice::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid --compress: "), "{bad}: {err}");
        }
    }

    #[test]
    fn auto_follows_the_newest_layer() {
        use crate::spec::media_type as mt;
        let auto = CompressChoice::Auto;
        assert_eq!(auto.resolve(None).compression, Compression::Gzip);
        assert_eq!(
            auto.resolve(Some(mt::LAYER_TAR_ZSTD)).compression,
            Compression::Zstd
        );
        assert_eq!(
            auto.resolve(Some(mt::LAYER_TAR)).compression,
            Compression::Gzip
        );
    }
}
