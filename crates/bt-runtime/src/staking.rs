//! Stake per (hotkey, coldkey, subnet) in share pools, the staking calls and delegate
//! take (chain.md §6.1, §6.3–§6.5).
//!
//! Each (hotkey, subnet) pool has a value (alpha) and shares. A coldkey's stake is its
//! share of the value, so raising the value alone pays every nominator pro rata. Shares are
//! minted at `2^32` per alpha into an empty pool and rounded against the staker, which
//! keeps shares ≤ `2^32 ·` value and every product exact in 256 bits.

use bt_primitives::{AccountId, Balance, NetUid, ROOT_NETUID};
use bt_yuma::fixed::I64F64;
use substrate_fixed::types::U96F32;

use crate::balances;
use crate::error::Error;
use crate::event::Event;
use crate::hyperparams as hp;
use crate::neurons::Owner;
use crate::state::State;
use crate::storage::Item;
use crate::subnets;
use crate::swap;
use crate::{map, value, Env};

/// The smallest amount a staking operation may move: 0.002 TAO.
pub const DEFAULT_MIN_STAKE: Balance = 2_000_000;
/// The take of a hotkey that never set one: 18 %.
pub const DEFAULT_TAKE: u16 = 11_796;
const SHARES_PER_ALPHA: u128 = 1 << 32;

map! {
    /// Value of each (hotkey, subnet) pool, in alpha rao.
    TotalHotkeyAlpha: (AccountId, NetUid) => Balance;
    /// Shares outstanding in each (hotkey, subnet) pool.
    TotalHotkeyShares: (AccountId, NetUid) => u128;
    /// Shares each coldkey holds in a (hotkey, subnet) pool.
    Alpha: (AccountId, NetUid, AccountId) => u128;
    /// The hotkeys each coldkey has staked to.
    StakingHotkeys: AccountId => Vec<AccountId>;
    /// Stake held on each subnet (the sum of its pools).
    SubnetStake: NetUid => Balance;
    /// Delegate take of each hotkey, u16 proportion (absent: 18 %).
    Delegates: AccountId => u16 = DEFAULT_TAKE;
    /// Block of each hotkey's last take change.
    LastTxBlockDelegateTake: AccountId => u64;
}

value! {
    /// All stake on every subnet.
    TotalStake: Balance;
}

/// `floor(a · b / c)` with a 256-bit intermediate product; `u128::MAX` if the quotient
/// does not fit, 0 if `c` is 0.
pub fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    if c == 0 {
        return 0;
    }
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let middle = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (middle << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    if high == 0 {
        return low / c;
    }
    if high >= c {
        return u128::MAX;
    }
    let (mut remainder, mut quotient) = (high, 0u128);
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= c {
            remainder = remainder.wrapping_sub(c);
            quotient |= 1;
        }
    }
    quotient
}

/// `coldkey`'s stake on `hotkey` in `netuid`, in alpha rao.
pub fn stake_of(state: &dyn State, hotkey: &AccountId, coldkey: &AccountId, netuid: NetUid) -> Balance {
    let shares = Alpha::get(state, &(*hotkey, netuid, *coldkey));
    if shares == 0 {
        return 0;
    }
    let total_shares = TotalHotkeyShares::get(state, &(*hotkey, netuid));
    let value = TotalHotkeyAlpha::get(state, &(*hotkey, netuid));
    u64::try_from(mul_div(shares, u128::from(value), total_shares)).unwrap_or(value)
}

/// All stake on `hotkey` in `netuid`.
pub fn hotkey_stake(state: &dyn State, hotkey: &AccountId, netuid: NetUid) -> Balance {
    TotalHotkeyAlpha::get(state, &(*hotkey, netuid))
}

/// `TaoWeight` as a fraction: the weight of root TAO in stake weight.
pub fn tao_weight(state: &dyn State) -> U96F32 {
    let weight = hp::TaoWeight::get(state, &());
    U96F32::from_num(weight) / U96F32::from_num(u64::MAX)
}

/// A hotkey's stake weight on `netuid` (§2.2): its alpha there plus its root TAO times
/// `TaoWeight`, as the epoch reads it.
pub fn stake_weight_fixed(state: &dyn State, hotkey: &AccountId, netuid: NetUid) -> I64F64 {
    let alpha = U96F32::from_num(hotkey_stake(state, hotkey, netuid));
    let root = U96F32::from_num(hotkey_stake(state, hotkey, ROOT_NETUID));
    let weighted = alpha.saturating_add(root.saturating_mul(tao_weight(state)));
    I64F64::saturating_from_num(weighted)
}

/// [`stake_weight_fixed`], floored to rao.
pub fn stake_weight(state: &dyn State, hotkey: &AccountId, netuid: NetUid) -> Balance {
    stake_weight_fixed(state, hotkey, netuid).saturating_to_num::<u64>()
}

fn adjust_totals(state: &mut dyn State, netuid: NetUid, delta: i128) {
    let apply = |value: &mut Balance| {
        *value = u64::try_from((i128::from(*value) + delta).max(0)).unwrap_or(u64::MAX);
    };
    SubnetStake::mutate(state, &netuid, apply);
    TotalStake::mutate(state, &(), apply);
}

/// Adds `amount` alpha to `coldkey`'s stake on `hotkey`, minting shares.
pub fn add_to_pool(
    state: &mut dyn State,
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    amount: Balance,
) {
    if amount == 0 {
        return;
    }
    let pool = (*hotkey, netuid);
    let value = TotalHotkeyAlpha::get(state, &pool);
    let shares = TotalHotkeyShares::get(state, &pool);
    let minted = if shares == 0 || value == 0 {
        u128::from(amount) * SHARES_PER_ALPHA
    } else {
        mul_div(u128::from(amount), shares, u128::from(value))
    };
    TotalHotkeyAlpha::insert(state, &pool, &value.saturating_add(amount));
    TotalHotkeyShares::insert(state, &pool, &shares.saturating_add(minted));
    Alpha::mutate(state, &(*hotkey, netuid, *coldkey), |s| *s = s.saturating_add(minted));
    StakingHotkeys::mutate(state, coldkey, |hotkeys| {
        if !hotkeys.contains(hotkey) {
            hotkeys.push(*hotkey);
        }
    });
    adjust_totals(state, netuid, i128::from(amount));
}

/// Removes `amount` alpha from `coldkey`'s stake on `hotkey`, burning shares (rounded up).
pub fn remove_from_pool(
    state: &mut dyn State,
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    amount: Balance,
) -> Result<(), Error> {
    let held = stake_of(state, hotkey, coldkey, netuid);
    if amount > held {
        return Err(Error::NotEnoughStakeToWithdraw);
    }
    let pool = (*hotkey, netuid);
    let value = TotalHotkeyAlpha::get(state, &pool);
    let shares = TotalHotkeyShares::get(state, &pool);
    let own = Alpha::get(state, &(*hotkey, netuid, *coldkey));
    let burned = if amount == held {
        own
    } else {
        let floor = mul_div(u128::from(amount), shares, u128::from(value));
        let exact = mul_div(floor, u128::from(value), shares) == u128::from(amount);
        (if exact { floor } else { floor.saturating_add(1) }).min(own)
    };
    TotalHotkeyAlpha::insert(state, &pool, &(value - amount));
    TotalHotkeyShares::insert(state, &pool, &(shares - burned));
    if own == burned {
        Alpha::remove(state, &(*hotkey, netuid, *coldkey));
    } else {
        Alpha::insert(state, &(*hotkey, netuid, *coldkey), &(own - burned));
    }
    adjust_totals(state, netuid, -i128::from(amount));
    Ok(())
}

/// Raises the value of `hotkey`'s pool on `netuid` by `amount`, paying every staker pro
/// rata; a pool nobody holds goes to the hotkey's owner instead.
pub fn increase_pool_value(state: &mut dyn State, hotkey: &AccountId, netuid: NetUid, amount: Balance) {
    if amount == 0 {
        return;
    }
    if TotalHotkeyShares::get(state, &(*hotkey, netuid)) == 0 {
        let owner = Owner::try_get(state, hotkey).unwrap_or(*hotkey);
        add_to_pool(state, hotkey, &owner, netuid, amount);
        return;
    }
    TotalHotkeyAlpha::mutate(state, &(*hotkey, netuid), |v| *v = v.saturating_add(amount));
    adjust_totals(state, netuid, i128::from(amount));
}

fn ensure_staking_allowed(state: &dyn State, netuid: NetUid) -> Result<(), Error> {
    if !subnets::exists(state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    if netuid != ROOT_NETUID && !hp::SubtokenEnabled::get(state, &netuid) {
        return Err(Error::SubtokenDisabled);
    }
    Ok(())
}

fn ensure_hotkey_exists(state: &dyn State, hotkey: &AccountId) -> Result<(), Error> {
    if Owner::contains(state, hotkey) {
        Ok(())
    } else {
        Err(Error::HotKeyAccountNotExists)
    }
}

/// `add_stake`, signed by the coldkey: stakes `tao` free TAO to `hotkey` on `netuid`.
pub fn add_stake(
    env: &mut Env,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    tao: Balance,
) -> Result<(), Error> {
    ensure_staking_allowed(env.state, netuid)?;
    if tao < DEFAULT_MIN_STAKE {
        return Err(Error::AmountTooLow);
    }
    if balances::free(env.state, coldkey) < tao {
        return Err(Error::NotEnoughBalanceToStake);
    }
    ensure_hotkey_exists(env.state, hotkey)?;
    let alpha = swap::tao_to_alpha(env.state, netuid, tao)?;
    balances::withdraw(env.state, coldkey, tao, Error::NotEnoughBalanceToStake)?;
    add_to_pool(env.state, hotkey, coldkey, netuid, alpha);
    env.events.push(Event::StakeAdded { coldkey: *coldkey, hotkey: *hotkey, netuid, tao, alpha });
    Ok(())
}

/// `remove_stake`, signed by the coldkey: unstakes `alpha` back to free TAO.
pub fn remove_stake(
    env: &mut Env,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    alpha: Balance,
) -> Result<(), Error> {
    if alpha == 0 {
        return Err(Error::AmountTooLow);
    }
    ensure_staking_allowed(env.state, netuid)?;
    ensure_hotkey_exists(env.state, hotkey)?;
    let held = stake_of(env.state, hotkey, coldkey, netuid);
    if alpha > held {
        return Err(Error::NotEnoughStakeToWithdraw);
    }
    let tao = swap::alpha_to_tao(env.state, netuid, alpha)?;
    if alpha < held && tao < DEFAULT_MIN_STAKE {
        return Err(Error::AmountTooLow);
    }
    unstake(env, coldkey, hotkey, netuid, alpha, tao)?;
    clear_small_nomination(env, coldkey, hotkey, netuid)
}

/// After an unstake, a nomination (stake on someone else's hotkey) left below the
/// nominator minimum is returned to the nominator in full (§6.3, §6.5).
fn clear_small_nomination(
    env: &mut Env,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
) -> Result<(), Error> {
    if Owner::try_get(env.state, hotkey).as_ref() == Some(coldkey) {
        return Ok(());
    }
    let factor = u128::from(hp::NominatorMinRequiredStake::get(env.state, &()));
    let minimum = u128::from(DEFAULT_MIN_STAKE) * factor / 1_000_000;
    let left = stake_of(env.state, hotkey, coldkey, netuid);
    if left > 0 && u128::from(left) < minimum {
        let tao = swap::alpha_to_tao(env.state, netuid, left)?;
        unstake(env, coldkey, hotkey, netuid, left, tao)?;
    }
    Ok(())
}

fn unstake(
    env: &mut Env,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    alpha: Balance,
    tao: Balance,
) -> Result<(), Error> {
    remove_from_pool(env.state, hotkey, coldkey, netuid, alpha)?;
    balances::deposit(env.state, coldkey, tao);
    env.events.push(Event::StakeRemoved { coldkey: *coldkey, hotkey: *hotkey, netuid, tao, alpha });
    Ok(())
}

/// `unstake_all`, signed by the coldkey: all of its stake on `hotkey`, every subnet.
pub fn unstake_all(env: &mut Env, coldkey: &AccountId, hotkey: &AccountId) -> Result<(), Error> {
    ensure_hotkey_exists(env.state, hotkey)?;
    for netuid in subnets::netuids(env.state) {
        let alpha = stake_of(env.state, hotkey, coldkey, netuid);
        if alpha > 0 {
            let tao = swap::alpha_to_tao(env.state, netuid, alpha)?;
            unstake(env, coldkey, hotkey, netuid, alpha, tao)?;
        }
    }
    Ok(())
}

/// Where a stake move starts and ends.
pub struct StakeMove {
    /// Coldkey giving the stake.
    pub coldkey: AccountId,
    /// Coldkey receiving it.
    pub destination_coldkey: AccountId,
    /// Hotkey it leaves.
    pub origin_hotkey: AccountId,
    /// Hotkey it joins.
    pub destination_hotkey: AccountId,
    /// Subnet it leaves.
    pub origin_netuid: NetUid,
    /// Subnet it joins.
    pub destination_netuid: NetUid,
    /// Alpha moved (origin subnet units).
    pub alpha: Balance,
}

/// `move_stake`, `transfer_stake` and `swap_stake`: a same-subnet move transfers alpha
/// directly; a cross-subnet move sells on the origin and buys on the destination.
pub fn move_stake(env: &mut Env, m: StakeMove) -> Result<(), Error> {
    ensure_staking_allowed(env.state, m.origin_netuid)?;
    ensure_staking_allowed(env.state, m.destination_netuid)?;
    ensure_hotkey_exists(env.state, &m.origin_hotkey)?;
    ensure_hotkey_exists(env.state, &m.destination_hotkey)?;
    if m.alpha > stake_of(env.state, &m.origin_hotkey, &m.coldkey, m.origin_netuid) {
        return Err(Error::NotEnoughStakeToWithdraw);
    }
    let tao = swap::alpha_to_tao(env.state, m.origin_netuid, m.alpha)?;
    if tao < DEFAULT_MIN_STAKE {
        return Err(Error::AmountTooLow);
    }
    let received = if m.origin_netuid == m.destination_netuid {
        m.alpha
    } else {
        swap::tao_to_alpha(env.state, m.destination_netuid, tao)?
    };
    remove_from_pool(env.state, &m.origin_hotkey, &m.coldkey, m.origin_netuid, m.alpha)?;
    add_to_pool(env.state, &m.destination_hotkey, &m.destination_coldkey, m.destination_netuid, received);
    env.events.push(Event::StakeMoved {
        coldkey: m.coldkey,
        origin_hotkey: m.origin_hotkey,
        origin_netuid: m.origin_netuid,
        destination_coldkey: m.destination_coldkey,
        destination_hotkey: m.destination_hotkey,
        destination_netuid: m.destination_netuid,
        alpha: received,
    });
    Ok(())
}

/// `transfer_stake`: needs `TransferToggle` on both subnets.
pub fn transfer_stake(env: &mut Env, m: StakeMove) -> Result<(), Error> {
    for netuid in [m.origin_netuid, m.destination_netuid] {
        if subnets::exists(env.state, netuid) && !hp::TransferToggle::get(env.state, &netuid) {
            return Err(Error::TransferDisallowed);
        }
    }
    move_stake(env, m)
}

/// `swap_stake`: between two different subnets, same hotkey and coldkey.
pub fn swap_stake(env: &mut Env, m: StakeMove) -> Result<(), Error> {
    if m.origin_netuid == m.destination_netuid {
        return Err(Error::SameNetuid);
    }
    move_stake(env, m)
}

fn ensure_hotkey_owner(state: &dyn State, coldkey: &AccountId, hotkey: &AccountId) -> Result<(), Error> {
    match Owner::try_get(state, hotkey) {
        Some(owner) if owner == *coldkey => Ok(()),
        Some(_) => Err(Error::NonAssociatedColdKey),
        None => Err(Error::HotKeyAccountNotExists),
    }
}

/// `decrease_take`, signed by the hotkey's owner: any lower take down to the minimum.
pub fn decrease_take(env: &mut Env, coldkey: &AccountId, hotkey: &AccountId, take: u16) -> Result<(), Error> {
    ensure_hotkey_owner(env.state, coldkey, hotkey)?;
    let current = Delegates::get(env.state, hotkey);
    if take >= current || take < hp::MinDelegateTake::get(env.state, &()) {
        return Err(Error::DelegateTakeTooLow);
    }
    Delegates::insert(env.state, hotkey, &take);
    LastTxBlockDelegateTake::insert(env.state, hotkey, &env.block);
    env.events.push(Event::TakeDecreased { coldkey: *coldkey, hotkey: *hotkey, take });
    Ok(())
}

/// `increase_take`, signed by the hotkey's owner: strictly higher, at most the maximum,
/// and not within `TxDelegateTakeRateLimit` blocks of the last change.
pub fn increase_take(env: &mut Env, coldkey: &AccountId, hotkey: &AccountId, take: u16) -> Result<(), Error> {
    ensure_hotkey_owner(env.state, coldkey, hotkey)?;
    let current = Delegates::get(env.state, hotkey);
    if take <= current {
        return Err(Error::DelegateTakeTooLow);
    }
    if take > hp::MaxDelegateTake::get(env.state, &()) {
        return Err(Error::DelegateTakeTooHigh);
    }
    let last = LastTxBlockDelegateTake::get(env.state, hotkey);
    if last != 0 && env.block.saturating_sub(last) < hp::TxDelegateTakeRateLimit::get(env.state, &()) {
        return Err(Error::DelegateTxRateLimitExceeded);
    }
    Delegates::insert(env.state, hotkey, &take);
    LastTxBlockDelegateTake::insert(env.state, hotkey, &env.block);
    env.events.push(Event::TakeIncreased { coldkey: *coldkey, hotkey: *hotkey, take });
    Ok(())
}

/// Every `(hotkey, coldkey, alpha)` stake position on `netuid`.
pub fn positions(state: &dyn State, netuid: NetUid) -> Vec<(AccountId, AccountId, Balance)> {
    Alpha::iter(state)
        .into_iter()
        .filter(|((_, n, _), _)| *n == netuid)
        .map(|((hotkey, _, coldkey), _)| (hotkey, coldkey, stake_of(state, &hotkey, &coldkey, netuid)))
        .collect()
}

/// Dissolution: unstakes every position on `netuid` to its coldkey's free balance. Value
/// left in pools nobody holds (rounding dust) is recycled.
pub fn return_all_stake(state: &mut dyn State, netuid: NetUid) {
    for (hotkey, coldkey, alpha) in positions(state, netuid) {
        // Positions come from the pools themselves, so removing them cannot fail.
        if remove_from_pool(state, &hotkey, &coldkey, netuid, alpha).is_ok() {
            balances::deposit(state, &coldkey, alpha);
        }
    }
    let leftover: Vec<(AccountId, NetUid)> = TotalHotkeyAlpha::iter(state)
        .into_iter()
        .filter(|((_, n), _)| *n == netuid)
        .map(|(k, _)| k)
        .collect();
    for pool in leftover {
        let dust = TotalHotkeyAlpha::get(state, &pool);
        TotalHotkeyAlpha::remove(state, &pool);
        TotalHotkeyShares::remove(state, &pool);
        adjust_totals(state, netuid, -i128::from(dust));
        balances::recycle(state, dust);
    }
    SubnetStake::remove(state, &netuid);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryState;

    #[test]
    fn mul_div_is_exact_beyond_128_bits() {
        assert_eq!(mul_div(6, 7, 4), 10);
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX), u128::MAX);
        assert_eq!(mul_div(u128::MAX, 3, 6), u128::MAX / 2);
        assert_eq!(mul_div(1 << 100, 1 << 100, 1 << 120), 1 << 80);
        assert_eq!(mul_div(1 << 100, 1 << 100, 1 << 60), u128::MAX, "quotient overflow saturates");
        assert_eq!(mul_div(5, 5, 0), 0);
    }

    #[test]
    fn nominators_share_pool_gains_pro_rata() {
        let mut state = MemoryState::new();
        let (hot, a, b) = (AccountId([1; 32]), AccountId([2; 32]), AccountId([3; 32]));
        add_to_pool(&mut state, &hot, &a, 1, 3_000);
        add_to_pool(&mut state, &hot, &b, 1, 1_000);
        increase_pool_value(&mut state, &hot, 1, 400);
        assert_eq!(stake_of(&state, &hot, &a, 1), 3_300);
        assert_eq!(stake_of(&state, &hot, &b, 1), 1_100);
        remove_from_pool(&mut state, &hot, &a, 1, 1_000).unwrap();
        // Shares burned are rounded up: the one unstaking loses under a rao, never others.
        assert_eq!(stake_of(&state, &hot, &a, 1), 2_299);
        assert_eq!(stake_of(&state, &hot, &b, 1), 1_100);
        assert_eq!(remove_from_pool(&mut state, &hot, &b, 1, 1_101), Err(Error::NotEnoughStakeToWithdraw));
        remove_from_pool(&mut state, &hot, &b, 1, 1_100).unwrap();
        assert_eq!(stake_of(&state, &hot, &b, 1), 0);
        assert_eq!(TotalStake::get(&state, &()), 2_300);
        assert_eq!(SubnetStake::get(&state, &1), 2_300);
        assert_eq!(hotkey_stake(&state, &hot, 1), 2_300, "a sole holder owns the whole pool");
        assert_eq!(stake_of(&state, &hot, &a, 1), 2_300);
    }
}
