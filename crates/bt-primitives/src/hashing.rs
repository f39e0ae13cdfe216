//! The chain's hash functions.

use blake2::digest::consts::{U16, U32};
use blake2::digest::Digest;
use blake2::Blake2b;

/// BLAKE2b with a 32-byte output (Substrate's `BlakeTwo256`).
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

/// BLAKE2b with a 16-byte output.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    Blake2b::<U16>::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2_256_of_empty_input() {
        // The well-known BLAKE2b-256 digest of the empty string.
        let expected = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
        let got: String = blake2_256(b"").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, expected);
    }
}
