//! `unpack`: an image's layers into `rootfs/`, then `config.json`, the
//! mtree manifest and `umoci.json` beside it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use rustix::fs::OFlags;

use super::dir::{BundleDir, ROOTFS};
use super::meta::{Meta, MetaError, META_VERSION};
use crate::fs::file::{split_path, write_atomic, write_atomic_path, AtomicFile};
use crate::fs::target::Target;
use crate::fs::{IdMapError, OwnerError, Ownership, Root};
use crate::image::{ImageError, ImageSource};
use crate::layer::{Compression, ExtractOptions, Extractor, FileHashes, LayerError, LayerStream};
use crate::layout::{Layout, LayoutError};
use crate::mtree::stat_cache::{StatCache, StatCacheWriter};
use crate::mtree::walk::WalkOptions;
use crate::mtree::write::{write_manifest, Header};
use crate::mtree::UMOCI_KEYWORDS;
use crate::progress::CountingReader;
use crate::runtime::{self, RuntimeError};
use crate::store::{Checkout, LinkMode, Store, StoreError, StoreLock};

/// The runtime config's name in a bundle.
pub const CONFIG_JSON: &str = "config.json";

/// Options for unpacking.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// Privileged or rootless, and the id maps.
    pub ownership: Ownership,
    /// `--keep-dirlinks`.
    pub keep_dirlinks: bool,
    /// Counters to report progress through.
    pub progress: Option<std::sync::Arc<crate::layer::Progress>>,
    /// The content store to check files out of, if any.
    pub store: Option<StoreOptions>,
}

/// Unpacking through a content store (see [`crate::store`]).
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The store directory (created when missing).
    pub path: PathBuf,
    /// How files are checked out of it.
    pub link: LinkMode,
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
    /// `umoci.json` could not be written.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// A file-system step on a path failed.
    #[error("{op} {}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path the user knows it by.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The container's root user or group has no host id.
    #[error("ensure root {which} has mapping")]
    RootUnmapped {
        /// `uid` or `gid`.
        which: &'static str,
        /// Why.
        #[source]
        source: IdMapError,
    },
    /// The rootfs directory's own owner or times could not be set.
    #[error("{op}")]
    RootfsMetadata {
        /// What was being done.
        op: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The image's config names a rootfs type other than `layers`.
    #[error("unpack rootfs: config: unsupported rootfs.type: {0}")]
    RootfsType(String),
    /// Config and manifest disagree on the number of layers.
    #[error("unpack rootfs: config has {diff_ids} diff_ids but the manifest has {layers} layers")]
    LayerCount {
        /// `rootfs.diff_ids` in the config.
        diff_ids: usize,
        /// Layers in the manifest.
        layers: usize,
    },
    /// A layer's uncompressed digest is not the config's diff ID.
    #[error("unpack manifest: layer {layer}: diffid mismatch: got {got} expected {expected}")]
    DiffIdMismatch {
        /// The layer's digest.
        layer: String,
        /// The digest of its uncompressed tar.
        got: String,
        /// The config's diff ID.
        expected: String,
    },
    /// The content store failed or cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A store listing named an object the store does not have (the
    /// unpack then reads that layer instead).
    #[error("store listing of layer {diff_id} names a missing or changed object")]
    StoreObjectMissing {
        /// The layer's diff ID.
        diff_id: crate::spec::Digest,
    },
    /// The rootfs to unpack into already has entries.
    #[error("detecting rootfs: {} already exists", .0.display())]
    RootfsExists(PathBuf),
    /// The bundle already has a runtime config (the command says it was
    /// creating a runtime bundle, as upstream's does).
    #[error("config.json already exists in {}", .0.display())]
    ConfigExists(PathBuf),
    /// The bundle already has this image's mtree manifest.
    #[error("write mtree: open mtree: open {}: file exists", .0.display())]
    ManifestExists(PathBuf),
}

/// An [`UnpackError::Io`] for `op` on `path`.
fn io_error(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> UnpackError {
    let path = path.to_owned();
    move |source| UnpackError::Io { op, path, source }
}

/// Extracts every layer of `source` into `rootfs` (which must not exist or
/// be empty; its parent must exist, as upstream's `raw unpack` makes only
/// the rootfs itself). On failure the partial rootfs is removed. Returns
/// the digests of the files written.
pub fn unpack_rootfs(
    layout: &Layout,
    source: &ImageSource,
    rootfs: &Path,
    opts: &UnpackOptions,
) -> Result<FileHashes, UnpackError> {
    let (parent, name) = split_path(rootfs).map_err(io_error("mkdir rootfs", rootfs))?;
    let shown = rootfs.to_owned();
    unpack_rootfs_at(layout, source, parent.as_fd(), name, shown, opts).map(|(hashes, _)| hashes)
}

/// [`unpack_rootfs`] into `name` in the directory `dir`: the rootfs is
/// created, opened and (on failure) removed through that handle, and
/// returned open for whatever the caller does with it next.
fn unpack_rootfs_at(
    layout: &Layout,
    source: &ImageSource,
    dir: BorrowedFd<'_>,
    name: &[u8],
    shown: PathBuf,
    opts: &UnpackOptions,
) -> Result<(FileHashes, Root), UnpackError> {
    let config = &source.config;
    if config.rootfs.fs_type != "layers" {
        return Err(UnpackError::RootfsType(config.rootfs.fs_type.clone()));
    }
    let layers = &source.manifest.layers;
    if config.rootfs.diff_ids.len() != layers.len() {
        return Err(UnpackError::LayerCount {
            diff_ids: config.rootfs.diff_ids.len(),
            layers: layers.len(),
        });
    }
    if dir_has_entries(dir, name).map_err(io_error("inspect", &shown))? {
        return Err(UnpackError::RootfsExists(shown));
    }
    let mut store = None;
    let mut distrusted = std::collections::HashSet::new();
    // A listing found to name a missing or changed object is distrusted
    // and its layer read instead, from a fresh rootfs: each layer at most
    // once, so this ends.
    loop {
        match rustix::fs::mkdirat(dir, name, rustix::fs::Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(io_error("mkdir rootfs", &shown)(e.into())),
        }
        let root = Root::open_at(dir, name, shown.clone(), opts.ownership.clone())
            .map_err(io_error("open rootfs", &shown))?;
        let mut extract = || {
            if let (Some(o), None) = (&opts.store, &store) {
                store = Some(open_store(o, &root)?);
            }
            let mut checkout = store.as_ref().zip(opts.store.as_ref()).map(|(s, o)| {
                let mut c = Checkout::new(s, o.link, &opts.ownership);
                c.distrust(&distrusted);
                c
            });
            extract_layers(layout, source, &root, opts, checkout.as_mut())
        };
        let e = match extract() {
            Ok(hashes) => return Ok((hashes, root)),
            Err(e) => e,
        };
        // Never leave a half-extracted rootfs behind.
        drop(root);
        let _ = crate::fs::remove::remove_all_at(dir, name);
        match e {
            UnpackError::StoreObjectMissing { diff_id } if distrusted.insert(diff_id.clone()) => {
                log::warn!("the store's listing of layer {diff_id} names a missing or changed object: reading the layer instead");
            }
            e => return Err(e),
        }
    }
}

fn extract_layers(
    layout: &Layout,
    source: &ImageSource,
    root: &Root,
    opts: &UnpackOptions,
    mut checkout: Option<&mut Checkout<'_>>,
) -> Result<FileHashes, UnpackError> {
    let started = std::time::Instant::now();
    let ownership = root.ownership();
    // Upstream's first check, in its words: the container's root must
    // map to someone on the host.
    let unmapped = |which| move |source| UnpackError::RootUnmapped { which, source };
    crate::fs::idmap::to_host(0, ownership.uid_maps()).map_err(unmapped("uid"))?;
    crate::fs::idmap::to_host(0, ownership.gid_maps()).map_err(unmapped("gid"))?;
    let rootfs = root.path();
    // Owner and times of the root go through the handle just opened (which
    // refused a symlink), never through the name again.
    let root_dir = root
        .resolve(
            &crate::fs::RelPath::root(),
            OFlags::RDONLY | OFlags::DIRECTORY,
        )
        .map_err(io_error("open rootfs", rootfs))?;
    ownership
        .set_owner(
            Target::Fd(root_dir.as_fd()),
            0,
            0,
            &mut Default::default(),
            b".",
        )
        .map_err(|e| match e {
            OwnerError::Chown(source) => UnpackError::RootfsMetadata {
                op: "chown rootfs",
                source,
            },
            // Ruled out just above, but named if it ever happens.
            e => UnpackError::RootfsMetadata {
                op: "chown rootfs",
                source: io::Error::other(e),
            },
        })?;
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
    rustix::fs::futimens(&root_dir, &epoch).map_err(|e| UnpackError::RootfsMetadata {
        op: "set initial root time",
        source: e.into(),
    })?;
    drop(root_dir);

    let mut extractor = Extractor::new(
        root,
        ExtractOptions {
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
        if let Some(checkout) = checkout.as_mut() {
            // Replayed only for a blob this store has read and checked,
            // and that the layout has (as a plain unpack needs it), though
            // it is not read again.
            let listing =
                if checkout.vouches(&layer.digest, diff_id) && layout.has_blob_sized(layer) {
                    checkout.listing(diff_id)?
                } else {
                    None
                };
            if let Some(listing) = listing {
                log::info!("unpack layer: {} (from the store)", layer.digest);
                let entries = listing.map(|e| {
                    e.map(|e| (e.header, e.object))
                        .map_err(|e| LayerError::io(b"(store listing)", "read store listing", e))
                });
                if let Err(e) = extractor.replay_layer(entries, &mut **checkout) {
                    if checkout.missed_object() {
                        return Err(UnpackError::StoreObjectMissing {
                            diff_id: diff_id.clone(),
                        });
                    }
                    return Err(layer_err(e));
                }
                continue;
            }
            checkout.start_recording(diff_id)?;
        }
        if let Some(p) = &opts.progress {
            p.expect_stored(u64::try_from(layer.size).unwrap_or(0));
        }
        log::info!("unpack layer: {}", layer.digest);
        let blob = layout.open_blob(layer)?;
        let mut stream = match &opts.progress {
            Some(p) => LayerStream::spawn(CountingReader::new(blob, p.clone()), compression),
            None => LayerStream::spawn(blob, compression),
        };
        match checkout.as_mut() {
            Some(checkout) => extractor.record_layer(&mut stream, &mut **checkout),
            None => extractor.apply_layer(&mut stream),
        }
        .map_err(layer_err)?;
        let got = stream
            .finish()
            .map_err(|e| layer_err(LayerError::Read(e)))?;
        if &got != diff_id {
            return Err(UnpackError::DiffIdMismatch {
                layer: layer.digest.to_string(),
                got: got.to_string(),
                expected: diff_id.to_string(),
            });
        }
        if let Some(checkout) = checkout.as_mut() {
            checkout.commit_recording(diff_id, &layer.digest)?;
        }
    }
    if let Some(checkout) = &checkout {
        checkout.register(root.path())?;
    }
    let (entries, bytes) = extractor.counted();
    let hashes = extractor.finish().map_err(|source| UnpackError::Layer {
        digest: "(final modes)".into(),
        source,
    })?;
    log::info!(
        "unpacked {total} {}: {entries} {}, {:.1} MiB of content in {:.1} s",
        if total == 1 { "layer" } else { "layers" },
        if entries == 1 { "entry" } else { "entries" },
        bytes as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(hashes)
}

/// Opens (or creates) the store `o` names, for unpacking into `root`:
/// hardlinks need both on one file system, and saying so now beats
/// failing on the first file.
fn open_store(o: &StoreOptions, root: &Root) -> Result<Store, UnpackError> {
    // A store inside the rootfs would be the image's to write (a layer
    // could plant objects every later bundle gets), and a rootfs inside
    // the store would be the store's to clean up. Checked before the
    // store is made, so a refused one leaves nothing behind.
    let store_real = where_it_would_be(&o.path).map_err(io_error("resolve", &o.path))?;
    let root_real = std::fs::canonicalize(root.path()).map_err(io_error("resolve", root.path()))?;
    if store_real.starts_with(&root_real) || root_real.starts_with(&store_real) {
        return Err(StoreError::Untrusted {
            path: o.path.clone(),
            why: format!(
                "it and the rootfs {} would lie one inside the other",
                root.path().display()
            ),
        }
        .into());
    }
    let store = Store::open(&o.path, true, StoreLock::Shared)?;
    if o.link == LinkMode::Hardlink {
        let dev = |fd: BorrowedFd<'_>, path: &Path| {
            rustix::fs::fstat(fd)
                .map(|st| st.st_dev)
                .map_err(|e| io_error("stat", path)(e.into()))
        };
        if dev(store.objects(), store.path())? != dev(root.fd(), root.path())? {
            return Err(StoreError::LinkMode {
                mode: "hardlink",
                why: format!(
                    "the store {} and {} are on different file systems",
                    store.path().display(),
                    root.path().display()
                ),
            }
            .into());
        }
    }
    Ok(store)
}

/// The absolute path `path` names with every link resolved, whether or
/// not it exists yet: its deepest existing ancestor resolved, and the
/// rest (which mkdir would make) appended.
fn where_it_would_be(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::env::current_dir()?.join(path);
    let mut rest = Vec::new();
    let mut at = absolute.as_path();
    loop {
        match std::fs::canonicalize(at) {
            Ok(real) => return Ok(rest.iter().rev().fold(real, |p, name| p.join(name))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match (at.parent(), at.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    at = parent;
                }
                _ => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
}

/// Whether `name` in `dir` is a directory with entries (following a
/// symlink there, as upstream's check does; the rootfs itself is then
/// refused as a symlink when opened).
fn dir_has_entries(dir: BorrowedFd<'_>, name: &[u8]) -> std::io::Result<bool> {
    match rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) {
        Ok(fd) => Ok(!crate::fs::dir::list_dir(fd.as_fd())?.is_empty()),
        Err(rustix::io::Errno::NOENT) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The runtime config of `source`, resolving the user in `rootfs` when
/// given.
fn runtime_config_json(
    source: &ImageSource,
    rootfs: Option<&Root>,
    ownership: &Ownership,
) -> Result<Vec<u8>, UnpackError> {
    let spec = runtime::to_runtime_spec(&source.config, rootfs, ownership)?;
    Ok(runtime::convert::to_json(&spec))
}

/// Writes the runtime config of `source` to `out`, resolving the user in
/// `rootfs` when given.
pub fn write_runtime_config(
    source: &ImageSource,
    rootfs: Option<&Path>,
    ownership: &Ownership,
    out: &Path,
) -> Result<(), UnpackError> {
    let root = rootfs
        .map(|p| Root::open(p, ownership.clone()).map_err(io_error("open rootfs", p)))
        .transpose()?;
    let json = runtime_config_json(source, root.as_ref(), ownership)?;
    // A new file renamed into place: a symlink planted at `out` is
    // replaced, never written through.
    write_atomic_path(out, &json, 0o644).map_err(io_error("write", out))
}

/// Unpacks `source` into a new runtime bundle at `bundle`. The bundle path
/// is resolved once (see [`BundleDir`]); everything after goes through
/// its handle.
pub fn unpack_bundle(
    layout: &Layout,
    source: &ImageSource,
    bundle: &Path,
    opts: &UnpackOptions,
) -> Result<(), UnpackError> {
    let bundle = BundleDir::create(bundle).map_err(io_error("create bundle path", bundle))?;
    let exists = |name: &str| {
        bundle
            .contains(name)
            .map_err(io_error("inspect", &bundle.shown(name)))
    };
    // As upstream: a bundle directory may hold other files, but not a
    // runtime config or a rootfs, which the user may not mean to replace.
    if exists(CONFIG_JSON)? {
        return Err(UnpackError::ConfigExists(bundle.path().to_owned()));
    }
    if exists(ROOTFS)? {
        return Err(UnpackError::RootfsExists(bundle.shown(ROOTFS)));
    }
    // Upstream creates the manifest `O_EXCL` and so fails on one left by an
    // earlier unpack of the same image; say so before extracting anything.
    let name = mtree_name(source.path.descriptor());
    let mtree_file = format!("{name}.mtree");
    if exists(&mtree_file)? {
        return Err(UnpackError::ManifestExists(bundle.shown(&mtree_file)));
    }
    log::info!("unpacking bundle ...");
    let (hashes, mut rootfs) = unpack_rootfs_at(
        layout,
        source,
        bundle.as_fd(),
        ROOTFS.as_bytes(),
        bundle.shown(ROOTFS),
        opts,
    )?;
    log::info!("... done");
    let own_files = [
        mtree_file,
        StatCache::file_name(&name),
        super::store_link::STORE_NOTE.to_owned(),
    ];
    let preexisting = own_files
        .iter()
        .map(|f| exists(f))
        .collect::<Result<Vec<bool>, _>>()?;
    let mut finish = || -> Result<(), UnpackError> {
        if let Some(store) = &opts.store {
            super::store_link::write_note(&bundle, &store.path, store.link).map_err(io_error(
                "write",
                &bundle.shown(super::store_link::STORE_NOTE),
            ))?;
            super::store_link::count_links_if_shared(&mut rootfs, store.link == LinkMode::Hardlink)
                .map_err(io_error("count links in", rootfs.path()))?;
        }
        let json = runtime_config_json(source, Some(&rootfs), &opts.ownership)?;
        // A new file renamed into place: a symlink planted at the name is
        // replaced, never written through.
        write_atomic(bundle.as_fd(), CONFIG_JSON.as_bytes(), &json, 0o644)
            .map_err(io_error("write", &bundle.shown(CONFIG_JSON)))?;
        log::info!("computing filesystem manifest ...");
        write_bundle_manifest(&bundle, &rootfs, &name, &hashes)?;
        log::info!("... done");
        let meta = Meta {
            version: META_VERSION.to_owned(),
            from: source.path.clone(),
            map_options: (&opts.ownership).into(),
            whiteout_mode: 0,
        };
        Ok(meta.write(&bundle)?)
    };
    let finished = finish();
    if let Err(e) = finished {
        // Remove what this unpack made rather than leave half a bundle.
        drop(rootfs);
        let made = own_files
            .iter()
            .zip(&preexisting)
            .filter(|(_, existed)| !**existed)
            .map(|(f, _)| f.as_str());
        for created in [ROOTFS, CONFIG_JSON].into_iter().chain(made) {
            let _ = crate::fs::remove::remove_all_at(bundle.as_fd(), created.as_bytes());
        }
        return Err(e);
    }
    log::info!("unpacked image bundle: {}", bundle.path().display());
    Ok(())
}

/// `sha256_<hex>`: the manifest's digest with `:` replaced, as upstream
/// names a bundle's mtree (and we its stat cache) after it.
pub fn mtree_name(manifest: &crate::spec::Descriptor) -> String {
    manifest.digest.to_string().replacen(':', "_", 1)
}

/// Writes `BUNDLE/<name>.mtree` (and its stat cache) for the bundle's
/// `rootfs`, given open.
pub fn write_bundle_manifest(
    bundle: &BundleDir,
    rootfs: &Root,
    name: &str,
    known: &FileHashes,
) -> Result<(), UnpackError> {
    let mtree_file = format!("{name}.mtree");
    let mtree_path = bundle.shown(&mtree_file);
    let cache_file = StatCache::file_name(name);
    let cache_path = bundle.shown(&cache_file);
    let file = AtomicFile::create(bundle.as_fd(), mtree_file.as_bytes(), 0o644)
        .map_err(io_error("open mtree", &mtree_path))?;
    let mut out = std::io::BufWriter::new(file);
    let tree_label = rootfs.path().to_string_lossy().into_owned();
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
        no_xattrs: false,
    };
    let mut cache = StatCacheWriter::create(bundle.as_fd(), &cache_file)
        .map_err(io_error("create stat cache", &cache_path))?;
    write_manifest(
        rootfs,
        &header,
        UMOCI_KEYWORDS,
        &opts,
        &mut out,
        Some(&mut cache),
    )
    .map_err(io_error("generate mtree spec for", rootfs.path()))?;
    out.into_inner()
        .map_err(|e| io_error("write mtree", &mtree_path)(e.into_error()))?
        .commit()
        .map_err(io_error("write mtree", &mtree_path))?;
    // Finished after every file, so the files' ctimes predate it.
    cache
        .finish()
        .map_err(io_error("write stat cache", &cache_path))?;
    Ok(())
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
