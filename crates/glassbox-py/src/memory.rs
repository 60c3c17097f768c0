//! Associative-memory bindings (Hopfield networks): experiments return the library's result
//! structs as JSON; `glassbox.memory` turns them into dicts of numpy arrays.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::memory::capacity::{capacity, CapacitySpec};
use glassbox::memory::modern::{ContinuousHopfield, DenseAssociative, Interaction};

/// `"power"` (F(x) = xⁿ with n = `power`) or `"exp"` (F(x) = eˣ).
fn interaction_from(kind: &str, power: u32) -> PyResult<Interaction> {
    match kind.trim().to_lowercase().as_str() {
        "power" => Interaction::Power(power).check().py(),
        "exp" => Ok(Interaction::Exp),
        other => Err(PyValueError::new_err(format!(
            "unknown interaction `{other}`; expected power or exp"
        ))),
    }
}
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
    interaction: &str,
) -> PyResult<String> {
    let pats = patterns_from(&patterns)?;
    let exp = interaction_from(interaction, power)? == Interaction::Exp;
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
    let inter = if exp {
        Interaction::Exp
    } else {
        Interaction::Power(power)
    };
    let rule = if exp || power > 2 {
        None
    } else {
        Some(rule_from(rule, kappa)?)
    };
    let out = detached(py, || -> glassbox::Result<_> {
        let mut rng = Streams::new(seed).stream(&[glassbox::rng::purpose::MONTE_CARLO]);
        match rule {
            None => run(
                &DenseAssociative::new(pats, inter)?,
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

/// Samples the hybrid Boltzmann machine (binary visible, Gaussian hidden, weights ξ/√N) of
/// `patterns` and compares its visible marginal with the exact Hopfield distribution
/// (N ≤ 20). JSON with the run, the exact marginal and the total-variation distances.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_hybrid(
    py: Python<'_>,
    patterns: PyReadonlyArray2<'_, i8>,
    beta: f64,
    field: Vec<f64>,
    hidden: &str,
    dt: f64,
    burn_in: usize,
    samples: usize,
    thin: usize,
    seed: u64,
) -> PyResult<String> {
    use glassbox::memory::hybrid::{
        exact_sampler_tv, total_variation, HiddenDynamics, HybridBoltzmann, HybridSpec,
    };
    let pats = patterns_from(&patterns)?;
    let hidden = match hidden.trim().to_lowercase().as_str() {
        "gibbs" => HiddenDynamics::Gibbs,
        "langevin" => HiddenDynamics::Langevin { step: dt },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown hidden update `{other}`; expected gibbs or langevin"
            )))
        }
    };
    let machine = HybridBoltzmann::new(pats, beta, field).py()?;
    let spec = HybridSpec {
        hidden,
        burn_in,
        samples,
        thin,
    };
    let streams = Streams::new(seed);
    let out = detached(py, || -> glassbox::Result<serde_json::Value> {
        let run = machine.sample(&spec, &streams)?;
        let exact = machine.exact_marginal()?;
        let counts = run.counts.clone().unwrap_or_default();
        let tv = total_variation(&exact.probabilities, &counts)?;
        let eff = ((samples as f64 / (2.0 * run.tau_int)) as usize).max(1);
        let iid = exact_sampler_tv(&exact.probabilities, eff, 10, &streams.child(&[7]))?;
        Ok(serde_json::json!({
            "run": run,
            "exact": exact,
            "total_variation": tv,
            "effective_samples": eff,
            "exact_sampler_tv": iid,
        }))
    })
    .py()?;
    json(&out)
}

/// Binarized MNIST digits (t10k set in `dir`, or the default location): the first image of
/// each class in turn, `count` of them, +1 where the pixel exceeds `threshold`. Returns
/// (patterns count × 784 int8, labels, image indices).
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn hopfield_mnist_patterns<'py>(
    py: Python<'py>,
    dir: Option<String>,
    count: usize,
    threshold: f64,
) -> PyResult<(Bound<'py, PyArray2<i8>>, Vec<u8>, Vec<usize>)> {
    use glassbox::memory::images::{binarize, one_per_class};
    let dir = dir
        .map(std::path::PathBuf::from)
        .or_else(glassbox::data::mnist_dir)
        .ok_or_else(|| PyValueError::new_err("MNIST not found: pass dir or set GLASSBOX_MNIST"))?;
    let images = detached(py, || glassbox::data::mnist(&dir, "t10k")).py()?;
    let chosen = one_per_class(&images, count).py()?;
    let pats = binarize(&images, &chosen, threshold).py()?;
    let labels = chosen.iter().map(|&k| images.labels[k]).collect();
    let n = pats.n();
    let flat: Vec<i8> = (0..count)
        .flat_map(|mu| pats.pattern(mu).to_vec())
        .collect();
    Ok((flat.into_pyarray(py).reshape([count, n])?, labels, chosen))
}

/// Recall from `start` in the memory (`hebb`, `dense` with `interaction` `power` (n =
/// `power`) or `exp`, `continuous` with
/// `beta`) storing `patterns`, scored against pattern `target`: JSON of
/// `glassbox::memory::images::Recalled`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_recall_memory(
    py: Python<'_>,
    patterns: PyReadonlyArray2<'_, i8>,
    start: PyReadonlyArray1<'_, i8>,
    target: usize,
    memory: &str,
    power: u32,
    beta: f64,
    max_sweeps: usize,
    seed: u64,
    interaction: &str,
) -> PyResult<String> {
    use glassbox::memory::images::{recall_in, Memory};
    let pats = patterns_from(&patterns)?;
    let memory = match memory.trim().to_lowercase().as_str() {
        "hebb" => Memory::Hebb,
        "dense" => Memory::Dense {
            interaction: interaction_from(interaction, power)?,
        },
        "continuous" => Memory::Continuous { beta },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown memory `{other}`; expected hebb, dense or continuous"
            )))
        }
    };
    let s = start.as_array().to_vec();
    let out = detached(py, || {
        let mut rng = Streams::new(seed).stream(&[glassbox::rng::purpose::MONTE_CARLO]);
        recall_in(&pats, memory, &s, target, max_sweeps, &mut rng)
    })
    .py()?;
    json(&out)
}

/// Capacity of dense associative memory F(x) = xⁿ or eˣ against N (JSON of
/// `glassbox::memory::scaling::Scaling`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_scaling(
    py: Python<'_>,
    power: u32,
    sizes: Vec<usize>,
    samples: usize,
    starts: usize,
    flip: f64,
    success: f64,
    max_sweeps: usize,
    seed: u64,
    interaction: &str,
) -> PyResult<String> {
    use glassbox::memory::scaling::{scaling, ScalingSpec};
    let spec = ScalingSpec {
        interaction: interaction_from(interaction, power)?,
        sizes,
        samples,
        starts,
        flip,
        success_overlap: success,
        max_sweeps,
        seed,
    };
    json(&detached(py, || scaling(&spec)).py()?)
}

/// Exact fixed points and recall against the number of patterns for a rule (JSON list of
/// `glassbox::memory::stability::StabilityPoint`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn hopfield_stability(
    py: Python<'_>,
    rule: &str,
    kappa: f64,
    n: usize,
    patterns: Vec<usize>,
    samples: usize,
    starts: usize,
    flip: f64,
    seed: u64,
) -> PyResult<String> {
    use glassbox::memory::stability::{stability, StabilitySpec};
    let spec = StabilitySpec {
        rule: rule_from(rule, kappa)?.unwrap_or(Rule::Hebb),
        n,
        patterns,
        samples,
        starts,
        flip,
        max_sweeps: 1000,
        seed,
    };
    json(&detached(py, || stability(&spec)).py()?)
}

/// One-update retrieval error of the continuous modern network against β and the number of
/// stored patterns (JSON list of `glassbox::memory::modern::ContinuousScanPoint`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn modern_hopfield_scan(
    py: Python<'_>,
    dim: usize,
    counts: Vec<usize>,
    betas: Vec<f64>,
    flip: f64,
    samples: usize,
    queries: usize,
    seed: u64,
) -> PyResult<String> {
    use glassbox::memory::modern::{continuous_scan, ContinuousScanSpec};
    let spec = ContinuousScanSpec {
        dim,
        counts,
        betas,
        flip,
        samples,
        queries,
        seed,
    };
    json(&detached(py, || continuous_scan(&spec)).py()?)
}
