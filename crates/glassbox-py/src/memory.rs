//! Associative-memory bindings (Hopfield networks): experiments return the library's result
//! structs as JSON; `glassbox.memory` turns them into dicts of numpy arrays.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::memory::capacity::{capacity, CapacitySpec};
use glassbox::memory::modern::{ContinuousHopfield, DenseAssociative};
use glassbox::memory::retrieval::{basins, BasinSpec};
use glassbox::memory::{run, Dense, Dynamics, Hebbian, Minover, Patterns, Rule};
use glassbox::rng::Streams;

pub(crate) fn patterns_from(a: &PyReadonlyArray2<'_, i8>) -> PyResult<Patterns> {
    let arr = a.as_array();
    let rows: Vec<Vec<i8>> = arr.rows().into_iter().map(|r| r.to_vec()).collect();
    Patterns::from_rows(&rows).py()
}

fn rule_from(name: &str, kappa: f64) -> PyResult<Option<Rule>> {
    Ok(Some(match name.trim().to_lowercase().replace('_', "-").as_str() {
        "hebb" => return Ok(None),
        "hebb-dense" => Rule::Hebb,
        "pseudo-inverse" => Rule::PseudoInverse,
        "storkey" => Rule::Storkey,
        "minover" => Rule::Minover(Minover {
            kappa,
            ..Minover::default()
        }),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown learning rule `{other}`; expected hebb, hebb-dense, pseudo-inverse, storkey or minover"
            )))
        }
    }))
}

/// Random patterns ξ (p × N int8, entries ±1, mean `bias`) from `seed`.
#[pyfunction]
pub fn hopfield_patterns<'py>(
    py: Python<'py>,
    n: usize,
    p: usize,
    bias: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<i8>>> {
    let pats = Patterns::random(n, p, bias, &Streams::new(seed)).py()?;
    let flat: Vec<i8> = (0..p).flat_map(|mu| pats.pattern(mu).to_vec()).collect();
    flat.into_pyarray(py).reshape([p, n])
}

/// The N×N couplings a learning rule gives for the patterns (rows of `patterns`).
#[pyfunction]
pub fn hopfield_couplings<'py>(
    py: Python<'py>,
    patterns: PyReadonlyArray2<'py, i8>,
    rule: &str,
    kappa: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let pats = patterns_from(&patterns)?;
    let rule = rule_from(rule, kappa)?.unwrap_or(Rule::Hebb);
    let n = pats.n();
    let w = detached(py, || rule.learn(&pats)).py()?;
    w.as_slice().to_vec().into_pyarray(py).reshape([n, n])
}

/// Runs dynamics from `start` in the network that `rule` builds from `patterns`; JSON of the
/// outcome (state, overlaps, sweeps, period, flips, energy).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_run(
    py: Python<'_>,
    patterns: PyReadonlyArray2<'_, i8>,
    start: PyReadonlyArray1<'_, i8>,
    rule: &str,
    dynamics: &str,
    temperature: f64,
    sweeps: usize,
    seed: u64,
    kappa: f64,
    power: u32,
) -> PyResult<String> {
    let pats = patterns_from(&patterns)?;
    let start = start.as_array().to_vec();
    let dyn_ = match dynamics.trim().to_lowercase().as_str() {
        "async" | "asynchronous" => Dynamics::Asynchronous { max_sweeps: sweeps },
        "sync" | "synchronous" => Dynamics::Synchronous { max_steps: sweeps },
        "glauber" => {
            if !(temperature.is_finite() && temperature > 0.0) {
                return Err(PyValueError::new_err(format!(
                    "temperature must be finite and positive, got {temperature}"
                )));
            }
            Dynamics::Glauber {
                beta: 1.0 / temperature,
                sweeps,
            }
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown dynamics `{other}`; expected async, sync or glauber"
            )))
        }
    };
    let rule = if power > 2 {
        None
    } else {
        Some(rule_from(rule, kappa)?)
    };
    let out = detached(py, || -> glassbox::Result<_> {
        let mut rng = Streams::new(seed).stream(&[glassbox::rng::purpose::MONTE_CARLO]);
        match rule {
            None => run(
                &DenseAssociative::new(pats, power)?,
                &start,
                &dyn_,
                &mut rng,
            ),
            Some(None) => run(&Hebbian::new(pats)?, &start, &dyn_, &mut rng),
            Some(Some(r)) => {
                let w = r.learn(&pats)?;
                run(&Dense::new(w, Some(pats))?, &start, &dyn_, &mut rng)
            }
        }
    })
    .py()?;
    json(&out)
}

/// The capacity experiment (JSON of `glassbox::memory::Capacity`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_capacity_experiment(
    py: Python<'_>,
    sizes: Vec<usize>,
    alphas: Vec<f64>,
    samples: usize,
    starts: usize,
    max_sweeps: usize,
    success: f64,
    threshold: f64,
    seed: u64,
) -> PyResult<String> {
    let spec = CapacitySpec {
        sizes,
        alphas,
        samples,
        starts,
        max_sweeps,
        success_overlap: success,
        mean_threshold: threshold,
        bins: 40,
        seed,
    };
    json(&detached(py, || capacity(&spec)).py()?)
}

/// Basins of attraction (JSON list of points).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_basins(
    py: Python<'_>,
    n: usize,
    alphas: Vec<f64>,
    flip_fractions: Vec<f64>,
    samples: usize,
    starts: usize,
    success: f64,
    seed: u64,
) -> PyResult<String> {
    let spec = BasinSpec {
        n,
        alphas,
        flip_fractions,
        samples,
        starts,
        max_sweeps: 1000,
        success_overlap: success,
        seed,
    };
    json(&detached(py, || basins(&spec)).py()?)
}

/// One update of the continuous modern Hopfield network, ξ ← X softmax(β Xᵀ ξ), with the
/// stored patterns as the rows of `patterns`.
#[pyfunction]
pub fn modern_hopfield_update<'py>(
    py: Python<'py>,
    patterns: PyReadonlyArray2<'py, f64>,
    state: PyReadonlyArray1<'py, f64>,
    beta: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let rows: Vec<Vec<f64>> = patterns
        .as_array()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    let net = ContinuousHopfield::new(&rows, beta).py()?;
    Ok(net
        .update(&state.as_array().to_vec())
        .py()?
        .into_pyarray(py))
}
