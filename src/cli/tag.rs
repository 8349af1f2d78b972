//! `umoci tag --image PATH[:TAG] NEW` and `umoci rm --image PATH[:TAG]`.

use anyhow::{bail, Result};
use clap::Args;
use umoci::image::{select, ImageError};
use umoci::layout::{index, Layout};
use umoci::spec::is_valid_ref_name;

use super::common::{positionals, ImageArgs};

/// creates a new tag in an OCI image
#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// removes a tag from an OCI image
#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `tag`: the new tag points at what the old one resolves to.
pub fn run_tag(args: TagArgs) -> Result<()> {
    let new_tag = positionals(&args.args, &["<new-tag>"])?[0].clone();
    if new_tag.is_empty() {
        bail!("new tag cannot be empty");
    }
    if !is_valid_ref_name(&new_tag) {
        bail!("new tag is an invalid reference");
    }
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    layout.update_index(|idx| -> Result<(), ImageError> {
        let target = select::tag_target(&layout, idx, &image.tag)?;
        index::set_ref(idx, &new_tag, target)?;
        Ok(())
    })?;
    log::info!("created new tag: {new_tag:?} -> {:?}", image.tag);
    Ok(())
}

/// Runs `remove`: a missing tag is not an error, as upstream.
pub fn run_remove(args: RemoveArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let image = args.image.get()?;
    let layout = Layout::open(&image.layout)?;
    layout.update_index(|idx| index::delete_ref(idx, &image.tag))?;
    log::info!("removed tag: {}", image.tag);
    Ok(())
}
