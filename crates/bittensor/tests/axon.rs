//! Rust dendrite against Rust axon on loopback: every outcome of wire.md §1.7, hostile
//! input, and a round over 256 axons.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bittensor::axon::{AxonConfig, HandlerError};
use bittensor::dendrite::Target;
use bittensor::peer::{Dummy, Slow, Tokens, Unknown};
use bittensor::synapse::{body_hash, request_message, Ping};
use bittensor::{Axon, Caller, Dendrite};
use bt_primitives::{hex, Keypair};

async fn double(mut synapse: Dummy, caller: Caller) -> Result<Dummy, HandlerError> {
    if synapse.input == 13 {
        return Err(format!("unlucky input from {}", caller.hotkey).into());
    }
    synapse.output = Some(2 * synapse.input);
    Ok(synapse)
}

async fn slow(synapse: Slow, _: Caller) -> Result<Slow, HandlerError> {
    tokio::time::sleep(Duration::from_secs_f64(synapse.delay)).await;
    Ok(synapse)
}

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// One raw HTTP POST; returns the status and body.
fn raw(addr: SocketAddr, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

/// Headers of a correctly signed `Dummy` request.
fn signed_headers(
    signer: &Keypair,
    axon: &Keypair,
    input: i64,
    nonce: u64,
    uuid: &str,
) -> Vec<(&'static str, String)> {
    let hash = body_hash(&Dummy { input, output: None });
    let me = signer.account().to_ss58();
    let message = request_message(nonce, &me, &axon.account().to_ss58(), uuid, &hash);
    vec![
        ("bt_header_dendrite_hotkey", me),
        ("bt_header_dendrite_nonce", nonce.to_string()),
        ("bt_header_dendrite_uuid", uuid.to_string()),
        ("bt_header_dendrite_version", "10005000".to_string()),
        ("bt_header_dendrite_signature", hex::encode(&signer.sign(message.as_bytes()).0)),
        ("computed_body_hash", hash),
    ]
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn every_outcome_reaches_the_dendrite_as_the_python_sdk_reports_it() {
    let axon_key = Keypair::from_uri("//miner").unwrap();
    let banned = Keypair::from_uri("//banned").unwrap();
    let banned_account = banned.account();
    let axon = Axon::new(axon_key.clone())
        .attach(double)
        .attach(slow)
        .blacklist(move |caller: &Caller| {
            (caller.hotkey == banned_account).then(|| "not a validator".to_string())
        })
        .serve(local())
        .await
        .unwrap();
    let target = Target { addr: axon.addr, hotkey: axon_key.account() };
    let dendrite = Dendrite::new(Keypair::from_uri("//validator").unwrap());
    let timeout = Duration::from_secs(5);

    let answer = dendrite.call(&target, Dummy { input: 21, output: None }, timeout).await;
    assert!(answer.is_success(), "{:?}", answer.axon);
    assert_eq!(answer.axon.status_message.as_deref(), Some("Success"));
    assert!(answer.axon.process_time.is_some() && answer.dendrite.process_time.is_some());
    assert_eq!(answer.output(), Some(42));

    assert_eq!(dendrite.call(&target, Ping {}, timeout).await.status_code(), 200);
    let unknown = dendrite.call(&target, Unknown {}, timeout).await;
    assert_eq!(unknown.status_code(), 404);
    assert!(unknown.axon.status_message.unwrap().contains("Synapse name 'Unknown' not found"));
    let failing = dendrite.call(&target, Dummy { input: 13, output: None }, timeout).await;
    assert_eq!(failing.status_code(), 500);
    assert!(failing.axon.status_message.unwrap().starts_with("Internal Server Error #"));
    let late = dendrite.call(&target, Slow { delay: 2.0, done: false }, Duration::from_millis(200)).await;
    assert_eq!(late.status_code(), 408);
    let blocked = Dendrite::new(banned).call(&target, Dummy { input: 1, output: None }, timeout).await;
    assert_eq!(blocked.status_code(), 403);
    assert_eq!(
        blocked.axon.status_message.as_deref(),
        Some("Forbidden. Key is blacklisted: not a validator.")
    );
    let wrong_target =
        Target { addr: axon.addr, hotkey: Keypair::from_uri("//someone-else").unwrap().account() };
    let mismatch = dendrite.call(&wrong_target, Dummy { input: 1, output: None }, timeout).await;
    assert_eq!(mismatch.status_code(), 401);
    assert!(mismatch.axon.status_message.unwrap().contains("Signature mismatch"));
    let closed = Target { addr: "127.0.0.1:9".parse().unwrap(), hotkey: axon_key.account() };
    assert_eq!(dendrite.call(&closed, Dummy::default(), timeout).await.status_code(), 503);
    let metrics = axon.metrics();
    assert!(metrics.contains("axon_responses_total{route=\"Dummy\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("axon_responses_total{route=\"unknown\",status=\"404\"} 1"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_requests_are_refused_and_nothing_breaks() {
    let axon_key = Keypair::from_uri("//miner").unwrap();
    let config = AxonConfig { max_body_bytes: 1 << 20, ..AxonConfig::default() };
    let axon = Axon::new(axon_key.clone()).with_config(config).attach(double).serve(local()).await.unwrap();
    let addr = axon.addr;
    let signer = Keypair::from_uri("//validator").unwrap();
    let body = serde_json::to_vec(&Dummy { input: 4, output: None }).unwrap();
    tokio::task::spawn_blocking(move || {
        // A valid request, then the same bytes again: a replayed nonce.
        let headers = signed_headers(&signer, &axon_key, 4, now_ns(), "uuid-1");
        let (status, text) = raw(addr, "/Dummy", &headers, &body);
        assert_eq!(status, 200, "{text}");
        assert!(text.contains("\"output\":8"));
        let (head, json) = text.split_once("\r\n\r\n").unwrap();
        let length = format!("content-length: {}", json.len());
        assert!(head.to_ascii_lowercase().contains(&length), "a whole body, as Python sends it: {head}");
        let (status, text) = raw(addr, "/Dummy", &headers, &body);
        assert_eq!(status, 401);
        assert!(text.contains("a newer one was last processed"), "{text}");
        // A nonce from a minute ago on a new uuid: too old.
        let stale = signed_headers(&signer, &axon_key, 4, now_ns() - 60_000_000_000, "uuid-2");
        let (status, text) = raw(addr, "/Dummy", &stale, &body);
        assert_eq!(status, 401);
        assert!(text.contains("Nonce is too old"), "{text}");
        // Missing pieces and junk.
        let mut no_nonce = signed_headers(&signer, &axon_key, 4, now_ns(), "uuid-3");
        no_nonce.retain(|(name, _)| *name != "bt_header_dendrite_nonce");
        assert!(raw(addr, "/Dummy", &no_nonce, &body).1.contains("Missing Nonce"));
        let mut junk = signed_headers(&signer, &axon_key, 4, now_ns(), "uuid-4");
        junk.iter_mut()
            .filter(|(name, _)| *name == "bt_header_dendrite_signature")
            .for_each(|h| h.1 = "0xzz".into());
        assert_eq!(raw(addr, "/Dummy", &junk, &body).0, 401);
        let unsigned = [("bt_header_dendrite_hotkey", "not-an-address".to_string())];
        assert_eq!(raw(addr, "/Dummy", &unsigned, &body).0, 401);
        // A body that does not match the signed hash.
        let other = serde_json::to_vec(&Dummy { input: 5, output: None }).unwrap();
        let headers = signed_headers(&signer, &axon_key, 4, now_ns(), "uuid-5");
        assert_eq!(raw(addr, "/Dummy", &headers, &other).0, 500);
        // Over the body limit.
        let huge = vec![b' '; 2 << 20];
        let headers = signed_headers(&signer, &axon_key, 4, now_ns(), "uuid-6");
        assert_eq!(raw(addr, "/Dummy", &headers, &huge).0, 413);
        // Every error is JSON with a message.
        let (_, text) = raw(addr, "/Nope", &[], b"{}");
        assert!(text.contains("application/json") && text.contains("\"message\""), "{text}");
    })
    .await
    .unwrap();
    let dendrite = Dendrite::new(Keypair::from_uri("//validator2").unwrap());
    let target = Target { addr, hotkey: Keypair::from_uri("//miner").unwrap().account() };
    assert!(dendrite
        .call(&target, Dummy { input: 2, output: None }, Duration::from_secs(5))
        .await
        .is_success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_from_an_unregistered_hotkey_does_not_starve_a_validator() {
    let axon_key = Keypair::from_uri("//miner").unwrap();
    let validator = Keypair::from_uri("//validator").unwrap();
    let registered = validator.account();
    let axon = Axon::new(axon_key.clone())
        .attach(double)
        .blacklist(move |caller: &Caller| (caller.hotkey != registered).then(|| "not registered".into()))
        .serve(local())
        .await
        .unwrap();
    let target = Target { addr: axon.addr, hotkey: axon_key.account() };
    let attacker = Arc::new(Dendrite::new(Keypair::from_uri("//attacker").unwrap()));
    let flood: Vec<_> = (0..16)
        .map(|_| {
            let (attacker, target) = (attacker.clone(), target.clone());
            tokio::spawn(async move {
                let mut refused = 0;
                for i in 0..50 {
                    let answer = attacker
                        .call(&target, Dummy { input: i, output: None }, Duration::from_secs(5))
                        .await;
                    refused += usize::from(answer.status_code() == 403);
                }
                refused
            })
        })
        .collect();
    let dendrite = Dendrite::new(validator);
    for i in 20..120 {
        let answer = dendrite.call(&target, Dummy { input: i, output: None }, Duration::from_secs(5)).await;
        assert!(answer.is_success(), "validator request {i}: {:?}", answer.axon);
    }
    let mut refused = 0;
    for task in flood {
        refused += task.await.unwrap();
    }
    assert_eq!(refused, 800, "every attacker request was refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_dendrite_queries_256_axons_at_once() {
    let mut axons = Vec::new();
    let mut targets = Vec::new();
    for i in 0..256 {
        let key = Keypair::from_seed(&[i as u8; 32]);
        let axon = Axon::new(key.clone()).attach(double).serve(local()).await.unwrap();
        targets.push(Target { addr: axon.addr, hotkey: key.account() });
        axons.push(axon);
    }
    let dendrite = Dendrite::new(Keypair::from_uri("//validator").unwrap());
    let synapse = Dummy { input: 7, output: None };
    dendrite.query(&targets, &synapse, Duration::from_secs(10)).await; // warm up connections
    let started = Instant::now();
    let answers = dendrite.query(&targets, &synapse, Duration::from_secs(10)).await;
    let elapsed = started.elapsed();
    assert_eq!(answers.len(), 256);
    assert!(answers.iter().all(|a| a.is_success() && a.synapse.output == Some(14)));
    eprintln!("one round over 256 axons: {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn busy_axons_shed_low_priority_callers_and_limit_each_hotkey() {
    let axon_key = Keypair::from_uri("//miner").unwrap();
    let important = Keypair::from_uri("//big-validator").unwrap();
    let important_account = important.account();
    let config = AxonConfig { max_in_flight: 4, rate_limit_per_hotkey: 1_000, ..AxonConfig::default() };
    let axon = Axon::new(axon_key.clone())
        .with_config(config)
        .attach(slow)
        .priority(move |caller: &Caller| if caller.hotkey == important_account { 1.0 } else { 0.0 })
        .serve(local())
        .await
        .unwrap();
    let target = Target { addr: axon.addr, hotkey: axon_key.account() };
    let small = Arc::new(Dendrite::new(Keypair::from_uri("//small-validator").unwrap()));
    let big = Arc::new(Dendrite::new(important));
    let call = |dendrite: Arc<Dendrite>, target: Target| {
        tokio::spawn(async move {
            dendrite
                .call(&target, Slow { delay: 0.5, done: false }, Duration::from_secs(5))
                .await
                .status_code()
        })
    };
    // Three low-priority requests: only half the capacity (2) is theirs.
    let low: Vec<_> = (0..3).map(|_| call(small.clone(), target.clone())).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The high-priority caller still gets in while the axon is half busy.
    let high: Vec<_> = (0..2).map(|_| call(big.clone(), target.clone())).collect();
    let mut low_codes = Vec::new();
    for task in low {
        low_codes.push(task.await.unwrap());
    }
    low_codes.sort();
    assert_eq!(low_codes, vec![200, 200, 503]);
    for task in high {
        assert_eq!(task.await.unwrap(), 200);
    }

    // A per-hotkey rate limit answers 429 beyond it.
    let limited = Axon::new(axon_key.clone())
        .with_config(AxonConfig { rate_limit_per_hotkey: 3, ..AxonConfig::default() })
        .attach(double)
        .serve(local())
        .await
        .unwrap();
    let target = Target { addr: limited.addr, hotkey: axon_key.account() };
    let dendrite = Dendrite::new(Keypair::from_uri("//chatty").unwrap());
    // Eight calls within a few milliseconds: whichever one-second windows they fall in,
    // one window holds more than three.
    let mut codes = Vec::new();
    for i in 0..8 {
        codes.push(
            dendrite
                .call(&target, Dummy { input: i + 20, output: None }, Duration::from_secs(5))
                .await
                .status_code(),
        );
    }
    assert!(codes.contains(&429) && codes.iter().filter(|&&c| c == 200).count() >= 3, "{codes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn streaming_synapses_send_headers_first_then_chunks() {
    let axon_key = Keypair::from_uri("//miner").unwrap();
    let axon = Axon::new(axon_key.clone())
        .attach_stream(|synapse: Tokens, _: Caller, chunks: bittensor::axon::ChunkSender| async move {
            for word in synapse.prompt.split(' ') {
                chunks.send(bytes::Bytes::from(format!("{word} "))).await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(())
        })
        .serve(local())
        .await
        .unwrap();
    let target = Target { addr: axon.addr, hotkey: axon_key.account() };
    let dendrite = Dendrite::new(Keypair::from_uri("//validator").unwrap());
    let started = Instant::now();
    let mut stream = dendrite
        .call_stream(&target, Tokens { prompt: "hello streaming world".into() }, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(50), "headers arrive before the chunks are done");
    assert_eq!(stream.axon.status_code, Some(200));
    let mut text = String::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.chunk().await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        chunks += 1;
    }
    assert_eq!(text, "hello streaming world ");
    assert!(chunks >= 2, "{chunks} chunks");
    let wrong = Target { addr: axon.addr, hotkey: Keypair::from_uri("//other").unwrap().account() };
    let refused = dendrite
        .call_stream(&wrong, Tokens { prompt: "x".into() }, Duration::from_secs(5))
        .await
        .err()
        .unwrap();
    assert_eq!(refused.status_code(), 401);
}
