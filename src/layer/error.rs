//! Errors from reading and applying layers; each names the entry at fault.

use std::io;

/// What went wrong while applying a layer.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// The tar stream itself could not be read.
    #[error("read layer")]
    Read(#[source] io::Error),
    /// An entry is malformed or would do something we refuse to do.
    #[error("unpack entry {path:?}: {reason}")]
    Invalid {
        /// The entry's name as the layer spells it.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// A file-system operation on an entry failed.
    #[error("unpack entry {path:?}: {op}")]
    Io {
        /// The entry's name as the layer spells it.
        path: String,
        /// What we were doing.
        op: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A layer media type we cannot decompress.
    #[error("unsupported layer media type {0:?}")]
    MediaType(String),
}

impl LayerError {
    pub(crate) fn invalid(path: &[u8], reason: impl Into<String>) -> Self {
        LayerError::Invalid {
            path: String::from_utf8_lossy(path).into_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &[u8], op: &'static str, source: impl Into<io::Error>) -> Self {
        LayerError::Io {
            path: String::from_utf8_lossy(path).into_owned(),
            op,
            source: source.into(),
        }
    }
}
