//! Image-controlled structure (index fan-out, long lists) costs linear work.

use super::*;

// 8. Index fan-out: every index is read and descended once.

#[test]
fn index_fan_out_is_walked_once_per_blob() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let index = read_json(&layout.join("index.json"));
    let manifest = &index["manifests"][0];
    let config = stat_json(&layout, "latest")["manifest"]["blob"]["config"].clone();
    let put = |value: serde_json::Value| -> serde_json::Value {
        let bytes = serde_json::to_vec(&value).unwrap();
        let digest = umoci::spec::Digest::sha256_of(&bytes);
        std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest.to_string(),
            "size": bytes.len(),
        })
    };
    let fan = |child: &serde_json::Value| {
        put(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": vec![child.clone(); 400],
        }))
    };
    // Four levels of 400: 400⁴ paths to configs (no image at all), and the
    // same above one real manifest (ambiguous).
    let mut nothing = fan(&config);
    let mut ambiguous = fan(&serde_json::json!({
        "mediaType": manifest["mediaType"],
        "digest": manifest["digest"],
        "size": manifest["size"],
    }));
    for _ in 0..3 {
        nothing = fan(&nothing);
        ambiguous = fan(&ambiguous);
    }
    let tagged = |mut d: serde_json::Value, tag: &str| {
        d["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
        d
    };
    let entries = vec![
        manifest.clone(),
        tagged(nothing, "nothing"),
        tagged(ambiguous, "many"),
    ];
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": entries})).unwrap(),
    )
    .unwrap();
    let bundle = dir.path().join("bundle");
    for tag in ["nothing", "many"] {
        let image = image_arg(&layout, tag);
        for args in [
            vec!["stat", "--image", &image],
            vec!["unpack", "--image", &image, s(&bundle)],
            vec!["tag", "--image", &image, "copy"],
        ] {
            let out = umoci_deadline(&args);
            assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
        }
    }
    umoci_deadline(&["gc", "--layout", s(&layout)]).ok();
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).ok();
}

// 10, 11 and 12. FIFOs, devices and links to them never hang or flood us.

#[test]
fn a_fifo_as_etc_passwd_does_not_hang_unpack() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let tar = LayerBuilder::new()
        .node("etc/passwd", tar::EntryType::Fifo, 0, 0)
        .node("etc/group", tar::EntryType::Fifo, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    config(&layout, "latest", &["--config.user", "app"]).ok();
    let bundle = dir.path().join("bundle");
    let out = umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ]);
    assert_clear_error(&out, "app");
    // Numeric ids need no lookup and succeed.
    config(&layout, "latest", &["--config.user", "1000:1000"]).ok();
    let bundle2 = dir.path().join("bundle2");
    umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle2),
    ])
    .ok();
    let out = umoci_deadline(&[
        "raw",
        "runtime-config",
        "--image",
        &image_arg(&layout, "latest"),
        "--rootfs",
        s(&bundle2.join("rootfs")),
        s(&dir.path().join("config.json")),
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn hostile_oci_layout_files_fail_fast_in_bounded_memory() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let marker = layout.join("oci-layout");
    std::fs::remove_file(&marker).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &marker).unwrap();
    let (out, rss) = umoci_measured(&["ls", "--layout", s(&layout)], &dir.path().join("rss"));
    assert_clear_error(&out, "oci-layout");
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB");
    std::fs::remove_file(&marker).unwrap();
    run("mkfifo", &[s(&marker)]).ok();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "oci-layout",
    );
    std::fs::remove_file(&marker).unwrap();
    std::fs::write(&marker, vec![b' '; 1 << 20]).unwrap();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "oci-layout",
    );

    // index.json likewise.
    std::fs::write(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = layout.join("index.json");
    std::fs::remove_file(&index).unwrap();
    run("mkfifo", &[s(&index)]).ok();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "index.json",
    );
}

#[test]
fn a_fifo_blob_fails_stat_gc_and_unpack_without_hanging() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let manifest = read_json(&layout.join("index.json"))["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let blob = layout.join("blobs/sha256").join(&manifest);
    std::fs::remove_file(&blob).unwrap();
    run("mkfifo", &[s(&blob)]).ok();
    let before = snapshot(&layout);
    let image = image_arg(&layout, "latest");
    let bundle = dir.path().join("bundle");
    for args in [
        vec!["stat", "--image", &image],
        vec!["unpack", "--image", &image, s(&bundle)],
        vec!["gc", "--layout", s(&layout)],
    ] {
        let out = umoci_deadline(&args);
        assert_clear_error(&out, &manifest[..12]);
    }
    assert_eq!(snapshot(&layout), before, "gc deleted nothing");
}

// 13. Work on image-controlled lists is linear.

#[test]
fn a_config_with_200k_env_entries_unpacks_promptly() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    crate::common::layers::edit_config(&layout, "latest", |image| {
        image.config.env = (0..200_000).map(|i| format!("VAR_{i}={i}")).collect();
        image.config.volumes = (0..50_000)
            .map(|i| (format!("/vol/{i}"), Default::default()))
            .collect();
    });
    let started = Instant::now();
    let bundle = dir.path().join("bundle");
    umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ])
    .ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    repack_deadline(&layout, &bundle).ok();
    // Quadratic work here took minutes; linear takes about a second.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let env = read_json(&bundle.join("config.json"))["process"]["env"].clone();
    let env = env.as_array().unwrap();
    assert!(env.len() > 200_000, "{}", env.len());
    assert!(env.contains(&"VAR_199999=199999".into()));
}
