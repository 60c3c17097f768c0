//! The general Boltzmann machine with hidden units (Ackley, Hinton & Sejnowski 1985), for
//! small sizes: n_v visible and n_h hidden ±1 units, all pairs coupled,
//! `p(v, h) = exp(Σ_{i<j} J_ij s_i s_j + Σ_i θ_i s_i) / Z` with s = (v, h) — an
//! [`Fvbm`] on n_v + n_h ≤ [`MAX_EXACT`] units whose first n_v units are observed.
//!
//! The log-likelihood of visible data v¹…v^M is `L = (1/M) Σ_m ln Σ_h e^{w(v^m, h)} − ln Z`
//! (w the log-weight), and its gradient is the Boltzmann-learning difference between the
//! clamped phase (h averaged over p(h | v^m) for each data row) and the free phase,
//! `∂L/∂J_ij = ⟨s_i s_j⟩_clamped − ⟨s_i s_j⟩_free`, `∂L/∂θ_i = ⟨s_i⟩_clamped − ⟨s_i⟩_free`.
//! Both phases are computed exactly by enumeration (2^{n_h} hidden states per row, 2^{n_v+n_h}
//! for Z), so [`Bm::fit`] is exact gradient ascent. L is not concave once hidden units are
//! present: fits start from small random couplings (an all-zero start is a saddle point).

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::fvbm::{Fvbm, MAX_EXACT};
use super::log_sum_exp;
use crate::error::{invalid, Result};
use crate::rng::Streams;

/// A Boltzmann machine whose first `n_visible` units are visible and the rest hidden.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bm {
    n_visible: usize,
    machine: Fvbm,
}

/// Per-row clamped sums: (ln Σ_h e^{w}, Σ_h p(h|v) s, Σ_h p(h|v) s sᵀ).
fn clamped(machine: &Fvbm, v: &[f64], nh: usize) -> (f64, Vec<f64>, Vec<f64>) {
    let n = machine.n();
    let states: Vec<Vec<f64>> = (0..1usize << nh)
        .map(|k| {
            let mut s = v.to_vec();
            s.extend((0..nh).map(|j| if (k >> j) & 1 == 1 { 1.0 } else { -1.0 }));
            s
        })
        .collect();
    let lw: Vec<f64> = states.iter().map(|s| machine.log_weight(s)).collect();
    let lz = log_sum_exp(&lw);
    let mut mean = vec![0.0; n];
    let mut corr = vec![0.0; n * n];
    for (s, l) in states.iter().zip(&lw) {
        let p = (l - lz).exp();
        for i in 0..n {
            mean[i] += p * s[i];
            for k in 0..n {
                corr[i * n + k] += p * s[i] * s[k];
            }
        }
    }
    (lz, mean, corr)
}

impl Bm {
    /// A machine from its full coupling matrix: `machine` on n_v + n_h units, the first
    /// `n_visible` visible (n_v ≥ 1, n_v + n_h ≤ [`MAX_EXACT`]).
    pub fn new(n_visible: usize, machine: Fvbm) -> Result<Self> {
        let n = machine.n();
        if n_visible == 0 || n_visible > n || n > MAX_EXACT {
            return Err(invalid(format!(
                "a Boltzmann machine with hidden units needs 1 ≤ n_visible ≤ n ≤ {MAX_EXACT} (got {n_visible} visible of {n})"
            )));
        }
        Ok(Bm { n_visible, machine })
    }

    /// Couplings J_ij ~ N(0, scale²/n) (symmetric, zero diagonal) and zero biases, from
    /// `streams.stream(&[INIT])`.
    pub fn random(
        n_visible: usize,
        n_hidden: usize,
        scale: f64,
        streams: &Streams,
    ) -> Result<Self> {
        let n = n_visible + n_hidden;
        if !(scale.is_finite() && scale >= 0.0) {
            return Err(invalid(format!("coupling scale must be ≥ 0, got {scale}")));
        }
        let mut rng = streams.stream(&[super::purpose::INIT]);
        let mut j = vec![0.0; n * n];
        let sd = scale / (n.max(1) as f64).sqrt();
        for a in 0..n {
            for b in 0..a {
                let x: f64 = StandardNormal.sample(&mut rng);
                j[a * n + b] = sd * x;
                j[b * n + a] = sd * x;
            }
        }
        Self::new(n_visible, Fvbm::new(n, j, vec![0.0; n])?)
    }

    /// Number of visible units.
    pub fn n_visible(&self) -> usize {
        self.n_visible
    }

    /// Number of hidden units.
    pub fn n_hidden(&self) -> usize {
        self.machine.n() - self.n_visible
    }

    /// The machine on all units (visible first).
    pub fn machine(&self) -> &Fvbm {
        &self.machine
    }

    fn check(&self, data: &[f64]) -> Result<usize> {
        let nv = self.n_visible;
        if data.is_empty() || data.len() % nv != 0 {
            return Err(invalid(format!(
                "data must be non-empty whole rows of {nv} visible units"
            )));
        }
        if data.iter().any(|&x| x != 1.0 && x != -1.0) {
            return Err(invalid("data entries must be ±1"));
        }
        Ok(data.len() / nv)
    }

    /// Exact average log-likelihood per row of ±1 visible `data`.
    pub fn log_likelihood(&self, data: &[f64]) -> Result<f64> {
        let m = self.check(data)?;
        let nh = self.n_hidden();
        let lz = self.machine.exact()?.log_z;
        let s: f64 = data
            .par_chunks(self.n_visible)
            .map(|v| clamped(&self.machine, v, nh).0)
            .sum();
        Ok(s / m as f64 - lz)
    }

    /// Exact gradient of [`Bm::log_likelihood`] with respect to (J as an n × n symmetric
    /// matrix with zero diagonal — the derivative per pair coupling — and θ), n = n_v + n_h.
    pub fn gradient(&self, data: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let m = self.check(data)? as f64;
        let n = self.machine.n();
        let nh = self.n_hidden();
        let free = self.machine.exact()?;
        let (cm, cc) = data
            .par_chunks(self.n_visible)
            .map(|v| {
                let (_, a, b) = clamped(&self.machine, v, nh);
                (a, b)
            })
            .reduce(
                || (vec![0.0; n], vec![0.0; n * n]),
                |(mut a, mut b), (x, y)| {
                    a.iter_mut().zip(&x).for_each(|(p, q)| *p += q);
                    b.iter_mut().zip(&y).for_each(|(p, q)| *p += q);
                    (a, b)
                },
            );
        let mut gj: Vec<f64> = cc.iter().zip(&free.corr).map(|(c, f)| c / m - f).collect();
        for i in 0..n {
            gj[i * n + i] = 0.0;
        }
        let gh = cm.iter().zip(&free.mean).map(|(c, f)| c / m - f).collect();
        Ok((gj, gh))
    }

    /// `iterations` steps of exact gradient ascent with step `rate`; returns the
    /// log-likelihood before each step and after the last.
    pub fn fit(&mut self, data: &[f64], rate: f64, iterations: usize) -> Result<Vec<f64>> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid(format!("learning rate must be > 0, got {rate}")));
        }
        let n = self.machine.n();
        let mut trace = Vec::with_capacity(iterations + 1);
        for _ in 0..iterations {
            trace.push(self.log_likelihood(data)?);
            let (gj, gh) = self.gradient(data)?;
            let j: Vec<f64> = self
                .machine
                .couplings()
                .iter()
                .zip(&gj)
                .map(|(x, g)| x + rate * g)
                .collect();
            let h: Vec<f64> = self
                .machine
                .biases()
                .iter()
                .zip(&gh)
                .map(|(x, g)| x + rate * g)
                .collect();
            self.machine = Fvbm::new(n, j, h)?;
        }
        trace.push(self.log_likelihood(data)?);
        Ok(trace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(nv: usize, nh: usize, seed: u64) -> Bm {
        let mut b = Bm::random(nv, nh, 1.5, &Streams::new(seed)).unwrap();
        let n = nv + nh;
        let h = (0..n).map(|i| 0.3 * (i as f64 + 0.5).sin()).collect();
        b.machine = Fvbm::new(n, b.machine.couplings().to_vec(), h).unwrap();
        b
    }

    /// The exact gradient matches central finite differences of the exact log-likelihood.
    #[test]
    fn gradient_matches_finite_differences() {
        let (nv, nh) = (5, 3);
        let b = machine(nv, nh, 1);
        let data = machine(nv, 0, 2)
            .machine
            .sample_exact(40, &Streams::new(3))
            .unwrap();
        let (gj, gh) = b.gradient(&data).unwrap();
        let n = nv + nh;
        let eps = 1e-5;
        let ll = |m: &Fvbm| {
            Bm::new(nv, m.clone())
                .unwrap()
                .log_likelihood(&data)
                .unwrap()
        };
        for (i, k) in [(0, 1), (2, 4), (1, 6), (5, 7), (3, 5)] {
            let shifted = |d: f64| {
                let mut j = b.machine.couplings().to_vec();
                j[i * n + k] += d;
                j[k * n + i] += d;
                ll(&Fvbm::new(n, j, b.machine.biases().to_vec()).unwrap())
            };
            let fd = (shifted(eps) - shifted(-eps)) / (2.0 * eps);
            assert!(
                (fd - gj[i * n + k]).abs() < 1e-6,
                "J{i}{k}: {fd} vs {}",
                gj[i * n + k]
            );
        }
        for i in [0, 4, 6] {
            let shifted = |d: f64| {
                let mut h = b.machine.biases().to_vec();
                h[i] += d;
                ll(&Fvbm::new(n, b.machine.couplings().to_vec(), h).unwrap())
            };
            let fd = (shifted(eps) - shifted(-eps)) / (2.0 * eps);
            assert!((fd - gh[i]).abs() < 1e-6, "θ{i}: {fd} vs {}", gh[i]);
        }
        assert!(b.gradient(&[0.0; 5]).is_err());
        assert!(Bm::new(0, Fvbm::zeros(3).unwrap()).is_err());
    }

    /// Learning with hidden units: on 3-bit parity data (v₃ = v₁v₂, flipped with probability
    /// 1/16, v₁ and v₂ uniform) every pairwise correlation vanishes, so the best fully visible
    /// machine is the uniform one (ln p = −3 ln 2 = −2.08 per row); two hidden units capture
    /// the third-order term and approach the data's −2 ln 2 − H(1/16) = −1.62.
    #[test]
    fn hidden_units_learn_parity_which_no_fully_visible_machine_can() {
        let nv = 3;
        let mut rng = Streams::new(5).stream(&[0]);
        let mut data = Vec::new();
        let mut pm = || {
            if rand::Rng::random::<f64>(&mut rng) < 0.5 {
                -1.0
            } else {
                1.0
            }
        };
        for _ in 0..400 {
            let (x, y) = (pm(), pm());
            let noise = if pm() < 0.0 && pm() < 0.0 && pm() < 0.0 && pm() < 0.0 {
                -1.0
            } else {
                1.0
            };
            data.extend([x, y, x * y * noise]);
        }
        let fv = Fvbm::fit(&data, nv, 0.1, 1e-6, 50_000).unwrap();
        let fv_ll = fv.log_likelihood(&data).unwrap();
        assert!((fv_ll + 3.0 * 2f64.ln()).abs() < 0.03, "{fv_ll}");
        let mut b = Bm::random(nv, 2, 1.0, &Streams::new(6)).unwrap();
        let trace = b.fit(&data, 0.2, 400).unwrap();
        let end = *trace.last().unwrap();
        assert!(
            end > fv_ll + 0.3,
            "BM with two hidden units {} → {end}, fully visible ML {fv_ll}",
            trace[0]
        );
    }
}
