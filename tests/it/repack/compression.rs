//! Layer compression: the uncompressed-size annotation, and default gzip
//! layers no larger than Debian's umoci's.

use super::*;

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
        )
        .ok();
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
    repack(&layout, "ours", &ours, &[]).ok();
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
