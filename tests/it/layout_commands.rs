//! `init`, `ls`/`list` and `gc` run as a user would run them.

use std::os::unix::fs::MetadataExt;

use crate::common::*;

#[test]
fn init_creates_a_valid_empty_layout() {
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    assert_eq!(
        read_json(&layout.join("oci-layout")),
        serde_json::json!({"imageLayoutVersion": "1.0.0"})
    );
    let index = read_json(&layout.join("index.json"));
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["manifests"], serde_json::json!([]));
    assert!(layout.join("blobs/sha256").is_dir());
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "");
}

#[test]
fn init_makes_parents_and_accepts_an_empty_directory() {
    let dir = tempdir();
    let nested = dir.path().join("a/b/c");
    umoci(&["init", "--layout", s(&nested)]).ok();
    assert!(nested.join("index.json").is_file());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    umoci(&["init", "--layout", s(&empty)]).ok();
    assert!(empty.join("oci-layout").is_file());
}

#[test]
fn init_refuses_existing_non_empty_paths() {
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    let before = snapshot(&layout);
    umoci(&["init", "--layout", s(&layout)]).fails_with("already exists");
    assert_eq!(snapshot(&layout), before);
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    umoci(&["init", "--layout", s(&file)]).fails_with("already exists");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn layout_flag_validation() {
    umoci(&["init"]).fails_with("missing mandatory argument: --layout");
    umoci(&["init", "--layout", ""]).fails_with("invalid --layout: path is empty");
    umoci(&["ls", "--layout", "a:b"]).fails_with("invalid --layout: path contains ':' character");
    let dir = tempdir();
    umoci(&["init", "--layout", s(&dir.path().join("x")), "extra"])
        .fails_with("invalid number of positional arguments: expected none");
}

#[test]
fn ls_lists_tags_in_index_order_and_alias_list_works() {
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    for tag in ["zeta", "alpha", "mid"] {
        umoci(&["new", "--image", &image_arg(&layout, tag)]).ok();
    }
    assert_eq!(
        umoci(&["ls", "--layout", s(&layout)]).ok(),
        "zeta\nalpha\nmid\n"
    );
    // Re-creating a tag moves it to the end, as upstream's UpdateReference does.
    umoci(&["new", "--image", &image_arg(&layout, "zeta")]).ok();
    assert_eq!(
        umoci(&["list", "--layout", s(&layout)]).ok(),
        "alpha\nmid\nzeta\n"
    );
}

#[test]
fn gc_removes_only_unreachable_blobs() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let blobs_before: Vec<_> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .collect();
    config(
        &layout,
        "latest",
        &["--config.env", "X=1", "--tag", "edited"],
    )
    .ok();
    umoci(&["rm", "--image", &image_arg(&layout, "latest")]).ok();
    // Old manifest and config are now unreachable; the layer is shared.
    let run = umoci(&["--log=info", "gc", "--layout", s(&layout)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("garbage collected 2 blobs"),
        "{}",
        run.stderr
    );
    let after: Vec<_> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .collect();
    assert_eq!(after.len(), blobs_before.len());
    let stat = stat_json(&layout, "edited");
    assert_eq!(stat["config"]["blob"]["config"]["Env"][1], "X=1");
    // Removing the last tag makes everything garbage.
    umoci(&["rm", "--image", &image_arg(&layout, "edited")]).ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert_eq!(
        std::fs::read_dir(layout.join("blobs/sha256"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn gc_does_not_read_layers_and_keeps_unknown_referenced_blobs() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let stat = stat_json(&layout, "latest");
    // Corrupt the layer: gc must not hash it, so it still succeeds and keeps it.
    let layer = stat["manifest"]["blob"]["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .replace("sha256:", "");
    let layer_path = layout.join("blobs/sha256").join(&layer);
    std::fs::write(&layer_path, b"not the layer any more").unwrap();
    // A manifest referencing a blob of an unknown media type, tagged.
    let custom = b"custom artifact";
    let custom_digest = sha256_hex(custom);
    std::fs::write(layout.join("blobs/sha256").join(&custom_digest), custom).unwrap();
    let config = &stat["manifest"]["blob"]["config"];
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [{"mediaType": "application/x-custom", "digest": format!("sha256:{custom_digest}"), "size": custom.len()}]
    });
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    let manifest_digest = sha256_hex(&manifest_bytes);
    std::fs::write(
        layout.join("blobs/sha256").join(&manifest_digest),
        &manifest_bytes,
    )
    .unwrap();
    let mut index = read_json(&layout.join("index.json"));
    index["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest_bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "custom"}
        }));
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    // An orphan that must go.
    let orphan = sha256_hex(b"orphan");
    std::fs::write(layout.join("blobs/sha256").join(&orphan), b"orphan").unwrap();

    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert!(layer_path.exists());
    assert!(layout.join("blobs/sha256").join(&custom_digest).exists());
    assert!(!layout.join("blobs/sha256").join(&orphan).exists());
}

#[test]
fn gc_cleans_stale_scratch_dirs_but_not_locked_ones() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let stale = layout.join(".umoci-stale123");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("blob-partial"), b"half").unwrap();
    let live = layout.join(".umoci-live456");
    std::fs::create_dir(&live).unwrap();
    let holder = std::fs::File::open(&live).unwrap();
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert!(!stale.exists(), "stale scratch dir survived");
    assert!(live.exists(), "locked scratch dir was removed");
    drop(holder);
}

#[test]
fn gc_refuses_to_sweep_when_a_manifest_is_unreadable() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let manifest = stat_json(&layout, "latest")["manifest"]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .replace("sha256:", "");
    std::fs::write(layout.join("blobs/sha256").join(&manifest), b"{}").unwrap();
    let before = snapshot(&layout);
    umoci(&["gc", "--layout", s(&layout)]).fails_with(&manifest);
    assert_eq!(
        snapshot(&layout),
        before,
        "gc deleted blobs despite failing to mark"
    );
}

fn sha256_hex(data: &[u8]) -> String {
    umoci::spec::Digest::sha256_of(data).hex().to_owned()
}

#[test]
fn root_editing_a_users_layout_leaves_everything_to_that_user() {
    // As upstream's directory engine: blobs, index.json, new blob
    // directories and scratch space created by root belong to the layout's
    // owner, who can then go on using (and garbage collecting) it.
    let Some((uid, gid)) = crate::common::users::test_user() else {
        return;
    };
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    run("chown", &["-R", &format!("{uid}:{gid}"), s(&layout)]).ok();
    let image = image_arg(&layout, "latest");
    umoci(&["config", "--image", &image, "--config.user", "1:1"]).ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    umoci(&["repack", "--image", &image, s(&bundle)]).ok();
    umoci(&["tag", "--image", &image, "other"]).ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    let mut stack = vec![layout.clone()];
    let mut seen = 0;
    while let Some(path) = stack.pop() {
        let md = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!((md.uid(), md.gid()), (uid, gid), "{}", path.display());
        seen += 1;
        if md.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
    assert!(seen > 6);
    // The owner can collect garbage itself afterwards.
    let out = crate::common::users::as_user(&[umoci_bin(), "gc", "--layout", s(&layout)]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn ls_does_not_wait_for_a_running_gc() {
    // A gc holds the blob lock exclusively; ls reads only index.json.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let holder = std::fs::File::open(layout.join("blobs")).unwrap();
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let started = std::time::Instant::now();
    let out = umoci_env(
        &["ls", "--layout", s(&layout)],
        &[("UMOCI_LOCK_TIMEOUT", "5")],
    );
    assert_eq!(out.ok(), "latest\n");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}
