//! Simulated annealing: single-spin-flip Monte Carlo with β raised sweep by sweep, restarted
//! many times ("reads") from independent random configurations.
//!
//! A read starts from uniformly random spins and performs one sweep (N attempted flips, see
//! [`Sweeper`]) at each inverse temperature of the schedule `β_0, β_1, …, β_{S−1}`. It then
//! ends with a zero-temperature [`quench`], so every returned configuration is a local minimum
//! (every spin aligned with its local field). The lowest energy met at the end of any sweep is
//! kept too: if that configuration, quenched, is lower than the quenched final one, it is the
//! read's best.
//!
//! Schedules ([`Schedule`]), for `S` sweeps and `k = 0, …, S−1`:
//!
//! ```text
//! linear in β:  β_k = β_0 + (β_1 − β_0) k / (S − 1)
//! geometric:    β_k = β_0 (β_1 / β_0)^{k / (S − 1)}
//! custom:       the given list (S = its length)
//! ```
//!
//! The default β range ([`default_beta_range`]) is read off the instance: with `ΔE_max` the
//! largest single-flip energy change any configuration can have (`2 max_i (Σ_j |J_ij| + |h_i|)`)
//! and `ΔE_min` the smallest nonzero single-flip energy change `2 |h_i^loc|` met in local
//! minima (those reached by quenching [`RANGE_PROBES`] random configurations, drawn from a
//! fixed stream so the range depends on the instance only),
//!
//! ```text
//! β_0 = ln 2 / ΔE_max      (the costliest flip is accepted with probability 1/2: hot)
//! β_1 = ln 100 / ΔE_min    (the cheapest uphill flip out of a minimum is accepted with
//!                           probability 1/100: cold)
//! ```
//!
//! Why local minima and not the couplings: with continuous couplings the smallest |J_ij| can
//! be orders of magnitude below any energy change met at the end of a run (for SK with
//! N = 20, `2 min |J|` gives β_1 ≈ 10⁴ and most sweeps of a geometric schedule are then spent
//! frozen; the local-minimum gap gives β_1 ≈ 10–50 and more reads reach the ground state).
//! Zero local fields (free spins) are skipped; if every probed field is zero the bound
//! `2 min(|J_ij|, |h_i|)` over nonzero entries is used instead.
//!
//! Read `r` draws its initial spins from stream `[ANNEAL, 0, r]` and its Monte Carlo moves
//! from `[ANNEAL, 1, r]` of the seed ([`Streams`]), so the same seed gives the same reads
//! whatever the number of threads.
//!
//! # Fast paths
//!
//! With [`Kernel::Auto`] (the default) the reads run on the fastest kernel the model
//! qualifies for; [`Kernel::Scalar`] forces the scalar [`Sweeper`] (the reference).
//!
//! - Dense models: reads anneal in lockstep groups on the single-precision kernel of
//!   `mc::dense` (same random numbers as the scalar path, same order of sites).
//! - Periodic 2D/3D lattices with ±J couplings and no field ([`MultiSpin::check`]): reads
//!   `64g, …, 64g + 63` anneal together as the 64 lanes of one bit-sliced
//!   [`MultiSpin`] (group g), each lane starting from its read's initial spins (stream
//!   `[ANNEAL, 0, r]`, as above) and all lanes drawing their moves from one [`MultiRng`] on
//!   path `[ANNEAL, 3, g]`. The sites are visited in checkerboard order (sequential when a
//!   side is odd) whatever `order` says, and the final quench is the deterministic
//!   [`multispin::quench`]. A read depends on its group only, so the same seed still gives
//!   the same reads whatever the number of threads or the range asked for; the energies,
//!   best configurations, traces and accepted counts mean the same as on the scalar path
//!   (accepted flips are counted as the sites that changed in a sweep, which visits every
//!   site once). A group costs the same whether 1 or 64 of its reads are wanted.
//! - Other lattice and sparse models (Gaussian couplings, fields, open boundaries, weighted
//!   graphs such as G-set instances): reads `32g, …, 32g + 31` anneal together as the lanes of
//!   one [`LaneSpins`] ([replica lanes](crate::mc::lanes): single precision, the site order
//!   of `order`), each lane starting from its read's initial spins
//!   and all drawing their moves from one [`MultiRng`] on path `[ANNEAL, 4, g]`. The energies
//!   follow the sweeps' energy changes and are recomputed exactly every 64 sweeps and at the
//!   end; the final quench runs on the lanes and is then completed by the exact scalar
//!   [`quench`], so every read still ends in a local minimum of the double-precision model.
//!   As for multispin, a read depends on its group only.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::dense::{DenseF32, Lockstep};
use crate::mc::lanes::{self, LaneModel, LaneSpins, LaneSweeper};
use crate::mc::multispin::{self, MultiRng, MultiSpin, MultiSweeper, LANES};
use crate::mc::{quench, Kernel, Order, Replica, Rule, Sweeper};
use crate::model::{Couplings, Interactions, Ising};
use crate::rng::Streams;
use crate::with_interactions;

/// First path element of the annealing streams (distinct from [`crate::rng::purpose`]).
pub const ANNEAL_STREAM: u64 = 0x616e_6e65;

/// Number of quenched random configurations probed by [`default_beta_range`].
pub const RANGE_PROBES: u64 = 4;

/// An annealing schedule: the inverse temperature of every sweep.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Schedule {
    /// β rises linearly from `beta0` to `beta1`.
    Linear {
        /// Initial (hot) inverse temperature.
        beta0: f64,
        /// Final (cold) inverse temperature.
        beta1: f64,
    },
    /// β rises geometrically (linearly in ln β) from `beta0` to `beta1`.
    Geometric {
        /// Initial (hot) inverse temperature.
        beta0: f64,
        /// Final (cold) inverse temperature.
        beta1: f64,
    },
    /// One sweep at each listed β.
    Custom {
        /// The inverse temperatures, in the order they are used.
        betas: Vec<f64>,
    },
}

/// The shape of a schedule whose range is derived from the instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleKind {
    /// Linear in β.
    Linear,
    /// Geometric in β.
    Geometric,
}

impl Schedule {
    /// A schedule of `kind` over `[beta0, beta1]`.
    pub fn new(kind: ScheduleKind, beta0: f64, beta1: f64) -> Self {
        match kind {
            ScheduleKind::Linear => Schedule::Linear { beta0, beta1 },
            ScheduleKind::Geometric => Schedule::Geometric { beta0, beta1 },
        }
    }

    /// The schedule of `kind` over the instance's [`default_beta_range`].
    pub fn default_for(model: &Ising, kind: ScheduleKind) -> Result<Self> {
        let (b0, b1) = default_beta_range(model)?;
        Ok(Schedule::new(kind, b0, b1))
    }

    /// The β of every sweep for `sweeps` sweeps (ignored by a custom schedule). Every β must
    /// be finite and positive.
    pub fn betas(&self, sweeps: u64) -> Result<Vec<f64>> {
        let check = |b: f64| {
            if b.is_finite() && b > 0.0 {
                Ok(())
            } else {
                Err(invalid(format!(
                    "annealing inverse temperatures must be finite and positive, got {b}"
                )))
            }
        };
        let ramp = |b0: f64, b1: f64, f: &dyn Fn(f64) -> f64| -> Result<Vec<f64>> {
            check(b0)?;
            check(b1)?;
            if sweeps == 0 {
                return Err(invalid("the number of annealing sweeps must be positive"));
            }
            if sweeps == 1 {
                return Ok(vec![b1]);
            }
            Ok((0..sweeps)
                .map(|k| f(k as f64 / (sweeps - 1) as f64))
                .collect())
        };
        match self {
            Schedule::Linear { beta0, beta1 } => {
                let (b0, b1) = (*beta0, *beta1);
                ramp(b0, b1, &|x| b0 + (b1 - b0) * x)
            }
            Schedule::Geometric { beta0, beta1 } => {
                let (b0, b1) = (*beta0, *beta1);
                ramp(b0, b1, &|x| b0 * (b1 / b0).powf(x))
            }
            Schedule::Custom { betas } => {
                if betas.is_empty() {
                    return Err(invalid("the custom annealing schedule is empty"));
                }
                for &b in betas {
                    check(b)?;
                }
                Ok(betas.clone())
            }
        }
    }
}

/// The default β range `(β_0, β_1) = (ln 2 / ΔE_max, ln 100 / ΔE_min)` of the
/// [module documentation](self). Fails on a model without couplings or fields.
pub fn default_beta_range(model: &Ising) -> Result<(f64, f64)> {
    let (bound_lo, hi) = energy_change_bounds(model)?;
    // Smallest nonzero 2|h_i^loc| in quenched random configurations (fixed streams).
    let streams = Streams::new(0);
    let tiny = 1e-12 * hi;
    let mut lo = f64::INFINITY;
    for k in 0..RANGE_PROBES {
        let mut rng = streams.stream(&[ANNEAL_STREAM, 2, k]);
        let mut r = Replica::random(model, &mut rng);
        quench(model, &mut r, Order::Sequential, &mut rng);
        r.resync(model);
        for &h in r.fields() {
            let de = 2.0 * h.abs();
            if de > tiny {
                lo = lo.min(de);
            }
        }
    }
    if !lo.is_finite() {
        lo = bound_lo;
    }
    Ok((std::f64::consts::LN_2 / hi, 100f64.ln() / lo))
}

/// `(2 min(|J_ij|, |h_i|) over nonzero entries, 2 max_i (Σ_j |J_ij| + |h_i|))`.
fn energy_change_bounds(model: &Ising) -> Result<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi: f64 = 0.0;
    for i in 0..model.n() {
        let h = model.fields()[i].abs();
        if h > 0.0 {
            lo = lo.min(2.0 * h);
        }
        let mut total = h;
        with_interactions!(model.couplings(), c => c.for_each_coupling(i, |_, w| {
            if w != 0.0 {
                lo = lo.min(2.0 * w.abs());
            }
            total += w.abs();
        }));
        hi = hi.max(2.0 * total);
    }
    if !(hi > 0.0 && lo.is_finite()) {
        return Err(invalid(
            "the model has no couplings and no fields: every configuration has the same energy",
        ));
    }
    Ok((lo, hi))
}

/// How to anneal.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnealConfig {
    /// The schedule.
    pub schedule: Schedule,
    /// Sweeps per read (ignored by a custom schedule, which has one sweep per entry).
    pub sweeps: u64,
    /// Number of independent restarts (≥ 1).
    pub reads: usize,
    /// Acceptance rule.
    pub rule: Rule,
    /// Site order within a sweep.
    pub order: Order,
    /// Record the energy every this many sweeps (≥ 1) in each read's trace.
    pub trace_every: u64,
    /// Seed of the streams.
    pub seed: u64,
    /// Implementation of the sweeps (default: the fastest the model qualifies for, see the
    /// [module documentation](self)).
    #[serde(default)]
    pub kernel: Kernel,
}

/// One restart.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Read {
    /// Index of the read (its stream path).
    pub index: usize,
    /// Lowest energy found (a local minimum).
    pub best_energy: f64,
    /// The configuration of `best_energy`.
    pub best_spins: Vec<i8>,
    /// Energy at the end of the schedule, before the final quench.
    pub final_energy: f64,
    /// Energy after sweeps `trace_every, 2·trace_every, …` (and the last sweep).
    pub trace: Vec<f64>,
    /// Accepted flips over all sweeps.
    pub accepted: u64,
}

/// The result of [`anneal`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnnealResult {
    /// The β of every sweep.
    pub betas: Vec<f64>,
    /// Sweep numbers (1-based) at which the traces were recorded.
    pub trace_sweeps: Vec<u64>,
    /// The reads, by index.
    pub reads: Vec<Read>,
}

impl AnnealResult {
    /// The read with the lowest energy (the first one among equals).
    pub fn best(&self) -> &Read {
        self.reads
            .iter()
            .reduce(|a, b| if b.best_energy < a.best_energy { b } else { a })
            .expect("at least one read")
    }

    /// How many reads reached energy `e` within `tol` (or went below it).
    pub fn hits(&self, e: f64, tol: f64) -> usize {
        self.reads
            .iter()
            .filter(|r| r.best_energy <= e + tol)
            .count()
    }
}

/// Runs `config.reads` independent annealing reads in parallel (see the
/// [module documentation](self)).
pub fn anneal(model: &Ising, config: &AnnealConfig) -> Result<AnnealResult> {
    if config.reads == 0 {
        return Err(invalid("the number of annealing reads must be at least 1"));
    }
    if config.trace_every == 0 {
        return Err(invalid("trace_every must be at least 1"));
    }
    let annealer = Annealer::new(model, config)?;
    let reads = annealer.reads(0..config.reads);
    let s = annealer.sweepers.len() as u64;
    let trace_sweeps: Vec<u64> = (1..=s)
        .filter(|k| k % config.trace_every == 0 || *k == s)
        .collect();
    Ok(AnnealResult {
        betas: annealer.sweepers.betas,
        trace_sweeps,
        reads,
    })
}

/// Reads of one annealing configuration on demand (for searches that run batch after batch,
/// like [`crate::mc::ground`]): read `r` is the same as read `r` of [`anneal`] with the same
/// configuration (`config.reads` is ignored).
pub struct Annealer<'m> {
    model: &'m Ising,
    config: AnnealConfig,
    sweepers: Sweepers,
    streams: Streams,
    /// Single-precision couplings of a dense model (its fast path, `mc::dense`).
    dense: Option<DenseF32>,
    /// The multispin or replica-lanes route of a lattice or sparse model.
    groups: Option<Box<Groups>>,
}

/// A route of an [`Annealer`] that anneals its reads in fixed groups, one group per kernel
/// state.
struct Groups {
    kernel: GroupKernel,
    /// The last group annealed (its index and reads), reused when the next range asks for it
    /// again (searches ask for consecutive batches smaller than a group).
    last_group: Mutex<Option<(usize, Vec<Read>)>>,
}

/// The kernel of a [`Groups`] route.
enum GroupKernel {
    /// 64 reads per group bit-sliced (the model, all spins up).
    Multispin(MultiSpin),
    /// 32 reads per group in single-precision lanes.
    Replicas(LaneModel),
}

impl GroupKernel {
    /// Reads per group.
    fn size(&self) -> usize {
        match self {
            GroupKernel::Multispin(_) => LANES,
            GroupKernel::Replicas(_) => lanes::LANES,
        }
    }
}

impl<'m> Annealer<'m> {
    /// Validates the schedule and prepares the sweeps.
    pub fn new(model: &'m Ising, config: &AnnealConfig) -> Result<Self> {
        if config.trace_every == 0 {
            return Err(invalid("trace_every must be at least 1"));
        }
        let betas = config.schedule.betas(config.sweeps)?;
        let sweepers = Sweepers::new(model, config, betas)?;
        let group = |kernel| {
            Some(Box::new(Groups {
                kernel,
                last_group: Mutex::new(None),
            }))
        };
        let (dense, groups) = match (kernel_name(model, config)?, model.couplings()) {
            ("dense", Couplings::Dense(c)) => (Some(DenseF32::new(c)?), None),
            ("multispin", _) => (None, group(GroupKernel::Multispin(MultiSpin::new(model)?))),
            ("lanes", _) => (None, group(GroupKernel::Replicas(LaneModel::new(model)?))),
            _ => (None, None),
        };
        Ok(Annealer {
            model,
            config: config.clone(),
            sweepers,
            streams: Streams::new(config.seed),
            dense,
            groups,
        })
    }

    /// The inverse temperature of every sweep.
    pub fn betas(&self) -> &[f64] {
        &self.sweepers.betas
    }

    /// The reads with indices in `range`, run in parallel. On a dense model they anneal in
    /// lockstep groups (one per thread) on the single-precision fast path of `mc::dense`;
    /// the grouping does not change any read. On a lattice or sparse model with a fast route
    /// (see the [module docs](self)) the groups of 64 (multispin) or 32 (replica lanes)
    /// reads that overlap `range` run one group per task; the last group is kept, so
    /// consecutive small ranges inside one group anneal it once.
    pub fn reads(&self, range: std::ops::Range<usize>) -> Vec<Read> {
        if let Some(route) = &self.groups {
            if range.is_empty() {
                return Vec::new();
            }
            let size = route.kernel.size();
            let groups: Vec<usize> = (range.start / size..range.end.div_ceil(size)).collect();
            let kept = route.last_group.lock().expect("no panic while held").take();
            let mut runs: Vec<(usize, Vec<Read>)> = groups
                .par_iter()
                .map(|&g| match (&kept, &route.kernel) {
                    (Some((k, reads)), _) if *k == g => (g, reads.clone()),
                    (_, GroupKernel::Multispin(base)) => (g, anneal_lanes(self, base, g)),
                    (_, GroupKernel::Replicas(lm)) => (g, anneal_replicas(self, lm, g)),
                })
                .collect();
            let reads = runs
                .iter()
                .flat_map(|(_, reads)| reads.iter().filter(|r| range.contains(&r.index)))
                .cloned()
                .collect();
            *route.last_group.lock().expect("no panic while held") = runs.pop();
            return reads;
        }
        let group = match self.dense {
            Some(_) => range
                .len()
                .div_ceil(rayon::current_num_threads())
                .clamp(1, LOCKSTEP_MAX),
            None => 1,
        };
        let indices: Vec<usize> = range.collect();
        indices
            .par_chunks(group)
            .flat_map_iter(|chunk| {
                let (m, c) = (self.model, &self.config);
                anneal_group(
                    m,
                    self.dense.as_ref(),
                    c,
                    &self.sweepers,
                    &self.streams,
                    chunk,
                )
            })
            .collect()
    }
}

/// The name of the implementation [`anneal`] runs the reads of `model` on (see the [module
/// docs](self)): `"dense"`, `"multispin"`, `"lanes"` or `"scalar"`. An error for
/// [`Kernel::SitePacked`], which runs scans only.
pub fn kernel_name(model: &Ising, config: &AnnealConfig) -> Result<&'static str> {
    Ok(match (config.kernel, model.couplings()) {
        (Kernel::SitePacked, _) => {
            return Err(invalid(
                "the site-packed kernel runs temperature scans only; anneal with auto or scalar",
            ))
        }
        (Kernel::Scalar, _) => "scalar",
        (Kernel::Auto, Couplings::Dense(_)) => "dense",
        (Kernel::Auto, _) if MultiSpin::check(model).is_ok() => "multispin",
        (Kernel::Auto, _) if LaneModel::check(model).is_ok() => "lanes",
        (Kernel::Auto, _) => "scalar",
    })
}

/// Largest number of acceptance-table entries kept for a whole schedule (32 MiB); longer
/// schedules build each sweep's table when it is needed.
const TABLE_BUDGET: usize = 1 << 22;

/// The sweepers of a schedule: all built once when their tables fit in [`TABLE_BUDGET`],
/// else built sweep by sweep (a table has at most 513 entries, cheap next to a sweep).
struct Sweepers {
    betas: Vec<f64>,
    rule: Rule,
    order: Order,
    cached: Option<Vec<Sweeper>>,
}

impl Sweepers {
    fn new(model: &Ising, config: &AnnealConfig, betas: Vec<f64>) -> Result<Self> {
        // Validates β (and builds the first table) even when nothing is cached.
        let first = Sweeper::new(model, config.rule, config.order, betas[0])?;
        let per = 2 * model.integer_field_bound().unwrap_or(0) as usize + 1;
        let cached = if betas.len().saturating_mul(per) <= TABLE_BUDGET {
            let mut out = vec![first];
            for &b in &betas[1..] {
                match out.last() {
                    Some(s) if s.beta() == b => out.push(s.clone()),
                    _ => out.push(Sweeper::new(model, config.rule, config.order, b)?),
                }
            }
            Some(out)
        } else {
            None
        };
        Ok(Sweepers {
            betas,
            rule: config.rule,
            order: config.order,
            cached,
        })
    }

    fn len(&self) -> usize {
        self.betas.len()
    }

    /// Calls `f` with the sweeper of every sweep, in order.
    fn for_each(&self, model: &Ising, mut f: impl FnMut(usize, &Sweeper)) {
        match &self.cached {
            Some(v) => v.iter().enumerate().for_each(|(k, s)| f(k, s)),
            None => {
                for (k, &b) in self.betas.iter().enumerate() {
                    let s = Sweeper::new(model, self.rule, self.order, b)
                        .expect("β validated by Schedule::betas");
                    f(k, &s);
                }
            }
        }
    }
}

/// Most reads annealed in one lockstep group: enough to share each block of coupling rows
/// many times, few enough that the group's fields stay in cache (32 × N f32 = 512 KiB at
/// N = 4000).
const LOCKSTEP_MAX: usize = 32;

/// Anneals the reads `indices`: one by one with the scalar kernel, or, given the model's
/// single-precision couplings `dense`, together on the dense fast path ([`Lockstep`]). Either
/// way each read is the same as annealed alone.
fn anneal_group(
    model: &Ising,
    dense: Option<&DenseF32>,
    config: &AnnealConfig,
    sweepers: &Sweepers,
    streams: &Streams,
    indices: &[usize],
) -> Vec<Read> {
    let mut rngs = Vec::with_capacity(indices.len());
    let mut replicas = Vec::with_capacity(indices.len());
    for &index in indices {
        let mut init = streams.stream(&[ANNEAL_STREAM, 0, index as u64]);
        replicas.push(Replica::random(model, &mut init));
        rngs.push(streams.stream(&[ANNEAL_STREAM, 1, index as u64]));
    }
    let mut best: Vec<(f64, Vec<i8>)> = replicas
        .iter()
        .map(|r| (r.energy(), r.spins().to_vec()))
        .collect();
    let mut traces = vec![Vec::new(); indices.len()];
    let mut accepted = vec![0; indices.len()];
    let s = sweepers.len() as u64;
    let mut lockstep = dense.map(|j| Lockstep::new(model, j, &replicas));
    sweepers.for_each(model, |k, sweeper| {
        match &mut lockstep {
            Some(group) => group.sweep(sweeper, &mut replicas, &mut rngs, &mut accepted),
            None => {
                for ((r, rng), a) in replicas.iter_mut().zip(&mut rngs).zip(&mut accepted) {
                    *a += sweeper.sweep(model, r, rng);
                }
            }
        }
        let k = k as u64 + 1;
        for ((r, best), trace) in replicas.iter().zip(&mut best).zip(&mut traces) {
            if r.energy() < best.0 {
                *best = (r.energy(), r.spins().to_vec());
            }
            if k % config.trace_every == 0 || k == s {
                trace.push(r.energy());
            }
        }
    });
    let parts = replicas.into_iter().zip(rngs).zip(best).zip(traces);
    parts
        .zip(indices.iter().zip(accepted))
        .map(|((((mut r, mut rng), best), trace), (&index, accepted))| {
            r.resync(model);
            let final_energy = r.energy();
            quench(model, &mut r, config.order, &mut rng);
            r.resync(model);
            // The best configuration seen, quenched too, may beat the quenched final one.
            let mut b = Replica::new(model, best.1).expect("valid spins");
            quench(model, &mut b, config.order, &mut rng);
            b.resync(model);
            let winner = if b.energy() < r.energy() { b } else { r };
            Read {
                index,
                best_energy: winner.energy(),
                best_spins: winner.into_spins(),
                final_energy,
                trace,
                accepted,
            }
        })
        .collect()
}

/// Stream path element of the multispin groups' Monte Carlo moves (after the initial spins,
/// 0, and the scalar moves, 1; 2 is [`default_beta_range`]'s).
const MULTISPIN_MOVES: u64 = 3;

/// Stream path element of the replica-lanes groups' Monte Carlo moves.
const REPLICA_MOVES: u64 = 4;

/// Sweeps between exact recomputations of the replica lanes' energies (in between they follow
/// the sweeps' single-precision energy changes).
const RESYNC: usize = 64;

/// Anneals reads `32 group, …, 32 group + 31` as the lanes of a [`LaneSpins`] (see the
/// [module documentation](self)).
fn anneal_replicas(annealer: &Annealer, lm: &LaneModel, group: usize) -> Vec<Read> {
    let (model, config, streams) = (annealer.model, &annealer.config, &annealer.streams);
    let first = group * lanes::LANES;
    let mut st = LaneSpins::up(model.n());
    for k in 0..lanes::LANES {
        let mut init = streams.stream(&[ANNEAL_STREAM, 0, (first + k) as u64]);
        st.set_lane(k, Replica::random(model, &mut init).spins())
            .expect("a configuration of the model");
    }
    let mut rng = MultiRng::new(streams, &[ANNEAL_STREAM, REPLICA_MOVES, group as u64]);
    let mut energies = st.energies(lm);
    let (mut best_energies, mut best) = (energies, st.clone());
    let mut traces = vec![Vec::new(); lanes::LANES];
    let mut accepted = [0u64; lanes::LANES];
    let betas = &annealer.sweepers.betas;
    for (k, &beta) in betas.iter().enumerate() {
        let sweeper = LaneSweeper::new(config.rule, config.order, beta)
            .expect("β validated by Schedule::betas");
        let t = sweeper.sweep(lm, &mut st, &mut rng);
        for l in 0..lanes::LANES {
            accepted[l] += t.flips[l] as u64;
            energies[l] += t.energy_change[l];
        }
        let k = k + 1;
        if k % RESYNC == 0 || k == betas.len() {
            energies = st.energies(lm);
        }
        let mut improved = 0u32;
        for (l, (b, &e)) in best_energies.iter_mut().zip(&energies).enumerate() {
            if e < *b {
                *b = e;
                improved |= 1 << l;
            }
        }
        best.copy_lanes(&st, improved);
        if k as u64 % config.trace_every == 0 || k == betas.len() {
            for (t, &e) in traces.iter_mut().zip(&energies) {
                t.push(e);
            }
        }
    }
    // Both quenched on the lanes, then polished by the exact scalar quench (a spin whose
    // single-precision field rounds to the wrong sign); the better one is the read's best.
    lanes::quench(lm, &mut st);
    lanes::quench(lm, &mut best);
    let polish = |spins: Vec<i8>| {
        let mut r = Replica::new(model, spins).expect("a configuration of the model");
        quench(model, &mut r, Order::Sequential, &mut rng_for_quench());
        r.resync(model);
        r
    };
    (0..lanes::LANES)
        .map(|l| {
            let (q, b) = (polish(st.lane_spins(l)), polish(best.lane_spins(l)));
            let winner = if b.energy() < q.energy() { b } else { q };
            Read {
                index: first + l,
                best_energy: winner.energy(),
                best_spins: winner.into_spins(),
                final_energy: energies[l],
                trace: std::mem::take(&mut traces[l]),
                accepted: accepted[l],
            }
        })
        .collect()
}

/// A stream for a sequential quench, which never draws.
fn rng_for_quench() -> crate::rng::Rng {
    Streams::new(0).stream(&[ANNEAL_STREAM, REPLICA_MOVES])
}

/// Anneals reads `64 group, …, 64 group + 63` as the lanes of a copy of `base` (see the
/// [module documentation](self)).
fn anneal_lanes(annealer: &Annealer, base: &MultiSpin, group: usize) -> Vec<Read> {
    let (model, config, streams) = (annealer.model, &annealer.config, &annealer.streams);
    let first = group * LANES;
    let mut st = base.clone();
    for k in 0..LANES {
        let mut init = streams.stream(&[ANNEAL_STREAM, 0, (first + k) as u64]);
        st.set_lane(k, Replica::random(model, &mut init).spins())
            .expect("a configuration of the lattice");
    }
    let mut rng = MultiRng::new(streams, &[ANNEAL_STREAM, MULTISPIN_MOVES, group as u64]);
    let mut energies = st.energies();
    let (mut best_energies, mut best) = (energies, st.clone());
    let mut before = st.clone();
    let mut traces = vec![Vec::new(); LANES];
    let mut accepted = [0u64; LANES];
    let betas = &annealer.sweepers.betas;
    for (k, &beta) in betas.iter().enumerate() {
        let sweeper =
            MultiSweeper::new(&st, config.rule, beta).expect("β validated by Schedule::betas");
        before.copy_lanes(&st, !0);
        sweeper.sweep(&mut st, &mut rng);
        for (a, d) in accepted.iter_mut().zip(st.differing_sites(&before)) {
            *a += d;
        }
        energies = st.energies();
        let mut improved = 0u64;
        for (l, (b, &e)) in best_energies.iter_mut().zip(&energies).enumerate() {
            if e < *b {
                *b = e;
                improved |= 1 << l;
            }
        }
        best.copy_lanes(&st, improved);
        let k = k as u64 + 1;
        if k % config.trace_every == 0 || k == betas.len() as u64 {
            for (t, &e) in traces.iter_mut().zip(&energies) {
                t.push(e);
            }
        }
    }
    // The best configurations seen, quenched too, may beat the quenched final ones.
    multispin::quench(&mut st);
    multispin::quench(&mut best);
    let (quenched, quenched_best) = (st.energies(), best.energies());
    traces
        .into_iter()
        .enumerate()
        .map(|(l, trace)| {
            let (best_energy, winner) = if quenched_best[l] < quenched[l] {
                (quenched_best[l], &best)
            } else {
                (quenched[l], &st)
            };
            Read {
                index: first + l,
                best_energy,
                best_spins: winner.lane_spins(l),
                final_energy: energies[l],
                trace,
                accepted: accepted[l],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::model::ModelSpec;

    fn model(toml: &str) -> Ising {
        ModelSpec::from_toml(toml).unwrap().build().unwrap()
    }

    /// The reads of `anneal` on one thread, checked equal to those on two.
    fn anneal_on_1_and_2_threads(m: &Ising, cfg: &AnnealConfig) -> AnnealResult {
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| anneal(m, cfg).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2), "thread count changed the reads");
        one
    }

    fn config(sweeps: u64, reads: usize, seed: u64) -> AnnealConfig {
        AnnealConfig {
            schedule: Schedule::Geometric {
                beta0: 0.1,
                beta1: 3.0,
            },
            sweeps,
            reads,
            rule: Rule::Metropolis,
            order: Order::Random,
            trace_every: 10,
            seed,
            kernel: Kernel::Auto,
        }
    }

    #[test]
    fn schedules() {
        let l = Schedule::Linear {
            beta0: 1.0,
            beta1: 3.0,
        };
        assert_eq!(l.betas(3).unwrap(), vec![1.0, 2.0, 3.0]);
        let g = Schedule::Geometric {
            beta0: 1.0,
            beta1: 4.0,
        };
        let b = g.betas(3).unwrap();
        assert!((b[1] - 2.0).abs() < 1e-12 && (b[2] - 4.0).abs() < 1e-12);
        assert_eq!(g.betas(1).unwrap(), vec![4.0]);
        assert!(g.betas(0).is_err());
        let bad = Schedule::Linear {
            beta0: -1.0,
            beta1: 1.0,
        };
        assert!(bad.betas(10).unwrap_err().to_string().contains("positive"));
        assert!(Schedule::Custom { betas: vec![] }.betas(5).is_err());
        let c = Schedule::Custom {
            betas: vec![0.5, 1.0],
        };
        assert_eq!(c.betas(99).unwrap(), vec![0.5, 1.0]);
    }

    #[test]
    fn default_range_from_the_instance() {
        // 2D ferromagnet: ΔE_max = 8; in a local minimum |h^loc| ∈ {0, 2, 4}, so ΔE_min is 4
        // (a domain wall) or 8 (all aligned).
        let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
        let (b0, b1) = default_beta_range(&m).unwrap();
        assert!((b0 - 2f64.ln() / 8.0).abs() < 1e-15);
        let l = 100f64.ln();
        assert!(
            (b1 - l / 4.0).abs() < 1e-15 || (b1 - l / 8.0).abs() < 1e-15,
            "{b1}"
        );
        // SK: far below the 2 min|J| bound (≈ 10⁴ here), still cold.
        let sk = model(
            "graph = { kind = 'complete', n = 20 }\ncouplings = { law = 'gaussian' }\nseed = 7",
        );
        let (b0, b1) = default_beta_range(&sk).unwrap();
        let (lo, _) = energy_change_bounds(&sk).unwrap();
        assert!(
            b1 < 0.01 * 100f64.ln() / lo && b1 > 5.0 && b0 < 0.2,
            "{b0} {b1}"
        );
        let free = Ising::from_edges(3, &[], vec![]).unwrap();
        assert!(default_beta_range(&free).is_err());
    }

    #[test]
    fn finds_ground_states_and_is_thread_independent() {
        for (k, spec) in [
            "graph = { kind = 'complete', n = 16 }\ncouplings = { law = 'gaussian' }\nseed = 3",
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 8",
            "graph = { kind = 'random-regular', n = 18, degree = 3 }\ncouplings = { law = 'plus-minus' }\nseed = 2",
        ]
        .iter()
        .enumerate()
        {
            let m = model(spec);
            let exact = enumerate(&m, &[1.0]).unwrap();
            let cfg = config(300, 32, 40 + k as u64);
            let one = anneal_on_1_and_2_threads(&m, &cfg);
            let tol = 1e-9 * exact.ground_energy.abs().max(1.0);
            let hits = one.hits(exact.ground_energy, tol);
            assert!(
                hits * 2 > cfg.reads,
                "{spec}: {hits}/{} reads at E0 = {}",
                cfg.reads,
                exact.ground_energy
            );
            for r in &one.reads {
                assert!(r.best_energy >= exact.ground_energy - tol);
                let rep = Replica::new(&m, r.best_spins.clone()).unwrap();
                assert!(rep.is_local_minimum());
                assert!((m.energy(&r.best_spins) - r.best_energy).abs() < 1e-9);
                assert_eq!(r.trace.len(), one.trace_sweeps.len());
            }
            assert_eq!(one.trace_sweeps.last(), Some(&300));
        }
    }

    #[test]
    fn uncached_tables_give_the_same_reads() {
        let m = model(
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }",
        );
        let cfg = config(200, 1, 3);
        let betas = cfg.schedule.betas(cfg.sweeps).unwrap();
        let cached = Sweepers::new(&m, &cfg, betas.clone()).unwrap();
        assert!(cached.cached.is_some());
        let mut lazy = Sweepers::new(&m, &cfg, betas).unwrap();
        lazy.cached = None;
        let streams = Streams::new(cfg.seed);
        assert_eq!(
            anneal_group(&m, None, &cfg, &cached, &streams, &[0]),
            anneal_group(&m, None, &cfg, &lazy, &streams, &[0])
        );
    }

    /// Reads of a qualifying lattice run on the multispin kernel, other lattice and sparse
    /// models on replica lanes: the same reads whatever the thread count or the range asked
    /// for, quenched local minima with consistent energies, and different random numbers
    /// from the scalar path.
    #[test]
    fn group_routes_are_reproducible_and_end_in_local_minima() {
        for (spec, size) in [
            ("graph = { kind = 'lattice', dims = [4, 4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 5", LANES),
            ("graph = { kind = 'lattice', dims = [3, 5] }\ncouplings = { law = 'plus-minus' }\nseed = 6", LANES),
            ("graph = { kind = 'lattice', dims = [5, 4], periodic = false }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.2 }\nseed = 6", lanes::LANES),
            ("graph = { kind = 'random-regular', n = 30, degree = 3 }\ncouplings = { law = 'gaussian' }\nseed = 1", lanes::LANES),
        ] {
            let m = model(spec);
            let cfg = config(100, 100, 9);
            let annealer = Annealer::new(&m, &cfg).unwrap();
            assert_eq!(annealer.groups.as_ref().map(|g| g.kernel.size()), Some(size));
            let name = if size == LANES { "multispin" } else { "lanes" };
            assert_eq!(kernel_name(&m, &cfg).unwrap(), name);
            let one = anneal_on_1_and_2_threads(&m, &cfg);
            assert_eq!(annealer.reads(60..70), one.reads[60..70].to_vec());
            assert!(annealer.reads(7..7).is_empty());
            // Consecutive batches inside one group (the kept group) and across two.
            let batches: Vec<Read> = [0..4, 4..8, 8..60, 60..64, 64..70]
                .into_iter()
                .flat_map(|r| annealer.reads(r))
                .collect();
            assert_eq!(batches, one.reads[..70].to_vec());
            let scalar = anneal(
                &m,
                &AnnealConfig {
                    kernel: Kernel::Scalar,
                    ..cfg.clone()
                },
            )
            .unwrap();
            assert_ne!(one.reads, scalar.reads);
            for (k, r) in one.reads.iter().enumerate() {
                assert_eq!(r.index, k);
                let rep = Replica::new(&m, r.best_spins.clone()).unwrap();
                assert!(rep.is_local_minimum(), "read {k}");
                assert!((m.energy(&r.best_spins) - r.best_energy).abs() < 1e-9);
                // Replica lanes follow their energies in single precision between exact
                // recomputations: their trace may sit a rounding error below the best.
                let lowest = r.trace.iter().copied().fold(f64::INFINITY, f64::min);
                assert!(
                    r.best_energy <= lowest + 1e-6 * lowest.abs().max(1.0),
                    "{} > {lowest}",
                    r.best_energy
                );
                assert_eq!(r.trace.len(), one.trace_sweeps.len());
                assert_eq!(r.trace.last(), Some(&r.final_energy));
                assert!(r.accepted > 0 && r.accepted <= 100 * m.n() as u64);
            }
        }
    }

    /// At fixed β (a constant custom schedule) the reads' final energies sample the Gibbs
    /// distribution whatever the kernel and site order: the multispin (or replica-lanes) and
    /// scalar means agree within 4σ (replica lanes use the scalar path's random order, so
    /// their acceptance rates agree at both temperatures). So do the acceptance rates (counted differently: accepted attempts on the
    /// scalar path, changed sites per sweep on the multispin one) where the relaxation from
    /// the random start, whose speed depends on the site order, takes a sweep or two
    /// (β = 0.3); at β = 0.7 it lasts long enough to shift the acceptance of 400 sweeps by
    /// several σ (checkerboard 0.1252 vs random order 0.1276), so only the energy is compared.
    #[test]
    fn group_routes_agree_with_scalar_at_fixed_temperature() {
        let glass = "graph = { kind = 'lattice', dims = [4, 4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 2";
        let gauss = "graph = { kind = 'lattice', dims = [4, 4, 4] }\ncouplings = { law = 'gaussian' }\nseed = 2";
        for (spec, beta, sweeps, acceptance) in [
            (glass, 0.3, 200, true),
            (glass, 0.7, 400, false),
            (gauss, 0.4, 200, true),
            (gauss, 1.0, 400, true),
        ] {
            let m = model(spec);
            let mut cfg = config(0, 256, 11);
            cfg.schedule = Schedule::Custom {
                betas: vec![beta; sweeps],
            };
            let fast = anneal(&m, &cfg).unwrap();
            cfg.kernel = Kernel::Scalar;
            cfg.seed = 12;
            let slow = anneal(&m, &cfg).unwrap();
            let flips = (sweeps * m.n()) as f64;
            // (mean, squared standard error) of the final energy or of the acceptance.
            let stats = |r: &AnnealResult, acceptance: bool| {
                let x: Vec<f64> = r
                    .reads
                    .iter()
                    .map(|r| match acceptance {
                        true => r.accepted as f64 / flips,
                        false => r.final_energy,
                    })
                    .collect();
                let n = x.len() as f64;
                let mean = x.iter().sum::<f64>() / n;
                let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                (mean, var / n)
            };
            let observables = [("energy", false), ("acceptance", true)];
            for (name, f) in observables.into_iter().take(1 + acceptance as usize) {
                let ((a, va), (b, vb)) = (stats(&fast, f), stats(&slow, f));
                let z = (a - b) / (va + vb).sqrt();
                assert!(z.abs() < 4.0, "β = {beta} {name}: {a} vs {b}, z = {z}");
            }
        }
    }

    #[test]
    fn rejects_bad_config() {
        let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
        let sk = model("graph = { kind = 'complete', n = 8 }\ncouplings = { law = 'gaussian' }");
        assert_eq!(kernel_name(&sk, &config(10, 1, 1)).unwrap(), "dense");
        let mut site = config(10, 1, 1);
        site.kernel = Kernel::SitePacked;
        assert!(anneal(&m, &site)
            .unwrap_err()
            .to_string()
            .contains("site-packed"));
        site.kernel = Kernel::Scalar;
        assert_eq!(kernel_name(&m, &site).unwrap(), "scalar");
        let mut c = config(10, 0, 1);
        assert!(anneal(&m, &c).unwrap_err().to_string().contains("reads"));
        c.reads = 1;
        c.trace_every = 0;
        assert!(anneal(&m, &c).is_err());
    }
}
