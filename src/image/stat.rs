//! `umoci stat`: what is in an image, as JSON (`--json`) or as upstream
//! 0.6's human-readable text.

use serde::Serialize;

use super::error::{ImageError, Result};
use super::source::ImageSource;
use crate::spec::{Descriptor, History};

/// A blob and its descriptor, with the blob echoed as JSON.
#[derive(Debug, Serialize)]
pub struct BlobStat {
    /// The descriptor that points at the blob.
    pub descriptor: Descriptor,
    /// The blob's JSON, compacted.
    pub blob: serde_json::Value,
}

/// One history entry joined with the layer it produced.
#[derive(Debug, Serialize)]
pub struct HistoryStat {
    /// The layer, or `null` for an empty-layer entry.
    pub layer: Option<Descriptor>,
    /// The layer's diff ID, empty for an empty-layer entry.
    pub diff_id: String,
    /// The history entry itself (its fields are inlined in JSON).
    #[serde(flatten)]
    pub history: History,
}

/// Everything `stat` reports.
#[derive(Debug, Serialize)]
pub struct ManifestStat {
    /// The manifest.
    pub manifest: BlobStat,
    /// The config.
    pub config: BlobStat,
    /// History, oldest first.
    pub history: Vec<HistoryStat>,
    #[serde(skip)]
    pub(crate) source: ImageSource,
}

fn raw_json(raw: &[u8], what: &Descriptor) -> Result<serde_json::Value> {
    serde_json::from_slice(raw).map_err(|source| {
        crate::layout::LayoutError::Json {
            what: format!("blob {}", what.digest),
            source,
        }
        .into()
    })
}

impl ManifestStat {
    /// Gathers the stat information of a loaded image. History entries are
    /// matched to layers in order, skipping empty-layer entries.
    pub fn new(source: ImageSource) -> Result<Self> {
        let manifest_desc = source.path.descriptor().clone();
        let mut layers = source.manifest.layers.iter();
        let mut diff_ids = source.config.rootfs.diff_ids.iter();
        let mut history = Vec::with_capacity(source.config.history.len());
        for entry in &source.config.history {
            let (layer, diff_id) = if entry.empty_layer {
                (None, String::new())
            } else {
                match (layers.next(), diff_ids.next()) {
                    (Some(l), Some(d)) => (Some(l.clone()), d.to_string()),
                    _ => {
                        return Err(ImageError::Inconsistent {
                            manifest: manifest_desc.digest.to_string(),
                            reason: "more non-empty history entries than layers".into(),
                        })
                    }
                }
            };
            history.push(HistoryStat {
                layer,
                diff_id,
                history: entry.clone(),
            });
        }
        Ok(ManifestStat {
            manifest: BlobStat {
                blob: raw_json(&source.manifest_raw, &manifest_desc)?,
                descriptor: manifest_desc,
            },
            config: BlobStat {
                blob: raw_json(&source.config_raw, &source.manifest.config)?,
                descriptor: source.manifest.config.clone(),
            },
            history,
            source,
        })
    }

    /// The JSON form, as upstream's `json.Encoder` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("stat encodes")
    }
}
