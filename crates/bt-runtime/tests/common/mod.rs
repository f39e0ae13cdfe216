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

pub fn context_at(number: u64) -> BlockContext {
    BlockContext { number, timestamp_ms: number * 12_000, author: author() }
}

/// Asserts two states are equal, naming the keys that differ.
pub fn assert_same_state(actual: &MemoryState, expected: &MemoryState, what: &str) {
    if actual != expected {
        let (a, e) = (actual.entries(), expected.entries());
        let differing: Vec<String> = a
            .keys()
            .chain(e.keys())
            .filter(|k| a.get(*k) != e.get(*k))
            .map(|k| String::from_utf8_lossy(k.split(|b| *b == b'/').next().unwrap_or(k)).into_owned())
            .collect();
        panic!("{what}: state differs in {differing:?}");
    }
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
        context_at(self.block)
    }

    /// The state after an empty next block (the hook alone).
    pub fn after_empty_block(&self) -> MemoryState {
        let mut state = self.state.clone();
        self.runtime.initialize_block(&mut state, &context_at(self.block + 1));
        state
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

/// Total issuance equals free balances, stake, pending emission, subnet locks and burned
/// TAO, exactly.
pub fn assert_conserved(state: &MemoryState) {
    use bt_runtime::storage::Item;
    use bt_runtime::{balances, coinbase, staking, subnets};
    let free: u64 = balances::Account::iter(state).iter().map(|(_, a)| a.free).sum();
    let stake = staking::TotalStake::get(state, &());
    let pools: u64 = staking::TotalHotkeyAlpha::iter(state).iter().map(|(_, v)| v).sum();
    assert_eq!(stake, pools, "total stake is the sum of the pools");
    let netuids = subnets::netuids(state);
    let pending: u64 = netuids.iter().map(|n| coinbase::pending(state, *n).total_with_owner_cut()).sum();
    let locked: u64 = netuids.iter().map(|n| subnets::SubnetLocked::get(state, n)).sum();
    let burned = balances::TotalBurned::get(state, &());
    assert_eq!(balances::TotalIssuance::get(state, &()), free + stake + pending + locked + burned);
}
