//! Appending layers to images: each manifest gains the descriptors, its
//! config the diff IDs and (unless `--no-history`) history entries; then
//! the tag moves, all under the index lock. The config's own `created` is
//! left as it was, as upstream's mutator leaves it. `repack`, `insert` and
//! `raw add-layer` share it; `insert --platform all` appends to every
//! image of a multi-platform index in one commit.

use super::error::{ImageError, Result};
use super::mutate::{self, Replacement};
use super::source::ImageSource;
use super::{select, Result as ImageResult};
use crate::layout::{index, DescriptorPath, Layout};
use crate::spec::{Descriptor, Digest, History};

/// A layer blob already written (staged) to the layout, to be appended.
#[derive(Debug, Clone)]
pub struct NewLayer {
    /// The layer blob's descriptor.
    pub descriptor: Descriptor,
    /// The digest of its uncompressed tar.
    pub diff_id: Digest,
    /// Its history entry, if any.
    pub history: Option<History>,
}

/// What is appended to one image.
#[derive(Debug, Clone)]
pub enum Appended {
    /// These layers, in order.
    Layers(Vec<NewLayer>),
    /// No layer: only this history entry (with `empty_layer` set, as
    /// upstream writes when a repack finds nothing to pack).
    Nothing(Option<History>),
}

/// Under the index lock, reloads each image (as found at its path),
/// appends what is given for it, stores the new configs and manifests,
/// writes the indexes above them once and points `tag` at the result,
/// which is returned. For one platform of several, the image is replaced
/// in the tag's current index ([`select::rebase`]).
pub fn commit_appended(
    layout: &Layout,
    images: &[(DescriptorPath, Appended)],
    tag: &str,
) -> Result<Descriptor> {
    layout.update_index(|idx| {
        let mut replacements: Vec<Replacement> = Vec::with_capacity(images.len());
        for (base, appended) in images {
            let mut current = ImageSource::load(layout, base.clone())?;
            current.path = select::rebase(layout, idx, base, tag)?;
            match appended {
                Appended::Layers(layers) => {
                    for layer in layers {
                        append_layer(
                            &mut current,
                            layer.descriptor.clone(),
                            layer.diff_id.clone(),
                            layer.history.clone(),
                        )?;
                    }
                }
                Appended::Nothing(history) => {
                    current.config.history.extend(history.clone());
                    mutate::mark_manifest_media_type(&mut current);
                }
            }
            replacements.push(mutate::store(layout, &current)?);
        }
        let new_root = rewrite_one_tree(layout, &replacements, tag)?;
        index::set_ref(idx, tag, new_root.clone())?;
        Ok(new_root)
    })
}

/// Rewrites the tree all `replacements` hang from; images under different
/// `index.json` entries cannot become one tag.
pub fn rewrite_one_tree(
    layout: &Layout,
    replacements: &[Replacement],
    tag: &str,
) -> ImageResult<Descriptor> {
    let root = replacements[0].path.root();
    if replacements.iter().any(|r| r.path.root() != root) {
        return Err(ImageError::TagAmbiguous(tag.to_owned()));
    }
    mutate::rewrite(layout, replacements)
}

/// Appends `layer` (with `diff_id`) and `history` to `source`.
pub fn append_layer(
    source: &mut ImageSource,
    layer: Descriptor,
    diff_id: Digest,
    history: Option<History>,
) -> Result<()> {
    source.manifest.layers.push(layer);
    source.config.rootfs.diff_ids.push(diff_id);
    if let Some(entry) = history {
        source.config.history.push(entry);
    }
    Ok(())
}
