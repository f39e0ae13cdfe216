//! A bounded load generator: signs every request, queries an axon's `Dummy` route, and
//! prints one JSON line `{"ok", "errors", "rps", "p50_ms", "p99_ms"}`.
//!
//! ```sh
//! cargo run --release -p bittensor --example dendrite_bench -- --target 127.0.0.1:18092 --axon-hotkey 5F... --n 20000 --concurrency 32
//! ```
//!
//! By default every request goes through [`Dendrite::call`], signed when it is sent, so
//! the generator's own signing and HTTP client share the machine with the axon. With
//! `--presign` the generator measures the axon alone, as wrk-style tools do: it signs
//! every request first (one uuid per connection, nonces in sending order), then, on one
//! thread, sends the signed bytes over `--concurrency` keep-alive connections and checks
//! each answer's status and `output`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bittensor::dendrite::Target;
use bittensor::peer::Dummy;
use bittensor::Dendrite;
use bt_primitives::Keypair;
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
    /// Sign every request before the clock starts, then send them over raw keep-alive
    /// connections from one thread (the axon's cost alone). Nonces must still be fresh
    /// when the first request of each connection arrives: keep runs under ~10 s.
    #[arg(long)]
    presign: bool,
}

/// The `input` of request `i` and the `output` a correct axon returns for it.
fn input_of(i: u64) -> i64 {
    (i % 1000) as i64 + 20
}

const TIMEOUT: Duration = Duration::from_secs(12);

/// What one connection (or dendrite task) measured.
struct Tally {
    latencies_ms: Vec<f64>,
    errors: u64,
}

/// Sleeps until each next slot when pacing at a fixed rate.
struct Pacer {
    interval: Option<Duration>,
    next: Instant,
}

impl Pacer {
    fn new(args: &Args) -> Pacer {
        let interval =
            (args.rate > 0).then(|| Duration::from_secs_f64(args.concurrency as f64 / args.rate as f64));
        Pacer { interval, next: Instant::now() }
    }

    async fn wait(&mut self) {
        if let Some(interval) = self.interval {
            tokio::time::sleep_until(self.next.into()).await;
            self.next += interval;
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let target =
        Target { addr: args.target, hotkey: args.axon_hotkey.parse().map_err(|e| anyhow::anyhow!("{e}"))? };
    let dendrite = Arc::new(Dendrite::new(Keypair::from_uri("//bench-validator")?));
    let (tallies, elapsed) = if args.presign {
        let requests = presign(&dendrite, &target, &args)?;
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(send_raw(&args, requests))?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(through_dendrite(&args, dendrite, target))?
    };
    let mut latencies: Vec<f64> = tallies.iter().flat_map(|t| t.latencies_ms.iter().copied()).collect();
    let errors: u64 = tallies.iter().map(|t| t.errors).sum();
    let elapsed = elapsed.as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pick =
        |q: f64| latencies.get(((latencies.len().max(1) - 1) as f64 * q) as usize).copied().unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({
            "ok": latencies.len(), "errors": errors, "rps": latencies.len() as f64 / elapsed,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), "seconds": elapsed, "presigned": args.presign
        })
    );
    Ok(())
}

/// The requests of worker `worker`: `count` of them, starting at global index `first`.
fn share(args: &Args, worker: u64) -> (u64, u64) {
    let per_worker = args.n.div_ceil(args.concurrency);
    let first = worker * per_worker;
    (first, per_worker.min(args.n.saturating_sub(first)))
}

/// Every request through `Dendrite::call`, `concurrency` tasks at once.
async fn through_dendrite(
    args: &Args,
    dendrite: Arc<Dendrite>,
    target: Target,
) -> anyhow::Result<(Vec<Tally>, Duration)> {
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let (dendrite, target) = (dendrite.clone(), target.clone());
        let (first, count) = share(args, worker);
        let mut pacer = Pacer::new(args);
        workers.push(tokio::spawn(async move {
            let mut tally = Tally { latencies_ms: Vec::with_capacity(count as usize), errors: 0 };
            for i in first..first + count {
                pacer.wait().await;
                let input = input_of(i);
                let sent = Instant::now();
                let answer = dendrite.call(&target, Dummy { input, output: None }, TIMEOUT).await;
                if answer.is_success() && answer.synapse.output == Some(2 * input) {
                    tally.latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                } else {
                    tally.errors += 1;
                }
            }
            tally
        }));
    }
    let mut tallies = Vec::new();
    for worker in workers {
        tallies.push(worker.await?);
    }
    Ok((tallies, started.elapsed()))
}

/// One connection's signed requests, in sending order: (HTTP bytes, expected output).
type Signed = Vec<(Vec<u8>, i64)>;

/// Signs every request (on every core), one uuid per connection.
fn presign(dendrite: &Dendrite, target: &Target, args: &Args) -> anyhow::Result<Vec<Signed>> {
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let signed: Vec<anyhow::Result<Vec<(u64, Signed)>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for connection in (thread..args.concurrency).step_by(threads as usize) {
                        let uuid = format!("bench-{run:x}-{connection}");
                        let (first, count) = share(args, connection);
                        let mut requests = Vec::with_capacity(count as usize);
                        for i in first..first + count {
                            let input = input_of(i);
                            let request = dendrite
                                .sign_request(target, Dummy { input, output: None }, TIMEOUT, &uuid)
                                .map_err(anyhow::Error::msg)?;
                            requests.push((http_bytes(request), 2 * input));
                        }
                        out.push((connection, requests));
                    }
                    Ok(out)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(anyhow::anyhow!("signer panicked"))))
            .collect()
    });
    let mut connections = Vec::new();
    for part in signed {
        connections.extend(part?);
    }
    connections.sort_by_key(|(connection, _)| *connection);
    Ok(connections.into_iter().map(|(_, requests)| requests).collect())
}

/// A request as HTTP/1.1 bytes. A `Full` body yields its one frame at once, so it is
/// read without an executor.
fn http_bytes(request: hyper::Request<http_body_util::Full<bytes::Bytes>>) -> Vec<u8> {
    use http_body::Body;
    let (parts, mut body) = request.into_parts();
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let body = match std::pin::Pin::new(&mut body).poll_frame(&mut context) {
        std::task::Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => bytes::Bytes::new(),
    };
    let host = parts.uri.authority().map_or("", |a| a.as_str());
    let mut out = format!("POST {} HTTP/1.1\r\nhost: {host}\r\n", parts.uri.path()).into_bytes();
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

/// Sends each connection's signed requests one after another over its own keep-alive
/// connection, all connections at once on this thread.
async fn send_raw(args: &Args, connections: Vec<Signed>) -> anyhow::Result<(Vec<Tally>, Duration)> {
    let mut streams = Vec::new();
    for _ in &connections {
        let stream = tokio::net::TcpStream::connect(args.target).await?;
        stream.set_nodelay(true)?;
        streams.push(stream);
    }
    let started = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .zip(streams)
        .map(|(requests, stream)| {
            let pacer = Pacer::new(args);
            tokio::spawn(exchange_all(stream, requests, pacer))
        })
        .collect();
    let mut tallies = Vec::new();
    for task in tasks {
        tallies.push(task.await?);
    }
    Ok((tallies, started.elapsed()))
}

/// One connection's requests; an answer that is not a 200 with the right `output` is an
/// error, and a broken connection makes the rest of its requests errors.
async fn exchange_all(mut stream: tokio::net::TcpStream, requests: Signed, mut pacer: Pacer) -> Tally {
    let mut tally = Tally { latencies_ms: Vec::with_capacity(requests.len()), errors: 0 };
    let mut buffer = Vec::with_capacity(16 << 10);
    let total = requests.len() as u64;
    for (bytes, expected) in requests {
        pacer.wait().await;
        let sent = Instant::now();
        match exchange(&mut stream, &bytes, &mut buffer).await {
            Ok(Some(output)) if output == expected => {
                tally.latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0)
            }
            Ok(_) => tally.errors += 1,
            Err(_) => {
                tally.errors = total - tally.latencies_ms.len() as u64;
                break;
            }
        }
    }
    tally
}

/// Writes one request and reads its response: `Some(output)` for a 200 carrying one.
async fn exchange(
    stream: &mut tokio::net::TcpStream,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<i64>> {
    stream.write_all(request).await?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut response = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = response.parse(buffer).map_err(|_| bad("bad response"))? {
            let length = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
                .ok_or_else(|| bad("no content-length"))?;
            let status = response.code;
            while buffer.len() < head + length {
                read_more(stream, buffer).await?;
            }
            #[derive(serde::Deserialize)]
            struct Output {
                output: Option<i64>,
            }
            let output =
                serde_json::from_slice::<Output>(&buffer[head..head + length]).ok().and_then(|o| o.output);
            buffer.drain(..head + length);
            return Ok(output.filter(|_| status == Some(200)));
        }
        read_more(stream, buffer).await?;
    }
}

async fn read_more(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 16 << 10];
    let read = stream.read(&mut chunk).await?;
    if read == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}
