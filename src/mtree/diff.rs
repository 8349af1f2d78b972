//! What changed in a tree since its manifest was made: entries added,
//! modified (any recorded keyword differs) or removed. Regular files are
//! only read when neither a stat cache nor the manifest's size rules them
//! out as unchanged.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use super::parse::Manifest;
use super::stat_cache::{StatCache, StatCacheWriter};
use super::validate::node_keywords;
use super::walk::{walk, Event, NodeKind, WalkOptions};
use super::UMOCI_KEYWORDS;
use crate::fs::RelPath;

/// How an entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// New in the tree.
    Added,
    /// In both, with different metadata or content.
    Modified,
    /// Gone from the tree.
    Deleted,
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The path from the root.
    pub path: RelPath,
    /// What happened to it.
    pub kind: ChangeKind,
    /// Whether the path is (now, or for deletions was) a directory.
    pub is_dir: bool,
}

/// The result of a diff: the changes in path order. (A refreshed stat
/// cache, if asked for, was written to the writer passed in.)
pub struct TreeDiff {
    /// Changes, sorted by path.
    pub changes: Vec<Change>,
}

/// Compares the tree at `root` with `manifest`.
pub fn diff(
    root: &Path,
    manifest: &Manifest,
    cache: Option<&StatCache>,
    mut new_cache: Option<&mut StatCacheWriter>,
    rootless: bool,
) -> io::Result<TreeDiff> {
    let keywords: Vec<String> = UMOCI_KEYWORDS.iter().map(|s| s.to_string()).collect();
    let mut recorded: HashMap<Vec<u8>, (&BTreeMap<String, String>, bool)> =
        HashMap::with_capacity(manifest.entries.len());
    for entry in &manifest.entries {
        recorded.insert(entry.path_bytes(), (&entry.keywords, entry.is_dir()));
    }
    let recorded_files: std::collections::HashSet<Vec<u8>> = manifest
        .entries
        .iter()
        .filter(|e| e.keywords.get("type").is_none_or(|t| t == "file"))
        .map(|e| e.path_bytes())
        .collect();
    let in_manifest = |p: &RelPath| recorded_files.contains(&p.to_bytes());
    let opts = WalkOptions {
        digests: true,
        known: None,
        cache,
        digest_only: Some(&in_manifest),
        rootless,
    };
    let mut changes = Vec::new();
    walk(root, &opts, &mut |event| {
        let node = match event {
            Event::Enter(n) | Event::Leaf(n) => n,
            Event::Leave => return Ok(()),
        };
        let key = node.path.to_bytes();
        if node.kind == NodeKind::File {
            if let (Some(writer), Some(stat)) = (new_cache.as_deref_mut(), node.cached_stat()) {
                writer.add(&key, &stat)?;
            }
        }
        let is_dir = node.kind == NodeKind::Dir;
        let kind = match recorded.remove(&key) {
            None => Some(ChangeKind::Added),
            Some((old, _)) => {
                let new = node_keywords(&node, &keywords);
                differs(old, &new, is_dir).then_some(ChangeKind::Modified)
            }
        };
        if let Some(kind) = kind {
            changes.push(Change {
                path: node.path,
                kind,
                is_dir,
            });
        }
        Ok(())
    })?;
    for (path, (_, is_dir)) in recorded {
        changes.push(Change {
            path: RelPath::clean(&path),
            kind: ChangeKind::Deleted,
            is_dir,
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(TreeDiff { changes })
}

/// Whether recorded and current keywords disagree on anything umoci tracks.
fn differs(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>, is_dir: bool) -> bool {
    let relevant = |k: &str| {
        k.starts_with("xattr.") || (UMOCI_KEYWORDS.contains(&k) && !(is_dir && k == "size"))
    };
    let keys = old.keys().chain(new.keys()).filter(|k| relevant(k));
    for key in keys {
        let (a, b) = (old.get(key), new.get(key));
        let same = match (a, b, key.as_str()) {
            (Some(a), Some(b), "mode") => {
                u32::from_str_radix(a, 8).ok() == u32::from_str_radix(b, 8).ok()
            }
            (Some(a), Some(b), "tar_time") => a.split('.').next() == b.split('.').next(),
            _ => a == b,
        };
        if !same {
            return true;
        }
    }
    false
}
