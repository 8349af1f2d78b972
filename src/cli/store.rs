//! `umoci store gc|du|fsck --store DIR`: looking after a shared content
//! store (see `unpack --store`).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use umoci::store::{maintain, Store, StoreLock, STORE_ENV};

/// shared content stores for unpack
#[derive(Debug, Args)]
pub struct StoreCmdArgs {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, Subcommand)]
enum StoreCommand {
    /// drops what no layer of the given layouts needs
    #[command(help_template = super::command_template!("store gc", "store", store_gc), override_usage = "umoci store gc [command options] --store <dir> --layout <image-path>...")]
    Gc(GcArgs),
    /// reports what a store holds and how much is shared
    #[command(help_template = super::command_template!("store du", "store", store_du), override_usage = "umoci store du [command options] --store <dir>")]
    Du(DirArgs),
    /// verifies every object and names bundles sharing a changed one
    #[command(help_template = super::command_template!("store fsck", "store", store_fsck), override_usage = "umoci store fsck [command options] --store <dir>")]
    Fsck(DirArgs),
}

/// The store to work on.
#[derive(Debug, Args)]
pub struct DirArgs {
    /// the content store (default: $UMOCI_STORE)
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// `store gc`'s flags.
#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// a layout whose images' layers are kept (repeatable)
    #[arg(long, value_name = "LAYOUT")]
    layout: Vec<PathBuf>,
}

impl DirArgs {
    fn open(&self, lock: StoreLock) -> Result<Store> {
        super::common::positionals(&self.args, &[])?;
        let Some(path) = super::common::store_dir(self.store.as_ref()) else {
            bail!("missing mandatory argument: --store (or {STORE_ENV})");
        };
        if !path.is_dir() {
            bail!("store {}: no such directory", path.display());
        }
        Ok(Store::open(&path, false, lock)?)
    }
}

/// Runs a `store` subcommand.
pub fn run(args: StoreCmdArgs) -> Result<()> {
    match args.command {
        StoreCommand::Gc(a) => {
            if a.layout.is_empty() {
                bail!("missing mandatory argument: --layout (the layouts whose layers to keep)");
            }
            let store = a.dir.open(StoreLock::Exclusive)?;
            let r = maintain::gc(&store, &a.layout).context("store gc")?;
            log::info!(
                "store gc: removed {} layer listings, {} files ({} bytes), {} bundle records",
                r.layers,
                r.files,
                r.bytes,
                r.bundles
            );
        }
        StoreCommand::Du(a) => {
            let store = a.open(StoreLock::Shared)?;
            let u = maintain::du(&store).context("store du")?;
            let ratio = if u.stored_bytes == 0 {
                0.0
            } else {
                u.listed_bytes as f64 / u.stored_bytes as f64
            };
            println!("layers         {}", u.layers);
            println!(
                "listed files   {} ({} bytes)",
                u.listed_files, u.listed_bytes
            );
            println!(
                "stored files   {} ({} bytes)",
                u.stored_files, u.stored_bytes
            );
            println!("sharing        {ratio:.2}x (listed bytes per stored byte)");
            println!("linked copies  {}", u.linked_copies);
            println!("bundles        {}", u.bundles);
        }
        StoreCommand::Fsck(a) => {
            let store = a.open(StoreLock::Shared)?;
            let r = maintain::fsck(&store).context("store fsck")?;
            for d in &r.damage {
                println!("{}: {}", d.path.display(), d.why);
                for root in &d.shared_by {
                    println!("    shared with {}", root.display());
                }
            }
            if r.unreadable > 0 {
                log::warn!(
                    "store fsck: {} files you may not read were not checked",
                    r.unreadable
                );
            }
            if !r.damage.is_empty() {
                bail!(
                    "store fsck: {} of {} files and listings damaged",
                    r.damage.len(),
                    r.checked + r.listings
                );
            }
            log::info!(
                "store fsck: {} files and {} listings intact",
                r.checked,
                r.listings
            );
        }
    }
    Ok(())
}
