//! Python bindings of glassbox: the compiled module `glassbox._glassbox`.
//!
//! This crate only converts between Python and the library: it parses arguments, calls
//! `glassbox`, releases the GIL around long work through [`detached`] and maps library
//! errors to Python exceptions through [`to_py_err`]. The Pythonic layer (docstrings,
//! `Model`, dict inputs, scipy matrices) lives in `python/glassbox/__init__.py`.

use pyo3::prelude::*;

mod boltzmann;
mod cavity;
mod convert;
mod learning;
mod memory;
mod model;
mod quantum;
mod rg;
mod run;
mod spinglass;
mod theory;

pub use convert::{detached, to_py_err, ConvergenceError};

/// The compiled core of glassbox (use the `glassbox` package, not this module directly).
#[pymodule]
fn _glassbox(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ConvergenceError", m.py().get_type::<ConvergenceError>())?;
    m.add_class::<model::Ising>()?;
    m.add_function(wrap_pyfunction!(run::sample, m)?)?;
    m.add_function(wrap_pyfunction!(run::enumerate, m)?)?;
    m.add_function(wrap_pyfunction!(run::overlap_distribution, m)?)?;
    m.add_function(wrap_pyfunction!(run::quench, m)?)?;
    m.add_function(wrap_pyfunction!(run::kaufman, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::bp_run, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::tap_run, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::amp_run, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::state_evolution, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::hopfield_amp, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::hopfield_state_evolution, m)?)?;
    m.add_function(wrap_pyfunction!(cavity::cavity_field, m)?)?;
    m.add_function(wrap_pyfunction!(learning::double_descent, m)?)?;
    m.add_function(wrap_pyfunction!(learning::generalization_error, m)?)?;
    m.add_function(wrap_pyfunction!(learning::separable_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(learning::pspin_minima, m)?)?;
    m.add_function(wrap_pyfunction!(learning::pspin_aging, m)?)?;
    m.add_function(wrap_pyfunction!(learning::nngp_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(learning::nngp_convergence, m)?)?;
    m.add_function(wrap_pyfunction!(learning::fit_power_law, m)?)?;
    m.add_function(wrap_pyfunction!(learning::loss_spread, m)?)?;
    m.add_function(wrap_pyfunction!(learning::sgd_noise, m)?)?;
    m.add_function(wrap_pyfunction!(learning::gibbs_theory, m)?)?;
    m.add_function(wrap_pyfunction!(spinglass::anneal, m)?)?;
    m.add_function(wrap_pyfunction!(spinglass::temper, m)?)?;
    m.add_function(wrap_pyfunction!(spinglass::population_annealing, m)?)?;
    m.add_function(wrap_pyfunction!(spinglass::ground, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::rbm_train, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::rbm_free_energy, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::rbm_sample, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::rbm_log_z_exact, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::rbm_log_z_ais, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::bm_train, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::bm_log_likelihood, m)?)?;
    m.add_function(wrap_pyfunction!(boltzmann::fvbm_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_patterns, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_couplings, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_run, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_capacity_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_basins, m)?)?;
    m.add_function(wrap_pyfunction!(memory::modern_hopfield_update, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_hybrid, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_mnist_patterns, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_recall_memory, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_scaling, m)?)?;
    m.add_function(wrap_pyfunction!(memory::hopfield_stability, m)?)?;
    m.add_function(wrap_pyfunction!(memory::modern_hopfield_scan, m)?)?;
    m.add_function(wrap_pyfunction!(theory::sk_rs, m)?)?;
    m.add_function(wrap_pyfunction!(theory::at_line, m)?)?;
    m.add_function(wrap_pyfunction!(theory::hopfield_capacity, m)?)?;
    m.add_function(wrap_pyfunction!(theory::hopfield_phase_diagram, m)?)?;
    m.add_function(wrap_pyfunction!(theory::hopfield_ags, m)?)?;
    m.add_function(wrap_pyfunction!(theory::gardner_capacity, m)?)?;
    m.add_function(wrap_pyfunction!(theory::learning_curve, m)?)?;
    m.add_function(wrap_pyfunction!(theory::replica_trick, m)?)?;
    m.add_function(wrap_pyfunction!(theory::pspin, m)?)?;
    m.add_function(wrap_pyfunction!(theory::bethe, m)?)?;
    m.add_function(wrap_pyfunction!(theory::double_descent, m)?)?;
    m.add_function(wrap_pyfunction!(theory::simulate_min_norm, m)?)?;
    m.add_function(wrap_pyfunction!(theory::parisi, m)?)?;
    m.add_function(wrap_pyfunction!(theory::krsb, m)?)?;
    m.add_function(wrap_pyfunction!(theory::one_step, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_ed, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_thermal, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_path, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_pimc, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_sqa, m)?)?;
    m.add_function(wrap_pyfunction!(quantum::quantum_compare, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_configurations, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_block, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_mcrg, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_flow, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_pca, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_pca_order, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_latent_order, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_overlap_configurations, m)?)?;
    m.add_function(wrap_pyfunction!(rg::rg_rbm_stack, m)?)?;
    Ok(())
}
