//! Disorder ensembles beyond one process.
//!
//! An ensemble command (`temper`, `sample`, `maxsum`) runs `S` independent disorder samples;
//! sample `i` draws its couplings and its Monte Carlo streams from the run seed and `i` alone,
//! so any subset of the samples can run anywhere and the union reproduces the single-process
//! run exactly:
//!
//! - `--shard K/N` runs the contiguous slice `[(K−1)·S/N, K·S/N)` and writes one *part* per
//!   sample (`parts/sample-NNNNNN.json`) and `shard.json` (command, version, spec, slice);
//! - `glassbox merge DIR… -o OUT` checks that the shards belong together (same command,
//!   version and spec; shards 1…N each exactly once) and writes the run folder the unsharded
//!   run writes, from the parts;
//! - with the cargo feature `mpi`, `--mpi` under `mpirun` hands sample indices out to the ranks
//!   one at a time (module `mpi`), each rank writing the parts of the samples it ran
//!   (`temper --mpi --pt-ranks` instead splits each sample's temperatures over the ranks,
//!   module `temper_mpi`).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use glassbox::model::{Ising, ModelSpec};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::runfolder::{Manifest, RunFolder, RunStatus, RunningManifest};

/// Subfolder of a shard (or MPI) run folder with one result file per finished sample.
pub const PARTS_DIR: &str = "parts";
/// The description of a shard folder.
pub const SHARD_FILE: &str = "shard.json";
/// The checkpoint of the samples a process runs together.
pub const CHECKPOINT: &str = "checkpoint.json";

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, 1 ≤ index ≤ count.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("--shard wants K/N with 1 ≤ K ≤ N (e.g. 2/8), got {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The samples of this shard among `samples`: a contiguous slice, every shard non-empty.
    pub fn range(&self, samples: usize) -> Result<Range<usize>> {
        if self.count > samples {
            bail!(
                "--shard {self}: {} shards for {samples} sample(s); use at most {samples} shards",
                self.count
            );
        }
        Ok((self.index - 1) * samples / self.count..self.index * samples / self.count)
    }
}

/// `shard.json`: what a shard folder holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Version of the CLI that wrote it.
    pub version: String,
    /// The command, e.g. `"temper"`.
    pub command: String,
    /// The command's resolved spec (as in `spec.toml`).
    pub spec: serde_json::Value,
    /// Samples of the whole ensemble.
    pub samples: usize,
    /// Which shard.
    pub shard: Shard,
    /// First sample of the shard.
    pub first: usize,
    /// One past the last sample.
    pub end: usize,
}

/// The resolved spec of an ensemble command, as written to `spec.toml`, `manifest.json` and
/// `shard.json`.
pub trait EnsembleSpec: Serialize + DeserializeOwned {
    /// The run seed.
    fn seed(&self) -> u64;
    /// Samples of the ensemble.
    fn samples(&self) -> usize;
    /// The model, of which sample i is `model().sample(i, samples())`.
    fn model(&self) -> &ModelSpec;
}

/// An ensemble command: how to build, run and summarize its samples.
pub trait Ensemble: Sync + Sized {
    /// The resolved spec.
    type Spec: EnsembleSpec;
    /// A sample's run in progress (checkpointed as JSON).
    type State: Serialize + DeserializeOwned + Send;
    /// A finished sample's results (a part file).
    type Part: Serialize + DeserializeOwned;
    /// The ensemble of a resolved spec (checked).
    fn new(spec: Self::Spec) -> Result<Self>;
    /// The command name (`manifest.json`, `shard.json`).
    fn command(&self) -> &'static str;
    /// The resolved spec.
    fn spec(&self) -> &Self::Spec;
    /// The model of sample 0, built once by [`Ensemble::new`].
    fn model0(&self) -> &Ising;
    /// The ensemble of a spec read back from `shard.json`.
    fn from_spec_json(v: serde_json::Value) -> Result<Self> {
        Self::new(serde_json::from_value(v).context("the shards' spec does not fit their command")?)
    }
    /// The resolved spec, as in `manifest.json`.
    fn spec_json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::to_value(self.spec())?)
    }
    /// The resolved spec as written to `spec.toml`.
    fn spec_toml(&self) -> Result<String> {
        Ok(toml::to_string_pretty(self.spec())?)
    }
    /// The run seed.
    fn seed(&self) -> u64 {
        self.spec().seed()
    }
    /// Samples of the ensemble.
    fn samples(&self) -> usize {
        self.spec().samples()
    }
    /// The model of sample `i`.
    fn model(&self, i: usize) -> Result<Ising> {
        if i == 0 {
            return Ok(self.model0().clone());
        }
        Ok(self.spec().model().sample(i, self.samples()).build()?)
    }
    /// A fresh run of sample `i`.
    fn start(&self, i: usize, model: &Ising) -> Result<Self::State>;
    /// Whether a checkpointed state is a run of sample `i` of this ensemble.
    fn matches(&self, i: usize, state: &Self::State) -> bool;
    /// Advances a run by one block of sweeps.
    fn advance(&self, state: &mut Self::State, model: &Ising);
    /// (finished, sweeps done) of a run.
    fn progress(&self, state: &Self::State) -> (bool, u64);
    /// Total sweeps of a run.
    fn total(&self, state: &Self::State) -> u64;
    /// The implementation that runs the sweeps, recorded in `manifest.json` (`None`: the
    /// command has only one).
    fn kernel(&self) -> Option<&'static str> {
        None
    }
    /// The results of a finished run.
    fn part(&self, state: &Self::State, model: &Ising) -> Self::Part;
    /// Writes the results of the whole ensemble (parts of samples 0, 1, …) into `folder` and
    /// prints the summary.
    fn finish(&self, folder: &RunFolder, out: &Path, parts: Vec<Self::Part>) -> Result<()>;
}

/// Sweeps per block of a sample's run of `total` sweeps: progress and checkpoints come
/// between blocks, and so do the resyncs of cached energies, so every way of running a sample
/// (one process, shards, MPI) uses the same blocks.
pub fn block(total: u64) -> u64 {
    total.div_ceil(200).max(1)
}

/// The manifest of a run of `e`.
pub fn manifest<E: Ensemble>(e: &E) -> Result<Manifest> {
    Ok(Manifest {
        kernel: e.kernel().map(String::from),
        ..Manifest::new(
            e.command(),
            e.spec_json()?,
            e.seed(),
            rayon::current_num_threads(),
        )
    })
}

/// Runs samples `range` of `e` in this process and returns their parts.
///
/// At most one sample per worker thread is in progress at a time (each advanced a block per
/// round, in parallel); a finished sample's part is written to `parts/sample-NNNNNN.json` at
/// once and its run dropped, so memory and the checkpoint stay the size of a few runs
/// however many samples there are. The checkpoint (`checkpoint.json`, written atomically
/// every `checkpoint_every` seconds and on Ctrl-C) holds the runs in progress with their
/// sample indices; `resume` keeps the parts written and continues those runs. Samples are
/// independent, so the parts do not depend on which ran together.
pub fn run_range<E: Ensemble>(
    e: &E,
    range: Range<usize>,
    folder: &RunFolder,
    resume: bool,
    checkpoint_every: f64,
    manifest: RunningManifest,
) -> Result<(Vec<E::Part>, RunningManifest)> {
    let finished = |i: usize| resume && folder.path(part_path(i)).exists();
    let mut live: Vec<(usize, Ising, E::State)> = Vec::new();
    if resume {
        let text = std::fs::read_to_string(folder.path(CHECKPOINT))
            .with_context(|| format!("no {CHECKPOINT} in {}", folder.path("").display()))?;
        let saved: Vec<(usize, E::State)> =
            serde_json::from_str(&text).context("checkpoint is corrupt")?;
        if saved
            .iter()
            .any(|(i, s)| !range.contains(i) || !e.matches(*i, s))
        {
            bail!("checkpoint was written for another configuration");
        }
        // A run whose part was written after the checkpoint is done.
        for (i, s) in saved.into_iter().filter(|(i, _)| !finished(*i)) {
            live.push((i, e.model(i)?, s));
        }
    }
    let mut parts: Vec<Option<E::Part>> = range
        .clone()
        .map(|i| {
            finished(i)
                .then(|| read_parts(&folder.path(""), i..i + 1).map(|mut p| p.remove(0)))
                .transpose()
        })
        .collect::<Result<_>>()?;
    let todo: Vec<usize> = range
        .clone()
        .filter(|&i| !finished(i) && live.iter().all(|(j, _, _)| *j != i))
        .collect();
    let mut todo = todo.into_iter();
    let width = rayon::current_num_threads().max(1);
    let ctrl_c = crate::sample::CtrlC::install();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut last_checkpoint = Instant::now();
    let every = Duration::from_secs_f64(checkpoint_every.max(0.0));
    loop {
        while live.len() < width {
            let Some(i) = todo.next() else { break };
            let model = e.model(i)?;
            let state = e.start(i, &model)?;
            live.push((i, model, state));
        }
        let Some((_, _, first)) = live.first() else {
            break;
        };
        let per_sample = e.total(first);
        let bar = bar
            .get_or_insert_with(|| crate::progress::bar(per_sample * range.len() as u64, "sweeps"));
        live.par_iter_mut().for_each(|(_, m, s)| {
            if !e.progress(s).0 {
                e.advance(s, m);
            }
        });
        let mut k = 0;
        while k < live.len() {
            let (i, m, s) = &live[k];
            if e.progress(s).0 {
                let part = e.part(s, m);
                folder.write_json(part_path(*i), &part)?;
                parts[*i - range.start] = Some(part);
                live.swap_remove(k);
            } else {
                k += 1;
            }
        }
        let done = parts.iter().filter(|p| p.is_some()).count() as u64;
        bar.set_position(
            done * per_sample + live.iter().map(|(_, _, s)| e.progress(s).1).sum::<u64>(),
        );
        let stop = ctrl_c.pressed();
        if stop || last_checkpoint.elapsed() >= every {
            let saved: Vec<(usize, &E::State)> = live.iter().map(|(i, _, s)| (*i, s)).collect();
            folder.write_atomic(CHECKPOINT, serde_json::to_string(&saved)?.as_bytes())?;
            last_checkpoint = Instant::now();
        }
        if stop {
            let bar = bar.clone();
            crate::sample::exit_interrupted(bar, manifest, &folder.path(CHECKPOINT));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let parts = parts
        .into_iter()
        .map(|p| p.expect("every sample ran"))
        .collect();
    Ok((parts, manifest))
}

/// Runs the ensemble `e` in this process into `folder`: shard `shard` of it (parts and
/// `shard.json`), or all of it (the results).
pub fn run_main<E: Ensemble>(
    e: &E,
    shard: Option<Shard>,
    folder: &RunFolder,
    out: &Path,
    resume: bool,
    checkpoint_every: f64,
) -> Result<()> {
    if let Some(shard) = shard {
        return run_shard(e, shard, folder, out, resume, checkpoint_every);
    }
    let manifest = folder.begin(manifest(e)?)?;
    let (parts, manifest) = run_range(
        e,
        0..e.samples(),
        folder,
        resume,
        checkpoint_every,
        manifest,
    )?;
    e.finish(folder, out, parts)?;
    let _ = std::fs::remove_file(folder.path(CHECKPOINT));
    let _ = std::fs::remove_dir_all(folder.path(PARTS_DIR));
    manifest.finish(RunStatus::Completed)?;
    Ok(())
}

/// The relative path of the part of sample `i`.
pub fn part_path(i: usize) -> PathBuf {
    Path::new(PARTS_DIR).join(format!("sample-{i:06}.json"))
}

/// Runs shard `shard` of `e` into `folder`: its parts and `shard.json`.
pub fn run_shard<E: Ensemble>(
    e: &E,
    shard: Shard,
    folder: &RunFolder,
    out: &Path,
    resume: bool,
    checkpoint_every: f64,
) -> Result<()> {
    let range = shard.range(e.samples())?;
    let manifest = folder.begin(manifest(e)?)?;
    // The parts are written by `run_range` as the samples finish.
    let (_, manifest) = run_range(e, range.clone(), folder, resume, checkpoint_every, manifest)?;
    folder.write_json(
        SHARD_FILE,
        &ShardInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            command: e.command().to_string(),
            spec: e.spec_json()?,
            samples: e.samples(),
            shard,
            first: range.start,
            end: range.end,
        },
    )?;
    let _ = std::fs::remove_file(folder.path(CHECKPOINT));
    manifest.finish(RunStatus::Completed)?;
    println!(
        "shard {shard}: samples {}..{} of {} written to {}; combine the shards with `glassbox merge`",
        range.start,
        range.end,
        e.samples(),
        out.display()
    );
    Ok(())
}

/// Reads the parts of samples `range` from `dir`.
pub fn read_parts<P: DeserializeOwned>(dir: &Path, range: Range<usize>) -> Result<Vec<P>> {
    range
        .map(|i| {
            let path = dir.join(part_path(i));
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: sample {i} is missing", dir.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is corrupt", path.display()))
        })
        .collect()
}

/// Reads `shard.json` of each folder and checks that they are the shards 1…N of one run:
/// same version, command and spec, each shard exactly once. Returns them ordered by shard.
pub fn check_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardInfo)>> {
    if dirs.is_empty() {
        bail!("give the shard folders to merge");
    }
    let mut shards = Vec::with_capacity(dirs.len());
    for d in dirs {
        let text = std::fs::read_to_string(d.join(SHARD_FILE)).with_context(|| {
            format!(
                "{} is not a finished shard folder (no {SHARD_FILE})",
                d.display()
            )
        })?;
        let info: ShardInfo = serde_json::from_str(&text)
            .with_context(|| format!("{}/{SHARD_FILE} is corrupt", d.display()))?;
        shards.push((d.clone(), info));
    }
    let (first_dir, first) = &shards[0];
    for (d, s) in &shards[1..] {
        let what = if s.version != first.version {
            Some(format!("version {} vs {}", s.version, first.version))
        } else if s.command != first.command {
            Some(format!("command {} vs {}", s.command, first.command))
        } else if s.spec != first.spec {
            Some(format!("spec, {}", spec_difference(&s.spec, &first.spec)))
        } else if s.shard.count != first.shard.count || s.samples != first.samples {
            Some(format!(
                "shard count or samples ({} of {} vs {} of {})",
                s.shard, s.samples, first.shard, first.samples
            ))
        } else {
            None
        };
        if let Some(what) = what {
            bail!(
                "cannot merge {} with {}: they differ in {what}",
                d.display(),
                first_dir.display()
            );
        }
    }
    let n = first.shard.count;
    let mut seen = vec![None::<&Path>; n];
    for (d, s) in &shards {
        let expected = s.shard.range(s.samples)?;
        if s.shard.index > n || expected != (s.first..s.end) {
            bail!("{}: {SHARD_FILE} is inconsistent", d.display());
        }
        if let Some(other) = seen[s.shard.index - 1] {
            bail!(
                "shard {} given twice ({} and {})",
                s.shard,
                other.display(),
                d.display()
            );
        }
        seen[s.shard.index - 1] = Some(d);
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| seen[k - 1].is_none())
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard(s) {} missing: all {n} shards are needed",
            missing.join(", ")
        );
    }
    shards.sort_by_key(|(_, s)| s.shard.index);
    Ok(shards)
}

/// The first place where two specs differ, as `path: a vs b` (for the error message).
fn spec_difference(a: &serde_json::Value, b: &serde_json::Value) -> String {
    fn walk(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
        if a == b {
            return None;
        }
        if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
            // The seed first: the most common mismatch.
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort_by_key(|k| (k.as_str() != "seed", k.as_str()));
            keys.dedup();
            for k in keys {
                let null = serde_json::Value::Null;
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if let Some(d) = walk(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), &p) {
                    return Some(d);
                }
            }
        }
        Some(format!("`{path}`: {a} vs {b}"))
    }
    walk(a, b, "").unwrap_or_default()
}

/// Merges checked shards of `e` into `folder`: the run folder of the unsharded run.
pub fn merge_into<E: Ensemble>(
    e: &E,
    shards: &[(PathBuf, ShardInfo)],
    folder: &RunFolder,
    out: &Path,
) -> Result<()> {
    folder.write_atomic("spec.toml", e.spec_toml()?.as_bytes())?;
    let manifest = folder.begin(manifest(e)?)?;
    let mut parts = Vec::with_capacity(e.samples());
    for (d, s) in shards {
        parts.extend(read_parts::<E::Part>(d, s.first..s.end)?);
    }
    e.finish(folder, out, parts)?;
    manifest.finish(RunStatus::Completed)?;
    Ok(())
}

/// Flags of `glassbox merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard folders (written with `--shard K/N`), all N of them, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder: the run folder of the unsharded run.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
}

/// `glassbox merge`.
pub fn run_merge(args: MergeArgs) -> Result<()> {
    let shards = check_shards(&args.shards)?;
    let info = shards[0].1.clone();
    let folder = RunFolder::create(&args.out, args.overwrite)?;
    match info.command.as_str() {
        "temper" => {
            let e = crate::temper_cmd::TemperEnsemble::from_spec_json(info.spec)?;
            merge_into(&e, &shards, &folder, &args.out)
        }
        "sample" => {
            let e = crate::sample::SampleEnsemble::from_spec_json(info.spec)?;
            merge_into(&e, &shards, &folder, &args.out)
        }
        "maxsum" => {
            let e = crate::cavity_cmd::MaxSumEnsemble::from_spec_json(info.spec)?;
            merge_into(&e, &shards, &folder, &args.out)
        }
        other => bail!("cannot merge shards of `{other}`"),
    }
}

/// Disorder ensembles over MPI ranks (cargo feature `mpi`).
///
/// Rank 0 prepares the run folder and hands sample indices out one at a time, on request, so
/// that ranks that finish early get more work; it runs samples itself between answering
/// requests. Every rank runs one sample at a time, checkpoints it to
/// `parts/sample-NNNNNN.state.json` every `--checkpoint-every` seconds and writes its results
/// to `parts/sample-NNNNNN.json` (the folder must be on a file system all ranks share). When
/// all samples are done, rank 0 writes the same run folder a single process writes. With
/// `--resume`, finished samples are kept and interrupted ones continue from their checkpoint.
#[cfg(feature = "mpi")]
pub mod mpi {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use ::mpi::environment::Universe;
    use ::mpi::traits::*;
    use anyhow::{anyhow, Context, Result};

    use super::{manifest, part_path, Ensemble, PARTS_DIR};
    use crate::runfolder::{RunFolder, RunStatus, RunningManifest};

    const REQUEST: i32 = 1;
    const ASSIGN: i32 = 2;
    const STOP: u64 = u64::MAX;

    /// The checkpoint of sample `i` in progress.
    pub fn state_path(i: usize) -> PathBuf {
        Path::new(PARTS_DIR).join(format!("sample-{i:06}.state.json"))
    }

    /// The run of sample `i`: from its checkpoint when there is a valid one, else fresh.
    pub fn resume_or_start<E: Ensemble>(
        e: &E,
        i: usize,
        folder: &RunFolder,
        model: &glassbox::model::Ising,
    ) -> Result<E::State> {
        let saved = std::fs::read_to_string(folder.path(state_path(i)))
            .ok()
            .and_then(|t| serde_json::from_str::<E::State>(&t).ok())
            .filter(|s| e.matches(i, s));
        match saved {
            Some(s) => Ok(s),
            None => e.start(i, model),
        }
    }

    /// A sample being run by this rank.
    struct Job<E: Ensemble> {
        i: usize,
        model: glassbox::model::Ising,
        state: E::State,
        saved: Instant,
    }

    impl<E: Ensemble> Job<E> {
        /// Sample `i`, from its checkpoint when there is a valid one.
        fn open(e: &E, i: usize, folder: &RunFolder) -> Result<Self> {
            let model = e.model(i)?;
            let state = resume_or_start(e, i, folder, &model)?;
            Ok(Job {
                i,
                model,
                state,
                saved: Instant::now(),
            })
        }

        /// One block of sweeps, a checkpoint when due; the part is written when finished
        /// (returns true then).
        fn step(&mut self, e: &E, folder: &RunFolder, every: Duration) -> Result<bool> {
            e.advance(&mut self.state, &self.model);
            if e.progress(&self.state).0 {
                folder.write_json(part_path(self.i), &e.part(&self.state, &self.model))?;
                let _ = std::fs::remove_file(folder.path(state_path(self.i)));
                return Ok(true);
            }
            if self.saved.elapsed() >= every {
                folder.write_atomic(
                    state_path(self.i),
                    serde_json::to_string(&self.state)?.as_bytes(),
                )?;
                self.saved = Instant::now();
            }
            Ok(false)
        }
    }

    /// Initializes MPI; rank 0 prepares the run folder `out` (created, or opened for
    /// `resume` and checked with `check`; `spec.toml` and `parts/` written) and every rank
    /// learns whether that worked.
    pub fn setup<E: Ensemble>(
        e: &E,
        out: &Path,
        overwrite: bool,
        resume: bool,
        check: impl Fn(&RunFolder) -> Result<()>,
    ) -> Result<(Universe, RunFolder)> {
        let universe = ::mpi::initialize().ok_or_else(|| anyhow!("MPI was already initialized"))?;
        let world = universe.world();
        let rank = world.rank();
        let setup = if rank == 0 {
            (|| -> Result<RunFolder> {
                let folder = if resume {
                    RunFolder::open(out)?
                } else {
                    RunFolder::create(out, overwrite)?
                };
                if resume {
                    check(&folder)?;
                }
                folder.write_atomic("spec.toml", e.spec_toml()?.as_bytes())?;
                std::fs::create_dir_all(folder.path(PARTS_DIR))
                    .with_context(|| format!("cannot create {}/{PARTS_DIR}", out.display()))?;
                Ok(folder)
            })()
        } else {
            Ok(RunFolder::open_unchecked(out))
        };
        let mut ok = u8::from(setup.is_ok());
        world.process_at_rank(0).broadcast_into(&mut ok);
        match (setup, ok) {
            (Ok(f), 1) => Ok((universe, f)),
            (Err(err), _) => Err(err),
            _ => Err(anyhow!(
                "rank {rank}: rank 0 could not prepare {}",
                out.display()
            )),
        }
    }

    /// Rank 0's ending: the run folder a single process writes, from the parts of all the
    /// samples.
    pub fn conclude<E: Ensemble>(
        e: &E,
        folder: &RunFolder,
        out: &Path,
        manifest: RunningManifest,
    ) -> Result<()> {
        let parts = super::read_parts::<E::Part>(&folder.path(""), 0..e.samples())?;
        e.finish(folder, out, parts)?;
        let _ = std::fs::remove_dir_all(folder.path(PARTS_DIR));
        manifest.finish(RunStatus::Completed)?;
        Ok(())
    }

    /// Runs the ensemble `e` over the ranks of `MPI_COMM_WORLD` into `out` (see the module
    /// documentation). `check` refuses to resume a folder written for another spec.
    pub fn run<E: Ensemble>(
        e: &E,
        out: &Path,
        overwrite: bool,
        resume: bool,
        checkpoint_every: f64,
        check: impl Fn(&RunFolder) -> Result<()>,
    ) -> Result<()> {
        let (universe, folder) = setup(e, out, overwrite, resume, check)?;
        let world = universe.world();
        let (rank, size) = (world.rank(), world.size());
        let every = Duration::from_secs_f64(checkpoint_every.max(0.0));
        if rank != 0 {
            // Each request carries the number of samples this rank has finished.
            let mut finished = 0u64;
            loop {
                world.process_at_rank(0).send_with_tag(&finished, REQUEST);
                let (i, _) = world.process_at_rank(0).receive_with_tag::<u64>(ASSIGN);
                if i == STOP {
                    return Ok(());
                }
                let mut job = Job::open(e, i as usize, &folder)?;
                while !job.step(e, &folder, every)? {}
                finished += 1;
            }
        }
        let manifest = folder.begin(manifest(e)?)?;
        let todo: Vec<usize> = (0..e.samples())
            .filter(|&i| !folder.path(part_path(i)).exists())
            .collect();
        let mut next = 0;
        let mut stopped = 0;
        let mut job: Option<Job<E>> = None;
        let mut per_rank = vec![0u64; size as usize];
        let answer = |source: i32, next: &mut usize, stopped: &mut i32| {
            let reply = if *next < todo.len() {
                *next += 1;
                todo[*next - 1] as u64
            } else {
                *stopped += 1;
                STOP
            };
            world.process_at_rank(source).send_with_tag(&reply, ASSIGN);
        };
        loop {
            while let Some((msg, _)) = world
                .any_process()
                .immediate_matched_probe_with_tag(REQUEST)
            {
                let (count, status) = msg.matched_receive::<u64>();
                per_rank[status.source_rank() as usize] = count;
                answer(status.source_rank(), &mut next, &mut stopped);
            }
            if job.is_none() && next < todo.len() {
                next += 1;
                job = Some(Job::open(e, todo[next - 1], &folder)?);
            }
            if let Some(j) = job.as_mut() {
                if j.step(e, &folder, every)? {
                    job = None;
                    per_rank[0] += 1;
                }
                continue;
            }
            if stopped == size - 1 {
                break;
            }
            let (count, status) = world.any_process().receive_with_tag::<u64>(REQUEST);
            per_rank[status.source_rank() as usize] = count;
            answer(status.source_rank(), &mut next, &mut stopped);
        }
        conclude(e, &folder, out, manifest)?;
        println!(
            "{} samples over {size} MPI rank(s): {} run now (per rank: {}), {} kept from before",
            e.samples(),
            todo.len(),
            per_rank
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            e.samples() - todo.len()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_samples_once() {
        for samples in 1..20 {
            for count in 1..=samples {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.range(samples).unwrap();
                    assert_eq!(r.start, next);
                    assert!(!r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, samples);
            }
        }
        assert!(Shard { index: 1, count: 3 }.range(2).is_err());
    }

    #[test]
    fn shard_flag_parses() {
        assert_eq!(
            "2/8".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 8 }
        );
        for bad in ["0/2", "3/2", "2", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
