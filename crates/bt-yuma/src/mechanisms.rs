//! Subnets with several mechanisms (chain.md §2.1, §2.7): how the epoch emission is split
//! between them, and how their per-uid results add up to what the subnet stores.

use crate::epoch::EpochOutput;
use crate::fixed::{safe_div, U64F64};

/// Splits `emission` between `count` mechanisms: by `split` (u16 shares summing to 65535)
/// when given, evenly otherwise. Each share is floored and the remainder goes to
/// mechanism 0. A split shorter than `count` gives the missing mechanisms nothing; extra
/// entries are ignored.
pub fn split_emission(emission: u64, count: u8, split: Option<&[u16]>) -> Vec<u64> {
    let count = usize::from(count);
    let mut shares: Vec<u64> = match split {
        Some(split) => split
            .iter()
            .take(count)
            .map(|&s| (u128::from(emission) * u128::from(s) / u128::from(u16::MAX)) as u64)
            .collect(),
        None => vec![emission.checked_div(count as u64).unwrap_or(0); count],
    };
    shares.resize(count, 0);
    let remainder = emission.saturating_sub(shares.iter().fold(0u64, |a, s| a.saturating_add(*s)));
    if let Some(first) = shares.first_mut() {
        *first = first.saturating_add(remainder);
    }
    shares
}

/// What a subnet stores for each uid once all its mechanisms ran (chain.md §2.7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubnetTerms {
    /// `Active`, OR-ed over mechanisms.
    pub active: Vec<bool>,
    /// `ValidatorPermit`, OR-ed over mechanisms.
    pub validator_permit: Vec<bool>,
    /// `StakeWeight`, weighted by each mechanism's emission share.
    pub stake_weight: Vec<u16>,
    /// `Consensus`, weighted.
    pub consensus: Vec<u16>,
    /// `Dividends`, weighted.
    pub dividends: Vec<u16>,
    /// `ValidatorTrust`, weighted.
    pub validator_trust: Vec<u16>,
    /// `Emission` (combined, alpha rao), weighted.
    pub emission: Vec<u64>,
    /// Miner emission, summed.
    pub server_emission: Vec<u64>,
    /// Validator emission, summed.
    pub validator_emission: Vec<u64>,
}

impl SubnetTerms {
    /// Empty terms for `n` uids.
    pub fn new(n: usize) -> Self {
        SubnetTerms {
            active: vec![false; n],
            validator_permit: vec![false; n],
            stake_weight: vec![0; n],
            consensus: vec![0; n],
            dividends: vec![0; n],
            validator_trust: vec![0; n],
            emission: vec![0; n],
            server_emission: vec![0; n],
            validator_emission: vec![0; n],
        }
    }

    /// Adds mechanism `index`'s output, which received `mechanism_emission` of the
    /// subnet's `emission`. Its weight is `mechanism_emission / emission` (`U64F64`); with
    /// no emission at all, mechanism 0 weighs 1 and the others 0. Weighted terms
    /// accumulate as `floor(existing + added · weight)`.
    pub fn add(&mut self, index: usize, output: &EpochOutput, mechanism_emission: u64, emission: u64) {
        let weight = if emission == 0 {
            U64F64::from_num(u8::from(index == 0))
        } else {
            safe_div(U64F64::from_num(mechanism_emission), U64F64::from_num(emission))
        };
        let acc = |existing: u64, added: u64| -> u64 {
            U64F64::from_num(existing)
                .saturating_add(U64F64::from_num(added).saturating_mul(weight))
                .saturating_to_num::<u64>()
        };
        let acc16 = |existing: &mut u16, added: u16| {
            *existing = acc(u64::from(*existing), u64::from(added)).min(u64::from(u16::MAX)) as u16
        };
        let n = self.active.len();
        for i in 0..n.min(output.active.len()) {
            self.active[i] |= output.active[i];
            self.validator_permit[i] |= output.validator_permit[i];
            acc16(&mut self.stake_weight[i], output.stake_weight[i]);
            acc16(&mut self.consensus[i], output.consensus[i]);
            acc16(&mut self.dividends[i], output.dividends[i]);
            acc16(&mut self.validator_trust[i], output.validator_trust[i]);
            self.emission[i] = acc(self.emission[i], output.emission[i]);
            self.server_emission[i] = self.server_emission[i].saturating_add(output.server_emission[i]);
            self.validator_emission[i] =
                self.validator_emission[i].saturating_add(output.validator_emission[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_split_gives_the_remainder_to_mechanism_zero() {
        assert_eq!(split_emission(10, 3, None), [4, 3, 3]);
        assert_eq!(split_emission(10, 1, None), [10]);
        assert!(split_emission(10, 0, None).is_empty());
    }

    #[test]
    fn explicit_split_floors_each_share() {
        assert_eq!(split_emission(1000, 2, Some(&[21845, 43690])), [334, 666]);
        assert_eq!(split_emission(1000, 3, Some(&[65535])), [1000, 0, 0]);
        assert_eq!(split_emission(1000, 1, Some(&[32768, 32767])), [1000]);
    }

    #[test]
    fn aggregation_weights_by_emission_share() {
        let output = |d: u16, e: u64, active: bool| EpochOutput {
            active: vec![active],
            validator_permit: vec![active],
            stake_weight: vec![d],
            consensus: vec![d],
            dividends: vec![d],
            validator_trust: vec![d],
            emission: vec![e],
            server_emission: vec![e],
            validator_emission: vec![e],
            incentive: vec![d],
            bonds: vec![None],
        };
        let mut terms = SubnetTerms::new(1);
        terms.add(0, &output(65535, 750, false), 750, 1000);
        terms.add(1, &output(65535, 250, true), 250, 1000);
        assert_eq!(terms.dividends, [65534]);
        assert_eq!(terms.emission, [624]);
        assert_eq!(terms.server_emission, [1000]);
        assert_eq!(terms.active, [true]);

        let mut zero = SubnetTerms::new(1);
        zero.add(0, &output(100, 0, false), 0, 0);
        zero.add(1, &output(200, 0, false), 0, 0);
        assert_eq!(zero.dividends, [100]);
    }
}
