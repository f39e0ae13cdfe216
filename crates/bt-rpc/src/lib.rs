//! The node's JSON-RPC interface: method names, parameters and result types, shared by
//! the node and its clients.
//!
//! Methods that Substrate has keep Substrate's names and shapes (`chain_getHeader`,
//! `author_submitAndWatchExtrinsic`, …), so Substrate habits carry over. The chain's own
//! read views are under `subtensor_`, as JSON, at the best block or at a given block hash.
//! [`ChainApiServer`]/[`SubtensorApiServer`] are implemented by the node;
//! [`ChainApiClient`]/[`SubtensorApiClient`] work over any jsonrpsee client.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod types;

use bt_primitives::{Balance, NetUid, Nonce, Uid};
use bt_runtime::hyperparams::SubnetHyperparams;
use bt_runtime::views::{DelegateInfo, Metagraph, NeuronInfo, StakeInfo, SubnetInfo};
use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;

pub use types::*;

/// A method's result or a JSON-RPC error.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Substrate-compatible methods: node, blocks, transactions.
#[rpc(server, client)]
pub trait ChainApi {
    /// Peers and sync status (a dev node has no peers).
    #[method(name = "system_health")]
    fn system_health(&self) -> RpcResult<Health>;

    /// The node implementation's name.
    #[method(name = "system_name")]
    fn system_name(&self) -> RpcResult<String>;

    /// The node's version.
    #[method(name = "system_version")]
    fn system_version(&self) -> RpcResult<String>;

    /// The chain's name.
    #[method(name = "system_chain")]
    fn system_chain(&self) -> RpcResult<String>;

    /// The next nonce of an account (SS58), counting its transactions in the pool.
    #[method(name = "system_accountNextIndex")]
    fn account_next_index(&self, account: String) -> RpcResult<Nonce>;

    /// The header of a block (by hash; the best block without one).
    #[method(name = "chain_getHeader")]
    fn header(&self, hash: Option<String>) -> RpcResult<Option<RpcHeader>>;

    /// A block with its transactions as SCALE hex.
    #[method(name = "chain_getBlock")]
    fn block(&self, hash: Option<String>) -> RpcResult<Option<RpcSignedBlock>>;

    /// The hash of the block at a height (the best block without one).
    #[method(name = "chain_getBlockHash")]
    fn block_hash(&self, number: Option<u64>) -> RpcResult<Option<String>>;

    /// The hash of the last finalized block.
    #[method(name = "chain_getFinalizedHead")]
    fn finalized_head(&self) -> RpcResult<String>;

    /// Every new best block's header.
    #[subscription(name = "chain_subscribeNewHeads" => "chain_newHead", unsubscribe = "chain_unsubscribeNewHeads", item = RpcHeader)]
    async fn subscribe_new_heads(&self) -> SubscriptionResult;

    /// Every newly finalized block's header.
    #[subscription(name = "chain_subscribeFinalizedHeads" => "chain_finalizedHead", unsubscribe = "chain_unsubscribeFinalizedHeads", item = RpcHeader)]
    async fn subscribe_finalized_heads(&self) -> SubscriptionResult;

    /// Submits a SCALE-encoded signed transaction (hex); returns its hash.
    #[method(name = "author_submitExtrinsic")]
    fn submit_extrinsic(&self, extrinsic: String) -> RpcResult<String>;

    /// Submits a transaction and follows it: `ready`, `inBlock`, `finalized`, or
    /// `invalid` / `dropped` with the reason.
    #[subscription(name = "author_submitAndWatchExtrinsic" => "author_extrinsicUpdate", unsubscribe = "author_unwatchExtrinsic", item = TransactionStatus)]
    async fn submit_and_watch_extrinsic(&self, extrinsic: String) -> SubscriptionResult;

    /// The runtime's name and versions.
    #[method(name = "state_getRuntimeVersion")]
    fn runtime_version(&self) -> RpcResult<RuntimeVersion>;
}

/// The chain's read views, as JSON. `at` is a block hash; without it, the best block.
#[rpc(server, client)]
pub trait SubtensorApi {
    /// A subnet's metagraph, with every weight and bond row when `with_weights`.
    #[method(name = "subtensor_metagraph")]
    fn metagraph(
        &self,
        netuid: NetUid,
        at: Option<String>,
        with_weights: Option<bool>,
    ) -> RpcResult<Option<Metagraph>>;

    /// One neuron.
    #[method(name = "subtensor_neuron")]
    fn neuron(&self, netuid: NetUid, uid: Uid, at: Option<String>) -> RpcResult<Option<NeuronInfo>>;

    /// Every subnet.
    #[method(name = "subtensor_subnets")]
    fn subnets(&self, at: Option<String>) -> RpcResult<Vec<SubnetInfo>>;

    /// A subnet's hyperparameters.
    #[method(name = "subtensor_subnetHyperparameters")]
    fn subnet_hyperparameters(
        &self,
        netuid: NetUid,
        at: Option<String>,
    ) -> RpcResult<Option<SubnetHyperparams>>;

    /// An account's free balance (rao).
    #[method(name = "subtensor_balance")]
    fn balance(&self, account: String, at: Option<String>) -> RpcResult<Balance>;

    /// A coldkey's stake positions.
    #[method(name = "subtensor_stakeInfoForColdkey")]
    fn stake_info_for_coldkey(&self, coldkey: String, at: Option<String>) -> RpcResult<Vec<StakeInfo>>;

    /// Every hotkey with its take, nominators and registrations.
    #[method(name = "subtensor_delegates")]
    fn delegates(&self, at: Option<String>) -> RpcResult<Vec<DelegateInfo>>;

    /// What a block emitted: the block hook's events and each transaction's outcome.
    #[method(name = "subtensor_blockEvents")]
    fn block_events(&self, at: Option<String>) -> RpcResult<Option<RpcBlockEvents>>;

    /// A subnet's current registration price (rao).
    #[method(name = "subtensor_burn")]
    fn burn(&self, netuid: NetUid, at: Option<String>) -> RpcResult<Option<Balance>>;

    /// The price of registering a subnet now (rao).
    #[method(name = "subtensor_lockCost")]
    fn lock_cost(&self, at: Option<String>) -> RpcResult<Balance>;

    /// What became of a submitted transaction (by hash), while the node remembers it.
    #[method(name = "subtensor_transactionStatus")]
    fn transaction_status(&self, hash: String) -> RpcResult<Option<TransactionStatus>>;
}
