//! Softmax regression: one weight row per class over the features plus a bias, trained
//! with the mean cross-entropy loss.

use crate::data::Dataset;

/// Model parameters, row-major: `classes × (features + 1)`, the bias last in each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Features per example.
    pub features: usize,
    /// Classes.
    pub classes: usize,
    /// The parameters.
    pub weights: Vec<f32>,
}

impl Model {
    /// All-zero parameters sized for `data`.
    pub fn zeros(data: &Dataset) -> Model {
        Model {
            features: data.features,
            classes: data.classes,
            weights: vec![0.0; data.classes * (data.features + 1)],
        }
    }

    /// Parameters received from elsewhere, if their number fits `data`.
    pub fn from_weights(data: &Dataset, weights: Vec<f32>) -> Option<Model> {
        let model = Model { features: data.features, classes: data.classes, weights };
        (model.weights.len() == model.classes * (model.features + 1)
            && model.weights.iter().all(|w| w.is_finite()))
        .then_some(model)
    }

    /// Class probabilities for one example.
    fn probabilities(&self, x: &[f32]) -> Vec<f64> {
        let stride = self.features + 1;
        let logits: Vec<f64> = self
            .weights
            .chunks(stride)
            .map(|row| {
                f64::from(row[self.features]) + row.iter().zip(x).map(|(w, v)| f64::from(w * v)).sum::<f64>()
            })
            .collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exps.iter().sum();
        exps.into_iter().map(|e| e / sum).collect()
    }

    /// Mean cross-entropy over `examples` (0 for none).
    pub fn loss(&self, data: &Dataset, examples: &[usize]) -> f64 {
        if examples.is_empty() {
            return 0.0;
        }
        let total: f64 =
            examples.iter().map(|&i| -self.probabilities(data.row(i))[data.label(i)].max(1e-12).ln()).sum();
        total / examples.len() as f64
    }

    /// Gradient of [`Model::loss`] with respect to the parameters.
    pub fn gradient(&self, data: &Dataset, examples: &[usize]) -> Vec<f32> {
        let stride = self.features + 1;
        let mut grad = vec![0.0f64; self.weights.len()];
        for &i in examples {
            let x = data.row(i);
            for (class, p) in self.probabilities(x).into_iter().enumerate() {
                let error = p - if class == data.label(i) { 1.0 } else { 0.0 };
                let row = &mut grad[class * stride..(class + 1) * stride];
                row.iter_mut().zip(x).for_each(|(g, v)| *g += error * f64::from(*v));
                row[self.features] += error;
            }
        }
        let n = examples.len().max(1) as f64;
        grad.into_iter().map(|g| (g / n) as f32).collect()
    }

    /// Share of `examples` whose most likely class is right.
    pub fn accuracy(&self, data: &Dataset, examples: &[usize]) -> f64 {
        let right = examples
            .iter()
            .filter(|&&i| {
                let p = self.probabilities(data.row(i));
                let best = (0..p.len()).fold(0, |b, c| if p[c] > p[b] { c } else { b });
                best == data.label(i)
            })
            .count();
        right as f64 / examples.len().max(1) as f64
    }

    /// The model after one step of size `lr` against `gradient`.
    pub fn stepped(&self, gradient: &[f32], lr: f32) -> Model {
        let mut next = self.clone();
        next.weights.iter_mut().zip(gradient).for_each(|(w, g)| *w -= lr * g);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_matches_finite_differences() {
        let data = Dataset::digits();
        let mut model = Model::zeros(&data);
        model.weights.iter_mut().enumerate().for_each(|(i, w)| *w = ((i % 7) as f32 - 3.0) * 0.01);
        let shard = &data.shards[0];
        let grad = model.gradient(&data, shard);
        for index in [0, 5, 64, 300, 649] {
            let h = 1e-2f32;
            let mut up = model.clone();
            up.weights[index] += h;
            let mut down = model.clone();
            down.weights[index] -= h;
            let numeric = (up.loss(&data, shard) - down.loss(&data, shard)) / f64::from(2.0 * h);
            assert!((numeric - f64::from(grad[index])).abs() < 1e-3, "{index}: {numeric} vs {}", grad[index]);
        }
    }

    #[test]
    fn gradient_steps_lower_the_loss_and_raise_held_out_accuracy() {
        let data = Dataset::digits();
        let mut model = Model::zeros(&data);
        let start = model.accuracy(&data, &data.test);
        for step in 0..40 {
            let shard = &data.shards[step % data.shards.len()];
            let before = model.loss(&data, shard);
            model = model.stepped(&model.gradient(&data, shard), 0.5);
            assert!(model.loss(&data, shard) < before);
        }
        let end = model.accuracy(&data, &data.test);
        assert!(start < 0.2 && end > 0.8, "accuracy {start} -> {end}");
        assert!(Model::from_weights(&data, vec![0.0; 3]).is_none());
    }
}
