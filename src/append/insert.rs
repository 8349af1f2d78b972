//! `insert`'s layer: a host file or tree copied to a path in the image, or
//! a whiteout removing that path.

use std::io;
use std::path::{Path, PathBuf};

use super::{AppendError, Appender};
use crate::fs::{Ownership, RelPath, Root};
use crate::layer::{LayerBlobError, LayerTar};
use crate::mtree::walk::{walk, Event, WalkOptions};

/// What `insert` puts at its target.
#[derive(Debug, Clone)]
pub enum Insertion {
    /// The host file or tree at `source`; with `opaque`, what lower layers
    /// hold at the target is hidden first.
    Copy {
        /// The host path.
        source: PathBuf,
        /// `--opaque`.
        opaque: bool,
    },
    /// A whiteout of the target (`--whiteout`).
    Whiteout,
}

/// `insert`'s layer, checked and ready to be added.
#[derive(Debug, Clone)]
pub struct Insert {
    insertion: Insertion,
    target_path: RelPath,
    /// The target's name in the layer: the root is named as upstream's
    /// path cleaning leaves it, empty, so that its directory entry is `/`.
    target_name: Vec<u8>,
}

impl Insert {
    /// `insertion` at `target` (a path in the image, cleaned as upstream
    /// cleans it). Refused when the target is the root and what goes
    /// there is not a directory: a whiteout of the root, or a file in its
    /// place, makes a layer no unpack (ours or upstream's) accepts.
    pub fn new(target: &[u8], insertion: Insertion) -> Result<Self, AppendError> {
        let target_path = RelPath::clean(target);
        if target_path.is_root() {
            let source_is_dir = match &insertion {
                Insertion::Copy { source, .. } => {
                    std::fs::symlink_metadata(source).is_ok_and(|m| m.is_dir())
                }
                Insertion::Whiteout => false,
            };
            if !source_is_dir {
                return Err(AppendError::InsertIntoRoot(
                    String::from_utf8_lossy(target).into_owned(),
                ));
            }
        }
        let target_name = if target_path.is_root() {
            Vec::new()
        } else {
            target_path.to_bytes()
        };
        Ok(Insert {
            insertion,
            target_path,
            target_name,
        })
    }

    /// Adds the layer to `appender`, host owners read as `ownership` says.
    pub fn add_to(
        &self,
        appender: &mut Appender<'_>,
        ownership: &Ownership,
    ) -> Result<(), AppendError> {
        let name = &self.target_name;
        appender.add_entries(|tar| match &self.insertion {
            Insertion::Whiteout => Ok(tar.add_whiteout(name, false)?),
            Insertion::Copy { source, opaque } => {
                // Upstream hides the target's lower contents before
                // anything of the source goes in.
                if *opaque {
                    tar.add_whiteout(name, true)?;
                }
                copy(tar, source, &self.target_path, name, ownership)
            }
        })
    }
}

/// Adds the host file or tree `source` under `target_name`.
fn copy<W: io::Write>(
    tar: &mut LayerTar<W>,
    source: &Path,
    target_path: &RelPath,
    target_name: &[u8],
    ownership: &Ownership,
) -> Result<(), LayerBlobError> {
    let source_error = |path: &Path| {
        let path = path.to_owned();
        move |source| LayerBlobError::Source { path, source }
    };
    let meta = std::fs::symlink_metadata(source).map_err(source_error(source))?;
    if !meta.is_dir() {
        let parent = source
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // The directory holding the source is named by the user, and like
        // any argument may be reached through links (/bin -> usr/bin); only
        // the source itself is taken as it is.
        let root = crate::fs::file::open_dir_path(parent)
            .map(|dir| Root::from_dir(dir, parent.to_owned(), ownership.clone()))
            .map_err(source_error(parent))?;
        let name = source
            .file_name()
            .map(|n| std::os::unix::ffi::OsStrExt::as_bytes(n).to_vec())
            .unwrap_or_default();
        return Ok(tar.add(&root, &RelPath::clean(&name), target_name)?);
    }
    let root = Root::open(source, ownership.clone()).map_err(source_error(source))?;
    let mut paths = Vec::new();
    walk(&root, &WalkOptions::default(), &mut |event| {
        if let Event::Enter(node) | Event::Leaf(node) = event {
            paths.push(node.path);
        }
        Ok(())
    })
    .map_err(source_error(source))?;
    paths.sort();
    for path in paths {
        let name = match (path.is_root(), target_path.is_root()) {
            (true, _) => target_name.to_vec(),
            (false, true) => path.to_bytes(),
            (false, false) => [target_name, b"/", path.as_bytes()].concat(),
        };
        tar.add(&root, &path, &name)?;
    }
    Ok(())
}
