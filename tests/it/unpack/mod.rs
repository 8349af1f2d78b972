//! `unpack` on crafted layers: every entry kind, whiteouts, containment
//! against hostile entries, bad layers, and agreement with Debian's umoci.

mod containment;
mod entries;
mod parity;
mod raw;
mod syscall_filters;
mod whiteout_resolution;

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::common::layers::{add_layer, new_image, LayerBuilder, MTIME};
use crate::common::*;

fn validate(bundle: &Path) {
    mtree_validate(bundle, &["--umoci-keywords"]).ok();
}
