//! A train-subnet validator. Each window it takes the hash of the window's first block as
//! the shard seed, asks every serving miner for a gradient of its current model, judges
//! them (sync, copies, outliers, loss reductions), applies the mean of the accepted ones,
//! and serves the new model on its axon (`GetModel`) for miners to sync. Scores are
//! averaged per miner and set as weights every tempo. Prints one JSON line per window
//! with the held-out accuracy.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use bittensor::axon::HandlerError;
use bittensor::gate::MetagraphGate;
use bittensor::neuron::{shutdown_signal, Neuron, NeuronArgs};
use bittensor::primitives::{hex, BlockNumber, Uid};
use bittensor::weights::MovingScores;
use bittensor::{Axon, Caller, Dendrite, Target};
use clap::Parser;
use serde_json::json;
use train::scoring::{aggregate, Submission, Verdict, Window};
use train::synapse::{GetModel, Gradient};
use train::{Dataset, Model};

/// A train-subnet validator.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    neuron: NeuronArgs,
    /// Blocks per window.
    #[arg(long, default_value_t = 4)]
    window: u64,
    /// Step size of the shared model (and of the loss checks).
    #[arg(long, default_value_t = 0.5)]
    lr: f32,
    /// Gradient entries miners send.
    #[arg(long, default_value_t = 64)]
    top_k: u32,
    /// Seconds a miner has to answer.
    #[arg(long, default_value_t = 3.0)]
    timeout: f64,
    /// Weight of a new window in each miner's moving average.
    #[arg(long, default_value_t = 0.2)]
    alpha: f64,
    /// Blocks between weight settings (default: the subnet's tempo).
    #[arg(long)]
    weights_every: Option<u64>,
}

/// The model as served to miners.
type Shared = Arc<RwLock<(u64, Model)>>;

async fn serve_model(model: Shared, mut request: GetModel) -> Result<GetModel, HandlerError> {
    let (version, model) = &*model.read().unwrap_or_else(|e| e.into_inner());
    request.version = Some(*version);
    request.weights = Some(model.weights.clone());
    Ok(request)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bittensor::neuron::init_logging();
    anyhow::ensure!(args.window > 0 && args.top_k > 0, "--window and --top-k must be positive");
    let mut neuron = Neuron::start(args.neuron).await.context("starting the validator")?;
    let data = Dataset::digits();
    let shared: Shared = Arc::new(RwLock::new((0, Model::zeros(&data))));
    let gate = MetagraphGate::new(0);
    gate.update(&neuron.metagraph);
    let served = shared.clone();
    let axon = Axon::new(neuron.hotkey.clone())
        .attach(move |request: GetModel, _caller: Caller| serve_model(served.clone(), request))
        .blacklist({
            let gate = gate.clone();
            move |caller| gate.blacklist(caller)
        });
    let _axon = neuron.serve(axon).await.context("serving the model")?;
    let dendrite = Dendrite::new(neuron.hotkey.clone());
    let me = neuron.hotkey.account().to_ss58();
    let mut scores = MovingScores::new(args.alpha);
    // The first weights wait one interval, so that every miner has been scored a few times.
    let start = neuron.subtensor.current_block().await?;
    let (mut last_window, mut last_weights): (BlockNumber, BlockNumber) = (0, start);
    let accuracy = shared.read().unwrap_or_else(|e| e.into_inner()).1.accuracy(&data, &data.test);
    println!("{}", json!({ "event": "start", "version": 0, "accuracy": accuracy }));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    while let Some(block) = neuron.next_block(&mut shutdown).await {
        gate.update(&neuron.metagraph);
        if block >= last_window + args.window {
            last_window = block;
            let seed = match neuron.subtensor.block_hash(block).await {
                Ok(seed) => seed,
                Err(e) => {
                    tracing::warn!("window seed: {e}");
                    continue;
                }
            };
            let (version, model) = shared.read().unwrap_or_else(|e| e.into_inner()).clone();
            let request = Gradient {
                window: block,
                seed: hex::encode(&seed),
                validator: me.clone(),
                model_version: version,
                top_k: args.top_k,
                ..Gradient::default()
            };
            let peers = neuron.peers();
            let targets: Vec<Target> = peers.iter().map(|(_, t)| t.clone()).collect();
            let answers =
                dendrite.query(&targets, &request, Duration::from_secs_f64(args.timeout.max(0.001))).await;
            let submissions: Vec<Submission> = peers
                .iter()
                .zip(answers)
                .map(|(&(uid, _), a)| Submission {
                    uid,
                    registered: neuron
                        .metagraph
                        .block_at_registration
                        .get(usize::from(uid))
                        .copied()
                        .unwrap_or(0),
                    arrival: a.dendrite.process_time.unwrap_or(f64::MAX),
                    computed_on: a.synapse.computed_on,
                    gradient: if a.is_success() { a.output() } else { None },
                })
                .collect();
            let window = Window {
                data: &data,
                model: &model,
                version,
                seed: &seed,
                lr: args.lr,
                top_k: args.top_k as usize,
            };
            let verdicts = window.judge(&submissions);
            for (s, v) in submissions.iter().zip(&verdicts) {
                if let Some(hotkey) = neuron.metagraph.hotkeys.get(usize::from(s.uid)) {
                    scores.update(s.uid, *hotkey, v.score());
                }
            }
            let step = aggregate(model.weights.len(), args.top_k as usize, &submissions, &verdicts);
            let next = model.stepped(&step, args.lr);
            let accuracy = next.accuracy(&data, &data.test);
            *shared.write().unwrap_or_else(|e| e.into_inner()) = (version + 1, next);
            let report: Vec<serde_json::Value> = submissions
                .iter()
                .zip(&verdicts)
                .map(|(s, v)| match v {
                    Verdict::Accepted { own, random } => {
                        json!({ "uid": s.uid, "own": own, "random": random })
                    }
                    Verdict::Rejected(why) => json!({ "uid": s.uid, "rejected": format!("{why:?}") }),
                })
                .collect();
            println!(
                "{}",
                json!({ "event": "window", "block": block, "version": version + 1, "accuracy": accuracy, "gradients": report })
            );
        }
        let every = args.weights_every.unwrap_or(u64::from(neuron.metagraph.tempo).max(1));
        if block >= last_weights + every {
            let (uids, weights): (Vec<Uid>, Vec<f32>) = scores
                .iter()
                .filter(|&(uid, score)| uid != neuron.uid && score > 0.0)
                .map(|(uid, s)| (uid, s as f32))
                .unzip();
            let line = json!({ "event": "weights", "block": block, "uids": uids, "weights": weights });
            if !uids.is_empty() && neuron.spawn_set_weights(uids, weights) {
                last_weights = block;
                println!("{line}");
            }
        }
    }
    tracing::info!("validator stopped");
    Ok(())
}
