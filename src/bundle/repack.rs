//! `repack`: the changes in a bundle's rootfs since its mtree manifest
//! become one new layer; config and manifest follow and the tag moves.

use std::path::{Path, PathBuf};

use std::os::fd::AsFd;

use rustix::fs::AtFlags;

use super::dir::{BundleDir, ROOTFS};
use super::meta::{Meta, MetaError, META_NAME};
use super::unpack::{mtree_name, write_bundle_manifest, UnpackError};
use crate::append::{AppendError, AppendOptions, Appender};
use crate::fs::file::{open_regular, Follow};
use crate::fs::{RelPath, Root};
use crate::image::platform::{display, from_config, Selection};
use crate::image::{ImageError, ImageSource};
use crate::layout::{Layout, LayoutError};
use crate::mtree::diff::{diff, Change, ChangeKind};
use crate::mtree::stat_cache::{StatCache, StatCacheWriter};
use crate::spec::Descriptor;

/// Options for repacking.
#[derive(Debug, Clone, Default)]
pub struct RepackOptions {
    /// `--compress`, `--history.*`, and progress counters.
    pub append: AppendOptions,
    /// `--mask-path`: changes beneath these are left out.
    pub mask_paths: Vec<RelPath>,
    /// Leave out changes beneath the image's volumes (unless `--no-mask-volumes`).
    pub mask_volumes: bool,
    /// `--refresh-bundle`: make the bundle describe the new image.
    pub refresh_bundle: bool,
    /// `--platform`: must be the platform the bundle was unpacked from,
    /// which is where the new image goes in a multi-platform index.
    pub platform: Selection,
}

/// Why a repack failed.
#[derive(Debug, thiserror::Error)]
pub enum RepackError {
    /// Reading or writing the image failed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The layout failed.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// Writing the layer or committing it failed.
    #[error(transparent)]
    Append(#[from] AppendError),
    /// Refreshing the bundle failed.
    #[error(transparent)]
    Unpack(#[from] UnpackError),
    /// `umoci.json` could not be read or written.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// The rootfs could not be compared with its manifest.
    #[error("diff {} against {}", rootfs.display(), manifest.display())]
    Diff {
        /// The bundle's rootfs.
        rootfs: PathBuf,
        /// Its mtree manifest.
        manifest: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The image was committed, but the bundle could not be made to
    /// describe it (a re-run of the same repack finishes the job).
    #[error("the new image is tagged {tag}, but the bundle was not refreshed")]
    NotRefreshed {
        /// The tag that moved.
        tag: String,
        /// Why the refresh failed.
        #[source]
        source: Box<RepackError>,
    },
    /// `--platform` names another platform than the bundle's.
    #[error("the bundle was unpacked from platform {recorded}, not {wanted}")]
    OtherPlatform {
        /// The platform recorded in `umoci.json`.
        recorded: String,
        /// The platform asked for.
        wanted: String,
    },
    /// The new stat cache could not be created.
    #[error("create stat cache {}", .path.display())]
    StatCache {
        /// The stat cache file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Repacks `bundle` into `layout`, tagging the result `tag`. Returns the
/// new manifest's root descriptor.
pub fn repack(
    layout: &Layout,
    tag: &str,
    bundle: &Path,
    opts: &RepackOptions,
) -> Result<Descriptor, RepackError> {
    let started = std::time::Instant::now();
    // Resolved once: every file below is named relative to this handle.
    let bundle = BundleDir::open(bundle).map_err(|source| MetaError::Open {
        path: bundle.join(META_NAME),
        source,
    })?;
    let meta = Meta::read(&bundle)?;
    let mtree_name = mtree_name(meta.from.descriptor());
    let mtree_file = format!("{mtree_name}.mtree");
    let cache_file = StatCache::file_name(&mtree_name);
    let cache = StatCache::load(bundle.as_fd(), &cache_file);
    let source = ImageSource::load(layout, meta.from.clone())?;
    check_platform(&opts.platform, &meta, &source)?;
    let diff_error = |source| RepackError::Diff {
        rootfs: bundle.shown(ROOTFS),
        manifest: bundle.shown(&mtree_file),
        source,
    };
    let mut rootfs = bundle
        .rootfs(meta.map_options.ownership())
        .map_err(diff_error)?;
    super::store_link::shares_inodes(&bundle)
        .and_then(|shared| super::store_link::count_links_if_shared(&mut rootfs, shared))
        .map_err(diff_error)?;
    let manifest =
        open_regular(bundle.as_fd(), mtree_file.as_bytes(), Follow::Never).map_err(diff_error)?;

    log::info!("computing filesystem diff ...");
    let mut new_cache = StatCacheWriter::create(bundle.as_fd(), &cache_file).map_err(|source| {
        RepackError::StatCache {
            path: bundle.shown(&cache_file),
            source,
        }
    })?;
    let tree_diff =
        diff(&rootfs, &manifest, Some(&cache), Some(&mut new_cache)).map_err(diff_error)?;
    log::info!("... done");
    let mut masks = opts.mask_paths.clone();
    if opts.mask_volumes {
        masks.extend(
            source
                .config
                .config
                .volumes
                .keys()
                .map(|v| RelPath::clean(v.as_bytes())),
        );
    }
    let changes = layer_changes(tree_diff.changes, &masks, |p| is_symlink_in(&rootfs, p));

    let mut appender = Appender::new(layout, &source, "umoci repack", &opts.append);
    if changes.is_empty() {
        // Like upstream: no layer at all, only a history entry saying so.
        log::info!("no changes to the rootfs: adding no layer");
    } else {
        log::info!("generating layer with {} changes", changes.len());
        appender.add_entries(|tar| {
            // Known once the layer has started: a fraction for the display.
            if let Some(p) = &opts.append.progress {
                p.expect_entries(changes.len() as u64);
            }
            for change in &changes {
                let name = change.path.to_bytes();
                match change.kind {
                    ChangeKind::Deleted => tar.add_whiteout(&name, false)?,
                    _ => tar.add(&rootfs, &change.path, &name)?,
                }
            }
            Ok(())
        })?;
    }
    let new_root = appender.commit(tag)?;
    log::info!("created new tag for image manifest: {tag}");
    log::info!(
        "repacked {} {} in {:.1} s",
        changes.len(),
        if changes.len() == 1 {
            "change"
        } else {
            "changes"
        },
        started.elapsed().as_secs_f64()
    );

    if opts.refresh_bundle {
        drop(new_cache);
        refresh_bundle(layout, tag, &bundle, &rootfs, &meta, &mtree_name).map_err(|e| {
            RepackError::NotRefreshed {
                tag: tag.to_owned(),
                source: Box::new(e),
            }
        })?;
    } else if let Err(e) = new_cache.finish() {
        // Only a speed-up for the next repack; the repack itself succeeded.
        log::warn!(
            "could not update stat cache {}: {e}",
            bundle.shown(&cache_file).display()
        );
    }
    Ok(new_root)
}

/// Refuses a `--platform` other than the bundle's: the platform of its
/// index entry, or (for a plain image) its config's.
fn check_platform(
    wanted: &Selection,
    meta: &Meta,
    source: &ImageSource,
) -> Result<(), RepackError> {
    let Selection::Only(wanted) = wanted else {
        return Ok(());
    };
    let recorded = match &meta.from.descriptor().platform {
        Some(platform) => platform.clone(),
        None if !source.config.os.is_empty() && !source.config.architecture.is_empty() => {
            from_config(&source.config)
        }
        None => return Ok(()),
    };
    if wanted.matches(&recorded) {
        return Ok(());
    }
    Err(RepackError::OtherPlatform {
        recorded: display(&recorded),
        wanted: wanted.to_string(),
    })
}

/// Makes `bundle` describe the image `tag` now names: a new mtree (and
/// stat cache) and `umoci.json`, the old ones removed.
fn refresh_bundle(
    layout: &Layout,
    tag: &str,
    bundle: &BundleDir,
    rootfs: &Root,
    meta: &Meta,
    old_name: &str,
) -> Result<(), RepackError> {
    let idx = layout.read_index()?;
    let selection = crate::image::select::selection_for(&meta.from);
    let path = crate::image::select::select_one(layout, &idx, tag, &selection)?;
    let new_name = mtree_name(path.descriptor());
    let new_meta = Meta {
        from: path,
        ..meta.clone()
    };
    if new_name != old_name {
        write_bundle_manifest(bundle, rootfs, &new_name, &Default::default())?;
        for old in [format!("{old_name}.mtree"), StatCache::file_name(old_name)] {
            let _ = rustix::fs::unlinkat(bundle.as_fd(), old.as_str(), AtFlags::empty());
        }
    }
    Ok(new_meta.write(bundle)?)
}

/// The changes that go into the layer, as upstream's repack chooses and
/// orders them: masked paths left out, nothing beneath a removed path (a
/// removed directory is one whiteout), and sorted by path bytes.
///
/// Children of a directory replaced by a file keep their whiteouts, as
/// upstream's (they are inert: no reader finds anything beneath a file).
/// Beneath a directory replaced by a symlink (`is_symlink`) they are left
/// out, where upstream keeps them: every reader, upstream's included,
/// would follow the link and delete the namesakes in its target (`lib` →
/// `usr/lib` would take `usr/lib`'s files with it).
fn layer_changes(
    changes: Vec<Change>,
    masks: &[RelPath],
    is_symlink: impl Fn(&RelPath) -> bool,
) -> Vec<Change> {
    use std::collections::{HashMap, HashSet};
    // A set, and each path's ancestors looked up in it: an image may list
    // any number of volumes, and a change costs its depth, not their count.
    // The root masks nothing, as upstream's filter never looks at `/`
    // (`--mask-path /`, `--mask-path ""`, a volume `/`).
    let masks: HashSet<&RelPath> = masks.iter().filter(|m| !m.is_root()).collect();
    let masked = |p: &RelPath| masks.contains(p) || p.ancestors().any(|a| masks.contains(&a));
    let paths_where = |keep: fn(&Change) -> bool| -> HashSet<RelPath> {
        changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.path.clone())
            .collect()
    };
    let removed = paths_where(|c| c.kind == ChangeKind::Deleted);
    let non_dirs = paths_where(|c| c.kind != ChangeKind::Deleted && !c.is_dir);
    let mut links: HashMap<RelPath, bool> = HashMap::new();
    let mut kept: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        if masked(&change.path) || change.path.ancestors().any(|a| removed.contains(&a)) {
            continue;
        }
        if change.kind == ChangeKind::Deleted {
            let under_link = change.path.ancestors().any(|a| {
                non_dirs.contains(&a) && *links.entry(a).or_insert_with_key(|a| is_symlink(a))
            });
            if under_link {
                continue;
            }
        }
        kept.push(change);
    }
    kept.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    kept
}

/// Whether `path` in `root` is a symlink; when that cannot be told, taken
/// as one (its whiteouts are then left out, the safe side).
fn is_symlink_in(root: &Root, path: &RelPath) -> bool {
    let Some((parent, name)) = path.split_last() else {
        return false;
    };
    let stat = root
        .open_dir(&parent)
        .and_then(|dir| crate::fs::root::lstat_at(dir.as_fd(), name));
    match stat {
        Ok(Some(st)) => {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink
        }
        Ok(None) | Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(path: &str, kind: ChangeKind, is_dir: bool) -> Change {
        Change {
            path: RelPath::clean(path.as_bytes()),
            kind,
            is_dir,
        }
    }

    #[test]
    fn removed_trees_become_one_whiteout_masks_apply_and_paths_sort_as_bytes() {
        let changes = vec![
            ch("a", ChangeKind::Deleted, true),
            ch("a/b", ChangeKind::Deleted, true),
            ch("a/b/c", ChangeKind::Deleted, false),
            ch("d", ChangeKind::Modified, false),
            ch("d/x", ChangeKind::Deleted, false),
            ch("e", ChangeKind::Added, true),
            ch("vol/f", ChangeKind::Added, false),
            ch("e/y", ChangeKind::Added, false),
            ch("e.x", ChangeKind::Added, false),
            ch(".", ChangeKind::Modified, true),
            ch("-z", ChangeKind::Added, false),
            ch("l", ChangeKind::Modified, false),
            ch("l/gone", ChangeKind::Deleted, false),
        ];
        let masks = [RelPath::clean(b"vol"), RelPath::clean(b"/")];
        let kept = layer_changes(changes, &masks, |p| p.as_bytes() == b"l");
        let paths: Vec<String> = kept.iter().map(|c| c.path.to_string()).collect();
        assert_eq!(paths, ["-z", ".", "a", "d", "d/x", "e", "e.x", "e/y", "l"]);
    }
}
