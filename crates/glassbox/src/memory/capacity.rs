//! The storage-capacity experiment of the Hebbian network and its finite-size analysis.
//!
//! For each size N and load α (p = round(αN) random unbiased patterns, `samples` independent
//! pattern sets), the network is started exactly at each of the first `starts` patterns and
//! relaxed by asynchronous T = 0 dynamics; the final overlap m with the start pattern is
//! recorded. Below capacity m stays close to 1 (AGS: m ≥ 0.967 for α ≤ α_c = 0.138); above
//! it the state slides away to a spin-glass state of small overlap. At finite N the drop is
//! smooth, and the load where it happens, α_c(N), is located in two ways:
//!
//! - `alpha_c_mean`: where the mean final overlap crosses `mean_threshold` (linear
//!   interpolation on the α grid);
//! - `alpha_c_half`: where the fraction of runs with m ≥ `success_overlap` crosses 1/2 (the
//!   overlap distribution is bimodal there, with equal weights).
//!
//! α_c(∞) follows from a straight-line fit of α_c(N) against 1/N or 1/√N.
//! Work items (N, α, sample) run in parallel; each draws from streams keyed by (N, bits of α,
//! sample), so results are the same for any thread count and adding grid points leaves the
//! others unchanged.

use rayon::prelude::*;

use super::dynamics::{run, Dynamics};
use super::network::Hebbian;
use super::patterns::Patterns;
use super::retrieval::mean_and_error;
use crate::error::{invalid, Result};
use crate::rng::{purpose, Streams};

/// Settings of a capacity experiment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapacitySpec {
    /// Network sizes N.
    pub sizes: Vec<usize>,
    /// Loads α, increasing.
    pub alphas: Vec<f64>,
    /// Independent pattern sets per (N, α).
    pub samples: usize,
    /// Patterns started from per set (at most p).
    pub starts: usize,
    /// Sweep limit of the dynamics.
    pub max_sweeps: usize,
    /// Overlap that counts as retrieved (for the success fraction and `alpha_c_half`).
    pub success_overlap: f64,
    /// Mean-overlap level that defines `alpha_c_mean`.
    pub mean_threshold: f64,
    /// Bins of the final-overlap histogram on [−1, 1].
    pub bins: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for CapacitySpec {
    fn default() -> Self {
        CapacitySpec {
            sizes: vec![250, 500, 1000, 2000],
            alphas: (0..13).map(|k| 0.08 + 0.01 * k as f64).collect(),
            samples: 20,
            starts: 10,
            max_sweeps: 1000,
            success_overlap: 0.9,
            mean_threshold: 0.8,
            bins: 40,
            seed: 1,
        }
    }
}

/// Results at one (N, α).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapacityPoint {
    /// N.
    pub n: usize,
    /// α as requested.
    pub alpha: f64,
    /// p = round(αN).
    pub p: usize,
    /// Runs (pattern sets × starts).
    pub runs: usize,
    /// Mean final overlap.
    pub mean_overlap: f64,
    /// Standard error of the mean (from the spread of pattern-set means).
    pub error: f64,
    /// Fraction of runs with m ≥ success overlap.
    pub success: f64,
    /// Mean final overlap of the retrieved runs (m ≥ success overlap; NaN if none): the
    /// retrieval state's overlap, AGS m(α) ≥ 0.967 up to α_c.
    pub retrieved_overlap: f64,
    /// Mean sweeps to the fixed point.
    pub mean_sweeps: f64,
    /// Runs that hit the sweep limit.
    pub unconverged: usize,
    /// Histogram of the final overlaps, `bins` equal bins on [−1, 1].
    pub histogram: Vec<u64>,
}

/// α_c at one size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriticalLoad {
    /// N.
    pub n: usize,
    /// Where the mean final overlap crosses the threshold (None: no crossing on the grid).
    pub alpha_c_mean: Option<f64>,
    /// Its error: the interpolated error bar of the mean overlap at the crossing divided by
    /// the slope there (NaN without a crossing).
    pub alpha_c_mean_error: f64,
    /// The error of `alpha_c_half`, from the binomial error of the success fraction.
    pub alpha_c_half_error: f64,
    /// Where the success fraction crosses 1/2.
    pub alpha_c_half: Option<f64>,
}

/// A straight-line fit y = intercept + slope·x.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LineFit {
    /// Intercept (the extrapolation to x = 0, i.e. N → ∞).
    pub intercept: f64,
    /// Its standard error from the residuals (NaN with fewer than three points).
    pub intercept_error: f64,
    /// Slope.
    pub slope: f64,
    /// Points used.
    pub points: usize,
}

/// Extrapolations of α_c(N) to N → ∞.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extrapolation {
    /// α_c(N) = a + b/N.
    pub inverse_n: Option<LineFit>,
    /// α_c(N) = a + b/√N.
    pub inverse_sqrt_n: Option<LineFit>,
}

/// Everything a capacity experiment measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Capacity {
    /// The settings.
    pub spec: CapacitySpec,
    /// One point per (N, α), N-major.
    pub points: Vec<CapacityPoint>,
    /// α_c(N) per size.
    pub critical: Vec<CriticalLoad>,
    /// Extrapolations of `alpha_c_mean`.
    pub extrapolation_mean: Extrapolation,
    /// Extrapolations of `alpha_c_half`.
    pub extrapolation_half: Extrapolation,
}

/// Least-squares line through (x, y); `None` with fewer than two points or equal x.
pub fn fit_line(x: &[f64], y: &[f64]) -> Option<LineFit> {
    let k = x.len();
    if k < 2 || y.len() != k {
        return None;
    }
    let kf = k as f64;
    let mx = x.iter().sum::<f64>() / kf;
    let my = y.iter().sum::<f64>() / kf;
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let intercept_error = if k > 2 {
        let rss: f64 = x
            .iter()
            .zip(y)
            .map(|(a, b)| (b - intercept - slope * a).powi(2))
            .sum();
        let s2 = rss / (kf - 2.0);
        (s2 * (1.0 / kf + mx * mx / sxx)).sqrt()
    } else {
        f64::NAN
    };
    Some(LineFit {
        intercept,
        intercept_error,
        slope,
        points: k,
    })
}

/// The error of [`crossing`]: the error bar `dy` interpolated at the crossing divided by the
/// slope of the interpolating segment (NaN without a crossing).
pub fn crossing_error(x: &[f64], y: &[f64], dy: &[f64], level: f64) -> f64 {
    (0..x.len().saturating_sub(1))
        .find_map(|k| {
            let (y0, y1) = (y[k], y[k + 1]);
            (y0 >= level && y1 < level).then(|| {
                let t = (y0 - level) / (y0 - y1);
                let e = dy[k] * (1.0 - t) + dy[k + 1] * t;
                e * (x[k + 1] - x[k]) / (y0 - y1)
            })
        })
        .unwrap_or(f64::NAN)
}

/// The first downward crossing of `level` by y(x), linearly interpolated.
pub fn crossing(x: &[f64], y: &[f64], level: f64) -> Option<f64> {
    (0..x.len().saturating_sub(1)).find_map(|k| {
        let (y0, y1) = (y[k], y[k + 1]);
        (y0 >= level && y1 < level).then(|| x[k] + (x[k + 1] - x[k]) * (y0 - level) / (y0 - y1))
    })
}

fn extrapolate(sizes: &[usize], values: &[Option<f64>]) -> Extrapolation {
    let pts: Vec<(f64, f64)> = sizes
        .iter()
        .zip(values)
        .filter_map(|(&n, v)| v.map(|v| (n as f64, v)))
        .collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let inv: Vec<f64> = pts.iter().map(|p| 1.0 / p.0).collect();
    let isq: Vec<f64> = pts.iter().map(|p| 1.0 / p.0.sqrt()).collect();
    Extrapolation {
        inverse_n: fit_line(&inv, &y),
        inverse_sqrt_n: fit_line(&isq, &y),
    }
}

/// One run: final overlap, sweeps, converged.
type Run = (f64, usize, bool);

/// Runs the capacity experiment.
pub fn capacity(spec: &CapacitySpec) -> Result<Capacity> {
    if spec.sizes.is_empty() || spec.alphas.is_empty() {
        return Err(invalid("a capacity experiment needs sizes and loads"));
    }
    if let Some(n) = spec.sizes.iter().find(|&&n| n < 2) {
        return Err(invalid(format!("network size must be at least 2, got {n}")));
    }
    if let Some(a) = spec.alphas.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
        return Err(invalid(format!("load α must be finite and > 0, got {a}")));
    }
    if spec.alphas.windows(2).any(|w| w[1] <= w[0]) {
        return Err(invalid("loads α must be strictly increasing"));
    }
    if !(spec.success_overlap.is_finite() && spec.mean_threshold.is_finite()) {
        return Err(invalid(
            "the success overlap and the mean threshold must be finite",
        ));
    }
    if spec.samples == 0 || spec.starts == 0 || spec.bins == 0 || spec.max_sweeps == 0 {
        return Err(invalid(
            "samples, starts, bins and the sweep limit must be at least 1",
        ));
    }
    let root = Streams::new(spec.seed);
    let dynamics = Dynamics::Asynchronous {
        max_sweeps: spec.max_sweeps,
    };
    let (na, ns) = (spec.alphas.len(), spec.samples);
    let tasks: Vec<(usize, usize, usize)> = (0..spec.sizes.len())
        .flat_map(|s| (0..na).flat_map(move |a| (0..ns).map(move |k| (s, a, k))))
        .collect();
    // Largest tasks first so the pool stays busy; results are re-ordered afterwards.
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&t| {
        let (s, a, _) = tasks[t];
        std::cmp::Reverse((spec.sizes[s] as f64 * spec.sizes[s] as f64 * spec.alphas[a]) as u64)
    });
    let mut runs: Vec<(usize, Vec<Run>)> = order
        .par_iter()
        .map(|&t| -> Result<(usize, Vec<Run>)> {
            let (s, a, k) = tasks[t];
            let (n, alpha) = (spec.sizes[s], spec.alphas[a]);
            let p = ((alpha * n as f64).round() as usize).max(1);
            let streams = root.child(&[n as u64, alpha.to_bits(), k as u64]);
            let net = Hebbian::new(Patterns::random(n, p, 0.0, &streams)?)?;
            let r = (0..spec.starts.min(p))
                .map(|mu| {
                    let mut rng = streams.stream(&[purpose::MONTE_CARLO, mu as u64]);
                    let out = run(&net, net.stored().pattern(mu), &dynamics, &mut rng)?;
                    Ok((out.overlaps[mu], out.sweeps, out.converged()))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((t, r))
        })
        .collect::<Result<Vec<_>>>()?;
    runs.sort_by_key(|r| r.0);
    let mut points = Vec::new();
    for (s, &n) in spec.sizes.iter().enumerate() {
        for (a, &alpha) in spec.alphas.iter().enumerate() {
            let sets: Vec<&Vec<Run>> = (0..ns).map(|k| &runs[(s * na + a) * ns + k].1).collect();
            let means: Vec<f64> = sets
                .iter()
                .map(|r| r.iter().map(|x| x.0).sum::<f64>() / r.len() as f64)
                .collect();
            let (mean, error) = mean_and_error(&means);
            let all: Vec<&Run> = sets.iter().flat_map(|r| r.iter()).collect();
            let mut histogram = vec![0u64; spec.bins];
            for r in &all {
                let b = (((r.0 + 1.0) / 2.0) * spec.bins as f64).floor() as usize;
                histogram[b.min(spec.bins - 1)] += 1;
            }
            points.push(CapacityPoint {
                n,
                alpha,
                p: ((alpha * n as f64).round() as usize).max(1),
                runs: all.len(),
                mean_overlap: mean,
                error,
                success: all.iter().filter(|r| r.0 >= spec.success_overlap).count() as f64
                    / all.len() as f64,
                retrieved_overlap: {
                    let good: Vec<f64> = all
                        .iter()
                        .filter(|r| r.0 >= spec.success_overlap)
                        .map(|r| r.0)
                        .collect();
                    if good.is_empty() {
                        f64::NAN
                    } else {
                        good.iter().sum::<f64>() / good.len() as f64
                    }
                },
                mean_sweeps: all.iter().map(|r| r.1 as f64).sum::<f64>() / all.len() as f64,
                unconverged: all.iter().filter(|r| !r.2).count(),
                histogram,
            });
        }
    }
    let critical: Vec<CriticalLoad> = spec
        .sizes
        .iter()
        .enumerate()
        .map(|(s, &n)| {
            let pts = &points[s * na..(s + 1) * na];
            let m: Vec<f64> = pts.iter().map(|p| p.mean_overlap).collect();
            let f: Vec<f64> = pts.iter().map(|p| p.success).collect();
            let dm: Vec<f64> = pts.iter().map(|p| p.error).collect();
            // Binomial error of the success fraction, at least that of one run in the count.
            let df: Vec<f64> = pts
                .iter()
                .map(|p| {
                    let r = p.runs as f64;
                    (p.success * (1.0 - p.success) / r).sqrt().max(0.5 / r)
                })
                .collect();
            CriticalLoad {
                n,
                alpha_c_mean: crossing(&spec.alphas, &m, spec.mean_threshold),
                alpha_c_mean_error: crossing_error(&spec.alphas, &m, &dm, spec.mean_threshold),
                alpha_c_half: crossing(&spec.alphas, &f, 0.5),
                alpha_c_half_error: crossing_error(&spec.alphas, &f, &df, 0.5),
            }
        })
        .collect();
    let mean_c: Vec<Option<f64>> = critical.iter().map(|c| c.alpha_c_mean).collect();
    let half_c: Vec<Option<f64>> = critical.iter().map(|c| c.alpha_c_half).collect();
    Ok(Capacity {
        spec: spec.clone(),
        extrapolation_mean: extrapolate(&spec.sizes, &mean_c),
        extrapolation_half: extrapolate(&spec.sizes, &half_c),
        points,
        critical,
    })
}
