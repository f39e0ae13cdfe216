//! `0x`-prefixed hex text for bytes, as Substrate's JSON-RPC writes them.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Two lowercase hex digits per byte, no prefix.
pub fn encode_plain(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// `0x` followed by two lowercase hex digits per byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    out.push_str(&encode_plain(bytes));
    out
}

/// Parses hex text, with or without `0x`.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength);
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| HexError::BadDigit))
        .collect()
}

/// Parses hex text of exactly 32 bytes.
pub fn decode32(text: &str) -> Result<[u8; 32], HexError> {
    let bytes = decode(text)?;
    bytes.try_into().map_err(|v: Vec<u8>| HexError::WrongLength(v.len()))
}

/// Why text is not the hex expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// An odd number of digits.
    #[error("hex has an odd number of digits")]
    OddLength,
    /// A character that is not a hex digit.
    #[error("not a hex digit")]
    BadDigit,
    /// Not the expected number of bytes.
    #[error("expected 32 bytes, got {0}")]
    WrongLength(usize),
}

/// `#[serde(with = "bt_primitives::hex::bytes32")]`: a 32-byte array as `0x` hex.
pub mod bytes32 {
    /// Writes `0x…`.
    pub fn serialize<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encode(bytes))
    }

    /// Reads `0x…` of 32 bytes.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
        super::decode32(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        assert_eq!(encode(&[0, 171, 255]), "0x00abff");
        assert_eq!(encode_plain(&[0x1f]), "1f");
        assert_eq!(decode("0x00abff"), Ok(vec![0, 171, 255]));
        assert_eq!(decode("00AB"), Ok(vec![0, 171]));
        assert_eq!(decode("0xabc"), Err(HexError::OddLength));
        assert_eq!(decode("0xzz"), Err(HexError::BadDigit));
        assert_eq!(decode32("0x00"), Err(HexError::WrongLength(1)));
    }
}
