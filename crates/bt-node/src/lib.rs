//! The `subtensor` node: block authoring, mempool, durable storage and the JSON-RPC server
//! around the chain runtime.
//!
//! - [`chain_spec`]: the genesis to start from (a JSON file, or the development chain);
//! - [`mempool`]: checked, ordered, bounded pending transactions;
//! - [`consensus`]: who authors the next block and when it is final (the development
//!   authority here; a BFT engine later);
//! - [`node`]: authoring, import and finality over `bt-storage`, and notifications;
//! - [`rpc`] and [`http`]: the JSON-RPC methods of `bt-rpc`, `/health` and `/metrics`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod chain_spec;
pub mod consensus;
pub mod http;
pub mod mempool;
pub mod node;
pub mod rpc;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};

use crate::node::Node;

/// Starts the JSON-RPC server (HTTP and WebSocket on one port) with `/health` and
/// `/metrics`. Returns the bound address and a handle that stops it.
pub async fn serve_rpc(node: Arc<Node>, addr: SocketAddr) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let middleware = tower::ServiceBuilder::new().layer(http::HealthAndMetricsLayer::new(node.clone()));
    let config = ServerConfig::builder()
        .max_request_body_size(16 << 20)
        .max_response_body_size(64 << 20)
        .max_connections(256)
        .max_subscriptions_per_connection(1024)
        .build();
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(middleware)
        .build(addr)
        .await
        .with_context(|| format!("binding the RPC server to {addr}"))?;
    let bound = server.local_addr()?;
    Ok((bound, server.start(rpc::module(node)?)))
}

/// Produces a block every block time until the process ends.
pub async fn author_blocks(node: Arc<Node>) {
    let mut interval = tokio::time::interval(node.block_time());
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let producer = node.clone();
        match tokio::task::spawn_blocking(move || producer.produce_block()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!("block production failed: {error:#}"),
            Err(error) => tracing::error!("block production task failed: {error}"),
        }
    }
}
