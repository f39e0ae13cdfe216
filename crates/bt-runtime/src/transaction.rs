//! Signed transactions: what is signed, how it is checked, and what it costs.

use bt_primitives::hashing::blake2_256;
use bt_primitives::{verify, verify_batch, AccountId, Balance, Hash, Keypair, Nonce, Signature};
use parity_scale_codec::{Decode, Encode};

use crate::call::Call;
use crate::error::InvalidTransaction;

/// The fee every transaction pays, in rao.
pub const BASE_FEE: Balance = 50_000;
/// The fee per encoded byte of the transaction, in rao.
pub const BYTE_FEE: Balance = 100;
/// Payloads longer than this are signed by their BLAKE2b-256 hash, as in Substrate.
const MAX_UNHASHED_PAYLOAD: usize = 256;

/// A call signed by an account.
///
/// The signature covers the SCALE encoding of `(call, nonce, tip, genesis hash, spec
/// version)`, so a transaction is only valid on the chain and runtime it was signed for,
/// and only once (the nonce).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SignedTransaction {
    /// Who signed and pays.
    pub signer: AccountId,
    /// sr25519 signature with the `substrate` context.
    pub signature: Signature,
    /// Must equal the signer's account nonce when applied.
    #[codec(compact)]
    pub nonce: Nonce,
    /// Paid to the block author on top of the fee; higher tips go first in the pool.
    #[codec(compact)]
    pub tip: Balance,
    /// What to do.
    pub call: Call,
}

/// Which chain and runtime a transaction is signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainId {
    /// Hash of the chain's genesis block.
    pub genesis_hash: Hash,
    /// The runtime's spec version.
    pub spec_version: u32,
}

/// The bytes that are signed.
fn signing_payload(call: &Call, nonce: Nonce, tip: Balance, chain: &ChainId) -> Vec<u8> {
    let mut payload = call.encode();
    parity_scale_codec::Compact(nonce).encode_to(&mut payload);
    parity_scale_codec::Compact(tip).encode_to(&mut payload);
    chain.genesis_hash.encode_to(&mut payload);
    chain.spec_version.encode_to(&mut payload);
    if payload.len() > MAX_UNHASHED_PAYLOAD {
        payload = blake2_256(&payload).to_vec();
    }
    payload
}

impl SignedTransaction {
    /// Signs `call` with `pair` for `chain`.
    pub fn sign(pair: &Keypair, call: Call, nonce: Nonce, tip: Balance, chain: &ChainId) -> Self {
        let signature = pair.sign(&signing_payload(&call, nonce, tip, chain));
        SignedTransaction { signer: pair.account(), signature, nonce, tip, call }
    }

    /// Decodes a transaction from its SCALE bytes; trailing bytes are refused.
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Self, InvalidTransaction> {
        let tx = SignedTransaction::decode(&mut bytes).map_err(|_| InvalidTransaction::BadEncoding)?;
        if !bytes.is_empty() {
            return Err(InvalidTransaction::BadEncoding);
        }
        Ok(tx)
    }

    /// Checks the signature for `chain`.
    pub fn check(self, chain: &ChainId) -> Result<CheckedTransaction, InvalidTransaction> {
        let payload = signing_payload(&self.call, self.nonce, self.tip, chain);
        if !verify(&self.signer, &payload, &self.signature) {
            return Err(InvalidTransaction::BadProof);
        }
        let length = self.encoded_size();
        Ok(CheckedTransaction { tx: self, length })
    }

    /// Checks many signatures at once: one batch verification when all are valid (the
    /// common case, about twice as fast), one by one otherwise to find the bad ones.
    pub fn check_all(
        txs: Vec<SignedTransaction>,
        chain: &ChainId,
    ) -> Vec<Result<CheckedTransaction, InvalidTransaction>> {
        let payloads: Vec<Vec<u8>> =
            txs.iter().map(|tx| signing_payload(&tx.call, tx.nonce, tx.tip, chain)).collect();
        let all_valid =
            verify_batch(txs.iter().zip(&payloads).map(|(tx, p)| (&tx.signer, &p[..], &tx.signature)));
        txs.into_iter()
            .zip(payloads)
            .map(|(tx, payload)| {
                if all_valid || verify(&tx.signer, &payload, &tx.signature) {
                    let length = tx.encoded_size();
                    Ok(CheckedTransaction { tx, length })
                } else {
                    Err(InvalidTransaction::BadProof)
                }
            })
            .collect()
    }

    /// BLAKE2b-256 of the encoded transaction: its id in the pool and in blocks.
    pub fn hash(&self) -> Hash {
        blake2_256(&self.encode())
    }
}

/// A transaction whose signature has been verified. Only [`SignedTransaction::check`]
/// makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTransaction {
    tx: SignedTransaction,
    length: usize,
}

impl CheckedTransaction {
    /// The verified transaction.
    pub fn tx(&self) -> &SignedTransaction {
        &self.tx
    }

    /// The fee, excluding the tip: [`BASE_FEE`] plus [`BYTE_FEE`] per encoded byte.
    pub fn fee(&self) -> Balance {
        fee_for_length(self.length)
    }
}

/// The fee of a transaction of `length` encoded bytes.
pub fn fee_for_length(length: usize) -> Balance {
    BASE_FEE.saturating_add(BYTE_FEE.saturating_mul(length as Balance))
}
