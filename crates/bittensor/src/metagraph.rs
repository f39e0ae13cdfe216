//! A subnet's state as miners and validators use it (wire.md §4): chain units and
//! normalised floats, with the Python SDK's short aliases.

use std::path::Path;

use bt_primitives::{AccountId, NetUid, RAO_PER_TAO};
use bt_runtime::neurons::Row;
use bt_runtime::views;
use serde::{Deserialize, Serialize};

use crate::subtensor::{ClientError, Subtensor};

/// A subnet's metagraph at one block: the chain's metagraph view (every per-uid vector by
/// uid, in chain units) with normalised accessors. Fields read through to the view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metagraph(pub views::Metagraph);

impl std::ops::Deref for Metagraph {
    type Target = views::Metagraph;

    fn deref(&self) -> &views::Metagraph {
        &self.0
    }
}

fn proportion(values: &[u16]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v) / f64::from(u16::MAX)).collect()
}

fn tao(values: &[u64]) -> Vec<f64> {
    values.iter().map(|&v| v as f64 / RAO_PER_TAO as f64).collect()
}

/// Dense `n × n` matrix from sparse rows, each row scaled by `scale(row)`.
fn dense(rows: &[Row], n: usize, scale: impl Fn(&Row) -> f64) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|row| {
            let mut out = vec![0.0; n];
            let factor = scale(row);
            for &(uid, value) in row {
                if let Some(cell) = out.get_mut(usize::from(uid)) {
                    *cell = f64::from(value) * factor;
                }
            }
            out
        })
        .collect()
}

#[allow(non_snake_case)] // the Python SDK's short aliases
impl Metagraph {
    /// Fetches the metagraph of `netuid` in one RPC, with weight and bond rows when
    /// `with_weights`.
    pub async fn sync(
        subtensor: &Subtensor,
        netuid: NetUid,
        with_weights: bool,
    ) -> Result<Metagraph, ClientError> {
        Ok(Metagraph(subtensor.metagraph_view(netuid, with_weights).await?))
    }

    /// Number of uids.
    pub fn n(&self) -> u16 {
        self.hotkeys.len() as u16
    }

    /// `0..n`.
    pub fn uids(&self) -> Vec<u16> {
        (0..self.n()).collect()
    }

    /// Stake weight per uid in TAO (`S`).
    pub fn stake(&self) -> Vec<f64> {
        tao(&self.total_stake)
    }

    /// `stake()`.
    pub fn S(&self) -> Vec<f64> {
        self.stake()
    }

    /// Alpha stake per uid in alpha (`AS`).
    pub fn AS(&self) -> Vec<f64> {
        tao(&self.alpha_stake)
    }

    /// Root stake per uid in TAO (`TS`).
    pub fn TS(&self) -> Vec<f64> {
        tao(&self.tao_stake)
    }

    /// Incentive per uid in [0, 1] (`I`).
    pub fn I(&self) -> Vec<f64> {
        proportion(&self.incentive)
    }

    /// Dividends per uid in [0, 1] (`D`).
    pub fn D(&self) -> Vec<f64> {
        proportion(&self.dividends)
    }

    /// Consensus per uid in [0, 1] (`C`).
    pub fn C(&self) -> Vec<f64> {
        proportion(&self.consensus)
    }

    /// Validator trust per uid in [0, 1] (`Tv`).
    pub fn Tv(&self) -> Vec<f64> {
        proportion(&self.validator_trust)
    }

    /// Emission per uid in alpha (`E`).
    pub fn E(&self) -> Vec<f64> {
        tao(&self.emission)
    }

    /// Weights as an `n × n` matrix, each row normalised to sum 1 (`W`); empty unless
    /// synced with weights.
    pub fn W(&self) -> Vec<Vec<f64>> {
        let rows = self.weights.as_deref().unwrap_or_default();
        dense(rows, usize::from(self.n()), |row| {
            let sum: f64 = row.iter().map(|&(_, v)| f64::from(v)).sum();
            if sum > 0.0 {
                1.0 / sum
            } else {
                0.0
            }
        })
    }

    /// Bonds as an `n × n` matrix of proportions in [0, 1] (`B`); empty unless synced
    /// with weights.
    pub fn B(&self) -> Vec<Vec<f64>> {
        dense(self.bonds.as_deref().unwrap_or_default(), usize::from(self.n()), |_| 1.0 / f64::from(u16::MAX))
    }

    /// The uid of `hotkey`, if registered.
    pub fn uid_of(&self, hotkey: &AccountId) -> Option<u16> {
        self.hotkeys.iter().position(|h| h == hotkey).map(|uid| uid as u16)
    }

    /// Writes the metagraph as JSON.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }

    /// Reads a metagraph written by [`Metagraph::save`].
    pub fn load(path: &Path) -> std::io::Result<Metagraph> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}
