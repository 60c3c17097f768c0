//! `glassbox population`: population annealing (see `glassbox::mc::population`) of any model
//! from β = 0 to `--beta-max`: ln Z/N, the free energy, the energy, surviving families and
//! the family entropy S_f per step, with error bars from independent populations, next to
//! the exact values where they exist (enumeration for N ≤ 24; Kaufman's solution for a
//! periodic 2D ferromagnet with J = 1). The populations are checkpointed between steps
//! (atomically, every `--checkpoint-every` seconds and on Ctrl-C) and `--resume` continues a
//! killed run to the same result.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use glassbox::exact::{enumerate::enumerate, kaufman::kaufman};
use glassbox::mc::population::{linear_betas, population_results, PopulationConfig, PopulationRun};
use glassbox::mc::{Order, Rule};
use glassbox::model::{GraphSpec, Ising, ModelSpec};

use crate::ensemble::CHECKPOINT;
use crate::plot::{Plot, Series, Style};
use crate::runfolder::{Manifest, RunFolder};
use crate::sample::{OrderArg, RuleArg};
use crate::spec::ModelArgs;
use crate::table::Output;

/// Flags of `glassbox population`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Final inverse temperature.
    #[arg(long, default_value_t = 2.0)]
    pub beta_max: f64,
    /// Annealing steps, linear in β from 0 to --beta-max.
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// Population size R.
    #[arg(long, default_value_t = 1000)]
    pub population: usize,
    /// Monte Carlo sweeps per replica after each resampling.
    #[arg(long, default_value_t = 5)]
    pub sweeps: u64,
    /// Independent populations (≥ 2 for error bars).
    #[arg(long, default_value_t = 8)]
    pub runs: usize,
    /// Acceptance rule.
    #[arg(long, value_enum, default_value = "metropolis")]
    pub rule: RuleArg,
    /// Site order in a sweep.
    #[arg(long, value_enum, default_value = "random")]
    pub order: OrderArg,
    /// Run seed (Monte Carlo; also the disorder).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "runs/population")]
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

/// Where exact values come from, and `(ln Z/N, e)` at each β.
type Reference = (String, Vec<(f64, f64)>);

/// Exact `(ln Z/N, e)` at each β, when available, and where they come from.
fn exact(spec: &ModelSpec, model: &Ising, betas: &[f64]) -> Result<Option<Reference>> {
    if model.n() <= 24 {
        let r = enumerate(model, betas)?;
        return Ok(Some((
            "exact enumeration".into(),
            r.points
                .iter()
                .map(|p| (p.ln_z_per_spin, p.energy))
                .collect(),
        )));
    }
    let ferro = glassbox::mc::cluster::uniform_ferromagnet(model).ok() == Some(1.0);
    if let (
        GraphSpec::Lattice {
            dims,
            periodic: true,
        },
        true,
    ) = (&spec.graph, ferro)
    {
        if dims.len() == 2 {
            let v = betas
                .iter()
                .map(|&b| {
                    kaufman(dims[1], dims[0], b).map(|t| (t.ln_z_per_spin, t.energy_per_spin))
                })
                .collect::<glassbox::Result<Vec<_>>>()?;
            return Ok(Some(("Kaufman (exact, finite torus)".into(), v)));
        }
    }
    Ok(None)
}

/// Runs `glassbox population`.
pub fn run(args: Args) -> Result<()> {
    let mut spec = args.model.to_spec(args.seed)?;
    spec.couplings = Some(spec.law());
    let model = spec.build()?;
    let config = PopulationConfig {
        betas: linear_betas(args.beta_max, args.steps)?,
        population: args.population,
        sweeps: args.sweeps,
        runs: args.runs,
        rule: match args.rule {
            RuleArg::Metropolis => Rule::Metropolis,
            RuleArg::HeatBath => Rule::HeatBath,
        },
        order: match args.order {
            OrderArg::Random => Order::Random,
            OrderArg::Sequential => Order::Sequential,
        },
        seed: args.seed,
    };
    config.validate()?;
    let spec_json = serde_json::json!({ "model": spec, "population": config });
    let folder = RunFolder::for_spec(&args.out, args.overwrite, args.resume, &spec_json)?;
    let manifest = folder.begin(Manifest::new(
        "population",
        spec_json,
        args.seed,
        rayon::current_num_threads(),
    ))?;
    let mut runs: Vec<PopulationRun> = if args.resume {
        let text = std::fs::read_to_string(folder.path(CHECKPOINT))
            .with_context(|| format!("no {CHECKPOINT} in {}", args.out.display()))?;
        let runs: Vec<PopulationRun> =
            serde_json::from_str(&text).context("checkpoint is corrupt")?;
        if runs.len() != config.runs
            || runs
                .iter()
                .enumerate()
                .any(|(r, run)| !run.matches(&config, r))
        {
            bail!("checkpoint was written for another configuration");
        }
        runs
    } else {
        (0..config.runs)
            .map(|r| PopulationRun::new(&model, &config, r))
            .collect::<glassbox::Result<_>>()?
    };
    let models = vec![&model; runs.len()];
    let manifest = crate::sample::run_checkpointed(
        &mut runs,
        &models,
        &folder,
        manifest,
        (
            (config.runs * config.betas.len()) as u64,
            args.checkpoint_every,
        ),
        |run, m| {
            run.advance(m, &config, 1);
        },
        |run| (run.finished(&config), run.steps_done() as u64),
    )?;
    let pts = population_results(&model, &config, &runs)?;
    let reference = exact(&spec, &model, &config.betas)?;
    let what = spec.describe();
    let mut header = vec![
        "beta",
        "lnZ_per_spin",
        "lnZ_err",
        "f",
        "f_err",
        "e",
        "e_err",
        "families",
        "family_entropy",
        "effective_families",
    ];
    if reference.is_some() {
        header.extend(["lnZ_exact", "e_exact", "lnZ_sigmas"]);
    }
    let rows: Vec<Vec<String>> = pts
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut row: Vec<String> = [
                p.beta,
                p.ln_z_per_spin.mean,
                p.ln_z_per_spin.error,
                p.free_energy_per_spin.mean,
                p.free_energy_per_spin.error,
                p.energy.mean,
                p.energy.error,
                p.families,
                p.family_entropy,
                p.family_entropy.exp(),
            ]
            .iter()
            .map(|x| x.to_string())
            .collect();
            if let Some((_, v)) = &reference {
                let (lz, e) = v[k];
                row.extend([
                    lz.to_string(),
                    e.to_string(),
                    p.ln_z_per_spin.sigmas_from(lz).to_string(),
                ]);
            }
            row
        })
        .collect();
    let last = pts.last().expect("at least one step");
    let mut summary = vec![
        format!(
            "{what}: population annealing, R = {} × {} runs, {} steps to β = {}, {} sweeps per step",
            args.population, args.runs, args.steps, args.beta_max, args.sweeps
        ),
        format!(
            "at β = {}: ln Z/N = {:.6} ± {:.6}, f = {:.6} ± {:.6}, e = {:.6} ± {:.6}; family entropy S_f = {:.3} (e^S_f = {:.1} effective families of {} replicas), {:.1} surviving families",
            last.beta,
            last.ln_z_per_spin.mean,
            last.ln_z_per_spin.error,
            last.free_energy_per_spin.mean,
            last.free_energy_per_spin.error,
            last.energy.mean,
            last.energy.error,
            last.family_entropy,
            last.family_entropy.exp(),
            args.population,
            last.families
        ),
    ];
    if let Some((src, v)) = &reference {
        let (lz, e) = v[v.len() - 1];
        let worst = pts
            .iter()
            .zip(v)
            .map(|(p, x)| p.ln_z_per_spin.sigmas_from(x.0))
            .fold(0.0, f64::max);
        summary.push(format!(
            "{src} at β = {}: ln Z/N = {lz:.6} ({:.2}σ), e = {e:.6} ({:.2}σ); largest ln Z deviation over all steps {worst:.2}σ",
            last.beta,
            last.ln_z_per_spin.sigmas_from(lz),
            last.energy.sigmas_from(e),
        ));
    }
    let beta: Vec<f64> = pts.iter().map(|p| p.beta).collect();
    let mut f_plot = Plot::new(format!("free energy — {what}"), "β", "f = −ln Z/(βN)").with(
        Series::new(
            "population annealing",
            beta.clone(),
            pts.iter().map(|p| p.free_energy_per_spin.mean).collect(),
            Style::Points,
        )
        .with_yerr(pts.iter().map(|p| p.free_energy_per_spin.error).collect())
        .with_color(0),
    );
    if let Some((src, v)) = &reference {
        f_plot = f_plot.with(
            Series::new(
                src.clone(),
                beta.clone(),
                v.iter().zip(&beta).map(|(x, b)| -x.0 / b).collect(),
                Style::Dashed,
            )
            .with_color(0),
        );
    }
    let s_plot = Plot::new(format!("family entropy — {what}"), "β", "S_f = −Σ ν ln ν")
        .with(Series::new(
            "family entropy",
            beta.clone(),
            pts.iter().map(|p| p.family_entropy).collect(),
            Style::LinePoints,
        ))
        .with(Series::new(
            "ln(surviving families)",
            beta,
            pts.iter().map(|p| p.families.ln()).collect(),
            Style::Dashed,
        ));
    Output {
        summary,
        header,
        rows,
        json: serde_json::json!({
            "points": pts,
            "exact": reference,
        }),
        plots: vec![("free_energy", f_plot), ("family_entropy", s_plot)],
        arrays: vec![],
    }
    .emit_into(&folder, manifest, &args.out)?;
    let _ = std::fs::remove_file(folder.path(CHECKPOINT));
    Ok(())
}
