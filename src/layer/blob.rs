//! Storing a generated layer in a layout: compressed as asked, the blob
//! staged with its digest.

use std::io::{self, Write};
use std::path::PathBuf;

use super::compress::compress_layer;
use super::compression::Encoding;
use super::error::LayerError;
use crate::layout::{Layout, LayoutError};
use crate::spec::{Descriptor, Digest};

/// Why storing a layer failed.
#[derive(Debug, thiserror::Error)]
pub enum LayerBlobError {
    /// Generating the tar failed.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// Storing the blob failed.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A host file or tree going into the layer could not be read.
    #[error("read {}", path.display())]
    Source {
        /// The host path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Writing the tar or its compressed blob failed.
    #[error("write layer")]
    Write(#[from] io::Error),
}

/// The annotation upstream puts on a layer whose stored size is not its
/// uncompressed size: the uncompressed size, in decimal.
pub const UNCOMPRESSED_SIZE_ANNOTATION: &str = "ci.umo.uncompressed_blob_size";

/// Compresses the tar `produce` writes into a staged blob of `layout`.
/// Returns the layer's descriptor (annotated with the uncompressed size
/// when that differs, as upstream's) and diff ID.
pub fn store_layer(
    layout: &Layout,
    encoding: Encoding,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), LayerBlobError>,
) -> Result<(Descriptor, Digest), LayerBlobError> {
    let writer = layout.blob_writer()?;
    let (writer, diff_id, plain_size) = compress_layer(writer, encoding, produce)?;
    let (digest, size) = writer.commit()?;
    let mut descriptor = Descriptor::new(encoding.compression.media_type(), digest, size);
    if u64::try_from(size).ok() != Some(plain_size) {
        descriptor.annotations.insert(
            UNCOMPRESSED_SIZE_ANNOTATION.to_owned(),
            plain_size.to_string(),
        );
    }
    Ok((descriptor, diff_id))
}
