//! Results: one snapshot of the subnet per epoch, the live table, and the JSON report
//! with its summary.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;

use bittensor::primitives::RAO_PER_TAO;
use bittensor::Metagraph;

use crate::setup::Member;

/// One neuron after an epoch.
#[derive(Debug, Clone, Serialize)]
pub struct NeuronRow {
    /// Uid.
    pub uid: u16,
    /// SS58 hotkey.
    pub hotkey: String,
    /// owner, validator or miner.
    pub role: &'static str,
    /// Strategy or adversary name.
    pub strategy: String,
    /// Incentive in [0, 1].
    pub incentive: f64,
    /// Dividends in [0, 1].
    pub dividends: f64,
    /// Emission of the epoch, TAO.
    pub emission: f64,
    /// Stake, TAO.
    pub stake: f64,
}

/// The subnet after one epoch.
#[derive(Debug, Clone, Serialize)]
pub struct Epoch {
    /// The block the snapshot was read at.
    pub block: u64,
    /// Every neuron.
    pub neurons: Vec<NeuronRow>,
    /// Held-out accuracy of the first validator's model (train only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Epochs seen.
    pub epochs: usize,
    /// Every neuron over the run: incentive and dividends are means over the second half
    /// of the epochs, emission is the total, stake the last value.
    pub neurons: Vec<NeuronRow>,
    /// Miner strategies from the highest incentive to the lowest.
    pub ranking: Vec<String>,
    /// Held-out accuracy before training (train only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_start: Option<f64>,
    /// Held-out accuracy at the end (train only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_end: Option<f64>,
    /// Whether every process exited by itself with status 0 (unknown while running).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clean_exit: Option<bool>,
}

/// The `--json` file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The subnet's name.
    pub subnet: String,
    /// Its netuid.
    pub netuid: u16,
    /// One entry per epoch.
    pub epochs: Vec<Epoch>,
    /// Over the run.
    pub summary: Summary,
}

fn tao(rao: u64) -> f64 {
    rao as f64 / RAO_PER_TAO as f64
}

/// The subnet as `metagraph` shows it, labelled with `members`.
pub fn snapshot(metagraph: &Metagraph, members: &[Member], accuracy: Option<f64>) -> Epoch {
    let unit = |v: Option<&u16>| f64::from(v.copied().unwrap_or(0)) / f64::from(u16::MAX);
    let neurons = members
        .iter()
        .map(|m| {
            let uid = usize::from(m.uid);
            NeuronRow {
                uid: m.uid,
                hotkey: m.hotkey.to_ss58(),
                role: m.role.name(),
                strategy: m.strategy.clone(),
                incentive: unit(metagraph.incentive.get(uid)),
                dividends: unit(metagraph.dividends.get(uid)),
                emission: tao(metagraph.emission.get(uid).copied().unwrap_or(0)),
                stake: tao(metagraph.total_stake.get(uid).copied().unwrap_or(0)),
            }
        })
        .collect();
    Epoch { block: metagraph.block, neurons, accuracy }
}

/// `rows` as a table under `header`.
fn rows_table(header: [&str; 7], rows: &[NeuronRow]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(header);
    for n in rows {
        table.add_row([
            n.uid.to_string(),
            n.role.to_string(),
            n.strategy.clone(),
            format!("{:.4}", n.incentive),
            format!("{:.4}", n.dividends),
            format!("{:.4}", n.emission),
            format!("{:.2}", n.stake),
        ]);
    }
    table
}

/// The live table for one epoch.
pub fn table(index: usize, epoch: &Epoch) -> String {
    let header = ["uid", "role", "strategy", "incentive", "dividends", "emission τ", "stake τ"];
    let table = rows_table(header, &epoch.neurons);
    let accuracy =
        epoch.accuracy.map(|a| format!(", held-out accuracy {:.1} %", 100.0 * a)).unwrap_or_default();
    format!("epoch {index} (block {}{accuracy})\n{table}", epoch.block)
}

/// Averages over the second half of `epochs` (incentive, dividends), totals (emission)
/// and the last values (stake).
pub fn summarize(
    epochs: &[Epoch],
    accuracy: (Option<f64>, Option<f64>),
    clean_exit: Option<bool>,
) -> Summary {
    let late = &epochs[epochs.len() / 2..];
    let mut neurons: Vec<NeuronRow> = epochs
        .last()
        .map(|last| {
            last.neurons
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let mean = |f: fn(&NeuronRow) -> f64| {
                        late.iter().filter_map(|e| e.neurons.get(i)).map(f).sum::<f64>()
                            / late.len().max(1) as f64
                    };
                    NeuronRow {
                        uid: n.uid,
                        hotkey: n.hotkey.clone(),
                        role: n.role,
                        strategy: n.strategy.clone(),
                        incentive: mean(|r| r.incentive),
                        dividends: mean(|r| r.dividends),
                        emission: epochs.iter().filter_map(|e| e.neurons.get(i)).map(|r| r.emission).sum(),
                        stake: n.stake,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut miners: Vec<&NeuronRow> = neurons.iter().filter(|n| n.role == "miner").collect();
    miners.sort_by(|a, b| b.incentive.total_cmp(&a.incentive));
    let ranking = miners.iter().map(|n| n.strategy.clone()).collect();
    neurons.sort_by_key(|n| n.uid);
    Summary {
        epochs: epochs.len(),
        neurons,
        ranking,
        accuracy_start: accuracy.0,
        accuracy_end: accuracy.1,
        clean_exit,
    }
}

/// The summary as a table.
pub fn summary_table(summary: &Summary) -> String {
    let header = [
        "uid",
        "role",
        "strategy",
        "incentive (late mean)",
        "dividends (late mean)",
        "emission τ (total)",
        "stake τ",
    ];
    let table = rows_table(header, &summary.neurons);
    let mut text = format!(
        "summary over {} epochs\n{table}\nminers by incentive: {}",
        summary.epochs,
        summary.ranking.join(" > ")
    );
    if let (Some(start), Some(end)) = (summary.accuracy_start, summary.accuracy_end) {
        text.push_str(&format!("\nheld-out accuracy: {:.1} % -> {:.1} %", 100.0 * start, 100.0 * end));
    }
    text
}
