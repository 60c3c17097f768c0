//! The renormalization group on Ising configurations, and order parameters learned from them.
//!
//! - [`sample`]: decorrelated configurations of the d-dimensional Ising ferromagnet
//!   `H = −Σ_{⟨ij⟩} s_i s_j` (J = 1) on a periodic lattice, from Wolff cluster updates.
//! - [`block`]: majority-rule block spins (Kadanoff): each `b^d` block of a configuration
//!   becomes one spin, the sign of the block's sum (ties broken at random).
//! - [`mcrg`]: Swendsen's Monte Carlo renormalization group: correlation matrices of block
//!   operators at successive blocking levels, the linearized RG map and its thermal and
//!   magnetic eigenvalues, hence ν and y_h; and the flow of the nearest-neighbour correlation under blocking.
//! - [`pca`]: principal components of configurations across temperatures (the leading one is
//!   the uniform magnetization).
//! - [`autoencoder`]: a small dense (variational) autoencoder whose latent codes give an
//!   order parameter `Z^op` (Manhattan norm of the 2D code) and its temperature derivative.
//! - [`overlap`]: overlap configurations `q_i = s_i^a s_i^b` of two replicas of a spin glass
//!   (parallel tempering), the same pipeline's input for the Edwards–Anderson model.
//! - [`stacked_rbm`]: stacked RBMs trained on configurations (Mehta & Schwab): locality of
//!   their receptive fields, and the flow of reconstructions against the block-spin flow.

pub mod autoencoder;
pub mod block;
pub mod mcrg;
pub mod overlap;
pub mod pca;
pub mod sample;
pub mod stacked_rbm;

/// The critical temperature of the square-lattice Ising ferromagnet with J = 1:
/// `T_c = 2 / ln(1 + √2)` (Onsager).
pub const TC_SQUARE: f64 = 2.269_185_314_213_022;

/// The exact correlation-length exponent of the 2D Ising model, ν = 1.
pub const NU_2D: f64 = 1.0;

/// The exact magnetic RG eigenvalue exponent of the 2D Ising model, `y_h = 15/8`
/// (`= d − β/ν` with β = 1/8, ν = 1).
pub const YH_2D: f64 = 1.875;

/// The (numerical) critical temperature of the simple-cubic Ising ferromagnet with J = 1,
/// `T_c = 4.511 523 6(4)` (Ferrenberg, Xu & Landau 2018).
pub const TC_CUBIC: f64 = 4.511_523_6;

/// The critical temperature of the 3D ±J Edwards–Anderson spin glass (J = 1),
/// `T_c = 1.1019(29)` (Baity-Jesi et al. 2013).
pub const TC_EA_PM: f64 = 1.1019;

/// The critical temperature of the 3D Gaussian Edwards–Anderson spin glass (unit variance),
/// `T_c = 0.951(9)` (Katzgraber, Körner & Young 2006).
pub const TC_EA_GAUSSIAN: f64 = 0.951;
