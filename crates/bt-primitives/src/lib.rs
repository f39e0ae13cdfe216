//! Keys (sr25519), SS58 accounts, balances, ids, hashing and SCALE encoding shared by
//! every bittensor-rs crate.
//!
//! - [`AccountId`]: a 32-byte sr25519 public key, shown and parsed as SS58 (prefix 42);
//! - [`Keypair`] and [`verify`]: signing and checking with the `substrate` context, so that
//!   Bittensor hotkeys and coldkeys sign unchanged;
//! - [`hashing`]: BLAKE2b-256, the chain's hash;
//! - the plain number types of the chain (`Balance` in rao, `NetUid`, `Uid`, …).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod account;
pub mod hashing;
pub mod hex;
mod keys;

pub use account::{AccountId, Ss58Error, SS58_PREFIX};
pub use keys::{
    mini_secret_from_entropy, verify, verify_batch, verify_batch_keys, KeyError, Keypair, Signature,
    VerifyingKey, DEV_PHRASE, SIGNING_CONTEXT,
};
pub use parity_scale_codec as codec;

/// An amount of TAO or alpha in rao (10⁻⁹ of a token).
pub type Balance = u64;
/// A subnet id; 0 is the root network.
pub type NetUid = u16;
/// A neuron's position in a subnet.
pub type Uid = u16;
/// A block height.
pub type BlockNumber = u64;
/// A per-account transaction counter.
pub type Nonce = u32;
/// A 32-byte BLAKE2b-256 hash.
pub type Hash = [u8; 32];

/// Rao in one TAO.
pub const RAO_PER_TAO: Balance = 1_000_000_000;
/// The root network's netuid.
pub const ROOT_NETUID: NetUid = 0;
