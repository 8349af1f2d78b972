//! The same tree, mtree and config as Debian's umoci; `--keep-dirlinks`.

use super::*;

#[test]
fn same_tree_mtree_and_config_as_debian_umoci() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let tar = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nsvc:x:1000:1000::/srv:/bin/sh\n",
            0o644,
            0,
            0,
        )
        .file(
            "etc/group",
            b"root:x:0:\nsvc:x:1000:\nextra:x:2000:svc\n",
            0o644,
            0,
            0,
        )
        .dir("srv", 0o2775, 1000, 1000)
        .file("srv/app with space", b"app", 0o755, 1000, 1000)
        .symlink("srv/link", "app with space")
        .hardlink("srv/hard", "srv/app with space")
        .file_with_xattrs("srv/x", b"x", &[("user.k", b"v")])
        .node("srv/pipe", tar::EntryType::Fifo, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let upper = LayerBuilder::new()
        .whiteout("srv/.wh.x")
        .file("srv/y", b"y", 0o600, 1000, 1000)
        .finish();
    add_layer(&layout, "latest", &upper, "zstd");
    // The same config for both, so that both umocis convert the same.
    let config_flags = [
        "--config.user=svc",
        "--config.env=A=b",
        "--config.cmd=/bin/sh",
        "--config.volume=/data",
        "--config.exposedports=80/tcp",
    ];
    config(&layout, "latest", &config_flags).ok();
    // Debian's umoci 0.4.7 cannot read zstd layers: give it gzip.
    let gz_layout = new_image(dir.path(), "img-gz", "latest");
    add_layer(&gz_layout, "latest", &tar, "gzip");
    add_layer(&gz_layout, "latest", &upper, "gzip");
    config(&gz_layout, "latest", &config_flags).ok();

    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    unpack(&layout, "latest", &ours).ok();
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&gz_layout, "latest"),
            s(&theirs),
        ],
    )
    .ok();
    let tree = |b: &Path| {
        let mut out = Vec::new();
        for entry in walk(&b.join("rootfs")) {
            let m = std::fs::symlink_metadata(&entry).unwrap();
            out.push(format!(
                "{} {:o} {} {} {}",
                entry.strip_prefix(b).unwrap().display(),
                m.mode(),
                m.uid(),
                m.gid(),
                m.mtime()
            ));
        }
        out.sort();
        out
    };
    assert_eq!(tree(&ours), tree(&theirs));
    assert_eq!(
        snapshot(&ours.join("rootfs")),
        snapshot(&theirs.join("rootfs"))
    );
    // mtree entries agree (headers and the manifest digest in the name differ).
    let body = |b: &Path| {
        let p = std::fs::read_dir(b)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "mtree"))
            .unwrap();
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .skip(5)
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(body(&ours), body(&theirs));
    // config.json agrees on everything 0.4.7 and 0.6 have in common.
    let ours_cfg = read_json(&ours.join("config.json"));
    let theirs_cfg = read_json(&theirs.join("config.json"));
    for ptr in [
        "/process/user",
        "/process/args",
        "/process/env",
        "/process/cwd",
        "/mounts",
        "/linux/maskedPaths",
        "/hostname",
    ] {
        assert_eq!(ours_cfg.pointer(ptr), theirs_cfg.pointer(ptr), "{ptr}");
    }
    assert_eq!(
        ours_cfg["process"]["user"],
        serde_json::json!({"uid": 1000, "gid": 1000, "additionalGids": [2000]})
    );
    // And Debian's umoci repacks our bundle.
    std::fs::write(ours.join("rootfs/srv/new"), b"new").unwrap();
    run(
        "umoci",
        &[
            "repack",
            "--image",
            &image_arg(&layout, "repacked"),
            s(&ours),
        ],
    )
    .ok();
    let again = dir.path().join("again");
    unpack(&layout, "repacked", &again).ok();
    assert_eq!(std::fs::read(again.join("rootfs/srv/new")).unwrap(), b"new");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.clone());
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

#[test]
fn keep_dirlinks_writes_through_directory_symlinks() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let lower = LayerBuilder::new()
        .dir("real", 0o755, 0, 0)
        .symlink("lib", "real")
        .finish();
    add_layer(&layout, "latest", &lower, "gzip");
    let upper = LayerBuilder::new()
        .dir("lib", 0o755, 0, 0)
        .file("lib/x", b"x", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &upper, "gzip");

    let kept = dir.path().join("kept");
    umoci(&[
        "unpack",
        "--keep-dirlinks",
        "--image",
        &image_arg(&layout, "latest"),
        s(&kept),
    ])
    .ok();
    assert!(std::fs::symlink_metadata(kept.join("rootfs/lib"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(kept.join("rootfs/real/x").is_file());

    let clobbered = dir.path().join("clobbered");
    unpack(&layout, "latest", &clobbered).ok();
    assert!(std::fs::symlink_metadata(clobbered.join("rootfs/lib"))
        .unwrap()
        .is_dir());
    assert!(!clobbered.join("rootfs/real/x").exists());
}
