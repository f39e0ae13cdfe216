//! A subnet reduced to what the epoch reads: the harness model of chain.md §3.0.
//!
//! It is the model the chain's own epoch tests set up, and what the `yuma` simulator
//! replays: a fixed set of uids, their stake, stored weights, bonds and permits, and the
//! operations `set_weights`, `replace`, `reset_bonds` and `epoch`.

use crate::epoch::{epoch, EpochInput, EpochOutput, EpochParams};
use crate::fixed::{I32F32, I64F64};
use crate::vector::vec_max_upscale_to_u16;

/// Why the harness refused an operation; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HarnessError {
    /// The uid is not below `n`.
    #[error("uid {uid} does not exist (n = {n})")]
    UnknownUid {
        /// The uid given.
        uid: u16,
        /// The subnet size.
        n: u16,
    },
    /// `dests` and `weights` differ in length.
    #[error("{dests} destinations but {weights} weights")]
    LengthMismatch {
        /// Number of destinations.
        dests: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A destination uid is listed twice.
    #[error("destination uid {0} is listed twice")]
    DuplicateUid(u16),
    /// A weight is negative.
    #[error("weight {0} is negative")]
    NegativeWeight(usize),
}

/// The state of one simulated subnet (one mechanism).
#[derive(Clone, Debug, PartialEq)]
pub struct Harness {
    /// Hyperparameters of every epoch.
    pub params: EpochParams,
    /// Emission per epoch, alpha rao.
    pub emission: u64,
    /// The owner's uid, exempt from the stake threshold and self-weight mask.
    pub owner_uid: Option<u16>,
    /// Whether `reset_bonds` has an effect (`BondsResetOn`).
    pub bonds_reset: bool,
    /// Stake per uid.
    pub stake: Vec<I64F64>,
    /// Block of each uid's last weight update.
    pub last_update: Vec<u64>,
    /// Registration block per uid.
    pub registered: Vec<u64>,
    /// Validator permits from the last epoch.
    pub permit: Vec<bool>,
    /// Stored weight rows.
    pub weights: Vec<Vec<(u16, u16)>>,
    /// Stored bond rows.
    pub bonds: Vec<Vec<(u16, u16)>>,
}

impl Harness {
    /// `stake.len()` uids, all registered (and last updated) at `registered_block`, with
    /// no permits, weights or bonds.
    pub fn new(stake: Vec<I64F64>, registered_block: u64, params: EpochParams) -> Self {
        let n = stake.len();
        Harness {
            params,
            emission: 1_000_000_000,
            owner_uid: None,
            bonds_reset: false,
            stake,
            last_update: vec![registered_block; n],
            registered: vec![registered_block; n],
            permit: vec![false; n],
            weights: vec![Vec::new(); n],
            bonds: vec![Vec::new(); n],
        }
    }

    /// Number of uids.
    pub fn n(&self) -> u16 {
        self.stake.len() as u16
    }

    fn check(&self, uid: u16) -> Result<usize, HarnessError> {
        if uid < self.n() {
            Ok(usize::from(uid))
        } else {
            Err(HarnessError::UnknownUid { uid, n: self.n() })
        }
    }

    /// `set_weights` at `block`: stores `vec_max_upscale_to_u16(weights)` against `dests`
    /// (zeros kept) and sets `last_update`.
    pub fn set_weights(
        &mut self,
        block: u64,
        uid: u16,
        dests: &[u16],
        weights: &[I32F32],
    ) -> Result<(), HarnessError> {
        let i = self.check(uid)?;
        if dests.len() != weights.len() {
            return Err(HarnessError::LengthMismatch { dests: dests.len(), weights: weights.len() });
        }
        for (k, &d) in dests.iter().enumerate() {
            self.check(d)?;
            if dests[..k].contains(&d) {
                return Err(HarnessError::DuplicateUid(d));
            }
        }
        if let Some(k) = weights.iter().position(|w| *w < I32F32::from_num(0)) {
            return Err(HarnessError::NegativeWeight(k));
        }
        self.weights[i] = dests.iter().copied().zip(vec_max_upscale_to_u16(weights)).collect();
        self.last_update[i] = block;
        Ok(())
    }

    /// A new hotkey takes `uid` at `block`: registration and last update move to `block`,
    /// its weights and bonds go, weights pointing at it become explicit zeros, it loses
    /// its permit and takes the new key's `stake`.
    pub fn replace(&mut self, block: u64, uid: u16, stake: I64F64) -> Result<(), HarnessError> {
        let i = self.check(uid)?;
        self.registered[i] = block;
        self.last_update[i] = block;
        self.weights[i].clear();
        for row in &mut self.weights {
            for entry in row.iter_mut().filter(|(j, _)| *j == uid) {
                entry.1 = 0;
            }
        }
        self.bonds[i].clear();
        self.permit[i] = false;
        self.stake[i] = stake;
        Ok(())
    }

    /// Sets a uid's stake.
    pub fn set_stake(&mut self, uid: u16, stake: I64F64) -> Result<(), HarnessError> {
        let i = self.check(uid)?;
        self.stake[i] = stake;
        Ok(())
    }

    /// Removes column `uid` from every bond row, when bond reset is on.
    pub fn reset_bonds(&mut self, uid: u16) -> Result<(), HarnessError> {
        self.check(uid)?;
        if self.bonds_reset {
            for row in &mut self.bonds {
                row.retain(|(j, _)| *j != uid);
            }
        }
        Ok(())
    }

    /// The epoch's input at `block`. The harness calls the epoch directly, as the chain's
    /// tests do, so there is no previous epoch block and no pending commit.
    pub fn epoch_input(&self, block: u64) -> EpochInput {
        EpochInput {
            n: self.n(),
            block,
            last_epoch_block: 0,
            stake: self.stake.clone(),
            last_update: self.last_update.clone(),
            block_at_registration: self.registered.clone(),
            validator_permit: self.permit.clone(),
            weights: self.weights.clone(),
            bonds: self.bonds.clone(),
            commit_blocks: Vec::new(),
            owner_uid: self.owner_uid,
            emission: self.emission,
            params: self.params.clone(),
        }
    }

    /// Runs an epoch at `block` and stores its permits and bonds.
    pub fn epoch(&mut self, block: u64) -> EpochOutput {
        let output = epoch(&self.epoch_input(block));
        self.permit.clone_from(&output.validator_permit);
        output.apply_bonds(&mut self.bonds);
        output
    }
}
