//! Who the tool is to the files it writes and reads in a root: the one
//! place that knows whether it runs privileged or rootless.
//!
//! Privileged, owners are set with `chown` (through the id maps), device
//! nodes are made with `mknod` when we are root, and a mode that denies
//! its owner is respected. Rootless, the files all belong to us: the owner
//! an entry should have is recorded in the `user.rootlesscontainers` xattr
//! instead, devices become empty files, directories stay open to us while
//! a layer is written into them, and an entry that denies its owner access
//! is opened up for the moment we read it and given its mode back.
//!
//! The choice is made once, when a [`super::Root`] is opened; nothing
//! below asks "am I rootless?" again.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use super::idmap::{self, IdMap, IdMapError};
use super::inode::{self, OpenedUp};
use super::rootless::{self, RecordError};
use super::target::Target;

/// Extended attributes by name, as layers carry them.
pub type Xattrs = BTreeMap<Vec<u8>, Vec<u8>>;

/// How owners, devices and unreadable entries are handled in a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    uid_maps: Vec<IdMap>,
    gid_maps: Vec<IdMap>,
    rootless: bool,
    /// Privileged and really root: `mknod` works.
    can_mknod: bool,
}

/// Why an owner could not be set or read.
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// An id the maps do not cover.
    #[error(transparent)]
    Unmapped(#[from] IdMapError),
    /// A recorded owner that cannot be decoded (said in this message,
    /// which layer errors quote).
    #[error("invalid user.rootlesscontainers xattr: {0}")]
    Record(RecordError),
    /// `chown` failed.
    #[error("chown")]
    Chown(#[source] io::Error),
}

impl Default for Ownership {
    /// Privileged, with no id maps.
    fn default() -> Self {
        Ownership::privileged(Vec::new(), Vec::new())
    }
}

impl Ownership {
    /// Owners set with `chown`, container ids translated by the maps
    /// (empty maps mean identity).
    pub fn privileged(uid_maps: Vec<IdMap>, gid_maps: Vec<IdMap>) -> Self {
        Ownership {
            uid_maps,
            gid_maps,
            rootless: false,
            can_mknod: rustix::process::geteuid().is_root(),
        }
    }

    /// Owners recorded in the `user.rootlesscontainers` xattr; the maps
    /// only describe the user namespace the bundle runs in.
    pub fn rootless(uid_maps: Vec<IdMap>, gid_maps: Vec<IdMap>) -> Self {
        Ownership {
            uid_maps,
            gid_maps,
            rootless: true,
            can_mknod: false,
        }
    }

    /// Whether this is rootless ownership (a runtime config for such a
    /// bundle needs its own adjustments).
    pub fn is_rootless(&self) -> bool {
        self.rootless
    }

    /// The uid maps (container to host).
    pub fn uid_maps(&self) -> &[IdMap] {
        &self.uid_maps
    }

    /// The gid maps (container to host).
    pub fn gid_maps(&self) -> &[IdMap] {
        &self.gid_maps
    }

    /// The host owner of the container owner `(uid, gid)`.
    pub fn to_host(&self, uid: u32, gid: u32) -> Result<(u32, u32), IdMapError> {
        Ok((
            idmap::to_host(uid, &self.uid_maps)?,
            idmap::to_host(gid, &self.gid_maps)?,
        ))
    }

    /// Gives `target` the container owner `(uid, gid)`: with `chown`, or,
    /// rootless, as an owner record added to `xattrs` (which the caller
    /// then sets). A record the layer itself carries is never trusted:
    /// rootless it is dropped, privileged it is kept but warned about.
    /// `shown` names the entry in messages.
    pub fn set_owner(
        &self,
        target: Target<'_>,
        uid: u32,
        gid: u32,
        xattrs: &mut Xattrs,
        shown: &[u8],
    ) -> Result<(), OwnerError> {
        let key = rootless::XATTR_NAME.as_bytes();
        if xattrs.contains_key(key) {
            if self.rootless {
                log::warn!(
                    "rootless{{{}}} ignoring special xattr {} stored in layer",
                    String::from_utf8_lossy(shown),
                    rootless::XATTR_NAME
                );
                xattrs.remove(key);
            } else {
                log::warn!(
                    "suspicious layer: saw special xattr {} in non-rootless invocation",
                    rootless::XATTR_NAME
                );
            }
        }
        if self.rootless {
            if let Some(record) = rootless::encode(uid, gid) {
                xattrs.insert(key.to_vec(), record);
            }
            // As upstream: the files are ours, owned by the mapped root,
            // which must therefore exist.
            self.to_host(0, 0)?;
            return Ok(());
        }
        let (uid, gid) = self.to_host(uid, gid)?;
        target.chown(uid, gid).map_err(OwnerError::Chown)
    }

    /// Whether the xattr `key` is this ownership's owner record, read by
    /// [`Ownership::container_owner`] rather than copied into a layer.
    pub fn is_owner_record(&self, key: &[u8]) -> bool {
        self.rootless && key == rootless::XATTR_NAME.as_bytes()
    }

    /// The container owner of a file the host says `host_uid:host_gid`
    /// owns, given its owner record (see [`Ownership::is_owner_record`]).
    pub fn container_owner(
        &self,
        host_uid: u32,
        host_gid: u32,
        record: Option<&[u8]>,
    ) -> Result<(u32, u32), OwnerError> {
        if self.rootless {
            return Ok(record
                .map(rootless::decode)
                .transpose()
                .map_err(OwnerError::Record)?
                .unwrap_or((0, 0)));
        }
        Ok((
            idmap::to_container(host_uid, &self.uid_maps)?,
            idmap::to_container(host_gid, &self.gid_maps)?,
        ))
    }

    /// Whether device nodes can be made (else they become empty files).
    pub fn makes_devices(&self) -> bool {
        self.can_mknod
    }

    /// Whether `EPERM` from `setxattr` is the expected lot of an
    /// unprivileged user (`trusted.*` names, say) and only worth a warning.
    pub fn setxattr_eperm_is_harmless(&self) -> bool {
        !self.can_mknod
    }

    /// The mode a directory is given while layers are written into it,
    /// when it is not its own: rootless, it must stay open to us until
    /// extraction ends, and the caller gives it `mode` then.
    pub fn working_dir_mode(&self, mode: u32) -> Option<u32> {
        self.rootless.then_some(mode | 0o700)
    }

    /// Whether an entry that denies its owner access is opened up to be
    /// read (rootless: we own it and may change its mode, but not bypass
    /// it).
    pub fn opens_up(&self) -> bool {
        self.rootless
    }

    /// Runs `read` on the entry `name` in `dir` (its xattrs, say). Where
    /// the owner is denied and this ownership opens entries up, it runs
    /// again with the entry opened up for reading (through a pinned
    /// handle), which then gets its mode back.
    pub fn reading<T>(
        &self,
        dir: BorrowedFd<'_>,
        name: &[u8],
        mut read: impl FnMut() -> io::Result<T>,
    ) -> io::Result<T> {
        match read() {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && self.rootless => {
                // Not ours to open up (another user's): the denial stands.
                let Ok(Some(opened)) = OpenedUp::for_reading(dir, name) else {
                    return Err(e);
                };
                let result = read();
                opened.restore()?;
                result
            }
            other => other,
        }
    }

    /// Opens the regular file `name` in `dir` for reading, never through a
    /// symlink, opening it up for the open when this ownership does.
    pub fn open_file(&self, dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<File> {
        inode::open_file_opening_up(dir, name, self.rootless)
    }

    /// Opens the subdirectory `name` of `dir` for listing, never through a
    /// symlink, opening it up when this ownership does; the caller
    /// restores the returned mode once done inside.
    pub fn open_dir(
        &self,
        dir: BorrowedFd<'_>,
        name: &[u8],
    ) -> io::Result<(OwnedFd, Option<OpenedUp>)> {
        inode::open_dir_opening_up(dir, name, self.rootless)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn map(text: &str) -> Vec<IdMap> {
        vec![IdMap::parse(text).unwrap()]
    }

    #[test]
    fn rootless_records_owners_and_drops_the_layers_own_record() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"").unwrap();
        let d = File::open(dir.path()).unwrap();
        let own = Ownership::rootless(map("0:1000"), map("0:1000"));
        let mut xattrs = Xattrs::new();
        xattrs.insert(rootless::XATTR_NAME.as_bytes().to_vec(), b"forged".to_vec());
        own.set_owner(Target::At(d.as_fd(), b"f"), 0, 0, &mut xattrs, b"f")
            .unwrap();
        assert!(xattrs.is_empty(), "a 0:0 owner needs no record");
        own.set_owner(Target::At(d.as_fd(), b"f"), 5, 6, &mut xattrs, b"f")
            .unwrap();
        let record = &xattrs[rootless::XATTR_NAME.as_bytes()];
        assert_eq!(own.container_owner(1, 2, Some(record)).unwrap(), (5, 6));
        assert_eq!(own.container_owner(1, 2, None).unwrap(), (0, 0));
        assert!(own.is_owner_record(rootless::XATTR_NAME.as_bytes()));
        assert!(!own.makes_devices());
        assert_eq!(own.working_dir_mode(0o000), Some(0o700));
        assert_eq!(own.working_dir_mode(0o755), Some(0o755));
    }

    #[test]
    fn rootless_needs_a_mapped_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = File::open(dir.path()).unwrap();
        let own = Ownership::rootless(map("1:1000"), map("0:1000"));
        let err = own
            .set_owner(Target::Fd(d.as_fd()), 0, 0, &mut Xattrs::new(), b".")
            .unwrap_err();
        assert!(matches!(err, OwnerError::Unmapped(IdMapError::NoHostId(0))));
    }

    #[test]
    fn privileged_maps_owners_both_ways() {
        let own = Ownership::privileged(map("0:100000:65536"), map("0:200000:65536"));
        assert!(!own.is_owner_record(rootless::XATTR_NAME.as_bytes()));
        assert_eq!(own.to_host(5, 6).unwrap(), (100005, 200006));
        assert_eq!(
            own.container_owner(100005, 200006, Some(b"ignored"))
                .unwrap(),
            (5, 6)
        );
        assert!(matches!(
            own.container_owner(7, 200006, None),
            Err(OwnerError::Unmapped(IdMapError::NoContainerId(7)))
        ));
        assert_eq!(own.working_dir_mode(0o000), None);
        assert!(!own.opens_up());
    }
}
