//! A bounded load generator for a running dev node: end-to-end signed transfers per second
//! (submission to inclusion) and `subtensor_metagraph` latency on a 256-uid subnet.
//!
//! ```sh
//! cargo run --release --bin subtensor -- --dev &
//! cargo run --release -p bt-node --example load -- --transfers 20000
//! ```

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bt_node::chain_spec::{dev_key, DEV_ACCOUNTS};
use bt_primitives::{hex, Keypair};
use bt_rpc::{ChainApiClient, SubtensorApiClient, TransactionStatus};
use bt_runtime::call::{BalancesCall, Call, SubtensorCall};
use bt_runtime::{ChainId, SignedTransaction, SPEC_VERSION};
use clap::Parser;
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use parity_scale_codec::Encode;

/// Load for a dev node.
#[derive(Parser)]
struct Args {
    /// The node's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    url: String,
    /// Signed transfers to submit (at most 100 000).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    transfers: u64,
    /// Parallel RPC connections submitting them.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    connections: u64,
    /// Metagraph requests to time (0 skips the subnet set-up).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    metagraph_requests: u64,
}

async fn connect(url: &str) -> anyhow::Result<WsClient> {
    WsClientBuilder::default().build(url).await.with_context(|| format!("connecting to {url}"))
}

async fn wait_final(client: &WsClient, hash: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        match SubtensorApiClient::transaction_status(client, hash.to_string()).await? {
            Some(TransactionStatus::Finalized(_)) => return Ok(()),
            Some(s @ (TransactionStatus::Invalid(_) | TransactionStatus::Dropped(_))) => {
                bail!("{hash}: {s:?}")
            }
            _ if Instant::now() > deadline => bail!("{hash} not final after {timeout:?}"),
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Signs `calls` from `signer` with consecutive nonces.
async fn sign_all(
    client: &WsClient,
    chain: &ChainId,
    signer: &Keypair,
    calls: Vec<Call>,
) -> anyhow::Result<Vec<String>> {
    let first = ChainApiClient::account_next_index(client, signer.account().to_ss58()).await?;
    Ok(calls
        .into_iter()
        .zip(first..)
        .map(|(call, nonce)| hex::encode(&SignedTransaction::sign(signer, call, nonce, 0, chain).encode()))
        .collect())
}

/// Submits every transaction over `connections` connections; returns the elapsed time
/// until the last of them is final.
async fn submit_all(
    url: &str,
    connections: u64,
    txs: Vec<String>,
    last: Vec<String>,
) -> anyhow::Result<Duration> {
    let mut clients = Vec::new();
    for _ in 0..connections {
        clients.push(connect(url).await?);
    }
    let started = Instant::now();
    let chunk = txs.len().div_ceil(connections as usize).max(1);
    let mut tasks = Vec::new();
    for (client, part) in clients.into_iter().zip(txs.chunks(chunk).map(<[String]>::to_vec)) {
        tasks.push(tokio::spawn(async move {
            for tx in part {
                ChainApiClient::submit_extrinsic(&client, tx).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let submitted = started.elapsed();
    let client = connect(url).await?;
    for hash in last {
        wait_final(&client, &hash, Duration::from_secs(120)).await?;
    }
    let total = started.elapsed();
    println!("  submitted in {:.2} s, all final after {:.2} s", submitted.as_secs_f64(), total.as_secs_f64());
    Ok(total)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = connect(&args.url).await?;
    let genesis = ChainApiClient::block_hash(&client, Some(0)).await?.context("no genesis")?;
    let chain = ChainId { genesis_hash: hex::decode32(&genesis)?, spec_version: SPEC_VERSION };

    // 1. Transfers: the dev accounts take turns, each with consecutive nonces.
    let senders: Vec<Keypair> = DEV_ACCOUNTS.iter().map(|name| dev_key(name)).collect();
    let per_sender = args.transfers.div_ceil(senders.len() as u64);
    let dest = Keypair::from_uri("//load-sink")?.account();
    let signing = Instant::now();
    let mut txs = Vec::new();
    let mut last = Vec::new();
    for sender in &senders {
        let calls = (0..per_sender)
            .map(|_| Call::Balances(BalancesCall::transfer_allow_death { dest, value: 1_000_000.into() }))
            .collect();
        let signed = sign_all(&client, &chain, sender, calls).await?;
        let tail = signed.last().context("no transfers")?;
        last.push(hex::encode(&bt_primitives::hashing::blake2_256(&hex::decode(tail)?)));
        txs.extend(signed);
    }
    // Interleave senders so that each connection carries every sender's nonces in order.
    let count = txs.len();
    let mut interleaved = Vec::with_capacity(count);
    for i in 0..per_sender as usize {
        for s in 0..senders.len() {
            interleaved.push(txs[s * per_sender as usize + i].clone());
        }
    }
    println!("transfers: {count} signed in {:.2} s", signing.elapsed().as_secs_f64());
    let elapsed = submit_all(&args.url, args.connections, interleaved, last).await?;
    println!("  end to end: {:.0} transfers/s", count as f64 / elapsed.as_secs_f64());

    if args.metagraph_requests == 0 {
        return Ok(());
    }
    // 2. A 256-uid subnet, then metagraph latency.
    let alice = dev_key("Alice");
    let owner = Keypair::from_uri("//Alice//load-owner")?;
    let register_network = SubtensorCall::register_network { hotkey: owner.account() };
    let signed = sign_all(&client, &chain, &alice, vec![Call::SubtensorModule(register_network)]).await?;
    let hash = ChainApiClient::submit_extrinsic(&client, signed[0].clone()).await?;
    wait_final(&client, &hash, Duration::from_secs(30)).await?;
    let netuid = SubtensorApiClient::subnets(&client, None).await?.last().context("no subnet")?.netuid;
    let registrations = (1..256)
        .map(|i| {
            let hotkey = Keypair::from_uri(&format!("//Alice//load-{i}")).map(|k| k.account());
            hotkey.map(|hotkey| Call::SubtensorModule(SubtensorCall::burned_register { netuid, hotkey }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let signed = sign_all(&client, &chain, &alice, registrations).await?;
    let last =
        hex::encode(&bt_primitives::hashing::blake2_256(&hex::decode(signed.last().context("none")?)?));
    submit_all(&args.url, 1, signed, vec![last]).await?;
    let metagraph =
        SubtensorApiClient::metagraph(&client, netuid, None, None).await?.context("no metagraph")?;
    println!("metagraph: subnet {netuid} has {} uids", metagraph.hotkeys.len());
    let mut times = Vec::new();
    for _ in 0..args.metagraph_requests {
        let started = Instant::now();
        SubtensorApiClient::metagraph(&client, netuid, None, None).await?;
        times.push(started.elapsed());
    }
    times.sort();
    let pick = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "  {} requests: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    Ok(())
}
