use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::mc::Replica;
use crate::model::{Interactions, Ising};
use crate::rng::Rng;
use crate::with_interactions;

/// A single-spin-flip acceptance rule. With `x = s_i h_i^loc` (so ΔE = 2x):
///
/// - Metropolis: flip with probability `min(1, e^{−2βx})`;
/// - heat bath (Glauber, the logistic / Fermi–Dirac rule): flip with probability
///   `1 / (1 + e^{2βx})`, i.e. set s_i = +1 with probability `1 / (1 + e^{−2β h_i^loc})`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Metropolis–Hastings.
    Metropolis,
    /// Heat bath / Glauber.
    HeatBath,
}

/// The order in which a sweep visits the sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// 0, 1, …, N−1.
    Sequential,
    /// N sites drawn uniformly at random with replacement.
    Random,
}

impl Rule {
    /// Flip probability for `x = s_i h_i^loc` at inverse temperature `beta`.
    #[inline]
    pub fn flip_probability(self, beta: f64, x: f64) -> f64 {
        match self {
            Rule::Metropolis => {
                if x <= 0.0 {
                    1.0
                } else {
                    (-2.0 * beta * x).exp()
                }
            }
            Rule::HeatBath => 1.0 / (1.0 + (2.0 * beta * x).exp()),
        }
    }
}

/// One sweep of single-spin-flip Monte Carlo at fixed β, with the acceptance probabilities
/// tabulated when the model's local fields are integers.
#[derive(Clone, Debug)]
pub struct Sweeper {
    rule: Rule,
    order: Order,
    beta: f64,
    /// `table[x + bound]` = flip threshold (see [`threshold`]) for integer x ∈ [−bound, bound].
    table: Option<(Vec<u64>, i64)>,
}

impl Sweeper {
    /// A sweeper for `model` at inverse temperature `beta` (finite, > 0).
    pub fn new(model: &Ising, rule: Rule, order: Order, beta: f64) -> Result<Self> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!(
                "inverse temperature must be finite and positive, got {beta}"
            )));
        }
        let table = model.integer_field_bound().map(|b| {
            let b = b as i64;
            let t = (-b..=b)
                .map(|x| threshold(rule.flip_probability(beta, x as f64)))
                .collect();
            (t, b)
        });
        Ok(Sweeper {
            rule,
            order,
            beta,
            table,
        })
    }

    /// The inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The flip threshold (see [`threshold`]) of a site with `x = s_i h_i^loc`.
    #[inline(always)]
    pub(crate) fn threshold_of(&self, x: f64) -> u64 {
        match &self.table {
            Some((t, b)) => t[(x as i64 + b) as usize],
            None => threshold(self.rule.flip_probability(self.beta, x)),
        }
    }

    /// One sweep (N attempts); returns the number of accepted flips.
    pub fn sweep(&self, model: &Ising, replica: &mut Replica, rng: &mut Rng) -> u64 {
        with_interactions!(model.couplings(), c => match &self.table {
            Some((t, b)) => {
                let (t, b) = (t.as_slice(), *b);
                sweep_with(c, replica, self.order, rng, |x| t[(x as i64 + b) as usize])
            }
            None => {
                let (rule, beta) = (self.rule, self.beta);
                sweep_with(c, replica, self.order, rng, |x| threshold(rule.flip_probability(beta, x)))
            }
        })
    }
}

/// A flip probability `q ∈ [0, 1]` as an integer threshold: a uniform 53-bit integer `u`
/// satisfies `u < threshold(q)` with probability q (exact to 2^−53, like an f64 uniform).
#[inline]
pub(crate) fn threshold(q: f64) -> u64 {
    (q * (1u64 << 53) as f64) as u64
}

/// One attempted flip of site i: accepted when a uniform 53-bit integer falls below the
/// site's threshold `t(s_i h_i^loc)`. A random number is drawn for every attempt, so the only
/// data-dependent branch is the accept itself.
#[inline(always)]
fn attempt<C: Interactions>(
    c: &C,
    r: &mut Replica,
    rng: &mut Rng,
    t: &impl Fn(f64) -> u64,
    i: usize,
) -> u64 {
    use rand::RngCore;
    if rng.next_u64() >> 11 < t(r.half_delta(i)) {
        r.flip(c, i);
        1
    } else {
        0
    }
}

/// The generic sweep: `t(x)` is the flip threshold of a site with `x = s_i h_i^loc`.
#[inline]
fn sweep_with<C: Interactions>(
    c: &C,
    r: &mut Replica,
    order: Order,
    rng: &mut Rng,
    t: impl Fn(f64) -> u64,
) -> u64 {
    let n = c.n();
    let mut accepted = 0;
    match order {
        Order::Sequential => {
            for i in 0..n {
                accepted += attempt(c, r, rng, &t, i);
            }
        }
        Order::Random => {
            for _ in 0..n {
                let i = rng.random_range(0..n);
                accepted += attempt(c, r, rng, &t, i);
            }
        }
    }
    accepted
}

/// Zero-temperature quench: sweeps flipping every spin that lowers the energy (ΔE < 0)
/// until none does, so the result is a local minimum (every spin aligned with its local
/// field). Returns the number of sweeps. `Order::Random` visits sites in a fresh random
/// permutation each sweep.
pub fn quench(model: &Ising, replica: &mut Replica, order: Order, rng: &mut Rng) -> usize {
    let n = model.n();
    let mut sites: Vec<usize> = (0..n).collect();
    let mut sweeps = 0;
    loop {
        if order == Order::Random {
            use rand::seq::SliceRandom;
            sites.shuffle(rng);
        }
        sweeps += 1;
        let mut changed = false;
        with_interactions!(model.couplings(), c => {
            for &i in &sites {
                if replica.half_delta(i) < 0.0 {
                    replica.flip(c, i);
                    changed = true;
                }
            }
        });
        if !changed {
            return sweeps;
        }
    }
}
