//! Errors of image-level operations.

use crate::layout::LayoutError;
use crate::spec::go_time::TimeError;

/// Anything that can go wrong resolving, reading or changing an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The layout failed underneath.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// No entry in `index.json` carries the tag.
    #[error("tag not found: {0}")]
    TagNotFound(String),
    /// The tag leads to more than one manifest.
    #[error("tag is ambiguous: {0}")]
    TagAmbiguous(String),
    /// The tag's index holds attestations but no image.
    #[error("tag {0} leads to no image, only attestations")]
    NoImage(String),
    /// No image of the tag's index is for the platform asked for.
    #[error("tag {tag} has no image for platform {wanted} (it has {available}); choose one with --platform")]
    PlatformNotFound {
        /// The tag.
        tag: String,
        /// The platform asked for (or the host's).
        wanted: String,
        /// The platforms the index offers.
        available: String,
    },
    /// Two different images of the tag's index are for the platform.
    #[error("tag {tag} has more than one image for platform {platform}")]
    PlatformAmbiguous {
        /// The tag.
        tag: String,
        /// The platform.
        platform: String,
    },
    /// A malformed `--platform`.
    #[error(transparent)]
    PlatformSyntax(#[from] super::platform::PlatformSyntaxError),
    /// A config edit would give the entry the platform of another entry of
    /// the same index.
    #[error("index {index} already has an image for platform {platform}")]
    PlatformCollision {
        /// The index's digest.
        index: String,
        /// The platform.
        platform: String,
    },
    /// The tag leads to something that is not an image manifest.
    #[error(
        "tag {tag} does not point to an image manifest: media type {media_type:?} is not supported"
    )]
    NotAManifest {
        /// The tag.
        tag: String,
        /// What it points at.
        media_type: String,
    },
    /// A malformed `--image` or `--layout` argument.
    #[error("invalid {flag}: {reason}")]
    BadReference {
        /// `--image` or `--layout`.
        flag: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A `NAME=value` argument without `=` or name.
    #[error("{flag}: {reason}: {input}")]
    BadKeyValue {
        /// The flag, without dashes.
        flag: &'static str,
        /// What is wrong.
        reason: &'static str,
        /// The argument given.
        input: String,
    },
    /// `--clear` with a key upstream does not know.
    #[error("unknown key to --clear: {0}")]
    UnknownClearKey(String),
    /// `--clear=rootfs.diffids`, which would break the image.
    #[error("--clear=rootfs.diffids is not safe")]
    UnsafeClear,
    /// A bad timestamp or `SOURCE_DATE_EPOCH`.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// The manifest's config and diff IDs disagree with its layers.
    #[error("image {manifest} is inconsistent: {reason}")]
    Inconsistent {
        /// The manifest digest.
        manifest: String,
        /// What disagrees.
        reason: String,
    },
}

/// Result alias for image operations.
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
