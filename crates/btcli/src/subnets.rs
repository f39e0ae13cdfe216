//! `btcli subnets …` and `btcli axon …`.

use std::net::IpAddr;

use bittensor::Metagraph;
use bt_runtime::hyperparams::SubnetHyperparams;
use clap::Subcommand;
use serde_json::json;

use crate::ui::{table, tao};
use crate::Ctx;

#[derive(Subcommand)]
pub enum Command {
    /// Every subnet.
    List,
    /// A subnet's metagraph.
    #[command(visible_alias = "metagraph")]
    Show {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
    /// A subnet's hyperparameters.
    Hyperparameters {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
    /// The current registration price of a subnet.
    #[command(alias = "burn_cost")]
    BurnCost {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
    /// Create a subnet owned by the wallet's coldkey, with its hotkey at uid 0.
    Create,
    /// Start emission and staking on a subnet you own.
    Start {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
    /// Register the wallet's hotkey on a subnet, paying the burn from the coldkey.
    Register {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
}

#[derive(Subcommand)]
pub enum AxonCommand {
    /// Publish the hotkey's axon address on a subnet.
    Set {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
        /// Public IP address (IPv4 or IPv6).
        #[arg(long)]
        ip: IpAddr,
        /// Port.
        #[arg(long)]
        port: u16,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let subtensor = ctx.subtensor().await?;
    match command {
        Command::List => {
            let subnets = subtensor.subnets().await?;
            let rows = subnets
                .iter()
                .map(|s| {
                    vec![
                        s.netuid.to_string(),
                        format!("{}/{}", s.subnetwork_n, s.max_allowed_uids),
                        s.tempo.to_string(),
                        tao(s.burn),
                        tao(s.total_stake),
                        if s.first_emission_block.is_some() { "yes" } else { "no" }.into(),
                        if s.netuid == 0 { "root".into() } else { s.owner_coldkey.to_ss58() },
                    ]
                })
                .collect();
            ctx.ui.show(&json!(subnets), || {
                table(&["netuid", "uids", "tempo", "burn", "stake", "started", "owner"], rows)
            });
        }
        Command::Show { netuid } => {
            let m = ctx.ui.wait("Syncing the metagraph…", Metagraph::sync(&subtensor, netuid, false)).await?;
            let (stake, incentive, dividends, consensus, trust, emission) =
                (m.S(), m.I(), m.D(), m.C(), m.Tv(), m.E());
            let rows = (0..usize::from(m.n()))
                .map(|i| {
                    vec![
                        i.to_string(),
                        format!("{:.4}", stake[i]),
                        format!("{:.4}", incentive[i]),
                        format!("{:.4}", dividends[i]),
                        format!("{:.4}", consensus[i]),
                        format!("{:.4}", trust[i]),
                        format!("{:.4}", emission[i]),
                        if m.validator_permit[i] { "*" } else { "" }.into(),
                        m.last_update[i].to_string(),
                        m.hotkeys[i].to_ss58(),
                    ]
                })
                .collect();
            ctx.ui.show(&m, || {
                format!(
                    "Subnet {netuid} at block #{}: {} uids, tempo {}, last epoch #{}\n{}",
                    m.block,
                    m.n(),
                    m.tempo,
                    m.last_step,
                    table(
                        &[
                            "uid",
                            "stake",
                            "incentive",
                            "dividends",
                            "consensus",
                            "v.trust",
                            "emission",
                            "vpermit",
                            "updated",
                            "hotkey"
                        ],
                        rows
                    )
                )
            });
        }
        Command::Hyperparameters { netuid } => {
            let params = subtensor.get_subnet_hyperparameters(netuid).await?;
            show_hyperparameters(ctx, netuid, &params)?;
        }
        Command::BurnCost { netuid } => {
            let burn = subtensor.burn(netuid).await?;
            ctx.ui.show(&json!({ "netuid": netuid, "burn_rao": burn }), || {
                format!("Registering on subnet {netuid} costs {}", tao(burn))
            });
        }
        Command::Create => {
            let hotkey = ctx.hotkeypub()?;
            let cost = subtensor.lock_cost().await?;
            let free = subtensor.get_balance(&ctx.coldkeypub()?).await?;
            if free < cost {
                anyhow::bail!("creating a subnet costs {} but the coldkey has {}", tao(cost), tao(free));
            }
            ctx.ui.confirm(&format!(
                "Create a subnet for {} (locked until the subnet is dissolved)?",
                tao(cost)
            ))?;
            let coldkey = ctx.coldkey()?;
            let netuid =
                ctx.ui.wait("Waiting for inclusion…", subtensor.register_subnet(&coldkey, &hotkey)).await?;
            ctx.ui.show(&json!({ "success": true, "netuid": netuid, "lock_rao": cost }), || {
                format!("Created subnet {netuid}; start it with `btcli subnets start --netuid {netuid}`")
            });
        }
        Command::Start { netuid } => {
            let coldkey = ctx.coldkey()?;
            let receipt =
                ctx.ui.wait("Waiting for inclusion…", subtensor.start_call(&coldkey, netuid)).await?;
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
                format!("Subnet {netuid} started")
            });
        }
        Command::Register { netuid } => {
            let hotkey = ctx.hotkeypub()?;
            let burn = subtensor.burn(netuid).await?;
            ctx.ui.confirm(&format!("Register {hotkey} on subnet {netuid} for {}?", tao(burn)))?;
            let coldkey = ctx.coldkey()?;
            let uid = ctx
                .ui
                .wait("Waiting for inclusion…", subtensor.burned_register(&coldkey, netuid, &hotkey))
                .await?;
            ctx.ui.show(&json!({ "success": true, "netuid": netuid, "uid": uid, "burn_rao": burn }), || {
                format!("Registered {hotkey} on subnet {netuid} as uid {uid} for {}", tao(burn))
            });
        }
    }
    Ok(())
}

pub fn show_hyperparameters(ctx: &Ctx, netuid: u16, params: &SubnetHyperparams) -> anyhow::Result<()> {
    // Field names and values as the JSON shows them, in declaration order.
    let text = serde_json::to_string(params)?;
    let fields: Vec<(String, String)> = text
        .trim_matches(['{', '}'])
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .map(|(k, v)| (k.trim_matches('"').to_string(), v.trim_matches('"').to_string()))
        .collect();
    let rows = fields.into_iter().map(|(k, v)| vec![k, v]).collect();
    ctx.ui.show(params, || format!("Subnet {netuid}\n{}", table(&["hyperparameter", "value"], rows)));
    Ok(())
}

pub async fn run_axon(ctx: &Ctx, command: AxonCommand) -> anyhow::Result<()> {
    let AxonCommand::Set { netuid, ip, port } = command;
    let subtensor = ctx.subtensor().await?;
    let hotkey = ctx.hotkey()?;
    let receipt =
        ctx.ui.wait("Waiting for inclusion…", subtensor.serve_axon(&hotkey, netuid, ip, port)).await?;
    ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
        format!("Axon of {} on subnet {netuid} set to {ip}:{port}", hotkey.account())
    });
    Ok(())
}
