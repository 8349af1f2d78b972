//! Hostile and broken images: each ends in a clear error or a neutralised
//! entry, with bounded memory, and nothing outside the bundle touched.

use std::path::Path;

use crate::common::layers::{add_layer, add_layer_streamed, new_image, LayerBuilder};
use crate::common::*;

/// Runs our unpack under `/usr/bin/time` and returns (run, peak RSS in KiB).
fn unpack_measured(layout: &Path, tag: &str, bundle: &Path) -> (Run, u64) {
    measured("unpack", layout, tag, bundle)
}

/// Runs `umoci COMMAND --image LAYOUT:TAG BUNDLE` under `/usr/bin/time`
/// and returns (run, peak RSS in KiB).
fn measured(command: &str, layout: &Path, tag: &str, bundle: &Path) -> (Run, u64) {
    let report = bundle.with_extension(format!("{command}.time"));
    umoci_measured(
        &[command, "--image", &image_arg(layout, tag), s(bundle)],
        &report,
    )
}

#[test]
fn deep_directory_chains_unpack_validate_and_repack() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let mut b = LayerBuilder::new();
    let mut path = String::new();
    for _ in 0..1500 {
        path.push_str("d/");
        b.long_file(&format!("{path}f"), b"x");
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    assert!(bundle.join("rootfs").join(&path).join("f").is_file());
    mtree_validate(&bundle, &["--umoci-keywords"]).ok();
    std::fs::write(bundle.join("rootfs").join(&path).join("g"), b"y").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();
}

#[test]
fn paths_longer_than_the_kernel_allows_are_a_clear_error() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let long = format!("{}/file", "a".repeat(250));
    let deep: String = (0..40)
        .map(|_| format!("{}/", "n".repeat(200)))
        .collect::<String>()
        + "f";
    assert!(deep.len() > 4096);
    let tar = LayerBuilder::new()
        .long_file(&long, b"ok")
        .long_file(&deep, b"too deep")
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let bundle = dir.path().join("bundle");
    let line = unpack(&layout, "latest", &bundle).fails_with("nnnn");
    assert!(line.to_lowercase().contains("too long"), "{line}");
    assert!(!bundle.join("rootfs").exists());
}

#[test]
fn a_compression_bomb_streams_in_bounded_memory() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    // 128 MiB of zeros: ~130 KiB compressed.
    let zeros = vec![0u8; 128 << 20];
    let tar = LayerBuilder::new()
        .file("zeros", &zeros, 0o644, 0, 0)
        .finish();
    drop(zeros);
    add_layer(&layout, "latest", &tar, "gzip");
    drop(tar);
    let bundle = dir.path().join("bundle");
    let (out, rss) = unpack_measured(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::metadata(bundle.join("rootfs/zeros"))
            .unwrap()
            .len(),
        128 << 20
    );
    assert!(rss > 0 && rss < 64 * 1024, "peak RSS {rss} KiB");
}

#[test]
fn many_tiny_entries_stay_within_memory_bounds() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let mut b = LayerBuilder::new();
    for d in 0..40 {
        b.dir(&format!("d{d}"), 0o755, 0, 0);
        for f in 0..500 {
            b.file(&format!("d{d}/f{f}"), b"", 0o644, 0, 0);
        }
    }
    add_layer(&layout, "latest", &b.finish(), "zstd");
    let bundle = dir.path().join("bundle");
    let (out, rss) = unpack_measured(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB for 20k entries");
}

#[test]
fn truncated_and_corrupt_streams_fail_and_name_the_layer() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let tar = LayerBuilder::new()
        .file("f", &vec![7u8; 100_000], 0o644, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let stat = stat_json(&layout, "latest");
    let layer = stat["manifest"]["blob"]["layers"][0].clone();
    let digest = layer["digest"].as_str().unwrap().to_owned();
    let blob = layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));

    // A truncated blob is caught by its size before anything is written.
    let truncated = dir.path().join("truncated");
    copy_tree(&layout, &truncated);
    let tblob = truncated
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&tblob, &bytes[..bytes.len() / 2]).unwrap();
    umoci(&[
        "unpack",
        "--image",
        &image_arg(&truncated, "latest"),
        s(&dir.path().join("b1")),
    ])
    .fails_with(&digest);

    // Garbage of the right size fails the digest (or the decompressor).
    let garbage = dir.path().join("garbage");
    copy_tree(&layout, &garbage);
    let gblob = garbage
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::write(&gblob, vec![0x55u8; bytes.len()]).unwrap();
    let run = umoci(&[
        "unpack",
        "--image",
        &image_arg(&garbage, "latest"),
        s(&dir.path().join("b2")),
    ]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains(&digest), "{}", run.stderr);
    assert!(!dir.path().join("b2/rootfs").exists());
}

#[test]
fn whiteouts_and_links_aimed_outside_do_nothing_outside() {
    let dir = tempdir();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("victim"), b"keep me").unwrap();
    let before = snapshot(&outside);
    let layout = new_image(dir.path(), "img", "latest");
    let rel = "../../../../../../../..".to_owned() + &outside.display().to_string();
    let tar = LayerBuilder::new()
        .symlink("out", &rel)
        .symlink("abs", &outside.display().to_string())
        .whiteout("out/.wh.victim")
        .whiteout("abs/.wh.victim")
        .whiteout("../.wh.outside")
        .whiteout("abs/.wh..wh..opq")
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    assert_eq!(snapshot(&outside), before);
}

#[test]
fn lying_descriptors_and_deep_index_chains_are_refused() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let before = snapshot(&hello);
    // index.json claims a different manifest size.
    let mut index = read_json(&hello.join("index.json"));
    let size = index["manifests"][0]["size"].as_i64().unwrap();
    for lie in [size - 1, size + 1, 1 << 40] {
        index["manifests"][0]["size"] = serde_json::json!(lie);
        std::fs::write(
            hello.join("index.json"),
            serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
        let run = umoci(&[
            "unpack",
            "--image",
            &image_arg(&hello, "latest"),
            s(&dir.path().join("b")),
        ]);
        assert_eq!(run.status, 1, "size {lie} accepted");
        assert!(!dir.path().join("b/rootfs").exists());
    }
    index["manifests"][0]["size"] = serde_json::json!(size);
    std::fs::write(
        hello.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    assert_eq!(snapshot(&hello).len(), before.len());

    // A chain of 40 nested indexes above the manifest: bounded, clear error.
    let chain = copy_hello(dir.path(), "chain");
    let mut child = read_json(&chain.join("index.json"))["manifests"][0].clone();
    child["annotations"] = serde_json::Value::Null;
    let mut child =
        serde_json::from_value::<serde_json::Map<String, serde_json::Value>>(child).unwrap();
    child.remove("annotations");
    for _ in 0..40 {
        let blob = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [child]})).unwrap();
        let digest = umoci::spec::Digest::sha256_of(&blob);
        std::fs::write(chain.join("blobs/sha256").join(digest.hex()), &blob).unwrap();
        child = serde_json::from_value(serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest.to_string(), "size": blob.len()})).unwrap();
    }
    child.insert(
        "annotations".into(),
        serde_json::json!({"org.opencontainers.image.ref.name": "deep"}),
    );
    let top = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [child]});
    std::fs::write(chain.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    let run = umoci(&["stat", "--image", &image_arg(&chain, "deep")]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(
        run.stderr.to_lowercase().contains("deep")
            || run.stderr.contains("depth")
            || run.stderr.contains("nest"),
        "{}",
        run.stderr
    );
    // gc refuses rather than guess what the chain keeps alive.
    let kept = snapshot(&chain);
    umoci(&["gc", "--layout", s(&chain)]).fails_with("nested too deeply");
    assert_eq!(snapshot(&chain), kept);
}

/// Writes `value` into a 12-byte tar number field in base-256, as GNU tar
/// does for numbers too large for octal.
fn base256(field: &mut [u8; 12], value: u64) {
    field.fill(0);
    field[0] = 0x80;
    field[4..].copy_from_slice(&value.to_be_bytes());
}

fn owned_by_root(h: &mut tar::Header) {
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
}

/// Writes a header with `size`, then `size` zero bytes and the padding.
fn zero_entry(w: &mut dyn std::io::Write, kind: tar::EntryType, size: u64) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_path("bomb").unwrap();
    h.set_mode(0o644);
    owned_by_root(&mut h);
    h.set_size(size);
    h.set_cksum();
    w.write_all(h.as_bytes()).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = size + (512 - size % 512) % 512;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
}

/// Ends a tar stream with one ordinary file and the two zero blocks.
fn finish_tar(w: &mut dyn std::io::Write) {
    let mut h = tar::Header::new_gnu();
    h.set_path("after").unwrap();
    h.set_mode(0o644);
    owned_by_root(&mut h);
    h.set_size(0);
    h.set_cksum();
    w.write_all(h.as_bytes()).unwrap();
    w.write_all(&[0u8; 1024]).unwrap();
}

#[test]
fn header_bombs_are_refused_in_bounded_memory() {
    // A PAX header or GNU long name of 1 GiB of zeros is 1 MiB of gzip;
    // a parser that reads headers whole would allocate the full GiB.
    for kind in [tar::EntryType::XHeader, tar::EntryType::GNULongName] {
        let dir = tempdir();
        let layout = new_image(dir.path(), "img", "latest");
        add_layer_streamed(&layout, "latest", |w| {
            zero_entry(w, kind, 1 << 30);
            finish_tar(w);
        });
        let bundle = dir.path().join("bundle");
        let (out, rss) = unpack_measured(&layout, "latest", &bundle);
        assert_ne!(out.status, 0, "{kind:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("holds more than 1 MiB"),
            "{kind:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("sha256:"),
            "names the layer: {}",
            out.stderr
        );
        assert!(rss > 0 && rss < 96 * 1024, "{kind:?}: peak RSS {rss} KiB");
        assert!(!bundle.join("rootfs").exists());
    }
}

#[test]
fn a_sparse_file_bigger_than_the_disk_is_refused_up_front() {
    // One data byte at the end of a 1 PiB hole, in GNU's PAX sparse
    // format, which Go's reader (and so upstream) expands: a few hundred
    // bytes of layer that would otherwise write zeros until the disk is
    // full.
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let huge: u64 = 1 << 50;
    let (size, map) = (huge.to_string(), format!("{},1", huge - 1));
    let mut b = LayerBuilder::new();
    b.pax(&[
        ("GNU.sparse.major", b"0"),
        ("GNU.sparse.minor", b"1"),
        ("GNU.sparse.name", b"sparse"),
        ("GNU.sparse.size", size.as_bytes()),
        ("GNU.sparse.numblocks", b"1"),
        ("GNU.sparse.map", map.as_bytes()),
    ])
    .file("GNUSparseFile.0/sparse", b"x", 0o644, 0, 0);
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    let started = std::time::Instant::now();
    let line = unpack(&layout, "latest", &bundle).fails_with("sparse");
    assert!(line.contains("does not fit"), "{line}");
    assert!(started.elapsed().as_secs() < 30);
    assert!(!bundle.join("rootfs").exists());
    // Through a content store, in every way of writing files into it.
    let image = image_arg(&layout, "latest");
    for link in ["auto", "copy", "hardlink"] {
        let store = dir.path().join(format!("store-{link}"));
        let line = umoci(&[
            "unpack",
            "--image",
            &image,
            "--store",
            s(&store),
            "--store-link",
            link,
            s(&bundle),
        ])
        .fails_with("sparse");
        assert!(line.contains("does not fit"), "{link}: {line}");
        assert!(!bundle.join("rootfs").exists());
    }
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn old_gnu_sparse_entries_are_refused_as_upstream_refuses_them() {
    // Go's reader frames an old GNU sparse entry (type 'S'), extension
    // blocks and all, and upstream then refuses its type.
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer_streamed(&layout, "latest", |w| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_path("sparse").unwrap();
        h.set_mode(0o644);
        owned_by_root(&mut h);
        h.set_size(1);
        let gnu = h.as_gnu_mut().unwrap();
        base256(&mut gnu.realsize, 4096);
        base256(&mut gnu.sparse[0].offset, 4095);
        base256(&mut gnu.sparse[0].numbytes, 1);
        h.set_cksum();
        w.write_all(h.as_bytes()).unwrap();
        let mut block = [0u8; 512];
        block[0] = b'x';
        w.write_all(&block).unwrap();
        finish_tar(w);
    });
    let bundle = dir.path().join("bundle");
    let line = unpack(&layout, "latest", &bundle).fails_with("sparse");
    assert!(line.contains("unknown typeflag '\\x53'"), "{line}");
    assert!(!bundle.join("rootfs").exists());
}

fn empty_file_header(path: &str) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).unwrap();
    h.set_mode(0o644);
    owned_by_root(&mut h);
    h.set_size(0);
    h.set_cksum();
    h
}

#[test]
fn millions_of_entries_unpack_in_bounded_memory() {
    let dir = tempdir();
    // A million-inode tree is created and removed on a tmpfs in seconds,
    // and leaves ext4 nothing to reclaim that would slow the tests after it.
    let tmpfs = Tmpfs::mount(dir.path(), "size=6g,nr_inodes=4m");
    // Root gets the full size on a tmpfs; others a smaller tree on disk.
    let scale = if tmpfs.is_some() { 1000 } else { 200 };
    let layout = new_image(dir.path(), "img", "latest");
    // Layer 1: one top-level directory holding scale × 1000 files in
    // subdirectories (the mtree walk must stream it, not buffer it).
    add_layer_streamed(&layout, "latest", |w| {
        let mut tar = tar::Builder::new(w);
        for d in 0..scale {
            for f in 0..1000 {
                let h = empty_file_header(&format!("top/d{d:04}/f{f:03}"));
                tar.append(&h, std::io::empty()).unwrap();
            }
        }
        tar.finish().unwrap();
    });
    // Layer 2: a single directory of scale × 600 files, then an opaque
    // whiteout of it that must spare all of them (they are this layer's),
    // and a whiteout removing one lower directory.
    let wide = scale * 600;
    add_layer_streamed(&layout, "latest", |w| {
        let mut tar = tar::Builder::new(w);
        for f in 0..wide {
            let h = empty_file_header(&format!("wide/f{f:07}"));
            tar.append(&h, std::io::empty()).unwrap();
        }
        for name in ["wide/.wh..wh..opq", "top/.wh.d0000"] {
            tar.append(&empty_file_header(name), std::io::empty())
                .unwrap();
        }
        tar.finish().unwrap();
    });
    let bundle = match &tmpfs {
        Some(t) => t.0.join("bundle"),
        None => dir.path().join("bundle"),
    };
    let (out, rss) = unpack_measured(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let rootfs = bundle.join("rootfs");
    let count = |p: &Path| std::fs::read_dir(p).unwrap().count();
    assert_eq!(count(&rootfs.join("wide")), wide);
    assert!(!rootfs.join("top/d0000").exists());
    assert_eq!(count(&rootfs.join("top")), scale - 1);
    assert_eq!(count(&rootfs.join(format!("top/d{:04}", scale - 1))), 1000);
    let entries = scale * 1000 + wide;
    eprintln!("{entries} entries: unpack peak RSS {rss} KiB");
    assert!(rss > 0 && rss < 64 * 1024, "peak RSS {rss} KiB");

    // Repacking one change streams the manifest and the stat cache in
    // step with the walk; what still grows with the entries is the filter
    // of files the manifest records (10 bits a file) and the listing of
    // the widest directory.
    std::fs::write(rootfs.join("top/d0001/f001"), b"changed").unwrap();
    let (out, rss) = measured("repack", &layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    eprintln!("{entries} entries: repack peak RSS {rss} KiB");
    assert!(rss > 0 && rss < 96 * 1024, "repack peak RSS {rss} KiB");
    let layers = stat_json(&layout, "latest")["manifest"]["blob"]["layers"]
        .as_array()
        .unwrap()
        .len();
    let listing = layer_listing(&layout, "latest", layers - 1);
    assert_eq!(listing.len(), 1, "{listing:?}");
    assert!(listing[0].contains("top/d0001/f001"), "{listing:?}");
}

#[test]
fn a_ten_thousand_deep_chain_and_a_megabyte_path_are_clear_errors() {
    // 10,000 levels is 20,000 bytes of path: past what the kernel takes.
    let deep: String = "a/".repeat(10_000) + "f";
    let huge = "x".repeat(1 << 20);
    type Build<'a> = Box<dyn Fn(&mut LayerBuilder) + 'a>;
    let cases: Vec<(&str, Build)> = vec![
        (
            "deep chain",
            Box::new(|b: &mut LayerBuilder| {
                let mut path = String::new();
                for _ in 0..10_000 {
                    path.push_str("a/");
                    b.long_dir(&path);
                }
                b.long_file(&deep, b"bottom");
            }),
        ),
        (
            "1 MiB name",
            Box::new(|b: &mut LayerBuilder| {
                b.long_file(&huge, b"x");
            }),
        ),
        (
            "1 MiB symlink target",
            Box::new(|b: &mut LayerBuilder| {
                b.long_symlink("link", &huge);
            }),
        ),
    ];
    for (what, build) in cases {
        let dir = tempdir();
        let layout = new_image(dir.path(), "img", "latest");
        let mut b = LayerBuilder::new();
        build(&mut b);
        add_layer(&layout, "latest", &b.finish(), "gzip");
        let bundle = dir.path().join("bundle");
        let started = std::time::Instant::now();
        let (out, rss) = unpack_measured(&layout, "latest", &bundle);
        assert_ne!(out.status, 0, "{what}: {}", out.stdout);
        let line = out
            .stderr
            .trim()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        assert!(line.to_lowercase().contains("too long"), "{what}: {line}");
        assert!(
            line.len() < 4096,
            "{what}: the error quotes no megabyte path"
        );
        assert!(!bundle.join("rootfs").exists(), "{what}");
        assert!(rss < 64 * 1024, "{what}: peak RSS {rss} KiB");
        assert!(started.elapsed().as_secs() < 60, "{what}");
    }
}
