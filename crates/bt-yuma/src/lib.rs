//! Yuma Consensus: one epoch as a pure function from stake, weights and bonds to
//! incentive, dividends and new bonds, bit-exact with the chain's fixed-point arithmetic.
//!
//! The module layout follows `spec/chain.md`:
//! - [`fixed`], [`vector`], [`sparse`]: the numeric primitives of §1;
//! - [`mod@epoch`]: the epoch of §2.3, with both bond paths (§2.4, §2.5) and the emission
//!   split (§2.6);
//! - [`mechanisms`]: splitting an epoch's emission over mechanisms and adding their
//!   results up (§2.1, §2.7);
//! - [`block_emission`] and [`schedule`]: how much is emitted per block and when epochs
//!   run (§4.1, §4.6);
//! - [`harness`]: the subnet model of the chain's epoch tests (§3.0), which the `yuma`
//!   simulator replays; [`scenario`] is its JSON format (feature `sim`).
//!
//! The consensus maths touches no storage, clocks, files or floating point: the same
//! inputs give the same outputs on every machine, and no input makes it panic. Every
//! shortcut taken for speed (see [`fixed::Divisor`], [`fixed::mul`], the radix select in
//! [`vector::weighted_median_by`]) is tested to give the chain's exact result.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod block_emission;
mod bonds;
pub mod epoch;
pub mod fixed;
pub mod harness;
pub mod mechanisms;
pub mod schedule;
pub mod sparse;
pub mod vector;

#[cfg(feature = "sim")]
pub mod scenario;

pub use epoch::{epoch, EpochInput, EpochOutput, EpochParams};
pub use fixed::{I32F32, I64F64, I96F32, U64F64};
