//! Monte Carlo: replicas, single-spin-flip update rules and drivers.
//!
//! A [`Replica`] holds a configuration with its cached local fields and energy; an update rule
//! ([`Sweeper`]) advances it by one sweep (N attempted flips) at inverse temperature β; a
//! driver ([`Scan`]) runs one Markov chain per temperature and feeds the measurements into
//! [`crate::measure::Series`]. Every chain owns its random stream, derived from the run seed
//! and the temperature index, so results do not depend on the number of threads.
//!
//! Beyond single chains: [`anneal`] (simulated annealing with many restarts), [`ground`]
//! (ground-state search with time-to-target statistics), [`tempering`]
//! (parallel tempering with independent replica sets and spin-glass overlaps),
//! [`population`] (population annealing with free-energy estimates) and [`cluster`] (Wolff
//! and Swendsen–Wang for ferromagnets, also usable in a [`Scan`] via
//! [`ScanConfig::cluster`]) and [`houdayer`] (Houdayer / isoenergetic cluster moves for spin
//! glasses, used inside parallel tempering).
//!
//! [`multispin`] is the fast path for many systems at once: 64 replicas or disorder samples
//! bit-sliced into one `u64` per site. It applies to zero-field models on periodic 2D or 3D
//! lattices whose couplings are all ±J with one magnitude (ferromagnet, ±J spin glass);
//! [`multispin::MultiSpin::check`] says whether a model qualifies and why not. Everything
//! else on a lattice or a sparse graph (fields, Gaussian couplings, open boundaries, other
//! graphs) has [`lanes`]: 32 replicas in single-precision SIMD lanes, in sequential or random
//! order. The scalar [`Sweeper`] stays the reference both are tested against.
//! [`anneal`] (and so [`ground`]) and [`Scan`] pick their kernel by themselves
//! ([`Kernel::Auto`]): qualifying lattices anneal 64 reads at once on [`multispin`], or run
//! 64 replicas per temperature of a scan whose measurements are the replica averages; other
//! sparse models do the same with 32 on [`lanes`]; dense models anneal in lockstep in single
//! precision; [`Kernel::Scalar`] forces the reference.
//!
//! [`sitepacked`] is the fast path for ONE large ferromagnet (periodic 2D/3D lattice, first
//! side a multiple of 128): 64 sites of the system per word, with multispin's exact
//! bit-sliced acceptance ([`sitepacked::SitePacked::check`] says whether a model qualifies);
//! scans run it with [`Kernel::SitePacked`].

pub mod anneal;
pub mod cluster;
mod dense;
pub mod ground;
pub mod houdayer;
pub mod lanes;
pub mod multispin;
pub mod population;
mod replica;
mod scan;
pub mod sitepacked;
pub mod tempering;
mod update;

pub use replica::Replica;
pub use scan::{disorder_averages, scan, Chain, PointResult, Scan, ScanConfig};
pub use update::{quench, Kernel, Order, Rule, Sweeper};
