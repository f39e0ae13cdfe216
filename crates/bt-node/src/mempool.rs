//! The transaction pool: checked on entry, ordered per sender by nonce with later nonces
//! held back, highest tip first across senders, bounded in count and bytes.

use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use bt_primitives::{AccountId, Hash, Nonce};
use bt_rpc::TransactionStatus;
use bt_runtime::balances::Account;
use bt_runtime::storage::Item;
use bt_runtime::{CheckedTransaction, InvalidTransaction, Runtime, SignedTransaction, State};

/// Pool limits.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// The most transactions held.
    pub max_count: usize,
    /// The most encoded bytes held.
    pub max_bytes: usize,
    /// How many finished transactions' outcomes are remembered for status queries.
    pub remembered_outcomes: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig { max_count: 20_000, max_bytes: 32 << 20, remembered_outcomes: 50_000 }
    }
}

/// Why the pool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Not valid now (encoding, signature, chain, nonce or fee).
    #[error("invalid transaction: {0}")]
    Invalid(InvalidTransaction),
    /// The pool is at its limit.
    #[error("transaction pool is full ({count} transactions, {bytes} bytes)")]
    Full {
        /// Transactions held.
        count: usize,
        /// Bytes held.
        bytes: usize,
    },
    /// The same transaction is already in the pool.
    #[error("transaction already in the pool")]
    AlreadyKnown,
    /// Another transaction with this nonce is in the pool with an equal or higher tip.
    #[error("a transaction with this nonce and an equal or higher tip is already in the pool")]
    TooLowPriority,
}

struct Entry {
    tx: CheckedTransaction,
    hash: Hash,
    len: usize,
}

/// The pool.
pub struct Mempool {
    config: PoolConfig,
    senders: HashMap<AccountId, BTreeMap<Nonce, Entry>>,
    by_hash: HashMap<Hash, (AccountId, Nonce)>,
    bytes: usize,
    outcomes: HashMap<Hash, TransactionStatus>,
    outcome_order: VecDeque<Hash>,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Mempool {
            config,
            senders: HashMap::new(),
            by_hash: HashMap::new(),
            bytes: 0,
            outcomes: HashMap::new(),
            outcome_order: VecDeque::new(),
        }
    }

    /// Transactions held.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Decodes an encoded transaction and checks its signature, without touching the pool
    /// (this is the expensive part, so callers run it before taking any lock).
    pub fn check(runtime: &Runtime, bytes: &[u8]) -> Result<CheckedTransaction, PoolError> {
        let tx = SignedTransaction::from_bytes(bytes).map_err(PoolError::Invalid)?;
        runtime.check(tx).map_err(PoolError::Invalid)
    }

    /// Checks and adds an encoded transaction: [`Mempool::check`] then [`Mempool::insert`].
    pub fn submit(
        &mut self,
        runtime: &Runtime,
        state: &dyn State,
        bytes: &[u8],
    ) -> Result<(Hash, bool), PoolError> {
        let tx = Self::check(runtime, bytes)?;
        self.insert(state, tx, bytes.len())
    }

    /// Adds a signature-checked transaction of `len` encoded bytes after checking its nonce
    /// and fee against `state`; returns its hash and whether it is ready (its nonce is next
    /// for its sender). A transaction with the same sender and nonce is replaced only by a
    /// higher tip.
    pub fn insert(
        &mut self,
        state: &dyn State,
        tx: CheckedTransaction,
        len: usize,
    ) -> Result<(Hash, bool), PoolError> {
        let hash = tx.tx().hash();
        if self.by_hash.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let (signer, nonce, tip) = (tx.tx().signer, tx.tx().nonce, tx.tx().tip);
        let account = Account::get(state, &signer);
        if nonce < account.nonce || nonce == Nonce::MAX {
            return Err(PoolError::Invalid(InvalidTransaction::Stale));
        }
        if account.free < tx.fee().saturating_add(tip) {
            return Err(PoolError::Invalid(InvalidTransaction::Payment));
        }
        let replaced = self
            .senders
            .get(&signer)
            .and_then(|queue| queue.get(&nonce))
            .map(|old| (old.hash, old.tx.tx().tip));
        if let Some((_, old_tip)) = replaced {
            if tip <= old_tip {
                return Err(PoolError::TooLowPriority);
            }
        }
        if replaced.is_none()
            && (self.len() >= self.config.max_count || self.bytes + len > self.config.max_bytes)
        {
            return Err(PoolError::Full { count: self.len(), bytes: self.bytes });
        }
        if let Some((old_hash, _)) = replaced {
            self.remove(&old_hash, TransactionStatus::Dropped("replaced by a higher tip".into()));
        }
        self.senders.entry(signer).or_default().insert(nonce, Entry { tx, hash, len });
        self.by_hash.insert(hash, (signer, nonce));
        self.bytes += len;
        Ok((hash, self.is_ready(state, &signer, nonce)))
    }

    fn is_ready(&self, state: &dyn State, signer: &AccountId, nonce: Nonce) -> bool {
        let mut expected = Account::get(state, signer).nonce;
        let Some(queue) = self.senders.get(signer) else { return false };
        for &queued in queue.keys() {
            if queued == nonce {
                return queued == expected;
            }
            if queued == expected {
                expected += 1;
            }
        }
        false
    }

    /// The nonce `account`'s next transaction should carry, counting its consecutive
    /// transactions in the pool.
    pub fn next_nonce(&self, state: &dyn State, account: &AccountId) -> Nonce {
        let mut next = Account::get(state, account).nonce;
        if let Some(queue) = self.senders.get(account) {
            for &nonce in queue.range(next..).map(|(n, _)| n) {
                if nonce != next {
                    break;
                }
                next += 1;
            }
        }
        next
    }

    /// Up to `limit` ready transactions in block order: each sender's in nonce order,
    /// and across senders the highest tip first (ties by hash, so the order is stable).
    pub fn ready(&self, state: &dyn State, limit: usize) -> Vec<CheckedTransaction> {
        // Heads of each sender's ready run: (tip, tie-break, sender, nonce).
        let mut heads: BinaryHeap<(u64, std::cmp::Reverse<Hash>, AccountId, Nonce)> = BinaryHeap::new();
        for (sender, queue) in &self.senders {
            let nonce = Account::get(state, sender).nonce;
            if let Some(entry) = queue.get(&nonce) {
                heads.push((entry.tx.tx().tip, std::cmp::Reverse(entry.hash), *sender, nonce));
            }
        }
        let mut out = Vec::new();
        while let Some((_, _, sender, nonce)) = heads.pop() {
            if out.len() >= limit {
                break;
            }
            let queue = &self.senders[&sender];
            out.push(queue[&nonce].tx.clone());
            if let Some(next) = nonce.checked_add(1).and_then(|n| queue.get(&n)) {
                heads.push((next.tx.tx().tip, std::cmp::Reverse(next.hash), sender, nonce + 1));
            }
        }
        out
    }

    /// Removes a transaction, remembering its outcome for status queries.
    pub fn remove(&mut self, hash: &Hash, outcome: TransactionStatus) {
        if let Some((sender, nonce)) = self.by_hash.remove(hash) {
            if let Some(queue) = self.senders.get_mut(&sender) {
                if let Some(entry) = queue.remove(&nonce) {
                    self.bytes -= entry.len;
                }
                if queue.is_empty() {
                    self.senders.remove(&sender);
                }
            }
        }
        self.remember(*hash, outcome);
    }

    /// Records an outcome (also for transactions that never entered the pool).
    pub fn remember(&mut self, hash: Hash, outcome: TransactionStatus) {
        if self.outcomes.insert(hash, outcome).is_none() {
            self.outcome_order.push_back(hash);
            while self.outcome_order.len() > self.config.remembered_outcomes {
                if let Some(old) = self.outcome_order.pop_front() {
                    self.outcomes.remove(&old);
                }
            }
        }
    }

    /// Removes every transaction whose nonce the chain has passed; returns their hashes.
    pub fn prune_stale(&mut self, state: &dyn State) -> Vec<Hash> {
        let mut stale = Vec::new();
        for (sender, queue) in &self.senders {
            let nonce = Account::get(state, sender).nonce;
            stale.extend(queue.range(..nonce).map(|(_, entry)| entry.hash));
        }
        for hash in &stale {
            self.remove(hash, TransactionStatus::Dropped("nonce already used (stale)".into()));
        }
        stale
    }

    /// Where a transaction is: in the pool (ready or future) or what became of it.
    pub fn status(&self, state: &dyn State, hash: &Hash) -> Option<TransactionStatus> {
        if let Some((sender, nonce)) = self.by_hash.get(hash) {
            let ready = self.is_ready(state, sender, *nonce);
            return Some(if ready { TransactionStatus::Ready } else { TransactionStatus::Future });
        }
        self.outcomes.get(hash).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bt_primitives::Keypair;
    use bt_runtime::call::{BalancesCall, Call};
    use bt_runtime::genesis::GenesisConfig;
    use bt_runtime::MemoryState;
    use parity_scale_codec::Encode;

    fn setup() -> (Runtime, MemoryState, Vec<Keypair>) {
        let keys: Vec<Keypair> = (1..=3).map(|i| Keypair::from_seed(&[i; 32])).collect();
        let balances = keys.iter().map(|k| (k.account(), 1_000_000_000_000)).collect();
        let mut state = MemoryState::new();
        GenesisConfig::new(balances, keys[0].account()).build(&mut state).unwrap();
        (Runtime::new([9; 32]), state, keys)
    }

    fn tx(runtime: &Runtime, key: &Keypair, nonce: Nonce, tip: u64) -> Vec<u8> {
        let call = Call::Balances(BalancesCall::transfer_allow_death {
            dest: AccountId([7; 32]),
            value: 1_000.into(),
        });
        SignedTransaction::sign(key, call, nonce, tip, &runtime.chain).encode()
    }

    #[test]
    fn nonces_queue_per_sender_and_tips_order_senders() {
        let (runtime, state, keys) = setup();
        let mut pool = Mempool::new(PoolConfig::default());
        let (_, ready) = pool.submit(&runtime, &state, &tx(&runtime, &keys[0], 1, 0)).unwrap();
        assert!(!ready, "nonce 1 waits for nonce 0");
        pool.submit(&runtime, &state, &tx(&runtime, &keys[0], 0, 5)).unwrap();
        pool.submit(&runtime, &state, &tx(&runtime, &keys[1], 0, 50)).unwrap();
        pool.submit(&runtime, &state, &tx(&runtime, &keys[2], 3, 500)).unwrap(); // future
        assert_eq!(pool.next_nonce(&state, &keys[0].account()), 2);
        let order: Vec<(AccountId, Nonce)> =
            pool.ready(&state, 10).iter().map(|t| (t.tx().signer, t.tx().nonce)).collect();
        assert_eq!(order, vec![(keys[1].account(), 0), (keys[0].account(), 0), (keys[0].account(), 1)]);
        assert_eq!(pool.len(), 4);
    }

    #[test]
    fn bad_and_duplicate_transactions_are_refused_with_reasons() {
        let (runtime, state, keys) = setup();
        let mut pool = Mempool::new(PoolConfig { max_count: 2, ..PoolConfig::default() });
        let first = tx(&runtime, &keys[0], 0, 1);
        pool.submit(&runtime, &state, &first).unwrap();
        assert_eq!(pool.submit(&runtime, &state, &first), Err(PoolError::AlreadyKnown));
        assert_eq!(
            pool.submit(&runtime, &state, &tx(&runtime, &keys[0], 0, 0)),
            Err(PoolError::TooLowPriority)
        );
        let poor = Keypair::from_seed(&[99; 32]);
        let refused = pool.submit(&runtime, &state, &tx(&runtime, &poor, 0, 0));
        assert_eq!(refused, Err(PoolError::Invalid(InvalidTransaction::Payment)));
        let other_chain = Runtime::new([1; 32]);
        let refused = pool.submit(&runtime, &state, &tx(&other_chain, &keys[1], 0, 0));
        assert_eq!(refused, Err(PoolError::Invalid(InvalidTransaction::BadProof)));
        assert_eq!(
            pool.submit(&runtime, &state, &[1, 2, 3]),
            Err(PoolError::Invalid(InvalidTransaction::BadEncoding))
        );
        pool.submit(&runtime, &state, &tx(&runtime, &keys[1], 0, 0)).unwrap();
        assert!(matches!(
            pool.submit(&runtime, &state, &tx(&runtime, &keys[2], 0, 0)),
            Err(PoolError::Full { .. })
        ));
        // A higher tip replaces, even when full.
        let (hash, _) = pool.submit(&runtime, &state, &tx(&runtime, &keys[0], 0, 9)).unwrap();
        assert_eq!(pool.status(&state, &hash), Some(TransactionStatus::Ready));
        let old = SignedTransaction::from_bytes(&first).unwrap().hash();
        assert!(matches!(pool.status(&state, &old), Some(TransactionStatus::Dropped(_))));
    }
}
