//! Bindings of `glassbox::learning`: each function returns JSON that `glassbox.learning` turns
//! into numpy arrays. Long runs release the GIL.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{detached, json, parse_name, PyResultExt};
use glassbox::learning::{landscape, nngp, perceptron, regression, scaling, sgd, two_layer};

/// Random-features double descent (JSON list of curve points). `mnist` is a folder with the
/// MNIST test set; without it the data come from a linear teacher in dimension `d`.
#[pyfunction(name = "learn_double_descent")]
#[pyo3(signature = (features, n, n_test=1000, activation="relu", ridge=0.0, seeds=16, seed=1, d=100, r2=1.0, sigma2=0.1, mnist=None, digit=0))]
#[allow(clippy::too_many_arguments)]
pub fn double_descent(
    py: Python<'_>,
    features: Vec<usize>,
    n: usize,
    n_test: usize,
    activation: &str,
    ridge: f64,
    seeds: usize,
    seed: u64,
    d: usize,
    r2: f64,
    sigma2: f64,
    mnist: Option<PathBuf>,
    digit: u8,
) -> PyResult<String> {
    let activation = match activation {
        "relu" => regression::Activation::Relu,
        "tanh" => regression::Activation::Tanh,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown activation `{other}`; expected relu or tanh"
            )))
        }
    };
    let cfg = regression::CurveConfig {
        n_train: n,
        n_test,
        features,
        activation,
        ridge,
        seeds,
        seed,
    };
    let images = match &mnist {
        Some(dir) => Some(glassbox::data::mnist(dir, "t10k").py()?),
        None => None,
    };
    let source = match &images {
        Some(images) => regression::Source::Images { images, digit },
        None => regression::Source::Linear { d, r2, sigma2 },
    };
    json(&detached(py, || regression::double_descent(&source, &cfg)).py()?)
}

/// Teacher–student generalization error (mean, standard error) of a perceptron student:
/// `student` is hebb, perceptron or gibbs (at `temperature`).
#[pyfunction(name = "learn_generalization_error")]
#[pyo3(signature = (student, n, alpha, samples=32, sweeps=200, temperature=0.0, seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn generalization_error(
    py: Python<'_>,
    student: &str,
    n: usize,
    alpha: f64,
    samples: usize,
    sweeps: usize,
    temperature: f64,
    seed: u64,
) -> PyResult<(f64, f64)> {
    let s = match student {
        "hebb" => perceptron::Student::Hebb,
        "perceptron" => perceptron::Student::Perceptron,
        "gibbs" => perceptron::Student::Gibbs { temperature },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown student `{other}`; expected hebb, perceptron or gibbs"
            )))
        }
    };
    detached(py, || {
        perceptron::generalization_error(s, n, alpha, samples, sweeps, seed)
    })
    .py()
}

/// Fraction of random-label problems the perceptron algorithm separates, and Cover's exact
/// probability for the same (P, N).
#[pyfunction(name = "learn_separable_fraction")]
#[pyo3(signature = (n, alpha, samples=200, max_epochs=2000, seed=1))]
pub fn separable_fraction(
    py: Python<'_>,
    n: usize,
    alpha: f64,
    samples: usize,
    max_epochs: usize,
    seed: u64,
) -> PyResult<(f64, f64)> {
    let f = detached(py, || {
        perceptron::separable_fraction(n, alpha, samples, max_epochs, seed)
    })
    .py()?;
    let p = (alpha * n as f64).round() as usize;
    Ok((f, perceptron::cover_separable(p, n)))
}

/// Energies per spin of 3-spin minima reached by gradient descent from `starts` random points.
#[pyfunction(name = "learn_pspin_minima")]
#[pyo3(signature = (n, starts=24, seed=1))]
pub fn pspin_minima(py: Python<'_>, n: usize, starts: usize, seed: u64) -> PyResult<Vec<f64>> {
    detached(py, || landscape::minima_energies(n, starts, seed)).py()
}

/// Two-time correlations C(t_w + t, t_w) of 3-spin Langevin dynamics (JSON).
#[pyfunction(name = "learn_pspin_aging")]
#[pyo3(signature = (n, temperature, waiting, lags, dt=0.05, samples=16, seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn pspin_aging(
    py: Python<'_>,
    n: usize,
    temperature: f64,
    waiting: Vec<f64>,
    lags: Vec<f64>,
    dt: f64,
    samples: usize,
    seed: u64,
) -> PyResult<String> {
    json(
        &detached(py, || {
            landscape::aging(n, temperature, dt, &waiting, &lags, samples, seed)
        })
        .py()?,
    )
}

fn nonlinearity(name: &str) -> PyResult<nngp::Nonlinearity> {
    match name {
        "relu" => Ok(nngp::Nonlinearity::Relu),
        "erf" => Ok(nngp::Nonlinearity::Erf),
        other => Err(PyValueError::new_err(format!(
            "unknown activation `{other}`; expected relu or erf"
        ))),
    }
}

/// The NNGP kernel matrix of `inputs` (rows) for activation relu or erf.
#[pyfunction(name = "learn_nngp_kernel")]
pub fn nngp_kernel(activation: &str, inputs: Vec<Vec<f64>>) -> PyResult<Vec<f64>> {
    Ok(nngp::kernel_matrix(nonlinearity(activation)?, &inputs))
}

/// Kernel deviation of finite-width networks vs width (JSON {points, slope}).
#[pyfunction(name = "learn_nngp_convergence")]
#[pyo3(signature = (activation, inputs, widths, networks=32, seed=1))]
pub fn nngp_convergence(
    py: Python<'_>,
    activation: &str,
    inputs: Vec<Vec<f64>>,
    widths: Vec<usize>,
    networks: usize,
    seed: u64,
) -> PyResult<String> {
    let act = nonlinearity(activation)?;
    let (points, slope) = detached(py, || {
        nngp::kernel_convergence(act, &inputs, &widths, networks, seed)
    })
    .py()?;
    json(&serde_json::json!({ "points": points, "slope": slope }))
}

/// Power-law fit L = a N^(−α) + c with bootstrap intervals (JSON of `PowerLawFit`).
#[pyfunction(name = "learn_fit_power_law")]
#[pyo3(signature = (sizes, losses, errors=None, resamples=1000, seed=1))]
pub fn fit_power_law(
    sizes: Vec<f64>,
    losses: Vec<f64>,
    errors: Option<Vec<f64>>,
    resamples: usize,
    seed: u64,
) -> PyResult<String> {
    json(&scaling::fit_power_law(&sizes, &losses, errors.as_deref(), resamples, seed).py()?)
}

/// MNIST train and test sets for the two-layer experiments: folder `mnist` (or the one
/// `glassbox.data` finds), pooled over `pool` × `pool` pixels, split by `seed`.
fn mnist_split(
    mnist: Option<PathBuf>,
    pool: usize,
    n_train: usize,
    n_test: usize,
    seed: u64,
) -> PyResult<(two_layer::Dataset, two_layer::Dataset)> {
    let dir = mnist
        .or_else(glassbox::data::mnist_dir)
        .ok_or_else(|| PyValueError::new_err("MNIST not found: pass mnist=FOLDER"))?;
    let images = glassbox::data::mnist(&dir, "t10k")
        .and_then(|m| m.pooled(pool))
        .py()?;
    sgd::image_split(&images, n_train, n_test, seed).py()
}

/// Final test losses of `networks` SGD-trained two-layer networks per width on MNIST, their
/// spread and hidden-representation overlap (JSON list of `SpreadPoint`).
#[pyfunction(name = "learn_loss_spread")]
#[pyo3(signature = (widths, networks=16, epochs=5, lr=0.05, batch=32, weight_decay=1e-4, hidden="tanh", loss="cross-entropy", pool=1, n_train=2000, n_test=1000, mnist=None, seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn loss_spread(
    py: Python<'_>,
    widths: Vec<usize>,
    networks: usize,
    epochs: usize,
    lr: f64,
    batch: usize,
    weight_decay: f64,
    hidden: &str,
    loss: &str,
    pool: usize,
    n_train: usize,
    n_test: usize,
    mnist: Option<PathBuf>,
    seed: u64,
) -> PyResult<String> {
    let cfg = sgd::SpreadConfig {
        widths,
        seeds: networks,
        hidden: parse_name("hidden activation", hidden)?,
        loss: parse_name("loss", loss)?,
        sgd: two_layer::Sgd {
            lr,
            batch,
            weight_decay,
        },
        epochs,
        seed,
    };
    let (train, test) = mnist_split(mnist, pool, n_train, n_test, seed)?;
    json(&detached(py, || sgd::loss_spread(&train, &test, &cfg)).py()?)
}

/// Stationary SGD fluctuations of the training objective at each (η, B) of `settings`
/// (JSON list of `NoisePoint`).
#[pyfunction(name = "learn_sgd_noise")]
#[pyo3(signature = (width, settings, warmup=(0.05, 32), warmup_epochs=5, weight_decay=1e-4, time=20.0, records=100, networks=8, hidden="tanh", loss="cross-entropy", pool=1, n_train=2000, mnist=None, seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn sgd_noise(
    py: Python<'_>,
    width: usize,
    settings: Vec<(f64, usize)>,
    warmup: (f64, usize),
    warmup_epochs: usize,
    weight_decay: f64,
    time: f64,
    records: usize,
    networks: usize,
    hidden: &str,
    loss: &str,
    pool: usize,
    n_train: usize,
    mnist: Option<PathBuf>,
    seed: u64,
) -> PyResult<String> {
    let cfg = sgd::NoiseConfig {
        width,
        hidden: parse_name("hidden activation", hidden)?,
        loss: parse_name("loss", loss)?,
        weight_decay,
        warmup,
        warmup_epochs,
        settings,
        time,
        records,
        seeds: networks,
        seed,
    };
    let (train, _) = mnist_split(mnist, pool, n_train, 1, seed)?;
    json(&detached(py, || sgd::sgd_noise(&train, &cfg)).py()?)
}

/// Replica-symmetric Gibbs learning at temperature T > 0: JSON list of {alpha, r, q, epsilon}.
#[pyfunction(name = "learn_gibbs_theory")]
pub fn gibbs_theory(py: Python<'_>, alphas: Vec<f64>, temperature: f64) -> PyResult<String> {
    let pts = detached(py, || {
        alphas
            .iter()
            .map(|&a| {
                glassbox::theory::gardner::gibbs_learning_at(a, temperature).map(|(p, q)| {
                    serde_json::json!({ "alpha": p.alpha, "r": p.r, "q": q, "epsilon": p.epsilon })
                })
            })
            .collect::<glassbox::Result<Vec<_>>>()
    })
    .py()?;
    json(&pts)
}
