//! Wallet compatibility with the real Python wallet (PyPI `bittensor-wallet`), both ways,
//! at the real key-derivation cost.
//!
//! Needs a Python with `bittensor-wallet` installed: `BT_PYTHON=/path/to/python`
//! (`.ci/run` builds one). Without it the test says so and does nothing.

use std::path::Path;
use std::process::Command;

use bittensor::wallet::{KeySource, Wallet};
use bt_primitives::{hex, verify, AccountId, Signature};
use serde_json::Value;

const PASSWORD: &str = "interop-password-7";

fn python() -> Option<String> {
    let python = std::env::var("BT_PYTHON").ok()?;
    let ok =
        Command::new(&python).args(["-c", "import bittensor_wallet"]).status().is_ok_and(|s| s.success());
    ok.then_some(python)
}

fn peer(python: &str, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/wallet_peer.py");
    let output = Command::new(python).arg(script).args(args).output().expect("run python");
    assert!(output.status.success(), "python failed: {}", String::from_utf8_lossy(&output.stderr));
    // The wallet prints progress ("Encrypting...") before our JSON line.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().rfind(|l| l.starts_with('{')).expect("a JSON line");
    serde_json::from_str(last).expect("python JSON")
}

fn signature(hex_text: &str) -> Signature {
    let bytes = hex::decode(hex_text).unwrap();
    Signature(bytes.try_into().unwrap())
}

#[test]
fn wallets_move_between_python_and_rust_both_ways() {
    let Some(python) = python() else {
        eprintln!("skipped: set BT_PYTHON to a Python with bittensor-wallet installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();

    // Python writes, Rust reads (and decrypts the coldkey at the real Argon2 cost).
    let made = peer(&python, &["create", root, "py", "hot", PASSWORD]);
    let wallet = Wallet::new(Some("py"), Some("hot"), Some(dir.path()));
    let coldkey: AccountId = made["coldkey"].as_str().unwrap().parse().unwrap();
    assert_eq!(wallet.coldkeypub().unwrap(), coldkey);
    assert_eq!(wallet.coldkey(Some(PASSWORD)).unwrap().account(), coldkey);
    let hotkey = wallet.hotkey(None).unwrap();
    assert_eq!(hotkey.account().to_ss58(), made["hotkey"]);
    assert!(verify(&hotkey.account(), b"signed in python", &signature(made["signature"].as_str().unwrap())));

    // Rust writes, Python reads and decrypts.
    let ours = Wallet::new(Some("rs"), Some("hot"), Some(dir.path()));
    let cold = ours.create_coldkey(&KeySource::Generate(12), Some(PASSWORD), false).unwrap();
    let hot = ours.create_hotkey(&KeySource::Generate(24), None, false).unwrap();
    let message = b"signed in rust";
    let signed = cold.pair.as_ref().unwrap().sign(message);
    let read = peer(
        &python,
        &["load", root, "rs", "hot", PASSWORD, &hex::encode(message)[2..], &hex::encode(&signed.0)[2..]],
    );
    assert_eq!(read["coldkeypub"], cold.account.to_ss58());
    assert_eq!(read["coldkey"], cold.account.to_ss58());
    assert_eq!(read["hotkey"], hot.account.to_ss58());
    assert_eq!(read["verified"], true);
    assert!(verify(&hot.account, b"signed in python", &signature(read["signature"].as_str().unwrap())));
}
