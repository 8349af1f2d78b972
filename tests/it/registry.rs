//! End to end through the tools images travel with: a real registry
//! (Debian's docker-registry on 127.0.0.1) and skopeo's archive formats.
//! Whatever we build survives the trip and unpacks to the same tree.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::layers::{add_layer, new_image, LayerBuilder};
use crate::common::*;

/// A registry serving from a scratch directory; killed on drop.
pub(crate) struct Registry {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_registry(dir: &Path) -> Registry {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("registry.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("storage").display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .args(["serve", s(&config)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start docker-registry");
    let registry = Registry { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return registry;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("docker-registry did not start on port {port}");
}

/// An image with a few kinds of entries, built by us.
fn our_image(dir: &Path) -> PathBuf {
    let layout = new_image(dir, "ours", "latest");
    let tar = LayerBuilder::new()
        .dir("etc", 0o755, 0, 0)
        .file("etc/hosts", b"127.0.0.1 localhost\n", 0o644, 0, 0)
        .dir("srv", 0o750, 1000, 1000)
        .file("srv/data", b"payload", 0o640, 1000, 1000)
        .symlink("srv/link", "data")
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let bundle = dir.join("edit");
    unpack(&layout, "latest", &bundle).ok();
    std::fs::write(bundle.join("rootfs/etc/added"), b"added by repack").unwrap();
    repack(&layout, "latest", &bundle, &[]).ok();
    config(&layout, "latest", &["--config.cmd=/bin/true"]).ok();
    layout
}

fn unpacked(
    layout: &Path,
    tag: &str,
    bundle: &Path,
) -> std::collections::BTreeMap<PathBuf, String> {
    unpack(layout, tag, bundle).ok();
    snapshot(&bundle.join("rootfs"))
}

#[test]
fn push_to_a_registry_and_pull_back() {
    if !have_tool("skopeo") || !have_tool("docker-registry") {
        return;
    }
    let dir = tempdir();
    let registry = start_registry(dir.path());
    let layout = our_image(dir.path());
    let want = unpacked(&layout, "latest", &dir.path().join("want"));
    let remote = format!("docker://127.0.0.1:{}/umoci/test:v1", registry.port);
    run(
        "skopeo",
        &[
            "copy",
            "--dest-tls-verify=false",
            &format!("oci:{}:latest", s(&layout)),
            &remote,
        ],
    )
    .ok();
    let pulled = dir.path().join("pulled");
    run(
        "skopeo",
        &[
            "copy",
            "--src-tls-verify=false",
            &remote,
            &format!("oci:{}:v1", s(&pulled)),
        ],
    )
    .ok();
    assert_eq!(unpacked(&pulled, "v1", &dir.path().join("got")), want);
    // The pulled layout is ours to edit, too.
    config(&pulled, "v1", &["--config.env=PULLED=1"]).ok();
    umoci(&["gc", "--layout", s(&pulled)]).ok();
}

#[test]
fn skopeo_archives_round_trip() {
    if !have_tool("skopeo") {
        return;
    }
    let dir = tempdir();
    let layout = our_image(dir.path());
    let want = unpacked(&layout, "latest", &dir.path().join("want"));
    for (n, transport) in ["oci-archive", "docker-archive"].iter().enumerate() {
        let archive = dir.path().join(format!("image-{n}.tar"));
        let reference = if *transport == "docker-archive" {
            format!("{transport}:{}:umoci/test:v1", s(&archive))
        } else {
            format!("{transport}:{}:v1", s(&archive))
        };
        run(
            "skopeo",
            &["copy", &format!("oci:{}:latest", s(&layout)), &reference],
        )
        .ok();
        let back = dir.path().join(format!("back-{n}"));
        run(
            "skopeo",
            &["copy", &reference, &format!("oci:{}:back", s(&back))],
        )
        .ok();
        assert_eq!(
            unpacked(&back, "back", &dir.path().join(format!("got-{n}"))),
            want,
            "{transport}"
        );
    }
}
