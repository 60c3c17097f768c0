//! Boltzmann machines (paper §2.3, Figure 6 b–c): the stochastic, learning side of the
//! Hopfield story. Training is statistical mechanics — a positive (data) phase, a negative
//! (model) phase estimated by Monte Carlo, and partition functions for evaluation.
//!
//! - [`rbm`]: the Bernoulli–Bernoulli restricted Boltzmann machine (0/1 units, exact ±1
//!   conversion) and its Gaussian–Bernoulli form for real-valued data, free energies, conditionals and block Gibbs sampling; the RBM with Gaussian
//!   hidden units whose visible marginal is the Hopfield model;
//! - [`fvbm`]: the fully visible Boltzmann machine with exact likelihood and gradient by
//!   enumeration (N ≤ 20), a Monte Carlo gradient for any N, and exact maximum-likelihood
//!   (Boltzmann) learning;
//! - [`bm`]: the general Boltzmann machine with hidden units (Ackley–Hinton–Sejnowski) for
//!   small sizes, exact clamped/free phases and learning;
//! - [`train`]: contrastive divergence CD-k, persistent CD and parallel-tempering PCD with
//!   momentum, weight decay,
//!   a learning-rate schedule and minibatches; reconstruction-error and pseudo-likelihood
//!   monitors;
//! - [`partition`]: exact log Z by summing over the smaller layer (≤ 24 units), exact
//!   log-likelihoods;
//! - [`ais`](mod@ais): annealed importance sampling (Salakhutdinov & Murray 2008) for log Z with an
//!   error bar.
//!
//! Conventions: data and states are row-major `f64` slices (one configuration per row,
//! entries 0 or 1); weights `W` are `n_visible × n_hidden`, row-major (numpy C order).
//! Probabilities are at unit temperature, p(v, h) = e^{−E(v, h)}/Z.

pub mod ais;
pub mod bm;
pub mod fvbm;
pub mod partition;
pub mod rbm;
pub mod train;

pub use ais::{ais, AisResult, AisSpec};
pub use bm::Bm;
pub use fvbm::Fvbm;
pub use partition::{exact_log_likelihood, exact_log_z};
pub use rbm::{GaussianHiddenRbm, Rbm, SpinRbm};
pub use train::{Method, TrainSpec, Trainer, VisibleUnits};

/// softplus(x) = ln(1 + eˣ), computed without overflow.
#[inline]
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function σ(x) = 1/(1 + e^{−x}).
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ln Σ_k e^{x_k} (−∞ for an empty slice), shifted by the maximum.
pub fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// Binarizes intensities in [0, 1]: 1 where the pixel exceeds `threshold`, else 0.
pub fn binarize(pixels: &[f32], threshold: f32) -> Vec<f64> {
    pixels
        .iter()
        .map(|&p| if p > threshold { 1.0 } else { 0.0 })
        .collect()
}

/// Stochastic binarization: pixel k becomes 1 with probability equal to its intensity, the
/// draws for row r (of `width` pixels) from `streams.stream(&[BINARIZE, r])`.
pub fn binarize_stochastic(
    pixels: &[f32],
    width: usize,
    streams: &crate::rng::Streams,
) -> Vec<f64> {
    use rand::Rng as _;
    use rayon::prelude::*;
    pixels
        .par_chunks(width.max(1))
        .enumerate()
        .flat_map_iter(|(r, row)| {
            let mut rng = streams.stream(&[purpose::BINARIZE, r as u64]);
            row.iter()
                .map(|&p| if rng.random::<f32>() < p { 1.0 } else { 0.0 })
                .collect::<Vec<f64>>()
        })
        .collect()
}

/// How intensities in [0, 1] become binary units.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binarization {
    /// 1 where the intensity exceeds the threshold.
    Threshold(f32),
    /// 1 with probability equal to the intensity.
    Stochastic,
}

/// The fixed split of an image set: the first `train` images for training and the next
/// `held_out` for evaluation (9,000 / 1,000 of the MNIST test set in this project),
/// binarized; stochastic draws for image k come from `streams.stream(&[BINARIZE, k])`.
pub fn binarized_split(
    images: &crate::data::Images,
    train: usize,
    held_out: usize,
    mode: Binarization,
    streams: &crate::rng::Streams,
) -> crate::Result<(Vec<f64>, Vec<f64>)> {
    let d = images.dim();
    if train == 0 || held_out == 0 || train + held_out > images.len() {
        return Err(crate::error::invalid(format!(
            "a split of {train} training and {held_out} held-out images needs that many (≥ 1 each); the set has {}",
            images.len()
        )));
    }
    let px = &images.pixels[..(train + held_out) * d];
    let mut all = match mode {
        Binarization::Threshold(t) => binarize(px, t),
        Binarization::Stochastic => binarize_stochastic(px, d, streams),
    };
    let test = all.split_off(train * d);
    Ok((all, test))
}

/// Stream purposes of this module (first path element after [`crate::rng::Streams::child`]).
pub(crate) mod purpose {
    /// Initial weights.
    pub const INIT: u64 = 0xb0;
    /// Gibbs sampling.
    pub const GIBBS: u64 = 0xb1;
    /// Minibatch order.
    pub const SHUFFLE: u64 = 0xb2;
    /// Annealed importance sampling.
    pub const AIS: u64 = 0xb3;
    /// Exact sampling / data generation.
    pub const EXACT: u64 = 0xb4;
    /// Stochastic binarization.
    pub const BINARIZE: u64 = 0xb5;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_helpers() {
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-15);
        assert!((softplus(800.0) - 800.0).abs() < 1e-12);
        assert!(softplus(-800.0) >= 0.0 && softplus(-800.0) < 1e-300);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
        let x = [1.0, 2.0, 1000.0];
        assert!((log_sum_exp(&x) - 1000.0).abs() < 1e-12);
        assert!((log_sum_exp(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(binarize(&[0.2, 0.5, 0.51], 0.5), vec![0.0, 0.0, 1.0]);
        let px = vec![0.25f32; 40_000];
        let b = binarize_stochastic(&px, 100, &crate::rng::Streams::new(1));
        let mean = b.iter().sum::<f64>() / b.len() as f64;
        // σ = √(0.25·0.75/40000) ≈ 0.0022.
        assert!((mean - 0.25).abs() < 0.009, "{mean}");
        assert_eq!(
            b,
            binarize_stochastic(&px, 100, &crate::rng::Streams::new(1))
        );
    }
}
