//! Learning as statistical physics (paper §2.5, §2.1 eq. 4, §3.3): simulations whose curves
//! the replica theory of [`crate::theory`] predicts.
//!
//! - [`regression`]: double descent of random-features least squares (synthetic teacher or
//!   MNIST), training error, and the replica overlap of independently trained models;
//! - [`perceptron`]: teacher–student generalization (Hebb, perceptron algorithm, Gibbs) and
//!   the storage capacity α_c = 2 against Cover's count;
//! - [`landscape`]: gradient descent and Langevin dynamics on the spherical 3-spin glass —
//!   minima at the threshold energy, aging;
//! - [`nngp`]: wide random networks against their Gaussian-process kernel;
//! - [`scaling`]: power-law fits L(N) = a N^{−α} + c with bootstrap intervals;
//! - [`two_layer`]: a one-hidden-layer network with hand-written backpropagation, trained by
//!   minibatch SGD;
//! - [`sgd`]: ensembles of such networks — the spread of final test losses against width, the
//!   overlap of independently trained hidden representations, SGD noise as a temperature.

pub mod landscape;
pub mod nngp;
pub mod perceptron;
pub mod regression;
pub mod scaling;
pub mod sgd;
pub mod two_layer;
