//! `umoci unpack --image PATH[:TAG] BUNDLE`.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;
use umoci::bundle::{unpack_bundle, UnpackOptions};

use super::common::{positionals, IdMapArgs, ImageArgs, PlatformArgs, StoreArgs};

/// unpacks a reference into an OCI runtime bundle
#[derive(Debug, Args)]
pub struct UnpackArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    idmap: IdMapArgs,
    /// don't clobber underlying symlinks on existing directories
    #[arg(long = "keep-dirlinks")]
    keep_dirlinks: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// Runs `unpack`.
pub fn run(args: UnpackArgs) -> Result<()> {
    let bundle = positionals(&args.args, &["<bundle>"])?[0].clone();
    let ticker = super::progress::Ticker::start("unpack");
    let opts = UnpackOptions {
        ownership: args.idmap.get()?,
        keep_dirlinks: args.keep_dirlinks,
        progress: ticker.counters.clone(),
        store: args.store.get()?,
    };
    let (layout, source) = args.image.open(&args.platform.get()?)?;
    unpack_bundle(&layout, &source, Path::new(&bundle), &opts).context("create runtime bundle")?;
    Ok(())
}
