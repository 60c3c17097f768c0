//! Houdayer's cluster move for spin glasses (Houdayer 2001) and, on sparse graphs, the
//! isoenergetic cluster move of Zhu, Ochoa & Katzgraber (2015): two replicas `a`, `b` of the
//! same model at the same temperature flip a cluster of sites together without changing
//! their total energy.
//!
//! With the site overlaps `q_i = s_i^a s_i^b`, let σ be the *minority* value of q (σ = −1
//! when at most half of the sites have q_i = −1, else σ = +1). The move picks a uniformly
//! random site i₀ with `q_{i₀} = σ`, grows the connected component C of sites with q = σ
//! that contains it (neighbours: nonzero couplings `J_ij`), and flips every spin of C in
//! both replicas. The total energy `E_a + E_b` of `H = −Σ_{i<j} J_ij s_i s_j` (no field) is
//! unchanged: across a boundary bond (i ∈ C, j ∉ C) the neighbour has `q_j = −σ`, so
//!
//! ```text
//! J_ij (s_i^a s_j^a + s_i^b s_j^b) = J_ij s_i^a s_j^a (1 + q_i q_j) = J_ij s_i^a s_j^a (1 − σ²) = 0
//! ```
//!
//! before and after the flip, and bonds inside C keep their sign. The move leaves every q_i
//! unchanged, so the minority set, the cluster and the choice probability 1/|{q = σ}| are
//! the same for the move and its reverse: detailed balance holds with acceptance 1 in the
//! joint distribution `e^{−β(E_a + E_b)}`. On its own it is not ergodic (it conserves
//! E_a + E_b); it is combined with single-spin flips and replica exchange
//! ([`crate::mc::tempering`], `TemperingConfig::houdayer`).
//!
//! The isoenergetic cluster move is the same update on any sparse graph, applied only at
//! temperatures low enough that the clusters do not percolate (at high temperature the
//! minority component spans the system and the move just swaps the replicas' roles); in
//! tempering this is the `houdayer` temperature threshold. Fields break the spin-flip
//! symmetry the argument needs, so a model with a nonzero field is refused.

use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::mc::Replica;
use crate::model::{Interactions, Ising};
use crate::rng::Rng;
use crate::with_interactions;

/// Checks that `model` admits the move (no external field).
pub fn check(model: &Ising) -> Result<()> {
    if let Some((i, h)) = model.fields().iter().enumerate().find(|(_, h)| **h != 0.0) {
        return Err(invalid(format!(
            "Houdayer / isoenergetic cluster moves need zero external field, but h_{i} = {h}"
        )));
    }
    Ok(())
}

/// Reusable work space of [`houdayer_move`] (one per thread or per temperature).
#[derive(Clone, Debug, Default)]
pub struct ClusterScratch {
    in_cluster: Vec<bool>,
    stack: Vec<usize>,
    members: Vec<usize>,
    minority: Vec<usize>,
}

/// One Houdayer move on the pair (`a`, `b`) (see the [module documentation](self)); returns
/// the number of sites flipped in each replica (0 when every site has the same overlap, so
/// that no minority exists). The model must have been accepted by [`check`]; the energies
/// of `a` and `b` are updated incrementally (their sum is conserved up to rounding).
pub fn houdayer_move(
    model: &Ising,
    a: &mut Replica,
    b: &mut Replica,
    rng: &mut Rng,
    scratch: &mut ClusterScratch,
) -> usize {
    let n = model.n();
    let sa = a.spins();
    let sb = b.spins();
    let minus = sa.iter().zip(sb).filter(|(x, y)| x != y).count();
    if minus == 0 || minus == n {
        return 0;
    }
    // Minority overlap value σ: −1 (spins differ) when at most half the sites differ.
    let differ = 2 * minus <= n;
    scratch.minority.clear();
    scratch
        .minority
        .extend((0..n).filter(|&i| (sa[i] != sb[i]) == differ));
    let seed = scratch.minority[rng.random_range(0..scratch.minority.len())];
    scratch.in_cluster.clear();
    scratch.in_cluster.resize(n, false);
    scratch.members.clear();
    scratch.stack.clear();
    scratch.in_cluster[seed] = true;
    scratch.stack.push(seed);
    with_interactions!(model.couplings(), c => {
        while let Some(i) = scratch.stack.pop() {
            scratch.members.push(i);
            c.for_each_coupling(i, |j, w| {
                if w != 0.0 && !scratch.in_cluster[j] && (sa[j] != sb[j]) == differ {
                    scratch.in_cluster[j] = true;
                    scratch.stack.push(j);
                }
            });
        }
        for &i in &scratch.members {
            a.flip(c, i);
            b.flip(c, i);
        }
    });
    scratch.members.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;
    use crate::rng::Streams;

    #[test]
    fn conserves_the_pair_energy_and_the_overlaps() {
        for spec in [
            "graph = { kind = 'lattice', dims = [8, 8] }\ncouplings = { law = 'gaussian' }\nseed = 3",
            "graph = { kind = 'random-regular', n = 40, degree = 3 }\ncouplings = { law = 'plus-minus' }\nseed = 4",
            "graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'gaussian' }\nseed = 5",
        ] {
            let m = ModelSpec::from_toml(spec).unwrap().build().unwrap();
            check(&m).unwrap();
            let streams = Streams::new(1);
            let mut rng = streams.stream(&[0]);
            let mut a = Replica::random(&m, &mut rng);
            let mut b = Replica::random(&m, &mut rng);
            let mut scratch = ClusterScratch::default();
            let mut flipped = 0;
            for _ in 0..200 {
                let before = a.energy() + b.energy();
                let q: Vec<i8> = a.spins().iter().zip(b.spins()).map(|(x, y)| x * y).collect();
                let (old_a, old_b) = (a.spins().to_vec(), b.spins().to_vec());
                let k = houdayer_move(&m, &mut a, &mut b, &mut rng, &mut scratch);
                flipped += k;
                let after = m.energy(a.spins()) + m.energy(b.spins());
                assert!((after - before).abs() < 1e-9, "{before} -> {after}");
                assert!((a.energy() + b.energy() - after).abs() < 1e-9);
                let q2: Vec<i8> = a.spins().iter().zip(b.spins()).map(|(x, y)| x * y).collect();
                assert_eq!(q, q2);
                let changed = old_a.iter().zip(a.spins()).filter(|(x, y)| x != y).count();
                assert_eq!(changed, k);
                assert_eq!(old_b.iter().zip(b.spins()).filter(|(x, y)| x != y).count(), k);
                assert!(2 * k <= m.n());
                // Mix so that the next move sees another overlap pattern.
                let i = rng.random_range(0..m.n());
                a.flip_in(&m, i);
            }
            assert!(flipped > 0);
        }
    }

    #[test]
    fn refuses_fields() {
        let m = Ising::from_edges(2, &[(0, 1, 1.0)], vec![0.0, 0.5]).unwrap();
        assert!(check(&m).unwrap_err().to_string().contains("field"));
    }
}
