//! Infinite width: a random two-layer network is a Gaussian process (Neal 1996; Lee et al.
//! 2018), the neural-network Gaussian process (NNGP) of the paper's §2.5.
//!
//! The network f(x) = H^{−1/2} Σ_{a=1}^H v_a σ(⟨w_a, x⟩/√d) with w_a ~ N(0, I_d) and
//! v_a ~ N(0, 1) has output covariance E f(x) f(x′) = K(x, x′) = E σ(u) σ(u′) at every width,
//! where (u, u′) is Gaussian with E u² = ‖x‖²/d, E u′² = ‖x′‖²/d, E uu′ = ⟨x, x′⟩/d. Closed
//! forms:
//! - ReLU σ(z) = max(z, 0), the arc-cosine kernel (Cho & Saul 2009):
//!   K = √(Σ₁₁Σ₂₂)/(2π) · (sin θ + (π − θ) cos θ), cos θ = Σ₁₂/√(Σ₁₁Σ₂₂);
//! - σ = erf (Williams 1997): K = (2/π) arcsin(2Σ₁₂/√((1 + 2Σ₁₁)(1 + 2Σ₂₂))).
//!
//! A single network's empirical kernel K̂_H(x, x′) = H⁻¹ Σ_a σ(u_a) σ(u′_a) is an average of H
//! independent terms, so its squared deviation from K shrinks as 1/H: the width at which a
//! finite network is "Gaussian enough" is measured by [`kernel_convergence`].

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::rng::Streams;
use crate::theory::numerics::erf;

/// The hidden units' activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nonlinearity {
    /// σ(z) = max(z, 0).
    Relu,
    /// σ(z) = erf(z).
    Erf,
}

impl Nonlinearity {
    fn apply(self, z: f64) -> f64 {
        match self {
            Nonlinearity::Relu => z.max(0.0),
            Nonlinearity::Erf => erf(z),
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The NNGP kernel K(x, x′) of the module docs.
pub fn kernel(act: Nonlinearity, x: &[f64], y: &[f64]) -> f64 {
    let d = x.len() as f64;
    let (s11, s22, s12) = (dot(x, x) / d, dot(y, y) / d, dot(x, y) / d);
    match act {
        Nonlinearity::Relu => {
            let r = (s11 * s22).sqrt();
            if r == 0.0 {
                return 0.0;
            }
            let theta = (s12 / r).clamp(-1.0, 1.0).acos();
            r / (2.0 * std::f64::consts::PI)
                * (theta.sin() + (std::f64::consts::PI - theta) * theta.cos())
        }
        Nonlinearity::Erf => {
            2.0 / std::f64::consts::PI
                * (2.0 * s12 / ((1.0 + 2.0 * s11) * (1.0 + 2.0 * s22)).sqrt()).asin()
        }
    }
}

/// The kernel matrix of `inputs` (row-major m × m).
pub fn kernel_matrix(act: Nonlinearity, inputs: &[Vec<f64>]) -> Vec<f64> {
    inputs
        .iter()
        .flat_map(|x| inputs.iter().map(move |y| kernel(act, x, y)))
        .collect()
}

/// The empirical kernel of one random network of width `width` on `inputs` (m × m).
pub fn empirical_kernel(
    act: Nonlinearity,
    inputs: &[Vec<f64>],
    width: usize,
    seed: u64,
) -> Vec<f64> {
    let m = inputs.len();
    let d = inputs.first().map_or(0, Vec::len);
    let mut rng = Streams::new(seed).stream(&[0]);
    let mut k = vec![0.0; m * m];
    let mut h = vec![0.0; m];
    let scale = 1.0 / (d as f64).sqrt();
    let mut w = vec![0.0; d];
    for _ in 0..width {
        w.iter_mut()
            .for_each(|v| *v = StandardNormal.sample(&mut rng));
        for (hi, x) in h.iter_mut().zip(inputs) {
            *hi = act.apply(scale * dot(&w, x));
        }
        for i in 0..m {
            for j in 0..m {
                k[i * m + j] += h[i] * h[j];
            }
        }
    }
    k.iter_mut().for_each(|v| *v /= width as f64);
    k
}

/// Mean squared deviation of single networks' empirical kernels from the NNGP kernel at one
/// width, over independent networks.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct WidthPoint {
    /// Hidden units H.
    pub width: usize,
    /// Mean over networks of Σ_ij (K̂_ij − K_ij)²/m².
    pub deviation: f64,
    /// Its standard error.
    pub deviation_err: f64,
}

/// [`WidthPoint`]s for each width (`networks` independent networks per width), and the slope
/// of log(deviation) against log(width) fitted by least squares (−1 for a Gaussian process
/// limit approached at the central-limit rate).
pub fn kernel_convergence(
    act: Nonlinearity,
    inputs: &[Vec<f64>],
    widths: &[usize],
    networks: usize,
    seed: u64,
) -> Result<(Vec<WidthPoint>, f64)> {
    let d = inputs.first().map_or(0, Vec::len);
    if inputs.len() < 2 || d == 0 || inputs.iter().any(|x| x.len() != d) {
        return Err(invalid("need ≥ 2 inputs of one common, non-zero dimension"));
    }
    if networks < 2 || widths.len() < 2 || widths.contains(&0) {
        return Err(invalid("need ≥ 2 networks and ≥ 2 widths, all ≥ 1"));
    }
    let exact = kernel_matrix(act, inputs);
    let m2 = exact.len() as f64;
    let points: Vec<WidthPoint> = widths
        .iter()
        .enumerate()
        .map(|(wi, &width)| {
            let dev: Vec<f64> = (0..networks)
                .into_par_iter()
                .map(|k| {
                    let s = Streams::new(seed).child(&[wi as u64, k as u64]).seed();
                    let e = empirical_kernel(act, inputs, width, s);
                    e.iter()
                        .zip(&exact)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        / m2
                })
                .collect();
            let n = dev.len() as f64;
            let mean = dev.iter().sum::<f64>() / n;
            let var = dev.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            WidthPoint {
                width,
                deviation: mean,
                deviation_err: (var / n).sqrt(),
            }
        })
        .collect();
    let (lx, ly): (Vec<f64>, Vec<f64>) = points
        .iter()
        .map(|p| ((p.width as f64).ln(), p.deviation.ln()))
        .unzip();
    let (mx, my) = (
        lx.iter().sum::<f64>() / lx.len() as f64,
        ly.iter().sum::<f64>() / ly.len() as f64,
    );
    let slope = lx
        .iter()
        .zip(&ly)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>()
        / lx.iter().map(|x| (x - mx).powi(2)).sum::<f64>();
    Ok((points, slope))
}

/// `m` inputs in dimension `d` with entries N(0, 1), seeded (a convenient test set).
pub fn gaussian_inputs(m: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Streams::new(seed).stream(&[1]);
    (0..m)
        .map(|_| (0..d).map(|_| StandardNormal.sample(&mut rng)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms_match_a_width_ten_thousand_network() {
        let inputs = gaussian_inputs(5, 20, 1);
        for act in [Nonlinearity::Relu, Nonlinearity::Erf] {
            let exact = kernel_matrix(act, &inputs);
            // Average 8 networks of width 10⁴: each entry has standard error ≲ 0.01·K_ii.
            let mut mc = vec![0.0; exact.len()];
            for s in 0..8 {
                let e = empirical_kernel(act, &inputs, 10_000, s);
                mc.iter_mut().zip(&e).for_each(|(a, b)| *a += b / 8.0);
            }
            let scale = exact[0].abs();
            for (a, b) in mc.iter().zip(&exact) {
                assert!((a - b).abs() < 0.02 * scale, "{act:?}: {a} vs {b}");
            }
        }
        // ReLU on the diagonal: E max(u, 0)² = Σ₁₁/2.
        let x = [1.0, 2.0, -2.0];
        assert!((kernel(Nonlinearity::Relu, &x, &x) - 9.0 / 3.0 / 2.0).abs() < 1e-12);
    }

    #[test]
    fn deviation_shrinks_as_one_over_width() {
        let inputs = gaussian_inputs(4, 10, 2);
        let (pts, slope) =
            kernel_convergence(Nonlinearity::Erf, &inputs, &[10, 100, 1000], 64, 3).unwrap();
        assert!((slope + 1.0).abs() < 0.1, "slope {slope}: {pts:?}");
        assert!(kernel_convergence(Nonlinearity::Erf, &inputs, &[10], 4, 0).is_err());
    }
}
