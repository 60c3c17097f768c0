//! `glassbox bench`: single-spin-flip Metropolis throughput on the standard workloads
//! (2D Ising L = 256 at T = 2.269, SK N = 1000), in spin-flip attempts per nanosecond.

use std::time::Instant;

use anyhow::Result;
use glassbox::mc::{Order, Replica, Rule, Sweeper};
use glassbox::model::ModelSpec;
use glassbox::rng::Streams;

/// Flags of `glassbox bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds to time each workload for (after one warm-up second).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Only this workload (`ising2d`, `sk` or `sk-anneal`).
    #[arg(long)]
    pub only: Option<String>,
}

/// One measured workload.
#[derive(serde::Serialize, Debug)]
pub struct Figure {
    /// Workload name.
    pub workload: String,
    /// Spin-flip attempts per nanosecond (one core).
    pub attempts_per_ns: f64,
    /// Sweeps per second.
    pub sweeps_per_s: f64,
}

/// Times Metropolis sweeps of `spec` at temperature `t`.
pub fn measure(name: &str, spec: &str, t: f64, seconds: f64, order: Order) -> Result<Figure> {
    let model = ModelSpec::from_toml(spec)?.build()?;
    let mut rng = Streams::new(1).stream(&[0]);
    let mut r = Replica::random(&model, &mut rng);
    let sweeper = Sweeper::new(&model, Rule::Metropolis, order, 1.0 / t)?;
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < seconds.min(1.0) {
        sweeper.sweep(&model, &mut r, &mut rng);
    }
    let start = Instant::now();
    let mut sweeps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        sweeper.sweep(&model, &mut r, &mut rng);
        sweeps += 1;
    }
    let dt = start.elapsed().as_secs_f64();
    Ok(Figure {
        workload: name.to_string(),
        attempts_per_ns: sweeps as f64 * model.n() as f64 / dt / 1e9,
        sweeps_per_s: sweeps as f64 / dt,
    })
}

/// Simulated annealing of SK N = 1000 as the peers' benchmark runs it: `sweeps` Metropolis
/// sweeps in sequential order with β rising linearly from 0.1 to 3, `reads` independent reads.
pub fn anneal_sk(reads: usize, sweeps: usize) -> Result<(Figure, f64)> {
    let model = ModelSpec::from_toml(
        "graph = { kind = 'complete', n = 1000 }\ncouplings = { law = 'gaussian' }",
    )?
    .build()?;
    let (b0, b1) = (0.1, 3.0);
    let sweepers = (0..sweeps)
        .map(|k| {
            let beta = b0 + (b1 - b0) * k as f64 / (sweeps - 1).max(1) as f64;
            Sweeper::new(&model, Rule::Metropolis, Order::Sequential, beta)
        })
        .collect::<glassbox::Result<Vec<_>>>()?;
    let start = Instant::now();
    let mut best = f64::INFINITY;
    for read in 0..reads {
        let mut rng = Streams::new(1).stream(&[read as u64]);
        let mut r = Replica::random(&model, &mut rng);
        for s in &sweepers {
            s.sweep(&model, &mut r, &mut rng);
        }
        best = best.min(r.energy() / model.n() as f64);
    }
    let dt = start.elapsed().as_secs_f64();
    let total = (reads * sweeps) as f64;
    Ok((
        Figure {
            workload: format!(
                "SK N=1000 annealing {sweeps} sweeps, beta 0.1->3, Metropolis sequential"
            ),
            attempts_per_ns: total * model.n() as f64 / dt / 1e9,
            sweeps_per_s: total / dt,
        },
        best,
    ))
}

/// Runs `glassbox bench`.
pub fn run(args: Args) -> Result<()> {
    let workloads = [
        (
            "ising2d",
            "2D Ising L=256 T=2.269 Metropolis sequential",
            "graph = { kind = 'lattice', dims = [256, 256] }",
            2.269,
        ),
        (
            "sk",
            "SK N=1000 T=0.5 Metropolis sequential",
            "graph = { kind = 'complete', n = 1000 }\ncouplings = { law = 'gaussian' }",
            0.5,
        ),
    ];
    if let Some(o) = &args.only {
        anyhow::ensure!(
            workloads.iter().any(|w| w.0 == o) || o == "sk-anneal",
            "unknown workload `{o}` (known: ising2d, sk, sk-anneal)"
        );
    }
    for (key, name, spec, t) in workloads {
        if args.only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        let f = measure(name, spec, t, args.seconds, Order::Sequential)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    if args.only.as_deref().is_none_or(|o| o == "sk-anneal") {
        let (f, best) = anneal_sk(3, 1000)?;
        let mut v = serde_json::to_value(&f)?;
        v["seconds_per_read"] = serde_json::json!(1000.0 / f.sweeps_per_s);
        v["best_energy_per_spin"] = serde_json::json!(best);
        println!("RESULT {v}");
    }
    Ok(())
}
