//! Sum-product belief propagation for pairwise Ising models with fields, in cavity-field form.
//!
//! For `H = −Σ_{(ij)} J_ij s_i s_j − Σ_i h_i s_i` on a sparse graph, the message from i to a
//! neighbour j is the *cavity bias* `u_{i→j}`, the field that i exerts on j when j is removed:
//!
//! ```text
//! h_{i→j} = h_i + Σ_{k∈∂i∖j} u_{k→i}                         (cavity field of i without j)
//! u_{i→j} = atanh(tanh(βJ_ij) tanh(β h_{i→j})) / β
//!         = [ln 2cosh(β(h_{i→j} + J_ij)) − ln 2cosh(β(h_{i→j} − J_ij))] / (2β)
//! ```
//!
//! (the second form is the one evaluated: it stays accurate when both tanh are close to 1).
//! At a fixed point the full field is `H_i = h_i + Σ_{k∈∂i} u_{k→i}`, the marginal is
//! `m_i = ⟨s_i⟩ = tanh(βH_i)` and the pair distribution on an edge is
//! `P(s_i, s_j) ∝ exp(β(h_{i→j} s_i + J_ij s_i s_j + h_{j→i} s_j))`. The Bethe free energy is
//!
//! ```text
//! ln Z_Bethe = Σ_i ln 2cosh(βH_i)
//!            + Σ_{(ij)} { ½ Σ_{±} [L(β(J_ij ± h_{i→j})) + L(β(J_ij ± h_{j→i}))]
//!                         − ln[e^{βJ_ij} 2cosh(β(h_{i→j} + h_{j→i})) + e^{−βJ_ij} 2cosh(β(h_{i→j} − h_{j→i}))] }
//! ```
//!
//! with `L(x) = ln 2cosh x` (derived from `Σ_i ln Z_i − Σ_{(ij)} ln Z_ij` with normalized
//! messages), `f = −ln Z_Bethe/(βN)`, the energy `U = −Σ_{(ij)} J_ij ⟨s_i s_j⟩ − Σ_i h_i m_i` and
//! the entropy `S = β(U − F)`. On a tree all of these are exact.
//!
//! On loopy graphs BP is the Bethe approximation. On a single ring with uniform couplings and
//! field the fixed point is translation invariant and gives the marginals of the *infinite*
//! chain, which differ from those of the ring of N sites by terms of order `(λ₋/λ₊)^N`
//! (transfer-matrix eigenvalues): exact only as N → ∞ (see the tests).
//!
//! Dense (complete-graph) models are rejected: there the cavity equations become TAP / AMP.

use rand::seq::SliceRandom;
use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::model::{Couplings, Ising};
use crate::rng::Streams;
use crate::theory::numerics::ln_2cosh;

/// The order in which messages are updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Schedule {
    /// Every message from the previous sweep's messages (Jacobi).
    Parallel,
    /// Sites in a fresh random order each sweep; a site's outgoing messages are recomputed
    /// from the current incoming ones (Gauss–Seidel), so updates take effect at once.
    RandomSequential,
    /// Sites in the fixed order 0, 1, …, N−1 each sweep (Gauss–Seidel).
    Sequential,
}

/// The starting messages.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Initial {
    /// All `u = 0` (the paramagnet when the fields vanish).
    Zero,
    /// All `u` equal to the given value (e.g. positive to select the ferromagnetic state).
    Constant(f64),
    /// Independent uniform `u ∈ [−a, a]` drawn from the seed.
    Random(f64),
}

/// Options of a BP run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BpOptions {
    /// Damping d ∈ [0, 1): `u ← (1 − d) u_new + d u_old`.
    pub damping: f64,
    /// Converged when the largest change of a message in one sweep is below this.
    pub tolerance: f64,
    /// Largest number of sweeps.
    pub max_iterations: usize,
    /// Update order.
    pub schedule: Schedule,
    /// Starting messages.
    pub initial: Initial,
    /// Seed of the random initial messages and of the random sequential order.
    pub seed: u64,
}

impl Default for BpOptions {
    fn default() -> Self {
        BpOptions {
            damping: 0.0,
            tolerance: 1e-12,
            max_iterations: 1000,
            schedule: Schedule::Parallel,
            initial: Initial::Zero,
            seed: 0,
        }
    }
}

impl BpOptions {
    fn validate(&self) -> Result<()> {
        if !(self.damping.is_finite() && (0.0..1.0).contains(&self.damping)) {
            return Err(invalid(format!(
                "BP damping must be in [0, 1), got {}",
                self.damping
            )));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(invalid(format!(
                "BP tolerance must be positive, got {}",
                self.tolerance
            )));
        }
        if self.max_iterations == 0 {
            return Err(invalid("BP needs at least one iteration"));
        }
        match self.initial {
            Initial::Constant(a) | Initial::Random(a) if !a.is_finite() => Err(invalid(format!(
                "initial BP messages must be finite, got {a}"
            ))),
            _ => Ok(()),
        }
    }
}

/// The directed edges of a sparse model in CSR order: edge `e` in `offsets[i]..offsets[i+1]`
/// goes from `i` to `targets[e]` with coupling `couplings[e]`; `reverse[e]` is the opposite
/// direction.
#[derive(Clone, Debug)]
pub struct MessageGraph {
    offsets: Vec<usize>,
    targets: Vec<usize>,
    couplings: Vec<f64>,
    reverse: Vec<usize>,
    fields: Vec<f64>,
}

impl MessageGraph {
    /// The message graph of a sparse or lattice model (nonzero couplings only). Dense models
    /// are rejected: BP on the complete graph is what TAP and AMP replace.
    pub fn new(model: &Ising) -> Result<Self> {
        if let Couplings::Dense(_) = model.couplings() {
            return Err(invalid(
                "belief propagation needs a sparse model (random graph, lattice or edge file); \
                 for a fully connected model use the TAP or AMP equations (cavity::tap)",
            ));
        }
        let n = model.n();
        let edges = model.edges();
        let mut degree = vec![0usize; n];
        for &(i, j, _) in &edges {
            degree[i] += 1;
            degree[j] += 1;
        }
        let mut offsets = vec![0usize; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + degree[i];
        }
        let m = offsets[n];
        let mut fill = offsets[..n].to_vec();
        let (mut targets, mut couplings, mut reverse) = (vec![0; m], vec![0.0; m], vec![0; m]);
        for &(i, j, w) in &edges {
            let (a, b) = (fill[i], fill[j]);
            targets[a] = j;
            couplings[a] = w;
            targets[b] = i;
            couplings[b] = w;
            reverse[a] = b;
            reverse[b] = a;
            fill[i] += 1;
            fill[j] += 1;
        }
        Ok(MessageGraph {
            offsets,
            targets,
            couplings,
            reverse,
            fields: model.fields().to_vec(),
        })
    }

    /// Number of spins.
    pub fn n(&self) -> usize {
        self.fields.len()
    }

    /// Number of directed edges (twice the number of bonds).
    pub fn directed_edges(&self) -> usize {
        self.targets.len()
    }

    /// The directed edges leaving `i`: indices into the message vector.
    pub fn out_edges(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i]..self.offsets[i + 1]
    }

    /// The head of directed edge `e`.
    pub fn target(&self, e: usize) -> usize {
        self.targets[e]
    }

    /// The coupling on directed edge `e`.
    pub fn coupling(&self, e: usize) -> f64 {
        self.couplings[e]
    }

    /// The opposite direction of edge `e`.
    pub fn reverse(&self, e: usize) -> usize {
        self.reverse[e]
    }

    /// The full fields `H_i = h_i + Σ_{k∈∂i} u_{k→i}`.
    pub fn full_fields(&self, u: &[f64]) -> Vec<f64> {
        (0..self.n())
            .map(|i| self.full_field(i, u))
            .collect::<Vec<_>>()
    }

    fn full_field(&self, i: usize, u: &[f64]) -> f64 {
        self.fields[i] + self.out_edges(i).map(|e| u[self.reverse[e]]).sum::<f64>()
    }
}

/// The cavity bias `u = atanh(tanh(βJ) tanh(βh))/β` in a form accurate for large arguments.
#[inline]
pub fn cavity_bias(beta: f64, j: f64, h: f64) -> f64 {
    (ln_2cosh(beta * (h + j)) - ln_2cosh(beta * (h - j))) / (2.0 * beta)
}

/// The outcome of a BP run: convergence, messages and the Bethe thermodynamics computed from
/// the last messages (meaningful only when `converged`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BpResult {
    /// Inverse temperature.
    pub beta: f64,
    /// Whether the largest message change fell below the tolerance.
    pub converged: bool,
    /// Sweeps performed.
    pub iterations: usize,
    /// Largest message change in the last sweep.
    pub max_change: f64,
    /// Cavity biases `u_{i→j}` in the order of [`MessageGraph`]'s directed edges.
    pub messages: Vec<f64>,
    /// Marginals `m_i = ⟨s_i⟩`.
    pub magnetizations: Vec<f64>,
    /// Nearest-neighbour correlations `(i, j, ⟨s_i s_j⟩)` for each bond with `i < j`.
    pub correlations: Vec<(usize, usize, f64)>,
    /// Bethe `ln Z / N`.
    pub ln_z_per_spin: f64,
    /// Bethe free energy per spin `−ln Z/(βN)`.
    pub free_energy: f64,
    /// Energy per spin.
    pub energy: f64,
    /// Entropy per spin `β(u − f)`.
    pub entropy: f64,
}

fn check_beta(beta: f64) -> Result<()> {
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!(
            "inverse temperature must be finite and positive, got {beta}"
        )));
    }
    Ok(())
}

/// Runs BP on `model` at inverse temperature `beta`.
pub fn run(model: &Ising, beta: f64, options: &BpOptions) -> Result<BpResult> {
    let graph = MessageGraph::new(model)?;
    run_on(&graph, beta, options, None)
}

/// Runs BP on a prepared message graph, from `start` messages if given (else
/// `options.initial`).
pub fn run_on(
    graph: &MessageGraph,
    beta: f64,
    options: &BpOptions,
    start: Option<&[f64]>,
) -> Result<BpResult> {
    check_beta(beta)?;
    options.validate()?;
    let m = graph.directed_edges();
    let streams = Streams::new(options.seed);
    let mut u = match start {
        Some(s) => {
            if s.len() != m {
                return Err(invalid(format!(
                    "{m} directed edges need {m} starting messages, got {}",
                    s.len()
                )));
            }
            s.to_vec()
        }
        None => match options.initial {
            Initial::Zero => vec![0.0; m],
            Initial::Constant(a) => vec![a; m],
            Initial::Random(a) => {
                let mut rng = streams.stream(&[1]);
                (0..m)
                    .map(|_| a * (2.0 * rng.random::<f64>() - 1.0))
                    .collect()
            }
        },
    };
    let d = options.damping;
    let mut order: Vec<usize> = (0..graph.n()).collect();
    let mut order_rng = streams.stream(&[2]);
    let mut fresh = vec![0.0; m];
    let (mut iterations, mut max_change, mut converged) = (0, f64::INFINITY, false);
    while iterations < options.max_iterations {
        iterations += 1;
        let mut change: f64 = 0.0;
        match options.schedule {
            Schedule::Parallel => {
                for i in 0..graph.n() {
                    let big_h = graph.full_field(i, &u);
                    for e in graph.out_edges(i) {
                        let h = big_h - u[graph.reverse[e]];
                        fresh[e] = (1.0 - d) * cavity_bias(beta, graph.couplings[e], h) + d * u[e];
                        change = change.max((fresh[e] - u[e]).abs());
                    }
                }
                std::mem::swap(&mut u, &mut fresh);
            }
            Schedule::RandomSequential | Schedule::Sequential => {
                if options.schedule == Schedule::RandomSequential {
                    order.shuffle(&mut order_rng);
                }
                for &i in &order {
                    let big_h = graph.full_field(i, &u);
                    for e in graph.out_edges(i) {
                        let h = big_h - u[graph.reverse[e]];
                        let new = (1.0 - d) * cavity_bias(beta, graph.couplings[e], h) + d * u[e];
                        change = change.max((new - u[e]).abs());
                        u[e] = new;
                    }
                }
            }
        }
        if !change.is_finite() {
            return Err(invalid(format!(
                "BP messages became non-finite at sweep {iterations} (β = {beta})"
            )));
        }
        max_change = change;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }
    Ok(observables(
        graph, beta, u, converged, iterations, max_change,
    ))
}

fn observables(
    graph: &MessageGraph,
    beta: f64,
    u: Vec<f64>,
    converged: bool,
    iterations: usize,
    max_change: f64,
) -> BpResult {
    let n = graph.n();
    let big_h = graph.full_fields(&u);
    let magnetizations: Vec<f64> = big_h.iter().map(|&x| (beta * x).tanh()).collect();
    let mut ln_z: f64 = big_h.iter().map(|&x| ln_2cosh(beta * x)).sum();
    let mut energy: f64 = -graph
        .fields
        .iter()
        .zip(&magnetizations)
        .map(|(h, m)| h * m)
        .sum::<f64>();
    let mut correlations = Vec::with_capacity(graph.directed_edges() / 2);
    for i in 0..n {
        for e in graph.out_edges(i) {
            let j = graph.targets[e];
            if j < i {
                continue;
            }
            let r = graph.reverse[e];
            let w = graph.couplings[e];
            let a = big_h[i] - u[r]; // h_{i→j}
            let b = big_h[j] - u[e]; // h_{j→i}
            let bj = beta * w;
            let x = bj + ln_2cosh(beta * (a + b));
            let y = -bj + ln_2cosh(beta * (a - b));
            let log_s = x.max(y) + (-(x - y).abs()).exp().ln_1p();
            ln_z += 0.5
                * (ln_2cosh(bj + beta * a)
                    + ln_2cosh(bj - beta * a)
                    + ln_2cosh(bj + beta * b)
                    + ln_2cosh(bj - beta * b))
                - log_s;
            let c = (0.5 * (x - y)).tanh();
            energy -= w * c;
            correlations.push((i, j, c));
        }
    }
    let nf = n as f64;
    let ln_z_per_spin = ln_z / nf;
    let energy = energy / nf;
    let free_energy = -ln_z_per_spin / beta;
    BpResult {
        beta,
        converged,
        iterations,
        max_change,
        messages: u,
        magnetizations,
        correlations,
        ln_z_per_spin,
        free_energy,
        energy,
        entropy: beta * (energy - free_energy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::enumerate::enumerate;
    use crate::graph::random_tree;
    use rand_distr::{Distribution, StandardNormal};

    /// Brute force: (ln Z / N, ⟨E⟩/N, m_i, ⟨s_i s_j⟩ per edge) over all 2^N states.
    fn brute(model: &Ising, beta: f64) -> (f64, f64, Vec<f64>, Vec<f64>) {
        let n = model.n();
        let edges = model.edges();
        let states: Vec<(Vec<i8>, f64)> = (0u64..1 << n)
            .map(|k| {
                let s: Vec<i8> = (0..n)
                    .map(|i| if k >> i & 1 == 1 { 1 } else { -1 })
                    .collect();
                let e = model.energy(&s);
                (s, e)
            })
            .collect();
        let e0 = states.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
        let (mut z, mut et) = (0.0, 0.0);
        let mut m = vec![0.0; n];
        let mut c = vec![0.0; edges.len()];
        for (s, e) in &states {
            let w = (-beta * (e - e0)).exp();
            z += w;
            et += w * e;
            for i in 0..n {
                m[i] += w * s[i] as f64;
            }
            for (k, &(i, j, _)) in edges.iter().enumerate() {
                c[k] += w * (s[i] * s[j]) as f64;
            }
        }
        m.iter_mut().for_each(|x| *x /= z);
        c.iter_mut().for_each(|x| *x /= z);
        let nf = n as f64;
        ((z.ln() - beta * e0) / nf, et / z / nf, m, c)
    }

    fn random_tree_model(n: usize, seed: u64) -> Ising {
        let mut rng = Streams::new(seed).stream(&[0]);
        let edges: Vec<(usize, usize, f64)> = random_tree(n, &mut rng)
            .unwrap()
            .into_iter()
            .map(|(i, j)| {
                let z: f64 = StandardNormal.sample(&mut rng);
                (i, j, 0.4 + z)
            })
            .collect();
        let fields: Vec<f64> = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                0.3 * z
            })
            .collect();
        Ising::from_edges(n, &edges, fields).unwrap()
    }

    #[test]
    fn exact_on_random_trees() {
        for (seed, beta, schedule) in [
            (1, 0.6, Schedule::Parallel),
            (2, 1.5, Schedule::RandomSequential),
            (3, 3.0, Schedule::Parallel),
            (4, 2.0, Schedule::Sequential),
        ] {
            let model = random_tree_model(20, seed);
            let opts = BpOptions {
                schedule,
                tolerance: 1e-14,
                ..BpOptions::default()
            };
            let r = run(&model, beta, &opts).unwrap();
            assert!(r.converged, "{r:?}");
            let (ln_z, e, m, c) = brute(&model, beta);
            let tol = 1e-10;
            assert!(
                (r.ln_z_per_spin - ln_z).abs() < tol,
                "{} {ln_z}",
                r.ln_z_per_spin
            );
            assert!((r.energy - e).abs() < tol, "{} {e}", r.energy);
            for (a, b) in r.magnetizations.iter().zip(&m) {
                assert!((a - b).abs() < tol, "{a} {b}");
            }
            let edges = model.edges();
            assert_eq!(r.correlations.len(), edges.len());
            for (k, &(i, j, cc)) in r.correlations.iter().enumerate() {
                assert_eq!((i, j), (edges[k].0, edges[k].1));
                assert!((cc - c[k]).abs() < tol, "{cc} {}", c[k]);
            }
            // The entropy closes the thermodynamic identity s = β(u − f).
            assert!((r.entropy - beta * (e + ln_z / beta)).abs() < 1e-9);
            // Independent reference: the library's enumeration.
            let ex = enumerate(&model, &[beta]).unwrap().points[0];
            assert!((r.ln_z_per_spin - ex.ln_z_per_spin).abs() < tol);
            assert!((r.energy - ex.energy).abs() < tol);
        }
    }

    #[test]
    fn damping_and_random_start_reach_the_same_tree_fixed_point() {
        let model = random_tree_model(20, 7);
        let plain = run(&model, 1.0, &BpOptions::default()).unwrap();
        let damped = run(
            &model,
            1.0,
            &BpOptions {
                damping: 0.5,
                initial: Initial::Random(2.0),
                schedule: Schedule::RandomSequential,
                seed: 9,
                ..BpOptions::default()
            },
        )
        .unwrap();
        assert!(plain.converged && damped.converged);
        assert!((plain.free_energy - damped.free_energy).abs() < 1e-10);
    }

    /// A uniform ring: BP gives the infinite chain, the finite ring differs by (λ₋/λ₊)^N.
    #[test]
    fn uniform_ring_gives_the_infinite_chain() {
        let (n, j, h, beta) = (12usize, 1.0, 0.2, 0.8);
        let edges: Vec<(usize, usize, f64)> = (0..n).map(|i| (i, (i + 1) % n, j)).collect();
        let model = Ising::from_edges(n, &edges, vec![h; n]).unwrap();
        let r = run(&model, beta, &BpOptions::default()).unwrap();
        assert!(r.converged);
        let (bj, bh) = (beta * j, beta * h);
        let m_chain = bh.sinh() / (bh.sinh().powi(2) + (-4.0 * bj).exp()).sqrt();
        let root = ((2.0 * bj).exp() * bh.sinh().powi(2) + (-2.0 * bj).exp()).sqrt();
        let (lp, lm) = (bj.exp() * bh.cosh() + root, bj.exp() * bh.cosh() - root);
        let ln_z_chain = lp.ln();
        let (ln_z, _, m, _) = brute(&model, beta);
        for &mi in &r.magnetizations {
            assert!((mi - m_chain).abs() < 1e-10, "{mi} {m_chain}");
            // BP is not exact on the finite ring, but the error is O((λ₋/λ₊)^N).
            let err = (mi - m[0]).abs();
            assert!(err > 1e-6 && err < 5.0 * (lm / lp).powi(n as i32), "{err}");
        }
        assert!((r.ln_z_per_spin - ln_z_chain).abs() < 1e-10);
        assert!((r.ln_z_per_spin - ln_z).abs() < (lm / lp).powi(n as i32));
        // Zero field: m = 0 exactly, and the BP correlation is the chain's tanh βJ while the
        // ring has (t + t^{N−1})/(1 + t^N).
        let model = Ising::from_edges(n, &edges, vec![]).unwrap();
        let r = run(&model, beta, &BpOptions::default()).unwrap();
        let t = (beta * j).tanh();
        assert!(r.magnetizations.iter().all(|&m| m == 0.0));
        let ring = (t + t.powi(n as i32 - 1)) / (1.0 + t.powi(n as i32));
        let (_, _, _, c) = brute(&model, beta);
        assert!((c[0] - ring).abs() < 1e-12);
        assert!(r.correlations.iter().all(|x| (x.2 - t).abs() < 1e-12));
    }

    /// Issue 8 validation: ±J on a random 3-regular graph, N = 2000, above T_SG = 1.1346 (and
    /// with a field, where BP is not trivially the paramagnet): BP energy vs Monte Carlo.
    #[test]
    fn energy_matches_monte_carlo_on_random_regular_graph() {
        use crate::mc::{scan, Kernel, Order, Rule, ScanConfig};
        for (h, temps) in [(0.0, vec![1.5, 2.5]), (0.5, vec![1.3, 2.0])] {
            let spec = format!(
                "graph = {{ kind = 'random-regular', n = 2000, degree = 3 }}\ncouplings = {{ law = 'plus-minus' }}\nfield = {{ uniform = {h} }}\nseed = 3"
            );
            let model = crate::model::ModelSpec::from_toml(&spec)
                .unwrap()
                .build()
                .unwrap();
            let config = ScanConfig {
                temperatures: temps.clone(),
                rule: Rule::Metropolis,
                order: Order::Sequential,
                thermalization: 2000,
                sweeps: 20_000,
                measure_every: 1,
                seed: 4,
                cluster: None,
                kernel: Kernel::Auto,
            };
            let (mc, _) = scan(&model, config).unwrap();
            for (p, &t) in mc.iter().zip(&temps) {
                let r = run(&model, 1.0 / t, &BpOptions::default()).unwrap();
                assert!(r.converged);
                let gap = r.energy - p.energy.mean;
                eprintln!(
                    "h = {h}, T = {t}: BP e = {:.5}, MC e = {:.5} ± {:.5}",
                    r.energy, p.energy.mean, p.energy.error
                );
                // Short loops of the finite graph shift the energy by O(1/N) on top of the
                // statistical error.
                assert!(gap.abs() < 4.0 * p.energy.error + 2e-3, "{gap}");
            }
        }
    }

    #[test]
    fn reports_non_convergence_and_rejects_bad_input() {
        let spec = "graph = { kind = 'random-regular', n = 50, degree = 3 }\ncouplings = { law = 'plus-minus' }";
        let model = crate::model::ModelSpec::from_toml(spec)
            .unwrap()
            .build()
            .unwrap();
        let opts = BpOptions {
            max_iterations: 2,
            initial: Initial::Random(1.0),
            ..BpOptions::default()
        };
        let r = run(&model, 1.0, &opts).unwrap();
        assert!(!r.converged);
        assert_eq!(r.iterations, 2);
        assert!(r.max_change > opts.tolerance);
        for beta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(run(&model, beta, &opts).is_err());
        }
        let bad = BpOptions {
            damping: 1.0,
            ..opts
        };
        assert!(run(&model, 1.0, &bad).is_err());
        let dense = Ising::from_dense(3, vec![0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0], vec![])
            .unwrap();
        let err = run(&dense, 1.0, &BpOptions::default()).unwrap_err();
        assert!(err.to_string().contains("sparse"), "{err}");
    }
}
