//! Registration price dynamics (chain.md §3.6 vectors), uid assignment and pruning (§5.3).

mod common;

use bt_primitives::NetUid;
use bt_runtime::call::{AdminCall, SubtensorCall};
use bt_runtime::hyperparams::{Burn, BurnHalfLife, BurnIncreaseMult, MaxAllowedUids, MaxBurn, MinBurn};
use bt_runtime::neurons::{hotkey_of, Emission, SubnetworkN, Weights};
use bt_runtime::storage::Item;
use bt_runtime::{Error, Event};
use common::*;

fn subnet_with_price(chain: &mut Chain, burn: u64, mult: u128, half_life: u16, min: u64, max: u64) -> NetUid {
    let netuid = chain.open_subnet(&key(2), &key(3));
    let state = &mut chain.state;
    Burn::insert(state, &netuid, &burn);
    BurnIncreaseMult::insert(state, &netuid, &(mult << 64));
    BurnHalfLife::insert(state, &netuid, &half_life);
    MinBurn::insert(state, &netuid, &min);
    MaxBurn::insert(state, &netuid, &max);
    netuid
}

#[test]
fn price_doubles_on_registration_and_decays_each_block() {
    let mut chain = Chain::new();
    let netuid = subnet_with_price(&mut chain, 1_000, 2, 1_000, 0, u64::MAX);
    chain.register(&key(4), netuid, &key(5)).unwrap();
    // The registration block's own decay ran first (1000 → 999), then the doubling.
    assert_eq!(Burn::get(&chain.state, &netuid), 1_998);

    let mut chain = Chain::new();
    let netuid = subnet_with_price(&mut chain, 1_000, 2, 1_000, 0, u64::MAX);
    // Register within the block whose hook already ran: apply the call directly.
    let mut env = bt_runtime::Env::new(&mut chain.state, chain.block);
    bt_runtime::registration::register(&mut env, &key(4).account(), netuid, &key(5).account(), None).unwrap();
    assert_eq!(Burn::get(&chain.state, &netuid), 2_000);
    chain.run_blocks(1);
    assert_eq!(Burn::get(&chain.state, &netuid), 1_998);
}

#[test]
fn price_halves_every_half_life() {
    let mut chain = Chain::new();
    let netuid = subnet_with_price(&mut chain, 1_024, 1, 2, 0, u64::MAX);
    chain.run_blocks(2);
    assert_eq!(Burn::get(&chain.state, &netuid), 511);
    chain.run_blocks(2);
    assert_eq!(Burn::get(&chain.state, &netuid), 255);
}

#[test]
fn price_is_clamped_to_its_bounds() {
    let mut chain = Chain::new();
    let netuid = subnet_with_price(&mut chain, 1, 2, 1, 100_000, 150_000);
    chain.run_blocks(1);
    assert_eq!(Burn::get(&chain.state, &netuid), 100_000);
    let mut env = bt_runtime::Env::new(&mut chain.state, chain.block);
    bt_runtime::registration::register(&mut env, &key(4).account(), netuid, &key(5).account(), None).unwrap();
    assert_eq!(Burn::get(&chain.state, &netuid), 150_000);
    chain.run_blocks(1);
    assert_eq!(Burn::get(&chain.state, &netuid), 100_000);
}

#[test]
fn register_limit_refuses_a_price_above_the_limit() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(3));
    let burn = Burn::get(&chain.state, &netuid);
    let call = |limit| SubtensorCall::register_limit { netuid, hotkey: key(5).account(), limit_price: limit };
    assert_eq!(chain.subtensor(&key(4), call(burn / 2)), Err(Error::RegistrationPriceLimitExceeded));
    chain.subtensor(&key(4), call(burn)).unwrap();
}

#[test]
fn a_full_subnet_replaces_the_lowest_emitter_past_immunity() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(3));
    chain.sudo(AdminCall::sudo_set_min_allowed_uids { netuid, min_allowed_uids: 1 });
    chain.sudo(AdminCall::sudo_set_max_allowed_uids { netuid, max_allowed_uids: 4 });
    chain.sudo(AdminCall::sudo_set_immunity_period { netuid, immunity_period: 3 });
    chain.sudo(AdminCall::sudo_set_min_non_immune_uids { netuid, min: 0 });
    for seed in 4..=6 {
        chain.register(&key(seed), netuid, &key(seed + 10)).unwrap();
    }
    assert_eq!(SubnetworkN::get(&chain.state, &netuid), 4);
    // uid 2 emitted least; uid 1 points a weight at it.
    Emission::insert(&mut chain.state, &netuid, &vec![0, 50, 10, 30]);
    Weights::insert(&mut chain.state, &(netuid, 1), &vec![(2, 65_535), (3, 100)]);
    chain.run_blocks(5);
    let events = chain.register(&key(7), netuid, &key(17)).unwrap();
    let replaced = Event::NeuronReplaced { netuid, uid: 2, old_hotkey: key(15).account() };
    assert!(events.contains(&replaced), "{events:?}");
    assert_eq!(hotkey_of(&chain.state, netuid, 2), Some(key(17).account()));
    assert_eq!(SubnetworkN::get(&chain.state, &netuid), 4);
    // The weight that pointed at the replaced uid is now 0.
    assert_eq!(Weights::get(&chain.state, &(netuid, 1)), vec![(2, 0), (3, 100)]);
    // The owner's uid 0 is never pruned, even with the lowest emission.
    assert_eq!(hotkey_of(&chain.state, netuid, 0), Some(key(3).account()));
}

#[test]
fn no_uid_available_when_every_uid_is_protected() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(3));
    chain.sudo(AdminCall::sudo_set_min_allowed_uids { netuid, min_allowed_uids: 1 });
    chain.sudo(AdminCall::sudo_set_max_allowed_uids { netuid, max_allowed_uids: 1 });
    // Only the owner's immortal uid 0 exists.
    assert_eq!(MaxAllowedUids::get(&chain.state, &netuid), 1);
    assert_eq!(chain.register(&key(4), netuid, &key(5)), Err(Error::NoNeuronIdAvailable));
}
