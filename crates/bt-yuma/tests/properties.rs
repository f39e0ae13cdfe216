//! Properties of the epoch that hold for every input.

use bt_yuma::{epoch, EpochInput, EpochOutput, EpochParams, I64F64};
use proptest::prelude::*;

/// Any hyperparameters at all, including ones the chain would refuse.
fn any_params() -> impl Strategy<Value = EpochParams> {
    (
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>()),
        (prop_oneof![Just(900_000u64), 0..=1_000_000u64, any::<u64>()], 0..300u16),
        (any::<bool>(), any::<bool>(), any::<u16>(), any::<u16>(), any::<i16>()),
        prop_oneof![Just(0u64), 0..2_000u64],
    )
        .prop_map(
            |((tempo, factor, kappa, penalty), (m, k), (yuma3, liquid, lo, hi, steep), threshold)| {
                EpochParams {
                    tempo,
                    activity_cutoff_factor_milli: factor,
                    kappa,
                    bonds_penalty: penalty,
                    bonds_moving_average: m,
                    max_allowed_validators: k,
                    yuma3,
                    liquid_alpha: liquid,
                    alpha_low: lo,
                    alpha_high: hi,
                    alpha_sigmoid_steepness: steep,
                    stake_threshold: threshold,
                }
            },
        )
}

fn rows(len: usize, max_uid: u16) -> impl Strategy<Value = Vec<Vec<(u16, u16)>>> {
    prop::collection::vec(prop::collection::vec((0..=max_uid, any::<u16>()), 0..12), 0..=len)
}

/// Arbitrary, possibly inconsistent inputs: vectors of any length, uids out of range,
/// duplicate columns, blocks anywhere.
fn any_input() -> impl Strategy<Value = EpochInput> {
    (0..=256u16)
        .prop_flat_map(|n| {
            let len = usize::from(n) + 3;
            (
                (Just(n), 0..20_000u64, prop_oneof![Just(0u64), 0..20_000u64], any::<u64>()),
                prop::collection::vec(prop_oneof![Just(0u64), any::<u64>(), 0..10_000u64], 0..=len),
                prop::collection::vec(0..20_000u64, 0..=len),
                prop::collection::vec(0..20_000u64, 0..=len),
                prop::collection::vec(any::<bool>(), 0..=len),
                (rows(len, n.saturating_add(2)), rows(len, n.saturating_add(2))),
                (
                    prop::collection::vec(prop::option::of(0..20_000u64), 0..=len),
                    prop::option::of(0..=n.saturating_add(1)),
                ),
                any_params(),
            )
        })
        .prop_map(
            |(
                (n, block, last_epoch_block, emission),
                stake,
                last_update,
                registered,
                permit,
                (weights, bonds),
                (commits, owner),
                params,
            )| {
                EpochInput {
                    n,
                    block,
                    last_epoch_block,
                    stake: stake.into_iter().map(I64F64::saturating_from_num).collect(),
                    last_update,
                    block_at_registration: registered,
                    validator_permit: permit,
                    weights,
                    bonds,
                    commit_blocks: commits,
                    owner_uid: owner,
                    emission,
                    params,
                }
            },
        )
}

/// A consistent subnet: distinct stakes, rows without duplicate columns, uids in range.
fn consistent_input() -> impl Strategy<Value = EpochInput> {
    (2..=48u16)
        .prop_flat_map(|n| {
            let len = usize::from(n);
            (
                Just(n),
                prop::sample::subsequence((1..=10_000u64).collect::<Vec<_>>(), len).prop_shuffle(),
                prop::collection::vec(prop::bool::weighted(0.3), len),
                prop::collection::vec(0..30u64, len),
                prop::collection::vec(0..30u64, len),
                prop::collection::vec(any::<bool>(), len),
                prop::collection::vec(prop::collection::btree_map(0..n, any::<u16>(), 0..=len), len),
                prop::collection::vec(prop::collection::btree_map(0..n, any::<u16>(), 0..=len), len),
                (prop::option::of(0..n), prop::collection::vec(prop::option::of(0..30u64), len)),
                any_params(),
            )
        })
        .prop_map(
            |(
                n,
                stake,
                zero,
                last_update,
                registered,
                permit,
                weights,
                bonds,
                (owner, commits),
                mut params,
            )| {
                params.tempo %= 40;
                EpochInput {
                    n,
                    block: 30,
                    last_epoch_block: 0,
                    stake: stake
                        .iter()
                        .zip(zero)
                        .map(|(&s, z)| I64F64::from_num(if z { 0 } else { s }))
                        .collect(),
                    last_update,
                    block_at_registration: registered,
                    validator_permit: permit,
                    weights: weights.into_iter().map(|m| m.into_iter().collect()).collect(),
                    bonds: bonds.into_iter().map(|m| m.into_iter().collect()).collect(),
                    commit_blocks: commits,
                    owner_uid: owner,
                    emission: 1_000_000_000,
                    params,
                }
            },
        )
}

fn permute<T: Clone>(values: &[T], to: &[usize]) -> Vec<T> {
    let mut out = values.to_vec();
    for (i, v) in values.iter().enumerate() {
        out[to[i]] = v.clone();
    }
    out
}

fn relabel_rows(rows: &[Vec<(u16, u16)>], to: &[usize]) -> Vec<Vec<(u16, u16)>> {
    let moved: Vec<Vec<(u16, u16)>> =
        rows.iter().map(|r| r.iter().map(|&(j, v)| (to[usize::from(j)] as u16, v)).collect()).collect();
    permute(&moved, to)
}

fn relabel_output(out: &EpochOutput, to: &[usize]) -> EpochOutput {
    let bonds: Vec<Option<Vec<(u16, u16)>>> = out
        .bonds
        .iter()
        .map(|r| {
            r.as_ref().map(|r| {
                let mut r: Vec<(u16, u16)> = r.iter().map(|&(j, v)| (to[usize::from(j)] as u16, v)).collect();
                r.sort_unstable();
                r
            })
        })
        .collect();
    EpochOutput {
        active: permute(&out.active, to),
        stake_weight: permute(&out.stake_weight, to),
        validator_permit: permute(&out.validator_permit, to),
        consensus: permute(&out.consensus, to),
        validator_trust: permute(&out.validator_trust, to),
        incentive: permute(&out.incentive, to),
        dividends: permute(&out.dividends, to),
        emission: permute(&out.emission, to),
        server_emission: permute(&out.server_emission, to),
        validator_emission: permute(&out.validator_emission, to),
        bonds: permute(&bonds, to),
    }
}

/// Σ of a normalised `u16` vector: 0, or 1 less at most one unit per entry for flooring.
fn sums_to_zero_or_one(values: &[u16]) -> bool {
    let total: u64 = values.iter().map(|&v| u64::from(v)).sum();
    total == 0 || (total <= 65535 && total + values.len() as u64 + 1 >= 65535)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_always_gives_n_entries(input in any_input()) {
        let out = epoch(&input);
        let n = usize::from(input.n);
        for len in [out.active.len(), out.stake_weight.len(), out.validator_permit.len(), out.consensus.len(),
                    out.validator_trust.len(), out.incentive.len(), out.dividends.len(), out.emission.len(),
                    out.server_emission.len(), out.validator_emission.len(), out.bonds.len()] {
            prop_assert_eq!(len, n);
        }
        for row in out.bonds.iter().flatten() {
            prop_assert!(row.iter().all(|&(j, _)| usize::from(j) < n));
            prop_assert!(row.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn incentive_and_dividends_sum_to_zero_or_one(input in any_input()) {
        let out = epoch(&input);
        prop_assert!(sums_to_zero_or_one(&out.incentive), "incentive {:?}", out.incentive);
        prop_assert!(sums_to_zero_or_one(&out.dividends), "dividends {:?}", out.dividends);
    }

    #[test]
    fn emission_is_never_created(input in any_input()) {
        let out = epoch(&input);
        let total = |v: &[u64]| v.iter().map(|&x| u128::from(x)).sum::<u128>();
        let e = u128::from(input.emission);
        prop_assert!(total(&out.server_emission) + total(&out.validator_emission) <= e);
        prop_assert!(total(&out.emission) <= e);
    }

    #[test]
    fn relabelling_uids_relabels_the_result(input in consistent_input(), seed in any::<u64>()) {
        let n = usize::from(input.n);
        // A permutation of the uids from the seed.
        let mut to: Vec<usize> = (0..n).collect();
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            to.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let relabelled = EpochInput {
            stake: permute(&input.stake, &to),
            last_update: permute(&input.last_update, &to),
            block_at_registration: permute(&input.block_at_registration, &to),
            validator_permit: permute(&input.validator_permit, &to),
            weights: relabel_rows(&input.weights, &to),
            bonds: relabel_rows(&input.bonds, &to),
            commit_blocks: permute(&input.commit_blocks, &to),
            owner_uid: input.owner_uid.map(|o| to[usize::from(o)] as u16),
            ..input.clone()
        };
        prop_assert_eq!(epoch(&relabelled), relabel_output(&epoch(&input), &to));
    }
}
