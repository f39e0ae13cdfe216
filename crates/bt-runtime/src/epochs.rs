//! Running a subnet's epoch through `bt-yuma` and paying it out (chain.md §2.2, §2.7,
//! §4.7, §4.8).

use bt_primitives::{AccountId, Balance, NetUid, ROOT_NETUID};
use bt_yuma::epoch::{epoch, EpochInput, EpochOutput, EpochParams};
use substrate_fixed::types::{U64F64, U96F32};

use crate::balances;
use crate::call::RecycleOrBurn;
use crate::coinbase::{MinerBurned, Pending};
use crate::event::Event;
use crate::hyperparams as hp;
use crate::neurons::*;
use crate::staking::{self, add_to_pool, hotkey_stake, increase_pool_value, Delegates};
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{LastMechanismStepBlock, SubnetOwner, SubnetOwnerHotkey};
use crate::weights;
use crate::Env;

/// The epoch parameters stored for `netuid`.
pub fn epoch_params(state: &dyn State, netuid: NetUid) -> EpochParams {
    let (alpha_low, alpha_high) = hp::AlphaValues::get(state, &netuid);
    EpochParams {
        tempo: hp::Tempo::get(state, &netuid),
        activity_cutoff_factor_milli: hp::ActivityCutoffFactorMilli::get(state, &netuid),
        kappa: hp::Kappa::get(state, &netuid),
        bonds_penalty: hp::BondsPenalty::get(state, &netuid),
        bonds_moving_average: hp::BondsMovingAverage::get(state, &netuid),
        max_allowed_validators: hp::MaxAllowedValidators::get(state, &netuid),
        yuma3: hp::Yuma3On::get(state, &netuid),
        liquid_alpha: hp::LiquidAlphaOn::get(state, &netuid),
        alpha_low,
        alpha_high,
        alpha_sigmoid_steepness: hp::AlphaSigmoidSteepness::get(state, &netuid),
        stake_threshold: hp::StakeThreshold::get(state, &()),
    }
}

/// Everything the epoch reads about `netuid` at `block` (§2.2), for `emission` alpha rao.
pub fn epoch_input(state: &dyn State, netuid: NetUid, block: u64, emission: Balance) -> EpochInput {
    let n = SubnetworkN::get(state, &netuid);
    let hotkeys: Vec<AccountId> =
        (0..n).map(|uid| hotkey_of(state, netuid, uid).unwrap_or_default()).collect();
    let commit_reveal = hp::CommitRevealWeightsEnabled::get(state, &netuid);
    let owner_hotkey = SubnetOwnerHotkey::try_get(state, &netuid);
    EpochInput {
        n,
        block,
        last_epoch_block: LastMechanismStepBlock::get(state, &netuid),
        stake: hotkeys.iter().map(|h| staking::stake_weight_fixed(state, h, netuid)).collect(),
        last_update: LastUpdate::get(state, &netuid),
        block_at_registration: (0..n).map(|uid| BlockAtRegistration::get(state, &(netuid, uid))).collect(),
        validator_permit: ValidatorPermit::get(state, &netuid),
        weights: (0..n).map(|uid| Weights::get(state, &(netuid, uid))).collect(),
        bonds: (0..n).map(|uid| Bonds::get(state, &(netuid, uid))).collect(),
        commit_blocks: if commit_reveal {
            weights::commit_blocks(state, netuid, &hotkeys)
        } else {
            Vec::new()
        },
        owner_uid: owner_hotkey.and_then(|h| uid_of(state, netuid, &h)),
        emission,
        params: epoch_params(state, netuid),
    }
}

/// Stores the epoch's per-uid results (§2.7).
fn persist(state: &mut dyn State, netuid: NetUid, output: &EpochOutput) {
    Active::insert(state, &netuid, &output.active);
    Emission::insert(state, &netuid, &output.emission);
    Consensus::insert(state, &netuid, &output.consensus);
    Incentive::insert(state, &netuid, &output.incentive);
    Dividends::insert(state, &netuid, &output.dividends);
    ValidatorTrust::insert(state, &netuid, &output.validator_trust);
    ValidatorPermit::insert(state, &netuid, &output.validator_permit);
    StakeWeight::insert(state, &netuid, &output.stake_weight);
    for (uid, row) in output.bonds.iter().enumerate() {
        let key = (netuid, uid as u16);
        match row {
            Some(row) if row.is_empty() => Bonds::remove(state, &key),
            Some(row) => Bonds::insert(state, &key, row),
            None => {}
        }
    }
}

/// Hotkeys whose miner incentive is withheld (§4.8): the owner hotkey and every hotkey
/// of the owner coldkey.
fn owner_hotkeys(state: &dyn State, netuid: NetUid) -> Vec<AccountId> {
    let mut owned: Vec<AccountId> = SubnetOwner::try_get(state, &netuid)
        .map(|owner| OwnedHotkeys::get(state, &owner))
        .unwrap_or_default();
    owned.extend(SubnetOwnerHotkey::try_get(state, &netuid));
    owned
}

fn floor(x: U96F32) -> Balance {
    x.saturating_to_num::<u64>()
}

/// `share · part / whole`, floored; 0 when `whole` is 0.
fn pro_rata(share: Balance, part: U96F32, whole: U96F32) -> Balance {
    floor(U96F32::from_num(share).saturating_mul(part).checked_div(whole).unwrap_or(U96F32::from_num(0)))
}

/// Pays a validator's dividend on `netuid`: the part after the take to every staker of the
/// hotkey's pool on `pool_netuid` pro rata, then the take to the hotkey's owner (so the
/// take does not also earn a share of the rest).
fn pay_dividend(
    state: &mut dyn State,
    hotkey: &AccountId,
    netuid: NetUid,
    pool_netuid: NetUid,
    amount: Balance,
) {
    let take_share = U96F32::from_num(Delegates::get(state, hotkey)) / U96F32::from_num(u16::MAX);
    let take = floor(U96F32::from_num(amount).saturating_mul(take_share));
    let owner = Owner::try_get(state, hotkey).unwrap_or(*hotkey);
    increase_pool_value(state, hotkey, pool_netuid, amount - take);
    add_to_pool(state, hotkey, &owner, netuid, take);
}

/// `distribute_emission` (§4.7): runs the epoch on the pending emission and pays owner
/// cut, incentives and dividends as stake. Whatever is not paid (rounding, nobody to pay)
/// is recycled, so nothing is created or lost.
pub fn distribute_emission(env: &mut Env, netuid: NetUid, pending: Pending) {
    let total = pending.epoch_total();
    let input = epoch_input(env.state, netuid, env.block, total);
    let output = epoch(&input);
    persist(env.state, netuid, &output);
    let state = &mut *env.state;
    let hotkeys: Vec<AccountId> =
        (0..input.n).map(|uid| hotkey_of(state, netuid, uid).unwrap_or_default()).collect();
    let mut paid: Balance = 0;

    // 1. The owner cut, staked to the owner hotkey.
    if let (Some(owner), Some(owner_hotkey)) =
        (SubnetOwner::try_get(state, &netuid), SubnetOwnerHotkey::try_get(state, &netuid))
    {
        add_to_pool(state, &owner_hotkey, &owner, netuid, pending.owner_cut);
        paid += pending.owner_cut;
    }

    // 2. Miner incentives, staked to each miner's owner; owner hotkeys' share withheld.
    let incentive_total: Balance = output.server_emission.iter().sum();
    let withheld_from = owner_hotkeys(state, netuid);
    let mut withheld: Balance = 0;
    for (hotkey, &incentive) in hotkeys.iter().zip(&output.server_emission).filter(|(_, &i)| i > 0) {
        if withheld_from.contains(hotkey) {
            withheld += incentive;
        } else {
            let owner = Owner::try_get(state, hotkey).unwrap_or(*hotkey);
            add_to_pool(state, hotkey, &owner, netuid, incentive);
            paid += incentive;
        }
    }
    match hp::RecycleOrBurnMode::get(state, &netuid) {
        RecycleOrBurn::Burn => balances::burn(state, withheld),
        RecycleOrBurn::Recycle => balances::recycle(state, withheld),
    }
    paid += withheld;
    let burned_fraction = U64F64::from_num(withheld).checked_div(U64F64::from_num(incentive_total));
    MinerBurned::insert(state, &netuid, &burned_fraction.unwrap_or(U64F64::from_num(0)).to_bits());

    // 3. Dividends: split each validator's share between alpha and root stakers by its
    //    own alpha and weighted root stake, then pay from the two buckets pro rata.
    let validator_alpha =
        if incentive_total == 0 { pending.validator + pending.server } else { pending.validator };
    let weight = staking::tao_weight(state);
    let zero = U96F32::from_num(0);
    let splits: Vec<(usize, U96F32, U96F32)> = output
        .validator_emission
        .iter()
        .enumerate()
        .filter(|(_, &d)| d > 0)
        .map(|(uid, &d)| {
            let alpha = U96F32::from_num(hotkey_stake(state, &hotkeys[uid], netuid));
            let root =
                U96F32::from_num(hotkey_stake(state, &hotkeys[uid], ROOT_NETUID)).saturating_mul(weight);
            let root_prop = root.checked_div(alpha.saturating_add(root)).unwrap_or(zero);
            let root_divs = U96F32::from_num(d).saturating_mul(root_prop);
            (uid, U96F32::from_num(d).saturating_sub(root_divs), root_divs)
        })
        .collect();
    let alpha_sum = splits.iter().fold(zero, |acc, s| acc.saturating_add(s.1));
    let root_sum = splits.iter().fold(zero, |acc, s| acc.saturating_add(s.2));
    for &(uid, alpha_divs, root_divs) in &splits {
        let alpha_dividend = pro_rata(validator_alpha, alpha_divs, alpha_sum);
        let root_dividend = pro_rata(pending.root, root_divs, root_sum);
        pay_dividend(state, &hotkeys[uid], netuid, netuid, alpha_dividend);
        pay_dividend(state, &hotkeys[uid], netuid, ROOT_NETUID, root_dividend);
        paid += alpha_dividend + root_dividend;
    }

    balances::recycle(state, pending.total_with_owner_cut().saturating_sub(paid));
    env.events.push(Event::EpochRan { netuid, block: env.block, emission: total });
}
