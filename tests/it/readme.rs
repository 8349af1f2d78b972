//! The README's tour runs as written: its command lines, read from the
//! README itself, run in order in a scratch directory, on a terminal (as a
//! person's shell gives `runc run` one), with this build as `umoci`.

use std::path::{Path, PathBuf};

use crate::common::*;

/// The indented command lines of the README section headed `heading`.
pub(crate) fn section_commands(heading: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    section[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .map(str::to_owned)
        .collect()
}

/// A `bin` directory in `dir` where this build answers to `umoci` (put it
/// first on PATH), and an empty `work` directory to run commands in.
pub(crate) fn umoci_on_path(dir: &Path) -> (PathBuf, PathBuf) {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(umoci_bin(), bin.join("umoci")).unwrap();
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    (bin, work)
}

#[test]
fn the_readme_tour_runs_as_written() {
    if !running_as_root("the tour runs runc as root") {
        return;
    }
    for tool in ["runc", "script"] {
        if !have_tool(tool) {
            return;
        }
    }
    assert!(
        Path::new("/bin/busybox").is_file() || may_skip(),
        "the tour inserts /bin/busybox: install busybox-static"
    );
    let lines = section_commands("## A short tour");
    assert!(lines.len() >= 10, "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("runc run ")),
        "{lines:?}"
    );
    let dir = tempdir();
    let (bin, work) = umoci_on_path(dir.path());
    let script = format!(
        "set -ex\ncd {}\nexport PATH={}:$PATH\nrunc delete -f tour-ctr 2>/dev/null || true\n{}\n",
        s(&work),
        s(&bin),
        lines.join("\n")
    );
    std::fs::write(dir.path().join("tour.sh"), script).unwrap();
    let command = format!("sh {}", s(&dir.path().join("tour.sh")));
    let out = run("script", &["-qec", &command, "/dev/null"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("hello from the bundle"),
        "{}",
        out.stdout
    );
    assert_eq!(
        umoci(&["ls", "--layout", s(&work.join("image"))]).ok(),
        "v1\n"
    );
}
