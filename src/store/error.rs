//! What can go wrong with a content store; each error names the store
//! path, object or layer it is about.

use std::io;
use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system step on a path of the store failed.
    #[error("store {}: {op}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path, for messages.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The store is not safe to use: someone else could change it.
    #[error("store {}: refusing to use it: {why}", path.display())]
    Untrusted {
        /// The store (or a directory in it).
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// An object's content is not what its name says, or it is missing.
    #[error("store object sha256:{digest}: {why}")]
    Object {
        /// Hex digest of the content it should hold.
        digest: String,
        /// What is wrong.
        why: String,
    },
    /// The chosen way of checking files out cannot work here.
    #[error("--store-link={mode}: {why}")]
    LinkMode {
        /// The mode asked for.
        mode: &'static str,
        /// Why it cannot be used.
        why: String,
    },
    /// The store's lock could not be taken (in time).
    #[error("store {}: lock", path.display())]
    Lock {
        /// The store.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::layout::LayoutError,
    },
    /// Reading the layouts named for `store gc` failed.
    #[error("read layout {}", path.display())]
    Layout {
        /// The layout.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// A [`StoreError::Io`] for `op` on `path`.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { op, path, source }
    }
}
