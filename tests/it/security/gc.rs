//! gc deletes only inside the layout: never through a symlinked blob
//! directory, never a link's target.

use super::*;

// 2. gc: deletions never go through a symlinked blob directory; reads may.

fn blob_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn gc_refuses_symlinked_blob_directories_and_deletes_nothing_outside() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    // Another layout's blob store, holding a blob this one does not use.
    let shared = dir.path().join("shared-sha256");
    std::fs::rename(layout.join("blobs/sha256"), &shared).unwrap();
    let stranger = umoci::spec::Digest::sha256_of(b"another layout's blob");
    std::fs::write(shared.join(stranger.hex()), b"another layout's blob").unwrap();
    std::os::unix::fs::symlink(&shared, layout.join("blobs/sha256")).unwrap();
    let before = snapshot(&shared);

    // Reading through the link works, as upstream's does.
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).ok();
    let out = umoci_deadline(&["gc", "--layout", s(&layout)]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&shared), before, "gc deleted through the link");

    // Writing through it is refused too, and leaves the store alone.
    let out = umoci_deadline(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.user",
        "nobody",
    ]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&shared), before);

    // The same for a symlinked `blobs/`.
    std::fs::remove_file(layout.join("blobs/sha256")).unwrap();
    let blobs_elsewhere = dir.path().join("shared-blobs");
    std::fs::create_dir(&blobs_elsewhere).unwrap();
    std::fs::rename(&shared, blobs_elsewhere.join("sha256")).unwrap();
    std::fs::remove_dir(layout.join("blobs")).unwrap();
    std::os::unix::fs::symlink(&blobs_elsewhere, layout.join("blobs")).unwrap();
    let before = snapshot(&blobs_elsewhere);
    let out = umoci_deadline(&["gc", "--layout", s(&layout)]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&blobs_elsewhere), before);
}

#[test]
fn gc_unlinks_a_symlinked_blob_never_its_target() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, b"not garbage").unwrap();
    let digest = umoci::spec::Digest::sha256_of(b"unreferenced");
    let link = layout.join("blobs/sha256").join(digest.hex());
    std::os::unix::fs::symlink(&target, &link).unwrap();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert!(std::fs::symlink_metadata(&link).is_err(), "link removed");
    assert_eq!(std::fs::read(&target).unwrap(), b"not garbage");

    // A referenced blob that is a link to a file (a shared blob store) is
    // read through, and kept.
    let blobs = layout.join("blobs/sha256");
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    for name in blob_files(&blobs) {
        std::fs::rename(blobs.join(&name), shared.join(&name)).unwrap();
        std::os::unix::fs::symlink(shared.join(&name), blobs.join(&name)).unwrap();
    }
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert_eq!(blob_files(&blobs), blob_files(&shared));
}

#[test]
fn gc_marks_the_children_of_a_blob_first_seen_as_a_layer() {
    // One blob is both a layer of image A and the index of image B. Marking
    // must parse it as the index however the walk first meets it, or gc
    // deletes B's manifest.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let index = read_json(&layout.join("index.json"));
    let manifest_desc = index["manifests"][0].clone();
    let child_index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": manifest_desc["mediaType"],
            "digest": manifest_desc["digest"],
            "size": manifest_desc["size"],
        }],
    }))
    .unwrap();
    let digest = umoci::spec::Digest::sha256_of(&child_index);
    std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &child_index).unwrap();
    // B: a tag on the index, listed first (so walked last).
    let b = serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": digest.to_string(),
        "size": child_index.len(),
        "annotations": {"org.opencontainers.image.ref.name": "b"},
    });
    // A: an image whose manifest lists that blob as a layer, and nothing
    // else tags hello's manifest.
    let src = umoci::layout::Layout::open(&layout).unwrap();
    let idx = src.read_index().unwrap();
    let image = umoci::image::ImageSource::open(&src, &idx, "latest", &Default::default()).unwrap();
    let mut manifest = serde_json::to_value(&image.manifest).unwrap();
    manifest["layers"] = serde_json::json!([{
        "mediaType": "application/vnd.oci.image.layer.v1.tar",
        "digest": digest.to_string(),
        "size": child_index.len(),
    }]);
    drop(src);
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let manifest_digest = umoci::spec::Digest::sha256_of(&manifest);
    std::fs::write(
        layout.join("blobs/sha256").join(manifest_digest.hex()),
        &manifest,
    )
    .unwrap();
    let a = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest.to_string(),
        "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "a"},
    });
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [b, a]})).unwrap(),
    )
    .unwrap();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    umoci(&["stat", "--image", &image_arg(&layout, "b")]).ok();
}
