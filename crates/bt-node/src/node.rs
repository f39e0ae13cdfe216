//! The node: durable chain, transaction pool, block authoring, import and finality, and
//! the notifications clients subscribe to.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use bt_primitives::{hex, Hash};
use bt_rpc::TransactionStatus;
use bt_runtime::block::extrinsics_root;
use bt_runtime::{Block, BlockContext, Event, Header, Runtime, SignedTransaction};
use bt_storage::{BlockEvents, Changes, Store};
use tokio::sync::{broadcast, mpsc};

use crate::chain_spec::ChainSpec;
use crate::consensus::Consensus;
use crate::mempool::{Mempool, PoolConfig, PoolError};

/// How the node runs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Time between blocks.
    pub block_time: Duration,
    /// The most transactions put in one block.
    pub max_block_transactions: usize,
    /// Pool limits.
    pub pool: PoolConfig,
}

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    /// Transactions included since start.
    pub transactions: AtomicU64,
    /// Epochs run since start.
    pub epochs: AtomicU64,
    /// (block timestamp ms, transactions) of recent blocks, for the rate.
    recent: Mutex<VecDeque<(u64, u64)>>,
}

impl Metrics {
    /// Transactions per second over the last 10 seconds of blocks.
    pub fn transactions_per_second(&self) -> f64 {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let total: u64 = recent.iter().map(|(_, n)| n).sum();
        total as f64 / 10.0
    }

    fn record_block(&self, timestamp_ms: u64, transactions: u64, epochs: u64) {
        self.transactions.fetch_add(transactions, Ordering::Relaxed);
        self.epochs.fetch_add(epochs, Ordering::Relaxed);
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.push_back((timestamp_ms, transactions));
        while recent.front().is_some_and(|(t, _)| *t + 10_000 < timestamp_ms) {
            recent.pop_front();
        }
    }
}

/// Everything behind the node's lock.
pub struct Chain {
    /// Blocks and state.
    pub store: Store,
    /// Pending transactions.
    pub pool: Mempool,
    /// The last finalized block.
    pub finalized: Header,
    consensus: Box<dyn Consensus>,
}

/// A running node.
pub struct Node {
    /// The chain's rules.
    pub runtime: Runtime,
    /// The chain's name.
    pub chain_name: String,
    /// The genesis block hash.
    pub genesis_hash: Hash,
    /// Counters.
    pub metrics: Metrics,
    config: NodeConfig,
    chain: Mutex<Chain>,
    heads: broadcast::Sender<Header>,
    finalized_heads: broadcast::Sender<Header>,
    watchers: Mutex<HashMap<Hash, Vec<mpsc::UnboundedSender<TransactionStatus>>>>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Node {
    /// Opens (or creates from `spec`) the chain stored under `base_path`.
    pub fn open(
        spec: &ChainSpec,
        base_path: &Path,
        consensus: Box<dyn Consensus>,
        config: NodeConfig,
    ) -> anyhow::Result<Arc<Node>> {
        std::fs::create_dir_all(base_path).with_context(|| format!("creating {}", base_path.display()))?;
        let db_path = base_path.join("chain.redb");
        let mut store = Store::open(&db_path).with_context(|| format!("opening {}", db_path.display()))?;
        let (genesis, changes) = spec.genesis_block()?;
        let genesis_hash = genesis.header.hash();
        match store.block(0)? {
            None => store.commit_block(&genesis, changes, &BlockEvents::default())?,
            Some(stored) if stored.header.hash() == genesis_hash => {}
            Some(stored) => bail!(
                "the database in {} belongs to another chain (genesis {}, this spec's genesis {})",
                base_path.display(),
                hex::encode(&stored.header.hash()),
                hex::encode(&genesis_hash)
            ),
        }
        let best = store.best_header().cloned().context("no best block after genesis")?;
        if store.state_root() != best.state_root {
            bail!("the state in {} does not match block #{}'s state root", base_path.display(), best.number);
        }
        let chain = Chain { store, pool: Mempool::new(config.pool), finalized: best, consensus };
        Ok(Arc::new(Node {
            runtime: Runtime::new(genesis_hash),
            chain_name: spec.name.clone(),
            genesis_hash,
            metrics: Metrics::default(),
            config,
            chain: Mutex::new(chain),
            heads: broadcast::channel(256).0,
            finalized_heads: broadcast::channel(256).0,
            watchers: Mutex::new(HashMap::new()),
        }))
    }

    /// The node's state, locked. Hold it briefly.
    pub fn chain(&self) -> MutexGuard<'_, Chain> {
        self.chain.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Time between blocks.
    pub fn block_time(&self) -> Duration {
        self.config.block_time
    }

    /// New best headers.
    pub fn subscribe_heads(&self) -> broadcast::Receiver<Header> {
        self.heads.subscribe()
    }

    /// Newly finalized headers.
    pub fn subscribe_finalized(&self) -> broadcast::Receiver<Header> {
        self.finalized_heads.subscribe()
    }

    /// Adds an encoded transaction to the pool.
    pub fn submit(&self, bytes: &[u8]) -> Result<Hash, PoolError> {
        // Signature checks run outside the lock, in parallel across RPC connections.
        let tx = Mempool::check(&self.runtime, bytes)?;
        let (hash, ready) = {
            let mut chain = self.chain();
            let Chain { store, pool, .. } = &mut *chain;
            pool.insert(store.state(), tx, bytes.len())?
        };
        self.notify(&hash, if ready { TransactionStatus::Ready } else { TransactionStatus::Future });
        Ok(hash)
    }

    /// Follows a transaction's status from now on.
    pub fn watch(&self, hash: Hash) -> mpsc::UnboundedReceiver<TransactionStatus> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        watchers.entry(hash).or_default().push(sender);
        receiver
    }

    fn notify(&self, hash: &Hash, status: TransactionStatus) {
        let done = matches!(
            status,
            TransactionStatus::Finalized(_) | TransactionStatus::Invalid(_) | TransactionStatus::Dropped(_)
        );
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = watchers.get_mut(hash) {
            list.retain(|w| w.send(status.clone()).is_ok());
            if done || list.is_empty() {
                watchers.remove(hash);
            }
        }
    }

    /// Authors, imports and finalizes the next block if the consensus engine says so.
    pub fn produce_block(&self) -> anyhow::Result<Option<Header>> {
        let mut notices = Vec::new();
        let (header, is_final) = {
            let mut chain = self.chain();
            let parent = chain.store.best_header().cloned().context("no best block")?;
            let Some(context) = chain.consensus.propose(&parent, now_ms()) else { return Ok(None) };
            let (block, changes, events) = self.author(&mut chain, &parent, &context, &mut notices);
            self.import(&mut chain, &parent, block, changes, events, &mut notices)?
        };
        self.announce(&header, is_final, notices);
        Ok(Some(header))
    }

    /// Imports a block produced elsewhere: checks it with the consensus engine,
    /// re-executes it (signatures included) and requires the same transactions root and
    /// state root before committing it.
    pub fn import_block(&self, block: Block) -> anyhow::Result<Header> {
        let mut notices = Vec::new();
        let (header, is_final) = {
            let mut chain = self.chain();
            let parent = chain.store.best_header().cloned().context("no best block")?;
            if !chain.consensus.verify(&parent, &block.header) {
                bail!(
                    "block #{} does not follow #{} or has the wrong author",
                    block.header.number,
                    parent.number
                );
            }
            if extrinsics_root(&block.extrinsics) != block.header.extrinsics_root {
                bail!("block #{}: transactions do not match the header", block.header.number);
            }
            let context = BlockContext {
                number: block.header.number,
                timestamp_ms: block.header.timestamp_ms,
                author: block.header.author,
            };
            let mut overlay = chain.store.overlay();
            let initialization = self.runtime.initialize_block(&mut overlay, &context);
            let mut events = BlockEvents { initialization, extrinsics: Vec::new() };
            for checked in SignedTransaction::check_all(block.extrinsics.clone(), &self.runtime.chain) {
                let tx_events = checked
                    .and_then(|tx| self.runtime.apply_extrinsic(&mut overlay, &context, &tx))
                    .map_err(|invalid| anyhow::anyhow!("block #{}: {invalid}", block.header.number))?;
                events.extrinsics.push(tx_events);
            }
            let changes = overlay.into_changes();
            if chain.store.root_after(&changes) != block.header.state_root {
                bail!("block #{}: state root mismatch", block.header.number);
            }
            self.import(&mut chain, &parent, block, changes, events, &mut notices)?
        };
        self.announce(&header, is_final, notices);
        Ok(header)
    }

    /// Authoring: the next block on `parent` with the pool's ready transactions; those
    /// that turn out invalid are dropped from the pool.
    fn author(
        &self,
        chain: &mut Chain,
        parent: &Header,
        context: &BlockContext,
        notices: &mut Vec<(Hash, TransactionStatus)>,
    ) -> (Block, Changes, BlockEvents) {
        let Chain { store, pool, .. } = chain;
        let candidates = pool.ready(store.state(), self.config.max_block_transactions);
        let mut overlay = store.overlay();
        let initialization = self.runtime.initialize_block(&mut overlay, context);
        let mut extrinsics = Vec::new();
        let mut events = BlockEvents { initialization, extrinsics: Vec::new() };
        for tx in candidates {
            match self.runtime.apply_extrinsic(&mut overlay, context, &tx) {
                Ok(tx_events) => {
                    extrinsics.push(tx.tx().clone());
                    events.extrinsics.push(tx_events);
                }
                Err(invalid) => {
                    let hash = tx.tx().hash();
                    pool.remove(&hash, TransactionStatus::Invalid(invalid.to_string()));
                    notices.push((hash, TransactionStatus::Invalid(invalid.to_string())));
                }
            }
        }
        let changes = overlay.into_changes();
        let header = Header {
            parent_hash: parent.hash(),
            number: context.number,
            timestamp_ms: context.timestamp_ms,
            extrinsics_root: extrinsics_root(&extrinsics),
            state_root: store.root_after(&changes),
            author: context.author,
        };
        (Block { header, extrinsics }, changes, events)
    }

    /// Import and finality: commits the executed block, updates the pool, and finalizes
    /// it if the engine says so. Returns the header and whether it is final.
    fn import(
        &self,
        chain: &mut Chain,
        parent: &Header,
        block: Block,
        changes: Changes,
        events: BlockEvents,
        notices: &mut Vec<(Hash, TransactionStatus)>,
    ) -> anyhow::Result<(Header, bool)> {
        let Chain { store, pool, consensus, finalized } = chain;
        if !consensus.verify(parent, &block.header) {
            bail!("consensus refused block #{}", block.header.number);
        }
        store.commit_block(&block, changes, &events)?;
        let header = block.header;
        let block_hash = hex::encode(&header.hash());
        for tx in &block.extrinsics {
            let hash = tx.hash();
            pool.remove(&hash, TransactionStatus::Finalized(block_hash.clone()));
            notices.push((hash, TransactionStatus::InBlock(block_hash.clone())));
        }
        for hash in pool.prune_stale(store.state()) {
            notices.push((hash, TransactionStatus::Dropped("nonce already used (stale)".into())));
        }
        let is_final = consensus.is_final(&header);
        if is_final {
            *finalized = header.clone();
            let done = block
                .extrinsics
                .iter()
                .map(|tx| (tx.hash(), TransactionStatus::Finalized(block_hash.clone())));
            notices.extend(done);
        }
        let epochs = events.initialization.iter().filter(|e| matches!(e, Event::EpochRan { .. })).count();
        self.metrics.record_block(header.timestamp_ms, block.extrinsics.len() as u64, epochs as u64);
        tracing::info!(
            "Imported #{} ({}…), {} transactions, {} epochs{}",
            header.number,
            &block_hash[..10],
            block.extrinsics.len(),
            epochs,
            if is_final { ", final" } else { "" }
        );
        Ok((header, is_final))
    }

    /// Tells subscribers about a new block and its transactions.
    fn announce(&self, header: &Header, is_final: bool, notices: Vec<(Hash, TransactionStatus)>) {
        for (hash, status) in notices {
            self.notify(&hash, status);
        }
        let _ = self.heads.send(header.clone());
        if is_final {
            let _ = self.finalized_heads.send(header.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain_spec::dev_key;
    use crate::consensus::DevAuthority;
    use bt_runtime::call::{BalancesCall, Call};
    use parity_scale_codec::Encode;

    fn node(dir: &Path) -> Arc<Node> {
        let config = NodeConfig {
            block_time: Duration::from_millis(50),
            max_block_transactions: 100,
            pool: PoolConfig::default(),
        };
        let authority = Box::new(DevAuthority::new(dev_key("Alice").account()));
        Node::open(&ChainSpec::dev(), dir, authority, config).unwrap()
    }

    #[test]
    fn another_node_imports_the_blocks_to_the_same_state_root() {
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (node(dir_a.path()), node(dir_b.path()));
        assert_eq!(a.genesis_hash, b.genesis_hash);
        let bob = dev_key("Bob").account();
        for nonce in 0..3 {
            let call = Call::Balances(BalancesCall::transfer_allow_death { dest: bob, value: 5_000.into() });
            let tx = SignedTransaction::sign(&dev_key("Alice"), call, nonce, 0, &a.runtime.chain);
            a.submit(&tx.encode()).unwrap();
            let header = a.produce_block().unwrap().unwrap();
            let block = a.chain().store.block(header.number).unwrap().unwrap();
            assert_eq!(block.extrinsics.len(), 1);

            let mut tampered = block.clone();
            tampered.header.state_root[0] ^= 1;
            assert!(b.import_block(tampered).unwrap_err().to_string().contains("state root"));
            let mut reordered = block.clone();
            reordered.extrinsics.clear();
            assert!(b.import_block(reordered).is_err());

            let imported = b.import_block(block).unwrap();
            assert_eq!(imported.hash(), header.hash());
            assert_eq!(b.chain().store.state_root(), a.chain().store.state_root());
        }
        assert_eq!(
            bt_runtime::views::balance(b.chain().store.state(), &bob),
            1_000_000 * 1_000_000_000 + 15_000
        );
    }
}
