//! Errors of the layout store. Each names the path or digest it is about.

use std::io;
use std::path::PathBuf;

use crate::spec::Digest;

/// Anything that can go wrong reading or writing an image layout.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// A signal asked the process to stop before the layout changed.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// The directory is not a usable OCI image layout.
    #[error("{path}: not a valid OCI image layout: {reason}")]
    Invalid {
        /// The layout directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `init` was pointed at a path that already holds something.
    #[error("image layout creation: path already exists: {0}")]
    AlreadyExists(PathBuf),
    /// A filesystem operation failed.
    #[error("{path}")]
    Io {
        /// The file or directory operated on.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Another process held a lock on the layout for longer than we wait.
    #[error("{path}: still locked by another process after {waited_secs} s (set UMOCI_LOCK_TIMEOUT to wait longer)")]
    LockTimeout {
        /// The locked directory.
        path: PathBuf,
        /// How long we waited.
        waited_secs: u64,
    },
    /// A JSON file or blob could not be parsed.
    #[error("{what}: invalid JSON")]
    Json {
        /// `index.json`, or the blob digest.
        what: String,
        /// The parser error.
        source: serde_json::Error,
    },
    /// A descriptor names a blob that is not in the layout.
    #[error("blob {0} is missing from the layout")]
    BlobMissing(Digest),
    /// A blob's content does not hash to its name.
    #[error("blob {expected} is corrupt: its content hashes to {actual}")]
    DigestMismatch {
        /// The digest the descriptor names.
        expected: Digest,
        /// The digest of the bytes actually stored.
        actual: Digest,
    },
    /// A blob's length differs from its descriptor's size.
    #[error("blob {digest} has {actual} bytes but its descriptor says {expected}")]
    SizeMismatch {
        /// The blob.
        digest: Digest,
        /// Size from the descriptor.
        expected: i64,
        /// Size found.
        actual: u64,
    },
    /// A descriptor that must not be trusted (negative or absurd size, …).
    #[error("refusing descriptor for {digest}: {reason}")]
    BadDescriptor {
        /// The blob it points at.
        digest: Digest,
        /// Why it was refused.
        reason: String,
    },
    /// A descriptor of an unexpected media type.
    #[error("descriptor {digest} has media type {found:?}, expected {expected}")]
    WrongMediaType {
        /// The blob.
        digest: Digest,
        /// What the caller needed.
        expected: &'static str,
        /// What the descriptor says.
        found: String,
    },
    /// Index nesting deeper than any real image uses.
    #[error("descriptor {0}: indexes nested too deeply (cycle or hostile image?)")]
    TooDeep(Digest),
    /// A tag leading to more images than any real index holds.
    #[error("tag {0} leads to more than {max} images (hostile image?)", max = super::index::MAX_PATHS)]
    TooManyImages(String),
    /// A reference name that the OCI grammar does not allow.
    #[error("refusing invalid reference name {0:?}")]
    InvalidRefName(String),
}

impl LayoutError {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        LayoutError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for layout operations.
pub type Result<T, E = LayoutError> = std::result::Result<T, E>;
