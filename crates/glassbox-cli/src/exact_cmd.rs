//! `glassbox exact`: exact enumeration of any small model, or Kaufman's exact solution of the
//! periodic 2D Ising ferromagnet at any size.

use std::path::PathBuf;

use anyhow::{bail, Result};
use glassbox::exact::{enumerate::enumerate, kaufman::kaufman};

use crate::runfolder::{Manifest, RunFolder, RunStatus};
use crate::spec::{parse_dims, ModelArgs, TemperatureArgs};

/// Flags of `glassbox exact`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Kaufman's exact solution of the periodic ROWSxCOLS ferromagnet (J = 1) instead of
    /// enumeration, e.g. `128x128`.
    #[arg(long, value_name = "ROWSxCOLS", conflicts_with_all = ["sk", "complete", "random_regular", "erdos_renyi", "graph", "lattice"])]
    pub kaufman: Option<String>,
    #[command(flatten)]
    pub temperatures: TemperatureArgs,
    /// Run seed (disorder of random models).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write results to this folder.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `glassbox exact`.
pub fn run(args: Args) -> Result<()> {
    let Some(temps) = args.temperatures.resolve()? else {
        bail!("no temperatures given: use --temperatures T1,T2,… or --t-range TMIN:TMAX:COUNT");
    };
    if let Some(t) = temps.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        bail!("temperature must be finite and positive, got {t}");
    }
    let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
    let (what, header, rows, json) = if let Some(size) = &args.kaufman {
        let dims = parse_dims(size)?;
        let (r, c) = match dims[..] {
            [l] => (l, l),
            [r, c] => (r, c),
            _ => bail!("--kaufman takes L or ROWSxCOLS, got `{size}`"),
        };
        let points = betas
            .iter()
            .map(|&b| kaufman(r, c, b))
            .collect::<glassbox::Result<Vec<_>>>()?;
        let rows: Vec<Vec<String>> = temps
            .iter()
            .zip(&points)
            .map(|(t, p)| {
                vec![
                    t.to_string(),
                    p.ln_z_per_spin.to_string(),
                    p.energy_per_spin.to_string(),
                    p.specific_heat_per_spin.to_string(),
                    p.free_energy_per_spin.to_string(),
                    p.entropy_per_spin.to_string(),
                ]
            })
            .collect();
        (
            format!("Kaufman exact periodic {r}x{c} Ising ferromagnet, J = 1"),
            vec!["T", "lnZ_per_spin", "e", "c", "f", "s"],
            rows,
            serde_json::to_value(&points)?,
        )
    } else {
        let spec = args.model.to_spec(args.seed)?;
        let model = spec.build()?;
        let r = enumerate(&model, &betas)?;
        let rows: Vec<Vec<String>> = temps
            .iter()
            .zip(&r.points)
            .map(|(t, p)| {
                [
                    *t,
                    p.ln_z_per_spin,
                    p.energy,
                    p.specific_heat,
                    p.abs_m,
                    p.m2,
                    p.m4,
                    p.binder,
                    p.susceptibility,
                ]
                .iter()
                .map(|x| x.to_string())
                .collect()
            })
            .collect();
        println!(
            "ground state: E0 = {} (E0/N = {}), degeneracy {}",
            r.ground_energy,
            r.ground_energy / r.n as f64,
            r.degeneracy
        );
        (
            format!("exact enumeration of {} ({} spins)", spec.describe(), r.n),
            vec![
                "T",
                "lnZ_per_spin",
                "e",
                "c",
                "abs_m",
                "m2",
                "m4",
                "binder",
                "chi",
            ],
            rows,
            serde_json::to_value(&r)?,
        )
    };
    println!("{what}");
    println!("{}", header.join("\t"));
    for row in &rows {
        println!("{}", row.join("\t"));
    }
    if let Some(out) = &args.out {
        let folder = RunFolder::create(out, args.overwrite)?;
        let manifest = folder.begin(Manifest::new(
            "exact",
            serde_json::json!({ "what": what, "temperatures": temps }),
            args.seed,
            rayon::current_num_threads(),
        ))?;
        folder.write_csv("results.csv", &header, &rows)?;
        folder.write_json("results.json", &json)?;
        manifest.finish(RunStatus::Completed)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
