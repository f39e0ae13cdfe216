//! Weights as the Python SDK sends them, and commit-reveal salts kept on disk.

use std::path::PathBuf;

use bt_primitives::{AccountId, NetUid, Uid};
use serde::{Deserialize, Serialize};

/// Max-normalises float weights to u16 (`w / max(w) · 65535`, rounded) and drops zeros,
/// as the Python SDK does before `set_weights`.
pub fn normalize(uids: &[Uid], weights: &[f32]) -> Result<(Vec<Uid>, Vec<u16>), String> {
    if uids.len() != weights.len() {
        return Err(format!("{} uids but {} weights", uids.len(), weights.len()));
    }
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err("weights must be finite and non-negative".into());
    }
    let max = weights.iter().copied().fold(0.0f32, f32::max);
    if max == 0.0 {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok(uids
        .iter()
        .zip(weights)
        .map(|(&uid, &w)| (uid, ((w / max) * f32::from(u16::MAX)).round() as u16))
        .filter(|&(_, v)| v > 0)
        .unzip())
}

/// A random 8-element salt.
pub fn salt() -> Vec<u16> {
    let mut bytes = [0u8; 16];
    // Without randomness a predictable salt would still commit correctly; it only weakens
    // the hiding, so fall back to zeros rather than fail.
    let _ = getrandom::getrandom(&mut bytes);
    bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
}

/// A committed set of weights waiting for its reveal epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReveal {
    /// Subnet.
    pub netuid: NetUid,
    /// Uids (normalised).
    pub uids: Vec<Uid>,
    /// Values (normalised).
    pub values: Vec<u16>,
    /// The salt of the commit.
    pub salt: Vec<u16>,
    /// Version key.
    pub version_key: u64,
    /// The first epoch the reveal is accepted in.
    pub reveal_epoch: u64,
}

/// Pending reveals per hotkey, one JSON file each, so that a restart does not lose them.
#[derive(Debug, Clone)]
pub struct RevealStore {
    dir: PathBuf,
}

impl RevealStore {
    /// `~/.bittensor/pending_reveals`.
    pub fn default_dir() -> PathBuf {
        crate::wallet::expand_home("~/.bittensor/pending_reveals")
    }

    /// A store in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        RevealStore { dir }
    }

    fn file(&self, hotkey: &AccountId) -> PathBuf {
        self.dir.join(format!("{hotkey}.json"))
    }

    /// The pending reveals of `hotkey`.
    pub fn list(&self, hotkey: &AccountId) -> Result<Vec<PendingReveal>, String> {
        match std::fs::read_to_string(self.file(hotkey)) {
            Ok(text) => {
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", self.file(hotkey).display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("{}: {e}", self.file(hotkey).display())),
        }
    }

    fn save(&self, hotkey: &AccountId, pending: &[PendingReveal]) -> Result<(), String> {
        let path = self.file(hotkey);
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(pending).map_err(|e| e.to_string())?;
        std::fs::write(&temporary, text).map_err(|e| format!("{}: {e}", temporary.display()))?;
        std::fs::rename(&temporary, &path).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Keeps a pending reveal.
    pub fn add(&self, hotkey: &AccountId, pending: &PendingReveal) -> Result<(), String> {
        let mut all = self.list(hotkey)?;
        all.push(pending.clone());
        self.save(hotkey, &all)
    }

    /// Forgets a reveal once done.
    pub fn remove(&self, hotkey: &AccountId, pending: &PendingReveal) -> Result<(), String> {
        let mut all = self.list(hotkey)?;
        all.retain(|p| p != pending);
        self.save(hotkey, &all)
    }
}

/// A validator's running score per miner: an exponential moving average over rounds,
/// forgotten when the uid changes hands (a new hotkey starts from nothing).
#[derive(Debug, Clone)]
pub struct MovingScores {
    alpha: f64,
    scores: std::collections::BTreeMap<Uid, (AccountId, f64)>,
}

impl MovingScores {
    /// Each new score counts `alpha` (in (0, 1]) and the past `1 − alpha`. A miner's first
    /// score is taken as it is.
    pub fn new(alpha: f64) -> Self {
        MovingScores { alpha: alpha.clamp(f64::MIN_POSITIVE, 1.0), scores: Default::default() }
    }

    /// Folds in one round's score for `uid`, held by `hotkey`.
    pub fn update(&mut self, uid: Uid, hotkey: AccountId, score: f64) {
        let score = if score.is_finite() { score } else { 0.0 };
        match self.scores.get_mut(&uid) {
            Some((held_by, value)) if *held_by == hotkey => {
                *value = self.alpha * score + (1.0 - self.alpha) * *value;
            }
            _ => {
                self.scores.insert(uid, (hotkey, score));
            }
        }
    }

    /// The current average of `uid`.
    pub fn get(&self, uid: Uid) -> Option<f64> {
        self.scores.get(&uid).map(|&(_, v)| v)
    }

    /// Every scored uid and its average, in uid order.
    pub fn iter(&self) -> impl Iterator<Item = (Uid, f64)> + '_ {
        self.scores.iter().map(|(&uid, &(_, v))| (uid, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_max_normalised_and_zeros_dropped() {
        let (uids, values) = normalize(&[0, 1, 2, 3], &[0.5, 1.0, 0.0, 0.25]).unwrap();
        assert_eq!(uids, vec![0, 1, 3]);
        assert_eq!(values, vec![32768, 65535, 16384]);
        assert!(normalize(&[0], &[1.0, 2.0]).is_err());
        assert!(normalize(&[0], &[f32::NAN]).is_err());
        assert_eq!(normalize(&[0, 1], &[0.0, 0.0]).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn moving_scores_average_and_restart_for_a_new_hotkey() {
        let mut scores = MovingScores::new(0.25);
        scores.update(3, AccountId([1; 32]), 1.0);
        scores.update(3, AccountId([1; 32]), 0.0);
        assert_eq!(scores.get(3), Some(0.75));
        scores.update(3, AccountId([2; 32]), 0.5);
        assert_eq!(scores.get(3), Some(0.5), "a new hotkey on uid 3 starts over");
        scores.update(1, AccountId([1; 32]), f64::NAN);
        assert_eq!(scores.iter().collect::<Vec<_>>(), vec![(1, 0.0), (3, 0.5)]);
    }

    #[test]
    fn pending_reveals_survive_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let hotkey = AccountId([4; 32]);
        let pending = PendingReveal {
            netuid: 1,
            uids: vec![2],
            values: vec![9],
            salt: salt(),
            version_key: 0,
            reveal_epoch: 7,
        };
        RevealStore::new(dir.path().into()).add(&hotkey, &pending).unwrap();
        let again = RevealStore::new(dir.path().into());
        assert_eq!(again.list(&hotkey).unwrap(), vec![pending.clone()]);
        again.remove(&hotkey, &pending).unwrap();
        assert!(again.list(&hotkey).unwrap().is_empty());
    }
}
