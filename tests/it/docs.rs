//! The committed man pages and shell completions are exactly what the CLI
//! definitions generate; regenerate with `umoci generate-docs .` after
//! changing a flag.

use std::path::Path;

use crate::common::*;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn man_pages_and_completions_match_the_cli() {
    let dir = tempdir();
    umoci(&["generate-docs", s(dir.path())]).ok();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["man", "contrib/completions"] {
        let fresh = files(&dir.path().join(sub));
        let committed = files(&repo.join(sub));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&committed),
            names(&fresh),
            "{sub}: run `umoci generate-docs .`"
        );
        for ((name, want), (_, have)) in fresh.iter().zip(&committed) {
            assert!(
                want == have,
                "{sub}/{name} is stale: run `umoci generate-docs .`"
            );
        }
    }
    // Every visible command has a page.
    for page in [
        "umoci.1",
        "umoci-unpack.1",
        "umoci-repack.1",
        "umoci-raw-add-layer.1",
    ] {
        assert!(repo.join("man").join(page).is_file(), "{page}");
    }
}

#[test]
fn bash_completion_knows_the_commands() {
    let bash = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/completions/umoci.bash"),
    )
    .unwrap();
    for cmd in ["unpack", "repack", "config", "insert", "gc"] {
        assert!(bash.contains(cmd), "{cmd}");
    }
}

#[test]
fn hidden_commands_get_no_man_page() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    assert!(!man.join("umoci-generate-docs.1").exists());
    assert!(!man.join("umoci-raw-mtree-validate.1").exists());
}
