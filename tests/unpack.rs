//! `unpack` on crafted layers: every entry kind, whiteouts, containment
//! against hostile entries, bad layers, and agreement with Debian's umoci.

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use common::layers::{add_layer, new_image, LayerBuilder, MTIME};
use common::*;

fn validate(bundle: &Path) {
    let mtree = mtree_of(bundle);
    umoci(&[
        "raw",
        "mtree-validate",
        "--umoci-keywords",
        "-f",
        s(&mtree),
        "-p",
        s(&bundle.join("rootfs")),
    ])
    .ok();
}

#[test]
fn every_entry_kind_is_extracted_faithfully() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let long_name = format!("deep/{}", "n".repeat(180));
    let tar = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .dir("home", 0o750, 1000, 1001)
        .file("home/data.txt", b"hello world\n", 0o640, 1000, 1001)
        .file("usr-bin-su", b"#!/bin/true\n", 0o4755, 0, 0)
        .dir("tmp", 0o1777, 0, 0)
        .symlink("etc/link", "../home/data.txt")
        .symlink("abs", "/does/not/exist")
        .hardlink("home/hard", "home/data.txt")
        .node("fifo", tar::EntryType::Fifo, 0, 0)
        .node("null", tar::EntryType::Char, 1, 3)
        .file_with_xattrs("cap", b"bin", &[("user.note", b"v1"), ("security.capability", b"\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")])
        .long_file(&long_name, b"long")
        .file_bytes(b"bad-\xff\xfe-name", b"latin", 0o600, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let root = bundle.join("rootfs");

    let md = |p: &str| std::fs::symlink_metadata(root.join(p)).unwrap();
    assert_eq!(
        std::fs::read(root.join("home/data.txt")).unwrap(),
        b"hello world\n"
    );
    let data = md("home/data.txt");
    assert_eq!(
        (data.mode() & 0o7777, data.uid(), data.gid(), data.mtime()),
        (0o640, 1000, 1001, MTIME as i64)
    );
    assert_eq!(data.nlink(), 2);
    assert_eq!(md("home/hard").ino(), data.ino());
    let home = md("home");
    assert!(home.is_dir());
    assert_eq!(
        (home.mode() & 0o7777, home.uid(), home.gid(), home.mtime()),
        (0o750, 1000, 1001, MTIME as i64)
    );
    assert_eq!(md("usr-bin-su").mode() & 0o7777, 0o4755);
    assert_eq!(md("tmp").mode() & 0o7777, 0o1777);
    assert_eq!(
        std::fs::read_link(root.join("etc/link")).unwrap(),
        Path::new("../home/data.txt")
    );
    assert_eq!(
        std::fs::read_link(root.join("abs")).unwrap(),
        Path::new("/does/not/exist")
    );
    assert!(md("fifo").file_type().is_fifo());
    if rustix::process::geteuid().is_root() {
        let null = md("null");
        assert!(null.file_type().is_char_device());
        assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));
        let cap = run(
            "getfattr",
            &["-d", "-m", "-", "--absolute-names", s(&root.join("cap"))],
        )
        .ok();
        assert!(cap.contains("security.capability"), "{cap}");
    }
    assert_eq!(
        run(
            "getfattr",
            &[
                "-n",
                "user.note",
                "--only-values",
                "--absolute-names",
                s(&root.join("cap"))
            ]
        )
        .ok(),
        "v1"
    );
    assert_eq!(std::fs::read(root.join(&long_name)).unwrap(), b"long");
    use std::os::unix::ffi::OsStrExt;
    assert_eq!(
        std::fs::read(root.join(std::ffi::OsStr::from_bytes(b"bad-\xff\xfe-name"))).unwrap(),
        b"latin"
    );
    validate(&bundle);

    // Every layer compression and media type gives the same tree.
    for compression in ["zstd", "none", "docker"] {
        let other = new_image(dir.path(), &format!("img-{compression}"), "latest");
        add_layer(&other, "latest", &tar, compression);
        let b = dir.path().join(format!("bundle-{compression}"));
        unpack(&other, "latest", &b).ok();
        assert_eq!(
            snapshot(&b.join("rootfs")),
            snapshot(&root),
            "{compression}"
        );
    }
}

#[test]
fn whiteouts_and_opaque_directories_follow_the_spec() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let lower = LayerBuilder::new()
        .file("a", b"a", 0o644, 0, 0)
        .file("keep", b"k", 0o644, 0, 0)
        .dir("d", 0o755, 0, 0)
        .file("d/x", b"x", 0o644, 0, 0)
        .dir("d/sub", 0o755, 0, 0)
        .file("d/sub/y", b"y", 0o644, 0, 0)
        .dir("gone", 0o755, 0, 0)
        .file("gone/z", b"z", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &lower, "gzip");
    let upper = LayerBuilder::new()
        .whiteout(".wh.a")
        .whiteout(".wh.gone")
        .dir("d", 0o755, 0, 0)
        .file("d/new", b"n", 0o644, 0, 0)
        .whiteout("d/.wh..wh..opq")
        .whiteout(".wh.never-existed")
        .finish();
    add_layer(&layout, "latest", &upper, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let root = bundle.join("rootfs");
    assert!(!root.join("a").exists());
    assert!(!root.join("gone").exists());
    assert!(root.join("keep").exists());
    let mut d: Vec<String> = std::fs::read_dir(root.join("d"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    d.sort();
    assert_eq!(
        d,
        ["new"],
        "opaque whiteout keeps only this layer's entries"
    );
    validate(&bundle);
}

#[test]
fn invalid_whiteouts_are_refused() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &LayerBuilder::new().whiteout("dir/.wh.").finish(),
        "gzip",
    );
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).fails_with("invalid whiteout");
    assert!(
        !bundle.join("rootfs").exists(),
        "a failed unpack leaves no rootfs"
    );
}

/// A directory beside the bundle that nothing may touch.
fn sentinel(dir: &Path) -> std::path::PathBuf {
    let s = dir.join("sentinel");
    std::fs::create_dir_all(s.join("sub")).unwrap();
    std::fs::write(s.join("file"), b"original").unwrap();
    std::fs::write(s.join("sub/inner"), b"original").unwrap();
    s
}

#[test]
fn hostile_paths_stay_inside_the_rootfs() {
    let dir = tempdir();
    let guard = sentinel(dir.path());
    let before = snapshot(&guard);
    let guard_rel = format!("../../{}", guard.file_name().unwrap().to_str().unwrap());
    let layout = new_image(dir.path(), "img", "latest");
    let first = LayerBuilder::new()
        .file("../../../escape-dotdot", b"x", 0o644, 0, 0)
        .file("/abs-escape", b"x", 0o644, 0, 0)
        .symlink("to-root", "/")
        .symlink("to-up", "../../../../..")
        .symlink("to-sentinel", &guard_rel)
        .symlink("sentinel-file", &format!("{guard_rel}/file"))
        .file("to-root/through-abs", b"x", 0o644, 0, 0)
        .file("to-up/through-rel", b"x", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &first, "gzip");
    // A later layer writes through, chmods and deletes via the planted links.
    let second = LayerBuilder::new()
        .file("to-sentinel/file", b"pwned", 0o777, 0, 0)
        .dir("to-sentinel/sub", 0o777, 0, 0)
        .file("to-sentinel/sub/inner", b"pwned", 0o777, 0, 0)
        .whiteout("to-sentinel/.wh.sub")
        .whiteout("to-sentinel/.wh..wh..opq")
        .file("sentinel-file", b"replaced", 0o600, 0, 0)
        .finish();
    add_layer(&layout, "latest", &second, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let root = bundle.join("rootfs");
    assert_eq!(
        snapshot(&guard),
        before,
        "nothing outside the bundle changed"
    );
    assert!(root.join("escape-dotdot").is_file());
    assert!(root.join("abs-escape").is_file());
    assert!(
        root.join("through-abs").is_file(),
        "'/' resolves to the rootfs"
    );
    assert!(
        root.join("through-rel").is_file(),
        "'..' is clamped at the rootfs"
    );
    // The planted symlink to the sentinel resolved inside the root instead.
    assert!(!dir.path().join("escape-dotdot").exists());
    assert!(std::fs::symlink_metadata(root.join("sentinel-file"))
        .unwrap()
        .is_file());
    for p in std::fs::read_dir(dir.path()).unwrap() {
        let name = p.unwrap().file_name().into_string().unwrap();
        assert!(
            ["sentinel", "img", "bundle"].contains(&name.as_str()),
            "stray {name} outside the bundle"
        );
    }
}

#[test]
fn hardlinks_cannot_reach_outside_and_root_cannot_change_type() {
    let dir = tempdir();
    let guard = sentinel(dir.path());
    let before = snapshot(&guard);
    let layout = new_image(dir.path(), "img", "latest");
    let guard_file = format!("../../../../../../..{}/file", guard.display());
    add_layer(
        &layout,
        "latest",
        &LayerBuilder::new().hardlink("stolen", &guard_file).finish(),
        "gzip",
    );
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).fails_with("stolen");
    assert_eq!(snapshot(&guard), before);
    assert_eq!(
        std::fs::metadata(guard.join("file")).unwrap().nlink(),
        1,
        "no link to the outside file was made"
    );

    let layout2 = new_image(dir.path(), "img2", "latest");
    add_layer(
        &layout2,
        "latest",
        &LayerBuilder::new().symlink(".", "/etc").finish(),
        "gzip",
    );
    unpack(&layout2, "latest", &dir.path().join("bundle2")).fails_with("root directory");
}

#[test]
fn tampered_layers_and_wrong_diff_ids_fail_cleanly() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &LayerBuilder::new().file("f", b"data", 0o644, 0, 0).finish(),
        "gzip",
    );
    // Rewrite the config with a wrong diff_id.
    let bad = dir.path().join("bad");
    copy_tree(&layout, &bad);
    let stat = stat_json(&bad, "latest");
    let layer_digest = stat["manifest"]["blob"]["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    {
        let lay = umoci::layout::Layout::open(&bad).unwrap();
        lay.update_index(|idx| -> Result<(), umoci::image::ImageError> {
            let mut src = umoci::image::ImageSource::open(&lay, idx, "latest")?;
            src.config.rootfs.diff_ids[0] = umoci::spec::Digest::sha256_of(b"something else");
            let root = umoci::image::mutate::commit(&lay, &src)?;
            umoci::layout::index::set_ref(idx, "latest", root)?;
            Ok(())
        })
        .unwrap();
    }
    let bundle = dir.path().join("b1");
    unpack(&bad, "latest", &bundle).fails_with("diffid mismatch");
    assert!(!bundle.join("rootfs").exists());

    // Flip a byte in the layer blob itself.
    let tampered = dir.path().join("tampered");
    copy_tree(&layout, &tampered);
    let blob = tampered
        .join("blobs/sha256")
        .join(layer_digest.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 5;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    unpack(&tampered, "latest", &dir.path().join("b2")).fails_with("sha256:");

    // As upstream: other files in the bundle are fine and left alone, an
    // existing umoci.json is replaced, but an existing config.json or
    // rootfs is refused, and the bundle left as it was.
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("x"), b"x").unwrap();
    std::fs::write(busy.join("umoci.json"), b"stale").unwrap();
    unpack(&layout, "latest", &busy).ok();
    assert_eq!(std::fs::read(busy.join("x")).unwrap(), b"x");
    assert_eq!(read_json(&busy.join("umoci.json"))["umoci_version"], "2");
    let before = snapshot(&busy);
    let line = unpack(&layout, "latest", &busy).fails_with("config.json already exists in");
    assert!(line.contains(s(&busy)), "{line}");
    assert_eq!(snapshot(&busy), before);
    std::fs::remove_file(busy.join("config.json")).unwrap();
    let before = snapshot(&busy);
    unpack(&layout, "latest", &busy).fails_with("detecting rootfs:");
    assert_eq!(snapshot(&busy), before);
    // The manifest of an earlier unpack of the same image is refused too
    // (upstream creates it O_EXCL), before anything is extracted.
    std::fs::remove_dir_all(busy.join("rootfs")).unwrap();
    let before = snapshot(&busy);
    unpack(&layout, "latest", &busy).fails_with("file exists");
    assert_eq!(snapshot(&busy), before);
    if have_tool("umoci") {
        let image = image_arg(&layout, "latest");
        let theirs = dir.path().join("theirs");
        std::fs::create_dir_all(theirs.join("rootfs")).unwrap();
        let out = run("umoci", &["unpack", "--image", &image, s(&theirs)]);
        assert!(out.stderr.contains("detecting rootfs:"), "{}", out.stderr);
        std::fs::write(theirs.join("config.json"), b"{}").unwrap();
        let out = run("umoci", &["unpack", "--image", &image, s(&theirs)]);
        assert!(
            out.stderr.contains("config.json already exists in"),
            "{}",
            out.stderr
        );
    }
}

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
    umoci(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.user=svc",
        "--config.env=A=b",
        "--config.cmd=/bin/sh",
        "--config.volume=/data",
        "--config.exposedports=80/tcp",
    ])
    .ok();
    // Debian's umoci 0.4.7 cannot read zstd layers: give it gzip.
    let gz_layout = new_image(dir.path(), "img-gz", "latest");
    add_layer(&gz_layout, "latest", &tar, "gzip");
    add_layer(&gz_layout, "latest", &upper, "gzip");
    umoci(&[
        "config",
        "--image",
        &image_arg(&gz_layout, "latest"),
        "--config.user=svc",
        "--config.env=A=b",
        "--config.cmd=/bin/sh",
        "--config.volume=/data",
        "--config.exposedports=80/tcp",
    ])
    .ok();

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

#[test]
fn raw_unpack_and_raw_runtime_config() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let rootfs = dir.path().join("rootfs");
    umoci(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&hello, "latest"),
        s(&rootfs),
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(rootfs.join("usr/share/hello/greeting.txt")).unwrap(),
        "Hello from the umoci test image.\n"
    );
    assert!(!dir.path().join("config.json").exists());
    // An existing rootfs is refused.
    umoci(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&hello, "latest"),
        s(&rootfs),
    ])
    .fails_with("already exists");

    let config = dir.path().join("config.json");
    umoci(&[
        "raw",
        "runtime-config",
        "--rootfs",
        s(&rootfs),
        "--image",
        &image_arg(&hello, "latest"),
        s(&config),
    ])
    .ok();
    let spec = read_json(&config);
    assert_eq!(spec["ociVersion"], "1.2.1");
    assert_eq!(
        spec["process"]["args"],
        serde_json::json!(["cat", "/greeting"])
    );
    assert!(spec["process"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "HOME=/root"));
    assert_eq!(
        spec["annotations"]["org.opencontainers.image.title"],
        "hello"
    );
    assert_eq!(spec["linux"]["namespaces"][0]["type"], "cgroup");
    // The alias, without a rootfs, and with id maps.
    let mapped = dir.path().join("mapped.json");
    umoci(&[
        "raw",
        "config",
        "--uid-map",
        "0:100000:65536",
        "--gid-map",
        "0:100000:65536",
        "--image",
        &image_arg(&hello, "latest"),
        s(&mapped),
    ])
    .ok();
    let spec = read_json(&mapped);
    assert_eq!(
        spec["linux"]["uidMappings"],
        serde_json::json!([{"containerID": 0, "hostID": 100000, "size": 65536}])
    );
    assert!(spec["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["type"] == "user"));
    umoci(&[
        "raw",
        "config",
        "--uid-map",
        "bogus",
        "--image",
        &image_arg(&hello, "latest"),
        s(&mapped),
    ])
    .fails_with("bogus");
}

#[test]
fn mtree_validate_reports_changes() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let bundle = dir.path().join("bundle");
    unpack(&hello, "latest", &bundle).ok();
    validate(&bundle);
    std::fs::write(bundle.join("rootfs/etc/os-release"), b"NAME=\"changed!\"\n").unwrap();
    let mtree = mtree_of(&bundle);
    let out = umoci(&[
        "raw",
        "mtree-validate",
        "-f",
        s(&mtree),
        "-p",
        s(&bundle.join("rootfs")),
    ]);
    assert_eq!(out.status, 1);
    // As upstream 0.6.0: one line per path on stdout, naming the first
    // keyword that differs, and a count on stderr.
    assert!(
        out.stdout
            .contains("\"etc/os-release\": keyword \"sha256digest\": expected "),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("validation failed: 1 differences found"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(bundle.join("rootfs/etc/group")).unwrap();
    std::fs::write(bundle.join("rootfs/extra"), b"").unwrap();
    let out = umoci(&[
        "raw",
        "mtree-validate",
        "-k",
        "time",
        "-f",
        s(&mtree),
        "-p",
        s(&bundle.join("rootfs")),
    ]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("\"etc/group\": missing path"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"extra\": unexpected path"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("\"etc/os-release\": keyword \"tar_time\": expected "),
        "{}",
        out.stdout
    );
}

#[test]
fn whiteouts_spare_what_the_layer_wrote_not_the_lower_symlinks_it_wrote_through() {
    // A lower symlink the layer writes through (d/ln/x lands in t/x) is on
    // the way to the layer's entry, not one of them: a whiteout of it, or
    // of its directory, removes it, however the directory is reached (a
    // -> d); the layer's own entries survive. Upstream 0.6.0 and Debian's
    // umoci agree on every case.
    // (case, entries written as (name, symlink target or "" for a file),
    // whiteouts after them)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 5] = [
        (
            "forward",
            &[("a/ln/x", "")],
            &["a/.wh..wh..opq", "d/.wh.ln"],
        ),
        (
            "reverse",
            &[("d/ln/x", "")],
            &["d/.wh..wh..opq", "a/.wh.ln"],
        ),
        ("named", &[("d/ln/x", "")], &["d/.wh.ln"]),
        (
            "own link",
            &[("d/ln2", "/t"), ("d/ln2/y", "")],
            &["d/.wh..wh..opq"],
        ),
        (
            "alias dir",
            &[("a/sub/x", "")],
            &["a/.wh..wh..opq", "d/.wh.sub"],
        ),
    ];
    for (case, writes, whiteouts) in cases {
        let dir = tempdir();
        let layout = new_image(dir.path(), "img", "latest");
        let mut lower = LayerBuilder::new();
        lower
            .dir("d", 0o755, 0, 0)
            .symlink("d/ln", "/t")
            .dir("d/sub", 0o755, 0, 0)
            .file("d/sub/lowerf", b"l", 0o644, 0, 0)
            .dir("t", 0o755, 0, 0)
            .symlink("a", "d");
        add_layer(&layout, "latest", &lower.finish(), "gzip");
        let mut upper = LayerBuilder::new();
        for (name, link) in writes {
            if link.is_empty() {
                upper.file(name, name.as_bytes(), 0o644, 0, 0);
            } else {
                upper.symlink(name, link);
            }
        }
        for name in whiteouts {
            upper.whiteout(name);
        }
        add_layer(&layout, "latest", &upper.finish(), "gzip");
        let ours = dir.path().join("ours");
        unpack(&layout, "latest", &ours).ok();
        let tree = snapshot(&ours.join("rootfs"));
        let name = |p: &str| std::path::PathBuf::from(p);
        if case != "own link" {
            assert!(!tree.contains_key(&name("d/ln")), "{case}: {tree:?}");
        }
        if case == "alias dir" {
            assert!(tree.contains_key(&name("d/sub/x")), "{case}: {tree:?}");
            assert!(
                !tree.contains_key(&name("d/sub/lowerf")),
                "{case}: {tree:?}"
            );
        }
        if have_tool("umoci") {
            let theirs = dir.path().join("theirs");
            let image = image_arg(&layout, "latest");
            run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
            assert_eq!(tree, snapshot(&theirs.join("rootfs")), "{case}");
        }
    }
}

#[test]
fn pax_records_are_read_by_their_length_so_values_may_hold_newlines() {
    // A binary xattr (a file capability can hold 0x0a) and a name with a
    // newline; and a value crafted to look like a linkpath record after
    // its newline, which must stay part of the value (Go's reader, and so
    // upstream's and Docker's, never sees a linkpath there; the tar crate
    // alone would link to dir/evil).
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let mut b = LayerBuilder::new();
    b.dir("dir", 0o755, 0, 0)
        .pax(&[
            ("SCHILY.xattr.user.cap", b"\x00\x00\x00\x02\n\x00"),
            ("path", "dir/new\nline \u{e9}".as_bytes()),
        ])
        .file("placeholder", b"data", 0o644, 0, 0)
        .file("harmless", b"h", 0o644, 0, 0)
        .pax(&[("SCHILY.xattr.user.x", b"v\n21 linkpath=dir/evil\n")])
        .hardlink("link", "harmless")
        // An owner too large for the header field (the crate puts it in
        // the header it hands back).
        .pax(&[("uid", b"3000000"), ("gid", b"4000000")])
        .file("owned", b"o", 0o644, 0, 0)
        // A GNU long name wins over a PAX path, as in Go's reader.
        .pax(&[("path", b"paxname")])
        .long_file(&"g".repeat(120), b"gnu");
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    let file = rootfs.join("dir/new\nline \u{e9}");
    assert_eq!(std::fs::read(&file).unwrap(), b"data");
    let mut value = vec![0u8; 64];
    let n = rustix::fs::lgetxattr(&file, "user.cap", &mut value).unwrap();
    assert_eq!(&value[..n], b"\x00\x00\x00\x02\n\x00");
    let ino = |name: &str| std::fs::metadata(rootfs.join(name)).unwrap().ino();
    assert_eq!(
        ino("link"),
        ino("harmless"),
        "linked to the header's target"
    );
    let owned = std::fs::metadata(rootfs.join("owned")).unwrap();
    assert_eq!((owned.uid(), owned.gid()), (3_000_000, 4_000_000));
    assert!(rootfs.join("g".repeat(120)).is_file());
    assert!(!rootfs.join("paxname").exists());
    assert!(!rootfs.join("placeholder").exists());
    if have_tool("umoci") {
        let theirs = dir.path().join("theirs");
        let image = image_arg(&layout, "latest");
        run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
        assert_eq!(snapshot(&rootfs), snapshot(&theirs.join("rootfs")));
    }
}

/// `(kind, name, data or target)`: `d` directory, `f` file, `l` symlink,
/// `w` whiteout file.
type Spec<'a> = (&'a str, &'a str, &'a str);

/// A layer of `entries`.
fn layer_of(entries: &[Spec]) -> Vec<u8> {
    let mut b = LayerBuilder::new();
    for (kind, name, arg) in entries {
        match *kind {
            "d" => b.dir(name, 0o755, 0, 0),
            "f" => b.file(name, arg.as_bytes(), 0o644, 0, 0),
            "l" => b.symlink(name, arg),
            _ => b.whiteout(name),
        };
    }
    b.finish()
}

/// An image of `lower` then `upper`, unpacked by us: the directory holding
/// it all, the layout, and the rootfs.
fn unpack_two(lower: &[Spec], upper: &[Spec]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &layer_of(lower), "gzip");
    add_layer(&layout, "latest", &layer_of(upper), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    (dir, layout, rootfs)
}

#[test]
fn whiteouts_spare_the_layers_own_entries_where_they_really_landed() {
    // What a layer wrote is recorded where it landed after symlinks (as
    // upstream records it): a whiteout reaching it by its real path spares
    // it, and one through a link retargeted since removes the lower file.
    let lower: &[Spec] = &[
        ("d", "t", ""),
        ("f", "t/x", "old"),
        ("f", "t/y", "old"),
        ("d", "t2", ""),
        ("f", "t2/x", "old"),
        ("l", "ln", "t"),
    ];
    // (case, upper layer, path, its content afterwards)
    type Case<'a> = (&'a str, &'a [Spec<'a>], &'a str, Option<&'a str>);
    let cases: [Case; 4] = [
        (
            "opaque by real path",
            &[("f", "ln/x", "new"), ("w", "t/.wh..wh..opq", "")],
            "t/x",
            Some("new"),
        ),
        (
            "whiteout by real path",
            &[("f", "ln/x", "new"), ("w", "t/.wh.x", "")],
            "t/x",
            Some("new"),
        ),
        (
            "opaque through the link",
            &[("f", "t/x", "new"), ("w", "ln/.wh..wh..opq", "")],
            "t/x",
            Some("new"),
        ),
        (
            "link retargeted",
            &[
                ("f", "ln/x", "new"),
                ("l", "ln", "t2"),
                ("w", "ln/.wh.x", ""),
            ],
            "t2/x",
            None,
        ),
    ];
    for (case, upper, path, want) in cases {
        let (dir, layout, ours) = unpack_two(lower, upper);
        let got = std::fs::read_to_string(ours.join(path)).ok();
        assert_eq!(got.as_deref(), want, "{case}");
        if have_tool("umoci") {
            let theirs = dir.path().join("theirs");
            let image = image_arg(&layout, "latest");
            run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
            assert_eq!(snapshot(&ours), snapshot(&theirs.join("rootfs")), "{case}");
        }
    }
}

#[test]
fn a_directory_replaced_by_a_looping_symlink_is_simply_replaced() {
    // x/y is made, then x becomes a link to itself: the times and modes
    // held back for x/y have nothing left to apply to (upstream and
    // Debian's umoci agree).
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &layer_of(&[("d", "x", ""), ("d", "x/y", ""), ("l", "x", "x")]),
        "gzip",
    );
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let link = bundle.join("rootfs/x");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("x"));
}

#[test]
fn whiteouts_and_hard_links_resolve_missing_dotdot_as_created_directories_do() {
    // `a -> m/../t` with no `m`: upstream's securejoin takes `m/..` as
    // nothing, so a whiteout or a hard link through `a` finds `t`, as a
    // file written through `a` lands in `t` (Debian's umoci agrees).
    let lower: &[Spec] = &[("d", "t", ""), ("f", "t/x", "lower"), ("l", "a", "m/../t")];
    for (case, upper, gone) in [
        ("whiteout", &[("w", "a/.wh.x", "")][..], true),
        ("opaque", &[("w", "a/.wh..wh..opq", "")][..], true),
        ("file", &[("f", "a/x", "upper")][..], false),
    ] {
        let (_dir, _, rootfs) = unpack_two(lower, upper);
        assert_eq!(!rootfs.join("t/x").exists(), gone, "{case}");
    }
    // A hard link through `a`.
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &layer_of(lower), "gzip");
    let mut b = LayerBuilder::new();
    b.hardlink("y", "a/x");
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    assert_eq!(std::fs::read(bundle.join("rootfs/y")).unwrap(), b"lower");
}

#[test]
fn raw_unpack_makes_the_rootfs_but_not_its_parents() {
    // As upstream's (and Debian's) raw unpack: mkdir, not mkdir -p.
    let dir = tempdir();
    let rootfs = dir.path().join("a/b/rootfs");
    let image = image_arg(&hello_image(), "latest");
    umoci(&["raw", "unpack", "--image", &image, s(&rootfs)])
        .fails_with("No such file or directory");
    assert!(!dir.path().join("a").exists());
    if have_tool("umoci") {
        let out = run("umoci", &["raw", "unpack", "--image", &image, s(&rootfs)]);
        assert_ne!(out.status, 0, "{}", out.stderr);
    }
}

#[test]
fn a_file_where_a_parent_directory_must_be_is_replaced_as_upstream_does() {
    // Upstream 0.6.0 removes a non-directory standing in an entry's path
    // (also where a link leads) and makes the directory; Debian's 0.4.7
    // failed with "not a directory".
    for (case, lower, upper, gone) in [
        (
            "file",
            &[("f", "c", "old")][..],
            &[("f", "c/a", "new")][..],
            "c",
        ),
        (
            "through a link",
            &[("f", "t", "old"), ("l", "c", "t")][..],
            &[("f", "c/a", "new")][..],
            "t",
        ),
    ] {
        let (_dir, _, rootfs) = unpack_two(lower, upper);
        assert!(rootfs.join(gone).is_dir(), "{case}");
        assert_eq!(std::fs::read(rootfs.join("c/a")).unwrap(), b"new", "{case}");
    }
}
