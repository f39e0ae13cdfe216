//! Sparse matrix primitives of chain.md §1.3.
//!
//! A [`SparseMatrix`] holds one row per uid, each row a list of `(column, value)` sorted by
//! column with no column twice, all rows in one buffer. Every function here keeps that
//! order. Work is proportional to the number of stored entries (plus the number of
//! columns for per-column vectors), never to `n²`, and the results equal the chain's
//! dense-row implementations entry for entry.

use crate::fixed::{add, mul, saturating_sum, sub, Divisor, NonNegativeSum, Scale, I32F32, ONE, ZERO};
use crate::vector::{weighted_median, weighted_median_by};
use std::cell::RefCell;
use std::cmp::Ordering;

/// One sparse row: `(column, value)` pairs sorted by column.
pub type SparseRow = Vec<(u16, I32F32)>;

/// A sparse matrix in compressed rows: row `i` is `entries[start[i]..start[i + 1]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SparseMatrix {
    start: Vec<usize>,
    entries: Vec<(u16, I32F32)>,
}

impl SparseMatrix {
    /// An empty matrix with room for `rows` rows and `entries` entries.
    pub fn with_capacity(rows: usize, entries: usize) -> SparseMatrix {
        let mut start = Vec::with_capacity(rows + 1);
        start.push(0);
        SparseMatrix { start, entries: spare_buffer(entries) }
    }

    /// A matrix of the given rows (each sorted by column).
    pub fn from_rows(rows: &[SparseRow]) -> SparseMatrix {
        let mut matrix = SparseMatrix::with_capacity(rows.len(), rows.iter().map(Vec::len).sum());
        rows.iter().for_each(|row| matrix.push_row(row));
        matrix
    }

    /// The rows as separate vectors.
    pub fn to_rows(&self) -> Vec<SparseRow> {
        self.rows().map(<[_]>::to_vec).collect()
    }

    /// Appends a row (sorted by column).
    pub fn push_row(&mut self, row: &[(u16, I32F32)]) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.entries.extend_from_slice(row);
        self.start.push(self.entries.len());
    }

    /// Appends the row that `fill` appends to the entry buffer (sorted by column).
    pub fn push_row_with(&mut self, fill: impl FnOnce(&mut Vec<(u16, I32F32)>)) -> &mut [(u16, I32F32)] {
        if self.start.is_empty() {
            self.start.push(0);
        }
        let from = self.entries.len();
        fill(&mut self.entries);
        self.start.push(self.entries.len());
        &mut self.entries[from..]
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Number of stored entries.
    pub fn n_entries(&self) -> usize {
        self.entries.len()
    }

    /// Row `i` (empty past the last row).
    pub fn row(&self, i: usize) -> &[(u16, I32F32)] {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a..b],
            _ => &[],
        }
    }

    /// The rows in order.
    pub fn rows(&self) -> impl Iterator<Item = &[(u16, I32F32)]> {
        self.start.windows(2).map(|w| &self.entries[w[0]..w[1]])
    }

    /// The rows in order, mutably.
    pub fn rows_mut(&mut self) -> impl Iterator<Item = &mut [(u16, I32F32)]> {
        let SparseMatrix { start, entries } = self;
        let mut rest = entries.as_mut_slice();
        start.windows(2).map(move |w| {
            let (row, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
            rest = tail;
            row
        })
    }

    /// Every entry, row after row.
    pub fn entries(&self) -> &[(u16, I32F32)] {
        &self.entries
    }

    /// Replaces each entry `(i, j, v)` by `f(i, j, v)`, dropping it where that is `None`.
    pub fn retain_map(&mut self, mut f: impl FnMut(usize, u16, I32F32) -> Option<I32F32>) {
        let mut kept = 0;
        let mut begin = 0;
        for i in 0..self.n_rows() {
            let end = self.start[i + 1];
            for k in begin..end {
                let (j, v) = self.entries[k];
                if let Some(v) = f(i, j, v) {
                    self.entries[kept] = (j, v);
                    kept += 1;
                }
            }
            begin = end;
            self.start[i + 1] = kept;
        }
        self.entries.truncate(kept);
    }
}

thread_local! {
    /// Entry buffers of dropped matrices, kept for the next matrices built on this thread.
    /// An epoch at n = 4096 fills two 16 MB matrices; memory the allocator hands out fresh
    /// costs a page fault per 4 KiB, about as much as the epoch's arithmetic.
    static SPARE: RefCell<Vec<Vec<(u16, I32F32)>>> = const { RefCell::new(Vec::new()) };
}

/// Most spare buffers kept per thread.
const SPARE_BUFFERS: usize = 4;
/// Buffers smaller than this are simply freed.
const SPARE_MIN_ENTRIES: usize = 4096;

/// An empty buffer for `entries` entries: the smallest spare one that fits, else the
/// largest spare one grown, else a new one.
fn spare_buffer(entries: usize) -> Vec<(u16, I32F32)> {
    let spare = SPARE
        .try_with(|spare| {
            let mut spare = spare.try_borrow_mut().ok()?;
            let fits = (0..spare.len()).filter(|&k| spare[k].capacity() >= entries);
            let pick = fits
                .min_by_key(|&k| spare[k].capacity())
                .or_else(|| (0..spare.len()).max_by_key(|&k| spare[k].capacity()))?;
            Some(spare.swap_remove(pick))
        })
        .ok()
        .flatten();
    let mut buffer = spare.unwrap_or_default();
    buffer.reserve(entries);
    buffer
}

impl Drop for SparseMatrix {
    fn drop(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        if entries.capacity() < SPARE_MIN_ENTRIES {
            return;
        }
        entries.clear();
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                if spare.len() < SPARE_BUFFERS {
                    spare.push(entries);
                }
            }
        });
    }
}

/// Reads stored `u16` rows into a sparse matrix of `n` rows and columns, keeping entry
/// `(i, j)` only where `keep(i, j)` holds (see [`read_row`]).
pub fn from_u16_rows(
    rows: &[Vec<(u16, u16)>],
    n: usize,
    convert: impl Fn(u16) -> I32F32,
    keep: impl Fn(usize, usize) -> bool,
) -> SparseMatrix {
    let mut matrix = SparseMatrix::with_capacity(n, rows.iter().take(n).map(Vec::len).sum());
    for i in 0..n {
        let stored = rows.get(i).map_or(&[][..], Vec::as_slice);
        matrix.push_read_row(stored, n, &convert, |j| keep(i, j));
    }
    matrix
}

impl SparseMatrix {
    /// Appends stored `u16` row `stored` as [`read_row`] reads it, straight into the
    /// matrix, and returns the new row.
    pub fn push_read_row(
        &mut self,
        stored: &[(u16, u16)],
        n: usize,
        convert: impl Fn(u16) -> I32F32,
        keep: impl Fn(usize) -> bool,
    ) -> &mut [(u16, I32F32)] {
        self.push_row_with(|entries| append_read(stored, n, convert, keep, entries))
    }
}

/// Reads one stored `u16` row into `row`, replacing its contents: columns `≥ n` and those
/// failing `keep` are left out, `convert` turns each stored value into a fixed-point one,
/// and the row is sorted by column (keeping the first entry of a repeated column).
pub fn read_row(
    stored: &[(u16, u16)],
    n: usize,
    convert: impl Fn(u16) -> I32F32,
    keep: impl Fn(usize) -> bool,
    row: &mut SparseRow,
) {
    row.clear();
    append_read(stored, n, convert, keep, row);
}

/// [`read_row`], appending to `out`: only the appended entries are sorted.
fn append_read(
    stored: &[(u16, u16)],
    n: usize,
    convert: impl Fn(u16) -> I32F32,
    keep: impl Fn(usize) -> bool,
    out: &mut Vec<(u16, I32F32)>,
) {
    let from = out.len();
    out.reserve(stored.len());
    for &(j, v) in stored {
        if usize::from(j) < n && keep(usize::from(j)) {
            out.push((j, convert(v)));
        }
    }
    let row = &mut out[from..];
    if !row.is_sorted_by(|a, b| a.0 < b.0) {
        // A stable sort keeps the first of a repeated column in front.
        row.sort_by_key(|&(j, _)| j);
        let mut kept = 0;
        for k in 0..row.len() {
            if kept == 0 || row[k].0 != row[kept - 1].0 {
                row[kept] = row[k];
                kept += 1;
            }
        }
        out.truncate(from + kept);
    }
}

/// Visits the union of two sorted rows in column order, with each side's value if present.
pub fn merge_rows(
    a: &[(u16, I32F32)],
    b: &[(u16, I32F32)],
    mut visit: impl FnMut(u16, Option<I32F32>, Option<I32F32>),
) {
    let (mut ia, mut ib) = (0, 0);
    loop {
        match (a.get(ia), b.get(ib)) {
            (None, None) => return,
            (Some(&(j, x)), None) => {
                visit(j, Some(x), None);
                ia += 1;
            }
            (None, Some(&(j, y))) => {
                visit(j, None, Some(y));
                ib += 1;
            }
            (Some(&(ja, x)), Some(&(jb, y))) => match ja.cmp(&jb) {
                Ordering::Less => {
                    visit(ja, Some(x), None);
                    ia += 1;
                }
                Ordering::Greater => {
                    visit(jb, None, Some(y));
                    ib += 1;
                }
                Ordering::Equal => {
                    visit(ja, Some(x), Some(y));
                    ia += 1;
                    ib += 1;
                }
            },
        }
    }
}

/// Divides each row by its sum when the sum is positive.
pub fn row_normalize(matrix: &mut SparseMatrix) {
    matrix.rows_mut().for_each(normalize_row);
}

/// Divides one row by its sum when the sum is positive.
pub fn normalize_row(row: &mut [(u16, I32F32)]) {
    let total = row_sum(row);
    if total > ZERO {
        let total = Divisor::new(total);
        for (_, v) in row.iter_mut() {
            *v = total.divide(*v);
        }
    }
}

/// The sum of one row.
pub fn row_sum(row: &[(u16, I32F32)]) -> I32F32 {
    // The upper and lower halves of the bits are summed apart, so that no sum overflows 64
    // bits (chunks of 2³¹ entries) and the loop needs no carries; any sign bit seen sends
    // the row to the chain of saturating adds.
    let mut total = 0u128;
    for chunk in row.chunks(1 << 31) {
        let (mut high, mut low, mut signs) = (0u64, 0u64, 0u64);
        for &(_, v) in chunk {
            let bits = v.to_bits() as u64;
            high += bits >> 32;
            low += bits & 0xFFFF_FFFF;
            signs |= bits;
        }
        if signs >> 63 != 0 {
            return saturating_sum(row.iter().map(|&(_, v)| v));
        }
        total += (u128::from(high) << 32) + u128::from(low);
    }
    I32F32::from_bits(total.min(i64::MAX as u128) as i64)
}

/// The sum of each of `n` columns, as chains of `saturating_add`s in row order give them:
/// with wide additions when no entry is negative (see [`saturating_sum`]).
pub fn col_sums(matrix: &SparseMatrix, n: usize) -> Vec<I32F32> {
    let mut wide = vec![NonNegativeSum::default(); n];
    for &(j, v) in matrix.entries() {
        if v.to_bits() < 0 {
            return saturating_col_sums(matrix, n);
        }
        if let Some(s) = wide.get_mut(j as usize) {
            s.add(v);
        }
    }
    wide.into_iter().map(NonNegativeSum::value).collect()
}

/// [`col_sums`] as the chain of `saturating_add`s itself, for matrices with negative entries.
fn saturating_col_sums(matrix: &SparseMatrix, n: usize) -> Vec<I32F32> {
    let mut sums = vec![ZERO; n];
    for &(j, v) in matrix.entries() {
        if let Some(s) = sums.get_mut(j as usize) {
            *s = add(*s, v);
        }
    }
    sums
}

/// Divides every entry by its column's sum where that sum is non-zero.
pub fn col_normalize(matrix: &mut SparseMatrix, n: usize) {
    let sums = col_sums(matrix, n);
    divide_columns(matrix, &sums);
}

/// Divides every entry by its column's maximum where that maximum is non-zero, so that
/// each column's largest entry becomes 1.
pub fn col_max_upscale(matrix: &mut SparseMatrix, n: usize) {
    let mut maxima = vec![ZERO; n];
    for &(j, v) in matrix.entries() {
        if let Some(m) = maxima.get_mut(j as usize) {
            if m.to_bits() < v.to_bits() {
                *m = v;
            }
        }
    }
    divide_columns(matrix, &maxima);
}

fn divide_columns(matrix: &mut SparseMatrix, divisors: &[I32F32]) {
    let divisors: Vec<Option<Divisor>> =
        divisors.iter().map(|&d| (d != ZERO).then(|| Divisor::new(d))).collect();
    matrix.retain_map(|_, j, v| match divisors.get(j as usize) {
        Some(Some(d)) => Some(d.divide(v)),
        _ => Some(v),
    });
}

/// Clips each entry at its column's consensus, in place: an entry above `C_j` becomes
/// `C_j`, or is dropped when `C_j ≤ 0`; other entries (zeros included) stay as they are.
pub fn col_clip(matrix: &mut SparseMatrix, consensus: &[I32F32]) {
    matrix.retain_map(|_, j, w| clip(w, consensus.get(j as usize).copied().unwrap_or(ZERO)));
}

/// One weight clipped at its column's consensus `c`: `None` when it is dropped.
pub fn clip(w: I32F32, c: I32F32) -> Option<I32F32> {
    // Whether a weight is above consensus is as good as random, so it is not branched
    // on (a plain `|` and a `min`); whether the entry stays is nearly always yes.
    let stays = (c.to_bits() >= w.to_bits()) | (c.to_bits() > 0);
    stays.then_some(w.min(c))
}

/// `Σ_j m_ij · vector_j` for each row.
pub fn matmul_transpose(matrix: &SparseMatrix, vector: &[I32F32]) -> Vec<I32F32> {
    matrix
        .rows()
        .map(|row| {
            row.iter().fold(ZERO, |acc, &(j, v)| {
                let x = vector.get(j as usize).copied().unwrap_or(ZERO);
                add(acc, mul(v, x))
            })
        })
        .collect()
}

/// Multiplies every entry of row `i` by `vector[i]`.
pub fn row_hadamard(matrix: &mut SparseMatrix, vector: &[I32F32]) {
    for (i, row) in matrix.rows_mut().enumerate() {
        let x = vector.get(i).copied().unwrap_or(ZERO);
        for (_, v) in row.iter_mut() {
            *v = mul(*v, x);
        }
    }
}

/// `A + r·(B − A)`: `A` verbatim when `r = 0`, `B` verbatim when `r = 1`, otherwise
/// computed per cell and kept where positive.
pub fn interpolate(a: SparseMatrix, b: SparseMatrix, ratio: I32F32) -> SparseMatrix {
    if ratio == ZERO {
        return a;
    }
    if ratio == ONE {
        return b;
    }
    let mut result = SparseMatrix::with_capacity(a.n_rows(), a.n_entries().max(b.n_entries()));
    for (ra, rb) in a.rows().zip(b.rows()) {
        result.push_row_with(|row| interpolate_row(ra, rb, ratio, row));
    }
    result
}

/// One row of [`interpolate`] for `0 < r < 1`, appended to `row`.
pub fn interpolate_row(a: &[(u16, I32F32)], b: &[(u16, I32F32)], ratio: I32F32, row: &mut SparseRow) {
    let ratio = Scale::new(ratio);
    merge_rows(a, b, |j, x, y| {
        let (x, y) = (x.unwrap_or(ZERO), y.unwrap_or(ZERO));
        let v = add(x, ratio.of(sub(y, x)));
        if v.to_bits() > 0 {
            row.push((j, v));
        }
    });
}

/// `α·new + (1 − α)·old` per cell, kept where positive (entries only in `old` decay).
pub fn mat_ema(new: &SparseMatrix, old: &SparseMatrix, alpha: I32F32) -> SparseMatrix {
    let mut result = SparseMatrix::with_capacity(new.n_rows(), new.n_entries().max(old.n_entries()));
    for (rn, ro) in new.rows().zip(old.rows()) {
        result.push_row_with(|row| ema_row(rn, ro, alpha, row));
    }
    result
}

/// One row of [`mat_ema`], appended to `row`.
pub fn ema_row(new: &[(u16, I32F32)], old: &[(u16, I32F32)], alpha: I32F32, row: &mut SparseRow) {
    let (alpha, one_minus_alpha) = (Scale::new(alpha), Scale::new(sub(ONE, alpha)));
    let ema = |x: I32F32, y: I32F32| add(alpha.of(x), one_minus_alpha.of(y));
    // The columns both rows share from the start (usually all of them, as bonds follow
    // weights) need no merge.
    let mut same = 0;
    for (&(j, x), &(k, y)) in new.iter().zip(old) {
        if j != k {
            break;
        }
        let v = ema(x, y);
        if v.to_bits() > 0 {
            row.push((j, v));
        }
        same += 1;
    }
    merge_rows(&new[same..], &old[same..], |j, x, y| {
        let v = ema(x.unwrap_or(ZERO), y.unwrap_or(ZERO));
        if v.to_bits() > 0 {
            row.push((j, v));
        }
    });
}

/// The per-cell EMA of Yuma3 with liquid alpha: `min(1, (1 − α_ij)·old_ij + max(0, α_ij·new_ij))`,
/// computed **only for the columns present in `new`'s row**, kept where positive.
/// Entries present only in `old` are dropped, not decayed.
///
/// `alpha[i][k]` is the coefficient of `new`'s row `i`, entry `k`.
pub fn mat_ema_alpha(new: &SparseMatrix, old: &SparseMatrix, alpha: &[Vec<I32F32>]) -> SparseMatrix {
    let mut result = SparseMatrix::with_capacity(new.n_rows(), new.n_entries());
    for ((rn, ro), ra) in new.rows().zip(old.rows()).zip(alpha) {
        let mut k = 0;
        let alpha = |_, _, _| {
            k += 1;
            ra.get(k - 1).copied().unwrap_or(ZERO)
        };
        result.push_row_with(|row| ema_alpha_row(rn, ro, alpha, row));
    }
    result
}

/// One row of [`mat_ema_alpha`], appended to `row`, with `alpha(j, new_ij, old_ij)` giving
/// each coefficient (called for the columns of `new`, in order).
pub fn ema_alpha_row(
    new: &[(u16, I32F32)],
    old: &[(u16, I32F32)],
    mut alpha: impl FnMut(u16, I32F32, I32F32) -> I32F32,
    row: &mut SparseRow,
) {
    merge_rows(new, old, |j, x, y| {
        let Some(x) = x else { return };
        let y = y.unwrap_or(ZERO);
        let a = alpha(j, x, y);
        let decayed = mul(sub(ONE, a), y);
        let bought = mul(a, x).max(ZERO);
        let v = add(decayed, bought).min(ONE);
        if v.to_bits() > 0 {
            row.push((j, v));
        }
    });
}

/// Stake-weighted median of each of `n` columns (chain.md §1.3, `weighted_median_col_sparse`).
///
/// Only rows with positive stake vote; their stakes are renormalised to `s'` and
/// `minority = Σs' − κ`. A voting row without an entry in a column scores zero there.
pub fn weighted_median_col(stake: &[I32F32], matrix: &SparseMatrix, n: usize, kappa: I32F32) -> Vec<I32F32> {
    let mut voters = Voters::new(&stake[..stake.len().min(matrix.n_rows())], n);
    for (i, row) in matrix.rows().enumerate() {
        voters.count_row(i, row);
    }
    voters.weighted_median_col(matrix, kappa)
}

/// The voters of [`weighted_median_col`] and what their rows hold per column, counted as
/// the rows go by (the epoch counts them while it builds the weights, so that the matrix
/// is read once less).
pub struct Voters {
    /// The rows with positive stake, in order.
    rows: Vec<usize>,
    /// Their stakes, renormalised.
    stake: Vec<I32F32>,
    /// How many of `rows` have been counted.
    counted: usize,
    columns: Columns,
}

impl Voters {
    /// The voters among rows with these stakes, for a matrix of `n` columns.
    pub fn new(stake: &[I32F32], n: usize) -> Voters {
        let rows: Vec<usize> = (0..stake.len()).filter(|&i| stake[i] > ZERO).collect();
        let mut voter_stake: Vec<I32F32> = rows.iter().map(|&i| stake[i]).collect();
        crate::vector::normalize(&mut voter_stake);
        let columns = Columns { count: vec![0; n], listed: vec![ZERO; n], score_bits: 0 };
        Voters { rows, stake: voter_stake, counted: 0, columns }
    }

    /// Counts row `i` of the matrix if it is a voter's. Rows are given in order.
    pub fn count_row(&mut self, i: usize, row: &[(u16, I32F32)]) {
        if self.rows.get(self.counted) != Some(&i) {
            return;
        }
        let Columns { count, listed, score_bits } = &mut self.columns;
        let (stake, n) = (self.stake[self.counted], count.len());
        for &(j, w) in row.iter().take_while(|&&(j, _)| usize::from(j) < n) {
            count[usize::from(j)] += 1;
            listed[usize::from(j)] = add(listed[usize::from(j)], stake);
            *score_bits |= w.to_bits() as u64;
        }
        self.counted += 1;
    }

    /// The stake-weighted median of each column of `matrix`, whose rows have all been
    /// counted.
    pub fn weighted_median_col(&self, matrix: &SparseMatrix, kappa: I32F32) -> Vec<I32F32> {
        let (voters, voter_stake, columns) = (&self.rows, &self.stake, &self.columns);
        debug_assert_eq!(self.counted, voters.len(), "every voter's row is counted");
        if voters.is_empty() {
            return vec![ZERO; columns.count.len()];
        }
        let total = crate::fixed::sum(voter_stake);
        let minority = total.saturating_sub(kappa);
        let unlisted = |listed: I32F32| total.saturating_sub(listed);

        // Scores are proportions, so a score's bits and its voter's index pack into one
        // 64-bit key, half the size of a (score, stake) pair. Anything else takes the pairs.
        if voters.len() <= 1 << VOTER_BITS && columns.score_bits < 1 << (63 - VOTER_BITS) {
            let vote = |voter: usize, score: I32F32| (score.to_bits() as u64) << VOTER_BITS | voter as u64;
            let score = |key: &u64| I32F32::from_bits((key >> VOTER_BITS) as i64);
            let stake = |key: &u64| voter_stake[(key & ((1 << VOTER_BITS) - 1)) as usize];
            by_column(voters, columns, matrix, vote, |votes, listed| {
                weighted_median_by(votes, score, stake, unlisted(listed), minority)
            })
        } else {
            let vote = |voter: usize, score: I32F32| (score, voter_stake[voter]);
            by_column(voters, columns, matrix, vote, |votes, listed| {
                weighted_median(votes, unlisted(listed), minority)
            })
        }
    }
}

/// Bits for the voter index in a packed vote.
const VOTER_BITS: u32 = 20;

/// Votes gathered per block of columns: the block buffer (512 KiB of packed votes) stays
/// in cache and is reused, instead of transposing the whole matrix at once.
const BLOCK_VOTES: usize = 1 << 16;

/// Free slots after each column's votes in the block buffer. Without them every column of
/// 256 votes starts a multiple of 2 KiB further on, and the columns' current cache lines
/// all fall in the same two sets of the first-level cache, evicting one another.
const COLUMN_PADDING: usize = 8;

/// What one pass over the voters' entries tells about the `n` columns.
struct Columns {
    /// Votes per column.
    count: Vec<usize>,
    /// Stake of the voters with an entry in each column.
    listed: Vec<I32F32>,
    /// The bits of every score, or-ed: below `2^k` exactly when every score is
    /// non-negative and below `2^k`.
    score_bits: u64,
}

/// `f(votes, listed)` for each column in order, where `votes` holds `vote(voter, score)`
/// for each voter with an entry in the column (in voter order) and `listed` is the stake
/// of those voters.
fn by_column<T: Copy + Default>(
    voters: &[usize],
    columns: &Columns,
    matrix: &SparseMatrix,
    vote: impl Fn(usize, I32F32) -> T,
    mut f: impl FnMut(&mut [T], I32F32) -> I32F32,
) -> Vec<I32F32> {
    let Columns { count, listed, .. } = columns;
    let n = count.len();
    // Each voter's position in its row: rows are sorted by column, so blocks of columns
    // are met in order.
    let mut cursor = vec![0usize; voters.len()];
    let mut buffer: Vec<T> = Vec::new();
    let mut next: Vec<usize> = Vec::new();
    let mut out = Vec::with_capacity(n);
    let mut first = 0;
    while first < n {
        let mut end = first + 1;
        let mut size = count[first] + COLUMN_PADDING;
        while end < n && size + count[end] + COLUMN_PADDING <= BLOCK_VOTES {
            size += count[end] + COLUMN_PADDING;
            end += 1;
        }
        // Every slot a vote goes to is written before it is read, so the buffer is only
        // ever grown, never cleared.
        if buffer.len() < size {
            buffer.resize(size, T::default());
        }
        next.clear();
        next.extend(count[first..end].iter().scan(0, |at, &c| {
            let start = *at;
            *at += c + COLUMN_PADDING;
            Some(start)
        }));
        for (voter, &i) in voters.iter().enumerate() {
            let row = matrix.row(i);
            while let Some(&(j, score)) = row.get(cursor[voter]).filter(|&&(j, _)| usize::from(j) < end) {
                let slot = &mut next[usize::from(j) - first];
                buffer[*slot] = vote(voter, score);
                *slot += 1;
                cursor[voter] += 1;
            }
        }
        let mut from = 0;
        for j in first..end {
            out.push(f(&mut buffer[from..from + count[j]], listed[j]));
            from += count[j] + COLUMN_PADDING;
        }
        first = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::tests::{fixed, quickselect_median};

    fn dense_to_sparse(rows: &[&[f32]]) -> SparseMatrix {
        let rows: Vec<SparseRow> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(j, &v)| (j as u16, I32F32::from_num(v)))
                    .collect()
            })
            .collect();
        SparseMatrix::from_rows(&rows)
    }

    fn m(rows: Vec<SparseRow>) -> SparseMatrix {
        SparseMatrix::from_rows(&rows)
    }

    #[test]
    fn column_sums_saturate_as_the_chain_does() {
        let (big, one) = (I32F32::max_value(), ONE);
        // Non-negative: wide sums, saturated once.
        let plain = m(vec![vec![(0, big), (1, one)], vec![(0, one), (1, one)]]);
        assert_eq!(col_sums(&plain, 2), vec![big, I32F32::from_num(2)]);
        // A negative entry: the chain in row order (MAX, then +1 stays MAX, then −1).
        let mixed = m(vec![vec![(0, big)], vec![(0, one)], vec![(0, -one)]]);
        assert_eq!(col_sums(&mixed, 1), vec![big - one]);
        assert_eq!(row_sum(&[(0, big), (1, one), (2, -one)]), big - one);
        // Non-negative rows: the halves summed apart, saturated once.
        assert_eq!(row_sum(&[(0, big), (1, one)]), big);
        let halves = [(0, I32F32::from_bits(0xffff_ffff)), (1, I32F32::from_bits(0x1_0000_0001))];
        assert_eq!(row_sum(&halves), I32F32::from_bits(0x2_0000_0000));
        assert_eq!(row_sum(&[]), ZERO);
    }

    #[test]
    fn dropped_matrices_lend_their_buffers_to_the_next_ones() {
        let big = SparseMatrix::from_rows(&vec![vec![(1, ONE); 100]; 100]);
        let capacity = big.entries.capacity();
        drop(big);
        let mut next = SparseMatrix::with_capacity(3, 10);
        assert!(next.entries.capacity() >= capacity, "the spare buffer is reused");
        assert_eq!((next.n_rows(), next.n_entries()), (0, 0), "and starts empty");
        next.push_row(&[(0, ONE)]);
        assert_eq!(next.to_rows(), vec![vec![(0, ONE)]]);
    }

    #[test]
    fn weighted_median_col_vectors_of_spec_1_3() {
        let w = dense_to_sparse(&[&[0.0, 0.1, 0.0], &[0.0, 0.2, 0.4], &[0.0, 0.3, 0.1], &[0.0, 0.4, 0.5]]);
        let stake = fixed(&[0.0, 0.75, 0.25, 0.0]);
        let k = |x: f32| I32F32::from_num(x);
        assert_eq!(weighted_median_col(&stake, &w, 3, k(0.24)), fixed(&[0.0, 0.3, 0.4]));
        assert_eq!(weighted_median_col(&stake, &w, 3, k(0.26)), fixed(&[0.0, 0.2, 0.4]));
        assert_eq!(weighted_median_col(&stake, &w, 3, k(0.76)), fixed(&[0.0, 0.2, 0.1]));
        let w = dense_to_sparse(&[&[0.0, 0.1, 0.0], &[0.0, 0.2, 0.4], &[0.0, 0.3, 0.1], &[0.0, 0.0, 0.5]]);
        let stake = fixed(&[0.0, 0.3, 0.2, 0.5]);
        assert_eq!(weighted_median_col(&stake, &w, 3, k(0.51)), fixed(&[0.0, 0.0, 0.4]));
    }

    #[test]
    fn weighted_median_col_matches_the_chain_quickselect() {
        // Deterministic pseudo-random matrices with many ties and explicit zeros.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _ in 0..300 {
            let (rows, n) = (1 + next(9) as usize, 1 + next(6) as usize);
            let mut stake: Vec<I32F32> = (0..rows).map(|_| I32F32::from_num(next(4))).collect();
            crate::vector::normalize(&mut stake);
            let mut dense: Vec<SparseRow> = vec![Vec::new(); rows];
            for row in dense.iter_mut() {
                for j in 0..n as u16 {
                    if next(3) > 0 {
                        row.push((j, I32F32::from_num(next(4)) / 4));
                    }
                }
            }
            let matrix = SparseMatrix::from_rows(&dense);
            let kappa = I32F32::from_num(next(11)) / 10;
            let fast = weighted_median_col(&stake, &matrix, n, kappa);

            let voters: Vec<usize> = (0..rows).filter(|&i| stake[i] > ZERO).collect();
            let mut s: Vec<I32F32> = voters.iter().map(|&i| stake[i]).collect();
            crate::vector::normalize(&mut s);
            let total = crate::fixed::sum(&s);
            let idx: Vec<usize> = (0..s.len()).collect();
            for (j, got) in fast.iter().enumerate() {
                let score: Vec<I32F32> = voters
                    .iter()
                    .map(|&i| matrix.row(i).iter().find(|e| e.0 as usize == j).map_or(ZERO, |e| e.1))
                    .collect();
                let want = quickselect_median(&s, &score, &idx, total - kappa, ZERO, total);
                assert_eq!(*got, want, "column {j} of {matrix:?} stake {stake:?} kappa {kappa}");
            }
        }
    }

    #[test]
    fn scores_that_do_not_pack_take_the_general_median() {
        let big = I32F32::from_num(1 << 20);
        let w = m(vec![vec![(0, big)], vec![(0, ONE)], vec![(0, I32F32::from_num(2))]]);
        let stake = fixed(&[0.5, 0.25, 0.25]);
        assert_eq!(weighted_median_col(&stake, &w, 1, I32F32::from_num(0.5)), vec![big]);
        assert_eq!(weighted_median_col(&stake, &w, 1, I32F32::from_num(0.6)), vec![I32F32::from_num(2)]);
    }

    #[test]
    fn col_clip_drops_entries_above_a_zero_consensus_and_keeps_zeros() {
        let mut w =
            m(vec![vec![(0, ZERO), (1, I32F32::from_num(0.5)), (2, I32F32::from_num(0.5))], vec![(2, ONE)]]);
        col_clip(&mut w, &fixed(&[0.0, 0.25, 0.0]));
        assert_eq!(w.to_rows(), vec![vec![(0, ZERO), (1, I32F32::from_num(0.25))], vec![]]);
    }

    #[test]
    fn interpolate_endpoints_are_verbatim() {
        let a = m(vec![vec![(0, ZERO), (1, ONE)]]);
        let b = m(vec![vec![(1, I32F32::from_num(0.5))]]);
        assert_eq!(interpolate(a.clone(), b.clone(), ZERO), a);
        assert_eq!(interpolate(a.clone(), b.clone(), ONE), b);
        assert_eq!(
            interpolate(a, b, I32F32::from_num(0.5)).to_rows(),
            vec![vec![(1, I32F32::from_num(0.75))]]
        );
    }

    #[test]
    fn mat_ema_decays_old_only_entries() {
        let new = m(vec![vec![(1, ONE)]]);
        let old = m(vec![vec![(0, ONE)]]);
        let alpha = I32F32::from_num(0.25);
        assert_eq!(mat_ema(&new, &old, alpha).to_rows(), vec![vec![(0, I32F32::from_num(0.75)), (1, alpha)]]);
    }

    #[test]
    fn ema_row_matches_the_cell_by_cell_merge() {
        // Shared leading columns (with cells that come out zero and are dropped), then
        // columns only one side has.
        let q = |v: f64| I32F32::from_num(v);
        let new = [(0, q(0.5)), (1, ZERO), (2, q(0.25)), (4, q(1.0)), (6, ZERO)];
        let old = [(0, q(0.5)), (1, ZERO), (2, ZERO), (3, q(1.0)), (6, q(0.5))];
        let alpha = q(0.25);
        let mut merged = Vec::new();
        merge_rows(&new, &old, |j, x, y| {
            let v = mul(alpha, x.unwrap_or(ZERO)).saturating_add(mul(ONE - alpha, y.unwrap_or(ZERO)));
            if v > ZERO {
                merged.push((j, v));
            }
        });
        let mut row = vec![(9, ONE)];
        ema_row(&new, &old, alpha, &mut row);
        assert_eq!(row[0], (9, ONE), "what the row held stays");
        assert_eq!(row[1..], merged[..]);
        assert_eq!(merged.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 2, 3, 4, 6]);
    }

    #[test]
    fn mat_ema_alpha_dense_vector_of_spec_1_3() {
        let old_rows: [[f64; 3]; 4] =
            [[0.1, 0.2, 3.0], [0.04, 0.05, 0.06], [0.07, 0.08, 0.09], [0.1, 0.11, 0.12]];
        let new_rows: [[f64; 3]; 4] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]];
        let to_sparse = |rows: &[[f64; 3]; 4]| -> SparseMatrix {
            m(rows
                .iter()
                .map(|r| r.iter().enumerate().map(|(j, &v)| (j as u16, I32F32::from_num(v))).collect())
                .collect())
        };
        let (old, new) = (to_sparse(&old_rows), to_sparse(&new_rows));
        let uniform = |a: f64| vec![vec![I32F32::from_num(a); 3]; 4];
        let want = [[0.19, 0.38, 1.0], [0.436, 0.545, 0.6539], [0.763, 0.8719, 0.981], [1.0, 1.0, 1.0]];
        let got = mat_ema_alpha(&new, &old, &uniform(0.1));
        for (row, want_row) in got.rows().zip(want) {
            for (&(_, v), w) in row.iter().zip(want_row) {
                // The spec rounds its table to four digits.
                assert!((v.to_num::<f64>() - w).abs() < 2e-4, "{v} vs {w}");
            }
        }
        let min_one = |rows: &[[f64; 3]; 4]| to_sparse(&rows.map(|r| r.map(|v| v.min(1.0))));
        assert_eq!(mat_ema_alpha(&new, &old, &uniform(0.0)), min_one(&old_rows));
        assert_eq!(mat_ema_alpha(&new, &old, &uniform(1.0)), min_one(&new_rows));
    }

    #[test]
    fn mat_ema_alpha_drops_columns_absent_from_new() {
        let new = m(vec![vec![(1, ZERO)]]);
        let old = m(vec![vec![(0, ONE), (1, ONE)]]);
        let alpha = vec![vec![I32F32::from_num(0.5)]];
        assert_eq!(mat_ema_alpha(&new, &old, &alpha).to_rows(), vec![vec![(1, I32F32::from_num(0.5))]]);
    }

    #[test]
    fn reading_rows_sorts_dedups_and_bounds() {
        let rows = vec![vec![(2, 5), (0, 7), (9, 1), (2, 6)], vec![(0, 1)], vec![(0, 1)], vec![(1, 1)]];
        let read = from_u16_rows(&rows, 3, crate::fixed::u16_to_fixed, |_, j| j != 1);
        assert_eq!(read.n_rows(), 3);
        assert_eq!(read.row(0), [(0, I32F32::from_num(7)), (2, I32F32::from_num(5))]);
        assert_eq!(read.row(1), [(0, ONE)]);
        assert_eq!(read.row(2), [(0, ONE)]);
        assert!(read.row(3).is_empty());
    }

    #[test]
    fn row_normalisation_skips_empty_and_zero_rows() {
        let mut w =
            m(vec![vec![(0, I32F32::from_num(1)), (2, I32F32::from_num(3))], vec![], vec![(1, ZERO)]]);
        row_normalize(&mut w);
        assert_eq!(
            w.to_rows(),
            vec![vec![(0, I32F32::from_num(0.25)), (2, I32F32::from_num(0.75))], vec![], vec![(1, ZERO)]]
        );
    }

    #[test]
    fn column_normalisation_and_upscale() {
        let mut w = m(vec![vec![(0, I32F32::from_num(1)), (1, ZERO)], vec![(0, I32F32::from_num(3))]]);
        col_normalize(&mut w, 2);
        assert_eq!(
            w.to_rows(),
            vec![vec![(0, I32F32::from_num(0.25)), (1, ZERO)], vec![(0, I32F32::from_num(0.75))]]
        );
        col_max_upscale(&mut w, 2);
        assert_eq!(w.row(1), [(0, ONE)]);
        assert_eq!(w.row(0)[0].1, crate::fixed::safe_div(I32F32::from_num(0.25), I32F32::from_num(0.75)));
    }
}
