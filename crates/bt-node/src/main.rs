//! `subtensor`: the bittensor-rs chain node.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bt_node::chain_spec::{dev_key, ChainSpec};
use bt_node::consensus::DevAuthority;
use bt_node::mempool::PoolConfig;
use bt_node::node::{Node, NodeConfig};
use clap::{Parser, Subcommand};

/// The bittensor-rs chain node: produces blocks, keeps the chain on disk and serves
/// JSON-RPC (HTTP and WebSocket on one port).
#[derive(Parser)]
#[command(name = "subtensor", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Run a development chain: Alice, Bob, Charlie, Dave, Eve and Ferdie funded, Alice is
    /// sudo and authors every block, 250 ms blocks, tempo 10 for new subnets. State goes to a
    /// temporary directory unless --base-path is given.
    #[arg(long)]
    dev: bool,

    /// Start from this chain spec (JSON, as `subtensor build-spec` prints).
    #[arg(long, value_name = "FILE", conflicts_with = "dev")]
    chain: Option<PathBuf>,

    /// Directory for the chain database (default: a temporary one with --dev, otherwise
    /// ./subtensor-data/<chain id>).
    #[arg(long, value_name = "DIR")]
    base_path: Option<PathBuf>,

    /// JSON-RPC port (HTTP and WebSocket); 0 picks a free one.
    #[arg(long, default_value_t = 9944)]
    rpc_port: u16,

    /// Address the JSON-RPC server binds to.
    #[arg(long, default_value = "127.0.0.1")]
    rpc_addr: IpAddr,

    /// Milliseconds between blocks (default 250 with --dev, otherwise 12000).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..))]
    block_time_ms: Option<u64>,

    /// Log filter: a level (error, warn, info, debug, trace) or per-module directives.
    #[arg(long, default_value = "info")]
    log: String,
}

#[derive(Subcommand)]
enum Command {
    /// Print a chain spec (JSON) to edit and start a chain from with --chain.
    BuildSpec {
        /// The development chain's spec.
        #[arg(long)]
        dev: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    if let Some(Command::BuildSpec { dev }) = cli.command {
        if !dev {
            bail!("only the development spec can be built for now: `subtensor build-spec --dev`");
        }
        println!("{}", serde_json::to_string_pretty(&ChainSpec::dev())?);
        return Ok(());
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .with_context(|| format!("bad --log {:?}", cli.log))?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();

    let spec = match (&cli.chain, cli.dev) {
        (Some(path), _) => ChainSpec::from_file(path)?,
        (None, true) => ChainSpec::dev(),
        (None, false) => bail!("choose a chain: --dev, or --chain FILE (see `subtensor build-spec --dev`)"),
    };
    // With --dev and no --base-path the database lives in a directory removed on exit.
    let temporary = if cli.dev && cli.base_path.is_none() { Some(tempfile::tempdir()?) } else { None };
    let base_path = match (&cli.base_path, &temporary) {
        (Some(path), _) => path.clone(),
        (None, Some(dir)) => dir.path().to_path_buf(),
        (None, None) => PathBuf::from("subtensor-data").join(&spec.id),
    };
    let block_time = Duration::from_millis(cli.block_time_ms.unwrap_or(if cli.dev { 250 } else { 12_000 }));
    let config = NodeConfig { block_time, max_block_transactions: 20_000, pool: PoolConfig::default() };
    let author = dev_key("Alice").account();

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let node = Node::open(&spec, &base_path, Box::new(DevAuthority::new(author)), config)?;
        let best = node.chain().store.best_header().map_or(0, |h| h.number);
        tracing::info!(
            "Chain {:?} (genesis {}…) at #{best}, database in {}",
            spec.name,
            &bt_primitives::hex::encode(&node.genesis_hash)[..10],
            base_path.display()
        );
        let (addr, handle) =
            bt_node::serve_rpc(node.clone(), SocketAddr::new(cli.rpc_addr, cli.rpc_port)).await?;
        tracing::info!("Running JSON-RPC server: addr={addr}");
        tracing::info!("Started in {} ms", started.elapsed().as_millis());
        tokio::select! {
            _ = bt_node::author_blocks(node) => {}
            _ = tokio::signal::ctrl_c() => tracing::info!("Shutting down"),
        }
        let _ = handle.stop();
        drop(temporary);
        Ok(())
    })
}
