//! `btcli weights commit|reveal`.

use anyhow::{bail, Context};
use bittensor::weights::{normalize, salt};
use bt_primitives::hex;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Ctx;

#[derive(Subcommand)]
pub enum Command {
    /// Commit to weights (commit-reveal); prints the salt needed to reveal.
    Commit(WeightArgs),
    /// Reveal committed weights (same uids, weights and salt).
    Reveal(WeightArgs),
}

#[derive(Args)]
pub struct WeightArgs {
    /// The subnet.
    #[arg(long)]
    netuid: u16,
    /// Uids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    uids: Vec<u16>,
    /// Weights, comma-separated (any scale; max-normalised).
    #[arg(long, short = 'w', value_delimiter = ',')]
    weights: Vec<f32>,
    /// Salt, comma-separated u16s (commit: random when omitted).
    #[arg(long, value_delimiter = ',')]
    salt: Vec<u16>,
    /// Weights version key.
    #[arg(long, default_value_t = 0)]
    version_key: u64,
}

pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let subtensor = ctx.subtensor().await?;
    let hotkey = ctx.hotkey()?;
    match command {
        Command::Commit(args) => {
            let (uids, values) = normalize(&args.uids, &args.weights).map_err(anyhow::Error::msg)?;
            let salt = if args.salt.is_empty() { salt() } else { args.salt };
            let hash = bt_runtime::weights::commit_hash(
                &hotkey.account(),
                args.netuid,
                &uids,
                &values,
                &salt,
                args.version_key,
            );
            let receipt = ctx
                .ui
                .wait("Waiting for inclusion…", subtensor.commit_weights(&hotkey, args.netuid, hash))
                .await?;
            let salt_text = salt.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number, "commit_hash": hex::encode(&hash), "salt": salt }), || {
                format!("Committed {} in block #{}; reveal with --salt {salt_text}", hex::encode(&hash), receipt.block_number)
            });
        }
        Command::Reveal(args) => {
            if args.salt.is_empty() {
                bail!("reveal needs the --salt printed by commit");
            }
            let (uids, values) = normalize(&args.uids, &args.weights).map_err(anyhow::Error::msg)?;
            let revealed =
                subtensor.reveal_weights(&hotkey, args.netuid, uids, values, args.salt, args.version_key);
            let receipt = ctx.ui.wait("Waiting for inclusion…", revealed).await.context("reveal")?;
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
                format!("Revealed weights in block #{}", receipt.block_number)
            });
        }
    }
    Ok(())
}
