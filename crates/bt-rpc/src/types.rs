//! The JSON shapes of the RPC results.

use bt_primitives::hex;
use bt_runtime::{Block, Event, Header, SignedTransaction};
use parity_scale_codec::Encode;
use serde::{Deserialize, Serialize};

/// `system_health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Connected peers.
    pub peers: u32,
    /// Whether the node is catching up.
    pub is_syncing: bool,
    /// Whether it expects peers.
    pub should_have_peers: bool,
}

/// A header as Substrate writes it (hex hashes, hex number), plus timestamp and author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcHeader {
    /// Hash of this header.
    pub hash: String,
    /// Parent hash.
    pub parent_hash: String,
    /// Height, as `0x` hex.
    pub number: String,
    /// State root.
    pub state_root: String,
    /// Transactions root.
    pub extrinsics_root: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// Block author (SS58).
    pub author: String,
}

impl RpcHeader {
    /// The JSON form of `header`.
    pub fn new(header: &Header) -> Self {
        RpcHeader {
            hash: hex::encode(&header.hash()),
            parent_hash: hex::encode(&header.parent_hash),
            number: format!("0x{:x}", header.number),
            state_root: hex::encode(&header.state_root),
            extrinsics_root: hex::encode(&header.extrinsics_root),
            timestamp: header.timestamp_ms,
            author: header.author.to_ss58(),
        }
    }

    /// The height as a number.
    pub fn number(&self) -> Option<u64> {
        u64::from_str_radix(self.number.trim_start_matches("0x"), 16).ok()
    }
}

/// A block: header and transactions as SCALE hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcBlock {
    /// The header.
    pub header: RpcHeader,
    /// Each transaction's SCALE encoding, as hex.
    pub extrinsics: Vec<String>,
}

/// `chain_getBlock`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcSignedBlock {
    /// The block.
    pub block: RpcBlock,
    /// Always `null`: dev blocks are final when produced.
    pub justifications: Option<Vec<String>>,
}

impl RpcSignedBlock {
    /// The JSON form of `block`.
    pub fn new(block: &Block) -> Self {
        RpcSignedBlock {
            block: RpcBlock {
                header: RpcHeader::new(&block.header),
                extrinsics: block.extrinsics.iter().map(|tx| hex::encode(&tx.encode())).collect(),
            },
            justifications: None,
        }
    }
}

/// `state_getRuntimeVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeVersion {
    /// `node-subtensor`.
    pub spec_name: String,
    /// `bittensor-rs`.
    pub impl_name: String,
    /// What transactions are signed for.
    pub spec_version: u32,
    /// Implementation version.
    pub impl_version: u32,
    /// Transaction format version.
    pub transaction_version: u32,
}

/// Where a submitted transaction is, as Substrate reports it, with reasons for refusals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TransactionStatus {
    /// Waiting for an earlier nonce.
    Future,
    /// Ready for the next block.
    Ready,
    /// Included in the block with this hash.
    InBlock(String),
    /// That block is final.
    Finalized(String),
    /// Not valid (the reason says why); never included.
    Invalid(String),
    /// Removed from the pool without inclusion (the reason says why).
    Dropped(String),
}

/// One transaction's outcome in `subtensor_blockEvents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcExtrinsicEvents {
    /// Transaction hash.
    pub hash: String,
    /// Its signer (SS58).
    pub signer: String,
    /// Whether its call succeeded.
    pub success: bool,
    /// The refusal's name when it did not (`NotEnoughStakeToWithdraw`, …).
    pub error: Option<String>,
    /// Everything it emitted.
    pub events: Vec<Event>,
}

/// `subtensor_blockEvents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcBlockEvents {
    /// Block hash.
    pub hash: String,
    /// Block height.
    pub number: u64,
    /// Events of the block hook (coinbase, epochs).
    pub initialization: Vec<Event>,
    /// Each transaction's outcome, in block order.
    pub extrinsics: Vec<RpcExtrinsicEvents>,
}

impl RpcExtrinsicEvents {
    /// The outcome of `tx` from its events.
    pub fn new(tx: &SignedTransaction, events: Vec<Event>) -> Self {
        let error = events.iter().find_map(|e| match e {
            Event::ExtrinsicFailed { error, .. } => Some(format!("{error:?}")),
            _ => None,
        });
        RpcExtrinsicEvents {
            hash: hex::encode(&tx.hash()),
            signer: tx.signer.to_ss58(),
            success: error.is_none(),
            error,
            events,
        }
    }
}
