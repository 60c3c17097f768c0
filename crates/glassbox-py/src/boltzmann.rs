//! Boltzmann-machine bindings: RBM training, sampling, free energies and ln Z (exact, AIS).
//! Models cross the boundary as (W, a, b) numpy arrays plus an optional σ (Gaussian visible
//! units); `glassbox.boltzmann` wraps them.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::boltzmann::ais::{ais, base_rate_bias, AisSpec};
use glassbox::boltzmann::partition::exact_log_z;
use glassbox::boltzmann::train::VisibleUnits;
use glassbox::boltzmann::{Method, Rbm, TrainSpec, Trainer};
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
        method,
        k,
        init_scale,
        monitor: true,
        seed,
        visible,
        replicas,
        beta_min,
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

/// AIS estimate of ln Z; base-rate biases from `base_data` rows (or the model's a): JSON.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (w, a, b, base_data=None, chains=100, steps=14500, seed=1))]
pub fn rbm_log_z_ais(
    py: Python<'_>,
    w: PyReadonlyArray2<'_, f64>,
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
    base_data: Option<PyReadonlyArray2<'_, f64>>,
    chains: usize,
    steps: usize,
    seed: u64,
) -> PyResult<String> {
    let r = rbm_from(&w, &a, &b, &None)?;
    let base = match &base_data {
        Some(d) => base_rate_bias(&rows(d).0, r.n_visible()).py()?,
        None => r.visible_bias().to_vec(),
    };
    let spec = AisSpec {
        chains,
        steps,
        betas: None,
    };
    let res = detached(py, || ais(&r, &base, &spec, &Streams::new(seed))).py()?;
    json(&res)
}
