//! Drivers: Monte Carlo temperature scans, exact enumeration, zero-temperature quench.

use glassbox::exact::enumerate::enumerate as exact_enumerate;
use glassbox::mc::cluster::ClusterAlgorithm;
use glassbox::mc::{Kernel, Order, Replica, Rule, Scan, ScanConfig};
use glassbox::measure::Estimate;
use glassbox::rng::{purpose, Streams};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{detached, parse_name, PyResultExt};
use crate::model::Ising;

/// Blocks per scan: the GIL is taken back between blocks to check for Ctrl-C.
const BLOCKS: u64 = 100;

fn spins_matrix<'py>(py: Python<'py>, rows: Vec<Vec<i8>>, n: usize) -> PyResult<Bound<'py, PyAny>> {
    let k = rows.len();
    let flat: Vec<i8> = rows.into_iter().flatten().collect();
    Ok(flat.into_pyarray(py).reshape([k, n])?.into_any())
}

/// Runs a Monte Carlo temperature scan (one chain per temperature, in parallel) and returns
/// a dict of numpy arrays. See `glassbox.sample`.
#[pyfunction]
#[pyo3(signature = (model, temperatures, sweeps, thermalization, rule="metropolis", order="random", seed=1, measure_every=1, cluster=None, kernel="auto"))]
#[allow(clippy::too_many_arguments)]
pub fn sample<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperatures: Vec<f64>,
    sweeps: u64,
    thermalization: u64,
    rule: &str,
    order: &str,
    seed: u64,
    measure_every: u64,
    cluster: Option<&str>,
    kernel: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    let config = ScanConfig {
        temperatures,
        rule: parse_name::<Rule>("update rule", rule)?,
        order: parse_name::<Order>("site order", order)?,
        thermalization,
        sweeps,
        measure_every,
        seed,
        cluster: cluster
            .map(|c| parse_name::<ClusterAlgorithm>("cluster algorithm", c))
            .transpose()?,
        kernel: parse_name::<Kernel>("kernel", kernel)?,
    };
    let kernel = config.kernel_name(model);
    let mut scan = Scan::new(model, config).py()?;
    let block = ((thermalization + sweeps) / BLOCKS).max(1);
    while !scan.finished() {
        detached(py, || scan.step(model, block));
        py.check_signals()?;
    }
    let results = scan.results(model);
    let d = PyDict::new(py);
    let column = |f: &dyn Fn(&glassbox::mc::PointResult) -> f64| -> Bound<'py, PyArray1<f64>> {
        results.iter().map(f).collect::<Vec<f64>>().into_pyarray(py)
    };
    d.set_item("temperature", column(&|r| r.temperature))?;
    d.set_item("beta", column(&|r| r.beta))?;
    type Pick = fn(&glassbox::mc::PointResult) -> &Estimate;
    let observables: [(&str, Pick); 8] = [
        ("energy", |r| &r.energy),
        ("specific_heat", |r| &r.specific_heat),
        ("m", |r| &r.m),
        ("abs_m", |r| &r.abs_m),
        ("m2", |r| &r.m2),
        ("m4", |r| &r.m4),
        ("susceptibility", |r| &r.susceptibility),
        ("binder", |r| &r.binder),
    ];
    for (name, pick) in observables {
        d.set_item(name, column(&|r| pick(r).mean))?;
        d.set_item(format!("{name}_err"), column(&|r| pick(r).error))?;
        d.set_item(format!("{name}_tau"), column(&|r| pick(r).tau_int))?;
        let ok: Vec<bool> = results.iter().map(|r| pick(r).reliable).collect();
        d.set_item(format!("{name}_reliable"), ok.into_pyarray(py))?;
    }
    let reliable: Vec<bool> = results
        .iter()
        .map(|r| observables.iter().all(|(_, pick)| pick(r).reliable))
        .collect();
    d.set_item("reliable", reliable.into_pyarray(py))?;
    d.set_item("acceptance", column(&|r| r.acceptance))?;
    let measured: Vec<u64> = results.iter().map(|r| r.sweeps).collect();
    d.set_item("sweeps", measured.into_pyarray(py))?;
    let finals = scan.chains.iter().map(|c| c.spins().into_owned()).collect();
    d.set_item("final_spins", spins_matrix(py, finals, model.n())?)?;
    d.set_item("kernel", kernel)?;
    Ok(d)
}

/// Exact thermodynamics by enumerating all 2^N states (N ≤ 30) at each temperature.
/// See `glassbox.enumerate`.
#[pyfunction]
pub fn enumerate<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperatures: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    if let Some(t) = temperatures.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        return Err(PyValueError::new_err(format!(
            "temperature must be finite and positive, got {t}"
        )));
    }
    let betas: Vec<f64> = temperatures.iter().map(|t| 1.0 / t).collect();
    let e = detached(py, || exact_enumerate(model, &betas)).py()?;
    let d = PyDict::new(py);
    let column = |f: &dyn Fn(&glassbox::exact::enumerate::ExactPoint) -> f64| {
        e.points
            .iter()
            .map(f)
            .collect::<Vec<f64>>()
            .into_pyarray(py)
    };
    d.set_item("temperature", temperatures.into_pyarray(py))?;
    d.set_item("beta", column(&|p| p.beta))?;
    d.set_item("ln_z_per_spin", column(&|p| p.ln_z_per_spin))?;
    d.set_item("energy", column(&|p| p.energy))?;
    d.set_item("specific_heat", column(&|p| p.specific_heat))?;
    d.set_item("abs_m", column(&|p| p.abs_m))?;
    d.set_item("m2", column(&|p| p.m2))?;
    d.set_item("m4", column(&|p| p.m4))?;
    d.set_item("binder", column(&|p| p.binder))?;
    d.set_item("susceptibility", column(&|p| p.susceptibility))?;
    d.set_item("ground_energy", e.ground_energy)?;
    d.set_item("degeneracy", e.degeneracy)?;
    d.set_item("ground_state", e.ground_state.clone().into_pyarray(py))?;
    Ok(d)
}

/// The exact two-replica overlap distribution P(q) at each temperature (N ≤ 24): a
/// (temperatures × (N + 1)) matrix, column d for q = (2d − N)/N. See
/// `glassbox.overlap_distribution`.
#[pyfunction]
pub fn overlap_distribution<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperatures: Vec<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let model = &model.get().model;
    if let Some(t) = temperatures.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        return Err(PyValueError::new_err(format!(
            "temperature must be finite and positive, got {t}"
        )));
    }
    let betas: Vec<f64> = temperatures.iter().map(|t| 1.0 / t).collect();
    let p = detached(py, || {
        glassbox::exact::enumerate::overlap_distribution(model, &betas)
    })
    .py()?;
    let cols = model.n() + 1;
    let flat: Vec<f64> = p.into_iter().flatten().collect();
    Ok(flat
        .into_pyarray(py)
        .reshape([temperatures.len(), cols])?
        .into_any())
}

/// Kaufman's exact thermodynamics of the periodic `rows`×`cols` 2D Ising ferromagnet (J = 1)
/// at each temperature. See `glassbox.kaufman`.
#[pyfunction]
pub fn kaufman<'py>(
    py: Python<'py>,
    rows: usize,
    cols: usize,
    temperatures: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let points = temperatures
        .iter()
        .map(|t| glassbox::exact::kaufman::kaufman(rows, cols, 1.0 / t))
        .collect::<glassbox::Result<Vec<_>>>()
        .py()?;
    let d = PyDict::new(py);
    let column = |f: &dyn Fn(&glassbox::exact::kaufman::Thermo) -> f64| {
        points.iter().map(f).collect::<Vec<f64>>().into_pyarray(py)
    };
    d.set_item("temperature", temperatures.clone().into_pyarray(py))?;
    d.set_item("beta", column(&|p| p.beta))?;
    d.set_item("ln_z_per_spin", column(&|p| p.ln_z_per_spin))?;
    d.set_item("energy", column(&|p| p.energy_per_spin))?;
    d.set_item("specific_heat", column(&|p| p.specific_heat_per_spin))?;
    d.set_item("free_energy", column(&|p| p.free_energy_per_spin))?;
    d.set_item("entropy", column(&|p| p.entropy_per_spin))?;
    Ok(d)
}

/// Zero-temperature quench to a local minimum from `spins` (or random spins drawn from
/// `seed`). Returns `(spins, energy)`. See `glassbox.quench`.
#[pyfunction]
#[pyo3(signature = (model, spins=None, seed=0, order="random"))]
pub fn quench<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    spins: Option<PyReadonlyArray1<'py, i8>>,
    seed: u64,
    order: &str,
) -> PyResult<(Bound<'py, PyArray1<i8>>, f64)> {
    let model = &model.get().model;
    let order = parse_name::<Order>("site order", order)?;
    let spins = spins.map(|s| s.as_array().to_vec());
    let streams = Streams::new(seed);
    let replica = detached(py, || -> glassbox::Result<Replica> {
        let mut r = match spins {
            Some(s) => Replica::new(model, s)?,
            None => Replica::random(model, &mut streams.stream(&[purpose::INITIAL_STATE, 0])),
        };
        let mut rng = streams.stream(&[purpose::MONTE_CARLO, 0]);
        glassbox::mc::quench(model, &mut r, order, &mut rng);
        r.resync(model);
        Ok(r)
    })
    .py()?;
    let energy = replica.energy();
    Ok((replica.into_spins().into_pyarray(py), energy))
}
