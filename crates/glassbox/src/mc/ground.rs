//! Ground-state search: simulated-annealing reads ([`crate::mc::anneal`]) in parallel
//! batches until a wall-clock budget, a read budget or an energy target is reached, and the
//! time-to-target statistics of repeated searches.
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

/// Runs search number `run` (its seed derived from `config.anneal.seed` and `run`).
pub fn ground_search(model: &Ising, config: &GroundConfig, run: usize) -> Result<GroundRun> {
    config.validate()?;
    let mut anneal = config.anneal.clone();
    anneal.seed = Streams::new(config.anneal.seed)
        .child(&[GROUND_STREAM, run as u64])
        .seed();
    anneal.trace_every = anneal.sweeps.max(1);
    let annealer = Annealer::new(model, &anneal)?;
    let start = Instant::now();
    let mut out = GroundRun {
        run,
        best_energy: f64::INFINITY,
        best_spins: Vec::new(),
        reads: 0,
        seconds: 0.0,
        history: Vec::new(),
        read_energies: Vec::new(),
    };
    loop {
        let mut end = out.reads + config.batch;
        if let Some(m) = config.max_reads {
            end = end.min(m);
        }
        let reads = annealer.reads(out.reads..end);
        let seconds = start.elapsed().as_secs_f64();
        for r in reads {
            out.read_energies.push(r.best_energy);
            if r.best_energy < out.best_energy - tolerance(r.best_energy) {
                out.best_energy = r.best_energy;
                out.history.push(Improvement {
                    seconds,
                    reads: r.index + 1,
                    energy: r.best_energy,
                });
                out.best_spins = r.best_spins;
            }
        }
        out.reads = end;
        out.seconds = seconds;
        let hit = config
            .target
            .is_some_and(|t| out.best_energy <= t + tolerance(t));
        if hit || config.max_reads.is_some_and(|m| end >= m) || seconds >= config.time_limit {
            return Ok(out);
        }
    }
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
            },
            batch: 4,
            time_limit: f64::INFINITY,
            max_reads: Some(40),
            target: None,
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
