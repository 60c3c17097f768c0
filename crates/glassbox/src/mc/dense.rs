//! The fast path for dense (fully connected) models: several replicas swept together, in
//! sequential order, with single-precision couplings and local fields.
//!
//! With local fields `h_i = Σ_j J_ij s_j + h_i^ext`, an accepted flip of spin k adds
//! `δ_k J_k·` to all N fields (`δ_k = −2 s_k`, the old spin): dense Monte Carlo is a stream of
//! rank-one updates, and its speed is the rate at which rows of J and field vectors pass
//! through the core. Three things raise it over the scalar sweep ([`super::Sweeper::sweep`]):
//!
//! - **f32.** Couplings and fields in single precision halve the bytes and double the SIMD
//!   lanes. J is rounded once (relative error ≤ 2⁻²⁴, far below any physical resolution); the
//!   fields' rounding errors grow like a random walk, so every [`RESYNC`] sweeps the fields
//!   and energy are recomputed exactly in f64 from the spins, and everything a caller reads
//!   (energies, configurations) is f64-exact at that point. Integer couplings stay exact in
//!   f32 (sums below 2²⁴), so tabulated acceptances remain exact.
//! - **Blocks.** Sites are visited in blocks of [`BLOCK`]. While a block is swept, the field
//!   of site i is its value at the start of the block plus the block's earlier flips,
//!   `h_i = h_i^(start) + Σ_{k flipped in the block, k < i} δ_k J_ki`, the sum kept as a
//!   block-sized vector that each flip updates with its row's block columns; when the block
//!   ends, its flips update all N fields in one pass, a chunk of fields held in registers
//!   while the block's rows stream by.
//! - **Lockstep.** All replicas do the same block before moving on, so the block's rows are
//!   fetched from memory once for every replica that flipped them.
//!
//! Each replica draws the same random numbers as the scalar sweep, in the same order; its
//! decisions differ from the scalar path's only where a field's rounding decides them.

use rand::RngCore;

use crate::error::{check_memory, Result};
use crate::mc::update::neg_ln_uniform;
use crate::mc::{Replica, Sweeper};
use crate::model::{DenseCouplings, Interactions, Ising};
use crate::rng::Rng;

/// Sites per block (at most 64: a block's flipped rows are a bit mask).
pub const BLOCK: usize = 32;
const _: () = assert!(BLOCK <= 64);

/// Sweeps between exact f64 recomputations of the fields.
pub const RESYNC: usize = 128;

/// Fields per chunk of the end-of-block update (held in registers).
const CHUNK: usize = 64;

/// Dense couplings in single precision, row-major.
pub(crate) struct DenseF32 {
    n: usize,
    j: Vec<f32>,
}

impl DenseF32 {
    /// The single-precision copy of `c` (N² × 4 bytes, checked against the memory limit).
    pub(crate) fn new(c: &DenseCouplings) -> Result<Self> {
        let n = c.n();
        check_memory(
            "single-precision coupling copy",
            DenseCouplings::memory_estimate(n) / 2,
        )?;
        let j = (0..n)
            .flat_map(|i| c.row(i).iter().map(|&w| w as f32))
            .collect();
        Ok(DenseF32 { n, j })
    }

    #[inline(always)]
    fn row(&self, k: usize) -> &[f32] {
        &self.j[k * self.n..(k + 1) * self.n]
    }
}

/// Replicas of a dense model annealed together (see the [module documentation](self)).
pub(crate) struct Lockstep<'a> {
    model: &'a Ising,
    j: &'a DenseF32,
    /// Single-precision fields, one vector per replica.
    fields: Vec<Vec<f32>>,
    sweeps: usize,
}

impl<'a> Lockstep<'a> {
    /// A group for `replicas` (whose f64 fields are the starting point).
    pub(crate) fn new(model: &'a Ising, j: &'a DenseF32, replicas: &[Replica]) -> Self {
        let fields = replicas
            .iter()
            .map(|r| r.fields().iter().map(|&h| h as f32).collect())
            .collect();
        Lockstep {
            model,
            j,
            fields,
            sweeps: 0,
        }
    }

    /// One sweep of every replica at `sweeper`'s temperature; replica k draws from
    /// `rngs[k]` and its accepted flips are added to `accepted[k]`. Every [`RESYNC`] sweeps
    /// the replicas' fields and energies are recomputed exactly.
    pub(crate) fn sweep(
        &mut self,
        sweeper: &Sweeper,
        replicas: &mut [Replica],
        rngs: &mut [Rng],
        accepted: &mut [u64],
    ) {
        debug_assert!(replicas.len() == rngs.len() && replicas.len() == accepted.len());
        sweep_dispatch(self.j, sweeper, replicas, &mut self.fields, rngs, accepted);
        self.sweeps += 1;
        if self.sweeps % RESYNC == 0 {
            self.resync(replicas);
        }
    }

    /// Recomputes every replica's fields and energy in f64 from its spins.
    pub(crate) fn resync(&mut self, replicas: &mut [Replica]) {
        let configs: Vec<&[i8]> = replicas.iter().map(|r| r.spins()).collect();
        let exact = self.model.local_fields_many(&configs);
        for ((r, f), h) in replicas.iter_mut().zip(&mut self.fields).zip(exact) {
            r.adopt_fields(self.model, h);
            for (a, &h) in f.iter_mut().zip(r.fields()) {
                *a = h as f32;
            }
        }
    }
}

fn sweep_dispatch(
    j: &DenseF32,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &mut [Vec<f32>],
    rngs: &mut [Rng],
    accepted: &mut [u64],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { sweep_avx2(j, sweeper, replicas, fields, rngs, accepted) };
    }
    sweep_blocks(j, sweeper, replicas, fields, rngs, accepted)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sweep_avx2(
    j: &DenseF32,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &mut [Vec<f32>],
    rngs: &mut [Rng],
    accepted: &mut [u64],
) {
    sweep_blocks(j, sweeper, replicas, fields, rngs, accepted)
}

#[inline(always)]
fn sweep_blocks(
    j: &DenseF32,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &mut [Vec<f32>],
    rngs: &mut [Rng],
    accepted: &mut [u64],
) {
    let n = j.n;
    let log = sweeper.log_scale();
    // Per replica: the block's flips as (row, δ).
    let mut flips: Vec<Vec<(usize, f32)>> = vec![Vec::with_capacity(BLOCK); replicas.len()];
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let group = replicas
            .iter_mut()
            .zip(fields.iter_mut())
            .zip(rngs.iter_mut());
        for (((r, f), rng), (a, fl)) in group.zip(accepted.iter_mut().zip(&mut flips)) {
            fl.clear();
            // The block's own flips seen by its sites: `delta[i − start] = Σ δ_k J_ki`.
            let mut delta = [0.0f32; BLOCK];
            // The block's uniforms, drawn ahead in the scalar sweep's order, and for the
            // log-domain test their exponential variates (a loop that vectorizes).
            let mut us = [0u64; BLOCK];
            for u in &mut us[..end - start] {
                *u = rng.next_u64() >> 11;
            }
            let mut neg_ln = [0.0f64; BLOCK];
            if log.is_some() {
                for (l, &u) in neg_ln.iter_mut().zip(&us) {
                    *l = neg_ln_uniform(u);
                }
            }
            let (spins, _, energy, magnetization) = r.parts_mut();
            for i in start..end {
                let k = i - start;
                let h = f[i] + delta[k];
                let s = spins[i];
                let x = s as f64 * h as f64;
                let flip = match log {
                    Some(two_beta) => {
                        x <= 0.0 || sweeper.accepts_log(two_beta, x, us[k], neg_ln[k])
                    }
                    None => sweeper.accepts(x, us[k]),
                };
                if flip {
                    *energy += 2.0 * x;
                    spins[i] = -s;
                    *magnetization -= 2 * s as i64;
                    let d = -2.0 * s as f32;
                    fl.push((i, d));
                    *a += 1;
                    // J_ik = J_ki: the block's columns of row i are adjacent.
                    let row = &j.row(i)[start..end];
                    for (e, &w) in delta.iter_mut().zip(row) {
                        *e += d * w;
                    }
                }
            }
        }
        spread_block(j, start..end, &flips, fields);
    }
}

/// For every replica r, `fields_r += Σ_{(k, δ) ∈ flips_r} δ J_k·`, a [`CHUNK`] of columns at
/// a time: every replica's chunk of fields is held in registers while its flipped rows' chunks
/// stream by, and those row chunks (BLOCK × CHUNK × 4 bytes) stay in L1 from one replica to
/// the next.
#[inline(always)]
fn spread_block(
    j: &DenseF32,
    block: std::ops::Range<usize>,
    flips: &[Vec<(usize, f32)>],
    fields: &mut [Vec<f32>],
) {
    let whole = j.n - j.n % CHUNK;
    // The rows that any replica flipped, as a bit mask over the block.
    let flipped = flips
        .iter()
        .flatten()
        .fold(0u64, |m, &(k, _)| m | 1 << (k - block.start));
    for base in (0..whole).step_by(CHUNK) {
        prefetch_chunk(j, block.start, flipped, base + AHEAD * CHUNK);
        for (f, fl) in fields.iter_mut().zip(flips) {
            if fl.is_empty() {
                continue;
            }
            let chunk = &mut f[base..base + CHUNK];
            let mut acc = [0.0; CHUNK];
            acc.copy_from_slice(chunk);
            for &(k, d) in fl {
                let row = &j.row(k)[base..base + CHUNK];
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a += d * w;
                }
            }
            chunk.copy_from_slice(&acc);
        }
    }
    for (f, fl) in fields.iter_mut().zip(flips) {
        for &(k, d) in fl {
            for (h, &w) in f[whole..].iter_mut().zip(&j.row(k)[whole..]) {
                *h += d * w;
            }
        }
    }
}

/// Chunks of columns the end-of-block update asks the cache for ahead of their use.
const AHEAD: usize = 2;

/// Asks the cache for columns `base..base + CHUNK` of the rows `first + b` for every bit b of
/// `rows` (a hint with no effect on results; nothing past the end of the matrix is touched).
#[inline(always)]
fn prefetch_chunk(j: &DenseF32, first: usize, mut rows: u64, base: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        if base + CHUNK > j.n {
            return;
        }
        while rows != 0 {
            let k = first + rows.trailing_zeros() as usize;
            rows &= rows - 1;
            let row = &j.row(k)[base..base + CHUNK];
            for line in row.chunks_exact(16) {
                // SAFETY: a prefetch only hints the cache; the address is inside `row`.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (j, first, rows, base);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::mc::{Order, Rule};
    use crate::measure::Series;
    use crate::model::{Couplings, ModelSpec};
    use crate::rng::Streams;

    /// Across blocks and column chunks (N = 100 is three blocks and a partial one, three
    /// chunks and a remainder), the incrementally updated f32 fields and the tracked energy
    /// stay within rounding of their exact values.
    #[test]
    fn incremental_fields_stay_exact() {
        let spec =
            "graph = { kind = 'complete', n = 100 }\ncouplings = { law = 'gaussian' }\nseed = 6";
        let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
        let Couplings::Dense(c) = m.couplings() else {
            panic!("dense model expected")
        };
        let j = DenseF32::new(c).unwrap();
        let streams = Streams::new(3);
        let mut reps: Vec<Replica> = (0..3)
            .map(|k| Replica::random(&m, &mut streams.stream(&[0, k])))
            .collect();
        let mut rngs: Vec<Rng> = (0..3).map(|k| streams.stream(&[1, k])).collect();
        let mut acc = vec![0; 3];
        let mut group = Lockstep::new(&m, &j, &reps);
        for beta in [0.2, 0.5, 1.0, 2.0] {
            let sweeper = Sweeper::new(&m, Rule::Metropolis, Order::Sequential, beta).unwrap();
            for _ in 0..10 {
                group.sweep(&sweeper, &mut reps, &mut rngs, &mut acc);
            }
        }
        assert!(acc.iter().all(|&a| a > 500), "{acc:?}");
        for (r, f) in reps.iter().zip(&group.fields) {
            let exact = m.local_fields(r.spins());
            for (a, b) in f.iter().zip(&exact) {
                assert!((*a as f64 - b).abs() < 1e-5, "{a} vs {b}");
            }
            assert!((r.energy() - m.energy(r.spins())).abs() < 1e-4);
        }
    }

    /// Fixed-β sampling with the lockstep f32 kernel reproduces the exact mean energy of a
    /// small SK sample (N = 12, so all 4096 states are enumerated) and of a ±J one (whose
    /// integer fields use the tabulated acceptance).
    #[test]
    fn lockstep_sampling_matches_enumeration() {
        for (spec, beta) in [
            ("graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'gaussian' }\nseed = 4", 1.5),
            ("graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'plus-minus' }\nseed = 5", 0.3),
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let Couplings::Dense(c) = m.couplings() else {
                panic!("dense model expected")
            };
            let j = DenseF32::new(c).unwrap();
            let exact = enumerate(&m, &[beta]).unwrap().points[0].energy;
            let streams = Streams::new(11);
            let mut reps: Vec<Replica> = (0..4)
                .map(|k| Replica::random(&m, &mut streams.stream(&[0, k])))
                .collect();
            let mut rngs: Vec<Rng> = (0..4).map(|k| streams.stream(&[1, k])).collect();
            let mut acc = vec![0; 4];
            let sweeper = Sweeper::new(&m, Rule::Metropolis, Order::Sequential, beta).unwrap();
            let mut group = Lockstep::new(&m, &j, &reps);
            let mut series: Vec<Series> = (0..4).map(|_| Series::new(1 << 14)).collect();
            for t in 0..40_000 {
                group.sweep(&sweeper, &mut reps, &mut rngs, &mut acc);
                if t >= 1000 {
                    for (s, r) in series.iter_mut().zip(&reps) {
                        s.push(r.energy() / m.n() as f64);
                    }
                }
            }
            // Exactness of the tracked energy: one last resync changes it by rounding only.
            let before: Vec<f64> = reps.iter().map(|r| r.energy()).collect();
            group.resync(&mut reps);
            for (b, r) in before.iter().zip(&reps) {
                assert!((b - r.energy()).abs() < 1e-4, "{b} vs {}", r.energy());
            }
            let est: Vec<_> = series.iter().map(|s| s.estimate()).collect();
            let mean = est.iter().map(|e| e.mean).sum::<f64>() / 4.0;
            let err = est.iter().map(|e| e.error * e.error).sum::<f64>().sqrt() / 4.0;
            assert!(
                (mean - exact).abs() < 4.0 * err,
                "{spec}: {mean} ± {err} vs exact {exact}"
            );
        }
    }
}
