//! Perceptron capacity (Gardner volume) and teacher–student learning curves.
//!
//! Notation: Dt the standard Gaussian measure, H(x) = ∫_x^∞ Dt, Φ = 1 − H, φ the normal density.
//!
//! - Spherical perceptron with stability κ (Gardner, J. Phys. A 21, 257, 1988):
//!   α_c(κ) = [∫_{−κ}^∞ Dt (t + κ)²]⁻¹ = 1/[(1 + κ²)Φ(κ) + κφ(κ)], α_c(0) = 2.
//! - Binary (Ising) perceptron, replica-symmetric entropy (Gardner & Derrida, J. Phys. A 21,
//!   271, 1988); its zero gives α_c ≈ 0.833 (Krauth & Mézard, J. Phys. France 50, 3057, 1989).
//! - Teacher–student generalization error of the spherical perceptron for Gibbs, Bayes-optimal
//!   and Hebb learning (Engel & Van den Broeck, *Statistical Mechanics of Learning*, CUP 2001,
//!   ch. 2; Opper & Haussler, PRL 66, 2677, 1991; Vallet 1989).

use super::numerics::{
    brent_root, gaussian_average, ln_2cosh, ln_gauss_tail, normal_cdf, normal_pdf, FixedPoint,
};
use crate::error::{invalid, Result};
use std::f64::consts::PI;

/// Gardner capacity of the spherical perceptron at stability κ:
/// α_c(κ) = 1/[(1 + κ²)Φ(κ) + κφ(κ)] (Gardner 1988). Any finite κ is allowed.
pub fn spherical_capacity(kappa: f64) -> Result<f64> {
    if !kappa.is_finite() {
        return Err(invalid(format!("kappa must be finite, got {kappa}")));
    }
    Ok(1.0 / ((1.0 + kappa * kappa) * normal_cdf(kappa) + kappa * normal_pdf(kappa)))
}

/// The replica-symmetric capacity of the binary perceptron from the q → 1 limit, 4/π
/// (Gardner & Derrida 1988): an upper bound, superseded by the zero-entropy point
/// [`binary_capacity`].
pub fn binary_rs_capacity_q1() -> f64 {
    4.0 / PI
}

/// The RS saddle point of the binary perceptron at load α and stability κ.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BinaryPerceptronRs {
    /// Load α = p/N.
    pub alpha: f64,
    /// Stability κ.
    pub kappa: f64,
    /// Overlap q between two solutions.
    pub q: f64,
    /// Conjugate q̂.
    pub q_hat: f64,
    /// RS entropy per weight s = −q̂(1−q)/2 + ∫Dz ln 2cosh(√q̂ z) + α ∫Dt ln H((κ − √q t)/√(1−q)).
    pub entropy: f64,
}

/// Solves the binary-perceptron RS equations q = ∫Dz tanh²(√q̂ z),
/// q̂ = (α/(1−q)) ∫Dt [φ(u)/H(u)]², u = (κ − √q t)/√(1−q), by damped fixed-point iteration.
pub fn binary_perceptron_rs(alpha: f64, kappa: f64) -> Result<BinaryPerceptronRs> {
    if !(alpha.is_finite() && alpha > 0.0 && kappa.is_finite()) {
        return Err(invalid(format!(
            "need alpha > 0 and finite kappa, got {alpha}, {kappa}"
        )));
    }
    let ratio = |u: f64| (-0.5 * u * u - (2.0 * PI).sqrt().ln() - ln_gauss_tail(u)).exp();
    let qhat_of = |q: f64| -> Result<f64> {
        let (sq, s1) = (q.sqrt(), (1.0 - q).sqrt());
        let v = gaussian_average(|t| ratio((kappa - sq * t) / s1).powi(2), &[])?;
        Ok(alpha / (1.0 - q) * v)
    };
    let fp = FixedPoint {
        damping: 0.5,
        tol: 1e-12,
        max_iter: 20_000,
    };
    let rep = fp.solve("binary perceptron RS equations", vec![0.5], |x, out| {
        let q = x[0].clamp(1e-12, 1.0 - 1e-9);
        let qh = qhat_of(q)?;
        let sqh = qh.sqrt();
        out[0] = gaussian_average(|z| (sqh * z).tanh().powi(2), &[])?;
        Ok(())
    })?;
    let q = rep.x[0];
    let q_hat = qhat_of(q)?;
    let (sq, s1, sqh) = (q.sqrt(), (1.0 - q).sqrt(), q_hat.sqrt());
    let entropy = -0.5 * q_hat * (1.0 - q)
        + gaussian_average(|z| ln_2cosh(sqh * z), &[0.0])?
        + alpha * gaussian_average(|t| ln_gauss_tail((kappa - sq * t) / s1), &[])?;
    Ok(BinaryPerceptronRs {
        alpha,
        kappa,
        q,
        q_hat,
        entropy,
    })
}

/// Capacity of the binary perceptron at stability κ: the α where the RS entropy vanishes
/// (Krauth & Mézard 1989; ≈ 0.833 at κ = 0), by Brent's method.
pub fn binary_capacity(kappa: f64) -> Result<f64> {
    let s = |a: f64| {
        binary_perceptron_rs(a, kappa)
            .map(|r| r.entropy)
            .unwrap_or(f64::NAN)
    };
    let mut hi = 1.0;
    while s(hi) > 0.0 {
        hi *= 1.5;
        if hi > 100.0 {
            return Err(invalid(
                "binary capacity: no zero of the entropy below alpha = 100",
            ));
        }
    }
    let mut lo = hi / 1.5;
    while s(lo) < 0.0 {
        lo /= 1.5;
    }
    brent_root(s, lo, hi, 1e-10)
}

/// A point of a teacher–student learning curve of the spherical perceptron.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LearningPoint {
    /// Examples per weight α = p/N.
    pub alpha: f64,
    /// Student–teacher overlap R.
    pub r: f64,
    /// Generalization error ε = arccos(R)/π.
    pub epsilon: f64,
}

fn check_alpha(alpha: f64) -> Result<()> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(invalid(format!(
            "alpha must be finite and >= 0, got {alpha}"
        )));
    }
    Ok(())
}

/// Gibbs-learning overlap R(α) of the noiseless spherical teacher–student perceptron, the root of
/// R/√(1−R) = (α/π) ∫Dt e^{−Rt²/2}/H(−√R t) (Engel & Van den Broeck 2001, ch. 2), solved for
/// θ = arccos R by Brent's method.
pub fn gibbs_overlap(alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    if alpha == 0.0 {
        return Ok(0.0);
    }
    let g = |theta: f64| -> f64 {
        let r = theta.cos();
        let sr = r.sqrt();
        let i = gaussian_average(|t| (-0.5 * r * t * t - ln_gauss_tail(-sr * t)).exp(), &[])
            .unwrap_or(f64::NAN);
        // multiply through by √(1−R) = √(1 − cos θ) to keep both sides finite
        r - alpha / PI * i * (1.0 - r).sqrt()
    };
    let theta = brent_root(g, 1e-12, PI / 2.0, 1e-15)?;
    Ok(theta.cos())
}

/// Gibbs learning curve: ε_G(α) = arccos(R)/π with R from [`gibbs_overlap`].
pub fn gibbs_learning(alpha: f64) -> Result<LearningPoint> {
    let r = gibbs_overlap(alpha)?;
    Ok(LearningPoint {
        alpha,
        r,
        epsilon: r.acos() / PI,
    })
}

/// Gibbs learning at temperature T > 0: the student is drawn from the sphere with weight
/// e^{−E/T}, E the number of misclassified training examples. Replica-symmetric free energy
/// (Engel & Van den Broeck 2001, ch. 4; Seung, Sompolinsky & Tishby, PRA 45, 6056, 1992):
/// −βf = extr_{q,R} ½ ln(1−q) + (q−R²)/(2(1−q))
///        + 2α ∫Dt H(−Rt/√(q−R²)) ln[e^{−β} + (1 − e^{−β}) H(−√(q/(1−q)) t)],
/// with q the overlap of two students and R the student–teacher overlap; ε = arccos(R)/π.
/// At T → 0 it is [`gibbs_learning`] (q = R); at high T (α, T → ∞, α/T fixed) it reduces to
/// R/√(1−R²) = α/(πT). The stationarity equations are solved by Newton's method, continued
/// in T from T = 0.02 (started at the T = 0 solution).
pub fn gibbs_learning_at(alpha: f64, temperature: f64) -> Result<(LearningPoint, f64)> {
    check_alpha(alpha)?;
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(invalid(format!(
            "temperature must be > 0, got {temperature}"
        )));
    }
    if alpha == 0.0 {
        return Ok((
            LearningPoint {
                alpha,
                r: 0.0,
                epsilon: 0.5,
            },
            0.0,
        ));
    }
    // ∂G/∂R and ∂G/∂q of the bracket above.
    let gradient = |r: f64, q: f64, beta: f64| -> Result<[f64; 2]> {
        let e = (-beta).exp();
        let (a, b) = (r / (q - r * r).sqrt(), (q / (1.0 - q)).sqrt());
        let i1 = gaussian_average(
            |t| t * normal_pdf(a * t) * (e + (1.0 - e) * normal_cdf(b * t)).ln(),
            &[],
        )?;
        let i2 = gaussian_average(
            |t| {
                normal_cdf(a * t) * (1.0 - e) * t * normal_pdf(b * t)
                    / (e + (1.0 - e) * normal_cdf(b * t))
            },
            &[],
        )?;
        let c = (q - r * r).powf(1.5);
        Ok([
            -r / (1.0 - q) + 2.0 * alpha * q / c * i1,
            -0.5 / (1.0 - q)
                + (1.0 - r * r) / (2.0 * (1.0 - q).powi(2))
                + 2.0 * alpha * (-r / (2.0 * c) * i1 + i2 / (2.0 * q.sqrt() * (1.0 - q).powf(1.5))),
        ])
    };
    let norm = |g: [f64; 2]| g[0].hypot(g[1]);
    let inside = |r: f64, q: f64| r > 0.0 && q > r * r && q < 1.0;
    let newton = |mut r: f64, mut q: f64, beta: f64| -> Result<(f64, f64)> {
        let mut g = gradient(r, q, beta)?;
        for _ in 0..100 {
            if norm(g) < 1e-11 * (1.0 + alpha) {
                return Ok((r, q));
            }
            let h = 1e-6;
            let gr = [gradient(r + h, q, beta)?, gradient(r - h, q, beta)?];
            let gq = [gradient(r, q + h, beta)?, gradient(r, q - h, beta)?];
            let j = [
                [
                    (gr[0][0] - gr[1][0]) / (2.0 * h),
                    (gq[0][0] - gq[1][0]) / (2.0 * h),
                ],
                [
                    (gr[0][1] - gr[1][1]) / (2.0 * h),
                    (gq[0][1] - gq[1][1]) / (2.0 * h),
                ],
            ];
            let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
            let dr = (j[1][1] * g[0] - j[0][1] * g[1]) / det;
            let dq = (j[0][0] * g[1] - j[1][0] * g[0]) / det;
            if dr.abs().max(dq.abs()) < 1e-13 {
                return Ok((r, q)); // at the precision of the quadrature
            }
            let mut step = 1.0;
            loop {
                let (r2, q2) = (r - step * dr, q - step * dq);
                if inside(r2, q2) {
                    let g2 = gradient(r2, q2, beta)?;
                    if norm(g2) < norm(g) || step < 1e-3 {
                        (r, q, g) = (r2, q2, g2);
                        break;
                    }
                }
                step *= 0.5;
                if step < 1e-12 {
                    return Err(invalid(
                        "finite-T Gibbs learning: Newton step left the domain",
                    ));
                }
            }
        }
        Err(crate::error::Error::NotConverged {
            what: format!("finite-T Gibbs learning at α = {alpha}, T = {temperature}"),
            iterations: 100,
            residual: norm(g),
        })
    };
    let r0 = gibbs_overlap(alpha)?;
    let (mut r, mut q) = (r0, r0);
    let mut t = temperature.min(0.02);
    loop {
        (r, q) = newton(r, q, 1.0 / t)?;
        if t >= temperature {
            break;
        }
        t = (t * 1.25).min(temperature);
    }
    Ok((
        LearningPoint {
            alpha,
            r,
            epsilon: r.acos() / PI,
        },
        q,
    ))
}

/// Bayes-optimal (centre-of-mass) learning: R_B = √R_Gibbs, ε_B = arccos(R_B)/π
/// (Opper & Haussler 1991; Engel & Van den Broeck 2001).
pub fn bayes_learning(alpha: f64) -> Result<LearningPoint> {
    let r = gibbs_overlap(alpha)?.sqrt();
    Ok(LearningPoint {
        alpha,
        r,
        epsilon: r.acos() / PI,
    })
}

/// Hebb-rule learning, J = N^{−1/2} Σ_μ σ_T^μ ξ^μ: R = √(2α/π)/√(1 + 2α/π), ε = arccos(R)/π
/// (Vallet 1989; Engel & Van den Broeck 2001, ch. 2).
pub fn hebb_learning(alpha: f64) -> Result<LearningPoint> {
    check_alpha(alpha)?;
    let x = 2.0 * alpha / PI;
    let r = (x / (1.0 + x)).sqrt();
    Ok(LearningPoint {
        alpha,
        r,
        epsilon: r.acos() / PI,
    })
}

/// The large-α constants of the learning curves: ε_G ≈ c_G/α with c_G = √2/I and
/// ε_B ≈ c_B/α with c_B = 1/I, where I = ∫Dt e^{−t²/2}/H(−t) (Engel & Van den Broeck 2001).
/// Returns (c_G, c_B) ≈ (0.62466, 0.44170).
pub fn learning_asymptotes() -> Result<(f64, f64)> {
    let i = gaussian_average(|t| (-0.5 * t * t - ln_gauss_tail(-t)).exp(), &[])?;
    Ok((std::f64::consts::SQRT_2 / i, 1.0 / i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_temperature_gibbs_learning_between_its_limits() {
        // T → 0: the version-space (Gibbs) curve.
        let (p, q) = gibbs_learning_at(2.0, 0.01).unwrap();
        let g = gibbs_learning(2.0).unwrap();
        assert!(
            (p.epsilon - g.epsilon).abs() < 1e-3,
            "{} vs {}",
            p.epsilon,
            g.epsilon
        );
        assert!((q - p.r).abs() < 1e-2);
        // Heating raises the generalization error.
        let hot = gibbs_learning_at(2.0, 0.5).unwrap().0;
        assert!(hot.epsilon > p.epsilon + 0.01);
        // High T with α/T fixed: R/√(1−R²) = α/(πT).
        let (alpha, t) = (60.0, 30.0);
        let x = alpha / (PI * t);
        let want = (x / (1.0 + x * x).sqrt()).acos() / PI;
        let got = gibbs_learning_at(alpha, t).unwrap().0.epsilon;
        assert!((got - want).abs() < 0.01, "{got} vs {want}");
    }

    #[test]
    fn spherical_capacity_reference_values() {
        // reference-values.md P1 (1e-9); κ = 0 is exactly 2.
        assert!((spherical_capacity(0.0).unwrap() - 2.0).abs() < 1e-12);
        assert!((spherical_capacity(0.5).unwrap() - 0.961_205_052_8).abs() < 1e-9);
        assert!((spherical_capacity(1.0).unwrap() - 0.519_572_229_6).abs() < 1e-9);
        assert!((spherical_capacity(2.0).unwrap() - 0.200_231_015_6).abs() < 1e-9);
        // The closed form equals the defining integral.
        let k: f64 = 0.7;
        let integral = gaussian_average(|t| if t > -k { (t + k).powi(2) } else { 0.0 }, &[-k]);
        assert!((1.0 / integral.unwrap() - spherical_capacity(k).unwrap()).abs() < 1e-12);
        assert!(spherical_capacity(f64::NAN).is_err());
    }

    #[test]
    fn binary_perceptron_capacity() {
        // P2: 0.833079 (1e-5).
        let a = binary_capacity(0.0).unwrap();
        assert!((a - 0.833_079).abs() < 1e-5, "{a}");
        assert!((binary_rs_capacity_q1() - 1.273_239_544_735_163).abs() < 1e-12);
    }

    #[test]
    fn gibbs_and_bayes_learning_curves() {
        // P4 and P5 (1e-6).
        for (a, e) in [
            (0.5, 0.409_558),
            (1.0, 0.338_359),
            (2.0, 0.240_312),
            (5.0, 0.118_006),
            (10.0, 0.061_525),
            (20.0, 0.031_113),
        ] {
            let got = gibbs_learning(a).unwrap().epsilon;
            assert!((got - e).abs() < 1e-6, "Gibbs α={a}: {got} vs {e}");
        }
        for (a, e) in [
            (0.5, 0.322_395),
            (1.0, 0.254_373),
            (2.0, 0.174_534),
            (5.0, 0.083_935),
            (10.0, 0.043_573),
        ] {
            let got = bayes_learning(a).unwrap().epsilon;
            assert!((got - e).abs() < 1e-6, "Bayes α={a}: {got} vs {e}");
        }
        let (cg, cb) = learning_asymptotes().unwrap();
        assert!((cg - 0.624_66).abs() < 1e-5, "{cg}");
        assert!((cb - 0.441_70).abs() < 1e-5, "{cb}");
        // The curves approach the asymptotes.
        let e = gibbs_learning(200.0).unwrap().epsilon;
        assert!((e * 200.0 / cg - 1.0).abs() < 0.02, "{e}");
    }

    #[test]
    fn hebb_learning_curve() {
        // P6.
        for (a, e) in [(1.0, 0.285_634), (2.0, 0.230_823), (10.0, 0.120_111)] {
            let got = hebb_learning(a).unwrap().epsilon;
            assert!((got - e).abs() < 1e-6, "Hebb α={a}: {got} vs {e}");
        }
        assert!(hebb_learning(-1.0).is_err());
    }
}
