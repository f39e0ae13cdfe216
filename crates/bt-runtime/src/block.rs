//! Blocks and their headers.

use bt_primitives::hashing::blake2_256;
use bt_primitives::{AccountId, BlockNumber, Hash};
use parity_scale_codec::{Decode, Encode};

use crate::transaction::SignedTransaction;

/// A block header. Its hash (BLAKE2b-256 of its SCALE encoding) names the block.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    /// Hash of the previous block's header (zero for genesis).
    pub parent_hash: Hash,
    /// Height.
    pub number: BlockNumber,
    /// Milliseconds since the Unix epoch, as stated by the author.
    pub timestamp_ms: u64,
    /// Commitment to the block's transactions: [`extrinsics_root`].
    pub extrinsics_root: Hash,
    /// Commitment to the whole state after the block.
    pub state_root: Hash,
    /// Who produced the block (and received its fees).
    pub author: AccountId,
}

impl Header {
    /// The block hash.
    pub fn hash(&self) -> Hash {
        blake2_256(&self.encode())
    }
}

/// A header and its transactions.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The transactions, in the order they were applied.
    pub extrinsics: Vec<SignedTransaction>,
}

/// BLAKE2b-256 of the SCALE list of the transactions' hashes.
pub fn extrinsics_root(extrinsics: &[SignedTransaction]) -> Hash {
    let hashes: Vec<Hash> = extrinsics.iter().map(SignedTransaction::hash).collect();
    blake2_256(&hashes.encode())
}
