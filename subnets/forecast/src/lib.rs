//! Subnet `forecast`: miners send probabilistic price paths, validators score them with
//! CRPS once the truth is known.
//!
//! The validator keeps a hidden, seeded price process ([`market`]) that advances one step
//! per block. At a prompt it shows miners the recent history and asks for sample paths
//! over the next blocks ([`synapse::Forecast`]). When those blocks have passed it scores
//! every answer with the continuous ranked probability score over several increments
//! ([`scoring`]), smooths the scores over prompts and sets softmax weights with
//! commit-reveal. Miners choose a model with a flag ([`strategy`]).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod market;
pub mod scoring;
pub mod strategy;
pub mod synapse;

pub use market::Market;
pub use strategy::Strategy;
pub use synapse::Forecast;
