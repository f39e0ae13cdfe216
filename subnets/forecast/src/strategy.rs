//! The miners' forecasting models. Each turns a price history into sample paths.

use std::fmt;
use std::str::FromStr;

use rand::Rng;

use crate::market::normal;

/// A miner's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A driftless random walk with a fixed, guessed volatility (3 % per step).
    Naive,
    /// Geometric Brownian motion with drift and volatility fitted to the history.
    Gbm,
    /// GARCH(1,1)-like volatility: recent shocks raise the volatility of the next steps,
    /// which then decays back to the long-run level of the history.
    Garch,
    /// An adversary: every path is the same flat line (no uncertainty at all).
    Degenerate,
}

/// The per-step volatility the naive model assumes.
pub const NAIVE_VOL: f64 = 0.03;

/// GARCH reaction to the last squared shock.
const GARCH_ALPHA: f64 = 0.10;
/// GARCH persistence of the last variance.
const GARCH_BETA: f64 = 0.85;

impl Strategy {
    /// Every strategy, with its flag name.
    pub const ALL: [Strategy; 4] = [Strategy::Naive, Strategy::Gbm, Strategy::Garch, Strategy::Degenerate];

    /// The flag name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Naive => "naive",
            Strategy::Gbm => "gbm",
            Strategy::Garch => "garch",
            Strategy::Degenerate => "degenerate",
        }
    }

    /// `paths` sample paths of `horizon` steps after the last price of `history`, each
    /// starting with that price. An empty history gives no paths.
    pub fn forecast(
        self,
        history: &[f64],
        horizon: usize,
        paths: usize,
        rng: &mut impl Rng,
    ) -> Vec<Vec<f64>> {
        let Some(&last) = history.last() else { return Vec::new() };
        let returns = log_returns(history);
        let (mean, var) = mean_var(&returns);
        (0..paths)
            .map(|_| {
                let mut path = Vec::with_capacity(horizon + 1);
                path.push(last);
                let mut price = last;
                let mut garch_var = garch_filter(&returns, var);
                for _ in 0..horizon {
                    let step = match self {
                        Strategy::Naive => NAIVE_VOL * normal(rng) - 0.5 * NAIVE_VOL * NAIVE_VOL,
                        Strategy::Gbm => mean + var.sqrt() * normal(rng),
                        Strategy::Garch => {
                            let shock = garch_var.sqrt() * normal(rng);
                            garch_var =
                                garch_omega(var) + GARCH_ALPHA * shock * shock + GARCH_BETA * garch_var;
                            shock - 0.5 * garch_var
                        }
                        Strategy::Degenerate => 0.0,
                    };
                    price *= step.exp();
                    path.push(price);
                }
                path
            })
            .collect()
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Strategy::ALL.iter().map(|k| k.name()).collect();
            format!("unknown strategy {s:?}; expected one of {}", names.join(", "))
        })
    }
}

fn log_returns(prices: &[f64]) -> Vec<f64> {
    prices.windows(2).filter(|w| w[0] > 0.0 && w[1] > 0.0).map(|w| (w[1] / w[0]).ln()).collect()
}

/// Sample mean and variance (a small floor keeps a flat history usable).
fn mean_var(values: &[f64]) -> (f64, f64) {
    if values.len() < 2 {
        return (0.0, NAIVE_VOL * NAIVE_VOL);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.max(1e-12))
}

/// The constant that makes `long_run_var` the GARCH model's long-run variance.
fn garch_omega(long_run_var: f64) -> f64 {
    long_run_var * (1.0 - GARCH_ALPHA - GARCH_BETA)
}

/// The conditional variance of the next step after running through `returns`.
fn garch_filter(returns: &[f64], long_run_var: f64) -> f64 {
    returns
        .iter()
        .fold(long_run_var, |var, r| garch_omega(long_run_var) + GARCH_ALPHA * r * r + GARCH_BETA * var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Market;
    use crate::scoring;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for strategy in Strategy::ALL {
            assert_eq!(strategy.name().parse::<Strategy>(), Ok(strategy));
        }
        assert!("oracle".parse::<Strategy>().unwrap_err().contains("gbm"));
    }

    #[test]
    fn paths_have_the_asked_shape_and_start_at_the_last_price() {
        let mut rng = SmallRng::seed_from_u64(1);
        let history = Market::new(3).history(100, 64);
        for strategy in Strategy::ALL {
            let paths = strategy.forecast(&history, 12, 20, &mut rng);
            assert_eq!(paths.len(), 20);
            assert!(paths.iter().all(|p| p.len() == 13 && p[0] == history[63]));
            assert!(paths.iter().flatten().all(|p| p.is_finite() && *p > 0.0));
        }
        assert!(Strategy::Gbm.forecast(&[], 12, 20, &mut rng).is_empty());
    }

    /// Over many prompts of the real process, the fitted models score better (lower CRPS)
    /// than the naive guess, which beats a flat line.
    #[test]
    fn fitted_models_beat_the_naive_walk_on_the_hidden_process() {
        let mut market = Market::new(42);
        let mut rng = SmallRng::seed_from_u64(9);
        let mut totals = [0.0; 4];
        for prompt in 0..150u64 {
            let start = 100 + prompt * 12;
            let history = market.history(start, 64);
            let truth = market.path(start, 12);
            for (total, strategy) in totals.iter_mut().zip(Strategy::ALL) {
                *total += scoring::path_crps(&strategy.forecast(&history, 12, 100, &mut rng), &truth);
            }
        }
        let [naive, gbm, garch, flat] = totals;
        assert!(gbm < naive && garch < naive, "naive {naive}, gbm {gbm}, garch {garch}");
        assert!(naive < flat, "naive {naive}, flat {flat}");
    }
}
