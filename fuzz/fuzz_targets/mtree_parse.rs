//! Arbitrary text as an mtree manifest: parsing may fail, never panic; and
//! names that parse survive a vis/unvis round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umoci::mtree::{parse, vis};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(manifest) = parse::parse(&text) {
        for entry in manifest.entries {
            for component in entry.path {
                assert_eq!(vis::unvis(&vis::vis(&component)).unwrap(), component);
            }
        }
    }
});
