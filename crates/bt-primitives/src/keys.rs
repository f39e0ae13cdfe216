//! sr25519 signing and verification with Substrate's signing context.

use parity_scale_codec::{Decode, Encode};
use schnorrkel::derive::{ChainCode, Derivation};
use schnorrkel::{ExpansionMode, MiniSecretKey, PublicKey};

use crate::hashing::blake2_256;
use crate::AccountId;

/// Substrate's development phrase, the root of `//Alice`, `//Bob`, ….
pub const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// The 32-byte mini secret of BIP39 `entropy` with no password (what keyfiles store as
/// `secretSeed`); `None` unless the entropy is 16 to 32 bytes in steps of 4.
pub fn mini_secret_from_entropy(entropy: &[u8]) -> Option<[u8; 32]> {
    substrate_bip39::mini_secret_from_entropy(entropy, "").ok().map(|mini| mini.to_bytes())
}

/// Why a secret phrase or URI cannot give a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a valid BIP39 English mnemonic.
    #[error("invalid mnemonic: {0}")]
    BadPhrase(String),
    /// A `0x` seed that is not 32 bytes of hex.
    #[error("a hex seed must be 0x followed by 64 hex digits")]
    BadSeed,
    /// Not a 64-byte sr25519 secret key.
    #[error("not a valid 64-byte sr25519 secret key")]
    BadSecret,
}

/// The 32-byte chain code of one derivation junction: a number is its SCALE `u64`, any
/// other text its SCALE string; longer than 32 bytes is hashed, shorter is zero-padded.
fn chain_code(junction: &str) -> ChainCode {
    let encoded = match junction.parse::<u64>() {
        Ok(number) => number.encode(),
        Err(_) => junction.encode(),
    };
    let mut code = [0u8; 32];
    if encoded.len() > 32 {
        code = blake2_256(&encoded);
    } else {
        code[..encoded.len()].copy_from_slice(&encoded);
    }
    ChainCode(code)
}

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

    /// The key pair of a BIP39 mnemonic (12 to 24 words) and optional password, through
    /// the mini secret, as the Bittensor wallet and Substrate derive it.
    pub fn from_phrase(phrase: &str, password: &str) -> Result<Keypair, KeyError> {
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase)
            .map_err(|e| KeyError::BadPhrase(e.to_string()))?;
        let mini = substrate_bip39::mini_secret_from_entropy(&mnemonic.to_entropy(), password)
            .map_err(|e| KeyError::BadPhrase(format!("{e:?}")))?;
        Ok(Keypair { pair: mini.expand_to_keypair(ExpansionMode::Ed25519) })
    }

    /// The key pair of a Substrate secret URI: `[phrase or 0x seed][//hard][/soft]…[///password]`.
    /// Without a phrase the development phrase is used, so `//Alice` is the well-known
    /// development account.
    pub fn from_uri(uri: &str) -> Result<Keypair, KeyError> {
        let (body, password) = match uri.split_once("///") {
            Some((body, password)) => (body, password),
            None => (uri, ""),
        };
        let split = body.find('/').unwrap_or(body.len());
        let (root, path) = body.split_at(split);
        let root = root.trim();
        let mut pair = if let Some(hex) = root.strip_prefix("0x") {
            let mut seed = [0u8; 32];
            if hex.len() != 64 {
                return Err(KeyError::BadSeed);
            }
            for (i, byte) in seed.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| KeyError::BadSeed)?;
            }
            Keypair::from_seed(&seed)
        } else {
            Keypair::from_phrase(if root.is_empty() { DEV_PHRASE } else { root }, password)?
        };
        let mut rest = path;
        while !rest.is_empty() {
            let hard = rest.starts_with("//");
            let junction_start = if hard { 2 } else { 1 };
            let tail = &rest[junction_start..];
            let end = tail.find('/').unwrap_or(tail.len());
            let code = chain_code(&tail[..end]);
            pair.pair = if hard {
                let (mini, _) = pair.pair.secret.hard_derive_mini_secret_key(Some(code), b"");
                mini.expand_to_keypair(ExpansionMode::Ed25519)
            } else {
                pair.pair.derived_key_simple(code, []).0
            };
            rest = &tail[end..];
        }
        Ok(pair)
    }

    /// The key pair of a 64-byte sr25519 secret key (scalar ‖ nonce), as wallet files store
    /// it in `privateKey`.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Keypair, KeyError> {
        let secret = schnorrkel::SecretKey::from_bytes(bytes).map_err(|_| KeyError::BadSecret)?;
        Ok(Keypair { pair: secret.to_keypair() })
    }

    /// The 64-byte secret key (scalar ‖ nonce).
    pub fn secret_bytes(&self) -> [u8; 64] {
        self.pair.secret.to_bytes()
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

/// A decoded public key, to check many signatures from one signer without decoding the
/// key each time.
#[derive(Clone)]
pub struct VerifyingKey(PublicKey);

impl VerifyingKey {
    /// The key of `account`, if it is a valid sr25519 public key.
    pub fn new(account: &AccountId) -> Option<VerifyingKey> {
        PublicKey::from_bytes(&account.0).ok().map(VerifyingKey)
    }

    /// Whether `signature` signs `message` under the `substrate` context.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        schnorrkel::Signature::from_bytes(&signature.0)
            .is_ok_and(|signature| self.0.verify_simple(SIGNING_CONTEXT, message, &signature).is_ok())
    }
}

/// Whether `signature` is `signer`'s signature of `message` under the `substrate` context.
/// Malformed keys or signatures are simply invalid.
pub fn verify(signer: &AccountId, message: &[u8], signature: &Signature) -> bool {
    VerifyingKey::new(signer).is_some_and(|key| key.verify(message, signature))
}

/// Whether every `(signer, message, signature)` is valid, checked together in one batch
/// (about twice as fast as one by one). Deterministic: the batch coefficients come from the
/// inputs, not from randomness. `false` says only that at least one is invalid.
pub fn verify_batch<'a>(items: impl IntoIterator<Item = (&'a AccountId, &'a [u8], &'a Signature)>) -> bool {
    let mut keys = Vec::new();
    let mut rest = Vec::new();
    for (signer, message, signature) in items {
        let Some(key) = VerifyingKey::new(signer) else { return false };
        keys.push(key);
        rest.push((message, signature));
    }
    verify_batch_keys(keys.iter().zip(rest).map(|(key, (message, signature))| (key, message, signature)))
}

/// [`verify_batch`] with keys already decoded. Signatures by one key are cheaper in a
/// batch: that key's terms are merged into one.
pub fn verify_batch_keys<'a>(
    items: impl IntoIterator<Item = (&'a VerifyingKey, &'a [u8], &'a Signature)>,
) -> bool {
    let (mut keys, mut signatures, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    for (key, message, signature) in items {
        let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else { return false };
        keys.push(key.0);
        signatures.push(signature);
        messages.push(message);
    }
    let context = schnorrkel::signing_context(SIGNING_CONTEXT);
    let transcripts = messages.into_iter().map(|m| context.bytes(m));
    schnorrkel::verify_batch_deterministic(transcripts, &signatures, &keys, true).is_ok()
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
        // One signer many times, as an axon sees a busy validator: its terms are merged.
        let key = VerifyingKey::new(&accounts[0]).unwrap();
        let mut signed: Vec<Signature> = messages.iter().map(|m| pairs[0].sign(m)).collect();
        let one_signer = |signed: &[Signature]| {
            verify_batch_keys(messages.iter().zip(signed).map(|(m, s)| (&key, &m[..], s)))
        };
        assert!(one_signer(&signed));
        signed[3] = pairs[1].sign(&messages[3]);
        assert!(!one_signer(&signed));
    }

    #[test]
    fn phrases_and_uris_give_the_well_known_keys() {
        // DESIGN.md's reference values.
        let abandon =
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        let key = Keypair::from_phrase(abandon, "").unwrap().account();
        assert_eq!(key.to_ss58(), "5EPCUjPxiHAcNooYipQFWr9NmmXJKpNG5RhcntXwbtUySrgH");
        let alice = Keypair::from_uri("//Alice").unwrap().account();
        assert_eq!(alice.to_ss58(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        // Substrate's well-known Bob and soft-derived Alice.
        let bob = Keypair::from_uri("//Bob").unwrap().account();
        assert_eq!(bob.to_ss58(), "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
        let soft = Keypair::from_uri(&format!("{DEV_PHRASE}//Alice/soft")).unwrap().account();
        assert_ne!(soft, alice);
        assert!(matches!(Keypair::from_phrase("not a phrase", ""), Err(KeyError::BadPhrase(_))));
        assert_eq!(Keypair::from_uri("0x12").err(), Some(KeyError::BadSeed));
        let restored =
            Keypair::from_secret_bytes(&Keypair::from_uri("//Alice").unwrap().secret_bytes()).unwrap();
        assert_eq!(restored.account(), alice);
        assert_eq!(Keypair::from_secret_bytes(&[1; 10]).err(), Some(KeyError::BadSecret));
    }

    #[test]
    fn seeds_give_stable_public_keys() {
        let a = Keypair::from_seed(&[9u8; 32]).account();
        let b = Keypair::from_seed(&[9u8; 32]).account();
        assert_eq!(a, b);
        assert_ne!(a, Keypair::from_seed(&[8u8; 32]).account());
    }
}
