//! `umoci index add` and `umoci index rm`: putting images together into a
//! multi-platform index at a tag, and taking one platform out.
//!
//! Entries that are not touched are copied as the text they were read as
//! (see [`RawEntryIndex`]), so what other tools put there survives.

use std::collections::HashSet;

use super::error::{ImageError, Result};
use super::platform::Selection;
use super::platform::{from_config, PlatformSpec};
use super::select::{images, is_per_platform, list_platforms, select_one};
use super::source::ImageSource;
use crate::layout::{index, Layout, LayoutError};
use crate::spec::descriptor::ANNOTATION_REFERENCE_DIGEST;
use crate::spec::manifest::RawEntryIndex;
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, Digest, Index};

/// An index being edited: its entries as read, and parsed.
struct Entries {
    index: RawEntryIndex,
    parsed: Vec<Descriptor>,
    /// The descriptor the tag had, when it named an index.
    root: Option<Descriptor>,
}

/// Why `index add` or `index rm` refused.
#[derive(Debug, thiserror::Error)]
pub enum IndexEditError {
    /// Resolving or reading an image failed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A source image's config names no platform.
    #[error("image {tag} has no platform in its config (set one with umoci config --platform.os/--platform.arch)")]
    NoPlatform {
        /// The source tag.
        tag: String,
    },
    /// Two sources are for one platform.
    #[error("{first} and {second} are both for platform {platform}")]
    SamePlatform {
        /// One source tag.
        first: String,
        /// The other.
        second: String,
        /// Their platform.
        platform: String,
    },
    /// The tag's index holds indexes: edit those with the tag of each.
    #[error(
        "the index {0} names holds nested indexes: index add and index rm edit only flat indexes"
    )]
    Nested(String),
    /// `index rm` on a tag that names no index.
    #[error("tag {0} does not name an index")]
    NotAnIndex(String),
    /// `index rm` of the last image.
    #[error("{platform} is the last image of {tag}: remove the tag with umoci rm instead")]
    LastImage {
        /// The tag.
        tag: String,
        /// The platform.
        platform: String,
    },
}

impl From<LayoutError> for IndexEditError {
    fn from(e: LayoutError) -> Self {
        IndexEditError::Image(e.into())
    }
}

/// Creates or updates the index at `tag` with an entry for the image each
/// of `sources` names (its platform read from its config), replacing an
/// entry of the same platform. A tag naming a single image becomes an index
/// holding it. Returns the new root descriptor.
pub fn add(
    layout: &Layout,
    idx: &mut Index,
    tag: &str,
    sources: &[String],
) -> Result<Descriptor, IndexEditError> {
    let mut new: Vec<(String, Descriptor)> = Vec::with_capacity(sources.len());
    for source in sources {
        // A multi-platform source gives all its images.
        let found = images(layout, idx, source)?;
        let paths = if is_per_platform(&found) {
            found
        } else {
            vec![select_one(layout, idx, source, &Selection::Default)?]
        };
        for path in paths {
            let entry = entry_for(layout, path, source)?;
            let spec = platform_of(&entry);
            if let Some((first, _)) = new.iter().find(|(_, e)| platform_of(e) == spec) {
                return Err(IndexEditError::SamePlatform {
                    first: first.clone(),
                    second: source.clone(),
                    platform: spec.to_string(),
                });
            }
            new.push((source.clone(), entry));
        }
    }
    let mut entries = match Entries::at(layout, idx, tag)? {
        Some(entries) => entries,
        None if index::tagged(idx, tag).next().is_some() => {
            // A single image: it becomes the index's first entry.
            let path = select_one(layout, idx, tag, &Selection::Default)?;
            let entry = entry_for(layout, path, tag)?;
            let mut entries = Entries::empty();
            entries.push(&entry)?;
            entries
        }
        None => Entries::empty(),
    };
    let platforms: Vec<PlatformSpec> = new.iter().map(|(_, e)| platform_of(e)).collect();
    entries.remove_platforms(&platforms);
    for (_, entry) in &new {
        entries.push(entry)?;
    }
    entries.commit(layout, idx, tag)
}

/// Removes the image for `platform` (and attestations about it) from the
/// index at `tag`. Returns the new root descriptor.
pub fn remove(
    layout: &Layout,
    idx: &mut Index,
    tag: &str,
    platform: &PlatformSpec,
) -> Result<Descriptor, IndexEditError> {
    let Some(mut entries) = Entries::at(layout, idx, tag)? else {
        if index::tagged(idx, tag).next().is_some() {
            return Err(IndexEditError::NotAnIndex(tag.to_owned()));
        }
        return Err(ImageError::TagNotFound(tag.to_owned()).into());
    };
    let images = || entries.parsed.iter().filter(|d| !d.is_attestation());
    if !images().any(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p))) {
        let available = list_platforms(images().filter_map(|d| d.platform.as_ref()));
        return Err(ImageError::PlatformNotFound {
            tag: tag.to_owned(),
            wanted: platform.to_string(),
            available,
        }
        .into());
    }
    entries.remove_platforms(std::slice::from_ref(platform));
    if !entries.parsed.iter().any(|d| !d.is_attestation()) {
        return Err(IndexEditError::LastImage {
            tag: tag.to_owned(),
            platform: platform.to_string(),
        });
    }
    entries.commit(layout, idx, tag)
}

/// The index entry for the image at `path` (of `tag`): its manifest, with
/// the platform of its config.
fn entry_for(
    layout: &Layout,
    path: crate::layout::DescriptorPath,
    tag: &str,
) -> Result<Descriptor, IndexEditError> {
    let image = ImageSource::load(layout, path)?;
    if image.config.os.is_empty() || image.config.architecture.is_empty() {
        return Err(IndexEditError::NoPlatform {
            tag: tag.to_owned(),
        });
    }
    let leaf = image.path.descriptor();
    let mut entry = Descriptor::new(&leaf.media_type, leaf.digest.clone(), leaf.size);
    entry.platform = Some(from_config(&image.config));
    Ok(entry)
}

fn platform_of(entry: &Descriptor) -> PlatformSpec {
    PlatformSpec::of(entry.platform.as_ref().expect("entries made here have one"))
}

impl Entries {
    fn empty() -> Self {
        Entries {
            index: RawEntryIndex::default(),
            parsed: Vec::new(),
            root: None,
        }
    }

    /// The index `tag` names in `index.json`, if it names one.
    fn at(layout: &Layout, idx: &Index, tag: &str) -> Result<Option<Self>, IndexEditError> {
        let roots: Vec<&Descriptor> = index::tagged(idx, tag).collect();
        let root = match roots.as_slice() {
            [] => return Ok(None),
            [root] => *root,
            _ => return Err(ImageError::TagAmbiguous(tag.to_owned()).into()),
        };
        if media_type::kind(&root.media_type) != Kind::Index {
            return Ok(None);
        }
        let (index, _) = layout.read_json::<RawEntryIndex>(root)?;
        if !index.media_type.is_empty() && index.media_type != media_type::IMAGE_INDEX {
            return Err(LayoutError::WrongMediaType {
                digest: root.digest.clone(),
                expected: media_type::IMAGE_INDEX,
                found: index.media_type.clone(),
            }
            .into());
        }
        let parsed = index.parsed_entries().map_err(|source| LayoutError::Json {
            what: format!("blob {}", root.digest),
            source,
        })?;
        if parsed
            .iter()
            .any(|d| media_type::kind(&d.media_type) == Kind::Index)
        {
            return Err(IndexEditError::Nested(tag.to_owned()));
        }
        Ok(Some(Entries {
            index,
            parsed,
            root: Some(root.clone()),
        }))
    }

    fn push(&mut self, entry: &Descriptor) -> Result<(), IndexEditError> {
        self.index
            .push_entry(entry)
            .map_err(|source| LayoutError::Json {
                what: "new index entry".into(),
                source,
            })?;
        self.parsed.push(entry.clone());
        Ok(())
    }

    /// Drops the images for `platform` and the attestations about them.
    fn remove_platforms(&mut self, platforms: &[PlatformSpec]) {
        let platforms: HashSet<&PlatformSpec> = platforms.iter().collect();
        let is_gone = |d: &Descriptor| {
            !d.is_attestation()
                && d.platform
                    .as_ref()
                    .is_some_and(|p| platforms.contains(&PlatformSpec::of(p)))
        };
        // An image listed for two platforms keeps its other entry, and its
        // attestations with it; attestations about anything else stay.
        let still_listed: HashSet<&Digest> = self
            .parsed
            .iter()
            .filter(|d| !d.is_attestation() && !is_gone(d))
            .map(|d| &d.digest)
            .collect();
        let removed: HashSet<String> = self
            .parsed
            .iter()
            .filter(|d| is_gone(d) && !still_listed.contains(&d.digest))
            .map(|d| d.digest.to_string())
            .collect();
        let keep: Vec<bool> = self
            .parsed
            .iter()
            .map(|d| {
                let orphaned = d.is_attestation()
                    && d.annotations
                        .get(ANNOTATION_REFERENCE_DIGEST)
                        .is_some_and(|target| removed.contains(target));
                !(orphaned || is_gone(d))
            })
            .collect();
        let mut i = 0;
        self.index.manifests.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut i = 0;
        self.parsed.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// Stores the index and points `tag` at it.
    fn commit(
        self,
        layout: &Layout,
        idx: &mut Index,
        tag: &str,
    ) -> Result<Descriptor, IndexEditError> {
        let media_type = if self.index.media_type.is_empty() {
            media_type::IMAGE_INDEX
        } else {
            self.index.media_type.as_str()
        };
        let written = layout.put_json(media_type, &self.index)?;
        let root = match self.root {
            Some(mut root) => {
                root.digest = written.digest;
                root.size = written.size;
                root
            }
            None => written,
        };
        index::set_ref(idx, tag, root.clone()).map_err(ImageError::from)?;
        Ok(root)
    }
}
