//! Measurement: time series of observables and their statistics.
//!
//! A [`Series`] stores a Monte Carlo time series in bins whose size doubles whenever the
//! store is full, so memory stays bounded (at most `capacity` bins) while every measurement
//! contributes. [`Series::estimate`] gives the mean with an error bar that accounts for
//! autocorrelation:
//!
//! ```text
//! τ_int(W) = 1/2 + Σ_{t=1}^{W} ρ(t),      σ²(mean) = 2 τ_int σ² / n,
//! ```
//!
//! with the window W chosen automatically as the smallest W ≥ c·τ_int(W), c = 6 (Sokal's
//! self-consistent window; Madras & Sokal 1988). Functions of several means (specific heat,
//! susceptibility, Binder cumulant) get their error bars from the jackknife over contiguous
//! blocks ([`jackknife`]).

/// Default number of bins a [`Series`] keeps before doubling its bin size.
pub const DEFAULT_CAPACITY: usize = 1 << 14;

/// Window constant of the automatic windowing procedure.
const WINDOW_C: f64 = 6.0;

/// A run shorter than this many τ_int is flagged unreliable.
const MIN_LENGTH_IN_TAU: f64 = 50.0;

/// JSON writes a NaN as `null`; this reads `null` back as NaN (for serde's `deserialize_with`
/// on f64 fields that may be NaN, so results and checkpoints round-trip).
pub(crate) fn nan_if_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<f64, D::Error> {
    use serde::Deserialize as _;
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A mean with its error bar.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// The estimate.
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    /// One standard error.
    #[serde(deserialize_with = "nan_if_null")]
    pub error: f64,
    /// Integrated autocorrelation time in units of measurements (NaN if unknown).
    #[serde(deserialize_with = "nan_if_null")]
    pub tau_int: f64,
    /// Number of measurements.
    pub n: u64,
    /// False when the run is too short for its autocorrelation time (n < 50 τ_int, or the
    /// automatic window did not close): the error bar is then not trustworthy.
    pub reliable: bool,
}

impl Estimate {
    /// How many error bars `self` lies from `reference`.
    pub fn sigmas_from(&self, reference: f64) -> f64 {
        (self.mean - reference).abs() / self.error
    }
}

/// A time series stored in bins of doubling size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    capacity: usize,
    bin_size: u64,
    bins: Vec<f64>,
    partial_sum: f64,
    partial_n: u64,
    n: u64,
    // Welford running mean and sum of squared deviations of the raw measurements.
    raw_mean: f64,
    raw_m2: f64,
}

impl Default for Series {
    fn default() -> Self {
        Series::new(DEFAULT_CAPACITY)
    }
}

impl Series {
    /// An empty series keeping at most `capacity` bins (rounded up to an even number ≥ 64).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(64).next_multiple_of(2);
        Series {
            capacity,
            bin_size: 1,
            bins: Vec::new(),
            partial_sum: 0.0,
            partial_n: 0,
            n: 0,
            raw_mean: 0.0,
            raw_m2: 0.0,
        }
    }

    /// Adds one measurement.
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.raw_mean;
        self.raw_mean += d / self.n as f64;
        self.raw_m2 += d * (x - self.raw_mean);
        self.partial_sum += x;
        self.partial_n += 1;
        if self.partial_n == self.bin_size {
            self.bins.push(self.partial_sum / self.bin_size as f64);
            self.partial_sum = 0.0;
            self.partial_n = 0;
            if self.bins.len() == self.capacity {
                for k in 0..self.capacity / 2 {
                    self.bins[k] = 0.5 * (self.bins[2 * k] + self.bins[2 * k + 1]);
                }
                self.bins.truncate(self.capacity / 2);
                self.bin_size *= 2;
            }
        }
    }

    /// Number of measurements pushed.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no measurement was pushed.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Measurements per bin.
    pub fn bin_size(&self) -> u64 {
        self.bin_size
    }

    /// The full bins (means of `bin_size` consecutive measurements).
    pub fn bins(&self) -> &[f64] {
        &self.bins
    }

    /// Variance of the raw measurements.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            self.raw_m2 / (self.n - 1) as f64
        }
    }

    /// Mean with an autocorrelation-aware error bar (automatic windowing on the bins).
    pub fn estimate(&self) -> Estimate {
        let y = &self.bins;
        let k = y.len();
        let mean_all = if self.n > 0 { self.raw_mean } else { f64::NAN };
        if k < 4 {
            return Estimate {
                mean: mean_all,
                error: f64::NAN,
                tau_int: f64::NAN,
                n: self.n,
                reliable: false,
            };
        }
        let mean = y.iter().sum::<f64>() / k as f64;
        let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let c0 = d.iter().map(|v| v * v).sum::<f64>() / k as f64;
        if c0 == 0.0 {
            // A constant series (e.g. a frozen configuration): no fluctuation was seen.
            return Estimate {
                mean,
                error: 0.0,
                tau_int: f64::NAN,
                n: self.n,
                reliable: self.n > 1,
            };
        }
        let mut tau = 0.5;
        let mut closed = false;
        for t in 1..k / 2 {
            let ct = d[..k - t]
                .iter()
                .zip(&d[t..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / k as f64;
            tau += ct / c0;
            if t as f64 >= WINDOW_C * tau {
                closed = true;
                break;
            }
        }
        let tau_bins = tau.max(0.5);
        let var_mean = 2.0 * tau_bins * c0 / k as f64;
        let error = var_mean.sqrt();
        let raw_var = self.variance();
        let covered = (k as u64) * self.bin_size;
        let tau_int = if raw_var > 0.0 {
            (var_mean * covered as f64 / (2.0 * raw_var)).max(0.5)
        } else {
            f64::NAN
        };
        Estimate {
            mean,
            error,
            tau_int,
            n: self.n,
            reliable: closed && (self.n as f64) >= MIN_LENGTH_IN_TAU * tau_int,
        }
    }
}

/// Jackknife estimate of `f(⟨x_1⟩, …, ⟨x_k⟩)` from series of equal length, over `blocks`
/// contiguous blocks of bins. The estimate is bias-corrected:
/// `B f(all) − (B−1) mean_b f(all but block b)`, and the error is
/// `sqrt((B−1)/B Σ_b (f_b − mean f_b)²)`. `tau_int` reports the largest τ_int of the inputs.
pub fn jackknife(series: &[&Series], blocks: usize, f: impl Fn(&[f64]) -> f64) -> Estimate {
    let k = series.iter().map(|s| s.bins().len()).min().unwrap_or(0);
    let n = series.iter().map(|s| s.len()).min().unwrap_or(0);
    let inputs: Vec<Estimate> = series.iter().map(|s| s.estimate()).collect();
    let tau = inputs.iter().map(|e| e.tau_int).fold(f64::NAN, f64::max);
    let reliable = inputs.iter().all(|e| e.reliable);
    let b = blocks.min(k);
    let means: Vec<f64> = series
        .iter()
        .map(|s| s.bins()[..k].iter().sum::<f64>() / k as f64)
        .collect();
    if b < 2 {
        return Estimate {
            mean: if k > 0 { f(&means) } else { f64::NAN },
            error: f64::NAN,
            tau_int: tau,
            n,
            reliable: false,
        };
    }
    let per = k / b;
    let used = per * b;
    let sums: Vec<f64> = series
        .iter()
        .map(|s| s.bins()[..used].iter().sum::<f64>())
        .collect();
    let full: Vec<f64> = sums.iter().map(|s| s / used as f64).collect();
    let f_full = f(&full);
    let mut leave_out = Vec::with_capacity(b);
    let mut args = vec![0.0; series.len()];
    for blk in 0..b {
        for (a, (s, total)) in args.iter_mut().zip(series.iter().zip(&sums)) {
            let block: f64 = s.bins()[blk * per..(blk + 1) * per].iter().sum();
            *a = (total - block) / (used - per) as f64;
        }
        leave_out.push(f(&args));
    }
    let bf = b as f64;
    let avg = leave_out.iter().sum::<f64>() / bf;
    let var = leave_out.iter().map(|v| (v - avg).powi(2)).sum::<f64>() * (bf - 1.0) / bf;
    Estimate {
        mean: bf * f_full - (bf - 1.0) * avg,
        error: var.sqrt(),
        tau_int: tau,
        n,
        reliable,
    }
}

/// Disorder average of per-sample estimates: the mean of the sample means with the error
/// `sd / √K` from the sample-to-sample spread (which includes each sample's thermal noise).
/// `tau_int` is the largest of the samples', and the result is reliable when every sample is.
pub fn disorder_average(samples: &[Estimate]) -> Estimate {
    let k = samples.len() as f64;
    let mean = samples.iter().map(|e| e.mean).sum::<f64>() / k;
    let var = samples.iter().map(|e| (e.mean - mean).powi(2)).sum::<f64>() / (k - 1.0);
    Estimate {
        mean,
        error: (var / k).sqrt(),
        tau_int: samples.iter().map(|e| e.tau_int).fold(f64::NAN, f64::max),
        n: samples.iter().map(|e| e.n).sum(),
        reliable: samples.len() > 1 && samples.iter().all(|e| e.reliable),
    }
}

/// A histogram from independent runs compared bin by bin with exact probabilities
/// ([`compare_histograms`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HistogramComparison {
    /// χ² = Σ_b (p̂_b − p_b)² / σ_b² over the bins some run visited.
    pub chi2: f64,
    /// Bins in χ² (its degrees of freedom, up to the one constraint Σ p = 1).
    pub bins: usize,
    /// The largest |p̂_b − p_b| / σ_b.
    pub worst_sigmas: f64,
    /// Exact probability of the bins no run visited (no error bar there).
    pub unseen: f64,
}

impl HistogramComparison {
    /// Whether the histogram is consistent with the exact one: every bin within 4σ and
    /// χ² ≤ dof + 4√(2 dof) (the 4σ upper tail of χ² for many bins).
    pub fn consistent(&self) -> bool {
        let dof = self.bins as f64;
        self.worst_sigmas < 4.0 && self.chi2 <= dof + 4.0 * (2.0 * dof).sqrt()
    }
}

/// Compares normalized histograms of independent runs (`runs[r][b]`, at least 2 runs) with
/// the exact probabilities `exact[b]`: per bin the mean p̂_b over runs with the error
/// σ_b = sd/√runs (independent runs make the spread an honest error bar, whatever the
/// autocorrelation inside a run).
pub fn compare_histograms(runs: &[Vec<f64>], exact: &[f64]) -> HistogramComparison {
    let k = runs.len() as f64;
    let mut out = HistogramComparison {
        chi2: 0.0,
        bins: 0,
        worst_sigmas: 0.0,
        unseen: 0.0,
    };
    for (b, &p) in exact.iter().enumerate() {
        let mean = runs.iter().map(|h| h[b]).sum::<f64>() / k;
        let var = runs.iter().map(|h| (h[b] - mean).powi(2)).sum::<f64>() / (k - 1.0);
        let err = (var / k).sqrt();
        if err == 0.0 {
            out.unseen += p;
            if mean != 0.0 {
                out.worst_sigmas = f64::INFINITY;
            }
            continue;
        }
        let z = (mean - p) / err;
        out.chi2 += z * z;
        out.bins += 1;
        out.worst_sigmas = out.worst_sigmas.max(z.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;
    use rand_distr::{Distribution, StandardNormal};

    /// An estimate with unknown (NaN) parts survives JSON, which writes NaN as null.
    #[test]
    fn estimate_with_nan_round_trips_through_json() {
        let e = Series::default().estimate();
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("null"), "{json}");
        let back: Estimate = serde_json::from_str(&json).unwrap();
        assert!(back.mean.is_nan() == e.mean.is_nan() && back.error.is_nan());
        assert_eq!(back.n, e.n);
    }

    /// AR(1) process x_t = a x_{t-1} + sqrt(1-a²) z_t has τ_int = (1+a)/(2(1-a)).
    fn ar1(a: f64, n: usize, seed: u64) -> Series {
        let mut rng = Streams::new(seed).stream(&[0]);
        let mut s = Series::default();
        let mut x = 0.0;
        let c = (1.0 - a * a).sqrt();
        for _ in 0..n {
            let z: f64 = StandardNormal.sample(&mut rng);
            x = a * x + c * z;
            s.push(x);
        }
        s
    }

    #[test]
    fn tau_of_ar1() {
        let a = 0.9;
        let exact = (1.0 + a) / (2.0 * (1.0 - a)); // 9.5
        let e = ar1(a, 400_000, 1).estimate();
        assert!((e.tau_int - exact).abs() < 0.1 * exact, "tau {}", e.tau_int);
        assert!(e.reliable);
        // σ(mean) = sqrt(2τ/n) for unit variance.
        let expect = (2.0 * exact / 400_000.0f64).sqrt();
        assert!(
            (e.error / expect - 1.0).abs() < 0.1,
            "{} vs {expect}",
            e.error
        );
        let short = ar1(0.999, 2_000, 2).estimate();
        assert!(!short.reliable);
    }

    #[test]
    fn binning_keeps_mean_and_bounds_memory() {
        let mut s = Series::new(64);
        for i in 0..1000 {
            s.push(i as f64);
        }
        assert!(s.bins().len() < 64);
        assert_eq!(s.bin_size(), 16);
        assert_eq!(s.len(), 1000);
        let covered = s.bins().len() as f64 * 16.0;
        let mean = s.bins().iter().sum::<f64>() / s.bins().len() as f64;
        assert_eq!(mean, (covered - 1.0) / 2.0);
    }

    #[test]
    fn error_bars_cover_truth() {
        // 400 independent AR(1) runs: the 1σ interval covers the true mean 0 in ~68 %.
        let hits = (0..400)
            .filter(|&k| ar1(0.8, 20_000, 100 + k).estimate().sigmas_from(0.0) < 1.0)
            .count();
        let frac = hits as f64 / 400.0;
        assert!((0.6..0.76).contains(&frac), "coverage {frac}");
    }

    #[test]
    fn jackknife_of_variance() {
        // Var(x) = ⟨x²⟩ − ⟨x⟩² of iid N(0,1): 1 ± sqrt(2/n).
        let mut rng = Streams::new(5).stream(&[0]);
        let (mut x, mut x2) = (Series::default(), Series::default());
        let n = 100_000;
        for _ in 0..n {
            let z: f64 = StandardNormal.sample(&mut rng);
            x.push(z);
            x2.push(z * z);
        }
        let e = jackknife(&[&x, &x2], 64, |m| m[1] - m[0] * m[0]);
        let sd = (2.0 / n as f64).sqrt();
        assert!(
            (e.error / sd - 1.0).abs() < 0.3,
            "error {} vs {sd}",
            e.error
        );
        assert!(e.sigmas_from(1.0) < 4.0);
    }
}
