//! Changes no layer can carry safely: names that read as whiteouts, and a
//! directory replaced by a symlink.

use super::*;

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
    repack(&layout, "latest", &bundle, &[]).ok();
    std::fs::remove_dir_all(&bundle).unwrap();
    unpack(&layout, "latest", &bundle).ok();
    std::fs::remove_dir_all(rootfs.join("lib")).unwrap();
    std::os::unix::fs::symlink("usr/lib", rootfs.join("lib")).unwrap();
    // A directory replaced by a file keeps its children's (inert)
    // whiteouts, as upstream writes them.
    std::fs::remove_dir_all(rootfs.join("opt/app")).unwrap();
    std::fs::write(rootfs.join("opt/app"), "file").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();

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
