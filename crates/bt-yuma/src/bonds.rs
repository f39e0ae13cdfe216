//! Step 12 of the epoch: bonds and dividends, in the two flavours of chain.md §2.4
//! (Yuma3) and §2.5 (the original Yuma).

use crate::epoch::EpochParams;
use crate::fixed::{
    clamp, exp_safe, mul, safe_div, u16_proportion_to_fixed, u16_to_fixed, Divisor, NonNegativeSum, I32F32,
    I64F64, ONE, ZERO,
};
use crate::sparse::{self, SparseMatrix, SparseRow};
use crate::vector::normalize;

/// What both bond paths read.
pub(crate) struct BondInputs<'a> {
    /// Subnet size.
    pub n: usize,
    /// The subnet's hyperparameters.
    pub params: &'a EpochParams,
    /// `Wb` of step 10.
    pub weights_for_bonds: SparseMatrix,
    /// Stored bond rows (`u16`).
    pub stored: &'a [Vec<(u16, u16)>],
    /// Registration block of each uid, for the column mask of step 11.
    pub registered: &'a [u64],
    /// `t0` of step 11: bonds on columns registered at or after it are dropped.
    pub mask_from: u64,
    /// Consensus `C`.
    pub consensus: &'a [I32F32],
    /// Incentive `I`.
    pub incentive: &'a [I32F32],
    /// Normalised active stake `a`.
    pub active_stake: &'a [I32F32],
}

/// New bonds, as they are quantised for storage, and normalised dividends.
pub(crate) struct BondsAndDividends {
    /// Bonds to store, each entry then written as `u16(value)`.
    pub bonds: SparseMatrix,
    /// Dividends, summing to 1 (or all zero).
    pub dividends: Vec<I32F32>,
}

impl BondInputs<'_> {
    /// Step 11: a stored bond on column `j` survives unless `j` registered at or after `t0`.
    fn keeps_column(&self, j: usize) -> bool {
        self.mask_from > self.registered[j]
    }

    /// Stored bond row `i`, read with `convert`, step 11's mask applied, into `row`.
    fn old_row(&self, i: usize, convert: impl Fn(u16) -> I32F32, row: &mut SparseRow) {
        let stored = self.stored.get(i).map_or(&[][..], Vec::as_slice);
        sparse::read_row(stored, self.n, convert, |j| self.keeps_column(j), row);
    }
}

/// §2.4: Yuma3 bonds, with or without liquid alpha.
pub(crate) fn yuma3(inputs: BondInputs) -> BondsAndDividends {
    let p = inputs.params;
    let liquid = p.liquid_alpha && inputs.consensus.iter().any(|c| *c != ZERO);
    let sigmoid = AlphaSigmoid::new(p);
    let alpha = moving_average_alpha(p.bonds_moving_average);
    let wb = &inputs.weights_for_bonds;
    let mut bonds = SparseMatrix::with_capacity(inputs.n, wb.n_entries());
    // Old bonds are `u16/65535`, read one row at a time.
    let mut old = Vec::new();
    for (i, wb_row) in wb.rows().enumerate() {
        inputs.old_row(i, u16_proportion_to_fixed, &mut old);
        if liquid {
            let alpha = |j: u16, w, b| sigmoid.alpha(inputs.consensus[usize::from(j)], w, b);
            bonds.push_row_with(|row| sparse::ema_alpha_row(wb_row, &old, alpha, row));
        } else {
            bonds.push_row_with(|row| sparse::ema_row(wb_row, &old, alpha, row));
        }
    }
    let dividends = dividends_by_bond_share(&bonds, inputs.incentive, inputs.active_stake, inputs.n);
    BondsAndDividends { bonds, dividends }
}

/// Yuma3 dividends: each validator's share of every miner's bonds (the column-normalised
/// bond), times that miner's incentive, weighted by the validator's own active stake,
/// normalised.
fn dividends_by_bond_share(
    bonds: &SparseMatrix,
    incentive: &[I32F32],
    active_stake: &[I32F32],
    n: usize,
) -> Vec<I32F32> {
    let column_total: Vec<Option<Divisor>> = sparse::col_sums(bonds, n)
        .into_iter()
        .map(|total| (total != ZERO).then(|| Divisor::new(total)))
        .collect();
    let mut dividends: Vec<I32F32> = bonds
        .rows()
        .zip(active_stake)
        .map(|(row, a)| {
            // Bonds are kept only where positive and incentive is non-negative, so every
            // term is too, and a wide sum equals the chain's saturating one.
            let mut earned = NonNegativeSum::default();
            for &(j, b) in row {
                let share = column_total[usize::from(j)].map_or(b, |total| total.divide(b));
                earned.add(mul(share, incentive[usize::from(j)]));
            }
            earned.value().checked_mul(*a).unwrap_or(ZERO)
        })
        .collect();
    normalize(&mut dividends);
    dividends
}

/// §2.5: the original bonds, an EMA of column-normalised stake-weighted weights.
pub(crate) fn original(inputs: BondInputs) -> BondsAndDividends {
    let n = inputs.n;
    let mut old = sparse::from_u16_rows(inputs.stored, n, u16_to_fixed, |_, j| inputs.keeps_column(j));
    sparse::col_normalize(&mut old, n);

    let mut delta = inputs.weights_for_bonds;
    sparse::row_hadamard(&mut delta, inputs.active_stake);
    sparse::col_normalize(&mut delta, n);

    let mut bonds = sparse::mat_ema(&delta, &old, moving_average_alpha(inputs.params.bonds_moving_average));
    sparse::col_normalize(&mut bonds, n);

    let mut dividends = sparse::matmul_transpose(&bonds, inputs.incentive);
    normalize(&mut dividends);

    // Stored column max-upscaled: each column's largest bond becomes 1.
    sparse::col_max_upscale(&mut bonds, n);
    BondsAndDividends { bonds, dividends }
}

/// `α = 1 − M/1 000 000`, with the quotient taken in `I64F64` and narrowed to `I32F32`.
pub(crate) fn moving_average_alpha(bonds_moving_average: u64) -> I32F32 {
    let m = safe_div(I64F64::saturating_from_num(bonds_moving_average), I64F64::from_num(1_000_000));
    ONE.saturating_sub(I32F32::saturating_from_num(m))
}

/// The liquid-alpha curve of a subnet.
struct AlphaSigmoid {
    low: I32F32,
    high: I32F32,
    /// `steepness / −100`.
    slope: I32F32,
}

impl AlphaSigmoid {
    fn new(p: &EpochParams) -> Self {
        AlphaSigmoid {
            low: u16_proportion_to_fixed(p.alpha_low),
            high: u16_proportion_to_fixed(p.alpha_high),
            slope: I32F32::from_num(p.alpha_sigmoid_steepness).saturating_div(I32F32::from_num(-100)),
        }
    }

    /// `α = clamp(lo + sig·(hi − lo), lo, hi)` with `sig = 1/(1 + e^(slope·(d − ½)))`,
    /// where `d` is how far the weight is above consensus when buying (`w ≥ b`), or how
    /// far it fell below the bond when selling.
    fn alpha(&self, consensus: I32F32, weight: I32F32, bond: I32F32) -> I32F32 {
        let d = if weight >= bond {
            clamp(weight.saturating_sub(consensus), ZERO, ONE)
        } else {
            clamp(bond.saturating_sub(weight), ZERO, ONE)
        };
        let exponent = mul(self.slope, d.saturating_sub(I32F32::from_num(0.5)));
        // 1 + e^x ≥ 1: this division neither overflows nor divides by zero, so it equals
        // the chain's saturating one.
        let sigmoid = safe_div(ONE, ONE.saturating_add(exp_safe(exponent)));
        let alpha = self.low.saturating_add(mul(sigmoid, self.high.saturating_sub(self.low)));
        clamp(alpha, self.low, self.high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_alpha_values() {
        assert_eq!(
            moving_average_alpha(900_000),
            ONE - I32F32::saturating_from_num(I64F64::from_num(900_000) / I64F64::from_num(1_000_000))
        );
        let a: f64 = moving_average_alpha(975_000).to_num();
        assert!((a - 0.025).abs() < 1e-9);
        assert_eq!(moving_average_alpha(0), ONE);
        assert!(moving_average_alpha(u64::MAX) < ZERO);
    }

    #[test]
    fn alpha_sigmoid_stays_within_bounds() {
        let p = EpochParams {
            alpha_low: 6553,
            alpha_high: 19660,
            alpha_sigmoid_steepness: 1000,
            ..EpochParams::default()
        };
        let sigmoid = AlphaSigmoid::new(&p);
        let (low, high) = (6553.0 / 65535.0, 19660.0 / 65535.0);
        let f = |c: f64, w: f64, b: f64| {
            sigmoid.alpha(I32F32::from_num(c), I32F32::from_num(w), I32F32::from_num(b)).to_num::<f64>()
        };
        let expected = |d: f64| low + (high - low) / (1.0 + (-10.0 * (d - 0.5)).exp());
        // Buying: d is how far the weight is above consensus.
        assert!((f(0.0, 1.0, 0.0) - expected(1.0)).abs() < 1e-6);
        assert!((f(0.5, 0.5, 0.0) - expected(0.0)).abs() < 1e-6);
        assert!((f(0.0, 0.5, 0.0) - expected(0.5)).abs() < 1e-6);
        // Selling: d is how far the weight fell below the bond.
        assert!((f(0.9, 0.2, 0.6) - expected(0.4)).abs() < 1e-6);
        // Inverted bounds never panic.
        let inverted = AlphaSigmoid::new(&EpochParams { alpha_low: 19660, alpha_high: 6553, ..p });
        let g = inverted.alpha(ZERO, ONE, ZERO);
        assert!(g == inverted.low || g == inverted.high);
    }

    #[test]
    fn the_sigmoids_division_matches_the_chains_saturating_one() {
        for bits in [0i64, 1, 12345, 1 << 20, (1 << 32) - 1, 1 << 32, 3 << 40, 0x7fff_ffff_ffff, i64::MAX] {
            let y = ONE.saturating_add(I32F32::from_bits(bits));
            assert_eq!(safe_div(ONE, y), ONE.saturating_div(y));
        }
    }
}
