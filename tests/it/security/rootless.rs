//! Rootless work: modes held back or opened up are restored on the very
//! inodes they were taken from, never through a swapped name.

use super::*;

// 1. Rootless unpack: directory modes held back until the end must never
//    land on whatever the path has become by then.

/// A layer with directories of open modes that a later entry (in the same
/// layer, and in the next) replaces with symlinks to the sentinels.
fn deferred_mode_image(dir: &Path, sentinels: &Sentinels) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let tar = LayerBuilder::new()
        .dir("keys", 0o777, 0, 0)
        .dir("home", 0o700, 0, 0)
        .symlink("keys", s(&sentinels.file))
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let tar = LayerBuilder::new()
        .dir("home", 0o000, 0, 0)
        .symlink("home", s(&sentinels.dir))
        .dir("again", 0o777, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let tar = LayerBuilder::new()
        .symlink("again", s(&sentinels.dir))
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    layout
}

#[test]
fn rootless_unpack_never_changes_modes_outside_the_bundle() {
    let dir = tempdir();
    let sentinels = Sentinels::new(dir.path());
    let layout = deferred_mode_image(dir.path(), &sentinels);
    let bundle = dir.path().join("bundle");
    umoci(&[
        "unpack",
        "--rootless",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ])
    .ok();
    sentinels.assert_untouched();
    assert!(std::fs::symlink_metadata(bundle.join("rootfs/keys"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn rootless_unpack_as_a_user_never_changes_that_users_files() {
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let work = work_dir_for_user(dir.path());
    let sentinels = Sentinels::new(dir.path());
    let layout = deferred_mode_image(&work, &sentinels);
    give_to_user(&work);
    sentinels.give_to_user();
    let bundle = work.join("bundle");
    let out = unpack_as_user(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);
    sentinels.assert_untouched();
}

// 6. Rootless repack opens up unreadable directories and restores their
//    modes through a handle, however the rootfs changes meanwhile.

#[test]
fn rootless_repack_restores_modes_on_the_inode_it_opened() {
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    let work = work_dir_for_user(dir.path());
    let sentinels = Sentinels::new(dir.path());
    let layout = new_image(&work, "img", "latest");
    let mut b = LayerBuilder::new();
    b.dir("locked", 0o000, 0, 0);
    for i in 0..200 {
        b.file(&format!("locked/f{i}"), b"x", 0o000, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    give_to_user(&work);
    sentinels.give_to_user();
    let bundle = work.join("bundle");
    let image = image_arg(&layout, "latest");
    let out = unpack_as_user(&layout, "latest", &bundle);
    assert_eq!(out.status, 0, "{}", out.stderr);

    // A process in the container swaps `locked` for a link to the user's
    // home and back, as fast as it can, while repacks run.
    let rootfs = bundle.join("rootfs");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (stop, rootfs, target) = (stop.clone(), rootfs.clone(), sentinels.dir.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Half the time a link, half the time the directory: a
                // restore by name lands on the link about as often.
                let _ = std::fs::rename(rootfs.join("locked"), rootfs.join("locked.away"));
                let _ = std::os::unix::fs::symlink(&target, rootfs.join("locked"));
                std::thread::sleep(Duration::from_micros(300));
                let _ = std::fs::remove_file(rootfs.join("locked"));
                let _ = std::fs::rename(rootfs.join("locked.away"), rootfs.join("locked"));
                // A restore that missed (the name was absent) would leave
                // the directory open and end the race: close it again.
                let _ = std::fs::set_permissions(
                    rootfs.join("locked"),
                    std::fs::Permissions::from_mode(0o000),
                );
                std::thread::sleep(Duration::from_micros(300));
            }
        })
    };
    for _ in 0..60 {
        let _ = as_user(&[umoci_bin(), "repack", "--image", &image, s(&bundle)]);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().unwrap();
    sentinels.assert_untouched();
}
