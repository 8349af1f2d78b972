//! The command line: clap definitions matching upstream's flags and help
//! layout, and dispatch to one module per command. Each command module only
//! turns flags into a library call and prints the result.

mod argv;
mod common;
mod config;
mod describe;
mod docs;
mod gc;
mod index;
mod init;
mod insert;
pub mod logger;
mod ls;
mod new;
mod option_docs;
mod progress;
mod raw;
mod repack;
mod stat;
mod store;
mod tag;
mod unpack;

use std::ffi::OsString;

use anyhow::{bail, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

const ROOT_TEMPLATE: &str = "\
NAME:
   {name} - {about}

USAGE:
   {usage}

COMMANDS:
{subcommands}

GLOBAL OPTIONS:
{options}
";

pub(crate) use describe::command_template;

/// The `--log` levels, for completions (root help keeps upstream's text).
const LOG_VALUES: common::OfferedValues = common::OfferedValues(|| {
    ["debug", "info", "warn", "error", "fatal"]
        .map(|level| (level.to_owned(), String::new()))
        .to_vec()
});

/// umoci modifies Open Container images
#[derive(Debug, Parser)]
#[command(
    name = "umoci",
    disable_version_flag = true,
    help_template = ROOT_TEMPLATE,
    subcommand_help_heading = "COMMANDS",
    override_usage = "umoci [global options] command [command options] [arguments...]"
)]
pub struct Cli {
    /// alias for --log=info
    #[arg(long)]
    verbose: bool,
    /// set the log level (debug, info, [warn], error, fatal)
    #[arg(
        long,
        value_name = "LEVEL",
        value_parser = LOG_VALUES,
        hide_possible_values = true
    )]
    log: Option<String>,
    /// print the version
    #[arg(short = 'v', long)]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

// Parsed once per process; boxing the big variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// create a new OCI layout
    #[command(help_template = command_template!("init", "layout", init), override_usage = "umoci init [command options] --layout <image-path>")]
    Init(init::InitArgs),
    /// creates a blank tagged OCI image
    #[command(help_template = command_template!("new", "image", new), override_usage = "umoci new [command options] --image <image-path>:<new-tag>")]
    New(new::NewArgs),
    /// lists the set of tags in an OCI layout
    #[command(visible_alias = "ls", help_template = command_template!("list", "layout", list), override_usage = "umoci list [command options] --layout <image-path>")]
    List(ls::ListArgs),
    /// creates a new tag in an OCI image
    #[command(help_template = command_template!("tag", "image", tag), override_usage = "umoci tag [command options] --image <image-path>[:<tag>] <new-tag>")]
    Tag(tag::TagArgs),
    /// removes a tag from an OCI image
    #[command(visible_alias = "rm", help_template = command_template!("remove", "image", remove), override_usage = "umoci remove [command options] --image <image-path>[:<tag>]")]
    Remove(tag::RemoveArgs),
    /// garbage-collects an OCI layout
    #[command(help_template = command_template!("gc", "layout", gc), override_usage = "umoci gc [command options] --layout <image-path>")]
    Gc(gc::GcArgs),
    /// displays status information of an image manifest
    #[command(help_template = command_template!("stat", "image", stat), override_usage = "umoci stat [command options] --image <image-path>[:<tag>]")]
    Stat(stat::StatArgs),
    /// modifies the image configuration of an OCI image
    #[command(help_template = command_template!("config", "image", config), override_usage = "umoci config [command options] --image <image-path>[:<tag>] [--tag <new-tag>]")]
    Config(config::ConfigArgs),
    /// unpacks a reference into an OCI runtime bundle
    #[command(help_template = command_template!("unpack", "image", unpack), override_usage = "umoci unpack [command options] --image <image-path>[:<tag>] <bundle>")]
    Unpack(unpack::UnpackArgs),
    /// repacks an OCI runtime bundle into a reference
    #[command(help_template = command_template!("repack", "image", repack), override_usage = "umoci repack [command options] --image <image-path>[:<new-tag>] <bundle>")]
    Repack(repack::RepackArgs),
    /// insert content into an OCI image
    #[command(help_template = command_template!("insert", "image", insert), override_usage = "umoci insert [command options] --image <image-path>[:<tag>] [--opaque] <source> <target>\n   umoci insert [command options] --image <image-path>[:<tag>] --whiteout <target>")]
    Insert(insert::InsertArgs),
    /// multi-platform image indexes
    #[command(
        help_template = "NAME:\n   umoci index - {about}\n\nUSAGE:\n   {usage}\n\nCOMMANDS:\n{subcommands}\n\nOPTIONS:\n{options}\n",
        override_usage = "umoci index command [command options] [arguments...]"
    )]
    Index(index::IndexArgs),
    /// shared content stores for unpack
    #[command(
        help_template = "NAME:\n   umoci store - {about}\n\nUSAGE:\n   {usage}\n\nCOMMANDS:\n{subcommands}\n\nOPTIONS:\n{options}\n",
        override_usage = "umoci store command [command options] [arguments...]"
    )]
    Store(store::StoreCmdArgs),
    /// advanced internal image tooling
    #[command(
        help_template = "NAME:\n   umoci raw - {about}\n\nUSAGE:\n   {usage}\n\nCOMMANDS:\n{subcommands}\n\nOPTIONS:\n{options}\n",
        override_usage = "umoci raw command [command options] [arguments...]"
    )]
    Raw(raw::RawArgs),
    /// generates man pages and shell completions
    #[command(hide = true, name = "generate-docs")]
    GenerateDocs(docs::DocsArgs),
}

fn version_text() -> String {
    format!(
        "umoci version {}\nimage spec: {}\nruntime spec: {}\nrust: {}\n",
        env!("CARGO_PKG_VERSION"),
        "1.1.1",
        "1.2.1",
        env!("UMOCI_RUSTC_VERSION"),
    )
}

/// Parses `args` (argv including argv[0]) and runs the command. Returns the
/// process exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    catch_interruption();
    let status = match run(args) {
        Ok(()) => 0,
        Err(err) if is_broken_pipe(&err) => 141, // as if killed by SIGPIPE, quietly
        Err(err) => match err.downcast_ref::<Reported>() {
            Some(Reported(status)) => *status,
            None => {
                logger::fatal(&format!("{err:#}"));
                1
            }
        },
    };
    // Whatever was under way has stopped and cleaned up after itself; end
    // as the signal would have ended us, so the caller sees it.
    if let Some(signal) = umoci::interrupt::received() {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
    status
}

/// SIGINT and SIGTERM are recorded (see [`umoci::interrupt`]) instead of
/// ending the process at once, so a partial rootfs or scratch blob is
/// removed first. A second one of either, while the first is handled,
/// ends it. A signal the parent ignores (a shell's background job and
/// SIGINT) stays ignored, as an unhandled one would.
fn catch_interruption() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let slot = umoci::interrupt::signal_slot();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        if is_ignored(signal) {
            continue;
        }
        // Registered first, so it runs first: a repeat finds the flag set
        // and ends the process as the default action would.
        let _ = signal_hook::flag::register_conditional_default(signal, seen.clone());
        let _ = signal_hook::flag::register(signal, seen.clone());
        let _ = signal_hook::flag::register_usize(signal, slot.clone(), signal as usize);
    }
}

/// Whether `signal` is ignored (inherited `SIG_IGN`).
fn is_ignored(signal: i32) -> bool {
    // SAFETY: a null new action only reads the current one into `old`,
    // which is a plain C struct that zeroes are valid for.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// A usage error already printed in upstream's words; the program ends
/// with this status.
#[derive(Debug)]
struct Reported(i32);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "usage error (exit status {})", self.0)
    }
}

impl std::error::Error for Reported {}

/// Reports a command-line parse error as upstream's CLI library does:
/// an unknown command is "No help topic" and status 3; an unknown flag is
/// "Incorrect Usage" and the command's help on stdout, the error on
/// stderr, and status 1; a command group without a command prints its
/// help and succeeds. Anything else is one error line and status 1.
fn report_parse_error(command: &clap::Command, args: &[OsString], e: clap::Error) -> Result<()> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        // Candidates come least likely first.
        Some(ContextValue::Strings(s)) => s.last().cloned(),
        _ => None,
    };
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            e.print()?;
            Ok(())
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let (mut sub, _) = subcommand_of(command, args);
            print!("{}", sub.render_help());
            Ok(())
        }
        ErrorKind::InvalidSubcommand => {
            let name = context(ContextKind::InvalidSubcommand).unwrap_or_default();
            eprintln!(
                "No help topic for '{}'",
                umoci::spec::escape::printable(&name)
            );
            // Upstream's line, then what a person needs next (hidden
            // commands are not offered).
            let (sub, path) = subcommand_of(command, args);
            let visible =
                |name: &String| sub.find_subcommand(name).is_some_and(|s| !s.is_hide_set());
            match context(ContextKind::SuggestedSubcommand).filter(visible) {
                Some(close) => {
                    eprintln!("Did you mean '{close}'? '{path} --help' lists the commands.")
                }
                None => eprintln!("'{path} --help' lists the commands."),
            }
            Err(Reported(3).into())
        }
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg).unwrap_or_default();
            let name = arg.trim_start_matches('-');
            let name = name.split_once('=').map_or(name, |(n, _)| n);
            let message = format!("flag provided but not defined: -{name}");
            let (mut sub, path) = subcommand_of(command, args);
            print!("Incorrect Usage: {message}\n\n{}", sub.render_help());
            logger::fatal(&message);
            if let Some(close) = context(ContextKind::SuggestedArg) {
                eprintln!("Did you mean '{close}'? '{path} --help' lists the options.");
            }
            Err(Reported(1).into())
        }
        _ => bail!(
            "{}",
            e.render()
                .to_string()
                .trim_start_matches("error: ")
                .lines()
                .next()
                .unwrap_or("invalid arguments")
        ),
    }
}

/// The (sub)command `args` name, for its help, and how it is typed
/// (`umoci raw unpack`).
fn subcommand_of(command: &clap::Command, args: &[OsString]) -> (clap::Command, String) {
    let mut current = command.clone();
    let mut path = String::from("umoci");
    for arg in args.iter().skip(1) {
        let Some(arg) = arg.to_str() else { break };
        if arg.starts_with('-') {
            continue;
        }
        match current.find_subcommand(arg) {
            Some(sub) => {
                path.push(' ');
                path.push_str(sub.get_name());
                current = sub.clone();
            }
            None => break,
        }
    }
    (current, path)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(args: Vec<OsString>) -> Result<()> {
    let command = Cli::command();
    let args = argv::normalise(&command, args);
    let matches = match command.clone().try_get_matches_from(args.clone()) {
        Ok(m) => m,
        Err(e) => return report_parse_error(&command, &args, e),
    };
    let cli = Cli::from_arg_matches(&matches)?;

    if cli.verbose && cli.log.is_some() {
        bail!("--log=* and --verbose are mutually exclusive");
    }
    let level_name = if cli.verbose {
        "info"
    } else {
        cli.log.as_deref().unwrap_or("warn")
    };
    let Some(level) = logger::parse_level(level_name) else {
        bail!("parsing log level: not a valid log level: {level_name:?}");
    };
    logger::init(level);

    if cli.version {
        print!("{}", version_text());
        return Ok(());
    }
    let Some(command) = cli.command else {
        Cli::command().print_help()?;
        return Ok(());
    };
    match command {
        Command::Init(a) => init::run(a),
        Command::New(a) => new::run(a),
        Command::List(a) => ls::run(a),
        Command::Tag(a) => tag::run_tag(a),
        Command::Remove(a) => tag::run_remove(a),
        Command::Gc(a) => gc::run(a),
        Command::Stat(a) => stat::run(a),
        Command::Config(a) => config::run(a),
        Command::Unpack(a) => unpack::run(a),
        Command::Raw(a) => raw::run(a),
        Command::Index(a) => index::run(a),
        Command::Store(a) => store::run(a),
        Command::GenerateDocs(a) => docs::run(a),
        Command::Repack(a) => repack::run(a),
        Command::Insert(a) => insert::run(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
