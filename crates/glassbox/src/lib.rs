//! # glassbox
//!
//! The statistical physics of neural networks: Ising-type models (lattices, Sherrington–
//! Kirkpatrick, sparse random graphs, Mattis and Hopfield couplings), single-spin-flip Monte
//! Carlo with honest error bars, and exact references to check it against.
//!
//! Data flows one way: a [`model::Ising`] (couplings and fields) is sampled by update rules
//! acting on a [`mc::Replica`] (spins, cached local fields, energy); drivers such as
//! [`mc::scan`] feed observables into [`measure::Series`], which yield [`measure::Estimate`]s
//! (mean, error, τ_int). The [`exact`] module gives the numbers those estimates must agree with.
//!
//! Conventions: spins are `i8` ±1; energies are `H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i`;
//! the library works with `beta` = 1/T (k_B = 1); every random draw comes from a stream derived
//! from one seed by [`rng::Streams`].

#![warn(missing_docs)]

pub mod boltzmann;
pub mod cavity;
pub mod data;
pub mod error;
pub mod exact;
pub mod graph;
pub mod learning;
pub mod linalg;
pub mod mc;
pub mod measure;
pub mod memory;
pub mod model;
pub mod quantum;
pub mod rg;
pub mod rng;
pub mod theory;

pub use error::{Error, Result};
