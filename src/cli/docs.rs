//! `umoci generate-docs DIR` (hidden): writes the man pages (`DIR/man/`)
//! and shell completions (`DIR/contrib/completions/`) from the clap
//! definitions, so they cannot drift from the CLI; a test regenerates them
//! and compares with the committed copies.

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, Command, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// generates man pages and shell completions
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// the repository root to write man/ and contrib/completions/ under
    dir: std::path::PathBuf,
}

/// Hand-written examples, by command path, appended to the man pages.
const EXAMPLES: &[(&str, &str)] = &[
    ("umoci", "umoci init --layout image\numoci new --image image:latest\numoci unpack --image image:latest bundle\numoci repack --image image:latest bundle\numoci gc --layout image"),
    ("umoci-unpack", "skopeo copy docker://docker.io/library/debian:stable oci:image:latest\numoci unpack --image image:latest bundle && runc run -b bundle ctr\numoci unpack --store ~/.cache/umoci-store --store-link hardlink --image image:latest bundle2\nskopeo copy --all docker://docker.io/library/debian:stable oci:image:multi\numoci unpack --image image:multi --platform linux/arm64/v8 bundle\numoci unpack --rootless --image image:latest bundle && runc --root $HOME/.runc run -b bundle ctr\numoci unpack --uid-map 0:100000:65536 --gid-map 0:100000:65536 --image image bundle"),
    ("umoci-repack", "umoci repack --image image:latest bundle\numoci repack --image image:new --compress zstd --refresh-bundle bundle\nSOURCE_DATE_EPOCH=0 umoci repack --image image:latest --history.created_by 'build.sh' bundle"),
    ("umoci-config", "umoci config --image image:latest --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo hi'\numoci config --image image --tag v2 --config.env FOO=bar --clear config.labels\numoci config --image image:multi --platform all --config.env FOO=bar"),
    ("umoci-insert", "umoci insert --image image:latest ./app /opt/app\numoci insert --image image:latest --whiteout /opt/old"),
    ("umoci-stat", "umoci stat --image image:latest\numoci stat --image image:latest --json | jq .history\numoci stat --image image:multi --platform linux/arm/v7"),
    ("umoci-gc", "umoci rm --image image:old && umoci gc --layout image"),
    ("umoci-init", "umoci init --layout image\numoci new --image image:latest"),
    ("umoci-new", "umoci new --image image:scratch\numoci insert --image image:scratch ./rootfs /"),
    ("umoci-list", "umoci ls --layout image\nfor tag in $(umoci ls --layout image); do umoci stat --image image:$tag; done"),
    ("umoci-tag", "umoci tag --image image:latest v1.0"),
    ("umoci-remove", "umoci rm --image image:v1.0"),
    ("umoci-raw", "umoci raw unpack --image image:latest rootfs\numoci raw runtime-config --image image:latest --rootfs rootfs config.json"),
    ("umoci-raw-unpack", "umoci raw unpack --image image:latest rootfs"),
    ("umoci-raw-runtime-config", "umoci raw runtime-config --image image:latest config.json\numoci raw runtime-config --image image:latest --rootfs bundle/rootfs config.json"),
    ("umoci-raw-add-layer", "tar -C changes -cf layer.tar . && umoci raw add-layer --image image:latest layer.tar"),
    ("umoci-index", "skopeo copy --all docker://docker.io/library/debian:stable oci:image:debian\numoci unpack --image image:debian --platform linux/arm64 bundle\numoci repack --image image:debian bundle\nskopeo copy --all oci:image:debian docker://registry.example/debian:edited"),
    ("umoci-index-add", "umoci config --image image:amd64 --platform.os linux --platform.arch amd64\numoci config --image image:arm64 --platform.os linux --platform.arch arm64 --platform.variant v8\numoci index add --image image:latest amd64 arm64\nskopeo copy --all oci:image:latest docker://registry.example/app:latest"),
    ("umoci-index-rm", "umoci index rm --image image:latest --platform linux/arm/v7\numoci gc --layout image"),
    ("umoci-store", "umoci unpack --store ~/.cache/umoci-store --image image:latest bundle1\numoci unpack --store ~/.cache/umoci-store --image image:latest bundle2\numoci store du --store ~/.cache/umoci-store\numoci store gc --store ~/.cache/umoci-store --layout image"),
    ("umoci-store-gc", "rm -rf bundle1 && umoci store gc --store ~/.cache/umoci-store --layout image --layout other-image"),
    ("umoci-store-du", "umoci store du --store ~/.cache/umoci-store"),
    ("umoci-store-fsck", "umoci store fsck --store ~/.cache/umoci-store || echo 'a hardlinked bundle was edited in place'"),
];

/// Runs `generate-docs`.
pub fn run(args: DocsArgs) -> Result<()> {
    let cmd = Cli::command();
    let man = args.dir.join("man");
    std::fs::create_dir_all(&man)?;
    write_man(&cmd, "umoci", &man)?;
    let completions = args.dir.join("contrib/completions");
    std::fs::create_dir_all(&completions)?;
    for (shell, file) in [
        (Shell::Bash, "umoci.bash"),
        (Shell::Zsh, "_umoci"),
        (Shell::Fish, "umoci.fish"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut visible_only(&cmd), "umoci", &mut out);
        std::fs::write(completions.join(file), out).with_context(|| format!("write {file}"))?;
    }
    Ok(())
}

/// Environment variables, and the pages they matter to (`*`: every page).
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "SOURCE_DATE_EPOCH",
        "umoci-new umoci-config umoci-repack umoci-insert umoci-raw-add-layer umoci",
    ),
    ("UMOCI_LOCK_TIMEOUT", "*"),
    (
        "UMOCI_STORE",
        "umoci-unpack umoci-raw-unpack umoci-store umoci-store-gc umoci-store-du umoci-store-fsck",
    ),
    ("NO_COLOR", "*"),
];

/// What each environment variable does.
fn environment_text(var: &str) -> &'static str {
    match var {
        "SOURCE_DATE_EPOCH" => "Seconds since the epoch. New history entries (and, with umoci-new(1), the image) are dated then instead of now, and files newer than it go into new layers with their modification time clamped to it, so the same tree gives the same bytes. It must be a non-negative integer.",
        "UMOCI_STORE" => "The content store to use when --store is not given (see umoci-unpack(1)): for callers that cannot change the command line. Empty means none.",
        "UMOCI_LOCK_TIMEOUT" => "How many seconds to wait for another umoci process to release its lock on a layout before failing (default 600). A warning says what is waited for after a second.",
        _ => "When set and not empty, log lines on a terminal are not coloured.",
    }
}

/// Escapes one line of text for roff.
fn roff_line(line: &str) -> String {
    let line = line.replace('\\', "\\\\").replace('-', "\\-");
    if line.starts_with('.') || line.starts_with('\'') {
        format!("\\&{line}")
    } else {
        line
    }
}

/// Renders `text` (paragraphs separated by blank lines) as roff: filled
/// paragraphs, and indented lines (examples) kept as they are.
fn roff_paragraphs(text: &str) -> String {
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        out.push_str(".PP\n");
        let mut verbatim = false;
        for line in paragraph.lines() {
            match line.strip_prefix("  ") {
                Some(example) => {
                    if !verbatim {
                        out.push_str(".nf\n");
                        verbatim = true;
                    }
                    out.push_str(&format!("    {}\n", roff_line(example)));
                }
                None => {
                    if verbatim {
                        out.push_str(".fi\n");
                        verbatim = false;
                    }
                    out.push_str(&roff_line(line));
                    out.push('\n');
                }
            }
        }
        if verbatim {
            out.push_str(".fi\n");
        }
    }
    out
}

/// The SYNOPSIS: the usage lines the help shows (upstream's placeholders).
fn synopsis(page: &Command) -> String {
    let usage = page.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    let mut out = String::from(".SH SYNOPSIS\n");
    for line in usage.lines() {
        let line = line.trim();
        let (bin, rest) = match line.split_once(" [") {
            Some((bin, rest)) => (bin, format!("[{rest}")),
            None => (line, String::new()),
        };
        out.push_str(&format!(
            "\\fB{}\\fR {}\n.br\n",
            roff_line(bin),
            roff_line(&rest)
        ));
    }
    out
}

/// `cmd` without its hidden subcommands (clap_complete offers them all):
/// names, aliases, summaries and arguments are all completions need.
fn visible_only(cmd: &Command) -> Command {
    let mut out = Command::new(cmd.get_name().to_owned());
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    out = out
        .visible_aliases(cmd.get_visible_aliases().map(str::to_owned))
        .args(cmd.get_arguments().cloned());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        out = out.subcommand(visible_only(sub));
    }
    out
}

fn write_man(cmd: &Command, name: &str, dir: &Path) -> Result<()> {
    let page = cmd
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let page = with_option_docs(page, name);
    let man = clap_mangen::Man::new(page.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    out.extend_from_slice(synopsis(&page).as_bytes());
    match super::describe::DESCRIPTIONS
        .iter()
        .find(|(n, _)| *n == name)
    {
        Some((_, text)) => {
            out.extend_from_slice(b".SH DESCRIPTION\n");
            out.extend_from_slice(roff_paragraphs(text).as_bytes());
        }
        None => man.render_description_section(&mut out)?,
    }
    man.render_options_section(&mut out)?;
    if page.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    if let Some((_, examples)) = EXAMPLES.iter().find(|(n, _)| *n == name) {
        out.extend_from_slice(b".SH EXAMPLES\n");
        for line in examples.lines() {
            out.extend_from_slice(
                format!(
                    ".PP\n\\fB{}\\fR\n",
                    line.replace('\\', "\\\\").replace('-', "\\-")
                )
                .as_bytes(),
            );
        }
    }
    out.extend_from_slice(b".SH ENVIRONMENT\n");
    for (var, pages) in ENVIRONMENT {
        if *pages == "*" || pages.split(' ').any(|p| p == name) {
            out.extend_from_slice(
                format!(".TP\n\\fB{var}\\fR\n{}\n", environment_text(var)).as_bytes(),
            );
        }
    }
    out.extend_from_slice(
        b".SH EXIT STATUS\n0 on success; 1 when the command fails (the reason is on standard error); 3 for an unknown command, as upstream umoci. A command stopped by a broken pipe exits 141. On SIGINT or SIGTERM a command first removes what it made (a partial rootfs, scratch blobs) and then ends by the signal (a shell reports 130 or 143); a second signal ends it at once.\n",
    );
    out.extend_from_slice(b".SH SEE ALSO\n");
    out.extend_from_slice(see_also(cmd, name).as_bytes());
    std::fs::write(dir.join(format!("{name}.1")), out)
        .with_context(|| format!("write {name}.1"))?;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        write_man(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(())
}

/// `page` with the man-page text of each option it has (see
/// [`super::option_docs`]); the help keeps its one-liners.
fn with_option_docs(page: Command, name: &str) -> Command {
    // Built, so that the generated --help exists to be documented too; no
    // `help` subcommand page exists to be listed.
    let mut page = page.disable_help_subcommand(true);
    page.build();
    let flags: Vec<(clap::Id, String)> = page
        .get_arguments()
        .filter_map(|a| Some((a.get_id().clone(), a.get_long()?.to_owned())))
        .collect();
    for (id, flag) in flags {
        let row = super::option_docs::OPTION_DOCS
            .iter()
            .find(|(pages, f, _)| {
                *f == flag && (*pages == "*" || pages.split(' ').any(|p| p == name))
            });
        if let Some((_, _, text)) = row {
            page = page.mut_arg(id, |a| a.long_help(*text));
        }
    }
    page
}

/// `umoci(1)` and the sibling pages, then the tools umoci works with.
fn see_also(cmd: &Command, name: &str) -> String {
    let root = Cli::command();
    let mut pages: Vec<String> = vec!["umoci".to_owned()];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(format!("umoci-{}", sub.get_name()));
        if sub.get_subcommands().next().is_some() {
            for raw in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
                pages.push(format!("umoci-{}-{}", sub.get_name(), raw.get_name()));
            }
        }
    }
    let _ = cmd;
    let mut refs: Vec<String> = pages
        .into_iter()
        .filter(|p| p != name && !p.ends_with("-help"))
        .map(|p| format!("\\fB{}\\fR(1)", p.replace('-', "\\-")))
        .collect();
    refs.extend(["\\fBskopeo\\fR(1)".to_owned(), "\\fBrunc\\fR(8)".to_owned()]);
    format!("{}\n", refs.join(", "))
}
