//! Subnet hyperparameters and chain-wide parameters (chain.md §8.2), with their defaults,
//! and the setters of `AdminUtils`.
//!
//! Per-subnet items hold the runtime default for a key that was never written;
//! [`crate::subnets`] writes the "new subnet" values when a subnet is created.

use bt_primitives::hashing::blake2_128;
use bt_primitives::{AccountId, Balance, NetUid, RAO_PER_TAO};
use parity_scale_codec::{Decode, Encode};

use crate::call::{AdminCall, RecycleOrBurn};
use crate::error::Error;
use crate::event::Event;
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, NetworksAdded, SubnetOwner};
use crate::{map, value, Env};

/// `U64F64` bits of 1.26, the default burn increase multiplier (the chain's
/// `U64F64::from_num(1.26)`, rounded to nearest).
pub const DEFAULT_BURN_INCREASE_MULT: u128 = 23_242_897_532_874_035_200;
/// The largest burn half-life an owner may set.
pub const MAX_BURN_HALF_LIFE: u16 = 36_100;
/// The largest bonds moving average an owner may set.
pub const MAX_BONDS_MOVING_AVERAGE: u64 = 975_000;
/// The tempo range owners may choose with `set_tempo`.
pub const OWNER_TEMPO_RANGE: (u16, u16) = (360, 50_400);
/// The range of `set_activity_cutoff_factor`.
pub const ACTIVITY_CUTOFF_FACTOR_RANGE: (u16, u16) = (1_000, 50_000);
/// Subnets hold at most this many uids.
pub const MAX_UIDS_LIMIT: u16 = 256;

map! {
    /// Unused by the current epoch (deprecated).
    Rho: NetUid => u16 = 10;
    /// Consensus majority, u16 proportion.
    Kappa: NetUid => u16 = 32_767;
    /// Blocks a new neuron is protected from pruning.
    ImmunityPeriod: NetUid => u16 = 4_096;
    /// The fewest weights a validator may set.
    MinAllowedWeights: NetUid => u16 = 1_024;
    /// The largest normalised weight (65535 = no limit).
    MaxWeightsLimit: NetUid => u16 = u16::MAX;
    /// Blocks per epoch.
    Tempo: NetUid => u16 = 360;
    /// Activity cutoff in per-mille of the tempo.
    ActivityCutoffFactorMilli: NetUid => u16 = 13_889;
    /// Legacy activity cutoff in blocks (no longer read by the epoch).
    ActivityCutoff: NetUid => u16 = 5_000;
    /// Subnet size.
    MaxAllowedUids: NetUid => u16 = 256;
    /// Lower bound for the subnet size.
    MinAllowedUids: NetUid => u16 = 64;
    /// Validator permits per epoch (K).
    MaxAllowedValidators: NetUid => u16 = 128;
    /// Minimum client weights version.
    WeightsVersionKey: NetUid => u64;
    /// Blocks between two `set_weights` of one hotkey.
    WeightsSetRateLimit: NetUid => u64 = 100;
    /// Blocks between two `serve_axon` of one hotkey.
    ServingRateLimit: NetUid => u64 = 50;
    /// Bond EMA: α = 1 − M/1 000 000.
    BondsMovingAverage: NetUid => u64 = 900_000;
    /// Bonds penalty β, u16 proportion.
    BondsPenalty: NetUid => u16 = u16::MAX;
    /// Bond resets on miner commitments.
    BondsResetOn: NetUid => bool;
    /// Yuma3 bonds.
    Yuma3On: NetUid => bool;
    /// Per-cell bond EMA coefficients.
    LiquidAlphaOn: NetUid => bool;
    /// Liquid alpha bounds (low, high), u16 proportions.
    AlphaValues: NetUid => (u16, u16) = (45_875, 58_982);
    /// Liquid alpha sigmoid slope, times 100.
    AlphaSigmoidSteepness: NetUid => i16 = 1_000;
    /// Commit-reveal weights.
    CommitRevealWeightsEnabled: NetUid => bool = true;
    /// Epochs between a weight commit and its reveal.
    RevealPeriodEpochs: NetUid => u64 = 1;
    /// Current registration price (rao).
    Burn: NetUid => Balance = RAO_PER_TAO / 10;
    /// Lowest registration price.
    MinBurn: NetUid => Balance = 500_000;
    /// Highest registration price.
    MaxBurn: NetUid => Balance = 100 * RAO_PER_TAO;
    /// Blocks for the registration price to halve.
    BurnHalfLife: NetUid => u16 = 360;
    /// Price multiplier after each registration, U64F64 bits.
    BurnIncreaseMult: NetUid => u128 = DEFAULT_BURN_INCREASE_MULT;
    /// Legacy proof-of-work difficulty.
    Difficulty: NetUid => u64 = 10_000_000;
    /// Legacy lowest difficulty.
    MinDifficulty: NetUid => u64 = 10_000_000;
    /// Legacy highest difficulty.
    MaxDifficulty: NetUid => u64 = u64::MAX / 4;
    /// Legacy proof-of-work registration switch.
    NetworkPowRegistrationAllowed: NetUid => bool = true;
    /// Blocks over which the moving price's EMA weight halves.
    EMAPriceHalvingBlocks: NetUid => u64 = 201_600;
    /// Unused legacy item.
    ValidatorPruneLen: NetUid => u64 = 1;
    /// Unused legacy item.
    ScalingLawPower: NetUid => u16 = 50;
    /// Legacy adjustment interval.
    AdjustmentInterval: NetUid => u16 = 100;
    /// Legacy adjustment alpha.
    AdjustmentAlpha: NetUid => u64;
    /// Legacy registration target.
    TargetRegistrationsPerInterval: NetUid => u16 = 2;
    /// Registrations per block (root network only now).
    MaxRegistrationsPerBlock: NetUid => u16 = 1;
    /// Whether neurons may register.
    NetworkRegistrationAllowed: NetUid => bool = true;
    /// Pruning keeps at least this many non-immune uids.
    MinNonImmuneUids: NetUid => u16 = 10;
    /// Owner uids that can never be pruned.
    ImmuneOwnerUidsLimit: NetUid => u16 = 1;
    /// What happens to owner-hotkey incentive.
    RecycleOrBurnMode: NetUid => RecycleOrBurn;
    /// Whether `transfer_stake` is allowed.
    TransferToggle: NetUid => bool = true;
    /// Staking and emission enabled (set by `start_call`).
    SubtokenEnabled: NetUid => bool;
    /// Whether the subnet gets a share of block emission (root enables it).
    SubnetEmissionEnabled: NetUid => bool;
    /// Whether the owner cut is taken.
    OwnerCutEnabled: NetUid => bool = true;
    /// Last block each owner-settable hyperparameter was changed by the owner.
    LastHyperparamUpdate: (NetUid, u64) => u64;
}

value! {
    /// The sudo (root) account.
    SudoKey: AccountId;
    /// Tempo given to new subnets.
    InitialTempo: u16 = 360;
    /// The owner's share of subnet emission, u16 proportion.
    SubnetOwnerCut: u16 = 11_796;
    /// Root stake's weight in stake weight, as parts of `u64::MAX`.
    TaoWeight: u64 = 971_718_665_099_567_868;
    /// Minimum stake to set weights and hold a validator permit.
    StakeThreshold: u64;
    /// Commit-reveal version clients must use.
    CommitRevealWeightsVersion: u16 = 4;
    /// Speed of the subnet moving price, `U96F32` bits (0.000003).
    SubnetMovingAlpha: u128 = 12_885;
    /// Blocks between two childkey take changes.
    TxChildkeyTakeRateLimit: u64 = 216_000;
    /// Global transaction rate limit (blocks).
    TxRateLimit: u64 = 1_000;
    /// Blocks between two take increases.
    TxDelegateTakeRateLimit: u64 = 216_000;
    /// Nominations left below `DEFAULT_MIN_STAKE · factor / 10⁶` after an unstake are
    /// cleared (returned to the nominator); the factor defaults to 0 (off).
    NominatorMinRequiredStake: u64;
    /// Lowest delegate take.
    MinDelegateTake: u16;
    /// Highest (and default) delegate take: 18 %.
    MaxDelegateTake: u16 = 11_796;
    /// Blocks between two subnet registrations.
    NetworkRateLimit: u64 = 7_200;
    /// Lowest subnet lock cost.
    NetworkMinLockCost: Balance = 1_000 * RAO_PER_TAO;
    /// Blocks for the lock cost to decay back to its minimum.
    NetworkLockReductionInterval: u64 = 100_800;
    /// Blocks a new subnet cannot be replaced.
    NetworkImmunityPeriod: u64 = 1_296_000;
    /// The most subnets (root excluded).
    SubnetLimit: u16 = 128;
    /// The most epochs run in one block.
    MaxEpochsPerBlock: u16 = 2;
    /// Blocks before an epoch in which owners may not change hyperparameters.
    AdminFreezeWindow: u16 = 10;
    /// Tempos between two owner changes of one hyperparameter.
    OwnerHyperparamRateLimit: u16 = 2;
}

/// Who may call a setter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Root,
    /// The owner, at most once per `OwnerHyperparamRateLimit` tempos; or root.
    Owner,
    /// The owner, at most once per this many blocks; or root.
    OwnerEvery(u64),
}

/// Whether `who` holds the sudo key.
pub fn is_root(state: &dyn State, who: &AccountId) -> bool {
    SudoKey::try_get(state, &()).as_ref() == Some(who)
}

/// Refuses anyone but the sudo account.
pub fn ensure_root(state: &dyn State, who: &AccountId) -> Result<(), Error> {
    if is_root(state, who) {
        Ok(())
    } else {
        Err(Error::BadOrigin)
    }
}

fn param_id(prefix: &[u8]) -> u64 {
    let hash = blake2_128(prefix);
    u64::from_be_bytes([hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7]])
}

/// Checks that `who` may change `item` on `netuid`: root always; the owner only outside
/// the freeze window and once per `rate_limit_blocks` (default: the owner rate limit in
/// tempos). Records the owner's change.
fn ensure_owner_or_root(
    env: &mut Env,
    who: &AccountId,
    netuid: NetUid,
    prefix: &[u8],
    rate_limit_blocks: Option<u64>,
) -> Result<(), Error> {
    if !NetworksAdded::get(env.state, &netuid) {
        return Err(Error::SubnetNotExists);
    }
    if is_root(env.state, who) {
        return Ok(());
    }
    if SubnetOwner::try_get(env.state, &netuid).as_ref() != Some(who) {
        return Err(Error::BadOrigin);
    }
    let window = u64::from(AdminFreezeWindow::get(env.state, &()));
    if subnets::blocks_until_next_epoch(env.state, netuid, env.block) < window {
        return Err(Error::AdminActionProhibitedDuringWeightsWindow);
    }
    let tempo = u64::from(Tempo::get(env.state, &netuid));
    let limit = rate_limit_blocks
        .unwrap_or_else(|| u64::from(OwnerHyperparamRateLimit::get(env.state, &())).saturating_mul(tempo));
    let key = (netuid, param_id(prefix));
    let last = LastHyperparamUpdate::get(env.state, &key);
    if last != 0 && env.block.saturating_sub(last) < limit {
        return Err(Error::TxRateLimitExceeded);
    }
    LastHyperparamUpdate::insert(env.state, &key, &env.block);
    Ok(())
}

/// Sets a per-subnet item after the access check and `valid`.
fn set<I: Item<Key = NetUid>>(
    env: &mut Env,
    who: &AccountId,
    netuid: NetUid,
    access: Access,
    value: I::Value,
    valid: Result<(), Error>,
) -> Result<(), Error> {
    match access {
        Access::Root => {
            ensure_root(env.state, who)?;
            if !NetworksAdded::get(env.state, &netuid) {
                return Err(Error::SubnetNotExists);
            }
        }
        Access::Owner => ensure_owner_or_root(env, who, netuid, I::PREFIX, None)?,
        Access::OwnerEvery(blocks) => ensure_owner_or_root(env, who, netuid, I::PREFIX, Some(blocks))?,
    }
    valid?;
    I::insert(env.state, &netuid, &value);
    env.events.push(Event::HyperparameterSet { netuid: Some(netuid), name: hyperparameter_name::<I>() });
    Ok(())
}

/// Sets a chain-wide item (root only).
fn set_global<I: Item<Key = ()>>(
    env: &mut Env,
    who: &AccountId,
    value: I::Value,
    valid: Result<(), Error>,
) -> Result<(), Error> {
    ensure_root(env.state, who)?;
    valid?;
    I::insert(env.state, &(), &value);
    env.events.push(Event::HyperparameterSet { netuid: None, name: hyperparameter_name::<I>() });
    Ok(())
}

fn hyperparameter_name<I: Item>() -> String {
    String::from_utf8_lossy(I::PREFIX.strip_suffix(b"/").unwrap_or(I::PREFIX)).into_owned()
}

fn check(ok: bool, error: Error) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(error)
    }
}

fn in_range<T: PartialOrd>(value: T, low: T, high: T) -> Result<(), Error> {
    check(low <= value && value <= high, Error::InvalidValue)
}

/// Applies an `AdminUtils` call signed by `who`.
pub fn dispatch(env: &mut Env, who: &AccountId, call: AdminCall) -> Result<(), Error> {
    use Access::{Owner, OwnerEvery, Root};
    use AdminCall::*;
    let ok = Ok(());
    match call {
        sudo_set_rho { netuid, rho } => set::<Rho>(env, who, netuid, Owner, rho, ok),
        sudo_set_kappa { netuid, kappa } => set::<Kappa>(env, who, netuid, Root, kappa, ok),
        sudo_set_immunity_period { netuid, immunity_period } => {
            set::<ImmunityPeriod>(env, who, netuid, Owner, immunity_period, ok)
        }
        sudo_set_min_allowed_weights { netuid, min_allowed_weights } => {
            set::<MinAllowedWeights>(env, who, netuid, Owner, min_allowed_weights, ok)
        }
        sudo_set_max_weight_limit { netuid, max_weight_limit } => {
            set::<MaxWeightsLimit>(env, who, netuid, Root, max_weight_limit, ok)
        }
        sudo_set_tempo { netuid, tempo } => {
            set::<Tempo>(env, who, netuid, Root, tempo, ok)?;
            subnets::LastEpochBlock::insert(env.state, &netuid, &env.block);
            Ok(())
        }
        sudo_set_activity_cutoff { netuid, activity_cutoff } => {
            set::<ActivityCutoff>(env, who, netuid, Owner, activity_cutoff, ok)
        }
        sudo_set_max_allowed_uids { netuid, max_allowed_uids } => {
            let n = crate::neurons::SubnetworkN::get(env.state, &netuid);
            let min = MinAllowedUids::get(env.state, &netuid);
            let valid = check(max_allowed_uids <= MAX_UIDS_LIMIT, Error::MaxAllowedUIdsNotAllowed)
                .and(check(max_allowed_uids >= n, Error::MaxAllowedUidsLessThanCurrentUids))
                .and(check(max_allowed_uids >= min, Error::InvalidValue));
            set::<MaxAllowedUids>(env, who, netuid, Owner, max_allowed_uids, valid)
        }
        sudo_set_min_allowed_uids { netuid, min_allowed_uids } => {
            let max = MaxAllowedUids::get(env.state, &netuid);
            set::<MinAllowedUids>(
                env,
                who,
                netuid,
                Root,
                min_allowed_uids,
                check(min_allowed_uids <= max, Error::InvalidValue),
            )
        }
        sudo_set_max_allowed_validators { netuid, max_allowed_validators } => {
            let max = MaxAllowedUids::get(env.state, &netuid);
            let valid = check(max_allowed_validators <= max, Error::InvalidValue);
            set::<MaxAllowedValidators>(env, who, netuid, Root, max_allowed_validators, valid)
        }
        sudo_set_weights_version_key { netuid, weights_version_key } => {
            let every = 5 * u64::from(Tempo::get(env.state, &netuid));
            set::<WeightsVersionKey>(env, who, netuid, OwnerEvery(every), weights_version_key, ok)
        }
        sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit } => {
            set::<WeightsSetRateLimit>(env, who, netuid, Root, weights_set_rate_limit, ok)
        }
        sudo_set_serving_rate_limit { netuid, serving_rate_limit } => {
            set::<ServingRateLimit>(env, who, netuid, Owner, serving_rate_limit, ok)
        }
        sudo_set_bonds_moving_average { netuid, bonds_moving_average } => {
            let valid = check(
                is_root(env.state, who) || bonds_moving_average <= MAX_BONDS_MOVING_AVERAGE,
                Error::BondsMovingAverageMaxReached,
            );
            set::<BondsMovingAverage>(env, who, netuid, Owner, bonds_moving_average, valid)
        }
        sudo_set_bonds_penalty { netuid, bonds_penalty } => {
            set::<BondsPenalty>(env, who, netuid, Owner, bonds_penalty, ok)
        }
        sudo_set_bonds_reset_enabled { netuid, enabled } => {
            set::<BondsResetOn>(env, who, netuid, Owner, enabled, ok)
        }
        sudo_set_yuma3_enabled { netuid, enabled } => set::<Yuma3On>(env, who, netuid, Owner, enabled, ok),
        sudo_set_liquid_alpha_enabled { netuid, enabled } => {
            set::<LiquidAlphaOn>(env, who, netuid, Owner, enabled, ok)
        }
        sudo_set_alpha_values { netuid, alpha_low, alpha_high } => {
            let valid = check(alpha_low > 0 && alpha_low < alpha_high, Error::InvalidValue);
            set::<AlphaValues>(env, who, netuid, Owner, (alpha_low, alpha_high), valid)
        }
        sudo_set_alpha_sigmoid_steepness { netuid, steepness } => {
            let valid = check(steepness >= 0 || is_root(env.state, who), Error::InvalidValue);
            set::<AlphaSigmoidSteepness>(env, who, netuid, Owner, steepness, valid)
        }
        sudo_set_commit_reveal_weights_enabled { netuid, enabled } => {
            set::<CommitRevealWeightsEnabled>(env, who, netuid, Owner, enabled, ok)
        }
        sudo_set_commit_reveal_weights_interval { netuid, interval } => {
            let valid = check(interval >= 1, Error::RevealPeriodTooSmall)
                .and(check(interval <= 100, Error::RevealPeriodTooLarge));
            set::<RevealPeriodEpochs>(env, who, netuid, Owner, interval, valid)
        }
        sudo_set_min_burn { netuid, min_burn } => {
            let max = MaxBurn::get(env.state, &netuid);
            let valid = check(min_burn < RAO_PER_TAO && min_burn < max, Error::InvalidValue);
            set::<MinBurn>(env, who, netuid, Owner, min_burn, valid)
        }
        sudo_set_max_burn { netuid, max_burn } => {
            let min = MinBurn::get(env.state, &netuid);
            let valid = check(max_burn > RAO_PER_TAO / 10 && max_burn > min, Error::InvalidValue);
            set::<MaxBurn>(env, who, netuid, Owner, max_burn, valid)
        }
        sudo_set_burn_half_life { netuid, burn_half_life } => {
            let valid = in_range(burn_half_life, 1, MAX_BURN_HALF_LIFE);
            set::<BurnHalfLife>(env, who, netuid, Owner, burn_half_life, valid)
        }
        sudo_set_burn_increase_mult { netuid, burn_increase_mult } => {
            let valid = in_range(burn_increase_mult, 1u128 << 64, 3u128 << 64);
            set::<BurnIncreaseMult>(env, who, netuid, Owner, burn_increase_mult, valid)
        }
        sudo_set_difficulty { netuid, difficulty } => {
            set::<Difficulty>(env, who, netuid, Root, difficulty, ok)
        }
        sudo_set_min_difficulty { netuid, min_difficulty } => {
            let max = MaxDifficulty::get(env.state, &netuid);
            set::<MinDifficulty>(
                env,
                who,
                netuid,
                Root,
                min_difficulty,
                check(min_difficulty <= max, Error::InvalidValue),
            )
        }
        sudo_set_max_difficulty { netuid, max_difficulty } => {
            let min = MinDifficulty::get(env.state, &netuid);
            set::<MaxDifficulty>(
                env,
                who,
                netuid,
                Owner,
                max_difficulty,
                check(max_difficulty >= min, Error::InvalidValue),
            )
        }
        sudo_set_network_pow_registration_allowed { netuid, registration_allowed } => {
            set::<NetworkPowRegistrationAllowed>(env, who, netuid, Root, registration_allowed, ok)
        }
        sudo_set_ema_price_halving_period { netuid, ema_halving } => {
            set::<EMAPriceHalvingBlocks>(env, who, netuid, Root, ema_halving, ok)
        }
        sudo_set_adjustment_interval { netuid, adjustment_interval } => {
            set::<AdjustmentInterval>(env, who, netuid, Root, adjustment_interval, ok)
        }
        sudo_set_adjustment_alpha { netuid, adjustment_alpha } => {
            set::<AdjustmentAlpha>(env, who, netuid, Owner, adjustment_alpha, ok)
        }
        sudo_set_target_registrations_per_interval { netuid, target_registrations_per_interval } => {
            set::<TargetRegistrationsPerInterval>(
                env,
                who,
                netuid,
                Root,
                target_registrations_per_interval,
                ok,
            )
        }
        sudo_set_max_registrations_per_block { netuid, max_registrations_per_block } => {
            set::<MaxRegistrationsPerBlock>(env, who, netuid, Root, max_registrations_per_block, ok)
        }
        sudo_set_network_registration_allowed { netuid, registration_allowed } => {
            set::<NetworkRegistrationAllowed>(env, who, netuid, Root, registration_allowed, ok)
        }
        sudo_set_min_non_immune_uids { netuid, min } => {
            set::<MinNonImmuneUids>(env, who, netuid, Root, min, ok)
        }
        sudo_set_owner_immune_neuron_limit { netuid, immune_neurons } => set::<ImmuneOwnerUidsLimit>(
            env,
            who,
            netuid,
            Owner,
            immune_neurons,
            in_range(immune_neurons, 1, 10),
        ),
        sudo_set_recycle_or_burn { netuid, recycle_or_burn } => {
            set::<RecycleOrBurnMode>(env, who, netuid, Owner, recycle_or_burn, ok)
        }
        sudo_set_toggle_transfer { netuid, toggle } => {
            set::<TransferToggle>(env, who, netuid, Owner, toggle, ok)
        }
        sudo_set_subtoken_enabled { netuid, subtoken_enabled } => {
            set::<SubtokenEnabled>(env, who, netuid, Root, subtoken_enabled, ok)
        }
        sudo_set_subnet_emission_enabled { netuid, enabled } => {
            set::<SubnetEmissionEnabled>(env, who, netuid, Root, enabled, ok)
        }
        sudo_set_owner_cut_enabled { netuid, enabled } => {
            set::<OwnerCutEnabled>(env, who, netuid, Owner, enabled, ok)
        }
        sudo_set_subnet_owner_cut { subnet_owner_cut } => {
            set_global::<SubnetOwnerCut>(env, who, subnet_owner_cut, ok)
        }
        sudo_set_stake_threshold { min_stake } => set_global::<StakeThreshold>(env, who, min_stake, ok),
        sudo_set_tx_rate_limit { tx_rate_limit } => set_global::<TxRateLimit>(env, who, tx_rate_limit, ok),
        sudo_set_nominator_min_required_stake { min_stake } => {
            set_global::<NominatorMinRequiredStake>(env, who, min_stake, ok)
        }
        sudo_set_commit_reveal_version { version } => {
            set_global::<CommitRevealWeightsVersion>(env, who, version, ok)
        }
        sudo_set_subnet_moving_alpha { alpha } => {
            set_global::<SubnetMovingAlpha>(env, who, alpha, check(alpha <= 1 << 32, Error::InvalidValue))
        }
        sudo_set_tx_childkey_take_rate_limit { tx_rate_limit } => {
            set_global::<TxChildkeyTakeRateLimit>(env, who, tx_rate_limit, ok)
        }
        sudo_set_tx_delegate_take_rate_limit { tx_rate_limit } => {
            set_global::<TxDelegateTakeRateLimit>(env, who, tx_rate_limit, ok)
        }
        sudo_set_min_delegate_take { take } => {
            let max = MaxDelegateTake::get(env.state, &());
            set_global::<MinDelegateTake>(env, who, take, check(take <= max, Error::InvalidValue))
        }
        sudo_set_network_rate_limit { rate_limit } => {
            set_global::<NetworkRateLimit>(env, who, rate_limit, ok)
        }
        sudo_set_network_min_lock_cost { lock_cost } => {
            set_global::<NetworkMinLockCost>(env, who, lock_cost, ok)
        }
        sudo_set_lock_reduction_interval { interval } => set_global::<NetworkLockReductionInterval>(
            env,
            who,
            interval,
            check(interval > 0, Error::InvalidValue),
        ),
        sudo_set_network_immunity_period { immunity_period } => {
            set_global::<NetworkImmunityPeriod>(env, who, immunity_period, ok)
        }
        sudo_set_subnet_limit { max_subnets } => set_global::<SubnetLimit>(env, who, max_subnets, ok),
        sudo_set_max_epochs_per_block { max_epochs } => {
            set_global::<MaxEpochsPerBlock>(env, who, max_epochs, check(max_epochs > 0, Error::InvalidValue))
        }
        sudo_set_admin_freeze_window { window } => set_global::<AdminFreezeWindow>(env, who, window, ok),
        sudo_set_owner_hparam_rate_limit { epochs } => {
            set_global::<OwnerHyperparamRateLimit>(env, who, epochs, ok)
        }
        sudo_set_tao_weight { weight } => set_global::<TaoWeight>(env, who, weight, ok),
        sudo_set_sudo_key { new } => {
            set_global::<SudoKey>(env, who, new, ok)?;
            env.events.push(Event::SudoKeyChanged { new });
            Ok(())
        }
    }
}

/// A subnet's hyperparameters as clients read them (the chain's `SubnetHyperparamsV2`
/// fields that apply here).
#[allow(missing_docs)] // the fields are the items above
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub struct SubnetHyperparams {
    pub rho: u16,
    pub kappa: u16,
    pub immunity_period: u16,
    pub min_allowed_weights: u16,
    pub max_weights_limit: u16,
    pub tempo: u16,
    pub weights_version: u64,
    pub weights_rate_limit: u64,
    pub activity_cutoff: u16,
    pub activity_cutoff_factor_milli: u16,
    pub registration_allowed: bool,
    pub target_regs_per_interval: u16,
    pub min_burn: Balance,
    pub max_burn: Balance,
    pub burn: Balance,
    pub burn_half_life: u16,
    pub burn_increase_mult: u128,
    pub bonds_moving_avg: u64,
    pub bonds_penalty: u16,
    pub max_regs_per_block: u16,
    pub serving_rate_limit: u64,
    pub max_validators: u16,
    pub max_allowed_uids: u16,
    pub min_allowed_uids: u16,
    pub adjustment_alpha: u64,
    pub adjustment_interval: u16,
    pub difficulty: u64,
    pub min_difficulty: u64,
    pub max_difficulty: u64,
    pub pow_registration_allowed: bool,
    pub ema_price_halving_blocks: u64,
    pub commit_reveal_period: u64,
    pub commit_reveal_weights_enabled: bool,
    pub alpha_high: u16,
    pub alpha_low: u16,
    pub liquid_alpha_enabled: bool,
    pub alpha_sigmoid_steepness: i16,
    pub yuma3_enabled: bool,
    pub subnet_is_active: bool,
    pub transfers_enabled: bool,
    pub bonds_reset_enabled: bool,
    pub owner_cut_enabled: bool,
    pub min_non_immune_uids: u16,
    pub immune_owner_uids_limit: u16,
    pub recycle_or_burn: RecycleOrBurn,
    pub subnet_emission_enabled: bool,
}

impl SubnetHyperparams {
    /// Reads every hyperparameter of `netuid`.
    pub fn read(state: &dyn State, netuid: NetUid) -> Self {
        let n = &netuid;
        let (alpha_low, alpha_high) = AlphaValues::get(state, n);
        SubnetHyperparams {
            rho: Rho::get(state, n),
            kappa: Kappa::get(state, n),
            immunity_period: ImmunityPeriod::get(state, n),
            min_allowed_weights: MinAllowedWeights::get(state, n),
            max_weights_limit: MaxWeightsLimit::get(state, n),
            tempo: Tempo::get(state, n),
            weights_version: WeightsVersionKey::get(state, n),
            weights_rate_limit: WeightsSetRateLimit::get(state, n),
            activity_cutoff: ActivityCutoff::get(state, n),
            activity_cutoff_factor_milli: ActivityCutoffFactorMilli::get(state, n),
            registration_allowed: NetworkRegistrationAllowed::get(state, n),
            target_regs_per_interval: TargetRegistrationsPerInterval::get(state, n),
            min_burn: MinBurn::get(state, n),
            max_burn: MaxBurn::get(state, n),
            burn: Burn::get(state, n),
            burn_half_life: BurnHalfLife::get(state, n),
            burn_increase_mult: BurnIncreaseMult::get(state, n),
            bonds_moving_avg: BondsMovingAverage::get(state, n),
            bonds_penalty: BondsPenalty::get(state, n),
            max_regs_per_block: MaxRegistrationsPerBlock::get(state, n),
            serving_rate_limit: ServingRateLimit::get(state, n),
            max_validators: MaxAllowedValidators::get(state, n),
            max_allowed_uids: MaxAllowedUids::get(state, n),
            min_allowed_uids: MinAllowedUids::get(state, n),
            adjustment_alpha: AdjustmentAlpha::get(state, n),
            adjustment_interval: AdjustmentInterval::get(state, n),
            difficulty: Difficulty::get(state, n),
            min_difficulty: MinDifficulty::get(state, n),
            max_difficulty: MaxDifficulty::get(state, n),
            pow_registration_allowed: NetworkPowRegistrationAllowed::get(state, n),
            ema_price_halving_blocks: EMAPriceHalvingBlocks::get(state, n),
            commit_reveal_period: RevealPeriodEpochs::get(state, n),
            commit_reveal_weights_enabled: CommitRevealWeightsEnabled::get(state, n),
            alpha_high,
            alpha_low,
            liquid_alpha_enabled: LiquidAlphaOn::get(state, n),
            alpha_sigmoid_steepness: AlphaSigmoidSteepness::get(state, n),
            yuma3_enabled: Yuma3On::get(state, n),
            subnet_is_active: SubtokenEnabled::get(state, n),
            transfers_enabled: TransferToggle::get(state, n),
            bonds_reset_enabled: BondsResetOn::get(state, n),
            owner_cut_enabled: OwnerCutEnabled::get(state, n),
            min_non_immune_uids: MinNonImmuneUids::get(state, n),
            immune_owner_uids_limit: ImmuneOwnerUidsLimit::get(state, n),
            recycle_or_burn: RecycleOrBurnMode::get(state, n),
            subnet_emission_enabled: SubnetEmissionEnabled::get(state, n),
        }
    }
}

/// Removes every hyperparameter of a dissolved subnet, so a reused netuid starts fresh.
pub fn clear_subnet(state: &mut dyn State, netuid: NetUid) {
    let removers: [fn(&mut dyn State, &NetUid); 48] = [
        Rho::remove,
        Kappa::remove,
        ImmunityPeriod::remove,
        MinAllowedWeights::remove,
        MaxWeightsLimit::remove,
        Tempo::remove,
        ActivityCutoffFactorMilli::remove,
        ActivityCutoff::remove,
        MaxAllowedUids::remove,
        MinAllowedUids::remove,
        MaxAllowedValidators::remove,
        WeightsVersionKey::remove,
        WeightsSetRateLimit::remove,
        ServingRateLimit::remove,
        BondsMovingAverage::remove,
        BondsPenalty::remove,
        BondsResetOn::remove,
        Yuma3On::remove,
        LiquidAlphaOn::remove,
        AlphaValues::remove,
        AlphaSigmoidSteepness::remove,
        CommitRevealWeightsEnabled::remove,
        RevealPeriodEpochs::remove,
        Burn::remove,
        MinBurn::remove,
        MaxBurn::remove,
        BurnHalfLife::remove,
        BurnIncreaseMult::remove,
        Difficulty::remove,
        MinDifficulty::remove,
        MaxDifficulty::remove,
        NetworkPowRegistrationAllowed::remove,
        EMAPriceHalvingBlocks::remove,
        ValidatorPruneLen::remove,
        ScalingLawPower::remove,
        AdjustmentInterval::remove,
        AdjustmentAlpha::remove,
        TargetRegistrationsPerInterval::remove,
        MaxRegistrationsPerBlock::remove,
        NetworkRegistrationAllowed::remove,
        MinNonImmuneUids::remove,
        ImmuneOwnerUidsLimit::remove,
        RecycleOrBurnMode::remove,
        TransferToggle::remove,
        SubtokenEnabled::remove,
        SubnetEmissionEnabled::remove,
        OwnerCutEnabled::remove,
        |state, netuid| LastHyperparamUpdate::remove_prefix(state, netuid),
    ];
    for remove in removers {
        remove(state, &netuid);
    }
}

/// `set_tempo` (§4.6): the owner (or root) picks a tempo in [360, 50 400], at most once per
/// 360 blocks and outside the freeze window; the epoch clock restarts now.
pub fn set_tempo(env: &mut Env, who: &AccountId, netuid: NetUid, tempo: u16) -> Result<(), Error> {
    ensure_owner_or_root(env, who, netuid, Tempo::PREFIX, Some(u64::from(OWNER_TEMPO_RANGE.0)))?;
    in_range(tempo, OWNER_TEMPO_RANGE.0, OWNER_TEMPO_RANGE.1)?;
    Tempo::insert(env.state, &netuid, &tempo);
    subnets::LastEpochBlock::insert(env.state, &netuid, &env.block);
    env.events.push(Event::HyperparameterSet { netuid: Some(netuid), name: hyperparameter_name::<Tempo>() });
    Ok(())
}

/// `set_activity_cutoff_factor` (§4.6): the owner (or root), in [1000, 50 000] per mille.
pub fn set_activity_cutoff_factor(
    env: &mut Env,
    who: &AccountId,
    netuid: NetUid,
    factor: u16,
) -> Result<(), Error> {
    let (low, high) = ACTIVITY_CUTOFF_FACTOR_RANGE;
    set::<ActivityCutoffFactorMilli>(env, who, netuid, Access::Owner, factor, in_range(factor, low, high))
}
