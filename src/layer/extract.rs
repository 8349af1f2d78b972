//! Applying a layer's entries to a root.
//!
//! Follows upstream's `TarExtractor`: paths are cleaned lexically, parent
//! directories are resolved inside the root (so planted symlinks lead
//! nowhere outside it), whatever is in the way is removed unless it is a
//! directory being replaced by a directory, and metadata is applied owner
//! first, then xattrs, mode and times. Directory times that children
//! disturbed are put back at the end of each layer. Regular files are
//! hashed as they are written so the bundle's mtree needs no second read.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec};
use rustix::io::Errno;
use sha2::{Digest as _, Sha256};

use super::entry::{Entry, EntryKind, Time};
use super::error::LayerError;
use super::file_hasher::{self, FileHasher};
use super::file_store::{FileContent, FileStore};
use super::real_path::RealPaths;
use super::tar::{Header, TarReader};
use super::whiteout;
use crate::fs::file::open_subdir;
use crate::fs::inode::Inode;
use crate::fs::root::lstat_at;
use crate::fs::target::Target;
use crate::fs::{remove::remove_all_at, xattr, OwnerError, Ownership, RelPath, Root};

/// Xattrs that are host-specific and never restored from a layer.
const IGNORED_XATTRS: &[&[u8]] = &[b"security.selinux", b"system.nfs4_acl"];

/// Options for extraction (owners are the root's [`Ownership`] to
/// handle).
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Write through an existing symlink-to-directory when a layer has a
    /// directory at that path (`--keep-dirlinks`).
    pub keep_dirlinks: bool,
    /// Counters to bump per entry, if someone is watching.
    pub progress: Option<std::sync::Arc<super::Progress>>,
}

/// Content digests of the regular files written, by inode number, with
/// their sizes: what the mtree needs without reading the files again.
pub type FileHashes = HashMap<u64, (u64, [u8; 32])>;

/// How many path components the held directory times may add up to
/// before they are applied early (a directory touched again later is
/// simply noted again). Counting components, not directories, bounds
/// deep chains too: 2,000 nested directories hold 2 million of them.
const MAX_DIR_TIME_COMPONENTS: usize = 1 << 18;

/// A directory's real mode, held back while extraction keeps it open to
/// its owner (see [`Ownership::working_dir_mode`]).
#[derive(Debug, Clone, Copy)]
struct DeferredMode {
    mode: u32,
    dev: u64,
    ino: u64,
}

/// Applies layers, in order, to one root.
pub struct Extractor<'r> {
    root: &'r Root,
    opts: ExtractOptions,
    upper: whiteout::UpperPaths,
    /// Directories with nothing from lower layers left in them.
    clear: whiteout::ClearDirs,
    dir_times: HashMap<RelPath, (Time, Time)>,
    /// Path components held in `dir_times`.
    dir_times_cost: usize,
    /// Directory modes to apply at the end, with the inode each
    /// belongs to: a path replaced since (by a symlink, say) is skipped.
    deferred_modes: BTreeMap<RelPath, DeferredMode>,
    hashes: FileHasher,
    xattr_unsupported_warned: bool,
    buf: Vec<u8>,
    /// Where entries really land, for the upper paths whiteouts spare.
    real: RealPaths,
    /// Entries applied, and their content bytes, over all layers.
    counted: (u64, u64),
}

impl<'r> Extractor<'r> {
    /// An extractor writing into `root`.
    pub fn new(root: &'r Root, opts: ExtractOptions) -> Self {
        Extractor {
            root,
            opts,
            upper: whiteout::UpperPaths::default(),
            clear: whiteout::ClearDirs::default(),
            dir_times: HashMap::new(),
            dir_times_cost: 0,
            deferred_modes: BTreeMap::new(),
            hashes: FileHasher::new(),
            xattr_unsupported_warned: false,
            buf: vec![0u8; 1 << 18],
            real: RealPaths::default(),
            counted: (0, 0),
        }
    }

    /// Applies one uncompressed layer stream.
    pub fn apply_layer<R: Read>(&mut self, layer: R) -> Result<(), LayerError> {
        self.apply_tar(layer, None)
    }

    /// Applies one uncompressed layer stream with every regular file's
    /// content going through `store`, which is also told of each entry
    /// (see [`FileStore::record`]).
    pub fn record_layer<R: Read>(
        &mut self,
        layer: R,
        store: &mut dyn FileStore,
    ) -> Result<(), LayerError> {
        self.apply_tar(layer, Some(store))
    }

    /// Applies a layer from what a store recorded of it: each entry's
    /// header, and for a regular file the store object with its content.
    /// The tree is the one the layer itself builds.
    pub fn replay_layer(
        &mut self,
        entries: impl Iterator<Item = Result<(Header, Option<[u8; 32]>), LayerError>>,
        store: &mut dyn FileStore,
    ) -> Result<(), LayerError> {
        self.start_layer()?;
        for entry in entries {
            crate::interrupt::check()?;
            let (header, object) = entry?;
            let meta = Entry::from_header(header);
            // A file with no object is a whiteout (or empty): nothing is
            // read for it, and a real file without one comes out short.
            let content = match object {
                Some(object) if meta.kind == EntryKind::File => FileContent::Stored(object),
                _ => FileContent::Stream(&mut io::empty()),
            };
            self.apply_entry(&meta, content, Some(&mut *store))?;
            self.count(&meta);
        }
        self.finish_layer()
    }

    fn start_layer(&mut self) -> Result<(), LayerError> {
        let root_is_empty = self
            .root
            .resolve(&RelPath::root(), OFlags::RDONLY | OFlags::DIRECTORY)
            .and_then(|fd| crate::fs::dir::list_dir(fd.as_fd()))
            .map_err(|e| LayerError::io(b"/", "list root", e))?
            .is_empty();
        self.upper.start_layer(root_is_empty);
        Ok(())
    }

    fn apply_tar<R: Read>(
        &mut self,
        layer: R,
        mut store: Option<&mut dyn FileStore>,
    ) -> Result<(), LayerError> {
        self.start_layer()?;
        let mut tar = TarReader::new(layer);
        while let Some(header) = tar.next_header().map_err(LayerError::Tar)? {
            crate::interrupt::check()?;
            let recorded = store.is_some().then(|| header.clone());
            let meta = Entry::from_header(header);
            // What the entry leaves of its content is skipped by the next
            // call.
            let reborrowed = store.as_mut().map(|s| &mut **s as &mut dyn FileStore);
            let object = self.apply_entry(&meta, FileContent::Stream(&mut tar), reborrowed)?;
            if let (Some(store), Some(header)) = (store.as_mut(), recorded) {
                store.record(&header, object.as_ref())?;
            }
            self.count(&meta);
        }
        self.finish_layer()
    }

    fn count(&mut self, meta: &Entry) {
        self.counted.0 += 1;
        self.counted.1 += meta.size;
        if let Some(progress) = &self.opts.progress {
            progress.entry(meta.size);
        }
    }

    /// Entries applied so far, and their content bytes.
    pub fn counted(&self) -> (u64, u64) {
        self.counted
    }

    /// Finishes extraction: directories kept accessible to their owner
    /// while layers were applied (rootless) get their real modes now
    /// (deepest first, so parents stay searchable). Returns the content digests of the files written.
    pub fn finish(mut self) -> Result<FileHashes, LayerError> {
        let modes = std::mem::take(&mut self.deferred_modes);
        for (path, deferred) in modes.into_iter().rev() {
            match self.chmod_deferred(&path, deferred) {
                Ok(()) => {}
                Err(e) if is_gone(&e) => {}
                Err(e) => return Err(LayerError::io(&path.to_bytes(), "chmod directory", e)),
            }
        }
        self.hashes
            .finish()
            .map_err(|e| LayerError::io(b"/", "hash files", e))
    }

    /// Gives `path` its held-back mode, but only if it is still the very
    /// directory that was extracted there: the path is resolved inside the
    /// root, its final name pinned without following it, and the mode set
    /// through that pin.
    fn chmod_deferred(&self, path: &RelPath, deferred: DeferredMode) -> io::Result<()> {
        let inode = match path.split_last() {
            None => Inode::open_at(self.root.fd(), b".")?,
            Some((parent, name)) => {
                let dir = self.root.open_dir(&parent)?;
                Inode::open_at(dir.as_fd(), name)?
            }
        };
        if inode.file_type() != FileType::Directory || !inode.is(deferred.dev, deferred.ino) {
            log::debug!("{path}: replaced since extraction; its deferred mode is dropped");
            return Ok(());
        }
        inode.chmod(deferred.mode)
    }

    /// Applies one entry; returns the object a store put a regular
    /// file's content in.
    fn apply_entry(
        &mut self,
        meta: &Entry,
        content: FileContent<'_>,
        store: Option<&mut dyn FileStore>,
    ) -> Result<Option<[u8; 32]>, LayerError> {
        let name_bytes = &meta.raw_name;
        let Some((parent_path, name)) = meta.path.split_last() else {
            return self.apply_root_entry(meta).map(|()| None);
        };
        if name.starts_with(whiteout::PREFIX) {
            return self.apply_whiteout(meta, &parent_path, name).map(|()| None);
        }
        if let EntryKind::Unsupported(flag) = meta.kind {
            return Err(LayerError::invalid(
                name_bytes,
                format!("unknown typeflag '\\x{flag:x}'"),
            ));
        }
        let parent = self
            .root
            .mkdir_all_replacing(&parent_path, 0o777)
            .map_err(|e| LayerError::io(name_bytes, "create parent directory", e))?;
        self.note_dir_time(&parent_path, parent.as_fd())?;
        let real_parent = self.real.of(self.root, &parent_path, &parent);

        let existing =
            lstat_at(parent.as_fd(), name).map_err(|e| LayerError::io(name_bytes, "lstat", e))?;
        let mut keep = false;
        let mut dirlink = false;
        if let Some(st) = existing {
            let ftype = FileType::from_raw_mode(st.st_mode);
            if ftype == FileType::Directory && meta.kind == EntryKind::Dir {
                keep = true;
            } else if self.opts.keep_dirlinks
                && ftype == FileType::Symlink
                && meta.kind == EntryKind::Dir
                && self.is_dirlink(&meta.path)
            {
                keep = true;
                dirlink = true;
            } else {
                remove_all_at(parent.as_fd(), name)
                    .map_err(|e| LayerError::io(name_bytes, "clobber old path", e))?;
                self.root.invalidate();
            }
        }

        let dir = parent.as_fd();
        let mut object = None;
        match meta.kind {
            EntryKind::File => match (store, content) {
                (None, FileContent::Stream(content)) => {
                    let file = self.write_file(dir, name, meta, content)?;
                    self.apply_metadata(Target::Fd(file.as_fd()), meta, false, true)?;
                }
                (None, FileContent::Stored(_)) => {
                    return Err(LayerError::invalid(
                        name_bytes,
                        "a stored file needs a store",
                    ))
                }
                (Some(store), content) => {
                    let created = store.create_file(dir, name, meta, content, &mut |fd| {
                        self.apply_metadata(Target::Fd(fd), meta, false, true)
                    })?;
                    self.hashes
                        .known(created.ino, meta.size, created.sha256)
                        .map_err(|e| LayerError::io(name_bytes, "hash file", e))?;
                    object = Some(created.sha256);
                }
            },
            EntryKind::Dir => {
                if !keep {
                    rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(0o700))
                        .map_err(|e| LayerError::io(name_bytes, "mkdir", e))?;
                    if !self.upper.is_everything() {
                        // Made by this layer: nothing lower is beneath it.
                        open_subdir(dir, name)
                            .and_then(|fd| self.clear.insert(fd.as_fd()))
                            .map_err(|e| LayerError::io(name_bytes, "open directory", e))?;
                    }
                }
                self.apply_metadata(Target::At(dir, name), meta, dirlink, !keep)?;
                self.remember_dir_time(meta.path.clone(), times_of(meta))?;
            }
            EntryKind::Symlink => {
                rustix::fs::symlinkat(meta.link.as_slice(), dir, name)
                    .map_err(|e| LayerError::io(name_bytes, "symlink", e))?;
                self.apply_metadata(Target::At(dir, name), meta, true, true)?;
            }
            EntryKind::Hardlink => self.link(dir, name, meta)?,
            EntryKind::Char | EntryKind::Block | EntryKind::Fifo => {
                self.make_node(dir, name, meta)?;
                self.apply_metadata(Target::At(dir, name), meta, false, true)?;
            }
            EntryKind::Unsupported(_) => unreachable!("refused above"),
        }
        self.upper.insert_with_ancestors(&real_parent.join(name));
        Ok(object)
    }

    /// An entry for the root itself may only set the root's metadata.
    fn apply_root_entry(&mut self, meta: &Entry) -> Result<(), LayerError> {
        if meta.kind != EntryKind::Dir {
            return Err(LayerError::invalid(
                &meta.raw_name,
                "malicious tar entry -- refusing to change type of root directory",
            ));
        }
        let fd = self
            .root
            .resolve(&RelPath::root(), OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|e| LayerError::io(&meta.raw_name, "open root", e))?;
        self.apply_metadata(Target::Fd(fd.as_fd()), meta, false, false)?;
        self.remember_dir_time(RelPath::root(), times_of(meta))?;
        self.upper.insert_with_ancestors(&RelPath::root());
        Ok(())
    }

    fn apply_whiteout(
        &mut self,
        meta: &Entry,
        parent_path: &RelPath,
        name: &[u8],
    ) -> Result<(), LayerError> {
        let target = if name == whiteout::OPAQUE {
            None
        } else {
            let target = &name[whiteout::PREFIX.len()..];
            if target.is_empty() || target == b"." || target == b".." {
                return Err(LayerError::invalid(
                    &meta.raw_name,
                    "invalid whiteout: it names no file inside its directory",
                ));
            }
            Some(target)
        };
        if self.upper.is_everything() {
            // Nothing lies below this layer; all there is is its own.
            return Ok(());
        }
        let parent = match self.root.open_dir_lexically(parent_path) {
            Ok(fd) => fd,
            // Nothing there to white out.
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => {
                return Err(LayerError::io(
                    &meta.raw_name,
                    "resolve whiteout directory",
                    e,
                ))
            }
        };
        self.note_dir_time(parent_path, parent.as_fd())?;
        let real_parent = self.real.of(self.root, parent_path, &parent);
        whiteout::apply(
            &self.upper,
            &mut self.clear,
            parent.as_fd(),
            &real_parent,
            target,
        )
        .map_err(|e| LayerError::io(&meta.raw_name, "apply whiteout", e))?;
        self.root.invalidate();
        Ok(())
    }

    fn write_file(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        content: &mut dyn Read,
    ) -> Result<File, LayerError> {
        let mut file = crate::fs::file::create_new(dir, name)
            .map_err(|e| LayerError::io(&meta.raw_name, "create file", e))?;
        ensure_room(&file, meta)?;
        // The digest is kept for the mtree walk, sparing it a read of the
        // file; big files are hashed on the hasher's thread.
        let hash_err = |e| LayerError::io(&meta.raw_name, "hash file", e);
        if meta.size >= file_hasher::THREAD_MIN {
            let number = self.hashes.start().map_err(hash_err)?;
            copy_to_hasher(content, &mut file, meta, &mut self.hashes, number)?;
            let ino = inode_of(&file, meta)?;
            self.hashes.end(number, ino, meta.size).map_err(hash_err)?;
        } else {
            let digest = copy_hashing(content, &mut file, meta, &mut self.buf)?;
            if meta.size > 0 {
                let ino = inode_of(&file, meta)?;
                self.hashes
                    .known(ino, meta.size, digest)
                    .map_err(hash_err)?;
            }
        }
        Ok(file)
    }

    fn link(&mut self, dir: BorrowedFd<'_>, name: &[u8], meta: &Entry) -> Result<(), LayerError> {
        let target = RelPath::clean(&meta.link);
        let Some((target_dir, target_name)) = target.split_last() else {
            return Err(LayerError::invalid(
                &meta.raw_name,
                "hardlink to the root directory",
            ));
        };
        let target_fd = self
            .root
            .open_dir_lexically(&target_dir)
            .map_err(|e| LayerError::io(&meta.raw_name, "resolve hardlink target", e))?;
        rustix::fs::linkat(target_fd.as_fd(), target_name, dir, name, AtFlags::empty())
            .map_err(|e| LayerError::io(&meta.raw_name, "hardlink", e))
    }

    fn make_node(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
    ) -> Result<(), LayerError> {
        let device = matches!(meta.kind, EntryKind::Char | EntryKind::Block);
        if device && !self.ownership().makes_devices() {
            log::warn!(
                "rootless{{{}}} creating empty file in place of device {}:{}",
                String::from_utf8_lossy(&meta.raw_name),
                meta.dev.0,
                meta.dev.1
            );
            let fd = rustix::fs::openat(
                dir,
                name,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| LayerError::io(&meta.raw_name, "create device placeholder", e))?;
            drop(fd);
            return Ok(());
        }
        let ftype = match meta.kind {
            EntryKind::Char => FileType::CharacterDevice,
            EntryKind::Block => FileType::BlockDevice,
            _ => FileType::Fifo,
        };
        let dev = rustix::fs::makedev(meta.dev.0, meta.dev.1);
        rustix::fs::mknodat(
            dir,
            name,
            ftype,
            Mode::from_raw_mode(meta.mode & 0o777),
            dev,
        )
        .map_err(|e| LayerError::io(&meta.raw_name, "mknod", e))
    }

    fn ownership(&self) -> &'r Ownership {
        self.root.ownership()
    }

    /// Whether `path` resolves (inside the root) to a directory.
    fn is_dirlink(&self, path: &RelPath) -> bool {
        self.root
            .resolve(path, OFlags::PATH | OFlags::DIRECTORY)
            .is_ok()
    }

    fn apply_metadata(
        &mut self,
        target: Target<'_>,
        meta: &Entry,
        is_symlink: bool,
        fresh: bool,
    ) -> Result<(), LayerError> {
        let name = &meta.raw_name;
        let mut xattrs = meta.xattrs.clone();
        self.root
            .ownership()
            .set_owner(target, meta.uid, meta.gid, &mut xattrs, name)
            .map_err(|e| match e {
                OwnerError::Chown(e) => LayerError::io(name, "chown", e),
                e => LayerError::invalid(name, e.to_string()),
            })?;
        self.apply_xattrs(target, meta, &xattrs, fresh)?;
        if !is_symlink {
            let mut mode = meta.mode;
            if meta.kind == EntryKind::Dir {
                // Held back whenever the ownership keeps directories open
                // (even when the mode is the same): a later entry for the
                // same directory must replace an earlier held-back mode.
                if let Some(working) = self.ownership().working_dir_mode(mode) {
                    let st = target.stat().map_err(|e| LayerError::io(name, "stat", e))?;
                    self.deferred_modes.insert(
                        meta.path.clone(),
                        DeferredMode {
                            mode,
                            dev: st.st_dev,
                            ino: st.st_ino,
                        },
                    );
                    mode = working;
                }
            }
            target
                .chmod(mode)
                .map_err(|e| LayerError::io(name, "chmod", e))?;
        }
        let (atime, mtime) = times_of(meta);
        set_times(target, atime, mtime).map_err(|e| LayerError::io(name, "set times", e))
    }

    fn apply_xattrs(
        &mut self,
        target: Target<'_>,
        meta: &Entry,
        xattrs: &BTreeMap<Vec<u8>, Vec<u8>>,
        fresh: bool,
    ) -> Result<(), LayerError> {
        let name = &meta.raw_name;
        let (dir, entry) = target.dir_and_name();
        if !fresh {
            match xattr::list(dir, entry) {
                Ok(existing) => {
                    for key in existing {
                        if !IGNORED_XATTRS.contains(&key.as_slice()) && !xattrs.contains_key(&key) {
                            xattr::remove(dir, entry, &key)
                                .map_err(|e| LayerError::io(name, "clear xattr", e))?;
                        }
                    }
                }
                Err(e) => return Err(LayerError::io(name, "list xattrs", e)),
            }
        }
        for (key, value) in xattrs {
            if IGNORED_XATTRS.contains(&key.as_slice()) {
                log::warn!(
                    "xattr{{{}}} ignoring forbidden xattr: {:?}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(key)
                );
                continue;
            }
            match xattr::set(dir, entry, key, value) {
                Ok(()) => {}
                Err(e)
                    if e.raw_os_error() == Some(Errno::PERM.raw_os_error())
                        && self.ownership().setxattr_eperm_is_harmless() =>
                {
                    log::warn!(
                        "rootless{{{}}} ignoring (usually) harmless EPERM on setxattr {:?}",
                        String::from_utf8_lossy(name),
                        String::from_utf8_lossy(key)
                    );
                }
                Err(e) if e.raw_os_error() == Some(Errno::NOTSUP.raw_os_error()) => {
                    if !self.xattr_unsupported_warned {
                        log::warn!("xattr{{{}}} ignoring ENOTSUP on setxattr {:?}: destination filesystem does not support xattrs, further warnings will be suppressed", String::from_utf8_lossy(name), String::from_utf8_lossy(key));
                        self.xattr_unsupported_warned = true;
                    }
                }
                Err(e) => return Err(LayerError::io(name, "set xattr", e)),
            }
        }
        Ok(())
    }

    /// Remembers a directory's times before this layer changes its
    /// contents, so they can be put back.
    fn note_dir_time(&mut self, path: &RelPath, fd: BorrowedFd<'_>) -> Result<(), LayerError> {
        if self.dir_times.contains_key(path) {
            return Ok(());
        }
        let st = rustix::fs::fstat(fd)
            .map_err(|e| LayerError::io(&path.to_bytes(), "stat directory", e))?;
        let atime = Time {
            sec: st.st_atime,
            nsec: st.st_atime_nsec as u32,
        };
        let mtime = Time {
            sec: st.st_mtime,
            nsec: st.st_mtime_nsec as u32,
        };
        self.remember_dir_time(path.clone(), (atime, mtime))
    }

    /// Holds `times` for `path` until the layer ends, or until too many
    /// are held: then all are applied at once. That is safe because a
    /// directory this layer touches again afterwards is noted again, with
    /// the times just applied.
    fn remember_dir_time(&mut self, path: RelPath, times: (Time, Time)) -> Result<(), LayerError> {
        let cost = path.depth() + 1;
        if self.dir_times.insert(path, times).is_none() {
            self.dir_times_cost += cost;
        }
        if self.dir_times_cost >= MAX_DIR_TIME_COMPONENTS {
            self.apply_dir_times()?;
        }
        Ok(())
    }

    fn finish_layer(&mut self) -> Result<(), LayerError> {
        self.apply_dir_times()?;
        self.upper = whiteout::UpperPaths::default();
        self.clear.start_layer();
        self.root.invalidate();
        Ok(())
    }

    fn apply_dir_times(&mut self) -> Result<(), LayerError> {
        let times = std::mem::take(&mut self.dir_times);
        self.dir_times_cost = 0;
        for (path, (atime, mtime)) in times {
            // Only onto a directory: an entry that replaced the directory
            // later in the layer keeps its own times (upstream's result),
            // and with a store its inode may be shared with other bundles.
            let restore = |t: Target<'_>| match t.stat() {
                Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {
                    set_times(t, atime, mtime)
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            match self.with_target(&path, restore) {
                Ok(()) => {}
                Err(e) if is_gone(&e) => {}
                Err(e) => {
                    return Err(LayerError::io(
                        &path.to_bytes(),
                        "restore directory times",
                        e,
                    ))
                }
            }
        }
        Ok(())
    }

    /// Runs `f` on `path` inside the root (the root itself through an open
    /// descriptor, anything else as a name in its resolved parent).
    fn with_target(
        &self,
        path: &RelPath,
        f: impl FnOnce(Target<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        match path.split_last() {
            None => {
                let fd = self
                    .root
                    .resolve(path, OFlags::RDONLY | OFlags::DIRECTORY)?;
                f(Target::Fd(fd.as_fd()))
            }
            Some((parent, name)) => {
                let dir = self.root.open_dir(&parent)?;
                f(Target::At(dir.as_fd(), name))
            }
        }
    }
}

/// ENOENT or ENOTDIR: the path is simply not there (any more).
/// Files at least this large are checked against the free space first.
const ROOM_CHECK_SIZE: u64 = 64 << 20;

/// Refuses a file that cannot fit: a GNU sparse entry can describe an
/// exabyte of holes in a few bytes of layer, and writing it out would only
/// end when the disk is full.
/// Copies a regular file's content, the `meta.size` bytes `content` holds,
/// to `out` through `buf`, and returns its SHA-256. A failed read is the
/// layer's error, a failed write the entry's, and so is a short file.
pub(crate) fn copy_hashing(
    content: &mut dyn Read,
    out: &mut File,
    meta: &Entry,
    buf: &mut [u8],
) -> Result<[u8; 32], LayerError> {
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    loop {
        let n = read_content(content, buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        write_content(out, meta, &buf[..n])?;
        written += n as u64;
    }
    check_size(meta, written)?;
    Ok(hasher.finalize().into())
}

/// Copies a regular file's content, the `meta.size` bytes `content` holds,
/// to `out`, handing each buffer written on to `hasher` as part of file
/// `number`. Errors as [`copy_hashing`]'s.
fn copy_to_hasher(
    content: &mut dyn Read,
    out: &mut File,
    meta: &Entry,
    hasher: &mut FileHasher,
    number: u64,
) -> Result<(), LayerError> {
    let mut written = 0u64;
    loop {
        let mut buf = hasher.buffer();
        let n = read_content(content, &mut buf)?;
        if n == 0 {
            break;
        }
        write_content(out, meta, &buf[..n])?;
        hasher
            .data(number, buf, n)
            .map_err(|e| LayerError::io(&meta.raw_name, "hash file", e))?;
        written += n as u64;
    }
    check_size(meta, written)
}

/// The next bytes of a file's content into `buf`, 0 at its end (checking
/// for an interrupt first). A failed read is the layer's error.
fn read_content(content: &mut dyn Read, buf: &mut [u8]) -> Result<usize, LayerError> {
    loop {
        crate::interrupt::check()?;
        match content.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            read => return read.map_err(LayerError::Read),
        }
    }
}

/// Writes `bytes` of a file's content; a failed write is the entry's error.
fn write_content(out: &mut File, meta: &Entry, bytes: &[u8]) -> Result<(), LayerError> {
    out.write_all(bytes)
        .map_err(|e| LayerError::io(&meta.raw_name, "write file", e))
}

/// A file written short of its header's size is the entry's error.
fn check_size(meta: &Entry, written: u64) -> Result<(), LayerError> {
    if written != meta.size {
        return Err(LayerError::invalid(
            &meta.raw_name,
            format!("short file: {written} of {} bytes", meta.size),
        ));
    }
    Ok(())
}

/// The inode number of a file just written.
fn inode_of(file: &File, meta: &Entry) -> Result<u64, LayerError> {
    rustix::fs::fstat(file)
        .map(|st| st.st_ino)
        .map_err(|e| LayerError::io(&meta.raw_name, "stat file", e))
}

/// Only files of [`ROOM_CHECK_SIZE`] or more are checked.
pub(crate) fn ensure_room(file: &File, meta: &Entry) -> Result<(), LayerError> {
    if meta.size < ROOM_CHECK_SIZE {
        return Ok(());
    }
    let st = rustix::fs::fstatvfs(file).map_err(|e| LayerError::io(&meta.raw_name, "statfs", e))?;
    let blocks = if rustix::process::geteuid().is_root() {
        st.f_bfree
    } else {
        st.f_bavail
    };
    let free = blocks.saturating_mul(st.f_frsize);
    if meta.size > free {
        return Err(LayerError::invalid(
            &meta.raw_name,
            format!(
                "file of {} bytes does not fit in the {free} bytes free",
                meta.size
            ),
        ));
    }
    Ok(())
}

fn is_missing(e: &io::Error) -> bool {
    let code = e.raw_os_error();
    code == Some(Errno::NOENT.raw_os_error()) || code == Some(Errno::NOTDIR.raw_os_error())
}

/// Whether a directory recorded earlier is no longer there to finish: it
/// is missing, or its path now loops (a later entry made `x` a link to
/// `x`), which names no directory either.
fn is_gone(e: &io::Error) -> bool {
    is_missing(e) || e.raw_os_error() == Some(Errno::LOOP.raw_os_error())
}

fn times_of(meta: &Entry) -> (Time, Time) {
    (meta.atime.unwrap_or(meta.mtime), meta.mtime)
}

/// Sets an entry's times (a symlink's own).
fn set_times(target: Target<'_>, atime: Time, mtime: Time) -> io::Result<()> {
    let ts = |t: Time| Timespec {
        tv_sec: t.sec,
        tv_nsec: t.nsec as _,
    };
    target.set_times(ts(atime), ts(mtime))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// A tar of `entries`: `(name, kind, mode, content or link target)`.
    fn layer(entries: &[(&str, tar::EntryType, u32, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for &(name, kind, mode, data) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_mtime(1_600_000_000);
            let body = if kind == tar::EntryType::Regular {
                data.as_bytes()
            } else {
                b""
            };
            h.set_size(body.len() as u64);
            if kind == tar::EntryType::Symlink {
                b.append_link(&mut h, name, data).unwrap();
            } else {
                b.append_data(&mut h, name, body).unwrap();
            }
        }
        b.into_inner().unwrap()
    }

    fn extract(ownership: Ownership, layers: &[Vec<u8>]) -> (tempfile::TempDir, FileHashes) {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::open(dir.path(), ownership).unwrap();
        let mut extractor = Extractor::new(&root, ExtractOptions::default());
        for l in layers {
            extractor.apply_layer(l.as_slice()).unwrap();
        }
        let hashes = extractor.finish().unwrap();
        (dir, hashes)
    }

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[test]
    fn rootless_directories_take_their_last_entrys_mode_at_the_end() {
        use tar::EntryType::Directory as D;
        let lower = layer(&[
            ("d/", D, 0o500, ""),
            ("x/", D, 0o500, ""),
            ("x/", D, 0o755, ""),
        ]);
        let upper = layer(&[("d/", D, 0o755, ""), ("e/", D, 0o000, "")]);
        let (dir, _) = extract(Ownership::rootless(Vec::new(), Vec::new()), &[lower, upper]);
        assert_eq!(mode(&dir.path().join("d")), 0o755);
        assert_eq!(mode(&dir.path().join("x")), 0o755);
        assert_eq!(mode(&dir.path().join("e")), 0o000);
        std::fs::set_permissions(dir.path().join("e"), std::fs::Permissions::from_mode(0o700))
            .unwrap();
    }

    #[test]
    fn files_are_hashed_as_written_and_what_is_in_the_way_is_replaced() {
        use tar::EntryType::{Directory as D, Regular as F, Symlink as L};
        let lower = layer(&[("a", L, 0o777, "/etc"), ("b/", D, 0o755, "")]);
        let upper = layer(&[("a", F, 0o640, "hello"), ("b", F, 0o600, "")]);
        let (dir, hashes) = extract(Ownership::default(), &[lower, upper]);
        let a = dir.path().join("a");
        assert_eq!(std::fs::read(&a).unwrap(), b"hello");
        assert_eq!(mode(&a), 0o640);
        let ino = std::fs::metadata(&a).unwrap().ino();
        let digest: [u8; 32] = Sha256::digest(b"hello").into();
        assert_eq!(hashes.get(&ino), Some(&(5, digest)));
        assert!(std::fs::symlink_metadata(dir.path().join("b"))
            .unwrap()
            .is_file());
        let mtime = std::fs::metadata(&a).unwrap().mtime();
        assert_eq!(mtime, 1_600_000_000);
    }

    #[test]
    fn rootless_devices_become_empty_files_and_owners_become_records() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Char);
        h.set_device_major(1).unwrap();
        h.set_device_minor(3).unwrap();
        h.set_mode(0o666);
        h.set_size(0);
        b.append_data(&mut h, "null", &b""[..]).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(1000);
        h.set_gid(100);
        h.set_size(0);
        b.append_data(&mut h, "owned", &b""[..]).unwrap();
        let tar = b.into_inner().unwrap();
        let (dir, _) = extract(Ownership::rootless(Vec::new(), Vec::new()), &[tar]);
        let null = std::fs::symlink_metadata(dir.path().join("null")).unwrap();
        assert!(null.is_file() && null.len() == 0);
        let d = std::fs::File::open(dir.path()).unwrap();
        let record = crate::fs::xattr::get(
            d.as_fd(),
            b"owned",
            crate::fs::rootless::XATTR_NAME.as_bytes(),
        )
        .unwrap();
        assert_eq!(crate::fs::rootless::decode(&record).unwrap(), (1000, 100));
    }

    #[test]
    fn an_entry_cannot_change_the_type_of_the_root() {
        let (dir, _) = extract(Ownership::default(), &[]);
        let root = Root::open(dir.path(), Ownership::default()).unwrap();
        let mut extractor = Extractor::new(&root, ExtractOptions::default());
        let bad = layer(&[("./", tar::EntryType::Regular, 0o644, "")]);
        let err = extractor.apply_layer(bad.as_slice()).unwrap_err();
        assert!(err.to_string().contains("type of root directory"), "{err}");
    }
}
