//! Bindings of `glassbox::learning`: each function returns JSON that `glassbox.learning` turns
//! into numpy arrays. Long runs release the GIL.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::learning::{landscape, nngp, perceptron, regression, scaling};

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
