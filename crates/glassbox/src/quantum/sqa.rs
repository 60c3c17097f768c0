//! Simulated quantum annealing (Martoňák, Santoro & Tosatti, PRB 66, 094203 (2002)): the
//! path-integral Monte Carlo of [`pimc`](crate::quantum::pimc) run at a fixed temperature
//! while the transverse field is lowered, restarted many times ("reads").
//!
//! A read starts from P independent uniformly random slices and performs one sweep (every
//! spin of every slice once, Metropolis, plus N imaginary-time cluster moves when `cluster`
//! is on) at each transverse field of the schedule ([`GammaSchedule`]; u = t / (S − 1),
//! t = 0, …, S − 1):
//!
//! ```text
//! linear:     Γ_t = Γ_0 + (Γ_1 − Γ_0) u
//! geometric:  Γ_t = Γ_0 (Γ_1 / Γ_0)^u
//! custom:     Γ_t = piecewise-linear interpolation of (g_0, …, g_{K−1}) at u (K ≥ 2 values
//!             at evenly spaced times u = k / (K − 1))
//! ```
//!
//! with classical weight `β/P` per slice and inter-slice coupling `K_t = −½ ln tanh(βΓ_t/P)`
//! (so `P·T` is the temperature each slice feels, Martoňák et al.'s `P T`). Γ_1 must stay
//! positive; at Γ_1 ≪ T/P the slices are locked together.
//!
//! Output has the shape of classical [`anneal`](crate::mc::anneal::anneal), so the two compare
//! read by read: for every read the lowest classical energy of any slice at the end of any
//! sweep is tracked; at the end every slice and that best configuration are quenched at zero
//! temperature ([`quench`]) and the lowest result is the read's `best_energy` (a local
//! minimum). `final_energy` is the lowest slice energy after the last sweep (before
//! quenching); `trace` records the lowest slice energy every `trace_every` sweeps.
//!
//! A sweep of SQA costs P times a sweep of simulated annealing: compare the two at equal
//! `sweeps × slices` for equal work.
//!
//! Read `r` draws its initial slices from stream `[QUANTUM_STREAM, 2, 0, r]` and its moves
//! from `[QUANTUM_STREAM, 2, 1, r]`, so results do not depend on the number of threads.

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::anneal::Read;
use crate::mc::{quench, Order, Replica};
use crate::model::Ising;
use crate::quantum::pimc::{k_perp, Slices};
use crate::quantum::QUANTUM_STREAM;
use crate::rng::Streams;

/// How the transverse field falls during a read (see the [module documentation](self)).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum GammaSchedule {
    /// Γ linear in time from Γ_0 to Γ_1.
    #[default]
    Linear,
    /// Γ geometric in time from Γ_0 to Γ_1 (equal ratios per sweep: more time at small Γ).
    Geometric,
    /// Piecewise-linear through these values (each finite and positive, at least 2) at evenly
    /// spaced times; Γ_0 and Γ_1 are ignored.
    Custom {
        /// The values of Γ at u = 0, 1/(K−1), …, 1.
        gammas: Vec<f64>,
    },
}

impl GammaSchedule {
    /// The Γ of each of `sweeps` sweeps, from Γ_0 to Γ_1 (ignored by a custom schedule).
    pub fn gammas(&self, gamma0: f64, gamma1: f64, sweeps: u64) -> Vec<f64> {
        let u = |t: u64| {
            if sweeps <= 1 {
                1.0
            } else {
                t as f64 / (sweeps - 1) as f64
            }
        };
        (0..sweeps)
            .map(|t| {
                let u = u(t);
                match self {
                    GammaSchedule::Linear => gamma0 + (gamma1 - gamma0) * u,
                    GammaSchedule::Geometric => gamma0 * (gamma1 / gamma0).powf(u),
                    GammaSchedule::Custom { gammas } => {
                        let x = u * (gammas.len() - 1) as f64;
                        let k = (x.floor() as usize).min(gammas.len() - 2);
                        let f = x - k as f64;
                        gammas[k] + (gammas[k + 1] - gammas[k]) * f
                    }
                }
            })
            .collect()
    }
}

/// How to run [`sqa`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqaConfig {
    /// Trotter slices P (≥ 2).
    pub slices: usize,
    /// Inverse temperature β of the quantum system (each slice feels β/P).
    pub beta: f64,
    /// Initial transverse field Γ_0.
    pub gamma0: f64,
    /// Final transverse field Γ_1 (0 < Γ_1 ≤ Γ_0).
    pub gamma1: f64,
    /// Shape of Γ(t) between Γ_0 and Γ_1 (linear when absent).
    #[serde(default)]
    pub schedule: GammaSchedule,
    /// Sweeps per read (each over all N·P spins).
    pub sweeps: u64,
    /// Independent restarts (≥ 1), run in parallel.
    pub reads: usize,
    /// Add N imaginary-time cluster moves to every sweep.
    pub cluster: bool,
    /// Record the lowest slice energy every this many sweeps (≥ 1).
    pub trace_every: u64,
    /// Seed of the streams.
    pub seed: u64,
}

/// The result of [`sqa`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SqaResult {
    /// Γ of every sweep.
    pub gammas: Vec<f64>,
    /// Sweep numbers (1-based) at which the traces were recorded.
    pub trace_sweeps: Vec<u64>,
    /// The reads, by index (same record as simulated annealing).
    pub reads: Vec<Read>,
}

impl SqaResult {
    /// The read with the lowest energy (the first one among equals).
    pub fn best(&self) -> &Read {
        self.reads
            .iter()
            .reduce(|a, b| if b.best_energy < a.best_energy { b } else { a })
            .expect("at least one read")
    }
}

fn check(c: &SqaConfig) -> Result<()> {
    if c.slices < 2 {
        return Err(invalid(format!(
            "the number of Trotter slices must be at least 2, got {}",
            c.slices
        )));
    }
    if !(c.beta.is_finite() && c.beta > 0.0) {
        return Err(invalid(format!(
            "β must be finite and positive, got {}",
            c.beta
        )));
    }
    if let GammaSchedule::Custom { gammas } = &c.schedule {
        if gammas.len() < 2 {
            return Err(invalid(format!(
                "a custom transverse-field schedule needs at least 2 values, got {}",
                gammas.len()
            )));
        }
        if let Some(g) = gammas.iter().find(|g| !(g.is_finite() && **g > 0.0)) {
            return Err(invalid(format!(
                "every transverse field of a custom schedule must be finite and positive, got {g}"
            )));
        }
    } else if !(c.gamma1.is_finite()
        && c.gamma1 > 0.0
        && c.gamma0.is_finite()
        && c.gamma0 >= c.gamma1)
    {
        return Err(invalid(format!(
            "the transverse-field schedule needs Γ_0 ≥ Γ_1 > 0, got Γ_0 = {}, Γ_1 = {}",
            c.gamma0, c.gamma1
        )));
    }
    if c.sweeps == 0 || c.reads == 0 || c.trace_every == 0 {
        return Err(invalid(
            "sweeps, reads and trace_every must all be at least 1",
        ));
    }
    Ok(())
}

/// Runs `config.reads` simulated-quantum-annealing reads in parallel (see the
/// [module documentation](self)).
pub fn sqa(model: &Ising, config: &SqaConfig) -> Result<SqaResult> {
    check(config)?;
    let s = config.sweeps;
    let gammas = config
        .schedule
        .gammas(config.gamma0, config.gamma1, config.sweeps);
    let trace_sweeps: Vec<u64> = (1..=s)
        .filter(|k| k % config.trace_every == 0 || *k == s)
        .collect();
    let streams = Streams::new(config.seed);
    let reads = (0..config.reads)
        .into_par_iter()
        .map(|r| one_read(model, config, &gammas, &streams, r))
        .collect();
    Ok(SqaResult {
        gammas,
        trace_sweeps,
        reads,
    })
}

fn lowest_slice(slices: &Slices) -> (usize, f64) {
    slices
        .replicas()
        .iter()
        .enumerate()
        .map(|(k, r)| (k, r.energy()))
        .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a })
}

fn one_read(model: &Ising, c: &SqaConfig, gammas: &[f64], streams: &Streams, r: usize) -> Read {
    let n = model.n();
    let mut init = streams.stream(&[QUANTUM_STREAM, 2, 0, r as u64]);
    let mut rng = streams.stream(&[QUANTUM_STREAM, 2, 1, r as u64]);
    let mut slices = Slices::random(model, c.slices, &mut init);
    let b = c.beta / c.slices as f64;
    let mut trace = Vec::new();
    let mut accepted = 0;
    let (k0, mut seen_e) = lowest_slice(&slices);
    let mut seen = slices.replicas()[k0].spins().to_vec();
    for (t, &g) in gammas.iter().enumerate() {
        let kp = k_perp(c.beta, g, c.slices);
        accepted += slices.metropolis_sweep(model, b, kp, &mut rng);
        if c.cluster {
            accepted += slices.cluster_moves(model, b, kp, n, &mut rng);
        }
        let (k, e) = lowest_slice(&slices);
        if e < seen_e {
            seen_e = e;
            seen.copy_from_slice(slices.replicas()[k].spins());
        }
        let sweep = t as u64 + 1;
        if sweep % c.trace_every == 0 || sweep == gammas.len() as u64 {
            trace.push(e);
        }
    }
    slices.resync(model);
    let final_energy = lowest_slice(&slices).1;
    let mut candidates: Vec<Replica> = slices.replicas().to_vec();
    candidates.push(Replica::new(model, seen).expect("valid spins"));
    let mut best: Option<Replica> = None;
    for mut cand in candidates {
        quench(model, &mut cand, Order::Sequential, &mut rng);
        cand.resync(model);
        if best.as_ref().is_none_or(|b| cand.energy() < b.energy()) {
            best = Some(cand);
        }
    }
    let best = best.expect("at least two candidates");
    Read {
        index: r,
        best_energy: best.energy(),
        best_spins: best.into_spins(),
        final_energy,
        trace,
        accepted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;

    fn config(sweeps: u64, reads: usize, seed: u64) -> SqaConfig {
        SqaConfig {
            slices: 16,
            beta: 16.0 * 0.5,
            gamma0: 3.0,
            gamma1: 1e-3,
            schedule: GammaSchedule::Linear,
            sweeps,
            reads,
            cluster: true,
            trace_every: 10,
            seed,
        }
    }

    fn sk(n: usize, seed: u64) -> Ising {
        use rand::Rng as _;
        let mut rng = Streams::new(seed).stream(&[7]);
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                edges.push((i, j, if rng.random() { 1.0 } else { -1.0 }));
            }
        }
        Ising::from_edges(n, &edges, vec![]).unwrap()
    }

    #[test]
    fn finds_the_ground_state_of_a_small_instance() {
        let m = sk(14, 3);
        let e0 = enumerate(&m, &[]).unwrap().ground_energy;
        let r = sqa(&m, &config(300, 16, 1)).unwrap();
        assert!(
            (r.best().best_energy - e0).abs() < 1e-9,
            "{} vs {e0}",
            r.best().best_energy
        );
        for read in &r.reads {
            assert!(read.best_energy >= e0 - 1e-9);
            assert!((m.energy(&read.best_spins) - read.best_energy).abs() < 1e-9);
        }
    }

    #[test]
    fn longer_annealing_lowers_the_residual_energy() {
        let m = sk(120, 4);
        let mean = |sweeps| {
            let r = sqa(&m, &config(sweeps, 24, 2)).unwrap();
            let v: Vec<f64> = r.reads.iter().map(|x| x.best_energy).collect();
            let mu = v.iter().sum::<f64>() / v.len() as f64;
            let var = v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
            (mu, (var / v.len() as f64).sqrt())
        };
        let (short, ds) = mean(2);
        let (long, dl) = mean(200);
        assert!(
            long < short - 2.0 * (ds * ds + dl * dl).sqrt(),
            "{long} vs {short}"
        );
    }

    #[test]
    fn same_seed_same_reads() {
        let m = sk(10, 5);
        let a = sqa(&m, &config(50, 4, 9)).unwrap();
        let b = sqa(&m, &config(50, 4, 9)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_bad_schedules() {
        let m = sk(6, 1);
        let mut c = config(10, 2, 1);
        c.gamma1 = 0.0;
        assert!(sqa(&m, &c).is_err());
        c.gamma1 = 5.0;
        assert!(sqa(&m, &c).is_err());
        c.schedule = GammaSchedule::Custom { gammas: vec![1.0] };
        assert!(sqa(&m, &c).is_err());
        c.schedule = GammaSchedule::Custom {
            gammas: vec![1.0, -0.5],
        };
        assert!(sqa(&m, &c).is_err());
    }

    #[test]
    fn schedules_run_from_gamma0_to_gamma1() {
        let lin = GammaSchedule::Linear.gammas(3.0, 1.0, 5);
        assert_eq!(lin, vec![3.0, 2.5, 2.0, 1.5, 1.0]);
        let geo = GammaSchedule::Geometric.gammas(4.0, 0.25, 5);
        for (g, want) in geo.iter().zip([4.0, 2.0, 1.0, 0.5, 0.25]) {
            assert!((g - want).abs() < 1e-12, "{g} vs {want}");
        }
        let custom = GammaSchedule::Custom {
            gammas: vec![2.0, 1.0, 0.5],
        };
        let c = custom.gammas(9.0, 9.0, 5);
        for (g, want) in c.iter().zip([2.0, 1.5, 1.0, 0.75, 0.5]) {
            assert!((g - want).abs() < 1e-12, "{g} vs {want}");
        }
        assert_eq!(GammaSchedule::Geometric.gammas(4.0, 0.25, 1), vec![0.25]);
        // A geometric schedule ends as low as a linear one on a small instance.
        let m = sk(14, 3);
        let e0 = enumerate(&m, &[]).unwrap().ground_energy;
        let mut cfg = config(300, 16, 1);
        cfg.schedule = GammaSchedule::Geometric;
        let r = sqa(&m, &cfg).unwrap();
        assert!((r.best().best_energy - e0).abs() < 1e-9);
        assert_eq!(r.gammas.len(), 300);
        assert!((r.gammas[299] - 1e-3).abs() < 1e-15);
    }
}
