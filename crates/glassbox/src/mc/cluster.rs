//! Cluster moves for Ising ferromagnets: Wolff (single cluster) and Swendsen–Wang (all
//! clusters), on any graph.
//!
//! Both build Fortuin–Kasteleyn clusters: a bond (i, j) between *parallel* spins is activated
//! with probability
//!
//! ```text
//! p = 1 − e^{−2βJ},
//! ```
//!
//! and the spins connected by active bonds form clusters. Wolff grows one cluster from a
//! uniformly random seed site and flips it; Swendsen–Wang partitions the whole system into
//! clusters and flips each with probability 1/2. Both satisfy detailed balance for
//! `H = −J Σ_{(ij)} s_i s_j` and beat critical slowing down.
//!
//! They require a ferromagnet with *uniform* couplings: every nonzero coupling equal to the
//! same J > 0, and no external field (h = 0). Any other model is refused with
//! [`crate::Error::InvalidParameter`]. A lattice of side 2, which joins a pair of sites by two
//! bonds, is handled bond by bond (each bond activated independently).

use rand::Rng as _;
use rand::RngCore;

use crate::error::{invalid, Result};
use crate::mc::Replica;
use crate::model::{Interactions, Ising};
use crate::rng::Rng;
use crate::with_interactions;

/// Which cluster algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterAlgorithm {
    /// Wolff: grow and flip one cluster per step.
    Wolff,
    /// Swendsen–Wang: decompose into clusters, flip each with probability 1/2, per step.
    SwendsenWang,
}

/// The uniform coupling J > 0 of a ferromagnet without field, or an error naming why the
/// model is not one.
pub fn uniform_ferromagnet(model: &Ising) -> Result<f64> {
    if let Some((i, h)) = model.fields().iter().enumerate().find(|(_, h)| **h != 0.0) {
        return Err(invalid(format!(
            "cluster moves need zero external field, but h_{i} = {h}"
        )));
    }
    let mut j0: Option<f64> = None;
    let mut bad: Option<(usize, usize, f64)> = None;
    for i in 0..model.n() {
        with_interactions!(model.couplings(), c => c.for_each_coupling(i, |k, w| {
            if w != 0.0 && bad.is_none() {
                match j0 {
                    None => j0 = Some(w),
                    Some(j) if j != w => bad = Some((i, k, w)),
                    _ => {}
                }
            }
        }));
    }
    match (j0, bad) {
        (None, _) => Err(invalid("cluster moves need couplings, but the model has none")),
        (Some(j), Some((a, b, w))) => Err(invalid(format!(
            "cluster moves need uniform ferromagnetic couplings, but J_{a},{b} = {w} differs from {j}"
        ))),
        (Some(j), None) if j <= 0.0 => Err(invalid(format!(
            "cluster moves need ferromagnetic couplings J > 0, got J = {j}"
        ))),
        (Some(j), None) => Ok(j),
    }
}

/// A cluster update of a uniform ferromagnet at inverse temperature β.
#[derive(Clone, Debug)]
pub struct ClusterSampler {
    algorithm: ClusterAlgorithm,
    beta: f64,
    /// Bond activation `p = 1 − e^{−2βJ}` as a 53-bit threshold.
    threshold: u64,
}

impl ClusterSampler {
    /// A sampler for `model` (a uniform ferromagnet without field, see
    /// [`uniform_ferromagnet`]) at inverse temperature `beta` (finite, > 0).
    pub fn new(model: &Ising, algorithm: ClusterAlgorithm, beta: f64) -> Result<Self> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!(
                "inverse temperature must be finite and positive, got {beta}"
            )));
        }
        let j = uniform_ferromagnet(model)?;
        let p = -(-2.0 * beta * j).exp_m1();
        Ok(ClusterSampler {
            algorithm,
            beta,
            threshold: (p * (1u64 << 53) as f64) as u64,
        })
    }

    /// The inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The algorithm.
    pub fn algorithm(&self) -> ClusterAlgorithm {
        self.algorithm
    }

    /// One step (one Wolff cluster, or one Swendsen–Wang decomposition of the whole system);
    /// returns the number of spins flipped. `replica` must belong to the model given to
    /// [`ClusterSampler::new`].
    pub fn step(&self, model: &Ising, replica: &mut Replica, rng: &mut Rng) -> u64 {
        with_interactions!(model.couplings(), c => match self.algorithm {
            ClusterAlgorithm::Wolff => wolff(c, replica, rng, self.threshold),
            ClusterAlgorithm::SwendsenWang => swendsen_wang(c, replica, rng, self.threshold),
        })
    }
}

#[inline(always)]
fn activate(rng: &mut Rng, threshold: u64) -> bool {
    rng.next_u64() >> 11 < threshold
}

fn wolff<C: Interactions>(c: &C, r: &mut Replica, rng: &mut Rng, threshold: u64) -> u64 {
    let n = c.n();
    let seed = rng.random_range(0..n);
    let s0 = r.spins()[seed];
    r.flip(c, seed);
    let mut stack = vec![seed];
    let mut size = 1;
    let mut neighbours = Vec::new();
    while let Some(i) = stack.pop() {
        neighbours.clear();
        c.for_each_coupling(i, |j, w| {
            if w != 0.0 {
                neighbours.push(j)
            }
        });
        for &j in &neighbours {
            // Spins already in the cluster have been flipped, so `== s0` means "not yet".
            if r.spins()[j] == s0 && activate(rng, threshold) {
                r.flip(c, j);
                stack.push(j);
                size += 1;
            }
        }
    }
    size
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let p = parent[parent[i as usize] as usize];
        parent[i as usize] = p;
        i = p;
    }
    i
}

fn swendsen_wang<C: Interactions>(c: &C, r: &mut Replica, rng: &mut Rng, threshold: u64) -> u64 {
    let n = c.n();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for i in 0..n {
        let si = r.spins()[i];
        c.for_each_coupling(i, |j, w| {
            // Each bond once, from its lower end (a doubled bond is seen twice from there).
            if j > i && w != 0.0 && r.spins()[j] == si && activate(rng, threshold) {
                let (a, b) = (find(&mut parent, i as u32), find(&mut parent, j as u32));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        });
    }
    // 0: undecided, 1: keep, 2: flip; decided in site order when a cluster's root is first met.
    let mut decision = vec![0u8; n];
    let mut flipped = 0;
    for i in 0..n {
        let root = find(&mut parent, i as u32) as usize;
        if decision[root] == 0 {
            decision[root] = if rng.random::<bool>() { 2 } else { 1 };
        }
        if decision[root] == 2 {
            r.flip(c, i);
            flipped += 1;
        }
    }
    flipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::exact::{kaufman::kaufman, transfer::magnetization_moments};
    use crate::measure::Series;
    use crate::model::ModelSpec;
    use crate::rng::Streams;

    fn model(toml: &str) -> Ising {
        ModelSpec::from_toml(toml).unwrap().build().unwrap()
    }

    /// (⟨e⟩, ⟨m²⟩) estimates from `steps` cluster steps after `therm`.
    fn run(
        m: &Ising,
        algo: ClusterAlgorithm,
        beta: f64,
        therm: usize,
        steps: usize,
        seed: u64,
    ) -> (crate::measure::Estimate, crate::measure::Estimate) {
        let s = ClusterSampler::new(m, algo, beta).unwrap();
        let mut rng = Streams::new(seed).stream(&[0]);
        let mut r = Replica::random(m, &mut rng);
        let n = m.n() as f64;
        let (mut e, mut m2) = (Series::default(), Series::default());
        for k in 0..therm + steps {
            s.step(m, &mut r, &mut rng);
            if k >= therm {
                e.push(r.energy() / n);
                let x = r.magnetization() as f64 / n;
                m2.push(x * x);
            }
        }
        r.resync(m);
        assert!((r.energy() - m.energy(r.spins())).abs() < 1e-9);
        (e.estimate(), m2.estimate())
    }

    fn within(what: &str, est: crate::measure::Estimate, exact: f64) {
        eprintln!(
            "{what}: {:.5} ± {:.5} vs exact {exact:.5} ({:.2}σ)",
            est.mean,
            est.error,
            est.sigmas_from(exact)
        );
        assert!(est.error > 0.0 && est.sigmas_from(exact) < 4.0, "{what}");
    }

    #[test]
    fn l8_against_kaufman_and_transfer_matrix() {
        let m = model("graph = { kind = 'lattice', dims = [8, 8] }");
        for (k, t) in [2.0, 2.269, 2.6].into_iter().enumerate() {
            let beta = 1.0 / t;
            let e0 = kaufman(8, 8, beta).unwrap().energy_per_spin;
            let m20 = magnetization_moments(8, beta).unwrap().m2;
            let (e, m2) = run(
                &m,
                ClusterAlgorithm::Wolff,
                beta,
                500,
                40_000,
                10 + k as u64,
            );
            within(&format!("Wolff L=8 T={t} e"), e, e0);
            within(&format!("Wolff L=8 T={t} m²"), m2, m20);
            let (e, m2) = run(
                &m,
                ClusterAlgorithm::SwendsenWang,
                beta,
                200,
                10_000,
                20 + k as u64,
            );
            within(&format!("SW L=8 T={t} e"), e, e0);
            within(&format!("SW L=8 T={t} m²"), m2, m20);
        }
    }

    #[test]
    fn random_graph_against_enumeration() {
        // Any graph: a 3-regular ferromagnet of 14 spins, and a side-2 lattice (doubled bonds).
        for spec in [
            "graph = { kind = 'random-regular', n = 14, degree = 3 }\nseed = 4",
            "graph = { kind = 'lattice', dims = [2, 4] }",
        ] {
            let m = model(spec);
            let beta = 0.5;
            let x = enumerate(&m, &[beta]).unwrap().points[0];
            for (k, algo) in [ClusterAlgorithm::Wolff, ClusterAlgorithm::SwendsenWang]
                .into_iter()
                .enumerate()
            {
                let (e, m2) = run(&m, algo, beta, 200, 20_000, 30 + k as u64);
                within(&format!("{algo:?} {spec} e"), e, x.energy);
                within(&format!("{algo:?} {spec} m²"), m2, x.m2);
            }
        }
    }

    #[test]
    fn refuses_non_ferromagnets() {
        let err = |toml: &str| {
            ClusterSampler::new(&model(toml), ClusterAlgorithm::Wolff, 1.0)
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("graph = { kind = 'lattice', dims = [4, 4] }\nfield = { uniform = 0.1 }")
                .contains("zero external field")
        );
        assert!(err(
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'plus-minus' }"
        )
        .contains("uniform"));
        assert!(err(
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'ferro', j = -1.0 }"
        )
        .contains("J > 0"));
        let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
        assert!(ClusterSampler::new(&m, ClusterAlgorithm::SwendsenWang, 0.0).is_err());
        let free = Ising::from_edges(3, &[], vec![]).unwrap();
        assert!(ClusterSampler::new(&free, ClusterAlgorithm::Wolff, 1.0).is_err());
    }
}
