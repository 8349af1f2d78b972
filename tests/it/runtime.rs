//! Bundles run: a busybox image unpacked by us starts under `runc` (as root
//! and, unpacked rootless by an unprivileged user, under rootless runc).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::users::{
    as_user, give_to_user, repack_as_user, test_user, unpack_as_user, validate_as_user,
    work_dir_for_user, TEST_USER,
};
use crate::common::*;

/// A layout with a busybox image whose command echoes a greeting.
fn busybox_image(dir: &Path) -> std::path::PathBuf {
    let busybox = std::fs::read("/bin/busybox").expect("busybox-static provides /bin/busybox");
    let layout = new_image(dir, "busybox", "latest");
    let tar = LayerBuilder::new()
        .dir("bin", 0o755, 0, 0)
        .file("bin/busybox", &busybox, 0o755, 0, 0)
        .symlink("bin/sh", "busybox")
        .symlink("bin/echo", "busybox")
        .symlink("bin/id", "busybox")
        .dir("etc", 0o755, 0, 0)
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
            0o644,
            0,
            0,
        )
        .file("etc/group", b"root:x:0:\napp:x:1000:\n", 0o644, 0, 0)
        .dir("home", 0o755, 0, 0)
        .dir("home/app", 0o700, 1000, 1000)
        .file("home/app/owned", b"mine", 0o600, 1000, 1000)
        .dir("proc", 0o555, 0, 0)
        .dir("sys", 0o555, 0, 0)
        .dir("dev", 0o755, 0, 0)
        .dir("tmp", 0o1777, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    config(
        &layout,
        "latest",
        &[
            "--config.env=GREETING=hello-from-runc",
            "--config.cmd=/bin/sh",
            "--config.cmd=-c",
            "--config.cmd=echo $GREETING; id -u",
        ],
    )
    .ok();
    layout
}

/// `config.json` without a terminal, so runc can run it from a test.
fn no_terminal(bundle: &Path) {
    let path = bundle.join("config.json");
    let mut config = read_json(&path);
    config["process"]["terminal"] = serde_json::json!(false);
    std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
}

/// Runs `bundle` with runc (no terminal, state under `scratch`) and
/// returns its stdout, failing the test if runc fails.
fn runc_run(bundle: &Path, scratch: &Path, name: &str) -> String {
    no_terminal(bundle);
    let out = std::process::Command::new("runc")
        .args([
            "--root",
            s(&scratch.join("runc-state")),
            "run",
            "--bundle",
            s(bundle),
        ])
        .arg(format!("umoci-{name}-{}", std::process::id()))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "runc failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn runc_runs_an_unpacked_busybox_image() {
    if !have_tool("runc") || !running_as_root("runc runs the bundle as root") {
        return;
    }
    let dir = tempdir();
    let layout = busybox_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let stdout = runc_run(&bundle, dir.path(), "unpacked");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["hello-from-runc", "0"]);
}

/// A busybox layout under `dir/work` owned by the test user, unpacked by
/// that user with `--rootless` into `dir/work/bundle`.
fn rootless_unpack(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let work = work_dir_for_user(dir);
    let layout = busybox_image(&work);
    give_to_user(&work);
    let bundle = work.join("bundle");
    let out = unpack_as_user(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "rootless unpack failed: {}", out.stderr);
    (layout, bundle)
}

#[test]
fn rootless_unpack_records_owners_and_validates() {
    let Some((uid, _gid)) = test_user() else {
        return;
    };
    let dir = tempdir();
    let (_layout, bundle) = rootless_unpack(dir.path());

    let owned = bundle.join("rootfs/home/app/owned");
    let md = std::fs::symlink_metadata(&owned).unwrap();
    assert_eq!(md.uid(), uid, "files belong to the unpacking user");
    let xattr = run(
        "getfattr",
        &[
            "-n",
            "user.rootlesscontainers",
            "--only-values",
            "--absolute-names",
            s(&owned),
        ],
    );
    assert_eq!(xattr.status, 0, "{}", xattr.stderr);
    let meta = read_json(&bundle.join("umoci.json"));
    assert_eq!(meta["map_options"]["rootless"], true);
    assert_eq!(meta["map_options"]["uid_mappings"][0]["hostID"], uid);
    let config = read_json(&bundle.join("config.json"));
    let namespaces = config["linux"]["namespaces"].as_array().unwrap();
    assert!(namespaces.iter().any(|n| n["type"] == "user"));
    assert!(!namespaces.iter().any(|n| n["type"] == "network"));
    // 0700 directories owned by "app" are readable by their real owner.
    assert_eq!(
        std::fs::metadata(bundle.join("rootfs/home/app"))
            .unwrap()
            .mode()
            & 0o7777,
        0o700
    );

    let check = validate_as_user(&bundle);
    assert_eq!(check.status, 0, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.is_empty() && check.stderr.is_empty());
}

#[test]
fn rootless_repack_restores_image_owners() {
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let (layout, bundle) = rootless_unpack(dir.path());
    let edit = as_user(&[
        "sh",
        "-c",
        &format!(
            "echo changed > {0}/rootfs/home/app/owned && echo new > {0}/rootfs/home/app/new",
            s(&bundle)
        ),
    ]);
    assert_eq!(edit.status, 0, "{}", edit.stderr);
    let out = repack_as_user(&layout, "edited", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);

    let check = dir.path().join("check");
    unpack(&layout, "edited", &check).ok();
    let owned = std::fs::metadata(check.join("rootfs/home/app/owned")).unwrap();
    assert_eq!(
        (owned.uid(), owned.gid()),
        (1000, 1000),
        "owner restored from user.rootlesscontainers"
    );
    assert_eq!(
        std::fs::read(check.join("rootfs/home/app/owned")).unwrap(),
        b"changed\n"
    );
    let new = std::fs::metadata(check.join("rootfs/home/app/new")).unwrap();
    assert_eq!(
        (new.uid(), new.gid()),
        (0, 0),
        "files the user made belong to the container's root"
    );
    let xattr = run(
        "getfattr",
        &[
            "-d",
            "-m",
            "-",
            "--absolute-names",
            s(&check.join("rootfs/home/app/owned")),
        ],
    )
    .stdout;
    assert!(
        !xattr.contains("rootlesscontainers"),
        "the marker xattr never reaches a layer: {xattr}"
    );
}

#[test]
fn runc_sees_a_repacked_change() {
    if !have_tool("runc") || !running_as_root("runc runs the bundle as root") {
        return;
    }
    let dir = tempdir();
    let layout = busybox_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/etc/motd"), b"repacked-change\n").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();
    config(
        &layout,
        "latest",
        &[
            "--config.cmd=/bin/sh",
            "--config.cmd=-c",
            "--config.cmd=busybox cat /etc/motd",
        ],
    )
    .ok();
    let fresh = dir.path().join("fresh");
    unpack(&layout, "latest", &fresh).ok();
    let stdout = runc_run(&fresh, dir.path(), "repacked");
    assert_eq!(stdout, "repacked-change\n");
}

#[test]
fn rootless_runc_runs_a_rootless_bundle() {
    if !have_tool("runc") {
        return;
    }
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let (_layout, bundle) = rootless_unpack(dir.path());
    no_terminal(&bundle);
    run(
        "chown",
        &[&format!("{TEST_USER}:"), s(&bundle.join("config.json"))],
    )
    .ok();
    let state = dir.path().join("work/runc-state");
    let id = format!("umoci-rootless-{}", std::process::id());
    let out = as_user(&[
        "runc",
        "--root",
        s(&state),
        "run",
        "--bundle",
        s(&bundle),
        &id,
    ]);
    // The process runs as the container's root, which is our user outside.
    assert_eq!(out.status, 0, "rootless runc failed: {}", out.stderr);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        ["hello-from-runc", "0"]
    );
}

#[test]
fn rootless_repack_packs_files_and_directories_their_owner_cannot_read() {
    // Fedora's /etc/shadow is mode 000: a rootless repack opens it up
    // through a pinned handle, reads it, and keeps its mode, as upstream.
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let (layout, bundle) = rootless_unpack(dir.path());
    let edit = as_user(&[
        "sh",
        "-c",
        &format!(
            "cd {0}/rootfs && echo secret > shadow && chmod 000 shadow && \
             mkdir locked && echo inside > locked/f && chmod 000 locked/f locked",
            s(&bundle)
        ),
    ]);
    assert_eq!(edit.status, 0, "{}", edit.stderr);
    let out = repack_as_user(&layout, "edited", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    // Modes are left as they were.
    for path in ["shadow", "locked", "locked/f"] {
        let mode = std::fs::symlink_metadata(bundle.join("rootfs").join(path))
            .unwrap()
            .mode();
        assert_eq!(mode & 0o7777, 0, "{path}");
    }
    let check = dir.path().join("check");
    unpack(&layout, "edited", &check).ok();
    let rootfs = check.join("rootfs");
    assert_eq!(std::fs::read(rootfs.join("shadow")).unwrap(), b"secret\n");
    assert_eq!(std::fs::read(rootfs.join("locked/f")).unwrap(), b"inside\n");
    for path in ["shadow", "locked", "locked/f"] {
        let mode = std::fs::symlink_metadata(rootfs.join(path)).unwrap().mode();
        assert_eq!(mode & 0o7777, 0, "{path}");
    }
}

#[test]
fn a_non_root_user_without_maps_gets_rootless_mode_and_is_told() {
    // The one deliberate difference from upstream, which fails here.
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let work = work_dir_for_user(dir.path());
    let layout = busybox_image(&work);
    give_to_user(&work);
    let bundle = work.join("bundle");
    let image = image_arg(&layout, "latest");
    let out = as_user(&[
        umoci_bin(),
        "--log",
        "info",
        "unpack",
        "--image",
        &image,
        s(&bundle),
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("rootless mode chosen"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read_json(&bundle.join("umoci.json"))["map_options"]["rootless"],
        true
    );
    // At the default level nothing extra is printed.
    let quiet = work.join("quiet");
    let out = as_user(&[umoci_bin(), "unpack", "--image", &image, s(&quiet)]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn rootless_unpack_gives_each_directory_its_last_mode_and_reads_what_denies_its_owner() {
    // A directory met twice keeps the mode of its last entry (held back
    // until extraction ends, however open the later mode is), and entries
    // mode 000 with xattrs are read for the mtree by opening them up.
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let work = work_dir_for_user(dir.path());
    let layout = new_image(&work, "img", "latest");
    let mut lower = LayerBuilder::new();
    lower
        .dir("d/", 0o500, 0, 0)
        .dir("e/", 0o555, 0, 0)
        .dir("x/", 0o500, 0, 0)
        .dir("x/", 0o755, 0, 0);
    add_layer(&layout, "latest", &lower.finish(), "gzip");
    let mut upper = LayerBuilder::new();
    upper
        .dir("d/", 0o755, 0, 0)
        .dir("e/", 0o700, 0, 0)
        .dir("locked/", 0o700, 0, 0)
        .file_with_xattrs("locked/f", b"inside\n", &[("user.note", b"kept")])
        .file_with_xattrs("shadow", b"secret\n", &[("user.note", b"kept")])
        .file("zero", b"denied\n", 0o000, 0, 0);
    add_layer(&layout, "latest", &upper.finish(), "gzip");
    give_to_user(&work);
    let bundle = work.join("bundle");
    let out = unpack_as_user(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let rootfs = bundle.join("rootfs");
    let mode = |p: &str| std::fs::symlink_metadata(rootfs.join(p)).unwrap().mode() & 0o7777;
    assert_eq!((mode("d"), mode("e"), mode("x")), (0o755, 0o700, 0o755));
    assert_eq!(mode("zero"), 0);

    // Now deny the owner everything and let the mtree walk meet it.
    let edit = as_user(&[
        "sh",
        "-c",
        &format!("cd {} && chmod 000 shadow locked/f locked", s(&rootfs)),
    ]);
    assert_eq!(edit.status, 0, "{}", edit.stderr);
    let out = as_user(&[
        umoci_bin(),
        "repack",
        "--refresh-bundle",
        "--image",
        &image_arg(&layout, "edited"),
        s(&bundle),
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    for path in ["shadow", "locked", "locked/f"] {
        assert_eq!(mode(path), 0, "{path} keeps its mode");
    }
    let check = validate_as_user(&bundle);
    assert_eq!(check.status, 0, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.is_empty() && check.stderr.is_empty());
    let mtree = std::fs::read_to_string(mtree_of(&bundle)).unwrap();
    assert!(
        mtree.contains("xattr.user.note="),
        "xattrs of 000 files are recorded"
    );
}
