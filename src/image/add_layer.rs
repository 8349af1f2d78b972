//! Appending a layer to an image: the manifest gains the descriptor, the
//! config its diff ID and (unless `--no-history`) a history entry, whose
//! time also becomes the image's creation time.

use super::source::ImageSource;
use crate::spec::go_time::{source_date_epoch, GoTime};
use crate::spec::{Descriptor, Digest, History};

/// Appends `layer` (with `diff_id`) and `history` to `source`.
pub fn append_layer(
    source: &mut ImageSource,
    layer: Descriptor,
    diff_id: Digest,
    history: Option<History>,
) -> super::Result<()> {
    source.manifest.layers.push(layer);
    source.config.rootfs.diff_ids.push(diff_id);
    let created = match history.as_ref().and_then(|h| h.created) {
        Some(t) => t,
        None => source_date_epoch()?.unwrap_or_else(GoTime::now),
    };
    source.config.created = Some(created);
    if let Some(entry) = history {
        source.config.history.push(entry);
    }
    Ok(())
}
