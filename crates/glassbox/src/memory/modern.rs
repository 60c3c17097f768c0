//! Modern Hopfield networks: dense associative memory with a polynomial interaction
//! (Krotov & Hopfield 2016) or an exponential one (Demircigil et al. 2017), and the
//! continuous network whose update is attention (Ramsauer et al. 2020).
//!
//! **Dense associative memory.** Binary units s_i = ±1, patterns ξ^μ, overlaps
//! M_μ = ξ^μ·s = Σ_i ξ_i^μ s_i = N m_μ. Two interactions ([`Interaction`]):
//!
//! ```text
//! power n:      E(s) = −(N/2) Σ_μ (m_μ)ⁿ                     (Krotov–Hopfield, F(x) = xⁿ)
//! exponential:  E(s) = −ln Σ_μ exp(M_μ) = −ln(−E_D(s)),      E_D(s) = −Σ_μ exp(ξ^μ·s)
//! ```
//!
//! For the power, n = 2 is the Hebbian Hopfield network up to the constant p/2 (the
//! self-coupling). For the exponential, E_D is Demircigil et al.'s energy with F(x) = eˣ; it
//! overflows f64 once N ≳ 700, so the network works with its logarithm, which has the same
//! minima and descends along the same moves (ln is increasing).
//!
//! In both, the local field is half the energy gain of s_i = +1 over s_i = −1,
//! h_i = [E(s_i = −1) − E(s_i = +1)]/2, so that flipping s_i changes E by 2 s_i h_i, as in the
//! rest of the module; for n = 2 it is exactly the Hebb field. For the exponential, with
//! a_μ = Σ_{j≠i} ξ_j^μ s_j and Z_± = Σ_μ exp(a_μ ± ξ_i^μ),
//! h_i = ½ ln(Z₊/Z₋), whose sign is Demircigil's update
//! s_i ← sgn Σ_μ [F(ξ_i^μ + a_μ) − F(−ξ_i^μ + a_μ)]. Both sums are computed with the largest
//! overlap K = max_μ M_μ factored out (log-sum-exp): every term is e^{M_μ − K ± 2} ≤ e², read
//! from a table of e^{−k} for integer k, and the largest is ≥ e^{−2}, so nothing overflows
//! or underflows to zero at any N. T = 0 dynamics are those of Demircigil's network exactly;
//! Glauber dynamics sample exp(−β E) = (Σ_μ e^{M_μ})^β. Capacity grows as N^{n−1} for the
//! power and exponentially in N for the exponential.
//!
//! **Continuous modern Hopfield network.** Stored patterns x_1, …, x_M ∈ ℝ^d (the columns of
//! X), state ξ ∈ ℝ^d, energy E(ξ) = −β⁻¹ ln Σ_k e^{β x_k·ξ} + ½ ξ·ξ + β⁻¹ ln M + ½ max_k ‖x_k‖²,
//! and the update that lowers it,
//!
//! ```text
//! ξ ← X softmax(β Xᵀ ξ),
//! ```
//!
//! which is one step of single-head attention with the state as the query and the stored
//! patterns as keys (and values), at β = 1/√d_k.

use super::network::Network;
use super::patterns::{dot, Patterns};
use crate::error::{invalid, Result};

/// The interaction function F of dense associative memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interaction {
    /// F(x) = xⁿ on the normalized overlap, n ≥ 2 (Krotov & Hopfield 2016).
    Power(u32),
    /// F(x) = eˣ on the raw overlap ξ^μ·s (Demircigil et al. 2017).
    Exp,
}

impl Interaction {
    /// Checks the power (n ≥ 2).
    pub fn check(self) -> Result<Self> {
        match self {
            Interaction::Power(n) if n < 2 => Err(invalid(format!(
                "the interaction power n must be at least 2, got {n}"
            ))),
            _ => Ok(self),
        }
    }

    /// `"exp"` or a power n ≥ 2 (as written on the command line).
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim().to_lowercase();
        if t == "exp" {
            return Ok(Interaction::Exp);
        }
        t.parse::<u32>()
            .map_err(|_| {
                invalid(format!(
                    "interaction `{text}`: expected a power n ≥ 2 or `exp`"
                ))
            })
            .and_then(|n| Interaction::Power(n).check())
    }
}

impl std::fmt::Display for Interaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interaction::Power(n) => write!(f, "x^{n}"),
            Interaction::Exp => write!(f, "exp"),
        }
    }
}

/// Dense associative memory with F(x) = xⁿ or eˣ (binary units; low-rank storage of the
/// patterns).
#[derive(Clone, Debug)]
pub struct DenseAssociative {
    patterns: Patterns,
    by_unit: Vec<i8>,
    interaction: Interaction,
    /// e^{2−k} for k = 0, 1, … (exponential interaction; empty otherwise).
    exps: Vec<f64>,
}

/// The cache of [`DenseAssociative`]: M_μ = N m_μ and their maximum.
#[derive(Clone, Debug)]
pub struct DenseCache {
    m: Vec<i64>,
    max: i64,
}

impl DenseAssociative {
    /// The network storing `patterns` with interaction F (a power must be ≥ 2).
    pub fn new(patterns: Patterns, interaction: Interaction) -> Result<Self> {
        let interaction = interaction.check()?;
        let by_unit = patterns.by_unit();
        // Terms are e^{M−K±2} with M − K ∈ [−2N, 0]; below e^{−750} they are 0 in f64.
        let exps = match interaction {
            Interaction::Exp => (0..=(2 * patterns.n() + 4).min(800))
                .map(|k| (2.0 - k as f64).exp())
                .collect(),
            Interaction::Power(_) => vec![],
        };
        Ok(DenseAssociative {
            patterns,
            by_unit,
            interaction,
            exps,
        })
    }

    /// The interaction.
    pub fn interaction(&self) -> Interaction {
        self.interaction
    }

    /// e^{d} for an integer d ≤ 2.
    #[inline]
    fn exp_int(&self, d: i64) -> f64 {
        self.exps.get((2 - d) as usize).copied().unwrap_or(0.0)
    }
}

impl Network for DenseAssociative {
    type Cache = DenseCache;

    fn n(&self) -> usize {
        self.patterns.n()
    }

    fn patterns(&self) -> Option<&Patterns> {
        Some(&self.patterns)
    }

    fn cache(&self, s: &[i8]) -> DenseCache {
        assert_eq!(s.len(), self.n(), "state has the wrong length");
        let m: Vec<i64> = (0..self.patterns.p())
            .map(|mu| dot(self.patterns.pattern(mu), s))
            .collect();
        let max = m.iter().copied().max().unwrap_or(0);
        DenseCache { m, max }
    }

    fn field(&self, c: &DenseCache, s: &[i8], i: usize) -> f64 {
        let (p, n) = (c.m.len(), self.n() as f64);
        let x = &self.by_unit[i * p..(i + 1) * p];
        match self.interaction {
            Interaction::Power(k) => {
                let k = k as i32;
                let mut sum = 0.0;
                for (&mu, &xi) in c.m.iter().zip(x) {
                    // Overlap without unit i, then with s_i = ±1.
                    let a = (mu - (xi * s[i]) as i64) as f64;
                    let (up, down) = ((a + xi as f64) / n, (a - xi as f64) / n);
                    sum += up.powi(k) - down.powi(k);
                }
                0.25 * n * sum
            }
            Interaction::Exp => {
                // Z(s_i) = Σ e^{M_μ−K}; Z(−s_i) = Σ e^{M_μ − 2 ξ_i^μ s_i − K}.
                let si = s[i] as i64;
                let (mut same, mut other) = (0.0, 0.0);
                for (&mu, &xi) in c.m.iter().zip(x) {
                    let d = mu - c.max;
                    same += self.exp_int(d);
                    other += self.exp_int(d - 2 * xi as i64 * si);
                }
                0.5 * si as f64 * (same.ln() - other.ln())
            }
        }
    }

    fn flip(&self, c: &mut DenseCache, s: &mut [i8], i: usize) {
        s[i] = -s[i];
        let d = 2 * s[i] as i64;
        let p = c.m.len();
        let mut max = i64::MIN;
        for (mu, &x) in c.m.iter_mut().zip(&self.by_unit[i * p..(i + 1) * p]) {
            *mu += d * x as i64;
            max = max.max(*mu);
        }
        c.max = max;
    }

    fn energy(&self, c: &DenseCache, _s: &[i8]) -> Option<f64> {
        let n = self.n() as f64;
        Some(match self.interaction {
            Interaction::Power(k) => {
                -0.5 * n
                    * c.m
                        .iter()
                        .map(|&x| (x as f64 / n).powi(k as i32))
                        .sum::<f64>()
            }
            Interaction::Exp => {
                let z: f64 = c.m.iter().map(|&x| self.exp_int(x - c.max)).sum();
                -(c.max as f64 + z.ln())
            }
        })
    }
}

/// The continuous modern Hopfield network of Ramsauer et al. (2020).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContinuousHopfield {
    d: usize,
    /// Pattern k at `[k·d .. (k+1)·d]`.
    x: Vec<f64>,
    beta: f64,
}

impl ContinuousHopfield {
    /// Stored patterns (each of dimension d, finite) and inverse temperature β > 0.
    pub fn new(patterns: &[Vec<f64>], beta: f64) -> Result<Self> {
        let d = patterns.first().map_or(0, |p| p.len());
        if d == 0 {
            return Err(invalid("need at least one stored pattern of dimension ≥ 1"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!("β must be finite and > 0, got {beta}")));
        }
        let mut x = Vec::with_capacity(d * patterns.len());
        for (k, p) in patterns.iter().enumerate() {
            if p.len() != d {
                return Err(invalid(format!(
                    "pattern {k} has dimension {}, pattern 0 has {d}",
                    p.len()
                )));
            }
            if p.iter().any(|v| !v.is_finite()) {
                return Err(invalid(format!("pattern {k} has a non-finite entry")));
            }
            x.extend_from_slice(p);
        }
        Ok(ContinuousHopfield { d, x, beta })
    }

    /// Number of stored patterns M.
    pub fn len(&self) -> usize {
        self.x.len() / self.d
    }

    /// Whether no pattern is stored (never true for a constructed network).
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    fn check(&self, xi: &[f64]) -> Result<()> {
        if xi.len() != self.d {
            return Err(invalid(format!(
                "state has dimension {}, patterns have {}",
                xi.len(),
                self.d
            )));
        }
        if xi.iter().any(|v| !v.is_finite()) {
            return Err(invalid("state has a non-finite entry"));
        }
        Ok(())
    }

    fn pattern(&self, k: usize) -> &[f64] {
        &self.x[k * self.d..(k + 1) * self.d]
    }

    /// The attention weights softmax(β Xᵀ ξ) over the stored patterns.
    pub fn weights(&self, xi: &[f64]) -> Result<Vec<f64>> {
        self.check(xi)?;
        let z: Vec<f64> = (0..self.len())
            .map(|k| {
                self.beta
                    * self
                        .pattern(k)
                        .iter()
                        .zip(xi)
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
            })
            .collect();
        let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
        let s: f64 = e.iter().sum();
        Ok(e.into_iter().map(|v| v / s).collect())
    }

    /// One update ξ ← X softmax(β Xᵀ ξ).
    pub fn update(&self, xi: &[f64]) -> Result<Vec<f64>> {
        let w = self.weights(xi)?;
        let mut out = vec![0.0; self.d];
        for (k, &wk) in w.iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(self.pattern(k)) {
                *o += wk * v;
            }
        }
        Ok(out)
    }

    /// The energy E(ξ) = −lse(β, Xᵀξ) + ½ ξ·ξ + β⁻¹ ln M + ½ max_k ‖x_k‖².
    pub fn energy(&self, xi: &[f64]) -> Result<f64> {
        self.check(xi)?;
        let z: Vec<f64> = (0..self.len())
            .map(|k| {
                self.beta
                    * self
                        .pattern(k)
                        .iter()
                        .zip(xi)
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
            })
            .collect();
        let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = (max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln()) / self.beta;
        let big = (0..self.len())
            .map(|k| self.pattern(k).iter().map(|v| v * v).sum::<f64>())
            .fold(0.0, f64::max);
        Ok(-lse
            + 0.5 * xi.iter().map(|v| v * v).sum::<f64>()
            + (self.len() as f64).ln() / self.beta
            + 0.5 * big)
    }

    /// Iterates the update until ‖Δξ‖_∞ ≤ `tol` or `max_iter` updates; returns the state and
    /// the updates made.
    pub fn retrieve(&self, xi: &[f64], max_iter: usize, tol: f64) -> Result<(Vec<f64>, usize)> {
        self.check(xi)?;
        let mut s = xi.to_vec();
        for it in 0..max_iter {
            let next = self.update(&s)?;
            let delta = next
                .iter()
                .zip(&s)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            s = next;
            if delta <= tol {
                return Ok((s, it + 1));
            }
        }
        Ok((s, max_iter))
    }
}

/// Settings of the retrieval-error scan of the continuous network.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContinuousScanSpec {
    /// Pattern dimension d (patterns are random ±1 vectors).
    pub dim: usize,
    /// Numbers of stored patterns M.
    pub counts: Vec<usize>,
    /// Inverse temperatures β.
    pub betas: Vec<f64>,
    /// Fraction of the query's components flipped (the query is a noisy stored pattern).
    pub flip: f64,
    /// Independent pattern sets per (M, β).
    pub samples: usize,
    /// Queries per set.
    pub queries: usize,
    /// Seed.
    pub seed: u64,
}

/// One point of the scan.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContinuousScanPoint {
    /// M.
    pub count: usize,
    /// β.
    pub beta: f64,
    /// Mean relative error ‖ξ_new − x_target‖ / ‖x_target‖ after one update.
    pub error: f64,
    /// Its standard error over the queries.
    pub error_err: f64,
    /// Fraction of queries whose updated state has the target as the nearest pattern and
    /// every component of the target's sign.
    pub success: f64,
}

/// Retrieval error of the continuous modern network after one update (Ramsauer et al.:
/// retrieval in one step with an error exponentially small in β times the separation),
/// against β and the number of stored patterns.
pub fn continuous_scan(spec: &ContinuousScanSpec) -> Result<Vec<ContinuousScanPoint>> {
    use rayon::prelude::*;
    if spec.dim == 0 || spec.samples == 0 || spec.queries == 0 || spec.counts.contains(&0) {
        return Err(invalid(
            "need dim ≥ 1, samples ≥ 1, queries ≥ 1 and counts ≥ 1",
        ));
    }
    if !(0.0..=0.5).contains(&spec.flip) {
        return Err(invalid(format!(
            "the flipped fraction must lie in [0, 1/2], got {}",
            spec.flip
        )));
    }
    let root = crate::rng::Streams::new(spec.seed);
    let flips = (spec.flip * spec.dim as f64).round() as usize;
    let grid: Vec<(usize, f64)> = spec
        .counts
        .iter()
        .flat_map(|&m| spec.betas.iter().map(move |&b| (m, b)))
        .collect();
    grid.par_iter()
        .map(|&(m, beta)| -> Result<ContinuousScanPoint> {
            let mut errs = vec![];
            let mut ok = 0usize;
            for k in 0..spec.samples {
                let streams = root.child(&[m as u64, k as u64]);
                let ps = Patterns::random(spec.dim, m, 0.0, &streams)?;
                let rows: Vec<Vec<f64>> = (0..m)
                    .map(|mu| ps.pattern(mu).iter().map(|&v| v as f64).collect())
                    .collect();
                let net = ContinuousHopfield::new(&rows, beta)?;
                for (q, target) in rows.iter().enumerate().take(spec.queries.min(m)) {
                    let mut rng = streams.stream(&[crate::rng::purpose::MONTE_CARLO, q as u64]);
                    let start = super::dynamics::corrupt(ps.pattern(q), flips, &mut rng)?;
                    let x: Vec<f64> = start.iter().map(|&v| v as f64).collect();
                    let out = net.update(&x)?;
                    let e = out
                        .iter()
                        .zip(target)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        .sqrt()
                        / (spec.dim as f64).sqrt();
                    errs.push(e);
                    ok += out.iter().zip(target).all(|(a, b)| a * b > 0.0) as usize;
                }
            }
            let k = errs.len() as f64;
            let mean = errs.iter().sum::<f64>() / k;
            let var = errs.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (k - 1.0).max(1.0);
            Ok(ContinuousScanPoint {
                count: m,
                beta,
                error: mean,
                error_err: (var / k).sqrt(),
                success: ok as f64 / k,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{run, Dynamics, Hebbian};
    use crate::rng::Streams;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn power_two_is_the_hebbian_network() {
        let ps = Patterns::random(300, 31, 0.0, &Streams::new(3)).unwrap();
        let dam = DenseAssociative::new(ps.clone(), Interaction::Power(2)).unwrap();
        let heb = Hebbian::new(ps.clone()).unwrap();
        let mut rng = Streams::new(1).stream(&[0]);
        let s = crate::memory::dynamics::corrupt(ps.pattern(0), 90, &mut rng).unwrap();
        let (cd, ch) = (dam.cache(&s), heb.cache(&s));
        for i in 0..300 {
            let (a, b) = (dam.field(&cd, &s, i), heb.field(&ch, &s, i));
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        let e = dam.energy(&cd, &s).unwrap() + 31.0 / 2.0;
        assert!((e - heb.energy(&ch, &s).unwrap()).abs() < 1e-9);
        let d = Dynamics::Asynchronous { max_sweeps: 100 };
        let a = run(&dam, &s, &d, &mut Streams::new(2).stream(&[0])).unwrap();
        let b = run(&heb, &s, &d, &mut Streams::new(2).stream(&[0])).unwrap();
        assert_eq!(a.state, b.state);
        assert!(DenseAssociative::new(ps, Interaction::Power(1)).is_err());
    }

    #[test]
    fn higher_power_stores_far_beyond_hebb() {
        // p = 2N: hopeless for Hebb (α_c = 0.138), easy for n = 4.
        let ps = Patterns::random(100, 200, 0.0, &Streams::new(4)).unwrap();
        let dam = DenseAssociative::new(ps.clone(), Interaction::Power(4)).unwrap();
        let mut rng = Streams::new(5).stream(&[0]);
        for mu in [0, 50, 199] {
            let (_, m) = crate::memory::recall(
                &dam,
                mu,
                10,
                &Dynamics::Asynchronous { max_sweeps: 50 },
                &mut rng,
            )
            .unwrap();
            assert_eq!(m, 1.0);
        }
        assert!(
            crate::memory::hebb(&ps)
                .unwrap()
                .unstable_fraction(&ps)
                .unwrap()
                > 0.1
        );
    }

    /// At small N the exponential network's energy is ln of Demircigil's −Σ_μ e^{ξ^μ·s}
    /// and its field has the sign of his update rule, both computed here directly.
    #[test]
    fn exponential_matches_demircigil_directly() {
        let (n, p) = (30, 50);
        let ps = Patterns::random(n, p, 0.0, &Streams::new(11)).unwrap();
        let net = DenseAssociative::new(ps.clone(), Interaction::Exp).unwrap();
        let mut rng = Streams::new(12).stream(&[0]);
        let s = crate::memory::dynamics::corrupt(ps.pattern(1), 12, &mut rng).unwrap();
        let c = net.cache(&s);
        let e_d: f64 = -(0..p)
            .map(|mu| (dot(ps.pattern(mu), &s) as f64).exp())
            .sum::<f64>();
        let e = net.energy(&c, &s).unwrap();
        assert!((e + (-e_d).ln()).abs() < 1e-12, "{e} {e_d}");
        for i in 0..n {
            let (mut up, mut down) = (0.0, 0.0);
            for mu in 0..p {
                let x = ps.pattern(mu);
                let a = (dot(x, &s) - (x[i] * s[i]) as i64) as f64;
                up += (a + x[i] as f64).exp();
                down += (a - x[i] as f64).exp();
            }
            let h = net.field(&c, &s, i);
            assert!((h - 0.5 * (up / down).ln()).abs() < 1e-12, "{i}: {h}");
        }
        assert_eq!(Interaction::parse(" EXP ").unwrap(), Interaction::Exp);
        assert_eq!(Interaction::parse("3").unwrap(), Interaction::Power(3));
        assert!(Interaction::parse("1").is_err() && Interaction::parse("e").is_err());
    }

    /// p = 1000 patterns at N = 56 (α ≈ 18, where x² fails): every stored pattern
    /// tried is a fixed point and is recalled from 20 % flipped units, the energy falling
    /// with every flip; at N = 1000 nothing overflows.
    #[test]
    fn exponential_stores_exponentially_many() {
        let (n, p) = (56, 1000);
        let ps = Patterns::random(n, p, 0.0, &Streams::new(13)).unwrap();
        let net = DenseAssociative::new(ps.clone(), Interaction::Exp).unwrap();
        let quadratic = DenseAssociative::new(ps.clone(), Interaction::Power(2)).unwrap();
        let d = Dynamics::Asynchronous { max_sweeps: 50 };
        let (mut exp_ok, mut quadratic_ok) = (0, 0);
        for mu in (0..p).step_by(50) {
            let mut rng = Streams::new(14).stream(&[mu as u64]);
            let x = ps.pattern(mu);
            let fixed = run(&net, x, &d, &mut rng).unwrap();
            assert_eq!(fixed.flips, 0, "pattern {mu} is not a fixed point");
            let start = crate::memory::dynamics::corrupt(x, n / 5, &mut rng).unwrap();
            // Energy along the asynchronous dynamics, flip by flip.
            let mut state = start.clone();
            let mut c = net.cache(&state);
            let mut e = net.energy(&c, &state).unwrap();
            for _ in 0..50 {
                let mut changed = false;
                for i in 0..n {
                    if state[i] as f64 * net.field(&c, &state, i) < 0.0 {
                        net.flip(&mut c, &mut state, i);
                        let e1 = net.energy(&c, &state).unwrap();
                        assert!(e1 < e, "energy rose: {e} → {e1}");
                        e = e1;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            exp_ok += (state == x) as usize;
            let q = run(&quadratic, &start, &d, &mut rng).unwrap();
            quadratic_ok += (q.overlaps[mu] == 1.0) as usize;
        }
        assert_eq!(exp_ok, 20);
        assert_eq!(quadratic_ok, 0);
        // N = 1000: energies ~ −1000 and finite fields, no overflow.
        let big = Patterns::random(1000, 20, 0.0, &Streams::new(15)).unwrap();
        let net = DenseAssociative::new(big.clone(), Interaction::Exp).unwrap();
        let mut rng = Streams::new(16).stream(&[0]);
        let start = crate::memory::dynamics::corrupt(big.pattern(7), 200, &mut rng).unwrap();
        let out = run(&net, &start, &d, &mut rng).unwrap();
        assert_eq!(out.overlaps[7], 1.0);
        let e = out.energy.unwrap();
        assert!(e.is_finite() && (e + 1000.0).abs() < 1e-6, "{e}");
    }

    fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
        a.iter()
            .map(|row| {
                (0..b[0].len())
                    .map(|j| row.iter().zip(b).map(|(x, brow)| x * brow[j]).sum())
                    .collect()
            })
            .collect()
    }

    fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
        (0..a[0].len())
            .map(|j| a.iter().map(|r| r[j]).collect())
            .collect()
    }

    /// Ramsauer et al.: Z = softmax(β Q Kᵀ) V with V = K W_V is the Hopfield update of each
    /// query (state) against the keys (stored patterns), projected by W_V.
    #[test]
    fn update_is_one_step_of_attention() {
        let mut rng = Streams::new(8).stream(&[0]);
        let mut randm = |r: usize, c: usize| -> Vec<Vec<f64>> {
            (0..r)
                .map(|_| (0..c).map(|_| StandardNormal.sample(&mut rng)).collect())
                .collect()
        };
        let (d_in, d_k, d_v, n_q, n_k) = (5, 4, 3, 6, 7);
        let (r, y) = (randm(n_q, d_in), randm(n_k, d_in));
        let (wq, wk, wv) = (randm(d_in, d_k), randm(d_in, d_k), randm(d_k, d_v));
        let (q, k) = (matmul(&r, &wq), matmul(&y, &wk));
        let v = matmul(&k, &wv);
        let beta = 1.0 / (d_k as f64).sqrt();
        // Explicit attention.
        let scores = matmul(&q, &transpose(&k));
        let soft: Vec<Vec<f64>> = scores
            .iter()
            .map(|row| {
                let e: Vec<f64> = row.iter().map(|x| (beta * x).exp()).collect();
                let s: f64 = e.iter().sum();
                e.iter().map(|x| x / s).collect()
            })
            .collect();
        let z = matmul(&soft, &v);
        // Hopfield.
        let net = ContinuousHopfield::new(&k, beta).unwrap();
        for (qi, zi) in q.iter().zip(&z) {
            let xi = net.update(qi).unwrap();
            let out = matmul(&[xi], &wv);
            for (a, b) in out[0].iter().zip(zi) {
                assert!((a - b).abs() < 1e-12, "{a} {b}");
            }
        }
        assert!(net.update(&[1.0]).is_err());
        assert!(ContinuousHopfield::new(&k, 0.0).is_err());
    }

    #[test]
    fn continuous_retrieval_lowers_energy_and_finds_the_pattern() {
        let ps = Patterns::random(64, 20, 0.0, &Streams::new(9)).unwrap();
        let x: Vec<Vec<f64>> = (0..20)
            .map(|k| ps.pattern(k).iter().map(|&v| v as f64).collect())
            .collect();
        let net = ContinuousHopfield::new(&x, 0.5).unwrap();
        let mut rng = Streams::new(1).stream(&[0]);
        let noisy: Vec<f64> = crate::memory::dynamics::corrupt(ps.pattern(3), 16, &mut rng)
            .unwrap()
            .iter()
            .map(|&v| v as f64)
            .collect();
        let e0 = net.energy(&noisy).unwrap();
        let one = net.update(&noisy).unwrap();
        assert!(net.energy(&one).unwrap() <= e0);
        let (s, it) = net.retrieve(&noisy, 20, 1e-10).unwrap();
        assert!(it < 20);
        let err = s
            .iter()
            .zip(&x[3])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-6, "{err}");
    }

    /// The one-step error falls with β and grows with the number of stored patterns.
    #[test]
    fn continuous_error_falls_with_beta_and_grows_with_count() {
        let spec = ContinuousScanSpec {
            dim: 64,
            counts: vec![16, 1024],
            betas: vec![0.02, 0.5],
            flip: 0.1,
            samples: 2,
            queries: 8,
            seed: 1,
        };
        let pts = continuous_scan(&spec).unwrap();
        let e = |m: usize, b: f64| {
            pts.iter()
                .find(|p| p.count == m && p.beta == b)
                .unwrap()
                .clone()
        };
        assert!(e(16, 0.5).error < 1e-6 && e(16, 0.5).success == 1.0);
        assert!(e(16, 0.02).error > 0.3, "{:?}", e(16, 0.02));
        assert!(e(1024, 0.02).error > e(16, 0.02).error);
        assert!(e(1024, 0.5).error < 0.05);
        assert!(continuous_scan(&ContinuousScanSpec { dim: 0, ..spec }).is_err());
    }
}
