//! Why a transaction or a call is refused. Names follow the chain's where it has one, so
//! that users see the words they know.

use parity_scale_codec::{Decode, Encode};

/// Why a transaction is not valid at all: it is not included and changes nothing, not
/// even a fee.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, thiserror::Error, serde::Serialize, serde::Deserialize,
)]
pub enum InvalidTransaction {
    /// The bytes are not a SCALE-encoded signed transaction.
    #[error("transaction bytes do not decode")]
    BadEncoding,
    /// The signature does not match the signer and payload (also the case for a
    /// transaction signed for another chain or runtime version).
    #[error("invalid signature (or signed for another chain)")]
    BadProof,
    /// The nonce was already used: a replay or an outdated transaction.
    #[error("nonce already used (stale transaction)")]
    Stale,
    /// The nonce is ahead of the account's next nonce.
    #[error("nonce is in the future")]
    Future,
    /// The signer cannot pay the fee.
    #[error("signer cannot pay the transaction fee")]
    Payment,
}

/// Why a call was refused. The call changed nothing; the fee was still charged.
#[allow(missing_docs)] // each variant's message is its documentation
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, thiserror::Error, serde::Serialize, serde::Deserialize,
)]
pub enum Error {
    // --- origins and administration
    #[error("the caller may not do this (root or the subnet owner only)")]
    BadOrigin,
    #[error("the caller does not own this subnet")]
    NotSubnetOwner,
    #[error("owners may not change hyperparameters in the last blocks before an epoch")]
    AdminActionProhibitedDuringWeightsWindow,
    #[error("this hyperparameter was changed too recently")]
    TxRateLimitExceeded,
    #[error("value is out of the allowed range")]
    InvalidValue,
    #[error("max allowed uids cannot be lower than the current number of uids")]
    MaxAllowedUidsLessThanCurrentUids,
    #[error("max allowed uids is above the limit")]
    MaxAllowedUIdsNotAllowed,
    #[error("bonds moving average is above the maximum")]
    BondsMovingAverageMaxReached,
    #[error("reveal period is too large")]
    RevealPeriodTooLarge,
    #[error("reveal period is too small")]
    RevealPeriodTooSmall,
    // --- balances
    #[error("balance too low")]
    InsufficientBalance,
    #[error("amount would leave the destination below the existential deposit")]
    ExistentialDeposit,
    #[error("transfer would leave the sender below the existential deposit")]
    Expendability,
    // --- subnets
    #[error("the subnet does not exist")]
    SubnetNotExists,
    #[error("a subnet was registered too recently")]
    NetworkTxRateLimitExceeded,
    #[error("the subnet limit is reached and no subnet may be replaced")]
    SubnetLimitReached,
    #[error("not enough balance to pay the subnet lock cost")]
    CannotAffordLockCost,
    #[error("the hotkey belongs to another coldkey")]
    NonAssociatedColdKey,
    #[error("emission has already been started on this subnet")]
    FirstEmissionBlockNumberAlreadySet,
    #[error("the root network cannot be dissolved")]
    CannotDissolveRootNetwork,
    // --- registration
    #[error("neurons cannot register on the root network this way")]
    RegistrationNotPermittedOnRootSubnet,
    #[error("registration is disabled on this subnet")]
    SubNetRegistrationDisabled,
    #[error("the hotkey is already registered on this subnet")]
    HotKeyAlreadyRegisteredInSubNet,
    #[error("the registration price is above the given limit")]
    RegistrationPriceLimitExceeded,
    #[error("the subnet is full and no uid may be replaced")]
    NoNeuronIdAvailable,
    // --- serving
    #[error("ip type must be 4 or 6")]
    InvalidIpType,
    #[error("invalid ip address")]
    InvalidIpAddress,
    #[error("port must not be 0")]
    InvalidPort,
    #[error("axon or prometheus info was served too recently")]
    ServingRateLimitExceeded,
    // --- weights
    #[error("weights cannot be set on the root network")]
    CanNotSetRootNetworkWeights,
    #[error("uids and weights differ in length")]
    WeightVecNotEqualSize,
    #[error("more weights than uids on the subnet")]
    UidsLengthExceedUidsInSubNet,
    #[error("the hotkey is not registered on this subnet")]
    HotKeyNotRegisteredInSubNet,
    #[error("not enough stake to set weights")]
    NotEnoughStakeToSetWeights,
    #[error("weights version key is lower than the subnet's")]
    IncorrectWeightVersionKey,
    #[error("weights were set too recently")]
    SettingWeightsTooFast,
    #[error("the neuron has no validator permit")]
    NeuronNoValidatorPermit,
    #[error("the uid list has duplicates")]
    DuplicateUids,
    #[error("the uid list names a uid that does not exist")]
    UidVecContainInvalidOne,
    #[error("fewer weights than the subnet's minimum")]
    WeightVecLengthIsLow,
    #[error("a weight is above the subnet's maximum")]
    MaxWeightExceeded,
    #[error("commit-reveal is on: use commit_weights and reveal_weights")]
    CommitRevealEnabled,
    #[error("commit-reveal is off on this subnet")]
    CommitRevealDisabled,
    #[error("no weight commit matches")]
    NoWeightsCommitFound,
    #[error("the weight commit has expired")]
    ExpiredWeightCommit,
    #[error("too early to reveal this commit")]
    RevealTooEarly,
    #[error("the revealed weights do not match any commit hash")]
    InvalidRevealCommitHashNotMatch,
    #[error("too many unrevealed weight commits")]
    TooManyUnrevealedCommits,
    // --- staking
    #[error("staking is not enabled on this subnet yet (start_call)")]
    SubtokenDisabled,
    #[error("amount is below the minimum stake")]
    AmountTooLow,
    #[error("not enough balance")]
    NotEnoughBalanceToStake,
    #[error("the hotkey has no owner (not registered anywhere)")]
    HotKeyAccountNotExists,
    #[error("not enough stake to withdraw")]
    NotEnoughStakeToWithdraw,
    #[error("stake transfers are disabled on this subnet")]
    TransferDisallowed,
    #[error("origin and destination subnets are the same")]
    SameNetuid,
    #[error("delegate take is above the maximum")]
    DelegateTakeTooHigh,
    #[error("delegate take is below the minimum or does not move in the right direction")]
    DelegateTakeTooLow,
    #[error("delegate take was increased too recently")]
    DelegateTxRateLimitExceeded,
}
