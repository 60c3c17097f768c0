//! Spin-glass drivers: simulated annealing, parallel tempering, population annealing.

use glassbox::mc::anneal::{anneal as lib_anneal, AnnealConfig, Schedule, ScheduleKind};
use glassbox::mc::ground::{ground_search, time_to_target, GroundConfig, GroundRun};
use glassbox::mc::population::{population_annealing as lib_pa, PopulationConfig};
use glassbox::mc::tempering::{tune_temperatures, Tempering, TemperingConfig};
use glassbox::mc::{Kernel, Order, Rule};
use glassbox::measure::Estimate;
use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{detached, parse_name, PyResultExt};
use crate::model::Ising;

fn matrix<'py, T: numpy::Element>(
    py: Python<'py>,
    flat: Vec<T>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(flat.into_pyarray(py).reshape([rows, cols])?.into_any())
}

/// Simulated annealing: `reads` restarts in parallel. See `glassbox.anneal`.
#[pyfunction]
#[pyo3(signature = (model, reads, sweeps, schedule="geometric", beta_range=None, betas=None, rule="metropolis", order="random", trace_every=1, seed=1, kernel="auto"))]
#[allow(clippy::too_many_arguments)]
pub fn anneal<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    reads: usize,
    sweeps: u64,
    schedule: &str,
    beta_range: Option<(f64, f64)>,
    betas: Option<Vec<f64>>,
    rule: &str,
    order: &str,
    trace_every: u64,
    seed: u64,
    kernel: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    let schedule = match betas {
        Some(betas) => Schedule::Custom { betas },
        None => {
            let kind = parse_name::<ScheduleKind>("schedule", schedule)?;
            match beta_range {
                Some((a, b)) => Schedule::new(kind, a, b),
                None => Schedule::default_for(model, kind).py()?,
            }
        }
    };
    let config = AnnealConfig {
        schedule,
        sweeps,
        reads,
        rule: parse_name::<Rule>("update rule", rule)?,
        order: parse_name::<Order>("site order", order)?,
        trace_every,
        seed,
        kernel: parse_name::<Kernel>("kernel", kernel)?,
    };
    let res = detached(py, || lib_anneal(model, &config)).py()?;
    let n = model.n();
    let k = res.reads.len();
    let d = PyDict::new(py);
    let per_read = |f: &dyn Fn(&glassbox::mc::anneal::Read) -> f64| {
        res.reads
            .iter()
            .map(f)
            .collect::<Vec<f64>>()
            .into_pyarray(py)
    };
    d.set_item("best_energy", per_read(&|r| r.best_energy))?;
    d.set_item("final_energy", per_read(&|r| r.final_energy))?;
    d.set_item(
        "acceptance",
        per_read(&|r| r.accepted as f64 / (res.betas.len() * n) as f64),
    )?;
    let spins: Vec<i8> = res
        .reads
        .iter()
        .flat_map(|r| r.best_spins.iter().copied())
        .collect();
    d.set_item("best_spins", matrix(py, spins, k, n)?)?;
    let traces: Vec<f64> = res
        .reads
        .iter()
        .flat_map(|r| r.trace.iter().copied())
        .collect();
    d.set_item("traces", matrix(py, traces, k, res.trace_sweeps.len())?)?;
    d.set_item("trace_sweeps", res.trace_sweeps.clone().into_pyarray(py))?;
    d.set_item("betas", res.betas.clone().into_pyarray(py))?;
    let best = res.best();
    d.set_item("best", best.best_energy)?;
    d.set_item("best_read", best.index)?;
    Ok(d)
}

fn estimates<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    name: &str,
    values: Vec<Estimate>,
) -> PyResult<()> {
    let col = |f: fn(&Estimate) -> f64| values.iter().map(f).collect::<Vec<f64>>();
    d.set_item(name, col(|e| e.mean).into_pyarray(py))?;
    d.set_item(format!("{name}_err"), col(|e| e.error).into_pyarray(py))?;
    d.set_item(format!("{name}_tau"), col(|e| e.tau_int).into_pyarray(py))?;
    let ok: Vec<bool> = values.iter().map(|e| e.reliable).collect();
    d.set_item(format!("{name}_reliable"), ok.into_pyarray(py))?;
    Ok(())
}

/// Parallel tempering with independent replica sets. See `glassbox.temper`.
#[pyfunction]
#[pyo3(signature = (model, temperatures, sweeps, thermalization, replicas=2, exchange_every=1, measure_every=1, q_bins=None, tune=0, tune_sweeps=None, rule="metropolis", order="random", seed=1, houdayer=None))]
#[allow(clippy::too_many_arguments)]
pub fn temper<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    temperatures: Vec<f64>,
    sweeps: u64,
    thermalization: u64,
    replicas: usize,
    exchange_every: u64,
    measure_every: u64,
    q_bins: Option<usize>,
    tune: usize,
    tune_sweeps: Option<u64>,
    rule: &str,
    order: &str,
    seed: u64,
    houdayer: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    let mut config = TemperingConfig {
        temperatures,
        replicas,
        rule: parse_name::<Rule>("update rule", rule)?,
        order: parse_name::<Order>("site order", order)?,
        thermalization,
        sweeps,
        exchange_every,
        measure_every,
        q_bins: q_bins.unwrap_or((model.n() + 1).min(201)),
        seed,
        houdayer,
    };
    config.validate().py()?;
    if tune > 0 {
        let s = tune_sweeps.unwrap_or((sweeps / 10).max(1));
        config.temperatures = detached(py, || tune_temperatures(model, &config, tune, s)).py()?;
    }
    let mut state = Tempering::new(model, config).py()?;
    let block = (state.total_sweeps() / 100).max(1);
    while !state.finished() {
        detached(py, || state.advance(model, block));
        py.check_signals()?;
    }
    let r = state.results(model);
    let d = PyDict::new(py);
    let col = |f: &dyn Fn(&glassbox::mc::tempering::TemperingPoint) -> f64| {
        r.points
            .iter()
            .map(f)
            .collect::<Vec<f64>>()
            .into_pyarray(py)
    };
    d.set_item("temperature", col(&|p| p.temperature))?;
    d.set_item("beta", col(&|p| p.beta))?;
    type Pick = fn(&glassbox::mc::tempering::TemperingPoint) -> Estimate;
    let observables: [(&str, Pick); 9] = [
        ("energy", |p| p.energy),
        ("chi_sg", |p| p.chi_sg),
        ("specific_heat", |p| p.specific_heat),
        ("abs_m", |p| p.abs_m),
        ("m2", |p| p.m2),
        ("q2", |p| p.q2),
        ("abs_q", |p| p.abs_q),
        ("q4", |p| p.q4),
        ("binder_q", |p| p.binder_q),
    ];
    for (name, pick) in observables {
        estimates(py, &d, name, r.points.iter().map(pick).collect())?;
    }
    if r.points.iter().all(|p| p.link_overlap.is_some()) {
        estimates(
            py,
            &d,
            "link_overlap",
            r.points.iter().map(|p| p.link_overlap.unwrap()).collect(),
        )?;
    }
    if r.points.iter().all(|p| p.correlation_length.is_some()) {
        estimates(
            py,
            &d,
            "correlation_length",
            r.points
                .iter()
                .map(|p| p.correlation_length.unwrap())
                .collect(),
        )?;
    }
    d.set_item("acceptance", col(&|p| p.acceptance))?;
    d.set_item(
        "cluster_fraction",
        col(&|p| p.cluster_fraction.unwrap_or(f64::NAN)),
    )?;
    let bins = r.q_centers.len();
    let hist: Vec<f64> = r
        .points
        .iter()
        .flat_map(|p| p.q_histogram.iter().copied())
        .collect();
    d.set_item("q_histogram", matrix(py, hist, r.points.len(), bins)?)?;
    d.set_item("q_centers", r.q_centers.clone().into_pyarray(py))?;
    d.set_item(
        "exchange_acceptance",
        r.exchange_acceptance.clone().into_pyarray(py),
    )?;
    d.set_item("round_trips", r.round_trips)?;
    d.set_item("mean_round_trip", r.mean_round_trip)?;
    d.set_item("sweeps", r.sweeps)?;
    d.set_item("log_binning", log_binning(py, &r)?)?;
    Ok(d)
}

/// The logarithmic binning of a tempering result as a dict of (temperatures × windows)
/// matrices, the windows' sweeps and the per-temperature drift and verdict.
fn log_binning<'py>(
    py: Python<'py>,
    r: &glassbox::mc::tempering::TemperingResult,
) -> PyResult<Bound<'py, PyDict>> {
    use glassbox::mc::tempering::{log_binning_drift, LogBin, LOG_BINNING_SIGMAS};
    let d = PyDict::new(py);
    let windows = r.points.iter().map(|p| p.log_bins.len()).min().unwrap_or(0);
    let k = r.points.len();
    let first = &r.points[0].log_bins[..windows];
    d.set_item(
        "start",
        first
            .iter()
            .map(|b| b.start)
            .collect::<Vec<u64>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "end",
        first
            .iter()
            .map(|b| b.end)
            .collect::<Vec<u64>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "complete",
        first
            .iter()
            .map(|b| b.complete)
            .collect::<Vec<bool>>()
            .into_pyarray(py),
    )?;
    type Pick = fn(&LogBin) -> Option<Estimate>;
    let fields: [(&str, Pick); 6] = [
        ("energy", |b| Some(b.energy)),
        ("q2", |b| Some(b.q2)),
        ("link_overlap", |b| b.link_overlap),
        ("energy_change", |b| b.energy_change),
        ("q2_change", |b| b.q2_change),
        ("link_overlap_change", |b| b.link_overlap_change),
    ];
    for (name, pick) in fields {
        for (suffix, value) in [
            ("", (|e: Estimate| e.mean) as fn(Estimate) -> f64),
            ("_err", |e| e.error),
        ] {
            let flat: Vec<f64> = r
                .points
                .iter()
                .flat_map(|p| {
                    p.log_bins[..windows]
                        .iter()
                        .map(move |b| pick(b).map_or(f64::NAN, value))
                })
                .collect();
            d.set_item(format!("{name}{suffix}"), matrix(py, flat, k, windows)?)?;
        }
    }
    let drift: Vec<f64> = r
        .points
        .iter()
        .map(|p| log_binning_drift(&p.log_bins).unwrap_or(f64::NAN))
        .collect();
    let ok: Vec<bool> = drift.iter().map(|&x| x <= LOG_BINNING_SIGMAS).collect();
    d.set_item("drift_sigmas", drift.into_pyarray(py))?;
    d.set_item("thermalized", ok.into_pyarray(py))?;
    Ok(d)
}

/// Population annealing from β = 0 with free-energy estimates. See
/// `glassbox.population_annealing`.
#[pyfunction]
#[pyo3(signature = (model, betas, population, sweeps, runs, rule="metropolis", order="random", seed=1))]
#[allow(clippy::too_many_arguments)]
pub fn population_annealing<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    betas: Vec<f64>,
    population: usize,
    sweeps: u64,
    runs: usize,
    rule: &str,
    order: &str,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    let config = PopulationConfig {
        betas,
        population,
        sweeps,
        runs,
        rule: parse_name::<Rule>("update rule", rule)?,
        order: parse_name::<Order>("site order", order)?,
        seed,
    };
    let pts = detached(py, || lib_pa(model, &config)).py()?;
    if pts.is_empty() {
        return Err(PyValueError::new_err("no inverse temperatures"));
    }
    let d = PyDict::new(py);
    let beta: Vec<f64> = pts.iter().map(|p| p.beta).collect();
    d.set_item(
        "temperature",
        beta.iter()
            .map(|b| 1.0 / b)
            .collect::<Vec<f64>>()
            .into_pyarray(py),
    )?;
    d.set_item("beta", beta.into_pyarray(py))?;
    estimates(
        py,
        &d,
        "ln_z_per_spin",
        pts.iter().map(|p| p.ln_z_per_spin).collect(),
    )?;
    estimates(
        py,
        &d,
        "free_energy",
        pts.iter().map(|p| p.free_energy_per_spin).collect(),
    )?;
    estimates(py, &d, "energy", pts.iter().map(|p| p.energy).collect())?;
    let fam: Vec<f64> = pts.iter().map(|p| p.families).collect();
    d.set_item("families", fam.into_pyarray(py))?;
    let ent: Vec<f64> = pts.iter().map(|p| p.family_entropy).collect();
    d.set_item("family_entropy", ent.into_pyarray(py))?;
    Ok(d)
}

/// Ground-state search by annealing restarts (or parallel tempering) with time-to-target
/// statistics. See `glassbox.ground`.
#[pyfunction]
#[pyo3(signature = (model, time_limit, max_reads=None, target=None, runs=1, batch=None, sweeps=1000, schedule="geometric", beta_range=None, rule="metropolis", order="random", seed=1, method="anneal", pt_temperatures=16, pt_sets=2))]
#[allow(clippy::too_many_arguments)]
pub fn ground<'py>(
    py: Python<'py>,
    model: &Bound<'py, Ising>,
    time_limit: f64,
    max_reads: Option<usize>,
    target: Option<f64>,
    runs: usize,
    batch: Option<usize>,
    sweeps: u64,
    schedule: &str,
    beta_range: Option<(f64, f64)>,
    rule: &str,
    order: &str,
    seed: u64,
    method: &str,
    pt_temperatures: usize,
    pt_sets: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let model = &model.get().model;
    if runs == 0 {
        return Err(PyValueError::new_err("runs must be at least 1"));
    }
    let kind = parse_name::<ScheduleKind>("schedule", schedule)?;
    let (b0, b1) = match beta_range {
        Some(r) => r,
        None => glassbox::mc::anneal::default_beta_range(model).py()?,
    };
    let schedule = Schedule::new(kind, b0, b1);
    let tempering = match method {
        "anneal" => None,
        "pt" => Some(glassbox::mc::ground::GroundTempering {
            temperatures: glassbox::mc::tempering::geometric_temperatures(
                1.0 / b1,
                1.0 / b0,
                pt_temperatures,
            )
            .py()?,
            replicas: pt_sets,
            sweeps,
        }),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown search method `{other}` (use \"anneal\" or \"pt\")"
            )))
        }
    };
    let config = GroundConfig {
        anneal: AnnealConfig {
            schedule,
            sweeps,
            reads: 1,
            rule: parse_name::<Rule>("update rule", rule)?,
            order: parse_name::<Order>("site order", order)?,
            trace_every: sweeps.max(1),
            seed,
            kernel: Kernel::Auto,
        },
        batch: batch.unwrap_or(2 * std::thread::available_parallelism().map_or(1, |n| n.get())),
        time_limit,
        max_reads,
        target,
        tempering,
    };
    config.validate().py()?;
    let mut out = Vec::with_capacity(runs);
    for k in 0..runs {
        out.push(detached(py, || ground_search(model, &config, k)).py()?);
        py.check_signals()?;
    }
    let best = out
        .iter()
        .min_by(|a, b| a.best_energy.total_cmp(&b.best_energy))
        .expect("runs ≥ 1");
    let goal = target.unwrap_or(best.best_energy);
    let tts = time_to_target(&out, goal).py()?;
    let d = PyDict::new(py);
    d.set_item("best", best.best_energy)?;
    d.set_item("best_spins", best.best_spins.clone().into_pyarray(py))?;
    let col =
        |f: &dyn Fn(&GroundRun) -> f64| out.iter().map(f).collect::<Vec<f64>>().into_pyarray(py);
    d.set_item("best_energy", col(&|r| r.best_energy))?;
    d.set_item("reads", col(&|r| r.reads as f64))?;
    d.set_item("seconds", col(&|r| r.seconds))?;
    d.set_item(
        "seconds_to_target",
        col(&|r| r.time_to(goal).map_or(f64::INFINITY, |h| h.seconds)),
    )?;
    d.set_item(
        "reads_to_target",
        col(&|r| r.time_to(goal).map_or(f64::INFINITY, |h| h.reads as f64)),
    )?;
    d.set_item("target", goal)?;
    d.set_item("success_probability", tts.success_probability)?;
    d.set_item("median_seconds", tts.median_seconds)?;
    d.set_item("median_reads", tts.median_reads)?;
    d.set_item("read_success_probability", tts.read_success_probability)?;
    d.set_item("seconds_per_read", tts.seconds_per_read)?;
    d.set_item("tts99_seconds", tts.tts99_seconds)?;
    Ok(d)
}
