//! The cavity method and message passing.
//!
//! Remove one spin, compute how the rest of the system responds, and close the equations
//! self-consistently: on sparse, locally tree-like graphs this is belief propagation, on the
//! fully connected Sherrington–Kirkpatrick model it becomes the TAP equations and approximate
//! message passing.
//!
//! * [`bp`]: sum-product belief propagation for pairwise Ising models with fields, in
//!   cavity-field form, with the Bethe free energy, energy and entropy.
//! * [`stability`]: the linearized message map around a BP fixed point (by default the
//!   paramagnet), whose spectral radius crossing one locates the ferromagnetic and spin-glass
//!   transitions on random regular graphs.
//! * [`maxsum`]: the zero-temperature limit (min-sum messages) with decimation, for ground
//!   states on sparse graphs.
//! * [`population`]: replica-symmetric population dynamics for the Bethe lattice (the
//!   N → ∞ limit that BP on single large random regular graphs approaches).
//! * [`tap`]: the TAP equations and TAP free energy for SK, and Bolthausen's AMP iteration
//!   with its state evolution.
//! * [`sites`]: site-resolved Monte Carlo magnetizations with error bars and the χ²
//!   statistic that checks TAP / AMP / naive mean field against them site by site.
//! * [`field`]: Monte Carlo measurement of the cavity field acting on a removed SK spin,
//!   against the replica-symmetric Gaussian of variance q.
//! * [`hopfield`]: AMP for the Hopfield model (retrieval with one condensed pattern), whose
//!   state evolution has the Amit–Gutfreund–Sompolinsky equations as fixed points.

pub mod bp;
pub mod field;
pub mod hopfield;
pub mod maxsum;
pub mod population;
pub mod sites;
pub mod stability;
pub mod tap;
