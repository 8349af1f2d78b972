//! Errors from reading and applying layers, and from packing a tree into
//! one; each names the entry at fault.

use std::io;

/// What went wrong while applying a layer.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// The tar stream itself could not be read.
    #[error("read layer")]
    Read(#[source] io::Error),
    /// The tar stream is malformed.
    #[error("read layer")]
    Tar(#[source] super::tar::TarError),
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
    /// A file of the tree cannot go into a layer as it is.
    #[error("pack entry {path:?}: {reason}")]
    PackInvalid {
        /// The entry's name in the layer.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// Reading a file of the tree, or writing its entry, failed.
    #[error("pack entry {path:?}: {op}")]
    PackIo {
        /// The entry's name in the layer.
        path: String,
        /// What we were doing.
        op: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A signal asked the process to stop.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// A layer media type we cannot decompress.
    #[error("unsupported layer media type {0:?}")]
    MediaType(String),
}

impl LayerError {
    pub(crate) fn invalid(path: &[u8], reason: impl Into<String>) -> Self {
        LayerError::Invalid {
            path: shown_name(path),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &[u8], op: &'static str, source: impl Into<io::Error>) -> Self {
        LayerError::Io {
            path: shown_name(path),
            op,
            source: source.into(),
        }
    }

    pub(crate) fn pack_invalid(path: &[u8], reason: impl Into<String>) -> Self {
        LayerError::PackInvalid {
            path: shown_name(path),
            reason: reason.into(),
        }
    }

    pub(crate) fn pack_io(path: &[u8], op: &'static str, source: impl Into<io::Error>) -> Self {
        LayerError::PackIo {
            path: shown_name(path),
            op,
            source: source.into(),
        }
    }
}

/// Longest entry name quoted whole in a message.
const SHOWN_NAME_MAX: usize = 256;

/// An entry name for a message: a hostile name may be megabytes long, so
/// long ones keep their start and end and say how long they were.
fn shown_name(path: &[u8]) -> String {
    if path.len() <= SHOWN_NAME_MAX {
        return String::from_utf8_lossy(path).into_owned();
    }
    let head = String::from_utf8_lossy(&path[..SHOWN_NAME_MAX / 2]);
    let tail = String::from_utf8_lossy(&path[path.len() - SHOWN_NAME_MAX / 4..]);
    format!("{head}...{tail} ({} bytes)", path.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_in_messages() {
        let long = [b"start/".as_slice(), &[b'x'; 100_000], b"/end"].concat();
        let msg = LayerError::invalid(&long, "too long").to_string();
        assert!(msg.len() < 400, "{msg}");
        assert!(msg.contains("start/") && msg.contains("/end") && msg.contains("100010 bytes"));
        assert_eq!(shown_name(b"short"), "short");
    }
}
