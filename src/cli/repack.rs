//! `umoci repack --image PATH[:TAG] BUNDLE`.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;
use umoci::append::AppendOptions;
use umoci::bundle::{repack, RepackOptions};
use umoci::fs::RelPath;
use umoci::layout::Layout;

use super::common::{positionals, CompressArgs, HistoryArgs, ImageArgs, PlatformArgs};

/// repacks an OCI runtime bundle into a reference
#[derive(Debug, Args)]
pub struct RepackArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    history: HistoryArgs,
    #[command(flatten)]
    compress: CompressArgs,
    /// set of path prefixes in which deltas will be ignored when generating new layers
    #[arg(long = "mask-path", value_name = "PATH")]
    mask_path: Vec<OsString>,
    /// do not add the Config.Volumes paths to the list of masked paths
    #[arg(long = "no-mask-volumes")]
    no_mask_volumes: bool,
    /// update the mtree manifest and umoci.json of the bundle after repacking
    #[arg(long = "refresh-bundle")]
    refresh_bundle: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    #[arg(hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// Runs `repack`.
pub fn run(args: RepackArgs) -> Result<()> {
    args.history.check()?;
    let bundle = positionals(&args.args, &["<bundle>"])?[0].clone();
    let image = args.image.get()?;
    let ticker = super::progress::Ticker::start("repack");
    let opts = RepackOptions {
        append: AppendOptions {
            compress: args.compress.get()?,
            history: args.history.options()?,
            progress: ticker.counters.clone(),
        },
        mask_paths: args
            .mask_path
            .iter()
            .map(|p| RelPath::clean(p.as_os_str().as_bytes()))
            .collect(),
        mask_volumes: !args.no_mask_volumes,
        refresh_bundle: args.refresh_bundle,
        platform: args.platform.get()?,
    };
    let layout = Layout::open(&image.layout)?;
    repack(&layout, &image.tag, Path::new(&bundle), &opts).context("repack bundle")?;
    Ok(())
}
