//! Looking after a store: `gc` drops what no remembered layer of the
//! named layouts needs, `du` says what the store holds and how much is
//! shared, `fsck` checks every object against its name and says which
//! bundles share a copy that changed.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader};
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType};

use super::checkout::listing_name;
use super::listing::ListingReader;
use super::{Store, StoreError};
use crate::fs::file::{open_regular, Follow};
use crate::fs::root::lstat_at;
use crate::layout::walk::{children, MAX_DEPTH};
use crate::layout::Layout;
use crate::spec::media_type::{self, Kind};
use crate::spec::{Image, Manifest};

/// What `gc` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GcReport {
    /// Listings of layers no named layout has.
    pub layers: u64,
    /// Objects and link copies no kept listing or bundle needs.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Bundle records whose root is gone.
    pub bundles: u64,
}

/// What the store holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Usage {
    /// Layers with a listing.
    pub layers: u64,
    /// Files the listings name, and their bytes (what plain unpacks of
    /// each layer once would write).
    pub listed_files: u64,
    /// See [`Usage::listed_files`].
    pub listed_bytes: u64,
    /// Distinct inodes in `objects/` and `links/`, and their bytes.
    pub stored_files: u64,
    /// See [`Usage::stored_files`].
    pub stored_bytes: u64,
    /// Link copies hardlinked into at least one bundle.
    pub linked_copies: u64,
    /// Roots recorded as checked out of the store.
    pub bundles: u64,
}

/// A copy whose content is not what its name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Its path in the store.
    pub path: PathBuf,
    /// What is wrong with it.
    pub why: String,
    /// Recorded roots holding the same inode (hardlinked bundles).
    pub shared_by: Vec<PathBuf>,
}

/// What `fsck` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FsckReport {
    /// Objects and link copies checked.
    pub checked: u64,
    /// Listings checked.
    pub listings: u64,
    /// Copies not readable by the caller (a rootless store's files of
    /// mode 0000, say), not checked.
    pub unreadable: u64,
    /// What is wrong.
    pub damage: Vec<Damage>,
}

/// The diff IDs (as `algorithm_hex`, a listing's name) of every image in
/// `layout`. Fails rather than guess when an index, manifest or config
/// cannot be read: a layer wrongly thought unused would lose its listing.
fn listed_names_of(layout: &Layout) -> crate::layout::Result<HashSet<String>> {
    let index = layout.read_index()?;
    let mut stack: Vec<_> = index.manifests.into_iter().map(|d| (d, 0)).collect();
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    while let Some((desc, depth)) = stack.pop() {
        if !seen.insert(desc.digest.clone()) {
            continue;
        }
        if depth > MAX_DEPTH {
            return Err(crate::layout::LayoutError::TooDeep(desc.digest));
        }
        match media_type::kind(&desc.media_type) {
            Kind::Index => {
                stack.extend(children(layout, &desc)?.into_iter().map(|d| (d, depth + 1)))
            }
            Kind::Manifest => {
                let (manifest, _) = layout.read_json::<Manifest>(&desc)?;
                if media_type::kind(&manifest.config.media_type) != Kind::Config {
                    continue;
                }
                let (config, _) = layout.read_json::<Image>(&manifest.config)?;
                names.extend(config.rootfs.diff_ids.iter().map(listing_name));
            }
            _ => {}
        }
    }
    Ok(names)
}

/// The names in `dir`, as text (anything else is not ours).
fn names(dir: BorrowedFd<'_>) -> io::Result<Vec<String>> {
    Ok(crate::fs::dir::list_dir(dir)?
        .iter()
        .filter_map(|n| std::str::from_utf8(n).ok().map(str::to_owned))
        .collect())
}

/// Removes `name` from `dir`: a file, or whatever else was left or
/// planted there (a directory and its contents; never through a link).
fn unlink(dir: BorrowedFd<'_>, name: &str) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(rustix::io::Errno::ISDIR | rustix::io::Errno::PERM) => {
            crate::fs::remove::remove_all_at(dir, name.as_bytes())
        }
        Err(e) => Err(e.into()),
    }
}

/// The content digest (hex) a name in `links/` is a copy of.
fn content_of(link_name: &str) -> &str {
    link_name.split_once('-').map_or(link_name, |(hex, _)| hex)
}

/// The objects every listing in the store names, by listing.
fn listed_objects(
    store: &Store,
    keep: impl Fn(&str) -> bool,
) -> Result<(HashSet<String>, Vec<String>), StoreError> {
    let layers = store.layers();
    let mut objects = HashSet::new();
    let mut dropped = Vec::new();
    for name in names(layers).map_err(StoreError::io("list", store.shown("layers")))? {
        if name.starts_with('.') || !keep(&name) {
            dropped.push(name);
            continue;
        }
        let shown = store.shown(format!("layers/{name}"));
        let file = open_file(layers, &name).map_err(StoreError::io("open listing", &shown))?;
        let Some(file) = file else { continue };
        for entry in ListingReader::new(BufReader::new(file))
            .map_err(StoreError::io("read listing", &shown))?
        {
            let entry = entry.map_err(StoreError::io("read listing", &shown))?;
            if let Some(o) = entry.object {
                objects.insert(hex::encode(o));
            }
        }
    }
    Ok((objects, dropped))
}

/// Opens the regular file `name` in `dir` to read it; `None` if it is
/// missing, or anything but a regular file we may read.
fn open_file(dir: BorrowedFd<'_>, name: &str) -> io::Result<Option<File>> {
    match open_regular(dir, name.as_bytes(), Follow::Never) {
        Ok(file) => Ok(Some(file)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound
                    | io::ErrorKind::InvalidInput
                    | io::ErrorKind::PermissionDenied
            ) || e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Drops from `store` every listing of a layer no image in `layouts` has,
/// then every object and link copy that no remaining listing names and no
/// bundle shares, every half-written file and every record of a bundle
/// that is gone. The caller holds the store exclusively.
pub fn gc(store: &Store, layouts: &[PathBuf]) -> Result<GcReport, StoreError> {
    let mut keep = HashSet::new();
    for path in layouts {
        let layout = Layout::open(path).map_err(|e| StoreError::Layout {
            path: path.clone(),
            source: Box::new(e),
        })?;
        keep.extend(listed_names_of(&layout).map_err(|e| StoreError::Layout {
            path: path.clone(),
            source: Box::new(e),
        })?);
    }
    let mut report = GcReport::default();
    let (needed, dropped) = listed_objects(store, |name| keep.contains(name))?;
    let layers = store.layers();
    for name in dropped {
        if !name.starts_with('.') {
            report.layers += 1;
        }
        unlink(layers, &name).map_err(StoreError::io(
            "remove",
            store.shown(format!("layers/{name}")),
        ))?;
    }
    // Blob records vouch for a listing: they go with it.
    let blobs = store.blobs();
    for name in names(blobs).map_err(StoreError::io("list", store.shown("blobs")))? {
        let text = open_file(blobs, &name)
            .ok()
            .flatten()
            .and_then(|f| crate::fs::file::read_capped(f, 256).ok())
            .unwrap_or_default();
        let listing = std::str::from_utf8(&text)
            .ok()
            .and_then(|t| t.parse::<crate::spec::Digest>().ok())
            .map(|d| listing_name(&d));
        if !listing.is_some_and(|l| keep.contains(&l)) {
            unlink(blobs, &name).map_err(StoreError::io(
                "remove",
                store.shown(format!("blobs/{name}")),
            ))?;
        }
    }
    let mut remove = |dir: BorrowedFd<'_>, sub: &str, name: &str, st: &rustix::fs::Stat| {
        report.files += 1;
        // Only the last link frees anything.
        if st.st_nlink == 1 {
            report.bytes += st.st_size as u64;
        }
        unlink(dir, name).map_err(StoreError::io(
            "remove",
            store.shown(format!("{sub}/{name}")),
        ))
    };
    let objects = store.objects();
    for name in names(objects).map_err(StoreError::io("list", store.shown("objects")))? {
        if needed.contains(&name) {
            continue;
        }
        if let Some(st) = lstat_at(objects, name.as_bytes())
            .map_err(StoreError::io("stat", store.shown("objects")))?
        {
            remove(objects, "objects", &name, &st)?;
        }
    }
    // Link copies: a content no listing needs loses its plain name; a
    // copy no bundle links (its only links are the store's) goes, unless
    // it is the one copy of a needed content.
    let links = store.links();
    let mut all = names(links).map_err(StoreError::io("list", store.shown("links")))?;
    // Plain names (`<hex>`) first, so a copy's link count is final when
    // its own name is looked at.
    all.sort_by_key(|n| n.contains('-'));
    let mut plain_inode: HashMap<String, u64> = HashMap::new();
    for name in all {
        let Some(st) = lstat_at(links, name.as_bytes())
            .map_err(StoreError::io("stat", store.shown("links")))?
        else {
            continue;
        };
        let hex = content_of(&name);
        if !name.contains('-') {
            if needed.contains(hex) {
                plain_inode.insert(name.clone(), st.st_ino);
            } else {
                remove(links, "links", &name, &st)?;
            }
            continue;
        }
        // A copy that is also its needed content's plain name stays; any
        // other goes once its own name is its only link.
        let is_plain = plain_inode.get(hex) == Some(&st.st_ino);
        if !is_plain && st.st_nlink <= 1 {
            remove(links, "links", &name, &st)?;
        }
    }
    let tmp = store.tmp();
    for name in names(tmp).map_err(StoreError::io("list", store.shown("tmp")))? {
        unlink(tmp, &name).map_err(StoreError::io("remove", store.shown(format!("tmp/{name}"))))?;
    }
    for (name, root) in bundle_records(store)? {
        if std::fs::symlink_metadata(&root).is_err() {
            report.bundles += 1;
            unlink(store.bundles(), &name)
                .map_err(StoreError::io("remove", store.shown("bundles")))?;
        }
    }
    Ok(report)
}

/// The recorded roots: record name, and the root's path.
fn bundle_records(store: &Store) -> Result<Vec<(String, PathBuf)>, StoreError> {
    let dir = store.bundles();
    let shown = store.shown("bundles");
    let mut out = Vec::new();
    for name in names(dir).map_err(StoreError::io("list", &shown))? {
        let Some(file) = open_file(dir, &name).map_err(StoreError::io("read", &shown))? else {
            continue;
        };
        let text =
            crate::fs::file::read_capped(file, 1 << 16).map_err(StoreError::io("read", &shown))?;
        let text = text.strip_suffix(b"\n").unwrap_or(&text);
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(text));
        out.push((name, path));
    }
    Ok(out)
}

/// What the store holds, and how much of it is shared.
pub fn du(store: &Store) -> Result<Usage, StoreError> {
    let mut usage = Usage::default();
    let layers = store.layers();
    for name in names(layers).map_err(StoreError::io("list", store.shown("layers")))? {
        if name.starts_with('.') {
            continue;
        }
        let shown = store.shown(format!("layers/{name}"));
        let Some(file) =
            open_file(layers, &name).map_err(StoreError::io("open listing", &shown))?
        else {
            continue;
        };
        usage.layers += 1;
        for entry in ListingReader::new(BufReader::new(file))
            .map_err(StoreError::io("read listing", &shown))?
        {
            let entry = entry.map_err(StoreError::io("read listing", &shown))?;
            if entry.object.is_some() {
                usage.listed_files += 1;
                usage.listed_bytes += entry.header.size as u64;
            }
        }
    }
    let mut inodes = HashSet::new();
    let mut plain_inode: HashMap<String, u64> = HashMap::new();
    for (sub, dir) in [("objects", store.objects()), ("links", store.links())] {
        let mut all = names(dir).map_err(StoreError::io("list", store.shown(sub)))?;
        all.sort_by_key(|n| n.contains('-'));
        for name in all {
            let Some(st) =
                lstat_at(dir, name.as_bytes()).map_err(StoreError::io("stat", store.shown(sub)))?
            else {
                continue;
            };
            if inodes.insert(st.st_ino) {
                usage.stored_files += 1;
                usage.stored_bytes += st.st_size as u64;
            }
            if sub == "links" {
                if !name.contains('-') {
                    plain_inode.insert(name.clone(), st.st_ino);
                } else {
                    let store_names = if plain_inode.get(content_of(&name)) == Some(&st.st_ino) {
                        2
                    } else {
                        1
                    };
                    if st.st_nlink > store_names {
                        usage.linked_copies += 1;
                    }
                }
            }
        }
    }
    usage.bundles = bundle_records(store)?.len() as u64;
    Ok(usage)
}

/// Hashes every object and link copy, and reads every listing; a copy
/// that changed is reported with the recorded roots that share its inode.
pub fn fsck(store: &Store) -> Result<FsckReport, StoreError> {
    let mut report = FsckReport::default();
    let mut shared = HashMap::new();
    let mut seen = HashSet::new();
    let mut buf = vec![0u8; 1 << 18];
    for (sub, dir) in [("objects", store.objects()), ("links", store.links())] {
        for name in names(dir).map_err(StoreError::io("list", store.shown(sub)))? {
            let path = store.shown(format!("{sub}/{name}"));
            let Some(st) = lstat_at(dir, name.as_bytes()).map_err(StoreError::io("stat", &path))?
            else {
                continue;
            };
            // One inode under two names is checked once.
            if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                && !seen.insert((st.st_dev, st.st_ino))
            {
                continue;
            }
            report.checked += 1;
            let why = if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
                Some("not a regular file".to_owned())
            } else {
                match open_regular(dir, name.as_bytes(), Follow::Never) {
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                        report.checked -= 1;
                        report.unreadable += 1;
                        continue;
                    }
                    // Gone since it was listed.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => Some(format!("cannot be opened: {e}")),
                    Ok(file) => {
                        let got = crate::fs::file::sha256_of_reader(file, &mut buf)
                            .map(hex::encode)
                            .map_err(StoreError::io("read", &path))?;
                        (got != content_of(&name))
                            .then(|| format!("content changed: its digest is now sha256:{got}"))
                    }
                }
            };
            if let Some(why) = why {
                if st.st_nlink > 1 {
                    shared.insert((st.st_dev, st.st_ino), report.damage.len());
                }
                report.damage.push(Damage {
                    path,
                    why,
                    shared_by: Vec::new(),
                });
            }
        }
    }
    let layers = store.layers();
    for name in names(layers).map_err(StoreError::io("list", store.shown("layers")))? {
        if name.starts_with('.') {
            continue;
        }
        let path = store.shown(format!("layers/{name}"));
        report.listings += 1;
        let result = open_file(layers, &name).and_then(|f| {
            let f = f.ok_or_else(|| io::Error::other("not a regular file"))?;
            for entry in ListingReader::new(BufReader::new(f))? {
                entry?;
            }
            Ok(())
        });
        if let Err(e) = result {
            report.damage.push(Damage {
                path,
                why: e.to_string(),
                shared_by: Vec::new(),
            });
        }
    }
    if !shared.is_empty() {
        for (_, root) in bundle_records(store)? {
            find_inodes(&root, &shared, &mut |i| {
                let roots = &mut report.damage[i].shared_by;
                if !roots.contains(&root) {
                    roots.push(root.clone());
                }
            });
        }
    }
    Ok(report)
}

/// Calls `found` for every file under `root` (never following a symlink)
/// whose inode is a key of `wanted`.
fn find_inodes(root: &Path, wanted: &HashMap<(u64, u64), usize>, found: &mut dyn FnMut(usize)) {
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if let Some(&i) = wanted.get(&(meta.dev(), meta.ino())) {
                found(i);
            }
        }
    }
}
