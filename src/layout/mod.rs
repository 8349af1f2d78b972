//! The OCI image layout on disk: `oci-layout`, `index.json` and
//! `blobs/<alg>/<hex>`.
//!
//! A [`Layout`] is an open, validated layout. Every blob read through it is
//! verified against its descriptor as it streams. Writes are a transaction:
//! new blobs are staged in a private scratch directory, and
//! [`Layout::update_index`] publishes them (rename into `blobs/`) only after
//! the index edit succeeded, immediately before it atomically replaces
//! `index.json` under an exclusive lock. A command that fails leaves the
//! layout exactly as it was. A layout handle also holds the shared blob lock (see [`lock`]) for
//! its whole life, so `gc` cannot remove what it is about to reference.

pub mod blob_writer;
pub mod error;
pub mod gc;
pub mod index;
pub mod lock;
pub mod temp_area;
pub mod verified;
pub mod walk;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::Mode;
use rustix::io::Errno;
use std::sync::{Mutex, OnceLock};

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use blob_writer::BlobWriter;
pub use error::{LayoutError, Result};
pub use index::DescriptorPath;
pub use lock::LockMode;
pub use verified::VerifiedReader;

use crate::fs::file::{open_dir_path, open_regular, open_subdir, read_capped, Follow};
use crate::spec::{go_json, Algorithm, Descriptor, Digest, Index};
use lock::DirLock;
use temp_area::{fsync_dir, fsync_file, TempArea, TempFile};

/// Value of `imageLayoutVersion` this tool reads and writes.
pub const IMAGE_LAYOUT_VERSION: &str = "1.0.0";
/// Name of the layout marker file.
pub const LAYOUT_FILE: &str = "oci-layout";
/// Name of the top-level index.
pub const INDEX_FILE: &str = "index.json";
/// Name of the blob directory.
pub const BLOBS_DIR: &str = "blobs";

/// Largest JSON blob (manifest, index, config) or `index.json` we will read.
/// Real ones are kilobytes; this bounds memory against hostile descriptors.
pub const MAX_JSON_SIZE: i64 = 64 << 20;
/// Largest `oci-layout` marker read (real ones are 30 bytes).
const MAX_MARKER_SIZE: u64 = 64 << 10;

/// An open OCI image layout.
#[derive(Debug)]
pub struct Layout {
    root: PathBuf,
    /// The layout directory, opened once; everything is relative to it.
    dir: OwnedFd,
    blobs: PathBuf,
    temp: OnceLock<TempArea>,
    /// Blobs written by this handle: digest and name in the scratch area.
    staged: Mutex<Vec<(Digest, Vec<u8>)>>,
    /// Who everything created here should belong to: the layout
    /// directory's owner, when we run as root (as upstream does, so that a
    /// root `repack` does not leave files the layout's owner cannot
    /// remove); `None` otherwise.
    owner: Option<(u32, u32)>,
    /// Held for the handle's life, except by a reader of `index.json`
    /// alone (see [`Layout::open_index_only`]).
    _blob_lock: Option<DirLock>,
}

#[derive(serde::Deserialize, Serialize)]
struct OciLayoutFile {
    #[serde(rename = "imageLayoutVersion")]
    version: String,
}

impl Layout {
    /// Creates a new, empty layout at `path` (and any missing parents). An
    /// existing empty directory is accepted; anything else that exists is
    /// refused.
    pub fn create(path: &Path) -> Result<()> {
        match std::fs::read_dir(path) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(LayoutError::AlreadyExists(path.to_owned()));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(path).map_err(|e| LayoutError::io(path, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(LayoutError::AlreadyExists(path.to_owned()));
            }
            Err(e) => return Err(LayoutError::io(path, e)),
        }
        let sha256 = path.join(BLOBS_DIR).join("sha256");
        std::fs::create_dir_all(&sha256).map_err(|e| LayoutError::io(&sha256, e))?;
        // index.json before oci-layout: a crash in between leaves a directory
        // that is visibly not a layout yet, rather than a layout with no index.
        write_file_durably(
            &path.join(INDEX_FILE),
            &go_json::to_vec(&<Index>::default()).expect("index encodes"),
        )?;
        let marker = OciLayoutFile {
            version: IMAGE_LAYOUT_VERSION.to_owned(),
        };
        write_file_durably(
            &path.join(LAYOUT_FILE),
            &go_json::to_vec(&marker).expect("marker encodes"),
        )?;
        let dir = open_dir_path(path).map_err(|e| LayoutError::io(path, e))?;
        fsync_dir(dir.as_fd(), path)
    }

    /// Opens and validates the layout at `path`, holding the blob lock
    /// shared.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, LockMode::Shared)
    }

    /// Opens the layout to read nothing but `index.json` (`ls`): no blob
    /// lock is taken, so a running gc (which never changes the index) does
    /// not make it wait. Reading a blob through this handle is still
    /// verified, but may find one a gc just removed.
    pub fn open_index_only(path: &Path) -> Result<Self> {
        Self::open_locking(path, None)
    }

    /// Opens the layout holding the blob lock in `mode`; exclusive is for
    /// garbage collection, which must not run beside writers.
    pub fn open_with(path: &Path, mode: LockMode) -> Result<Self> {
        Self::open_locking(path, Some(mode))
    }

    fn open_locking(path: &Path, mode: Option<LockMode>) -> Result<Self> {
        let dir = open_dir_path(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => invalid(path, "no such directory"),
            _ => LayoutError::io(path, e),
        })?;
        validate(dir.as_fd(), path)?;
        let owner = if rustix::process::geteuid().is_root() {
            let st = rustix::fs::fstat(&dir).map_err(|e| LayoutError::io(path, e.into()))?;
            Some((st.st_uid, st.st_gid))
        } else {
            None
        };
        let blobs = path.join(BLOBS_DIR);
        let lock = match mode {
            None => None,
            Some(mode) => {
                let what = match mode {
                    LockMode::Shared => "the blob lock (a gc is running)",
                    LockMode::Exclusive => "the blob lock (other umoci commands use the layout)",
                };
                Some(DirLock::acquire(&blobs, mode, what)?)
            }
        };
        Ok(Layout {
            root: path.to_owned(),
            dir,
            blobs,
            temp: OnceLock::new(),
            staged: Mutex::new(Vec::new()),
            owner,
            _blob_lock: lock,
        })
    }

    /// The layout directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The layout directory's handle.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// Where the blob with `digest` is stored.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs
            .join(digest.algorithm().name())
            .join(digest.hex())
    }

    /// `blobs/<alg>/<hex>`, relative to the layout directory.
    fn blob_name(digest: &Digest) -> Vec<u8> {
        format!("{BLOBS_DIR}/{}/{}", digest.algorithm().name(), digest.hex()).into_bytes()
    }

    fn temp(&self) -> Result<&TempArea> {
        if let Some(t) = self.temp.get() {
            return Ok(t);
        }
        let area = TempArea::create(self.dir.as_fd(), &self.root)?;
        self.give_to_owner(area.dir(), area.path())?;
        Ok(self.temp.get_or_init(|| area))
    }

    /// Gives a file or directory this handle created to the layout's owner
    /// (see [`Layout::owner`]); nothing when not running as root.
    pub(crate) fn give_to_owner(&self, fd: BorrowedFd<'_>, path: &Path) -> Result<()> {
        let Some((uid, gid)) = self.owner else {
            return Ok(());
        };
        rustix::fs::fchown(
            fd,
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )
        .map_err(|e| LayoutError::io(path, e.into()))
    }

    /// Whether a blob is stored as a regular file, or staged by this
    /// handle. A link at the blob's name does not count: writing the blob
    /// replaces it with a file this layout holds itself.
    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.staged_path(digest).is_some()
            || rustix::fs::statat(
                &self.dir,
                Self::blob_name(digest).as_slice(),
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            )
            .is_ok_and(|st| {
                rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
            })
    }

    /// Whether the layout has the blob `desc` names, of the size it says
    /// (a cheap check, no read: the content is what the digest pins only
    /// once read).
    pub fn has_blob_sized(&self, desc: &Descriptor) -> bool {
        rustix::fs::statat(
            &self.dir,
            Self::blob_name(&desc.digest).as_slice(),
            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
        )
        .is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
                && st.st_size == desc.size
        })
    }

    /// `blobs/<alg>` opened for writing or deleting in it: never through a
    /// symlink, since that could lead outside the layout. Created when
    /// missing if `create` is set; `None` if missing otherwise.
    pub(crate) fn blob_dir_for_change(
        &self,
        algorithm: Algorithm,
        create: bool,
    ) -> Result<Option<OwnedFd>> {
        let refuse = |what: &Path, e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                LayoutError::io(
                    what,
                    std::io::Error::other(format!(
                        "{e}: refusing to write or delete through it, which could reach outside the layout"
                    )),
                )
            } else {
                LayoutError::io(what, e)
            }
        };
        let blobs = open_subdir(self.dir.as_fd(), BLOBS_DIR.as_bytes())
            .map_err(|e| refuse(&self.blobs, e))?;
        let alg_path = self.blobs.join(algorithm.name());
        let name = algorithm.name().as_bytes();
        if create {
            match rustix::fs::mkdirat(&blobs, name, Mode::from_raw_mode(0o755)) {
                Ok(()) => {
                    let made = rustix::fs::openat(
                        &blobs,
                        name,
                        rustix::fs::OFlags::RDONLY
                            | rustix::fs::OFlags::DIRECTORY
                            | rustix::fs::OFlags::NOFOLLOW
                            | rustix::fs::OFlags::CLOEXEC,
                        Mode::empty(),
                    )
                    .map_err(|e| LayoutError::io(&alg_path, e.into()))?;
                    self.give_to_owner(made.as_fd(), &alg_path)?;
                }
                Err(Errno::EXIST) => {}
                Err(e) => return Err(LayoutError::io(&alg_path, e.into())),
            }
        }
        match open_subdir(blobs.as_fd(), name) {
            Ok(fd) => Ok(Some(fd)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => Ok(None),
            Err(e) => Err(refuse(&alg_path, e)),
        }
    }

    fn staged_path(&self, digest: &Digest) -> Option<Vec<u8>> {
        let staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
        staged
            .iter()
            .find(|(d, _)| d == digest)
            .map(|(_, p)| p.clone())
    }

    pub(crate) fn stage(&self, digest: Digest, name: Vec<u8>) {
        self.staged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((digest, name));
    }

    /// Moves every staged blob into `blobs/` and makes the renames durable.
    fn publish_staged(&self) -> Result<()> {
        let staged = std::mem::take(&mut *self.staged.lock().unwrap_or_else(|e| e.into_inner()));
        let Some(temp) = self.temp.get() else {
            return Ok(());
        };
        let mut dirs: Vec<(Algorithm, OwnedFd)> = Vec::new();
        for (digest, name) in staged {
            let algorithm = digest.algorithm();
            if !dirs.iter().any(|(a, _)| *a == algorithm) {
                let dir = self
                    .blob_dir_for_change(algorithm, true)?
                    .expect("created when missing");
                dirs.push((algorithm, dir));
            }
            let (_, dir) = dirs
                .iter()
                .find(|(a, _)| *a == algorithm)
                .expect("just added");
            rustix::fs::renameat(temp.dir(), name.as_slice(), dir, digest.hex())
                .map_err(|e| LayoutError::io(self.blob_path(&digest), e.into()))?;
        }
        dirs.iter()
            .try_for_each(|(a, d)| fsync_dir(d.as_fd(), &self.blobs.join(a.name())))
    }

    /// Opens a blob for streaming, verified against `desc` as it is read.
    /// Fails up front if the blob is missing or is not a regular file.
    pub fn open_blob(&self, desc: &Descriptor) -> Result<VerifiedReader<File>> {
        if desc.size < 0 {
            return Err(LayoutError::BadDescriptor {
                digest: desc.digest.clone(),
                reason: format!("negative size {}", desc.size),
            });
        }
        // Reads may follow links (shared blob directories, Bazel-style
        // layouts): what is read is verified against the digest anyway. It
        // must be a regular file, opened without blocking.
        let staged = self.staged_path(&desc.digest);
        let path = self.blob_path(&desc.digest);
        let opened = match (&staged, self.temp.get()) {
            (Some(name), Some(temp)) => open_regular(temp.dir(), name, Follow::Never),
            _ => open_regular(
                self.dir.as_fd(),
                &Self::blob_name(&desc.digest),
                Follow::Allowed,
            ),
        };
        let file = opened.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LayoutError::BlobMissing(desc.digest.clone()),
            _ => LayoutError::io(&path, e),
        })?;
        let meta = file.metadata().map_err(|e| LayoutError::io(&path, e))?;
        // A stored blob of another size is caught by the reader, which
        // reports a wrong digest before a wrong size, as upstream's does.
        Ok(VerifiedReader::new(file, desc.digest.clone(), desc.size).with_stored_len(meta.len()))
    }

    /// Reads a small (JSON) blob whole, verified.
    pub fn read_blob_bytes(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        if desc.size > MAX_JSON_SIZE {
            return Err(LayoutError::BadDescriptor {
                digest: desc.digest.clone(),
                reason: format!(
                    "size {} exceeds the {} byte limit for JSON blobs",
                    desc.size, MAX_JSON_SIZE
                ),
            });
        }
        let mut reader = self.open_blob(desc)?;
        let mut data = Vec::with_capacity(desc.size.max(0) as usize);
        reader
            .read_to_end(&mut data)
            .map_err(|e| verified::into_layout_error(e, &desc.digest))?;
        Ok(data)
    }

    /// Reads a small blob whole, verified: from the descriptor's embedded
    /// `data` when it carries some (as upstream reads it, so the blob need
    /// not be stored), else from the store.
    pub fn read_blob_or_data(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        let Some(data) = desc.embedded_data() else {
            return self.read_blob_bytes(desc);
        };
        let bad = |reason: String| LayoutError::BadDescriptor {
            digest: desc.digest.clone(),
            reason,
        };
        let data = data.map_err(|e| bad(format!("embedded data is not base64: {e}")))?;
        let actual = Digest::of(desc.digest.algorithm(), &data);
        if actual != desc.digest {
            return Err(bad(format!("embedded data hashes to {actual}")));
        }
        if data.len() as i64 != desc.size {
            return Err(bad(format!(
                "embedded data has {} bytes, not {}",
                data.len(),
                desc.size
            )));
        }
        Ok(data)
    }

    /// Reads and parses a JSON blob, returning the value and its raw bytes.
    pub fn read_json<T: DeserializeOwned>(&self, desc: &Descriptor) -> Result<(T, Vec<u8>)> {
        let data = self.read_blob_bytes(desc)?;
        Ok((parse_blob_json(&data, desc)?, data))
    }

    /// Starts writing a new blob.
    pub fn blob_writer(&self) -> Result<BlobWriter<'_>> {
        let file = self.temp()?.file("blob-")?;
        Ok(BlobWriter::new(file, self))
    }

    /// Stores `bytes` as a blob and returns a descriptor of `media_type`.
    pub fn put_blob_bytes(&self, media_type: &str, bytes: &[u8]) -> Result<Descriptor> {
        let mut w = self.blob_writer()?;
        w.write_all(bytes)
            .map_err(|e| LayoutError::io(&self.blobs, e))?;
        let (digest, size) = w.commit()?;
        log::debug!("put blob {digest} ({size} bytes, {media_type})");
        Ok(Descriptor::new(media_type, digest, size))
    }

    /// Encodes `value` as upstream does and stores it as a blob.
    pub fn put_json<T: Serialize>(&self, media_type: &str, value: &T) -> Result<Descriptor> {
        let bytes = go_json::to_vec(value).map_err(|source| LayoutError::Json {
            what: format!("new {media_type} blob"),
            source,
        })?;
        self.put_blob_bytes(media_type, &bytes)
    }

    /// Reads `index.json`.
    pub fn read_index(&self) -> Result<Index> {
        read_index_file(self.dir.as_fd(), &self.root)
    }

    /// Runs `edit` on the current `index.json` under the exclusive index
    /// lock, then publishes the staged blobs and writes the new index
    /// atomically (scratch file, fsync, rename). If `edit` fails, nothing is
    /// written, and blobs staged so far are discarded with this handle.
    /// `edit` may write blobs.
    ///
    /// The new index is written out before the blobs are published: on a
    /// full disk it is the write that fails, and blobs not yet published
    /// go with the scratch area instead of staying in `blobs/` unreferenced
    /// (renames take no room).
    pub fn update_index<R, E>(&self, edit: impl FnOnce(&mut Index) -> Result<R, E>) -> Result<R, E>
    where
        E: From<LayoutError>,
    {
        let _guard = DirLock::acquire(
            &self.root,
            LockMode::Exclusive,
            "the index lock (another command is changing the tags)",
        )?;
        let mut index = self.read_index()?;
        let result = edit(&mut index)?;
        index.schema_version = 2;
        index.media_type = crate::spec::media_type::IMAGE_INDEX.to_owned();
        // The last moment to stop: after this the tags move. A signal that
        // came during the work, however long, stops it here instead.
        crate::interrupt::check().map_err(LayoutError::from)?;
        let new_index = self.stage_index(&index)?;
        self.publish_staged()?;
        self.commit_index(new_index)?;
        Ok(result)
    }

    /// Writes `index` to a scratch file, synced, ready to be renamed over
    /// `index.json`.
    fn stage_index(&self, index: &Index) -> Result<TempFile<'_>> {
        let bytes = go_json::to_vec(index).map_err(|source| LayoutError::Json {
            what: INDEX_FILE.to_owned(),
            source,
        })?;
        // Errors name the file the user knows, not the scratch file it is
        // written as before the rename.
        let target = self.root.join(INDEX_FILE);
        let mut file = self.temp()?.file("index-")?;
        file.write_all(&bytes)
            .map_err(|e| LayoutError::io(&target, e))?;
        self.give_to_owner(file.as_file().as_fd(), &target)?;
        fsync_file(file.as_file(), &target)?;
        Ok(file)
    }

    /// Renames a staged index over `index.json`.
    fn commit_index(&self, file: TempFile<'_>) -> Result<()> {
        let target = self.root.join(INDEX_FILE);
        file.persist_at(self.dir.as_fd(), INDEX_FILE.as_bytes())
            .map_err(|e| LayoutError::io(&target, e))?;
        fsync_dir(self.dir.as_fd(), &self.root)
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> LayoutError {
    LayoutError::Invalid {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Checks that the directory `dir` (at `path`) holds a layout we
/// understand, without changing it. Its files are read without blocking,
/// as regular files only, and only so far.
fn validate(dir: BorrowedFd<'_>, path: &Path) -> Result<()> {
    let marker_path = path.join(LAYOUT_FILE);
    let marker = match open_regular(dir, LAYOUT_FILE.as_bytes(), Follow::Allowed) {
        Ok(file) => {
            read_capped(file, MAX_MARKER_SIZE).map_err(|e| LayoutError::io(&marker_path, e))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(invalid(path, "no oci-layout file"));
        }
        Err(e) => return Err(LayoutError::io(&marker_path, e)),
    };
    let marker: OciLayoutFile = serde_json::from_slice(&marker)
        .map_err(|e| invalid(path, format!("parse oci-layout: {e}")))?;
    if marker.version != IMAGE_LAYOUT_VERSION {
        return Err(invalid(
            path,
            format!(
                "unsupported imageLayoutVersion {:?} (want {IMAGE_LAYOUT_VERSION})",
                crate::spec::escape::printable(&marker.version)
            ),
        ));
    }
    let is_dir = |name: &str| {
        rustix::fs::statat(dir, name, rustix::fs::AtFlags::empty()).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory
        })
    };
    if !is_dir(BLOBS_DIR) {
        return Err(invalid(path, "blobs is missing or not a directory"));
    }
    let is_file =
        rustix::fs::statat(dir, INDEX_FILE, rustix::fs::AtFlags::empty()).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
        });
    if !is_file {
        return Err(invalid(path, "index.json is missing or not a file"));
    }
    Ok(())
}

fn read_index_file(dir: BorrowedFd<'_>, root: &Path) -> Result<Index> {
    let path = root.join(INDEX_FILE);
    let file =
        open_regular(dir, INDEX_FILE.as_bytes(), Follow::Allowed).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => invalid(root, "index.json is missing"),
            std::io::ErrorKind::InvalidInput => invalid(root, format!("index.json {e}")),
            _ => LayoutError::io(&path, e),
        })?;
    let data = read_capped(file, MAX_JSON_SIZE as u64)
        .map_err(|_| invalid(root, "index.json is larger than 64 MiB"))?;
    let index: Index = serde_json::from_slice(&data).map_err(|source| LayoutError::Json {
        what: path.display().to_string(),
        source,
    })?;
    for desc in &index.manifests {
        if desc.size < 0 {
            return Err(LayoutError::BadDescriptor {
                digest: desc.digest.clone(),
                reason: format!("negative size {} in index.json", desc.size),
            });
        }
    }
    Ok(index)
}

/// Writes a small file and flushes it to disk (used only by `create`).
fn write_file_durably(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| LayoutError::io(path, e))?;
    f.write_all(data).map_err(|e| LayoutError::io(path, e))?;
    fsync_file(&f, path)
}

/// Parses the JSON of the blob `desc` names (read from the store or from
/// the descriptor's embedded data); an error names the blob.
pub fn parse_blob_json<T: DeserializeOwned>(data: &[u8], desc: &Descriptor) -> Result<T> {
    serde_json::from_slice(data).map_err(|source| LayoutError::Json {
        what: format!("blob {}", desc.digest),
        source,
    })
}
