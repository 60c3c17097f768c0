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
    /// Only this workload (`ising2d` or `sk`).
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
            workloads.iter().any(|w| w.0 == o),
            "unknown workload `{o}` (known: ising2d, sk)"
        );
    }
    for (key, name, spec, t) in workloads {
        if args.only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        let f = measure(name, spec, t, args.seconds, Order::Sequential)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    Ok(())
}
