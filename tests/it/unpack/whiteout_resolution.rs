//! Whiteouts resolved where entries really landed: through the layer's own
//! symlinks, missing directories and `..`, as upstream resolves them.

use super::*;

#[test]
fn whiteouts_spare_what_the_layer_wrote_not_the_lower_symlinks_it_wrote_through() {
    // A lower symlink the layer writes through (d/ln/x lands in t/x) is on
    // the way to the layer's entry, not one of them: a whiteout of it, or
    // of its directory, removes it, however the directory is reached (a
    // -> d); the layer's own entries survive. Upstream 0.6.0 and Debian's
    // umoci agree on every case.
    // (case, entries written as (name, symlink target or "" for a file),
    // whiteouts after them)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 5] = [
        (
            "forward",
            &[("a/ln/x", "")],
            &["a/.wh..wh..opq", "d/.wh.ln"],
        ),
        (
            "reverse",
            &[("d/ln/x", "")],
            &["d/.wh..wh..opq", "a/.wh.ln"],
        ),
        ("named", &[("d/ln/x", "")], &["d/.wh.ln"]),
        (
            "own link",
            &[("d/ln2", "/t"), ("d/ln2/y", "")],
            &["d/.wh..wh..opq"],
        ),
        (
            "alias dir",
            &[("a/sub/x", "")],
            &["a/.wh..wh..opq", "d/.wh.sub"],
        ),
    ];
    for (case, writes, whiteouts) in cases {
        let dir = tempdir();
        let layout = new_image(dir.path(), "img", "latest");
        let mut lower = LayerBuilder::new();
        lower
            .dir("d", 0o755, 0, 0)
            .symlink("d/ln", "/t")
            .dir("d/sub", 0o755, 0, 0)
            .file("d/sub/lowerf", b"l", 0o644, 0, 0)
            .dir("t", 0o755, 0, 0)
            .symlink("a", "d");
        add_layer(&layout, "latest", &lower.finish(), "gzip");
        let mut upper = LayerBuilder::new();
        for (name, link) in writes {
            if link.is_empty() {
                upper.file(name, name.as_bytes(), 0o644, 0, 0);
            } else {
                upper.symlink(name, link);
            }
        }
        for name in whiteouts {
            upper.whiteout(name);
        }
        add_layer(&layout, "latest", &upper.finish(), "gzip");
        let ours = dir.path().join("ours");
        unpack(&layout, "latest", &ours).ok();
        let tree = snapshot(&ours.join("rootfs"));
        let name = |p: &str| std::path::PathBuf::from(p);
        if case != "own link" {
            assert!(!tree.contains_key(&name("d/ln")), "{case}: {tree:?}");
        }
        if case == "alias dir" {
            assert!(tree.contains_key(&name("d/sub/x")), "{case}: {tree:?}");
            assert!(
                !tree.contains_key(&name("d/sub/lowerf")),
                "{case}: {tree:?}"
            );
        }
        if have_tool("umoci") {
            let theirs = dir.path().join("theirs");
            let image = image_arg(&layout, "latest");
            run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
            assert_eq!(tree, snapshot(&theirs.join("rootfs")), "{case}");
        }
    }
}

/// `(kind, name, data or target)`: `d` directory, `f` file, `l` symlink,
/// `w` whiteout file.
type Spec<'a> = (&'a str, &'a str, &'a str);

/// A layer of `entries`.
fn layer_of(entries: &[Spec]) -> Vec<u8> {
    let mut b = LayerBuilder::new();
    for (kind, name, arg) in entries {
        match *kind {
            "d" => b.dir(name, 0o755, 0, 0),
            "f" => b.file(name, arg.as_bytes(), 0o644, 0, 0),
            "l" => b.symlink(name, arg),
            _ => b.whiteout(name),
        };
    }
    b.finish()
}

/// An image of `lower` then `upper`, unpacked by us: the directory holding
/// it all, the layout, and the rootfs.
fn unpack_two(lower: &[Spec], upper: &[Spec]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &layer_of(lower), "gzip");
    add_layer(&layout, "latest", &layer_of(upper), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    (dir, layout, rootfs)
}

#[test]
fn whiteouts_spare_the_layers_own_entries_where_they_really_landed() {
    // What a layer wrote is recorded where it landed after symlinks (as
    // upstream records it): a whiteout reaching it by its real path spares
    // it, and one through a link retargeted since removes the lower file.
    let lower: &[Spec] = &[
        ("d", "t", ""),
        ("f", "t/x", "old"),
        ("f", "t/y", "old"),
        ("d", "t2", ""),
        ("f", "t2/x", "old"),
        ("l", "ln", "t"),
    ];
    // (case, upper layer, path, its content afterwards)
    type Case<'a> = (&'a str, &'a [Spec<'a>], &'a str, Option<&'a str>);
    let cases: [Case; 4] = [
        (
            "opaque by real path",
            &[("f", "ln/x", "new"), ("w", "t/.wh..wh..opq", "")],
            "t/x",
            Some("new"),
        ),
        (
            "whiteout by real path",
            &[("f", "ln/x", "new"), ("w", "t/.wh.x", "")],
            "t/x",
            Some("new"),
        ),
        (
            "opaque through the link",
            &[("f", "t/x", "new"), ("w", "ln/.wh..wh..opq", "")],
            "t/x",
            Some("new"),
        ),
        (
            "link retargeted",
            &[
                ("f", "ln/x", "new"),
                ("l", "ln", "t2"),
                ("w", "ln/.wh.x", ""),
            ],
            "t2/x",
            None,
        ),
    ];
    for (case, upper, path, want) in cases {
        let (dir, layout, ours) = unpack_two(lower, upper);
        let got = std::fs::read_to_string(ours.join(path)).ok();
        assert_eq!(got.as_deref(), want, "{case}");
        if have_tool("umoci") {
            let theirs = dir.path().join("theirs");
            let image = image_arg(&layout, "latest");
            run("umoci", &["unpack", "--image", &image, s(&theirs)]).ok();
            assert_eq!(snapshot(&ours), snapshot(&theirs.join("rootfs")), "{case}");
        }
    }
}

#[test]
fn a_directory_replaced_by_a_looping_symlink_is_simply_replaced() {
    // x/y is made, then x becomes a link to itself: the times and modes
    // held back for x/y have nothing left to apply to (upstream and
    // Debian's umoci agree).
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(
        &layout,
        "latest",
        &layer_of(&[("d", "x", ""), ("d", "x/y", ""), ("l", "x", "x")]),
        "gzip",
    );
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let link = bundle.join("rootfs/x");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("x"));
}

#[test]
fn whiteouts_and_hard_links_resolve_missing_dotdot_as_created_directories_do() {
    // `a -> m/../t` with no `m`: upstream's securejoin takes `m/..` as
    // nothing, so a whiteout or a hard link through `a` finds `t`, as a
    // file written through `a` lands in `t` (Debian's umoci agrees).
    let lower: &[Spec] = &[("d", "t", ""), ("f", "t/x", "lower"), ("l", "a", "m/../t")];
    for (case, upper, gone) in [
        ("whiteout", &[("w", "a/.wh.x", "")][..], true),
        ("opaque", &[("w", "a/.wh..wh..opq", "")][..], true),
        ("file", &[("f", "a/x", "upper")][..], false),
    ] {
        let (_dir, _, rootfs) = unpack_two(lower, upper);
        assert_eq!(!rootfs.join("t/x").exists(), gone, "{case}");
    }
    // A hard link through `a`.
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &layer_of(lower), "gzip");
    let mut b = LayerBuilder::new();
    b.hardlink("y", "a/x");
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    assert_eq!(std::fs::read(bundle.join("rootfs/y")).unwrap(), b"lower");
}

#[test]
fn raw_unpack_makes_the_rootfs_but_not_its_parents() {
    // As upstream's (and Debian's) raw unpack: mkdir, not mkdir -p.
    let dir = tempdir();
    let rootfs = dir.path().join("a/b/rootfs");
    let image = image_arg(&hello_image(), "latest");
    umoci(&["raw", "unpack", "--image", &image, s(&rootfs)])
        .fails_with("No such file or directory");
    assert!(!dir.path().join("a").exists());
    if have_tool("umoci") {
        let out = run("umoci", &["raw", "unpack", "--image", &image, s(&rootfs)]);
        assert_ne!(out.status, 0, "{}", out.stderr);
    }
}

#[test]
fn a_file_where_a_parent_directory_must_be_is_replaced_as_upstream_does() {
    // Upstream 0.6.0 removes a non-directory standing in an entry's path
    // (also where a link leads) and makes the directory; Debian's 0.4.7
    // failed with "not a directory".
    for (case, lower, upper, gone) in [
        (
            "file",
            &[("f", "c", "old")][..],
            &[("f", "c/a", "new")][..],
            "c",
        ),
        (
            "through a link",
            &[("f", "t", "old"), ("l", "c", "t")][..],
            &[("f", "c/a", "new")][..],
            "t",
        ),
    ] {
        let (_dir, _, rootfs) = unpack_two(lower, upper);
        assert!(rootfs.join(gone).is_dir(), "{case}");
        assert_eq!(std::fs::read(rootfs.join("c/a")).unwrap(), b"new", "{case}");
    }
}
