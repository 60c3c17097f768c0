//! `glassbox rg`: the renormalization group on Ising configurations (majority-rule block
//! spins, Swendsen's Monte Carlo RG, the flow of the nearest-neighbour correlation) and order
//! parameters learned from configurations (PCA, a variational autoencoder's latent space).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use glassbox::rg::autoencoder::{latent_order_parameter, AutoencoderConfig, LatentOrder};
use glassbox::rg::block::block_levels;
use glassbox::rg::mcrg::{mcrg, nn_correlation, nn_flow, McrgConfig, McrgResult};
use glassbox::rg::pca::{pca_order_parameter, OrderCurve, PcaOrder};
use glassbox::rg::sample::configurations;
use glassbox::rg::{NU_2D, TC_CUBIC, TC_SQUARE};
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
    /// eigenvalue and ν = ln b / ln λ_t at each blocking step (exact ν = 1 at T_c).
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
    },
}

impl Experiment {
    fn name(&self) -> &'static str {
        match self {
            Experiment::Block { .. } => "block",
            Experiment::Mcrg { .. } => "mcrg",
            Experiment::Flow { .. } => "flow",
            Experiment::Pca { .. } => "pca",
            Experiment::OrderParameter { .. } => "order-parameter",
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
        "MCRG, 2D Ising L = {}, T = {} (T_c = {TC_SQUARE:.6}), b = {}, {} operators, {} × {} measurements; exact ν = {NU_2D}",
        cfg.l, cfg.t, cfg.b, cfg.operators, cfg.chains, cfg.measurements
    )];
    let mut rows = Vec::new();
    for lv in &r.levels {
        summary.push(format!(
            "level {} → {} ({}² block lattice): λ_t = {:.4} ± {:.4}, ν = {:.4} ± {:.4}",
            lv.level,
            lv.level + 1,
            lv.side,
            lv.lambda_t.mean,
            lv.lambda_t.error,
            lv.nu.mean,
            lv.nu.error
        ));
        rows.push(vec![
            lv.level.to_string(),
            lv.side.to_string(),
            lv.lambda_t.mean.to_string(),
            lv.lambda_t.error.to_string(),
            lv.nu.mean.to_string(),
            lv.nu.error.to_string(),
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
    let out = Output {
        summary,
        header: vec!["level", "side", "lambda_t", "lambda_t_err", "nu", "nu_err"],
        rows,
        json: serde_json::json!({ "config": cfg, "result": &r }),
        plots: vec![("nu", plot)],
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

fn curve_plot(title: String, ylabel: &str, c: &OrderCurve) -> (Plot, Plot) {
    let t = &c.temperatures;
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
        .vline(TC_SQUARE, "exact T_c")
        .vline(c.t_peak, "χ peak");
    let chi = Plot::new(title, "temperature T", format!("|d⟨{ylabel}⟩/dT|"))
        .with(Series::new(
            "finite differences",
            c.midpoints.clone(),
            c.chi.clone(),
            Style::LinePoints,
        ))
        .vline(TC_SQUARE, "exact T_c")
        .vline(c.t_peak, "χ peak");
    (mean, chi)
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

fn sample_grid(
    l: usize,
    t_min: f64,
    t_max: f64,
    temps: usize,
    configs: usize,
    seed: u64,
) -> Result<(Vec<f64>, Configurations)> {
    if !(t_min > 0.0 && t_max > t_min) || temps < 3 {
        bail!("need 0 < --t-min < --t-max and --temps ≥ 3, got {t_min}, {t_max}, {temps}");
    }
    let t = linspace(t_min, t_max, temps);
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
    let dev = (p.curve.t_peak - TC_SQUARE) / TC_SQUARE;
    let summary = vec![
        format!("PCA of {} configurations of the 2D Ising model, L = {l}, T = {t_min} … {t_max} ({temps} temperatures)", temps * configs),
        format!(
            "leading component: explains {:.1} % of the variance (next {:.1} %); overlap with the uniform vector {:.4}",
            100.0 * p.pca.explained[0],
            100.0 * p.pca.explained.get(1).copied().unwrap_or(0.0),
            p.uniform_overlap
        ),
        format!(
            "peak of |d⟨|p₁|/√N⟩/dT| at T = {:.4} ± {:.4} (exact T_c = {TC_SQUARE:.4}, {:+.1} %)",
            p.curve.t_peak,
            p.curve.t_peak_error,
            100.0 * dev
        ),
    ];
    let (mean, chi) = curve_plot(format!("PCA, 2D Ising L = {l}"), "|p₁|/√N", &p.curve);
    let out = Output {
        summary,
        header: vec!["T", "z", "z_err", "chi"],
        rows: curve_rows(&p.curve),
        json: serde_json::json!({
            "explained": p.pca.explained,
            "uniform_overlap": p.uniform_overlap,
            "curve": &p.curve,
            "t_peak": p.curve.t_peak,
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
    let dev = (r.curve.t_peak - TC_SQUARE) / TC_SQUARE;
    let kind = if ae.variational { "VAE" } else { "autoencoder" };
    let summary = vec![
        format!(
            "{kind} ({} → {} → 2, {} epochs) on {} configurations of the 2D Ising model, L = {l}, T = {t_min} … {t_max}; final loss {:.2} per configuration",
            l * l, ae.hidden, ae.epochs, temps * configs, r.losses.last().copied().unwrap_or(f64::NAN)
        ),
        format!(
            "peak of χ(Z^op) = |d⟨Z^op⟩/dT| at T = {:.4} ± {:.4} (exact T_c = {TC_SQUARE:.4}, {:+.1} %)",
            r.curve.t_peak,
            r.curve.t_peak_error,
            100.0 * dev
        ),
    ];
    let (mean, chi) = curve_plot(
        format!("{kind} latent order parameter, 2D Ising L = {l}"),
        "Z^op",
        &r.curve,
    );
    let mut latent = Plot::new(format!("{kind} latent codes (2D), L = {l}"), "z₁", "z₂");
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
                let x = *t / TC_SQUARE;
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
    let out = Output {
        summary,
        header: vec!["T", "z", "z_err", "chi"],
        rows: curve_rows(&r.curve),
        json: serde_json::json!({
            "autoencoder": ae,
            "curve": &r.curve,
            "t_peak": r.curve.t_peak,
            "tc": TC_SQUARE,
            "losses": r.losses,
        }),
        plots: vec![("zop", mean), ("zop-chi", chi), ("latent", latent)],
        arrays: vec![],
    };
    Ok((out, r))
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
            measurements,
            chains,
        } => {
            let cfg = McrgConfig {
                l,
                t: temperature,
                b,
                levels,
                operators,
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
            hidden,
            epochs,
            beta_kl,
            plain,
        } => {
            let ae = AutoencoderConfig {
                hidden,
                epochs,
                beta_kl,
                variational: !plain,
                ..AutoencoderConfig::default()
            };
            autoencoder_output(l, t_min, t_max, temps, configs, &ae, seed)?.0
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
