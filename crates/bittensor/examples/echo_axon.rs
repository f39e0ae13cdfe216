//! A Rust axon serving `Dummy` (`input: int = 0`, hashed; `output = 2 * input`; input 13
//! raises, as the Python test peer does). Prints one JSON line once listening.
//!
//! ```sh
//! cargo run --release -p bittensor --example echo_axon -- --port 18092 --wallet-path DIR --wallet-name N --hotkey H
//! ```

use std::net::SocketAddr;

use bittensor::axon::HandlerError;
use bittensor::peer::Dummy;
use bittensor::wallet::{KeySource, Wallet};
use bittensor::{Axon, Caller};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Port on 127.0.0.1 (0 picks one).
    #[arg(long, default_value_t = 8091)]
    port: u16,
    /// Wallet directory.
    #[arg(long)]
    wallet_path: Option<std::path::PathBuf>,
    /// Wallet name.
    #[arg(long, default_value = "default")]
    wallet_name: String,
    /// Hotkey name (created unencrypted if missing).
    #[arg(long, default_value = "default")]
    hotkey: String,
}

async fn double(mut synapse: Dummy, _caller: Caller) -> Result<Dummy, HandlerError> {
    if synapse.input == 13 {
        return Err("unlucky input".into());
    }
    synapse.output = Some(2 * synapse.input);
    Ok(synapse)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let wallet = Wallet::new(Some(&args.wallet_name), Some(&args.hotkey), args.wallet_path.as_deref());
    if !wallet.hotkey_file().exists() {
        wallet.create_hotkey(&KeySource::Generate(12), None, false)?;
    }
    let hotkey = wallet.hotkey(None)?;
    let account = hotkey.account();
    let axon = Axon::new(hotkey).attach(double).serve(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    println!("{}", serde_json::json!({ "hotkey": account.to_ss58(), "port": axon.addr.port() }));
    tokio::signal::ctrl_c().await?;
    Ok(())
}
