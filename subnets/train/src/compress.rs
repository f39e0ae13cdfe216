//! Top-k gradient compression: only the k largest entries by magnitude travel.

use serde::{Deserialize, Serialize};

/// A sparse vector: ascending unique indices and their values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sparse {
    /// Positions in the dense vector.
    pub indices: Vec<u32>,
    /// Values at those positions.
    pub values: Vec<f32>,
}

impl Sparse {
    /// The `k` entries of `dense` with the largest magnitude (ties to the lower index).
    pub fn top_k(dense: &[f32], k: usize) -> Sparse {
        let mut order: Vec<usize> = (0..dense.len()).collect();
        order.sort_by(|&a, &b| dense[b].abs().total_cmp(&dense[a].abs()).then(a.cmp(&b)));
        order.truncate(k);
        order.sort_unstable();
        Sparse {
            indices: order.iter().map(|&i| i as u32).collect(),
            values: order.iter().map(|&i| dense[i]).collect(),
        }
    }

    /// The dense vector of length `len`, or `None` when the entries are not a valid
    /// sparse vector of at most `k` entries: lengths differ, an index is out of range or
    /// repeated, or a value is not finite.
    pub fn to_dense(&self, len: usize, k: usize) -> Option<Vec<f32>> {
        if self.indices.len() != self.values.len() || self.indices.len() > k {
            return None;
        }
        let mut dense = vec![0.0; len];
        let mut seen = vec![false; len];
        for (&i, &v) in self.indices.iter().zip(&self.values) {
            let i = i as usize;
            if i >= len || seen[i] || !v.is_finite() {
                return None;
            }
            seen[i] = true;
            dense[i] = v;
        }
        Some(dense)
    }

    /// Shared indices over the larger index count, in [0, 1].
    pub fn overlap(&self, other: &Sparse) -> f64 {
        let larger = self.indices.len().max(other.indices.len());
        if larger == 0 {
            return 0.0;
        }
        let mine: std::collections::HashSet<u32> = self.indices.iter().copied().collect();
        other.indices.iter().filter(|i| mine.contains(i)).count() as f64 / larger as f64
    }
}

/// Euclidean norm.
pub fn norm(v: &[f32]) -> f64 {
    v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt()
}

/// Cosine similarity (0 when either vector is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        dot / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_largest_magnitudes_in_index_order() {
        let sparse = Sparse::top_k(&[0.1, -3.0, 0.0, 2.0, -0.5], 3);
        assert_eq!(sparse.indices, vec![1, 3, 4]);
        assert_eq!(sparse.values, vec![-3.0, 2.0, -0.5]);
        assert_eq!(sparse.to_dense(5, 3), Some(vec![0.0, -3.0, 0.0, 2.0, -0.5]));
    }

    #[test]
    fn invalid_sparse_vectors_are_refused() {
        let bad = |indices: Vec<u32>, values: Vec<f32>| Sparse { indices, values }.to_dense(4, 3);
        assert_eq!(bad(vec![0, 1], vec![1.0]), None);
        assert_eq!(bad(vec![0, 4], vec![1.0, 1.0]), None);
        assert_eq!(bad(vec![2, 2], vec![1.0, 1.0]), None);
        assert_eq!(bad(vec![1], vec![f32::NAN]), None);
        assert_eq!(bad(vec![0, 1, 2, 3], vec![1.0; 4]), None, "more than k entries");
    }

    #[test]
    fn overlap_and_cosine() {
        let a = Sparse { indices: vec![1, 2, 3, 4], values: vec![1.0; 4] };
        let b = Sparse { indices: vec![3, 4, 5, 6], values: vec![1.0; 4] };
        assert_eq!(a.overlap(&b), 0.5);
        assert_eq!(a.overlap(&a), 1.0);
        assert!((cosine(&[1.0, 0.0], &[2.0, 0.0]) - 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
