//! The real `subtensor` binary on a free loopback port, driven over JSON-RPC as a user
//! would.

mod common;

use std::time::Duration;

use bt_node::chain_spec::dev_key;
use bt_primitives::{hex, Keypair};
use bt_rpc::{ChainApiClient, SubtensorApiClient, TransactionStatus};
use bt_runtime::call::{AdminCall, BalancesCall, Call, SubtensorCall};
use common::*;
use parity_scale_codec::Encode;

fn transfer(to: &Keypair, amount: u64) -> Call {
    Call::Balances(BalancesCall::transfer_keep_alive { dest: to.account(), value: amount.into() })
}

#[tokio::test]
async fn a_transfer_is_watched_to_finality() {
    let node = NodeProcess::start(&[]);
    let client = node.client().await;
    let (alice, bob) = (dev_key("Alice"), dev_key("Bob"));
    let before = SubtensorApiClient::balance(&client, bob.account().to_ss58(), None).await.unwrap();
    let tx = sign(&client, &alice, transfer(&bob, 7 * TAO)).await;
    let mut statuses =
        ChainApiClient::submit_and_watch_extrinsic(&client, hex::encode(&tx.encode())).await.unwrap();
    let mut seen = Vec::new();
    while let Some(status) = statuses.next().await {
        let status = status.unwrap();
        let done = matches!(status, TransactionStatus::Finalized(_));
        seen.push(status);
        if done {
            break;
        }
    }
    assert_eq!(seen[0], TransactionStatus::Ready);
    assert!(matches!(seen[1], TransactionStatus::InBlock(_)), "{seen:?}");
    let TransactionStatus::Finalized(block) = seen.last().unwrap().clone() else { panic!("{seen:?}") };
    let after = SubtensorApiClient::balance(&client, bob.account().to_ss58(), None).await.unwrap();
    assert_eq!(after, before + 7 * TAO);
    // Reading at the block before it shows the old balance.
    let header = ChainApiClient::header(&client, Some(block.clone())).await.unwrap().unwrap();
    let full = ChainApiClient::block(&client, Some(block.clone())).await.unwrap().unwrap();
    assert!(full.block.extrinsics.contains(&hex::encode(&tx.encode())));
    assert_eq!(full.block.header, header);
    let events = SubtensorApiClient::block_events(&client, Some(block)).await.unwrap().unwrap();
    assert!(events.extrinsics.iter().any(|e| e.hash == hex::encode(&tx.hash()) && e.success));
    let past = SubtensorApiClient::balance(&client, bob.account().to_ss58(), Some(header.parent_hash))
        .await
        .unwrap();
    assert_eq!(past, before);
    // A replay is refused with a reason.
    let replay = ChainApiClient::submit_extrinsic(&client, hex::encode(&tx.encode())).await.unwrap_err();
    assert!(replay.to_string().contains("stale"), "{replay}");
    assert_eq!(ChainApiClient::finalized_head(&client).await.unwrap().len(), 66);
    assert_eq!(ChainApiClient::system_chain(&client).await.unwrap(), "Development");
    assert_eq!(
        ChainApiClient::runtime_version(&client).await.unwrap().spec_version,
        bt_runtime::SPEC_VERSION
    );
    assert_eq!(ChainApiClient::system_health(&client).await.unwrap().peers, 0);
    assert!(ChainApiClient::system_name(&client).await.unwrap().contains("subtensor"));
}

#[tokio::test]
async fn a_subnet_pays_out_at_its_epoch() {
    let node = NodeProcess::start(&[]);
    let client = node.client().await;
    let (alice, owner_hot) = (dev_key("Alice"), Keypair::from_uri("//Alice//owner").unwrap());
    let (bob, validator_hot) = (dev_key("Bob"), Keypair::from_uri("//Bob//validator").unwrap());
    let (charlie, miner_hot) = (dev_key("Charlie"), Keypair::from_uri("//Charlie//miner").unwrap());
    let subtensor = |call| Call::SubtensorModule(call);
    execute(&client, &alice, subtensor(SubtensorCall::register_network { hotkey: owner_hot.account() }))
        .await;
    let netuid = 1;
    execute(&client, &alice, subtensor(SubtensorCall::start_call { netuid })).await;
    for call in [
        AdminCall::sudo_set_subnet_emission_enabled { netuid, enabled: true },
        AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: false },
        AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 },
    ] {
        execute(&client, &alice, Call::AdminUtils(call)).await;
    }
    execute(
        &client,
        &bob,
        subtensor(SubtensorCall::burned_register { netuid, hotkey: validator_hot.account() }),
    )
    .await;
    execute(
        &client,
        &charlie,
        subtensor(SubtensorCall::burned_register { netuid, hotkey: miner_hot.account() }),
    )
    .await;
    let stake =
        SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid, amount_staked: 100 * TAO };
    execute(&client, &bob, subtensor(stake)).await;
    execute(&client, &bob, transfer(&validator_hot, TAO)).await; // the hotkey pays its own fees

    // Wait for an epoch to hand out the validator permit, then set weights.
    let wait_for = |condition: fn(&bt_runtime::views::Metagraph) -> bool| {
        let client = &client;
        async move {
            for _ in 0..400 {
                let metagraph =
                    SubtensorApiClient::metagraph(client, netuid, None, None).await.unwrap().unwrap();
                if condition(&metagraph) {
                    return metagraph;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("condition not reached");
        }
    };
    wait_for(|m| m.validator_permit.get(1) == Some(&true)).await;
    let weights =
        SubtensorCall::set_weights { netuid, dests: vec![2], weights: vec![u16::MAX], version_key: 0 };
    execute(&client, &validator_hot, subtensor(weights)).await;
    let metagraph = wait_for(|m| m.incentive.get(2).is_some_and(|&i| i > 0)).await;
    assert_eq!(metagraph.hotkeys[2], miner_hot.account());
    assert_eq!(metagraph.incentive[2], u16::MAX);
    let metagraph = wait_for(|m| m.alpha_stake[2] > 0 && m.dividends[1] > 0).await;
    assert!(metagraph.alpha_stake[1] > 100 * TAO, "the validator earned dividends");
    let stake =
        SubtensorApiClient::stake_info_for_coldkey(&client, charlie.account().to_ss58(), None).await.unwrap();
    assert!(stake.iter().any(|s| s.hotkey == miner_hot.account() && s.stake > 0 && s.is_registered));
    let (_, metrics) = http(node.addr, "GET", "/metrics", b"");
    let epochs: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("subtensor_epochs_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    assert!(epochs >= 2.0, "{metrics}");
}

#[tokio::test]
async fn a_restarted_node_continues_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let args = base_path_args(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (alice, dave) = (dev_key("Alice"), dev_key("Dave"));
    let (height, balance, genesis) = {
        let mut node = NodeProcess::start(&args);
        let client = node.client().await;
        execute(&client, &alice, transfer(&dave, 3 * TAO)).await;
        let height = best(&client).await;
        let balance = SubtensorApiClient::balance(&client, dave.account().to_ss58(), None).await.unwrap();
        let genesis = ChainApiClient::block_hash(&client, Some(0)).await.unwrap();
        node.interrupt();
        (height, balance, genesis)
    };
    let node = NodeProcess::start(&args);
    let client = node.client().await;
    assert!(best(&client).await >= height);
    assert_eq!(ChainApiClient::block_hash(&client, Some(0)).await.unwrap(), genesis);
    assert_eq!(SubtensorApiClient::balance(&client, dave.account().to_ss58(), None).await.unwrap(), balance);
    // And it keeps producing blocks and accepting transactions.
    execute(&client, &alice, transfer(&dave, TAO)).await;
}

#[tokio::test]
async fn killing_the_node_under_load_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let args = base_path_args(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (alice, eve) = (dev_key("Alice"), dev_key("Eve"));
    let mut confirmed_height = 0;
    let mut confirmed_balance = 0;
    for round in 0..4u64 {
        let mut node = NodeProcess::start(&args);
        let client = node.client().await;
        let height = best(&client).await;
        assert!(
            height >= confirmed_height,
            "round {round}: restarted at #{height}, below #{confirmed_height}"
        );
        let balance = SubtensorApiClient::balance(&client, eve.account().to_ss58(), None).await.unwrap();
        assert!(balance >= confirmed_balance, "round {round}: a finalized transfer was lost");
        // Load: a stream of transfers; note what is final, then kill mid-stream.
        let chain = chain_id(&client).await;
        let mut nonce = ChainApiClient::account_next_index(&client, alice.account().to_ss58()).await.unwrap();
        for i in 0..200u64 {
            let tx = bt_runtime::SignedTransaction::sign(&alice, transfer(&eve, TAO), nonce, 0, &chain);
            if ChainApiClient::submit_extrinsic(&client, hex::encode(&tx.encode())).await.is_ok() {
                nonce += 1;
            }
            if i == 100 {
                confirmed_height = best(&client).await;
                confirmed_balance =
                    SubtensorApiClient::balance(&client, eve.account().to_ss58(), None).await.unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(20 * round)).await;
        node.kill();
    }
    let node = NodeProcess::start(&args);
    let client = node.client().await;
    assert!(best(&client).await >= confirmed_height);
    execute(&client, &alice, transfer(&eve, TAO)).await;
}

#[tokio::test]
async fn hostile_requests_get_errors_and_the_node_stays_up() {
    let node = NodeProcess::start(&[]);
    let addr = node.addr;
    let call = |body: &str| http(addr, "POST", "/", body.as_bytes());
    let cases = [
        (r#"{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":["0x12"]}"#, "not a block hash"),
        (r#"{"jsonrpc":"2.0","id":1,"method":"subtensor_balance","params":[7]}"#, "Invalid params"),
        (r#"{"jsonrpc":"2.0","id":1,"method":"subtensor_metagraph","params":[70000]}"#, "Invalid params"),
        (r#"{"jsonrpc":"2.0","id":1,"method":"no_such_method","params":[]}"#, "Method not found"),
        (r#"{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["0xzz"]}"#, "must be hex"),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["0x0102"]}"#,
            "do not decode",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"subtensor_subnets","params":["0x0000000000000000000000000000000000000000000000000000000000000000"]}"#,
            "unknown block",
        ),
        (r#"{"jsonrpc":"2.0","id":1,"method":"#, "Parse error"),
        ("[]", "error"),
    ];
    for (body, expected) in cases {
        let (_, reply) = call(body);
        assert!(reply.contains(expected), "{body} → {reply}");
    }
    // A body over the 16 MiB limit is refused without reading it all.
    let huge =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"system_name","params":["{}"]}}"#, "a".repeat(17 << 20));
    let (status, _) = call(&huge);
    assert_eq!(status, 413);
    // A batch of many requests is answered.
    let batch = format!("[{}]", vec![r#"{"jsonrpc":"2.0","id":1,"method":"system_name"}"#; 50].join(","));
    assert!(call(&batch).1.contains("bittensor-rs"));
    let (status, health) = http(addr, "GET", "/health", b"");
    assert_eq!(status, 200);
    assert!(health.contains("\"status\":\"ok\""));
}

#[tokio::test]
async fn a_chain_spec_file_starts_a_chain_and_heads_are_streamed() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_subtensor"))
        .args(["build-spec", "--dev"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut spec: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    spec["name"] = "Test chain".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let base = dir.path().join("db");
    let node =
        NodeProcess::start_with(&["--chain", path.to_str().unwrap(), "--base-path", base.to_str().unwrap()]);
    let client = node.client().await;
    assert_eq!(ChainApiClient::system_chain(&client).await.unwrap(), "Test chain");

    let mut heads = ChainApiClient::subscribe_new_heads(&client).await.unwrap();
    let first = heads.next().await.unwrap().unwrap().number().unwrap();
    let second = heads.next().await.unwrap().unwrap().number().unwrap();
    assert_eq!(second, first + 1);
    let mut finalized = ChainApiClient::subscribe_finalized_heads(&client).await.unwrap();
    assert!(finalized.next().await.unwrap().unwrap().number().unwrap() > first);

    // A spec that is not there, or not a spec, is a clear error.
    for bad in [dir.path().join("missing.json"), base.join("chain.redb")] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_subtensor"))
            .args(["--chain", bad.to_str().unwrap(), "--rpc-port", "0"])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("chain spec"), "{output:?}");
    }
}
