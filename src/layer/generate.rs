//! Writing layer tars from a tree: entries read relative to a [`Root`]
//! (never following symlinks out of it), owners mapped back to the
//! container as the root's [`Ownership`] says, xattrs as PAX
//! `SCHILY.xattr.*` records, hard links kept as links, mtimes clamped to
//! `SOURCE_DATE_EPOCH`, and whiteouts for removals. Headers carry nothing
//! host-specific (no user or group names, no atime), so the same tree gives
//! the same bytes.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;

use rustix::fs::{FileType, OFlags};

use super::error::LayerError;
use super::tar::{flag, write_padding, TarHeader, BLOCK};
use super::whiteout;
use crate::fs::inode::OpenedUpScope;
#[cfg(doc)]
use crate::fs::Ownership;
use crate::fs::{xattr, RelPath, Root};

/// Xattrs never copied into layers (host-specific).
const SKIPPED_XATTRS: &[&[u8]] = &[b"security.selinux", b"system.nfs4_acl"];

/// Options for layer generation (owners are the root's [`Ownership`] to
/// map back).
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// `SOURCE_DATE_EPOCH`: newer mtimes are clamped to it.
    pub clamp_mtime: Option<i64>,
    /// Counters to bump per entry, if someone is watching.
    pub progress: Option<std::sync::Arc<super::Progress>>,
}

/// A layer tar being written.
pub struct LayerTar<W: Write> {
    out: W,
    opts: GenerateOptions,
    /// First tar name written for each multiply-linked inode.
    links: HashMap<(u64, u64), Vec<u8>>,
    /// Files' content passes through here on its way to `out`.
    copy_buf: Vec<u8>,
}

/// Size of [`LayerTar::copy_buf`]. `io::copy`'s own 8 KiB buffer made a
/// repack of the bench image's whole rootfs call read(2) 92,667 times;
/// this makes it 16,631 (mostly one read a file and one for its end).
const COPY_BUF: usize = 128 * 1024;

impl<W: Write> LayerTar<W> {
    /// Starts a tar written to `out`.
    pub fn new(out: W, opts: GenerateOptions) -> Self {
        LayerTar {
            out,
            opts,
            links: HashMap::new(),
            copy_buf: vec![0u8; COPY_BUF],
        }
    }

    /// Adds the entry at `path` in `root` under the name `tar_name`: a
    /// directory's name gets a trailing `/`, except the root's `.`, as
    /// upstream names them.
    pub fn add(&mut self, root: &Root, path: &RelPath, tar_name: &[u8]) -> Result<(), LayerError> {
        let err = |op: &'static str| move |e: io::Error| LayerError::pack_io(tar_name, op, e);
        crate::interrupt::check()?;
        refuse_whiteout_name(tar_name)?;
        // Directories opened up on the way (rootless), restored on return.
        let mut opened_up = OpenedUpScope::default();
        let (dir, name, st) = match path.split_last() {
            None => {
                let dir = root
                    .resolve(path, OFlags::RDONLY | OFlags::DIRECTORY)
                    .map_err(err("open root"))?;
                let st = rustix::fs::fstat(&dir)
                    .map_err(|e| LayerError::pack_io(tar_name, "lstat", e))?;
                (std::rc::Rc::new(dir), Vec::new(), st)
            }
            Some((parent, name)) => {
                let (dir, st) = root
                    .lstat_in(&parent, name, &mut opened_up)
                    .map_err(|(op, e)| LayerError::pack_io(tar_name, op, e))?;
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
        let flag = match ftype {
            FileType::RegularFile => flag::REGULAR,
            FileType::Directory => flag::DIR,
            FileType::Symlink => flag::SYMLINK,
            FileType::CharacterDevice => flag::CHAR,
            FileType::BlockDevice => flag::BLOCK,
            FileType::Fifo => flag::FIFO,
            _ => {
                log::warn!(
                    "tar generate: skipping {}: sockets cannot be stored in a layer",
                    String::from_utf8_lossy(tar_name)
                );
                return Ok(());
            }
        };

        let ownership = root.ownership();
        let mut xattrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut owner_record = None;
        // Reading `user.*` xattrs takes read permission: rootless, an
        // entry that denies its owner is opened up for the read.
        let all = ownership
            .reading(dir, &name, || xattr::read_all(dir, &name))
            .map_err(err("read xattrs"))?;
        for (key, value) in all {
            if SKIPPED_XATTRS.contains(&key.as_slice()) {
                continue;
            }
            if ownership.is_owner_record(&key) {
                owner_record = Some(value);
                continue;
            }
            if value.is_empty() {
                // PAX cannot say "empty"; upstream leaves these out too.
                log::warn!(
                    "xattr{{{}}} ignoring empty-valued xattr {:?}: disallowed by PAX standard",
                    String::from_utf8_lossy(tar_name),
                    String::from_utf8_lossy(&key)
                );
                continue;
            }
            xattrs.push((key, value));
        }
        let (uid, gid) = ownership
            .container_owner(st.st_uid, st.st_gid, owner_record.as_deref())
            .map_err(|e| LayerError::pack_invalid(tar_name, e.to_string()))?;
        let mut mtime = st.st_mtime;
        if let Some(clamp) = self.opts.clamp_mtime {
            mtime = mtime.min(clamp);
        }
        let entry_name = if ftype == FileType::Directory && tar_name != b"." {
            [tar_name, b"/"].concat()
        } else {
            tar_name.to_vec()
        };
        let symlink_target;
        let mut header = TarHeader {
            name: &entry_name,
            flag,
            mode: st.st_mode & 0o7777,
            uid: uid.into(),
            gid: gid.into(),
            mtime,
            xattrs: &xattrs,
            ..Default::default()
        };
        match ftype {
            FileType::RegularFile => header.size = st.st_size as u64,
            FileType::Symlink => {
                symlink_target = rustix::fs::readlinkat(dir, name.as_slice(), Vec::new())
                    .map_err(|e| LayerError::pack_io(tar_name, "readlink", e))?;
                header.link_name = symlink_target.as_bytes();
            }
            FileType::CharacterDevice | FileType::BlockDevice => {
                header.dev_major = rustix::fs::major(st.st_rdev).into();
                header.dev_minor = rustix::fs::minor(st.st_rdev).into();
            }
            _ => {}
        }
        // Any inode met again is a hard link to its first name, whatever
        // its type (symlinks and FIFOs too), as upstream records them.
        let first_name;
        if ftype != FileType::Directory && st.st_nlink > 1 {
            let key = (st.st_dev, st.st_ino);
            if let Some(first) = self.links.get(&key) {
                first_name = first.clone();
                header.flag = flag::LINK;
                header.link_name = &first_name;
                header.size = 0;
            } else {
                self.links.insert(key, entry_name.clone());
            }
        }
        header
            .write_to(&mut self.out)
            .map_err(err("write header"))?;
        if header.flag != flag::REGULAR || header.size == 0 {
            return Ok(());
        }
        let file = ownership
            .open_file(dir, name.as_slice())
            .map_err(|e| LayerError::pack_io(tar_name, "open", e))?;
        let mut exact = ExactReader {
            inner: file.take(header.size),
            left: header.size,
        };
        copy(&mut exact, &mut self.out, &mut self.copy_buf).map_err(err("write file"))?;
        write_padding(&mut self.out, header.size).map_err(err("write file"))
    }

    /// Adds a whiteout for `tar_name` (`dir/name` → `dir/.wh.name`), or an
    /// opaque marker inside the directory `tar_name` when `opaque`. Its
    /// header is all zeros but the name, as upstream writes it.
    pub fn add_whiteout(&mut self, tar_name: &[u8], opaque: bool) -> Result<(), LayerError> {
        let trimmed: &[u8] = tar_name.strip_suffix(b"/").unwrap_or(tar_name);
        if !opaque {
            // A whiteout of a whiteout means nothing.
            refuse_whiteout_name(trimmed)?;
        }
        let name = if opaque {
            let mut n = Vec::new();
            if !trimmed.is_empty() && trimmed != b"." {
                n.extend_from_slice(trimmed);
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
        let header = TarHeader {
            name: &name,
            flag: flag::REGULAR,
            ..Default::default()
        };
        header
            .write_to(&mut self.out)
            .map_err(|e| LayerError::pack_io(&name, "write whiteout", e))
    }

    /// Writes the end-of-archive marker (two zero blocks) and returns the
    /// output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&[0u8; 2 * BLOCK])?;
        Ok(self.out)
    }
}

/// Copies all of `from` to `to` through `buf`.
fn copy(from: &mut impl Read, to: &mut impl Write, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match from.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => to.write_all(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
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
        return Err(LayerError::pack_invalid(
            tar_name,
            "invalid path has whiteout prefix \".wh.\"",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::Ownership;
    use crate::layer::tar::TarReader;

    /// `(flag, name, link name, size, uid, mtime)` of every entry.
    fn listing(tar: &[u8]) -> Vec<(u8, String, String, i64, i64, i64)> {
        let mut reader = TarReader::new(tar);
        let mut out = Vec::new();
        while let Some(h) = reader.next_header().unwrap() {
            out.push((
                h.flag,
                String::from_utf8(h.name).unwrap(),
                String::from_utf8(h.link_name).unwrap(),
                h.size,
                h.uid,
                h.mtime.sec,
            ));
        }
        out
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir(p.join("d")).unwrap();
        std::fs::write(p.join("d/f"), b"data").unwrap();
        std::fs::hard_link(p.join("d/f"), p.join("d/g")).unwrap();
        std::os::unix::fs::symlink("f", p.join("d/l")).unwrap();
        dir
    }

    fn pack(root: &Root, paths: &[&str], opts: GenerateOptions) -> Vec<u8> {
        let mut tar = LayerTar::new(Vec::new(), opts);
        for p in paths {
            tar.add(root, &RelPath::clean(p.as_bytes()), p.as_bytes())
                .unwrap();
        }
        tar.add_whiteout(b"gone", false).unwrap();
        tar.add_whiteout(b"d", true).unwrap();
        tar.finish().unwrap()
    }

    #[test]
    fn entries_links_and_whiteouts_are_named_as_upstream_names_them() {
        let dir = tree();
        let root = Root::open(dir.path(), Ownership::default()).unwrap();
        let tar = pack(
            &root,
            &["d", "d/f", "d/g", "d/l"],
            GenerateOptions::default(),
        );
        let names: Vec<(u8, String, String, i64)> = listing(&tar)
            .into_iter()
            .map(|(f, n, l, s, _, _)| (f, n, l, s))
            .collect();
        assert_eq!(
            names,
            [
                (flag::DIR, "d/".into(), "".into(), 0),
                (flag::REGULAR, "d/f".into(), "".into(), 4),
                (flag::LINK, "d/g".into(), "d/f".into(), 0),
                (flag::SYMLINK, "d/l".into(), "f".into(), 0),
                (flag::REGULAR, ".wh.gone".into(), "".into(), 0),
                (flag::REGULAR, "d/.wh..wh..opq".into(), "".into(), 0),
            ]
        );
        // The same tree gives the same bytes.
        let again = pack(
            &root,
            &["d", "d/f", "d/g", "d/l"],
            GenerateOptions::default(),
        );
        assert_eq!(tar, again);
    }

    #[test]
    fn mtimes_clamp_and_owners_map_back_into_the_container() {
        let dir = tree();
        let own = rustix::process::geteuid().as_raw();
        let maps = vec![crate::fs::IdMap {
            container_id: 7,
            host_id: own,
            size: 1,
        }];
        let root = Root::open(dir.path(), Ownership::privileged(maps.clone(), maps)).unwrap();
        let opts = GenerateOptions {
            clamp_mtime: Some(1000),
            progress: None,
        };
        let entries = listing(&pack(&root, &["d/f"], opts));
        let (_, _, _, _, uid, mtime) = entries.iter().find(|e| e.1 == "d/f").unwrap();
        assert_eq!((*uid, *mtime), (7, 1000));
    }

    #[test]
    fn names_that_read_as_whiteouts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".wh.x"), b"").unwrap();
        let root = Root::open(dir.path(), Ownership::default()).unwrap();
        let mut tar = LayerTar::new(Vec::new(), GenerateOptions::default());
        let err = tar
            .add(&root, &RelPath::clean(b".wh.x"), b".wh.x")
            .unwrap_err();
        assert!(err.to_string().contains("whiteout prefix"), "{err}");
    }
}
