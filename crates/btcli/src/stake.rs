//! `btcli stake …`.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use crate::ui::{parse_tao, table, tao};
use crate::{parse_address, Ctx};

#[derive(Subcommand)]
pub enum Command {
    /// Stake free TAO to a hotkey on a subnet.
    Add {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
        /// Amount in TAO.
        #[arg(long)]
        amount: String,
        /// The hotkey to stake to (default: the wallet's hotkey).
        #[arg(long = "include-hotkeys", visible_alias = "hotkey-ss58")]
        hotkey_ss58: Option<String>,
    },
    /// Unstake back to free TAO.
    Remove {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
        /// Amount in alpha (TAO units).
        #[arg(long, required_unless_present = "all")]
        amount: Option<String>,
        /// Everything staked on the hotkey in this subnet.
        #[arg(long)]
        all: bool,
        /// The hotkey to unstake from (default: the wallet's hotkey).
        #[arg(long = "include-hotkeys", visible_alias = "hotkey-ss58")]
        hotkey_ss58: Option<String>,
    },
    /// The coldkey's stake positions.
    List,
    /// Move stake to another hotkey (--dest) and/or subnet.
    Move(Relocation),
    /// Give stake to another coldkey (--dest).
    Transfer(Relocation),
}

/// Where stake goes: `--dest` is the hotkey (move) or coldkey (transfer).
#[derive(clap::Args)]
pub struct Relocation {
    /// Subnet the stake is on.
    #[arg(long)]
    origin_netuid: u16,
    /// Subnet it goes to.
    #[arg(long)]
    dest_netuid: u16,
    /// The receiving hotkey (move) or coldkey (transfer).
    #[arg(long)]
    dest: String,
    /// Amount in alpha (TAO units).
    #[arg(long)]
    amount: String,
}

fn hotkey_or_wallet(ctx: &Ctx, given: Option<String>) -> anyhow::Result<bt_primitives::AccountId> {
    match given {
        Some(address) => parse_address(&address),
        None => ctx.hotkeypub(),
    }
}

pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let subtensor = ctx.subtensor().await?;
    let coldkey_pub = ctx.coldkeypub()?;
    match command {
        Command::Add { netuid, amount, hotkey_ss58 } => {
            let hotkey = hotkey_or_wallet(ctx, hotkey_ss58)?;
            let amount = parse_tao(&amount)?;
            let free = subtensor.get_balance(&coldkey_pub).await?;
            if amount > free {
                bail!("not enough balance: {} free, {} asked", tao(free), tao(amount));
            }
            ctx.ui.confirm(&format!("Stake {} to {hotkey} on subnet {netuid}?", tao(amount)))?;
            let coldkey = ctx.coldkey()?;
            let receipt = ctx
                .ui
                .wait("Waiting for inclusion…", subtensor.add_stake(&coldkey, &hotkey, netuid, amount))
                .await?;
            ctx.ui.show(
                &json!({ "success": true, "block": receipt.block_number, "amount_rao": amount }),
                || format!("Staked {} to {hotkey} on subnet {netuid}", tao(amount)),
            );
        }
        Command::Remove { netuid, amount, all, hotkey_ss58 } => {
            let hotkey = hotkey_or_wallet(ctx, hotkey_ss58)?;
            let staked = subtensor.get_stake(&coldkey_pub, &hotkey, netuid).await?;
            let amount = match (all, amount) {
                (true, _) => staked,
                (false, Some(amount)) => parse_tao(&amount)?,
                (false, None) => bail!("give --amount or --all"),
            };
            ctx.ui.confirm(&format!("Unstake {} from {hotkey} on subnet {netuid}?", tao(amount)))?;
            let coldkey = ctx.coldkey()?;
            let receipt = ctx
                .ui
                .wait("Waiting for inclusion…", subtensor.remove_stake(&coldkey, &hotkey, netuid, amount))
                .await?;
            ctx.ui.show(
                &json!({ "success": true, "block": receipt.block_number, "amount_rao": amount }),
                || format!("Unstaked {} from {hotkey} on subnet {netuid}", tao(amount)),
            );
        }
        Command::List => {
            let positions = subtensor.stake_info_for_coldkey(&coldkey_pub).await?;
            let rows = positions
                .iter()
                .map(|p| {
                    vec![
                        p.netuid.to_string(),
                        p.hotkey.to_ss58(),
                        tao(p.stake),
                        if p.is_registered { "yes" } else { "no" }.into(),
                    ]
                })
                .collect();
            ctx.ui.show(&positions, || table(&["netuid", "hotkey", "stake", "registered"], rows));
        }
        Command::Move(Relocation { origin_netuid, dest_netuid, dest, amount }) => {
            let origin = ctx.hotkeypub()?;
            let dest = parse_address(&dest)?;
            let amount = parse_tao(&amount)?;
            ctx.ui.confirm(&format!(
                "Move {} from {origin} on {origin_netuid} to {dest} on {dest_netuid}?",
                tao(amount)
            ))?;
            let coldkey = ctx.coldkey()?;
            let moved =
                subtensor.move_stake(&coldkey, (&origin, origin_netuid), (&dest, dest_netuid), amount);
            let receipt = ctx.ui.wait("Waiting for inclusion…", moved).await?;
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
                format!("Moved {}", tao(amount))
            });
        }
        Command::Transfer(Relocation { origin_netuid, dest_netuid, dest, amount }) => {
            let hotkey = ctx.hotkeypub()?;
            let destination_coldkey = parse_address(&dest)?;
            let amount = parse_tao(&amount)?;
            ctx.ui
                .confirm(&format!("Give {} of stake on {hotkey} to {destination_coldkey}?", tao(amount)))?;
            let coldkey = ctx.coldkey()?;
            let call = bt_runtime::call::SubtensorCall::transfer_stake {
                destination_coldkey,
                hotkey,
                origin_netuid,
                destination_netuid: dest_netuid,
                alpha_amount: amount,
            };
            let submitted = subtensor.submit(&coldkey, bt_runtime::Call::SubtensorModule(call));
            let receipt = ctx.ui.wait("Waiting for inclusion…", submitted).await?;
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
                format!("Gave {} of stake to {destination_coldkey}", tao(amount))
            });
        }
    }
    Ok(())
}
