//! The axon: the HTTP server a miner runs, wire-compatible with the Python SDK 10.x
//! (wire.md §1.6–§1.9), with the Python weaknesses fixed and the wire unchanged:
//!
//! - the signature and nonce are verified **before** blacklist and priority, so those hooks
//!   only see verified hotkeys, and handlers get the verified [`Caller`];
//! - the nonce map is bounded, and requests sharing a uuid may arrive up to 2 s out of
//!   order (never twice); the request timeout is enforced; handlers run concurrently;
//! - a per-hotkey rate limit and priority-based shedding (503) protect the handlers.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bt_primitives::{hex, AccountId, Keypair, Signature, VerifyingKey};
use bt_runtime::serving::AxonInfo;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;

use crate::synapse::{body_hash, request_message, Envelope, Ping, Synapse, VERSION_AS_INT};
use crate::verifier::Verifier;

/// Where an axon listens unless told otherwise: 127.0.0.1:8091 (the SDK's port, on
/// loopback only; announce a public address with [`AxonConfig::external_ip`]).
pub fn default_addr() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 8091))
}

/// Nonces are accepted this far back on first contact, plus the request timeout.
const ALLOWED_DELTA_NS: i128 = 4_000_000_000;
/// Dendrite versions from 7.2.0 on get the time-window nonce check.
const V_7_2_0: i64 = 7_002_000;

/// The verified identity of a request's sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The dendrite's hotkey (its signature was checked).
    pub hotkey: AccountId,
    /// The dendrite instance's uuid.
    pub uuid: String,
    /// The request nonce.
    pub nonce: u64,
    /// The TCP peer address.
    pub ip: IpAddr,
}

/// What a handler may fail with; the caller sees a 500.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Axon settings.
#[derive(Debug, Clone)]
pub struct AxonConfig {
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Longest a handler may run, whatever timeout the caller states.
    pub max_timeout: Duration,
    /// Most (hotkey, uuid) nonce entries kept; the oldest are dropped first.
    pub max_nonce_entries: usize,
    /// Requests handled at once; when full, low-priority callers are shed first (503).
    pub max_in_flight: usize,
    /// Requests per second allowed per hotkey (0 = unlimited).
    pub rate_limit_per_hotkey: u32,
    /// Address announced on chain (`serve_axon`); never looked up.
    pub external_ip: IpAddr,
    /// Port announced on chain (default: the bound port).
    pub external_port: Option<u16>,
}

impl Default for AxonConfig {
    fn default() -> Self {
        AxonConfig {
            max_body_bytes: 32 << 20,
            max_timeout: Duration::from_secs(60),
            max_nonce_entries: 100_000,
            max_in_flight: 256,
            rate_limit_per_hotkey: 0,
            external_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            external_port: None,
        }
    }
}

/// A request that passed verification, as a route sees it.
struct Incoming2 {
    caller: Caller,
    headers: RequestHeaders,
    body: Bytes,
    started: Instant,
}

trait Route: Send + Sync {
    fn call(&self, request: Incoming2, timeout: Duration) -> BoxFuture<Reply>;
}

struct TypedRoute<S, F> {
    handler: F,
    _synapse: std::marker::PhantomData<fn() -> S>,
}

impl<S, F, Fut> Route for TypedRoute<S, F>
where
    S: Synapse,
    F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<S, HandlerError>> + Send + 'static,
{
    fn call(&self, request: Incoming2, timeout: Duration) -> BoxFuture<Reply> {
        let mut envelope = match checked_envelope::<S>(&request) {
            Ok(envelope) => envelope,
            Err(reply) => return Box::pin(async move { reply }),
        };
        let handler_started = Instant::now();
        let future = (self.handler)(envelope.synapse.clone(), request.caller.clone());
        Box::pin(async move {
            match tokio::time::timeout(timeout, future).await {
                Err(_) => Reply::error(
                    &request.headers,
                    StatusCode::REQUEST_TIMEOUT,
                    format!("Response timeout after: {}s", timeout.as_secs_f64()),
                    request.started,
                ),
                Ok(Err(error)) => Reply::internal_error(&request.headers, &error.to_string()),
                Ok(Ok(synapse)) => {
                    envelope.synapse = synapse;
                    Reply::success(envelope, &request.headers, handler_started.elapsed())
                }
            }
        })
    }
}

/// The request's body as `S`'s envelope, if it parses and its hashed fields match the
/// signed body hash; otherwise the 500 reply.
fn checked_envelope<S: Synapse>(request: &Incoming2) -> Result<Envelope<S>, Reply> {
    let envelope = Envelope::<S>::from_json(&request.body)
        .map_err(|_| Reply::internal_error(&request.headers, "the body does not parse into the synapse"))?;
    if body_hash(&envelope.synapse) != request.headers.body_hash {
        return Err(Reply::internal_error(&request.headers, "the body hash does not match"));
    }
    Ok(envelope)
}

/// Sends a streaming response's chunks; dropping it ends the response.
pub type ChunkSender = tokio::sync::mpsc::Sender<Bytes>;

struct StreamingRoute<S, F> {
    handler: F,
    _synapse: std::marker::PhantomData<fn() -> S>,
}

impl<S, F, Fut> Route for StreamingRoute<S, F>
where
    S: Synapse,
    F: Fn(S, Caller, ChunkSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn call(&self, request: Incoming2, timeout: Duration) -> BoxFuture<Reply> {
        let envelope = match checked_envelope::<S>(&request) {
            Ok(envelope) => envelope,
            Err(reply) => return Box::pin(async move { reply }),
        };
        let (sender, receiver) = tokio::sync::mpsc::channel(64);
        let future = (self.handler)(envelope.synapse.clone(), request.caller.clone(), sender);
        let name = S::NAME;
        tokio::spawn(async move {
            // Errors after the headers cannot change the status; they end the stream.
            if let Ok(Err(error)) = tokio::time::timeout(timeout, future).await {
                eprintln!("axon: streaming handler {name} failed: {error}");
            }
        });
        let mut reply = Reply::success(envelope, &request.headers, request.started.elapsed());
        reply.stream = Some(receiver);
        Box::pin(async move { reply })
    }
}

/// The headers a request carries (wire.md §1.2), parsed.
#[derive(Debug, Clone, Default)]
struct RequestHeaders {
    name: String,
    timeout: f64,
    hotkey: Option<String>,
    nonce: Option<String>,
    uuid: Option<String>,
    signature: Option<String>,
    version: Option<i64>,
    body_hash: String,
    peer: Option<IpAddr>,
}

impl RequestHeaders {
    fn parse(route: &str, headers: &HeaderMap, peer: IpAddr) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        RequestHeaders {
            name: route.to_string(),
            timeout: text("timeout")
                .and_then(|t| t.parse().ok())
                .filter(|t: &f64| t.is_finite() && *t > 0.0)
                .unwrap_or(12.0),
            hotkey: text("bt_header_dendrite_hotkey"),
            nonce: text("bt_header_dendrite_nonce"),
            uuid: text("bt_header_dendrite_uuid"),
            signature: text("bt_header_dendrite_signature"),
            version: text("bt_header_dendrite_version").and_then(|v| v.parse().ok()),
            body_hash: text("computed_body_hash").unwrap_or_else(|| "None".into()),
            peer: Some(peer),
        }
    }
}

/// A response ready to send.
struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    /// For streaming routes: chunks sent after the headers, instead of `body`.
    stream: Option<tokio::sync::mpsc::Receiver<Bytes>>,
}

/// A response body: whole, or chunks as a streaming handler sends them.
pub enum ReplyBody {
    /// The whole body.
    Whole(Option<Bytes>),
    /// Chunks until the handler drops its sender.
    Chunks(tokio::sync::mpsc::Receiver<Bytes>),
}

impl http_body::Body for ReplyBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ReplyBody::Whole(body) => {
                std::task::Poll::Ready(body.take().map(|b| Ok(http_body::Frame::data(b))))
            }
            ReplyBody::Chunks(chunks) => {
                chunks.poll_recv(cx).map(|chunk| chunk.map(|b| Ok(http_body::Frame::data(b))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ReplyBody::Whole(None))
    }

    /// Exact for whole bodies, so that they go out with a `content-length`, as the Python
    /// axon sends them, rather than chunked.
    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            ReplyBody::Whole(body) => {
                http_body::SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
            ReplyBody::Chunks(_) => http_body::SizeHint::default(),
        }
    }
}

impl Reply {
    fn dendrite_echo(headers: &RequestHeaders) -> impl Iterator<Item = (&'static str, String)> {
        [
            ("bt_header_dendrite_ip", headers.peer.map(|ip| ip.to_string())),
            ("bt_header_dendrite_version", headers.version.map(|v| v.to_string())),
            ("bt_header_dendrite_nonce", headers.nonce.clone()),
            ("bt_header_dendrite_uuid", headers.uuid.clone()),
            ("bt_header_dendrite_hotkey", headers.hotkey.clone()),
            ("bt_header_dendrite_signature", headers.signature.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }

    fn error(headers: &RequestHeaders, status: StatusCode, message: String, started: Instant) -> Reply {
        let mut out = vec![
            ("name", headers.name.clone()),
            ("timeout", headers.timeout.to_string()),
            ("bt_header_axon_status_code", status.as_u16().to_string()),
            ("bt_header_axon_status_message", message.clone()),
            ("bt_header_axon_process_time", started.elapsed().as_secs_f64().to_string()),
            ("bt_header_axon_version", VERSION_AS_INT.to_string()),
        ];
        out.extend(Self::dendrite_echo(headers));
        Reply {
            status,
            body: json!({ "message": message }).to_string().into_bytes(),
            headers: out,
            stream: None,
        }
    }

    fn internal_error(headers: &RequestHeaders, cause: &str) -> Reply {
        let id = format!(
            "{:016x}",
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
        );
        // The cause stays in the log, as the Python axon does; the caller gets an id.
        eprintln!("axon: internal error #{id} on {}: {cause}", headers.name);
        Reply::error(
            headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal Server Error #{id}"),
            Instant::now(),
        )
    }

    fn success<S: Synapse>(
        mut envelope: Envelope<S>,
        headers: &RequestHeaders,
        process_time: Duration,
    ) -> Reply {
        let mut axon = envelope.axon.take().unwrap_or_default();
        axon.status_code = Some(200);
        axon.status_message = Some("Success".into());
        axon.process_time = Some(process_time.as_secs_f64());
        envelope.name = Some(S::NAME.into());
        envelope.axon = Some(axon);
        let hash = body_hash(&envelope.synapse);
        let mut out = vec![
            ("name", S::NAME.to_string()),
            ("timeout", envelope.timeout.unwrap_or(headers.timeout).to_string()),
            ("bt_header_axon_status_code", "200".to_string()),
            ("bt_header_axon_status_message", "Success".to_string()),
            ("bt_header_axon_process_time", process_time.as_secs_f64().to_string()),
            ("header_size", "0".to_string()),
            ("total_size", "0".to_string()),
            ("computed_body_hash", hash),
        ];
        out.extend(Self::dendrite_echo(headers));
        let body = serde_json::to_vec(&envelope).unwrap_or_else(|_| b"{}".to_vec());
        Reply { status: StatusCode::OK, body, headers: out, stream: None }
    }

    fn into_response(self) -> Response<ReplyBody> {
        let streaming = self.stream.is_some();
        let body = match self.stream {
            Some(chunks) => ReplyBody::Chunks(chunks),
            None => ReplyBody::Whole(Some(Bytes::from(self.body))),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        let content_type = if streaming { "text/event-stream" } else { "application/json" };
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.reserve(self.headers.len());
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::try_from(value) {
                headers.insert(hyper::header::HeaderName::from_static(name), value);
            }
        }
        response
    }
}

/// Requests, statuses and latency per route, for `/metrics`.
#[derive(Default)]
struct Metrics {
    routes: Mutex<HashMap<String, RouteMetrics>>,
}

#[derive(Default, Clone)]
struct RouteMetrics {
    requests: u64,
    statuses: HashMap<u16, u64>,
    seconds: f64,
}

impl Metrics {
    fn record(&self, route: &str, status: StatusCode, elapsed: Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), RouteMetrics::default());
        }
        let Some(entry) = routes.get_mut(route) else { return };
        entry.requests += 1;
        *entry.statuses.entry(status.as_u16()).or_default() += 1;
        entry.seconds += elapsed.as_secs_f64();
    }

    fn text(&self) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::from(
            "# HELP axon_requests_total Requests per route.\n# TYPE axon_requests_total counter\n\
             # HELP axon_responses_total Responses per route and status.\n# TYPE axon_responses_total counter\n\
             # HELP axon_request_seconds_total Time spent per route.\n# TYPE axon_request_seconds_total counter\n",
        );
        let mut names: Vec<&String> = routes.keys().collect();
        names.sort();
        for name in names {
            let m = &routes[name];
            out.push_str(&format!("axon_requests_total{{route=\"{name}\"}} {}\n", m.requests));
            let mut statuses: Vec<_> = m.statuses.iter().collect();
            statuses.sort();
            for (status, count) in statuses {
                out.push_str(&format!(
                    "axon_responses_total{{route=\"{name}\",status=\"{status}\"}} {count}\n"
                ));
            }
            out.push_str(&format!("axon_request_seconds_total{{route=\"{name}\"}} {}\n", m.seconds));
        }
        out
    }
}

type Blacklist = Arc<dyn Fn(&Caller) -> Option<String> + Send + Sync>;
type Priority = Arc<dyn Fn(&Caller) -> f64 + Send + Sync>;

/// How far behind the newest nonce of a (hotkey, uuid) a request may arrive: concurrent
/// requests under one uuid (as the Python dendrite sends them) can reach different
/// connections out of order.
const REORDER_WINDOW_NS: i128 = 2_000_000_000;
/// Nonces kept per (hotkey, uuid) at most.
const NONCES_PER_KEY: usize = 4_096;

/// The nonces of one (hotkey, uuid): everything at or below `floor` is refused, and so is
/// any nonce in `seen` (a replay).
#[derive(Default)]
struct KeyNonces {
    floor: i128,
    seen: std::collections::BTreeSet<i128>,
}

impl KeyNonces {
    fn accept(&mut self, nonce: i128) -> bool {
        let behind = self.seen.last().is_some_and(|&newest| nonce < newest - REORDER_WINDOW_NS);
        if nonce <= self.floor || behind || !self.seen.insert(nonce) {
            return false;
        }
        let newest = self.seen.last().copied().unwrap_or(nonce);
        while self.seen.len() > NONCES_PER_KEY
            || self.seen.first().is_some_and(|&oldest| oldest < newest - REORDER_WINDOW_NS)
        {
            if let Some(oldest) = self.seen.pop_first() {
                self.floor = self.floor.max(oldest);
            }
        }
        true
    }
}

/// Nonces per (hotkey, uuid), bounded: the least recently added keys go first.
#[derive(Default)]
struct Nonces {
    keys: HashMap<String, KeyNonces>,
    order: VecDeque<String>,
}

/// Calls per hotkey in the current one-second window.
#[derive(Default)]
struct RateWindow {
    second: u64,
    counts: HashMap<AccountId, u32>,
}

struct Shared {
    /// The axon's hotkey in SS58, part of every signed message.
    hotkey_ss58: String,
    routes: HashMap<&'static str, Arc<dyn Route>>,
    config: AxonConfig,
    blacklist: Option<Blacklist>,
    priority: Option<Priority>,
    nonces: Mutex<Nonces>,
    /// Callers' accounts and keys by SS58 text.
    keys: Mutex<HashMap<String, (AccountId, VerifyingKey)>>,
    verifier: Arc<Verifier>,
    rate: Mutex<RateWindow>,
    in_flight: AtomicUsize,
    metrics: Metrics,
    served: AtomicU64,
}

/// A miner's HTTP server. Build it, attach handlers, then [`Axon::serve`].
pub struct Axon {
    hotkey: Keypair,
    coldkey: Option<AccountId>,
    routes: HashMap<&'static str, Arc<dyn Route>>,
    config: AxonConfig,
    blacklist: Option<Blacklist>,
    priority: Option<Priority>,
}

async fn ping_handler(synapse: Ping, _: Caller) -> Result<Ping, HandlerError> {
    Ok(synapse)
}

impl Axon {
    /// An axon answering as `hotkey` (the wallet's hotkey), with the `/Synapse` ping route.
    pub fn new(hotkey: Keypair) -> Axon {
        Axon {
            hotkey,
            coldkey: None,
            routes: HashMap::new(),
            config: AxonConfig::default(),
            blacklist: None,
            priority: None,
        }
        .attach(ping_handler)
    }

    /// The coldkey announced in [`Axon::info`].
    pub fn with_coldkey(mut self, coldkey: AccountId) -> Self {
        self.coldkey = Some(coldkey);
        self
    }

    /// Replaces the settings.
    pub fn with_config(mut self, config: AxonConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves synapse `S` at `/S::NAME` with `handler(synapse, caller)`.
    pub fn attach<S, F, Fut>(mut self, handler: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<S, HandlerError>> + Send + 'static,
    {
        self.routes.insert(S::NAME, Arc::new(TypedRoute { handler, _synapse: std::marker::PhantomData }));
        self
    }

    /// Serves streaming synapse `S` at `/S::NAME`: the headers go out at once (200,
    /// `text/event-stream`), then every chunk `handler` sends, until it drops the sender.
    pub fn attach_stream<S, F, Fut>(mut self, handler: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller, ChunkSender) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.routes.insert(S::NAME, Arc::new(StreamingRoute { handler, _synapse: std::marker::PhantomData }));
        self
    }

    /// Refuses verified callers for which `blacklist` gives a reason (403).
    pub fn blacklist(
        mut self,
        blacklist: impl Fn(&Caller) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.blacklist = Some(Arc::new(blacklist));
        self
    }

    /// Ranks verified callers in [0, 1] (for example by stake share): when the axon is
    /// busy, low-priority callers are shed first with 503.
    pub fn priority(mut self, priority: impl Fn(&Caller) -> f64 + Send + Sync + 'static) -> Self {
        self.priority = Some(Arc::new(priority));
        self
    }

    /// What `serve_axon` publishes for this axon on `port`.
    pub fn info(&self, port: u16) -> AxonInfo {
        let (ip, ip_type) = bt_runtime::serving::encode_ip(self.config.external_ip);
        AxonInfo {
            block: 0,
            version: VERSION_AS_INT as u32,
            ip,
            port: self.config.external_port.unwrap_or(port),
            ip_type,
            protocol: 4,
            placeholder1: 0,
            placeholder2: 0,
        }
    }

    /// Binds `addr` ([`default_addr`] is 127.0.0.1:8091) and serves until the returned
    /// handle is dropped or stopped.
    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<AxonHandle> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let info = self.info(local.port());
        let shared = Arc::new(Shared {
            hotkey_ss58: self.hotkey.account().to_ss58(),
            routes: self.routes,
            config: self.config,
            blacklist: self.blacklist,
            priority: self.priority,
            nonces: Mutex::new(Nonces::default()),
            keys: Mutex::new(HashMap::new()),
            verifier: Verifier::new(),
            rate: Mutex::new(RateWindow::default()),
            in_flight: AtomicUsize::new(0),
            metrics: Metrics::default(),
            served: AtomicU64::new(0),
        });
        let task_shared = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                let shared = task_shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(shared, request, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(AxonHandle { addr: local, info, task, shared })
    }
}

/// A running axon. Dropping it stops the server.
pub struct AxonHandle {
    /// The bound address.
    pub addr: SocketAddr,
    /// What to publish with `serve_axon`.
    pub info: AxonInfo,
    task: tokio::task::JoinHandle<()>,
    shared: Arc<Shared>,
}

impl AxonHandle {
    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// The Prometheus text of `/metrics`.
    pub fn metrics(&self) -> String {
        self.shared.metrics.text()
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for AxonHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now_ns() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

/// Checks the signature and nonce (wire.md §1.6 step 3) and returns the verified caller.
async fn verify_request(shared: &Shared, headers: &RequestHeaders, peer: IpAddr) -> Result<Caller, String> {
    let hotkey_text = headers.hotkey.as_deref().ok_or("No SS58 formatted address or public key provided.")?;
    let (hotkey, key) =
        caller_key(shared, hotkey_text).ok_or("No SS58 formatted address or public key provided.")?;
    let nonce_text = headers.nonce.as_deref().ok_or("Missing Nonce")?;
    let nonce: u64 = nonce_text.trim().parse().map_err(|_| "Missing Nonce")?;
    let signature_text = headers.signature.as_deref().ok_or("Missing Signature")?;
    let uuid = headers.uuid.clone().unwrap_or_default();
    let message = || request_message(nonce, hotkey_text, &shared.hotkey_ss58, &uuid, &headers.body_hash);
    let signature =
        hex::decode(signature_text).ok().and_then(|bytes| <[u8; 64]>::try_from(bytes).ok()).map(Signature);
    let valid = match (key, signature) {
        (Some(key), Some(signature)) => shared.verifier.verify(key, message(), signature).await,
        _ => false,
    };
    if !valid {
        return Err(format!("Signature mismatch with {} and {signature_text}", message()));
    }
    check_nonce(shared, headers, &format!("{hotkey_text}:{uuid}"), nonce)?;
    Ok(Caller { hotkey, uuid, nonce, ip: peer })
}

/// Accepts a verified request's nonce once (wire.md §1.6 step 3, with the bounded map).
fn check_nonce(shared: &Shared, headers: &RequestHeaders, key: &str, nonce: u64) -> Result<(), String> {
    let nonce_value = i128::from(nonce);
    let mut nonces = shared.nonces.lock().unwrap_or_else(|e| e.into_inner());
    let known = nonces.keys.contains_key(key);
    if !known && headers.version.is_some_and(|v| v >= V_7_2_0) {
        let window = ALLOWED_DELTA_NS + (headers.timeout * 1e9) as i128;
        let age = now_ns() - nonce_value;
        if age >= window {
            return Err(format!(
                "Nonce is too old: acceptable delta is {:.2} seconds but request was {:.2} seconds old",
                window as f64 / 1e9,
                age as f64 / 1e9
            ));
        }
    }
    let accepted = match nonces.keys.get_mut(key) {
        Some(entry) => entry.accept(nonce_value),
        None => nonces.keys.entry(key.to_string()).or_default().accept(nonce_value),
    };
    if !accepted {
        return Err("Nonce is too old, a newer one was last processed".into());
    }
    if !known {
        nonces.order.push_back(key.to_string());
        while nonces.order.len() > shared.config.max_nonce_entries {
            if let Some(old) = nonces.order.pop_front() {
                nonces.keys.remove(&old);
            }
        }
    }
    Ok(())
}

/// A caller's account and decoded key from its SS58 text, cached (bounded) across
/// requests; `None` when the text is not an address. The key is `None` when the address
/// is not a valid sr25519 key (no signature can match).
fn caller_key(shared: &Shared, ss58: &str) -> Option<(AccountId, Option<VerifyingKey>)> {
    let mut keys = shared.keys.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((account, key)) = keys.get(ss58) {
        return Some((*account, Some(key.clone())));
    }
    let account: AccountId = ss58.parse().ok()?;
    let key = VerifyingKey::new(&account);
    if let Some(key) = &key {
        if keys.len() >= 10_000 {
            keys.clear();
        }
        keys.insert(ss58.to_string(), (account, key.clone()));
    }
    Some((account, key))
}

fn rate_limited(shared: &Shared, hotkey: &AccountId) -> bool {
    let limit = shared.config.rate_limit_per_hotkey;
    if limit == 0 {
        return false;
    }
    let second = (now_ns() / 1_000_000_000) as u64;
    let mut window = shared.rate.lock().unwrap_or_else(|e| e.into_inner());
    if window.second != second {
        window.second = second;
        window.counts.clear();
    }
    let count = window.counts.entry(*hotkey).or_default();
    *count += 1;
    *count > limit
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>, peer: SocketAddr) -> Response<ReplyBody> {
    let started = Instant::now();
    let route_name =
        request.uri().path().trim_start_matches('/').split('/').next().unwrap_or_default().to_string();
    if route_name == "metrics" && request.method() == hyper::Method::GET {
        let mut response = Response::new(ReplyBody::Whole(Some(Bytes::from(shared.metrics.text()))));
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
        return response;
    }
    let headers = RequestHeaders::parse(&route_name, request.headers(), peer.ip());
    let reply = pipeline(&shared, &route_name, headers, request, peer, started).await;
    // Unknown routes share one entry, so that made-up paths cannot grow the metrics.
    let metric = if shared.routes.contains_key(route_name.as_str()) { &route_name } else { "unknown" };
    shared.metrics.record(metric, reply.status, started.elapsed());
    shared.served.fetch_add(1, Ordering::Relaxed);
    reply.into_response()
}

async fn pipeline(
    shared: &Shared,
    route_name: &str,
    headers: RequestHeaders,
    request: Request<Incoming>,
    peer: SocketAddr,
    started: Instant,
) -> Reply {
    // 1. The route.
    let Some(route) = shared.routes.get(route_name).cloned() else {
        let mut names: Vec<&str> = shared.routes.keys().copied().collect();
        names.sort();
        let message = format!("Synapse name '{route_name}' not found. Available synapses {names:?}");
        return Reply::error(&headers, StatusCode::NOT_FOUND, message, started);
    };
    // 2. Signature and nonce, before anything sees the caller.
    let caller = match verify_request(shared, &headers, peer.ip()).await {
        Ok(caller) => caller,
        Err(reason) => {
            return Reply::error(
                &headers,
                StatusCode::UNAUTHORIZED,
                format!("Not Verified with error: {reason}"),
                started,
            )
        }
    };
    // 3. Blacklist, rate limit and priority, on the verified caller.
    if let Some(reason) = shared.blacklist.as_ref().and_then(|blacklist| blacklist(&caller)) {
        let message = format!("Forbidden. Key is blacklisted: {reason}.");
        return Reply::error(&headers, StatusCode::FORBIDDEN, message, started);
    }
    if rate_limited(shared, &caller.hotkey) {
        return Reply::error(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests from this hotkey".into(),
            started,
        );
    }
    let priority = shared.priority.as_ref().map_or(1.0, |priority| priority(&caller).clamp(0.0, 1.0));
    let admit_below = (shared.config.max_in_flight as f64 * (0.5 + priority / 2.0)).ceil() as usize;
    if shared.in_flight.fetch_add(1, Ordering::AcqRel) >= admit_below.max(1) {
        shared.in_flight.fetch_sub(1, Ordering::AcqRel);
        return Reply::error(
            &headers,
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable: axon busy".into(),
            started,
        );
    }
    // 4. The body, bounded, then the handler with the timeout enforced.
    let limit = shared.config.max_body_bytes;
    let reply = match Limited::new(request.into_body(), limit).collect().await {
        Err(_) => Reply::error(
            &headers,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body over {limit} bytes"),
            started,
        ),
        Ok(body) => {
            let timeout =
                Duration::from_secs_f64(headers.timeout.min(shared.config.max_timeout.as_secs_f64()));
            let request = Incoming2 { caller, headers, body: body.to_bytes(), started };
            route.call(request, timeout).await
        }
    };
    shared.in_flight.fetch_sub(1, Ordering::AcqRel);
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_may_arrive_slightly_out_of_order_but_never_twice() {
        let mut nonces = KeyNonces::default();
        let second = 1_000_000_000_000i128;
        assert!(nonces.accept(second));
        assert!(nonces.accept(second + 10));
        assert!(nonces.accept(second + 5), "a little out of order");
        assert!(!nonces.accept(second + 5), "a replay");
        assert!(!nonces.accept(second - REORDER_WINDOW_NS - 1), "too far behind");
        assert!(nonces.accept(second + 3 * REORDER_WINDOW_NS));
        assert!(!nonces.accept(second + 10), "evicted entries stay refused");
        assert!(nonces.seen.len() <= 2);
    }
}
