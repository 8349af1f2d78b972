//! `umoci.store.json`: a note, beside `umoci.json` (which stays exactly
//! upstream's), that a bundle was checked out of a content store, and how.
//!
//! It matters for one thing: a bundle checked out with hardlinks shares
//! its files' inodes with the store and other bundles, so `st_nlink`
//! counts links that are not the bundle's. The mtree of such a bundle is
//! written, and compared, with the links counted inside the rootfs, as a
//! plain unpack's would have them; otherwise every shared file would look
//! changed to `repack`.

use std::io;
use std::os::fd::AsFd;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::dir::BundleDir;
use crate::fs::file::{open_regular, read_capped, write_atomic, Follow};
use crate::fs::Root;
use crate::store::LinkMode;

/// The note's file name in the bundle.
pub const STORE_NOTE: &str = "umoci.store.json";

#[derive(Serialize, Deserialize)]
struct StoreNote {
    store: String,
    link: String,
}

/// Writes the note for a bundle checked out of `store` with `mode`.
pub fn write_note(bundle: &BundleDir, store: &Path, mode: LinkMode) -> io::Result<()> {
    let store = std::fs::canonicalize(store)?;
    let note = StoreNote {
        store: store.to_string_lossy().into_owned(),
        link: mode.name().to_owned(),
    };
    let mut json = serde_json::to_vec(&note).map_err(io::Error::other)?;
    json.push(b'\n');
    write_atomic(bundle.as_fd(), STORE_NOTE.as_bytes(), &json, 0o644)
}

/// Whether the bundle's files share inodes with a store.
pub fn shares_inodes(bundle: &BundleDir) -> io::Result<bool> {
    let file = match open_regular(bundle.as_fd(), STORE_NOTE.as_bytes(), Follow::Never) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let note: StoreNote = serde_json::from_slice(&read_capped(file, 1 << 16)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{STORE_NOTE}: {e}")))?;
    Ok(note.link == LinkMode::Hardlink.name())
}

/// Counts the links inside `rootfs` of its files, when they share inodes
/// with a store, so its mtree is written and compared as a plain
/// bundle's.
pub fn count_links_if_shared(rootfs: &mut Root, shared: bool) -> io::Result<()> {
    if shared {
        let counts = crate::mtree::walk::count_links(rootfs)?;
        rootfs.set_link_counts(counts);
    }
    Ok(())
}
