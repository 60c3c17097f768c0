//! Mean-field theory: the predictions Monte Carlo is set against.
//!
//! Replica and cavity results for the models of the paper, computed from their saddle-point
//! equations (no simulation, no randomness):
//!
//! - [`sk`]: Sherrington–Kirkpatrick replica-symmetric solution and the de Almeida–Thouless line;
//! - [`rsb`]: one-step, k-step and (as many-step) full Parisi replica-symmetry breaking, at finite
//!   T and T = 0;
//! - [`hopfield`]: the Amit–Gutfreund–Sompolinsky theory of the Hopfield network;
//! - [`pspin`]: the spherical p-spin glass (T_d, T_s, threshold and ground-state energies);
//! - [`bethe`]: ferromagnetic and spin-glass critical temperatures on sparse random graphs;
//! - [`double_descent`]: analytic test risk of min-norm, ridge and random-features regression;
//! - [`gardner`]: perceptron capacity (Gardner volume) and teacher–student learning curves;
//! - [`replica_trick`]: ⟨Z^n⟩ by exact enumeration of small SK samples, continued to n → 0;
//! - [`numerics`]: the quadrature, root finding and fixed-point machinery they share.
//!
//! Conventions: k_B = 1, `beta` = 1/T, energies and free energies per spin. The SK model is
//! H = −Σ_{i<j} J_ij s_i s_j − h Σ_i s_i with J_ij ~ N(0, 1/N), so T_c = 1. Every solver either
//! returns a converged result or an [`Error::NotConverged`](crate::error::Error::NotConverged)
//! naming the equations, the iterations and the residual. Results are plain serializable structs.

pub mod bethe;
pub mod double_descent;
pub mod gardner;
pub mod hopfield;
pub mod numerics;
pub mod pspin;
pub mod replica_trick;
pub mod rsb;
pub mod sk;
