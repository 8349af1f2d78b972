//! What changed in a tree since its manifest was made: entries added,
//! modified (any recorded keyword differs) or removed. Regular files are
//! only read when neither a stat cache nor the manifest's size rules them
//! out as unchanged.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::io::{self, BufReader};

use super::parse::{parse, Manifest, ManifestEntry, ManifestReader};
use super::recorded::RecordedFiles;
use super::stat_cache::{StatCache, StatCacheWriter};
use super::walk::{walk, walk_order, Event, Node, NodeKind, WalkOptions};
use super::UMOCI_KEYWORDS;
use crate::fs::{RelPath, Root};

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

/// Compares the tree `root` is a handle to with the manifest in the file
/// `mtree` (opened by the caller, as a regular file never reached through
/// a symlink: a bundle's manifest linked to `/etc/shadow` must not become a
/// layer's whiteouts). Both are read through these handles only.
///
/// The manifest lists entries in the order the walk visits them (go-mtree
/// writes them so, and so do we), so the two are merged like sorted lists:
/// memory does not grow with the number of entries. A manifest in some
/// other order is compared the slow way, held in memory.
pub fn diff(
    root: &Root,
    mtree: &File,
    cache: Option<&StatCache>,
    mut new_cache: Option<&mut StatCacheWriter>,
) -> io::Result<TreeDiff> {
    let files = recorded_files(mtree)?;
    match merge_diff(root, mtree, &files, cache, new_cache.as_deref_mut()) {
        Err(MergeError::Unordered(at)) => {
            log::warn!(
                "mtree manifest entries out of walk order at line {at}; comparing in memory"
            );
            if let Some(writer) = new_cache.as_deref_mut() {
                writer.restart()?;
            }
            let text = io::read_to_string(open_manifest(mtree)?)?;
            let manifest = parse(&text)?;
            diff_in_memory(root, &manifest, &files, cache, new_cache)
        }
        Err(MergeError::Io(e)) => Err(e),
        Ok(changes) => Ok(TreeDiff { changes }),
    }
}

/// The manifest, to be read again from its start.
fn open_manifest(mtree: &File) -> io::Result<File> {
    use std::io::Seek;
    let mut file = mtree.try_clone()?;
    file.rewind()?;
    Ok(file)
}

/// A 64-bit key for a path (8 bytes a file, where the path itself would
/// cost a few dozen).
fn path_key<C: AsRef<[u8]>>(components: impl IntoIterator<Item = C>) -> u64 {
    let mut h = DefaultHasher::new();
    for c in components {
        h.write(c.as_ref());
        h.write_u8(b'/');
    }
    h.finish()
}

/// The regular files the manifest records: only these are worth reading
/// for a digest, since any other file is new and goes in the layer anyway.
/// The keys are gathered first, then the filter made to their number and
/// the keys dropped: the walk, which comes after, only has the filter.
fn recorded_files(mtree: &File) -> io::Result<RecordedFiles> {
    let mut reader = ManifestReader::types_only(BufReader::new(open_manifest(mtree)?));
    let mut keys = Vec::new();
    while let Some(entry) = reader.next_entry()? {
        if entry.keywords.get("type").is_none_or(|t| t == "file") {
            keys.push(path_key(&entry.path));
        }
    }
    Ok(RecordedFiles::from_keys(&keys))
}

/// Walks `root` for a diff, handing each node to `visit` in walk order:
/// digests only for files the manifest records (unless the stat cache
/// vouches for them), and every hashed file added to the new stat cache.
fn walk_nodes(
    root: &Root,
    files: &RecordedFiles,
    cache: Option<&StatCache>,
    mut new_cache: Option<&mut StatCacheWriter>,
    visit: &mut dyn FnMut(Node) -> io::Result<()>,
) -> io::Result<()> {
    let in_manifest = |p: &RelPath| files.may_contain(path_key(p.components()));
    let opts = WalkOptions {
        digests: true,
        known: None,
        cache,
        digest_only: Some(&in_manifest),
        no_xattrs: false,
    };
    walk(root, &opts, &mut |event| {
        let node = match event {
            Event::Enter(n) | Event::Leaf(n) => n,
            Event::Leave => return Ok(()),
        };
        if node.kind == NodeKind::File {
            if let (Some(writer), Some(stat)) = (new_cache.as_deref_mut(), node.cached_stat()) {
                writer.add(&node.path.to_bytes(), &stat)?;
            }
        }
        visit(node)
    })
}

enum MergeError {
    /// The manifest is not in walk order (the line number).
    Unordered(usize),
    Io(io::Error),
}

/// A manifest entry's path components, as [`walk_order`] takes them.
fn entry_components(entry: &ManifestEntry) -> impl Iterator<Item = &[u8]> + Clone {
    entry.path.iter().map(Vec::as_slice)
}

fn merge_diff(
    root: &Root,
    mtree: &File,
    files: &RecordedFiles,
    cache: Option<&StatCache>,
    new_cache: Option<&mut StatCacheWriter>,
) -> Result<Vec<Change>, MergeError> {
    let file = open_manifest(mtree).map_err(MergeError::Io)?;
    let mut reader = ManifestReader::new(BufReader::new(file));
    let mut line = 0usize;
    let mut next = |reader: &mut ManifestReader<_>,
                    prev: Option<&ManifestEntry>|
     -> Result<Option<ManifestEntry>, MergeError> {
        let entry = reader.next_entry().map_err(|e| MergeError::Io(e.into()))?;
        line += 1;
        if let (Some(p), Some(e)) = (prev, &entry) {
            if walk_order(
                entry_components(p),
                p.is_dir(),
                entry_components(e),
                e.is_dir(),
            ) != Ordering::Less
            {
                return Err(MergeError::Unordered(line));
            }
        }
        Ok(entry)
    };
    let mut pending = next(&mut reader, None)?;
    let mut changes = Vec::new();
    let mut unordered = None;
    let walked = walk_nodes(root, files, cache, new_cache, &mut |node| {
        let is_dir = node.kind == NodeKind::Dir;
        let mut kind = Some(ChangeKind::Added);
        while let Some(entry) = &pending {
            let ord = walk_order(
                entry_components(entry),
                entry.is_dir(),
                node.path.components(),
                is_dir,
            );
            if ord == Ordering::Greater {
                break;
            }
            if ord == Ordering::Less {
                changes.push(Change {
                    path: RelPath::from_components(entry.path.clone()),
                    kind: ChangeKind::Deleted,
                    is_dir: entry.is_dir(),
                });
            } else {
                kind = node_differs(&entry.keywords, &node, is_dir).then_some(ChangeKind::Modified);
            }
            let advanced = next(&mut reader, pending.as_ref()).map_err(|e| match e {
                MergeError::Unordered(at) => {
                    unordered = Some(at);
                    io::Error::other("manifest out of order")
                }
                MergeError::Io(e) => e,
            })?;
            pending = advanced;
            if ord == Ordering::Equal {
                break;
            }
        }
        if let Some(kind) = kind {
            changes.push(Change {
                path: node.path,
                kind,
                is_dir,
            });
        }
        Ok(())
    });
    if let Some(at) = unordered {
        return Err(MergeError::Unordered(at));
    }
    walked.map_err(MergeError::Io)?;
    while let Some(entry) = pending {
        changes.push(Change {
            path: RelPath::from_components(entry.path.clone()),
            kind: ChangeKind::Deleted,
            is_dir: entry.is_dir(),
        });
        pending = next(&mut reader, Some(&entry))?;
    }
    Ok(sorted_changes(changes))
}

/// Sorts changes by path. A path that changed type shows up twice in a
/// merge (the old entry deleted, the new one added, since types order
/// differently); that is one modification, as upstream reports it.
fn sorted_changes(mut changes: Vec<Change>) -> Vec<Change> {
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        if let Some(last) = out.last_mut() {
            if last.path == change.path {
                last.kind = ChangeKind::Modified;
                if change.kind == ChangeKind::Added {
                    last.is_dir = change.is_dir;
                }
                continue;
            }
        }
        out.push(change);
    }
    out
}

/// The diff for a manifest not in walk order: held in memory whole.
fn diff_in_memory(
    root: &Root,
    manifest: &Manifest,
    files: &RecordedFiles,
    cache: Option<&StatCache>,
    new_cache: Option<&mut StatCacheWriter>,
) -> io::Result<TreeDiff> {
    let mut recorded: HashMap<Vec<u8>, (&BTreeMap<String, String>, bool)> =
        HashMap::with_capacity(manifest.entries.len());
    for entry in &manifest.entries {
        recorded.insert(entry.path_bytes(), (&entry.keywords, entry.is_dir()));
    }
    let mut changes = Vec::new();
    walk_nodes(root, files, cache, new_cache, &mut |node| {
        let key = node.path.to_bytes();
        let is_dir = node.kind == NodeKind::Dir;
        let kind = match recorded.remove(&key) {
            None => Some(ChangeKind::Added),
            Some((old, _)) => node_differs(old, &node, is_dir).then_some(ChangeKind::Modified),
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
    Ok(TreeDiff {
        changes: sorted_changes(changes),
    })
}

/// Whether the recorded keywords `old` and the walked `node` disagree on
/// anything umoci tracks: a key either has that the other lacks, or a
/// value that differs (modes compared as numbers, `tar_time` by seconds).
/// The node's keywords are compared as they are formatted, without
/// building a map of them (this runs for every node of a repack).
fn node_differs(old: &BTreeMap<String, String>, node: &Node, is_dir: bool) -> bool {
    let relevant = |k: &str| {
        k.starts_with("xattr.") || (UMOCI_KEYWORDS.contains(&k) && !(is_dir && k == "size"))
    };
    let mut compared = 0;
    for keyword in UMOCI_KEYWORDS {
        let Some(text) = node.keyword(keyword) else {
            continue;
        };
        for (key, new) in text.split(' ').filter_map(|pair| pair.split_once('=')) {
            if !relevant(key) {
                continue;
            }
            compared += 1;
            let same = match (old.get(key), key) {
                (Some(a), "mode") => {
                    u32::from_str_radix(a, 8).ok() == u32::from_str_radix(new, 8).ok()
                }
                (Some(a), "tar_time") => a.split('.').next() == new.split('.').next(),
                (Some(a), _) => a == new,
                (None, _) => false,
            };
            if !same {
                return true;
            }
        }
    }
    // Every key the node has, `old` has alike; any more is a difference.
    old.keys().filter(|k| relevant(k)).count() != compared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mtree::write::{write_manifest, Header};
    use std::fs;
    use std::path::Path;

    fn tree(root: &Path) -> Root {
        Root::open(root, crate::fs::Ownership::default()).unwrap()
    }

    fn manifest_of(root: &Path, out: &Path) {
        let header = Header {
            user: "u",
            machine: "m",
            tree: "t",
            date: "d",
        };
        let opts = WalkOptions {
            digests: true,
            known: None,
            cache: None,
            digest_only: None,
            no_xattrs: false,
        };
        let mut text = Vec::new();
        write_manifest(&tree(root), &header, UMOCI_KEYWORDS, &opts, &mut text, None).unwrap();
        fs::write(out, text).unwrap();
    }

    fn changes(root: &Path, mtree: &Path) -> Vec<(String, ChangeKind, bool)> {
        diff(&tree(root), &fs::File::open(mtree).unwrap(), None, None)
            .unwrap()
            .changes
            .into_iter()
            .map(|c| (c.path.to_string(), c.kind, c.is_dir))
            .collect()
    }

    #[test]
    fn walk_order_puts_files_before_directories() {
        let p = |s: &'static str| RelPath::clean(s.as_bytes());
        assert_eq!(
            walk_order(p("").components(), true, p("a").components(), false),
            Ordering::Less
        );
        assert_eq!(
            walk_order(p("z").components(), false, p("a").components(), true),
            Ordering::Less
        );
        assert_eq!(
            walk_order(p("a").components(), true, p("a/b").components(), false),
            Ordering::Less
        );
        assert_eq!(
            walk_order(p("a/z").components(), true, p("b").components(), true),
            Ordering::Less
        );
        assert_eq!(
            walk_order(p("a/b").components(), false, p("a/b").components(), false),
            Ordering::Equal
        );
        assert_eq!(
            walk_order(p("b").components(), false, p("a/c").components(), false),
            Ordering::Less
        );
    }

    #[test]
    fn merged_diff_finds_every_kind_of_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        for d in ["keep", "gone", "to-file", "deep/er"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        for (f, data) in [
            ("keep/same", "1"),
            ("keep/edit", "2"),
            ("gone/x", "3"),
            ("to-dir", "4"),
            ("to-file/y", "5"),
            ("deep/er/z", "6"),
        ] {
            fs::write(root.join(f), data).unwrap();
        }
        let mtree = dir.path().join("m.mtree");
        manifest_of(&root, &mtree);
        assert_eq!(changes(&root, &mtree), []);

        fs::write(root.join("keep/edit"), "two").unwrap();
        fs::remove_dir_all(root.join("gone")).unwrap();
        fs::remove_file(root.join("to-dir")).unwrap();
        fs::create_dir(root.join("to-dir")).unwrap();
        fs::write(root.join("to-dir/new"), "7").unwrap();
        fs::remove_dir_all(root.join("to-file")).unwrap();
        fs::write(root.join("to-file"), "8").unwrap();
        fs::write(root.join("deep/er/added"), "9").unwrap();
        use ChangeKind::*;
        let want = vec![
            ("deep/er/added".to_owned(), Added, false),
            ("gone".to_owned(), Deleted, true),
            ("gone/x".to_owned(), Deleted, false),
            ("keep/edit".to_owned(), Modified, false),
            ("to-dir".to_owned(), Modified, true),
            ("to-dir/new".to_owned(), Added, false),
            ("to-file".to_owned(), Modified, false),
            ("to-file/y".to_owned(), Deleted, false),
        ];
        let got = changes(&root, &mtree);
        // Directories whose entries changed have new mtimes, which show
        // only if the second ticked over; leave them out.
        let stable = |(p, _, _): &(String, ChangeKind, bool)| {
            ![".", "keep", "deep/er"].contains(&p.as_str())
        };
        let got: Vec<_> = got.into_iter().filter(stable).collect();
        assert_eq!(got, want);

        // The same manifest with its entries out of walk order (full paths,
        // shuffled) is compared in memory, with the same answer.
        let text = fs::read_to_string(&mtree).unwrap();
        let full = crate::mtree::parse::parse(&text).unwrap();
        let mut lines: Vec<String> = full
            .entries
            .iter()
            .map(|e| {
                let path = if e.path.is_empty() {
                    ".".to_owned()
                } else {
                    format!("./{}", String::from_utf8_lossy(&e.path_bytes()))
                };
                let kws: Vec<String> = e.keywords.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{path} {}", kws.join(" "))
            })
            .collect();
        lines.reverse();
        let shuffled = dir.path().join("shuffled.mtree");
        fs::write(&shuffled, lines.join("\n") + "\n").unwrap();
        let again: Vec<_> = changes(&root, &shuffled)
            .into_iter()
            .filter(stable)
            .collect();
        assert_eq!(again, want);
    }
}
