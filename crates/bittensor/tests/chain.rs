//! The SDK against a real node (the `bt-node` library, in-process, on a free loopback
//! port): a newcomer's first hour, with commit-reveal off and on.

use std::sync::Arc;
use std::time::Duration;

use bittensor::wallet::{KdfParams, KeySource, Wallet};
use bittensor::{ClientError, Metagraph, Subtensor};
use bt_node::chain_spec::{dev_key, ChainSpec};
use bt_node::consensus::DevAuthority;
use bt_node::mempool::PoolConfig;
use bt_node::node::{Node, NodeConfig};
use bt_primitives::Keypair;
use bt_runtime::call::{AdminCall, Call};

const TAO: u64 = 1_000_000_000;

struct TestNode {
    url: String,
    _dir: tempfile::TempDir,
    _server: jsonrpsee::server::ServerHandle,
}

async fn start_node() -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig {
        block_time: Duration::from_millis(50),
        max_block_transactions: 1_000,
        pool: PoolConfig::default(),
    };
    let authority = Box::new(DevAuthority::new(dev_key("Alice").account()));
    let node: Arc<Node> = Node::open(&ChainSpec::dev(), dir.path(), authority, config).unwrap();
    let (addr, server) = bt_node::serve_rpc(node.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    tokio::spawn(bt_node::author_blocks(node));
    TestNode { url: format!("ws://{addr}"), _dir: dir, _server: server }
}

async fn sudo(subtensor: &Subtensor, call: AdminCall) {
    subtensor.submit(&dev_key("Alice"), Call::AdminUtils(call)).await.unwrap();
}

/// Waits until the metagraph satisfies `condition`.
async fn wait_for(subtensor: &Subtensor, netuid: u16, condition: impl Fn(&Metagraph) -> bool) -> Metagraph {
    for _ in 0..600 {
        let metagraph = Metagraph::sync(subtensor, netuid, true).await.unwrap();
        if condition(&metagraph) {
            return metagraph;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("metagraph condition not reached");
}

async fn first_hour(commit_reveal: bool) {
    let node = start_node().await;
    let dir = tempfile::tempdir().unwrap();
    let subtensor =
        Subtensor::connect(Some(&node.url)).await.unwrap().with_reveal_dir(dir.path().join("reveals"));

    // A new wallet, funded by Alice.
    let wallet = Wallet {
        kdf: KdfParams { t_cost: 1, m_cost_kib: 64 },
        ..Wallet::new(Some("me"), Some("validator"), Some(dir.path()))
    };
    wallet.create_coldkey(&KeySource::Generate(12), Some("pw"), false).unwrap();
    wallet.create_hotkey(&KeySource::Generate(12), None, false).unwrap();
    let miner = Wallet { hotkey: "miner".into(), ..wallet.clone() };
    miner.create_hotkey(&KeySource::Generate(12), None, false).unwrap();
    let (coldkey, validator_hot, miner_hot): (Keypair, Keypair, Keypair) =
        (wallet.coldkey(Some("pw")).unwrap(), wallet.hotkey(None).unwrap(), miner.hotkey(None).unwrap());
    subtensor.transfer(&dev_key("Alice"), &coldkey.account(), 5_000 * TAO, true).await.unwrap();
    assert_eq!(subtensor.get_balance(&coldkey.account()).await.unwrap(), 5_000 * TAO);
    subtensor.transfer(&coldkey, &validator_hot.account(), TAO, true).await.unwrap(); // hotkey fees

    // A subnet, started, with two registered hotkeys and stake on the validator.
    let netuid = subtensor
        .register_subnet(&coldkey, &Keypair::from_uri("//owner-hot").unwrap().account())
        .await
        .unwrap();
    subtensor.start_call(&coldkey, netuid).await.unwrap();
    sudo(&subtensor, AdminCall::sudo_set_subnet_emission_enabled { netuid, enabled: true }).await;
    sudo(&subtensor, AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: commit_reveal })
        .await;
    sudo(&subtensor, AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 }).await;
    let validator_uid = subtensor.burned_register(&coldkey, netuid, &validator_hot.account()).await.unwrap();
    let miner_uid = subtensor.burned_register(&coldkey, netuid, &miner_hot.account()).await.unwrap();
    subtensor.add_stake(&coldkey, &validator_hot.account(), netuid, 100 * TAO).await.unwrap();
    assert_eq!(
        subtensor.get_stake(&coldkey.account(), &validator_hot.account(), netuid).await.unwrap(),
        100 * TAO
    );
    let refused = subtensor.remove_stake(&coldkey, &validator_hot.account(), netuid, 1_000 * TAO).await;
    assert!(matches!(
        refused,
        Err(ClientError::Chain { error: bt_runtime::Error::NotEnoughStakeToWithdraw })
    ));

    // Weights, once the first epoch has handed out the permit; then a tempo later,
    // incentive and dividends.
    wait_for(&subtensor, netuid, |m| m.validator_permit[usize::from(validator_uid)]).await;
    subtensor.set_weights(&validator_hot, netuid, &[miner_uid], &[1.0], 0).await.unwrap();
    let metagraph = wait_for(&subtensor, netuid, |m| {
        m.I()[usize::from(miner_uid)] > 0.5 && m.D()[usize::from(validator_uid)] > 0.5
    })
    .await;
    assert_eq!(metagraph.uid_of(&miner_hot.account()), Some(miner_uid));
    assert_eq!(metagraph.W()[usize::from(validator_uid)][usize::from(miner_uid)], 1.0);
    assert!(metagraph.S()[usize::from(validator_uid)] > 100.0, "dividends were staked");
    let neuron = subtensor.neuron_for_hotkey(netuid, &miner_hot.account()).await.unwrap().unwrap();
    assert!(neuron.incentive > 0);
    let saved = dir.path().join("metagraph.json");
    metagraph.save(&saved).unwrap();
    assert_eq!(Metagraph::load(&saved).unwrap(), metagraph);
    assert!(subtensor.reveal_pending(&validator_hot).await.unwrap().is_empty(), "nothing left to reveal");

    // An axon gate fed by the metagraph: registered hotkeys with stake pass, others do not.
    let gate = bittensor::gate::MetagraphGate::new(TAO);
    gate.refresh(&subtensor, netuid).await.unwrap();
    let caller = |hotkey: &Keypair| bittensor::Caller {
        hotkey: hotkey.account(),
        uuid: String::new(),
        nonce: 0,
        ip: std::net::Ipv4Addr::LOCALHOST.into(),
    };
    assert_eq!(gate.blacklist(&caller(&validator_hot)), None);
    // The miner's hotkey belongs to the subnet owner's coldkey, so its incentive is
    // withheld (§4.8) and it holds no stake.
    assert!(gate.blacklist(&caller(&miner_hot)).unwrap().contains("below"));
    assert!(gate.blacklist(&caller(&dev_key("Bob"))).unwrap().contains("not registered"));
    assert_eq!(gate.priority(&caller(&validator_hot)), 1.0);

    if !commit_reveal {
        // With a rate limit, a second set_weights waits for it instead of failing.
        sudo(&subtensor, AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 10 })
            .await;
        subtensor.set_weights(&validator_hot, netuid, &[miner_uid], &[1.0], 0).await.unwrap();
        subtensor
            .set_weights(&validator_hot, netuid, &[miner_uid, validator_uid], &[1.0, 0.5], 0)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newcomers_first_hour() {
    first_hour(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newcomers_first_hour_with_commit_reveal() {
    first_hour(true).await;
}
