//! The subnet's two requests: a gradient for this window, and the validator's model.

use bittensor::synapse::Synapse;
use serde::{Deserialize, Serialize};

/// Validator → miner: "compute the gradient of my model `model_version` on your shard of
/// window `window` (seed `seed`) and send its `top_k` largest entries."
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gradient {
    /// The window's first block.
    pub window: u64,
    /// Hash of that block (`0x` hex): the shard seed.
    pub seed: String,
    /// The validator whose model is meant (SS58 hotkey); miners fetch it from its axon.
    pub validator: String,
    /// The model version the gradient must be computed on.
    pub model_version: u64,
    /// Entries to send.
    pub top_k: u32,
    /// Answer: indices of the entries.
    pub indices: Option<Vec<u32>>,
    /// Answer: their values.
    pub values: Option<Vec<f32>>,
    /// Answer: the model version actually used.
    pub computed_on: Option<u64>,
}

impl Synapse for Gradient {
    const NAME: &'static str = "Gradient";
    const HASH_FIELDS: &'static [&'static str] = &["window", "seed", "validator", "model_version", "top_k"];
    type Output = Option<crate::Sparse>;
    fn deserialize(self) -> Option<crate::Sparse> {
        Some(crate::Sparse { indices: self.indices?, values: self.values? })
    }
}

/// Miner → validator: "send me your current model."
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetModel {
    /// Answer: the model version.
    pub version: Option<u64>,
    /// Answer: the parameters.
    pub weights: Option<Vec<f32>>,
}

impl Synapse for GetModel {
    const NAME: &'static str = "GetModel";
    type Output = Option<(u64, Vec<f32>)>;
    fn deserialize(self) -> Option<(u64, Vec<f32>)> {
        Some((self.version?, self.weights?))
    }
}
