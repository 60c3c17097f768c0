//! Simulated quantum annealing against simulated annealing: residual energy against annealing
//! time on the same instances (Santoro, Martoňák, Tosatti & Car, Science 295, 2427 (2002)).
//!
//! For every instance i, every annealing length τ (SQA sweeps) and both methods, `reads`
//! independent reads are run: [`sqa`] with τ sweeps of P slices, and classical
//! [`anneal`] with `τ·P` sweeps, so both make the same number of single-spin updates
//! (`τ·P·N`). The residual energy per spin of a read is
//!
//! ```text
//! ε = (E_best − E_ref,i) / N,
//! ```
//!
//! where `E_ref,i` is the lowest energy of instance i met by any read of either method or by
//! an optional long reference anneal (`reference_sweeps` sweeps × `reference_reads` reads of
//! the classical schedule); it is an upper bound on the ground energy, so residuals are ≥ 0.
//!
//! Each point of a curve is the mean of ε over instances and reads. With at least 2 instances
//! its error bar is the larger of the standard error over instances of the per-instance means
//! (the disorder average's error, read noise included) and `√(Σ_i s_i²) / K` with s_i the
//! standard error over the reads of instance i (the error at fixed instances; it guards
//! against few instances that happen to agree); with one instance, the standard error over
//! its reads.
//!
//! Instance i, length index k runs with seed `Streams::new(seed).child(&[i, k]).seed()` for
//! both methods, so results do not depend on the number of threads.

use crate::error::{invalid, Result};
use crate::mc::anneal::{anneal, AnnealConfig, Schedule, ScheduleKind};
use crate::mc::{Order, Rule};
use crate::model::Ising;
use crate::quantum::sqa::{sqa, SqaConfig};
use crate::rng::Streams;

/// How to run [`compare`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    /// The SQA template: `sweeps`, `trace_every` and `seed` are replaced for every run.
    pub sqa: SqaConfig,
    /// Shape of the classical β schedule over the instance's default range.
    pub sa_schedule: ScheduleKind,
    /// Annealing lengths τ in SQA sweeps (SA gets τ·P sweeps), each ≥ 1.
    pub sweeps: Vec<u64>,
    /// Sweeps of the reference anneal per instance (0: none).
    pub reference_sweeps: u64,
    /// Reads of the reference anneal.
    pub reference_reads: usize,
    /// Seed of the runs.
    pub seed: u64,
}

/// One point of a residual-energy curve.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePoint {
    /// SQA sweeps τ.
    pub sqa_sweeps: u64,
    /// Single-spin updates per spin, τ·P (= SA sweeps).
    pub updates: u64,
    /// Mean residual energy per spin over instances and reads.
    pub residual: f64,
    /// Its standard error (see the [module documentation](self)).
    pub error: f64,
    /// Fraction of reads that reached `E_ref` (within 1e-9 relative).
    pub success: f64,
    /// Wall seconds of all runs of this point (every instance).
    pub seconds: f64,
}

/// The result of [`compare`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// `E_ref,i` of every instance.
    pub references: Vec<f64>,
    /// The simulated-annealing curve, one point per τ.
    pub sa: Vec<CurvePoint>,
    /// The simulated-quantum-annealing curve, one point per τ.
    pub sqa: Vec<CurvePoint>,
    /// Best energy of every read: `[method][k][instance][read]`, method 0 = SA, 1 = SQA.
    pub energies: Vec<Vec<Vec<Vec<f64>>>>,
}

fn mean_sem(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    let m = v.iter().sum::<f64>() / k;
    if v.len() < 2 {
        return (m, 0.0);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0);
    (m, (var / k).sqrt())
}

/// Runs SA and SQA on every instance of `models` (same number of spins not required) at every
/// τ of `config.sweeps` (see the [module documentation](self)).
pub fn compare(models: &[Ising], config: &CompareConfig) -> Result<Comparison> {
    if models.is_empty() {
        return Err(invalid("the comparison needs at least one instance"));
    }
    if config.sweeps.is_empty() || config.sweeps.contains(&0) {
        return Err(invalid(
            "the comparison needs annealing lengths of at least 1 sweep",
        ));
    }
    if config.reference_sweeps > 0 && config.reference_reads == 0 {
        return Err(invalid("a reference anneal needs at least one read"));
    }
    let p = config.sqa.slices as u64;
    let streams = Streams::new(config.seed);
    let sa_config = |model: &Ising, sweeps: u64, reads: usize, seed: u64| -> Result<_> {
        Ok(AnnealConfig {
            schedule: Schedule::default_for(model, config.sa_schedule)?,
            sweeps,
            reads,
            rule: Rule::Metropolis,
            order: Order::Sequential,
            trace_every: sweeps,
            seed,
            kernel: crate::mc::Kernel::Auto,
        })
    };
    // energies[method][k][instance][read]
    let mut energies = vec![vec![Vec::with_capacity(models.len()); config.sweeps.len()]; 2];
    let mut seconds = vec![vec![0.0; config.sweeps.len()]; 2];
    let mut references = Vec::with_capacity(models.len());
    for (i, model) in models.iter().enumerate() {
        let mut e_ref = f64::INFINITY;
        if config.reference_sweeps > 0 {
            let seed = streams.child(&[i as u64, u64::MAX]).seed();
            let r = anneal(
                model,
                &sa_config(model, config.reference_sweeps, config.reference_reads, seed)?,
            )?;
            e_ref = r.best().best_energy;
        }
        for (k, &tau) in config.sweeps.iter().enumerate() {
            let seed = streams.child(&[i as u64, k as u64]).seed();
            let start = std::time::Instant::now();
            let sa = anneal(model, &sa_config(model, tau * p, config.sqa.reads, seed)?)?;
            seconds[0][k] += start.elapsed().as_secs_f64();
            let start = std::time::Instant::now();
            let q = sqa(
                model,
                &SqaConfig {
                    sweeps: tau,
                    trace_every: tau,
                    seed,
                    ..config.sqa.clone()
                },
            )?;
            seconds[1][k] += start.elapsed().as_secs_f64();
            for (m, reads) in [(0, &sa.reads), (1, &q.reads)] {
                let e: Vec<f64> = reads.iter().map(|r| r.best_energy).collect();
                e_ref = e.iter().copied().fold(e_ref, f64::min);
                energies[m][k].push(e);
            }
        }
        references.push(e_ref);
    }
    let curve = |m: usize| -> Vec<CurvePoint> {
        config
            .sweeps
            .iter()
            .enumerate()
            .map(|(k, &tau)| {
                let per_instance: Vec<Vec<f64>> = energies[m][k]
                    .iter()
                    .zip(models.iter().zip(&references))
                    .map(|(e, (model, &r))| e.iter().map(|x| (x - r) / model.n() as f64).collect())
                    .collect();
                let all: Vec<f64> = per_instance.iter().flatten().copied().collect();
                let (residual, error) = if per_instance.len() >= 2 {
                    let stats: Vec<(f64, f64)> = per_instance.iter().map(|v| mean_sem(v)).collect();
                    let means: Vec<f64> = stats.iter().map(|s| s.0).collect();
                    let (m, between) = mean_sem(&means);
                    let within =
                        stats.iter().map(|s| s.1 * s.1).sum::<f64>().sqrt() / stats.len() as f64;
                    (m, between.max(within))
                } else {
                    mean_sem(&all)
                };
                let hits = energies[m][k]
                    .iter()
                    .zip(&references)
                    .map(|(e, &r)| {
                        let tol = 1e-9 * r.abs().max(1.0);
                        e.iter().filter(|&&x| x <= r + tol).count()
                    })
                    .sum::<usize>();
                CurvePoint {
                    sqa_sweeps: tau,
                    updates: tau * p,
                    residual,
                    error,
                    success: hits as f64 / all.len() as f64,
                    seconds: seconds[m][k],
                }
            })
            .collect()
    };
    Ok(Comparison {
        sa: curve(0),
        sqa: curve(1),
        references,
        energies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::quantum::sqa::GammaSchedule;
    use rand::Rng as _;

    fn sk(n: usize, seed: u64) -> Ising {
        let mut rng = Streams::new(seed).stream(&[7]);
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                edges.push((i, j, rng.random::<f64>() * 2.0 - 1.0));
            }
        }
        Ising::from_edges(n, &edges, vec![]).unwrap()
    }

    fn config(sweeps: Vec<u64>, reference_sweeps: u64) -> CompareConfig {
        CompareConfig {
            sqa: SqaConfig {
                slices: 8,
                beta: 8.0,
                gamma0: 3.0,
                gamma1: 1e-3,
                schedule: GammaSchedule::Linear,
                sweeps: 1,
                reads: 12,
                cluster: false,
                trace_every: 1,
                seed: 0,
            },
            sa_schedule: ScheduleKind::Geometric,
            sweeps,
            reference_sweeps,
            reference_reads: 8,
            seed: 5,
        }
    }

    #[test]
    fn residuals_are_nonnegative_and_fall_with_time() {
        let models: Vec<Ising> = (0..3).map(|s| sk(40, s)).collect();
        let c = compare(&models, &config(vec![1, 100], 2000)).unwrap();
        for curve in [&c.sa, &c.sqa] {
            assert!(curve.iter().all(|p| p.residual >= 0.0 && p.error >= 0.0));
            let (short, long) = (&curve[0], &curve[1]);
            // Fixed seed; the gap is ≈ 3σ here (τ = 1 is a near-quench with large spread).
            let sigma = (long.error.powi(2) + short.error.powi(2)).sqrt();
            assert!(
                long.residual + 2.0 * sigma < short.residual,
                "{long:?} vs {short:?}"
            );
            assert_eq!(long.updates, 800);
        }
        assert_eq!(c.energies[1][0].len(), 3);
        assert_eq!(c.energies[0][1][2].len(), 12);
    }

    #[test]
    fn reference_is_the_exact_ground_energy_on_a_small_instance() {
        let models = vec![sk(14, 9)];
        let e0 = enumerate(&models[0], &[]).unwrap().ground_energy;
        let c = compare(&models, &config(vec![200], 500)).unwrap();
        assert!(
            (c.references[0] - e0).abs() < 1e-9,
            "{:?} vs {e0}",
            c.references
        );
        // Both methods solve it at this length: all residuals vanish.
        assert!(c.sa[0].success > 0.5 && c.sqa[0].success > 0.5);
    }

    #[test]
    fn same_seed_same_curves_and_bad_input() {
        let models = vec![sk(12, 1)];
        let a = compare(&models, &config(vec![3, 9], 0)).unwrap();
        let b = compare(&models, &config(vec![3, 9], 0)).unwrap();
        assert_eq!(a.energies, b.energies);
        assert_eq!(a.references, b.references);
        assert!(compare(&[], &config(vec![3], 0)).is_err());
        assert!(compare(&models, &config(vec![0], 0)).is_err());
        assert!(compare(&models, &config(vec![], 0)).is_err());
    }
}
