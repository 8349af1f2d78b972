//! `umoci gc --layout DIR`: delete every blob no tag can reach.

use anyhow::Result;
use clap::Args;
use umoci::layout::{gc, Layout, LockMode};

use super::common::{positionals, LayoutArgs};

/// garbage-collects an OCI layout
#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    layout: LayoutArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs `gc`.
pub fn run(args: GcArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let layout = Layout::open_with(&args.layout.get()?, LockMode::Exclusive)?;
    let ticker = super::progress::Ticker::start("gc");
    let report = gc::collect_with_progress(&layout, ticker.counters.as_deref())?;
    drop(ticker);
    for (digest, size) in &report.removed {
        log::info!("gc: removed unreferenced blob {digest} ({size} bytes)");
    }
    for path in &report.cleaned {
        log::info!("gc: removed stale temporary directory {}", path.display());
    }
    let freed: u64 = report.removed.iter().map(|(_, s)| s).sum();
    log::info!(
        "garbage collected {} blobs ({freed} bytes), kept {}",
        report.removed.len(),
        report.kept
    );
    Ok(())
}
