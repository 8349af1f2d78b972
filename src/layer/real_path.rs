//! Where an entry really lands: the in-root path of a directory handle,
//! after the symlinks its tar path went through.
//!
//! Whiteouts spare what the same layer wrote. Upstream records those paths
//! as they resolve (`ln/x` written through `ln -> t` is `t/x`), so a
//! whiteout of `t/x`, or an opaque `t/`, spares it, and a whiteout through
//! a link retargeted since (`ln -> t2`) removes `t2/x`. Recording the tar
//! path instead would delete the layer's own file in the first case and
//! keep a lower one in the second.
//!
//! The kernel names a directory handle's path (`/proc/self/fd/N`); one
//! lookup per directory, since consecutive entries share their parent's
//! handle.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use crate::fs::{RelPath, Root};

/// Resolves directory handles of one root to their in-root paths.
#[derive(Debug, Default)]
pub struct RealPaths {
    /// The root's own path as the kernel names it.
    root: Option<Vec<u8>>,
    /// The last directory handle resolved, and its path.
    last: Option<(Rc<OwnedFd>, RelPath)>,
}

impl RealPaths {
    /// The in-root path of `dir`, the handle `root` gave for `logical`;
    /// `logical` itself when the kernel's name for it does not lie inside
    /// the root (it was moved away, or /proc is not mounted).
    pub fn of(&mut self, root: &Root, logical: &RelPath, dir: &Rc<OwnedFd>) -> RelPath {
        if let Some((last, path)) = &self.last {
            if Rc::ptr_eq(last, dir) {
                return path.clone();
            }
        }
        let real = self
            .resolve(root, dir.as_fd())
            .unwrap_or_else(|| logical.clone());
        self.last = Some((dir.clone(), real.clone()));
        real
    }

    fn resolve(&mut self, root: &Root, dir: BorrowedFd<'_>) -> Option<RelPath> {
        if self.root.is_none() {
            self.root = Some(kernel_path(root.fd())?);
        }
        let root_path = self.root.as_deref()?;
        let path = kernel_path(dir)?;
        if path == root_path {
            return Some(RelPath::root());
        }
        let rest = path.strip_prefix(root_path)?;
        let rest = match root_path {
            b"/" => rest,
            _ => rest.strip_prefix(b"/")?,
        };
        Some(RelPath::clean(rest))
    }
}

/// The path the kernel gives for `fd`; `None` for a directory no longer
/// linked anywhere (told by its link count, not by the " (deleted)" the
/// kernel appends, which a name may also end in).
fn kernel_path(fd: BorrowedFd<'_>) -> Option<Vec<u8>> {
    if rustix::fs::fstat(fd).ok()?.st_nlink == 0 {
        return None;
    }
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let path = std::fs::read_link(link).ok()?;
    let bytes = path.as_os_str().as_bytes();
    bytes.starts_with(b"/").then(|| bytes.to_vec())
}
