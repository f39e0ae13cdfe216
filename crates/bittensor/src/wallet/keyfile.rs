//! One keyfile: its JSON, its `$NACL` encryption, and atomic, owner-only writes.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use bt_primitives::{hex, AccountId, Keypair};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Nonce, XSalsa20Poly1305};
use serde_json::{json, Map, Value};

use super::WalletError;

/// The prefix of a `$NACL`-encrypted keyfile.
const NACL_PREFIX: &[u8] = b"$NACL";
/// The fixed Argon2i salt of the Python wallet (`NACL_SALT`).
const NACL_SALT: [u8; 16] =
    [0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1];

/// Argon2i cost parameters of the keyfile key derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Passes (libsodium's opslimit).
    pub t_cost: u32,
    /// Memory in KiB (libsodium's memlimit / 1024).
    pub m_cost_kib: u32,
}

impl KdfParams {
    /// What the Python wallet uses (`OPSLIMIT_SENSITIVE`, `MEMLIMIT_SENSITIVE`): 8 passes
    /// over 512 MiB, several seconds per unlock. Files are only compatible at these.
    pub const SENSITIVE: KdfParams = KdfParams { t_cost: 8, m_cost_kib: 512 * 1024 };
}

/// What a keyfile holds: at least the public key; the secret parts when it is a full one.
#[derive(Clone)]
pub struct KeyData {
    /// The account (public key).
    pub account: AccountId,
    /// The key pair, when the file has a secret.
    pub pair: Option<Keypair>,
    /// The BIP39 mnemonic, when known.
    pub phrase: Option<String>,
    /// The 32-byte mini secret, when known.
    pub seed: Option<[u8; 32]>,
}

impl std::fmt::Debug for KeyData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyData({}, secret: {})", self.account, self.pair.is_some())
    }
}

impl KeyData {
    /// The full keyfile JSON (`accountId`, `publicKey`, `privateKey`, `secretPhrase`,
    /// `secretSeed`, `ss58Address`, `cryptoType`), or the public one without a secret.
    pub fn to_json(&self) -> String {
        let public = hex::encode(self.account.as_bytes());
        let mut object = Map::new();
        object.insert("accountId".into(), json!(public));
        object.insert("publicKey".into(), json!(public));
        if let Some(pair) = &self.pair {
            object.insert("privateKey".into(), json!(hex::encode(&pair.secret_bytes())));
            object.insert("secretPhrase".into(), self.phrase.as_ref().map_or(Value::Null, |p| json!(p)));
            object.insert("secretSeed".into(), self.seed.map_or(Value::Null, |s| json!(hex::encode(&s))));
        }
        object.insert("ss58Address".into(), json!(self.account.to_ss58()));
        object.insert("cryptoType".into(), json!(1));
        Value::Object(object).to_string()
    }

    /// The public part only.
    pub fn public(&self) -> KeyData {
        KeyData { account: self.account, pair: None, phrase: None, seed: None }
    }

    /// Reads keyfile JSON, preferring `secretPhrase`, then `secretSeed`, then `privateKey`,
    /// then the public `ss58Address` / `publicKey`, as the Python wallet does.
    pub fn from_json(text: &str) -> Result<KeyData, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not keyfile JSON: {e}"))?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        if value.get("cryptoType").and_then(Value::as_u64).is_some_and(|t| t != 1) {
            return Err("only sr25519 keys (cryptoType 1) are supported".into());
        }
        if let Some(phrase) = field("secretPhrase") {
            let pair = Keypair::from_phrase(phrase, "").map_err(|e| e.to_string())?;
            let seed = field("secretSeed").map(hex::decode32).transpose().map_err(|e| e.to_string())?;
            return Ok(KeyData {
                account: pair.account(),
                pair: Some(pair),
                phrase: Some(phrase.into()),
                seed,
            });
        }
        if let Some(seed) = field("secretSeed") {
            let seed = hex::decode32(seed).map_err(|e| format!("secretSeed: {e}"))?;
            let pair = Keypair::from_seed(&seed);
            return Ok(KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: Some(seed) });
        }
        if let Some(secret) = field("privateKey") {
            let bytes = hex::decode(secret).map_err(|e| format!("privateKey: {e}"))?;
            let pair = Keypair::from_secret_bytes(&bytes).map_err(|e| e.to_string())?;
            return Ok(KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: None });
        }
        let account = match (field("ss58Address"), field("publicKey").or(field("accountId"))) {
            (Some(ss58), _) => ss58.parse().map_err(|e| format!("ss58Address: {e}"))?,
            (None, Some(public)) => AccountId(hex::decode32(public).map_err(|e| format!("publicKey: {e}"))?),
            (None, None) => return Err("no key in the file".into()),
        };
        Ok(KeyData { account, pair: None, phrase: None, seed: None })
    }
}

fn derive_key(password: &str, params: KdfParams) -> Result<[u8; 32], WalletError> {
    let params = Params::new(params.m_cost_kib, params.t_cost, 1, Some(32))
        .map_err(|e| WalletError::Crypto(format!("key derivation parameters: {e}")))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &NACL_SALT, &mut key)
        .map_err(|e| WalletError::Crypto(format!("key derivation: {e}")))?;
    Ok(key)
}

/// `$NACL ‖ nonce ‖ secretbox(plaintext)`, the Python wallet's format.
pub fn encrypt(plaintext: &[u8], password: &str, params: KdfParams) -> Result<Vec<u8>, WalletError> {
    let key = derive_key(password, params)?;
    let mut nonce = [0u8; 24];
    getrandom::getrandom(&mut nonce).map_err(|e| WalletError::Crypto(format!("randomness: {e}")))?;
    let sealed = XSalsa20Poly1305::new(&key.into())
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| WalletError::Crypto("encryption failed".into()))?;
    let mut out = NACL_PREFIX.to_vec();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens `$NACL` data; a wrong password is [`WalletError::WrongPassword`].
pub fn decrypt(data: &[u8], password: &str, params: KdfParams) -> Result<Vec<u8>, WalletError> {
    let body = data.strip_prefix(NACL_PREFIX).ok_or_else(|| WalletError::Crypto("not $NACL data".into()))?;
    if body.len() < 24 + 16 {
        return Err(WalletError::Crypto("encrypted keyfile is truncated".into()));
    }
    let key = derive_key(password, params)?;
    XSalsa20Poly1305::new(&key.into())
        .decrypt(Nonce::from_slice(&body[..24]), &body[24..])
        .map_err(|_| WalletError::WrongPassword)
}

/// How a keyfile's bytes are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Plain JSON.
    None,
    /// `$NACL` (readable and writable).
    Nacl,
    /// Old ansible-vault files (read only).
    AnsibleVault,
    /// Legacy Fernet files (not decryptable by the Python wallet either).
    Fernet,
}

/// How `data` is protected, by its prefix.
pub fn protection(data: &[u8]) -> Protection {
    if data.starts_with(NACL_PREFIX) {
        Protection::Nacl
    } else if data.starts_with(b"$ANSIBLE_VAULT") {
        Protection::AnsibleVault
    } else if data.starts_with(b"gAAAAA") {
        Protection::Fernet
    } else {
        Protection::None
    }
}

/// A keyfile on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyfile {
    path: PathBuf,
}

impl Keyfile {
    /// The keyfile at `path` (which need not exist).
    pub fn new(path: PathBuf) -> Keyfile {
        Keyfile { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file exists.
    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    fn read_bytes(&self) -> Result<Vec<u8>, WalletError> {
        fs::read(&self.path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                WalletError::NotFound(self.path.clone())
            } else {
                WalletError::Io(self.path.clone(), e.to_string())
            }
        })
    }

    /// Whether the file is encrypted.
    pub fn is_encrypted(&self) -> Result<bool, WalletError> {
        Ok(protection(&self.read_bytes()?) != Protection::None)
    }

    /// The password for this file from `BT_PW_<path>`, if set: base64 of the password
    /// XOR-ed with the variable's name (the Python wallet's obfuscation).
    pub fn env_password(&self) -> Option<String> {
        let name: String = self
            .path
            .to_string_lossy()
            .chars()
            .map(|c| if c == '/' || c == '\\' || c == '.' { '_' } else { c.to_ascii_uppercase() })
            .collect();
        let name = format!("BT_PW_{name}");
        let encoded = std::env::var(&name).ok()?;
        let bytes = base64_decode(&encoded)?;
        let key = name.as_bytes();
        let plain: Vec<u8> = bytes.iter().enumerate().map(|(i, b)| b ^ key[i % key.len()]).collect();
        String::from_utf8(plain).ok()
    }

    /// Reads the key, decrypting with `password` (or the `BT_PW_` variable) if needed.
    pub fn read(&self, password: Option<&str>, params: KdfParams) -> Result<KeyData, WalletError> {
        let data = self.read_bytes()?;
        let plain = match protection(&data) {
            Protection::None => data,
            Protection::Nacl => {
                let password = password.map(str::to_owned).or_else(|| self.env_password());
                let password = password.ok_or_else(|| WalletError::PasswordRequired(self.path.clone()))?;
                decrypt(&data, &password, params)?
            }
            Protection::AnsibleVault => {
                let password = password.map(str::to_owned).or_else(|| self.env_password());
                let password = password.ok_or_else(|| WalletError::PasswordRequired(self.path.clone()))?;
                super::ansible::decrypt(&data, &password)?
            }
            Protection::Fernet => {
                return Err(WalletError::Unsupported(self.path.clone(), "legacy Fernet encryption"))
            }
        };
        let text = String::from_utf8(plain)
            .map_err(|_| WalletError::Corrupt(self.path.clone(), "not UTF-8".into()))?;
        KeyData::from_json(&text).map_err(|reason| WalletError::Corrupt(self.path.clone(), reason))
    }

    /// Writes `key` (encrypted with `password` if given), atomically and readable by the
    /// owner only. Refuses to replace an existing file unless `overwrite`.
    pub fn write(
        &self,
        key: &KeyData,
        password: Option<&str>,
        params: KdfParams,
        overwrite: bool,
    ) -> Result<(), WalletError> {
        if self.exists() && !overwrite {
            return Err(WalletError::AlreadyExists(self.path.clone()));
        }
        let json = key.to_json();
        let data = match password {
            Some(password) => encrypt(json.as_bytes(), password, params)?,
            None => json.into_bytes(),
        };
        write_atomically(&self.path, &data)
    }
}

/// Writes `data` to a temporary file beside `path` (mode 0600), syncs it, and renames it
/// into place, so a crash leaves either the old file or the new one.
fn write_atomically(path: &Path, data: &[u8]) -> Result<(), WalletError> {
    let io = |e: std::io::Error| WalletError::Io(path.to_path_buf(), e.to_string());
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(io)?;
    file.write_all(data).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temporary, path).map_err(io)?;
    Ok(())
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.trim().bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters for tests; real wallets use [`KdfParams::SENSITIVE`].
    const FAST: KdfParams = KdfParams { t_cost: 1, m_cost_kib: 64 };

    #[test]
    fn keys_round_trip_through_json_and_encryption() {
        let pair = Keypair::from_uri("//Alice").unwrap();
        let key = KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: None };
        let json = key.to_json();
        let back = KeyData::from_json(&json).unwrap();
        assert_eq!(back.account, key.account);
        assert_eq!(back.pair.unwrap().secret_bytes(), key.pair.as_ref().unwrap().secret_bytes());
        let public = KeyData::from_json(&key.public().to_json()).unwrap();
        assert!(public.pair.is_none());
        assert_eq!(public.account, key.account);

        let sealed = encrypt(json.as_bytes(), "correct horse", FAST).unwrap();
        assert_eq!(protection(&sealed), Protection::Nacl);
        assert_eq!(sealed.len(), 5 + 24 + 16 + json.len());
        assert_eq!(decrypt(&sealed, "correct horse", FAST).unwrap(), json.as_bytes());
        assert!(matches!(decrypt(&sealed, "wrong", FAST), Err(WalletError::WrongPassword)));
        assert!(decrypt(&sealed[..20], "correct horse", FAST).is_err());
    }

    #[test]
    fn files_are_written_atomically_owner_only_and_never_overwritten_by_accident() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = Keyfile::new(dir.path().join("w/hotkeys/default"));
        let pair = Keypair::from_seed(&[5; 32]);
        let key = KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: Some([5; 32]) };
        file.write(&key, Some("pw"), FAST, false).unwrap();
        let mode = fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(file.is_encrypted().unwrap());
        assert!(matches!(file.write(&key, None, FAST, false), Err(WalletError::AlreadyExists(_))));
        assert!(matches!(file.read(None, FAST), Err(WalletError::PasswordRequired(_))));
        assert!(matches!(file.read(Some("nope"), FAST), Err(WalletError::WrongPassword)));
        assert_eq!(file.read(Some("pw"), FAST).unwrap().seed, Some([5; 32]));
        assert_eq!(fs::read_dir(dir.path().join("w/hotkeys")).unwrap().count(), 1, "no temporary file left");
        fs::write(file.path(), b"{\"cryptoType\": 2}").unwrap();
        assert!(matches!(file.read(None, FAST), Err(WalletError::Corrupt(..))));
    }

    #[test]
    fn the_password_variable_is_decoded_like_the_python_wallet() {
        let file = Keyfile::new(PathBuf::from("/tmp/w/coldkey"));
        let name = "BT_PW__TMP_W_COLDKEY";
        let password = "hunter2";
        let xored: Vec<u8> = password.bytes().zip(name.bytes().cycle()).map(|(p, k)| p ^ k).collect();
        // Standard base64 of the XOR-ed bytes.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut encoded = String::new();
        for chunk in xored.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                encoded.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
            encoded.push_str(&"=".repeat(3 - chunk.len()));
        }
        // The variable name is unique to this test.
        std::env::set_var(name, encoded);
        assert_eq!(file.env_password().as_deref(), Some(password));
    }
}
