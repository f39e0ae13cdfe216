//! localnet: one command for a local Bittensor network. It starts a `subtensor --dev`
//! node (or uses `--network`), creates an example subnet (`forecast` or `train`), funds
//! and registers its validators and miners, stakes the validators, runs every neuron as
//! its own process, and prints the subnet after every epoch.

mod processes;
mod report;
mod setup;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bittensor::primitives::Keypair;
use bittensor::{Metagraph, Subtensor};
use clap::{Parser, ValueEnum};
use processes::Process;
use report::{Epoch, Report};
use setup::{Member, Role, SubnetSettings};

/// The example subnets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SubnetKind {
    /// Probabilistic price forecasts scored with CRPS.
    Forecast,
    /// Decentralised training by sharing gradients.
    Train,
}

impl SubnetKind {
    fn name(self) -> &'static str {
        match self {
            SubnetKind::Forecast => "forecast",
            SubnetKind::Train => "train",
        }
    }

    /// Every miner strategy its programs know.
    fn strategies(self) -> &'static [&'static str] {
        match self {
            SubnetKind::Forecast => &["gbm", "garch", "naive", "degenerate", "copier"],
            SubnetKind::Train => &["honest", "freerider", "copier", "poisoner"],
        }
    }

    /// Honest strategies first, then the adversaries; the copier copies the first miner.
    fn default_miners(self) -> Vec<String> {
        let names: &[&str] = match self {
            SubnetKind::Forecast => &["gbm", "garch", "naive", "gbm", "copier", "degenerate"],
            SubnetKind::Train => &["honest", "honest", "honest", "freerider", "copier", "poisoner"],
        };
        names.iter().map(|s| s.to_string()).collect()
    }
}

/// Runs a local Bittensor network with an example subnet, its miners and validators.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The subnet to run.
    #[arg(long, value_enum, default_value_t = SubnetKind::Forecast)]
    subnet: SubnetKind,
    /// Use this chain (ws://host:port) instead of starting a node; its sudo key must be
    /// the dev chain's //Alice.
    #[arg(long)]
    network: Option<String>,
    /// Stop after this many epochs (default: run until Ctrl-C).
    #[arg(long)]
    epochs: Option<usize>,
    /// After --epochs, leave the network running (for btcli) until Ctrl-C.
    #[arg(long)]
    keep_running: bool,
    /// Write the per-epoch results and the summary to this JSON file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Miner strategies, comma-separated (default: the subnet's honest strategies and
    /// adversaries).
    #[arg(long, value_delimiter = ',')]
    miners: Option<Vec<String>>,
    /// Number of validators.
    #[arg(long, default_value_t = 2)]
    validators: usize,
    /// Block time of the started node, milliseconds.
    #[arg(long, default_value_t = 250)]
    block_time_ms: u64,
    /// Blocks per epoch.
    #[arg(long, default_value_t = 20)]
    tempo: u16,
    /// New directory for the chain, wallets and logs (default: a new one under the
    /// system's temporary directory). An existing non-empty directory is refused.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Directory holding the subtensor, miner and validator binaries (default: next to
    /// this program, building them first when run through cargo).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

/// Everything started, in the order to stop it (neurons, then the node).
struct Network {
    neurons: Vec<Process>,
    node: Option<Process>,
}

impl Network {
    /// Ctrl-C to every process, neurons first; true when all exited cleanly.
    fn stop(&mut self) -> bool {
        self.neurons.iter_mut().for_each(Process::interrupt);
        let mut clean = true;
        for process in &mut self.neurons {
            if !process.wait_clean(Duration::from_secs(15)) {
                eprintln!("localnet: {} did not exit cleanly", process.name);
                clean = false;
            }
        }
        if let Some(node) = &mut self.node {
            node.interrupt();
            if !node.wait_clean(Duration::from_secs(15)) {
                eprintln!("localnet: the node did not exit cleanly");
                clean = false;
            }
        }
        clean
    }
}

/// Waits for the node to log its RPC address.
fn node_address(log: &Path, node: &mut Process) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(addr) = text.lines().find_map(|l| l.split("Running JSON-RPC server: addr=").nth(1)) {
            return Ok(format!("ws://{}", addr.trim()));
        }
        if let Some(status) = node.exited() {
            bail!("the node exited ({status}); see {}", log.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("the node did not start within 30 s; see {}", log.display())
}

fn write_json(path: &Path, report: &Report) -> anyhow::Result<()> {
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, serde_json::to_vec_pretty(report)?)
        .with_context(|| format!("writing {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("writing {}", path.display()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kind = args.subnet;
    let miners = args.miners.clone().unwrap_or_else(|| kind.default_miners());
    anyhow::ensure!(
        !miners.is_empty() && args.validators > 0,
        "at least one miner and one validator are needed"
    );
    anyhow::ensure!(args.tempo > 0 && args.block_time_ms > 0, "--tempo and --block-time-ms must be positive");
    if let Some(unknown) = miners.iter().find(|m| !kind.strategies().contains(&m.as_str())) {
        bail!(
            "unknown {} strategy {unknown:?}; expected one of {}",
            kind.name(),
            kind.strategies().join(", ")
        );
    }
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("bt-localnet-{}-{}", kind.name(), std::process::id()))
    });
    // Never reuse a directory: its wallets would be overwritten.
    if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!("{} is not empty; give --dir a new directory", dir.display());
    }
    for sub in ["logs", "wallets", "reveals"] {
        std::fs::create_dir_all(dir.join(sub)).with_context(|| format!("creating {}", dir.display()))?;
    }
    let (miner_bin, validator_bin) = (format!("{}-miner", kind.name()), format!("{}-validator", kind.name()));
    let mut needed = vec![miner_bin.as_str(), validator_bin.as_str()];
    if args.network.is_none() {
        needed.push("subtensor");
    }
    let bin_dir = processes::locate(args.bin_dir.as_deref(), &needed, &["bt-node", kind.name()])?;
    println!("localnet: subnet {}, working directory {}", kind.name(), dir.display());

    let mut network = Network { neurons: Vec::new(), node: None };
    let result = run(&args, kind, &miners, &dir, &bin_dir, &mut network).await;
    let clean = network.stop();
    let (mut report, interrupted) =
        result.with_context(|| format!("logs are in {}", dir.join("logs").display()))?;
    report.summary.clean_exit = Some(clean);
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    println!("{}", report::summary_table(&report.summary));
    println!(
        "localnet: {} ({})",
        if clean { "every process exited cleanly" } else { "some processes did not exit cleanly" },
        if interrupted { "interrupted" } else { "done" }
    );
    anyhow::ensure!(clean, "some processes did not exit cleanly; logs are in {}", dir.join("logs").display());
    Ok(())
}

/// Starts everything and follows the subnet until the epochs are done or Ctrl-C. Returns
/// the report and whether it was interrupted.
async fn run(
    args: &Args,
    kind: SubnetKind,
    miners: &[String],
    dir: &Path,
    bin_dir: &Path,
    network: &mut Network,
) -> anyhow::Result<(Report, bool)> {
    let logs = dir.join("logs");
    let endpoint = match &args.network {
        Some(endpoint) => endpoint.clone(),
        None => {
            let log = logs.join("subtensor.log");
            let node_args: Vec<String> = [
                "--dev",
                "--rpc-port",
                "0",
                "--block-time-ms",
                &args.block_time_ms.to_string(),
                "--base-path",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([dir.join("chain").display().to_string()])
            .collect();
            let mut node = Process::start("subtensor", &bin_dir.join("subtensor"), &node_args, &log)?;
            let endpoint = node_address(&log, &mut node)?;
            network.node = Some(node);
            endpoint
        }
    };
    println!("localnet: chain at {endpoint}");
    let subtensor = Subtensor::connect(Some(&endpoint)).await?.with_reveal_dir(dir.join("reveals"));
    let sudo = Keypair::from_uri("//Alice").map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut roster: Vec<(String, Role, String)> = (0..args.validators)
        .map(|i| (format!("validator{}", i + 1), Role::Validator, "validator".to_string()))
        .collect();
    roster.extend(
        miners.iter().enumerate().map(|(i, s)| (format!("miner{}-{s}", i + 1), Role::Miner, s.clone())),
    );
    let settings = SubnetSettings { tempo: args.tempo, commit_reveal: kind == SubnetKind::Forecast };
    let wallets = dir.join("wallets");
    let (netuid, members) = setup::create_subnet(&subtensor, &sudo, &wallets, &settings, &roster).await?;
    println!(
        "localnet: subnet {netuid} created with {} validators and {} miners",
        args.validators,
        miners.len()
    );

    let copy_target = members.iter().find(|m| m.role == Role::Miner).map(|m| m.hotkey.to_ss58());
    let common = |m: &Member| -> Vec<String> {
        let mut a: Vec<String> =
            vec!["--network".into(), endpoint.clone(), "--netuid".into(), netuid.to_string()];
        a.extend([
            "--wallet-path".into(),
            wallets.display().to_string(),
            "--wallet-name".into(),
            m.name.clone(),
        ]);
        a.extend(["--wallet-hotkey".into(), "default".into(), "--port".into(), "0".into()]);
        a.extend(["--reveal-dir".into(), dir.join("reveals").display().to_string()]);
        a
    };
    for m in members.iter().filter(|m| m.role == Role::Miner) {
        let mut a = common(m);
        a.extend(["--strategy".into(), m.strategy.clone()]);
        if m.strategy == "copier" {
            a.extend(["--copy-from".into(), copy_target.clone().unwrap_or_default()]);
        }
        let mut process = Process::start(
            &m.name,
            &bin_dir.join(format!("{}-miner", kind.name())),
            &a,
            &logs.join(format!("{}.log", m.name)),
        )?;
        process.first_json(Duration::from_secs(60))?;
        network.neurons.push(process);
    }
    let mut validator_lines = Vec::new();
    for m in members.iter().filter(|m| m.role == Role::Validator) {
        let process = Process::start(
            &m.name,
            &bin_dir.join(format!("{}-validator", kind.name())),
            &common(m),
            &logs.join(format!("{}.log", m.name)),
        )?;
        validator_lines.push(network.neurons.len());
        network.neurons.push(process);
    }
    println!("localnet: {} neurons running; logs in {}", network.neurons.len(), logs.display());

    let mut report = Report {
        subnet: kind.name().into(),
        netuid,
        epochs: Vec::new(),
        summary: report::summarize(&[], (None, None), None),
    };
    let (mut accuracy_start, mut accuracy) = (None, None);
    let mut last_epoch = Metagraph::sync(&subtensor, netuid, false).await?.epoch_index;
    let shutdown = bittensor::neuron::shutdown_signal();
    tokio::pin!(shutdown);
    let poll = Duration::from_millis((args.block_time_ms / 2).clamp(10, 500));
    let mut interrupted = false;
    loop {
        tokio::select! {
            biased;
            _ = &mut shutdown => { interrupted = true; break; }
            _ = tokio::time::sleep(poll) => {}
        }
        // The first validator's reports: the model's held-out accuracy (only train's
        // validators report one).
        if let Some(&first) = validator_lines.first() {
            while let Ok(line) = network.neurons[first].lines.try_recv() {
                let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
                if let Some(a) = event.get("accuracy").and_then(|a| a.as_f64()) {
                    accuracy_start = accuracy_start.or(Some(a));
                    accuracy = Some(a);
                }
            }
        }
        for process in &mut network.neurons {
            if let Some(status) = process.exited() {
                bail!("{} stopped unexpectedly ({status})", process.name);
            }
        }
        let metagraph = Metagraph::sync(&subtensor, netuid, false).await?;
        if metagraph.epoch_index > last_epoch {
            last_epoch = metagraph.epoch_index;
            let epoch: Epoch = report::snapshot(&metagraph, &members, accuracy);
            println!("{}", report::table(report.epochs.len() + 1, &epoch));
            report.epochs.push(epoch);
            report.summary = report::summarize(&report.epochs, (accuracy_start, accuracy), None);
            if let Some(path) = &args.json {
                write_json(path, &report)?;
            }
            if args.epochs.is_some_and(|n| report.epochs.len() >= n) {
                break;
            }
        }
    }
    if args.keep_running && !interrupted {
        println!("localnet: still running at {endpoint} (subnet {netuid}); wallets in {}", wallets.display());
        println!("localnet: try `btcli subnets metagraph --netuid {netuid} --network {endpoint}`; Ctrl-C stops everything");
        shutdown.await;
        interrupted = true;
    }
    report.summary = report::summarize(&report.epochs, (accuracy_start, accuracy), None);
    Ok((report, interrupted))
}
