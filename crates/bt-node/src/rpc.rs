//! The JSON-RPC methods of `bt-rpc`, served from the node.

use std::sync::Arc;

use bt_primitives::{hex, AccountId, Balance, BlockNumber, Hash, NetUid, Nonce, Uid};
use bt_rpc::*;
use bt_runtime::hyperparams::{Burn, SubnetHyperparams};
use bt_runtime::storage::Item;
use bt_runtime::views::{self, DelegateInfo, Metagraph, NeuronInfo, StakeInfo, SubnetInfo};
use bt_runtime::{State, SPEC_VERSION};
use jsonrpsee::core::{async_trait, SubscriptionResult};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use tokio::sync::broadcast;

use crate::mempool::PoolError;
use crate::node::Node;

/// The RPC handlers over a node.
pub struct RpcServer {
    node: Arc<Node>,
}

/// Every method, ready to serve.
pub fn module(node: Arc<Node>) -> anyhow::Result<RpcModule<()>> {
    let mut module = RpcModule::new(());
    module.merge(ChainApiServer::into_rpc(RpcServer { node: node.clone() }))?;
    module.merge(SubtensorApiServer::into_rpc(RpcServer { node }))?;
    Ok(module)
}

fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
}

fn internal(error: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32603, format!("internal error: {error}"), None::<()>)
}

fn pool_error(error: PoolError) -> ErrorObjectOwned {
    let code = match error {
        PoolError::Invalid(_) => 1010,
        PoolError::AlreadyKnown => 1013,
        PoolError::TooLowPriority => 1014,
        PoolError::Full { .. } => 1016,
    };
    ErrorObjectOwned::owned(code, error.to_string(), None::<()>)
}

fn parse_account(text: &str) -> Result<AccountId, ErrorObjectOwned> {
    text.parse().map_err(|e| invalid_params(format!("{text:?} is not an SS58 address: {e}")))
}

fn parse_hash(text: &str) -> Result<Hash, ErrorObjectOwned> {
    hex::decode32(text).map_err(|e| invalid_params(format!("{text:?} is not a block hash: {e}")))
}

fn parse_extrinsic(text: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    hex::decode(text).map_err(|e| invalid_params(format!("the extrinsic must be hex: {e}")))
}

impl RpcServer {
    /// The number of the block `at` names (the best block when `None`).
    fn resolve(&self, at: Option<&str>) -> Result<Option<BlockNumber>, ErrorObjectOwned> {
        let chain = self.node.chain();
        match at {
            None => Ok(chain.store.best_header().map(|h| h.number)),
            Some(text) => chain.store.number_of(&parse_hash(text)?).map_err(internal),
        }
    }

    /// Runs a read view against the state at `at`.
    fn read<R>(&self, at: Option<String>, view: impl FnOnce(&dyn State) -> R) -> Result<R, ErrorObjectOwned> {
        let Some(number) = self.resolve(at.as_deref())? else {
            return Err(invalid_params(format!("unknown block {}", at.unwrap_or_default())));
        };
        let chain = self.node.chain();
        if chain.store.best_header().is_some_and(|h| h.number == number) {
            return Ok(view(chain.store.state()));
        }
        let past = chain.store.state_at(number).map_err(internal)?;
        Ok(view(&past))
    }

    fn header_at(&self, hash: Option<String>) -> Result<Option<bt_runtime::Header>, ErrorObjectOwned> {
        let Some(number) = self.resolve(hash.as_deref())? else { return Ok(None) };
        let block = self.node.chain().store.block(number).map_err(internal)?;
        Ok(block.map(|b| b.header))
    }
}

async fn forward_headers(
    pending: PendingSubscriptionSink,
    mut headers: broadcast::Receiver<bt_runtime::Header>,
) -> SubscriptionResult {
    let sink = pending.accept().await?;
    loop {
        match headers.recv().await {
            Ok(header) => {
                let message =
                    SubscriptionMessage::from(serde_json::value::to_raw_value(&RpcHeader::new(&header))?);
                if sink.send(message).await.is_err() {
                    return Ok(());
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        }
    }
}

#[async_trait]
impl ChainApiServer for RpcServer {
    fn system_health(&self) -> RpcResult<Health> {
        Ok(Health { peers: 0, is_syncing: false, should_have_peers: false })
    }

    fn system_name(&self) -> RpcResult<String> {
        Ok("bittensor-rs subtensor".into())
    }

    fn system_version(&self) -> RpcResult<String> {
        Ok(env!("CARGO_PKG_VERSION").into())
    }

    fn system_chain(&self) -> RpcResult<String> {
        Ok(self.node.chain_name.clone())
    }

    fn account_next_index(&self, account: String) -> RpcResult<Nonce> {
        let account = parse_account(&account)?;
        let chain = self.node.chain();
        Ok(chain.pool.next_nonce(chain.store.state(), &account))
    }

    fn header(&self, hash: Option<String>) -> RpcResult<Option<RpcHeader>> {
        Ok(self.header_at(hash)?.map(|h| RpcHeader::new(&h)))
    }

    fn block(&self, hash: Option<String>) -> RpcResult<Option<RpcSignedBlock>> {
        let Some(number) = self.resolve(hash.as_deref())? else { return Ok(None) };
        let block = self.node.chain().store.block(number).map_err(internal)?;
        Ok(block.as_ref().map(RpcSignedBlock::new))
    }

    fn block_hash(&self, number: Option<u64>) -> RpcResult<Option<String>> {
        let chain = self.node.chain();
        let number = match number {
            Some(number) => number,
            None => chain.store.best_header().map_or(0, |h| h.number),
        };
        let block = chain.store.block(number).map_err(internal)?;
        Ok(block.map(|b| hex::encode(&b.header.hash())))
    }

    fn finalized_head(&self) -> RpcResult<String> {
        Ok(hex::encode(&self.node.chain().finalized.hash()))
    }

    async fn subscribe_new_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        forward_headers(pending, self.node.subscribe_heads()).await
    }

    async fn subscribe_finalized_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        forward_headers(pending, self.node.subscribe_finalized()).await
    }

    fn submit_extrinsic(&self, extrinsic: String) -> RpcResult<String> {
        let bytes = parse_extrinsic(&extrinsic)?;
        let hash = self.node.submit(&bytes).map_err(pool_error)?;
        Ok(hex::encode(&hash))
    }

    async fn submit_and_watch_extrinsic(
        &self,
        pending: PendingSubscriptionSink,
        extrinsic: String,
    ) -> SubscriptionResult {
        let bytes = match parse_extrinsic(&extrinsic) {
            Ok(bytes) => bytes,
            Err(error) => {
                pending.reject(error).await;
                return Ok(());
            }
        };
        let hash = bt_primitives::hashing::blake2_256(&bytes);
        let mut statuses = self.node.watch(hash);
        if let Err(error) = self.node.submit(&bytes) {
            pending.reject(pool_error(error)).await;
            return Ok(());
        }
        let sink = pending.accept().await?;
        while let Some(status) = statuses.recv().await {
            let done = matches!(
                status,
                TransactionStatus::Finalized(_)
                    | TransactionStatus::Invalid(_)
                    | TransactionStatus::Dropped(_)
            );
            let message = SubscriptionMessage::from(serde_json::value::to_raw_value(&status)?);
            if sink.send(message).await.is_err() || done {
                break;
            }
        }
        Ok(())
    }

    fn runtime_version(&self) -> RpcResult<RuntimeVersion> {
        Ok(RuntimeVersion {
            spec_name: "node-subtensor".into(),
            impl_name: "bittensor-rs".into(),
            spec_version: SPEC_VERSION,
            impl_version: 1,
            transaction_version: 1,
        })
    }
}

impl SubtensorApiServer for RpcServer {
    fn metagraph(
        &self,
        netuid: NetUid,
        at: Option<String>,
        with_weights: Option<bool>,
    ) -> RpcResult<Option<Metagraph>> {
        self.read(at, |state| views::metagraph(state, netuid, with_weights.unwrap_or(false)))
    }

    fn neuron(&self, netuid: NetUid, uid: Uid, at: Option<String>) -> RpcResult<Option<NeuronInfo>> {
        self.read(at, |state| views::neuron(state, netuid, uid))
    }

    fn subnets(&self, at: Option<String>) -> RpcResult<Vec<SubnetInfo>> {
        self.read(at, views::subnets)
    }

    fn subnet_hyperparameters(
        &self,
        netuid: NetUid,
        at: Option<String>,
    ) -> RpcResult<Option<SubnetHyperparams>> {
        self.read(at, |state| views::subnet_hyperparameters(state, netuid))
    }

    fn balance(&self, account: String, at: Option<String>) -> RpcResult<Balance> {
        let account = parse_account(&account)?;
        self.read(at, |state| views::balance(state, &account))
    }

    fn stake_info_for_coldkey(&self, coldkey: String, at: Option<String>) -> RpcResult<Vec<StakeInfo>> {
        let coldkey = parse_account(&coldkey)?;
        self.read(at, |state| views::stake_info_for_coldkey(state, &coldkey))
    }

    fn delegates(&self, at: Option<String>) -> RpcResult<Vec<DelegateInfo>> {
        self.read(at, views::delegates)
    }

    fn block_events(&self, at: Option<String>) -> RpcResult<Option<RpcBlockEvents>> {
        let Some(number) = self.resolve(at.as_deref())? else { return Ok(None) };
        let chain = self.node.chain();
        let (Some(block), Some(events)) =
            (chain.store.block(number).map_err(internal)?, chain.store.events(number).map_err(internal)?)
        else {
            return Ok(None);
        };
        Ok(Some(RpcBlockEvents {
            hash: hex::encode(&block.header.hash()),
            number,
            initialization: events.initialization,
            extrinsics: block
                .extrinsics
                .iter()
                .zip(events.extrinsics)
                .map(|(tx, events)| RpcExtrinsicEvents::new(tx, events))
                .collect(),
        }))
    }

    fn burn(&self, netuid: NetUid, at: Option<String>) -> RpcResult<Option<Balance>> {
        self.read(at, |state| bt_runtime::subnets::exists(state, netuid).then(|| Burn::get(state, &netuid)))
    }

    fn lock_cost(&self, at: Option<String>) -> RpcResult<Balance> {
        self.read(at, |state| {
            let block = bt_runtime::CurrentBlock::get(state, &()) + 1;
            bt_runtime::subnets::lock_cost(state, block)
        })
    }

    fn transaction_status(&self, hash: String) -> RpcResult<Option<TransactionStatus>> {
        let hash = parse_hash(&hash)?;
        let chain = self.node.chain();
        Ok(chain.pool.status(chain.store.state(), &hash))
    }
}
