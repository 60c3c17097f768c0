//! Exhaustive enumeration of all 2^N configurations (N ≤ 30), in Gray-code order so each
//! step is one flip (O(degree) work), split into 2^k independent blocks run in parallel.
//!
//! For each β it accumulates, with weights `w = e^{−β (E − E_ref)}` relative to the lowest
//! energy met so far (rescaled when a lower one appears, so nothing overflows):
//! `Z(β)`, `⟨E⟩`, `C/N = β² (⟨E²⟩ − ⟨E⟩²)/N`, `⟨|m|⟩`, `⟨m²⟩`, `⟨m⁴⟩` with `m = M/N`, the
//! Binder cumulant and `χ/N = βN(⟨m²⟩ − ⟨|m|⟩²)`; and the ground-state energy with its
//! degeneracy (states within 1e-9·max(1, |E0|) of the minimum).
//!
//! [`overlap_distribution`] gives the exact two-replica overlap distribution P(q) (N ≤ 24),
//! the reference for the P(q) histograms of parallel tempering.

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::Replica;
use crate::model::{Interactions, Ising};
use crate::with_interactions;

/// The largest N enumerated.
pub const MAX_SPINS: usize = 30;

/// Exact thermodynamics at one β (per-spin quantities divided by N).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExactPoint {
    /// Inverse temperature.
    pub beta: f64,
    /// ln Z / N.
    pub ln_z_per_spin: f64,
    /// ⟨E⟩/N.
    pub energy: f64,
    /// C/N = β² (⟨E²⟩ − ⟨E⟩²) / N.
    pub specific_heat: f64,
    /// ⟨|m|⟩.
    pub abs_m: f64,
    /// ⟨m²⟩.
    pub m2: f64,
    /// ⟨m⁴⟩.
    pub m4: f64,
    /// U = 1 − ⟨m⁴⟩ / (3⟨m²⟩²).
    pub binder: f64,
    /// χ/N = βN (⟨m²⟩ − ⟨|m|⟩²).
    pub susceptibility: f64,
}

/// The result of an enumeration.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Enumeration {
    /// Number of spins.
    pub n: usize,
    /// Ground-state energy E0 (total, not per spin).
    pub ground_energy: f64,
    /// Number of configurations with energy E0.
    pub degeneracy: u64,
    /// One ground state.
    pub ground_state: Vec<i8>,
    /// Thermodynamics at each requested β.
    pub points: Vec<ExactPoint>,
}

/// Weighted sums for one β, relative to a reference energy.
#[derive(Clone, Copy, Default)]
struct Sums {
    z: f64,
    e: f64, // Σ w (E − E_ref)
    e2: f64,
    abs_m: f64,
    m2: f64,
    m4: f64,
}

impl Sums {
    fn scale(&mut self, f: f64, shift: f64) {
        // Rescale weights by f and shift the energy origin by `shift` (E − E_new = E − E_old + shift).
        let (z, e) = (self.z, self.e);
        self.e2 = f * (self.e2 + 2.0 * shift * e + shift * shift * z);
        self.e = f * (e + shift * z);
        self.z *= f;
        self.abs_m *= f;
        self.m2 *= f;
        self.m4 *= f;
    }
    fn add(&mut self, o: &Sums) {
        self.z += o.z;
        self.e += o.e;
        self.e2 += o.e2;
        self.abs_m += o.abs_m;
        self.m2 += o.m2;
        self.m4 += o.m4;
    }
}

/// Accumulator of one block of states.
#[derive(Clone)]
struct Block {
    e_ref: f64,
    sums: Vec<Sums>,
    e0: f64,
    count0: u64,
    state0: Vec<i8>,
}

impl Block {
    fn new(nb: usize) -> Self {
        Block {
            e_ref: f64::INFINITY,
            sums: vec![Sums::default(); nb],
            e0: f64::INFINITY,
            count0: 0,
            state0: Vec::new(),
        }
    }

    fn rebase(&mut self, betas: &[f64], e_new: f64) {
        if self.e_ref.is_finite() {
            let shift = self.e_ref - e_new;
            for (s, &b) in self.sums.iter_mut().zip(betas) {
                s.scale((-b * shift).exp(), shift);
            }
        }
        self.e_ref = e_new;
    }

    fn merge(mut self, mut o: Block, betas: &[f64]) -> Block {
        if o.e_ref < self.e_ref {
            std::mem::swap(&mut self, &mut o);
        }
        if o.e_ref.is_finite() {
            o.rebase(betas, self.e_ref);
            for (a, b) in self.sums.iter_mut().zip(&o.sums) {
                a.add(b);
            }
        }
        let tol = ground_tolerance(self.e0.min(o.e0));
        if o.e0 < self.e0 - tol {
            self.e0 = o.e0;
            self.count0 = o.count0;
            self.state0 = o.state0;
        } else if (o.e0 - self.e0).abs() <= tol {
            self.count0 += o.count0;
        }
        self
    }
}

fn ground_tolerance(e0: f64) -> f64 {
    1e-9 * e0.abs().max(1.0)
}

/// Enumerates all 2^N states of `model` (N ≤ 30) and returns the exact thermodynamics at
/// each β in `betas` (each finite and > 0).
pub fn enumerate(model: &Ising, betas: &[f64]) -> Result<Enumeration> {
    let n = model.n();
    if n > MAX_SPINS {
        return Err(invalid(format!(
            "exact enumeration is limited to N ≤ {MAX_SPINS} spins, the model has {n}"
        )));
    }
    if let Some(b) = betas.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
        return Err(invalid(format!(
            "inverse temperature must be finite and positive, got {b}"
        )));
    }
    // 2^k blocks of 2^(n−k) states; the top k spins are fixed per block.
    let k = n.min(8);
    let low = n - k;
    let blocks: Vec<Block> = (0u64..1 << k)
        .into_par_iter()
        .map(|top| {
            let spins: Vec<i8> = (0..n)
                .map(|i| {
                    if i >= low && (top >> (i - low)) & 1 == 1 {
                        1
                    } else {
                        -1
                    }
                })
                .collect();
            let mut r = Replica::new(model, spins).expect("valid spins");
            with_interactions!(model.couplings(), c => enumerate_block(c, &mut r, low, betas))
        })
        .collect();
    let total = blocks
        .into_iter()
        .reduce(|a, b| a.merge(b, betas))
        .expect("at least one block");
    let nf = n as f64;
    let points = betas
        .iter()
        .zip(&total.sums)
        .map(|(&beta, s)| {
            let mean_e = s.e / s.z; // relative to e_ref
            let var_e = s.e2 / s.z - mean_e * mean_e;
            let (abs_m, m2, m4) = (s.abs_m / s.z, s.m2 / s.z, s.m4 / s.z);
            ExactPoint {
                beta,
                ln_z_per_spin: (s.z.ln() - beta * total.e_ref) / nf,
                energy: (mean_e + total.e_ref) / nf,
                specific_heat: beta * beta * var_e / nf,
                abs_m,
                m2,
                m4,
                binder: 1.0 - m4 / (3.0 * m2 * m2),
                susceptibility: beta * nf * (m2 - abs_m * abs_m),
            }
        })
        .collect();
    Ok(Enumeration {
        n,
        ground_energy: total.e0,
        degeneracy: total.count0,
        ground_state: total.state0,
        points,
    })
}

fn enumerate_block<C: Interactions>(c: &C, r: &mut Replica, low: usize, betas: &[f64]) -> Block {
    let n = c.n() as f64;
    let mut b = Block::new(betas.len());
    let mut visit = |r: &Replica| {
        let e = r.energy();
        let tol = ground_tolerance(e.min(b.e0));
        if e < b.e0 - tol {
            b.e0 = e;
            b.count0 = 1;
            b.state0 = r.spins().to_vec();
        } else if (e - b.e0).abs() <= tol {
            b.count0 += 1;
        }
        if e < b.e_ref {
            b.rebase(betas, e);
        }
        let de = e - b.e_ref;
        let m = r.magnetization() as f64 / n;
        let m2 = m * m;
        for (s, &beta) in b.sums.iter_mut().zip(betas) {
            let w = (-beta * de).exp();
            s.z += w;
            s.e += w * de;
            s.e2 += w * de * de;
            s.abs_m += w * m.abs();
            s.m2 += w * m2;
            s.m4 += w * m2 * m2;
        }
    };
    visit(r);
    for t in 1u64..1 << low {
        r.flip(c, t.trailing_zeros() as usize);
        visit(r);
    }
    b
}

/// The largest N of [`overlap_distribution`] (it keeps two arrays of 2^N numbers).
pub const MAX_OVERLAP_SPINS: usize = 24;

/// The exact overlap distribution of two independent replicas at each β (N ≤ 24).
///
/// With Boltzmann weights `w(s) = e^{−β (E(s) − E_0)}` and `Z = Σ_s w(s)`, the overlap of two
/// configurations is `q(s, t) = (1/N) Σ_i s_i t_i = 1 − 2|s ⊕ t|/N`, with `|s ⊕ t|` the
/// number of sites where they differ, so
///
/// ```text
/// P(q_d) = (1/Z²) Σ_{x : |x| = N − d} c(x),    c(x) = Σ_s w(s) w(s ⊕ x),    q_d = (2d − N)/N,
/// ```
///
/// for d = 0, …, N agreeing sites. The autocorrelation c over the group of bit strings under
/// ⊕ is computed with two Walsh–Hadamard transforms, `c = H (H w)² / 2^N`, in O(N 2^N).
/// Returns, for every β, the N + 1 probabilities P(q_d) indexed by d (summing to 1): the same
/// indexing as the P(q) histogram of [`crate::mc::tempering`] with `q_bins = N + 1`.
pub fn overlap_distribution(model: &Ising, betas: &[f64]) -> Result<Vec<Vec<f64>>> {
    let n = model.n();
    if n > MAX_OVERLAP_SPINS {
        return Err(invalid(format!(
            "the exact overlap distribution is limited to N ≤ {MAX_OVERLAP_SPINS} spins, the model has {n}"
        )));
    }
    if let Some(b) = betas.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
        return Err(invalid(format!(
            "inverse temperature must be finite and positive, got {b}"
        )));
    }
    let energies = all_energies(model);
    let e0 = energies.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut out = Vec::with_capacity(betas.len());
    for &beta in betas {
        let mut w: Vec<f64> = energies
            .par_iter()
            .map(|e| (-beta * (e - e0)).exp())
            .collect();
        let z: f64 = w.iter().sum();
        walsh_hadamard(&mut w);
        w.par_iter_mut().for_each(|x| *x *= *x);
        walsh_hadamard(&mut w);
        let norm = (1u64 << n) as f64 * z * z;
        let mut p = vec![0.0; n + 1];
        for (x, c) in w.iter().enumerate() {
            p[n - (x as u64).count_ones() as usize] += c / norm;
        }
        out.push(p);
    }
    Ok(out)
}

/// `E(s)` for every state, indexed by the bit string x with `s_i = +1` where bit i is set
/// (Gray-code order inside 2^k blocks run in parallel, one flip per state).
fn all_energies(model: &Ising) -> Vec<f64> {
    let n = model.n();
    let low = n - n.min(8);
    let mut energies = vec![0.0; 1 << n];
    energies
        .par_chunks_mut(1 << low)
        .enumerate()
        .for_each(|(top, chunk)| {
            let spins: Vec<i8> = (0..n)
                .map(|i| {
                    if i >= low && (top >> (i - low)) & 1 == 1 {
                        1
                    } else {
                        -1
                    }
                })
                .collect();
            let mut r = Replica::new(model, spins).expect("valid spins");
            with_interactions!(model.couplings(), c => {
                chunk[0] = r.energy();
                for t in 1usize..1 << low {
                    r.flip(c, t.trailing_zeros() as usize);
                    chunk[t ^ (t >> 1)] = r.energy();
                }
            });
        });
    energies
}

/// In-place unnormalized Walsh–Hadamard transform of a vector of length 2^k.
fn walsh_hadamard(v: &mut [f64]) {
    let mut h = 1;
    while h < v.len() {
        v.par_chunks_mut(2 * h).for_each(|c| {
            let (a, b) = c.split_at_mut(h);
            for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                let (s, d) = (*x + *y, *x - *y);
                *x = s;
                *y = d;
            }
        });
        h *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    #[test]
    fn ising_4x4_matches_published_exact_values() {
        // reference-values.md I8: L = 4 periodic at T = 2.269.
        let m = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [4, 4] }")
            .unwrap()
            .build()
            .unwrap();
        let r = enumerate(&m, &[1.0 / 2.269]).unwrap();
        let p = r.points[0];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-10 * b.abs();
        assert!(
            close(p.ln_z_per_spin, 0.970176068493722),
            "{}",
            p.ln_z_per_spin
        );
        assert!(close(p.energy, -1.56576893132772));
        assert!(close(p.specific_heat, 0.783193574514034));
        assert!(close(p.abs_m, 0.843920253391));
        assert!(close(p.m2, 0.761441726622));
        assert!(close(p.m4, 0.665793741870));
        assert!(close(p.binder, 0.617223638890));
        assert_eq!(r.ground_energy, -32.0);
        assert_eq!(r.degeneracy, 2);
    }

    #[test]
    fn high_temperature_limit() {
        let m = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [4, 4] }")
            .unwrap()
            .build()
            .unwrap();
        // Z at tiny β → 2^N; ln Z/N → ln 2.
        let r = enumerate(&m, &[1e-12]).unwrap();
        assert!((r.points[0].ln_z_per_spin - 2f64.ln()).abs() < 1e-10);
    }

    /// P(q) by the transform equals the direct double sum over pairs of states, on a 6-spin
    /// SK sample and a 3×3 ±J lattice.
    #[test]
    fn overlap_distribution_equals_the_pair_sum() {
        for spec in [
            "graph = { kind = 'complete', n = 6 }\ncouplings = { law = 'gaussian' }\nseed = 3",
            "graph = { kind = 'lattice', dims = [3, 3] }\ncouplings = { law = 'plus-minus' }\nseed = 1",
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let n = m.n();
            let betas = [0.4, 1.7];
            let got = overlap_distribution(&m, &betas).unwrap();
            let states: Vec<Vec<i8>> = (0u32..1 << n)
                .map(|x| (0..n).map(|i| if x >> i & 1 == 1 { 1 } else { -1 }).collect())
                .collect();
            for (beta, p) in betas.iter().zip(&got) {
                let w: Vec<f64> = states.iter().map(|s| (-beta * m.energy(s)).exp()).collect();
                let z: f64 = w.iter().sum();
                let mut direct = vec![0.0; n + 1];
                for (s, ws) in states.iter().zip(&w) {
                    for (t, wt) in states.iter().zip(&w) {
                        let agree = s.iter().zip(t).filter(|(a, b)| a == b).count();
                        direct[agree] += ws * wt / (z * z);
                    }
                }
                for (a, b) in p.iter().zip(&direct) {
                    assert!((a - b).abs() < 1e-12, "{p:?} vs {direct:?}");
                }
                assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                // No field: P(q) = P(−q).
                for d in 0..=n {
                    assert!((p[d] - p[n - d]).abs() < 1e-12);
                }
            }
        }
        let big = ModelSpec::from_toml("graph = { kind = 'complete', n = 25 }")
            .unwrap()
            .build()
            .unwrap();
        assert!(overlap_distribution(&big, &[1.0]).is_err());
    }

    #[test]
    fn refuses_large_n() {
        let m = ModelSpec::from_toml("graph = { kind = 'complete', n = 31 }")
            .unwrap()
            .build()
            .unwrap();
        assert!(enumerate(&m, &[1.0])
            .unwrap_err()
            .to_string()
            .contains("N ≤ 30"));
    }
}
