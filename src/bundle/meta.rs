//! `umoci.json`: the version, the descriptor path of the image a bundle was
//! unpacked from, and the mapping options, in upstream's schema.

use std::io;
use std::os::fd::AsFd;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::dir::BundleDir;
use super::map_options::MapOptions;
use crate::fs::file::{open_regular, read_capped, write_atomic, Follow};
use crate::layout::DescriptorPath;

/// The file name inside a bundle.
pub const META_NAME: &str = "umoci.json";
/// Largest `umoci.json` read; real ones are a kilobyte or two.
const MAX_META_SIZE: u64 = 16 << 20;
/// The schema version upstream writes and accepts.
pub const META_VERSION: &str = "2";

/// The contents of `umoci.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Always [`META_VERSION`].
    #[serde(rename = "umoci_version")]
    pub version: String,
    /// How the image's tag led to its manifest.
    #[serde(rename = "from_descriptor_path")]
    pub from: DescriptorPath,
    /// `--uid-map`, `--gid-map`, `--rootless`.
    pub map_options: MapOptions,
    /// Deprecated by upstream; must be absent or 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub whiteout_mode: i64,
}

/// Why `umoci.json` could not be read or written; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// It cannot be opened or read.
    #[error("open metadata {}", path.display())]
    Open {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// It is not the JSON upstream writes.
    #[error("decode metadata {}", path.display())]
    Decode {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A schema version other than [`META_VERSION`].
    #[error("decode metadata {}: unsupported umoci.json version {version:?}", path.display())]
    Version {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// The version it gives.
        version: String,
    },
    /// The deprecated `whiteout_mode` is set.
    #[error("decode metadata {}: deprecated (broken) whiteout_mode field set ({mode})", path.display())]
    WhiteoutMode {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// Its value.
        mode: i64,
    },
    /// The descriptor path leads nowhere usable.
    #[error("decode metadata {}: {reason}", path.display())]
    BadPath {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// What is wrong with it.
        reason: BadDescriptorPath,
    },
    /// It cannot be written.
    #[error("write metadata {}", path.display())]
    Write {
        /// `BUNDLE/umoci.json`.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// What is wrong with a recorded descriptor path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDescriptorPath {
    /// No descriptors at all.
    #[error("from_descriptor_path has an empty descriptor_walk")]
    Empty,
    /// More descriptors than indexes may nest.
    #[error("descriptor_walk has {0} descriptors, more than indexes may nest")]
    TooLong(usize),
    /// A descriptor with a negative size.
    #[error("descriptor {digest} has negative size {size}")]
    NegativeSize {
        /// Its digest.
        digest: String,
        /// Its size.
        size: i64,
    },
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl Meta {
    /// Reads and checks `BUNDLE/umoci.json`.
    pub fn read(bundle: &BundleDir) -> Result<Self, MetaError> {
        let path = bundle.shown(META_NAME);
        let data = open_regular(bundle.as_fd(), META_NAME.as_bytes(), Follow::Never)
            .and_then(|f| read_capped(f, MAX_META_SIZE))
            .map_err(|source| MetaError::Open {
                path: path.clone(),
                source,
            })?;
        let meta: Meta = serde_json::from_slice(&data).map_err(|source| MetaError::Decode {
            path: path.clone(),
            source,
        })?;
        if meta.version != META_VERSION {
            return Err(MetaError::Version {
                path,
                version: meta.version,
            });
        }
        if meta.whiteout_mode != 0 {
            return Err(MetaError::WhiteoutMode {
                path,
                mode: meta.whiteout_mode,
            });
        }
        meta.check()
            .map_err(|reason| MetaError::BadPath { path, reason })?;
        Ok(meta)
    }

    /// What the rest of the tool relies on: a descriptor walk that leads
    /// somewhere, through descriptors that could name a blob.
    fn check(&self) -> Result<(), BadDescriptorPath> {
        if self.from.walk.is_empty() {
            return Err(BadDescriptorPath::Empty);
        }
        // No tag resolves through more nested indexes than this.
        if self.from.walk.len() > crate::layout::walk::MAX_DEPTH + 1 {
            return Err(BadDescriptorPath::TooLong(self.from.walk.len()));
        }
        for desc in &self.from.walk {
            if desc.size < 0 {
                return Err(BadDescriptorPath::NegativeSize {
                    digest: desc.digest.to_string(),
                    size: desc.size,
                });
            }
        }
        Ok(())
    }

    /// Writes `BUNDLE/umoci.json` as a new file renamed into place, so a
    /// symlink planted at that name is replaced, never written through.
    pub fn write(&self, bundle: &BundleDir) -> Result<(), MetaError> {
        write_atomic(bundle.as_fd(), META_NAME.as_bytes(), &self.to_json(), 0o644).map_err(
            |source| MetaError::Write {
                path: bundle.shown(META_NAME),
                source,
            },
        )
    }

    /// The JSON bytes upstream writes.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("metadata always serialises")
    }
}
