//! Writing a changed image back: new config and manifest blobs, and new
//! blobs for any index between the tag and the manifest, yielding the
//! descriptor the tag should point to next. Old blobs stay until `gc`.

use super::error::Result;
use super::source::ImageSource;
use crate::layout::{Layout, LayoutError};
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, Index};

/// Stores `source`'s (edited) config and manifest and returns the new root
/// descriptor: the old `index.json` entry with digest and size replaced, so
/// annotations and platform carry over.
pub fn commit(layout: &Layout, source: &ImageSource) -> Result<Descriptor> {
    let config_desc = layout.put_json(&source.manifest.config.media_type, &source.config)?;
    let mut manifest = source.manifest.clone();
    manifest.config.digest = config_desc.digest;
    manifest.config.size = config_desc.size;
    let manifest_desc = layout.put_json(media_type::IMAGE_MANIFEST, &manifest)?;
    log::debug!(
        "wrote manifest {} (config {})",
        manifest_desc.digest,
        manifest.config.digest
    );

    // Walk back up the path, rewriting each parent index to point at the new
    // child in place of the old one.
    let walk = &source.path.walk;
    let mut new_child = replace_blob(walk.last().expect("non-empty"), &manifest_desc);
    for depth in (0..walk.len() - 1).rev() {
        let parent = &walk[depth];
        let old_child = &walk[depth + 1];
        if media_type::kind(&parent.media_type) != Kind::Index {
            return Err(LayoutError::WrongMediaType {
                digest: parent.digest.clone(),
                expected: media_type::IMAGE_INDEX,
                found: parent.media_type.clone(),
            }
            .into());
        }
        let (mut index, _) = layout.read_json::<Index>(parent)?;
        for entry in index
            .manifests
            .iter_mut()
            .filter(|d| d.digest == old_child.digest)
        {
            *entry = replace_blob(entry, &new_child);
        }
        let written = layout.put_json(&parent.media_type, &index)?;
        new_child = replace_blob(parent, &written);
    }
    Ok(new_child)
}

/// Marks the manifest as an OCI image manifest in its own `mediaType`, as
/// upstream's mutator does whenever it sets the config (the `config`
/// command, a repack that adds no layer), and only then.
pub fn mark_manifest_media_type(source: &mut ImageSource) {
    source.manifest.media_type = media_type::IMAGE_MANIFEST.to_owned();
}

/// `old` with the digest, size and media type of `new`.
fn replace_blob(old: &Descriptor, new: &Descriptor) -> Descriptor {
    let mut out = old.clone();
    out.digest = new.digest.clone();
    out.size = new.size;
    out.media_type = new.media_type.clone();
    out
}
