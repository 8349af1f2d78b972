//! Layers whose meaning depends on the tar reader: each is unpacked by us
//! and by Debian's umoci (Go's `archive/tar`), and the trees must agree
//! entry by entry: kind, content, link target, mode, owner and mtime.
//! Another reader (the `tar` crate, which we used before) unpacks several
//! of these to a different tree, or not at all.

use crate::common::layers::{add_layer, new_image};
use crate::common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const MTIME: u64 = 1_600_000_000;

/// One raw USTAR header block with a correct checksum.
fn header(name: &[u8], flag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = tar::Header::new_ustar();
    h.as_mut_bytes()[..name.len()].copy_from_slice(name);
    h.as_mut_bytes()[157..157 + link.len()].copy_from_slice(link);
    h.set_mode(if flag == b'5' || flag == 0 {
        0o755
    } else {
        0o644
    });
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(MTIME);
    h.set_size(size);
    h.as_mut_bytes()[156] = flag;
    h.set_cksum();
    *h.as_bytes()
}

/// Raw PAX records (each given whole, length prefix included) as an `x`
/// header and its data.
fn pax(records: &[u8]) -> Vec<u8> {
    let mut out = header(b"PaxHeaders/x", b'x', records.len() as u64, b"").to_vec();
    out.extend_from_slice(records);
    pad(&mut out);
    out
}

/// A PAX record with its length computed.
fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut n = body + body.to_string().len();
    if body + n.to_string().len() != n {
        n = body + n.to_string().len();
    }
    [format!("{n} {key}=").as_bytes(), value, b"\n"].concat()
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn file(out: &mut Vec<u8>, name: &[u8], data: &[u8]) {
    out.extend_from_slice(&header(name, b'0', data.len() as u64, b""));
    out.extend_from_slice(data);
    pad(out);
}

/// The layer: one case per directory.
fn odd_layer() -> Vec<u8> {
    let mut t = Vec::new();
    // A directory and a symlink whose headers claim data: there is none,
    // the next header follows at once.
    t.extend_from_slice(&header(b"sized/", b'5', 1024, b""));
    t.extend_from_slice(&header(b"sized/link", b'2', 700, b"target"));
    file(&mut t, b"sized/after", b"after the sized entries\n");
    // Pre-POSIX regular files: a trailing slash makes a directory.
    t.extend_from_slice(&header(b"old/", 0, 0, b""));
    t.extend_from_slice(&header(b"old/dir/", 0, 0, b""));
    t.extend_from_slice(&header(b"old/file", 0, 4, b""));
    t.extend_from_slice(b"old\n");
    pad(&mut t);
    // Empty PAX values leave the header's fields alone; '+' and leading
    // zeros in a record's length are numbers to Go.
    t.extend_from_slice(&header(b"pax/", b'5', 0, b""));
    let mut records = record("path", b"");
    records.extend_from_slice(&record("uid", b""));
    records.extend_from_slice(&record("mtime", b""));
    records.extend_from_slice(b"+15 uname=plus\n");
    records.extend_from_slice(b"015 gname=zero\n");
    t.extend_from_slice(&pax(&records));
    file(&mut t, b"pax/kept-name", b"empty values\n");
    // Two PAX headers in a row: the second replaces the first whole.
    t.extend_from_slice(&pax(&[
        record("path", b"pax/first"),
        record("mtime", b"1234"),
    ]
    .concat()));
    t.extend_from_slice(&pax(&record("path", b"pax/second")));
    file(&mut t, b"pax/unnamed", b"second wins\n");
    // A GNU long name wins over a PAX path.
    t.extend_from_slice(&pax(&record("path", b"pax/by-pax")));
    let long = b"pax/by-gnu-long-name";
    let mut l = header(b"././@LongLink", b'L', long.len() as u64 + 1, b"").to_vec();
    l[257..265].copy_from_slice(b"ustar  \0");
    let mut h = tar::Header::from_byte_slice(&l[..512]).clone();
    h.set_cksum();
    t.extend_from_slice(h.as_bytes());
    t.extend_from_slice(long);
    t.push(0);
    pad(&mut t);
    file(&mut t, b"pax/short", b"gnu wins\n");
    // GNU sparse files in PAX, formats 0.1 and 1.0: expanded.
    t.extend_from_slice(&header(b"sparse/", b'5', 0, b""));
    t.extend_from_slice(&pax(&[
        record("GNU.sparse.major", b"0"),
        record("GNU.sparse.minor", b"1"),
        record("GNU.sparse.name", b"sparse/v01"),
        record("GNU.sparse.size", b"10000"),
        record("GNU.sparse.numblocks", b"2"),
        record("GNU.sparse.map", b"0,3,9000,4"),
    ]
    .concat()));
    file(&mut t, b"sparse/GNUSparseFile.0/v01", b"abcwxyz");
    t.extend_from_slice(&pax(&[
        record("GNU.sparse.major", b"1"),
        record("GNU.sparse.minor", b"0"),
        record("GNU.sparse.name", b"sparse/v10"),
        record("GNU.sparse.realsize", b"8192"),
    ]
    .concat()));
    let mut data = b"1\n4096\n5\n".to_vec();
    pad(&mut data);
    data.extend_from_slice(b"hello");
    file(&mut t, b"sparse/GNUSparseFile.0/v10", &data);
    // A whiteout is a whiteout whatever its type.
    t.extend_from_slice(&header(b"gone/", b'5', 0, b""));
    file(&mut t, b"gone/a", b"a\n");
    file(&mut t, b"gone/b", b"b\n");
    file(&mut t, b"gone/c", b"c\n");
    // An owner of -1 leaves the owner alone (lchown's meaning).
    t.extend_from_slice(&pax(&record("uid", b"-1")));
    file(&mut t, b"pax/uid-minus-one", b"owner kept\n");
    t.extend_from_slice(&[0u8; 1024]);
    t
}

fn second_layer() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&header(b"gone/.wh.a", b'2', 0, b"whatever"));
    t.extend_from_slice(&header(b"gone/.wh.b", b'5', 0, b""));
    // Nobody looks at a whiteout's owner.
    t.extend_from_slice(&pax(&record("uid", b"-5")));
    t.extend_from_slice(&header(b"gone/.wh.c", b'0', 0, b""));
    t.extend_from_slice(&[0u8; 1024]);
    t
}

/// Every entry of a tree with what the layer decided about it.
fn describe(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = snapshot(root);
    for (path, what) in out.iter_mut() {
        let md = std::fs::symlink_metadata(root.join(path)).unwrap();
        let size = if md.is_file() { md.len() } else { 0 };
        *what = format!(
            "{what} mode={:o} uid={} gid={} mtime={} size={size}",
            md.mode(),
            md.uid(),
            md.gid(),
            md.mtime()
        );
    }
    out
}

#[test]
fn odd_tar_layers_unpack_to_the_tree_debian_umoci_makes() {
    if !have_tool("umoci") || !running_as_root("Debian's umoci unpacks owners as root") {
        return;
    }
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &odd_layer(), "gzip");
    add_layer(&layout, "latest", &second_layer(), "gzip");
    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    unpack(&layout, "latest", &ours).ok();
    debian_unpack(&layout, "latest", &theirs).ok();
    let ours = describe(&ours.join("rootfs"));
    let theirs = describe(&theirs.join("rootfs"));
    assert_eq!(ours, theirs);
    // And the cases mean what they say.
    let has = |p: &str| ours.get(Path::new(p)).cloned().unwrap_or_default();
    assert!(has("sized/after").contains("mode=100644"), "{ours:#?}");
    assert!(has("old/dir").starts_with("<dir>"), "{ours:#?}");
    assert!(
        has("pax/kept-name").contains("mtime=1600000000"),
        "{ours:#?}"
    );
    assert!(has("pax/second").contains("mtime=1600000000"), "{ours:#?}");
    assert!(has("pax/by-gnu-long-name").contains("size=9"), "{ours:#?}");
    assert!(has("sparse/v01").contains("size=10000"), "{ours:#?}");
    assert!(has("sparse/v10").contains("size=8192"), "{ours:#?}");
    assert!(!ours.contains_key(Path::new("gone/a")), "{ours:#?}");
    assert!(!ours.contains_key(Path::new("gone/b")), "{ours:#?}");
    assert!(!ours.contains_key(Path::new("gone/c")), "{ours:#?}");
    assert!(has("pax/uid-minus-one").contains("uid=0"), "{ours:#?}");
}

#[test]
fn sparse_files_read_back_with_their_holes() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    add_layer(&layout, "latest", &odd_layer(), "gzip");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    let v01 = std::fs::read(rootfs.join("sparse/v01")).unwrap();
    let mut expected = vec![0u8; 10000];
    expected[..3].copy_from_slice(b"abc");
    expected[9000..9004].copy_from_slice(b"wxyz");
    assert_eq!(v01, expected);
    let v10 = std::fs::read(rootfs.join("sparse/v10")).unwrap();
    let mut expected = vec![0u8; 8192];
    expected[4096..4101].copy_from_slice(b"hello");
    assert_eq!(v10, expected);
    assert_eq!(
        std::fs::read(rootfs.join("sized/after")).unwrap(),
        b"after the sized entries\n"
    );
    assert_eq!(
        std::fs::read_link(rootfs.join("sized/link")).unwrap(),
        Path::new("target")
    );
}
