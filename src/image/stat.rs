//! `umoci stat`: what is in an image, as JSON (`--json`) or as upstream
//! 0.6's human-readable text.
//!
//! Any image manifest can be stat'ed, OCI artifacts included, as upstream's
//! can: a config of the image-config type is read and gives the history; an
//! empty-JSON config (`{}`) is checked and shown; a config of any other type
//! is shown only if the descriptor embeds its data (its blob must still be
//! there, but is not read), and then there is no history at all.

use serde::Serialize;

use super::error::{ImageError, Result};
use crate::layout::{parse_blob_json, DescriptorPath, Layout, LayoutError};
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, History, Image, Manifest};

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
    /// The config, when it could be shown (see the module).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<BlobStat>,
    /// History, oldest first; only for an image config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryStat>>,
    #[serde(skip)]
    pub(crate) parsed_manifest: Manifest,
    #[serde(skip)]
    pub(crate) image: Option<Image>,
}

/// Checks an empty-JSON descriptor and its content: `{}` is its only value.
fn check_empty_json(layout: &Layout, desc: &Descriptor) -> Result<Vec<u8>> {
    let invalid = || LayoutError::BadDescriptor {
        digest: desc.digest.clone(),
        reason: "empty json blob is invalid".into(),
    };
    if desc.digest.to_string() != media_type::EMPTY_JSON_DIGEST || desc.size != 2 {
        return Err(invalid().into());
    }
    let data = layout.read_blob_or_data(desc)?;
    if data != b"{}" {
        return Err(invalid().into());
    }
    Ok(data)
}

impl ManifestStat {
    /// Reads the manifest `path` leads to and what of its config can be
    /// shown. History entries are matched to layers in order, skipping
    /// empty-layer entries.
    pub fn load(layout: &Layout, path: &DescriptorPath) -> Result<Self> {
        let manifest_desc = path.descriptor().clone();
        let (manifest, manifest_raw) = layout.read_json::<Manifest>(&manifest_desc)?;
        let config_desc = &manifest.config;
        let (config, image) = match media_type::kind(&config_desc.media_type) {
            Kind::Config => {
                let raw = layout.read_blob_or_data(config_desc)?;
                let image: Image = parse_blob_json(&raw, config_desc)?;
                (Some(raw), Some(image))
            }
            _ if config_desc.media_type == media_type::EMPTY_JSON => {
                (Some(check_empty_json(layout, config_desc)?), None)
            }
            _ => match config_desc.embedded_data() {
                Some(_) => (Some(layout.read_blob_or_data(config_desc)?), None),
                None => {
                    // Upstream opens the blob, though it cannot parse it.
                    layout.open_blob(config_desc)?;
                    (None, None)
                }
            },
        };
        let history = image
            .as_ref()
            .map(|image| history_of(&manifest_desc, &manifest, image))
            .transpose()?;
        Ok(ManifestStat {
            manifest: BlobStat {
                blob: parse_blob_json(&manifest_raw, &manifest_desc)?,
                descriptor: manifest_desc,
            },
            config: config
                .map(|raw| -> Result<BlobStat> {
                    Ok(BlobStat {
                        blob: parse_blob_json(&raw, config_desc)?,
                        descriptor: config_desc.clone(),
                    })
                })
                .transpose()?,
            history,
            image,
            parsed_manifest: manifest,
        })
    }

    /// The JSON form, as upstream's `json.Encoder` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("stat encodes")
    }
}

/// The image's history, each non-empty entry with its layer and diff ID.
fn history_of(
    manifest_desc: &Descriptor,
    manifest: &Manifest,
    image: &Image,
) -> Result<Vec<HistoryStat>> {
    let mut layers = manifest.layers.iter();
    let mut diff_ids = image.rootfs.diff_ids.iter();
    let mut history = Vec::with_capacity(image.history.len());
    for entry in &image.history {
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
    Ok(history)
}

/// One image of a multi-platform index, as `stat` lists it.
#[derive(Debug, Serialize)]
pub struct PlatformStat {
    /// `os/arch[/variant]`, as the entry writes it.
    pub platform: String,
    /// The index entry that leads to the image's manifest.
    pub descriptor: Descriptor,
}

/// What `stat` shows for a tag naming several images, one per platform.
#[derive(Debug, Serialize)]
pub struct IndexStat {
    /// Each image, in index order.
    pub platforms: Vec<PlatformStat>,
}

impl IndexStat {
    /// The images found at `paths`.
    pub fn new(paths: &[DescriptorPath]) -> Self {
        let platforms = paths
            .iter()
            .map(|p| PlatformStat {
                platform: p
                    .descriptor()
                    .platform
                    .as_ref()
                    .map(super::platform::display)
                    .unwrap_or_default(),
                descriptor: p.descriptor().clone(),
            })
            .collect();
        IndexStat { platforms }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        crate::spec::go_json::to_vec(self).expect("stat encodes")
    }

    /// A table of platform, manifest digest and size, and how to pick one.
    pub fn to_text(&self) -> Vec<u8> {
        use super::go_fmt::{human_size, tabulate};
        let mut rows = vec![["PLATFORM", "MANIFEST", "SIZE"].map(String::from).to_vec()];
        for p in &self.platforms {
            let mut platform = if p.platform.is_empty() {
                "<none>".to_owned()
            } else {
                crate::spec::escape::printable(&p.platform).into_owned()
            };
            if let Some(version) = p.descriptor.platform.as_ref().map(|p| &p.os_version) {
                if !version.is_empty() {
                    platform.push_str(&format!(" ({})", crate::spec::escape::printable(version)));
                }
            }
            rows.push(vec![
                platform,
                p.descriptor.digest.to_string(),
                human_size(p.descriptor.size),
            ]);
        }
        let mut out = String::from("== INDEX ==\n");
        out.push_str(&tabulate(&rows));
        out.push_str("\nThis tag names an image for each platform above; add --platform OS/ARCH[/VARIANT] to show one.\n");
        out.into_bytes()
    }
}
