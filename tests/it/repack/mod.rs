//! `repack`, `insert` and `raw add-layer`: changes to a rootfs come back
//! out of a fresh unpack exactly as they were made.

mod appending;
mod compression;
mod refusals;
mod round_trip;
mod stat_cache;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::*;

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
