//! When epochs run (chain.md §4.6): every `tempo` blocks counted from the subnet's last
//! epoch, and the legacy `tempo + 1` schedule offset by netuid that preceded it.

/// Epochs overdue by more than this many blocks run regardless (the safety net).
pub const MAX_BLOCKS_WITHOUT_EPOCH: u64 = 50_400;

/// Blocks until the next scheduled epoch: `last_epoch_block + tempo − block`, saturating at
/// zero; `u64::MAX` when the tempo is 0 (epochs off).
pub fn blocks_until_next_auto_epoch(last_epoch_block: u64, tempo: u16, block: u64) -> u64 {
    if tempo == 0 {
        return u64::MAX;
    }
    last_epoch_block.saturating_add(u64::from(tempo)).saturating_sub(block)
}

/// Whether a subnet's epoch is due at `block`.
///
/// Never with tempo 0; otherwise when a deferred epoch is pending for this block or an
/// earlier one, when the safety net trips, or when `tempo` blocks have passed since the last.
pub fn should_run_epoch(
    tempo: u16,
    block: u64,
    last_epoch_block: u64,
    pending_epoch_at: u64,
    blocks_since_last_step: u64,
) -> bool {
    if tempo == 0 {
        return false;
    }
    (pending_epoch_at > 0 && block >= pending_epoch_at)
        || blocks_since_last_step > MAX_BLOCKS_WITHOUT_EPOCH
        || block.saturating_sub(last_epoch_block) >= u64::from(tempo)
}

/// `LastEpochBlock` of a subnet registered at `block`: staggered by `netuid mod tempo`, so
/// that subnets do not all fire together.
pub fn initial_last_epoch_block(netuid: u16, tempo: u16, block: u64) -> u64 {
    match u64::from(netuid).checked_rem(u64::from(tempo)) {
        Some(offset) => block.saturating_sub(offset),
        None => block,
    }
}

/// The legacy schedule (before May 2026): `tempo − ((block + netuid + 1) mod (tempo + 1))`,
/// with a wrapping addition; the epoch ran when this was 0. `u64::MAX` for tempo 0.
pub fn legacy_blocks_until_next_epoch(netuid: u16, tempo: u16, block: u64) -> u64 {
    if tempo == 0 {
        return u64::MAX;
    }
    let tempo = u64::from(tempo);
    tempo - block.wrapping_add(u64::from(netuid) + 1) % (tempo + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_when_tempo_elapsed_pending_or_overdue() {
        assert!(!should_run_epoch(0, 100, 0, 50, 60_000));
        assert!(should_run_epoch(10, 10, 0, 0, 0));
        assert!(!should_run_epoch(10, 9, 0, 0, 0));
        assert!(should_run_epoch(10, 9, 0, 9, 0));
        assert!(!should_run_epoch(10, 8, 0, 9, 0));
        assert!(should_run_epoch(360, 5, 0, 0, 50_401));
    }

    #[test]
    fn stagger_by_netuid() {
        assert_eq!(initial_last_epoch_block(3, 10, 100), 97);
        assert_eq!(initial_last_epoch_block(13, 10, 100), 97);
        assert_eq!(initial_last_epoch_block(3, 0, 100), 100);
        assert_eq!(initial_last_epoch_block(3, 10, 1), 0);
    }
}
