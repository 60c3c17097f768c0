//! Population annealing (Hukushima & Iba 2003; Machta 2010): a population of R replicas is
//! annealed from β = 0 through `β_1 < β_2 < … < β_S`, resampled at every step in proportion
//! to its Boltzmann reweighting factors, and equilibrated by Monte Carlo sweeps. The
//! normalizations of the reweighting give the free energy.
//!
//! At β = 0 uniformly random spins are exact samples and `ln Z(0) = N ln 2`. For a step
//! β → β′ with population energies E_1, …, E_R:
//!
//! ```text
//! w_i = e^{−(β′ − β) E_i},    Q = (1/R) Σ_i w_i,    ln Z(β′) = ln Z(β) + ln Q,
//! ```
//!
//! then R new replicas are drawn with probabilities `w_i / Σ w` (systematic resampling: one
//! uniform u, copy i taken for every k with `(k + u)/R` in its cumulative-weight interval,
//! so the population size stays R and the copy numbers are ⌊R w_i/Σw⌋ or one more), and each
//! replica gets `sweeps` single-spin-flip sweeps at β′. Reported per step, per spin:
//! `ln Z/N`, the free energy `f = −ln Z/(βN)`, the energy `⟨E⟩/N` (population mean after the
//! sweeps), the number of surviving families (distinct β = 0 ancestors) and the family
//! entropy, measures of how well the population still samples the distribution. With ν_f the
//! fraction of the population descended from β = 0 replica f,
//!
//! ```text
//! S_f = −Σ_f ν_f ln ν_f,          R_f = e^{S_f}  (effective number of families),
//! ```
//!
//! S_f = ln R at β = 0 and falls as families die out; Wang, Machta & Katzgraber (2015)
//! recommend `e^{S_f}` large (≳ 100) for trustworthy equilibrium estimates.
//!
//! Error bars come from `runs` independent populations: each estimate is their mean with
//! error `sd/√runs` (ln Z of one population carries a bias of order 1/R, small next to that
//! error for a well-sized population).
//!
//! Randomness: run r, step k, replica i uses stream `[POPULATION, r, k, i]` for its sweeps
//! (k = 0 draws the initial spins) and `[POPULATION, r, k, R]` for the resampling, so results
//! do not depend on the number of threads. A [`PopulationRun`] is serializable and advanced
//! step by step, so a run can be checkpointed and resumed with the same result.

use rand::Rng as _;
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::{Order, Replica, Rule, Sweeper};
use crate::measure::Estimate;
use crate::model::Ising;
use crate::rng::Streams;

/// First path element of the population-annealing streams.
pub const POPULATION_STREAM: u64 = 0x706f_7075;

/// A population-annealing run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    /// The inverse temperatures after β = 0, strictly increasing, finite and > 0.
    pub betas: Vec<f64>,
    /// Population size R ≥ 2.
    pub population: usize,
    /// Monte Carlo sweeps per replica after each resampling.
    pub sweeps: u64,
    /// Independent populations (≥ 2 for error bars).
    pub runs: usize,
    /// Acceptance rule.
    pub rule: Rule,
    /// Site order within a sweep.
    pub order: Order,
    /// Seed of the streams.
    pub seed: u64,
}

impl PopulationConfig {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.betas.is_empty() {
            return Err(invalid("population annealing needs at least one β"));
        }
        if let Some(b) = self.betas.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
            return Err(invalid(format!(
                "inverse temperatures must be finite and positive, got {b}"
            )));
        }
        if let Some(w) = self.betas.windows(2).find(|w| w[1] <= w[0]) {
            return Err(invalid(format!(
                "inverse temperatures must be strictly increasing, got {} then {}",
                w[0], w[1]
            )));
        }
        if self.population < 2 {
            return Err(invalid(format!(
                "the population needs at least 2 replicas, got {}",
                self.population
            )));
        }
        if self.runs == 0 {
            return Err(invalid("population annealing needs at least one run"));
        }
        Ok(())
    }
}

/// `steps` inverse temperatures `β_max k/steps`, k = 1, …, steps (linear from 0).
pub fn linear_betas(beta_max: f64, steps: usize) -> Result<Vec<f64>> {
    if !(beta_max.is_finite() && beta_max > 0.0) || steps == 0 {
        return Err(invalid(format!(
            "need a finite β_max > 0 and at least one step, got β_max = {beta_max}, {steps} steps"
        )));
    }
    Ok((1..=steps)
        .map(|k| beta_max * k as f64 / steps as f64)
        .collect())
}

/// Results at one β.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationPoint {
    /// Inverse temperature.
    pub beta: f64,
    /// ln Z / N.
    pub ln_z_per_spin: Estimate,
    /// Free energy per spin f = −ln Z/(βN).
    pub free_energy_per_spin: Estimate,
    /// ⟨E⟩/N.
    pub energy: Estimate,
    /// Surviving families (distinct β = 0 ancestors), mean over runs.
    pub families: f64,
    /// Family entropy S_f = −Σ_f ν_f ln ν_f (ν_f: fraction of the population descended from
    /// β = 0 replica f), mean over runs.
    #[serde(default)]
    pub family_entropy: f64,
}

/// One population in progress, resumable: its replicas (spins and β = 0 ancestor), ln Z so
/// far and the per-step numbers. Serializable, so a run can be checkpointed between steps
/// and continued bit-identically.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationRun {
    /// The run index r (its streams).
    pub run: usize,
    spins: Vec<Vec<i8>>,
    ancestors: Vec<usize>,
    ln_z: f64,
    trace: RunTrace,
}

/// One run's per-step numbers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct RunTrace {
    ln_z: Vec<f64>,
    energy: Vec<f64>,
    families: Vec<usize>,
    family_entropy: Vec<f64>,
}

impl PopulationRun {
    /// Run `run` of `config` at β = 0: uniformly random spins (validates the configuration).
    pub fn new(model: &Ising, config: &PopulationConfig, run: usize) -> Result<Self> {
        config.validate()?;
        let streams = Streams::new(config.seed);
        let spins = (0..config.population)
            .into_par_iter()
            .map(|i| {
                let mut rng = streams.stream(&[POPULATION_STREAM, run as u64, 0, i as u64]);
                Replica::random(model, &mut rng).into_spins()
            })
            .collect();
        Ok(PopulationRun {
            run,
            spins,
            ancestors: (0..config.population).collect(),
            ln_z: model.n() as f64 * std::f64::consts::LN_2,
            trace: RunTrace {
                ln_z: Vec::new(),
                energy: Vec::new(),
                families: Vec::new(),
                family_entropy: Vec::new(),
            },
        })
    }

    /// Annealing steps done so far.
    pub fn steps_done(&self) -> usize {
        self.trace.ln_z.len()
    }

    /// Whether every β of `config` has been reached.
    pub fn finished(&self, config: &PopulationConfig) -> bool {
        self.steps_done() >= config.betas.len()
    }

    /// Whether this is run `run` of `config` (population size and schedule length agree).
    pub fn matches(&self, config: &PopulationConfig, run: usize) -> bool {
        self.run == run
            && self.spins.len() == config.population
            && self.steps_done() <= config.betas.len()
    }

    /// Runs up to `max_steps` more annealing steps (reweight, resample, sweep) of `config`;
    /// returns how many were run.
    pub fn advance(&mut self, model: &Ising, config: &PopulationConfig, max_steps: usize) -> usize {
        let streams = Streams::new(config.seed);
        let rr = config.population;
        let run = self.run as u64;
        let path = |k: usize, i: usize| [POPULATION_STREAM, run, k as u64, i as u64];
        let first = self.steps_done();
        let last = (first + max_steps).min(config.betas.len());
        let mut pop: Vec<(Replica, usize)> = std::mem::take(&mut self.spins)
            .into_iter()
            .zip(self.ancestors.iter().copied())
            .map(|(s, a)| (Replica::new(model, s).expect("valid spins"), a))
            .collect();
        let mut beta = if first == 0 {
            0.0
        } else {
            config.betas[first - 1]
        };
        for k in first..last {
            let step = k + 1;
            let sweeper = Sweeper::new(model, config.rule, config.order, config.betas[k])
                .expect("validated β");
            let db = sweeper.beta() - beta;
            beta = sweeper.beta();
            // Reweighting relative to the lowest energy, so no weight overflows.
            let e_min = pop
                .iter()
                .map(|p| p.0.energy())
                .fold(f64::INFINITY, f64::min);
            let w: Vec<f64> = pop
                .iter()
                .map(|p| (-db * (p.0.energy() - e_min)).exp())
                .collect();
            let total: f64 = w.iter().sum();
            self.ln_z += -db * e_min + (total / rr as f64).ln();
            // Systematic resampling.
            let u: f64 = streams.stream(&path(step, rr)).random();
            let mut next = Vec::with_capacity(rr);
            let mut cum = 0.0;
            let mut i = 0;
            for j in 0..rr {
                let target = (j as f64 + u) / rr as f64 * total;
                while i + 1 < rr && cum + w[i] <= target {
                    cum += w[i];
                    i += 1;
                }
                next.push(pop[i].clone());
            }
            pop = next;
            pop.par_iter_mut().enumerate().for_each(|(i, p)| {
                let mut rng = streams.stream(&path(step, i));
                for _ in 0..config.sweeps {
                    sweeper.sweep(model, &mut p.0, &mut rng);
                }
                p.0.resync(model);
            });
            let trace = &mut self.trace;
            trace.ln_z.push(self.ln_z);
            trace
                .energy
                .push(pop.iter().map(|p| p.0.energy()).sum::<f64>() / rr as f64);
            let mut anc: Vec<usize> = pop.iter().map(|p| p.1).collect();
            anc.sort_unstable();
            let mut entropy = 0.0;
            let mut families = 0;
            for family in anc.chunk_by(|a, b| a == b) {
                let nu = family.len() as f64 / rr as f64;
                entropy -= nu * nu.ln();
                families += 1;
            }
            trace.families.push(families);
            trace.family_entropy.push(entropy);
        }
        self.ancestors = pop.iter().map(|p| p.1).collect();
        self.spins = pop.into_iter().map(|p| p.0.into_spins()).collect();
        last - first
    }
}

/// Runs population annealing and returns one point per β of the schedule.
pub fn population_annealing(
    model: &Ising,
    config: &PopulationConfig,
) -> Result<Vec<PopulationPoint>> {
    config.validate()?;
    let runs = (0..config.runs)
        .map(|r| {
            let mut run = PopulationRun::new(model, config, r)?;
            run.advance(model, config, config.betas.len());
            Ok(run)
        })
        .collect::<Result<Vec<_>>>()?;
    population_results(model, config, &runs)
}

/// The per-β estimates of finished runs 0, 1, …, `config.runs − 1` of `config`: means over
/// the runs with errors `sd/√runs`.
pub fn population_results(
    model: &Ising,
    config: &PopulationConfig,
    runs: &[PopulationRun],
) -> Result<Vec<PopulationPoint>> {
    config.validate()?;
    if runs.len() != config.runs
        || runs
            .iter()
            .enumerate()
            .any(|(r, run)| !run.matches(config, r) || !run.finished(config))
    {
        return Err(invalid(
            "population results need every run of the configuration, finished",
        ));
    }
    let runs: Vec<&RunTrace> = runs.iter().map(|r| &r.trace).collect();
    let n = model.n() as f64;
    let across = |xs: Vec<f64>| -> Estimate {
        let k = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / k;
        let var = if xs.len() > 1 {
            xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)
        } else {
            f64::NAN
        };
        Estimate {
            mean,
            error: (var / k).sqrt(),
            tau_int: f64::NAN,
            n: xs.len() as u64,
            reliable: xs.len() > 1,
        }
    };
    Ok(config
        .betas
        .iter()
        .enumerate()
        .map(|(k, &beta)| PopulationPoint {
            beta,
            ln_z_per_spin: across(runs.iter().map(|r| r.ln_z[k] / n).collect()),
            free_energy_per_spin: across(runs.iter().map(|r| -r.ln_z[k] / (beta * n)).collect()),
            energy: across(runs.iter().map(|r| r.energy[k] / n).collect()),
            families: runs.iter().map(|r| r.families[k] as f64).sum::<f64>() / runs.len() as f64,
            family_entropy: runs.iter().map(|r| r.family_entropy[k]).sum::<f64>()
                / runs.len() as f64,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::model::ModelSpec;

    #[test]
    fn free_energy_against_enumeration() {
        for (spec, beta_max) in [
            ("graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 1", 2.0),
            ("graph = { kind = 'complete', n = 14 }\ncouplings = { law = 'gaussian' }\nseed = 2", 3.0),
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            let cfg = PopulationConfig {
                betas: linear_betas(beta_max, 50).unwrap(),
                population: 1000,
                sweeps: 5,
                runs: 16,
                rule: Rule::Metropolis,
                order: Order::Random,
                seed: 6,
            };
            let run = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| population_annealing(&m, &cfg).unwrap())
            };
            let pts = run(2);
            let exact = enumerate(&m, &cfg.betas).unwrap();
            for (p, x) in pts.iter().zip(&exact.points).skip(4).step_by(5) {
                for (what, est, ex) in [
                    ("ln Z/N", p.ln_z_per_spin, x.ln_z_per_spin),
                    ("e", p.energy, x.energy),
                ] {
                    eprintln!(
                        "{what} β={:.2}: {:.5} ± {:.5} vs exact {ex:.5} ({:.2}σ), families {}",
                        p.beta,
                        est.mean,
                        est.error,
                        est.sigmas_from(ex),
                        p.families
                    );
                    assert!(est.error > 0.0 && est.sigmas_from(ex) < 4.0, "{what} β={}", p.beta);
                }
            }
            for p in &pts {
                // S_f ≤ ln(families) ≤ ln R, and e^{S_f} ≥ 1.
                assert!(p.family_entropy >= 0.0);
                assert!(p.family_entropy <= p.families.ln() + 1e-9);
            }
            assert!(pts[0].family_entropy > pts.last().unwrap().family_entropy);
            let f = pts.last().unwrap();
            assert!((f.free_energy_per_spin.mean + f.ln_z_per_spin.mean / f.beta).abs() < 1e-12);
            let mut one = cfg.clone();
            one.runs = 1;
            one.betas.truncate(10);
            let a = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap()
                .install(|| population_annealing(&m, &one).unwrap());
            let b = population_annealing(&m, &one).unwrap();
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            );
        }
    }

    #[test]
    fn stepwise_and_checkpointed_equals_uninterrupted() {
        let m = ModelSpec::from_toml(
            "graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'gaussian' }\nseed = 5",
        )
        .unwrap()
        .build()
        .unwrap();
        let cfg = PopulationConfig {
            betas: linear_betas(2.0, 13).unwrap(),
            population: 50,
            sweeps: 2,
            runs: 3,
            rule: Rule::Metropolis,
            order: Order::Random,
            seed: 4,
        };
        let whole = population_annealing(&m, &cfg).unwrap();
        let runs: Vec<PopulationRun> = (0..3)
            .map(|r| {
                let mut run = PopulationRun::new(&m, &cfg, r).unwrap();
                while !run.finished(&cfg) {
                    assert!(run.advance(&m, &cfg, 4) > 0);
                    run = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
                }
                run
            })
            .collect();
        let json = |p: &[PopulationPoint]| serde_json::to_string(p).unwrap();
        assert_eq!(
            json(&population_results(&m, &cfg, &runs).unwrap()),
            json(&whole)
        );
        assert!(population_results(&m, &cfg, &runs[..2]).is_err());
    }

    #[test]
    fn rejects_bad_config() {
        let m = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [4, 4] }")
            .unwrap()
            .build()
            .unwrap();
        let mut c = PopulationConfig {
            betas: vec![1.0, 0.5],
            population: 10,
            sweeps: 1,
            runs: 1,
            rule: Rule::Metropolis,
            order: Order::Random,
            seed: 0,
        };
        assert!(population_annealing(&m, &c)
            .unwrap_err()
            .to_string()
            .contains("increasing"));
        c.betas = vec![0.5];
        c.population = 1;
        assert!(population_annealing(&m, &c).is_err());
        c.population = 2;
        c.runs = 0;
        assert!(population_annealing(&m, &c).is_err());
        assert!(linear_betas(0.0, 3).is_err());
        assert_eq!(linear_betas(1.0, 2).unwrap(), vec![0.5, 1.0]);
    }
}
