//! The OCI image-spec data model: digests, descriptors, manifests, indexes,
//! image configs and media types, encoded exactly as upstream's Go code
//! encodes them.
//!
//! This is the bottom of the crate: pure data and parsing, no I/O.

pub mod config;
pub mod descriptor;
pub mod digest;
pub mod escape;
pub mod go_json;
pub mod go_time;
pub mod manifest;
pub mod media_type;
pub mod refname;

pub use config::{Empty, History, Image, ImageConfig, RootFs};
pub use descriptor::{Descriptor, Platform, ANNOTATION_REF_NAME};
pub use digest::{Algorithm, Digest, DigestError, Hasher};
pub use go_time::GoTime;
pub use manifest::{Index, Manifest};
pub use refname::is_valid_ref_name;

use serde::{Deserialize, Deserializer};

/// Treats JSON `null` like a missing field, as Go does when it decodes
/// `null` into a slice, map or struct.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config as Debian's umoci 0.4.7 `new` writes it.
    const UPSTREAM_NEW_CONFIG: &str = "{\"created\":\"2026-11-22T21:17:13.389740694Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}\n";
    /// The manifest it wrote for that config.
    const UPSTREAM_NEW_MANIFEST: &str = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:0db5c787504b8536d21a879636ba649852ebbaa61c08b6e3984685116fd44187\",\"size\":134},\"layers\":[]}\n";

    #[test]
    fn upstream_blobs_round_trip_byte_for_byte() {
        let image: Image = serde_json::from_str(UPSTREAM_NEW_CONFIG).unwrap();
        assert_eq!(
            go_json::to_vec(&image).unwrap(),
            UPSTREAM_NEW_CONFIG.as_bytes()
        );
        let manifest: Manifest = serde_json::from_str(UPSTREAM_NEW_MANIFEST).unwrap();
        assert_eq!(
            go_json::to_vec(&manifest).unwrap(),
            UPSTREAM_NEW_MANIFEST.as_bytes()
        );
        assert_eq!(
            Digest::sha256_of(UPSTREAM_NEW_CONFIG.as_bytes()).to_string(),
            "sha256:0db5c787504b8536d21a879636ba649852ebbaa61c08b6e3984685116fd44187"
        );
    }

    #[test]
    fn full_config_keeps_go_field_order() {
        let json = r#"{"created":"2024-01-01T00:00:00Z","author":"a","architecture":"arm64","os":"linux","variant":"v8","config":{"User":"u","ExposedPorts":{"80/tcp":{}},"Env":["A=b"],"Entrypoint":["/e"],"Cmd":["c"],"Volumes":{"/v":{}},"WorkingDir":"/w","Labels":{"k":"v"},"StopSignal":"SIGTERM"},"rootfs":{"type":"layers","diff_ids":["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"x","empty_layer":true}]}"#;
        let image: Image = serde_json::from_str(json).unwrap();
        assert_eq!(
            go_json::to_vec(&image).unwrap(),
            format!("{json}\n").as_bytes()
        );
    }

    #[test]
    fn nulls_and_unknown_fields_are_tolerated() {
        let json = r#"{"architecture":"amd64","os":"linux","config":null,"rootfs":{"type":"layers","diff_ids":null},"history":null,"container_config":{"x":1}}"#;
        let image: Image = serde_json::from_str(json).unwrap();
        assert!(image.rootfs.diff_ids.is_empty());
        let index: Index = serde_json::from_str(r#"{"schemaVersion":2,"manifests":null}"#).unwrap();
        assert!(index.manifests.is_empty());
    }

    #[test]
    fn negative_sizes_parse_so_they_can_be_refused() {
        let d: Descriptor = serde_json::from_str(
            r#"{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1}"#,
        )
        .unwrap();
        assert_eq!(d.size, -1);
    }
}
