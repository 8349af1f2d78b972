//! `new`, `tag`, `rm`, `stat` and `config`, checked through the blobs they
//! write.

use std::path::Path;

use crate::common::*;
use serde_json::json;

#[test]
fn new_writes_an_empty_host_image_honouring_source_date_epoch() {
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    umoci_env(
        &["new", "--image", &image_arg(&layout, "t")],
        &[("SOURCE_DATE_EPOCH", "1000")],
    )
    .ok();
    let stat = stat_json(&layout, "t");
    let config = &stat["config"]["blob"];
    assert_eq!(config["created"], "1970-01-01T00:16:40Z");
    assert_eq!(config["os"], "linux");
    assert_eq!(
        config["architecture"],
        if cfg!(target_arch = "x86_64") {
            "amd64"
        } else {
            "arm64"
        }
    );
    assert_eq!(config["rootfs"], json!({"type": "layers", "diff_ids": []}));
    assert!(config.get("history").is_none());
    let manifest = &stat["manifest"]["blob"];
    assert_eq!(manifest["layers"], json!([]));
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(stat["history"], json!([]));
    // Same epoch, same bytes: `new` is deterministic under SOURCE_DATE_EPOCH.
    umoci_env(
        &["new", "--image", &image_arg(&layout, "u")],
        &[("SOURCE_DATE_EPOCH", "1000")],
    )
    .ok();
    assert_eq!(
        stat_json(&layout, "u")["manifest"]["descriptor"]["digest"],
        stat["manifest"]["descriptor"]["digest"]
    );
}

#[test]
fn new_rejects_bad_source_date_epoch_and_defaults_tag_to_latest() {
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    umoci_env(
        &["new", "--image", s(&layout)],
        &[("SOURCE_DATE_EPOCH", "soon")],
    )
    .fails_with("SOURCE_DATE_EPOCH");
    umoci(&["new", "--image", s(&layout)]).ok();
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "latest\n");
}

#[test]
fn tag_points_a_new_name_at_the_same_manifest() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    umoci(&["tag", "--image", &image_arg(&layout, "latest"), "v1.0"]).ok();
    // Flags may follow positionals, as with urfave/cli.
    umoci(&["tag", "v2", "--image", &image_arg(&layout, "latest")]).ok();
    let a = stat_json(&layout, "latest");
    let b = stat_json(&layout, "v1.0");
    assert_eq!(
        a["manifest"]["descriptor"]["digest"],
        b["manifest"]["descriptor"]["digest"]
    );
    assert_eq!(
        umoci(&["ls", "--layout", s(&layout)]).ok(),
        "latest\nv1.0\nv2\n"
    );
}

#[test]
fn tag_argument_errors() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let img = image_arg(&layout, "latest");
    umoci(&["tag", "--image", &img])
        .fails_with("invalid number of positional arguments: expected <new-tag>");
    umoci(&["tag", "--image", &img, "a", "b"]).fails_with("invalid number of positional arguments");
    umoci(&["tag", "--image", &img, ""]).fails_with("new tag cannot be empty");
    umoci(&["tag", "--image", &img, ".AZ94n18s"]).fails_with("new tag is an invalid reference");
    umoci(&["tag", "--image", &image_arg(&layout, "nope"), "x"]).fails_with("tag not found: nope");
    umoci(&["tag", "x"]).fails_with("missing mandatory argument: --image");
}

#[test]
fn rm_removes_only_the_named_tag_and_ignores_missing_ones() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    umoci(&["tag", "--image", &image_arg(&layout, "latest"), "keep"]).ok();
    umoci(&["rm", "--image", &image_arg(&layout, "latest")]).ok();
    umoci(&["remove", "--image", &image_arg(&layout, "missing")]).ok();
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "keep\n");
    stat_json(&layout, "keep");
}

#[test]
fn stat_text_matches_upstream_layout() {
    let out = umoci(&["stat", "--image", &image_arg(&hello_image(), "latest")]).ok();
    let expected_start = "== MANIFEST ==\nSchema Version: 2\nMedia Type: \"\"\nConfig:\n\tDescriptor:\n\t\tMedia Type: application/vnd.oci.image.config.v1+json\n";
    assert!(out.starts_with(expected_start), "{out}");
    for needle in [
        "\n== CONFIG ==\nCreated: 2023-11-14T22:13:20Z\nAuthor: \"\"\nPlatform:\n\tOS: linux\n",
        "Image Config:\n\tUser: \"\"\n\tCommand:\n\t\tcat\n\t\t/greeting\n\tEnvironment:\n\t\tPATH=/usr/bin:/bin\n\tLabels:\n\t\torg.opencontainers.image.title: hello\n",
        "Layers:\n\tDescriptor:\n\t\tMedia Type: application/vnd.oci.image.layer.v1.tar+gzip\n",
        "\n== HISTORY ==\nLAYER                                                                   CREATED              CREATED BY                SIZE   COMMENT\n",
        "<none>                                                                  2023-11-14T22:13:20Z umoci config              <none> \n",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn stat_json_joins_history_with_layers() {
    let stat = stat_json(&hello_image(), "latest");
    let history = stat["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["layer"], stat["manifest"]["blob"]["layers"][0]);
    assert_eq!(
        history[0]["diff_id"],
        stat["config"]["blob"]["rootfs"]["diff_ids"][0]
    );
    assert_eq!(history[0]["created_by"], "test-images/make-hello.sh");
    assert_eq!(history[1]["layer"], serde_json::Value::Null);
    assert_eq!(history[1]["diff_id"], "");
    assert_eq!(history[1]["empty_layer"], true);
    assert!(stat["manifest"]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn config_applies_every_flag() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    config(
        &layout,
        "latest",
        &[
            "--config.user",
            "1000:100",
            "--config.exposedports",
            "80/tcp",
            "--config.exposedports",
            "53/udp",
            "--config.env",
            "PATH=/sbin",
            "--config.env",
            "NEW=1",
            "--config.entrypoint",
            "/bin/sh",
            "--config.entrypoint",
            "-c",
            "--config.cmd",
            "-x",
            "--config.volume",
            "/data",
            "--config.volume",
            "/cache",
            "--config.label",
            "a=1",
            "--config.label",
            "b=x=y",
            "--config.workingdir",
            "/srv",
            "--config.stopsignal",
            "SIGQUIT",
            "--created",
            "2024-02-03T04:05:06+02:00",
            "--author",
            "Jane <j@example.com>",
            "--platform.os",
            "freebsd",
            "--platform.arch",
            "arm64",
            "--platform.variant",
            "v8",
            "--manifest.annotation",
            "org.example.k=v",
            "--history.author",
            "hist",
            "--history.comment",
            "c",
            "--history.created",
            "2024-01-01T00:00:00Z",
            "--history.created_by",
            "me",
        ],
    )
    .ok();
    let stat = stat_json(&layout, "latest");
    let c = &stat["config"]["blob"];
    assert_eq!(c["config"]["User"], "1000:100");
    assert_eq!(
        c["config"]["ExposedPorts"],
        json!({"53/udp": {}, "80/tcp": {}})
    );
    assert_eq!(c["config"]["Env"], json!(["PATH=/sbin", "NEW=1"]));
    assert_eq!(c["config"]["Entrypoint"], json!(["/bin/sh", "-c"]));
    assert_eq!(c["config"]["Cmd"], json!(["-x"]));
    assert_eq!(c["config"]["Volumes"], json!({"/cache": {}, "/data": {}}));
    assert_eq!(
        c["config"]["Labels"],
        json!({"a": "1", "b": "x=y", "org.opencontainers.image.title": "hello"})
    );
    assert_eq!(c["config"]["WorkingDir"], "/srv");
    assert_eq!(c["config"]["StopSignal"], "SIGQUIT");
    assert_eq!(c["created"], "2024-02-03T04:05:06+02:00");
    assert_eq!(c["author"], "Jane <j@example.com>");
    assert_eq!(
        (
            c["os"].as_str(),
            c["architecture"].as_str(),
            c["variant"].as_str()
        ),
        (Some("freebsd"), Some("arm64"), Some("v8"))
    );
    assert_eq!(
        stat["manifest"]["blob"]["annotations"],
        json!({"org.example.k": "v"})
    );
    let last = stat["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author"], "hist");
    assert_eq!(last["comment"], "c");
    assert_eq!(last["created"], "2024-01-01T00:00:00Z");
    assert_eq!(last["created_by"], "me");
    assert_eq!(last["empty_layer"], true);
    // The layer and diff IDs are untouched.
    assert_eq!(
        c["rootfs"],
        stat_json(&hello_image(), "latest")["config"]["blob"]["rootfs"]
    );
}

#[test]
fn config_aliases_clear_and_defaults() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let img = image_arg(&layout, "latest");
    umoci(&[
        "config",
        "--image",
        &img,
        "--os",
        "plan9",
        "--architecture",
        "mips",
        "--author",
        "A",
    ])
    .ok();
    let stat = stat_json(&layout, "latest");
    let c = &stat["config"]["blob"];
    assert_eq!(
        (c["os"].as_str(), c["architecture"].as_str()),
        (Some("plan9"), Some("mips"))
    );
    let last = stat["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["created_by"], "umoci config");
    assert_eq!(
        last["author"], "A",
        "history author defaults to the image author"
    );
    for key in [
        "config.labels",
        "config.env",
        "config.cmd",
        "config.entrypoint",
        "config.volume",
        "config.exposedports",
        "manifest.annotations",
    ] {
        umoci(&["config", "--image", &img, "--clear", key, "--no-history"]).ok();
    }
    let stat = stat_json(&layout, "latest");
    let cfg = &stat["config"]["blob"]["config"];
    for field in [
        "Labels",
        "Env",
        "Cmd",
        "Entrypoint",
        "Volumes",
        "ExposedPorts",
    ] {
        assert!(cfg.get(field).is_none(), "{field} not cleared: {cfg}");
    }
    assert_eq!(
        stat["history"].as_array().unwrap().len(),
        3,
        "--no-history added entries"
    );
}

#[test]
fn config_with_tag_leaves_the_source_tag_alone() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let before = stat_json(&layout, "latest");
    config(&layout, "latest", &["--config.cmd", "ls", "--tag", "ls"]).ok();
    assert_eq!(stat_json(&layout, "latest")["manifest"], before["manifest"]);
    assert_eq!(
        stat_json(&layout, "ls")["config"]["blob"]["config"]["Cmd"],
        json!(["ls"])
    );
    config(&layout, "latest", &["--tag", "bad tag"]).fails_with("invalid --tag");
}

#[test]
fn config_source_date_epoch_dates_only_the_history_entry() {
    // As upstream's config command: SOURCE_DATE_EPOCH is the history
    // entry's time; the image's created time changes only with --created.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let img = image_arg(&layout, "latest");
    umoci_env(
        &["config", "--image", &img, "--config.env", "A=1"],
        &[("SOURCE_DATE_EPOCH", "1000")],
    )
    .ok();
    let stat = stat_json(&layout, "latest");
    assert_eq!(stat["config"]["blob"]["created"], "2023-11-14T22:13:20Z");
    assert_eq!(stat["history"][2]["created"], "1970-01-01T00:16:40Z");
    // Explicit flags win over the environment.
    umoci_env(
        &[
            "config",
            "--image",
            &img,
            "--created",
            "2001-01-01T00:00:00Z",
            "--history.created",
            "2002-01-01T00:00:00Z",
        ],
        &[("SOURCE_DATE_EPOCH", "1000")],
    )
    .ok();
    let stat = stat_json(&layout, "latest");
    assert_eq!(stat["config"]["blob"]["created"], "2001-01-01T00:00:00Z");
    assert_eq!(stat["history"][3]["created"], "2002-01-01T00:00:00Z");
}

#[test]
fn config_and_an_empty_repack_write_upstreams_exact_manifest() {
    // The same edits under the same SOURCE_DATE_EPOCH give the manifest
    // upstream 0.6.0 wrote (its digest, taken from a local build): config
    // bytes, and the manifest's own mediaType, which upstream sets when it
    // edits the config (here and in a repack that adds no layer).
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let img = image_arg(&layout, "latest");
    let epoch = |t: &'static str| [("SOURCE_DATE_EPOCH", t)];
    umoci_env(
        &[
            "config",
            "--image",
            &img,
            "--config.cmd",
            "/bin/true",
            "--config.env",
            "B=2",
            "--config.label",
            "a=b",
        ],
        &epoch("1000"),
    )
    .ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    umoci_env(&["repack", "--image", &img, s(&bundle)], &epoch("2000")).ok();
    assert_eq!(
        stat_json(&layout, "latest")["manifest"]["descriptor"]["digest"],
        "sha256:2356c16b871cf6f6bc7ebcf312b94421e9399dd733891f3f59c226999957b164"
    );
}

#[test]
fn config_takes_dash_values_as_values() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    config(
        &layout,
        "latest",
        &[
            "--config.cmd",
            "-c",
            "--config.cmd",
            "--help",
            "--config.cmd",
            "-image",
        ],
    )
    .ok();
    assert_eq!(
        config_of(&layout, "latest")["config"]["Cmd"],
        json!(["-c", "--help", "-image"])
    );
}

#[test]
fn config_errors_leave_the_layout_unchanged() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let img = image_arg(&layout, "latest");
    let before = snapshot(&layout);
    let cases: &[(&[&str], &str)] = &[
        (
            &["--clear", "rootfs.diffids"],
            "--clear=rootfs.diffids is not safe",
        ),
        (
            &["--clear", "config.bogus"],
            "unknown key to --clear: config.bogus",
        ),
        (
            &["--config.env", "NOEQUALS"],
            "config.env: must contain '='",
        ),
        (
            &["--config.label", "=v"],
            "config.label: must have non-empty name",
        ),
        (
            &["--manifest.annotation", "novalue"],
            "manifest.annotation: must contain '='",
        ),
        (&["--created", "yesterday"], "parse --created"),
        (
            &["--history.created", "2024-13-45"],
            "parsing --history.created",
        ),
        (
            &["extra-positional"],
            "invalid number of positional arguments: expected none",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["config", "--image", img.as_str()];
        args.extend_from_slice(extra);
        umoci(&args).fails_with(needle);
        assert_eq!(snapshot(&layout), before, "{extra:?} changed the layout");
    }
}

#[test]
fn stat_shows_artifacts_and_fractional_times_as_upstream() {
    // tests/data/artifacts/layout (made by make.py there) holds artifacts
    // (an empty-JSON config, a config of a custom type, embedded data of
    // every byte value) and an image with fractional times; stat-0.6.0/
    // holds what upstream 0.6.0 prints for each, byte for byte.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/artifacts");
    let layout = dir.join("layout");
    for tag in ["empty", "custom", "frac", "bytes"] {
        for (flag, ext) in [(None, "txt"), (Some("--json"), "json")] {
            let image = image_arg(&layout, tag);
            let mut args = vec!["stat", "--image", &image];
            args.extend(flag);
            let out = std::process::Command::new(umoci_bin())
                .args(&args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let want = std::fs::read(dir.join(format!("stat-0.6.0/{tag}.{ext}"))).unwrap();
            assert!(
                out.stdout == want,
                "{args:?}:\n{}\nupstream:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&want)
            );
        }
    }
    // An empty-JSON descriptor of other content is refused, as upstream's.
    umoci(&["stat", "--image", &image_arg(&layout, "data")])
        .fails_with("empty json blob is invalid");
}

#[test]
fn unpacked_runtime_config_is_upstreams_byte_for_byte() {
    // Annotations sorted as Go writes a map, `created` with its fraction:
    // config.json as upstream 0.6.0 wrote it (as root) for the bundled
    // hello image and for an image with a fractional creation time.
    if !running_as_root("the reference config.json was made as root") {
        return;
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/artifacts");
    let dir = tempdir();
    for (layout, tag, name) in [
        (hello_image(), "latest", "hello"),
        (data.join("layout"), "frac", "frac"),
    ] {
        let bundle = dir.path().join(name);
        unpack(&layout, tag, &bundle).ok();
        let ours = std::fs::read_to_string(bundle.join("config.json")).unwrap();
        let want = std::fs::read_to_string(data.join(format!("config-0.6.0/{name}.json"))).unwrap();
        assert_eq!(ours, want, "{name}");
    }
}
