//! Flag groups shared by several commands (`--image`, `--layout`, `--tag`,
//! `--history.*`), flattened into each command's clap struct, and the
//! positional-argument checks every command makes.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use umoci::image::platform::Selection;
use umoci::image::reference::{parse_layout, validate_tag};
use umoci::image::select::select;
use umoci::image::{HistoryOptions, ImageRef};
use umoci::spec::GoTime;

/// `--image PATH[:TAG]`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// OCI image URI of the form 'path[:tag]'
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<OsString>,
}

impl ImageArgs {
    /// The parsed reference; `--image` is mandatory.
    pub fn get(&self) -> Result<ImageRef> {
        let Some(image) = &self.image else {
            bail!("missing mandatory argument: --image");
        };
        Ok(ImageRef::parse(image)?)
    }

    /// Opens the layout (shared lock) and loads the tagged image that
    /// `selection` chooses.
    pub fn open(
        &self,
        selection: &Selection,
    ) -> Result<(umoci::layout::Layout, umoci::image::ImageSource)> {
        let (layout, mut sources) = self.open_all(selection)?;
        Ok((layout, sources.remove(0)))
    }

    /// Opens the layout (shared lock) and loads every image of the tag
    /// that `selection` chooses (one unless [`Selection::All`]).
    pub fn open_all(
        &self,
        selection: &Selection,
    ) -> Result<(umoci::layout::Layout, Vec<umoci::image::ImageSource>)> {
        let image = self.get()?;
        let layout = umoci::layout::Layout::open(&image.layout)?;
        let index = layout.read_index()?;
        let sources = select(&layout, &index, &image.tag, selection)?
            .into_iter()
            .map(|path| umoci::image::ImageSource::load(&layout, path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((layout, sources))
    }
}

/// `--platform OS/ARCH[/VARIANT]`: one image of a multi-platform index.
#[derive(Debug, Args)]
pub struct PlatformArgs {
    /// platform of a multi-platform image to use, as os/arch[/variant] (default: the host's)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
}

impl PlatformArgs {
    /// The images to work on.
    pub fn get(&self) -> Result<Selection> {
        Ok(Selection::parse(self.platform.as_deref(), false)?)
    }
}

/// `--store DIR` and `--store-link MODE`: unpacking through a shared
/// content store.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// shared content store to check files out of (created if missing; default: $UMOCI_STORE): a layer already in it is not read again
    #[arg(long, value_name = "DIR")]
    pub store: Option<std::path::PathBuf>,
    /// how files come out of the store: auto, reflink, copy or hardlink
    #[arg(long = "store-link", value_name = "MODE", value_parser = STORE_LINK_VALUES)]
    pub store_link: Option<String>,
}

/// The store `--store` names, else `UMOCI_STORE`; an empty value is none
/// (a caller that sets the variable to nothing means no store).
pub fn store_dir(flag: Option<&std::path::PathBuf>) -> Option<std::path::PathBuf> {
    flag.cloned()
        .or_else(|| std::env::var_os(umoci::store::STORE_ENV).map(Into::into))
        .filter(|p: &std::path::PathBuf| !p.as_os_str().is_empty())
}

/// The `--store-link` values.
pub const STORE_LINK_VALUES: OfferedValues = OfferedValues(|| {
    [
        ("auto", "reflink where the file system can, else copy (the default)"),
        ("reflink", "share blocks with the store (FICLONE); safe to edit in place"),
        ("copy", "copy the bytes; safe to edit in place"),
        ("hardlink", "share inodes with the store and other bundles: replace files, never edit them in place"),
    ]
    .map(|(v, h)| (v.to_owned(), h.to_owned()))
    .to_vec()
});

impl StoreArgs {
    /// The store to unpack through, if one is named.
    pub fn get(&self) -> Result<Option<umoci::bundle::StoreOptions>> {
        use umoci::store::LinkMode;
        let link = match &self.store_link {
            None => LinkMode::Auto,
            Some(v) => LinkMode::parse(v).ok_or_else(|| {
                anyhow::anyhow!(
                    "invalid --store-link {v:?}: expected auto, reflink, copy or hardlink"
                )
            })?,
        };
        let store = store_dir(self.store.as_ref());
        match store {
            Some(path) => Ok(Some(umoci::bundle::StoreOptions { path, link })),
            None if self.store_link.is_some() => {
                anyhow::bail!("--store-link needs a store: --store DIR (or UMOCI_STORE)")
            }
            None => Ok(None),
        }
    }
}

/// `--platform OS/ARCH[/VARIANT]|all`: one image of a multi-platform index,
/// or every one.
#[derive(Debug, Args)]
pub struct PlatformOrAllArgs {
    /// platform of a multi-platform image to change, as os/arch[/variant], or 'all' (default: the host's)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
}

impl PlatformOrAllArgs {
    /// The images to work on.
    pub fn get(&self) -> Result<Selection> {
        Ok(Selection::parse(self.platform.as_deref(), true)?)
    }
}

/// `--layout PATH`.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// path to an OCI image layout
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<OsString>,
}

impl LayoutArgs {
    /// The validated path; `--layout` is mandatory.
    pub fn get(&self) -> Result<PathBuf> {
        let Some(layout) = &self.layout else {
            bail!("missing mandatory argument: --layout");
        };
        Ok(parse_layout(layout)?)
    }
}

/// `--tag NEW`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// tag name
    #[arg(long, value_name = "TAG", allow_hyphen_values = true)]
    pub tag: Option<String>,
}

impl TagArgs {
    /// The tag to write: `--tag` if given (validated), else `default`.
    pub fn or(&self, default: &str) -> Result<String> {
        match &self.tag {
            Some(tag) => {
                validate_tag("--tag", tag)?;
                Ok(tag.clone())
            }
            None => Ok(default.to_owned()),
        }
    }
}

/// `--no-history` and `--history.*`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// do not create a history entry
    #[arg(long = "no-history")]
    pub no_history: bool,
    /// author value for the history entry
    #[arg(
        id = "history.author",
        long = "history.author",
        value_name = "AUTHOR",
        allow_hyphen_values = true
    )]
    pub author: Option<String>,
    /// comment for the history entry
    #[arg(
        id = "history.comment",
        long = "history.comment",
        value_name = "COMMENT",
        allow_hyphen_values = true
    )]
    pub comment: Option<String>,
    /// created value for the history entry
    #[arg(
        id = "history.created",
        long = "history.created",
        value_name = "DATE",
        allow_hyphen_values = true
    )]
    pub created: Option<String>,
    /// created_by value for the history entry
    #[arg(
        id = "history.created_by",
        long = "history.created_by",
        value_name = "CREATED_BY",
        allow_hyphen_values = true
    )]
    pub created_by: Option<String>,
}

impl HistoryArgs {
    /// Refuses `--no-history` beside any `--history.*` flag, naming the
    /// first as upstream does (its flags in their declared order).
    pub fn check(&self) -> Result<()> {
        if !self.no_history {
            return Ok(());
        }
        let given = [
            ("history.author", self.author.is_some()),
            ("history.comment", self.comment.is_some()),
            ("history.created", self.created.is_some()),
            ("history.created_by", self.created_by.is_some()),
        ];
        if let Some((name, _)) = given.iter().find(|(_, set)| *set) {
            bail!("--no-history and --{name} may not be specified together");
        }
        Ok(())
    }

    /// The library's options, with `--history.created` parsed.
    pub fn options(&self) -> Result<HistoryOptions> {
        self.check()?;
        let created = match &self.created {
            Some(s) => Some(
                GoTime::parse(s).map_err(|e| anyhow::anyhow!("parsing --history.created: {e}"))?,
            ),
            None => None,
        };
        Ok(HistoryOptions {
            no_history: self.no_history,
            author: self.author.clone(),
            comment: self.comment.clone(),
            created,
            created_by: self.created_by.clone(),
        })
    }
}

/// Fails unless exactly `expected.len()` positional arguments were given;
/// `expected` is how upstream names them in the message.
pub fn positionals<'a, T>(args: &'a [T], expected: &[&str]) -> Result<&'a [T]> {
    if args.len() != expected.len() {
        let what = if expected.is_empty() {
            "none".to_owned()
        } else {
            expected.join(" ")
        };
        bail!("invalid number of positional arguments: expected {what}");
    }
    Ok(args)
}

/// `--uid-map`, `--gid-map` and `--rootless`.
#[derive(Debug, Args)]
pub struct IdMapArgs {
    /// specifies a uid mapping to use (container:host:size)
    #[arg(long = "uid-map", value_name = "VALUE")]
    pub uid_map: Vec<String>,
    /// specifies a gid mapping to use (container:host:size)
    #[arg(long = "gid-map", value_name = "VALUE")]
    pub gid_map: Vec<String>,
    /// enable rootless command support
    #[arg(long)]
    pub rootless: bool,
}

impl IdMapArgs {
    /// The ownership to work with. Rootless mode is on when asked for and
    /// whenever we are not root; it maps the container's root to us unless
    /// maps are given.
    pub fn get(&self) -> Result<umoci::fs::Ownership> {
        use umoci::fs::IdMap;
        let rootless = self.rootless || !rustix::process::geteuid().is_root();
        if rootless && !self.rootless {
            // Our one deliberate difference from upstream, which fails here
            // with "maybe --rootless will help?".
            log::info!("not running as root: rootless mode chosen (as with --rootless)");
        }
        let parse = |flag: &str, values: &[String], own: u32| -> Result<Vec<IdMap>> {
            if values.is_empty() && rootless {
                return Ok(vec![IdMap {
                    container_id: 0,
                    host_id: own,
                    size: 1,
                }]);
            }
            values
                .iter()
                .map(|v| {
                    IdMap::parse(v).map_err(|e| anyhow::anyhow!("failure parsing {flag} {v}: {e}"))
                })
                .collect()
        };
        let uid_maps = parse(
            "--uid-map",
            &self.uid_map,
            rustix::process::geteuid().as_raw(),
        )?;
        let gid_maps = parse(
            "--gid-map",
            &self.gid_map,
            rustix::process::getegid().as_raw(),
        )?;
        Ok(if rootless {
            umoci::fs::Ownership::rootless(uid_maps, gid_maps)
        } else {
            umoci::fs::Ownership::privileged(uid_maps, gid_maps)
        })
    }
}

/// `--compress auto|none|gzip[:LEVEL]|zstd[:LEVEL]`.
#[derive(Debug, Args)]
pub struct CompressArgs {
    /// compression algorithm for newly created layer blobs, optionally with a level (gzip:9, zstd:19)
    #[arg(
        long,
        value_name = "ALGORITHM",
        default_value = "auto",
        value_parser = COMPRESS_VALUES
    )]
    pub compress: String,
}

/// Takes any text (it is checked when the command runs, so the error is
/// upstream's) but offers a list of values to help and completions.
#[derive(Debug, Clone, Copy)]
pub struct OfferedValues(pub fn() -> Vec<(String, String)>);

/// The `--compress` values, from the codec table.
pub const COMPRESS_VALUES: OfferedValues = OfferedValues(umoci::layer::CompressChoice::values);

impl clap::builder::TypedValueParser for OfferedValues {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(|(name, help)| {
            clap::builder::PossibleValue::new(name).help(help)
        })))
    }
}

impl CompressArgs {
    /// The parsed choice.
    pub fn get(&self) -> Result<umoci::layer::CompressChoice> {
        Ok(umoci::layer::CompressChoice::parse(&self.compress)?)
    }
}
