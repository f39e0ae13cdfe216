//! `btcli` as a person uses it, against a real node (the `bt-node` library serving on a
//! free loopback port): a first hour with commit-reveal on and off, and bad input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bittensor::wallet::Wallet;
use bittensor::{Metagraph, Subtensor};
use bt_node::chain_spec::{dev_key, ChainSpec};
use bt_node::consensus::DevAuthority;
use bt_node::mempool::PoolConfig;
use bt_node::node::{Node, NodeConfig};
use serde_json::Value;

/// A dev node running on its own thread; stops with the process.
struct TestNode {
    url: String,
    _dir: tempfile::TempDir,
}

fn start_node() -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let config = NodeConfig {
                block_time: Duration::from_millis(50),
                max_block_transactions: 1_000,
                pool: PoolConfig::default(),
            };
            let authority = Box::new(DevAuthority::new(dev_key("Alice").account()));
            let node: Arc<Node> = Node::open(&ChainSpec::dev(), &path, authority, config).unwrap();
            let (addr, _server) =
                bt_node::serve_rpc(node.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
            sender.send(format!("ws://{addr}")).unwrap();
            bt_node::author_blocks(node).await;
        });
    });
    TestNode { url: receiver.recv_timeout(Duration::from_secs(20)).unwrap(), _dir: dir }
}

struct Cli<'a> {
    node: &'a TestNode,
    wallets: &'a Path,
}

impl Cli<'_> {
    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_btcli"))
            .args(args)
            .args([
                "--network",
                &self.node.url,
                "--wallet-path",
                self.wallets.to_str().unwrap(),
                "--no-prompt",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; returns its JSON output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json-output");
        let output = self.run_with_input(&all, "");
        assert!(
            output.status.success(),
            "btcli {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap()
    }

    /// Runs a command that must fail; returns its error text.
    fn fails(&self, args: &[&str], input: &str) -> String {
        let output = self.run_with_input(args, input);
        assert!(!output.status.success(), "btcli {args:?} should fail");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }
}

fn wait_for(cli: &Cli, netuid: &str, condition: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let metagraph = cli.json(&["subnets", "show", "--netuid", netuid]);
        if condition(&metagraph) {
            return metagraph;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("metagraph condition not reached");
}

fn first_hour(commit_reveal: bool) {
    let node = start_node();
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli { node: &node, wallets: dir.path() };

    // Wallets: Alice (the dev sudo and faucet) and mine.
    cli.json(&["wallet", "new-coldkey", "--uri", "//Alice", "--wallet-name", "alice", "--no-use-password"]);
    let created =
        cli.json(&["wallet", "create", "--wallet-name", "me", "--hotkey", "owner", "--no-use-password"]);
    assert_eq!(created["kind"], "hotkey");
    for hotkey in ["validator", "miner"] {
        cli.json(&["wallet", "new-hotkey", "--wallet-name", "me", "--hotkey", hotkey]);
    }
    let me = Wallet::new(Some("me"), Some("validator"), Some(dir.path()));
    let my_coldkey = me.coldkeypub().unwrap().to_ss58();
    let validator_hotkey = me.hotkeypub().unwrap().to_ss58();
    cli.json(&["wallet", "transfer", "--wallet-name", "alice", "--dest", &my_coldkey, "--amount", "5000"]);
    let balance = cli.json(&["wallet", "balance", "--wallet-name", "me"]);
    assert_eq!(balance["balances"][0]["free_rao"], 5_000_000_000_000u64);

    // A subnet, started, emitting; two hotkeys registered; stake on the validator.
    let created = cli.json(&["subnets", "create", "--wallet-name", "me", "--hotkey", "owner"]);
    let netuid = created["netuid"].to_string();
    cli.json(&["subnets", "start", "--wallet-name", "me", "--netuid", &netuid]);
    let sudo_set = |param: &str, value: &str| {
        cli.json(&[
            "sudo",
            "set",
            "--wallet-name",
            "alice",
            "--netuid",
            &netuid,
            "--param",
            param,
            "--value",
            value,
        ]);
    };
    sudo_set("commit_reveal_weights_enabled", if commit_reveal { "true" } else { "false" });
    sudo_set("weights_rate_limit", "0");
    let validator = cli.json(&[
        "subnets",
        "register",
        "--wallet-name",
        "me",
        "--hotkey",
        "validator",
        "--netuid",
        &netuid,
    ]);
    let miner =
        cli.json(&["subnets", "register", "--wallet-name", "me", "--hotkey", "miner", "--netuid", &netuid]);
    let (validator_uid, miner_uid) =
        (validator["uid"].as_u64().unwrap() as usize, miner["uid"].as_u64().unwrap() as usize);
    cli.json(&[
        "stake",
        "add",
        "--wallet-name",
        "me",
        "--hotkey",
        "validator",
        "--netuid",
        &netuid,
        "--amount",
        "100",
    ]);
    cli.json(&["wallet", "transfer", "--wallet-name", "me", "--dest", &validator_hotkey, "--amount", "1"]);
    let stake = cli.json(&["stake", "list", "--wallet-name", "me"]);
    assert!(
        stake
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["hotkey"] == validator_hotkey.as_str() && p["stake"] == 100_000_000_000u64),
        "{stake}"
    );
    // Emission starts only now, so the stake above is exactly what was added.
    sudo_set("subnet_emission_enabled", "true");

    // Weights once the validator holds a permit: committed and revealed with btcli, or
    // set directly through the SDK when commit-reveal is off.
    wait_for(&cli, &netuid, |m| m["validator_permit"][validator_uid] == true);
    let uids = miner_uid.to_string();
    if commit_reveal {
        let weights = |verb| {
            ["weights", verb, "--wallet-name", "me", "--hotkey", "validator", "--netuid", &netuid]
                .into_iter()
                .chain(["--uids", &uids, "--weights", "1"])
                .collect::<Vec<&str>>()
        };
        let committed = cli.json(&weights("commit"));
        let salt: Vec<String> = committed["salt"].as_array().unwrap().iter().map(|s| s.to_string()).collect();
        let salt = salt.join(",");
        let mut reveal = weights("reveal");
        reveal.extend(["--salt", &salt]);
        let too_early = cli.fails(&reveal, "");
        assert!(too_early.contains("RevealTooEarly"), "{too_early}");
        let epoch = wait_for(&cli, &netuid, |_| true)["epoch_index"].as_u64().unwrap();
        wait_for(&cli, &netuid, |m| m["epoch_index"].as_u64().unwrap() > epoch);
        cli.json(&reveal);
    } else {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let subtensor = Subtensor::connect(Some(&node.url)).await.unwrap();
            subtensor
                .set_weights(
                    &me.hotkey(None).unwrap(),
                    netuid.parse().unwrap(),
                    &[miner_uid as u16],
                    &[1.0],
                    0,
                )
                .await
                .unwrap();
        });
    }

    // A tempo later: incentive for the miner, dividends for the validator, in btcli and
    // in Metagraph::sync.
    let shown = wait_for(&cli, &netuid, |m| {
        m["incentive"][miner_uid].as_u64() > Some(0) && m["dividends"][validator_uid].as_u64() > Some(0)
    });
    assert_eq!(shown["hotkeys"][validator_uid], validator_hotkey.as_str());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let metagraph = runtime.block_on(async {
        let subtensor = Subtensor::connect(Some(&node.url)).await.unwrap();
        Metagraph::sync(&subtensor, netuid.parse().unwrap(), true).await.unwrap()
    });
    assert!(metagraph.I()[miner_uid] > 0.9 && metagraph.D()[validator_uid] > 0.9);
    let table = cli.run_with_input(&["subnets", "show", "--netuid", &netuid], "");
    assert!(String::from_utf8_lossy(&table.stdout).contains(&validator_hotkey));
}

#[test]
fn a_first_hour_with_btcli() {
    first_hour(false);
}

#[test]
fn a_first_hour_with_btcli_and_commit_reveal() {
    first_hour(true);
}

#[test]
fn bad_input_gets_a_clear_message_and_a_failing_exit_code() {
    let node = start_node();
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli { node: &node, wallets: dir.path() };
    cli.json(&["wallet", "new-coldkey", "--uri", "//Alice", "--wallet-name", "alice", "--no-use-password"]);
    // A coldkey with a password (the real key-derivation cost, twice).
    let output = cli.run_with_input(
        &["wallet", "new-coldkey", "--wallet-name", "locked", "--use-password"],
        "secret-pass\n",
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["wallet", "balance", "--wallet-name", "ghost"], "", "ghost"),
        (
            vec!["wallet", "transfer", "--wallet-name", "locked", "--dest", alice, "--amount", "0"],
            "wrong-pass\n",
            "wrong password",
        ),
        (
            vec!["wallet", "transfer", "--wallet-name", "alice", "--dest", "5NotAnAddress", "--amount", "1"],
            "",
            "not a valid SS58 address",
        ),
        (
            vec!["wallet", "transfer", "--wallet-name", "alice", "--dest", alice, "--amount", "99999999"],
            "",
            "not enough balance",
        ),
        (
            vec!["wallet", "transfer", "--wallet-name", "alice", "--dest", alice, "--amount", "1.2.3"],
            "",
            "not an amount of TAO",
        ),
        (
            vec![
                "stake",
                "remove",
                "--wallet-name",
                "alice",
                "--hotkey-ss58",
                alice,
                "--netuid",
                "0",
                "--amount",
                "5",
            ],
            "",
            "HotKeyAccountNotExists",
        ),
        (vec!["subnets", "show", "--netuid", "42"], "", "subnet 42 does not exist"),
        (
            vec![
                "sudo",
                "set",
                "--wallet-name",
                "alice",
                "--netuid",
                "1",
                "--param",
                "nonsense",
                "--value",
                "1",
            ],
            "",
            "unknown hyperparameter",
        ),
    ];
    for (args, input, expected) in cases {
        let error = cli.fails(&args, input);
        assert!(error.contains(expected), "btcli {args:?}: {error}");
    }
    let output =
        Command::new(env!("CARGO_BIN_EXE_btcli")).args(["wallet", "transfer", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--dest") && help.contains("Destination address"), "{help}");
    let unreachable = Command::new(env!("CARGO_BIN_EXE_btcli"))
        .args(["subnets", "list", "--network", "ws://127.0.0.1:1"])
        .output()
        .unwrap();
    assert!(!unreachable.status.success());
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("cannot connect"));
}
