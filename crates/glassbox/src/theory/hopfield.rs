//! Hopfield network: the replica-symmetric theory of Amit, Gutfreund & Sompolinsky (AGS).
//!
//! Model: H = −(1/2) Σ_{i≠j} J_ij s_i s_j with Hebbian couplings J_ij = (1/N) Σ_{μ=1}^{p} ξ_i^μ ξ_j^μ,
//! random ±1 patterns, load α = p/N (Amit, Gutfreund & Sompolinsky, PRL 55, 1530, 1985;
//! Ann. Phys. 173, 30, 1987). With one condensed pattern of overlap m and Dz the Gaussian measure:
//!
//! - m = ∫Dz tanh(β(m + √(αr) z)),  q = ∫Dz tanh²(β(m + √(αr) z)),  r = q/[1 − β(1−q)]²;
//! - f = α/2 + m²/2 + (α/2β)[ln(1 − β(1−q)) − βq/(1 − β(1−q))] + (αβ/2) r(1−q)
//!   − (1/β) ∫Dz ln 2cosh(β(m + √(αr) z)).
//!
//! At T = 0 the retrieval branch reduces to y(√(2α) + (2/√π) e^{−y²}) = erf(y) with m = erf(y),
//! whose largest α is the storage capacity α_c = 0.1379.

use super::numerics::{
    brent_root, erf, gaussian_average, ln_2cosh, maximize, FixedPoint, GaussHermite,
};
use crate::error::{invalid, Error, Result};
use std::f64::consts::PI;

/// A replica-symmetric AGS solution (retrieval if m > 0, spin glass or paramagnet if m = 0).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgsSolution {
    /// Load α = p/N.
    pub alpha: f64,
    /// Inverse temperature β.
    pub beta: f64,
    /// Overlap with the condensed pattern.
    pub m: f64,
    /// Edwards–Anderson order parameter.
    pub q: f64,
    /// Noise from the uncondensed patterns, r = q/[1 − β(1−q)]².
    pub r: f64,
    /// Free energy per spin (AGS 1987, with the α/2 self-coupling constant included).
    pub f: f64,
    /// Fixed-point iterations used.
    pub iterations: usize,
}

fn check(alpha: f64, beta: f64) -> Result<()> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(invalid(format!(
            "alpha must be finite and > 0, got {alpha}"
        )));
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!("beta must be finite and > 0, got {beta}")));
    }
    Ok(())
}

/// ∫Dz g(β(m + σ z)): Gauss–Hermite (120 nodes) when β σ is moderate, adaptive otherwise.
fn avg(gh: &GaussHermite, beta: f64, m: f64, sigma: f64, g: impl Fn(f64) -> f64) -> Result<f64> {
    if beta * sigma < 2.0 && beta * m.abs() < 50.0 {
        Ok(gh.average(|z| g(beta * (m + sigma * z))))
    } else {
        let brk = if sigma > 0.0 {
            vec![-m / sigma]
        } else {
            vec![]
        };
        gaussian_average(|z| g(beta * (m + sigma * z)), &brk)
    }
}

fn free_energy(gh: &GaussHermite, alpha: f64, beta: f64, m: f64, q: f64, r: f64) -> Result<f64> {
    let c = beta * (1.0 - q);
    let sigma = (alpha * r).sqrt();
    let lnc = avg(gh, beta, m, sigma, ln_2cosh)?;
    Ok(alpha / 2.0
        + m * m / 2.0
        + alpha / (2.0 * beta) * ((1.0 - c).ln() - beta * q / (1.0 - c))
        + alpha * beta / 2.0 * r * (1.0 - q)
        - lnc / beta)
}

/// Solves the AGS equations at (α, β) by damped fixed-point iteration from overlap `m0` and
/// q = 1 (m0 = 1 finds the retrieval state where it exists; m0 = 0 the spin-glass state).
/// Solutions with m < 1e-6 are reported with m = 0.
pub fn ags(alpha: f64, beta: f64, m0: f64) -> Result<AgsSolution> {
    check(alpha, beta)?;
    if !(0.0..=1.0).contains(&m0) {
        return Err(invalid(format!(
            "initial overlap must be in [0, 1], got {m0}"
        )));
    }
    let gh = GaussHermite::new(120)?;
    let fp = FixedPoint {
        damping: 0.3,
        tol: 1e-13,
        max_iter: 200_000,
    };
    let rep = fp.solve("AGS equations (m, q)", vec![m0, 1.0], |x, out| {
        let (m, q) = (x[0].max(0.0), x[1].clamp(0.0, 1.0));
        let c = beta * (1.0 - q);
        if c >= 1.0 {
            // Outside the physical region r > 0: push q back towards 1.
            out[0] = m;
            out[1] = 1.0 - 0.5 * (1.0 - q);
            return Ok(());
        }
        let r = q / ((1.0 - c) * (1.0 - c));
        let sigma = (alpha * r).sqrt();
        out[0] = if m == 0.0 {
            0.0
        } else {
            avg(&gh, beta, m, sigma, f64::tanh)?
        };
        out[1] = avg(&gh, beta, m, sigma, |x| x.tanh().powi(2))?;
        Ok(())
    })?;
    let (mut m, q) = (rep.x[0].max(0.0), rep.x[1]);
    if m < 1e-6 {
        m = 0.0;
    }
    let c = beta * (1.0 - q);
    let r = q / ((1.0 - c) * (1.0 - c));
    let f = free_energy(&gh, alpha, beta, m, q, r)?;
    Ok(AgsSolution {
        alpha,
        beta,
        m,
        q,
        r,
        f,
        iterations: rep.iterations,
    })
}

/// Spin-glass (T < T_g) or paramagnetic (m = 0) AGS state at (α, β).
///
/// With m = 0 the equations reduce to one for q, q = ∫Dz tanh²(β√(α r(q)) z) with
/// r(q) = q/[1 − β(1−q)]², solved by Brent's method on the physical branch β(1 − q) < 1.
pub fn ags_spin_glass(alpha: f64, beta: f64) -> Result<AgsSolution> {
    check(alpha, beta)?;
    let gh = GaussHermite::new(120)?;
    let t = 1.0 / beta;
    let q = if t >= 1.0 + alpha.sqrt() {
        0.0
    } else {
        let g = |q: f64| -> f64 {
            let c = beta * (1.0 - q);
            let r = q / ((1.0 - c) * (1.0 - c));
            let sigma = (alpha * r).sqrt();
            q - avg(&gh, beta, 0.0, sigma, |x| x.tanh().powi(2)).unwrap_or(f64::NAN)
        };
        let lo0 = (1.0 - t).max(0.0);
        let mut lo = f64::NAN;
        for k in 1..80 {
            let x = lo0 + (1.0 - lo0) * 0.5f64.powi(k);
            if g(x) < 0.0 {
                lo = x;
                break;
            }
        }
        if lo.is_nan() {
            return Err(Error::NotConverged {
                what: "AGS spin-glass equation: bracketing q".into(),
                iterations: 80,
                residual: f64::NAN,
            });
        }
        brent_root(g, lo, 1.0, 1e-15)?
    };
    let c = beta * (1.0 - q);
    let r = q / ((1.0 - c) * (1.0 - c));
    let f = free_energy(&gh, alpha, beta, 0.0, q, r)?;
    Ok(AgsSolution {
        alpha,
        beta,
        m: 0.0,
        q,
        r,
        f,
        iterations: 0,
    })
}

/// Spin-glass transition temperature of the Hopfield model, T_g(α) = 1 + √α (AGS 1987).
pub fn spin_glass_temperature(alpha: f64) -> Result<f64> {
    check(alpha, 1.0)?;
    Ok(1.0 + alpha.sqrt())
}

/// The T = 0 retrieval branch parametrized by y = m/√(2αr):
/// α(y) = [erf(y)/y − (2/√π) e^{−y²}]²/2 (AGS 1987).
pub fn zero_temperature_alpha(y: f64) -> f64 {
    let a = erf(y) / y - 2.0 / PI.sqrt() * (-y * y).exp();
    0.5 * a * a
}

/// The T = 0 storage capacity of the Hopfield network (RS): α_c = max_y α(y).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Capacity {
    /// α_c ≈ 0.1379056 (AGS 1985: 0.138).
    pub alpha_c: f64,
    /// y at the maximum, ≈ 1.5112185.
    pub y_c: f64,
    /// Retrieval overlap at capacity, m_c = erf(y_c) ≈ 0.9674171.
    pub m_c: f64,
}

/// α_c, y_c and m_c by maximizing [`zero_temperature_alpha`] (Brent, to 1e-12 in y).
pub fn capacity() -> Result<Capacity> {
    let (y_c, alpha_c) = maximize(zero_temperature_alpha, 0.5, 3.0, 1e-12)?;
    Ok(Capacity {
        alpha_c,
        y_c,
        m_c: erf(y_c),
    })
}

/// A T = 0 AGS state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ZeroTemperatureState {
    /// Load α.
    pub alpha: f64,
    /// Overlap m (0 for the spin-glass state).
    pub m: f64,
    /// C = lim β(1 − q).
    pub c: f64,
    /// r = (1 − C)^{−2}.
    pub r: f64,
    /// Energy per spin E = α/2 + m²/2 + (α/2)(2C−1)/(1−C)² − [m erf(m/(s√2)) + s√(2/π)
    /// e^{−m²/(2s²)}], s = √α/(1−C) (reference-values §2.2, §3.4).
    pub e: f64,
}

fn zero_t_energy(alpha: f64, m: f64, c: f64) -> f64 {
    let s = alpha.sqrt() / (1.0 - c);
    let g = if m == 0.0 {
        s * (2.0 / PI).sqrt()
    } else {
        m * erf(m / (s * std::f64::consts::SQRT_2))
            + s * (2.0 / PI).sqrt() * (-m * m / (2.0 * s * s)).exp()
    };
    alpha / 2.0 + m * m / 2.0 + alpha / 2.0 * (2.0 * c - 1.0) / ((1.0 - c) * (1.0 - c)) - g
}

/// The stable T = 0 retrieval state at load α (the larger root y of
/// y(√(2α) + (2/√π)e^{−y²}) = erf(y)), or `None` above capacity.
pub fn zero_temperature_retrieval(alpha: f64) -> Result<Option<ZeroTemperatureState>> {
    check(alpha, 1.0)?;
    let cap = capacity()?;
    if alpha > cap.alpha_c {
        return Ok(None);
    }
    let g = |y: f64| erf(y) - y * ((2.0 * alpha).sqrt() + 2.0 / PI.sqrt() * (-y * y).exp());
    let mut hi = cap.y_c * 2.0;
    while g(hi) > 0.0 {
        hi *= 2.0;
    }
    let y = if g(cap.y_c) <= 0.0 {
        cap.y_c
    } else {
        brent_root(g, cap.y_c, hi, 1e-15)?
    };
    let m = erf(y);
    // y = m(1 − C)/√(2α)  ⇒  C = 1 − y√(2α)/m
    let c = 1.0 - y * (2.0 * alpha).sqrt() / m;
    Ok(Some(ZeroTemperatureState {
        alpha,
        m,
        c,
        r: 1.0 / ((1.0 - c) * (1.0 - c)),
        e: zero_t_energy(alpha, m, c),
    }))
}

/// The T = 0 spin-glass state: m = 0, C = c/(1+c) with c = √(2/(πα)).
pub fn zero_temperature_spin_glass(alpha: f64) -> Result<ZeroTemperatureState> {
    check(alpha, 1.0)?;
    let cc = (2.0 / (PI * alpha)).sqrt();
    let c = cc / (1.0 + cc);
    Ok(ZeroTemperatureState {
        alpha,
        m: 0.0,
        c,
        r: 1.0 / ((1.0 - c) * (1.0 - c)),
        e: zero_t_energy(alpha, 0.0, c),
    })
}

/// The load below which retrieval states are global minima at T = 0 (E_retrieval = E_SG):
/// ≈ 0.05185 (AGS: 0.051).
pub fn zero_temperature_global_stability_alpha() -> Result<f64> {
    let cap = capacity()?;
    let g = |a: f64| -> f64 {
        match zero_temperature_retrieval(a) {
            Ok(Some(r)) => {
                r.e - zero_temperature_spin_glass(a)
                    .map(|s| s.e)
                    .unwrap_or(f64::NAN)
            }
            _ => f64::NAN,
        }
    };
    brent_root(g, 0.01, cap.alpha_c - 1e-9, 1e-12)
}

/// One point of the AGS T–α phase diagram.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhasePoint {
    /// Load α.
    pub alpha: f64,
    /// Spin-glass line T_g = 1 + √α.
    pub t_g: f64,
    /// Retrieval spinodal T_M: above it no retrieval solution exists (0 if α > α_c).
    pub t_m: f64,
    /// Global-stability line T_c: below it retrieval has lower f than the spin glass (0 if
    /// retrieval states are never global minima at this α).
    pub t_c: f64,
}

fn retrieval_exists(gh: &GaussHermite, alpha: f64, t: f64) -> bool {
    // Plain iteration from m = q = 1; stop as soon as the overlap collapses.
    let beta = 1.0 / t;
    let (mut m, mut q) = (1.0f64, 1.0f64);
    for _ in 0..50_000 {
        let c = beta * (1.0 - q);
        if c >= 1.0 {
            return false;
        }
        let r = q / ((1.0 - c) * (1.0 - c));
        let sigma = (alpha * r).sqrt();
        let (Ok(mn), Ok(qn)) = (
            avg(gh, beta, m, sigma, f64::tanh),
            avg(gh, beta, m, sigma, |x| x.tanh().powi(2)),
        ) else {
            return false;
        };
        if mn < 0.05 {
            return false;
        }
        if (mn - m).abs() < 1e-11 && (qn - q).abs() < 1e-11 {
            return true;
        }
        m = mn;
        q = qn;
    }
    true
}

/// Retrieval spinodal T_M(α): the highest T with a retrieval solution, by bisection to 2e-5;
/// 0 when no retrieval exists even at T = 0.02 (small-α asymptote 1 − 1.95√α; AGS 1987).
pub fn retrieval_temperature(alpha: f64) -> Result<f64> {
    check(alpha, 1.0)?;
    let cap = capacity()?;
    if alpha >= cap.alpha_c {
        return Ok(0.0);
    }
    let gh = GaussHermite::new(120)?;
    let (mut lo, mut hi) = (0.02, 1.0);
    if !retrieval_exists(&gh, alpha, lo) {
        return Ok(0.0);
    }
    while hi - lo > 2e-5 {
        let mid = 0.5 * (lo + hi);
        if retrieval_exists(&gh, alpha, mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// Global-stability temperature T_c(α), where f_retrieval = f_spin-glass (AGS 1987); found by
/// Brent's method below T_M. Returns 0 where retrieval is never the global minimum.
pub fn global_stability_temperature(alpha: f64) -> Result<f64> {
    let tm = retrieval_temperature(alpha)?;
    if tm == 0.0 {
        return Ok(0.0);
    }
    let df = |t: f64| -> f64 {
        let r = ags(alpha, 1.0 / t, 1.0);
        let s = ags_spin_glass(alpha, 1.0 / t);
        match (r, s) {
            (Ok(r), Ok(s)) if r.m > 1e-3 => r.f - s.f,
            _ => 1.0,
        }
    };
    let hi = tm - 1e-4;
    if df(hi) < 0.0 {
        return Ok(hi);
    }
    let lo = 0.02;
    if df(lo) > 0.0 {
        return Ok(0.0);
    }
    match brent_root(df, lo, hi, 1e-7) {
        Ok(t) => Ok(t),
        Err(Error::InvalidParameter(_)) => Ok(0.0),
        Err(e) => Err(e),
    }
}

/// The AGS phase diagram at the given loads: T_g, T_M and T_c for each α.
pub fn phase_diagram(alphas: &[f64]) -> Result<Vec<PhasePoint>> {
    alphas
        .iter()
        .map(|&alpha| {
            Ok(PhasePoint {
                alpha,
                t_g: spin_glass_temperature(alpha)?,
                t_m: retrieval_temperature(alpha)?,
                t_c: global_stability_temperature(alpha)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_reference_values() {
        // reference-values.md H1, H2 (1e-8).
        let c = capacity().unwrap();
        assert!((c.alpha_c - 0.137_905_566_5).abs() < 1e-8, "{}", c.alpha_c);
        assert!((c.m_c - 0.967_417_114_4).abs() < 1e-8, "{}", c.m_c);
        assert!((c.y_c - 1.511_218_544_7).abs() < 1e-6, "{}", c.y_c);
        assert!(zero_temperature_retrieval(0.2).unwrap().is_none());
        let r = zero_temperature_retrieval(0.1).unwrap().unwrap();
        assert!(r.m > c.m_c && r.m < 1.0);
    }

    #[test]
    fn global_stability_at_zero_temperature() {
        // H3: 0.05185 (1e-4).
        let a = zero_temperature_global_stability_alpha().unwrap();
        assert!((a - 0.051_85).abs() < 1e-4, "{a}");
    }

    #[test]
    fn finite_temperature_retrieval_state() {
        // H6: α = 0.05, T = 0.3 (1e-5).
        let s = ags(0.05, 1.0 / 0.3, 1.0).unwrap();
        assert!((s.m - 0.991_165).abs() < 1e-5, "{s:?}");
        assert!((s.q - 0.982_961).abs() < 1e-5);
        assert!((s.r - 1.104_907).abs() < 1e-5);
        assert!((s.f + 0.501_236).abs() < 1e-5);
        // Above T_g there is only the paramagnet.
        let p = ags_spin_glass(0.05, 1.0 / 1.5).unwrap();
        assert!(p.m == 0.0 && p.q < 1e-10);
        assert_eq!(spin_glass_temperature(0.25).unwrap(), 1.5);
    }

    #[test]
    fn low_temperature_matches_zero_temperature_theory() {
        let z = zero_temperature_retrieval(0.1).unwrap().unwrap();
        let s = ags(0.1, 200.0, 1.0).unwrap();
        assert!((s.m - z.m).abs() < 1e-4, "{} vs {}", s.m, z.m);
        assert!((s.r - z.r).abs() < 1e-2, "{} vs {}", s.r, z.r);
    }

    #[test]
    fn retrieval_spinodal() {
        // H5: T_M(0.05) = 0.542, T_M(0.01) = 0.801 (2e-3).
        let t = retrieval_temperature(0.05).unwrap();
        assert!((t - 0.542).abs() < 2e-3, "{t}");
        let t = retrieval_temperature(0.01).unwrap();
        assert!((t - 0.801).abs() < 2e-3, "{t}");
        assert_eq!(retrieval_temperature(0.2).unwrap(), 0.0);
    }

    #[test]
    fn global_stability_line_is_below_spinodal() {
        let pts = phase_diagram(&[0.02]).unwrap();
        let p = &pts[0];
        assert!(p.t_c > 0.0 && p.t_c < p.t_m && p.t_m < p.t_g, "{p:?}");
        // T_c falls to 0 as α approaches the T = 0 crossing 0.05185.
        let t_hi = global_stability_temperature(0.045).unwrap();
        assert!(t_hi < p.t_c, "{t_hi}");
        assert_eq!(global_stability_temperature(0.06).unwrap(), 0.0);
        assert!(ags(-1.0, 1.0, 1.0).is_err());
    }
}
