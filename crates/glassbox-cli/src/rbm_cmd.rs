//! `glassbox rbm train|sample|logz|eval`: restricted Boltzmann machines on binarized images.
//!
//! A model is a folder numpy reads directly: `model.npz` (`np.load("model/model.npz")` gives
//! `W` (n_visible × n_hidden, float64), `a` (visible biases), `b` (hidden biases)), the same
//! arrays as `W.npy`, `a.npy`, `b.npy`, and `model.json`, plus `sigma.npy` (visible standard deviations) for a
//! Gaussian–Bernoulli machine (`--visible gaussian`, real-valued data, not binarized). `train` writes it to `<out>/model/` after every epoch,
//! together with an atomic `checkpoint.json` from which `--resume` continues exactly.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use clap::{Subcommand, ValueEnum};
use glassbox::boltzmann::ais::{
    ais, ais_gaussian, ais_reverse, base_gaussian, base_rate_bias, AisResult, AisSpec,
};
use glassbox::boltzmann::partition::{exact_log_z, log_likelihood, MAX_ENUMERATED};
use glassbox::boltzmann::train::VisibleUnits;
use glassbox::boltzmann::train::{
    pseudo_log_likelihood, reconstruction_error, reconstruction_log_density, EpochStats,
};
use glassbox::boltzmann::{binarized_split, Binarization, Method, Rbm, TrainSpec, Trainer};
use glassbox::rng::Streams;
use serde::{Deserialize, Serialize};

use crate::image::write_grid;
use crate::npy::{read_npy_f64, read_npz_f64, write_npy, write_npz};
use crate::plot::{Plot, Series};
use crate::runfolder::{write_atomic, Manifest, RunFolder, RunStatus};

/// Flags of `glassbox rbm`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// Output folder (default `runs/rbm-<action>`).
    #[arg(long, short = 'o', global = true)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output folder.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
}

/// Binarization on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, Serialize, Deserialize, PartialEq)]
pub enum BinarizeArg {
    /// 1 where the intensity exceeds --threshold.
    Threshold,
    /// 1 with probability equal to the intensity (fixed by --seed).
    Stochastic,
}

/// Where the images come from and how they are split.
#[derive(clap::Args, Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataArgs {
    /// `mnist` (the MNIST test set; folder from --mnist-dir or the project default), a
    /// `.npy` file of images (N × D or N × rows × cols) or a `.csv` file (one image per line,
    /// comma-separated numbers, no header; e.g. scikit-learn's 8×8 digits from
    /// `scripts/export_digits.py`). Values are scaled to [0, 1] by the max before binarizing.
    #[arg(long, default_value = "mnist")]
    pub data: String,
    /// Folder holding the MNIST `t10k-*` files.
    #[arg(long)]
    pub mnist_dir: Option<PathBuf>,
    /// Binarization.
    #[arg(long, value_enum, default_value_t = BinarizeArg::Threshold)]
    pub binarize: BinarizeArg,
    /// Threshold of --binarize threshold.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Training images: the first ones of the set.
    #[arg(long, default_value_t = 9000)]
    pub train_size: usize,
    /// Held-out images: the ones after the training images.
    #[arg(long, default_value_t = 1000)]
    pub held_out: usize,
    /// Train on only the first N training images (the held-out set is unchanged).
    #[arg(long)]
    pub subset: Option<usize>,
    /// Visible units: `bernoulli` (binarized data) or `gaussian` (the real values as given,
    /// not rescaled or binarized).
    #[arg(long, value_enum, default_value_t = VisibleArg::Bernoulli)]
    #[serde(default)]
    pub visible: VisibleArg,
}

/// Visible units on the command line.
#[derive(Clone, Copy, Debug, Default, ValueEnum, Serialize, Deserialize, PartialEq)]
pub enum VisibleArg {
    /// Binary units; the data are binarized.
    #[default]
    Bernoulli,
    /// Gaussian units on the raw real values.
    Gaussian,
}

/// Reads a CSV of numbers: one row per line, comma-separated, no header.
fn read_csv(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut x = Vec::new();
    let mut width = None;
    let mut rows = 0;
    for (l, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let start = x.len();
        for f in line.split(',') {
            x.push(f.trim().parse::<f64>().with_context(|| {
                format!("{}:{}: {:?} is not a number", path.display(), l + 1, f)
            })?);
        }
        let w = x.len() - start;
        ensure!(
            *width.get_or_insert(w) == w,
            "{}:{}: {w} values, the first row has {}",
            path.display(),
            l + 1,
            width.unwrap_or(0)
        );
        rows += 1;
    }
    ensure!(rows > 0, "{}: no data rows", path.display());
    Ok((vec![rows, width.unwrap_or(0)], x))
}

/// Binarized training and held-out rows with the image shape.
pub struct Dataset {
    /// Training rows.
    pub train: Vec<f64>,
    /// Held-out rows.
    pub test: Vec<f64>,
    /// Image height × width.
    pub shape: (usize, usize),
}

impl Dataset {
    /// Visible units per row.
    pub fn dim(&self) -> usize {
        self.shape.0 * self.shape.1
    }
}

/// Loads and splits the data described by `d`.
pub fn load_data(d: &DataArgs, seed: u64) -> Result<Dataset> {
    let images = if d.data == "mnist" {
        let dir = d
            .mnist_dir
            .clone()
            .or_else(glassbox::data::mnist_dir)
            .context("MNIST not found: pass --mnist-dir or set GLASSBOX_MNIST")?;
        glassbox::data::mnist(&dir, "t10k")?
    } else {
        let path = Path::new(&d.data);
        let (shape, x) = match path.extension().and_then(|e| e.to_str()) {
            Some("npy") => read_npy_f64(path)?,
            Some("csv") => read_csv(path)?,
            _ => bail!(
                "--data must be `mnist`, a .npy or a .csv file, got {:?}",
                d.data
            ),
        };
        let (rows, cols) = match shape[..] {
            [_, r, c] => (r, c),
            [_, dim] => {
                let side = (dim as f64).sqrt().round() as usize;
                if side * side == dim {
                    (side, side)
                } else {
                    (1, dim)
                }
            }
            _ => bail!(
                "{}: expected N × D or N × rows × cols, got shape {shape:?}",
                d.data
            ),
        };
        ensure!(
            x.iter().all(|v| v.is_finite()),
            "{}: values must be finite",
            d.data
        );
        if d.visible == VisibleArg::Gaussian {
            return real_split(d, shape[0], rows, cols, x);
        }
        ensure!(
            x.iter().all(|v| *v >= 0.0),
            "{}: pixel values must be ≥ 0",
            d.data
        );
        let max = x.iter().copied().fold(0.0, f64::max);
        let scale = if max > 1.0 { 1.0 / max } else { 1.0 };
        glassbox::data::Images {
            rows,
            cols,
            pixels: x.iter().map(|v| (v * scale) as f32).collect(),
            labels: vec![0; shape[0]],
        }
    };
    if d.visible == VisibleArg::Gaussian {
        let n = images.len();
        let x = images.pixels.iter().map(|&p| f64::from(p)).collect();
        return real_split(d, n, images.rows, images.cols, x);
    }
    let mode = match d.binarize {
        BinarizeArg::Threshold => Binarization::Threshold(d.threshold),
        BinarizeArg::Stochastic => Binarization::Stochastic,
    };
    let (mut train, test) = binarized_split(
        &images,
        d.train_size,
        d.held_out,
        mode,
        &Streams::new(seed).child(&[0xda7a]),
    )?;
    if let Some(n) = d.subset {
        ensure!(
            n >= 1 && n <= d.train_size,
            "--subset must lie in 1..={}",
            d.train_size
        );
        train.truncate(n * images.rows * images.cols);
    }
    Ok(Dataset {
        train,
        test,
        shape: (images.rows, images.cols),
    })
}

/// The split of real-valued rows (Gaussian visible units): first train, then held out.
fn real_split(d: &DataArgs, n: usize, rows: usize, cols: usize, x: Vec<f64>) -> Result<Dataset> {
    let dim = rows * cols;
    ensure!(
        d.train_size >= 1 && d.held_out >= 1 && d.train_size + d.held_out <= n,
        "a split of {} training and {} held-out rows needs that many (≥ 1 each); the set has {n}",
        d.train_size,
        d.held_out
    );
    let mut train = x[..d.train_size * dim].to_vec();
    let test = x[d.train_size * dim..(d.train_size + d.held_out) * dim].to_vec();
    if let Some(s) = d.subset {
        ensure!(
            s >= 1 && s <= d.train_size,
            "--subset must lie in 1..={}",
            d.train_size
        );
        train.truncate(s * dim);
    }
    Ok(Dataset {
        train,
        test,
        shape: (rows, cols),
    })
}

/// Training method on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    /// Contrastive divergence CD-k.
    Cd,
    /// Persistent contrastive divergence PCD-k.
    Pcd,
    /// Parallel-tempering PCD (--replicas temperatures from β = 1 down to --beta-min).
    Pt,
}

/// How log Z is computed.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum LogZMethod {
    /// Exact when the smaller layer has ≤ 24 units, AIS otherwise.
    Auto,
    /// Exact sum over the smaller layer.
    Exact,
    /// Annealed importance sampling.
    Ais,
    /// Both (AIS checked against exact).
    Both,
}

/// AIS settings on the command line.
#[derive(clap::Args, Debug, Clone)]
pub struct AisArgs {
    /// AIS: independent runs.
    #[arg(long, default_value_t = 100)]
    pub ais_chains: usize,
    /// AIS: intermediate temperatures (Salakhutdinov–Murray spacing).
    #[arg(long, default_value_t = 14_500)]
    pub ais_steps: usize,
    /// How ln Z is computed.
    #[arg(long, value_enum, default_value_t = LogZMethod::Auto)]
    pub logz: LogZMethod,
    /// Also run AIS backwards from exact draws of the model (hidden layer ≤ 20 units): a
    /// stochastic upper bound on ln Z beside the forward AIS lower bound.
    #[arg(long)]
    pub reverse_ais: bool,
}

/// The actions.
#[derive(Subcommand, Debug)]
pub enum Action {
    /// Train an RBM with CD-k or PCD-k; writes the model and a checkpoint every epoch.
    Train {
        #[command(flatten)]
        data: DataArgs,
        /// Hidden units.
        #[arg(long, default_value_t = 100)]
        hidden: usize,
        /// Epochs (with --resume: the new total).
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Minibatch size (= number of persistent chains).
        #[arg(long, default_value_t = 100)]
        batch_size: usize,
        /// Learning rate.
        #[arg(long, default_value_t = 0.05)]
        lr: f64,
        /// Learning-rate decay: lr/(1 + decay·epoch).
        #[arg(long, default_value_t = 0.0)]
        lr_decay: f64,
        /// Momentum.
        #[arg(long, default_value_t = 0.5)]
        momentum: f64,
        /// L2 weight decay.
        #[arg(long, default_value_t = 1e-4)]
        weight_decay: f64,
        /// L1 penalty λ₁ on the weights (adds −λ₁ sign(W) to the gradient).
        #[arg(long, default_value_t = 0.0)]
        l1: f64,
        /// CD or PCD.
        #[arg(long, value_enum, default_value_t = MethodArg::Cd)]
        method: MethodArg,
        /// Gibbs sweeps per update.
        #[arg(short = 'k', long, default_value_t = 1)]
        k: usize,
        /// PT-PCD: number of temperatures.
        #[arg(long, default_value_t = 10)]
        replicas: usize,
        /// PT-PCD: smallest inverse temperature (ladder linear in β from 1).
        #[arg(long, default_value_t = 0.5)]
        beta_min: f64,
        /// Gaussian visible units: the initial σ of every unit (default: each unit's standard
        /// deviation in the training data); fixed unless --learn-sigma.
        #[arg(long)]
        sigma: Option<f64>,
        /// Gaussian visible units: learn σ (per unit, by gradient ascent on ln σ).
        #[arg(long)]
        learn_sigma: bool,
        /// Standard deviation of the initial weights.
        #[arg(long, default_value_t = 0.01)]
        init_scale: f64,
        /// Skip the per-epoch reconstruction-error and pseudo-likelihood monitors.
        #[arg(long)]
        no_monitor: bool,
        /// Continue the run in --out from its checkpoint (its hyper-parameters and data are
        /// kept; only --epochs, the new total, is taken from the command line).
        #[arg(long)]
        resume: bool,
    },
    /// Draw samples by block Gibbs sampling from a model.
    Sample {
        /// Model folder (or a training run folder).
        #[arg(long)]
        model: PathBuf,
        /// Independent chains.
        #[arg(long, default_value_t = 64)]
        chains: usize,
        /// Gibbs sweeps per chain.
        #[arg(long, default_value_t = 1000)]
        steps: usize,
    },
    /// ln Z of a model: exact (smaller layer ≤ 24 units) and/or AIS.
    Logz {
        /// Model folder (or a training run folder).
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        ais: AisArgs,
        /// Base-rate data for AIS (a .npy or `mnist`); default: the model's visible biases.
        #[arg(long)]
        base_data: Option<String>,
    },
    /// Log-likelihood of the training and held-out images (exact or AIS), reconstruction
    /// error and pseudo-likelihood.
    Eval {
        /// Model folder (or a training run folder).
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        ais: AisArgs,
    },
}

/// A model folder inside `path` (`path/model` when `path` is a training run). A run killed
/// between the two renames of [`save_model`]'s folder swap has no `model/` but a complete
/// staged `.model.new/` (its `model.json` is written last), which is used instead.
fn model_dir(path: &Path) -> PathBuf {
    if path.join("model").join("W.npy").exists() {
        path.join("model")
    } else if path.join(".model.new").join("model.json").exists() {
        path.join(".model.new")
    } else {
        path.to_path_buf()
    }
}

/// Reads a model: a `.npz` file (members W, a, b and optionally sigma) or a folder of
/// `W.npy`, `a.npy`, `b.npy` (`sigma.npy`).
pub fn load_model(path: &Path) -> Result<Rbm> {
    if path.extension().is_some_and(|e| e == "npz") {
        let mut w = None;
        let (mut a, mut b, mut sigma) = (None, None, None);
        for (name, shape, x) in read_npz_f64(path)? {
            match name.as_str() {
                "W" => w = Some((shape, x)),
                "a" => a = Some(x),
                "b" => b = Some(x),
                "sigma" => sigma = Some(x),
                _ => {}
            }
        }
        let ((ws, w), a, b) = match (w, a, b) {
            (Some(w), Some(a), Some(b)) => (w, a, b),
            _ => bail!("{}: a model .npz needs arrays W, a and b", path.display()),
        };
        ensure!(
            ws.len() == 2,
            "W must be 2-D (n_visible × n_hidden), got shape {ws:?}"
        );
        return Ok(match sigma {
            Some(s) => Rbm::gaussian(ws[0], ws[1], w, a, b, s)?,
            None => Rbm::new(ws[0], ws[1], w, a, b)?,
        });
    }
    let dir = model_dir(path);
    ensure!(
        dir.join("W.npy").exists(),
        "{} is not a model folder (no W.npy)",
        path.display()
    );
    let (ws, w) = read_npy_f64(&dir.join("W.npy"))?;
    ensure!(
        ws.len() == 2,
        "W.npy must be 2-D (n_visible × n_hidden), got shape {ws:?}"
    );
    let (_, a) = read_npy_f64(&dir.join("a.npy"))?;
    let (_, b) = read_npy_f64(&dir.join("b.npy"))?;
    let sigma_path = dir.join("sigma.npy");
    if sigma_path.exists() {
        let (_, s) = read_npy_f64(&sigma_path)?;
        return Ok(Rbm::gaussian(ws[0], ws[1], w, a, b, s)?);
    }
    Ok(Rbm::new(ws[0], ws[1], w, a, b)?)
}

/// Writes a model folder as one unit: every file goes into a staging folder `.<name>.new`
/// next to `dir` (`model.json` last), which then replaces `dir` by two renames (the old folder
/// is moved to `.<name>.old` and removed). An interruption at any point leaves either the
/// old or the new model complete, never a mix of epochs.
pub fn save_model(dir: &Path, rbm: &Rbm, meta: serde_json::Value) -> Result<()> {
    let name = dir
        .file_name()
        .with_context(|| format!("{} is not a folder path", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stage = parent.join(format!(".{name}.new"));
    let old = parent.join(format!(".{name}.old"));
    for d in [&stage, &old] {
        if d.exists() {
            std::fs::remove_dir_all(d).with_context(|| format!("cannot remove {}", d.display()))?;
        }
    }
    std::fs::create_dir_all(&stage)
        .with_context(|| format!("cannot create {}", stage.display()))?;
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    write_npy(&stage.join("W.npy"), &[nv, nh], rbm.weights())?;
    write_npy(&stage.join("a.npy"), &[nv], rbm.visible_bias())?;
    write_npy(&stage.join("b.npy"), &[nh], rbm.hidden_bias())?;
    let format = if let Some(s) = rbm.visible_sigma() {
        write_npy(&stage.join("sigma.npy"), &[nv], s)?;
        "glassbox Gaussian–Bernoulli RBM: p(v,h) ∝ exp(−Σ(v−a)²/(2σ²) + b·h + (v/σ)ᵀWh), h ∈ {0,1}"
    } else {
        "glassbox RBM: p(v,h) ∝ exp(a·v + b·h + vᵀWh), v,h ∈ {0,1}"
    };
    let (sw, sa, sb) = ([nv, nh], [nv], [nh]);
    let mut arrays: Vec<(&str, &[usize], &[f64])> = vec![
        ("W", &sw, rbm.weights()),
        ("a", &sa, rbm.visible_bias()),
        ("b", &sb, rbm.hidden_bias()),
    ];
    if let Some(s) = rbm.visible_sigma() {
        arrays.push(("sigma", &sa, s));
    }
    write_npz(&stage.join("model.npz"), &arrays)?;
    let meta = serde_json::json!({
        "format": format,
        "n_visible": nv, "n_hidden": nh, "info": meta,
    });
    write_atomic(
        &stage.join("model.json"),
        serde_json::to_string_pretty(&meta)?.as_bytes(),
    )?;
    if dir.exists() {
        std::fs::rename(dir, &old)
            .with_context(|| format!("cannot move {} aside", dir.display()))?;
    }
    std::fs::rename(&stage, dir).with_context(|| format!("cannot write {}", dir.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// The hidden units' weight vectors as image tiles.
pub fn filter_tiles(rbm: &Rbm, count: usize) -> Vec<Vec<f64>> {
    let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
    (0..nh.min(count))
        .map(|j| (0..nv).map(|i| rbm.weights()[i * nh + j]).collect())
        .collect()
}

/// Rows of a row-major matrix as tiles.
pub fn row_tiles(x: &[f64], width: usize, count: usize) -> Vec<Vec<f64>> {
    x.chunks(width).take(count).map(|r| r.to_vec()).collect()
}

/// Checkpoint file contents.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    data: DataArgs,
    seed: u64,
    trainer: Trainer,
    history: Vec<(EpochStats, f64)>,
}

/// ln Z by the requested method: (exact, AIS). AIS starts from the base model of
/// `base_data` (rows of n_v): independent Bernoulli units with the data's smoothed log-odds,
/// or for Gaussian visible units independent Gaussians with the data's means and standard
/// deviations; without data, the model's own visible biases (and σ).
pub fn log_z(
    rbm: &Rbm,
    base_data: Option<&[f64]>,
    a: &AisArgs,
    seed: u64,
) -> Result<(Option<f64>, Option<AisResult>)> {
    let small = if rbm.is_gaussian() {
        rbm.n_hidden() <= MAX_ENUMERATED
    } else {
        rbm.n_visible().min(rbm.n_hidden()) <= MAX_ENUMERATED
    };
    let (want_exact, want_ais) = match a.logz {
        LogZMethod::Auto => (small, !small),
        LogZMethod::Exact => (true, false),
        LogZMethod::Ais => (false, true),
        LogZMethod::Both => (true, true),
    };
    let exact = if want_exact {
        Some(exact_log_z(rbm)?)
    } else {
        None
    };
    let est = if want_ais {
        let spec = AisSpec {
            chains: a.ais_chains,
            steps: a.ais_steps,
            betas: None,
        };
        let (base, sigma) = base_model(rbm, base_data)?;
        let streams = Streams::new(seed).child(&[0xa15]);
        Some(match &sigma {
            None => ais(rbm, &base, &spec, &streams)?,
            Some(s) => ais_gaussian(rbm, &base, s, &spec, &streams)?,
        })
    } else {
        None
    };
    Ok((exact, est))
}

/// The AIS base model: Bernoulli log-odds (σ⁰ None) or Gaussian means and σ⁰, from
/// `base_data` rows or the model's own visible parameters.
fn base_model(rbm: &Rbm, base_data: Option<&[f64]>) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
    let nv = rbm.n_visible();
    Ok(match (rbm.visible_sigma(), base_data) {
        (None, Some(d)) => (base_rate_bias(d, nv)?, None),
        (None, None) => (rbm.visible_bias().to_vec(), None),
        (Some(_), Some(d)) => {
            let (mean, sd) = base_gaussian(d, nv)?;
            (mean, Some(sd))
        }
        (Some(s), None) => (rbm.visible_bias().to_vec(), Some(s.to_vec())),
    })
}

/// Reverse AIS (a stochastic upper bound on ln Z) with the same base and schedule as
/// [`log_z`], when `--reverse-ais` is given.
fn reverse_log_z(
    rbm: &Rbm,
    base_data: Option<&[f64]>,
    a: &AisArgs,
    seed: u64,
) -> Result<Option<AisResult>> {
    if !a.reverse_ais {
        return Ok(None);
    }
    let (base, sigma) = base_model(rbm, base_data)?;
    let spec = AisSpec {
        chains: a.ais_chains,
        steps: a.ais_steps,
        betas: None,
    };
    let streams = Streams::new(seed).child(&[0x7e5]);
    Ok(Some(ais_reverse(
        rbm,
        &base,
        sigma.as_deref(),
        &spec,
        &streams,
    )?))
}

fn out_dir(args: &Args, action: &str) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/rbm-{action}")))
}

fn fmt_pm(x: f64, e: f64) -> String {
    format!("{x:.3} ± {e:.3}")
}

/// Entry point.
pub fn run(args: Args) -> Result<()> {
    match &args.action {
        Action::Train { .. } => train(&args),
        Action::Sample {
            model,
            chains,
            steps,
        } => {
            ensure!(*chains >= 1, "--chains must be ≥ 1");
            let rbm = load_model(model)?;
            let dir = out_dir(&args, "sample");
            let folder = RunFolder::create(&dir, args.overwrite)?;
            let manifest = folder.begin(Manifest::new(
                "rbm sample",
                serde_json::json!({"model": model, "chains": chains, "steps": steps}),
                args.seed,
                rayon::current_num_threads(),
            ))?;
            let (v, p) = rbm.sample(*chains, *steps, &Streams::new(args.seed))?;
            let nv = rbm.n_visible();
            folder.write_array("samples", &[*chains, nv], &v)?;
            folder.write_array("sample_probabilities", &[*chains, nv], &p)?;
            let side = (nv as f64).sqrt().round() as usize;
            let (r, c) = if side * side == nv {
                (side, side)
            } else {
                (1, nv)
            };
            let png = folder.path("plots/samples.png");
            std::fs::create_dir_all(folder.path("plots"))?;
            write_grid(
                &png,
                &row_tiles(&p, nv, *chains),
                r,
                c,
                8,
                if rbm.is_gaussian() {
                    None
                } else {
                    Some((0.0, 1.0))
                },
                2,
            )?;
            manifest.finish(RunStatus::Completed)?;
            println!(
                "{chains} samples after {steps} Gibbs sweeps: {}",
                png.display()
            );
            println!("wrote {}", dir.display());
            Ok(())
        }
        Action::Logz {
            model,
            ais: a,
            base_data,
        } => {
            let rbm = load_model(model)?;
            let base = match base_data {
                Some(d) => {
                    let data = load_data(
                        &DataArgs {
                            data: d.clone(),
                            mnist_dir: None,
                            binarize: BinarizeArg::Threshold,
                            threshold: 0.5,
                            train_size: 9000,
                            held_out: 1000,
                            subset: None,
                            visible: if rbm.is_gaussian() {
                                VisibleArg::Gaussian
                            } else {
                                VisibleArg::Bernoulli
                            },
                        },
                        args.seed,
                    )?;
                    ensure!(
                        data.dim() == rbm.n_visible(),
                        "base data has {} pixels, the model {} visible units",
                        data.dim(),
                        rbm.n_visible()
                    );
                    Some(data.train)
                }
                None => None,
            };
            let (exact, est) = log_z(&rbm, base.as_deref(), a, args.seed)?;
            let rev = reverse_log_z(&rbm, base.as_deref(), a, args.seed)?;
            let dir = out_dir(&args, "logz");
            let folder = RunFolder::create(&dir, args.overwrite)?;
            let manifest = folder.begin(Manifest::new(
                "rbm logz",
                serde_json::json!({"model": model, "ais_chains": a.ais_chains, "ais_steps": a.ais_steps}),
                args.seed,
                rayon::current_num_threads(),
            ))?;
            let mut rows = Vec::new();
            if let Some(z) = exact {
                println!("exact ln Z = {z:.6}");
                rows.push(vec!["exact".into(), z.to_string(), "0".into()]);
            }
            if let Some(r) = &est {
                println!(
                    "AIS   ln Z = {} ({} chains, {} steps, ESS {:.1}){}",
                    fmt_pm(r.log_z, r.std_err),
                    a.ais_chains,
                    a.ais_steps,
                    r.effective_samples,
                    exact.map_or(String::new(), |z| format!(
                        ", {:.2}σ from exact",
                        (r.log_z - z) / r.std_err
                    ))
                );
                rows.push(vec![
                    "ais".into(),
                    r.log_z.to_string(),
                    r.std_err.to_string(),
                ]);
                folder.write_array("ais_log_weights", &[r.log_weights.len()], &r.log_weights)?;
            }
            if let Some(r) = &rev {
                println!(
                    "reverse AIS ln Z = {} (stochastic upper bound; forward AIS is a lower one){}",
                    fmt_pm(r.log_z, r.std_err),
                    exact.map_or(String::new(), |z| format!(
                        ", {:.2}σ from exact",
                        (r.log_z - z) / r.std_err
                    ))
                );
                rows.push(vec![
                    "reverse_ais".into(),
                    r.log_z.to_string(),
                    r.std_err.to_string(),
                ]);
            }
            folder.write_csv("results.csv", &["method", "log_z", "std_err"], &rows)?;
            folder.write_json(
                "results.json",
                &serde_json::json!({"exact": exact, "ais": est, "reverse_ais": rev}),
            )?;
            manifest.finish(RunStatus::Completed)?;
            println!("wrote {}", dir.display());
            Ok(())
        }
        Action::Eval {
            model,
            data,
            ais: a,
        } => {
            let rbm = load_model(model)?;
            let ds = load_data(data, args.seed)?;
            ensure!(
                ds.dim() == rbm.n_visible(),
                "the data have {} pixels, the model {} visible units",
                ds.dim(),
                rbm.n_visible()
            );
            let t0 = Instant::now();
            let (exact, est) = log_z(&rbm, Some(&ds.train), a, args.seed)?;
            let lz = exact.or(est.as_ref().map(|r| r.log_z)).expect("one method");
            let err = if exact.is_some() {
                0.0
            } else {
                est.as_ref().map_or(0.0, |r| r.std_err)
            };
            let train_ll = log_likelihood(&rbm, &ds.train, lz)?;
            let test_ll = log_likelihood(&rbm, &ds.test, lz)?;
            let recon = reconstruction_error(&rbm, &ds.test)?;
            let (pll, rld) = if rbm.is_gaussian() {
                (f64::NAN, reconstruction_log_density(&rbm, &ds.test)?)
            } else {
                let monitor = &ds.test[..ds.test.len().min(200 * rbm.n_visible())];
                (pseudo_log_likelihood(&rbm, monitor)?, f64::NAN)
            };
            let secs = t0.elapsed().as_secs_f64();
            let how = if exact.is_some() { "exact" } else { "AIS" };
            let summary = vec![
                format!("ln Z = {} ({how})", fmt_pm(lz, err)),
                format!(
                    "train log-likelihood    = {} nats/image",
                    fmt_pm(train_ll, err)
                ),
                format!(
                    "held-out log-likelihood = {} nats/image",
                    fmt_pm(test_ll, err)
                ),
                if rbm.is_gaussian() {
                    format!("held-out reconstruction error = {recon:.5} per unit, reconstruction log-density = {rld:.3} nats/row")
                } else {
                    format!("held-out reconstruction error = {recon:.5} per pixel, pseudo-log-likelihood = {pll:.2}")
                },
            ];
            let mut summary = summary;
            let mut reverse = serde_json::Value::Null;
            let mut extra = serde_json::Value::Null;
            if let (Some(z), Some(r)) = (exact, &est) {
                extra = serde_json::json!({"ais_log_z": r.log_z, "ais_std_err": r.std_err, "sigmas": (r.log_z - z) / r.std_err});
            }
            if let Some(r) = reverse_log_z(&rbm, Some(&ds.train), a, args.seed)? {
                let conservative = log_likelihood(&rbm, &ds.test, r.log_z)?;
                summary.push(format!(
                    "reverse AIS: ln Z = {} (upper bound), held-out log-likelihood = {} nats/image (conservative)",
                    fmt_pm(r.log_z, r.std_err),
                    fmt_pm(conservative, r.std_err)
                ));
                reverse = serde_json::json!({"log_z": r.log_z, "std_err": r.std_err,
                    "held_out_ll_conservative": conservative});
            }
            let dir = out_dir(&args, "eval");
            let folder = RunFolder::create(&dir, args.overwrite)?;
            let manifest = folder.begin(Manifest::new(
                "rbm eval",
                serde_json::json!({"model": model, "data": data, "ais_chains": a.ais_chains, "ais_steps": a.ais_steps}),
                args.seed,
                rayon::current_num_threads(),
            ))?;
            folder.write_json(
                "results.json",
                &serde_json::json!({"log_z": lz, "log_z_method": how, "log_z_std_err": err, "train_ll": train_ll, "held_out_ll": test_ll,
                    "reconstruction_error": recon, "pseudo_log_likelihood": pll, "reconstruction_log_density": rld, "ais_check": extra, "reverse_ais": reverse, "seconds": secs}),
            )?;
            folder.write_csv(
                "results.csv",
                &["quantity", "value", "std_err"],
                &[
                    vec!["log_z".into(), lz.to_string(), err.to_string()],
                    vec!["train_ll".into(), train_ll.to_string(), err.to_string()],
                    vec!["held_out_ll".into(), test_ll.to_string(), err.to_string()],
                    vec!["reconstruction_error".into(), recon.to_string(), "".into()],
                    vec!["pseudo_log_likelihood".into(), pll.to_string(), "".into()],
                    vec![
                        "reconstruction_log_density".into(),
                        rld.to_string(),
                        "".into(),
                    ],
                ],
            )?;
            manifest.finish(RunStatus::Completed)?;
            for l in &summary {
                println!("{l}");
            }
            if let (Some(z), Some(r)) = (exact, &est) {
                println!(
                    "AIS check: ln Z = {} vs exact {z:.4} ({:.2}σ)",
                    fmt_pm(r.log_z, r.std_err),
                    (r.log_z - z) / r.std_err
                );
            }
            println!("wrote {}", dir.display());
            Ok(())
        }
    }
}

fn train(args: &Args) -> Result<()> {
    let Action::Train {
        data,
        hidden,
        epochs,
        batch_size,
        lr,
        lr_decay,
        momentum,
        weight_decay,
        l1,
        method,
        k,
        replicas,
        beta_min,
        sigma,
        learn_sigma,
        init_scale,
        no_monitor,
        resume,
    } = &args.action
    else {
        unreachable!()
    };
    let dir = out_dir(args, "train");
    let ckpt_path = dir.join("checkpoint.json");
    let (folder, mut ck) = if *resume {
        let folder = RunFolder::open(&dir)?;
        let text = std::fs::read_to_string(&ckpt_path)
            .with_context(|| format!("cannot resume: no checkpoint in {}", dir.display()))?;
        let mut ck: Checkpoint = serde_json::from_str(&text).with_context(|| {
            format!(
                "cannot resume: {} is not a valid checkpoint",
                ckpt_path.display()
            )
        })?;
        ensure!(
            ck.data == *data,
            "cannot resume: the data flags differ from the checkpoint's ({:?})",
            ck.data
        );
        ck.trainer.set_epochs(*epochs);
        (folder, ck)
    } else {
        let folder = RunFolder::create(&dir, args.overwrite)?;
        let spec = TrainSpec {
            hidden: *hidden,
            epochs: *epochs,
            batch_size: *batch_size,
            learning_rate: *lr,
            lr_decay: *lr_decay,
            momentum: *momentum,
            weight_decay: *weight_decay,
            l1: *l1,
            method: match method {
                MethodArg::Cd => Method::Cd,
                MethodArg::Pcd => Method::Pcd,
                MethodArg::Pt => Method::Pt,
            },
            k: *k,
            init_scale: *init_scale,
            monitor: !no_monitor,
            seed: args.seed,
            visible: match data.visible {
                VisibleArg::Bernoulli => VisibleUnits::Bernoulli,
                VisibleArg::Gaussian => VisibleUnits::Gaussian,
            },
            replicas: *replicas,
            beta_min: *beta_min,
            sigma: *sigma,
            learn_sigma: *learn_sigma,
        };
        spec.validate()?;
        let ds = load_data(data, args.seed)?;
        let trainer = Trainer::new(spec, ds.dim(), &ds.train)?;
        (
            folder,
            Checkpoint {
                data: data.clone(),
                seed: args.seed,
                trainer,
                history: vec![],
            },
        )
    };
    let done = ck.trainer.epoch();
    if *resume && *epochs <= done {
        ensure!(
            *epochs == done,
            "cannot resume to {epochs} epochs: the run in {} has already finished {done}",
            dir.display()
        );
        println!(
            "nothing to do: the run in {} has already finished {done} epochs (pass a larger --epochs to continue)",
            dir.display()
        );
        return Ok(());
    }
    let ds = load_data(&ck.data, ck.seed)?;
    let manifest = folder.begin(Manifest::new(
        "rbm train",
        serde_json::to_value(ck.trainer.spec())?,
        ck.seed,
        rayon::current_num_threads(),
    ))?;
    let model_path = folder.path("model");
    // The checkpoint is written first, then the model folder (swapped in as a whole), so an
    // interruption leaves the model at the checkpoint's epoch or one behind it; resuming
    // rewrites it from the checkpoint first, so both agree again.
    let save = |ck: &Checkpoint| -> Result<()> {
        write_atomic(&ckpt_path, serde_json::to_string(ck)?.as_bytes())?;
        let tr = &ck.trainer;
        let meta = serde_json::json!({"epoch": tr.epoch(), "spec": tr.spec()});
        save_model(&model_path, tr.rbm(), meta)
    };
    // Ctrl-C: finish the current epoch, save it and mark the run interrupted.
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // Fails only if a handler is already installed, in which case it stays in charge.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    save(&ck)?;
    let total = ck.trainer.spec().epochs;
    let bar = crate::progress::bar(total as u64, "rbm train");
    bar.set_position(ck.trainer.epoch() as u64);
    while !ck.trainer.finished() {
        let t0 = Instant::now();
        let stats = ck.trainer.epoch_step(&ds.train)?;
        let secs = t0.elapsed().as_secs_f64();
        ck.history.push((stats.clone(), secs));
        save(&ck)?;
        let swaps = if stats.exchange_acceptance.is_empty() {
            String::new()
        } else {
            let m = stats
                .exchange_acceptance
                .iter()
                .copied()
                .fold(1.0, f64::min);
            format!(" min exchange {m:.2}")
        };
        let monitor = if stats.reconstruction_log_density.is_nan() {
            format!("pll {:.1}", stats.pseudo_log_likelihood)
        } else {
            format!("recon log-density {:.2}", stats.reconstruction_log_density)
        };
        bar.set_message(format!(
            "epoch {} recon {:.4} {monitor}{swaps} ({secs:.1} s)",
            stats.epoch, stats.reconstruction_error
        ));
        bar.inc(1);
        if interrupted.load(Ordering::SeqCst) && !ck.trainer.finished() {
            bar.finish_and_clear();
            manifest.finish(RunStatus::Interrupted)?;
            eprintln!(
                "interrupted after epoch {}: model and checkpoint saved in {}; continue with the same command and --resume",
                ck.trainer.epoch(),
                dir.display()
            );
            std::process::exit(130);
        }
    }
    bar.finish_and_clear();
    let history = &ck.history;
    let rbm = ck.trainer.rbm();
    let header = [
        "epoch",
        "learning_rate",
        "reconstruction_error",
        "pseudo_log_likelihood",
        "seconds",
        "exchange_acceptance",
        "reconstruction_log_density",
    ];
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|(s, t)| {
            vec![
                s.epoch.to_string(),
                s.learning_rate.to_string(),
                s.reconstruction_error.to_string(),
                s.pseudo_log_likelihood.to_string(),
                format!("{t:.4}"),
                s.exchange_acceptance
                    .iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                s.reconstruction_log_density.to_string(),
            ]
        })
        .collect();
    folder.write_csv("results.csv", &header, &rows)?;
    let epochs_x: Vec<f64> = history.iter().map(|(s, _)| s.epoch as f64).collect();
    if history
        .iter()
        .all(|(s, _)| s.pseudo_log_likelihood.is_finite())
        && !history.is_empty()
    {
        folder.write_plot(
            "pseudo_likelihood",
            &Plot::new("RBM training", "epoch", "pseudo-log-likelihood per image").with(
                Series::line(
                    "monitor rows",
                    epochs_x,
                    history
                        .iter()
                        .map(|(s, _)| s.pseudo_log_likelihood)
                        .collect(),
                ),
            ),
        )?;
    }
    std::fs::create_dir_all(folder.path("plots"))?;
    write_grid(
        &folder.path("plots/filters.png"),
        &filter_tiles(rbm, 100),
        ds.shape.0,
        ds.shape.1,
        10,
        None,
        2,
    )?;
    manifest.finish(RunStatus::Completed)?;
    let mean_t = history.iter().map(|(_, t)| t).sum::<f64>() / history.len().max(1) as f64;
    println!(
        "trained {} visible × {} hidden for {} epochs ({:.2} s/epoch on {} threads)",
        rbm.n_visible(),
        rbm.n_hidden(),
        ck.trainer.epoch(),
        mean_t,
        rayon::current_num_threads()
    );
    if let Some((s, _)) = history.last() {
        if rbm.is_gaussian() {
            println!(
                "last epoch: reconstruction error {:.5} per unit, reconstruction log-density {:.3} nats/row",
                s.reconstruction_error, s.reconstruction_log_density
            );
            let sig = rbm.visible_sigma().unwrap_or(&[]);
            println!(
                "visible σ in [{:.4}, {:.4}]{}",
                sig.iter().copied().fold(f64::INFINITY, f64::min),
                sig.iter().copied().fold(0.0, f64::max),
                if ck.trainer.spec().learn_sigma {
                    " (learned)"
                } else {
                    " (fixed)"
                }
            );
        } else {
            println!(
                "last epoch: reconstruction error {:.5} per pixel, pseudo-log-likelihood {:.2}",
                s.reconstruction_error, s.pseudo_log_likelihood
            );
        }
        if !s.exchange_acceptance.is_empty() {
            println!(
                "PT exchange acceptance between neighbouring temperatures (last epoch): {}",
                s.exchange_acceptance
                    .iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    println!(
        "model in {} (model.npz; also W.npy, a.npy, b.npy)",
        model_path.display()
    );
    println!("wrote {}", dir.display());
    Ok(())
}
