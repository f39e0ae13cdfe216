//! Putting a subnet on the chain: wallets for every neuron, the subnet and its settings,
//! funding, registration and validator stake.

use std::path::Path;

use anyhow::Context;
use bittensor::primitives::{AccountId, Keypair, NetUid, Uid, RAO_PER_TAO};
use bittensor::wallet::{KeySource, Wallet};
use bittensor::Subtensor;
use bt_runtime::call::{AdminCall, Call};

/// What a neuron does in the subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The subnet owner's hotkey (uid 0).
    Owner,
    /// Scores miners and sets weights.
    Validator,
    /// Serves work.
    Miner,
}

impl Role {
    /// The name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Validator => "validator",
            Role::Miner => "miner",
        }
    }
}

/// One registered neuron.
#[derive(Debug, Clone)]
pub struct Member {
    /// Wallet name (also its process name).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Strategy or adversary name.
    pub strategy: String,
    /// Hotkey.
    pub hotkey: AccountId,
    /// Uid on the subnet.
    pub uid: Uid,
}

/// Chain settings for the subnet.
pub struct SubnetSettings {
    /// Blocks per epoch.
    pub tempo: u16,
    /// Weights go on chain through commit-reveal.
    pub commit_reveal: bool,
}

/// TAO each validator stakes: the first the most, so that stake decides consensus.
fn validator_stake(index: usize) -> u64 {
    (1000 / (index as u64 + 1)) * RAO_PER_TAO
}

fn new_wallet(dir: &Path, name: &str) -> anyhow::Result<Wallet> {
    let wallet = Wallet::new(Some(name), Some("default"), Some(dir));
    wallet.create_coldkey(&KeySource::Generate(12), None, true)?;
    wallet.create_hotkey(&KeySource::Generate(12), None, true)?;
    Ok(wallet)
}

/// Creates the subnet owned by `sudo` (the dev chain's `//Alice`), applies `settings`,
/// starts it, and funds, registers and (validators) stakes one wallet per entry of
/// `neurons` (name, role, strategy). Returns the netuid and every member, owner first.
pub async fn create_subnet(
    subtensor: &Subtensor,
    sudo: &Keypair,
    wallets: &Path,
    settings: &SubnetSettings,
    neurons: &[(String, Role, String)],
) -> anyhow::Result<(NetUid, Vec<Member>)> {
    let owner = new_wallet(wallets, "owner")?;
    let owner_hotkey = owner.hotkeypub()?;
    let netuid = subtensor.register_subnet(sudo, &owner_hotkey).await.context("creating the subnet")?;
    let admin = [
        AdminCall::sudo_set_tempo { netuid, tempo: settings.tempo },
        AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 },
        AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: settings.commit_reveal },
        AdminCall::sudo_set_commit_reveal_weights_interval { netuid, interval: 1 },
        AdminCall::sudo_set_max_registrations_per_block { netuid, max_registrations_per_block: 64 },
        AdminCall::sudo_set_target_registrations_per_interval {
            netuid,
            target_registrations_per_interval: 64,
        },
        AdminCall::sudo_set_serving_rate_limit { netuid, serving_rate_limit: 0 },
        // New subnets get no emission until root turns it on.
        AdminCall::sudo_set_subnet_emission_enabled { netuid, enabled: true },
    ];
    for call in admin {
        subtensor.submit(sudo, Call::AdminUtils(call.clone())).await.with_context(|| format!("{call:?}"))?;
    }
    subtensor.start_call(sudo, netuid).await.context("starting the subnet")?;
    let mut members = vec![Member {
        name: "owner".into(),
        role: Role::Owner,
        strategy: "-".into(),
        hotkey: owner_hotkey,
        uid: 0,
    }];
    let mut validators = 0;
    for (name, role, strategy) in neurons {
        let wallet = new_wallet(wallets, name)?;
        let (coldkey, hotkey) = (wallet.coldkey(None)?, wallet.hotkeypub()?);
        let stake = if *role == Role::Validator { validator_stake(validators) } else { 0 };
        subtensor
            .transfer(sudo, &coldkey.account(), stake + 100 * RAO_PER_TAO, true)
            .await
            .with_context(|| format!("funding {name}"))?;
        // The hotkey pays the fees of what it signs: serve_axon, weights.
        subtensor
            .transfer(sudo, &hotkey, 10 * RAO_PER_TAO, true)
            .await
            .with_context(|| format!("funding {name}'s hotkey"))?;
        let uid = subtensor
            .burned_register(&coldkey, netuid, &hotkey)
            .await
            .with_context(|| format!("registering {name}"))?;
        if stake > 0 {
            subtensor
                .add_stake(&coldkey, &hotkey, netuid, stake)
                .await
                .with_context(|| format!("staking {name}"))?;
            validators += 1;
        }
        members.push(Member { name: name.clone(), role: *role, strategy: strategy.clone(), hotkey, uid });
    }
    Ok((netuid, members))
}
