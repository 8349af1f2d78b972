//! `umoci new --image PATH:TAG`: an empty image with no layers.

use anyhow::Result;
use clap::Args;
use umoci::image::new::new_image;
use umoci::layout::Layout;
use umoci::spec::go_time::source_date_epoch;
use umoci::spec::GoTime;

use super::common::{positionals, ImageArgs};

/// creates a blank tagged OCI image
#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `new`.
pub fn run(args: NewArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let image = args.image.get()?;
    let created = source_date_epoch()?.unwrap_or_else(GoTime::now);
    let layout = Layout::open(&image.layout)?;
    new_image(&layout, &image.tag, created)?;
    Ok(())
}
