//! Zero-temperature cavity: max-sum (min-sum) message passing with decimation.
//!
//! As β → ∞ the cavity bias of [`super::bp`] becomes
//!
//! ```text
//! u_{i→j} = sgn(J_ij h_{i→j}) min(|J_ij|, |h_{i→j}|),    h_{i→j} = h_i + Σ_{k∈∂i∖j} u_{k→i},
//! ```
//!
//! and a spin's ground-state value is `sgn(H_i)` with `H_i = h_i + Σ_k u_{k→i}`. On a tree
//! (without ties) this is the exact ground state. On loopy graphs the iteration may not
//! converge, so [`ground_state`] decimates: run the messages for a while, clamp the most
//! polarized free spins (largest |H_i|, a fraction per round) to `sgn(H_i)` by an infinite
//! field, and repeat until every spin is fixed. The result is a heuristic ground state whose
//! energy is an upper bound on E₀.

use super::bp::MessageGraph;
use crate::error::{invalid, Result};
use crate::model::Ising;

/// `lim_{β→∞}` of the cavity bias.
#[inline]
pub fn min_sum_bias(j: f64, h: f64) -> f64 {
    0.5 * ((h + j).abs() - (h - j).abs())
}

/// Options of max-sum with decimation.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MaxSumOptions {
    /// Damping d ∈ [0, 1).
    pub damping: f64,
    /// Sweeps per decimation round.
    pub sweeps: usize,
    /// Message change below which a round stops early.
    pub tolerance: f64,
    /// Fraction of the free spins clamped per round (at least one).
    pub fraction: f64,
}

impl Default for MaxSumOptions {
    fn default() -> Self {
        MaxSumOptions {
            damping: 0.5,
            sweeps: 200,
            tolerance: 1e-12,
            fraction: 0.02,
        }
    }
}

/// A configuration found by max-sum with decimation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MaxSumResult {
    /// The spins.
    pub spins: Vec<i8>,
    /// Their energy H(s) (total).
    pub energy: f64,
    /// Whether the messages converged before the first clamp (then no decimation was
    /// needed: the spins are the max-sum fixed point's).
    pub converged_without_decimation: bool,
    /// Decimation rounds performed.
    pub rounds: usize,
}

/// Runs max-sum with decimation on a sparse model.
pub fn ground_state(model: &Ising, opts: &MaxSumOptions) -> Result<MaxSumResult> {
    if !(opts.damping.is_finite() && (0.0..1.0).contains(&opts.damping)) {
        return Err(invalid(format!(
            "damping must be in [0, 1), got {}",
            opts.damping
        )));
    }
    if !(opts.fraction > 0.0 && opts.fraction <= 1.0) || opts.sweeps == 0 {
        return Err(invalid(
            "max-sum needs sweeps ≥ 1 and a clamped fraction in (0, 1]",
        ));
    }
    if !(opts.tolerance.is_finite() && opts.tolerance > 0.0) {
        return Err(invalid("max-sum tolerance must be positive"));
    }
    let graph = MessageGraph::new(model)?;
    let n = graph.n();
    let fields = model.fields().to_vec();
    let mut clamped: Vec<Option<i8>> = vec![None; n];
    let mut u = vec![0.0; graph.directed_edges()];
    let mut fresh = u.clone();
    let full = |i: usize, u: &[f64], fields: &[f64], clamped: &[Option<i8>]| -> f64 {
        match clamped[i] {
            Some(s) => f64::INFINITY * s as f64,
            None => fields[i] + graph.out_edges(i).map(|e| u[graph.reverse(e)]).sum::<f64>(),
        }
    };
    let (mut rounds, mut first_converged) = (0, false);
    loop {
        let mut converged = false;
        for _ in 0..opts.sweeps {
            let mut change: f64 = 0.0;
            for i in 0..n {
                let big_h = full(i, &u, &fields, &clamped);
                for e in graph.out_edges(i) {
                    let h = if big_h.is_infinite() {
                        big_h
                    } else {
                        big_h - u[graph.reverse(e)]
                    };
                    let j = graph.coupling(e);
                    let new = if h.is_infinite() {
                        j * h.signum()
                    } else {
                        min_sum_bias(j, h)
                    };
                    fresh[e] = (1.0 - opts.damping) * new + opts.damping * u[e];
                    change = change.max((fresh[e] - u[e]).abs());
                }
            }
            std::mem::swap(&mut u, &mut fresh);
            if change < opts.tolerance {
                converged = true;
                break;
            }
        }
        if rounds == 0 {
            first_converged = converged;
        }
        let free: Vec<usize> = (0..n).filter(|&i| clamped[i].is_none()).collect();
        let h_full: Vec<f64> = (0..n).map(|i| full(i, &u, &fields, &clamped)).collect();
        // A converged fixed point whose every field is polarized: read it off.
        if free.is_empty() || (converged && free.iter().all(|&i| h_full[i] != 0.0)) {
            let spins: Vec<i8> = (0..n)
                .map(|i| if h_full[i] >= 0.0 { 1 } else { -1 })
                .collect();
            let energy = model.energy(&spins);
            return Ok(MaxSumResult {
                spins,
                energy,
                converged_without_decimation: first_converged && rounds == 0,
                rounds,
            });
        }
        rounds += 1;
        let mut order = free.clone();
        order.sort_by(|&a, &b| h_full[b].abs().total_cmp(&h_full[a].abs()));
        let k = ((opts.fraction * free.len() as f64).ceil() as usize).max(1);
        for &i in order.iter().take(k) {
            clamped[i] = Some(if h_full[i] >= 0.0 { 1 } else { -1 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::graph::{random_regular, random_tree};
    use crate::rng::Streams;
    use rand_distr::{Distribution, StandardNormal};

    fn gaussian_model(n: usize, edges: Vec<(usize, usize)>, seed: u64) -> Ising {
        let mut rng = Streams::new(seed).stream(&[1]);
        let e: Vec<(usize, usize, f64)> = edges
            .into_iter()
            .map(|(i, j)| {
                let z: f64 = StandardNormal.sample(&mut rng);
                (i, j, z)
            })
            .collect();
        let h: Vec<f64> = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                0.3 * z
            })
            .collect();
        Ising::from_edges(n, &e, h).unwrap()
    }

    #[test]
    fn exact_ground_states_on_trees() {
        for seed in 0..5 {
            let mut rng = Streams::new(seed).stream(&[0]);
            let model = gaussian_model(20, random_tree(20, &mut rng).unwrap(), seed);
            let r = ground_state(&model, &MaxSumOptions::default()).unwrap();
            let ex = enumerate(&model, &[1.0]).unwrap();
            assert!(r.converged_without_decimation);
            assert!((r.energy - ex.ground_energy).abs() < 1e-9, "{r:?} {ex:?}");
        }
    }

    #[test]
    fn decimation_on_loopy_graphs_finds_low_energies() {
        let mut gaps = Vec::new();
        for seed in 0..6 {
            let mut rng = Streams::new(seed).stream(&[0]);
            let model = gaussian_model(20, random_regular(20, 3, &mut rng).unwrap(), seed);
            let r = ground_state(&model, &MaxSumOptions::default()).unwrap();
            let e0 = enumerate(&model, &[1.0]).unwrap().ground_energy;
            assert!(r.energy >= e0 - 1e-9);
            gaps.push((r.energy - e0) / e0.abs());
        }
        // Measured: exact on 3 of 6 instances, gaps 0.4 %, 1.0 %, 4.0 % on the others.
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!(mean < 0.05, "{gaps:?}");
    }

    #[test]
    fn limit_of_the_finite_temperature_bias() {
        for (j, h) in [(1.0, 0.3), (-0.7, 2.0), (0.5, -0.2), (-1.2, -3.0)] {
            let u = super::super::bp::cavity_bias(200.0, j, h);
            assert!((u - min_sum_bias(j, h)).abs() < 1e-2, "{u}");
        }
        let dense = Ising::from_dense(2, vec![0.0, 1.0, 1.0, 0.0], vec![]).unwrap();
        assert!(ground_state(&dense, &MaxSumOptions::default()).is_err());
    }
}
