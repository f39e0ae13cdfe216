//! A forecast-subnet miner: answers price-path prompts with the model chosen by
//! `--strategy`, or, as the `copier` adversary, forwards each prompt to another miner and
//! returns that miner's answer as its own.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use bittensor::axon::HandlerError;
use bittensor::gate::MetagraphGate;
use bittensor::neuron::{shutdown_signal, Neuron, NeuronArgs};
use bittensor::primitives::{hashing::blake2_256, AccountId};
use bittensor::{Axon, Caller, Dendrite, Target};
use clap::Parser;
use forecast::{Forecast, Strategy};
use rand::rngs::SmallRng;
use rand::SeedableRng;

/// A forecast-subnet miner.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    neuron: NeuronArgs,
    /// Model: naive, gbm, garch, degenerate; or copier (forwards to --copy-from).
    #[arg(long, default_value = "gbm")]
    strategy: String,
    /// For `--strategy copier`: the SS58 hotkey of the miner whose answers to copy.
    #[arg(long)]
    copy_from: Option<String>,
    /// Largest prompt served (paths × steps), so one request cannot exhaust the miner.
    #[arg(long, default_value_t = 1_000_000)]
    max_points: u64,
}

/// How this miner answers.
#[derive(Clone)]
enum Behaviour {
    Model(Strategy),
    Copier { dendrite: Arc<Dendrite>, target: Arc<RwLock<Option<Target>>> },
}

async fn answer(
    behaviour: Behaviour,
    hotkey: AccountId,
    max_points: u64,
    mut synapse: Forecast,
) -> Result<Forecast, HandlerError> {
    let points = u64::from(synapse.num_paths) * (u64::from(synapse.horizon) + 1);
    if points > max_points {
        return Err(format!("prompt of {points} points is over the limit of {max_points}").into());
    }
    match behaviour {
        Behaviour::Model(strategy) => {
            // One answer per prompt: the same prompt gets the same paths, whoever asks.
            let seed = blake2_256(&[hotkey.0.as_slice(), &synapse.start_block.to_le_bytes()].concat());
            let mut rng = SmallRng::from_seed(seed);
            let paths = strategy.forecast(
                &synapse.history,
                synapse.horizon as usize,
                synapse.num_paths as usize,
                &mut rng,
            );
            synapse.paths = Some(paths);
            Ok(synapse)
        }
        Behaviour::Copier { dendrite, target } => {
            let target = target.read().unwrap_or_else(|e| e.into_inner()).clone();
            let target = target.ok_or("the miner to copy is not serving")?;
            let copied = dendrite.call(&target, synapse.clone(), Duration::from_secs(5)).await;
            synapse.paths = copied.synapse.paths;
            Ok(synapse)
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bittensor::neuron::init_logging();
    let copy_from = match (&args.strategy[..], &args.copy_from) {
        ("copier", Some(ss58)) => {
            Some(AccountId::from_ss58(ss58).map_err(|e| anyhow::anyhow!("--copy-from: {e}"))?)
        }
        ("copier", None) => anyhow::bail!("--strategy copier needs --copy-from HOTKEY"),
        _ => None,
    };
    let model = match &copy_from {
        Some(_) => None,
        None => Some(args.strategy.parse::<Strategy>().map_err(|e| anyhow::anyhow!("--strategy: {e}"))?),
    };
    let mut neuron = Neuron::start(args.neuron).await.context("starting the miner")?;
    let copier_target = Arc::new(RwLock::new(None));
    let behaviour = match model {
        Some(strategy) => Behaviour::Model(strategy),
        None => Behaviour::Copier {
            dendrite: Arc::new(Dendrite::new(neuron.hotkey.clone())),
            target: copier_target.clone(),
        },
    };
    let gate = MetagraphGate::new(0);
    gate.update(&neuron.metagraph);
    let hotkey = neuron.hotkey.account();
    let max_points = args.max_points;
    let axon = Axon::new(neuron.hotkey.clone())
        .attach(move |synapse: Forecast, _caller: Caller| {
            answer(behaviour.clone(), hotkey, max_points, synapse)
        })
        .blacklist({
            let gate = gate.clone();
            move |caller| gate.blacklist(caller)
        })
        .priority({
            let gate = gate.clone();
            move |caller| gate.priority(caller)
        });
    let _axon = neuron.serve(axon).await.context("serving the axon")?;
    tracing::info!(uid = neuron.uid, strategy = %args.strategy, "miner serving");
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        if let Some(from) = &copy_from {
            *copier_target.write().unwrap_or_else(|e| e.into_inner()) = neuron.target_of(from);
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        match neuron.sync().await {
            Ok(()) => gate.update(&neuron.metagraph),
            Err(e) => tracing::warn!("metagraph sync failed: {e}"),
        }
    }
    tracing::info!("miner stopped");
    Ok(())
}
