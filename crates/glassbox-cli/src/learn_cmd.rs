//! `glassbox learn`: learning as statistical physics — double descent with the replica
//! overlap of trained models, perceptron learning and capacity, the 3-spin landscape, wide
//! networks against their Gaussian-process kernel, and power-law fits.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use glassbox::learning::regression::{self, CurveConfig, Source};
use glassbox::learning::{landscape, nngp, perceptron, scaling, sgd, two_layer};
use glassbox::theory::{double_descent as dd, gardner, pspin};

use crate::plot::{Plot, Series, Style};
use crate::table::{cells, Output};

/// Flags of `glassbox learn`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub topic: Topic,
    /// Output folder (default `runs/learn-<topic>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Master seed.
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,
}

/// Where regression data come from.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSource {
    /// Linear teacher y = ⟨β, x⟩ + noise, x ~ N(0, I_d).
    Linear,
    /// MNIST test-set images, one-vs-rest target.
    Mnist,
}

/// Flags shared by the regression topics.
#[derive(clap::Args, Debug, Clone)]
pub struct RegressionArgs {
    /// Data: a linear teacher or MNIST.
    #[arg(long, value_enum, default_value_t = DataSource::Linear)]
    pub source: DataSource,
    /// MNIST folder (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).
    #[arg(long)]
    pub mnist: Option<PathBuf>,
    /// Positive class of the MNIST one-vs-rest target.
    #[arg(long, default_value_t = 0)]
    pub digit: u8,
    /// Input dimension d of the linear teacher.
    #[arg(long, default_value_t = 100)]
    pub d: usize,
    /// Training samples n.
    #[arg(long, short = 'n', default_value_t = 200)]
    pub n: usize,
    /// Test samples.
    #[arg(long, default_value_t = 1000)]
    pub n_test: usize,
    /// Feature counts p (default: 24 values from n/10 to 10n, skipping p = n).
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<usize>,
    /// Random-feature activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    pub activation: ActivationArg,
    /// Ridge penalty λ (0: minimum norm).
    #[arg(long, default_value_t = 0.0)]
    pub ridge: f64,
    /// Repetitions per point.
    #[arg(long, default_value_t = 16)]
    pub seeds: usize,
    /// Teacher signal power ‖β‖².
    #[arg(long, default_value_t = 1.0)]
    pub r2: f64,
    /// Teacher label-noise variance σ².
    #[arg(long, default_value_t = 0.1)]
    pub sigma2: f64,
}

/// Random-feature activation.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationArg {
    /// Centred ReLU.
    Relu,
    /// tanh.
    Tanh,
}

/// Hidden nonlinearity of the NNGP networks.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonlinearityArg {
    /// max(z, 0): the arc-cosine kernel.
    Relu,
    /// erf: Williams' kernel.
    Erf,
}

/// Hidden activation of the trained two-layer network.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenArg {
    /// tanh.
    Tanh,
    /// max(z, 0).
    Relu,
}

/// Training loss of the two-layer network.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossArg {
    /// Softmax cross-entropy.
    CrossEntropy,
    /// Squared error against one-hot targets.
    Squared,
}

/// Which trained model `replica-overlap` compares.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlapModel {
    /// Random-features least squares: normalized overlap of the second-layer weights.
    RandomFeatures,
    /// A two-layer network trained by SGD on MNIST: linear CKA of the hidden representations.
    TwoLayer,
}

/// Flags of the SGD-trained two-layer network on MNIST.
#[derive(clap::Args, Debug, Clone)]
pub struct NetworkArgs {
    /// Hidden widths H.
    #[arg(long, value_delimiter = ',', default_values_t = [4, 8, 16, 32, 64, 128])]
    pub widths: Vec<usize>,
    /// Networks per width (even: they pair up for the representation overlap).
    #[arg(long, default_value_t = 16)]
    pub networks: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Learning rate η.
    #[arg(long, default_value_t = 0.05)]
    pub lr: f64,
    /// Minibatch size B.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Weight decay λ on the weights.
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f64,
    /// Hidden activation.
    #[arg(long, value_enum, default_value_t = HiddenArg::Tanh)]
    pub hidden: HiddenArg,
    /// Training loss.
    #[arg(long, value_enum, default_value_t = LossArg::CrossEntropy)]
    pub loss: LossArg,
    /// Average the images over f × f pixel blocks (1: full 28 × 28; 2: 14 × 14; 4: 7 × 7).
    #[arg(long, default_value_t = 1)]
    pub pool: usize,
    /// Training images (drawn from the MNIST test set, fixed by the seed).
    #[arg(long = "train", default_value_t = 2000)]
    pub train_images: usize,
    /// Held-out images.
    #[arg(long = "test", default_value_t = 1000)]
    pub test_images: usize,
}

/// Flags of the SGD-noise measurement of `loss-spread`.
#[derive(clap::Args, Debug, Clone)]
pub struct NoiseArgs {
    /// Width of the network whose stationary fluctuations are measured (0: skip).
    #[arg(long, default_value_t = 16)]
    pub noise_width: usize,
    /// Burn-in and measured SGD time ηt at each (η, B).
    #[arg(long, default_value_t = 20.0)]
    pub noise_time: f64,
    /// Evaluations of the training objective during the measured stretch.
    #[arg(long, default_value_t = 100)]
    pub noise_records: usize,
    /// Networks of the noise measurement.
    #[arg(long, default_value_t = 8)]
    pub noise_networks: usize,
}

/// What to run.
#[derive(Subcommand, Debug)]
pub enum Topic {
    /// Test and training error of random-features least squares against the number of
    /// features p at fixed n: the peak at p = n, with Mei–Montanari's curve for the teacher.
    DoubleDescent(RegressionArgs),
    /// The overlap q of two models trained from independent initializations on the same
    /// data, against p/n, next to the test error: random-features least squares (weight
    /// overlap) or a two-layer network trained by SGD on MNIST (hidden-representation CKA).
    ReplicaOverlap {
        /// The model.
        #[arg(long, value_enum, default_value_t = OverlapModel::RandomFeatures)]
        model: OverlapModel,
        #[command(flatten)]
        regression: RegressionArgs,
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// A two-layer network trained by minibatch SGD on MNIST from many seeds at several
    /// widths: the spread of final test losses narrows with width (Choromanska et al. 2015);
    /// and SGD noise as a temperature: stationary loss fluctuations against η/B.
    LossSpread {
        /// MNIST folder (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).
        #[arg(long)]
        mnist: Option<PathBuf>,
        #[command(flatten)]
        network: NetworkArgs,
        #[command(flatten)]
        noise: NoiseArgs,
    },
    /// Teacher–student perceptron learning ε(α) (Hebb, perceptron algorithm, Gibbs) against
    /// the replica curves, and the separable fraction of random labels against Cover (α_c = 2).
    Perceptron {
        /// Inputs N.
        #[arg(long, short = 'N', default_value_t = 100)]
        n: usize,
        /// Loads α = P/N of the learning curves.
        #[arg(long, value_delimiter = ',', default_values_t = [0.5, 1.0, 2.0, 3.0, 5.0])]
        alphas: Vec<f64>,
        /// Teachers (or label sets) per point.
        #[arg(long, default_value_t = 32)]
        samples: usize,
        /// Gibbs sampler length in sweeps of N proposals.
        #[arg(long, default_value_t = 200)]
        sweeps: usize,
        /// Inputs N of the capacity experiment.
        #[arg(long, default_value_t = 40)]
        capacity_n: usize,
        /// Also run Gibbs learning at this temperature T > 0 (Metropolis, energy = training
        /// errors) against the finite-T replica curve (0: skip).
        #[arg(long, short = 'T', default_value_t = 0.0)]
        temperature: f64,
    },
    /// Spherical 3-spin landscape: energies of minima reached by gradient descent from random
    /// starts (against E_th and E_0) and aging of Langevin dynamics below T_d.
    PspinDynamics {
        /// System sizes N.
        #[arg(long, value_delimiter = ',', default_values_t = [32, 64, 128])]
        sizes: Vec<usize>,
        /// Random starts (one disorder sample each) per size.
        #[arg(long, default_value_t = 24)]
        starts: usize,
        /// Langevin temperature of the aging run.
        #[arg(long, short = 'T', default_value_t = 0.4)]
        temperature: f64,
        /// Size of the aging run.
        #[arg(long, default_value_t = 64)]
        aging_n: usize,
    },
    /// Wide random two-layer networks against the NNGP kernel: squared deviation of the
    /// empirical kernel vs width, and its log-log slope (−1 expected).
    Nngp {
        /// Hidden nonlinearity.
        #[arg(long, value_enum, default_value_t = NonlinearityArg::Relu)]
        activation: NonlinearityArg,
        /// Widths.
        #[arg(long, value_delimiter = ',', default_values_t = [10, 30, 100, 300, 1000, 3000, 10000])]
        widths: Vec<usize>,
        /// Networks per width.
        #[arg(long, default_value_t = 48)]
        networks: usize,
    },
    /// Fit L(N) = a N^(−α) + c with bootstrap 95 % intervals to a CSV of `size,loss[,error]`
    /// rows (a header line is skipped).
    ScalingFit {
        /// The CSV file.
        input: PathBuf,
        /// Bootstrap resamples.
        #[arg(long, default_value_t = 1000)]
        resamples: usize,
    },
}

impl Topic {
    fn name(&self) -> &'static str {
        match self {
            Topic::DoubleDescent(_) => "double-descent",
            Topic::ReplicaOverlap { .. } => "replica-overlap",
            Topic::LossSpread { .. } => "loss-spread",
            Topic::Perceptron { .. } => "perceptron",
            Topic::PspinDynamics { .. } => "pspin-dynamics",
            Topic::Nngp { .. } => "nngp",
            Topic::ScalingFit { .. } => "scaling-fit",
        }
    }
}

fn default_features(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..24)
        .map(|k| ((n as f64 / 10.0) * 100f64.powf(k as f64 / 23.0)).round() as usize)
        .filter(|&p| p >= 1 && p != n)
        .collect();
    v.dedup();
    v
}

/// The regression curve and its plots (`overlap_first` puts the overlap plot first).
pub fn regression_curve(a: &RegressionArgs, seed: u64, overlap_first: bool) -> Result<Output> {
    let images;
    let source = match a.source {
        DataSource::Linear => Source::Linear {
            d: a.d,
            r2: a.r2,
            sigma2: a.sigma2,
        },
        DataSource::Mnist => {
            let dir = a
                .mnist
                .clone()
                .or_else(glassbox::data::mnist_dir)
                .context("MNIST not found: pass --mnist DIR")?;
            images = glassbox::data::mnist(&dir, "t10k")?;
            anyhow::ensure!(a.digit < 10, "--digit must be 0–9, got {}", a.digit);
            Source::Images {
                images: &images,
                digit: a.digit,
            }
        }
    };
    let cfg = CurveConfig {
        n_train: a.n,
        n_test: a.n_test,
        features: if a.features.is_empty() {
            default_features(a.n)
        } else {
            a.features.clone()
        },
        activation: match a.activation {
            ActivationArg::Relu => regression::Activation::Relu,
            ActivationArg::Tanh => regression::Activation::Tanh,
        },
        ridge: a.ridge,
        seeds: a.seeds,
        seed,
    };
    let curve = regression::double_descent(&source, &cfg)?;
    let gam: Vec<f64> = curve.iter().map(|c| c.gamma).collect();
    let col = |f: fn(&regression::CurvePoint) -> f64| curve.iter().map(f).collect::<Vec<f64>>();
    let mut risk = Plot::new(
        "Double descent: random-features least squares",
        "features per training sample p/n",
        "mean squared error",
    )
    .with(
        Series::new(
            "test",
            gam.clone(),
            col(|c| c.test_error),
            Style::LinePoints,
        )
        .with_yerr(col(|c| c.test_error_err)),
    )
    .with(
        Series::new(
            "train",
            gam.clone(),
            col(|c| c.train_error.max(1e-6)),
            Style::LinePoints,
        )
        .with_yerr(col(|c| c.train_error_err)),
    )
    .vline(1.0, "p = n (interpolation)");
    let mut summary = Vec::new();
    let peak = curve
        .iter()
        .max_by(|x, y| x.test_error.total_cmp(&y.test_error))
        .context("empty curve")?;
    summary.push(format!(
        "test error peaks at p = {} (p/n = {:.2}): {:.4} ± {:.4}; training error reaches 0 at p ≥ n",
        peak.p, peak.gamma, peak.test_error, peak.test_error_err
    ));
    if let (DataSource::Linear, true) = (a.source, a.ridge == 0.0) {
        let constants = cfg.activation.constants()?;
        let psi2 = a.n as f64 / a.d as f64;
        let xs: Vec<f64> = (0..200)
            .map(|k| 0.05 * 400f64.powf(k as f64 / 199.0))
            .collect();
        let ys = xs
            .iter()
            .map(|&g| {
                dd::random_features_risk(g * psi2, psi2, constants, a.r2, 0.0, a.sigma2).map(|r| {
                    if r.is_finite() && r < 1e3 {
                        r + a.sigma2
                    } else {
                        f64::NAN
                    }
                })
            })
            .collect::<glassbox::Result<Vec<f64>>>()?;
        risk = risk.with(Series::new(
            "Mei–Montanari (d → ∞) + σ²",
            xs,
            ys,
            Style::Dashed,
        ));
    }
    risk.log_x = true;
    risk.log_y = true;
    let mut overlap = Plot::new(
        "Replica overlap of two trained models",
        "features per training sample p/n",
        "overlap q",
    )
    .with(
        Series::new("q", gam.clone(), col(|c| c.overlap), Style::LinePoints)
            .with_yerr(col(|c| c.overlap_err)),
    )
    .vline(1.0, "p = n");
    overlap.log_x = true;
    let last = curve.last().context("empty curve")?;
    summary.push(format!(
        "replica overlap q = 1 while p < n (unique solution), q = {:.3} ± {:.3} at p/n = {:.1}",
        last.overlap, last.overlap_err, last.gamma
    ));
    let plots = if overlap_first {
        vec![("overlap", overlap), ("double_descent", risk)]
    } else {
        vec![("double_descent", risk), ("overlap", overlap)]
    };
    Ok(Output {
        summary,
        header: vec![
            "p",
            "gamma",
            "test_error",
            "test_error_err",
            "train_error",
            "train_error_err",
            "overlap",
            "overlap_err",
            "norm",
            "norm_err",
        ],
        rows: curve
            .iter()
            .map(|c| {
                cells(&[
                    c.p as f64,
                    c.gamma,
                    c.test_error,
                    c.test_error_err,
                    c.train_error,
                    c.train_error_err,
                    c.overlap,
                    c.overlap_err,
                    c.norm,
                    c.norm_err,
                ])
            })
            .collect(),
        json: serde_json::to_value(&curve)?,
        plots,
        arrays: Vec::new(),
    })
}

/// Perceptron learning curves and capacity.
pub fn perceptron_topic(
    n: usize,
    alphas: &[f64],
    samples: usize,
    sweeps: usize,
    capacity_n: usize,
    temperature: f64,
    seed: u64,
) -> Result<Output> {
    use perceptron::Student;
    anyhow::ensure!(!alphas.is_empty(), "--alphas must not be empty");
    anyhow::ensure!(
        temperature.is_finite() && temperature >= 0.0,
        "--temperature must be ≥ 0, got {temperature}"
    );
    let mut students = vec![
        ("hebb", Student::Hebb),
        ("perceptron", Student::Perceptron),
        ("gibbs", Student::Gibbs { temperature: 0.0 }),
    ];
    if temperature > 0.0 {
        students.push(("gibbs-T", Student::Gibbs { temperature }));
    }
    let mut rows = Vec::new();
    let mut measured = vec![Vec::new(); students.len()];
    for (k, &alpha) in alphas.iter().enumerate() {
        let mut row = vec![alpha];
        for (s, (_, student)) in students.iter().enumerate() {
            let (e, err) = perceptron::generalization_error(
                *student,
                n,
                alpha,
                samples,
                sweeps,
                seed + k as u64,
            )?;
            measured[s].push((e, err));
            row.extend([e, err]);
        }
        row.push(gardner::hebb_learning(alpha)?.epsilon);
        row.push(gardner::gibbs_learning(alpha)?.epsilon);
        if temperature > 0.0 {
            row.push(gardner::gibbs_learning_at(alpha, temperature)?.0.epsilon);
        }
        rows.push(cells(&row));
    }
    let grid: Vec<f64> = (1..=60)
        .map(|k| k as f64 * alphas.iter().copied().fold(0.0, f64::max) / 60.0)
        .collect();
    let theory = |f: fn(f64) -> glassbox::Result<gardner::LearningPoint>| {
        grid.iter()
            .map(|&a| f(a).map(|p| p.epsilon))
            .collect::<glassbox::Result<Vec<f64>>>()
    };
    let mut learning = Plot::new(
        format!("Teacher–student perceptron, N = {n}"),
        "examples per weight α",
        "generalization error ε",
    )
    .with(
        Series::new(
            "Hebb (replica theory)",
            grid.clone(),
            theory(gardner::hebb_learning)?,
            Style::Dashed,
        )
        .with_color(0),
    )
    .with(
        Series::new(
            "Gibbs (replica theory)",
            grid.clone(),
            theory(gardner::gibbs_learning)?,
            Style::Dashed,
        )
        .with_color(2),
    );
    if temperature > 0.0 {
        let eps = grid
            .iter()
            .map(|&a| gardner::gibbs_learning_at(a, temperature).map(|p| p.0.epsilon))
            .collect::<glassbox::Result<Vec<f64>>>()?;
        learning = learning.with(
            Series::new(
                format!("Gibbs at T = {temperature} (replica theory)"),
                grid.clone(),
                eps,
                Style::Dashed,
            )
            .with_color(3),
        );
    }
    for (s, (name, _)) in students.iter().enumerate() {
        learning = learning.with(
            Series::points(
                *name,
                alphas.to_vec(),
                measured[s].iter().map(|m| m.0).collect(),
            )
            .with_yerr(measured[s].iter().map(|m| m.1).collect())
            .with_color(s),
        );
    }
    // Capacity: separable fraction of random labels against Cover's formula.
    let cap_alphas: Vec<f64> = (2..=16).map(|k| k as f64 * 0.25).collect();
    let fractions = cap_alphas
        .iter()
        .enumerate()
        .map(|(k, &a)| {
            perceptron::separable_fraction(
                capacity_n,
                a,
                samples.max(50),
                2000,
                seed + 1000 + k as u64,
            )
        })
        .collect::<glassbox::Result<Vec<f64>>>()?;
    let cover: Vec<f64> = cap_alphas
        .iter()
        .map(|&a| perceptron::cover_separable((a * capacity_n as f64).round() as usize, capacity_n))
        .collect();
    let crossing = cap_alphas
        .windows(2)
        .zip(fractions.windows(2))
        .find(|(_, f)| f[0] >= 0.5 && f[1] < 0.5)
        .map(|(a, f)| a[0] + (a[1] - a[0]) * (f[0] - 0.5) / (f[0] - f[1]));
    let capacity = Plot::new(
        format!("Perceptron capacity, random labels, N = {capacity_n}"),
        "patterns per weight α",
        "fraction separable",
    )
    .with(Series::line(
        "Cover (exact)",
        cap_alphas.clone(),
        cover.clone(),
    ))
    .with(Series::points(
        "perceptron algorithm",
        cap_alphas.clone(),
        fractions.clone(),
    ))
    .vline(2.0, "α_c = 2");
    Ok(Output {
        summary: vec![format!(
            "separable fraction crosses 1/2 at α = {} (Gardner/Cover α_c = 2; perceptron budget 2000 epochs)",
            crossing.map_or("—".into(), |c| format!("{c:.3}"))
        )],
        header: if temperature > 0.0 {
            vec![
                "alpha", "eps_hebb", "eps_hebb_err", "eps_perceptron", "eps_perceptron_err", "eps_gibbs",
                "eps_gibbs_err", "eps_gibbs_t", "eps_gibbs_t_err", "theory_hebb", "theory_gibbs",
                "theory_gibbs_t",
            ]
        } else {
            vec![
                "alpha", "eps_hebb", "eps_hebb_err", "eps_perceptron", "eps_perceptron_err", "eps_gibbs",
                "eps_gibbs_err", "theory_hebb", "theory_gibbs",
            ]
        },
        rows,
        json: serde_json::json!({
            "students": students.iter().map(|s| s.0).collect::<Vec<_>>(),
            "alphas": alphas,
            "measured": measured,
            "capacity": { "n": capacity_n, "alpha": cap_alphas, "separable": fractions, "cover": cover, "alpha_half": crossing },
        }),
        plots: vec![("learning_curves", learning), ("capacity", capacity)],
        arrays: Vec::new(),
    })
}

/// 3-spin minima energies by size and aging curves.
pub fn pspin_topic(
    sizes: &[usize],
    starts: usize,
    temperature: f64,
    aging_n: usize,
    seed: u64,
) -> Result<Output> {
    let th = pspin::pspin(3)?;
    let mut rows = Vec::new();
    let mut hist = Plot::new(
        "Spherical 3-spin: minima reached by gradient descent",
        "energy per spin",
        "fraction of starts",
    )
    .vline(th.e_threshold, "E_th")
    .vline(th.e_ground, "E_0");
    let mut summary = Vec::new();
    let mut all = Vec::new();
    let mut extrapolation = serde_json::Value::Null;
    for (k, &n) in sizes.iter().enumerate() {
        let e = landscape::minima_energies(n, starts, seed + k as u64)?;
        let m = e.iter().sum::<f64>() / e.len() as f64;
        let sd =
            (e.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (e.len().max(2) - 1) as f64).sqrt();
        let err = sd / (e.len() as f64).sqrt();
        rows.push(cells(&[n as f64, m, err, sd, th.e_threshold, th.e_ground]));
        summary.push(format!(
            "N = {n}: minima at e = {m:.4} ± {err:.4} (spread {sd:.4}); E_th = {:.4}, E_0 = {:.4}",
            th.e_threshold, th.e_ground
        ));
        let (lo, hi, bins) = (-1.30, -1.00, 30);
        let mut h = vec![0.0; bins];
        for v in &e {
            let b = (((v - lo) / (hi - lo)) * bins as f64).floor();
            if (0.0..bins as f64).contains(&b) {
                h[b as usize] += 1.0 / e.len() as f64;
            }
        }
        let centres = (0..bins)
            .map(|b| lo + (b as f64 + 0.5) * (hi - lo) / bins as f64)
            .collect();
        hist = hist.with(Series::new(
            format!("N = {n}"),
            centres,
            h,
            Style::LinePoints,
        ));
        all.push(serde_json::json!({ "n": n, "energies": e }));
    }
    // Finite-size approach to the threshold: weighted fit e(N) = e_∞ + b N^{−2/3}.
    if sizes.len() >= 2 {
        let pts: Vec<(f64, f64, f64)> = rows
            .iter()
            .map(|r| {
                let v = |k: usize| r[k].parse::<f64>().unwrap_or(f64::NAN);
                (v(0).powf(-2.0 / 3.0), v(1), 1.0 / v(2).powi(2).max(1e-300))
            })
            .collect();
        let sw: f64 = pts.iter().map(|p| p.2).sum();
        let mx = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
        let my = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
        let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mx).powi(2)).sum();
        let b = pts
            .iter()
            .map(|p| p.2 * (p.0 - mx) * (p.1 - my))
            .sum::<f64>()
            / sxx;
        let e_inf = my - b * mx;
        let e_inf_err = (1.0 / sw + mx * mx / sxx).sqrt();
        extrapolation = serde_json::json!({ "e_inf": e_inf, "e_inf_err": e_inf_err });
        summary.push(format!(
            "extrapolated N → ∞ (e = e_∞ + b N^(−2/3)): e_∞ = {e_inf:.4} ± {e_inf_err:.4} vs threshold E_th = {:.4} (not the ground state {:.4})",
            th.e_threshold, th.e_ground
        ));
    }
    let waiting = [1.0, 4.0, 16.0];
    let lags: Vec<f64> = (0..16).map(|k| 0.25 * 2f64.powf(k as f64 / 2.0)).collect();
    let ag = landscape::aging(aging_n, temperature, 0.05, &waiting, &lags, 16, seed + 99)?;
    let mut aging = Plot::new(
        format!(
            "Aging below T_d = {:.3}: Langevin at T = {temperature}, N = {aging_n}",
            th.t_d
        ),
        "lag t",
        "C(t_w + t, t_w)",
    );
    for (w, &tw) in waiting.iter().enumerate() {
        aging = aging.with(
            Series::new(
                format!("t_w = {tw}"),
                lags.clone(),
                ag.correlation[w].clone(),
                Style::LinePoints,
            )
            .with_yerr(ag.error[w].clone()),
        );
    }
    aging.log_x = true;
    Ok(Output {
        summary,
        header: vec![
            "n",
            "mean_energy",
            "mean_energy_err",
            "spread",
            "e_threshold",
            "e_ground",
        ],
        rows,
        json: serde_json::json!({ "minima": all, "extrapolation": extrapolation, "aging": { "temperature": temperature, "n": aging_n, "waiting": waiting, "lags": lags, "correlation": ag.correlation, "error": ag.error } }),
        plots: vec![("minima", hist), ("aging", aging)],
        arrays: Vec::new(),
    })
}

/// NNGP convergence with width.
pub fn nngp_topic(
    act: NonlinearityArg,
    widths: &[usize],
    networks: usize,
    seed: u64,
) -> Result<Output> {
    let act = match act {
        NonlinearityArg::Relu => nngp::Nonlinearity::Relu,
        NonlinearityArg::Erf => nngp::Nonlinearity::Erf,
    };
    let inputs = nngp::gaussian_inputs(6, 20, seed);
    let (points, slope) = nngp::kernel_convergence(act, &inputs, widths, networks, seed)?;
    let x: Vec<f64> = points.iter().map(|p| p.width as f64).collect();
    let y: Vec<f64> = points.iter().map(|p| p.deviation).collect();
    let guide: Vec<f64> = x.iter().map(|w| y[0] * x[0] / w).collect();
    let mut plot = Plot::new(
        format!("Random two-layer {act:?} networks → NNGP kernel"),
        "width H",
        "mean squared kernel deviation",
    )
    .with(
        Series::points("measured", x.clone(), y)
            .with_yerr(points.iter().map(|p| p.deviation_err).collect()),
    )
    .with(Series::new("∝ 1/H", x, guide, Style::Dashed));
    plot.log_x = true;
    plot.log_y = true;
    Ok(Output {
        summary: vec![format!(
            "log-log slope of the kernel deviation vs width: {slope:.3} (central limit: −1)"
        )],
        header: vec!["width", "deviation", "deviation_err"],
        rows: points
            .iter()
            .map(|p| cells(&[p.width as f64, p.deviation, p.deviation_err]))
            .collect(),
        json: serde_json::json!({ "points": points, "slope": slope }),
        plots: vec![("nngp", plot)],
        arrays: Vec::new(),
    })
}

/// Power-law fit of a user's CSV.
pub fn scaling_topic(input: &std::path::Path, resamples: usize, seed: u64) -> Result<Output> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read {}", input.display()))?;
    let (mut n, mut l, mut e) = (Vec::new(), Vec::new(), Vec::new());
    for (k, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let v: Vec<&str> = line
            .split([',', '\t', ' '])
            .filter(|s| !s.is_empty())
            .collect();
        let nums: std::result::Result<Vec<f64>, _> = v.iter().map(|s| s.parse::<f64>()).collect();
        match nums {
            Ok(x) if x.len() == 2 || x.len() == 3 => {
                n.push(x[0]);
                l.push(x[1]);
                if let Some(err) = x.get(2) {
                    e.push(*err);
                }
            }
            _ if k == 0 && n.is_empty() => continue, // header
            _ => anyhow::bail!(
                "{}:{}: expected `size,loss[,error]`, got `{line}`",
                input.display(),
                k + 1
            ),
        }
    }
    anyhow::ensure!(
        e.is_empty() || e.len() == n.len(),
        "{}: give an error on every row or on none",
        input.display()
    );
    let fit = scaling::fit_power_law(&n, &l, (!e.is_empty()).then_some(&e[..]), resamples, seed)?;
    let lo = n.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = n.iter().copied().fold(0.0, f64::max);
    let xs: Vec<f64> = (0..100)
        .map(|k| lo * (hi / lo).powf(k as f64 / 99.0))
        .collect();
    let ys = xs
        .iter()
        .map(|x| fit.a * x.powf(-fit.alpha) + fit.c)
        .collect();
    let mut data = Series::points("data", n.clone(), l.clone());
    if !e.is_empty() {
        data = data.with_yerr(e.clone());
    }
    let mut plot = Plot::new("Power-law fit L = a N^(−α) + c", "size N", "loss L")
        .with(data)
        .with(Series::line(format!("fit α = {:.3}", fit.alpha), xs, ys));
    plot.log_x = true;
    plot.log_y = l.iter().all(|v| *v > 0.0);
    Ok(Output {
        summary: vec![format!(
            "α = {:.4} [{:.4}, {:.4}], a = {:.4} [{:.4}, {:.4}], c = {:.4} [{:.4}, {:.4}] (95 % bootstrap)",
            fit.alpha, fit.alpha_ci[0], fit.alpha_ci[1], fit.a, fit.a_ci[0], fit.a_ci[1], fit.c, fit.c_ci[0], fit.c_ci[1]
        )],
        header: vec!["parameter", "value", "ci_low", "ci_high"],
        rows: vec![
            vec!["alpha".into(), fit.alpha.to_string(), fit.alpha_ci[0].to_string(), fit.alpha_ci[1].to_string()],
            vec!["a".into(), fit.a.to_string(), fit.a_ci[0].to_string(), fit.a_ci[1].to_string()],
            vec!["c".into(), fit.c.to_string(), fit.c_ci[0].to_string(), fit.c_ci[1].to_string()],
        ],
        json: serde_json::to_value(fit)?,
        plots: vec![("fit", plot)],
        arrays: Vec::new(),
    })
}

/// The MNIST train and test sets of the two-layer experiments (pooled, split by `seed`).
fn mnist_split(
    net: &NetworkArgs,
    mnist: Option<&std::path::Path>,
    seed: u64,
) -> Result<(two_layer::Dataset, two_layer::Dataset)> {
    let dir = mnist
        .map(std::path::Path::to_path_buf)
        .or_else(glassbox::data::mnist_dir)
        .context("MNIST not found: pass --mnist DIR")?;
    let images = glassbox::data::mnist(&dir, "t10k")?.pooled(net.pool)?;
    Ok(sgd::image_split(
        &images,
        net.train_images,
        net.test_images,
        seed,
    )?)
}

fn spread_config(net: &NetworkArgs, seed: u64) -> sgd::SpreadConfig {
    sgd::SpreadConfig {
        widths: net.widths.clone(),
        seeds: net.networks,
        hidden: match net.hidden {
            HiddenArg::Tanh => two_layer::Hidden::Tanh,
            HiddenArg::Relu => two_layer::Hidden::Relu,
        },
        loss: match net.loss {
            LossArg::CrossEntropy => two_layer::Loss::CrossEntropy,
            LossArg::Squared => two_layer::Loss::Squared,
        },
        sgd: two_layer::Sgd {
            lr: net.lr,
            batch: net.batch,
            weight_decay: net.weight_decay,
        },
        epochs: net.epochs,
        seed,
    }
}

const SPREAD_HEADER: [&str; 15] = [
    "width",
    "params",
    "test_loss",
    "test_loss_err",
    "spread",
    "spread_err",
    "train_loss",
    "train_loss_err",
    "test_accuracy",
    "test_accuracy_err",
    "overlap",
    "overlap_err",
    "params_per_example",
    "output_overlap",
    "output_overlap_err",
];

fn spread_rows(points: &[sgd::SpreadPoint], n_train: usize) -> Vec<Vec<String>> {
    points
        .iter()
        .map(|p| {
            cells(&[
                p.width as f64,
                p.params as f64,
                p.test_loss,
                p.test_loss_err,
                p.spread,
                p.spread_err,
                p.train_loss,
                p.train_loss_err,
                p.test_accuracy,
                p.test_accuracy_err,
                p.overlap,
                p.overlap_err,
                p.params as f64 / n_train as f64,
                p.output_overlap,
                p.output_overlap_err,
            ])
        })
        .collect()
}

/// Stationary SGD fluctuations at (η, 2B), (η, B), (2η, B), (2η, 2B) and their ratios.
pub fn noise_measurement(
    net: &NetworkArgs,
    noise: &NoiseArgs,
    train: &two_layer::Dataset,
    seed: u64,
) -> Result<(Vec<sgd::NoisePoint>, Vec<String>, Plot)> {
    let c = spread_config(net, seed);
    let (lr, b) = (net.lr, net.batch);
    let cfg = sgd::NoiseConfig {
        width: noise.noise_width,
        hidden: c.hidden,
        loss: c.loss,
        weight_decay: net.weight_decay,
        warmup: (lr, b),
        warmup_epochs: net.epochs,
        settings: vec![(lr, 2 * b), (lr, b), (2.0 * lr, b), (2.0 * lr, 2 * b)],
        time: noise.noise_time,
        records: noise.noise_records,
        seeds: noise.noise_networks,
        seed: seed.wrapping_add(1),
    };
    let pts = sgd::sgd_noise(train, &cfg)?;
    let ratio = |i: usize, j: usize| {
        let (a, b) = (&pts[i], &pts[j]);
        let r = a.fluctuation / b.fluctuation;
        let e = r
            * ((a.fluctuation_err / a.fluctuation).powi(2)
                + (b.fluctuation_err / b.fluctuation).powi(2))
            .sqrt();
        (r, e)
    };
    let mut summary: Vec<String> = pts
        .iter()
        .map(|p| {
            format!(
                "SGD noise, H = {}: η = {}, B = {} (η/B = {:.5}): loss fluctuation {:.5} ± {:.5}, mean objective {:.5} ± {:.5}",
                noise.noise_width, p.lr, p.batch, p.temperature, p.fluctuation, p.fluctuation_err, p.mean_loss, p.mean_loss_err
            )
        })
        .collect();
    for (what, i, j, want) in [
        ("(η, B)/(η, 2B)", 1, 0, 2.0),
        ("(2η, B)/(η, B)", 2, 1, 2.0),
        ("(2η, 2B)/(η, B)", 3, 1, 1.0),
    ] {
        let (r, e) = ratio(i, j);
        summary.push(format!(
            "fluctuation ratio {what} = {r:.3} ± {e:.3} (η/B scaling: {want}; errors propagated as independent)"
        ));
    }
    let (a, b) = (&pts[2], &pts[1]);
    let r = a.excess / b.excess;
    let e = r * ((a.excess_err / a.excess).powi(2) + (b.excess_err / b.excess).powi(2)).sqrt();
    summary.push(format!(
        "excess mean objective over (η, 2B), paired by network: (η, B) {:.5} ± {:.5}, (2η, B) {:.5} ± {:.5}, (2η, 2B) {:.5} ± {:.5}; ratio (2η, B)/(η, B) = {r:.3} ± {e:.3} (∝ η/B: 3)",
        b.excess, b.excess_err, a.excess, a.excess_err, pts[3].excess, pts[3].excess_err
    ));
    let x: Vec<f64> = pts.iter().map(|p| p.temperature).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.fluctuation).collect();
    let guide: Vec<f64> = x.iter().map(|t| y[1] * t / x[1]).collect();
    let mut plot = Plot::new(
        format!("SGD noise as a temperature: H = {}", noise.noise_width),
        "learning rate / batch size η/B",
        "std of the training objective",
    )
    .with(
        Series::points("stationary SGD", x.clone(), y)
            .with_yerr(pts.iter().map(|p| p.fluctuation_err).collect()),
    )
    .with(Series::new("∝ η/B", x, guide, Style::Dashed));
    plot.log_x = true;
    plot.log_y = true;
    Ok((pts, summary, plot))
}

/// `learn loss-spread`: final test losses of many SGD runs per width, and SGD noise.
pub fn loss_spread_topic(
    net: &NetworkArgs,
    noise: &NoiseArgs,
    mnist: Option<&std::path::Path>,
    seed: u64,
) -> Result<Output> {
    let (train, test) = mnist_split(net, mnist, seed)?;
    let points = sgd::loss_spread(&train, &test, &spread_config(net, seed))?;
    let w: Vec<f64> = points.iter().map(|p| p.width as f64).collect();
    let mut summary: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "H = {}: test loss {:.4} ± {:.4}, spread (std over {} networks) {:.4} ± {:.4}, accuracy {:.3}",
                p.width, p.test_loss, p.test_loss_err, p.test_losses.len(), p.spread, p.spread_err, p.test_accuracy
            )
        })
        .collect();
    let mut spread = Plot::new(
        "Spread of final test losses across SGD runs",
        "hidden width H",
        "std of the test loss",
    )
    .with(
        Series::points(
            "measured",
            w.clone(),
            points.iter().map(|p| p.spread).collect(),
        )
        .with_yerr(points.iter().map(|p| p.spread_err).collect()),
    );
    spread.log_x = true;
    spread.log_y = true;
    let fit = if points.len() >= 4 {
        let f = scaling::fit_power_law(
            &w,
            &points.iter().map(|p| p.spread).collect::<Vec<f64>>(),
            Some(&points.iter().map(|p| p.spread_err).collect::<Vec<f64>>()),
            400,
            seed,
        )?;
        let xs: Vec<f64> = (0..60)
            .map(|k| w[0] * (w[w.len() - 1] / w[0]).powf(k as f64 / 59.0))
            .collect();
        let ys = xs.iter().map(|x| f.a * x.powf(-f.alpha) + f.c).collect();
        spread = spread.with(Series::new(
            format!("a H^(−α) + c, α = {:.2}", f.alpha),
            xs,
            ys,
            Style::Dashed,
        ));
        summary.push(format!(
            "spread = a H^(−α) + c: α = {:.3} [{:.3}, {:.3}], c = {:.4} [{:.4}, {:.4}] (95 % bootstrap)",
            f.alpha, f.alpha_ci[0], f.alpha_ci[1], f.c, f.c_ci[0], f.c_ci[1]
        ));
        Some(f)
    } else {
        None
    };
    // Histograms of the final test losses on common bins.
    let all = points.iter().flat_map(|p| p.test_losses.iter().copied());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let bins = 24;
    let width = ((hi - lo) / bins as f64).max(1e-12);
    let mut hist = Plot::new(
        "Final test losses of independent SGD runs",
        "test loss",
        "fraction of runs",
    );
    for p in &points {
        let mut h = vec![0.0; bins];
        for v in &p.test_losses {
            let b = (((v - lo) / width) as usize).min(bins - 1);
            h[b] += 1.0 / p.test_losses.len() as f64;
        }
        let centres = (0..bins).map(|b| lo + (b as f64 + 0.5) * width).collect();
        hist = hist.with(Series::new(
            format!("H = {}", p.width),
            centres,
            h,
            Style::LinePoints,
        ));
    }
    let mut plots = vec![("spread", spread), ("histograms", hist)];
    let noise_json = if noise.noise_width > 0 {
        let (pts, lines, plot) = noise_measurement(net, noise, &train, seed)?;
        summary.extend(lines);
        plots.push(("sgd_noise", plot));
        serde_json::to_value(&pts)?
    } else {
        serde_json::Value::Null
    };
    Ok(Output {
        summary,
        header: SPREAD_HEADER.to_vec(),
        rows: spread_rows(&points, net.train_images),
        json: serde_json::json!({ "widths": points, "spread_fit": fit, "sgd_noise": noise_json }),
        plots,
        arrays: Vec::new(),
    })
}

/// `learn replica-overlap --model two-layer`: hidden-representation overlap (CKA) and
/// function-space overlap of pairs of independently trained networks against parameters per
/// training example, next to the test and training losses. With `--loss squared`, full
/// batches (`--batch` = `--train`) and long training this shows double descent, the test loss
/// peaking near p = nK.
pub fn two_layer_overlap(
    net: &NetworkArgs,
    mnist: Option<&std::path::Path>,
    seed: u64,
) -> Result<Output> {
    let (train, test) = mnist_split(net, mnist, seed)?;
    let points = sgd::loss_spread(&train, &test, &spread_config(net, seed))?;
    let n = net.train_images as f64;
    let g: Vec<f64> = points.iter().map(|p| p.params as f64 / n).collect();
    let classes = train.classes as f64;
    let mut overlap = Plot::new(
        "Replica overlap of two independently trained networks",
        "parameters per training example p/n",
        "overlap",
    )
    .with(
        Series::new(
            "CKA of hidden representations",
            g.clone(),
            points.iter().map(|p| p.overlap).collect(),
            Style::LinePoints,
        )
        .with_yerr(points.iter().map(|p| p.overlap_err).collect()),
    )
    .with(
        Series::new(
            "output overlap q (function space)",
            g.clone(),
            points.iter().map(|p| p.output_overlap).collect(),
            Style::LinePoints,
        )
        .with_yerr(points.iter().map(|p| p.output_overlap_err).collect()),
    )
    .vline(classes, "p = nK");
    overlap.log_x = true;
    let mut losses = Plot::new(
        "Two-layer network trained by SGD: losses",
        "parameters per training example p/n",
        "loss",
    )
    .with(
        Series::new(
            "test",
            g.clone(),
            points.iter().map(|p| p.test_loss).collect(),
            Style::LinePoints,
        )
        .with_yerr(points.iter().map(|p| p.test_loss_err).collect()),
    )
    .with(
        Series::new(
            "train",
            g,
            points.iter().map(|p| p.train_loss.max(1e-6)).collect(),
            Style::LinePoints,
        )
        .with_yerr(points.iter().map(|p| p.train_loss_err).collect()),
    )
    .vline(classes, "p = nK");
    losses.log_x = true;
    losses.log_y = true;
    let mut summary: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "H = {} (p/nK = {:.2}): CKA {:.4} ± {:.4}, output overlap {:.4} ± {:.4}, test loss {:.4} ± {:.4}, train loss {:.2e}",
                p.width,
                p.params as f64 / (n * classes),
                p.overlap,
                p.overlap_err,
                p.output_overlap,
                p.output_overlap_err,
                p.test_loss,
                p.test_loss_err,
                p.train_loss
            )
        })
        .collect();
    if let Some(peak) = points
        .iter()
        .max_by(|a, b| a.test_loss.total_cmp(&b.test_loss))
    {
        summary.push(format!(
            "test loss peaks at H = {} (p/nK = {:.2}, interpolation threshold p = nK at 1)",
            peak.width,
            peak.params as f64 / (n * classes)
        ));
    }
    Ok(Output {
        summary,
        header: SPREAD_HEADER.to_vec(),
        rows: spread_rows(&points, net.train_images),
        json: serde_json::to_value(&points)?,
        plots: vec![("overlap", overlap), ("losses", losses)],
        arrays: Vec::new(),
    })
}

/// Runs `glassbox learn`.
pub fn run(args: Args) -> Result<()> {
    let name = args.topic.name();
    let seed = args.seed;
    let out = match &args.topic {
        Topic::DoubleDescent(a) => regression_curve(a, seed, false)?,
        Topic::ReplicaOverlap {
            model: OverlapModel::RandomFeatures,
            regression,
            ..
        } => regression_curve(regression, seed, true)?,
        Topic::ReplicaOverlap {
            model: OverlapModel::TwoLayer,
            regression,
            network,
        } => two_layer_overlap(network, regression.mnist.as_deref(), seed)?,
        Topic::LossSpread {
            mnist,
            network,
            noise,
        } => loss_spread_topic(network, noise, mnist.as_deref(), seed)?,
        Topic::Perceptron {
            n,
            alphas,
            samples,
            sweeps,
            capacity_n,
            temperature,
        } => perceptron_topic(
            *n,
            alphas,
            *samples,
            *sweeps,
            *capacity_n,
            *temperature,
            seed,
        )?,
        Topic::PspinDynamics {
            sizes,
            starts,
            temperature,
            aging_n,
        } => pspin_topic(sizes, *starts, *temperature, *aging_n, seed)?,
        Topic::Nngp {
            activation,
            widths,
            networks,
        } => nngp_topic(*activation, widths, *networks, seed)?,
        Topic::ScalingFit { input, resamples } => scaling_topic(input, *resamples, seed)?,
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/learn-{name}")));
    out.emit(
        &dir,
        args.overwrite,
        &format!("learn {name}"),
        serde_json::json!({ "topic": format!("{:?}", args.topic), "seed": seed }),
        seed,
    )
}
