//! `umoci new`: an empty image with no layers.

use super::error::Result;
use crate::layout::{index, Layout};
use crate::spec::media_type;
use crate::spec::{Descriptor, GoTime, Image, Manifest, RootFs};

/// Creates an empty image (host platform, no layers, no history) created at
/// `created`, and points `tag` at it. Returns the manifest descriptor.
pub fn new_image(layout: &Layout, tag: &str, created: GoTime) -> Result<Descriptor> {
    let (os, architecture, variant) = super::platform::host();
    let config = Image {
        created: Some(created),
        architecture: architecture.to_owned(),
        os: os.to_owned(),
        variant: variant.to_owned(),
        rootfs: RootFs {
            fs_type: "layers".to_owned(),
            diff_ids: Vec::new(),
        },
        ..Default::default()
    };
    let config_desc = layout.put_json(media_type::IMAGE_CONFIG, &config)?;
    log::debug!("umoci: added new config {}", config_desc.digest);
    let manifest = Manifest {
        schema_version: 2,
        media_type: media_type::IMAGE_MANIFEST.to_owned(),
        artifact_type: String::new(),
        config: config_desc,
        layers: Vec::new(),
        subject: None,
        annotations: Default::default(),
    };
    let manifest_desc = layout.put_json(media_type::IMAGE_MANIFEST, &manifest)?;
    log::info!("new image manifest created: {}", manifest_desc.digest);
    layout.update_index(|index| index::set_ref(index, tag, manifest_desc.clone()))?;
    log::info!("created new tag for image manifest: {tag}");
    Ok(manifest_desc)
}
