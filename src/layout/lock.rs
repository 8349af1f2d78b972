//! Advisory locks that keep concurrent processes from corrupting a layout.
//!
//! Two locks, always taken in this order:
//! - the *blob lock* on `blobs/`: every process that reads or writes blobs
//!   holds it shared for its whole life; `gc` holds it exclusive, so it never
//!   deletes a blob another process has just written but not yet tagged;
//! - the *index lock* on the layout directory: held exclusive around every
//!   read-modify-write of `index.json`, so no tag update is lost.
//!
//! Both are `flock(2)` locks on directory descriptors: no lock files to leave
//! behind, and released by the kernel if the process dies.
//!
//! Anyone who can open the layout for reading can take such a lock, and
//! hold it for ever. So a lock is waited for, with a warning after a
//! second, only up to a limit (ten minutes, or `UMOCI_LOCK_TIMEOUT`
//! seconds): then the command fails naming the directory, instead of
//! hanging.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::{flock, FlockOperation, OFlags};

use super::error::{LayoutError, Result};

/// How a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Many holders at once.
    Shared,
    /// One holder, excluding all others.
    Exclusive,
}

/// A held `flock` on a directory; released on drop.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Waits until `dir` is locked in `mode` (see the module for how long);
    /// `what` names the lock and what its holder is doing, for the message
    /// a wait of more than a second prints.
    pub fn acquire(dir: &Path, mode: LockMode, what: &str) -> Result<Self> {
        Self::acquire_open(open_dir(dir)?, dir, mode, what)
    }

    /// [`DirLock::acquire`] for a directory already open as `file`;
    /// `dir` names it in messages.
    pub fn acquire_open(file: File, dir: &Path, mode: LockMode, what: &str) -> Result<Self> {
        let op = match mode {
            LockMode::Shared => FlockOperation::NonBlockingLockShared,
            LockMode::Exclusive => FlockOperation::NonBlockingLockExclusive,
        };
        let limit = wait_limit();
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        let mut warned = false;
        loop {
            match flock(&file, op) {
                Ok(()) => return Ok(DirLock { _file: file }),
                Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(LayoutError::io(dir, e.into())),
            }
            crate::interrupt::check()?;
            let waited = started.elapsed();
            if waited >= limit {
                return Err(LayoutError::LockTimeout {
                    path: dir.to_owned(),
                    waited_secs: waited.as_secs(),
                });
            }
            if !warned && waited >= Duration::from_secs(1) {
                log::warn!(
                    "waiting for another process to release {what} on {} (up to {} s; UMOCI_LOCK_TIMEOUT sets how long)",
                    dir.display(),
                    limit.as_secs()
                );
                warned = true;
            }
            std::thread::sleep(pause.min(limit - waited));
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// Locks the open directory `dir` exclusively if nobody holds it;
    /// `None` if somebody does.
    pub fn try_exclusive(dir: OwnedFd) -> std::io::Result<Option<Self>> {
        let file = File::from(dir);
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(DirLock { _file: file })),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// How long a lock is waited for unless `UMOCI_LOCK_TIMEOUT` says.
const DEFAULT_WAIT: Duration = Duration::from_secs(600);
/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// `UMOCI_LOCK_TIMEOUT` (whole seconds), else [`DEFAULT_WAIT`]; a value
/// that is not a number of seconds is named in a warning, not obeyed.
fn wait_limit() -> Duration {
    let Some(value) = std::env::var_os("UMOCI_LOCK_TIMEOUT") else {
        return DEFAULT_WAIT;
    };
    match value.to_str().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(secs) => Duration::from_secs(secs),
        None => {
            log::warn!(
                "ignoring UMOCI_LOCK_TIMEOUT={value:?}: not a whole number of seconds; waiting up to {} s",
                DEFAULT_WAIT.as_secs()
            );
            DEFAULT_WAIT
        }
    }
}

/// Opens a directory to lock it: only a directory, and never blocking (a
/// FIFO planted in its place would otherwise hang the open).
fn open_dir(dir: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::DIRECTORY | OFlags::NONBLOCK).bits() as i32)
        .open(dir)
        .map_err(|e| LayoutError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_releases() {
        let dir = tempfile::tempdir().unwrap();
        let held = DirLock::acquire(dir.path(), LockMode::Shared, "the test lock").unwrap();
        let open = || std::fs::File::open(dir.path()).unwrap().into();
        assert!(DirLock::try_exclusive(open()).unwrap().is_none());
        drop(held);
        assert!(DirLock::try_exclusive(open()).unwrap().is_some());
    }
}
