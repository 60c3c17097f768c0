//! `glassbox ground`: ground-state search by simulated-annealing restarts (or, with
//! `--method pt`, by parallel tempering) until a time budget, a read budget or an energy (or
//! cut) target, repeated `--runs` times for time-to-target statistics (see
//! `glassbox::mc::ground`).
//!
//! Instances are given like in `glassbox anneal`: model flags, or `--instance FILE`, where a
//! G-set / rudy file (first line `n m`, then `i j w` with 1-based vertices) is a Max-Cut
//! instance read as the Ising model `J_ij = −w_ij` (no field), so that
//!
//! ```text
//! E(s) = −Σ_{i<j} J_ij s_i s_j = Σ_{i<j} w_ij s_i s_j,
//! cut(s) = Σ_{i<j} w_ij (1 − s_i s_j)/2 = (W − E(s))/2,     W = Σ_{i<j} w_ij,
//! ```
//!
//! and the lowest energy is the maximum cut; a cut target C is the energy target W − 2C.
//!
//! The searches run one after another (so their wall-clock times are honest) and are
//! checkpointed between batches of reads (atomically, every `--checkpoint-every` seconds and
//! on Ctrl-C); `--resume` continues a killed run with the same reads.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use glassbox::mc::ground::{
    time_to_target, GroundConfig, GroundRun, GroundSearch, GroundTempering,
};
use glassbox::mc::tempering::geometric_temperatures;
use glassbox::model::Ising;

use crate::anneal_cmd::{build, describe_instance, SweepFlags};
use crate::ensemble::CHECKPOINT;
use crate::plot::{Plot, Series, Style};
use crate::runfolder::{Manifest, RunFolder, RunStatus};
use crate::spec::ModelArgs;

/// Flags of `glassbox ground`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Instance file instead of model flags: a G-set / rudy file is a Max-Cut instance
    /// (J = −w, the cut is reported); an edge list (`--format edge-list`) an Ising instance.
    #[arg(long, value_name = "FILE")]
    pub instance: Option<PathBuf>,
    /// Wall-clock budget of each search, in seconds.
    #[arg(long = "time", default_value_t = 10.0)]
    pub time: f64,
    /// Read budget of each search (stops earlier than --time if reached).
    #[arg(long)]
    pub max_reads: Option<usize>,
    /// Stop a search once its energy is ≤ this.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "target_cut")]
    pub target: Option<f64>,
    /// Stop a search once its cut is ≥ this (Max-Cut instances).
    #[arg(long)]
    pub target_cut: Option<f64>,
    /// Independent searches (for the time-to-target statistics).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Reads per parallel batch (default: 2 × threads).
    #[arg(long)]
    pub batch: Option<usize>,
    #[command(flatten)]
    pub sweeps: SweepFlags,
    /// Search engine: annealing reads, or parallel tempering (one chain per search; a read
    /// is then a round of --sweeps sweeps, whose lowest configuration is quenched).
    #[arg(long, value_enum, default_value = "anneal")]
    pub method: Method,
    /// Temperatures of --method pt, geometric from 1/β1 to 1/β0 of the β range.
    #[arg(long, default_value_t = 16)]
    pub pt_temperatures: usize,
    /// Independent replica sets per temperature of --method pt.
    #[arg(long, default_value_t = 2)]
    pub pt_sets: usize,
    /// Run seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "runs/ground")]
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
}

/// The engine of `glassbox ground`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Simulated-annealing reads in parallel batches.
    Anneal,
    /// Parallel tempering.
    Pt,
}

/// The searches of a `glassbox ground` run: the finished ones and the one in progress (the
/// checkpointed state).
#[derive(serde::Serialize, serde::Deserialize)]
struct Searches {
    done: Vec<GroundRun>,
    current: GroundSearch,
}

impl Searches {
    /// One batch of the current search; a finished search is filed and the next one begun.
    fn advance(&mut self, model: &Ising, config: &GroundConfig, runs: usize) {
        if self.done.len() >= runs {
            return;
        }
        let engine = self
            .current
            .engine(model, config)
            .expect("validated configuration");
        if self.current.step(&engine, config) {
            let next = GroundSearch::new(config, self.done.len() + 1).expect("validated");
            self.done
                .push(std::mem::replace(&mut self.current, next).result);
        }
    }
}

/// Runs `glassbox ground`.
pub fn run(args: Args) -> Result<()> {
    let (model, spec, instance, maxcut) = build(&args.model, args.instance.as_ref(), args.seed)?;
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    let target = match (args.target, args.target_cut, maxcut.total_weight()) {
        (Some(e), _, _) => Some(e),
        (None, Some(c), Some(w)) => Some(w - 2.0 * c),
        (None, Some(_), None) => bail!("--target-cut needs a Max-Cut (G-set) instance"),
        (None, None, _) => None,
    };
    let (anneal, (b0, b1)) = args
        .sweeps
        .config(&model, 1, args.sweeps.count, args.seed)?;
    let config = GroundConfig {
        anneal,
        batch: args
            .batch
            .unwrap_or(2 * rayon::current_num_threads())
            .max(1),
        time_limit: args.time,
        max_reads: args.max_reads,
        target,
        tempering: match args.method {
            Method::Anneal => None,
            Method::Pt => Some(GroundTempering {
                temperatures: geometric_temperatures(1.0 / b1, 1.0 / b0, args.pt_temperatures)?,
                replicas: args.pt_sets,
                sweeps: args.sweeps.count,
            }),
        },
    };
    config.validate()?;
    let what = describe_instance(spec.as_ref(), instance.as_ref());
    let spec_json = serde_json::json!({
        "model": spec,
        "instance": instance,
        "ground": config,
        "runs": args.runs,
    });
    let folder = RunFolder::for_spec(&args.out, args.overwrite, args.resume, &spec_json)?;
    let manifest = folder.begin(Manifest::new(
        "ground",
        spec_json.clone(),
        args.seed,
        rayon::current_num_threads(),
    ))?;
    let mut searches = [if args.resume {
        let text = std::fs::read_to_string(folder.path(CHECKPOINT))
            .with_context(|| format!("no {CHECKPOINT} in {}", args.out.display()))?;
        let [s]: [Searches; 1] = serde_json::from_str(&text).context("checkpoint is corrupt")?;
        if s.done.len() > args.runs || s.current.result.run != s.done.len() {
            bail!("checkpoint was written for another configuration");
        }
        s
    } else {
        Searches {
            done: Vec::new(),
            current: GroundSearch::new(&config, 0)?,
        }
    }];
    searches[0].current.engine(&model, &config)?;
    let manifest = crate::sample::run_checkpointed(
        &mut searches,
        &[&model],
        &folder,
        manifest,
        (
            (args.runs * args.max_reads.unwrap_or(0)) as u64,
            args.checkpoint_every,
        ),
        |s, m| s.advance(m, &config, args.runs),
        |s| {
            (
                s.done.len() >= args.runs,
                s.done.iter().map(|r| r.reads).sum::<usize>() as u64
                    + s.current.result.reads as u64,
            )
        },
    )?;
    let [Searches { done: runs, .. }] = searches;
    let best = runs
        .iter()
        .min_by(|a, b| a.best_energy.total_cmp(&b.best_energy))
        .expect("at least one run");
    let goal = target.unwrap_or(best.best_energy);
    let tts = time_to_target(&runs, goal)?;
    let n = model.n();
    let cut_of = |e: f64| maxcut.total_weight().map(|w| (w - e) / 2.0);

    let mut header = vec![
        "run",
        "best_energy",
        "best_energy_per_spin",
        "reads",
        "seconds",
        "seconds_to_target",
        "reads_to_target",
    ];
    if maxcut.total_weight().is_some() {
        header.push("cut");
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let hit = r.time_to(goal);
            let mut row = vec![
                r.run.to_string(),
                r.best_energy.to_string(),
                (r.best_energy / n as f64).to_string(),
                r.reads.to_string(),
                r.seconds.to_string(),
                hit.map_or(String::new(), |h| h.seconds.to_string()),
                hit.map_or(String::new(), |h| h.reads.to_string()),
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
        "results.json",
        &serde_json::json!({
            "n": n,
            "best_energy": best.best_energy,
            "best_energy_per_spin": best.best_energy / n as f64,
            "cut": cut,
            "total_weight": maxcut.total_weight(),
            "maxcut_mapping": cut.map(|_| "J_ij = -w_ij; cut = sum_{i<j} w_ij (1 - s_i s_j)/2 = (W - E)/2 with W = sum_{i<j} w_ij"),
            "beta0": b0,
            "beta1": b1,
            "time_to_target": tts,
            "target_given": target.is_some(),
            "history": runs.iter().map(|r| &r.history).collect::<Vec<_>>(),
        }),
    )?;
    folder.write_array("best_spins", &[n], &best.best_spins)?;
    let ylabel = if cut.is_some() {
        "best cut"
    } else {
        "best energy"
    };
    let mut plot = Plot::new(format!("ground-state search — {what}"), "seconds", ylabel);
    for r in &runs {
        // Staircase of the best value against time.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (i, h) in r.history.iter().enumerate() {
            let v = cut_of(h.energy).unwrap_or(h.energy);
            if i > 0 {
                x.push(h.seconds);
                y.push(*y.last().unwrap());
            }
            x.push(h.seconds);
            y.push(v);
        }
        x.push(r.seconds);
        y.push(*y.last().unwrap_or(&f64::NAN));
        plot = plot.with(Series::new(format!("run {}", r.run), x, y, Style::Line));
    }
    folder.write_plot("best_vs_time", &plot)?;
    manifest.finish(RunStatus::Completed)?;
    let _ = std::fs::remove_file(folder.path(CHECKPOINT));

    println!("{what}");
    let engine = match &config.tempering {
        None => format!(
            "annealing reads ({} sweeps, β {b0:.4} → {b1:.4}, batches of {})",
            args.sweeps.count, config.batch
        ),
        Some(pt) => format!(
            "parallel tempering ({} temperatures {:.4} … {:.4} × {} sets, a read = a round of {} sweeps, batches of {} rounds)",
            pt.temperatures.len(),
            pt.temperatures[0],
            pt.temperatures[pt.temperatures.len() - 1],
            pt.replicas,
            pt.sweeps,
            config.batch
        ),
    };
    println!(
        "{} search(es) of {engine}, each up to {} s{}{}",
        args.runs,
        args.time,
        args.max_reads
            .map_or(String::new(), |m| format!(" or {m} reads")),
        target.map_or(String::new(), |t| format!(" or energy ≤ {t}")),
    );
    println!(
        "best energy {} ({:.6} per spin){}",
        best.best_energy,
        best.best_energy / n as f64,
        cut.map_or(String::new(), |c| format!(
            ", max-cut value {c} (J = −w; cut = (W − E)/2)"
        ))
    );
    let total_reads: usize = runs.iter().map(|r| r.reads).sum();
    println!(
        "target {} ({}): reached by {}/{} searches (P_s = {:.3}); median time to target {}; median reads {}; per read p = {:.4}, {:.4} s/read, TTS99 = {}{}",
        goal,
        if target.is_some() { "given" } else { "best found" },
        tts.successes,
        tts.runs,
        tts.success_probability,
        tts.median_seconds.map_or("undefined (P_s < 1/2)".to_string(), |s| format!("{s:.3} s")),
        tts.median_reads.map_or("undefined".to_string(), |r| r.to_string()),
        tts.read_success_probability,
        tts.seconds_per_read,
        tts.tts99_seconds.map_or("infinite (p = 0)".to_string(), |s| format!("{s:.3} s")),
        if config.tempering.is_some() {
            " (TTS99 assumes independent reads; tempering rounds are correlated, use the median time)"
        } else {
            ""
        },
    );
    println!("{total_reads} reads in all");
    println!("wrote {}", args.out.display());
    Ok(())
}
