use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::cluster::{uniform_ferromagnet, ClusterAlgorithm, ClusterSampler};
use crate::mc::{Order, Replica, Rule, Sweeper};
use crate::measure::{disorder_average, jackknife, Estimate, Series};
use crate::model::Ising;
use crate::rng::{purpose, Rng, Streams};

/// Number of jackknife blocks for derived observables.
const JACKKNIFE_BLOCKS: usize = 64;

/// A temperature scan: one independent Markov chain per temperature.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Temperatures T = 1/β (each finite and > 0).
    pub temperatures: Vec<f64>,
    /// Acceptance rule.
    pub rule: Rule,
    /// Site order within a sweep.
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
    /// Fraction of accepted flips after thermalization.
    pub acceptance: f64,
    /// Sweeps after thermalization.
    pub sweeps: u64,
}

/// One Markov chain of a scan; serializable so that a run can be checkpointed and resumed
/// bit-identically.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chain {
    /// Index of the temperature in the scan.
    pub index: usize,
    /// Temperature T.
    pub temperature: f64,
    spins: Vec<i8>,
    rng: Rng,
    done: u64,
    accepted: u64,
    e: Series,
    e2: Series,
    m: Series,
    abs_m: Series,
    m2: Series,
    m4: Series,
}

impl Chain {
    /// The chain for temperature `index` of `config`, started from random spins.
    pub fn new(model: &Ising, config: &ScanConfig, index: usize) -> Self {
        let streams = Streams::new(config.seed);
        let mut init = streams.stream(&[purpose::INITIAL_STATE, index as u64]);
        let replica = Replica::random(model, &mut init);
        Chain {
            index,
            temperature: config.temperatures[index],
            spins: replica.into_spins(),
            rng: streams.stream(&[purpose::MONTE_CARLO, index as u64]),
            done: 0,
            accepted: 0,
            e: Series::default(),
            e2: Series::default(),
            m: Series::default(),
            abs_m: Series::default(),
            m2: Series::default(),
            m4: Series::default(),
        }
    }

    /// Whether all sweeps are done.
    pub fn finished(&self, config: &ScanConfig) -> bool {
        self.done >= config.total_sweeps()
    }

    /// Sweeps done so far (thermalization included).
    pub fn sweeps_done(&self) -> u64 {
        self.done
    }

    /// The current configuration.
    pub fn spins(&self) -> &[i8] {
        &self.spins
    }

    /// Runs up to `max_sweeps` more sweeps; returns how many were run.
    pub fn advance(&mut self, model: &Ising, config: &ScanConfig, max_sweeps: u64) -> u64 {
        let todo = max_sweeps.min(config.total_sweeps().saturating_sub(self.done));
        if todo == 0 {
            return 0;
        }
        let beta = 1.0 / self.temperature;
        let sweeper =
            Sweeper::new(model, config.rule, config.order, beta).expect("validated temperature");
        let cluster = config
            .cluster
            .map(|a| ClusterSampler::new(model, a, beta).expect("validated by Scan::new"));
        let mut r = Replica::new(model, std::mem::take(&mut self.spins)).expect("valid spins");
        let n = model.n() as f64;
        for _ in 0..todo {
            let acc = match &cluster {
                None => sweeper.sweep(model, &mut r, &mut self.rng),
                Some(c) => cluster_sweep(c, model, &mut r, &mut self.rng),
            };
            self.done += 1;
            if self.done > config.thermalization {
                self.accepted += acc;
                let k = self.done - config.thermalization;
                if k % config.measure_every == 0 {
                    let e = r.energy() / n;
                    let m = r.magnetization() as f64 / n;
                    let m2 = m * m;
                    self.e.push(e);
                    self.e2.push(e * e);
                    self.m.push(m);
                    self.abs_m.push(m.abs());
                    self.m2.push(m2);
                    self.m4.push(m2 * m2);
                }
            }
        }
        self.spins = r.into_spins();
        todo
    }

    /// The estimates from the measurements so far.
    pub fn result(&self, model: &Ising, config: &ScanConfig) -> PointResult {
        let n = model.n() as f64;
        let beta = 1.0 / self.temperature;
        let measured = self.done.saturating_sub(config.thermalization);
        let b = JACKKNIFE_BLOCKS;
        PointResult {
            temperature: self.temperature,
            beta,
            energy: self.e.estimate(),
            m: self.m.estimate(),
            abs_m: self.abs_m.estimate(),
            m2: self.m2.estimate(),
            m4: self.m4.estimate(),
            specific_heat: jackknife(&[&self.e, &self.e2], b, |x| {
                beta * beta * n * (x[1] - x[0] * x[0])
            }),
            susceptibility: jackknife(&[&self.abs_m, &self.m2], b, |x| {
                beta * n * (x[1] - x[0] * x[0])
            }),
            binder: jackknife(&[&self.m2, &self.m4], b, |x| {
                1.0 - x[1] / (3.0 * x[0] * x[0])
            }),
            acceptance: self.accepted as f64 / (measured.max(1) as f64 * n),
            sweeps: measured,
        }
    }
}

/// One cluster "sweep" (see [`ScanConfig::cluster`]): a Swendsen–Wang update or one Wolff
/// cluster. Returns the number of spins flipped.
fn cluster_sweep(c: &ClusterSampler, model: &Ising, r: &mut Replica, rng: &mut Rng) -> u64 {
    c.step(model, r, rng)
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

/// Convenience: runs a whole scan and returns its results and final configurations.
pub fn scan(model: &Ising, config: ScanConfig) -> Result<(Vec<PointResult>, Vec<Vec<i8>>)> {
    let mut s = Scan::new(model, config)?;
    s.run(model, |_, _| {});
    let spins = s.chains.iter().map(|c| c.spins().to_vec()).collect();
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

    #[test]
    fn chunked_equals_uninterrupted() {
        let m = ising(6);
        let cfg = ScanConfig {
            temperatures: vec![2.0, 3.0],
            rule: Rule::Metropolis,
            order: Order::Random,
            thermalization: 50,
            sweeps: 500,
            measure_every: 1,
            seed: 11,
            cluster: None,
        };
        let mut a = Scan::new(&m, cfg.clone()).unwrap();
        a.run(&m, |_, _| {});
        let mut b = Scan::new(&m, cfg).unwrap();
        while !b.finished() {
            b.step(&m, 37);
            // Round trip through JSON, as a checkpoint would.
            b = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        }
        assert_eq!(a, b);
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
