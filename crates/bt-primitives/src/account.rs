//! Account ids and their SS58 text form.

use std::fmt;
use std::str::FromStr;

use blake2::digest::Digest;
use blake2::Blake2b512;
use parity_scale_codec::{Decode, Encode};

/// The SS58 address format of Bittensor ("substrate" generic, 42).
pub const SS58_PREFIX: u8 = 42;

/// An account: the 32 bytes of an sr25519 public key. Displays as its SS58 address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct AccountId(pub [u8; 32]);

/// Why a string is not a valid SS58 address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ss58Error {
    /// Not base58 at all.
    #[error("not a base58 string")]
    BadBase58,
    /// Decodes to the wrong number of bytes for a 32-byte account.
    #[error("wrong length: an SS58 account address is 35 bytes once decoded, got {0}")]
    BadLength(usize),
    /// A network prefix other than 42.
    #[error("address is for network prefix {0}, expected {SS58_PREFIX}")]
    WrongPrefix(u8),
    /// The two checksum bytes do not match.
    #[error("checksum mismatch")]
    BadChecksum,
}

fn checksum(body: &[u8]) -> [u8; 2] {
    let mut hasher = Blake2b512::new();
    hasher.update(b"SS58PRE");
    hasher.update(body);
    let digest = hasher.finalize();
    [digest[0], digest[1]]
}

impl AccountId {
    /// The SS58 address with prefix 42.
    pub fn to_ss58(&self) -> String {
        let mut bytes = Vec::with_capacity(35);
        bytes.push(SS58_PREFIX);
        bytes.extend_from_slice(&self.0);
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        bs58::encode(bytes).into_string()
    }

    /// Parses an SS58 address with prefix 42.
    pub fn from_ss58(address: &str) -> Result<Self, Ss58Error> {
        let bytes = bs58::decode(address).into_vec().map_err(|_| Ss58Error::BadBase58)?;
        if bytes.len() != 35 {
            return Err(Ss58Error::BadLength(bytes.len()));
        }
        if bytes[0] != SS58_PREFIX {
            return Err(Ss58Error::WrongPrefix(bytes[0]));
        }
        if checksum(&bytes[..33]) != bytes[33..] {
            return Err(Ss58Error::BadChecksum);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[1..33]);
        Ok(AccountId(key))
    }

    /// The raw public key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ss58())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ss58 = self.to_ss58();
        write!(f, "{}…", &ss58[..8])
    }
}

impl serde::Serialize for AccountId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_ss58())
    }
}

impl<'de> serde::Deserialize<'de> for AccountId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        AccountId::from_ss58(&text).map_err(|e| serde::de::Error::custom(format!("{text}: {e}")))
    }
}

impl FromStr for AccountId {
    type Err = Ss58Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountId::from_ss58(s)
    }
}

impl From<[u8; 32]> for AccountId {
    fn from(bytes: [u8; 32]) -> Self {
        AccountId(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn ss58_round_trips_the_reference_key() {
        // DESIGN.md: the mnemonic `abandon ×11 about` gives this key and address.
        let key = AccountId(hex32("66933bd1f37070ef87bd1198af3dacceb095237f803f3d32b173e6b425ed7972"));
        assert_eq!(key.to_ss58(), "5EPCUjPxiHAcNooYipQFWr9NmmXJKpNG5RhcntXwbtUySrgH");
        assert_eq!("5EPCUjPxiHAcNooYipQFWr9NmmXJKpNG5RhcntXwbtUySrgH".parse::<AccountId>(), Ok(key));
    }

    #[test]
    fn accounts_are_json_strings() {
        let key = AccountId([3; 32]);
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, format!("\"{}\"", key.to_ss58()));
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), key);
        assert!(serde_json::from_str::<AccountId>("\"5abc\"").is_err());
    }

    #[test]
    fn bad_addresses_are_refused_with_a_reason() {
        assert_eq!(AccountId::from_ss58("0OIl"), Err(Ss58Error::BadBase58));
        assert_eq!(AccountId::from_ss58("2NEpo"), Err(Ss58Error::BadLength(3)));
        // Last character changed: the checksum no longer matches.
        let err = AccountId::from_ss58("5EPCUjPxiHAcNooYipQFWr9NmmXJKpNG5RhcntXwbtUySrgJ");
        assert_eq!(err, Err(Ss58Error::BadChecksum));
        // Polkadot's prefix 0.
        let mut body = vec![0u8];
        body.extend_from_slice(&[7u8; 32]);
        let sum = checksum(&body);
        body.extend_from_slice(&sum);
        let polkadot = bs58::encode(body).into_string();
        assert_eq!(AccountId::from_ss58(&polkadot), Err(Ss58Error::WrongPrefix(0)));
    }
}
