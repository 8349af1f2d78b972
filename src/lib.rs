//! umoci: modifies Open Container images.
//!
//! A library and command-line tool that edits OCI images stored in a local
//! image-layout directory, without a daemon and without root. The modules
//! follow the domain, and depend one way, downward:
//!
//! - [`bundle`]: `unpack` (image → runtime bundle) and `umoci.json`.
//! - [`runtime`]: image config → OCI runtime `config.json`.
//! - [`append`]: new layers onto an image and the tag moved (repack,
//!   insert, raw add-layer).
//! - [`layer`]: layer tar streams applied to a root (extraction, whiteouts).
//! - [`mtree`]: go-mtree manifests of a root: writing, parsing, comparing.
//! - [`image`]: image references, reading and mutating an image's manifest and
//!   config, `stat` information.
//! - [`layout`]: the image-layout directory: verified blob store, tags in
//!   `index.json`, locking and garbage collection.
//! - [`fs`]: file-system operations confined to a root; id mappings.
//! - [`progress`]: counters long operations bump for a front end to show.
//! - [`interrupt`]: a signal received, for long loops to stop at.
//! - [`spec`]: the OCI data model (digests, descriptors, manifests, configs).

pub mod append;
pub mod bundle;
pub mod fs;
pub mod image;
pub mod interrupt;
pub mod layer;
pub mod layout;
pub mod mtree;
pub mod progress;
pub mod runtime;
pub mod spec;
pub mod store;
