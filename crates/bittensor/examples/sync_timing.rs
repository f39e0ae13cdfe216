//! Times `Metagraph::sync` against a running node.
//!
//! ```sh
//! cargo run --release -p bittensor --example sync_timing -- ws://127.0.0.1:9944 1 200
//! ```

use std::time::Instant;

use bittensor::{Metagraph, Subtensor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).map_or("ws://127.0.0.1:9944", String::as_str);
    let netuid: u16 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let count: usize = args.get(3).map_or(Ok(200), |s| s.parse())?.clamp(1, 10_000);
    let subtensor = Subtensor::connect(Some(url)).await?;
    for with_weights in [false, true] {
        let mut times = Vec::with_capacity(count);
        let mut n = 0;
        for _ in 0..count {
            let started = Instant::now();
            n = Metagraph::sync(&subtensor, netuid, with_weights).await?.n();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let pick = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "Metagraph::sync(netuid {netuid}, {n} uids, weights: {with_weights}): median {:.2} ms, p99 {:.2} ms, max {:.2} ms over {count}",
            pick(0.5),
            pick(0.99),
            pick(1.0)
        );
    }
    Ok(())
}
