//! Exact references for the two-dimensional Ising ferromagnet.
//!
//! Conventions throughout: `H = -J Σ_<ij> s_i s_j` with `J = 1`, spins `±1`, nearest neighbours
//! on a periodic `m × n` torus with `2mn` bonds (for a side of length 2 the bonds are doubled,
//! as in Kaufman's formula), `k_B = 1` and `K = βJ = β`. Every per-spin quantity is divided by
//! `N = m·n`.
//!
//! * [`kaufman`]: the exact finite-size partition function of the torus (Kaufman 1949), with
//!   energy and specific heat from exact derivatives, stable for large lattices.
//! * [`onsager`]: closed forms for the infinite lattice (Onsager, Yang).
//! * [`transfer`]: exact magnetization moments of small `L × L` tori by a row-to-row transfer
//!   matrix that tracks the total magnetization.

pub mod kaufman;
pub mod onsager;
pub mod transfer;
