//! `umoci ls --layout DIR`: print every tag, one per line, in index order.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use umoci::layout::{index, Layout};
use umoci::spec::escape::printable;

use super::common::{positionals, LayoutArgs};

/// lists the set of tags in an OCI layout
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    layout: LayoutArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `list`.
pub fn run(args: ListArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    // Only index.json is read: a running gc need not be waited for.
    let layout = Layout::open_index_only(&args.layout.get()?)?;
    let index = layout.read_index()?;
    let mut out = std::io::stdout().lock();
    // One tag per line, so a name holding a newline (or an escape
    // sequence) is escaped rather than printed as something else.
    for name in index::list_refs(&index) {
        writeln!(out, "{}", printable(&name))?;
    }
    Ok(())
}
