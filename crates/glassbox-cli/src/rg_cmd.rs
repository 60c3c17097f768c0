//! `glassbox rg`: the renormalization group on Ising configurations (majority-rule block
//! spins, Swendsen's Monte Carlo RG, the flow of the nearest-neighbour correlation) and order
//! parameters learned from configurations (PCA, a variational autoencoder's latent space).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use glassbox::model::{CouplingLaw, GraphSpec, ModelSpec};
use glassbox::rg::autoencoder::{latent_order_parameter, AutoencoderConfig, LatentOrder};
use glassbox::rg::block::block_levels;
use glassbox::rg::mcrg::{mcrg, nn_correlation, nn_flow, McrgConfig, McrgResult};
use glassbox::rg::overlap::{overlap_configurations, OverlapSampling};
use glassbox::rg::pca::{pca_order_parameter, OrderCurve, PcaOrder};
use glassbox::rg::sample::configurations;
use glassbox::rg::stacked_rbm::{
    run_experiment, FlowPoint, Locality, StackExperiment, StackOutcome,
};
use glassbox::rg::{NU_2D, TC_CUBIC, TC_EA_GAUSSIAN, TC_EA_PM, TC_SQUARE, YH_2D};
use glassbox::rng::Streams;

use crate::plot::{escape_xml, Plot, Series, Style};
use crate::runfolder::RunFolder;
use crate::table::{linspace, Output};

/// Flags of `glassbox rg`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub experiment: Experiment,
    /// Output folder (default `runs/rg-<experiment>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Seed of the Monte Carlo chains, tie-breaks and training.
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
}

/// Which experiment.
#[derive(Subcommand, Debug, Clone)]
pub enum Experiment {
    /// Majority-rule blocking of one Wolff configuration per temperature; writes images of
    /// the configuration and its successive blockings (`images/blocks-T<T>.svg`).
    Block {
        /// Lattice side L (a multiple of b^levels).
        #[arg(short = 'L', long, default_value_t = 81)]
        l: usize,
        /// Lattice dimension (2 or 3; 3D images show the z = 0 slice).
        #[arg(long, default_value_t = 2)]
        dim: usize,
        /// Temperatures (default 0.9 T_c, T_c, 1.1 T_c).
        #[arg(short = 'T', long, value_delimiter = ',', allow_hyphen_values = true)]
        temperatures: Option<Vec<f64>>,
        /// Block side b.
        #[arg(short = 'b', long, default_value_t = 3)]
        b: usize,
        /// Number of blockings.
        #[arg(long, default_value_t = 3)]
        levels: usize,
    },
    /// Swendsen's Monte Carlo RG on the 2D Ising model: the linearized RG map's thermal
    /// eigenvalue and ν = ln b / ln λ_t, and its magnetic eigenvalue and y_h = ln λ_h / ln b,
    /// at each blocking step (exact ν = 1, y_h = 15/8 at T_c).
    Mcrg {
        /// Lattice side L (a multiple of b^levels, L / b^levels ≥ 4).
        #[arg(short = 'L', long, default_value_t = 64)]
        l: usize,
        /// Temperature (default T_c).
        #[arg(short = 'T', long, default_value_t = TC_SQUARE, allow_hyphen_values = true)]
        temperature: f64,
        /// Block side b.
        #[arg(short = 'b', long, default_value_t = 2)]
        b: usize,
        /// Number of blockings.
        #[arg(long, default_value_t = 4)]
        levels: usize,
        /// Even operators used (1 to 4: nn, nnn, plaquette, third neighbour).
        #[arg(long, default_value_t = 4)]
        operators: usize,
        /// Odd operators used for y_h (1 to 3: magnetization, corner triples, straight
        /// triples).
        #[arg(long, default_value_t = 3)]
        odd_operators: usize,
        /// Measurements per chain (one Wolff sweep apart).
        #[arg(long, default_value_t = 5000)]
        measurements: usize,
        /// Independent chains.
        #[arg(long, default_value_t = 4)]
        chains: usize,
    },
    /// Flow of the nearest-neighbour correlation under repeated blocking at several
    /// temperatures (to 1 below T_c, to 0 above, near the fixed point at T_c).
    Flow {
        /// Lattice side L.
        #[arg(short = 'L', long, default_value_t = 128)]
        l: usize,
        /// Lattice dimension (2 or 3).
        #[arg(long, default_value_t = 2)]
        dim: usize,
        /// Temperatures (default T_c × 0.9, 0.95, 0.98, 1, 1.02, 1.05, 1.1).
        #[arg(short = 'T', long, value_delimiter = ',', allow_hyphen_values = true)]
        temperatures: Option<Vec<f64>>,
        /// Block side b.
        #[arg(short = 'b', long, default_value_t = 2)]
        b: usize,
        /// Number of blockings.
        #[arg(long, default_value_t = 5)]
        levels: usize,
        /// Measurements per temperature.
        #[arg(long, default_value_t = 1000)]
        measurements: usize,
    },
    /// PCA of 2D Ising configurations across T: the leading component against the uniform
    /// vector, ⟨|p_1|⟩/√N against T and the peak of its slope (T_c estimate).
    Pca {
        /// Lattice side L.
        #[arg(short = 'L', long, default_value_t = 32)]
        l: usize,
        /// Lowest temperature.
        #[arg(long, default_value_t = 1.6)]
        t_min: f64,
        /// Highest temperature.
        #[arg(long, default_value_t = 3.0)]
        t_max: f64,
        /// Number of temperatures.
        #[arg(long, default_value_t = 29)]
        temps: usize,
        /// Configurations per temperature.
        #[arg(long, default_value_t = 200)]
        configs: usize,
    },
    /// A variational autoencoder trained on 2D Ising configurations from all temperatures:
    /// Z^op = Manhattan norm of the 2D latent code, and the peak of χ(Z^op) = |d⟨Z^op⟩/dT|.
    #[command(visible_alias = "autoencoder")]
    OrderParameter {
        /// Lattice side L.
        #[arg(short = 'L', long, default_value_t = 32)]
        l: usize,
        /// Lowest temperature.
        #[arg(long, default_value_t = 1.6)]
        t_min: f64,
        /// Highest temperature.
        #[arg(long, default_value_t = 3.0)]
        t_max: f64,
        /// Number of temperatures.
        #[arg(long, default_value_t = 29)]
        temps: usize,
        /// Configurations per temperature.
        #[arg(long, default_value_t = 100)]
        configs: usize,
        #[command(flatten)]
        ae: AeArgs,
    },
    /// The same pipeline on the 3D Edwards–Anderson spin glass: overlap configurations
    /// q_i = s_i^a s_i^b of two parallel-tempering replicas (gauge invariant), their PCA and
    /// a VAE's Z^op against T, with the literature T_c marked.
    SpinGlass {
        /// Lattice side L (L³ spins).
        #[arg(short = 'L', long, default_value_t = 6)]
        l: usize,
        /// Coupling law: ±J (T_c = 1.102) or Gaussian (T_c = 0.951).
        #[arg(long, value_enum, default_value_t = EaLaw::Pm)]
        couplings: EaLaw,
        /// Lowest temperature.
        #[arg(long, default_value_t = 0.6)]
        t_min: f64,
        /// Highest temperature.
        #[arg(long, default_value_t = 2.0)]
        t_max: f64,
        /// Number of temperatures (evenly spaced; all in one PT run).
        #[arg(long, default_value_t = 15)]
        temps: usize,
        /// Disorder samples.
        #[arg(long, default_value_t = 8)]
        samples: usize,
        /// PT sweeps before the first snapshot.
        #[arg(long, default_value_t = 20000)]
        thermalization: u64,
        /// Snapshots per sample and temperature.
        #[arg(long, default_value_t = 50)]
        snapshots: usize,
        /// PT sweeps between snapshots.
        #[arg(long, default_value_t = 10)]
        every: u64,
        #[command(flatten)]
        ae: AeArgs,
    },
    /// Stacked RBMs trained on 2D Ising configurations at one temperature (Mehta & Schwab):
    /// locality of the receptive fields against a permuted baseline, images of them, and the
    /// nn-correlation flow of layer-by-layer reconstructions against the block-spin flow.
    Rbm {
        /// Lattice side L (a multiple of 2^layers).
        #[arg(short = 'L', long, default_value_t = 32)]
        l: usize,
        /// Training temperature (default T_c).
        #[arg(short = 'T', long, default_value_t = TC_SQUARE)]
        temperature: f64,
        /// Hidden units per layer (default N/4, N/16: two "b = 2" steps).
        #[arg(long, value_delimiter = ',')]
        hidden: Option<Vec<usize>>,
        /// Training configurations.
        #[arg(long, default_value_t = 2000)]
        configs: usize,
        /// Training epochs per layer.
        #[arg(long, default_value_t = 20)]
        epochs: usize,
        /// Learning rate (CD-1, momentum 0.5, batch 20).
        #[arg(long, default_value_t = 0.01)]
        learning_rate: f64,
        /// L2 weight decay.
        #[arg(long, default_value_t = 1e-4)]
        weight_decay: f64,
        /// L1 penalty λ₁ on the weights (−λ₁ sign(W) in the gradient; Mehta & Schwab used one).
        #[arg(long, default_value_t = 0.0)]
        l1: f64,
        /// Side of the locality window (odd).
        #[arg(long, default_value_t = 5)]
        window: usize,
        /// Temperatures of the flow (default T_c × 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25).
        #[arg(long, value_delimiter = ',')]
        flow_temperatures: Option<Vec<f64>>,
        /// Configurations per flow temperature.
        #[arg(long, default_value_t = 200)]
        flow_configs: usize,
    },
}

/// The autoencoder's flags.
#[derive(clap::Args, Debug, Clone)]
pub struct AeArgs {
    /// Hidden units.
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Weight of the KL term (0 with --plain).
    #[arg(long, default_value_t = 1.0)]
    beta_kl: f64,
    /// A plain (deterministic) autoencoder instead of a VAE.
    #[arg(long)]
    plain: bool,
}

impl AeArgs {
    fn config(&self) -> AutoencoderConfig {
        AutoencoderConfig {
            hidden: self.hidden,
            epochs: self.epochs,
            beta_kl: self.beta_kl,
            variational: !self.plain,
            ..AutoencoderConfig::default()
        }
    }
}

/// The coupling law of the Edwards–Anderson glass.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EaLaw {
    /// J_ij = ±1.
    Pm,
    /// J_ij ~ N(0, 1).
    Gaussian,
}

impl EaLaw {
    /// The coupling law and the literature T_c.
    pub fn law(self) -> (CouplingLaw, f64) {
        match self {
            EaLaw::Pm => (CouplingLaw::PlusMinus { j: 1.0 }, TC_EA_PM),
            EaLaw::Gaussian => (
                CouplingLaw::Gaussian {
                    mean: 0.0,
                    std: 1.0,
                },
                TC_EA_GAUSSIAN,
            ),
        }
    }
}

impl Experiment {
    fn name(&self) -> &'static str {
        match self {
            Experiment::Block { .. } => "block",
            Experiment::Mcrg { .. } => "mcrg",
            Experiment::Flow { .. } => "flow",
            Experiment::Pca { .. } => "pca",
            Experiment::OrderParameter { .. } => "order-parameter",
            Experiment::SpinGlass { .. } => "spin-glass",
            Experiment::Rbm { .. } => "rbm",
        }
    }
}

fn tc(dim: usize) -> Result<f64> {
    match dim {
        2 => Ok(TC_SQUARE),
        3 => Ok(TC_CUBIC),
        _ => bail!("--dim must be 2 or 3, got {dim}"),
    }
}

/// An SVG of spin images side by side (black = +1, white = −1), each `size` pixels wide;
/// `panels` holds (caption, spins, side) of L × L images (row y, x fastest).
pub fn spin_images_svg(title: &str, panels: &[(String, Vec<i8>, usize)], size: f64) -> String {
    let gap = 16.0;
    let width = panels.len() as f64 * (size + gap) + gap;
    let height = size + 56.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{gap}\" y=\"16\" font-size=\"14\">{}</text>\n",
        escape_xml(title)
    );
    for (p, (caption, spins, side)) in panels.iter().enumerate() {
        let x0 = gap + p as f64 * (size + gap);
        let y0 = 26.0;
        let cell = size / *side as f64;
        s += &format!(
            "<g shape-rendering=\"crispEdges\"><rect x=\"{x0}\" y=\"{y0}\" width=\"{size}\" height=\"{size}\" fill=\"white\" stroke=\"#888\"/>\n"
        );
        for y in 0..*side {
            // Runs of up spins in a row become one rectangle.
            let mut x = 0;
            while x < *side {
                if spins[x + side * y] == 1 {
                    let start = x;
                    while x < *side && spins[x + side * y] == 1 {
                        x += 1;
                    }
                    s += &format!(
                        "<rect x=\"{:.3}\" y=\"{:.3}\" width=\"{:.3}\" height=\"{:.3}\" fill=\"black\"/>",
                        x0 + start as f64 * cell,
                        y0 + y as f64 * cell,
                        (x - start) as f64 * cell,
                        cell
                    );
                } else {
                    x += 1;
                }
            }
            s.push('\n');
        }
        s += &format!(
            "</g><text x=\"{x0}\" y=\"{}\">{}</text>\n",
            y0 + size + 18.0,
            escape_xml(caption)
        );
    }
    s + "</svg>\n"
}

/// The result of `rg block`: the output and the images (file name, SVG).
pub fn block_output(
    l: usize,
    dim: usize,
    temperatures: &[f64],
    b: usize,
    levels: usize,
    seed: u64,
) -> Result<(Output, Vec<(String, String)>)> {
    let tc = tc(dim)?;
    let dims = vec![l; dim];
    let streams = Streams::new(seed);
    let confs = configurations(&dims, temperatures, 1, 1, 200, &streams)?;
    let mut rows = Vec::new();
    let mut images = Vec::new();
    let mut ties = streams.stream(&[7, 0]);
    for (t, conf) in temperatures.iter().zip(&confs) {
        let lv = block_levels(&conf[0], &dims, b, levels, &mut ties)?;
        let mut panels = Vec::new();
        for (n, (s, d)) in lv.iter().enumerate() {
            let m = s.iter().map(|&v| v as f64).sum::<f64>() / s.len() as f64;
            let g = nn_correlation(s, d);
            rows.push(vec![
                t.to_string(),
                n.to_string(),
                d[0].to_string(),
                m.to_string(),
                g.to_string(),
            ]);
            // 3D: the z = 0 slice.
            let slice = s[..d[0] * d[0]].to_vec();
            panels.push((format!("n = {n}: {0}×{0}", d[0]), slice, d[0]));
        }
        let title = format!(
            "{dim}D Ising, L = {l}, T = {t} (T/T_c = {:.3}), majority rule b = {b}{}",
            t / tc,
            if dim == 3 { ", z = 0 slice" } else { "" }
        );
        images.push((
            format!("images/blocks-T{t:.4}.svg"),
            spin_images_svg(&title, &panels, 200.0),
        ));
    }
    let out = Output {
        summary: vec![format!(
            "majority-rule blocking (b = {b}) of one Wolff configuration of the {dim}D Ising model, L = {l}, T_c = {tc}"
        )],
        header: vec!["T", "level", "side", "m", "nn_correlation"],
        rows,
        json: serde_json::json!({ "temperatures": temperatures, "tc": tc }),
        plots: vec![],
        arrays: vec![],
    };
    Ok((out, images))
}

/// The result of `rg mcrg`.
pub fn mcrg_output(cfg: &McrgConfig, seed: u64) -> Result<(Output, McrgResult)> {
    let r = mcrg(cfg, &Streams::new(seed))?;
    let mut summary = vec![format!(
        "MCRG, 2D Ising L = {}, T = {} (T_c = {TC_SQUARE:.6}), b = {}, {} even and {} odd operators, {} × {} measurements; exact ν = {NU_2D}, y_h = {YH_2D}",
        cfg.l, cfg.t, cfg.b, cfg.operators, cfg.odd_operators, cfg.chains, cfg.measurements
    )];
    let mut rows = Vec::new();
    for lv in &r.levels {
        summary.push(format!(
            "level {} → {} ({}² block lattice): λ_t = {:.4} ± {:.4}, ν = {:.4} ± {:.4}; λ_h = {:.4} ± {:.4}, y_h = {:.4} ± {:.4}",
            lv.level,
            lv.level + 1,
            lv.side,
            lv.lambda_t.mean,
            lv.lambda_t.error,
            lv.nu.mean,
            lv.nu.error,
            lv.lambda_h.mean,
            lv.lambda_h.error,
            lv.y_h.mean,
            lv.y_h.error
        ));
        rows.push(vec![
            lv.level.to_string(),
            lv.side.to_string(),
            lv.lambda_t.mean.to_string(),
            lv.lambda_t.error.to_string(),
            lv.nu.mean.to_string(),
            lv.nu.error.to_string(),
            lv.lambda_h.mean.to_string(),
            lv.lambda_h.error.to_string(),
            lv.y_h.mean.to_string(),
            lv.y_h.error.to_string(),
        ]);
    }
    let x: Vec<f64> = r.levels.iter().map(|l| (l.level + 1) as f64).collect();
    let plot = Plot::new(
        format!(
            "MCRG ν, 2D Ising L = {}, b = {}, T = {:.4}",
            cfg.l, cfg.b, cfg.t
        ),
        "blocking level n + 1",
        "ν = ln b / ln λ_t",
    )
    .with(
        Series::new(
            "MCRG",
            x.clone(),
            r.levels.iter().map(|l| l.nu.mean).collect(),
            Style::LinePoints,
        )
        .with_yerr(r.levels.iter().map(|l| l.nu.error).collect()),
    )
    .with(
        Series::new(
            "exact ν = 1",
            vec![x[0], x[x.len() - 1]],
            vec![NU_2D; 2],
            Style::Dashed,
        )
        .with_color(2),
    );
    let yh_plot = Plot::new(
        format!(
            "MCRG magnetic exponent, 2D Ising L = {}, b = {}, T = {:.4}",
            cfg.l, cfg.b, cfg.t
        ),
        "blocking level n + 1",
        "y_h = ln λ_h / ln b",
    )
    .with(
        Series::new(
            "MCRG",
            x.clone(),
            r.levels.iter().map(|l| l.y_h.mean).collect(),
            Style::LinePoints,
        )
        .with_yerr(r.levels.iter().map(|l| l.y_h.error).collect()),
    )
    .with(
        Series::new(
            "exact y_h = 15/8",
            vec![x[0], x[x.len() - 1]],
            vec![YH_2D; 2],
            Style::Dashed,
        )
        .with_color(2),
    );
    let out = Output {
        summary,
        header: vec![
            "level",
            "side",
            "lambda_t",
            "lambda_t_err",
            "nu",
            "nu_err",
            "lambda_h",
            "lambda_h_err",
            "y_h",
            "y_h_err",
        ],
        rows,
        json: serde_json::json!({ "config": cfg, "result": &r }),
        plots: vec![("nu", plot), ("y_h", yh_plot)],
        arrays: vec![],
    };
    Ok((out, r))
}

/// The result of `rg flow`.
pub fn flow_output(
    l: usize,
    dim: usize,
    temperatures: &[f64],
    b: usize,
    levels: usize,
    measurements: usize,
    seed: u64,
) -> Result<Output> {
    let tc = tc(dim)?;
    let f = nn_flow(
        &vec![l; dim],
        temperatures,
        b,
        levels,
        measurements,
        200,
        &Streams::new(seed),
    )?;
    let mut rows = Vec::new();
    let mut plot = Plot::new(
        format!("RG flow of the nn correlation, {dim}D Ising L = {l}, majority rule b = {b}"),
        "blocking level n",
        "nearest-neighbour correlation g⁽ⁿ⁾",
    );
    for (k, (t, g)) in temperatures.iter().zip(&f).enumerate() {
        for (n, e) in g.iter().enumerate() {
            rows.push(vec![
                t.to_string(),
                n.to_string(),
                e.mean.to_string(),
                e.error.to_string(),
            ]);
        }
        plot = plot.with(
            Series::new(
                format!("T/T_c = {:.3}", t / tc),
                (0..g.len()).map(|n| n as f64).collect(),
                g.iter().map(|e| e.mean).collect(),
                Style::LinePoints,
            )
            .with_yerr(g.iter().map(|e| e.error).collect())
            .with_color(k),
        );
    }
    Ok(Output {
        summary: vec![format!(
            "nearest-neighbour correlation under {levels} blockings (b = {b}), {dim}D Ising L = {l}, T_c = {tc}, {measurements} configurations per T"
        )],
        header: vec!["T", "level", "g", "g_err"],
        rows,
        json: serde_json::json!({ "temperatures": temperatures, "tc": tc, "flow": f }),
        plots: vec![("flow", plot)],
        arrays: vec![],
    })
}

fn curve_plot(title: String, ylabel: &str, c: &OrderCurve, tc: f64) -> (Plot, Plot) {
    let t = &c.temperatures;
    let f = c.fit;
    let dense = linspace(t[0], t[t.len() - 1], 200);
    let mean = Plot::new(title.clone(), "temperature T", ylabel)
        .with(
            Series::new(
                ylabel,
                t.clone(),
                c.mean.iter().map(|e| e.mean).collect(),
                Style::LinePoints,
            )
            .with_yerr(c.mean.iter().map(|e| e.error).collect()),
        )
        .with(
            Series::new(
                "fit a + b tanh((T − T*)/w)",
                dense.clone(),
                dense
                    .iter()
                    .map(|&x| f.a + f.b * ((x - f.t_star) / f.width).tanh())
                    .collect(),
                Style::Dashed,
            )
            .with_color(1),
        )
        .vline(tc, "T_c")
        .vline(f.t_star, "fit T*");
    let chi = Plot::new(title, "temperature T", format!("|d⟨{ylabel}⟩/dT|"))
        .with(Series::new(
            "windowed slope",
            c.midpoints.clone(),
            c.chi.clone(),
            Style::LinePoints,
        ))
        .with(
            Series::new(
                "slope of the fit",
                dense.clone(),
                dense
                    .iter()
                    .map(|&x| (f.b / f.width).abs() / ((x - f.t_star) / f.width).cosh().powi(2))
                    .collect(),
                Style::Dashed,
            )
            .with_color(1),
        )
        .vline(tc, "T_c")
        .vline(c.t_peak, "slope peak")
        .vline(f.t_star, "fit T*");
    (mean, chi)
}

/// The two T_c estimates of an order curve against `tc`, for summaries.
fn curve_summary(what: &str, c: &OrderCurve, tc: f64) -> String {
    let dev = |t: f64| 100.0 * (t - tc) / tc;
    format!(
        "{what}: fitted step centre T* = {:.4} ± {:.4} ({:+.1} %), windowed-slope peak {:.4} ± {:.4} ({:+.1} %); T_c = {tc:.4}",
        c.fit.t_star,
        c.t_star_error,
        dev(c.fit.t_star),
        c.t_peak,
        c.t_peak_error,
        dev(c.t_peak)
    )
}

fn curve_rows(c: &OrderCurve) -> Vec<Vec<String>> {
    c.temperatures
        .iter()
        .zip(&c.mean)
        .zip(&c.chi)
        .map(|((t, e), chi)| {
            vec![
                t.to_string(),
                e.mean.to_string(),
                e.error.to_string(),
                chi.to_string(),
            ]
        })
        .collect()
}

/// Configurations grouped by temperature.
type Configurations = Vec<Vec<Vec<i8>>>;

/// `temps` evenly spaced temperatures from `t_min` to `t_max` (checked).
fn grid(t_min: f64, t_max: f64, temps: usize) -> Result<Vec<f64>> {
    if !(t_min > 0.0 && t_max > t_min) || temps < 3 {
        bail!("need 0 < --t-min < --t-max and --temps ≥ 3, got {t_min}, {t_max}, {temps}");
    }
    Ok(linspace(t_min, t_max, temps))
}

fn sample_grid(
    l: usize,
    t_min: f64,
    t_max: f64,
    temps: usize,
    configs: usize,
    seed: u64,
) -> Result<(Vec<f64>, Configurations)> {
    let t = grid(t_min, t_max, temps)?;
    let c = configurations(&[l, l], &t, configs, 1, 200, &Streams::new(seed))?;
    Ok((t, c))
}

/// The result of `rg pca`.
pub fn pca_output(
    l: usize,
    t_min: f64,
    t_max: f64,
    temps: usize,
    configs: usize,
    seed: u64,
) -> Result<(Output, PcaOrder)> {
    let (t, c) = sample_grid(l, t_min, t_max, temps, configs, seed)?;
    let p = pca_order_parameter(&t, &c)?;
    let summary = vec![
        format!("PCA of {} configurations of the 2D Ising model, L = {l}, T = {t_min} … {t_max} ({temps} temperatures)", temps * configs),
        format!(
            "leading component: explains {:.1} % of the variance (next {:.1} %); overlap with the uniform vector {:.4}",
            100.0 * p.pca.explained[0],
            100.0 * p.pca.explained.get(1).copied().unwrap_or(0.0),
            p.uniform_overlap
        ),
        curve_summary("peak of |d⟨|p₁|/√N⟩/dT|", &p.curve, TC_SQUARE),
    ];
    let (mean, chi) = curve_plot(
        format!("PCA, 2D Ising L = {l}"),
        "|p₁|/√N",
        &p.curve,
        TC_SQUARE,
    );
    let out = Output {
        summary,
        header: vec!["T", "z", "z_err", "chi"],
        rows: curve_rows(&p.curve),
        json: serde_json::json!({
            "explained": p.pca.explained,
            "uniform_overlap": p.uniform_overlap,
            "curve": &p.curve,
            "t_peak": p.curve.t_peak,
            "t_star": p.curve.fit.t_star,
            "tc": TC_SQUARE,
            "leading_component": p.pca.components[0],
        }),
        plots: vec![("pca-order", mean), ("pca-chi", chi)],
        arrays: vec![],
    };
    Ok((out, p))
}

/// The result of `rg order-parameter`.
#[allow(clippy::too_many_arguments)]
pub fn autoencoder_output(
    l: usize,
    t_min: f64,
    t_max: f64,
    temps: usize,
    configs: usize,
    ae: &AutoencoderConfig,
    seed: u64,
) -> Result<(Output, LatentOrder)> {
    let (t, c) = sample_grid(l, t_min, t_max, temps, configs, seed)?;
    let mut rng = Streams::new(seed).stream(&[8, 0]);
    let r = latent_order_parameter(&t, &c, ae, &mut rng)?;
    let kind = if ae.variational { "VAE" } else { "autoencoder" };
    let summary = vec![
        format!(
            "{kind} ({} → {} → 2, {} epochs) on {} configurations of the 2D Ising model, L = {l}, T = {t_min} … {t_max}; final loss {:.2} per configuration",
            l * l, ae.hidden, ae.epochs, temps * configs, r.losses.last().copied().unwrap_or(f64::NAN)
        ),
        curve_summary(
            "peak of χ(Z^op) = |d⟨Z^op⟩/dT|, Z^op = Manhattan norm",
            &r.curve,
            TC_SQUARE,
        ),
        curve_summary(
            "peak of |d⟨Z₂⟩/dT|, Z₂ = Euclidean norm (rotation invariant)",
            &r.euclidean,
            TC_SQUARE,
        ),
        CRITERION.to_string(),
    ];
    let (mean, chi, latent, mean2, chi2) =
        latent_plots(kind, &format!("2D Ising L = {l}"), &t, &r, TC_SQUARE);
    let out = Output {
        summary,
        header: vec!["T", "z", "z_err", "chi"],
        rows: curve_rows(&r.curve),
        json: serde_json::json!({
            "autoencoder": ae,
            "curve": &r.curve,
            "t_peak": r.curve.t_peak,
            "t_star": r.curve.fit.t_star,
            "euclidean": &r.euclidean,
            "tc": TC_SQUARE,
            "losses": r.losses,
            "points": r.points,
        }),
        plots: vec![
            ("zop", mean),
            ("zop-chi", chi),
            ("latent", latent),
            ("z2", mean2),
            ("z2-chi", chi2),
        ],
        arrays: vec![],
    };
    Ok((out, r))
}

/// Which latent distance is the order parameter (stated in the CLI and tour output).
pub const CRITERION: &str = "T_c criterion: the rotation-invariant Euclidean norm Z₂ = ‖z − z̄‖₂ of the 2D code is the order parameter of record and the centre T* of the fitted step (the peak of the fitted slope χ) is the T_c estimate: within 3 % of T_c for 6/6 seeds at L = 32 (−1.5 … +0.2 %); the paper's Manhattan Z^op depends on the VAE's arbitrary latent frame (4/6 seeds within 3 %), and the arg-max of the finite-difference slope is noise-limited (3/6)";

/// The plots of a latent order parameter: ⟨Z^op⟩ and its slope, the 2D codes coloured by
/// T/T_c, ⟨Z₂⟩ and its slope.
fn latent_plots(
    kind: &str,
    what: &str,
    t: &[f64],
    r: &LatentOrder,
    tc: f64,
) -> (Plot, Plot, Plot, Plot, Plot) {
    let (mean, chi) = curve_plot(
        format!("{kind} latent order parameter, {what}"),
        "Z^op",
        &r.curve,
        tc,
    );
    let (mean2, chi2) = curve_plot(
        format!("{kind} latent Euclidean order parameter, {what}"),
        "Z₂",
        &r.euclidean,
        tc,
    );
    let mut latent = Plot::new(format!("{kind} latent codes (2D), {what}"), "z₁", "z₂");
    // Three colour groups: below, near and above T_c.
    for (k, (label, lo, hi)) in [
        ("T < 0.95 T_c", 0.0, 0.95),
        ("0.95 T_c ≤ T ≤ 1.05 T_c", 0.95, 1.05),
        ("T > 1.05 T_c", 1.05, f64::INFINITY),
    ]
    .into_iter()
    .enumerate()
    {
        let pts: Vec<[f64; 2]> = t
            .iter()
            .zip(&r.points)
            .filter(|(t, _)| {
                let x = *t / tc;
                x >= lo && x < hi
            })
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        latent = latent.with(
            Series::points(
                label,
                pts.iter().map(|p| p[0]).collect(),
                pts.iter().map(|p| p[1]).collect(),
            )
            .with_color(k),
        );
    }
    (mean, chi, latent, mean2, chi2)
}

/// The result of `rg spin-glass`: PCA and the autoencoder on overlap configurations of the
/// 3D Edwards–Anderson glass of side `l` with coupling law `law` (disorder from `seed`).
pub fn spin_glass_output(
    l: usize,
    law: EaLaw,
    temperatures: &[f64],
    sampling: &OverlapSampling,
    ae: &AutoencoderConfig,
    seed: u64,
) -> Result<(Output, PcaOrder, LatentOrder)> {
    let (couplings, tc) = law.law();
    let spec = ModelSpec {
        graph: GraphSpec::Lattice {
            dims: vec![l; 3],
            periodic: true,
        },
        couplings: Some(couplings),
        field: Default::default(),
        seed,
    };
    let c = overlap_configurations(&spec, sampling)?;
    let p = pca_order_parameter(temperatures, &c)?;
    let mut rng = Streams::new(seed).stream(&[8, 0]);
    let r = latent_order_parameter(temperatures, &c, ae, &mut rng)?;
    // ⟨|q|⟩ directly, and how closely the learned quantities follow |q| configuration by
    // configuration (Pearson correlation over all configurations).
    let n = (l * l * l) as f64;
    let abs_q: Vec<Vec<f64>> = c
        .iter()
        .map(|g| {
            g.iter()
                .map(|x| (x.iter().map(|&s| s as f64).sum::<f64>() / n).abs())
                .collect()
        })
        .collect();
    let flat = |v: &[Vec<f64>]| v.iter().flatten().copied().collect::<Vec<f64>>();
    let z_pca: Vec<Vec<f64>> = c
        .iter()
        .map(|g| {
            g.iter()
                .map(|x| {
                    let v: Vec<f64> = x.iter().map(|&s| s as f64).collect();
                    p.pca.project(&v)[0].abs() / n.sqrt()
                })
                .collect()
        })
        .collect();
    let pts: Vec<[f64; 2]> = r.points.iter().flatten().copied().collect();
    let m = pts.len() as f64;
    let centre = pts
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / m, a[1] + p[1] / m]);
    let z2: Vec<f64> = pts
        .iter()
        .map(|p| (p[0] - centre[0]).hypot(p[1] - centre[1]))
        .collect();
    let q = flat(&abs_q);
    let corr_pca = pearson(&q, &flat(&z_pca));
    let corr_ae = pearson(&q, &z2);
    let q_curve = glassbox::rg::pca::order_curve(temperatures, &abs_q)?;
    let kind = if ae.variational { "VAE" } else { "autoencoder" };
    let law_name = match law {
        EaLaw::Pm => "±J",
        EaLaw::Gaussian => "Gaussian",
    };
    let what = format!("3D {law_name} EA, L = {l}, overlap configurations");
    let summary = vec![
        format!(
            "overlap configurations q_i = s_i^a s_i^b of the 3D {law_name} Edwards–Anderson glass, L = {l}: {} disorder samples × {} snapshots ({} PT sweeps apart, after {}) at {} temperatures {:.3} … {:.3}; T_c = {tc} (literature)",
            sampling.samples,
            sampling.snapshots,
            sampling.every,
            sampling.thermalization,
            temperatures.len(),
            temperatures[0],
            temperatures[temperatures.len() - 1]
        ),
        format!(
            "PCA: leading component explains {:.1} % of the variance (next {:.1} %), overlap with the uniform vector {:.4}: it is the spin overlap q; |p₁|/√N vs |q| per configuration: correlation {corr_pca:.4}",
            100.0 * p.pca.explained[0],
            100.0 * p.pca.explained.get(1).copied().unwrap_or(0.0),
            p.uniform_overlap
        ),
        curve_summary("⟨|q|⟩ itself", &q_curve, tc),
        curve_summary("PCA ⟨|p₁|⟩/√N", &p.curve, tc),
        curve_summary(&format!("{kind} Z^op (Manhattan)"), &r.curve, tc),
        curve_summary(&format!("{kind} Z₂ (Euclidean)"), &r.euclidean, tc),
        format!(
            "{kind}: Z₂ = ‖z − z̄‖ of the 2D code vs |q| per configuration: correlation {corr_ae:.4}; final loss {:.2} per configuration",
            r.losses.last().copied().unwrap_or(f64::NAN)
        ),
        "At this size ⟨|q|⟩ falls smoothly through T_c (finite-size |q| ≈ √(χ_SG/N) above it): a slope peak or step centre locates a crossover, not T_c; the crossing of the Binder ratio or ξ_L/L between sizes (glassbox temper) is what locates T_c.".to_string(),
    ];
    let (pm, pc) = curve_plot(format!("PCA, {what}"), "|p₁|/√N", &p.curve, tc);
    let (am, ac, latent, am2, ac2) = latent_plots(kind, &what, temperatures, &r, tc);
    let rows = temperatures
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let e = |c: &OrderCurve| [c.mean[k].mean.to_string(), c.mean[k].error.to_string()];
            let mut row = vec![t.to_string()];
            for c in [&q_curve, &p.curve, &r.curve, &r.euclidean] {
                row.extend(e(c));
            }
            row
        })
        .collect();
    let out = Output {
        summary,
        header: vec![
            "T",
            "abs_q",
            "abs_q_err",
            "z_pca",
            "z_pca_err",
            "zop",
            "zop_err",
            "z2",
            "z2_err",
        ],
        rows,
        json: serde_json::json!({
            "sampling": sampling,
            "tc": tc,
            "abs_q": &q_curve,
            "pca": { "explained": p.pca.explained, "uniform_overlap": p.uniform_overlap, "curve": &p.curve, "corr_abs_q": corr_pca },
            "autoencoder": ae,
            "curve": &r.curve,
            "euclidean": &r.euclidean,
            "corr_abs_q": corr_ae,
            "losses": r.losses,
        }),
        plots: vec![
            ("pca-order", pm),
            ("pca-chi", pc),
            ("zop", am),
            ("zop-chi", ac),
            ("latent", latent),
            ("z2", am2),
            ("z2-chi", ac2),
        ],
        arrays: vec![],
    };
    Ok((out, p, r))
}

/// Pearson correlation of two equally long samples.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt()
}

/// A grey-scale SVG of receptive fields (red > 0, blue < 0, each scaled to its own largest
/// |weight|), `per_row` per row; fields are `l × l` (x fastest).
fn fields_svg(title: &str, fields: &[Vec<f64>], l: usize, per_row: usize) -> String {
    let (size, gap) = (64.0, 6.0);
    let rows = fields.len().div_ceil(per_row);
    let width = per_row as f64 * (size + gap) + gap;
    let height = rows as f64 * (size + gap) + gap + 24.0;
    let cell = size / l as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{gap}\" y=\"16\" font-size=\"13\">{}</text>\n<g shape-rendering=\"crispEdges\">\n",
        escape_xml(title)
    );
    for (k, f) in fields.iter().enumerate() {
        let x0 = gap + (k % per_row) as f64 * (size + gap);
        let y0 = 24.0 + gap + (k / per_row) as f64 * (size + gap);
        let max = f
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        for (i, v) in f.iter().enumerate() {
            let a = (v.abs() / max * 255.0).round() as u8;
            let color = if *v >= 0.0 {
                format!("rgb(255,{0},{0})", 255 - a)
            } else {
                format!("rgb({0},{0},255)", 255 - a)
            };
            s += &format!(
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"{color}\"/>",
                x0 + (i % l) as f64 * cell,
                y0 + (i / l) as f64 * cell,
            );
        }
        s.push('\n');
    }
    s + "</g>\n</svg>\n"
}

/// What `rg rbm` produces: the output, the images (file, SVG), the per-layer localities and
/// the flows.
pub type RbmRun = (Output, Vec<(String, String)>, Vec<Locality>, Vec<FlowPoint>);

/// The result of `rg rbm`.
pub fn rbm_output(set: &StackExperiment, seed: u64) -> Result<RbmRun> {
    let (l, depth) = (set.l, set.hidden.len());
    let StackOutcome {
        stack,
        localities,
        flow,
    } = run_experiment(set, seed)?;
    let mut summary = vec![format!(
        "stacked RBMs {} → {} trained on {} configurations of the 2D Ising model, L = {l}, T = {:.4} (T_c = {TC_SQUARE:.4}); CD-1, {} epochs per layer, L2 {}, L1 {}",
        l * l,
        set.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(" → "),
        set.configs,
        set.temperature,
        set.spec.epochs,
        set.spec.weight_decay,
        set.spec.l1
    )];
    for lo in &localities {
        summary.push(format!(
            "layer {}: share of squared weight in the {}×{} window around the peak {:.3} ± {:.3} (site-permuted baseline {:.3} ± {:.3})",
            lo.layer, lo.window, lo.window, lo.locality.mean, lo.locality.error, lo.baseline.mean, lo.baseline.error
        ));
    }
    let mut rows = Vec::new();
    let mut plot = Plot::new(
        format!("nn correlation: block spins (b = 2) vs RBM reconstructions, L = {l}"),
        "temperature T of the input configurations",
        "nearest-neighbour correlation g",
    );
    for k in 0..=depth {
        let g = |p: &FlowPoint, rbm: bool| if rbm { p.rbm[k] } else { p.block[k] };
        for (rbm, name) in [(false, "block spins"), (true, "RBM")] {
            if k == 0 && rbm {
                continue;
            }
            let label = if k == 0 {
                "configurations".to_string()
            } else {
                format!("{name}, step {k}")
            };
            let series = Series::new(
                label,
                flow.iter().map(|p| p.t).collect(),
                flow.iter().map(|p| g(p, rbm).mean).collect(),
                if rbm {
                    Style::Dashed
                } else {
                    Style::LinePoints
                },
            )
            .with_yerr(flow.iter().map(|p| g(p, rbm).error).collect())
            .with_color(k);
            plot = plot.with(series);
        }
    }
    plot = plot.vline(TC_SQUARE, "T_c");
    for p in &flow {
        for k in 0..=depth {
            rows.push(vec![
                p.t.to_string(),
                k.to_string(),
                p.block[k].mean.to_string(),
                p.block[k].error.to_string(),
                p.rbm[k].mean.to_string(),
                p.rbm[k].error.to_string(),
            ]);
        }
    }
    for p in [flow.first(), flow.last()].into_iter().flatten() {
        summary.push(format!(
            "T = {:.4}: g = {:.3} → block spins {} / RBM reconstructions {}",
            p.t,
            p.block[0].mean,
            p.block[1..]
                .iter()
                .map(|e| format!("{:.3}", e.mean))
                .collect::<Vec<_>>()
                .join(", "),
            p.rbm[1..]
                .iter()
                .map(|e| format!("{:.3}", e.mean))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut images = Vec::new();
    for k in 1..=depth {
        let fields = stack.receptive_fields(k)?;
        let shown = &fields[..fields.len().min(32)];
        images.push((
            format!("images/receptive-fields-layer{k}.svg"),
            fields_svg(
                &format!(
                    "layer {k} receptive fields (W₁⋯W_{k} columns), L = {l}; red > 0, blue < 0"
                ),
                shown,
                l,
                8,
            ),
        ));
    }
    let out = Output {
        summary,
        header: vec!["T", "step", "g_block", "g_block_err", "g_rbm", "g_rbm_err"],
        rows,
        json: serde_json::json!({ "settings": set, "locality": localities, "flow": flow, "tc": TC_SQUARE }),
        plots: vec![("flow", plot)],
        arrays: vec![],
    };
    Ok((out, images, localities, flow))
}

/// Runs `glassbox rg`.
pub fn run(args: Args) -> Result<()> {
    let name = args.experiment.name();
    let seed = args.seed;
    let mut images = Vec::new();
    let out = match args.experiment.clone() {
        Experiment::Block {
            l,
            dim,
            temperatures,
            b,
            levels,
        } => {
            let tc = tc(dim)?;
            let t = temperatures.unwrap_or_else(|| vec![0.9 * tc, tc, 1.1 * tc]);
            let (out, im) = block_output(l, dim, &t, b, levels, seed)?;
            images = im;
            out
        }
        Experiment::Mcrg {
            l,
            temperature,
            b,
            levels,
            operators,
            odd_operators,
            measurements,
            chains,
        } => {
            let cfg = McrgConfig {
                l,
                t: temperature,
                b,
                levels,
                operators,
                odd_operators,
                measurements,
                chains,
                ..McrgConfig::default()
            };
            mcrg_output(&cfg, seed)?.0
        }
        Experiment::Flow {
            l,
            dim,
            temperatures,
            b,
            levels,
            measurements,
        } => {
            let tc = tc(dim)?;
            let t = temperatures.unwrap_or_else(|| {
                [0.9, 0.95, 0.98, 1.0, 1.02, 1.05, 1.1]
                    .iter()
                    .map(|x| x * tc)
                    .collect()
            });
            flow_output(l, dim, &t, b, levels, measurements, seed)?
        }
        Experiment::Pca {
            l,
            t_min,
            t_max,
            temps,
            configs,
        } => pca_output(l, t_min, t_max, temps, configs, seed)?.0,
        Experiment::OrderParameter {
            l,
            t_min,
            t_max,
            temps,
            configs,
            ae,
        } => autoencoder_output(l, t_min, t_max, temps, configs, &ae.config(), seed)?.0,
        Experiment::SpinGlass {
            l,
            couplings,
            t_min,
            t_max,
            temps,
            samples,
            thermalization,
            snapshots,
            every,
            ae,
        } => {
            let temperatures = grid(t_min, t_max, temps)?;
            let sampling = OverlapSampling {
                temperatures: temperatures.clone(),
                samples,
                thermalization,
                snapshots,
                every,
                seed,
            };
            spin_glass_output(l, couplings, &temperatures, &sampling, &ae.config(), seed)?.0
        }
        Experiment::Rbm {
            l,
            temperature,
            hidden,
            configs,
            epochs,
            learning_rate,
            weight_decay,
            l1,
            window,
            flow_temperatures,
            flow_configs,
        } => {
            let set = StackExperiment {
                l,
                temperature,
                hidden: hidden.unwrap_or_else(|| vec![l * l / 4, l * l / 16]),
                configs,
                spec: StackExperiment::cd1(epochs, learning_rate, weight_decay, l1),
                window,
                flow_temperatures: flow_temperatures.unwrap_or_else(|| {
                    [0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25]
                        .iter()
                        .map(|x| x * TC_SQUARE)
                        .collect()
                }),
                flow_configs,
            };
            let (out, im, _, _) = rbm_output(&set, seed)?;
            images = im;
            out
        }
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/rg-{name}")));
    out.emit(
        &dir,
        args.overwrite,
        &format!("rg {name}"),
        serde_json::json!({ "experiment": format!("{:?}", args.experiment) }),
        seed,
    )?;
    let folder = RunFolder::open(&dir)?;
    for (file, svg) in &images {
        let path = folder.write_atomic(file, svg.as_bytes())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
