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
//!   [`peer`] holds the test peer's synapses shared with the Python peer script.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod axon;
pub mod dendrite;
pub mod gate;
pub mod metagraph;
pub mod peer;
pub mod subtensor;
pub mod synapse;
pub mod wallet;
pub mod weights;

pub use axon::{Axon, Caller};
pub use dendrite::{Dendrite, Target};
pub use metagraph::Metagraph;
pub use subtensor::{ClientError, Receipt, Subtensor};
