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
    ("umoci-unpack", "umoci unpack --image image:latest bundle\numoci unpack --rootless --image image:latest bundle\numoci unpack --uid-map 0:100000:65536 --gid-map 0:100000:65536 --image image bundle"),
    ("umoci-repack", "umoci repack --image image:latest bundle\numoci repack --image image:new --compress zstd --refresh-bundle bundle\nSOURCE_DATE_EPOCH=0 umoci repack --image image:latest --history.created_by 'build.sh' bundle"),
    ("umoci-config", "umoci config --image image:latest --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo hi'\numoci config --image image --tag v2 --config.env FOO=bar --clear config.labels"),
    ("umoci-insert", "umoci insert --image image:latest ./app /opt/app\numoci insert --image image:latest --whiteout /opt/old"),
    ("umoci-stat", "umoci stat --image image:latest\numoci stat --image image:latest --json | jq .history"),
    ("umoci-gc", "umoci rm --image image:old && umoci gc --layout image"),
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
        clap_complete::generate(shell, &mut cmd.clone(), "umoci", &mut out);
        std::fs::write(completions.join(file), out).with_context(|| format!("write {file}"))?;
    }
    Ok(())
}

fn write_man(cmd: &Command, name: &str, dir: &Path) -> Result<()> {
    let page = cmd
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let mut out = Vec::new();
    clap_mangen::Man::new(page.clone()).render(&mut out)?;
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
