//! Bindings of `glassbox::cavity`: belief propagation, TAP, AMP and its state evolution. Each
//! returns the library's result serialized to JSON; `glassbox.cavity` unpacks it.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use crate::model::Ising;
use glassbox::cavity::{bp, field, hopfield, tap};
use numpy::PyReadonlyArray2;

fn beta(temperature: f64) -> PyResult<f64> {
    if temperature.is_finite() && temperature > 0.0 {
        Ok(1.0 / temperature)
    } else {
        Err(PyValueError::new_err(format!(
            "temperature must be finite and positive, got {temperature}"
        )))
    }
}

/// Belief propagation on a sparse or lattice model at `temperature` (JSON of `BpResult`).
#[pyfunction(name = "cavity_bp")]
#[pyo3(signature = (model, temperature, damping=0.0, max_iterations=1000, tolerance=1e-10, schedule="parallel", start=0.5, seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn bp_run<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperature: f64,
    damping: f64,
    max_iterations: usize,
    tolerance: f64,
    schedule: &str,
    start: f64,
    seed: u64,
) -> PyResult<String> {
    let model = &model.get().model;
    let options = bp::BpOptions {
        damping,
        tolerance,
        max_iterations,
        schedule: match schedule {
            "parallel" => bp::Schedule::Parallel,
            "random" => bp::Schedule::RandomSequential,
            "sequential" => bp::Schedule::Sequential,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown schedule `{other}`; expected parallel, random or sequential"
                )))
            }
        },
        initial: bp::Initial::Constant(start),
        seed,
    };
    let b = beta(temperature)?;
    json(&detached(py, || bp::run(model, b, &options)).py()?)
}

/// TAP (or, with `onsager=False`, naive mean field) at `temperature` (JSON).
#[pyfunction(name = "cavity_tap")]
#[pyo3(signature = (model, temperature, onsager=true, damping=0.5, max_iterations=2000, tolerance=1e-10))]
pub fn tap_run<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperature: f64,
    onsager: bool,
    damping: f64,
    max_iterations: usize,
    tolerance: f64,
) -> PyResult<String> {
    let model = &model.get().model;
    let opts = tap::TapOptions {
        damping,
        tolerance,
        max_iterations,
        onsager,
    };
    let b = beta(temperature)?;
    json(&detached(py, || tap::tap(model, b, &opts)).py()?)
}

/// Bolthausen's AMP iteration at `temperature` (JSON with the overlaps q_t per iteration).
#[pyfunction(name = "cavity_amp")]
#[pyo3(signature = (model, temperature, iterations=200, tolerance=1e-10))]
pub fn amp_run<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperature: f64,
    iterations: usize,
    tolerance: f64,
) -> PyResult<String> {
    let model = &model.get().model;
    let b = beta(temperature)?;
    json(&detached(py, || tap::amp(model, b, iterations, tolerance)).py()?)
}

/// AMP state evolution q_{t+1} = E tanh²(β(h + √(v q_t) z)) over the given fields.
#[pyfunction(name = "cavity_state_evolution")]
#[pyo3(signature = (temperature, fields, v=1.0, steps=50))]
pub fn state_evolution(
    temperature: f64,
    fields: Vec<f64>,
    v: f64,
    steps: usize,
) -> PyResult<Vec<f64>> {
    tap::state_evolution(beta(temperature)?, &fields, v, steps).py()
}

/// Hopfield AMP with pattern `condensed` in mean field, from magnetizations `start` (JSON with
/// the Mattis overlaps M_t and q_t per iteration). `patterns`: p × N array of ±1.
#[pyfunction(name = "cavity_hopfield_amp")]
#[pyo3(signature = (patterns, temperature, start, condensed=0, iterations=200, tolerance=1e-10))]
pub fn hopfield_amp<'py>(
    py: Python<'py>,
    patterns: PyReadonlyArray2<'py, i8>,
    temperature: f64,
    start: Vec<f64>,
    condensed: usize,
    iterations: usize,
    tolerance: f64,
) -> PyResult<String> {
    let pats = crate::memory::patterns_from(&patterns)?;
    let b = beta(temperature)?;
    json(
        &detached(py, || {
            hopfield::amp(&pats, b, &start, condensed, iterations, tolerance)
        })
        .py()?,
    )
}

/// State evolution of the Hopfield AMP at load `alpha` from (M₀, q₀) (JSON: mattis, overlaps).
#[pyfunction(name = "cavity_hopfield_state_evolution")]
#[pyo3(signature = (alpha, temperature, m0, q0=1.0, steps=50))]
pub fn hopfield_state_evolution(
    alpha: f64,
    temperature: f64,
    m0: f64,
    q0: f64,
    steps: usize,
) -> PyResult<String> {
    json(&hopfield::state_evolution(alpha, beta(temperature)?, m0, q0, steps).py()?)
}

/// Monte Carlo measurement of the cavity field of a spin removed from `model` (JSON).
#[pyfunction(name = "cavity_field")]
#[pyo3(signature = (model, temperature, thermalization=1000, sweeps=20000, draws=4000, seed=1))]
pub fn cavity_field<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperature: f64,
    thermalization: u64,
    sweeps: u64,
    draws: usize,
    seed: u64,
) -> PyResult<String> {
    let model = &model.get().model;
    let opts = field::CavityFieldOptions {
        beta: beta(temperature)?,
        thermalization,
        sweeps,
        draws,
        seed,
    };
    json(&detached(py, || field::measure(model, &opts)).py()?)
}
