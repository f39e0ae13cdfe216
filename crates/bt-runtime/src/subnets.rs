//! Creating, starting and dissolving subnets, and their epoch clock (chain.md §4.6, §8.1).

use bt_primitives::{AccountId, Balance, BlockNumber, NetUid, ROOT_NETUID};
use bt_yuma::schedule;

use crate::balances;
use crate::error::Error;
use crate::event::Event;
use crate::hyperparams::{self as hp, ensure_root};
use crate::neurons::{self, append_neuron, associate};
use crate::staking;
use crate::state::State;
use crate::storage::Item;
use crate::{map, value, Env};

map! {
    /// Which netuids exist (root included).
    NetworksAdded: NetUid => bool;
    /// The coldkey owning each subnet.
    SubnetOwner: NetUid => AccountId;
    /// The owner's hotkey (uid 0 at creation).
    SubnetOwnerHotkey: NetUid => AccountId;
    /// Block each subnet was registered at.
    NetworkRegisteredAt: NetUid => BlockNumber;
    /// TAO paid to create each subnet, held until it is dissolved.
    SubnetLocked: NetUid => Balance;
    /// Block emission started (set by `start_call` to the next block).
    FirstEmissionBlockNumber: NetUid => BlockNumber;
    /// Block of the last epoch.
    LastEpochBlock: NetUid => BlockNumber;
    /// A deferred epoch runs at or after this block (0 = none).
    PendingEpochAt: NetUid => BlockNumber;
    /// Blocks since the last epoch paid out.
    BlocksSinceLastStep: NetUid => u64;
    /// Epochs run so far.
    SubnetEpochIndex: NetUid => u64;
    /// Block of the last successful distribution (the chain's `LastMechansimStepBlock`).
    LastMechanismStepBlock: NetUid => BlockNumber;
}

value! {
    /// Lock cost paid for the last subnet.
    NetworkLastLockCost: Balance;
    /// Block of the last subnet registration, once there has been one.
    NetworkLastRegistered: BlockNumber;
}

/// Whether `netuid` exists.
pub fn exists(state: &dyn State, netuid: NetUid) -> bool {
    NetworksAdded::get(state, &netuid)
}

/// Every existing netuid, root included, in order.
pub fn netuids(state: &dyn State) -> Vec<NetUid> {
    NetworksAdded::iter(state).into_iter().filter(|(_, added)| *added).map(|(netuid, _)| netuid).collect()
}

/// Blocks until `netuid`'s next scheduled epoch.
pub fn blocks_until_next_epoch(state: &dyn State, netuid: NetUid, block: BlockNumber) -> u64 {
    let tempo = hp::Tempo::get(state, &netuid);
    schedule::blocks_until_next_auto_epoch(LastEpochBlock::get(state, &netuid), tempo, block)
}

/// The price of the next subnet (§8.1): double the last lock, decaying linearly back to
/// the minimum over the reduction interval.
pub fn lock_cost(state: &dyn State, block: BlockNumber) -> Balance {
    let min_lock = hp::NetworkMinLockCost::get(state, &());
    let Some(last_block) = NetworkLastRegistered::try_get(state, &()) else {
        return min_lock;
    };
    let last_lock = NetworkLastLockCost::get(state, &());
    let interval = hp::NetworkLockReductionInterval::get(state, &()).max(1);
    let decay = (last_lock / interval).saturating_mul(block.saturating_sub(last_block));
    last_lock.saturating_mul(2).saturating_sub(decay).max(min_lock)
}

/// `register_network`, signed by the coldkey that will own the subnet.
pub fn register_network(env: &mut Env, coldkey: &AccountId, hotkey: &AccountId) -> Result<(), Error> {
    if neurons::Owner::try_get(env.state, hotkey).is_some_and(|owner| owner != *coldkey) {
        return Err(Error::NonAssociatedColdKey);
    }
    if let Some(last) = NetworkLastRegistered::try_get(env.state, &()) {
        if env.block.saturating_sub(last) < hp::NetworkRateLimit::get(env.state, &()) {
            return Err(Error::NetworkTxRateLimitExceeded);
        }
    }
    let cost = lock_cost(env.state, env.block);
    if balances::free(env.state, coldkey) < cost {
        return Err(Error::CannotAffordLockCost);
    }
    let netuid = match next_netuid(env.state, env.block) {
        NextNetuid::Free(netuid) => netuid,
        NextNetuid::Replace(netuid) => {
            let owner = SubnetOwner::get(env.state, &netuid);
            remove_network(env, &owner, netuid)?;
            netuid
        }
        NextNetuid::None => return Err(Error::SubnetLimitReached),
    };
    balances::withdraw(env.state, coldkey, cost, Error::CannotAffordLockCost)?;
    NetworkLastLockCost::insert(env.state, &(), &cost);
    NetworkLastRegistered::insert(env.state, &(), &env.block);
    create_network(env, netuid, coldkey, hotkey, cost)
}

enum NextNetuid {
    Free(NetUid),
    Replace(NetUid),
    None,
}

/// The lowest free netuid ≥ 1, or, at the subnet limit, the subnet to replace: the oldest
/// one outside its immunity period (every price is 1.0 until pools exist).
fn next_netuid(state: &dyn State, block: BlockNumber) -> NextNetuid {
    let existing: Vec<NetUid> = netuids(state).into_iter().filter(|&n| n != ROOT_NETUID).collect();
    if existing.len() < usize::from(hp::SubnetLimit::get(state, &())) {
        let free = (1..=u16::MAX).find(|n| !existing.contains(n));
        return free.map_or(NextNetuid::None, NextNetuid::Free);
    }
    let immunity = hp::NetworkImmunityPeriod::get(state, &());
    existing
        .into_iter()
        .map(|netuid| (NetworkRegisteredAt::get(state, &netuid), netuid))
        .filter(|(registered, _)| block.saturating_sub(*registered) >= immunity)
        .min()
        .map_or(NextNetuid::None, |(_, netuid)| NextNetuid::Replace(netuid))
}

/// Creates subnet `netuid` with the values of a new subnet and the owner hotkey at uid 0.
pub fn create_network(
    env: &mut Env,
    netuid: NetUid,
    coldkey: &AccountId,
    hotkey: &AccountId,
    lock: Balance,
) -> Result<(), Error> {
    associate(env.state, coldkey, hotkey)?;
    init_new_network(env, netuid);
    SubnetOwner::insert(env.state, &netuid, coldkey);
    SubnetOwnerHotkey::insert(env.state, &netuid, hotkey);
    SubnetLocked::insert(env.state, &netuid, &lock);
    env.events.push(Event::NetworkAdded { netuid, owner: *coldkey, lock_cost: lock });
    let uid = append_neuron(env, netuid, hotkey);
    env.events.push(Event::NeuronRegistered { netuid, uid, hotkey: *hotkey });
    Ok(())
}

/// The values `init_new_network` writes (§8.1).
fn init_new_network(env: &mut Env, netuid: NetUid) {
    let state = &mut *env.state;
    let tempo = hp::InitialTempo::get(state, &());
    NetworksAdded::insert(state, &netuid, &true);
    NetworkRegisteredAt::insert(state, &netuid, &env.block);
    hp::Tempo::insert(state, &netuid, &tempo);
    LastEpochBlock::insert(state, &netuid, &schedule::initial_last_epoch_block(netuid, tempo, env.block));
    hp::NetworkRegistrationAllowed::insert(state, &netuid, &true);
    hp::MaxAllowedUids::insert(state, &netuid, &256);
    hp::MaxAllowedValidators::insert(state, &netuid, &64);
    hp::MinAllowedWeights::insert(state, &netuid, &1);
    hp::ImmunityPeriod::insert(state, &netuid, &5_000);
    hp::Yuma3On::insert(state, &netuid, &true);
    hp::Burn::insert(state, &netuid, &bt_primitives::RAO_PER_TAO);
    hp::SubnetEmissionEnabled::insert(state, &netuid, &false);
    hp::SubtokenEnabled::insert(state, &netuid, &false);
}

/// `start_call`, signed by the subnet owner: emission and staking start next block.
pub fn start_call(env: &mut Env, coldkey: &AccountId, netuid: NetUid) -> Result<(), Error> {
    if !exists(env.state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    if SubnetOwner::try_get(env.state, &netuid).as_ref() != Some(coldkey) {
        return Err(Error::BadOrigin);
    }
    if FirstEmissionBlockNumber::contains(env.state, &netuid) {
        return Err(Error::FirstEmissionBlockNumberAlreadySet);
    }
    let block = env.block + 1;
    FirstEmissionBlockNumber::insert(env.state, &netuid, &block);
    hp::SubtokenEnabled::insert(env.state, &netuid, &true);
    env.events.push(Event::FirstEmissionBlockNumberSet { netuid, block });
    Ok(())
}

/// `dissolve_network`, root only: returns all stake on the subnet to its stakers as free
/// TAO, recycles the lock and any pending emission, and removes the subnet.
pub fn dissolve_network(
    env: &mut Env,
    who: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
) -> Result<(), Error> {
    ensure_root(env.state, who)?;
    if netuid == ROOT_NETUID {
        return Err(Error::CannotDissolveRootNetwork);
    }
    if !exists(env.state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    remove_network(env, coldkey, netuid)
}

fn remove_network(env: &mut Env, coldkey: &AccountId, netuid: NetUid) -> Result<(), Error> {
    if SubnetOwner::try_get(env.state, &netuid).as_ref() != Some(coldkey) {
        return Err(Error::NotSubnetOwner);
    }
    staking::return_all_stake(env.state, netuid);
    let pending = crate::coinbase::take_pending(env.state, netuid);
    balances::recycle(env.state, pending.total_with_owner_cut());
    let lock = SubnetLocked::get(env.state, &netuid);
    balances::recycle(env.state, lock);
    neurons::remove_all(env.state, netuid);
    for item_remove in [
        NetworksAdded::remove as fn(&mut dyn State, &NetUid),
        SubnetOwner::remove,
        SubnetOwnerHotkey::remove,
        NetworkRegisteredAt::remove,
        SubnetLocked::remove,
        FirstEmissionBlockNumber::remove,
        LastEpochBlock::remove,
        PendingEpochAt::remove,
        BlocksSinceLastStep::remove,
        SubnetEpochIndex::remove,
        LastMechanismStepBlock::remove,
    ] {
        item_remove(env.state, &netuid);
    }
    hp::clear_subnet(env.state, netuid);
    crate::weights::clear_subnet(env.state, netuid);
    crate::registration::clear_subnet(env.state, netuid);
    crate::coinbase::clear_subnet(env.state, netuid);
    env.events.push(Event::NetworkRemoved { netuid });
    Ok(())
}
