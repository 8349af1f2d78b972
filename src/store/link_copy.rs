//! Hardlink checkouts: link copies (`links/<hex>-<key>`), one per
//! content and metadata, hardlinked into bundles; when a link would be
//! wrong, a private copy instead; and the check of what a link brought in.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::AtFlags;
use rustix::io::Errno;
use sha2::{Digest as _, Sha256};

use super::checkout::{Checkout, Source};
use super::objects::{clone_or_copy, object_name, TempObject};
use crate::fs::file::create_new;
use crate::layer::{Entry, LayerError};

impl<'s> Checkout<'s> {
    /// Hardlink mode: links the store's copy of `digest` that carries
    /// `meta`'s metadata (`links/<hex>-<key>`) as `name` in `dir`, making
    /// that copy first if needed. The first copy of a content is also
    /// `links/<hex>`, the content's source when no `objects/<hex>` exists
    /// (a store only ever used with hardlinks writes each file once).
    ///
    /// A private copy is made instead where linking would be wrong: a
    /// copy already linked into this bundle (no two paths of a bundle
    /// share an inode the layer did not link), a file its owner may not
    /// read in a rootless bundle (reading it means opening it up for a
    /// moment, which must not happen to an inode others share), and a
    /// store copy that is not what its name says (planted, or edited in
    /// place: checked by type, size, mode and time once linked, and taken
    /// back out).
    pub(super) fn place_link(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        digest: &[u8; 32],
        source: Source<'s>,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<u64, LayerError> {
        let err = |op| move |e: io::Error| LayerError::io(name, op, e);
        let content = object_name(digest);
        let links = self.store.links();
        let key = self.variant_key(meta, digest);
        let unreadable = self.ownership.opens_up() && meta.mode & 0o400 == 0;
        if !self.linked.insert(key) || unreadable {
            return self.place_private(dir, name, meta, digest, source, finish);
        }
        let variant = format!("{content}-{}", hex::encode(key));
        match rustix::fs::linkat(links, variant.as_str(), dir, name, AtFlags::empty()) {
            Ok(()) => {
                return self.keep_checked_link(dir, name, meta, digest, &variant, source, finish)
            }
            Err(Errno::NOENT) => {}
            // Too many links for the file system: a copy will do.
            Err(Errno::MLINK) => return self.place_private(dir, name, meta, digest, source, finish),
            // Not a file at all (a directory planted there).
            Err(Errno::PERM | Errno::ISDIR) => {
                log::warn!(
                    "store {}: links/{variant} cannot be linked (not a file); using a private copy",
                    self.store.path().display()
                );
                return self.place_private(dir, name, meta, digest, source, finish);
            }
            Err(Errno::XDEV) => {
                return Err(err("hardlink from store")(io::Error::other(
                    "the store and the bundle are on different mounts (--store-link=hardlink needs one)",
                )))
            }
            Err(e) => return Err(err("hardlink from store")(e.into())),
        }
        let mut temp = match source {
            Source::Temp(temp) => temp,
            other => {
                let (file, shared) = self
                    .source_file(other, digest)
                    .map_err(err("open store object"))?;
                let temp = TempObject::create(self.store).map_err(err("create store copy"))?;
                crate::layer::extract::ensure_room(&temp.file, meta)?;
                self.copy_content(&file, shared, &temp.file, digest)
                    .map_err(err("copy store object"))?;
                temp
            }
        };
        finish(temp.file.as_fd())?;
        // Another unpack may have made the same copy meanwhile: theirs is
        // as good (and checked below like any other), and this one goes.
        temp.publish(links, variant.as_bytes())
            .map_err(err("publish store copy"))?;
        match rustix::fs::linkat(
            links,
            variant.as_str(),
            links,
            content.as_str(),
            AtFlags::empty(),
        ) {
            Ok(()) | Err(Errno::EXIST | Errno::MLINK) => {}
            Err(e) => return Err(err("name store copy")(e.into())),
        }
        match rustix::fs::linkat(links, variant.as_str(), dir, name, AtFlags::empty()) {
            Ok(()) => {
                let source = Source::Lazy(meta.size);
                self.keep_checked_link(dir, name, meta, digest, &variant, source, finish)
            }
            Err(Errno::MLINK) => {
                self.place_private(dir, name, meta, digest, Source::Lazy(meta.size), finish)
            }
            Err(e) => Err(err("hardlink from store")(e.into())),
        }
    }

    /// The file just linked as `name` in `dir` from `links/<variant>`,
    /// if it is what the listing says; if not, it is taken back out, with
    /// a warning naming the copy, and a private copy made from `source`.
    #[allow(clippy::too_many_arguments)]
    fn keep_checked_link(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        digest: &[u8; 32],
        variant: &str,
        source: Source<'s>,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<u64, LayerError> {
        let err = |op| move |e: io::Error| LayerError::io(name, op, e);
        let owner = self.expected_owner(meta);
        if let Some(ino) = linked_as_listed(dir, name, meta, owner).map_err(err("stat file"))? {
            return Ok(ino);
        }
        log::warn!(
            "store {}: links/{variant} is not what its name says (planted, or edited in place: see umoci store fsck); using a private copy",
            self.store.path().display()
        );
        rustix::fs::unlinkat(dir, name, AtFlags::empty())
            .map_err(|e| err("remove bad store link")(e.into()))?;
        self.place_private(dir, name, meta, digest, source, finish)
    }

    /// A private copy (see [`Checkout::place_link`]); content written from
    /// the layer is kept in the store all the same.
    fn place_private(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        meta: &Entry,
        digest: &[u8; 32],
        source: Source<'s>,
        finish: &mut dyn FnMut(BorrowedFd<'_>) -> Result<(), LayerError>,
    ) -> Result<u64, LayerError> {
        let err = |op| move |e: io::Error| LayerError::io(name, op, e);
        if let Source::Temp(mut temp) = source {
            // Its metadata is still the store's own (0600): a content
            // copy, the source of later link copies.
            temp.publish(self.store.links(), object_name(digest).as_bytes())
                .map_err(err("publish store copy"))?;
            // Just written, so not on disk yet: a reflink would wait for
            // that, a copy of the bytes does not.
            let file = create_new(dir, name).map_err(err("create file"))?;
            clone_or_copy(&temp.file, &file, &mut Some(false), false)
                .map_err(err("copy from store"))?;
            finish(file.as_fd())?;
            return Ok(rustix::fs::fstat(&file)
                .map_err(|e| err("stat file")(e.into()))?
                .st_ino);
        }
        let (file, shared) = self
            .source_file(source, digest)
            .map_err(err("open store object"))?;
        self.place_copy(dir, name, meta, (&file, shared), digest, finish)
    }

    /// The host owner (user, group) a link copy of `meta` has, where it
    /// is known. Privileged: the entry's owner through the maps (an id of
    /// -1 leaves the owner as it was, as chown does). Rootless: the file is
    /// the caller's, whatever group a setgid directory gave it, and the
    /// container owner is a record in an xattr, which is not compared.
    fn expected_owner(&self, meta: &Entry) -> (Option<u32>, Option<u32>) {
        if self.rootless_uid.is_some() {
            return (self.rootless_uid, None);
        }
        match self.ownership.to_host(meta.uid, meta.gid) {
            Ok((uid, gid)) => (
                (meta.uid != u32::MAX).then_some(uid),
                (meta.gid != u32::MAX).then_some(gid),
            ),
            Err(_) => (None, None),
        }
    }

    /// What a link copy is named by: its content and everything that
    /// decides the metadata the extractor gives it.
    fn variant_key(&self, meta: &Entry, digest: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"umoci link copy 1\0");
        h.update(digest);
        h.update(meta.mode.to_le_bytes());
        h.update(meta.uid.to_le_bytes());
        h.update(meta.gid.to_le_bytes());
        h.update(meta.mtime.sec.to_le_bytes());
        h.update(meta.mtime.nsec.to_le_bytes());
        match meta.atime {
            Some(t) => {
                h.update([1]);
                h.update(t.sec.to_le_bytes());
                h.update(t.nsec.to_le_bytes());
            }
            None => h.update([0]),
        }
        for (k, v) in &meta.xattrs {
            h.update((k.len() as u64).to_le_bytes());
            h.update(k);
            h.update((v.len() as u64).to_le_bytes());
            h.update(v);
        }
        h.update((self.ownership_key.len() as u64).to_le_bytes());
        h.update(&self.ownership_key);
        h.finalize().into()
    }
}

/// The inode number of the file just linked as `name` in `dir`, if it is
/// what the listing says it is: a regular file of its size, mode, owner
/// (`owner`, when known) and modification time (a link copy's own
/// metadata is the entry's). Xattrs are not compared (that would cost
/// reads of each file's on every checkout).
fn linked_as_listed(
    dir: BorrowedFd<'_>,
    name: &[u8],
    meta: &Entry,
    (uid, gid): (Option<u32>, Option<u32>),
) -> io::Result<Option<u64>> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    // A time the file system cannot hold was clamped when the copy was
    // made: only times every file system holds are compared.
    let representable = (-(1i64 << 31)..(1i64 << 31)).contains(&meta.mtime.sec);
    // File systems with whole-second times (ext4 with small inodes) drop
    // the nanoseconds.
    let nsec = st.st_mtime_nsec as u32;
    let same_time = st.st_mtime == meta.mtime.sec && (nsec == meta.mtime.nsec || nsec == 0);
    let fits = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
        && st.st_size as u64 == meta.size
        && st.st_mode & 0o7777 == meta.mode
        && uid.is_none_or(|u| u == st.st_uid)
        && gid.is_none_or(|g| g == st.st_gid)
        && (!representable || same_time);
    Ok(fits.then_some(st.st_ino))
}
