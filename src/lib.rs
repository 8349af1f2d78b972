//! umoci: modifies Open Container images.
//!
//! A library and command-line tool that edits OCI images stored in a local
//! image-layout directory, without a daemon and without root. The modules
//! follow the domain, and depend one way, downward:
//!
//! - [`spec`]: the OCI data model (digests, descriptors, manifests, configs).
//! - [`layout`]: the image-layout directory: verified blob store, tags in
//!   `index.json`, locking and garbage collection.
//! - [`image`]: image references, reading and mutating an image's manifest and
//!   config, `stat` information.

pub mod image;
pub mod layout;
pub mod spec;
