//! Image strings reach the terminal escaped, and nothing is committed that
//! the tool could not read back.

use super::*;

// 14. Image strings reach the terminal escaped.

#[test]
fn image_strings_are_escaped_on_the_terminal() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let mut index = read_json(&layout.join("index.json"));
    let mut evil = index["manifests"][0].clone();
    evil["annotations"]["org.opencontainers.image.ref.name"] = "a\nfake\u{1b}[31m".into();
    index["manifests"].as_array_mut().unwrap().push(evil);
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let out = umoci(&["ls", "--layout", s(&layout)]).ok();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["latest", "a\\nfake\\x1b[31m"]
    );

    crate::common::layers::edit_config(&layout, "latest", |image| {
        image.os = "\u{1b}]0;pwned\u{7}\u{1b}[2J".into();
    });
    let out = umoci(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&dir.path().join("b")),
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'),
        "{:?}",
        out.stderr
    );
    assert!(out.stderr.contains("\\x1b]0;pwned"), "{}", out.stderr);

    // Raw bytes of a malformed tar header.
    let layout = new_image(dir.path(), "img2", "latest");
    let mut tar = LayerBuilder::new().file("ok", b"x", 0o644, 0, 0).finish();
    tar[100..108].copy_from_slice(b"\x1b[2J\x1b[Hx");
    let sum: u32 = tar[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    add_layer(&layout, "latest", &tar, "gzip");
    let out = umoci(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&dir.path().join("c")),
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

// 15. Nothing is committed that the tool could not read back.

#[test]
fn inputs_that_would_make_unreadable_images_are_refused_before_writing() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    let image = image_arg(&layout, "latest");
    let before = snapshot(&layout);
    let year_10000 = [("SOURCE_DATE_EPOCH", "253402300800")];
    let out = umoci_env(&["repack", "--image", &image, s(&bundle)], &year_10000);
    assert_clear_error(&out, "SOURCE_DATE_EPOCH");
    let out = umoci_env(
        &["config", "--image", &image, "--config.user", "x"],
        &year_10000,
    );
    assert_clear_error(&out, "SOURCE_DATE_EPOCH");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let before_inserts = snapshot(&layout);
    for target in ["/", ".", "..", "", "a/.."] {
        // An empty argument is refused as upstream refuses it.
        let needle = if target.is_empty() { "empty" } else { "root" };
        let out = umoci(&["insert", "--image", &image, "--whiteout", target]);
        assert_clear_error(&out, needle);
        let out = umoci(&["insert", "--image", &image, s(&file), target]);
        assert_clear_error(&out, needle);
    }
    assert_eq!(snapshot(&layout), before_inserts);
    assert_eq!(snapshot(&layout), before);
    // The last second RFC 3339 can write is fine.
    let ok = [("SOURCE_DATE_EPOCH", "253402300799")];
    umoci_env(
        &[
            "config",
            "--image",
            &image,
            "--tag",
            "y9999",
            "--config.user",
            "x",
        ],
        &ok,
    )
    .ok();
    umoci(&["stat", "--image", &image_arg(&layout, "y9999")]).ok();
    // A directory may still be merged into the root.
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("added"), b"y").unwrap();
    umoci(&["insert", "--image", &image, s(&tree), "/"]).ok();
    let again = dir.path().join("again");
    unpack(&layout, "latest", &again).ok();
    assert_eq!(std::fs::read(again.join("rootfs/added")).unwrap(), b"y");
}
