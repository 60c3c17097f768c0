//! Critical temperatures on the Bethe lattice (random c-regular graph) and on Erdős–Rényi
//! graphs, from the stability of the paramagnetic cavity fixed point (Mézard & Parisi 2001):
//!
//! - ferromagnet: (c − 1) tanh(β_c J) = 1;
//! - spin glass with couplings J: (c − 1) E_J[tanh²(β_c J)] = 1 (±J: (c − 1) tanh²(β_c J) = 1);
//! - Erdős–Rényi graphs with mean degree c: replace c − 1 by c (the mean excess degree).

use super::numerics::{brent_root, gaussian_average};
use crate::error::{invalid, Result};

/// The coupling distribution of the spin-glass transition.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum Couplings {
    /// J = ±j.
    PlusMinus(f64),
    /// J ~ N(0, std²).
    Gaussian(f64),
}

fn branching(c: f64, regular: bool) -> Result<f64> {
    let k = if regular { c - 1.0 } else { c };
    if !(k.is_finite() && k > 1.0) {
        return Err(invalid(format!(
            "no transition: the mean excess degree must exceed 1 (degree {c})"
        )));
    }
    Ok(k)
}

/// T_c of the ferromagnet with coupling j on a c-regular (`regular`) or Erdős–Rényi graph.
pub fn ferromagnet_tc(c: f64, j: f64, regular: bool) -> Result<f64> {
    let k = branching(c, regular)?;
    Ok(j / (1.0 / k).atanh())
}

/// T_SG of the spin glass with the given couplings on a c-regular or Erdős–Rényi graph.
pub fn spin_glass_tc(c: f64, couplings: Couplings, regular: bool) -> Result<f64> {
    let k = branching(c, regular)?;
    match couplings {
        Couplings::PlusMinus(j) => Ok(j / (1.0 / k.sqrt()).atanh()),
        Couplings::Gaussian(s) => {
            if !(s.is_finite() && s > 0.0) {
                return Err(invalid(format!("coupling std must be positive, got {s}")));
            }
            // k E[tanh²(βJ)] − 1 rises from −1 at β = 0 to k − 1 > 0 as β → ∞.
            let g = |beta: f64| {
                k * gaussian_average(|z| (beta * s * z).tanh().powi(2), &[]).unwrap_or(f64::NAN)
                    - 1.0
            };
            let mut hi = 1.0;
            while g(hi) < 0.0 {
                hi *= 2.0;
            }
            Ok(1.0 / brent_root(g, 1e-9, hi, 1e-14)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        // c = 3 ferromagnet: tanh β = 1/2, T = 1/atanh(1/2) = 2/ln 3.
        assert!((ferromagnet_tc(3.0, 1.0, true).unwrap() - 2.0 / 3f64.ln()).abs() < 1e-12);
        // c = 3 ±J glass: tanh² β = 1/2.
        let t = spin_glass_tc(3.0, Couplings::PlusMinus(1.0), true).unwrap();
        assert!(((1.0 / t).tanh().powi(2) - 0.5).abs() < 1e-12);
        // Gaussian couplings: the root satisfies (c−1) E tanh² = 1.
        let tg = spin_glass_tc(4.0, Couplings::Gaussian(1.0), true).unwrap();
        let check = 3.0 * gaussian_average(|z| (z / tg).tanh().powi(2), &[]).unwrap();
        assert!((check - 1.0).abs() < 1e-10);
        // Erdős–Rényi with mean degree c behaves like regular degree c + 1.
        assert_eq!(
            ferromagnet_tc(3.0, 1.0, false).unwrap(),
            ferromagnet_tc(4.0, 1.0, true).unwrap()
        );
        assert!(ferromagnet_tc(2.0, 1.0, true).is_err());
    }
}
