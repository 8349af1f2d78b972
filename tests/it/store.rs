//! `unpack --store`: bundles checked out of a shared content store are
//! the bundles a plain unpack makes, a layer already in the store is not
//! read again, and no edit of a bundle reaches the store or another
//! bundle (except through hardlinks, which `store fsck` then finds).

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::*;

/// Two layers with every entry kind, hardlinks, xattrs, long and
/// non-UTF-8 names, identical files, then whiteouts, an opaque
/// directory, a replaced file and a hardlink to a lower file.
fn every_kind_image(dir: &Path) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let long = format!("deep/{}", "n".repeat(180));
    let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let lower = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .dir("deep", 0o755, 0, 0)
        .dir("home", 0o750, 1000, 1001)
        .file("home/data.txt", b"hello world\n", 0o640, 1000, 1001)
        .hardlink("home/hard", "home/data.txt")
        .file("same-1", b"same\n", 0o644, 0, 0)
        .file("same-2", b"same\n", 0o644, 0, 0)
        .file("same-other-owner", b"same\n", 0o644, 7, 7)
        .file("empty", b"", 0o600, 0, 0)
        .file("secret", b"nobody reads this\n", 0o000, 0, 0)
        .file("big", &big, 0o755, 0, 0)
        .file("usr-bin-su", b"#!/bin/true\n", 0o4755, 0, 0)
        .dir("tmp", 0o1777, 0, 0)
        .symlink("etc/link", "../home/data.txt")
        .node("fifo", tar::EntryType::Fifo, 0, 0)
        .node("null", tar::EntryType::Char, 1, 3)
        .file_with_xattrs("cap", b"bin", &[("user.note", b"v1")])
        .long_file(&long, b"long")
        .file_bytes(b"bad-\xff\xfe-name", b"latin", 0o600, 0, 0)
        .dir("opaque", 0o755, 0, 0)
        .file("opaque/gone", b"lower", 0o644, 0, 0)
        .file("gone", b"lower", 0o644, 0, 0)
        .file("replaced", b"old", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &lower, "gzip");
    let upper = LayerBuilder::new()
        .whiteout(".wh.gone")
        .dir("opaque", 0o700, 0, 0)
        .whiteout("opaque/.wh..wh..opq")
        .file("opaque/new", b"upper", 0o644, 0, 0)
        .file("replaced", b"new content", 0o600, 5, 5)
        .hardlink("etc/hard-to-lower", "same-1")
        .finish();
    add_layer(&layout, "latest", &upper, "zstd");
    layout
}

/// Everything about every entry of a tree: kind, mode, owner, times to
/// the nanosecond, content digest, link target, device, xattrs, and which
/// earlier path (if any) it is a hardlink of inside the tree.
fn tree(root: &Path) -> BTreeMap<Vec<u8>, String> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = BTreeMap::new();
    let mut inodes: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    let mut paths = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p.clone());
            }
            paths.push(p);
        }
    }
    paths.sort();
    for p in paths {
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .as_os_str()
            .as_bytes()
            .to_vec();
        let md = std::fs::symlink_metadata(&p).unwrap();
        let ft = md.file_type();
        let mut line = format!(
            "mode={:o} uid={} gid={} mtime={}.{:09} rdev={}",
            md.mode(),
            md.uid(),
            md.gid(),
            md.mtime(),
            md.mtime_nsec(),
            md.rdev()
        );
        if ft.is_file() {
            let data = std::fs::read(&p).unwrap();
            line += &format!(" sha256={}", umoci::spec::Digest::sha256_of(&data));
            match inodes.get(&md.ino()) {
                Some(first) => line += &format!(" link-of={}", String::from_utf8_lossy(first)),
                None => {
                    inodes.insert(md.ino(), rel.clone());
                }
            }
        }
        if ft.is_symlink() {
            line += &format!(" -> {}", std::fs::read_link(&p).unwrap().display());
        }
        let mut names = vec![0u8; 4096];
        let n = rustix::fs::llistxattr(&p, &mut names[..]).unwrap_or(0);
        let mut keys: Vec<&[u8]> = names[..n]
            .split(|b| *b == 0)
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        for k in keys {
            let mut v = vec![0u8; 4096];
            let len = rustix::fs::lgetxattr(&p, k, &mut v[..]).unwrap_or(0);
            line += &format!(" xattr.{}={:?}", String::from_utf8_lossy(k), &v[..len]);
        }
        out.insert(rel, line);
    }
    out
}

/// The mtree manifest without its header (user, host, date, tree path).
fn mtree_body(bundle: &Path) -> String {
    std::fs::read_to_string(mtree_of(bundle))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn unpack_with(layout: &Path, bundle: &Path, store: &Path, link: &str, extra: &[&str]) -> Run {
    let image = image_arg(layout, "latest");
    let mut args = vec![
        "unpack",
        "--image",
        &image,
        "--store",
        s(store),
        "--store-link",
        link,
    ];
    args.extend_from_slice(extra);
    args.push(s(bundle));
    umoci(&args)
}

/// A plain unpack (no store) of `layout:latest` into `bundle`.
fn plain_unpack(layout: &Path, bundle: &Path, extra: &[&str]) {
    let image = image_arg(layout, "latest");
    let mut args = vec!["unpack", "--image", &image];
    args.extend_from_slice(extra);
    args.push(s(bundle));
    umoci(&args).ok();
}

/// A rootless unpack of `layout:latest` into `bundle` with `env` (which
/// names the store, if any).
fn rootless_unpack_env(layout: &Path, bundle: &Path, env: &[(&str, &str)]) {
    let image = image_arg(layout, "latest");
    umoci_env(&["unpack", "--rootless", "--image", &image, s(bundle)], env).ok();
}

/// Runs `umoci store fsck --store STORE`.
fn store_fsck(store: &Path) -> Run {
    umoci(&["store", "fsck", "--store", s(store)])
}

/// Asserts that `bundle` is what the plain unpack `plain` is.
#[track_caller]
fn assert_same_bundle(plain: &Path, bundle: &Path) {
    let (want, got) = (tree(&plain.join("rootfs")), tree(&bundle.join("rootfs")));
    let differ: Vec<_> = want
        .keys()
        .chain(got.keys())
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| (String::from_utf8_lossy(k), want.get(k), got.get(k)))
        .collect();
    assert!(differ.is_empty(), "{}: {differ:#?}", bundle.display());
    assert_eq!(
        mtree_body(plain),
        mtree_body(bundle),
        "{}",
        bundle.display()
    );
    for f in ["config.json", "umoci.json"] {
        assert_eq!(
            std::fs::read(plain.join(f)).unwrap(),
            std::fs::read(bundle.join(f)).unwrap(),
            "{f} of {}",
            bundle.display()
        );
    }
}

/// Overwrites the layer blobs of `layout:latest` with zeros of the same
/// size, so any unpack that still reads a layer fails.
fn spoil_layer_blobs(layout: &Path) {
    let stat = stat_json(layout, "latest");
    for layer in stat["manifest"]["blob"]["layers"].as_array().unwrap() {
        let hex = layer["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:");
        let path = layout.join("blobs/sha256").join(hex);
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::write(&path, vec![0u8; len as usize]).unwrap();
    }
}

#[test]
fn store_bundles_are_plain_bundles_and_later_unpacks_never_read_a_layer() {
    if !running_as_root("device nodes and owners need root") {
        return;
    }
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    for extra in [
        &[][..],
        &["--rootless"][..],
        &["--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536"][..],
    ] {
        let case = dir.path().join(format!("case-{}", extra.len()));
        let plain = case.join("plain");
        plain_unpack(&layout, &plain, extra);
        for link in ["copy", "hardlink", "auto"] {
            let copy = case.join(format!("layout-{link}"));
            copy_tree(&layout, &copy);
            let store = case.join(format!("store-{link}"));
            let first = case.join(format!("{link}-1"));
            unpack_with(&copy, &first, &store, link, extra).ok();
            assert_same_bundle(&plain, &first);
            // From here on this layout's layer blobs are zeros: only the
            // store can supply their content.
            spoil_layer_blobs(&copy);
            unpack(&copy, "latest", &case.join(format!("plain-{link}"))).fails_with("sha256:");
            let second = case.join(format!("{link}-2"));
            unpack_with(&copy, &second, &store, link, extra).ok();
            assert_same_bundle(&plain, &second);
            mtree_validate(&second, &[]).ok();
        }
        // Hardlinked bundles share the store's inodes, yet their
        // manifests count links as a plain bundle's do.
        let ino = |b: &str| {
            std::fs::metadata(case.join(b).join("rootfs/big"))
                .unwrap()
                .ino()
        };
        assert_eq!(ino("hardlink-1"), ino("hardlink-2"));
        assert_ne!(ino("copy-1"), ino("copy-2"));
        // Two identical files of one bundle never share an inode the
        // layer did not link.
        let root = case.join("hardlink-2/rootfs");
        let md = |p: &str| std::fs::symlink_metadata(root.join(p)).unwrap();
        assert_ne!(md("same-1").ino(), md("same-2").ino());
        assert_eq!(md("same-1").ino(), md("etc/hard-to-lower").ino());
        // Rootless, a file its owner may not read is opened up to be read
        // (for the mtree): never one whose inode others share.
        let secret = |b: &str| {
            std::fs::metadata(case.join(b).join("rootfs/secret"))
                .unwrap()
                .ino()
        };
        if extra == ["--rootless"] {
            assert_ne!(secret("hardlink-1"), secret("hardlink-2"));
        }
        store_fsck(&case.join("store-hardlink")).ok();
    }
}

#[test]
fn repacking_a_hardlinked_bundle_sees_only_real_changes() {
    if !running_as_root("owners in the test image need root") {
        return;
    }
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    let store = dir.path().join("store");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    unpack_with(&layout, &one, &store, "hardlink", &[]).ok();
    unpack_with(&layout, &two, &store, "hardlink", &[]).ok();
    // Nothing changed: the link counts the store adds are no change.
    repack(&layout, "unchanged", &two, &[]).ok();
    let history = stat_json(&layout, "unchanged")["history"].clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["empty_layer"], true, "{last}");
    // A file replaced (not edited in place) changes one bundle only.
    let target = one.join("rootfs/home/data.txt");
    let temp = one.join("rootfs/home/.data.tmp");
    std::fs::write(&temp, b"replaced\n").unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::rename(&temp, &target).unwrap();
    assert_eq!(
        std::fs::read(two.join("rootfs/home/data.txt")).unwrap(),
        b"hello world\n"
    );
    store_fsck(&store).ok();
    repack(&layout, "changed", &one, &[]).ok();
    let names = layer_listing_any(&layout, "changed");
    assert!(
        names.iter().any(|n| n.ends_with("home/data.txt")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with("big")), "{names:?}");
}

/// The entry names of the last layer of `layout:tag`, whatever its
/// compression.
fn layer_listing_any(layout: &Path, tag: &str) -> Vec<String> {
    let stat = stat_json(layout, tag);
    let layers = stat["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .clone();
    let hex = layers.last().unwrap()["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let blob = layout.join("blobs/sha256").join(hex);
    run("tar", &["-taf", s(&blob)])
        .ok()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn an_in_place_edit_of_a_hardlinked_bundle_is_found_by_fsck() {
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    let store = dir.path().join("store");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    unpack_with(&layout, &one, &store, "hardlink", &["--rootless"]).ok();
    unpack_with(&layout, &two, &store, "hardlink", &["--rootless"]).ok();
    store_fsck(&store).ok();
    // What the documentation says not to do.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(one.join("rootfs/big"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"edited").unwrap();
    drop(f);
    let run = store_fsck(&store);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stdout.contains("content changed"), "{}", run.stdout);
    for bundle in [&one, &two] {
        let root = std::fs::canonicalize(bundle.join("rootfs")).unwrap();
        assert!(
            run.stdout
                .contains(&format!("shared with {}", root.display())),
            "{}",
            run.stdout
        );
    }
    assert!(run.stderr.contains("damaged"), "{}", run.stderr);
}

/// A loop-mounted XFS with reflinks, unmounted and detached on drop.
struct Xfs {
    mount: PathBuf,
    _dir: tempfile::TempDir,
}

impl Xfs {
    fn new() -> Xfs {
        let dir = tempdir();
        let image = dir.path().join("xfs.img");
        let mount = dir.path().join("mnt");
        std::fs::create_dir(&mount).unwrap();
        std::fs::File::create(&image)
            .unwrap()
            .set_len(512 << 20)
            .unwrap();
        run("mkfs.xfs", &["-q", "-m", "reflink=1", s(&image)]).ok();
        run("mount", &["-o", "loop", s(&image), s(&mount)]).ok();
        Xfs { mount, _dir: dir }
    }
}

impl Drop for Xfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-d")
            .arg(&self.mount)
            .status();
    }
}

fn used_bytes(path: &Path) -> u64 {
    let st = rustix::fs::statvfs(path).unwrap();
    (st.f_blocks - st.f_bfree) * st.f_frsize
}

#[test]
fn reflinked_bundles_share_blocks_and_stay_independent() {
    if !running_as_root("a loop-mounted XFS needs root") || !have_tool("mkfs.xfs") {
        return;
    }
    let xfs = Xfs::new();
    let dir = &xfs.mount;
    let layout = new_image(dir, "img", "latest");
    let data: Vec<u8> = (0..(16u32 << 20) / 4)
        .flat_map(|i| (i.wrapping_mul(2_654_435_761)).to_le_bytes())
        .collect();
    let layer = LayerBuilder::new()
        .file("data", &data, 0o644, 0, 0)
        .file("small", b"small\n", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &layer, "gzip");
    let store = dir.join("store");
    let one = dir.join("one");
    unpack_with(&layout, &one, &store, "reflink", &[]).ok();
    let before = used_bytes(dir);
    let bundles: Vec<PathBuf> = (2..=6).map(|i| dir.join(format!("b{i}"))).collect();
    for b in &bundles {
        unpack_with(&layout, b, &store, "reflink", &[]).ok();
    }
    let grown = used_bytes(dir) - before;
    assert!(
        grown < 4 << 20,
        "five reflinked bundles of a 16 MiB file took {grown} bytes"
    );
    // Editing in place touches that bundle only.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(one.join("rootfs/data"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"EDITED").unwrap();
    drop(f);
    for b in &bundles {
        assert_eq!(std::fs::read(b.join("rootfs/data")).unwrap(), data);
    }
    store_fsck(&store).ok();
    // The same store on a file system without reflinks: explicit reflink
    // fails naming itself; auto copies.
    let other = tempdir();
    let other_store = other.path().join("store");
    let fail = unpack_with(
        &layout,
        &other.path().join("x"),
        &other_store,
        "reflink",
        &[],
    );
    if fail.status == 0 {
        // The temporary directory may itself be on a reflink file system.
        return;
    }
    fail.fails_with("reflink");
    unpack_with(&layout, &other.path().join("y"), &other_store, "auto", &[]).ok();
}

#[test]
fn concurrent_unpacks_share_one_store_safely() {
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    let plain = dir.path().join("plain");
    plain_unpack(&layout, &plain, &["--rootless"]);
    let store = dir.path().join("store");
    let image = image_arg(&layout, "latest");
    let children: Vec<_> = (0..4)
        .map(|i| {
            let bundle = dir.path().join(format!("b{i}"));
            let link = if i % 2 == 0 { "hardlink" } else { "copy" };
            let child = std::process::Command::new(umoci_bin())
                .args([
                    "unpack",
                    "--rootless",
                    "--image",
                    &image,
                    "--store",
                    s(&store),
                    "--store-link",
                    link,
                    s(&bundle),
                ])
                .env_remove("UMOCI_STORE")
                .spawn()
                .unwrap();
            (bundle, child)
        })
        .collect();
    for (bundle, mut child) in children {
        assert!(child.wait().unwrap().success());
        assert_same_bundle(&plain, &bundle);
    }
    store_fsck(&store).ok();
    assert_eq!(std::fs::read_dir(store.join("layers")).unwrap().count(), 2);
}

#[test]
fn a_killed_unpack_leaves_no_half_object() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let mut builder = LayerBuilder::new();
    for i in 0..40u32 {
        let data: Vec<u8> = (0..(1u32 << 20) / 4)
            .flat_map(|j| (j ^ i.wrapping_mul(97)).to_le_bytes())
            .collect();
        builder.file(&format!("f{i}"), &data, 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &builder.finish(), "gzip");
    let store = dir.path().join("store");
    let image = image_arg(&layout, "latest");
    for delay_ms in [5u64, 40, 150] {
        let bundle = dir.path().join(format!("killed-{delay_ms}"));
        let mut child = std::process::Command::new(umoci_bin())
            .args([
                "unpack",
                "--rootless",
                "--image",
                &image,
                "--store",
                s(&store),
                s(&bundle),
            ])
            .env_remove("UMOCI_STORE")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever is visible is whole.
        if store.exists() {
            store_fsck(&store).ok();
        }
    }
    let plain = dir.path().join("plain");
    umoci(&["unpack", "--rootless", "--image", &image, s(&plain)]).ok();
    let after = dir.path().join("after");
    unpack_with(&layout, &after, &store, "auto", &["--rootless"]).ok();
    assert_same_bundle(&plain, &after);
    // gc clears what the killed runs left in tmp/.
    umoci(&["store", "gc", "--store", s(&store), "--layout", s(&layout)]).ok();
    assert_eq!(std::fs::read_dir(store.join("tmp")).unwrap().count(), 0);
    unpack_with(
        &layout,
        &dir.path().join("again"),
        &store,
        "auto",
        &["--rootless"],
    )
    .ok();
}

#[test]
fn a_damaged_store_costs_a_read_of_the_layer_not_a_wrong_bundle() {
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    let plain = dir.path().join("plain");
    plain_unpack(&layout, &plain, &["--rootless"]);
    let store = dir.path().join("store");
    unpack_with(
        &layout,
        &dir.path().join("first"),
        &store,
        "copy",
        &["--rootless"],
    )
    .ok();
    // A flipped byte in a listing, and a missing object.
    let listing = std::fs::read_dir(store.join("layers"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&listing).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&listing, bytes).unwrap();
    let object = std::fs::read_dir(store.join("objects"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(object).unwrap();
    let fsck = store_fsck(&store);
    assert_eq!(fsck.status, 1, "{}", fsck.stdout);
    let after = dir.path().join("after");
    unpack_with(&layout, &after, &store, "copy", &["--rootless"]).ok();
    assert_same_bundle(&plain, &after);
    store_fsck(&store).ok();
    // An intact listing whose object went missing: found while replaying,
    // the rootfs is started again with that layer read from its blob.
    for entry in std::fs::read_dir(store.join("objects")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let again = dir.path().join("again");
    let run = unpack_with(&layout, &again, &store, "copy", &["--rootless"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("names a missing or changed object"),
        "{}",
        run.stderr
    );
    assert_same_bundle(&plain, &again);
    // raw unpack takes the store too, and makes the same rootfs.
    let raw = dir.path().join("raw-rootfs");
    let image = image_arg(&layout, "latest");
    umoci(&[
        "raw",
        "unpack",
        "--rootless",
        "--image",
        &image,
        "--store",
        s(&store),
        s(&raw),
    ])
    .ok();
    assert_eq!(tree(&plain.join("rootfs")), tree(&raw));
}

#[test]
fn a_store_others_could_change_is_refused() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let bundle = dir.path().join("b");
    let image = image_arg(&layout, "latest");
    unpack_with(&layout, &bundle, &open, "auto", &["--rootless"])
        .fails_with("lets others write to it");
    assert!(!bundle.join("rootfs").exists());
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&open, &link).unwrap();
    unpack_with(&layout, &bundle, &link, "auto", &["--rootless"]).fails_with("open");
    if rustix::process::geteuid().is_root() {
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        umoci(&[
            "unpack",
            "--image",
            &image,
            "--store",
            s(&theirs),
            s(&bundle),
        ])
        .fails_with("belongs to uid 65534");
    }
    // Never inside the rootfs it fills, nor around it.
    let inside = dir.path().join("in");
    umoci(&[
        "unpack",
        "--rootless",
        "--image",
        &image,
        "--store",
        s(&inside.join("rootfs/store")),
        s(&inside),
    ])
    .fails_with("one inside the other");
    assert!(!inside.join("rootfs").exists());
    let around = dir.path().join("around");
    unpack_with(
        &layout,
        &around.join("bundle"),
        &around,
        "auto",
        &["--rootless"],
    )
    .fails_with("one inside the other");
    // Also when named relative to the working directory, through
    // directories that do not exist yet.
    let nested = dir.path().join("nested");
    let run = std::process::Command::new(umoci_bin())
        .current_dir(dir.path())
        .args([
            "unpack",
            "--rootless",
            "--image",
            &image,
            "--store",
            "nested/rootfs/x/st",
            "nested",
        ])
        .env_remove("UMOCI_STORE")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stderr).contains("one inside the other"));
    assert!(!nested.join("rootfs").exists());
    // A store made here is private.
    let made = dir.path().join("made/store");
    unpack_with(&layout, &bundle, &made, "auto", &["--rootless"]).ok();
    assert_eq!(std::fs::metadata(&made).unwrap().mode() & 0o7777, 0o700);
    umoci(&[
        "unpack",
        "--rootless",
        "--image",
        &image,
        "--store-link",
        "copy",
        s(&dir.path().join("c")),
    ])
    .fails_with("--store-link needs a store");
}

#[test]
fn the_environment_names_the_store_and_gc_keeps_what_layouts_use() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "hello");
    let other = every_kind_image(dir.path());
    let store = dir.path().join("store");
    let env = [("UMOCI_STORE", s(&store))];
    let image = image_arg(&layout, "latest");
    rootless_unpack_env(&layout, &dir.path().join("a"), &env);
    rootless_unpack_env(&other, &dir.path().join("b"), &env);
    // An empty UMOCI_STORE is no store.
    let none = dir.path().join("none");
    umoci_env(
        &["unpack", "--rootless", "--image", &image, s(&none)],
        &[("UMOCI_STORE", "")],
    )
    .ok();
    assert!(!none.join("umoci.store.json").exists());
    let du = umoci_env(&["store", "du"], &env).ok();
    assert!(du.contains("layers         3"), "{du}");
    assert!(du.contains("bundles        2"), "{du}");
    // Only the hello image's layer is kept.
    umoci(&["store", "gc", "--store", s(&store), "--layout", s(&layout)]).ok();
    let du = umoci_env(&["store", "du"], &env).ok();
    assert!(du.contains("layers         1"), "{du}");
    store_fsck(&store).ok();
    // The kept layer still checks out without reading its blob.
    let copy = dir.path().join("copy");
    copy_tree(&layout, &copy);
    spoil_layer_blobs(&copy);
    rootless_unpack_env(&copy, &dir.path().join("c"), &env);
    // A layout that cannot be read stops gc before it removes anything.
    umoci(&[
        "store",
        "gc",
        "--store",
        s(&store),
        "--layout",
        s(&dir.path().join("missing")),
    ])
    .fails_with("missing");
    let du = umoci_env(&["store", "du"], &env).ok();
    assert!(du.contains("layers         1"), "{du}");
}

#[test]
fn an_image_cannot_claim_a_stored_layer_by_naming_its_diff_id() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let store = dir.path().join("store");
    unpack_with(
        &hello,
        &dir.path().join("a"),
        &store,
        "auto",
        &["--rootless"],
    )
    .ok();
    // Another image whose config names hello's diff ID over a layer of
    // its own, and one whose layer blob is gone.
    let diff_id = stat_json(&hello, "latest")["config"]["blob"]["rootfs"]["diff_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let layout = new_image(dir.path(), "claim", "latest");
    let layer = LayerBuilder::new()
        .file("mine", b"mine", 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &layer, "gzip");
    crate::common::layers::edit_config(&layout, "latest", |c| {
        c.rootfs.diff_ids = vec![diff_id.parse().unwrap()];
    });
    let run = unpack_with(
        &layout,
        &dir.path().join("b"),
        &store,
        "auto",
        &["--rootless"],
    );
    run.fails_with("diffid mismatch");
    assert!(!dir.path().join("b/rootfs/bin").exists());
    let gone = dir.path().join("gone");
    copy_tree(&hello, &gone);
    let blob = stat_json(&gone, "latest")["manifest"]["blob"]["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    std::fs::remove_file(gone.join("blobs/sha256").join(blob)).unwrap();
    let run = unpack_with(
        &gone,
        &dir.path().join("c"),
        &store,
        "auto",
        &["--rootless"],
    );
    run.fails_with("is missing");
    // Nor a layer descriptor whose size is not its blob's (a plain unpack
    // refuses it when it reads the blob; the store must not replay it).
    let lying = dir.path().join("lying");
    copy_tree(&hello, &lying);
    crate::common::layers::edit_manifest(&lying, "latest", |m| m.layers[0].size = 999);
    let image = image_arg(&lying, "latest");
    umoci(&[
        "unpack",
        "--rootless",
        "--image",
        &image,
        s(&dir.path().join("d")),
    ])
    .fails_with("sha256:");
    let run = unpack_with(
        &lying,
        &dir.path().join("e"),
        &store,
        "auto",
        &["--rootless"],
    );
    // Replayed, it would have succeeded.
    assert_eq!(run.status, 1, "{}", run.stderr);
}

#[test]
fn a_directory_replaced_by_a_file_keeps_the_files_times_and_shared_inodes_keep_theirs() {
    let dir = tempdir();
    let entry = |kind: tar::EntryType, name: &str, mtime: u64, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(0o755);
        h.set_mtime(mtime);
        h.set_size(data.len() as u64);
        h.set_path(name).unwrap();
        h.set_cksum();
        (h, data.to_vec())
    };
    let build = |entries: Vec<(tar::Header, Vec<u8>)>| {
        let mut b = tar::Builder::new(Vec::new());
        for (h, d) in entries {
            b.append(&h, d.as_slice()).unwrap();
        }
        b.into_inner().unwrap()
    };
    // The victim: a file `e` with content C and its own time.
    let victim = new_image(dir.path(), "victim", "latest");
    add_layer(
        &victim,
        "latest",
        &build(vec![entry(
            tar::EntryType::Regular,
            "e",
            1_200_000_000,
            b"C",
        )]),
        "gzip",
    );
    // The attacker: `d/` then `d/x`, then a file `d` with the same content,
    // owner, mode and time as the victim's `e`.
    let hostile = new_image(dir.path(), "hostile", "latest");
    add_layer(
        &hostile,
        "latest",
        &build(vec![
            entry(tar::EntryType::Directory, "d/", 1_000_000_000, b""),
            entry(tar::EntryType::Regular, "d/x", 1_000_000_000, b"x"),
            entry(tar::EntryType::Regular, "d", 1_200_000_000, b"C"),
        ]),
        "gzip",
    );
    let plain = dir.path().join("plain");
    plain_unpack(&hostile, &plain, &["--rootless"]);
    assert_eq!(
        std::fs::metadata(plain.join("rootfs/d")).unwrap().mtime(),
        1_200_000_000
    );
    let store = dir.path().join("store");
    let one = dir.path().join("one");
    unpack_with(&victim, &one, &store, "hardlink", &["--rootless"]).ok();
    unpack_with(
        &hostile,
        &dir.path().join("two"),
        &store,
        "hardlink",
        &["--rootless"],
    )
    .ok();
    assert_eq!(
        std::fs::metadata(one.join("rootfs/e")).unwrap().mtime(),
        1_200_000_000
    );
}

#[test]
fn planted_or_edited_store_copies_never_reach_a_new_bundle() {
    if !running_as_root("a privileged unpack beside rootless ones needs root") {
        return;
    }
    let dir = tempdir();
    let layout = every_kind_image(dir.path());
    let store = dir.path().join("store");
    let plain = |name: &str, extra: &[&str]| {
        let bundle = dir.path().join(name);
        plain_unpack(&layout, &bundle, extra);
        bundle
    };
    let rootless_plain = plain("plain-rootless", &["--rootless"]);
    let root_plain = plain("plain-root", &[]);
    let a = dir.path().join("a");
    unpack_with(&layout, &a, &store, "hardlink", &["--rootless"]).ok();
    let hex = |p: &Path| {
        umoci::spec::Digest::sha256_of(&std::fs::read(p).unwrap()).to_string()["sha256:".len()..]
            .to_owned()
    };
    // Every link copy of `big` becomes a symlink to a host file.
    let big = hex(&a.join("rootfs/big"));
    for entry in std::fs::read_dir(store.join("links")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.starts_with(&format!("{big}-")) {
            std::fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink("/etc/shadow", &path).unwrap();
        }
    }
    // Bundle files edited in place (metadata only: mode, owner).
    std::fs::set_permissions(
        a.join("rootfs/same-1"),
        std::fs::Permissions::from_mode(0o4777),
    )
    .unwrap();
    std::os::unix::fs::chown(a.join("rootfs/same-other-owner"), Some(1234), Some(1234)).unwrap();
    // A directory where a link copy of `usr-bin-su` should be.
    let su = hex(&a.join("rootfs/usr-bin-su"));
    for entry in std::fs::read_dir(store.join("links")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(&format!("{su}-"))
        {
            std::fs::remove_file(&path).unwrap();
            std::fs::create_dir(&path).unwrap();
        }
    }
    let b = dir.path().join("b");
    let run = unpack_with(&layout, &b, &store, "hardlink", &["--rootless"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("not what its name says"),
        "{}",
        run.stderr
    );
    assert_same_bundle(&rootless_plain, &b);
    // A bundle's file edited in place (content): the store's content copy
    // is that inode, and a new link copy made from it is checked.
    let cap = a.join("rootfs/cap");
    let mut f = std::fs::OpenOptions::new().write(true).open(&cap).unwrap();
    std::io::Write::write_all(&mut f, b"BAD").unwrap();
    drop(f);
    let c = dir.path().join("c");
    let run = unpack_with(&layout, &c, &store, "hardlink", &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("changed since it was stored")
            || run.stderr.contains("missing or changed object"),
        "{}",
        run.stderr
    );
    assert_same_bundle(&root_plain, &c);
}
