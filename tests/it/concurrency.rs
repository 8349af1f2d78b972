//! Several processes editing one layout at once: the layout lock must make
//! every edit land, none lost, and leave index.json valid.

use crate::common::*;
use std::process::{Child, Command, Stdio};

fn spawn(args: &[String]) -> Child {
    Command::new(umoci_bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn umoci")
}

fn wait_ok(child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "concurrent run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn parallel_tags_and_configs_lose_nothing() {
    const TAGGERS: usize = 12;
    const CONFIGS: usize = 12;
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let base = image_arg(&layout, "latest");

    let mut children = Vec::new();
    for i in 0..TAGGERS.max(CONFIGS) {
        if i < TAGGERS {
            children.push(spawn(&[
                "tag".into(),
                "--image".into(),
                base.clone(),
                format!("t{i}"),
            ]));
        }
        if i < CONFIGS {
            // Every config edit moves `latest`; each must build on the last.
            children.push(spawn(&[
                "config".into(),
                "--image".into(),
                base.clone(),
                format!("--config.env=VAR{i}=x"),
                format!("--history.comment=edit {i}"),
            ]));
        }
    }
    for child in children {
        wait_ok(child);
    }

    // index.json parses, and every tag is there exactly once.
    let index = read_json(&layout.join("index.json"));
    let listed = umoci(&["ls", "--layout", s(&layout)]).ok();
    let mut tags: Vec<&str> = listed.lines().collect();
    tags.sort();
    let mut want: Vec<String> = (0..TAGGERS).map(|i| format!("t{i}")).collect();
    want.push("latest".into());
    want.sort();
    assert_eq!(tags, want, "index: {index}");

    // No config edit was lost: all env vars and history entries are there.
    let config = config_of(&layout, "latest");
    let env = config["config"]["Env"].as_array().unwrap();
    for i in 0..CONFIGS {
        assert!(
            env.iter().any(|e| e == &format!("VAR{i}=x")),
            "VAR{i} lost: {env:?}"
        );
    }
    let history = config["history"].as_array().unwrap();
    let base_history = config_of(&hello_image(), "latest")["history"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(history.len(), base_history + CONFIGS);

    // gc afterwards keeps every tag whole.
    umoci(&["gc", "--layout", s(&layout)]).ok();
    for tag in &tags {
        umoci(&["stat", "--image", &image_arg(&layout, tag)]).ok();
    }
    // And no scratch area is left behind.
    let stray: Vec<_> = std::fs::read_dir(&layout)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".umoci"))
        .collect();
    assert!(stray.is_empty(), "temp areas left: {stray:?}");
}

#[test]
fn gc_running_beside_edits_keeps_every_tag_whole() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let base = image_arg(&layout, "latest");
    let mut children = Vec::new();
    for i in 0..8 {
        children.push(spawn(&[
            "config".into(),
            "--image".into(),
            base.clone(),
            "--tag".into(),
            format!("c{i}"),
            format!("--config.cmd=run{i}"),
        ]));
        children.push(spawn(&["gc".into(), "--layout".into(), s(&layout).into()]));
    }
    for child in children {
        wait_ok(child);
    }
    for i in 0..8 {
        let config = config_of(&layout, &format!("c{i}"));
        assert_eq!(
            config["config"]["Cmd"],
            serde_json::json!([format!("run{i}")])
        );
    }
}

#[test]
fn repacks_configs_tags_and_gc_at_once_keep_every_tag_whole() {
    use crate::common::layers::{add_layer, new_image, LayerBuilder};
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &LayerBuilder::new()
            .file("base", b"base", 0o644, 0, 0)
            .finish(),
        "gzip",
    );
    let mut bundles = Vec::new();
    for i in 0..4 {
        let bundle = dir.path().join(format!("bundle{i}"));
        unpack(&layout, "latest", &bundle).ok();
        std::fs::write(
            bundle.join(format!("rootfs/from-{i}")),
            vec![i as u8; 100_000],
        )
        .unwrap();
        bundles.push(bundle);
    }
    let img = image_arg(&layout, "latest");
    let mut children = Vec::new();
    for (i, bundle) in bundles.iter().enumerate() {
        children.push(spawn(&[
            "repack".into(),
            "--image".into(),
            image_arg(&layout, &format!("r{i}")),
            s(bundle).into(),
        ]));
        children.push(spawn(&[
            "config".into(),
            "--image".into(),
            img.clone(),
            "--tag".into(),
            format!("c{i}"),
            format!("--config.env=N={i}"),
        ]));
        children.push(spawn(&[
            "tag".into(),
            "--image".into(),
            img.clone(),
            format!("t{i}"),
        ]));
        children.push(spawn(&["gc".into(), "--layout".into(), s(&layout).into()]));
    }
    for child in children {
        wait_ok(child);
    }
    for i in 0..4 {
        for tag in [format!("r{i}"), format!("c{i}"), format!("t{i}")] {
            let bundle = dir.path().join(format!("check-{tag}"));
            unpack(&layout, &tag, &bundle).ok();
            if tag.starts_with('r') {
                assert!(
                    bundle.join(format!("rootfs/from-{i}")).is_file(),
                    "{tag} lost its change"
                );
            }
        }
    }
}
