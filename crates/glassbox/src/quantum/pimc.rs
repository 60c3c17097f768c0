//! Path-integral Monte Carlo of `H = H_cl(σᶻ) − Γ Σ_i σˣ_i` at inverse temperature β.
//!
//! **Suzuki–Trotter mapping.** With P slices, `Z = Tr (e^{−βH_cl/P} e^{βΓX/P})^P + O(β³/P²)`
//! and, for one spin, `⟨s|e^{a σˣ}|s'⟩ = C e^{K s s'}` with `a = βΓ/P`,
//! `C² = sinh a cosh a` and
//!
//! ```text
//! K = −½ ln tanh(βΓ/P)        (dimensionless, > 0: ferromagnetic along imaginary time)
//! ```
//!
//! so Z is (up to the constant `C^{NP}`) the partition function of P coupled classical
//! copies `s^1 … s^P` (periodic in k) with weight
//!
//! ```text
//! W(s) = exp( −(β/P) Σ_k H_cl(s^k) + K Σ_k Σ_i s_i^k s_i^{k+1} ).
//! ```
//!
//! Written as `exp(−β_eff [Σ_k H_cl(s^k) − J⊥ Σ s s'])` with `β_eff = β/P` this is the
//! inter-slice coupling `J⊥ = −(1/(2β_eff)) ln tanh(β_eff Γ)` of Martoňák, Santoro & Tosatti
//! (2002); [`k_perp`] returns the dimensionless K = β_eff J⊥.
//!
//! **Estimators** (thermodynamic, from `E = −∂ ln Z/∂β` and `⟨X⟩ = β⁻¹ ∂ ln Z/∂Γ` of the
//! discretized Z, with `S = Σ_{k,i} s_i^k s_i^{k+1}`):
//!
//! ```text
//! ⟨σˣ⟩ per spin = coth(2a) − ⟨S⟩ / (N P sinh 2a)
//! E             = (1/P) ⟨Σ_k H_cl(s^k)⟩ − Γ N ⟨σˣ⟩
//!               = (1/P) ⟨Σ_k H_cl(s^k)⟩ − NΓ coth(2a) + Γ ⟨S⟩ / (P sinh 2a).
//! ```
//!
//! They are exact for the discretized model; the Trotter error of E and ⟨σˣ⟩ is O(1/P²), and
//! [`trotter_extrapolate`] fits `E(P) = E_∞ + c/P²` to remove it.
//!
//! **Updates.** A sweep visits every spin of every slice once (slice by slice, sites in
//! order) with the Metropolis rule for `ΔlnW = −2 s_i^k [(β/P) h_i^loc,k + K (s_i^{k−1} +
//! s_i^{k+1})]`. With `cluster` on, each sweep then makes N imaginary-time cluster moves: a
//! site i and a slice k are drawn, a Wolff cluster is grown from (i, k) along the slices of
//! site i (adding an aligned neighbour slice with probability `1 − e^{−2K}`), and the segment
//! is flipped with the Metropolis probability of its classical energy change
//! `exp(−(2β/P) Σ_{k∈segment} s_i^k h_i^loc,k)`. This is exact (the inter-slice bonds are
//! handled by the Fortuin–Kasteleyn construction) and decorrelates the long imaginary-time
//! domains that freeze single-spin moves when K is large (large P or small Γ).
//!
//! Streams: the initial slices come from `[QUANTUM_STREAM, 1, 0]`, the moves from
//! `[QUANTUM_STREAM, 1, 1]`.

use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::mc::Replica;
use crate::measure::{Estimate, Series};
use crate::model::{Interactions, Ising};
use crate::quantum::QUANTUM_STREAM;
use crate::rng::{Rng, Streams};
use crate::with_interactions;

/// The dimensionless inter-slice coupling `K = −½ ln tanh(βΓ/P)` (> 0 for Γ > 0).
pub fn k_perp(beta: f64, gamma: f64, slices: usize) -> f64 {
    -0.5 * (beta * gamma / slices as f64).tanh().ln()
}

/// The P coupled classical slices of the Suzuki–Trotter mapping.
#[derive(Clone, Debug)]
pub struct Slices {
    reps: Vec<Replica>,
}

impl Slices {
    /// P slices, each with independent uniformly random spins.
    pub fn random(model: &Ising, slices: usize, rng: &mut Rng) -> Self {
        Slices {
            reps: (0..slices).map(|_| Replica::random(model, rng)).collect(),
        }
    }

    /// The slices.
    pub fn replicas(&self) -> &[Replica] {
        &self.reps
    }

    /// `S = Σ_{k,i} s_i^k s_i^{k+1}` (periodic in k).
    pub fn imaginary_time_bonds(&self) -> i64 {
        let p = self.reps.len();
        let mut s = 0i64;
        for k in 0..p {
            let a = self.reps[k].spins();
            let b = self.reps[(k + 1) % p].spins();
            s += a.iter().zip(b).map(|(&x, &y)| (x * y) as i64).sum::<i64>();
        }
        s
    }

    /// `Σ_k H_cl(s^k)`.
    pub fn classical_energy_sum(&self) -> f64 {
        self.reps.iter().map(|r| r.energy()).sum()
    }

    /// One Metropolis sweep over all N·P spins with classical weight `b = β/P` per slice and
    /// inter-slice coupling `k`. Returns the number of accepted flips.
    pub fn metropolis_sweep(&mut self, model: &Ising, b: f64, k: f64, rng: &mut Rng) -> u64 {
        with_interactions!(model.couplings(), c => self.sweep_in(c, b, k, rng))
    }

    fn sweep_in<C: Interactions>(&mut self, c: &C, b: f64, kp: f64, rng: &mut Rng) -> u64 {
        let p = self.reps.len();
        let n = c.n();
        let mut accepted = 0;
        for k in 0..p {
            let (prev, next) = ((k + p - 1) % p, (k + 1) % p);
            for i in 0..n {
                let nb = if p == 1 {
                    0.0
                } else {
                    (self.reps[prev].spins()[i] + self.reps[next].spins()[i]) as f64
                };
                let r = &mut self.reps[k];
                let s = r.spins()[i] as f64;
                let delta = 2.0 * s * (b * r.fields()[i] + kp * nb);
                if delta <= 0.0 || rng.random::<f64>() < (-delta).exp() {
                    r.flip(c, i);
                    accepted += 1;
                }
            }
        }
        accepted
    }

    /// `moves` Wolff cluster moves along imaginary time (see the
    /// [module documentation](self)). Returns the number of accepted segment flips.
    pub fn cluster_moves(
        &mut self,
        model: &Ising,
        b: f64,
        k: f64,
        moves: usize,
        rng: &mut Rng,
    ) -> u64 {
        with_interactions!(model.couplings(), c => self.cluster_in(c, b, k, moves, rng))
    }

    fn cluster_in<C: Interactions>(
        &mut self,
        c: &C,
        b: f64,
        kp: f64,
        moves: usize,
        rng: &mut Rng,
    ) -> u64 {
        let p = self.reps.len();
        let n = c.n();
        let p_add = 1.0 - (-2.0 * kp).exp();
        let mut accepted = 0;
        for _ in 0..moves {
            let i = rng.random_range(0..n);
            let k0 = rng.random_range(0..p);
            let s0 = self.reps[k0].spins()[i];
            let mut fwd = 0;
            while fwd + 1 < p {
                let k = (k0 + fwd + 1) % p;
                if self.reps[k].spins()[i] == s0 && rng.random::<f64>() < p_add {
                    fwd += 1;
                } else {
                    break;
                }
            }
            let mut bwd = 0;
            while fwd + bwd + 1 < p {
                let k = (k0 + p - bwd - 1) % p;
                if self.reps[k].spins()[i] == s0 && rng.random::<f64>() < p_add {
                    bwd += 1;
                } else {
                    break;
                }
            }
            let start = k0 + p - bwd;
            let len = fwd + bwd + 1;
            let field: f64 = (0..len)
                .map(|t| self.reps[(start + t) % p].fields()[i])
                .sum();
            let delta = 2.0 * b * s0 as f64 * field;
            if delta <= 0.0 || rng.random::<f64>() < (-delta).exp() {
                for t in 0..len {
                    self.reps[(start + t) % p].flip(c, i);
                }
                accepted += 1;
            }
        }
        accepted
    }

    /// Recomputes every slice's cached fields and energy (removes floating-point drift).
    pub fn resync(&mut self, model: &Ising) {
        self.reps.iter_mut().for_each(|r| r.resync(model));
    }
}

/// How to run [`pimc`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PimcConfig {
    /// Inverse temperature β (> 0).
    pub beta: f64,
    /// Transverse field Γ (> 0).
    pub gamma: f64,
    /// Trotter slices P (≥ 2).
    pub slices: usize,
    /// Sweeps discarded for equilibration.
    pub thermalize: u64,
    /// Measured sweeps (one measurement each).
    pub sweeps: u64,
    /// Add N imaginary-time cluster moves to every sweep.
    pub cluster: bool,
    /// Seed of the streams.
    pub seed: u64,
}

/// The result of [`pimc`]: estimates with binning error bars.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PimcResult {
    /// The configuration.
    pub config: PimcConfig,
    /// K = −½ ln tanh(βΓ/P).
    pub k_perp: f64,
    /// Energy ⟨H⟩ (thermodynamic estimator).
    pub energy: Estimate,
    /// `⟨σˣ⟩` per spin.
    pub sigma_x: Estimate,
    /// `⟨H_cl⟩` (averaged over slices).
    pub classical_energy: Estimate,
    /// `⟨m²⟩`, `m = Σσᶻ/N` (averaged over slices).
    pub m2: Estimate,
    /// Accepted single-spin flips per attempt.
    pub acceptance: f64,
    /// Accepted cluster moves per attempt (NaN without cluster moves).
    pub cluster_acceptance: f64,
}

fn check_config(model: &Ising, c: &PimcConfig) -> Result<()> {
    if !(c.beta.is_finite() && c.beta > 0.0) {
        return Err(invalid(format!(
            "β must be finite and positive, got {}",
            c.beta
        )));
    }
    if !(c.gamma.is_finite() && c.gamma > 0.0) {
        return Err(invalid(format!(
            "path-integral Monte Carlo needs a positive transverse field, got Γ = {}",
            c.gamma
        )));
    }
    if c.slices < 2 {
        return Err(invalid(format!(
            "the number of Trotter slices must be at least 2, got {}",
            c.slices
        )));
    }
    if c.sweeps == 0 {
        return Err(invalid("the number of measured sweeps must be positive"));
    }
    let _ = model;
    Ok(())
}

/// Runs one Markov chain of the Suzuki–Trotter model (see the [module documentation](self)).
pub fn pimc(model: &Ising, config: &PimcConfig) -> Result<PimcResult> {
    check_config(model, config)?;
    let (n, p) = (model.n(), config.slices);
    let streams = Streams::new(config.seed);
    let mut init = streams.stream(&[QUANTUM_STREAM, 1, 0]);
    let mut rng = streams.stream(&[QUANTUM_STREAM, 1, 1]);
    let mut slices = Slices::random(model, p, &mut init);
    let b = config.beta / p as f64;
    let kp = k_perp(config.beta, config.gamma, p);
    let a2 = 2.0 * config.beta * config.gamma / p as f64;
    let (coth, sinh) = (1.0 / a2.tanh(), a2.sinh());
    let (mut e, mut sx, mut ecl, mut m2) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let (mut acc, mut cacc) = (0u64, 0u64);
    for t in 0..config.thermalize + config.sweeps {
        let a = slices.metropolis_sweep(model, b, kp, &mut rng);
        let ca = if config.cluster {
            slices.cluster_moves(model, b, kp, n, &mut rng)
        } else {
            0
        };
        if t % 1024 == 1023 {
            slices.resync(model);
        }
        if t < config.thermalize {
            continue;
        }
        acc += a;
        cacc += ca;
        let s = slices.imaginary_time_bonds() as f64;
        let x = coth - s / (n as f64 * p as f64 * sinh);
        let cl = slices.classical_energy_sum() / p as f64;
        sx.push(x);
        ecl.push(cl);
        e.push(cl - config.gamma * n as f64 * x);
        let mm: f64 = slices
            .replicas()
            .iter()
            .map(|r| (r.magnetization() as f64 / n as f64).powi(2))
            .sum::<f64>()
            / p as f64;
        m2.push(mm);
    }
    let attempts = (config.sweeps * (n * p) as u64) as f64;
    Ok(PimcResult {
        config: config.clone(),
        k_perp: kp,
        energy: e.estimate(),
        sigma_x: sx.estimate(),
        classical_energy: ecl.estimate(),
        m2: m2.estimate(),
        acceptance: acc as f64 / attempts,
        cluster_acceptance: if config.cluster {
            cacc as f64 / (config.sweeps * n as u64) as f64
        } else {
            f64::NAN
        },
    })
}

/// Weighted least-squares fit of `y(P) = y_∞ + c/P²` to `(P, estimate)` points (at least two
/// distinct P with positive error bars). Returns `(y_∞, its error, c)`; with exactly two points
/// the fit is exact and the error is propagated from the two error bars.
pub fn trotter_extrapolate(points: &[(usize, Estimate)]) -> Result<(f64, f64, f64)> {
    if points.len() < 2 {
        return Err(invalid(
            "the Trotter extrapolation needs at least two values of P",
        ));
    }
    let (mut s, mut sx, mut sxx, mut sy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (p, est) in points {
        if est.error.is_nan() || est.error <= 0.0 {
            return Err(invalid(
                "the Trotter extrapolation needs positive error bars",
            ));
        }
        let w = 1.0 / (est.error * est.error);
        let x = 1.0 / (*p as f64 * *p as f64);
        s += w;
        sx += w * x;
        sxx += w * x * x;
        sy += w * est.mean;
        sxy += w * x * est.mean;
    }
    let det = s * sxx - sx * sx;
    if det.is_nan() || det <= 0.0 {
        return Err(invalid(
            "the Trotter extrapolation needs at least two distinct P",
        ));
    }
    let y0 = (sxx * sy - sx * sxy) / det;
    let c = (s * sxy - sx * sy) / det;
    Ok((y0, (sxx / det).sqrt(), c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantum::ed;

    fn ring(n: usize) -> Ising {
        let edges: Vec<_> = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
        Ising::from_edges(n, &edges, vec![]).unwrap()
    }

    #[test]
    fn k_perp_matches_the_trotter_matrix_element() {
        // e^{2K} = cosh a / sinh a.
        let (beta, gamma, p) = (2.0, 0.7, 8);
        let a: f64 = beta * gamma / p as f64;
        let k = k_perp(beta, gamma, p);
        assert!(((2.0 * k).exp() - a.cosh() / a.sinh()).abs() < 1e-12);
    }

    #[test]
    fn extrapolation_recovers_a_quadratic_law() {
        let est = |m: f64| Estimate {
            mean: m,
            error: 0.01,
            tau_int: 0.5,
            n: 100,
            reliable: true,
        };
        let pts: Vec<_> = [4usize, 8, 16]
            .iter()
            .map(|&p| (p, est(-3.0 + 2.0 / (p * p) as f64)))
            .collect();
        let (y0, err, c) = trotter_extrapolate(&pts).unwrap();
        assert!((y0 + 3.0).abs() < 1e-12 && (c - 2.0).abs() < 1e-9 && err > 0.0);
    }

    /// PIMC energies for P = 8, 16, 32 on a 12-spin ring at T = 0.5, Γ = 1, extrapolated in
    /// 1/P², agree with full diagonalization.
    #[test]
    fn pimc_matches_exact_diagonalization_on_a_ring() {
        let m = ring(12);
        let exact = &ed::thermal(&m, 1.0, &[2.0]).unwrap()[0];
        let mut pts = Vec::new();
        let mut xs = Vec::new();
        for (k, p) in [8usize, 16, 32].into_iter().enumerate() {
            let cfg = PimcConfig {
                beta: 2.0,
                gamma: 1.0,
                slices: p,
                thermalize: 500,
                sweeps: 10_000,
                cluster: true,
                seed: 10 + k as u64,
            };
            let r = pimc(&m, &cfg).unwrap();
            pts.push((p, r.energy));
            xs.push((p, r.sigma_x));
        }
        let (e, de, _) = trotter_extrapolate(&pts).unwrap();
        assert!(
            (e - exact.energy).abs() < 4.0 * de,
            "E = {e} ± {de}, exact {}",
            exact.energy
        );
        let (x, dx, _) = trotter_extrapolate(&xs).unwrap();
        assert!(
            (x - exact.sigma_x).abs() < 4.0 * dx,
            "σx = {x} ± {dx}, exact {}",
            exact.sigma_x
        );
    }

    /// The energy of the discretized (P-slice) model, `−∂ ln Z_P/∂β` by central differences,
    /// with `Z_P = Tr T^P` and `T_{s,s'} = e^{−b(H(s)+H(s'))/2} Π_i ⟨s_i|e^{aσˣ}|s'_i⟩`.
    fn trotter_energy(m: &Ising, beta: f64, gamma: f64, p: usize) -> f64 {
        let diag = ed::classical_energies(m).unwrap();
        let dim = diag.len();
        let ln_z = |beta: f64| {
            let (b, a) = (beta / p as f64, beta * gamma / p as f64);
            let t = faer::Mat::<f64>::from_fn(dim, dim, |x, y| {
                let d = (x ^ y).count_ones() as i32;
                let n = m.n() as i32;
                (-0.5 * b * (diag[x] + diag[y])).exp() * a.sinh().powi(d) * a.cosh().powi(n - d)
            });
            let ev = t.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
            ev.iter().map(|l| l.powi(p as i32)).sum::<f64>().ln()
        };
        let h = 1e-5;
        -(ln_z(beta + h) - ln_z(beta - h)) / (2.0 * h)
    }

    #[test]
    fn both_update_schemes_sample_the_discretized_model_with_fields() {
        let m = Ising::from_edges(
            4,
            &[(0, 1, 1.0), (1, 2, -0.5), (2, 3, 0.8), (3, 0, 0.3)],
            vec![0.2, 0.0, -0.3, 0.1],
        )
        .unwrap();
        let (beta, gamma, p) = (3.0, 0.8, 8);
        let exact = trotter_energy(&m, beta, gamma, p);
        for cluster in [false, true] {
            let r = pimc(
                &m,
                &PimcConfig {
                    beta,
                    gamma,
                    slices: p,
                    thermalize: 500,
                    sweeps: 40_000,
                    cluster,
                    seed: 5,
                },
            )
            .unwrap();
            assert!(
                r.energy.sigmas_from(exact) < 4.0,
                "cluster {cluster}: {} ± {} vs {exact}",
                r.energy.mean,
                r.energy.error
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        let m = ring(4);
        let mut cfg = PimcConfig {
            beta: 1.0,
            gamma: 0.0,
            slices: 8,
            thermalize: 0,
            sweeps: 10,
            cluster: false,
            seed: 1,
        };
        assert!(pimc(&m, &cfg).is_err());
        cfg.gamma = 1.0;
        cfg.slices = 1;
        assert!(pimc(&m, &cfg).is_err());
    }
}
