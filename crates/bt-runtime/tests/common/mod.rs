//! A chain in memory for the runtime's integration tests: genesis, signed transactions,
//! one block per call.

#![allow(dead_code)] // each test binary uses a different part

use bt_primitives::{AccountId, Balance, Keypair, NetUid, RAO_PER_TAO};
use bt_runtime::call::{AdminCall, BalancesCall, Call, SubtensorCall};
use bt_runtime::genesis::GenesisConfig;
use bt_runtime::{
    Applied, BlockContext, BlockOutcome, Error, Event, MemoryState, Runtime, SignedTransaction,
};

pub const GENESIS_HASH: [u8; 32] = [42; 32];
pub const TAO: Balance = RAO_PER_TAO;

pub fn key(seed: u8) -> Keypair {
    Keypair::from_seed(&[seed; 32])
}

pub fn author() -> AccountId {
    AccountId([0xAA; 32])
}

pub struct Chain {
    pub state: MemoryState,
    pub runtime: Runtime,
    pub block: u64,
    pub sudo: Keypair,
}

impl Chain {
    /// A chain where accounts from seeds 1..=20 hold 100 000 TAO each, seed 1 is sudo,
    /// and subnets can be registered every block.
    pub fn new() -> Self {
        let balances = (1..=20).map(|seed| (key(seed).account(), 100_000 * TAO)).collect();
        let mut genesis = GenesisConfig::new(balances, key(1).account());
        genesis.network_rate_limit = 0;
        Self::from_genesis(genesis)
    }

    pub fn from_genesis(genesis: GenesisConfig) -> Self {
        let mut state = MemoryState::new();
        genesis.build(&mut state).expect("genesis");
        Chain { state, runtime: Runtime::new(GENESIS_HASH), block: 0, sudo: key(1) }
    }

    pub fn context(&self) -> BlockContext {
        BlockContext { number: self.block, timestamp_ms: self.block * 12_000, author: author() }
    }

    pub fn sign(&self, pair: &Keypair, call: Call) -> SignedTransaction {
        let nonce = bt_runtime::views::account_nonce(&self.state, &pair.account());
        SignedTransaction::sign(pair, call, nonce, 0, &self.runtime.chain)
    }

    /// Applies the next block with these transactions.
    pub fn block_with(&mut self, txs: &[SignedTransaction]) -> BlockOutcome {
        self.block += 1;
        let context = self.context();
        self.runtime.apply_block(&mut self.state, &context, txs)
    }

    /// Runs `count` empty blocks, returning every hook event.
    pub fn run_blocks(&mut self, count: u64) -> Vec<Event> {
        (0..count).flat_map(|_| self.block_with(&[]).initialization).collect()
    }

    /// Signs and applies `call` alone in the next block: its events, or the error it was
    /// refused with.
    pub fn call(&mut self, pair: &Keypair, call: Call) -> Result<Vec<Event>, Error> {
        let tx = self.sign(pair, call);
        let outcome = self.block_with(&[tx]);
        match outcome.transactions.into_iter().next() {
            Some(Applied::Included(events)) => match events.last() {
                Some(Event::ExtrinsicFailed { error, .. }) => Err(*error),
                _ => Ok(events),
            },
            other => panic!("transaction not included: {other:?}"),
        }
    }

    pub fn subtensor(&mut self, pair: &Keypair, call: SubtensorCall) -> Result<Vec<Event>, Error> {
        self.call(pair, Call::SubtensorModule(call))
    }

    pub fn admin(&mut self, pair: &Keypair, call: AdminCall) -> Result<Vec<Event>, Error> {
        self.call(pair, Call::AdminUtils(call))
    }

    pub fn sudo(&mut self, call: AdminCall) {
        let sudo = self.sudo.clone();
        self.admin(&sudo, call).expect("sudo call");
    }

    pub fn transfer(&mut self, from: &Keypair, to: AccountId, amount: Balance) -> Result<Vec<Event>, Error> {
        self.call(from, Call::Balances(BalancesCall::transfer_allow_death { dest: to, value: amount.into() }))
    }

    /// Creates a subnet owned by `owner` (coldkey) with `hotkey` at uid 0, started, with
    /// emission enabled and commit-reveal off.
    pub fn open_subnet(&mut self, owner: &Keypair, hotkey: &Keypair) -> NetUid {
        let events =
            self.subtensor(owner, SubtensorCall::register_network { hotkey: hotkey.account() }).unwrap();
        let netuid = events
            .iter()
            .find_map(|e| match e {
                Event::NetworkAdded { netuid, .. } => Some(*netuid),
                _ => None,
            })
            .expect("NetworkAdded");
        self.subtensor(owner, SubtensorCall::start_call { netuid }).unwrap();
        self.sudo(AdminCall::sudo_set_subnet_emission_enabled { netuid, enabled: true });
        self.sudo(AdminCall::sudo_set_commit_reveal_weights_enabled { netuid, enabled: false });
        netuid
    }

    pub fn register(
        &mut self,
        coldkey: &Keypair,
        netuid: NetUid,
        hotkey: &Keypair,
    ) -> Result<Vec<Event>, Error> {
        self.subtensor(coldkey, SubtensorCall::burned_register { netuid, hotkey: hotkey.account() })
    }
}
