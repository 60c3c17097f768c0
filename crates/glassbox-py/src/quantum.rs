//! Transverse-field Ising models: exact diagonalization, path-integral Monte Carlo, simulated
//! quantum annealing. Results cross as JSON (unpacked to numpy by `glassbox.quantum`).

use glassbox::quantum::{compare, ed, pimc, sqa};
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use crate::model::Ising;

/// Ground state and gap by Lanczos (N ≤ 20). See `glassbox.quantum.ed`.
#[pyfunction]
pub fn quantum_ed(py: Python<'_>, model: &Bound<'_, Ising>, gamma: f64) -> PyResult<String> {
    let model = &model.get().model;
    json(&detached(py, || ed::ground_state(model, gamma)).py()?)
}

/// Thermal averages by full diagonalization (N ≤ 12). See `glassbox.quantum.thermal`.
#[pyfunction]
pub fn quantum_thermal(
    py: Python<'_>,
    model: &Bound<'_, Ising>,
    gamma: f64,
    betas: Vec<f64>,
) -> PyResult<String> {
    let model = &model.get().model;
    json(&detached(py, || ed::thermal(model, gamma, &betas)).py()?)
}

/// Spectrum along the annealing path. See `glassbox.quantum.annealing_path`.
#[pyfunction]
pub fn quantum_path(
    py: Python<'_>,
    model: &Bound<'_, Ising>,
    gamma0: f64,
    s: Vec<f64>,
    levels: usize,
) -> PyResult<String> {
    let model = &model.get().model;
    json(&detached(py, || ed::annealing_path(model, gamma0, &s, levels)).py()?)
}

/// Path-integral Monte Carlo from a JSON `PimcConfig`. See `glassbox.quantum.pimc`.
#[pyfunction]
pub fn quantum_pimc(py: Python<'_>, model: &Bound<'_, Ising>, config: &str) -> PyResult<String> {
    let model = &model.get().model;
    let config: pimc::PimcConfig = serde_json::from_str(config)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    json(&detached(py, || pimc::pimc(model, &config)).py()?)
}

/// Simulated quantum annealing from a JSON `SqaConfig`. See `glassbox.quantum.sqa`.
#[pyfunction]
pub fn quantum_sqa(py: Python<'_>, model: &Bound<'_, Ising>, config: &str) -> PyResult<String> {
    let model = &model.get().model;
    let config: sqa::SqaConfig = serde_json::from_str(config)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    json(&detached(py, || sqa::sqa(model, &config)).py()?)
}

/// SQA against simulated annealing on several instances from a JSON `CompareConfig`. See
/// `glassbox.quantum.compare`.
#[pyfunction]
pub fn quantum_compare(
    py: Python<'_>,
    models: Vec<Bound<'_, Ising>>,
    config: &str,
) -> PyResult<String> {
    let models: Vec<glassbox::model::Ising> =
        models.iter().map(|m| m.get().model.clone()).collect();
    let config: compare::CompareConfig = serde_json::from_str(config)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    json(&detached(py, || compare::compare(&models, &config)).py()?)
}
