//! The escapes and denials of service outside security reviews found, one
//! test (at least) per finding. Each builds its hostile input itself and,
//! where something could be written or deleted outside, checks a sentinel
//! outside the bundle or layout before and after.

mod bundle_files;
mod bundle_metadata;
mod deep_trees;
mod fan_out;
mod gc;
mod output;
mod rootless;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::users::{
    as_user, give_to_user, test_user, unpack_as_user, work_dir_for_user, TEST_USER,
};
use crate::common::*;

/// Hostile inputs must end fast; anything near this is a hang.
const HANG: Duration = Duration::from_secs(60);

/// Runs our binary with a deadline: a hang is killed and fails the test.
fn umoci_deadline(args: &[&str]) -> Run {
    let started = Instant::now();
    let out = run(
        "timeout",
        &["-s", "KILL", &HANG.as_secs().to_string(), umoci_bin()]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect::<Vec<_>>(),
    );
    assert_ne!(out.status, -1, "umoci {args:?} hung and was killed");
    assert!(started.elapsed() < HANG, "umoci {args:?} hung");
    out
}

/// `raw unpack --image LAYOUT:latest ROOTFS`, with a deadline.
fn raw_unpack_deadline(layout: &Path, rootfs: &Path) -> Run {
    umoci_deadline(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(layout, "latest"),
        s(rootfs),
    ])
}

/// `repack --image LAYOUT:latest BUNDLE`, with a deadline.
fn repack_deadline(layout: &Path, bundle: &Path) -> Run {
    umoci_deadline(&["repack", "--image", &image_arg(layout, "latest"), s(bundle)])
}

/// Asserts a clear failure: exit 1, no panic, and `needle` on stderr.
#[track_caller]
fn assert_clear_error(out: &Run, needle: &str) {
    assert_eq!(out.status, 1, "expected exit 1: {}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "error does not mention {needle:?}: {}",
        out.stderr
    );
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A file and a directory outside everything the tool may touch.
struct Sentinels {
    file: PathBuf,
    dir: PathBuf,
}

impl Sentinels {
    fn new(dir: &Path) -> Self {
        let outside = dir.join("outside");
        std::fs::create_dir(&outside).unwrap();
        let file = outside.join("authorized_keys");
        std::fs::write(&file, b"ssh-ed25519 AAAA precious\n").unwrap();
        chmod(&file, 0o600);
        let home = outside.join("home");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("notes"), b"keep").unwrap();
        chmod(&home, 0o755);
        Sentinels { file, dir: home }
    }

    fn give_to_user(&self) {
        give_to_user(self.file.parent().unwrap());
    }

    #[track_caller]
    fn assert_untouched(&self) {
        assert_eq!(mode_of(&self.file), 0o600, "sentinel file mode changed");
        assert_eq!(
            std::fs::read(&self.file).unwrap(),
            b"ssh-ed25519 AAAA precious\n",
            "sentinel file content changed"
        );
        assert_eq!(mode_of(&self.dir), 0o755, "sentinel directory mode changed");
        assert_eq!(std::fs::read(self.dir.join("notes")).unwrap(), b"keep");
    }
}
