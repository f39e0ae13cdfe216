//! The miner and validator programs refuse bad options with a clear message before they
//! touch the chain.

use std::process::Command;

#[test]
fn bad_options_get_clear_errors() {
    let cases: [(&str, &[&str], &str); 4] = [
        (env!("CARGO_BIN_EXE_train-miner"), &["--netuid", "1", "--strategy", "copier"], "needs --copy-from"),
        (env!("CARGO_BIN_EXE_train-miner"), &["--netuid", "1", "--strategy", "lazy"], "invalid value 'lazy'"),
        (env!("CARGO_BIN_EXE_train-miner"), &["--netuid", "1", "--copy-from", "nonsense"], "--copy-from"),
        (env!("CARGO_BIN_EXE_train-validator"), &["--netuid", "1", "--top-k", "0"], "must be positive"),
    ];
    for (program, args, message) in cases {
        let output = Command::new(program).args(args).output().expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(message), "{args:?}: {stderr}");
    }
}
