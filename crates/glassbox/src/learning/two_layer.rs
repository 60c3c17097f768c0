//! A small two-layer network with hand-written backpropagation on faer's GEMM, trained by
//! minibatch stochastic gradient descent (the model of the paper's §2.5 and Box 1 experiments).
//!
//! For an input x ∈ ℝ^d the network computes
//! z = W₁x + b₁ ∈ ℝ^H, a = σ(z), o = W₂a + b₂ ∈ ℝ^K,
//! with σ = tanh or ReLU, and is trained on labelled examples (x^μ, y^μ), y^μ ∈ {0…K−1}, by
//! minimizing the mean loss L(θ) = (1/n) Σ_μ ℓ(o(x^μ), y^μ) + (λ/2)(‖W₁‖² + ‖W₂‖²), where ℓ is
//! - softmax cross-entropy, ℓ = ln Σ_c e^{o_c} − o_y, or
//! - squared error against the one-hot target, ℓ = ½ Σ_c (o_c − δ_{c,y})².
//!
//! Parameters θ live in one flat vector, laid out W₁ (H × d, row-major), b₁, W₂ (K × H,
//! row-major), b₂. Initialization is LeCun's: W₁ ~ N(0, 1/d), W₂ ~ N(0, 1/H), b = 0.
//!
//! Backpropagation for a minibatch X (B × d): Z = X W₁ᵀ + b₁, A = σ(Z), O = A W₂ᵀ + b₂,
//! G_O = ∂ℓ̄/∂O (softmax(O) − Y or O − Y, divided by B), ∇W₂ = G_Oᵀ A, ∇b₂ = Σ_rows G_O,
//! G_Z = (G_O W₂) ∘ σ′(Z), ∇W₁ = G_Zᵀ X, ∇b₁ = Σ_rows G_Z. All four products are faer GEMMs
//! run sequentially inside one network (parallelism is over independent networks), so results
//! do not depend on the thread count.
//!
//! An SGD step with learning rate η on a minibatch B of size |B| is
//! θ ← θ − η (∇ℓ̄_B(θ) + λ w), where w is θ with the biases zeroed (weight decay on the
//! weights only).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rand::seq::SliceRandom;
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

use crate::data::Images;
use crate::error::{invalid, Result};
use crate::rng::Rng;

/// The hidden units' activation σ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hidden {
    /// σ(z) = tanh z.
    Tanh,
    /// σ(z) = max(z, 0).
    Relu,
}

impl Hidden {
    fn apply(self, z: f64) -> f64 {
        match self {
            Hidden::Tanh => z.tanh(),
            Hidden::Relu => z.max(0.0),
        }
    }

    /// σ′(z) given z and a = σ(z).
    fn slope(self, z: f64, a: f64) -> f64 {
        match self {
            Hidden::Tanh => 1.0 - a * a,
            Hidden::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The per-example loss ℓ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// Softmax cross-entropy ln Σ_c e^{o_c} − o_y.
    CrossEntropy,
    /// ½ Σ_c (o_c − δ_{c,y})².
    Squared,
}

/// Labelled inputs: the rows of `x` with classes `labels[i]` < `classes`.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Inputs, one per row (n × d).
    pub x: Mat<f64>,
    /// Class of each row.
    pub labels: Vec<usize>,
    /// Number of classes K.
    pub classes: usize,
}

impl Dataset {
    /// A data set from its parts; every label must be below `classes` and every input finite.
    pub fn new(x: Mat<f64>, labels: Vec<usize>, classes: usize) -> Result<Self> {
        if x.nrows() != labels.len() || x.nrows() == 0 || x.ncols() == 0 || classes < 2 {
            return Err(invalid(format!(
                "a data set needs n ≥ 1 rows of d ≥ 1 inputs, n labels and ≥ 2 classes (got {} × {}, {} labels, {classes} classes)",
                x.nrows(),
                x.ncols(),
                labels.len()
            )));
        }
        if let Some(l) = labels.iter().find(|&&l| l >= classes) {
            return Err(invalid(format!("label {l} is not below {classes} classes")));
        }
        if (0..x.ncols()).any(|j| (0..x.nrows()).any(|i| !x[(i, j)].is_finite())) {
            return Err(invalid("inputs must be finite"));
        }
        Ok(Dataset { x, labels, classes })
    }

    /// Number of examples n.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples (never, for a constructed data set).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Input dimension d.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// Images `picks` of `images` as a 10-class data set: each pixel minus its mean over all
    /// of `images`, divided by the pixels' overall standard deviation (one scale, so rarely
    /// lit border pixels stay small).
    pub fn from_images(images: &Images, picks: &[usize]) -> Result<Self> {
        let (dim, count) = (images.dim(), images.len() as f64);
        if let Some(k) = picks.iter().find(|&&k| k >= images.len()) {
            return Err(invalid(format!(
                "image {k} is beyond the {} images",
                images.len()
            )));
        }
        let mut mean = vec![0.0; dim];
        for k in 0..images.len() {
            for (m, &v) in mean.iter_mut().zip(images.image(k)) {
                *m += f64::from(v) / count;
            }
        }
        let var = (0..images.len())
            .flat_map(|k| images.image(k).iter().zip(&mean))
            .map(|(&v, m)| (f64::from(v) - m).powi(2))
            .sum::<f64>()
            / (count * dim as f64);
        let scale = 1.0 / var.sqrt().max(1e-12);
        let x = Mat::from_fn(picks.len(), dim, |i, j| {
            (f64::from(images.image(picks[i])[j]) - mean[j]) * scale
        });
        let labels = picks
            .iter()
            .map(|&k| usize::from(images.labels[k]))
            .collect();
        Dataset::new(x, labels, 10)
    }

    /// The rows `idx` as a minibatch.
    fn rows(&self, idx: &[usize]) -> Mat<f64> {
        Mat::from_fn(idx.len(), self.dim(), |i, j| self.x[(idx[i], j)])
    }
}

/// Stochastic-gradient-descent settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sgd {
    /// Learning rate η > 0.
    pub lr: f64,
    /// Minibatch size B ≥ 1.
    pub batch: usize,
    /// Weight decay λ ≥ 0 (on W₁ and W₂).
    pub weight_decay: f64,
}

impl Sgd {
    /// Checks η > 0, 1 ≤ B ≤ n and λ ≥ 0.
    pub fn check(&self, n: usize) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(invalid(format!(
                "learning rate must be > 0, got {}",
                self.lr
            )));
        }
        if self.batch == 0 || self.batch > n {
            return Err(invalid(format!(
                "batch size must be between 1 and the {n} training examples, got {}",
                self.batch
            )));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(invalid(format!(
                "weight decay must be ≥ 0, got {}",
                self.weight_decay
            )));
        }
        Ok(())
    }
}

/// The network: sizes, activation, and the flat parameter vector θ.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TwoLayer {
    d: usize,
    h: usize,
    k: usize,
    hidden: Hidden,
    theta: Vec<f64>,
}

/// Activations of a forward pass on a batch.
struct Forward {
    z: Mat<f64>,
    a: Mat<f64>,
    o: Mat<f64>,
}

impl TwoLayer {
    /// A LeCun-initialized network with `d` inputs, `h` hidden units and `k` outputs.
    pub fn new(d: usize, h: usize, k: usize, hidden: Hidden, rng: &mut Rng) -> Result<Self> {
        if d == 0 || h == 0 || k == 0 {
            return Err(invalid(format!(
                "a two-layer network needs d, H, K ≥ 1 (got {d}, {h}, {k})"
            )));
        }
        let mut theta = vec![0.0; h * d + h + k * h + k];
        let (s1, s2) = (1.0 / (d as f64).sqrt(), 1.0 / (h as f64).sqrt());
        for v in &mut theta[..h * d] {
            let g: f64 = StandardNormal.sample(&mut *rng);
            *v = s1 * g;
        }
        for v in &mut theta[h * d + h..h * d + h + k * h] {
            let g: f64 = StandardNormal.sample(&mut *rng);
            *v = s2 * g;
        }
        Ok(TwoLayer {
            d,
            h,
            k,
            hidden,
            theta,
        })
    }

    /// Number of parameters H(d + 1) + K(H + 1).
    pub fn num_params(&self) -> usize {
        self.theta.len()
    }

    /// Hidden width H.
    pub fn width(&self) -> usize {
        self.h
    }

    /// The flat parameter vector θ (layout in the module docs).
    pub fn params(&self) -> &[f64] {
        &self.theta
    }

    /// Mutable access to θ.
    pub fn params_mut(&mut self) -> &mut [f64] {
        &mut self.theta
    }

    fn w1(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.theta[..self.h * self.d], self.h, self.d)
    }

    fn w2(&self) -> MatRef<'_, f64> {
        let o = self.h * self.d + self.h;
        MatRef::from_row_major_slice(&self.theta[o..o + self.k * self.h], self.k, self.h)
    }

    fn forward(&self, x: MatRef<'_, f64>) -> Forward {
        let (b, h, k) = (x.nrows(), self.h, self.k);
        let mut z = Mat::zeros(b, h);
        matmul(
            z.as_mut(),
            Accum::Replace,
            x,
            self.w1().transpose(),
            1.0,
            Par::Seq,
        );
        let b1 = &self.theta[h * self.d..h * self.d + h];
        let mut a = Mat::zeros(b, h);
        for j in 0..h {
            for i in 0..b {
                z[(i, j)] += b1[j];
                a[(i, j)] = self.hidden.apply(z[(i, j)]);
            }
        }
        let mut o = Mat::zeros(b, k);
        matmul(
            o.as_mut(),
            Accum::Replace,
            a.as_ref(),
            self.w2().transpose(),
            1.0,
            Par::Seq,
        );
        let b2 = &self.theta[self.theta.len() - k..];
        for c in 0..k {
            for i in 0..b {
                o[(i, c)] += b2[c];
            }
        }
        Forward { z, a, o }
    }

    /// The hidden representation σ(W₁x + b₁) of each row of `x` (rows × H).
    pub fn hidden(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        self.forward(x).a
    }

    /// The outputs o of each row of `x` (rows × K).
    pub fn outputs(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        self.forward(x).o
    }

    /// Per-row loss ℓ and, when `grad_out` is given, writes ∂ℓ/∂o (not yet divided by B) into
    /// it.
    fn row_losses(
        o: &Mat<f64>,
        labels: &[usize],
        loss: Loss,
        mut grad_out: Option<&mut Mat<f64>>,
    ) -> f64 {
        let k = o.ncols();
        let mut total = 0.0;
        for (i, &y) in labels.iter().enumerate() {
            match loss {
                Loss::CrossEntropy => {
                    let m = (0..k).map(|c| o[(i, c)]).fold(f64::NEG_INFINITY, f64::max);
                    let z: f64 = (0..k).map(|c| (o[(i, c)] - m).exp()).sum();
                    total += m + z.ln() - o[(i, y)];
                    if let Some(g) = grad_out.as_deref_mut() {
                        for c in 0..k {
                            g[(i, c)] = (o[(i, c)] - m).exp() / z - f64::from(u8::from(c == y));
                        }
                    }
                }
                Loss::Squared => {
                    for c in 0..k {
                        let r = o[(i, c)] - f64::from(u8::from(c == y));
                        total += 0.5 * r * r;
                        if let Some(g) = grad_out.as_deref_mut() {
                            g[(i, c)] = r;
                        }
                    }
                }
            }
        }
        total
    }

    /// Mean loss (1/n) Σ_μ ℓ over `data` (without the weight-decay term).
    pub fn loss(&self, data: &Dataset, loss: Loss) -> f64 {
        let f = self.forward(data.x.as_ref());
        Self::row_losses(&f.o, &data.labels, loss, None) / data.len() as f64
    }

    /// The objective L(θ) = mean loss + (λ/2)(‖W₁‖² + ‖W₂‖²).
    pub fn objective(&self, data: &Dataset, loss: Loss, weight_decay: f64) -> f64 {
        self.loss(data, loss) + 0.5 * weight_decay * self.weights_norm2()
    }

    fn weights_norm2(&self) -> f64 {
        let (hd, h) = (self.h * self.d, self.h);
        self.theta[..hd]
            .iter()
            .chain(&self.theta[hd + h..hd + h + self.k * h])
            .map(|v| v * v)
            .sum()
    }

    /// Fraction of rows whose largest output is the label.
    pub fn accuracy(&self, data: &Dataset) -> f64 {
        let o = self.outputs(data.x.as_ref());
        let right = (0..data.len())
            .filter(|&i| {
                let best = (0..self.k)
                    .max_by(|&a, &b| o[(i, a)].total_cmp(&o[(i, b)]))
                    .unwrap_or(0);
                best == data.labels[i]
            })
            .count();
        right as f64 / data.len() as f64
    }

    /// The mean loss over the batch (`x`, `labels`) and its gradient ∂/∂θ written into `grad`
    /// (length [`TwoLayer::num_params`]); no weight-decay term.
    pub fn loss_and_gradient(
        &self,
        x: MatRef<'_, f64>,
        labels: &[usize],
        loss: Loss,
        grad: &mut [f64],
    ) -> f64 {
        let (b, d, h, k) = (x.nrows(), self.d, self.h, self.k);
        debug_assert_eq!(grad.len(), self.theta.len());
        let f = self.forward(x);
        let mut g_o = Mat::zeros(b, k);
        let total = Self::row_losses(&f.o, labels, loss, Some(&mut g_o));
        let inv_b = 1.0 / b as f64;
        for c in 0..k {
            for i in 0..b {
                g_o[(i, c)] *= inv_b;
            }
        }
        let (gw1, rest) = grad.split_at_mut(h * d);
        let (gb1, rest) = rest.split_at_mut(h);
        let (gw2, gb2) = rest.split_at_mut(k * h);
        matmul(
            MatMut::from_row_major_slice_mut(gw2, k, h),
            Accum::Replace,
            g_o.transpose(),
            f.a.as_ref(),
            1.0,
            Par::Seq,
        );
        for (c, g) in gb2.iter_mut().enumerate() {
            *g = (0..b).map(|i| g_o[(i, c)]).sum();
        }
        let mut g_z = Mat::zeros(b, h);
        matmul(
            g_z.as_mut(),
            Accum::Replace,
            g_o.as_ref(),
            self.w2(),
            1.0,
            Par::Seq,
        );
        for j in 0..h {
            for i in 0..b {
                g_z[(i, j)] *= self.hidden.slope(f.z[(i, j)], f.a[(i, j)]);
            }
        }
        matmul(
            MatMut::from_row_major_slice_mut(gw1, h, d),
            Accum::Replace,
            g_z.transpose(),
            x,
            1.0,
            Par::Seq,
        );
        for (j, g) in gb1.iter_mut().enumerate() {
            *g = (0..b).map(|i| g_z[(i, j)]).sum();
        }
        total * inv_b
    }

    /// One SGD step on the minibatch `idx` of `data`; returns the minibatch loss before the
    /// step. `grad` is scratch of length [`TwoLayer::num_params`].
    pub fn sgd_step(
        &mut self,
        data: &Dataset,
        idx: &[usize],
        loss: Loss,
        sgd: &Sgd,
        grad: &mut [f64],
    ) -> f64 {
        let x = data.rows(idx);
        let labels: Vec<usize> = idx.iter().map(|&i| data.labels[i]).collect();
        let l = self.loss_and_gradient(x.as_ref(), &labels, loss, grad);
        let (hd, h, kh) = (self.h * self.d, self.h, self.k * self.h);
        let decays = |p: usize| (p < hd) || (hd + h..hd + h + kh).contains(&p);
        for (p, (t, g)) in self.theta.iter_mut().zip(grad.iter()).enumerate() {
            let wd = if decays(p) {
                sgd.weight_decay * *t
            } else {
                0.0
            };
            *t -= sgd.lr * (g + wd);
        }
        l
    }

    /// `epochs` passes of minibatch SGD over `data`, each over a fresh random permutation cut
    /// into ⌊n/B⌋ minibatches (the remainder sits the epoch out). Returns the mean minibatch
    /// loss of each epoch.
    pub fn train(
        &mut self,
        data: &Dataset,
        loss: Loss,
        sgd: &Sgd,
        epochs: usize,
        rng: &mut Rng,
    ) -> Result<Vec<f64>> {
        self.check_data(data)?;
        sgd.check(data.len())?;
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut grad = vec![0.0; self.theta.len()];
        let batches = data.len() / sgd.batch;
        Ok((0..epochs)
            .map(|_| {
                order.shuffle(&mut *rng);
                (0..batches)
                    .map(|b| {
                        let idx = &order[b * sgd.batch..(b + 1) * sgd.batch];
                        self.sgd_step(data, idx, loss, sgd, &mut grad)
                    })
                    .sum::<f64>()
                    / batches as f64
            })
            .collect())
    }

    /// `steps` SGD steps on minibatches of B examples drawn independently and uniformly with
    /// replacement, so the minibatch gradient's noise covariance is exactly C/B (C the
    /// per-example gradient covariance). Calls `observe(step, minibatch loss, &self)` after
    /// each step.
    pub fn sgd_steps(
        &mut self,
        data: &Dataset,
        loss: Loss,
        sgd: &Sgd,
        steps: usize,
        rng: &mut Rng,
        mut observe: impl FnMut(usize, f64, &TwoLayer),
    ) -> Result<()> {
        self.check_data(data)?;
        sgd.check(data.len())?;
        let mut grad = vec![0.0; self.theta.len()];
        let mut idx = vec![0; sgd.batch];
        for t in 0..steps {
            idx.iter_mut()
                .for_each(|i| *i = rng.random_range(0..data.len()));
            let l = self.sgd_step(data, &idx, loss, sgd, &mut grad);
            observe(t, l, self);
        }
        Ok(())
    }

    fn check_data(&self, data: &Dataset) -> Result<()> {
        if data.dim() != self.d || data.classes != self.k {
            return Err(invalid(format!(
                "the network takes {} inputs and {} classes, the data have {} and {}",
                self.d,
                self.k,
                data.dim(),
                data.classes
            )));
        }
        Ok(())
    }
}

/// Linear centred kernel alignment of two representations A (m × p) and B (m × q) of the same
/// m inputs (Kornblith et al., ICML 2019): with column-centred Ã, B̃,
/// CKA = ‖ÃᵀB̃‖²_F / (‖ÃᵀÃ‖_F ‖B̃ᵀB̃‖_F) ∈ [0, 1]. It is 1 when B̃ = c Ã Q for an orthogonal Q
/// (so it ignores permutations and rotations of the hidden units) and is the normalized
/// overlap of the two representations' centred Gram matrices, tr(K̃_A K̃_B)/(‖K̃_A‖‖K̃_B‖).
/// Constant representations give NaN.
pub fn cka(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let centred = |m: MatRef<'_, f64>| {
        let rows = m.nrows() as f64;
        let means: Vec<f64> = (0..m.ncols())
            .map(|j| (0..m.nrows()).map(|i| m[(i, j)]).sum::<f64>() / rows)
            .collect();
        Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] - means[j])
    };
    let (a, b) = (centred(a), centred(b));
    let frob2 = |x: MatRef<'_, f64>, y: MatRef<'_, f64>| {
        let mut c = Mat::zeros(x.ncols(), y.ncols());
        matmul(c.as_mut(), Accum::Replace, x.transpose(), y, 1.0, Par::Seq);
        c.squared_norm_l2()
    };
    frob2(a.as_ref(), b.as_ref())
        / (frob2(a.as_ref(), a.as_ref()) * frob2(b.as_ref(), b.as_ref())).sqrt()
}

/// Function-space replica overlap of two predictors, given their outputs A and B (m × K) on
/// the same m inputs: with each output column centred over the inputs,
/// q = Σ_{μc} Ã_{μc} B̃_{μc} / (‖Ã‖_F ‖B̃‖_F) ∈ [−1, 1]. It is the normalized weight overlap
/// ⟨w¹, w²⟩/(‖w¹‖‖w²‖) of two linear models evaluated in function space, and depends on the
/// networks only through the functions they compute (so not on the permutation of their hidden
/// units). Constant outputs give NaN.
pub fn output_overlap(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let (m, k) = (a.nrows(), a.ncols());
    let mean = |x: MatRef<'_, f64>, c: usize| (0..m).map(|i| x[(i, c)]).sum::<f64>() / m as f64;
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for c in 0..k {
        let (ma, mb) = (mean(a, c), mean(b, c));
        for i in 0..m {
            let (u, v) = (a[(i, c)] - ma, b[(i, c)] - mb);
            ab += u * v;
            aa += u * u;
            bb += v * v;
        }
    }
    ab / (aa * bb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    fn toy(n: usize, d: usize, k: usize, seed: u64) -> Dataset {
        let mut rng = Streams::new(seed).stream(&[0]);
        let x: Mat<f64> = Mat::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
        let labels = (0..n)
            .map(|i| {
                // A nonlinear rule: the class is the bucket of x₀·x₁ + x₂.
                let v = x[(i, 0)] * x[(i, 1)] + x[(i, 2 % d)];
                ((v.tanh() + 1.0) / 2.0 * k as f64)
                    .floor()
                    .min(k as f64 - 1.0) as usize
            })
            .collect();
        Dataset::new(x, labels, k).unwrap()
    }

    #[test]
    fn backprop_matches_finite_differences() {
        let data = toy(7, 5, 3, 1);
        for hidden in [Hidden::Tanh, Hidden::Relu] {
            for loss in [Loss::CrossEntropy, Loss::Squared] {
                let mut rng = Streams::new(2).stream(&[0]);
                let mut net = TwoLayer::new(5, 4, 3, hidden, &mut rng).unwrap();
                // Non-zero biases, so their gradients are exercised too.
                for v in net.params_mut().iter_mut() {
                    let g: f64 = StandardNormal.sample(&mut rng);
                    *v += 0.1 * g;
                }
                let mut grad = vec![0.0; net.num_params()];
                let l = net.loss_and_gradient(data.x.as_ref(), &data.labels, loss, &mut grad);
                assert!((l - net.loss(&data, loss)).abs() < 1e-12);
                let eps = 1e-6;
                let mut worst: f64 = 0.0;
                for (p, g) in grad.iter().enumerate() {
                    let mut up = net.clone();
                    up.params_mut()[p] += eps;
                    let mut down = net.clone();
                    down.params_mut()[p] -= eps;
                    let fd = (up.loss(&data, loss) - down.loss(&data, loss)) / (2.0 * eps);
                    worst = worst.max((fd - g).abs());
                }
                // Central differences: error O(ε²) plus rounding O(1e-16/ε); a ReLU kink
                // inside ±ε would break this, which the random inputs make improbable.
                assert!(worst < 1e-7, "{hidden:?} {loss:?}: max |Δ| = {worst}");
            }
        }
    }

    #[test]
    fn sgd_lowers_the_loss_and_is_reproducible() {
        let data = toy(200, 6, 3, 3);
        let sgd = Sgd {
            lr: 0.1,
            batch: 20,
            weight_decay: 1e-4,
        };
        let run = || {
            let s = Streams::new(4);
            let mut net = TwoLayer::new(6, 16, 3, Hidden::Tanh, &mut s.stream(&[0])).unwrap();
            let before = net.loss(&data, Loss::CrossEntropy);
            net.train(&data, Loss::CrossEntropy, &sgd, 30, &mut s.stream(&[1]))
                .unwrap();
            (before, net)
        };
        let (before, net) = run();
        let after = net.loss(&data, Loss::CrossEntropy);
        assert!(after < 0.6 * before, "{before} → {after}");
        assert!(net.accuracy(&data) > 0.7);
        assert_eq!(run().1, net);
        let bad = Sgd { batch: 0, ..sgd };
        let mut n2 = net.clone();
        assert!(n2
            .train(
                &data,
                Loss::Squared,
                &bad,
                1,
                &mut Streams::new(0).stream(&[0])
            )
            .is_err());
        assert!(TwoLayer::new(0, 3, 2, Hidden::Relu, &mut Streams::new(0).stream(&[0])).is_err());
    }

    #[test]
    fn cka_is_one_for_rotations_and_small_for_independent_noise() {
        let mut rng = Streams::new(5).stream(&[0]);
        let a = Mat::from_fn(300, 4, |_, _| StandardNormal.sample(&mut rng));
        // B = 3 A Q + shift, with Q a rotation in the (0, 1) plane.
        let (c, s) = (0.6, 0.8);
        let b = Mat::from_fn(300, 4, |i, j| {
            3.0 * match j {
                0 => c * a[(i, 0)] - s * a[(i, 1)],
                1 => s * a[(i, 0)] + c * a[(i, 1)],
                _ => a[(i, j)],
            } + 7.0
        });
        assert!((cka(a.as_ref(), b.as_ref()) - 1.0).abs() < 1e-12);
        let noise = Mat::from_fn(300, 4, |_, _| StandardNormal.sample(&mut rng));
        // Independent 4-dimensional Gaussians: E CKA ≈ p q/(m ‖·‖…) ~ 4/300 here.
        assert!(cka(a.as_ref(), noise.as_ref()) < 0.1);
    }

    #[test]
    fn output_overlap_of_shifted_scaled_and_independent_outputs() {
        let mut rng = Streams::new(6).stream(&[0]);
        let a = Mat::from_fn(400, 3, |_, _| StandardNormal.sample(&mut rng));
        // A per-column shift leaves q = 1; a sign flip gives −1.
        let b = Mat::from_fn(400, 3, |i, j| 2.0 * a[(i, j)] + j as f64);
        assert!((output_overlap(a.as_ref(), b.as_ref()) - 1.0).abs() < 1e-12);
        let neg = Mat::from_fn(400, 3, |i, j| -a[(i, j)]);
        assert!((output_overlap(a.as_ref(), neg.as_ref()) + 1.0).abs() < 1e-12);
        // B = A + independent noise of equal variance: q = 1/√2 with standard error ≈ (1 − q²)/√(mK) ≈ 0.015.
        let c = Mat::from_fn(400, 3, |i, j| {
            let g: f64 = StandardNormal.sample(&mut rng);
            a[(i, j)] + g
        });
        let q = output_overlap(a.as_ref(), c.as_ref());
        assert!((q - 0.5f64.sqrt()).abs() < 0.06, "{q}");
    }
}
