//! Every named refusal of every call, each triggered through a signed transaction.

mod common;

use bt_primitives::{Keypair, NetUid};
use bt_runtime::call::{AdminCall, BalancesCall, Call, SubtensorCall};
use bt_runtime::weights::commit_hash;
use bt_runtime::Error;
use common::*;

fn stake(hotkey: &Keypair, netuid: NetUid, amount: u64) -> SubtensorCall {
    SubtensorCall::add_stake { hotkey: hotkey.account(), netuid, amount_staked: amount }
}

fn weights(netuid: NetUid, dests: Vec<u16>, values: Vec<u16>) -> SubtensorCall {
    SubtensorCall::set_weights { netuid, dests, weights: values, version_key: 0 }
}

fn axon(netuid: NetUid, ip: u128, port: u16, ip_type: u8) -> SubtensorCall {
    SubtensorCall::serve_axon {
        netuid,
        version: 1,
        ip,
        port,
        ip_type,
        protocol: 4,
        placeholder1: 0,
        placeholder2: 0,
    }
}

#[test]
fn balances_errors() {
    let mut chain = Chain::new();
    let (alice, nobody) = (key(2), key(40).account());
    let transfer = |dest, value: u64, keep| {
        if keep {
            Call::Balances(BalancesCall::transfer_keep_alive { dest, value: value.into() })
        } else {
            Call::Balances(BalancesCall::transfer_allow_death { dest, value: value.into() })
        }
    };
    assert_eq!(chain.call(&alice, transfer(nobody, 200_000 * TAO, false)), Err(Error::InsufficientBalance));
    assert_eq!(chain.call(&alice, transfer(nobody, 499, false)), Err(Error::ExistentialDeposit));
    // Leave 100 rao after the fee: below the existential deposit.
    let free = bt_runtime::views::balance(&chain.state, &alice.account());
    let probe = chain.sign(&alice, transfer(nobody, free - 100_000, true));
    let fee = bt_runtime::transaction::fee_for_length(parity_scale_codec::Encode::encode(&probe).len());
    assert_eq!(chain.call(&alice, transfer(nobody, free - fee - 100, true)), Err(Error::Expendability));
}

#[test]
fn subnet_errors() {
    let mut chain = Chain::new();
    let (owner, hot) = (key(2), key(3));
    let register = |hotkey: &Keypair| SubtensorCall::register_network { hotkey: hotkey.account() };
    chain.transfer(&key(4), key(30).account(), 10 * TAO).unwrap();
    assert_eq!(chain.subtensor(&key(30), register(&key(31))), Err(Error::CannotAffordLockCost));
    let netuid = chain.open_subnet(&owner, &hot);
    assert_eq!(chain.subtensor(&key(4), register(&hot)), Err(Error::NonAssociatedColdKey));
    assert_eq!(
        chain.subtensor(&owner, SubtensorCall::start_call { netuid }),
        Err(Error::FirstEmissionBlockNumberAlreadySet)
    );
    assert_eq!(
        chain.subtensor(&key(4), SubtensorCall::start_call { netuid: 9 }),
        Err(Error::SubnetNotExists)
    );
    chain.sudo(AdminCall::sudo_set_network_rate_limit { rate_limit: 100 });
    assert_eq!(chain.subtensor(&key(4), register(&key(5))), Err(Error::NetworkTxRateLimitExceeded));
    chain.sudo(AdminCall::sudo_set_network_rate_limit { rate_limit: 0 });
    chain.sudo(AdminCall::sudo_set_subnet_limit { max_subnets: 1 });
    assert_eq!(chain.subtensor(&key(4), register(&key(5))), Err(Error::SubnetLimitReached));

    let sudo = chain.sudo.clone();
    let dissolve =
        |coldkey: &Keypair, netuid| SubtensorCall::dissolve_network { coldkey: coldkey.account(), netuid };
    assert_eq!(chain.subtensor(&owner, dissolve(&owner, netuid)), Err(Error::BadOrigin));
    assert_eq!(chain.subtensor(&sudo, dissolve(&owner, 0)), Err(Error::CannotDissolveRootNetwork));
    assert_eq!(chain.subtensor(&sudo, dissolve(&key(4), netuid)), Err(Error::NotSubnetOwner));
    chain.subtensor(&sudo, dissolve(&owner, netuid)).unwrap();
    assert_eq!(chain.subtensor(&sudo, dissolve(&owner, netuid)), Err(Error::SubnetNotExists));
}

#[test]
fn hyperparameter_errors() {
    let mut chain = Chain::new();
    let (owner, hot) = (key(2), key(3));
    let netuid = chain.open_subnet(&owner, &hot);
    let set = |call| Call::AdminUtils(call);
    assert_eq!(
        chain.call(&owner, set(AdminCall::sudo_set_kappa { netuid, kappa: 1 })),
        Err(Error::BadOrigin)
    );
    assert_eq!(
        chain.call(&key(9), set(AdminCall::sudo_set_immunity_period { netuid, immunity_period: 1 })),
        Err(Error::BadOrigin)
    );
    let interval = |interval| set(AdminCall::sudo_set_commit_reveal_weights_interval { netuid, interval });
    assert_eq!(chain.call(&owner, interval(0)), Err(Error::RevealPeriodTooSmall));
    assert_eq!(chain.call(&owner, interval(101)), Err(Error::RevealPeriodTooLarge));
    let average = set(AdminCall::sudo_set_bonds_moving_average { netuid, bonds_moving_average: 980_000 });
    assert_eq!(chain.call(&owner, average), Err(Error::BondsMovingAverageMaxReached));
    let alpha = set(AdminCall::sudo_set_alpha_values { netuid, alpha_low: 5, alpha_high: 5 });
    assert_eq!(chain.call(&owner, alpha), Err(Error::InvalidValue));
    let uids = |max_allowed_uids| set(AdminCall::sudo_set_max_allowed_uids { netuid, max_allowed_uids });
    assert_eq!(chain.call(&owner, uids(300)), Err(Error::MaxAllowedUIdsNotAllowed));
    chain.sudo(AdminCall::sudo_set_min_allowed_uids { netuid, min_allowed_uids: 1 });
    chain.register(&key(4), netuid, &key(5)).unwrap();
    assert_eq!(chain.call(&owner, uids(1)), Err(Error::MaxAllowedUidsLessThanCurrentUids));

    // The owner's rate limit: one change per two tempos.
    let immunity = |immunity_period| set(AdminCall::sudo_set_immunity_period { netuid, immunity_period });
    chain.call(&owner, immunity(100)).unwrap();
    assert_eq!(chain.call(&owner, immunity(200)), Err(Error::TxRateLimitExceeded));
    // The freeze window: the last 10 blocks before an epoch.
    let until = bt_runtime::subnets::blocks_until_next_epoch(&chain.state, netuid, chain.block + 1);
    chain.run_blocks(until.saturating_sub(5));
    assert_eq!(chain.call(&owner, immunity(300)), Err(Error::AdminActionProhibitedDuringWeightsWindow));
    let tempo = Call::SubtensorModule(SubtensorCall::set_tempo { netuid, tempo: 100 });
    chain.run_blocks(20);
    assert_eq!(chain.call(&owner, tempo), Err(Error::InvalidValue));
}

#[test]
fn registration_errors() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(3));
    chain.transfer(&key(4), key(30).account(), TAO / 10).unwrap();
    assert_eq!(chain.register(&key(4), 0, &key(5)), Err(Error::RegistrationNotPermittedOnRootSubnet));
    assert_eq!(chain.register(&key(4), 7, &key(5)), Err(Error::SubnetNotExists));
    assert_eq!(chain.register(&key(4), netuid, &key(3)), Err(Error::HotKeyAlreadyRegisteredInSubNet));
    assert_eq!(chain.register(&key(30), netuid, &key(31)), Err(Error::NotEnoughBalanceToStake));
    chain.register(&key(4), netuid, &key(5)).unwrap();
    let other = chain.open_subnet(&key(6), &key(7));
    assert_eq!(chain.register(&key(8), other, &key(5)), Err(Error::NonAssociatedColdKey));
    chain.sudo(AdminCall::sudo_set_network_registration_allowed { netuid, registration_allowed: false });
    assert_eq!(chain.register(&key(8), netuid, &key(9)), Err(Error::SubNetRegistrationDisabled));
}

#[test]
fn serving_errors() {
    let mut chain = Chain::new();
    let netuid = chain.open_subnet(&key(2), &key(3));
    let hot = key(3);
    assert_eq!(chain.subtensor(&key(4), axon(netuid, 1, 8091, 4)), Err(Error::HotKeyNotRegisteredInSubNet));
    assert_eq!(chain.subtensor(&hot, axon(netuid, 1, 8091, 5)), Err(Error::InvalidIpType));
    assert_eq!(chain.subtensor(&hot, axon(netuid, 0x7f00_0001, 8091, 4)), Err(Error::InvalidIpAddress));
    assert_eq!(chain.subtensor(&hot, axon(netuid, 1, 0, 4)), Err(Error::InvalidPort));
    chain.subtensor(&hot, axon(netuid, 0x0a00_0001, 8091, 4)).unwrap();
    assert_eq!(
        chain.subtensor(&hot, axon(netuid, 0x0a00_0001, 8092, 4)),
        Err(Error::ServingRateLimitExceeded)
    );
    let prometheus = SubtensorCall::serve_prometheus { netuid, version: 1, ip: 0, port: 9090, ip_type: 4 };
    assert_eq!(chain.subtensor(&hot, prometheus), Err(Error::InvalidIpAddress));
}

#[test]
fn weights_errors() {
    let mut chain = Chain::new();
    let (owner_hot, validator, validator_hot, miner_hot) = (key(3), key(4), key(5), key(7));
    let netuid = chain.open_subnet(&key(2), &owner_hot);
    chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 10 });
    chain.register(&validator, netuid, &validator_hot).unwrap();
    chain.register(&key(6), netuid, &miner_hot).unwrap();
    assert_eq!(
        chain.subtensor(&validator_hot, weights(netuid, vec![2], vec![1])),
        Err(Error::SettingWeightsTooFast)
    );
    chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 1 });
    let w = |d: Vec<u16>, v: Vec<u16>| weights(netuid, d, v);
    assert_eq!(
        chain.subtensor(&validator_hot, weights(0, vec![0], vec![1])),
        Err(Error::CanNotSetRootNetworkWeights)
    );
    assert_eq!(chain.subtensor(&validator_hot, w(vec![0, 1], vec![1])), Err(Error::WeightVecNotEqualSize));
    assert_eq!(
        chain.subtensor(&validator_hot, w(vec![0, 1, 2, 3], vec![1; 4])),
        Err(Error::UidsLengthExceedUidsInSubNet)
    );
    assert_eq!(chain.subtensor(&key(9), w(vec![0], vec![1])), Err(Error::HotKeyNotRegisteredInSubNet));
    assert_eq!(chain.subtensor(&validator_hot, w(vec![2], vec![1])), Err(Error::NeuronNoValidatorPermit));
    chain.subtensor(&validator, stake(&validator_hot, netuid, 100 * TAO)).unwrap();
    chain.run_blocks(10); // an epoch grants the permit
    assert_eq!(chain.subtensor(&validator_hot, w(vec![2, 2], vec![1, 1])), Err(Error::DuplicateUids));
    assert_eq!(
        chain.subtensor(&validator_hot, w(vec![2, 9], vec![1, 1])),
        Err(Error::UidVecContainInvalidOne)
    );
    chain.sudo(AdminCall::sudo_set_min_allowed_weights { netuid, min_allowed_weights: 2 });
    assert_eq!(chain.subtensor(&validator_hot, w(vec![2], vec![1])), Err(Error::WeightVecLengthIsLow));
    chain.sudo(AdminCall::sudo_set_max_weight_limit { netuid, max_weight_limit: 40_000 });
    assert_eq!(chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 100])), Err(Error::MaxWeightExceeded));
    chain.sudo(AdminCall::sudo_set_weights_version_key { netuid, weights_version_key: 5 });
    assert_eq!(
        chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 1])),
        Err(Error::IncorrectWeightVersionKey)
    );
    chain.sudo(AdminCall::sudo_set_weights_version_key { netuid, weights_version_key: 0 });
    chain.sudo(AdminCall::sudo_set_stake_threshold { min_stake: 1_000 * TAO });
    assert_eq!(
        chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 1])),
        Err(Error::NotEnoughStakeToSetWeights)
    );
    chain.sudo(AdminCall::sudo_set_stake_threshold { min_stake: 0 });
    chain.sudo(AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: true });
    assert_eq!(chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 1])), Err(Error::CommitRevealEnabled));
    chain.sudo(AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: false });
    chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 5 });
    chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 1])).unwrap();
    assert_eq!(chain.subtensor(&validator_hot, w(vec![0, 2], vec![1, 1])), Err(Error::SettingWeightsTooFast));
    let commit = SubtensorCall::commit_weights { netuid, commit_hash: [0; 32] };
    assert_eq!(chain.subtensor(&validator_hot, commit), Err(Error::CommitRevealDisabled));
}

#[test]
fn commit_reveal_errors() {
    let mut chain = Chain::new();
    let (validator, validator_hot) = (key(4), key(5));
    let netuid = chain.open_subnet(&key(2), &key(3));
    chain.sudo(AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: true });
    chain.sudo(AdminCall::sudo_set_tempo { netuid, tempo: 10 });
    chain.sudo(AdminCall::sudo_set_weights_set_rate_limit { netuid, weights_set_rate_limit: 0 });
    chain.register(&validator, netuid, &validator_hot).unwrap();
    chain.subtensor(&validator, stake(&validator_hot, netuid, 100 * TAO)).unwrap();
    chain.run_blocks(10);

    let (uids, values, salt) = (vec![0u16, 1], vec![10u16, 20], vec![7u16]);
    let hash = commit_hash(&validator_hot.account(), netuid, &uids, &values, &salt, 0);
    let reveal = |values: Vec<u16>| SubtensorCall::reveal_weights {
        netuid,
        uids: uids.clone(),
        values,
        salt: salt.clone(),
        version_key: 0,
    };
    assert_eq!(chain.subtensor(&validator_hot, reveal(values.clone())), Err(Error::NoWeightsCommitFound));
    chain.subtensor(&validator_hot, SubtensorCall::commit_weights { netuid, commit_hash: hash }).unwrap();
    assert_eq!(chain.subtensor(&validator_hot, reveal(values.clone())), Err(Error::RevealTooEarly));
    assert_eq!(
        chain.subtensor(&validator_hot, reveal(vec![1, 1])),
        Err(Error::InvalidRevealCommitHashNotMatch)
    );
    for i in 1..10u8 {
        chain
            .subtensor(&validator_hot, SubtensorCall::commit_weights { netuid, commit_hash: [i; 32] })
            .unwrap();
    }
    let eleventh = SubtensorCall::commit_weights { netuid, commit_hash: [99; 32] };
    assert_eq!(chain.subtensor(&validator_hot, eleventh), Err(Error::TooManyUnrevealedCommits));
    chain.run_blocks(30); // two epochs later the commit has expired
    assert_eq!(chain.subtensor(&validator_hot, reveal(values)), Err(Error::ExpiredWeightCommit));
}

#[test]
fn staking_errors() {
    let mut chain = Chain::new();
    let (owner, owner_hot) = (key(2), key(3));
    let netuid = chain.open_subnet(&owner, &owner_hot);
    let fresh = {
        let events =
            chain.subtensor(&key(4), SubtensorCall::register_network { hotkey: key(5).account() }).unwrap();
        events
            .iter()
            .find_map(|e| match e {
                bt_runtime::Event::NetworkAdded { netuid, .. } => Some(*netuid),
                _ => None,
            })
            .unwrap()
    };
    let staker = key(6);
    assert_eq!(chain.subtensor(&staker, stake(&owner_hot, fresh, TAO)), Err(Error::SubtokenDisabled));
    assert_eq!(chain.subtensor(&staker, stake(&owner_hot, 9, TAO)), Err(Error::SubnetNotExists));
    assert_eq!(chain.subtensor(&staker, stake(&owner_hot, netuid, 1_000)), Err(Error::AmountTooLow));
    assert_eq!(
        chain.subtensor(&staker, stake(&owner_hot, netuid, 500_000 * TAO)),
        Err(Error::NotEnoughBalanceToStake)
    );
    assert_eq!(chain.subtensor(&staker, stake(&key(40), netuid, TAO)), Err(Error::HotKeyAccountNotExists));
    chain.subtensor(&staker, stake(&owner_hot, netuid, 10 * TAO)).unwrap();
    let unstake =
        |amount| SubtensorCall::remove_stake { hotkey: owner_hot.account(), netuid, amount_unstaked: amount };
    assert_eq!(chain.subtensor(&staker, unstake(11 * TAO)), Err(Error::NotEnoughStakeToWithdraw));
    assert_eq!(chain.subtensor(&staker, unstake(0)), Err(Error::AmountTooLow));
    let swap = |o, d| SubtensorCall::swap_stake {
        hotkey: owner_hot.account(),
        origin_netuid: o,
        destination_netuid: d,
        alpha_amount: TAO,
    };
    assert_eq!(chain.subtensor(&staker, swap(netuid, netuid)), Err(Error::SameNetuid));
    chain.admin(&owner, AdminCall::sudo_set_toggle_transfer { netuid, toggle: false }).unwrap();
    let give = SubtensorCall::transfer_stake {
        destination_coldkey: key(8).account(),
        hotkey: owner_hot.account(),
        origin_netuid: netuid,
        destination_netuid: netuid,
        alpha_amount: TAO,
    };
    assert_eq!(chain.subtensor(&staker, give), Err(Error::TransferDisallowed));

    let take = |up, take| {
        if up {
            SubtensorCall::increase_take { hotkey: owner_hot.account(), take }
        } else {
            SubtensorCall::decrease_take { hotkey: owner_hot.account(), take }
        }
    };
    assert_eq!(chain.subtensor(&staker, take(false, 100)), Err(Error::NonAssociatedColdKey));
    assert_eq!(chain.subtensor(&owner, take(true, 12_000)), Err(Error::DelegateTakeTooHigh));
    assert_eq!(chain.subtensor(&owner, take(true, 100)), Err(Error::DelegateTakeTooLow));
    chain.subtensor(&owner, take(false, 100)).unwrap();
    assert_eq!(chain.subtensor(&owner, take(true, 200)), Err(Error::DelegateTxRateLimitExceeded));
}
