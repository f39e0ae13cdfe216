//! `btcli`: the Bittensor command-line tool, with btcli's command tree and flags.

mod stake;
mod subnets;
mod sudo;
mod ui;
mod wallet;
mod weights;

use std::process::ExitCode;

use anyhow::{bail, Context};
use bittensor::wallet::{Keyfile, Wallet, WalletError};
use bittensor::Subtensor;
use bt_primitives::{AccountId, Keypair};
use clap::{Parser, Subcommand};

use crate::ui::Ui;

/// btcli: wallets, subnets, staking, weights and subnet administration on a Bittensor
/// chain (a `subtensor` node; `--network local` by default).
#[derive(Parser)]
#[command(name = "btcli", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    group: Group,
}

/// Flags every command takes.
#[derive(clap::Args, Clone)]
pub struct Global {
    /// Wallet name (default: $BT_WALLET_NAME or "default").
    #[arg(long = "wallet-name", visible_alias = "name", alias = "wallet.name", global = true)]
    wallet_name: Option<String>,
    /// Directory holding wallets (default: $BT_WALLET_PATH or ~/.bittensor/wallets).
    #[arg(long = "wallet-path", short = 'p', alias = "wallet.path", global = true)]
    wallet_path: Option<String>,
    /// Hotkey name (default: $BT_WALLET_HOTKEY or "default").
    #[arg(long = "hotkey", short = 'H', alias = "wallet-hotkey", alias = "wallet.hotkey", global = true)]
    hotkey: Option<String>,
    /// Network: local, dev, or a ws:// / http:// URL (default: $BT_SUBTENSOR_CHAIN_ENDPOINT or local).
    #[arg(
        long,
        alias = "subtensor.network",
        alias = "chain",
        alias = "subtensor.chain_endpoint",
        global = true
    )]
    network: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long = "no-prompt", visible_alias = "yes", short = 'y', global = true)]
    no_prompt: bool,
    /// Print JSON for scripts.
    #[arg(long = "json-output", alias = "json-out", global = true)]
    json_output: bool,
    /// Print only results.
    #[arg(long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Group {
    /// Create, restore, inspect and use wallets.
    #[command(subcommand, visible_alias = "w", alias = "wallets")]
    Wallet(wallet::Command),
    /// Subnets: list, inspect, create, start, register.
    #[command(subcommand, visible_alias = "s", alias = "subnet")]
    Subnets(subnets::Command),
    /// Stake and unstake.
    #[command(subcommand, visible_alias = "st")]
    Stake(stake::Command),
    /// Commit and reveal weights.
    #[command(subcommand, visible_alias = "wt", alias = "weight")]
    Weights(weights::Command),
    /// Read and change subnet hyperparameters.
    #[command(subcommand, visible_alias = "su")]
    Sudo(sudo::Command),
    /// Publish a hotkey's axon.
    #[command(subcommand)]
    Axon(subnets::AxonCommand),
}

/// What every command works with.
pub struct Ctx {
    /// Output settings.
    pub ui: Ui,
    /// The selected wallet.
    pub wallet: Wallet,
    network: Option<String>,
}

impl Ctx {
    /// Connects to the chain.
    pub async fn subtensor(&self) -> anyhow::Result<Subtensor> {
        let connect = Subtensor::connect(self.network.as_deref());
        Ok(self.ui.wait("Connecting to the chain…", connect).await?)
    }

    fn unlock(&self, file: Keyfile, what: &str) -> anyhow::Result<Keypair> {
        if !file.exists() {
            bail!(
                "wallet {:?} has no {what} at {} (create one with `btcli wallet create`)",
                self.wallet.name,
                file.path().display()
            );
        }
        let password = if file.is_encrypted()? && file.env_password().is_none() {
            Some(ui::read_password(&format!("Enter the password for {what} {:?}: ", self.wallet.name))?)
        } else {
            None
        };
        let key = file.read(password.as_deref(), self.wallet.kdf).map_err(|e| match e {
            WalletError::WrongPassword => {
                anyhow::anyhow!("wrong password for the {what} of wallet {:?}", self.wallet.name)
            }
            other => other.into(),
        })?;
        key.pair.with_context(|| format!("{} holds only a public key", file.path().display()))
    }

    /// The coldkey pair (asks for its password).
    pub fn coldkey(&self) -> anyhow::Result<Keypair> {
        self.unlock(self.wallet.coldkey_file(), "coldkey")
    }

    /// The hotkey pair.
    pub fn hotkey(&self) -> anyhow::Result<Keypair> {
        self.unlock(self.wallet.hotkey_file(), "hotkey")
    }

    /// The coldkey's address, without its password.
    pub fn coldkeypub(&self) -> anyhow::Result<AccountId> {
        self.wallet
            .coldkeypub()
            .with_context(|| format!("wallet {:?} (create it with `btcli wallet create`)", self.wallet.name))
    }

    /// The hotkey's address.
    pub fn hotkeypub(&self) -> anyhow::Result<AccountId> {
        self.wallet
            .hotkeypub()
            .with_context(|| format!("hotkey {:?} of wallet {:?}", self.wallet.hotkey, self.wallet.name))
    }
}

/// Parses an SS58 address with a clear error.
pub fn parse_address(text: &str) -> anyhow::Result<AccountId> {
    text.parse().map_err(|e| anyhow::anyhow!("{text:?} is not a valid SS58 address: {e}"))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    let path = global.wallet_path.as_deref().map(bittensor::wallet::expand_home);
    let wallet = Wallet::new(global.wallet_name.as_deref(), global.hotkey.as_deref(), path.as_deref());
    let ctx = Ctx {
        ui: Ui { prompt: !global.no_prompt, json: global.json_output, quiet: global.quiet },
        wallet,
        network: global.network,
    };
    match cli.group {
        Group::Wallet(command) => wallet::run(&ctx, command).await,
        Group::Subnets(command) => subnets::run(&ctx, command).await,
        Group::Stake(command) => stake::run(&ctx, command).await,
        Group::Weights(command) => weights::run(&ctx, command).await,
        Group::Sudo(command) => sudo::run(&ctx, command).await,
        Group::Axon(command) => subnets::run_axon(&ctx, command).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json_output;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                println!("{}", serde_json::json!({ "success": false, "error": format!("{error:#}") }));
            }
            eprintln!("Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
