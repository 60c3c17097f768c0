//! `glassbox quantum`: the transverse-field Ising model `H = H_cl − Γ Σσˣ` of any model or
//! graph file — exact diagonalization (ground state, gap, annealing-path spectrum, thermal
//! averages), path-integral Monte Carlo with Trotter extrapolation, and simulated quantum
//! annealing with the same per-read table as `glassbox anneal`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use glassbox::mc::anneal::ScheduleKind;
use glassbox::measure::Estimate;
use glassbox::model::{Ising, ModelSpec};
use glassbox::quantum::compare::{compare, CompareConfig, Comparison};
use glassbox::quantum::ed::{self, MAX_THERMAL_SPINS};
use glassbox::quantum::pimc::{pimc, trotter_extrapolate, PimcConfig, PimcResult};
use glassbox::quantum::sqa::{sqa, GammaSchedule, SqaConfig};
use glassbox::rng::Streams;
use rayon::prelude::*;

use crate::plot::{Plot, Series};
use crate::spec::ModelArgs;
use crate::table::Output;

/// Flags of `glassbox quantum`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub method: Method,
    /// Output folder (default `runs/quantum-<method>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Run seed (disorder and Monte Carlo).
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
}

/// Which method.
#[derive(Subcommand, Debug)]
pub enum Method {
    /// Exact diagonalization (N ≤ 20): ground energy, gap, ⟨σˣ⟩, ⟨m²⟩ at each Γ; with
    /// --path the spectrum along H(s) = s·H_cl − (1−s)·Γ0·Σσˣ and its minimum gap; with
    /// --temperature thermal averages by full diagonalization (N ≤ 12).
    Ed {
        #[command(flatten)]
        model: ModelArgs,
        /// Transverse fields Γ.
        #[arg(long, short = 'g', value_delimiter = ',', default_values_t = [1.0])]
        gamma: Vec<f64>,
        /// Thermal averages at this temperature too (full diagonalization, N ≤ 12).
        #[arg(long, short = 'T')]
        temperature: Option<f64>,
        /// Spectrum along the annealing path instead of a Γ scan.
        #[arg(long)]
        path: bool,
        /// Γ0 of the path.
        #[arg(long, default_value_t = 1.0)]
        gamma0: f64,
        /// Points of the path (s = 0 … 1, evenly spaced).
        #[arg(long, default_value_t = 41)]
        points: usize,
        /// Levels per path point (≥ 2).
        #[arg(long, default_value_t = 3)]
        levels: usize,
    },
    /// Path-integral Monte Carlo at temperature T for each Trotter number P, extrapolated in
    /// 1/P²; compared with exact diagonalization when N ≤ 12.
    Pimc {
        #[command(flatten)]
        model: ModelArgs,
        /// Transverse field Γ (> 0).
        #[arg(long, short = 'g', default_value_t = 1.0)]
        gamma: f64,
        /// Temperature T.
        #[arg(long, short = 'T', default_value_t = 0.5)]
        temperature: f64,
        /// Trotter slices P (each ≥ 2).
        #[arg(long, short = 'P', value_delimiter = ',', default_values_t = [8, 16, 32])]
        slices: Vec<usize>,
        /// Measured sweeps per P.
        #[arg(long, default_value_t = 20000)]
        sweeps: u64,
        /// Equilibration sweeps per P.
        #[arg(long, default_value_t = 1000)]
        thermalize: u64,
        /// Single-spin Metropolis only (no imaginary-time cluster moves).
        #[arg(long)]
        no_cluster: bool,
    },
    /// Simulated quantum annealing: Γ lowered linearly from Γ0 to Γ1 at temperature T with P
    /// Trotter slices, restarted --reads times in parallel.
    Sqa {
        #[command(flatten)]
        model: ModelArgs,
        /// Trotter slices P.
        #[arg(long, short = 'P', default_value_t = 20)]
        slices: usize,
        /// Temperature T of the quantum system (each slice feels P·T).
        #[arg(long, short = 'T', default_value_t = 0.05)]
        temperature: f64,
        /// Initial transverse field Γ0.
        #[arg(long, default_value_t = 3.0)]
        gamma0: f64,
        /// Final transverse field Γ1 (> 0).
        #[arg(long, default_value_t = 0.001)]
        gamma1: f64,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Sweeps per read (each over all N·P spins).
        #[arg(long, default_value_t = 1000)]
        sweeps: u64,
        /// Independent restarts.
        #[arg(long, default_value_t = 32)]
        reads: usize,
        /// Single-spin Metropolis only (no imaginary-time cluster moves).
        #[arg(long)]
        no_cluster: bool,
        /// Record the lowest slice energy every k sweeps (default sweeps/200).
        #[arg(long)]
        trace_every: Option<u64>,
    },
    /// Simulated quantum annealing against simulated annealing at equal spin updates: residual
    /// energy per spin against annealing time over --instances disorder samples (seeds seed,
    /// seed+1, …) and --reads reads, SQA with τ sweeps of P slices, SA with τ·P sweeps.
    Compare {
        #[command(flatten)]
        model: ModelArgs,
        /// Disorder instances (seeds seed, seed + 1, …; 1 for a graph file).
        #[arg(long, default_value_t = 4)]
        instances: usize,
        /// Annealing lengths τ in SQA sweeps (SA runs τ·P sweeps).
        #[arg(long, value_delimiter = ',', default_values_t = [10, 30, 100, 300])]
        sweeps: Vec<u64>,
        /// Trotter slices P.
        #[arg(long, short = 'P', default_value_t = 16)]
        slices: usize,
        /// Temperature T of the quantum system (default 1/P, i.e. P·T = 1).
        #[arg(long, short = 'T')]
        temperature: Option<f64>,
        /// Initial transverse field Γ0.
        #[arg(long, default_value_t = 3.0)]
        gamma0: f64,
        /// Final transverse field Γ1 (> 0).
        #[arg(long, default_value_t = 0.001)]
        gamma1: f64,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Reads per instance and length, for each method.
        #[arg(long, default_value_t = 16)]
        reads: usize,
        /// Add N imaginary-time cluster moves to each SQA sweep.
        #[arg(long)]
        cluster: bool,
        /// Shape of the SA β schedule (over the instance's default range).
        #[arg(long, value_enum, default_value_t = SaShape::Geometric)]
        sa_schedule: SaShape,
        /// Sweeps of a long reference SA run per instance (0: the reference is the best energy
        /// met by the compared runs).
        #[arg(long, default_value_t = 0)]
        reference_sweeps: u64,
        /// Reads of the reference run.
        #[arg(long, default_value_t = 16)]
        reference_reads: usize,
    },
}

/// Shape of the transverse-field schedule Γ(t).
#[derive(clap::Args, Debug)]
pub struct ShapeArgs {
    /// Shape of Γ(t) from Γ0 to Γ1.
    #[arg(long, value_enum, default_value_t = GammaShape::Linear)]
    schedule: GammaShape,
    /// Custom Γ(t): these values at evenly spaced times, linearly interpolated (overrides
    /// --schedule, --gamma0, --gamma1).
    #[arg(long, value_delimiter = ',')]
    gammas: Vec<f64>,
}

impl ShapeArgs {
    fn schedule(&self) -> GammaSchedule {
        if !self.gammas.is_empty() {
            return GammaSchedule::Custom {
                gammas: self.gammas.clone(),
            };
        }
        match self.schedule {
            GammaShape::Linear => GammaSchedule::Linear,
            GammaShape::Geometric => GammaSchedule::Geometric,
        }
    }
}

/// Shape of Γ(t).
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum GammaShape {
    /// Linear in time.
    Linear,
    /// Geometric in time.
    Geometric,
}

/// Shape of the SA β schedule.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SaShape {
    /// Linear in β.
    Linear,
    /// Geometric in β.
    Geometric,
}

fn build(model: &ModelArgs, seed: u64) -> Result<(Ising, ModelSpec)> {
    let mut spec = model.to_spec(seed)?;
    spec.couplings = Some(spec.law());
    let m = spec.build()?;
    Ok((m, spec))
}

fn est(e: &Estimate) -> String {
    format!("{:.6} ± {:.6}", e.mean, e.error)
}

/// Runs `glassbox quantum`.
pub fn run(args: Args) -> Result<()> {
    let (name, out, config) = match &args.method {
        Method::Ed {
            model,
            gamma,
            temperature,
            path,
            gamma0,
            points,
            levels,
        } => {
            let (m, spec) = build(model, args.seed)?;
            let out = if *path {
                run_path(&m, &spec, *gamma0, *points, *levels)?
            } else {
                run_ed(&m, &spec, gamma, *temperature)?
            };
            (
                "ed",
                out,
                serde_json::json!({ "model": spec, "gamma": gamma, "temperature": temperature, "path": path, "gamma0": gamma0, "points": points, "levels": levels }),
            )
        }
        Method::Pimc {
            model,
            gamma,
            temperature,
            slices,
            sweeps,
            thermalize,
            no_cluster,
        } => {
            let (m, spec) = build(model, args.seed)?;
            anyhow::ensure!(
                temperature.is_finite() && *temperature > 0.0,
                "--temperature must be positive, got {temperature}"
            );
            let configs: Vec<PimcConfig> = slices
                .iter()
                .enumerate()
                .map(|(k, &p)| PimcConfig {
                    beta: 1.0 / temperature,
                    gamma: *gamma,
                    slices: p,
                    thermalize: *thermalize,
                    sweeps: *sweeps,
                    cluster: !no_cluster,
                    seed: Streams::new(args.seed).child(&[k as u64]).seed(),
                })
                .collect();
            let out = run_pimc(&m, &spec, &configs)?;
            (
                "pimc",
                out,
                serde_json::json!({ "model": spec, "runs": configs }),
            )
        }
        Method::Sqa {
            model,
            slices,
            temperature,
            gamma0,
            gamma1,
            shape,
            sweeps,
            reads,
            no_cluster,
            trace_every,
        } => {
            let (m, spec) = build(model, args.seed)?;
            anyhow::ensure!(
                temperature.is_finite() && *temperature > 0.0,
                "--temperature must be positive, got {temperature}"
            );
            let config = SqaConfig {
                slices: *slices,
                beta: 1.0 / temperature,
                gamma0: *gamma0,
                gamma1: *gamma1,
                schedule: shape.schedule(),
                sweeps: *sweeps,
                reads: *reads,
                cluster: !no_cluster,
                trace_every: trace_every.unwrap_or((sweeps / 200).max(1)),
                seed: args.seed,
            };
            let out = run_sqa(&m, &spec, &config)?;
            (
                "sqa",
                out,
                serde_json::json!({ "model": spec, "sqa": config }),
            )
        }
        Method::Compare {
            model,
            instances,
            sweeps,
            slices,
            temperature,
            gamma0,
            gamma1,
            shape,
            reads,
            cluster,
            sa_schedule,
            reference_sweeps,
            reference_reads,
        } => {
            if *instances == 0 {
                bail!("--instances must be at least 1");
            }
            if model.graph.is_some() && *instances > 1 {
                bail!("a graph file is one instance: use --instances 1");
            }
            let t = temperature.unwrap_or(1.0 / (*slices).max(1) as f64);
            anyhow::ensure!(
                t.is_finite() && t > 0.0,
                "--temperature must be positive, got {t}"
            );
            let mut models = Vec::with_capacity(*instances);
            let mut specs = Vec::with_capacity(*instances);
            for i in 0..*instances {
                let (m, spec) = build(model, args.seed + i as u64)?;
                models.push(m);
                specs.push(spec);
            }
            let config = CompareConfig {
                sqa: SqaConfig {
                    slices: *slices,
                    beta: 1.0 / t,
                    gamma0: *gamma0,
                    gamma1: *gamma1,
                    schedule: shape.schedule(),
                    sweeps: 1,
                    reads: *reads,
                    cluster: *cluster,
                    trace_every: 1,
                    seed: args.seed,
                },
                sa_schedule: match sa_schedule {
                    SaShape::Linear => ScheduleKind::Linear,
                    SaShape::Geometric => ScheduleKind::Geometric,
                },
                sweeps: sweeps.clone(),
                reference_sweeps: *reference_sweeps,
                reference_reads: *reference_reads,
                seed: args.seed,
            };
            let start = std::time::Instant::now();
            let c = compare(&models, &config)?;
            let out = compare_output(&models, &specs, &config, &c, start.elapsed().as_secs_f64());
            (
                "compare",
                out,
                serde_json::json!({ "models": specs, "compare": config }),
            )
        }
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/quantum-{name}")));
    out.emit(
        &dir,
        args.overwrite,
        &format!("quantum {name}"),
        config,
        args.seed,
    )
}

fn run_ed(m: &Ising, spec: &ModelSpec, gammas: &[f64], t: Option<f64>) -> Result<Output> {
    if gammas.is_empty() {
        bail!("--gamma needs at least one value");
    }
    let beta = match t {
        Some(t) if t.is_finite() && t > 0.0 => Some(1.0 / t),
        Some(t) => bail!("--temperature must be positive, got {t}"),
        None => None,
    };
    if beta.is_some() && m.n() > MAX_THERMAL_SPINS {
        bail!(
            "thermal averages need full diagonalization, limited to N ≤ {MAX_THERMAL_SPINS} (the model has {})",
            m.n()
        );
    }
    let n = m.n();
    let mut rows = Vec::new();
    let mut results = Vec::new();
    let mut thermals = Vec::new();
    for &g in gammas {
        let gs = ed::ground_state(m, g)?;
        let th = match beta {
            Some(b) => Some(ed::thermal(m, g, &[b])?.remove(0)),
            None => None,
        };
        rows.push(vec![
            g.to_string(),
            gs.energy.to_string(),
            (gs.energy / n as f64).to_string(),
            gs.gap.to_string(),
            gs.even_gap.map_or(String::new(), |x| x.to_string()),
            (n as f64 * gs.gap).to_string(),
            gs.sigma_x.to_string(),
            gs.m2.to_string(),
            gs.classical_ground_weight.to_string(),
            th.as_ref().map_or(String::new(), |t| t.energy.to_string()),
            th.as_ref().map_or(String::new(), |t| t.sigma_x.to_string()),
        ]);
        results.push(gs);
        thermals.push(th);
    }
    let mut summary = vec![format!("{} (N = {n}), H = H_cl − Γ Σσˣ", spec.describe())];
    for (gs, th) in results.iter().zip(&thermals) {
        let mut line = format!(
            "Γ = {}: E0 = {:.10}, gap = {:.6e}, ⟨σˣ⟩ = {:.6}, ⟨m²⟩ = {:.6}",
            gs.gamma, gs.energy, gs.gap, gs.sigma_x, gs.m2
        );
        if let Some(t) = th {
            line += &format!(
                ", at β = {}: ⟨H⟩ = {:.8}, ⟨σˣ⟩ = {:.6}",
                t.beta, t.energy, t.sigma_x
            );
        }
        summary.push(line);
    }
    let x: Vec<f64> = gammas.to_vec();
    let plots = if gammas.len() > 1 {
        vec![(
            "gap",
            Plot::new("gap against Γ", "Γ", "E1 − E0")
                .with(Series::line(
                    "gap",
                    x.clone(),
                    results.iter().map(|r| r.gap).collect(),
                ))
                .with(Series::line(
                    "⟨σˣ⟩",
                    x,
                    results.iter().map(|r| r.sigma_x).collect(),
                )),
        )]
    } else {
        vec![]
    };
    Ok(Output {
        summary,
        header: vec![
            "gamma",
            "energy",
            "energy_per_spin",
            "gap",
            "even_gap",
            "n_gap",
            "sigma_x",
            "m2",
            "classical_ground_weight",
            "thermal_energy",
            "thermal_sigma_x",
        ],
        rows,
        json: serde_json::json!({ "ground_states": results, "thermal": thermals }),
        plots,
        arrays: vec![],
    })
}

fn run_path(
    m: &Ising,
    spec: &ModelSpec,
    gamma0: f64,
    points: usize,
    levels: usize,
) -> Result<Output> {
    if points < 2 {
        bail!("--points must be at least 2");
    }
    let s: Vec<f64> = (0..points)
        .map(|k| k as f64 / (points - 1) as f64)
        .collect();
    let p = ed::annealing_path(m, gamma0, &s, levels)?;
    let rows = p
        .points
        .iter()
        .map(|q| {
            let mut r = vec![q.s.to_string(), q.gap.to_string()];
            r.extend(q.levels.iter().map(|e| e.to_string()));
            r
        })
        .collect();
    let mut header = vec!["s", "gap"];
    const NAMES: [&str; 8] = ["E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7"];
    header.extend(NAMES.iter().take(levels.min(8)));
    let mut plot = Plot::new(
        "spectrum along H(s) = s·H_cl − (1−s)·Γ0·Σσˣ",
        "s",
        "E_k − E_0",
    );
    for k in 1..levels.min(8) {
        plot = plot.with(
            Series::line(
                format!("E{k} − E0"),
                s.clone(),
                p.points.iter().map(|q| q.levels[k] - q.levels[0]).collect(),
            )
            .with_color(k),
        );
    }
    plot = plot.vline(p.s_min, format!("min gap {:.4}", p.min_gap));
    Ok(Output {
        summary: vec![
            format!("{} (N = {}), Γ0 = {gamma0}", spec.describe(), m.n()),
            format!(
                "minimum gap {:.6e} at s = {:.4}{}",
                p.min_gap,
                p.s_min,
                if p.even_sector {
                    " (even parity sector)"
                } else {
                    ""
                }
            ),
        ],
        header,
        rows,
        json: serde_json::json!({ "path": p }),
        plots: vec![("path_spectrum", plot)],
        arrays: vec![],
    })
}

fn run_pimc(m: &Ising, spec: &ModelSpec, configs: &[PimcConfig]) -> Result<Output> {
    if configs.is_empty() {
        bail!("--slices needs at least one value");
    }
    let results: Vec<PimcResult> = configs
        .par_iter()
        .map(|c| pimc(m, c))
        .collect::<glassbox::Result<_>>()?;
    let (beta, gamma) = (configs[0].beta, configs[0].gamma);
    let exact = if m.n() <= MAX_THERMAL_SPINS {
        Some(ed::thermal(m, gamma, &[beta])?.remove(0))
    } else {
        None
    };
    let mut summary = vec![format!(
        "{} (N = {}), Γ = {gamma}, T = {}",
        spec.describe(),
        m.n(),
        1.0 / beta
    )];
    let mut rows = Vec::new();
    for r in &results {
        summary.push(format!(
            "P = {:3}: E = {}, ⟨σˣ⟩ = {}, acceptance {:.3}, K = {:.4}",
            r.config.slices,
            est(&r.energy),
            est(&r.sigma_x),
            r.acceptance,
            r.k_perp
        ));
        rows.push(vec![
            r.config.slices.to_string(),
            r.energy.mean.to_string(),
            r.energy.error.to_string(),
            r.sigma_x.mean.to_string(),
            r.sigma_x.error.to_string(),
            r.m2.mean.to_string(),
            r.m2.error.to_string(),
            r.energy.tau_int.to_string(),
            r.acceptance.to_string(),
        ]);
    }
    let distinct = {
        let mut p: Vec<usize> = configs.iter().map(|c| c.slices).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    };
    let mut extrap = serde_json::Value::Null;
    if distinct >= 2 {
        let e = trotter_extrapolate(
            &results
                .iter()
                .map(|r| (r.config.slices, r.energy))
                .collect::<Vec<_>>(),
        )?;
        let x = trotter_extrapolate(
            &results
                .iter()
                .map(|r| (r.config.slices, r.sigma_x))
                .collect::<Vec<_>>(),
        )?;
        let mut line = format!(
            "P → ∞ (fit a + c/P²): E = {:.6} ± {:.6}, ⟨σˣ⟩ = {:.6} ± {:.6}",
            e.0, e.1, x.0, x.1
        );
        if let Some(t) = &exact {
            line += &format!(
                "; exact diagonalization E = {:.6} ({:.1}σ), ⟨σˣ⟩ = {:.6} ({:.1}σ)",
                t.energy,
                (e.0 - t.energy).abs() / e.1,
                t.sigma_x,
                (x.0 - t.sigma_x).abs() / x.1
            );
        }
        summary.push(line);
        extrap = serde_json::json!({ "energy": e.0, "energy_error": e.1, "sigma_x": x.0, "sigma_x_error": x.1 });
    } else if let Some(t) = &exact {
        summary.push(format!(
            "exact diagonalization: E = {:.6}, ⟨σˣ⟩ = {:.6}",
            t.energy, t.sigma_x
        ));
    }
    let inv2: Vec<f64> = results
        .iter()
        .map(|r| 1.0 / (r.config.slices as f64).powi(2))
        .collect();
    let mut plot = Plot::new("Trotter extrapolation", "1/P²", "energy").with(
        Series::points(
            "PIMC",
            inv2,
            results.iter().map(|r| r.energy.mean).collect(),
        )
        .with_yerr(results.iter().map(|r| r.energy.error).collect()),
    );
    if let Some(t) = &exact {
        let xmax = 1.0 / (configs.iter().map(|c| c.slices).min().unwrap_or(2) as f64).powi(2);
        plot = plot.with(Series::line(
            "exact diagonalization",
            vec![0.0, xmax],
            vec![t.energy, t.energy],
        ));
    }
    Ok(Output {
        summary,
        header: vec![
            "slices",
            "energy",
            "energy_error",
            "sigma_x",
            "sigma_x_error",
            "m2",
            "m2_error",
            "tau_int",
            "acceptance",
        ],
        rows,
        json: serde_json::json!({ "runs": results, "extrapolated": extrap, "exact": exact }),
        plots: vec![("trotter", plot)],
        arrays: vec![],
    })
}

fn run_sqa(m: &Ising, spec: &ModelSpec, config: &SqaConfig) -> Result<Output> {
    let start = std::time::Instant::now();
    let r = sqa(m, config)?;
    let secs = start.elapsed().as_secs_f64();
    let n = m.n();
    let best = r.best();
    let tol = 1e-9 * best.best_energy.abs().max(1.0);
    let hits = r
        .reads
        .iter()
        .filter(|x| x.best_energy <= best.best_energy + tol)
        .count();
    let k = r.reads.len() as f64;
    let mean = r.reads.iter().map(|x| x.best_energy).sum::<f64>() / k;
    let sd = if r.reads.len() > 1 {
        (r.reads
            .iter()
            .map(|x| (x.best_energy - mean).powi(2))
            .sum::<f64>()
            / (k - 1.0))
            .sqrt()
    } else {
        0.0
    };
    let flips = (r.gammas.len() * n * config.slices) as f64;
    let rows = r
        .reads
        .iter()
        .map(|x| {
            vec![
                x.index.to_string(),
                x.best_energy.to_string(),
                (x.best_energy / n as f64).to_string(),
                x.final_energy.to_string(),
                (x.accepted as f64 / flips).to_string(),
            ]
        })
        .collect();
    let xs: Vec<f64> = r.trace_sweeps.iter().map(|&s| s as f64).collect();
    let mean_trace: Vec<f64> = (0..xs.len())
        .map(|t| r.reads.iter().map(|x| x.trace[t]).sum::<f64>() / k / n as f64)
        .collect();
    let plot = Plot::new(
        "simulated quantum annealing",
        "sweep",
        "lowest slice energy per spin",
    )
    .with(Series::line("mean over reads", xs, mean_trace));
    Ok(Output {
        summary: vec![
            format!(
                "{} (N = {n}), P = {}, T = {}, Γ {} → {}, {} reads × {} sweeps ({secs:.2} s)",
                spec.describe(),
                config.slices,
                1.0 / config.beta,
                config.gamma0,
                config.gamma1,
                config.reads,
                config.sweeps
            ),
            format!(
                "best energy {} ({:.6} per spin), reached by {hits}/{} reads; mean {:.4} ± {:.4}",
                best.best_energy,
                best.best_energy / n as f64,
                r.reads.len(),
                mean,
                sd / k.sqrt()
            ),
        ],
        header: vec![
            "read",
            "best_energy",
            "best_energy_per_spin",
            "final_energy",
            "acceptance",
        ],
        rows,
        json: serde_json::json!({
            "n": n,
            "best_energy": best.best_energy,
            "best_spins": best.best_spins,
            "reads_at_best": hits,
            "mean_energy": mean,
            "mean_energy_error": sd / k.sqrt(),
            "seconds": secs,
            "config": config,
            "reads": r.reads,
            "trace_sweeps": r.trace_sweeps,
        }),
        plots: vec![("energy_trace", plot)],
        arrays: vec![],
    })
}

fn compare_output(
    models: &[Ising],
    specs: &[ModelSpec],
    config: &CompareConfig,
    c: &Comparison,
    secs: f64,
) -> Output {
    let p = config.sqa.slices;
    let mut rows = Vec::new();
    for (name, curve) in [("sa", &c.sa), ("sqa", &c.sqa)] {
        for q in curve {
            rows.push(vec![
                name.to_string(),
                q.sqa_sweeps.to_string(),
                q.updates.to_string(),
                q.residual.to_string(),
                q.error.to_string(),
                q.success.to_string(),
                q.seconds.to_string(),
            ]);
        }
    }
    let mut summary = vec![
        format!(
            "{} (N = {}), {} instance(s) × {} reads; SQA: P = {p}, T = {}, Γ {} → {} ({:?}); SA: {:?} β schedule, τ·P sweeps ({secs:.1} s)",
            specs[0].describe(),
            models[0].n(),
            models.len(),
            config.sqa.reads,
            1.0 / config.sqa.beta,
            config.sqa.gamma0,
            config.sqa.gamma1,
            config.sqa.schedule,
            config.sa_schedule,
        ),
        format!(
            "reference energies (lowest found{}): {}",
            if config.reference_sweeps > 0 {
                format!(", incl. SA with {} sweeps × {} reads", config.reference_sweeps, config.reference_reads)
            } else {
                String::new()
            },
            c.references
                .iter()
                .map(|e| format!("{e:.6}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    for (a, q) in c.sa.iter().zip(&c.sqa) {
        let d = a.residual - q.residual;
        let s = (a.error.powi(2) + q.error.powi(2)).sqrt();
        let significant = if s > 0.0 { d.abs() > 2.0 * s } else { d != 0.0 };
        let verdict = match (significant, d > 0.0) {
            (false, _) => "equal within 2σ",
            (true, true) => "SQA lower",
            (true, false) => "SA lower",
        };
        summary.push(format!(
            "τ = {} ({} updates/spin): residual/spin SA {:.5} ± {:.5}, SQA {:.5} ± {:.5}: {verdict}{}",
            q.sqa_sweeps,
            q.updates,
            a.residual,
            a.error,
            q.residual,
            q.error,
            if s > 0.0 {
                format!(" ({:.1}σ)", d.abs() / s)
            } else {
                String::new()
            }
        ));
    }
    let x: Vec<f64> = c.sa.iter().map(|q| q.updates as f64).collect();
    let mut plot = Plot::new(
        "residual energy against annealing time (equal spin updates)",
        "single-spin updates per spin (SA sweeps = SQA sweeps × P)",
        "residual energy per spin",
    );
    for (k, (name, curve)) in [
        ("simulated annealing", &c.sa),
        (&*format!("simulated quantum annealing (P = {p})"), &c.sqa),
    ]
    .into_iter()
    .enumerate()
    {
        plot = plot.with(
            Series::line(
                name.to_string(),
                x.clone(),
                curve.iter().map(|q| q.residual).collect(),
            )
            .with_yerr(curve.iter().map(|q| q.error).collect())
            .with_color(k),
        );
    }
    plot.log_x = true;
    plot.log_y = true;
    Output {
        summary,
        header: vec![
            "method",
            "sqa_sweeps",
            "updates",
            "residual_per_spin",
            "error",
            "success",
            "seconds",
        ],
        rows,
        json: serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
        plots: vec![("residual", plot)],
        arrays: vec![],
    }
}
