//! `umoci stat --image PATH[:TAG] [--json]`.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use umoci::image::source::resolve_manifest;
use umoci::image::ManifestStat;
use umoci::layout::Layout;

use super::common::{positionals, ImageArgs};

/// displays status information of an image manifest
#[derive(Debug, Args)]
pub struct StatArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// output the stat information as a JSON encoded blob
    #[arg(long)]
    json: bool,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `stat`.
pub fn run(args: StatArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    let index = layout.read_index()?;
    let path = resolve_manifest(&layout, &index, &image.tag)?;
    let stat = ManifestStat::load(&layout, &path)?;
    let out = if args.json {
        stat.to_json()
    } else {
        stat.to_text()
    };
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
