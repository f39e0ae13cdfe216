//! Scoring: the continuous ranked probability score of an ensemble, path scores over
//! several increments, answer checks, copy detection, and weights from smoothed scores.

use bittensor::primitives::Uid;
use bittensor::scoring::Origin;

use crate::synapse::Forecast;

/// The CRPS of an ensemble forecast (equal member weights) for one observation:
/// `mean |x_i − y| − ½ · mean |x_i − x_j|`, the empirical-distribution form. Lower is
/// better; 0 is a perfect point forecast. An empty ensemble scores infinity.
pub fn crps_ensemble(ensemble: &[f64], observation: f64) -> f64 {
    if ensemble.is_empty() {
        return f64::INFINITY;
    }
    let m = ensemble.len() as f64;
    let mut sorted = ensemble.to_vec();
    sorted.sort_by(f64::total_cmp);
    let spread_to_truth = sorted.iter().map(|x| (x - observation).abs()).sum::<f64>() / m;
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − m + 1) x_(i) over the sorted members.
    let pairwise: f64 =
        sorted.iter().enumerate().map(|(i, x)| (2.0 * i as f64 - m + 1.0) * x).sum::<f64>() * 2.0;
    spread_to_truth - 0.5 * pairwise / (m * m)
}

/// Steps over which changes are scored (besides the whole horizon).
pub const INCREMENTS: [usize; 3] = [1, 2, 5];

/// Sum of the CRPS of the price change, in basis points, over every non-overlapping
/// window of each increment (and the whole horizon). `paths` must be well formed
/// (see [`check`]).
pub fn path_crps(paths: &[Vec<f64>], realised: &[f64]) -> f64 {
    let horizon = realised.len().saturating_sub(1);
    let change = |p: &[f64], from: usize, to: usize| (p[to] / p[from] - 1.0) * 1e4;
    let mut increments: Vec<usize> = INCREMENTS.iter().copied().filter(|&k| k < horizon).collect();
    increments.push(horizon);
    let mut total = 0.0;
    for k in increments.into_iter().filter(|&k| k > 0) {
        for from in (0..=horizon - k).step_by(k) {
            let ensemble: Vec<f64> = paths.iter().map(|p| change(p, from, from + k)).collect();
            total += crps_ensemble(&ensemble, change(realised, from, from + k));
        }
    }
    total
}

/// Why an answer is not scored on its merits.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// No answer in time (or an error status).
    Missing,
    /// Not `num_paths` paths of `horizon + 1` prices.
    WrongShape,
    /// A price that is not a positive finite number.
    BadPrice,
    /// Every path is the same: not a distribution.
    Degenerate,
    /// The same paths as `of`'s answer, which came in first.
    Copy {
        /// The uid that answered first.
        of: Uid,
    },
}

/// Checks an answer's shape and content against its prompt.
pub fn check(prompt: &Forecast, paths: Option<&[Vec<f64>]>) -> Result<(), Invalid> {
    let paths = paths.ok_or(Invalid::Missing)?;
    let length = prompt.horizon as usize + 1;
    if paths.len() != prompt.num_paths as usize || paths.iter().any(|p| p.len() != length) {
        return Err(Invalid::WrongShape);
    }
    if paths.iter().flatten().any(|p| !p.is_finite() || *p <= 0.0) {
        return Err(Invalid::BadPrice);
    }
    if paths.len() > 1 && paths.iter().all(|p| same_path(p, &paths[0])) {
        return Err(Invalid::Degenerate);
    }
    Ok(())
}

fn same_path(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()))
}

/// One miner's answer to a prompt, as the validator received it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The miner.
    pub uid: Uid,
    /// The block the miner registered at.
    pub registered: u64,
    /// Seconds from sending the prompt to receiving the answer.
    pub arrival: f64,
    /// The paths, if any came back.
    pub paths: Option<Vec<Vec<f64>>>,
}

/// Scores every answer to `prompt` against the realised path, as a ratio to the best
/// CRPS among valid answers (1 is the best, larger is worse). Invalid, late and copied
/// answers get [`WORST_RATIO`]; of identical answers only the original counts: the first
/// to arrive, or within [`SAME_TIME`] of each other the first registered.
pub fn score_prompt(
    prompt: &Forecast,
    answers: &[Answer],
    realised: &[f64],
) -> Vec<(Uid, f64, Option<Invalid>)> {
    let mut verdicts: Vec<Result<f64, Invalid>> = answers
        .iter()
        .map(|a| {
            check(prompt, a.paths.as_deref()).map(|()| path_crps(a.paths.as_deref().unwrap_or(&[]), realised))
        })
        .collect();
    for (copy, of) in find_copies(answers, &verdicts) {
        verdicts[copy] = Err(Invalid::Copy { of: answers[of].uid });
    }
    let best = verdicts.iter().filter_map(|v| v.as_ref().ok()).copied().fold(f64::INFINITY, f64::min);
    answers
        .iter()
        .zip(verdicts)
        .map(|(answer, verdict)| match verdict {
            Ok(crps) if best > 0.0 && best.is_finite() => (answer.uid, (crps / best).min(WORST_RATIO), None),
            Ok(_) => (answer.uid, 1.0, None),
            Err(why) => (answer.uid, WORST_RATIO, Some(why)),
        })
        .collect()
}

/// The ratio given to an invalid answer, and the cap for valid ones.
pub const WORST_RATIO: f64 = 4.0;

pub use bittensor::scoring::SAME_TIME;

/// Whether `a` counts as the original against an identical `b` ([`Origin::precedes`]).
fn precedes(a: &Answer, b: &Answer) -> bool {
    let origin = |x: &Answer| Origin { arrival: x.arrival, registered: x.registered, uid: x.uid };
    origin(a).precedes(&origin(b))
}

/// Pairs (copy, original) of indices into `answers`: valid answers with the same paths
/// as another valid answer that [`precedes`] them.
fn find_copies(answers: &[Answer], verdicts: &[Result<f64, Invalid>]) -> Vec<(usize, usize)> {
    let valid: Vec<usize> = (0..answers.len()).filter(|&i| verdicts[i].is_ok()).collect();
    let same = |a: &Answer, b: &Answer| {
        let (a, b) = (a.paths.as_deref().unwrap_or(&[]), b.paths.as_deref().unwrap_or(&[]));
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_path(x, y))
    };
    valid
        .iter()
        .filter_map(|&copy| {
            let original = valid.iter().copied().find(|&o| {
                o != copy && same(&answers[o], &answers[copy]) && precedes(&answers[o], &answers[copy])
            })?;
            Some((copy, original))
        })
        .collect()
}

/// Weights from smoothed ratios (lower is better): `softmax(−beta · ratio)`.
pub fn softmax_weights(ratios: &[(Uid, f64)], beta: f64) -> (Vec<Uid>, Vec<f32>) {
    let best = ratios.iter().map(|&(_, r)| r).fold(f64::INFINITY, f64::min);
    let exps: Vec<f64> = ratios.iter().map(|&(_, r)| (-beta * (r - best)).exp()).collect();
    let sum: f64 = exps.iter().sum();
    ratios.iter().zip(exps).map(|(&(uid, _), e)| (uid, (e / sum) as f32)).unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crps_of_a_point_forecast_is_the_absolute_error() {
        assert_eq!(crps_ensemble(&[3.0], 5.0), 2.0);
        assert_eq!(crps_ensemble(&[3.0, 3.0, 3.0], 1.0), 2.0);
        assert_eq!(crps_ensemble(&[], 1.0), f64::INFINITY);
    }

    #[test]
    fn crps_matches_the_definition_by_pairs() {
        let ensemble = [0.3, -1.2, 2.5, 0.0, 0.7, 0.7];
        for y in [-2.0, 0.1, 0.7, 4.0] {
            let m = ensemble.len() as f64;
            let a: f64 = ensemble.iter().map(|x: &f64| (x - y).abs()).sum::<f64>() / m;
            let b: f64 =
                ensemble.iter().flat_map(|x| ensemble.iter().map(move |z| (x - z).abs())).sum::<f64>();
            let expected = a - 0.5 * b / (m * m);
            assert!((crps_ensemble(&ensemble, y) - expected).abs() < 1e-12);
        }
    }

    fn prompt() -> Forecast {
        Forecast { start_block: 10, history: vec![100.0], horizon: 2, num_paths: 2, paths: None }
    }

    #[test]
    fn malformed_and_degenerate_answers_are_refused() {
        let p = prompt();
        assert_eq!(check(&p, None), Err(Invalid::Missing));
        assert_eq!(check(&p, Some(&[vec![100.0, 101.0, 102.0]])), Err(Invalid::WrongShape));
        assert_eq!(check(&p, Some(&[vec![100.0, 101.0], vec![100.0, 99.0]])), Err(Invalid::WrongShape));
        let bad = [vec![100.0, f64::NAN, 1.0], vec![100.0, 99.0, 98.0]];
        assert_eq!(check(&p, Some(&bad)), Err(Invalid::BadPrice));
        let flat = [vec![100.0, 100.0, 100.0], vec![100.0, 100.0, 100.0]];
        assert_eq!(check(&p, Some(&flat)), Err(Invalid::Degenerate));
        assert_eq!(check(&p, Some(&[vec![100.0, 101.0, 102.0], vec![100.0, 99.0, 98.0]])), Ok(()));
    }

    #[test]
    fn of_two_identical_answers_the_later_one_is_the_copy() {
        let p = prompt();
        let good = vec![vec![100.0, 101.0, 102.0], vec![100.0, 99.0, 98.0]];
        let wide = vec![vec![100.0, 110.0, 120.0], vec![100.0, 90.0, 80.0]];
        let answer = |uid, registered, arrival, paths| Answer { uid, registered, arrival, paths };
        let answers = [
            answer(4, 10, 0.100, Some(good.clone())),
            answer(2, 50, 0.010, Some(good.clone())),
            answer(3, 10, 0.005, Some(wide)),
            answer(5, 10, 0.001, None),
        ];
        let scores = score_prompt(&p, &answers, &[100.0, 100.5, 101.0]);
        assert_eq!(scores[0], (4, WORST_RATIO, Some(Invalid::Copy { of: 2 })), "clearly later");
        assert_eq!(scores[1], (2, 1.0, None));
        assert!(scores[2].1 > 1.0 && scores[2].2.is_none());
        assert_eq!(scores[3], (5, WORST_RATIO, Some(Invalid::Missing)));
        // At about the same time, the later registration is the copy.
        let close = [answer(7, 90, 0.010, Some(good.clone())), answer(6, 40, 0.012, Some(good))];
        let scores = score_prompt(&p, &close, &[100.0, 100.5, 101.0]);
        assert_eq!(scores[0].2, Some(Invalid::Copy { of: 6 }));
        assert_eq!(scores[1].2, None);
    }

    #[test]
    fn softmax_weights_favour_low_ratios_and_sum_to_one() {
        let (uids, weights) = softmax_weights(&[(1, 1.0), (2, 1.2), (3, WORST_RATIO)], 5.0);
        assert_eq!(uids, vec![1, 2, 3]);
        assert!(weights[0] > weights[1] && weights[1] > weights[2]);
        assert!((weights.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(weights[2] < 1e-6);
    }
}
