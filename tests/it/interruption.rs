//! SIGINT and SIGTERM leave nothing broken: an interrupted unpack removes
//! the rootfs it made (so the same command then succeeds), an interrupted
//! repack removes its scratch blobs at once, and the process ends as the
//! signal would have ended it.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::layers::{add_layer_streamed, new_image};
use crate::common::*;

/// Files in the test layer: enough that no machine unpacks or repacks it
/// before the signal arrives.
const FILES: usize = 100_000;

/// A layout whose image holds [`FILES`] small files.
fn big_image(dir: &Path) -> std::path::PathBuf {
    let layout = new_image(dir, "img", "latest");
    add_layer_streamed(&layout, "latest", |w| {
        let mut tar = tar::Builder::new(w);
        let data = [b'x'; 512];
        for i in 0..FILES {
            let mut h = tar::Header::new_ustar();
            h.set_mode(0o644);
            h.set_size(data.len() as u64);
            h.set_mtime(1_600_000_000);
            tar.append_data(&mut h, format!("d{}/f{i}", i % 100), &data[..])
                .unwrap();
        }
        tar.finish().unwrap();
    });
    layout
}

/// Runs umoci with `args`, sends `signal` once `started` says the work is
/// under way, and returns how the process ended and its stderr.
fn interrupt(args: &[&str], signal: i32, started: impl Fn() -> bool) -> (i32, String) {
    let mut child = Command::new(umoci_bin())
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !started() {
        assert!(Instant::now() < deadline, "the work never started");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the signal"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = rustix::process::Pid::from_child(&child);
    let sig = rustix::process::Signal::from_named_raw(signal).unwrap();
    rustix::process::kill_process(pid, sig).unwrap();
    let out = child.wait_with_output().unwrap();
    let how = out.status.signal().unwrap_or(-1);
    (how, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn scratch_dirs(layout: &Path) -> Vec<String> {
    std::fs::read_dir(layout)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".umoci"))
        .collect()
}

#[test]
fn an_interrupted_unpack_removes_its_rootfs_and_an_interrupted_repack_its_blobs() {
    let dir = tempdir();
    let layout = big_image(dir.path());
    let bundle = dir.path().join("bundle");
    let image = image_arg(&layout, "latest");
    let args = ["unpack", "--image", image.as_str(), s(&bundle)];
    let rootfs = bundle.join("rootfs");
    let (how, stderr) = interrupt(&args, libc_sigint(), || {
        std::fs::read_dir(&rootfs).is_ok_and(|mut d| d.next().is_some())
    });
    assert_eq!(how, libc_sigint(), "ended by the signal: {stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(!rootfs.exists(), "the partial rootfs is gone");
    assert!(!bundle.join("config.json").exists());
    // The same command now succeeds.
    unpack(&layout, "latest", &bundle).ok();

    // Change every file, then stop the repack while it writes the layer.
    for i in 0..100 {
        let d = rootfs.join(format!("d{i}"));
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    let blobs_before = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .count();
    let edited = image_arg(&layout, "edited");
    let args = ["repack", "--image", edited.as_str(), s(&bundle)];
    let (how, stderr) = interrupt(&args, libc_sigterm(), || !scratch_dirs(&layout).is_empty());
    assert_eq!(how, libc_sigterm(), "ended by the signal: {stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert!(
        scratch_dirs(&layout).is_empty(),
        "scratch blobs are removed at once"
    );
    let blobs_after = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs_after, blobs_before);
    let tags = umoci(&["ls", "--layout", s(&layout)]).ok();
    assert_eq!(tags, "latest\n", "no tag moved");
}

fn libc_sigint() -> i32 {
    rustix::process::Signal::INT.as_raw()
}

fn libc_sigterm() -> i32 {
    rustix::process::Signal::TERM.as_raw()
}

#[test]
fn a_signal_while_waiting_for_a_lock_stops_the_command_and_changes_nothing() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let index_before = std::fs::read(layout.join("index.json")).unwrap();
    // Another process (a gc, say) holds the blob lock.
    let holder = std::fs::File::open(layout.join("blobs")).unwrap();
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let image = image_arg(&layout, "latest");
    let args = [
        "config",
        "--image",
        image.as_str(),
        "--config.user",
        "nobody",
    ];
    let asked = Instant::now();
    let (how, stderr) = interrupt(&args, libc_sigint(), || {
        asked.elapsed() > Duration::from_millis(300)
    });
    assert_eq!(how, libc_sigint(), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "it stopped waiting"
    );
    drop(holder);
    assert_eq!(
        std::fs::read(layout.join("index.json")).unwrap(),
        index_before
    );
}

#[test]
fn a_signal_the_parent_ignores_stays_ignored() {
    // A shell's background job inherits SIGINT ignored; upstream then
    // runs to the end, and so must we.
    let dir = tempdir();
    let layout = big_image(dir.path());
    let bundle = dir.path().join("bundle");
    let image = image_arg(&layout, "latest");
    let mut child = Command::new("sh")
        .args([
            "-c",
            "trap '' INT; exec \"$0\" unpack --image \"$1\" \"$2\"",
        ])
        .args([umoci_bin(), image.as_str(), s(&bundle)])
        .spawn()
        .unwrap();
    let rootfs = bundle.join("rootfs");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_dir(&rootfs).is_ok_and(|mut d| d.next().is_some()) {
        assert!(Instant::now() < deadline, "the unpack never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(bundle.join("config.json").is_file());
}
