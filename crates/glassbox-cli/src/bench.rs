//! `glassbox bench`: single-spin-flip Metropolis throughput on the standard workloads
//! (2D Ising L = 256 at T = 2.269, SK N = 1000), in spin-flip attempts per nanosecond, and the
//! multispin-coded kernel (64 bit-sliced systems; every lane's attempt counts), the
//! site-packed kernel (one system, 64 sites per word), replica lanes (32 replicas of a
//! Gaussian spin glass in single precision, against the scalar kernel on the same model),
//! `glassbox sample`'s scan through the
//! library (which routes 2D Ising to the multispin kernel), and the peers' annealing workloads
//! (SK, 3D EA ±J, a G-set graph) through the library's `anneal`.

use std::time::Instant;

use anyhow::Result;
use glassbox::mc::lanes::{self, LaneModel, LaneSpins, LaneSweeper};
use glassbox::mc::multispin::{MultiRng, MultiSpin, MultiSweeper, LANES};
use glassbox::mc::sitepacked::{SitePacked, SiteSweeper};
use glassbox::mc::{Kernel, Order, Replica, Rule, Scan, ScanConfig, Sweeper};
use glassbox::model::ModelSpec;
use glassbox::rng::Streams;

use crate::anneal_cmd::{maxcut_model, MaxCut};

/// Flags of `glassbox bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds to time each workload for (after one warm-up second).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Only this workload (`ising2d`, `sk`, `ea3d-gauss-16`, `sample-ising2d`, `sk-anneal`,
    /// `sk-anneal-4000`, `sk-dense`, `sk-dense-4000`, `gset-anneal`, or `multispin`, or one multispin workload:
    /// `ms-ising2d-256`, `ms-ising2d-1024`, `ms-ea3d-16`, `ms-ea3d-32`, `ms-ea3d-anneal`; or
    /// `sitepacked`, or one site-packed workload: `sp-ising2d-256`, `sp-ising2d-1024`; or
    /// `lanes`, or one replica-lanes workload: `ln-ea3d-gauss-16`, `ln-ea2d-gauss-256`).
    #[arg(long)]
    pub only: Option<String>,
    /// Rule of the multispin, site-packed and replica-lanes workloads (`metropolis` or
    /// `heat-bath`).
    #[arg(long, default_value = "metropolis")]
    pub rule: String,
    /// Threads for the multispin workloads (each running its own 64-lane group) and for the
    /// annealing reads of `sk-anneal`, `sk-anneal-4000`, `gset-anneal` and `ms-ea3d-anneal`
    /// (whose 64 reads are one group, so one task).
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
    /// Sweeps of the `ms-ea3d-anneal` and `gset-anneal` schedules (the peers' workload uses
    /// 1000).
    #[arg(long, default_value_t = 1000)]
    pub anneal_sweeps: usize,
    /// G-set file of the `gset-anneal` row (a Max-Cut instance, couplings J = −w). Default:
    /// a random graph of 2000 nodes and ~20000 edges with weights ±1 (seed 0), the one
    /// `glassbox graph --erdos-renyi 2000 --mean-degree 20 --couplings pm --seed 0`
    /// writes.
    #[arg(long)]
    pub gset: Option<std::path::PathBuf>,
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

/// Sweeps timed by [`time_sweeps`] on one thread.
struct Timed {
    sweeps: u64,
    /// Wall-clock seconds.
    seconds: f64,
    /// Attempts per nanosecond of the thread's CPU time (Linux).
    cpu_attempts_per_ns: Option<f64>,
}

/// Runs `sweep` (`attempts` spin-flip attempts each) for up to one warm-up second, then
/// times it for `seconds`, on the calling thread.
fn time_sweeps(seconds: f64, attempts: f64, mut sweep: impl FnMut()) -> Timed {
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < seconds.min(1.0) {
        sweep();
    }
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    let mut sweeps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        sweep();
        sweeps += 1;
    }
    Timed {
        sweeps,
        seconds: start.elapsed().as_secs_f64(),
        cpu_attempts_per_ns: cpu_rate(sweeps as f64 * attempts, cpu0),
    }
}

impl Timed {
    fn figure(&self, name: &str, attempts: f64) -> Figure {
        let sweeps_per_s = self.sweeps as f64 / self.seconds;
        Figure {
            workload: name.to_string(),
            attempts_per_ns: sweeps_per_s * attempts / 1e9,
            sweeps_per_s,
            cpu_attempts_per_ns: self.cpu_attempts_per_ns,
        }
    }
}

/// Times Metropolis sweeps of `spec` at temperature `t`.
pub fn measure(name: &str, spec: &str, t: f64, seconds: f64, order: Order) -> Result<Figure> {
    let model = ModelSpec::from_toml(spec)?.build()?;
    let mut rng = Streams::new(1).stream(&[0]);
    let mut r = Replica::random(&model, &mut rng);
    let sweeper = Sweeper::new(&model, Rule::Metropolis, order, 1.0 / t)?;
    let n = model.n() as f64;
    Ok(time_sweeps(seconds, n, || {
        sweeper.sweep(&model, &mut r, &mut rng);
    })
    .figure(name, n))
}

/// Times site-packed sweeps (one system, 64 sites per word, N attempts per sweep) of `spec`
/// at temperature `t`.
pub fn measure_sitepacked(
    name: &str,
    spec: &str,
    t: f64,
    seconds: f64,
    rule: Rule,
) -> Result<Figure> {
    let model = ModelSpec::from_toml(spec)?.build()?;
    let streams = Streams::new(1);
    let mut st = SitePacked::new(&model)?;
    st.randomize(&mut streams.stream(&[0]));
    let mut rng = MultiRng::new(&streams, &[1]);
    let sweeper = SiteSweeper::new(&st, rule, 1.0 / t)?;
    let n = model.n() as f64;
    Ok(time_sweeps(seconds, n, || {
        sweeper.sweep(&mut st, &mut rng);
    })
    .figure(name, n))
}

/// Times replica-lanes sweeps (32 replicas, all counted as attempts) of `spec` at temperature
/// `t`.
pub fn measure_lanes(name: &str, spec: &str, t: f64, seconds: f64, rule: Rule) -> Result<Figure> {
    let model = ModelSpec::from_toml(spec)?.build()?;
    let streams = Streams::new(1);
    let lm = LaneModel::new(&model)?;
    let mut st = LaneSpins::random(&model, &mut streams.stream(&[0]));
    let mut rng = MultiRng::new(&streams, &[1]);
    let sweeper = LaneSweeper::new(rule, Order::Sequential, 1.0 / t)?;
    let attempts = (model.n() * lanes::LANES) as f64;
    Ok(time_sweeps(seconds, attempts, || {
        sweeper.sweep(&lm, &mut st, &mut rng);
    })
    .figure(name, attempts))
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
    let attempts = (n * LANES) as f64;
    let groups: Vec<Timed> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|g| {
                let (base, sweeper) = (&base, &sweeper);
                scope.spawn(move || {
                    let streams = Streams::new(1 + g as u64);
                    let mut st = base.clone();
                    st.randomize(&mut streams.stream(&[0]));
                    let mut rng = MultiRng::new(&streams, &[1]);
                    time_sweeps(seconds, attempts, || sweeper.sweep(&mut st, &mut rng))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("benchmark thread"))
            .collect()
    });
    let sweeps_per_s: f64 = groups.iter().map(|g| g.sweeps as f64 / g.seconds).sum();
    Ok(Figure {
        workload: if threads > 1 {
            format!("{name}, {threads} threads x 64 lanes")
        } else {
            name.to_string()
        },
        attempts_per_ns: sweeps_per_s * attempts / 1e9,
        sweeps_per_s,
        cpu_attempts_per_ns: groups.iter().map(|g| g.cpu_attempts_per_ns).sum(),
    })
}

/// Times `glassbox sample`'s scan through the public API ([`Scan`], default kernel, measuring
/// every sweep): one temperature `t` of `spec`, Metropolis, no thermalization, advanced in
/// blocks of 10 sweeps. Attempts are counted as lanes · N per sweep (lanes = 64 when the scan
/// runs on the multispin kernel, else 1).
pub fn measure_scan(name: &str, spec: &str, t: f64, seconds: f64) -> Result<Figure> {
    let model = ModelSpec::from_toml(spec)?.build()?;
    let config = ScanConfig {
        temperatures: vec![t],
        rule: Rule::Metropolis,
        order: Order::Random,
        thermalization: 0,
        sweeps: u64::MAX / 2,
        measure_every: 1,
        seed: 1,
        cluster: None,
        kernel: Kernel::Auto,
    };
    let mut scan = Scan::new(&model, config)?;
    let block = 10;
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < seconds.min(1.0) {
        scan.step(&model, block);
    }
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    let mut sweeps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        sweeps += scan.step(&model, block);
    }
    let dt = start.elapsed().as_secs_f64();
    let attempts = (sweeps * model.n() as u64 * scan.chains[0].lanes() as u64) as f64;
    Ok(Figure {
        workload: format!("{name}, kernel {}", scan.config.kernel_name(&model)),
        attempts_per_ns: attempts / dt / 1e9,
        sweeps_per_s: sweeps as f64 / dt,
        cpu_attempts_per_ns: cpu_rate(attempts, cpu0),
    })
}

/// `attempts` per nanosecond of thread CPU time since `cpu0`.
fn cpu_rate(attempts: f64, cpu0: Option<u64>) -> Option<f64> {
    let used = thread_cpu_ns()?.checked_sub(cpu0?)?;
    (used > 0).then(|| attempts / used as f64)
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

/// The site-packed workloads: key, name, model spec, temperature.
const SITEPACKED: [(&str, &str, &str, f64); 2] = [
    (
        "sp-ising2d-256",
        "site-packed 2D Ising L=256 T=2.269, one system, checkerboard",
        "graph = { kind = 'lattice', dims = [256, 256] }",
        2.269,
    ),
    (
        "sp-ising2d-1024",
        "site-packed 2D Ising L=1024 T=2.269, one system, checkerboard",
        "graph = { kind = 'lattice', dims = [1024, 1024] }",
        2.269,
    ),
];

/// The replica-lanes workloads: key, name, model spec, temperature.
const LANE_WORKLOADS: [(&str, &str, &str, f64); 2] = [
    (
        "ln-ea3d-gauss-16",
        "replica lanes 3D EA Gaussian L=16 T=1.0, 32 replicas, sequential",
        EA3D_GAUSS_16,
        1.0,
    ),
    (
        "ln-ea2d-gauss-256",
        "replica lanes 2D EA Gaussian L=256 T=0.5, 32 replicas, sequential",
        "graph = { kind = 'lattice', dims = [256, 256] }\ncouplings = { law = 'gaussian' }",
        0.5,
    ),
];

/// A 3D Gaussian spin glass, L = 16 (seed 0): the replica-lanes workload and its scalar
/// reference.
const EA3D_GAUSS_16: &str =
    "graph = { kind = 'lattice', dims = [16, 16, 16] }\ncouplings = { law = 'gaussian' }";

/// Simulated annealing as the peers' benchmark runs it, through the library's [`anneal`]
/// (which picks the fast path the model qualifies for: dense models anneal in lockstep
/// groups, one per thread; periodic ±J lattices 64 reads at once, bit-sliced): `sweeps`
/// Metropolis sweeps in sequential order, β linear 0.1 → 3 (or every sweep at the fixed
/// temperature `fixed`), `reads` reads on `threads` threads, seed 1. Energies are per spin;
/// `best_energy_per_spin_16` is the best of the first 16 reads (the peers' figure). For a
/// Max-Cut instance the cut of that read is reported too.
#[allow(clippy::too_many_arguments)]
fn anneal_row(
    workload: &str,
    instance: &str,
    model: &glassbox::model::Ising,
    reads: usize,
    sweeps: usize,
    fixed: Option<f64>,
    threads: usize,
    maxcut: Option<&MaxCut>,
) -> Result<serde_json::Value> {
    use glassbox::mc::anneal::{anneal, AnnealConfig, Schedule};
    let n = model.n();
    let (schedule, what) = match fixed {
        None => (
            Schedule::Linear {
                beta0: 0.1,
                beta1: 3.0,
            },
            "annealing".to_string(),
        ),
        Some(t) => (
            Schedule::Custom {
                betas: vec![1.0 / t; sweeps],
            },
            format!("at fixed T={t} (anneal, constant schedule)"),
        ),
    };
    let config = AnnealConfig {
        schedule,
        sweeps: sweeps as u64,
        reads,
        rule: Rule::Metropolis,
        order: Order::Sequential,
        trace_every: sweeps as u64,
        seed: 1,
        kernel: glassbox::mc::Kernel::Auto,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let start = Instant::now();
    let result = pool.install(|| anneal(model, &config))?;
    let dt = start.elapsed().as_secs_f64();
    let e: Vec<f64> = result
        .reads
        .iter()
        .map(|r| r.best_energy / n as f64)
        .collect();
    let first16 = result.reads.iter().take(16);
    let best16 = first16
        .reduce(|a, b| if b.best_energy < a.best_energy { b } else { a })
        .expect("at least one read");
    let attempts = (reads * sweeps * n) as f64;
    let accepted: u64 = result.reads.iter().map(|r| r.accepted).sum();
    let mut row = serde_json::json!({
        "workload": format!(
            "{workload} {what} {sweeps} sweeps, {}Metropolis, {reads} reads, {threads} threads",
            if fixed.is_none() { "beta 0.1->3, " } else { "" }
        ),
        "instance": instance,
        "acceptance": accepted as f64 / attempts,
        "attempts_per_ns": attempts / dt / 1e9,
        "seconds_per_read": dt / reads as f64,
        "best_energy_per_spin_16": best16.best_energy / n as f64,
        "best_energy_per_spin": e.iter().copied().fold(f64::INFINITY, f64::min),
        "mean_energy_per_spin": e.iter().sum::<f64>() / reads as f64,
    });
    if let Some(c) = maxcut {
        row["best_energy_16"] = best16.best_energy.into();
        row["best_cut_16"] = c.cut(&best16.best_spins).into();
    }
    Ok(row)
}

/// Whitespace-separated numbers of `path`.
fn read_numbers(path: &std::path::Path) -> Result<Vec<f64>> {
    Ok(std::fs::read_to_string(path)?
        .split_whitespace()
        .map(|x| x.parse::<f64>())
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

/// The 3D EA ±J L³ instance of the annealing row: bonds from `bonds` (3N values ±1, bond
/// (i, axis k) at position 3i + k) or the plus-minus law with seed 0.
fn ea3d_instance(l: usize, bonds: Option<&std::path::Path>) -> Result<glassbox::model::Ising> {
    use glassbox::graph::Lattice;
    use glassbox::model::{Couplings, Ising, LatticeCouplings};
    Ok(match bonds {
        Some(path) => {
            let c = LatticeCouplings::new(Lattice::new(&[l, l, l], true)?, read_numbers(path)?)?;
            Ising::new(Couplings::Lattice(c), vec![0.0; l * l * l])?
        }
        None => ModelSpec::from_toml(&format!(
            "graph = {{ kind = 'lattice', dims = [{l}, {l}, {l}] }}\ncouplings = {{ law = 'plus-minus' }}"
        ))?
        .build()?,
    })
}

/// The SK instance of the annealing rows: `couplings` (N×N values, row-major; only the upper
/// triangle i < j is used) or the Gaussian law with seed 0.
fn sk_instance(n: usize, couplings: Option<&std::path::Path>) -> Result<glassbox::model::Ising> {
    use glassbox::model::Ising;
    Ok(match couplings {
        Some(path) => {
            let w = read_numbers(path)?;
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
    })
}

/// The Max-Cut instance of the G-set row: the G-set file `path`, or the graph that
/// `glassbox graph --erdos-renyi 2000 --mean-degree 20 --couplings pm --seed 0`
/// writes (weights w = ±1), built in memory.
fn gset_instance(path: Option<&std::path::Path>) -> Result<(glassbox::model::Ising, MaxCut)> {
    use glassbox::graph::{read_graph, FileFormat, WeightedGraph};
    let g = match path {
        Some(p) => read_graph(p, FileFormat::Gset)?,
        None => {
            let m = ModelSpec::from_toml(GSET_SPEC)?.build()?;
            WeightedGraph {
                n: m.n(),
                edges: m.edges(),
            }
        }
    };
    maxcut_model(g)
}

/// The default G-set row instance (seed 0).
const GSET_SPEC: &str = "graph = { kind = 'erdos-renyi', n = 2000, mean_degree = 20.0 }\ncouplings = { law = 'plus-minus' }\nseed = 0";

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
        (
            "ea3d-gauss-16",
            "3D EA Gaussian L=16 T=1.0 Metropolis sequential",
            EA3D_GAUSS_16,
            1.0,
        ),
    ];
    if let Some(o) = &args.only {
        anyhow::ensure!(
            workloads.iter().any(|w| w.0 == o)
                || o == "sample-ising2d"
                || MULTISPIN.iter().any(|w| w.0 == o)
                || SITEPACKED.iter().any(|w| w.0 == o)
                || LANE_WORKLOADS.iter().any(|w| w.0 == o)
                || o == "lanes"
                || o == "sitepacked"
                || o == "sk-anneal"
                || o == "sk-anneal-4000"
                || o == "sk-dense"
                || o == "sk-dense-4000"
                || o == "multispin"
                || o == "ms-ea3d-anneal"
                || o == "gset-anneal",
            "unknown workload `{o}` (known: ising2d, sk, ea3d-gauss-16, sample-ising2d, sk-anneal, sk-anneal-4000, sk-dense, sk-dense-4000, gset-anneal, multispin, ms-ea3d-anneal, {}, sitepacked, {}, lanes, {})",
            MULTISPIN.map(|w| w.0).join(", "),
            SITEPACKED.map(|w| w.0).join(", "),
            LANE_WORKLOADS.map(|w| w.0).join(", ")
        );
    }
    let rule = match args.rule.as_str() {
        "metropolis" => Rule::Metropolis,
        "heat-bath" => Rule::HeatBath,
        r => anyhow::bail!("unknown rule `{r}` (known: metropolis, heat-bath)"),
    };
    let rule_name = match rule {
        Rule::Metropolis => "Metropolis",
        Rule::HeatBath => "heat bath",
    };
    for (key, name, spec, t) in workloads {
        if args.only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        let f = measure(name, spec, t, args.seconds, Order::Sequential)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    if args.only.as_deref().is_none_or(|o| o == "sample-ising2d") {
        let f = measure_scan(
            "glassbox sample: 2D Ising L=256 T=2.269 Metropolis, measuring every sweep",
            "graph = { kind = 'lattice', dims = [256, 256] }",
            2.269,
            args.seconds,
        )?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    // The dense fast path: annealing (the peers' workload) and at fixed T = 0.5.
    let sk_rows = [
        ("sk-anneal", 1000, 16, None),
        ("sk-anneal-4000", 4000, 16, None),
        ("sk-dense", 1000, 16, Some(0.5)),
        ("sk-dense-4000", 4000, 16, Some(0.5)),
    ];
    for (key, n, reads, fixed) in sk_rows {
        if args.only.as_deref().is_none_or(|o| o == key) {
            let p = args.sk_couplings.as_deref();
            let model = sk_instance(n, p)?;
            let instance = p.map_or("gaussian seed 0".into(), |p| p.display().to_string());
            let sweeps = if fixed.is_some() { 200 } else { 1000 };
            let name = format!("SK N={n}");
            let v = anneal_row(
                &name,
                &instance,
                &model,
                reads,
                sweeps,
                fixed,
                args.threads,
                None,
            )?;
            println!("RESULT {v}");
        }
    }
    if args.only.as_deref().is_none_or(|o| o == "gset-anneal") {
        let (model, cut) = gset_instance(args.gset.as_deref())?;
        let instance = args.gset.as_ref().map_or(
            "erdos-renyi n=2000 mean degree 20, ±1, seed 0".into(),
            |p| p.display().to_string(),
        );
        let name = format!("G-set n={} m={}", model.n(), model.edges().len());
        // One whole group of replica lanes (the best of the first 16 is the peers' figure).
        let v = anneal_row(
            &name,
            &instance,
            &model,
            glassbox::mc::lanes::LANES,
            args.anneal_sweeps,
            None,
            args.threads,
            Some(&cut),
        )?;
        println!("RESULT {v}");
    }
    for (key, name, spec, samples, t) in MULTISPIN {
        if args
            .only
            .as_deref()
            .is_some_and(|o| o != key && o != "multispin")
        {
            continue;
        }
        let name = format!("{name}, {rule_name}");
        let f = measure_multispin(&name, spec, samples, t, args.seconds, rule, args.threads)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    for (key, name, spec, t) in SITEPACKED {
        if args
            .only
            .as_deref()
            .is_some_and(|o| o != key && o != "sitepacked")
        {
            continue;
        }
        let name = format!("{name}, {rule_name}");
        let f = measure_sitepacked(&name, spec, t, args.seconds, rule)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    for (key, name, spec, t) in LANE_WORKLOADS {
        if args
            .only
            .as_deref()
            .is_some_and(|o| o != key && o != "lanes")
        {
            continue;
        }
        let name = format!("{name}, {rule_name}");
        let f = measure_lanes(&name, spec, t, args.seconds, rule)?;
        println!("RESULT {}", serde_json::to_string(&f)?);
    }
    if args
        .only
        .as_deref()
        .is_none_or(|o| o == "ms-ea3d-anneal" || o == "multispin")
    {
        let p = args.ea3d_bonds.as_deref();
        let model = ea3d_instance(16, p)?;
        let instance = p.map_or("plus-minus seed 0".into(), |p| p.display().to_string());
        let sweeps = args.anneal_sweeps.max(2);
        let v = anneal_row(
            "3D EA ±J L=16 (multispin)",
            &instance,
            &model,
            LANES,
            sweeps,
            None,
            args.threads,
            None,
        )?;
        println!("RESULT {v}");
    }
    Ok(())
}
