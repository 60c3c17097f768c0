//! `glassbox bm train`: Boltzmann machines on all-pairs coupled ±1 units — fully visible, or
//! with hidden units (Ackley–Hinton–Sejnowski) — learned by the Boltzmann rule
//! ∂L/∂J_ij = ⟨s_i s_j⟩_data − ⟨s_i s_j⟩_model.
//!
//! With n_v + n_h ≤ 20 units both phases are exact (enumeration) and the log-likelihood is
//! reported exactly; a fully visible machine on more units (or with `--mc`) takes its model
//! averages from heat-bath Gibbs chains and reports the pseudo-log-likelihood. Data are read
//! and split like `glassbox rbm` (binarized 0/1 → ±1 by s = 2v − 1).

use std::path::PathBuf;

use anyhow::{ensure, Result};
use glassbox::boltzmann::fvbm::{McSpec, MAX_EXACT};
use glassbox::boltzmann::{Bm, Fvbm};
use glassbox::rng::Streams;

use crate::npy::write_npz;
use crate::plot::{Plot, Series};
use crate::rbm_cmd::{load_data, DataArgs, VisibleArg};
use crate::runfolder::{Manifest, RunFolder, RunStatus};

/// Flags of `glassbox bm`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// The actions.
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Learn a Boltzmann machine by gradient ascent on the log-likelihood.
    Train(TrainArgs),
}

/// Flags of `glassbox bm train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Hidden units (0: fully visible). With hidden units, n_visible + n_hidden ≤ 20.
    #[arg(long, default_value_t = 0)]
    pub hidden: usize,
    /// Gradient steps.
    #[arg(long, default_value_t = 200)]
    pub iterations: usize,
    /// Step size.
    #[arg(long, default_value_t = 0.1)]
    pub lr: f64,
    /// With hidden units: couplings start at N(0, scale²/n) (an all-zero start is a saddle).
    #[arg(long, default_value_t = 1.0)]
    pub init_scale: f64,
    /// Monte Carlo model averages even when enumeration is possible (fully visible only;
    /// automatic above 20 units).
    #[arg(long)]
    pub mc: bool,
    /// Monte Carlo: independent Gibbs chains per step.
    #[arg(long, default_value_t = 100)]
    pub chains: usize,
    /// Monte Carlo: sweeps discarded per chain.
    #[arg(long, default_value_t = 20)]
    pub burn_in: usize,
    /// Monte Carlo: sweeps measured per chain.
    #[arg(long, default_value_t = 50)]
    pub sweeps: usize,
    /// Output folder (default `runs/bm-train`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Entry point.
pub fn run(args: Args) -> Result<()> {
    let Action::Train(a) = args.action;
    ensure!(
        a.data.visible == VisibleArg::Bernoulli,
        "a Boltzmann machine has binary units: --visible must be bernoulli"
    );
    ensure!(a.iterations >= 1, "--iterations must be ≥ 1");
    let ds = load_data(&a.data, a.seed)?;
    let nv = ds.dim();
    let spins = |x: &[f64]| -> Vec<f64> { x.iter().map(|v| 2.0 * v - 1.0).collect() };
    let (train, test) = (spins(&ds.train), spins(&ds.test));
    let mc = a.mc || (a.hidden == 0 && nv > MAX_EXACT);
    ensure!(
        !(mc && a.hidden > 0),
        "Monte Carlo learning is for fully visible machines (--hidden 0); with hidden units n_visible + n_hidden must be ≤ {MAX_EXACT}"
    );
    let streams = Streams::new(a.seed);
    let start = if mc {
        None
    } else {
        Some(Bm::random(nv, a.hidden, a.init_scale, &streams)?)
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs/bm-train"));
    let folder = RunFolder::create(&dir, a.overwrite)?;
    let manifest = folder.begin(Manifest::new(
        "bm train",
        serde_json::json!({"data": a.data, "hidden": a.hidden, "iterations": a.iterations,
            "lr": a.lr, "init_scale": a.init_scale, "mc": mc, "chains": a.chains,
            "burn_in": a.burn_in, "sweeps": a.sweeps}),
        a.seed,
        rayon::current_num_threads(),
    ))?;
    let (machine, trace, column, summary) = if let Some(mut bm) = start {
        let trace = bm.fit(&train, a.lr, a.iterations)?;
        let test_ll = bm.log_likelihood(&test)?;
        let train_ll = *trace.last().expect("≥ 1 iteration");
        let summary = serde_json::json!({"method": "exact", "train_ll": train_ll,
            "held_out_ll": test_ll});
        (bm.machine().clone(), trace, "train_log_likelihood", summary)
    } else {
        let spec = McSpec {
            chains: a.chains,
            burn_in: a.burn_in,
            samples: a.sweeps,
        };
        let (m, trace) = Fvbm::fit_mc(&train, nv, a.lr, a.iterations, &spec, &streams)?;
        let (p_train, p_test) = (
            m.pseudo_log_likelihood(&train)?,
            m.pseudo_log_likelihood(&test)?,
        );
        let summary = serde_json::json!({"method": "monte carlo", "train_pseudo_ll": p_train,
            "held_out_pseudo_ll": p_test});
        (m, trace, "max_abs_gradient", summary)
    };
    let n = machine.n();
    folder.write_array("J", &[n, n], machine.couplings())?;
    folder.write_array("theta", &[n], machine.biases())?;
    write_npz(
        &folder.path("model.npz"),
        &[
            ("J", &[n, n], machine.couplings()),
            ("theta", &[n], machine.biases()),
        ],
    )?;
    let rows: Vec<Vec<String>> = trace
        .iter()
        .enumerate()
        .map(|(t, x)| vec![t.to_string(), x.to_string()])
        .collect();
    folder.write_csv("results.csv", &["iteration", column], &rows)?;
    folder.write_plot(
        "training",
        &Plot::new("Boltzmann learning", "iteration", column).with(Series::line(
            column,
            (0..trace.len()).map(|t| t as f64).collect(),
            trace.clone(),
        )),
    )?;
    let mut results = summary.clone();
    results["n_visible"] = nv.into();
    results["n_hidden"] = a.hidden.into();
    folder.write_json("results.json", &results)?;
    manifest.finish(RunStatus::Completed)?;
    println!(
        "Boltzmann machine: {nv} visible + {} hidden ±1 units, {} steps ({})",
        a.hidden, a.iterations, summary["method"]
    );
    if mc {
        println!(
            "pseudo-log-likelihood per row: train {:.4}, held-out {:.4}; last max |∂L| {:.4} (Monte Carlo noise ~ {:.4})",
            summary["train_pseudo_ll"].as_f64().unwrap_or(f64::NAN),
            summary["held_out_pseudo_ll"].as_f64().unwrap_or(f64::NAN),
            trace.last().copied().unwrap_or(f64::NAN),
            1.0 / ((a.chains * a.sweeps) as f64).sqrt()
        );
    } else {
        println!(
            "exact log-likelihood per row: train {:.4}, held-out {:.4}",
            summary["train_ll"].as_f64().unwrap_or(f64::NAN),
            summary["held_out_ll"].as_f64().unwrap_or(f64::NAN)
        );
    }
    println!(
        "model in {} (J: n × n couplings, visible units first; theta: biases)",
        folder.path("model.npz").display()
    );
    println!("wrote {}", dir.display());
    Ok(())
}
