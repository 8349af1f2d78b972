//! `umoci config`: edit an image's config and manifest annotations, append a
//! history entry, and move the tag (or write `--tag`).

use anyhow::{Context, Result};
use clap::Args;
use umoci::image::add_layer::rewrite_one_tree;
use umoci::image::select::select;
use umoci::image::{mutate, ConfigEdits, ImageError, ImageSource};
use umoci::layout::{index, Layout};
use umoci::spec::GoTime;

use super::common::{positionals, HistoryArgs, ImageArgs, PlatformOrAllArgs, TagArgs};

/// modifies the image configuration of an OCI image
///
/// Every value flag accepts values that begin with '-' (`--config.cmd -c`).
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    tag: TagArgs,
    #[command(flatten)]
    history: HistoryArgs,
    /// set the user (user[:group]) the container runs as
    #[arg(
        long = "config.user",
        value_name = "USER[:GROUP]",
        allow_hyphen_values = true
    )]
    user: Option<String>,
    /// add an exposed port (port/proto)
    #[arg(
        long = "config.exposedports",
        value_name = "PORT",
        allow_hyphen_values = true
    )]
    exposed_ports: Vec<String>,
    /// set an environment variable (NAME=value)
    #[arg(
        long = "config.env",
        value_name = "NAME=VALUE",
        allow_hyphen_values = true
    )]
    env: Vec<String>,
    /// set the entrypoint (one argument per use)
    #[arg(
        long = "config.entrypoint",
        value_name = "ARG",
        allow_hyphen_values = true
    )]
    entrypoint: Option<Vec<String>>,
    /// set the default command (one argument per use)
    #[arg(long = "config.cmd", value_name = "ARG", allow_hyphen_values = true)]
    cmd: Option<Vec<String>>,
    /// add a volume
    #[arg(
        long = "config.volume",
        value_name = "PATH",
        allow_hyphen_values = true
    )]
    volumes: Vec<String>,
    /// set a label (name=value)
    #[arg(
        long = "config.label",
        value_name = "NAME=VALUE",
        allow_hyphen_values = true
    )]
    labels: Vec<String>,
    /// set the working directory
    #[arg(
        long = "config.workingdir",
        value_name = "DIR",
        allow_hyphen_values = true
    )]
    working_dir: Option<String>,
    /// set the stop signal
    #[arg(
        long = "config.stopsignal",
        value_name = "SIGNAL",
        allow_hyphen_values = true
    )]
    stop_signal: Option<String>,
    /// set the creation time (RFC 3339)
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    created: Option<String>,
    /// set the image author
    #[arg(long, value_name = "AUTHOR", allow_hyphen_values = true)]
    author: Option<String>,
    /// set the platform operating system
    #[arg(
        long = "platform.os",
        visible_alias = "os",
        value_name = "OS",
        allow_hyphen_values = true
    )]
    os: Option<String>,
    /// set the platform architecture
    #[arg(
        long = "platform.arch",
        visible_alias = "architecture",
        value_name = "ARCH",
        allow_hyphen_values = true
    )]
    architecture: Option<String>,
    /// set the platform variant
    #[arg(
        long = "platform.variant",
        value_name = "VARIANT",
        allow_hyphen_values = true
    )]
    variant: Option<String>,
    /// set a manifest annotation (name=value)
    #[arg(
        long = "manifest.annotation",
        value_name = "NAME=VALUE",
        allow_hyphen_values = true
    )]
    annotations: Vec<String>,
    /// clear a list or map before setting values (config.labels, manifest.annotations, config.exposedports, config.env, config.volume, config.cmd, config.entrypoint)
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    clear: Vec<String>,
    #[command(flatten)]
    platform: PlatformOrAllArgs,
    #[arg(hide = true)]
    args: Vec<String>,
}

impl ConfigArgs {
    fn edits(&self) -> Result<ConfigEdits> {
        // Only --created sets it: SOURCE_DATE_EPOCH dates the history
        // entry, as upstream's config command uses it.
        let created = match &self.created {
            Some(s) => Some(GoTime::parse(s).context("parse --created")?),
            None => None,
        };
        Ok(ConfigEdits {
            clear: self.clear.clone(),
            created,
            author: self.author.clone(),
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            user: self.user.clone(),
            stop_signal: self.stop_signal.clone(),
            working_dir: self.working_dir.clone(),
            exposed_ports: self.exposed_ports.clone(),
            env: self.env.clone(),
            entrypoint: self.entrypoint.clone(),
            cmd: self.cmd.clone(),
            volumes: self.volumes.clone(),
            labels: self.labels.clone(),
            annotations: self.annotations.clone(),
        })
    }
}

/// Runs `config`. The whole read-modify-write happens under the index lock,
/// so concurrent edits of one tag are applied one after the other, not lost.
pub fn run(args: ConfigArgs) -> Result<()> {
    args.history.check()?;
    positionals(&args.args, &[])?;
    let image = args.image.get()?;
    let target_tag = args.tag.or(&image.tag)?;
    let edits = args.edits()?;
    let history = args.history.options()?;
    let selection = args.platform.get()?;
    let layout = Layout::open(&image.layout)?;
    let new_root = layout.update_index(|idx| -> Result<_, ImageError> {
        let mut replacements = Vec::new();
        for path in select(&layout, idx, &image.tag, &selection)? {
            let mut source = ImageSource::load(&layout, path)?;
            edits.apply(&mut source.config, &mut source.manifest.annotations)?;
            mutate::mark_manifest_media_type(&mut source);
            let author = source.config.author.clone();
            if let Some(entry) = history.entry("umoci config", &author, true)? {
                source.config.history.push(entry);
            }
            replacements.push(mutate::store(&layout, &source)?);
        }
        let new_root = rewrite_one_tree(&layout, &replacements, &image.tag)?;
        for r in &replacements {
            log::info!(
                "new image manifest created: {}->{}",
                new_root.digest,
                r.path.descriptor().digest
            );
        }
        index::set_ref(idx, &target_tag, new_root.clone())?;
        Ok(new_root)
    })?;
    log::debug!("{target_tag} now points at {}", new_root.digest);
    log::info!("created new tag for image manifest: {target_tag}");
    Ok(())
}
