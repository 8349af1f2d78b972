//! Comparing a tree with a manifest, keyword by keyword.

use crate::fs::Root;
use std::collections::BTreeMap;
use std::fmt;
use std::io;

use super::parse::Manifest;
use super::walk::{walk, Event, Node, WalkOptions};

/// One way the tree differs from the manifest: one per path, naming the
/// first keyword (by name) that differs, as go-mtree reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// In the manifest, not in the tree.
    Missing(String),
    /// In the tree, not in the manifest.
    Extra(String),
    /// In both, with a keyword that differs.
    Modified {
        /// The path.
        path: String,
        /// The keyword.
        keyword: String,
        /// The manifest's value (empty if absent).
        expected: String,
        /// The tree's value (empty if absent).
        got: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "{p:?}: missing path"),
            Difference::Extra(p) => write!(f, "{p:?}: unexpected path"),
            Difference::Modified {
                path,
                keyword,
                expected,
                got,
            } => {
                write!(
                    f,
                    "{path:?}: keyword {keyword:?}: expected {expected}; got {got}"
                )
            }
        }
    }
}

type KeywordMap = BTreeMap<String, String>;

/// Splits a node's keywords into a map (`xattr.NAME` per attribute).
pub fn node_keywords(node: &Node, keywords: &[String]) -> KeywordMap {
    let mut map = KeywordMap::new();
    for kw in keywords {
        if let Some(text) = node.keyword(kw) {
            for pair in text.split(' ') {
                if let Some((k, v)) = pair.split_once('=') {
                    map.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    map
}

/// Compares the tree `root` is a handle to with `manifest` on `keywords`.
pub fn validate(
    root: &Root,
    manifest: &Manifest,
    keywords: &[String],
) -> io::Result<Vec<Difference>> {
    let digests = keywords
        .iter()
        .any(|k| k == "sha256digest" || k == "sha256");
    let opts = WalkOptions {
        digests,
        known: None,
        cache: None,
        digest_only: None,
        no_xattrs: false,
    };
    let mut tree: BTreeMap<Vec<u8>, KeywordMap> = BTreeMap::new();
    walk(root, &opts, &mut |event| {
        if let Event::Enter(node) | Event::Leaf(node) = event {
            tree.insert(node.path.to_bytes(), node_keywords(&node, keywords));
        }
        Ok(())
    })?;
    let mut diffs = Vec::new();
    for entry in &manifest.entries {
        let path = entry.path_bytes();
        let shown = String::from_utf8_lossy(&path).into_owned();
        let Some(actual) = tree.remove(&path) else {
            diffs.push(Difference::Missing(shown));
            continue;
        };
        let wanted = |k: &str| {
            keywords
                .iter()
                .any(|w| w == k || (k.starts_with("xattr.") && (w == "xattr" || w == "xattrs")))
        };
        // go-mtree compares `time` and `tar_time` as one: whichever the
        // manifest holds stands for the other, in whole seconds.
        let mut expected_map = entry.keywords.clone();
        let mut actual = actual;
        let asks = |k: &str| keywords.iter().any(|w| w == k);
        if (asks("time") || asks("tar_time"))
            && !(expected_map.contains_key("time") && asks("time"))
        {
            if let Some(t) = expected_map.remove("time") {
                expected_map.insert("tar_time".to_owned(), as_tar_time(&t));
            }
            if let Some(t) = actual.remove("time") {
                actual.insert("tar_time".to_owned(), as_tar_time(&t));
            }
        }
        let tar_time_wanted = asks("time") || asks("tar_time");
        let mut keys: Vec<&String> = expected_map
            .keys()
            .chain(actual.keys())
            .filter(|k| wanted(k) || (k.as_str() == "tar_time" && tar_time_wanted))
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            // Directory sizes depend on the file system's history, not on
            // what the directory holds.
            if key == "size" && entry.is_dir() {
                continue;
            }
            let expected = expected_map.get(key).cloned().unwrap_or_default();
            let got = actual.get(key).cloned().unwrap_or_default();
            if normalise(key, &expected) != normalise(key, &got) {
                diffs.push(Difference::Modified {
                    path: shown.clone(),
                    keyword: key.clone(),
                    expected,
                    got,
                });
                break;
            }
        }
    }
    for path in tree.keys() {
        diffs.push(Difference::Extra(
            String::from_utf8_lossy(path).into_owned(),
        ));
    }
    Ok(diffs)
}

/// A `time` value (`SECONDS.NANOS`) as the `tar_time` go-mtree compares it
/// with: whole seconds.
fn as_tar_time(time: &str) -> String {
    let seconds = time.split('.').next().unwrap_or(time);
    format!("{seconds}.000000000")
}

fn normalise(key: &str, value: &str) -> String {
    match key {
        // Modes are octal with or without leading zeros.
        "mode" => u32::from_str_radix(value, 8)
            .map(|m| m.to_string())
            .unwrap_or_else(|_| value.to_owned()),
        _ => value.to_owned(),
    }
}
