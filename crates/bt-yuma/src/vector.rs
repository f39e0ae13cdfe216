//! Vector primitives of chain.md §1.2–§1.3: normalisation, top-k, the stake-weighted
//! median and the `u16` weight upscaling used by `set_weights`.

use crate::fixed::{add, safe_div, sum, Divisor, I32F32, ZERO};
use substrate_fixed::traits::Fixed;

/// Divides every element by the sum; leaves the vector as it is when the sum is zero.
pub fn normalize<F: Fixed>(values: &mut [F]) {
    let total = sum(values);
    if total == F::from_num(0) {
        return;
    }
    for v in values.iter_mut() {
        *v = safe_div(*v, total);
    }
}

/// Divides every element by `total` (unless it is zero), so that several vectors share one
/// denominator.
pub fn normalize_using(values: &mut [I32F32], total: I32F32) {
    if total == ZERO {
        return;
    }
    let total = Divisor::new(total);
    for v in values.iter_mut() {
        *v = total.divide(*v);
    }
}

/// `true` for the non-zero elements that are among the `k` largest.
///
/// Indices are stable-sorted by value and the first `n − k` lose, so among equal values
/// the lower indices lose. When `n < k` only zeros are excluded.
pub fn is_topk_nonzero(values: &[I32F32], k: usize) -> Vec<bool> {
    let mut result: Vec<bool> = values.iter().map(|v| *v != ZERO).collect();
    if values.len() < k {
        return result;
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| values[i]);
    for &i in order.iter().take(values.len() - k) {
        result[i] = false;
    }
    result
}

/// The stake-weighted median of `(score, stake)` pairs, as the chain's mid-pivot
/// quickselect computes it (chain.md §1.3).
///
/// That algorithm's answer depends only on the pairs, not on their order: it is the
/// smallest score `v` whose stake at or below `v` exceeds `minority`, or the largest score
/// when none does. `zero_stake` is extra stake that scores exactly zero (rows without an
/// entry in a sparse column). Scores must be non-negative and stakes positive. The pairs
/// are reordered in place; the work is linear on average.
pub fn weighted_median(pairs: &mut [(I32F32, I32F32)], zero_stake: I32F32, minority: I32F32) -> I32F32 {
    weighted_median_by(pairs, |p| p.0, |p| p.1, zero_stake, minority)
}

/// [`weighted_median`] of items that carry their score and stake in any form.
///
/// A radix select: one pass adds the stake up in buckets of the score range, the
/// bucket where the stake at or below crosses `minority` is kept, and the search repeats
/// inside it until few items are left, which are sorted. Sums of positive stakes are
/// exact whatever their order, so this finds exactly the score the chain's quickselect
/// does.
pub fn weighted_median_by<T: Copy>(
    items: &mut [T],
    score: impl Fn(&T) -> I32F32,
    stake: impl Fn(&T) -> I32F32,
    zero_stake: I32F32,
    minority: I32F32,
) -> I32F32 {
    if zero_stake > ZERO && zero_stake > minority {
        return ZERO;
    }
    // Invariant: `below` is the stake scoring less than every score left in `part`.
    let mut below = zero_stake;
    let mut part = items;
    while part.len() > SMALL {
        let (low, high) = part.iter().fold((i64::MAX, i64::MIN), |(lo, hi), x| {
            let s = score(x).to_bits();
            (lo.min(s), hi.max(s))
        });
        let span = (i128::from(high) - i128::from(low)) as u64;
        if span == 0 {
            break;
        }
        // About four items per bucket: enough buckets to leave few items, few enough that
        // clearing and scanning them costs little.
        let bits = (part.len() / 4).next_power_of_two().trailing_zeros().clamp(4, BUCKET_BITS);
        let shift = (64 - span.leading_zeros()).saturating_sub(bits);
        let bucket = |x: &T| ((i128::from(score(x).to_bits()) - i128::from(low)) as u64 >> shift) as usize;
        let mut stake_in = [ZERO; 1 << BUCKET_BITS];
        let stake_in = &mut stake_in[..1 << bits];
        for x in part.iter() {
            stake_in[bucket(x)] = add(stake_in[bucket(x)], stake(x));
        }
        let Some(chosen) = stake_in.iter().position(|&in_bucket| {
            let crosses = add(below, in_bucket).to_bits() > minority.to_bits();
            if !crosses {
                below = add(below, in_bucket);
            }
            crosses
        }) else {
            // Not even all the stake crosses (possible before any narrowing only): the
            // answer is the largest score.
            return I32F32::from_bits(high);
        };
        let kept = keep_front(part, |x| bucket(x) == chosen);
        part = &mut part[..kept];
    }
    // By the raw bits: the library's `<` takes a slower general path.
    part.sort_unstable_by_key(|x| score(x).to_bits());
    let mut at_or_below = below;
    let mut k = 0;
    while k < part.len() {
        let current = score(&part[k]);
        while k < part.len() && score(&part[k]).to_bits() == current.to_bits() {
            at_or_below = add(at_or_below, stake(&part[k]));
            k += 1;
        }
        if at_or_below.to_bits() > minority.to_bits() {
            return current;
        }
    }
    part.last().map_or(ZERO, score)
}

/// Below this many items the search sorts them instead.
const SMALL: usize = 24;

/// Most bits of score told apart per round: 256 buckets.
const BUCKET_BITS: u32 = 8;

/// Copies the items satisfying `keep` to the front, in order, and returns how many there
/// are; what is left behind them is unspecified. Branch-free in the items.
fn keep_front<T: Copy>(items: &mut [T], keep: impl Fn(&T) -> bool) -> usize {
    let mut front = 0;
    for i in 0..items.len() {
        let item = items[i];
        items[front] = item;
        front += usize::from(keep(&item));
    }
    front
}

/// Scales weights so that the largest becomes 65535 (chain.md §1.2), as `set_weights`
/// stores them.
///
/// With `m = max(v)`: if `m = 0` every element is `floor(e·65535)`; if `m > 32768` it is
/// `round(e·(65535/m))`; otherwise `round((e·65535)/m)`, each saturated to `u16`.
pub fn vec_max_upscale_to_u16(values: &[I32F32]) -> Vec<u16> {
    let u16_max = I32F32::from_num(u16::MAX);
    let threshold = I32F32::from_num(32768);
    let Some(&max) = values.iter().max() else {
        return Vec::new();
    };
    values
        .iter()
        .map(|&e| {
            if max == ZERO {
                e.saturating_mul(u16_max).saturating_to_num::<u16>()
            } else if max > threshold {
                e.saturating_mul(safe_div(u16_max, max)).saturating_round().saturating_to_num::<u16>()
            } else {
                safe_div(e.saturating_mul(u16_max), max).saturating_round().saturating_to_num::<u16>()
            }
        })
        .collect()
}

/// Whether the weights, normalised to sum 1, stay at or below `limit / 65535` each
/// (`set_weights`' max-weight check).
pub fn check_vec_max_limited(weights: &[u16], limit: u16) -> bool {
    let limit = safe_div(I32F32::from_num(limit), I32F32::from_num(u16::MAX));
    let mut values: Vec<I32F32> = weights.iter().map(|&w| I32F32::from_num(w)).collect();
    normalize(&mut values);
    values.iter().all(|v| *v <= limit)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn fixed(values: &[f32]) -> Vec<I32F32> {
        values.iter().map(|&v| I32F32::from_num(v)).collect()
    }

    /// The chain's quickselect, written out literally from chain.md §1.3. It serves as the
    /// reference the sort-based [`weighted_median`] is checked against.
    pub(crate) fn quickselect_median(
        stake: &[I32F32],
        score: &[I32F32],
        partition: &[usize],
        minority: I32F32,
        mut lo: I32F32,
        mut hi: I32F32,
    ) -> I32F32 {
        let mut idx = partition.to_vec();
        for _ in 0..=partition.len() {
            match idx.len() {
                0 => return ZERO,
                1 => return score[idx[0]],
                _ => {}
            }
            let pivot = score[idx[idx.len() / 2]];
            let (mut lower, mut upper) = (Vec::new(), Vec::new());
            let (mut ls, mut us) = (ZERO, ZERO);
            for &i in &idx {
                if score[i] < pivot {
                    ls += stake[i];
                    lower.push(i);
                } else if score[i] > pivot {
                    us += stake[i];
                    upper.push(i);
                }
            }
            if minority < lo + ls && !lower.is_empty() {
                hi = lo + ls;
                idx = lower;
            } else if hi - us <= minority && !upper.is_empty() {
                lo = hi - us;
                idx = upper;
            } else {
                return pivot;
            }
        }
        ZERO
    }

    fn median_1d(stake: &[f32], score: &[f32], minority: f32) -> I32F32 {
        let (stake, score) = (fixed(stake), fixed(score));
        let mut pairs: Vec<_> = score.iter().copied().zip(stake.iter().copied()).collect();
        let fast = weighted_median(&mut pairs, ZERO, I32F32::from_num(minority));
        let total = sum(&stake);
        let all: Vec<usize> = (0..stake.len()).collect();
        let reference = quickselect_median(&stake, &score, &all, I32F32::from_num(minority), ZERO, total);
        assert_eq!(fast, reference);
        fast
    }

    #[test]
    fn weighted_median_vectors_of_spec_1_3() {
        let minority = 1.0 - 0.51;
        assert_eq!(median_1d(&[0.49, 0.51], &[0.5, 1.0], minority), I32F32::from_num(1.0f32));
        assert_eq!(median_1d(&[0.51, 0.49], &[0.5, 1.0], minority), I32F32::from_num(0.5f32));
        assert_eq!(median_1d(&[0.49, 0.01, 0.5], &[0.5, 0.7, 1.0], minority), I32F32::from_num(0.7f32));
        assert_eq!(median_1d(&[0.49, 0.51, 0.0], &[0.5, 0.7, 1.0], minority), I32F32::from_num(0.7f32));
        assert_eq!(median_1d(&[0.0, 0.49, 0.51], &[0.5, 0.7, 1.0], minority), I32F32::from_num(1.0f32));
    }

    #[test]
    fn radix_select_matches_the_chain_quickselect_on_large_columns() {
        let mut seed = 0x5eed_1234_abcd_9876u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..400 {
            let len = 1 + (next() % 600) as usize;
            // Scores: full range, a narrow band, few distinct values, or tiny ones.
            let kind = round % 4;
            let score: Vec<I32F32> = (0..len)
                .map(|_| {
                    let r = next();
                    I32F32::from_bits(match kind {
                        0 => (r % (1 << 32)) as i64,
                        1 => (1 << 31) + (r % 1000) as i64,
                        2 => ((r % 5) << 30) as i64,
                        _ => (r % 300) as i64,
                    })
                })
                .collect();
            let mut stake: Vec<I32F32> =
                (0..len).map(|_| I32F32::from_bits(1 + (next() % (1 << 24)) as i64)).collect();
            normalize(&mut stake);
            let total = sum(&stake);
            let minority = total - I32F32::from_bits((next() % (1 << 33)) as i64);
            let all: Vec<usize> = (0..len).collect();
            let want = quickselect_median(&stake, &score, &all, minority, ZERO, total);
            let mut pairs: Vec<_> = score.iter().copied().zip(stake.iter().copied()).collect();
            assert_eq!(weighted_median(&mut pairs, ZERO, minority), want, "round {round}");
        }
    }

    #[test]
    fn weighted_median_edges() {
        assert_eq!(weighted_median(&mut [], ZERO, ZERO), ZERO);
        let one = I32F32::from_num(1);
        let mut single = [(I32F32::from_num(0.3), one)];
        assert_eq!(weighted_median(&mut single, ZERO, I32F32::from_num(5)), I32F32::from_num(0.3));
        // A negative minority (kappa above the total stake) picks the smallest score.
        let mut pairs = [(I32F32::from_num(0.9), one), (I32F32::from_num(0.4), one)];
        assert_eq!(weighted_median(&mut pairs, ZERO, -one), I32F32::from_num(0.4));
        assert_eq!(weighted_median(&mut pairs, one, -one), ZERO);
        // A minority at or above the total stake picks the largest.
        assert_eq!(weighted_median(&mut pairs, ZERO, I32F32::from_num(3)), I32F32::from_num(0.9));
    }

    fn upscale(values: &[f64]) -> Vec<u16> {
        let fixed: Vec<I32F32> = values.iter().map(|&v| I32F32::from_num(v as f32)).collect();
        vec_max_upscale_to_u16(&fixed)
    }

    #[test]
    fn vec_max_upscale_vectors_of_spec_1_2() {
        assert_eq!(upscale(&[0.0, 1.0]), [0, 65535]);
        assert_eq!(upscale(&[0.0, 0.000000001]), [0, 65535]);
        assert_eq!(upscale(&[0.0, 0.000016, 1.0]), [0, 1, 65535]);
        assert_eq!(
            upscale(&[0.000001, 0.000006, 0.000007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4]),
            [0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535]
        );
        assert_eq!(upscale(&[0.0, 0.5, 1.0, 1.5, 2.0, 32768.0]), [0, 1, 2, 3, 4, 65535]);
        assert_eq!(upscale(&[0.0, 0.5, 1.0, 1.5, 2.0, 32768.0, 32769.0]), [0, 1, 2, 3, 4, 65533, 65535]);
        let with_max = [
            ZERO,
            I32F32::from_num(1),
            I32F32::from_num(32768),
            I32F32::from_num(32769),
            I32F32::max_value(),
        ];
        assert_eq!(vec_max_upscale_to_u16(&with_max), [0, 0, 1, 1, 65535]);
        let from_u16 =
            |v: &[u16]| vec_max_upscale_to_u16(&v.iter().map(|&x| I32F32::from_num(x)).collect::<Vec<_>>());
        assert_eq!(from_u16(&[16383, 32767, 49149, 65535]), [16383, 32767, 49149, 65535]);
        assert_eq!(from_u16(&[43690, 21845]), [65535, 32768]);
        assert_eq!(upscale(&[0.0, 0.0]), [0, 0]);
        assert!(upscale(&[]).is_empty());
    }

    #[test]
    fn topk_nonzero_drops_zeros_and_lower_uids_on_ties() {
        let v = fixed(&[0.0, 0.25, 0.25, 0.5]);
        assert_eq!(is_topk_nonzero(&v, 2), [false, false, true, true]);
        assert_eq!(is_topk_nonzero(&v, 3), [false, true, true, true]);
        assert_eq!(is_topk_nonzero(&v, 8), [false, true, true, true]);
        assert_eq!(is_topk_nonzero(&v, 0), [false; 4]);
    }

    #[test]
    fn normalize_sums_to_one_or_leaves_zero() {
        let mut v = fixed(&[1.0, 3.0]);
        normalize(&mut v);
        assert_eq!(v, fixed(&[0.25, 0.75]));
        let mut z = fixed(&[0.0, 0.0]);
        normalize(&mut z);
        assert_eq!(z, fixed(&[0.0, 0.0]));
    }

    #[test]
    fn max_limited_check() {
        assert!(check_vec_max_limited(&[1, 1], 32768));
        assert!(!check_vec_max_limited(&[1, 3], 32768));
        assert!(check_vec_max_limited(&[], 0));
    }
}
