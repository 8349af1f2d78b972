//! Following descriptors: the children of an index or manifest, and the set
//! of blobs reachable from a set of roots (what `gc` must keep).
//!
//! Only indexes and manifests are read, and only to find their children;
//! layers and configs are never opened, so walking is cheap however large the
//! image. Blobs of unknown media types are kept when referenced but never
//! parsed.

use std::collections::HashSet;

use super::error::{LayoutError, Result};
use super::Layout;
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, Digest, Index, Manifest};

/// Deepest chain of nested indexes followed before giving up.
pub const MAX_DEPTH: usize = 32;

/// The descriptors `desc` refers to: an index's manifests, a manifest's
/// config, layers and subject; nothing for any other blob.
pub fn children(layout: &Layout, desc: &Descriptor) -> Result<Vec<Descriptor>> {
    match media_type::kind(&desc.media_type) {
        Kind::Index => {
            let (index, _) = layout.read_json::<Index>(desc)?;
            Ok(index.manifests.into_iter().chain(index.subject).collect())
        }
        Kind::Manifest => {
            let (manifest, _) = layout.read_json::<Manifest>(desc)?;
            let mut out = Vec::with_capacity(manifest.layers.len() + 2);
            out.push(manifest.config);
            out.extend(manifest.layers);
            out.extend(manifest.subject);
            Ok(out)
        }
        Kind::Config | Kind::Layer | Kind::Other => Ok(Vec::new()),
    }
}

/// Digests of every blob reachable from `roots`. Fails (rather than
/// guessing) if an index or manifest on the way cannot be read, so a caller
/// deleting the complement never deletes something still needed.
pub fn reachable(layout: &Layout, roots: &[Descriptor]) -> Result<HashSet<Digest>> {
    let mut seen = HashSet::new();
    // A digest is parsed once per way of reading it: one first met as a
    // layer and later as an index must still have its children marked.
    let mut parsed = HashSet::new();
    let mut stack: Vec<(Descriptor, usize)> = roots.iter().cloned().map(|d| (d, 0)).collect();
    while let Some((desc, depth)) = stack.pop() {
        if desc.size < 0 {
            return Err(LayoutError::BadDescriptor {
                digest: desc.digest.clone(),
                reason: format!("negative size {}", desc.size),
            });
        }
        seen.insert(desc.digest.clone());
        let kind = media_type::kind(&desc.media_type);
        if !parsed.insert((desc.digest.clone(), kind)) {
            continue;
        }
        if depth > MAX_DEPTH {
            return Err(LayoutError::TooDeep(desc.digest));
        }
        for child in children(layout, &desc)? {
            stack.push((child, depth + 1));
        }
    }
    Ok(seen)
}
