//! `glassbox`: simulate, solve and check the statistical physics of neural networks from the
//! shell. Every command writes a run folder (results, arrays, plots, manifest); bad input gets
//! one `error: …` line and exit status 2.

mod anneal_cmd;
mod bench;
mod bm_cmd;
mod cavity_cmd;
mod ensemble;
mod exact_cmd;
mod graph_cmd;
mod ground_cmd;
mod hopfield_cmd;
mod hopfield_hybrid;
mod hopfield_scaling;
mod hopfield_stability;
mod hopfield_store;
mod image;
mod learn_cmd;
mod npy;
mod plot;
mod population_cmd;
mod progress;
mod quantum_cmd;
mod rbm_cmd;
mod report;
mod rg_cmd;
mod runfolder;
mod sample;
mod spec;
mod table;
mod temper_cmd;
#[cfg(feature = "mpi")]
mod temper_mpi;
mod theory_cmd;
mod tour;
mod tour_cavity;
mod tour_kernels;
mod tour_learning;
mod tour_quantum;
mod tour_rbm;
mod tour_rg;
mod tour_spinglass;

use clap::{Parser, Subcommand};

/// Statistical physics of neural networks: spin glasses, Hopfield networks, Boltzmann
/// machines — simulated, solved exactly, and checked against each other.
#[derive(Parser, Debug)]
#[command(name = "glassbox", version, about, long_about = None)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Monte Carlo temperature scan of any model: energy, specific heat, magnetization,
    /// susceptibility, Binder cumulant with error bars and τ_int.
    Sample(sample::Args),
    /// Simulated annealing: many restarts, best energy and configuration, energy traces; the
    /// cut value of a G-set Max-Cut instance.
    Anneal(anneal_cmd::Args),
    /// Parallel tempering: energy, magnetization and spin-glass overlaps (q², Binder ratio,
    /// P(q), link overlap) per temperature, exchange rates and round trips; optional Houdayer
    /// cluster moves.
    Temper(temper_cmd::Args),
    /// Combine the shard folders of an ensemble run (`--shard K/N`) into the run folder of
    /// the unsharded run; refuses shards of different runs, duplicated or missing shards.
    Merge(ensemble::MergeArgs),
    /// Ground-state search: annealing restarts until a time, read or energy/cut target, best
    /// energy and cut, time-to-target statistics over repeated searches.
    Ground(ground_cmd::Args),
    /// Population annealing: free energy, energy, family entropy, next to exact values.
    Population(population_cmd::Args),
    /// Exact references: enumeration of all 2^N states (N ≤ 30) or Kaufman's exact 2D Ising.
    Exact(exact_cmd::Args),
    /// Write a model's instance (couplings) as a G-set / rudy file or an edge list.
    Graph(graph_cmd::Args),
    /// Mean-field theory: SK replica solutions, the AT line, Hopfield (AGS), Gardner capacity
    /// and learning curves.
    Theory(theory_cmd::Args),
    /// Learning as statistical physics: double descent and the replica overlap of trained
    /// models, perceptrons, the p-spin landscape, wide networks (NNGP), power-law fits.
    Learn(learn_cmd::Args),
    /// Associative memory: Hopfield capacity curve and α_c(N), basins of attraction, recall
    /// with Hebb, pseudo-inverse, Storkey or minover couplings.
    Hopfield(hopfield_cmd::Args),
    /// Transverse-field Ising models: exact diagonalization, path-integral Monte Carlo,
    /// simulated quantum annealing
    Quantum(quantum_cmd::Args),
    /// Restricted Boltzmann machines: train (CD-k, PCD), sample, log Z (exact, AIS), evaluate.
    Rbm(rbm_cmd::Args),
    /// Boltzmann machines on ±1 units, fully visible or with hidden units: exact or Monte
    /// Carlo Boltzmann learning.
    Bm(bm_cmd::Args),
    /// Belief propagation on a random regular graph: Bethe energy, free energy and entropy vs T
    /// and the paramagnetic instability (linearized message map) against the Bethe formula.
    Bp(cavity_cmd::BpArgs),
    /// Zero-temperature cavity: max-sum with decimation for ground states of random regular
    /// graphs, next to simulated annealing.
    Maxsum(cavity_cmd::MaxSumArgs),
    /// TAP equations on an SK instance with random fields: overlap and TAP free energy vs T,
    /// next to the AMP state evolution.
    Tap(cavity_cmd::MeanFieldArgs),
    /// Approximate message passing (Bolthausen) on an SK instance with random fields (or a
    /// file, or `--model hopfield`): overlap vs T against its state evolution.
    Amp(cavity_cmd::MeanFieldArgs),
    /// The cavity field acting on a spin removed from SK, measured by Monte Carlo, against the
    /// replica-symmetric Gaussian of variance q.
    CavityField(cavity_cmd::CavityFieldArgs),
    /// The renormalization group on Ising configurations (block spins, Monte Carlo RG, flow)
    /// and learned order parameters (PCA, variational autoencoder).
    Rg(rg_cmd::Args),
    /// The report that reproduces the field's key results (writes tour/index.html).
    Tour(tour::Args),
    /// Single-spin-flip throughput (spin-flip attempts per ns).
    Bench(bench::Args),
}

fn main() {
    // Die quietly on a closed pipe (`glassbox … | head`), like other Unix tools, instead of
    // panicking when printing fails.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || matches!(
                    e.kind(),
                    ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                )
            {
                let _ = e.print();
                std::process::exit(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            // One line: clap's first line, without the usage block.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("error: invalid arguments");
            eprintln!("{first}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(cli) {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(2);
    }
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(t) = cli.threads {
        anyhow::ensure!(t >= 1, "--threads must be at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {t} threads: {e}"))?;
    }
    match cli.command {
        Command::Sample(a) => sample::run(a),
        Command::Anneal(a) => anneal_cmd::run(a),
        Command::Temper(a) => temper_cmd::run(a),
        Command::Merge(a) => ensemble::run_merge(a),
        Command::Ground(a) => ground_cmd::run(a),
        Command::Population(a) => population_cmd::run(a),
        Command::Exact(a) => exact_cmd::run(a),
        Command::Graph(a) => graph_cmd::run(a),
        Command::Theory(a) => theory_cmd::run(a),
        Command::Learn(a) => learn_cmd::run(a),
        Command::Hopfield(a) => hopfield_cmd::run(a),
        Command::Quantum(a) => quantum_cmd::run(a),
        Command::Rbm(a) => rbm_cmd::run(a),
        Command::Bm(a) => bm_cmd::run(a),
        Command::Bp(a) => cavity_cmd::run_bp(a),
        Command::Maxsum(a) => cavity_cmd::run_maxsum(a),
        Command::Tap(a) => cavity_cmd::run_mean_field(a, false),
        Command::Amp(a) => cavity_cmd::run_mean_field(a, true),
        Command::CavityField(a) => cavity_cmd::run_cavity_field(a),
        Command::Rg(a) => rg_cmd::run(a),
        Command::Tour(a) => tour::run(a),
        Command::Bench(a) => bench::run(a),
    }
}
