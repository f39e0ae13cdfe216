//! The block emission curve of chain.md §4.1: 1 TAO per block, halving each time issuance
//! covers half of what is left of the 21 M TAO supply. Subnets apply the same curve to
//! their alpha issuance.

use crate::fixed::{safe_div, I96F32};
use substrate_fixed::transcendental::log2;

/// Total supply: 21 000 000 TAO in rao.
pub const TOTAL_SUPPLY: u64 = 21_000_000_000_000_000;
/// Emission per block before any halving: 1 TAO in rao.
pub const DEFAULT_BLOCK_EMISSION: u64 = 1_000_000_000;

/// Emission per block, in rao, once `issuance` rao have been issued:
/// `floor(10⁹ / 2^k)` with `k = floor(log2(1 / (1 − issuance / 21·10¹⁵)))`, in `I96F32`.
/// Zero from the total supply on.
pub fn block_emission_for_issuance(issuance: u64) -> u64 {
    if issuance >= TOTAL_SUPPLY {
        return 0;
    }
    let one = I96F32::from_num(1);
    let issued_fraction = safe_div(I96F32::from_num(issuance), I96F32::from_num(TOTAL_SUPPLY));
    let remaining = one.saturating_sub(issued_fraction);
    // `remaining` is at least 2⁻³² here, so neither the division nor the logarithm fails.
    let Ok(halvings) = log2::<I96F32, I96F32>(safe_div(one, remaining)) else {
        return 0;
    };
    let halvings = halvings.floor().saturating_to_num::<u32>();
    let mut divisor = one;
    for _ in 0..halvings {
        divisor = divisor.saturating_mul(I96F32::from_num(2));
    }
    safe_div(one, divisor).saturating_mul(I96F32::from_num(DEFAULT_BLOCK_EMISSION)).saturating_to_num::<u64>()
}
