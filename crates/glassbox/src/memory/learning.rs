//! Learning rules: from patterns ξ^μ to a coupling matrix J (zero diagonal).
//!
//! Normalizations (N units, p patterns, α = p/N):
//!
//! - **Hebb** (paper eq. 3): J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ, i ≠ j. Symmetric; capacity α_c ≈ 0.138.
//! - **Pseudo-inverse** (projection rule, Personnaz–Guyon–Dreyfus; Kanter–Sompolinsky):
//!   J_ij = (1/N) Σ_{μν} ξ_i^μ (C⁻¹)_μν ξ_j^ν with the overlap matrix C_μν = (1/N) Σ_k ξ_k^μ ξ_k^ν,
//!   diagonal removed. J restricted to the span of the patterns is the identity, so a pattern's
//!   local field is h_i = (1 − J_ii) ξ_i with J_ii ≈ α: every pattern is a fixed point for
//!   α < 1 (as long as C is invertible). C is factored by Cholesky.
//! - **Storkey** (1997): patterns are added one at a time,
//!   J_ij ← J_ij + (1/N)[ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j], h_ij = Σ_{k≠i,j} J_ik ξ_k;
//!   symmetric, local and incremental, with a larger capacity than Hebb.
//! - **Minover** (Krauth & Mézard 1987): each row J_i· is a perceptron that must give every
//!   pattern the stability κ_i^μ = ξ_i^μ Σ_{j≠i} J_ij ξ_j^μ / ‖J_i·‖ ≥ κ (the margin of Gardner's
//!   normalization Σ_j J_ij² = N). Minover repeatedly adds (1/N) ξ_i^μ ξ_j^μ for the pattern of
//!   least stability and converges to the optimal-stability perceptron; with κ = 0 it stores
//!   random unbiased patterns up to Gardner's α_c = 2. The result is not symmetric.

use rayon::prelude::*;

use super::patterns::{dot, Patterns};
use crate::error::{check_memory, invalid, Error, Result};
use crate::linalg::Mat;
use crate::model::Ising;
use faer::linalg::solvers::Solve;
use faer::Side;

/// A dense N×N coupling matrix with zero diagonal, row-major, symmetric or not: the
/// local field of unit i is h_i = Σ_{j≠i} J_ij s_j.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Weights {
    n: usize,
    j: Vec<f64>,
    symmetric: bool,
}

impl Weights {
    /// Bytes of an N×N matrix.
    pub fn memory_estimate(n: usize) -> u64 {
        (n as u64).saturating_mul(n as u64).saturating_mul(8)
    }

    /// A matrix from row-major entries: finite, zero diagonal.
    pub fn new(n: usize, j: Vec<f64>) -> Result<Self> {
        if n == 0 {
            return Err(invalid("a network needs at least one unit"));
        }
        if j.len() != n * n {
            return Err(invalid(format!(
                "a {n}×{n} coupling matrix needs {} entries, got {}",
                n * n,
                j.len()
            )));
        }
        if let Some(k) = j.iter().position(|x| !x.is_finite()) {
            return Err(invalid(format!(
                "coupling J[{}][{}] is not finite",
                k / n,
                k % n
            )));
        }
        if let Some(i) = (0..n).find(|&i| j[i * n + i] != 0.0) {
            return Err(invalid(format!(
                "coupling matrix has a nonzero diagonal entry J[{i}][{i}] = {}",
                j[i * n + i]
            )));
        }
        let symmetric = (0..n).all(|a| {
            (a + 1..n).all(|b| {
                let (x, y) = (j[a * n + b], j[b * n + a]);
                (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1e-300)
            })
        });
        Ok(Weights { n, j, symmetric })
    }

    /// Number of units N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Whether J_ij = J_ji (then the dynamics has the energy −½ Σ_{i≠j} J_ij s_i s_j).
    pub fn is_symmetric(&self) -> bool {
        self.symmetric
    }

    /// Row i: the couplings J_i· onto unit i.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.j[i * self.n..(i + 1) * self.n]
    }

    /// The row-major entries.
    pub fn as_slice(&self) -> &[f64] {
        &self.j
    }

    /// The Ising model H = −Σ_{i<j} J_ij s_i s_j (zero field) of a symmetric matrix.
    pub fn to_ising(&self) -> Result<Ising> {
        if !self.symmetric {
            return Err(invalid(
                "an asymmetric coupling matrix has no energy function (no Ising model)",
            ));
        }
        Ising::from_dense(self.n, self.j.clone(), vec![])
    }

    /// Fraction of (unit, pattern) pairs with ξ_i^μ h_i(ξ^μ) ≤ 0: bits that would flip (or
    /// tie) if the network were started at a pattern. 0 means every pattern is a fixed point
    /// of zero-temperature dynamics.
    pub fn unstable_fraction(&self, patterns: &Patterns) -> Result<f64> {
        if patterns.n() != self.n {
            return Err(invalid(format!(
                "{} units in the patterns, {} in the network",
                patterns.n(),
                self.n
            )));
        }
        let mut bad = 0usize;
        for mu in 0..patterns.p() {
            let x = patterns.pattern(mu);
            for i in 0..self.n {
                let h: f64 = self.row(i).iter().zip(x).map(|(w, &s)| w * s as f64).sum();
                if h * x[i] as f64 <= 0.0 {
                    bad += 1;
                }
            }
        }
        Ok(bad as f64 / (self.n * patterns.p().max(1)) as f64)
    }
}

/// The learning rules of this module, as data (for the CLI and experiments).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Rule {
    /// Hebb, J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ.
    Hebb,
    /// Projection (pseudo-inverse) rule.
    PseudoInverse,
    /// Storkey's incremental rule.
    Storkey,
    /// Krauth–Mézard minover to margin κ.
    Minover(Minover),
}

impl Rule {
    /// The couplings this rule learns from `patterns`.
    pub fn learn(&self, patterns: &Patterns) -> Result<Weights> {
        match self {
            Rule::Hebb => hebb(patterns),
            Rule::PseudoInverse => pseudo_inverse(patterns),
            Rule::Storkey => storkey(patterns),
            Rule::Minover(m) => minover(patterns, m).map(|r| r.0),
        }
    }

    /// Short name (`hebb`, `pseudo-inverse`, `storkey`, `minover`).
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Hebb => "hebb",
            Rule::PseudoInverse => "pseudo-inverse",
            Rule::Storkey => "storkey",
            Rule::Minover(_) => "minover",
        }
    }
}

fn alloc(n: usize) -> Result<Vec<f64>> {
    check_memory("dense coupling matrix", Weights::memory_estimate(n))?;
    Ok(vec![0.0; n * n])
}

/// Hebb's rule J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ (i ≠ j), J_ii = 0.
pub fn hebb(patterns: &Patterns) -> Result<Weights> {
    let (n, p) = (patterns.n(), patterns.p());
    let mut j = alloc(n)?;
    let t = patterns.by_unit();
    j.par_chunks_mut(n).enumerate().for_each(|(a, row)| {
        let xa = &t[a * p..(a + 1) * p];
        for (b, w) in row.iter_mut().enumerate() {
            if b != a {
                *w = dot(xa, &t[b * p..(b + 1) * p]) as f64 / n as f64;
            }
        }
    });
    Weights::new(n, j)
}

/// The projection (pseudo-inverse) rule J = (1/N) Ξ C⁻¹ Ξᵀ with the diagonal set to zero;
/// an error if C is singular (linearly dependent patterns, always for p ≥ N).
pub fn pseudo_inverse(patterns: &Patterns) -> Result<Weights> {
    let (n, p) = (patterns.n(), patterns.p());
    let mut j = alloc(n)?;
    if p == 0 {
        return Weights::new(n, j);
    }
    // Y = C⁻¹ Ξᵀ (p × N) by Cholesky, then N·J = Ξ Y by GEMM.
    let singular = || {
        invalid(format!(
            "the pattern overlap matrix is singular: the {p} patterns of {n} units are \
             linearly dependent, which is certain when p ≥ N"
        ))
    };
    if p >= n {
        return Err(singular());
    }
    let c = patterns.correlation();
    let llt = Mat::from_fn(p, p, |mu, nu| c[mu * p + nu])
        .llt(Side::Lower)
        .map_err(|_| singular())?;
    let t = patterns.by_unit();
    let xi_t = Mat::from_fn(p, n, |mu, a| f64::from(t[a * p + mu]));
    let y = llt.solve(&xi_t);
    let nj = xi_t.transpose() * &y;
    j.par_chunks_mut(n).enumerate().for_each(|(a, row)| {
        for (b, w) in row.iter_mut().enumerate() {
            if b != a {
                *w = nj[(a, b)] / n as f64;
            }
        }
    });
    // Exact symmetry (the two triangles differ by rounding).
    for a in 0..n {
        for b in a + 1..n {
            let m = 0.5 * (j[a * n + b] + j[b * n + a]);
            j[a * n + b] = m;
            j[b * n + a] = m;
        }
    }
    Weights::new(n, j)
}

/// Storkey's rule: patterns added in order μ = 1..p with
/// ΔJ_ij = (1/N)[ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j], h_ij = Σ_{k≠i,j} J_ik ξ_k (J before the step).
pub fn storkey(patterns: &Patterns) -> Result<Weights> {
    let n = patterns.n();
    let mut j = alloc(n)?;
    let inv = 1.0 / n as f64;
    let mut h = vec![0.0; n];
    for mu in 0..patterns.p() {
        let x: Vec<f64> = patterns.pattern(mu).iter().map(|&v| v as f64).collect();
        // h_i = Σ_{k≠i} J_ik ξ_k (J_ii = 0), so h_ij = h_i − J_ij ξ_j.
        h.par_iter_mut().enumerate().for_each(|(a, ha)| {
            *ha = j[a * n..(a + 1) * n]
                .iter()
                .zip(&x)
                .map(|(w, v)| w * v)
                .sum();
        });
        j.par_chunks_mut(n).enumerate().for_each(|(a, row)| {
            for (b, w) in row.iter_mut().enumerate() {
                if b == a {
                    continue;
                }
                let h_ab = h[a] - *w * x[b];
                let h_ba = h[b] - *w * x[a];
                // Written symmetrically in (a, b) so that J stays exactly symmetric.
                *w += inv * (x[a] * x[b] - (x[a] * h_ba + x[b] * h_ab));
            }
        });
    }
    Weights::new(n, j)
}

/// Settings of the minover perceptron rule.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Minover {
    /// Target margin κ ≥ 0 in Gardner's normalization: learning stops once every pattern has
    /// stability ≥ κ at every unit (must be below the optimal κ(α); κ = 0 means just storing).
    pub kappa: f64,
    /// At most this many minover updates per pattern and unit before giving up.
    pub max_updates_per_pattern: usize,
}

impl Default for Minover {
    fn default() -> Self {
        Minover {
            kappa: 0.0,
            max_updates_per_pattern: 1000,
        }
    }
}

/// What minover reached.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MinoverReport {
    /// The smallest normalized stability min_{i,μ} κ_i^μ of the learned couplings.
    pub min_stability: f64,
    /// Minover updates summed over units.
    pub updates: u64,
}

/// Minover (Krauth–Mézard) on every row: J_i· = (1/N) Σ_μ x_i^μ ξ_i^μ ξ^μ (restricted to j ≠ i)
/// with integer embedding strengths x_i^μ, each update adding one to the least stable
/// pattern's strength, until all stabilities reach `settings.kappa`. Works in the pattern
/// basis: fields of all p patterns are updated in O(p) per step through the overlap matrix,
/// so a row costs O(p) per update after the O(p² N) overlap matrix. Returns
/// [`Error::NotConverged`] (residual: the margin still missing) when the update budget runs
/// out, which happens when κ is above what α allows.
pub fn minover(patterns: &Patterns, settings: &Minover) -> Result<(Weights, MinoverReport)> {
    let (n, p) = (patterns.n(), patterns.p());
    if !(settings.kappa.is_finite() && settings.kappa >= 0.0) {
        return Err(invalid(format!(
            "minover margin κ must be finite and ≥ 0, got {}",
            settings.kappa
        )));
    }
    if n < 2 {
        return Err(invalid("minover needs at least two units"));
    }
    let mut j = alloc(n)?;
    if p == 0 {
        return Ok((
            Weights::new(n, j)?,
            MinoverReport {
                min_stability: f64::INFINITY,
                updates: 0,
            },
        ));
    }
    let c = patterns.correlation();
    let t = patterns.by_unit();
    let inv = 1.0 / n as f64;
    let budget = settings.max_updates_per_pattern.saturating_mul(p) as u64;
    let rows: Vec<(Vec<f64>, f64, u64, bool)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let xi = &t[i * p..(i + 1) * p];
            let mut x = vec![0u32; p];
            let mut h = vec![0.0f64; p]; // h^ν = Σ_{j≠i} J_ij ξ_j^ν
            let mut norm2 = 0.0f64; // ‖J_i·‖²
            let mut updates = 0u64;
            loop {
                let (mut mu0, mut best) = (0, f64::INFINITY);
                for nu in 0..p {
                    let st = xi[nu] as f64 * h[nu];
                    if st < best {
                        best = st;
                        mu0 = nu;
                    }
                }
                let kappa = if norm2 > 0.0 {
                    best / norm2.sqrt()
                } else {
                    f64::NEG_INFINITY
                };
                if (kappa >= settings.kappa && best > 0.0) || updates >= budget {
                    return (
                        x.iter().map(|&v| v as f64).collect(),
                        kappa,
                        updates,
                        kappa >= settings.kappa && best > 0.0,
                    );
                }
                // J_ij += (1/N) ξ_i^μ0 ξ_j^μ0 for j ≠ i.
                let s0 = xi[mu0] as f64;
                norm2 += 2.0 * inv * s0 * h[mu0] + (n - 1) as f64 * inv * inv;
                let crow = &c[mu0 * p..(mu0 + 1) * p];
                for nu in 0..p {
                    h[nu] += s0 * (crow[nu] - inv * s0 * xi[nu] as f64);
                }
                x[mu0] += 1;
                updates += 1;
            }
        })
        .collect();
    let mut min_stability = f64::INFINITY;
    let mut total = 0u64;
    for (i, (x, kappa, updates, ok)) in rows.iter().enumerate() {
        total += updates;
        min_stability = min_stability.min(*kappa);
        if !ok {
            return Err(Error::NotConverged {
                what: format!(
                    "minover for unit {i} (κ = {}, α = {:.3})",
                    settings.kappa,
                    patterns.alpha()
                ),
                iterations: *updates as usize,
                residual: settings.kappa - kappa,
            });
        }
        // J_ij = (1/N) Σ_μ x^μ ξ_i^μ ξ_j^μ.
        let xi = &t[i * p..(i + 1) * p];
        let coef: Vec<f64> = x.iter().zip(xi).map(|(v, &s)| v * s as f64 * inv).collect();
        let row = &mut j[i * n..(i + 1) * n];
        for (mu, &a) in coef.iter().enumerate() {
            if a != 0.0 {
                for (w, &s) in row.iter_mut().zip(patterns.pattern(mu)) {
                    *w += a * s as f64;
                }
            }
        }
        row[i] = 0.0;
    }
    Ok((
        Weights::new(n, j)?,
        MinoverReport {
            min_stability,
            updates: total,
        },
    ))
}
