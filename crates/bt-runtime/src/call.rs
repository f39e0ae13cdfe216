//! Every state change the chain accepts, as a SCALE-encoded call.
//!
//! Calls are grouped by module and encoded like a Substrate runtime call: the module index
//! (Balances 5, SubtensorModule 7, AdminUtils 19), then the call index (the chain's own
//! numbers for SubtensorModule, chain.md §9.1), then the arguments. Variant names are the
//! chain's call names.

#![allow(non_camel_case_types)]

use bt_primitives::{AccountId, Balance, NetUid};
use parity_scale_codec::{Compact, Decode, Encode};

/// A call, by module.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Call {
    /// Transfers of free TAO.
    #[codec(index = 5)]
    Balances(BalancesCall),
    /// Subnets, registration, weights, serving and staking.
    #[codec(index = 7)]
    SubtensorModule(SubtensorCall),
    /// Hyperparameter setters (root, or the subnet owner where allowed).
    #[codec(index = 19)]
    AdminUtils(AdminCall),
}

/// Moving free TAO between accounts (signed by the sender's coldkey).
#[allow(missing_docs)] // the arguments carry the chain's names
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum BalancesCall {
    /// Sends `value`; if the sender is left below the existential deposit, the rest is lost.
    #[codec(index = 0)]
    transfer_allow_death { dest: AccountId, value: Compact<Balance> },
    /// Sends `value`, refusing to leave the sender below the existential deposit.
    #[codec(index = 3)]
    transfer_keep_alive { dest: AccountId, value: Compact<Balance> },
    /// Sends the whole free balance (less the existential deposit with `keep_alive`).
    #[codec(index = 4)]
    transfer_all { dest: AccountId, keep_alive: bool },
}

/// The subtensor calls (chain.md §9.1, same call indices).
#[allow(missing_docs)] // the arguments carry the chain's names
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum SubtensorCall {
    /// Sets the caller hotkey's weights on a subnet (§7.1).
    #[codec(index = 0)]
    set_weights { netuid: NetUid, dests: Vec<u16>, weights: Vec<u16>, version_key: u64 },
    /// Stakes free TAO to a hotkey on a subnet (§6.3).
    #[codec(index = 2)]
    add_stake { hotkey: AccountId, netuid: NetUid, amount_staked: Balance },
    /// Unstakes alpha back to free TAO (§6.3).
    #[codec(index = 3)]
    remove_stake { hotkey: AccountId, netuid: NetUid, amount_unstaked: Balance },
    /// Publishes the caller hotkey's axon endpoint (§7.4).
    #[codec(index = 4)]
    serve_axon {
        netuid: NetUid,
        version: u32,
        ip: u128,
        port: u16,
        ip_type: u8,
        protocol: u8,
        placeholder1: u8,
        placeholder2: u8,
    },
    /// Publishes the caller hotkey's Prometheus endpoint (§7.4).
    #[codec(index = 5)]
    serve_prometheus { netuid: NetUid, version: u32, ip: u128, port: u16, ip_type: u8 },
    /// Registers `hotkey` on a subnet, paying the burn (§5.1).
    #[codec(index = 7)]
    burned_register { netuid: NetUid, hotkey: AccountId },
    /// Creates a subnet owned by the caller, paying the lock cost (§8.1).
    #[codec(index = 59)]
    register_network { hotkey: AccountId },
    /// Root only: removes a subnet and returns its stake to the stakers.
    #[codec(index = 61)]
    dissolve_network { coldkey: AccountId, netuid: NetUid },
    /// Lowers the caller's delegate take on `hotkey` (§6.4).
    #[codec(index = 65)]
    decrease_take { hotkey: AccountId, take: u16 },
    /// Raises the caller's delegate take on `hotkey`, rate-limited (§6.4).
    #[codec(index = 66)]
    increase_take { hotkey: AccountId, take: u16 },
    /// Unstakes all of the caller's stake on `hotkey`, on every subnet.
    #[codec(index = 83)]
    unstake_all { hotkey: AccountId },
    /// Moves the caller's stake between hotkeys and subnets.
    #[codec(index = 85)]
    move_stake {
        origin_hotkey: AccountId,
        destination_hotkey: AccountId,
        origin_netuid: NetUid,
        destination_netuid: NetUid,
        alpha_amount: Balance,
    },
    /// Gives the caller's stake on `hotkey` to another coldkey.
    #[codec(index = 86)]
    transfer_stake {
        destination_coldkey: AccountId,
        hotkey: AccountId,
        origin_netuid: NetUid,
        destination_netuid: NetUid,
        alpha_amount: Balance,
    },
    /// Moves the caller's stake on `hotkey` from one subnet to another.
    #[codec(index = 87)]
    swap_stake { hotkey: AccountId, origin_netuid: NetUid, destination_netuid: NetUid, alpha_amount: Balance },
    /// Starts emission and staking on the caller's subnet (§8.1).
    #[codec(index = 92)]
    start_call { netuid: NetUid },
    /// Commits to weights by hash, for a later reveal (§7.2).
    #[codec(index = 96)]
    commit_weights { netuid: NetUid, commit_hash: [u8; 32] },
    /// Reveals committed weights (§7.2).
    #[codec(index = 97)]
    reveal_weights { netuid: NetUid, uids: Vec<u16>, values: Vec<u16>, salt: Vec<u16>, version_key: u64 },
    /// Registers `hotkey` only if the burn is at most `limit_price` (§5.1).
    #[codec(index = 134)]
    register_limit { netuid: NetUid, hotkey: AccountId, limit_price: Balance },
    /// Owner: changes the subnet's tempo within [360, 50 400] (§4.6).
    #[codec(index = 139)]
    set_tempo { netuid: NetUid, tempo: u16 },
    /// Owner: changes the activity cutoff, in per-mille of the tempo, within [1000, 50 000].
    #[codec(index = 140)]
    set_activity_cutoff_factor { netuid: NetUid, factor_milli: u16 },
}

/// Whether owner-owned hotkeys' unpaid incentive is burned or recycled (§4.8).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Encode, Decode, serde::Serialize, serde::Deserialize,
)]
pub enum RecycleOrBurn {
    /// Destroyed, still counted as issued.
    #[default]
    Burn,
    /// Destroyed and taken out of issuance.
    Recycle,
}

/// Hyperparameter setters (chain.md §8.2). Per-subnet setters marked "owner" accept the
/// subnet owner outside the admin freeze window and rate limit, and root at any time; the
/// rest accept root (the sudo account) only.
#[allow(missing_docs)] // the arguments carry the chain's names
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum AdminCall {
    /// Owner (deprecated, unused by the epoch).
    sudo_set_rho { netuid: NetUid, rho: u16 },
    /// Root.
    sudo_set_kappa { netuid: NetUid, kappa: u16 },
    /// Owner.
    sudo_set_immunity_period { netuid: NetUid, immunity_period: u16 },
    /// Owner.
    sudo_set_min_allowed_weights { netuid: NetUid, min_allowed_weights: u16 },
    /// Root.
    sudo_set_max_weight_limit { netuid: NetUid, max_weight_limit: u16 },
    /// Root.
    sudo_set_tempo { netuid: NetUid, tempo: u16 },
    /// Owner (legacy, unused by the epoch).
    sudo_set_activity_cutoff { netuid: NetUid, activity_cutoff: u16 },
    /// Owner: ≤ 256, ≥ current uids, ≥ min allowed uids.
    sudo_set_max_allowed_uids { netuid: NetUid, max_allowed_uids: u16 },
    /// Root.
    sudo_set_min_allowed_uids { netuid: NetUid, min_allowed_uids: u16 },
    /// Root.
    sudo_set_max_allowed_validators { netuid: NetUid, max_allowed_validators: u16 },
    /// Owner, at most once every 5 tempos.
    sudo_set_weights_version_key { netuid: NetUid, weights_version_key: u64 },
    /// Root.
    sudo_set_weights_set_rate_limit { netuid: NetUid, weights_set_rate_limit: u64 },
    /// Owner.
    sudo_set_serving_rate_limit { netuid: NetUid, serving_rate_limit: u64 },
    /// Owner: ≤ 975 000.
    sudo_set_bonds_moving_average { netuid: NetUid, bonds_moving_average: u64 },
    /// Owner.
    sudo_set_bonds_penalty { netuid: NetUid, bonds_penalty: u16 },
    /// Owner.
    sudo_set_bonds_reset_enabled { netuid: NetUid, enabled: bool },
    /// Owner.
    sudo_set_yuma3_enabled { netuid: NetUid, enabled: bool },
    /// Owner.
    sudo_set_liquid_alpha_enabled { netuid: NetUid, enabled: bool },
    /// Owner: `0 < alpha_low < alpha_high`.
    sudo_set_alpha_values { netuid: NetUid, alpha_low: u16, alpha_high: u16 },
    /// Owner (non-negative) or root.
    sudo_set_alpha_sigmoid_steepness { netuid: NetUid, steepness: i16 },
    /// Owner.
    sudo_set_commit_reveal_weights_enabled { netuid: NetUid, enabled: bool },
    /// Owner: reveal period in epochs, [1, 100].
    sudo_set_commit_reveal_weights_interval { netuid: NetUid, interval: u64 },
    /// Owner: below 1 TAO and below the max burn.
    sudo_set_min_burn { netuid: NetUid, min_burn: Balance },
    /// Owner: above 0.1 TAO and above the min burn.
    sudo_set_max_burn { netuid: NetUid, max_burn: Balance },
    /// Owner: [1, 36 100] blocks.
    sudo_set_burn_half_life { netuid: NetUid, burn_half_life: u16 },
    /// Owner: multiplier in [1, 3], as the bits of a U64F64 fixed-point number.
    sudo_set_burn_increase_mult { netuid: NetUid, burn_increase_mult: u128 },
    /// Root (legacy proof of work).
    sudo_set_difficulty { netuid: NetUid, difficulty: u64 },
    /// Root (legacy): not above the max difficulty.
    sudo_set_min_difficulty { netuid: NetUid, min_difficulty: u64 },
    /// Owner (legacy): not below the min difficulty.
    sudo_set_max_difficulty { netuid: NetUid, max_difficulty: u64 },
    /// Root (legacy).
    sudo_set_network_pow_registration_allowed { netuid: NetUid, registration_allowed: bool },
    /// Root: blocks over which the moving price's EMA weight halves.
    sudo_set_ema_price_halving_period { netuid: NetUid, ema_halving: u64 },
    /// Root (legacy).
    sudo_set_adjustment_interval { netuid: NetUid, adjustment_interval: u16 },
    /// Owner (legacy).
    sudo_set_adjustment_alpha { netuid: NetUid, adjustment_alpha: u64 },
    /// Root (legacy).
    sudo_set_target_registrations_per_interval { netuid: NetUid, target_registrations_per_interval: u16 },
    /// Root.
    sudo_set_max_registrations_per_block { netuid: NetUid, max_registrations_per_block: u16 },
    /// Root.
    sudo_set_network_registration_allowed { netuid: NetUid, registration_allowed: bool },
    /// Root.
    sudo_set_min_non_immune_uids { netuid: NetUid, min: u16 },
    /// Owner: [1, 10].
    sudo_set_owner_immune_neuron_limit { netuid: NetUid, immune_neurons: u16 },
    /// Owner.
    sudo_set_recycle_or_burn { netuid: NetUid, recycle_or_burn: RecycleOrBurn },
    /// Owner.
    sudo_set_toggle_transfer { netuid: NetUid, toggle: bool },
    /// Root.
    sudo_set_subtoken_enabled { netuid: NetUid, subtoken_enabled: bool },
    /// Root: whether the subnet receives a share of block emission.
    sudo_set_subnet_emission_enabled { netuid: NetUid, enabled: bool },
    /// Owner or root.
    sudo_set_owner_cut_enabled { netuid: NetUid, enabled: bool },
    /// Root, global: the owner's share of subnet emission, u16 proportion.
    sudo_set_subnet_owner_cut { subnet_owner_cut: u16 },
    /// Root, global: minimum stake to set weights and hold a permit.
    sudo_set_stake_threshold { min_stake: u64 },
    /// Root, global.
    sudo_set_tx_rate_limit { tx_rate_limit: u64 },
    /// Root, global: per-million factor of the minimum stake below which nominations are
    /// cleared after an unstake.
    sudo_set_nominator_min_required_stake { min_stake: u64 },
    /// Root, global: the commit-reveal version clients must use.
    sudo_set_commit_reveal_version { version: u16 },
    /// Root, global: moving-price speed as `U96F32` bits, at most 1.0.
    sudo_set_subnet_moving_alpha { alpha: u128 },
    /// Root, global.
    sudo_set_tx_childkey_take_rate_limit { tx_rate_limit: u64 },
    /// Root, global.
    sudo_set_tx_delegate_take_rate_limit { tx_rate_limit: u64 },
    /// Root, global.
    sudo_set_min_delegate_take { take: u16 },
    /// Root, global.
    sudo_set_network_rate_limit { rate_limit: u64 },
    /// Root, global.
    sudo_set_network_min_lock_cost { lock_cost: Balance },
    /// Root, global.
    sudo_set_lock_reduction_interval { interval: u64 },
    /// Root, global.
    sudo_set_network_immunity_period { immunity_period: u64 },
    /// Root, global.
    sudo_set_subnet_limit { max_subnets: u16 },
    /// Root, global.
    sudo_set_max_epochs_per_block { max_epochs: u16 },
    /// Root, global.
    sudo_set_admin_freeze_window { window: u16 },
    /// Root, global: in tempos.
    sudo_set_owner_hparam_rate_limit { epochs: u16 },
    /// Root, global: the share of root stake in stake weight, as `u64` parts of `u64::MAX`.
    sudo_set_tao_weight { weight: u64 },
    /// Root: hands the sudo key to another account.
    sudo_set_sudo_key { new: AccountId },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_encode_with_module_and_call_index_first() {
        let call =
            Call::SubtensorModule(SubtensorCall::burned_register { netuid: 3, hotkey: AccountId([7; 32]) });
        let bytes = call.encode();
        assert_eq!(&bytes[..4], &[7, 7, 3, 0]);
        assert_eq!(Call::decode(&mut &bytes[..]), Ok(call.clone()));
        let transfer =
            Call::Balances(BalancesCall::transfer_keep_alive { dest: AccountId([1; 32]), value: 5.into() });
        assert_eq!(&transfer.encode()[..2], &[5, 3]);
    }
}
