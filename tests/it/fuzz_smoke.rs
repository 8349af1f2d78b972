//! Bounded fuzzing runs of the `fuzz/` targets (tar extraction into a
//! sandboxed root, the mtree parser, OCI JSON loading, a bundle's and a
//! layout's own files planted as links, FIFOs and garbage) as part of the test
//! suite: each target runs for a fixed time from its seeds and must not
//! find a crash. Needs `cargo-fuzz` (installed by `.ci/run`); crashes it
//! finds become regression inputs under `tests/fuzz-regressions/`.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// Seconds per target; `UMOCI_FUZZ_SECONDS` overrides.
fn seconds() -> String {
    std::env::var("UMOCI_FUZZ_SECONDS").unwrap_or_else(|_| "20".to_owned())
}

#[test]
fn fuzz_targets_find_no_crash_in_bounded_runs() {
    if !have_tool("cargo-fuzz") {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempdir();
    let seeds = scratch.path().join("seeds-tar");
    run("python3", &[s(&repo.join("fuzz/make-seeds.py")), s(&seeds)]).ok();
    let build = Command::new("cargo")
        .args(["fuzz", "build", "-s", "none"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "cargo fuzz build: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    for target in [
        "tar_extract",
        "mtree_parse",
        "json_load",
        "bundle_meta",
        "layout_files",
    ] {
        let corpus = scratch.path().join(format!("corpus-{target}"));
        std::fs::create_dir_all(&corpus).unwrap();
        let regressions = repo.join("tests/fuzz-regressions").join(target);
        let mut args = vec![
            "fuzz".to_owned(),
            "run".into(),
            "-s".into(),
            "none".into(),
            target.into(),
            s(&corpus).into(),
        ];
        if target == "tar_extract" {
            args.push(s(&seeds).into());
        }
        if regressions.is_dir() {
            args.push(s(&regressions).into());
        }
        args.extend([
            "--".into(),
            format!("-max_total_time={}", seconds()),
            "-rss_limit_mb=1024".into(),
            format!("-artifact_prefix={}/", scratch.path().display()),
        ]);
        let out = Command::new("cargo")
            .args(&args)
            .current_dir(repo)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "fuzzing {target} found a crash (see the artifact under {}):\n{log}",
            scratch.path().display()
        );
        assert!(log.contains("Done "), "{target} did not run: {log}");
    }
}
