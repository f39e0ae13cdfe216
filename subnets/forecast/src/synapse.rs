//! The one request of the subnet.

use bittensor::synapse::Synapse;
use serde::{Deserialize, Serialize};

/// "Here is the price up to `start_block`; send `num_paths` sample paths of the next
/// `horizon` blocks." Every path has `horizon + 1` prices and starts at the last price of
/// `history`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Identifies the prompt (the block it was made at).
    pub start_block: u64,
    /// Recent prices, oldest first, ending at `start_block`.
    pub history: Vec<f64>,
    /// Blocks ahead.
    pub horizon: u32,
    /// Paths wanted.
    pub num_paths: u32,
    /// The answer: `num_paths` paths of `horizon + 1` prices.
    pub paths: Option<Vec<Vec<f64>>>,
}

impl Synapse for Forecast {
    const NAME: &'static str = "Forecast";
    const HASH_FIELDS: &'static [&'static str] = &["start_block", "horizon", "num_paths"];
    type Output = Option<Vec<Vec<f64>>>;
    fn deserialize(self) -> Option<Vec<Vec<f64>>> {
        self.paths
    }
}
