//! Arbitrary bytes as index, manifest and config JSON: decoding may fail,
//! never panic; what decodes re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umoci::spec::{go_json, Image, Index, Manifest};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let encoded = go_json::to_vec(&value).unwrap();
        let again: T = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(again, value);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Index>(data);
    round_trip::<Manifest>(data);
    round_trip::<Image>(data);
});
