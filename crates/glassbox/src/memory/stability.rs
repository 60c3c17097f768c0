//! Exact fixed points and retrieval against the load, for any learning rule: the error-free
//! regime of the Hebbian network and the pseudo-inverse rule up to α → 1.
//!
//! For each number of patterns p (random unbiased, `samples` independent sets) this counts
//! the patterns that are exact fixed points of T = 0 dynamics (ξ_i^μ h_i(ξ^μ) > 0 for every
//! i), the unstable bits, and the mean final overlap of asynchronous T = 0 dynamics started
//! from each of the first `starts` patterns with round(flip·N) units flipped.
//!
//! Hebb theory (signal-to-noise): the field on bit i of pattern 1 at the pattern is
//! ξ_i h_i = (N − 1)/N + a Gaussian crosstalk of variance (p − 1)(N − 1)/N², so a bit is
//! unstable with probability P_e = H(√((N − 1)/(p − 1))), H the Gaussian tail, and a pattern is
//! an exact fixed point with probability ≈ (1 − P_e)^N. That falls from 1 to 0 around
//! p ≈ N/(2 ln N); all p patterns are fixed points with high probability for
//! p ≲ N/(4 ln N) (Weisbuch & Fogelman-Soulié; McEliece et al. 1987).

use rayon::prelude::*;

use super::dynamics::{corrupt, run, Dynamics};
use super::learning::Rule;
use super::network::{Dense, Hebbian, Network};
use super::patterns::Patterns;
use super::retrieval::mean_and_error;
use crate::error::{invalid, Result};
use crate::rng::{purpose, Streams};
use crate::theory::numerics::gauss_tail;

/// Settings of a stability scan.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StabilitySpec {
    /// Learning rule (Hebb runs on the low-rank path).
    pub rule: Rule,
    /// Units N.
    pub n: usize,
    /// Pattern counts p, each ≥ 1.
    pub patterns: Vec<usize>,
    /// Independent pattern sets per p.
    pub samples: usize,
    /// Patterns recalled per set (at most p).
    pub starts: usize,
    /// Fraction of units flipped at the start of a recall.
    pub flip: f64,
    /// Sweep limit of the dynamics.
    pub max_sweeps: usize,
    /// Seed.
    pub seed: u64,
}

/// One point of the scan.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StabilityPoint {
    /// N.
    pub n: usize,
    /// p.
    pub p: usize,
    /// α = p/N.
    pub alpha: f64,
    /// p ln N / N (the error-free regime is x ≲ 1/4).
    pub x: f64,
    /// Fraction of patterns that are exact fixed points.
    pub fixed_fraction: f64,
    /// Fraction of pattern sets with every pattern a fixed point.
    pub all_fixed: f64,
    /// Fraction of unstable (pattern, unit) bits.
    pub bit_error: f64,
    /// Hebb theory of `bit_error`, H(√((N − 1)/(p − 1))).
    pub hebb_bit_error: f64,
    /// Hebb theory of `fixed_fraction`, (1 − P_e)^N.
    pub hebb_fixed_fraction: f64,
    /// Mean final overlap after recall from the flipped start.
    pub mean_overlap: f64,
    /// Its standard error (spread of the set means).
    pub error: f64,
}

/// Per set: (fixed patterns, unstable bits, recall overlaps).
fn one_set<N: Network>(
    net: &N,
    pats: &Patterns,
    spec: &StabilitySpec,
    streams: &Streams,
) -> Result<(usize, usize, Vec<f64>)> {
    let (mut fixed, mut bad_bits) = (0, 0);
    for mu in 0..pats.p() {
        let x = pats.pattern(mu);
        let cache = net.cache(x);
        let bad = (0..pats.n())
            .filter(|&i| net.field(&cache, x, i) * x[i] as f64 <= 0.0)
            .count();
        bad_bits += bad;
        fixed += (bad == 0) as usize;
    }
    let dynamics = Dynamics::Asynchronous {
        max_sweeps: spec.max_sweeps,
    };
    let flips = (spec.flip * pats.n() as f64).round() as usize;
    let overlaps = (0..spec.starts.min(pats.p()))
        .map(|mu| {
            let mut rng = streams.stream(&[purpose::MONTE_CARLO, mu as u64]);
            let start = corrupt(pats.pattern(mu), flips, &mut rng)?;
            let out = run(net, &start, &dynamics, &mut rng)?;
            Ok(pats.overlap(mu, &out.state))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((fixed, bad_bits, overlaps))
}

/// Runs the scan (sets in parallel; the same for any thread count).
pub fn stability(spec: &StabilitySpec) -> Result<Vec<StabilityPoint>> {
    if spec.n < 2 || spec.samples == 0 || spec.starts == 0 || spec.max_sweeps == 0 {
        return Err(invalid(
            "a stability scan needs N ≥ 2, samples ≥ 1, starts ≥ 1 and a sweep limit ≥ 1",
        ));
    }
    if spec.patterns.is_empty() || spec.patterns.contains(&0) {
        return Err(invalid("pattern counts must be given and each ≥ 1"));
    }
    if !(0.0..=0.5).contains(&spec.flip) {
        return Err(invalid(format!(
            "the flipped fraction must lie in [0, 1/2], got {}",
            spec.flip
        )));
    }
    let root = Streams::new(spec.seed);
    let n = spec.n;
    let tasks: Vec<(usize, usize)> = (0..spec.patterns.len())
        .flat_map(|a| (0..spec.samples).map(move |k| (a, k)))
        .collect();
    let sets = tasks
        .par_iter()
        .map(|&(a, k)| {
            let p = spec.patterns[a];
            let streams = root.child(&[n as u64, p as u64, k as u64]);
            let pats = Patterns::random(n, p, 0.0, &streams)?;
            match spec.rule {
                Rule::Hebb => one_set(&Hebbian::new(pats.clone())?, &pats, spec, &streams),
                rule => {
                    let w = rule.learn(&pats)?;
                    one_set(&Dense::new(w, None)?, &pats, spec, &streams)
                }
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let nf = n as f64;
    Ok(spec
        .patterns
        .iter()
        .enumerate()
        .map(|(a, &p)| {
            let mine = &sets[a * spec.samples..(a + 1) * spec.samples];
            let fixed: usize = mine.iter().map(|s| s.0).sum();
            let bad: usize = mine.iter().map(|s| s.1).sum();
            let means: Vec<f64> = mine
                .iter()
                .map(|s| s.2.iter().sum::<f64>() / s.2.len() as f64)
                .collect();
            let (mean_overlap, error) = mean_and_error(&means);
            let pe = if p > 1 {
                gauss_tail(((nf - 1.0) / (p as f64 - 1.0)).sqrt())
            } else {
                0.0
            };
            StabilityPoint {
                n,
                p,
                alpha: p as f64 / nf,
                x: p as f64 * nf.ln() / nf,
                fixed_fraction: fixed as f64 / (p * spec.samples) as f64,
                all_fixed: mine.iter().filter(|s| s.0 == p).count() as f64 / spec.samples as f64,
                bit_error: bad as f64 / (p * n * spec.samples) as f64,
                hebb_bit_error: pe,
                hebb_fixed_fraction: (1.0 - pe).powf(nf),
                mean_overlap,
                error,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hebb: the fraction of patterns that are exact fixed points follows (1 − P_e)^N;
    /// pseudo-inverse: every pattern is a fixed point up to α = 0.9.
    #[test]
    fn hebb_fixed_points_follow_signal_to_noise_and_projection_holds_to_alpha_one() {
        let spec = StabilitySpec {
            rule: Rule::Hebb,
            n: 500,
            patterns: vec![10, 40, 80],
            samples: 20,
            starts: 2,
            flip: 0.0,
            max_sweeps: 50,
            seed: 3,
        };
        let pts = stability(&spec).unwrap();
        for pt in &pts {
            // Binomial error of the fixed fraction over p·samples patterns (correlated within
            // a set, so a generous 5σ + 0.03).
            let q = pt.hebb_fixed_fraction;
            let sd = (q * (1.0 - q) / (pt.p * spec.samples) as f64).sqrt();
            assert!((pt.fixed_fraction - q).abs() < 5.0 * sd + 0.03, "{pt:?}");
        }
        assert!(
            pts[0].all_fixed == 1.0 && pts[2].fixed_fraction < 0.2,
            "{pts:?}"
        );
        let pi = stability(&StabilitySpec {
            rule: Rule::PseudoInverse,
            n: 100,
            patterns: vec![50, 90],
            samples: 2,
            starts: 2,
            ..spec.clone()
        })
        .unwrap();
        assert!(pi.iter().all(|p| p.fixed_fraction == 1.0), "{pi:?}");
        assert!(stability(&StabilitySpec {
            patterns: vec![0],
            ..spec
        })
        .is_err());
    }
}
