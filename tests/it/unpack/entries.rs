//! Every entry kind extracted faithfully; whiteouts and opaque directories
//! as the spec says; PAX records read by their length.

use super::*;

#[test]
fn every_entry_kind_is_extracted_faithfully() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let long_name = format!("deep/{}", "n".repeat(180));
    let tar = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .dir("home", 0o750, 1000, 1001)
        .file("home/data.txt", b"hello world\n", 0o640, 1000, 1001)
        .file("usr-bin-su", b"#!/bin/true\n", 0o4755, 0, 0)
        .dir("tmp", 0o1777, 0, 0)
        .symlink("etc/link", "../home/data.txt")
        .symlink("abs", "/does/not/exist")
        .hardlink("home/hard", "home/data.txt")
        .node("fifo", tar::EntryType::Fifo, 0, 0)
        .node("null", tar::EntryType::Char, 1, 3)
        .file_with_xattrs("cap", b"bin", &[("user.note", b"v1"), ("security.capability", b"\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")])
        .long_file(&long_name, b"long")
        .file_bytes(b"bad-\xff\xfe-name", b"latin", 0o600, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let root = bundle.join("rootfs");

    let md = |p: &str| std::fs::symlink_metadata(root.join(p)).unwrap();
    assert_eq!(
        std::fs::read(root.join("home/data.txt")).unwrap(),
        b"hello world\n"
    );
    let data = md("home/data.txt");
    assert_eq!(
        (data.mode() & 0o7777, data.uid(), data.gid(), data.mtime()),
        (0o640, 1000, 1001, MTIME as i64)
    );
    assert_eq!(data.nlink(), 2);
    assert_eq!(md("home/hard").ino(), data.ino());
    let home = md("home");
    assert!(home.is_dir());
    assert_eq!(
        (home.mode() & 0o7777, home.uid(), home.gid(), home.mtime()),
        (0o750, 1000, 1001, MTIME as i64)
    );
    assert_eq!(md("usr-bin-su").mode() & 0o7777, 0o4755);
    assert_eq!(md("tmp").mode() & 0o7777, 0o1777);
    assert_eq!(
        std::fs::read_link(root.join("etc/link")).unwrap(),
        Path::new("../home/data.txt")
    );
    assert_eq!(
        std::fs::read_link(root.join("abs")).unwrap(),
        Path::new("/does/not/exist")
    );
    assert!(md("fifo").file_type().is_fifo());
    if running_as_root("device nodes and security.* xattrs are made only by root") {
        let null = md("null");
        assert!(null.file_type().is_char_device());
        assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));
        let cap = run(
            "getfattr",
            &["-d", "-m", "-", "--absolute-names", s(&root.join("cap"))],
        )
        .ok();
        assert!(cap.contains("security.capability"), "{cap}");
    }
    assert_eq!(
        run(
            "getfattr",
            &[
                "-n",
                "user.note",
                "--only-values",
                "--absolute-names",
                s(&root.join("cap"))
            ]
        )
        .ok(),
        "v1"
    );
    assert_eq!(std::fs::read(root.join(&long_name)).unwrap(), b"long");
    use std::os::unix::ffi::OsStrExt;
    assert_eq!(
        std::fs::read(root.join(std::ffi::OsStr::from_bytes(b"bad-\xff\xfe-name"))).unwrap(),
        b"latin"
    );
    validate(&bundle);

    // Every layer compression and media type gives the same tree.
    for compression in ["zstd", "none", "docker"] {
        let other = new_image(dir.path(), &format!("img-{compression}"), "latest");
        add_layer(&other, "latest", &tar, compression);
        let b = dir.path().join(format!("bundle-{compression}"));
        unpack(&other, "latest", &b).ok();
        assert_eq!(
            snapshot(&b.join("rootfs")),
            snapshot(&root),
            "{compression}"
        );
    }
}

#[test]
fn whiteouts_and_opaque_directories_follow_the_spec() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let lower = LayerBuilder::new()
        .file("a", b"a", 0o644, 0, 0)
        .file("keep", b"k", 0o644, 0, 0)
        .dir("d", 0o755, 0, 0)
        .file("d/x", b"x", 0o644, 0, 0)
        .dir("d/sub", 0o755, 0, 0)
        .file("d/sub/y", b"y", 0o644, 0, 0)
        .dir("gone", 0o755, 0, 0)
        .file("gone/z", b"z", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &lower, "gzip");
    let upper = LayerBuilder::new()
        .whiteout(".wh.a")
        .whiteout(".wh.gone")
        .dir("d", 0o755, 0, 0)
        .file("d/new", b"n", 0o644, 0, 0)
        .whiteout("d/.wh..wh..opq")
        .whiteout(".wh.never-existed")
        .finish();
    add_layer(&layout, "latest", &upper, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let root = bundle.join("rootfs");
    assert!(!root.join("a").exists());
    assert!(!root.join("gone").exists());
    assert!(root.join("keep").exists());
    let mut d: Vec<String> = std::fs::read_dir(root.join("d"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    d.sort();
    assert_eq!(
        d,
        ["new"],
        "opaque whiteout keeps only this layer's entries"
    );
    validate(&bundle);
}

#[test]
fn invalid_whiteouts_are_refused() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &LayerBuilder::new().whiteout("dir/.wh.").finish(),
        "gzip",
    );
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).fails_with("invalid whiteout");
    assert!(
        !bundle.join("rootfs").exists(),
        "a failed unpack leaves no rootfs"
    );
}
#[test]
fn pax_records_are_read_by_their_length_so_values_may_hold_newlines() {
    // A binary xattr (a file capability can hold 0x0a) and a name with a
    // newline; and a value crafted to look like a linkpath record after
    // its newline, which must stay part of the value (Go's reader, and so
    // upstream's and Docker's, never sees a linkpath there; the tar crate
    // alone would link to dir/evil).
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let mut b = LayerBuilder::new();
    b.dir("dir", 0o755, 0, 0)
        .pax(&[
            ("SCHILY.xattr.user.cap", b"\x00\x00\x00\x02\n\x00"),
            ("path", "dir/new\nline \u{e9}".as_bytes()),
        ])
        .file("placeholder", b"data", 0o644, 0, 0)
        .file("harmless", b"h", 0o644, 0, 0)
        .pax(&[("SCHILY.xattr.user.x", b"v\n21 linkpath=dir/evil\n")])
        .hardlink("link", "harmless")
        // An owner too large for the header field (the crate puts it in
        // the header it hands back).
        .pax(&[("uid", b"3000000"), ("gid", b"4000000")])
        .file("owned", b"o", 0o644, 0, 0)
        // A GNU long name wins over a PAX path, as in Go's reader.
        .pax(&[("path", b"paxname")])
        .long_file(&"g".repeat(120), b"gnu");
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    let file = rootfs.join("dir/new\nline \u{e9}");
    assert_eq!(std::fs::read(&file).unwrap(), b"data");
    let mut value = vec![0u8; 64];
    let n = rustix::fs::lgetxattr(&file, "user.cap", &mut value).unwrap();
    assert_eq!(&value[..n], b"\x00\x00\x00\x02\n\x00");
    let ino = |name: &str| std::fs::metadata(rootfs.join(name)).unwrap().ino();
    assert_eq!(
        ino("link"),
        ino("harmless"),
        "linked to the header's target"
    );
    let owned = std::fs::metadata(rootfs.join("owned")).unwrap();
    assert_eq!((owned.uid(), owned.gid()), (3_000_000, 4_000_000));
    assert!(rootfs.join("g".repeat(120)).is_file());
    assert!(!rootfs.join("paxname").exists());
    assert!(!rootfs.join("placeholder").exists());
    if have_tool("umoci") {
        let theirs = dir.path().join("theirs");
        let image = image_arg(&layout, "latest");
        run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
        assert_eq!(snapshot(&rootfs), snapshot(&theirs.join("rootfs")));
    }
}
