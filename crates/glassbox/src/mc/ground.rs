//! Ground-state search: simulated-annealing reads ([`crate::mc::anneal`]) in parallel
//! batches, or rounds of parallel tempering ([`crate::mc::tempering`]), until a wall-clock
//! budget, a read budget or an energy target is reached, and the time-to-target statistics
//! of repeated searches.
//!
//! With [`GroundConfig::tempering`] set, a search is one parallel-tempering chain (its own
//! seed) and a *read* is one round of `sweeps` sweeps of it: after every round the
//! lowest-energy configuration of all slots is quenched to a local minimum (sequential
//! zero-temperature sweeps) and counts as the round's read; a batch is `batch` rounds.
//! Rounds of one chain are correlated, so the per-read TTS₉₉ below (which assumes
//! independent reads) applies to annealing only; for tempering use the median time to
//! target over searches.
//!
//! A *search* (run k) anneals reads 0, 1, 2, … of its own seed (derived from the base seed
//! and k) in batches of `batch` reads run in parallel, keeping the lowest energy and its
//! configuration. It stops after the batch in which (a) the energy target `E_t` was met
//! (`E ≤ E_t + tol`), or (b) `max_reads` reads were done, or (c) `time_limit` seconds have
//! passed. Every improvement of the best energy is recorded with the wall-clock seconds and
//! the reads done when its batch finished, so the time to reach any energy can be read off
//! afterwards.
//!
//! Time to target, for K searches and a target E_t (given, or the lowest energy any search
//! found):
//!
//! ```text
//! success probability  P_s = (searches that reached E_t) / K
//! median time to target: the median over the K searches of their time to E_t, an
//!     unsuccessful search counting as +∞ (undefined when P_s < ½)
//! per read: p = (reads with E ≤ E_t) / (all reads),  t_read = (wall seconds) / (reads),
//!     TTS₉₉ = t_read · ln(1 − 0.99) / ln(1 − p)        (t_read when p = 1)
//! ```
//!
//! TTS₉₉ is the expected wall time, at this machine's read throughput, to have met the
//! target with probability 0.99 by independent reads.
//!
//! Reproducibility: read r of search k is a fixed function of the seed (like
//! [`crate::mc::anneal::anneal`]), and the reads needed to reach a target are deterministic
//! (the index of the first successful read, plus one); the seconds and, with a time limit,
//! the number of reads done depend on the machine.

use std::time::Instant;

use crate::error::{invalid, Result};
use crate::mc::anneal::{AnnealConfig, Annealer};
use crate::mc::tempering::{Tempering, TemperingConfig};
use crate::mc::{quench, Order, Replica};
use crate::model::Ising;
use crate::rng::Streams;

/// First path element of the ground-search streams.
pub const GROUND_STREAM: u64 = 0x6772_6e64;

/// A ground-state search (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundConfig {
    /// The annealing of every read (`reads` is ignored; `seed` is the base seed).
    pub anneal: AnnealConfig,
    /// Reads per parallel batch (≥ 1).
    pub batch: usize,
    /// Wall-clock budget per search in seconds (> 0; infinite: none).
    pub time_limit: f64,
    /// Read budget per search (none: unlimited, then a finite time limit or a target is
    /// needed).
    pub max_reads: Option<usize>,
    /// Stop a search once its best energy is ≤ this (+ tolerance).
    pub target: Option<f64>,
    /// Search by parallel tempering instead of annealing reads (`anneal` then gives only
    /// the rule, the order and the seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempering: Option<GroundTempering>,
}

/// Parallel tempering as the engine of a ground-state search (see the
/// [module documentation](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundTempering {
    /// Temperatures, strictly increasing (at least 2).
    pub temperatures: Vec<f64>,
    /// Independent replica sets per temperature (≥ 2).
    pub replicas: usize,
    /// Sweeps per round (one read).
    pub sweeps: u64,
}

impl GroundTempering {
    /// The tempering chain of search `run` (never measured: it only searches).
    fn chain_config(&self, config: &GroundConfig, run: usize) -> TemperingConfig {
        TemperingConfig {
            temperatures: self.temperatures.clone(),
            replicas: self.replicas,
            rule: config.anneal.rule,
            order: config.anneal.order,
            thermalization: u64::MAX / 4,
            sweeps: 1,
            exchange_every: 1,
            measure_every: u64::MAX / 4,
            q_bins: 1,
            seed: Streams::new(config.anneal.seed)
                .child(&[GROUND_STREAM, 1, run as u64])
                .seed(),
            houdayer: None,
        }
    }
}

impl GroundConfig {
    /// Checks the parameters, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.batch == 0 {
            return Err(invalid("the batch of parallel reads must be at least 1"));
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(invalid(format!(
                "the time limit must be positive, got {}",
                self.time_limit
            )));
        }
        if self.max_reads == Some(0) {
            return Err(invalid("the read budget must be at least 1"));
        }
        if self.time_limit.is_infinite() && self.max_reads.is_none() && self.target.is_none() {
            return Err(invalid(
                "a ground-state search needs a time limit, a read budget or an energy target",
            ));
        }
        if let Some(t) = self.target {
            if !t.is_finite() {
                return Err(invalid(format!(
                    "the energy target must be finite, got {t}"
                )));
            }
        }
        if let Some(pt) = &self.tempering {
            if pt.sweeps == 0 {
                return Err(invalid("a tempering round needs at least one sweep"));
            }
            pt.chain_config(self, 0).validate()?;
        }
        Ok(())
    }
}

/// The tolerance of energy comparisons: `1e-9 · max(1, |E|)`.
pub fn tolerance(e: f64) -> f64 {
    1e-9 * e.abs().max(1.0)
}

/// A new best energy of a search.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Improvement {
    /// Wall-clock seconds since the search started, when its batch finished.
    pub seconds: f64,
    /// The index of the read that found it, plus one (reads needed).
    pub reads: usize,
    /// The energy.
    pub energy: f64,
}

/// One search.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroundRun {
    /// The search index k.
    pub run: usize,
    /// Lowest energy found.
    pub best_energy: f64,
    /// Its configuration.
    pub best_spins: Vec<i8>,
    /// Reads done.
    pub reads: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Every improvement of the best energy, in order.
    pub history: Vec<Improvement>,
    /// The best energy of every read, in read order.
    pub read_energies: Vec<f64>,
}

impl GroundRun {
    /// The first improvement reaching `target` (`E ≤ target + tolerance(target)`).
    pub fn time_to(&self, target: f64) -> Option<Improvement> {
        let tol = tolerance(target);
        self.history
            .iter()
            .find(|h| h.energy <= target + tol)
            .copied()
    }
}

/// A search in progress, resumable (see the [module documentation](self)): the reads done so
/// far, the wall-clock seconds they took and whether a stopping rule was met. It is
/// serializable, so a search can be checkpointed between batches and continued: the reads
/// are the same as without interruption (read r is a fixed function of the seed); the time
/// limit counts the seconds before the checkpoint plus those after (time spent after the
/// last checkpoint of a killed process is lost, and its reads are redone).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroundSearch {
    /// The search so far.
    pub result: GroundRun,
    /// Whether a stopping rule was met.
    pub finished: bool,
    /// The tempering chain (tempering searches, once started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<Tempering>,
}

/// What produces the reads of a search ([`GroundSearch::engine`]).
pub enum Engine<'m> {
    /// Annealing reads.
    Anneal(Annealer<'m>),
    /// Rounds of the search's tempering chain on this model.
    Tempering(&'m Ising),
}

impl GroundSearch {
    /// Search number `run` before its first read (validates the configuration).
    pub fn new(config: &GroundConfig, run: usize) -> Result<Self> {
        config.validate()?;
        Ok(GroundSearch {
            result: GroundRun {
                run,
                best_energy: f64::INFINITY,
                best_spins: Vec::new(),
                reads: 0,
                seconds: 0.0,
                history: Vec::new(),
                read_energies: Vec::new(),
            },
            finished: false,
            chain: None,
        })
    }

    /// The engine of this search's reads (its seed derived from `config.anneal.seed` and
    /// the search index): the annealer, or the tempering chain (started on first use).
    pub fn engine<'m>(&mut self, model: &'m Ising, config: &GroundConfig) -> Result<Engine<'m>> {
        if let Some(pt) = &config.tempering {
            if self.chain.is_none() {
                self.chain = Some(Tempering::new(
                    model,
                    pt.chain_config(config, self.result.run),
                )?);
            }
            return Ok(Engine::Tempering(model));
        }
        let mut anneal = config.anneal.clone();
        anneal.seed = Streams::new(config.anneal.seed)
            .child(&[GROUND_STREAM, self.result.run as u64])
            .seed();
        anneal.trace_every = anneal.sweeps.max(1);
        Ok(Engine::Anneal(Annealer::new(model, &anneal)?))
    }

    /// Runs one batch of reads with `engine` (from [`GroundSearch::engine`]) and applies
    /// the stopping rules; returns whether the search is finished.
    pub fn step(&mut self, engine: &Engine, config: &GroundConfig) -> bool {
        if self.finished {
            return true;
        }
        let start = Instant::now();
        let first = self.result.reads;
        let mut end = first + config.batch;
        if let Some(m) = config.max_reads {
            end = end.min(m);
        }
        let reads: Vec<(f64, Vec<i8>)> = match (engine, &mut self.chain, &config.tempering) {
            (Engine::Anneal(a), _, _) => a
                .reads(first..end)
                .into_iter()
                .map(|r| (r.best_energy, r.best_spins))
                .collect(),
            (Engine::Tempering(model), Some(chain), Some(pt)) => (first..end)
                .map(|_| {
                    chain.advance(model, pt.sweeps);
                    lowest_quenched(model, chain, pt.replicas)
                })
                .collect(),
            _ => panic!("the engine does not match the search"),
        };
        let out = &mut self.result;
        let seconds = out.seconds + start.elapsed().as_secs_f64();
        for (index, (energy, spins)) in (first..).zip(reads) {
            out.read_energies.push(energy);
            if energy < out.best_energy - tolerance(energy) {
                out.best_energy = energy;
                out.history.push(Improvement {
                    seconds,
                    reads: index + 1,
                    energy,
                });
                out.best_spins = spins;
            }
        }
        out.reads = end;
        out.seconds = seconds;
        let hit = config
            .target
            .is_some_and(|t| out.best_energy <= t + tolerance(t));
        self.finished =
            hit || config.max_reads.is_some_and(|m| end >= m) || seconds >= config.time_limit;
        self.finished
    }
}

/// The lowest-energy configuration over all slots of `chain`, quenched to a local minimum
/// by sequential zero-temperature sweeps, with its energy.
fn lowest_quenched(model: &Ising, chain: &Tempering, replicas: usize) -> (f64, Vec<i8>) {
    let temps = chain.config.temperatures.len();
    let best = (0..replicas)
        .flat_map(|r| (0..temps).map(move |k| chain.spins(r, k)))
        .map(|s| (model.energy(s), s))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("at least one slot")
        .1;
    let mut rep = Replica::new(model, best.to_vec()).expect("valid spins");
    // The sequential quench draws nothing from its stream.
    let mut rng = Streams::new(0).stream(&[GROUND_STREAM]);
    quench(model, &mut rep, Order::Sequential, &mut rng);
    rep.resync(model);
    (rep.energy(), rep.into_spins())
}

/// Runs search number `run` (its seed derived from `config.anneal.seed` and `run`).
pub fn ground_search(model: &Ising, config: &GroundConfig, run: usize) -> Result<GroundRun> {
    let mut search = GroundSearch::new(config, run)?;
    let engine = search.engine(model, config)?;
    while !search.step(&engine, config) {}
    Ok(search.result)
}

/// Time-to-target statistics of several searches (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeToTarget {
    /// The target energy E_t.
    pub target: f64,
    /// Searches.
    pub runs: usize,
    /// Searches that reached the target.
    pub successes: usize,
    /// P_s = successes / runs.
    pub success_probability: f64,
    /// Median seconds to target over the searches (unsuccessful ones count as +∞); `None`
    /// when fewer than half succeeded.
    pub median_seconds: Option<f64>,
    /// Median reads to target, likewise.
    pub median_reads: Option<usize>,
    /// Fraction p of all reads that reached the target on their own.
    pub read_success_probability: f64,
    /// Wall-clock seconds per read (all searches: seconds / reads).
    pub seconds_per_read: f64,
    /// TTS₉₉ = t_read ln(0.01) / ln(1 − p) (`None` when p = 0).
    pub tts99_seconds: Option<f64>,
}

/// Time to `target` over `runs` (at least one).
pub fn time_to_target(runs: &[GroundRun], target: f64) -> Result<TimeToTarget> {
    if runs.is_empty() {
        return Err(invalid("time to target needs at least one search"));
    }
    let k = runs.len();
    let mut times: Vec<f64> = Vec::with_capacity(k);
    let mut reads: Vec<usize> = Vec::with_capacity(k);
    for r in runs {
        match r.time_to(target) {
            Some(h) => {
                times.push(h.seconds);
                reads.push(h.reads);
            }
            None => {
                times.push(f64::INFINITY);
                reads.push(usize::MAX);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    reads.sort_unstable();
    let successes = runs.iter().filter(|r| r.time_to(target).is_some()).count();
    let mid = (k - 1) / 2;
    let tol = tolerance(target);
    let all: usize = runs.iter().map(|r| r.read_energies.len()).sum();
    let good: usize = runs
        .iter()
        .flat_map(|r| &r.read_energies)
        .filter(|&&e| e <= target + tol)
        .count();
    let p = good as f64 / all.max(1) as f64;
    let t_read = runs.iter().map(|r| r.seconds).sum::<f64>() / all.max(1) as f64;
    Ok(TimeToTarget {
        target,
        runs: k,
        successes,
        success_probability: successes as f64 / k as f64,
        median_seconds: times[mid].is_finite().then_some(times[mid]),
        median_reads: (reads[mid] != usize::MAX).then_some(reads[mid]),
        read_success_probability: p,
        seconds_per_read: t_read,
        tts99_seconds: if p >= 1.0 {
            Some(t_read)
        } else if p > 0.0 {
            Some(t_read * (0.01f64).ln() / (1.0 - p).ln())
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::mc::anneal::Schedule;
    use crate::mc::{Order, Rule};
    use crate::model::ModelSpec;

    fn config(model: &Ising) -> GroundConfig {
        GroundConfig {
            anneal: AnnealConfig {
                schedule: Schedule::default_for(model, crate::mc::anneal::ScheduleKind::Geometric)
                    .unwrap(),
                sweeps: 200,
                reads: 1,
                rule: Rule::Metropolis,
                order: Order::Random,
                trace_every: 1,
                seed: 3,
                kernel: crate::mc::Kernel::Auto,
            },
            batch: 4,
            time_limit: f64::INFINITY,
            max_reads: Some(40),
            target: None,
            tempering: None,
        }
    }

    #[test]
    fn finds_the_enumerated_ground_state() {
        for spec in [
            "graph = { kind = 'complete', n = 16 }\ncouplings = { law = 'gaussian' }\nseed = 4",
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 9",
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let e0 = enumerate(&m, &[1.0]).unwrap().ground_energy;
            let cfg = config(&m);
            let runs: Vec<GroundRun> = (0..5).map(|k| ground_search(&m, &cfg, k).unwrap()).collect();
            for r in &runs {
                assert_eq!(r.reads, 40);
                assert_eq!(r.read_energies.len(), 40);
                assert!((r.best_energy - e0).abs() < 1e-9, "{} vs {e0}", r.best_energy);
                assert!((m.energy(&r.best_spins) - r.best_energy).abs() < 1e-9);
                assert!(r.history.windows(2).all(|w| w[1].energy < w[0].energy));
            }
            let tts = time_to_target(&runs, e0).unwrap();
            assert_eq!(tts.successes, 5);
            assert!(tts.read_success_probability > 0.0 && tts.tts99_seconds.is_some());
            // Stopping at the target: deterministic reads to target, same as the long runs.
            let mut stop = cfg.clone();
            stop.target = Some(e0);
            stop.max_reads = None;
            stop.batch = 3;
            for r in &runs {
                let s = ground_search(&m, &stop, r.run).unwrap();
                assert_eq!(s.time_to(e0).unwrap().reads, r.time_to(e0).unwrap().reads);
                assert!(s.reads <= r.time_to(e0).unwrap().reads + 2);
            }
            // An unreachable target: no success.
            let none = time_to_target(&runs, e0 - 1.0).unwrap();
            assert_eq!(none.successes, 0);
            assert!(none.median_seconds.is_none() && none.tts99_seconds.is_none());
        }
    }

    #[test]
    fn checkpointed_search_equals_uninterrupted() {
        let m = ModelSpec::from_toml(
            "graph = { kind = 'complete', n = 24 }\ncouplings = { law = 'gaussian' }\nseed = 8",
        )
        .unwrap()
        .build()
        .unwrap();
        let cfg = config(&m);
        let whole = ground_search(&m, &cfg, 2).unwrap();
        let mut pt = cfg.clone();
        pt.tempering = Some(GroundTempering {
            temperatures: vec![0.3, 0.5, 0.8, 1.3],
            replicas: 2,
            sweeps: 20,
        });
        let whole_pt = ground_search(&m, &pt, 2).unwrap();
        for (cfg, whole) in [(&cfg, whole), (&pt, whole_pt)] {
            let mut s = GroundSearch::new(cfg, 2).unwrap();
            while !s.finished {
                let e = s.engine(&m, cfg).unwrap();
                s.step(&e, cfg);
                s = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
            }
            let r = s.result;
            assert_eq!(
                (r.best_energy, &r.best_spins),
                (whole.best_energy, &whole.best_spins)
            );
            assert_eq!(r.read_energies, whole.read_energies);
            assert_eq!(r.reads, 40);
            let reads =
                |h: &[Improvement]| h.iter().map(|x| (x.reads, x.energy)).collect::<Vec<_>>();
            assert_eq!(reads(&r.history), reads(&whole.history));
        }
    }

    /// Parallel tempering reaches the enumerated ground states too (every round's read is a
    /// quenched local minimum, so its energy is never below E0).
    #[test]
    fn tempering_finds_the_enumerated_ground_state() {
        for spec in [
            "graph = { kind = 'complete', n = 16 }\ncouplings = { law = 'gaussian' }\nseed = 4",
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 9",
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let e0 = enumerate(&m, &[1.0]).unwrap().ground_energy;
            let mut cfg = config(&m);
            cfg.tempering = Some(GroundTempering {
                temperatures: crate::mc::tempering::geometric_temperatures(0.2, 2.0, 8).unwrap(),
                replicas: 2,
                sweeps: 10,
            });
            cfg.max_reads = None;
            cfg.target = Some(e0);
            cfg.time_limit = 60.0;
            for k in 0..3 {
                let r = ground_search(&m, &cfg, k).unwrap();
                assert!((r.best_energy - e0).abs() < 1e-9, "{} vs {e0}", r.best_energy);
                assert!((m.energy(&r.best_spins) - e0).abs() < 1e-9);
                assert!(r.read_energies.iter().all(|&e| e >= e0 - 1e-9));
                eprintln!("search {k}: E0 = {e0} after {} rounds", r.time_to(e0).unwrap().reads);
            }
        }
        let mut bad = config(
            &ModelSpec::from_toml("graph = { kind = 'lattice', dims = [3, 3] }")
                .unwrap()
                .build()
                .unwrap(),
        );
        bad.tempering = Some(GroundTempering {
            temperatures: vec![1.0],
            replicas: 2,
            sweeps: 1,
        });
        assert!(bad.validate().is_err());
    }

    #[test]
    fn rejects_bad_config() {
        let m = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [3, 3] }")
            .unwrap()
            .build()
            .unwrap();
        let mut c = config(&m);
        c.batch = 0;
        assert!(ground_search(&m, &c, 0).is_err());
        c.batch = 1;
        c.max_reads = None;
        assert!(ground_search(&m, &c, 0)
            .unwrap_err()
            .to_string()
            .contains("time limit"));
        c.time_limit = -1.0;
        assert!(c.validate().is_err());
        assert!(time_to_target(&[], 0.0).is_err());
    }
}
