//! Applying full blocks: 1,000 signed transfers, and 256 `set_weights` on a 256-uid
//! subnet, with and without signature verification.
//!
//! `cargo bench -p bt-runtime --bench block`

use bt_primitives::{Keypair, RAO_PER_TAO};
use bt_runtime::call::{AdminCall, BalancesCall, Call, SubtensorCall};
use bt_runtime::genesis::GenesisConfig;
use bt_runtime::neurons::ValidatorPermit;
use bt_runtime::storage::Item;
use bt_runtime::{BlockContext, CheckedTransaction, MemoryState, Runtime, SignedTransaction};
use divan::Bencher;

const TRANSFERS: usize = 1_000;
const UIDS: u16 = 256;

fn main() {
    divan::main();
}

fn key(i: u32) -> Keypair {
    let mut seed = [7u8; 32];
    seed[..4].copy_from_slice(&i.to_le_bytes());
    Keypair::from_seed(&seed)
}

fn context(number: u64) -> BlockContext {
    BlockContext { number, timestamp_ms: 0, author: key(u32::MAX).account() }
}

/// A chain where keys 0..n hold 1 000 TAO each; key 0 is sudo.
fn chain(n: u32) -> (MemoryState, Runtime) {
    let balances = (0..n).map(|i| (key(i).account(), 1_000 * RAO_PER_TAO)).collect();
    let mut genesis = GenesisConfig::new(balances, key(0).account());
    genesis.network_rate_limit = 0;
    let mut state = MemoryState::new();
    genesis.build(&mut state).expect("genesis");
    (state, Runtime::new([1; 32]))
}

fn transfers() -> (MemoryState, Runtime, Vec<SignedTransaction>) {
    let (state, runtime) = chain(TRANSFERS as u32 + 1);
    let txs = (1..=TRANSFERS as u32)
        .map(|i| {
            let dest = key(i - 1).account();
            let call = Call::Balances(BalancesCall::transfer_allow_death { dest, value: RAO_PER_TAO.into() });
            SignedTransaction::sign(&key(i), call, 0, 0, &runtime.chain)
        })
        .collect();
    (state, runtime, txs)
}

/// A subnet with 256 uids, every one holding a validator permit, and each hotkey's
/// `set_weights` over all 256 uids.
fn weights() -> (MemoryState, Runtime, Vec<SignedTransaction>) {
    let (mut state, runtime) = chain(2 * u32::from(UIDS) + 1);
    let mut block = 0;
    let mut apply = |state: &mut MemoryState, signer: &Keypair, call: Call| {
        block += 1;
        let nonce = bt_runtime::views::account_nonce(state, &signer.account());
        let tx = SignedTransaction::sign(signer, call, nonce, 0, &runtime.chain);
        runtime.apply_block(state, &context(block), &[tx]);
    };
    let hotkey = |uid: u16| key(u32::from(UIDS) + 1 + u32::from(uid));
    apply(
        &mut state,
        &key(1),
        Call::SubtensorModule(SubtensorCall::register_network { hotkey: hotkey(0).account() }),
    );
    let netuid = 1;
    let sudo = key(0);
    for call in [
        AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: false },
        AdminCall::sudo_set_max_allowed_validators { netuid, max_allowed_validators: UIDS },
    ] {
        apply(&mut state, &sudo, Call::AdminUtils(call));
    }
    for uid in 1..UIDS {
        let call = SubtensorCall::burned_register { netuid, hotkey: hotkey(uid).account() };
        apply(&mut state, &key(1 + u32::from(uid)), Call::SubtensorModule(call));
    }
    // Permits come from an epoch; grant them directly so every hotkey may set weights.
    ValidatorPermit::insert(&mut state, &netuid, &vec![true; usize::from(UIDS)]);
    let txs = (0..UIDS)
        .map(|uid| {
            let call = SubtensorCall::set_weights {
                netuid,
                dests: (0..UIDS).collect(),
                weights: (0..UIDS).map(|j| j.wrapping_mul(97).wrapping_add(uid)).collect(),
                version_key: 0,
            };
            SignedTransaction::sign(&hotkey(uid), Call::SubtensorModule(call), 0, 0, &runtime.chain)
        })
        .collect();
    (state, runtime, txs)
}

fn run_block(bencher: Bencher, (state, runtime, txs): (MemoryState, Runtime, Vec<SignedTransaction>)) {
    let context = context(bt_runtime::CurrentBlock::get(&state, &()) + 1);
    bencher.with_inputs(|| state.clone()).bench_local_values(|mut state| {
        let outcome = runtime.apply_block(&mut state, &context, &txs);
        assert!(outcome.transactions.iter().all(|t| matches!(t, bt_runtime::Applied::Included(_))));
        state
    });
}

fn run_checked(bencher: Bencher, (state, runtime, txs): (MemoryState, Runtime, Vec<SignedTransaction>)) {
    let number = bt_runtime::CurrentBlock::get(&state, &()) + 1;
    let checked: Vec<CheckedTransaction> =
        txs.into_iter().map(|tx| runtime.check(tx).expect("valid")).collect();
    let context = context(number);
    bencher.with_inputs(|| state.clone()).bench_local_values(|mut state| {
        runtime.initialize_block(&mut state, &context);
        for tx in &checked {
            runtime.apply_extrinsic(&mut state, &context, tx).expect("valid");
        }
        state
    });
}

/// 1,000 signed transfers, signatures verified.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn transfers_1000_verified(bencher: Bencher) {
    run_block(bencher, transfers());
}

/// The same block with signatures checked beforehand (as the mempool does).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn transfers_1000_preverified(bencher: Bencher) {
    run_checked(bencher, transfers());
}

/// 256 `set_weights` of 256 uids each, signatures verified.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn set_weights_256_verified(bencher: Bencher) {
    run_block(bencher, weights());
}

/// The same block with signatures checked beforehand.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn set_weights_256_preverified(bencher: Bencher) {
    run_checked(bencher, weights());
}
