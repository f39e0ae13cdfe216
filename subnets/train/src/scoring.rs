//! The validator's checks of one window's gradients, in order: answered, in sync with its
//! model, well formed, not a copy, not an outlier in size, and lowering the loss on the
//! miner's own shard and, counting both, on its own plus a random shard (a gradient fitted
//! to nothing real helps neither). A gradient that passes scores the sum of the two loss
//! reductions.

use bittensor::primitives::Uid;
use bittensor::scoring::Origin;

use crate::compress::{cosine, norm, Sparse};
use crate::data::{shard_of, Dataset};
use crate::model::Model;

/// One miner's answer in a window.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The miner.
    pub uid: Uid,
    /// The block the miner registered at.
    pub registered: u64,
    /// Seconds from request to answer.
    pub arrival: f64,
    /// The model version it says it used.
    pub computed_on: Option<u64>,
    /// The gradient, if one came back.
    pub gradient: Option<Sparse>,
}

/// Why a gradient was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// No answer in time.
    Missing,
    /// Computed on another model version.
    OutOfSync {
        /// The version it used.
        got: Option<u64>,
    },
    /// Not a valid sparse vector of at most k entries.
    Malformed,
    /// Nearly the same entries as `of`'s gradient, which came in first.
    Copy {
        /// The uid that answered first.
        of: Uid,
    },
    /// Far larger than the window's typical gradient.
    Outlier {
        /// Its norm over the median norm.
        ratio: f64,
    },
    /// It did not lower the loss on its own shard, or on the two shards together.
    NoGain {
        /// Loss reduction on the miner's shard.
        own: f64,
        /// Loss reduction on the random shard.
        random: f64,
    },
}

/// The verdict on one submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Accepted, with its score.
    Accepted {
        /// Loss reduction on the miner's own shard.
        own: f64,
        /// Loss reduction on the random shard.
        random: f64,
    },
    /// Refused.
    Rejected(Rejection),
}

impl Verdict {
    /// The window score: the summed loss reductions, or 0.
    pub fn score(&self) -> f64 {
        match self {
            Verdict::Accepted { own, random } => own + random,
            Verdict::Rejected(_) => 0.0,
        }
    }
}

/// Index overlap at or above which two gradients may be copies.
pub const COPY_OVERLAP: f64 = 0.9;
/// Cosine similarity at or above which two overlapping gradients are copies.
pub const COPY_COSINE: f64 = 0.999;
/// Largest norm accepted, as a multiple of the window's median norm.
pub const MAX_NORM_RATIO: f64 = 4.0;

/// The rules of one window.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// The data.
    pub data: &'a Dataset,
    /// The validator's model.
    pub model: &'a Model,
    /// Its version.
    pub version: u64,
    /// The window's seed (block hash).
    pub seed: &'a [u8; 32],
    /// Step size used to measure loss reductions (and to apply the result).
    pub lr: f32,
    /// Most entries a gradient may have.
    pub top_k: usize,
}

impl Window<'_> {
    /// The verdict on every submission, in order.
    pub fn judge(&self, submissions: &[Submission]) -> Vec<Verdict> {
        let len = self.model.weights.len();
        let mut dense: Vec<Result<Vec<f32>, Rejection>> = submissions
            .iter()
            .map(|s| {
                let gradient = s.gradient.as_ref().ok_or(Rejection::Missing)?;
                if s.computed_on != Some(self.version) {
                    return Err(Rejection::OutOfSync { got: s.computed_on });
                }
                gradient.to_dense(len, self.top_k).ok_or(Rejection::Malformed)
            })
            .collect();
        mark_copies(submissions, &mut dense);
        mark_outliers(&mut dense);
        submissions
            .iter()
            .zip(dense)
            .map(|(s, d)| match d {
                Ok(gradient) => self.loss_gains(s.uid, &gradient),
                Err(why) => Verdict::Rejected(why),
            })
            .collect()
    }

    fn loss_gains(&self, uid: Uid, gradient: &[f32]) -> Verdict {
        let shards = &self.data.shards;
        let own = &shards[shard_of(self.seed, uid, b"train", shards.len())];
        let random = &shards[shard_of(self.seed, uid, b"check", shards.len())];
        let after = self.model.stepped(gradient, self.lr);
        let gain = |shard: &[usize]| self.model.loss(self.data, shard) - after.loss(self.data, shard);
        let (own, random) = (gain(own), gain(random));
        if own > 0.0 && own + random > 0.0 {
            Verdict::Accepted { own, random }
        } else {
            Verdict::Rejected(Rejection::NoGain { own, random })
        }
    }
}

pub use bittensor::scoring::SAME_TIME;

/// Whether `a` counts as the original against an identical `b` ([`Origin::precedes`]).
fn precedes(a: &Submission, b: &Submission) -> bool {
    let origin = |x: &Submission| Origin { arrival: x.arrival, registered: x.registered, uid: x.uid };
    origin(a).precedes(&origin(b))
}

/// Marks as copies the gradients nearly identical (index overlap ≥ [`COPY_OVERLAP`],
/// cosine ≥ [`COPY_COSINE`]) to another one that [`precedes`] them.
fn mark_copies(submissions: &[Submission], dense: &mut [Result<Vec<f32>, Rejection>]) {
    let valid: Vec<usize> = (0..submissions.len()).filter(|&i| dense[i].is_ok()).collect();
    let similar = |a: usize, b: usize| {
        let (Some(sa), Some(sb)) = (&submissions[a].gradient, &submissions[b].gradient) else { return false };
        let (Ok(da), Ok(db)) = (&dense[a], &dense[b]) else { return false };
        sa.overlap(sb) >= COPY_OVERLAP && cosine(da, db) >= COPY_COSINE
    };
    let copies: Vec<(usize, Uid)> = valid
        .iter()
        .filter_map(|&copy| {
            let original = valid
                .iter()
                .copied()
                .find(|&o| o != copy && similar(o, copy) && precedes(&submissions[o], &submissions[copy]))?;
            Some((copy, submissions[original].uid))
        })
        .collect();
    for (copy, of) in copies {
        dense[copy] = Err(Rejection::Copy { of });
    }
}

/// Refuses gradients more than [`MAX_NORM_RATIO`] times the median norm.
fn mark_outliers(dense: &mut [Result<Vec<f32>, Rejection>]) {
    let mut norms: Vec<f64> = dense.iter().filter_map(|d| d.as_ref().ok()).map(|g| norm(g)).collect();
    if norms.is_empty() {
        return;
    }
    norms.sort_by(f64::total_cmp);
    let median = norms[norms.len() / 2];
    for d in dense.iter_mut() {
        let ratio = match d {
            Ok(g) if median > 0.0 => norm(g) / median,
            _ => continue,
        };
        if ratio > MAX_NORM_RATIO {
            *d = Err(Rejection::Outlier { ratio });
        }
    }
}

/// The mean of the accepted gradients (zeros when none was accepted).
pub fn aggregate(len: usize, top_k: usize, submissions: &[Submission], verdicts: &[Verdict]) -> Vec<f32> {
    let accepted: Vec<Vec<f32>> = submissions
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| matches!(v, Verdict::Accepted { .. }))
        .filter_map(|(s, _)| s.gradient.as_ref()?.to_dense(len, top_k))
        .collect();
    let mut mean = vec![0.0f32; len];
    for g in &accepted {
        mean.iter_mut().zip(g).for_each(|(m, v)| *m += v / accepted.len() as f32);
    }
    mean
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: usize = 64;

    fn honest(window: &Window, uid: Uid) -> Sparse {
        let shards = &window.data.shards;
        let shard = &shards[shard_of(window.seed, uid, b"train", shards.len())];
        Sparse::top_k(&window.model.gradient(window.data, shard), K)
    }

    fn submit(uid: Uid, arrival: f64, version: u64, gradient: Sparse) -> Submission {
        Submission {
            uid,
            registered: u64::from(uid),
            arrival,
            computed_on: Some(version),
            gradient: Some(gradient),
        }
    }

    #[test]
    fn honest_gradients_pass_and_every_adversary_is_refused() {
        let data = Dataset::digits();
        let mut model = Model::zeros(&data);
        for round in 0..12u8 {
            let seed = [round; 32];
            let window = Window {
                data: &data,
                model: &model,
                version: u64::from(round),
                seed: &seed,
                lr: 0.5,
                top_k: K,
            };
            let v = window.version;
            let copied = honest(&window, 1);
            let mut poison = honest(&window, 4);
            poison.values.iter_mut().for_each(|x| *x *= 25.0);
            let noise = Sparse {
                indices: (0..K as u32).map(|i| i * 10).collect(),
                values: (0..K).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.01).collect(),
            };
            let submissions = vec![
                submit(1, 0.010, v, honest(&window, 1)),
                submit(2, 0.012, v, honest(&window, 2)),
                submit(3, 0.011, v, honest(&window, 3)),
                submit(4, 0.013, v, poison),
                submit(5, 0.015, v, copied),
                submit(6, 0.009, v, Sparse::default()),
                submit(7, 0.009, v.wrapping_sub(1), honest(&window, 7)),
                Submission { uid: 8, registered: 8, arrival: 2.0, computed_on: None, gradient: None },
                submit(9, 0.009, v, noise),
            ];
            let verdicts = window.judge(&submissions);
            for verdict in &verdicts[..3] {
                assert!(matches!(verdict, Verdict::Accepted { .. }), "round {round}: {verdict:?}");
            }
            assert!(matches!(verdicts[3], Verdict::Rejected(Rejection::Outlier { .. })), "{:?}", verdicts[3]);
            assert_eq!(verdicts[4], Verdict::Rejected(Rejection::Copy { of: 1 }));
            assert!(matches!(verdicts[5], Verdict::Rejected(Rejection::NoGain { .. })), "{:?}", verdicts[5]);
            assert!(matches!(verdicts[6], Verdict::Rejected(Rejection::OutOfSync { .. })));
            assert_eq!(verdicts[7], Verdict::Rejected(Rejection::Missing));
            assert!(
                verdicts[8].score() < verdicts[0].score().min(verdicts[1].score()).min(verdicts[2].score())
            );
            let step = aggregate(model.weights.len(), K, &submissions, &verdicts);
            model = model.stepped(&step, 0.5);
        }
        assert!(model.accuracy(&data, &data.test) > 0.7);
    }

    #[test]
    fn a_poisoned_gradient_alone_raises_the_loss() {
        let data = Dataset::digits();
        let model = Model::zeros(&data);
        let seed = [7; 32];
        let window = Window { data: &data, model: &model, version: 0, seed: &seed, lr: 0.5, top_k: K };
        let mut poison = honest(&window, 4);
        poison.values.iter_mut().for_each(|x| *x *= 25.0);
        let verdicts = window.judge(&[submit(4, 0.0, 0, poison)]);
        assert!(matches!(verdicts[0], Verdict::Rejected(Rejection::NoGain { .. })), "{:?}", verdicts[0]);
    }
}
