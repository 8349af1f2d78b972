//! Interop with the tools users run beside us: skopeo reads what we
//! write, we read what skopeo and Debian's umoci write, and the same edits
//! made by Debian's umoci and by us give the same config, field by field.

use crate::common::*;
use std::path::Path;

/// The config edits both implementations apply in the differential test.
const EDITS: &[&str] = &[
    "--config.user=1000:1000",
    "--config.env=FOO=bar",
    "--config.env=PATH=/usr/bin",
    "--config.entrypoint=/bin/sh",
    "--config.entrypoint=-c",
    "--config.cmd=echo hi",
    "--config.exposedports=8080/tcp",
    "--config.volume=/data",
    "--config.label=org.example.a=1",
    "--config.label=org.example.b=two words",
    "--config.workingdir=/srv",
    "--config.stopsignal=SIGTERM",
    "--author=Jane <jane@example.com>",
    "--created=2020-01-02T03:04:05Z",
    "--manifest.annotation=org.opencontainers.image.title=hello",
    "--history.created=2020-01-02T03:04:05Z",
    "--history.created_by=differential test",
    "--history.comment=same edits",
    "--history.author=tester",
];

fn blob(layout: &Path, digest: &str) -> serde_json::Value {
    let (alg, hex) = digest.split_once(':').unwrap();
    read_json(&layout.join("blobs").join(alg).join(hex))
}

/// The manifest descriptor of `tag` straight from index.json.
fn manifest_digest(layout: &Path, tag: &str) -> String {
    let index = read_json(&layout.join("index.json"));
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("tag {tag} not in {index}"))["digest"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn config_blob(layout: &Path, tag: &str) -> (serde_json::Value, serde_json::Value, String) {
    let manifest = blob(layout, &manifest_digest(layout, tag));
    let digest = manifest["config"]["digest"].as_str().unwrap().to_owned();
    (manifest.clone(), blob(layout, &digest), digest)
}

#[test]
fn skopeo_inspects_and_copies_layouts_we_wrote() {
    if !have_tool("skopeo") {
        return;
    }
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "ours");
    config(&layout, "latest", &["--tag", "edited", "--config.env=A=b"]).ok();
    let inspect = run(
        "skopeo",
        &["inspect", "--raw", &format!("oci:{}:edited", s(&layout))],
    )
    .ok();
    let manifest: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(manifest["schemaVersion"], 2);
    let config = run(
        "skopeo",
        &["inspect", "--config", &format!("oci:{}:edited", s(&layout))],
    )
    .ok();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert!(
        config["config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "A=b"),
        "{config}"
    );

    let copy = dir.path().join("copy");
    run(
        "skopeo",
        &[
            "copy",
            &format!("oci:{}:edited", s(&layout)),
            &format!("oci:{}:y", s(&copy)),
        ],
    )
    .ok();
    // Our tools read skopeo's result.
    assert_eq!(umoci(&["ls", "--layout", s(&copy)]).ok(), "y\n");
    let stat = stat_json(&copy, "y");
    assert!(stat["config"]["blob"]["config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "A=b"));
    crate::common::config(&copy, "y", &["--config.cmd=true"]).ok();
    umoci(&["gc", "--layout", s(&copy)]).ok();
    run("skopeo", &["inspect", &format!("oci:{}:y", s(&copy))]).ok();
}

#[test]
fn oci_image_tool_validates_what_we_wrote() {
    if !have_tool("oci-image-tool") {
        return;
    }
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "ours");
    config(
        &layout,
        "latest",
        &["--tag", "v2", "--config.cmd=/bin/true"],
    )
    .ok();
    umoci(&["tag", "--image", &image_arg(&layout, "v2"), "v3"]).ok();
    // Debian's oci-image-tool predates the final ref.name annotation key, so
    // its `--ref name=` filter matches every descriptor: validate a layout
    // holding one tag at a time.
    for (keep, drop) in [("v3", ["latest", "v2"]), ("latest", ["v2", "v3"])] {
        let single = dir.path().join(keep);
        copy_tree(&layout, &single);
        for tag in drop {
            umoci(&["rm", "--image", &image_arg(&single, tag)]).ok();
        }
        umoci(&["gc", "--layout", s(&single)]).ok();
        run(
            "oci-image-tool",
            &[
                "validate",
                "--type",
                "image",
                "--ref",
                &format!("name={keep}"),
                s(&single),
            ],
        )
        .ok();
    }
}

#[test]
fn we_work_on_layouts_debian_umoci_wrote() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = dir.path().join("theirs");
    run("umoci", &["init", "--layout", s(&layout)]).ok();
    run("umoci", &["new", "--image", &image_arg(&layout, "base")]).ok();
    run(
        "umoci",
        &[
            "config",
            "--image",
            &image_arg(&layout, "base"),
            "--config.cmd=sh",
        ],
    )
    .ok();
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "base\n");
    config(&layout, "base", &["--tag", "ours", "--config.env=X=1"]).ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    // And theirs reads ours back.
    let listed = run("umoci", &["ls", "--layout", s(&layout)]).ok();
    let mut tags: Vec<&str> = listed.lines().collect();
    tags.sort();
    assert_eq!(tags, ["base", "ours"]);
    run("umoci", &["stat", "--image", &image_arg(&layout, "ours")]).ok();
}

#[test]
fn same_config_edits_as_debian_umoci_give_the_same_blobs() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let theirs = copy_hello(dir.path(), "theirs");
    let ours = copy_hello(dir.path(), "ours");
    let mut args = vec!["config", "--image"];
    let their_img = image_arg(&theirs, "latest");
    let our_img = image_arg(&ours, "latest");
    args.push(&their_img);
    args.extend_from_slice(EDITS);
    run("umoci", &args).ok();
    args[2] = &our_img;
    umoci(&args).ok();

    let (their_manifest, their_config, their_digest) = config_blob(&theirs, "latest");
    let (our_manifest, our_config, our_digest) = config_blob(&ours, "latest");
    // Field by field first, so a difference prints readably ...
    for field in [
        "architecture",
        "os",
        "created",
        "author",
        "config",
        "rootfs",
        "history",
    ] {
        assert_eq!(
            our_config[field], their_config[field],
            "config field {field}"
        );
    }
    assert_eq!(our_config, their_config);
    assert_eq!(our_manifest["annotations"], their_manifest["annotations"]);
    // ... then byte for byte: the blobs are content-addressed.
    assert_eq!(our_digest, their_digest);
    // The manifest also names its own media type, as 0.6.0 writes it when
    // it edits the config (0.4.7 did not).
    let mut their_manifest = their_manifest;
    their_manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    assert_eq!(our_manifest, their_manifest);

    // Clearing works the same way too.
    for (layout, bin) in [(&theirs, "umoci"), (&ours, umoci_bin())] {
        run(
            bin,
            &[
                "config",
                "--image",
                &image_arg(layout, "latest"),
                "--clear=config.env",
                "--clear=config.labels",
                "--clear=config.entrypoint",
                "--no-history",
            ],
        )
        .ok();
    }
    let (our_manifest, our_config, _) = config_blob(&ours, "latest");
    let (mut their_manifest, their_config, _) = config_blob(&theirs, "latest");
    assert_eq!(our_config, their_config);
    their_manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    assert_eq!(our_manifest, their_manifest);
}

#[test]
fn stat_history_agrees_with_debian_umoci() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let mut args = vec!["config", "--image"];
    let img = image_arg(&layout, "latest");
    args.push(&img);
    args.extend_from_slice(EDITS);
    umoci(&args).ok();
    let theirs: serde_json::Value =
        serde_json::from_str(&run("umoci", &["stat", "--image", &img, "--json"]).ok()).unwrap();
    let ours = stat_json(&layout, "latest");
    assert_eq!(ours["history"], theirs["history"]);
}
