//! The hybrid Boltzmann machine of Barra, Bernacchia, Santucci & Contucci (2012) — the
//! paper's §2.3 and Figure 6d: the Hopfield network as a restricted Boltzmann machine with
//! binary visible units σ_i = ±1 and Gaussian hidden units z_μ ∈ ℝ.
//!
//! With weights ξ_i^μ/√N and an optional visible field h_i, the joint energy is
//!
//! ```text
//! H(σ, z) = ½ Σ_μ z_μ² − Σ_μ z_μ g_μ(σ) − Σ_i h_i σ_i,     g_μ(σ) = (1/√N) Σ_i ξ_i^μ σ_i = √N m_μ,
//! ```
//!
//! and P(σ, z) ∝ e^{−β H}. The Gaussian integral over z gives the σ-marginal
//!
//! ```text
//! P(σ) ∝ exp{β [(N/2) Σ_μ m_μ² + Σ_i h_i σ_i]} = e^{−β E_Hopfield(σ)},
//! ```
//!
//! the Boltzmann distribution of the Hebbian Hopfield network J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ
//! (the diagonal only adds a constant). The conditionals are
//!
//! - z_μ | σ ~ Normal(g_μ(σ), 1/β), so the hidden-unit mean is ⟨z_μ⟩ = √N ⟨m_μ⟩: the
//!   Mattis overlap, scaled by √N;
//! - σ_i | z independent, P(σ_i = +1 | z) = 1/(1 + e^{−2β u_i}), u_i = (1/√N) Σ_μ ξ_i^μ z_μ + h_i
//!   (a heat-bath update of all visible units at once is exact, the graph being bipartite).
//!
//! The hidden units can also follow the paper's Langevin equation (with the 1/√N weights),
//!
//! ```text
//! τ dz_μ/dt = −z_μ + g_μ(σ) + √(2τ/β) ζ_μ(t),     ⟨ζ_μ(t) ζ_ν(t')⟩ = δ_μν δ(t − t'),
//! ```
//!
//! an Ornstein–Uhlenbeck process whose stationary law at fixed σ is exactly Normal(g_μ, 1/β).
//! It is integrated with its exact propagator over a step Δt (in units of τ),
//! z ← g + (z − g) e^{−Δt} + √((1 − e^{−2Δt})/β) η, so no discretization bias enters;
//! Δt → ∞ is the Gibbs update. Alternating a hidden update with the visible heat bath leaves
//! P(σ, z) invariant either way.

use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

use super::patterns::Patterns;
use crate::error::{invalid, Result};
use crate::measure::{Estimate, Series};
use crate::rng::{purpose, Rng, Streams};

/// The largest N whose 2^N visible states are enumerated or histogrammed.
pub const MAX_ENUMERATED: usize = 20;

/// How the hidden units are updated given the visible ones.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum HiddenDynamics {
    /// Exact draw z_μ ~ Normal(g_μ(σ), 1/β) (Gibbs sampling).
    Gibbs,
    /// The Langevin equation integrated over `step` (in units of the time constant τ) with
    /// its exact Ornstein–Uhlenbeck propagator.
    Langevin {
        /// Time step Δt/τ > 0.
        step: f64,
    },
}

/// How long to sample.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HybridSpec {
    /// Hidden-unit update.
    pub hidden: HiddenDynamics,
    /// Steps (hidden update + visible heat bath) discarded at the start.
    pub burn_in: usize,
    /// Recorded samples.
    pub samples: usize,
    /// Steps between recorded samples (≥ 1).
    pub thin: usize,
}

/// What a run of the hybrid machine measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HybridRun {
    /// Visits of each visible state (index Σ_i [σ_i = +1] 2^i), for N ≤ [`MAX_ENUMERATED`].
    pub counts: Option<Vec<u64>>,
    /// Mattis overlaps ⟨m_μ⟩ of the sampled visible states.
    pub overlaps: Vec<Estimate>,
    /// Scaled hidden-unit means ⟨z_μ⟩/√N.
    pub hidden: Vec<Estimate>,
    /// Hopfield energy per unit ⟨E(σ)⟩/N of the sampled visible states.
    pub energy: Estimate,
    /// The largest integrated autocorrelation time (in recorded samples) of the energy and
    /// the overlaps: the recorded samples are worth about `samples / (2 τ)` independent ones.
    pub tau_int: f64,
}

/// The exact σ-marginal (the Hopfield Boltzmann distribution), by enumeration.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HopfieldMarginal {
    /// P(σ) of each visible state (index Σ_i [σ_i = +1] 2^i).
    pub probabilities: Vec<f64>,
    /// ⟨m_μ⟩.
    pub overlaps: Vec<f64>,
    /// ⟨E⟩/N.
    pub energy: f64,
}

/// The hybrid Boltzmann machine of a set of patterns.
#[derive(Clone, Debug)]
pub struct HybridBoltzmann {
    patterns: Patterns,
    by_unit: Vec<i8>,
    beta: f64,
    field: Vec<f64>,
}

/// The ±1 state of index `k` (bit i set ↔ σ_i = +1).
pub fn state_of_index(k: usize, n: usize) -> Vec<i8> {
    (0..n)
        .map(|i| if (k >> i) & 1 == 1 { 1 } else { -1 })
        .collect()
}

/// The index Σ_i [σ_i = +1] 2^i of a state (N ≤ 63).
pub fn index_of_state(s: &[i8]) -> usize {
    s.iter()
        .enumerate()
        .filter(|(_, &x)| x > 0)
        .map(|(i, _)| 1usize << i)
        .sum()
}

impl HybridBoltzmann {
    /// The machine with weights ξ/√N at inverse temperature β > 0 and visible field `field`
    /// (empty: zero field; else one finite entry per unit).
    pub fn new(patterns: Patterns, beta: f64, field: Vec<f64>) -> Result<Self> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!("β must be finite and > 0, got {beta}")));
        }
        if patterns.p() == 0 {
            return Err(invalid("the hybrid machine needs at least one pattern"));
        }
        let n = patterns.n();
        let field = if field.is_empty() {
            vec![0.0; n]
        } else {
            field
        };
        if field.len() != n {
            return Err(invalid(format!(
                "{} field entries for {n} units",
                field.len()
            )));
        }
        if field.iter().any(|h| !h.is_finite()) {
            return Err(invalid("the visible field has a non-finite entry"));
        }
        let by_unit = patterns.by_unit();
        Ok(HybridBoltzmann {
            patterns,
            by_unit,
            beta,
            field,
        })
    }

    /// The patterns.
    pub fn patterns(&self) -> &Patterns {
        &self.patterns
    }

    /// β.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The Hopfield energy E(σ) = −(N/2) Σ_μ m_μ² − Σ_i h_i σ_i whose Boltzmann distribution
    /// is the σ-marginal.
    pub fn hopfield_energy(&self, s: &[i8]) -> f64 {
        let n = self.patterns.n() as f64;
        let m = self.patterns.overlaps(s);
        -0.5 * n * m.iter().map(|x| x * x).sum::<f64>()
            - self
                .field
                .iter()
                .zip(s)
                .map(|(h, &x)| h * x as f64)
                .sum::<f64>()
    }

    /// g_μ(σ) = (1/√N) Σ_i ξ_i^μ σ_i.
    fn hidden_inputs(&self, s: &[i8]) -> Vec<f64> {
        let sq = (self.patterns.n() as f64).sqrt();
        self.patterns
            .overlaps(s)
            .into_iter()
            .map(|m| m * sq)
            .collect()
    }

    /// Updates the hidden units given σ.
    pub fn update_hidden(
        &self,
        s: &[i8],
        z: &mut [f64],
        dynamics: HiddenDynamics,
        rng: &mut Rng,
    ) -> Result<()> {
        let g = self.hidden_inputs(s);
        let sd = 1.0 / self.beta.sqrt();
        match dynamics {
            HiddenDynamics::Gibbs => {
                for (zm, gm) in z.iter_mut().zip(&g) {
                    let e: f64 = StandardNormal.sample(rng);
                    *zm = gm + sd * e;
                }
            }
            HiddenDynamics::Langevin { step } => {
                if !(step.is_finite() && step > 0.0) {
                    return Err(invalid(format!(
                        "the Langevin step must be finite and > 0, got {step}"
                    )));
                }
                let decay = (-step).exp();
                let noise = sd * (-(-2.0 * step).exp_m1()).sqrt();
                for (zm, gm) in z.iter_mut().zip(&g) {
                    let e: f64 = StandardNormal.sample(rng);
                    *zm = gm + (*zm - gm) * decay + noise * e;
                }
            }
        }
        Ok(())
    }

    /// Heat-bath update of all visible units given z.
    pub fn update_visible(&self, z: &[f64], s: &mut [i8], rng: &mut Rng) {
        let p = self.patterns.p();
        let inv = 1.0 / (self.patterns.n() as f64).sqrt();
        for (i, si) in s.iter_mut().enumerate() {
            let xi = &self.by_unit[i * p..(i + 1) * p];
            let u =
                inv * xi.iter().zip(z).map(|(&x, zm)| x as f64 * zm).sum::<f64>() + self.field[i];
            let up = 1.0 / (1.0 + (-2.0 * self.beta * u).exp());
            *si = if rng.random::<f64>() < up { 1 } else { -1 };
        }
    }

    /// Samples the joint distribution: from a random σ, alternate the hidden update and the
    /// visible heat bath; record σ and z every `thin` steps after `burn_in`.
    pub fn sample(&self, spec: &HybridSpec, streams: &Streams) -> Result<HybridRun> {
        if spec.samples < 2 || spec.thin == 0 {
            return Err(invalid("need at least 2 samples and thin ≥ 1"));
        }
        let (n, p) = (self.patterns.n(), self.patterns.p());
        let mut rng = streams.stream(&[purpose::MONTE_CARLO, 0x4b3d]);
        let mut s: Vec<i8> = {
            let mut r = streams.stream(&[purpose::INITIAL_STATE, 0x4b3d]);
            (0..n)
                .map(|_| if r.random::<bool>() { 1 } else { -1 })
                .collect()
        };
        let mut z = self.hidden_inputs(&s);
        let step = |s: &mut Vec<i8>, z: &mut Vec<f64>, rng: &mut Rng| -> Result<()> {
            self.update_hidden(s, z, spec.hidden, rng)?;
            self.update_visible(z, s, rng);
            Ok(())
        };
        for _ in 0..spec.burn_in {
            step(&mut s, &mut z, &mut rng)?;
        }
        let mut counts = (n <= MAX_ENUMERATED).then(|| vec![0u64; 1 << n]);
        let mut ov: Vec<Series> = (0..p).map(|_| Series::default()).collect();
        let mut hid: Vec<Series> = (0..p).map(|_| Series::default()).collect();
        let mut en = Series::default();
        let sq = (n as f64).sqrt();
        for _ in 0..spec.samples {
            for _ in 0..spec.thin {
                step(&mut s, &mut z, &mut rng)?;
            }
            if let Some(c) = counts.as_mut() {
                c[index_of_state(&s)] += 1;
            }
            for (mu, (o, h)) in ov.iter_mut().zip(hid.iter_mut()).enumerate() {
                o.push(self.patterns.overlap(mu, &s));
                h.push(z[mu] / sq);
            }
            en.push(self.hopfield_energy(&s) / n as f64);
        }
        let overlaps: Vec<Estimate> = ov.iter().map(Series::estimate).collect();
        let hidden: Vec<Estimate> = hid.iter().map(Series::estimate).collect();
        let energy = en.estimate();
        let tau_int = overlaps
            .iter()
            .chain(std::iter::once(&energy))
            .map(|e| e.tau_int)
            .filter(|t| t.is_finite())
            .fold(0.5, f64::max);
        Ok(HybridRun {
            counts,
            overlaps,
            hidden,
            energy,
            tau_int,
        })
    }

    /// The exact σ-marginal P(σ) ∝ e^{−β E(σ)} by enumeration of the 2^N states
    /// (N ≤ [`MAX_ENUMERATED`]).
    pub fn exact_marginal(&self) -> Result<HopfieldMarginal> {
        let (n, p) = (self.patterns.n(), self.patterns.p());
        if n > MAX_ENUMERATED {
            return Err(invalid(format!(
                "exact enumeration is limited to N ≤ {MAX_ENUMERATED}, got {n}"
            )));
        }
        let energies: Vec<f64> = (0..1usize << n)
            .map(|k| self.hopfield_energy(&state_of_index(k, n)))
            .collect();
        let e0 = energies.iter().cloned().fold(f64::INFINITY, f64::min);
        let mut w: Vec<f64> = energies
            .iter()
            .map(|e| (-self.beta * (e - e0)).exp())
            .collect();
        let z: f64 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= z);
        let mut overlaps = vec![0.0; p];
        let mut energy = 0.0;
        for (k, (&pk, &e)) in w.iter().zip(&energies).enumerate() {
            let s = state_of_index(k, n);
            for (o, m) in overlaps.iter_mut().zip(self.patterns.overlaps(&s)) {
                *o += pk * m;
            }
            energy += pk * e / n as f64;
        }
        Ok(HopfieldMarginal {
            probabilities: w,
            overlaps,
            energy,
        })
    }
}

/// Total-variation distance ½ Σ_x |counts_x / S − p_x| between a histogram and a
/// distribution.
pub fn total_variation(p: &[f64], counts: &[u64]) -> Result<f64> {
    if p.len() != counts.len() {
        return Err(invalid(format!(
            "{} probabilities, {} histogram bins",
            p.len(),
            counts.len()
        )));
    }
    let s = counts.iter().sum::<u64>() as f64;
    if s == 0.0 {
        return Err(invalid("the histogram is empty"));
    }
    Ok(0.5
        * p.iter()
            .zip(counts)
            .map(|(&q, &c)| (c as f64 / s - q).abs())
            .sum::<f64>())
}

/// The sampling error of the total-variation distance: mean and standard deviation of the
/// TV distance between `p` and the histogram of `samples` independent exact draws from `p`,
/// over `reps` repetitions. A sampler whose TV lies within this spread (for its effective
/// number of independent samples) is indistinguishable from an exact one.
pub fn exact_sampler_tv(
    p: &[f64],
    samples: usize,
    reps: usize,
    streams: &Streams,
) -> Result<Estimate> {
    if samples == 0 || reps < 2 {
        return Err(invalid("need samples ≥ 1 and at least 2 repetitions"));
    }
    let total: f64 = p.iter().sum();
    if !(p.iter().all(|x| x.is_finite() && *x >= 0.0) && (total - 1.0).abs() < 1e-9) {
        return Err(invalid("not a probability distribution"));
    }
    let mut cdf = Vec::with_capacity(p.len());
    let mut acc = 0.0;
    for &x in p {
        acc += x;
        cdf.push(acc);
    }
    let tvs: Vec<f64> = (0..reps)
        .map(|r| {
            let mut rng = streams.stream(&[purpose::MONTE_CARLO, 0x7a11, r as u64]);
            let mut counts = vec![0u64; p.len()];
            for _ in 0..samples {
                let u = rng.random::<f64>() * acc;
                let k = cdf.partition_point(|&c| c <= u).min(p.len() - 1);
                counts[k] += 1;
            }
            total_variation(p, &counts).expect("same length, non-empty")
        })
        .collect();
    let mean = tvs.iter().sum::<f64>() / reps as f64;
    let var = tvs.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
    Ok(Estimate {
        mean,
        error: var.sqrt(),
        tau_int: 0.5,
        n: reps as u64,
        reliable: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(field: f64, beta: f64) -> HybridBoltzmann {
        let ps = Patterns::random(10, 3, 0.0, &Streams::new(11)).unwrap();
        let h: Vec<f64> = ps.pattern(0).iter().map(|&x| field * x as f64).collect();
        HybridBoltzmann::new(ps, beta, h).unwrap()
    }

    /// The σ-marginal of the hybrid machine is the Hopfield Boltzmann distribution (also
    /// issue 7's "Gaussian-hidden RBM with weights ξ/√N has the Hopfield marginal"): the
    /// sampled visible histogram is as close to exact enumeration as an exact sampler with
    /// the same effective number of samples, and ⟨z_μ⟩/√N = ⟨m_μ⟩.
    #[test]
    fn visible_marginal_is_the_hopfield_distribution() {
        for (k, hidden) in [
            HiddenDynamics::Gibbs,
            HiddenDynamics::Langevin { step: 0.5 },
        ]
        .into_iter()
        .enumerate()
        {
            let m = machine(0.15, 1.5);
            let exact = m.exact_marginal().unwrap();
            let spec = HybridSpec {
                hidden,
                burn_in: 1000,
                samples: 200_000,
                thin: 2,
            };
            let run = m.sample(&spec, &Streams::new(5 + k as u64)).unwrap();
            let counts = run.counts.as_ref().unwrap();
            let tv = total_variation(&exact.probabilities, counts).unwrap();
            let eff = (spec.samples as f64 / (2.0 * run.tau_int)) as usize;
            let iid = exact_sampler_tv(&exact.probabilities, eff, 8, &Streams::new(9)).unwrap();
            assert!(
                tv < iid.mean + 4.0 * iid.error + 0.2 * iid.mean,
                "{hidden:?}: TV {tv} vs exact sampler {} ± {} (eff {eff})",
                iid.mean,
                iid.error
            );
            // A distribution a little off (β 10 % higher) is clearly rejected.
            let off = machine(0.15, 1.65).exact_marginal().unwrap();
            let tv_off = total_variation(&off.probabilities, counts).unwrap();
            assert!(tv_off > 2.0 * tv, "{tv_off} {tv}");
            for mu in 0..3 {
                let (o, h) = (run.overlaps[mu], run.hidden[mu]);
                assert!(
                    o.sigmas_from(exact.overlaps[mu]) < 4.0,
                    "{mu}: {o:?} {exact:?}"
                );
                assert!(
                    h.sigmas_from(exact.overlaps[mu]) < 4.0,
                    "{mu}: {h:?} {exact:?}"
                );
            }
            assert!(exact.overlaps[0] > 0.2, "{:?}", exact.overlaps);
            assert!(run.energy.sigmas_from(exact.energy) < 4.0);
        }
    }

    #[test]
    fn helpers_and_bad_input() {
        assert_eq!(index_of_state(&state_of_index(77, 10)), 77);
        let ps = Patterns::random(4, 2, 0.0, &Streams::new(1)).unwrap();
        assert!(HybridBoltzmann::new(ps.clone(), 0.0, vec![]).is_err());
        assert!(HybridBoltzmann::new(ps.clone(), 1.0, vec![0.0; 3]).is_err());
        let m = HybridBoltzmann::new(ps, 1.0, vec![]).unwrap();
        let spec = HybridSpec {
            hidden: HiddenDynamics::Langevin { step: -1.0 },
            burn_in: 0,
            samples: 10,
            thin: 1,
        };
        assert!(m.sample(&spec, &Streams::new(1)).is_err());
        assert!(total_variation(&[0.5, 0.5], &[1]).is_err());
        assert_eq!(total_variation(&[0.5, 0.5], &[1, 1]).unwrap(), 0.0);
        let big = Patterns::random(21, 1, 0.0, &Streams::new(1)).unwrap();
        let big = HybridBoltzmann::new(big, 1.0, vec![]).unwrap();
        assert!(big.exact_marginal().is_err());
    }
}
