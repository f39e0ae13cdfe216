//! What every miner and validator program does around its own logic: the common
//! command-line options, logging, start-up (wallet, chain connection, registration
//! check), serving an axon and announcing it on chain, following blocks and the
//! metagraph, setting weights in the background, and stopping cleanly on Ctrl-C or
//! SIGTERM. Enabled by the `neuron` feature.
//!
//! ```no_run
//! # async fn run() -> Result<(), bittensor::neuron::NeuronError> {
//! use bittensor::neuron::{Neuron, NeuronArgs};
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Args {
//!     #[command(flatten)]
//!     neuron: NeuronArgs,
//! }
//!
//! let neuron = Neuron::start(Args::parse().neuron).await?;
//! let axon = neuron.serve(bittensor::Axon::new(neuron.hotkey.clone())).await?;
//! bittensor::neuron::shutdown_signal().await;
//! drop(axon);
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bt_primitives::{AccountId, BlockNumber, Keypair, NetUid, Uid};
use tokio::task::JoinHandle;

use crate::axon::AxonHandle;
use crate::wallet::{Wallet, WalletError};
use crate::{Axon, ClientError, Metagraph, Subtensor, Target};

/// The options every neuron takes (`#[command(flatten)]` them into a program's own).
#[derive(clap::Args, Debug, Clone)]
pub struct NeuronArgs {
    /// Chain endpoint (ws://host:port) or network name (local, dev).
    #[arg(long)]
    pub network: Option<String>,
    /// The subnet to work on.
    #[arg(long)]
    pub netuid: NetUid,
    /// Wallets directory (default ~/.bittensor/wallets).
    #[arg(long)]
    pub wallet_path: Option<PathBuf>,
    /// Wallet name.
    #[arg(long, default_value = "default")]
    pub wallet_name: String,
    /// Hotkey name within the wallet.
    #[arg(long, default_value = "default")]
    pub wallet_hotkey: String,
    /// Axon port (0 picks a free one).
    #[arg(long, default_value_t = 8091)]
    pub port: u16,
    /// Address to bind the axon to.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Address to announce on chain (default: the bind address). The chain refuses
    /// 127.0.0.1, so that one is announced in its IPv4-mapped IPv6 form, ::ffff:127.0.0.1,
    /// which the dendrite reaches over IPv4.
    #[arg(long)]
    pub external_ip: Option<IpAddr>,
    /// Directory for pending commit-reveal salts (default ~/.bittensor/reveals).
    #[arg(long)]
    pub reveal_dir: Option<PathBuf>,
}

/// Why a neuron could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum NeuronError {
    /// The wallet could not be read.
    #[error("wallet: {0}")]
    Wallet(#[from] WalletError),
    /// The chain refused or could not be reached.
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    /// The hotkey holds no uid on the subnet.
    #[error(
        "hotkey {hotkey} is not registered on subnet {netuid}; register it first (btcli subnets register)"
    )]
    NotRegistered {
        /// The hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
    },
    /// The axon could not bind.
    #[error("axon: {0}")]
    Io(#[from] std::io::Error),
}

/// A started neuron: its hotkey, its chain connection and its view of the subnet.
pub struct Neuron {
    /// The hotkey it signs with.
    pub hotkey: Keypair,
    /// The chain client (shared with background tasks).
    pub subtensor: Arc<Subtensor>,
    /// The subnet.
    pub netuid: NetUid,
    /// The subnet as last synced.
    pub metagraph: Metagraph,
    /// This neuron's uid in `metagraph`.
    pub uid: Uid,
    args: NeuronArgs,
    /// The last block [`Neuron::next_block`] returned.
    block: BlockNumber,
    /// The weight setting in progress, if any.
    weights: Option<JoinHandle<()>>,
}

impl Neuron {
    /// Loads the hotkey, connects to the chain and checks that the hotkey is registered.
    pub async fn start(args: NeuronArgs) -> Result<Neuron, NeuronError> {
        let wallet =
            Wallet::new(Some(&args.wallet_name), Some(&args.wallet_hotkey), args.wallet_path.as_deref());
        let hotkey = wallet.hotkey(None)?;
        let mut subtensor = Subtensor::connect(args.network.as_deref()).await?;
        if let Some(dir) = &args.reveal_dir {
            subtensor = subtensor.with_reveal_dir(dir.clone());
        }
        let metagraph = Metagraph::sync(&subtensor, args.netuid, false).await?;
        let mut neuron = Neuron {
            hotkey,
            subtensor: Arc::new(subtensor),
            netuid: args.netuid,
            metagraph,
            uid: 0,
            args,
            block: 0,
            weights: None,
        };
        neuron.uid = neuron.own_uid()?;
        Ok(neuron)
    }

    fn own_uid(&self) -> Result<Uid, NeuronError> {
        let hotkey = self.hotkey.account();
        self.metagraph.uid_of(&hotkey).ok_or(NeuronError::NotRegistered { hotkey, netuid: self.netuid })
    }

    /// Re-reads the metagraph; fails if this neuron lost its uid.
    pub async fn sync(&mut self) -> Result<(), NeuronError> {
        self.metagraph = Metagraph::sync(&self.subtensor, self.netuid, false).await?;
        self.uid = self.own_uid()?;
        Ok(())
    }

    /// Binds `axon` to the configured address and publishes it on chain (`serve_axon`)
    /// with the port actually bound. Prints one JSON line `{"hotkey", "uid", "port"}` to
    /// stdout once it is listening, for scripts that start neurons.
    pub async fn serve(&self, axon: Axon) -> Result<AxonHandle, NeuronError> {
        let handle = axon.serve(SocketAddr::new(self.args.bind, self.args.port)).await?;
        let port = handle.addr.port();
        let announced = match self.args.external_ip.unwrap_or(self.args.bind) {
            IpAddr::V4(v4) if v4.is_loopback() => IpAddr::V6(v4.to_ipv6_mapped()),
            other => other,
        };
        self.subtensor.serve_axon(&self.hotkey, self.netuid, announced, port).await?;
        let line =
            serde_json::json!({ "hotkey": self.hotkey.account().to_ss58(), "uid": self.uid, "port": port });
        println!("{line}");
        Ok(handle)
    }

    /// Waits for a block newer than the last one returned, then re-syncs the metagraph.
    /// Chain errors are logged and retried. Returns `None` once `stop` resolves (pass a
    /// pinned [`shutdown_signal`]).
    pub async fn next_block(&mut self, stop: &mut (impl Future<Output = ()> + Unpin)) -> Option<BlockNumber> {
        loop {
            tokio::select! {
                _ = &mut *stop => return None,
                _ = tokio::time::sleep(Duration::from_millis(25)) => {}
            }
            let block = match self.subtensor.current_block().await {
                Ok(block) if block > self.block => block,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!("reading the chain: {e}");
                    continue;
                }
            };
            match self.sync().await {
                Ok(()) => {
                    self.block = block;
                    return Some(block);
                }
                Err(e) => tracing::warn!("syncing the metagraph: {e}"),
            }
        }
    }

    /// Sets weights (floats, normalised like the Python SDK) in a background task, since
    /// with commit-reveal the reveal waits for the next epoch. Returns false, and does
    /// nothing, while the previous setting is still running. Failures are logged.
    pub fn spawn_set_weights(&mut self, uids: Vec<Uid>, weights: Vec<f32>) -> bool {
        if self.weights.as_ref().is_some_and(|task| !task.is_finished()) {
            return false;
        }
        let subtensor = self.subtensor.clone();
        let (hotkey, netuid) = (self.hotkey.clone(), self.netuid);
        let version = self.metagraph.hyperparameters.weights_version;
        self.weights = Some(tokio::spawn(async move {
            if let Err(e) = subtensor.set_weights(&hotkey, netuid, &uids, &weights, version).await {
                tracing::warn!("setting weights: {e}");
            }
        }));
        true
    }

    /// Every other uid that serves an axon, with where to reach it.
    pub fn peers(&self) -> Vec<(Uid, Target)> {
        self.metagraph
            .hotkeys
            .iter()
            .zip(&self.metagraph.axons)
            .enumerate()
            .filter(|&(uid, _)| uid != usize::from(self.uid))
            .filter_map(|(uid, (hotkey, axon))| Some((uid as Uid, Target::from_axon(*hotkey, axon)?)))
            .collect()
    }

    /// Where the axon of `hotkey` is served, if it is registered and serving.
    pub fn target_of(&self, hotkey: &AccountId) -> Option<Target> {
        let uid = usize::from(self.metagraph.uid_of(hotkey)?);
        Target::from_axon(*hotkey, self.metagraph.axons.get(uid)?)
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
