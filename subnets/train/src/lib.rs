//! Subnet `train`: miners compute gradients on chain-assigned data shards, validators
//! score them by loss reduction and train a shared model.
//!
//! The model is softmax regression on the digits data ([`data`], [`model`]). Each window
//! the validator takes the hash of the window's first block as a seed that assigns every
//! miner a shard ([`data::shard_of`]). Miners sync the validator's model from its axon,
//! compute the gradient on their shard and send its top-k entries ([`compress`]). The
//! validator checks each one ([`scoring`]): in sync with its model, not a copy, not an
//! outlier, and lowering the loss on the miner's shard and on a random one. It applies
//! the accepted gradients and publishes the new model.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod compress;
pub mod data;
pub mod model;
pub mod scoring;
pub mod synapse;

pub use compress::Sparse;
pub use data::Dataset;
pub use model::Model;
