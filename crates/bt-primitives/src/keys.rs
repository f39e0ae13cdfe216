//! sr25519 signing and verification with Substrate's signing context.

use parity_scale_codec::{Decode, Encode};
use schnorrkel::{ExpansionMode, MiniSecretKey, PublicKey};

use crate::AccountId;

/// The signing context of every Substrate signature.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// A 64-byte sr25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Signature(pub [u8; 64]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature(0x{:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// An sr25519 key pair.
#[derive(Clone)]
pub struct Keypair {
    pair: schnorrkel::Keypair,
}

impl Keypair {
    /// The key pair of a 32-byte mini secret ("seed"), expanded the way Substrate and the
    /// Bittensor wallet do (Ed25519 expansion mode).
    pub fn from_seed(seed: &[u8; 32]) -> Keypair {
        // A 32-byte slice is always a valid mini secret.
        let mini = MiniSecretKey::from_bytes(seed).expect("32 bytes");
        Keypair { pair: mini.expand_to_keypair(ExpansionMode::Ed25519) }
    }

    /// The account (public key) of this pair.
    pub fn account(&self) -> AccountId {
        AccountId(self.pair.public.to_bytes())
    }

    /// Signs `message` with the `substrate` context.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.pair.sign_simple(SIGNING_CONTEXT, message).to_bytes())
    }
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keypair({})", self.account())
    }
}

/// Whether `signature` is `signer`'s signature of `message` under the `substrate` context.
/// Malformed keys or signatures are simply invalid.
pub fn verify(signer: &AccountId, message: &[u8], signature: &Signature) -> bool {
    let Ok(public) = PublicKey::from_bytes(&signer.0) else {
        return false;
    };
    let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else {
        return false;
    };
    public.verify_simple(SIGNING_CONTEXT, message, &signature).is_ok()
}

/// Whether every `(signer, message, signature)` is valid, checked together in one batch
/// (about twice as fast as one by one). Deterministic: the batch coefficients come from the
/// inputs, not from randomness. `false` says only that at least one is invalid.
pub fn verify_batch<'a>(items: impl IntoIterator<Item = (&'a AccountId, &'a [u8], &'a Signature)>) -> bool {
    let (mut keys, mut signatures, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    for (signer, message, signature) in items {
        let (Ok(key), Ok(signature)) =
            (PublicKey::from_bytes(&signer.0), schnorrkel::Signature::from_bytes(&signature.0))
        else {
            return false;
        };
        keys.push(key);
        signatures.push(signature);
        messages.push(message);
    }
    let context = schnorrkel::signing_context(SIGNING_CONTEXT);
    let transcripts = messages.into_iter().map(|m| context.bytes(m));
    schnorrkel::verify_batch_deterministic(transcripts, &signatures, &keys, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_message_and_signer() {
        let alice = Keypair::from_seed(&[1u8; 32]);
        let bob = Keypair::from_seed(&[2u8; 32]);
        let signature = alice.sign(b"hello");
        assert!(verify(&alice.account(), b"hello", &signature));
        assert!(!verify(&alice.account(), b"hellp", &signature));
        assert!(!verify(&bob.account(), b"hello", &signature));
        assert!(!verify(&alice.account(), b"hello", &Signature([0u8; 64])));
        assert!(!verify(&AccountId([0xff; 32]), b"hello", &signature));
    }

    #[test]
    fn a_batch_verifies_only_if_every_signature_does() {
        let pairs: Vec<Keypair> = (0..4).map(|i| Keypair::from_seed(&[i; 32])).collect();
        let accounts: Vec<AccountId> = pairs.iter().map(Keypair::account).collect();
        let messages: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 10]).collect();
        let mut signatures: Vec<Signature> = pairs.iter().zip(&messages).map(|(p, m)| p.sign(m)).collect();
        let batch = |signatures: &[Signature]| {
            verify_batch(accounts.iter().zip(&messages).zip(signatures).map(|((a, m), s)| (a, &m[..], s)))
        };
        assert!(batch(&signatures));
        assert!(verify_batch(std::iter::empty()));
        signatures.swap(0, 1);
        assert!(!batch(&signatures));
    }

    #[test]
    fn seeds_give_stable_public_keys() {
        let a = Keypair::from_seed(&[9u8; 32]).account();
        let b = Keypair::from_seed(&[9u8; 32]).account();
        assert_eq!(a, b);
        assert_ne!(a, Keypair::from_seed(&[8u8; 32]).account());
    }
}
