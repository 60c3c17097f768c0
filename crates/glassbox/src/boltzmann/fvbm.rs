//! The fully visible Boltzmann machine: N ±1 units with pairwise couplings and biases,
//! `p(s) = exp(Σ_{i<j} J_ij s_i s_j + Σ_i h_i s_i) / Z` — the Ising model `H = −Σ J s s − Σ h s`
//! at β = 1 ([`Fvbm::to_ising`]).
//!
//! For data s¹…s^M the average log-likelihood is `L = ⟨Σ_{i<j} J_ij s_i s_j + h·s⟩_data − ln Z`,
//! and its gradient is the Boltzmann-learning difference of correlations,
//! `∂L/∂J_ij = ⟨s_i s_j⟩_data − ⟨s_i s_j⟩_model`, `∂L/∂h_i = ⟨s_i⟩_data − ⟨s_i⟩_model`.
//! For N ≤ [`MAX_EXACT`] the model averages and ln Z come from exact enumeration (Gray-code
//! order, blocks in parallel), so both are exact. L is concave in (J, h), so gradient ascent
//! ([`Fvbm::fit`]) reaches the maximum-likelihood estimate. For larger N the model averages
//! come from heat-bath Gibbs sampling instead ([`Fvbm::gradient_mc`]): independent chains,
//! P(s_i = +1 | rest) = σ(2(h_i + Σ_k J_ik s_k)), with error bars from the spread of the
//! per-chain averages.

use rand::Rng as _;
use rayon::prelude::*;

use crate::error::{invalid, Error, Result};
use crate::model::Ising;
use crate::rng::Streams;

/// Largest N handled by exact enumeration.
pub const MAX_EXACT: usize = 20;

/// A fully visible Boltzmann machine with dense symmetric couplings (zero diagonal).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fvbm {
    n: usize,
    j: Vec<f64>,
    h: Vec<f64>,
}

/// Exact model averages: ln Z, ⟨s_i⟩ and ⟨s_i s_j⟩ (n × n, row-major, unit diagonal).
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    /// ln Z.
    pub log_z: f64,
    /// ⟨s_i⟩.
    pub mean: Vec<f64>,
    /// ⟨s_i s_j⟩.
    pub corr: Vec<f64>,
}

/// Settings of the Monte Carlo model averages ([`Fvbm::gradient_mc`]).
#[derive(Clone, Debug, PartialEq)]
pub struct McSpec {
    /// Independent chains (≥ 2), each started from random ±1 states.
    pub chains: usize,
    /// Sweeps discarded per chain.
    pub burn_in: usize,
    /// Sweeps measured per chain.
    pub samples: usize,
}

/// A Monte Carlo gradient with its standard errors (same layouts as [`Fvbm::gradient`]).
#[derive(Clone, Debug, PartialEq)]
pub struct McGradient {
    /// ∂L/∂J (n × n, zero diagonal).
    pub dj: Vec<f64>,
    /// ∂L/∂h.
    pub dh: Vec<f64>,
    /// Standard errors of `dj` (from the spread of per-chain averages).
    pub dj_err: Vec<f64>,
    /// Standard errors of `dh`.
    pub dh_err: Vec<f64>,
}

/// Running weighted sums relative to the largest log-weight met so far.
struct Acc {
    max: f64,
    z: f64,
    m: Vec<f64>,
    c: Vec<f64>,
}

impl Acc {
    fn new(n: usize) -> Self {
        Acc {
            max: f64::NEG_INFINITY,
            z: 0.0,
            m: vec![0.0; n],
            c: vec![0.0; n * n],
        }
    }

    fn rescale(&mut self, f: f64) {
        self.z *= f;
        self.m.iter_mut().for_each(|x| *x *= f);
        self.c.iter_mut().for_each(|x| *x *= f);
    }

    fn add(&mut self, lw: f64, s: &[f64]) {
        if lw > self.max {
            if self.max > f64::NEG_INFINITY {
                self.rescale((self.max - lw).exp());
            }
            self.max = lw;
        }
        let w = (lw - self.max).exp();
        let n = s.len();
        self.z += w;
        for i in 0..n {
            let ws = w * s[i];
            self.m[i] += ws;
            let row = &mut self.c[i * n..(i + 1) * n];
            for (cij, sj) in row.iter_mut().zip(s) {
                *cij += ws * sj;
            }
        }
    }

    fn merge(mut self, mut o: Acc) -> Acc {
        if o.max == f64::NEG_INFINITY {
            return self;
        }
        if o.max > self.max {
            std::mem::swap(&mut self, &mut o);
        }
        let f = (o.max - self.max).exp();
        self.z += f * o.z;
        self.m.iter_mut().zip(&o.m).for_each(|(a, b)| *a += f * b);
        self.c.iter_mut().zip(&o.c).for_each(|(a, b)| *a += f * b);
        self
    }
}

impl Fvbm {
    /// A machine on `n` units with couplings `j` (n × n row-major, symmetric, zero diagonal)
    /// and biases `h`.
    pub fn new(n: usize, j: Vec<f64>, h: Vec<f64>) -> Result<Self> {
        if n == 0 || j.len() != n * n || h.len() != n {
            return Err(invalid(format!(
                "a Boltzmann machine on {n} units needs {} couplings and {n} biases (got {} and {})",
                n * n,
                j.len(),
                h.len()
            )));
        }
        if j.iter().chain(&h).any(|x| !x.is_finite()) {
            return Err(invalid("couplings and biases must be finite"));
        }
        for a in 0..n {
            if j[a * n + a] != 0.0 {
                return Err(invalid(format!("self-coupling J[{a}][{a}] must be zero")));
            }
            for b in 0..a {
                if j[a * n + b] != j[b * n + a] {
                    return Err(invalid(format!("couplings not symmetric at ({a}, {b})")));
                }
            }
        }
        Ok(Fvbm { n, j, h })
    }

    /// The machine with all parameters zero.
    pub fn zeros(n: usize) -> Result<Self> {
        Self::new(n, vec![0.0; n * n], vec![0.0; n])
    }

    /// Number of units.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Couplings J (n × n, row-major).
    pub fn couplings(&self) -> &[f64] {
        &self.j
    }

    /// Biases h.
    pub fn biases(&self) -> &[f64] {
        &self.h
    }

    /// The same distribution as an [`Ising`] model at β = 1.
    pub fn to_ising(&self) -> Result<Ising> {
        Ising::from_dense(self.n, self.j.clone(), self.h.clone())
    }

    /// ln of the unnormalized probability, Σ_{i<j} J_ij s_i s_j + h·s.
    pub fn log_weight(&self, s: &[f64]) -> f64 {
        let n = self.n;
        let mut pair = 0.0;
        for i in 0..n {
            for k in (i + 1)..n {
                pair += self.j[i * n + k] * s[i] * s[k];
            }
        }
        pair + s.iter().zip(&self.h).map(|(a, b)| a * b).sum::<f64>()
    }

    /// Exact ln Z, ⟨s_i⟩, ⟨s_i s_j⟩ by enumerating all 2^N states (N ≤ [`MAX_EXACT`]).
    pub fn exact(&self) -> Result<Moments> {
        let n = self.n;
        if n > MAX_EXACT {
            return Err(invalid(format!(
                "exact enumeration is limited to N ≤ {MAX_EXACT} units, the machine has {n}"
            )));
        }
        let top = n.min(6);
        let low = n - top;
        let acc = (0..1usize << top)
            .into_par_iter()
            .map(|block| {
                let mut s: Vec<f64> = (0..n)
                    .map(|i| {
                        if i >= low && (block >> (i - low)) & 1 == 1 {
                            1.0
                        } else {
                            -1.0
                        }
                    })
                    .collect();
                // Local fields L_i = h_i + Σ_k J_ik s_k.
                let mut field: Vec<f64> = (0..n)
                    .map(|i| self.h[i] + (0..n).map(|k| self.j[i * n + k] * s[k]).sum::<f64>())
                    .collect();
                let mut lw = self.log_weight(&s);
                let mut acc = Acc::new(n);
                acc.add(lw, &s);
                for step in 1..(1usize << low) {
                    let i = step.trailing_zeros() as usize;
                    lw -= 2.0 * s[i] * field[i];
                    s[i] = -s[i];
                    let d = 2.0 * s[i];
                    for (k, f) in field.iter_mut().enumerate() {
                        *f += self.j[k * n + i] * d;
                    }
                    acc.add(lw, &s);
                }
                acc
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold(Acc::new(n), Acc::merge);
        Ok(Moments {
            log_z: acc.max + acc.z.ln(),
            mean: acc.m.iter().map(|x| x / acc.z).collect(),
            corr: acc.c.iter().map(|x| x / acc.z).collect(),
        })
    }

    pub(crate) fn check_data(&self, data: &[f64]) -> Result<usize> {
        if data.is_empty() || data.len() % self.n != 0 {
            return Err(invalid(format!(
                "data must be non-empty whole rows of {} units",
                self.n
            )));
        }
        if data.iter().any(|&x| x != 1.0 && x != -1.0) {
            return Err(invalid("data entries must be ±1"));
        }
        Ok(data.len() / self.n)
    }

    /// Data averages (⟨s_i⟩, ⟨s_i s_j⟩) of ±1 rows.
    fn data_moments(&self, data: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let m = self.check_data(data)? as f64;
        let n = self.n;
        let mut mean = vec![0.0; n];
        let mut corr = vec![0.0; n * n];
        for s in data.chunks(n) {
            for i in 0..n {
                mean[i] += s[i] / m;
                for k in 0..n {
                    corr[i * n + k] += s[i] * s[k] / m;
                }
            }
        }
        Ok((mean, corr))
    }

    /// Exact average log-likelihood per example of ±1 rows `data`.
    pub fn log_likelihood(&self, data: &[f64]) -> Result<f64> {
        let m = self.check_data(data)?;
        let lz = self.exact()?.log_z;
        Ok(data.chunks(self.n).map(|s| self.log_weight(s)).sum::<f64>() / m as f64 - lz)
    }

    /// Exact gradient of [`Fvbm::log_likelihood`]: (∂L/∂J as an n × n symmetric matrix with
    /// zero diagonal — the derivative with respect to the pair coupling J_ij = J_ji — and
    /// ∂L/∂h).
    pub fn gradient(&self, data: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let (dm, dc) = self.data_moments(data)?;
        let ex = self.exact()?;
        let n = self.n;
        let mut gj: Vec<f64> = dc.iter().zip(&ex.corr).map(|(a, b)| a - b).collect();
        for i in 0..n {
            gj[i * n + i] = 0.0;
        }
        let gh = dm.iter().zip(&ex.mean).map(|(a, b)| a - b).collect();
        Ok((gj, gh))
    }

    /// Monte Carlo gradient of the log-likelihood for any N: data correlations minus model
    /// correlations estimated by `spec.chains` independent heat-bath Gibbs chains (chain c
    /// draws from `streams.stream(&[GIBBS, c])`, run in parallel).
    pub fn gradient_mc(
        &self,
        data: &[f64],
        spec: &McSpec,
        streams: &Streams,
    ) -> Result<McGradient> {
        if spec.chains < 2 || spec.samples == 0 {
            return Err(invalid(format!(
                "Monte Carlo averages need ≥ 2 chains and ≥ 1 measured sweep (got {} and {})",
                spec.chains, spec.samples
            )));
        }
        let (dm, dc) = self.data_moments(data)?;
        let n = self.n;
        let per_chain: Vec<(Vec<f64>, Vec<f64>)> = (0..spec.chains)
            .into_par_iter()
            .map(|c| {
                let mut rng = streams.stream(&[super::purpose::GIBBS, c as u64]);
                let mut s: Vec<f64> = (0..n)
                    .map(|_| if rng.random_bool(0.5) { 1.0 } else { -1.0 })
                    .collect();
                let mut mean = vec![0.0; n];
                let mut corr = vec![0.0; n * n];
                for t in 0..spec.burn_in + spec.samples {
                    for i in 0..n {
                        let field = self.h[i] + super::rbm::dot(&self.j[i * n..(i + 1) * n], &s);
                        s[i] = if rng.random::<f64>() < super::sigmoid(2.0 * field) {
                            1.0
                        } else {
                            -1.0
                        };
                    }
                    if t >= spec.burn_in {
                        for i in 0..n {
                            mean[i] += s[i];
                            for k in 0..n {
                                corr[i * n + k] += s[i] * s[k];
                            }
                        }
                    }
                }
                let w = 1.0 / spec.samples as f64;
                mean.iter_mut().for_each(|x| *x *= w);
                corr.iter_mut().for_each(|x| *x *= w);
                (mean, corr)
            })
            .collect();
        let c = spec.chains as f64;
        // Mean over chains and its standard error, for the first (means) or second
        // (correlations) per-chain vector.
        let stats = |second: bool, len: usize| {
            let pick = |pc: &(Vec<f64>, Vec<f64>)| if second { pc.1.clone() } else { pc.0.clone() };
            let mut m = vec![0.0; len];
            for pc in &per_chain {
                m.iter_mut().zip(pick(pc)).for_each(|(a, x)| *a += x / c);
            }
            let mut v = vec![0.0; len];
            for pc in &per_chain {
                v.iter_mut()
                    .zip(pick(pc))
                    .zip(&m)
                    .for_each(|((a, x), mu)| *a += (x - mu).powi(2) / (c - 1.0));
            }
            let err: Vec<f64> = v.iter().map(|x| (x / c).sqrt()).collect();
            (m, err)
        };
        let (mm, mm_err) = stats(false, n);
        let (mc, mut mc_err) = stats(true, n * n);
        let mut dj: Vec<f64> = dc.iter().zip(&mc).map(|(a, b)| a - b).collect();
        for i in 0..n {
            dj[i * n + i] = 0.0;
            mc_err[i * n + i] = 0.0;
        }
        Ok(McGradient {
            dj,
            dh: dm.iter().zip(&mm).map(|(a, b)| a - b).collect(),
            dj_err: mc_err,
            dh_err: mm_err,
        })
    }

    /// Maximum-likelihood fit by exact gradient ascent (the Boltzmann learning rule) from
    /// zero parameters, with step `rate`, until the largest gradient component is below
    /// `tol` (an [`Error::NotConverged`] after `max_iter` steps).
    pub fn fit(data: &[f64], n: usize, rate: f64, tol: f64, max_iter: usize) -> Result<Fvbm> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid(format!("learning rate must be > 0, got {rate}")));
        }
        let mut model = Fvbm::zeros(n)?;
        let (dm, dc) = model.data_moments(data)?;
        let mut residual = f64::INFINITY;
        for _ in 0..max_iter {
            let ex = model.exact()?;
            residual = 0.0;
            for i in 0..n {
                let g = dm[i] - ex.mean[i];
                residual = f64::max(residual, g.abs());
                model.h[i] += rate * g;
                for k in 0..n {
                    if k != i {
                        let g = dc[i * n + k] - ex.corr[i * n + k];
                        residual = f64::max(residual, g.abs());
                        model.j[i * n + k] += rate * g;
                    }
                }
            }
            if residual < tol {
                return Ok(model);
            }
        }
        Err(Error::NotConverged {
            what: "Boltzmann-machine maximum likelihood".into(),
            iterations: max_iter,
            residual,
        })
    }

    /// Maximum-likelihood learning for any N with Monte Carlo model averages: from zero
    /// parameters, `iterations` steps of `J ← J + rate · ∂̂L/∂J`, `h ← h + rate · ∂̂L/∂h`,
    /// the estimate of step t from [`Fvbm::gradient_mc`] with `streams.child(&[t])`. Returns
    /// the machine and, per step, the largest |component| of the estimated gradient (which
    /// levels off at the Monte Carlo noise, ~ 1/√(chains · samples)).
    pub fn fit_mc(
        data: &[f64],
        n: usize,
        rate: f64,
        iterations: usize,
        spec: &McSpec,
        streams: &Streams,
    ) -> Result<(Fvbm, Vec<f64>)> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid(format!("learning rate must be > 0, got {rate}")));
        }
        let mut model = Fvbm::zeros(n)?;
        let mut trace = Vec::with_capacity(iterations);
        for t in 0..iterations {
            let g = model.gradient_mc(data, spec, &streams.child(&[t as u64]))?;
            let largest =
                g.dj.iter()
                    .chain(&g.dh)
                    .fold(0.0, |m: f64, x| m.max(x.abs()));
            trace.push(largest);
            model
                .j
                .iter_mut()
                .zip(&g.dj)
                .for_each(|(x, d)| *x += rate * d);
            model
                .h
                .iter_mut()
                .zip(&g.dh)
                .for_each(|(x, d)| *x += rate * d);
        }
        Ok((model, trace))
    }

    /// Pseudo-log-likelihood per row of ±1 `data`, (1/M) Σ_m Σ_i ln P(s_i | s_{−i}) with
    /// `ln P(s_i | s_{−i}) = −softplus(−2 s_i (h_i + Σ_k J_ik s_k))` (Besag 1975): computable
    /// for any N, unlike the likelihood.
    pub fn pseudo_log_likelihood(&self, data: &[f64]) -> Result<f64> {
        let m = self.check_data(data)?;
        let n = self.n;
        let total: f64 = data
            .par_chunks(n)
            .map(|s| {
                (0..n)
                    .map(|i| {
                        let field = self.h[i] + super::rbm::dot(&self.j[i * n..(i + 1) * n], s);
                        -super::softplus(-2.0 * s[i] * field)
                    })
                    .sum::<f64>()
            })
            .sum();
        Ok(total / m as f64)
    }

    /// `count` independent exact draws (rows of ±1) by inverting the cumulative distribution
    /// over the 2^N states, using `streams.stream(&[EXACT])`.
    pub fn sample_exact(&self, count: usize, streams: &Streams) -> Result<Vec<f64>> {
        let n = self.n;
        let lz = self.exact()?.log_z;
        let state = |k: usize| -> Vec<f64> {
            (0..n)
                .map(|i| if (k >> i) & 1 == 1 { 1.0 } else { -1.0 })
                .collect()
        };
        let mut cdf = Vec::with_capacity(1 << n);
        let mut c = 0.0;
        for k in 0..1usize << n {
            c += (self.log_weight(&state(k)) - lz).exp();
            cdf.push(c);
        }
        let mut rng = streams.stream(&[super::purpose::EXACT]);
        let mut out = Vec::with_capacity(count * n);
        for _ in 0..count {
            let u = rng.random::<f64>() * c;
            let k = cdf.partition_point(|&x| x < u).min((1 << n) - 1);
            out.extend(state(k));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::linalg::solvers::Solve;
    use faer::{Mat, Side};
    use rand_distr::{Distribution, StandardNormal};

    fn random(n: usize, scale: f64, seed: u64) -> Fvbm {
        let mut rng = Streams::new(seed).stream(&[0]);
        let mut j = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..a {
                let x: f64 = StandardNormal.sample(&mut rng);
                j[a * n + b] = scale * x;
                j[b * n + a] = scale * x;
            }
        }
        let h = (0..n)
            .map(|_| 0.3 * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
            .collect();
        Fvbm::new(n, j, h).unwrap()
    }

    #[test]
    fn enumeration_agrees_with_the_ising_reference() {
        let m = random(9, 0.4, 1);
        let ex = m.exact().unwrap();
        let reference = crate::exact::enumerate::enumerate(&m.to_ising().unwrap(), &[1.0]).unwrap();
        assert!((ex.log_z - 9.0 * reference.points[0].ln_z_per_spin).abs() < 1e-10);
        assert!(ex.corr.iter().step_by(10).all(|c| (c - 1.0).abs() < 1e-12));
        assert!(Fvbm::new(2, vec![0.0, 1.0, 2.0, 0.0], vec![0.0; 2]).is_err());
        assert!(Fvbm::new(2, vec![1.0, 0.0, 0.0, 0.0], vec![0.0; 2]).is_err());
        assert!(Fvbm::zeros(21).unwrap().exact().is_err());
        assert!(m.log_likelihood(&[0.0; 9]).is_err());
    }

    /// The Monte Carlo gradient agrees with the exact one (N = 12) within 4.5 standard
    /// errors in every component.
    #[test]
    fn monte_carlo_gradient_agrees_with_the_exact_one() {
        let m = random(12, 0.3, 8);
        let data = random(12, 0.3, 9)
            .sample_exact(300, &Streams::new(2))
            .unwrap();
        let (gj, gh) = m.gradient(&data).unwrap();
        let spec = McSpec {
            chains: 64,
            burn_in: 50,
            samples: 300,
        };
        let mc = m.gradient_mc(&data, &spec, &Streams::new(3)).unwrap();
        let mut worst: f64 = 0.0;
        for (k, g) in gj.iter().enumerate() {
            if k % 13 != 0 {
                worst = worst.max((mc.dj[k] - g).abs() / mc.dj_err[k]);
            }
        }
        for (i, g) in gh.iter().enumerate() {
            worst = worst.max((mc.dh[i] - g).abs() / mc.dh_err[i]);
        }
        assert!(worst < 4.5, "largest deviation {worst}σ");
        // A wrong model is detected: the gradient of another machine differs.
        let other = random(12, 0.3, 10).gradient(&data).unwrap().0;
        let off: f64 = (0..144)
            .filter(|k| k % 13 != 0)
            .map(|k| (mc.dj[k] - other[k]).abs() / mc.dj_err[k])
            .fold(0.0, f64::max);
        assert!(off > 6.0, "{off}");
        assert!(m
            .gradient_mc(&data, &McSpec { chains: 1, ..spec }, &Streams::new(3))
            .is_err());
    }

    /// The exact gradient matches central finite differences of the exact log-likelihood.
    /// Monte Carlo learning (the route for N > 20) reaches the exact maximum-likelihood fit
    /// of a 10-unit machine: its exact log-likelihood is within 0.01 nats per row of the
    /// exact fit's, and the pseudo-log-likelihood matches its definition by enumeration.
    #[test]
    fn monte_carlo_learning_reaches_the_exact_fit() {
        let n = 10;
        let teacher = random(n, 0.3, 8);
        let data = teacher.sample_exact(3000, &Streams::new(2)).unwrap();
        let exact = Fvbm::fit(&data, n, 0.1, 1e-7, 50_000).unwrap();
        let spec = McSpec {
            chains: 40,
            burn_in: 20,
            samples: 25,
        };
        let (mc, trace) = Fvbm::fit_mc(&data, n, 0.2, 150, &spec, &Streams::new(3)).unwrap();
        let (le, lm) = (
            exact.log_likelihood(&data).unwrap(),
            mc.log_likelihood(&data).unwrap(),
        );
        let l0 = Fvbm::zeros(n).unwrap().log_likelihood(&data).unwrap();
        assert!(
            le - lm < 0.01 && le - l0 > 0.1,
            "exact {le}, MC {lm}, start {l0}"
        );
        assert!(trace[0] > 5.0 * trace[trace.len() - 1], "{trace:?}");
        // Pseudo-likelihood by its definition: ln p(s) − ln(p(s) + p(s with s_i flipped)).
        let rows = &data[..5 * n];
        let want: f64 = rows
            .chunks(n)
            .map(|s| {
                (0..n)
                    .map(|i| {
                        let mut f = s.to_vec();
                        f[i] = -f[i];
                        let (a, b) = (mc.log_weight(s), mc.log_weight(&f));
                        a - crate::boltzmann::log_sum_exp(&[a, b])
                    })
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 5.0;
        assert!((mc.pseudo_log_likelihood(rows).unwrap() - want).abs() < 1e-10);
        assert!(Fvbm::fit_mc(&data, n, -1.0, 1, &spec, &Streams::new(3)).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let n = 7;
        let m = random(n, 0.5, 2);
        let data = random(n, 0.3, 3)
            .sample_exact(300, &Streams::new(4))
            .unwrap();
        let (gj, gh) = m.gradient(&data).unwrap();
        let eps = 1e-5;
        let ll = |f: &Fvbm| f.log_likelihood(&data).unwrap();
        for (a, b) in [(0, 1), (2, 6), (3, 4)] {
            let shifted = |d: f64| {
                let mut j = m.j.clone();
                j[a * n + b] += d;
                j[b * n + a] += d;
                Fvbm::new(n, j, m.h.clone()).unwrap()
            };
            let fd = (ll(&shifted(eps)) - ll(&shifted(-eps))) / (2.0 * eps);
            assert!(
                (fd - gj[a * n + b]).abs() < 1e-7,
                "J{a}{b}: {fd} vs {}",
                gj[a * n + b]
            );
        }
        for i in [0, 5] {
            let shifted = |d: f64| {
                let mut h = m.h.clone();
                h[i] += d;
                Fvbm::new(n, m.j.clone(), h).unwrap()
            };
            let fd = (ll(&shifted(eps)) - ll(&shifted(-eps))) / (2.0 * eps);
            assert!((fd - gh[i]).abs() < 1e-7, "h{i}: {fd} vs {}", gh[i]);
        }
    }

    /// Boltzmann learning on data drawn from a known machine recovers its couplings and
    /// biases within 4.5 standard errors, the errors from the inverse Fisher information
    /// (the exact covariance of the sufficient statistics) divided by the sample size.
    #[test]
    fn exact_learning_recovers_the_couplings() {
        let (n, count) = (6, 20_000);
        let truth = random(n, 0.5, 5);
        let data = truth.sample_exact(count, &Streams::new(6)).unwrap();
        let fit = Fvbm::fit(&data, n, 0.1, 1e-9, 50_000).unwrap();
        // Sufficient statistics φ = (s_a s_b for a < b, s_i).
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|a| ((a + 1)..n).map(move |b| (a, b)))
            .collect();
        let dim = pairs.len() + n;
        let phi = |s: &[f64]| -> Vec<f64> {
            pairs
                .iter()
                .map(|&(a, b)| s[a] * s[b])
                .chain(s.iter().copied())
                .collect()
        };
        let lz = truth.exact().unwrap().log_z;
        let mut mean = vec![0.0; dim];
        let mut second = Mat::<f64>::zeros(dim, dim);
        for k in 0..1usize << n {
            let s: Vec<f64> = (0..n)
                .map(|i| if (k >> i) & 1 == 1 { 1.0 } else { -1.0 })
                .collect();
            let p = (truth.log_weight(&s) - lz).exp();
            let f = phi(&s);
            for x in 0..dim {
                mean[x] += p * f[x];
                for y in 0..dim {
                    second[(x, y)] += p * f[x] * f[y];
                }
            }
        }
        let fisher = Mat::from_fn(dim, dim, |x, y| second[(x, y)] - mean[x] * mean[y]);
        let inv = fisher
            .llt(Side::Lower)
            .unwrap()
            .solve(Mat::<f64>::identity(dim, dim));
        let theta = |m: &Fvbm| -> Vec<f64> {
            pairs
                .iter()
                .map(|&(a, b)| m.j[a * n + b])
                .chain(m.h.iter().copied())
                .collect()
        };
        let (t, f) = (theta(&truth), theta(&fit));
        for x in 0..dim {
            let se = (inv[(x, x)] / count as f64).sqrt();
            assert!(
                (f[x] - t[x]).abs() < 4.5 * se,
                "parameter {x}: fit {} vs true {} (se {se})",
                f[x],
                t[x]
            );
        }
    }
}
