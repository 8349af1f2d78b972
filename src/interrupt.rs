//! Interruption by a signal. The front end records SIGINT or SIGTERM in
//! [`signal_slot`]; long loops (layer extraction and generation, tree
//! walks) look at it between entries and stop with an error, so what they
//! made is cleaned up as after any failure (a partial rootfs removed,
//! scratch blobs dropped) before the process ends.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Where a signal handler stores the number of the signal received (0:
/// none).
pub fn signal_slot() -> Arc<AtomicUsize> {
    SIGNAL.get_or_init(|| Arc::new(AtomicUsize::new(0))).clone()
}

/// The signal received, if any.
pub fn received() -> Option<i32> {
    let n = SIGNAL.get()?.load(Ordering::Relaxed);
    (n != 0).then_some(n as i32)
}

/// Work stopped because a signal asked the process to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            2 => write!(f, "interrupted by SIGINT"),
            15 => write!(f, "interrupted by SIGTERM"),
            n => write!(f, "interrupted by signal {n}"),
        }
    }
}

impl std::error::Error for Interrupted {}

/// `Err` once a signal has been received: call between units of work.
pub fn check() -> Result<(), Interrupted> {
    match received() {
        Some(sig) => Err(Interrupted(sig)),
        None => Ok(()),
    }
}

/// [`check`] for code that speaks `io::Error` (never of kind
/// `Interrupted`, which readers retry).
pub fn check_io() -> io::Result<()> {
    check().map_err(io::Error::other)
}
