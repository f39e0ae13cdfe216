//! Setting weights directly or through commit-reveal (chain.md §7.1, §7.2).

use bt_primitives::hashing::blake2_256;
use bt_primitives::{AccountId, BlockNumber, NetUid, Uid, ROOT_NETUID};
use bt_yuma::fixed::I32F32;
use bt_yuma::vector::{check_vec_max_limited, vec_max_upscale_to_u16};
use parity_scale_codec::Encode;

use crate::error::Error;
use crate::event::Event;
use crate::hyperparams as hp;
use crate::neurons::{self, set_uid_value, LastUpdate, SubnetworkN, Weights};
use crate::staking;
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, SubnetEpochIndex, SubnetOwnerHotkey};
use crate::{map, Env};

/// The most unrevealed commits one hotkey may hold on a subnet.
pub const MAX_UNREVEALED_COMMITS: usize = 10;

/// One pending commit: `(hash, commit epoch, commit block, reveal epoch placeholder)`.
pub type WeightCommit = ([u8; 32], u64, BlockNumber, u64);

map! {
    /// Pending weight commits per (subnet, hotkey), oldest first.
    WeightCommits: (NetUid, AccountId) => Vec<WeightCommit>;
}

/// The commit hash of a reveal: BLAKE2b-256 of the SCALE encoding of
/// `(hotkey, netuid, uids, values, salt, version_key)`.
pub fn commit_hash(
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> [u8; 32] {
    blake2_256(&(hotkey, netuid, uids, values, salt, version_key).encode())
}

fn has_duplicates(uids: &[u16]) -> bool {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|pair| pair[0] == pair[1])
}

/// `set_weights`, signed by the hotkey, with every check of §7.1 in order.
pub fn set_weights(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
) -> Result<(), Error> {
    if netuid == ROOT_NETUID {
        return Err(Error::CanNotSetRootNetworkWeights);
    }
    if subnets::exists(env.state, netuid) && hp::CommitRevealWeightsEnabled::get(env.state, &netuid) {
        return Err(Error::CommitRevealEnabled);
    }
    apply_weights(env, hotkey, netuid, uids, values, version_key, false)
}

/// The checks and effects of `set_weights`, shared with reveals (which skip the rate limit
/// and leave `LastUpdate` at the commit block).
fn apply_weights(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    revealed: bool,
) -> Result<(), Error> {
    let state = &*env.state;
    if netuid == ROOT_NETUID {
        return Err(Error::CanNotSetRootNetworkWeights);
    }
    if uids.len() != values.len() {
        return Err(Error::WeightVecNotEqualSize);
    }
    if !subnets::exists(state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    let n = SubnetworkN::get(state, &netuid);
    if uids.len() > usize::from(n) {
        return Err(Error::UidsLengthExceedUidsInSubNet);
    }
    let uid = neurons::uid_of(state, netuid, hotkey).ok_or(Error::HotKeyNotRegisteredInSubNet)?;
    let is_owner = SubnetOwnerHotkey::try_get(state, &netuid).as_ref() == Some(hotkey);
    if !is_owner && staking::stake_weight(state, hotkey, netuid) < hp::StakeThreshold::get(state, &()) {
        return Err(Error::NotEnoughStakeToSetWeights);
    }
    let required_version = hp::WeightsVersionKey::get(state, &netuid);
    if required_version != 0 && version_key < required_version {
        return Err(Error::IncorrectWeightVersionKey);
    }
    let last_update = LastUpdate::get(state, &netuid).get(usize::from(uid)).copied().unwrap_or(0);
    if !revealed && !rate_limit_passed(state, netuid, last_update, env.block) {
        return Err(Error::SettingWeightsTooFast);
    }
    let self_weight = uids.len() == 1 && uids[0] == uid;
    let permit =
        neurons::ValidatorPermit::get(state, &netuid).get(usize::from(uid)).copied().unwrap_or(false);
    if !(self_weight || is_owner || permit) {
        return Err(Error::NeuronNoValidatorPermit);
    }
    if has_duplicates(uids) {
        return Err(Error::DuplicateUids);
    }
    if uids.iter().any(|&dest| dest >= n) {
        return Err(Error::UidVecContainInvalidOne);
    }
    let min_weights = hp::MinAllowedWeights::get(state, &netuid).min(n);
    if !self_weight && uids.len() < usize::from(min_weights) {
        return Err(Error::WeightVecLengthIsLow);
    }
    let fixed: Vec<I32F32> = values.iter().map(|&v| I32F32::from_num(v)).collect();
    let upscaled = vec_max_upscale_to_u16(&fixed);
    let limit = hp::MaxWeightsLimit::get(state, &netuid);
    if !self_weight && limit != u16::MAX && !check_vec_max_limited(&upscaled, limit) {
        return Err(Error::MaxWeightExceeded);
    }
    let row: Vec<(Uid, u16)> = uids.iter().copied().zip(upscaled).collect();
    Weights::insert(env.state, &(netuid, uid), &row);
    if !revealed {
        set_uid_value::<LastUpdate, _>(env.state, netuid, uid, env.block);
    }
    env.events.push(Event::WeightsSet { netuid, uid });
    Ok(())
}

/// `LastUpdate == 0` or at least `WeightsSetRateLimit` blocks ago.
fn rate_limit_passed(
    state: &dyn State,
    netuid: NetUid,
    last_update: BlockNumber,
    block: BlockNumber,
) -> bool {
    last_update == 0 || block.saturating_sub(last_update) >= hp::WeightsSetRateLimit::get(state, &netuid)
}

/// Whether a commit made in `commit_epoch` can no longer be revealed in `current_epoch`.
fn expired(commit_epoch: u64, reveal_period: u64, current_epoch: u64) -> bool {
    current_epoch > commit_epoch.saturating_add(reveal_period)
}

/// The subnet exists and has commit-reveal on.
fn ensure_commit_reveal(state: &dyn State, netuid: NetUid) -> Result<(), Error> {
    if !subnets::exists(state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    if !hp::CommitRevealWeightsEnabled::get(state, &netuid) {
        return Err(Error::CommitRevealDisabled);
    }
    Ok(())
}

/// `commit_weights`, signed by the hotkey (§7.2).
pub fn commit_weights(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    hash: [u8; 32],
) -> Result<(), Error> {
    ensure_commit_reveal(env.state, netuid)?;
    let uid = neurons::uid_of(env.state, netuid, hotkey).ok_or(Error::HotKeyNotRegisteredInSubNet)?;
    let last_update = LastUpdate::get(env.state, &netuid).get(usize::from(uid)).copied().unwrap_or(0);
    if !rate_limit_passed(env.state, netuid, last_update, env.block) {
        return Err(Error::SettingWeightsTooFast);
    }
    let epoch = SubnetEpochIndex::get(env.state, &netuid);
    let period = hp::RevealPeriodEpochs::get(env.state, &netuid);
    let mut commits = WeightCommits::get(env.state, &(netuid, *hotkey));
    commits.retain(|&(_, commit_epoch, _, _)| !expired(commit_epoch, period, epoch));
    if commits.len() >= MAX_UNREVEALED_COMMITS {
        return Err(Error::TooManyUnrevealedCommits);
    }
    commits.push((hash, epoch, env.block, 0));
    WeightCommits::insert(env.state, &(netuid, *hotkey), &commits);
    set_uid_value::<LastUpdate, _>(env.state, netuid, uid, env.block);
    env.events.push(Event::WeightsCommitted { netuid, hotkey: *hotkey, commit_hash: hash });
    Ok(())
}

/// `reveal_weights`, signed by the hotkey: the weights must hash to a pending commit whose
/// reveal epoch is now; that commit and all older ones are consumed.
pub fn reveal_weights(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Result<(), Error> {
    ensure_commit_reveal(env.state, netuid)?;
    let mut commits = WeightCommits::get(env.state, &(netuid, *hotkey));
    if commits.is_empty() {
        return Err(Error::NoWeightsCommitFound);
    }
    let hash = commit_hash(hotkey, netuid, uids, values, salt, version_key);
    let epoch = SubnetEpochIndex::get(env.state, &netuid);
    let period = hp::RevealPeriodEpochs::get(env.state, &netuid);
    let Some(index) = commits.iter().position(|c| c.0 == hash) else {
        let all_expired = commits.iter().all(|c| expired(c.1, period, epoch));
        return Err(if all_expired {
            Error::ExpiredWeightCommit
        } else {
            Error::InvalidRevealCommitHashNotMatch
        });
    };
    let commit_epoch = commits[index].1;
    if expired(commit_epoch, period, epoch) {
        return Err(Error::ExpiredWeightCommit);
    }
    if epoch < commit_epoch.saturating_add(period) {
        return Err(Error::RevealTooEarly);
    }
    commits.drain(..=index);
    if commits.is_empty() {
        WeightCommits::remove(env.state, &(netuid, *hotkey));
    } else {
        WeightCommits::insert(env.state, &(netuid, *hotkey), &commits);
    }
    apply_weights(env, hotkey, netuid, uids, values, version_key, true)?;
    env.events.push(Event::WeightsRevealed { netuid, hotkey: *hotkey, commit_hash: hash });
    Ok(())
}

/// Each uid's earliest pending (not expired) commit block, for the epoch's commit-reveal
/// column mask (§2.3 step 5).
pub fn commit_blocks(state: &dyn State, netuid: NetUid, hotkeys: &[AccountId]) -> Vec<Option<BlockNumber>> {
    let epoch = SubnetEpochIndex::get(state, &netuid);
    let period = hp::RevealPeriodEpochs::get(state, &netuid);
    hotkeys
        .iter()
        .map(|hotkey| {
            WeightCommits::get(state, &(netuid, *hotkey))
                .iter()
                .find(|c| !expired(c.1, period, epoch))
                .map(|c| c.2)
        })
        .collect()
}

/// Removes the pending commits of a dissolved subnet.
pub fn clear_subnet(state: &mut dyn State, netuid: NetUid) {
    WeightCommits::remove_prefix(state, &netuid);
}
