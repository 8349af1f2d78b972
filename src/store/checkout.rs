//! The extractor's side of the store, for one unpack: recording layers
//! that are not in the store yet, and checking files out of it.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::AtFlags;
use sha2::{Digest as _, Sha256};

use super::listing::{ListingReader, ListingWriter};
use super::objects::{self, clone_or_copy, object_name, open_content, TempObject};
use super::publish::Publisher;
use super::{Store, StoreError};
use crate::fs::file::{create_new, open_regular, read_capped, AtomicFile, Follow};
use crate::fs::Ownership;
use crate::layer::extract::copy_hashing;
use crate::layer::tar::Header;
use crate::layer::{CreatedFile, Entry, FileContent, FileStore, LayerError};
use crate::spec::Digest;

/// How files are checked out of the store into a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkMode {
    /// A reflink where the file system supports `FICLONE`, else a copy.
    #[default]
    Auto,
    /// A reflink, or an error.
    Reflink,
    /// A copy of the bytes.
    Copy,
    /// A hard link to a store copy carrying the entry's metadata: files
    /// share inodes with the store and other bundles, so they must be
    /// replaced, never edited in place.
    Hardlink,
}

impl LinkMode {
    /// The mode's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            LinkMode::Auto => "auto",
            LinkMode::Reflink => "reflink",
            LinkMode::Copy => "copy",
            LinkMode::Hardlink => "hardlink",
        }
    }

    /// The mode a command-line name means.
    pub fn parse(name: &str) -> Option<LinkMode> {
        [
            LinkMode::Auto,
            LinkMode::Reflink,
            LinkMode::Copy,
            LinkMode::Hardlink,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }
}

/// A listing's (or blob record's) file name: the digest with `:` made `_`.
pub(super) fn listing_name(diff_id: &Digest) -> String {
    diff_id.to_string().replacen(':', "_", 1)
}

/// One unpack's use of a store.
pub struct Checkout<'s> {
    pub(super) store: &'s Store,
    mode: LinkMode,
    /// Whether reflinks work here, once tried.
    pub(super) reflink: Option<bool>,
    /// What of the ownership decides the metadata a link copy carries.
    pub(super) ownership_key: Vec<u8>,
    /// Link copies already linked into this bundle.
    pub(super) linked: HashSet<[u8; 32]>,
    /// How the root is owned.
    pub(super) ownership: Ownership,
    /// Rootless, the caller's user id: every file's host owner.
    pub(super) rootless_uid: Option<u32>,
    /// Layers whose listings are not to be used.
    distrusted: HashSet<Digest>,
    /// Set when a listed object was missing.
    missed: bool,
    /// The listing being recorded, if a layer is being read.
    listing: Option<ListingWriter<BufWriter<AtomicFile<'s>>>>,
    /// Makes objects of the files of the layer being read (reflink and
    /// copy checkouts).
    publisher: Option<Publisher>,
    buf: Vec<u8>,
}

impl<'s> Checkout<'s> {
    /// Starts checking out of `store` with `mode`, for a root written with
    /// `ownership`.
    pub fn new(store: &'s Store, mode: LinkMode, ownership: &Ownership) -> Self {
        Checkout {
            store,
            mode,
            // Hardlink checkouts still copy now and then (a content twice
            // in a bundle, a new link copy): a reflink where it works.
            reflink: match mode {
                LinkMode::Copy => Some(false),
                LinkMode::Auto | LinkMode::Reflink | LinkMode::Hardlink => None,
            },
            ownership_key: format!("{ownership:?}").into_bytes(),
            linked: HashSet::new(),
            ownership: ownership.clone(),
            rootless_uid: ownership
                .opens_up()
                .then(|| rustix::process::geteuid().as_raw()),
            distrusted: HashSet::new(),
            missed: false,
            listing: None,
            publisher: None,
            buf: vec![0u8; 1 << 18],
        }
    }

    /// Notes in the store that `root` (a rootfs) was checked out of it,
    /// so `umoci store fsck` can name the roots sharing a damaged copy.
    pub fn register(&self, root: &std::path::Path) -> Result<(), StoreError> {
        let path = std::fs::canonicalize(root).map_err(StoreError::io("resolve", root))?;
        let mut text = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
        let name = hex::encode(Sha256::digest(&text));
        text.push(b'\n');
        crate::fs::file::write_atomic(self.store.bundles(), name.as_bytes(), &text, 0o600).map_err(
            StoreError::io("register bundle", self.store.shown("bundles")),
        )
    }

    /// Makes [`Checkout::listing`] pass over these layers.
    pub fn distrust(&mut self, layers: &HashSet<Digest>) {
        self.distrusted.extend(layers.iter().cloned());
    }

    /// Whether an object a listing named was missing (the unpack should
    /// then distrust that listing and read the layer).
    pub fn missed_object(&mut self) -> bool {
        std::mem::take(&mut self.missed)
    }

    /// The listing of the layer `diff_id`, if the store has an intact one:
    /// `None` means the layer must be read (and recorded) instead. Its
    /// objects are not looked for here (that would cost a lookup each);
    /// a missing one is noted (see [`Checkout::missed_object`]).
    pub fn listing(
        &self,
        diff_id: &Digest,
    ) -> Result<Option<ListingReader<BufReader<File>>>, StoreError> {
        if self.distrusted.contains(diff_id) {
            return Ok(None);
        }
        let name = listing_name(diff_id);
        let shown = self.store.shown(format!("layers/{name}"));
        let file = match open_listing(self.store.layers(), name.as_bytes()) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(None),
            // Not a listing (planted, or damaged): the layer is read.
            Err(e) => {
                log::warn!("{}: {e}; reading the layer again", shown.display());
                return Ok(None);
            }
        };
        // The seal first: nothing of a damaged listing is applied.
        let sealed = file
            .try_clone()
            .and_then(|f| ListingReader::new(BufReader::new(f))?.try_for_each(|e| e.map(drop)));
        if let Err(e) = sealed {
            log::warn!("{}: {e}; reading the layer again", shown.display());
            return Ok(None);
        }
        use std::io::Seek;
        let mut file = file;
        file.rewind()
            .map_err(StoreError::io("read listing", &shown))?;
        ListingReader::new(BufReader::new(file))
            .map(Some)
            .map_err(StoreError::io("read listing", &shown))
    }

    /// Starts recording the listing of the layer `diff_id` as it is read.
    pub fn start_recording(&mut self, diff_id: &Digest) -> Result<(), StoreError> {
        let name = listing_name(diff_id);
        let shown = self.store.shown(format!("layers/{name}"));
        let file = AtomicFile::create(self.store.layers(), name.as_bytes(), 0o600)
            .map_err(StoreError::io("create listing", &shown))?;
        let writer = ListingWriter::new(BufWriter::with_capacity(1 << 16, file))
            .map_err(StoreError::io("write listing", &shown))?;
        self.listing = Some(writer);
        if self.mode != LinkMode::Hardlink {
            let publisher =
                Publisher::start(self.store, self.reflink, self.mode == LinkMode::Reflink)
                    .map_err(StoreError::io("start", self.store.shown("objects")))?;
            self.publisher = Some(publisher);
        }
        Ok(())
    }

    /// Whether the layer blob `blob` was read by an unpack through this
    /// store and found to be the layer `diff_id`.
    pub fn vouches(&self, blob: &Digest, diff_id: &Digest) -> bool {
        let name = listing_name(blob);
        open_regular(self.store.blobs(), name.as_bytes(), Follow::Never)
            .and_then(|f| read_capped(f, 256))
            .is_ok_and(|text| text == diff_id.to_string().as_bytes())
    }

    /// Makes the listing being recorded visible, and notes that `blob`
    /// is the layer `diff_id`: call only once the layer has been read
    /// whole and its diff ID checked.
    pub fn commit_recording(&mut self, diff_id: &Digest, blob: &Digest) -> Result<(), StoreError> {
        let shown = self
            .store
            .shown(format!("layers/{}", listing_name(diff_id)));
        if let Some(mut publisher) = self.publisher.take() {
            publisher
                .finish()
                .map_err(|e| self.publish_error(e))
                .map_err(StoreError::io(
                    "store the layer's files in",
                    self.store.shown("objects"),
                ))?;
        }
        // The layer is in the bundle whatever happens now: a listing the
        // store cannot keep costs a read of the layer next time, not this
        // unpack.
        let Some(writer) = self.listing.take() else {
            return Ok(());
        };
        let name = listing_name(blob);
        let kept = writer
            .finish()
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .and_then(|file| file.commit())
            .and_then(|()| {
                crate::fs::file::write_atomic(
                    self.store.blobs(),
                    name.as_bytes(),
                    diff_id.to_string().as_bytes(),
                    0o600,
                )
            });
        if let Err(e) = kept {
            log::warn!(
                "{}: the layer {diff_id} could not be recorded: {e}",
                shown.display()
            );
        }
        Ok(())
    }

    /// Says that a failed publish was a reflink asked for.
    fn publish_error(&self, e: io::Error) -> io::Error {
        if self.mode == LinkMode::Reflink {
            io::Error::new(
                e.kind(),
                format!("reflink into the store (--store-link=reflink): {e}"),
            )
        } else {
            e
        }
    }

    /// A file of a layer being read, for a reflink or copy checkout:
    /// written into the bundle as a plain unpack writes it, finished, and
    /// handed to the publisher to become an object.
    fn write_and_publish(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        content: &mut dyn std::io::Read,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<CreatedFile, LayerError> {
        let err = |op| move |e: io::Error| LayerError::io(name, op, e);
        let mut file = create_new(dir, name).map_err(err("create file"))?;
        crate::layer::extract::ensure_room(&file, meta)?;
        let digest = copy_hashing(content, &mut file, meta, &mut self.buf)?;
        finish(file.as_fd())?;
        let ino = rustix::fs::fstat(&file)
            .map_err(|e| err("stat file")(e.into()))?
            .st_ino;
        if let Some(publisher) = &mut self.publisher {
            if let Err(e) = publisher.send(file, digest, meta.size) {
                return Err(err("store file content")(self.publish_error(e)));
            }
        }
        Ok(CreatedFile {
            ino,
            sha256: digest,
        })
    }

    /// The content of the file being created: a store object, or (read
    /// from a layer in hardlink mode) a fresh temporary copy.
    fn content(
        &mut self,
        meta: &Entry,
        content: FileContent<'_>,
    ) -> Result<([u8; 32], Source<'s>), LayerError> {
        let err = |e| LayerError::io(&meta.raw_name, "store file content", e);
        match content {
            FileContent::Stream(reader) => {
                // Hardlink mode: the copy written becomes a link copy
                // itself, so the content is written once.
                let mut temp = TempObject::create(self.store).map_err(err)?;
                crate::layer::extract::ensure_room(&temp.file, meta)?;
                let digest = copy_hashing(reader, &mut temp.file, meta, &mut self.buf)?;
                Ok((digest, Source::Temp(temp)))
            }
            FileContent::Stored(digest) if self.mode == LinkMode::Hardlink => {
                Ok((digest, Source::Lazy(meta.size)))
            }
            FileContent::Stored(digest) => {
                let (file, shared) = self.open_source(&digest, meta.size).map_err(err)?;
                Ok((digest, Source::File(file, shared)))
            }
        }
    }

    /// The file `source` stands for, and whether it must be checked as
    /// it is read (see [`objects::open_content`]).
    pub(super) fn source_file(
        &mut self,
        source: Source<'_>,
        digest: &[u8; 32],
    ) -> io::Result<(File, bool)> {
        match source {
            Source::File(f, shared) => Ok((f, shared)),
            Source::Temp(t) => Ok((t.file.try_clone()?, false)),
            Source::Lazy(size) => self.open_source(digest, size),
        }
    }

    /// Copies `src` (the content `digest`) into `dst`: checked as it is
    /// read when `shared`, else a reflink where possible. A copy that
    /// fails its check counts as missing, so the layer is read instead.
    pub(super) fn copy_content(
        &mut self,
        src: &File,
        shared: bool,
        dst: &File,
        digest: &[u8; 32],
    ) -> io::Result<()> {
        if shared {
            let checked = objects::copy_checked(src, dst, digest, &mut self.reflink);
            if checked
                .as_ref()
                .is_err_and(|e| e.kind() == io::ErrorKind::InvalidData)
            {
                // The layer is read instead, and this name is dropped so
                // that the next copy made of this content is a fresh one
                // (the bundles sharing the inode keep it).
                self.missed = true;
                let _ = rustix::fs::unlinkat(
                    self.store.links(),
                    object_name(digest).as_str(),
                    AtFlags::empty(),
                );
            }
            return checked;
        }
        clone_or_copy(src, dst, &mut self.reflink, self.mode == LinkMode::Reflink)
    }

    /// A readable copy of the content `digest` names, or an error saying
    /// it is missing.
    fn open_source(&mut self, digest: &[u8; 32], size: u64) -> io::Result<(File, bool)> {
        open_content(self.store, digest, size)?.ok_or_else(|| {
            self.missed = true;
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "store object sha256:{} is missing (run umoci store fsck)",
                    object_name(digest)
                ),
            )
        })
    }

    /// A private copy of `source` (the content `digest`, checked as it is
    /// read when `shared`) as `name` in `dir`, finished there.
    pub(super) fn place_copy(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        (source, shared): (&File, bool),
        digest: &[u8; 32],
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<u64, LayerError> {
        let meta_err = |op| move |e: io::Error| LayerError::io(name, op, e);
        let file = create_new(dir, name).map_err(meta_err("create file"))?;
        crate::layer::extract::ensure_room(&file, meta)?;
        self.copy_content(source, shared, &file, digest)
            .map_err(|e| {
                let op = if self.mode == LinkMode::Reflink {
                    "reflink from store (--store-link=reflink)"
                } else {
                    "copy from store"
                };
                meta_err(op)(e)
            })?;
        finish(file.as_fd())?;
        Ok(rustix::fs::fstat(&file)
            .map_err(|e| meta_err("stat file")(e.into()))?
            .st_ino)
    }
}

/// Where a file's content is read from.
pub(super) enum Source<'s> {
    /// An object (or, flagged, a link copy) in the store.
    File(File, bool),
    /// A copy just written, not yet anywhere but `tmp/`.
    Temp(TempObject<'s>),
    /// In the store, opened only if a link will not do (of this size).
    Lazy(u64),
}

impl FileStore for Checkout<'_> {
    fn create_file(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        content: FileContent<'_>,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<CreatedFile, LayerError> {
        let content = match content {
            FileContent::Stream(reader) if self.mode != LinkMode::Hardlink => {
                return self.write_and_publish(dir, name, meta, reader, finish)
            }
            content => content,
        };
        let (digest, source) = self.content(meta, content)?;
        let ino = if self.mode == LinkMode::Hardlink {
            self.place_link(dir, name, meta, &digest, source, finish)
        } else {
            let (source, shared) = self
                .source_file(source, &digest)
                .map_err(|e| LayerError::io(name, "open store object", e))?;
            self.place_copy(dir, name, meta, (&source, shared), &digest, finish)
        }
        .map_err(|e| match e {
            LayerError::Io { op, source, .. } => LayerError::io(&meta.raw_name, op, source),
            e => e,
        })?;
        Ok(CreatedFile {
            ino,
            sha256: digest,
        })
    }

    fn record(&mut self, header: &Header, object: Option<&[u8; 32]>) -> Result<(), LayerError> {
        if let Some(listing) = &mut self.listing {
            listing
                .push(header, object)
                .map_err(|e| LayerError::io(&header.name, "record in store listing", e))?;
        }
        Ok(())
    }
}

/// The longest listing read: a layer of millions of entries stays well
/// below it.
const MAX_LISTING: u64 = 4 << 30;

/// Opens the listing `name` in `dir`: `None` if there is none, an error
/// if what is there is not a regular file of a listing's size at most.
fn open_listing(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<Option<File>> {
    let file = match open_regular(dir, name, Follow::Never) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if file.metadata()?.len() > MAX_LISTING {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too large"));
    }
    Ok(Some(file))
}
