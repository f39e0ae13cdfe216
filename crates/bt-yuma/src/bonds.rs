//! Step 12 of the epoch: bonds and dividends, in the two flavours of chain.md §2.4
//! (Yuma3) and §2.5 (the original Yuma).

use crate::epoch::EpochParams;
use crate::fixed::{
    clamp, exp_safe, fixed_proportion_to_u16, mul, safe_div, u16_proportion_to_fixed, u16_to_fixed, Divisor,
    NonNegativeSum, Scale, I32F32, I64F64, ONE, ZERO,
};
use crate::sparse::{self, SparseMatrix, SparseRow};
use crate::vector::normalize;

/// What both bond paths read besides the weights for bonds.
pub(crate) struct BondInputs<'a> {
    /// Subnet size.
    pub n: usize,
    /// The subnet's hyperparameters.
    pub params: &'a EpochParams,
    /// Stored bond rows (`u16`).
    pub stored: &'a [Vec<(u16, u16)>],
    /// Registration block of each uid, for the column mask of step 11.
    pub registered: &'a [u64],
    /// `t0` of step 11: bonds on columns registered at or after it are dropped.
    pub mask_from: u64,
    /// Consensus `C`.
    pub consensus: &'a [I32F32],
}

/// New bonds, quantised for storage, and normalised dividends.
pub(crate) struct BondsAndDividends {
    /// Bond rows as they are stored: each entry `u16(value)`.
    pub bonds: Vec<Vec<(u16, u16)>>,
    /// Dividends, summing to 1 (or all zero).
    pub dividends: Vec<I32F32>,
}

impl BondInputs<'_> {
    /// Step 11: a stored bond on column `j` survives unless `j` registered at or after `t0`.
    fn keeps_column(&self, j: usize) -> bool {
        self.mask_from > self.registered[j]
    }

    /// Stored bond row `i`, read with `convert`, step 11's mask applied, into `row`.
    /// `keeps_all` says that the mask keeps every column (nothing registered at or after
    /// `t0`), so that it need not be looked up per entry.
    fn old_row(&self, i: usize, convert: impl Fn(u16) -> I32F32, keeps_all: bool, row: &mut SparseRow) {
        let stored = self.stored.get(i).map_or(&[][..], Vec::as_slice);
        if keeps_all {
            sparse::read_row(stored, self.n, convert, |_| true, row);
        } else {
            sparse::read_row(stored, self.n, convert, |j| self.keeps_column(j), row);
        }
    }
}

/// Step 12, fed one row of weights for bonds (`Wb`) at a time, in row order.
///
/// Yuma3 bonds (§2.4) depend on a validator's own row only, so each new bond row is made
/// as its weights arrive, while they are still in cache. The original bonds (§2.5)
/// normalise columns, so they collect `Wb` and are computed at the end.
pub(crate) struct Bonds<'a> {
    inputs: BondInputs<'a>,
    /// Yuma3: the new bonds so far. Original: `Wb` so far.
    rows: SparseMatrix,
    yuma3: Option<Yuma3>,
}

/// The running state of the Yuma3 path.
struct Yuma3 {
    alpha: I32F32,
    /// The liquid-alpha curve, when it applies: liquid alpha on and some consensus.
    liquid: Option<AlphaSigmoid>,
    /// Column sums of the new bonds so far. Bonds are kept only where positive, so a wide
    /// sum equals the chain's saturating one.
    column_total: Vec<NonNegativeSum>,
    /// The stored bond row being read.
    old: SparseRow,
    /// Step 11's mask keeps every column.
    keeps_all: bool,
}

impl<'a> Bonds<'a> {
    /// Ready for the rows of a matrix with about `entries` entries.
    pub fn new(inputs: BondInputs<'a>, entries: usize) -> Self {
        let p = inputs.params;
        let yuma3 = p.yuma3.then(|| Yuma3 {
            alpha: moving_average_alpha(p.bonds_moving_average),
            liquid: (p.liquid_alpha && inputs.consensus.iter().any(|c| *c != ZERO))
                .then(|| AlphaSigmoid::new(p)),
            column_total: vec![NonNegativeSum::default(); inputs.n],
            old: Vec::new(),
            keeps_all: (0..inputs.n).all(|j| inputs.keeps_column(j)),
        });
        Bonds { rows: SparseMatrix::with_capacity(inputs.n, entries), inputs, yuma3 }
    }

    /// Takes row `i` of `Wb`, the next one.
    pub fn push_row(&mut self, i: usize, weights_for_bonds: &[(u16, I32F32)]) {
        debug_assert_eq!(i, self.rows.n_rows(), "rows arrive in order");
        let Some(y) = &mut self.yuma3 else {
            self.rows.push_row(weights_for_bonds);
            return;
        };
        // Old bonds are `u16/65535`.
        self.inputs.old_row(i, u16_proportion_to_fixed, y.keeps_all, &mut y.old);
        let consensus = self.inputs.consensus;
        let row = match &y.liquid {
            Some(sigmoid) => {
                let alpha = |j: u16, w, b| sigmoid.alpha(consensus[usize::from(j)], w, b);
                self.rows.push_row_with(|row| sparse::ema_alpha_row(weights_for_bonds, &y.old, alpha, row))
            }
            None => self.rows.push_row_with(|row| sparse::ema_row(weights_for_bonds, &y.old, y.alpha, row)),
        };
        for &(j, b) in row.iter() {
            y.column_total[usize::from(j)].add(b);
        }
    }

    /// The new bonds and the dividends they earn, once every row is in.
    pub fn finish(self, incentive: &[I32F32], active_stake: &[I32F32]) -> BondsAndDividends {
        match self.yuma3 {
            Some(y) => dividends_by_bond_share(&self.rows, &y.column_total, incentive, active_stake),
            None => original(&self.inputs, self.rows, incentive, active_stake),
        }
    }
}

/// Yuma3 dividends: each validator's share of every miner's bonds (the column-normalised
/// bond), times that miner's incentive, weighted by the validator's own active stake,
/// normalised. Each row of bonds is quantised while it is in cache.
fn dividends_by_bond_share(
    bonds: &SparseMatrix,
    column_total: &[NonNegativeSum],
    incentive: &[I32F32],
    active_stake: &[I32F32],
) -> BondsAndDividends {
    // Per column: what divides a bond into a share (by 1, which changes nothing, where the
    // column is empty), and the incentive the share earns.
    let columns: Vec<(Divisor, Scale)> = column_total
        .iter()
        .zip(incentive)
        .map(|(total, &incentive)| {
            let total = total.value();
            (Divisor::new(if total == ZERO { ONE } else { total }), Scale::new(incentive))
        })
        .collect();
    let mut stored = Vec::with_capacity(bonds.n_rows());
    let mut dividends: Vec<I32F32> = bonds
        .rows()
        .zip(active_stake)
        .map(|(row, a)| {
            // Bonds are kept only where positive and incentive is non-negative, so every
            // term is too, and a wide sum equals the chain's saturating one.
            let mut earned = NonNegativeSum::default();
            for &(j, b) in row {
                let (total, incentive) = &columns[usize::from(j)];
                earned.add(incentive.of(total.divide(b)));
            }
            stored.push(row.iter().map(|&(j, b)| (j, fixed_proportion_to_u16(b))).collect());
            earned.value().checked_mul(*a).unwrap_or(ZERO)
        })
        .collect();
    normalize(&mut dividends);
    BondsAndDividends { bonds: stored, dividends }
}

/// §2.5: the original bonds, an EMA of column-normalised stake-weighted weights.
fn original(
    inputs: &BondInputs,
    weights_for_bonds: SparseMatrix,
    incentive: &[I32F32],
    active_stake: &[I32F32],
) -> BondsAndDividends {
    let n = inputs.n;
    let mut old = sparse::from_u16_rows(inputs.stored, n, u16_to_fixed, |_, j| inputs.keeps_column(j));
    sparse::col_normalize(&mut old, n);

    let mut delta = weights_for_bonds;
    sparse::row_hadamard(&mut delta, active_stake);
    sparse::col_normalize(&mut delta, n);

    let mut bonds = sparse::mat_ema(&delta, &old, moving_average_alpha(inputs.params.bonds_moving_average));
    sparse::col_normalize(&mut bonds, n);

    let mut dividends = sparse::matmul_transpose(&bonds, incentive);
    normalize(&mut dividends);

    // Stored column max-upscaled: each column's largest bond becomes 1.
    sparse::col_max_upscale(&mut bonds, n);
    let bonds =
        bonds.rows().map(|row| row.iter().map(|&(j, b)| (j, fixed_proportion_to_u16(b))).collect()).collect();
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
