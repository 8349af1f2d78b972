//! Arbitrary bytes as an uncompressed layer, applied to a scratch root that
//! sits beside a sentinel directory: extraction may fail, but must never
//! panic and never touch the sentinel.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umoci::fs::{Ownership, Root};
use umoci::layer::{ExtractOptions, Extractor};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let sentinel = dir.path().join("sentinel");
    std::fs::create_dir(&sentinel).unwrap();
    std::fs::write(sentinel.join("file"), b"keep").unwrap();
    let rootfs = dir.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let root = Root::open(&rootfs, Ownership::default()).unwrap();
    let mut extractor = Extractor::new(&root, ExtractOptions::default());
    if extractor.apply_layer(data).is_ok() {
        let _ = extractor.finish();
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "something was created beside the root: {names:?}");
    let inside: Vec<_> = std::fs::read_dir(&sentinel).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(inside.len(), 1, "sentinel changed: {inside:?}");
    assert_eq!(std::fs::read(sentinel.join("file")).unwrap(), b"keep");
});
