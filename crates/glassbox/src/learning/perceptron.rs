//! The perceptron as a statistical-mechanics problem: teacher–student generalization and the
//! storage capacity of random labels (Gardner; Engel & Van den Broeck, *Statistical Mechanics
//! of Learning*, chapters 2–3 and 6).
//!
//! A student w ∈ ℝ^N classifies ξ by sign(⟨w, ξ⟩). Inputs ξ^μ ~ N(0, I_N), μ = 1…P, α = P/N.
//! - Teacher–student: labels σ^μ = sign(⟨B, ξ^μ⟩) of a random teacher B. With the overlap
//!   R = ⟨w, B⟩/(‖w‖‖B‖) the generalization error is ε = arccos(R)/π. Students: Hebb
//!   (w = Σ_μ σ^μ ξ^μ), Rosenblatt's perceptron algorithm (cycled until every example is
//!   right), and Gibbs learning: Metropolis sampling of w on the sphere with energy = number of
//!   training errors at temperature T (T = 0: uniform on the version space), whose ε(α) the
//!   replica theory gives ([`crate::theory::gardner::gibbs_learning`]).
//! - Capacity: random labels σ^μ = ±1. The fraction of separable samples, found by the
//!   perceptron algorithm (which stops iff the set is separable; a budget of epochs caps the
//!   non-separable case), is set against Cover's exact count for points in general position,
//!   P_sep(P, N) = 2^{1−P} Σ_{k<N} C(P−1, k), which steps from 1 to 0 at α_c = 2.

use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::rng::{Rng, Streams};

/// How the student is trained.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Student {
    /// Hebb's rule.
    Hebb,
    /// The perceptron algorithm until zero training error (or the epoch budget).
    Perceptron,
    /// Gibbs learning at temperature T (Metropolis on the sphere).
    Gibbs {
        /// Temperature T ≥ 0 (energy = number of training errors).
        temperature: f64,
    },
}

/// Examples ξ^μ (rows, length N each) with labels σ^μ.
struct Examples {
    n: usize,
    xi: Vec<f64>,
    sigma: Vec<f64>,
}

impl Examples {
    fn row(&self, mu: usize) -> &[f64] {
        &self.xi[mu * self.n..(mu + 1) * self.n]
    }

    fn len(&self) -> usize {
        self.sigma.len()
    }
}

fn gaussians(rng: &mut Rng, k: usize) -> Vec<f64> {
    (0..k).map(|_| StandardNormal.sample(&mut *rng)).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Rosenblatt's algorithm from w = 0, cycling through the examples: on a mistake
/// (σ⟨w, ξ⟩ ≤ 0) add σξ. Returns w and whether an epoch passed without mistakes.
fn perceptron(ex: &Examples, max_epochs: usize) -> (Vec<f64>, bool) {
    let mut w = vec![0.0; ex.n];
    for _ in 0..max_epochs {
        let mut clean = true;
        for mu in 0..ex.len() {
            let (x, s) = (ex.row(mu), ex.sigma[mu]);
            if s * dot(&w, x) <= 0.0 {
                w.iter_mut().zip(x).for_each(|(wi, xi)| *wi += s * xi);
                clean = false;
            }
        }
        if clean {
            return (w, true);
        }
    }
    (w, false)
}

/// Metropolis on the sphere ‖w‖² = N: propose w + δ g (g Gaussian), rescale, accept with
/// min(1, e^{−ΔE/T}) where E counts training errors (T = 0: never accept a new error).
/// The step δ adapts towards 30–50 % acceptance during the first half, then stays fixed.
fn gibbs(
    ex: &Examples,
    start: Vec<f64>,
    temperature: f64,
    sweeps: usize,
    rng: &mut Rng,
) -> Vec<f64> {
    let n = ex.n;
    let norm = |w: &mut Vec<f64>| {
        let s = (n as f64 / dot(w, w)).sqrt();
        w.iter_mut().for_each(|v| *v *= s);
    };
    let errors = |w: &[f64]| {
        (0..ex.len())
            .filter(|&mu| ex.sigma[mu] * dot(w, ex.row(mu)) <= 0.0)
            .count() as f64
    };
    let mut w = start;
    norm(&mut w);
    let mut e = errors(&w);
    let mut step = 0.5;
    let steps = sweeps * n;
    let (mut tried, mut taken) = (0usize, 0usize);
    let mut trial = vec![0.0; n];
    for t in 0..steps {
        for (tv, wv) in trial.iter_mut().zip(&w) {
            let g: f64 = StandardNormal.sample(&mut *rng);
            *tv = wv + step * g;
        }
        norm(&mut trial);
        let e2 = errors(&trial);
        let accept =
            e2 <= e || (temperature > 0.0 && rng.random::<f64>() < (-(e2 - e) / temperature).exp());
        tried += 1;
        if accept {
            std::mem::swap(&mut w, &mut trial);
            e = e2;
            taken += 1;
        }
        if t < steps / 2 && tried == 100 {
            let rate = taken as f64 / tried as f64;
            step *= if rate < 0.3 {
                0.7
            } else if rate > 0.5 {
                1.3
            } else {
                1.0
            };
            (tried, taken) = (0, 0);
        }
    }
    w
}

/// Teacher–student examples for `n` inputs and `p` examples.
fn teacher_examples(n: usize, p: usize, rng: &mut Rng) -> (Vec<f64>, Examples) {
    let teacher = gaussians(rng, n);
    let xi = gaussians(rng, n * p);
    let sigma = (0..p)
        .map(|mu| dot(&teacher, &xi[mu * n..(mu + 1) * n]).signum())
        .collect();
    (teacher, Examples { n, xi, sigma })
}

/// Generalization error (mean and standard error over `samples` teachers) of a student at
/// load α = P/N with N = `n` inputs. `sweeps` is the Gibbs sampler's length in units of N
/// proposals (ignored by the other students).
pub fn generalization_error(
    student: Student,
    n: usize,
    alpha: f64,
    samples: usize,
    sweeps: usize,
    seed: u64,
) -> Result<(f64, f64)> {
    let p = (alpha * n as f64).round() as usize;
    if n < 2 || p < 1 || samples < 2 {
        return Err(invalid(format!(
            "need N ≥ 2, P = αN ≥ 1 and ≥ 2 samples (N = {n}, α = {alpha}, samples = {samples})"
        )));
    }
    if let Student::Gibbs { temperature } = student {
        if !(temperature.is_finite() && temperature >= 0.0) {
            return Err(invalid(format!(
                "temperature must be ≥ 0, got {temperature}"
            )));
        }
    }
    let streams = Streams::new(seed);
    let eps: Vec<f64> = (0..samples)
        .into_par_iter()
        .map(|s| {
            let mut rng = streams.stream(&[s as u64]);
            let (teacher, ex) = teacher_examples(n, p, &mut rng);
            let w = match student {
                Student::Hebb => (0..n)
                    .map(|i| (0..p).map(|mu| ex.sigma[mu] * ex.row(mu)[i]).sum())
                    .collect(),
                Student::Perceptron => perceptron(&ex, 10_000).0,
                Student::Gibbs { temperature } => {
                    let start = if temperature == 0.0 {
                        // Start inside the version space (it is never empty for a teacher).
                        perceptron(&ex, usize::MAX).0
                    } else {
                        gaussians(&mut rng, n)
                    };
                    gibbs(&ex, start, temperature, sweeps, &mut rng)
                }
            };
            let r = dot(&w, &teacher) / (dot(&w, &w) * dot(&teacher, &teacher)).sqrt();
            r.clamp(-1.0, 1.0).acos() / std::f64::consts::PI
        })
        .collect();
    let k = eps.len() as f64;
    let m = eps.iter().sum::<f64>() / k;
    let var = eps.iter().map(|e| (e - m).powi(2)).sum::<f64>() / (k - 1.0);
    Ok((m, (var / k).sqrt()))
}

/// Cover's probability that P random points in general position in ℝ^N with random labels
/// are linearly separable (through the origin): 2^{1−P} Σ_{k=0}^{N−1} C(P−1, k).
pub fn cover_separable(p: usize, n: usize) -> f64 {
    if p <= n {
        return 1.0;
    }
    // Binomial(P−1, 1/2) cumulative probability, summed in log space.
    let m = p - 1;
    let ln_half = (0.5f64).ln();
    let mut ln_c = 0.0; // ln C(m, 0)
    let mut total = 0.0;
    for k in 0..n.min(m + 1) {
        total += (ln_c + m as f64 * ln_half).exp();
        ln_c += ((m - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    total.min(1.0)
}

/// Fraction of `samples` random-label problems (N inputs, P = αN examples) that the
/// perceptron algorithm separates within `max_epochs` epochs.
pub fn separable_fraction(
    n: usize,
    alpha: f64,
    samples: usize,
    max_epochs: usize,
    seed: u64,
) -> Result<f64> {
    let p = (alpha * n as f64).round() as usize;
    if n < 1 || p < 1 || samples < 1 || max_epochs < 1 {
        return Err(invalid(format!(
            "need N ≥ 1, P = αN ≥ 1, samples ≥ 1 and max_epochs ≥ 1 (N = {n}, α = {alpha})"
        )));
    }
    let streams = Streams::new(seed);
    let separated = (0..samples)
        .into_par_iter()
        .filter(|&s| {
            let mut rng = streams.stream(&[s as u64]);
            let xi = gaussians(&mut rng, n * p);
            let sigma = (0..p)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            perceptron(&Examples { n, xi, sigma }, max_epochs).1
        })
        .count();
    Ok(separated as f64 / samples as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::gardner::{gibbs_learning, hebb_learning};

    #[test]
    fn hebb_and_gibbs_students_follow_the_replica_curves() {
        // Finite N = 100 shifts ε by O(1/N); allow 4σ plus 0.01.
        let (e, err) = generalization_error(Student::Hebb, 100, 2.0, 64, 0, 3).unwrap();
        let th = hebb_learning(2.0).unwrap().epsilon;
        assert!(
            (e - th).abs() < 4.0 * err + 0.01,
            "Hebb: {e} ± {err} vs {th}"
        );
        let (e, err) =
            generalization_error(Student::Gibbs { temperature: 0.0 }, 60, 2.0, 24, 200, 4).unwrap();
        let th = gibbs_learning(2.0).unwrap().epsilon;
        assert!(
            (e - th).abs() < 4.0 * err + 0.01,
            "Gibbs: {e} ± {err} vs {th}"
        );
        // The perceptron solution lies in the version space: no better than Bayes, no worse
        // than chance.
        let (e, _) = generalization_error(Student::Perceptron, 60, 2.0, 16, 0, 5).unwrap();
        assert!(e > 0.05 && e < 0.35, "{e}");
    }

    #[test]
    fn gibbs_student_at_temperature_follows_the_finite_t_replica_curve() {
        // Metropolis at T = 0.5 (energy = training errors) against the RS theory; N = 30
        // shifts ε by O(1/N), so 4σ plus 0.02.
        let (e, err) =
            generalization_error(Student::Gibbs { temperature: 0.5 }, 30, 2.0, 16, 100, 6).unwrap();
        let th = crate::theory::gardner::gibbs_learning_at(2.0, 0.5)
            .unwrap()
            .0
            .epsilon;
        assert!(
            (e - th).abs() < 4.0 * err + 0.02,
            "Gibbs T = 0.5: {e} ± {err} vs {th}"
        );
        // …and clearly above the T = 0 (version-space) curve.
        assert!(th > gibbs_learning(2.0).unwrap().epsilon + 0.04);
    }

    #[test]
    fn capacity_is_cover_and_alpha_c_two() {
        assert_eq!(cover_separable(20, 20), 1.0);
        // At P = 2N exactly half of the labelings are separable.
        assert!((cover_separable(40, 20) - 0.5).abs() < 1e-12);
        assert!((cover_separable(3, 2) - 0.75).abs() < 1e-12);
        for (alpha, samples) in [(1.5, 200), (2.5, 200)] {
            let f = separable_fraction(20, alpha, samples, 2000, 9).unwrap();
            let want = cover_separable((alpha * 20.0) as usize, 20);
            let sd = (want * (1.0 - want) / samples as f64).sqrt().max(0.01);
            assert!(
                (f - want).abs() < 4.0 * sd,
                "α = {alpha}: {f} vs Cover {want}"
            );
        }
    }
}
