//! The chain client: typed calls and reads over the node's JSON-RPC, in the spirit of the
//! Python SDK's `Subtensor`.

use std::path::PathBuf;
use std::time::Duration;

use bt_primitives::{hex, AccountId, Balance, BlockNumber, Keypair, NetUid, Uid};
use bt_rpc::{ChainApiClient, SubtensorApiClient, TransactionStatus};
use bt_runtime::call::{BalancesCall, Call, SubtensorCall};
use bt_runtime::hyperparams::SubnetHyperparams;
use bt_runtime::views::{self, NeuronInfo};
use bt_runtime::{ChainId, Event, SignedTransaction, SPEC_VERSION};
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use parity_scale_codec::Encode;

use crate::weights::{self, PendingReveal, RevealStore};

/// The endpoint of `local` and `dev`.
pub const LOCAL_ENDPOINT: &str = "ws://127.0.0.1:9944";

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The endpoint.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Not a network name or URL this client knows.
    #[error("unknown network {0:?}: use local, dev, or a ws:// / http:// URL")]
    UnknownNetwork(String),
    /// The RPC call failed.
    #[error("RPC error: {0}")]
    Rpc(String),
    /// The node refused the transaction (signature, nonce, fee, pool).
    #[error("transaction refused: {0}")]
    Refused(String),
    /// The transaction was included and its call refused by the chain.
    #[error("{error:?}: {error}")]
    Chain {
        /// The chain's named error.
        error: bt_runtime::Error,
    },
    /// Something the call needs is not on chain.
    #[error("{0}")]
    NotFound(String),
    /// Waited too long.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// Keeping a pending reveal on disk failed.
    #[error("{0}")]
    Store(String),
}

impl From<jsonrpsee::core::client::Error> for ClientError {
    fn from(error: jsonrpsee::core::client::Error) -> Self {
        match error {
            jsonrpsee::core::client::Error::Call(e) if e.code() == 1010 || e.code() >= 1013 => {
                ClientError::Refused(e.message().to_string())
            }
            other => ClientError::Rpc(other.to_string()),
        }
    }
}

/// Where a successful transaction landed and what it emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction's hash.
    pub hash: String,
    /// The block that includes it (final on a dev chain).
    pub block_hash: String,
    /// Its height.
    pub block_number: BlockNumber,
    /// The events of the call.
    pub events: Vec<Event>,
}

/// The WebSocket URL of a network name or URL; without one, `BT_SUBTENSOR_CHAIN_ENDPOINT`
/// or `local`.
pub fn endpoint(network: Option<&str>) -> Result<String, ClientError> {
    let network = match network {
        Some(network) => network.to_string(),
        None => std::env::var("BT_SUBTENSOR_CHAIN_ENDPOINT").unwrap_or_else(|_| "local".into()),
    };
    match network.as_str() {
        "local" | "dev" => Ok(LOCAL_ENDPOINT.into()),
        url if url.starts_with("ws://") => Ok(url.into()),
        url if url.starts_with("http://") => Ok(url.replacen("http://", "ws://", 1)),
        other => Err(ClientError::UnknownNetwork(other.into())),
    }
}

/// The error of a read about a subnet the chain does not have.
fn no_subnet(netuid: NetUid) -> ClientError {
    ClientError::NotFound(format!("subnet {netuid} does not exist"))
}

/// A connection to a `subtensor` node.
pub struct Subtensor {
    client: WsClient,
    chain: ChainId,
    url: String,
    reveals: RevealStore,
}

impl Subtensor {
    /// Connects to `network` (see [`endpoint`]).
    pub async fn connect(network: Option<&str>) -> Result<Subtensor, ClientError> {
        let url = endpoint(network)?;
        let client = WsClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .build(&url)
            .await
            .map_err(|e| ClientError::Connect { url: url.clone(), reason: e.to_string() })?;
        let genesis = ChainApiClient::block_hash(&client, Some(0))
            .await?
            .ok_or_else(|| ClientError::NotFound("genesis".into()))?;
        let genesis_hash = hex::decode32(&genesis).map_err(|e| ClientError::Rpc(e.to_string()))?;
        let chain = ChainId { genesis_hash, spec_version: SPEC_VERSION };
        Ok(Subtensor { client, chain, url, reveals: RevealStore::new(RevealStore::default_dir()) })
    }

    /// Keeps pending commit-reveal salts under `dir` instead of the default.
    pub fn with_reveal_dir(mut self, dir: PathBuf) -> Self {
        self.reveals = RevealStore::new(dir);
        self
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The raw RPC client, for methods without a typed wrapper.
    pub fn rpc(&self) -> &WsClient {
        &self.client
    }

    /// Signs `call` with `signer`'s next nonce, submits it, waits until it is final, and
    /// returns its receipt, or the chain's named error if its call was refused.
    pub async fn submit(&self, signer: &Keypair, call: Call) -> Result<Receipt, ClientError> {
        let nonce = ChainApiClient::account_next_index(&self.client, signer.account().to_ss58()).await?;
        let tx = SignedTransaction::sign(signer, call, nonce, 0, &self.chain);
        let hash = hex::encode(&tx.hash());
        let mut statuses =
            ChainApiClient::submit_and_watch_extrinsic(&self.client, hex::encode(&tx.encode())).await?;
        let block_hash = loop {
            let status = tokio::time::timeout(Duration::from_secs(120), statuses.next())
                .await
                .map_err(|_| ClientError::Timeout(format!("transaction {hash}")))?;
            match status {
                Some(Ok(TransactionStatus::Finalized(block))) => break block,
                Some(Ok(TransactionStatus::Invalid(reason) | TransactionStatus::Dropped(reason))) => {
                    return Err(ClientError::Refused(reason))
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(ClientError::Rpc(e.to_string())),
                None => return Err(ClientError::Rpc("the node closed the subscription".into())),
            }
        };
        let block = SubtensorApiClient::block_events(&self.client, Some(block_hash.clone()))
            .await?
            .ok_or_else(|| ClientError::NotFound(format!("block {block_hash}")))?;
        let outcome = block
            .extrinsics
            .into_iter()
            .find(|e| e.hash == hash)
            .ok_or_else(|| ClientError::NotFound(hash.clone()))?;
        if let Some(error) = outcome.events.iter().find_map(|e| match e {
            Event::ExtrinsicFailed { error, .. } => Some(*error),
            _ => None,
        }) {
            return Err(ClientError::Chain { error });
        }
        Ok(Receipt { hash, block_hash, block_number: block.number, events: outcome.events })
    }

    async fn subtensor(&self, signer: &Keypair, call: SubtensorCall) -> Result<Receipt, ClientError> {
        self.submit(signer, Call::SubtensorModule(call)).await
    }

    /// Sends free TAO from the coldkey (`keep_alive` refuses to leave it below the
    /// existential deposit).
    pub async fn transfer(
        &self,
        coldkey: &Keypair,
        dest: &AccountId,
        amount: Balance,
        keep_alive: bool,
    ) -> Result<Receipt, ClientError> {
        let value = amount.into();
        let call = if keep_alive {
            BalancesCall::transfer_keep_alive { dest: *dest, value }
        } else {
            BalancesCall::transfer_allow_death { dest: *dest, value }
        };
        self.submit(coldkey, Call::Balances(call)).await
    }

    /// Creates a subnet owned by the coldkey, with `hotkey` at uid 0; returns its netuid.
    pub async fn register_subnet(
        &self,
        coldkey: &Keypair,
        hotkey: &AccountId,
    ) -> Result<NetUid, ClientError> {
        let receipt = self.subtensor(coldkey, SubtensorCall::register_network { hotkey: *hotkey }).await?;
        receipt
            .events
            .iter()
            .find_map(|e| match e {
                Event::NetworkAdded { netuid, .. } => Some(*netuid),
                _ => None,
            })
            .ok_or_else(|| ClientError::NotFound("NetworkAdded event".into()))
    }

    /// Starts emission and staking on the owner's subnet.
    pub async fn start_call(&self, coldkey: &Keypair, netuid: NetUid) -> Result<Receipt, ClientError> {
        self.subtensor(coldkey, SubtensorCall::start_call { netuid }).await
    }

    /// Registers `hotkey` on `netuid`, the coldkey paying the burn; returns its uid.
    pub async fn burned_register(
        &self,
        coldkey: &Keypair,
        netuid: NetUid,
        hotkey: &AccountId,
    ) -> Result<Uid, ClientError> {
        let receipt =
            self.subtensor(coldkey, SubtensorCall::burned_register { netuid, hotkey: *hotkey }).await?;
        receipt
            .events
            .iter()
            .find_map(|e| match e {
                Event::NeuronRegistered { uid, hotkey: h, .. } if h == hotkey => Some(*uid),
                _ => None,
            })
            .ok_or_else(|| ClientError::NotFound("NeuronRegistered event".into()))
    }

    /// Publishes the hotkey's axon: IPv4 or IPv6 address and port.
    pub async fn serve_axon(
        &self,
        hotkey: &Keypair,
        netuid: NetUid,
        ip: std::net::IpAddr,
        port: u16,
    ) -> Result<Receipt, ClientError> {
        let (ip, ip_type) = bt_runtime::serving::encode_ip(ip);
        let call = SubtensorCall::serve_axon {
            netuid,
            version: 1,
            ip,
            port,
            ip_type,
            protocol: 4,
            placeholder1: 0,
            placeholder2: 0,
        };
        self.subtensor(hotkey, call).await
    }

    /// Stakes `amount` free TAO from the coldkey to `hotkey` on `netuid`.
    pub async fn add_stake(
        &self,
        coldkey: &Keypair,
        hotkey: &AccountId,
        netuid: NetUid,
        amount: Balance,
    ) -> Result<Receipt, ClientError> {
        self.subtensor(coldkey, SubtensorCall::add_stake { hotkey: *hotkey, netuid, amount_staked: amount })
            .await
    }

    /// Unstakes `amount` alpha back to free TAO.
    pub async fn remove_stake(
        &self,
        coldkey: &Keypair,
        hotkey: &AccountId,
        netuid: NetUid,
        amount: Balance,
    ) -> Result<Receipt, ClientError> {
        self.subtensor(
            coldkey,
            SubtensorCall::remove_stake { hotkey: *hotkey, netuid, amount_unstaked: amount },
        )
        .await
    }

    /// Moves stake between hotkeys and subnets.
    pub async fn move_stake(
        &self,
        coldkey: &Keypair,
        from: (&AccountId, NetUid),
        to: (&AccountId, NetUid),
        amount: Balance,
    ) -> Result<Receipt, ClientError> {
        let call = SubtensorCall::move_stake {
            origin_hotkey: *from.0,
            destination_hotkey: *to.0,
            origin_netuid: from.1,
            destination_netuid: to.1,
            alpha_amount: amount,
        };
        self.subtensor(coldkey, call).await
    }

    /// Sets weights from floats, max-normalised to u16 as the Python SDK does (zeros
    /// dropped). With commit-reveal on, it commits, keeps the salt on disk, waits for the
    /// reveal epoch and reveals; a restart resumes with [`Subtensor::reveal_pending`].
    pub async fn set_weights(
        &self,
        hotkey: &Keypair,
        netuid: NetUid,
        uids: &[Uid],
        weights: &[f32],
        version_key: u64,
    ) -> Result<Receipt, ClientError> {
        let (uids, values) = weights::normalize(uids, weights).map_err(ClientError::NotFound)?;
        let params = self.get_subnet_hyperparameters(netuid).await?;
        self.wait_for_rate_limit(hotkey, netuid, params.weights_rate_limit).await?;
        if !params.commit_reveal_weights_enabled {
            let call = SubtensorCall::set_weights { netuid, dests: uids, weights: values, version_key };
            return self.subtensor(hotkey, call).await;
        }
        let salt = weights::salt();
        let hash =
            bt_runtime::weights::commit_hash(&hotkey.account(), netuid, &uids, &values, &salt, version_key);
        let receipt = self.commit_weights(hotkey, netuid, hash).await?;
        let metagraph = self.metagraph_at(netuid, Some(receipt.block_hash.clone()), false).await?;
        let pending = PendingReveal {
            netuid,
            uids,
            values,
            salt,
            version_key,
            reveal_epoch: metagraph.epoch_index + params.commit_reveal_period,
        };
        self.reveals.add(&hotkey.account(), &pending).map_err(ClientError::Store)?;
        self.reveal_when_due(hotkey, &pending).await
    }

    /// Waits until `hotkey` may set (or commit) weights again: `WeightsSetRateLimit`
    /// blocks after its last update.
    async fn wait_for_rate_limit(
        &self,
        hotkey: &Keypair,
        netuid: NetUid,
        limit: u64,
    ) -> Result<(), ClientError> {
        let metagraph = self.metagraph_at(netuid, None, false).await?;
        let uid = metagraph.hotkeys.iter().position(|h| *h == hotkey.account()).ok_or_else(|| {
            ClientError::NotFound(format!("{} is not registered on subnet {netuid}", hotkey.account()))
        })?;
        let last = metagraph.last_update.get(uid).copied().unwrap_or(0);
        if last > 0 && limit > 0 {
            // The next block must be at least `last + limit`.
            self.wait_for_block(last + limit - 1).await?;
        }
        Ok(())
    }

    /// Reveals every pending commit of this hotkey that was kept on disk (after a
    /// restart), waiting for each reveal epoch.
    pub async fn reveal_pending(&self, hotkey: &Keypair) -> Result<Vec<Receipt>, ClientError> {
        let mut receipts = Vec::new();
        for pending in self.reveals.list(&hotkey.account()).map_err(ClientError::Store)? {
            receipts.push(self.reveal_when_due(hotkey, &pending).await?);
        }
        Ok(receipts)
    }

    async fn reveal_when_due(
        &self,
        hotkey: &Keypair,
        pending: &PendingReveal,
    ) -> Result<Receipt, ClientError> {
        for _ in 0..100_000 {
            let metagraph = self.metagraph_at(pending.netuid, None, false).await?;
            if metagraph.epoch_index >= pending.reveal_epoch {
                let call = SubtensorCall::reveal_weights {
                    netuid: pending.netuid,
                    uids: pending.uids.clone(),
                    values: pending.values.clone(),
                    salt: pending.salt.clone(),
                    version_key: pending.version_key,
                };
                let result = self.subtensor(hotkey, call).await;
                if !matches!(result, Err(ClientError::Chain { error: bt_runtime::Error::RevealTooEarly })) {
                    self.reveals.remove(&hotkey.account(), pending).map_err(ClientError::Store)?;
                    return result;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(ClientError::Timeout("the reveal epoch".into()))
    }

    /// Commits to weights by hash (commit-reveal v2).
    pub async fn commit_weights(
        &self,
        hotkey: &Keypair,
        netuid: NetUid,
        commit_hash: [u8; 32],
    ) -> Result<Receipt, ClientError> {
        self.subtensor(hotkey, SubtensorCall::commit_weights { netuid, commit_hash }).await
    }

    /// Reveals committed weights.
    pub async fn reveal_weights(
        &self,
        hotkey: &Keypair,
        netuid: NetUid,
        uids: Vec<u16>,
        values: Vec<u16>,
        salt: Vec<u16>,
        version_key: u64,
    ) -> Result<Receipt, ClientError> {
        self.subtensor(hotkey, SubtensorCall::reveal_weights { netuid, uids, values, salt, version_key })
            .await
    }

    async fn metagraph_at(
        &self,
        netuid: NetUid,
        at: Option<String>,
        with_weights: bool,
    ) -> Result<views::Metagraph, ClientError> {
        SubtensorApiClient::metagraph(&self.client, netuid, at, Some(with_weights))
            .await?
            .ok_or_else(|| no_subnet(netuid))
    }

    /// The chain's metagraph view of `netuid` (one RPC), with weight and bond rows when
    /// `with_weights`.
    pub async fn metagraph_view(
        &self,
        netuid: NetUid,
        with_weights: bool,
    ) -> Result<views::Metagraph, ClientError> {
        self.metagraph_at(netuid, None, with_weights).await
    }

    /// The neuron `hotkey` holds on `netuid`, if registered.
    pub async fn neuron_for_hotkey(
        &self,
        netuid: NetUid,
        hotkey: &AccountId,
    ) -> Result<Option<NeuronInfo>, ClientError> {
        let metagraph = self.metagraph_at(netuid, None, false).await?;
        let Some(uid) = metagraph.hotkeys.iter().position(|h| h == hotkey) else { return Ok(None) };
        Ok(SubtensorApiClient::neuron(&self.client, netuid, uid as Uid, None).await?)
    }

    /// Free TAO of an account.
    pub async fn get_balance(&self, account: &AccountId) -> Result<Balance, ClientError> {
        Ok(SubtensorApiClient::balance(&self.client, account.to_ss58(), None).await?)
    }

    /// The coldkey's stake on `hotkey` in `netuid`.
    pub async fn get_stake(
        &self,
        coldkey: &AccountId,
        hotkey: &AccountId,
        netuid: NetUid,
    ) -> Result<Balance, ClientError> {
        let positions =
            SubtensorApiClient::stake_info_for_coldkey(&self.client, coldkey.to_ss58(), None).await?;
        Ok(positions.iter().filter(|p| p.hotkey == *hotkey && p.netuid == netuid).map(|p| p.stake).sum())
    }

    /// Every stake position of a coldkey.
    pub async fn stake_info_for_coldkey(
        &self,
        coldkey: &AccountId,
    ) -> Result<Vec<views::StakeInfo>, ClientError> {
        Ok(SubtensorApiClient::stake_info_for_coldkey(&self.client, coldkey.to_ss58(), None).await?)
    }

    /// Every subnet.
    pub async fn subnets(&self) -> Result<Vec<views::SubnetInfo>, ClientError> {
        Ok(SubtensorApiClient::subnets(&self.client, None).await?)
    }

    /// A subnet's registration price (rao).
    pub async fn burn(&self, netuid: NetUid) -> Result<Balance, ClientError> {
        SubtensorApiClient::burn(&self.client, netuid, None).await?.ok_or_else(|| no_subnet(netuid))
    }

    /// The price of creating a subnet now (rao).
    pub async fn lock_cost(&self) -> Result<Balance, ClientError> {
        Ok(SubtensorApiClient::lock_cost(&self.client, None).await?)
    }

    /// A subnet's hyperparameters.
    pub async fn get_subnet_hyperparameters(&self, netuid: NetUid) -> Result<SubnetHyperparams, ClientError> {
        SubtensorApiClient::subnet_hyperparameters(&self.client, netuid, None)
            .await?
            .ok_or_else(|| no_subnet(netuid))
    }

    /// The best block number.
    pub async fn current_block(&self) -> Result<BlockNumber, ClientError> {
        let header = ChainApiClient::header(&self.client, None)
            .await?
            .ok_or_else(|| ClientError::NotFound("best block".into()))?;
        header.number().ok_or_else(|| ClientError::Rpc("bad block number".into()))
    }

    /// The hash of block `number` (for example a seed every participant can read).
    pub async fn block_hash(&self, number: BlockNumber) -> Result<[u8; 32], ClientError> {
        let hash = ChainApiClient::block_hash(&self.client, Some(number))
            .await?
            .ok_or_else(|| ClientError::NotFound(format!("block {number}")))?;
        hex::decode32(&hash).map_err(|e| ClientError::Rpc(e.to_string()))
    }

    /// Waits until the chain reaches block `number`.
    pub async fn wait_for_block(&self, number: BlockNumber) -> Result<BlockNumber, ClientError> {
        loop {
            let current = self.current_block().await?;
            if current >= number {
                return Ok(current);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names_and_urls_resolve() {
        assert_eq!(endpoint(Some("local")).unwrap(), LOCAL_ENDPOINT);
        assert_eq!(endpoint(Some("dev")).unwrap(), LOCAL_ENDPOINT);
        assert_eq!(endpoint(Some("ws://10.0.0.1:9944")).unwrap(), "ws://10.0.0.1:9944");
        assert_eq!(endpoint(Some("http://127.0.0.1:9000")).unwrap(), "ws://127.0.0.1:9000");
        assert!(matches!(endpoint(Some("finney")), Err(ClientError::UnknownNetwork(_))));
    }
}
