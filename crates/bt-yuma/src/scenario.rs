//! The `yuma simulate` scenario format: a subnet in the harness model (chain.md §3.0) and
//! a list of steps to replay on it.
//!
//! ```json
//! { "n": 5, "tempo": 1, "registered_block": 1, "stake": [8, 1, 1, 0, 0],
//!   "emission": 1000000000,
//!   "hyperparameters": { "kappa": 32767, "yuma3": true, "owner_uid": null },
//!   "steps": [ {"op": "epoch", "block": 1},
//!              {"op": "set_weights", "block": 2, "uid": 0, "dests": [3, 4], "weights": [65535, 0]},
//!              {"op": "replace", "block": 2, "uid": 3, "stake": 0},
//!              {"op": "set_stake", "uid": 1, "stake": 5},
//!              {"op": "reset_bonds", "uid": 3},
//!              {"op": "epoch", "block": 3} ] }
//! ```
//!
//! Every hyperparameter is optional (defaults: [`EpochParams::default`]); `tempo` defaults
//! to 360, `registered_block` to 0 and `emission` to 10⁹ rao. A free-text `description`
//! may say what the scenario shows. Stakes and weights are
//! non-negative numbers. Parsing and replay either succeed as a whole or fail with a
//! [`ScenarioError`] that names the offending field.

use crate::epoch::{EpochOutput, EpochParams};
use crate::fixed::{I32F32, I64F64};
use crate::harness::{Harness, HarnessError};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A scenario, as read from JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario shows (free text, not used by the replay).
    #[serde(default)]
    pub description: Option<String>,
    /// Number of uids.
    pub n: u16,
    /// Blocks per epoch.
    #[serde(default = "default_tempo")]
    pub tempo: u16,
    /// Block at which every uid registered.
    #[serde(default)]
    pub registered_block: u64,
    /// Stake per uid (`n` values).
    pub stake: Vec<Stake>,
    /// Emission per epoch in alpha rao.
    #[serde(default = "default_emission")]
    pub emission: u64,
    /// Subnet hyperparameters.
    #[serde(default)]
    pub hyperparameters: Hyperparameters,
    /// What happens, in order.
    pub steps: Vec<Step>,
}

/// Subnet hyperparameters of a scenario; each one is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// `Kappa`.
    pub kappa: u16,
    /// `BondsPenalty`.
    pub bonds_penalty: u16,
    /// `BondsMovingAverage`.
    pub bonds_moving_average: u64,
    /// `MaxAllowedValidators`.
    pub max_allowed_validators: u16,
    /// `Yuma3On`.
    pub yuma3: bool,
    /// `LiquidAlphaOn`.
    pub liquid_alpha: bool,
    /// Lower liquid alpha (`AlphaValues.0`).
    pub alpha_low: u16,
    /// Upper liquid alpha (`AlphaValues.1`).
    pub alpha_high: u16,
    /// `AlphaSigmoidSteepness`.
    pub alpha_sigmoid_steepness: i16,
    /// `ActivityCutoffFactorMilli`.
    pub activity_cutoff_factor_milli: u16,
    /// `StakeThreshold`, in rao.
    pub stake_threshold: u64,
    /// `BondsResetOn`: whether `reset_bonds` steps take effect.
    pub bonds_reset: bool,
    /// The owner's uid, if the owner's hotkey is registered.
    pub owner_uid: Option<u16>,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        let p = EpochParams::default();
        Hyperparameters {
            kappa: p.kappa,
            bonds_penalty: p.bonds_penalty,
            bonds_moving_average: p.bonds_moving_average,
            max_allowed_validators: p.max_allowed_validators,
            yuma3: p.yuma3,
            liquid_alpha: p.liquid_alpha,
            alpha_low: p.alpha_low,
            alpha_high: p.alpha_high,
            alpha_sigmoid_steepness: p.alpha_sigmoid_steepness,
            activity_cutoff_factor_milli: p.activity_cutoff_factor_milli,
            stake_threshold: p.stake_threshold,
            bonds_reset: false,
            owner_uid: None,
        }
    }
}

/// One step of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Run an epoch.
    Epoch {
        /// Current block.
        block: u64,
    },
    /// A uid sets weights; they are stored max-upscaled to `u16`.
    SetWeights {
        /// Current block.
        block: u64,
        /// The uid setting weights.
        uid: u16,
        /// Destination uids.
        dests: Vec<u16>,
        /// One weight per destination.
        weights: Vec<Weight>,
    },
    /// A new hotkey replaces a uid (deregistration and registration).
    Replace {
        /// Current block.
        block: u64,
        /// The uid replaced.
        uid: u16,
        /// The new hotkey's stake.
        #[serde(default)]
        stake: Stake,
    },
    /// Changes a uid's stake.
    SetStake {
        /// The uid.
        uid: u16,
        /// Its new stake.
        stake: Stake,
    },
    /// Removes every bond on a uid, when `bonds_reset` is on.
    ResetBonds {
        /// The uid.
        uid: u16,
    },
}

impl Step {
    fn block(&self) -> Option<u64> {
        match self {
            Step::Epoch { block } | Step::SetWeights { block, .. } | Step::Replace { block, .. } => {
                Some(*block)
            }
            Step::SetStake { .. } | Step::ResetBonds { .. } => None,
        }
    }
}

/// A stake amount: any non-negative JSON number, as an `I64F64` (exact for integers up to
/// 2⁶³, saturating above).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stake(pub I64F64);

/// A weight: any non-negative JSON number, as an `I32F32`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight(pub I32F32);

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = I64F64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<I64F64, E> {
        Ok(I64F64::saturating_from_num(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<I64F64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<I64F64, E> {
        if v.is_finite() && v >= 0.0 {
            Ok(I64F64::saturating_from_num(v))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

impl<'de> Deserialize<'de> for Stake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberVisitor).map(Stake)
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberVisitor).map(|v| Weight(I32F32::saturating_from_num(v)))
    }
}

fn default_tempo() -> u16 {
    EpochParams::default().tempo
}

fn default_emission() -> u64 {
    1_000_000_000
}

/// A scenario that cannot be read or replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioError {
    /// The offending field, as a path such as `steps[3].uid` (`.` for the whole document).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ScenarioError {
    fn at(field: impl Into<String>, message: impl fmt::Display) -> Self {
        ScenarioError { field: field.into(), message: message.to_string() }
    }
}

/// The state after one `epoch` step: what the chain stores, for every uid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EpochRecord {
    /// Block of the epoch.
    pub block: u64,
    /// `Incentive` (u16).
    pub incentive: Vec<u16>,
    /// `Dividends` (u16).
    pub dividends: Vec<u16>,
    /// `Consensus` (u16).
    pub consensus: Vec<u16>,
    /// `ValidatorTrust` (u16).
    pub validator_trust: Vec<u16>,
    /// `StakeWeight` (u16).
    pub stake_weight: Vec<u16>,
    /// `Active`.
    pub active: Vec<bool>,
    /// New `ValidatorPermit`.
    pub validator_permit: Vec<bool>,
    /// Combined `Emission` (rao).
    pub emission: Vec<u64>,
    /// Miner emission (rao).
    pub server_emission: Vec<u64>,
    /// Validator emission (rao).
    pub validator_emission: Vec<u64>,
    /// Stored bond rows after the epoch, as `[uid, u16]` pairs.
    pub bonds: Vec<Vec<(u16, u16)>>,
}

impl EpochRecord {
    fn new(block: u64, output: EpochOutput, bonds: &[Vec<(u16, u16)>]) -> Self {
        EpochRecord {
            block,
            incentive: output.incentive,
            dividends: output.dividends,
            consensus: output.consensus,
            validator_trust: output.validator_trust,
            stake_weight: output.stake_weight,
            active: output.active,
            validator_permit: output.validator_permit,
            emission: output.emission,
            server_emission: output.server_emission,
            validator_emission: output.validator_emission,
            bonds: bonds.to_vec(),
        }
    }
}

impl Scenario {
    /// Reads and checks a scenario.
    pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            // A syntax error has no path yet ("?"); it is about the document as a whole.
            let field = match e.path().to_string() {
                p if p == "?" => ".".to_string(),
                p => p,
            };
            ScenarioError::at(field, e.into_inner())
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    fn check(&self) -> Result<(), ScenarioError> {
        if self.stake.len() != usize::from(self.n) {
            return Err(ScenarioError::at(
                "stake",
                format!("has {} values but n is {}", self.stake.len(), self.n),
            ));
        }
        if let Some(o) = self.hyperparameters.owner_uid.filter(|&o| o >= self.n) {
            return Err(ScenarioError::at(
                "hyperparameters.owner_uid",
                format!("uid {o} does not exist (n = {})", self.n),
            ));
        }
        let mut last = 0;
        for (k, block) in self.steps.iter().enumerate().filter_map(|(k, s)| s.block().map(|b| (k, b))) {
            if block < last {
                return Err(ScenarioError::at(
                    format!("steps[{k}].block"),
                    format!("block {block} comes after block {last}"),
                ));
            }
            last = block;
        }
        Ok(())
    }

    /// The epoch parameters of this scenario.
    pub fn params(&self) -> EpochParams {
        let h = &self.hyperparameters;
        EpochParams {
            tempo: self.tempo,
            activity_cutoff_factor_milli: h.activity_cutoff_factor_milli,
            kappa: h.kappa,
            bonds_penalty: h.bonds_penalty,
            bonds_moving_average: h.bonds_moving_average,
            max_allowed_validators: h.max_allowed_validators,
            yuma3: h.yuma3,
            liquid_alpha: h.liquid_alpha,
            alpha_low: h.alpha_low,
            alpha_high: h.alpha_high,
            alpha_sigmoid_steepness: h.alpha_sigmoid_steepness,
            stake_threshold: h.stake_threshold,
        }
    }

    /// The harness in its initial state.
    pub fn harness(&self) -> Harness {
        let stake = self.stake.iter().map(|s| s.0).collect();
        let mut harness = Harness::new(stake, self.registered_block, self.params());
        harness.emission = self.emission;
        harness.owner_uid = self.hyperparameters.owner_uid;
        harness.bonds_reset = self.hyperparameters.bonds_reset;
        harness
    }

    /// Replays every step and returns one record per `epoch` step. A step the harness
    /// refuses fails the whole replay.
    pub fn run(&self) -> Result<Vec<EpochRecord>, ScenarioError> {
        let mut harness = self.harness();
        let mut records = Vec::new();
        for (k, step) in self.steps.iter().enumerate() {
            match step {
                Step::Epoch { block } => {
                    let output = harness.epoch(*block);
                    records.push(EpochRecord::new(*block, output, &harness.bonds));
                }
                Step::SetWeights { block, uid, dests, weights } => {
                    let weights: Vec<I32F32> = weights.iter().map(|w| w.0).collect();
                    harness.set_weights(*block, *uid, dests, &weights).map_err(|e| step_error(k, *uid, e))?;
                }
                Step::Replace { block, uid, stake } => {
                    harness.replace(*block, *uid, stake.0).map_err(|e| step_error(k, *uid, e))?;
                }
                Step::SetStake { uid, stake } => {
                    harness.set_stake(*uid, stake.0).map_err(|e| step_error(k, *uid, e))?
                }
                Step::ResetBonds { uid } => harness.reset_bonds(*uid).map_err(|e| step_error(k, *uid, e))?,
            }
        }
        Ok(records)
    }
}

/// Names the field of step `k` that the harness refused.
fn step_error(k: usize, uid: u16, error: HarnessError) -> ScenarioError {
    let field = match &error {
        HarnessError::UnknownUid { uid: bad, .. } if *bad == uid => "uid".to_string(),
        HarnessError::UnknownUid { .. } | HarnessError::DuplicateUid(_) => "dests".to_string(),
        HarnessError::LengthMismatch { .. } => "weights".to_string(),
        HarnessError::NegativeWeight(i) => format!("weights[{i}]"),
    };
    ScenarioError::at(format!("steps[{k}].{field}"), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> ScenarioError {
        Scenario::parse(json).and_then(|s| s.run().map(|_| s)).expect_err("scenario should be refused")
    }

    #[test]
    fn defaults_fill_missing_hyperparameters() {
        let s = Scenario::parse(r#"{"n":2,"stake":[1,0],"steps":[]}"#).unwrap();
        assert_eq!(s.params(), EpochParams::default());
        assert_eq!(s.emission, 1_000_000_000);
        assert_eq!(s.registered_block, 0);
    }

    #[test]
    fn errors_name_the_field() {
        let e = error(r#"{"n":2,"stake":[1,0],"hyperparameters":{"kappa":"high"},"steps":[]}"#);
        assert_eq!(e.field, "hyperparameters.kappa");
        let e = error(r#"{"n":2,"stake":[1,0],"hyperparameters":{"kapa":1},"steps":[]}"#);
        assert!(e.message.contains("unknown field `kapa`"), "{e}");
        let e = error(r#"{"n":2,"stake":[1,-1],"steps":[]}"#);
        assert_eq!(e.field, "stake[1]");
        let e = error(r#"{"n":2,"stake":[1],"steps":[]}"#);
        assert_eq!(e.field, "stake");
        let e = error(r#"{"n":2,"stake":[1,0],"steps":[{"op":"epoch","block":3},{"op":"fly","block":4}]}"#);
        assert_eq!(e.field, "steps[1].op");
        assert!(e.message.contains("unknown variant `fly`"), "{e}");
        let e = error(
            r#"{"n":2,"stake":[1,0],"steps":[{"op":"set_weights","block":1,"uid":0,"dests":[1,5],"weights":[1,1]}]}"#,
        );
        assert_eq!(e.field, "steps[0].dests");
        let e = error(
            r#"{"n":2,"stake":[1,0],"steps":[{"op":"set_weights","block":1,"uid":9,"dests":[1],"weights":[1]}]}"#,
        );
        assert_eq!(e.field, "steps[0].uid");
        let e = error(
            r#"{"n":2,"stake":[1,0],"steps":[{"op":"set_weights","block":1,"uid":0,"dests":[1],"weights":[1,2]}]}"#,
        );
        assert_eq!(e.field, "steps[0].weights");
        let e = error(r#"{"n":2,"stake":[1,0],"steps":[{"op":"epoch","block":3},{"op":"epoch","block":2}]}"#);
        assert_eq!(e.field, "steps[1].block");
        let e = error(r#"{"n":2,"stake":[1,0],"steps":[{"op":"epoch"}]}"#);
        assert_eq!(e.field, "steps[0]");
        assert!(e.message.contains("missing field `block`"), "{e}");
        let e = error(r#"{"n":2,"stake":[1,0],"hyperparameters":{"owner_uid":2},"steps":[]}"#);
        assert_eq!(e.field, "hyperparameters.owner_uid");
        let e = error("{\"n\":2,");
        assert_eq!(e.field, ".");
    }

    #[test]
    fn reset_bonds_only_with_bonds_reset_on() {
        let json = |on: bool| {
            format!(
                r#"{{"n":3,"tempo":1,"registered_block":1,"stake":[1,0,0],
                "hyperparameters":{{"max_allowed_validators":1,"yuma3":true,"bonds_reset":{on}}},
                "steps":[{{"op":"epoch","block":1}},
                         {{"op":"set_weights","block":2,"uid":0,"dests":[1,2],"weights":[1,1]}},
                         {{"op":"epoch","block":3}},
                         {{"op":"reset_bonds","uid":1}},
                         {{"op":"epoch","block":4}}]}}"#
            )
        };
        let with = Scenario::parse(&json(true)).unwrap().run().unwrap();
        let without = Scenario::parse(&json(false)).unwrap().run().unwrap();
        assert_eq!(with[1].bonds, without[1].bonds);
        assert_eq!(without[1].bonds[0].len(), 2);
        // The reset removed column 1 before the last epoch, so its bond restarts from zero.
        assert!(
            with[2].bonds[0][0].1 < without[2].bonds[0][0].1,
            "{:?} vs {:?}",
            with[2].bonds,
            without[2].bonds
        );
    }
}
