//! `umoci insert --image PATH[:TAG] SOURCE TARGET` and
//! `umoci insert --image PATH[:TAG] --whiteout TARGET`: a new layer that
//! adds a host file or tree at TARGET, or removes TARGET.

use std::os::unix::ffi::OsStrExt;

use anyhow::{bail, Context, Result};
use clap::Args;
use umoci::append::insert::{Insert, Insertion};
use umoci::append::{commit_all, AppendOptions, Appender};

use super::common::{CompressArgs, HistoryArgs, IdMapArgs, ImageArgs, PlatformOrAllArgs, TagArgs};

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
    #[command(flatten)]
    platform: PlatformOrAllArgs,
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
    let insertion = match source {
        Some(source) => Insertion::Copy {
            source: source.into(),
            opaque: args.opaque,
        },
        None => Insertion::Whiteout,
    };
    let insert = Insert::new(target.as_bytes(), insertion)?;
    let ticker = super::progress::Ticker::start("insert");
    let (layout, bases) = args.image.open_all(&args.platform.get()?)?;
    let opts = AppendOptions {
        compress: args.compress.get()?,
        history,
        progress: ticker.counters.clone(),
    };
    // With --platform all, the same layer goes onto every image, in one
    // commit; generated per image, so that each gets the compression
    // `--compress` chooses for it (the same bytes are stored once).
    let mut staged = Vec::with_capacity(bases.len());
    for base in &bases {
        let mut appender = Appender::new(&layout, base, "umoci insert", &opts);
        insert
            .add_to(&mut appender, &ownership)
            .context("generate layer")?;
        staged.push(appender.stage()?);
    }
    commit_all(&layout, &staged, &tag)?;
    log::info!("created new tag for image manifest: {tag}");
    Ok(())
}
