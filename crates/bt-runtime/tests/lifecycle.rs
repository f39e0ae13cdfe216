//! Subnet lifecycle: lock cost, even emission split, deferred epochs, commit-reveal,
//! stake moves, dissolution and the read views.

mod common;

use bt_runtime::call::{AdminCall, Call, SubtensorCall};
use bt_runtime::coinbase::pending;
use bt_runtime::hyperparams::NetworkMinLockCost;
use bt_runtime::neurons::Weights;
use bt_runtime::staking::stake_of;
use bt_runtime::storage::Item;
use bt_runtime::subnets::lock_cost;
use bt_runtime::views;
use bt_runtime::weights::commit_hash;
use bt_runtime::{Event, SignedTransaction};
use common::*;

#[test]
fn lock_cost_doubles_then_decays_to_the_minimum() {
    let mut chain = Chain::new();
    let min = NetworkMinLockCost::get(&chain.state, &());
    assert_eq!(lock_cost(&chain.state, chain.block), min);
    chain.open_subnet(&key(2), &key(3));
    let registered = chain.block - 3; // open_subnet registers, starts, and sets two hyperparameters
    let interval = 100_800;
    assert_eq!(lock_cost(&chain.state, registered), 2 * min);
    assert_eq!(lock_cost(&chain.state, registered + interval / 2), 2 * min - min / interval * (interval / 2));
    assert_eq!(lock_cost(&chain.state, registered + interval), 2 * min - min / interval * interval);
    assert_eq!(lock_cost(&chain.state, registered + 10 * interval), min);
}

#[test]
fn emission_is_split_evenly_and_epochs_beyond_the_limit_are_deferred() {
    let mut chain = Chain::new();
    let subnets: Vec<u16> = (0..3).map(|i| chain.open_subnet(&key(2 + i), &key(12 + i))).collect();
    // Restart all three epoch clocks in one block, so all three fall due together; two
    // run, the third is deferred to the next block.
    let nonce = bt_runtime::views::account_nonce(&chain.state, &chain.sudo.account());
    let txs: Vec<_> = subnets
        .iter()
        .zip(nonce..)
        .map(|(&netuid, nonce)| {
            let call = Call::AdminUtils(AdminCall::sudo_set_tempo { netuid, tempo: 50 });
            SignedTransaction::sign(&chain.sudo, call, nonce, 0, &chain.runtime.chain)
        })
        .collect();
    chain.block_with(&txs);
    let before: Vec<u64> = subnets.iter().map(|n| pending(&chain.state, *n).total_with_owner_cut()).collect();
    let mut ran = Vec::new();
    let mut deferred = Vec::new();
    for _ in 0..60 {
        for event in chain.run_blocks(1) {
            match event {
                Event::EpochRan { netuid, block, .. } => ran.push((netuid, block)),
                Event::EpochDeferred { netuid, block } => deferred.push((netuid, block)),
                _ => {}
            }
        }
        if ran.len() == 3 {
            break;
        }
    }
    assert_eq!(ran.len(), 3, "{ran:?}");
    assert_eq!(deferred.len(), 1, "{deferred:?}");
    assert_eq!(ran[0].1, ran[1].1);
    assert_eq!(ran[2], (deferred[0].0, deferred[0].1 + 1));
    assert!(before.iter().all(|&b| b > 0));
    // Each of the three got a third of every block's emission: equal pending amounts.
    chain.run_blocks(3);
    let now: Vec<u64> = subnets.iter().map(|n| pending(&chain.state, *n).server).collect();
    assert!(now[0] > 0 && now[0] == now[1], "{now:?}");
    assert_conserved(&chain.state);
}

#[test]
fn committed_weights_are_revealed_one_epoch_later() {
    let mut chain = Chain::new();
    let (validator, validator_hot) = (key(4), key(5));
    let netuid = chain.open_subnet(&key(2), &key(3));
    chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 10 });
    chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 });
    chain.sudo(AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: true });
    chain.register(&validator, netuid, &validator_hot).unwrap();
    let stake = SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid, amount_staked: 10 * TAO };
    chain.subtensor(&validator, stake).unwrap();
    chain.run_blocks(10);

    let (uids, values, salt) = (vec![0u16], vec![500u16], vec![1u16, 2, 3]);
    let hash = commit_hash(&validator_hot.account(), netuid, &uids, &values, &salt, 0);
    chain.subtensor(&validator_hot, SubtensorCall::commit_weights { netuid, commit_hash: hash }).unwrap();
    chain.run_blocks(10);
    let reveal = SubtensorCall::reveal_weights { netuid, uids, values, salt, version_key: 0 };
    let events = chain.subtensor(&validator_hot, reveal).unwrap();
    assert!(events.contains(&Event::WeightsRevealed {
        netuid,
        hotkey: validator_hot.account(),
        commit_hash: hash
    }));
    assert_eq!(Weights::get(&chain.state, &(netuid, 1)), vec![(0, u16::MAX)]);
}

#[test]
fn stake_moves_between_hotkeys_subnets_and_coldkeys() {
    let mut chain = Chain::new();
    let (a, b) = (chain.open_subnet(&key(2), &key(12)), chain.open_subnet(&key(3), &key(13)));
    let (staker, friend) = (key(4), key(5));
    let add = SubtensorCall::add_stake { hotkey: key(12).account(), netuid: a, amount_staked: 10 * TAO };
    chain.subtensor(&staker, add).unwrap();
    let moved = SubtensorCall::move_stake {
        origin_hotkey: key(12).account(),
        destination_hotkey: key(13).account(),
        origin_netuid: a,
        destination_netuid: b,
        alpha_amount: 4 * TAO,
    };
    chain.subtensor(&staker, moved).unwrap();
    let swapped = SubtensorCall::swap_stake {
        hotkey: key(13).account(),
        origin_netuid: b,
        destination_netuid: 0,
        alpha_amount: TAO,
    };
    chain.subtensor(&staker, swapped).unwrap();
    let given = SubtensorCall::transfer_stake {
        destination_coldkey: friend.account(),
        hotkey: key(12).account(),
        origin_netuid: a,
        destination_netuid: a,
        alpha_amount: 2 * TAO,
    };
    chain.subtensor(&staker, given).unwrap();
    let state = &chain.state;
    assert_eq!(stake_of(state, &key(12).account(), &staker.account(), a), 4 * TAO);
    assert_eq!(stake_of(state, &key(13).account(), &staker.account(), b), 3 * TAO);
    assert_eq!(stake_of(state, &key(13).account(), &staker.account(), 0), TAO);
    assert_eq!(stake_of(state, &key(12).account(), &friend.account(), a), 2 * TAO);
    let positions = views::stake_info_for_coldkey(state, &staker.account());
    assert_eq!(positions.iter().map(|p| p.stake).sum::<u64>(), 8 * TAO);

    let before = views::balance(&chain.state, &staker.account());
    let unstake = SubtensorCall::unstake_all { hotkey: key(13).account() };
    let events = chain.subtensor(&staker, unstake).unwrap();
    let Some(Event::ExtrinsicSuccess { fee, .. }) = events.last() else { panic!("{events:?}") };
    assert_eq!(views::balance(&chain.state, &staker.account()), before + 4 * TAO - fee);
    assert_conserved(&chain.state);
}

#[test]
fn dissolving_a_subnet_returns_stake_and_reads_show_the_subnet() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(12));
    chain.register(&key(4), netuid, &key(14)).unwrap();
    let add = SubtensorCall::add_stake { hotkey: key(14).account(), netuid, amount_staked: 50 * TAO };
    chain.subtensor(&key(5), add).unwrap();
    chain.run_blocks(3);

    let metagraph = views::metagraph(&chain.state, netuid, false).expect("metagraph");
    assert_eq!(metagraph.hotkeys, vec![key(12).account(), key(14).account()]);
    assert_eq!(metagraph.coldkeys, vec![key(2).account(), key(4).account()]);
    assert_eq!(metagraph.alpha_stake[1], 50 * TAO);
    assert_eq!(metagraph.hyperparameters.tempo, 360);
    assert!(metagraph.pending_server_emission > 0);
    let neuron = views::neuron(&chain.state, netuid, 1).expect("neuron");
    assert_eq!(neuron.stake, vec![(key(5).account(), 50 * TAO)]);
    assert!(views::neuron(&chain.state, netuid, 2).is_none());
    assert_eq!(views::subnets(&chain.state).iter().map(|s| s.netuid).collect::<Vec<_>>(), vec![0, netuid]);
    assert!(views::delegates(&chain.state).iter().any(|d| d.hotkey == key(14).account() && d.take == 11_796));
    assert!(views::subnet_hyperparameters(&chain.state, 9).is_none());

    let before = views::balance(&chain.state, &key(5).account());
    let sudo = chain.sudo.clone();
    let dissolve = SubtensorCall::dissolve_network { coldkey: key(2).account(), netuid };
    chain.subtensor(&sudo, dissolve).unwrap();
    assert_eq!(views::balance(&chain.state, &key(5).account()), before + 50 * TAO);
    assert!(views::metagraph(&chain.state, netuid, false).is_none());
    assert_eq!(views::subnets(&chain.state).len(), 1);
    assert_conserved(&chain.state);
}

#[test]
fn root_stakers_earn_a_share_of_validator_dividends() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(12));
    chain.open_subnet(&key(3), &key(13)); // a second emitting subnet: root alpha is sold
    chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 10 });
    chain.sudo(AdminCall::sudo_set_tao_weight { weight: u64::MAX / 2 });
    let (validator, validator_hot, root_staker) = (key(4), key(14), key(5));
    chain.register(&validator, netuid, &validator_hot).unwrap();
    let alpha =
        SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid, amount_staked: 100 * TAO };
    chain.subtensor(&validator, alpha).unwrap();
    let root =
        SubtensorCall::add_stake { hotkey: validator_hot.account(), netuid: 0, amount_staked: 1_000 * TAO };
    chain.subtensor(&root_staker, root).unwrap();
    chain.run_blocks(2);
    assert!(pending(&chain.state, netuid).root > 0, "root alpha accrues with two emitting subnets");

    let root_before = stake_of(&chain.state, &validator_hot.account(), &root_staker.account(), 0);
    let mut ran = false;
    for _ in 0..20 {
        ran |= chain
            .run_blocks(1)
            .iter()
            .any(|e| matches!(e, Event::EpochRan { netuid: n, .. } if *n == netuid));
        if ran {
            break;
        }
    }
    assert!(ran);
    // No weights yet, so dividends follow stake; the root share is paid into the
    // validator's root pool, where the root staker holds everything.
    let root_after = stake_of(&chain.state, &validator_hot.account(), &root_staker.account(), 0);
    assert!(root_after > root_before, "{root_before} → {root_after}");
    assert_conserved(&chain.state);
}

#[test]
fn genesis_can_start_with_running_subnets() {
    use bt_runtime::genesis::{GenesisConfig, GenesisSubnet};
    let mut genesis = GenesisConfig::new(vec![(key(2).account(), 10 * TAO)], key(1).account());
    genesis.initial_tempo = 10;
    genesis.subnets = vec![GenesisSubnet {
        owner_coldkey: key(2).account(),
        owner_hotkey: key(3).account(),
        emitting: true,
    }];
    let mut chain = Chain::from_genesis(genesis);
    let subnets = views::subnets(&chain.state);
    assert_eq!(subnets[1].netuid, 1);
    assert_eq!(subnets[1].tempo, 10);
    assert_eq!(subnets[1].owner_hotkey, key(3).account());
    let ran = chain.run_blocks(12).into_iter().filter(|e| matches!(e, Event::EpochRan { .. })).count();
    assert_eq!(ran, 1);
    assert_conserved(&chain.state);
}

#[test]
fn hyperparameter_setters_change_what_clients_read() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(12));
    let before = views::subnet_hyperparameters(&chain.state, netuid).unwrap();
    assert_eq!((before.tempo, before.max_validators, before.immunity_period), (360, 64, 5_000));
    assert!(before.yuma3_enabled && !before.liquid_alpha_enabled && before.subnet_emission_enabled);
    assert_eq!(before.burn_increase_mult, bt_runtime::hyperparams::DEFAULT_BURN_INCREASE_MULT);
    let calls = [
        AdminCall::sudo_set_kappa { netuid, kappa: 40_000 },
        AdminCall::sudo_set_rho { netuid, rho: 20 },
        AdminCall::sudo_set_max_allowed_validators { netuid, max_allowed_validators: 32 },
        AdminCall::sudo_set_liquid_alpha_enabled { netuid, enabled: true },
        AdminCall::sudo_set_alpha_values { netuid, alpha_low: 100, alpha_high: 200 },
        AdminCall::sudo_set_bonds_penalty { netuid, bonds_penalty: 0 },
        AdminCall::sudo_set_burn_half_life { netuid, burn_half_life: 720 },
        AdminCall::sudo_set_burn_increase_mult { netuid, burn_increase_mult: 2 << 64 },
        AdminCall::sudo_set_min_difficulty { netuid, min_difficulty: 5 },
        AdminCall::sudo_set_recycle_or_burn {
            netuid,
            recycle_or_burn: bt_runtime::call::RecycleOrBurn::Recycle,
        },
    ];
    for call in calls {
        chain.sudo(call);
    }
    let after = views::subnet_hyperparameters(&chain.state, netuid).unwrap();
    assert_eq!((after.kappa, after.rho, after.max_validators), (40_000, 20, 32));
    assert!(after.liquid_alpha_enabled);
    assert_eq!((after.alpha_low, after.alpha_high, after.bonds_penalty), (100, 200, 0));
    assert_eq!((after.burn_half_life, after.burn_increase_mult, after.min_difficulty), (720, 2 << 64, 5));
    assert_eq!(after.recycle_or_burn, bt_runtime::call::RecycleOrBurn::Recycle);
    // The epoch reads them.
    let params = bt_runtime::epochs::epoch_params(&chain.state, netuid);
    assert_eq!((params.kappa, params.max_allowed_validators, params.liquid_alpha), (40_000, 32, true));
}

#[test]
fn small_nominations_are_cleared_after_an_unstake() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(12));
    chain.sudo(AdminCall::sudo_set_nominator_min_required_stake { min_stake: 5_000_000_000 }); // 10 TAO
    let nominator = key(5);
    let add = SubtensorCall::add_stake { hotkey: key(12).account(), netuid, amount_staked: 20 * TAO };
    chain.subtensor(&nominator, add).unwrap();
    let remove =
        |amount| SubtensorCall::remove_stake { hotkey: key(12).account(), netuid, amount_unstaked: amount };
    chain.subtensor(&nominator, remove(5 * TAO)).unwrap();
    assert_eq!(stake_of(&chain.state, &key(12).account(), &nominator.account(), netuid), 15 * TAO);
    chain.subtensor(&nominator, remove(6 * TAO)).unwrap();
    assert_eq!(stake_of(&chain.state, &key(12).account(), &nominator.account(), netuid), 0);
    assert_conserved(&chain.state);
}
