//! One epoch at the sizes of the issue: `n` uids, the first `v` of them validators, each
//! weighting every miner, with bonds from a previous epoch in place.
//!
//! `cargo bench -p bt-yuma --bench epoch`
//!
//! Three configurations: `yuma3` is what a new subnet runs (Yuma3 bonds, liquid alpha off,
//! the chain's default hyperparameters); `yuma3_liquid_alpha` adds per-cell liquid alpha
//! with the chain's Yuma3 test settings; `original_bonds` is the pre-Yuma3 bond path.
//! `yuma3_sparse` keeps n = 4096 but lets each validator weight only 64 miners: its cost
//! follows the number of weights, not n².

use bt_yuma::{epoch, EpochInput, EpochParams, I64F64};
use divan::Bencher;

const SIZES: [(u16, u16); 3] = [(256, 64), (1024, 128), (4096, 256)];

fn main() {
    divan::main();
}

/// A busy subnet in steady state: validators weight every miner (or the first `per_row`
/// of them) with varied weights, and the bonds are those a previous epoch stored.
fn subnet(n: u16, validators: u16, per_row: u16, params: EpochParams) -> EpochInput {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let stake = (0..n)
        .map(|uid| {
            I64F64::from_num(if uid < validators {
                1_000_000_000_000 + next() % 1_000_000_000_000
            } else {
                0
            })
        })
        .collect();
    let weights = (0..n)
        .map(|uid| {
            if uid < validators {
                let miners = validators..n.min(validators.saturating_add(per_row));
                miners.map(|m| (m, 1 + (next() % 65535) as u16)).collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut input = EpochInput {
        n,
        block: 1000,
        last_epoch_block: 640,
        stake,
        last_update: vec![990; usize::from(n)],
        block_at_registration: vec![1; usize::from(n)],
        validator_permit: (0..n).map(|uid| uid < validators).collect(),
        weights,
        bonds: Vec::new(),
        commit_blocks: Vec::new(),
        owner_uid: Some(0),
        emission: 360_000_000_000,
        params: EpochParams { tempo: 360, max_allowed_validators: validators, ..params },
    };
    let first = epoch(&input);
    first.apply_bonds(&mut input.bonds);
    input
}

fn run(bencher: Bencher, (n, validators): (u16, u16), params: EpochParams) {
    let input = subnet(n, validators, u16::MAX, params);
    bencher.bench_local(|| epoch(divan::black_box(&input)));
}

#[divan::bench(args = SIZES, sample_count = 30)]
fn yuma3(bencher: Bencher, size: (u16, u16)) {
    run(bencher, size, EpochParams { yuma3: true, ..EpochParams::default() });
}

#[divan::bench(args = SIZES, sample_count = 30)]
fn yuma3_liquid_alpha(bencher: Bencher, size: (u16, u16)) {
    let params = EpochParams {
        yuma3: true,
        liquid_alpha: true,
        alpha_low: 6553,
        alpha_high: 19660,
        bonds_penalty: 0,
        bonds_moving_average: 975_000,
        ..EpochParams::default()
    };
    run(bencher, size, params);
}

#[divan::bench(args = SIZES, sample_count = 30)]
fn original_bonds(bencher: Bencher, size: (u16, u16)) {
    run(bencher, size, EpochParams::default());
}

#[divan::bench(sample_count = 30)]
fn yuma3_sparse(bencher: Bencher) {
    let input = subnet(4096, 256, 64, EpochParams { yuma3: true, ..EpochParams::default() });
    bencher.bench_local(|| epoch(divan::black_box(&input)));
}
