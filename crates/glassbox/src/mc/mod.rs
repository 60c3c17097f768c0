//! Monte Carlo: replicas, single-spin-flip update rules and drivers.
//!
//! A [`Replica`] holds a configuration with its cached local fields and energy; an update rule
//! ([`Sweeper`]) advances it by one sweep (N attempted flips) at inverse temperature β; a
//! driver ([`Scan`]) runs one Markov chain per temperature and feeds the measurements into
//! [`crate::measure::Series`]. Every chain owns its random stream, derived from the run seed
//! and the temperature index, so results do not depend on the number of threads.

pub mod multispin;
mod replica;
mod scan;
mod update;

pub use replica::Replica;
pub use scan::{disorder_averages, scan, Chain, PointResult, Scan, ScanConfig};
pub use update::{quench, Order, Rule, Sweeper};
