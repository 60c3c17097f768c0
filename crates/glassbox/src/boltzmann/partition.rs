//! Exact partition functions of RBMs by summing over the smaller layer.
//!
//! With the hidden layer enumerated, `Z = Σ_h e^{b·h} Π_i (1 + e^{a_i + Σ_j W_ij h_j})`
//! (= Σ_h e^{−F(h)}); with the visible layer enumerated, `Z = Σ_v e^{−F(v)}`. The 2^n terms
//! (n ≤ [`MAX_ENUMERATED`]) are visited in Gray-code order — one column update of the other
//! layer's inputs per step — in 2^k independent blocks run in parallel and combined in a fixed
//! order, each block keeping a running log-sum-exp.

use rayon::prelude::*;

use super::rbm::Rbm;
use super::softplus;
use crate::error::{invalid, Result};

/// The largest layer summed over exactly.
pub const MAX_ENUMERATED: usize = 24;

/// ln Σ e^{x} accumulated with a running maximum.
#[derive(Clone, Copy)]
struct Lse {
    max: f64,
    sum: f64,
}

impl Lse {
    const EMPTY: Lse = Lse {
        max: f64::NEG_INFINITY,
        sum: 0.0,
    };

    fn add(&mut self, x: f64) {
        if x <= self.max {
            self.sum += (x - self.max).exp();
        } else {
            self.sum = self.sum * (self.max - x).exp() + 1.0;
            self.max = x;
        }
    }

    fn merge(mut self, o: Lse) -> Lse {
        if o.max == f64::NEG_INFINITY {
            return self;
        }
        if o.max <= self.max {
            self.sum += o.sum * (o.max - self.max).exp();
            self
        } else {
            Lse {
                max: o.max,
                sum: o.sum + self.sum * (self.max - o.max).exp(),
            }
        }
    }

    fn value(&self) -> f64 {
        self.max + self.sum.ln()
    }
}

/// ln Σ_{x ∈ {0,1}^n} exp(c·x + Σ_k softplus(d_k + Σ_i x_i M_ik)) for `m` (n × len(d),
/// row-major).
fn log_sum_bipartite(c: &[f64], d: &[f64], m: &[f64]) -> f64 {
    let n = c.len();
    let width = d.len();
    let top = n.min(8);
    let low = n - top;
    (0..1usize << top)
        .into_par_iter()
        .map(|block| {
            let mut input = d.to_vec();
            let mut lin = 0.0;
            for t in 0..top {
                if (block >> t) & 1 == 1 {
                    let i = low + t;
                    lin += c[i];
                    for (x, w) in input.iter_mut().zip(&m[i * width..(i + 1) * width]) {
                        *x += w;
                    }
                }
            }
            let mut on = vec![false; low];
            let mut acc = Lse::EMPTY;
            let term =
                |lin: f64, input: &[f64]| lin + input.iter().map(|&x| softplus(x)).sum::<f64>();
            acc.add(term(lin, &input));
            for step in 1..(1usize << low) {
                let i = step.trailing_zeros() as usize;
                let sign = if on[i] { -1.0 } else { 1.0 };
                on[i] = !on[i];
                lin += sign * c[i];
                for (x, w) in input.iter_mut().zip(&m[i * width..(i + 1) * width]) {
                    *x += sign * w;
                }
                acc.add(term(lin, &input));
            }
            acc
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Lse::EMPTY, Lse::merge)
        .value()
}

/// ln Z of a Gaussian–Bernoulli RBM by summing over its hidden layer:
/// `ln Z = ln Σ_h exp(b·h + Σ_i [a_i u_i/σ_i + u_i²/2]) + Σ_i ln(√(2π) σ_i)`, u = W h.
fn gaussian_log_z(rbm: &Rbm, sigma: &[f64]) -> Result<f64> {
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    if nh > MAX_ENUMERATED {
        return Err(invalid(format!(
            "exact ln Z of a Gaussian–Bernoulli RBM sums over the hidden layer, which must have ≤ {MAX_ENUMERATED} units (this one has {nh})"
        )));
    }
    let (w, a, b) = (rbm.weights(), rbm.visible_bias(), rbm.hidden_bias());
    // Columns of W (hidden unit j's weights), so a Gray-code flip of h_j updates u.
    let cols: Vec<f64> = (0..nh)
        .flat_map(|j| (0..nv).map(move |i| w[i * nh + j]))
        .collect();
    let top = nh.min(8);
    let low = nh - top;
    let term = |lin: f64, u: &[f64]| {
        lin + u
            .iter()
            .zip(a)
            .zip(sigma)
            .map(|((u, a), s)| a * u / s + 0.5 * u * u)
            .sum::<f64>()
    };
    let lse = (0..1usize << top)
        .into_par_iter()
        .map(|block| {
            let mut u = vec![0.0; nv];
            let mut lin = 0.0;
            for t in 0..top {
                if (block >> t) & 1 == 1 {
                    let j = low + t;
                    lin += b[j];
                    u.iter_mut()
                        .zip(&cols[j * nv..(j + 1) * nv])
                        .for_each(|(x, w)| *x += w);
                }
            }
            let mut on = vec![false; low];
            let mut acc = Lse::EMPTY;
            acc.add(term(lin, &u));
            for step in 1..(1usize << low) {
                let j = step.trailing_zeros() as usize;
                let sign = if on[j] { -1.0 } else { 1.0 };
                on[j] = !on[j];
                lin += sign * b[j];
                u.iter_mut()
                    .zip(&cols[j * nv..(j + 1) * nv])
                    .for_each(|(x, w)| *x += sign * w);
                acc.add(term(lin, &u));
            }
            acc
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Lse::EMPTY, Lse::merge)
        .value();
    let norm: f64 = sigma
        .iter()
        .map(|s| (s * (2.0 * std::f64::consts::PI).sqrt()).ln())
        .sum();
    Ok(lse + norm)
}

/// Exact ln Z of `rbm`, summing over its smaller layer (at most [`MAX_ENUMERATED`] units;
/// for Gaussian visible units always over the hidden layer).
pub fn exact_log_z(rbm: &Rbm) -> Result<f64> {
    if let Some(s) = rbm.visible_sigma() {
        return gaussian_log_z(rbm, s);
    }
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    if nv.min(nh) > MAX_ENUMERATED {
        return Err(invalid(format!(
            "exact ln Z sums over the smaller layer, which must have ≤ {MAX_ENUMERATED} units (this RBM has {nv} visible and {nh} hidden); use AIS"
        )));
    }
    if nh <= nv {
        // Rows of Wᵀ: hidden unit j's column of W.
        let w = rbm.weights();
        let wt: Vec<f64> = (0..nh)
            .flat_map(|j| (0..nv).map(move |i| w[i * nh + j]))
            .collect();
        Ok(log_sum_bipartite(
            rbm.hidden_bias(),
            rbm.visible_bias(),
            &wt,
        ))
    } else {
        Ok(log_sum_bipartite(
            rbm.visible_bias(),
            rbm.hidden_bias(),
            rbm.weights(),
        ))
    }
}

/// Average log-likelihood per example, (1/M) Σ_m ln p(v_m) = −(1/M) Σ_m F(v_m) − ln Z, of
/// the rows of `data` (M × n_v) given ln Z.
pub fn log_likelihood(rbm: &Rbm, data: &[f64], log_z: f64) -> Result<f64> {
    let f = rbm.free_energies(data)?;
    if f.is_empty() {
        return Err(invalid("log-likelihood of an empty data set"));
    }
    Ok(-f.iter().sum::<f64>() / f.len() as f64 - log_z)
}

/// Exact average log-likelihood per example of the rows of `data`, with the exact ln Z.
pub fn exact_log_likelihood(rbm: &Rbm, data: &[f64]) -> Result<f64> {
    log_likelihood(rbm, data, exact_log_z(rbm)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boltzmann::log_sum_exp;
    use crate::boltzmann::rbm::all_configurations;
    use crate::rng::Streams;

    fn brute(r: &Rbm) -> f64 {
        let vs = all_configurations(r.n_visible());
        let f = r.free_energies(&vs).unwrap();
        log_sum_exp(&f.iter().map(|x| -x).collect::<Vec<_>>())
    }

    #[test]
    fn gray_code_sum_matches_brute_force_on_both_sides() {
        for (nv, nh, seed) in [(7, 12, 1), (12, 5, 2), (10, 10, 3), (3, 1, 4)] {
            let mut r = Rbm::random(nv, nh, 1.0, &Streams::new(seed)).unwrap();
            let (_, a, b) = r.params_mut();
            a.iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = 0.3 * (i as f64).sin());
            b.iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = -0.2 * (i as f64).cos());
            let exact = exact_log_z(&r).unwrap();
            let b = brute(&r);
            assert!(
                (exact - b).abs() < 1e-9 * b.abs().max(1.0),
                "{nv}×{nh}: {exact} vs {b}"
            );
        }
        // Zero weights: ln Z = Σ softplus(a) + Σ softplus(b).
        let r = Rbm::new(3, 2, vec![0.0; 6], vec![0.5, -1.0, 2.0], vec![0.1, 0.2]).unwrap();
        let want: f64 = [0.5, -1.0, 2.0, 0.1, 0.2]
            .iter()
            .map(|&x| softplus(x))
            .sum();
        assert!((exact_log_z(&r).unwrap() - want).abs() < 1e-12);
    }

    /// The deterministic RBMs of reference-values.md §4.5 (R5):
    /// W_ij = s cos(0.7 i + 1.3 j + 0.1), a_i = 0.1 sin i, b_j = −0.2 cos j.
    pub(crate) fn reference_rbm(nv: usize, nh: usize, s: f64) -> Rbm {
        let w = (0..nv)
            .flat_map(|i| (0..nh).map(move |j| s * (0.7 * i as f64 + 1.3 * j as f64 + 0.1).cos()))
            .collect();
        let a = (0..nv).map(|i| 0.1 * (i as f64).sin()).collect();
        let b = (0..nh).map(|j| -0.2 * (j as f64).cos()).collect();
        Rbm::new(nv, nh, w, a, b).unwrap()
    }

    #[test]
    fn reference_values_r5() {
        for (nv, nh, s, want) in [
            (12, 8, 0.5, 14.211466771167),
            (20, 10, 1.0, 30.633569233376),
            (30, 16, 1.5, 94.766587622658),
        ] {
            let got = exact_log_z(&reference_rbm(nv, nh, s)).unwrap();
            assert!(
                (got - want).abs() < 1e-9,
                "({nv}, {nh}, {s}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn refuses_large_layers() {
        let r = Rbm::new(25, 25, vec![0.0; 625], vec![0.0; 25], vec![0.0; 25]).unwrap();
        assert!(exact_log_z(&r).unwrap_err().to_string().contains("AIS"));
        let r = Rbm::new(2, 2, vec![0.0; 4], vec![0.0; 2], vec![0.0; 2]).unwrap();
        assert!(log_likelihood(&r, &[], 0.0).is_err());
        // Probabilities of all states sum to one.
        let r = Rbm::random(5, 3, 1.0, &Streams::new(7)).unwrap();
        let vs = all_configurations(5);
        let lz = exact_log_z(&r).unwrap();
        let total: f64 = r
            .free_energies(&vs)
            .unwrap()
            .iter()
            .map(|f| (-f - lz).exp())
            .sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
