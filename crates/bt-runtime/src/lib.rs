//! The chain's state machine: calls, their checks and effects, and the block hooks
//! (coinbase, epochs, registration price) over an abstract key-value state.
//!
//! The runtime is pure and deterministic: it reads and writes only through [`State`],
//! takes time only from the block it is given, and uses fixed-point arithmetic wherever
//! balances or consensus depend on it. Behaviour follows `spec/chain.md`:
//!
//! - [`balances`]: free TAO and the issuance ledger (§4.1, §10);
//! - [`subnets`] and [`hyperparams`]: creating subnets and their parameters (§8);
//! - [`registration`] and [`neurons`]: burned registration, uids and pruning (§5);
//! - [`serving`], [`weights`]: endpoints, weights and commit-reveal (§7);
//! - [`staking`] (with [`swap`]): share-pool stake and delegation (§6);
//! - [`coinbase`] and [`epochs`]: emission, pending buckets, epochs and payouts (§2, §4);
//! - [`views`]: read-only queries for clients; [`genesis`]: the initial state.
//!
//! A block is applied with [`Runtime::apply_block`]: first the block hook, then each
//! signed transaction. A transaction that is not valid (signature, nonce, fee) changes
//! nothing; a valid one pays its fee to the block author and bumps its nonce, and its call
//! either applies in full or, if refused with an [`Error`], not at all.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod balances;
pub mod block;
pub mod call;
pub mod coinbase;
pub mod epochs;
pub mod error;
pub mod event;
pub mod genesis;
pub mod hyperparams;
pub mod neurons;
pub mod registration;
pub mod serving;
pub mod staking;
pub mod state;
pub mod storage;
pub mod subnets;
pub mod swap;
pub mod transaction;
pub mod views;
pub mod weights;

use bt_primitives::{AccountId, Balance, BlockNumber};
use parity_scale_codec::{Decode, Encode};

pub use block::{Block, Header};
pub use call::{AdminCall, BalancesCall, Call, SubtensorCall};
pub use error::{Error, InvalidTransaction};
pub use event::Event;
pub use state::{MemoryState, Overlay, State};
pub use transaction::{ChainId, CheckedTransaction, SignedTransaction};

use balances::Account;
use storage::Item;

/// The runtime version that transactions are signed for.
pub const SPEC_VERSION: u32 = 1;

value! {
    /// The number of the block being applied (or last applied).
    CurrentBlock: BlockNumber;
    /// Its timestamp, in milliseconds.
    Now: u64;
}

/// The state and block a call runs against, and the events it emits.
pub struct Env<'a> {
    /// The chain state (or an overlay on it).
    pub state: &'a mut dyn State,
    /// The current block number.
    pub block: BlockNumber,
    /// Events emitted so far.
    pub events: Vec<Event>,
}

impl<'a> Env<'a> {
    /// An environment at `block` with no events yet.
    pub fn new(state: &'a mut dyn State, block: BlockNumber) -> Self {
        Env { state, block, events: Vec::new() }
    }
}

/// What the block producer supplies: the block's number, time and author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct BlockContext {
    /// Height of the block.
    pub number: BlockNumber,
    /// Milliseconds since the Unix epoch, as stated by the author.
    pub timestamp_ms: u64,
    /// Receives the fees and tips.
    pub author: AccountId,
}

/// The result of one transaction in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Included: fee paid, nonce used; the events say whether the call succeeded.
    Included(Vec<Event>),
    /// Not valid; not included, nothing changed.
    Invalid(InvalidTransaction),
}

/// What applying a block did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockOutcome {
    /// Events of the block hook (coinbase and epochs).
    pub initialization: Vec<Event>,
    /// One result per transaction, in order.
    pub transactions: Vec<Applied>,
}

/// The chain's rules, for one chain (genesis hash and runtime version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// Which chain transactions must be signed for.
    pub chain: ChainId,
}

impl Runtime {
    /// The runtime of the chain with this genesis hash, at [`SPEC_VERSION`].
    pub fn new(genesis_hash: [u8; 32]) -> Self {
        Runtime { chain: ChainId { genesis_hash, spec_version: SPEC_VERSION } }
    }

    /// Verifies a transaction's signature for this chain.
    pub fn check(&self, tx: SignedTransaction) -> Result<CheckedTransaction, InvalidTransaction> {
        tx.check(&self.chain)
    }

    /// Whether a checked transaction can be applied now (nonce and fee), without applying it.
    pub fn validate(
        &self,
        state: &dyn State,
        tx: &CheckedTransaction,
    ) -> Result<Balance, InvalidTransaction> {
        let account = Account::get(state, &tx.tx().signer);
        let nonce = tx.tx().nonce;
        // The last nonce is never usable, so the counter cannot wrap round to replays.
        if nonce < account.nonce || nonce == u32::MAX {
            return Err(InvalidTransaction::Stale);
        }
        if nonce > account.nonce {
            return Err(InvalidTransaction::Future);
        }
        let charge = tx.fee().saturating_add(tx.tx().tip);
        if account.free < charge {
            return Err(InvalidTransaction::Payment);
        }
        Ok(charge)
    }

    /// Runs the block hook (§4.2) at the start of a block.
    pub fn initialize_block(&self, state: &mut dyn State, block: &BlockContext) -> Vec<Event> {
        CurrentBlock::insert(state, &(), &block.number);
        Now::insert(state, &(), &block.timestamp_ms);
        let mut env = Env::new(state, block.number);
        coinbase::block_step(&mut env);
        env.events
    }

    /// Applies one checked transaction: charges the fee and tip to the author, uses the
    /// nonce, then applies the call or, if it is refused, none of it.
    pub fn apply_extrinsic(
        &self,
        state: &mut dyn State,
        block: &BlockContext,
        tx: &CheckedTransaction,
    ) -> Result<Vec<Event>, InvalidTransaction> {
        let charge = self.validate(state, tx)?;
        let signer = tx.tx().signer;
        let mut account = Account::get(state, &signer);
        account.free -= charge;
        account.nonce = account.nonce.saturating_add(1);
        Account::insert(state, &signer, &account);
        balances::deposit(state, &block.author, charge);

        let mut overlay = Overlay::new(state);
        let mut env = Env::new(&mut overlay, block.number);
        let result = dispatch(&mut env, &signer, tx.tx().call.clone());
        let mut events = std::mem::take(&mut env.events);
        match result {
            Ok(()) => {
                overlay.commit();
                events.push(Event::ExtrinsicSuccess { who: signer, fee: charge });
            }
            Err(error) => events = vec![Event::ExtrinsicFailed { who: signer, fee: charge, error }],
        }
        Ok(events)
    }

    /// Applies a whole block: the hook, then each transaction, with every signature
    /// checked here (in one batch).
    pub fn apply_block(
        &self,
        state: &mut dyn State,
        block: &BlockContext,
        transactions: &[SignedTransaction],
    ) -> BlockOutcome {
        let initialization = self.initialize_block(state, block);
        let transactions = SignedTransaction::check_all(transactions.to_vec(), &self.chain)
            .into_iter()
            .map(|checked| match checked.and_then(|tx| self.apply_extrinsic(state, block, &tx)) {
                Ok(events) => Applied::Included(events),
                Err(invalid) => Applied::Invalid(invalid),
            })
            .collect();
        BlockOutcome { initialization, transactions }
    }
}

/// Applies `call` signed by `who`. Refusals leave the state as it was only when run in an
/// overlay, as [`Runtime::apply_extrinsic`] does.
pub fn dispatch(env: &mut Env, who: &AccountId, call: Call) -> Result<(), Error> {
    match call {
        Call::Balances(call) => dispatch_balances(env, who, call),
        Call::SubtensorModule(call) => dispatch_subtensor(env, who, call),
        Call::AdminUtils(call) => hyperparams::dispatch(env, who, call),
    }
}

fn dispatch_balances(env: &mut Env, who: &AccountId, call: BalancesCall) -> Result<(), Error> {
    match call {
        BalancesCall::transfer_allow_death { dest, value } => {
            balances::transfer(env, who, &dest, value.0, false)
        }
        BalancesCall::transfer_keep_alive { dest, value } => {
            balances::transfer(env, who, &dest, value.0, true)
        }
        BalancesCall::transfer_all { dest, keep_alive } => {
            balances::transfer_all(env, who, &dest, keep_alive)
        }
    }
}

fn dispatch_subtensor(env: &mut Env, who: &AccountId, call: SubtensorCall) -> Result<(), Error> {
    use staking::StakeMove;
    use SubtensorCall::*;
    match call {
        set_weights { netuid, dests, weights, version_key } => {
            weights::set_weights(env, who, netuid, &dests, &weights, version_key)
        }
        commit_weights { netuid, commit_hash } => weights::commit_weights(env, who, netuid, commit_hash),
        reveal_weights { netuid, uids, values, salt, version_key } => {
            weights::reveal_weights(env, who, netuid, &uids, &values, &salt, version_key)
        }
        add_stake { hotkey, netuid, amount_staked } => {
            staking::add_stake(env, who, &hotkey, netuid, amount_staked)
        }
        remove_stake { hotkey, netuid, amount_unstaked } => {
            staking::remove_stake(env, who, &hotkey, netuid, amount_unstaked)
        }
        unstake_all { hotkey } => staking::unstake_all(env, who, &hotkey),
        move_stake { origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, alpha_amount } => {
            staking::move_stake(
                env,
                StakeMove {
                    coldkey: *who,
                    destination_coldkey: *who,
                    origin_hotkey,
                    destination_hotkey,
                    origin_netuid,
                    destination_netuid,
                    alpha: alpha_amount,
                },
            )
        }
        transfer_stake { destination_coldkey, hotkey, origin_netuid, destination_netuid, alpha_amount } => {
            staking::transfer_stake(
                env,
                StakeMove {
                    coldkey: *who,
                    destination_coldkey,
                    origin_hotkey: hotkey,
                    destination_hotkey: hotkey,
                    origin_netuid,
                    destination_netuid,
                    alpha: alpha_amount,
                },
            )
        }
        swap_stake { hotkey, origin_netuid, destination_netuid, alpha_amount } => staking::swap_stake(
            env,
            StakeMove {
                coldkey: *who,
                destination_coldkey: *who,
                origin_hotkey: hotkey,
                destination_hotkey: hotkey,
                origin_netuid,
                destination_netuid,
                alpha: alpha_amount,
            },
        ),
        decrease_take { hotkey, take } => staking::decrease_take(env, who, &hotkey, take),
        increase_take { hotkey, take } => staking::increase_take(env, who, &hotkey, take),
        serve_axon { netuid, version, ip, port, ip_type, protocol, placeholder1, placeholder2 } => {
            let axon = serving::AxonInfo {
                block: 0,
                version,
                ip,
                port,
                ip_type,
                protocol,
                placeholder1,
                placeholder2,
            };
            serving::serve_axon(env, who, netuid, axon)
        }
        serve_prometheus { netuid, version, ip, port, ip_type } => {
            let info = serving::PrometheusInfo { block: 0, version, ip, port, ip_type };
            serving::serve_prometheus(env, who, netuid, info)
        }
        burned_register { netuid, hotkey } => {
            registration::register(env, who, netuid, &hotkey, None).map(drop)
        }
        register_limit { netuid, hotkey, limit_price } => {
            registration::register(env, who, netuid, &hotkey, Some(limit_price)).map(drop)
        }
        register_network { hotkey } => subnets::register_network(env, who, &hotkey),
        start_call { netuid } => subnets::start_call(env, who, netuid),
        dissolve_network { coldkey, netuid } => subnets::dissolve_network(env, who, &coldkey, netuid),
        set_tempo { netuid, tempo } => hyperparams::set_tempo(env, who, netuid, tempo),
        set_activity_cutoff_factor { netuid, factor_milli } => {
            hyperparams::set_activity_cutoff_factor(env, who, netuid, factor_milli)
        }
    }
}
