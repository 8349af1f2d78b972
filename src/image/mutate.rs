//! Writing changed images back: new config and manifest blobs, and new
//! blobs for every index between the tag and the manifests, yielding the
//! descriptor the tag should point to next. Old blobs stay until `gc`.
//!
//! An index is rewritten entry by entry: the entries that lead to a changed
//! image are replaced (keeping their platform and annotations, the platform
//! following a config edit that changed it) and every other entry is copied
//! as the text it was read as, so the other platforms of a multi-platform
//! image, and fields we do not model, stay byte for byte as they were.

use std::collections::HashMap;

use super::error::{ImageError, Result};
use super::platform::{from_config, PlatformSpec};
use super::source::ImageSource;
use crate::layout::walk::MAX_DEPTH;
use crate::layout::{DescriptorPath, Layout, LayoutError};
use crate::spec::manifest::RawEntryIndex;
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, Digest, Platform};

/// One image of a tag, changed: where it was found and what replaces it.
#[derive(Debug, Clone)]
pub struct Replacement {
    /// The path the image was found at (the tree to rewrite).
    pub path: DescriptorPath,
    /// The new manifest.
    pub manifest: Descriptor,
    /// The platform the new config declares, when the edit changed it
    /// (the entry then follows; otherwise the entry's platform is kept as
    /// it was, even where it and the config disagree).
    pub new_platform: Option<Platform>,
}

/// Stores `source`'s (edited) config and manifest and returns the
/// replacement for the image at `source.path`.
pub fn store(layout: &Layout, source: &ImageSource) -> Result<Replacement> {
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
    let after = from_config(&source.config);
    let new_platform = (after != source.loaded_platform).then_some(after);
    Ok(Replacement {
        path: source.path.clone(),
        manifest: manifest_desc,
        new_platform,
    })
}

/// Stores `source` and rewrites the tree above it; returns the new root
/// descriptor: the old `index.json` entry with digest and size replaced,
/// so annotations and platform carry over.
pub fn commit(layout: &Layout, source: &ImageSource) -> Result<Descriptor> {
    let replacement = store(layout, source)?;
    rewrite(layout, &[replacement])
}

/// Rewrites the tree all `replacements` share the root of, replacing each
/// image wherever it appears in it (an image listed twice, or under two
/// indexes, is one image: every entry for it is replaced, or the tag would
/// offer the old and the new for one platform); returns the new root
/// descriptor.
pub fn rewrite(layout: &Layout, replacements: &[Replacement]) -> Result<Descriptor> {
    let first = replacements.first().expect("at least one replacement");
    let all: Vec<&Replacement> = replacements.iter().collect();
    let root = first.path.root();
    rewrite_at(layout, root, 0, &all, &mut HashMap::new())?.ok_or_else(|| {
        LayoutError::BadDescriptor {
            digest: root.digest.clone(),
            reason: "the image being changed is not in this index".into(),
        }
        .into()
    })
}

/// Whether index entry `entry` is the image `found` (digest, media type
/// and platform; annotations may differ, but an attestation sharing them
/// is not the image).
fn same_image(entry: &Descriptor, found: &Descriptor) -> bool {
    entry.digest == found.digest
        && entry.media_type == found.media_type
        && entry.platform == found.platform
        && entry.is_attestation() == found.is_attestation()
}

/// `desc` rewritten, or `None` if no replaced image is in it.
///
/// An index reached again (listed twice, or under two parents) is
/// rewritten once: `done` maps its digest to what it became.
fn rewrite_at(
    layout: &Layout,
    desc: &Descriptor,
    depth: usize,
    replacements: &[&Replacement],
    done: &mut HashMap<Digest, Option<Descriptor>>,
) -> Result<Option<Descriptor>> {
    if let Some(r) = replacements
        .iter()
        .find(|r| same_image(desc, r.path.descriptor()))
    {
        return Ok(Some(replaced_entry(desc, r)));
    }
    if media_type::kind(&desc.media_type) != Kind::Index {
        return Ok(None);
    }
    if depth > MAX_DEPTH {
        return Err(LayoutError::TooDeep(desc.digest.clone()).into());
    }
    if let Some(result) = done.get(&desc.digest) {
        return Ok(result.as_ref().map(|written| {
            let mut out = desc.clone();
            out.digest = written.digest.clone();
            out.size = written.size;
            out
        }));
    }
    let (mut index, _) = layout.read_json::<RawEntryIndex>(desc)?;
    let bad_json = |source| LayoutError::Json {
        what: format!("blob {}", desc.digest),
        source,
    };
    let parsed = index.parsed_entries().map_err(bad_json)?;
    let mut entries = Vec::with_capacity(parsed.len());
    let mut changed = Vec::new();
    let mut moved = Vec::new();
    for entry in parsed {
        match rewrite_at(layout, &entry, depth + 1, replacements, done)? {
            None => entries.push(entry),
            Some(new) => {
                let follows = replacements
                    .iter()
                    .any(|r| same_image(&entry, r.path.descriptor()) && r.new_platform.is_some());
                if follows {
                    moved.push(entries.len());
                }
                changed.push(entries.len());
                entries.push(new);
            }
        }
    }
    if changed.is_empty() {
        done.insert(desc.digest.clone(), None);
        return Ok(None);
    }
    check_platforms(desc, &entries, &moved)?;
    for &i in &changed {
        index.set_entry(i, &entries[i]).map_err(bad_json)?;
    }
    let written = layout.put_json(&desc.media_type, &index)?;
    done.insert(desc.digest.clone(), Some(written.clone()));
    let mut out = desc.clone();
    out.digest = written.digest;
    out.size = written.size;
    Ok(Some(out))
}

/// The index entry (or `index.json` entry) for a replaced image: the old
/// one with the new manifest's digest, size and media type, and the
/// platform of its new config if the edit changed it.
fn replaced_entry(old: &Descriptor, r: &Replacement) -> Descriptor {
    let mut out = old.clone();
    out.digest = r.manifest.digest.clone();
    out.size = r.manifest.size;
    out.media_type = r.manifest.media_type.clone();
    // Embedded content was the old manifest's.
    out.data = None;
    if let (Some(_), Some(platform)) = (&out.platform, &r.new_platform) {
        out.platform = Some(platform.clone());
    }
    out
}

/// Refuses an index in which an entry whose platform the edit changed
/// (`moved`) now claims the platform of another image entry.
fn check_platforms(index: &Descriptor, entries: &[Descriptor], moved: &[usize]) -> Result<()> {
    if moved.is_empty() {
        return Ok(());
    }
    // The image entries of each platform, once: moved × entries was
    // quadratic on a wide index.
    // Two distinct digests per platform are enough to tell a collision.
    let mut by_platform: HashMap<PlatformSpec, Vec<&Digest>> = HashMap::new();
    for entry in entries {
        if let (Some(platform), false) = (&entry.platform, entry.is_attestation()) {
            let digests = by_platform.entry(PlatformSpec::of(platform)).or_default();
            if digests.len() < 2 && !digests.contains(&&entry.digest) {
                digests.push(&entry.digest);
            }
        }
    }
    for &i in moved {
        let Some(platform) = &entries[i].platform else {
            continue;
        };
        if entries[i].is_attestation() {
            continue;
        }
        let spec = PlatformSpec::of(platform);
        let collides = by_platform
            .get(&spec)
            .is_some_and(|digests| digests.iter().any(|d| **d != entries[i].digest));
        if collides {
            return Err(ImageError::PlatformCollision {
                index: index.digest.to_string(),
                platform: spec.to_string(),
            });
        }
    }
    Ok(())
}

/// Marks the manifest as an OCI image manifest in its own `mediaType`, as
/// upstream's mutator does whenever it sets the config (the `config`
/// command, a repack that adds no layer), and only then.
pub fn mark_manifest_media_type(source: &mut ImageSource) {
    source.manifest.media_type = media_type::IMAGE_MANIFEST.to_owned();
}
