//! Invariants over random call sequences: nothing is created or lost, a refused call
//! changes nothing but its fee and nonce, and no bytes crash the transaction decoder.

mod common;

use bt_primitives::{AccountId, Keypair};
use bt_runtime::balances::Account;
use bt_runtime::call::{AdminCall, BalancesCall, Call, SubtensorCall};
use bt_runtime::storage::Item;
use bt_runtime::{Applied, Event, SignedTransaction};
use common::*;
use proptest::prelude::*;

/// The actors: seeds 2..=7, each used as a coldkey, with hotkeys from seeds 12..=17.
const ACTORS: u8 = 6;

fn cold(i: u8) -> Keypair {
    key(2 + i % ACTORS)
}

fn hot(i: u8) -> AccountId {
    key(12 + i % ACTORS).account()
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![0..10u64, 1_000_000..5_000_000u64, 1..2_000 * TAO, Just(u64::MAX)]
}

/// A random call by actor `who`: (signer index, call, signed by the hotkey?).
fn action() -> impl Strategy<Value = (u8, Call, bool)> {
    let netuid = 0..4u16;
    prop_oneof![
        (any::<u8>(), any::<u8>(), amount()).prop_map(|(a, b, v)| (
            a,
            Call::Balances(BalancesCall::transfer_allow_death { dest: cold(b).account(), value: v.into() }),
            false
        )),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, k)| (
            a,
            Call::Balances(BalancesCall::transfer_all { dest: cold(b).account(), keep_alive: k }),
            false
        )),
        (any::<u8>(), netuid.clone()).prop_map(|(a, n)| (
            a,
            Call::SubtensorModule(SubtensorCall::burned_register { netuid: n, hotkey: hot(a) }),
            false
        )),
        (any::<u8>(), any::<u8>(), netuid.clone(), amount()).prop_map(|(a, h, n, v)| (
            a,
            Call::SubtensorModule(SubtensorCall::add_stake { hotkey: hot(h), netuid: n, amount_staked: v }),
            false
        )),
        (any::<u8>(), any::<u8>(), netuid.clone(), amount()).prop_map(|(a, h, n, v)| (
            a,
            Call::SubtensorModule(SubtensorCall::remove_stake {
                hotkey: hot(h),
                netuid: n,
                amount_unstaked: v
            }),
            false
        )),
        (any::<u8>(), any::<u8>(), netuid.clone(), netuid.clone(), amount()).prop_map(|(a, h, o, d, v)| (
            a,
            Call::SubtensorModule(SubtensorCall::move_stake {
                origin_hotkey: hot(a),
                destination_hotkey: hot(h),
                origin_netuid: o,
                destination_netuid: d,
                alpha_amount: v
            }),
            false
        )),
        (any::<u8>(), any::<u8>()).prop_map(|(a, h)| (
            a,
            Call::SubtensorModule(SubtensorCall::unstake_all { hotkey: hot(h) }),
            false
        )),
        (any::<u8>(), netuid.clone(), proptest::collection::vec((0..6u16, any::<u16>()), 0..5)).prop_map(
            |(a, n, w)| (
                a,
                Call::SubtensorModule(SubtensorCall::set_weights {
                    netuid: n,
                    dests: w.iter().map(|x| x.0).collect(),
                    weights: w.iter().map(|x| x.1).collect(),
                    version_key: 0
                }),
                true
            )
        ),
        (any::<u8>(), netuid.clone(), any::<u16>()).prop_map(|(a, n, port)| (
            a,
            Call::SubtensorModule(SubtensorCall::serve_axon {
                netuid: n,
                version: 1,
                ip: 0x0a00_0001,
                port,
                ip_type: 4,
                protocol: 4,
                placeholder1: 0,
                placeholder2: 0
            }),
            true
        )),
        any::<u8>().prop_map(|a| (
            a,
            Call::SubtensorModule(SubtensorCall::register_network { hotkey: hot(a) }),
            false
        )),
        (any::<u8>(), netuid.clone()).prop_map(|(a, n)| (
            a,
            Call::SubtensorModule(SubtensorCall::start_call { netuid: n }),
            false
        )),
        (any::<u8>(), netuid.clone(), any::<u16>()).prop_map(|(a, n, t)| (
            a,
            Call::AdminUtils(AdminCall::sudo_set_kappa { netuid: n, kappa: t }),
            false
        )),
        (any::<u8>(), netuid.clone()).prop_map(|(a, n)| (
            a,
            Call::SubtensorModule(SubtensorCall::dissolve_network { coldkey: cold(a).account(), netuid: n }),
            false
        )),
    ]
}

/// A chain with two subnets, owned by actors 0 and 1, that epoch every 5 blocks.
fn chain() -> Chain {
    let mut chain = Chain::new();
    for i in 0..2 {
        let netuid = chain.open_subnet(&cold(i), &key(12 + i));
        chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 5 });
        chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 });
    }
    chain
}

fn signer(i: u8, by_hotkey: bool) -> Keypair {
    if by_hotkey {
        key(12 + i % ACTORS)
    } else if i.is_multiple_of(13) {
        key(1) // sometimes the sudo account
    } else {
        cold(i)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_calls_conserve_tao_and_refusals_change_nothing(actions in proptest::collection::vec(action(), 1..40)) {
        let mut chain = chain();
        for (who, call, by_hotkey) in actions {
            let pair = signer(who, by_hotkey);
            let mut expected = chain.after_empty_block();
            let tx = chain.sign(&pair, call);
            let outcome = chain.block_with(&[tx]);
            assert_conserved(&chain.state);
            match &outcome.transactions[0] {
                Applied::Included(events) => {
                    if let Some(Event::ExtrinsicFailed { .. }) = events.last() {
                        for account in [pair.account(), author()] {
                            let after = Account::get(&chain.state, &account);
                            Account::insert(&mut expected, &account, &after);
                        }
                        assert_same_state(&chain.state, &expected, "refused call");
                    }
                }
                Applied::Invalid(_) => assert_same_state(&chain.state, &expected, "invalid transaction"),
            }
        }
    }

    #[test]
    fn no_bytes_crash_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = SignedTransaction::from_bytes(&bytes);
    }

    #[test]
    fn corrupted_transactions_never_crash(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        use parity_scale_codec::Encode;
        let chain = Chain::new();
        let call = Call::SubtensorModule(SubtensorCall::set_weights { netuid: 1, dests: vec![0, 1], weights: vec![1, 2], version_key: 0 });
        let mut bytes = chain.sign(&key(2), call).encode();
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] ^= value;
        }
        if let Ok(tx) = SignedTransaction::from_bytes(&bytes) {
            let _ = chain.runtime.check(tx);
        }
    }
}
