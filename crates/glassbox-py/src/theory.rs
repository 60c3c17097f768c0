//! Mean-field theory bindings: each function returns the library's result struct serialized
//! to JSON; `glassbox.theory` turns it into dicts of numpy arrays.

use pyo3::prelude::*;

use crate::convert::{json, PyResultExt};
use glassbox::theory::{
    bethe as bl, double_descent as dd, gardner, hopfield, pspin as ps, replica_trick as rt, rsb, sk,
};

fn betas(temperatures: &[f64]) -> PyResult<Vec<f64>> {
    temperatures
        .iter()
        .map(|&t| {
            if t.is_finite() && t > 0.0 {
                Ok(1.0 / t)
            } else {
                Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "temperature must be finite and positive, got {t}"
                )))
            }
        })
        .collect()
}

/// SK replica-symmetric solutions at each temperature and field `h` (JSON list).
#[pyfunction]
pub fn sk_rs(temperatures: Vec<f64>, h: f64) -> PyResult<String> {
    let sols = betas(&temperatures)?
        .into_iter()
        .map(|b| sk::rs(b, h))
        .collect::<glassbox::Result<Vec<_>>>()
        .py()?;
    json(&sols)
}

/// The de Almeida–Thouless line at the given temperatures (JSON list of {t, h}).
#[pyfunction]
pub fn at_line(temperatures: Vec<f64>) -> PyResult<String> {
    json(&sk::at_line(&temperatures).py()?)
}

/// AGS capacity (JSON {alpha_c, y_c, m_c}).
#[pyfunction]
pub fn hopfield_capacity() -> PyResult<String> {
    json(&hopfield::capacity().py()?)
}

/// AGS phase diagram at the given loads (JSON list of {alpha, t_g, t_m, t_c}).
#[pyfunction]
pub fn hopfield_phase_diagram(alphas: Vec<f64>) -> PyResult<String> {
    json(&hopfield::phase_diagram(&alphas).py()?)
}

/// AGS solution (retrieval branch started at overlap m0) at load α and temperature T.
#[pyfunction]
pub fn hopfield_ags(alpha: f64, temperature: f64, m0: f64) -> PyResult<String> {
    let b = betas(&[temperature])?[0];
    json(&hopfield::ags(alpha, b, m0).py()?)
}

/// Spherical-perceptron capacity α_c(κ) at each margin.
#[pyfunction]
pub fn gardner_capacity(kappas: Vec<f64>) -> PyResult<Vec<f64>> {
    kappas
        .iter()
        .map(|&k| gardner::spherical_capacity(k))
        .collect::<glassbox::Result<Vec<_>>>()
        .py()
}

/// Teacher–student learning curve for `rule` ∈ {gibbs, bayes, hebb} (JSON list of
/// {alpha, r, epsilon}).
#[pyfunction]
pub fn learning_curve(rule: &str, alphas: Vec<f64>) -> PyResult<String> {
    let f = match rule.trim().to_lowercase().as_str() {
        "gibbs" => gardner::gibbs_learning,
        "bayes" => gardner::bayes_learning,
        "hebb" => gardner::hebb_learning,
        _ => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown learning rule `{rule}`; expected gibbs, bayes or hebb"
            )))
        }
    };
    json(
        &alphas
            .iter()
            .map(|&a| f(a))
            .collect::<glassbox::Result<Vec<_>>>()
            .py()?,
    )
}

/// The replica trick on `samples` exactly enumerated SK samples of `n` spins at `temperature`
/// (JSON of the library's `ReplicaTrick`). The GIL is released while it runs.
#[pyfunction]
#[pyo3(signature = (n, temperature, samples=1000, max_n=3, seed=1))]
pub fn replica_trick(
    py: Python<'_>,
    n: usize,
    temperature: f64,
    samples: usize,
    max_n: usize,
    seed: u64,
) -> PyResult<String> {
    let b = betas(&[temperature])?[0];
    json(&crate::convert::detached(py, || rt::replica_trick(n, b, samples, max_n, seed)).py()?)
}

/// Spherical p-spin characteristic temperatures and energies for each p (JSON list).
#[pyfunction]
pub fn pspin(orders: Vec<usize>) -> PyResult<String> {
    json(
        &orders
            .iter()
            .map(|&p| ps::pspin(p))
            .collect::<glassbox::Result<Vec<_>>>()
            .py()?,
    )
}

/// Bethe-lattice critical temperatures for each degree `c` (JSON list of {c, t_ferro,
/// t_glass_pm, t_glass_gauss}); `regular` false means Erdős–Rényi with mean degree c.
#[pyfunction]
pub fn bethe(degrees: Vec<f64>, regular: bool) -> PyResult<String> {
    let rows = degrees
        .iter()
        .map(|&c| {
            Ok(serde_json::json!({
                "c": c,
                "t_ferro": bl::ferromagnet_tc(c, 1.0, regular)?,
                "t_glass_pm": bl::spin_glass_tc(c, bl::Couplings::PlusMinus(1.0), regular)?,
                "t_glass_gauss": bl::spin_glass_tc(c, bl::Couplings::Gaussian(1.0), regular)?,
            }))
        })
        .collect::<glassbox::Result<Vec<_>>>()
        .py()?;
    json(&rows)
}

/// Analytic double descent at each γ = p/n: min-norm risk, ridge risk at penalty `ridge` (when
/// positive) and the random-features (centred ReLU) risk with ψ₁/ψ₂ = γ at ψ₂ = `psi2`
/// (JSON list of records).
#[pyfunction]
#[pyo3(signature = (gammas, r2=1.0, sigma2=0.25, ridge=0.0, psi2=2.0))]
pub fn double_descent(
    gammas: Vec<f64>,
    r2: f64,
    sigma2: f64,
    ridge: f64,
    psi2: f64,
) -> PyResult<String> {
    let rows = gammas
        .iter()
        .map(|&g| {
            let ridge_value = if ridge > 0.0 {
                dd::ridge_risk(g, ridge, r2, sigma2)?
            } else {
                f64::NAN
            };
            let rf = dd::random_features_risk(
                g * psi2,
                psi2,
                dd::Activation::centred_relu(),
                r2,
                0.0,
                sigma2,
            )?;
            Ok(serde_json::json!({
                "gamma": g,
                "min_norm": dd::min_norm_risk(g, r2, sigma2)?,
                "ridge": ridge_value,
                "random_features": rf,
            }))
        })
        .collect::<glassbox::Result<Vec<_>>>()
        .py()?;
    json(&rows)
}

/// Monte Carlo min-norm risk: (mean, standard error) over `trials` draws of n samples.
#[pyfunction]
#[pyo3(signature = (n, gamma, r2=1.0, sigma2=0.25, trials=20, seed=1))]
pub fn simulate_min_norm(
    py: Python<'_>,
    n: usize,
    gamma: f64,
    r2: f64,
    sigma2: f64,
    trials: usize,
    seed: u64,
) -> PyResult<(f64, f64)> {
    crate::convert::detached(py, || {
        dd::simulate_min_norm(n, gamma, r2, sigma2, trials, seed)
    })
    .py()
}

/// Many-step (full) Parisi RSB of the SK model at `temperature` ≥ 0 and field `h` with `steps`
/// steps (JSON of the library's `Parisi`: staircase `x`, `q`, the step solution, and the
/// k-extrapolated free energy). The GIL is released while it runs.
#[pyfunction]
#[pyo3(signature = (temperature, steps, h=0.0))]
pub fn parisi(py: Python<'_>, temperature: f64, steps: usize, h: f64) -> PyResult<String> {
    json(&crate::convert::detached(py, || rsb::parisi(temperature, h, steps)).py()?)
}

/// The k-step RSB solution at `temperature` ≥ 0 and field `h` (JSON of `StepSolution`).
#[pyfunction]
#[pyo3(signature = (k, temperature=0.0, h=0.0))]
pub fn krsb(py: Python<'_>, k: usize, temperature: f64, h: f64) -> PyResult<String> {
    json(&crate::convert::detached(py, || rsb::krsb(temperature, h, k)).py()?)
}

/// The 1RSB solution (q0, q1, m, f, e, s, RS f) at `temperature` ≥ 0 and field `h`.
#[pyfunction]
#[pyo3(signature = (temperature, h=0.0))]
pub fn one_step(temperature: f64, h: f64) -> PyResult<String> {
    json(&rsb::one_step(temperature, h).py()?)
}
