//! Reading old ansible-vault keyfiles (format 1.1, AES256), which the Python wallet still
//! decrypts. They are never written.
//!
//! The file is `$ANSIBLE_VAULT;1.1;AES256` and then hex lines; unhexed they hold three hex
//! lines: salt, HMAC and ciphertext. PBKDF2-HMAC-SHA256 (10 000 rounds) of the password
//! gives 80 bytes: the AES-256 key, the HMAC-SHA256 key and the CTR counter. The
//! plaintext is PKCS#7-padded.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WalletError;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

fn corrupt(reason: &str) -> WalletError {
    WalletError::Crypto(format!("ansible-vault keyfile: {reason}"))
}

fn unhex(text: &str) -> Result<Vec<u8>, WalletError> {
    bt_primitives::hex::decode(text.trim()).map_err(|_| corrupt("not hex"))
}

/// Decrypts ansible-vault data; a wrong password is [`WalletError::WrongPassword`].
pub fn decrypt(data: &[u8], password: &str) -> Result<Vec<u8>, WalletError> {
    let text = std::str::from_utf8(data).map_err(|_| corrupt("not text"))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if !header.starts_with("$ANSIBLE_VAULT;1.1;AES256") {
        return Err(corrupt("only format 1.1 with AES256 is supported"));
    }
    let body = unhex(&lines.collect::<String>())?;
    let body = String::from_utf8(body).map_err(|_| corrupt("bad body"))?;
    let parts: Vec<&str> = body.lines().collect();
    let [salt, mac, ciphertext] = parts[..] else {
        return Err(corrupt("expected salt, HMAC and ciphertext"));
    };
    let (salt, mac, mut plaintext) = (unhex(salt)?, unhex(mac)?, unhex(ciphertext)?);

    let mut derived = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 10_000, &mut derived);
    let (key, rest) = derived.split_at(32);
    let (mac_key, iv) = rest.split_at(32);
    let mut check = <Hmac<Sha256> as Mac>::new_from_slice(mac_key).map_err(|_| corrupt("bad HMAC key"))?;
    check.update(&plaintext);
    check.verify_slice(&mac).map_err(|_| WalletError::WrongPassword)?;
    Aes256Ctr::new(key.into(), iv.into()).apply_keystream(&mut plaintext);
    let pad = usize::from(*plaintext.last().ok_or_else(|| corrupt("empty"))?);
    if pad == 0 || pad > 16 || pad > plaintext.len() {
        return Err(corrupt("bad padding"));
    }
    plaintext.truncate(plaintext.len() - pad);
    Ok(plaintext)
}
