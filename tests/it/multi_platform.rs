//! Multi-platform images: an index of one image per platform, built here
//! with `index add`; each command chooses one platform (`--platform`, else
//! the host's), edits land in that entry only, the rest of the index stays
//! byte for byte, and skopeo and a registry carry the result.

use std::path::{Path, PathBuf};

use crate::common::layers::{add_layer, LayerBuilder};
use crate::common::*;

/// `(tag, os/arch/variant as written in the config)` of each platform image.
const THREE: [(&str, &str, &str, &str); 3] = [
    ("amd64", "linux", "amd64", ""),
    ("arm64", "linux", "arm64", "v8"),
    ("arm", "linux", "arm", "v7"),
];

/// A layout with one image per platform (each with a layer holding
/// `/platform` naming it) and the index `multi` over them.
fn multi_layout(dir: &Path, platforms: &[(&str, &str, &str, &str)]) -> PathBuf {
    let layout = init_layout(dir, "multi");
    for (tag, os, arch, variant) in platforms {
        umoci(&["new", "--image", &image_arg(&layout, tag)]).ok();
        let name = platform_name(os, arch, variant);
        let tar = LayerBuilder::new()
            .dir("etc", 0o755, 0, 0)
            .file("platform", name.as_bytes(), 0o644, 0, 0)
            .finish();
        add_layer(&layout, tag, &tar, "gzip");
        let mut flags = vec!["--platform.os", os, "--platform.arch", arch];
        if !variant.is_empty() {
            flags.extend(["--platform.variant", variant]);
        }
        config(&layout, tag, &flags).ok();
    }
    let tags: Vec<&str> = platforms.iter().map(|p| p.0).collect();
    index_add(&layout, "multi", &tags).ok();
    layout
}

/// `umoci index rm --image layout:tag --platform platform`.
fn index_rm(layout: &Path, tag: &str, platform: &str) -> Run {
    let image = image_arg(layout, tag);
    umoci(&["index", "rm", "--image", &image, "--platform", platform])
}

/// `umoci index add --image layout:tag sources...`.
fn index_add(layout: &Path, tag: &str, sources: &[&str]) -> Run {
    let image = image_arg(layout, tag);
    let mut args = vec!["index", "add", "--image", &image];
    args.extend_from_slice(sources);
    umoci(&args)
}

/// The raw bytes of the blob `desc` names.
fn blob(layout: &Path, desc: &serde_json::Value) -> Vec<u8> {
    let digest = desc["digest"].as_str().unwrap();
    std::fs::read(layout.join("blobs/sha256").join(&digest["sha256:".len()..])).unwrap()
}

/// The `index.json` entry of `tag`.
fn root_of(layout: &Path, tag: &str) -> serde_json::Value {
    read_json(&layout.join("index.json"))["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no tag {tag}"))
        .clone()
}

/// Each entry of the index `tag` names, as the raw JSON text it is stored as.
fn raw_entries(layout: &Path, tag: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        manifests: Vec<&'a serde_json::value::RawValue>,
    }
    let bytes = blob(layout, &root_of(layout, tag));
    let raw: Raw = serde_json::from_slice(&bytes).unwrap();
    raw.manifests.iter().map(|r| r.get().to_owned()).collect()
}

/// Rewrites the index `tag` names through `edit` (the tag moves).
fn edit_index(layout: &Path, tag: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let root = root_of(layout, tag);
    let mut index: serde_json::Value = serde_json::from_slice(&blob(layout, &root)).unwrap();
    edit(&mut index);
    let bytes = serde_json::to_vec(&index).unwrap();
    let digest = umoci::spec::Digest::sha256_of(&bytes);
    std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
    let mut top = read_json(&layout.join("index.json"));
    for d in top["manifests"].as_array_mut().unwrap() {
        if d["annotations"]["org.opencontainers.image.ref.name"] == tag {
            d["digest"] = digest.to_string().into();
            d["size"] = bytes.len().into();
        }
    }
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
}

fn platform_arg(layout: &Path, tag: &str, platform: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["--image".into(), image_arg(layout, tag)];
    args.extend(["--platform".into(), platform.into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn umoci_owned(args: &[String]) -> Run {
    umoci(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `/platform` of the image `--platform platform` chooses.
fn unpacked_platform(layout: &Path, tag: &str, platform: Option<&str>, bundle: &Path) -> String {
    let mut args = vec![
        "unpack".to_owned(),
        "--image".into(),
        image_arg(layout, tag),
    ];
    if let Some(p) = platform {
        args.extend(["--platform".into(), p.into()]);
    }
    args.push(s(bundle).into());
    umoci_owned(&args).ok();
    std::fs::read_to_string(bundle.join("rootfs/platform")).unwrap()
}

fn stat_platform(layout: &Path, tag: &str, platform: &str) -> serde_json::Value {
    let mut args = vec!["stat".to_owned()];
    args.extend(platform_arg(layout, tag, platform, &["--json"]));
    serde_json::from_str(&umoci_owned(&args).ok()).unwrap()
}

#[test]
fn stat_lists_the_platforms_and_shows_the_one_chosen() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE[..2]);
    let text = umoci(&["stat", "--image", &image_arg(&layout, "multi")]).ok();
    assert!(text.contains("PLATFORM"), "{text}");
    assert!(text.contains("linux/amd64 "), "{text}");
    assert!(text.contains("linux/arm64/v8 "), "{text}");
    let json = stat_json(&layout, "multi");
    let platforms = json["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 2);
    assert_eq!(platforms[1]["platform"], "linux/arm64/v8");
    let arm64 = root_of(&layout, "arm64");
    assert_eq!(platforms[1]["descriptor"]["digest"], arm64["digest"]);
    assert_eq!(platforms[1]["descriptor"]["size"], arm64["size"]);
    // `arm64` is `arm64/v8`; the chosen image's stat is as today's.
    let one = stat_platform(&layout, "multi", "linux/arm64");
    assert_eq!(one["manifest"]["descriptor"]["digest"], arm64["digest"]);
    assert!(one["history"].is_array());

    let out = umoci_owned(
        &[
            vec!["stat".to_owned()],
            platform_arg(&layout, "multi", "linux/s390x", &[]),
        ]
        .concat(),
    );
    let line = out.fails_with("linux/s390x");
    assert!(line.contains("linux/amd64, linux/arm64/v8"), "{line}");
    let out = umoci_owned(
        &[
            vec!["stat".to_owned()],
            platform_arg(&layout, "multi", "linux", &[]),
        ]
        .concat(),
    );
    out.fails_with("--platform");
    // A plain image needs no flag, as before; a --platform its config
    // does not match is refused, as docker and podman refuse it.
    umoci(&["stat", "--image", &image_arg(&layout, "amd64")]).ok();
    umoci(&[
        "stat",
        "--image",
        &image_arg(&layout, "amd64"),
        "--platform",
        "linux/amd64",
    ])
    .ok();
    umoci(&[
        "stat",
        "--image",
        &image_arg(&layout, "amd64"),
        "--platform",
        "linux/s390x",
    ])
    .fails_with("(it has linux/amd64)");
}

#[test]
fn unpack_chooses_the_platform_asked_for_or_the_hosts() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    let d = dir.path();
    assert_eq!(
        unpacked_platform(&layout, "multi", Some("linux/arm"), &d.join("a")),
        "linux/arm/v7"
    );
    assert_eq!(
        unpacked_platform(&layout, "multi", Some("linux/arm64/v8"), &d.join("b")),
        "linux/arm64/v8"
    );
    assert_eq!(
        unpacked_platform(&layout, "multi", Some("linux/aarch64"), &d.join("c")),
        "linux/arm64/v8"
    );
    let host = umoci::image::platform::PlatformSpec::host();
    if THREE
        .iter()
        .any(|(_, _, arch, _)| *arch == host.architecture)
    {
        let got = unpacked_platform(&layout, "multi", None, &d.join("host"));
        assert!(
            got.starts_with(&format!("linux/{}", host.architecture)),
            "{got}"
        );
    }
    // umoci.json records the path through the index, platform included.
    let meta = read_json(&d.join("a/umoci.json"));
    let walk = meta["from_descriptor_path"]["descriptor_walk"]
        .as_array()
        .unwrap();
    assert_eq!(walk.len(), 2);
    assert_eq!(walk[1]["platform"]["variant"], "v7");
    // raw unpack and raw runtime-config choose alike.
    let rootfs = d.join("raw");
    umoci_owned(
        &[
            vec!["raw".to_owned(), "unpack".into()],
            platform_arg(&layout, "multi", "linux/arm64", &[s(&rootfs)]),
        ]
        .concat(),
    )
    .ok();
    assert_eq!(
        std::fs::read_to_string(rootfs.join("platform")).unwrap(),
        "linux/arm64/v8"
    );
    let out = umoci_owned(
        &[
            vec!["unpack".to_owned()],
            platform_arg(&layout, "multi", "linux/arm/v6", &[s(&d.join("x"))]),
        ]
        .concat(),
    );
    out.fails_with("linux/arm/v6");
    assert!(!d.join("x").exists());
}

#[test]
fn repack_replaces_only_its_entry_and_keeps_the_rest_byte_for_byte() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    // Fields we do not model, and annotations, on the entries.
    edit_index(&layout, "multi", |index| {
        index["manifests"][0]["x-vendor"] = serde_json::json!({"kept": [1, 2.50, "<&>"]});
        index["manifests"][1]["annotations"] = serde_json::json!({"org.example/note": "arm64"});
    });
    let before = raw_entries(&layout, "multi");
    let bundle = dir.path().join("bundle");
    unpacked_platform(&layout, "multi", Some("linux/arm64"), &bundle);
    std::fs::write(bundle.join("rootfs/added"), b"new").unwrap();
    // No --platform: the bundle knows its platform.
    repack(&layout, "multi", &bundle, &[]).ok();
    let after = raw_entries(&layout, "multi");
    assert_eq!(after.len(), 3);
    assert_eq!(after[0], before[0], "amd64 entry kept byte for byte");
    assert_eq!(after[2], before[2], "arm entry kept byte for byte");
    assert_ne!(after[1], before[1]);
    let arm64: serde_json::Value = serde_json::from_str(&after[1]).unwrap();
    assert_eq!(arm64["annotations"]["org.example/note"], "arm64");
    assert_eq!(arm64["platform"]["architecture"], "arm64");
    let layers =
        stat_platform(&layout, "multi", "linux/arm64")["manifest"]["blob"]["layers"].clone();
    assert_eq!(layers.as_array().unwrap().len(), 2);
    assert!(layer_listing_of(&layout, "linux/arm64").contains(&"added".to_owned()));
    // A --platform that is not the bundle's is refused.
    let out = umoci(&[
        "repack",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "linux/amd64",
        s(&bundle),
    ]);
    out.fails_with("linux/arm64");
    // raw add-layer onto one platform.
    let tar = dir.path().join("layer.tar");
    std::fs::write(
        &tar,
        LayerBuilder::new().file("raw", b"r", 0o644, 0, 0).finish(),
    )
    .unwrap();
    umoci_owned(
        &[
            vec!["raw".to_owned(), "add-layer".into()],
            platform_arg(&layout, "multi", "linux/arm/v7", &[s(&tar)]),
        ]
        .concat(),
    )
    .ok();
    let after2 = raw_entries(&layout, "multi");
    assert_eq!(after2[0], before[0]);
    assert_eq!(after2[1], after[1]);
    assert_ne!(after2[2], before[2]);
}

/// Paths in the newest layer of the image for `platform` in `multi`.
fn layer_listing_of(layout: &Path, platform: &str) -> Vec<String> {
    let stat = stat_platform(layout, "multi", platform);
    let layers = stat["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .clone();
    let data = blob(layout, layers.last().unwrap());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&data[..]));
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn writers_of_different_platforms_both_land() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    unpacked_platform(&layout, "multi", Some("linux/amd64"), &a);
    unpacked_platform(&layout, "multi", Some("linux/arm64"), &b);
    std::fs::write(a.join("rootfs/from-a"), b"a").unwrap();
    std::fs::write(b.join("rootfs/from-b"), b"b").unwrap();
    // b was unpacked before a's repack moved the tag: its commit must
    // replace its own entry in the index as it is now, not as it was.
    repack(&layout, "multi", &a, &[]).ok();
    repack(&layout, "multi", &b, &[]).ok();
    assert!(layer_listing_of(&layout, "linux/amd64").contains(&"from-a".to_owned()));
    assert!(layer_listing_of(&layout, "linux/arm64").contains(&"from-b".to_owned()));

    // And at the same time: config edits of the three platforms.
    let handles: Vec<_> = THREE
        .iter()
        .map(|(_, os, arch, _)| {
            let layout = layout.clone();
            let platform = format!("{os}/{arch}");
            std::thread::spawn(move || {
                umoci_owned(
                    &[
                        vec!["config".to_owned()],
                        platform_arg(
                            &layout,
                            "multi",
                            &platform,
                            &[&format!("--config.env=EDITED={platform}")],
                        ),
                    ]
                    .concat(),
                )
                .ok();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for (_, os, arch, _) in THREE {
        let platform = format!("{os}/{arch}");
        let config = stat_platform(&layout, "multi", &platform)["config"]["blob"].clone();
        let env = config["config"]["Env"].as_array().unwrap();
        assert!(
            env.contains(&format!("EDITED={platform}").into()),
            "{platform}: {env:?}"
        );
    }
}

#[test]
fn config_platform_edits_follow_into_the_entry_and_collisions_are_refused() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    let arm = |args: &[&str]| {
        umoci_owned(
            &[
                vec!["config".to_owned()],
                platform_arg(&layout, "multi", "linux/arm/v7", args),
            ]
            .concat(),
        )
    };
    arm(&["--platform.variant", "v6"]).ok();
    let entries = raw_entries(&layout, "multi");
    let entry: serde_json::Value = serde_json::from_str(&entries[2]).unwrap();
    assert_eq!(entry["platform"]["variant"], "v6");
    let before = std::fs::read(layout.join("index.json")).unwrap();
    let out = umoci_owned(
        &[
            vec!["config".to_owned()],
            platform_arg(
                &layout,
                "multi",
                "linux/arm/v6",
                &["--platform.arch", "amd64", "--platform.variant", ""],
            ),
        ]
        .concat(),
    );
    out.fails_with("linux/amd64");
    // Refused before the tag moved (new blobs may stay for gc).
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), before);
}

#[test]
fn config_and_insert_change_every_platform_in_one_index() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    let roots_before = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .count();
    umoci(&[
        "config",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "all",
        "--config.env=ALL=1",
    ])
    .ok();
    // Three configs, three manifests, one index.
    let roots_after = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(roots_after - roots_before, 7);
    for (_, os, arch, _) in THREE {
        let config =
            stat_platform(&layout, "multi", &format!("{os}/{arch}"))["config"]["blob"].clone();
        assert!(config["config"]["Env"]
            .as_array()
            .unwrap()
            .contains(&"ALL=1".into()));
    }
    let host = dir.path().join("hostfile");
    std::fs::write(&host, b"inserted").unwrap();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "all",
        s(&host),
        "/etc/inserted",
    ])
    .ok();
    for (_, os, arch, _) in THREE {
        let listing = layer_listing_of(&layout, &format!("{os}/{arch}"));
        assert!(listing.contains(&"etc/inserted".to_owned()), "{listing:?}");
    }
    // `all` is for config and insert only.
    umoci(&[
        "unpack",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "all",
        s(&dir.path().join("b")),
    ])
    .fails_with("all");
}

#[test]
fn attestations_are_never_chosen_and_always_kept() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE[..2]);
    // An attestation manifest as buildx writes it: any manifest will do.
    let attested = root_of(&layout, "amd64");
    edit_index(&layout, "multi", |index| {
        let mut entry = index["manifests"][1].clone();
        entry["platform"] = serde_json::json!({"architecture": "unknown", "os": "unknown"});
        entry["annotations"] = serde_json::json!({
            "vnd.docker.reference.digest": attested["digest"],
            "vnd.docker.reference.type": "attestation-manifest",
        });
        index["manifests"].as_array_mut().unwrap().push(entry);
    });
    let json = stat_json(&layout, "multi");
    assert_eq!(json["platforms"].as_array().unwrap().len(), 2);
    let before = raw_entries(&layout, "multi");
    config(
        &layout,
        "multi",
        &["--platform", "linux/arm64", "--config.env=X=1"],
    )
    .ok();
    let after = raw_entries(&layout, "multi");
    assert_eq!(after.len(), 3);
    assert_eq!(after[2], before[2], "attestation kept byte for byte");
    // One image and an attestation: nothing to choose.
    index_rm(&layout, "multi", "linux/arm64").ok();
    umoci(&["stat", "--image", &image_arg(&layout, "multi")]).ok();
    // Removing amd64 would take its attestation and leave nothing: refused.
    index_rm(&layout, "multi", "linux/amd64").fails_with("last image");
}

#[test]
fn index_add_replaces_a_platform_and_rm_removes_one() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE[..2]);
    // A new amd64 image replaces the old one in place; arm64 stays as it was.
    umoci(&["new", "--image", &image_arg(&layout, "amd64-2")]).ok();
    config(
        &layout,
        "amd64-2",
        &[
            "--platform.os",
            "linux",
            "--platform.arch",
            "amd64",
            "--config.env=V=2",
        ],
    )
    .ok();
    let before = raw_entries(&layout, "multi");
    index_add(&layout, "multi", &["amd64-2"]).ok();
    let after = raw_entries(&layout, "multi");
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], before[1]);
    assert!(after[1].contains(root_of(&layout, "amd64-2")["digest"].as_str().unwrap()));
    // Two sources for one platform are refused.
    index_add(&layout, "multi", &["amd64", "amd64-2"]).fails_with("linux/amd64");
    // A tag naming one image becomes an index holding it.
    index_add(&layout, "arm64", &["amd64"]).ok();
    assert_eq!(
        stat_json(&layout, "arm64")["platforms"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A multi-platform source gives every image it has.
    index_add(&layout, "from-multi", &["multi"]).ok();
    assert_eq!(
        stat_json(&layout, "from-multi")["platforms"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // tag copies the whole index.
    umoci(&["tag", "--image", &image_arg(&layout, "multi"), "copy"]).ok();
    assert_eq!(
        root_of(&layout, "copy")["digest"],
        root_of(&layout, "multi")["digest"]
    );
    // rm: one platform, its name spelled either way; the alias works.
    umoci(&[
        "index",
        "remove",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "linux/aarch64",
    ])
    .ok();
    assert_eq!(raw_entries(&layout, "multi"), vec![after[1].clone()]);
    index_rm(&layout, "multi", "linux/arm64").fails_with("linux/amd64");
    index_rm(&layout, "multi", "linux/amd64").fails_with("umoci rm");
    index_rm(&layout, "amd64", "linux/amd64").fails_with("does not name an index");
    index_add(&layout, "multi", &[]).fails_with("source-tag");
}

#[test]
fn gc_keeps_what_every_platform_needs() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    for (tag, ..) in THREE {
        umoci(&["rm", "--image", &image_arg(&layout, tag)]).ok();
    }
    config(
        &layout,
        "multi",
        &["--platform", "all", "--config.env=GC=1"],
    )
    .ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    for (i, (_, os, arch, variant)) in THREE.iter().enumerate() {
        let platform = platform_name(os, arch, variant);
        let bundle = dir.path().join(format!("b{i}"));
        assert_eq!(
            unpacked_platform(&layout, "multi", Some(&platform), &bundle),
            platform
        );
    }
    // Only what the index reaches is left: 1 index, 3 manifests, 3 configs, 3 layers.
    assert_eq!(
        std::fs::read_dir(layout.join("blobs/sha256"))
            .unwrap()
            .count(),
        10
    );
}

/// `skopeo copy --all` of `layout:tag` to the plain-HTTP registry `remote`.
fn push_all(layout: &Path, tag: &str, remote: &str) {
    let src = format!("oci:{}:{tag}", s(layout));
    run(
        "skopeo",
        &["copy", "--all", "--dest-tls-verify=false", &src, remote],
    )
    .ok();
}

/// `skopeo copy --all` of `remote` into `layout:tag`.
fn pull_all(remote: &str, layout: &Path, tag: &str) {
    let dst = format!("oci:{}:{tag}", s(layout));
    run(
        "skopeo",
        &["copy", "--all", "--src-tls-verify=false", remote, &dst],
    )
    .ok();
}

/// `os/arch[/variant]`.
fn platform_name(os: &str, arch: &str, variant: &str) -> String {
    if variant.is_empty() {
        format!("{os}/{arch}")
    } else {
        format!("{os}/{arch}/{variant}")
    }
}

#[test]
fn skopeo_and_a_registry_carry_every_platform() {
    if !have_tool("skopeo") || !have_tool("docker-registry") {
        return;
    }
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    config(
        &layout,
        "multi",
        &["--platform", "linux/arm64", "--config.env=EDITED=1"],
    )
    .ok();
    let copied = dir.path().join("copied");
    run(
        "skopeo",
        &[
            "copy",
            "--all",
            &format!("oci:{}:multi", s(&layout)),
            &format!("oci:{}:multi", s(&copied)),
        ],
    )
    .ok();
    let registry = crate::registry::start_registry(dir.path());
    let remote = format!("docker://127.0.0.1:{}/umoci/multi:v1", registry.port);
    push_all(&copied, "multi", &remote);
    let pulled = dir.path().join("pulled");
    pull_all(&remote, &pulled, "v1");
    for (i, (_, os, arch, variant)) in THREE.iter().enumerate() {
        let platform = platform_name(os, arch, variant);
        let got = unpacked_platform(
            &pulled,
            "v1",
            Some(&platform),
            &dir.path().join(format!("p{i}")),
        );
        assert_eq!(got, platform);
    }
    let env =
        stat_platform(&pulled, "v1", "linux/arm64")["config"]["blob"]["config"]["Env"].clone();
    assert!(env.as_array().unwrap().contains(&"EDITED=1".into()));
    // Edit one platform of what came back and push it again.
    let bundle = dir.path().join("edit");
    unpacked_platform(&pulled, "v1", Some("linux/arm/v7"), &bundle);
    std::fs::write(bundle.join("rootfs/second"), b"2").unwrap();
    repack(&pulled, "v1", &bundle, &[]).ok();
    push_all(&pulled, "v1", &remote);
    let again = dir.path().join("again");
    pull_all(&remote, &again, "v2");
    let b = dir.path().join("again-bundle");
    unpacked_platform(&again, "v2", Some("linux/arm"), &b);
    assert_eq!(std::fs::read(b.join("rootfs/second")).unwrap(), b"2");
    assert_eq!(
        unpacked_platform(
            &again,
            "v2",
            Some("linux/amd64"),
            &dir.path().join("again-amd64")
        ),
        "linux/amd64"
    );
}

/// The README's multi-platform workflow runs as written, against Debian's
/// docker-registry standing in for `$REGISTRY`, seeded with a
/// three-platform `library/debian:stable`.
#[test]
fn the_readme_multi_platform_workflow_runs_as_written() {
    if !have_tool("skopeo") || !have_tool("docker-registry") {
        return;
    }
    let lines = crate::readme::section_commands("## Multi-platform images");
    assert!(lines.len() >= 5, "{lines:?}");
    let dir = tempdir();
    let registry = crate::registry::start_registry(dir.path());
    let host = format!("127.0.0.1:{}", registry.port);
    let seed = multi_layout(dir.path(), &THREE);
    // skopeo speaks plain HTTP to the registry by the user's own
    // registries.conf, as a user of a local registry would set it up.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/containers")).unwrap();
    std::fs::write(
        home.join(".config/containers/registries.conf"),
        format!("[[registry]]\nlocation = \"{host}\"\ninsecure = true\n"),
    )
    .unwrap();
    let (bin, work) = crate::readme::umoci_on_path(dir.path());
    let script = format!(
        "set -ex\nexport PATH={}:$PATH REGISTRY={host} HOME={}\nskopeo copy --all oci:{}:multi docker://$REGISTRY/library/debian:stable\ncd {}\n{}\n",
        s(&bin),
        s(&home),
        s(&seed),
        s(&work),
        lines.join("\n")
    );
    let out = run("sh", &["-c", &script]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    // What went back has the edit on arm64 and every platform.
    let back = dir.path().join("back");
    pull_all(
        &format!("docker://{host}/library/debian:edited"),
        &back,
        "e",
    );
    let b = dir.path().join("b");
    unpacked_platform(&back, "e", Some("linux/arm64"), &b);
    assert_eq!(
        std::fs::read_to_string(b.join("rootfs/etc/motd")).unwrap(),
        "edited on arm64\n"
    );
    let config =
        stat_platform(&back, "e", "linux/arm/v7")["config"]["blob"]["config"]["Env"].clone();
    assert!(config.as_array().unwrap().contains(&"EDITED=1".into()));
}

/// Found by review: a repack must never write back an old index (undoing
/// other platforms' edits), an edit keeps an entry's platform when the
/// edit did not change it, `index rm` goes by platform not digest, and a
/// tag on two index.json entries is ambiguous.
#[test]
fn edits_never_undo_others_and_keep_what_they_did_not_change() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    let bundle = dir.path().join("arm");
    unpacked_platform(&layout, "multi", Some("linux/arm"), &bundle);
    config(
        &layout,
        "multi",
        &["--platform", "linux/amd64", "--config.env=KEEP=1"],
    )
    .ok();
    index_rm(&layout, "multi", "linux/arm").ok();
    let before = std::fs::read(layout.join("index.json")).unwrap();
    std::fs::write(bundle.join("rootfs/x"), b"x").unwrap();
    repack(&layout, "multi", &bundle, &[]).fails_with("linux/arm/v7");
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), before);

    // An entry saying arm/v6 over a config saying only "arm" stays v6.
    edit_index(&layout, "multi", |index| {
        let mut v6 = index["manifests"][0].clone();
        v6["digest"] = root_of(&layout, "arm")["digest"].clone();
        v6["size"] = root_of(&layout, "arm")["size"].clone();
        v6["platform"] = serde_json::json!({"architecture": "arm", "os": "linux", "variant": "v6"});
        index["manifests"].as_array_mut().unwrap().push(v6);
        // And amd64's manifest listed for 386 too.
        let mut i386 = index["manifests"][0].clone();
        i386["platform"] = serde_json::json!({"architecture": "386", "os": "linux"});
        index["manifests"].as_array_mut().unwrap().push(i386);
    });
    config(
        &layout,
        "multi",
        &["--platform", "linux/arm/v6", "--config.env=V6=1"],
    )
    .ok();
    let entries = raw_entries(&layout, "multi");
    let v6: serde_json::Value = serde_json::from_str(&entries[2]).unwrap();
    assert_eq!(v6["platform"]["variant"], "v6", "{entries:?}");
    // Removing 386 keeps amd64, which shares its manifest.
    index_rm(&layout, "multi", "linux/386").ok();
    assert_eq!(
        stat_platform(&layout, "multi", "linux/amd64")["manifest"]["descriptor"]["platform"]
            ["architecture"],
        "amd64"
    );

    // The same tag on two index.json entries: ambiguous, as ever.
    let mut top = read_json(&layout.join("index.json"));
    let dup = top["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == "multi")
        .unwrap()
        .clone();
    let mut other = root_of(&layout, "arm64");
    other["annotations"] = dup["annotations"].clone();
    top["manifests"].as_array_mut().unwrap().push(other);
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    umoci(&["stat", "--image", &image_arg(&layout, "multi")]).fails_with("ambiguous");
    config(
        &layout,
        "multi",
        &["--platform", "linux/amd64", "--config.env=D=1"],
    )
    .fails_with("ambiguous");
}

/// Found by review: an index listing another many times, nested, is
/// rewritten once per blob, not once per path; an index's subject is not
/// one of its images; `tag` of one image and its attestation tags the index.
#[test]
fn fan_out_edits_are_linear_subjects_are_not_images_and_attested_images_tag_whole() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE[..2]);
    let amd64 = raw_entries(&layout, "multi")[0].clone();
    let arm64: serde_json::Value = serde_json::from_str(&raw_entries(&layout, "multi")[1]).unwrap();
    let put = |value: serde_json::Value| -> serde_json::Value {
        let bytes = serde_json::to_vec(&value).unwrap();
        let digest = umoci::spec::Digest::sha256_of(&bytes);
        std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
        serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest.to_string(), "size": bytes.len()})
    };
    let mut level: serde_json::Value = serde_json::from_str(&amd64).unwrap();
    for _ in 0..3 {
        level = put(serde_json::json!({"schemaVersion": 2, "manifests": vec![level; 16]}));
    }
    level["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "fan"});
    let mut top = read_json(&layout.join("index.json"));
    top["manifests"].as_array_mut().unwrap().push(level);
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    let started = std::time::Instant::now();
    config(&layout, "fan", &["--config.env=FAN=1"]).ok();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    edit_index(&layout, "multi", |index| {
        index["subject"] = arm64.clone();
        index["manifests"].as_array_mut().unwrap().truncate(1);
        let mut att = arm64.clone();
        att["platform"] = serde_json::json!({"architecture": "unknown", "os": "unknown"});
        index["manifests"].as_array_mut().unwrap().push(att);
    });
    // One image (the subject and the attestation are not images).
    umoci(&["stat", "--image", &image_arg(&layout, "multi"), "--json"]).ok();
    umoci(&["tag", "--image", &image_arg(&layout, "multi"), "whole"]).ok();
    assert_eq!(
        root_of(&layout, "whole")["digest"],
        root_of(&layout, "multi")["digest"]
    );
}

/// Found by the second review: one image reachable by two paths is one
/// image and every entry for it is replaced; a tag's paths are counted, not
/// copied, so a huge annotation over a wide index costs no memory; index
/// add keeps attestations about other images; docker-typed entries take
/// part in choosing (and are refused, not skipped); repack --platform of a
/// plain image's bundle is checked against its config.
#[test]
fn one_image_on_two_paths_hostile_paths_docker_entries_and_plain_bundles() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    index_add(&layout, "sub", &["amd64", "arm64"]).ok();
    // A root listing both indexes, `multi` twice under two annotations.
    let entry = |tag: &str, note: &str| {
        let mut d = root_of(&layout, tag);
        d["annotations"] = serde_json::json!({ "org.example/note": note });
        d
    };
    let root = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [entry("multi", "a"), entry("sub", "b"), entry("multi", "c")],
    });
    tag_index(
        &layout,
        &root,
        serde_json::json!({"org.opencontainers.image.ref.name": "two"}),
    );
    config(
        &layout,
        "two",
        &["--platform", "linux/amd64", "--config.env=BOTH=1"],
    )
    .ok();
    let env =
        stat_platform(&layout, "two", "linux/amd64")["config"]["blob"]["config"]["Env"].clone();
    assert!(env.as_array().unwrap().contains(&"BOTH=1".into()));
    insert_all(&layout, "two", dir.path());
    for platform in ["linux/amd64", "linux/arm64", "linux/arm"] {
        stat_platform(&layout, "two", platform);
    }

    // 3000 paths to one manifest under a 20 MB annotation on the tag.
    let amd64 = root_of(&layout, "amd64");
    let wide = serde_json::json!({"schemaVersion": 2, "manifests": vec![amd64.clone(); 3000]});
    tag_index(
        &layout,
        &wide,
        serde_json::json!({"org.opencontainers.image.ref.name": "huge", "x": "y".repeat(20 << 20)}),
    );
    let (out, rss) = umoci_measured(
        &["stat", "--image", &image_arg(&layout, "huge")],
        &dir.path().join("rss"),
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("ambiguous"), "{}", out.stderr);
    assert!(rss < 300 * 1024, "peak RSS {rss} KiB");
}

/// Stores `index` as a blob and adds an `index.json` entry for it with
/// `annotations` (a tag among them).
fn tag_index(layout: &Path, index: &serde_json::Value, annotations: serde_json::Value) {
    let bytes = serde_json::to_vec(index).unwrap();
    let digest = umoci::spec::Digest::sha256_of(&bytes);
    std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
    let mut top = read_json(&layout.join("index.json"));
    top["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest.to_string(),
            "size": bytes.len(),
            "annotations": annotations,
        }));
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
}

/// `insert --platform all` of a small file into `layout:tag`.
fn insert_all(layout: &Path, tag: &str, dir: &Path) {
    let host = dir.join("inserted");
    std::fs::write(&host, b"i").unwrap();
    umoci(&[
        "insert",
        "--image",
        &image_arg(layout, tag),
        "--platform",
        "all",
        s(&host),
        "/inserted",
    ])
    .ok();
}

#[test]
fn attestations_of_other_images_survive_index_add_and_docker_entries_are_refused() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE);
    index_rm(&layout, "multi", "linux/arm").ok();
    // An attestation about an image no longer listed (an edit moved on).
    edit_index(&layout, "multi", |index| {
        let mut att = index["manifests"][0].clone();
        att["platform"] = serde_json::json!({"architecture": "unknown", "os": "unknown"});
        att["annotations"] = serde_json::json!({
            "vnd.docker.reference.digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "vnd.docker.reference.type": "attestation-manifest",
        });
        index["manifests"].as_array_mut().unwrap().push(att);
    });
    index_add(&layout, "multi", &["arm"]).ok();
    let entries = raw_entries(&layout, "multi");
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(entries.iter().any(|e| e.contains("attestation-manifest")));

    // A docker-typed amd64 entry beside an OCI arm64 one: the host's
    // platform is the docker one, which is refused, not passed over.
    edit_index(&layout, "multi", |index| {
        index["manifests"][0]["mediaType"] =
            "application/vnd.docker.distribution.manifest.v2+json".into();
    });
    let out = umoci(&[
        "stat",
        "--image",
        &image_arg(&layout, "multi"),
        "--platform",
        "linux/amd64",
    ]);
    out.fails_with("application/vnd.docker.distribution.manifest.v2+json");
    stat_platform(&layout, "multi", "linux/arm64");

    // A bundle of a plain image: --platform is checked against its config.
    let bundle = dir.path().join("plain");
    unpack(&layout, "amd64", &bundle).ok();
    umoci(&[
        "repack",
        "--image",
        &image_arg(&layout, "amd64"),
        "--platform",
        "linux/s390x",
        s(&bundle),
    ])
    .fails_with("linux/amd64");
    umoci(&[
        "repack",
        "--image",
        &image_arg(&layout, "amd64"),
        "--platform",
        "linux/amd64",
        s(&bundle),
    ])
    .ok();
}

/// Found by the third review: an attestation sharing its image's digest
/// and platform is neither mistaken for the image (whichever comes first)
/// nor rewritten with it.
#[test]
fn an_attestation_sharing_its_images_digest_and_platform_stays_apart() {
    let dir = tempdir();
    let layout = multi_layout(dir.path(), &THREE[..2]);
    edit_index(&layout, "multi", |index| {
        let mut att = index["manifests"][0].clone();
        att["annotations"] = serde_json::json!({
            "vnd.docker.reference.digest": att["digest"].clone(),
            "vnd.docker.reference.type": "attestation-manifest",
        });
        index["manifests"].as_array_mut().unwrap().insert(0, att);
    });
    let before = raw_entries(&layout, "multi");
    config(
        &layout,
        "multi",
        &["--platform", "linux/amd64", "--config.env=X=1"],
    )
    .ok();
    let after = raw_entries(&layout, "multi");
    assert_eq!(after[0], before[0], "attestation kept as it was");
    assert_ne!(after[1], before[1], "the image itself changed");
    assert_eq!(after[2], before[2]);
}
