//! Durable chain state and block store on redb: atomic block commits, a state root,
//! historical reads and crash-safe restarts.
//!
//! One database file holds everything. Committing a block is one redb write transaction
//! that writes the block, its events, the changed state entries (current and versioned)
//! and the new best block together, so after a crash at any moment the store reopens at
//! the last committed block with nothing half-applied. The current state is also kept in
//! memory for fast reads; it is rebuilt from the database on open.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod root;

use std::collections::BTreeMap;
use std::path::Path;

use bt_primitives::{BlockNumber, Hash};
use bt_runtime::{Block, Event, Header, MemoryState, Overlay, State};
use parity_scale_codec::{Decode, Encode};
use redb::{Database, ReadOnlyTable, ReadableTable, TableDefinition};

pub use root::StateRoot;

const CURRENT: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// Every version of every entry: `key ++ block number (8 bytes, big-endian)` → `0` for
/// removed, or `1 ++ value`.
const HISTORY: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_history");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("block_numbers");
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const BEST: &str = "best";

/// State changes of one block: `Some(value)` written, `None` removed.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What a block's application emitted: the block hook's events, then each transaction's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockEvents {
    /// Events of the block hook (coinbase, epochs).
    pub initialization: Vec<Event>,
    /// Events per transaction, in block order.
    pub extrinsics: Vec<Vec<Event>>,
}

/// A storage failure: the database could not be read or written, or holds data this
/// version cannot read.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database reported an error.
    #[error("database: {0}")]
    Database(Box<redb::Error>),
    /// Stored bytes do not decode.
    #[error("corrupt stored {0}")]
    Corrupt(&'static str),
    /// A block that does not extend the best block.
    #[error("block #{got} does not follow the best block #{best:?}")]
    NotNext {
        /// The best block number, if any.
        best: Option<BlockNumber>,
        /// The number of the refused block.
        got: BlockNumber,
    },
}

macro_rules! db_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StorageError {
            fn from(e: $t) -> Self {
                StorageError::Database(Box::new(e.into()))
            }
        }
    )*};
}
db_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The chain's state and blocks, on disk and (state) in memory.
pub struct Store {
    db: Database,
    state: MemoryState,
    root: StateRoot,
    best: Option<Header>,
}

fn versioned_key(key: &[u8], number: BlockNumber) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 8);
    out.extend_from_slice(key);
    out.extend_from_slice(&number.to_be_bytes());
    out
}

fn versioned_value(value: &Option<Vec<u8>>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(value) => {
            let mut out = Vec::with_capacity(value.len() + 1);
            out.push(1);
            out.extend_from_slice(value);
            out
        }
    }
}

impl Store {
    /// Opens the store at `path`, creating it if needed, and loads the current state.
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        {
            // Create every table, so that reads never meet a missing one.
            txn.open_table(CURRENT)?;
            txn.open_table(HISTORY)?;
            txn.open_table(BLOCKS)?;
            txn.open_table(HASHES)?;
            txn.open_table(EVENTS)?;
            txn.open_table(META)?;
        }
        txn.commit()?;
        let read = db.begin_read()?;
        let mut state = MemoryState::new();
        let mut root = StateRoot::default();
        for entry in read.open_table(CURRENT)?.iter()? {
            let (key, value) = entry?;
            root.insert(key.value(), value.value());
            state.set(key.value(), value.value().to_vec());
        }
        let best_number = read.open_table(META)?.get(BEST)?.map(|v| v.value());
        let mut store = Store { db, state, root, best: None };
        if let Some(number) = best_number {
            let block = store.block(number)?.ok_or(StorageError::Corrupt("best block"))?;
            store.best = Some(block.header);
        }
        Ok(store)
    }

    /// The current state (after the best block).
    pub fn state(&self) -> &MemoryState {
        &self.state
    }

    /// An overlay on the current state for applying the next block. Take its changes with
    /// [`Overlay::into_changes`] and pass them to [`Store::commit_block`]; never commit the
    /// overlay itself.
    pub fn overlay(&mut self) -> Overlay<'_> {
        Overlay::new(&mut self.state)
    }

    /// The header of the best (last committed) block.
    pub fn best_header(&self) -> Option<&Header> {
        self.best.as_ref()
    }

    /// The state root the state would have after `changes`.
    pub fn root_after(&self, changes: &Changes) -> Hash {
        let mut root = self.root.clone();
        for (key, value) in changes {
            root.replace(key, self.state.get(key).as_deref(), value.as_deref());
        }
        root.to_bytes()
    }

    /// The root of the current state.
    pub fn state_root(&self) -> Hash {
        self.root.to_bytes()
    }

    /// Commits `block` with its state `changes` and `events`, atomically. The block must be
    /// the genesis block (number 0) of an empty store or follow the best block.
    pub fn commit_block(
        &mut self,
        block: &Block,
        changes: Changes,
        events: &BlockEvents,
    ) -> Result<(), StorageError> {
        let number = block.header.number;
        let expected = self.best.as_ref().map_or(0, |h| h.number + 1);
        if number != expected {
            return Err(StorageError::NotNext { best: self.best.as_ref().map(|h| h.number), got: number });
        }
        let hash = block.header.hash();
        let txn = self.db.begin_write()?;
        {
            let mut current = txn.open_table(CURRENT)?;
            let mut history = txn.open_table(HISTORY)?;
            for (key, value) in &changes {
                match value {
                    Some(value) => current.insert(key.as_slice(), value.as_slice())?,
                    None => current.remove(key.as_slice())?,
                };
                history.insert(versioned_key(key, number).as_slice(), versioned_value(value).as_slice())?;
            }
            txn.open_table(BLOCKS)?.insert(number, block.encode().as_slice())?;
            txn.open_table(HASHES)?.insert(hash.as_slice(), number)?;
            txn.open_table(EVENTS)?.insert(number, events.encode().as_slice())?;
            txn.open_table(META)?.insert(BEST, number)?;
        }
        txn.commit()?;
        for (key, value) in changes {
            self.root.replace(&key, self.state.get(&key).as_deref(), value.as_deref());
            match value {
                Some(value) => self.state.set(&key, value),
                None => self.state.remove(&key),
            }
        }
        self.best = Some(block.header.clone());
        Ok(())
    }

    /// The block at height `number`.
    pub fn block(&self, number: BlockNumber) -> Result<Option<Block>, StorageError> {
        let read = self.db.begin_read()?;
        let Some(bytes) = read.open_table(BLOCKS)?.get(number)? else {
            return Ok(None);
        };
        Block::decode(&mut bytes.value()).map(Some).map_err(|_| StorageError::Corrupt("block"))
    }

    /// The height of the block with this hash.
    pub fn number_of(&self, hash: &Hash) -> Result<Option<BlockNumber>, StorageError> {
        let read = self.db.begin_read()?;
        Ok(read.open_table(HASHES)?.get(hash.as_slice())?.map(|v| v.value()))
    }

    /// The events of block `number`.
    pub fn events(&self, number: BlockNumber) -> Result<Option<BlockEvents>, StorageError> {
        let read = self.db.begin_read()?;
        let Some(bytes) = read.open_table(EVENTS)?.get(number)? else {
            return Ok(None);
        };
        BlockEvents::decode(&mut bytes.value()).map(Some).map_err(|_| StorageError::Corrupt("events"))
    }

    /// The state as it was after block `number` (read-only: writes stay in the view).
    pub fn state_at(&self, number: BlockNumber) -> Result<HistoricalState, StorageError> {
        let read = self.db.begin_read()?;
        Ok(HistoricalState { history: read.open_table(HISTORY)?, number, writes: MemoryState::new() })
    }
}

/// The state after some past block, read from the versioned entries.
pub struct HistoricalState {
    history: ReadOnlyTable<&'static [u8], &'static [u8]>,
    number: BlockNumber,
    writes: MemoryState,
}

impl HistoricalState {
    fn decode_version(bytes: &[u8]) -> Option<Vec<u8>> {
        match bytes.split_first() {
            Some((1, value)) => Some(value.to_vec()),
            _ => None,
        }
    }
}

impl State for HistoricalState {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.writes.get(key) {
            return Some(value);
        }
        let (low, high) = (versioned_key(key, 0), versioned_key(key, self.number));
        // The newest version at or before the block is the last one in the range.
        let range = self.history.range(low.as_slice()..=high.as_slice()).ok()?;
        let latest = range.rev().flatten().find(|entry| entry.0.value().len() == key.len() + 8)?;
        Self::decode_version(latest.1.value())
    }

    fn set(&mut self, key: &[u8], value: Vec<u8>) {
        self.writes.set(key, value);
    }

    fn remove(&mut self, key: &[u8]) {
        self.writes.remove(key);
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut latest: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        if let Ok(range) = self.history.range(prefix..) {
            for entry in range.flatten() {
                let versioned = entry.0.value();
                if !versioned.starts_with(prefix) {
                    break;
                }
                let Some(split) = versioned.len().checked_sub(8) else { continue };
                let number = u64::from_be_bytes(versioned[split..].try_into().unwrap_or_default());
                if number <= self.number {
                    latest.insert(versioned[..split].to_vec(), Self::decode_version(entry.1.value()));
                }
            }
        }
        latest.into_iter().filter_map(|(key, value)| Some((key, value?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bt_primitives::AccountId;

    fn header(number: BlockNumber, parent: Hash, state_root: Hash) -> Header {
        Header {
            parent_hash: parent,
            number,
            timestamp_ms: number * 250,
            extrinsics_root: [0; 32],
            state_root,
            author: AccountId([1; 32]),
        }
    }

    fn changes(pairs: &[(&str, Option<&str>)]) -> Changes {
        pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))).collect()
    }

    #[test]
    fn blocks_commit_reopen_and_read_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.redb");
        let mut parent = [0; 32];
        {
            let mut store = Store::open(&path).unwrap();
            assert!(store.best_header().is_none());
            let steps = [
                changes(&[("a/1", Some("x")), ("a/2", Some("y"))]),
                changes(&[("a/1", Some("z")), ("b/1", Some("w"))]),
                changes(&[("a/2", None)]),
            ];
            for (number, step) in steps.into_iter().enumerate() {
                let root = store.root_after(&step);
                let block = Block { header: header(number as u64, parent, root), extrinsics: vec![] };
                store.commit_block(&block, step, &BlockEvents::default()).unwrap();
                assert_eq!(store.state_root(), root);
                parent = block.header.hash();
            }
            let wrong = Block { header: header(7, parent, [0; 32]), extrinsics: vec![] };
            assert!(matches!(
                store.commit_block(&wrong, Changes::new(), &BlockEvents::default()),
                Err(StorageError::NotNext { best: Some(2), got: 7 })
            ));
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.best_header().unwrap().number, 2);
        assert_eq!(store.best_header().unwrap().hash(), parent);
        assert_eq!(store.state_root(), store.best_header().unwrap().state_root);
        assert_eq!(store.state().get(b"a/1"), Some(b"z".to_vec()));
        assert_eq!(store.state().get(b"a/2"), None);
        assert_eq!(store.number_of(&parent).unwrap(), Some(2));

        let past = store.state_at(0).unwrap();
        assert_eq!(past.get(b"a/1"), Some(b"x".to_vec()));
        assert_eq!(past.get(b"b/1"), None);
        let scanned: Vec<Vec<u8>> = past.scan_prefix(b"a/").into_iter().map(|(k, _)| k).collect();
        assert_eq!(scanned, vec![b"a/1".to_vec(), b"a/2".to_vec()]);
        let now = store.state_at(2).unwrap();
        assert_eq!(now.scan_prefix(b"a/"), vec![(b"a/1".to_vec(), b"z".to_vec())]);
    }
}
