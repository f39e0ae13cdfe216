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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesisSubnet {
    /// Owner coldkey.
    pub owner_coldkey: AccountId,
    /// Owner hotkey (uid 0).
    pub owner_hotkey: AccountId,
    /// Already started (`start_call`) and receiving emission.
    pub emitting: bool,
}

/// What the first block starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesisConfig {
    /// Free balances.
    pub balances: Vec<(AccountId, Balance)>,
    /// The sudo account.
    pub sudo: AccountId,
    /// Tempo of new subnets (360 on the real chain).
    pub initial_tempo: u16,
    /// Blocks between subnet registrations (7200 on the real chain).
    pub network_rate_limit: u64,
    /// Subnets created at genesis, netuids 1, 2, … in order, with no lock paid.
    pub subnets: Vec<GenesisSubnet>,
}

impl GenesisConfig {
    /// A chain with these balances and sudo account, and the chain's defaults otherwise.
    pub fn new(balances: Vec<(AccountId, Balance)>, sudo: AccountId) -> Self {
        GenesisConfig { balances, sudo, initial_tempo: 360, network_rate_limit: 7_200, subnets: Vec::new() }
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
