//! A bundle's own files as an attacker who owns the bundle leaves them:
//! `umoci.json` and the mtree manifest as arbitrary bytes, symlinks out,
//! FIFOs or directories. Reading them may fail, never panic or hang, and
//! nothing outside the bundle changes.
#![no_main]

#[path = "plant.rs"]
mod plant;

use std::os::fd::AsFd;

use libfuzzer_sys::fuzz_target;
use plant::{plant, Sentinel};

fuzz_target!(|data: &[u8]| {
    let [how_meta, how_mtree, rest @ ..] = data else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (meta, mtree) = (&rest[..split], rest.get(split + 1..).unwrap_or(&[]));
    let dir = tempfile::tempdir().unwrap();
    let sentinel = Sentinel::new(dir.path());
    let bundle = dir.path().join("bundle");
    std::fs::create_dir_all(bundle.join("rootfs/etc")).unwrap();
    std::fs::write(bundle.join("rootfs/etc/hostname"), b"box").unwrap();
    plant(&bundle.join("umoci.json"), *how_meta, meta, &sentinel.file());
    let manifest = bundle.join("sha256_x.mtree");
    plant(&manifest, *how_mtree, mtree, &sentinel.file());

    // As repack reads them: through the bundle's handle, the manifest a
    // regular file never reached through a symlink.
    let handle = umoci::bundle::BundleDir::open(&bundle).unwrap();
    let ownership = umoci::bundle::Meta::read(&handle)
        .map(|meta| meta.map_options.ownership())
        .unwrap_or_default();
    let rootfs = handle.rootfs(ownership).unwrap();
    if let Ok(file) = umoci::fs::file::open_regular(
        handle.as_fd(),
        b"sha256_x.mtree",
        umoci::fs::file::Follow::Never,
    ) {
        let _ = umoci::mtree::diff::diff(&rootfs, &file, None, None);
    }
    sentinel.assert_untouched();
});
