//! The `Ising` class: a built model, immutable, shared freely between threads.

use glassbox::mc::Replica;
use glassbox::model::convert::{QuboForm, SpinForm};
use glassbox::model::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::{detached, PyResultExt};

/// An Ising-type model `H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i`, s_i = ±1 (immutable).
#[pyclass(frozen, module = "glassbox._glassbox", name = "Ising")]
pub struct Ising {
    pub(crate) model: glassbox::model::Ising,
    description: String,
}

/// Edge arrays `(i, j, w)` handed to Python.
type EdgeArrays = (Py<PyArray1<i64>>, Py<PyArray1<i64>>, Py<PyArray1<f64>>);

/// A field argument: one value for every spin, or one per spin.
#[derive(FromPyObject)]
pub enum FieldArg<'py> {
    /// The same field everywhere.
    Uniform(f64),
    /// Per-site fields.
    PerSite(PyReadonlyArray1<'py, f64>),
}

impl FieldArg<'_> {
    fn spec(&self) -> FieldSpec {
        match self {
            FieldArg::Uniform(h) => FieldSpec::Uniform(*h),
            FieldArg::PerSite(h) => FieldSpec::PerSite(h.as_array().to_vec()),
        }
    }
}

/// The field spec of an optional field argument (None: zero field).
fn field_spec(field: Option<FieldArg<'_>>) -> FieldSpec {
    field.map(|f| f.spec()).unwrap_or_default()
}

/// A coupling law from its user-facing name and parameters.
fn coupling_law(name: &str, j: f64, mean: f64, std: f64) -> PyResult<CouplingLaw> {
    let norm = name.trim().to_lowercase().replace(['_', ' '], "-");
    Ok(match norm.as_str() {
        "ferro" | "ferromagnetic" => CouplingLaw::Ferro { j },
        "pm" | "plus-minus" | "±j" | "pmj" | "bimodal" => CouplingLaw::PlusMinus { j },
        "gaussian" | "normal" => CouplingLaw::Gaussian { mean, std },
        "mattis" => CouplingLaw::Mattis { j },
        "file" => CouplingLaw::File,
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown coupling law `{name}`; expected one of: ferro, pm (±J), gaussian, \
                 mattis, file"
            )))
        }
    })
}

fn vertices(what: &str, a: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<usize>> {
    a.as_array()
        .iter()
        .map(|&v| {
            usize::try_from(v)
                .map_err(|_| PyValueError::new_err(format!("{what}: negative vertex index {v}")))
        })
        .collect()
}

fn triples(
    i: &PyReadonlyArray1<'_, i64>,
    j: &PyReadonlyArray1<'_, i64>,
    w: &PyReadonlyArray1<'_, f64>,
) -> PyResult<Vec<(usize, usize, f64)>> {
    let (a, b) = (vertices("i", i)?, vertices("j", j)?);
    let w = w.as_array();
    if a.len() != b.len() || a.len() != w.len() {
        return Err(PyValueError::new_err(format!(
            "edge arrays differ in length: i has {}, j {}, w {}",
            a.len(),
            b.len(),
            w.len()
        )));
    }
    Ok(a.into_iter()
        .zip(b)
        .zip(w.iter())
        .map(|((a, b), &w)| (a, b, w))
        .collect())
}

fn fields_vec(h: Option<PyReadonlyArray1<'_, f64>>) -> Vec<f64> {
    h.map(|h| h.as_array().to_vec()).unwrap_or_default()
}

impl Ising {
    fn wrap(model: glassbox::model::Ising, description: String) -> Self {
        Ising { model, description }
    }

    fn build(py: Python<'_>, spec: ModelSpec) -> PyResult<Self> {
        let model = detached(py, || spec.build()).py()?;
        Ok(Self::wrap(model, spec.describe()))
    }

    fn edge_arrays(
        py: Python<'_>,
        edges: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> EdgeArrays {
        let (mut a, mut b, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (i, j, x) in edges {
            a.push(i as i64);
            b.push(j as i64);
            w.push(x);
        }
        (
            a.into_pyarray(py).unbind(),
            b.into_pyarray(py).unbind(),
            w.into_pyarray(py).unbind(),
        )
    }
}

#[pymethods]
impl Ising {
    /// A generated or file-backed model: `graph` is the JSON of a graph spec (the `[model]
    /// graph` table of the CLI's TOML, e.g. `{"kind": "lattice", "dims": [8, 8]}`), couplings
    /// drawn from the law named `couplings` (None: the default for the graph).
    #[staticmethod]
    #[pyo3(signature = (graph, couplings=None, field=None, seed=0, j=1.0, mean=0.0, std=1.0))]
    #[allow(clippy::too_many_arguments)]
    fn generate(
        py: Python<'_>,
        graph: &str,
        couplings: Option<&str>,
        field: Option<FieldArg<'_>>,
        seed: u64,
        j: f64,
        mean: f64,
        std: f64,
    ) -> PyResult<Self> {
        let graph: GraphSpec = serde_json::from_str(graph)
            .map_err(|e| PyValueError::new_err(format!("graph: {e}")))?;
        let couplings = couplings
            .map(|c| coupling_law(c, j, mean, std))
            .transpose()?;
        Self::build(
            py,
            ModelSpec {
                graph,
                couplings,
                field: field_spec(field),
                seed,
            },
        )
    }

    /// Model from the TOML text of a model spec (the CLI's format).
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        let spec = ModelSpec::from_toml(text).py()?;
        Self::build(py, spec)
    }

    /// Fully connected model from a dense symmetric float64 matrix with zero diagonal.
    #[staticmethod]
    #[pyo3(signature = (j, h=None))]
    fn from_dense(
        py: Python<'_>,
        j: PyReadonlyArray2<'_, f64>,
        h: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let shape = j.shape();
        if shape[0] != shape[1] {
            return Err(PyValueError::new_err(format!(
                "coupling matrix must be square, got shape {}×{}",
                shape[0], shape[1]
            )));
        }
        let n = shape[0];
        let flat: Vec<f64> = j.as_array().iter().copied().collect();
        let fields = fields_vec(h);
        let model = detached(py, || glassbox::model::Ising::from_dense(n, flat, fields)).py()?;
        Ok(Self::wrap(model, format!("dense couplings N={n}")))
    }

    /// Sparse model on `n` spins from edge arrays `i`, `j`, `w` (repeated edges are summed).
    #[staticmethod]
    #[pyo3(signature = (n, i, j, w, h=None))]
    fn from_edges(
        py: Python<'_>,
        n: usize,
        i: PyReadonlyArray1<'_, i64>,
        j: PyReadonlyArray1<'_, i64>,
        w: PyReadonlyArray1<'_, f64>,
        h: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let edges = triples(&i, &j, &w)?;
        let fields = fields_vec(h);
        let model = detached(py, || glassbox::model::Ising::from_edges(n, &edges, fields)).py()?;
        Ok(Self::wrap(model, format!("sparse couplings N={n}")))
    }

    /// Model from QUBO terms `Q[i, j]` (i ≤ j; i = j linear) on `n` binary variables with
    /// x = (s + 1)/2. Returns `(model, offset)` with `E_qubo(x) = H(s) + offset`.
    #[staticmethod]
    #[pyo3(signature = (n, i, j, q, offset=0.0))]
    fn from_qubo(
        n: usize,
        i: PyReadonlyArray1<'_, i64>,
        j: PyReadonlyArray1<'_, i64>,
        q: PyReadonlyArray1<'_, f64>,
        offset: f64,
    ) -> PyResult<(Self, f64)> {
        let qubo = QuboForm {
            n,
            terms: triples(&i, &j, &q)?,
            offset,
        };
        let spins = qubo.to_spins().py()?;
        let model = spins.to_model().py()?;
        Ok((Self::wrap(model, format!("QUBO N={n}")), spins.offset))
    }

    /// QUBO form `((i, j, q), offset)` with i ≤ j, so that `E_qubo(x) = H(s)` for x = (s + 1)/2.
    fn to_qubo(&self, py: Python<'_>) -> (EdgeArrays, f64) {
        let q = QuboForm::from_spins(&SpinForm::of(&self.model));
        (Self::edge_arrays(py, q.terms), q.offset)
    }

    /// Number of spins N.
    #[getter]
    fn n(&self) -> usize {
        self.model.n()
    }

    /// External fields h_i (float64 array).
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.model.fields())
    }

    /// Short description of the model.
    #[getter]
    fn description(&self) -> &str {
        &self.description
    }

    /// Energy H(s) of one int8 configuration of ±1.
    fn energy(&self, py: Python<'_>, spins: PyReadonlyArray1<'_, i8>) -> PyResult<f64> {
        let s = spins.as_array().to_vec();
        detached(py, || Replica::new(&self.model, s).map(|r| r.energy())).py()
    }

    /// Energies of the rows of a 2-D int8 array of ±1 configurations.
    fn energies<'py>(
        &self,
        py: Python<'py>,
        spins: PyReadonlyArray2<'py, i8>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let rows: Vec<Vec<i8>> = spins
            .as_array()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        let out = detached(py, || {
            rows.into_iter()
                .map(|s| Replica::new(&self.model, s).map(|r| r.energy()))
                .collect::<glassbox::Result<Vec<f64>>>()
        })
        .py()?;
        Ok(out.into_pyarray(py))
    }

    /// Undirected couplings `(i, j, w)` with i < j and w ≠ 0, as three arrays.
    fn edges(&self, py: Python<'_>) -> EdgeArrays {
        Self::edge_arrays(py, self.model.edges())
    }

    /// `(smallest nonzero |ΔE|, largest |ΔE|)` of a single flip, bounded from the couplings.
    fn energy_scale(&self) -> (f64, f64) {
        self.model.energy_scale()
    }

    /// JSON serialization of the model (used for pickling).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&(&self.model, &self.description))
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The model from `to_json()` output.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let (model, description): (glassbox::model::Ising, String) = serde_json::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("not a serialized model: {e}")))?;
        Ok(Self::wrap(model, description))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let cls: Bound<'py, PyType> = slf.get_type();
        Ok((cls.getattr("from_json")?, (slf.get().to_json()?,)))
    }

    fn __repr__(&self) -> String {
        format!("Ising(N={}, {})", self.model.n(), self.description)
    }
}
