//! The chain's initial state.

use bt_primitives::{AccountId, Balance, NetUid, ROOT_NETUID};

use crate::balances::{self, Account, AccountInfo};
use crate::error::Error;
use crate::hyperparams as hp;
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, NetworksAdded};
use crate::Env;

/// A subnet that exists from genesis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenesisSubnet {
    /// Owner coldkey.
    pub owner_coldkey: AccountId,
    /// Owner hotkey (uid 0).
    pub owner_hotkey: AccountId,
    /// Already started (`start_call`) and receiving emission.
    pub emitting: bool,
}

/// What the first block starts from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenesisConfig {
    /// Free balances.
    pub balances: Vec<(AccountId, Balance)>,
    /// The sudo account.
    pub sudo: AccountId,
    /// Tempo of new subnets (360 on the real chain).
    #[serde(default = "default_tempo")]
    pub initial_tempo: u16,
    /// Blocks between subnet registrations (7200 on the real chain).
    #[serde(default = "default_network_rate_limit")]
    pub network_rate_limit: u64,
    /// Blocks before an epoch in which owners may not change hyperparameters (10).
    #[serde(default = "default_admin_freeze_window")]
    pub admin_freeze_window: u16,
    /// Subnets created at genesis, netuids 1, 2, … in order, with no lock paid.
    #[serde(default)]
    pub subnets: Vec<GenesisSubnet>,
}

fn default_tempo() -> u16 {
    360
}

fn default_network_rate_limit() -> u64 {
    7_200
}

fn default_admin_freeze_window() -> u16 {
    10
}

impl GenesisConfig {
    /// A chain with these balances and sudo account, and the chain's defaults otherwise.
    pub fn new(balances: Vec<(AccountId, Balance)>, sudo: AccountId) -> Self {
        GenesisConfig {
            balances,
            sudo,
            initial_tempo: default_tempo(),
            network_rate_limit: default_network_rate_limit(),
            admin_freeze_window: default_admin_freeze_window(),
            subnets: Vec::new(),
        }
    }

    /// Writes the genesis state (block 0) into an empty `state`.
    pub fn build(&self, state: &mut dyn State) -> Result<(), Error> {
        let mut issuance: Balance = 0;
        for (account, amount) in &self.balances {
            Account::mutate(state, account, |a: &mut AccountInfo| a.free = a.free.saturating_add(*amount));
            issuance = issuance.saturating_add(*amount);
        }
        balances::TotalIssuance::insert(state, &(), &issuance);
        hp::SudoKey::insert(state, &(), &self.sudo);
        hp::InitialTempo::insert(state, &(), &self.initial_tempo);
        hp::NetworkRateLimit::insert(state, &(), &self.network_rate_limit);
        hp::AdminFreezeWindow::insert(state, &(), &self.admin_freeze_window);
        NetworksAdded::insert(state, &ROOT_NETUID, &true);
        hp::SubtokenEnabled::insert(state, &ROOT_NETUID, &true);
        let mut env = Env::new(state, 0);
        for (index, subnet) in self.subnets.iter().enumerate() {
            let netuid = NetUid::try_from(index + 1).map_err(|_| Error::SubnetLimitReached)?;
            subnets::create_network(&mut env, netuid, &subnet.owner_coldkey, &subnet.owner_hotkey, 0)?;
            if subnet.emitting {
                subnets::start_call(&mut env, &subnet.owner_coldkey, netuid)?;
                hp::SubnetEmissionEnabled::insert(env.state, &netuid, &true);
            }
        }
        Ok(())
    }
}
