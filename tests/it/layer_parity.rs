//! Same tree, same layer bytes as upstream umoci 0.6.0: each scenario of
//! `contrib/layer-parity.py` (every entry kind, whiteouts, insert, a
//! SOURCE_DATE_EPOCH clamp) is run with our binary and its header-by-header
//! dump compared with the one 0.6.0 made (`tests/data/layers-0.6.0/`, made
//! by that script's `refresh` from a local 0.6.0 build, which CI cannot
//! do). Equal dumps mean equal uncompressed layers, so equal diff IDs.

use std::path::Path;

use crate::common::*;

fn assert_same_layers_as_upstream(scenario: &str) {
    if !running_as_root("layer parity needs root (device nodes, owners)") || !have_tool("python3") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("contrib/layer-parity.py");
    let ours = run("python3", &[s(&script), "run", umoci_bin(), scenario]).ok();
    let expected_file = root.join(format!("tests/data/layers-0.6.0/{scenario}.dump"));
    let expected = std::fs::read_to_string(&expected_file).unwrap();
    if ours != expected {
        let dir = tempdir();
        let mine = dir.path().join("ours.dump");
        std::fs::write(&mine, &ours).unwrap();
        let diff = run("diff", &["-u", s(&expected_file), s(&mine)]);
        panic!("layers differ from upstream 0.6.0's:\n{}", diff.stdout);
    }
}

#[test]
fn every_entry_kind_packs_to_upstreams_bytes() {
    assert_same_layers_as_upstream("kinds");
}

#[test]
fn removals_pack_to_upstreams_whiteouts_in_upstreams_order() {
    assert_same_layers_as_upstream("whiteouts");
}

#[test]
fn insert_packs_to_upstreams_bytes() {
    assert_same_layers_as_upstream("insert");
}

#[test]
fn source_date_epoch_clamps_as_upstream() {
    assert_same_layers_as_upstream("clamped");
}
