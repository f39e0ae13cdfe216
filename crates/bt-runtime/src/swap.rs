//! Converting between TAO and a subnet's alpha.
//!
//! Every subnet uses the stable mechanism for now: one alpha is one TAO, with no fee, and
//! the TAO behind stake stays in the subnet's stake total. Liquidity pools (dynamic TAO,
//! chain.md §6.2) will replace these two functions.

use bt_primitives::{Balance, NetUid};

use crate::error::Error;
use crate::state::State;

/// Alpha bought with `tao` TAO on `netuid`.
pub fn tao_to_alpha(_state: &dyn State, _netuid: NetUid, tao: Balance) -> Result<Balance, Error> {
    Ok(tao)
}

/// TAO received for selling `alpha` on `netuid`.
pub fn alpha_to_tao(_state: &dyn State, _netuid: NetUid, alpha: Balance) -> Result<Balance, Error> {
    Ok(alpha)
}
