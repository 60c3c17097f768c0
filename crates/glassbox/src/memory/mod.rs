//! Associative memory: Hopfield networks that store patterns as fixed points of their dynamics.
//!
//! A network of N units s_i = ±1 with couplings J_ij (J_ii = 0) has local fields
//! h_i = Σ_{j≠i} J_ij s_j and, for symmetric J, the energy of the [`model`](crate::model)
//! convention with zero field, E(s) = −Σ_{i<j} J_ij s_i s_j. Patterns ξ^μ ∈ {±1}^N, μ = 1..p,
//! are stored at load α = p/N; how well a state s matches pattern μ is the Mattis overlap
//! m_μ = (1/N) Σ_i ξ_i^μ s_i.
//!
//! - [`patterns`]: random (optionally biased) seeded patterns and overlaps;
//! - [`learning`]: couplings from patterns — Hebb (paper eq. 3), pseudo-inverse, Storkey,
//!   minover (Gardner-optimal perceptron);
//! - [`network`]: field bookkeeping — the low-rank Hebbian path (O(p) per flip through the
//!   overlaps, no N×N matrix) and the dense path (any J);
//! - [`dynamics`]: T = 0 asynchronous and synchronous updates, finite-T Glauber;
//! - [`retrieval`]: recall from corrupted patterns, basins of attraction, 3-mixtures;
//! - [`modern`]: dense associative memory F(x) = xⁿ or eˣ and the continuous modern Hopfield
//!   network whose update is attention;
//! - [`images`]: binarized images (MNIST) as patterns, occlusion, and recall in the
//!   classical and modern networks side by side;
//! - [`hybrid`]: the hybrid Boltzmann machine (binary visible, Gaussian hidden units) whose
//!   visible marginal is the Hopfield Boltzmann distribution (Barra et al. 2012);
//! - [`stability`]: exact fixed points and recall against the load for any rule (the
//!   error-free regime p ≲ N/(4 ln N) of Hebb; the pseudo-inverse rule up to α → 1);
//! - [`scaling`]: the capacity of dense associative memory against N (p_c ∝ N^{n−1}, or
//!   e^{αN} for F(x) = eˣ);
//! - [`capacity`](mod@capacity): the capacity experiment, α_c(N) and its extrapolation to N → ∞, to set
//!   against the AGS theory in [`theory::hopfield`](crate::theory::hopfield).

pub mod capacity;
pub mod dynamics;
pub mod hybrid;
pub mod images;
pub mod learning;
pub mod modern;
pub mod network;
pub mod patterns;
pub mod retrieval;
pub mod scaling;
pub mod stability;

pub use capacity::{capacity, Capacity, CapacitySpec};
pub use dynamics::{run, Dynamics, Outcome};
pub use hybrid::{HiddenDynamics, HybridBoltzmann, HybridSpec};
pub use learning::{hebb, minover, pseudo_inverse, storkey, Minover, Rule, Weights};
pub use network::{Dense, Hebbian, Network};
pub use patterns::Patterns;
pub use retrieval::{basins, mixture3, recall, BasinSpec};

#[cfg(test)]
mod tests;
