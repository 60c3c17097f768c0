//! The fast path for dense (fully connected) models: several replicas swept together, in
//! sequential order, with single-precision couplings and local fields.
//!
//! With local fields `h_i = Σ_j J_ij s_j + h_i^ext`, an accepted flip of spin k adds
//! `δ_k J_k·` to all N fields (`δ_k = −2 s_k`, the old spin): dense Monte Carlo is a stream of
//! rank-one updates, and its speed is the rate at which rows of J and field vectors pass
//! through the core. Four things raise it over the scalar sweep ([`super::Sweeper::sweep`]):
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
//! - **Lanes.** Within a replica each decision waits for the field changes of the flips just
//!   before it. For Metropolis in the log domain, eight replicas' decisions are taken side by
//!   side in AVX2 lanes ([`decide_lanes`]), with the same arithmetic in the same order as one
//!   replica at a time ([`decide_each`], the portable path), so the results are the same bit
//!   for bit.
//!
//! J is stored in tiles of [`BLOCK`] rows × [`CHUNK`] columns on cache-line boundaries, in the
//! order the end-of-block updates read them ([`DenseF32`]), so a sweep streams J front to
//! back; while one tile is used, the next one's needed rows are prefetched.
//!
//! Each replica draws the same random numbers as the scalar sweep, in the same order; its
//! decisions differ from the scalar path's only where a field's rounding decides them.

use std::ops::Range;

use rand::RngCore;

use crate::error::{check_memory, Result};
use crate::mc::update::{neg_ln_uniform, LOG_MARGIN};
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
const _: () = assert!(CHUNK % BLOCK == 0, "a block's columns lie in one chunk");

/// Dense couplings in single precision, in tiles of [`BLOCK`] rows × [`CHUNK`] columns (the
/// matrix zero-padded to whole tiles): tile (b, c) holds rows `b BLOCK ..` and columns
/// `c CHUNK ..`, row by row, and the tiles follow each other in row-major order. A sweep's
/// end-of-block updates then read J front to back, one tile after another, which the
/// hardware prefetchers follow; each tile is 128 cache lines.
pub(crate) struct DenseF32 {
    n: usize,
    /// Column chunks per row of tiles.
    chunks: usize,
    j: Lines,
}

/// A 64-byte cache line of 16 floats.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; 16]);

/// A float vector stored in whole cache lines (its first element on a line boundary).
#[derive(Clone)]
struct Lines {
    lines: Vec<Line>,
    len: usize,
}

impl Lines {
    /// `len` zeros.
    fn zeros(len: usize) -> Self {
        Lines {
            lines: vec![Line([0.0; 16]); len.div_ceil(16)],
            len,
        }
    }

    fn as_slice(&self) -> &[f32] {
        // SAFETY: `Line` is 16 floats with no padding (repr(C), size 64), so the lines are
        // 16 × lines.len() ≥ len contiguous, initialized floats.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast(), self.len) }
    }

    /// The floats as whole rows of [`CHUNK`] (a trailing partial row left out).
    fn rows(&self) -> &[[f32; CHUNK]] {
        // SAFETY: a `[f32; CHUNK]` is CHUNK consecutive floats (align 4, no padding), and the
        // len / CHUNK rows lie within the len initialized floats.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast(), self.len / CHUNK) }
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        // SAFETY: as in `as_slice`, with the unique borrow of `self`.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast(), self.len) }
    }
}

impl DenseF32 {
    /// The single-precision copy of `c` (N² × 4 bytes, checked against the memory limit).
    pub(crate) fn new(c: &DenseCouplings) -> Result<Self> {
        let n = c.n();
        check_memory(
            "single-precision coupling copy",
            DenseCouplings::memory_estimate(n) / 2,
        )?;
        let chunks = n.div_ceil(CHUNK);
        let mut j = Lines::zeros(n.next_multiple_of(BLOCK) * chunks * CHUNK);
        for i in 0..n {
            for (k, part) in c.row(i).chunks(CHUNK).enumerate() {
                let o = ((i / BLOCK * chunks + k) * BLOCK + i % BLOCK) * CHUNK;
                for (a, &w) in j.as_mut_slice()[o..].iter_mut().zip(part) {
                    *a = w as f32;
                }
            }
        }
        Ok(DenseF32 { n, chunks, j })
    }

    /// Fields per replica: N padded to whole chunks.
    fn padded(&self) -> usize {
        self.chunks * CHUNK
    }

    /// Tile (b, c), as its [`BLOCK`] rows of [`CHUNK`] columns.
    #[inline(always)]
    fn tile(&self, b: usize, c: usize) -> &[[f32; CHUNK]] {
        let first = (b * self.chunks + c) * BLOCK;
        &self.j.rows()[first..first + BLOCK]
    }

    /// Columns `block` (within one chunk) of row i.
    #[inline(always)]
    fn block_row(&self, i: usize, block: &Range<usize>) -> &[f32] {
        let c = block.start / CHUNK;
        let row = &self.tile(i / BLOCK, c)[i % BLOCK];
        &row[block.start - c * CHUNK..block.end - c * CHUNK]
    }
}

/// Replicas of a dense model annealed together (see the [module documentation](self)).
pub(crate) struct Lockstep<'a> {
    model: &'a Ising,
    j: &'a DenseF32,
    /// Single-precision fields, one vector per replica.
    fields: Vec<Lines>,
    sweeps: usize,
}

impl<'a> Lockstep<'a> {
    /// A group for `replicas` (whose f64 fields are the starting point).
    pub(crate) fn new(model: &'a Ising, j: &'a DenseF32, replicas: &[Replica]) -> Self {
        let fields = replicas
            .iter()
            .map(|r| {
                let mut f = Lines::zeros(j.padded());
                for (a, &h) in f.as_mut_slice().iter_mut().zip(r.fields()) {
                    *a = h as f32;
                }
                f
            })
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
            for (a, &h) in f.as_mut_slice().iter_mut().zip(r.fields()) {
                *a = h as f32;
            }
        }
    }
}

fn sweep_dispatch(
    j: &DenseF32,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &mut [Lines],
    rngs: &mut [Rng],
    accepted: &mut [u64],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { sweep_avx2(j, sweeper, replicas, fields, rngs, accepted) };
    }
    // Portable code, the decisions replica by replica.
    sweep_blocks(j, replicas, fields, |block, replicas, fields, flips| {
        decide_each(j, block, sweeper, replicas, fields, rngs, accepted, flips)
    })
}

/// The sweep with AVX2 code generation, and for Metropolis in the log domain the decisions
/// taken in lanes ([`decide_lanes`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sweep_avx2(
    j: &DenseF32,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &mut [Lines],
    rngs: &mut [Rng],
    accepted: &mut [u64],
) {
    let log = sweeper.log_scale();
    sweep_blocks(
        j,
        replicas,
        fields,
        |block, replicas, fields, flips| match log {
            Some(two_beta) => decide_lanes(
                j, block, sweeper, two_beta, replicas, fields, rngs, accepted, flips,
            ),
            None => decide_each(j, block, sweeper, replicas, fields, rngs, accepted, flips),
        },
    )
}

/// Per replica, the flips of one block as (row, δ).
type Flips = Vec<(usize, f32)>;

/// One sweep, block by block: `decide` takes the block's decisions for every replica
/// (updating their spins, energies and magnetizations, and listing their flips), then the
/// flips update all fields.
#[inline(always)]
fn sweep_blocks(
    j: &DenseF32,
    replicas: &mut [Replica],
    fields: &mut [Lines],
    mut decide: impl FnMut(Range<usize>, &mut [Replica], &[Lines], &mut [Flips]),
) {
    let mut flips: Vec<Flips> = vec![Vec::with_capacity(BLOCK); replicas.len()];
    for start in (0..j.n).step_by(BLOCK) {
        let block = start..(start + BLOCK).min(j.n);
        decide(block.clone(), replicas, fields, &mut flips);
        spread_block(j, block, &flips, fields);
    }
}

/// The decisions of one block, replica by replica, with any rule.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn decide_each(
    j: &DenseF32,
    block: Range<usize>,
    sweeper: &Sweeper,
    replicas: &mut [Replica],
    fields: &[Lines],
    rngs: &mut [Rng],
    accepted: &mut [u64],
    flips: &mut [Flips],
) {
    let log = sweeper.log_scale();
    let (start, end) = (block.start, block.end);
    let group = replicas.iter_mut().zip(fields).zip(rngs.iter_mut());
    for (((r, f), rng), (a, fl)) in group.zip(accepted.iter_mut().zip(flips)) {
        let f = f.as_slice();
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
                Some(two_beta) => x <= 0.0 || sweeper.accepts_log(two_beta, x, us[k], neg_ln[k]),
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
                let row = j.block_row(i, &block);
                for (e, &w) in delta.iter_mut().zip(row) {
                    *e += d * w;
                }
            }
        }
    }
}

/// Replicas whose decisions [`decide_lanes`] takes side by side, one per AVX2 lane.
#[cfg(target_arch = "x86_64")]
const LANES: usize = 8;

/// [`decide_each`] for Metropolis in the log domain ([`Sweeper::accepts_log`], `two_beta` =
/// 2β), [`LANES`] replicas at a time, one per SIMD lane. Within a replica each decision waits
/// for the previous flips' field changes, a chain of dependent steps; side by side, eight
/// chains advance at once. The uniforms, fields, comparisons and sums are those of
/// [`decide_each`], in the same order, so the decisions and energies are the same bit for bit.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn decide_lanes(
    j: &DenseF32,
    block: Range<usize>,
    sweeper: &Sweeper,
    two_beta: f64,
    replicas: &mut [Replica],
    fields: &[Lines],
    rngs: &mut [Rng],
    accepted: &mut [u64],
    flips: &mut [Flips],
) {
    use std::arch::x86_64::*;
    let (start, len) = (block.start, block.len());
    let groups = replicas.chunks_mut(LANES).zip(fields.chunks(LANES));
    let rest = rngs.chunks_mut(LANES).zip(accepted.chunks_mut(LANES));
    for ((reps, fs), ((rngs, acc), fls)) in groups.zip(rest.zip(flips.chunks_mut(LANES))) {
        // Per site k of the block and lane r: the uniform and its −ln w, the field at the
        // start of the block, −2 s (0 in unused lanes, whose decisions then change nothing).
        let mut u = [[0u64; LANES]; BLOCK];
        for (r, rng) in rngs.iter_mut().enumerate() {
            for uk in &mut u[..len] {
                uk[r] = rng.next_u64() >> 11;
            }
        }
        let mut neg_ln = [[0.0f64; LANES]; BLOCK];
        for (l, &v) in neg_ln.as_flattened_mut().iter_mut().zip(u.as_flattened()) {
            *l = neg_ln_uniform(v);
        }
        let mut h = [[0.0f32; LANES]; BLOCK];
        let mut m2s = [[0.0f32; LANES]; BLOCK];
        for (r, (rep, f)) in reps.iter().zip(fs).enumerate() {
            let (sp, f) = (&rep.spins()[block.clone()], &f.as_slice()[block.clone()]);
            for k in 0..len {
                h[k][r] = f[k];
                m2s[k][r] = -2.0 * sp[k] as f32;
            }
        }
        // The decisions: lane r flips site k when bit r of `masks[k]` is set; x = s h.
        let mut masks = [0u32; BLOCK];
        let mut x = [[0.0f64; LANES]; BLOCK];
        let mut delta = [_mm256_setzero_ps(); BLOCK];
        let (tb, margin, zero) = (
            _mm256_set1_pd(two_beta),
            _mm256_set1_pd(LOG_MARGIN),
            _mm256_setzero_pd(),
        );
        let lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        for k in 0..len {
            // SAFETY: unaligned loads and stores of 8 floats or 4 doubles within arrays.
            let (hk, sk) = unsafe {
                let hk = _mm256_add_ps(_mm256_loadu_ps(h[k].as_ptr()), delta[k]);
                (
                    hk,
                    _mm256_mul_ps(_mm256_loadu_ps(m2s[k].as_ptr()), _mm256_set1_ps(-0.5)),
                )
            };
            let mut bits = 0;
            let mut open = 0;
            for half in 0..2 {
                let (h4, s4) = if half == 0 {
                    (_mm256_castps256_ps128(hk), _mm256_castps256_ps128(sk))
                } else {
                    (
                        _mm256_extractf128_ps::<1>(hk),
                        _mm256_extractf128_ps::<1>(sk),
                    )
                };
                let xh = _mm256_mul_pd(_mm256_cvtps_pd(s4), _mm256_cvtps_pd(h4));
                // SAFETY: as above.
                let nl = unsafe {
                    _mm256_storeu_pd(x[k][4 * half..].as_mut_ptr(), xh);
                    _mm256_loadu_pd(neg_ln[k][4 * half..].as_ptr())
                };
                let y = _mm256_mul_pd(tb, xh);
                let yes = _mm256_or_pd(
                    _mm256_cmp_pd::<_CMP_LE_OQ>(xh, zero),
                    _mm256_cmp_pd::<_CMP_LT_OQ>(y, _mm256_sub_pd(nl, margin)),
                );
                let no = _mm256_cmp_pd::<_CMP_GT_OQ>(y, _mm256_add_pd(nl, margin));
                bits |= (_mm256_movemask_pd(yes) as u32) << (4 * half);
                open |= (!_mm256_movemask_pd(_mm256_or_pd(yes, no)) as u32 & 15) << (4 * half);
            }
            // Within the margin (probability ~10⁻⁶ per decision): the exact comparison.
            while open != 0 {
                let r = open.trailing_zeros() as usize;
                open &= open - 1;
                if sweeper.accepts(x[k][r], u[k][r]) {
                    bits |= 1 << r;
                }
            }
            masks[k] = bits;
            // δ = −2s in the flipping lanes, 0 elsewhere; the later sites' fields follow.
            let flip = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                _mm256_and_si256(_mm256_set1_epi32(bits as i32), lane_bits),
                lane_bits,
            ));
            // SAFETY: as above.
            let d = _mm256_and_ps(flip, unsafe { _mm256_loadu_ps(m2s[k].as_ptr()) });
            let row = j.block_row(start + k, &block);
            for (e, &w) in delta[k + 1..len].iter_mut().zip(&row[k + 1..]) {
                *e = _mm256_add_ps(*e, _mm256_mul_ps(d, _mm256_set1_ps(w)));
            }
        }
        // The flips applied replica by replica, in site order as in `decide_each`.
        let lanes = reps.iter_mut().zip(acc).zip(fls);
        for (r, ((rep, a), fl)) in lanes.enumerate() {
            fl.clear();
            let (spins, _, energy, magnetization) = rep.parts_mut();
            let mut mine = masks[..len]
                .iter()
                .enumerate()
                .fold(0u64, |m, (k, &b)| m | ((b as u64 >> r) & 1) << k);
            *a += mine.count_ones() as u64;
            while mine != 0 {
                let k = mine.trailing_zeros() as usize;
                mine &= mine - 1;
                let i = start + k;
                let s = spins[i];
                *energy += 2.0 * x[k][r];
                spins[i] = -s;
                *magnetization -= 2 * s as i64;
                fl.push((i, -2.0 * s as f32));
            }
        }
    }
}

/// For every replica r, `fields_r += Σ_{(k, δ) ∈ flips_r} δ J_k·`, a [`CHUNK`] of columns
/// (one tile of J) at a time: every replica's chunk of fields is held in registers while its
/// flipped rows' chunks stream by, and the tile (BLOCK × CHUNK × 4 bytes) stays in L1 from
/// one replica to the next.
#[inline(always)]
fn spread_block(j: &DenseF32, block: Range<usize>, flips: &[Flips], fields: &mut [Lines]) {
    let b = block.start / BLOCK;
    // The rows that any replica flipped, as a bit mask over the block.
    let flipped = flips
        .iter()
        .flatten()
        .fold(0u64, |m, &(k, _)| m | 1 << (k - block.start));
    let replicas = fields.len();
    for c in 0..j.chunks {
        let tile = j.tile(b, c);
        for (r, (f, fl)) in fields.iter_mut().zip(flips).enumerate() {
            // The next tile's flipped rows, asked for a few at a time.
            if c + 1 < j.chunks {
                let (lo, hi) = (r * BLOCK / replicas, (r + 1) * BLOCK / replicas);
                let mine = flipped & ((1 << hi) - 1) & !((1 << lo) - 1);
                prefetch_rows(j.tile(b, c + 1), mine);
            }
            if fl.is_empty() {
                continue;
            }
            let chunk = &mut f.as_mut_slice()[c * CHUNK..(c + 1) * CHUNK];
            let mut acc = [0.0; CHUNK];
            acc.copy_from_slice(chunk);
            for &(k, d) in fl {
                for (a, &w) in acc.iter_mut().zip(&tile[k - block.start]) {
                    *a += d * w;
                }
            }
            chunk.copy_from_slice(&acc);
        }
    }
}

/// Asks the cache for the rows of `tile` named by the bits of `rows` (a hint with no effect on
/// results).
#[inline(always)]
fn prefetch_rows(tile: &[[f32; CHUNK]], mut rows: u64) {
    #[cfg(target_arch = "x86_64")]
    while rows != 0 {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let row = &tile[rows.trailing_zeros() as usize];
        rows &= rows - 1;
        for line in row.chunks_exact(16) {
            // SAFETY: a prefetch only hints the cache; the address is inside `tile`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (tile, rows);
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
            for (a, b) in f.as_slice().iter().zip(&exact) {
                assert!((*a as f64 - b).abs() < 1e-5, "{a} vs {b}");
            }
            assert!((r.energy() - m.energy(r.spins())).abs() < 1e-4);
        }
    }

    /// The AVX2 sweep (decisions in lanes for log-domain Metropolis) and the portable one
    /// (replica by replica) give the same spins, energies, fields and counts, bit for bit:
    /// 11 replicas (a full group of lanes and a partial one), N = 100 (a partial block), from
    /// hot to cold, and heat bath (decided replica by replica in both).
    #[test]
    fn lanes_decide_as_the_portable_sweep() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let spec = "graph = { kind = 'complete', n = 100 }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.3 }\nseed = 8";
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let Couplings::Dense(c) = m.couplings() else {
                panic!("dense model expected")
            };
            let j = DenseF32::new(c).unwrap();
            let streams = Streams::new(5);
            let start: Vec<Replica> = (0..11)
                .map(|k| Replica::random(&m, &mut streams.stream(&[0, k])))
                .collect();
            let run = |avx2: bool| {
                let mut reps = start.clone();
                let mut rngs: Vec<Rng> = (0..11).map(|k| streams.stream(&[1, k])).collect();
                let mut acc = vec![0; 11];
                let mut group = Lockstep::new(&m, &j, &reps);
                for (rule, beta) in [
                    (Rule::Metropolis, 0.05),
                    (Rule::Metropolis, 0.7),
                    (Rule::HeatBath, 1.0),
                    (Rule::Metropolis, 3.0),
                ] {
                    let sweeper = Sweeper::new(&m, rule, Order::Sequential, beta).unwrap();
                    for _ in 0..5 {
                        let (r, f, g, a) = (&mut reps, &mut group.fields, &mut rngs, &mut acc);
                        if avx2 {
                            // SAFETY: AVX2 was detected above.
                            unsafe { sweep_avx2(&j, &sweeper, r, f, g, a) }
                        } else {
                            sweep_blocks(&j, r, f, |block, r, f, flips| {
                                decide_each(&j, block, &sweeper, r, f, g, a, flips)
                            })
                        }
                    }
                }
                let fields: Vec<Vec<f32>> =
                    group.fields.iter().map(|f| f.as_slice().to_vec()).collect();
                (reps, fields, acc)
            };
            let (lanes, each) = (run(true), run(false));
            assert!(lanes.2.iter().all(|&a| a > 300), "{:?}", lanes.2);
            assert_eq!(lanes.2, each.2);
            assert_eq!(lanes.1, each.1);
            for (a, b) in lanes.0.iter().zip(&each.0) {
                assert_eq!(a.spins(), b.spins());
                assert_eq!(a.energy().to_bits(), b.energy().to_bits());
                assert_eq!(a.magnetization(), b.magnetization());
            }
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
