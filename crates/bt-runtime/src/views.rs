//! Read-only views of the state for clients (chain.md §9.2), computed with no side
//! effects.

use bt_primitives::{AccountId, Balance, BlockNumber, NetUid, Nonce, Uid, ROOT_NETUID};
use parity_scale_codec::{Decode, Encode};

use crate::balances::{self, Account};
use crate::coinbase;
use crate::hyperparams::{SubnetHyperparams, Tempo};
use crate::neurons::{self, *};
use crate::serving::{AxonInfo, Axons, Prometheus, PrometheusInfo};
use crate::staking::{self, Alpha, Delegates, StakingHotkeys};
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, *};
use crate::CurrentBlock;

/// One neuron, as `neuronInfo_getNeuron` returns it. `rank` and `trust` are no longer
/// computed by the chain and are always 0.
#[allow(missing_docs)] // fields are the chain's per-uid items
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct NeuronInfo {
    pub hotkey: AccountId,
    pub coldkey: AccountId,
    pub uid: Uid,
    pub netuid: NetUid,
    pub active: bool,
    pub axon_info: AxonInfo,
    pub prometheus_info: PrometheusInfo,
    /// Stake on this subnet per coldkey.
    pub stake: Vec<(AccountId, Balance)>,
    pub rank: u16,
    pub emission: Balance,
    pub incentive: u16,
    pub consensus: u16,
    pub trust: u16,
    pub validator_trust: u16,
    pub dividends: u16,
    pub last_update: BlockNumber,
    pub validator_permit: bool,
    pub weights: Row,
    pub bonds: Row,
    pub block_at_registration: BlockNumber,
}

fn at<T: Copy + Default>(values: &[T], uid: Uid) -> T {
    values.get(usize::from(uid)).copied().unwrap_or_default()
}

/// Stake on `hotkey` in `netuid` per coldkey.
fn stakers(state: &dyn State, hotkey: &AccountId, netuid: NetUid) -> Vec<(AccountId, Balance)> {
    Alpha::iter_prefix(state, &(*hotkey, netuid))
        .into_iter()
        .map(|((_, _, coldkey), _)| (coldkey, staking::stake_of(state, hotkey, &coldkey, netuid)))
        .collect()
}

/// The neuron at `uid` on `netuid`.
pub fn neuron(state: &dyn State, netuid: NetUid, uid: Uid) -> Option<NeuronInfo> {
    let hotkey = hotkey_of(state, netuid, uid)?;
    Some(NeuronInfo {
        hotkey,
        coldkey: Owner::try_get(state, &hotkey).unwrap_or_default(),
        uid,
        netuid,
        active: at(&Active::get(state, &netuid), uid),
        axon_info: Axons::get(state, &(netuid, hotkey)),
        prometheus_info: Prometheus::get(state, &(netuid, hotkey)),
        stake: stakers(state, &hotkey, netuid),
        rank: 0,
        emission: at(&Emission::get(state, &netuid), uid),
        incentive: at(&Incentive::get(state, &netuid), uid),
        consensus: at(&Consensus::get(state, &netuid), uid),
        trust: 0,
        validator_trust: at(&ValidatorTrust::get(state, &netuid), uid),
        dividends: at(&Dividends::get(state, &netuid), uid),
        last_update: at(&LastUpdate::get(state, &netuid), uid),
        validator_permit: at(&ValidatorPermit::get(state, &netuid), uid),
        weights: Weights::get(state, &(netuid, uid)),
        bonds: Bonds::get(state, &(netuid, uid)),
        block_at_registration: BlockAtRegistration::get(state, &(netuid, uid)),
    })
}

/// A subnet in the list of subnets.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct SubnetInfo {
    pub netuid: NetUid,
    pub owner_coldkey: AccountId,
    pub owner_hotkey: AccountId,
    pub subnetwork_n: u16,
    pub max_allowed_uids: u16,
    pub tempo: u16,
    pub burn: Balance,
    pub registered_at: BlockNumber,
    pub first_emission_block: Option<BlockNumber>,
    pub emission_enabled: bool,
    pub total_stake: Balance,
    pub locked: Balance,
}

/// Every subnet, root included, by netuid.
pub fn subnets(state: &dyn State) -> Vec<SubnetInfo> {
    subnets::netuids(state)
        .into_iter()
        .map(|netuid| SubnetInfo {
            netuid,
            owner_coldkey: SubnetOwner::get(state, &netuid),
            owner_hotkey: SubnetOwnerHotkey::get(state, &netuid),
            subnetwork_n: SubnetworkN::get(state, &netuid),
            max_allowed_uids: crate::hyperparams::MaxAllowedUids::get(state, &netuid),
            tempo: Tempo::get(state, &netuid),
            burn: crate::hyperparams::Burn::get(state, &netuid),
            registered_at: NetworkRegisteredAt::get(state, &netuid),
            first_emission_block: FirstEmissionBlockNumber::try_get(state, &netuid),
            emission_enabled: crate::hyperparams::SubnetEmissionEnabled::get(state, &netuid),
            total_stake: staking::SubnetStake::get(state, &netuid),
            locked: SubnetLocked::get(state, &netuid),
        })
        .collect()
}

/// A subnet's hyperparameters, if it exists.
pub fn subnet_hyperparameters(state: &dyn State, netuid: NetUid) -> Option<SubnetHyperparams> {
    subnets::exists(state, netuid).then(|| SubnetHyperparams::read(state, netuid))
}

/// The whole subnet as the metagraph sees it (wire.md §4): per-uid vectors by uid, plus
/// the subnet's clock, pending emission and hyperparameters.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct Metagraph {
    pub netuid: NetUid,
    pub block: BlockNumber,
    pub owner_coldkey: AccountId,
    pub owner_hotkey: AccountId,
    pub tempo: u16,
    pub last_step: BlockNumber,
    pub blocks_since_last_step: u64,
    /// Epochs run so far (commit-reveal counts in these).
    pub epoch_index: u64,
    pub pending_server_emission: Balance,
    pub pending_validator_emission: Balance,
    pub pending_root_emission: Balance,
    pub pending_owner_cut: Balance,
    pub hyperparameters: SubnetHyperparams,
    pub hotkeys: Vec<AccountId>,
    pub coldkeys: Vec<AccountId>,
    pub axons: Vec<AxonInfo>,
    pub active: Vec<bool>,
    pub validator_permit: Vec<bool>,
    pub last_update: Vec<BlockNumber>,
    pub block_at_registration: Vec<BlockNumber>,
    pub emission: Vec<Balance>,
    pub incentive: Vec<u16>,
    pub dividends: Vec<u16>,
    pub consensus: Vec<u16>,
    pub validator_trust: Vec<u16>,
    pub trust: Vec<u16>,
    pub rank: Vec<u16>,
    pub stake_weight: Vec<u16>,
    /// Stake on this subnet per uid (alpha).
    pub alpha_stake: Vec<Balance>,
    /// Stake on root per uid (TAO).
    pub tao_stake: Vec<Balance>,
    /// Stake weight per uid: alpha plus root TAO times `TaoWeight`.
    pub total_stake: Vec<Balance>,
    /// Weight rows per uid, when asked for.
    pub weights: Option<Vec<Row>>,
    /// Bond rows per uid, when asked for.
    pub bonds: Option<Vec<Row>>,
}

/// The metagraph of `netuid`, if it exists; with every weight and bond row when
/// `with_weights`.
pub fn metagraph(state: &dyn State, netuid: NetUid, with_weights: bool) -> Option<Metagraph> {
    if !subnets::exists(state, netuid) {
        return None;
    }
    let n = SubnetworkN::get(state, &netuid);
    let hotkeys: Vec<AccountId> =
        (0..n).map(|uid| hotkey_of(state, netuid, uid).unwrap_or_default()).collect();
    // Each per-uid vector is read once and padded or cut to `n`.
    fn per_uid<T: Copy + Default>(values: Vec<T>, n: u16) -> Vec<T> {
        (0..n).map(|uid| at(&values, uid)).collect()
    }
    let pending = coinbase::pending(state, netuid);
    Some(Metagraph {
        netuid,
        block: CurrentBlock::get(state, &()),
        owner_coldkey: SubnetOwner::get(state, &netuid),
        owner_hotkey: SubnetOwnerHotkey::get(state, &netuid),
        tempo: Tempo::get(state, &netuid),
        last_step: LastEpochBlock::get(state, &netuid),
        blocks_since_last_step: BlocksSinceLastStep::get(state, &netuid),
        epoch_index: SubnetEpochIndex::get(state, &netuid),
        pending_server_emission: pending.server,
        pending_validator_emission: pending.validator,
        pending_root_emission: pending.root,
        pending_owner_cut: pending.owner_cut,
        hyperparameters: SubnetHyperparams::read(state, netuid),
        coldkeys: hotkeys.iter().map(|h| Owner::try_get(state, h).unwrap_or_default()).collect(),
        axons: hotkeys.iter().map(|h| Axons::get(state, &(netuid, *h))).collect(),
        active: per_uid(Active::get(state, &netuid), n),
        validator_permit: per_uid(ValidatorPermit::get(state, &netuid), n),
        last_update: per_uid(LastUpdate::get(state, &netuid), n),
        block_at_registration: (0..n).map(|uid| BlockAtRegistration::get(state, &(netuid, uid))).collect(),
        emission: per_uid(Emission::get(state, &netuid), n),
        incentive: per_uid(Incentive::get(state, &netuid), n),
        dividends: per_uid(Dividends::get(state, &netuid), n),
        consensus: per_uid(Consensus::get(state, &netuid), n),
        validator_trust: per_uid(ValidatorTrust::get(state, &netuid), n),
        trust: vec![0; usize::from(n)],
        rank: vec![0; usize::from(n)],
        stake_weight: per_uid(StakeWeight::get(state, &netuid), n),
        alpha_stake: hotkeys.iter().map(|h| staking::hotkey_stake(state, h, netuid)).collect(),
        tao_stake: hotkeys.iter().map(|h| staking::hotkey_stake(state, h, ROOT_NETUID)).collect(),
        total_stake: hotkeys.iter().map(|h| staking::stake_weight(state, h, netuid)).collect(),
        weights: with_weights.then(|| (0..n).map(|uid| Weights::get(state, &(netuid, uid))).collect()),
        bonds: with_weights.then(|| (0..n).map(|uid| Bonds::get(state, &(netuid, uid))).collect()),
        hotkeys,
    })
}

/// One stake position of a coldkey.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct StakeInfo {
    pub hotkey: AccountId,
    pub coldkey: AccountId,
    pub netuid: NetUid,
    pub stake: Balance,
    pub is_registered: bool,
}

/// Every stake position of `coldkey`.
pub fn stake_info_for_coldkey(state: &dyn State, coldkey: &AccountId) -> Vec<StakeInfo> {
    let mut positions = Vec::new();
    for hotkey in StakingHotkeys::get(state, coldkey) {
        for netuid in subnets::netuids(state) {
            let stake = staking::stake_of(state, &hotkey, coldkey, netuid);
            if stake > 0 {
                let is_registered = neurons::uid_of(state, netuid, &hotkey).is_some();
                positions.push(StakeInfo { hotkey, coldkey: *coldkey, netuid, stake, is_registered });
            }
        }
    }
    positions
}

/// A hotkey others can stake to.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct DelegateInfo {
    pub hotkey: AccountId,
    pub owner: AccountId,
    pub take: u16,
    /// Stake per nominator coldkey, per subnet.
    pub nominators: Vec<(AccountId, Vec<(NetUid, Balance)>)>,
    /// Subnets the hotkey is registered on.
    pub registrations: Vec<NetUid>,
    /// Subnets where it holds a validator permit.
    pub validator_permits: Vec<NetUid>,
}

/// Every hotkey with an owner, with its take, nominators, registrations and permits.
pub fn delegates(state: &dyn State) -> Vec<DelegateInfo> {
    let netuids = subnets::netuids(state);
    Owner::iter(state)
        .into_iter()
        .map(|(hotkey, owner)| {
            let mut nominators: Vec<(AccountId, Vec<(NetUid, Balance)>)> = Vec::new();
            for ((_, netuid, coldkey), _) in Alpha::iter_prefix(state, &hotkey) {
                let stake = staking::stake_of(state, &hotkey, &coldkey, netuid);
                match nominators.iter_mut().find(|(c, _)| *c == coldkey) {
                    Some((_, stakes)) => stakes.push((netuid, stake)),
                    None => nominators.push((coldkey, vec![(netuid, stake)])),
                }
            }
            let registered: Vec<(NetUid, Uid)> = netuids
                .iter()
                .filter_map(|&n| neurons::uid_of(state, n, &hotkey).map(|uid| (n, uid)))
                .collect();
            DelegateInfo {
                hotkey,
                owner,
                take: Delegates::get(state, &hotkey),
                nominators,
                registrations: registered.iter().map(|(n, _)| *n).collect(),
                validator_permits: registered
                    .iter()
                    .filter(|(n, uid)| at(&ValidatorPermit::get(state, n), *uid))
                    .map(|(n, _)| *n)
                    .collect(),
            }
        })
        .collect()
}

/// `account`'s free balance.
pub fn balance(state: &dyn State, account: &AccountId) -> Balance {
    balances::free(state, account)
}

/// The nonce `account`'s next transaction must carry.
pub fn account_nonce(state: &dyn State, account: &AccountId) -> Nonce {
    Account::get(state, account).nonce
}
