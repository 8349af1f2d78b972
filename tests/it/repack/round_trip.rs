//! Every kind of change survives repack and unpack; repacks are
//! deterministic; masks and `--refresh-bundle`; Debian's umoci reads ours
//! and we read its.

use super::*;

#[test]
fn round_trip_preserves_every_kind_of_change() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    mutate(&bundle.join("rootfs"));
    let want = describe(&bundle.join("rootfs"));
    repack(&layout, "v2", &bundle, &[]).ok();
    let fresh = dir.path().join("fresh");
    unpack(&layout, "v2", &fresh).ok();
    assert_eq!(describe(&fresh.join("rootfs")), want);
    let md = std::fs::metadata(fresh.join("rootfs/linked")).unwrap();
    assert_eq!(
        md.ino(),
        std::fs::metadata(fresh.join("rootfs/etc/hardlink"))
            .unwrap()
            .ino(),
        "hard link kept"
    );

    // The new layer holds only what changed: one whiteout for the removed
    // tree, nothing for untouched files.
    assert_eq!(
        stat_json(&layout, "v2")["manifest"]["blob"]["layers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listing = layer_listing(&layout, "v2", 1);
    let names: Vec<&str> = listing.iter().map(String::as_str).collect();
    assert!(names.contains(&".wh.tree"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("tree/")), "{names:?}");
    assert!(
        !names.contains(&"srv/owned"),
        "unchanged file in layer: {names:?}"
    );
    assert!(
        names.contains(&"etc/config"),
        "same size and mtime, new content: {names:?}"
    );
    let stat = stat_json(&layout, "v2");
    assert_eq!(
        stat["history"].as_array().unwrap().last().unwrap()["created_by"],
        "umoci repack"
    );
}

#[test]
fn repacks_are_deterministic() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let mut digests = Vec::new();
    for n in 0..2 {
        let copy = dir.path().join(format!("layout{n}"));
        copy_tree(&layout, &copy);
        let bundle = dir.path().join(format!("bundle{n}"));
        unpack(&copy, "latest", &bundle).ok();
        mutate(&bundle.join("rootfs"));
        for compress in ["gzip", "zstd", "none"] {
            let out = umoci_env(
                &[
                    "repack",
                    "--image",
                    &image_arg(&copy, compress),
                    "--compress",
                    compress,
                    "--history.created=2020-01-01T00:00:00Z",
                    s(&bundle),
                ],
                &[("SOURCE_DATE_EPOCH", "1700000000")],
            );
            assert_eq!(out.status, 0, "{}", out.stderr);
            let stat = stat_json(&copy, compress);
            digests.push(
                stat["manifest"]["blob"]["layers"][1]["digest"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(
        digests[..3],
        digests[3..],
        "identical bundles give identical layers"
    );
}

#[test]
fn refresh_bundle_makes_the_next_repack_diff_from_the_new_state() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/first"), b"1").unwrap();
    repack(&layout, "latest", &bundle, &["--refresh-bundle"]).ok();
    let meta = read_json(&bundle.join("umoci.json"));
    let new_manifest = stat_json(&layout, "latest")["manifest"]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        meta["from_descriptor_path"]["descriptor_walk"][0]["digest"],
        new_manifest.as_str()
    );
    assert!(bundle
        .join(format!("{}.mtree", new_manifest.replace(':', "_")))
        .is_file());
    std::fs::write(bundle.join("rootfs/second"), b"2").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();
    let listing = layer_listing(&layout, "latest", 2).join("\n");
    assert!(
        listing.contains("second") && !listing.contains("first"),
        "{listing}"
    );
}

#[test]
fn masked_paths_and_volumes_are_left_out() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    config(&layout, "latest", &["--config.volume=/srv"]).ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/srv/in-volume"), b"v").unwrap();
    std::fs::write(bundle.join("rootfs/etc/masked"), b"m").unwrap();
    std::fs::write(bundle.join("rootfs/kept"), b"k").unwrap();
    repack(&layout, "masked", &bundle, &["--mask-path=/etc"]).ok();
    let fresh = dir.path().join("fresh");
    unpack(&layout, "masked", &fresh).ok();
    assert!(fresh.join("rootfs/kept").exists());
    assert!(!fresh.join("rootfs/srv/in-volume").exists());
    assert!(!fresh.join("rootfs/etc/masked").exists());
    repack(&layout, "unmasked", &bundle, &["--no-mask-volumes"]).ok();
    let fresh2 = dir.path().join("fresh2");
    unpack(&layout, "unmasked", &fresh2).ok();
    assert!(fresh2.join("rootfs/srv/in-volume").exists());
    // The root masks nothing, as upstream's filter never looks at `/`.
    for (tag, mask) in [("root", "--mask-path=/"), ("empty", "--mask-path=")] {
        repack(&layout, tag, &bundle, &[mask]).ok();
        let fresh = dir.path().join(tag);
        unpack(&layout, tag, &fresh).ok();
        assert!(fresh.join("rootfs/kept").exists(), "{mask}");
    }
}

/// Go's tar writer rounds mtimes to the nearest second where we (as the
/// issue asks) truncate; whole-second mtimes make both agree.
fn whole_seconds(root: &Path) {
    run(
        "find",
        &[
            s(root),
            "-exec",
            "touch",
            "-h",
            "-d",
            "@1700000000",
            "{}",
            "+",
        ],
    )
    .ok();
}

#[test]
fn interop_with_debian_umoci_both_ways() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = base_image(dir.path());
    // Theirs unpacks, we repack.
    let theirs = dir.path().join("theirs");
    debian_unpack(&layout, "latest", &theirs).ok();
    mutate(&theirs.join("rootfs"));
    // Bytes deflate cannot shrink: our layer stores those blocks as they
    // are, and Go's reader must read them as any others.
    let noise = random_bytes(3 << 20);
    std::fs::write(theirs.join("rootfs/noise.bin"), &noise).unwrap();
    whole_seconds(&theirs.join("rootfs"));
    let want = describe(&theirs.join("rootfs"));
    repack(&layout, "from-theirs", &theirs, &[]).ok();
    let check = dir.path().join("check1");
    unpack(&layout, "from-theirs", &check).ok();
    assert_eq!(describe(&check.join("rootfs")), want);
    let layers = stat_json(&layout, "from-theirs")["manifest"]["blob"]["layers"].clone();
    let stored = layers.as_array().unwrap().last().unwrap()["size"]
        .as_u64()
        .unwrap();
    assert!(
        stored > noise.len() as u64,
        "the noise is in this layer: {layers}"
    );
    // We unpack, they repack, and they read our layers back too.
    let ours = dir.path().join("ours");
    unpack(&layout, "latest", &ours).ok();
    mutate(&ours.join("rootfs"));
    whole_seconds(&ours.join("rootfs"));
    let want = describe(&ours.join("rootfs"));
    run(
        "umoci",
        &[
            "repack",
            "--image",
            &image_arg(&layout, "from-ours"),
            s(&ours),
        ],
    )
    .ok();
    let check = dir.path().join("check2");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&layout, "from-ours"),
            s(&check),
        ],
    )
    .ok();
    assert_eq!(describe(&check.join("rootfs")), want);
    let check = dir.path().join("check3");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&layout, "from-theirs"),
            s(&check),
        ],
    )
    .ok();
    assert_eq!(
        describe(&check.join("rootfs")),
        describe(&dir.path().join("check1/rootfs"))
    );
}
