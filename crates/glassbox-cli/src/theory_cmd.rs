//! `glassbox theory`: the mean-field predictions (replica theory of the SK model, the AGS theory
//! of the Hopfield network, Gardner's perceptron capacity and learning curves), printed and
//! written to a run folder with plots.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use glassbox::theory::replica_trick::ReplicaTrick;
use glassbox::theory::{gardner, hopfield, rsb, sk};

use crate::plot::{Plot, Series, Style};
use crate::table::{cells, linspace, Output};

/// Flags of `glassbox theory`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub topic: Topic,
    /// Output folder (default `runs/theory-<topic>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
}

/// What to solve.
#[derive(Subcommand, Debug)]
pub enum Topic {
    /// SK replica-symmetric solution q, f, e, s, χ at each temperature and field, with the
    /// de Almeida–Thouless stability eigenvalue.
    Sk {
        /// Temperatures.
        #[arg(long, short = 'T', value_delimiter = ',', allow_hyphen_values = true, default_values_t = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0])]
        temperatures: Vec<f64>,
        /// Uniform field h.
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        field: f64,
    },
    /// The de Almeida–Thouless line h_AT(T): replica symmetry is unstable below it.
    AtLine {
        /// Number of temperatures between 0.05 and 1.
        #[arg(long, default_value_t = 40)]
        points: usize,
    },
    /// Hopfield network (Amit–Gutfreund–Sompolinsky): capacity α_c, T = 0 retrieval overlap
    /// m(α), and the T–α phase diagram (T_g, T_M, T_c).
    Hopfield {
        /// Number of α values on the phase diagram.
        #[arg(long, default_value_t = 30)]
        points: usize,
    },
    /// The replica trick made concrete: ln⟨Z^n⟩/(nN) for integer n from exact enumeration of
    /// small SK samples, extrapolated to n → 0 and compared with the quenched ⟨ln Z⟩/N.
    ReplicaTrick {
        /// Spins per sample (≤ 20).
        #[arg(long, default_value_t = 12)]
        n: usize,
        /// Temperature.
        #[arg(long, short = 'T', default_value_t = 0.5, allow_hyphen_values = true)]
        temperature: f64,
        /// Disorder samples.
        #[arg(long, default_value_t = 1000)]
        samples: usize,
        /// Largest replica number.
        #[arg(long, default_value_t = 3)]
        max_n: usize,
        /// Disorder seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// SK replica-symmetry breaking: k-step RSB ground-state energies k = 1..K, and the
    /// full-RSB (Parisi) order parameter q(x) and free energy at each temperature (many-step
    /// Parisi functional; T = 0 in the scaled form, where x_max is μ = βm of the last step).
    Parisi {
        /// Temperatures (0 allowed: the ground state).
        #[arg(long, short = 'T', value_delimiter = ',', allow_hyphen_values = true, default_values_t = [0.3, 0.5, 0.8])]
        temperatures: Vec<f64>,
        /// Steps of the many-step Parisi solution at T > 0 (2..=32; at T = 0 at most 12 are used and
        /// the energy is extrapolated in the number of steps).
        #[arg(long, default_value_t = 20)]
        steps: usize,
        /// Largest k of the k-step RSB ground-state table.
        #[arg(long, default_value_t = 4)]
        kmax: usize,
    },
    /// Spherical p-spin glass: T_d, T_s, threshold and 1RSB ground-state energies.
    Pspin {
        /// Interaction orders p.
        #[arg(long, short = 'p', value_delimiter = ',', default_values_t = [3, 4, 5])]
        p: Vec<usize>,
    },
    /// Critical temperatures on random regular (Bethe) and Erdős–Rényi graphs.
    Bethe {
        /// Degrees (regular) or mean degrees (Erdős–Rényi).
        #[arg(long, value_delimiter = ',', default_values_t = [3.0, 4.0, 6.0, 10.0])]
        degrees: Vec<f64>,
    },
    /// Double descent: min-norm and ridge least-squares risk vs γ = p/n (HMRT) and the
    /// random-features risk vs N/d (Mei–Montanari), with a least-squares simulation check.
    DoubleDescent {
        /// Signal power r² = ‖β‖².
        #[arg(long, default_value_t = 1.0)]
        r2: f64,
        /// Noise variance σ².
        #[arg(long, default_value_t = 0.25)]
        sigma2: f64,
        /// Samples n of the simulation (0: no simulation).
        #[arg(long, default_value_t = 200)]
        n: usize,
        /// Simulation trials per point.
        #[arg(long, default_value_t = 20)]
        trials: usize,
    },
    /// Perceptron capacity α_c(κ) (Gardner) and teacher–student learning curves ε(α).
    Gardner {
        /// Largest margin κ on the capacity curve.
        #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
        kappa_max: f64,
    },
}

impl Topic {
    fn name(&self) -> &'static str {
        match self {
            Topic::Sk { .. } => "sk",
            Topic::AtLine { .. } => "at-line",
            Topic::Hopfield { .. } => "hopfield",
            Topic::Gardner { .. } => "gardner",
            Topic::ReplicaTrick { .. } => "replica-trick",
            Topic::Parisi { .. } => "parisi",
            Topic::Pspin { .. } => "pspin",
            Topic::Bethe { .. } => "bethe",
            Topic::DoubleDescent { .. } => "double-descent",
        }
    }
}

/// SK replica-symmetric thermodynamics at each temperature.
pub fn sk_table(temperatures: &[f64], field: f64) -> Result<Output> {
    if let Some(t) = temperatures.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        anyhow::bail!("temperature must be finite and positive, got {t}");
    }
    let sols = temperatures
        .iter()
        .map(|t| sk::rs(1.0 / t, field))
        .collect::<glassbox::Result<Vec<_>>>()?;
    let rows = sols
        .iter()
        .zip(temperatures)
        .map(|(s, t)| cells(&[*t, s.h, s.q, s.m, s.f, s.e, s.s, s.chi, s.at_lambda]))
        .collect();
    Ok(Output {
        summary: vec![format!(
            "SK replica-symmetric solution at h = {field} (RS is unstable where at_lambda > 1); \
             RS ground-state energy −√(2/π) = {:.7}, T → 0 entropy −1/(2π) = {:.7}",
            sk::rs_ground_state_energy(),
            sk::rs_zero_temperature_entropy()
        )],
        header: vec!["T", "h", "q", "m", "f", "e", "s", "chi", "at_lambda"],
        rows,
        json: serde_json::to_value(&sols)?,
        plots: vec![],
        arrays: Vec::new(),
    })
}

/// The AT line on `points` temperatures in (0, 1).
pub fn at_line(points: usize) -> Result<Output> {
    anyhow::ensure!(points >= 2, "--points must be at least 2");
    let temps = linspace(0.05, 0.98, points);
    let line = sk::at_line(&temps)?;
    let plot = Plot::new(
        "SK: de Almeida–Thouless line (replica symmetry breaks below it)",
        "temperature T",
        "field h_AT",
    )
    .with(Series::line(
        "h_AT(T)",
        line.iter().map(|p| p.t).collect(),
        line.iter().map(|p| p.h).collect(),
    ));
    Ok(Output {
        summary: vec![format!(
            "AT line from T = {:.2} (h = {:.4}) to T = {:.2} (h = {:.4}); h_AT → 0 at T_c = 1",
            line[0].t,
            line[0].h,
            line[line.len() - 1].t,
            line[line.len() - 1].h
        )],
        header: vec!["T", "h_AT"],
        rows: line.iter().map(|p| cells(&[p.t, p.h])).collect(),
        json: serde_json::to_value(&line)?,
        plots: vec![("at_line", plot)],
        arrays: Vec::new(),
    })
}

/// A line temperature for plotting: 0 (the line does not exist at this α) becomes a gap.
fn positive(t: f64) -> f64 {
    if t > 0.0 {
        t
    } else {
        f64::NAN
    }
}

/// AGS capacity, T = 0 retrieval branch and phase diagram.
pub fn hopfield_theory(points: usize) -> Result<Output> {
    anyhow::ensure!(points >= 2, "--points must be at least 2");
    let cap = hopfield::capacity()?;
    let alphas = linspace(0.005, 0.16, points);
    let phases = hopfield::phase_diagram(&alphas)?;
    let m0: Vec<f64> = alphas
        .iter()
        .map(|&a| {
            hopfield::zero_temperature_retrieval(a).map(|s| s.map(|s| s.m).unwrap_or(f64::NAN))
        })
        .collect::<glassbox::Result<_>>()?;
    let diagram = Plot::new(
        "Hopfield network: AGS phase diagram",
        "load α = p/N",
        "temperature T",
    )
    .with(Series::line(
        "T_g: spin-glass transition",
        alphas.clone(),
        phases.iter().map(|p| p.t_g).collect(),
    ))
    .with(Series::line(
        "T_M: retrieval states appear",
        alphas.clone(),
        phases.iter().map(|p| positive(p.t_m)).collect(),
    ))
    .with(Series::new(
        "T_c: retrieval is stable",
        alphas.clone(),
        phases.iter().map(|p| positive(p.t_c)).collect(),
        Style::Dashed,
    ))
    .vline(cap.alpha_c, "α_c");
    // Name each phase at a point inside it: above T_g, between T_M and T_g, between T_c and
    // T_M (retrieval states exist but are metastable), below T_c.
    let at = hopfield::phase_diagram(&[0.03, 0.13, 0.085, 0.02])?;
    let diagram = diagram
        .note(at[0].alpha, at[0].t_g + 0.12, "paramagnet")
        .note(
            at[1].alpha - 0.02,
            0.5 * (at[1].t_g + at[1].t_m.max(0.0)),
            "spin glass",
        )
        .note(at[2].alpha, 0.5 * at[2].t_m, "retrieval (metastable)")
        .note(at[3].alpha + 0.005, 0.5 * at[3].t_c, "retrieval (stable)");
    let overlap = Plot::new(
        "Hopfield network: T = 0 retrieval overlap (AGS)",
        "load α = p/N",
        "overlap m",
    )
    .with(Series::line("m(α)", alphas.clone(), m0.clone()))
    .vline(cap.alpha_c, "α_c");
    let rows = phases
        .iter()
        .zip(&m0)
        .map(|(p, m)| cells(&[p.alpha, p.t_g, p.t_m, p.t_c, *m]))
        .collect();
    Ok(Output {
        summary: vec![format!(
            "AGS capacity α_c = {:.7} (published 0.138), retrieval overlap there m_c = {:.7}",
            cap.alpha_c, cap.m_c
        )],
        header: vec!["alpha", "T_g", "T_M", "T_c", "m_T0"],
        rows,
        json: serde_json::json!({ "capacity": cap, "phase_diagram": phases, "m_T0": m0 }),
        plots: vec![("phase_diagram", diagram), ("overlap", overlap)],
        arrays: Vec::new(),
    })
}

/// Gardner capacity and learning curves.
pub fn gardner_theory(kappa_max: f64) -> Result<Output> {
    anyhow::ensure!(
        kappa_max.is_finite() && kappa_max > 0.0,
        "--kappa-max must be positive, got {kappa_max}"
    );
    let kappas = linspace(0.0, kappa_max, 41);
    let alpha_c = kappas
        .iter()
        .map(|&k| gardner::spherical_capacity(k))
        .collect::<glassbox::Result<Vec<_>>>()?;
    let alphas: Vec<f64> = (0..40).map(|k| 0.1 * 10f64.powf(k as f64 / 15.0)).collect();
    let curve = |f: fn(f64) -> glassbox::Result<gardner::LearningPoint>| {
        alphas
            .iter()
            .map(|&a| f(a).map(|p| p.epsilon))
            .collect::<glassbox::Result<Vec<f64>>>()
    };
    let (gibbs, bayes, hebb) = (
        curve(gardner::gibbs_learning)?,
        curve(gardner::bayes_learning)?,
        curve(gardner::hebb_learning)?,
    );
    let (cg, cb) = gardner::learning_asymptotes()?;
    let capacity = Plot::new(
        "Spherical perceptron: Gardner capacity",
        "margin κ",
        "capacity α_c(κ)",
    )
    .with(Series::line("α_c(κ)", kappas.clone(), alpha_c.clone()));
    let mut learning = Plot::new(
        "Teacher–student perceptron: generalization error",
        "examples per weight α",
        "ε(α)",
    )
    .with(Series::line("Gibbs", alphas.clone(), gibbs.clone()))
    .with(Series::line("Bayes", alphas.clone(), bayes.clone()))
    .with(Series::line("Hebb", alphas.clone(), hebb.clone()))
    .with(Series::new(
        format!("{cg:.5}/α"),
        alphas.clone(),
        alphas.iter().map(|a| cg / a).collect(),
        Style::Dashed,
    ));
    learning.log_x = true;
    learning.log_y = true;
    let rows = alphas
        .iter()
        .enumerate()
        .map(|(k, &a)| cells(&[a, gibbs[k], bayes[k], hebb[k]]))
        .collect();
    Ok(Output {
        summary: vec![
            format!(
                "spherical perceptron α_c(0) = {:.6} (Gardner: 2); binary perceptron (RS) α_c(0) = {:.4}",
                alpha_c[0],
                gardner::binary_capacity(0.0)?
            ),
            format!("learning-curve asymptotes: Gibbs ε ≈ {cg:.5}/α, Bayes ε ≈ {cb:.5}/α"),
        ],
        header: vec!["alpha", "eps_gibbs", "eps_bayes", "eps_hebb"],
        rows,
        json: serde_json::json!({
            "kappa": kappas, "alpha_c": alpha_c, "alpha": alphas,
            "gibbs": gibbs, "bayes": bayes, "hebb": hebb,
            "asymptote_gibbs": cg, "asymptote_bayes": cb,
        }),
        plots: vec![("capacity", capacity), ("learning_curves", learning)],
        arrays: Vec::new(),
    })
}

/// The staircase q(x) of a k-step order parameter as a polyline: breakpoints `x`
/// (0 = x_0 < … < x_{k+1}) and values `q` (q_j on [x_j, x_{j+1})).
pub fn staircase(x: &[f64], q: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut px = Vec::new();
    let mut py = Vec::new();
    for (j, &qj) in q.iter().enumerate() {
        if j + 1 < x.len() {
            px.extend([x[j], x[j + 1]]);
            py.extend([qj, qj]);
        }
    }
    (px, py)
}

/// The q(x) plot of full-RSB solutions at T > 0.
pub fn parisi_plot(solutions: &[rsb::Parisi]) -> Plot {
    let mut plot = Plot::new(
        "SK: Parisi order parameter q(x) (many-step RSB)",
        "x",
        "q(x)",
    );
    for (i, p) in solutions
        .iter()
        .filter(|p| p.solution.temperature > 0.0)
        .enumerate()
    {
        let (x, q) = staircase(&p.x, &p.q);
        plot =
            plot.with(Series::line(format!("T = {}", p.solution.temperature), x, q).with_color(i));
    }
    plot
}

/// k-step RSB ground-state energies (k = 1..kmax) and many-step Parisi solutions at each T.
pub fn parisi_theory(temperatures: &[f64], steps: usize, kmax: usize) -> Result<Output> {
    if let Some(t) = temperatures.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
        anyhow::bail!("temperature must be finite and ≥ 0, got {t}");
    }
    anyhow::ensure!((1..=8).contains(&kmax), "--kmax must be in 1..=8");
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    let krsb = (1..=kmax)
        .map(rsb::krsb_ground_state)
        .collect::<glassbox::Result<Vec<_>>>()?;
    for s in &krsb {
        rows.push(vec![
            format!("{}RSB", s.steps),
            "0".into(),
            s.steps.to_string(),
            s.energy.to_string(),
            s.energy.to_string(),
            s.q[0].to_string(),
            s.q[s.steps].to_string(),
            s.x[s.steps - 1].to_string(),
        ]);
    }
    summary.push(format!(
        "k-step RSB ground-state energies (T = 0): {}",
        krsb.iter()
            .map(|s| format!("k = {}: {:.7}", s.steps, s.energy))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let ground = rsb::parisi_ground_state(steps.min(rsb::MAX_STEPS_T0))?;
    summary.push(format!(
        "Parisi ground-state energy: {:.7} extrapolated from {} steps ({:.7}) and {} steps ({:.7}); Parisi constant −0.7631667",
        ground.extrapolated,
        ground.solution.steps,
        ground.solution.energy,
        ground.previous_steps,
        ground.previous
    ));
    let mut sols = vec![ground];
    for &t in temperatures.iter().filter(|&&t| t > 0.0) {
        let p = rsb::parisi(t, 0.0, steps)?;
        let one = rsb::one_step(t, 0.0)?;
        summary.push(format!(
            "T = {t}: f_Parisi = {:.7} ({} steps), f_1RSB = {:.7}, f_RS = {:.7}; q(x) from {:.4} to {:.4}, x_max = {:.4}",
            p.solution.free_energy,
            p.solution.steps,
            one.free_energy,
            one.rs_free_energy,
            p.q[0],
            p.q[p.q.len() - 1],
            p.solution.x[p.solution.steps - 1]
        ));
        sols.push(p);
    }
    for p in &sols {
        let s = &p.solution;
        rows.push(vec![
            "Parisi".into(),
            s.temperature.to_string(),
            s.steps.to_string(),
            s.free_energy.to_string(),
            s.energy.to_string(),
            s.q[0].to_string(),
            s.q[if s.temperature == 0.0 {
                s.steps - 1
            } else {
                s.steps
            }]
            .to_string(),
            s.x[s.steps - 1].to_string(),
        ]);
    }
    let mut plots = Vec::new();
    if sols.iter().any(|p| p.solution.temperature > 0.0) {
        plots.push(("q_of_x", parisi_plot(&sols)));
    }
    Ok(Output {
        summary,
        header: vec!["kind", "T", "steps", "f", "e", "q_min", "q_max", "x_max"],
        rows,
        json: serde_json::json!({ "krsb_ground_states": krsb, "parisi": sols }),
        plots,
        arrays: Vec::new(),
    })
}

/// p-spin characteristic temperatures and energies.
pub fn pspin_table(ps: &[usize]) -> Result<Output> {
    let rows = ps
        .iter()
        .map(|&p| glassbox::theory::pspin::pspin(p))
        .collect::<glassbox::Result<Vec<_>>>()?;
    Ok(Output {
        summary: vec![
            "spherical p-spin, covariance f(q) = q^p/2 (for f(q) = q^p multiply every T and E by √2)"
                .into(),
        ],
        header: vec!["p", "T_d", "T_s", "q_d", "q_s", "E_threshold", "E_ground_1RSB"],
        rows: rows
            .iter()
            .map(|r| {
                let mut c = vec![r.p.to_string()];
                c.extend(cells(&[r.t_d, r.t_s, r.q_d, r.q_s, r.e_threshold, r.e_ground]));
                c
            })
            .collect(),
        json: serde_json::to_value(&rows)?,
        plots: vec![],
        arrays: Vec::new(),
    })
}

/// Bethe-lattice and Erdős–Rényi critical temperatures (J = 1).
pub fn bethe_table(degrees: &[f64]) -> Result<Output> {
    use glassbox::theory::bethe::{ferromagnet_tc, spin_glass_tc, Couplings};
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for &c in degrees {
        let vals = [
            ferromagnet_tc(c, 1.0, true)?,
            spin_glass_tc(c, Couplings::PlusMinus(1.0), true)?,
            spin_glass_tc(c, Couplings::Gaussian(1.0), true)?,
            ferromagnet_tc(c, 1.0, false)?,
            spin_glass_tc(c, Couplings::PlusMinus(1.0), false)?,
        ];
        json.push(serde_json::json!({
            "degree": c, "ferro_regular": vals[0], "pm_glass_regular": vals[1],
            "gaussian_glass_regular": vals[2], "ferro_er": vals[3], "pm_glass_er": vals[4],
        }));
        let mut row = cells(&[c]);
        row.extend(cells(&vals));
        rows.push(row);
    }
    Ok(Output {
        summary: vec![
            "critical temperatures from the paramagnetic cavity fixed point (J = 1)".into(),
        ],
        header: vec![
            "degree",
            "Tc_ferro_regular",
            "Tsg_pm_regular",
            "Tsg_gauss_regular",
            "Tc_ferro_ER",
            "Tsg_pm_ER",
        ],
        rows,
        json: serde_json::Value::Array(json),
        plots: vec![],
        arrays: Vec::new(),
    })
}

/// HMRT and Mei–Montanari curves, with min-norm simulations at `n` samples.
pub fn double_descent(r2: f64, sigma2: f64, n: usize, trials: usize) -> Result<Output> {
    use glassbox::theory::double_descent::{
        min_norm_risk, random_features_risk, ridge_risk, simulate_min_norm, Activation,
    };
    anyhow::ensure!(
        r2 >= 0.0 && sigma2 >= 0.0,
        "r2 and sigma2 must be non-negative"
    );
    let gammas: Vec<f64> = (0..120)
        .map(|k| 0.1 * 100f64.powf(k as f64 / 119.0))
        .collect();
    let curve = |f: &dyn Fn(f64) -> glassbox::Result<f64>| {
        gammas
            .iter()
            .map(|&g| {
                f(g).map(|r| {
                    if r.is_finite() && r < 50.0 {
                        r
                    } else {
                        f64::NAN
                    }
                })
            })
            .collect::<glassbox::Result<Vec<f64>>>()
    };
    let min_norm = curve(&|g| min_norm_risk(g, r2, sigma2))?;
    let lambda_star = |g: f64| (sigma2 * g / r2.max(1e-300)).max(1e-6);
    let ridge = curve(&|g| ridge_risk(g, lambda_star(g), r2, sigma2))?;
    let mut plot = Plot::new(
        "Double descent: least-squares test risk (HMRT)",
        "parameters per sample γ = p/n",
        "excess risk",
    )
    .with(Series::line(
        "min-norm (ridgeless)",
        gammas.clone(),
        min_norm.clone(),
    ))
    .with(Series::new(
        "optimal ridge λ*",
        gammas.clone(),
        ridge.clone(),
        Style::Dashed,
    ))
    .vline(1.0, "p = n");
    plot.log_x = true;
    plot.log_y = true;
    let mut sims = Vec::new();
    if n > 0 {
        let grid = [0.2, 0.5, 0.8, 1.25, 2.0, 5.0];
        for (k, &g) in grid.iter().enumerate() {
            let (m, e) = simulate_min_norm(n, g, r2, sigma2, trials, k as u64)?;
            sims.push((g, m, e));
        }
        plot = plot.with(
            Series::points(
                format!("simulation, n = {n}"),
                sims.iter().map(|s| s.0).collect(),
                sims.iter().map(|s| s.1).collect(),
            )
            .with_yerr(sims.iter().map(|s| s.2).collect())
            .with_color(0),
        );
    }
    let act = Activation::centred_relu();
    let psis: Vec<f64> = (0..120)
        .map(|k| 0.1 * 200f64.powf(k as f64 / 119.0))
        .collect();
    let rf = psis
        .iter()
        .map(|&p| random_features_risk(p, 2.0, act, 1.0, 0.0, 0.1).map(|r| r.min(50.0)))
        .collect::<glassbox::Result<Vec<f64>>>()?;
    let mut rf_plot = Plot::new(
        "Random features (centred ReLU), n/d = 2, τ² = 0.1 (Mei–Montanari)",
        "features per dimension N/d",
        "test error",
    )
    .with(Series::line("ridgeless", psis.clone(), rf.clone()))
    .vline(2.0, "N = n");
    rf_plot.log_x = true;
    rf_plot.log_y = true;
    Ok(Output {
        summary: vec![format!(
            "min-norm risk diverges at γ = 1 (noise σ² = {sigma2}, signal r² = {r2}); simulated points: {}",
            sims.iter()
                .map(|(g, m, e)| format!("γ={g}: {m:.3}±{e:.3} (theory {:.3})", min_norm_risk(*g, r2, sigma2).unwrap_or(f64::NAN)))
                .collect::<Vec<_>>()
                .join(", ")
        )],
        header: vec!["gamma", "min_norm", "ridge_opt"],
        rows: gammas
            .iter()
            .zip(&min_norm)
            .zip(&ridge)
            .map(|((g, a), b)| cells(&[*g, *a, *b]))
            .collect(),
        json: serde_json::json!({
            "gamma": gammas, "min_norm": min_norm, "ridge_opt": ridge,
            "simulation": sims.iter().map(|(g, m, e)| serde_json::json!({"gamma": g, "risk": m, "err": e})).collect::<Vec<_>>(),
            "rf_psi1": psis, "rf_risk": rf,
        }),
        plots: vec![("double_descent", plot), ("random_features", rf_plot)],
        arrays: Vec::new(),
    })
}

/// φ(n) over real and integer n, its extrapolation and the quenched value.
pub fn replica_trick_plot(r: &ReplicaTrick) -> Plot {
    Plot::new(
        format!(
            "Replica trick: SK N = {}, T = {}, {} samples (exact Z)",
            r.n_spins,
            1.0 / r.beta,
            r.samples
        ),
        "replica number n",
        "ln⟨Zⁿ⟩ / (nN)",
    )
    .with(Series::line(
        "ln⟨Zⁿ⟩/(nN), real n",
        r.curve_n.clone(),
        r.curve_phi.clone(),
    ))
    .with(Series::points("integer n", r.n.clone(), r.phi.clone()).with_yerr(r.phi_err.clone()))
    .with(
        Series::points("extrapolation n → 0", vec![0.0], vec![r.extrapolated])
            .with_yerr(vec![r.extrapolated_err]),
    )
    .with(Series::new(
        "quenched ⟨ln Z⟩/N",
        vec![0.0, r.n.len() as f64],
        vec![r.quenched, r.quenched],
        Style::Dashed,
    ))
}

/// The replica-trick experiment.
pub fn replica_trick(
    n: usize,
    temperature: f64,
    samples: usize,
    max_n: usize,
    seed: u64,
) -> Result<Output> {
    anyhow::ensure!(
        temperature.is_finite() && temperature > 0.0,
        "temperature must be finite and positive, got {temperature}"
    );
    let r =
        glassbox::theory::replica_trick::replica_trick(n, 1.0 / temperature, samples, max_n, seed)?;
    let plot = replica_trick_plot(&r);
    let rows =
        r.n.iter()
            .zip(&r.phi)
            .zip(&r.phi_err)
            .map(|((n, p), e)| cells(&[*n, *p, *e]))
            .collect();
    Ok(Output {
        summary: vec![format!(
            "annealed ln⟨Z⟩/N = {:.6}; replica limit n → 0: {:.6} ± {:.6}; quenched ⟨ln Z⟩/N = {:.6} ± {:.6} (difference {:.1e} ± {:.1e})",
            r.annealed,
            r.extrapolated,
            r.extrapolated_err,
            r.quenched,
            r.quenched_err,
            r.extrapolated - r.quenched,
            r.difference_err
        )],
        header: vec!["n", "phi", "phi_err"],
        rows,
        json: serde_json::to_value(&r)?,
        plots: vec![("replica_trick", plot)],
        arrays: Vec::new(),
    })
}

/// Runs `glassbox theory`.
pub fn run(args: Args) -> Result<()> {
    let name = args.topic.name();
    let out = match &args.topic {
        Topic::Sk {
            temperatures,
            field,
        } => sk_table(temperatures, *field)?,
        Topic::AtLine { points } => at_line(*points)?,
        Topic::Hopfield { points } => hopfield_theory(*points)?,
        Topic::Gardner { kappa_max } => gardner_theory(*kappa_max)?,
        Topic::Parisi {
            temperatures,
            steps,
            kmax,
        } => parisi_theory(temperatures, *steps, *kmax)?,
        Topic::Pspin { p } => pspin_table(p)?,
        Topic::Bethe { degrees } => bethe_table(degrees)?,
        Topic::DoubleDescent {
            r2,
            sigma2,
            n,
            trials,
        } => double_descent(*r2, *sigma2, *n, *trials)?,
        Topic::ReplicaTrick {
            n,
            temperature,
            samples,
            max_n,
            seed,
        } => replica_trick(*n, *temperature, *samples, *max_n, *seed)?,
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/theory-{name}")));
    out.emit(
        &dir,
        args.overwrite,
        &format!("theory {name}"),
        serde_json::json!({ "topic": format!("{:?}", args.topic) }),
        0,
    )
}
