//! Double descent, analytically: the test risk of least squares as the number of parameters
//! crosses the number of samples (the paper's §2.5 and its analogy with a specific-heat peak).
//!
//! - Min-norm least squares with isotropic Gaussian features (Hastie, Montanari, Rosset &
//!   Tibshirani 2019): x ~ N(0, I_p), y = xᵀβ + ε, ‖β‖² = r², Var ε = σ², γ = p/n. The excess
//!   risk R = ‖β̂ − β‖² of β̂ = X⁺y is
//!   `R = σ² γ/(1 − γ)` for γ < 1 and `R = r²(1 − 1/γ) + σ²/(γ − 1)` for γ > 1:
//!   it diverges at the interpolation threshold γ = 1.
//! - Ridge, β̂_λ = (XᵀX/n + λ)⁻¹Xᵀy/n: `R(λ) = r² λ² m′(−λ) + σ² γ [m(−λ) − λ m′(−λ)]` with
//!   m the Marchenko–Pastur Stieltjes transform of ratio γ.
//! - Random features (Mei & Montanari 2019), ridgeless limit: features σ(⟨θ_a, x⟩/√d) with
//!   N = ψ₁ d features and n = ψ₂ d samples; the risk R(ψ₁, ψ₂) of their closed form, which
//!   peaks at N = n.
//!
//! [`simulate_min_norm`] draws the same problem and solves it, to check the formulas.

use rand_distr::{Distribution, StandardNormal};

use crate::error::{invalid, Result};
use crate::linalg::{predict, ridge, Mat};
use crate::rng::Streams;

fn check_positive(what: &str, x: f64) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be finite and positive, got {x}"
        )))
    }
}

/// Min-norm least-squares excess risk at aspect ratio γ = p/n (infinite at γ = 1).
pub fn min_norm_risk(gamma: f64, r2: f64, sigma2: f64) -> Result<f64> {
    check_positive("γ", gamma)?;
    Ok(if gamma < 1.0 {
        sigma2 * gamma / (1.0 - gamma)
    } else if gamma > 1.0 {
        r2 * (1.0 - 1.0 / gamma) + sigma2 / (gamma - 1.0)
    } else {
        f64::INFINITY
    })
}

/// Marchenko–Pastur Stieltjes transform m(z) and its derivative m′(z) at real z < 0.
fn marchenko_pastur(gamma: f64, z: f64) -> (f64, f64) {
    let b = 1.0 - gamma - z;
    let d = (b * b - 4.0 * gamma * z).sqrt();
    let dd = (z - 1.0 - gamma) / d;
    let m = (b - d) / (2.0 * gamma * z);
    let dm = ((-1.0 - dd) * z - (b - d)) / (2.0 * gamma * z * z);
    (m, dm)
}

/// Ridge excess risk at aspect ratio γ and penalty λ > 0. Its minimum over λ is at
/// λ* = σ²γ/r².
pub fn ridge_risk(gamma: f64, lambda: f64, r2: f64, sigma2: f64) -> Result<f64> {
    check_positive("γ", gamma)?;
    check_positive("λ", lambda)?;
    let (m, dm) = marchenko_pastur(gamma, -lambda);
    Ok(r2 * lambda * lambda * dm + sigma2 * gamma * (m - lambda * dm))
}

/// Activation constants of the random-features model: μ₁ = E[Gσ(G)] and
/// μ*² = E[σ(G)²] − E[σ(G)]² − μ₁² for G ~ N(0, 1).
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Activation {
    /// μ₁.
    pub mu1: f64,
    /// μ*.
    pub mu_star: f64,
}

impl Activation {
    /// Centred ReLU σ(x) = max(x, 0) − 1/√(2π): μ₁ = 1/2, μ*² = 1/4 − 1/(2π).
    pub fn centred_relu() -> Self {
        Activation {
            mu1: 0.5,
            mu_star: (0.25 - 0.5 / std::f64::consts::PI).sqrt(),
        }
    }
}

/// Mei–Montanari ridgeless random-features test error at ψ₁ = N/d, ψ₂ = n/d, for a target
/// with linear part of power `f1_sq`, nonlinear part `fstar_sq` and label noise `tau_sq`.
pub fn random_features_risk(
    psi1: f64,
    psi2: f64,
    act: Activation,
    f1_sq: f64,
    fstar_sq: f64,
    tau_sq: f64,
) -> Result<f64> {
    check_positive("ψ₁", psi1)?;
    check_positive("ψ₂", psi2)?;
    let zeta = act.mu1 / act.mu_star;
    let psi = psi1.min(psi2);
    let (z2, z4, z6) = (zeta * zeta, zeta.powi(4), zeta.powi(6));
    let a = psi * z2 - z2 - 1.0;
    let chi = -(a + (a * a + 4.0 * psi * z2).sqrt()) / (2.0 * z2);
    let (c2, c3, c4, c5) = (chi * chi, chi.powi(3), chi.powi(4), chi.powi(5));
    let p12 = psi1 * psi2;
    let e0 = -c5 * z6 + 3.0 * c4 * z4 + (p12 - psi2 - psi1 + 1.0) * c3 * z6
        - 2.0 * c3 * z4
        - 3.0 * c3 * z2
        + (psi1 + psi2 - 3.0 * p12 + 1.0) * c2 * z4
        + 2.0 * c2 * z2
        + c2
        + 3.0 * p12 * chi * z2
        - p12;
    let e1 = psi2 * c3 * z4 - psi2 * c2 * z2 + p12 * chi * z2 - p12;
    let e2 = c5 * z6 - 3.0 * c4 * z4
        + (psi1 - 1.0) * c3 * z6
        + 2.0 * c3 * z4
        + 3.0 * c3 * z2
        + (-psi1 - 1.0) * c2 * z4
        - 2.0 * c2 * z2
        - c2;
    let (b, v) = (e1 / e0, e2 / e0);
    Ok(f1_sq * b + (tau_sq + fstar_sq) * v + fstar_sq)
}

/// Monte Carlo estimate of the min-norm risk: mean and standard error of ‖X⁺y − β‖² over
/// `trials` independent draws with n samples, p = round(γ n) features, ‖β‖² = r², noise σ².
pub fn simulate_min_norm(
    n: usize,
    gamma: f64,
    r2: f64,
    sigma2: f64,
    trials: usize,
    seed: u64,
) -> Result<(f64, f64)> {
    check_positive("γ", gamma)?;
    let p = (gamma * n as f64).round() as usize;
    if n < 2 || p < 1 || p == n || trials < 2 {
        return Err(invalid(format!(
            "need n ≥ 2, p ≥ 1, p ≠ n and ≥ 2 trials (n = {n}, p = {p}, trials = {trials})"
        )));
    }
    let streams = Streams::new(seed);
    let risks = (0..trials)
        .map(|t| {
            let mut rng = streams.stream(&[t as u64]);
            let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
            let x = Mat::from_fn(n, p, |_, _| g());
            let mut beta: Vec<f64> = (0..p).map(|_| g()).collect();
            let norm = (beta.iter().map(|b| b * b).sum::<f64>() / r2).sqrt();
            beta.iter_mut().for_each(|b| *b /= norm);
            let y: Vec<f64> = predict(x.as_ref(), &beta)
                .into_iter()
                .map(|v| v + sigma2.sqrt() * g())
                .collect();
            let hat = ridge(x.as_ref(), &y, 0.0)?;
            Ok(hat.iter().zip(&beta).map(|(a, b)| (a - b).powi(2)).sum())
        })
        .collect::<Result<Vec<f64>>>()?;
    let k = trials as f64;
    let mean = risks.iter().sum::<f64>() / k;
    let var = risks.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (k - 1.0);
    Ok((mean, (var / k).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmrt_closed_forms() {
        // reference-values.md §4.6, r² = 1, σ² = 0.25.
        for (g, want) in [
            (0.2, 0.0625),
            (0.5, 0.25),
            (0.8, 1.0),
            (1.2, 1.416_666_666_666_666_7),
            (2.0, 0.75),
            (5.0, 0.8625),
        ] {
            assert!(
                (min_norm_risk(g, 1.0, 0.25).unwrap() - want).abs() < 1e-12,
                "γ = {g}"
            );
        }
        assert!(min_norm_risk(1.0, 1.0, 0.25).unwrap().is_infinite());
        assert!((ridge_risk(2.0, 0.5, 1.0, 0.25).unwrap() - 0.640388).abs() < 1e-6);
        assert!((ridge_risk(0.5, 0.1, 1.0, 0.25).unwrap() - 0.176784).abs() < 1e-6);
        // λ → 0 recovers min-norm; the optimum sits at λ* = σ²γ/r².
        assert!((ridge_risk(2.0, 1e-9, 1.0, 0.25).unwrap() - 0.75).abs() < 1e-6);
        let star = ridge_risk(2.0, 0.5, 1.0, 0.25).unwrap();
        assert!(star < ridge_risk(2.0, 0.4, 1.0, 0.25).unwrap());
        assert!(star < ridge_risk(2.0, 0.6, 1.0, 0.25).unwrap());
    }

    #[test]
    fn mei_montanari_table() {
        // reference-values.md §4.6: centred ReLU, ψ₂ = 2, τ² = 0.1, F₁ = 1, F* = 0.
        let act = Activation::centred_relu();
        assert!((act.mu1 / act.mu_star - 1.6588971).abs() < 1e-6);
        for (psi1, want) in [
            (0.5, 0.933304),
            (1.0, 0.995812),
            (1.5, 1.539008),
            (3.0, 0.773222),
            (6.0, 0.280772),
        ] {
            let r = random_features_risk(psi1, 2.0, act, 1.0, 0.0, 0.1).unwrap();
            assert!((r - want).abs() < 1e-5, "ψ₁ = {psi1}: {r} vs {want}");
        }
        // The OLS check: for ψ₁ < ψ₂ the variance term is ψ₁/(ψ₂ − ψ₁).
        let v = random_features_risk(0.5, 2.0, act, 0.0, 0.0, 1.0).unwrap();
        assert!((v - 0.5 / 1.5).abs() < 1e-9, "{v}");
    }

    #[test]
    fn simulation_matches_theory() {
        for g in [0.5, 2.0] {
            let (mean, err) = simulate_min_norm(400, g, 1.0, 0.25, 40, 11).unwrap();
            let th = min_norm_risk(g, 1.0, 0.25).unwrap();
            // Finite-n bias is O(1/n) away from the peak.
            assert!(
                (mean - th).abs() < 4.0 * err + 0.01 * th,
                "γ = {g}: {mean} ± {err} vs {th}"
            );
        }
        assert!(simulate_min_norm(10, 1.0, 1.0, 0.25, 5, 0).is_err());
    }
}
