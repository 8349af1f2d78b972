//! Appending layers to an image and moving a tag to the result: the one
//! path `repack`, `insert` and `raw add-layer` take.
//!
//! Each new layer is compressed as `--compress` resolves against the layer
//! below it, stored as a staged blob and given its history entry; the
//! commit then reloads the image under the index lock, appends them all
//! and moves the tag ([`crate::image::add_layer`]).
//!
//! - [`insert`]: a host file or tree, or a whiteout, as a layer's content.

pub mod insert;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::image::add_layer::{self, Appended, NewLayer};
use crate::image::{HistoryOptions, ImageError, ImageSource};
use crate::layer::{
    store_layer, CompressChoice, GenerateOptions, LayerBlobError, LayerTar, Progress,
};
use crate::layout::{DescriptorPath, Layout};
use crate::spec::go_time::source_date_epoch;
use crate::spec::Descriptor;

/// How new layers are made and recorded.
#[derive(Debug, Clone, Default)]
pub struct AppendOptions {
    /// `--compress`.
    pub compress: CompressChoice,
    /// `--history.*`, `--no-history`.
    pub history: HistoryOptions,
    /// Counters to report progress through.
    pub progress: Option<Arc<Progress>>,
}

/// Why appending failed.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Reading or changing the image failed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Generating or storing a layer failed.
    #[error(transparent)]
    Layer(#[from] LayerBlobError),
    /// A layer tar file given as it is cannot be opened.
    #[error("open layer {}", path.display())]
    OpenTar {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A layer tar file given as it is turned out to be a directory.
    #[error("open layer {}: is a directory (a layer must be an uncompressed tar file)", .0.display())]
    TarIsDirectory(PathBuf),
    /// A layer tar file given as it is could not be stored.
    #[error("add layer {}", path.display())]
    StoreTar {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: LayerBlobError,
    },
    /// `insert` into the root of anything but a directory.
    #[error("insert target {0:?} names the root directory: it can only receive a directory")]
    InsertIntoRoot(String),
}

/// A reader that stops with an error once a signal has been received.
struct Interruptible<R>(R);

impl<R: io::Read> io::Read for Interruptible<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::interrupt::check_io()?;
        self.0.read(buf)
    }
}

/// New layers on their way onto one image.
pub struct Appender<'a> {
    layout: &'a Layout,
    base: &'a ImageSource,
    created_by: &'static str,
    opts: &'a AppendOptions,
    layers: Vec<NewLayer>,
}

impl<'a> Appender<'a> {
    /// Starts appending to `base`; history entries say `created_by` unless
    /// `--history.created_by` says otherwise.
    pub fn new(
        layout: &'a Layout,
        base: &'a ImageSource,
        created_by: &'static str,
        opts: &'a AppendOptions,
    ) -> Self {
        Appender {
            layout,
            base,
            created_by,
            opts,
            layers: Vec::new(),
        }
    }

    /// Adds a layer of the entries `produce` puts in the tar it is given
    /// (which is finished afterwards).
    pub fn add_entries(
        &mut self,
        produce: impl FnOnce(&mut LayerTar<&mut dyn Write>) -> Result<(), LayerBlobError>,
    ) -> Result<(), AppendError> {
        // Read only here: a tar added as it is, or no layer at all, never
        // needs SOURCE_DATE_EPOCH, and a bad one must not fail them.
        let generate = GenerateOptions {
            clamp_mtime: source_date_epoch()
                .map_err(ImageError::from)?
                .map(|t| t.unix_seconds()),
            progress: self.opts.progress.clone(),
        };
        if let Some(p) = &self.opts.progress {
            p.start_layer(self.layers.len() + 1, self.layers.len() + 1);
        }
        self.add_layer(|w| {
            let mut tar = LayerTar::new(w, generate);
            produce(&mut tar)?;
            tar.finish()?;
            Ok(())
        })?;
        Ok(())
    }

    /// Adds the uncompressed layer tar at `path`, as it is.
    pub fn add_tar_file(&mut self, path: &Path) -> Result<(), AppendError> {
        let open_error = |source| AppendError::OpenTar {
            path: path.to_owned(),
            source,
        };
        if std::fs::metadata(path).map_err(open_error)?.is_dir() {
            return Err(AppendError::TarIsDirectory(path.to_owned()));
        }
        let file = std::fs::File::open(path).map_err(open_error)?;
        self.add_layer(|w| {
            io::copy(&mut Interruptible(file), w)?;
            Ok(())
        })
        .map_err(|e| match e {
            AppendError::Layer(source) => AppendError::StoreTar {
                path: path.to_owned(),
                source,
            },
            e => e,
        })
    }

    /// Stores the tar `produce` writes as a layer, compressed as chosen
    /// for the layer below it, with its history entry.
    fn add_layer(
        &mut self,
        produce: impl FnOnce(&mut dyn Write) -> Result<(), LayerBlobError>,
    ) -> Result<(), AppendError> {
        let below = match self.layers.last() {
            Some(layer) => Some(&layer.descriptor),
            None => self.base.manifest.layers.last(),
        };
        let encoding = self
            .opts
            .compress
            .resolve(below.map(|d| d.media_type.as_str()));
        let (descriptor, diff_id) = store_layer(self.layout, encoding, produce)?;
        log::debug!("new layer: {} (diff_id {diff_id})", descriptor.digest);
        let history = self
            .opts
            .history
            .entry(self.created_by, &self.base.config.author, false)?;
        self.layers.push(NewLayer {
            descriptor,
            diff_id,
            history,
        });
        Ok(())
    }

    /// Appends the layers added and points `tag` at the result, which is
    /// returned. With none added, only a history entry saying so is
    /// appended (as upstream's repack does when nothing changed).
    pub fn commit(self, tag: &str) -> Result<Descriptor, AppendError> {
        let layout = self.layout;
        let staged = self.stage()?;
        Ok(add_layer::commit_appended(layout, &[staged], tag)?)
    }

    /// What is to be appended to the base image, for [`commit_all`].
    pub fn stage(self) -> Result<(DescriptorPath, Appended), AppendError> {
        let appended = if self.layers.is_empty() {
            Appended::Nothing(self.opts.history.entry(
                self.created_by,
                &self.base.config.author,
                true,
            )?)
        } else {
            Appended::Layers(self.layers)
        };
        Ok((self.base.path.clone(), appended))
    }
}

/// Appends what each of several appenders staged to its image in one
/// commit (one new index for the images of a multi-platform tag).
pub fn commit_all(
    layout: &Layout,
    staged: &[(DescriptorPath, Appended)],
    tag: &str,
) -> Result<Descriptor, AppendError> {
    Ok(add_layer::commit_appended(layout, staged, tag)?)
}
