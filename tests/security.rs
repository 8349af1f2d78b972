//! The escapes and denials of service outside security reviews found, one
//! test (at least) per finding. Each builds its hostile input itself and,
//! where something could be written or deleted outside, checks a sentinel
//! outside the bundle or layout before and after.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::layers::{add_layer, new_image, LayerBuilder};
use common::users::{
    as_user, give_to_user, test_user, unpack_as_user, work_dir_for_user, TEST_USER,
};
use common::*;

/// Hostile inputs must end fast; anything near this is a hang.
const HANG: Duration = Duration::from_secs(60);

/// Runs our binary with a deadline: a hang is killed and fails the test.
fn umoci_deadline(args: &[&str]) -> Run {
    let started = Instant::now();
    let out = run(
        "timeout",
        &["-s", "KILL", &HANG.as_secs().to_string(), umoci_bin()]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect::<Vec<_>>(),
    );
    assert_ne!(out.status, -1, "umoci {args:?} hung and was killed");
    assert!(started.elapsed() < HANG, "umoci {args:?} hung");
    out
}

/// `repack --image LAYOUT:latest BUNDLE`, with a deadline.
fn repack_deadline(layout: &Path, bundle: &Path) -> Run {
    umoci_deadline(&["repack", "--image", &image_arg(layout, "latest"), s(bundle)])
}

/// Asserts a clear failure: exit 1, no panic, and `needle` on stderr.
#[track_caller]
fn assert_clear_error(out: &Run, needle: &str) {
    assert_eq!(out.status, 1, "expected exit 1: {}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "error does not mention {needle:?}: {}",
        out.stderr
    );
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A file and a directory outside everything the tool may touch.
struct Sentinels {
    file: PathBuf,
    dir: PathBuf,
}

impl Sentinels {
    fn new(dir: &Path) -> Self {
        let outside = dir.join("outside");
        std::fs::create_dir(&outside).unwrap();
        let file = outside.join("authorized_keys");
        std::fs::write(&file, b"ssh-ed25519 AAAA precious\n").unwrap();
        chmod(&file, 0o600);
        let home = outside.join("home");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("notes"), b"keep").unwrap();
        chmod(&home, 0o755);
        Sentinels { file, dir: home }
    }

    fn give_to_user(&self) {
        give_to_user(self.file.parent().unwrap());
    }

    #[track_caller]
    fn assert_untouched(&self) {
        assert_eq!(mode_of(&self.file), 0o600, "sentinel file mode changed");
        assert_eq!(
            std::fs::read(&self.file).unwrap(),
            b"ssh-ed25519 AAAA precious\n",
            "sentinel file content changed"
        );
        assert_eq!(mode_of(&self.dir), 0o755, "sentinel directory mode changed");
        assert_eq!(std::fs::read(self.dir.join("notes")).unwrap(), b"keep");
    }
}

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

// 2. gc: deletions never go through a symlinked blob directory; reads may.

fn blob_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn gc_refuses_symlinked_blob_directories_and_deletes_nothing_outside() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    // Another layout's blob store, holding a blob this one does not use.
    let shared = dir.path().join("shared-sha256");
    std::fs::rename(layout.join("blobs/sha256"), &shared).unwrap();
    let stranger = umoci::spec::Digest::sha256_of(b"another layout's blob");
    std::fs::write(shared.join(stranger.hex()), b"another layout's blob").unwrap();
    std::os::unix::fs::symlink(&shared, layout.join("blobs/sha256")).unwrap();
    let before = snapshot(&shared);

    // Reading through the link works, as upstream's does.
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).ok();
    let out = umoci_deadline(&["gc", "--layout", s(&layout)]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&shared), before, "gc deleted through the link");

    // Writing through it is refused too, and leaves the store alone.
    let out = umoci_deadline(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.user",
        "nobody",
    ]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&shared), before);

    // The same for a symlinked `blobs/`.
    std::fs::remove_file(layout.join("blobs/sha256")).unwrap();
    let blobs_elsewhere = dir.path().join("shared-blobs");
    std::fs::create_dir(&blobs_elsewhere).unwrap();
    std::fs::rename(&shared, blobs_elsewhere.join("sha256")).unwrap();
    std::fs::remove_dir(layout.join("blobs")).unwrap();
    std::os::unix::fs::symlink(&blobs_elsewhere, layout.join("blobs")).unwrap();
    let before = snapshot(&blobs_elsewhere);
    let out = umoci_deadline(&["gc", "--layout", s(&layout)]);
    assert_clear_error(&out, "symlink");
    assert_eq!(snapshot(&blobs_elsewhere), before);
}

#[test]
fn gc_unlinks_a_symlinked_blob_never_its_target() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, b"not garbage").unwrap();
    let digest = umoci::spec::Digest::sha256_of(b"unreferenced");
    let link = layout.join("blobs/sha256").join(digest.hex());
    std::os::unix::fs::symlink(&target, &link).unwrap();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert!(std::fs::symlink_metadata(&link).is_err(), "link removed");
    assert_eq!(std::fs::read(&target).unwrap(), b"not garbage");

    // A referenced blob that is a link to a file (a shared blob store) is
    // read through, and kept.
    let blobs = layout.join("blobs/sha256");
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    for name in blob_files(&blobs) {
        std::fs::rename(blobs.join(&name), shared.join(&name)).unwrap();
        std::os::unix::fs::symlink(shared.join(&name), blobs.join(&name)).unwrap();
    }
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    assert_eq!(blob_files(&blobs), blob_files(&shared));
}

#[test]
fn gc_marks_the_children_of_a_blob_first_seen_as_a_layer() {
    // One blob is both a layer of image A and the index of image B. Marking
    // must parse it as the index however the walk first meets it, or gc
    // deletes B's manifest.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let index = read_json(&layout.join("index.json"));
    let manifest_desc = index["manifests"][0].clone();
    let child_index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": manifest_desc["mediaType"],
            "digest": manifest_desc["digest"],
            "size": manifest_desc["size"],
        }],
    }))
    .unwrap();
    let digest = umoci::spec::Digest::sha256_of(&child_index);
    std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &child_index).unwrap();
    // B: a tag on the index, listed first (so walked last).
    let b = serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": digest.to_string(),
        "size": child_index.len(),
        "annotations": {"org.opencontainers.image.ref.name": "b"},
    });
    // A: an image whose manifest lists that blob as a layer, and nothing
    // else tags hello's manifest.
    let src = umoci::layout::Layout::open(&layout).unwrap();
    let idx = src.read_index().unwrap();
    let image = umoci::image::ImageSource::open(&src, &idx, "latest").unwrap();
    let mut manifest = serde_json::to_value(&image.manifest).unwrap();
    manifest["layers"] = serde_json::json!([{
        "mediaType": "application/vnd.oci.image.layer.v1.tar",
        "digest": digest.to_string(),
        "size": child_index.len(),
    }]);
    drop(src);
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let manifest_digest = umoci::spec::Digest::sha256_of(&manifest);
    std::fs::write(
        layout.join("blobs/sha256").join(manifest_digest.hex()),
        &manifest,
    )
    .unwrap();
    let a = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest.to_string(),
        "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "a"},
    });
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [b, a]})).unwrap(),
    )
    .unwrap();
    umoci(&["gc", "--layout", s(&layout)]).ok();
    umoci(&["stat", "--image", &image_arg(&layout, "b")]).ok();
}

// 3 and 9. Files the tool writes in a bundle replace planted symlinks.

#[test]
fn refresh_bundle_replaces_planted_links_instead_of_following_them() {
    let dir = tempdir();
    let sentinels = Sentinels::new(dir.path());
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    for name in [".umoci.json.tmp", ".umoci.json.tmp-1", "config.json.tmp"] {
        std::os::unix::fs::symlink(&sentinels.file, bundle.join(name)).unwrap();
    }
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    umoci(&[
        "repack",
        "--refresh-bundle",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ])
    .ok();
    sentinels.assert_untouched();
    assert!(std::fs::symlink_metadata(bundle.join("umoci.json"))
        .unwrap()
        .is_file());
    let meta = read_json(&bundle.join("umoci.json"));
    let digest = stat_json(&layout, "latest");
    assert!(!digest.is_null());
    assert_eq!(meta["umoci_version"], "2");
}

#[test]
fn unpack_into_another_users_directory_never_writes_through_their_links() {
    let Some(_) = test_user() else { return };
    let dir = tempdir();
    chmod(dir.path(), 0o755);
    let sentinels = Sentinels::new(dir.path());
    let layout = new_image(dir.path(), "img", "latest");
    // Enough entries that unpacking takes a while after `rootfs` appears.
    let mut b = LayerBuilder::new();
    for i in 0..4000 {
        b.file(&format!("d{}/f{i}", i % 40), b"data", 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    let bundle = dir.path().join("users-bundle");
    std::fs::create_dir(&bundle).unwrap();
    run("chown", &[&format!("{TEST_USER}:"), s(&bundle)]).ok();

    let mut child = Command::new(umoci_bin())
        .args([
            "unpack",
            "--image",
            &image_arg(&layout, "latest"),
            s(&bundle),
        ])
        .spawn()
        .unwrap();
    // The directory's owner plants links at every name the tool will
    // write, as soon as extraction has started.
    let deadline = Instant::now() + HANG;
    while !bundle.join("rootfs").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    for name in ["config.json", "umoci.json", ".umoci.json.tmp"] {
        let _ = as_user(&["ln", "-s", s(&sentinels.file), s(&bundle.join(name))]);
    }
    let status = child.wait().unwrap();
    sentinels.assert_untouched();
    if status.success() {
        for name in ["config.json", "umoci.json"] {
            assert!(
                std::fs::symlink_metadata(bundle.join(name))
                    .unwrap()
                    .is_file(),
                "{name} replaced the planted link"
            );
        }
    }
}

// A bundle path is resolved once. Whoever can rename the bundle or a
// directory above it (another user who owns its parent) may swap it for a
// link to some other directory while the tool works; every file the tool
// then writes or removes must still be in the directory it first opened.
// The swap is done by the test itself: who renames does not matter, only
// that the name changes under the running tool.

/// An image whose first layer takes a while to extract (so a swap lands
/// mid-run), and, when `broken`, a second layer whose diff ID is wrong so
/// the unpack fails after the swap and cleans up.
fn slow_image(dir: &Path, broken: bool) -> PathBuf {
    let layout = new_image(dir, "img", "latest");
    let mut b = LayerBuilder::new();
    for i in 0..6000 {
        b.file(&format!("d{}/f{i}", i % 60), b"data", 0o644, 0, 0);
    }
    add_layer(&layout, "latest", &b.finish(), "gzip");
    if broken {
        add_layer(
            &layout,
            "latest",
            &LayerBuilder::new().file("x", b"x", 0o644, 0, 0).finish(),
            "none",
        );
        common::layers::edit_config(&layout, "latest", |config| {
            let ids = &mut config.rootfs.diff_ids;
            let last = ids.len() - 1;
            ids[last] = umoci::spec::Digest::sha256_of(b"something else");
        });
    }
    layout
}

/// A directory a swapped bundle path is pointed at: it already holds a
/// `rootfs/` of its own that must survive, and must gain nothing.
fn decoy(dir: &Path) -> PathBuf {
    let decoy = dir.join("decoy");
    std::fs::create_dir_all(decoy.join("rootfs")).unwrap();
    std::fs::write(decoy.join("rootfs/precious"), b"keep").unwrap();
    decoy
}

#[track_caller]
fn assert_decoy_untouched(decoy: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(decoy)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["rootfs"], "files appeared in the decoy");
    assert_eq!(
        std::fs::read(decoy.join("rootfs/precious")).unwrap(),
        b"keep"
    );
}

/// Runs `umoci args`, and once `ready` holds renames `bundle` to `moved`
/// and puts a symlink to `target` in its place. Returns whether the run
/// succeeded; fails the test if the swap came too late to mean anything.
fn run_swapping_bundle(
    args: &[&str],
    bundle: &Path,
    moved: &Path,
    target: &Path,
    ready: impl Fn() -> bool,
) -> bool {
    let mut child = Command::new(umoci_bin())
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + HANG;
    while !ready() {
        assert!(Instant::now() < deadline, "never ready to swap");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("umoci ended ({status}) before the bundle could be swapped");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    std::fs::rename(bundle, moved).unwrap();
    std::os::unix::fs::symlink(target, bundle).unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "umoci ended before the swap; the test proves nothing"
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out.status.success()
}

#[test]
fn a_bundle_swapped_mid_unpack_gets_every_file_where_it_was_opened() {
    let dir = tempdir();
    let layout = slow_image(dir.path(), false);
    let decoy = decoy(dir.path());
    let (bundle, moved) = (dir.path().join("bundle"), dir.path().join("moved"));
    let image = image_arg(&layout, "latest");
    let ok = run_swapping_bundle(
        &["unpack", "--image", &image, s(&bundle)],
        &bundle,
        &moved,
        &decoy,
        || bundle.join("rootfs/d0").exists(),
    );
    assert!(ok, "unpack failed");
    assert_decoy_untouched(&decoy);
    for name in ["config.json", "umoci.json", "rootfs/d59/f5999"] {
        assert!(moved.join(name).is_file(), "{name} missing from the bundle");
    }
    assert!(std::fs::read_dir(&moved).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".mtree")));
}

#[test]
fn a_failed_unpack_cleans_up_where_it_was_opened_not_where_the_path_leads() {
    // `unpack` into a bundle, and `raw unpack` into a rootfs whose parent
    // is swapped.
    for raw in [false, true] {
        let dir = tempdir();
        let layout = slow_image(dir.path(), true);
        let decoy = decoy(dir.path());
        let (parent, moved) = (dir.path().join("parent"), dir.path().join("moved"));
        let rootfs = parent.join("rootfs");
        let image = image_arg(&layout, "latest");
        let mut args = vec!["unpack", "--image", &image, s(&parent)];
        if raw {
            std::fs::create_dir(&parent).unwrap();
            args = vec!["raw", "unpack", "--image", &image, s(&rootfs)];
        }
        let ok = run_swapping_bundle(&args, &parent, &moved, &decoy, || {
            rootfs.join("d0").exists()
        });
        assert!(!ok, "a wrong diff ID must fail the unpack ({args:?})");
        assert_decoy_untouched(&decoy);
        assert!(
            !moved.join("rootfs").exists(),
            "the partial rootfs was left behind ({args:?})"
        );
    }
}

#[test]
fn a_bundle_swapped_mid_repack_is_refreshed_where_it_was_opened() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let decoy = decoy(dir.path());
    let (bundle, moved) = (dir.path().join("bundle"), dir.path().join("moved"));
    unpack(&layout, "latest", &bundle).ok();
    // Enough new data that the repack is still hashing and packing when
    // the swap comes.
    let big = std::fs::File::create(bundle.join("rootfs/big")).unwrap();
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..192 {
        std::io::Write::write_all(&mut &big, &chunk).unwrap();
    }
    drop(big);
    let before: Vec<_> = std::fs::read_dir(&bundle)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let image = image_arg(&layout, "latest");
    let ok = run_swapping_bundle(
        &["repack", "--refresh-bundle", "--image", &image, s(&bundle)],
        &bundle,
        &moved,
        &decoy,
        // The repack has begun once it starts writing in the bundle.
        || {
            std::fs::read_dir(&bundle)
                .map(|d| d.count() > before.len())
                .unwrap_or(false)
        },
    );
    assert!(ok, "repack failed");
    assert_decoy_untouched(&decoy);
    let meta = read_json(&moved.join("umoci.json"));
    let new_manifest = stat_json(&layout, "latest");
    assert!(!new_manifest.is_null());
    let mtrees: Vec<_> = std::fs::read_dir(&moved)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mtree"))
        .collect();
    assert_eq!(mtrees.len(), 1, "{mtrees:?}");
    let walk = meta["from_descriptor_path"]["descriptor_walk"]
        .as_array()
        .unwrap();
    let digest = walk.last().unwrap()["digest"].as_str().unwrap();
    assert_eq!(mtrees[0], format!("{}.mtree", digest.replacen(':', "_", 1)));
}

// 4. A bad umoci.json is an error, never a panic.

#[test]
fn bad_bundle_metadata_is_a_clear_error() {
    let dir = tempdir();
    let sentinels = Sentinels::new(dir.path());
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let meta_path = bundle.join("umoci.json");
    let good = read_json(&meta_path);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (what, walk) in [
        ("empty walk", serde_json::json!([])),
        ("null walk", serde_json::Value::Null),
        (
            "negative size",
            serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": good["from_descriptor_path"]["descriptor_walk"][0]["digest"], "size": -1}]),
        ),
    ] {
        let mut meta = good.clone();
        meta["from_descriptor_path"]["descriptor_walk"] = walk;
        cases.push((what, serde_json::to_vec(&meta).unwrap()));
    }
    cases.push(("not json", b"{\"umoci_version\": ".to_vec()));
    cases.push(("huge", vec![b' '; 17 << 20]));
    let before = snapshot(&layout);
    for (what, data) in cases {
        std::fs::write(&meta_path, &data).unwrap();
        let out = repack_deadline(&layout, &bundle);
        assert_clear_error(&out, "umoci.json");
        assert_eq!(snapshot(&layout), before, "{what}");
    }
    // Not a regular file: a link to a host file, a FIFO.
    std::fs::remove_file(&meta_path).unwrap();
    std::os::unix::fs::symlink(&sentinels.file, &meta_path).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_clear_error(&out, "umoci.json");
    std::fs::remove_file(&meta_path).unwrap();
    run("mkfifo", &[s(&meta_path)]).ok();
    let out = repack_deadline(&layout, &bundle);
    assert_clear_error(&out, "umoci.json");
    assert_eq!(snapshot(&layout), before);
    sentinels.assert_untouched();
}

// 5. The mtree manifest is read only as the bundle's own regular file.

#[test]
fn a_linked_or_garbage_mtree_never_becomes_a_layer() {
    let dir = tempdir();
    let secret = dir.path().join("shadow");
    std::fs::write(
        &secret,
        b"root:$6$secrethash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n",
    )
    .unwrap();
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let mtree = mtree_of(&bundle);
    let before = snapshot(&layout);

    std::fs::remove_file(&mtree).unwrap();
    std::os::unix::fs::symlink(&secret, &mtree).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("secrethash"), "{}", out.stderr);
    assert_eq!(snapshot(&layout), before);

    // The same content as a regular file is not a manifest either.
    std::fs::remove_file(&mtree).unwrap();
    std::fs::copy(&secret, &mtree).unwrap();
    let out = repack_deadline(&layout, &bundle);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("secrethash"), "{}", out.stderr);
    assert_eq!(snapshot(&layout), before);
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
    let out = umoci_deadline(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&rootfs),
    ]);
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
    let out = umoci_deadline(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&rootfs),
    ]);
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
        out.stderr.contains("waiting for another process"),
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

// 8. Index fan-out: every index is read and descended once.

#[test]
fn index_fan_out_is_walked_once_per_blob() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let index = read_json(&layout.join("index.json"));
    let manifest = &index["manifests"][0];
    let config = stat_json(&layout, "latest")["manifest"]["blob"]["config"].clone();
    let put = |value: serde_json::Value| -> serde_json::Value {
        let bytes = serde_json::to_vec(&value).unwrap();
        let digest = umoci::spec::Digest::sha256_of(&bytes);
        std::fs::write(layout.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest.to_string(),
            "size": bytes.len(),
        })
    };
    let fan = |child: &serde_json::Value| {
        put(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": vec![child.clone(); 400],
        }))
    };
    // Four levels of 400: 400⁴ paths to configs (no image at all), and the
    // same above one real manifest (ambiguous).
    let mut nothing = fan(&config);
    let mut ambiguous = fan(&serde_json::json!({
        "mediaType": manifest["mediaType"],
        "digest": manifest["digest"],
        "size": manifest["size"],
    }));
    for _ in 0..3 {
        nothing = fan(&nothing);
        ambiguous = fan(&ambiguous);
    }
    let tagged = |mut d: serde_json::Value, tag: &str| {
        d["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
        d
    };
    let entries = vec![
        manifest.clone(),
        tagged(nothing, "nothing"),
        tagged(ambiguous, "many"),
    ];
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": entries})).unwrap(),
    )
    .unwrap();
    let bundle = dir.path().join("bundle");
    for tag in ["nothing", "many"] {
        let image = image_arg(&layout, tag);
        for args in [
            vec!["stat", "--image", &image],
            vec!["unpack", "--image", &image, s(&bundle)],
            vec!["tag", "--image", &image, "copy"],
        ] {
            let out = umoci_deadline(&args);
            assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
        }
    }
    umoci_deadline(&["gc", "--layout", s(&layout)]).ok();
    umoci(&["stat", "--image", &image_arg(&layout, "latest")]).ok();
}

// 10, 11 and 12. FIFOs, devices and links to them never hang or flood us.

#[test]
fn a_fifo_as_etc_passwd_does_not_hang_unpack() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let tar = LayerBuilder::new()
        .node("etc/passwd", tar::EntryType::Fifo, 0, 0)
        .node("etc/group", tar::EntryType::Fifo, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    umoci(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.user",
        "app",
    ])
    .ok();
    let bundle = dir.path().join("bundle");
    let out = umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ]);
    assert_clear_error(&out, "app");
    // Numeric ids need no lookup and succeed.
    umoci(&[
        "config",
        "--image",
        &image_arg(&layout, "latest"),
        "--config.user",
        "1000:1000",
    ])
    .ok();
    let bundle2 = dir.path().join("bundle2");
    umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle2),
    ])
    .ok();
    let out = umoci_deadline(&[
        "raw",
        "runtime-config",
        "--image",
        &image_arg(&layout, "latest"),
        "--rootfs",
        s(&bundle2.join("rootfs")),
        s(&dir.path().join("config.json")),
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn hostile_oci_layout_files_fail_fast_in_bounded_memory() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let marker = layout.join("oci-layout");
    std::fs::remove_file(&marker).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &marker).unwrap();
    let (out, rss) = umoci_measured(&["ls", "--layout", s(&layout)], &dir.path().join("rss"));
    assert_clear_error(&out, "oci-layout");
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB");
    std::fs::remove_file(&marker).unwrap();
    run("mkfifo", &[s(&marker)]).ok();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "oci-layout",
    );
    std::fs::remove_file(&marker).unwrap();
    std::fs::write(&marker, vec![b' '; 1 << 20]).unwrap();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "oci-layout",
    );

    // index.json likewise.
    std::fs::write(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = layout.join("index.json");
    std::fs::remove_file(&index).unwrap();
    run("mkfifo", &[s(&index)]).ok();
    assert_clear_error(
        &umoci_deadline(&["ls", "--layout", s(&layout)]),
        "index.json",
    );
}

#[test]
fn a_fifo_blob_fails_stat_gc_and_unpack_without_hanging() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let manifest = read_json(&layout.join("index.json"))["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let blob = layout.join("blobs/sha256").join(&manifest);
    std::fs::remove_file(&blob).unwrap();
    run("mkfifo", &[s(&blob)]).ok();
    let before = snapshot(&layout);
    let image = image_arg(&layout, "latest");
    let bundle = dir.path().join("bundle");
    for args in [
        vec!["stat", "--image", &image],
        vec!["unpack", "--image", &image, s(&bundle)],
        vec!["gc", "--layout", s(&layout)],
    ] {
        let out = umoci_deadline(&args);
        assert_clear_error(&out, &manifest[..12]);
    }
    assert_eq!(snapshot(&layout), before, "gc deleted nothing");
}

// 13. Work on image-controlled lists is linear.

#[test]
fn a_config_with_200k_env_entries_unpacks_promptly() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    common::layers::edit_config(&layout, "latest", |image| {
        image.config.env = (0..200_000).map(|i| format!("VAR_{i}={i}")).collect();
        image.config.volumes = (0..50_000)
            .map(|i| (format!("/vol/{i}"), Default::default()))
            .collect();
    });
    let started = Instant::now();
    let bundle = dir.path().join("bundle");
    umoci_deadline(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&bundle),
    ])
    .ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    repack_deadline(&layout, &bundle).ok();
    // Quadratic work here took minutes; linear takes about a second.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let env = read_json(&bundle.join("config.json"))["process"]["env"].clone();
    let env = env.as_array().unwrap();
    assert!(env.len() > 200_000, "{}", env.len());
    assert!(env.contains(&"VAR_199999=199999".into()));
}

// 14. Image strings reach the terminal escaped.

#[test]
fn image_strings_are_escaped_on_the_terminal() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let mut index = read_json(&layout.join("index.json"));
    let mut evil = index["manifests"][0].clone();
    evil["annotations"]["org.opencontainers.image.ref.name"] = "a\nfake\u{1b}[31m".into();
    index["manifests"].as_array_mut().unwrap().push(evil);
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let out = umoci(&["ls", "--layout", s(&layout)]).ok();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["latest", "a\\nfake\\x1b[31m"]
    );

    common::layers::edit_config(&layout, "latest", |image| {
        image.os = "\u{1b}]0;pwned\u{7}\u{1b}[2J".into();
    });
    let out = umoci(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&dir.path().join("b")),
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'),
        "{:?}",
        out.stderr
    );
    assert!(out.stderr.contains("\\x1b]0;pwned"), "{}", out.stderr);

    // Raw bytes of a malformed tar header.
    let layout = new_image(dir.path(), "img2", "latest");
    let mut tar = LayerBuilder::new().file("ok", b"x", 0o644, 0, 0).finish();
    tar[100..108].copy_from_slice(b"\x1b[2J\x1b[Hx");
    let sum: u32 = tar[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    add_layer(&layout, "latest", &tar, "gzip");
    let out = umoci(&[
        "unpack",
        "--image",
        &image_arg(&layout, "latest"),
        s(&dir.path().join("c")),
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

// 15. Nothing is committed that the tool could not read back.

#[test]
fn inputs_that_would_make_unreadable_images_are_refused_before_writing() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    let image = image_arg(&layout, "latest");
    let before = snapshot(&layout);
    let year_10000 = [("SOURCE_DATE_EPOCH", "253402300800")];
    let out = umoci_env(&["repack", "--image", &image, s(&bundle)], &year_10000);
    assert_clear_error(&out, "SOURCE_DATE_EPOCH");
    let out = umoci_env(
        &["config", "--image", &image, "--config.user", "x"],
        &year_10000,
    );
    assert_clear_error(&out, "SOURCE_DATE_EPOCH");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let before_inserts = snapshot(&layout);
    for target in ["/", ".", "..", "", "a/.."] {
        // An empty argument is refused as upstream refuses it.
        let needle = if target.is_empty() { "empty" } else { "root" };
        let out = umoci(&["insert", "--image", &image, "--whiteout", target]);
        assert_clear_error(&out, needle);
        let out = umoci(&["insert", "--image", &image, s(&file), target]);
        assert_clear_error(&out, needle);
    }
    assert_eq!(snapshot(&layout), before_inserts);
    assert_eq!(snapshot(&layout), before);
    // The last second RFC 3339 can write is fine.
    let ok = [("SOURCE_DATE_EPOCH", "253402300799")];
    umoci_env(
        &[
            "config",
            "--image",
            &image,
            "--tag",
            "y9999",
            "--config.user",
            "x",
        ],
        &ok,
    )
    .ok();
    umoci(&["stat", "--image", &image_arg(&layout, "y9999")]).ok();
    // A directory may still be merged into the root.
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("added"), b"y").unwrap();
    umoci(&["insert", "--image", &image, s(&tree), "/"]).ok();
    let again = dir.path().join("again");
    unpack(&layout, "latest", &again).ok();
    assert_eq!(std::fs::read(again.join("rootfs/added")).unwrap(), b"y");
}
