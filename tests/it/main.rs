//! The integration tests: one binary (as ripgrep's), each module a
//! concern, all running the built `umoci` against small images made here
//! and comparing with the reference tools (`runc`, `skopeo`,
//! `oci-image-tool`, Debian's `umoci`). Shared helpers, one per command,
//! live in [`common`].

mod common;

mod bad_input;
mod cli_parsing;
mod concurrency;
mod crash;
mod docs;
mod fuzz_smoke;
mod hostile;
mod image_commands;
mod interop;
mod interruption;
mod layer_parity;
mod layout_commands;
mod multi_platform;
mod readme;
mod registry;
mod repack;
mod runtime;
mod security;
mod store;
mod tar_semantics;
mod unpack;
