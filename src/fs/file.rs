//! Reading and writing the tool's own files (a layout's `index.json`, a
//! bundle's `umoci.json`, `config.json` and mtree) relative to a directory
//! handle, so that nothing an attacker plants there can redirect them.
//!
//! - Reads open non-blocking (a FIFO never hangs us), accept regular files
//!   only, and stop at a size cap (a link to `/dev/zero` never fills
//!   memory). Whether the final name may be a symlink is the caller's
//!   choice: a layout may share blobs through links, a bundle may not.
//! - Writes create a fresh temporary name with `O_CREAT|O_EXCL|O_NOFOLLOW`
//!   and `renameat` it into place: a rename replaces a planted symlink
//!   rather than following it, and a reader sees the old file or the new
//!   one, never half of one.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;

/// Whether a read may follow a symlink in the final component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Refuse a symlink (`ELOOP`).
    Never,
    /// Follow it: the content is verified some other way (a blob's digest).
    Allowed,
}

/// Opens `name` in `dir` for reading, only if it is a regular file
/// (anything else is `InvalidInput` with a message saying what it is).
/// The name is first pinned with `O_PATH`, which opens nothing: a FIFO
/// cannot block us and a device node (behind a link, say) is never opened
/// for real, with whatever side effects that has.
pub fn open_regular(dir: BorrowedFd<'_>, name: &[u8], follow: Follow) -> io::Result<File> {
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if follow == Follow::Never {
        flags |= OFlags::NOFOLLOW;
    }
    let pinned = rustix::fs::openat(dir, name, flags, Mode::empty())?;
    reopen_regular(&pinned)
}

/// Opens the regular file `pinned` (an `O_PATH` handle) for reading,
/// non-blocking; anything else is refused without being opened.
pub fn reopen_regular(pinned: &OwnedFd) -> io::Result<File> {
    ensure_regular(pinned)?;
    let fd = rustix::fs::open(
        super::inode::proc_fd_path(pinned.as_fd()),
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(File::from(fd))
}

/// [`open_regular`] for a path the user named: links in its directories
/// are followed as for any argument; the final name as `follow` says.
pub fn open_regular_path(path: &std::path::Path, follow: Follow) -> io::Result<File> {
    let (dir, name) = split_path(path)?;
    open_regular(dir.as_fd(), name, follow)
}

/// Writes `data` to the file at `path` atomically (see [`AtomicFile`]).
pub fn write_atomic_path(path: &std::path::Path, data: &[u8], mode: u32) -> io::Result<()> {
    let (dir, name) = split_path(path)?;
    write_atomic(dir.as_fd(), name, data, mode)
}

/// The directory holding `path`, opened, and the final name (`.` is the
/// directory of a bare name).
pub fn split_path(path: &std::path::Path) -> io::Result<(OwnedFd, &[u8])> {
    use std::os::unix::ffi::OsStrExt;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "names no file"))?
        .as_bytes();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    Ok((open_dir_path(parent)?, name))
}

/// Fails unless `fd` is a regular file.
pub fn ensure_regular(fd: &OwnedFd) -> io::Result<()> {
    let st = rustix::fs::fstat(fd)?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => Ok(()),
        other => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("is a {}, not a regular file", type_name(other)),
        )),
    }
}

/// Creates the new file `name` in `dir`, mode 0600 until its metadata is
/// applied: never through a symlink, never over anything; open for
/// reading too (a reflink needs its source readable).
pub fn create_new(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<File> {
    Ok(File::from(rustix::fs::openat(
        dir,
        name,
        OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )?))
}

/// The SHA-256 of all `reader` holds, read through `buf`; stops at a
/// signal (see [`crate::interrupt`]).
pub fn sha256_of_reader(mut reader: impl Read, buf: &mut [u8]) -> io::Result<[u8; 32]> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    loop {
        crate::interrupt::check_io()?;
        match reader.read(buf) {
            Ok(0) => return Ok(hasher.finalize().into()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads `reader` to the end, failing past `max` bytes.
pub fn read_capped(reader: impl Read, max: u64) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {max} bytes allowed"),
        ));
    }
    Ok(data)
}

/// Reads one line (newline included) into `line`, failing with
/// `InvalidData` rather than reading on past `max` bytes: a file that is one
/// endless line must not fill memory. Returns the bytes read, 0 at the end.
pub fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut String,
    max: u64,
) -> io::Result<usize> {
    let n = reader.take(max.saturating_add(1)).read_line(line)?;
    if n as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("longer than {max} bytes"),
        ));
    }
    Ok(n)
}

/// A human name for a file type, for errors.
pub fn type_name(t: FileType) -> &'static str {
    match t {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symlink",
        FileType::Fifo => "FIFO",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character device",
        FileType::BlockDevice => "block device",
        FileType::Unknown => "file of unknown type",
    }
}

/// A file being written under a temporary name in a directory; it takes
/// its real name only at [`AtomicFile::commit`], and is removed if dropped
/// before that.
pub struct AtomicFile<'d> {
    dir: BorrowedFd<'d>,
    temp: Vec<u8>,
    name: Vec<u8>,
    file: Option<File>,
}

impl<'d> AtomicFile<'d> {
    /// Starts writing `name` in `dir` with permission bits `mode`.
    pub fn create(dir: BorrowedFd<'d>, name: &[u8], mode: u32) -> io::Result<Self> {
        let mut attempt = 0u32;
        loop {
            let mut prefix = b".".to_vec();
            prefix.extend_from_slice(name);
            prefix.extend_from_slice(b".tmp-");
            let temp = unique_name(&prefix, attempt);
            match rustix::fs::openat(
                dir,
                temp.as_slice(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(mode),
            ) {
                Ok(fd) => {
                    // The umask may have taken bits away; say exactly.
                    rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
                    return Ok(AtomicFile {
                        dir,
                        temp,
                        name: name.to_vec(),
                        file: Some(File::from(fd)),
                    });
                }
                Err(Errno::EXIST) if attempt < 100 => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The file being written.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("present until commit")
    }

    /// Flushes the data to disk and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take().expect("present until commit");
        file.sync_all()?;
        drop(file);
        rustix::fs::renameat(
            self.dir,
            self.temp.as_slice(),
            self.dir,
            self.name.as_slice(),
        )?;
        self.temp.clear();
        Ok(())
    }
}

impl Write for AtomicFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Drop for AtomicFile<'_> {
    fn drop(&mut self) {
        if !self.temp.is_empty() {
            let _ =
                rustix::fs::unlinkat(self.dir, self.temp.as_slice(), rustix::fs::AtFlags::empty());
        }
    }
}

/// A name that no other process (nor this one, a moment ago) picks:
/// `prefix`, then the process id, the clock's nanoseconds and `attempt`.
/// Callers create it with `O_EXCL` and retry with the next attempt.
pub fn unique_name(prefix: &[u8], attempt: u32) -> Vec<u8> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut name = prefix.to_vec();
    name.extend_from_slice(
        format!(
            "{}-{:08x}-{}-{attempt}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )
        .as_bytes(),
    );
    name
}

/// Writes `data` as `name` in `dir`, atomically (see [`AtomicFile`]).
pub fn write_atomic(dir: BorrowedFd<'_>, name: &[u8], data: &[u8], mode: u32) -> io::Result<()> {
    let mut file = AtomicFile::create(dir, name, mode)?;
    file.write_all(data)?;
    file.commit()
}

/// Opens a directory the user named (following links in the path, as any
/// tool does for its arguments) as an `O_PATH` handle.
pub fn open_dir_path(path: &std::path::Path) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        path,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Opens `name` in `dir` as a directory handle, refusing a symlink.
pub fn open_subdir(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<OwnedFd> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| match e {
        Errno::LOOP | Errno::NOTDIR => match crate::fs::root::lstat_at(dir, name) {
            Ok(Some(st)) => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "is a {}, not a directory",
                    type_name(FileType::from_raw_mode(st.st_mode))
                ),
            ),
            _ => e.into(),
        },
        e => e.into(),
    })
}

/// Flushes a directory (renames and unlinks in it) to disk.
pub fn sync_dir(dir: BorrowedFd<'_>) -> io::Result<()> {
    let fd = rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    rustix::fs::fsync(&fd)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_regular(
        dir: BorrowedFd<'_>,
        name: &[u8],
        follow: Follow,
        max: u64,
    ) -> io::Result<Vec<u8>> {
        read_capped(open_regular(dir, name, follow)?, max)
    }

    fn dir() -> (tempfile::TempDir, File) {
        let t = tempfile::tempdir().unwrap();
        let f = File::open(t.path()).unwrap();
        (t, f)
    }

    #[test]
    fn reads_refuse_fifos_links_and_big_files() {
        let (t, d) = dir();
        rustix::fs::mknodat(
            d.as_fd(),
            "fifo",
            FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        std::os::unix::fs::symlink("/dev/zero", t.path().join("zero")).unwrap();
        std::fs::write(t.path().join("big"), vec![b'x'; 100]).unwrap();
        std::os::unix::fs::symlink("big", t.path().join("link")).unwrap();
        let err = read_regular(d.as_fd(), b"fifo", Follow::Allowed, 10).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let err = read_regular(d.as_fd(), b"zero", Follow::Allowed, 10).unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
        assert!(read_regular(d.as_fd(), b"big", Follow::Never, 10).is_err());
        assert_eq!(
            read_regular(d.as_fd(), b"big", Follow::Never, 100)
                .unwrap()
                .len(),
            100
        );
        assert!(read_regular(d.as_fd(), b"link", Follow::Never, 100).is_err());
        assert!(read_regular(d.as_fd(), b"link", Follow::Allowed, 100).is_ok());
    }

    #[test]
    fn atomic_writes_replace_planted_links() {
        let (t, d) = dir();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, t.path().join("out")).unwrap();
        write_atomic(d.as_fd(), b"out", b"new", 0o644).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(t.path().join("out")).unwrap(), b"new");
        assert!(std::fs::symlink_metadata(t.path().join("out"))
            .unwrap()
            .is_file());
        let names: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
    }
}
