//! Scaling laws: fit L(N) = a N^{−α} + c to measured curves (test loss against model or data
//! size), with bootstrap confidence intervals.
//!
//! For fixed α the model is linear in (a, c), so the least-squares problem is profiled: the
//! residual sum of squares RSS(α) (weighted by 1/err² when errors are given) is minimized over
//! α ∈ (0, 8] by a grid scan followed by Brent's method. Confidence intervals come from a
//! residual bootstrap: y* = ŷ + resampled residuals (scaled by their errors when weighted),
//! refitted `resamples` times; the intervals are the 2.5 % and 97.5 % percentiles.

use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::rng::Streams;
use crate::theory::numerics::maximize;

/// A fitted power law with 95 % bootstrap intervals.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct PowerLawFit {
    /// Amplitude a.
    pub a: f64,
    /// Exponent α.
    pub alpha: f64,
    /// Offset (irreducible loss) c.
    pub c: f64,
    /// 95 % interval of a.
    pub a_ci: [f64; 2],
    /// 95 % interval of α.
    pub alpha_ci: [f64; 2],
    /// 95 % interval of c.
    pub c_ci: [f64; 2],
    /// Residual sum of squares (weighted) at the optimum.
    pub rss: f64,
}

/// (a, c, RSS) of the weighted linear fit at fixed α.
fn linear_part(n: &[f64], y: &[f64], w: &[f64], alpha: f64) -> (f64, f64, f64) {
    let (mut s, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&ni, &yi), &wi) in n.iter().zip(y).zip(w) {
        let x = ni.powf(-alpha);
        s += wi;
        sx += wi * x;
        sy += wi * yi;
        sxx += wi * x * x;
        sxy += wi * x * yi;
    }
    let det = s * sxx - sx * sx;
    let a = (s * sxy - sx * sy) / det;
    let c = (sy - a * sx) / s;
    let rss = n
        .iter()
        .zip(y)
        .zip(w)
        .map(|((&ni, &yi), &wi)| wi * (yi - a * ni.powf(-alpha) - c).powi(2))
        .sum();
    (a, c, rss)
}

fn fit_once(n: &[f64], y: &[f64], w: &[f64]) -> Result<(f64, f64, f64, f64)> {
    let rss = |al: f64| linear_part(n, y, w, al).2;
    let grid: Vec<f64> = (1..=160).map(|k| k as f64 * 0.05).collect();
    let best = grid
        .iter()
        .copied()
        .min_by(|a, b| rss(*a).total_cmp(&rss(*b)))
        .unwrap_or(1.0);
    let (alpha, _) = maximize(
        |al| -rss(al),
        (best - 0.05).max(1e-3),
        (best + 0.05).min(8.0),
        1e-10,
    )?;
    let (a, c, r) = linear_part(n, y, w, alpha);
    Ok((a, alpha, c, r))
}

fn percentile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Fits L(N) = a N^{−α} + c to points (N_k, L_k) with optional standard errors; ≥ 4 points
/// with at least 3 distinct N > 0.
pub fn fit_power_law(
    sizes: &[f64],
    losses: &[f64],
    errors: Option<&[f64]>,
    resamples: usize,
    seed: u64,
) -> Result<PowerLawFit> {
    let k = sizes.len();
    let mut distinct: Vec<f64> = sizes.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if k < 4 || losses.len() != k || distinct.len() < 3 {
        return Err(invalid(format!(
            "a power-law fit needs ≥ 4 (size, loss) pairs with ≥ 3 distinct sizes (got {k} sizes, {} losses)",
            losses.len()
        )));
    }
    if sizes.iter().chain(losses).any(|v| !v.is_finite()) || sizes.iter().any(|&s| s <= 0.0) {
        return Err(invalid("sizes must be positive and every value finite"));
    }
    let w: Vec<f64> = match errors {
        Some(e) if e.len() == k && e.iter().all(|v| v.is_finite() && *v > 0.0) => {
            e.iter().map(|v| 1.0 / (v * v)).collect()
        }
        Some(_) => return Err(invalid("errors must be one positive number per point")),
        None => vec![1.0; k],
    };
    let (a, alpha, c, rss) = fit_once(sizes, losses, &w)?;
    let fitted: Vec<f64> = sizes.iter().map(|&s| a * s.powf(-alpha) + c).collect();
    // Standardized residuals, resampled and scaled back by each point's error.
    let scaled: Vec<f64> = losses
        .iter()
        .zip(&fitted)
        .zip(&w)
        .map(|((y, f), wi)| (y - f) * wi.sqrt())
        .collect();
    let mut rng = Streams::new(seed).stream(&[0]);
    let mut draws: [Vec<f64>; 3] = Default::default();
    for _ in 0..resamples {
        let y: Vec<f64> = fitted
            .iter()
            .zip(&w)
            .map(|(f, wi)| f + scaled[rng.random_range(0..k)] / wi.sqrt())
            .collect();
        if let Ok((a, al, c, _)) = fit_once(sizes, &y, &w) {
            draws[0].push(a);
            draws[1].push(al);
            draws[2].push(c);
        }
    }
    let ci = |v: &mut Vec<f64>| {
        if v.len() < 10 {
            [f64::NAN, f64::NAN]
        } else {
            [percentile(v, 0.025), percentile(v, 0.975)]
        }
    };
    let [da, dal, dc] = &mut draws;
    Ok(PowerLawFit {
        a,
        alpha,
        c,
        a_ci: ci(da),
        alpha_ci: ci(dal),
        c_ci: ci(dc),
        rss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn recovers_synthetic_exponents_inside_its_intervals() {
        let sizes: Vec<f64> = (0..10).map(|k| 10f64 * 2f64.powi(k)).collect();
        for (k, &(a, alpha, c)) in [(5.0, 0.5, 0.1), (20.0, 1.3, 0.0), (40.0, 0.8, 1.0)]
            .iter()
            .enumerate()
        {
            let noise = Normal::new(0.0, 0.002).unwrap();
            let mut rng = Streams::new(k as u64).stream(&[9]);
            let losses: Vec<f64> = sizes
                .iter()
                .map(|&s| a * s.powf(-alpha) + c + noise.sample(&mut rng))
                .collect();
            let errs = vec![0.002; sizes.len()];
            let fit = fit_power_law(&sizes, &losses, Some(&errs), 400, 1).unwrap();
            assert!((fit.alpha - alpha).abs() < 0.05, "{fit:?}");
            assert!(
                fit.alpha_ci[0] <= alpha && alpha <= fit.alpha_ci[1],
                "{fit:?}"
            );
            assert!(fit.alpha_ci[1] - fit.alpha_ci[0] < 0.2, "{fit:?}");
        }
        assert!(fit_power_law(&[1.0, 1.0, 2.0, 2.0], &[1.0; 4], None, 10, 0).is_err());
        assert!(fit_power_law(&sizes, &sizes[..3], None, 10, 0).is_err());
    }
}
