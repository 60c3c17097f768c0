//! Overlap configurations of a spin glass, the input of the learned-order-parameter pipeline
//! ([`super::pca`], [`super::autoencoder`]) for the Edwards–Anderson model.
//!
//! Two replicas a, b of the same disorder sample, equilibrated at the same temperature, give
//! the *overlap configuration*
//!
//! ```text
//! q_i = s_i^a s_i^b ∈ {−1, +1},    q = (1/N) Σ_i q_i   (the spin overlap).
//! ```
//!
//! A single spin-glass configuration looks random at every temperature, and is not
//! invariant under the gauge transformation `s_i → ε_i s_i, J_ij → ε_i ε_j J_ij` that maps
//! one disorder sample onto another. The overlap configuration is gauge invariant, and in
//! the ordered phase both replicas fall into the same (or the spin-reversed) state, so `q_i`
//! is mostly of one sign: the overlap plays the role the magnetization plays for the
//! ferromagnet. Above T_c, `⟨q²⟩ = χ_SG / N` (at T = ∞ exactly 1/N).
//!
//! Sampling: for each of `samples` disorder samples (sample k: [`ModelSpec::sample`]), one
//! parallel-tempering run ([`crate::mc::tempering`]) with two replica sets at all the
//! temperatures, Metropolis in random site order, an exchange attempt after every sweep;
//! after `thermalization` sweeps, a snapshot of both sets every `every` sweeps, `snapshots`
//! times. Like [`super::sample::configurations`], each overlap configuration gets a global
//! sign drawn with probability ½ (the symmetry `s^b → −s^b`, exact without a field), so the
//! ±q sectors are equally populated on every finite run. Samples run in parallel; the PT
//! run of sample k uses seed `Streams::new(seed).child(&[MONTE_CARLO, k]).seed()` and its
//! signs stream `[MONTE_CARLO, 2³², k]` of `seed`, so results do not depend on the thread
//! count.

use rand::Rng as _;
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::tempering::{Tempering, TemperingConfig};
use crate::mc::{Order, Rule};
use crate::model::ModelSpec;
use crate::rng::{purpose, Streams};

/// `q_i = s_i^a s_i^b` of two configurations of the same length.
pub fn overlap_configuration(a: &[i8], b: &[i8]) -> Result<Vec<i8>> {
    if a.len() != b.len() {
        return Err(invalid(format!(
            "replicas must have the same number of spins, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    Ok(a.iter().zip(b).map(|(x, y)| x * y).collect())
}

/// How overlap configurations are sampled (see the module doc).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct OverlapSampling {
    /// Temperatures, strictly increasing (at least 2).
    pub temperatures: Vec<f64>,
    /// Disorder samples (≥ 1).
    pub samples: usize,
    /// PT sweeps before the first snapshot.
    pub thermalization: u64,
    /// Snapshots per sample and temperature (≥ 1).
    pub snapshots: usize,
    /// Sweeps between snapshots (≥ 1).
    pub every: u64,
    /// Seed of the Monte Carlo streams (the disorder comes from the spec's seed).
    pub seed: u64,
}

/// Overlap configurations of the spin glass `spec` (without field), grouped by temperature:
/// `result[t]` holds `samples × snapshots` configurations, sample by sample.
pub fn overlap_configurations(
    spec: &ModelSpec,
    sampling: &OverlapSampling,
) -> Result<Vec<Vec<Vec<i8>>>> {
    let s = sampling;
    if s.samples == 0 || s.snapshots == 0 || s.every == 0 {
        return Err(invalid(
            "need at least one disorder sample, one snapshot and one sweep between snapshots",
        ));
    }
    let streams = Streams::new(s.seed);
    let per_sample: Vec<Vec<Vec<Vec<i8>>>> = (0..s.samples)
        .into_par_iter()
        .map(|k| {
            let model = spec.sample(k, s.samples).build()?;
            if model.fields().iter().any(|&h| h != 0.0) {
                return Err(invalid(
                    "overlap configurations need a model without field (±q symmetry)",
                ));
            }
            let config = TemperingConfig {
                temperatures: s.temperatures.clone(),
                replicas: 2,
                rule: Rule::Metropolis,
                order: Order::Random,
                thermalization: s.thermalization,
                sweeps: s.every * s.snapshots as u64,
                exchange_every: 1,
                measure_every: s.every,
                q_bins: 1,
                seed: streams.child(&[purpose::MONTE_CARLO, k as u64]).seed(),
                houdayer: None,
            };
            let mut pt = Tempering::new(&model, config)?;
            let mut coin = streams.stream(&[purpose::MONTE_CARLO, 1 << 32, k as u64]);
            pt.advance(&model, s.thermalization);
            let mut out = vec![Vec::with_capacity(s.snapshots); s.temperatures.len()];
            for _ in 0..s.snapshots {
                pt.advance(&model, s.every);
                for (t, group) in out.iter_mut().enumerate() {
                    let sign = if coin.random::<bool>() { 1 } else { -1 };
                    let q = overlap_configuration(pt.spins(0, t), pt.spins(1, t))?;
                    group.push(q.into_iter().map(|x| sign * x).collect());
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok((0..s.temperatures.len())
        .map(|t| per_sample.iter().flat_map(|p| p[t].clone()).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::pca::pca_order_parameter;

    fn ea(l: usize, law: &str) -> ModelSpec {
        ModelSpec::from_toml(&format!(
            "graph = {{ kind = 'lattice', dims = [{l}, {l}, {l}] }}\ncouplings = {{ law = '{law}' }}\nseed = 3"
        ))
        .unwrap()
    }

    #[test]
    fn identical_replicas_overlap_everywhere() {
        let a = [1, -1, -1, 1, 1];
        assert_eq!(overlap_configuration(&a, &a).unwrap(), vec![1; 5]);
        let b: Vec<i8> = a.iter().map(|x| -x).collect();
        assert_eq!(overlap_configuration(&a, &b).unwrap(), vec![-1; 5]);
        assert!(overlap_configuration(&a, &a[..3]).is_err());
    }

    /// At T = 10 the spin-glass susceptibility of the 3D ±J glass is, by the high-temperature
    /// series, `χ_SG = N⟨q²⟩ = 1 + z t² + z(z−1) t⁴ + …` with t = tanh(1/T), z = 6
    /// (≈ 1.063); deep in the ordered phase (T = 0.5, L = 4) |q| is large. The PCA of
    /// the overlap configurations finds the uniform vector (the overlap), and the runs are
    /// reproducible from the seed.
    #[test]
    fn overlap_statistics_and_pipeline() {
        let sampling = OverlapSampling {
            temperatures: vec![0.5, 1.0, 2.0, 10.0],
            samples: 4,
            thermalization: 2000,
            snapshots: 100,
            every: 5,
            seed: 7,
        };
        let c = overlap_configurations(&ea(4, "plus-minus"), &sampling).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].len(), 400);
        let n = 64.0;
        let q = |x: &Vec<i8>| x.iter().map(|&s| s as f64).sum::<f64>() / n;
        // N q² per configuration at T = 10: mean and its error (snapshots 5 sweeps apart
        // at T = 10 are nearly independent; 4σ plus the truncated series' 6·5·t⁶ ≈ 3e-5).
        let chi: Vec<f64> = c[3].iter().map(|x| n * q(x).powi(2)).collect();
        let m = chi.iter().sum::<f64>() / chi.len() as f64;
        let var = chi.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (chi.len() - 1) as f64;
        let err = (var / chi.len() as f64).sqrt();
        let t2 = (0.1f64).tanh().powi(2);
        let series = 1.0 + 6.0 * t2 + 30.0 * t2 * t2;
        assert!(
            (m - series).abs() < 4.0 * err,
            "χ_SG = {m} ± {err}, series {series}"
        );
        let abs_q = c[0].iter().map(|x| q(x).abs()).sum::<f64>() / c[0].len() as f64;
        assert!(abs_q > 0.6, "⟨|q|⟩(T = 0.5) = {abs_q}");
        let p = pca_order_parameter(&sampling.temperatures, &c).unwrap();
        assert!(p.uniform_overlap > 0.9, "{}", p.uniform_overlap);
        let z: Vec<f64> = p.curve.mean.iter().map(|e| e.mean).collect();
        assert!(z.windows(2).all(|w| w[1] < w[0]), "{z:?}");
        let again = overlap_configurations(&ea(4, "plus-minus"), &sampling).unwrap();
        assert_eq!(c, again);
        let bad = OverlapSampling {
            snapshots: 0,
            ..sampling
        };
        assert!(overlap_configurations(&ea(4, "gaussian"), &bad).is_err());
    }
}
