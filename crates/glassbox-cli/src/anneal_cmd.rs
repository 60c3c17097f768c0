//! `glassbox anneal`: simulated annealing of any model or instance file, written to a run
//! folder.
//!
//! Max-Cut: a G-set / rudy file given with `--instance` is read as a Max-Cut instance with
//! edge weights w_ij, and annealed as the Ising model with couplings `J_ij = −w_ij` (no
//! field). Its energy is `E(s) = −Σ_{i<j} J_ij s_i s_j = Σ_{i<j} w_ij s_i s_j`, and the weight of
//! the cut between the spins up and the spins down is
//!
//! ```text
//! cut(s) = Σ_{i<j} w_ij (1 − s_i s_j) / 2 = (W − E(s)) / 2,      W = Σ_{i<j} w_ij,
//! ```
//!
//! so the lowest energy is the maximum cut. (The graph reader itself, used by `--graph` in
//! every command, takes the weights as couplings J = w; `--instance` negates them.) An edge
//! list given with `--instance` is an Ising instance: J_ij = w as written, and no cut is
//! reported.

use std::path::PathBuf;

use anyhow::{bail, Result};
use glassbox::graph::{read_graph, FileFormat, WeightedGraph};
use glassbox::mc::anneal::{anneal, default_beta_range, AnnealConfig, Schedule, ScheduleKind};
use glassbox::mc::{Order, Rule};
use glassbox::model::{GraphSpec, Ising, ModelSpec};

use crate::plot::{Plot, Series, Style};
use crate::runfolder::{Manifest, RunFolder, RunStatus};
use crate::sample::{KernelArg, OrderArg, RuleArg};
use crate::spec::{FormatArg, ModelArgs};

/// Flags of `glassbox anneal`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Instance file instead of model flags: a G-set / rudy file is a Max-Cut instance
    /// (couplings J = −w, the cut is reported); an edge list (with `--format edge-list`) is
    /// an Ising instance with J = w.
    #[arg(long, value_name = "FILE")]
    pub instance: Option<PathBuf>,
    /// Independent restarts, run in parallel.
    #[arg(long, default_value_t = 100)]
    pub reads: usize,
    #[command(flatten)]
    pub sweeps: SweepFlags,
    /// Record the energy every k sweeps in the traces (default: sweeps / 200).
    #[arg(long)]
    pub trace_every: Option<u64>,
    /// Run seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "runs/anneal")]
    pub out: PathBuf,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
}

/// The annealing flags shared by `glassbox anneal` and `glassbox ground`.
#[derive(clap::Args, Debug)]
pub struct SweepFlags {
    /// Sweeps per read.
    #[arg(long = "sweeps", value_name = "SWEEPS", default_value_t = 1000)]
    pub count: u64,
    /// Schedule of β from the first to the last sweep.
    #[arg(long, value_enum, default_value = "geometric")]
    pub schedule: ScheduleArg,
    /// β range `BETA0,BETA1` (default: from the instance, β0 = ln 2/ΔE_max with ΔE_max the
    /// largest possible single-flip energy change, β1 = ln 100/ΔE_min with ΔE_min the
    /// smallest nonzero one met in quenched local minima).
    #[arg(long, value_name = "BETA0,BETA1", value_delimiter = ',')]
    pub beta_range: Option<Vec<f64>>,
    /// Acceptance rule.
    #[arg(long, value_enum, default_value = "metropolis")]
    pub rule: RuleArg,
    /// Site order in a sweep (the multispin kernel uses checkerboard order instead).
    #[arg(long, value_enum, default_value = "random")]
    pub order: OrderArg,
    /// Implementation: `auto` picks the fastest the model qualifies for (dense models:
    /// single precision in lockstep; periodic 2D/3D ±J lattices without field: 64 reads at
    /// once, bit-sliced; other lattices and sparse graphs: 32 reads at once in
    /// single-precision SIMD lanes); `scalar` forces the reference kernel.
    #[arg(long, value_enum, default_value = "auto")]
    pub kernel: KernelArg,
}

impl SweepFlags {
    /// The annealing configuration of these flags for `model` and its β range (from the
    /// instance unless given), checked before anything is written.
    pub(crate) fn config(
        &self,
        model: &Ising,
        reads: usize,
        trace_every: u64,
        seed: u64,
    ) -> Result<(AnnealConfig, (f64, f64))> {
        anyhow::ensure!(self.count >= 1, "--sweeps must be at least 1");
        let kind = match self.schedule {
            ScheduleArg::Linear => ScheduleKind::Linear,
            ScheduleArg::Geometric => ScheduleKind::Geometric,
        };
        let (b0, b1) = match &self.beta_range {
            Some(r) if r.len() == 2 => (r[0], r[1]),
            Some(r) => bail!("--beta-range needs two values BETA0,BETA1, got {}", r.len()),
            None => default_beta_range(model)?,
        };
        let config = AnnealConfig {
            schedule: Schedule::new(kind, b0, b1),
            sweeps: self.count,
            reads,
            rule: match self.rule {
                RuleArg::Metropolis => Rule::Metropolis,
                RuleArg::HeatBath => Rule::HeatBath,
            },
            order: match self.order {
                OrderArg::Random => Order::Random,
                OrderArg::Sequential => Order::Sequential,
            },
            trace_every,
            seed,
            kernel: self.kernel.into(),
        };
        config.schedule.betas(config.sweeps)?;
        Ok((config, (b0, b1)))
    }
}

/// Schedule flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ScheduleArg {
    /// Linear in β.
    Linear,
    /// Geometric in β.
    Geometric,
}

/// An instance file given with `--instance`.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct Instance {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: FileFormat,
    /// Whether it is read as Max-Cut (J = −w).
    pub maxcut: bool,
}

/// What `glassbox anneal` ran, written to `spec.toml`.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct AnnealSpec {
    /// The model, when given by flags.
    pub model: Option<ModelSpec>,
    /// The instance file, when given by `--instance`.
    pub instance: Option<Instance>,
    /// The annealing parameters.
    pub anneal: AnnealConfig,
}

fn model_flags(m: &ModelArgs) -> bool {
    m.lattice.is_some()
        || m.sk.is_some()
        || m.complete.is_some()
        || m.random_regular.is_some()
        || m.erdos_renyi.is_some()
        || m.graph.is_some()
}

/// The model, its spec or instance file and, for a Max-Cut instance, its weighted edges.
pub(crate) type Built = (Ising, Option<ModelSpec>, Option<Instance>, MaxCut);

/// The model of `glassbox anneal` / `glassbox ground`: from `--instance` (see the module
/// documentation for the Max-Cut mapping) or from the model flags.
pub(crate) fn build(model: &ModelArgs, instance: Option<&PathBuf>, seed: u64) -> Result<Built> {
    if let Some(path) = instance {
        if model_flags(model) {
            bail!("give either --instance or model flags, not both");
        }
        let format = match model.format {
            FormatArg::Gset => FileFormat::Gset,
            FormatArg::EdgeList => FileFormat::EdgeList,
        };
        let g = read_graph(path, format)?;
        let maxcut = format == FileFormat::Gset;
        let (model, cut) = if maxcut {
            maxcut_model(g)?
        } else {
            let model = Ising::from_edges(g.n, &g.edges, vec![])?;
            (model, MaxCut { weights: None })
        };
        let inst = Instance {
            path: path.clone(),
            format,
            maxcut,
        };
        return Ok((model, None, Some(inst), cut));
    }
    let spec = model.to_spec(seed)?;
    let mut spec = spec;
    spec.couplings = Some(spec.law());
    let model = spec.build()?;
    Ok((model, Some(spec), None, MaxCut { weights: None }))
}

/// The Ising model of the Max-Cut instance `g` (couplings J = −w, no field; see the module
/// documentation) and its weights.
pub(crate) fn maxcut_model(g: WeightedGraph) -> Result<(Ising, MaxCut)> {
    let edges: Vec<(usize, usize, f64)> = g.edges.iter().map(|&(i, j, w)| (i, j, -w)).collect();
    let model = Ising::from_edges(g.n, &edges, vec![])?;
    Ok((
        model,
        MaxCut {
            weights: Some(g.edges),
        },
    ))
}

/// The edges of a Max-Cut instance (weights w as in the file).
pub(crate) struct MaxCut {
    weights: Option<Vec<(usize, usize, f64)>>,
}

impl MaxCut {
    /// `Σ_{i<j} w_ij (1 − s_i s_j)/2`, computed directly from the configuration.
    pub(crate) fn cut(&self, s: &[i8]) -> Option<f64> {
        self.weights.as_ref().map(|w| {
            w.iter()
                .filter(|&&(i, j, _)| s[i] != s[j])
                .map(|&(_, _, w)| w)
                .sum()
        })
    }

    pub(crate) fn total_weight(&self) -> Option<f64> {
        self.weights
            .as_ref()
            .map(|w| w.iter().map(|&(_, _, x)| x).sum())
    }
}

/// Runs `glassbox anneal`.
pub fn run(args: Args) -> Result<()> {
    let (model, spec, instance, maxcut) = build(&args.model, args.instance.as_ref(), args.seed)?;
    anyhow::ensure!(args.reads >= 1, "--reads must be at least 1");
    let every = args.trace_every.unwrap_or((args.sweeps.count / 200).max(1));
    let (config, _) = args.sweeps.config(&model, args.reads, every, args.seed)?;
    anyhow::ensure!(config.trace_every >= 1, "--trace-every must be at least 1");
    let aspec = AnnealSpec {
        model: spec,
        instance,
        anneal: config.clone(),
    };
    let folder = RunFolder::create(&args.out, args.overwrite)?;
    folder.write_atomic("spec.toml", toml::to_string_pretty(&aspec)?.as_bytes())?;
    let mut m = Manifest::new(
        "anneal",
        serde_json::to_value(&aspec)?,
        args.seed,
        rayon::current_num_threads(),
    );
    m.kernel = Some(glassbox::mc::anneal::kernel_name(&model, &config)?.to_string());
    let manifest = folder.begin(m)?;
    let result = anneal(&model, &config)?;
    let n = model.n();
    let best = result.best();
    let tol = 1e-9 * best.best_energy.abs().max(1.0);
    let hits = result.hits(best.best_energy, tol);

    let mut header = vec![
        "read",
        "best_energy",
        "best_energy_per_spin",
        "final_energy",
        "acceptance",
    ];
    if maxcut.weights.is_some() {
        header.push("cut");
    }
    let flips = (result.betas.len() * n) as f64;
    let rows: Vec<Vec<String>> = result
        .reads
        .iter()
        .map(|r| {
            let mut row = vec![
                r.index.to_string(),
                r.best_energy.to_string(),
                (r.best_energy / n as f64).to_string(),
                r.final_energy.to_string(),
                (r.accepted as f64 / flips).to_string(),
            ];
            if let Some(c) = maxcut.cut(&r.best_spins) {
                row.push(c.to_string());
            }
            row
        })
        .collect();
    folder.write_csv("results.csv", &header, &rows)?;
    let cut = maxcut.cut(&best.best_spins);
    folder.write_json(
        "best.json",
        &serde_json::json!({
            "n": n,
            "best_energy": best.best_energy,
            "best_energy_per_spin": best.best_energy / n as f64,
            "read": best.index,
            "reads_at_best": hits,
            "reads": result.reads.len(),
            "beta0": result.betas[0],
            "beta1": result.betas[result.betas.len() - 1],
            "cut": cut,
            "total_weight": maxcut.total_weight(),
            "maxcut_mapping": cut.map(|_| "J_ij = -w_ij; cut = sum_{i<j} w_ij (1 - s_i s_j)/2 = (W - E)/2 with W = sum_{i<j} w_ij"),
        }),
    )?;
    let shape = match aspec.model.as_ref().map(|m| &m.graph) {
        Some(GraphSpec::Lattice { dims, .. }) => dims.iter().rev().copied().collect(),
        _ => vec![n],
    };
    folder.write_array("best_spins", &shape, &best.best_spins)?;
    let traces: Vec<f64> = result
        .reads
        .iter()
        .flat_map(|r| r.trace.iter().copied())
        .collect();
    folder.write_array(
        "traces",
        &[result.reads.len(), result.trace_sweeps.len()],
        &traces,
    )?;
    folder.write_plot("energy_trace", &trace_plot(&result, n, &describe(&aspec)))?;
    manifest.finish(RunStatus::Completed)?;

    println!("{}", describe(&aspec));
    println!(
        "{} reads × {} sweeps, β {:.4} → {:.4} ({:?})",
        result.reads.len(),
        result.betas.len(),
        result.betas[0],
        result.betas[result.betas.len() - 1],
        args.sweeps.schedule
    );
    println!(
        "best energy {} ({:.6} per spin), reached by {hits}/{} reads",
        best.best_energy,
        best.best_energy / n as f64,
        result.reads.len()
    );
    if let Some(c) = cut {
        println!("max-cut value {c} (J = −w; cut = (W − E)/2)");
    }
    println!("wrote {}", args.out.display());
    Ok(())
}

fn describe(spec: &AnnealSpec) -> String {
    describe_instance(spec.model.as_ref(), spec.instance.as_ref())
}

/// A model spec or instance file in words.
pub(crate) fn describe_instance(model: Option<&ModelSpec>, instance: Option<&Instance>) -> String {
    match (model, instance) {
        (Some(m), _) => m.describe(),
        (None, Some(i)) if i.maxcut => format!("Max-Cut instance {}", i.path.display()),
        (None, Some(i)) => format!("instance {}", i.path.display()),
        _ => String::new(),
    }
}

/// Energy per spin against sweeps: the mean over reads and the best read.
fn trace_plot(result: &glassbox::mc::anneal::AnnealResult, n: usize, what: &str) -> Plot {
    let x: Vec<f64> = result.trace_sweeps.iter().map(|&s| s as f64).collect();
    let k = result.reads.len() as f64;
    let nf = n as f64;
    let mean: Vec<f64> = (0..x.len())
        .map(|t| result.reads.iter().map(|r| r.trace[t]).sum::<f64>() / k / nf)
        .collect();
    let lowest: Vec<f64> = (0..x.len())
        .map(|t| {
            result
                .reads
                .iter()
                .map(|r| r.trace[t])
                .fold(f64::INFINITY, f64::min)
                / nf
        })
        .collect();
    let best: Vec<f64> = result.best().trace.iter().map(|e| e / nf).collect();
    Plot::new(
        format!("annealing — {what}"),
        "sweep",
        "energy per spin E/N",
    )
    .with(Series::new("mean over reads", x.clone(), mean, Style::Line))
    .with(Series::new(
        "lowest over reads",
        x.clone(),
        lowest,
        Style::Dashed,
    ))
    .with(Series::new("best read", x, best, Style::Line))
}
