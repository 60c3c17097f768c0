//! Exact references: what Monte Carlo must reproduce.
//!
//! - [`enumerate`]: exhaustive enumeration of all 2^N states of any model with N ≤ 30.

pub mod enumerate;
