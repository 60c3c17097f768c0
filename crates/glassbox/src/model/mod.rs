//! Ising-type energy models.
//!
//! Every model has the energy
//!
//! ```text
//! H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i,      s_i = ±1,
//! ```
//!
//! with the couplings stored in the form that fits the graph: implicit neighbours on
//! hypercubic lattices ([`LatticeCouplings`]), CSR rows on sparse graphs
//! ([`SparseCouplings`]), a dense symmetric matrix on the complete graph ([`DenseCouplings`]).
//! The local field at site i is `h_i^loc = Σ_j J_ij s_j + h_i`; flipping s_i changes the
//! energy by `ΔE = 2 s_i h_i^loc`.
//!
//! Concrete models (ferromagnet, Edwards–Anderson, Sherrington–Kirkpatrick, Mattis, random
//! graphs, instance files) are built from a [`ModelSpec`]; conversions between ±1 spins and
//! 0/1 neurons or QUBO are in [`convert`].

pub mod convert;
mod spec;

pub use spec::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};

use crate::error::{check_memory, invalid, Result};
use crate::graph::{Csr, Lattice};

/// The interactions of a model: how to visit the couplings of a site.
///
/// Hot loops are generic over this trait so that each storage gets its own compiled kernel.
pub trait Interactions: Sync + Send {
    /// Number of spins N.
    fn n(&self) -> usize;

    /// Calls `f(j, J_ij)` for every coupling of site `i` (each bond is seen from both ends;
    /// a lattice with side 2 visits the same neighbour twice, once per bond).
    fn for_each_coupling(&self, i: usize, f: impl FnMut(usize, f64));

    /// Adds `delta · J_ij` to `fields[j]` for every coupling of site `i`: the local-field
    /// update after a flip of `s_i`, with `delta = s_i^new − s_i^old = 2 s_i^new`.
    #[inline(always)]
    fn spread(&self, i: usize, delta: f64, fields: &mut [f64]) {
        debug_assert_eq!(fields.len(), self.n());
        self.for_each_coupling(i, |j, w| fields[j] += delta * w);
    }
}

/// Couplings on a hypercubic lattice: `J[i·d + k]` couples site i to its forward neighbour
/// along axis k. With open boundaries the couplings that would cross the boundary are zero.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatticeCouplings {
    lattice: Lattice,
    bonds: Vec<f64>,
}

impl LatticeCouplings {
    /// Couplings `bonds[i·d + k]` on `lattice` (boundary-crossing entries are zeroed when the
    /// lattice is open).
    pub fn new(lattice: Lattice, mut bonds: Vec<f64>) -> Result<Self> {
        let d = lattice.dim();
        if bonds.len() != lattice.n() * d {
            return Err(invalid(format!(
                "lattice couplings need {} entries, got {}",
                lattice.n() * d,
                bonds.len()
            )));
        }
        if !lattice.periodic() {
            for i in 0..lattice.n() {
                for k in 0..d {
                    if lattice.forward(i, k).1 {
                        bonds[i * d + k] = 0.0;
                    }
                }
            }
        }
        Ok(LatticeCouplings { lattice, bonds })
    }

    /// The lattice.
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    /// The coupling from site `i` to its forward neighbour along axis `k`.
    pub fn bond(&self, i: usize, k: usize) -> f64 {
        self.bonds[i * self.lattice.dim() + k]
    }
}

impl Interactions for LatticeCouplings {
    fn n(&self) -> usize {
        self.lattice.n()
    }

    #[inline(always)]
    fn for_each_coupling(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        // One division per axis yields the coordinate (quotient and remainder together);
        // neighbours follow by adding or subtracting the stride, wrapping at the edges.
        assert!(i < self.lattice.n());
        let d = self.lattice.dim();
        let mut rest = i;
        let mut stride = 1;
        for (k, &l) in self.lattice.dims().iter().enumerate() {
            let x = rest % l;
            rest /= l;
            let forward = if x + 1 == l {
                i + stride - l * stride
            } else {
                i + stride
            };
            let backward = if x == 0 {
                i + l * stride - stride
            } else {
                i - stride
            };
            // SAFETY: i, forward and backward are sites of the lattice (< n) and k < d, so
            // both indices are below n·d = bonds.len() (checked in `new`).
            let (wf, wb) = unsafe {
                (
                    *self.bonds.get_unchecked(i * d + k),
                    *self.bonds.get_unchecked(backward * d + k),
                )
            };
            f(forward, wf);
            f(backward, wb);
            stride *= l;
        }
    }

    #[inline(always)]
    fn spread(&self, i: usize, delta: f64, fields: &mut [f64]) {
        assert_eq!(fields.len(), self.lattice.n());
        self.for_each_coupling(i, |j, w| {
            // SAFETY: every neighbour j of a lattice site is a site (< n = fields.len()).
            unsafe { *fields.get_unchecked_mut(j) += delta * w }
        });
    }
}

/// Couplings on a sparse graph, as a symmetric CSR matrix.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SparseCouplings {
    csr: Csr,
}

impl SparseCouplings {
    /// Wraps a CSR matrix.
    pub fn new(csr: Csr) -> Self {
        SparseCouplings { csr }
    }

    /// The CSR matrix.
    pub fn csr(&self) -> &Csr {
        &self.csr
    }
}

impl Interactions for SparseCouplings {
    fn n(&self) -> usize {
        self.csr.n()
    }

    #[inline]
    fn for_each_coupling(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        let (t, w) = self.csr.row(i);
        for (&j, &w) in t.iter().zip(w) {
            f(j as usize, w);
        }
    }
}

/// Couplings of a fully connected model as a dense symmetric N×N matrix with zero diagonal.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenseCouplings {
    n: usize,
    j: Vec<f64>,
}

impl DenseCouplings {
    /// Bytes needed for an N×N matrix.
    pub fn memory_estimate(n: usize) -> u64 {
        (n as u64).saturating_mul(n as u64).saturating_mul(8)
    }

    /// Builds the matrix from a row-major N×N array, which must be symmetric with a zero
    /// diagonal (asymmetry up to 1e-12 relative is symmetrized).
    pub fn new(n: usize, j: Vec<f64>) -> Result<Self> {
        if n == 0 {
            return Err(invalid("a model needs at least one spin"));
        }
        if j.len() != n * n {
            return Err(invalid(format!(
                "a {n}×{n} coupling matrix needs {} entries, got {}",
                n * n,
                j.len()
            )));
        }
        let mut j = j;
        for a in 0..n {
            if j[a * n + a] != 0.0 {
                return Err(invalid(format!(
                    "coupling matrix has a nonzero diagonal entry J[{a}][{a}] = {}",
                    j[a * n + a]
                )));
            }
            for b in a + 1..n {
                let (x, y) = (j[a * n + b], j[b * n + a]);
                if !x.is_finite() || !y.is_finite() {
                    return Err(invalid(format!("coupling J[{a}][{b}] is not finite")));
                }
                if (x - y).abs() > 1e-12 * x.abs().max(y.abs()).max(1.0) {
                    return Err(invalid(format!(
                        "coupling matrix is not symmetric: J[{a}][{b}] = {x}, J[{b}][{a}] = {y}"
                    )));
                }
                let m = 0.5 * (x + y);
                j[a * n + b] = m;
                j[b * n + a] = m;
            }
        }
        Ok(DenseCouplings { n, j })
    }

    /// Row i of the matrix.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.j[i * self.n..(i + 1) * self.n]
    }
}

impl Interactions for DenseCouplings {
    fn n(&self) -> usize {
        self.n
    }

    #[inline]
    fn for_each_coupling(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        for (j, &w) in self.row(i).iter().enumerate() {
            f(j, w);
        }
    }

    /// O(N) update written as a plain slice loop so that it vectorizes.
    #[inline]
    fn spread(&self, i: usize, delta: f64, fields: &mut [f64]) {
        for (h, &w) in fields.iter_mut().zip(self.row(i)) {
            *h += delta * w;
        }
    }
}

/// The storage of a model's couplings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Couplings {
    /// Hypercubic lattice, implicit neighbours.
    Lattice(LatticeCouplings),
    /// Sparse graph, CSR.
    Sparse(SparseCouplings),
    /// Complete graph, dense matrix.
    Dense(DenseCouplings),
}

/// Runs `$body` with `$c` bound to the concrete [`Interactions`] inside a [`Couplings`], so the
/// body is compiled once per storage.
#[macro_export]
macro_rules! with_interactions {
    ($couplings:expr, $c:ident => $body:expr) => {
        match $couplings {
            $crate::model::Couplings::Lattice($c) => $body,
            $crate::model::Couplings::Sparse($c) => $body,
            $crate::model::Couplings::Dense($c) => $body,
        }
    };
}

/// An Ising-type model `H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i` with spins s_i = ±1.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ising {
    couplings: Couplings,
    fields: Vec<f64>,
    /// If every local field `Σ_j J_ij s_j + h_i` is an integer for every configuration, the
    /// largest possible |local field|: acceptance probabilities can then be tabulated.
    integer_field_bound: Option<u32>,
}

/// The largest integer-field bound for which acceptance tables are built.
const MAX_TABLE_FIELD: f64 = 256.0;

impl Ising {
    /// A model from couplings and external fields h_i (one per spin, finite).
    pub fn new(couplings: Couplings, fields: Vec<f64>) -> Result<Self> {
        let n = with_interactions!(&couplings, c => c.n());
        if n == 0 {
            return Err(invalid("a model needs at least one spin"));
        }
        if fields.len() != n {
            return Err(invalid(format!(
                "{n} spins need {n} fields, got {}",
                fields.len()
            )));
        }
        if let Some(h) = fields.iter().find(|h| !h.is_finite()) {
            return Err(invalid(format!("external field {h} is not finite")));
        }
        let mut model = Ising {
            couplings,
            fields,
            integer_field_bound: None,
        };
        model.integer_field_bound = model.compute_integer_field_bound();
        Ok(model)
    }

    /// A fully connected model from a row-major symmetric N×N coupling matrix with zero
    /// diagonal and fields h (empty means zero field).
    pub fn from_dense(n: usize, j: Vec<f64>, fields: Vec<f64>) -> Result<Self> {
        check_memory("dense coupling matrix", DenseCouplings::memory_estimate(n))?;
        let fields = if fields.is_empty() {
            vec![0.0; n]
        } else {
            fields
        };
        Ising::new(Couplings::Dense(DenseCouplings::new(n, j)?), fields)
    }

    /// A sparse model on `n` spins from undirected edges `(i, j, J_ij)` (repeated edges are
    /// summed) and fields h (empty means zero field).
    pub fn from_edges(n: usize, edges: &[(usize, usize, f64)], fields: Vec<f64>) -> Result<Self> {
        if n == 0 {
            return Err(invalid("a model needs at least one spin"));
        }
        check_memory("sparse couplings", Csr::memory_estimate(n, edges.len()))?;
        let fields = if fields.is_empty() {
            vec![0.0; n]
        } else {
            fields
        };
        Ising::new(
            Couplings::Sparse(SparseCouplings::new(Csr::from_edges(n, edges)?)),
            fields,
        )
    }

    fn compute_integer_field_bound(&self) -> Option<u32> {
        let is_int = |x: f64| x == x.round();
        let mut bound: f64 = 0.0;
        for i in 0..self.n() {
            let mut total = self.fields[i].abs();
            let mut ok = is_int(self.fields[i]);
            with_interactions!(&self.couplings, c => c.for_each_coupling(i, |_, w| {
                ok &= is_int(w);
                total += w.abs();
            }));
            if !ok {
                return None;
            }
            bound = bound.max(total);
        }
        (bound <= MAX_TABLE_FIELD).then_some(bound as u32)
    }

    /// Number of spins N.
    pub fn n(&self) -> usize {
        self.fields.len()
    }

    /// The couplings.
    pub fn couplings(&self) -> &Couplings {
        &self.couplings
    }

    /// The external fields h_i.
    pub fn fields(&self) -> &[f64] {
        &self.fields
    }

    /// When all couplings and fields are integers: the largest |local field| any
    /// configuration can have (so ΔE/2 takes integer values in ±this bound).
    pub fn integer_field_bound(&self) -> Option<u32> {
        self.integer_field_bound
    }

    /// The energy `H(s)` computed from scratch (the tests' ground truth).
    pub fn energy(&self, spins: &[i8]) -> f64 {
        assert_eq!(spins.len(), self.n(), "configuration has the wrong length");
        let mut pair = 0.0;
        with_interactions!(&self.couplings, c => {
            for i in 0..self.n() {
                let si = spins[i] as f64;
                c.for_each_coupling(i, |j, w| pair += w * si * spins[j] as f64);
            }
        });
        let field: f64 = self
            .fields
            .iter()
            .zip(spins)
            .map(|(h, &s)| h * s as f64)
            .sum();
        // Every bond was visited from both ends.
        -0.5 * pair - field
    }

    /// Local fields `h_i^loc = Σ_j J_ij s_j + h_i` of a configuration, computed from scratch.
    pub fn local_fields(&self, spins: &[i8]) -> Vec<f64> {
        if let Couplings::Dense(_) = &self.couplings {
            return self.local_fields_many(&[spins]).remove(0);
        }
        let mut out = self.fields.clone();
        with_interactions!(&self.couplings, c => {
            for (i, h) in out.iter_mut().enumerate() {
                c.for_each_coupling(i, |j, w| *h += w * spins[j] as f64);
            }
        });
        out
    }

    /// [`Ising::local_fields`] of several configurations at once, each equal to the one-at-a-time
    /// result to the last bit. Dense couplings are read row by row, each row used for every
    /// configuration while it is in cache, so the N² couplings pass through memory once for
    /// the group instead of once per configuration.
    pub fn local_fields_many(&self, configs: &[&[i8]]) -> Vec<Vec<f64>> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { self.local_fields_many_avx2(configs) };
        }
        self.local_fields_many_with(configs)
    }

    /// [`Ising::local_fields_many`] with AVX2 code generation: the same operations in the same
    /// order, so the same bits, twice as many per instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn local_fields_many_avx2(&self, configs: &[&[i8]]) -> Vec<Vec<f64>> {
        self.local_fields_many_with(configs)
    }

    #[inline(always)]
    fn local_fields_many_with(&self, configs: &[&[i8]]) -> Vec<Vec<f64>> {
        let Couplings::Dense(c) = &self.couplings else {
            return configs.iter().map(|s| self.local_fields(s)).collect();
        };
        let s: Vec<Vec<f64>> = configs
            .iter()
            .map(|x| x.iter().map(|&v| v as f64).collect())
            .collect();
        let mut out = vec![self.fields.clone(); configs.len()];
        for i in 0..self.n() {
            let row = c.row(i);
            for (h, s) in out.iter_mut().zip(&s) {
                h[i] += dot(row, s);
            }
        }
        out
    }

    /// The undirected couplings `(i, j, J_ij)` with `i < j` and `J_ij ≠ 0` (lattice bonds of
    /// a side-2 periodic lattice, which join the same pair twice, are summed).
    pub fn edges(&self) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        match &self.couplings {
            Couplings::Lattice(c) => {
                let d = c.lattice().dim();
                let mut map = std::collections::BTreeMap::new();
                for i in 0..self.n() {
                    for k in 0..d {
                        let (j, _) = c.lattice().forward(i, k);
                        *map.entry((i.min(j), i.max(j))).or_insert(0.0) += c.bonds[i * d + k];
                    }
                }
                out.extend(map.into_iter().map(|((i, j), w)| (i, j, w)));
            }
            Couplings::Sparse(c) => out.extend(c.csr().edges()),
            Couplings::Dense(c) => {
                for i in 0..self.n() {
                    for (j, &w) in c.row(i).iter().enumerate().skip(i + 1) {
                        out.push((i, j, w));
                    }
                }
            }
        }
        out.retain(|e| e.2 != 0.0);
        out
    }

    /// The largest and smallest nonzero |ΔE| of a single flip over all sites, bounded from
    /// the couplings: `(min_i 2·min_j |J_ij|, max_i 2·(Σ_j |J_ij| + |h_i|))`. Useful to choose
    /// temperature ranges.
    pub fn energy_scale(&self) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi: f64 = 0.0;
        for i in 0..self.n() {
            let mut total = self.fields[i].abs();
            with_interactions!(&self.couplings, c => c.for_each_coupling(i, |_, w| {
                if w != 0.0 {
                    lo = lo.min(2.0 * w.abs());
                }
                total += w.abs();
            }));
            hi = hi.max(2.0 * total);
        }
        (lo, hi)
    }
}

/// `Σ_k a_k b_k`, accumulated in eight interleaved partial sums (so that it vectorizes).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; 8];
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;
    use proptest::prelude::*;
    use rand::Rng as _;

    fn random_spins(n: usize, seed: u64) -> Vec<i8> {
        let mut rng = Streams::new(seed).stream(&[0]);
        (0..n).map(|_| if rng.random() { 1 } else { -1 }).collect()
    }

    fn models() -> Vec<Ising> {
        let specs = [
            "graph = { kind = 'lattice', dims = [4, 3] }\ncouplings = { law = 'gaussian', mean = 0.3, std = 1.0 }\nfield = { uniform = 0.2 }",
            "graph = { kind = 'lattice', dims = [3, 2, 2], periodic = false }\ncouplings = { law = 'plus-minus' }",
            "graph = { kind = 'complete', n = 9 }\ncouplings = { law = 'gaussian' }\nfield = { uniform = -0.1 }",
            "graph = { kind = 'random-regular', n = 12, degree = 3 }\ncouplings = { law = 'plus-minus' }",
            "graph = { kind = 'erdos-renyi', n = 12, mean_degree = 2.5 }\ncouplings = { law = 'mattis' }",
        ];
        specs
            .iter()
            .map(|s| ModelSpec::from_toml(s).unwrap().build().unwrap())
            .collect()
    }

    /// The grouped computation gives every configuration's fields bit for bit as alone.
    #[test]
    fn local_fields_many_equals_one_at_a_time() {
        for m in models() {
            let configs: Vec<Vec<i8>> = (0..3).map(|k| random_spins(m.n(), k)).collect();
            let refs: Vec<&[i8]> = configs.iter().map(|c| c.as_slice()).collect();
            for (many, c) in m.local_fields_many(&refs).iter().zip(&configs) {
                assert_eq!(many, &m.local_fields(c));
            }
        }
    }

    /// Brute-force energy over the edge list, independent of the storage.
    fn energy_from_edges(m: &Ising, s: &[i8]) -> f64 {
        let pair: f64 = m
            .edges()
            .iter()
            .map(|&(i, j, w)| w * (s[i] * s[j]) as f64)
            .sum();
        let field: f64 = m.fields().iter().zip(s).map(|(h, &x)| h * x as f64).sum();
        -pair - field
    }

    proptest! {
        #[test]
        fn flip_energy_change_is_two_s_h(seed in 0u64..1000, site in 0usize..12) {
            for m in models() {
                let s = random_spins(m.n(), seed);
                let i = site % m.n();
                let h = m.local_fields(&s);
                let mut t = s.clone();
                t[i] = -t[i];
                let de = m.energy(&t) - m.energy(&s);
                prop_assert!((de - 2.0 * s[i] as f64 * h[i]).abs() < 1e-9);
                prop_assert!((m.energy(&s) - energy_from_edges(&m, &s)).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn integer_bounds() {
        let ms = models();
        assert_eq!(ms[0].integer_field_bound(), None);
        assert_eq!(ms[1].integer_field_bound(), Some(4)); // open 3×2×2: at most 2 + 1 + 1 bonds
        assert_eq!(ms[2].integer_field_bound(), None);
        assert_eq!(ms[3].integer_field_bound(), Some(3));
    }

    #[test]
    fn dense_validation() {
        assert!(Ising::from_dense(2, vec![0.0, 1.0, 2.0, 0.0], vec![]).is_err());
        assert!(Ising::from_dense(2, vec![1.0, 1.0, 1.0, 0.0], vec![]).is_err());
        assert!(Ising::from_dense(2, vec![0.0, 1.0, 1.0, 0.0], vec![0.0]).is_err());
        let m = Ising::from_dense(2, vec![0.0, 1.0, 1.0, 0.0], vec![0.5, 0.0]).unwrap();
        assert_eq!(m.energy(&[1, 1]), -1.5);
        let err = Ising::from_dense(1 << 20, vec![], vec![]).unwrap_err();
        assert!(err.to_string().contains("needs about"), "{err}");
    }
}
