//! Image manifests and image indexes (`index.json` is an index too).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{media_type, Descriptor};

/// An image manifest: one config and an ordered list of layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always 2.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: i64,
    /// `application/vnd.oci.image.manifest.v1+json` when present.
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    /// Artifact type, for artifact manifests.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
    /// The image config blob.
    pub config: Descriptor,
    /// Layers, base first.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (signatures, SBOMs, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form annotations.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::null_as_default"
    )]
    pub annotations: BTreeMap<String, String>,
}

/// An image index: a list of manifests (or nested indexes), each entry a
/// [`Descriptor`] (or, in [`RawEntryIndex`], its JSON text as read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "Entry: Serialize",
    deserialize = "Entry: Deserialize<'de>"
))]
pub struct Index<Entry = Descriptor> {
    /// Always 2.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: i64,
    /// `application/vnd.oci.image.index.v1+json` when present.
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    /// Artifact type.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
    /// The referenced manifests, in order.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub manifests: Vec<Entry>,
    /// The manifest this one refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form annotations.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::null_as_default"
    )]
    pub annotations: BTreeMap<String, String>,
}

impl<Entry> Default for Index<Entry> {
    /// An empty index as `umoci init` writes it.
    fn default() -> Self {
        Index {
            schema_version: 2,
            media_type: media_type::IMAGE_INDEX.to_owned(),
            artifact_type: String::new(),
            manifests: Vec::new(),
            subject: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// An index whose entries are kept as the JSON text they were read as, so
/// that rewriting one entry leaves every other one byte for byte as it
/// was, fields this model does not know included.
pub type RawEntryIndex = Index<Box<serde_json::value::RawValue>>;

impl RawEntryIndex {
    /// Every entry, parsed.
    pub fn parsed_entries(&self) -> serde_json::Result<Vec<Descriptor>> {
        self.manifests
            .iter()
            .map(|raw| serde_json::from_str(raw.get()))
            .collect()
    }

    /// Replaces entry `i` with `desc`, encoded as Go encodes it.
    pub fn set_entry(&mut self, i: usize, desc: &Descriptor) -> serde_json::Result<()> {
        self.manifests[i] = encode_entry(desc)?;
        Ok(())
    }

    /// Appends `desc`, encoded as Go encodes it.
    pub fn push_entry(&mut self, desc: &Descriptor) -> serde_json::Result<()> {
        self.manifests.push(encode_entry(desc)?);
        Ok(())
    }
}

/// `desc` as an index entry's JSON text (Go's encoding, no newline).
fn encode_entry(desc: &Descriptor) -> serde_json::Result<Box<serde_json::value::RawValue>> {
    let json = super::go_json::to_vec(desc)?;
    let text = String::from_utf8(json).expect("serde_json writes UTF-8");
    serde_json::value::RawValue::from_string(text.trim_end().to_owned())
}
