//! `repack`, `insert` and `raw add-layer`: changes to a rootfs come back
//! out of a fresh unpack exactly as they were made.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::layers::{add_layer, new_image, LayerBuilder};
use common::*;

/// Everything repack must preserve about each entry, as one line per path.
fn describe(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let md = std::fs::symlink_metadata(&path).unwrap();
            let ft = md.file_type();
            let content = if ft.is_file() {
                umoci::spec::Digest::sha256_of(&std::fs::read(&path).unwrap()).to_string()
            } else if ft.is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else {
                String::new()
            };
            let mut xattrs = Vec::new();
            if !ft.is_symlink() {
                let mut buf = vec![0u8; 4096];
                let n = rustix::fs::llistxattr(&path, &mut buf).unwrap_or(0);
                for name in buf[..n].split(|&b| b == 0).filter(|n| !n.is_empty()) {
                    let mut v = vec![0u8; 4096];
                    let len = rustix::fs::lgetxattr(&path, name, &mut v).unwrap();
                    xattrs.push(format!("{}={:?}", String::from_utf8_lossy(name), &v[..len]));
                }
                xattrs.sort();
            }
            let mtime = if ft.is_dir() { 0 } else { md.mtime() };
            let size = if ft.is_dir() { 0 } else { md.size() };
            out.insert(
                path.strip_prefix(root).unwrap().to_owned(),
                format!(
                    "{:o} {}:{} size={size} mtime={mtime} {content} {}",
                    md.mode(),
                    md.uid(),
                    md.gid(),
                    xattrs.join(",")
                ),
            );
            if ft.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

/// An image with a bit of everything, for mutating.
fn base_image(dir: &Path) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let tar = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .file("etc/config", b"aaaa", 0o644, 0, 0)
        .file("etc/chmod-me", b"x", 0o644, 0, 0)
        .file("etc/chown-me", b"x", 0o644, 0, 0)
        .file("etc/xattr-me", b"x", 0o644, 0, 0)
        .file("file-becomes-dir", b"f", 0o644, 0, 0)
        .dir("dir-becomes-link", 0o755, 0, 0)
        .file("dir-becomes-link/child", b"c", 0o644, 0, 0)
        .dir("tree", 0o755, 0, 0)
        .dir("tree/sub", 0o755, 0, 0)
        .file("tree/sub/leaf", b"l", 0o644, 0, 0)
        .file("recreate", b"old", 0o644, 0, 0)
        .file("linked", b"shared", 0o644, 0, 0)
        .file("rename-me", b"r", 0o644, 0, 0)
        .dir("srv", 0o755, 1000, 1000)
        .file("srv/owned", b"o", 0o640, 1000, 1000)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    layout
}

/// Applies every kind of change the repack must capture.
fn mutate(root: &Path) {
    let p = |s: &str| root.join(s);
    // Same size, same mtime, different content.
    let before = std::fs::metadata(p("etc/config")).unwrap();
    std::fs::write(p("etc/config"), b"bbbb").unwrap();
    let times = std::fs::FileTimes::new()
        .set_modified(before.modified().unwrap())
        .set_accessed(before.accessed().unwrap());
    std::fs::File::options()
        .write(true)
        .open(p("etc/config"))
        .unwrap()
        .set_times(times)
        .unwrap();
    std::fs::set_permissions(p("etc/chmod-me"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::lchown(p("etc/chown-me"), Some(1234), Some(5678)).unwrap();
    rustix::fs::setxattr(
        p("etc/xattr-me"),
        "user.added",
        b"yes",
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    std::fs::remove_file(p("file-becomes-dir")).unwrap();
    std::fs::create_dir(p("file-becomes-dir")).unwrap();
    std::fs::write(p("file-becomes-dir/inside"), b"i").unwrap();
    std::fs::remove_dir_all(p("dir-becomes-link")).unwrap();
    std::os::unix::fs::symlink("etc", p("dir-becomes-link")).unwrap();
    std::fs::remove_dir_all(p("tree")).unwrap();
    std::fs::remove_file(p("recreate")).unwrap();
    std::fs::write(p("recreate"), b"new content").unwrap();
    std::fs::hard_link(p("linked"), p("etc/hardlink")).unwrap();
    std::fs::rename(p("rename-me"), p("renamed")).unwrap();
    std::fs::write(p("setuid"), b"suid").unwrap();
    std::fs::set_permissions(p("setuid"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::write(p(&"long-".repeat(40)), b"long").unwrap();
    use std::os::unix::ffi::OsStrExt;
    std::fs::write(
        root.join(std::ffi::OsStr::from_bytes(b"non-utf8-\xff\xfe")),
        b"bytes",
    )
    .unwrap();
}

fn repack(layout: &Path, tag: &str, bundle: &Path, extra: &[&str]) {
    let mut args = vec!["repack", "--image"];
    let image = image_arg(layout, tag);
    args.push(&image);
    args.extend_from_slice(extra);
    args.push(s(bundle));
    umoci(&args).ok();
}

#[test]
fn round_trip_preserves_every_kind_of_change() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    mutate(&bundle.join("rootfs"));
    let want = describe(&bundle.join("rootfs"));
    repack(&layout, "v2", &bundle, &[]);
    let fresh = dir.path().join("fresh");
    unpack(&layout, "v2", &fresh).ok();
    assert_eq!(describe(&fresh.join("rootfs")), want);
    let md = std::fs::metadata(fresh.join("rootfs/linked")).unwrap();
    assert_eq!(
        md.ino(),
        std::fs::metadata(fresh.join("rootfs/etc/hardlink"))
            .unwrap()
            .ino(),
        "hard link kept"
    );

    // The new layer holds only what changed: one whiteout for the removed
    // tree, nothing for untouched files.
    assert_eq!(
        stat_json(&layout, "v2")["manifest"]["blob"]["layers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listing = layer_listing(&layout, "v2", 1);
    let names: Vec<&str> = listing.iter().map(String::as_str).collect();
    assert!(names.contains(&".wh.tree"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("tree/")), "{names:?}");
    assert!(
        !names.contains(&"srv/owned"),
        "unchanged file in layer: {names:?}"
    );
    assert!(
        names.contains(&"etc/config"),
        "same size and mtime, new content: {names:?}"
    );
    let stat = stat_json(&layout, "v2");
    assert_eq!(
        stat["history"].as_array().unwrap().last().unwrap()["created_by"],
        "umoci repack"
    );
}

#[test]
fn repacks_are_deterministic() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let mut digests = Vec::new();
    for n in 0..2 {
        let copy = dir.path().join(format!("layout{n}"));
        copy_tree(&layout, &copy);
        let bundle = dir.path().join(format!("bundle{n}"));
        unpack(&copy, "latest", &bundle).ok();
        mutate(&bundle.join("rootfs"));
        for compress in ["gzip", "zstd", "none"] {
            let out = umoci_env(
                &[
                    "repack",
                    "--image",
                    &image_arg(&copy, compress),
                    "--compress",
                    compress,
                    "--history.created=2020-01-01T00:00:00Z",
                    s(&bundle),
                ],
                &[("SOURCE_DATE_EPOCH", "1700000000")],
            );
            assert_eq!(out.status, 0, "{}", out.stderr);
            let stat = stat_json(&copy, compress);
            digests.push(
                stat["manifest"]["blob"]["layers"][1]["digest"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(
        digests[..3],
        digests[3..],
        "identical bundles give identical layers"
    );
}

#[test]
fn refresh_bundle_makes_the_next_repack_diff_from_the_new_state() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/first"), b"1").unwrap();
    repack(&layout, "latest", &bundle, &["--refresh-bundle"]);
    let meta = read_json(&bundle.join("umoci.json"));
    let new_manifest = stat_json(&layout, "latest")["manifest"]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        meta["from_descriptor_path"]["descriptor_walk"][0]["digest"],
        new_manifest.as_str()
    );
    assert!(bundle
        .join(format!("{}.mtree", new_manifest.replace(':', "_")))
        .is_file());
    std::fs::write(bundle.join("rootfs/second"), b"2").unwrap();
    repack(&layout, "latest", &bundle, &[]);
    let listing = layer_listing(&layout, "latest", 2).join("\n");
    assert!(
        listing.contains("second") && !listing.contains("first"),
        "{listing}"
    );
}

#[test]
fn masked_paths_and_volumes_are_left_out() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    umoci(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.volume=/srv",
    ])
    .ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/srv/in-volume"), b"v").unwrap();
    std::fs::write(bundle.join("rootfs/etc/masked"), b"m").unwrap();
    std::fs::write(bundle.join("rootfs/kept"), b"k").unwrap();
    repack(&layout, "masked", &bundle, &["--mask-path=/etc"]);
    let fresh = dir.path().join("fresh");
    unpack(&layout, "masked", &fresh).ok();
    assert!(fresh.join("rootfs/kept").exists());
    assert!(!fresh.join("rootfs/srv/in-volume").exists());
    assert!(!fresh.join("rootfs/etc/masked").exists());
    repack(&layout, "unmasked", &bundle, &["--no-mask-volumes"]);
    let fresh2 = dir.path().join("fresh2");
    unpack(&layout, "unmasked", &fresh2).ok();
    assert!(fresh2.join("rootfs/srv/in-volume").exists());
}

/// Go's tar writer rounds mtimes to the nearest second where we (as the
/// issue asks) truncate; whole-second mtimes make both agree.
fn whole_seconds(root: &Path) {
    run(
        "find",
        &[
            s(root),
            "-exec",
            "touch",
            "-h",
            "-d",
            "@1700000000",
            "{}",
            "+",
        ],
    )
    .ok();
}

#[test]
fn interop_with_debian_umoci_both_ways() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = base_image(dir.path());
    // Theirs unpacks, we repack.
    let theirs = dir.path().join("theirs");
    debian_unpack(&layout, "latest", &theirs).ok();
    mutate(&theirs.join("rootfs"));
    whole_seconds(&theirs.join("rootfs"));
    let want = describe(&theirs.join("rootfs"));
    repack(&layout, "from-theirs", &theirs, &[]);
    let check = dir.path().join("check1");
    unpack(&layout, "from-theirs", &check).ok();
    assert_eq!(describe(&check.join("rootfs")), want);
    // We unpack, they repack, and they read our layers back too.
    let ours = dir.path().join("ours");
    unpack(&layout, "latest", &ours).ok();
    mutate(&ours.join("rootfs"));
    whole_seconds(&ours.join("rootfs"));
    let want = describe(&ours.join("rootfs"));
    run(
        "umoci",
        &[
            "repack",
            "--image",
            &image_arg(&layout, "from-ours"),
            s(&ours),
        ],
    )
    .ok();
    let check = dir.path().join("check2");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&layout, "from-ours"),
            s(&check),
        ],
    )
    .ok();
    assert_eq!(describe(&check.join("rootfs")), want);
    let check = dir.path().join("check3");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&layout, "from-theirs"),
            s(&check),
        ],
    )
    .ok();
    assert_eq!(
        describe(&check.join("rootfs")),
        describe(&dir.path().join("check1/rootfs"))
    );
}

#[test]
fn insert_and_raw_add_layer() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("nested")).unwrap();
    std::fs::write(src.join("nested/file"), b"inserted").unwrap();
    std::fs::write(dir.path().join("single"), b"one").unwrap();
    let img = image_arg(&layout, "latest");
    umoci(&[
        "insert",
        "--image",
        &img,
        "--tag",
        "ins",
        s(&src),
        "/opt/app",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        s(&dir.path().join("single")),
        "/etc/single",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        "--whiteout",
        "/tree",
    ])
    .ok();
    umoci(&[
        "insert",
        "--image",
        &image_arg(&layout, "ins"),
        "--opaque",
        s(&src),
        "/etc",
    ])
    .ok();
    let b = dir.path().join("b");
    unpack(&layout, "ins", &b).ok();
    assert_eq!(
        std::fs::read(b.join("rootfs/opt/app/nested/file")).unwrap(),
        b"inserted"
    );
    assert!(!b.join("rootfs/tree").exists());
    let etc: Vec<String> = std::fs::read_dir(b.join("rootfs/etc"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(etc, ["nested"], "opaque insert hides the old /etc");
    umoci(&["insert", "--image", &img, "--whiteout"]).fails_with("positional");

    let tar = LayerBuilder::new()
        .file("raw-file", b"raw", 0o600, 7, 8)
        .finish();
    let tar_path = dir.path().join("layer.tar");
    std::fs::write(&tar_path, &tar).unwrap();
    umoci(&[
        "raw",
        "add-layer",
        "--image",
        &img,
        "--tag",
        "raw",
        "--compress",
        "zstd",
        s(&tar_path),
    ])
    .ok();
    let stat = stat_json(&layout, "raw");
    let last = stat["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    assert_eq!(
        stat["config"]["blob"]["rootfs"]["diff_ids"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        &umoci::spec::Digest::sha256_of(&tar).to_string()
    );
    let b = dir.path().join("raw-bundle");
    unpack(&layout, "raw", &b).ok();
    let md = std::fs::metadata(b.join("rootfs/raw-file")).unwrap();
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o777), (7, 8, 0o600));
    umoci(&["raw", "add-layer", "--image", &img, s(dir.path())]).fails_with("directory");
    umoci(&[
        "raw",
        "add-layer",
        "--image",
        &img,
        "--compress",
        "lz4",
        s(&tar_path),
    ])
    .fails_with("compress");
}

#[test]
fn appending_a_layer_leaves_the_config_created_time_alone() {
    // Upstream's mutator adds a history entry and leaves `created` as it
    // was; so do repack, insert and raw add-layer here.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let created = config_of(&layout, "latest")["created"].clone();
    assert!(created.is_string());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    repack(&layout, "latest", &bundle, &[]);
    let file = dir.path().join("file");
    std::fs::write(&file, b"y").unwrap();
    let image = image_arg(&layout, "latest");
    umoci(&["insert", "--image", &image, s(&file), "/file"]).ok();
    let tar = LayerBuilder::new().file("z", b"z", 0o644, 0, 0).finish();
    let layer = dir.path().join("layer.tar");
    std::fs::write(&layer, tar).unwrap();
    umoci(&["raw", "add-layer", "--image", &image, s(&layer)]).ok();
    let config = config_of(&layout, "latest");
    assert_eq!(config["created"], created);
    assert_eq!(config["history"].as_array().unwrap().len(), 5);

    // Debian's umoci agrees.
    if !have_tool("umoci") {
        return;
    }
    let theirs = copy_hello(dir.path(), "theirs");
    let bundle = dir.path().join("their-bundle");
    run(
        "umoci",
        &[
            "unpack",
            "--image",
            &image_arg(&theirs, "latest"),
            s(&bundle),
        ],
    )
    .ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    run(
        "umoci",
        &[
            "repack",
            "--image",
            &image_arg(&theirs, "latest"),
            s(&bundle),
        ],
    )
    .ok();
    assert_eq!(config_of(&theirs, "latest")["created"], created);
}

#[test]
fn repack_with_nothing_changed_adds_only_an_empty_layer_history_entry() {
    let dir = tempdir();
    let check = |layout: &Path, layers_before: usize| {
        let stat = stat_json(layout, "latest");
        let layers = stat["manifest"]["blob"]["layers"].as_array().unwrap().len();
        assert_eq!(layers, layers_before, "no layer was added");
        let history = config_of(layout, "latest")["history"].clone();
        let last = history.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["empty_layer"], true, "{last}");
        assert_eq!(last["created_by"], "umoci repack", "{last}");
    };
    let layout = copy_hello(dir.path(), "img");
    let layers = stat_json(&layout, "latest")["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .len();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    repack(&layout, "latest", &bundle, &[]);
    check(&layout, layers);
    // Changes only beneath a masked path are no changes either (`data`
    // exists, so the root itself is unchanged).
    std::fs::write(bundle.join("rootfs/data/f"), b"x").unwrap();
    repack(&layout, "latest", &bundle, &["--mask-path", "/data"]);
    check(&layout, layers);
    // Debian's umoci 0.4.7 still appends an empty layer here; 0.6.0's
    // repack.go adds only the history entry (Mutator.Set), which is what
    // this follows.
}

#[test]
fn a_rootfs_file_named_like_a_whiteout_is_refused() {
    // It could only go into a layer as a whiteout, deleting something.
    for name in [".wh.foo", "etc/.wh..wh..opq", "data/.wh.dir/"] {
        let dir = tempdir();
        let layout = copy_hello(dir.path(), "img");
        let bundle = dir.path().join("bundle");
        unpack(&layout, "latest", &bundle).ok();
        let path = bundle.join("rootfs").join(name.trim_end_matches('/'));
        if name.ends_with('/') {
            std::fs::create_dir(&path).unwrap();
        } else {
            std::fs::write(&path, b"x").unwrap();
        }
        let before = snapshot(&layout);
        let image = image_arg(&layout, "latest");
        let line = umoci(&["repack", "--image", &image, s(&bundle)])
            .fails_with("invalid path has whiteout prefix \".wh.\"");
        assert!(line.contains(name.trim_end_matches('/')), "{line}");
        assert!(!line.contains("unpack"), "a repack error says so: {line}");
        assert_eq!(snapshot(&layout), before, "{name}");

        // Debian's umoci refuses it too.
        if have_tool("umoci") {
            let out = run("umoci", &["repack", "--image", &image, s(&bundle)]);
            assert_ne!(out.status, 0, "{name}");
            assert!(out.stderr.contains("whiteout prefix"), "{}", out.stderr);
        }
    }
}

#[test]
fn a_directory_replaced_by_a_symlink_deletes_nothing_in_its_target() {
    // Upstream 0.6.0 writes `lib/.wh.libc.so` after the new `lib` link, so
    // every reader (its own and Debian's included) follows the link and
    // deletes usr/lib/libc.so: the usrmerge move would lose the library.
    let dir = tempdir();
    let layout = init_layout(dir.path(), "img");
    umoci(&["new", "--image", &image_arg(&layout, "latest")]).ok();
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    for d in ["lib", "usr/lib", "opt/app"] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    for f in ["lib/libc.so", "usr/lib/libc.so", "opt/app/bin"] {
        std::fs::write(rootfs.join(f), f).unwrap();
    }
    repack(&layout, "latest", &bundle, &[]);
    std::fs::remove_dir_all(&bundle).unwrap();
    unpack(&layout, "latest", &bundle).ok();
    std::fs::remove_dir_all(rootfs.join("lib")).unwrap();
    std::os::unix::fs::symlink("usr/lib", rootfs.join("lib")).unwrap();
    // A directory replaced by a file keeps its children's (inert)
    // whiteouts, as upstream writes them.
    std::fs::remove_dir_all(rootfs.join("opt/app")).unwrap();
    std::fs::write(rootfs.join("opt/app"), "file").unwrap();
    repack(&layout, "latest", &bundle, &[]);

    let listing = layer_listing(&layout, "latest", 1);
    assert!(listing.contains(&"lib".to_owned()), "{listing:?}");
    assert!(
        !listing.iter().any(|n| n.starts_with("lib/")),
        "{listing:?}"
    );
    assert!(
        listing.contains(&"opt/app/.wh.bin".to_owned()),
        "{listing:?}"
    );
    let fresh = dir.path().join("fresh");
    unpack(&layout, "latest", &fresh).ok();
    let lib = fresh.join("rootfs/usr/lib/libc.so");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), "usr/lib/libc.so");
    if have_tool("umoci") {
        let theirs = dir.path().join("theirs");
        debian_unpack(&layout, "latest", &theirs).ok();
        assert!(
            theirs.join("rootfs/usr/lib/libc.so").is_file(),
            "Debian's umoci lost it"
        );
    }
}

#[test]
fn compressed_layers_carry_their_uncompressed_size_as_upstream() {
    let dir = tempdir();
    let layout = base_image(dir.path());
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    for compress in ["gzip", "none"] {
        std::fs::write(bundle.join("rootfs").join(compress), "x").unwrap();
        repack(
            &layout,
            "latest",
            &bundle,
            &["--compress", compress, "--refresh-bundle"],
        );
        let layers = stat_json(&layout, "latest")["manifest"]["blob"]["layers"].clone();
        let layer = layers.as_array().unwrap().last().unwrap().clone();
        let annotation = layer["annotations"]["ci.umo.uncompressed_blob_size"].as_str();
        if compress == "none" {
            assert_eq!(annotation, None, "{layer}");
            continue;
        }
        let digest = layer["digest"].as_str().unwrap();
        let blob = layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        let plain = run("sh", &["-c", &format!("gzip -dc {} | wc -c", s(&blob))]).ok();
        assert_eq!(annotation, Some(plain.trim()), "{layer}");
    }
}

/// A tree of text and binaries from this machine: Perl's modules and the
/// first 24 MB of regular files in /usr/bin.
fn text_and_binaries(rootfs: &Path) {
    let perl = Path::new("/usr/share/perl");
    assert!(perl.is_dir(), "the test tree takes its text from {perl:?}");
    std::fs::create_dir_all(rootfs.join("usr/share")).unwrap();
    run("cp", &["-a", s(perl), s(&rootfs.join("usr/share/perl"))]).ok();
    let bin = rootfs.join("usr/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mut names: Vec<_> = std::fs::read_dir("/usr/bin")
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut total = 0;
    for path in names {
        if total > 24 << 20 {
            break;
        }
        total += std::fs::copy(&path, bin.join(path.file_name().unwrap())).unwrap();
    }
}

/// The stored size of the newest layer of `layout:tag`.
fn newest_layer_size(layout: &Path, tag: &str) -> u64 {
    let stat = stat_json(layout, tag);
    let history = stat["history"].as_array().unwrap();
    history.last().unwrap()["layer"]["size"].as_u64().unwrap()
}

#[test]
fn default_gzip_layers_are_no_larger_than_debian_umocis() {
    if !have_tool("umoci") {
        return;
    }
    let dir = tempdir();
    let layout = dir.path().join("layout");
    umoci(&["init", "--layout", s(&layout)]).ok();
    umoci(&["new", "--image", &image_arg(&layout, "empty")]).ok();
    let empty = image_arg(&layout, "empty");
    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    umoci(&["unpack", "--image", &empty, s(&ours)]).ok();
    debian_unpack(&layout, "empty", &theirs).ok();
    text_and_binaries(&ours.join("rootfs"));
    text_and_binaries(&theirs.join("rootfs"));
    umoci(&["repack", "--image", &image_arg(&layout, "ours"), s(&ours)]).ok();
    let theirs_image = image_arg(&layout, "theirs");
    run("umoci", &["repack", "--image", &theirs_image, s(&theirs)]).ok();
    let (ours, theirs) = (
        newest_layer_size(&layout, "ours"),
        newest_layer_size(&layout, "theirs"),
    );
    eprintln!("gzip layer: ours {ours} bytes, Debian's umoci {theirs} bytes");
    assert!(ours > 10 << 20, "the tree is real: {ours} bytes");
    assert!(ours <= theirs, "ours {ours} > Debian's {theirs}");
}
