//! Signed transactions: signatures bind the chain and nonce, fees go to the author, and a
//! refused call changes nothing but the fee and nonce.

mod common;

use bt_primitives::AccountId;
use bt_runtime::call::{BalancesCall, Call, SubtensorCall};
use bt_runtime::storage::Item;
use bt_runtime::transaction::{fee_for_length, ChainId};
use bt_runtime::views::{account_nonce, balance};
use bt_runtime::{Applied, Error, Event, InvalidTransaction, SignedTransaction, SPEC_VERSION};
use common::*;
use parity_scale_codec::Encode;

fn transfer(to: AccountId, amount: u64) -> Call {
    Call::Balances(BalancesCall::transfer_keep_alive { dest: to, value: amount.into() })
}

fn only(outcome: bt_runtime::BlockOutcome) -> Applied {
    outcome.transactions.into_iter().next().expect("one transaction")
}

#[test]
fn a_transfer_pays_its_fee_to_the_author_and_uses_the_nonce() {
    let mut chain = Chain::new();
    let (alice, bob) = (key(2), key(30).account());
    let tx = chain.sign(&alice, transfer(bob, 10 * TAO));
    let fee = fee_for_length(tx.encode().len());
    let before = balance(&chain.state, &alice.account());
    let Applied::Included(events) = only(chain.block_with(&[tx])) else { panic!("not included") };
    assert_eq!(events[0], Event::Transfer { from: alice.account(), to: bob, amount: 10 * TAO });
    assert_eq!(events[1], Event::ExtrinsicSuccess { who: alice.account(), fee });
    assert_eq!(balance(&chain.state, &alice.account()), before - 10 * TAO - fee);
    assert_eq!(balance(&chain.state, &bob), 10 * TAO);
    assert_eq!(balance(&chain.state, &author()), fee);
    assert_eq!(account_nonce(&chain.state, &alice.account()), 1);
}

#[test]
fn invalid_transactions_change_nothing() {
    let mut chain = Chain::new();
    let alice = key(2);
    let bob = key(30).account();
    chain.run_blocks(1);

    // Signed for another chain, or for another runtime version.
    let other_chain = ChainId { genesis_hash: [7; 32], spec_version: SPEC_VERSION };
    let other_runtime = ChainId { genesis_hash: GENESIS_HASH, spec_version: SPEC_VERSION + 1 };
    let replayed = chain.sign(&alice, transfer(bob, TAO));
    chain.block_with(std::slice::from_ref(&replayed));
    let cases = [
        (
            SignedTransaction::sign(&alice, transfer(bob, TAO), 1, 0, &other_chain),
            InvalidTransaction::BadProof,
        ),
        (
            SignedTransaction::sign(&alice, transfer(bob, TAO), 1, 0, &other_runtime),
            InvalidTransaction::BadProof,
        ),
        (replayed, InvalidTransaction::Stale),
        (
            SignedTransaction::sign(&alice, transfer(bob, TAO), 5, 0, &chain.runtime.chain),
            InvalidTransaction::Future,
        ),
        (
            SignedTransaction::sign(&key(31), transfer(bob, TAO), 0, 0, &chain.runtime.chain),
            InvalidTransaction::Payment,
        ),
        (
            SignedTransaction::sign(&alice, transfer(bob, TAO), 1, u64::MAX / 2, &chain.runtime.chain),
            InvalidTransaction::Payment,
        ),
    ];
    for (tx, expected) in cases {
        // The block hook runs on its own; compare against a block with no transactions.
        let reference = chain.after_empty_block();
        let outcome = chain.block_with(std::slice::from_ref(&tx));
        assert_eq!(only(outcome), Applied::Invalid(expected));
        assert_same_state(&chain.state, &reference, &format!("{expected:?}"));
    }

    // A tampered signature.
    let mut tampered = chain.sign(&alice, transfer(bob, TAO));
    tampered.signature.0[0] ^= 1;
    assert_eq!(only(chain.block_with(&[tampered])), Applied::Invalid(InvalidTransaction::BadProof));
}

#[test]
fn a_refused_call_charges_only_the_fee_and_nonce() {
    let mut chain = Chain::new();
    let alice = key(2);
    chain.run_blocks(1);
    let call = Call::SubtensorModule(SubtensorCall::burned_register { netuid: 9, hotkey: key(3).account() });
    let tx = chain.sign(&alice, call);
    let fee = fee_for_length(tx.encode().len());
    let mut expected = chain.after_empty_block();
    let outcome = chain.block_with(&[tx]);
    assert_eq!(
        only(outcome),
        Applied::Included(vec![Event::ExtrinsicFailed {
            who: alice.account(),
            fee,
            error: Error::SubnetNotExists
        }])
    );
    // Everything else is as it was: only the signer's and the author's account changed.
    let alice_after = bt_runtime::balances::Account::get(&chain.state, &alice.account());
    let author_after = bt_runtime::balances::Account::get(&chain.state, &author());
    bt_runtime::balances::Account::insert(&mut expected, &alice.account(), &alice_after);
    bt_runtime::balances::Account::insert(&mut expected, &author(), &author_after);
    assert_same_state(&chain.state, &expected, "refused call");
    assert_eq!(alice_after.nonce, 1);
    assert_eq!(author_after.free, fee);
}

#[test]
fn transaction_bytes_round_trip_and_garbage_is_refused() {
    let chain = Chain::new();
    let tx = chain.sign(&key(2), transfer(key(3).account(), 5));
    let bytes = tx.encode();
    assert_eq!(SignedTransaction::from_bytes(&bytes), Ok(tx));
    assert_eq!(
        SignedTransaction::from_bytes(&bytes[..bytes.len() - 1]),
        Err(InvalidTransaction::BadEncoding)
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(SignedTransaction::from_bytes(&longer), Err(InvalidTransaction::BadEncoding));
    assert_eq!(SignedTransaction::from_bytes(&[]), Err(InvalidTransaction::BadEncoding));
}

#[test]
fn one_bad_signature_in_a_block_refuses_only_that_transaction() {
    let mut chain = Chain::new();
    let to = key(30).account();
    let mut txs: Vec<SignedTransaction> =
        (2..5).map(|seed| chain.sign(&key(seed), transfer(to, TAO))).collect();
    txs[1].signature.0[5] ^= 0x10;
    let outcome = chain.block_with(&txs);
    assert!(matches!(outcome.transactions[0], Applied::Included(_)));
    assert_eq!(outcome.transactions[1], Applied::Invalid(InvalidTransaction::BadProof));
    assert!(matches!(outcome.transactions[2], Applied::Included(_)));
    assert_eq!(balance(&chain.state, &to), 2 * TAO);
}
