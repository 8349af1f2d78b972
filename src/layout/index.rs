//! Tags: the `org.opencontainers.image.ref.name` annotations on the
//! descriptors of `index.json`, and resolving a tag to the manifest it names.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::{LayoutError, Result};
use super::walk::MAX_DEPTH;
use super::Layout;
use crate::spec::media_type::{self, Kind};
use crate::spec::{is_valid_ref_name, Descriptor, Digest, Index, ANNOTATION_REF_NAME};

/// The chain of descriptors from a root in `index.json` down to a manifest
/// (one element when the tag names the manifest directly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescriptorPath {
    /// Root first, target last; never empty. Named as upstream's
    /// `umoci.json` names it.
    #[serde(rename = "descriptor_walk", deserialize_with = "non_empty")]
    pub walk: Vec<Descriptor>,
}

/// A descriptor walk read from a file must lead somewhere.
fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Descriptor>, D::Error> {
    let walk = Vec::<Descriptor>::deserialize(d)?;
    if walk.is_empty() {
        return Err(serde::de::Error::custom("descriptor_walk is empty"));
    }
    Ok(walk)
}

impl DescriptorPath {
    /// The descriptor in `index.json`.
    pub fn root(&self) -> &Descriptor {
        &self.walk[0]
    }

    /// The descriptor the path leads to.
    pub fn descriptor(&self) -> &Descriptor {
        self.walk.last().expect("a descriptor path is never empty")
    }
}

/// Tag names in `index.json`, in index order (duplicates included), as
/// upstream's `umoci ls` prints them.
pub fn list_refs(index: &Index) -> Vec<String> {
    index
        .manifests
        .iter()
        .filter_map(|d| d.ref_name().map(str::to_owned))
        .collect()
}

fn check_name(name: &str) -> Result<()> {
    if is_valid_ref_name(name) {
        Ok(())
    } else {
        Err(LayoutError::InvalidRefName(name.to_owned()))
    }
}

/// Points tag `name` at `desc`: every existing entry with that tag is
/// replaced by one new entry appended at the end.
pub fn set_ref(index: &mut Index, name: &str, mut desc: Descriptor) -> Result<()> {
    check_name(name)?;
    let removed = remove_named(index, name);
    if removed > 1 {
        log::warn!("multiple references match the given reference name -- all of them have been replaced due to this ambiguity");
    }
    desc.annotations
        .insert(ANNOTATION_REF_NAME.to_owned(), name.to_owned());
    index.manifests.push(desc);
    Ok(())
}

/// Removes every entry tagged `name`; returns how many there were.
pub fn delete_ref(index: &mut Index, name: &str) -> Result<usize> {
    check_name(name)?;
    let removed = remove_named(index, name);
    if removed > 1 {
        log::warn!("multiple references match the given reference name -- all of them have been deleted due to this ambiguity");
    }
    Ok(removed)
}

fn remove_named(index: &mut Index, name: &str) -> usize {
    let before = index.manifests.len();
    index.manifests.retain(|d| d.ref_name() != Some(name));
    before - index.manifests.len()
}

/// Every manifest (or blob of unknown type) that tag `name` leads to,
/// descending through nested indexes, in index order: one for a plain
/// image, one per platform for a multi-platform index, none when the tag
/// does not exist.
///
/// Each index is read and descended once: reaching one a second time (a
/// hostile index listing another 400 times, four levels deep, is 400⁴
/// paths) repeats what it led to the first time without reading it again,
/// and the walk fails past [`MAX_PATHS`], so its cost is bounded by the
/// number of distinct blobs, not of paths. An index's `subject` is not one
/// of its images and is not followed.
pub fn resolve(layout: &Layout, index: &Index, name: &str) -> Result<Vec<DescriptorPath>> {
    check_name(name)?;
    let mut walk = Walk {
        layout,
        found: Vec::new(),
        led_to: HashMap::new(),
    };
    for root in index
        .manifests
        .iter()
        .filter(|d| d.ref_name() == Some(name))
    {
        walk.descend(vec![root.clone()])?;
        if walk.full() {
            return Err(LayoutError::TooManyImages(name.to_owned()));
        }
    }
    log::debug!("resolved {name:?} to {} descriptor(s)", walk.found.len());
    Ok(walk.found)
}

/// More paths than [`resolve`] returns: far more than any real index has
/// platforms.
pub const MAX_PATHS: usize = 4096;

struct Walk<'a> {
    layout: &'a Layout,
    found: Vec<DescriptorPath>,
    /// Indexes already descended: where in `found` their paths are, and
    /// how deep the index sat in them.
    led_to: HashMap<Digest, (std::ops::Range<usize>, usize)>,
}

impl Walk<'_> {
    fn full(&self) -> bool {
        self.found.len() > MAX_PATHS
    }

    fn descend(&mut self, walk: Vec<Descriptor>) -> Result<()> {
        let desc = walk.last().expect("non-empty walk");
        match media_type::kind(&desc.media_type) {
            Kind::Manifest | Kind::Other => self.found.push(DescriptorPath { walk }),
            Kind::Index => {
                if walk.len() > MAX_DEPTH {
                    return Err(LayoutError::TooDeep(desc.digest.clone()));
                }
                if walk[..walk.len() - 1]
                    .iter()
                    .any(|d| d.digest == desc.digest)
                {
                    return Err(LayoutError::TooDeep(desc.digest.clone()));
                }
                if let Some((range, depth)) = self.led_to.get(&desc.digest).cloned() {
                    // The same paths again, under this parent.
                    for i in range {
                        if self.full() {
                            break;
                        }
                        let mut path = walk.clone();
                        path.extend_from_slice(&self.found[i].walk[depth + 1..]);
                        self.found.push(DescriptorPath { walk: path });
                    }
                    return Ok(());
                }
                let digest = desc.digest.clone();
                let before = self.found.len();
                let (index, _) = self.layout.read_json::<Index>(desc)?;
                for child in index.manifests {
                    let mut next = walk.clone();
                    next.push(child);
                    self.descend(next)?;
                    if self.full() {
                        break;
                    }
                }
                self.led_to
                    .insert(digest, (before..self.found.len(), walk.len() - 1));
            }
            Kind::Config | Kind::Layer => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Digest;

    fn desc(data: &[u8]) -> Descriptor {
        Descriptor::new(
            media_type::IMAGE_MANIFEST,
            Digest::sha256_of(data),
            data.len() as i64,
        )
    }

    #[test]
    fn set_replaces_and_appends() {
        let mut index = Index::default();
        set_ref(&mut index, "a", desc(b"1")).unwrap();
        set_ref(&mut index, "b", desc(b"2")).unwrap();
        set_ref(&mut index, "a", desc(b"3")).unwrap();
        assert_eq!(list_refs(&index), ["b", "a"]);
        assert_eq!(index.manifests[1].digest, Digest::sha256_of(b"3"));
        assert_eq!(delete_ref(&mut index, "a").unwrap(), 1);
        assert_eq!(delete_ref(&mut index, "zzz").unwrap(), 0);
        assert_eq!(list_refs(&index), ["b"]);
    }

    #[test]
    fn refuses_bad_names() {
        let mut index = Index::default();
        assert!(set_ref(&mut index, ".bad", desc(b"1")).is_err());
        assert!(delete_ref(&mut index, "").is_err());
        assert!(index.manifests.is_empty());
    }
}
