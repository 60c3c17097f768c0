//! `glassbox temper --mpi --pt-ranks`: the temperatures of each sample split over the MPI
//! ranks (cargo feature `mpi`).
//!
//! Rank g holds the g-th group of consecutive temperatures
//! ([`glassbox::mc::tempering::temperature_groups`]). The groups advance together block by
//! block; at every exchange they all-gather the energies and trade the configurations that
//! cross a group boundary with the neighbouring rank ([`Tempering::advance_group`]), so the
//! run is the single-process run, bit for bit. The samples run one after another: rank 0
//! loads or starts each, sends the other ranks their groups, and collects the groups into the
//! whole state for a checkpoint (`parts/sample-NNNNNN.state.json`, the file the
//! sample-distributing `--mpi` writes too, so a run resumes in either mode, on any number of
//! ranks) and for the results (`parts/sample-NNNNNN.json`). When all are done, rank 0 writes
//! the run folder a single process writes.

use std::path::Path;
use std::time::{Duration, Instant};

use ::mpi::datatype::PartitionMut;
use ::mpi::point_to_point::send_receive_into_with_tags;
use ::mpi::topology::SimpleCommunicator;
use ::mpi::traits::*;
use ::mpi::Count;
use anyhow::{bail, Result};
use glassbox::mc::tempering::{temperature_groups, GroupLink, Tempering};

use crate::ensemble::mpi::{conclude, resume_or_start, setup, state_path};
use crate::ensemble::{block, manifest, part_path, Ensemble};
use crate::runfolder::RunFolder;
use crate::temper_cmd::TemperEnsemble;

/// Tag of a group sent whole (to a rank at the start of a sample, to rank 0 for a checkpoint).
const GROUP: i32 = 3;
/// Tag of configurations traded across a group boundary.
const TRADE: i32 = 4;
/// "No more samples".
const STOP: u64 = u64::MAX;

/// The ranks of `MPI_COMM_WORLD` as the groups of a split run.
struct MpiLink<'a> {
    world: &'a SimpleCommunicator,
    /// Energies per group (its temperatures × the replica sets) and where they start.
    counts: Vec<Count>,
    displs: Vec<Count>,
}

impl GroupLink for MpiLink<'_> {
    fn all_gather(&mut self, local: &[f64]) -> Vec<f64> {
        let total: Count = self.counts.iter().sum();
        let mut all = vec![0.0; total as usize];
        let mut parts = PartitionMut::new(&mut all[..], &self.counts[..], &self.displs[..]);
        self.world.all_gather_varcount_into(local, &mut parts);
        all
    }

    fn trade(&mut self, lower: bool, data: &[u8]) -> Vec<u8> {
        let rank = self.world.rank();
        let other = self
            .world
            .process_at_rank(if lower { rank - 1 } else { rank + 1 });
        let mut back = vec![0u8; data.len()];
        send_receive_into_with_tags(data, &other, TRADE, &mut back[..], &other, TRADE);
        back
    }
}

/// Runs `e` with the temperatures of each sample split over the ranks into `out` (see the
/// module documentation). `check` refuses to resume a folder written for another spec.
pub fn run(
    e: &TemperEnsemble,
    out: &Path,
    overwrite: bool,
    resume: bool,
    checkpoint_every: f64,
    check: impl Fn(&RunFolder) -> Result<()>,
) -> Result<()> {
    let (universe, folder) = setup(e, out, overwrite, resume, check)?;
    let world = universe.world();
    let size = world.size() as usize;
    let temperatures = e.shape().0;
    if size > temperatures {
        bail!(
            "--pt-ranks: {temperatures} temperatures cannot be split over {size} ranks; use at most {temperatures} ranks"
        );
    }
    // From here on the ranks depend on each other: an error on one ends them all.
    if let Err(err) = run_samples(e, &world, &folder, out, checkpoint_every) {
        eprintln!("error: rank {}: {err:#}", world.rank());
        world.abort(2);
    }
    Ok(())
}

/// The samples one after another, every rank advancing its group of temperatures.
fn run_samples(
    e: &TemperEnsemble,
    world: &SimpleCommunicator,
    folder: &RunFolder,
    out: &Path,
    checkpoint_every: f64,
) -> Result<()> {
    let (rank, size) = (world.rank(), world.size() as usize);
    let root = world.process_at_rank(0);
    let (temperatures, replicas) = e.shape();
    let groups = temperature_groups(temperatures, size);
    let counts: Vec<Count> = groups
        .iter()
        .map(|g| (g.len() * replicas) as Count)
        .collect();
    let displs = counts
        .iter()
        .scan(0, |start, &c| {
            *start += c;
            Some(*start - c)
        })
        .collect();
    let mut link = MpiLink {
        world,
        counts,
        displs,
    };
    let every = Duration::from_secs_f64(checkpoint_every.max(0.0));
    let (running, todo) = if rank == 0 {
        let todo: Vec<usize> = (0..e.samples())
            .filter(|&i| !folder.path(part_path(i)).exists())
            .collect();
        (Some(folder.begin(manifest(e)?)?), todo)
    } else {
        (None, Vec::new())
    };
    let run_now = todo.len();
    let mut todo = todo.iter();
    loop {
        let mut next = todo.next().map_or(STOP, |&i| i as u64);
        root.broadcast_into(&mut next);
        if next == STOP {
            break;
        }
        let i = next as usize;
        let model = e.model(i)?;
        let mut group: Tempering = if rank == 0 {
            let groups = resume_or_start(e, i, folder, &model)?.split(size)?;
            let mut groups = groups.into_iter();
            let own = groups.next().expect("at least one group");
            for (g, t) in groups.enumerate() {
                let bytes = serde_json::to_vec(&t)?;
                world
                    .process_at_rank(g as i32 + 1)
                    .send_with_tag(&bytes[..], GROUP);
            }
            own
        } else {
            serde_json::from_slice(&root.receive_vec_with_tag::<u8>(GROUP).0)?
        };
        let sweeps = block(group.total_sweeps());
        let mut saved = Instant::now();
        loop {
            group.advance_group(&model, sweeps, &mut link)?;
            let finished = group.finished();
            let mut due = u8::from(rank == 0 && (finished || saved.elapsed() >= every));
            root.broadcast_into(&mut due);
            if due == 1 {
                if rank != 0 {
                    root.send_with_tag(&serde_json::to_vec(&group)?[..], GROUP);
                } else {
                    let mut groups = vec![group.clone()];
                    for g in 1..size {
                        let (bytes, _) = world
                            .process_at_rank(g as i32)
                            .receive_vec_with_tag::<u8>(GROUP);
                        groups.push(serde_json::from_slice(&bytes)?);
                    }
                    let whole = Tempering::join(groups)?;
                    if finished {
                        folder.write_json(part_path(i), &e.part(&whole, &model))?;
                        let _ = std::fs::remove_file(folder.path(state_path(i)));
                    } else {
                        folder.write_atomic(state_path(i), &serde_json::to_vec(&whole)?)?;
                        saved = Instant::now();
                    }
                }
            }
            if finished {
                break;
            }
        }
    }
    if let Some(running) = running {
        conclude(e, folder, out, running)?;
        println!(
            "{} sample(s), the temperatures of each split over {size} MPI rank(s) (groups of {}): {run_now} run now, {} kept from before",
            e.samples(),
            groups
                .iter()
                .map(|g| g.len().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            e.samples() - run_now
        );
    }
    Ok(())
}
