//! `glassbox hopfield`: associative-memory experiments with Hopfield networks — the capacity
//! curve and α_c(N) against the AGS theory, basins of attraction, and a single recall.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Subcommand, ValueEnum};
use glassbox::memory::capacity::{capacity, Capacity, CapacitySpec, Extrapolation};
use glassbox::memory::modern::Interaction;
use glassbox::memory::retrieval::{basins, mixture3, recall, BasinPoint, BasinSpec};
use glassbox::memory::{Dense, Dynamics, Hebbian, Minover, Network, Patterns, Rule};
use glassbox::rng::Streams;
use glassbox::theory::hopfield;

use crate::plot::{Plot, Series, Style};
use crate::table::Output;

/// Flags of `glassbox hopfield`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub experiment: Experiment,
    /// Output folder (default `runs/hopfield-<experiment>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Seed of patterns and dynamics.
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
}

/// Learning rules on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RuleArg {
    /// J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ, run on the low-rank path (no N×N matrix).
    Hebb,
    /// Hebb through the dense N×N matrix (same results, O(N²) memory).
    HebbDense,
    /// Projection rule J = Ξ C⁻¹ Ξᵀ / N.
    PseudoInverse,
    /// Storkey's incremental rule.
    Storkey,
    /// Krauth–Mézard minover perceptron (margin --kappa).
    Minover,
}

/// Interactions of dense associative memory on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InteractionArg {
    /// F(x) = xⁿ (Krotov–Hopfield), n from --power(s).
    Power,
    /// F(x) = eˣ (Demircigil et al.).
    Exp,
}

impl InteractionArg {
    fn with_power(self, n: u32) -> Interaction {
        match self {
            InteractionArg::Power => Interaction::Power(n),
            InteractionArg::Exp => Interaction::Exp,
        }
    }
}

/// Update rules on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DynamicsArg {
    /// T = 0, one unit at a time in random order, until a fixed point.
    Async,
    /// T = 0, all units at once, until a fixed point or a 2-cycle.
    Sync,
    /// Heat bath at temperature -T for --sweeps sweeps.
    Glauber,
}

/// Which experiment.
#[derive(Subcommand, Debug)]
pub enum Experiment {
    /// Storage capacity of the Hebbian network: start at stored patterns, relax at T = 0,
    /// record the final overlap for each N and α; locate α_c(N) and extrapolate to N → ∞.
    Capacity {
        /// Network sizes N.
        #[arg(long, short = 'n', value_delimiter = ',', default_values_t = [250, 500, 1000, 2000])]
        sizes: Vec<usize>,
        /// Loads α = p/N (increasing; default 0.08 to 0.20 in steps of 0.01).
        #[arg(long, short = 'a', value_delimiter = ',')]
        alphas: Option<Vec<f64>>,
        /// Independent pattern sets per (N, α).
        #[arg(long, default_value_t = 20)]
        samples: usize,
        /// Patterns started from per set.
        #[arg(long, default_value_t = 10)]
        starts: usize,
        /// Final overlap that counts as retrieved.
        #[arg(long, default_value_t = 0.9)]
        success: f64,
        /// Mean final overlap that defines α_c(N).
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        /// Sweep limit of the dynamics.
        #[arg(long, default_value_t = 1000)]
        max_sweeps: usize,
    },
    /// Basins of attraction: final overlap and success rate against the fraction of units
    /// flipped in the start state.
    Basins {
        /// Network size N.
        #[arg(long, short = 'n', default_value_t = 1000)]
        n: usize,
        /// Loads α.
        #[arg(long, short = 'a', value_delimiter = ',', default_values_t = [0.05, 0.1, 0.13])]
        alphas: Vec<f64>,
        /// Largest flipped fraction (≤ 0.5); the grid is 0, step, 2·step, ….
        #[arg(long, default_value_t = 0.5)]
        max_flip: f64,
        /// Step of the flipped fraction.
        #[arg(long, default_value_t = 0.025)]
        flip_step: f64,
        /// Independent pattern sets per α.
        #[arg(long, default_value_t = 5)]
        samples: usize,
        /// Patterns recalled per set.
        #[arg(long, default_value_t = 10)]
        starts: usize,
        /// Final overlap that counts as retrieved.
        #[arg(long, default_value_t = 0.9)]
        success: f64,
    },
    /// One network: learn patterns, recall one from a corrupted start, and (Hebb) test the
    /// symmetric 3-mixture.
    Recall {
        /// Network size N.
        #[arg(long, short = 'n', default_value_t = 1000)]
        n: usize,
        /// Load α = p/N.
        #[arg(long, short = 'a', default_value_t = 0.1, allow_hyphen_values = true)]
        alpha: f64,
        /// Pattern mean a (biased patterns), in (−1, 1).
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        bias: f64,
        /// Learning rule.
        #[arg(long, value_enum, default_value_t = RuleArg::Hebb)]
        rule: RuleArg,
        /// Minover margin κ.
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        kappa: f64,
        /// Fraction of units flipped in the start state.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
        /// Pattern to recall.
        #[arg(long, default_value_t = 0)]
        pattern: usize,
        /// Update rule.
        #[arg(long, value_enum, default_value_t = DynamicsArg::Async)]
        dynamics: DynamicsArg,
        /// Temperature of Glauber dynamics.
        #[arg(long, short = 'T', default_value_t = 0.1, allow_hyphen_values = true)]
        temperature: f64,
        /// Sweep limit (T = 0) or number of sweeps (Glauber).
        #[arg(long, default_value_t = 1000)]
        sweeps: usize,
    },
    /// Store binarized MNIST digits and recall them from corrupted and occluded starts in the
    /// classical (Hebb) and modern (dense xⁿ, continuous softmax) networks; PNG grids.
    Store {
        /// MNIST folder with t10k-*-ubyte[.gz] (default: $GLASSBOX_MNIST or ../shared/data/mnist).
        #[arg(long)]
        mnist: Option<PathBuf>,
        /// Digits stored (the first image of each class in turn).
        #[arg(long, short = 'k', default_value_t = 10)]
        digits: usize,
        /// Pixel threshold of the binarization (pixels in [0, 1]).
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Fraction of pixels flipped in the corrupted start.
        #[arg(long, default_value_t = 0.2)]
        flip: f64,
        /// First row blanked (set to background) in the occluded start.
        #[arg(long, default_value_t = 14)]
        occlude_from: usize,
        /// Power n of the dense associative memory F(x) = xⁿ (with --interaction power).
        #[arg(long, default_value_t = 20)]
        power: u32,
        /// Interaction of the dense associative memory: xⁿ or eˣ (Demircigil et al.).
        #[arg(long, value_enum, default_value_t = InteractionArg::Power)]
        interaction: InteractionArg,
        /// β of the continuous modern network.
        #[arg(long, default_value_t = 0.1)]
        beta: f64,
    },
    /// Capacity of dense associative memory against N: F(x) = xⁿ (Krotov–Hopfield p_c ∝
    /// N^{n−1}) or, with --interaction exp, F(x) = eˣ (Demircigil et al., p_c ~ e^{αN}):
    /// p_c(N) where half the patterns are retrieved, and the fitted exponent or growth rate.
    Scaling {
        /// Powers n (with --interaction power).
        #[arg(long, value_delimiter = ',', default_values_t = [2, 3, 4])]
        powers: Vec<u32>,
        /// Interaction: the powers xⁿ, or eˣ.
        #[arg(long, value_enum, default_value_t = InteractionArg::Power)]
        interaction: InteractionArg,
        /// Sizes for each power, `;`-separated lists in the order of --powers (the last list
        /// serves the remaining powers) [default: 100,200,400,800;40,80,160;20,30,45, and
        /// 16,24,32,40,48 for exp].
        #[arg(long)]
        sizes: Option<String>,
        /// Pattern sets per probed p.
        #[arg(long, default_value_t = 8)]
        samples: usize,
        /// Patterns recalled per set.
        #[arg(long, default_value_t = 4)]
        starts: usize,
        /// Fraction of units flipped in the start state [default: 0, and 0.25 for exp].
        #[arg(long)]
        flip: Option<f64>,
        /// Final overlap that counts as retrieved.
        #[arg(long, default_value_t = 0.95)]
        success: f64,
    },
    /// Exact fixed points and recall against the load for a learning rule: the Hebbian
    /// error-free regime p ≲ N/(4 ln N) (against signal-to-noise theory), the pseudo-inverse
    /// rule up to α → 1.
    Stability {
        /// Learning rule.
        #[arg(long, value_enum, default_value_t = RuleArg::Hebb)]
        rule: RuleArg,
        /// Network sizes N.
        #[arg(long, short = 'n', value_delimiter = ',', default_values_t = [250, 500, 1000, 2000])]
        sizes: Vec<usize>,
        /// Loads α = p/N (default for rules other than Hebb: 0.05 to 0.95).
        #[arg(long, short = 'a', value_delimiter = ',')]
        alphas: Option<Vec<f64>>,
        /// Loads x = p ln N / N (default for Hebb: 0.05 to 0.8); ignored with --alphas.
        #[arg(long, value_delimiter = ',')]
        x: Option<Vec<f64>>,
        /// Pattern sets per load.
        #[arg(long, default_value_t = 10)]
        samples: usize,
        /// Patterns recalled per set.
        #[arg(long, default_value_t = 5)]
        starts: usize,
        /// Fraction of units flipped at the start of a recall.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
    },
    /// Continuous modern Hopfield network (Ramsauer et al.): error after one update
    /// ξ ← X softmax(β Xᵀ ξ) from a noisy pattern, against β and the number of patterns.
    Continuous {
        /// Pattern dimension d.
        #[arg(long, default_value_t = 64)]
        dim: usize,
        /// Numbers of stored patterns M.
        #[arg(long, value_delimiter = ',', default_values_t = [16, 64, 256, 1024, 4096])]
        counts: Vec<usize>,
        /// Inverse temperatures β.
        #[arg(long, value_delimiter = ',', default_values_t = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0])]
        betas: Vec<f64>,
        /// Fraction of the query's components flipped.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
        /// Pattern sets per point.
        #[arg(long, default_value_t = 4)]
        samples: usize,
        /// Queries per set.
        #[arg(long, default_value_t = 16)]
        queries: usize,
    },
    /// The hybrid Boltzmann machine (Barra et al.): binary visible units, Gaussian hidden
    /// units, weights ξ/√N; its sampled visible marginal against the exact Hopfield
    /// Boltzmann distribution, and ⟨z_μ⟩/√N against ⟨m_μ⟩.
    Hybrid {
        /// Visible units N (≤ 20: the states are enumerated).
        #[arg(long, short = 'n', default_value_t = 10)]
        n: usize,
        /// Patterns = hidden units p.
        #[arg(long, short = 'p', default_value_t = 3)]
        p: usize,
        /// Inverse temperature β.
        #[arg(long, default_value_t = 1.5, allow_hyphen_values = true)]
        beta: f64,
        /// Visible field h along pattern 1 (h_i = h ξ_i^1; breaks the σ → −σ symmetry).
        #[arg(long, default_value_t = 0.15, allow_hyphen_values = true)]
        field: f64,
        /// Hidden-unit update.
        #[arg(long, value_enum, default_value_t = crate::hopfield_hybrid::HiddenArg::Gibbs)]
        hidden: crate::hopfield_hybrid::HiddenArg,
        /// Langevin time step Δt/τ.
        #[arg(long, default_value_t = 0.5, allow_hyphen_values = true)]
        dt: f64,
        /// Recorded samples.
        #[arg(long, default_value_t = 200_000)]
        samples: usize,
        /// Steps (hidden update + visible heat bath) between samples.
        #[arg(long, default_value_t = 2)]
        thin: usize,
        /// Steps discarded first.
        #[arg(long, default_value_t = 1000)]
        burn_in: usize,
    },
}

impl Experiment {
    fn name(&self) -> &'static str {
        match self {
            Experiment::Capacity { .. } => "capacity",
            Experiment::Basins { .. } => "basins",
            Experiment::Recall { .. } => "recall",
            Experiment::Hybrid { .. } => "hybrid",
            Experiment::Store { .. } => "store",
            Experiment::Scaling { .. } => "scaling",
            Experiment::Stability { .. } => "stability",
            Experiment::Continuous { .. } => "continuous",
        }
    }
}

fn fmt_fit(e: &Extrapolation) -> String {
    let f = |name: &str, fit: &Option<glassbox::memory::capacity::LineFit>| match fit {
        Some(l) if l.intercept_error.is_finite() => {
            format!("{name}: {:.4} ± {:.4}", l.intercept, l.intercept_error)
        }
        Some(l) => format!("{name}: {:.4}", l.intercept),
        None => format!("{name}: (fewer than two sizes crossed)"),
    };
    format!(
        "{}; {}",
        f("in 1/N", &e.inverse_n),
        f("in 1/√N", &e.inverse_sqrt_n)
    )
}

/// The capacity curve plot: m_final vs α per N, AGS m(α), α_c marked.
pub fn capacity_plot(c: &Capacity) -> Result<Plot> {
    let ags = hopfield::capacity()?;
    let mut plot = Plot::new(
        "Hopfield network (Hebb): final overlap after T = 0 dynamics from a pattern",
        "load α = p/N",
        "mean final overlap m",
    );
    let na = c.spec.alphas.len();
    for (s, &n) in c.spec.sizes.iter().enumerate() {
        let pts = &c.points[s * na..(s + 1) * na];
        plot = plot.with(
            Series::new(
                format!("N = {n}"),
                pts.iter().map(|p| p.alpha).collect(),
                pts.iter().map(|p| p.mean_overlap).collect(),
                Style::LinePoints,
            )
            .with_yerr(pts.iter().map(|p| p.error).collect())
            .with_color(s + 1),
        );
    }
    let lo = c.spec.alphas[0].min(0.05);
    let grid: Vec<f64> = (0..200)
        .map(|k| lo + (ags.alpha_c - lo) * k as f64 / 199.0)
        .collect();
    let m = grid
        .iter()
        .map(|&a| hopfield::zero_temperature_retrieval(a).map(|s| s.map_or(f64::NAN, |s| s.m)))
        .collect::<glassbox::Result<Vec<_>>>()?;
    plot = plot
        .with(Series::new("AGS m(α), T = 0", grid, m, Style::Dashed).with_color(0))
        .vline(ags.alpha_c, "AGS α_c");
    if let Some(f) = &c.extrapolation_mean.inverse_sqrt_n {
        plot = plot.vline(f.intercept, "α_c(∞), 1/√N fit");
    }
    Ok(plot)
}

fn alpha_c_plot(c: &Capacity) -> Plot {
    let x: Vec<f64> = c
        .critical
        .iter()
        .map(|k| 1.0 / (k.n as f64).sqrt())
        .collect();
    let mut plot = Plot::new(
        "Finite-size capacity α_c(N) and its extrapolation",
        "1/√N",
        "α_c(N)",
    )
    .with(
        Series::points(
            format!("mean overlap = {}", c.spec.mean_threshold),
            x.clone(),
            c.critical
                .iter()
                .map(|k| k.alpha_c_mean.unwrap_or(f64::NAN))
                .collect(),
        )
        .with_yerr(c.critical.iter().map(|k| k.alpha_c_mean_error).collect()),
    )
    .with(
        Series::points(
            format!("half of runs reach m ≥ {}", c.spec.success_overlap),
            x.clone(),
            c.critical
                .iter()
                .map(|k| k.alpha_c_half.unwrap_or(f64::NAN))
                .collect(),
        )
        .with_yerr(c.critical.iter().map(|k| k.alpha_c_half_error).collect()),
    );
    let xmax = x.iter().cloned().fold(0.0, f64::max);
    for (k, (fit, label)) in [
        (&c.extrapolation_mean.inverse_sqrt_n, "fit (mean)"),
        (&c.extrapolation_half.inverse_sqrt_n, "fit (half)"),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(f) = fit {
            plot = plot.with(
                Series::new(
                    label,
                    vec![0.0, xmax],
                    vec![f.intercept, f.intercept + f.slope * xmax],
                    Style::Dashed,
                )
                .with_color(k),
            );
        }
    }
    if let Ok(ags) = hopfield::capacity() {
        plot = plot.with(Series::points("AGS α_c", vec![0.0], vec![ags.alpha_c]).with_color(3));
    }
    plot
}

/// Runs the capacity experiment and builds its outputs.
pub fn capacity_experiment(spec: &CapacitySpec) -> Result<Output> {
    let c = capacity(spec)?;
    let ags = hopfield::capacity()?;
    let mut summary = vec![format!(
        "capacity experiment: {} sizes × {} loads × {} pattern sets × {} starts (AGS α_c = {:.4})",
        spec.sizes.len(),
        spec.alphas.len(),
        spec.samples,
        spec.starts,
        ags.alpha_c
    )];
    let na = spec.alphas.len();
    for (s, k) in c.critical.iter().enumerate() {
        let show = |v: Option<f64>, e: f64| {
            v.map_or("none on grid".into(), |v| format!("{v:.4} ± {e:.4}"))
        };
        // The retrieval state just below α_c: the largest load ≤ AGS α_c with most runs
        // retrieved.
        let below = c.points[s * na..(s + 1) * na]
            .iter()
            .rfind(|p| p.success >= 0.5 && p.alpha <= ags.alpha_c);
        let retrieved = below.map_or("none".to_string(), |p| {
            let ags_m = hopfield::zero_temperature_retrieval(p.alpha)
                .ok()
                .flatten()
                .map_or(f64::NAN, |r| r.m);
            format!(
                "at α = {:.3} the retrieved runs end at m = {:.4} (AGS m(α) = {ags_m:.4})",
                p.alpha, p.retrieved_overlap
            )
        });
        summary.push(format!(
            "N = {}: α_c (mean m = {}) = {}, α_c (half retrieved) = {}; {retrieved}",
            k.n,
            spec.mean_threshold,
            show(k.alpha_c_mean, k.alpha_c_mean_error),
            show(k.alpha_c_half, k.alpha_c_half_error)
        ));
    }
    summary.push(format!(
        "α_c(∞) from mean crossing — {}",
        fmt_fit(&c.extrapolation_mean)
    ));
    summary.push(format!(
        "α_c(∞) from half retrieved — {}",
        fmt_fit(&c.extrapolation_half)
    ));
    let rows = c
        .points
        .iter()
        .map(|p| {
            vec![
                p.n.to_string(),
                p.alpha.to_string(),
                p.p.to_string(),
                p.runs.to_string(),
                p.mean_overlap.to_string(),
                p.error.to_string(),
                p.success.to_string(),
                p.retrieved_overlap.to_string(),
                p.mean_sweeps.to_string(),
                p.unconverged.to_string(),
            ]
        })
        .collect();
    let mut success = Plot::new(
        "Hopfield network (Hebb): fraction of runs retrieved",
        "load α = p/N",
        format!("fraction with m ≥ {}", spec.success_overlap),
    );
    for (s, &n) in spec.sizes.iter().enumerate() {
        let pts = &c.points[s * na..(s + 1) * na];
        success = success.with(
            Series::new(
                format!("N = {n}"),
                pts.iter().map(|p| p.alpha).collect(),
                pts.iter().map(|p| p.success).collect(),
                Style::LinePoints,
            )
            .with_color(s + 1),
        );
    }
    success = success.vline(ags.alpha_c, "AGS α_c");
    Ok(Output {
        summary,
        header: vec![
            "N",
            "alpha",
            "p",
            "runs",
            "mean_overlap",
            "error",
            "success",
            "retrieved_overlap",
            "mean_sweeps",
            "unconverged",
        ],
        rows,
        plots: vec![
            ("capacity", capacity_plot(&c)?),
            ("success", success),
            ("alpha_c", alpha_c_plot(&c)),
        ],
        // Final-overlap histograms: one row per (N, α) point (N-major), `bins` bins on [−1, 1].
        arrays: vec![(
            "overlap_histograms",
            vec![c.points.len(), spec.bins],
            c.points
                .iter()
                .flat_map(|p| p.histogram.iter().copied())
                .collect(),
        )],
        json: serde_json::to_value(&c)?,
    })
}

/// Runs the basin scan and builds its outputs.
pub fn basin_experiment(spec: &BasinSpec) -> Result<Output> {
    let pts: Vec<BasinPoint> = basins(spec)?;
    let nf = spec.flip_fractions.len();
    let mut plot = Plot::new(
        format!(
            "Hopfield network (Hebb, N = {}): basins of attraction",
            spec.n
        ),
        "initial overlap 1 − 2·(flipped fraction)",
        "mean final overlap",
    );
    let mut succ = Plot::new(
        format!("Hopfield network (Hebb, N = {}): retrieval rate", spec.n),
        "initial overlap 1 − 2·(flipped fraction)",
        format!("fraction with m ≥ {}", spec.success_overlap),
    );
    let mut summary = vec![];
    for (a, &alpha) in spec.alphas.iter().enumerate() {
        let row = &pts[a * nf..(a + 1) * nf];
        let x: Vec<f64> = row.iter().map(|p| 1.0 - 2.0 * p.flip_fraction).collect();
        plot = plot.with(
            Series::new(
                format!("α = {alpha}"),
                x.clone(),
                row.iter().map(|p| p.mean_overlap).collect(),
                Style::LinePoints,
            )
            .with_yerr(row.iter().map(|p| p.error).collect()),
        );
        succ = succ.with(Series::new(
            format!("α = {alpha}"),
            x,
            row.iter().map(|p| p.success).collect(),
            Style::LinePoints,
        ));
        // Basin radius: the largest flipped fraction with at least half the runs retrieved.
        let radius = row
            .iter()
            .take_while(|p| p.success >= 0.5)
            .last()
            .map_or(0.0, |p| p.flip_fraction);
        summary.push(format!(
            "α = {alpha}: half or more of the runs retrieve up to {:.1} % flipped units",
            100.0 * radius
        ));
    }
    Ok(Output {
        summary,
        header: vec![
            "alpha",
            "flip_fraction",
            "runs",
            "mean_overlap",
            "error",
            "success",
        ],
        rows: pts
            .iter()
            .map(|p| {
                vec![
                    p.alpha.to_string(),
                    p.flip_fraction.to_string(),
                    p.runs.to_string(),
                    p.mean_overlap.to_string(),
                    p.error.to_string(),
                    p.success.to_string(),
                ]
            })
            .collect(),
        json: serde_json::json!({ "spec": spec, "points": pts }),
        plots: vec![("basins", plot), ("basins_success", succ)],
        arrays: vec![],
    })
}

/// Settings of one recall.
pub struct RecallArgs {
    n: usize,
    alpha: f64,
    bias: f64,
    rule: RuleArg,
    kappa: f64,
    flip: f64,
    pattern: usize,
    dynamics: DynamicsArg,
    temperature: f64,
    sweeps: usize,
    seed: u64,
}

fn recall_with<N: Network>(
    net: &N,
    a: &RecallArgs,
    dynamics: &Dynamics,
    streams: &Streams,
) -> Result<serde_json::Value> {
    let flipped = (a.flip * a.n as f64).round() as usize;
    let mut rng = streams.stream(&[glassbox::rng::purpose::MONTE_CARLO, 0]);
    let (out, m) = recall(net, a.pattern, flipped, dynamics, &mut rng)?;
    let others = out
        .overlaps
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != a.pattern)
        .map(|(_, v)| v.abs())
        .fold(0.0, f64::max);
    let mixture = match a.rule {
        RuleArg::Hebb | RuleArg::HebbDense if net.patterns().is_some_and(|p| p.p() >= 3) => {
            let mut rng = streams.stream(&[glassbox::rng::purpose::MONTE_CARLO, 1]);
            Some(mixture3(net, a.sweeps, &mut rng)?)
        }
        _ => None,
    };
    Ok(serde_json::json!({
        "flipped": flipped,
        "initial_overlap": 1.0 - 2.0 * flipped as f64 / a.n as f64,
        "final_overlap": m,
        "largest_other_overlap": others,
        "sweeps": out.sweeps,
        "period": out.period,
        "flips": out.flips,
        "energy_per_unit": out.energy.map(|e| e / a.n as f64),
        "mixture": mixture,
    }))
}

/// One recall experiment.
pub fn recall_experiment(a: &RecallArgs) -> Result<Output> {
    if !(a.alpha.is_finite() && a.alpha > 0.0) {
        bail!("--alpha must be finite and positive, got {}", a.alpha);
    }
    if !(0.0..=1.0).contains(&a.flip) {
        bail!("--flip must lie in [0, 1], got {}", a.flip);
    }
    let p = ((a.alpha * a.n as f64).round() as usize).max(1);
    let streams = Streams::new(a.seed);
    let patterns = Patterns::random(a.n, p, a.bias, &streams)?;
    let dynamics = match a.dynamics {
        DynamicsArg::Async => Dynamics::Asynchronous {
            max_sweeps: a.sweeps,
        },
        DynamicsArg::Sync => Dynamics::Synchronous {
            max_steps: a.sweeps,
        },
        DynamicsArg::Glauber => {
            if !(a.temperature.is_finite() && a.temperature > 0.0) {
                bail!(
                    "temperature must be finite and positive, got {}",
                    a.temperature
                );
            }
            Dynamics::Glauber {
                beta: 1.0 / a.temperature,
                sweeps: a.sweeps,
            }
        }
    };
    let result = match a.rule {
        RuleArg::Hebb => recall_with(&Hebbian::new(patterns)?, a, &dynamics, &streams)?,
        rule => {
            let rule = match rule {
                RuleArg::PseudoInverse => Rule::PseudoInverse,
                RuleArg::Storkey => Rule::Storkey,
                RuleArg::Minover => Rule::Minover(Minover {
                    kappa: a.kappa,
                    ..Minover::default()
                }),
                _ => Rule::Hebb,
            };
            let w = rule.learn(&patterns)?;
            let unstable = w.unstable_fraction(&patterns)?;
            let net = Dense::new(w, Some(patterns))?;
            let mut v = recall_with(&net, a, &dynamics, &streams)?;
            v["unstable_pattern_bits"] = serde_json::json!(unstable);
            v
        }
    };
    let get = |k: &str| result[k].to_string();
    let mut summary = vec![format!(
        "{:?} rule, N = {}, p = {p} (α = {:.4}), {:?} dynamics: overlap {} → {} in {} sweeps (period {}), E/N = {}",
        a.rule,
        a.n,
        p as f64 / a.n as f64,
        a.dynamics,
        get("initial_overlap"),
        get("final_overlap"),
        get("sweeps"),
        get("period"),
        get("energy_per_unit"),
    )];
    if let Some(m) = result["mixture"].as_object() {
        summary.push(format!(
            "symmetric 3-mixture: overlaps {} → {}, E/N {} → {} (α → 0 theory −0.375), unstable units {}",
            m["initial_overlaps"], m["final_overlaps"], m["initial_energy"], m["final_energy"], m["unstable_fraction"]
        ));
    }
    Ok(Output {
        summary,
        header: vec!["quantity", "value"],
        rows: result
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| !v.is_object())
                    .map(|(k, v)| vec![k.clone(), v.to_string()])
                    .collect()
            })
            .unwrap_or_default(),
        json: result,
        plots: vec![],
        arrays: vec![],
    })
}

fn grid(step: f64, max: f64) -> Result<Vec<f64>> {
    if !(step.is_finite() && step > 0.0) {
        bail!("--flip-step must be positive, got {step}");
    }
    if !(0.0..=0.5).contains(&max) {
        bail!("--max-flip must lie in [0, 0.5], got {max}");
    }
    let k = (max / step + 1e-9).floor() as usize;
    Ok((0..=k).map(|i| (i as f64 * step).min(0.5)).collect())
}

/// Runs `glassbox hopfield`.
pub fn run(args: Args) -> Result<()> {
    let name = args.experiment.name();
    let seed = args.seed;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/hopfield-{name}")));
    let mut grids = vec![];
    let out = match &args.experiment {
        Experiment::Capacity {
            sizes,
            alphas,
            samples,
            starts,
            success,
            threshold,
            max_sweeps,
        } => {
            let spec = CapacitySpec {
                sizes: sizes.clone(),
                alphas: alphas
                    .clone()
                    .unwrap_or_else(|| CapacitySpec::default().alphas),
                samples: *samples,
                starts: *starts,
                max_sweeps: *max_sweeps,
                success_overlap: *success,
                mean_threshold: *threshold,
                bins: 40,
                seed,
            };
            capacity_experiment(&spec)?
        }
        Experiment::Basins {
            n,
            alphas,
            max_flip,
            flip_step,
            samples,
            starts,
            success,
        } => basin_experiment(&BasinSpec {
            n: *n,
            alphas: alphas.clone(),
            flip_fractions: grid(*flip_step, *max_flip)?,
            samples: *samples,
            starts: *starts,
            max_sweeps: 1000,
            success_overlap: *success,
            seed,
        })?,
        Experiment::Recall {
            n,
            alpha,
            bias,
            rule,
            kappa,
            flip,
            pattern,
            dynamics,
            temperature,
            sweeps,
        } => recall_experiment(&RecallArgs {
            n: *n,
            alpha: *alpha,
            bias: *bias,
            rule: *rule,
            kappa: *kappa,
            flip: *flip,
            pattern: *pattern,
            dynamics: *dynamics,
            temperature: *temperature,
            sweeps: *sweeps,
            seed,
        })?,
        Experiment::Hybrid {
            n,
            p,
            beta,
            field,
            hidden,
            dt,
            samples,
            thin,
            burn_in,
        } => crate::hopfield_hybrid::hybrid_experiment(&crate::hopfield_hybrid::HybridArgs {
            n: *n,
            p: *p,
            beta: *beta,
            field: *field,
            hidden: *hidden,
            dt: *dt,
            samples: *samples,
            thin: *thin,
            burn_in: *burn_in,
            seed,
        })?,
        Experiment::Store {
            mnist,
            digits,
            threshold,
            flip,
            occlude_from,
            power,
            interaction,
            beta,
        } => {
            let (out, g) =
                crate::hopfield_store::store_experiment(&crate::hopfield_store::StoreArgs {
                    mnist: mnist.clone(),
                    digits: *digits,
                    threshold: *threshold,
                    flip: *flip,
                    occlude_from: *occlude_from,
                    interaction: interaction.with_power(*power),
                    beta: *beta,
                    seed,
                })?;
            grids = g;
            out
        }
        Experiment::Continuous {
            dim,
            counts,
            betas,
            flip,
            samples,
            queries,
        } => crate::hopfield_scaling::continuous_experiment(
            &glassbox::memory::modern::ContinuousScanSpec {
                dim: *dim,
                counts: counts.clone(),
                betas: betas.clone(),
                flip: *flip,
                samples: *samples,
                queries: *queries,
                seed,
            },
        )?,
        Experiment::Stability {
            rule,
            sizes,
            alphas,
            x,
            samples,
            starts,
            flip,
        } => {
            let rule = match rule {
                RuleArg::Hebb | RuleArg::HebbDense => Rule::Hebb,
                RuleArg::PseudoInverse => Rule::PseudoInverse,
                RuleArg::Storkey => Rule::Storkey,
                RuleArg::Minover => Rule::Minover(Minover::default()),
            };
            let hebb = matches!(rule, Rule::Hebb);
            let (loads, by_x) = match (alphas, x) {
                (Some(a), _) => (a.clone(), false),
                (None, Some(x)) => (x.clone(), true),
                (None, None) if hebb => ((1..=16).map(|k| 0.05 * k as f64).collect(), true),
                (None, None) => ((1..=19).map(|k| 0.05 * k as f64).collect(), false),
            };
            crate::hopfield_stability::stability_experiment(
                &glassbox::memory::stability::StabilitySpec {
                    rule,
                    n: 2,
                    patterns: vec![],
                    samples: *samples,
                    starts: *starts,
                    flip: *flip,
                    max_sweeps: 1000,
                    seed,
                },
                sizes,
                &loads,
                by_x,
            )?
        }
        Experiment::Scaling {
            powers,
            interaction,
            sizes,
            samples,
            starts,
            flip,
            success,
        } => {
            let exp = *interaction == InteractionArg::Exp;
            let sizes = sizes
                .as_deref()
                .unwrap_or(if exp {
                    "16,24,32,40,48"
                } else {
                    "100,200,400,800;40,80,160;20,30,45"
                })
                .split(';')
                .map(|l| {
                    l.split(',')
                        .map(|x| x.trim().parse::<usize>())
                        .collect::<std::result::Result<Vec<_>, _>>()
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--sizes: {e}"))?;
            let interactions: Vec<Interaction> = if exp {
                vec![Interaction::Exp]
            } else {
                powers.iter().map(|&n| Interaction::Power(n)).collect()
            };
            crate::hopfield_scaling::scaling_experiment(
                &interactions,
                &sizes,
                &glassbox::memory::scaling::ScalingSpec {
                    interaction: Interaction::Exp,
                    sizes: vec![],
                    samples: *samples,
                    starts: *starts,
                    flip: flip.unwrap_or(if exp { 0.25 } else { 0.0 }),
                    success_overlap: *success,
                    max_sweeps: 50,
                    seed,
                },
            )?
        }
    };
    out.emit(
        &dir,
        args.overwrite,
        &format!("hopfield {name}"),
        serde_json::json!({ "experiment": format!("{:?}", args.experiment) }),
        seed,
    )?;
    crate::hopfield_store::write_grids(&dir.join("plots"), &grids)
}
