//! Crash safety: `repack`, `config`, `tag` and `gc` killed with SIGKILL at
//! many points (at random delays, and deterministically at the Nth write,
//! fsync, rename or unlink) leave a layout whose every pre-existing tag
//! still resolves to a complete image, and a re-run succeeds. A full disk
//! is reported as such and leaves the layout as it was.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::*;

/// Every tag listed resolves, and every blob of its image is present and
/// intact (`unpack` verifies digests of all layers).
fn assert_whole(layout: &Path, tags: &[&str], scratch: &Path, round: usize) {
    let index = read_json(&layout.join("index.json"));
    assert!(
        index["manifests"].is_array(),
        "round {round}: index.json damaged: {index}"
    );
    for tag in tags {
        let bundle = scratch.join(format!("check-{round}-{tag}"));
        let out = unpack(layout, tag, &bundle);
        assert_eq!(
            out.status, 0,
            "round {round}: tag {tag} broken: {}",
            out.stderr
        );
        std::fs::remove_dir_all(&bundle).unwrap();
    }
}

/// Starts `args` and kills it after `delay`.
fn kill_after(args: &[String], delay: Duration) {
    let mut child = Command::new(umoci_bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

/// A layout with tags `latest`, `stable` and `base`, a bundle of `base`
/// with new files in it, and the commands the tests interrupt.
fn setup(dir: &Path) -> (std::path::PathBuf, Vec<Vec<String>>) {
    let layout = new_image(dir, "img", "latest");
    // Enough content that repack takes a while to write its layer.
    let mut b = LayerBuilder::new();
    for i in 0..200 {
        let data: Vec<u8> = (0..20_000u32)
            .map(|x| (x.wrapping_mul(i + 7) >> 3) as u8)
            .collect();
        b.file(&format!("f{i}"), &data, 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    umoci(&["tag", "--image", &image_arg(&layout, "latest"), "stable"]).ok();
    // The bundle's base keeps a tag of its own, so gc never takes the
    // manifest that repack builds on (as with upstream, a bundle whose base
    // was collected cannot be repacked).
    umoci(&["tag", "--image", &image_arg(&layout, "latest"), "base"]).ok();
    let bundle = dir.join("bundle");
    unpack(&layout, "base", &bundle).ok();
    for i in 0..50 {
        std::fs::write(bundle.join(format!("rootfs/new{i}")), vec![i as u8; 50_000]).unwrap();
    }

    let img = image_arg(&layout, "latest");
    let commands: Vec<Vec<String>> = vec![
        vec![
            "repack".into(),
            "--image".into(),
            img.clone(),
            s(&bundle).into(),
        ],
        vec![
            "config".into(),
            "--image".into(),
            img.clone(),
            "--config.env=K=v".into(),
        ],
        vec!["tag".into(), "--image".into(), img.clone(), "extra".into()],
        vec!["gc".into(), "--layout".into(), s(&layout).into()],
        vec![
            "repack".into(),
            "--image".into(),
            image_arg(&layout, "stable"),
            "--compress".into(),
            "zstd".into(),
            s(&bundle).into(),
        ],
    ];
    (layout, commands)
}

/// After all that, every command still runs to completion, every tag is
/// whole, and gc leaves no scratch area behind.
fn assert_recovers(layout: &Path, commands: &[Vec<String>], scratch: &Path) {
    for cmd in commands {
        let out = Command::new(umoci_bin()).args(cmd).output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_whole(layout, &["latest", "stable", "base", "extra"], scratch, 999);
    umoci(&["gc", "--layout", s(layout)]).ok();
    let stray: Vec<String> = std::fs::read_dir(layout)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".umoci"))
        .collect();
    assert!(stray.is_empty(), "stale temp areas after gc: {stray:?}");
}

#[test]
fn sigkill_at_any_point_leaves_every_tag_whole() {
    let dir = tempdir();
    let (layout, commands) = setup(dir.path());
    let mut seed = 0x2545F491u32;
    let mut rounds = 0;
    for round in 0..30 {
        let cmd = &commands[round % commands.len()];
        // xorshift: delays from 0 to ~60 ms, where most commands are mid-way.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        kill_after(cmd, Duration::from_micros(u64::from(seed % 60_000)));
        assert_whole(&layout, &["latest", "stable", "base"], dir.path(), round);
        rounds += 1;
    }
    assert_eq!(rounds, 30);
    assert_recovers(&layout, &commands, dir.path());
}

/// The system calls after which a kill is most telling: data written,
/// made durable, published by rename, or removed.
const KILL_POINTS: &[&str] = &[
    "write",
    "pwrite64",
    "fsync",
    "fdatasync",
    "rename",
    "renameat",
    "renameat2",
    "unlinkat",
    "linkat",
];

#[test]
fn sigkill_at_every_nth_write_fsync_rename_and_unlink_leaves_every_tag_whole() {
    if !have_tool("strace") {
        return;
    }
    let dir = tempdir();
    let (layout, commands) = setup(dir.path());
    let mut kills = 0;
    for cmd in &commands {
        for syscall in KILL_POINTS {
            // strace delivers SIGKILL as the Nth such call (per thread)
            // starts; once a run finishes, the command makes fewer calls.
            for n in 1..=64 {
                let inject = format!("inject={syscall}:signal=KILL:when={n}");
                let status = Command::new("strace")
                    .args(["-f", "-o", "/dev/null", "-e", &inject, umoci_bin()])
                    .args(cmd)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                let killed = std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
                    || status.code() == Some(137);
                if !killed {
                    assert!(status.success(), "{cmd:?} with {inject}: {status}");
                    break;
                }
                assert_whole(&layout, &["latest", "stable", "base"], dir.path(), kills);
                kills += 1;
            }
        }
    }
    eprintln!("{kills} deterministic kill points");
    assert!(kills >= 40, "only {kills} kill points reached");
    assert_recovers(&layout, &commands, dir.path());
}

/// An empty image in a layout on an 8 MiB tmpfs in `dir`, and a bundle of
/// it outside the tmpfs holding `noise` as `rootfs/noise`.
fn small_layout(dir: &Path, noise: &[u8]) -> (Tmpfs, std::path::PathBuf, std::path::PathBuf) {
    let tmpfs = Tmpfs::mount(dir, "size=8m").unwrap();
    let layout = tmpfs.0.join("layout");
    umoci(&["init", "--layout", s(&layout)]).ok();
    umoci(&["new", "--image", &image_arg(&layout, "latest")]).ok();
    let bundle = dir.join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/noise"), noise).unwrap();
    (tmpfs, layout, bundle)
}

#[test]
fn a_full_disk_is_named_and_leaves_the_layout_as_it_was() {
    if !running_as_root("a small tmpfs holds the layout") {
        return;
    }
    // 24 MiB that no compressor shrinks into 8.
    let noise = random_bytes(24 << 20);
    let dir = tempdir();
    let (tmpfs, layout, bundle) = small_layout(dir.path(), &noise);
    let before = snapshot(&layout);
    for compress in ["gzip", "zstd", "none"] {
        let line = repack(&layout, "latest", &bundle, &["--compress", compress])
            .fails_with("No space left on device");
        assert!(!line.contains("compressor stopped"), "{line}");
        assert_eq!(snapshot(&layout), before, "{compress}");
    }
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "latest\n");
    drop(tmpfs);

    // Just under the room there is, the layer fits and what comes after it
    // (config, manifest, the new index) may not: still nothing is left.
    let mut failed = 0;
    for short_by in 16..=40usize {
        let dir = tempdir();
        let size = (8 << 20) - short_by * 1024;
        let (_tmpfs, layout, bundle) = small_layout(dir.path(), &noise[..size]);
        let before = snapshot(&layout);
        let out = repack(&layout, "latest", &bundle, &["--compress", "none"]);
        if out.status != 0 {
            failed += 1;
            assert!(
                out.stderr.contains("No space left on device"),
                "{}",
                out.stderr
            );
            assert_eq!(snapshot(&layout), before, "{short_by} KiB short");
        }
    }
    assert!(failed > 0, "no size near the boundary filled the disk");
}
