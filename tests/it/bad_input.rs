//! Broken and tampered layouts: every command fails with one clear line on
//! stderr and exit status 1, and leaves the layout exactly as it was.

use std::path::Path;

use crate::common::*;

/// Every command that reads a layout, as argv built for `layout`.
fn all_commands(layout: &Path) -> Vec<Vec<String>> {
    let img = image_arg(layout, "latest");
    let l = s(layout).to_owned();
    [
        vec!["ls", "--layout", &l],
        vec!["gc", "--layout", &l],
        vec!["stat", "--image", &img],
        vec!["stat", "--image", &img, "--json"],
        vec!["config", "--image", &img, "--config.env", "A=1"],
        vec!["tag", "--image", &img, "other"],
        vec!["rm", "--image", &img],
        vec!["new", "--image", &image_arg(layout, "fresh")],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_owned).collect())
    .collect()
}

/// Runs every command in `cmds` (skipping those named in `works`) and checks
/// each fails mentioning `needle` without changing anything.
fn assert_all_fail(layout: &Path, needle: &str, works: &[&str]) {
    let before = snapshot(layout);
    for cmd in all_commands(layout) {
        if works.contains(&cmd[0].as_str()) {
            continue;
        }
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        umoci(&args).fails_with(needle);
        assert_eq!(snapshot(layout), before, "{args:?} changed the layout");
    }
}

#[test]
fn missing_layout_directory() {
    let dir = tempdir();
    let missing = dir.path().join("nope");
    assert_all_fail(&missing, "no such directory", &[]);
    assert!(!missing.exists(), "a failing command created the layout");
}

#[test]
fn missing_and_corrupt_oci_layout_file() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    std::fs::remove_file(layout.join("oci-layout")).unwrap();
    assert_all_fail(&layout, "no oci-layout file", &[]);
    std::fs::write(layout.join("oci-layout"), b"{not json").unwrap();
    assert_all_fail(&layout, "parse oci-layout", &[]);
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"2.0.0"}"#,
    )
    .unwrap();
    assert_all_fail(&layout, "unsupported imageLayoutVersion", &[]);
}

#[test]
fn missing_and_corrupt_index() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let good = std::fs::read(layout.join("index.json")).unwrap();
    std::fs::remove_file(layout.join("index.json")).unwrap();
    assert_all_fail(&layout, "index.json is missing", &[]);
    std::fs::write(layout.join("index.json"), &good[..good.len() / 2]).unwrap();
    assert_all_fail(&layout, "index.json: invalid JSON", &[]);
    std::fs::write(
        layout.join("index.json"),
        br#"{"schemaVersion":2,"manifests":{}}"#,
    )
    .unwrap();
    assert_all_fail(&layout, "index.json: invalid JSON", &[]);
}

#[test]
fn unknown_tag() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let before = snapshot(&layout);
    let img = image_arg(&layout, "nosuchtag");
    for args in [
        vec!["stat", "--image", &img],
        vec!["config", "--image", &img, "--config.env", "A=1"],
        vec!["tag", "--image", &img, "x"],
    ] {
        umoci(&args).fails_with("tag not found: nosuchtag");
    }
    assert_eq!(snapshot(&layout), before);
}

fn blob_of(layout: &Path, pointer: &str) -> std::path::PathBuf {
    let stat = stat_json(layout, "latest");
    let digest = stat.pointer(pointer).unwrap().as_str().unwrap().to_owned();
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

#[test]
fn tampered_manifest_and_config_blobs() {
    for pointer in ["/manifest/descriptor/digest", "/config/descriptor/digest"] {
        let dir = tempdir();
        let layout = copy_hello(dir.path(), "img");
        let blob = blob_of(&layout, pointer);
        let mut data = std::fs::read(&blob).unwrap();
        // Same length, different content: only the digest check can notice.
        let pos = data.iter().position(|b| *b == b'2' || *b == b'a').unwrap();
        data[pos] = if data[pos] == b'2' { b'3' } else { b'b' };
        std::fs::write(&blob, &data).unwrap();
        let name = blob.file_name().unwrap().to_str().unwrap().to_owned();
        let before = snapshot(&layout);
        for args in [
            vec![
                "stat".to_owned(),
                "--image".into(),
                image_arg(&layout, "latest"),
            ],
            vec![
                "config".into(),
                "--image".into(),
                image_arg(&layout, "latest"),
                "--config.env".into(),
                "A=1".into(),
            ],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let line = umoci(&args).fails_with(&name);
            assert!(line.contains("corrupt"), "{line}");
        }
        if pointer.starts_with("/manifest") {
            // gc must read the manifest to mark, so it must refuse too.
            umoci(&["gc", "--layout", s(&layout)]).fails_with(&name);
        }
        assert_eq!(snapshot(&layout), before);
    }
}

#[test]
fn blob_with_wrong_size() {
    // As upstream's verified reader: the first `size` bytes are hashed and
    // a wrong digest is reported first; right bytes followed by more are
    // a wrong size. Both errors name the blob.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let blob = blob_of(&layout, "/config/descriptor/digest");
    let name = blob.file_name().unwrap().to_str().unwrap().to_owned();
    let good = std::fs::read(&blob).unwrap();
    let mut appended = good.clone();
    appended.push(b'\n');
    std::fs::write(&blob, &appended).unwrap();
    let before = snapshot(&layout);
    let line = umoci(&["stat", "--image", &image_arg(&layout, "latest")])
        .fails_with("but its descriptor says");
    assert!(line.contains(&name), "{line}");
    assert_eq!(snapshot(&layout), before);

    let mut inserted = b" ".to_vec();
    inserted.extend_from_slice(&good);
    std::fs::write(&blob, &inserted).unwrap();
    let line = umoci(&["stat", "--image", &image_arg(&layout, "latest")]).fails_with("corrupt");
    assert!(line.contains(&name), "{line}");
    std::fs::write(&blob, &good[..good.len() - 1]).unwrap();
    let line = umoci(&["stat", "--image", &image_arg(&layout, "latest")]).fails_with("corrupt");
    assert!(line.contains(&name), "{line}");

    // Debian's umoci sorts them the same way.
    if have_tool("umoci") {
        std::fs::write(&blob, &appended).unwrap();
        let theirs = run("umoci", &["stat", "--image", &image_arg(&layout, "latest")]);
        assert!(theirs.stderr.contains("size mismatch"), "{}", theirs.stderr);
        std::fs::write(&blob, &inserted).unwrap();
        let theirs = run("umoci", &["stat", "--image", &image_arg(&layout, "latest")]);
        assert!(
            theirs.stderr.contains("digest mismatch"),
            "{}",
            theirs.stderr
        );
    }
}

#[test]
fn missing_blob_is_named() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let blob = blob_of(&layout, "/config/descriptor/digest");
    let name = blob.file_name().unwrap().to_str().unwrap().to_owned();
    std::fs::remove_file(&blob).unwrap();
    let before = snapshot(&layout);
    let line = umoci(&["stat", "--image", &image_arg(&layout, "latest")]).fails_with(&name);
    assert!(line.contains("missing"), "{line}");
    config(&layout, "latest", &["--config.env", "A=1"]).fails_with(&name);
    assert_eq!(snapshot(&layout), before);
}

fn edit_index(layout: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut index = read_json(&layout.join("index.json"));
    edit(&mut index);
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
}

#[test]
fn descriptor_of_the_wrong_media_type() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    edit_index(&layout, |i| {
        i["manifests"][0]["mediaType"] = "application/vnd.oci.image.config.v1+json".into()
    });
    let before = snapshot(&layout);
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).fails_with("tag not found");
    let layout2 = copy_hello(dir.path(), "img2");
    edit_index(&layout2, |i| {
        i["manifests"][0]["mediaType"] = "application/x-unknown".into()
    });
    umoci(&["stat", "--image", &image_arg(&layout2, "latest")])
        .fails_with("does not point to an image manifest");
    config(&layout2, "latest", &["--config.env", "A=1"])
        .fails_with("does not point to an image manifest");
    assert_eq!(snapshot(&layout), before);
}

#[test]
fn negative_and_absurd_descriptor_sizes() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    edit_index(&layout, |i| i["manifests"][0]["size"] = (-5).into());
    assert_all_fail(&layout, "negative size", &[]);
    let layout = copy_hello(dir.path(), "img2");
    edit_index(&layout, |i| i["manifests"][0]["size"] = (1u64 << 62).into());
    let before = snapshot(&layout);
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).fails_with("exceeds");
    umoci(&["gc", "--layout", s(&layout)]).fails_with("exceeds");
    assert_eq!(snapshot(&layout), before);
}

#[test]
fn invalid_digest_in_index() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    edit_index(&layout, |i| {
        i["manifests"][0]["digest"] = "sha256:../../../etc/passwd".into()
    });
    assert_all_fail(&layout, "invalid digest", &[]);
}

#[test]
fn bad_image_arguments() {
    let cases: &[(&str, &str)] = &[
        ("", "invalid --image: path is empty"),
        (":tag", "invalid --image: path is empty"),
        ("dir:", "invalid --image: tag is empty"),
        (
            "dir:.AZ94n18s",
            "invalid --image: tag contains invalid characters",
        ),
        (
            "dir:a b",
            "invalid --image: tag contains invalid characters",
        ),
    ];
    for (arg, needle) in cases {
        umoci(&["stat", "--image", arg]).fails_with(needle);
    }
    umoci(&["stat"]).fails_with("missing mandatory argument: --image");
}

/// No part of an error line says the same thing twice (a cause printed by
/// the error and again by its source).
#[track_caller]
fn assert_cause_said_once(line: &str) {
    let parts: Vec<&str> = line
        .trim()
        .trim_start_matches('⨯')
        .trim()
        .split(": ")
        .collect();
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            assert!(a.len() < 4 || a != b, "{line:?} repeats {a:?}");
        }
    }
}

#[test]
fn every_error_is_one_line_that_states_its_cause_once() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let image = image_arg(&layout, "latest");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let not_json = copy_hello(dir.path(), "notjson");
    std::fs::write(not_json.join("index.json"), b"{").unwrap();
    let dir_index = copy_hello(dir.path(), "dirindex");
    std::fs::remove_file(dir_index.join("index.json")).unwrap();
    std::fs::create_dir(dir_index.join("index.json")).unwrap();
    let no_meta = dir.path().join("nometa");
    std::fs::create_dir_all(no_meta.join("rootfs")).unwrap();
    let missing = dir.path().join("missing");
    /// A command line and its extra environment.
    type Case = (Vec<String>, &'static [(&'static str, &'static str)]);
    let cases: Vec<Case> = vec![
        (
            vec!["ls".into(), "--layout".into(), s(&missing).into()],
            &[],
        ),
        (
            vec!["ls".into(), "--layout".into(), s(&not_json).into()],
            &[],
        ),
        (
            vec!["ls".into(), "--layout".into(), s(&dir_index).into()],
            &[],
        ),
        (
            vec![
                "stat".into(),
                "--image".into(),
                image_arg(&layout, "nosuch"),
            ],
            &[],
        ),
        (
            vec![
                "unpack".into(),
                "--image".into(),
                image.clone(),
                s(&bundle).into(),
            ],
            &[],
        ),
        (
            vec![
                "unpack".into(),
                "--image".into(),
                "docker://x:y".into(),
                "b".into(),
            ],
            &[],
        ),
        (
            vec![
                "repack".into(),
                "--image".into(),
                image.clone(),
                s(&no_meta).into(),
            ],
            &[],
        ),
        (
            vec![
                "repack".into(),
                "--image".into(),
                image.clone(),
                "--compress".into(),
                "gzip:99".into(),
                s(&bundle).into(),
            ],
            &[],
        ),
        (
            vec![
                "insert".into(),
                "--image".into(),
                image.clone(),
                s(&missing).into(),
                "/x".into(),
            ],
            &[],
        ),
        (
            vec![
                "raw".into(),
                "add-layer".into(),
                "--image".into(),
                image.clone(),
                s(dir.path()).into(),
            ],
            &[],
        ),
        (
            vec![
                "config".into(),
                "--image".into(),
                image.clone(),
                "--config.user".into(),
                "x".into(),
            ],
            &[("SOURCE_DATE_EPOCH", "soon")],
        ),
    ];
    for (args, env) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = umoci_env(&args, env);
        assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line: {:?}", out.stderr);
        assert_cause_said_once(lines[0]);
    }
}
