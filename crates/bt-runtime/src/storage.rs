//! Typed storage items over the byte-level [`State`].
//!
//! Each item is declared once with [`map!`](crate::map) (a keyed map) or
//! [`value!`](crate::value) (a single value), like the chain's storage declarations. Keys
//! are the item's name, a `/`, then the key parts in fixed width and big-endian, so that a
//! prefix scan over the leading parts visits entries in numeric order. Values are SCALE.

use bt_primitives::AccountId;
use parity_scale_codec::{Decode, Encode};

use crate::state::State;

/// A fixed-width part of a storage key.
pub trait KeyPart: Sized {
    /// Encoded width in bytes.
    const WIDTH: usize;
    /// Appends the encoding.
    fn write(&self, out: &mut Vec<u8>);
    /// Decodes from exactly [`Self::WIDTH`] bytes.
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! int_key {
    ($($t:ty),*) => {$(
        impl KeyPart for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }
            fn read(bytes: &[u8]) -> Self {
                let mut raw = [0u8; std::mem::size_of::<$t>()];
                raw.copy_from_slice(&bytes[..Self::WIDTH]);
                <$t>::from_be_bytes(raw)
            }
        }
    )*};
}
int_key!(u8, u16, u32, u64);

impl KeyPart for () {
    const WIDTH: usize = 0;
    fn write(&self, _: &mut Vec<u8>) {}
    fn read(_: &[u8]) -> Self {}
}

impl KeyPart for AccountId {
    const WIDTH: usize = 32;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn read(bytes: &[u8]) -> Self {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes[..32]);
        AccountId(raw)
    }
}

impl<A: KeyPart, B: KeyPart> KeyPart for (A, B) {
    const WIDTH: usize = A::WIDTH + B::WIDTH;
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
    }
    fn read(bytes: &[u8]) -> Self {
        (A::read(bytes), B::read(&bytes[A::WIDTH..]))
    }
}

impl<A: KeyPart, B: KeyPart, C: KeyPart> KeyPart for (A, B, C) {
    const WIDTH: usize = A::WIDTH + B::WIDTH + C::WIDTH;
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
        self.2.write(out);
    }
    fn read(bytes: &[u8]) -> Self {
        (A::read(bytes), B::read(&bytes[A::WIDTH..]), C::read(&bytes[A::WIDTH + B::WIDTH..]))
    }
}

/// A storage item: values of one type under keys of one type, with a default for absent
/// keys. Declared with [`map!`](crate::map) or [`value!`](crate::value).
pub trait Item {
    /// The key type (`()` for a single value).
    type Key: KeyPart;
    /// The value type.
    type Value: Encode + Decode;
    /// `Name/`.
    const PREFIX: &'static [u8];
    /// The value read for an absent key.
    fn default_value() -> Self::Value;

    /// The full state key of `key`.
    fn key(key: &Self::Key) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::PREFIX.len() + Self::Key::WIDTH);
        out.extend_from_slice(Self::PREFIX);
        key.write(&mut out);
        out
    }

    /// The stored value, or the default.
    fn get(state: &dyn State, key: &Self::Key) -> Self::Value {
        Self::try_get(state, key).unwrap_or_else(Self::default_value)
    }

    /// The stored value, if there is one.
    fn try_get(state: &dyn State, key: &Self::Key) -> Option<Self::Value> {
        // Only this module writes these bytes, always as SCALE of `Value`; a value that
        // does not decode is treated as absent rather than trusted.
        state.get(&Self::key(key)).and_then(|bytes| Self::Value::decode(&mut &bytes[..]).ok())
    }

    /// Whether a value is stored under `key`.
    fn contains(state: &dyn State, key: &Self::Key) -> bool {
        state.get(&Self::key(key)).is_some()
    }

    /// Stores `value` under `key`.
    fn insert(state: &mut dyn State, key: &Self::Key, value: &Self::Value) {
        state.set(&Self::key(key), value.encode());
    }

    /// Removes `key`.
    fn remove(state: &mut dyn State, key: &Self::Key) {
        state.remove(&Self::key(key));
    }

    /// Reads, changes and writes back the value under `key`, returning what `f` returns.
    fn mutate<R>(state: &mut dyn State, key: &Self::Key, f: impl FnOnce(&mut Self::Value) -> R) -> R {
        let mut value = Self::get(state, key);
        let out = f(&mut value);
        Self::insert(state, key, &value);
        out
    }

    /// Every entry whose key starts with the parts in `prefix` (for example the netuid of a
    /// `(netuid, uid)` key), in key order.
    fn iter_prefix<P: KeyPart>(state: &dyn State, prefix: &P) -> Vec<(Self::Key, Self::Value)> {
        let mut scan = Self::PREFIX.to_vec();
        prefix.write(&mut scan);
        Self::decode_entries(state.scan_prefix(&scan))
    }

    /// Every entry of the item, in key order.
    fn iter(state: &dyn State) -> Vec<(Self::Key, Self::Value)> {
        Self::decode_entries(state.scan_prefix(Self::PREFIX))
    }

    /// Removes every entry whose key starts with the parts in `prefix`.
    fn remove_prefix<P: KeyPart>(state: &mut dyn State, prefix: &P) {
        let mut scan = Self::PREFIX.to_vec();
        prefix.write(&mut scan);
        for (key, _) in state.scan_prefix(&scan) {
            state.remove(&key);
        }
    }

    #[doc(hidden)]
    fn decode_entries(raw: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<(Self::Key, Self::Value)> {
        raw.into_iter()
            .filter(|(k, _)| k.len() == Self::PREFIX.len() + Self::Key::WIDTH)
            .filter_map(|(k, v)| {
                let value = Self::Value::decode(&mut &v[..]).ok()?;
                Some((Self::Key::read(&k[Self::PREFIX.len()..]), value))
            })
            .collect()
    }
}

/// Declares keyed storage items: `map! { /// doc \n Name: Key => Value = default; }`.
/// Without `= default` the value type's `Default` is used.
#[macro_export]
macro_rules! map {
    ($($(#[$meta:meta])* $name:ident : $key:ty => $value:ty $(= $default:expr)?;)*) => {$(
        $(#[$meta])*
        pub struct $name;
        impl $crate::storage::Item for $name {
            type Key = $key;
            type Value = $value;
            const PREFIX: &'static [u8] = concat!(stringify!($name), "/").as_bytes();
            fn default_value() -> $value {
                $crate::map!(@default $value $(, $default)?)
            }
        }
    )*};
    (@default $value:ty) => { <$value as Default>::default() };
    (@default $value:ty, $default:expr) => { $default };
}

/// Declares single-value storage items: `value! { /// doc \n Name: Value = default; }`.
#[macro_export]
macro_rules! value {
    ($($(#[$meta:meta])* $name:ident : $value:ty $(= $default:expr)?;)*) => {
        $crate::map! { $($(#[$meta])* $name: () => $value $(= $default)?;)* }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryState;

    map! {
        /// A test map.
        Scores: (u16, u16) => u64 = 7;
    }
    value! {
        /// A test value.
        Counter: u32;
    }

    #[test]
    fn items_default_store_and_scan_in_numeric_order() {
        let mut state = MemoryState::new();
        assert_eq!(Scores::get(&state, &(1, 2)), 7);
        Scores::insert(&mut state, &(1, 300), &1);
        Scores::insert(&mut state, &(1, 2), &2);
        Scores::insert(&mut state, &(2, 0), &3);
        assert_eq!(Scores::iter_prefix(&state, &1u16), vec![((1, 2), 2), ((1, 300), 1)]);
        Counter::mutate(&mut state, &(), |c| *c += 5);
        assert_eq!(Counter::get(&state, &()), 5);
        Scores::remove_prefix(&mut state, &1u16);
        assert_eq!(Scores::iter(&state), vec![((2, 0), 3)]);
    }
}
