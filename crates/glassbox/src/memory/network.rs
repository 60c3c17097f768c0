//! Networks: how local fields h_i = Σ_{j≠i} J_ij s_j are kept up to date as units flip.
//!
//! Two storages implement [`Network`]:
//!
//! - [`Hebbian`], the low-rank path: for Hebb couplings J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ (i ≠ j) it
//!   keeps the patterns instead of the N×N matrix and tracks the Mattis overlaps as exact
//!   integers M_μ = Σ_i ξ_i^μ s_i = N m_μ. Then
//!   `h_i = Σ_μ ξ_i^μ m_μ − (p/N) s_i` (the last term removes the self-coupling), a field costs
//!   O(p) and a flip O(p), and memory is 2 N p bytes, so N = 10⁴–10⁵ is practical.
//!   The energy is E = −½ Σ_{i≠j} J_ij s_i s_j = −(N/2) Σ_μ m_μ² + p/2.
//! - [`Dense`]: any zero-diagonal matrix ([`Weights`]), symmetric or not. It caches all N
//!   local fields; a field costs O(1) and a flip O(N) (one column of J). The energy
//!   E = −½ Σ_i s_i h_i exists only for symmetric J.

use super::learning::Weights;
use super::patterns::Patterns;
use crate::error::{check_memory, invalid, Result};

/// Local-field bookkeeping of a network of ±1 units.
///
/// `Cache` is whatever the storage keeps alongside the state (overlaps, fields); it is
/// built by [`Network::cache`] and kept in step by [`Network::flip`].
pub trait Network: Sync {
    /// What is kept alongside the state.
    type Cache: Clone + Send;

    /// Number of units N.
    fn n(&self) -> usize;

    /// The stored patterns, if the network knows them (for overlaps).
    fn patterns(&self) -> Option<&Patterns>;

    /// The cache of state `s` (computed from scratch).
    fn cache(&self, s: &[i8]) -> Self::Cache;

    /// Local field h_i = Σ_{j≠i} J_ij s_j of unit i.
    fn field(&self, cache: &Self::Cache, s: &[i8], i: usize) -> f64;

    /// Flips s_i and updates the cache.
    fn flip(&self, cache: &mut Self::Cache, s: &mut [i8], i: usize);

    /// The energy E = −½ Σ_{i≠j} J_ij s_i s_j, or `None` for asymmetric couplings.
    fn energy(&self, cache: &Self::Cache, s: &[i8]) -> Option<f64>;

    /// All local fields (from the cache).
    fn fields(&self, cache: &Self::Cache, s: &[i8]) -> Vec<f64> {
        (0..self.n()).map(|i| self.field(cache, s, i)).collect()
    }
}

/// The Hebbian network stored as its patterns (the low-rank path).
#[derive(Clone, Debug)]
pub struct Hebbian {
    patterns: Patterns,
    /// ξ_i^μ at `[i·p + μ]`.
    by_unit: Vec<i8>,
    /// Overlaps summed per i32 block in a field (2³⁰/N, so no block sum overflows).
    chunk: usize,
}

impl Hebbian {
    /// The Hebb network J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ of `patterns`, without the matrix.
    pub fn new(patterns: Patterns) -> Result<Self> {
        if patterns.n() > 1 << 30 {
            return Err(invalid("the low-rank network holds at most 2³⁰ units"));
        }
        // The unit-major copy of the patterns (the patterns themselves are already held).
        check_memory(
            "unit-major pattern table",
            (patterns.n() as u64).saturating_mul(patterns.p() as u64),
        )?;
        let by_unit = patterns.by_unit();
        let chunk = ((1usize << 30) / patterns.n()).max(1);
        Ok(Hebbian {
            patterns,
            by_unit,
            chunk,
        })
    }

    /// The patterns.
    pub fn stored(&self) -> &Patterns {
        &self.patterns
    }
}

/// Σ_μ a_μ m_μ, exactly: i32 products summed in i32 over chunks short enough that no
/// partial sum can overflow (|m_μ| ≤ N), so the loop vectorizes, then added in i64.
#[inline]
fn idot(a: &[i8], m: &[i32], chunk: usize) -> i64 {
    a.chunks(chunk)
        .zip(m.chunks(chunk))
        .map(|(x, y)| x.iter().zip(y).map(|(&u, &v)| u as i32 * v).sum::<i32>() as i64)
        .sum()
}

impl Network for Hebbian {
    /// M_μ = Σ_i ξ_i^μ s_i (N times the Mattis overlaps).
    type Cache = Vec<i32>;

    fn n(&self) -> usize {
        self.patterns.n()
    }

    fn patterns(&self) -> Option<&Patterns> {
        Some(&self.patterns)
    }

    fn cache(&self, s: &[i8]) -> Vec<i32> {
        assert_eq!(s.len(), self.n(), "state has the wrong length");
        (0..self.patterns.p())
            .map(|mu| super::patterns::dot(self.patterns.pattern(mu), s) as i32)
            .collect()
    }

    #[inline]
    fn field(&self, m: &Vec<i32>, s: &[i8], i: usize) -> f64 {
        let p = m.len();
        let x = &self.by_unit[i * p..(i + 1) * p];
        (idot(x, m, self.chunk) - p as i64 * s[i] as i64) as f64 / self.n() as f64
    }

    #[inline]
    fn flip(&self, m: &mut Vec<i32>, s: &mut [i8], i: usize) {
        s[i] = -s[i];
        let d = 2 * s[i] as i32;
        let p = m.len();
        for (mu, &x) in m.iter_mut().zip(&self.by_unit[i * p..(i + 1) * p]) {
            *mu += d * x as i32;
        }
    }

    fn energy(&self, m: &Vec<i32>, _s: &[i8]) -> Option<f64> {
        let n = self.n() as f64;
        let sq: f64 = m.iter().map(|&x| (x as f64) * (x as f64)).sum();
        Some(-0.5 * sq / n + 0.5 * m.len() as f64)
    }
}

/// A network with an explicit coupling matrix (the dense path).
#[derive(Clone, Debug)]
pub struct Dense {
    weights: Weights,
    /// Jᵀ (row i = column i of J), kept only when J is asymmetric.
    transposed: Option<Vec<f64>>,
    patterns: Option<Patterns>,
}

impl Dense {
    /// A network with couplings `weights`, optionally remembering the `patterns` they store
    /// (for overlaps).
    pub fn new(weights: Weights, patterns: Option<Patterns>) -> Result<Self> {
        if let Some(p) = &patterns {
            if p.n() != weights.n() {
                return Err(invalid(format!(
                    "{} units in the patterns, {} in the couplings",
                    p.n(),
                    weights.n()
                )));
            }
        }
        let n = weights.n();
        let transposed = if weights.is_symmetric() {
            None
        } else {
            check_memory("transposed couplings", Weights::memory_estimate(n))?;
            let mut t = vec![0.0; n * n];
            for a in 0..n {
                for (b, &w) in weights.row(a).iter().enumerate() {
                    t[b * n + a] = w;
                }
            }
            Some(t)
        };
        Ok(Dense {
            weights,
            transposed,
            patterns,
        })
    }

    /// The couplings.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    fn column(&self, i: usize) -> &[f64] {
        let n = self.weights.n();
        match &self.transposed {
            Some(t) => &t[i * n..(i + 1) * n],
            None => self.weights.row(i),
        }
    }
}

impl Network for Dense {
    /// The local fields h_i.
    type Cache = Vec<f64>;

    fn n(&self) -> usize {
        self.weights.n()
    }

    fn patterns(&self) -> Option<&Patterns> {
        self.patterns.as_ref()
    }

    fn cache(&self, s: &[i8]) -> Vec<f64> {
        assert_eq!(s.len(), self.n(), "state has the wrong length");
        (0..self.n())
            .map(|i| {
                self.weights
                    .row(i)
                    .iter()
                    .zip(s)
                    .map(|(w, &x)| w * x as f64)
                    .sum()
            })
            .collect()
    }

    #[inline]
    fn field(&self, h: &Vec<f64>, _s: &[i8], i: usize) -> f64 {
        h[i]
    }

    #[inline]
    fn flip(&self, h: &mut Vec<f64>, s: &mut [i8], i: usize) {
        s[i] = -s[i];
        let d = 2.0 * s[i] as f64;
        for (hk, &w) in h.iter_mut().zip(self.column(i)) {
            *hk += d * w;
        }
    }

    fn energy(&self, h: &Vec<f64>, s: &[i8]) -> Option<f64> {
        self.weights
            .is_symmetric()
            .then(|| -0.5 * h.iter().zip(s).map(|(a, &x)| a * x as f64).sum::<f64>())
    }
}
