//! The synapses of the SDK's test peer (`tests/python/bt_peer.py`, after the Python SDK's
//! own interop peer): the same class and field names on both sides, so either side's
//! client can query either side's server. The examples, benchmarks and interop tests use
//! them.

use serde::{Deserialize, Serialize};

use crate::synapse::Synapse;

/// Echo: the axon answers `output = 2 · input` (`input` is in the body hash).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dummy {
    /// The request.
    pub input: i64,
    /// The answer.
    pub output: Option<i64>,
}

impl Synapse for Dummy {
    const NAME: &'static str = "Dummy";
    const HASH_FIELDS: &'static [&'static str] = &["input"];
    type Output = Option<i64>;
    fn deserialize(self) -> Option<i64> {
        self.output
    }
}

/// The axon waits `delay` seconds, then sets `done`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Slow {
    /// Seconds to wait.
    pub delay: f64,
    /// Set by the axon when it answers.
    pub done: bool,
}

impl Synapse for Slow {
    const NAME: &'static str = "Slow";
    type Output = bool;
    fn deserialize(self) -> bool {
        self.done
    }
}

/// A streaming synapse: the axon sends the prompt back word by word.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// The text to stream back.
    pub prompt: String,
}

impl Synapse for Tokens {
    const NAME: &'static str = "Tokens";
    const HASH_FIELDS: &'static [&'static str] = &["prompt"];
    type Output = ();
    fn deserialize(self) {}
}

/// A synapse no axon serves: calling it answers 404.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Unknown {}

impl Synapse for Unknown {
    const NAME: &'static str = "Unknown";
    type Output = ();
    fn deserialize(self) {}
}
