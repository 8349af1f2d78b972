//! Files the tool writes in a bundle replace planted symlinks, and a bundle
//! path is resolved once however it is swapped mid-command.

use super::*;

// 3 and 9. Files the tool writes in a bundle replace planted symlinks.

#[test]
fn refresh_bundle_replaces_planted_links_instead_of_following_them() {
    let dir = tempdir();
    let sentinels = Sentinels::new(dir.path());
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    for name in [".umoci.json.tmp", ".umoci.json.tmp-1", "config.json.tmp"] {
        std::os::unix::fs::symlink(&sentinels.file, bundle.join(name)).unwrap();
    }
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    umoci(&[
        "repack",
        "--refresh-bundle",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ])
    .ok();
    sentinels.assert_untouched();
    assert!(std::fs::symlink_metadata(bundle.join("umoci.json"))
        .unwrap()
        .is_file());
    let meta = read_json(&bundle.join("umoci.json"));
    let digest = stat_json(&layout, "latest");
    assert!(!digest.is_null());
    assert_eq!(meta["umoci_version"], "2");
}

#[test]
fn unpack_into_another_users_directory_never_writes_through_their_links() {
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    chmod(dir.path(), 0o755);
    let sentinels = Sentinels::new(dir.path());
    let layout = new_image(dir.path(), "img", "latest");
    // Enough entries that unpacking takes a while after `rootfs` appears.
    let mut b = LayerBuilder::new();
    for i in 0..4000 {
        b.file(&format!("d{}/f{i}", i % 40), b"data", 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("users-bundle");
    std::fs::create_dir(&bundle).unwrap();
    run("chown", &[&format!("{TEST_USER}:"), s(&bundle)]).ok();

    let mut child = Command::new(umoci_bin())
        .args([
            "unpack",
            "--image",
            &image_arg(&layout, "latest"),
            s(&bundle),
        ])
        .spawn()
        .unwrap();
    // The directory's owner plants links at every name the tool will
    // write, as soon as extraction has started.
    let deadline = Instant::now() + HANG;
    while !bundle.join("rootfs").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    for name in ["config.json", "umoci.json", ".umoci.json.tmp"] {
        let _ = as_user(&["ln", "-s", s(&sentinels.file), s(&bundle.join(name))]);
    }
    let status = child.wait().unwrap();
    sentinels.assert_untouched();
    if status.success() {
        for name in ["config.json", "umoci.json"] {
            assert!(
                std::fs::symlink_metadata(bundle.join(name))
                    .unwrap()
                    .is_file(),
                "{name} replaced the planted link"
            );
        }
    }
}

// A bundle path is resolved once. Whoever can rename the bundle or a
// directory above it (another user who owns its parent) may swap it for a
// link to some other directory while the tool works; every file the tool
// then writes or removes must still be in the directory it first opened.
// The swap is done by the test itself: who renames does not matter, only
// that the name changes under the running tool.

/// An image whose first layer takes a while to extract (so a swap lands
/// mid-run), and, when `broken`, a second layer whose diff ID is wrong so
/// the unpack fails after the swap and cleans up.
fn slow_image(dir: &Path, broken: bool) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let mut b = LayerBuilder::new();
    for i in 0..6000 {
        b.file(&format!("d{}/f{i}", i % 60), b"data", 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    if broken {
        add_layer(
            &layout,
            "latest",
            &LayerBuilder::new().file("x", b"x", 0o644, 0, 0).finish(),
            "none",
        );
        crate::common::layers::edit_config(&layout, "latest", |config| {
            let ids = &mut config.rootfs.diff_ids;
            let last = ids.len() - 1;
            ids[last] = umoci::spec::Digest::sha256_of(b"something else");
        });
    }
    layout
}

/// A directory a swapped bundle path is pointed at: it already holds a
/// `rootfs/` of its own that must survive, and must gain nothing.
fn decoy(dir: &Path) -> PathBuf {
    let decoy = dir.join("decoy");
    std::fs::create_dir_all(decoy.join("rootfs")).unwrap();
    std::fs::write(decoy.join("rootfs/precious"), b"keep").unwrap();
    decoy
}

#[track_caller]
fn assert_decoy_untouched(decoy: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(decoy)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["rootfs"], "files appeared in the decoy");
    assert_eq!(
        std::fs::read(decoy.join("rootfs/precious")).unwrap(),
        b"keep"
    );
}

/// Runs `umoci args`, and once `ready` holds renames `bundle` to `moved`
/// and puts a symlink to `target` in its place. Returns whether the run
/// succeeded; fails the test if the swap came too late to mean anything.
fn run_swapping_bundle(
    args: &[&str],
    bundle: &Path,
    moved: &Path,
    target: &Path,
    ready: impl Fn() -> bool,
) -> bool {
    let mut child = Command::new(umoci_bin())
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + HANG;
    while !ready() {
        assert!(Instant::now() < deadline, "never ready to swap");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("umoci ended ({status}) before the bundle could be swapped");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    std::fs::rename(bundle, moved).unwrap();
    std::os::unix::fs::symlink(target, bundle).unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "umoci ended before the swap; the test proves nothing"
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out.status.success()
}

#[test]
fn a_bundle_swapped_mid_unpack_gets_every_file_where_it_was_opened() {
    let dir = tempdir();
    let layout = slow_image(dir.path(), false);
    let decoy = decoy(dir.path());
    let (bundle, moved) = (dir.path().join("bundle"), dir.path().join("moved"));
    let image = image_arg(&layout, "latest");
    let ok = run_swapping_bundle(
        &["unpack", "--image", &image, s(&bundle)],
        &bundle,
        &moved,
        &decoy,
        || bundle.join("rootfs/d0").exists(),
    );
    assert!(ok, "unpack failed");
    assert_decoy_untouched(&decoy);
    for name in ["config.json", "umoci.json", "rootfs/d59/f5999"] {
        assert!(moved.join(name).is_file(), "{name} missing from the bundle");
    }
    assert!(std::fs::read_dir(&moved).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".mtree")));
}

#[test]
fn a_failed_unpack_cleans_up_where_it_was_opened_not_where_the_path_leads() {
    // `unpack` into a bundle, and `raw unpack` into a rootfs whose parent
    // is swapped.
    for raw in [false, true] {
        let dir = tempdir();
        let layout = slow_image(dir.path(), true);
        let decoy = decoy(dir.path());
        let (parent, moved) = (dir.path().join("parent"), dir.path().join("moved"));
        let rootfs = parent.join("rootfs");
        let image = image_arg(&layout, "latest");
        let mut args = vec!["unpack", "--image", &image, s(&parent)];
        if raw {
            std::fs::create_dir(&parent).unwrap();
            args = vec!["raw", "unpack", "--image", &image, s(&rootfs)];
        }
        let ok = run_swapping_bundle(&args, &parent, &moved, &decoy, || {
            rootfs.join("d0").exists()
        });
        assert!(!ok, "a wrong diff ID must fail the unpack ({args:?})");
        assert_decoy_untouched(&decoy);
        assert!(
            !moved.join("rootfs").exists(),
            "the partial rootfs was left behind ({args:?})"
        );
    }
}

#[test]
fn a_bundle_swapped_mid_repack_is_refreshed_where_it_was_opened() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let decoy = decoy(dir.path());
    let (bundle, moved) = (dir.path().join("bundle"), dir.path().join("moved"));
    unpack(&layout, "latest", &bundle).ok();
    // Enough new data that the repack is still hashing and packing when
    // the swap comes.
    let big = std::fs::File::create(bundle.join("rootfs/big")).unwrap();
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..192 {
        std::io::Write::write_all(&mut &big, &chunk).unwrap();
    }
    drop(big);
    let before: Vec<_> = std::fs::read_dir(&bundle)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let image = image_arg(&layout, "latest");
    let ok = run_swapping_bundle(
        &["repack", "--refresh-bundle", "--image", &image, s(&bundle)],
        &bundle,
        &moved,
        &decoy,
        // The repack has begun once it starts writing in the bundle.
        || {
            std::fs::read_dir(&bundle)
                .map(|d| d.count() > before.len())
                .unwrap_or(false)
        },
    );
    assert!(ok, "repack failed");
    assert_decoy_untouched(&decoy);
    let meta = read_json(&moved.join("umoci.json"));
    let new_manifest = stat_json(&layout, "latest");
    assert!(!new_manifest.is_null());
    let mtrees: Vec<_> = std::fs::read_dir(&moved)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mtree"))
        .collect();
    assert_eq!(mtrees.len(), 1, "{mtrees:?}");
    let walk = meta["from_descriptor_path"]["descriptor_walk"]
        .as_array()
        .unwrap();
    let digest = walk.last().unwrap()["digest"].as_str().unwrap();
    assert_eq!(mtrees[0], format!("{}.mtree", digest.replacen(':', "_", 1)));
}
