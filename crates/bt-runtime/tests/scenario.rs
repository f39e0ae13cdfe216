//! A subnet's life driven only by signed calls: create it, register a validator and
//! miners, stake, set weights, and run blocks across several tempos. Every epoch's stored
//! results must equal what `bt-yuma` computes from the same inputs, and every payout must
//! land where §4.7 says.

mod common;

use bt_primitives::{AccountId, NetUid};
use bt_runtime::call::{AdminCall, SubtensorCall};
use bt_runtime::coinbase::{pending, Pending};
use bt_runtime::epochs::epoch_input;
use bt_runtime::neurons::{Bonds, Dividends, Incentive, ValidatorPermit};
use bt_runtime::staking::{hotkey_stake, stake_of, Delegates};
use bt_runtime::storage::Item;
use bt_runtime::{Event, MemoryState};
use common::*;

fn epoch_emission(events: &[Event], netuid: NetUid) -> Option<u64> {
    events.iter().find_map(|e| match e {
        Event::EpochRan { netuid: n, emission, .. } if *n == netuid => Some(*emission),
        _ => None,
    })
}

/// Runs blocks until `netuid`'s next epoch; returns the state just before that block and
/// the epoch's emission.
fn run_to_epoch(chain: &mut Chain, netuid: NetUid) -> (MemoryState, u64) {
    for _ in 0..1_000 {
        let before = chain.state.clone();
        let events = chain.block_with(&[]).initialization;
        if let Some(emission) = epoch_emission(&events, netuid) {
            return (before, emission);
        }
    }
    panic!("no epoch within 1000 blocks");
}

fn stake_weight_sum(state: &MemoryState, netuid: NetUid, hotkeys: &[AccountId]) -> u64 {
    hotkeys.iter().map(|h| hotkey_stake(state, h, netuid)).sum()
}

#[test]
fn a_subnet_pays_miners_and_validators_as_yuma_says() {
    let mut chain = Chain::new();
    let (owner, owner_hot) = (key(2), key(3));
    let netuid = chain.open_subnet(&owner, &owner_hot);
    chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 20 });
    chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 });

    let (validator, validator_hot, nominator) = (key(4), key(5), key(12));
    let miners: Vec<_> = (0..3).map(|i| (key(6 + i), key(9 + i))).collect();
    chain.register(&validator, netuid, &validator_hot).unwrap();
    for (cold, hot) in &miners {
        chain.register(cold, netuid, hot).unwrap();
    }
    let stake =
        SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid, amount_staked: 1_000 * TAO };
    chain.subtensor(&validator, stake).unwrap();
    let nominate =
        SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid, amount_staked: 500 * TAO };
    chain.subtensor(&nominator, nominate).unwrap();
    assert_eq!(stake_of(&chain.state, &validator_hot.account(), &nominator.account(), netuid), 500 * TAO);

    // Pending buckets fill every block: 1 TAO per block, 18 % to the owner, the rest
    // halved between miners and validators (no root stake, so no root share).
    let before = pending(&chain.state, netuid);
    chain.run_blocks(1);
    let after = pending(&chain.state, netuid);
    if after.epoch_total() > 0 {
        assert_eq!(after.owner_cut - before.owner_cut, 179_995_422);
        assert_eq!(after.server - before.server, 410_002_288);
        assert_eq!(after.validator - before.validator, 410_002_288);
        assert_eq!(after.root, 0);
    }

    // The first epoch hands out validator permits; weights need one.
    let weights = SubtensorCall::set_weights {
        netuid,
        dests: vec![2, 3, 4],
        weights: vec![60_000, 30_000, 0],
        version_key: 0,
    };
    assert_eq!(
        chain.subtensor(&validator_hot, weights.clone()),
        Err(bt_runtime::Error::NeuronNoValidatorPermit)
    );
    run_to_epoch(&mut chain, netuid);
    assert!(ValidatorPermit::get(&chain.state, &netuid)[1]);
    chain.subtensor(&validator_hot, weights).unwrap();

    let miner_hots: Vec<AccountId> = miners.iter().map(|(_, h)| h.account()).collect();
    let mut paid_to_miners = 0;
    for _ in 0..4 {
        let (before, emission) = run_to_epoch(&mut chain, netuid);
        let pending_before: Pending = pending(&before, netuid);
        let expected = bt_yuma::epoch::epoch(&epoch_input(&before, netuid, chain.block, emission));
        let state = &chain.state;

        // The stored results are bt-yuma's.
        assert_eq!(Incentive::get(state, &netuid), expected.incentive);
        assert_eq!(Dividends::get(state, &netuid), expected.dividends);
        assert_eq!(ValidatorPermit::get(state, &netuid), expected.validator_permit);
        for (uid, row) in expected.bonds.iter().enumerate() {
            if let Some(row) = row {
                assert_eq!(&Bonds::get(state, &(netuid, uid as u16)), row);
            }
        }
        assert!(expected.incentive[2] > expected.incentive[3] && expected.incentive[4] == 0);

        // Miners are paid their incentive as stake, to their own coldkey.
        for (uid, (cold, hot)) in miners.iter().enumerate() {
            let uid = uid + 2;
            let gained = stake_of(state, &hot.account(), &cold.account(), netuid)
                - stake_of(&before, &hot.account(), &cold.account(), netuid);
            assert_eq!(gained, expected.server_emission[uid]);
            paid_to_miners += gained;
        }

        // The validator's pool grows by the whole validator bucket (the only dividend
        // earner): the take to its owner, the rest shared with the nominator pro rata.
        let pool_gain = hotkey_stake(state, &validator_hot.account(), netuid)
            - hotkey_stake(&before, &validator_hot.account(), netuid);
        let bucket = pending_before.validator + chain_increment(&before, netuid, emission).validator;
        assert!(bucket - pool_gain <= 1, "validator bucket {bucket} paid {pool_gain}");
        let take = Delegates::get(state, &validator_hot.account());
        assert_eq!(take, 11_796);
        let nominator_gain = stake_of(state, &validator_hot.account(), &nominator.account(), netuid)
            - stake_of(&before, &validator_hot.account(), &nominator.account(), netuid);
        let share_before = stake_of(&before, &validator_hot.account(), &nominator.account(), netuid) as f64
            / hotkey_stake(&before, &validator_hot.account(), netuid) as f64;
        let expected_nominator = ((pool_gain - pool_gain * 11_796 / 65_535) as f64 * share_before) as u64;
        assert!(nominator_gain.abs_diff(expected_nominator) <= 2, "{nominator_gain} vs {expected_nominator}");

        // The owner cut is staked to the owner hotkey; pending is empty again.
        assert!(
            hotkey_stake(state, &owner_hot.account(), netuid)
                > hotkey_stake(&before, &owner_hot.account(), netuid)
        );
        assert_eq!(pending(state, netuid), Pending::default());
    }
    assert!(paid_to_miners > 0);
    assert!(stake_weight_sum(&chain.state, netuid, &miner_hots) == paid_to_miners);
    assert_conserved(&chain.state);
}

/// The pending increment of the epoch block itself: what the epoch drained beyond what
/// was pending before the block.
fn chain_increment(before: &MemoryState, netuid: NetUid, emission: u64) -> Pending {
    let old = pending(before, netuid);
    let added = emission - old.epoch_total();
    // Server and validator each get half of what is not the owner cut (no root share).
    Pending { owner_cut: 0, server: added / 2, validator: added - added / 2, root: 0 }
}
