//! Dense linear algebra for the learning modules, on [`faer`] (blocked, vectorized GEMM and
//! factorizations). Matrices are [`Mat`] with samples as rows.

pub use faer::{Mat, MatRef};

use faer::linalg::solvers::Solve;
use faer::Side;

use crate::error::{invalid, Result};

/// Least squares with ridge penalty λ ≥ 0, normalized per sample:
/// ŵ = argmin ‖y − X w‖²/n + λ‖w‖², i.e. ŵ = (XᵀX/n + λ)⁻¹ Xᵀy/n.
///
/// With λ = 0 this is the minimum-norm solution X⁺y: the unique least-squares fit when
/// X (n × p) has full column rank p ≤ n, the interpolator of smallest norm when p > n. The
/// smaller Gram matrix is factored (Cholesky): p × p when p ≤ n, n × n (w = Xᵀ(XXᵀ + nλ)⁻¹y)
/// otherwise. A Gram matrix that is singular at λ = 0 is an error, not a silent answer.
pub fn ridge(x: MatRef<'_, f64>, y: &[f64], lambda: f64) -> Result<Vec<f64>> {
    let (n, p) = (x.nrows(), x.ncols());
    if y.len() != n || n == 0 || p == 0 {
        return Err(invalid(format!(
            "least squares needs n ≥ 1 samples, p ≥ 1 features and n targets (n = {n}, p = {p}, {} targets)",
            y.len()
        )));
    }
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(invalid(format!("ridge λ must be ≥ 0, got {lambda}")));
    }
    let yv = Mat::from_fn(n, 1, |i, _| y[i]);
    let shift = n as f64 * lambda;
    let singular = || {
        invalid(format!(
            "the {n} × {p} least-squares problem is singular at λ = {lambda}; use λ > 0"
        ))
    };
    let w = if p <= n {
        let mut g = x.transpose() * x;
        for k in 0..p {
            g[(k, k)] += shift;
        }
        let llt = g.llt(Side::Lower).map_err(|_| singular())?;
        llt.solve(x.transpose() * &yv)
    } else {
        let mut g = x * x.transpose();
        for k in 0..n {
            g[(k, k)] += shift;
        }
        let llt = g.llt(Side::Lower).map_err(|_| singular())?;
        x.transpose() * llt.solve(&yv)
    };
    Ok((0..p).map(|k| w[(k, 0)]).collect())
}

/// The Moore–Penrose pseudo-inverse solution X⁺y from the thin SVD (singular values below
/// `rcond`·σ_max count as zero): the slow, rank-revealing reference for [`ridge`] at λ = 0.
pub fn pseudo_inverse_solve(x: MatRef<'_, f64>, y: &[f64], rcond: f64) -> Result<Vec<f64>> {
    let svd = x
        .thin_svd()
        .map_err(|_| invalid("SVD did not converge".to_string()))?;
    let (u, s, v) = (svd.U(), svd.S(), svd.V());
    let smax = (0..s.dim()).map(|k| s[k]).fold(0.0, f64::max);
    let mut w = vec![0.0; x.ncols()];
    for k in 0..s.dim() {
        if s[k] > rcond * smax {
            let c = (0..y.len()).map(|i| u[(i, k)] * y[i]).sum::<f64>() / s[k];
            for (j, wj) in w.iter_mut().enumerate() {
                *wj += c * v[(j, k)];
            }
        }
    }
    Ok(w)
}

/// The rows of X times w: predictions X w.
pub fn predict(x: MatRef<'_, f64>, w: &[f64]) -> Vec<f64> {
    (0..x.nrows())
        .map(|i| (0..x.ncols()).map(|j| x[(i, j)] * w[j]).sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, StandardNormal};

    fn gaussian(n: usize, p: usize, seed: u64) -> Mat<f64> {
        let mut rng = crate::rng::Streams::new(seed).stream(&[0]);
        Mat::from_fn(n, p, |_, _| StandardNormal.sample(&mut rng))
    }

    #[test]
    fn ridgeless_equals_pseudo_inverse_on_both_sides_of_the_threshold() {
        for (n, p) in [(30, 12), (12, 30), (20, 20)] {
            let x = gaussian(n, p, (n * 100 + p) as u64);
            let y: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
            let a = ridge(x.as_ref(), &y, 0.0).unwrap();
            let b = pseudo_inverse_solve(x.as_ref(), &y, 1e-12).unwrap();
            let scale = b.iter().map(|v| v * v).sum::<f64>().sqrt();
            for (u, v) in a.iter().zip(&b) {
                assert!(
                    (u - v).abs() < 1e-8 * scale.max(1.0),
                    "n={n} p={p}: {u} vs {v}"
                );
            }
            if p >= n {
                // An interpolator: zero training error.
                let fit = predict(x.as_ref(), &a);
                assert!(fit.iter().zip(&y).all(|(f, t)| (f - t).abs() < 1e-8));
            }
        }
    }

    #[test]
    fn ridge_solves_its_normal_equations_and_rejects_bad_input() {
        let (n, p, lambda) = (25, 8, 0.3);
        let x = gaussian(n, p, 5);
        let y: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
        let w = ridge(x.as_ref(), &y, lambda).unwrap();
        // Gradient of ‖y − Xw‖²/n + λ‖w‖² vanishes: Xᵀ(Xw − y)/n + λ w = 0.
        let r: Vec<f64> = predict(x.as_ref(), &w)
            .iter()
            .zip(&y)
            .map(|(a, b)| a - b)
            .collect();
        for j in 0..p {
            let g = (0..n).map(|i| x[(i, j)] * r[i]).sum::<f64>() / n as f64 + lambda * w[j];
            assert!(g.abs() < 1e-10);
        }
        assert!(ridge(x.as_ref(), &y[..3], 0.0).is_err());
        assert!(ridge(x.as_ref(), &y, -1.0).is_err());
        // Two identical columns: singular without a penalty.
        let dup = Mat::from_fn(n, 2, |i, _| x[(i, 0)]);
        assert!(ridge(dup.as_ref(), &y, 0.0)
            .unwrap_err()
            .to_string()
            .contains("singular"));
    }
}
