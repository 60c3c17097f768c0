//! The spherical p-spin glass (the paper's eq. 4: a deep network's loss as a random
//! landscape), in the normalization with covariance E[H(σ)H(σ′)] = N f(q), f(q) = q^p/2
//! (couplings of variance p!/(2N^{p−1}); Crisanti & Sommers 1992, Cugliandolo & Kurchan 1993).
//!
//! - Dynamical (mode-coupling) temperature: the marginal 1RSB solution with FDT ratio
//!   X = (p−2)(1−q)/q = 1, i.e. q_d = (p−2)/(p−1) and T_d² = (p(p−1)/2) q_d^{p−2}(1−q_d)².
//! - Static temperature: the 1RSB solution at m = 1, from q²/(p(1−q)) + ln(1−q) + q = 0 and
//!   T_s² = p q^{p−2}(1−q)/2.
//! - Threshold energy (where aging dynamics ends): E_th = −√(2(p−1)/p).
//! - 1RSB ground-state energy: with m = yT and 1 − q = χT at T → 0,
//!   (p/2)χ(χ + y) = 1, 1/2 + ln(χ/(χ+y))/y² + 1/(y(χ+y)) = 0, E_0 = −(pχ + y)/2.
//!
//! Energies per spin. For p = 3: T_d = √(3/8), E_th = −√(4/3) ≈ −1.1547, E_0 ≈ −1.1717. (With
//! the other common normalization f(q) = q^p every energy and temperature is √2 larger.)

use super::numerics::brent_root;
use crate::error::{invalid, Result};

/// Characteristic temperatures and energies of the spherical p-spin model.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct PSpin {
    /// Interaction order p ≥ 3.
    pub p: usize,
    /// Dynamical transition temperature T_d.
    pub t_d: f64,
    /// Static (Kauzmann) transition temperature T_s.
    pub t_s: f64,
    /// Plateau overlap at T_d, q_d = (p−2)/(p−1).
    pub q_d: f64,
    /// Overlap at T_s.
    pub q_s: f64,
    /// Threshold energy per spin E_th.
    pub e_threshold: f64,
    /// 1RSB ground-state energy per spin E_0.
    pub e_ground: f64,
}

/// Solves the p-spin model for `p` ≥ 3.
pub fn pspin(p: usize) -> Result<PSpin> {
    if !(3..=64).contains(&p) {
        return Err(invalid(format!("p-spin needs 3 ≤ p ≤ 64, got {p}")));
    }
    let pf = p as f64;
    let q_d = (pf - 2.0) / (pf - 1.0);
    let t_d = (0.5 * pf * (pf - 1.0) * q_d.powi(p as i32 - 2) * (1.0 - q_d).powi(2)).sqrt();
    // Static transition: the nonzero root of q²/(p(1−q)) + ln(1−q) + q, which is negative
    // for small q and positive near q = 1.
    let g = |q: f64| q * q / (pf * (1.0 - q)) + (1.0 - q).ln() + q;
    let lo = {
        let mut q = 0.5;
        while g(q) >= 0.0 && q > 1e-9 {
            q *= 0.5;
        }
        q
    };
    let q_s = brent_root(g, lo, 1.0 - 1e-12, 1e-15)?;
    let t_s = (0.5 * pf * q_s.powi(p as i32 - 2) * (1.0 - q_s)).sqrt();
    // Ground state: eliminate y = 2/(pχ) − χ and solve for χ ∈ (0, √(2/p)).
    let h = |chi: f64| {
        let y = 2.0 / (pf * chi) - chi;
        0.5 + (chi / (chi + y)).ln() / (y * y) + 1.0 / (y * (chi + y))
    };
    // h > 0 at small χ; scan for the sign change (near χ → √(2/p) the two terms of h cancel
    // and rounding makes it meaningless, so the scan stops short of it).
    let top = (2.0 / pf).sqrt();
    let grid: Vec<f64> = (1..200).map(|k| top * k as f64 / 200.0).collect();
    let k = grid
        .windows(2)
        .position(|w| h(w[0]) > 0.0 && h(w[1]) <= 0.0)
        .ok_or_else(|| invalid(format!("no 1RSB ground state found for p = {p}")))?;
    let chi = brent_root(h, grid[k], grid[k + 1], 1e-15)?;
    let y = 2.0 / (pf * chi) - chi;
    Ok(PSpin {
        p,
        t_d,
        t_s,
        q_d,
        q_s,
        e_threshold: -(2.0 * (pf - 1.0) / pf).sqrt(),
        e_ground: -(pf * chi + y) / 2.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p3_values() {
        let s = pspin(3).unwrap();
        assert!((s.t_d - (3.0f64 / 8.0).sqrt()).abs() < 1e-12);
        assert!((s.e_threshold + (4.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // reference-values.md §3.2: E_gs = −1.1717 in this normalization.
        assert!((s.e_ground + 1.1717).abs() < 1e-4, "E0 = {}", s.e_ground);
        // T_s < T_d and the ground state lies below the threshold.
        assert!(s.t_s < s.t_d && s.t_s > 0.5);
        assert!(s.e_ground < s.e_threshold);
        assert!(pspin(2).is_err());
        // Larger p: still E_0 < E_th and T_s < T_d.
        for p in 4..=8 {
            let s = pspin(p).unwrap();
            assert!(s.e_ground < s.e_threshold && s.t_s < s.t_d, "p = {p}");
        }
    }
}
