//! The key-value state the runtime reads and writes, with an in-memory implementation
//! and a transactional overlay.

use std::collections::BTreeMap;

/// An ordered key-value store of byte strings: the whole chain state.
///
/// The runtime only ever goes through this trait; `bt-storage` implements it on disk and
/// [`MemoryState`] in memory.
pub trait State {
    /// The value stored under `key`.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Stores `value` under `key`.
    fn set(&mut self, key: &[u8], value: Vec<u8>);
    /// Removes `key` (a no-op when absent).
    fn remove(&mut self, key: &[u8]);
    /// Every pair whose key starts with `prefix`, in ascending key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)>;
}

/// The state held in memory, in key order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryState {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored pair, in key order.
    pub fn entries(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.entries
    }
}

impl State for MemoryState {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.get(key).cloned()
    }

    fn set(&mut self, key: &[u8], value: Vec<u8>) {
        match self.entries.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.entries.insert(key.to_vec(), value);
            }
        }
    }

    fn remove(&mut self, key: &[u8]) {
        self.entries.remove(key);
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.entries
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Buffered changes on top of another state: they reach it only on [`Overlay::commit`],
/// and vanish if the overlay is dropped. This is how a refused call changes nothing.
pub struct Overlay<'a> {
    base: &'a mut dyn State,
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    /// An empty overlay on `base`.
    pub fn new(base: &'a mut dyn State) -> Self {
        Overlay { base, changes: BTreeMap::new() }
    }

    /// The buffered changes, without applying them: `Some(value)` written, `None` removed.
    pub fn into_changes(self) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        self.changes
    }

    /// Writes the buffered changes through to the base state.
    pub fn commit(self) {
        for (key, value) in self.changes {
            match value {
                Some(value) => self.base.set(&key, value),
                None => self.base.remove(&key),
            }
        }
    }
}

impl State for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.changes.get(key) {
            Some(change) => change.clone(),
            None => self.base.get(key),
        }
    }

    fn set(&mut self, key: &[u8], value: Vec<u8>) {
        self.changes.insert(key.to_vec(), Some(value));
    }

    fn remove(&mut self, key: &[u8]) {
        self.changes.insert(key.to_vec(), None);
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.base.scan_prefix(prefix).into_iter().collect();
        for (key, change) in self.changes.range(prefix.to_vec()..).take_while(|(k, _)| k.starts_with(prefix))
        {
            match change {
                Some(value) => merged.insert(key.clone(), value.clone()),
                None => merged.remove(key),
            };
        }
        merged.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_reads_its_own_writes_and_commits_or_discards() {
        let mut base = MemoryState::new();
        base.set(b"a/1", vec![1]);
        base.set(b"a/2", vec![2]);
        base.set(b"b/1", vec![3]);
        let before = base.clone();
        {
            let mut overlay = Overlay::new(&mut base);
            overlay.set(b"a/3", vec![4]);
            overlay.remove(b"a/1");
            assert_eq!(overlay.get(b"a/1"), None);
            assert_eq!(overlay.get(b"a/3"), Some(vec![4]));
            let scanned: Vec<_> = overlay.scan_prefix(b"a/").into_iter().map(|(k, _)| k).collect();
            assert_eq!(scanned, vec![b"a/2".to_vec(), b"a/3".to_vec()]);
        }
        assert_eq!(base, before, "a dropped overlay changes nothing");
        let mut overlay = Overlay::new(&mut base);
        overlay.remove(b"a/1");
        overlay.commit();
        assert_eq!(base.get(b"a/1"), None);
        assert_eq!(base.get(b"b/1"), Some(vec![3]));
    }
}
