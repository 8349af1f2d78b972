//! Rewrites argv so clap accepts what upstream's urfave/cli v1 accepts:
//! single-dash long flags (`-image x`), booleans spelt `--flag=true` or
//! `--flag=false`, and `h` as an alias of `help`.
//!
//! The rewrite consults the clap command tree, so only real flag names are
//! touched, and a value that follows a flag (`--config.cmd -c`) is never
//! mistaken for a flag.

use std::ffi::OsString;

use clap::{ArgAction, Command};

fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a clap::Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&clap::Arg> {
    cmd.get_arguments().find(|a| a.get_short() == Some(c))
}

fn takes_value(arg: &clap::Arg) -> bool {
    !matches!(
        arg.get_action(),
        ArgAction::SetTrue
            | ArgAction::SetFalse
            | ArgAction::Help
            | ArgAction::Version
            | ArgAction::Count
    )
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn find_subcommand<'a>(cmd: &'a Command, name: &str) -> Option<&'a Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name))
}

/// Returns argv rewritten for clap. Non-UTF-8 arguments pass through as is.
pub fn normalise(root: &Command, args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    if let Some(argv0) = iter.next() {
        out.push(argv0);
    }
    let mut cmd = root;
    let mut seen_positional = false;
    let mut expecting_value = false;
    while let Some(arg) = iter.next() {
        let Some(s) = arg.to_str().map(str::to_owned) else {
            out.push(arg);
            expecting_value = false;
            continue;
        };
        if expecting_value {
            expecting_value = false;
            out.push(arg);
            continue;
        }
        if s == "--" {
            out.push(arg);
            out.extend(iter.by_ref());
            break;
        }
        if let Some(rest) = s.strip_prefix("--").or_else(|| single_dash_long(cmd, &s)) {
            let (name, value) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (rest, None),
            };
            match find_long(cmd, name) {
                Some(flag) if !takes_value(flag) => match value.map(parse_bool) {
                    None => out.push(format!("--{name}").into()),
                    Some(Some(true)) => out.push(format!("--{name}").into()),
                    Some(Some(false)) => {}
                    Some(None) => out.push(arg),
                },
                Some(_) => {
                    expecting_value = value.is_none();
                    out.push(format!("--{rest}").into());
                }
                None => out.push(arg),
            }
            continue;
        }
        if let Some(c) = s
            .strip_prefix('-')
            .and_then(|r| r.chars().next())
            .filter(|_| s.len() == 2)
        {
            expecting_value = find_short(cmd, c).is_some_and(takes_value);
            out.push(arg);
            continue;
        }
        if !seen_positional && cmd.has_subcommands() {
            if s == "h" || s == "help" {
                // clap adds its help subcommand only when it builds the tree.
                out.push("help".into());
                seen_positional = true;
                continue;
            }
            if let Some(sub) = find_subcommand(cmd, &s) {
                cmd = sub;
                out.push(arg);
                continue;
            }
        }
        seen_positional = true;
        out.push(arg);
    }
    out
}

/// `-name[=value]` where `name` is a long flag of `cmd`: the part after the
/// dash, to be treated as `--name[=value]`.
fn single_dash_long<'a>(cmd: &Command, s: &'a str) -> Option<&'a str> {
    let rest = s.strip_prefix('-')?;
    if rest.starts_with('-') || rest.chars().count() < 2 {
        return None;
    }
    let name = rest.split_once('=').map_or(rest, |(n, _)| n);
    find_long(cmd, name).map(|_| rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Arg;

    fn tree() -> Command {
        Command::new("umoci")
            .arg(
                Arg::new("verbose")
                    .long("verbose")
                    .action(ArgAction::SetTrue),
            )
            .subcommand(
                Command::new("config")
                    .arg(Arg::new("image").long("image"))
                    .arg(Arg::new("cmd").long("config.cmd").action(ArgAction::Append))
                    .arg(Arg::new("nh").long("no-history").action(ArgAction::SetTrue)),
            )
            .subcommand(Command::new("list").alias("ls"))
    }

    fn run(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        normalise(&tree(), args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_table() {
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["u", "-verbose", "config", "-image", "x"],
                &["u", "--verbose", "config", "--image", "x"],
            ),
            (&["u", "config", "-image=x"], &["u", "config", "--image=x"]),
            (&["u", "config", "--no-history=false"], &["u", "config"]),
            (
                &["u", "config", "--no-history=true"],
                &["u", "config", "--no-history"],
            ),
            (
                &[
                    "u",
                    "config",
                    "--config.cmd",
                    "-c",
                    "--config.cmd",
                    "-image",
                ],
                &[
                    "u",
                    "config",
                    "--config.cmd",
                    "-c",
                    "--config.cmd",
                    "-image",
                ],
            ),
            (&["u", "h"], &["u", "help"]),
            (&["u", "ls"], &["u", "ls"]),
            (&["u", "config", "-x"], &["u", "config", "-x"]),
        ];
        for (input, want) in cases {
            assert_eq!(run(input), *want, "{input:?}");
        }
    }
}
