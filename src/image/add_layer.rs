//! Appending layers to an image: the manifest gains the descriptor, the
//! config its diff ID and (unless `--no-history`) a history entry; then the
//! tag moves, all under the index lock. The config's own `created` is left
//! as it was, as upstream's mutator leaves it. `repack`, `insert` and `raw
//! add-layer` share it.

use super::source::ImageSource;
use super::{mutate, Result};
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

/// Under the index lock, reloads the image `base` leads to, appends
/// `layers` in order, stores the new config and manifest and points `tag`
/// at the result, which is returned.
pub fn commit_layers(
    layout: &Layout,
    base: &DescriptorPath,
    layers: &[NewLayer],
    tag: &str,
) -> Result<Descriptor> {
    commit_edit(layout, base, tag, |current| {
        for layer in layers {
            append_layer(
                current,
                layer.descriptor.clone(),
                layer.diff_id.clone(),
                layer.history.clone(),
            )?;
        }
        Ok(())
    })
}

/// Under the index lock, reloads the image `base` leads to, appends only
/// `history` (an entry with `empty_layer` set, as upstream writes when a
/// repack finds nothing to pack), and points `tag` at the result.
pub fn commit_without_layer(
    layout: &Layout,
    base: &DescriptorPath,
    history: Option<History>,
    tag: &str,
) -> Result<Descriptor> {
    commit_edit(layout, base, tag, |current| {
        current.config.history.extend(history);
        mutate::mark_manifest_media_type(current);
        Ok(())
    })
}

/// Under the index lock: reloads the image `base` leads to, applies
/// `edit`, stores the new config and manifest and points `tag` at them.
fn commit_edit(
    layout: &Layout,
    base: &DescriptorPath,
    tag: &str,
    edit: impl FnOnce(&mut ImageSource) -> Result<()>,
) -> Result<Descriptor> {
    layout.update_index(|idx| {
        let mut current = ImageSource::load(layout, base.clone())?;
        edit(&mut current)?;
        let new_root = mutate::commit(layout, &current)?;
        index::set_ref(idx, tag, new_root.clone())?;
        Ok(new_root)
    })
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
