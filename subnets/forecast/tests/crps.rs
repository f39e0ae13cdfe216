//! The CRPS implementation against PyPI `properscoring`: stored vectors always, and a
//! live comparison on fresh random cases when a Python with `properscoring` is available
//! (`BT_PYTHON`, as `.ci/run` sets up).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use forecast::scoring::crps_ensemble;
use serde_json::{json, Value};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn crps_matches_properscoring_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/crps_properscoring.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let ensemble: Vec<f64> = serde_json::from_value(case["ensemble"].clone()).unwrap();
        let observation = case["observation"].as_f64().unwrap();
        let expected = case["crps"].as_f64().unwrap();
        let ours = crps_ensemble(&ensemble, observation);
        assert!(close(ours, expected), "ensemble {ensemble:?}, y {observation}: {ours} vs {expected}");
    }
}

#[test]
fn crps_matches_properscoring_live() {
    let python = std::env::var("BT_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python).args(["-c", "import properscoring"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no Python with properscoring ({python}); .ci/run installs it");
        return;
    }
    // Deterministic pseudo-random cases (a small LCG), different from the stored ones.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let cases: Vec<(Vec<f64>, f64)> =
        (1..40).map(|n| ((0..n * 3).map(|_| next() * 50.0).collect(), next() * 60.0)).collect();
    let input = json!({ "cases": cases.iter().map(|(e, y)| json!({ "ensemble": e, "observation": y })).collect::<Vec<_>>() });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/crps_reference.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let reference: Value = serde_json::from_slice(&output.stdout).unwrap();
    for ((ensemble, y), expected) in cases.iter().zip(reference["crps"].as_array().unwrap()) {
        let ours = crps_ensemble(ensemble, *y);
        assert!(close(ours, expected.as_f64().unwrap()), "{ours} vs {expected}");
    }
}
