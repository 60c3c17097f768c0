//! The run output folder: atomic file writes, JSON/CSV/NPY/SVG helpers and the run manifest.
//!
//! Every file is written through [`write_atomic`]: the bytes go to a temporary file in the
//! same directory, which is fsynced and then renamed over the target, so a reader (or a run
//! killed half-way) never sees a half-written file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::npy::{self, NpyElement};
use crate::plot::{self, Plot};

/// Subfolder of a run folder that holds `.npy` arrays.
pub const ARRAYS_DIR: &str = "arrays";
/// Subfolder of a run folder that holds `.svg` plots.
pub const PLOTS_DIR: &str = "plots";
/// File name of the run manifest inside a run folder.
pub const MANIFEST_FILE: &str = "manifest.json";

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Atomically writes `bytes` to `path` (temp file in the same directory, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Atomically writes a file whose contents are streamed by `fill` into a buffered writer.
///
/// The parent directory must exist. On any error the temporary file is removed and the
/// target is left untouched.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
{
    let file_name = path
        .file_name()
        .with_context(|| format!("cannot write {}: not a file path", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        file_name.to_string_lossy(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> io::Result<()> {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("failed to write {}", path.display()));
    }
    // Make the rename itself durable; best effort (not supported everywhere).
    #[cfg(unix)]
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Quotes one CSV field if it contains a comma, quote, CR or LF (RFC 4180 style).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Renders a header and rows as CSV text (`\n` line endings); every row must match the header width.
pub fn csv_string(header: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let mut out = String::new();
    let join = |fields: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut first = true;
        for f in fields {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&csv_field(f));
        }
        out.push('\n');
    };
    join(&mut header.iter().copied(), &mut out);
    for (i, row) in rows.iter().enumerate() {
        if row.len() != header.len() {
            bail!(
                "CSV row {i} has {} fields but the header has {}",
                row.len(),
                header.len()
            );
        }
        join(&mut row.iter().map(String::as_str), &mut out);
    }
    Ok(out)
}

/// A run output folder (`manifest.json`, CSV/JSON tables, `arrays/*.npy`, `plots/*.svg`).
#[derive(Debug, Clone)]
pub struct RunFolder {
    root: PathBuf,
}

impl RunFolder {
    /// The folder of a run whose spec is `spec_json`: reopened when `resume` (refusing one
    /// written for another spec), else created; `spec.json` is (re)written either way.
    pub fn for_spec(
        out: &Path,
        overwrite: bool,
        resume: bool,
        spec_json: &serde_json::Value,
    ) -> Result<RunFolder> {
        let folder = if resume {
            let folder = RunFolder::open(out)?;
            let previous: serde_json::Value = serde_json::from_str(
                &fs::read_to_string(folder.path("spec.json"))
                    .context("no spec.json in the folder to resume")?,
            )
            .context("spec.json of the folder to resume is malformed")?;
            if &previous != spec_json {
                bail!(
                    "cannot resume {}: its spec differs from the one given now",
                    out.display()
                );
            }
            folder
        } else {
            RunFolder::create(out, overwrite)?
        };
        folder.write_json("spec.json", spec_json)?;
        Ok(folder)
    }

    /// Creates (or, with `overwrite`, reuses) the folder; refuses an existing non-empty one otherwise.
    ///
    /// With `overwrite`, existing files are replaced when written again but nothing is deleted.
    pub fn create(path: impl AsRef<Path>, overwrite: bool) -> Result<Self> {
        let root = path.as_ref().to_path_buf();
        if root.exists() {
            if !root.is_dir() {
                bail!(
                    "output path {} exists and is not a folder; choose another output folder",
                    root.display()
                );
            }
            let non_empty = fs::read_dir(&root)
                .with_context(|| format!("cannot read output folder {}", root.display()))?
                .next()
                .is_some();
            if non_empty && !overwrite {
                bail!(
                    "output folder {} already exists and is not empty; \
                     choose another output folder or pass --overwrite to write into it",
                    root.display()
                );
            }
        }
        fs::create_dir_all(&root)
            .with_context(|| format!("cannot create output folder {}", root.display()))?;
        Ok(Self { root })
    }

    /// An existing run folder (to resume a run in it).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let root = path.as_ref().to_path_buf();
        if !root.is_dir() {
            bail!("cannot resume: {} is not a run folder", root.display());
        }
        Ok(Self { root })
    }

    /// A run folder another process prepares (nothing is checked).
    #[cfg(feature = "mpi")]
    pub fn open_unchecked(path: impl AsRef<Path>) -> Self {
        Self {
            root: path.as_ref().to_path_buf(),
        }
    }

    /// The full path of `rel` inside the folder (nothing is created).
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// Resolves `rel`, rejecting absolute or `..` paths, and creates its parent folders.
    fn prepare(&self, rel: &Path) -> Result<PathBuf> {
        use std::path::Component;
        if rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            bail!(
                "{} must be a relative path inside the run folder",
                rel.display()
            );
        }
        let full = self.root.join(rel);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        Ok(full)
    }

    /// Atomically writes `bytes` to `rel` (parent folders created on demand); returns the full path.
    pub fn write_atomic(&self, rel: impl AsRef<Path>, bytes: &[u8]) -> Result<PathBuf> {
        let full = self.prepare(rel.as_ref())?;
        write_atomic(&full, bytes)?;
        Ok(full)
    }

    /// Atomically writes `value` as pretty-printed JSON (with a trailing newline).
    pub fn write_json<T: Serialize + ?Sized>(
        &self,
        rel: impl AsRef<Path>,
        value: &T,
    ) -> Result<PathBuf> {
        let rel = rel.as_ref();
        let mut bytes = serde_json::to_vec_pretty(value)
            .with_context(|| format!("cannot serialize {} as JSON", rel.display()))?;
        bytes.push(b'\n');
        self.write_atomic(rel, &bytes)
    }

    /// Atomically writes a CSV file; fields with commas/quotes/newlines are quoted.
    pub fn write_csv(
        &self,
        rel: impl AsRef<Path>,
        header: &[&str],
        rows: &[Vec<String>],
    ) -> Result<PathBuf> {
        let rel = rel.as_ref();
        let text =
            csv_string(header, rows).with_context(|| format!("writing {}", rel.display()))?;
        self.write_atomic(rel, text.as_bytes())
    }

    /// Writes `arrays/<name>.npy` with the given shape (C order); returns the full path.
    pub fn write_array<T: NpyElement>(
        &self,
        name: &str,
        shape: &[usize],
        data: &[T],
    ) -> Result<PathBuf> {
        let full = self.prepare(&Path::new(ARRAYS_DIR).join(format!("{name}.npy")))?;
        npy::write_npy(&full, shape, data)?;
        Ok(full)
    }

    /// Writes `plots/<name>.svg` (default 640x420); returns the full path.
    pub fn write_plot(&self, name: &str, plot: &Plot) -> Result<PathBuf> {
        let full = self.prepare(&Path::new(PLOTS_DIR).join(format!("{name}.svg")))?;
        plot::write_svg(&full, plot)?;
        Ok(full)
    }

    /// Writes `manifest.json` with status `running` and returns a guard that finalizes it.
    ///
    /// If the guard is dropped without [`RunningManifest::finish`] (early return through `?`,
    /// panic unwinding), it rewrites the manifest with status `failed` on a best-effort basis.
    pub fn begin(&self, mut manifest: Manifest) -> Result<RunningManifest> {
        manifest.status = RunStatus::Running;
        manifest.finished = None;
        manifest.wall_time_s = None;
        let path = self.write_json(MANIFEST_FILE, &manifest)?;
        Ok(RunningManifest {
            manifest,
            path,
            start: Instant::now(),
            done: false,
        })
    }
}

/// State of a run as recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// The run is in progress (or died without a chance to record anything).
    Running,
    /// The run finished normally.
    Completed,
    /// The run was stopped by the user (e.g. Ctrl-C) and its outputs are partial.
    Interrupted,
    /// The run stopped with an error.
    Failed,
}

/// `manifest.json`: what produced a run folder, with which configuration, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `"glassbox"`.
    pub tool: String,
    /// Version of the CLI that wrote the folder.
    pub version: String,
    /// Subcommand, e.g. `"sample"`.
    pub command: String,
    /// The full resolved configuration.
    pub spec: serde_json::Value,
    /// Master random seed.
    pub seed: u64,
    /// Number of worker threads.
    pub threads: usize,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// End time, RFC 3339 UTC (`None` while running).
    pub finished: Option<String>,
    /// Wall-clock duration in seconds (`None` while running).
    pub wall_time_s: Option<f64>,
    /// How the run ended.
    pub status: RunStatus,
    /// Git commit of the build, from `GLASSBOX_GIT_HASH` at compile time.
    pub git_hash: Option<String>,
    /// The implementation that ran the sweeps, for commands that pick one by themselves
    /// (`sample`: `multispin`, `lanes`, `site-packed`, `scalar` or `cluster`; `anneal`:
    /// `dense`, `multispin`, `lanes` or `scalar`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
}

impl Manifest {
    /// A fresh manifest (status running, started now) for `command` with resolved `spec`.
    pub fn new(command: &str, spec: serde_json::Value, seed: u64, threads: usize) -> Self {
        Self {
            tool: "glassbox".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            spec,
            seed,
            threads,
            started: now_rfc3339(),
            finished: None,
            wall_time_s: None,
            status: RunStatus::Running,
            git_hash: option_env!("GLASSBOX_GIT_HASH")
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string()),
            kernel: None,
        }
    }
}

/// Guard for a manifest written with status `running`; call [`RunningManifest::finish`] at the end.
#[derive(Debug)]
pub struct RunningManifest {
    manifest: Manifest,
    path: PathBuf,
    start: Instant,
    done: bool,
}

impl RunningManifest {
    /// Records the end time, wall time and `status`, rewrites the manifest and returns it.
    pub fn finish(mut self, status: RunStatus) -> Result<Manifest> {
        self.done = true;
        self.finalize(status)?;
        Ok(self.manifest.clone())
    }

    fn finalize(&mut self, status: RunStatus) -> Result<()> {
        self.manifest.status = status;
        self.manifest.finished = Some(now_rfc3339());
        self.manifest.wall_time_s = Some(self.start.elapsed().as_secs_f64());
        let mut bytes = serde_json::to_vec_pretty(&self.manifest)?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes)
    }
}

impl Drop for RunningManifest {
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            let _ = self.finalize(RunStatus::Failed);
        }
    }
}

/// The current time as RFC 3339 UTC, e.g. `2024-05-01T12:34:56Z`.
pub fn now_rfc3339() -> String {
    rfc3339_utc(SystemTime::now())
}

/// Formats a time as RFC 3339 UTC with whole seconds (times before 1970 clamp to the epoch).
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // Eras of 400 years (146097 days) starting on 0000-03-01.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A fresh, unique scratch path under the system temp dir (for tests; not created).
#[cfg(test)]
pub(crate) fn scratch_path(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let p = std::env::temp_dir().join(format!(
        "glassbox-cli-test-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&p);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn scratch(name: &str) -> PathBuf {
        scratch_path(name)
    }

    fn at(secs: u64) -> String {
        rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(now_rfc3339().len(), 20);
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("abc"), "abc");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        let text = csv_string(
            &["T", "note"],
            &[
                vec!["1.5".into(), "ok".into()],
                vec!["2".into(), "x,y".into()],
            ],
        )
        .unwrap();
        assert_eq!(text, "T,note\n1.5,ok\n2,\"x,y\"\n");
        assert!(csv_string(&["a"], &[vec![]]).is_err());
    }

    #[test]
    fn create_refuses_non_empty_folder() {
        let dir = scratch("create");
        let rf = RunFolder::create(&dir, false).unwrap();
        // Empty existing folder is fine.
        RunFolder::create(&dir, false).unwrap();
        rf.write_atomic("a.txt", b"hello").unwrap();
        let err = RunFolder::create(&dir, false).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        assert!(err.contains("--overwrite"), "{err}");
        let rf = RunFolder::create(&dir, true).unwrap();
        rf.write_atomic("a.txt", b"again").unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "again");
        // A file in the way is refused even with overwrite.
        assert!(RunFolder::create(dir.join("a.txt"), true).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_files_and_leaves_no_temporaries() {
        let dir = scratch("write");
        let rf = RunFolder::create(&dir, false).unwrap();
        let p = rf
            .write_json("summary.json", &serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(p, dir.join("summary.json"));
        assert!(fs::read_to_string(&p).unwrap().ends_with("}\n"));
        rf.write_csv("t.csv", &["x"], &[vec!["1".into()]]).unwrap();
        rf.write_array("spins", &[2, 2], &[1i8, -1, -1, 1]).unwrap();
        rf.write_plot("empty", &Plot::default()).unwrap();
        rf.write_atomic("deep/er/file.bin", &[1, 2, 3]).unwrap();
        assert!(dir.join("arrays/spins.npy").is_file());
        assert!(dir.join("plots/empty.svg").is_file());
        assert_eq!(fs::read(dir.join("deep/er/file.bin")).unwrap(), [1, 2, 3]);
        assert!(rf.write_atomic("../escape.txt", b"no").is_err());
        assert!(rf.write_atomic("/abs.txt", b"no").is_err());
        for d in [dir.clone(), dir.join("arrays"), dir.join("plots")] {
            for e in fs::read_dir(d).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                assert!(!name.contains(".tmp-"), "left-over temporary {name}");
            }
        }
        // A failing writer leaves the old contents and no temporary.
        let target = dir.join("keep.txt");
        write_atomic(&target, b"old").unwrap();
        let r = write_atomic_with(&target, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        let msg = format!("{:#}", r.unwrap_err());
        assert!(msg.contains("keep.txt") && msg.contains("boom"), "{msg}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 6);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn manifest_lifecycle() {
        let dir = scratch("manifest");
        let rf = RunFolder::create(&dir, false).unwrap();
        let spec = serde_json::json!({"model": "sk", "n": 64});
        let running = rf
            .begin(Manifest::new("sample", spec.clone(), 7, 2))
            .unwrap();
        let read = |p: &Path| -> Manifest {
            serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap()
        };
        let m = read(&dir.join(MANIFEST_FILE));
        assert_eq!(m.status, RunStatus::Running);
        assert_eq!(m.tool, "glassbox");
        assert_eq!(m.command, "sample");
        assert_eq!(m.spec, spec);
        assert!(m.finished.is_none() && m.wall_time_s.is_none());
        let text = fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
        assert!(text.contains("\"status\": \"running\""), "{text}");
        let done = running.finish(RunStatus::Completed).unwrap();
        let m = read(&dir.join(MANIFEST_FILE));
        assert_eq!(m, done);
        assert_eq!(m.status, RunStatus::Completed);
        assert!(m.finished.is_some() && m.wall_time_s.unwrap() >= 0.0);

        // Dropped without finishing: recorded as failed.
        let running = rf.begin(Manifest::new("sample", spec, 7, 2)).unwrap();
        drop(running);
        assert_eq!(read(&dir.join(MANIFEST_FILE)).status, RunStatus::Failed);
        fs::remove_dir_all(&dir).unwrap();
    }
}
