//! A bounded load generator: signs every request, queries an axon's `Dummy` route, and
//! prints one JSON line `{"ok", "errors", "rps", "p50_ms", "p99_ms"}`.
//!
//! ```sh
//! cargo run --release -p bittensor --example dendrite_bench -- --target 127.0.0.1:18092 --axon-hotkey 5F... --n 20000 --concurrency 32
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use bittensor::dendrite::Target;
use bittensor::peer::Dummy;
use bittensor::Dendrite;
use bt_primitives::Keypair;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The axon's address.
    #[arg(long)]
    target: std::net::SocketAddr,
    /// The axon's hotkey (SS58).
    #[arg(long)]
    axon_hotkey: String,
    /// Requests in all (at most 1 000 000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    n: u64,
    /// Requests in flight at once (at most 1024).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// Target request rate per second (0 = as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let target =
        Target { addr: args.target, hotkey: args.axon_hotkey.parse().map_err(|e| anyhow::anyhow!("{e}"))? };
    let dendrite = Arc::new(Dendrite::new(Keypair::from_uri("//bench-validator")?));
    let started = Instant::now();
    let per_worker = args.n.div_ceil(args.concurrency);
    let interval =
        (args.rate > 0).then(|| Duration::from_secs_f64(args.concurrency as f64 / args.rate as f64));
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let (dendrite, target) = (dendrite.clone(), target.clone());
        let count = per_worker.min(args.n.saturating_sub(worker * per_worker));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count as usize);
            let mut errors = 0u64;
            let mut next = Instant::now();
            for i in 0..count {
                if let Some(interval) = interval {
                    tokio::time::sleep_until(next.into()).await;
                    next += interval;
                }
                let input = (i % 1000) as i64 + 20;
                let sent = Instant::now();
                let answer =
                    dendrite.call(&target, Dummy { input, output: None }, Duration::from_secs(12)).await;
                if answer.is_success() && answer.synapse.output == Some(2 * input) {
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await?;
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pick =
        |q: f64| latencies.get(((latencies.len().max(1) - 1) as f64 * q) as usize).copied().unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({
            "ok": latencies.len(), "errors": errors, "rps": latencies.len() as f64 / elapsed,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), "seconds": elapsed
        })
    );
    Ok(())
}
