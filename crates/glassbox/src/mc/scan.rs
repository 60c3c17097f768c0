//! Temperature scans: one Markov chain per temperature, each on the fastest kernel its model
//! qualifies for (see [`ScanConfig`] for the kernels, what a measurement is, and the streams).

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::cluster::{uniform_ferromagnet, ClusterAlgorithm, ClusterSampler};
use crate::mc::lanes::{self, LaneModel, LaneSpins, LaneSweeper};
use crate::mc::multispin::{MultiRng, MultiSpin, MultiSweeper, LANES};
use crate::mc::sitepacked::{SitePacked, SiteSweeper};
use crate::mc::{Kernel, Order, Replica, Rule, Sweeper};
use crate::measure::{disorder_average, jackknife, Estimate, Series};
use crate::model::Ising;
use crate::rng::{purpose, Rng, Streams};

/// Number of jackknife blocks for derived observables.
const JACKKNIFE_BLOCKS: usize = 64;

/// A temperature scan: one independent Markov chain per temperature.
///
/// # Kernels
///
/// With [`Kernel::Auto`] (the default) and no cluster moves, a model that qualifies for
/// multispin coding ([`MultiSpin::check`]: a periodic 2D or 3D lattice, couplings ±J of one
/// magnitude, ferromagnetic or not, and no field) runs each temperature's chain as 64
/// independent replicas bit-sliced in one [`MultiSpin`] (see [`crate::mc::multispin`]). A
/// sweep is then N attempted flips in each of the 64 replicas, with the sites visited in
/// checkerboard order (sequential order when a side of the lattice is odd) whatever
/// [`ScanConfig::order`] says; [`ScanConfig::rule`] applies as on the scalar path. Every other
/// model, [`Kernel::Scalar`] and cluster moves run one replica on the scalar [`Sweeper`] (or
/// the cluster sampler), the reference the multispin kernel is tested against.
///
/// Other models on a lattice or a sparse graph (Gaussian couplings, fields, open boundaries,
/// weighted graphs) with [`Kernel::Auto`] and no cluster moves run 32 replicas per
/// temperature on [replica lanes](crate::mc::lanes) (single precision, one SIMD lane per
/// replica, the site order of [`ScanConfig::order`]); what is said below of the 64
/// multispin replicas holds for these 32 alike.
///
/// [`Kernel::SitePacked`] runs one system per temperature on the site-packed kernel
/// ([`crate::mc::sitepacked`], periodic 2D/3D ferromagnets whose first side is a multiple of
/// 128; checkerboard order, [`ScanConfig::rule`] applies); other models are an error.
///
/// # Measurements
///
/// A measurement, taken every [`ScanConfig::measure_every`]-th sweep after thermalization,
/// records per spin `e = E/N` and `m = M/N` as the six moments `e, e², m, |m|, m², m⁴`. On
/// the scalar kernel they are those of the one replica; on the multispin kernel each moment is
/// the mean over the 64 replicas *before* it is recorded,
///
/// ```text
/// x̄ = (1/64) Σ_k x_k,    x ∈ {e, e², m, |m|, m², m⁴},
/// ```
///
/// so that `⟨e²⟩ − ⟨e⟩²` (the specific heat) and `⟨m²⟩ − ⟨|m|⟩²` (the susceptibility) stay
/// fluctuations of one system, not of the lane mean. The 64 replicas are independent chains,
/// so for the same number of sweeps the error bars are about 1/8 of the scalar ones (τ_int,
/// measured on the lane means, is that of one replica). The acceptance is the fraction of
/// accepted attempts: accepted flips / (lanes · N · sweeps), lanes = 64 or 1.
///
/// # Streams
///
/// Chain `i` (temperature index i) draws its initial spins from stream `[INITIAL_STATE, i]`
/// and its moves from `[MONTE_CARLO, i]` of the seed ([`crate::rng::purpose`]); on the
/// multispin kernel the initial stream gives one random word per site (64 independent
/// uniform configurations), on replica lanes 32 configurations one after the other, and the
/// moves of both come from a [`MultiRng`] on the paths `[MONTE_CARLO, i, w]`. Results therefore do not depend on the number of threads.
///
/// A [`Chain`] serializes with its kernel's state, so a checkpoint resumes bit-identically on
/// the kernel it started on (a checkpoint written before the multispin route existed resumes
/// on the scalar kernel).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Temperatures T = 1/β (each finite and > 0).
    pub temperatures: Vec<f64>,
    /// Acceptance rule.
    pub rule: Rule,
    /// Site order within a sweep (the multispin kernel uses checkerboard order instead, or
    /// sequential order for a lattice with an odd side; see the [type docs](ScanConfig)).
    pub order: Order,
    /// Sweeps discarded for equilibration.
    pub thermalization: u64,
    /// Sweeps after equilibration.
    pub sweeps: u64,
    /// Measure every this many sweeps (≥ 1).
    pub measure_every: u64,
    /// Seed of the Monte Carlo streams.
    pub seed: u64,
    /// Cluster updates instead of single-spin flips (uniform ferromagnets without field
    /// only; `rule` and `order` are then unused). A "sweep" is one Swendsen–Wang update of
    /// the whole system, or one Wolff cluster (a fixed count: stopping after a number of
    /// flipped spins instead would bias the measurements, which would then be taken
    /// preferentially after large clusters); the reported acceptance is the number of spins
    /// flipped per spin and sweep (for Wolff, the mean cluster size over N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterAlgorithm>,
    /// Implementation of the single-spin-flip sweeps (default [`Kernel::Auto`]: 64 bit-sliced
    /// replicas per temperature for models that qualify, see the [type docs](ScanConfig)).
    #[serde(default)]
    pub kernel: Kernel,
}

impl ScanConfig {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.temperatures.is_empty() {
            return Err(invalid("no temperatures given"));
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
        if self.sweeps == 0 {
            return Err(invalid("the number of measurement sweeps must be positive"));
        }
        if self.measure_every == 0 {
            return Err(invalid("measure_every must be at least 1"));
        }
        Ok(())
    }

    /// The configuration of disorder sample `k` of an ensemble: its own Monte Carlo seed,
    /// derived from this one (unchanged for a one-sample ensemble).
    pub fn sample(&self, k: usize, samples: usize) -> ScanConfig {
        let mut c = self.clone();
        if samples > 1 {
            c.seed = Streams::new(self.seed)
                .child(&[purpose::MONTE_CARLO, k as u64])
                .seed();
        }
        c
    }

    fn total_sweeps(&self) -> u64 {
        self.thermalization + self.sweeps
    }

    /// Whether the chains of `model` run on the multispin kernel (64 bit-sliced replicas per
    /// temperature): [`Kernel::Auto`], no cluster moves, and a model [`MultiSpin::check`]
    /// accepts.
    pub fn runs_multispin(&self, model: &Ising) -> bool {
        self.kernel == Kernel::Auto && self.cluster.is_none() && MultiSpin::check(model).is_ok()
    }

    /// Whether the chains of `model` run on replica lanes (32 replicas per temperature in
    /// single precision): [`Kernel::Auto`], no cluster moves, a model [`LaneModel::check`]
    /// accepts and the multispin kernel does not take.
    pub fn runs_lanes(&self, model: &Ising) -> bool {
        self.kernel == Kernel::Auto
            && self.cluster.is_none()
            && !self.runs_multispin(model)
            && LaneModel::check(model).is_ok()
    }

    /// The name of the implementation that runs the chains of `model`: `"multispin"` (see
    /// [`ScanConfig::runs_multispin`]), `"lanes"` ([`ScanConfig::runs_lanes`]),
    /// `"site-packed"` ([`Kernel::SitePacked`]), `"cluster"` or `"scalar"`.
    pub fn kernel_name(&self, model: &Ising) -> &'static str {
        if self.kernel == Kernel::SitePacked {
            "site-packed"
        } else if self.runs_multispin(model) {
            "multispin"
        } else if self.runs_lanes(model) {
            "lanes"
        } else if self.cluster.is_some() {
            "cluster"
        } else {
            "scalar"
        }
    }
}

/// Results at one temperature. Intensive observables are per spin: `e = E/N`, `m = M/N`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PointResult {
    /// Temperature T.
    pub temperature: f64,
    /// β = 1/T.
    pub beta: f64,
    /// ⟨e⟩.
    pub energy: Estimate,
    /// ⟨m⟩.
    pub m: Estimate,
    /// ⟨|m|⟩.
    pub abs_m: Estimate,
    /// ⟨m²⟩.
    pub m2: Estimate,
    /// ⟨m⁴⟩.
    pub m4: Estimate,
    /// Specific heat per spin `C/N = β² N (⟨e²⟩ − ⟨e⟩²)`.
    pub specific_heat: Estimate,
    /// Susceptibility per spin `χ/N = β N (⟨m²⟩ − ⟨|m|⟩²)` (the finite-size χ′ built on |m|).
    pub susceptibility: Estimate,
    /// Binder cumulant `U = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)`.
    pub binder: Estimate,
    /// Fraction of accepted flip attempts after thermalization: accepted flips /
    /// (lanes · N · sweeps), with lanes = 64 on the multispin kernel, 32 on replica lanes,
    /// else 1.
    pub acceptance: f64,
    /// Sweeps after thermalization.
    pub sweeps: u64,
}

/// One Markov chain of a scan, on the scalar or the multispin kernel (see the
/// [type docs](ScanConfig)); serializable so that a run can be checkpointed and resumed
/// bit-identically.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chain {
    /// Index of the temperature in the scan.
    pub index: usize,
    /// Temperature T.
    pub temperature: f64,
    // Both flattened, so a scalar chain serializes with the field names it always had.
    #[serde(flatten)]
    walker: Walker,
    #[serde(flatten)]
    tally: Tally,
}

/// The state of a chain's Markov process on its kernel.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Walker {
    /// One replica (scalar sweeper or cluster sampler).
    Scalar { spins: Vec<i8>, rng: Rng },
    /// 64 replicas on the multispin kernel.
    Lanes(Box<Lanes>),
    /// 32 replicas on replica lanes.
    Replicas(Box<Replicas>),
    /// One system on the site-packed kernel.
    Site(Box<Site>),
}

/// One site-packed ferromagnet and its random bits.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Site {
    site: SitePacked,
    site_rng: MultiRng,
}

/// 64 bit-sliced replicas and their random bits.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Lanes {
    lanes: MultiSpin,
    lane_rng: MultiRng,
}

/// 32 replicas in single-precision lanes and their random bits.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Replicas {
    replicas: LaneSpins,
    lane_rng: MultiRng,
}

/// Sweep counts and the measured moments of a chain.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Tally {
    done: u64,
    accepted: u64,
    e: Series,
    e2: Series,
    m: Series,
    abs_m: Series,
    m2: Series,
    m4: Series,
}

/// The moments `[e, e², m, |m|, m², m⁴]` recorded by a measurement, for `e = E/N`, `m = M/N`.
fn moments(e: f64, m: f64) -> [f64; 6] {
    let m2 = m * m;
    [e, e * e, m, m.abs(), m2, m2 * m2]
}

impl Tally {
    /// Runs `todo` more sweeps of `state`: `sweep(state, counted)` does one and returns its
    /// accepted flips when `counted` (the sweep is past thermalization; uncounted sweeps may
    /// return 0), and `measure(state)` gives the moments recorded every
    /// `measure_every`-th counted sweep.
    fn run<S>(
        &mut self,
        config: &ScanConfig,
        todo: u64,
        state: &mut S,
        mut sweep: impl FnMut(&mut S, bool) -> u64,
        measure: impl Fn(&S) -> [f64; 6],
    ) {
        for _ in 0..todo {
            self.done += 1;
            let counted = self.done > config.thermalization;
            let acc = sweep(state, counted);
            if counted {
                self.accepted += acc;
                if (self.done - config.thermalization) % config.measure_every == 0 {
                    let x = measure(state);
                    let series = [
                        &mut self.e,
                        &mut self.e2,
                        &mut self.m,
                        &mut self.abs_m,
                        &mut self.m2,
                        &mut self.m4,
                    ];
                    for (s, x) in series.into_iter().zip(x) {
                        s.push(x);
                    }
                }
            }
        }
    }
}

/// The means over the replicas of [`moments`], for the energies `e` and magnetizations `m` of
/// replicas of `n` spins (see the [type docs](ScanConfig)).
fn lane_moments(e: &[f64], m: &[i64], n: usize) -> [f64; 6] {
    let n = n as f64;
    let mut sum = [0.0; 6];
    for (e, &m) in e.iter().zip(m) {
        for (s, x) in sum.iter_mut().zip(moments(e / n, m as f64 / n)) {
            *s += x;
        }
    }
    sum.map(|s| s / e.len() as f64)
}

impl Chain {
    /// The chain for temperature `index` of `config`, started from random spins (on the
    /// kernel [`ScanConfig::runs_multispin`] picks).
    pub fn new(model: &Ising, config: &ScanConfig, index: usize) -> Self {
        let streams = Streams::new(config.seed);
        let mut init = streams.stream(&[purpose::INITIAL_STATE, index as u64]);
        let moves = [purpose::MONTE_CARLO, index as u64];
        let walker = if config.runs_multispin(model) {
            let mut lanes = MultiSpin::new(model).expect("checked by runs_multispin");
            lanes.randomize(&mut init);
            Walker::Lanes(Box::new(Lanes {
                lanes,
                lane_rng: MultiRng::new(&streams, &moves),
            }))
        } else if config.kernel == Kernel::SitePacked {
            let mut site = SitePacked::new(model).expect("checked by Scan::new");
            site.randomize(&mut init);
            Walker::Site(Box::new(Site {
                site,
                site_rng: MultiRng::new(&streams, &moves),
            }))
        } else if config.runs_lanes(model) {
            Walker::Replicas(Box::new(Replicas {
                replicas: LaneSpins::random(model, &mut init),
                lane_rng: MultiRng::new(&streams, &moves),
            }))
        } else {
            Walker::Scalar {
                spins: Replica::random(model, &mut init).into_spins(),
                rng: streams.stream(&moves),
            }
        };
        Chain {
            index,
            temperature: config.temperatures[index],
            walker,
            tally: Tally::default(),
        }
    }

    /// Whether all sweeps are done.
    pub fn finished(&self, config: &ScanConfig) -> bool {
        self.tally.done >= config.total_sweeps()
    }

    /// Sweeps done so far (thermalization included).
    pub fn sweeps_done(&self) -> u64 {
        self.tally.done
    }

    /// Number of independent replicas the chain runs: 64 on the multispin kernel, 32 on
    /// replica lanes, else 1.
    pub fn lanes(&self) -> usize {
        match self.walker {
            Walker::Scalar { .. } | Walker::Site(_) => 1,
            Walker::Lanes(_) => LANES,
            Walker::Replicas(_) => lanes::LANES,
        }
    }

    /// The current configuration (of replica 0 on the multispin kernel or replica lanes).
    pub fn spins(&self) -> Cow<'_, [i8]> {
        match &self.walker {
            Walker::Scalar { spins, .. } => Cow::Borrowed(spins),
            Walker::Lanes(l) => Cow::Owned(l.lanes.lane_spins(0)),
            Walker::Replicas(r) => Cow::Owned(r.replicas.lane_spins(0)),
            Walker::Site(s) => Cow::Owned(s.site.spins()),
        }
    }

    /// Runs up to `max_sweeps` more sweeps; returns how many were run.
    pub fn advance(&mut self, model: &Ising, config: &ScanConfig, max_sweeps: u64) -> u64 {
        let todo = max_sweeps.min(config.total_sweeps().saturating_sub(self.tally.done));
        if todo == 0 {
            return 0;
        }
        let beta = 1.0 / self.temperature;
        match &mut self.walker {
            Walker::Scalar { spins, rng } => {
                let sweeper = Sweeper::new(model, config.rule, config.order, beta)
                    .expect("validated temperature");
                let cluster = config
                    .cluster
                    .map(|a| ClusterSampler::new(model, a, beta).expect("validated by Scan::new"));
                let r = Replica::new(model, std::mem::take(spins)).expect("valid spins");
                let n = model.n() as f64;
                let mut state = (r, rng);
                self.tally.run(
                    config,
                    todo,
                    &mut state,
                    |(r, rng), _| match &cluster {
                        None => sweeper.sweep(model, r, rng),
                        Some(c) => c.step(model, r, rng),
                    },
                    |(r, _)| moments(r.energy() / n, r.magnetization() as f64 / n),
                );
                *spins = state.0.into_spins();
            }
            Walker::Lanes(l) => {
                let sweeper =
                    MultiSweeper::new(&l.lanes, config.rule, beta).expect("validated temperature");
                // Accepted flips are the sites that changed in a sweep (it visits each once).
                let mut before: Option<MultiSpin> = None;
                self.tally.run(
                    config,
                    todo,
                    &mut **l,
                    |l, counted| {
                        if !counted {
                            sweeper.sweep(&mut l.lanes, &mut l.lane_rng);
                            return 0;
                        }
                        let before = before.get_or_insert_with(|| l.lanes.clone());
                        before.copy_lanes(&l.lanes, !0);
                        sweeper.sweep(&mut l.lanes, &mut l.lane_rng);
                        l.lanes.differing_sites(before).iter().sum()
                    },
                    |l| lane_moments(&l.lanes.energies(), &l.lanes.magnetizations(), l.lanes.n()),
                );
            }
            Walker::Replicas(r) => {
                let sweeper = LaneSweeper::new(config.rule, config.order, beta)
                    .expect("validated temperature");
                let lm = LaneModel::new(model).expect("checked by runs_lanes");
                self.tally.run(
                    config,
                    todo,
                    &mut **r,
                    |r, _| {
                        let t = sweeper.sweep(&lm, &mut r.replicas, &mut r.lane_rng);
                        t.flips.iter().map(|&f| f as u64).sum()
                    },
                    |r| {
                        let (e, m) = (r.replicas.energies(&lm), r.replicas.magnetizations());
                        lane_moments(&e, &m, lm.n())
                    },
                );
            }
            Walker::Site(s) => {
                let sweeper =
                    SiteSweeper::new(&s.site, config.rule, beta).expect("validated temperature");
                let n = model.n() as f64;
                self.tally.run(
                    config,
                    todo,
                    &mut **s,
                    |s, _| sweeper.sweep(&mut s.site, &mut s.site_rng),
                    |s| moments(s.site.energy() / n, s.site.magnetization() as f64 / n),
                );
            }
        }
        todo
    }

    /// The estimates from the measurements so far.
    pub fn result(&self, model: &Ising, config: &ScanConfig) -> PointResult {
        let n = model.n() as f64;
        let beta = 1.0 / self.temperature;
        let t = &self.tally;
        let measured = t.done.saturating_sub(config.thermalization);
        let b = JACKKNIFE_BLOCKS;
        PointResult {
            temperature: self.temperature,
            beta,
            energy: t.e.estimate(),
            m: t.m.estimate(),
            abs_m: t.abs_m.estimate(),
            m2: t.m2.estimate(),
            m4: t.m4.estimate(),
            specific_heat: jackknife(&[&t.e, &t.e2], b, |x| {
                beta * beta * n * (x[1] - x[0] * x[0])
            }),
            susceptibility: jackknife(&[&t.abs_m, &t.m2], b, |x| beta * n * (x[1] - x[0] * x[0])),
            binder: jackknife(&[&t.m2, &t.m4], b, |x| 1.0 - x[1] / (3.0 * x[0] * x[0])),
            acceptance: t.accepted as f64 / (measured.max(1) as f64 * n * self.lanes() as f64),
            sweeps: measured,
        }
    }
}

/// A temperature scan in progress: one [`Chain`] per temperature, advanced in parallel.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scan {
    /// The configuration.
    pub config: ScanConfig,
    /// The chains, in temperature order.
    pub chains: Vec<Chain>,
}

impl Scan {
    /// A new scan (validates the configuration).
    pub fn new(model: &Ising, config: ScanConfig) -> Result<Self> {
        config.validate()?;
        if config.cluster.is_some() {
            uniform_ferromagnet(model)?;
        }
        if config.kernel == Kernel::SitePacked {
            if config.cluster.is_some() {
                return Err(invalid(
                    "cluster moves do not run on the site-packed kernel",
                ));
            }
            SitePacked::check(model)?;
        }
        let chains = (0..config.temperatures.len())
            .map(|k| Chain::new(model, &config, k))
            .collect();
        Ok(Scan { config, chains })
    }

    /// Total sweeps of the whole scan (all temperatures).
    pub fn total_sweeps(&self) -> u64 {
        self.config.total_sweeps() * self.chains.len() as u64
    }

    /// Sweeps done so far (all temperatures).
    pub fn sweeps_done(&self) -> u64 {
        self.chains.iter().map(|c| c.sweeps_done()).sum()
    }

    /// Whether every chain is finished.
    pub fn finished(&self) -> bool {
        self.chains.iter().all(|c| c.finished(&self.config))
    }

    /// Advances every unfinished chain by up to `block` sweeps, in parallel; returns the
    /// number of sweeps run.
    pub fn step(&mut self, model: &Ising, block: u64) -> u64 {
        let config = &self.config;
        self.chains
            .par_iter_mut()
            .map(|c| c.advance(model, config, block))
            .sum()
    }

    /// Runs to the end, calling `progress(sweeps_done, total)` after every block.
    pub fn run(&mut self, model: &Ising, mut progress: impl FnMut(u64, u64)) {
        let block = (self.config.total_sweeps() / 100).max(1);
        while !self.finished() {
            self.step(model, block);
            progress(self.sweeps_done(), self.total_sweeps());
        }
    }

    /// Results, one per temperature.
    pub fn results(&self, model: &Ising) -> Vec<PointResult> {
        self.chains
            .iter()
            .map(|c| c.result(model, &self.config))
            .collect()
    }
}

/// Disorder averages over an ensemble: `samples[k]` holds sample k's results (all at the same
/// temperatures). Each observable is averaged with [`disorder_average`]; the acceptance is the
/// mean and `sweeps` the per-sample count.
pub fn disorder_averages(samples: &[Vec<PointResult>]) -> Vec<PointResult> {
    let first = &samples[0];
    (0..first.len())
        .map(|t| {
            let avg = |f: fn(&PointResult) -> Estimate| {
                disorder_average(&samples.iter().map(|s| f(&s[t])).collect::<Vec<_>>())
            };
            PointResult {
                temperature: first[t].temperature,
                beta: first[t].beta,
                energy: avg(|r| r.energy),
                m: avg(|r| r.m),
                abs_m: avg(|r| r.abs_m),
                m2: avg(|r| r.m2),
                m4: avg(|r| r.m4),
                specific_heat: avg(|r| r.specific_heat),
                susceptibility: avg(|r| r.susceptibility),
                binder: avg(|r| r.binder),
                acceptance: samples.iter().map(|s| s[t].acceptance).sum::<f64>()
                    / samples.len() as f64,
                sweeps: first[t].sweeps,
            }
        })
        .collect()
}

/// Convenience: runs a whole scan and returns its results and final configurations (replica
/// 0's on the multispin kernel).
pub fn scan(model: &Ising, config: ScanConfig) -> Result<(Vec<PointResult>, Vec<Vec<i8>>)> {
    let mut s = Scan::new(model, config)?;
    s.run(model, |_, _| {});
    let spins = s.chains.iter().map(|c| c.spins().into_owned()).collect();
    Ok((s.results(model), spins))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn ising(l: usize) -> Ising {
        ModelSpec::from_toml(&format!(
            "graph = {{ kind = 'lattice', dims = [{l}, {l}] }}"
        ))
        .unwrap()
        .build()
        .unwrap()
    }

    fn config(kernel: Kernel) -> ScanConfig {
        ScanConfig {
            temperatures: vec![2.0, 3.0],
            rule: Rule::Metropolis,
            order: Order::Random,
            thermalization: 50,
            sweeps: 500,
            measure_every: 1,
            seed: 11,
            cluster: None,
            kernel,
        }
    }

    /// Checkpoint/resume on every kernel: advancing in chunks with a JSON round trip (as a
    /// checkpoint) between them equals one uninterrupted run.
    #[test]
    fn chunked_equals_uninterrupted() {
        let gauss = ModelSpec::from_toml(
            "graph = { kind = 'lattice', dims = [5, 6] }\ncouplings = { law = 'gaussian' }",
        )
        .unwrap()
        .build()
        .unwrap();
        let strip = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [128, 4] }")
            .unwrap()
            .build()
            .unwrap();
        for (m, kernel, lanes) in [
            (ising(6), Kernel::Scalar, 1),
            (ising(6), Kernel::Auto, LANES),
            (gauss, Kernel::Auto, lanes::LANES),
            (strip, Kernel::SitePacked, 1),
        ] {
            let cfg = config(kernel);
            let mut a = Scan::new(&m, cfg.clone()).unwrap();
            a.run(&m, |_, _| {});
            assert!(a.chains.iter().all(|c| c.lanes() == lanes));
            let mut b = Scan::new(&m, cfg).unwrap();
            while !b.finished() {
                b.step(&m, 37);
                // Round trip through JSON, as a checkpoint would.
                b = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
            }
            assert_eq!(a, b);
        }
    }

    /// The site-packed kernel (one system per temperature) agrees with the scalar kernel
    /// within 4σ on energy, specific heat, ⟨m²⟩ and the Binder cumulant; it refuses models
    /// it cannot run.
    #[test]
    fn site_packed_scan_matches_scalar() {
        let m = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [128, 8] }")
            .unwrap()
            .build()
            .unwrap();
        let run = |kernel, seed| {
            let cfg = ScanConfig {
                temperatures: vec![2.0, 3.0],
                order: Order::Sequential,
                thermalization: 2_000,
                sweeps: 40_000,
                seed,
                ..config(kernel)
            };
            assert_eq!(
                cfg.kernel_name(&m),
                if kernel == Kernel::SitePacked {
                    "site-packed"
                } else {
                    "scalar"
                }
            );
            scan(&m, cfg).unwrap().0
        };
        let (fast, slow) = (run(Kernel::SitePacked, 5), run(Kernel::Scalar, 6));
        for (a, b) in fast.iter().zip(&slow) {
            let pairs = [
                (a.energy, b.energy),
                (a.specific_heat, b.specific_heat),
                (a.m2, b.m2),
                (a.binder, b.binder),
            ];
            for (k, (x, y)) in pairs.into_iter().enumerate() {
                assert!(
                    x.reliable && y.reliable,
                    "observable {k} at T={}",
                    a.temperature
                );
                let z = (x.mean - y.mean) / (x.error.powi(2) + y.error.powi(2)).sqrt();
                assert!(
                    z.abs() < 4.0,
                    "observable {k} at T={}: z = {z}",
                    a.temperature
                );
            }
            assert!(a.acceptance > 0.0 && a.acceptance < 1.0);
        }
        assert!(Scan::new(&ising(6), config(Kernel::SitePacked)).is_err());
        let mut cluster = config(Kernel::SitePacked);
        cluster.cluster = Some(ClusterAlgorithm::Wolff);
        assert!(Scan::new(&m, cluster).is_err());
    }

    /// The multispin route gives the same results on one and on two threads.
    #[test]
    fn multispin_scan_is_independent_of_the_thread_count() {
        let m = ising(8);
        let mut cfg = config(Kernel::Auto);
        cfg.temperatures = vec![1.5, 2.269, 3.0];
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| scan(&m, cfg.clone()).unwrap())
        };
        assert!(cfg.runs_multispin(&m));
        assert_eq!(run(1), run(2));
    }

    /// Models the multispin kernel cannot run (a field, Gaussian couplings) run on replica
    /// lanes under `Auto`; dense models and cluster moves fall back silently to the scalar
    /// kernel, with the scalar kernel's results.
    #[test]
    fn auto_routes_the_other_models() {
        let build = |toml: &str| ModelSpec::from_toml(toml).unwrap().build().unwrap();
        let field = build("graph = { kind = 'lattice', dims = [6, 6] }\nfield = { uniform = 0.2 }");
        let gauss = build(
            "graph = { kind = 'lattice', dims = [6, 6] }\ncouplings = { law = 'gaussian' }\nseed = 2",
        );
        for m in [&field, &gauss] {
            let cfg = config(Kernel::Auto);
            assert!(!cfg.runs_multispin(m) && cfg.runs_lanes(m));
            let auto = Scan::new(m, cfg).unwrap();
            assert!(auto.chains.iter().all(|c| c.lanes() == lanes::LANES));
        }
        let dense = build("graph = { kind = 'complete', n = 8 }\ncouplings = { law = 'gaussian' }");
        let mut cluster = config(Kernel::Auto);
        cluster.cluster = Some(ClusterAlgorithm::Wolff);
        for (m, cfg) in [(&dense, config(Kernel::Auto)), (&ising(6), cluster)] {
            assert!(!cfg.runs_multispin(m) && !cfg.runs_lanes(m));
            let auto = Scan::new(m, cfg.clone()).unwrap();
            assert!(auto.chains.iter().all(|c| c.lanes() == 1));
            let scalar = ScanConfig {
                kernel: Kernel::Scalar,
                ..cfg.clone()
            };
            assert_eq!(scan(m, cfg).unwrap(), scan(m, scalar).unwrap());
        }
    }

    /// Checkpoints and configurations from before the kernel choice still load: a scalar chain
    /// serializes under the field names it always had, and a configuration without `kernel`
    /// means `Auto`.
    #[test]
    fn scalar_checkpoint_format_is_unchanged() {
        let m = ising(4);
        let s = Scan::new(&m, config(Kernel::Scalar)).unwrap();
        let chain = serde_json::to_value(&s.chains[0]).unwrap();
        let mut keys: Vec<&str> = chain
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "abs_m",
                "accepted",
                "done",
                "e",
                "e2",
                "index",
                "m",
                "m2",
                "m4",
                "rng",
                "spins",
                "temperature"
            ]
        );
        let mut old = serde_json::to_value(&s.config).unwrap();
        old.as_object_mut().unwrap().remove("kernel");
        let cfg: ScanConfig = serde_json::from_value(old).unwrap();
        assert_eq!(cfg.kernel, Kernel::Auto);
    }

    #[test]
    fn cluster_scan_matches_kaufman() {
        use crate::exact::{kaufman::kaufman, transfer::magnetization_moments};
        let m = ising(8);
        for (k, algo) in [ClusterAlgorithm::Wolff, ClusterAlgorithm::SwendsenWang]
            .into_iter()
            .enumerate()
        {
            let cfg = ScanConfig {
                temperatures: vec![2.0, 2.269, 3.0],
                rule: Rule::Metropolis,
                order: Order::Random,
                thermalization: 500,
                sweeps: [40_000, 10_000][k],
                measure_every: 1,
                seed: 5 + k as u64,
                cluster: Some(algo),
                kernel: Kernel::Scalar,
            };
            let (res, _) = scan(&m, cfg).unwrap();
            for r in &res {
                let e = kaufman(8, 8, r.beta).unwrap().energy_per_spin;
                let m2 = magnetization_moments(8, r.beta).unwrap().m2;
                eprintln!(
                    "{algo:?} T={}: e {:.5} ± {:.5} (exact {e:.5}), m² {:.5} ± {:.5} (exact {m2:.5})",
                    r.temperature, r.energy.mean, r.energy.error, r.m2.mean, r.m2.error
                );
                assert!(r.energy.sigmas_from(e) < 4.0 && r.m2.sigmas_from(m2) < 4.0);
                assert!(r.energy.reliable && r.m2.reliable);
            }
        }
        let glass = ModelSpec::from_toml(
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }",
        )
        .unwrap()
        .build()
        .unwrap();
        let cfg = ScanConfig {
            temperatures: vec![1.0],
            rule: Rule::Metropolis,
            order: Order::Random,
            thermalization: 0,
            sweeps: 10,
            measure_every: 1,
            seed: 0,
            cluster: Some(ClusterAlgorithm::Wolff),
            kernel: Kernel::Scalar,
        };
        assert!(Scan::new(&glass, cfg)
            .unwrap_err()
            .to_string()
            .contains("uniform"));
    }

    #[test]
    fn rejects_bad_config() {
        let m = ising(4);
        let mut cfg = ScanConfig {
            temperatures: vec![0.0],
            rule: Rule::HeatBath,
            order: Order::Sequential,
            thermalization: 0,
            sweeps: 10,
            measure_every: 1,
            seed: 0,
            cluster: None,
            kernel: Kernel::Scalar,
        };
        assert!(Scan::new(&m, cfg.clone())
            .unwrap_err()
            .to_string()
            .contains("positive"));
        cfg.temperatures = vec![1.0];
        cfg.sweeps = 0;
        assert!(Scan::new(&m, cfg).is_err());
    }
}
