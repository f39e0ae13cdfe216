//! What happened in a block, as typed events that clients read back.

use bt_primitives::{AccountId, Balance, NetUid, Uid};
use parity_scale_codec::{Decode, Encode};

use crate::error::Error;

/// One event.
#[allow(missing_docs)] // field names say what they hold
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// A transaction was applied and its call succeeded.
    ExtrinsicSuccess {
        who: AccountId,
        fee: Balance,
    },
    /// A transaction was applied, its fee charged, and its call refused.
    ExtrinsicFailed {
        who: AccountId,
        fee: Balance,
        error: Error,
    },
    Transfer {
        from: AccountId,
        to: AccountId,
        amount: Balance,
    },
    /// A balance fell below the existential deposit and the rest was lost.
    DustLost {
        account: AccountId,
        amount: Balance,
    },
    NetworkAdded {
        netuid: NetUid,
        owner: AccountId,
        lock_cost: Balance,
    },
    NetworkRemoved {
        netuid: NetUid,
    },
    FirstEmissionBlockNumberSet {
        netuid: NetUid,
        block: u64,
    },
    NeuronRegistered {
        netuid: NetUid,
        uid: Uid,
        hotkey: AccountId,
    },
    /// A registration replaced (pruned) the neuron that held `uid`.
    NeuronReplaced {
        netuid: NetUid,
        uid: Uid,
        old_hotkey: AccountId,
    },
    AxonServed {
        netuid: NetUid,
        hotkey: AccountId,
    },
    PrometheusServed {
        netuid: NetUid,
        hotkey: AccountId,
    },
    WeightsSet {
        netuid: NetUid,
        uid: Uid,
    },
    WeightsCommitted {
        netuid: NetUid,
        hotkey: AccountId,
        #[serde(with = "bt_primitives::hex::bytes32")]
        commit_hash: [u8; 32],
    },
    WeightsRevealed {
        netuid: NetUid,
        hotkey: AccountId,
        #[serde(with = "bt_primitives::hex::bytes32")]
        commit_hash: [u8; 32],
    },
    StakeAdded {
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: NetUid,
        tao: Balance,
        alpha: Balance,
    },
    StakeRemoved {
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: NetUid,
        tao: Balance,
        alpha: Balance,
    },
    StakeMoved {
        coldkey: AccountId,
        origin_hotkey: AccountId,
        origin_netuid: NetUid,
        destination_coldkey: AccountId,
        destination_hotkey: AccountId,
        destination_netuid: NetUid,
        alpha: Balance,
    },
    TakeDecreased {
        coldkey: AccountId,
        hotkey: AccountId,
        take: u16,
    },
    TakeIncreased {
        coldkey: AccountId,
        hotkey: AccountId,
        take: u16,
    },
    /// A hyperparameter changed (`name` is the storage item).
    HyperparameterSet {
        netuid: Option<NetUid>,
        name: String,
    },
    SudoKeyChanged {
        new: AccountId,
    },
    /// A subnet's epoch ran and paid `emission` alpha rao.
    EpochRan {
        netuid: NetUid,
        block: u64,
        emission: Balance,
    },
    /// A due epoch was put off to a later block (per-block epoch limit).
    EpochDeferred {
        netuid: NetUid,
        block: u64,
    },
    /// A due epoch could not run (inconsistent keys); emission keeps accumulating.
    EpochSkipped {
        netuid: NetUid,
        block: u64,
    },
}
