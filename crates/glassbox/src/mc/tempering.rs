//! Parallel tempering (replica-exchange Monte Carlo) with independent replica sets for
//! overlaps.
//!
//! `K` temperatures `T_0 < T_1 < … < T_{K−1}` (β_k = 1/T_k) each hold `R ≥ 2` configurations,
//! one per *replica set* r = 0, …, R−1. The R sets are independent Markov chains of the same
//! model; within a set, neighbouring temperatures exchange configurations. Every
//! `exchange_every` sweeps, each set attempts the swaps of the pairs (k, k+1) with k even, or
//! with k odd, alternately (the deterministic even/odd scheme), each accepted with probability
//!
//! ```text
//! min(1, exp[(β_k − β_{k+1}) (E_k − E_{k+1})]).
//! ```
//!
//! Measurements at temperature k (every `measure_every` sweeps after thermalization),
//! intensive and averaged over the R sets (and, for overlaps, over the R(R−1)/2 pairs):
//!
//! ```text
//! e = E/N,   m = M/N,   C/N = β² N (⟨e²⟩ − ⟨e⟩²),
//! q_ab = (1/N) Σ_i s_i^a s_i^b,                                   spin overlap
//! q_l,ab = (1/N_b) Σ_{(ij)} s_i^a s_j^a s_i^b s_j^b,               link overlap (N_b bonds)
//! g = ½ (3 − ⟨q⁴⟩ / ⟨q²⟩²),                                       Binder ratio of q
//! χ_SG = N ⟨q²⟩,                                                 spin-glass susceptibility
//! ```
//!
//! On hypercubic lattices also the overlap at the smallest nonzero wave vector, averaged over
//! the d axes a (k_a = 2π/L_a along axis a, x_a(i) the coordinate of site i),
//!
//! ```text
//! q(k) = (1/N) Σ_i s_i^a s_i^b e^{i k·x_i},      F = ⟨|q(k_min)|²⟩,
//! ξ_L = sqrt(⟨q²⟩/F − 1) / (2 sin(π/L))          (second-moment correlation length),
//! ```
//!
//! ξ_L only when all sides are equal (ξ_L/L is the scale-invariant ratio whose crossing
//! locates T_c, like the Binder ratio).
//!
//! and the histogram P(q) over `q_bins` equal bins of [−1, 1] (q takes the N+1 values
//! −1, −1 + 2/N, …, 1; value number d = N(1+q)/2 goes to bin ⌊d · q_bins / (N+1)⌋, so
//! `q_bins = N + 1` histograms every value exactly). The link overlap is measured on sparse
//! and lattice couplings only (on the complete graph it is q² up to O(1/N)).
//!
//! Thermalization check by logarithmic binning: from the first sweep on (thermalization
//! included), every `measure_every` sweeps the replica-set averages of e, q² and q_l at each
//! temperature are also filed by sweep t into the windows `[2^j, 2^(j+1))`, j = 0, 1, …,
//! i.e. window j averages over the second half of a run of 2^(j+1) sweeps (the usual
//! protocol for spin glasses, e.g. Katzgraber, Palassini & Young 2001). Out of equilibrium
//! the window averages drift; the run is thermalized at a temperature when the last two
//! complete windows agree ([`log_binning_drift`] ≤ [`LOG_BINNING_SIGMAS`]).
//!
//! Diagnostics: the acceptance rate of each pair (k, k+1) and round trips. Every
//! configuration carries a label (its *walker*); a round trip is completed when a walker that
//! has visited the highest temperature since it last arrived at the lowest one arrives at the
//! lowest again; its duration (in sweeps) runs from that earlier arrival at the lowest.
//!
//! Randomness: the configuration at slot (r, k) starts from stream `[TEMPERING, 0, r, k]`,
//! the sweeps at slot (r, k) use `[TEMPERING, 1, r, k]` (the stream stays with the
//! temperature, not the configuration), and the exchanges of set r use `[TEMPERING, 2, r]`.
//! Results do not depend on the number of threads, and [`Tempering`] is serializable, so a
//! run can be checkpointed and resumed bit-identically (like [`crate::mc::Scan`]).
//!
//! Across processes: [`Tempering::split`] divides a run into groups of consecutive
//! temperatures, each advanced by its own process with [`Tempering::advance_group`]; the
//! groups talk through a [`GroupLink`] the caller implements over its transport (MPI in the
//! CLI). At each exchange the groups all-gather the energies of their configurations, every
//! group draws the same exchange decisions from its copy of the exchange streams (so the walker
//! labels, acceptance counts and round trips stay identical everywhere), and the
//! configurations that cross a group boundary are traded with the neighbouring group, whole
//! (spins, local fields, energy, magnetization). [`Tempering::join`] puts the groups back
//! together: the same state, bit for bit, as the run that was never split.

use std::ops::Range;

use rand::Rng as _;
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::houdayer::{houdayer_move, ClusterScratch};
use crate::mc::{Order, Replica, Rule, Sweeper};
use crate::measure::{disorder_average, jackknife, Estimate, Series};
use crate::model::{Couplings, Interactions, Ising};
use crate::rng::{Rng, Streams};
use crate::with_interactions;

/// First path element of the tempering streams.
pub const TEMPERING_STREAM: u64 = 0x7465_6d70;

/// Number of jackknife blocks for derived observables.
const JACKKNIFE_BLOCKS: usize = 64;

/// Bins kept by the series of one logarithmic window (small: a checkpoint holds them all).
const LOG_WINDOW_BINS: usize = 64;

/// The last two complete logarithmic windows agree when every observable changed by at most
/// this many error bars of the change.
pub const LOG_BINNING_SIGMAS: f64 = 3.0;

/// The slots are swept in parallel when each has at least this many spin-flip attempts to
/// do before the next exchange or measurement (below, thread hand-offs cost more than they
/// save); the result is the same either way.
const PARALLEL_WORK: u64 = 8192;

/// `count` temperatures in geometric progression from `tmin` to `tmax`:
/// `T_k = T_min (T_max/T_min)^{k/(count−1)}` (constant ratio, the usual default for PT).
pub fn geometric_temperatures(tmin: f64, tmax: f64, count: usize) -> Result<Vec<f64>> {
    if !(tmin.is_finite() && tmin > 0.0 && tmax.is_finite() && tmax > tmin) {
        return Err(invalid(format!(
            "need 0 < tmin < tmax (finite), got tmin = {tmin}, tmax = {tmax}"
        )));
    }
    if count < 2 {
        return Err(invalid(format!(
            "parallel tempering needs at least 2 temperatures, got {count}"
        )));
    }
    Ok((0..count)
        .map(|k| {
            if k == count - 1 {
                tmax
            } else {
                tmin * (tmax / tmin).powf(k as f64 / (count - 1) as f64)
            }
        })
        .collect())
}

/// A parallel-tempering run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemperingConfig {
    /// Temperatures, strictly increasing, each finite and > 0 (at least 2).
    pub temperatures: Vec<f64>,
    /// Independent replica sets R ≥ 2 (overlaps need two).
    pub replicas: usize,
    /// Acceptance rule of the single-spin flips.
    pub rule: Rule,
    /// Site order within a sweep.
    pub order: Order,
    /// Sweeps discarded for equilibration.
    pub thermalization: u64,
    /// Sweeps after equilibration (≥ 1).
    pub sweeps: u64,
    /// Sweeps between exchange attempts (≥ 1).
    pub exchange_every: u64,
    /// Measure every this many sweeps (≥ 1).
    pub measure_every: u64,
    /// Bins of the P(q) histogram on [−1, 1] (≥ 1; N + 1 resolves every value of q).
    pub q_bins: usize,
    /// Seed of the streams.
    pub seed: u64,
    /// Houdayer / isoenergetic cluster moves ([`crate::mc::houdayer`]): `Some(t_max)` applies
    /// one move to each pair of replica sets at every temperature
    /// T ≤ t_max, just before every exchange attempt (`f64::INFINITY`: at all temperatures);
    /// `None` (the default) turns them off. Needs a model without field. With R > 2 sets the
    /// pairs are drawn afresh at every round and temperature (a uniformly random
    /// permutation of the sets, paired in order; Zhu, Ochoa & Katzgraber 2015), so every set
    /// meets every other; with R odd one set sits out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub houdayer: Option<f64>,
}

impl TemperingConfig {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.temperatures.len() < 2 {
            return Err(invalid(format!(
                "parallel tempering needs at least 2 temperatures, got {}",
                self.temperatures.len()
            )));
        }
        if let Some(t) = self
            .temperatures
            .iter()
            .find(|t| !(t.is_finite() && **t > 0.0))
        {
            return Err(invalid(format!(
                "temperature must be finite and positive, got {t}"
            )));
        }
        if let Some(w) = self.temperatures.windows(2).find(|w| w[1] <= w[0]) {
            return Err(invalid(format!(
                "temperatures must be strictly increasing, got {} then {}",
                w[0], w[1]
            )));
        }
        if self.replicas < 2 {
            return Err(invalid(format!(
                "overlaps need at least 2 independent replicas per temperature, got {}",
                self.replicas
            )));
        }
        if self.sweeps == 0 {
            return Err(invalid("the number of measurement sweeps must be positive"));
        }
        if self.exchange_every == 0 || self.measure_every == 0 {
            return Err(invalid(
                "exchange_every and measure_every must be at least 1",
            ));
        }
        if self.q_bins == 0 {
            return Err(invalid("the P(q) histogram needs at least one bin"));
        }
        if let Some(t) = self.houdayer {
            if t.is_nan() || t <= 0.0 {
                return Err(invalid(format!(
                    "the Houdayer temperature threshold must be positive, got {t}"
                )));
            }
        }
        Ok(())
    }

    fn total_sweeps(&self) -> u64 {
        self.thermalization + self.sweeps
    }
}

/// Per-temperature measurement series.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Observables {
    e: Series,
    e2: Series,
    abs_m: Series,
    m2: Series,
    q2: Series,
    abs_q: Series,
    q4: Series,
    ql: Series,
    qk2: Series,
    q_hist: Vec<u64>,
    accepted: u64,
    /// Houdayer moves attempted after thermalization, and the sites they flipped.
    #[serde(default)]
    cluster_moves: u64,
    #[serde(default)]
    cluster_sites: u64,
    /// Logarithmic windows j = 0, 1, … (sweeps `[2^j, 2^(j+1))`): series of e, q², q_l.
    #[serde(default)]
    log: Vec<[Series; 3]>,
}

impl Observables {
    fn new(bins: usize) -> Self {
        Observables {
            e: Series::default(),
            e2: Series::default(),
            abs_m: Series::default(),
            m2: Series::default(),
            q2: Series::default(),
            abs_q: Series::default(),
            q4: Series::default(),
            ql: Series::default(),
            qk2: Series::default(),
            q_hist: vec![0; bins],
            accepted: 0,
            cluster_moves: 0,
            cluster_sites: 0,
            log: Vec::new(),
        }
    }

    /// Files the replica averages `[e, q², q_l]` measured after `sweep` sweeps (≥ 1) into
    /// the logarithmic window `⌊log₂ sweep⌋` (`q_l` only when there are bonds).
    fn push_log(&mut self, sweep: u64, values: [Option<f64>; 3]) {
        let j = sweep.ilog2() as usize;
        while self.log.len() <= j {
            self.log
                .push(std::array::from_fn(|_| Series::new(LOG_WINDOW_BINS)));
        }
        for (s, v) in self.log[j].iter_mut().zip(values) {
            if let Some(v) = v {
                s.push(v);
            }
        }
    }
}

/// One window of the logarithmic binning at one temperature (see the
/// [module documentation](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogBin {
    /// First sweep of the window, 2^j.
    pub start: u64,
    /// One past its last sweep, 2^(j+1).
    pub end: u64,
    /// Whether the run went through the whole window.
    pub complete: bool,
    /// ⟨e⟩ over the window.
    pub energy: Estimate,
    /// ⟨q²⟩ over the window.
    pub q2: Estimate,
    /// ⟨q_l⟩ over the window (sparse and lattice models).
    pub link_overlap: Option<Estimate>,
    /// Change of ⟨e⟩ from the previous window (none for the first). In one sample the
    /// windows are independent stretches of the run, so the errors add in quadrature; in a
    /// disorder average it is the average of the samples' changes.
    pub energy_change: Option<Estimate>,
    /// Change of ⟨q²⟩ from the previous window.
    pub q2_change: Option<Estimate>,
    /// Change of ⟨q_l⟩ from the previous window.
    pub link_overlap_change: Option<Estimate>,
}

/// The drift between the last two complete logarithmic windows: the largest |change|/σ over
/// e, q² and q_l of the last complete window. `None` when fewer than two windows are
/// complete or an error bar is unknown. The run counts as thermalized at this temperature
/// when the drift is at most [`LOG_BINNING_SIGMAS`].
pub fn log_binning_drift(bins: &[LogBin]) -> Option<f64> {
    let last = bins.iter().rev().find(|b| b.complete)?;
    let changes = [
        last.energy_change?,
        last.q2_change?,
        last.link_overlap_change.unwrap_or(Estimate {
            mean: 0.0,
            error: 1.0,
            tau_int: f64::NAN,
            n: 0,
            reliable: true,
        }),
    ];
    changes.iter().try_fold(0.0f64, |worst, c| {
        if c.error.is_nan() {
            None
        } else if c.mean == 0.0 {
            Some(worst)
        } else {
            Some(worst.max(c.mean.abs() / c.error))
        }
    })
}

/// `a − b` with the errors added in quadrature.
fn difference(a: Estimate, b: Estimate) -> Estimate {
    Estimate {
        mean: a.mean - b.mean,
        error: a.error.hypot(b.error),
        tau_int: f64::NAN,
        n: a.n + b.n,
        reliable: a.reliable && b.reliable,
    }
}

/// The log bins of one run's windows after `done` sweeps (empty windows skipped).
fn log_bins(windows: &[[Series; 3]], done: u64) -> Vec<LogBin> {
    let mut out: Vec<LogBin> = Vec::new();
    for (j, w) in windows.iter().enumerate() {
        if w[0].is_empty() {
            continue;
        }
        let (start, end) = (1u64 << j, 1u64 << (j + 1));
        let [energy, q2, ql] = [&w[0], &w[1], &w[2]].map(|s| s.estimate());
        let link_overlap = (!w[2].is_empty()).then_some(ql);
        let prev = out.last();
        let energy_change = prev.map(|p| difference(energy, p.energy));
        let q2_change = prev.map(|p| difference(q2, p.q2));
        let link_overlap_change =
            prev.and_then(|p| Some(difference(link_overlap?, p.link_overlap?)));
        out.push(LogBin {
            start,
            end,
            complete: done + 1 >= end,
            energy,
            q2,
            link_overlap,
            energy_change,
            q2_change,
            link_overlap_change,
        });
    }
    out
}

/// Where a walker (a configuration's label) has been.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Walker {
    /// 0: last extreme visited is the lowest T; 1: the highest; −1: neither yet.
    last: i8,
    /// Sweep at which it last arrived at the lowest T (coming from elsewhere).
    since: u64,
}

/// Results at one temperature (per spin, averaged over replica sets).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TemperingPoint {
    /// Temperature T.
    pub temperature: f64,
    /// β = 1/T.
    pub beta: f64,
    /// ⟨e⟩.
    pub energy: Estimate,
    /// C/N = β² N (⟨e²⟩ − ⟨e⟩²).
    pub specific_heat: Estimate,
    /// ⟨|m|⟩.
    pub abs_m: Estimate,
    /// ⟨m²⟩.
    pub m2: Estimate,
    /// ⟨q²⟩.
    pub q2: Estimate,
    /// ⟨|q|⟩.
    pub abs_q: Estimate,
    /// ⟨q⁴⟩.
    pub q4: Estimate,
    /// Binder ratio g = ½ (3 − ⟨q⁴⟩/⟨q²⟩²).
    pub binder_q: Estimate,
    /// ⟨q_l⟩ (sparse and lattice models only).
    pub link_overlap: Option<Estimate>,
    /// Spin-glass susceptibility χ_SG = N ⟨q²⟩.
    pub chi_sg: Estimate,
    /// ⟨|q(k_min)|²⟩ averaged over the axes (lattices only).
    pub qk2: Option<Estimate>,
    /// Second-moment correlation length ξ_L (lattices with equal sides only).
    pub correlation_length: Option<Estimate>,
    /// P(q): the fraction of overlap measurements in each bin (sums to 1).
    pub q_histogram: Vec<f64>,
    /// Fraction of accepted single-spin flips after thermalization.
    pub acceptance: f64,
    /// Mean fraction of the sites flipped by a Houdayer move (when moves are made at this
    /// temperature; near 1/2 the clusters percolate and the move does little).
    #[serde(default)]
    pub cluster_fraction: Option<f64>,
    /// The logarithmic binning of e, q² and q_l from the first sweep on (the thermalization
    /// check; see [`log_binning_drift`]).
    #[serde(default)]
    pub log_bins: Vec<LogBin>,
}

/// The results of a tempering run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TemperingResult {
    /// One entry per temperature.
    pub points: Vec<TemperingPoint>,
    /// Acceptance rate of exchanges between temperatures k and k+1 (K − 1 entries).
    pub exchange_acceptance: Vec<f64>,
    /// Completed round trips (lowest → highest → lowest T), all walkers together.
    pub round_trips: u64,
    /// Mean duration of a round trip in sweeps (NaN when none was completed).
    pub mean_round_trip: f64,
    /// Centres of the P(q) bins.
    pub q_centers: Vec<f64>,
    /// Sweeps after thermalization.
    pub sweeps: u64,
    /// The side L of a lattice with equal sides (the L of ξ_L).
    pub side: Option<usize>,
}

/// A parallel-tempering run in progress (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tempering {
    /// The configuration.
    pub config: TemperingConfig,
    /// `spins[r·K + k]`: the configuration of set r at temperature k.
    spins: Vec<Vec<i8>>,
    /// Sweep streams, one per slot (r, k).
    rngs: Vec<Rng>,
    /// Exchange streams, one per set.
    exchange_rngs: Vec<Rng>,
    /// Houdayer-move streams, one per temperature.
    #[serde(default)]
    cluster_rngs: Vec<Rng>,
    /// `labels[r·K + k]`: the walker at slot (r, k).
    labels: Vec<usize>,
    walkers: Vec<Walker>,
    done: u64,
    pair_attempts: Vec<u64>,
    pair_accepts: Vec<u64>,
    round_trips: u64,
    round_trip_sweeps: u64,
    obs: Vec<Observables>,
    /// The side L of a lattice with equal sides (for ξ_L).
    side: Option<usize>,
    /// `Some((lo, hi))`: this is the group of temperatures `lo..hi` of a split run (see
    /// [`Tempering::split`]); `spins`, `rngs` then hold the slots (r, k) of those temperatures
    /// only, at `r·(hi − lo) + k − lo`, and `cluster_rngs`, `obs` those temperatures only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<(usize, usize)>,
}

/// The messaging between the temperature groups of a run split with [`Tempering::split`], one
/// group per process, implemented by the caller over its transport. Every group makes the same
/// sequence of calls (the exchange decisions are the same everywhere), so the calls match up.
pub trait GroupLink {
    /// All-gather: every group's `local` values, concatenated in the order of the groups
    /// (increasing temperature).
    fn all_gather(&mut self, local: &[f64]) -> Vec<f64>;
    /// Sends `data` to the neighbouring group — the one with the next lower temperatures when
    /// `lower`, else the next higher — and returns what that group sent in its matching call
    /// (the same number of bytes).
    fn trade(&mut self, lower: bool, data: &[u8]) -> Vec<u8>;
}

/// The link of a whole run: nothing to send, no neighbours.
struct Whole;

impl GroupLink for Whole {
    fn all_gather(&mut self, local: &[f64]) -> Vec<f64> {
        local.to_vec()
    }
    fn trade(&mut self, _: bool, _: &[u8]) -> Vec<u8> {
        unreachable!("a whole run has no neighbouring group")
    }
}

/// The groups of one process, one thread each, with a channel between every two: the
/// reference implementation of [`GroupLink`].
struct Channels {
    me: usize,
    to: Vec<std::sync::mpsc::Sender<Vec<u8>>>,
    from: Vec<std::sync::mpsc::Receiver<Vec<u8>>>,
}

impl GroupLink for Channels {
    fn all_gather(&mut self, local: &[f64]) -> Vec<f64> {
        let bytes: Vec<u8> = local.iter().flat_map(|x| x.to_le_bytes()).collect();
        for (h, to) in self.to.iter().enumerate() {
            if h != self.me {
                // A send fails only when the other thread has ended; its results are lost
                // then anyway.
                let _ = to.send(bytes.clone());
            }
        }
        let mut all = Vec::new();
        for (h, from) in self.from.iter().enumerate() {
            let b = if h == self.me {
                bytes.clone()
            } else {
                from.recv().unwrap_or_default()
            };
            all.extend(
                b.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))),
            );
        }
        all
    }
    fn trade(&mut self, lower: bool, data: &[u8]) -> Vec<u8> {
        let h = if lower { self.me - 1 } else { self.me + 1 };
        let _ = self.to[h].send(data.to_vec());
        self.from[h].recv().unwrap_or_default()
    }
}

/// Advances the groups of a split run ([`Tempering::split`]) by `sweeps` side by side in this
/// process, one thread each, exchanging through channels — what a distributed run does over
/// its transport, here to check it or to use it without one.
pub fn advance_groups(
    model: &Ising,
    groups: Vec<Tempering>,
    sweeps: u64,
) -> Result<Vec<Tempering>> {
    let p = groups.len();
    let mut to: Vec<Vec<_>> = (0..p).map(|_| Vec::with_capacity(p)).collect();
    let mut from: Vec<Vec<_>> = (0..p).map(|_| Vec::with_capacity(p)).collect();
    for sender in to.iter_mut() {
        for receivers in from.iter_mut() {
            let (tx, rx) = std::sync::mpsc::channel();
            sender.push(tx);
            receivers.push(rx);
        }
    }
    std::thread::scope(|s| {
        let threads: Vec<_> = groups
            .into_iter()
            .zip(to.into_iter().zip(from))
            .enumerate()
            .map(|(me, (mut t, (to, from)))| {
                s.spawn(move || {
                    let mut link = Channels { me, to, from };
                    t.advance_group(model, sweeps, &mut link).map(|_| t)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|h| h.join().expect("a tempering group's thread panicked"))
            .collect()
    })
}

/// `parts` groups of consecutive temperatures among `count`, as equal in size as possible:
/// group g holds `⌊g·count/parts⌋ .. ⌊(g+1)·count/parts⌋` (empty groups when parts > count).
pub fn temperature_groups(count: usize, parts: usize) -> Vec<Range<usize>> {
    (0..parts)
        .map(|g| g * count / parts..(g + 1) * count / parts)
        .collect()
}

impl Tempering {
    /// A new run (validates the configuration), every slot started from random spins.
    pub fn new(model: &Ising, config: TemperingConfig) -> Result<Self> {
        config.validate()?;
        if config.houdayer.is_some() {
            crate::mc::houdayer::check(model)?;
        }
        let (k, r) = (config.temperatures.len(), config.replicas);
        let streams = Streams::new(config.seed);
        let mut spins = Vec::with_capacity(r * k);
        let mut rngs = Vec::with_capacity(r * k);
        for a in 0..r as u64 {
            for t in 0..k as u64 {
                let mut init = streams.stream(&[TEMPERING_STREAM, 0, a, t]);
                spins.push(Replica::random(model, &mut init).into_spins());
                rngs.push(streams.stream(&[TEMPERING_STREAM, 1, a, t]));
            }
        }
        let exchange_rngs = (0..r as u64)
            .map(|a| streams.stream(&[TEMPERING_STREAM, 2, a]))
            .collect();
        let cluster_rngs = (0..k as u64)
            .map(|t| streams.stream(&[TEMPERING_STREAM, 5, t]))
            .collect();
        let bins = config.q_bins;
        Ok(Tempering {
            spins,
            rngs,
            exchange_rngs,
            cluster_rngs,
            labels: (0..r * k).collect(),
            walkers: vec![Walker { last: -1, since: 0 }; r * k],
            done: 0,
            pair_attempts: vec![0; k - 1],
            pair_accepts: vec![0; k - 1],
            round_trips: 0,
            round_trip_sweeps: 0,
            obs: (0..k).map(|_| Observables::new(bins)).collect(),
            side: Waves::of(model).and_then(|w| w.side),
            config,
            group: None,
        })
    }

    /// The temperatures this run holds: all of them, or its group of a split run.
    pub fn temperatures_held(&self) -> Range<usize> {
        self.group
            .map_or(0..self.config.temperatures.len(), |(lo, hi)| lo..hi)
    }

    /// Splits a whole run into `parts` groups of consecutive temperatures
    /// ([`temperature_groups`]), 1 ≤ parts ≤ K, each to be advanced by its own process with
    /// [`Tempering::advance_group`]. The configurations, their sweep streams, the cluster
    /// streams and the measurements are divided; the exchange bookkeeping (exchange streams,
    /// walker labels, acceptance counts, round trips) is copied into every group and kept in
    /// step there. One part is the whole run itself.
    pub fn split(&self, parts: usize) -> Result<Vec<Tempering>> {
        let (kk, rr) = (self.config.temperatures.len(), self.config.replicas);
        if self.group.is_some() {
            return Err(invalid("only a whole tempering run can be split"));
        }
        if parts == 0 || parts > kk {
            return Err(invalid(format!(
                "cannot split {kk} temperatures into {parts} groups (1 to {kk})"
            )));
        }
        Ok(temperature_groups(kk, parts)
            .into_iter()
            .map(|t| {
                fn slots<T: Clone>(v: &[T], kk: usize, rr: usize, t: &Range<usize>) -> Vec<T> {
                    (0..rr)
                        .flat_map(|r| v[r * kk + t.start..r * kk + t.end].iter().cloned())
                        .collect()
                }
                Tempering {
                    spins: slots(&self.spins, kk, rr, &t),
                    rngs: slots(&self.rngs, kk, rr, &t),
                    cluster_rngs: self
                        .cluster_rngs
                        .get(t.clone())
                        .map(<[Rng]>::to_vec)
                        .unwrap_or_default(),
                    obs: self.obs[t.clone()].to_vec(),
                    group: (t.len() < kk).then_some((t.start, t.end)),
                    ..self.clone_shared()
                }
            })
            .collect())
    }

    /// Joins the groups of a split run — all of them, in order of temperature, advanced to
    /// the same sweep — back into the whole run. Refuses groups that do not belong together.
    pub fn join(groups: Vec<Tempering>) -> Result<Tempering> {
        let first = groups
            .first()
            .ok_or_else(|| invalid("no tempering groups to join"))?;
        let (kk, rr) = (first.config.temperatures.len(), first.config.replicas);
        let mut next = 0;
        for t in &groups {
            if t.temperatures_held().start != next || t.shared() != first.shared() {
                return Err(invalid(
                    "these tempering groups are not the consecutive parts of one run at one sweep",
                ));
            }
            next = t.temperatures_held().end;
        }
        if next != kk {
            return Err(invalid(format!(
                "the tempering groups hold temperatures 0..{next} of {kk}"
            )));
        }
        let mut whole = Tempering {
            spins: Vec::with_capacity(kk * rr),
            rngs: Vec::with_capacity(kk * rr),
            cluster_rngs: Vec::new(),
            obs: Vec::with_capacity(kk),
            group: None,
            ..first.clone_shared()
        };
        for r in 0..rr {
            for t in &groups {
                let g = t.temperatures_held().len();
                whole.spins.extend_from_slice(&t.spins[r * g..(r + 1) * g]);
                whole.rngs.extend_from_slice(&t.rngs[r * g..(r + 1) * g]);
            }
        }
        for t in groups {
            whole.cluster_rngs.extend(t.cluster_rngs);
            whole.obs.extend(t.obs);
        }
        Ok(whole)
    }

    /// The part of the state every group of a split run holds in full.
    #[allow(clippy::type_complexity)]
    fn shared(
        &self,
    ) -> (
        &TemperingConfig,
        &[Rng],
        &[usize],
        &[Walker],
        u64,
        (&[u64], &[u64]),
        (u64, u64),
        Option<usize>,
    ) {
        (
            &self.config,
            &self.exchange_rngs,
            &self.labels,
            &self.walkers,
            self.done,
            (&self.pair_attempts, &self.pair_accepts),
            (self.round_trips, self.round_trip_sweeps),
            self.side,
        )
    }

    /// A copy of the shared part, the divided part left empty.
    fn clone_shared(&self) -> Tempering {
        Tempering {
            config: self.config.clone(),
            spins: Vec::new(),
            rngs: Vec::new(),
            exchange_rngs: self.exchange_rngs.clone(),
            cluster_rngs: Vec::new(),
            labels: self.labels.clone(),
            walkers: self.walkers.clone(),
            done: self.done,
            pair_attempts: self.pair_attempts.clone(),
            pair_accepts: self.pair_accepts.clone(),
            round_trips: self.round_trips,
            round_trip_sweeps: self.round_trip_sweeps,
            obs: Vec::new(),
            side: self.side,
            group: None,
        }
    }

    /// Sweeps done so far (per slot, thermalization included).
    pub fn sweeps_done(&self) -> u64 {
        self.done
    }

    /// Total sweeps per slot.
    pub fn total_sweeps(&self) -> u64 {
        self.config.total_sweeps()
    }

    /// Whether all sweeps are done.
    pub fn finished(&self) -> bool {
        self.done >= self.config.total_sweeps()
    }

    /// The current configuration of set `r` at temperature `k` (one of the temperatures held,
    /// [`Tempering::temperatures_held`]).
    pub fn spins(&self, r: usize, k: usize) -> &[i8] {
        let t = self.temperatures_held();
        assert!(t.contains(&k), "temperature {k} is not held here ({t:?})");
        &self.spins[r * t.len() + k - t.start]
    }

    /// The exchange acceptance rate of each pair (k, k+1) so far (NaN before any attempt).
    pub fn exchange_acceptance(&self) -> Vec<f64> {
        self.pair_attempts
            .iter()
            .zip(&self.pair_accepts)
            .map(|(&a, &b)| {
                if a == 0 {
                    f64::NAN
                } else {
                    b as f64 / a as f64
                }
            })
            .collect()
    }

    /// Runs up to `max_sweeps` more sweeps (with their exchanges and measurements); returns
    /// how many were run. For a whole run (a group of a split run advances with
    /// [`Tempering::advance_group`]).
    pub fn advance(&mut self, model: &Ising, max_sweeps: u64) -> u64 {
        assert!(
            self.group.is_none(),
            "a group of a split run advances with advance_group"
        );
        self.advance_group(model, max_sweeps, &mut Whole)
            .expect("a whole run exchanges in place")
    }

    /// [`Tempering::advance`] for one group of a split run (or a whole run), exchanging with
    /// the other groups through `link`; every group must advance by the same `max_sweeps`
    /// at the same time. Fails when the link delivers malformed data (the run is then
    /// unusable).
    pub fn advance_group(
        &mut self,
        model: &Ising,
        max_sweeps: u64,
        link: &mut impl GroupLink,
    ) -> Result<u64> {
        let start = self.done;
        let end = (self.done + max_sweeps).min(self.config.total_sweeps());
        if end <= start {
            return Ok(0);
        }
        let mut reps: Vec<Replica> = std::mem::take(&mut self.spins)
            .into_iter()
            .map(|s| Replica::new(model, s).expect("valid spins"))
            .collect();
        let outcome = self.sweep_until(model, end, &mut reps, link);
        self.spins = reps
            .into_iter()
            .map(|mut r| {
                r.resync(model);
                r.into_spins()
            })
            .collect();
        outcome.map(|()| self.done - start)
    }

    /// The sweeps, exchanges and measurements up to sweep `end`.
    fn sweep_until(
        &mut self,
        model: &Ising,
        end: u64,
        reps: &mut [Replica],
        link: &mut impl GroupLink,
    ) -> Result<()> {
        let cfg = self.config.clone();
        let held = self.temperatures_held();
        let g = held.len();
        let sweepers: Vec<Sweeper> = cfg.temperatures[held]
            .iter()
            .map(|t| Sweeper::new(model, cfg.rule, cfg.order, 1.0 / t).expect("validated"))
            .collect();
        let bonds = link_bonds(model);
        let waves = Waves::of(model);
        let mut scratch = ClusterScratch::default();
        while self.done < end {
            // Run every slot independently up to the next event (exchange, end of
            // thermalization, measurement or the end of this call).
            let next_event = |every: u64, offset: u64| {
                if self.done < offset {
                    offset
                } else {
                    self.done + every - (self.done - offset) % every
                }
            };
            let mut stop = end.min(next_event(cfg.exchange_every, 0));
            if self.done < cfg.thermalization {
                // Up to the end of thermalization, and to every `measure_every`-th sweep
                // for the logarithmic binning.
                stop = stop
                    .min(cfg.thermalization)
                    .min(next_event(cfg.measure_every, 0));
            } else {
                stop = stop.min(next_event(cfg.measure_every, cfg.thermalization));
            }
            let m = stop - self.done;
            let sweep_slot = |(idx, (rep, rng)): (usize, (&mut Replica, &mut Rng))| {
                let sw = &sweepers[idx % g];
                (0..m).map(|_| sw.sweep(model, rep, rng)).sum::<u64>()
            };
            let accepted: Vec<u64> = if m * model.n() as u64 >= PARALLEL_WORK {
                reps.par_iter_mut()
                    .zip(self.rngs.par_iter_mut())
                    .enumerate()
                    .map(sweep_slot)
                    .collect()
            } else {
                reps.iter_mut()
                    .zip(self.rngs.iter_mut())
                    .enumerate()
                    .map(sweep_slot)
                    .collect()
            };
            if self.done >= cfg.thermalization {
                for (idx, a) in accepted.iter().enumerate() {
                    self.obs[idx % g].accepted += a;
                }
            }
            self.done = stop;
            if self.done % cfg.exchange_every == 0 {
                if let Some(t_max) = cfg.houdayer {
                    self.cluster_moves(model, reps, t_max, &mut scratch);
                }
                self.exchange(model, reps, link)?;
            }
            if self.done > cfg.thermalization
                && (self.done - cfg.thermalization) % cfg.measure_every == 0
            {
                self.measure(model, reps, bonds.as_deref(), waves.as_ref(), true);
            } else if self.done <= cfg.thermalization && self.done % cfg.measure_every == 0 {
                self.measure(model, reps, bonds.as_deref(), None, false);
            }
        }
        Ok(())
    }

    /// One Houdayer move per pair of sets at every temperature held that is ≤ `t_max`: the
    /// sets are permuted at random (stream of the temperature) and paired in order,
    /// (π₀, π₁), (π₂, π₃), … (with two sets just (0, 1)).
    fn cluster_moves(
        &mut self,
        model: &Ising,
        reps: &mut [Replica],
        t_max: f64,
        scratch: &mut ClusterScratch,
    ) {
        let held = self.temperatures_held();
        let g = held.len();
        let measuring = self.done > self.config.thermalization;
        for (k, &t) in self.config.temperatures[held].iter().enumerate() {
            if t > t_max {
                continue;
            }
            let rng = &mut self.cluster_rngs[k];
            let rr = self.config.replicas;
            let mut order: Vec<usize> = (0..rr).collect();
            if rr > 2 {
                for i in (1..rr).rev() {
                    order.swap(i, rng.random_range(0..=i));
                }
            }
            for pair in order.chunks_exact(2) {
                let (a, b) = (pair[0].min(pair[1]) * g + k, pair[0].max(pair[1]) * g + k);
                let (lo, hi) = reps.split_at_mut(b);
                let size = houdayer_move(model, &mut lo[a], &mut hi[0], rng, scratch);
                if measuring {
                    self.obs[k].cluster_moves += 1;
                    self.obs[k].cluster_sites += size as u64;
                }
            }
        }
    }

    /// The exchange attempts of every set (see the module documentation); configurations
    /// that cross a boundary of the temperatures held are traded through `link`.
    fn exchange(
        &mut self,
        model: &Ising,
        reps: &mut [Replica],
        link: &mut impl GroupLink,
    ) -> Result<()> {
        let (kk, rr) = (self.config.temperatures.len(), self.config.replicas);
        let held = self.temperatures_held();
        let g = held.len();
        // Energies temperature-major (index k·R + r), so that the groups' parts concatenate.
        let mut local = Vec::with_capacity(g * rr);
        for k in 0..g {
            for r in 0..rr {
                local.push(reps[r * g + k].energy());
            }
        }
        let energies = link.all_gather(&local);
        if energies.len() != kk * rr {
            return Err(invalid(format!(
                "the tempering groups gathered {} energies, expected {}",
                energies.len(),
                kk * rr
            )));
        }
        let betas: Vec<f64> = self.config.temperatures.iter().map(|t| 1.0 / t).collect();
        let parity = ((self.done / self.config.exchange_every) % 2) as usize;
        // Sets whose configuration at the lowest (highest) temperature held changes places
        // with the neighbouring group's.
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        for r in 0..rr {
            let rng = &mut self.exchange_rngs[r];
            for k in (parity..kk - 1).step_by(2) {
                let x =
                    (betas[k] - betas[k + 1]) * (energies[k * rr + r] - energies[(k + 1) * rr + r]);
                let u: f64 = rng.random();
                self.pair_attempts[k] += 1;
                if x >= 0.0 || u < x.exp() {
                    self.pair_accepts[k] += 1;
                    self.labels.swap(r * kk + k, r * kk + k + 1);
                    match (held.contains(&k), held.contains(&(k + 1))) {
                        (true, true) => {
                            let a = r * g + k - held.start;
                            reps.swap(a, a + 1);
                        }
                        (false, true) => lower.push(r),
                        (true, false) => upper.push(r),
                        (false, false) => {}
                    }
                }
            }
            // Round trips of the walkers now at the extremes.
            let low = self.labels[r * kk];
            let w = &mut self.walkers[low];
            match w.last {
                1 => {
                    self.round_trips += 1;
                    self.round_trip_sweeps += self.done - w.since;
                    w.last = 0;
                    w.since = self.done;
                }
                -1 => {
                    w.last = 0;
                    w.since = self.done;
                }
                _ => {}
            }
            let high = self.labels[r * kk + kk - 1];
            let w = &mut self.walkers[high];
            if w.last == 0 {
                w.last = 1;
            }
        }
        // The lower boundary first: along the chain of groups the trades then never wait
        // on each other in a cycle.
        let n = model.n();
        for (towards_lower, sets, k) in [(true, lower, 0), (false, upper, g - 1)] {
            if sets.is_empty() {
                continue;
            }
            let mut out = Vec::with_capacity(sets.len() * Replica::byte_len(n));
            for &r in &sets {
                reps[r * g + k].write_bytes(&mut out);
            }
            let back = link.trade(towards_lower, &out);
            if back.len() != out.len() {
                return Err(invalid(format!(
                    "a neighbouring tempering group sent {} bytes, expected {}",
                    back.len(),
                    out.len()
                )));
            }
            for (&r, bytes) in sets.iter().zip(back.chunks_exact(Replica::byte_len(n))) {
                reps[r * g + k] = Replica::read_bytes(n, bytes).ok_or_else(|| {
                    invalid("a neighbouring tempering group sent a malformed configuration")
                })?;
            }
        }
        Ok(())
    }

    /// Measures at every temperature held: into the logarithmic windows always, and into
    /// the equilibrium series (histogram, moments, waves) when `equilibrium`.
    fn measure(
        &mut self,
        model: &Ising,
        reps: &[Replica],
        bonds: Option<&[(u32, u32)]>,
        waves: Option<&Waves>,
        equilibrium: bool,
    ) {
        let done = self.done;
        let g = self.temperatures_held().len();
        let rr = self.config.replicas;
        let n = model.n();
        let nf = n as f64;
        let pairs = (rr * (rr - 1) / 2) as f64;
        for k in 0..g {
            let o = &mut self.obs[k];
            let (mut e, mut e2, mut am, mut m2) = (0.0, 0.0, 0.0, 0.0);
            for r in 0..rr {
                let rep = &reps[r * g + k];
                let x = rep.energy() / nf;
                let m = rep.magnetization() as f64 / nf;
                e += x;
                e2 += x * x;
                am += m.abs();
                m2 += m * m;
            }
            let rf = rr as f64;
            let (mut q2, mut aq, mut q4, mut ql, mut qk2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            let bins = o.q_hist.len();
            for a in 0..rr {
                for b in a + 1..rr {
                    let (sa, sb) = (reps[a * g + k].spins(), reps[b * g + k].spins());
                    let dot: i64 = sa.iter().zip(sb).map(|(&x, &y)| (x * y) as i64).sum();
                    let q = dot as f64 / nf;
                    q2 += q * q;
                    aq += q.abs();
                    q4 += q * q * q * q;
                    let d = ((n as i64 + dot) / 2) as usize;
                    if equilibrium {
                        o.q_hist[d * bins / (n + 1)] += 1;
                    }
                    if let Some(bonds) = bonds {
                        let s: i64 = bonds
                            .iter()
                            .map(|&(i, j)| {
                                let (i, j) = (i as usize, j as usize);
                                (sa[i] * sa[j] * sb[i] * sb[j]) as i64
                            })
                            .sum();
                        ql += s as f64 / bonds.len() as f64;
                    }
                    if let Some(w) = waves {
                        qk2 += w.mean_square(sa, sb);
                    }
                }
            }
            let link = bonds.is_some().then_some(ql / pairs);
            o.push_log(done, [Some(e / rf), Some(q2 / pairs), link]);
            if !equilibrium {
                continue;
            }
            o.e.push(e / rf);
            o.e2.push(e2 / rf);
            o.abs_m.push(am / rf);
            o.m2.push(m2 / rf);
            o.q2.push(q2 / pairs);
            o.abs_q.push(aq / pairs);
            o.q4.push(q4 / pairs);
            if let Some(l) = link {
                o.ql.push(l);
            }
            if waves.is_some() {
                o.qk2.push(qk2 / pairs);
            }
        }
    }

    /// Runs to the end, calling `progress(sweeps_done, total)` after every block.
    pub fn run(&mut self, model: &Ising, mut progress: impl FnMut(u64, u64)) {
        let block = (self.config.total_sweeps() / 100).max(1);
        while !self.finished() {
            self.advance(model, block);
            progress(self.done, self.total_sweeps());
        }
    }

    /// The estimates from the measurements so far (the points of the temperatures held).
    pub fn results(&self, model: &Ising) -> TemperingResult {
        let n = model.n() as f64;
        let measured = self.done.saturating_sub(self.config.thermalization);
        let slots = (self.config.replicas as f64) * measured.max(1) as f64 * n;
        let b = JACKKNIFE_BLOCKS;
        let points = self.config.temperatures[self.temperatures_held()]
            .iter()
            .zip(&self.obs)
            .map(|(&t, o)| {
                let beta = 1.0 / t;
                let total: u64 = o.q_hist.iter().sum();
                TemperingPoint {
                    temperature: t,
                    beta,
                    energy: o.e.estimate(),
                    specific_heat: jackknife(&[&o.e, &o.e2], b, |x| {
                        beta * beta * n * (x[1] - x[0] * x[0])
                    }),
                    abs_m: o.abs_m.estimate(),
                    m2: o.m2.estimate(),
                    q2: o.q2.estimate(),
                    abs_q: o.abs_q.estimate(),
                    q4: o.q4.estimate(),
                    binder_q: jackknife(&[&o.q2, &o.q4], b, |x| 0.5 * (3.0 - x[1] / (x[0] * x[0]))),
                    link_overlap: (!o.ql.is_empty()).then(|| o.ql.estimate()),
                    chi_sg: scaled(o.q2.estimate(), n),
                    qk2: (!o.qk2.is_empty()).then(|| o.qk2.estimate()),
                    correlation_length: (!o.qk2.is_empty())
                        .then_some(self.side)
                        .flatten()
                        .map(|l| jackknife(&[&o.q2, &o.qk2], b, |x| xi(x[0], x[1], l))),
                    q_histogram: o
                        .q_hist
                        .iter()
                        .map(|&c| c as f64 / total.max(1) as f64)
                        .collect(),
                    acceptance: o.accepted as f64 / slots,
                    cluster_fraction: (o.cluster_moves > 0)
                        .then(|| o.cluster_sites as f64 / (o.cluster_moves as f64 * n)),
                    log_bins: log_bins(&o.log, self.done),
                }
            })
            .collect();
        let bins = self.config.q_bins;
        TemperingResult {
            points,
            exchange_acceptance: self.exchange_acceptance(),
            round_trips: self.round_trips,
            mean_round_trip: if self.round_trips == 0 {
                f64::NAN
            } else {
                self.round_trip_sweeps as f64 / self.round_trips as f64
            },
            q_centers: (0..bins)
                .map(|k| -1.0 + (2.0 * k as f64 + 1.0) / bins as f64)
                .collect(),
            sweeps: measured,
            side: self.side,
        }
    }
}

/// An estimate multiplied by `c`.
fn scaled(e: Estimate, c: f64) -> Estimate {
    Estimate {
        mean: c * e.mean,
        error: c * e.error,
        ..e
    }
}

/// ξ_L = sqrt(q2/qk2 − 1) / (2 sin(π/L)) (NaN when q2 ≤ qk2).
fn xi(q2: f64, qk2: f64, l: usize) -> f64 {
    (q2 / qk2 - 1.0).sqrt() / (2.0 * (std::f64::consts::PI / l as f64).sin())
}

/// Phases of the smallest nonzero wave vector along each lattice axis.
struct Waves {
    /// `(cos, sin)` of `2π x_a(i)/L_a`, one pair of vectors per axis.
    axes: Vec<(Vec<f64>, Vec<f64>)>,
    /// The common side, when all sides are equal.
    side: Option<usize>,
}

impl Waves {
    fn of(model: &Ising) -> Option<Waves> {
        let Couplings::Lattice(c) = model.couplings() else {
            return None;
        };
        let dims = c.lattice().dims();
        let n = model.n();
        let mut stride = 1;
        let axes = dims
            .iter()
            .map(|&l| {
                let phase =
                    |i: usize| 2.0 * std::f64::consts::PI * ((i / stride) % l) as f64 / l as f64;
                let v = (
                    (0..n).map(|i| phase(i).cos()).collect(),
                    (0..n).map(|i| phase(i).sin()).collect(),
                );
                stride *= l;
                v
            })
            .collect();
        let side = dims.iter().all(|&l| l == dims[0]).then_some(dims[0]);
        Some(Waves { axes, side })
    }

    /// `|q(k)|²` of the overlap of `a` and `b`, averaged over the axes.
    fn mean_square(&self, a: &[i8], b: &[i8]) -> f64 {
        let n = a.len() as f64;
        let total: f64 = self
            .axes
            .iter()
            .map(|(c, s)| {
                let (mut re, mut im) = (0.0, 0.0);
                for i in 0..a.len() {
                    let q = (a[i] * b[i]) as f64;
                    re += q * c[i];
                    im += q * s[i];
                }
                (re * re + im * im) / (n * n)
            })
            .sum();
        total / self.axes.len() as f64
    }
}

/// The bonds (i < j, J_ij ≠ 0) of a sparse or lattice model, each bond once (a doubled
/// lattice bond twice); `None` for dense couplings.
fn link_bonds(model: &Ising) -> Option<Vec<(u32, u32)>> {
    if matches!(model.couplings(), Couplings::Dense(_)) {
        return None;
    }
    let mut out = Vec::new();
    with_interactions!(model.couplings(), c => {
        for i in 0..model.n() {
            c.for_each_coupling(i, |j, w| {
                if j > i && w != 0.0 {
                    out.push((i as u32, j as u32));
                }
            });
        }
    });
    (!out.is_empty()).then_some(out)
}

/// The disorder average of tempering results of independent samples (same temperatures and
/// P(q) bins). Every estimate is averaged with [`disorder_average`] (error from the
/// sample-to-sample spread); the Binder ratio is recomputed from the averaged moments,
///
/// ```text
/// g = ½ (3 − [⟨q⁴⟩] / [⟨q²⟩]²),
/// ```
///
/// with `[·]` the disorder average, and its error is the jackknife over samples (leave one
/// sample out); P(q) and the exchange acceptances are averaged, round trips summed. A single
/// sample is returned unchanged.
pub fn disorder_average_tempering(samples: &[TemperingResult]) -> Result<TemperingResult> {
    let first = samples
        .first()
        .ok_or_else(|| invalid("no tempering results to average"))?;
    if samples.len() == 1 {
        return Ok(first.clone());
    }
    for s in samples {
        if s.points.len() != first.points.len()
            || s.q_centers.len() != first.q_centers.len()
            || s.points
                .iter()
                .zip(&first.points)
                .any(|(a, b)| a.temperature != b.temperature)
        {
            return Err(invalid(
                "tempering results of different temperatures or P(q) bins cannot be averaged",
            ));
        }
    }
    let kf = samples.len() as f64;
    let side = first.side;
    let points = (0..first.points.len())
        .map(|t| {
            let avg = |f: fn(&TemperingPoint) -> Estimate| {
                disorder_average(&samples.iter().map(|s| f(&s.points[t])).collect::<Vec<_>>())
            };
            let q2: Vec<f64> = samples.iter().map(|s| s.points[t].q2.mean).collect();
            let q4: Vec<f64> = samples.iter().map(|s| s.points[t].q4.mean).collect();
            let p0 = &first.points[t];
            TemperingPoint {
                temperature: p0.temperature,
                beta: p0.beta,
                energy: avg(|p| p.energy),
                specific_heat: avg(|p| p.specific_heat),
                abs_m: avg(|p| p.abs_m),
                m2: avg(|p| p.m2),
                q2: avg(|p| p.q2),
                abs_q: avg(|p| p.abs_q),
                q4: avg(|p| p.q4),
                binder_q: Estimate {
                    reliable: samples.iter().all(|s| s.points[t].binder_q.reliable),
                    ..jackknife_over_samples(&q2, &q4, |a, b| 0.5 * (3.0 - b / (a * a)))
                },
                link_overlap: samples
                    .iter()
                    .map(|s| s.points[t].link_overlap)
                    .collect::<Option<Vec<_>>>()
                    .map(|v| disorder_average(&v)),
                chi_sg: avg(|p| p.chi_sg),
                qk2: samples
                    .iter()
                    .map(|s| s.points[t].qk2)
                    .collect::<Option<Vec<_>>>()
                    .map(|v| disorder_average(&v)),
                correlation_length: side.and_then(|l| {
                    let qk: Vec<f64> = samples
                        .iter()
                        .map(|s| s.points[t].qk2.map(|e| e.mean))
                        .collect::<Option<Vec<_>>>()?;
                    Some(jackknife_over_samples(&q2, &qk, |a, b| xi(a, b, l)))
                }),
                q_histogram: (0..p0.q_histogram.len())
                    .map(|b| {
                        samples
                            .iter()
                            .map(|s| s.points[t].q_histogram[b])
                            .sum::<f64>()
                            / kf
                    })
                    .collect(),
                acceptance: samples.iter().map(|s| s.points[t].acceptance).sum::<f64>() / kf,
                cluster_fraction: samples
                    .iter()
                    .map(|s| s.points[t].cluster_fraction)
                    .sum::<Option<f64>>()
                    .map(|x| x / kf),
                log_bins: average_log_bins(samples.iter().map(|s| &s.points[t].log_bins)),
            }
        })
        .collect();
    let trips: u64 = samples.iter().map(|s| s.round_trips).sum();
    let trip_sweeps: f64 = samples
        .iter()
        .filter(|s| s.round_trips > 0)
        .map(|s| s.mean_round_trip * s.round_trips as f64)
        .sum();
    Ok(TemperingResult {
        points,
        exchange_acceptance: (0..first.exchange_acceptance.len())
            .map(|i| {
                samples
                    .iter()
                    .map(|s| s.exchange_acceptance[i])
                    .sum::<f64>()
                    / kf
            })
            .collect(),
        round_trips: trips,
        mean_round_trip: if trips == 0 {
            f64::NAN
        } else {
            trip_sweeps / trips as f64
        },
        q_centers: first.q_centers.clone(),
        sweeps: first.sweeps,
        side,
    })
}

/// The disorder average of the samples' logarithmic windows (those all samples have): every
/// estimate and every change averaged with [`disorder_average`], so that a change carries
/// the sample-to-sample spread of the samples' own changes (a paired difference).
fn average_log_bins<'a>(samples: impl Iterator<Item = &'a Vec<LogBin>>) -> Vec<LogBin> {
    let samples: Vec<&Vec<LogBin>> = samples.collect();
    let windows = samples.iter().map(|s| s.len()).min().unwrap_or(0);
    (0..windows)
        .map(|j| {
            let of = |f: &dyn Fn(&LogBin) -> Option<Estimate>| -> Option<Estimate> {
                let v: Option<Vec<Estimate>> = samples.iter().map(|s| f(&s[j])).collect();
                v.map(|v| disorder_average(&v))
            };
            let b0 = &samples[0][j];
            LogBin {
                start: b0.start,
                end: b0.end,
                complete: samples.iter().all(|s| s[j].complete),
                energy: of(&|b| Some(b.energy)).expect("always present"),
                q2: of(&|b| Some(b.q2)).expect("always present"),
                link_overlap: of(&|b| b.link_overlap),
                energy_change: of(&|b| b.energy_change),
                q2_change: of(&|b| b.q2_change),
                link_overlap_change: of(&|b| b.link_overlap_change),
            }
        })
        .collect()
}

/// `f([x], [y])` of disorder averages with its jackknife error over samples (leave one sample
/// out; bias-corrected mean).
fn jackknife_over_samples(x: &[f64], y: &[f64], f: impl Fn(f64, f64) -> f64) -> Estimate {
    let k = x.len();
    let kf = k as f64;
    let (sx, sy) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
    let full = f(sx / kf, sy / kf);
    let loo: Vec<f64> = (0..k)
        .map(|i| f((sx - x[i]) / (kf - 1.0), (sy - y[i]) / (kf - 1.0)))
        .collect();
    let mean_loo = loo.iter().sum::<f64>() / kf;
    let var = loo.iter().map(|v| (v - mean_loo).powi(2)).sum::<f64>() * (kf - 1.0) / kf;
    Estimate {
        mean: kf * full - (kf - 1.0) * mean_loo,
        error: var.sqrt(),
        tau_int: f64::NAN,
        n: k as u64,
        reliable: true,
    }
}

/// The energy–link-overlap identity of Gaussian couplings `J_ij ~ N(0, σ²)` without field,
/// a thermalization check for Edwards–Anderson glasses. Gaussian integration by parts,
/// `[J f(J)] = σ² [∂f/∂J]` with `∂⟨s_i s_j⟩/∂J_ij = β (1 − ⟨s_i s_j⟩²)`, gives after the
/// disorder average [·], at equilibrium,
///
/// ```text
/// [⟨e⟩] = −(N_b/N) β σ² (1 − [⟨q_l⟩]),
/// ```
///
/// with N_b/N the bonds per spin. Returns the residual `e + (N_b/N) β σ² (1 − q_l)` of one
/// sample's point, with the errors of e and q_l added in quadrature (`None` without link
/// overlap). It vanishes only in the disorder average: average the residuals of many samples
/// with [`disorder_average`] (its sample-to-sample error includes the correlation of e and
/// q_l). Out of equilibrium from a random start, e is too high and q_l too low, so the
/// average residual is positive until the runs are thermalized.
pub fn link_identity_residual(
    point: &TemperingPoint,
    bonds_per_spin: f64,
    variance: f64,
) -> Option<Estimate> {
    let ql = point.link_overlap?;
    let c = bonds_per_spin * point.beta * variance;
    Some(Estimate {
        mean: point.energy.mean + c * (1.0 - ql.mean),
        error: (point.energy.error.powi(2) + (c * ql.error).powi(2)).sqrt(),
        tau_int: f64::NAN,
        n: point.energy.n,
        reliable: point.energy.reliable && ql.reliable,
    })
}

/// Convenience: runs a whole tempering simulation.
pub fn temper(model: &Ising, config: TemperingConfig) -> Result<TemperingResult> {
    let mut t = Tempering::new(model, config)?;
    t.run(model, |_, _| {});
    Ok(t.results(model))
}

/// Feedback tuning of the temperature set towards constant exchange acceptance, keeping the
/// lowest and highest temperature fixed.
///
/// Each of `rounds` rounds runs `sweeps` sweeps of tempering (no thermalization, the seed
/// derived from `config.seed` and the round) and measures the acceptance `A_k` of each pair.
/// For energy distributions of width σ_k the acceptance behaves like
/// `−ln A_k ≈ c_k Δβ_k²`, so `c_k = −ln A_k / Δβ_k²` (A clamped to [0.005, 0.995]) is
/// estimated and the spacings are moved halfway towards `Δβ_k ∝ 1/√c_k`, which equalizes
/// `c_k Δβ_k²`, normalized so that `Σ Δβ_k = β_0 − β_{K−1}`. Returns the new temperatures
/// (increasing).
pub fn tune_temperatures(
    model: &Ising,
    config: &TemperingConfig,
    rounds: usize,
    sweeps: u64,
) -> Result<Vec<f64>> {
    config.validate()?;
    if sweeps == 0 {
        return Err(invalid(
            "tuning needs a positive number of sweeps per round",
        ));
    }
    let mut betas: Vec<f64> = config.temperatures.iter().map(|t| 1.0 / t).collect();
    let span = betas[0] - betas[betas.len() - 1];
    for round in 0..rounds {
        let cfg = TemperingConfig {
            temperatures: betas.iter().map(|b| 1.0 / b).collect(),
            thermalization: 0,
            sweeps,
            measure_every: sweeps,
            seed: Streams::new(config.seed)
                .child(&[TEMPERING_STREAM, 3, round as u64])
                .seed(),
            ..config.clone()
        };
        let mut t = Tempering::new(model, cfg)?;
        t.run(model, |_, _| {});
        let acc = t.exchange_acceptance();
        let gaps: Vec<f64> = betas.windows(2).map(|w| w[0] - w[1]).collect();
        let target: Vec<f64> = gaps
            .iter()
            .zip(&acc)
            .map(|(&g, &a)| {
                let a = if a.is_nan() {
                    0.5
                } else {
                    a.clamp(0.005, 0.995)
                };
                let c = -a.ln() / (g * g);
                1.0 / c.sqrt()
            })
            .collect();
        let norm: f64 = target.iter().sum();
        let mut b = betas[0];
        for (k, (g, t)) in gaps.iter().zip(&target).enumerate() {
            b -= 0.5 * (g + t * span / norm);
            if k + 2 < betas.len() {
                betas[k + 1] = b;
            }
        }
    }
    Ok(betas.iter().map(|b| 1.0 / b).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::model::ModelSpec;

    fn model(toml: &str) -> Ising {
        ModelSpec::from_toml(toml).unwrap().build().unwrap()
    }

    fn config(temperatures: Vec<f64>, sweeps: u64, seed: u64) -> TemperingConfig {
        TemperingConfig {
            temperatures,
            replicas: 2,
            rule: Rule::Metropolis,
            order: Order::Random,
            thermalization: sweeps / 10,
            sweeps,
            exchange_every: 1,
            measure_every: 1,
            q_bins: 11,
            seed,
            houdayer: None,
        }
    }

    /// Exact ⟨E⟩/N, ⟨q²⟩ = Σ_ij ⟨s_i s_j⟩²/N², ⟨q_l⟩ = Σ_(ij) ⟨s_i s_j⟩²/N_b and
    /// ⟨|q(k_min)|²⟩ = Σ_ij ⟨s_i s_j⟩² cos(k·(x_i − x_j))/N² (mean over axes) at β, by summing
    /// over all 2^N states.
    fn exact_overlaps(m: &Ising, beta: f64) -> (f64, f64, f64, f64) {
        let n = m.n();
        let states: Vec<(Vec<i8>, f64)> = (0u32..1 << n)
            .map(|x| {
                let s: Vec<i8> = (0..n)
                    .map(|i| if x >> i & 1 == 1 { 1 } else { -1 })
                    .collect();
                let e = m.energy(&s);
                (s, e)
            })
            .collect();
        let e0 = states.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
        let mut z = 0.0;
        let mut e = 0.0;
        let mut c = vec![0.0; n * n];
        for (s, en) in &states {
            let w = (-beta * (en - e0)).exp();
            z += w;
            e += w * en;
            for i in 0..n {
                for j in 0..n {
                    c[i * n + j] += w * (s[i] * s[j]) as f64;
                }
            }
        }
        let q2 = c.iter().map(|x| (x / z) * (x / z)).sum::<f64>() / (n * n) as f64;
        let bonds = link_bonds(m);
        let ql = bonds.map_or(f64::NAN, |b| {
            b.iter()
                .map(|&(i, j)| (c[i as usize * n + j as usize] / z).powi(2))
                .sum::<f64>()
                / b.len() as f64
        });
        let qk2 = Waves::of(m).map_or(f64::NAN, |w| {
            w.axes
                .iter()
                .map(|(cs, sn)| {
                    let mut t = 0.0;
                    for i in 0..n {
                        for j in 0..n {
                            let cos_ij = cs[i] * cs[j] + sn[i] * sn[j];
                            t += (c[i * n + j] / z).powi(2) * cos_ij;
                        }
                    }
                    t / (n * n) as f64
                })
                .sum::<f64>()
                / w.axes.len() as f64
        });
        (e / z / n as f64, q2, ql, qk2)
    }

    fn check(what: &str, t: f64, est: &Estimate, exact: f64) {
        eprintln!(
            "{what} T={t:.4}: {:.5} ± {:.5} vs exact {exact:.5} ({:.2}σ)",
            est.mean,
            est.error,
            est.sigmas_from(exact)
        );
        assert!(
            est.error > 0.0 && est.sigmas_from(exact) < 4.0,
            "{what} at T={t}"
        );
    }

    #[test]
    fn sk_and_pm_j_against_enumeration() {
        for (spec, temps) in [
            (
                "graph = { kind = 'complete', n = 10 }\ncouplings = { law = 'gaussian' }\nseed = 7",
                geometric_temperatures(0.3, 1.5, 6).unwrap(),
            ),
            (
                "graph = { kind = 'lattice', dims = [3, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 5",
                geometric_temperatures(0.5, 3.0, 6).unwrap(),
            ),
            (
                "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'gaussian' }\nseed = 2",
                geometric_temperatures(0.4, 3.0, 6).unwrap(),
            ),
        ] {
            let m = model(spec);
            let cfg = config(temps.clone(), 40_000, 3);
            let res = temper(&m, cfg).unwrap();
            let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
            let ex = enumerate(&m, &betas).unwrap();
            for (p, x) in res.points.iter().zip(&ex.points) {
                let (e, q2, ql, qk2) = exact_overlaps(&m, p.beta);
                assert!((e - x.energy).abs() < 1e-9);
                check("e", p.temperature, &p.energy, x.energy);
                check("C/N", p.temperature, &p.specific_heat, x.specific_heat);
                check("m²", p.temperature, &p.m2, x.m2);
                check("q²", p.temperature, &p.q2, q2);
                if let Some(l) = &p.link_overlap {
                    check("q_l", p.temperature, l, ql);
                }
                if let Some(f) = &p.qk2 {
                    check("|q(k)|²", p.temperature, f, qk2);
                }
                if let Some(x) = &p.correlation_length {
                    check("ξ_L", p.temperature, x, xi(q2, qk2, 4));
                }
                let chi = p.chi_sg;
                assert!((chi.mean - m.n() as f64 * p.q2.mean).abs() < 1e-9);
                assert!((p.q_histogram.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            }
            eprintln!(
                "exchange acceptance {:?}, {} round trips, mean {} sweeps",
                res.exchange_acceptance, res.round_trips, res.mean_round_trip
            );
            assert!(res
                .exchange_acceptance
                .iter()
                .all(|&a| a > 0.0 && a < 1.0));
            assert!(res.round_trips > 10);
            assert!(res.mean_round_trip > 1.0);
        }
    }

    /// The whole P(q) histogram of PT on a 12-spin SK sample against the exact overlap
    /// distribution, above and below T_c: 16 independent runs give each bin (one bin per
    /// value of q) its mean and error; every bin within 4σ and χ² = Σ (p̂ − p)²/σ² below
    /// dof + 4√(2 dof) ([`crate::measure::HistogramComparison::consistent`]). The same histograms against
    /// the exact P(q) of the next temperature must fail (the test can tell).
    #[test]
    fn overlap_histogram_against_enumeration() {
        use crate::exact::enumerate::overlap_distribution;
        use crate::measure::compare_histograms;
        let m = model(
            "graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'gaussian' }\nseed = 21",
        );
        let n = m.n();
        let temps = vec![0.3, 0.45, 0.7, 1.0, 1.5];
        let runs = 16;
        let hists: Vec<Vec<Vec<f64>>> = (0..runs)
            .into_par_iter()
            .map(|k| {
                let mut c = config(temps.clone(), 20_000, 500 + k);
                c.q_bins = n + 1;
                let r = temper(&m, c).unwrap();
                r.points.into_iter().map(|p| p.q_histogram).collect()
            })
            .collect();
        let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
        let exact = overlap_distribution(&m, &betas).unwrap();
        let measured = 20_000.0 * runs as f64;
        let hist = |t: usize| -> Vec<Vec<f64>> { hists.iter().map(|h| h[t].clone()).collect() };
        for t in 0..temps.len() {
            let c = compare_histograms(&hist(t), &exact[t]);
            eprintln!(
                "T={}: χ² = {:.1} over {} bins, worst bin {:.2}σ, unseen exact weight {:.1e}",
                temps[t], c.chi2, c.bins, c.worst_sigmas, c.unseen
            );
            assert!(
                c.consistent() && c.unseen * measured < 5.0,
                "T={}",
                temps[t]
            );
            let other = (t + 1) % temps.len();
            let wrong = compare_histograms(&hist(t), &exact[other]);
            eprintln!(
                "  vs exact P(q) at T={}: χ² = {:.1}",
                temps[other], wrong.chi2
            );
            assert!(!wrong.consistent());
        }
    }

    /// PT with Houdayer moves at every temperature is still exact: a 4×4 Gaussian EA sample
    /// against enumeration; few temperatures and few sweeps, so the cluster moves carry part
    /// of the decorrelation at the lowest T.
    #[test]
    fn houdayer_moves_keep_the_equilibrium() {
        let m = model("graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'gaussian' }\nseed = 11");
        let temps = vec![0.3, 0.6, 1.2];
        let mut cfg = config(temps.clone(), 30_000, 8);
        cfg.replicas = 4;
        cfg.houdayer = Some(f64::INFINITY);
        let res = temper(&m, cfg.clone()).unwrap();
        let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
        let ex = enumerate(&m, &betas).unwrap();
        for (p, x) in res.points.iter().zip(&ex.points) {
            let (_, q2, ql, _) = exact_overlaps(&m, p.beta);
            check("e", p.temperature, &p.energy, x.energy);
            check("C/N", p.temperature, &p.specific_heat, x.specific_heat);
            check("q²", p.temperature, &p.q2, q2);
            check("q_l", p.temperature, p.link_overlap.as_ref().unwrap(), ql);
            let f = p.cluster_fraction.unwrap();
            eprintln!("T={}: mean cluster fraction {f:.3}", p.temperature);
            assert!(f > 0.0 && f <= 0.5);
        }
        // Only below the threshold; a field is refused.
        cfg.houdayer = Some(0.5);
        cfg.sweeps = 200;
        let r = temper(&m, cfg.clone()).unwrap();
        assert!(r.points[0].cluster_fraction.is_some());
        assert!(r.points[1].cluster_fraction.is_none());
        let h = Ising::from_edges(3, &[(0, 1, 1.0), (1, 2, -1.0)], vec![0.1, 0.0, 0.0]).unwrap();
        assert!(Tempering::new(&h, cfg.clone()).is_err());
        cfg.houdayer = Some(-1.0);
        assert!(Tempering::new(&m, cfg).is_err());
    }

    #[test]
    fn chunked_and_checkpointed_equals_uninterrupted() {
        let m = model("graph = { kind = 'random-regular', n = 12, degree = 3 }\ncouplings = { law = 'plus-minus' }");
        let mut cfg = config(vec![0.5, 1.0, 2.0], 3000, 9);
        cfg.exchange_every = 3;
        cfg.measure_every = 2;
        cfg.replicas = 3;
        let mut a = Tempering::new(&m, cfg.clone()).unwrap();
        a.run(&m, |_, _| {});
        let mut b = Tempering::new(&m, cfg).unwrap();
        while !b.finished() {
            b.advance(&m, 37);
            b = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        }
        assert_eq!(a, b);
        let r = a.results(&m);
        assert_eq!(r.points[0].q2.n, 1500);
    }

    /// A run split into 2, 3 or K groups (odd K, so that a group boundary falls on both
    /// parities of exchange pairs; four sets with Houdayer moves at the lower temperatures;
    /// Gaussian couplings, so that an energy recomputed instead of moved would show in the
    /// last bits) and joined after every block is the unsplit run, bit for bit.
    #[test]
    fn split_over_groups_equals_the_whole_run() {
        let m = model("graph = { kind = 'lattice', dims = [5, 5] }\ncouplings = { law = 'gaussian' }\nseed = 4");
        let mut cfg = config(vec![0.4, 0.55, 0.75, 1.0, 1.4], 600, 12);
        cfg.replicas = 4;
        cfg.exchange_every = 2;
        cfg.measure_every = 3;
        cfg.houdayer = Some(0.8);
        let block = 70;
        let mut whole = Tempering::new(&m, cfg.clone()).unwrap();
        while !whole.finished() {
            whole.advance(&m, block);
        }
        assert!(whole.round_trips > 0);
        for parts in [2, 3, 5] {
            let mut run = Tempering::new(&m, cfg.clone()).unwrap();
            while !run.finished() {
                let groups = advance_groups(&m, run.split(parts).unwrap(), block).unwrap();
                run = Tempering::join(groups).unwrap();
            }
            assert_eq!(run, whole, "{parts} groups");
        }
        // One group is the whole run; refusals.
        assert_eq!(whole.split(1).unwrap(), vec![whole.clone()]);
        assert!(whole.split(0).is_err() && whole.split(6).is_err());
        let groups = whole.split(2).unwrap();
        assert!(groups[1].split(1).is_err());
        assert!(Tempering::join(vec![groups[1].clone(), groups[0].clone()]).is_err());
        assert!(Tempering::join(groups[..1].to_vec()).is_err());
        let other = Tempering::new(&m, config(cfg.temperatures.clone(), 600, 13)).unwrap();
        let mixed = vec![groups[0].clone(), other.split(2).unwrap().remove(1)];
        assert!(Tempering::join(mixed).is_err());
        assert_eq!(Tempering::join(groups).unwrap(), whole);
        assert_eq!(temperature_groups(5, 2), vec![0..2, 2..5]);
    }

    #[test]
    fn tuning_evens_out_acceptance() {
        let m = model("graph = { kind = 'lattice', dims = [6, 6] }\ncouplings = { law = 'plus-minus' }\nseed = 1");
        let cfg = config(vec![0.5, 0.6, 0.7, 3.0], 2000, 4);
        let spread = |t: &[f64]| {
            let mut c = cfg.clone();
            c.temperatures = t.to_vec();
            let a = temper(&m, c).unwrap().exchange_acceptance;
            a.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - a.iter().cloned().fold(f64::INFINITY, f64::min)
        };
        let tuned = tune_temperatures(&m, &cfg, 6, 1000).unwrap();
        assert_eq!(tuned.len(), 4);
        assert!((tuned[0] - 0.5).abs() < 1e-12 && (tuned[3] - 3.0).abs() < 1e-9);
        assert!(tuned.windows(2).all(|w| w[1] > w[0]), "{tuned:?}");
        let (before, after) = (spread(&cfg.temperatures), spread(&tuned));
        eprintln!("acceptance spread {before} -> {after}, tuned {tuned:?}");
        assert!(after < before);
    }

    #[test]
    fn disorder_average_of_samples() {
        let temps = vec![0.8, 1.5];
        let results: Vec<TemperingResult> = (0..4)
            .map(|k| {
                let m = model(&format!(
                    "graph = {{ kind = 'lattice', dims = [3, 3] }}\ncouplings = {{ law = 'plus-minus' }}\nseed = {k}"
                ));
                temper(&m, config(temps.clone(), 4000, k)).unwrap()
            })
            .collect();
        let avg = disorder_average_tempering(&results).unwrap();
        for t in 0..2 {
            let q2: f64 = results.iter().map(|r| r.points[t].q2.mean).sum::<f64>() / 4.0;
            let q4: f64 = results.iter().map(|r| r.points[t].q4.mean).sum::<f64>() / 4.0;
            assert!((avg.points[t].q2.mean - q2).abs() < 1e-12);
            // With the jackknife bias correction the mean stays close to g of the averages.
            let g = 0.5 * (3.0 - q4 / (q2 * q2));
            assert!((avg.points[t].binder_q.mean - g).abs() < 3.0 * avg.points[t].binder_q.error);
            assert!(avg.points[t].binder_q.error > 0.0);
            assert!((avg.points[t].q_histogram.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        assert_eq!(
            avg.round_trips,
            results.iter().map(|r| r.round_trips).sum::<u64>()
        );
        // (As JSON: the first logarithmic windows have NaN error bars.)
        assert_eq!(
            serde_json::to_string(&disorder_average_tempering(&results[..1]).unwrap()).unwrap(),
            serde_json::to_string(&results[0]).unwrap()
        );
        assert!(disorder_average_tempering(&[]).is_err());
        let mut other = results[1].clone();
        other.points[0].temperature = 0.9;
        assert!(disorder_average_tempering(&[results[0].clone(), other]).is_err());
    }

    /// The Gaussian energy–link-overlap identity holds in the disorder average of
    /// equilibrated 2D EA samples, and is violated by a run too short to thermalize.
    #[test]
    fn link_identity_in_the_disorder_average() {
        let temps = vec![0.5, 0.8, 1.3];
        let run = |sweeps: u64, therm: u64| -> Vec<Estimate> {
            let results: Vec<TemperingResult> = (0..24)
                .map(|k| {
                    let m = model(&format!(
                        "graph = {{ kind = 'lattice', dims = [4, 4] }}\ncouplings = {{ law = 'gaussian' }}\nseed = {k}"
                    ));
                    let mut c = config(temps.clone(), sweeps, 100 + k);
                    c.thermalization = therm;
                    temper(&m, c).unwrap()
                })
                .collect();
            (0..temps.len())
                .map(|t| {
                    let per: Vec<Estimate> = results
                        .iter()
                        .map(|r| link_identity_residual(&r.points[t], 2.0, 1.0).unwrap())
                        .collect();
                    disorder_average(&per)
                })
                .collect()
        };
        for (t, r) in temps.iter().zip(run(4000, 1000)) {
            eprintln!("T={t}: residual {:.5} ± {:.5}", r.mean, r.error);
            assert!(r.error > 0.0 && r.mean.abs() < 4.0 * r.error, "T={t}");
        }
        let r = run(2, 0)[0];
        eprintln!(
            "2 sweeps from random spins: residual {:.5} ± {:.5}",
            r.mean, r.error
        );
        assert!(r.mean > 4.0 * r.error);
    }

    /// The logarithmic binning flags a run too short to thermalize (32 sweeps from random
    /// spins) and passes a long one (16384), in the disorder average (8 samples of a 6×6
    /// Gaussian EA glass) and in one sample.
    #[test]
    fn log_binning_flags_a_short_run() {
        let temps = vec![0.35, 0.6, 1.0, 1.6];
        let run = |total: u64| -> (Vec<TemperingResult>, TemperingResult) {
            let per: Vec<TemperingResult> = (0..8)
                .into_par_iter()
                .map(|k| {
                    let m = model(&format!(
                        "graph = {{ kind = 'lattice', dims = [6, 6] }}\ncouplings = {{ law = 'gaussian' }}\nseed = {k}"
                    ));
                    let mut c = config(temps.clone(), total / 2, 40 + k);
                    c.thermalization = total / 2;
                    temper(&m, c).unwrap()
                })
                .collect();
            let avg = disorder_average_tempering(&per).unwrap();
            (per, avg)
        };
        let drifts = |r: &TemperingResult| -> Vec<f64> {
            r.points
                .iter()
                .map(|p| log_binning_drift(&p.log_bins).unwrap())
                .collect()
        };
        let (short_per, short) = run(1 << 5);
        let (long_per, long) = run(1 << 14);
        let (ds, dl) = (drifts(&short), drifts(&long));
        let (one_s, one_l) = (drifts(&short_per[0]), drifts(&long_per[0]));
        eprintln!("drift (σ) of 32 sweeps: {ds:.1?} (one sample {one_s:.1?}); 16384 sweeps: {dl:.1?} (one sample {one_l:.1?})");
        let p = &long.points[0];
        let b = p.log_bins.last().unwrap();
        eprintln!(
            "T = 0.35, last window [{}, {}): e = {:.5} ± {:.5}, q² = {:.5} ± {:.5}; equilibrium e = {:.5}",
            b.start, b.end, b.energy.mean, b.energy.error, b.q2.mean, b.q2.error, p.energy.mean
        );
        // The short run is flagged (at some temperature), the long one is not.
        let worst = |d: &[f64]| d.iter().cloned().fold(0.0, f64::max);
        assert!(worst(&ds) > LOG_BINNING_SIGMAS && worst(&one_s) > LOG_BINNING_SIGMAS);
        assert!(dl.iter().all(|&d| d <= LOG_BINNING_SIGMAS));
        assert!(one_l.iter().all(|&d| d <= LOG_BINNING_SIGMAS));
        // Windows [1, 2), [2, 4), …, [8192, 16384) complete, [16384, 32768) holds one sweep.
        assert_eq!(b.start, 1 << 14);
        assert!(!b.complete && b.energy.n == 8);
        let w = &p.log_bins[13];
        assert!(w.complete && w.start == 1 << 13 && w.energy.n == 8 * (1 << 13));
        assert_eq!(long_per[0].points[0].log_bins[13].energy.n, 1 << 13);
    }

    #[test]
    fn rejects_bad_config() {
        let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
        let mut c = config(vec![1.0], 10, 0);
        assert!(Tempering::new(&m, c.clone()).is_err());
        c.temperatures = vec![2.0, 1.0];
        assert!(Tempering::new(&m, c.clone())
            .unwrap_err()
            .to_string()
            .contains("increasing"));
        c.temperatures = vec![1.0, 2.0];
        c.replicas = 1;
        assert!(Tempering::new(&m, c.clone()).is_err());
        c.replicas = 2;
        c.q_bins = 0;
        assert!(Tempering::new(&m, c).is_err());
        assert!(geometric_temperatures(2.0, 1.0, 4).is_err());
        assert!(geometric_temperatures(1.0, 2.0, 1).is_err());
        let g = geometric_temperatures(1.0, 4.0, 3).unwrap();
        assert!((g[1] - 2.0).abs() < 1e-12 && g[2] == 4.0);
    }
}
