//! `glassbox sample`: a Monte Carlo temperature scan written to a run folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use glassbox::mc::cluster::ClusterAlgorithm;
use glassbox::mc::{disorder_averages, Kernel, Order, PointResult, Rule, Scan};
use glassbox::model::{Ising, ModelSpec};
use rayon::prelude::*;

use crate::ensemble::{Ensemble, CHECKPOINT};
use crate::plot::{Plot, Series, Style};
use crate::runfolder::{RunFolder, RunStatus, RunningManifest};
use crate::spec::{ModelArgs, SampleSpec, ScanSpec, TemperatureArgs};

/// Flags of `glassbox sample`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Experiment file (TOML with `seed`, `[model]` and `[scan]`), instead of model flags.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub temperatures: TemperatureArgs,
    /// Measurement sweeps per temperature.
    #[arg(long, default_value_t = 10_000)]
    pub sweeps: u64,
    /// Thermalization sweeps (default: sweeps / 10).
    #[arg(long)]
    pub therm: Option<u64>,
    /// Measure every k sweeps.
    #[arg(long, default_value_t = 1)]
    pub every: u64,
    /// Acceptance rule.
    #[arg(long, value_enum, default_value = "metropolis")]
    pub rule: RuleArg,
    /// Site order in a sweep.
    #[arg(long, value_enum, default_value = "random")]
    pub order: OrderArg,
    /// Cluster updates instead of single-spin flips (uniform ferromagnets without field):
    /// a sweep is one Swendsen–Wang update of all spins, or one Wolff cluster.
    #[arg(long, value_enum)]
    pub cluster: Option<ClusterArg>,
    /// Implementation (default `auto`, or the experiment file's): `auto` runs each
    /// temperature as 64 independent replicas bit-sliced on periodic 2D/3D lattices with ±J
    /// couplings and no field (checkerboard order whatever `--order` says; a measurement is
    /// the replicas' average, so error bars are ~1/8 for the same sweeps), and other lattice
    /// or sparse models (Gaussian couplings, fields, open boundaries, graphs) as 32 replicas
    /// in single-precision SIMD lanes; `scalar` forces one replica on the reference kernel.
    #[arg(long, value_enum)]
    pub kernel: Option<KernelArg>,
    /// Number of disorder samples (independent instances of a random model), run in parallel
    /// and averaged.
    #[arg(long, default_value_t = 1)]
    pub samples: usize,
    /// Run seed (default 1, or the experiment file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "runs/sample")]
    pub out: PathBuf,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Resume an interrupted run from the checkpoint in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// Seconds between checkpoints.
    #[arg(long, default_value_t = 30.0)]
    pub checkpoint_every: f64,
    /// Run only shard K of N of the disorder samples (a contiguous slice; K = 1…N), for batch
    /// schedulers; combine the N shard folders with `glassbox merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::ensemble::Shard>,
    /// Distribute the disorder samples over the MPI ranks (run under `mpirun`).
    #[cfg(feature = "mpi")]
    #[arg(long, conflicts_with = "shard")]
    pub mpi: bool,
}

/// Acceptance-rule flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RuleArg {
    /// Metropolis.
    Metropolis,
    /// Heat bath (Glauber).
    HeatBath,
}

/// Cluster-algorithm flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ClusterArg {
    /// Wolff single-cluster updates.
    Wolff,
    /// Swendsen–Wang.
    Sw,
}

/// Kernel flag (`sample`, `anneal`, `ground`).
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum KernelArg {
    /// The fastest path the model qualifies for.
    Auto,
    /// The scalar reference kernel.
    Scalar,
    /// One system per temperature, 64 sites per word (`sample` only: periodic 2D/3D
    /// ferromagnets whose first side is a multiple of 128).
    SitePacked,
}

impl From<KernelArg> for Kernel {
    fn from(k: KernelArg) -> Kernel {
        match k {
            KernelArg::Auto => Kernel::Auto,
            KernelArg::Scalar => Kernel::Scalar,
            KernelArg::SitePacked => Kernel::SitePacked,
        }
    }
}

/// Site-order flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OrderArg {
    /// Uniformly random sites.
    Random,
    /// 0, 1, …, N−1.
    Sequential,
}

impl Args {
    fn scan_cluster(&self) -> Option<ClusterAlgorithm> {
        self.cluster.map(|c| match c {
            ClusterArg::Wolff => ClusterAlgorithm::Wolff,
            ClusterArg::Sw => ClusterAlgorithm::SwendsenWang,
        })
    }

    fn spec(&self) -> Result<SampleSpec> {
        let m = &self.model;
        let model_flags = m.lattice.is_some()
            || m.sk.is_some()
            || m.complete.is_some()
            || m.random_regular.is_some()
            || m.erdos_renyi.is_some()
            || m.graph.is_some();
        if let Some(path) = &self.config {
            if model_flags || self.temperatures.resolve()?.is_some() {
                bail!("give either --config or model/temperature flags, not both");
            }
            let mut spec = SampleSpec::from_file(path)?;
            if let Some(s) = self.seed {
                spec.seed = s;
            }
            if self.samples != 1 {
                spec.samples = self.samples;
            }
            if self.cluster.is_some() {
                spec.scan.cluster = self.scan_cluster();
            }
            if let Some(k) = self.kernel {
                spec.scan.kernel = k.into();
            }
            return Ok(spec);
        }
        let seed = self.seed.unwrap_or(1);
        let Some(temperatures) = self.temperatures.resolve()? else {
            bail!("no temperatures given: use --temperatures T1,T2,… or --t-range TMIN:TMAX:COUNT");
        };
        Ok(SampleSpec {
            seed,
            samples: self.samples,
            model: m.to_spec(seed)?,
            scan: ScanSpec {
                temperatures,
                rule: match self.rule {
                    RuleArg::Metropolis => Rule::Metropolis,
                    RuleArg::HeatBath => Rule::HeatBath,
                },
                order: match self.order {
                    OrderArg::Random => Order::Random,
                    OrderArg::Sequential => Order::Sequential,
                },
                thermalization: self.therm,
                sweeps: self.sweeps,
                measure_every: self.every,
                cluster: self.scan_cluster(),
                kernel: self.kernel.map_or(Kernel::Auto, Kernel::from),
            },
        })
    }
}

/// The results of one disorder sample of `glassbox sample`: its scan and final spins (one
/// configuration per temperature, concatenated).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SamplePart {
    /// Results per temperature.
    pub results: Vec<PointResult>,
    /// Final configurations, temperature after temperature.
    pub spins: Vec<i8>,
}

/// A `glassbox sample` ensemble: its resolved spec and sample 0 (for the array shapes).
pub struct SampleEnsemble {
    spec: SampleSpec,
    config: glassbox::mc::ScanConfig,
    model0: Ising,
}

impl crate::ensemble::EnsembleSpec for SampleSpec {
    fn seed(&self) -> u64 {
        self.seed
    }
    fn samples(&self) -> usize {
        self.samples
    }
    fn model(&self) -> &ModelSpec {
        &self.model
    }
}

impl crate::ensemble::Ensemble for SampleEnsemble {
    type Spec = SampleSpec;
    type State = Scan;
    type Part = SamplePart;

    fn new(spec: SampleSpec) -> Result<Self> {
        anyhow::ensure!(
            spec.samples >= 1,
            "the number of disorder samples must be at least 1"
        );
        let config = spec.scan_config();
        config.validate()?;
        let model0 = spec.model.sample(0, spec.samples).build()?;
        Ok(Self {
            spec,
            config,
            model0,
        })
    }
    fn command(&self) -> &'static str {
        "sample"
    }
    fn spec(&self) -> &SampleSpec {
        &self.spec
    }
    fn model0(&self) -> &Ising {
        &self.model0
    }
    fn start(&self, i: usize, model: &Ising) -> Result<Scan> {
        Ok(Scan::new(model, self.config.sample(i, self.spec.samples))?)
    }
    fn matches(&self, i: usize, state: &Scan) -> bool {
        state.config == self.config.sample(i, self.spec.samples)
    }
    fn advance(&self, state: &mut Scan, model: &Ising) {
        state.step(model, crate::ensemble::block(state.total_sweeps()));
    }
    fn progress(&self, state: &Scan) -> (bool, u64) {
        (state.finished(), state.sweeps_done())
    }
    fn total(&self, state: &Scan) -> u64 {
        state.total_sweeps()
    }
    /// Every disorder sample of an ensemble qualifies for the same kernel as sample 0.
    fn kernel(&self) -> Option<&'static str> {
        Some(self.config.kernel_name(&self.model0))
    }
    fn part(&self, state: &Scan, model: &Ising) -> SamplePart {
        SamplePart {
            results: state.results(model),
            spins: state
                .chains
                .iter()
                .flat_map(|c| c.spins().into_owned())
                .collect(),
        }
    }
    fn finish(&self, folder: &RunFolder, out: &Path, parts: Vec<SamplePart>) -> Result<()> {
        let spec = &self.spec;
        let per_sample: Vec<Vec<PointResult>> = parts.iter().map(|p| p.results.clone()).collect();
        let results = if per_sample.len() == 1 {
            per_sample[0].clone()
        } else {
            disorder_averages(&per_sample)
        };
        let spins: Vec<&[i8]> = parts.iter().map(|p| &p.spins[..]).collect();
        write_outputs(folder, &self.model0, spec, &spins, &results)?;
        if spec.samples > 1 {
            write_samples(folder, &per_sample)?;
        }
        print_summary(spec, &results, out, self.config.kernel_name(&self.model0));
        Ok(())
    }
}

/// Runs `glassbox sample`.
pub fn run(args: Args) -> Result<()> {
    let mut spec = args.spec()?;
    // Resolve defaults so the written spec says exactly what ran.
    spec.model.couplings = Some(spec.model.law());
    spec.scan.thermalization = Some(spec.scan_config().thermalization);
    // Validate and build everything before touching the output folder.
    let ensemble = SampleEnsemble::new(spec.clone())?;
    if let Some(shard) = args.shard {
        shard.range(spec.samples)?;
    }
    #[cfg(feature = "mpi")]
    if args.mpi {
        return crate::ensemble::mpi::run(
            &ensemble,
            &args.out,
            args.overwrite,
            args.resume,
            args.checkpoint_every,
            |folder| check_resumable(folder, &spec, &args.out),
        );
    }
    let folder = if args.resume {
        RunFolder::open(&args.out)?
    } else {
        RunFolder::create(&args.out, args.overwrite)?
    };
    if args.resume {
        check_resumable(&folder, &spec, &args.out)?;
    }
    folder.write_atomic("spec.toml", toml::to_string_pretty(&spec)?.as_bytes())?;
    crate::ensemble::run_main(
        &ensemble,
        args.shard,
        &folder,
        &args.out,
        args.resume,
        args.checkpoint_every,
    )
}

/// Refuses to resume a folder whose `spec.toml` differs from `spec`.
fn check_resumable(folder: &RunFolder, spec: &SampleSpec, out: &Path) -> Result<()> {
    let previous: SampleSpec = toml::from_str(
        &std::fs::read_to_string(folder.path("spec.toml"))
            .context("no spec.toml in the folder to resume")?,
    )
    .context("spec.toml of the folder to resume is malformed")?;
    if &previous != spec {
        bail!(
            "cannot resume {}: its spec differs from the one given now",
            out.display()
        );
    }
    Ok(())
}

/// Column order of `results.csv`: for each observable its value, error and τ_int.
pub fn csv_table(results: &[PointResult]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["T".to_string(), "beta".to_string()];
    for name in OBSERVABLES.iter().map(|o| o.0) {
        header.push(name.to_string());
        header.push(format!("{name}_err"));
        header.push(format!("{name}_tau"));
    }
    header.extend(["acceptance", "sweeps", "reliable"].map(String::from));
    let rows = results
        .iter()
        .map(|r| {
            let mut row = vec![r.temperature.to_string(), r.beta.to_string()];
            let mut reliable = true;
            for (_, get, _) in OBSERVABLES {
                let e = get(r);
                reliable &= e.reliable;
                row.extend([e.mean, e.error, e.tau_int].map(|x| x.to_string()));
            }
            row.extend([
                r.acceptance.to_string(),
                r.sweeps.to_string(),
                reliable.to_string(),
            ]);
            row
        })
        .collect();
    (header, rows)
}

type Getter = fn(&PointResult) -> glassbox::measure::Estimate;

/// (column name, accessor, axis label) of every observable in the results.
pub const OBSERVABLES: [(&str, Getter, &str); 8] = [
    ("e", |r| r.energy, "energy per spin e"),
    ("c", |r| r.specific_heat, "specific heat per spin C/N"),
    ("m", |r| r.m, "magnetization m"),
    ("abs_m", |r| r.abs_m, "|m|"),
    ("m2", |r| r.m2, "m²"),
    ("m4", |r| r.m4, "m⁴"),
    ("chi", |r| r.susceptibility, "susceptibility per spin χ/N"),
    ("binder", |r| r.binder, "Binder cumulant U"),
];

/// The plot of one observable against T.
pub fn observable_plot(results: &[PointResult], k: usize, title: &str) -> Plot {
    let (_, get, label) = OBSERVABLES[k];
    Plot::new(title, "temperature T", label).with(
        Series::new(
            "Monte Carlo",
            results.iter().map(|r| r.temperature).collect(),
            results.iter().map(|r| get(r).mean).collect(),
            Style::LinePoints,
        )
        .with_yerr(results.iter().map(|r| get(r).error).collect()),
    )
}

fn write_outputs(
    folder: &RunFolder,
    model: &Ising,
    spec: &SampleSpec,
    spins: &[&[i8]],
    results: &[PointResult],
) -> Result<()> {
    let (header, rows) = csv_table(results);
    let header: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
    folder.write_csv("results.csv", &header, &rows)?;
    folder.write_json("results.json", &results)?;
    // Final configurations: [sample,] temperature, then the lattice shape when there is one.
    let mut shape = if spins.len() > 1 {
        vec![spins.len(), results.len()]
    } else {
        vec![results.len()]
    };
    match &spec.model.graph {
        glassbox::model::GraphSpec::Lattice { dims, .. } => shape.extend(dims.iter().rev()),
        _ => shape.push(model.n()),
    }
    folder.write_array("final_spins", &shape, &spins.concat())?;
    let what = spec.model.describe();
    for (k, (name, _, label)) in OBSERVABLES.iter().enumerate() {
        if *name == "m4" || *name == "m2" {
            continue;
        }
        let plot = observable_plot(results, k, &format!("{label} — {what}"));
        folder.write_plot(name, &plot)?;
    }
    Ok(())
}

/// Per-sample results of an ensemble: `samples.csv` with a leading `sample` column.
fn write_samples(folder: &RunFolder, per_sample: &[Vec<PointResult>]) -> Result<()> {
    let mut header = vec!["sample".to_string()];
    let mut rows = Vec::new();
    for (k, results) in per_sample.iter().enumerate() {
        let (h, r) = csv_table(results);
        if k == 0 {
            header.extend(h);
        }
        rows.extend(r.into_iter().map(|mut row| {
            row.insert(0, k.to_string());
            row
        }));
    }
    let header: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
    folder.write_csv("samples.csv", &header, &rows)?;
    Ok(())
}

fn print_summary(spec: &SampleSpec, results: &[PointResult], out: &std::path::Path, kernel: &str) {
    if spec.samples > 1 {
        println!(
            "{}, disorder average over {} samples (error bars from the sample-to-sample spread)",
            spec.model.describe(),
            spec.samples
        );
    } else {
        println!("{}", spec.model.describe());
    }
    match kernel {
        "multispin" => println!("kernel: multispin, 64 independent replicas per temperature (measurements are their averages)"),
        "lanes" => println!("kernel: replica lanes, 32 independent replicas per temperature (measurements are their averages)"),
        "site-packed" => println!("kernel: site-packed, one system per temperature"),
        _ => {}
    }
    println!(
        "{:>8} {:>22} {:>22} {:>22} {:>22}",
        "T", "e", "C/N", "|m|", "U"
    );
    let f = |e: glassbox::measure::Estimate| format!("{:.6} ± {:.6}", e.mean, e.error);
    for r in results {
        println!(
            "{:>8.4} {:>22} {:>22} {:>22} {:>22}",
            r.temperature,
            f(r.energy),
            f(r.specific_heat),
            f(r.abs_m),
            f(r.binder)
        );
    }
    for r in results {
        let short: Vec<&str> = OBSERVABLES
            .iter()
            .filter(|o| !(o.1)(r).reliable)
            .map(|o| o.0)
            .collect();
        if !short.is_empty() {
            println!(
                "warning: T = {}: run too short for the autocorrelation time of {} (see the `*_tau` and `reliable` columns)",
                r.temperature,
                short.join(", ")
            );
        }
    }
    println!("wrote {}", out.display());
}

/// Ctrl-C as a flag polled between blocks: the run finishes its block, writes its
/// checkpoint and stops (see [`exit_interrupted`]).
pub struct CtrlC(Arc<AtomicBool>);

impl CtrlC {
    /// Installs the handler (if one is installed already, it stays in charge).
    pub fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
        CtrlC(flag)
    }

    /// Whether Ctrl-C was pressed.
    pub fn pressed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Ends a run stopped by Ctrl-C after its checkpoint at `checkpoint` was written: marks the
/// run interrupted, says how to continue and exits with status 130.
pub fn exit_interrupted(
    bar: indicatif::ProgressBar,
    manifest: RunningManifest,
    checkpoint: &Path,
) -> ! {
    bar.finish_and_clear();
    let marked = manifest.finish(RunStatus::Interrupted);
    eprintln!(
        "interrupted: checkpoint written to {}; continue with the same command and --resume",
        checkpoint.display()
    );
    if let Err(err) = marked {
        eprintln!("error: {err:#}");
    }
    std::process::exit(130);
}

/// Advances every state in parallel (`advance`: one block of sweeps) until `progress` reports
/// all finished, with a progress bar of `total` sweeps, writing the checkpoint atomically every
/// `checkpoint_every` seconds. On Ctrl-C it finishes the block, writes the checkpoint, marks the
/// run interrupted and exits with status 130. Returns the manifest for the caller to finish.
pub fn run_checkpointed<S, M>(
    states: &mut [S],
    models: &[M],
    folder: &RunFolder,
    manifest: RunningManifest,
    (total, checkpoint_every): (u64, f64),
    advance: impl Fn(&mut S, &M) + Sync + Send,
    progress: impl Fn(&S) -> (bool, u64),
) -> Result<RunningManifest>
where
    S: serde::Serialize + Send,
    M: Sync,
{
    let ctrl_c = CtrlC::install();
    let bar = crate::progress::bar(total, "sweeps");
    let mut last_checkpoint = Instant::now();
    let every = Duration::from_secs_f64(checkpoint_every.max(0.0));
    while states.iter().any(|s| !progress(s).0) {
        states
            .par_iter_mut()
            .zip(models)
            .for_each(|(s, m)| advance(s, m));
        bar.set_position(states.iter().map(|s| progress(s).1).sum());
        let stop = ctrl_c.pressed();
        if stop || last_checkpoint.elapsed() >= every {
            folder.write_atomic(CHECKPOINT, serde_json::to_string(&*states)?.as_bytes())?;
            last_checkpoint = Instant::now();
        }
        if stop {
            exit_interrupted(bar, manifest, &folder.path(CHECKPOINT));
        }
    }
    bar.finish_and_clear();
    Ok(manifest)
}
