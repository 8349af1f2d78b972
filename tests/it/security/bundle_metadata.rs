//! A bundle's own metadata (umoci.json, the mtree manifest) is read only as
//! the bundle's regular files, and bad contents are errors, never panics.

use super::*;

// 4. A bad umoci.json is an error, never a panic.

#[test]
fn bad_bundle_metadata_is_a_clear_error() {
    let dir = tempdir();
    let sentinels = Sentinels::new(dir.path());
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let meta_path = bundle.join("umoci.json");
    let good = read_json(&meta_path);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (what, walk) in [
        ("empty walk", serde_json::json!([])),
        ("null walk", serde_json::Value::Null),
        (
            "negative size",
            serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": good["from_descriptor_path"]["descriptor_walk"][0]["digest"], "size": -1}]),
        ),
    ] {
        let mut meta = good.clone();
        meta["from_descriptor_path"]["descriptor_walk"] = walk;
        cases.push((what, serde_json::to_vec(&meta).unwrap()));
    }
    cases.push(("not json", b"{\"umoci_version\": ".to_vec()));
    cases.push(("huge", vec![b' '; 17 << 20]));
    let before = snapshot(&layout);
    for (what, data) in cases {
        std::fs::write(&meta_path, &data).unwrap();
        let out = repack_deadline(&layout, &bundle);
        assert_clear_error(&out, "umoci.json");
        assert_eq!(snapshot(&layout), before, "{what}");
    }
    // Not a regular file: a link to a host file, a FIFO.
    std::fs::remove_file(&meta_path).unwrap();
    std::os::unix::fs::symlink(&sentinels.file, &meta_path).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_clear_error(&out, "umoci.json");
    std::fs::remove_file(&meta_path).unwrap();
    run("mkfifo", &[s(&meta_path)]).ok();
    let out = repack_deadline(&layout, &bundle);
    assert_clear_error(&out, "umoci.json");
    assert_eq!(snapshot(&layout), before);
    sentinels.assert_untouched();
}

// 5. The mtree manifest is read only as the bundle's own regular file.

#[test]
fn a_linked_or_garbage_mtree_never_becomes_a_layer() {
    let dir = tempdir();
    let secret = dir.path().join("shadow");
    std::fs::write(
        &secret,
        b"root:$6$secrethash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n",
    )
    .unwrap();
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let mtree = mtree_of(&bundle);
    let before = snapshot(&layout);

    std::fs::remove_file(&mtree).unwrap();
    std::os::unix::fs::symlink(&secret, &mtree).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("secrethash"), "{}", out.stderr);
    assert_eq!(snapshot(&layout), before);

    // The same content as a regular file is not a manifest either.
    std::fs::remove_file(&mtree).unwrap();
    std::fs::copy(&secret, &mtree).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("secrethash"), "{}", out.stderr);
    assert_eq!(snapshot(&layout), before);
}
