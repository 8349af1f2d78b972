//! `umoci stat --image PATH[:TAG] [--json]`.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use umoci::image::platform::Selection;
use umoci::image::select::{images, is_per_platform, select_one};
use umoci::image::stat::IndexStat;
use umoci::image::ManifestStat;
use umoci::layout::Layout;

use super::common::{positionals, ImageArgs, PlatformArgs};

/// displays status information of an image manifest
#[derive(Debug, Args)]
pub struct StatArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// output the stat information as a JSON encoded blob
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `stat`.
pub fn run(args: StatArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    let index = layout.read_index()?;
    let selection = args.platform.get()?;
    if selection == Selection::Default {
        let images = images(&layout, &index, &image.tag)?;
        if is_per_platform(&images) {
            let list = IndexStat::new(&images);
            let out = if args.json {
                list.to_json()
            } else {
                list.to_text()
            };
            std::io::stdout().lock().write_all(&out)?;
            return Ok(());
        }
    }
    let path = select_one(&layout, &index, &image.tag, &selection)?;
    let stat = ManifestStat::load(&layout, &path)?;
    let out = if args.json {
        stat.to_json()
    } else {
        stat.to_text()
    };
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
