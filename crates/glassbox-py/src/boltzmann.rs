//! Boltzmann-machine bindings: RBM training, sampling, free energies and ln Z (exact, AIS).
//! Models cross the boundary as (W, a, b) numpy arrays plus an optional σ (Gaussian visible
//! units); `glassbox.boltzmann` wraps them.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::boltzmann::ais::{ais, ais_gaussian, base_gaussian, base_rate_bias, AisSpec};
use glassbox::boltzmann::fvbm::McSpec;
use glassbox::boltzmann::partition::exact_log_z;
use glassbox::boltzmann::train::VisibleUnits;
use glassbox::boltzmann::{Bm, Fvbm, Method, Rbm, TrainSpec, Trainer};
use glassbox::rng::Streams;

type Arrays<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// (W, a, b, history JSON, σ or None) of a trained machine.
type Trained<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    String,
    Option<Bound<'py, PyArray1<f64>>>,
);

/// (states, probabilities) of Gibbs chains.
type Samples<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

fn rbm_from(
    w: &PyReadonlyArray2<'_, f64>,
    a: &PyReadonlyArray1<'_, f64>,
    b: &PyReadonlyArray1<'_, f64>,
    sigma: &Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<Rbm> {
    let wa = w.as_array();
    let (nv, nh) = wa.dim();
    let flat: Vec<f64> = wa.iter().copied().collect();
    let mut r = Rbm::new(nv, nh, flat, a.as_array().to_vec(), b.as_array().to_vec()).py()?;
    if let Some(s) = sigma {
        r.set_sigma(s.as_array().to_vec()).py()?;
    }
    Ok(r)
}

fn rows(x: &PyReadonlyArray2<'_, f64>) -> (Vec<f64>, usize) {
    let arr = x.as_array();
    (arr.iter().copied().collect(), arr.ncols())
}

fn arrays<'py>(py: Python<'py>, r: &Rbm) -> PyResult<Arrays<'py>> {
    Ok((
        r.weights()
            .to_vec()
            .into_pyarray(py)
            .reshape([r.n_visible(), r.n_hidden()])?,
        r.visible_bias().to_vec().into_pyarray(py),
        r.hidden_bias().to_vec().into_pyarray(py),
    ))
}

/// Trains an RBM on binary rows of `data`; returns (W, a, b, history JSON).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn rbm_train<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f64>,
    hidden: usize,
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    lr_decay: f64,
    momentum: f64,
    weight_decay: f64,
    method: &str,
    k: usize,
    init_scale: f64,
    seed: u64,
    visible: &str,
    replicas: usize,
    beta_min: f64,
    sigma: Option<f64>,
    learn_sigma: bool,
    l1: f64,
) -> PyResult<Trained<'py>> {
    let (x, nv) = rows(&data);
    let method: Method = method.to_lowercase().parse().py()?;
    let visible = match visible.to_lowercase().as_str() {
        "bernoulli" => VisibleUnits::Bernoulli,
        "gaussian" => VisibleUnits::Gaussian,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "visible must be 'bernoulli' or 'gaussian', got {other:?}"
            )))
        }
    };
    let spec = TrainSpec {
        hidden,
        epochs,
        batch_size,
        learning_rate,
        lr_decay,
        momentum,
        weight_decay,
        l1,
        method,
        k,
        init_scale,
        monitor: true,
        seed,
        visible,
        replicas,
        beta_min,
        sigma,
        learn_sigma,
    };
    let (rbm, history) = detached(py, || -> glassbox::Result<_> {
        let mut tr = Trainer::new(spec, nv, &x)?;
        let mut hist = Vec::new();
        tr.run(&x, |_, s| {
            hist.push(s.clone());
            Ok(())
        })?;
        Ok((tr.rbm().clone(), hist))
    })
    .py()?;
    let (w, a, b) = arrays(py, &rbm)?;
    let sigma = rbm.visible_sigma().map(|s| s.to_vec().into_pyarray(py));
    Ok((w, a, b, json(&history)?, sigma))
}

/// Free energies F(v) of the rows of `v`.
#[pyfunction]
#[pyo3(signature = (w, a, b, v, sigma=None))]
pub fn rbm_free_energy<'py>(
    py: Python<'py>,
    w: PyReadonlyArray2<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    v: PyReadonlyArray2<'py, f64>,
    sigma: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let r = rbm_from(&w, &a, &b, &sigma)?;
    let (x, width) = rows(&v);
    if width != r.n_visible() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "v has {width} columns, the RBM {} visible units",
            r.n_visible()
        )));
    }
    Ok(detached(py, || r.free_energies(&x)).py()?.into_pyarray(py))
}

/// Block-Gibbs samples: (states, P(v=1|h)) of `chains` chains after `steps` sweeps.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (w, a, b, chains, steps, seed, sigma=None))]
pub fn rbm_sample<'py>(
    py: Python<'py>,
    w: PyReadonlyArray2<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    chains: usize,
    steps: usize,
    seed: u64,
    sigma: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Samples<'py>> {
    let r = rbm_from(&w, &a, &b, &sigma)?;
    let nv = r.n_visible();
    let (v, p) = detached(py, || r.sample(chains, steps, &Streams::new(seed))).py()?;
    Ok((
        v.into_pyarray(py).reshape([chains, nv])?,
        p.into_pyarray(py).reshape([chains, nv])?,
    ))
}

/// Exact ln Z (smaller layer ≤ 24 units).
#[pyfunction]
#[pyo3(signature = (w, a, b, sigma=None))]
pub fn rbm_log_z_exact(
    py: Python<'_>,
    w: PyReadonlyArray2<'_, f64>,
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
    sigma: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let r = rbm_from(&w, &a, &b, &sigma)?;
    detached(py, || exact_log_z(&r)).py()
}

/// AIS estimate of ln Z: JSON. The base model comes from `base_data` rows (base-rate
/// log-odds; Gaussian units: the rows' means and standard deviations), else from the model's
/// own a (and σ).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (w, a, b, base_data=None, chains=100, steps=14500, seed=1, sigma=None))]
pub fn rbm_log_z_ais(
    py: Python<'_>,
    w: PyReadonlyArray2<'_, f64>,
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
    base_data: Option<PyReadonlyArray2<'_, f64>>,
    chains: usize,
    steps: usize,
    seed: u64,
    sigma: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<String> {
    let r = rbm_from(&w, &a, &b, &sigma)?;
    let spec = AisSpec {
        chains,
        steps,
        betas: None,
    };
    let streams = Streams::new(seed);
    let nv = r.n_visible();
    let data = base_data.as_ref().map(|d| rows(d).0);
    let res = detached(py, || match (r.visible_sigma(), &data) {
        (None, Some(d)) => ais(&r, &base_rate_bias(d, nv)?, &spec, &streams),
        (None, None) => ais(&r, r.visible_bias(), &spec, &streams),
        (Some(_), Some(d)) => {
            let (mean, sd) = base_gaussian(d, nv)?;
            ais_gaussian(&r, &mean, &sd, &spec, &streams)
        }
        (Some(s), None) => ais_gaussian(&r, r.visible_bias(), s, &spec, &streams),
    })
    .py()?;
    json(&res)
}

/// (J, θ, trace) of a learned Boltzmann machine.
type LearnedBm<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Vec<f64>,
);

/// (∂L/∂J, ∂L/∂θ, their standard errors or None) of a fully visible machine.
type BmGradient<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Option<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>)>,
);

fn fvbm_from(j: &PyReadonlyArray2<'_, f64>, theta: &PyReadonlyArray1<'_, f64>) -> PyResult<Fvbm> {
    let n = theta.len()?;
    Fvbm::new(n, rows(j).0, theta.as_array().to_vec()).py()
}

/// Learns a Boltzmann machine on ±1 rows of `data` (visible units): exact Boltzmann learning
/// with `hidden` hidden units (n_v + n_h ≤ 20), or for a fully visible machine with
/// `mc_chains` set, Monte Carlo model averages. Returns (J, θ, trace): the exact
/// log-likelihood before each step and after the last, or the largest |gradient| per step.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (data, hidden=0, iterations=200, learning_rate=0.1, init_scale=1.0, seed=1, mc_chains=None, burn_in=20, sweeps=50))]
pub fn bm_train<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f64>,
    hidden: usize,
    iterations: usize,
    learning_rate: f64,
    init_scale: f64,
    seed: u64,
    mc_chains: Option<usize>,
    burn_in: usize,
    sweeps: usize,
) -> PyResult<LearnedBm<'py>> {
    let (x, nv) = rows(&data);
    let streams = Streams::new(seed);
    let (m, trace) = detached(py, || -> glassbox::Result<(Fvbm, Vec<f64>)> {
        match mc_chains {
            Some(chains) if hidden == 0 => {
                let spec = McSpec {
                    chains,
                    burn_in,
                    samples: sweeps,
                };
                Fvbm::fit_mc(&x, nv, learning_rate, iterations, &spec, &streams)
            }
            Some(_) => Err(glassbox::Error::InvalidParameter(
                "Monte Carlo learning is for fully visible machines (hidden=0)".into(),
            )),
            None => {
                let mut bm = Bm::random(nv, hidden, init_scale, &streams)?;
                let trace = bm.fit(&x, learning_rate, iterations)?;
                Ok((bm.machine().clone(), trace))
            }
        }
    })
    .py()?;
    let n = m.n();
    Ok((
        m.couplings().to_vec().into_pyarray(py).reshape([n, n])?,
        m.biases().to_vec().into_pyarray(py),
        trace,
    ))
}

/// Exact log-likelihood per row of ±1 visible `data` under the machine (J, θ) whose first
/// `n_visible` units are visible (≤ 20 units in all).
#[pyfunction]
pub fn bm_log_likelihood(
    py: Python<'_>,
    j: PyReadonlyArray2<'_, f64>,
    theta: PyReadonlyArray1<'_, f64>,
    n_visible: usize,
    data: PyReadonlyArray2<'_, f64>,
) -> PyResult<f64> {
    let bm = Bm::new(n_visible, fvbm_from(&j, &theta)?).py()?;
    let x = rows(&data).0;
    detached(py, || bm.log_likelihood(&x)).py()
}

/// Log-likelihood gradient of a fully visible machine on ±1 `data`: exact (enumeration,
/// N ≤ 20) when `mc_chains` is None, else Monte Carlo with standard errors.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (j, theta, data, mc_chains=None, burn_in=20, sweeps=50, seed=1))]
pub fn fvbm_gradient<'py>(
    py: Python<'py>,
    j: PyReadonlyArray2<'py, f64>,
    theta: PyReadonlyArray1<'py, f64>,
    data: PyReadonlyArray2<'py, f64>,
    mc_chains: Option<usize>,
    burn_in: usize,
    sweeps: usize,
    seed: u64,
) -> PyResult<BmGradient<'py>> {
    let m = fvbm_from(&j, &theta)?;
    let n = m.n();
    let x = rows(&data).0;
    let mat = |v: Vec<f64>| v.into_pyarray(py).reshape([n, n]);
    match mc_chains {
        None => {
            let (dj, dh) = detached(py, || m.gradient(&x)).py()?;
            Ok((mat(dj)?, dh.into_pyarray(py), None))
        }
        Some(chains) => {
            let spec = McSpec {
                chains,
                burn_in,
                samples: sweeps,
            };
            let g = detached(py, || m.gradient_mc(&x, &spec, &Streams::new(seed))).py()?;
            Ok((
                mat(g.dj)?,
                g.dh.into_pyarray(py),
                Some((mat(g.dj_err)?, g.dh_err.into_pyarray(py))),
            ))
        }
    }
}
