//! Replica lanes: 32 replicas of one sparse model (a lattice or a graph, any real couplings,
//! fields allowed) swept together in single precision, one SIMD lane per replica.
//!
//! This is the fast path for the models bit slicing cannot hold ([`multispin`](super::multispin)
//! needs ±J couplings of one magnitude and no field): Gaussian spin glasses on lattices, random
//! fields, diluted or weighted graphs (G-set instances). Dense models have their own fast path
//! (`mc::dense`).
//!
//! # Model
//!
//! Every lane holds a configuration of the same model
//!
//! ```text
//! H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i,
//! ```
//!
//! whose couplings and fields the kernel reads in single precision ([`LaneModel`]: rounded
//! once, relative error ≤ 2⁻²⁴); energies are always computed from the double-precision
//! values ([`LaneSpins::energies`]).
//!
//! # Sweep
//!
//! A sweep visits N sites in one of the scalar [`Sweeper`](crate::mc::Sweeper)'s orders,
//! all 32 lanes at once: [`Order::Sequential`] (0, 1, …, N − 1) or [`Order::Random`] (N sites
//! drawn uniformly with replacement as `⌊N u / 2⁶⁴⌋` for 64-bit random words u, a bias below
//! N 2⁻⁶⁴; the lanes share the drawn sites, which leaves the dynamics of each lane that of the
//! scalar kernel). For site i every lane computes
//! `x = s_i (h_i + Σ_j J_ij s_j)` (so ΔE = 2x) in f32 and flips with probability
//!
//! ```text
//! Metropolis:  q(x) = min(1, e^{−2βx}),        heat bath:  q(x) = 1 / (1 + e^{2βx}),
//! ```
//!
//! the rules of [`Rule`]. The exponential is `2^t = 2^n · 2^f` with `n` the nearest integer to
//! t and `2^f = e^{f ln 2}`, |f| ≤ 1/2, its Taylor polynomial of degree 7 (truncation error
//! below 5·10⁻⁹; with the f32 rounding the relative error of q stays below 10⁻⁶). Lane l draws
//! a 24-bit integer k and flips iff `(k + 1) 2⁻²⁴ ≤ q`, i.e. with probability `⌊q 2²⁴⌋ 2⁻²⁴`:
//! the scalar path's threshold rule with 24 bits instead of 53. Each lane takes its own 32
//! random bits per attempt from the four xoshiro256++ generators of a
//! [`MultiRng`] (256 bits per step, four steps per site).
//!
//! In sequential order neighbouring sites depend on each other, so the sweep is a chain of
//! dependent site updates; 32 lanes (four 8-wide registers per site) keep the vector units
//! busy along it, and each site adds the neighbour updated last to its field last.
//!
//! The arithmetic is IEEE single precision without fused multiply-add, and the kernel runs on
//! the registers of [`multispin`](super::multispin)'s run-time dispatch (AVX-512VL, AVX2 or
//! portable code): every CPU gives bit-identical results, so a seed reproduces a run.
//!
//! # Use
//!
//! ```
//! use glassbox::mc::lanes::{LaneModel, LaneSpins, LaneSweeper};
//! use glassbox::mc::multispin::MultiRng;
//! use glassbox::mc::{Order, Rule};
//! use glassbox::model::ModelSpec;
//! use glassbox::rng::{purpose, Streams};
//!
//! let spec = "graph = { kind = 'lattice', dims = [16, 16] }\ncouplings = { law = 'gaussian' }";
//! let model = ModelSpec::from_toml(spec)?.build()?;
//! let lanes = LaneModel::new(&model)?;
//! let streams = Streams::new(7);
//! let mut state = LaneSpins::random(&model, &mut streams.stream(&[purpose::INITIAL_STATE]));
//! let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
//! let sweeper = LaneSweeper::new(Rule::Metropolis, Order::Sequential, 2.0)?;
//! for _ in 0..100 {
//!     sweeper.sweep(&lanes, &mut state, &mut rng);
//! }
//! let e = state.energies(&lanes); // the 32 lanes' energies, in double precision
//! assert!(e.iter().all(|&e| (e - model.energy(&state.lane_spins(0))).abs() < 1e3));
//! # Ok::<(), glassbox::Error>(())
//! ```

// Index loops over lanes spell out the per-lane formulas and are what LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use crate::error::{invalid, Result};
use crate::mc::multispin::{xoshiro, Body, Kernel, MultiRng, Simd, W};
use crate::mc::{Order, Replica, Rule};
use crate::model::{Couplings, Interactions, Ising};
use crate::rng::Rng;
use crate::with_interactions;

/// Number of replicas in one [`LaneSpins`].
pub const LANES: usize = 32;

/// The couplings and fields of a sparse model in the form the kernel reads: the neighbours of
/// every site (compressed rows) with f32 and f64 copies of their couplings.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneModel {
    /// Site i's neighbours are `targets[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
    targets: Vec<u32>,
    couplings: Vec<f32>,
    couplings64: Vec<f64>,
    fields: Vec<f32>,
    fields64: Vec<f64>,
}

impl LaneModel {
    /// Whether `model` can run on replica lanes: couplings on a lattice or a sparse graph
    /// (dense models have their own fast path), any values, any fields.
    pub fn check(model: &Ising) -> Result<()> {
        match model.couplings() {
            Couplings::Dense(_) => Err(invalid(
                "replica lanes need a lattice or a sparse graph, not dense couplings",
            )),
            _ if model.n() > u32::MAX as usize => Err(invalid("too many sites for lanes")),
            _ => Ok(()),
        }
    }

    /// The kernel's copy of `model` (see [`LaneModel::check`]).
    pub fn new(model: &Ising) -> Result<Self> {
        Self::check(model)?;
        let n = model.n();
        let mut offsets = Vec::with_capacity(n + 1);
        let (mut targets, mut couplings64) = (Vec::new(), Vec::new());
        offsets.push(0);
        let mut row = Vec::new();
        with_interactions!(model.couplings(), c => {
            for i in 0..n {
                row.clear();
                c.for_each_coupling(i, |j, w| {
                    if w != 0.0 {
                        row.push((j, w));
                    }
                });
                // Neighbours not yet visited in this sweep first, then the visited ones in
                // visiting order: the one updated last (often i − 1) enters the field last,
                // which keeps it off most of the chain of dependent additions.
                row.sort_by_key(|&(j, _)| (j < i, j));
                for &(j, w) in &row {
                    targets.push(j as u32);
                    couplings64.push(w);
                }
                offsets.push(targets.len());
            }
        });
        let fields64 = model.fields().to_vec();
        Ok(LaneModel {
            offsets,
            targets,
            couplings: couplings64.iter().map(|&w| w as f32).collect(),
            couplings64,
            fields: fields64.iter().map(|&h| h as f32).collect(),
            fields64,
        })
    }

    /// Number of sites.
    pub fn n(&self) -> usize {
        self.fields.len()
    }
}

/// 32 configurations of one model, site-major: `spins[i][l]` is ±1.0, spin i of lane l.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "PackedLanes", from = "PackedLanes")]
pub struct LaneSpins {
    spins: Vec<[f32; LANES]>,
}

/// The serialized form of [`LaneSpins`]: bit l of word i is set when spin i of lane l is −1.
#[derive(serde::Serialize, serde::Deserialize)]
struct PackedLanes {
    down: Vec<u32>,
}

impl From<LaneSpins> for PackedLanes {
    fn from(s: LaneSpins) -> Self {
        let down = s
            .spins
            .iter()
            .map(|site| (0..LANES).fold(0, |w, l| w | (((site[l] < 0.0) as u32) << l)))
            .collect();
        PackedLanes { down }
    }
}

impl From<PackedLanes> for LaneSpins {
    fn from(p: PackedLanes) -> Self {
        let spins = p
            .down
            .iter()
            .map(|&w| std::array::from_fn(|l| if w >> l & 1 == 1 { -1.0 } else { 1.0 }))
            .collect();
        LaneSpins { spins }
    }
}

impl LaneSpins {
    /// 32 uniformly random configurations of `model`, lane by lane from `rng` (lane l gets the
    /// l-th [`Replica::random`] draw).
    pub fn random(model: &Ising, rng: &mut Rng) -> Self {
        let mut s = LaneSpins {
            spins: vec![[1.0; LANES]; model.n()],
        };
        for l in 0..LANES {
            let r = Replica::random(model, rng);
            s.set_lane(l, r.spins())
                .expect("a configuration of the model");
        }
        s
    }

    /// 32 copies of the all-up configuration of `n` sites.
    pub fn up(n: usize) -> Self {
        LaneSpins {
            spins: vec![[1.0; LANES]; n],
        }
    }

    /// Number of sites.
    pub fn n(&self) -> usize {
        self.spins.len()
    }

    /// Sets lane `l` to `spins` (±1, one per site).
    pub fn set_lane(&mut self, l: usize, spins: &[i8]) -> Result<()> {
        if l >= LANES || spins.len() != self.n() || spins.iter().any(|&s| s != 1 && s != -1) {
            return Err(invalid(format!(
                "lane {l}: need {} spins of ±1 and a lane below {LANES}",
                self.n()
            )));
        }
        for (site, &s) in self.spins.iter_mut().zip(spins) {
            site[l] = s as f32;
        }
        Ok(())
    }

    /// The configuration of lane `l`.
    pub fn lane_spins(&self, l: usize) -> Vec<i8> {
        self.spins.iter().map(|site| site[l] as i8).collect()
    }

    /// Copies the lanes whose bit is set in `mask` from `other` (same size).
    pub fn copy_lanes(&mut self, other: &LaneSpins, mask: u32) {
        for (a, b) in self.spins.iter_mut().zip(&other.spins) {
            for l in 0..LANES {
                if mask >> l & 1 == 1 {
                    a[l] = b[l];
                }
            }
        }
    }

    /// The energy of every lane, `H = −Σ_i s_i (h_i + Σ_{j>i} J_ij s_j)` in double precision
    /// (each bond once: a site's later neighbours come first in its row).
    pub fn energies(&self, model: &LaneModel) -> [f64; LANES] {
        let mut e = [0.0; LANES];
        for (i, s) in self.spins.iter().enumerate() {
            let mut h = [model.fields64[i]; LANES];
            for k in model.offsets[i]..model.offsets[i + 1] {
                let j = model.targets[k] as usize;
                if j < i {
                    break;
                }
                let (sj, w) = (&self.spins[j], model.couplings64[k]);
                for l in 0..LANES {
                    h[l] += w * sj[l] as f64;
                }
            }
            for l in 0..LANES {
                e[l] -= s[l] as f64 * h[l];
            }
        }
        e
    }

    /// The magnetization `Σ_i s_i` of every lane.
    pub fn magnetizations(&self) -> [i64; LANES] {
        // Summed in f64 (exact, and a loop that vectorizes), converted once.
        let mut m = [0.0f64; LANES];
        for s in &self.spins {
            for l in 0..LANES {
                m[l] += s[l] as f64;
            }
        }
        m.map(|m| m as i64)
    }
}

/// What one sweep did in every lane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepTally {
    /// Accepted flips.
    pub flips: [u32; LANES],
    /// Energy change, `Σ ΔE` over the accepted flips (from the single-precision ΔE).
    pub energy_change: [f64; LANES],
}

/// Single-spin-flip Monte Carlo of [`LaneSpins`] at fixed β (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneSweeper {
    rule: Rule,
    order: Order,
    beta: f64,
}

/// Update modes of the kernel.
const METROPOLIS: u8 = 0;
const HEAT_BATH: u8 = 1;
const QUENCH: u8 = 2;

impl LaneSweeper {
    /// A sweeper at inverse temperature `beta` (finite, ≥ 0).
    pub fn new(rule: Rule, order: Order, beta: f64) -> Result<Self> {
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(invalid(format!("β = {beta}: need a finite β ≥ 0")));
        }
        Ok(LaneSweeper { rule, order, beta })
    }

    /// The inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// One sweep: N attempted flips in each of the 32 lanes (`state` must be a configuration
    /// of `model`'s sites).
    pub fn sweep(
        &self,
        model: &LaneModel,
        state: &mut LaneSpins,
        rng: &mut MultiRng,
    ) -> SweepTally {
        self.sweep_on(Kernel::best(), model, state, rng)
    }

    pub(crate) fn sweep_on(
        &self,
        kernel: Kernel,
        model: &LaneModel,
        state: &mut LaneSpins,
        rng: &mut MultiRng,
    ) -> SweepTally {
        let scale = (-2.0 * self.beta * std::f64::consts::LOG2_E) as f32;
        let random = self.order == Order::Random;
        match self.rule {
            Rule::Metropolis => sweep::<METROPOLIS>(kernel, model, state, rng, scale, random),
            Rule::HeatBath => sweep::<HEAT_BATH>(kernel, model, state, rng, scale, random),
        }
    }
}

/// Zero-temperature quench of every lane: sequential sweeps flipping each spin whose flip
/// lowers the energy (x < 0 in single precision), until none does. Deterministic. Returns the
/// number of sweeps. (A lane whose |x| is within rounding of 0 may keep a spin the exact
/// energy would flip: follow with the scalar [`quench`](crate::mc::quench) where that matters.)
pub fn quench(model: &LaneModel, state: &mut LaneSpins) -> usize {
    // Never draws.
    let mut rng = MultiRng::from_state([[1; W]; 4]);
    let mut sweeps = 0;
    loop {
        sweeps += 1;
        let t = sweep::<QUENCH>(Kernel::best(), model, state, &mut rng, 0.0, false);
        if t.flips.iter().all(|&f| f == 0) {
            return sweeps;
        }
    }
}

fn sweep<const MODE: u8>(
    kernel: Kernel,
    model: &LaneModel,
    state: &mut LaneSpins,
    rng: &mut MultiRng,
    scale: f32,
    random: bool,
) -> SweepTally {
    assert_eq!(state.n(), model.n(), "lanes of another model");
    let mut tally = SweepTally {
        flips: [0; LANES],
        energy_change: [0.0; LANES],
    };
    kernel.run(Sweep::<MODE> {
        model,
        spins: &mut state.spins,
        rng,
        scale,
        random,
        tally: &mut tally,
    });
    tally
}

/// One sweep, as a kernel [`Body`].
struct Sweep<'a, const MODE: u8> {
    model: &'a LaneModel,
    spins: &'a mut [[f32; LANES]],
    rng: &'a mut MultiRng,
    /// −2β log₂ e: t = scale · x is the exponent of 2 in e^{−2βx}.
    scale: f32,
    /// Random order (else sequential).
    random: bool,
    tally: &'a mut SweepTally,
}

/// Registers per site (8 lanes each).
const REGS: usize = LANES / 8;

/// Sites whose energy changes are summed in single precision before they are added to the
/// double-precision totals.
const FLUSH: usize = 64;

impl<const MODE: u8> Body for Sweep<'_, MODE> {
    #[inline(always)]
    fn run<V: Simd>(self) -> u64 {
        sweep_body::<V::F32, V, MODE>(self)
    }
}

#[inline(always)]
fn sweep_body<F: F32s, V: Simd<F32 = F>, const MODE: u8>(sw: Sweep<'_, MODE>) -> u64 {
    let Sweep {
        model,
        spins,
        rng,
        scale,
        random,
        tally,
    } = sw;
    let mut g = rng.load::<V>();
    let n = spins.len();
    let sites: Vec<u32> = if random {
        let mut sites = Vec::with_capacity(n.next_multiple_of(W));
        while sites.len() < n {
            for u in xoshiro(&mut g).to_array() {
                sites.push(((u as u128 * n as u128) >> 64) as u32);
            }
        }
        sites.truncate(n);
        sites
    } else {
        Vec::new()
    };
    let (zero, sign) = (F::splat(0.0), F::splat_bits(0x8000_0000));
    let scale = F::splat(scale);
    let mut flips = [zero; REGS];
    let mut half_de = [zero; REGS];
    for step in 0..n {
        let i = if random { sites[step] as usize } else { step };
        let mut h = [F::splat(model.fields[i]); REGS];
        for k in model.offsets[i]..model.offsets[i + 1] {
            let (sj, w) = (
                &spins[model.targets[k] as usize],
                F::splat(model.couplings[k]),
            );
            for r in 0..REGS {
                h[r] = w.mul_add(F::load(&sj[8 * r..]), h[r]);
            }
        }
        let s = &mut spins[i];
        for r in 0..REGS {
            let si = F::load(&s[8 * r..]);
            let x = si.mul(h[r]);
            let flip = match MODE {
                QUENCH => x.lt(zero),
                _ => {
                    // = scale · x, one multiplication after the field instead of two.
                    let t = scale.mul(si).mul(h[r]);
                    let q = if MODE == METROPOLIS {
                        exp2_nonpositive(t.min(zero))
                    } else {
                        let e = exp2_nonpositive(t.min(zero.sub(t)));
                        let one = F::splat(1.0);
                        F::select(t.lt(zero), e, one).div(one.add(e))
                    };
                    uniform(xoshiro(&mut g).bits32()).le(q)
                }
            };
            si.xor(flip.and(sign)).store(&mut s[8 * r..]);
            // A true lane is all ones, i.e. −1 as an integer.
            flips[r] = flips[r].sub_i32(flip);
            half_de[r] = half_de[r].add(x.and(flip));
        }
        if (step + 1) % FLUSH == 0 || step + 1 == n {
            for r in 0..REGS {
                let part = half_de[r].to_array();
                for (t, p) in tally.energy_change[8 * r..8 * r + 8].iter_mut().zip(part) {
                    *t += 2.0 * p as f64;
                }
                half_de[r] = zero;
            }
        }
    }
    rng.store(&g);
    for r in 0..REGS {
        let f = flips[r].to_array();
        for (t, f) in tally.flips[8 * r..8 * r + 8].iter_mut().zip(f) {
            *t = f.to_bits();
        }
    }
    0
}

/// `(k + 1) 2⁻²⁴` for the top 24 bits k of each lane's `bits`: uniform numbers in (0, 1],
/// exact in f32.
#[inline(always)]
fn uniform<F: F32s>(bits: F) -> F {
    bits.shr_u32::<8>()
        .add_i32(F::splat_bits(1))
        .i32_to_f32()
        .mul(F::splat(1.0 / 16_777_216.0))
}

/// `2^t` for `t ≤ 0` in every lane (arguments below −126 are taken as −126: 2⁻¹²⁶ is far below
/// any uniform of [`uniform`]). `2^t = 2^n 2^f` with n = round(t), |f| ≤ 1/2, and 2^f the
/// degree-7 Taylor polynomial of `e^{f ln 2}` (truncation error < 5·10⁻⁹), evaluated in
/// Estrin's form. Branch-free, IEEE
/// single precision, no fused multiply-add: the same bits on every CPU.
#[inline(always)]
fn exp2_nonpositive<F: F32s>(t: F) -> F {
    // Adding 1.5·2²³ rounds to an integer (to nearest) in the low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    let magic = F::splat(MAGIC);
    let t = t.max(F::splat(-126.0));
    let shifted = t.add(magic);
    let y = t
        .sub(shifted.sub(magic))
        .mul(F::splat(std::f32::consts::LN_2));
    // Σ_{k ≤ 7} y^k / k! in Estrin's form: pairs, then pairs of pairs (a shorter chain of
    // dependent operations than Horner's).
    let c = |k: f32| F::splat(k);
    let pair = |a: f32, b: f32| c(b).mul_add(y, c(a));
    let y2 = y.mul(y);
    let low = y2.mul_add(pair(0.5, 1.0 / 6.0), pair(1.0, 1.0));
    let high = y2.mul_add(
        pair(1.0 / 720.0, 1.0 / 5040.0),
        pair(1.0 / 24.0, 1.0 / 120.0),
    );
    let p = y2.mul(y2).mul_add(high, low);
    // n + 127 in the exponent field: 2^n.
    let biased = shifted.sub_i32(F::splat_bits(MAGIC.to_bits() - 127));
    p.mul(biased.shl_i32::<23>())
}

/// Eight single-precision lanes and the operations the replica-lanes kernel needs. Every
/// implementation computes the same IEEE results; the integer operations act on the lanes'
/// bits as 32-bit integers (wrapping).
pub(crate) trait F32s: Copy {
    fn splat(x: f32) -> Self;
    fn splat_bits(x: u32) -> Self;
    /// The first 8 values of `a`.
    fn load(a: &[f32]) -> Self;
    /// Writes the first 8 values of `a`.
    fn store(self, a: &mut [f32]);
    fn to_array(self) -> [f32; 8];
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `self · a + b` rounded once (fused multiply-add).
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// `if self < o { self } else { o }`.
    fn min(self, o: Self) -> Self;
    /// `if self > o { self } else { o }`.
    fn max(self, o: Self) -> Self;
    /// All-ones lanes where `self < o`, zero elsewhere.
    fn lt(self, o: Self) -> Self;
    /// All-ones lanes where `self ≤ o`, zero elsewhere.
    fn le(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// `a` where `mask` is all ones, `b` where it is zero.
    fn select(mask: Self, a: Self, b: Self) -> Self;
    fn add_i32(self, o: Self) -> Self;
    fn sub_i32(self, o: Self) -> Self;
    fn shl_i32<const K: i32>(self) -> Self;
    fn shr_u32<const K: i32>(self) -> Self;
    /// The lanes' bits read as i32, converted to f32.
    fn i32_to_f32(self) -> Self;
}

impl F32s for [f32; 8] {
    #[inline(always)]
    fn splat(x: f32) -> Self {
        [x; 8]
    }
    #[inline(always)]
    fn splat_bits(x: u32) -> Self {
        [f32::from_bits(x); 8]
    }
    #[inline(always)]
    fn load(a: &[f32]) -> Self {
        a[..8].try_into().expect("8 values")
    }
    #[inline(always)]
    fn store(self, a: &mut [f32]) {
        a[..8].copy_from_slice(&self);
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        self
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        std::array::from_fn(|l| self[l] + o[l])
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        std::array::from_fn(|l| self[l] - o[l])
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        std::array::from_fn(|l| self[l] * o[l])
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        std::array::from_fn(|l| self[l].mul_add(a[l], b[l]))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        std::array::from_fn(|l| self[l] / o[l])
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        std::array::from_fn(|l| if self[l] < o[l] { self[l] } else { o[l] })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        std::array::from_fn(|l| if self[l] > o[l] { self[l] } else { o[l] })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(if self[l] < o[l] { !0 } else { 0 }))
    }
    #[inline(always)]
    fn le(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(if self[l] <= o[l] { !0 } else { 0 }))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits() & o[l].to_bits()))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits() ^ o[l].to_bits()))
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        std::array::from_fn(|l| {
            if mask[l].to_bits() >> 31 == 1 {
                a[l]
            } else {
                b[l]
            }
        })
    }
    #[inline(always)]
    fn add_i32(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits().wrapping_add(o[l].to_bits())))
    }
    #[inline(always)]
    fn sub_i32(self, o: Self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits().wrapping_sub(o[l].to_bits())))
    }
    #[inline(always)]
    fn shl_i32<const K: i32>(self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits() << K))
    }
    #[inline(always)]
    fn shr_u32<const K: i32>(self) -> Self {
        std::array::from_fn(|l| f32::from_bits(self[l].to_bits() >> K))
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        std::array::from_fn(|l| self[l].to_bits() as i32 as f32)
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use avx::Avx8;

/// [`F32s`] on one AVX register, for the AVX2 and AVX-512VL kernels.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::F32s;
    use std::arch::x86_64::*;

    /// Eight f32 lanes in a 256-bit register. Only ever created inside the AVX2 or AVX-512VL
    /// kernels, which run after those features were detected; that is what makes the
    /// `unsafe` intrinsic calls below sound.
    #[derive(Clone, Copy)]
    pub(crate) struct Avx8(pub(crate) __m256);

    // SAFETY (every `unsafe` block below): AVX2 is available, see the type's doc.
    impl Avx8 {
        #[inline(always)]
        fn int(self, o: Self, f: impl Fn(__m256i, __m256i) -> __m256i) -> Self {
            unsafe {
                Avx8(_mm256_castsi256_ps(f(
                    _mm256_castps_si256(self.0),
                    _mm256_castps_si256(o.0),
                )))
            }
        }
    }

    impl F32s for Avx8 {
        #[inline(always)]
        fn splat(x: f32) -> Self {
            Avx8(unsafe { _mm256_set1_ps(x) })
        }
        #[inline(always)]
        fn splat_bits(x: u32) -> Self {
            Avx8(unsafe { _mm256_castsi256_ps(_mm256_set1_epi32(x as i32)) })
        }
        #[inline(always)]
        fn load(a: &[f32]) -> Self {
            assert!(a.len() >= 8);
            // SAFETY: 8 values are readable (checked); unaligned load.
            Avx8(unsafe { _mm256_loadu_ps(a.as_ptr()) })
        }
        #[inline(always)]
        fn store(self, a: &mut [f32]) {
            assert!(a.len() >= 8);
            // SAFETY: 8 values are writable (checked); unaligned store.
            unsafe { _mm256_storeu_ps(a.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn to_array(self) -> [f32; 8] {
            let mut a = [0.0; 8];
            self.store(&mut a);
            a
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_add_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_sub_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_mul_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            Avx8(unsafe { _mm256_fmadd_ps(self.0, a.0, b.0) })
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_div_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn min(self, o: Self) -> Self {
            // vminps returns the second operand unless the first is smaller.
            Avx8(unsafe { _mm256_min_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_max_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn lt(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn le(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(self.0, o.0) })
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_and_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            Avx8(unsafe { _mm256_xor_ps(self.0, o.0) })
        }
        #[inline(always)]
        fn select(mask: Self, a: Self, b: Self) -> Self {
            Avx8(unsafe { _mm256_blendv_ps(b.0, a.0, mask.0) })
        }
        #[inline(always)]
        fn add_i32(self, o: Self) -> Self {
            self.int(o, |a, b| unsafe { _mm256_add_epi32(a, b) })
        }
        #[inline(always)]
        fn sub_i32(self, o: Self) -> Self {
            self.int(o, |a, b| unsafe { _mm256_sub_epi32(a, b) })
        }
        #[inline(always)]
        fn shl_i32<const K: i32>(self) -> Self {
            self.int(self, |a, _| unsafe { _mm256_slli_epi32::<K>(a) })
        }
        #[inline(always)]
        fn shr_u32<const K: i32>(self) -> Self {
            self.int(self, |a, _| unsafe { _mm256_srli_epi32::<K>(a) })
        }
        #[inline(always)]
        fn i32_to_f32(self) -> Self {
            Avx8(unsafe { _mm256_cvtepi32_ps(_mm256_castps_si256(self.0)) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp2_is_accurate_on_its_range() {
        let mut worst = 0.0f64;
        for k in 0..=2_000_000 {
            let t = (-(k as f64) * 126.0 / 2_000_000.0) as f32;
            let exact = (t as f64).exp2();
            let rel = (exp2_nonpositive([t; 8])[0] as f64 - exact).abs() / exact;
            worst = worst.max(rel);
        }
        assert!(worst < 1e-6, "worst relative error {worst}");
        assert_eq!(exp2_nonpositive([0.0; 8]), [1.0; 8]);
        assert_eq!(
            exp2_nonpositive([-1000.0; 8]),
            exp2_nonpositive([-126.0; 8])
        );
    }

    use crate::model::ModelSpec;
    use crate::rng::Streams;

    fn glass() -> Ising {
        ModelSpec::from_toml("graph = { kind = 'lattice', dims = [6, 5, 4] }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.2 }\nseed = 1")
            .unwrap()
            .build()
            .unwrap()
    }

    /// Every kernel this CPU runs gives the same bits, in every mode and order.
    #[test]
    fn kernels_agree() {
        let m = glass();
        let lm = LaneModel::new(&m).unwrap();
        let streams = Streams::new(3);
        let start = LaneSpins::random(&m, &mut streams.stream(&[0]));
        let kernels = Kernel::available();
        assert!(kernels.contains(&Kernel::Portable));
        let mut runs = Vec::new();
        for &k in &kernels {
            let (mut st, mut rng) = (start.clone(), MultiRng::new(&streams, &[1]));
            let mut tallies = Vec::new();
            for (rule, order) in [
                (Rule::Metropolis, Order::Sequential),
                (Rule::HeatBath, Order::Random),
            ] {
                let sw = LaneSweeper::new(rule, order, 0.9).unwrap();
                for _ in 0..20 {
                    tallies.push(sw.sweep_on(k, &lm, &mut st, &mut rng));
                }
            }
            runs.push((st, rng, tallies));
        }
        assert!(runs.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn serializes_and_moves_lanes() {
        let m = glass();
        let mut st = LaneSpins::random(&m, &mut Streams::new(2).stream(&[0]));
        let json = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<LaneSpins>(&json).unwrap(), st);
        let lane5 = st.lane_spins(5);
        let mut other = LaneSpins::up(m.n());
        other.copy_lanes(&st, 1 << 5);
        assert_eq!(other.lane_spins(5), lane5);
        assert_eq!(other.lane_spins(4), vec![1; m.n()]);
        st.set_lane(0, &lane5).unwrap();
        assert_eq!(st.lane_spins(0), lane5);
        assert!(st.set_lane(LANES, &lane5).is_err());
        assert!(st.set_lane(0, &lane5[1..]).is_err());
        let e = st.energies(&LaneModel::new(&m).unwrap());
        assert!((e[0] - m.energy(&lane5)).abs() < 1e-9);
        assert_eq!(
            st.magnetizations()[0],
            lane5.iter().map(|&s| s as i64).sum::<i64>()
        );
        assert!(LaneModel::check(
            &ModelSpec::from_toml("graph = { kind = 'complete', n = 5 }")
                .unwrap()
                .build()
                .unwrap()
        )
        .is_err());
        assert!(LaneSweeper::new(Rule::Metropolis, Order::Sequential, f64::NAN).is_err());
    }

    #[test]
    fn uniforms_span_the_unit_interval() {
        assert_eq!(uniform([0.0; 8])[0], 1.0 / 16_777_216.0);
        assert_eq!(uniform(<[f32; 8]>::splat_bits(u32::MAX))[0], 1.0);
    }
}
