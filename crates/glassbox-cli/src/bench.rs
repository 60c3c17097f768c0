//! `glassbox bench`: single-spin-flip Metropolis throughput on the standard workloads
//! (2D Ising L = 256 at T = 2.269, SK N = 1000), in spin-flip attempts per nanosecond, and the
//! multispin-coded kernel (64 bit-sliced systems; every lane's attempt counts).

use std::time::Instant;

use anyhow::Result;
use glassbox::mc::multispin::{MultiRng, MultiSpin, MultiSweeper, LANES};
use glassbox::mc::{Order, Replica, Rule, Sweeper};
use glassbox::model::ModelSpec;
use glassbox::rng::Streams;

/// Flags of `glassbox bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds to time each workload for (after one warm-up second).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Only this workload (`ising2d`, `sk`, `sk-anneal`, `sk-anneal-4000`, or `multispin`, or one multispin
    /// workload: `ms-ising2d-256`, `ms-ising2d-1024`, `ms-ea3d-16`, `ms-ea3d-32`,
    /// `ms-ea3d-anneal`).
    #[arg(long)]
    pub only: Option<String>,
    /// Rule of the multispin workloads (`metropolis` or `heat-bath`).
    #[arg(long, default_value = "metropolis")]
    pub rule: String,
    /// Threads for the multispin workloads (each running its own 64-lane group) and for the
    /// annealing reads of `sk-anneal`.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Couplings of the `ms-ea3d-anneal` instance: 3N values ±1, bond (i, axis k) at line
    /// 3i + k (glassbox site order, first coordinate fastest), e.g. the peers' instance
    /// exported as in BENCHMARKS.md. Default: the plus-minus law with seed 0.
    #[arg(long)]
    pub ea3d_bonds: Option<std::path::PathBuf>,
    /// Couplings of the `sk-anneal` instances: N×N values (row-major, upper triangle used),
    /// e.g. the peers' instance exported as in BENCHMARKS.md. Default: Gaussian, seed 0.
    #[arg(long)]
    pub sk_couplings: Option<std::path::PathBuf>,
    /// Sweeps of the `ms-ea3d-anneal` schedule (the peers' workload uses 1000).
    #[arg(long, default_value_t = 1000)]
    pub anneal_sweeps: usize,
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
    /// Attempts per nanosecond of this thread's CPU time (Linux; robust when other
    /// processes share the cores, unlike the wall-clock figure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_attempts_per_ns: Option<f64>,
}

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`, Linux only).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
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
    let cpu0 = thread_cpu_ns();
    let mut sweeps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        sweeper.sweep(&model, &mut r, &mut rng);
        sweeps += 1;
    }
    let dt = start.elapsed().as_secs_f64();
    let attempts = sweeps as f64 * model.n() as f64;
    Ok(Figure {
        workload: name.to_string(),
        attempts_per_ns: attempts / dt / 1e9,
        sweeps_per_s: sweeps as f64 / dt,
        cpu_attempts_per_ns: cpu_rate(attempts, cpu0),
    })
}

/// Times multispin-coded sweeps (64 lanes, all counted as attempts) of `spec` at temperature
/// `t`, with `samples` disorder samples spread over the lanes. With `threads` > 1, that many
/// independent 64-lane groups (each its own state and random streams) run on their own
/// threads for the same time, and the figures are their sum.
pub fn measure_multispin(
    name: &str,
    spec: &str,
    samples: usize,
    t: f64,
    seconds: f64,
    rule: Rule,
    threads: usize,
) -> Result<Figure> {
    let spec = ModelSpec::from_toml(spec)?;
    let models = (0..samples)
        .map(|k| spec.sample(k, samples).build())
        .collect::<glassbox::Result<Vec<_>>>()?;
    let n = models[0].n();
    let base = MultiSpin::from_models(&models)?;
    let sweeper = MultiSweeper::new(&base, rule, 1.0 / t)?;
    // (sweeps, wall seconds, attempts per CPU ns) of each group.
    let groups: Vec<(u64, f64, Option<f64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|g| {
                let (base, sweeper) = (&base, &sweeper);
                scope.spawn(move || {
                    let streams = Streams::new(1 + g as u64);
                    let mut st = base.clone();
                    st.randomize(&mut streams.stream(&[0]));
                    let mut rng = MultiRng::new(&streams, &[1]);
                    let warm = Instant::now();
                    while warm.elapsed().as_secs_f64() < seconds.min(1.0) {
                        sweeper.sweep(&mut st, &mut rng);
                    }
                    let start = Instant::now();
                    let cpu0 = thread_cpu_ns();
                    let mut sweeps = 0u64;
                    while start.elapsed().as_secs_f64() < seconds {
                        sweeper.sweep(&mut st, &mut rng);
                        sweeps += 1;
                    }
                    let attempts = sweeps as f64 * (n * LANES) as f64;
                    (
                        sweeps,
                        start.elapsed().as_secs_f64(),
                        cpu_rate(attempts, cpu0),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("benchmark thread"))
            .collect()
    });
    let per_group = |(sweeps, dt, _): &(u64, f64, Option<f64>)| *sweeps as f64 / dt;
    let sweeps_per_s: f64 = groups.iter().map(per_group).sum();
    let cpu = groups.iter().map(|g| g.2).sum::<Option<f64>>();
    Ok(Figure {
        workload: if threads > 1 {
            format!("{name}, {threads} threads x 64 lanes")
        } else {
            name.to_string()
        },
        attempts_per_ns: sweeps_per_s * (n * LANES) as f64 / 1e9,
        sweeps_per_s,
        cpu_attempts_per_ns: cpu,
    })
}

/// `attempts` per nanosecond of thread CPU time since `cpu0`.
fn cpu_rate(attempts: f64, cpu0: Option<u64>) -> Option<f64> {
    let used = thread_cpu_ns()?.checked_sub(cpu0?)?;
    (used > 0).then(|| attempts / used as f64)
}

/// 3D EA ±J L³ simulated annealing as the peers run it (`sweeps` Metropolis sweeps, β linear
/// 0.1 → 3, random start), with the multispin kernel: 64 replicas of one instance anneal at
/// once, so one run gives 64 reads.
pub fn anneal_ea3d_multispin(
    l: usize,
    sweeps: usize,
    bonds: Option<&std::path::Path>,
) -> Result<serde_json::Value> {
    use glassbox::graph::Lattice;
    use glassbox::model::{Couplings, Ising, LatticeCouplings};
    let model = match bonds {
        Some(path) => {
            let w = std::fs::read_to_string(path)?
                .split_whitespace()
                .map(|x| x.parse::<f64>())
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let c = LatticeCouplings::new(Lattice::new(&[l, l, l], true)?, w)?;
            Ising::new(Couplings::Lattice(c), vec![0.0; l * l * l])?
        }
        None => ModelSpec::from_toml(&format!(
            "graph = {{ kind = 'lattice', dims = [{l}, {l}, {l}] }}\ncouplings = {{ law = 'plus-minus' }}"
        ))?
        .build()?,
    };
    let n = model.n();
    let streams = Streams::new(1);
    let mut st = MultiSpin::new(&model)?;
    st.randomize(&mut streams.stream(&[0]));
    let mut rng = MultiRng::new(&streams, &[1]);
    let (b0, b1) = (0.1, 3.0);
    let sweepers = (0..sweeps)
        .map(|k| {
            let beta = b0 + (b1 - b0) * k as f64 / (sweeps - 1).max(1) as f64;
            MultiSweeper::new(&st, Rule::Metropolis, beta)
        })
        .collect::<glassbox::Result<Vec<_>>>()?;
    let start = Instant::now();
    for s in &sweepers {
        s.sweep(&mut st, &mut rng);
    }
    let dt = start.elapsed().as_secs_f64();
    let e: Vec<f64> = st.energies().iter().map(|e| e / n as f64).collect();
    let best = |k: usize| e[..k].iter().copied().fold(f64::INFINITY, f64::min);
    Ok(serde_json::json!({
        "workload": format!(
            "multispin 3D EA ±J L={l} annealing {sweeps} sweeps, beta 0.1->3, Metropolis checkerboard, 64 reads at once"
        ),
        "instance": bonds.map_or("plus-minus seed 0".to_string(), |p| p.display().to_string()),
        "seconds_per_64_reads": dt,
        "seconds_per_read": dt / LANES as f64,
        "attempts_per_ns": (sweeps * n * LANES) as f64 / dt / 1e9,
        "best_energy_per_spin_16": best(16),
        "best_energy_per_spin_64": best(LANES),
        "mean_energy_per_spin": e.iter().sum::<f64>() / LANES as f64,
    }))
}

/// The multispin workloads: key, name, model spec, disorder samples, temperature.
const MULTISPIN: [(&str, &str, &str, usize, f64); 4] = [
    (
        "ms-ising2d-256",
        "multispin 2D Ising L=256 T=2.269, 64 lanes, checkerboard",
        "graph = { kind = 'lattice', dims = [256, 256] }",
        1,
        2.269,
    ),
    (
        "ms-ising2d-1024",
        "multispin 2D Ising L=1024 T=2.269, 64 lanes, checkerboard",
        "graph = { kind = 'lattice', dims = [1024, 1024] }",
        1,
        2.269,
    ),
    (
        "ms-ea3d-16",
        "multispin 3D EA ±J L=16 T=1.1, 64 samples, checkerboard",
        "graph = { kind = 'lattice', dims = [16, 16, 16] }\ncouplings = { law = 'plus-minus' }",
        LANES,
        1.1,
    ),
    (
        "ms-ea3d-32",
        "multispin 3D EA ±J L=32 T=1.1, 64 samples, checkerboard",
        "graph = { kind = 'lattice', dims = [32, 32, 32] }\ncouplings = { law = 'plus-minus' }",
        LANES,
        1.1,
    ),
];

/// Simulated annealing of SK as the peers' benchmark runs it, through the library's
/// [`anneal`] (which anneals dense-model reads in lockstep groups, one per thread): `sweeps`
/// Metropolis sweeps in sequential order, β linear 0.1 → 3, `reads` reads on `threads` threads.
/// The instance is read from `couplings` (N×N values, whitespace-separated, row-major; only
/// the upper triangle i < j is used) or drawn from the Gaussian law with seed 0.
pub fn anneal_sk(
    n: usize,
    reads: usize,
    sweeps: usize,
    threads: usize,
    couplings: Option<&std::path::Path>,
) -> Result<serde_json::Value> {
    use glassbox::mc::anneal::{anneal, AnnealConfig, Schedule};
    use glassbox::model::Ising;
    let model = match couplings {
        Some(path) => {
            let w = std::fs::read_to_string(path)?
                .split_whitespace()
                .map(|x| x.parse::<f64>())
                .collect::<std::result::Result<Vec<_>, _>>()?;
            anyhow::ensure!(
                w.len() == n * n,
                "{}: {} values, an {n}×{n} matrix needs {}",
                path.display(),
                w.len(),
                n * n
            );
            let mut j = vec![0.0; n * n];
            for a in 0..n {
                for b in a + 1..n {
                    j[a * n + b] = w[a * n + b];
                    j[b * n + a] = w[a * n + b];
                }
            }
            Ising::from_dense(n, j, vec![])?
        }
        None => ModelSpec::from_toml(&format!(
            "graph = {{ kind = 'complete', n = {n} }}\ncouplings = {{ law = 'gaussian' }}"
        ))?
        .build()?,
    };
    let config = AnnealConfig {
        schedule: Schedule::Linear {
            beta0: 0.1,
            beta1: 3.0,
        },
        sweeps: sweeps as u64,
        reads,
        rule: Rule::Metropolis,
        order: Order::Sequential,
        trace_every: sweeps as u64,
        seed: 1,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let start = Instant::now();
    let result = pool.install(|| anneal(&model, &config))?;
    let dt = start.elapsed().as_secs_f64();
    let e: Vec<f64> = result
        .reads
        .iter()
        .map(|r| r.best_energy / n as f64)
        .collect();
    let attempts = (reads * sweeps * n) as f64;
    let accepted: u64 = result.reads.iter().map(|r| r.accepted).sum();
    Ok(serde_json::json!({
        "acceptance": accepted as f64 / attempts,
        "workload": format!(
            "SK N={n} annealing {sweeps} sweeps, beta 0.1->3, Metropolis sequential, {reads} reads, {threads} threads"
        ),
        "instance": couplings.map_or("gaussian seed 0".to_string(), |p| p.display().to_string()),
        "attempts_per_ns": attempts / dt / 1e9,
        "seconds_per_read": dt / reads as f64,
        "best_energy_per_spin": e.iter().copied().fold(f64::INFINITY, f64::min),
        "mean_energy_per_spin": e.iter().sum::<f64>() / reads as f64,
    }))
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
            workloads.iter().any(|w| w.0 == o)
                || MULTISPIN.iter().any(|w| w.0 == o)
                || o == "sk-anneal"
                || o == "sk-anneal-4000"
                || o == "multispin"
                || o == "ms-ea3d-anneal",
            "unknown workload `{o}` (known: ising2d, sk, sk-anneal, sk-anneal-4000, multispin, ms-ea3d-anneal, {})",
            MULTISPIN.map(|w| w.0).join(", ")
        );
    }
    let rule = match args.rule.as_str() {
        "metropolis" => Rule::Metropolis,
        "heat-bath" => Rule::HeatBath,
        r => anyhow::bail!("unknown rule `{r}` (known: metropolis, heat-bath)"),
    };
    for (key, name, spec, t) in workloads {
        if args.only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        let f = measure(name, spec, t, args.seconds, Order::Sequential)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    for (key, n) in [("sk-anneal", 1000), ("sk-anneal-4000", 4000)] {
        if args.only.as_deref().is_none_or(|o| o == key) {
            let v = anneal_sk(n, 16, 1000, args.threads, args.sk_couplings.as_deref())?;
            println!("RESULT {v}");
        }
    }
    for (key, name, spec, samples, t) in MULTISPIN {
        if args
            .only
            .as_deref()
            .is_some_and(|o| o != key && o != "multispin")
        {
            continue;
        }
        let name = match rule {
            Rule::Metropolis => format!("{name}, Metropolis"),
            Rule::HeatBath => format!("{name}, heat bath"),
        };
        let f = measure_multispin(&name, spec, samples, t, args.seconds, rule, args.threads)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    if args
        .only
        .as_deref()
        .is_none_or(|o| o == "ms-ea3d-anneal" || o == "multispin")
    {
        let v = anneal_ea3d_multispin(16, args.anneal_sweeps.max(2), args.ea3d_bonds.as_deref())?;
        println!("RESULT {v}");
    }
    Ok(())
}
