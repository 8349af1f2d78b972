//! go-mtree's text format, as `mtree.Walk` + `WriteTo` produce it for umoci:
//! a signature header, then per directory a blank line, a `# path`
//! comment, a `/set` line when the directory's owner differs from the
//! current defaults, the directory's own line, its files indented by four
//! spaces, its subdirectories, and `..`. Keywords equal to the current
//! `/set` defaults are left out.

use crate::fs::Root;
use std::io::{self, Write};

use super::stat_cache::StatCacheWriter;
use super::vis::vis;
use super::walk::{walk, Event, WalkOptions};

/// The `/set` defaults go-mtree always writes, before `uid`/`gid`.
const SET_DEFAULTS: [&str; 3] = ["type=file", "nlink=1", "mode=0664"];

/// The signature comment lines at the top of a manifest.
pub struct Header<'a> {
    /// `user:` (the user who made the manifest).
    pub user: &'a str,
    /// `machine:` (the host name).
    pub machine: &'a str,
    /// `tree:` (the path walked, as given).
    pub tree: &'a str,
    /// `date:` (ANSI C `date` format).
    pub date: &'a str,
}

/// Walks the tree `root` is a handle to and writes its manifest with
/// `keywords` to `out`.
pub fn write_manifest(
    root: &Root,
    header: &Header<'_>,
    keywords: &[&str],
    opts: &WalkOptions<'_>,
    out: &mut dyn Write,
    mut cache: Option<&mut StatCacheWriter>,
) -> io::Result<()> {
    writeln!(out, "#{:>16}{}", "user: ", header.user)?;
    writeln!(out, "#{:>16}{}", "machine: ", header.machine)?;
    writeln!(out, "#{:>16}{}", "tree: ", header.tree)?;
    writeln!(out, "#{:>16}{}", "date: ", header.date)?;
    writeln!(out, "#{:>16}{}", "keywords: ", keywords.join(","))?;

    let mut current_set: Vec<String> = Vec::new();
    let mut dir_stack: Vec<String> = Vec::new();
    let mut visit = |event: Event| -> io::Result<()> {
        match event {
            Event::Enter(node) => {
                let shown = if dir_stack.is_empty() {
                    ".".to_owned()
                } else {
                    vis(&node.name)
                };
                let comment = match dir_stack.last() {
                    None => ".".to_owned(),
                    Some(parent) if parent == "." => shown.clone(),
                    Some(parent) => format!("{parent}/{shown}"),
                };
                writeln!(out)?;
                writeln!(out, "# {comment}")?;
                let owner = [format!("uid={}", node.uid), format!("gid={}", node.gid)];
                if current_set.is_empty() || owner.iter().any(|kv| !current_set.contains(kv)) {
                    current_set = SET_DEFAULTS
                        .iter()
                        .filter(|kv| keywords.contains(&kv.split('=').next().unwrap_or("")))
                        .map(|s| s.to_string())
                        .chain(
                            owner
                                .iter()
                                .filter(|kv| keywords.contains(&kv.split('=').next().unwrap_or("")))
                                .cloned(),
                        )
                        .collect();
                    writeln!(out, "/set {}", current_set.join(" "))?;
                }
                writeln!(
                    out,
                    "{} {}",
                    shown,
                    entry_keywords(&node, keywords, &current_set)
                )?;
                dir_stack.push(comment);
            }
            Event::Leaf(node) => {
                if let (Some(cache), Some(stat)) = (cache.as_deref_mut(), node.cached_stat()) {
                    cache.add(&node.path.to_bytes(), &stat)?;
                }
                writeln!(
                    out,
                    "    {} {}",
                    vis(&node.name),
                    entry_keywords(&node, keywords, &current_set)
                )?;
            }
            Event::Leave => {
                dir_stack.pop();
                writeln!(out, "..")?;
            }
        }
        Ok(())
    };
    walk(root, opts, &mut visit)
}

fn entry_keywords(node: &super::walk::Node, keywords: &[&str], set: &[String]) -> String {
    keywords
        .iter()
        .filter_map(|kw| node.keyword(kw))
        .filter(|kv| !set.contains(kv))
        .collect::<Vec<_>>()
        .join(" ")
}
