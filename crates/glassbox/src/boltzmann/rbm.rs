//! The Bernoulli–Bernoulli restricted Boltzmann machine.
//!
//! Visible units v ∈ {0, 1}^{n_v}, hidden units h ∈ {0, 1}^{n_h}, energy
//! `E(v, h) = −a·v − b·h − vᵀ W h`, p(v, h) = e^{−E}/Z. Summing out h gives the free energy
//! `F(v) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij)` with p(v) = e^{−F(v)}/Z, and the
//! conditionals factorize: `P(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij)`,
//! `P(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j)`.
//!
//! ±1 convention: with s = 2v − 1 and σ = 2h − 1 the same distribution reads
//! `E = −sᵀJσ − g·s − c·σ + E₀` with `J = W/4`, `g_i = a_i/2 + Σ_j W_ij/4`,
//! `c_j = b_j/2 + Σ_i W_ij/4` and constant `E₀ = −Σa/2 − Σb/2 − Σ_ij W_ij/4`, so
//! `ln Z_{0/1} = ln Z_{±1} − E₀` ([`Rbm::to_spins`], [`SpinRbm::to_binary`]).
//!
//! Gaussian–Bernoulli form ([`Rbm::gaussian`]): real visible units v ∈ ℝ^{n_v} with fixed
//! standard deviations σ_i and energy
//! `E(v, h) = Σ_i (v_i − a_i)²/(2σ_i²) − b·h − Σ_ij (v_i/σ_i) W_ij h_j`, so that
//! `P(h_j = 1 | v) = σ(b_j + Σ_i (v_i/σ_i) W_ij)`, `v_i | h ~ N(a_i + σ_i Σ_j W_ij h_j, σ_i²)`,
//! `F(v) = Σ_i (v_i − a_i)²/(2σ_i²) − Σ_j softplus(b_j + Σ_i (v_i/σ_i) W_ij)` and p(v) =
//! e^{−F(v)}/Z is a density (Lebesgue measure on ℝ^{n_v}). Summing over v instead,
//! `F(h) = −b·h − Σ_i [a_i u_i/σ_i + u_i²/2 + ln(√(2π) σ_i)]` with `u = W h`: the visible
//! marginal is a mixture of 2^{n_h} Gaussians N(a + σ∘Wh, diag σ²) with weights ∝ e^{−F(h)}.
//!
//! Minibatch products go through faer's GEMM, split by rows (a partition that depends only
//! on the matrix size) and run in parallel with rayon, so results do not depend on the
//! thread count.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::{purpose, sigmoid, softplus};
use crate::error::{check_memory, invalid, Result};
use crate::rng::Streams;

/// An RBM with binary hidden units: weights `W` (n_v × n_h, row-major), visible biases `a`,
/// hidden biases `b`; Bernoulli (0/1) visible units, or Gaussian ones with standard
/// deviations σ (see the module documentation).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rbm {
    n_visible: usize,
    n_hidden: usize,
    w: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    /// σ_i of Gaussian visible units; `None` for Bernoulli units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sigma: Option<Vec<f64>>,
}

/// The same RBM written with ±1 units: `E(s, σ) = −sᵀJσ − g·s − c·σ + offset`.
#[derive(Clone, Debug, PartialEq)]
pub struct SpinRbm {
    /// Couplings J (n_v × n_h, row-major) = W/4.
    pub j: Vec<f64>,
    /// Visible fields g.
    pub g: Vec<f64>,
    /// Hidden fields c.
    pub c: Vec<f64>,
    /// Constant E₀ such that E_{0/1}(v, h) = E_{±1}(2v − 1, 2h − 1).
    pub offset: f64,
}

/// Rows per GEMM task: a function of the row count only (never of the thread count).
fn row_block(m: usize) -> usize {
    m.div_ceil(16).max(8)
}

/// `dst (m × n, row-major) = lhs (m × k) · rhs (k × n)`, parallel over row blocks.
pub(crate) fn gemm(dst: &mut [f64], n: usize, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    let m = lhs.nrows();
    debug_assert_eq!(dst.len(), m * n);
    if m == 0 || n == 0 {
        return;
    }
    let rb = row_block(m);
    dst.par_chunks_mut(rb * n)
        .enumerate()
        .for_each(|(blk, chunk)| {
            let rows = chunk.len() / n;
            let out = MatMut::from_row_major_slice_mut(chunk, rows, n);
            matmul(
                out,
                Accum::Replace,
                lhs.subrows(blk * rb, rows),
                rhs,
                1.0,
                Par::Seq,
            );
        });
}

/// Applies `f(row_index, row)` to each row of a row-major matrix in parallel.
pub(crate) fn for_rows(x: &mut [f64], width: usize, f: impl Fn(usize, &mut [f64]) + Sync) {
    if width == 0 {
        return;
    }
    x.par_chunks_mut(width)
        .enumerate()
        .for_each(|(r, row)| f(r, row));
}

/// Replaces probabilities by Bernoulli draws (1 with probability p), one stream per row:
/// `streams.stream(&[tag, step, row])`.
pub(crate) fn bernoulli(p: &mut [f64], width: usize, streams: &Streams, tag: u64, step: u64) {
    for_rows(p, width, |r, row| {
        let mut rng = streams.stream(&[tag, step, r as u64]);
        for x in row.iter_mut() {
            *x = if rng.random::<f64>() < *x { 1.0 } else { 0.0 };
        }
    });
}

fn check_finite(name: &str, x: &[f64]) -> Result<()> {
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        return Err(invalid(format!("{name}[{k}] is not finite")));
    }
    Ok(())
}

impl Rbm {
    /// Estimated bytes for the parameters of an n_v × n_h machine.
    pub fn memory_estimate(n_visible: usize, n_hidden: usize) -> u64 {
        8 * (n_visible as u64 * n_hidden as u64 + n_visible as u64 + n_hidden as u64)
    }

    /// An RBM from its parameters: `w` (n_v·n_h, row-major), `a` (n_v), `b` (n_h), all finite.
    pub fn new(
        n_visible: usize,
        n_hidden: usize,
        w: Vec<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
    ) -> Result<Self> {
        if n_visible == 0 || n_hidden == 0 {
            return Err(invalid(format!(
                "an RBM needs at least one visible and one hidden unit (got {n_visible} × {n_hidden})"
            )));
        }
        if w.len() != n_visible * n_hidden || a.len() != n_visible || b.len() != n_hidden {
            return Err(invalid(format!(
                "RBM of {n_visible} visible × {n_hidden} hidden units needs W with {} entries, a with {n_visible}, b with {n_hidden} (got {}, {}, {})",
                n_visible * n_hidden,
                w.len(),
                a.len(),
                b.len()
            )));
        }
        check_finite("W", &w)?;
        check_finite("a", &a)?;
        check_finite("b", &b)?;
        Ok(Rbm {
            n_visible,
            n_hidden,
            w,
            a,
            b,
            sigma: None,
        })
    }

    /// A Gaussian–Bernoulli RBM: as [`Rbm::new`] plus the visible standard deviations
    /// `sigma` (n_v entries, finite and > 0).
    pub fn gaussian(
        n_visible: usize,
        n_hidden: usize,
        w: Vec<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
        sigma: Vec<f64>,
    ) -> Result<Self> {
        let mut r = Self::new(n_visible, n_hidden, w, a, b)?;
        r.set_sigma(sigma)?;
        Ok(r)
    }

    /// Makes the visible units Gaussian with standard deviations `sigma` (n_v entries, > 0).
    pub fn set_sigma(&mut self, sigma: Vec<f64>) -> Result<()> {
        if sigma.len() != self.n_visible {
            return Err(invalid(format!(
                "σ needs {} entries (one per visible unit), got {}",
                self.n_visible,
                sigma.len()
            )));
        }
        if let Some(k) = sigma.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(invalid(format!(
                "visible standard deviations must be finite and > 0 (σ[{k}] = {})",
                sigma[k]
            )));
        }
        self.sigma = Some(sigma);
        Ok(())
    }

    /// The visible standard deviations σ of a Gaussian–Bernoulli machine (`None`: Bernoulli).
    pub fn visible_sigma(&self) -> Option<&[f64]> {
        self.sigma.as_deref()
    }

    /// True for Gaussian visible units.
    pub fn is_gaussian(&self) -> bool {
        self.sigma.is_some()
    }

    /// The machine at inverse temperature β, p_β(v, h) ∝ e^{−β E(v, h)}: W, a, b scaled by β
    /// for Bernoulli units; for Gaussian units σ → σ/√β, W → √β W, b → β b, a unchanged
    /// (β > 0 required there, β ≥ 0 otherwise).
    pub fn tempered(&self, beta: f64) -> Result<Rbm> {
        let ok =
            beta.is_finite() && beta <= 1.0 && (beta > 0.0 || (beta == 0.0 && !self.is_gaussian()));
        if !ok {
            return Err(invalid(format!(
                "inverse temperature must lie in (0, 1] (Bernoulli visible units: [0, 1]), got {beta}"
            )));
        }
        let mut r = self.clone();
        match &mut r.sigma {
            None => {
                r.w.iter_mut().chain(&mut r.a).for_each(|x| *x *= beta);
            }
            Some(s) => {
                let rb = beta.sqrt();
                r.w.iter_mut().for_each(|x| *x *= rb);
                s.iter_mut().for_each(|x| *x /= rb);
            }
        }
        r.b.iter_mut().for_each(|x| *x *= beta);
        Ok(r)
    }

    /// An RBM with W_ij ~ N(0, σ²) drawn from `streams` and zero biases.
    pub fn random(
        n_visible: usize,
        n_hidden: usize,
        sigma: f64,
        streams: &Streams,
    ) -> Result<Self> {
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(invalid(format!("weight scale must be ≥ 0, got {sigma}")));
        }
        check_memory("RBM weights", Self::memory_estimate(n_visible, n_hidden))?;
        let mut rng = streams.stream(&[purpose::INIT]);
        let w = (0..n_visible * n_hidden)
            .map(|_| {
                sigma * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng)
            })
            .collect();
        Self::new(
            n_visible,
            n_hidden,
            w,
            vec![0.0; n_visible],
            vec![0.0; n_hidden],
        )
    }

    /// Number of visible units n_v.
    pub fn n_visible(&self) -> usize {
        self.n_visible
    }

    /// Number of hidden units n_h.
    pub fn n_hidden(&self) -> usize {
        self.n_hidden
    }

    /// W, row-major n_v × n_h.
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// Visible biases a.
    pub fn visible_bias(&self) -> &[f64] {
        &self.a
    }

    /// Hidden biases b.
    pub fn hidden_bias(&self) -> &[f64] {
        &self.b
    }

    /// Mutable parameters (W, a, b) for learning rules.
    pub(crate) fn params_mut(&mut self) -> (&mut [f64], &mut [f64], &mut [f64]) {
        (&mut self.w, &mut self.a, &mut self.b)
    }

    /// Mutable visible standard deviations (Gaussian units) for learning rules.
    pub(crate) fn sigma_mut(&mut self) -> Option<&mut [f64]> {
        self.sigma.as_deref_mut()
    }

    /// W as a faer view.
    pub(crate) fn w_mat(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.w, self.n_visible, self.n_hidden)
    }

    /// Energy E(v, h) = −a·v − b·h − vᵀWh of one configuration (Gaussian units:
    /// Σ_i (v_i − a_i)²/(2σ_i²) − b·h − Σ_ij (v_i/σ_i) W_ij h_j).
    pub fn energy(&self, v: &[f64], h: &[f64]) -> f64 {
        let nh = self.n_hidden;
        match &self.sigma {
            None => {
                let vwh: f64 = (0..self.n_visible)
                    .map(|i| v[i] * dot(&self.w[i * nh..(i + 1) * nh], h))
                    .sum();
                -dot(&self.a, v) - dot(&self.b, h) - vwh
            }
            Some(s) => {
                let mut e = -dot(&self.b, h);
                for i in 0..self.n_visible {
                    e += (v[i] - self.a[i]).powi(2) / (2.0 * s[i] * s[i])
                        - v[i] / s[i] * dot(&self.w[i * nh..(i + 1) * nh], h);
                }
                e
            }
        }
    }

    /// The visible part of the free energy: −a·v (Bernoulli) or Σ_i (v_i − a_i)²/(2σ_i²).
    fn visible_term(&self, v: &[f64]) -> f64 {
        match &self.sigma {
            None => -dot(&self.a, v),
            Some(s) => v
                .iter()
                .zip(&self.a)
                .zip(s)
                .map(|((x, a), s)| (x - a).powi(2) / (2.0 * s * s))
                .sum(),
        }
    }

    /// v_i/σ_i for Gaussian units (a copy of v otherwise): the input the hidden units see.
    pub(crate) fn scaled_visible<'a>(&self, v: &'a [f64]) -> std::borrow::Cow<'a, [f64]> {
        match &self.sigma {
            None => std::borrow::Cow::Borrowed(v),
            Some(s) => std::borrow::Cow::Owned(
                v.chunks(self.n_visible)
                    .flat_map(|row| row.iter().zip(s).map(|(x, s)| x / s))
                    .collect(),
            ),
        }
    }

    /// Hidden inputs x_j = b_j + Σ_i v_i W_ij for one visible configuration (v_i/σ_i for
    /// Gaussian units).
    pub fn hidden_input(&self, v: &[f64]) -> Vec<f64> {
        let mut x = self.b.clone();
        for (i, &vi) in self.scaled_visible(v).iter().enumerate() {
            if vi != 0.0 {
                let row = &self.w[i * self.n_hidden..(i + 1) * self.n_hidden];
                for (xj, wij) in x.iter_mut().zip(row) {
                    *xj += vi * wij;
                }
            }
        }
        x
    }

    /// Visible inputs y_i = a_i + Σ_j W_ij h_j for one hidden configuration (Gaussian units:
    /// the conditional mean a_i + σ_i Σ_j W_ij h_j).
    pub fn visible_input(&self, h: &[f64]) -> Vec<f64> {
        (0..self.n_visible)
            .map(|i| {
                let s = self.sigma.as_ref().map_or(1.0, |s| s[i]);
                self.a[i] + s * dot(&self.w[i * self.n_hidden..(i + 1) * self.n_hidden], h)
            })
            .collect()
    }

    /// Free energy F(v) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij), so p(v) = e^{−F(v)}/Z
    /// (Gaussian units: Σ_i (v_i − a_i)²/(2σ_i²) − Σ_j softplus(b_j + Σ_i (v_i/σ_i) W_ij)).
    pub fn free_energy(&self, v: &[f64]) -> f64 {
        self.visible_term(v)
            - self
                .hidden_input(v)
                .iter()
                .map(|&x| softplus(x))
                .sum::<f64>()
    }

    /// Free energy of a hidden configuration, p(h) = e^{−F(h)}/Z:
    /// F(h) = −b·h − Σ_i softplus(a_i + Σ_j W_ij h_j) (Gaussian units:
    /// −b·h − Σ_i [a_i u_i/σ_i + u_i²/2 + ln(√(2π) σ_i)] with u = W h).
    pub fn free_energy_hidden(&self, h: &[f64]) -> f64 {
        if let Some(s) = &self.sigma {
            let nh = self.n_hidden;
            return -dot(&self.b, h)
                - (0..self.n_visible)
                    .map(|i| {
                        let u = dot(&self.w[i * nh..(i + 1) * nh], h);
                        self.a[i] * u / s[i]
                            + 0.5 * u * u
                            + (s[i] * (2.0 * std::f64::consts::PI).sqrt()).ln()
                    })
                    .sum::<f64>();
        }
        -dot(&self.b, h)
            - self
                .visible_input(h)
                .iter()
                .map(|&x| softplus(x))
                .sum::<f64>()
    }

    fn check_rows(&self, v: &[f64], width: usize, what: &str) -> Result<usize> {
        if v.len() % width != 0 {
            return Err(invalid(format!(
                "{what}: {} values are not whole rows of {width}",
                v.len()
            )));
        }
        Ok(v.len() / width)
    }

    /// Free energies of the rows of `v` (row-major, n_v per row), by one GEMM.
    pub fn free_energies(&self, v: &[f64]) -> Result<Vec<f64>> {
        let m = self.check_rows(v, self.n_visible, "free energies")?;
        let x = self.hidden_inputs(v, m);
        Ok((0..m)
            .into_par_iter()
            .map(|r| {
                let vr = &v[r * self.n_visible..(r + 1) * self.n_visible];
                self.visible_term(vr)
                    - x[r * self.n_hidden..(r + 1) * self.n_hidden]
                        .iter()
                        .map(|&t| softplus(t))
                        .sum::<f64>()
            })
            .collect())
    }

    /// Hidden inputs V W + b for m rows (row-major m × n_h; V/σ for Gaussian units).
    pub(crate) fn hidden_inputs(&self, v: &[f64], m: usize) -> Vec<f64> {
        let mut x = vec![0.0; m * self.n_hidden];
        let v = self.scaled_visible(v);
        gemm(
            &mut x,
            self.n_hidden,
            MatRef::from_row_major_slice(&v, m, self.n_visible),
            self.w_mat(),
        );
        for_rows(&mut x, self.n_hidden, |_, row| {
            for (t, bj) in row.iter_mut().zip(&self.b) {
                *t += bj;
            }
        });
        x
    }

    /// Visible inputs H Wᵀ + a for m rows (row-major m × n_v; Gaussian units: the
    /// conditional means a + σ∘(H Wᵀ)).
    pub(crate) fn visible_inputs(&self, h: &[f64], m: usize) -> Vec<f64> {
        let mut y = vec![0.0; m * self.n_visible];
        gemm(
            &mut y,
            self.n_visible,
            MatRef::from_row_major_slice(h, m, self.n_hidden),
            self.w_mat().transpose(),
        );
        match &self.sigma {
            None => for_rows(&mut y, self.n_visible, |_, row| {
                for (t, ai) in row.iter_mut().zip(&self.a) {
                    *t += ai;
                }
            }),
            Some(s) => for_rows(&mut y, self.n_visible, |_, row| {
                for ((t, ai), si) in row.iter_mut().zip(&self.a).zip(s) {
                    *t = ai + si * *t;
                }
            }),
        }
        y
    }

    /// P(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij) for each row of `v` (m × n_h, row-major).
    pub fn hidden_probs(&self, v: &[f64]) -> Result<Vec<f64>> {
        let m = self.check_rows(v, self.n_visible, "hidden probabilities")?;
        let mut x = self.hidden_inputs(v, m);
        for_rows(&mut x, self.n_hidden, |_, row| {
            row.iter_mut().for_each(|t| *t = sigmoid(*t))
        });
        Ok(x)
    }

    /// P(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j) for each row of `h` (m × n_v, row-major); for
    /// Gaussian units the conditional mean E[v_i | h] = a_i + σ_i Σ_j W_ij h_j.
    pub fn visible_probs(&self, h: &[f64]) -> Result<Vec<f64>> {
        let m = self.check_rows(h, self.n_hidden, "visible probabilities")?;
        let mut y = self.visible_inputs(h, m);
        if self.sigma.is_none() {
            for_rows(&mut y, self.n_visible, |_, row| {
                row.iter_mut().for_each(|t| *t = sigmoid(*t))
            });
        }
        Ok(y)
    }

    /// One block-Gibbs half step v → h: (P(h = 1 | v), a draw of h), draws from
    /// `streams.stream(&[tag, step, row])`.
    pub(crate) fn sample_h(
        &self,
        v: &[f64],
        streams: &Streams,
        tag: u64,
        step: u64,
    ) -> (Vec<f64>, Vec<f64>) {
        let m = v.len() / self.n_visible;
        let mut p = self.hidden_inputs(v, m);
        for_rows(&mut p, self.n_hidden, |_, row| {
            row.iter_mut().for_each(|t| *t = sigmoid(*t))
        });
        let mut h = p.clone();
        bernoulli(&mut h, self.n_hidden, streams, tag, step);
        (p, h)
    }

    /// One block-Gibbs half step h → v: (P(v = 1 | h), a draw of v); Gaussian units:
    /// (E[v | h], v = E[v | h] + σ∘ε with ε ~ N(0, 1)).
    pub(crate) fn sample_v(
        &self,
        h: &[f64],
        streams: &Streams,
        tag: u64,
        step: u64,
    ) -> (Vec<f64>, Vec<f64>) {
        let m = h.len() / self.n_hidden;
        let mut p = self.visible_inputs(h, m);
        match &self.sigma {
            None => {
                for_rows(&mut p, self.n_visible, |_, row| {
                    row.iter_mut().for_each(|t| *t = sigmoid(*t))
                });
                let mut v = p.clone();
                bernoulli(&mut v, self.n_visible, streams, tag, step);
                (p, v)
            }
            Some(s) => {
                let mut v = p.clone();
                for_rows(&mut v, self.n_visible, |r, row| {
                    let mut rng = streams.stream(&[tag, step, r as u64]);
                    for (x, si) in row.iter_mut().zip(s) {
                        let e: f64 = StandardNormal.sample(&mut rng);
                        *x += si * e;
                    }
                });
                (p, v)
            }
        }
    }

    /// Runs `steps` sweeps of block Gibbs sampling v → h → v on every row of `v0` (one
    /// independent chain per row, run in parallel) and returns the final visible states and
    /// the visible probabilities P(v = 1 | h) of the last half step (the usual "mean" image).
    /// Sweep t of chain r draws from `streams.stream(&[GIBBS, 2t(+1), r])`.
    pub fn gibbs(
        &self,
        v0: &[f64],
        steps: usize,
        streams: &Streams,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        self.check_rows(v0, self.n_visible, "Gibbs chains")?;
        let mut v = v0.to_vec();
        let mut pv = v0.to_vec();
        for t in 0..steps as u64 {
            let (_, h) = self.sample_h(&v, streams, purpose::GIBBS, 2 * t);
            (pv, v) = self.sample_v(&h, streams, purpose::GIBBS, 2 * t + 1);
        }
        Ok((v, pv))
    }

    /// `chains` independent chains started at v ~ Bernoulli(σ(a)) (the visible biases alone;
    /// Gaussian units: v = a) and run for `steps` block-Gibbs sweeps: (final states, last
    /// P(v = 1 | h) or E[v | h]).
    pub fn sample(
        &self,
        chains: usize,
        steps: usize,
        streams: &Streams,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let nv = self.n_visible;
        if self.is_gaussian() {
            let v0: Vec<f64> = (0..chains).flat_map(|_| self.a.iter().copied()).collect();
            return self.gibbs(&v0, steps, streams);
        }
        let mut v0 = vec![0.0; chains * nv];
        for_rows(&mut v0, nv, |_, row| {
            row.iter_mut()
                .zip(&self.a)
                .for_each(|(x, a)| *x = sigmoid(*a))
        });
        bernoulli(&mut v0, nv, streams, purpose::INIT, 1);
        self.gibbs(&v0, steps, streams)
    }

    /// `count` independent exact draws of v (rows of n_v): h from its exact marginal
    /// p(h) ∝ e^{−F(h)} by enumerating the hidden layer (n_h ≤ 20) and inverting the
    /// cumulative distribution, then v ~ p(v | h) (Bernoulli or Gaussian units). Draw r uses
    /// `streams.stream(&[EXACT, r])`.
    pub fn sample_exact(&self, count: usize, streams: &Streams) -> Result<Vec<f64>> {
        let nh = self.n_hidden;
        if nh > 20 {
            return Err(invalid(format!(
                "exact sampling enumerates the hidden layer, which must have ≤ 20 units (this one has {nh})"
            )));
        }
        let hidden = |k: usize| -> Vec<f64> { (0..nh).map(|j| ((k >> j) & 1) as f64).collect() };
        let log_w: Vec<f64> = (0..1usize << nh)
            .into_par_iter()
            .map(|k| -self.free_energy_hidden(&hidden(k)))
            .collect();
        let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut cdf = Vec::with_capacity(log_w.len());
        let mut c = 0.0;
        for l in &log_w {
            c += (l - top).exp();
            cdf.push(c);
        }
        let mut h = vec![0.0; count * nh];
        for_rows(&mut h, nh, |r, row| {
            let u = streams.stream(&[purpose::EXACT, r as u64]).random::<f64>() * c;
            let k = cdf.partition_point(|&x| x < u).min(cdf.len() - 1);
            row.copy_from_slice(&hidden(k));
        });
        Ok(self.sample_v(&h, streams, purpose::EXACT, u64::MAX).1)
    }

    /// The ±1 form of this machine (see the module documentation; Bernoulli visible units —
    /// for a Gaussian–Bernoulli machine only the parameters W, a, b are converted).
    pub fn to_spins(&self) -> SpinRbm {
        let (nv, nh) = (self.n_visible, self.n_hidden);
        let j: Vec<f64> = self.w.iter().map(|w| w / 4.0).collect();
        let g = (0..nv)
            .map(|i| self.a[i] / 2.0 + self.w[i * nh..(i + 1) * nh].iter().sum::<f64>() / 4.0)
            .collect();
        let c = (0..nh)
            .map(|k| self.b[k] / 2.0 + (0..nv).map(|i| self.w[i * nh + k]).sum::<f64>() / 4.0)
            .collect();
        let offset = -self.a.iter().sum::<f64>() / 2.0
            - self.b.iter().sum::<f64>() / 2.0
            - self.w.iter().sum::<f64>() / 4.0;
        SpinRbm { j, g, c, offset }
    }
}

impl SpinRbm {
    /// Energy of ±1 configurations s (visible) and σ (hidden), including the offset.
    pub fn energy(&self, s: &[f64], sigma: &[f64]) -> f64 {
        let nh = self.c.len();
        let coupling: f64 = s
            .iter()
            .enumerate()
            .map(|(i, si)| si * dot(&self.j[i * nh..(i + 1) * nh], sigma))
            .sum();
        -coupling - dot(&self.g, s) - dot(&self.c, sigma) + self.offset
    }

    /// The 0/1 machine: W = 4J, a_i = 2g_i − 2Σ_j J_ij, b_j = 2c_j − 2Σ_i J_ij (the offset is
    /// implied and not needed).
    pub fn to_binary(&self) -> Result<Rbm> {
        let (nv, nh) = (self.g.len(), self.c.len());
        if self.j.len() != nv * nh {
            return Err(invalid("J must have n_v·n_h entries"));
        }
        let w = self.j.iter().map(|j| 4.0 * j).collect();
        let a = (0..nv)
            .map(|i| 2.0 * self.g[i] - 2.0 * self.j[i * nh..(i + 1) * nh].iter().sum::<f64>())
            .collect();
        let b = (0..nh)
            .map(|k| 2.0 * self.c[k] - 2.0 * (0..nv).map(|i| self.j[i * nh + k]).sum::<f64>())
            .collect();
        Rbm::new(nv, nh, w, a, b)
    }
}

pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// An RBM with ±1 visible units s and real Gaussian hidden units h:
/// `E(s, h) = −a·s − sᵀ W h + |h|²/2`. Integrating out h gives the visible marginal
/// `p(s) ∝ exp(a·s + ½ Σ_μ (Σ_i s_i W_iμ)²)`; with `W_iμ = √(β/N) ξ_i^μ` and a = 0 this is the
/// Hopfield model at inverse temperature β, `p(s) ∝ exp(β/(2N) Σ_μ (ξ^μ·s)²)`, i.e. Hebbian
/// couplings J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ (the diagonal only adds a constant).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianHiddenRbm {
    n: usize,
    p: usize,
    w: Vec<f64>,
    a: Vec<f64>,
}

impl GaussianHiddenRbm {
    /// The machine with W_iμ = √(β/N) ξ_i^μ and no fields, for stored `patterns`.
    pub fn hopfield(patterns: &crate::memory::patterns::Patterns, beta: f64) -> Result<Self> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!("β must be finite and > 0, got {beta}")));
        }
        let (n, p) = (patterns.n(), patterns.p());
        let scale = (beta / n as f64).sqrt();
        let mut w = vec![0.0; n * p];
        for mu in 0..p {
            for (i, &x) in patterns.pattern(mu).iter().enumerate() {
                w[i * p + mu] = scale * f64::from(x);
            }
        }
        Ok(GaussianHiddenRbm {
            n,
            p,
            w,
            a: vec![0.0; n],
        })
    }

    /// ln of the unnormalized visible marginal, a·s + ½ Σ_μ (Σ_i s_i W_iμ)², for ±1 `s`.
    pub fn log_marginal_weight(&self, s: &[f64]) -> f64 {
        let mut x = vec![0.0; self.p];
        for (i, &si) in s.iter().enumerate() {
            for (xm, w) in x.iter_mut().zip(&self.w[i * self.p..(i + 1) * self.p]) {
                *xm += si * w;
            }
        }
        dot(&self.a, s) + 0.5 * x.iter().map(|v| v * v).sum::<f64>()
    }

    /// Block Gibbs sampling: h | s ~ N(sᵀW, 1), then P(s_i = +1 | h) = σ(2(a_i + W_i·h)).
    /// Runs `chains` independent chains from random ±1 states for `burn_in + samples`
    /// sweeps and returns the visible states after each of the last `samples` sweeps
    /// (chains × samples rows of N entries ±1).
    pub fn gibbs(
        &self,
        chains: usize,
        burn_in: usize,
        samples: usize,
        streams: &Streams,
    ) -> Vec<f64> {
        let (n, p) = (self.n, self.p);
        let per_chain: Vec<Vec<f64>> = (0..chains)
            .into_par_iter()
            .map(|c| {
                let mut rng = streams.stream(&[purpose::GIBBS, c as u64]);
                let mut s: Vec<f64> = (0..n)
                    .map(|_| if rng.random_bool(0.5) { 1.0 } else { -1.0 })
                    .collect();
                let mut h = vec![0.0; p];
                let mut out = Vec::with_capacity(samples * n);
                for t in 0..burn_in + samples {
                    h.iter_mut()
                        .for_each(|x| *x = StandardNormal.sample(&mut rng));
                    for (i, &si) in s.iter().enumerate() {
                        for (hm, w) in h.iter_mut().zip(&self.w[i * p..(i + 1) * p]) {
                            *hm += si * w;
                        }
                    }
                    for (i, si) in s.iter_mut().enumerate() {
                        let field = self.a[i] + dot(&self.w[i * p..(i + 1) * p], &h);
                        *si = if rng.random::<f64>() < sigmoid(2.0 * field) {
                            1.0
                        } else {
                            -1.0
                        };
                    }
                    if t >= burn_in {
                        out.extend_from_slice(&s);
                    }
                }
                out
            })
            .collect();
        per_chain.concat()
    }
}

/// All 2^n binary configurations of n ≤ 24 units as rows (entry i of row k is bit i of k).
#[cfg(test)]
pub(crate) fn all_configurations(n: usize) -> Vec<f64> {
    let count = 1usize << n;
    let mut out = vec![0.0; count * n];
    for (k, row) in out.chunks_mut(n.max(1)).enumerate().take(count) {
        for (i, x) in row.iter_mut().enumerate() {
            *x = ((k >> i) & 1) as f64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boltzmann::log_sum_exp;

    fn small(nv: usize, nh: usize, seed: u64) -> Rbm {
        let s = Streams::new(seed);
        let mut r = Rbm::random(nv, nh, 0.8, &s).unwrap();
        let mut rng = s.stream(&[99]);
        let (_, a, b) = r.params_mut();
        a.iter_mut().for_each(|x| *x = rng.random::<f64>() - 0.5);
        b.iter_mut().for_each(|x| *x = rng.random::<f64>() - 0.5);
        r
    }

    #[test]
    fn free_energy_sums_out_the_hidden_layer() {
        let r = small(5, 4, 1);
        let hs = all_configurations(4);
        let vs = all_configurations(5);
        for v in vs.chunks(5) {
            let e: Vec<f64> = hs.chunks(4).map(|h| -r.energy(v, h)).collect();
            assert!((log_sum_exp(&e) + r.free_energy(v)).abs() < 1e-12);
        }
        // Batch = single, and ln Z from either side agrees.
        let f = r.free_energies(&vs).unwrap();
        for (k, v) in vs.chunks(5).enumerate() {
            assert!((f[k] - r.free_energy(v)).abs() < 1e-12);
        }
        let zv = log_sum_exp(&f.iter().map(|x| -x).collect::<Vec<_>>());
        let zh = log_sum_exp(
            &hs.chunks(4)
                .map(|h| -r.free_energy_hidden(h))
                .collect::<Vec<_>>(),
        );
        assert!((zv - zh).abs() < 1e-12);
    }

    #[test]
    fn spin_form_is_the_same_distribution() {
        let r = small(4, 3, 2);
        let sp = r.to_spins();
        for v in all_configurations(4).chunks(4) {
            for h in all_configurations(3).chunks(3) {
                let s: Vec<f64> = v.iter().map(|x| 2.0 * x - 1.0).collect();
                let sg: Vec<f64> = h.iter().map(|x| 2.0 * x - 1.0).collect();
                assert!((sp.energy(&s, &sg) - r.energy(v, h)).abs() < 1e-12);
            }
        }
        let back = sp.to_binary().unwrap();
        for (x, y) in back.weights().iter().zip(r.weights()) {
            assert!((x - y).abs() < 1e-12);
        }
        for (x, y) in back.visible_bias().iter().zip(r.visible_bias()) {
            assert!((x - y).abs() < 1e-12);
        }
        for (x, y) in back.hidden_bias().iter().zip(r.hidden_bias()) {
            assert!((x - y).abs() < 1e-12);
        }
        // The same as the generic neuron → spin conversion of the bipartite network.
        let nf = crate::model::convert::NeuronForm {
            weights: (0..4)
                .flat_map(|i| (0..3).map(move |k| (i, 4 + k, 0.0)))
                .map(|(i, k, _)| (i, k, r.weights()[i * 3 + k - 4]))
                .collect(),
            thresholds: r
                .visible_bias()
                .iter()
                .chain(r.hidden_bias())
                .map(|x| -x)
                .collect(),
            offset: 0.0,
        };
        let sf = nf.to_spins().unwrap();
        for (k, f) in sp.g.iter().chain(&sp.c).enumerate() {
            assert!((f - sf.fields[k]).abs() < 1e-12);
        }
        assert!((sp.offset - sf.offset).abs() < 1e-12);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(Rbm::new(0, 3, vec![], vec![], vec![0.0; 3]).is_err());
        assert!(Rbm::new(2, 2, vec![0.0; 3], vec![0.0; 2], vec![0.0; 2]).is_err());
        assert!(Rbm::new(1, 1, vec![f64::NAN], vec![0.0], vec![0.0]).is_err());
        let r = small(3, 2, 3);
        assert!(r.free_energies(&[0.0; 4]).is_err());
        assert!(r.gibbs(&[0.0; 5], 1, &Streams::new(1)).is_err());
    }

    /// Gibbs samples of a small RBM: visible marginals and pair correlations against the
    /// exact distribution, within 4σ of the sampling error.
    #[test]
    fn gibbs_samples_match_the_exact_marginals() {
        let (nv, nh) = (6, 4);
        let r = small(nv, nh, 4);
        let vs = all_configurations(nv);
        let logp: Vec<f64> = r.free_energies(&vs).unwrap().iter().map(|f| -f).collect();
        let lz = log_sum_exp(&logp);
        let p: Vec<f64> = logp.iter().map(|l| (l - lz).exp()).collect();
        let exact = |f: &dyn Fn(&[f64]) -> f64| -> f64 {
            vs.chunks(nv).zip(&p).map(|(v, pk)| pk * f(v)).sum()
        };
        // 2000 independent chains, 50 sweeps each, then one sample per chain.
        let chains = 2000;
        let streams = Streams::new(11);
        let v0 = vec![0.0; chains * nv];
        let (v, _) = r.gibbs(&v0, 50, &streams).unwrap();
        // Statistic (i, j): v_i v_j, with i = j the marginal ⟨v_i⟩.
        let stats: Vec<(usize, usize)> =
            (0..nv).flat_map(|i| (i..nv).map(move |j| (i, j))).collect();
        for &(i, j) in &stats {
            let f = |v: &[f64]| v[i] * v[j];
            let e = exact(&f);
            let mean = v.chunks(nv).map(f).sum::<f64>() / chains as f64;
            let sigma = (e * (1.0 - e) / chains as f64).sqrt();
            assert!(
                (mean - e).abs() < 4.0 * sigma,
                "v{i}v{j}: Gibbs {mean} vs exact {e} (σ {sigma})"
            );
        }
    }

    fn small_gaussian(nv: usize, nh: usize, seed: u64) -> Rbm {
        let mut r = small(nv, nh, seed);
        let sigma = (0..nv).map(|i| 0.6 + 0.3 * i as f64).collect();
        r.set_sigma(sigma).unwrap();
        r
    }

    /// Gaussian–Bernoulli RBM: F(v) sums out h, and the hidden-layer ln Z equals the integral
    /// of e^{−F(v)} over the plane (trapezoid rule on a fine grid).
    #[test]
    fn gaussian_free_energy_and_log_z() {
        let r = small_gaussian(2, 3, 6);
        let hs = all_configurations(3);
        for v in [[0.3, -1.2], [2.0, 0.5], [-0.7, 3.1]] {
            let e: Vec<f64> = hs.chunks(3).map(|h| -r.energy(&v, h)).collect();
            assert!((log_sum_exp(&e) + r.free_energy(&v)).abs() < 1e-12);
        }
        let lz = crate::boltzmann::exact_log_z(&r).unwrap();
        let zh = log_sum_exp(
            &hs.chunks(3)
                .map(|h| -r.free_energy_hidden(h))
                .collect::<Vec<_>>(),
        );
        assert!((lz - zh).abs() < 1e-12);
        let (n, lo, hi) = (601usize, -12.0, 12.0);
        let dx = (hi - lo) / (n - 1) as f64;
        let grid: Vec<f64> = (0..n * n)
            .flat_map(|k| [lo + dx * (k / n) as f64, lo + dx * (k % n) as f64])
            .collect();
        let f = r.free_energies(&grid).unwrap();
        let integral = log_sum_exp(&f.iter().map(|x| -x).collect::<Vec<_>>()) + 2.0 * dx.ln();
        assert!((integral - lz).abs() < 1e-6, "{integral} vs {lz}");
    }

    /// Block Gibbs samples of a Gaussian–Bernoulli RBM match the exact Gaussian-mixture
    /// moments ⟨v_i⟩ and ⟨v_i v_j⟩ within 4σ.
    #[test]
    fn gaussian_gibbs_matches_the_mixture_moments() {
        let (nv, nh) = (3, 3);
        let r = small_gaussian(nv, nh, 7);
        let s = r.visible_sigma().unwrap().to_vec();
        let hs = all_configurations(nh);
        let logw: Vec<f64> = hs.chunks(nh).map(|h| -r.free_energy_hidden(h)).collect();
        let lz = log_sum_exp(&logw);
        let means: Vec<Vec<f64>> = hs.chunks(nh).map(|h| r.visible_input(h)).collect();
        let chains = 4000;
        let (v, _) = r.sample(chains, 30, &Streams::new(12)).unwrap();
        for i in 0..nv {
            for j in i..nv {
                let exact: f64 = logw
                    .iter()
                    .zip(&means)
                    .map(|(lw, m)| {
                        let c = if i == j { s[i] * s[i] } else { 0.0 };
                        (lw - lz).exp() * (m[i] * m[j] + c)
                    })
                    .sum();
                let exact_mean: f64 = logw
                    .iter()
                    .zip(&means)
                    .map(|(lw, m)| (lw - lz).exp() * m[i])
                    .sum();
                for (stat, want) in [(true, exact), (false, exact_mean)] {
                    let xs: Vec<f64> = v
                        .chunks(nv)
                        .map(|row| if stat { row[i] * row[j] } else { row[i] })
                        .collect();
                    let m = xs.iter().sum::<f64>() / chains as f64;
                    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (chains - 1) as f64;
                    let se = (var / chains as f64).sqrt();
                    assert!(
                        (m - want).abs() < 4.0 * se,
                        "({i},{j}) {stat}: Gibbs {m} ± {se} vs exact {want}"
                    );
                }
            }
        }
        // β-tempering: p_β ∝ e^{−βE} for Gaussian units too.
        let t = r.tempered(0.5).unwrap();
        for h in hs.chunks(nh) {
            let v = [0.4, -0.3, 1.1];
            assert!((t.energy(&v, h) - 0.5 * r.energy(&v, h)).abs() < 1e-12);
        }
        assert!(r.tempered(0.0).is_err());
        assert!(r.clone().set_sigma(vec![1.0, 0.0, 1.0]).is_err());
    }

    /// Exact draws (hidden layer enumerated, then v | h) reproduce the exact visible
    /// marginals within 4σ, for Bernoulli and Gaussian units.
    #[test]
    fn exact_samples_match_the_marginals() {
        let count = 20_000;
        let r = small(6, 4, 8);
        let vs = all_configurations(6);
        let logp: Vec<f64> = r.free_energies(&vs).unwrap().iter().map(|f| -f).collect();
        let lz = log_sum_exp(&logp);
        let v = r.sample_exact(count, &Streams::new(3)).unwrap();
        for i in 0..6 {
            let exact: f64 = vs
                .chunks(6)
                .zip(&logp)
                .map(|(x, l)| x[i] * (l - lz).exp())
                .sum();
            let mean = v.chunks(6).map(|x| x[i]).sum::<f64>() / count as f64;
            let se = (exact * (1.0 - exact) / count as f64).sqrt();
            assert!((mean - exact).abs() < 4.0 * se, "v{i}: {mean} vs {exact}");
        }
        let g = small_gaussian(3, 3, 9);
        let hs = all_configurations(3);
        let logw: Vec<f64> = hs.chunks(3).map(|h| -g.free_energy_hidden(h)).collect();
        let lz = log_sum_exp(&logw);
        let v = g.sample_exact(count, &Streams::new(4)).unwrap();
        let s = g.visible_sigma().unwrap();
        for i in 0..3 {
            let m: Vec<f64> = hs.chunks(3).map(|h| g.visible_input(h)[i]).collect();
            let exact: f64 = m.iter().zip(&logw).map(|(m, l)| m * (l - lz).exp()).sum();
            let second: f64 = m
                .iter()
                .zip(&logw)
                .map(|(m, l)| (m * m) * (l - lz).exp())
                .sum();
            let se = ((second + s[i] * s[i] - exact * exact) / count as f64).sqrt();
            let mean = v.chunks(3).map(|x| x[i]).sum::<f64>() / count as f64;
            assert!(
                (mean - exact).abs() < 4.0 * se,
                "v{i}: {mean} vs {exact} ± {se}"
            );
        }
        let big = Rbm::new(2, 21, vec![0.0; 42], vec![0.0; 2], vec![0.0; 21]).unwrap();
        assert!(big.sample_exact(1, &Streams::new(1)).is_err());
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let r = small(30, 20, 5);
        let v0 = vec![0.0; 100 * 30];
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| r.gibbs(&v0, 5, &Streams::new(3)).unwrap())
        };
        assert_eq!(run(1), run(3));
    }

    /// RBM ↔ Hopfield: Gibbs sampling of the Gaussian-hidden RBM with W = ξ√(β/N)
    /// reproduces the pair correlations of the Hopfield model (Hebb couplings) at β, computed
    /// by exact enumeration of the Hopfield Boltzmann distribution.
    #[test]
    fn gaussian_hidden_rbm_has_the_hopfield_marginal() {
        let (n, p, beta) = (8, 2, 1.5);
        let patterns =
            crate::memory::patterns::Patterns::random(n, p, 0.0, &Streams::new(21)).unwrap();
        let g = GaussianHiddenRbm::hopfield(&patterns, beta).unwrap();
        let ising = crate::memory::learning::hebb(&patterns)
            .unwrap()
            .to_ising()
            .unwrap();
        // Exact Hopfield distribution p(s) ∝ e^{−β H(s)}, and the RBM marginal weight: they
        // differ by a constant only.
        let states: Vec<Vec<f64>> = (0..1usize << n)
            .map(|k| {
                (0..n)
                    .map(|i| if (k >> i) & 1 == 1 { 1.0 } else { -1.0 })
                    .collect()
            })
            .collect();
        let spins = |s: &[f64]| s.iter().map(|&x| x as i8).collect::<Vec<i8>>();
        let shift = g.log_marginal_weight(&states[0]) + beta * ising.energy(&spins(&states[0]));
        for s in &states {
            let d = g.log_marginal_weight(s) + beta * ising.energy(&spins(s));
            assert!((d - shift).abs() < 1e-10);
        }
        let logw: Vec<f64> = states
            .iter()
            .map(|s| -beta * ising.energy(&spins(s)))
            .collect();
        let lz = log_sum_exp(&logw);
        let prob: Vec<f64> = logw.iter().map(|l| (l - lz).exp()).collect();
        let (chains, samples) = (64, 400);
        let x = g.gibbs(chains, 100, samples, &Streams::new(5));
        for (i, j) in [(0, 1), (2, 5), (3, 7)] {
            let exact: f64 = states.iter().zip(&prob).map(|(s, q)| q * s[i] * s[j]).sum();
            // Error from the spread of per-chain means (chains are independent).
            let means: Vec<f64> = x
                .chunks(samples * n)
                .map(|c| c.chunks(n).map(|s| s[i] * s[j]).sum::<f64>() / samples as f64)
                .collect();
            let m = means.iter().sum::<f64>() / chains as f64;
            let var = means.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (chains - 1) as f64;
            let se = (var / chains as f64).sqrt();
            assert!(
                (m - exact).abs() < 4.0 * se + 1e-3,
                "⟨s{i}s{j}⟩: RBM {m} ± {se} vs Hopfield {exact}"
            );
        }
    }
}
