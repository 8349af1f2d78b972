//! Hostile paths, hard links and tampered layers: nothing lands outside
//! the rootfs, and a bad layer fails cleanly.

use super::*;

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
            let mut src =
                umoci::image::ImageSource::open(&lay, idx, "latest", &Default::default())?;
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
