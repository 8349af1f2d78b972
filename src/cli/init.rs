//! `umoci init --layout DIR`: create an empty image layout.

use anyhow::Result;
use clap::Args;
use umoci::layout::Layout;

use super::common::{positionals, LayoutArgs};

/// create a new OCI layout
#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    layout: LayoutArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `init`.
pub fn run(args: InitArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let path = args.layout.get()?;
    Layout::create(&path)?;
    log::info!("created new OCI image: {}", path.display());
    Ok(())
}
