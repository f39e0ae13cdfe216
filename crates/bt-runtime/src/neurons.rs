//! Who holds which uid on a subnet, and the per-uid state the epoch reads and writes
//! (chain.md §2.2, §2.7, §5.3).

use bt_primitives::{AccountId, BlockNumber, NetUid, Uid};

use crate::error::Error;
use crate::serving::{Axons, Prometheus};
use crate::state::State;
use crate::storage::Item;
use crate::{map, Env};

/// A sparse row of `(uid, u16 value)` pairs, as weights and bonds are stored.
pub type Row = Vec<(Uid, u16)>;

map! {
    /// Neurons on each subnet.
    SubnetworkN: NetUid => u16;
    /// The hotkey holding each uid.
    Keys: (NetUid, Uid) => AccountId;
    /// The uid of each registered hotkey.
    Uids: (NetUid, AccountId) => Uid;
    /// The block each uid was (last) registered at.
    BlockAtRegistration: (NetUid, Uid) => BlockNumber;
    /// The coldkey that owns each hotkey.
    Owner: AccountId => AccountId;
    /// The hotkeys each coldkey owns.
    OwnedHotkeys: AccountId => Vec<AccountId>;
    /// Weight rows (max-upscaled u16), per uid.
    Weights: (NetUid, Uid) => Row;
    /// Bond rows (u16 proportions), per uid.
    Bonds: (NetUid, Uid) => Row;
    /// Block of each uid's last weights (or commit).
    LastUpdate: NetUid => Vec<BlockNumber>;
    /// Epoch outputs per uid (§2.7).
    Active: NetUid => Vec<bool>;
    /// Alpha rao emitted to each uid in the last epoch.
    Emission: NetUid => Vec<u64>;
    /// Consensus weight per uid.
    Consensus: NetUid => Vec<u16>;
    /// Incentive per uid.
    Incentive: NetUid => Vec<u16>;
    /// Dividends per uid.
    Dividends: NetUid => Vec<u16>;
    /// Validator trust per uid.
    ValidatorTrust: NetUid => Vec<u16>;
    /// Validator permit per uid (the epoch's new permits).
    ValidatorPermit: NetUid => Vec<bool>;
    /// Normalised stake per uid.
    StakeWeight: NetUid => Vec<u16>;
}

/// `hotkey`'s uid on `netuid`, if registered.
pub fn uid_of(state: &dyn State, netuid: NetUid, hotkey: &AccountId) -> Option<Uid> {
    Uids::try_get(state, &(netuid, *hotkey))
}

/// The hotkey holding `uid` on `netuid`.
pub fn hotkey_of(state: &dyn State, netuid: NetUid, uid: Uid) -> Option<AccountId> {
    Keys::try_get(state, &(netuid, uid))
}

/// The hotkeys of `netuid`, by uid.
pub fn hotkeys(state: &dyn State, netuid: NetUid) -> Vec<AccountId> {
    Keys::iter_prefix(state, &netuid).into_iter().map(|(_, hotkey)| hotkey).collect()
}

/// Writes `value` at `uid` of a per-uid vector, padding with defaults.
pub fn set_at<T: Clone + Default>(values: &mut Vec<T>, uid: Uid, value: T) {
    let index = usize::from(uid);
    if values.len() <= index {
        values.resize(index + 1, T::default());
    }
    values[index] = value;
}

/// Sets one uid's entry of a per-uid vector item.
pub fn set_uid_value<I, T>(state: &mut dyn State, netuid: NetUid, uid: Uid, value: T)
where
    I: Item<Key = NetUid, Value = Vec<T>>,
    T: Clone + Default,
{
    I::mutate(state, &netuid, |values| set_at(values, uid, value));
}

/// Makes `coldkey` the owner of `hotkey`, or checks that it already is.
pub fn associate(state: &mut dyn State, coldkey: &AccountId, hotkey: &AccountId) -> Result<(), Error> {
    match Owner::try_get(state, hotkey) {
        Some(owner) if owner == *coldkey => Ok(()),
        Some(_) => Err(Error::NonAssociatedColdKey),
        None => {
            Owner::insert(state, hotkey, coldkey);
            OwnedHotkeys::mutate(state, coldkey, |owned| owned.push(*hotkey));
            Ok(())
        }
    }
}

/// Registers `hotkey` at the next free uid.
pub fn append_neuron(env: &mut Env, netuid: NetUid, hotkey: &AccountId) -> Uid {
    let uid = SubnetworkN::get(env.state, &netuid);
    SubnetworkN::insert(env.state, &netuid, &(uid + 1));
    Keys::insert(env.state, &(netuid, uid), hotkey);
    Uids::insert(env.state, &(netuid, *hotkey), &uid);
    reset_uid(env, netuid, uid);
    uid
}

/// Gives `uid` to `hotkey`, clearing everything its previous holder left (§5.3): its
/// served endpoints, its epoch outputs, its weight and bond rows, and every weight that
/// pointed at it.
pub fn replace_neuron(env: &mut Env, netuid: NetUid, uid: Uid, hotkey: &AccountId) -> Option<AccountId> {
    let old = hotkey_of(env.state, netuid, uid);
    if let Some(old) = old {
        Uids::remove(env.state, &(netuid, old));
        Axons::remove(env.state, &(netuid, old));
        Prometheus::remove(env.state, &(netuid, old));
    }
    Keys::insert(env.state, &(netuid, uid), hotkey);
    Uids::insert(env.state, &(netuid, *hotkey), &uid);
    reset_uid(env, netuid, uid);
    for (key, mut row) in Weights::iter_prefix(env.state, &netuid) {
        let mut changed = false;
        for entry in row.iter_mut().filter(|(dest, value)| *dest == uid && *value != 0) {
            entry.1 = 0;
            changed = true;
        }
        if changed {
            Weights::insert(env.state, &key, &row);
        }
    }
    old
}

/// A freshly registered uid: registered and updated now, no outputs, no permit, no rows.
fn reset_uid(env: &mut Env, netuid: NetUid, uid: Uid) {
    let now = env.block;
    let state = &mut *env.state;
    BlockAtRegistration::insert(state, &(netuid, uid), &now);
    set_uid_value::<LastUpdate, _>(state, netuid, uid, now);
    set_uid_value::<Active, _>(state, netuid, uid, true);
    set_uid_value::<Emission, _>(state, netuid, uid, 0);
    set_uid_value::<Consensus, _>(state, netuid, uid, 0);
    set_uid_value::<Incentive, _>(state, netuid, uid, 0);
    set_uid_value::<Dividends, _>(state, netuid, uid, 0);
    set_uid_value::<ValidatorTrust, _>(state, netuid, uid, 0);
    set_uid_value::<ValidatorPermit, _>(state, netuid, uid, false);
    set_uid_value::<StakeWeight, _>(state, netuid, uid, 0);
    Weights::remove(state, &(netuid, uid));
    Bonds::remove(state, &(netuid, uid));
}

/// Removes every neuron of `netuid` and their per-uid state.
pub fn remove_all(state: &mut dyn State, netuid: NetUid) {
    SubnetworkN::remove(state, &netuid);
    Keys::remove_prefix(state, &netuid);
    Uids::remove_prefix(state, &netuid);
    BlockAtRegistration::remove_prefix(state, &netuid);
    Weights::remove_prefix(state, &netuid);
    Bonds::remove_prefix(state, &netuid);
    Axons::remove_prefix(state, &netuid);
    Prometheus::remove_prefix(state, &netuid);
    LastUpdate::remove(state, &netuid);
    Active::remove(state, &netuid);
    Emission::remove(state, &netuid);
    Consensus::remove(state, &netuid);
    Incentive::remove(state, &netuid);
    Dividends::remove(state, &netuid);
    ValidatorTrust::remove(state, &netuid);
    ValidatorPermit::remove(state, &netuid);
    StakeWeight::remove(state, &netuid);
}
