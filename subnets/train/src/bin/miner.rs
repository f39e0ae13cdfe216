//! A train-subnet miner. `honest` syncs the asking validator's model from its axon,
//! computes the gradient on the shard the window's seed assigns to its uid and sends the
//! top-k entries. The adversaries: `freerider` sends random entries, `copier` forwards
//! the request to another miner and returns its gradient, `poisoner` sends an honest
//! gradient scaled up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use bittensor::axon::HandlerError;
use bittensor::gate::MetagraphGate;
use bittensor::neuron::{shutdown_signal, Neuron, NeuronArgs};
use bittensor::primitives::{hex, AccountId, Uid};
use bittensor::{Axon, Caller, Dendrite, Metagraph, Subtensor, Target};
use clap::{Parser, ValueEnum};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use train::data::shard_of;
use train::synapse::{GetModel, Gradient};
use train::{Dataset, Model, Sparse};

/// How the miner answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Strategy {
    /// The real gradient of the validator's model on the assigned shard.
    Honest,
    /// Random entries: no work done.
    Freerider,
    /// Another miner's gradient, fetched by forwarding the request.
    Copier,
    /// An honest gradient multiplied by `--poison-scale`.
    Poisoner,
}

/// A train-subnet miner.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    neuron: NeuronArgs,
    /// How to answer.
    #[arg(long, value_enum, default_value_t = Strategy::Honest)]
    strategy: Strategy,
    /// For `--strategy copier`: the SS58 hotkey of the miner to copy.
    #[arg(long)]
    copy_from: Option<String>,
    /// For `--strategy poisoner`: the factor applied to the gradient.
    #[arg(long, default_value_t = 25.0)]
    poison_scale: f32,
}

struct Miner {
    subtensor: Arc<Subtensor>,
    netuid: u16,
    strategy: Strategy,
    poison_scale: f32,
    uid: Uid,
    data: Dataset,
    dendrite: Dendrite,
    copy_from: Option<AccountId>,
    /// Axons of the subnet by hotkey, from the last metagraph sync.
    targets: RwLock<HashMap<AccountId, Target>>,
    /// The last model synced from each validator.
    models: Mutex<HashMap<AccountId, (u64, Arc<Model>)>>,
}

impl Miner {
    /// Where `hotkey`'s axon is, syncing the metagraph once if it is not known yet (a
    /// validator that started after this miner).
    async fn target(&self, hotkey: &AccountId) -> Result<Target, HandlerError> {
        let known =
            |miner: &Miner| miner.targets.read().unwrap_or_else(|e| e.into_inner()).get(hotkey).cloned();
        if let Some(target) = known(self) {
            return Ok(target);
        }
        self.update(&Metagraph::sync(&self.subtensor, self.netuid, false).await?);
        known(self).ok_or_else(|| format!("{hotkey} serves no axon").into())
    }

    /// The validator's model at `version`, fetched from its axon when the cached one is
    /// older.
    async fn model(&self, validator: &AccountId, version: u64) -> Result<(u64, Arc<Model>), HandlerError> {
        if let Some(cached) = self.models.lock().unwrap_or_else(|e| e.into_inner()).get(validator) {
            if cached.0 == version {
                return Ok(cached.clone());
            }
        }
        let answer = self
            .dendrite
            .call(&self.target(validator).await?, GetModel::default(), Duration::from_secs(5))
            .await;
        let (got, weights) = answer.output().ok_or("the validator did not send its model")?;
        let model =
            Model::from_weights(&self.data, weights).ok_or("the validator's model does not fit the data")?;
        let synced = (got, Arc::new(model));
        self.models.lock().unwrap_or_else(|e| e.into_inner()).insert(*validator, synced.clone());
        Ok(synced)
    }

    async fn answer(&self, mut request: Gradient) -> Result<Gradient, HandlerError> {
        let sparse = match self.strategy {
            Strategy::Copier => {
                let from = self.copy_from.ok_or("no miner to copy")?;
                let copied = self
                    .dendrite
                    .call(&self.target(&from).await?, request.clone(), Duration::from_secs(5))
                    .await;
                request.computed_on = copied.synapse.computed_on;
                copied.output().ok_or("the copied miner sent nothing")?
            }
            Strategy::Freerider => {
                request.computed_on = Some(request.model_version);
                random_entries(&request, self.data.classes * (self.data.features + 1))
            }
            Strategy::Honest | Strategy::Poisoner => {
                let validator =
                    AccountId::from_ss58(&request.validator).map_err(|e| format!("validator: {e}"))?;
                let seed = hex::decode32(&request.seed).map_err(|e| format!("seed: {e}"))?;
                let (version, model) = self.model(&validator, request.model_version).await?;
                let shard = &self.data.shards[shard_of(&seed, self.uid, b"train", self.data.shards.len())];
                let mut gradient = model.gradient(&self.data, shard);
                if self.strategy == Strategy::Poisoner {
                    gradient.iter_mut().for_each(|g| *g *= self.poison_scale);
                }
                request.computed_on = Some(version);
                Sparse::top_k(&gradient, request.top_k as usize)
            }
        };
        request.indices = Some(sparse.indices);
        request.values = Some(sparse.values);
        Ok(request)
    }

    fn update(&self, metagraph: &Metagraph) {
        let targets = metagraph
            .hotkeys
            .iter()
            .zip(&metagraph.axons)
            .filter_map(|(hotkey, axon)| Some((*hotkey, Target::from_axon(*hotkey, axon)?)))
            .collect();
        *self.targets.write().unwrap_or_else(|e| e.into_inner()) = targets;
    }
}

/// `top_k` random entries of a plausible size.
fn random_entries(request: &Gradient, len: usize) -> Sparse {
    let mut rng = SmallRng::seed_from_u64(request.window);
    let mut dense = vec![0.0f32; len];
    for _ in 0..(request.top_k as usize).min(len) {
        dense[rng.gen_range(0..len)] = rng.gen_range(-0.05..0.05);
    }
    Sparse::top_k(&dense, request.top_k as usize)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bittensor::neuron::init_logging();
    let copy_from = match (args.strategy, &args.copy_from) {
        (Strategy::Copier, None) => anyhow::bail!("--strategy copier needs --copy-from HOTKEY"),
        (_, Some(ss58)) => Some(AccountId::from_ss58(ss58).map_err(|e| anyhow::anyhow!("--copy-from: {e}"))?),
        (_, None) => None,
    };
    let mut neuron = Neuron::start(args.neuron).await.context("starting the miner")?;
    let miner = Arc::new(Miner {
        subtensor: neuron.subtensor.clone(),
        netuid: neuron.netuid,
        strategy: args.strategy,
        poison_scale: args.poison_scale,
        uid: neuron.uid,
        data: Dataset::digits(),
        dendrite: Dendrite::new(neuron.hotkey.clone()),
        copy_from,
        targets: RwLock::default(),
        models: Mutex::default(),
    });
    miner.update(&neuron.metagraph);
    let gate = MetagraphGate::new(0);
    gate.update(&neuron.metagraph);
    let handler = miner.clone();
    let axon = Axon::new(neuron.hotkey.clone())
        .attach(move |request: Gradient, _caller: Caller| {
            let miner = handler.clone();
            async move { miner.answer(request).await }
        })
        .blacklist({
            let gate = gate.clone();
            move |caller| gate.blacklist(caller)
        });
    let _axon = neuron.serve(axon).await.context("serving the axon")?;
    tracing::info!(uid = neuron.uid, strategy = ?args.strategy, "miner serving");
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        match neuron.sync().await {
            Ok(()) => {
                gate.update(&neuron.metagraph);
                miner.update(&neuron.metagraph);
            }
            Err(e) => tracing::warn!("metagraph sync failed: {e}"),
        }
    }
    tracing::info!("miner stopped");
    Ok(())
}
