//! Image config → OCI runtime `config.json`, by the image-spec's
//! conversion rules and upstream umoci's defaults.
//!
//! - [`user`]: resolving `Config.User` against the rootfs's `/etc/passwd`
//!   and `/etc/group` (read inside the root).
//! - [`convert`]: building the runtime spec.

pub mod convert;
pub mod user;

pub use convert::{to_runtime_spec, RuntimeError};
