//! A layout as an attacker leaves it: `oci-layout` and `index.json` as
//! arbitrary bytes, symlinks out, FIFOs or directories, and `blobs/sha256`
//! possibly a link to another layout's store. Opening, resolving every tag
//! and collecting garbage may fail, never panic or hang, and delete or
//! write nothing outside.
#![no_main]

#[path = "plant.rs"]
mod plant;

use libfuzzer_sys::fuzz_target;
use plant::{plant, Sentinel};
use umoci::layout::{gc, index, Layout, LockMode};

fuzz_target!(|data: &[u8]| {
    let [how_marker, how_index, how_store, rest @ ..] = data else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (index_json, marker) = (&rest[..split], rest.get(split + 1..).unwrap_or(&[]));
    let marker: &[u8] = if marker.is_empty() {
        br#"{"imageLayoutVersion":"1.0.0"}"#
    } else {
        marker
    };
    let dir = tempfile::tempdir().unwrap();
    let sentinel = Sentinel::new(dir.path());
    let path = dir.path().join("layout");
    std::fs::create_dir_all(path.join("blobs")).unwrap();
    plant(&path.join("oci-layout"), *how_marker, marker, &sentinel.file());
    plant(&path.join("index.json"), *how_index, index_json, &sentinel.file());
    // The store: the layout's own directory, or a link to the sentinel's.
    if how_store % 2 == 0 {
        std::fs::create_dir(path.join("blobs/sha256")).unwrap();
    } else {
        std::os::unix::fs::symlink(&sentinel.dir, path.join("blobs/sha256")).unwrap();
    }

    if let Ok(layout) = Layout::open(&path) {
        if let Ok(idx) = layout.read_index() {
            for tag in index::list_refs(&idx) {
                let _ = index::resolve(&layout, &idx, &tag);
            }
        }
    }
    if let Ok(layout) = Layout::open_with(&path, LockMode::Exclusive) {
        let _ = gc::collect(&layout);
    }
    sentinel.assert_untouched();
});
