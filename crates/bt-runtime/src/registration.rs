//! Burned registration, the registration price, and choosing the uid a new neuron takes
//! (chain.md §5.1, §5.3).

use bt_primitives::{AccountId, Balance, BlockNumber, NetUid, Uid, ROOT_NETUID};

use crate::balances;
use crate::error::Error;
use crate::event::Event;
use crate::hyperparams as hp;
use crate::neurons::{self, append_neuron, associate, replace_neuron, BlockAtRegistration, SubnetworkN};
use crate::state::State;
use crate::storage::Item;
use crate::subnets::{self, SubnetOwner, SubnetOwnerHotkey};
use crate::{map, Env};

map! {
    /// Registrations in the current block.
    RegistrationsThisBlock: NetUid => u16;
    /// TAO recycled by registrations on each subnet.
    RAORecycledForRegistration: NetUid => Balance;
}

const Q32_ONE: u64 = 1 << 32;

fn mul_q32(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) >> 32) as u64
}

fn pow_q32(base: u64, mut exp: u16) -> u64 {
    let (mut result, mut base) = (Q32_ONE, base);
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul_q32(result, base);
        }
        base = mul_q32(base, base);
        exp >>= 1;
    }
    result
}

/// The per-block price factor for half-life `h` blocks: the largest Q32 number `f` with
/// `f^h ≤ 0.5` (squaring with truncating Q32 multiplies).
pub fn decay_factor_q32(half_life: u16) -> u64 {
    let half = Q32_ONE / 2;
    let (mut low, mut high) = (0u64, Q32_ONE);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if pow_q32(mid, half_life) <= half {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

fn clamp_burn(state: &dyn State, netuid: NetUid, burn: Balance) -> Balance {
    let (min, max) = (hp::MinBurn::get(state, &netuid), hp::MaxBurn::get(state, &netuid));
    burn.max(min).min(max)
}

/// Block step 1 (§4.2): each subnet's price decays by one block's factor (from block 2 on)
/// and is clamped; the per-block registration counters reset.
pub fn update_registration_prices(state: &mut dyn State, block: BlockNumber) {
    for netuid in subnets::netuids(state) {
        let burn = hp::Burn::get(state, &netuid);
        let half_life = hp::BurnHalfLife::get(state, &netuid);
        let decayed =
            if half_life > 0 && block > 1 { mul_q32(burn, decay_factor_q32(half_life)) } else { burn };
        let new_burn = clamp_burn(state, netuid, decayed);
        if new_burn != burn {
            hp::Burn::insert(state, &netuid, &new_burn);
        }
        RegistrationsThisBlock::remove(state, &netuid);
    }
}

/// The price after a registration: `floor(burn · max(1, multiplier))`, clamped.
fn bump_price(state: &mut dyn State, netuid: NetUid) {
    let mult = hp::BurnIncreaseMult::get(state, &netuid).max(1u128 << 64);
    let burn = hp::Burn::get(state, &netuid);
    let product = u128::from(burn).saturating_mul(mult) >> 64;
    let bumped = u64::try_from(product).unwrap_or(u64::MAX);
    let clamped = clamp_burn(state, netuid, bumped);
    hp::Burn::insert(state, &netuid, &clamped);
}

/// `burned_register` (and `register_limit` with `limit_price`): the coldkey pays the
/// subnet's burn and `hotkey` takes a uid.
pub fn register(
    env: &mut Env,
    coldkey: &AccountId,
    netuid: NetUid,
    hotkey: &AccountId,
    limit_price: Option<Balance>,
) -> Result<Uid, Error> {
    if netuid == ROOT_NETUID {
        return Err(Error::RegistrationNotPermittedOnRootSubnet);
    }
    if !subnets::exists(env.state, netuid) {
        return Err(Error::SubnetNotExists);
    }
    if !hp::NetworkRegistrationAllowed::get(env.state, &netuid) {
        return Err(Error::SubNetRegistrationDisabled);
    }
    if neurons::uid_of(env.state, netuid, hotkey).is_some() {
        return Err(Error::HotKeyAlreadyRegisteredInSubNet);
    }
    let burn = hp::Burn::get(env.state, &netuid);
    if limit_price.is_some_and(|limit| burn > limit) {
        return Err(Error::RegistrationPriceLimitExceeded);
    }
    if balances::free(env.state, coldkey) < burn {
        return Err(Error::NotEnoughBalanceToStake);
    }
    if neurons::Owner::try_get(env.state, hotkey).is_some_and(|owner| owner != *coldkey) {
        return Err(Error::NonAssociatedColdKey);
    }
    let max_uids = hp::MaxAllowedUids::get(env.state, &netuid);
    let n = SubnetworkN::get(env.state, &netuid);
    let slot = if max_uids == 0 {
        return Err(Error::NoNeuronIdAvailable);
    } else if n < max_uids {
        None
    } else {
        Some(neuron_to_prune(env.state, netuid, env.block).ok_or(Error::NoNeuronIdAvailable)?)
    };

    balances::withdraw(env.state, coldkey, burn, Error::NotEnoughBalanceToStake)?;
    balances::recycle(env.state, burn);
    RAORecycledForRegistration::mutate(env.state, &netuid, |r| *r = r.saturating_add(burn));
    associate(env.state, coldkey, hotkey)?;
    let uid = match slot {
        None => append_neuron(env, netuid, hotkey),
        Some(uid) => {
            if let Some(old_hotkey) = replace_neuron(env, netuid, uid, hotkey) {
                env.events.push(Event::NeuronReplaced { netuid, uid, old_hotkey });
            }
            uid
        }
    };
    RegistrationsThisBlock::mutate(env.state, &netuid, |r| *r = r.saturating_add(1));
    bump_price(env.state, netuid);
    env.events.push(Event::NeuronRegistered { netuid, uid, hotkey: *hotkey });
    Ok(uid)
}

/// Uids that are never pruned: the owner hotkey's, and the first `ImmuneOwnerUidsLimit`
/// uids of other hotkeys of the owner coldkey.
fn immortal_uids(state: &dyn State, netuid: NetUid) -> Vec<Uid> {
    let owner_hotkey = SubnetOwnerHotkey::try_get(state, &netuid);
    let owner = SubnetOwner::try_get(state, &netuid);
    let mut immortal: Vec<Uid> =
        owner_hotkey.iter().filter_map(|h| neurons::uid_of(state, netuid, h)).collect();
    let limit = usize::from(hp::ImmuneOwnerUidsLimit::get(state, &netuid));
    let mut owned: Vec<Uid> = owner
        .map(|owner| neurons::OwnedHotkeys::get(state, &owner))
        .unwrap_or_default()
        .iter()
        .filter(|h| Some(**h) != owner_hotkey)
        .filter_map(|h| neurons::uid_of(state, netuid, h))
        .collect();
    owned.sort_unstable();
    immortal.extend(owned.into_iter().take(limit));
    immortal
}

/// The uid a registration replaces on a full subnet (§5.3), if any may be.
///
/// Among uids past their immunity (and not immortal), the lowest by (emission, registration
/// block, uid), as long as more than `MinNonImmuneUids` of them remain; otherwise the
/// lowest immune one by the same order.
pub fn neuron_to_prune(state: &dyn State, netuid: NetUid, block: BlockNumber) -> Option<Uid> {
    let immortal = immortal_uids(state, netuid);
    let immunity = u64::from(hp::ImmunityPeriod::get(state, &netuid));
    let emission = neurons::Emission::get(state, &netuid);
    let n = SubnetworkN::get(state, &netuid);
    let (mut immune, mut mortal) = (Vec::new(), Vec::new());
    for uid in (0..n).filter(|uid| !immortal.contains(uid)) {
        let registered = BlockAtRegistration::get(state, &(netuid, uid));
        let key = (emission.get(usize::from(uid)).copied().unwrap_or(0), registered, uid);
        if block.saturating_sub(registered) < immunity {
            immune.push(key);
        } else {
            mortal.push(key);
        }
    }
    let min_mortal = usize::from(hp::MinNonImmuneUids::get(state, &netuid));
    let pool = if mortal.len() > min_mortal { mortal } else { immune };
    pool.into_iter().min().map(|(_, _, uid)| uid)
}

/// Removes the registration counters of a dissolved subnet.
pub fn clear_subnet(state: &mut dyn State, netuid: NetUid) {
    RegistrationsThisBlock::remove(state, &netuid);
    RAORecycledForRegistration::remove(state, &netuid);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_factors_match_the_spec() {
        // chain.md §3.6.
        let expected = [(1, 2_147_483_648), (2, 3_037_000_500), (360, 4_286_705_684), (1000, 4_291_991_283)];
        for (half_life, factor) in expected {
            assert_eq!(decay_factor_q32(half_life), factor, "h = {half_life}");
        }
        assert_eq!(decay_factor_q32(7200), 4_294_553_838);
    }
}
