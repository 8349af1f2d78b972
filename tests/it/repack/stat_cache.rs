//! The stat cache beside a bundle's manifest spares a repack reading the
//! files it vouches for, in every part of the tree (the root's own files
//! and each top-level directory, which the walk reads on different
//! threads), and never vouches for a file changed since.

use super::*;

/// Names of files a repack opened, from an `strace -e openat` log.
fn opened(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter_map(|l| l.split('"').nth(1))
        .map(|name| name.rsplit('/').next().unwrap_or(name).to_owned())
        .collect()
}

#[test]
fn a_repack_reads_only_the_files_the_stat_cache_cannot_vouch_for() {
    if !have_tool("strace") {
        return;
    }
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let rootfs = bundle.join("rootfs");
    let cached = [
        "cached-root-1",
        "cached-root-2",
        "a/cached-a",
        "a/b/cached-ab",
        "a/b/edited-same-size",
        "c/cached-c",
        "c/d/e/cached-cde",
        "z/cached-z",
    ];
    for path in cached {
        let path = rootfs.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("content of {}", path.display())).unwrap();
    }
    // The bundle's manifest and stat cache now cover every file.
    repack(&layout, "cached", &bundle, &["--refresh-bundle"]).ok();

    let edited = rootfs.join("a/b/edited-same-size");
    let before = std::fs::metadata(&edited).unwrap();
    let text = std::fs::read(&edited).unwrap();
    std::fs::write(&edited, text.to_ascii_uppercase()).unwrap();
    let times = std::fs::FileTimes::new().set_modified(before.modified().unwrap());
    std::fs::File::options()
        .write(true)
        .open(&edited)
        .unwrap()
        .set_times(times)
        .unwrap();

    let log = dir.path().join("strace.log");
    let out = run(
        "strace",
        &[
            "-f",
            "-qq",
            "-e",
            "trace=openat,open,openat2",
            "-o",
            s(&log),
            umoci_bin(),
            "repack",
            "--image",
            &image_arg(&layout, "next"),
            s(&bundle),
        ],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let opened = opened(&log);
    assert!(
        opened.iter().any(|n| n == "edited-same-size"),
        "the edited file was never read: {opened:?}"
    );
    for path in cached.iter().filter(|p| !p.ends_with("edited-same-size")) {
        let name = path.rsplit('/').next().unwrap();
        assert!(
            !opened.iter().any(|n| n == name),
            "{path} was read though the stat cache vouches for it"
        );
    }
    let listing = layer_listing(&layout, "next", 1);
    assert_eq!(listing, ["a/b/edited-same-size"], "{listing:?}");
}
