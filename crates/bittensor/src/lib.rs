//! The Bittensor SDK: btwallet-compatible wallets, a chain client, and the metagraph.
//!
//! - [`wallet`]: the `~/.bittensor/wallets/<name>/` layout, keyfiles and `$NACL`
//!   encryption of the Python wallet (wire.md §3), readable and writable both ways;
//! - [`Subtensor`]: the chain client, one typed async method per call and read;
//! - [`Metagraph`]: a subnet's state in chain units and normalised floats;
//! - [`weights`]: the SDK's weight normalisation and commit-reveal salts kept on disk;
//! - [`synapse`]: the typed requests of the axon/dendrite protocol, body hashes and
//!   signed messages in the Python SDK's wire format;
//! - [`axon`] and [`dendrite`]: the miner's HTTP server and the validator's client;
//!   [`gate`] keeps an axon's blacklist and priority in step with the metagraph;
//!   [`peer`] holds the test peer's synapses shared with the Python peer script;
//! - [`scoring`]: which of two identical answers is the original;
//! - `neuron` (feature `neuron`): start-up, options and shutdown of miner and validator
//!   programs.
//!
//! The chain's own types (keys, accounts, hashing) are re-exported as [`primitives`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod axon;
pub mod dendrite;
pub mod gate;
pub mod metagraph;
#[cfg(feature = "neuron")]
pub mod neuron;
pub mod peer;
pub mod scoring;
pub mod subtensor;
pub mod synapse;
mod verifier;
pub mod wallet;
pub mod weights;

pub use axon::{Axon, Caller};
pub use bt_primitives as primitives;
pub use dendrite::{Dendrite, Target};
pub use metagraph::Metagraph;
pub use subtensor::{ClientError, Receipt, Subtensor};
