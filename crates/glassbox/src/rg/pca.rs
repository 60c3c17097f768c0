//! Principal component analysis of spin configurations, and order-parameter curves.
//!
//! Rows of the data matrix X (M samples × N features) are configurations. With the column
//! means `x̄` removed, the sample covariance `C = (X − x̄)ᵀ(X − x̄) / M` is diagonalized
//! (faer, self-adjoint); the components are its unit eigenvectors `w_k` in order of
//! decreasing eigenvalue (variance) `σ_k²`, and a sample's projections are
//! `p_k = (x − x̄) · w_k`. For Ising configurations across T_c the leading component is the
//! uniform vector `w_1 ≈ (1, …, 1)/√N` (Wang 2016), so `p_1 / √N` is the magnetization per
//! spin. Component signs are fixed so that `Σ_i w_{k,i} ≥ 0`.
//!
//! [`OrderCurve`] turns per-configuration values of a candidate order parameter Z, grouped
//! by temperature, into `⟨Z⟩(T)` with error bars and its slope `χ(Z) = |d⟨Z⟩/dT|`, taken at
//! each grid temperature T_k as the slope of the least-squares line through the
//! `2·`[`SLOPE_HALF_WINDOW`]` + 1` neighbouring points (fewer at the ends): a smoothed finite
//! difference that tames the statistical noise of the means. The peak of χ, refined by a
//! parabola through the largest value and its neighbours, estimates T_c; its error is the
//! jackknife over blocks of configurations.
//!
//! A second, less noise-sensitive estimate fits the whole curve with a step,
//!
//! ```text
//! ⟨Z⟩(T) ≈ a + b · tanh((T − T*) / w),
//! ```
//!
//! by least squares weighted with the inverse squared error bars ([`TanhFit`]); the slope of
//! the fit is largest at its centre T*, which estimates the transition. Its error is the same
//! jackknife over blocks of configurations, the fit redone on every leave-one-block-out set
//! of means.

use faer::{Mat, Side};

use crate::error::{invalid, Result};
use crate::measure::{Estimate, Series};

/// Principal components of a data set.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Pca {
    /// Column means x̄ (length N).
    pub mean: Vec<f64>,
    /// The leading components `w_k` (unit vectors of length N), largest variance first.
    pub components: Vec<Vec<f64>>,
    /// Their variances σ_k² (eigenvalues of the covariance).
    pub variances: Vec<f64>,
    /// The fraction of the total variance each component explains.
    pub explained: Vec<f64>,
}

impl Pca {
    /// The projections `p_k = (x − x̄) · w_k` of one sample.
    pub fn project(&self, x: &[f64]) -> Vec<f64> {
        self.components
            .iter()
            .map(|w| {
                w.iter()
                    .zip(x.iter().zip(&self.mean))
                    .map(|(w, (x, m))| w * (x - m))
                    .sum()
            })
            .collect()
    }
}

/// The `k` leading principal components of the `m × n` row-major data `x` (m = x.len() / n
/// samples, at least 2; 1 ≤ k ≤ n).
pub fn pca(x: &[f64], n: usize, k: usize) -> Result<Pca> {
    if n == 0 || x.len() % n != 0 || x.len() / n < 2 {
        return Err(invalid(format!(
            "PCA needs at least 2 samples of n ≥ 1 features, got {} values for n = {n}",
            x.len()
        )));
    }
    if k == 0 || k > n {
        return Err(invalid(format!("PCA components must be 1 to {n}, got {k}")));
    }
    if let Some(v) = x.iter().find(|v| !v.is_finite()) {
        return Err(invalid(format!("PCA data must be finite, got {v}")));
    }
    let m = x.len() / n;
    let mut mean = vec![0.0; n];
    for row in x.chunks_exact(n) {
        for (a, v) in mean.iter_mut().zip(row) {
            *a += v / m as f64;
        }
    }
    let xc = Mat::from_fn(m, n, |i, j| x[i * n + j] - mean[j]);
    let cov = xc.transpose() * &xc * faer::Scale(1.0 / m as f64);
    let eig = cov
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| invalid("the covariance eigendecomposition did not converge"))?;
    // faer returns eigenvalues in ascending order.
    let (s, u) = (eig.S(), eig.U());
    let total: f64 = (0..n).map(|j| s[j].max(0.0)).sum();
    let mut components = Vec::with_capacity(k);
    let mut variances = Vec::with_capacity(k);
    for c in (n - k..n).rev() {
        let mut w: Vec<f64> = (0..n).map(|i| u[(i, c)]).collect();
        if w.iter().sum::<f64>() < 0.0 {
            w.iter_mut().for_each(|v| *v = -*v);
        }
        components.push(w);
        variances.push(s[c].max(0.0));
    }
    let explained = variances
        .iter()
        .map(|v| if total > 0.0 { v / total } else { 0.0 })
        .collect();
    Ok(Pca {
        mean,
        components,
        variances,
        explained,
    })
}

/// `⟨Z⟩(T)` and its slope for a candidate order parameter Z.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OrderCurve {
    /// The temperatures, increasing.
    pub temperatures: Vec<f64>,
    /// ⟨Z⟩ at each temperature with its error bar.
    pub mean: Vec<Estimate>,
    /// The temperatures where the slope is evaluated (the grid itself).
    pub midpoints: Vec<f64>,
    /// `χ(Z) = |d⟨Z⟩/dT|` there (windowed least-squares slope, see the module doc).
    pub chi: Vec<f64>,
    /// Temperature of the peak of χ (parabola through the largest χ and its neighbours).
    pub t_peak: f64,
    /// Jackknife error of `t_peak` over [`PEAK_BLOCKS`] contiguous blocks of every
    /// temperature's values (NaN with fewer values than blocks).
    pub t_peak_error: f64,
    /// The step fitted to `⟨Z⟩(T)`; its centre `fit.t_star` is where its slope peaks.
    pub fit: TanhFit,
    /// Jackknife error of `fit.t_star` (as for `t_peak_error`).
    pub t_star_error: f64,
}

/// The weighted least-squares fit `⟨Z⟩(T) ≈ a + b·tanh((T − T*)/w)` (see the module doc).
///
/// For fixed (T*, w) the model is linear in (a, b), solved exactly; (T*, w) are found by a
/// grid search (T* across the temperature range, w geometric from a quarter of the smallest
/// grid step to the whole range) refined by successive finer grids around the best point.
/// Weights are `1/(σ_k² + ε²)` with σ_k the error bar of the k-th mean and ε = 10⁻³ times
/// the range of the means, so that an exactly constant (σ = 0) point cannot dominate.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct TanhFit {
    /// Offset a.
    pub a: f64,
    /// Amplitude b (negative for a decreasing step).
    pub b: f64,
    /// Centre T*.
    pub t_star: f64,
    /// Width w (> 0).
    pub width: f64,
    /// Weighted sum of squared residuals χ² of the fit.
    pub chi2: f64,
}

/// Weighted least squares of `y ≈ a + b f` for fixed `f`; returns (a, b, χ²).
fn linear_step(f: &[f64], y: &[f64], wt: &[f64]) -> (f64, f64, f64) {
    let (mut s, mut sf, mut sy, mut sff, mut sfy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&f, &y), &w) in f.iter().zip(y).zip(wt) {
        s += w;
        sf += w * f;
        sy += w * y;
        sff += w * f * f;
        sfy += w * f * y;
    }
    let det = s * sff - sf * sf;
    let (a, b) = if det.abs() > 1e-12 * s * sff.max(f64::MIN_POSITIVE) {
        ((sff * sy - sf * sfy) / det, (s * sfy - sf * sy) / det)
    } else {
        (sy / s, 0.0)
    };
    let chi2 = f
        .iter()
        .zip(y)
        .zip(wt)
        .map(|((&f, &y), &w)| w * (y - a - b * f).powi(2))
        .sum();
    (a, b, chi2)
}

/// Fits `y(x) ≈ a + b·tanh((x − x*)/w)` with standard errors `sigma` (see [`TanhFit`]);
/// `x` increasing with at least 3 points.
pub fn fit_tanh(x: &[f64], y: &[f64], sigma: &[f64]) -> TanhFit {
    let (lo, hi) = (x[0], x[x.len() - 1]);
    let range = hi - lo;
    let step = x.windows(2).map(|w| w[1] - w[0]).fold(range, f64::min);
    let spread = y.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - y.iter().copied().fold(f64::INFINITY, f64::min);
    let eps2 = (1e-3 * spread).powi(2).max(f64::MIN_POSITIVE);
    let wt: Vec<f64> = sigma.iter().map(|s| 1.0 / (s * s + eps2)).collect();
    let mut f = vec![0.0; x.len()];
    let mut eval = |t: f64, w: f64| {
        for (fk, xk) in f.iter_mut().zip(x) {
            *fk = ((xk - t) / w).tanh();
        }
        let (a, b, chi2) = linear_step(&f, y, &wt);
        TanhFit {
            a,
            b,
            t_star: t,
            width: w,
            chi2,
        }
    };
    let (w_lo, w_hi) = (0.25 * step, range);
    let (nt, nw) = (4 * x.len(), 48);
    let mut best = TanhFit {
        chi2: f64::INFINITY,
        ..TanhFit::default()
    };
    for i in 0..=nt {
        let t = lo + range * i as f64 / nt as f64;
        for j in 0..=nw {
            let w = w_lo * (w_hi / w_lo).powf(j as f64 / nw as f64);
            let c = eval(t, w);
            if c.chi2 < best.chi2 {
                best = c;
            }
        }
    }
    // Refine: finer grids around the best point (T* step and ln w step halved each round).
    let (mut dt, mut dlw) = (range / nt as f64, (w_hi / w_lo).ln() / nw as f64);
    for _ in 0..30 {
        let centre = best;
        for i in -2i32..=2 {
            for j in -2i32..=2 {
                let t = (centre.t_star + dt * i as f64 * 0.5).clamp(lo, hi);
                let w = centre.width * (dlw * j as f64 * 0.5).exp();
                let c = eval(t, w);
                if c.chi2 < best.chi2 {
                    best = c;
                }
            }
        }
        dt *= 0.5;
        dlw *= 0.5;
    }
    best
}

/// Half-width (in grid points) of the window of the least-squares slope.
pub const SLOPE_HALF_WINDOW: usize = 1;

/// The windowed least-squares slopes `|d y/d x|` at every grid point (see the module doc).
fn windowed_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
    let h = SLOPE_HALF_WINDOW;
    (0..x.len())
        .map(|k| {
            let (lo, hi) = (k.saturating_sub(h), (k + h + 1).min(x.len()));
            let m = (hi - lo) as f64;
            let xm = x[lo..hi].iter().sum::<f64>() / m;
            let ym = y[lo..hi].iter().sum::<f64>() / m;
            let sxy: f64 = (lo..hi).map(|j| (x[j] - xm) * (y[j] - ym)).sum();
            let sxx: f64 = (lo..hi).map(|j| (x[j] - xm).powi(2)).sum();
            (sxy / sxx).abs()
        })
        .collect()
}

/// Jackknife blocks for the error of the χ peak.
pub const PEAK_BLOCKS: usize = 10;

/// The order curve of values `z[k]` (one per configuration) measured at `temperatures[k]`
/// (strictly increasing, at least 3).
pub fn order_curve(temperatures: &[f64], z: &[Vec<f64>]) -> Result<OrderCurve> {
    if temperatures.len() < 3 || temperatures.len() != z.len() {
        return Err(invalid(format!(
            "an order curve needs ≥ 3 temperatures with values for each, got {} and {}",
            temperatures.len(),
            z.len()
        )));
    }
    if temperatures
        .windows(2)
        .any(|w| w[1] <= w[0] || w[1].is_nan())
        || z.iter().any(|v| v.is_empty())
    {
        return Err(invalid(
            "temperatures must increase strictly and each needs at least one value",
        ));
    }
    let mean: Vec<Estimate> = z
        .iter()
        .map(|v| {
            let mut s = Series::default();
            v.iter().for_each(|&x| s.push(x));
            s.estimate()
        })
        .collect();
    let midpoints = temperatures.to_vec();
    let means: Vec<f64> = mean.iter().map(|e| e.mean).collect();
    let errors: Vec<f64> = mean.iter().map(|e| e.error).collect();
    let chi = windowed_slopes(temperatures, &means);
    let t_peak = peak(&midpoints, &chi);
    let fit = fit_tanh(temperatures, &means, &errors);
    let b = PEAK_BLOCKS;
    let jackknife = |f: &dyn Fn(&[f64]) -> f64| {
        if z.iter().any(|v| v.len() < b) {
            return f64::NAN;
        }
        let leave_out: Vec<f64> = (0..b)
            .map(|blk| {
                let means: Vec<f64> = z
                    .iter()
                    .map(|v| {
                        let per = v.len() / b;
                        let (lo, hi) = (blk * per, (blk + 1) * per);
                        let kept = v.len() - per;
                        v.iter()
                            .enumerate()
                            .filter(|(i, _)| *i < lo || *i >= hi)
                            .map(|(_, x)| x)
                            .sum::<f64>()
                            / kept as f64
                    })
                    .collect();
                f(&means)
            })
            .collect();
        let avg = leave_out.iter().sum::<f64>() / b as f64;
        (leave_out.iter().map(|t| (t - avg).powi(2)).sum::<f64>() * (b - 1) as f64 / b as f64)
            .sqrt()
    };
    let t_peak_error = jackknife(&|m| peak(&midpoints, &windowed_slopes(temperatures, m)));
    let t_star_error = jackknife(&|m| fit_tanh(temperatures, m, &errors).t_star);
    Ok(OrderCurve {
        t_peak_error,
        fit,
        t_star_error,
        temperatures: temperatures.to_vec(),
        mean,
        midpoints,
        chi,
        t_peak,
    })
}

/// The abscissa of the maximum of `y(x)`: the vertex of the parabola through the largest
/// value and its two neighbours (the grid point itself at an end or if the parabola is not
/// concave).
pub fn peak(x: &[f64], y: &[f64]) -> f64 {
    let k = (0..y.len())
        .max_by(|&a, &b| y[a].total_cmp(&y[b]))
        .expect("non-empty");
    if k == 0 || k + 1 == y.len() {
        return x[k];
    }
    let (x0, x1, x2) = (x[k - 1], x[k], x[k + 1]);
    let (y0, y1, y2) = (y[k - 1], y[k], y[k + 1]);
    let denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
    let a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
    let b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
    if a < 0.0 {
        (-b / (2.0 * a)).clamp(x0, x2)
    } else {
        x1
    }
}

/// The PCA order parameter of configurations grouped by temperature.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PcaOrder {
    /// The two leading components and their variances.
    pub pca: Pca,
    /// Overlap `Σ_i w_{1,i} / √N` of the leading component with the uniform unit vector.
    pub uniform_overlap: f64,
    /// `Z = |p_1| / √N` (≈ |m|) against temperature, its slope and peak.
    pub curve: OrderCurve,
}

/// The configurations `configs[t][k]` (±1, N spins each) pooled into one row-major
/// (configurations × N) matrix of f64, with N.
pub(crate) fn pooled(configs: &[Vec<Vec<i8>>]) -> Result<(Vec<f64>, usize)> {
    let n = configs
        .first()
        .and_then(|c| c.first())
        .map_or(0, |c| c.len());
    if configs.iter().flatten().any(|c| c.len() != n) {
        return Err(invalid(
            "all configurations must have the same number of spins",
        ));
    }
    let x = configs
        .iter()
        .flatten()
        .flatten()
        .map(|&s| s as f64)
        .collect();
    Ok((x, n))
}

/// PCA of all configurations `configs[t][k]` (±1, N spins each) pooled over the increasing
/// `temperatures`, and the order curve of `|p_1| / √N`.
pub fn pca_order_parameter(temperatures: &[f64], configs: &[Vec<Vec<i8>>]) -> Result<PcaOrder> {
    let (x, n) = pooled(configs)?;
    let p = pca(&x, n, 2.min(n))?;
    let root_n = (n as f64).sqrt();
    let z: Vec<Vec<f64>> = configs
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|c| {
                    let v: Vec<f64> = c.iter().map(|&s| s as f64).collect();
                    p.project(&v)[0].abs() / root_n
                })
                .collect()
        })
        .collect();
    let curve = order_curve(temperatures, &z)?;
    let uniform_overlap = p.components[0].iter().sum::<f64>() / root_n;
    Ok(PcaOrder {
        pca: p,
        uniform_overlap,
        curve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::sample::configurations;
    use crate::rng::Streams;

    /// Across T_c the leading component of 16² Ising configurations is the uniform vector.
    #[test]
    fn leading_component_is_uniform() {
        let temps: Vec<f64> = (0..10).map(|k| 1.6 + 0.2 * k as f64).collect();
        let conf = configurations(&[16, 16], &temps, 40, 1, 50, &Streams::new(5)).unwrap();
        let x: Vec<f64> = conf.iter().flatten().flatten().map(|&s| s as f64).collect();
        let p = pca(&x, 256, 2).unwrap();
        let overlap = p.components[0].iter().sum::<f64>() / 16.0;
        assert!(overlap > 0.95, "overlap with uniform = {overlap}");
        assert!(p.explained[0] > 3.0 * p.explained[1], "{:?}", p.explained);
        // Projections are the magnetization (times √N) relative to the mean.
        let row = &x[..256];
        let m = row.iter().sum::<f64>() / 16.0;
        let p1 = p.project(row)[0];
        assert!((p1 - m).abs() < 0.1 * 16.0, "p1 = {p1}, √N m = {m}");
    }

    /// The step fit recovers the centre of a noisy tanh within a few error bars, and a
    /// straight line (no step) does not masquerade as a sharp one.
    #[test]
    fn tanh_fit_finds_the_centre() {
        use rand::Rng as _;
        let mut rng = Streams::new(2).stream(&[0]);
        let x: Vec<f64> = (0..29).map(|k| 1.6 + 0.05 * k as f64).collect();
        let sigma = 0.01;
        let y: Vec<f64> = x
            .iter()
            .map(|&t| 0.5 - 0.4 * ((t - 2.31) / 0.12).tanh() + sigma * rng.random_range(-1.7..1.7))
            .collect();
        let f = fit_tanh(&x, &y, &vec![sigma; x.len()]);
        assert!((f.t_star - 2.31).abs() < 0.01, "{f:?}");
        assert!(
            (f.width - 0.12).abs() < 0.02 && (f.b + 0.4).abs() < 0.02,
            "{f:?}"
        );
        // χ² per degree of freedom ≈ 1 for a correct model.
        assert!(f.chi2 / 25.0 < 2.0, "{f:?}");
        let line: Vec<f64> = x.iter().map(|t| 1.0 - 0.3 * t).collect();
        let g = fit_tanh(&x, &line, &vec![sigma; x.len()]);
        assert!(g.width > 0.3, "{g:?}");
    }

    #[test]
    fn parabola_peak_and_bad_input() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y: Vec<f64> = x.iter().map(|v| -(v - 1.3f64).powi(2)).collect();
        assert!((peak(&x, &y) - 1.3).abs() < 1e-12);
        assert!(pca(&[1.0, 2.0], 2, 1).is_err());
        assert!(pca(&[1.0, 2.0, 3.0, 4.0], 2, 3).is_err());
        assert!(order_curve(&[1.0, 0.5, 2.0], &[vec![1.0], vec![1.0], vec![1.0]]).is_err());
    }
}
