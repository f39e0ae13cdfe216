//! Wallets in the Python wallet's layout and formats (wire.md §3).
//!
//! A wallet is a directory `<root>/<name>/` with `coldkey` (normally `$NACL`-encrypted),
//! `coldkeypub.txt`, and per hotkey `hotkeys/<hotkey>` (normally plain) and
//! `hotkeys/<hotkey>pub.txt`. The root is `~/.bittensor/wallets` unless `BT_WALLET_PATH`
//! says otherwise; `BT_WALLET_NAME` and `BT_WALLET_HOTKEY` name the defaults.

mod ansible;
mod keyfile;

use std::path::{Path, PathBuf};

use bt_primitives::{AccountId, Keypair};

pub use keyfile::{decrypt, encrypt, protection, KdfParams, KeyData, Keyfile, Protection};

/// Why a wallet operation failed. Nothing on disk changes when it does.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The keyfile does not exist.
    #[error("no keyfile at {0}")]
    NotFound(PathBuf),
    /// The keyfile exists and overwriting was not asked for.
    #[error("{0} already exists (pass overwrite to replace it)")]
    AlreadyExists(PathBuf),
    /// The keyfile is encrypted and no password was given.
    #[error("{0} is encrypted: a password is needed")]
    PasswordRequired(PathBuf),
    /// The password does not open the keyfile.
    #[error("wrong password")]
    WrongPassword,
    /// The file is not a keyfile this wallet can read.
    #[error("{0} is not a valid keyfile: {1}")]
    Corrupt(PathBuf, String),
    /// An encryption this wallet does not read.
    #[error("{0} uses {1}, which is not supported")]
    Unsupported(PathBuf, &'static str),
    /// The keyfile holds only a public key.
    #[error("{0} holds only a public key")]
    PublicOnly(PathBuf),
    /// Not a valid mnemonic, seed or URI.
    #[error("invalid key source: {0}")]
    BadKey(String),
    /// The mnemonic length is not 12, 15, 18, 21 or 24 words.
    #[error("a mnemonic has 12, 15, 18, 21 or 24 words, not {0}")]
    BadWordCount(usize),
    /// Encryption or key derivation failed.
    #[error("{0}")]
    Crypto(String),
    /// The file system refused.
    #[error("{0}: {1}")]
    Io(PathBuf, String),
}

/// Where a key comes from when (re)generating one.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A fresh random mnemonic of this many words.
    Generate(usize),
    /// A BIP39 mnemonic.
    Mnemonic(String),
    /// A 32-byte mini secret (`0x` hex).
    Seed(String),
    /// A Substrate URI such as `//Alice`.
    Uri(String),
}

impl KeySource {
    /// The key this source gives.
    pub fn key(&self) -> Result<KeyData, WalletError> {
        match self {
            KeySource::Generate(words) => {
                if ![12, 15, 18, 21, 24].contains(words) {
                    return Err(WalletError::BadWordCount(*words));
                }
                let mut entropy = vec![0u8; words * 4 / 3];
                getrandom::getrandom(&mut entropy)
                    .map_err(|e| WalletError::Crypto(format!("randomness: {e}")))?;
                let mnemonic = bip39::Mnemonic::from_entropy(&entropy)
                    .map_err(|e| WalletError::Crypto(e.to_string()))?;
                KeySource::Mnemonic(mnemonic.to_string()).key()
            }
            KeySource::Mnemonic(phrase) => {
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                let pair =
                    Keypair::from_phrase(&phrase, "").map_err(|e| WalletError::BadKey(e.to_string()))?;
                let seed = seed_of(&phrase)?;
                Ok(KeyData {
                    account: pair.account(),
                    pair: Some(pair),
                    phrase: Some(phrase),
                    seed: Some(seed),
                })
            }
            KeySource::Seed(hex_seed) => {
                let seed =
                    bt_primitives::hex::decode32(hex_seed).map_err(|e| WalletError::BadKey(e.to_string()))?;
                let pair = Keypair::from_seed(&seed);
                Ok(KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: Some(seed) })
            }
            KeySource::Uri(uri) => {
                let pair = Keypair::from_uri(uri).map_err(|e| WalletError::BadKey(e.to_string()))?;
                Ok(KeyData { account: pair.account(), pair: Some(pair), phrase: None, seed: None })
            }
        }
    }
}

/// The mini secret of a mnemonic (what keyfiles store as `secretSeed`).
fn seed_of(phrase: &str) -> Result<[u8; 32], WalletError> {
    let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase)
        .map_err(|e| WalletError::BadKey(e.to_string()))?;
    // PBKDF2-HMAC-SHA512(entropy, "mnemonic", 2048), first 32 bytes: the derivation
    // `Keypair::from_phrase` uses.
    bt_primitives::mini_secret_from_entropy(&mnemonic.to_entropy())
        .ok_or_else(|| WalletError::BadKey("mnemonic entropy has an invalid length".into()))
}

/// A named wallet: a coldkey and the hotkeys beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    /// The wallet's directory name.
    pub name: String,
    /// The hotkey used by default.
    pub hotkey: String,
    /// The root holding wallet directories.
    pub path: PathBuf,
    /// Key derivation cost for encrypted files (tests may lower it).
    pub kdf: KdfParams,
}

/// The default wallet root: `BT_WALLET_PATH`, else `~/.bittensor/wallets`.
pub fn default_root() -> PathBuf {
    if let Ok(path) = std::env::var("BT_WALLET_PATH") {
        return expand_home(&path);
    }
    expand_home("~/.bittensor/wallets")
}

/// Expands a leading `~` to `$HOME`.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest.trim_start_matches('/')),
        _ => PathBuf::from(path),
    }
}

impl Wallet {
    /// A wallet; each part falls back to its environment variable, then `default`.
    pub fn new(name: Option<&str>, hotkey: Option<&str>, path: Option<&Path>) -> Wallet {
        let pick = |given: Option<&str>, var: &str| {
            given.map(str::to_owned).or_else(|| std::env::var(var).ok()).unwrap_or_else(|| "default".into())
        };
        Wallet {
            name: pick(name, "BT_WALLET_NAME"),
            hotkey: pick(hotkey, "BT_WALLET_HOTKEY"),
            path: path.map(Path::to_path_buf).unwrap_or_else(default_root),
            kdf: KdfParams::SENSITIVE,
        }
    }

    /// The wallet's directory.
    pub fn dir(&self) -> PathBuf {
        self.path.join(&self.name)
    }

    /// `coldkey`.
    pub fn coldkey_file(&self) -> Keyfile {
        Keyfile::new(self.dir().join("coldkey"))
    }

    /// `coldkeypub.txt`.
    pub fn coldkeypub_file(&self) -> Keyfile {
        Keyfile::new(self.dir().join("coldkeypub.txt"))
    }

    /// `hotkeys/<hotkey>`.
    pub fn hotkey_file(&self) -> Keyfile {
        Keyfile::new(self.dir().join("hotkeys").join(&self.hotkey))
    }

    /// `hotkeys/<hotkey>pub.txt`.
    pub fn hotkeypub_file(&self) -> Keyfile {
        Keyfile::new(self.dir().join("hotkeys").join(format!("{}pub.txt", self.hotkey)))
    }

    /// Writes a coldkey from `source` (encrypted when `password` is given) and its public
    /// file. Returns the key (with its mnemonic when generated).
    pub fn create_coldkey(
        &self,
        source: &KeySource,
        password: Option<&str>,
        overwrite: bool,
    ) -> Result<KeyData, WalletError> {
        self.write_pair(self.coldkey_file(), self.coldkeypub_file(), source, password, overwrite)
    }

    /// Writes the hotkey from `source` (plain unless `password` is given) and its public file.
    pub fn create_hotkey(
        &self,
        source: &KeySource,
        password: Option<&str>,
        overwrite: bool,
    ) -> Result<KeyData, WalletError> {
        self.write_pair(self.hotkey_file(), self.hotkeypub_file(), source, password, overwrite)
    }

    /// Writes a key from `source` and its public file, refusing to replace either unless
    /// `overwrite`.
    fn write_pair(
        &self,
        file: Keyfile,
        public_file: Keyfile,
        source: &KeySource,
        password: Option<&str>,
        overwrite: bool,
    ) -> Result<KeyData, WalletError> {
        let key = source.key()?;
        self.check_free(&[file.clone(), public_file.clone()], overwrite)?;
        file.write(&key, password, self.kdf, true)?;
        public_file.write(&key.public(), None, self.kdf, true)?;
        Ok(key)
    }

    fn check_free(&self, files: &[Keyfile], overwrite: bool) -> Result<(), WalletError> {
        match files.iter().find(|f| f.exists()) {
            Some(file) if !overwrite => Err(WalletError::AlreadyExists(file.path().to_path_buf())),
            _ => Ok(()),
        }
    }

    /// The coldkey's account, from `coldkeypub.txt` (no password needed).
    pub fn coldkeypub(&self) -> Result<AccountId, WalletError> {
        Ok(self.coldkeypub_file().read(None, self.kdf)?.account)
    }

    /// The hotkey's account, from its public file, or from the hotkey itself.
    pub fn hotkeypub(&self) -> Result<AccountId, WalletError> {
        match self.hotkeypub_file().read(None, self.kdf) {
            Ok(key) => Ok(key.account),
            Err(WalletError::NotFound(_)) => Ok(self.hotkey_file().read(None, self.kdf)?.account),
            Err(e) => Err(e),
        }
    }

    /// The coldkey pair, decrypting with `password` (or `BT_PW_…`).
    pub fn coldkey(&self, password: Option<&str>) -> Result<Keypair, WalletError> {
        let file = self.coldkey_file();
        file.read(password, self.kdf)?.pair.ok_or_else(|| WalletError::PublicOnly(file.path().to_path_buf()))
    }

    /// The hotkey pair.
    pub fn hotkey(&self, password: Option<&str>) -> Result<Keypair, WalletError> {
        let file = self.hotkey_file();
        file.read(password, self.kdf)?.pair.ok_or_else(|| WalletError::PublicOnly(file.path().to_path_buf()))
    }

    /// The names of the hotkeys of this wallet, sorted.
    pub fn hotkey_names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir().join("hotkeys")) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with("pub.txt") && !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// The wallets under `root`, sorted by name.
    pub fn list(root: &Path) -> Vec<Wallet> {
        let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.into_iter().map(|name| Wallet::new(Some(&name), None, Some(root))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams { t_cost: 1, m_cost_kib: 64 };

    fn wallet(root: &Path) -> Wallet {
        Wallet { kdf: FAST, ..Wallet::new(Some("alice"), Some("miner"), Some(root)) }
    }

    #[test]
    fn a_wallet_is_created_in_the_python_layout_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let cold = w.create_coldkey(&KeySource::Generate(12), Some("pw"), false).unwrap();
        assert_eq!(cold.phrase.as_ref().unwrap().split(' ').count(), 12);
        let hot = w.create_hotkey(&KeySource::Uri("//Alice".into()), None, false).unwrap();
        for file in
            ["alice/coldkey", "alice/coldkeypub.txt", "alice/hotkeys/miner", "alice/hotkeys/minerpub.txt"]
        {
            assert!(dir.path().join(file).is_file(), "{file}");
        }
        assert_eq!(w.coldkeypub().unwrap(), cold.account);
        assert_eq!(w.coldkey(Some("pw")).unwrap().account(), cold.account);
        assert!(matches!(w.coldkey(Some("bad")), Err(WalletError::WrongPassword)));
        assert_eq!(w.hotkey(None).unwrap().account(), hot.account);
        assert_eq!(w.hotkeypub().unwrap().to_ss58(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert!(matches!(
            w.create_coldkey(&KeySource::Generate(12), None, false),
            Err(WalletError::AlreadyExists(_))
        ));
        assert_eq!(w.hotkey_names(), vec!["miner".to_string()]);
        assert_eq!(
            Wallet::list(dir.path()).iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
            vec!["alice"]
        );
    }

    #[test]
    fn old_ansible_vault_keyfiles_are_read() {
        // A keyfile encrypted the ansible-vault 1.1 way with Python's `cryptography`
        // (tests/vectors/ansible_vault_keyfile).
        let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(vectors.join("ansible_vault_keyfile.expected.json")).unwrap(),
        )
        .unwrap();
        let file = Keyfile::new(vectors.join("ansible_vault_keyfile"));
        assert!(file.is_encrypted().unwrap());
        let key = file.read(expected["password"].as_str(), FAST).unwrap();
        assert_eq!(key.account.to_ss58(), expected["ss58"]);
        assert_eq!(
            key.seed.map(|s| bt_primitives::hex::encode(&s)),
            expected["seed"].as_str().map(String::from)
        );
        assert!(matches!(file.read(Some("wrong"), FAST), Err(WalletError::WrongPassword)));
    }

    #[test]
    fn regenerating_from_a_mnemonic_gives_the_same_key_and_seed() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let abandon =
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        let key = w.create_coldkey(&KeySource::Mnemonic(abandon.into()), None, false).unwrap();
        assert_eq!(key.account.to_ss58(), "5EPCUjPxiHAcNooYipQFWr9NmmXJKpNG5RhcntXwbtUySrgH");
        let dev = KeySource::Mnemonic(bt_primitives::DEV_PHRASE.into()).key().unwrap();
        // wire.md §3: the dev phrase's mini secret.
        assert_eq!(
            bt_primitives::hex::encode(&dev.seed.unwrap()),
            "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"
        );
        let again = KeySource::Seed(bt_primitives::hex::encode(&dev.seed.unwrap())).key().unwrap();
        assert_eq!(again.account, dev.account);
        assert!(matches!(KeySource::Generate(13).key(), Err(WalletError::BadWordCount(13))));
        assert!(matches!(KeySource::Mnemonic("nope".into()).key(), Err(WalletError::BadKey(_))));
    }
}
