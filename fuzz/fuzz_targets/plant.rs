//! Shared by the fuzz targets that lay out hostile directories: how a file
//! the tool reads is planted, and a sentinel outside that must survive.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Puts something at `path`, as the selector byte `how` says: the bytes as
/// a regular file, a symlink to `outside`, a FIFO, a directory, a link to
/// `/dev/zero`, or nothing.
pub fn plant(path: &Path, how: u8, bytes: &[u8], outside: &Path) {
    match how % 6 {
        0 => std::fs::write(path, bytes).unwrap(),
        1 => std::os::unix::fs::symlink(outside, path).unwrap(),
        2 => rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap(),
        3 => std::fs::create_dir(path).unwrap(),
        4 => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        _ => {}
    }
}

/// A directory outside the tree under test, with a file in it.
pub struct Sentinel {
    pub dir: PathBuf,
}

impl Sentinel {
    pub fn new(base: &Path) -> Self {
        let dir = base.join("outside");
        std::fs::create_dir(&dir).unwrap();
        let name = "0".repeat(64);
        std::fs::write(dir.join(name), b"precious").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
        Sentinel { dir }
    }

    /// The sentinel file (named like a blob, so a store would see it).
    pub fn file(&self) -> PathBuf {
        self.dir.join("0".repeat(64))
    }

    pub fn assert_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(&self.dir).unwrap().collect();
        assert_eq!(names.len(), 1, "something was written or deleted outside");
        assert_eq!(std::fs::read(self.file()).unwrap(), b"precious");
        let mode = std::fs::metadata(&self.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750, "a mode was changed outside");
    }
}
