//! End to end: `localnet` runs each example subnet for a few epochs with fast blocks and
//! a short tempo, as a user would, and the results show the incentives the subnets are
//! designed for. Every process must exit cleanly.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs localnet for `subnet` and returns its JSON report.
fn run(subnet: &str, epochs: u32) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let exe = Path::new(env!("CARGO_BIN_EXE_localnet"));
    let output = Command::new(exe)
        .args(["--subnet", subnet, "--epochs", &epochs.to_string(), "--block-time-ms", "50", "--tempo", "20"])
        .arg("--dir")
        .arg(dir.path().join("net"))
        .arg("--json")
        .arg(&json)
        // `cargo test --workspace` has built the node, miner and validator programs here.
        .arg("--bin-dir")
        .arg(exe.parent().unwrap())
        .output()
        .expect("run localnet");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "localnet failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("every process exited cleanly"), "{stdout}");
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["subnet"], subnet);
    assert_eq!(report["summary"]["clean_exit"], true);
    assert_eq!(report["epochs"].as_array().unwrap().len(), epochs as usize);
    report
}

/// Late-mean incentive of every miner running `strategy`.
fn incentives(report: &Value, strategy: &str) -> Vec<f64> {
    let neurons = report["summary"]["neurons"].as_array().unwrap();
    let found: Vec<f64> = neurons
        .iter()
        .filter(|n| n["role"] == "miner" && n["strategy"] == strategy)
        .map(|n| n["incentive"].as_f64().unwrap())
        .collect();
    assert!(!found.is_empty(), "no {strategy} miner in {report}");
    found
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn forecast_pays_the_fitted_models_most_and_the_adversaries_least() {
    let report = run("forecast", 8);
    let epoch = &report["epochs"][0]["neurons"][0];
    for field in ["uid", "hotkey", "role", "strategy", "incentive", "dividends", "emission", "stake"] {
        assert!(!epoch[field].is_null(), "{field} missing from {epoch}");
    }
    let fitted = [incentives(&report, "gbm"), incentives(&report, "garch")].concat();
    let naive = incentives(&report, "naive");
    let adversaries = [incentives(&report, "copier"), incentives(&report, "degenerate")].concat();
    assert!(min(&fitted) > max(&naive), "fitted {fitted:?} vs naive {naive:?}");
    assert!(min(&naive) > max(&adversaries), "naive {naive:?} vs adversaries {adversaries:?}");
    let validators =
        report["summary"]["neurons"].as_array().unwrap().iter().filter(|n| n["role"] == "validator");
    assert!(
        validators.map(|v| v["dividends"].as_f64().unwrap()).sum::<f64>() > 0.9,
        "validators earn the dividends"
    );
}

#[test]
fn train_pays_honest_gradients_and_raises_held_out_accuracy() {
    let report = run("train", 8);
    let honest = incentives(&report, "honest");
    let cheaters =
        [incentives(&report, "freerider"), incentives(&report, "copier"), incentives(&report, "poisoner")]
            .concat();
    assert!(min(&honest) > max(&cheaters), "honest {honest:?} vs cheaters {cheaters:?}");
    // The poisoner earns nothing in any epoch.
    for epoch in report["epochs"].as_array().unwrap() {
        for n in epoch["neurons"].as_array().unwrap().iter().filter(|n| n["strategy"] == "poisoner") {
            assert_eq!(n["incentive"].as_f64(), Some(0.0), "{n}");
            assert_eq!(n["emission"].as_f64(), Some(0.0), "{n}");
        }
    }
    let summary = &report["summary"];
    let (start, end) =
        (summary["accuracy_start"].as_f64().unwrap(), summary["accuracy_end"].as_f64().unwrap());
    assert!(end > start + 0.3, "held-out accuracy {start} -> {end}");
}

#[test]
fn bad_options_are_refused_before_anything_starts() {
    let exe = env!("CARGO_BIN_EXE_localnet");
    let used = tempfile::tempdir().unwrap();
    std::fs::write(used.path().join("keep.txt"), "user data").unwrap();
    let dir = used.path().to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--dir", dir], "is not empty"),
        (&["--subnet", "train", "--miners", "honest,gbm"], "unknown train strategy \"gbm\""),
        (&["--validators", "0"], "at least one miner and one validator"),
        (&["--subnet", "chess"], "invalid value 'chess'"),
    ];
    for (args, message) in cases {
        let output = Command::new(exe).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(message), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read_to_string(used.path().join("keep.txt")).unwrap(), "user data");
}

#[test]
fn an_existing_chain_is_used_and_left_running() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_localnet")).parent().unwrap().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("node.log")).unwrap();
    let mut node = Command::new(bin_dir.join("subtensor"))
        .args(["--dev", "--rpc-port", "0", "--block-time-ms", "50", "--base-path"])
        .arg(dir.path().join("chain"))
        .stderr(log)
        .spawn()
        .expect("start subtensor");
    let mut endpoint = None;
    for _ in 0..200 {
        let text = std::fs::read_to_string(dir.path().join("node.log")).unwrap_or_default();
        endpoint =
            text.lines().find_map(|l| l.split("Running JSON-RPC server: addr=").nth(1).map(str::to_string));
        if endpoint.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let endpoint = format!("ws://{}", endpoint.expect("node address").trim());
    let output = Command::new(bin_dir.join("localnet"))
        .args(["--subnet", "train", "--network", &endpoint, "--epochs", "2", "--tempo", "10"])
        .args(["--validators", "1", "--miners", "honest,poisoner", "--block-time-ms", "50"])
        .arg("--dir")
        .arg(dir.path().join("net"))
        .arg("--bin-dir")
        .arg(&bin_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains(&format!("chain at {endpoint}")) && stdout.contains("exited cleanly"),
        "{stdout}"
    );
    assert!(node.try_wait().unwrap().is_none(), "the chain localnet did not start keeps running");
    node.kill().unwrap();
    node.wait().unwrap();
}
