//! The miner and validator programs refuse bad options with a clear message before they
//! touch the chain.

use std::process::Command;

fn fails_with(program: &str, args: &[&str], message: &str) {
    let output = Command::new(program).args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{program} {args:?} should fail");
    assert!(stderr.contains(message), "{program} {args:?}: {stderr}");
}

#[test]
fn bad_options_get_clear_errors() {
    let miner = env!("CARGO_BIN_EXE_forecast-miner");
    fails_with(miner, &["--netuid", "1", "--strategy", "oracle"], "unknown strategy \"oracle\"");
    fails_with(miner, &["--netuid", "1", "--strategy", "copier"], "needs --copy-from");
    fails_with(miner, &["--strategy", "gbm"], "--netuid");
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap();
    fails_with(miner, &["--netuid", "1", "--wallet-path", path, "--network", "ws://127.0.0.1:9"], "wallet");
    let validator = env!("CARGO_BIN_EXE_forecast-validator");
    fails_with(validator, &["--netuid", "1", "--horizon", "0"], "must be positive");
}
