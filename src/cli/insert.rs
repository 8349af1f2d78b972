//! `umoci insert --image PATH[:TAG] SOURCE TARGET` and
//! `umoci insert --image PATH[:TAG] --whiteout TARGET`: a new layer that
//! adds a host file or tree at TARGET, or removes TARGET.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::Args;
use umoci::fs::{RelPath, Root};
use umoci::image::add_layer;
use umoci::layer::{store_layer, GenerateOptions, LayerBlobError, LayerTar};
use umoci::mtree::walk::{walk, Event, WalkOptions};
use umoci::spec::go_time::source_date_epoch;

use super::common::{CompressArgs, HistoryArgs, IdMapArgs, ImageArgs, TagArgs};

/// insert content into an OCI image
#[derive(Debug, Args)]
pub struct InsertArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    tag: TagArgs,
    #[command(flatten)]
    history: HistoryArgs,
    #[command(flatten)]
    compress: CompressArgs,
    #[command(flatten)]
    idmap: IdMapArgs,
    /// insert a tar whiteout for the target path
    #[arg(long)]
    whiteout: bool,
    /// make the target directory opaque (its lower-layer contents are hidden)
    #[arg(long)]
    opaque: bool,
    #[arg(hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// Runs `insert`.
pub fn run(args: InsertArgs) -> Result<()> {
    // Upstream checks the history flags first, then the arguments.
    args.history.check()?;
    let (source, target) = match (args.whiteout, args.args.as_slice()) {
        (true, [target]) => (None, target.clone()),
        (false, [source, target]) => (Some(source.clone()), target.clone()),
        (true, _) => bail!("invalid number of positional arguments: expected 1"),
        (false, _) => bail!("invalid number of positional arguments: expected 2"),
    };
    if let Some(idx) = args.args.iter().position(|a| a.is_empty()) {
        bail!("invalid positional argument {idx}: arguments cannot be empty");
    }
    let image = args.image.get()?;
    let tag = args.tag.or(&image.tag)?;
    let ownership = args.idmap.get()?;
    let history = args.history.options()?;
    let target_path = RelPath::clean(target.as_bytes());
    if target_path.is_root() {
        // A whiteout of the root, or a file in its place, makes a layer no
        // unpack (ours or upstream's) accepts; a directory may be merged
        // into the root.
        let source_is_dir = source
            .as_deref()
            .is_some_and(|s| std::fs::symlink_metadata(s).is_ok_and(|m| m.is_dir()));
        if !source_is_dir {
            bail!(
                "insert target {:?} names the root directory: it can only receive a directory",
                target.to_string_lossy()
            );
        }
    }
    // The root is named as upstream's path cleaning leaves it: empty, so
    // that its directory entry is `/`.
    let target_name = if target_path.is_root() {
        Vec::new()
    } else {
        target_path.to_bytes()
    };
    let ticker = super::progress::Ticker::start("insert");
    let gen = GenerateOptions {
        clamp_mtime: source_date_epoch()?.map(|t| t.unix_seconds()),
        progress: ticker.counters.clone(),
    };
    if let Some(p) = &ticker.counters {
        p.start_layer(1, 1);
    }

    let (layout, base) = args.image.open()?;
    let encoding = args
        .compress
        .get()?
        .resolve(base.manifest.layers.last().map(|l| l.media_type.as_str()));

    let (layer, diff_id) = store_layer(&layout, encoding, |w| {
        let mut tar = LayerTar::new(w, gen);
        // Upstream hides the target's lower contents before anything of
        // the source goes in.
        if args.opaque && source.is_some() {
            tar.add_whiteout(&target_name, true)?;
        }
        match &source {
            None => tar.add_whiteout(&target_name, false)?,
            Some(source) => {
                let source = Path::new(source);
                let meta = std::fs::symlink_metadata(source).map_err(|e| {
                    LayerBlobError::from(std::io::Error::new(
                        e.kind(),
                        format!("{}: {e}", source.display()),
                    ))
                })?;
                if meta.is_dir() {
                    let root =
                        Root::open(source, ownership.clone()).map_err(LayerBlobError::from)?;
                    let mut paths = Vec::new();
                    walk(&root, &WalkOptions::default(), &mut |event| {
                        if let Event::Enter(node) | Event::Leaf(node) = event {
                            paths.push(node.path);
                        }
                        Ok(())
                    })
                    .map_err(LayerBlobError::from)?;
                    paths.sort();
                    for path in paths {
                        let name = match (path.is_root(), target_path.is_root()) {
                            (true, _) => target_name.clone(),
                            (false, true) => path.to_bytes(),
                            (false, false) => {
                                [target_name.as_slice(), b"/", path.as_bytes()].concat()
                            }
                        };
                        tar.add(&root, &path, &name)?;
                    }
                } else {
                    let parent = source
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .unwrap_or(Path::new("."));
                    let root =
                        Root::open(parent, ownership.clone()).map_err(LayerBlobError::from)?;
                    let name = source
                        .file_name()
                        .map(|n| std::os::unix::ffi::OsStrExt::as_bytes(n).to_vec())
                        .unwrap_or_default();
                    tar.add(&root, &RelPath::clean(&name), &target_name)?;
                }
            }
        }
        tar.finish()?;
        Ok(())
    })
    .context("generate layer")?;

    let author = base.config.author.clone();
    let entry = history.entry("umoci insert", &author, false)?;
    let new_layer = add_layer::NewLayer {
        descriptor: layer,
        diff_id,
        history: entry,
    };
    add_layer::commit_layers(&layout, &base.path, &[new_layer], &tag)?;
    log::info!("created new tag for image manifest: {tag}");
    Ok(())
}
