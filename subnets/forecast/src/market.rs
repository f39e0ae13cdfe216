//! The validator's hidden price process: geometric Brownian motion whose volatility
//! follows its own mean-reverting random walk (stochastic volatility), with occasional
//! jumps. One step per block; the same seed gives the same prices everywhere.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Parameters of one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarketParams {
    /// Price at step 0.
    pub start_price: f64,
    /// Drift of the log price per step.
    pub drift: f64,
    /// Long-run volatility of the log price per step.
    pub base_vol: f64,
    /// How fast the log volatility returns to `ln base_vol` (share per step).
    pub vol_reversion: f64,
    /// Standard deviation of the log-volatility shock per step.
    pub vol_of_vol: f64,
    /// Probability of a jump in a step.
    pub jump_prob: f64,
    /// Mean of the jump in log price.
    pub jump_mean: f64,
    /// Standard deviation of the jump in log price.
    pub jump_std: f64,
}

impl Default for MarketParams {
    fn default() -> Self {
        MarketParams {
            start_price: 100.0,
            drift: 0.0,
            base_vol: 0.01,
            vol_reversion: 0.05,
            vol_of_vol: 0.12,
            jump_prob: 0.02,
            jump_mean: -0.005,
            jump_std: 0.03,
        }
    }
}

/// Steps simulated before step 0, so that the volatility has left its start value.
const BURN_IN: usize = 256;

/// A seeded price series, extended on demand.
#[derive(Debug, Clone)]
pub struct Market {
    params: MarketParams,
    rng: SmallRng,
    log_vol: f64,
    /// Prices from `BURN_IN` steps before step 0.
    prices: Vec<f64>,
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.gen::<f64>();
    let v: f64 = rng.gen();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl Market {
    /// The process with default parameters and `seed`.
    pub fn new(seed: u64) -> Market {
        Market::with_params(seed, MarketParams::default())
    }

    /// The process with `params` and `seed`.
    pub fn with_params(seed: u64, params: MarketParams) -> Market {
        let mut market = Market {
            params,
            rng: SmallRng::seed_from_u64(seed),
            log_vol: params.base_vol.ln(),
            prices: vec![params.start_price],
        };
        market.extend_to(BURN_IN);
        let shift = params.start_price / market.prices[BURN_IN];
        market.prices.iter_mut().for_each(|p| *p *= shift);
        market
    }

    fn extend_to(&mut self, index: usize) {
        let p = self.params;
        while self.prices.len() <= index {
            let target = p.base_vol.ln();
            self.log_vol += p.vol_reversion * (target - self.log_vol) + p.vol_of_vol * normal(&mut self.rng);
            let vol = self.log_vol.exp();
            let mut step = p.drift - 0.5 * vol * vol + vol * normal(&mut self.rng);
            if self.rng.gen::<f64>() < p.jump_prob {
                step += p.jump_mean + p.jump_std * normal(&mut self.rng);
            }
            let last = self.prices[self.prices.len() - 1];
            self.prices.push(last * step.exp());
        }
    }

    /// The price at `step`.
    pub fn price(&mut self, step: u64) -> f64 {
        let index = BURN_IN.saturating_add(usize::try_from(step).unwrap_or(usize::MAX - BURN_IN));
        self.extend_to(index);
        self.prices[index]
    }

    /// `len` prices ending at `step` (fewer only if `len` reaches before the burn-in).
    pub fn history(&mut self, step: u64, len: usize) -> Vec<f64> {
        self.price(step);
        let end = BURN_IN + step as usize;
        self.prices[end + 1 - len.min(end + 1)..=end].to_vec()
    }

    /// The realised path from `start` to `start + horizon`, both included.
    pub fn path(&mut self, start: u64, horizon: u32) -> Vec<f64> {
        (start..=start + u64::from(horizon)).map(|s| self.price(s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_prices_in_any_order_of_reads() {
        let mut a = Market::new(7);
        let mut b = Market::new(7);
        let late = a.price(500);
        assert_eq!(b.history(500, 10)[9], late);
        assert_eq!(a.path(10, 5), b.path(10, 5));
        assert_eq!(a.price(0), 100.0);
        assert_ne!(Market::new(8).price(100), a.price(100));
    }

    #[test]
    fn returns_have_jumps_and_changing_volatility() {
        let mut market = Market::new(1);
        let prices = market.path(0, 4000);
        let returns: Vec<f64> = prices.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        assert!(returns.iter().all(|r| r.is_finite()));
        let sd = |r: &[f64]| {
            let m = r.iter().sum::<f64>() / r.len() as f64;
            (r.iter().map(|x| (x - m).powi(2)).sum::<f64>() / r.len() as f64).sqrt()
        };
        let overall = sd(&returns);
        assert!((0.005..0.03).contains(&overall), "per-step volatility {overall}");
        let windows: Vec<f64> = returns.chunks(200).map(sd).collect();
        let (lo, hi) = windows.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(hi > 1.5 * lo, "volatility should cluster: {lo} .. {hi}");
        let big = returns.iter().filter(|r| r.abs() > 6.0 * overall).count();
        assert!(big > 0, "jumps give fat tails");
    }
}
