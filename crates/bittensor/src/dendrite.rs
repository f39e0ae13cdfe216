//! The dendrite: the HTTP client a validator queries axons with, speaking the Python SDK
//! 10.x wire format (wire.md §1.2–§1.8).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bt_primitives::{hex, AccountId, Keypair};
use bt_runtime::serving::{decode_ip, AxonInfo};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::synapse::{body_hash, request_message, Envelope, Synapse, TerminalInfo, VERSION_AS_INT};

/// An axon to query: where it listens and which hotkey it answers as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its address.
    pub addr: SocketAddr,
    /// Its hotkey (part of the signed message).
    pub hotkey: AccountId,
}

impl Target {
    /// The target an axon published on chain, or `None` when it has not served one. An
    /// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is reached over IPv4.
    pub fn from_axon(hotkey: AccountId, axon: &AxonInfo) -> Option<Target> {
        if axon.port == 0 || axon.ip == 0 {
            return None;
        }
        let ip = match decode_ip(axon.ip, axon.ip_type)? {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        Some(Target { addr: SocketAddr::new(ip, axon.port), hotkey })
    }
}

/// One axon's answer.
#[derive(Debug, Clone)]
pub struct Answer<S> {
    /// The synapse as returned (the request's fields when the call failed).
    pub synapse: S,
    /// The axon side: status code and message, process time.
    pub axon: TerminalInfo,
    /// The dendrite side: the same status, and the full round trip as `process_time`.
    pub dendrite: TerminalInfo,
}

impl<S: Synapse> Answer<S> {
    /// The status code: HTTP's, or 408/503/422 set locally as the Python dendrite does.
    pub fn status_code(&self) -> i64 {
        self.dendrite.status_code.unwrap_or(0)
    }

    /// Status 200.
    pub fn is_success(&self) -> bool {
        self.status_code() == 200
    }

    /// The payload (`Synapse::deserialize`).
    pub fn output(self) -> S::Output {
        self.synapse.deserialize()
    }
}

/// Signs and sends synapses to axons.
pub struct Dendrite {
    hotkey: Keypair,
    /// The hotkey's SS58 text (signed in every request).
    hotkey_ss58: String,
    client: Client<HttpConnector, Full<Bytes>>,
    /// Uuids not in use by an in-flight request: each request holds one, so requests
    /// under one uuid never race and reach an axon in nonce order.
    free_uuids: Mutex<Vec<String>>,
    uuid_seed: AtomicU64,
    last_nonce: AtomicU64,
    external_ip: String,
    /// SS58 texts of the axons' hotkeys.
    ss58_cache: Mutex<HashMap<AccountId, Arc<str>>>,
}

fn new_uuid(seed: u64) -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::getrandom(&mut bytes);
    bytes[..8].iter_mut().zip(seed.to_le_bytes()).for_each(|(b, s)| *b ^= s);
    let h = hex::encode_plain(&bytes);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

impl Dendrite {
    /// A dendrite signing with `hotkey` (the validator's hotkey).
    pub fn new(hotkey: Keypair) -> Dendrite {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(64).build(connector);
        Dendrite {
            hotkey_ss58: hotkey.account().to_ss58(),
            hotkey,
            client,
            free_uuids: Mutex::new(Vec::new()),
            uuid_seed: AtomicU64::new(0),
            last_nonce: AtomicU64::new(0),
            external_ip: "127.0.0.1".into(),
            ss58_cache: Mutex::default(),
        }
    }

    /// The dendrite's hotkey.
    pub fn hotkey(&self) -> AccountId {
        self.hotkey.account()
    }

    fn take_uuid(&self) -> String {
        let free = self.free_uuids.lock().unwrap_or_else(|e| e.into_inner()).pop();
        free.unwrap_or_else(|| new_uuid(self.uuid_seed.fetch_add(1, Ordering::Relaxed)))
    }

    fn give_uuid(&self, uuid: String) {
        self.free_uuids.lock().unwrap_or_else(|e| e.into_inner()).push(uuid);
    }

    /// Strictly increasing nanosecond nonces.
    fn nonce(&self) -> u64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let mut last = self.last_nonce.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self.last_nonce.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    /// Sends `synapse` to one axon and waits at most `timeout`.
    pub async fn call<S: Synapse>(&self, target: &Target, synapse: S, timeout: Duration) -> Answer<S> {
        let uuid = self.take_uuid();
        let answer = self.call_as(target, synapse, timeout, &uuid).await;
        self.give_uuid(uuid);
        answer
    }

    /// Sends `synapse` to every target at once; answers come back in target order.
    pub async fn query<S: Synapse>(
        &self,
        targets: &[Target],
        synapse: &S,
        timeout: Duration,
    ) -> Vec<Answer<S>> {
        let started = Instant::now();
        let uuids: Vec<String> = targets.iter().map(|_| self.take_uuid()).collect();
        // Signing is the costly part of a round: sign on every core, then send all at once.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(targets.len()).max(1);
        let per_thread = targets.len().div_ceil(threads).max(1);
        let requests: Vec<Result<Request<Full<Bytes>>, String>> = std::thread::scope(|scope| {
            let workers: Vec<_> = targets
                .chunks(per_thread)
                .zip(uuids.chunks(per_thread))
                .map(|(targets, uuids)| {
                    scope.spawn(move || {
                        targets
                            .iter()
                            .zip(uuids)
                            .map(|(target, uuid)| self.sign_request(target, synapse.clone(), timeout, uuid))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
        });
        let sends = targets
            .iter()
            .zip(requests)
            .map(|(target, request)| self.send(target, request, synapse.clone(), timeout, started));
        let answers = join_all(sends.collect()).await;
        for uuid in uuids {
            self.give_uuid(uuid);
        }
        answers
    }

    /// The SS58 text of `account`, cached: an axon's hotkey is signed in every request.
    fn ss58(&self, account: &AccountId) -> Arc<str> {
        let mut known = self.ss58_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(text) = known.get(account) {
            return text.clone();
        }
        if known.len() >= 100_000 {
            known.clear();
        }
        known.entry(*account).or_insert_with(|| account.to_ss58().into()).clone()
    }

    /// The signed HTTP request for `synapse` under `uuid` (wire.md §1.2–§1.5), to send
    /// later over any HTTP/1.1 connection: a caller may sign a whole round ahead of its
    /// deadline. Nonces grow in signing order, and an axon accepts one (hotkey, uuid)'s
    /// requests only about in that order, so send them as they were signed.
    pub fn sign_request<S: Synapse>(
        &self,
        target: &Target,
        synapse: S,
        timeout: Duration,
        uuid: &str,
    ) -> Result<Request<Full<Bytes>>, String> {
        let nonce = self.nonce();
        let hash = body_hash(&synapse);
        let me = &self.hotkey_ss58;
        let axon_hotkey = self.ss58(&target.hotkey);
        let signature = hex::encode(
            &self.hotkey.sign(request_message(nonce, me, &axon_hotkey, uuid, &hash).as_bytes()).0,
        );
        let required: Vec<(String, String)> = if S::REQUIRED_FIELDS.is_empty() {
            Vec::new()
        } else {
            let fields = serde_json::to_value(&synapse).unwrap_or_default();
            S::REQUIRED_FIELDS
                .iter()
                .map(|field| {
                    let value = fields.get(*field).unwrap_or(&serde_json::Value::Null);
                    (format!("bt_header_input_obj_{field}"), input_obj_header(value))
                })
                .collect()
        };
        let mut envelope = Envelope::new(synapse, timeout.as_secs_f64());
        envelope.dendrite = Some(TerminalInfo {
            ip: Some(self.external_ip.clone()),
            version: Some(VERSION_AS_INT),
            nonce: Some(nonce as i64),
            uuid: Some(uuid.to_string()),
            hotkey: Some(me.clone()),
            signature: Some(signature.clone()),
            ..TerminalInfo::default()
        });
        envelope.axon = Some(TerminalInfo {
            ip: Some(target.addr.ip().to_string()),
            port: Some(i64::from(target.addr.port())),
            hotkey: Some(axon_hotkey.to_string()),
            ..TerminalInfo::default()
        });
        let body = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
        let fixed = [
            ("name", S::NAME.to_string()),
            ("timeout", timeout.as_secs_f64().to_string()),
            ("bt_header_axon_ip", target.addr.ip().to_string()),
            ("bt_header_axon_port", target.addr.port().to_string()),
            ("bt_header_axon_hotkey", axon_hotkey.to_string()),
            ("bt_header_dendrite_ip", self.external_ip.clone()),
            ("bt_header_dendrite_version", VERSION_AS_INT.to_string()),
            ("bt_header_dendrite_nonce", nonce.to_string()),
            ("bt_header_dendrite_uuid", uuid.to_string()),
            ("bt_header_dendrite_hotkey", me.clone()),
            ("bt_header_dendrite_signature", signature),
            ("header_size", "0".to_string()),
            ("total_size", body.len().to_string()),
            ("computed_body_hash", hash),
        ];
        let uri = format!("http://{}/{}", target.addr, S::NAME);
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = hyper::Method::POST;
        *request.uri_mut() = uri.parse().map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
        let headers = request.headers_mut();
        headers.reserve(fixed.len() + required.len() + 1);
        for (name, value) in fixed {
            if let Ok(value) = HeaderValue::try_from(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        for (name, value) in required {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                headers.insert(name, value);
            }
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(request)
    }

    /// Sends a streaming synapse: once the headers arrive, the answer yields the body's
    /// chunks as the axon sends them.
    pub async fn call_stream<S: Synapse>(
        &self,
        target: &Target,
        synapse: S,
        timeout: Duration,
    ) -> Result<Stream, Answer<S>> {
        let started = Instant::now();
        let uuid = self.take_uuid();
        let request = self.sign_request(target, synapse.clone(), timeout, &uuid);
        self.give_uuid(uuid);
        let request = request.map_err(|e| failed(synapse.clone(), 400, &e, started))?;
        let response = match tokio::time::timeout(timeout, self.client.request(request)).await {
            Err(_) => {
                return Err(failed(
                    synapse,
                    408,
                    &format!("Request timeout after {} seconds", timeout.as_secs_f64()),
                    started,
                ))
            }
            Ok(Err(e)) => {
                return Err(failed(
                    synapse,
                    503,
                    &format!("Service unavailable at {}/{}: {e}", target.addr, S::NAME),
                    started,
                ))
            }
            Ok(Ok(response)) => response,
        };
        let status = i64::from(response.status().as_u16());
        let message = response
            .headers()
            .get("bt_header_axon_status_message")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status != 200 {
            let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned));
            return Err(failed(synapse, status, &message.unwrap_or_default(), started));
        }
        let axon =
            TerminalInfo { status_code: Some(status), status_message: message, ..TerminalInfo::default() };
        Ok(Stream { axon, body: response.into_body(), deadline: started + timeout })
    }

    async fn call_as<S: Synapse>(
        &self,
        target: &Target,
        synapse: S,
        timeout: Duration,
        uuid: &str,
    ) -> Answer<S> {
        let started = Instant::now();
        let request = self.sign_request(target, synapse.clone(), timeout, uuid);
        self.send(target, request, synapse, timeout, started).await
    }

    /// Sends a prepared request and reads the answer.
    async fn send<S: Synapse>(
        &self,
        target: &Target,
        request: Result<Request<Full<Bytes>>, String>,
        synapse: S,
        timeout: Duration,
        started: Instant,
    ) -> Answer<S> {
        let request = match request {
            Ok(request) => request,
            Err(error) => return failed(synapse, 400, &error, started),
        };
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| (503, format!("Service unavailable at {}/{}: {e}", target.addr, S::NAME)))?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| (400, e.to_string()))?.to_bytes();
            Ok::<_, (i64, String)>((parts.status.as_u16(), parts.headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => {
                return failed(
                    synapse,
                    408,
                    &format!("Request timeout after {} seconds", timeout.as_secs_f64()),
                    started,
                )
            }
            Ok(Err((code, message))) => return failed(synapse, code, &message, started),
            Ok(Ok(reply)) => reply,
        };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut axon = TerminalInfo {
            status_code: Some(i64::from(status)),
            status_message: header("bt_header_axon_status_message"),
            process_time: header("bt_header_axon_process_time").and_then(|t| t.parse().ok()),
            hotkey: Some(self.ss58(&target.hotkey).to_string()),
            ..TerminalInfo::default()
        };
        let synapse = if status == 200 {
            let reply = if body.is_empty() {
                Err("empty body".to_string())
            } else {
                Envelope::<S>::from_json(&body).map_err(|e| e.to_string())
            };
            match reply {
                Ok(reply) => {
                    if let Some(info) = reply.axon {
                        axon.process_time = axon.process_time.or(info.process_time);
                        axon.status_message = axon.status_message.or(info.status_message);
                    }
                    reply.synapse
                }
                Err(error) => {
                    return failed(synapse, 422, &format!("Failed to parse response: {error}"), started)
                }
            }
        } else {
            let message: Option<String> = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned));
            axon.status_message = message.or(axon.status_message);
            synapse
        };
        let dendrite = TerminalInfo {
            status_code: axon.status_code,
            status_message: axon.status_message.clone(),
            process_time: Some(started.elapsed().as_secs_f64()),
            ..TerminalInfo::default()
        };
        Answer { synapse, axon, dendrite }
    }
}

/// The `bt_header_input_obj_<field>` value the Python dendrite sends for a required
/// field: base64 of the JSON of an empty value of the field's type (`0`, `0.0`, `""`,
/// `[]`, `{}`, `false`).
pub fn input_obj_header(value: &serde_json::Value) -> String {
    use serde_json::Value;
    let dummy = match value {
        Value::Bool(_) => "false",
        Value::Number(n) if n.is_f64() => "0.0",
        Value::Number(_) => "0",
        Value::String(_) => "\"\"",
        Value::Array(_) => "[]",
        Value::Object(_) => "{}",
        Value::Null => "null",
    };
    base64(dummy.as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// A streaming answer: the axon's status, then the body's chunks.
pub struct Stream {
    /// The axon side (200 "Success").
    pub axon: TerminalInfo,
    body: hyper::body::Incoming,
    deadline: Instant,
}

impl Stream {
    /// The next chunk, or `None` at the end (or at the call's timeout).
    pub async fn chunk(&mut self) -> Option<Bytes> {
        loop {
            let frame = tokio::time::timeout_at(self.deadline.into(), self.body.frame()).await.ok()??.ok()?;
            if let Ok(data) = frame.into_data() {
                return Some(data);
            }
        }
    }
}

fn failed<S>(synapse: S, code: i64, message: &str, started: Instant) -> Answer<S> {
    let info = TerminalInfo {
        status_code: Some(code),
        status_message: Some(message.to_string()),
        ..TerminalInfo::default()
    };
    let dendrite = TerminalInfo { process_time: Some(started.elapsed().as_secs_f64()), ..info.clone() };
    Answer { synapse, axon: info, dendrite }
}

/// Awaits every future concurrently on the current task, keeping their order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                if let std::task::Poll::Ready(value) = future.as_mut().poll(cx) {
                    *output = Some(value);
                }
            }
        }
        if outputs.iter().all(Option::is_some) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn targets_come_from_served_axon_infos() {
        let hotkey = AccountId([3; 32]);
        let info = |ip: u128, ip_type: u8, port: u16| AxonInfo { ip, ip_type, port, ..AxonInfo::default() };
        let v4 = Target::from_axon(hotkey, &info(0x0a00_0001, 4, 8091)).unwrap();
        assert_eq!(v4.addr, "10.0.0.1:8091".parse().unwrap());
        let mapped = u128::from(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        let local = Target::from_axon(hotkey, &info(mapped, 6, 9000)).unwrap();
        assert_eq!(
            local.addr,
            "127.0.0.1:9000".parse().unwrap(),
            "IPv4-mapped addresses are dialled over IPv4"
        );
        let v6 = Target::from_axon(
            hotkey,
            &info(u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)), 6, 1),
        );
        assert_eq!(v6.unwrap().addr, "[2001:db8::1]:1".parse().unwrap());
        assert_eq!(Target::from_axon(hotkey, &info(0, 4, 8091)), None, "not served");
        assert_eq!(Target::from_axon(hotkey, &info(1, 4, 0)), None);
        assert_eq!(Target::from_axon(hotkey, &info(u128::MAX, 4, 1)), None, "not an IPv4 address");
        assert_eq!(Target::from_axon(hotkey, &info(1, 5, 1)), None);
    }

    #[test]
    fn input_obj_headers_match_the_python_dendrite() {
        // wire.md §1.2: "" → IiI=, 0 → MA==.
        assert_eq!(input_obj_header(&json!("text")), "IiI=");
        assert_eq!(input_obj_header(&json!(7)), "MA==");
        assert_eq!(input_obj_header(&json!([1])), "W10=");
        assert_eq!(input_obj_header(&json!({"a": 1})), "e30=");
        assert_eq!(input_obj_header(&json!(1.5)), "MC4w");
    }
}
