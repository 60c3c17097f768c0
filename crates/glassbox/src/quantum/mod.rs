//! Transverse-field Ising models: exact diagonalization, path-integral Monte Carlo and
//! simulated quantum annealing.
//!
//! Every classical [`Ising`](crate::model::Ising) model (couplings `J_ij` and fields `h_i` on
//! any graph) becomes a quantum one by adding a uniform transverse field Γ:
//!
//! ```text
//! H = −Σ_{i<j} J_ij σᶻ_i σᶻ_j − Σ_i h_i σᶻ_i − Γ Σ_i σˣ_i  =  H_cl(σᶻ) − Γ X,   X = Σ_i σˣ_i.
//! ```
//!
//! Conventions: σ are Pauli matrices (eigenvalues ±1, no factor 1/2); the σᶻ basis state with
//! index `x` has `s_i = +1` when bit i of `x` is 0 and `s_i = −1` when it is 1; energies are in
//! the units of J; temperatures are `β = 1/T` (k_B = 1).
//!
//! - [`ed`]: exact diagonalization for N ≤ [`ed::MAX_SPINS`] (matrix-free Lanczos, spin-flip
//!   parity sectors, spectra along an annealing path) and full diagonalization for thermal
//!   averages at N ≤ [`ed::MAX_THERMAL_SPINS`].
//! - [`chain`]: the exact free-fermion energies of the periodic transverse-field Ising chain.
//! - [`pimc`]: Suzuki–Trotter path-integral Monte Carlo at temperature T (energy, ⟨σˣ⟩ with
//!   error bars, extrapolation to infinitely many Trotter slices).
//! - [`sqa`]: simulated quantum annealing (Martoňák, Santoro & Tosatti 2002), with the same
//!   per-read output as classical [`anneal`](crate::mc::anneal::anneal).
//! - [`compare`]: SQA against simulated annealing, residual energy against annealing time
//!   over instances and reads.

pub mod chain;
pub mod compare;
pub mod ed;
pub mod pimc;
pub mod sqa;

/// First path element of the quantum Monte Carlo streams (distinct from
/// [`crate::rng::purpose`] and the annealing streams).
pub const QUANTUM_STREAM: u64 = 0x7175_616e;
