//! The Bittensor SDK: btwallet-compatible wallets, a chain client, and the metagraph.
//!
//! - [`wallet`]: the `~/.bittensor/wallets/<name>/` layout, keyfiles and `$NACL`
//!   encryption of the Python wallet (wire.md §3), readable and writable both ways.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod wallet;
