//! Media types from the OCI image-spec, plus the Docker ones seen in layouts
//! that other tools wrote.

/// `application/vnd.oci.image.index.v1+json`
pub const IMAGE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.oci.image.manifest.v1+json`
pub const IMAGE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.image.config.v1+json`
pub const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// `application/vnd.oci.descriptor.v1+json`
pub const DESCRIPTOR: &str = "application/vnd.oci.descriptor.v1+json";
/// The empty JSON blob `{}` (an artifact's config, or a layer with no content).
pub const EMPTY_JSON: &str = "application/vnd.oci.empty.v1+json";
/// The digest of the empty JSON blob `{}`, the only one it may have.
pub const EMPTY_JSON_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
/// `application/vnd.oci.image.layer.v1.tar`
pub const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// `application/vnd.oci.image.layer.v1.tar+gzip`
pub const LAYER_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// `application/vnd.oci.image.layer.v1.tar+zstd`
pub const LAYER_TAR_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// Non-distributable layer, uncompressed (deprecated but still readable).
pub const LAYER_NONDIST_TAR: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// Non-distributable layer, gzip.
pub const LAYER_NONDIST_TAR_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// Non-distributable layer, zstd.
pub const LAYER_NONDIST_TAR_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/// Docker schema 2 manifest list (the Docker counterpart of an index).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker gzip layer.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// What a descriptor's media type says about how to treat its blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An index (or Docker manifest list): JSON that points at manifests.
    Index,
    /// An image manifest (OCI or Docker schema 2): points at config and layers.
    Manifest,
    /// An image config blob.
    Config,
    /// A layer blob: never parsed by layout-level code.
    Layer,
    /// Anything else: kept if referenced, never parsed.
    Other,
}

/// Classifies a media type.
pub fn kind(media_type: &str) -> Kind {
    match media_type {
        IMAGE_INDEX | DOCKER_MANIFEST_LIST => Kind::Index,
        IMAGE_MANIFEST | DOCKER_MANIFEST => Kind::Manifest,
        IMAGE_CONFIG | DOCKER_CONFIG => Kind::Config,
        LAYER_TAR
        | LAYER_TAR_GZIP
        | LAYER_TAR_ZSTD
        | LAYER_NONDIST_TAR
        | LAYER_NONDIST_TAR_GZIP
        | LAYER_NONDIST_TAR_ZSTD
        | DOCKER_LAYER_GZIP => Kind::Layer,
        _ => Kind::Other,
    }
}
