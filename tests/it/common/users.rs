//! The unprivileged user that rootless and "another user's directory"
//! tests run commands as. Creating it needs root: without root those tests
//! fail, saying so (or skip, printed, with `UMOCI_TESTS_MAY_SKIP=1`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{have_tool, image_arg, mtree_validate_args, run, s, umoci_bin, Run};

/// The test user's name.
pub const TEST_USER: &str = "umoci-rootless-test";

/// Creates (once) the test user; its `(uid, gid)`, or `None` when the
/// tests cannot have one here.
pub fn test_user() -> Option<(u32, u32)> {
    if !super::running_as_root("tests that need a second user create it, as root") {
        return None;
    }
    if !have_tool("useradd") || !have_tool("runuser") {
        return None;
    }
    let id = run("id", &["-u", TEST_USER]);
    if id.status != 0 {
        let made = run(
            "useradd",
            &["--create-home", "--shell", "/bin/sh", TEST_USER],
        );
        // A concurrent test may have created it first.
        assert!(
            made.status == 0 || run("id", &["-u", TEST_USER]).status == 0,
            "useradd: {}",
            made.stderr
        );
    }
    let uid = run("id", &["-u", TEST_USER]).ok().trim().parse().unwrap();
    let gid = run("id", &["-g", TEST_USER]).ok().trim().parse().unwrap();
    Some((uid, gid))
}

/// `args` as the test user (through `runuser`), ready to run.
pub fn as_user_command(args: &[&str]) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", TEST_USER, "--"]).args(args);
    cmd
}

/// Runs `args` as the test user.
pub fn as_user(args: &[&str]) -> Run {
    Run::from(
        as_user_command(args)
            .output()
            .unwrap_or_else(|e| panic!("run runuser: {e}")),
    )
}

/// `dir/work`, newly made, with `dir` opened to everyone so that the test
/// user can reach what the test builds in there.
pub fn work_dir_for_user(dir: &Path) -> PathBuf {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    work
}

/// Gives `path` and everything beneath it to the test user.
pub fn give_to_user(path: &Path) {
    run("chown", &["-R", &format!("{TEST_USER}:"), s(path)]).ok();
}

/// `umoci unpack --rootless` of `layout:tag` into `bundle`, as the test
/// user, ready to run.
pub fn unpack_as_user_command(layout: &Path, tag: &str, bundle: &Path) -> Command {
    let image = image_arg(layout, tag);
    as_user_command(&[
        umoci_bin(),
        "unpack",
        "--rootless",
        "--image",
        &image,
        s(bundle),
    ])
}

/// Runs `umoci unpack --rootless` of `layout:tag` into `bundle`, as the
/// test user.
pub fn unpack_as_user(layout: &Path, tag: &str, bundle: &Path) -> Run {
    Run::from(
        unpack_as_user_command(layout, tag, bundle)
            .output()
            .unwrap_or_else(|e| panic!("run runuser: {e}")),
    )
}

/// `umoci repack --image LAYOUT:TAG BUNDLE`, as the test user.
pub fn repack_as_user(layout: &Path, tag: &str, bundle: &Path) -> Run {
    let image = image_arg(layout, tag);
    as_user(&[umoci_bin(), "repack", "--image", &image, s(bundle)])
}

/// `umoci raw mtree-validate --rootless` of a bundle's rootfs against its
/// manifest on umoci's keywords, as the test user.
pub fn validate_as_user(bundle: &Path) -> Run {
    let args = mtree_validate_args(bundle, &["--rootless", "--umoci-keywords"]);
    let mut full = vec![umoci_bin()];
    full.extend(args.iter().map(String::as_str));
    as_user(&full)
}
