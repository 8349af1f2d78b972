//! `umoci.json`: the version, the descriptor path of the image a bundle was
//! unpacked from, and the mapping options, in upstream's schema.

use std::os::fd::AsFd;

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

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl Meta {
    /// Reads and checks `BUNDLE/umoci.json`.
    pub fn read(bundle: &BundleDir) -> Result<Self, String> {
        let path = bundle.shown(META_NAME);
        let data = open_regular(bundle.as_fd(), META_NAME.as_bytes(), Follow::Never)
            .and_then(|f| read_capped(f, MAX_META_SIZE))
            .map_err(|e| format!("open metadata {}: {e}", path.display()))?;
        let meta: Meta = serde_json::from_slice(&data)
            .map_err(|e| format!("decode metadata {}: {e}", path.display()))?;
        if meta.version != META_VERSION {
            return Err(format!(
                "decode metadata: unsupported umoci.json version {:?}",
                meta.version
            ));
        }
        if meta.whiteout_mode != 0 {
            return Err(format!(
                "decode metadata: deprecated (broken) whiteout_mode field set ({})",
                meta.whiteout_mode
            ));
        }
        meta.check()
            .map_err(|why| format!("decode metadata {}: {why}", path.display()))?;
        Ok(meta)
    }

    /// What the rest of the tool relies on: a descriptor walk that leads
    /// somewhere, through descriptors that could name a blob.
    fn check(&self) -> Result<(), String> {
        if self.from.walk.is_empty() {
            return Err("from_descriptor_path has an empty descriptor_walk".to_owned());
        }
        // No tag resolves through more nested indexes than this.
        if self.from.walk.len() > crate::layout::walk::MAX_DEPTH + 1 {
            return Err(format!(
                "descriptor_walk has {} descriptors, more than indexes may nest",
                self.from.walk.len()
            ));
        }
        for desc in &self.from.walk {
            if desc.size < 0 {
                return Err(format!(
                    "descriptor {} has negative size {}",
                    desc.digest, desc.size
                ));
            }
        }
        Ok(())
    }

    /// Writes `BUNDLE/umoci.json` as a new file renamed into place, so a
    /// symlink planted at that name is replaced, never written through.
    pub fn write(&self, bundle: &BundleDir) -> Result<(), String> {
        let path = bundle.shown(META_NAME);
        write_atomic(bundle.as_fd(), META_NAME.as_bytes(), &self.to_json(), 0o644)
            .map_err(|e| format!("write metadata {}: {e}", path.display()))
    }

    /// The JSON bytes upstream writes.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("metadata always serialises")
    }
}
