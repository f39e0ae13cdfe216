//! A forecast-subnet validator: runs the hidden price process, prompts every serving
//! miner for sample paths, scores them with CRPS once the horizon has passed, keeps a
//! moving average per miner and sets softmax weights (with commit-reveal when the subnet
//! has it on). Prints one JSON line per scored prompt and per weight setting.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bittensor::neuron::{shutdown_signal, Neuron, NeuronArgs};
use bittensor::primitives::{BlockNumber, Uid};
use bittensor::weights::MovingScores;
use bittensor::{Dendrite, Target};
use clap::Parser;
use forecast::scoring::{self, Answer};
use forecast::{Forecast, Market};
use tokio::task::JoinHandle;

/// A forecast-subnet validator.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    neuron: NeuronArgs,
    /// Seed of the hidden price process (validators sharing it see the same market).
    #[arg(long, default_value_t = 1)]
    market_seed: u64,
    /// Blocks between prompts.
    #[arg(long, default_value_t = 3)]
    prompt_every: u64,
    /// Blocks each prompt looks ahead.
    #[arg(long, default_value_t = 12)]
    horizon: u32,
    /// Sample paths asked for.
    #[arg(long, default_value_t = 100)]
    paths: u32,
    /// Prices of history shown with a prompt.
    #[arg(long, default_value_t = 64)]
    history: usize,
    /// Seconds a miner has to answer; later answers are scored as missing.
    #[arg(long, default_value_t = 2.0)]
    timeout: f64,
    /// Weight of a new prompt in each miner's moving average.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// Sharpness of the softmax from scores to weights.
    #[arg(long, default_value_t = 5.0)]
    beta: f64,
    /// Blocks between weight settings (default: the subnet's tempo).
    #[arg(long)]
    weights_every: Option<u64>,
}

/// A prompt sent and waiting for its horizon.
struct Pending {
    prompt: Forecast,
    replies: JoinHandle<Vec<Answer>>,
}

fn send_prompt(
    dendrite: &Arc<Dendrite>,
    peers: Vec<(Uid, u64, Target)>,
    prompt: Forecast,
    timeout: Duration,
) -> Pending {
    let dendrite = dendrite.clone();
    let synapse = prompt.clone();
    let replies = tokio::spawn(async move {
        let targets: Vec<Target> = peers.iter().map(|(_, _, t)| t.clone()).collect();
        let answers = dendrite.query(&targets, &synapse, timeout).await;
        peers
            .iter()
            .zip(answers)
            .map(|(&(uid, registered, _), a)| Answer {
                uid,
                registered,
                arrival: a.dendrite.process_time.unwrap_or(f64::MAX),
                paths: if a.is_success() { a.synapse.paths } else { None },
            })
            .collect()
    });
    Pending { prompt, replies }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bittensor::neuron::init_logging();
    anyhow::ensure!(
        args.horizon > 0 && args.paths > 0 && args.prompt_every > 0,
        "--horizon, --paths and --prompt-every must be positive"
    );
    let mut neuron = Neuron::start(args.neuron).await.context("starting the validator")?;
    let dendrite = Arc::new(Dendrite::new(neuron.hotkey.clone()));
    let mut market = Market::new(args.market_seed);
    let mut scores = MovingScores::new(args.alpha);
    let mut pending: Vec<Pending> = Vec::new();
    // The first weights wait one interval, so that every miner has been scored a few times.
    let start = neuron.subtensor.current_block().await?;
    let (mut last_prompt, mut last_weights): (BlockNumber, BlockNumber) = (0, start);
    let timeout = Duration::from_secs_f64(args.timeout.max(0.001));
    tracing::info!(uid = neuron.uid, "validator running");
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    while let Some(block) = neuron.next_block(&mut shutdown).await {
        if block >= last_prompt + args.prompt_every {
            last_prompt = block;
            let prompt = Forecast {
                start_block: block,
                history: market.history(block, args.history),
                horizon: args.horizon,
                num_paths: args.paths,
                paths: None,
            };
            let registered = &neuron.metagraph.block_at_registration;
            let peers = neuron
                .peers()
                .into_iter()
                .map(|(uid, t)| (uid, registered.get(usize::from(uid)).copied().unwrap_or(0), t))
                .collect();
            pending.push(send_prompt(&dendrite, peers, prompt, timeout));
        }
        // Score every prompt whose horizon has passed.
        let (due, waiting): (Vec<Pending>, Vec<Pending>) =
            pending.into_iter().partition(|p| block >= p.prompt.start_block + u64::from(p.prompt.horizon));
        pending = waiting;
        for Pending { prompt, replies } in due {
            let answers = replies.await.unwrap_or_default();
            let realised = market.path(prompt.start_block, prompt.horizon);
            let scored = scoring::score_prompt(&prompt, &answers, &realised);
            for &(uid, ratio, _) in &scored {
                if let Some(hotkey) = neuron.metagraph.hotkeys.get(usize::from(uid)) {
                    scores.update(uid, *hotkey, ratio);
                }
            }
            let report: Vec<serde_json::Value> = scored
                .iter()
                .map(|(uid, ratio, why)| serde_json::json!({ "uid": uid, "ratio": ratio, "invalid": why.as_ref().map(|w| format!("{w:?}")) }))
                .collect();
            println!(
                "{}",
                serde_json::json!({ "event": "scores", "block": prompt.start_block, "scores": report })
            );
        }
        let every = args.weights_every.unwrap_or(u64::from(neuron.metagraph.tempo).max(1));
        if block >= last_weights + every && scores.iter().next().is_some() {
            let ratios: Vec<(Uid, f64)> = scores.iter().filter(|&(uid, _)| uid != neuron.uid).collect();
            let (uids, weights) = scoring::softmax_weights(&ratios, args.beta);
            let line =
                serde_json::json!({ "event": "weights", "block": block, "uids": uids, "weights": weights });
            if neuron.spawn_set_weights(uids, weights) {
                last_weights = block;
                println!("{line}");
            }
        }
    }
    tracing::info!("validator stopped");
    Ok(())
}
