//! `glassbox bp`, `glassbox tap`, `glassbox amp`: the cavity method on generated instances.
//!
//! `bp` runs belief propagation on a random regular graph (ferromagnet or ±J) at each
//! temperature and reports the Bethe energy, free energy and entropy, the convergence, and the
//! paramagnetic instability temperature from the linearized message map next to the Bethe
//! formula, with the RS population-dynamics (N → ∞) energy and free energy alongside. `tap` and `amp` solve the TAP equations (with naive mean field for comparison) or
//! iterate AMP on an SK instance with random fields ±h, next to the state-evolution overlap.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use glassbox::cavity::bp::{self, BpOptions, Initial, MessageGraph, Schedule};
use glassbox::cavity::population::{self, PopulationOptions};
use glassbox::cavity::stability::{self, StabilityOptions};
use glassbox::cavity::tap::{self, TapOptions};
use glassbox::model::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};
use glassbox::theory::bethe;

use crate::plot::{Plot, Series, Style};
use crate::runfolder::RunFolder;
use crate::table::Output;

/// Coupling law of the generated sparse instance.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LawArg {
    /// All J = 1.
    Ferro,
    /// J = ±1 with equal probability.
    Pm,
    /// J ~ N(0, 1).
    Gaussian,
}

fn coupling_law(l: LawArg) -> CouplingLaw {
    match l {
        LawArg::Ferro => CouplingLaw::Ferro { j: 1.0 },
        LawArg::Pm => CouplingLaw::PlusMinus { j: 1.0 },
        LawArg::Gaussian => CouplingLaw::Gaussian {
            mean: 0.0,
            std: 1.0,
        },
    }
}

/// Message-update order.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleArg {
    /// All messages from the previous sweep.
    Parallel,
    /// Random sequential order, fresh each sweep.
    Random,
    /// Sites in the order 0, 1, …, N−1 each sweep.
    Sequential,
}

/// Flags of `glassbox bp`.
#[derive(clap::Args, Debug)]
pub struct BpArgs {
    /// Instance file instead of a generated graph (weights from the file; --n, --degree and
    /// --couplings are then ignored, and population dynamics and the Bethe formula, which
    /// assume a random regular graph, are skipped).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Format of --graph.
    #[arg(long, value_enum, default_value = "gset")]
    pub format: crate::spec::FormatArg,
    /// Number of spins N.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub n: usize,
    /// Degree c of the random regular graph.
    #[arg(long, short = 'c', default_value_t = 3)]
    pub degree: usize,
    /// Coupling law.
    #[arg(long, value_enum, default_value_t = LawArg::Pm)]
    pub couplings: LawArg,
    /// Uniform external field h.
    #[arg(long, default_value_t = 0.0)]
    pub field: f64,
    /// Temperatures (default: 24 values from 0.5 to 4).
    #[arg(long, short = 'T', value_delimiter = ',')]
    pub temperatures: Vec<f64>,
    /// Damping d ∈ [0, 1).
    #[arg(long, default_value_t = 0.0)]
    pub damping: f64,
    /// Update order.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Parallel)]
    pub schedule: ScheduleArg,
    /// Largest number of sweeps per temperature.
    #[arg(long, default_value_t = 1000)]
    pub max_iterations: usize,
    /// Convergence tolerance on the largest message change.
    #[arg(long, default_value_t = 1e-10)]
    pub tolerance: f64,
    /// Starting value of every message (positive selects the ferromagnetic state).
    #[arg(long, default_value_t = 0.5)]
    pub start: f64,
    /// Population size of the RS population dynamics (the N → ∞ Bethe lattice) run next to
    /// BP at each temperature; 0 skips it.
    #[arg(long, default_value_t = 5000)]
    pub population: usize,
    /// Random graphs over which the paramagnetic instability temperature is averaged
    /// (mean ± standard error; generated graphs at zero field only; 1: the instance alone).
    #[arg(long, default_value_t = 1)]
    pub instances: usize,
    /// Output folder (default `runs/bp`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Seed of the instance and of the random schedule.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn check_temperatures(ts: &[f64]) -> Result<()> {
    for &t in ts {
        anyhow::ensure!(
            t.is_finite() && t > 0.0,
            "temperatures must be finite and positive, got {t}"
        );
    }
    Ok(())
}

fn default_temperatures(a: f64, b: f64, k: usize, given: &[f64]) -> Vec<f64> {
    if given.is_empty() {
        crate::table::linspace(a, b, k)
    } else {
        given.to_vec()
    }
}

/// An instance read from `path` (G-set or edge list), couplings from the file's weights: the
/// file input shared by `bp`, `maxsum`, `tap` and `amp`.
pub fn file_spec(
    path: &std::path::Path,
    format: crate::spec::FormatArg,
    field: f64,
    seed: u64,
) -> ModelSpec {
    ModelSpec {
        graph: GraphSpec::File {
            path: path.to_path_buf(),
            format: match format {
                crate::spec::FormatArg::Gset => glassbox::graph::FileFormat::Gset,
                crate::spec::FormatArg::EdgeList => glassbox::graph::FileFormat::EdgeList,
            },
        },
        couplings: Some(CouplingLaw::File),
        field: FieldSpec::Uniform(field),
        seed,
    }
}

/// The instance `glassbox bp` solves: the file given, or a random regular graph.
pub fn bp_spec(a: &BpArgs) -> ModelSpec {
    match &a.graph {
        Some(path) => file_spec(path, a.format, a.field, a.seed),
        None => ModelSpec {
            graph: GraphSpec::RandomRegular {
                n: a.n,
                degree: a.degree,
            },
            couplings: Some(coupling_law(a.couplings)),
            field: FieldSpec::Uniform(a.field),
            seed: a.seed,
        },
    }
}

/// The `bp` table and plots.
pub fn bp_output(a: &BpArgs) -> Result<Output> {
    let temps = default_temperatures(0.5, 4.0, 24, &a.temperatures);
    check_temperatures(&temps)?;
    let spec = bp_spec(a);
    let generated = a.graph.is_none();
    let population_size = if generated { a.population } else { 0 };
    let model = spec.build()?;
    let graph = MessageGraph::new(&model)?;
    let label = match &a.graph {
        Some(p) => format!("{}, N = {}", p.display(), model.n()),
        None => format!(
            "a random {}-regular graph, N = {}, {:?} couplings",
            a.degree, a.n, a.couplings
        ),
    };
    let opts = BpOptions {
        damping: a.damping,
        tolerance: a.tolerance,
        max_iterations: a.max_iterations,
        schedule: match a.schedule {
            ScheduleArg::Parallel => Schedule::Parallel,
            ScheduleArg::Random => Schedule::RandomSequential,
            ScheduleArg::Sequential => Schedule::Sequential,
        },
        initial: Initial::Constant(a.start),
        seed: a.seed,
    };
    let sopts = StabilityOptions {
        iterations: 400,
        seed: a.seed,
    };
    let mut rows = Vec::new();
    let mut points = Vec::new();
    let (mut e, mut f, mut ok) = (Vec::new(), Vec::new(), 0usize);
    let (mut e_pop, mut f_pop) = (Vec::new(), Vec::new());
    let law = match a.couplings {
        LawArg::Ferro => population::CouplingLaw::Ferro(1.0),
        LawArg::Pm => population::CouplingLaw::PlusMinus(1.0),
        LawArg::Gaussian => population::CouplingLaw::Gaussian(1.0),
    };
    for &t in &temps {
        let pop = if population_size > 0 {
            Some(population::population_dynamics(
                a.degree,
                law,
                a.field,
                1.0 / t,
                &PopulationOptions {
                    size: population_size,
                    burn_in: 200,
                    samples: 50,
                    draws: population_size,
                    start_offset: a.start,
                    seed: a.seed,
                    ..PopulationOptions::default()
                },
            )?)
        } else {
            None
        };
        let (pe, pee, pf) = pop.as_ref().map_or((f64::NAN, f64::NAN, f64::NAN), |p| {
            (p.energy.mean, p.energy.error, p.free_energy.mean)
        });
        e_pop.push(pe);
        f_pop.push(pf);
        let r = bp::run_on(&graph, 1.0 / t, &opts, None)?;
        let s = stability::stability(&graph, 1.0 / t, Some(&r.messages), &sopts)?;
        let n = r.magnetizations.len() as f64;
        let m = r.magnetizations.iter().sum::<f64>() / n;
        let q = r.magnetizations.iter().map(|x| x * x).sum::<f64>() / n;
        ok += r.converged as usize;
        let (ev, fv) = if r.converged {
            (r.energy, r.free_energy)
        } else {
            (f64::NAN, f64::NAN)
        };
        e.push(ev);
        f.push(fv);
        rows.push(vec![
            t.to_string(),
            r.converged.to_string(),
            r.iterations.to_string(),
            format!("{:.3e}", r.max_change),
            r.energy.to_string(),
            r.free_energy.to_string(),
            r.entropy.to_string(),
            m.to_string(),
            q.to_string(),
            s.magnetic.to_string(),
            s.spin_glass.to_string(),
            pe.to_string(),
            pee.to_string(),
            pf.to_string(),
        ]);
        points.push(serde_json::json!({
            "T": t, "converged": r.converged, "iterations": r.iterations,
            "max_change": r.max_change, "energy": r.energy, "free_energy": r.free_energy,
            "entropy": r.entropy, "m": m, "q": q,
            "radius_magnetic": s.magnetic, "radius_spin_glass": s.spin_glass,
            "energy_population": pe, "energy_population_err": pee,
            "free_energy_population": pf,
        }));
    }
    let mut summary = vec![format!(
        "BP on {label}, h = {}: converged at {ok} of {} temperatures",
        a.field,
        temps.len()
    )];
    let c = a.degree as f64;
    let theory = match a.couplings {
        _ if !generated => None,
        LawArg::Ferro => bethe::ferromagnet_tc(c, 1.0, true).ok(),
        LawArg::Pm => bethe::spin_glass_tc(c, bethe::Couplings::PlusMinus(1.0), true).ok(),
        LawArg::Gaussian => bethe::spin_glass_tc(c, bethe::Couplings::Gaussian(1.0), true).ok(),
    };
    let mut tc_json = serde_json::Value::Null;
    let mut energy_plot = Plot::new(format!("BP on {label}"), "temperature T", "per spin")
        .with(Series::new("energy", temps.clone(), e, Style::LinePoints))
        .with(Series::new(
            "free energy",
            temps.clone(),
            f,
            Style::LinePoints,
        ));
    if a.field == 0.0 {
        let tr = stability::paramagnetic_transition(
            &graph,
            model.fields(),
            0.05,
            (4.0 * c).max(10.0),
            &sopts,
        )?;
        if let Some(tc) = tr.t_c() {
            summary.push(format!(
                "paramagnet unstable below T = {tc:.4} (magnetic {:?}, spin glass {:?}); Bethe formula {}",
                tr.magnetic,
                tr.spin_glass,
                theory.map_or("n/a".into(), |x| format!("{x:.4}"))
            ));
            energy_plot = energy_plot.vline(tc, "T_c (linearized BP)");
        }
        tc_json = serde_json::json!({
            "magnetic": tr.magnetic, "spin_glass": tr.spin_glass, "bethe": theory,
        });
        if generated && a.instances > 1 {
            // Per graph: the temperatures where the spin-glass and magnetic radii cross 1.
            let (mut sg, mut mag) = (Vec::new(), Vec::new());
            for k in 0..a.instances {
                let m = spec.sample(k, a.instances).build()?;
                let g = MessageGraph::new(&m)?;
                let t = stability::paramagnetic_transition(
                    &g,
                    m.fields(),
                    0.05,
                    (4.0 * c).max(10.0),
                    &sopts,
                )?;
                sg.push(t.spin_glass.unwrap_or(f64::NAN));
                mag.push(t.magnetic.unwrap_or(f64::NAN));
            }
            let stats = |x: &[f64]| {
                let k = x.len() as f64;
                let mean = x.iter().sum::<f64>() / k;
                let var = x.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (k - 1.0);
                (mean, (var / k).sqrt())
            };
            let ((sm, se), (mm, me)) = (stats(&sg), stats(&mag));
            summary.push(format!(
                "over {} random graphs: spin-glass instability at T = {sm:.4} ± {se:.4} (Bethe formula {}), magnetic at T = {mm:.4} ± {me:.4}",
                a.instances,
                theory.map_or("n/a".into(), |x| format!("{x:.4}"))
            ));
            tc_json["instances"] = serde_json::json!({
                "spin_glass": sg, "mean": sm, "error": se,
                "magnetic": mag, "magnetic_mean": mm, "magnetic_error": me,
            });
        }
    }
    Ok(Output {
        summary,
        header: vec![
            "T",
            "converged",
            "iterations",
            "max_change",
            "energy",
            "free_energy",
            "entropy",
            "m",
            "q",
            "radius_magnetic",
            "radius_spin_glass",
            "energy_population",
            "energy_population_err",
            "free_energy_population",
        ],
        rows,
        json: serde_json::json!({ "points": points, "transition": tc_json }),
        plots: vec![("bp", energy_plot)],
        arrays: Vec::new(),
    })
}

/// `glassbox bp`.
pub fn run_bp(a: BpArgs) -> Result<()> {
    let out = bp_output(&a)?;
    let dir = a.out.clone().unwrap_or_else(|| PathBuf::from("runs/bp"));
    out.emit(
        &dir,
        a.overwrite,
        "bp",
        serde_json::json!({ "args": format!("{a:?}") }),
        a.seed,
    )
}

/// Model of `glassbox amp`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MeanFieldModel {
    /// Sherrington–Kirkpatrick, J_ij ~ N(0, 1/N), random fields ±h.
    #[default]
    Sk,
    /// Hopfield network with random patterns, started near pattern 0 (AMP only).
    Hopfield,
}

/// Flags of `glassbox tap` and `glassbox amp`.
#[derive(clap::Args, Clone, Debug)]
pub struct MeanFieldArgs {
    /// Model: SK (or the --graph file) or, for `amp`, the Hopfield network.
    #[arg(long, value_enum, default_value_t = MeanFieldModel::Sk)]
    pub model: MeanFieldModel,
    /// Instance file instead of a generated SK instance (weights from the file, fields ±h as
    /// for SK; the equations assume many weak couplings, on sparse files they are a heuristic).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Format of --graph.
    #[arg(long, value_enum, default_value = "gset")]
    pub format: crate::spec::FormatArg,
    /// Number of spins N of the SK instance (J_ij ~ N(0, 1/N)) or Hopfield network.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub n: usize,
    /// Hopfield: number of stored patterns p (load α = p/N).
    #[arg(long, default_value_t = 50)]
    pub patterns: usize,
    /// Hopfield: fraction of pattern 0's units flipped in the start state.
    #[arg(long, default_value_t = 0.2)]
    pub flip: f64,
    /// Field magnitude: h_i = ±h with random signs.
    #[arg(long, default_value_t = 0.3)]
    pub field: f64,
    /// Temperatures (default: 12 values from 1.2 to 3; Hopfield: 0.05 to 0.5).
    #[arg(long, short = 'T', value_delimiter = ',')]
    pub temperatures: Vec<f64>,
    /// Largest number of iterations.
    #[arg(long, default_value_t = 500)]
    pub max_iterations: usize,
    /// Damping of the TAP iteration.
    #[arg(long, default_value_t = 0.5)]
    pub damping: f64,
    /// Check the magnetizations site by site against Monte Carlo: measured sweeps per chain
    /// (0: no check). Adds χ²/N = (1/N) Σ_i ((m_i − m_i^MC)/σ_i)² of this method and of naive
    /// mean field to the table, the per-site m^MC ± σ_i to results.json and a scatter plot.
    #[arg(long, value_name = "SWEEPS", default_value_t = 0)]
    pub monte_carlo: u64,
    /// Independent Monte Carlo chains for --monte-carlo (σ_i from their spread; at least 6).
    #[arg(long, default_value_t = 16)]
    pub chains: usize,
    /// Output folder (default `runs/tap` or `runs/amp`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Seed of the instance (and of the Monte Carlo chains).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The `tap` (`amp == false`) or `amp` table and plot.
pub fn mean_field_output(a: &MeanFieldArgs, amp: bool) -> Result<Output> {
    if a.model == MeanFieldModel::Hopfield {
        anyhow::ensure!(amp, "--model hopfield is available for `amp` only");
        anyhow::ensure!(a.graph.is_none(), "--model hopfield does not read --graph");
        anyhow::ensure!(
            a.monte_carlo == 0,
            "--monte-carlo is available for SK and --graph instances only"
        );
        return hopfield_output(a);
    }
    let temps = default_temperatures(1.2, 3.0, 12, &a.temperatures);
    check_temperatures(&temps)?;
    anyhow::ensure!(a.field.is_finite(), "--field must be finite");
    // Field signs from a SplitMix64 hash of (seed, i): no generator needed in the CLI.
    let sign = |i: u64| {
        let mut z =
            a.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_add(0x632B_E59B_D9B4_E019);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        if (z ^ (z >> 31)) >> 63 == 1 {
            1.0
        } else {
            -1.0
        }
    };
    let model = match &a.graph {
        Some(path) => {
            let file = file_spec(path, a.format, 0.0, a.seed).build()?;
            let fields = (0..file.n() as u64).map(|i| sign(i) * a.field).collect();
            glassbox::model::Ising::new(file.couplings().clone(), fields)?
        }
        None => ModelSpec {
            graph: GraphSpec::Complete { n: a.n },
            couplings: Some(CouplingLaw::Gaussian {
                mean: 0.0,
                std: 1.0,
            }),
            field: FieldSpec::PerSite((0..a.n as u64).map(|i| sign(i) * a.field).collect()),
            seed: a.seed,
        }
        .build()?,
    };
    let instance = match &a.graph {
        Some(p) => format!("{}, N = {}", p.display(), model.n()),
        None => format!("an SK instance, N = {}", a.n),
    };
    let v = tap::coupling_variance(&model);
    let name = if amp { "AMP" } else { "TAP" };
    let (mut qs, mut qse, mut rows, mut points) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut ok = 0usize;
    let mut scatter: Option<(f64, Vec<f64>, McCheck)> = None;
    let mut mc_summary = Vec::new();
    for &t in &temps {
        let beta = 1.0 / t;
        let r = if amp {
            tap::amp(&model, beta, a.max_iterations, 1e-9)?
        } else {
            tap::tap(
                &model,
                beta,
                &TapOptions {
                    damping: a.damping,
                    max_iterations: a.max_iterations,
                    ..TapOptions::default()
                },
            )?
        };
        let se = *tap::state_evolution(beta, model.fields(), v, 1000)?
            .last()
            .expect("state evolution has entries");
        let q = *r.overlaps.last().expect("overlaps have entries");
        ok += r.converged as usize;
        qs.push(q);
        qse.push(se);
        let mut row = vec![
            t.to_string(),
            r.converged.to_string(),
            r.iterations.to_string(),
            format!("{:.3e}", r.max_change),
            q.to_string(),
            se.to_string(),
            r.free_energy.to_string(),
        ];
        let mut point = serde_json::json!({
            "T": t, "converged": r.converged, "iterations": r.iterations,
            "max_change": r.max_change, "q": q, "q_state_evolution": se,
            "free_energy_tap": r.free_energy, "overlaps": r.overlaps,
        });
        if a.monte_carlo > 0 {
            let c = monte_carlo_check(&model, beta, &r.magnetizations, a)?;
            row.extend([
                c.method.per_site.to_string(),
                c.method.expected.to_string(),
                c.method.sd.to_string(),
                c.method.rms.to_string(),
                c.naive.per_site.to_string(),
                c.naive.rms.to_string(),
            ]);
            mc_summary.push(format!(
                "T = {t}: χ²/N vs Monte Carlo ({} chains × {} sweeps) {name} {:.3}, naive mean field {:.1} (exact prediction: {:.3} ± {:.3}); rms m − m_MC {name} {:.4}, naive {:.4}",
                a.chains,
                a.monte_carlo,
                c.method.per_site,
                c.naive.per_site,
                c.method.expected,
                c.method.sd,
                c.method.rms,
                c.naive.rms,
            ));
            point["monte_carlo"] = serde_json::json!({
                "chains": a.chains, "sweeps": a.monte_carlo,
                "chi2": c.method, "chi2_naive_mean_field": c.naive,
                "m": r.magnetizations, "m_naive_mean_field": c.naive_m,
                "m_mc": c.mc.mean, "m_mc_error": c.mc.error,
            });
            if scatter.is_none() {
                scatter = Some((t, r.magnetizations.clone(), c));
            }
        }
        rows.push(row);
        points.push(point);
    }
    let plot = Plot::new(
        format!("{name} on {instance}, h = ±{}", a.field),
        "temperature T",
        "overlap q = |m|²/N",
    )
    .with(Series::new(name, temps.clone(), qs, Style::Points))
    .with(Series::new(
        "state evolution (RS, N → ∞)",
        temps.clone(),
        qse,
        Style::Dashed,
    ))
    .vline(1.0, "T = 1 (h = 0 transition)");
    let mut summary = vec![format!(
        "{name} on {instance}, fields ±{}: converged at {ok} of {} temperatures",
        a.field,
        temps.len()
    )];
    summary.extend(mc_summary);
    let mut header = vec![
        "T",
        "converged",
        "iterations",
        "max_change",
        "q",
        "q_state_evolution",
        "free_energy_tap",
    ];
    let mut plots = vec![(if amp { "amp" } else { "tap" }, plot)];
    if let Some((t, m, c)) = scatter {
        let (naive, mc, err) = (c.naive_m, c.mc.mean, c.mc.error);
        header.extend([
            "chi2_per_site",
            "chi2_expected",
            "chi2_sd",
            "rms_vs_mc",
            "chi2_naive_mean_field",
            "rms_naive_vs_mc",
        ]);
        let diagonal = vec![-1.0, 1.0];
        plots.push((
            "sites_vs_monte_carlo",
            Plot::new(
                format!("site magnetizations on {instance}, T = {t}"),
                "m_i (mean-field prediction)",
                "m_i Monte Carlo ± σ_i",
            )
            .with(Series::new(name, m, mc.clone(), Style::Points).with_yerr(err))
            .with(Series::new("naive mean field", naive, mc, Style::Points))
            .with(Series::new(
                "m = m_MC",
                diagonal.clone(),
                diagonal,
                Style::Dashed,
            )),
        ));
    }
    Ok(Output {
        summary,
        header,
        rows,
        json: serde_json::json!({ "method": name, "points": points }),
        plots,
        arrays: Vec::new(),
    })
}

/// The site-resolved Monte Carlo check of one temperature.
struct McCheck {
    mc: glassbox::cavity::sites::SiteMagnetizations,
    method: glassbox::cavity::sites::ChiSquare,
    naive: glassbox::cavity::sites::ChiSquare,
    naive_m: Vec<f64>,
}

/// Monte Carlo site magnetizations at β (`a.chains` chains of `a.monte_carlo` sweeps, after
/// max(100, sweeps/10) thermalization sweeps) and χ²/N of `m` and of naive mean field.
fn monte_carlo_check(
    model: &glassbox::model::Ising,
    beta: f64,
    m: &[f64],
    a: &MeanFieldArgs,
) -> Result<McCheck> {
    use glassbox::cavity::sites;
    let mc = sites::magnetizations(
        model,
        &sites::SiteOptions {
            beta,
            replicas: a.chains,
            thermalization: (a.monte_carlo / 10).max(100),
            sweeps: a.monte_carlo,
            seed: a.seed,
        },
    )?;
    let naive = tap::tap(
        model,
        beta,
        &TapOptions {
            damping: a.damping,
            max_iterations: a.max_iterations,
            onsager: false,
            ..TapOptions::default()
        },
    )?;
    Ok(McCheck {
        method: sites::chi_square(m, &mc)?,
        naive: sites::chi_square(&naive.magnetizations, &mc)?,
        naive_m: naive.magnetizations,
        mc,
    })
}

/// `glassbox amp --model hopfield`: AMP on a Hopfield network from a corrupted pattern at each
/// temperature, with its state evolution and the AGS retrieval state.
fn hopfield_output(a: &MeanFieldArgs) -> Result<Output> {
    use glassbox::cavity::hopfield;
    use glassbox::memory::{dynamics::corrupt, Patterns};
    use glassbox::rng::Streams;
    let temps = default_temperatures(0.05, 0.5, 10, &a.temperatures);
    check_temperatures(&temps)?;
    anyhow::ensure!(a.patterns >= 1, "--patterns must be at least 1");
    anyhow::ensure!(
        (0.0..=0.5).contains(&a.flip),
        "--flip must be in [0, 0.5], got {}",
        a.flip
    );
    let streams = Streams::new(a.seed);
    let patterns = Patterns::random(a.n, a.patterns, 0.0, &streams)?;
    let flips = (a.flip * a.n as f64).round() as usize;
    let s0 = corrupt(
        patterns.pattern(0),
        flips,
        &mut streams.stream(&[glassbox::rng::purpose::INITIAL_STATE, 0]),
    )?;
    let start: Vec<f64> = s0.iter().map(|&x| x as f64).collect();
    let (mut rows, mut points) = (Vec::new(), Vec::new());
    let (mut m_amp, mut m_se, mut m_ags) = (Vec::new(), Vec::new(), Vec::new());
    let mut trajectory: Option<(f64, Vec<f64>, Vec<f64>)> = None;
    let mut ok = 0usize;
    let alpha = (a.patterns - 1) as f64 / a.n as f64;
    for &t in &temps {
        let beta = 1.0 / t;
        let r = hopfield::amp(&patterns, beta, &start, 0, a.max_iterations, 1e-9);
        let ags = glassbox::theory::hopfield::ags(alpha.max(1e-12), beta, 1.0)
            .map(|s| s.m)
            .unwrap_or(f64::NAN);
        let (m, q, its, conv, note) = match &r {
            Ok(r) => (
                *r.mattis.last().expect("entries"),
                *r.overlaps.last().expect("entries"),
                r.iterations,
                r.converged,
                String::new(),
            ),
            Err(e) => (f64::NAN, f64::NAN, 0, false, e.to_string()),
        };
        let steps = r.as_ref().map_or(a.max_iterations, |r| r.iterations);
        let se =
            hopfield::state_evolution(alpha, beta, start_mattis(&patterns, &start), 1.0, steps);
        let (ms, qs) = se.as_ref().map_or((f64::NAN, f64::NAN), |e| {
            (
                *e.mattis.last().expect("entries"),
                *e.overlaps.last().expect("entries"),
            )
        });
        if let (Ok(r), Ok(e), None) = (&r, &se, &trajectory) {
            if r.converged {
                trajectory = Some((t, r.mattis.clone(), e.mattis.clone()));
            }
        }
        ok += conv as usize;
        m_amp.push(m);
        m_se.push(ms);
        m_ags.push(ags);
        rows.push(vec![
            t.to_string(),
            conv.to_string(),
            its.to_string(),
            m.to_string(),
            ms.to_string(),
            q.to_string(),
            qs.to_string(),
            ags.to_string(),
        ]);
        points.push(serde_json::json!({
            "T": t, "converged": conv, "iterations": its, "M": m, "M_state_evolution": ms,
            "q": q, "q_state_evolution": qs, "M_ags": ags, "error": note,
            "mattis": r.as_ref().map(|r| r.mattis.clone()).unwrap_or_default(),
            "mattis_state_evolution": se.as_ref().map(|e| e.mattis.clone()).unwrap_or_default(),
        }));
    }
    let mut plots = vec![(
        "amp",
        Plot::new(
            format!(
                "Hopfield AMP, N = {}, α = {alpha:.3}, start: {:.0}% of pattern 0 flipped",
                a.n,
                100.0 * a.flip
            ),
            "temperature T",
            "Mattis overlap M",
        )
        .with(Series::new(
            "AMP fixed point",
            temps.clone(),
            m_amp,
            Style::Points,
        ))
        .with(Series::new(
            "state evolution",
            temps.clone(),
            m_se,
            Style::Dashed,
        ))
        .with(Series::new(
            "AGS retrieval state",
            temps.clone(),
            m_ags,
            Style::Line,
        )),
    )];
    if let Some((t, am, sm)) = trajectory {
        let ts: Vec<f64> = (0..am.len()).map(|k| k as f64).collect();
        plots.push((
            "amp_trajectory",
            Plot::new(
                format!("Hopfield AMP iterates at T = {t}"),
                "iteration t",
                "Mattis overlap M_t",
            )
            .with(Series::new("AMP", ts.clone(), am, Style::Points))
            .with(Series::new("state evolution", ts, sm, Style::Dashed)),
        ));
    }
    Ok(Output {
        summary: vec![format!(
            "AMP on a Hopfield network, N = {}, p = {} (α = {alpha:.4} uncondensed), {flips} units of pattern 0 flipped: converged at {ok} of {} temperatures (the others left the region β(1 − q) < 1)",
            a.n,
            a.patterns,
            temps.len()
        )],
        header: vec![
            "T",
            "converged",
            "iterations",
            "M",
            "M_state_evolution",
            "q",
            "q_state_evolution",
            "M_ags",
        ],
        rows,
        json: serde_json::json!({ "method": "AMP", "model": "hopfield", "alpha": alpha, "points": points }),
        plots,
        arrays: Vec::new(),
    })
}

fn start_mattis(patterns: &glassbox::memory::Patterns, m: &[f64]) -> f64 {
    m.iter()
        .zip(patterns.pattern(0))
        .map(|(a, &x)| a * x as f64)
        .sum::<f64>()
        / m.len() as f64
}

/// `glassbox tap` / `glassbox amp`.
pub fn run_mean_field(a: MeanFieldArgs, amp: bool) -> Result<()> {
    let out = mean_field_output(&a, amp)?;
    let name = if amp { "amp" } else { "tap" };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{name}")));
    out.emit(
        &dir,
        a.overwrite,
        name,
        serde_json::json!({ "args": format!("{a:?}") }),
        a.seed,
    )
}

/// Flags of `glassbox maxsum`.
#[derive(clap::Args, Debug)]
pub struct MaxSumArgs {
    /// Instance file instead of generated random regular graphs (weights from the file;
    /// --n, --degree, --couplings and --samples are then ignored).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Format of --graph.
    #[arg(long, value_enum, default_value = "gset")]
    pub format: crate::spec::FormatArg,
    /// Number of spins N.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub n: usize,
    /// Degree c of the random regular graph.
    #[arg(long, short = 'c', default_value_t = 3)]
    pub degree: usize,
    /// Coupling law.
    #[arg(long, value_enum, default_value_t = LawArg::Gaussian)]
    pub couplings: LawArg,
    /// Uniform external field h.
    #[arg(long, default_value_t = 0.0)]
    pub field: f64,
    /// Disorder samples (instances).
    #[arg(long, default_value_t = 4)]
    pub samples: usize,
    /// Fraction of free spins clamped per decimation round.
    #[arg(long, default_value_t = 0.02)]
    pub fraction: f64,
    /// Sweeps of simulated annealing per read for the comparison (0 skips it).
    #[arg(long, default_value_t = 2000)]
    pub anneal_sweeps: u64,
    /// Output folder (default `runs/maxsum`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run only shard K of N of the samples (a contiguous slice; K = 1…N), for batch
    /// schedulers; combine the N shard folders with `glassbox merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::ensemble::Shard>,
}

/// What `glassbox maxsum` was asked to run, written to `spec.toml`.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MaxSumSpec {
    /// Master seed.
    pub seed: u64,
    /// Disorder samples.
    pub samples: usize,
    /// The model (sample i draws its disorder from the seed and i).
    pub model: ModelSpec,
    /// Fraction of free spins clamped per decimation round.
    pub fraction: f64,
    /// Sweeps of simulated annealing per read for the comparison (0: none).
    pub anneal_sweeps: u64,
}

impl crate::ensemble::EnsembleSpec for MaxSumSpec {
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

impl MaxSumArgs {
    fn spec(&self) -> Result<MaxSumSpec> {
        anyhow::ensure!(self.samples >= 1, "--samples must be at least 1");
        let (model, samples) = match &self.graph {
            Some(path) => (file_spec(path, self.format, self.field, self.seed), 1),
            None => (
                ModelSpec {
                    graph: GraphSpec::RandomRegular {
                        n: self.n,
                        degree: self.degree,
                    },
                    couplings: Some(coupling_law(self.couplings)),
                    field: FieldSpec::Uniform(self.field),
                    seed: self.seed,
                },
                self.samples,
            ),
        };
        Ok(MaxSumSpec {
            seed: self.seed,
            samples,
            model,
            fraction: self.fraction,
            anneal_sweeps: self.anneal_sweeps,
        })
    }
}

/// The results of one `maxsum` sample (energies per spin).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct MaxSumPart {
    /// Energy of the max-sum configuration.
    pub energy_maxsum: f64,
    /// Decimation rounds.
    pub rounds: usize,
    /// Whether max-sum converged before any decimation.
    pub converged_without_decimation: bool,
    /// Best energy of simulated annealing (`None` when skipped).
    pub energy_anneal: Option<f64>,
}

/// A `glassbox maxsum` ensemble: its spec and sample 0.
pub struct MaxSumEnsemble {
    spec: MaxSumSpec,
    model0: glassbox::model::Ising,
}

/// A `maxsum` sample's run: sample `sample`, its outcome once solved (the error of a sample
/// is reported when the results are written).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct MaxSumState {
    sample: usize,
    outcome: Option<std::result::Result<MaxSumPart, String>>,
}

impl MaxSumEnsemble {
    /// Max-sum with decimation and the annealing comparison on sample `k`.
    fn solve(&self, k: usize, model: &glassbox::model::Ising) -> Result<MaxSumPart> {
        use glassbox::cavity::maxsum::{self, MaxSumOptions};
        use glassbox::mc::anneal::{
            anneal, AnnealConfig, Schedule as AnnealSchedule, ScheduleKind,
        };
        let n = model.n() as f64;
        let r = maxsum::ground_state(
            model,
            &MaxSumOptions {
                fraction: self.spec.fraction,
                ..MaxSumOptions::default()
            },
        )?;
        let energy_anneal = if self.spec.anneal_sweeps > 0 {
            let res = anneal(
                model,
                &AnnealConfig {
                    schedule: AnnealSchedule::default_for(model, ScheduleKind::Geometric)?,
                    sweeps: self.spec.anneal_sweeps,
                    reads: 8,
                    rule: glassbox::mc::Rule::Metropolis,
                    order: glassbox::mc::Order::Sequential,
                    trace_every: self.spec.anneal_sweeps,
                    seed: self.spec.seed.wrapping_add(k as u64),
                    kernel: glassbox::mc::Kernel::Auto,
                },
            )?;
            Some(res.best().best_energy / n)
        } else {
            None
        };
        Ok(MaxSumPart {
            energy_maxsum: r.energy / n,
            rounds: r.rounds,
            converged_without_decimation: r.converged_without_decimation,
            energy_anneal,
        })
    }

    /// The `maxsum` table of the samples' results.
    fn output(&self, parts: &[MaxSumPart]) -> Output {
        let (mut rows, mut points) = (Vec::new(), Vec::new());
        let (mut sum_ms, mut sum_sa) = (0.0, 0.0);
        for (k, p) in parts.iter().enumerate() {
            let sa = p.energy_anneal.unwrap_or(f64::NAN);
            sum_ms += p.energy_maxsum;
            sum_sa += sa;
            rows.push(vec![
                k.to_string(),
                p.energy_maxsum.to_string(),
                p.rounds.to_string(),
                p.converged_without_decimation.to_string(),
                sa.to_string(),
            ]);
            points.push(serde_json::json!({
                "sample": k, "energy_maxsum": p.energy_maxsum, "rounds": p.rounds,
                "converged_without_decimation": p.converged_without_decimation,
                "energy_anneal": sa,
            }));
        }
        let s = parts.len() as f64;
        let instance = match &self.spec.model.graph {
            GraphSpec::File { path, .. } => path.display().to_string(),
            _ => self.spec.model.describe(),
        };
        Output {
            summary: vec![format!(
                "max-sum with decimation on {instance}{}: mean e = {:.5}; simulated annealing (8 reads × {} sweeps) {:.5}",
                if parts.len() > 1 {
                    format!(", {} samples", parts.len())
                } else {
                    String::new()
                },
                sum_ms / s,
                self.spec.anneal_sweeps,
                sum_sa / s
            )],
            header: vec![
                "sample",
                "energy_maxsum",
                "rounds",
                "converged_without_decimation",
                "energy_anneal",
            ],
            rows,
            json: serde_json::json!({ "points": points }),
            plots: vec![],
            arrays: Vec::new(),
        }
    }
}

impl crate::ensemble::Ensemble for MaxSumEnsemble {
    type Spec = MaxSumSpec;
    type State = MaxSumState;
    type Part = std::result::Result<MaxSumPart, String>;

    fn new(spec: MaxSumSpec) -> Result<Self> {
        anyhow::ensure!(spec.samples >= 1, "--samples must be at least 1");
        anyhow::ensure!(
            spec.fraction > 0.0 && spec.fraction <= 1.0,
            "--fraction must be in (0, 1], got {}",
            spec.fraction
        );
        let model0 = spec.model.sample(0, spec.samples).build()?;
        MessageGraph::new(&model0)?;
        Ok(Self { spec, model0 })
    }
    fn command(&self) -> &'static str {
        "maxsum"
    }
    fn spec(&self) -> &MaxSumSpec {
        &self.spec
    }
    fn model0(&self) -> &glassbox::model::Ising {
        &self.model0
    }
    fn start(&self, i: usize, _: &glassbox::model::Ising) -> Result<MaxSumState> {
        Ok(MaxSumState {
            sample: i,
            outcome: None,
        })
    }
    fn matches(&self, i: usize, state: &MaxSumState) -> bool {
        state.sample == i
    }
    fn advance(&self, state: &mut MaxSumState, model: &glassbox::model::Ising) {
        if state.outcome.is_none() {
            state.outcome = Some(
                self.solve(state.sample, model)
                    .map_err(|e| format!("sample {}: {e:#}", state.sample)),
            );
        }
    }
    fn progress(&self, state: &MaxSumState) -> (bool, u64) {
        let done = state.outcome.is_some();
        (done, u64::from(done))
    }
    fn total(&self, _: &MaxSumState) -> u64 {
        1
    }
    fn part(&self, state: &MaxSumState, _: &glassbox::model::Ising) -> Self::Part {
        state.outcome.clone().expect("a finished sample")
    }
    fn finish(
        &self,
        folder: &RunFolder,
        out: &std::path::Path,
        parts: Vec<Self::Part>,
    ) -> Result<()> {
        let parts = parts
            .into_iter()
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(anyhow::Error::msg)?;
        let table = self.output(&parts);
        table.write_into(folder)?;
        table.print(out);
        Ok(())
    }
}

/// `glassbox maxsum`.
pub fn run_maxsum(a: MaxSumArgs) -> Result<()> {
    use crate::ensemble::Ensemble;
    let spec = a.spec()?;
    if let Some(shard) = a.shard {
        shard.range(spec.samples)?;
    }
    let e = MaxSumEnsemble::new(spec)?;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs/maxsum"));
    let folder = RunFolder::create(&dir, a.overwrite)?;
    folder.write_atomic("spec.toml", e.spec_toml()?.as_bytes())?;
    crate::ensemble::run_main(&e, a.shard, &folder, &dir, false, 30.0)
}

/// Flags of `glassbox cavity-field`.
#[derive(clap::Args, Debug)]
pub struct CavityFieldArgs {
    /// Number of spins N of the SK system before removing spin 0 (the cavity system has N − 1).
    #[arg(long, short = 'n', default_value_t = 400)]
    pub n: usize,
    /// Temperature (RS is exact for T > 1, or above the AT line).
    #[arg(long, short = 'T', default_value_t = 1.5)]
    pub temperature: f64,
    /// Uniform field h on the cavity system (breaks the ± symmetry so that m_j are one state's).
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true)]
    pub field: f64,
    /// Metropolis sweeps discarded.
    #[arg(long, default_value_t = 1000)]
    pub thermalization: u64,
    /// Measured sweeps.
    #[arg(long, default_value_t = 20_000)]
    pub sweeps: u64,
    /// Draws of the removed spin's couplings J_0.
    #[arg(long, default_value_t = 4000)]
    pub draws: usize,
    /// Output folder (default `runs/cavity-field`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Seed of the instance, the couplings of spin 0 and the Monte Carlo.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A normalized histogram (bin centres, densities) of `x` over `bins` bins.
fn histogram(x: &[f64], bins: usize) -> (Vec<f64>, Vec<f64>) {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w = ((hi - lo) / bins as f64).max(1e-12);
    let mut counts = vec![0.0; bins];
    for &v in x {
        counts[(((v - lo) / w) as usize).min(bins - 1)] += 1.0;
    }
    let total = x.len() as f64 * w;
    (
        (0..bins).map(|k| lo + (k as f64 + 0.5) * w).collect(),
        counts.iter().map(|c| c / total).collect(),
    )
}

fn gaussian_curve(mean: f64, var: f64, lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let xs = crate::table::linspace(lo, hi, 200);
    let ys = xs
        .iter()
        .map(|x| {
            (-(x - mean).powi(2) / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt()
        })
        .collect();
    (xs, ys)
}

/// The `cavity-field` table and histograms.
pub fn cavity_field_output(a: &CavityFieldArgs) -> Result<Output> {
    use glassbox::cavity::field::{self, CavityFieldOptions};
    check_temperatures(&[a.temperature])?;
    anyhow::ensure!(a.n >= 3, "-n must be at least 3");
    anyhow::ensure!(a.field.is_finite(), "--field must be finite");
    let system = ModelSpec {
        graph: GraphSpec::Complete { n: a.n - 1 },
        couplings: Some(CouplingLaw::Gaussian {
            mean: 0.0,
            std: 1.0,
        }),
        field: FieldSpec::Uniform(a.field),
        seed: a.seed,
    }
    .build()?;
    let beta = 1.0 / a.temperature;
    let r = field::measure(
        &system,
        &CavityFieldOptions {
            beta,
            thermalization: a.thermalization,
            sweeps: a.sweeps,
            draws: a.draws,
            seed: a.seed,
        },
    )?;
    let q = glassbox::theory::sk::rs_q(beta, a.field)?;
    let k = r.mean_fields.len();
    let ks = field::ks_normal(&r.mean_fields, 0.0, q.sqrt().max(1e-12))?;
    let (v, tv, tm) = (r.mean_field_variance, r.thermal_variance, r.thermal_mean);
    let rows = vec![
        vec![
            "q (Monte Carlo m_j)".into(),
            r.q.to_string(),
            String::new(),
            q.to_string(),
        ],
        vec![
            "variance of h̃ over J_0 draws".into(),
            v.mean.to_string(),
            v.error.to_string(),
            q.to_string(),
        ],
        vec![
            "KS distance of h̃ to N(0, q_RS)".into(),
            ks.to_string(),
            String::new(),
            format!("< {} (5% level)", 1.36 / (k as f64).sqrt()),
        ],
        vec![
            format!(
                "thermal variance of h_0 (mean of {} draws)",
                field::THERMAL_DRAWS.min(k)
            ),
            tv.mean.to_string(),
            tv.error.to_string(),
            (1.0 - q).to_string(),
        ],
    ];
    let sd = q.sqrt().max(1e-3);
    let (hx, hy) = histogram(&r.mean_fields, 40);
    let (gx, gy) = gaussian_curve(0.0, q.max(1e-6), -4.5 * sd, 4.5 * sd);
    let mean_plot = Plot::new(
        format!(
            "SK cavity field, N = {}, T = {}, h = {}: h̃ = Σ_j J_0j m_j over {k} draws of J_0",
            a.n, a.temperature, a.field
        ),
        "mean cavity field h̃",
        "density",
    )
    .with(Series::new("Monte Carlo", hx, hy, Style::Points))
    .with(Series::new(
        format!("RS: Gaussian of variance q = {q:.4}"),
        gx,
        gy,
        Style::Line,
    ));
    let h0 = r.mean_fields[0];
    let tsd = (1.0 - q).max(1e-6).sqrt();
    let (tx, ty) = histogram(&r.thermal, 40);
    let (ux, uy) = gaussian_curve(h0, 1.0 - q, h0 - 4.5 * tsd, h0 + 4.5 * tsd);
    let thermal_plot = Plot::new(
        "thermal distribution of h_0 = Σ_j J_0j s_j (one draw of J_0)",
        "cavity field h_0",
        "density",
    )
    .with(Series::new("Monte Carlo", tx, ty, Style::Points))
    .with(Series::new(
        "Gaussian, mean h̃, variance 1 − q_RS",
        ux,
        uy,
        Style::Line,
    ));
    Ok(Output {
        summary: vec![
            format!(
                "cavity field of a spin removed from SK, N = {}, T = {}, h = {}: var h̃ = {:.4} ± {:.4} (RS q = {q:.4}), KS = {ks:.4} over {k} draws; thermal variance {:.4} ± {:.4} (1 − q = {:.4})",
                a.n, a.temperature, a.field, v.mean, v.error, tv.mean, tv.error, 1.0 - q
            ),
        ],
        header: vec!["quantity", "measured", "error", "rs_prediction"],
        rows,
        json: serde_json::json!({
            "q_rs": q, "q_mc": r.q, "ks": ks, "draws": k,
            "mean_field_variance": v, "thermal_variance": tv, "thermal_mean": tm,
            "mean_fields": r.mean_fields,
        }),
        plots: vec![("cavity_field", mean_plot), ("cavity_field_thermal", thermal_plot)],
        arrays: Vec::new(),
    })
}

/// `glassbox cavity-field`.
pub fn run_cavity_field(a: CavityFieldArgs) -> Result<()> {
    let out = cavity_field_output(&a)?;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs/cavity-field"));
    out.emit(
        &dir,
        a.overwrite,
        "cavity-field",
        serde_json::json!({ "args": format!("{a:?}") }),
        a.seed,
    )
}
