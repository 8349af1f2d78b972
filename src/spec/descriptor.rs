//! The content descriptor: media type, digest and size of a blob, with the
//! optional fields image-spec v1.1 allows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Digest;

/// Annotation key naming a tag on a descriptor in `index.json`.
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Annotation docker's buildx puts on attestation manifests in an index.
pub const ANNOTATION_REFERENCE_TYPE: &str = "vnd.docker.reference.type";

/// Annotation naming the image an attestation is about.
pub const ANNOTATION_REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";

/// The platform an image (or a descriptor in an index) is built for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture, Go's `GOARCH` names (`amd64`, `arm64`, …).
    #[serde(default)]
    pub architecture: String,
    /// Operating system, Go's `GOOS` names (`linux`, …).
    #[serde(default)]
    pub os: String,
    /// Operating-system version.
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    /// Required operating-system features.
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant (`v7`, `v8`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

/// A reference to a blob: what it is, its digest and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Media type of the referenced blob.
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    /// Digest of the referenced blob.
    pub digest: Digest,
    /// Size of the referenced blob in bytes. Signed, as in the spec's Go
    /// types, so that a hostile negative size is seen and refused rather than
    /// failing to parse with an obscure message.
    #[serde(default)]
    pub size: i64,
    /// Alternate download locations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Free-form annotations (tags live here in `index.json`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Embedded content, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform of the referenced manifest (in indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Artifact type of the referenced manifest.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
}

impl Descriptor {
    /// A plain descriptor with no optional fields.
    pub fn new(media_type: &str, digest: Digest, size: i64) -> Self {
        Descriptor {
            media_type: media_type.to_owned(),
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            artifact_type: String::new(),
        }
    }

    /// The embedded `data`, decoded; `None` when there is none.
    pub fn embedded_data(&self) -> Option<Result<Vec<u8>, base64::DecodeError>> {
        use base64::Engine as _;
        let data = self.data.as_ref()?;
        Some(base64::engine::general_purpose::STANDARD.decode(data))
    }

    /// Whether this index entry is an attestation (provenance, SBOM) rather
    /// than an image to run: docker's `unknown/unknown` platform, or its
    /// reference-type annotation.
    pub fn is_attestation(&self) -> bool {
        self.annotations.contains_key(ANNOTATION_REFERENCE_TYPE)
            || self
                .platform
                .as_ref()
                .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }

    /// The tag this descriptor carries in `index.json`, if any.
    pub fn ref_name(&self) -> Option<&str> {
        self.annotations
            .get(ANNOTATION_REF_NAME)
            .map(String::as_str)
    }
}
