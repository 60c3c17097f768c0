//! The replica trick made concrete, on small SK samples solved exactly.
//!
//! The quenched free energy needs ⟨ln Z⟩ over the disorder; the replica trick computes
//! ⟨Z^n⟩ for integer n (n coupled copies of the system) and continues to n → 0:
//!
//! ```text
//! ⟨ln Z⟩ = lim_{n→0} (⟨Z^n⟩ − 1)/n = lim_{n→0} ln⟨Z^n⟩ / n .
//! ```
//!
//! Here every sample's Z is computed exactly by enumerating its 2^N states, so both sides are
//! measured: φ(n) = ln⟨Z^n⟩/(nN) at n = 1, 2, …, k (φ(1) is the annealed free entropy
//! ln⟨Z⟩/N), their polynomial extrapolation to n = 0, and the quenched ⟨ln Z⟩/N computed
//! directly. The cumulant expansion φ(n) = ⟨ln Z⟩/N + n Var(ln Z)/(2N) + O(n²) shows why the
//! limit works and why the annealed value lies above the quenched one (Jensen). Error bars
//! are jackknife errors over disorder samples (leave one sample out), with the difference
//! between extrapolation and direct value jackknifed as one quantity.

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::exact::enumerate::{enumerate, MAX_SPINS};
use crate::model::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};

/// The replica-trick experiment and its outcome (per-spin free entropies ln Z / N).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplicaTrick {
    /// Spins per sample.
    pub n_spins: usize,
    /// Inverse temperature.
    pub beta: f64,
    /// Disorder samples.
    pub samples: usize,
    /// Integer replica numbers n = 1..=k.
    pub n: Vec<f64>,
    /// φ(n) = ln⟨Z^n⟩/(nN) at each n.
    pub phi: Vec<f64>,
    /// Jackknife errors of φ(n).
    pub phi_err: Vec<f64>,
    /// Annealed free entropy ln⟨Z⟩/N = φ(1).
    pub annealed: f64,
    /// Quenched free entropy ⟨ln Z⟩/N, computed directly.
    pub quenched: f64,
    /// Its jackknife error.
    pub quenched_err: f64,
    /// φ extrapolated to n = 0 by the polynomial through all integer n.
    pub extrapolated: f64,
    /// Its jackknife error.
    pub extrapolated_err: f64,
    /// Jackknife error of (extrapolated − quenched).
    pub difference_err: f64,
    /// φ on a fine grid of real n in (0, k], for plots.
    pub curve_n: Vec<f64>,
    /// φ on that grid.
    pub curve_phi: Vec<f64>,
}

/// ln⟨e^{n x}⟩ over `xs` (log-sum-exp).
fn ln_mean_exp(xs: &[f64], n: f64) -> f64 {
    let m = xs.iter().fold(f64::NEG_INFINITY, |a, &x| a.max(n * x));
    let s: f64 = xs.iter().map(|&x| (n * x - m).exp()).sum();
    m + (s / xs.len() as f64).ln()
}

/// Value at 0 of the polynomial through (n, y) for n = 1..=k (Lagrange extrapolation).
fn extrapolate_to_zero(y: &[f64]) -> f64 {
    let k = y.len();
    (0..k)
        .map(|i| {
            let ni = (i + 1) as f64;
            let w: f64 = (0..k)
                .filter(|&j| j != i)
                .map(|j| {
                    let nj = (j + 1) as f64;
                    nj / (nj - ni)
                })
                .product();
            w * y[i]
        })
        .sum()
}

/// Runs the replica trick on `samples` SK instances of `n_spins` spins (J_ij ~ N(0, 1/N), no
/// field) at inverse temperature `beta`, with replica numbers 1..=`max_n` (2 ≤ max_n ≤ 6).
pub fn replica_trick(
    n_spins: usize,
    beta: f64,
    samples: usize,
    max_n: usize,
    seed: u64,
) -> Result<ReplicaTrick> {
    if n_spins < 2 || n_spins > MAX_SPINS.min(20) {
        return Err(invalid(format!(
            "the replica trick enumerates every sample: N must be 2..=20, got {n_spins}"
        )));
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!(
            "beta must be finite and positive, got {beta}"
        )));
    }
    if samples < 10 {
        return Err(invalid(format!(
            "need at least 10 disorder samples, got {samples}"
        )));
    }
    if !(2..=6).contains(&max_n) {
        return Err(invalid(format!("max_n must be 2..=6, got {max_n}")));
    }
    let base = ModelSpec {
        graph: GraphSpec::Complete { n: n_spins },
        couplings: Some(CouplingLaw::Gaussian {
            mean: 0.0,
            std: 1.0,
        }),
        field: FieldSpec::Uniform(0.0),
        seed,
    };
    // ln Z of every sample (total, not per spin).
    let ln_z: Vec<f64> = (0..samples)
        .into_par_iter()
        .map(|k| {
            let model = base.sample(k, samples).build()?;
            Ok(enumerate(&model, &[beta])?.points[0].ln_z_per_spin * n_spins as f64)
        })
        .collect::<Result<_>>()?;
    let nf = n_spins as f64;
    let ns: Vec<f64> = (1..=max_n).map(|n| n as f64).collect();
    let phi_of = |xs: &[f64], n: f64| ln_mean_exp(xs, n) / (n * nf);
    let quenched_of = |xs: &[f64]| xs.iter().sum::<f64>() / (xs.len() as f64 * nf);
    let stats = |xs: &[f64]| {
        let phi: Vec<f64> = ns.iter().map(|&n| phi_of(xs, n)).collect();
        let ext = extrapolate_to_zero(&phi);
        (phi, ext, quenched_of(xs))
    };
    let (phi, extrapolated, quenched) = stats(&ln_z);
    // Jackknife over samples.
    let k = samples as f64;
    let mut jk_phi = vec![Vec::with_capacity(samples); ns.len()];
    let (mut jk_ext, mut jk_q, mut jk_d) = (Vec::new(), Vec::new(), Vec::new());
    let mut rest = Vec::with_capacity(samples - 1);
    for leave in 0..samples {
        rest.clear();
        rest.extend(
            ln_z.iter()
                .enumerate()
                .filter(|(i, _)| *i != leave)
                .map(|(_, &x)| x),
        );
        let (p, e, q) = stats(&rest);
        for (v, x) in jk_phi.iter_mut().zip(p) {
            v.push(x);
        }
        jk_ext.push(e);
        jk_q.push(q);
        jk_d.push(e - q);
    }
    let jk_err = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / k;
        ((k - 1.0) / k * v.iter().map(|x| (x - m).powi(2)).sum::<f64>()).sqrt()
    };
    let curve_n: Vec<f64> = (1..=20 * max_n).map(|i| i as f64 / 20.0).collect();
    let curve_phi = curve_n.iter().map(|&n| phi_of(&ln_z, n)).collect();
    Ok(ReplicaTrick {
        n_spins,
        beta,
        samples,
        annealed: phi[0],
        phi_err: jk_phi.iter().map(|v| jk_err(v)).collect(),
        n: ns,
        phi,
        quenched,
        quenched_err: jk_err(&jk_q),
        extrapolated,
        extrapolated_err: jk_err(&jk_ext),
        difference_err: jk_err(&jk_d),
        curve_n,
        curve_phi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagrange_extrapolation_is_exact_for_polynomials() {
        let y: Vec<f64> = (1..=4)
            .map(|n| 2.0 - 0.5 * n as f64 + 0.1 * (n * n * n) as f64)
            .collect();
        assert!((extrapolate_to_zero(&y) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn replica_limit_reaches_the_quenched_average() {
        // High temperature: ln⟨Z⟩/N = ln 2 + β²/4 (1 − 1/N) exactly for Gaussian SK.
        let r = replica_trick(10, 0.5, 400, 3, 7).unwrap();
        let annealed_exact = 2f64.ln() + 0.25 * 0.25 * (1.0 - 0.1);
        assert!(
            (r.annealed - annealed_exact).abs() < 4.0 * r.phi_err[0],
            "annealed {} ± {} vs {annealed_exact}",
            r.annealed,
            r.phi_err[0]
        );
        let d = r.extrapolated - r.quenched;
        assert!(
            d.abs() < 4.0 * r.difference_err,
            "{d} ± {}",
            r.difference_err
        );
        // Jensen: annealed above quenched, by many error bars at low temperature.
        let cold = replica_trick(10, 2.0, 400, 3, 7).unwrap();
        assert!(cold.annealed - cold.quenched > 0.0);
        assert!(cold.phi[0] < cold.phi[1] && cold.phi[1] < cold.phi[2]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(replica_trick(40, 1.0, 100, 3, 0).is_err());
        assert!(replica_trick(8, -1.0, 100, 3, 0).is_err());
        assert!(replica_trick(8, 1.0, 5, 3, 0).is_err());
        assert!(replica_trick(8, 1.0, 100, 9, 0).is_err());
    }
}
