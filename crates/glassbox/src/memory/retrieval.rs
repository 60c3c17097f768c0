//! Retrieval experiments at zero temperature: recall from a corrupted pattern, basins of
//! attraction, and the symmetric 3-mixture state.

use rayon::prelude::*;

use super::dynamics::{corrupt, run, Dynamics, Outcome};
use super::network::{Hebbian, Network};
use super::patterns::Patterns;
use crate::error::{invalid, Result};
use crate::rng::{purpose, Streams};

/// A run counts as a successful retrieval of pattern μ when its final overlap m_μ ≥ this.
pub const DEFAULT_SUCCESS_OVERLAP: f64 = 0.9;

/// Recall of pattern `mu`: start from ξ^μ with `flipped` units reversed, run `dynamics`,
/// return the outcome and the final overlap m_μ.
pub fn recall<N: Network>(
    net: &N,
    mu: usize,
    flipped: usize,
    dynamics: &Dynamics,
    rng: &mut crate::rng::Rng,
) -> Result<(Outcome, f64)> {
    let pats = net
        .patterns()
        .ok_or_else(|| invalid("recall needs a network that knows its patterns"))?;
    if mu >= pats.p() {
        return Err(invalid(format!(
            "pattern {mu} does not exist ({} stored)",
            pats.p()
        )));
    }
    let start = corrupt(pats.pattern(mu), flipped, rng)?;
    let out = run(net, &start, dynamics, rng)?;
    let m = pats.overlap(mu, &out.state);
    Ok((out, m))
}

/// Settings of a basin-of-attraction scan of the Hebbian network.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BasinSpec {
    /// Number of units N.
    pub n: usize,
    /// Loads α = p/N (p = round(αN), at least 1).
    pub alphas: Vec<f64>,
    /// Fractions of flipped units in the start state, each in [0, 1/2].
    pub flip_fractions: Vec<f64>,
    /// Independent pattern sets per α.
    pub samples: usize,
    /// Patterns recalled per pattern set (at most p).
    pub starts: usize,
    /// Sweep limit of the T = 0 asynchronous dynamics.
    pub max_sweeps: usize,
    /// Overlap that counts as retrieved.
    pub success_overlap: f64,
    /// Seed.
    pub seed: u64,
}

/// One point of a basin scan.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BasinPoint {
    /// Load α.
    pub alpha: f64,
    /// Fraction of units flipped at the start (initial overlap 1 − 2·fraction).
    pub flip_fraction: f64,
    /// Runs.
    pub runs: usize,
    /// Mean final overlap with the target pattern.
    pub mean_overlap: f64,
    /// Its standard error (from the spread of pattern-set means).
    pub error: f64,
    /// Fraction of runs with final overlap ≥ the success overlap.
    pub success: f64,
}

fn pattern_count(n: usize, alpha: f64) -> Result<usize> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(invalid(format!(
            "load α must be finite and > 0, got {alpha}"
        )));
    }
    Ok(((alpha * n as f64).round() as usize).max(1))
}

/// Mean and standard error of the per-sample means.
pub(crate) fn mean_and_error(sample_means: &[f64]) -> (f64, f64) {
    let k = sample_means.len() as f64;
    let mean = sample_means.iter().sum::<f64>() / k;
    if sample_means.len() < 2 {
        return (mean, f64::NAN);
    }
    let var = sample_means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (mean, (var / k).sqrt())
}

/// Basins of attraction of the Hebbian network: final overlap and success rate against the
/// fraction of flipped units, for each load. Deterministic for a seed at any thread count.
pub fn basins(spec: &BasinSpec) -> Result<Vec<BasinPoint>> {
    if spec.n < 2 || spec.samples == 0 || spec.starts == 0 {
        return Err(invalid(
            "a basin scan needs N ≥ 2, samples ≥ 1 and starts ≥ 1",
        ));
    }
    if let Some(f) = spec
        .flip_fractions
        .iter()
        .find(|f| !(0.0..=0.5).contains(*f))
    {
        return Err(invalid(format!(
            "flip fractions must lie in [0, 0.5], got {f}"
        )));
    }
    let counts = spec
        .alphas
        .iter()
        .map(|&a| pattern_count(spec.n, a))
        .collect::<Result<Vec<_>>>()?;
    let root = Streams::new(spec.seed);
    let dynamics = Dynamics::Asynchronous {
        max_sweeps: spec.max_sweeps,
    };
    let tasks: Vec<(usize, usize)> = (0..spec.alphas.len())
        .flat_map(|a| (0..spec.samples).map(move |k| (a, k)))
        .collect();
    // Per task: for each flip fraction, (sum of overlaps, successes) over the starts.
    let results = tasks
        .par_iter()
        .map(|&(a, k)| -> Result<Vec<(f64, usize, usize)>> {
            let streams = root.child(&[spec.n as u64, spec.alphas[a].to_bits(), k as u64]);
            let net = Hebbian::new(Patterns::random(spec.n, counts[a], 0.0, &streams)?)?;
            let starts = spec.starts.min(counts[a]);
            spec.flip_fractions
                .iter()
                .enumerate()
                .map(|(f, &frac)| {
                    let flipped = (frac * spec.n as f64).round() as usize;
                    let mut sum = 0.0;
                    let mut ok = 0;
                    for mu in 0..starts {
                        let mut rng = streams.stream(&[purpose::MONTE_CARLO, f as u64, mu as u64]);
                        let (_, m) = recall(&net, mu, flipped, &dynamics, &mut rng)?;
                        sum += m;
                        ok += usize::from(m >= spec.success_overlap);
                    }
                    Ok((sum, ok, starts))
                })
                .collect()
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (a, &alpha) in spec.alphas.iter().enumerate() {
        for (f, &frac) in spec.flip_fractions.iter().enumerate() {
            let rows: Vec<&(f64, usize, usize)> = (0..spec.samples)
                .map(|k| &results[a * spec.samples + k][f])
                .collect();
            let means: Vec<f64> = rows.iter().map(|r| r.0 / r.2 as f64).collect();
            let (mean, error) = mean_and_error(&means);
            let runs: usize = rows.iter().map(|r| r.2).sum();
            let ok: usize = rows.iter().map(|r| r.1).sum();
            out.push(BasinPoint {
                alpha,
                flip_fraction: frac,
                runs,
                mean_overlap: mean,
                error,
                success: ok as f64 / runs as f64,
            });
        }
    }
    Ok(out)
}

/// The symmetric 3-mixture ξ^{mix} = sign(ξ¹ + ξ² + ξ³) and what T = 0 dynamics makes of it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mixture {
    /// Overlaps of the mixture with ξ¹, ξ², ξ³ (1/2 each for N → ∞).
    pub initial_overlaps: [f64; 3],
    /// Energy per unit of the mixture state, E/N; for Hebb and α → 0 it is −3/8, above the
    /// −1/2 of a pattern.
    pub initial_energy: Option<f64>,
    /// Fraction of units with s_i h_i < 0 in the mixture (0: it is a fixed point).
    pub unstable_fraction: f64,
    /// Overlaps with ξ¹, ξ², ξ³ after asynchronous T = 0 dynamics from the mixture.
    pub final_overlaps: [f64; 3],
    /// Final energy per unit.
    pub final_energy: Option<f64>,
    /// Sweeps to converge.
    pub sweeps: usize,
}

/// Builds the symmetric mixture of patterns 0, 1, 2 of `net`, measures its stability and
/// energy, and relaxes it with asynchronous T = 0 dynamics.
pub fn mixture3<N: Network>(
    net: &N,
    max_sweeps: usize,
    rng: &mut crate::rng::Rng,
) -> Result<Mixture> {
    let pats = net
        .patterns()
        .ok_or_else(|| invalid("a mixture needs a network that knows its patterns"))?;
    if pats.p() < 3 {
        return Err(invalid(format!(
            "a 3-mixture needs at least 3 patterns, got {}",
            pats.p()
        )));
    }
    let n = net.n();
    let mix: Vec<i8> = (0..n)
        .map(|i| {
            let s: i8 = (0..3).map(|mu| pats.pattern(mu)[i]).sum();
            s.signum()
        })
        .collect();
    let cache = net.cache(&mix);
    let unstable = (0..n)
        .filter(|&i| (mix[i] as f64) * net.field(&cache, &mix, i) < 0.0)
        .count() as f64
        / n as f64;
    let three = |s: &[i8]| [pats.overlap(0, s), pats.overlap(1, s), pats.overlap(2, s)];
    let out = run(net, &mix, &Dynamics::Asynchronous { max_sweeps }, rng)?;
    Ok(Mixture {
        initial_overlaps: three(&mix),
        initial_energy: net.energy(&cache, &mix).map(|e| e / n as f64),
        unstable_fraction: unstable,
        final_overlaps: three(&out.state),
        final_energy: out.energy.map(|e| e / n as f64),
        sweeps: out.sweeps,
    })
}
