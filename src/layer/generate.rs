//! Writing layer tars from a tree: entries read relative to a [`Root`]
//! (never following symlinks out of it), owners mapped back to the
//! container (through id maps, or the rootless owner xattr), xattrs as PAX
//! `SCHILY.xattr.*` records, hard links kept as links, mtimes clamped to
//! `SOURCE_DATE_EPOCH`, and whiteouts for removals. Headers carry nothing
//! host-specific (no user or group names, no atime), so the same tree gives
//! the same bytes.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;

use rustix::fs::{AtFlags, FileType, OFlags};

use super::error::LayerError;
use super::extract::MapOptions;
use super::whiteout;
use crate::fs::idmap;
use crate::fs::inode::{open_file_opening_up, OpenedUpScope};
use crate::fs::{rootless, xattr, RelPath, Root};

/// Xattrs never copied into layers (host-specific).
const SKIPPED_XATTRS: &[&[u8]] = &[b"security.selinux", b"system.nfs4_acl"];

/// Options for layer generation.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// How host owners map back into the container.
    pub map: MapOptions,
    /// `SOURCE_DATE_EPOCH`: newer mtimes are clamped to it.
    pub clamp_mtime: Option<i64>,
    /// Counters to bump per entry, if someone is watching.
    pub progress: Option<std::sync::Arc<super::Progress>>,
}

/// A layer tar being written.
pub struct LayerTar<W: Write> {
    builder: tar::Builder<W>,
    opts: GenerateOptions,
    /// First tar name written for each multiply-linked inode.
    links: HashMap<(u64, u64), Vec<u8>>,
}

impl<W: Write> LayerTar<W> {
    /// Starts a tar written to `out`.
    pub fn new(out: W, opts: GenerateOptions) -> Self {
        LayerTar {
            builder: tar::Builder::new(out),
            opts,
            links: HashMap::new(),
        }
    }

    /// Adds the entry at `path` in `root` under the name `tar_name`
    /// (directories get a trailing `/`).
    pub fn add(&mut self, root: &Root, path: &RelPath, tar_name: &[u8]) -> Result<(), LayerError> {
        let err = |op: &'static str| move |e: io::Error| LayerError::io(tar_name, op, e);
        refuse_whiteout_name(tar_name)?;
        // Directories opened up on the way (rootless), restored on return.
        let mut opened_up = OpenedUpScope::default();
        let (dir, name, st) = match path.split_last() {
            None => {
                let dir = root
                    .resolve(path, OFlags::RDONLY | OFlags::DIRECTORY)
                    .map_err(err("open root"))?;
                let st =
                    rustix::fs::fstat(&dir).map_err(|e| LayerError::io(tar_name, "lstat", e))?;
                (std::rc::Rc::new(dir), Vec::new(), st)
            }
            Some((parent, name)) => {
                let lstat = |dir: &std::os::fd::OwnedFd| -> io::Result<rustix::fs::Stat> {
                    Ok(rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?)
                };
                let found = match root.open_dir(&parent) {
                    Ok(dir) => lstat(&dir).map(|st| (dir, st)).map_err(|e| ("lstat", e)),
                    Err(e) => Err(("open parent", e)),
                };
                let (dir, st) = match found {
                    Ok(found) => found,
                    // A directory on the way denies its owner a search
                    // (rootless): open them up, and look again.
                    Err((_, e))
                        if e.kind() == io::ErrorKind::PermissionDenied
                            && self.opts.map.rootless =>
                    {
                        let dir = root
                            .open_dir_opening_up(&parent, &mut opened_up)
                            .map_err(err("open parent"))?;
                        let st = lstat(&dir).map_err(err("lstat"))?;
                        (dir, st)
                    }
                    Err((op, e)) => return Err(LayerError::io(tar_name, op, e)),
                };
                (dir, name.to_vec(), st)
            }
        };
        let dir = dir.as_fd();
        let ftype = FileType::from_raw_mode(st.st_mode);
        if let Some(progress) = &self.opts.progress {
            progress.entry(if ftype == FileType::RegularFile {
                st.st_size as u64
            } else {
                0
            });
        }

        let mut xattrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut owner_from_xattr = None;
        for key in xattr::list(dir, &name).map_err(err("list xattrs"))? {
            if SKIPPED_XATTRS.contains(&key.as_slice()) {
                continue;
            }
            let value = xattr::get(dir, &name, &key).map_err(err("read xattr"))?;
            if key == rootless::XATTR_NAME.as_bytes() && self.opts.map.rootless {
                owner_from_xattr =
                    Some(rootless::decode(&value).map_err(|e| LayerError::invalid(tar_name, e))?);
                continue;
            }
            xattrs.push((key, value));
        }
        let (uid, gid) = if self.opts.map.rootless {
            owner_from_xattr.unwrap_or((0, 0))
        } else {
            let bad = |e: idmap::IdMapError| LayerError::invalid(tar_name, e.to_string());
            (
                idmap::to_container(st.st_uid, &self.opts.map.uid_mappings).map_err(bad)?,
                idmap::to_container(st.st_gid, &self.opts.map.gid_mappings).map_err(bad)?,
            )
        };
        let mut mtime = st.st_mtime.max(0);
        if let Some(clamp) = self.opts.clamp_mtime {
            mtime = mtime.min(clamp);
        }
        let mut header = tar::Header::new_ustar();
        header.set_mode(st.st_mode & 0o7777);
        header.set_uid(uid.into());
        header.set_gid(gid.into());
        header.set_mtime(mtime as u64);
        header.set_size(0);

        let path_name = os(tar_name);
        if !xattrs.is_empty() {
            let records: Vec<(String, &[u8])> = xattrs
                .iter()
                .map(|(k, v)| {
                    (
                        format!("SCHILY.xattr.{}", String::from_utf8_lossy(k)),
                        v.as_slice(),
                    )
                })
                .collect();
            self.builder
                .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), *v)))
                .map_err(err("write PAX header"))?;
        }
        match ftype {
            FileType::RegularFile => {
                let key = (st.st_dev, st.st_ino);
                if st.st_nlink > 1 {
                    if let Some(first) = self.links.get(&key) {
                        header.set_entry_type(tar::EntryType::Link);
                        let target = os(first.as_slice()).to_owned();
                        return self
                            .builder
                            .append_link(&mut header, path_name, target)
                            .map_err(err("write hardlink"));
                    }
                    self.links.insert(key, tar_name.to_vec());
                }
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(st.st_size as u64);
                let file = open_file_opening_up(dir, name.as_slice(), self.opts.map.rootless)
                    .map_err(|e| LayerError::io(tar_name, "open", e))?;
                let mut exact = ExactReader {
                    inner: file.take(st.st_size as u64),
                    left: st.st_size as u64,
                };
                self.builder
                    .append_data(&mut header, path_name, &mut exact)
                    .map_err(err("write file"))
            }
            FileType::Directory => {
                header.set_entry_type(tar::EntryType::Directory);
                let mut dir_name = tar_name.to_vec();
                if !dir_name.ends_with(b"/") {
                    dir_name.push(b'/');
                }
                let dir_name = os(dir_name.as_slice()).to_owned();
                self.builder
                    .append_data(&mut header, dir_name, io::empty())
                    .map_err(err("write directory"))
            }
            FileType::Symlink => {
                header.set_entry_type(tar::EntryType::Symlink);
                let target = rustix::fs::readlinkat(dir, name.as_slice(), Vec::new())
                    .map_err(|e| LayerError::io(tar_name, "readlink", e))?;
                let target = os(target.as_bytes()).to_owned();
                self.builder
                    .append_link(&mut header, path_name, target)
                    .map_err(err("write symlink"))
            }
            FileType::CharacterDevice | FileType::BlockDevice | FileType::Fifo => {
                header.set_entry_type(match ftype {
                    FileType::CharacterDevice => tar::EntryType::Char,
                    FileType::BlockDevice => tar::EntryType::Block,
                    _ => tar::EntryType::Fifo,
                });
                if ftype != FileType::Fifo {
                    header
                        .set_device_major(rustix::fs::major(st.st_rdev))
                        .map_err(err("device major"))?;
                    header
                        .set_device_minor(rustix::fs::minor(st.st_rdev))
                        .map_err(err("device minor"))?;
                }
                self.builder
                    .append_data(&mut header, path_name, io::empty())
                    .map_err(err("write node"))
            }
            _ => {
                log::warn!(
                    "tar generate: skipping {}: sockets cannot be stored in a layer",
                    String::from_utf8_lossy(tar_name)
                );
                Ok(())
            }
        }
    }

    /// Adds a whiteout for `tar_name` (`dir/name` → `dir/.wh.name`), or an
    /// opaque marker inside the directory `tar_name` when `opaque`.
    pub fn add_whiteout(&mut self, tar_name: &[u8], opaque: bool) -> Result<(), LayerError> {
        let trimmed: &[u8] = tar_name.strip_suffix(b"/").unwrap_or(tar_name);
        if !opaque {
            // A whiteout of a whiteout means nothing.
            refuse_whiteout_name(trimmed)?;
        }
        let name = if opaque {
            let mut n = trimmed.to_vec();
            if !n.is_empty() {
                n.push(b'/');
            }
            n.extend_from_slice(whiteout::OPAQUE);
            n
        } else {
            let (dir, base) = match trimmed.iter().rposition(|&b| b == b'/') {
                Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
                None => (&b""[..], trimmed),
            };
            [dir, whiteout::PREFIX, base].concat()
        };
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(0);
        header.set_mtime(0);
        let path = os(name.as_slice()).to_owned();
        self.builder
            .append_data(&mut header, path, io::empty())
            .map_err(|e| LayerError::io(&name, "write whiteout", e))
    }

    /// Writes the end-of-archive marker and returns the output.
    pub fn finish(self) -> io::Result<W> {
        self.builder.into_inner()
    }
}

/// Bytes as a path for the tar builder.
fn os(bytes: &[u8]) -> &std::ffi::OsStr {
    <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes)
}

/// Reads exactly `left` bytes or fails: a file that shrinks while it is
/// being archived must not produce a corrupt tar.
struct ExactReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while it was being archived",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A file whose name starts with `.wh.` cannot go into a layer: every
/// reader would take it for a whiteout and delete something instead.
fn refuse_whiteout_name(tar_name: &[u8]) -> Result<(), LayerError> {
    let trimmed = tar_name.strip_suffix(b"/").unwrap_or(tar_name);
    let base = trimmed.rsplit(|&b| b == b'/').next().unwrap_or(trimmed);
    if base.starts_with(whiteout::PREFIX) {
        return Err(LayerError::invalid(
            tar_name,
            "invalid path has whiteout prefix \".wh.\"",
        ));
    }
    Ok(())
}
