//! The digits data set (8×8 images of handwritten digits, 10 classes), its fixed
//! train/held-out split, and the seeded assignment of training shards to miners.

use bittensor::primitives::{hashing::blake2_256, Uid};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Examples as rows of features in [0, 1], with class labels.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Features per example.
    pub features: usize,
    /// Number of classes.
    pub classes: usize,
    x: Vec<f32>,
    y: Vec<usize>,
    /// Held-out examples (never in a shard).
    pub test: Vec<usize>,
    /// Training shards.
    pub shards: Vec<Vec<usize>>,
}

/// Examples kept out of training.
pub const HELD_OUT: usize = 397;
/// Examples per shard.
pub const SHARD_SIZE: usize = 50;

impl Dataset {
    /// The digits data (1,797 examples, 64 pixels scaled from 0..16 to [0, 1]), split the
    /// same way on every machine: 397 held out, the rest in shards of 50.
    pub fn digits() -> Dataset {
        let raw = smartcore::dataset::digits::load_dataset();
        let x = raw.data.iter().map(|&p| p / 16.0).collect();
        let y: Vec<usize> = raw.target.iter().map(|&t| t as usize).collect();
        let mut order: Vec<usize> = (0..raw.num_samples).collect();
        order.shuffle(&mut SmallRng::seed_from_u64(0x6469_6769_7473));
        let test = order[..HELD_OUT].to_vec();
        let shards = order[HELD_OUT..].chunks(SHARD_SIZE).map(<[usize]>::to_vec).collect();
        let classes = y.iter().max().map_or(0, |m| m + 1);
        Dataset { features: raw.num_features, classes, x, y, test, shards }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The features of example `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    /// The class of example `i`.
    pub fn label(&self, i: usize) -> usize {
        self.y[i]
    }
}

/// The shard `uid` works on (`purpose` b"train") or is checked on (b"check") in the
/// window with `seed`. The shards are ordered by BLAKE2b-256 of (seed, purpose, shard)
/// and uid `u` takes the `u mod shards`-th, so that up to `shards` uids all get different
/// shards and no two honest miners send the same gradient.
pub fn shard_of(seed: &[u8; 32], uid: Uid, purpose: &[u8], shards: usize) -> usize {
    let mut order: Vec<(u64, usize)> = (0..shards.max(1))
        .map(|shard| {
            let hash = blake2_256(&[seed.as_slice(), purpose, &(shard as u32).to_le_bytes()].concat());
            (
                u64::from_le_bytes([hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7]]),
                shard,
            )
        })
        .collect();
    order.sort_unstable();
    order[usize::from(uid) % order.len()].1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_split_into_held_out_and_disjoint_shards() {
        let data = Dataset::digits();
        assert_eq!((data.len(), data.features, data.classes), (1797, 64, 10));
        assert!(data.row(5).iter().all(|p| (0.0..=1.0).contains(p)));
        let mut seen: Vec<usize> = data.test.iter().chain(data.shards.iter().flatten()).copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1797).collect::<Vec<_>>());
        assert_eq!(data.shards.len(), 28);
        assert_eq!(Dataset::digits().test, data.test, "the split is the same every time");
    }

    #[test]
    fn shards_depend_on_seed_uid_and_purpose() {
        let a = [1u8; 32];
        let picks: Vec<usize> = (0..50).map(|uid| shard_of(&a, uid, b"train", 28)).collect();
        assert!(picks.iter().all(|&s| s < 28));
        let distinct: std::collections::HashSet<_> = picks[..28].iter().collect();
        assert_eq!(distinct.len(), 28, "the first 28 uids all get different shards");
        assert_eq!(shard_of(&a, 3, b"train", 28), picks[3]);
        let moved =
            (0..50).filter(|&uid| shard_of(&[2; 32], uid, b"train", 28) != picks[uid as usize]).count();
        assert!(moved > 30);
        let differ = (0..50).filter(|&uid| shard_of(&a, uid, b"check", 28) != picks[uid as usize]).count();
        assert!(differ > 30);
    }
}
