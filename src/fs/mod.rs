//! The file-system layer under a root: every path a layer names is resolved
//! inside that root and never leaves it, however hostile the layer.
//!
//! - [`path`]: lexical cleaning of archive paths into in-root components.
//! - [`root`]: a directory handle that resolves paths with
//!   `openat2(RESOLVE_IN_ROOT)` and creates, removes and stats relative to it.
//! - [`resolve`]: making a directory through dangling symlinks, resolved
//!   one component at a time as upstream's `securejoin` does.
//! - [`xattr`]: extended attributes on entries named relative to a directory.
//! - [`idmap`]: `--uid-map`/`--gid-map` parsing and translation.
//! - [`rootless`]: the `user.rootlesscontainers` owner record.
//! - [`ownership`]: privileged or rootless, chosen once: chown or owner
//!   records, device nodes, opening up entries that deny their owner.
//! - [`target`]: an entry to change, by descriptor or by unfollowed name.
//! - [`inode`]: a handle pinned to one inode, the only way a mode changes.
//! - [`file`]: bounded, non-blocking reads and atomic writes of the tool's
//!   own files relative to a directory handle.

pub mod dir;
pub mod file;
pub mod idmap;
pub mod inode;
pub mod ownership;
pub mod path;
pub mod remove;
pub mod resolve;
pub mod root;
pub mod rootless;
pub mod target;
pub mod xattr;

pub use idmap::{IdMap, IdMapError};
pub use ownership::{OwnerError, Ownership};
pub use path::RelPath;
pub use root::Root;
