//! Annealed importance sampling for ln Z of an RBM (Neal 2001; Salakhutdinov & Murray 2008).
//!
//! The path runs from a base-rate model A (W = 0, b = 0, visible biases a⁰, e.g. the data's
//! log-odds) to the RBM B through the unnormalized marginals
//! `p*_β(v) = exp((1−β) a⁰·v + β a·v) Π_j (1 + e^{β (b_j + Σ_i v_i W_ij)})`, 0 = β_0 < … <
//! β_K = 1, with `Z_0 = 2^{n_h} Π_i (1 + e^{a⁰_i})`. Each of the M chains starts with an exact
//! draw from A and accumulates `ln w = Σ_k [ln p*_{β_k}(v_k) − ln p*_{β_{k−1}}(v_k)]`, moving
//! v between steps by one block-Gibbs sweep that leaves p_{β_k} invariant
//! (`P(h_j = 1 | v) = σ(β_k x_j)`, `P(v_i = 1 | h) = σ((1−β_k) a⁰_i + β_k (a_i + W_i·h))`).
//! Then `Ẑ = Z_0 · mean(w)` is unbiased, and
//! `ln Ẑ = ln Z_0 + ln mean(w)` has the delta-method standard error
//! `sd(w) / (mean(w) √M)` (weights rescaled by their maximum; [`AisResult`] also gives the
//! ±3 s.e. bounds ln(mean(w) ± 3 sd(w)/√M) that Salakhutdinov & Murray quote).

use rayon::prelude::*;

use super::rbm::{bernoulli, dot, for_rows, Rbm};
use super::{purpose, sigmoid, softplus};
use crate::error::{invalid, Result};
use crate::rng::Streams;

/// Settings of an AIS run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AisSpec {
    /// Number of independent annealing runs M.
    pub chains: usize,
    /// Number of intermediate temperatures K when `betas` is not given; the default
    /// schedule spaces them as Salakhutdinov & Murray (500 steps uniform on [0, 0.5], 4,000
    /// on [0.5, 0.9], 10,000 on [0.9, 1], scaled to K in total).
    pub steps: usize,
    /// An explicit increasing schedule from 0 to 1 (overrides `steps`).
    pub betas: Option<Vec<f64>>,
}

impl Default for AisSpec {
    fn default() -> Self {
        AisSpec {
            chains: 100,
            steps: 14_500,
            betas: None,
        }
    }
}

impl AisSpec {
    /// The schedule β_0 = 0 < … < β_K = 1.
    pub fn schedule(&self) -> Result<Vec<f64>> {
        if let Some(b) = &self.betas {
            let ok = b.len() >= 2
                && b[0] == 0.0
                && *b.last().unwrap() == 1.0
                && b.windows(2).all(|w| w[1] > w[0]);
            if !ok {
                return Err(invalid(
                    "an AIS schedule must increase strictly from 0 to 1 (at least two values)",
                ));
            }
            return Ok(b.clone());
        }
        if self.steps < 3 {
            return Err(invalid(format!("AIS needs ≥ 3 steps, got {}", self.steps)));
        }
        let k = self.steps as f64;
        let n1 = ((500.0 / 14_500.0) * k).round().max(1.0) as usize;
        let n2 = ((4_000.0 / 14_500.0) * k).round().max(1.0) as usize;
        let n3 = self.steps.saturating_sub(n1 + n2).max(1);
        let mut b = vec![0.0];
        for (lo, hi, n) in [(0.0, 0.5, n1), (0.5, 0.9, n2), (0.9, 1.0, n3)] {
            b.extend((1..=n).map(|t| lo + (hi - lo) * t as f64 / n as f64));
        }
        Ok(b)
    }
}

/// The result of an AIS run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AisResult {
    /// ln Ẑ = ln Z_0 + ln mean(w).
    pub log_z: f64,
    /// Delta-method standard error of ln Ẑ.
    pub std_err: f64,
    /// ln(mean(w) − 3 s.e.(w)) + ln Z_0 (−∞ when the bracket is negative).
    pub log_z_lower: f64,
    /// ln(mean(w) + 3 s.e.(w)) + ln Z_0.
    pub log_z_upper: f64,
    /// ln Z_0 of the base-rate model.
    pub log_z_base: f64,
    /// Effective sample size (Σw)²/Σw².
    pub effective_samples: f64,
    /// ln w of each chain.
    pub log_weights: Vec<f64>,
}

/// Base-rate visible biases a⁰_i = ln(p_i/(1 − p_i)) with p_i = (Σ_m v_mi + 1)/(M + 2), the
/// smoothed pixel means of `data` (M × n_v rows).
pub fn base_rate_bias(data: &[f64], n_visible: usize) -> Result<Vec<f64>> {
    if n_visible == 0 || data.len() % n_visible != 0 {
        return Err(invalid(
            "data rows do not match the number of visible units",
        ));
    }
    let m = (data.len() / n_visible) as f64;
    let mut s = vec![0.0; n_visible];
    for row in data.chunks(n_visible) {
        for (a, x) in s.iter_mut().zip(row) {
            *a += x;
        }
    }
    Ok(s.iter()
        .map(|c| {
            let p = (c + 1.0) / (m + 2.0);
            (p / (1.0 - p)).ln()
        })
        .collect())
}

/// Runs AIS from the base-rate model with visible biases `base` (length n_v) to `rbm`.
pub fn ais(rbm: &Rbm, base: &[f64], spec: &AisSpec, streams: &Streams) -> Result<AisResult> {
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    if rbm.is_gaussian() {
        return Err(invalid(
            "AIS is implemented for Bernoulli visible units; a Gaussian–Bernoulli RBM's ln Z is exact by summing its hidden layer (≤ 24 units)",
        ));
    }
    if base.len() != nv || base.iter().any(|x| !x.is_finite()) {
        return Err(invalid(format!(
            "base-rate biases need {nv} finite values, got {}",
            base.len()
        )));
    }
    if spec.chains < 2 {
        return Err(invalid(format!(
            "AIS needs ≥ 2 chains, got {}",
            spec.chains
        )));
    }
    let betas = spec.schedule()?;
    let m = spec.chains;
    let a = rbm.visible_bias();
    // Exact draws from the base model.
    let mut v: Vec<f64> = vec![0.0; m * nv];
    for_rows(&mut v, nv, |_, row| {
        row.iter_mut()
            .zip(base)
            .for_each(|(x, a0)| *x = sigmoid(*a0))
    });
    bernoulli(&mut v, nv, streams, purpose::AIS, 0);
    let mut log_w = vec![0.0; m];
    // ln p*_β(v) given the hidden inputs x (including b).
    let log_p = |beta: f64, vr: &[f64], x: &[f64]| {
        (1.0 - beta) * dot(base, vr)
            + beta * dot(a, vr)
            + x.iter().map(|&t| softplus(beta * t)).sum::<f64>()
    };
    let k_max = betas.len() - 1;
    for k in 1..=k_max {
        let (b0, b1) = (betas[k - 1], betas[k]);
        let x = rbm.hidden_inputs(&v, m);
        log_w.par_iter_mut().enumerate().for_each(|(r, lw)| {
            let vr = &v[r * nv..(r + 1) * nv];
            let xr = &x[r * nh..(r + 1) * nh];
            *lw += log_p(b1, vr, xr) - log_p(b0, vr, xr);
        });
        if k == k_max {
            break;
        }
        // Transition leaving p_{β_k} invariant.
        let mut h = x;
        for_rows(&mut h, nh, |_, row| {
            row.iter_mut().for_each(|t| *t = sigmoid(b1 * *t))
        });
        bernoulli(&mut h, nh, streams, purpose::AIS, 2 * k as u64 - 1);
        // y = a + W h  →  P(v = 1 | h) = σ((1 − β) a⁰ + β y).
        let mut y = rbm.visible_inputs(&h, m);
        for_rows(&mut y, nv, |_, row| {
            for (t, a0) in row.iter_mut().zip(base) {
                *t = sigmoid((1.0 - b1) * a0 + b1 * *t);
            }
        });
        bernoulli(&mut y, nv, streams, purpose::AIS, 2 * k as u64);
        v = y;
    }
    let log_z_base = base.iter().map(|&x| softplus(x)).sum::<f64>() + nh as f64 * 2f64.ln();
    Ok(summarize(log_w, log_z_base))
}

/// ln Ẑ, its delta-method error and the ±3 s.e. bracket from the chains' ln w.
fn summarize(log_w: Vec<f64>, log_z_base: f64) -> AisResult {
    let m = log_w.len() as f64;
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let r: Vec<f64> = log_w.iter().map(|l| (l - top).exp()).collect();
    let mean = r.iter().sum::<f64>() / m;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
    let se = (var / m).sqrt();
    let sum2: f64 = r.iter().map(|x| x * x).sum();
    let base = log_z_base + top;
    AisResult {
        log_z: base + mean.ln(),
        std_err: se / mean,
        log_z_lower: if mean > 3.0 * se {
            base + (mean - 3.0 * se).ln()
        } else {
            f64::NEG_INFINITY
        },
        log_z_upper: base + (mean + 3.0 * se).ln(),
        log_z_base,
        effective_samples: (mean * m).powi(2) / sum2,
        log_weights: log_w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boltzmann::partition::exact_log_z;
    use rand::Rng as _;

    #[test]
    fn schedule_shapes_and_errors() {
        let s = AisSpec {
            chains: 10,
            steps: 1450,
            betas: None,
        }
        .schedule()
        .unwrap();
        assert_eq!(s.len(), 1451);
        assert_eq!(s[0], 0.0);
        assert_eq!(*s.last().unwrap(), 1.0);
        assert!((s[50] - 0.5).abs() < 1e-12);
        assert!(s.windows(2).all(|w| w[1] > w[0]));
        let bad = AisSpec {
            chains: 10,
            steps: 10,
            betas: Some(vec![0.0, 0.7, 0.5, 1.0]),
        };
        assert!(bad.schedule().is_err());
        let r = Rbm::new(2, 1, vec![0.0; 2], vec![0.0; 2], vec![0.0]).unwrap();
        assert!(ais(&r, &[0.0], &AisSpec::default(), &Streams::new(1)).is_err());
    }

    /// With W = 0 and b = 0 the base model is exact at every β only if a = a⁰: then all
    /// weights are 1 and ln Ẑ is exact with zero error.
    #[test]
    fn trivial_path_is_exact() {
        let a0 = vec![0.3, -0.2, 1.0];
        let r = Rbm::new(3, 2, vec![0.0; 6], a0.clone(), vec![0.0; 2]).unwrap();
        let spec = AisSpec {
            chains: 8,
            steps: 20,
            betas: None,
        };
        let res = ais(&r, &a0, &spec, &Streams::new(2)).unwrap();
        assert!((res.log_z - exact_log_z(&r).unwrap()).abs() < 1e-12);
        assert!(res.std_err < 1e-12);
    }

    /// AIS against the exact ln Z of a random RBM with strong couplings, within 4 standard
    /// errors (and a small absolute slack for the bias of ln of a mean).
    #[test]
    fn ais_matches_exact_log_z_of_a_random_rbm() {
        let (nv, nh) = (24, 12);
        let streams = Streams::new(31);
        let mut r = Rbm::random(nv, nh, 0.6, &streams).unwrap();
        let mut rng = streams.stream(&[5]);
        let (_, a, b) = r.params_mut();
        a.iter_mut()
            .for_each(|x| *x = rng.random::<f64>() * 2.0 - 1.5);
        b.iter_mut().for_each(|x| *x = rng.random::<f64>() - 0.5);
        let exact = exact_log_z(&r).unwrap();
        // Base rate from Gibbs samples of the model itself.
        let (v, _) = r.gibbs(&vec![0.0; 500 * nv], 30, &streams).unwrap();
        let base = base_rate_bias(&v, nv).unwrap();
        let spec = AisSpec {
            chains: 200,
            steps: 1000,
            betas: None,
        };
        let res = ais(&r, &base, &spec, &streams).unwrap();
        assert!(
            (res.log_z - exact).abs() < 4.0 * res.std_err + 0.02,
            "AIS {} ± {} vs exact {exact}",
            res.log_z,
            res.std_err
        );
        assert!(res.std_err < 0.1, "s.e. {}", res.std_err);
        assert!(res.log_z_lower <= res.log_z && res.log_z <= res.log_z_upper);
    }
}
