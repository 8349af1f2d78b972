//! Tags: the `org.opencontainers.image.ref.name` annotations on the
//! descriptors of `index.json`, and resolving a tag to the manifest it names.

use std::collections::HashMap;
use std::rc::Rc;

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

/// The `index.json` entries that carry tag `name`.
pub fn tagged<'a>(index: &'a Index, name: &'a str) -> impl Iterator<Item = &'a Descriptor> {
    index
        .manifests
        .iter()
        .filter(move |d| d.ref_name() == Some(name))
}

/// One thing a tag leads to (a manifest, or a blob of unknown type), told
/// apart from the others by digest, media type and platform.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The first path found to it.
    pub path: DescriptorPath,
    /// How many paths lead to it (one for a plain image; more when an
    /// index lists it twice or it sits under two indexes).
    pub paths: usize,
}

/// Every manifest (or blob of unknown type) that tag `name` leads to,
/// descending through nested indexes, in index order, each once: one for
/// a plain image, one per platform for a multi-platform index, none when
/// the tag does not exist.
///
/// Each index is read and descended once: reaching one a second time (a
/// hostile index listing another 400 times, four levels deep, is 400⁴
/// paths) counts what it led to the first time again, without reading it
/// or copying any path, so the cost is bounded by the number of distinct
/// blobs, not of paths. More than [`MAX_PATHS`] targets, or paths too big
/// to hold, are refused. An index's `subject` is not one of its images
/// and is not followed.
pub fn resolve(layout: &Layout, index: &Index, name: &str) -> Result<Vec<Resolved>> {
    check_name(name)?;
    let mut walk = Walk {
        layout,
        tag: name,
        found: Vec::new(),
        by_key: HashMap::new(),
        led_to: HashMap::new(),
        bytes: 0,
        work: 0,
    };
    for root in tagged(index, name) {
        walk.descend(&mut vec![root.clone()])?;
    }
    log::debug!("resolved {name:?} to {} descriptor(s)", walk.found.len());
    Ok(walk.found)
}

/// More targets than [`resolve`] returns: far more than any real index
/// has platforms.
pub const MAX_PATHS: usize = 4096;

/// Most bytes of descriptors [`resolve`] holds in the paths it returns (a
/// huge annotation on a tag copied into thousands of paths must not
/// exhaust memory).
const MAX_PATH_BYTES: usize = 64 << 20;

/// What was found under one index: targets (positions in `found`) and how
/// many paths lead to each; and the depth of its deepest path.
#[derive(Default)]
struct Subtree {
    counts: Vec<(usize, usize)>,
    height: usize,
}

struct Walk<'a> {
    layout: &'a Layout,
    tag: &'a str,
    found: Vec<Resolved>,
    /// Targets by digest, media type, platform and whether the entry is an
    /// attestation (an attestation and its image can share the rest).
    by_key: HashMap<(Digest, String, Option<String>, bool), usize>,
    led_to: HashMap<Digest, Rc<Subtree>>,
    /// Targets counted so far, over every path (a memoized index counts
    /// its targets again): bounded, so that many small indexes over one
    /// wide one cost bounded time and memory.
    work: usize,
    bytes: usize,
}

/// Most target counts [`resolve`] adds up (see `Walk::work`): a few
/// hundred milliseconds of work, far beyond any real index.
const MAX_WORK: usize = 1 << 22;

/// About how many bytes a descriptor takes in memory.
fn weight(d: &Descriptor) -> usize {
    let annotations: usize = d.annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    let urls: usize = d.urls.iter().map(String::len).sum();
    128 + d.media_type.len()
        + annotations
        + urls
        + d.data.as_ref().map_or(0, String::len)
        + d.artifact_type.len()
}

impl Walk<'_> {
    /// Counts `n` more units of work, failing past [`MAX_WORK`].
    fn spend(&mut self, n: usize) -> Result<()> {
        self.work = self.work.saturating_add(n);
        if self.work > MAX_WORK {
            return Err(LayoutError::TooManyImages(self.tag.to_owned()));
        }
        Ok(())
    }

    /// Descends `walk`'s last descriptor; returns what it led to. The walk
    /// is only copied for a new target.
    fn descend(&mut self, walk: &mut Vec<Descriptor>) -> Result<Rc<Subtree>> {
        let desc = walk.last().expect("non-empty walk");
        match media_type::kind(&desc.media_type) {
            Kind::Manifest | Kind::Other => {
                let platform = desc
                    .platform
                    .as_ref()
                    .map(|p| serde_json::to_string(p).unwrap_or_default());
                let attestation = desc.is_attestation();
                let key = (
                    desc.digest.clone(),
                    desc.media_type.clone(),
                    platform,
                    attestation,
                );
                self.spend(1)?;
                let i = match self.by_key.get(&key) {
                    Some(&i) => {
                        self.found[i].paths = self.found[i].paths.saturating_add(1);
                        i
                    }
                    None => {
                        if self.found.len() >= MAX_PATHS {
                            return Err(LayoutError::TooManyImages(self.tag.to_owned()));
                        }
                        self.bytes += walk.iter().map(weight).sum::<usize>();
                        if self.bytes > MAX_PATH_BYTES {
                            return Err(LayoutError::TooManyImages(self.tag.to_owned()));
                        }
                        self.found.push(Resolved {
                            path: DescriptorPath { walk: walk.clone() },
                            paths: 1,
                        });
                        self.by_key.insert(key, self.found.len() - 1);
                        self.found.len() - 1
                    }
                };
                Ok(Rc::new(Subtree {
                    counts: vec![(i, 1)],
                    height: 0,
                }))
            }
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
                if let Some(sub) = self.led_to.get(&desc.digest).cloned() {
                    // The same targets again, under this parent. Its
                    // deepest index sits `height - 1` below it.
                    if walk.len() + sub.height.saturating_sub(1) > MAX_DEPTH {
                        return Err(LayoutError::TooDeep(desc.digest.clone()));
                    }
                    self.spend(sub.counts.len())?;
                    for &(i, n) in &sub.counts {
                        self.found[i].paths = self.found[i].paths.saturating_add(n);
                    }
                    return Ok(sub);
                }
                let digest = desc.digest.clone();
                let (index, _) = self.layout.read_json::<Index>(desc)?;
                let mut counts: HashMap<usize, usize> = HashMap::new();
                let mut order = Vec::new();
                let mut height = 0;
                for child in index.manifests {
                    walk.push(child);
                    let sub = self.descend(walk);
                    walk.pop();
                    let sub = sub?;
                    height = height.max(sub.height + 1);
                    for &(i, n) in &sub.counts {
                        let c = counts.entry(i).or_insert_with(|| {
                            order.push(i);
                            0
                        });
                        *c = c.saturating_add(n);
                    }
                }
                self.spend(order.len())?;
                let sub = Rc::new(Subtree {
                    counts: order.iter().map(|i| (*i, counts[i])).collect(),
                    height,
                });
                self.led_to.insert(digest, Rc::clone(&sub));
                Ok(sub)
            }
            Kind::Config | Kind::Layer => Ok(Rc::new(Subtree::default())),
        }
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
