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

/// Which implementation runs the sweeps of a driver that has fast paths ([`crate::mc::anneal`],
/// [`crate::mc::Scan`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// The fastest path the model qualifies for: the bit-sliced [`crate::mc::multispin`]
    /// kernel for periodic 2D/3D lattices with ±J couplings and no field, the
    /// single-precision dense kernel for fully connected models (annealing only), 32
    /// single-precision [replica lanes](crate::mc::lanes) for other lattices and sparse
    /// graphs, else the scalar [`Sweeper`] (dense models in a scan).
    #[default]
    Auto,
    /// Always the scalar [`Sweeper`] (the reference the fast paths are tested against).
    Scalar,
    /// One system per temperature on the site-packed kernel ([`crate::mc::sitepacked`]: 64
    /// sites per word, periodic 2D/3D ferromagnets with the first side a multiple of 128),
    /// for scans only. `Auto` prefers 64 multispin replicas, which give more independent
    /// measurements per second; this kernel evolves one large system fastest (equilibrating
    /// it near T_c, following its dynamics).
    SitePacked,
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

    /// Whether an attempt with uniform 53-bit integer `u` flips a site with `x = s_i h_i^loc`:
    /// exactly `u < threshold(flip_probability(beta, x))`, the same decision bit for bit.
    ///
    /// For Metropolis and x > 0 the decision is `u + 1 ≤ 2⁵³ e^{−2βx}`, almost always settled
    /// by [`exp_neg`], accurate to 2·10⁻⁸, with a margin of 10⁻⁷ on either side; only a `u`
    /// inside the margin (probability ~10⁻⁷) pays for the libm exponential.
    #[inline(always)]
    pub(crate) fn accepts(self, beta: f64, x: f64, u: u64) -> bool {
        const LOW: f64 = (1u64 << 53) as f64 * (1.0 - 1e-7);
        const HIGH: f64 = (1u64 << 53) as f64 * (1.0 + 1e-7);
        if self == Rule::Metropolis {
            if x <= 0.0 {
                return true;
            }
            let p = exp_neg(2.0 * beta * x);
            let v = (u + 1) as f64;
            if v <= p * LOW {
                return true;
            }
            if v > p * HIGH {
                return false;
            }
        }
        u < threshold(self.flip_probability(beta, x))
    }
}

/// `e^{−y}` for y ≥ 0 (clamped at y = 700) with relative error below 2·10⁻⁸:
/// `e^{−y} = 2^{−n} e^{r}` with n the integer nearest y/ln 2 and `r = n ln 2 − y`, |r| ≤ ln2/2,
/// and e^r by its Taylor polynomial of degree 7 (evaluated in Estrin's scheme).
#[inline(always)]
fn exp_neg(y: f64) -> f64 {
    let y = y.min(700.0);
    let n = (y * std::f64::consts::LOG2_E + 0.5) as u64;
    let r = n as f64 * std::f64::consts::LN_2 - y;
    let r2 = r * r;
    let lo = (1.0 + r) + r2 * (1.0 / 2.0 + r * (1.0 / 6.0));
    let hi = (1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0));
    (lo + r2 * r2 * hi) * f64::from_bits((1023 - n) << 52)
}

/// `−ln((u + 1)·2⁻⁵³)` for a uniform 53-bit integer u, with absolute error below 10⁻⁹ (the
/// uniform `w = (u + 1)·2⁻⁵³ ∈ (0, 1]` turned into the exponential variate of the log-domain
/// Metropolis test, see [`Sweeper::log_scale`]). With `u + 1 = 2^e m`, m folded into
/// [√½, √2): `−ln w = (53 − e) ln 2 − ln m`, and `ln m = 2 atanh s = 2s Σ_k s^{2k}/(2k + 1)`
/// with `s = (m − 1)/(m + 1)`, |s| ≤ 0.172, summed to k = 4 (truncation < 10⁻⁹). Branch-free
/// and without integer-to-float instructions, so a loop over a block of uniforms vectorizes.
#[inline(always)]
pub(crate) fn neg_ln_uniform(u: u64) -> f64 {
    // 2^52 + k as a double, for k < 2^52: its bit pattern is that of 2^52 with k added.
    const MAGIC: u64 = 0x4330_0000_0000_0000;
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let v = u + 1;
    // v ≤ 2^53 as a double, exactly: v = hi·2^26 + lo, both halves below 2^52.
    let hi = f64::from_bits(MAGIC | (v >> 26)) - TWO52;
    let lo = f64::from_bits(MAGIC | (v & ((1 << 26) - 1))) - TWO52;
    let v = hi * (1u64 << 26) as f64 + lo;
    let bits = v.to_bits();
    // v = 2^e m with m ∈ [1, 2), then m folded into [√½, √2).
    let e = f64::from_bits(MAGIC | (bits >> 52)) - (TWO52 + 1023.0);
    let m = f64::from_bits((bits & ((1 << 52) - 1)) | 1.0f64.to_bits());
    let fold = m > std::f64::consts::SQRT_2;
    let (m, e) = if fold { (0.5 * m, e + 1.0) } else { (m, e) };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    (53.0 - e) * std::f64::consts::LN_2 - 2.0 * s * series
}

/// Margin of the log-domain Metropolis test ([`Sweeper::accepts_log`]): decisions with
/// `|2βx − (−ln w)|` below it are left to the exact comparison.
pub(crate) const LOG_MARGIN: f64 = 1e-6;

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

    /// Whether an attempt at a site with `x = s_i h_i^loc` whose uniform 53-bit integer is
    /// `u` flips it: exactly `u < threshold(p)` with p the rule's flip probability (see
    /// [`threshold`]).
    #[inline(always)]
    pub(crate) fn accepts(&self, x: f64, u: u64) -> bool {
        match &self.table {
            Some((t, b)) => u < t[(x as i64 + b) as usize],
            None => self.rule.accepts(self.beta, x, u),
        }
    }

    /// `2β` when this sweeper's decisions can be taken in the log domain
    /// ([`Sweeper::accepts_log`]): Metropolis without a table.
    #[inline(always)]
    pub(crate) fn log_scale(&self) -> Option<f64> {
        (self.rule == Rule::Metropolis && self.table.is_none()).then_some(2.0 * self.beta)
    }

    /// The decision of [`Sweeper::accepts`] for Metropolis given `two_beta` = 2β (from
    /// [`Sweeper::log_scale`]) and `neg_ln_w = neg_ln_uniform(u)`, drawn ahead: flip when
    /// `x ≤ 0` or `2βx ≤ −ln w`, since `u + 1 ≤ 2⁵³ e^{−2βx}` ⟺ `2βx ≤ −ln((u + 1)·2⁻⁵³)`. Only
    /// within [`LOG_MARGIN`] of equality (probability ~10⁻⁶) is the exact comparison made, so
    /// the decision is bit for bit that of [`Sweeper::accepts`].
    #[inline(always)]
    pub(crate) fn accepts_log(&self, two_beta: f64, x: f64, u: u64, neg_ln_w: f64) -> bool {
        let y = two_beta * x;
        if y < neg_ln_w - LOG_MARGIN {
            return true;
        }
        if y > neg_ln_w + LOG_MARGIN {
            return false;
        }
        self.accepts(x, u)
    }

    /// One sweep (N attempts); returns the number of accepted flips.
    pub fn sweep(&self, model: &Ising, replica: &mut Replica, rng: &mut Rng) -> u64 {
        with_interactions!(model.couplings(), c => match &self.table {
            Some((t, b)) => {
                let (t, b) = (t.as_slice(), *b);
                sweep_with(c, replica, self.order, rng, |x, u| u < t[(x as i64 + b) as usize])
            }
            None => {
                let (rule, beta) = (self.rule, self.beta);
                sweep_with(c, replica, self.order, rng, |x, u| rule.accepts(beta, x, u))
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

/// One attempted flip of site i: accepted when `accept(s_i h_i^loc, u)` holds for a uniform
/// 53-bit integer u. A random number is drawn for every attempt, so the only data-dependent
/// branch is the accept itself.
#[inline(always)]
fn attempt<C: Interactions>(
    c: &C,
    r: &mut Replica,
    rng: &mut Rng,
    accept: &impl Fn(f64, u64) -> bool,
    i: usize,
) -> u64 {
    use rand::RngCore;
    if accept(r.half_delta(i), rng.next_u64() >> 11) {
        r.flip(c, i);
        1
    } else {
        0
    }
}

/// The generic sweep: `accept(x, u)` decides an attempt at a site with `x = s_i h_i^loc`
/// and uniform 53-bit integer u.
#[inline]
fn sweep_with<C: Interactions>(
    c: &C,
    r: &mut Replica,
    order: Order,
    rng: &mut Rng,
    accept: impl Fn(f64, u64) -> bool,
) -> u64 {
    let n = c.n();
    let mut accepted = 0;
    match order {
        Order::Sequential => {
            for i in 0..n {
                accepted += attempt(c, r, rng, &accept, i);
            }
        }
        Order::Random => {
            for _ in 0..n {
                let i = rng.random_range(0..n);
                accepted += attempt(c, r, rng, &accept, i);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;
    use rand::RngCore;

    #[test]
    fn exp_neg_is_accurate_to_2e8() {
        for k in 0..=700_000 {
            let y = k as f64 * 0.001;
            let (a, b) = (exp_neg(y), (-y).exp());
            assert!((a - b).abs() <= 2e-8 * b, "y = {y}: {a} vs {b}");
        }
    }

    /// The log of a uniform is accurate to 10⁻⁹ over the whole range of u, including both ends
    /// and the folding point, and the log-domain Metropolis decision equals the threshold
    /// comparison bit for bit, also right at the thresholds.
    #[test]
    fn log_domain_metropolis_is_the_threshold_comparison() {
        let mut rng = Streams::new(9).stream(&[0]);
        let exact = |u: u64| -(((u + 1) as f64) / (1u64 << 53) as f64).ln();
        let mut us: Vec<u64> = vec![0, 1, 2, (1 << 53) - 1, (1 << 52) - 1, 1 << 52, 1 << 26];
        us.extend((0..100_000).map(|_| rng.next_u64() >> 11));
        // Around the folding point m = √2 of every binade.
        for k in 0..53 {
            let v = (std::f64::consts::SQRT_2 * (k as f64).exp2()) as u64;
            us.extend([v.saturating_sub(2), v.saturating_sub(1), v].map(|x| x.min((1 << 53) - 1)));
        }
        for &u in &us {
            let err = (neg_ln_uniform(u) - exact(u)).abs();
            assert!(err < 1e-9, "u = {u}: error {err}");
        }
        let model = crate::model::ModelSpec::from_toml(
            "graph = { kind = 'complete', n = 4 }\ncouplings = { law = 'gaussian' }",
        )
        .unwrap()
        .build()
        .unwrap();
        for _ in 0..200_000 {
            let beta = 5.0 * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 1e-3;
            let x = 12.0 * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 2.0;
            let sweeper = Sweeper::new(&model, Rule::Metropolis, Order::Sequential, beta).unwrap();
            let two_beta = sweeper.log_scale().unwrap();
            let t = threshold(Rule::Metropolis.flip_probability(beta, x));
            let us = [rng.next_u64() >> 11, t.saturating_sub(1), t, t + 1];
            for u in us.into_iter().filter(|&u| u < 1 << 53) {
                let fast = sweeper.accepts_log(two_beta, x, u, neg_ln_uniform(u));
                assert_eq!(fast, u < t, "β={beta} x={x} u={u}");
            }
        }
    }

    /// The fast decision equals the threshold comparison bit for bit, at random points and
    /// right at the thresholds (u = threshold − 1, threshold, threshold + 1), for both rules.
    #[test]
    fn accepts_is_the_threshold_comparison() {
        let mut rng = Streams::new(8).stream(&[0]);
        for _ in 0..200_000 {
            let beta = 5.0 * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 1e-3;
            let x = 12.0 * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 2.0;
            for rule in [Rule::Metropolis, Rule::HeatBath] {
                let t = threshold(rule.flip_probability(beta, x));
                let us = [rng.next_u64() >> 11, t.saturating_sub(1), t, t + 1];
                for u in us.into_iter().filter(|&u| u < 1 << 53) {
                    assert_eq!(
                        rule.accepts(beta, x, u),
                        u < t,
                        "{rule:?} β={beta} x={x} u={u}"
                    );
                }
            }
        }
    }
}
