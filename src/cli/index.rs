//! `umoci index add --image PATH:TAG SRC_TAG...` and
//! `umoci index rm --image PATH:TAG --platform P`: multi-platform indexes.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use umoci::image::index_edit;
use umoci::image::platform::PlatformSpec;
use umoci::layout::Layout;

use super::common::ImageArgs;

/// multi-platform image indexes
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Debug, Subcommand)]
enum IndexCommand {
    /// adds images to a multi-platform index
    #[command(help_template = super::command_template!("index add", "image", index_add), override_usage = "umoci index add [command options] --image <image-path>:<tag> <source-tag>...")]
    Add(AddArgs),
    /// removes one platform from a multi-platform index
    #[command(visible_alias = "remove", help_template = super::command_template!("index rm", "image", index_rm), override_usage = "umoci index rm [command options] --image <image-path>:<tag> --platform <os>/<arch>[/<variant>]")]
    Rm(RmArgs),
}

/// adds images to a multi-platform index
#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// removes one platform from a multi-platform index
#[derive(Debug, Args)]
pub struct RmArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// the platform to remove, as os/arch[/variant]
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs an `index` subcommand.
pub fn run(args: IndexArgs) -> Result<()> {
    match args.command {
        IndexCommand::Add(a) => run_add(a),
        IndexCommand::Rm(a) => run_rm(a),
    }
}

fn run_add(args: AddArgs) -> Result<()> {
    if args.args.is_empty() {
        bail!("invalid number of positional arguments: expected at least one <source-tag>");
    }
    for source in &args.args {
        umoci::image::reference::validate_tag("<source-tag>", source)?;
    }
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    let root = layout
        .update_index(|idx| index_edit::add(&layout, idx, &image.tag, &args.args))
        .context("add to index")?;
    log::info!("index {} now at {}", image.tag, root.digest);
    Ok(())
}

fn run_rm(args: RmArgs) -> Result<()> {
    super::common::positionals(&args.args, &[])?;
    let Some(platform) = &args.platform else {
        bail!("missing mandatory argument: --platform");
    };
    let platform = PlatformSpec::parse(platform)?;
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    let root = layout
        .update_index(|idx| index_edit::remove(&layout, idx, &image.tag, &platform))
        .context("remove from index")?;
    log::info!(
        "removed {platform} from {}: index now at {}",
        image.tag,
        root.digest
    );
    Ok(())
}
