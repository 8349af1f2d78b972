//! `umoci.json`: the version, the descriptor path of the image a bundle was
//! unpacked from, and the mapping options, in upstream's schema.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::layer::MapOptions;
use crate::layout::DescriptorPath;

/// The file name inside a bundle.
pub const META_NAME: &str = "umoci.json";
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
    pub fn read(bundle: &Path) -> Result<Self, String> {
        let path = bundle.join(META_NAME);
        let data =
            std::fs::read(&path).map_err(|e| format!("open metadata {}: {e}", path.display()))?;
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
        Ok(meta)
    }

    /// The JSON bytes upstream writes.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("metadata always serialises")
    }
}
