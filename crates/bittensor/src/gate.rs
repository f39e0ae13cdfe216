//! A blacklist and priority source for axons, kept up to date from the chain: callers
//! must be registered on the subnet with at least some stake, and rank by stake.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bt_primitives::{AccountId, Balance, NetUid};

use crate::axon::Caller;
use crate::{Metagraph, Subtensor};

/// Registered hotkeys of one subnet and their stake, refreshed in the background.
#[derive(Clone, Default)]
pub struct MetagraphGate {
    stakes: Arc<RwLock<HashMap<AccountId, Balance>>>,
    min_stake: Balance,
}

impl MetagraphGate {
    /// A gate admitting hotkeys registered on the subnet with at least `min_stake`
    /// (stake weight, rao). Empty until [`MetagraphGate::refresh`] or
    /// [`MetagraphGate::spawn_refresh`] fills it.
    pub fn new(min_stake: Balance) -> Self {
        MetagraphGate { stakes: Arc::default(), min_stake }
    }

    /// Replaces the known hotkeys with those of `metagraph`.
    pub fn update(&self, metagraph: &Metagraph) {
        let stakes = metagraph.hotkeys.iter().copied().zip(metagraph.total_stake.iter().copied()).collect();
        *self.stakes.write().unwrap_or_else(|e| e.into_inner()) = stakes;
    }

    /// Syncs the subnet's metagraph once.
    pub async fn refresh(&self, subtensor: &Subtensor, netuid: NetUid) -> Result<(), crate::ClientError> {
        self.update(&Metagraph::sync(subtensor, netuid, false).await?);
        Ok(())
    }

    /// Re-syncs every `every` in a background task (errors keep the last good view).
    pub fn spawn_refresh(
        &self,
        subtensor: Subtensor,
        netuid: NetUid,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let gate = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = gate.refresh(&subtensor, netuid).await;
                tokio::time::sleep(every).await;
            }
        })
    }

    /// For [`crate::Axon::blacklist`]: why a caller is refused, if it is.
    pub fn blacklist(&self, caller: &Caller) -> Option<String> {
        let stakes = self.stakes.read().unwrap_or_else(|e| e.into_inner());
        match stakes.get(&caller.hotkey) {
            None => Some("hotkey not registered on the subnet".into()),
            Some(&stake) if stake < self.min_stake => {
                Some(format!("stake {stake} rao below {}", self.min_stake))
            }
            Some(_) => None,
        }
    }

    /// For [`crate::Axon::priority`]: the caller's share of the largest stake, in [0, 1].
    pub fn priority(&self, caller: &Caller) -> f64 {
        let stakes = self.stakes.read().unwrap_or_else(|e| e.into_inner());
        let largest = stakes.values().copied().max().unwrap_or(0);
        match stakes.get(&caller.hotkey) {
            Some(&stake) if largest > 0 => stake as f64 / largest as f64,
            _ => 0.0,
        }
    }
}
