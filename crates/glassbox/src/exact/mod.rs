//! Exact references: what Monte Carlo must reproduce.
//!
//! * [`enumerate`]: exhaustive enumeration of all 2^N states of any model with N ≤ 30.
//! * [`kaufman`]: the exact finite-size partition function of the periodic 2D Ising
//!   ferromagnet (Kaufman 1949), with energy and specific heat from exact derivatives, stable
//!   for large lattices.
//! * [`onsager`]: closed forms for the infinite square lattice (Onsager, Yang).
//! * [`transfer`]: exact magnetization moments of small `L × L` tori by a row-to-row transfer
//!   matrix that tracks the total magnetization.
//!
//! 2D Ising conventions: `H = -J Σ_<ij> s_i s_j` with `J = 1`, nearest neighbours on a periodic
//! `m × n` torus with `2mn` bonds (for a side of length 2 the bonds are doubled, as in
//! Kaufman's formula), `k_B = 1` and `K = βJ`. Per-spin quantities are divided by `N = m·n`.

pub mod enumerate;
pub mod kaufman;
pub mod onsager;
pub mod transfer;
