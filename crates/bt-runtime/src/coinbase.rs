//! Every block's minting and the epoch clock: block emission, its split among subnets into
//! pending buckets, and firing due epochs (chain.md §4.1–§4.6).

use bt_primitives::{Balance, NetUid, ROOT_NETUID};
use bt_yuma::block_emission::block_emission_for_issuance;
use bt_yuma::schedule::should_run_epoch;
use substrate_fixed::types::{U64F64, U96F32};

use crate::balances::{self, TotalIssuance};
use crate::event::Event;
use crate::hyperparams as hp;
use crate::staking::{self, SubnetStake};
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, *};
use crate::{epochs, map, registration, value, Env};

map! {
    /// Miner emission waiting for the next epoch.
    PendingServerEmission: NetUid => Balance;
    /// Validator emission waiting for the next epoch.
    PendingValidatorEmission: NetUid => Balance;
    /// Root stakers' share of validator emission waiting for the next epoch.
    PendingRootAlphaDivs: NetUid => Balance;
    /// Owner cut waiting for the next epoch.
    PendingOwnerCut: NetUid => Balance;
    /// Fraction of the last miner payout withheld from owner hotkeys, U64F64 bits.
    MinerBurned: NetUid => u128;
}

value! {
    /// The last block's emission (rao).
    BlockEmission: Balance;
}

/// A subnet's pending buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    /// Owner cut.
    pub owner_cut: Balance,
    /// Miner share.
    pub server: Balance,
    /// Validator share.
    pub validator: Balance,
    /// Root stakers' share.
    pub root: Balance,
}

impl Pending {
    /// Everything but the owner cut: what the epoch distributes.
    pub fn epoch_total(&self) -> Balance {
        self.server.saturating_add(self.validator).saturating_add(self.root)
    }

    /// Everything, owner cut included.
    pub fn total_with_owner_cut(&self) -> Balance {
        self.epoch_total().saturating_add(self.owner_cut)
    }
}

/// The pending buckets of `netuid`, without touching them.
pub fn pending(state: &dyn State, netuid: NetUid) -> Pending {
    Pending {
        owner_cut: PendingOwnerCut::get(state, &netuid),
        server: PendingServerEmission::get(state, &netuid),
        validator: PendingValidatorEmission::get(state, &netuid),
        root: PendingRootAlphaDivs::get(state, &netuid),
    }
}

/// Takes and zeroes the pending buckets of `netuid`.
pub fn take_pending(state: &mut dyn State, netuid: NetUid) -> Pending {
    let taken = pending(state, netuid);
    PendingOwnerCut::remove(state, &netuid);
    PendingServerEmission::remove(state, &netuid);
    PendingValidatorEmission::remove(state, &netuid);
    PendingRootAlphaDivs::remove(state, &netuid);
    taken
}

/// How one subnet's per-block emission is split (§4.5), floored to rao.
pub fn split_subnet_emission(
    alpha_out: Balance,
    owner_cut: u16,
    root_prop: U96F32,
    root_sell: bool,
) -> Pending {
    let half = U96F32::from_num(0.5);
    let alpha = U96F32::from_num(alpha_out);
    let cut_share = U96F32::from_num(owner_cut) / U96F32::from_num(u16::MAX);
    let cut = alpha.saturating_mul(cut_share);
    let alpha = alpha.saturating_sub(cut);
    let root_alpha = root_prop.saturating_mul(alpha).saturating_mul(half);
    let server = alpha.saturating_mul(half);
    let validator = alpha.saturating_sub(server).saturating_sub(root_alpha);
    let floor = |x: U96F32| x.saturating_to_num::<u64>();
    Pending {
        owner_cut: floor(cut),
        server: floor(server),
        validator: floor(validator),
        root: if root_sell { floor(root_alpha) } else { 0 },
    }
}

/// `root_prop = root TAO · TaoWeight / (root TAO · TaoWeight + the subnet's alpha issuance)`.
pub fn root_proportion(state: &dyn State, netuid: NetUid) -> U96F32 {
    let root_tao =
        U96F32::from_num(SubnetStake::get(state, &ROOT_NETUID)).saturating_mul(staking::tao_weight(state));
    let issuance =
        SubnetStake::get(state, &netuid).saturating_add(pending(state, netuid).total_with_owner_cut());
    let denominator = root_tao.saturating_add(U96F32::from_num(issuance));
    root_tao.checked_div(denominator).unwrap_or(U96F32::from_num(0))
}

/// Subnets that receive emission: started, with staking on and registration allowed.
pub fn emitting_subnets(state: &dyn State) -> Vec<NetUid> {
    subnets::netuids(state)
        .into_iter()
        .filter(|&netuid| {
            netuid != ROOT_NETUID
                && FirstEmissionBlockNumber::contains(state, &netuid)
                && hp::SubtokenEnabled::get(state, &netuid)
                && hp::NetworkRegistrationAllowed::get(state, &netuid)
        })
        .collect()
}

/// Each emitting subnet's share of block emission (§4.4). Every price is 1.0 until pools
/// exist, so enabled subnets share evenly, weighted by `1 − MinerBurned` and renormalised.
pub fn subnet_shares(state: &dyn State, emitting: &[NetUid]) -> Vec<(NetUid, U96F32)> {
    let enabled: Vec<NetUid> =
        emitting.iter().copied().filter(|n| hp::SubnetEmissionEnabled::get(state, n)).collect();
    if enabled.is_empty() {
        return Vec::new();
    }
    let even = U96F32::from_num(1) / U96F32::from_num(enabled.len());
    let weighted: Vec<U96F32> = enabled
        .iter()
        .map(|n| {
            let burned = U64F64::from_bits(MinerBurned::get(state, n)).min(U64F64::from_num(1));
            let kept = U96F32::saturating_from_num(U64F64::from_num(1) - burned);
            even.saturating_mul(kept)
        })
        .collect();
    let total = weighted.iter().fold(U96F32::from_num(0), |acc, w| acc.saturating_add(*w));
    enabled
        .into_iter()
        .zip(weighted)
        .map(|(netuid, w)| (netuid, if total == 0 { even } else { w / total }))
        .collect()
}

/// The per-block hook (§4.2): registration prices, minting into pending buckets, and the
/// due epochs.
pub fn block_step(env: &mut Env) {
    registration::update_registration_prices(env.state, env.block);
    let emission = block_emission_for_issuance(TotalIssuance::get(env.state, &()));
    BlockEmission::insert(env.state, &(), &emission);
    emit_to_subnets(env.state, emission);
    drain_pending(env);
}

/// §4.3–§4.5 with the stable mechanism: each emitting subnet's TAO emission is minted 1:1
/// as alpha into its pending buckets. Only what reaches a bucket is minted.
fn emit_to_subnets(state: &mut dyn State, emission: Balance) {
    let emitting = emitting_subnets(state);
    let root_sell = emitting.len() > 1;
    let owner_cut = hp::SubnetOwnerCut::get(state, &());
    for (netuid, share) in subnet_shares(state, &emitting) {
        let subnet_emission = U96F32::from_num(emission).saturating_mul(share).saturating_to_num::<u64>();
        let cut = if hp::OwnerCutEnabled::get(state, &netuid) { owner_cut } else { 0 };
        let split = split_subnet_emission(subnet_emission, cut, root_proportion(state, netuid), root_sell);
        PendingOwnerCut::mutate(state, &netuid, |v| *v = v.saturating_add(split.owner_cut));
        PendingServerEmission::mutate(state, &netuid, |v| *v = v.saturating_add(split.server));
        PendingValidatorEmission::mutate(state, &netuid, |v| *v = v.saturating_add(split.validator));
        PendingRootAlphaDivs::mutate(state, &netuid, |v| *v = v.saturating_add(split.root));
        balances::issue(state, split.total_with_owner_cut());
    }
}

/// §4.6: advances every subnet's epoch clock and runs the due epochs, at most
/// `MaxEpochsPerBlock` per block (the rest are deferred to the next block).
fn drain_pending(env: &mut Env) {
    let max_epochs = usize::from(hp::MaxEpochsPerBlock::get(env.state, &()));
    let mut ran = 0;
    for netuid in subnets::netuids(env.state).into_iter().filter(|&n| n != ROOT_NETUID) {
        let since = BlocksSinceLastStep::get(env.state, &netuid).saturating_add(1);
        BlocksSinceLastStep::insert(env.state, &netuid, &since);
        let due = should_run_epoch(
            hp::Tempo::get(env.state, &netuid),
            env.block,
            LastEpochBlock::get(env.state, &netuid),
            PendingEpochAt::get(env.state, &netuid),
            since,
        );
        if !due {
            continue;
        }
        if ran >= max_epochs {
            PendingEpochAt::insert(env.state, &netuid, &(env.block + 1));
            env.events.push(Event::EpochDeferred { netuid, block: env.block });
            continue;
        }
        ran += 1;
        LastEpochBlock::insert(env.state, &netuid, &env.block);
        PendingEpochAt::remove(env.state, &netuid);
        SubnetEpochIndex::mutate(env.state, &netuid, |i| *i += 1);
        if !keys_consistent(env.state, netuid) {
            env.events.push(Event::EpochSkipped { netuid, block: env.block });
            continue;
        }
        let pending = take_pending(env.state, netuid);
        BlocksSinceLastStep::insert(env.state, &netuid, &0);
        epochs::distribute_emission(env, netuid, pending);
        LastMechanismStepBlock::insert(env.state, &netuid, &env.block);
    }
}

/// No hotkey holds two uids.
fn keys_consistent(state: &dyn State, netuid: NetUid) -> bool {
    let mut hotkeys = crate::neurons::hotkeys(state, netuid);
    let n = hotkeys.len();
    hotkeys.sort_unstable();
    hotkeys.dedup();
    hotkeys.len() == n
}

/// Removes the emission state of a dissolved subnet.
pub fn clear_subnet(state: &mut dyn State, netuid: NetUid) {
    take_pending(state, netuid);
    MinerBurned::remove(state, &netuid);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_of_the_injection_split() {
        // chain.md §4.5: root TAO 10^15 at TaoWeight 0.18, alpha issuance 4·10^15, one
        // alpha emitted, default owner cut.
        let weight = U96F32::from_num(3_320_413_933_267_719_290u64) / U96F32::from_num(u64::MAX);
        let root_tao = U96F32::from_num(1_000_000_000_000_000u64) * weight;
        let root_prop = root_tao / (root_tao + U96F32::from_num(4_000_000_000_000_000u64));
        let split = split_subnet_emission(1_000_000_000, 11_796, root_prop, true);
        assert_eq!(split.owner_cut, 179_995_422);
        assert_eq!(split.server, 410_002_288);
        assert_eq!(split.root, 17_655_600);
        assert_eq!(split.validator, 392_346_687);
        let unsold = split_subnet_emission(1_000_000_000, 11_796, root_prop, false);
        assert_eq!((unsold.root, unsold.validator), (0, 392_346_687));
    }
}
