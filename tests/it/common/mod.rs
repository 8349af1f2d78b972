//! Helpers shared by the integration tests: running the built binary,
//! scratch layouts, snapshots of a directory tree for "nothing changed"
//! checks, and interop-tool discovery that fails in CI instead of skipping.
#![allow(dead_code)]

pub mod layers;
pub mod users;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test: the one this crate builds, or the one named by
/// `UMOCI_TEST_BIN` (to check that a test fails against an older build, or
/// to run it against upstream's).
pub fn umoci_bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("UMOCI_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_umoci").to_owned())
    })
}

/// Result of one run of a command; check it (`.ok()`, `.fails_with()`).
#[must_use]
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The result of a command that has run.
    pub fn from(out: Output) -> Self {
        Run {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(self) -> String {
        assert_eq!(
            self.status, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self.stdout
    }

    /// Asserts failure with exit status 1 and exactly one non-empty line on
    /// stderr containing `needle`; returns that line.
    #[track_caller]
    pub fn fails_with(self, needle: &str) -> String {
        assert_eq!(
            self.status, 1,
            "expected exit 1\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one error line, got: {:?}",
            self.stderr
        );
        assert!(
            lines[0].contains(needle),
            "error {:?} does not mention {needle:?}",
            lines[0]
        );
        lines[0].to_owned()
    }
}

/// Runs our binary with `args`.
pub fn umoci(args: &[&str]) -> Run {
    umoci_env(args, &[])
}

/// Our binary with `args`, ready to run as every test runs it: without
/// the caller's `SOURCE_DATE_EPOCH` or shared store.
pub fn umoci_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(umoci_bin());
    cmd.args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("UMOCI_STORE");
    cmd
}

/// Runs our binary with `args` and extra environment variables.
pub fn umoci_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = umoci_command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("run umoci"))
}

/// Runs our binary with `args` under `/usr/bin/time` (writing its report
/// to `report`) and returns the run and its peak RSS in KiB.
pub fn umoci_measured(args: &[&str], report: &Path) -> (Run, u64) {
    let mut full = vec!["-o", s(report), "-f", "%M", umoci_bin()];
    full.extend_from_slice(args);
    let out = run("/usr/bin/time", &full);
    let rss = std::fs::read_to_string(report)
        .unwrap_or_default()
        .trim()
        .lines()
        .last()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    (out, rss)
}

/// Runs any program.
pub fn run(program: &str, args: &[&str]) -> Run {
    Run::from(
        Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}")),
    )
}

/// Whether a test may skip for want of a tool or of root: only when asked
/// (`UMOCI_TESTS_MAY_SKIP=1`) and never in CI (`CI=true`). Otherwise a
/// missing prerequisite fails the test, naming it, so that nobody reads
/// "all passed" over tests that did not run.
pub fn may_skip() -> bool {
    std::env::var("CI").as_deref() != Ok("true")
        && std::env::var("UMOCI_TESTS_MAY_SKIP").as_deref() == Ok("1")
}

/// Whether `tool` is on PATH. A missing tool fails the test (see
/// [`may_skip`] for skipping instead, with a message).
pub fn have_tool(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        assert!(
            may_skip(),
            "{tool} is not installed: the tests drive it (.ci/run installs every tool; UMOCI_TESTS_MAY_SKIP=1 skips instead)"
        );
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

/// Whether the tests run as root. A test that needs it fails when not,
/// saying `why` (see [`may_skip`] for skipping instead).
pub fn running_as_root(why: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    assert!(
        may_skip(),
        "{why}: run the tests as root (UMOCI_TESTS_MAY_SKIP=1 skips instead)"
    );
    eprintln!("skipping: {why}");
    false
}

/// A tmpfs mounted in a test's directory, unmounted when dropped; `None`
/// unless root.
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs with mount `options` at `dir/tmpfs`.
    pub fn mount(dir: &Path, options: &str) -> Option<Tmpfs> {
        if !rustix::process::geteuid().is_root() {
            return None;
        }
        let at = dir.join("tmpfs");
        std::fs::create_dir(&at).unwrap();
        let out = run("mount", &["-t", "tmpfs", "-o", options, "tmpfs", s(&at)]);
        assert_eq!(out.status, 0, "mount tmpfs: {}", out.stderr);
        Some(Tmpfs(at))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = run("umount", &["-l", s(&self.0)]);
    }
}

/// `len` bytes from /dev/urandom: content no compressor shrinks.
pub fn random_bytes(len: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open("/dev/urandom").unwrap(), len),
        &mut bytes,
    )
    .unwrap();
    bytes
}

/// A temporary directory that lives as long as the value.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// The repository's bundled test image.
pub fn hello_image() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-images/hello")
}

/// Copies the bundled test image into `dir/name` and returns its path.
pub fn copy_hello(dir: &Path, name: &str) -> PathBuf {
    let dst = dir.join(name);
    copy_tree(&hello_image(), &dst);
    dst
}

/// Recursively copies a directory of regular files.
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every entry under `dir` with the digest of its bytes (or `<dir>`), for
/// byte-for-byte comparisons that print readably when they fail.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap().to_owned();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                out.insert(rel, "<dir>".to_owned());
                stack.push(path);
            } else if ft.is_symlink() {
                out.insert(
                    rel,
                    format!("-> {}", std::fs::read_link(&path).unwrap().display()),
                );
            } else if !ft.is_file() {
                // Never open fifos or devices: reading them can block.
                out.insert(rel, "<special>".to_owned());
            } else {
                let data = std::fs::read(&path).unwrap_or_default();
                out.insert(rel, umoci::spec::Digest::sha256_of(&data).to_string());
            }
        }
    }
    out
}

/// Path as &str for argv.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `LAYOUT:TAG` for `--image`.
pub fn image_arg(layout: &Path, tag: &str) -> String {
    format!("{}:{tag}", s(layout))
}

/// Runs `umoci unpack --image LAYOUT:TAG BUNDLE`; the caller checks how
/// it went (`.ok()`, `.fails_with(...)`).
pub fn unpack(layout: &Path, tag: &str, bundle: &Path) -> Run {
    umoci(&["unpack", "--image", &image_arg(layout, tag), s(bundle)])
}

/// Runs `umoci repack --image LAYOUT:TAG [FLAGS...] BUNDLE`.
pub fn repack(layout: &Path, tag: &str, bundle: &Path, flags: &[&str]) -> Run {
    let image = image_arg(layout, tag);
    let mut args = vec!["repack", "--image", &image];
    args.extend_from_slice(flags);
    args.push(s(bundle));
    umoci(&args)
}

/// Runs `umoci config --image LAYOUT:TAG FLAGS...`.
pub fn config(layout: &Path, tag: &str, flags: &[&str]) -> Run {
    let image = image_arg(layout, tag);
    let mut args = vec!["config", "--image", &image];
    args.extend_from_slice(flags);
    umoci(&args)
}

/// The arguments of `umoci raw mtree-validate [FLAGS...]` checking a
/// bundle's rootfs against its mtree manifest.
pub fn mtree_validate_args(bundle: &Path, flags: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["raw".into(), "mtree-validate".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.extend([
        "-f".into(),
        s(&mtree_of(bundle)).to_owned(),
        "-p".into(),
        s(&bundle.join("rootfs")).to_owned(),
    ]);
    args
}

/// Runs `umoci raw mtree-validate [FLAGS...]` on a bundle.
pub fn mtree_validate(bundle: &Path, flags: &[&str]) -> Run {
    let args = mtree_validate_args(bundle, flags);
    umoci(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Debian's umoci unpacks `layout:tag` into `bundle`.
pub fn debian_unpack(layout: &Path, tag: &str, bundle: &Path) -> Run {
    run(
        "umoci",
        &["unpack", "--image", &image_arg(layout, tag), s(bundle)],
    )
}

/// Parses a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The `stat --json` of an image.
pub fn stat_json(layout: &Path, tag: &str) -> serde_json::Value {
    let out = umoci(&["stat", "--image", &image_arg(layout, tag), "--json"]).ok();
    serde_json::from_str(&out).unwrap()
}

/// The decoded config blob of an image.
pub fn config_of(layout: &Path, tag: &str) -> serde_json::Value {
    stat_json(layout, tag)["config"]["blob"].clone()
}

/// A fresh empty layout at `dir/name`.
pub fn init_layout(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    umoci(&["init", "--layout", s(&path)]).ok();
    path
}

/// The mtree manifest file of a bundle.
pub fn mtree_of(bundle: &Path) -> PathBuf {
    std::fs::read_dir(bundle)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "mtree"))
        .expect("bundle has an mtree manifest")
}

/// The entry names of layer `n` of `layout:tag` (a gzip layer).
pub fn layer_listing(layout: &Path, tag: &str, n: usize) -> Vec<String> {
    let stat = stat_json(layout, tag);
    let digest = stat["manifest"]["blob"]["layers"][n]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    run("tar", &["-tzf", s(&blob)])
        .ok()
        .lines()
        .map(String::from)
        .collect()
}
