//! A tree deeper than any path: refused, cleaned up, in bounded memory.

use super::*;

// 7. A tree deeper than any path: refused, cleaned up, bounded memory.

#[test]
fn a_tree_deepened_through_symlinks_is_refused_in_bounded_memory() {
    if !have_tool("time") && !Path::new("/usr/bin/time").exists() {
        return;
    }
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    // Each link resolves into the bottom of the one before: 16 hops of a
    // thousand levels each is 16,000 levels from 1 MB of tar.
    let chain = "a/".repeat(1000);
    let mut b = LayerBuilder::new();
    b.long_file(&format!("s0/{chain}f"), b"bottom");
    for k in 1..16 {
        b.long_symlink(
            &format!("s{k}"),
            &format!("s{}/{}", k - 1, chain.trim_end_matches('/')),
        );
        b.long_file(&format!("s{k}/{chain}f"), b"deeper");
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("bundle");
    let (out, rss) = umoci_measured(
        &[
            "unpack",
            "--image",
            &image_arg(&layout, "latest"),
            s(&bundle),
        ],
        &dir.path().join("rss"),
    );
    let left: Vec<_> = std::fs::read_dir(&bundle)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    // Whatever was left, `rm` (iterative) removes it: the temporary
    // directory's own clean-up would recurse once per level.
    run("rm", &["-rf", s(&bundle)]).ok();
    assert_clear_error(&out, "deeper than");
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB");
    assert!(left.is_empty(), "half a bundle left behind: {left:?}");
}

// Whiteouts in one layer: each costs its own entry, never another walk of
// what the layer wrote beneath it.

/// A lower layer of `depth` nested directories (a file in each), and an
/// upper layer that lists every one of them again and then makes each
/// opaque, deepest last, and whites out in each a lower file (twice) and
/// the directory below.
fn nested_opaque_image(dir: &Path, depth: usize) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let level = |n: usize| "d/".repeat(n);
    let mut lower = LayerBuilder::new();
    for n in 1..=depth {
        lower.long_file(&format!("{}f", level(n)), b"lower");
    }
    add_layer(&layout, "latest", &lower.finish(), "gzip");
    let mut upper = LayerBuilder::new();
    for n in 1..=depth {
        upper.long_dir(level(n).trim_end_matches('/'));
        upper.long_file(&format!("{}g", level(n)), b"upper");
    }
    for n in 1..=depth {
        upper.long_file(&format!("{}.wh..wh..opq", level(n)), b"");
    }
    for name in [".wh.f", ".wh.f", ".wh.d"] {
        for n in 1..depth {
            upper.long_file(&format!("{}{name}", level(n)), b"");
        }
    }
    add_layer(&layout, "latest", &upper.finish(), "gzip");
    layout
}

#[test]
fn nested_opaque_directories_cost_their_entries_not_a_walk_each() {
    let dir = tempdir();
    // As deep as a path may be (4096 bytes) when resolved from the root.
    let depth = 2000;
    let layout = nested_opaque_image(dir.path(), depth);
    let rootfs = dir.path().join("rootfs");
    let out = raw_unpack_deadline(&layout, &rootfs);
    assert_eq!(out.status, 0, "{}", out.stderr);
    // The layer's own files survive, the lower ones are gone (`find`
    // walks deeper than a path may be long).
    let count = |name: &str| {
        run("find", &[s(&rootfs), "-name", name])
            .ok()
            .lines()
            .count()
    };
    assert_eq!(count("g"), depth, "the layer's own files");
    assert_eq!(count("f"), 0, "lower files under opaque directories");
    run("rm", &["-rf", s(&rootfs)]).ok();
}

// Directories made through dangling symlinks: each costs the links it
// follows once, not once per level of the path beneath them.

#[test]
fn directories_under_dangling_symlink_chains_are_made_promptly() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    // Chains of dangling links, each hop going deeper than the one before
    // (39 hops: a lookup may follow 40) by a detour as long as a link
    // target may be, with files beneath the first. Resolving every level
    // from the root took 95 s; one component at a time takes 4 s (most of
    // it the kernel making 15,000 nested directories).
    const CHAINS: usize = 96;
    let step = "a/".repeat(4);
    let detour = "x/../".repeat(800);
    let mut b = LayerBuilder::new();
    b.long_dir("x");
    for k in 0..CHAINS {
        for hop in 0..39 {
            b.long_symlink(
                &format!("c{k}_{hop}"),
                &format!("{detour}c{k}_{}/{step}", hop + 1),
            );
        }
        for f in 0..4 {
            b.long_file(&format!("c{k}_0/{step}f{f}"), b"x");
        }
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let rootfs = dir.path().join("rootfs");
    // Renames anywhere make the kernel refuse lookups that cross `..`
    // while they run; a lookup this long loses every retry, and must then
    // be done another way rather than fail.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let renamer = {
        let (stop, a) = (stop.clone(), dir.path().join("a"));
        std::fs::write(&a, b"").unwrap();
        let b = dir.path().join("b");
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::fs::rename(&a, &b).unwrap();
                std::fs::rename(&b, &a).unwrap();
            }
        })
    };
    let out = raw_unpack_deadline(&layout, &rootfs);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    renamer.join().unwrap();
    assert_eq!(out.status, 0, "{}", out.stderr);
    // Each file landed at the end of its chain.
    for k in [0, CHAINS - 1] {
        let file = rootfs
            .join(format!("c{k}_39"))
            .join(step.repeat(40))
            .join("f3");
        assert!(file.is_file(), "{} missing", file.display());
    }
    run("rm", &["-rf", s(&rootfs)]).ok();
}

// Locks: anyone who can read a layout can flock it; holding the lock for
// ever must not hang us for ever.

#[test]
fn a_lock_held_for_ever_fails_the_command_instead_of_hanging_it() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let holder = std::fs::File::open(layout.join("blobs")).unwrap();
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let image = image_arg(&layout, "latest");
    let started = Instant::now();
    let out = umoci_env(&["stat", "--image", &image], &[("UMOCI_LOCK_TIMEOUT", "2")]);
    assert!(started.elapsed() < HANG);
    assert_clear_error(&out, "still locked by another process");
    assert!(out.stderr.contains("blobs"), "{}", out.stderr);

    // A lock released while we wait is simply taken.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(holder);
    });
    let out = umoci_env(
        &["stat", "--image", &image],
        &[("UMOCI_LOCK_TIMEOUT", "1.5")],
    );
    release.join().unwrap();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("waiting for another process to release the blob lock (a gc is running) on"),
        "{}",
        out.stderr
    );
    // A limit that is no whole number of seconds is named, and the
    // default kept.
    assert!(
        out.stderr.contains("UMOCI_LOCK_TIMEOUT=\"1.5\""),
        "{}",
        out.stderr
    );
}
