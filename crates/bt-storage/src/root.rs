//! The state root: a commitment to the whole state that is cheap to update.
//!
//! The root is the sum, modulo 2²⁵⁶, of BLAKE2b-256 of every `(key, value)` entry (SCALE,
//! so lengths are bound in). A sum does not depend on order, so it can be updated entry by
//! entry as blocks change the state, and two nodes with the same state always agree on it.

use bt_primitives::hashing::blake2_256;
use bt_primitives::Hash;
use parity_scale_codec::Encode;

/// The running sum behind the state root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateRoot {
    limbs: [u64; 4],
}

fn entry_hash(key: &[u8], value: &[u8]) -> [u64; 4] {
    let hash = blake2_256(&(key, value).encode());
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(hash[8 * i..8 * i + 8].try_into().unwrap_or_default());
    }
    limbs
}

impl StateRoot {
    /// Adds an entry.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) {
        let other = entry_hash(key, value);
        let mut carry = false;
        for (limb, add) in self.limbs.iter_mut().zip(other) {
            let (sum, c1) = limb.overflowing_add(add);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
    }

    /// Takes an entry out.
    pub fn remove(&mut self, key: &[u8], value: &[u8]) {
        let other = entry_hash(key, value);
        let mut borrow = false;
        for (limb, sub) in self.limbs.iter_mut().zip(other) {
            let (diff, b1) = limb.overflowing_sub(sub);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *limb = diff;
            borrow = b1 || b2;
        }
    }

    /// Accounts for `key` changing from `old` to `new` (either may be absent).
    pub fn replace(&mut self, key: &[u8], old: Option<&[u8]>, new: Option<&[u8]>) {
        if let Some(old) = old {
            self.remove(key, old);
        }
        if let Some(new) = new {
            self.insert(key, new);
        }
    }

    /// The root as 32 bytes.
    pub fn to_bytes(&self) -> Hash {
        let mut out = [0u8; 32];
        for (i, limb) in self.limbs.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_depends_on_content_not_order() {
        let (mut a, mut b) = (StateRoot::default(), StateRoot::default());
        a.insert(b"k1", b"v1");
        a.insert(b"k2", b"v2");
        b.insert(b"k2", b"v2");
        b.insert(b"k1", b"v1");
        assert_eq!(a, b);
        b.replace(b"k1", Some(b"v1"), Some(b"v9"));
        assert_ne!(a, b);
        b.replace(b"k1", Some(b"v9"), Some(b"v1"));
        assert_eq!(a, b);
        a.remove(b"k1", b"v1");
        a.remove(b"k2", b"v2");
        assert_eq!(a, StateRoot::default());
    }
}
