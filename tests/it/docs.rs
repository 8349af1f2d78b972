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

#[test]
fn every_man_page_has_the_sections_a_reader_looks_for() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages = 0;
    for entry in std::fs::read_dir(&man).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXAMPLES",
            "ENVIRONMENT",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH {section}\n")),
                "{name} has no {section}"
            );
        }
        assert!(
            !page.contains("ARGS"),
            "{name}: the synopsis names its arguments"
        );
        assert!(page.contains("skopeo"), "{name}: SEE ALSO names skopeo");
        pages += 1;
    }
    assert!(pages >= 15, "{pages} pages");
    // Options get their long texts, and the synopsis upstream's placeholders.
    let repack = std::fs::read_to_string(man.join("umoci-repack.1")).unwrap();
    assert!(repack.contains("[:<new\\-tag>] <bundle>"), "{repack}");
    assert!(repack.contains("SOURCE_DATE_EPOCH"));
    assert!(repack.contains("the next repack only packs"));
}

#[test]
fn command_help_describes_the_arguments_as_upstream_does() {
    let help = umoci(&["repack", "--help"]).ok();
    assert!(
        help.contains("umoci repack [command options] --image <image-path>[:<new-tag>] <bundle>")
    );
    assert!(help.contains(
        "The \"<image-path>\" MUST be the same image that was used to create \"<bundle>\""
    ));
    assert!(
        help.contains("\n\nCATEGORY:\n   image\n\nOPTIONS:\n"),
        "{help}"
    );
    let help = umoci(&["ls", "--help"]).ok();
    assert!(help.contains("CATEGORY:\n   layout"), "{help}");
}

#[test]
fn completions_offer_no_hidden_command_and_the_values_of_enumerated_flags() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/completions");
    for file in ["umoci.bash", "_umoci", "umoci.fish"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for hidden in ["generate-docs", "mtree-validate"] {
            assert!(!text.contains(hidden), "{file} offers {hidden}");
        }
        for offered in ["unpack", "add-layer", "zstd", "gzip", "debug", "fatal"] {
            assert!(text.contains(offered), "{file} does not offer {offered}");
        }
    }
}
