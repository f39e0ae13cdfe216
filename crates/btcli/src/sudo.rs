//! `btcli sudo set|get`: subnet hyperparameters (owner or root).

use anyhow::{bail, Context};
use bt_runtime::call::{AdminCall, RecycleOrBurn};
use clap::Subcommand;
use serde_json::json;

use crate::Ctx;

#[derive(Subcommand)]
pub enum Command {
    /// Change a hyperparameter (signed by the wallet's coldkey: the subnet owner, or sudo).
    Set {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
        /// The hyperparameter, as `btcli subnets hyperparameters` names it.
        #[arg(long)]
        param: String,
        /// Its new value (`true`/`false` for switches; `low,high` for alpha_values).
        #[arg(long)]
        value: String,
    },
    /// Show a subnet's hyperparameters.
    Get {
        /// The subnet.
        #[arg(long)]
        netuid: u16,
    },
}

fn number<T: std::str::FromStr>(param: &str, value: &str) -> anyhow::Result<T> {
    value.trim().parse().ok().with_context(|| format!("{param} needs a number in its range, not {value:?}"))
}

fn switch(param: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => bail!("{param} needs true or false, not {value:?}"),
    }
}

/// The setter call for a hyperparameter name and value.
pub fn setter(netuid: u16, param: &str, value: &str) -> anyhow::Result<AdminCall> {
    use AdminCall::*;
    let (n, v) = (netuid, value);
    Ok(match param {
        "rho" => sudo_set_rho { netuid: n, rho: number(param, v)? },
        "kappa" => sudo_set_kappa { netuid: n, kappa: number(param, v)? },
        "immunity_period" => sudo_set_immunity_period { netuid: n, immunity_period: number(param, v)? },
        "min_allowed_weights" => {
            sudo_set_min_allowed_weights { netuid: n, min_allowed_weights: number(param, v)? }
        }
        "max_weights_limit" | "max_weight_limit" => {
            sudo_set_max_weight_limit { netuid: n, max_weight_limit: number(param, v)? }
        }
        "tempo" => sudo_set_tempo { netuid: n, tempo: number(param, v)? },
        "weights_version" | "weights_version_key" => {
            sudo_set_weights_version_key { netuid: n, weights_version_key: number(param, v)? }
        }
        "weights_rate_limit" => {
            sudo_set_weights_set_rate_limit { netuid: n, weights_set_rate_limit: number(param, v)? }
        }
        "activity_cutoff" => sudo_set_activity_cutoff { netuid: n, activity_cutoff: number(param, v)? },
        "registration_allowed" => {
            sudo_set_network_registration_allowed { netuid: n, registration_allowed: switch(param, v)? }
        }
        "min_burn" => sudo_set_min_burn { netuid: n, min_burn: number(param, v)? },
        "max_burn" => sudo_set_max_burn { netuid: n, max_burn: number(param, v)? },
        "burn_half_life" => sudo_set_burn_half_life { netuid: n, burn_half_life: number(param, v)? },
        "bonds_moving_avg" => {
            sudo_set_bonds_moving_average { netuid: n, bonds_moving_average: number(param, v)? }
        }
        "bonds_penalty" => sudo_set_bonds_penalty { netuid: n, bonds_penalty: number(param, v)? },
        "max_validators" => {
            sudo_set_max_allowed_validators { netuid: n, max_allowed_validators: number(param, v)? }
        }
        "max_allowed_uids" => sudo_set_max_allowed_uids { netuid: n, max_allowed_uids: number(param, v)? },
        "serving_rate_limit" => {
            sudo_set_serving_rate_limit { netuid: n, serving_rate_limit: number(param, v)? }
        }
        "commit_reveal_weights_enabled" => {
            sudo_set_commit_reveal_weights_enabled { netuid: n, enabled: switch(param, v)? }
        }
        "commit_reveal_period" => {
            sudo_set_commit_reveal_weights_interval { netuid: n, interval: number(param, v)? }
        }
        "liquid_alpha_enabled" => sudo_set_liquid_alpha_enabled { netuid: n, enabled: switch(param, v)? },
        "alpha_values" => {
            let (low, high) = v.split_once(',').with_context(|| "alpha_values needs low,high")?;
            sudo_set_alpha_values {
                netuid: n,
                alpha_low: number(param, low)?,
                alpha_high: number(param, high)?,
            }
        }
        "alpha_sigmoid_steepness" => {
            sudo_set_alpha_sigmoid_steepness { netuid: n, steepness: number(param, v)? }
        }
        "yuma3_enabled" => sudo_set_yuma3_enabled { netuid: n, enabled: switch(param, v)? },
        "bonds_reset_enabled" => sudo_set_bonds_reset_enabled { netuid: n, enabled: switch(param, v)? },
        "transfers_enabled" => sudo_set_toggle_transfer { netuid: n, toggle: switch(param, v)? },
        "owner_cut_enabled" => sudo_set_owner_cut_enabled { netuid: n, enabled: switch(param, v)? },
        "subnet_emission_enabled" => {
            sudo_set_subnet_emission_enabled { netuid: n, enabled: switch(param, v)? }
        }
        "immune_owner_uids_limit" => {
            sudo_set_owner_immune_neuron_limit { netuid: n, immune_neurons: number(param, v)? }
        }
        "min_non_immune_uids" => sudo_set_min_non_immune_uids { netuid: n, min: number(param, v)? },
        "recycle_or_burn" => sudo_set_recycle_or_burn {
            netuid: n,
            recycle_or_burn: match v.trim().to_lowercase().as_str() {
                "burn" => RecycleOrBurn::Burn,
                "recycle" => RecycleOrBurn::Recycle,
                _ => bail!("recycle_or_burn is burn or recycle, not {v:?}"),
            },
        },
        other => {
            bail!("unknown hyperparameter {other:?} (see `btcli subnets hyperparameters --netuid {netuid}`)")
        }
    })
}

pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let subtensor = ctx.subtensor().await?;
    match command {
        Command::Set { netuid, param, value } => {
            let call = setter(netuid, &param, &value)?;
            ctx.ui.confirm(&format!("Set {param} = {value} on subnet {netuid}?"))?;
            let coldkey = ctx.coldkey()?;
            let submitted = subtensor.submit(&coldkey, bt_runtime::Call::AdminUtils(call));
            let receipt = ctx.ui.wait("Waiting for inclusion…", submitted).await?;
            ctx.ui.show(&json!({ "success": true, "block": receipt.block_number }), || {
                format!("{param} set to {value} on subnet {netuid}")
            });
        }
        Command::Get { netuid } => {
            let params = subtensor.get_subnet_hyperparameters(netuid).await?;
            crate::subnets::show_hyperparameters(ctx, netuid, &params)?;
        }
    }
    Ok(())
}
