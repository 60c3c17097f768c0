//! Double descent, simulated: least squares on random features as their number p crosses the
//! number of training samples n (paper §2.5).
//!
//! Inputs x ∈ ℝ^d (rows of X) come from a [`Source`]: a linear teacher y = ⟨β, x⟩ + ε with
//! x ~ N(0, I_d), ‖β‖² = r², Var ε = σ² (Mei & Montanari's setting, so
//! [`crate::theory::double_descent::random_features_risk`] is the d → ∞ curve), or MNIST
//! images with a ±1 one-vs-rest target. Features are φ_a(x) = σ(⟨θ_a, x⟩/√d) with
//! θ_a ~ N(0, I_d) drawn once per seed and nested (the first p of them), and the second layer
//! is fitted by ridge least squares ([`crate::linalg::ridge`]; λ = 0: minimum norm).
//!
//! Besides the test and training errors, each point carries an *order parameter* of the
//! trained model (beyond the paper): the overlap q = ⟨w¹, w²⟩/(‖w¹‖‖w²‖) of two replicas
//! trained by gradient descent on the same data from independent initializations
//! w⁰ ~ N(0, I_p/p). Gradient flow on the squared loss converges to ŵ + (I − Φ⁺Φ) w⁰ (the
//! fit plus the part of w⁰ the data never see), so q = 1 while the solution is unique
//! (p ≤ n) and drops below 1 once the interpolating solutions form a manifold (p > n).

use rand::seq::index::sample;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::data::Images;
use crate::error::{invalid, Result};
use crate::linalg::{predict, ridge, Mat, MatRef};
use crate::rng::Streams;

/// Activation σ of the random features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// Centred ReLU, σ(z) = max(z, 0) − 1/√(2π) (so E σ(G) = 0 for G ~ N(0, 1)).
    Relu,
    /// σ(z) = tanh z.
    Tanh,
}

impl Activation {
    /// σ(z).
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Activation::Relu => z.max(0.0) - 0.398_942_280_401_432_7,
            Activation::Tanh => z.tanh(),
        }
    }

    /// The constants μ₁ = E[Gσ(G)] and μ* of σ that the Mei–Montanari curve
    /// ([`crate::theory::double_descent::random_features_risk`]) needs: closed form for the
    /// ReLU, Gaussian quadrature for tanh (μ₁ ≈ 0.6057, μ*² ≈ 0.0274; E tanh G = 0).
    pub fn constants(self) -> Result<crate::theory::double_descent::Activation> {
        use crate::theory::double_descent::Activation as Constants;
        use crate::theory::numerics::gaussian_average;
        match self {
            Activation::Relu => Ok(Constants::centred_relu()),
            Activation::Tanh => {
                let mu1 = gaussian_average(|z| z * z.tanh(), &[])?;
                let second = gaussian_average(|z| z.tanh().powi(2), &[])?;
                Ok(Constants {
                    mu1,
                    mu_star: (second - mu1 * mu1).sqrt(),
                })
            }
        }
    }
}

/// Where the training and test data come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// Linear teacher in dimension `d` with signal power `r2` and label noise `sigma2`.
    Linear {
        /// Input dimension d.
        d: usize,
        /// ‖β‖².
        r2: f64,
        /// Noise variance σ².
        sigma2: f64,
    },
    /// Images (standardized to zero mean and unit variance per pixel over the set) with target
    /// +1 for class `digit` and −1 otherwise; each seed draws disjoint train and test subsets.
    Images {
        /// The images.
        images: &'a Images,
        /// The positive class.
        digit: u8,
    },
}

/// Configuration of a double-descent curve.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CurveConfig {
    /// Training samples n.
    pub n_train: usize,
    /// Test samples.
    pub n_test: usize,
    /// Numbers of features p at which to fit.
    pub features: Vec<usize>,
    /// Activation of the random features.
    pub activation: Activation,
    /// Ridge penalty λ ≥ 0 (0: minimum-norm least squares).
    pub ridge: f64,
    /// Independent repetitions (data, features and initializations) averaged per point.
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

/// One point of the curve: means over seeds and their standard errors.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct CurvePoint {
    /// Number of features p.
    pub p: usize,
    /// p/n.
    pub gamma: f64,
    /// Test mean squared error E(y − ŷ)² (label noise included for the teacher).
    pub test_error: f64,
    /// Its standard error over seeds.
    pub test_error_err: f64,
    /// Training mean squared error (0 once p ≥ n and λ = 0).
    pub train_error: f64,
    /// Its standard error.
    pub train_error_err: f64,
    /// Replica overlap q of two trained initializations.
    pub overlap: f64,
    /// Its standard error.
    pub overlap_err: f64,
    /// ‖ŵ‖² of the fitted second layer.
    pub norm: f64,
    /// Its standard error.
    pub norm_err: f64,
}

fn mean_err(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    let m = v.iter().sum::<f64>() / k;
    if v.len() < 2 {
        return (m, f64::NAN);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0);
    (m, (var / k).sqrt())
}

/// Inputs and targets of a train or test set.
struct Data {
    x: Mat<f64>,
    y: Vec<f64>,
}

fn draw(source: &Source<'_>, n_train: usize, n_test: usize, streams: &Streams) -> (Data, Data) {
    match *source {
        Source::Linear { d, r2, sigma2 } => {
            let mut rng = streams.stream(&[0]);
            let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
            let mut beta: Vec<f64> = (0..d).map(|_| g()).collect();
            let norm = (beta.iter().map(|b| b * b).sum::<f64>() / r2).sqrt();
            beta.iter_mut().for_each(|b| *b /= norm);
            let mut set = |n: usize| {
                let x = Mat::from_fn(n, d, |_, _| g());
                let y = predict(x.as_ref(), &beta)
                    .into_iter()
                    .map(|v| v + sigma2.sqrt() * g())
                    .collect();
                Data { x, y }
            };
            let train = set(n_train);
            (train, set(n_test))
        }
        Source::Images { images, digit } => {
            let dim = images.dim();
            let count = images.len() as f64;
            let mut mean = vec![0.0; dim];
            let mut sq = vec![0.0; dim];
            for k in 0..images.len() {
                for (j, &v) in images.image(k).iter().enumerate() {
                    mean[j] += f64::from(v) / count;
                    sq[j] += f64::from(v).powi(2) / count;
                }
            }
            // Constant pixels (the border) get unit scale and stay zero.
            let scale: Vec<f64> = (0..dim)
                .map(|j| {
                    let v = sq[j] - mean[j] * mean[j];
                    if v > 1e-12 {
                        1.0 / v.sqrt()
                    } else {
                        1.0
                    }
                })
                .collect();
            let mut rng = streams.stream(&[0]);
            let picks = sample(&mut rng, images.len(), n_train + n_test).into_vec();
            let set = |ks: &[usize]| Data {
                x: Mat::from_fn(ks.len(), dim, |i, j| {
                    (f64::from(images.image(ks[i])[j]) - mean[j]) * scale[j]
                }),
                y: ks
                    .iter()
                    .map(|&k| if images.labels[k] == digit { 1.0 } else { -1.0 })
                    .collect(),
            };
            (set(&picks[..n_train]), set(&picks[n_train..]))
        }
    }
}

/// Φ = σ(X Θᵀ/√d) for the first `p` rows of Θ.
fn features(x: MatRef<'_, f64>, theta: MatRef<'_, f64>, act: Activation) -> Mat<f64> {
    let s = 1.0 / (x.ncols() as f64).sqrt();
    let z = x * theta.transpose();
    Mat::from_fn(z.nrows(), z.ncols(), |i, j| act.apply(s * z[(i, j)]))
}

fn mse(pred: &[f64], y: &[f64]) -> f64 {
    pred.iter()
        .zip(y)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / y.len() as f64
}

/// Per-seed errors, overlap and norm at each p.
fn one_seed(source: &Source<'_>, cfg: &CurveConfig, seed: usize) -> Result<Vec<[f64; 4]>> {
    let streams = Streams::new(cfg.seed).child(&[seed as u64]);
    let (train, test) = draw(source, cfg.n_train, cfg.n_test, &streams);
    let d = train.x.ncols();
    let pmax = cfg.features.iter().copied().max().unwrap_or(0);
    let mut rng = streams.stream(&[1]);
    let theta = Mat::from_fn(pmax, d, |_, _| StandardNormal.sample(&mut rng));
    let phi_train = features(train.x.as_ref(), theta.as_ref(), cfg.activation);
    let phi_test = features(test.x.as_ref(), theta.as_ref(), cfg.activation);
    let mut init = streams.stream(&[2]);
    let w0: Vec<Vec<f64>> = (0..2)
        .map(|_| {
            (0..pmax)
                .map(|_| StandardNormal.sample(&mut init))
                .collect()
        })
        .collect();
    cfg.features
        .iter()
        .map(|&p| {
            let a = phi_train.as_ref().subcols(0, p);
            let w = ridge(a, &train.y, cfg.ridge)?;
            let train_err = mse(&predict(a, &w), &train.y);
            let test_err = mse(&predict(phi_test.as_ref().subcols(0, p), &w), &test.y);
            // Gradient-descent replicas: the fit plus the unseen part of each initialization
            // (with a ridge penalty gradient descent forgets its start: q = 1).
            let replicas = w0
                .iter()
                .map(|w0| {
                    let start: Vec<f64> = w0[..p].iter().map(|v| v / (p as f64).sqrt()).collect();
                    let seen = if cfg.ridge > 0.0 {
                        start.clone()
                    } else {
                        ridge(a, &predict(a, &start), 0.0)?
                    };
                    Ok(w.iter()
                        .zip(start.iter().zip(&seen))
                        .map(|(f, (s, v))| f + s - v)
                        .collect::<Vec<f64>>())
                })
                .collect::<Result<Vec<_>>>()?;
            let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
            let q = dot(&replicas[0], &replicas[1])
                / (dot(&replicas[0], &replicas[0]) * dot(&replicas[1], &replicas[1])).sqrt();
            Ok([test_err, train_err, q, dot(&w, &w)])
        })
        .collect()
}

/// Test and training error, replica overlap and weight norm against the number of features.
/// Seeds run in parallel; each draws its own data, features and initializations from
/// `cfg.seed`, so the curve does not depend on the thread count.
pub fn double_descent(source: &Source<'_>, cfg: &CurveConfig) -> Result<Vec<CurvePoint>> {
    let available = match source {
        Source::Linear { d, r2, sigma2 } => {
            if *d == 0 || !(r2.is_finite() && *r2 >= 0.0 && sigma2.is_finite() && *sigma2 >= 0.0) {
                return Err(invalid(format!(
                    "linear teacher needs d ≥ 1 and r², σ² ≥ 0 (d = {d}, r² = {r2}, σ² = {sigma2})"
                )));
            }
            usize::MAX
        }
        Source::Images { images, .. } => images.len(),
    };
    if cfg.n_train < 2 || cfg.n_test < 1 || cfg.seeds < 2 || cfg.features.is_empty() {
        return Err(invalid(format!(
            "need n_train ≥ 2, n_test ≥ 1, ≥ 2 seeds and some feature counts (n_train = {}, n_test = {}, seeds = {})",
            cfg.n_train, cfg.n_test, cfg.seeds
        )));
    }
    if cfg.n_train.saturating_add(cfg.n_test) > available {
        return Err(invalid(format!(
            "{} training + {} test samples exceed the {available} images",
            cfg.n_train, cfg.n_test
        )));
    }
    if cfg.features.contains(&0) {
        return Err(invalid("feature counts must be ≥ 1"));
    }
    if cfg.ridge == 0.0 && cfg.features.contains(&cfg.n_train) {
        return Err(invalid(format!(
            "p = n = {} is the interpolation threshold, where the ridgeless risk is infinite; skip it or use --ridge > 0",
            cfg.n_train
        )));
    }
    let runs = (0..cfg.seeds)
        .into_par_iter()
        .map(|s| one_seed(source, cfg, s))
        .collect::<Result<Vec<_>>>()?;
    Ok(cfg
        .features
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let col = |c: usize| runs.iter().map(|r| r[k][c]).collect::<Vec<f64>>();
            let (test_error, test_error_err) = mean_err(&col(0));
            let (train_error, train_error_err) = mean_err(&col(1));
            let (overlap, overlap_err) = mean_err(&col(2));
            let (norm, norm_err) = mean_err(&col(3));
            CurvePoint {
                p,
                gamma: p as f64 / cfg.n_train as f64,
                test_error,
                test_error_err,
                train_error,
                train_error_err,
                overlap,
                overlap_err,
                norm,
                norm_err,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::double_descent::{random_features_risk, Activation as Act};

    fn config(n: usize, features: Vec<usize>, seeds: usize) -> CurveConfig {
        CurveConfig {
            n_train: n,
            n_test: 2000,
            features,
            activation: Activation::Relu,
            ridge: 0.0,
            seeds,
            seed: 17,
        }
    }

    #[test]
    fn random_features_follow_mei_montanari_away_from_the_peak() {
        // d = 100, n = 200 (ψ₂ = 2), r² = 1, σ² = 0.1: the Mei–Montanari curve is the d → ∞
        // limit, so the tolerance is 4σ plus a 5 % finite-d allowance.
        let (d, n) = (100, 200);
        let src = Source::Linear {
            d,
            r2: 1.0,
            sigma2: 0.1,
        };
        for activation in [Activation::Relu, Activation::Tanh] {
            let cfg = CurveConfig {
                activation,
                ..config(n, vec![50, 300, 600], 24)
            };
            let curve = double_descent(&src, &cfg).unwrap();
            for pt in &curve {
                let theory = random_features_risk(
                    pt.p as f64 / d as f64,
                    n as f64 / d as f64,
                    activation.constants().unwrap(),
                    1.0,
                    0.0,
                    0.1,
                )
                .unwrap()
                    + 0.1; // the test labels carry the noise too
                assert!(
                    (pt.test_error - theory).abs() < 4.0 * pt.test_error_err + 0.05 * theory,
                    "{activation:?}, p = {}: {} ± {} vs {theory}",
                    pt.p,
                    pt.test_error,
                    pt.test_error_err
                );
            }
        }
        // The tanh constants: μ₁ = E[sech² G] (Stein), and the ReLU's closed form.
        let t = Activation::Tanh.constants().unwrap();
        assert!((t.mu1 - 0.605_706).abs() < 1e-5, "{}", t.mu1);
        assert!((t.mu_star.powi(2) - 0.027_4).abs() < 1e-3, "{}", t.mu_star);
        assert_eq!(
            Activation::Relu.constants().unwrap().mu1,
            Act::centred_relu().mu1
        );
    }

    #[test]
    fn interpolation_threshold_and_replica_overlap() {
        let src = Source::Linear {
            d: 40,
            r2: 1.0,
            sigma2: 0.25,
        };
        let curve = double_descent(&src, &config(60, vec![20, 55, 66, 240], 8)).unwrap();
        let [a, b, c, e] = [curve[0], curve[1], curve[2], curve[3]];
        // The test error peaks next to p = n …
        assert!(b.test_error > 3.0 * a.test_error && c.test_error > 3.0 * e.test_error);
        // … where the training error reaches zero …
        assert!(a.train_error > 0.05 && b.train_error > 0.0);
        assert!(c.train_error < 1e-12 && e.train_error < 1e-12);
        // … and the solution stops being unique: q = 1 below, q < 1 above.
        assert!((a.overlap - 1.0).abs() < 1e-8 && (b.overlap - 1.0).abs() < 1e-8);
        assert!(e.overlap < 0.9, "{}", e.overlap);
        // Same seed, same curve, whatever the thread count.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let again = pool.install(|| double_descent(&src, &config(60, vec![20, 55, 66, 240], 8)));
        assert_eq!(again.unwrap()[3].test_error, e.test_error);
        assert!(double_descent(&src, &config(60, vec![60], 8)).is_err());
    }
}
