//! The two pieces of glue every binding goes through: releasing the GIL and mapping errors.

use pyo3::exceptions::{PyMemoryError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    glassbox,
    ConvergenceError,
    PyRuntimeError,
    "An iterative solver stopped without meeting its tolerance."
);

/// Runs `f` with the GIL released, so other Python threads keep running meanwhile. Every
/// long computation of the bindings goes through here.
pub fn detached<T, F>(py: Python<'_>, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    py.detach(f)
}

/// Maps a library error to the Python exception that fits it; the message is the library's
/// (a parse error keeps its `path:line:` prefix).
pub fn to_py_err(e: glassbox::Error) -> PyErr {
    use glassbox::Error as E;
    let msg = e.to_string();
    match e {
        E::InvalidParameter(_) | E::Parse { .. } | E::Checkpoint(_) => PyValueError::new_err(msg),
        E::TooLarge { .. } => PyMemoryError::new_err(msg),
        // With an errno Python picks the subclass (FileNotFoundError, PermissionError, …).
        E::Io { source, .. } => match source.raw_os_error() {
            Some(code) => PyOSError::new_err((code, msg)),
            None => PyOSError::new_err(msg),
        },
        E::NotConverged { .. } => ConvergenceError::new_err(msg),
    }
}

/// `.py()` on library results: `result.py()?` converts the error with [`to_py_err`].
pub trait PyResultExt<T> {
    /// The result with its error mapped to a Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> PyResultExt<T> for glassbox::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// Parses a kebab-case library enum (`Rule`, `Order`, `FileFormat`, …) from a user string,
/// accepting `_` for `-` and any case; the error lists the accepted names.
pub fn parse_name<T: serde::de::DeserializeOwned>(what: &str, name: &str) -> PyResult<T> {
    let norm = name.trim().to_lowercase().replace(['_', ' '], "-");
    serde_json::from_value(serde_json::Value::String(norm))
        .map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// Serializes a library result to the JSON string the Python layer unpacks.
pub fn json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}
