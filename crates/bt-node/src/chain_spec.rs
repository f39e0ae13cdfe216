//! Chain specifications: the genesis a node starts from, from a file or the built-in
//! development chain.

use std::path::Path;

use anyhow::Context;
use bt_primitives::{AccountId, Keypair, RAO_PER_TAO};
use bt_runtime::block::extrinsics_root;
use bt_runtime::genesis::GenesisConfig;
use bt_runtime::{Block, Header, MemoryState};
use bt_storage::{Changes, StateRoot};
use serde::{Deserialize, Serialize};

/// The development accounts, funded and named like Substrate's.
pub const DEV_ACCOUNTS: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// A chain: its name and genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSpec {
    /// Human-readable name (`system_chain`).
    pub name: String,
    /// Short id.
    pub id: String,
    /// The initial state.
    pub genesis: GenesisConfig,
}

/// The key of a development account (`//Alice`, …).
pub fn dev_key(name: &str) -> Keypair {
    // The development phrase and these junctions always derive.
    Keypair::from_uri(&format!("//{name}")).expect("development key")
}

impl ChainSpec {
    /// The development chain: Alice … Ferdie hold 1 000 000 TAO each, Alice is sudo, new
    /// subnets have tempo 10, subnets may be registered every block, and the owners'
    /// hyperparameter freeze window is 2 blocks.
    pub fn dev() -> ChainSpec {
        let balances: Vec<(AccountId, u64)> =
            DEV_ACCOUNTS.iter().map(|name| (dev_key(name).account(), 1_000_000 * RAO_PER_TAO)).collect();
        let mut genesis = GenesisConfig::new(balances, dev_key("Alice").account());
        genesis.initial_tempo = 10;
        genesis.network_rate_limit = 0;
        genesis.admin_freeze_window = 2;
        ChainSpec { name: "Development".into(), id: "dev".into(), genesis }
    }

    /// Reads a chain spec from a JSON file.
    pub fn from_file(path: &Path) -> anyhow::Result<ChainSpec> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading chain spec {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing chain spec {}", path.display()))
    }

    /// The genesis block and the state it holds.
    pub fn genesis_block(&self) -> anyhow::Result<(Block, Changes)> {
        let mut state = MemoryState::new();
        self.genesis.build(&mut state).map_err(|e| anyhow::anyhow!("genesis is not valid: {e}"))?;
        let mut root = StateRoot::default();
        for (key, value) in state.entries() {
            root.insert(key, value);
        }
        let header = Header {
            parent_hash: [0; 32],
            number: 0,
            timestamp_ms: 0,
            extrinsics_root: extrinsics_root(&[]),
            state_root: root.to_bytes(),
            author: AccountId::default(),
        };
        let changes = state.entries().iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        Ok((Block { header, extrinsics: Vec::new() }, changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_chain_funds_the_well_known_accounts_and_round_trips_as_json() {
        let spec = ChainSpec::dev();
        assert_eq!(spec.genesis.sudo.to_ss58(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(spec.genesis.balances.len(), 6);
        let json = serde_json::to_string_pretty(&spec).unwrap();
        assert_eq!(serde_json::from_str::<ChainSpec>(&json).unwrap(), spec);
        let (a, _) = spec.genesis_block().unwrap();
        let (b, _) = spec.genesis_block().unwrap();
        assert_eq!(a.header.hash(), b.header.hash(), "genesis is deterministic");
    }
}
