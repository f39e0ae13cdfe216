//! Free TAO: accounts, transfers, the existential deposit and the issuance ledger
//! (chain.md §4.1, §10).

use bt_primitives::{AccountId, Balance, Nonce};
use parity_scale_codec::{Decode, Encode};

use crate::error::Error;
use crate::event::Event;
use crate::state::State;
use crate::storage::Item;
use crate::{map, value, Env};

/// The smallest balance an account may be left with by a transfer: 500 rao.
pub const EXISTENTIAL_DEPOSIT: Balance = 500;

/// An account's transaction counter and free TAO.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize,
)]
pub struct AccountInfo {
    /// The nonce its next transaction must carry.
    pub nonce: Nonce,
    /// Free (unstaked) TAO in rao.
    pub free: Balance,
}

map! {
    /// Nonce and free balance per account.
    Account: AccountId => AccountInfo;
}
value! {
    /// TAO in existence: genesis balances plus everything minted, less what was recycled.
    /// Burned TAO stays counted (see [`TotalBurned`]).
    TotalIssuance: Balance;
    /// TAO destroyed but still counted in the issuance (owner-hotkey incentive under
    /// `RecycleOrBurn::Burn`).
    TotalBurned: Balance;
    /// TAO destroyed and taken out of the issuance (registration burns, dust, unpaid
    /// epoch remainders), so that the emission curve can emit it again.
    TotalRecycled: Balance;
}

/// `who`'s free balance.
pub fn free(state: &dyn State, who: &AccountId) -> Balance {
    Account::get(state, who).free
}

/// Credits `amount` to `who` (the caller accounts for where it came from).
pub fn deposit(state: &mut dyn State, who: &AccountId, amount: Balance) {
    if amount > 0 {
        Account::mutate(state, who, |a| a.free = a.free.saturating_add(amount));
    }
}

/// Debits `amount` from `who`, or refuses with `error` if the balance is short.
pub fn withdraw(state: &mut dyn State, who: &AccountId, amount: Balance, error: Error) -> Result<(), Error> {
    let mut account = Account::get(state, who);
    account.free = account.free.checked_sub(amount).ok_or(error)?;
    Account::insert(state, who, &account);
    Ok(())
}

/// Adds newly minted TAO to the issuance.
pub fn issue(state: &mut dyn State, amount: Balance) {
    TotalIssuance::mutate(state, &(), |i| *i = i.saturating_add(amount));
}

/// Takes destroyed TAO out of the issuance.
pub fn recycle(state: &mut dyn State, amount: Balance) {
    if amount > 0 {
        TotalIssuance::mutate(state, &(), |i| *i = i.saturating_sub(amount));
        TotalRecycled::mutate(state, &(), |r| *r = r.saturating_add(amount));
    }
}

/// Records destroyed TAO that stays counted in the issuance.
pub fn burn(state: &mut dyn State, amount: Balance) {
    if amount > 0 {
        TotalBurned::mutate(state, &(), |b| *b = b.saturating_add(amount));
    }
}

/// Moves `amount` free TAO from `from` to `to`.
///
/// The destination must end with at least the existential deposit. A sender left with
/// less than that but more than nothing loses the rest (`keep_alive == false`) or the
/// transfer is refused (`keep_alive == true`).
pub fn transfer(
    env: &mut Env,
    from: &AccountId,
    to: &AccountId,
    amount: Balance,
    keep_alive: bool,
) -> Result<(), Error> {
    let mut sender = Account::get(env.state, from);
    let remaining = sender.free.checked_sub(amount).ok_or(Error::InsufficientBalance)?;
    if from == to {
        return Ok(());
    }
    let mut receiver = Account::get(env.state, to);
    let received = receiver.free.saturating_add(amount);
    if received < EXISTENTIAL_DEPOSIT {
        return Err(Error::ExistentialDeposit);
    }
    let dust = if remaining > 0 && remaining < EXISTENTIAL_DEPOSIT {
        if keep_alive {
            return Err(Error::Expendability);
        }
        remaining
    } else {
        0
    };
    sender.free = remaining - dust;
    receiver.free = received;
    Account::insert(env.state, from, &sender);
    Account::insert(env.state, to, &receiver);
    env.events.push(Event::Transfer { from: *from, to: *to, amount });
    if dust > 0 {
        recycle(env.state, dust);
        env.events.push(Event::DustLost { account: *from, amount: dust });
    }
    Ok(())
}

/// Sends the whole free balance, less the existential deposit with `keep_alive`.
pub fn transfer_all(env: &mut Env, from: &AccountId, to: &AccountId, keep_alive: bool) -> Result<(), Error> {
    let free = free(env.state, from);
    let amount = if keep_alive { free.saturating_sub(EXISTENTIAL_DEPOSIT) } else { free };
    transfer(env, from, to, amount, keep_alive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryState;

    fn account(n: u8) -> AccountId {
        AccountId([n; 32])
    }

    #[test]
    fn transfers_respect_the_existential_deposit() {
        let mut state = MemoryState::new();
        deposit(&mut state, &account(1), 10_000);
        let mut env = Env::new(&mut state, 1);
        assert_eq!(transfer(&mut env, &account(1), &account(2), 499, false), Err(Error::ExistentialDeposit));
        assert_eq!(
            transfer(&mut env, &account(1), &account(2), 10_001, false),
            Err(Error::InsufficientBalance)
        );
        assert_eq!(transfer(&mut env, &account(1), &account(2), 9_800, true), Err(Error::Expendability));
        transfer(&mut env, &account(1), &account(2), 9_800, false).unwrap();
        assert_eq!(env.events.last(), Some(&Event::DustLost { account: account(1), amount: 200 }));
        assert_eq!(free(&state, &account(1)), 0);
        assert_eq!(free(&state, &account(2)), 9_800);
        assert_eq!(TotalRecycled::get(&state, &()), 200);
    }

    #[test]
    fn transfer_all_keeps_the_deposit_when_asked() {
        let mut state = MemoryState::new();
        deposit(&mut state, &account(1), 10_000);
        let mut env = Env::new(&mut state, 1);
        transfer_all(&mut env, &account(1), &account(2), true).unwrap();
        transfer_all(&mut env, &account(2), &account(3), false).unwrap();
        assert_eq!((free(&state, &account(1)), free(&state, &account(3))), (500, 9_500));
    }
}
