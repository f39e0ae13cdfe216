//! One Yuma Consensus epoch (chain.md §2.3), as a pure function of plain inputs.
//!
//! [`epoch`] reads like the spec: each numbered step below is the step of §2.3 with the
//! same number. Inputs are sanitised first (vectors padded or cut to `n`, out-of-range uids
//! ignored), so no input makes it panic.

use crate::bonds::{BondInputs, Bonds};
use crate::fixed::{
    fixed_proportion_to_u16, sum, u16_proportion_to_fixed, u16_to_fixed, NonNegativeSum, Scale, I32F32,
    I64F64, I96F32, ONE, ZERO,
};
use crate::sparse::{self, SparseMatrix, SparseRow, Voters};
use crate::vector::{is_topk_nonzero, normalize, normalize_using};

/// The subnet hyperparameters the epoch reads, in their stored units (chain.md §8.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochParams {
    /// Blocks per epoch, `T`.
    pub tempo: u16,
    /// Activity cutoff in per-mille of the tempo.
    pub activity_cutoff_factor_milli: u16,
    /// Consensus majority `κ` as a `u16` proportion.
    pub kappa: u16,
    /// Bonds penalty `β` as a `u16` proportion.
    pub bonds_penalty: u16,
    /// `M`: the bond EMA keeps `M / 1 000 000` of the old value.
    pub bonds_moving_average: u64,
    /// `K`: the number of validator permits.
    pub max_allowed_validators: u16,
    /// Yuma3 bonds (§2.4) rather than the original ones (§2.5).
    pub yuma3: bool,
    /// Per-cell bond EMA coefficients (Yuma3 only).
    pub liquid_alpha: bool,
    /// Lower liquid-alpha bound as a `u16` proportion.
    pub alpha_low: u16,
    /// Upper liquid-alpha bound as a `u16` proportion.
    pub alpha_high: u16,
    /// Slope of the liquid-alpha sigmoid, times 100.
    pub alpha_sigmoid_steepness: i16,
    /// Minimum stake (rao, floored) to count at all; the owner is exempt.
    pub stake_threshold: u64,
}

impl Default for EpochParams {
    /// The values of the chain's unit-test harness (chain.md §3.0), with the chain's
    /// default tempo (360) and a new subnet's 64 validator permits.
    fn default() -> Self {
        EpochParams {
            tempo: 360,
            activity_cutoff_factor_milli: 13_889,
            kappa: 32_767,
            bonds_penalty: 65_535,
            bonds_moving_average: 900_000,
            max_allowed_validators: 64,
            yuma3: false,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            stake_threshold: 0,
        }
    }
}

/// Everything one epoch reads about one subnet mechanism (chain.md §2.2).
///
/// Per-uid vectors shorter than `n` are padded (stake 0, block 0, no permit, no commit);
/// longer ones are cut. Weight and bond rows hold `(uid, u16)` pairs as stored on chain;
/// entries for uids `≥ n` are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochInput {
    /// Number of uids in the subnet.
    pub n: u16,
    /// The current block `b`.
    pub block: u64,
    /// Block of the previous successful epoch (`LastMechansimStepBlock`), 0 if none.
    pub last_epoch_block: u64,
    /// Stake weight per uid: alpha plus TAO weighted by the TAO weight, in rao.
    pub stake: Vec<I64F64>,
    /// Block of each uid's last weight update.
    pub last_update: Vec<u64>,
    /// Block at which each uid's current hotkey registered.
    pub block_at_registration: Vec<u64>,
    /// Validator permits stored by the previous epoch.
    pub validator_permit: Vec<bool>,
    /// Stored weight rows: `(uid, u16)` max-upscaled as `set_weights` stores them.
    pub weights: Vec<Vec<(u16, u16)>>,
    /// Stored bond rows: `(uid, u16)`.
    pub bonds: Vec<Vec<(u16, u16)>>,
    /// With commit-reveal on: each uid's earliest pending commit block, if it has one.
    pub commit_blocks: Vec<Option<u64>>,
    /// The uid of the subnet owner's hotkey, if registered.
    pub owner_uid: Option<u16>,
    /// Emission to distribute `E`, in alpha rao.
    pub emission: u64,
    /// Hyperparameters.
    pub params: EpochParams,
}

/// What one epoch produces (chain.md §2.6–§2.7). Every vector has `n` entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochOutput {
    /// `Active`: updated within the activity cutoff.
    pub active: Vec<bool>,
    /// `StakeWeight`: normalised stake after the threshold.
    pub stake_weight: Vec<u16>,
    /// New `ValidatorPermit`s, used by the next epoch.
    pub validator_permit: Vec<bool>,
    /// `Consensus`: the stake-weighted median weight of each uid.
    pub consensus: Vec<u16>,
    /// `ValidatorTrust`: how much of each validator's weight survived clipping.
    pub validator_trust: Vec<u16>,
    /// `Incentive`: each miner's share of the miner emission.
    pub incentive: Vec<u16>,
    /// `Dividends`: each validator's share of the validator emission.
    pub dividends: Vec<u16>,
    /// `Emission`: combined emission per uid, alpha rao (informational).
    pub emission: Vec<u64>,
    /// Miner emission per uid, alpha rao.
    pub server_emission: Vec<u64>,
    /// Validator emission per uid, alpha rao.
    pub validator_emission: Vec<u64>,
    /// New bond row per uid: `Some(row)` to store (empty clears it), `None` to leave the
    /// stored row as it is.
    pub bonds: Vec<Option<Vec<(u16, u16)>>>,
}

impl EpochOutput {
    /// Writes the new bond rows over `stored` (resized to `n` rows).
    pub fn apply_bonds(&self, stored: &mut Vec<Vec<(u16, u16)>>) {
        stored.resize(self.bonds.len(), Vec::new());
        for (row, update) in stored.iter_mut().zip(&self.bonds) {
            if let Some(new) = update {
                row.clone_from(new);
            }
        }
    }
}

/// Activity cutoff in blocks: `max(1, floor(factor · T / 1000))`.
pub fn activity_cutoff(params: &EpochParams) -> u64 {
    (u64::from(params.activity_cutoff_factor_milli) * u64::from(params.tempo) / 1000).max(1)
}

/// Runs one epoch.
pub fn epoch(input: &EpochInput) -> EpochOutput {
    let n = usize::from(input.n);
    let p = &input.params;
    let block = input.block;
    let owner = input.owner_uid.filter(|&o| usize::from(o) < n).map(usize::from);
    let last_update = padded(&input.last_update, n, 0);
    let registered = padded(&input.block_at_registration, n, 0);

    // 1. Activity: a uid is inactive when its last update is older than the cutoff.
    let cutoff = activity_cutoff(p);
    let active: Vec<bool> = last_update.iter().map(|&u| u.saturating_add(cutoff) >= block).collect();

    // 2. Stake filter & normalise.
    let stake = filtered_stake(&input.stake, n, p.stake_threshold, owner);

    // 3. Validator permits: this epoch uses the stored ones, the new ones are stored.
    let mut permit = padded(&input.validator_permit, n, false);
    let mut new_permit = is_topk_nonzero(&stake, usize::from(p.max_allowed_validators));
    if let Some(o) = owner {
        permit[o] = true;
        new_permit[o] = true;
    }

    // 4. Active stake: permitted validators that are active, normalised.
    let mut active_stake: Vec<I32F32> =
        (0..n).map(|i| if active[i] && permit[i] { stake[i] } else { ZERO }).collect();
    normalize(&mut active_stake);

    // 5. Weights, masked and row-normalised; the rows of voters for step 6 are counted
    // as they are made.
    let mut voters = Voters::new(&active_stake, n);
    let weights = masked_weights(input, n, &permit, owner, &last_update, &registered, &mut voters);

    // 6. Consensus: the stake-weighted median of each column.
    let consensus = voters.weighted_median_col(&weights, u16_proportion_to_fixed(p.kappa));

    // 11. Bond column mask: bonds on uids registered since the last epoch are dropped.
    let mask_from = if input.last_epoch_block == 0 {
        block.saturating_sub(u64::from(p.tempo))
    } else {
        input.last_epoch_block.saturating_add(1)
    };

    // Steps 7 to 12 go row by row, so that each row of weights is read from memory once.
    // 7. Clip the row at consensus; 8. validator trust: the weight the validator kept;
    // 9. its stake-weighted clipped weights add up into incentive; 10. its weights for
    // bonds, between raw (β = 0) and clipped (β = 1); 12. its new bonds, through the
    // mask of step 11.
    let penalty = u16_proportion_to_fixed(p.bonds_penalty);
    let bond_inputs = BondInputs {
        n,
        params: p,
        stored: &input.bonds,
        registered: &registered,
        mask_from,
        consensus: &consensus,
    };
    let mut bonds = Bonds::new(bond_inputs, weights.n_entries());
    let mut mixed = Vec::new();
    let keep_clipped = penalty != ZERO;
    let (validator_trust, incentive) =
        trust_and_incentive(&weights, &consensus, &active_stake, keep_clipped, |i, raw, clipped| {
            bonds.push_row(i, weights_for_bonds(raw, clipped, penalty, &mut mixed));
        });
    // 12. Dividends, from all the new bonds.
    let result = bonds.finish(&incentive, &active_stake);

    // 13. Emission split.
    let split = EmissionSplit::new(&incentive, &result.dividends, &active_stake, &stake, input.emission);

    // 14. Persist: quantise what is stored.
    EpochOutput {
        active,
        stake_weight: quantise(&stake),
        consensus: quantise(&consensus),
        validator_trust: quantise(&validator_trust),
        incentive: quantise(&incentive),
        dividends: quantise(&result.dividends),
        emission: split.combined,
        server_emission: split.server,
        validator_emission: split.validator,
        bonds: bond_rows(result.bonds, &new_permit, &permit),
        validator_permit: new_permit,
    }
}

/// Step 2: stake below the threshold (floored, in rao) counts as zero, except the owner's;
/// the rest is normalised in `I64F64` and then narrowed to `I32F32`.
fn filtered_stake(raw: &[I64F64], n: usize, threshold: u64, owner: Option<usize>) -> Vec<I32F32> {
    let mut stake: Vec<I64F64> = (0..n)
        .map(|i| {
            let s = raw.get(i).copied().unwrap_or(I64F64::from_num(0)).max(I64F64::from_num(0));
            if Some(i) != owner && s.saturating_to_num::<u64>() < threshold {
                I64F64::from_num(0)
            } else {
                s
            }
        })
        .collect();
    // Σσ fits easily for any real subnet (the total supply is 2.1·10¹⁶ rao). Should a
    // caller pass more, halve every stake until it fits, so that shares stay shares.
    while stake.iter().try_fold(I64F64::from_num(0), |acc, s| acc.checked_add(*s)).is_none() {
        stake.iter_mut().for_each(|s| *s /= 2);
    }
    normalize(&mut stake);
    stake.into_iter().map(I32F32::saturating_from_num).collect()
}

/// Steps 7–9, a row at a time: each weight clipped at its column's consensus, summed per
/// row into validator trust and, weighted by active stake, per column into incentive.
/// `each_row(i, raw, clipped)` then gets row `i` as it was and, with `keep_clipped`, as
/// clipped (otherwise that row is empty).
fn trust_and_incentive(
    weights: &SparseMatrix,
    consensus: &[I32F32],
    active_stake: &[I32F32],
    keep_clipped: bool,
    mut each_row: impl FnMut(usize, &[(u16, I32F32)], &[(u16, I32F32)]),
) -> (Vec<I32F32>, Vec<I32F32>) {
    // Every term is non-negative (weights, consensus and stake are), so wide sums equal
    // the chain's saturating ones.
    let n = consensus.len();
    let mut validator_trust = vec![ZERO; n];
    let mut incentive = vec![NonNegativeSum::default(); n];
    let mut clipped = Vec::new();
    for (i, row) in weights.rows().enumerate() {
        clipped.clear();
        let (stake, mut trust) = (Scale::new(active_stake[i]), NonNegativeSum::default());
        for &(j, w) in row {
            if let Some(c) = sparse::clip(w, consensus[usize::from(j)]) {
                trust.add(c);
                incentive[usize::from(j)].add(stake.of(c));
                if keep_clipped {
                    clipped.push((j, c));
                }
            }
        }
        validator_trust[i] = trust.value();
        each_row(i, row, &clipped);
    }
    let mut incentive: Vec<I32F32> = incentive.into_iter().map(NonNegativeSum::value).collect();
    normalize(&mut incentive);
    (validator_trust, incentive)
}

/// Step 10 for one row: `Wb = W + β·(W̄ − W)`, taking the raw row as it is for β = 0 and
/// the clipped one for β = 1.
fn weights_for_bonds<'a>(
    raw: &'a [(u16, I32F32)],
    clipped: &'a [(u16, I32F32)],
    penalty: I32F32,
    mixed: &'a mut SparseRow,
) -> &'a [(u16, I32F32)] {
    if penalty == ZERO {
        raw
    } else if penalty == ONE {
        clipped
    } else {
        mixed.clear();
        sparse::interpolate_row(raw, clipped, penalty, mixed);
        mixed
    }
}

/// Step 5: stored weights read as integer-valued fixed point, keeping only what the masks
/// let through, then row-normalised. Explicit zero entries stay.
fn masked_weights(
    input: &EpochInput,
    n: usize,
    permit: &[bool],
    owner: Option<usize>,
    last_update: &[u64],
    registered: &[u64],
    voters: &mut Voters,
) -> SparseMatrix {
    let committed: Vec<Option<u64>> = (0..n).map(|i| input.commit_blocks.get(i).copied().flatten()).collect();
    let keep = |i: usize, j: usize| {
        // Only rows of validators with a permit count.
        permit[i]
            // No self-weight, except the owner's.
            && (i != j || owner == Some(i))
            // Not outdated: set after the target's current hotkey registered.
            && last_update[i] > registered[j]
            // With commit-reveal: not committed before the target registered.
            && committed[i].is_none_or(|commit| commit >= registered[j])
    };
    let newest = registered.iter().copied().max().unwrap_or(0);
    let mut weights = SparseMatrix::with_capacity(n, input.weights.iter().take(n).map(Vec::len).sum());
    for i in 0..n {
        let stored = input.weights.get(i).map_or(&[][..], Vec::as_slice);
        // A row set (and committed) after the newest registration passes the last two
        // masks whole, and a row without a permit passes nothing.
        let current = last_update[i] > newest && committed[i].is_none_or(|commit| commit >= newest);
        let row = if !permit[i] {
            weights.push_read_row(&[], n, u16_to_fixed, |_| false)
        } else if current {
            weights.push_read_row(stored, n, u16_to_fixed, |j| i != j || owner == Some(i))
        } else {
            weights.push_read_row(stored, n, u16_to_fixed, |j| keep(i, j))
        };
        sparse::normalize_row(row);
        voters.count_row(i, row);
    }
    weights
}

/// Step 13 (chain.md §2.6): normalised emission scores turned into alpha rao.
struct EmissionSplit {
    server: Vec<u64>,
    validator: Vec<u64>,
    combined: Vec<u64>,
}

impl EmissionSplit {
    fn new(
        incentive: &[I32F32],
        dividends: &[I32F32],
        active_stake: &[I32F32],
        stake: &[I32F32],
        emission: u64,
    ) -> Self {
        let mut combined: Vec<I32F32> =
            incentive.iter().zip(dividends).map(|(i, d)| i.saturating_add(*d)).collect();
        let total = sum(&combined);
        let mut server = incentive.to_vec();
        let mut validator = dividends.to_vec();
        normalize_using(&mut server, total);
        normalize_using(&mut validator, total);
        normalize(&mut combined);
        if total == ZERO {
            // No valid weights: validators are paid by active stake, or by raw stake when
            // no stake is active.
            let fallback = if sum(active_stake) == ZERO { stake } else { active_stake };
            validator = fallback.to_vec();
            combined = fallback.to_vec();
        }
        let to_rao = |shares: &[I32F32]| -> Vec<u64> {
            let e = I96F32::saturating_from_num(emission);
            shares
                .iter()
                .map(|s| I96F32::saturating_from_num(*s).saturating_mul(e).saturating_to_num::<u64>())
                .collect()
        };
        EmissionSplit { server: to_rao(&server), validator: to_rao(&validator), combined: to_rao(&combined) }
    }
}

/// Step 14 for bonds: rows of uids with a new permit are stored; a uid that lost its
/// permit has its row cleared; other rows are left alone.
fn bond_rows(
    bonds: Vec<Vec<(u16, u16)>>,
    new_permit: &[bool],
    permit: &[bool],
) -> Vec<Option<Vec<(u16, u16)>>> {
    bonds
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            if new_permit[i] {
                Some(row)
            } else if permit[i] {
                Some(Vec::new())
            } else {
                None
            }
        })
        .collect()
}

fn quantise(values: &[I32F32]) -> Vec<u16> {
    values.iter().map(|v| fixed_proportion_to_u16(*v)).collect()
}

fn padded<T: Copy>(values: &[T], n: usize, fill: T) -> Vec<T> {
    let mut v: Vec<T> = values.iter().take(n).copied().collect();
    v.resize(n, fill);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validators 0 and 1 (stakes 3 and 1, both permitted), miners 2 and 3, all registered
    /// at block 1 and updated at block 10; the epoch runs at block 10.
    fn subnet() -> EpochInput {
        EpochInput {
            n: 4,
            block: 10,
            stake: [3u64, 1, 0, 0].iter().map(|&s| I64F64::from_num(s)).collect(),
            last_update: vec![10; 4],
            block_at_registration: vec![1; 4],
            validator_permit: vec![true, true, false, false],
            weights: vec![vec![(2, 65535), (3, 65535)], vec![(2, 65535)], vec![], vec![]],
            emission: 1_000_000,
            params: EpochParams { tempo: 10, ..EpochParams::default() },
            ..EpochInput::default()
        }
    }

    #[test]
    fn empty_subnet_gives_empty_output() {
        let out = epoch(&EpochInput::default());
        assert_eq!(out, EpochOutput::default());
    }

    #[test]
    fn short_and_long_vectors_are_padded_or_cut() {
        let mut input = subnet();
        input.stake.truncate(1);
        input.last_update.push(99);
        input.weights.truncate(1);
        input.bonds = vec![vec![(7, 1)]; 9];
        let out = epoch(&input);
        assert_eq!(out.incentive.len(), 4);
        assert_eq!(out.bonds.len(), 4);
        assert_eq!(out.stake_weight, [65535, 0, 0, 0]);
    }

    #[test]
    fn consensus_clips_the_minority_weight() {
        let out = epoch(&subnet());
        // Validator 0 (75 % of stake) weights miners 2 and 3 equally; validator 1 only 2.
        // Miner 3 gets consensus ½ (the majority's weight), miner 2 as well.
        assert_eq!(out.consensus, [0, 0, 32767, 32767]);
        // Validator 1's weight of 1 on miner 2 is clipped to ½.
        assert_eq!(out.validator_trust, [65535, 32767, 0, 0]);
        assert_eq!(out.incentive.iter().map(|&v| u32::from(v)).sum::<u32>(), 65534);
    }

    #[test]
    fn rows_without_a_permit_are_ignored() {
        let mut input = subnet();
        input.validator_permit = vec![false, true, false, false];
        let out = epoch(&input);
        // Only validator 1 counts: everything goes to miner 2.
        assert_eq!(out.incentive, [0, 0, 65535, 0]);
        assert_eq!(out.dividends, [0, 65535, 0, 0]);
        // The permits for the next epoch come from stake, whatever the old ones were.
        assert_eq!(out.validator_permit, [true, true, false, false]);
    }

    #[test]
    fn self_weight_is_masked_except_the_owners() {
        let mut input = subnet();
        input.weights[0] = vec![(0, 65535)];
        input.weights[1] = vec![(1, 65535)];
        let out = epoch(&input);
        assert_eq!(out.incentive, [0; 4]);
        input.owner_uid = Some(0);
        let out = epoch(&input);
        assert_eq!(out.incentive, [65535, 0, 0, 0]);
    }

    #[test]
    fn owner_is_exempt_from_stake_threshold_and_always_permitted() {
        let mut input = subnet();
        input.params.stake_threshold = 2;
        let out = epoch(&input);
        assert_eq!(out.stake_weight, [65535, 0, 0, 0]);
        assert_eq!(out.validator_permit, [true, false, false, false]);
        input.owner_uid = Some(3);
        let out = epoch(&input);
        assert_eq!(out.validator_permit, [true, false, false, true]);
        input.owner_uid = Some(1);
        let out = epoch(&input);
        assert_eq!(out.stake_weight, [49151, 16383, 0, 0]);
        assert_eq!(out.validator_permit, [true, true, false, false]);
    }

    #[test]
    fn weights_set_before_the_target_registered_are_outdated() {
        let mut input = subnet();
        input.block_at_registration[3] = 10;
        let out = epoch(&input);
        assert_eq!(out.incentive, [0, 0, 65535, 0]);
    }

    #[test]
    fn weights_committed_before_the_target_registered_are_masked() {
        let mut input = subnet();
        input.block_at_registration[3] = 5;
        input.commit_blocks = vec![Some(4)];
        assert_eq!(epoch(&input).incentive, [0, 0, 65535, 0]);
        input.commit_blocks = vec![Some(5)];
        assert_eq!(epoch(&input).incentive, epoch(&subnet()).incentive);
        input.commit_blocks = vec![None, Some(1)];
        assert_eq!(epoch(&input).incentive, epoch(&subnet()).incentive);
    }

    #[test]
    fn inactive_validators_lose_their_say() {
        let mut input = subnet();
        input.block = 10 + activity_cutoff(&input.params) + 1;
        input.last_update[1] = input.block;
        let out = epoch(&input);
        assert_eq!(out.active, [false, true, false, false]);
        assert_eq!(out.incentive, [0, 0, 65535, 0]);
    }

    #[test]
    fn activity_cutoff_is_at_least_one_block() {
        let p = |tempo, factor| EpochParams {
            tempo,
            activity_cutoff_factor_milli: factor,
            ..EpochParams::default()
        };
        assert_eq!(activity_cutoff(&p(360, 13_889)), 5000);
        assert_eq!(activity_cutoff(&p(1, 13_889)), 13);
        assert_eq!(activity_cutoff(&p(0, 13_889)), 1);
    }

    #[test]
    fn bonds_on_uids_registered_since_the_last_epoch_are_dropped() {
        for yuma3 in [false, true] {
            let mut input = subnet();
            input.params.yuma3 = yuma3;
            input.bonds = vec![vec![(2, 65535), (3, 65535)]; 2];
            input.last_epoch_block = 6;
            input.block_at_registration[3] = 7;
            let masked = epoch(&input);
            input.block_at_registration[3] = 6;
            let kept = epoch(&input);
            let bond = |out: &EpochOutput, i: usize, j: u16| {
                out.bonds[i].as_ref().unwrap().iter().find(|e| e.0 == j).map(|e| e.1)
            };
            // t0 = L + 1 = 7. Validator 1 does not weight miner 3, so its bond there only
            // survives (decayed) when miner 3 registered before t0.
            assert_eq!(bond(&masked, 1, 3), None, "yuma3 {yuma3}");
            assert!(bond(&kept, 1, 3).is_some_and(|b| b > 0), "yuma3 {yuma3}: {kept:?}");
        }
    }

    #[test]
    fn bond_rows_follow_the_permits() {
        let mut input = subnet();
        input.bonds = vec![vec![(2, 100)]; 4];
        input.stake[1] = I64F64::from_num(0);
        let out = epoch(&input);
        assert!(out.bonds[0].as_ref().is_some_and(|r| !r.is_empty()));
        assert_eq!(out.bonds[1], Some(vec![]), "lost its permit: cleared");
        assert_eq!(out.bonds[2], None, "never had one: untouched");
        let mut stored = input.bonds.clone();
        out.apply_bonds(&mut stored);
        assert_eq!(stored[1], vec![]);
        assert_eq!(stored[2], vec![(2, 100)]);
    }

    #[test]
    fn liquid_alpha_falls_back_to_the_moving_average_without_consensus() {
        let mut input = subnet();
        input.params.yuma3 = true;
        input.params.kappa = 65535;
        input.weights = vec![vec![(2, 65535)], vec![(3, 65535)], vec![], vec![]];
        let fixed = epoch(&input);
        input.params.liquid_alpha = true;
        let liquid = epoch(&input);
        assert_eq!(fixed.consensus, [0; 4]);
        assert_eq!(fixed.bonds, liquid.bonds);
    }

    #[test]
    fn zero_weights_fall_back_to_active_stake_then_raw_stake() {
        let mut input = subnet();
        input.weights = vec![Vec::new(); 4];
        let out = epoch(&input);
        assert_eq!(out.validator_emission, [750_000, 250_000, 0, 0]);
        assert_eq!(out.emission, out.validator_emission);
        assert_eq!(out.server_emission, [0; 4]);
        input.validator_permit = vec![false; 4];
        let out = epoch(&input);
        assert_eq!(out.validator_emission, [750_000, 250_000, 0, 0]);
    }

    #[test]
    fn emission_is_split_half_and_half() {
        let out = epoch(&subnet());
        let miners: u64 = out.server_emission.iter().sum();
        let validators: u64 = out.validator_emission.iter().sum();
        assert!((499_990..=500_000).contains(&miners), "{miners}");
        assert!((499_990..=500_000).contains(&validators), "{validators}");
    }
}
