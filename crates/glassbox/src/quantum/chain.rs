//! The periodic transverse-field Ising chain `H = −J Σ_i σᶻ_i σᶻ_{i+1} − Γ Σ_i σˣ_i`
//! (N sites, σ_{N+1} ≡ σ_1) solved by free fermions (Pfeuty 1970).
//!
//! A Jordan–Wigner transformation (in the σˣ basis) maps H to free fermions whose boundary
//! condition depends on the spin-flip parity `P = Π σˣ_i`: antiperiodic fermions (momenta
//! `k = (2m + 1)π/N`) in the even sector, periodic ones (`k = 2πm/N`) in the odd sector. The
//! single-particle energies are `ε_k = 2 √(J² + Γ² − 2JΓ cos k)`. For even N,
//!
//! ```text
//! E_0^even = −½ Σ_{m=0}^{N−1} ε_{(2m+1)π/N}
//! E_0^odd  = −½ Σ_{m=1}^{N−1} ε_{2πm/N} + (Γ − J)
//! ```
//!
//! The k = 0 mode of the odd sector is not paired with −k; its energy `±2(Γ − J)` enters with
//! the sign fixed by the odd fermion number, which gives the last term. (Both limits check:
//! Γ = 0 gives the two degenerate ferromagnetic states −NJ, J = 0 gives −NΓ and −NΓ + 2Γ.)
//! The gap `E_0^odd − E_0^even` closes as 1/N at the critical point Γ = J, so N·gap curves for
//! different N cross there.

use crate::error::{invalid, Result};

fn epsilon_half(j: f64, gamma: f64, k: f64) -> f64 {
    (j * j + gamma * gamma - 2.0 * j * gamma * k.cos())
        .max(0.0)
        .sqrt()
}

/// Ground-state energy `E_0^even` of the periodic chain (even N, J ≥ 0, Γ ≥ 0).
pub fn ground_energy(n: usize, j: f64, gamma: f64) -> f64 {
    let pi = std::f64::consts::PI;
    -(0..n)
        .map(|m| epsilon_half(j, gamma, (2 * m + 1) as f64 * pi / n as f64))
        .sum::<f64>()
}

/// Lowest energy `E_0^odd` of the odd parity sector (even N, J ≥ 0, Γ ≥ 0).
pub fn odd_energy(n: usize, j: f64, gamma: f64) -> f64 {
    let pi = std::f64::consts::PI;
    -(1..n)
        .map(|m| epsilon_half(j, gamma, 2.0 * m as f64 * pi / n as f64))
        .sum::<f64>()
        + (gamma - j)
}

/// The gap `E_0^odd − E_0^even` (the lowest excitation of the chain).
pub fn gap(n: usize, j: f64, gamma: f64) -> f64 {
    odd_energy(n, j, gamma) - ground_energy(n, j, gamma)
}

/// Checks the parameters of the formulas: even N ≥ 2, J ≥ 0, Γ ≥ 0, all finite.
pub fn check(n: usize, j: f64, gamma: f64) -> Result<()> {
    if n < 2 || n % 2 != 0 {
        return Err(invalid(format!(
            "the free-fermion formulas need an even N ≥ 2, got {n}"
        )));
    }
    if !(j.is_finite() && j >= 0.0 && gamma.is_finite() && gamma >= 0.0) {
        return Err(invalid(format!(
            "the free-fermion formulas need J ≥ 0 and Γ ≥ 0, got J = {j}, Γ = {gamma}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thermodynamic_limit_at_criticality() {
        // E_0/N → −4/π at Γ = J = 1 (Pfeuty 1970), with a 1/N² finite-size correction.
        let e = ground_energy(4000, 1.0, 1.0) / 4000.0;
        assert!((e + 4.0 / std::f64::consts::PI).abs() < 1e-6);
    }

    #[test]
    fn scaled_gap_curves_cross_near_the_critical_point() {
        // N·gap decreases with N in the ordered phase and increases in the paramagnet.
        let d = |n: usize, g: f64| n as f64 * gap(n, 1.0, g);
        assert!(d(16, 0.9) < d(8, 0.9));
        assert!(d(16, 1.1) > d(8, 1.1));
        assert!((d(64, 1.0) - d(32, 1.0)).abs() < 1e-2);
    }
}
