//! How the capacity of dense associative memory grows with N (Krotov & Hopfield 2016;
//! Demircigil et al. 2017).
//!
//! For F(x) = xⁿ ([`DenseAssociative`]) the number of patterns that can be stored grows as
//! p_c ∝ N^{n−1} (error-free storage: p ≈ N^{n−1} / (2 (2n−3)!! ln N)); n = 2 is the
//! Hebbian network, p_c ≈ 0.14 N. For each N, p_c(N) is the number of patterns at which the
//! fraction of retrieved patterns crosses 1/2: `samples` pattern sets with p random unbiased
//! patterns; T = 0 asynchronous dynamics from each of the first `starts` patterns with
//! round(flip·N) units flipped; retrieved when the final overlap is ≥ `success_overlap`.
//! p_c is bracketed by doubling p and then bisected on the integers (the success fraction
//! at each probed p uses fixed streams, so the search is deterministic), and interpolated
//! linearly inside the last bracket.
//!
//! The exponent is the slope of ln p_c against ln N ([`fit_line`]); since the logarithmic
//! factor lowers it by about 1/ln N, the slope of ln(p_c ln N) is reported too.
//!
//! For F(x) = eˣ the capacity grows exponentially, p_c ~ e^{αN} (Demircigil et al. prove
//! retrieval of all patterns from a fraction ρ of flipped units for α < I(1 − 2ρ)/2, with
//! I(x) = ½[(1+x) ln(1+x) + (1−x) ln(1−x)]); the growth rate α is the slope of ln p_c
//! against N.

use rayon::prelude::*;

use super::capacity::{fit_line, LineFit};
use super::dynamics::{corrupt, run, Dynamics};
use super::modern::{DenseAssociative, Interaction};
use super::patterns::Patterns;
use crate::error::{invalid, Result};
use crate::rng::{purpose, Streams};

/// Settings of the capacity-scaling experiment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingSpec {
    /// The interaction F (a power n ≥ 2, or the exponential).
    pub interaction: Interaction,
    /// Sizes N.
    pub sizes: Vec<usize>,
    /// Pattern sets per probed p.
    pub samples: usize,
    /// Patterns recalled per set.
    pub starts: usize,
    /// Fraction of units flipped in the start state.
    pub flip: f64,
    /// Final overlap that counts as retrieved.
    pub success_overlap: f64,
    /// Sweep limit of the dynamics.
    pub max_sweeps: usize,
    /// Seed.
    pub seed: u64,
}

/// p_c at one size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingPoint {
    /// N.
    pub n: usize,
    /// Interpolated number of patterns where the success fraction is 1/2.
    pub p_c: f64,
    /// Every probed (p, success fraction), in probe order.
    pub probes: Vec<(usize, f64)>,
}

/// The measured scaling.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaling {
    /// Settings.
    pub spec: ScalingSpec,
    /// One point per size.
    pub points: Vec<ScalingPoint>,
    /// ln p_c = a + slope · ln N.
    pub exponent: Option<LineFit>,
    /// ln(p_c ln N) = a + slope · ln N.
    pub exponent_log_corrected: Option<LineFit>,
    /// ln p_c = a + slope · N (the growth rate α of p_c ~ e^{αN}).
    pub growth_rate: Option<LineFit>,
}

fn success(spec: &ScalingSpec, n: usize, p: usize) -> Result<f64> {
    let root = Streams::new(spec.seed);
    let dynamics = Dynamics::Asynchronous {
        max_sweeps: spec.max_sweeps,
    };
    let flips = (spec.flip * n as f64).round() as usize;
    let ok = (0..spec.samples)
        .into_par_iter()
        .map(|k| -> Result<usize> {
            let streams = root.child(&[n as u64, p as u64, k as u64]);
            let pats = Patterns::random(n, p, 0.0, &streams)?;
            let net = DenseAssociative::new(pats.clone(), spec.interaction)?;
            let mut good = 0;
            for mu in 0..spec.starts.min(p) {
                let mut rng = streams.stream(&[purpose::MONTE_CARLO, mu as u64]);
                let start = corrupt(pats.pattern(mu), flips, &mut rng)?;
                let out = run(&net, &start, &dynamics, &mut rng)?;
                good += (out.overlaps[mu] >= spec.success_overlap) as usize;
            }
            Ok(good)
        })
        .collect::<Result<Vec<_>>>()?;
    let total = spec.samples * spec.starts;
    Ok(ok.iter().sum::<usize>() as f64 / total as f64)
}

/// Runs the experiment.
pub fn scaling(spec: &ScalingSpec) -> Result<Scaling> {
    spec.interaction.check()?;
    if spec.sizes.is_empty() || spec.sizes.iter().any(|&n| n < 4) {
        return Err(invalid("sizes must be given and each at least 4"));
    }
    if spec.samples == 0 || spec.starts == 0 || spec.max_sweeps == 0 {
        return Err(invalid(
            "samples, starts and the sweep limit must be at least 1",
        ));
    }
    if !(0.0..0.5).contains(&spec.flip) {
        return Err(invalid(format!(
            "the flipped fraction must lie in [0, 1/2), got {}",
            spec.flip
        )));
    }
    let mut points = Vec::with_capacity(spec.sizes.len());
    for &n in &spec.sizes {
        let mut probes = vec![];
        let mut probe = |p: usize| -> Result<f64> {
            let s = success(spec, n, p)?;
            probes.push((p, s));
            Ok(s)
        };
        // Bracket: success ≥ 1/2 at lo, < 1/2 at hi. Start at p = starts (all starts used).
        let mut lo = spec.starts.max(2);
        let mut s_lo = probe(lo)?;
        if s_lo < 0.5 {
            return Err(invalid(format!(
                "N = {n}: already fewer than half retrieved at p = {lo}; use fewer starts"
            )));
        }
        let mut hi = 2 * lo;
        let mut s_hi = probe(hi)?;
        while s_hi >= 0.5 {
            if hi > 1 << 22 {
                return Err(invalid(format!("N = {n}: no capacity below p = {hi}")));
            }
            (lo, s_lo) = (hi, s_hi);
            hi *= 2;
            s_hi = probe(hi)?;
        }
        while hi - lo > (lo / 64).max(1) {
            let mid = lo + (hi - lo) / 2;
            let s = probe(mid)?;
            if s >= 0.5 {
                (lo, s_lo) = (mid, s);
            } else {
                (hi, s_hi) = (mid, s);
            }
        }
        let p_c = lo as f64 + (hi - lo) as f64 * (s_lo - 0.5) / (s_lo - s_hi);
        points.push(ScalingPoint { n, p_c, probes });
    }
    let ns: Vec<f64> = points.iter().map(|p| p.n as f64).collect();
    let ln_n: Vec<f64> = ns.iter().map(|n| n.ln()).collect();
    let ln_p: Vec<f64> = points.iter().map(|p| p.p_c.ln()).collect();
    let ln_pl: Vec<f64> = points
        .iter()
        .map(|p| (p.p_c * (p.n as f64).ln()).ln())
        .collect();
    Ok(Scaling {
        spec: spec.clone(),
        exponent: fit_line(&ln_n, &ln_p),
        exponent_log_corrected: fit_line(&ln_n, &ln_pl),
        growth_rate: fit_line(&ns, &ln_p),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// n = 2 is the Hebbian network: p_c/N near the finite-N capacity (~0.14–0.2 at small
    /// N); n = 3 stores far more, with p_c growing faster than linearly in N.
    #[test]
    fn cubic_capacity_grows_faster_than_linear() {
        let spec = |power, sizes: Vec<usize>| ScalingSpec {
            interaction: Interaction::Power(power),
            sizes,
            samples: 6,
            starts: 4,
            flip: 0.0,
            success_overlap: 0.95,
            max_sweeps: 30,
            seed: 2,
        };
        let two = scaling(&spec(2, vec![100])).unwrap();
        let a = two.points[0].p_c / 100.0;
        assert!(a > 0.1 && a < 0.3, "{a}");
        let three = scaling(&spec(3, vec![40, 80])).unwrap();
        let slope = three.exponent.unwrap().slope;
        assert!(slope > 1.4 && slope < 2.5, "{slope} {:?}", three.points);
        assert!(three.points[1].p_c > 5.0 * 80.0 * 0.14);
        assert!(scaling(&spec(1, vec![40])).is_err());
    }
}
