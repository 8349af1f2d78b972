//! `unpack`: an image's layers into `rootfs/`, then `config.json`, the
//! mtree manifest and `umoci.json` beside it.

use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;

use rustix::fs::OFlags;
use std::path::{Path, PathBuf};

use super::meta::{Meta, META_VERSION};
use crate::fs::file::{write_atomic_path, AtomicFile};
use crate::fs::idmap;
use crate::fs::Root;
use crate::image::{ImageError, ImageSource};
use crate::layer::{
    Compression, ExtractOptions, Extractor, FileHashes, LayerError, LayerStream, MapOptions,
};
use crate::layout::{Layout, LayoutError};
use crate::mtree::stat_cache::{StatCache, StatCacheWriter};
use crate::mtree::walk::WalkOptions;
use crate::mtree::write::{write_manifest, Header};
use crate::mtree::UMOCI_KEYWORDS;
use crate::runtime::{self, RuntimeError};

/// Options for unpacking.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// Id mappings and rootless mode.
    pub map: MapOptions,
    /// `--keep-dirlinks`.
    pub keep_dirlinks: bool,
    /// Counters to report progress through.
    pub progress: Option<std::sync::Arc<crate::layer::Progress>>,
}

/// Why an unpack failed.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// Reading the image failed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Reading a blob failed.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A layer could not be applied.
    #[error("layer {digest}")]
    Layer {
        /// The layer's digest.
        digest: String,
        /// What went wrong.
        #[source]
        source: LayerError,
    },
    /// The runtime config could not be generated.
    #[error("generate config.json")]
    Runtime(#[from] RuntimeError),
    /// Anything else, with its context.
    #[error("{0}")]
    Other(String),
}

fn other(context: impl std::fmt::Display, e: impl std::fmt::Display) -> UnpackError {
    UnpackError::Other(format!("{context}: {e}"))
}

/// Extracts every layer of `source` into `rootfs` (which must not exist or
/// be empty). On failure the partial rootfs is removed. Returns the digests
/// of the files written.
pub fn unpack_rootfs(
    layout: &Layout,
    source: &ImageSource,
    rootfs: &Path,
    opts: &UnpackOptions,
) -> Result<FileHashes, UnpackError> {
    let config = &source.config;
    if config.rootfs.fs_type != "layers" {
        return Err(UnpackError::Other(format!(
            "unpack rootfs: config: unsupported rootfs.type: {}",
            config.rootfs.fs_type
        )));
    }
    let layers = &source.manifest.layers;
    if config.rootfs.diff_ids.len() != layers.len() {
        return Err(UnpackError::Other(format!(
            "unpack rootfs: config has {} diff_ids but the manifest has {} layers",
            config.rootfs.diff_ids.len(),
            layers.len()
        )));
    }
    if dir_has_entries(rootfs)? {
        return Err(UnpackError::Other(format!(
            "detecting rootfs: {} already exists",
            rootfs.display()
        )));
    }
    std::fs::create_dir_all(rootfs)
        .map_err(|e| other(format!("mkdir rootfs {}", rootfs.display()), e))?;
    let result = extract_layers(layout, source, rootfs, opts);
    if result.is_err() {
        // Never leave a half-extracted rootfs behind.
        if let Ok((dir, name)) = crate::fs::file::split_path(rootfs) {
            let _ = crate::fs::remove::remove_all_at(dir.as_fd(), name);
        }
    }
    result
}

fn extract_layers(
    layout: &Layout,
    source: &ImageSource,
    rootfs: &Path,
    opts: &UnpackOptions,
) -> Result<FileHashes, UnpackError> {
    let map = &opts.map;
    let root_uid = idmap::to_host(0, &map.uid_mappings)
        .map_err(|e| other("ensure root uid has mapping", e))?;
    let root_gid = idmap::to_host(0, &map.gid_mappings)
        .map_err(|e| other("ensure root gid has mapping", e))?;
    let root =
        Root::open(rootfs).map_err(|e| other(format!("open rootfs {}", rootfs.display()), e))?;
    // Owner and times of the root go through the handle just opened (which
    // refused a symlink), never through the name again.
    let root_dir = root
        .resolve(
            &crate::fs::RelPath::root(),
            OFlags::RDONLY | OFlags::DIRECTORY,
        )
        .map_err(|e| other(format!("open rootfs {}", rootfs.display()), e))?;
    if !map.rootless {
        rustix::fs::fchown(
            &root_dir,
            Some(rustix::fs::Uid::from_raw(root_uid)),
            Some(rustix::fs::Gid::from_raw(root_gid)),
        )
        .map_err(|e| other("chown rootfs", e))?;
    }
    // Images rarely say what the root's times are; start from the epoch so
    // unpacking is reproducible.
    let epoch = rustix::fs::Timestamps {
        last_access: rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        last_modification: rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
    };
    rustix::fs::futimens(&root_dir, &epoch).map_err(|e| other("set initial root time", e))?;
    drop(root_dir);

    let mut extractor = Extractor::new(
        &root,
        ExtractOptions {
            map: map.clone(),
            keep_dirlinks: opts.keep_dirlinks,
            progress: opts.progress.clone(),
        },
    );
    let total = source.manifest.layers.len();
    for (n, (layer, diff_id)) in source
        .manifest
        .layers
        .iter()
        .zip(&source.config.rootfs.diff_ids)
        .enumerate()
    {
        if let Some(p) = &opts.progress {
            p.start_layer(n + 1, total);
        }
        let layer_err = |source: LayerError| UnpackError::Layer {
            digest: layer.digest.to_string(),
            source,
        };
        let compression = Compression::from_media_type(&layer.media_type).map_err(layer_err)?;
        log::info!("unpack layer: {}", layer.digest);
        let blob = layout.open_blob(layer)?;
        let mut stream = LayerStream::spawn(blob, compression);
        extractor.apply_layer(&mut stream).map_err(layer_err)?;
        let got = stream
            .finish()
            .map_err(|e| layer_err(LayerError::Read(e)))?;
        if &got != diff_id {
            return Err(UnpackError::Other(format!(
                "unpack manifest: layer {}: diffid mismatch: got {got} expected {diff_id}",
                layer.digest
            )));
        }
    }
    extractor.finish().map_err(|source| UnpackError::Layer {
        digest: "(final modes)".into(),
        source,
    })
}

fn dir_has_entries(path: &Path) -> Result<bool, UnpackError> {
    match std::fs::read_dir(path) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(other(format!("inspect {}", path.display()), e)),
    }
}

/// Writes the runtime config of `source` to `out`, resolving the user in
/// `rootfs` when given.
pub fn write_runtime_config(
    source: &ImageSource,
    rootfs: Option<&Path>,
    map: &MapOptions,
    out: &Path,
) -> Result<(), UnpackError> {
    let root = rootfs
        .map(|p| Root::open(p).map_err(|e| other(format!("open rootfs {}", p.display()), e)))
        .transpose()?;
    let spec = runtime::to_runtime_spec(&source.config, root.as_ref(), map)?;
    // A new file renamed into place: a symlink planted at `out` is
    // replaced, never written through.
    write_atomic_path(out, &runtime::convert::to_json(&spec), 0o644)
        .map_err(|e| other(format!("write {}", out.display()), e))
}

/// Unpacks `source` into a new runtime bundle at `bundle`.
pub fn unpack_bundle(
    layout: &Layout,
    source: &ImageSource,
    bundle: &Path,
    opts: &UnpackOptions,
) -> Result<(), UnpackError> {
    std::fs::create_dir_all(bundle)
        .map_err(|e| other(format!("create bundle path {}", bundle.display()), e))?;
    // Keep other users out of an image's setuid binaries.
    std::fs::set_permissions(bundle, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| other("chmod bundle 0700", e))?;
    // As upstream: a bundle directory may hold other files, but not a
    // runtime config or a rootfs, which the user may not mean to replace.
    let rootfs = bundle.join("rootfs");
    let exists = |path: &Path| std::fs::symlink_metadata(path).is_ok();
    if exists(&bundle.join("config.json")) {
        return Err(UnpackError::Other(format!(
            "create runtime bundle: config.json already exists in {}",
            bundle.display()
        )));
    }
    if exists(&rootfs) {
        return Err(UnpackError::Other(format!(
            "create runtime bundle: detecting rootfs: {} already exists",
            rootfs.display()
        )));
    }
    // Upstream creates the manifest `O_EXCL` and so fails on one left by an
    // earlier unpack of the same image; say so before extracting anything.
    let name = mtree_name(source.path.descriptor());
    let mtree_path = bundle.join(format!("{name}.mtree"));
    if exists(&mtree_path) {
        return Err(UnpackError::Other(format!(
            "write mtree: open mtree: open {}: file exists",
            mtree_path.display()
        )));
    }
    log::info!("unpacking bundle ...");
    let hashes = unpack_rootfs(layout, source, &rootfs, opts)?;
    log::info!("... done");
    let own_files = [format!("{name}.mtree"), StatCache::file_name(&name)];
    let preexisting: Vec<bool> = own_files.iter().map(|f| exists(&bundle.join(f))).collect();
    let finish = || -> Result<(), UnpackError> {
        write_runtime_config(
            source,
            Some(&rootfs),
            &opts.map,
            &bundle.join("config.json"),
        )?;
        log::info!("computing filesystem manifest ...");
        write_bundle_manifest(bundle, &name, &hashes, opts.map.rootless)?;
        log::info!("... done");
        let meta = Meta {
            version: META_VERSION.to_owned(),
            from: source.path.clone(),
            map_options: opts.map.clone(),
            whiteout_mode: 0,
        };
        meta.write(bundle).map_err(UnpackError::Other)
    };
    if let Err(e) = finish() {
        // Remove what this unpack made rather than leave half a bundle.
        if let Ok(dir) = crate::fs::file::open_dir_path(bundle) {
            let made = own_files
                .iter()
                .zip(&preexisting)
                .filter(|(_, existed)| !**existed)
                .map(|(f, _)| f.as_str());
            for created in ["rootfs", "config.json"].into_iter().chain(made) {
                let _ = crate::fs::remove::remove_all_at(dir.as_fd(), created.as_bytes());
            }
        }
        return Err(e);
    }
    log::info!("unpacked image bundle: {}", bundle.display());
    Ok(())
}

/// `sha256_<hex>`: the manifest's digest with `:` replaced, as upstream
/// names a bundle's mtree (and we its stat cache) after it.
pub fn mtree_name(manifest: &crate::spec::Descriptor) -> String {
    manifest.digest.to_string().replacen(':', "_", 1)
}

/// Writes `BUNDLE/<name>.mtree` for `BUNDLE/rootfs`.
pub fn write_bundle_manifest(
    bundle: &Path,
    name: &str,
    known: &FileHashes,
    rootless: bool,
) -> Result<PathBuf, UnpackError> {
    let path = bundle.join(format!("{name}.mtree"));
    let bundle_dir = crate::fs::file::open_dir_path(bundle)
        .map_err(|e| other(format!("open bundle {}", bundle.display()), e))?;
    let file = AtomicFile::create(
        bundle_dir.as_fd(),
        format!("{name}.mtree").as_bytes(),
        0o644,
    )
    .map_err(|e| other(format!("open mtree {}", path.display()), e))?;
    let mut out = std::io::BufWriter::new(file);
    let tree = bundle.join("rootfs");
    let tree_label = tree.to_string_lossy().into_owned();
    let date = chrono::Local::now()
        .format("%a %b %e %H:%M:%S %Y")
        .to_string();
    let header = Header {
        user: &current_user(),
        machine: &hostname(),
        tree: &tree_label,
        date: &date,
    };
    let opts = WalkOptions {
        digests: true,
        known: Some(known),
        cache: None,
        digest_only: None,
        rootless,
    };
    let mut cache = StatCacheWriter::create(&bundle.join(StatCache::file_name(name)))
        .map_err(|e| other("create stat cache", e))?;
    write_manifest(
        &tree,
        &header,
        UMOCI_KEYWORDS,
        &opts,
        &mut out,
        Some(&mut cache),
    )
    .map_err(|e| other("generate mtree spec", e))?;
    out.into_inner()
        .map_err(|e| other("write mtree", e.into_error()))?
        .commit()
        .map_err(|e| other("write mtree", e))?;
    // Finished after every file, so the files' ctimes predate it.
    cache.finish().map_err(|e| other("write stat cache", e))?;
    Ok(path)
}

fn current_user() -> String {
    let uid = rustix::process::getuid().as_raw();
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_owned())
            })
        })
        .unwrap_or_else(|| uid.to_string())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}
