//! Renormalization-group bindings: Wolff configurations, majority-rule blocking, MCRG, the
//! nn-correlation flow, PCA and the autoencoder order parameter, overlap configurations of
//! the EA spin glass, and stacked RBMs (Mehta–Schwab). Structured results travel
//! as JSON; `glassbox.rg` turns them into dicts of numpy arrays.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::convert::{detached, json, PyResultExt};
use glassbox::model::{CouplingLaw, GraphSpec, ModelSpec};
use glassbox::rg::autoencoder::{latent_order_parameter, AutoencoderConfig};
use glassbox::rg::block::block;
use glassbox::rg::mcrg::{mcrg, nn_flow, McrgConfig};
use glassbox::rg::overlap::{overlap_configurations, OverlapSampling};
use glassbox::rg::pca::{pca, pca_order_parameter};
use glassbox::rg::sample::configurations;
use glassbox::rg::stacked_rbm::{run_experiment, StackExperiment};
use glassbox::rng::Streams;

/// Configurations of the J = 1 ferromagnet on the periodic lattice `dims` (x fastest): a flat
/// int8 array of `len(temperatures) × count × N` spins.
#[pyfunction]
pub fn rg_configurations<'py>(
    py: Python<'py>,
    dims: Vec<usize>,
    temperatures: Vec<f64>,
    count: usize,
    sweeps: usize,
    thermalize: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<i8>>> {
    let c = detached(py, || {
        configurations(
            &dims,
            &temperatures,
            count,
            sweeps,
            thermalize,
            &Streams::new(seed),
        )
    })
    .py()?;
    let flat: Vec<i8> = c.into_iter().flatten().flatten().collect();
    Ok(flat.into_pyarray(py))
}

/// Majority-rule blocking of one configuration (flat, x fastest) on `dims` with block side
/// `b`; ties from stream `[0]` of `seed`. Returns (flat block spins, blocked dims).
#[pyfunction]
pub fn rg_block<'py>(
    py: Python<'py>,
    spins: PyReadonlyArray1<'py, i8>,
    dims: Vec<usize>,
    b: usize,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray1<i8>>, Vec<usize>)> {
    let s = spins.as_array().to_vec();
    let mut rng = Streams::new(seed).stream(&[0]);
    let (out, d) = block(&s, &dims, b, &mut rng).py()?;
    Ok((out.into_pyarray(py), d))
}

/// Swendsen's MCRG on the L × L lattice; JSON of the result (levels with λ_t and ν).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn rg_mcrg(
    py: Python<'_>,
    l: usize,
    temperature: f64,
    b: usize,
    levels: usize,
    operators: usize,
    measurements: usize,
    chains: usize,
    seed: u64,
) -> PyResult<String> {
    let cfg = McrgConfig {
        l,
        t: temperature,
        b,
        levels,
        operators,
        measurements,
        chains,
        ..McrgConfig::default()
    };
    let r = detached(py, || mcrg(&cfg, &Streams::new(seed))).py()?;
    json(&r)
}

/// The nn-correlation flow; JSON `[t][level]` of estimates.
#[pyfunction]
pub fn rg_flow(
    py: Python<'_>,
    dims: Vec<usize>,
    temperatures: Vec<f64>,
    b: usize,
    levels: usize,
    measurements: usize,
    seed: u64,
) -> PyResult<String> {
    let f = detached(py, || {
        nn_flow(
            &dims,
            &temperatures,
            b,
            levels,
            measurements,
            200,
            &Streams::new(seed),
        )
    })
    .py()?;
    json(&f)
}

/// PCA of the rows of `x`; JSON (mean, components, variances, explained).
#[pyfunction]
pub fn rg_pca(py: Python<'_>, x: PyReadonlyArray2<'_, f64>, k: usize) -> PyResult<String> {
    let a = x.as_array();
    let n = a.ncols();
    let flat: Vec<f64> = a.iter().copied().collect();
    let p = detached(py, || pca(&flat, n, k)).py()?;
    json(&p)
}

fn groups(configs: &PyReadonlyArray2<'_, i8>, per: usize) -> PyResult<Vec<Vec<Vec<i8>>>> {
    let a = configs.as_array();
    if per == 0 || a.nrows() % per != 0 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} configurations cannot be split into groups of {per}",
            a.nrows()
        )));
    }
    let rows: Vec<Vec<i8>> = a.rows().into_iter().map(|r| r.to_vec()).collect();
    Ok(rows.chunks(per).map(|c| c.to_vec()).collect())
}

/// PCA order parameter of configurations (rows, `per` consecutive rows per temperature).
#[pyfunction]
pub fn rg_pca_order(
    py: Python<'_>,
    configs: PyReadonlyArray2<'_, i8>,
    temperatures: Vec<f64>,
    per: usize,
) -> PyResult<String> {
    let g = groups(&configs, per)?;
    let r = detached(py, || pca_order_parameter(&temperatures, &g)).py()?;
    json(&r)
}

/// Autoencoder order parameter Z^op of configurations (rows, `per` per temperature).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn rg_latent_order(
    py: Python<'_>,
    configs: PyReadonlyArray2<'_, i8>,
    temperatures: Vec<f64>,
    per: usize,
    hidden: usize,
    epochs: usize,
    beta_kl: f64,
    variational: bool,
    seed: u64,
) -> PyResult<String> {
    let g = groups(&configs, per)?;
    let cfg = AutoencoderConfig {
        hidden,
        epochs,
        beta_kl,
        variational,
        ..AutoencoderConfig::default()
    };
    let r = detached(py, || {
        let mut rng = Streams::new(seed).stream(&[8, 0]);
        latent_order_parameter(&temperatures, &g, &cfg, &mut rng)
    })
    .py()?;
    json(&r)
}

/// Overlap configurations `q_i = s_i^a s_i^b` of two PT replicas of the periodic EA glass on
/// `dims` (`couplings`: "plus-minus" or "gaussian", disorder from `disorder_seed`): a flat
/// int8 array of `len(temperatures) × samples·snapshots × N`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn rg_overlap_configurations<'py>(
    py: Python<'py>,
    dims: Vec<usize>,
    couplings: &str,
    temperatures: Vec<f64>,
    samples: usize,
    thermalization: u64,
    snapshots: usize,
    every: u64,
    disorder_seed: u64,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<i8>>> {
    let law = match couplings {
        "plus-minus" => CouplingLaw::PlusMinus { j: 1.0 },
        "gaussian" => CouplingLaw::Gaussian {
            mean: 0.0,
            std: 1.0,
        },
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "couplings must be 'plus-minus' or 'gaussian', got {other:?}"
            )))
        }
    };
    let spec = ModelSpec {
        graph: GraphSpec::Lattice {
            dims,
            periodic: true,
        },
        couplings: Some(law),
        field: Default::default(),
        seed: disorder_seed,
    };
    let sampling = OverlapSampling {
        temperatures,
        samples,
        thermalization,
        snapshots,
        every,
        seed,
    };
    let c = detached(py, || overlap_configurations(&spec, &sampling)).py()?;
    let flat: Vec<i8> = c.into_iter().flatten().flatten().collect();
    Ok(flat.into_pyarray(py))
}

/// Stacked RBMs (Mehta–Schwab) on L × L configurations at `temperature`, CD-1; JSON with the
/// per-layer `locality`, the `flow` and the receptive `fields` of every layer.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn rg_rbm_stack(
    py: Python<'_>,
    l: usize,
    temperature: f64,
    hidden: Vec<usize>,
    configs: usize,
    epochs: usize,
    learning_rate: f64,
    weight_decay: f64,
    l1: f64,
    window: usize,
    flow_temperatures: Vec<f64>,
    flow_configs: usize,
    seed: u64,
) -> PyResult<String> {
    let e = StackExperiment {
        l,
        temperature,
        hidden,
        configs,
        spec: StackExperiment::cd1(epochs, learning_rate, weight_decay, l1),
        window,
        flow_temperatures,
        flow_configs,
    };
    let (r, fields) = detached(py, || -> glassbox::Result<_> {
        let r = run_experiment(&e, seed)?;
        let fields = (1..=r.stack.rbms.len())
            .map(|k| r.stack.receptive_fields(k))
            .collect::<glassbox::Result<Vec<_>>>()?;
        Ok((r, fields))
    })
    .py()?;
    json(&serde_json::json!({
        "locality": r.localities,
        "flow": r.flow,
        "fields": fields,
    }))
}
