//! Plain HTTP endpoints on the RPC port: `GET /health` and Prometheus `GET /metrics`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use tower::{Layer, Service};

use crate::node::Node;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Adds `/health` and `/metrics` in front of the JSON-RPC service.
#[derive(Clone)]
pub struct HealthAndMetricsLayer {
    node: Arc<Node>,
}

impl HealthAndMetricsLayer {
    /// The layer for `node`.
    pub fn new(node: Arc<Node>) -> Self {
        HealthAndMetricsLayer { node }
    }
}

impl<S> Layer<S> for HealthAndMetricsLayer {
    type Service = HealthAndMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HealthAndMetrics { inner, node: self.node.clone() }
    }
}

/// The service of [`HealthAndMetricsLayer`].
#[derive(Clone)]
pub struct HealthAndMetrics<S> {
    inner: S,
    node: Arc<Node>,
}

fn response(content_type: &'static str, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(body));
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    response
}

/// The Prometheus text exposition of the node's counters.
pub fn metrics_text(node: &Node) -> String {
    let (best, finalized, pool) = {
        let chain = node.chain();
        (chain.store.best_header().map_or(0, |h| h.number), chain.finalized.number, chain.pool.len())
    };
    let metrics = &node.metrics;
    let gauges = [
        ("subtensor_block_height", "gauge", "Best block number.", best as f64),
        ("subtensor_finalized_height", "gauge", "Finalized block number.", finalized as f64),
        ("subtensor_mempool_transactions", "gauge", "Transactions in the pool.", pool as f64),
        (
            "subtensor_transactions_total",
            "counter",
            "Transactions included since start.",
            metrics.transactions.load(Ordering::Relaxed) as f64,
        ),
        (
            "subtensor_transactions_per_second",
            "gauge",
            "Transactions included per second over the last 10 s.",
            metrics.transactions_per_second(),
        ),
        (
            "subtensor_epochs_total",
            "counter",
            "Epochs run since start.",
            metrics.epochs.load(Ordering::Relaxed) as f64,
        ),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in gauges {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
    }
    text
}

impl<S, B> Service<HttpRequest<B>> for HealthAndMetrics<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        if request.method() == http::Method::GET {
            match request.uri().path() {
                "/health" => {
                    let best = self.node.chain().store.best_header().map_or(0, |h| h.number);
                    let body =
                        format!("{{\"status\":\"ok\",\"best\":{best},\"peers\":0,\"isSyncing\":false}}");
                    return Box::pin(async move { Ok(response("application/json", body)) });
                }
                "/metrics" => {
                    let body = metrics_text(&self.node);
                    return Box::pin(async move { Ok(response("text/plain; version=0.0.4", body)) });
                }
                _ => {}
            }
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}
