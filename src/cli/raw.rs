//! `umoci raw …`: the pieces of `unpack` on their own (`raw unpack`,
//! `raw runtime-config`) and the hidden `raw mtree-validate`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use umoci::append::{AppendOptions, Appender};
use umoci::bundle::{unpack_rootfs, write_runtime_config, UnpackOptions};
use umoci::fs::file::{open_regular_path, read_capped, Follow};
use umoci::fs::{Ownership, Root};
use umoci::mtree::{parse, validate, UMOCI_KEYWORDS};

use super::common::{
    positionals, CompressArgs, HistoryArgs, IdMapArgs, ImageArgs, PlatformArgs, StoreArgs, TagArgs,
};

/// advanced internal image tooling
#[derive(Debug, Args)]
pub struct RawArgs {
    #[command(subcommand)]
    command: RawCommand,
}

#[derive(Debug, Subcommand)]
enum RawCommand {
    /// unpacks a reference into a rootfs
    #[command(help_template = super::command_template!("raw unpack", "image", raw_unpack), override_usage = "umoci raw unpack [command options] --image <image-path>[:<tag>] <rootfs>")]
    Unpack(RawUnpackArgs),
    /// generates a runtime configuration from an image configuration
    #[command(visible_alias = "config", help_template = super::command_template!("raw runtime-config", "image", raw_runtime_config), override_usage = "umoci raw runtime-config [command options] --image <image-path>[:<tag>] [--rootfs <rootfs>] <config.json>")]
    RuntimeConfig(RuntimeConfigArgs),
    /// add a layer to an OCI image
    #[command(help_template = super::command_template!("raw add-layer", "image", raw_add_layer), override_usage = "umoci raw add-layer [command options] --image <image-path>[:<tag>] <new-layer.tar>")]
    AddLayer(AddLayerArgs),
    /// verifies a directory against an mtree manifest
    #[command(hide = true, help_template = super::command_template!("raw mtree-validate"), override_usage = "umoci raw mtree-validate [command options] -f <manifest> -p <path>")]
    MtreeValidate(MtreeValidateArgs),
}

/// unpacks a reference into a rootfs
#[derive(Debug, Args)]
pub struct RawUnpackArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    idmap: IdMapArgs,
    /// don't clobber underlying symlinks on existing directories
    #[arg(long = "keep-dirlinks")]
    keep_dirlinks: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(hide = true)]
    args: Vec<OsString>,
}

/// generates a runtime configuration from an image configuration
#[derive(Debug, Args)]
pub struct RuntimeConfigArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    idmap: IdMapArgs,
    /// path to the unpacked rootfs, to resolve users and groups
    #[arg(long, value_name = "ROOTFS")]
    rootfs: Option<PathBuf>,
    #[command(flatten)]
    platform: PlatformArgs,
    #[arg(hide = true)]
    args: Vec<OsString>,
}

/// verifies a directory against an mtree manifest
#[derive(Debug, Args)]
pub struct MtreeValidateArgs {
    /// the mtree manifest to validate against
    #[arg(
        long = "manifest",
        short = 'f',
        visible_alias = "file",
        value_name = "FILE"
    )]
    manifest: Option<PathBuf>,
    /// the root of the tree to validate
    #[arg(long, short = 'p', value_name = "PATH")]
    path: Option<PathBuf>,
    /// keywords to add to the manifest's set
    #[arg(long = "add-keywords", short = 'K', value_name = "KEYWORDS")]
    add_keywords: Vec<String>,
    /// keywords to use instead of the manifest's set
    #[arg(long = "use-keywords", short = 'k', value_name = "KEYWORDS")]
    use_keywords: Vec<String>,
    /// use the keywords umoci records in bundles
    #[arg(long = "umoci-keywords")]
    umoci_keywords: bool,
    /// walk the tree as an unprivileged owner
    #[arg(long)]
    rootless: bool,
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs a `raw` subcommand.
pub fn run(args: RawArgs) -> Result<()> {
    match args.command {
        RawCommand::Unpack(a) => run_unpack(a),
        RawCommand::RuntimeConfig(a) => run_runtime_config(a),
        RawCommand::MtreeValidate(a) => run_mtree_validate(a),
        RawCommand::AddLayer(a) => run_add_layer(a),
    }
}

fn run_unpack(args: RawUnpackArgs) -> Result<()> {
    let rootfs = positionals(&args.args, &["<rootfs>"])?[0].clone();
    let ticker = super::progress::Ticker::start("unpack");
    let opts = UnpackOptions {
        ownership: args.idmap.get()?,
        keep_dirlinks: args.keep_dirlinks,
        progress: ticker.counters.clone(),
        store: args.store.get()?,
    };
    let (layout, source) = args.image.open(&args.platform.get()?)?;
    unpack_rootfs(&layout, &source, Path::new(&rootfs), &opts).context("unpack rootfs")?;
    Ok(())
}

fn run_runtime_config(args: RuntimeConfigArgs) -> Result<()> {
    let out = positionals(&args.args, &["<config.json>"])?[0].clone();
    let ownership = args.idmap.get()?;
    let (_layout, source) = args.image.open(&args.platform.get()?)?;
    write_runtime_config(&source, args.rootfs.as_deref(), &ownership, Path::new(&out))?;
    Ok(())
}

/// Largest manifest `mtree-validate` reads: a few hundred bytes an entry,
/// so millions of entries.
const MAX_MANIFEST_SIZE: u64 = 4 << 30;

fn split_keywords(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(',').map(|s| s.trim().to_owned()))
        .filter(|s| !s.is_empty())
        .collect()
}

fn run_mtree_validate(args: MtreeValidateArgs) -> Result<()> {
    positionals(&args.args, &[])?;
    let Some(manifest_path) = args.manifest else {
        bail!("missing mandatory argument: --manifest")
    };
    let Some(root) = args.path else {
        bail!("missing mandatory argument: --path")
    };
    // A regular file only: a FIFO or a device named here must not hang or
    // flood the parse (the manifest is parsed whole, as upstream does).
    let text = open_regular_path(&manifest_path, Follow::Allowed)
        .and_then(|f| read_capped(f, MAX_MANIFEST_SIZE))
        .and_then(|data| String::from_utf8(data).map_err(std::io::Error::other))
        .with_context(|| format!("read manifest {}", manifest_path.display()))?;
    let manifest = parse::parse(&text)?;
    let mut keywords = if args.umoci_keywords {
        UMOCI_KEYWORDS.iter().map(|s| s.to_string()).collect()
    } else if !args.use_keywords.is_empty() {
        split_keywords(&args.use_keywords)
    } else if !manifest.keywords.is_empty() {
        manifest.keywords.clone()
    } else {
        UMOCI_KEYWORDS.iter().map(|s| s.to_string()).collect()
    };
    for kw in split_keywords(&args.add_keywords) {
        if !keywords.contains(&kw) {
            keywords.push(kw);
        }
    }
    let ownership = if args.rootless {
        Ownership::rootless(Vec::new(), Vec::new())
    } else {
        Ownership::default()
    };
    // A rootfs checked out of a store with hardlinks counts its links as
    // its bundle's mtree does (the bundle is the directory above it).
    let shared = root
        .parent()
        .filter(|_| root.file_name().is_some_and(|n| n == "rootfs"))
        .and_then(|bundle| umoci::bundle::BundleDir::open(bundle).ok())
        .map(|bundle| umoci::bundle::store_link::shares_inodes(&bundle))
        .transpose()?
        .unwrap_or(false);
    let diffs = umoci::fs::file::open_dir_path(&root)
        .map(|dir| Root::from_dir(dir, root.clone(), ownership))
        .and_then(|mut root| {
            umoci::bundle::store_link::count_links_if_shared(&mut root, shared)?;
            validate::validate(&root, &manifest, &keywords)
        })
        .with_context(|| format!("walk {}", root.display()))?;
    if diffs.is_empty() {
        return Ok(());
    }
    // On stdout, as upstream prints them; keyword values come from the
    // tree (link targets, xattrs), so they are escaped.
    for diff in &diffs {
        println!("{}", umoci::spec::escape::printable(&diff.to_string()));
    }
    bail!("validation failed: {} differences found", diffs.len())
}

/// add a layer to an OCI image
#[derive(Debug, Args)]
pub struct AddLayerArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    tag: TagArgs,
    #[command(flatten)]
    history: HistoryArgs,
    #[command(flatten)]
    compress: CompressArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[arg(hide = true)]
    args: Vec<OsString>,
}

fn run_add_layer(args: AddLayerArgs) -> Result<()> {
    args.history.check()?;
    if args.args.len() != 1 {
        bail!("invalid number of positional arguments: expected <newlayer.tar>");
    }
    if args.args[0].is_empty() {
        bail!("<new-layer.tar> path cannot be empty");
    }
    let image = args.image.get()?;
    let tag = args.tag.or(&image.tag)?;
    let opts = AppendOptions {
        compress: args.compress.get()?,
        history: args.history.options()?,
        progress: None,
    };
    let (layout, base) = args.image.open(&args.platform.get()?)?;
    let mut appender = Appender::new(&layout, &base, "umoci raw add-layer", &opts);
    for path in &args.args {
        appender.add_tar_file(Path::new(path))?;
    }
    appender.commit(&tag)?;
    log::info!("created new tag for image manifest: {tag}");
    Ok(())
}
