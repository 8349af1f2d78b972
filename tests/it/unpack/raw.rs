//! `raw unpack`, `raw runtime-config` and `raw mtree-validate`.

use super::*;

#[test]
fn raw_unpack_and_raw_runtime_config() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let rootfs = dir.path().join("rootfs");
    umoci(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&hello, "latest"),
        s(&rootfs),
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(rootfs.join("usr/share/hello/greeting.txt")).unwrap(),
        "Hello from the umoci test image.\n"
    );
    assert!(!dir.path().join("config.json").exists());
    // An existing rootfs is refused.
    umoci(&[
        "raw",
        "unpack",
        "--image",
        &image_arg(&hello, "latest"),
        s(&rootfs),
    ])
    .fails_with("already exists");

    let config = dir.path().join("config.json");
    umoci(&[
        "raw",
        "runtime-config",
        "--rootfs",
        s(&rootfs),
        "--image",
        &image_arg(&hello, "latest"),
        s(&config),
    ])
    .ok();
    let spec = read_json(&config);
    assert_eq!(spec["ociVersion"], "1.2.1");
    assert_eq!(
        spec["process"]["args"],
        serde_json::json!(["cat", "/greeting"])
    );
    assert!(spec["process"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "HOME=/root"));
    assert_eq!(
        spec["annotations"]["org.opencontainers.image.title"],
        "hello"
    );
    assert_eq!(spec["linux"]["namespaces"][0]["type"], "cgroup");
    // The alias, without a rootfs, and with id maps.
    let mapped = dir.path().join("mapped.json");
    umoci(&[
        "raw",
        "config",
        "--uid-map",
        "0:100000:65536",
        "--gid-map",
        "0:100000:65536",
        "--image",
        &image_arg(&hello, "latest"),
        s(&mapped),
    ])
    .ok();
    let spec = read_json(&mapped);
    assert_eq!(
        spec["linux"]["uidMappings"],
        serde_json::json!([{"containerID": 0, "hostID": 100000, "size": 65536}])
    );
    assert!(spec["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["type"] == "user"));
    umoci(&[
        "raw",
        "config",
        "--uid-map",
        "bogus",
        "--image",
        &image_arg(&hello, "latest"),
        s(&mapped),
    ])
    .fails_with("bogus");
}

#[test]
fn mtree_validate_reports_changes() {
    let dir = tempdir();
    let hello = copy_hello(dir.path(), "hello");
    let bundle = dir.path().join("bundle");
    unpack(&hello, "latest", &bundle).ok();
    validate(&bundle);
    std::fs::write(bundle.join("rootfs/etc/os-release"), b"NAME=\"changed!\"\n").unwrap();
    let out = mtree_validate(&bundle, &[]);
    assert_eq!(out.status, 1);
    // As upstream 0.6.0: one line per path on stdout, naming the first
    // keyword that differs, and a count on stderr.
    assert!(
        out.stdout
            .contains("\"etc/os-release\": keyword \"sha256digest\": expected "),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("validation failed: 1 differences found"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(bundle.join("rootfs/etc/group")).unwrap();
    std::fs::write(bundle.join("rootfs/extra"), b"").unwrap();
    let out = mtree_validate(&bundle, &["-k", "time"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("\"etc/group\": missing path"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"extra\": unexpected path"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("\"etc/os-release\": keyword \"tar_time\": expected "),
        "{}",
        out.stdout
    );
}
