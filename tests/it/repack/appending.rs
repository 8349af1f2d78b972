//! `insert` and `raw add-layer`, and what appending leaves alone (the
//! config's `created`), or adds when nothing changed.

use super::*;

#[test]
fn insert_and_raw_add_layer() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("nested")).unwrap();
    std::fs::write(src.join("nested/file"), b"inserted").unwrap();
    std::fs::write(dir.path().join("single"), b"one").unwrap();
    let img = image_arg(&layout, "latest");
    umoci(&[
        "insert",
        "--image",
        &img,
        "--tag",
        "ins",
        s(&src),
        "/opt/app",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        s(&dir.path().join("single")),
        "/etc/single",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        "--whiteout",
        "/tree",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        "--opaque",
        s(&src),
        "/etc",
    ])
    .ok();
    let b = dir.path().join("b");
    unpack(&layout, "ins", &b).ok();
    assert_eq!(
        std::fs::read(b.join("rootfs/opt/app/nested/file")).unwrap(),
        b"inserted"
    );
    assert!(!b.join("rootfs/tree").exists());
    let etc: Vec<String> = std::fs::read_dir(b.join("rootfs/etc"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(etc, ["nested"], "opaque insert hides the old /etc");
    umoci(&["insert", "--image", &img, "--whiteout"]).fails_with("positional");

    let tar = LayerBuilder::new()
        .file("raw-file", b"raw", 0o600, 7, 8)
        .finish();
    let tar_path = dir.path().join("layer.tar");
    std::fs::write(&tar_path, &tar).unwrap();
    umoci(&[
        "raw",
        "add-layer",
        "--image",
        &img,
        "--tag",
        "raw",
        "--compress",
        "zstd",
        s(&tar_path),
    ])
    .ok();
    let stat = stat_json(&layout, "raw");
    let last = stat["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    assert_eq!(
        stat["config"]["blob"]["rootfs"]["diff_ids"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        &umoci::spec::Digest::sha256_of(&tar).to_string()
    );
    let b = dir.path().join("raw-bundle");
    unpack(&layout, "raw", &b).ok();
    let md = std::fs::metadata(b.join("rootfs/raw-file")).unwrap();
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o777), (7, 8, 0o600));
    umoci(&["raw", "add-layer", "--image", &img, s(dir.path())]).fails_with("directory");
    umoci(&[
        "raw",
        "add-layer",
        "--image",
        &img,
        "--compress",
        "lz4",
        s(&tar_path),
    ])
    .fails_with("compress");
}

#[test]
fn appending_a_layer_leaves_the_config_created_time_alone() {
    // Upstream's mutator adds a history entry and leaves `created` as it
    // was; so do repack, insert and raw add-layer here.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let created = config_of(&layout, "latest")["created"].clone();
    assert!(created.is_string());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();
    let file = dir.path().join("file");
    std::fs::write(&file, b"y").unwrap();
    let image = image_arg(&layout, "latest");
    umoci(&["insert", "--image", &image, s(&file), "/file"]).ok();
    let tar = LayerBuilder::new().file("z", b"z", 0o644, 0, 0).finish();
    let layer = dir.path().join("layer.tar");
    std::fs::write(&layer, tar).unwrap();
    umoci(&["raw", "add-layer", "--image", &image, s(&layer)]).ok();
    let config = config_of(&layout, "latest");
    assert_eq!(config["created"], created);
    assert_eq!(config["history"].as_array().unwrap().len(), 5);

    // Debian's umoci agrees.
    if !have_tool("umoci") {
        return;
    }
    let theirs = copy_hello(dir.path(), "theirs");
    let bundle = dir.path().join("their-bundle");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&theirs, "latest"),
            s(&bundle),
        ],
    )
    .ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    run(
        "umoci",
        &[
            "repack",
            "--image",
            &image_arg(&theirs, "latest"),
            s(&bundle),
        ],
    )
    .ok();
    assert_eq!(config_of(&theirs, "latest")["created"], created);
}

#[test]
fn repack_with_nothing_changed_adds_only_an_empty_layer_history_entry() {
    let dir = tempdir();
    let check = |layout: &Path, layers_before: usize| {
        let stat = stat_json(layout, "latest");
        let layers = stat["manifest"]["blob"]["layers"].as_array().unwrap().len();
        assert_eq!(layers, layers_before, "no layer was added");
        let history = config_of(layout, "latest")["history"].clone();
        let last = history.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["empty_layer"], true, "{last}");
        assert_eq!(last["created_by"], "umoci repack", "{last}");
    };
    let layout = copy_hello(dir.path(), "img");
    let layers = stat_json(&layout, "latest")["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .len();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    repack(&layout, "latest", &bundle, &[]).ok();
    check(&layout, layers);
    // Changes only beneath a masked path are no changes either (`data`
    // exists, so the root itself is unchanged).
    std::fs::write(bundle.join("rootfs/data/f"), b"x").unwrap();
    repack(&layout, "latest", &bundle, &["--mask-path", "/data"]).ok();
    check(&layout, layers);
    // Debian's umoci 0.4.7 still appends an empty layer here; 0.6.0's
    // repack.go adds only the history entry (Mutator.Set), which is what
    // this follows.
}

#[test]
fn a_bad_source_date_epoch_only_fails_what_reads_it() {
    // Neither a tar added as it is nor a repack that adds no layer needs
    // SOURCE_DATE_EPOCH; with --no-history nothing else reads it.
    let dir = tempdir();
    let layout = base_image(dir.path());
    let tar = dir.path().join("layer.tar");
    let mut b = crate::common::layers::LayerBuilder::new();
    b.file("added", b"x", 0o644, 0, 0);
    std::fs::write(&tar, b.finish()).unwrap();
    let bad = [("SOURCE_DATE_EPOCH", "xx")];
    let image = image_arg(&layout, "latest");
    umoci_env(
        &[
            "raw",
            "add-layer",
            "--image",
            &image,
            "--no-history",
            s(&tar),
        ],
        &bad,
    )
    .ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    umoci_env(
        &["repack", "--image", &image, "--no-history", s(&bundle)],
        &bad,
    )
    .ok();
    std::fs::write(bundle.join("rootfs/new"), b"n").unwrap();
    umoci_env(
        &["repack", "--image", &image, "--no-history", s(&bundle)],
        &bad,
    )
    .fails_with("SOURCE_DATE_EPOCH");
}

#[test]
fn insert_reaches_its_source_through_linked_directories_but_takes_the_source_as_it_is() {
    // /bin -> usr/bin on merged-/usr systems: `insert /bin/busybox ...`.
    let dir = tempdir();
    let layout = base_image(dir.path());
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/tool"), b"tool").unwrap();
    std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
    std::os::unix::fs::symlink("tool", dir.path().join("real/alias")).unwrap();
    let image = image_arg(&layout, "latest");
    let via_link = dir.path().join("link/tool");
    umoci(&["insert", "--image", &image, s(&via_link), "/usr/bin/tool"]).ok();
    let alias = dir.path().join("link/alias");
    umoci(&["insert", "--image", &image, s(&alias), "/usr/bin/alias"]).ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    assert_eq!(std::fs::read(rootfs.join("usr/bin/tool")).unwrap(), b"tool");
    let link = std::fs::read_link(rootfs.join("usr/bin/alias")).unwrap();
    assert_eq!(link, Path::new("tool"), "the source symlink itself goes in");
}
