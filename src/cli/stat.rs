//! `umoci stat --image PATH[:TAG] [--json]`.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use umoci::image::{ImageSource, ManifestStat};
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
    let stat = ManifestStat::new(ImageSource::open(&layout, &index, &image.tag)?)?;
    let out = if args.json {
        stat.to_json()
    } else {
        stat.to_text().into_bytes()
    };
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
