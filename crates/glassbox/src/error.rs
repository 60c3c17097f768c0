//! The one error type of the library.
//!
//! Constructors validate their input and return these errors; hot loops never fail.

use std::path::PathBuf;

/// Everything that can go wrong in glassbox, each variant naming what the user should fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of its domain (size 0, T ≤ 0, degree ≥ N, …).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// A file or string could not be parsed; `line` is 1-based.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file being read (or `<input>` for in-memory text).
        path: PathBuf,
        /// 1-based line number of the offending line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The requested object would need more memory than the machine can give.
    #[error("{what} needs about {needed} bytes ({:.1} GiB) but only {available} bytes ({:.1} GiB) are available", *needed as f64 / GIB, *available as f64 / GIB)]
    TooLarge {
        /// What was being built.
        what: String,
        /// Estimated bytes.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// An iterative solver stopped without meeting its tolerance.
    #[error("{what} did not converge after {iterations} iterations (residual {residual:.3e})")]
    NotConverged {
        /// The solver or equation.
        what: String,
        /// Iterations performed.
        iterations: usize,
        /// Last residual.
        residual: f64,
    },
    /// A checkpoint could not be used (format, spec mismatch, corrupt data).
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// An I/O error with the path it concerns.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for [`Error::InvalidParameter`].
pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidParameter(msg.into())
}

/// Deserializes TOML text; a syntax error or unknown key becomes [`Error::Parse`] with the
/// 1-based line of the offending spot in `path`.
pub fn from_toml<T: serde::de::DeserializeOwned>(text: &str, path: &std::path::Path) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        line: e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1),
        message: e.message().trim().to_string(),
    })
}

/// Bytes of memory this process may still allocate: `MemAvailable` from `/proc/meminfo` where
/// the system has it, else 16 GiB.
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(16 << 30)
}

/// Refuses to build `what` when its estimated size `needed` (bytes) exceeds available memory.
pub fn check_memory(what: &str, needed: u64) -> Result<()> {
    let available = available_memory();
    if needed > available {
        return Err(Error::TooLarge {
            what: what.to_string(),
            needed,
            available,
        });
    }
    Ok(())
}
