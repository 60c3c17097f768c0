//! A rugged loss landscape: gradient descent and Langevin dynamics on the spherical p = 3
//! spin glass, the paper's eq. 4 model of a deep network's loss (Choromanska et al. 2015).
//!
//! H(s) = −Σ_{i<j<k} J_ijk s_i s_j s_k on the sphere Σ s_i² = N with J_ijk ~ N(0, 3/N²),
//! i.e. covariance E[H(s)H(s′)] = N q³/2 — the normalization of
//! [`crate::theory::pspin`], where the threshold energy is E_th = −√(4/3) ≈ −1.1547 and the
//! ground state E_0 ≈ −1.1717 per spin. Descent from random starts gets stuck near E_th, the
//! top of the band of exponentially many marginal minima, not at the ground state
//! (Cugliandolo & Kurchan 1993).
//!
//! Dynamics use the gradient projected on the sphere's tangent space,
//! ∇_⊥H = ∇H − (⟨s, ∇H⟩/N) s, and renormalize s to ‖s‖² = N after every step:
//! descent s ← s − η ∇_⊥H; Langevin s ← s − dt ∇_⊥H + √(2T dt) ξ_⊥ (Euler–Maruyama).
//! Below the dynamical temperature T_d = √(3/8) the Langevin dynamics ages: the correlation
//! C(t_w + t, t_w) = ⟨s(t_w), s(t_w + t)⟩/N decays more slowly the older the system.

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::error::{check_memory, invalid, Result};
use crate::rng::{Rng, Streams};

/// One disorder sample of the spherical 3-spin model.
#[derive(Clone, Debug)]
pub struct PSpin3 {
    n: usize,
    /// Couplings of the triples i < j < k, in lexicographic order.
    j: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl PSpin3 {
    /// Draws the couplings for `n` ≥ 3 spins.
    pub fn new(n: usize, seed: u64) -> Result<Self> {
        if n < 3 {
            return Err(invalid(format!("the 3-spin model needs N ≥ 3, got {n}")));
        }
        let triples = n * (n - 1) * (n - 2) / 6;
        check_memory("the 3-spin couplings", triples as u64 * 8)?;
        let sd = 3f64.sqrt() / n as f64;
        let mut rng = Streams::new(seed).stream(&[crate::rng::purpose::DISORDER]);
        let j = (0..triples)
            .map(|_| sd * Distribution::<f64>::sample(&StandardNormal, &mut rng))
            .collect();
        Ok(PSpin3 { n, j })
    }

    /// Number of spins N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// ∇H into `g` and the energy per spin H/N (H is homogeneous of degree 3: ⟨s, ∇H⟩ = 3H).
    pub fn gradient(&self, s: &[f64], g: &mut [f64]) -> f64 {
        let n = self.n;
        g.iter_mut().for_each(|v| *v = 0.0);
        let mut t = 0;
        for i in 0..n {
            for j in i + 1..n {
                let sij = s[i] * s[j];
                let (mut gi, mut gj) = (0.0, 0.0);
                for k in j + 1..n {
                    let c = self.j[t];
                    t += 1;
                    g[k] -= c * sij;
                    let cs = c * s[k];
                    gi -= cs * s[j];
                    gj -= cs * s[i];
                }
                g[i] += gi;
                g[j] += gj;
            }
        }
        dot(s, g) / (3.0 * n as f64)
    }

    /// Energy per spin H(s)/N.
    pub fn energy(&self, s: &[f64]) -> f64 {
        let mut g = vec![0.0; self.n];
        self.gradient(s, &mut g)
    }

    /// A uniformly random point of the sphere ‖s‖² = N.
    pub fn random_state(&self, rng: &mut Rng) -> Vec<f64> {
        let mut s: Vec<f64> = (0..self.n)
            .map(|_| StandardNormal.sample(&mut *rng))
            .collect();
        normalize(&mut s);
        s
    }
}

fn normalize(s: &mut [f64]) {
    let f = (s.len() as f64 / dot(s, s)).sqrt();
    s.iter_mut().for_each(|v| *v *= f);
}

/// Projects `g` on the tangent space of the sphere at `s`.
fn project(s: &[f64], g: &mut [f64]) {
    let c = dot(s, g) / s.len() as f64;
    g.iter_mut().zip(s).for_each(|(gi, si)| *gi -= c * si);
}

/// The end of a gradient descent.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Descent {
    /// Final energy per spin.
    pub energy: f64,
    /// Steps taken.
    pub steps: usize,
    /// Final ‖∇_⊥H‖²/N.
    pub gradient_norm: f64,
    /// Energy per spin after each step.
    pub trace: Vec<f64>,
    /// The final configuration.
    pub state: Vec<f64>,
}

/// Projected gradient descent with step η from `s`, until ‖∇_⊥H‖²/N < `tol` or `max_steps`.
/// A step that would raise the energy is retried with half the step (so the energy never
/// increases).
pub fn descend(model: &PSpin3, mut s: Vec<f64>, eta: f64, max_steps: usize, tol: f64) -> Descent {
    let n = model.n;
    let mut g = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut e = model.gradient(&s, &mut g);
    project(&s, &mut g);
    let mut eta = eta;
    let mut trace = Vec::new();
    let mut steps = 0;
    while steps < max_steps && dot(&g, &g) / (n as f64) >= tol && eta > 1e-12 {
        for ((t, si), gi) in trial.iter_mut().zip(&s).zip(&g) {
            *t = si - eta * gi;
        }
        normalize(&mut trial);
        let e2 = model.gradient(&trial, &mut gt);
        if e2 > e {
            eta *= 0.5;
            continue;
        }
        std::mem::swap(&mut s, &mut trial);
        std::mem::swap(&mut g, &mut gt);
        project(&s, &mut g);
        e = e2;
        trace.push(e);
        steps += 1;
    }
    Descent {
        energy: e,
        steps,
        gradient_norm: dot(&g, &g) / n as f64,
        trace,
        state: s,
    }
}

/// Energies per spin of the minima reached by descent from `starts` random points on one
/// sample per start (samples and starts derived from `seed`; parallel, thread-count
/// independent).
pub fn minima_energies(n: usize, starts: usize, seed: u64) -> Result<Vec<f64>> {
    if starts == 0 {
        return Err(invalid("need ≥ 1 start"));
    }
    let streams = Streams::new(seed);
    (0..starts)
        .into_par_iter()
        .map(|k| {
            let model = PSpin3::new(n, streams.child(&[k as u64]).seed())?;
            let mut rng = streams.stream(&[k as u64, 1]);
            let s = model.random_state(&mut rng);
            Ok(descend(&model, s, 0.2, 20_000, 1e-10).energy)
        })
        .collect()
}

/// Two-time correlation table C(t_w + t, t_w): rows are waiting times, columns lags.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Aging {
    /// Mean over disorder samples.
    pub correlation: Vec<Vec<f64>>,
    /// Standard errors.
    pub error: Vec<Vec<f64>>,
}

/// Two-time correlations of Langevin dynamics at temperature T after a quench from a random
/// state: C(t_w + t, t_w) for each waiting time t_w and lag t (in time units, step `dt`),
/// averaged over `samples` disorder samples.
pub fn aging(
    n: usize,
    temperature: f64,
    dt: f64,
    waiting: &[f64],
    lags: &[f64],
    samples: usize,
    seed: u64,
) -> Result<Aging> {
    if !(temperature.is_finite() && temperature >= 0.0 && dt > 0.0 && dt.is_finite()) {
        return Err(invalid(format!(
            "need T ≥ 0 and dt > 0 (T = {temperature}, dt = {dt})"
        )));
    }
    if samples < 2 || waiting.is_empty() || lags.is_empty() {
        return Err(invalid("need ≥ 2 samples, waiting times and lags"));
    }
    let step = |t: f64| (t / dt).round() as usize;
    let end = waiting
        .iter()
        .flat_map(|&w| lags.iter().map(move |&l| step(w) + step(l)))
        .max()
        .unwrap_or(0);
    let streams = Streams::new(seed);
    let runs = (0..samples)
        .into_par_iter()
        .map(|k| {
            let model = PSpin3::new(n, streams.child(&[k as u64]).seed())?;
            let mut rng = streams.stream(&[k as u64, 2]);
            let mut s = model.random_state(&mut rng);
            let mut g = vec![0.0; n];
            let mut snaps: Vec<Option<Vec<f64>>> = vec![None; waiting.len()];
            let mut c = vec![vec![0.0; lags.len()]; waiting.len()];
            let noise = (2.0 * temperature * dt).sqrt();
            for t in 0..=end {
                for (w, &tw) in waiting.iter().enumerate() {
                    if step(tw) == t {
                        snaps[w] = Some(s.clone());
                    }
                    if let Some(s0) = &snaps[w] {
                        for (l, &lag) in lags.iter().enumerate() {
                            if step(tw) + step(lag) == t {
                                c[w][l] = dot(s0, &s) / n as f64;
                            }
                        }
                    }
                }
                model.gradient(&s, &mut g);
                for gi in g.iter_mut() {
                    let xi: f64 = StandardNormal.sample(&mut rng);
                    *gi = dt * *gi - noise * xi;
                }
                project(&s, &mut g);
                s.iter_mut().zip(&g).for_each(|(si, gi)| *si -= gi);
                normalize(&mut s);
            }
            Ok(c)
        })
        .collect::<Result<Vec<_>>>()?;
    let k = samples as f64;
    let mean: Vec<Vec<f64>> = (0..waiting.len())
        .map(|w| {
            (0..lags.len())
                .map(|l| runs.iter().map(|r| r[w][l]).sum::<f64>() / k)
                .collect()
        })
        .collect();
    let error = (0..waiting.len())
        .map(|w| {
            (0..lags.len())
                .map(|l| {
                    let m = mean[w][l];
                    (runs.iter().map(|r| (r[w][l] - m).powi(2)).sum::<f64>() / (k - 1.0) / k).sqrt()
                })
                .collect()
        })
        .collect();
    Ok(Aging {
        correlation: mean,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_is_the_derivative_and_energy_has_the_stated_variance() {
        let m = PSpin3::new(12, 4).unwrap();
        let mut rng = Streams::new(1).stream(&[0]);
        let s = m.random_state(&mut rng);
        let mut g = vec![0.0; 12];
        let e = m.gradient(&s, &mut g);
        for i in [0, 5, 11] {
            let mut sp = s.clone();
            sp[i] += 1e-6;
            let num = (m.energy(&sp) - e) * 12.0 / 1e-6;
            assert!((num - g[i]).abs() < 1e-4, "{num} vs {}", g[i]);
        }
        // Var(H/N) at a random point is f(1)/N = 1/(2N): check over samples at N = 30.
        let es: Vec<f64> = (0..400)
            .map(|k| {
                let m = PSpin3::new(30, 100 + k).unwrap();
                let s = m.random_state(&mut rng);
                m.energy(&s)
            })
            .collect();
        let var = es.iter().map(|e| e * e).sum::<f64>() / es.len() as f64;
        let want = 1.0 / 60.0;
        assert!(
            (var - want).abs() < 4.0 * want * (2.0f64 / 400.0).sqrt(),
            "{var} vs {want}"
        );
    }

    #[test]
    fn descent_keeps_the_sphere_lowers_the_energy_and_stops_near_threshold() {
        let m = PSpin3::new(60, 7).unwrap();
        let mut rng = Streams::new(2).stream(&[0]);
        let d = descend(&m, m.random_state(&mut rng), 0.2, 5000, 1e-12);
        assert!((dot(&d.state, &d.state) - 60.0).abs() < 1e-9);
        assert!(d.trace.windows(2).all(|w| w[1] <= w[0]));
        assert!(d.gradient_norm < 1e-12, "{}", d.gradient_norm);
        // A minimum far below a random point, but above the ground state E_0 ≈ −1.17 (with
        // O(N^{-1/2}) sample fluctuations at N = 60).
        assert!(d.energy < -0.9 && d.energy > -1.35, "{}", d.energy);
    }

    #[test]
    fn aging_slower_decay_for_older_systems() {
        let a = aging(40, 0.3, 0.05, &[2.0, 20.0], &[5.0], 8, 3).unwrap();
        let (c, err) = (a.correlation, a.error);
        assert!(
            c[1][0] - c[0][0] > 4.0 * (err[0][0].hypot(err[1][0])),
            "{c:?} ± {err:?}"
        );
    }
}
