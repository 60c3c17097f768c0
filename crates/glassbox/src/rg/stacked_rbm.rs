//! Stacked RBMs trained on Ising configurations, compared with block-spin RG (Mehta &
//! Schwab 2014, "An exact mapping between the variational renormalization group and deep
//! learning", arXiv:1410.3831).
//!
//! A deep belief network is trained greedily: RBM 1 has the `N = L²` visible units
//! `v_i = (s_i + 1)/2` of the configurations and `n_1` hidden units; RBM k + 1 is trained on
//! binary hidden states `h^(k) ~ P(h^(k) | h^(k−1))` of RBM k, drawn once per configuration
//! ([`crate::boltzmann::Trainer`], the same spec for every layer apart from its size).
//! Mehta & Schwab argue that summing out an RBM's hidden layer is a variational RG step, and
//! observed that the receptive fields of a stack trained on near-critical 2D Ising
//! configurations (with an L1 penalty) become localized block-spin-like features.
//!
//! **Receptive fields.** Unit j of layer k sees the lattice through the product of the weight
//! matrices, `r^(k)_j = (W_1 W_2 ⋯ W_k)_{·j}` (a vector over the N sites). Its *locality* is
//! the share of its squared weight inside the `w × w` periodic window centred on its largest
//! entry,
//!
//! ```text
//! f_j = Σ_{i ∈ window(argmax_i |r_i|)} r_i² / Σ_i r_i²,
//! ```
//!
//! compared with the *baseline* `f` of the same vector with its sites randomly permuted (the
//! same values with no spatial structure: `f ≈ w²/N` plus the peak's own share).
//!
//! **Flow.** A configuration at temperature T is passed up k layers, drawing each hidden
//! layer from its conditional, then back down the same way to the visible layer: the
//! layer-k *reconstruction* (k = 0 is the configuration itself). Its nearest-neighbour
//! correlation `g_k(T)` is compared with that of k majority-rule blockings with b = 2
//! ([`super::block`]), the block-spin flow `g^(k)(T)`, which runs to 1 below T_c and 0
//! above.

use rand::seq::SliceRandom;

use crate::boltzmann::{Rbm, TrainSpec, Trainer};
use crate::error::{invalid, Result};
use crate::measure::{Estimate, Series};
use crate::rg::block::block;
use crate::rg::mcrg::nn_correlation;
use crate::rg::sample::configurations;
use crate::rng::Streams;

/// A stack of trained RBMs (layer 1 first).
#[derive(Clone, Debug)]
pub struct RbmStack {
    /// The machines; the visible layer of `rbms[k + 1]` is the hidden layer of `rbms[k]`.
    pub rbms: Vec<Rbm>,
    /// Lattice side L of the configurations (N = L²).
    pub l: usize,
}

/// Stream tags (first path element) for the draws of this module.
const UP: u64 = 1;
const DOWN: u64 = 2;
const PERMUTE: u64 = 3;

/// ±1 configurations as rows of 0/1 visible units.
fn to_units(configs: &[Vec<i8>]) -> Vec<f64> {
    configs
        .iter()
        .flatten()
        .map(|&s| if s > 0 { 1.0 } else { 0.0 })
        .collect()
}

/// Trains the stack greedily on ±1 configurations of the `l × l` lattice: layer k has
/// `hidden[k]` units and uses `spec` with that size (its seed shifted by k); the data of
/// layer k + 1 are hidden states of layer k drawn from stream `[UP, k]` of `spec.seed`.
pub fn train_stack(
    configs: &[Vec<i8>],
    l: usize,
    hidden: &[usize],
    spec: &TrainSpec,
) -> Result<RbmStack> {
    if hidden.is_empty() || configs.is_empty() {
        return Err(invalid(
            "a stack needs at least one hidden layer and one configuration",
        ));
    }
    if configs.iter().any(|c| c.len() != l * l) {
        return Err(invalid(format!(
            "every configuration must have L² = {} spins",
            l * l
        )));
    }
    let streams = Streams::new(spec.seed);
    let mut data = to_units(configs);
    let mut n = l * l;
    let mut rbms = Vec::with_capacity(hidden.len());
    for (k, &h) in hidden.iter().enumerate() {
        let layer_spec = TrainSpec {
            hidden: h,
            seed: spec.seed.wrapping_add(k as u64),
            ..spec.clone()
        };
        let mut tr = Trainer::new(layer_spec, n, &data)?;
        tr.run(&data, |_, _| Ok(()))?;
        let rbm = tr.rbm().clone();
        if k + 1 < hidden.len() {
            data = rbm.sample_h(&data, &streams, UP, k as u64).1;
        }
        n = h;
        rbms.push(rbm);
    }
    Ok(RbmStack { rbms, l })
}

/// Mean locality of a layer's receptive fields and the permuted baseline.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Locality {
    /// Layer (1-based).
    pub layer: usize,
    /// Window side w.
    pub window: usize,
    /// Mean `f_j` over the layer's units, with the error of the mean over units.
    pub locality: Estimate,
    /// Mean `f_j` of the site-permuted fields.
    pub baseline: Estimate,
}

impl RbmStack {
    /// The receptive fields of layer `layer` (1-based): `n_layer` vectors of N entries, the
    /// columns of `W_1 ⋯ W_layer`.
    pub fn receptive_fields(&self, layer: usize) -> Result<Vec<Vec<f64>>> {
        if layer == 0 || layer > self.rbms.len() {
            return Err(invalid(format!(
                "layer must be 1 to {}, got {layer}",
                self.rbms.len()
            )));
        }
        // Row-major product P (N × n_k), starting from W_1.
        let first = &self.rbms[0];
        let mut p = first.weights().to_vec();
        let mut cols = first.n_hidden();
        for rbm in &self.rbms[1..layer] {
            let (nv, nh) = (rbm.n_visible(), rbm.n_hidden());
            let w = rbm.weights();
            let rows = p.len() / cols;
            let mut q = vec![0.0; rows * nh];
            for r in 0..rows {
                for a in 0..nv {
                    let x = p[r * cols + a];
                    for (qj, wj) in q[r * nh..(r + 1) * nh].iter_mut().zip(&w[a * nh..]) {
                        *qj += x * wj;
                    }
                }
            }
            p = q;
            cols = nh;
        }
        let rows = p.len() / cols;
        Ok((0..cols)
            .map(|j| (0..rows).map(|i| p[i * cols + j]).collect())
            .collect())
    }

    /// The locality `f` of every receptive field of `layer` in a `window × window` periodic
    /// window (odd, ≤ L), its mean, and the mean baseline over site permutations drawn from
    /// `streams` (see the module doc).
    pub fn locality(&self, layer: usize, window: usize, streams: &Streams) -> Result<Locality> {
        let l = self.l;
        if window == 0 || window % 2 == 0 || window > l {
            return Err(invalid(format!(
                "the locality window must be odd and at most L = {l}, got {window}"
            )));
        }
        let fields = self.receptive_fields(layer)?;
        let (mut loc, mut base) = (Series::default(), Series::default());
        let mut rng = streams.stream(&[PERMUTE, layer as u64]);
        for r in &fields {
            loc.push(window_share(r, l, window));
            let mut shuffled = r.clone();
            shuffled.shuffle(&mut rng);
            base.push(window_share(&shuffled, l, window));
        }
        Ok(Locality {
            layer,
            window,
            locality: loc.estimate(),
            baseline: base.estimate(),
        })
    }

    /// The layer-`layers` reconstructions of ±1 configurations (rows of N spins): up by
    /// drawing every hidden layer, down by drawing every layer below (module doc); row r
    /// draws from streams `[UP | DOWN, k, r]`-derived paths of `streams`. `layers = 0`
    /// returns the input.
    pub fn reconstruct(
        &self,
        configs: &[Vec<i8>],
        layers: usize,
        streams: &Streams,
    ) -> Result<Vec<Vec<i8>>> {
        if layers > self.rbms.len() {
            return Err(invalid(format!(
                "the stack has {} layers, asked to reconstruct from {layers}",
                self.rbms.len()
            )));
        }
        let mut x = to_units(configs);
        for (k, rbm) in self.rbms[..layers].iter().enumerate() {
            x = rbm.sample_h(&x, streams, UP, k as u64).1;
        }
        for (k, rbm) in self.rbms[..layers].iter().enumerate().rev() {
            x = rbm.sample_v(&x, streams, DOWN, k as u64).1;
        }
        let n = self.l * self.l;
        Ok(x.chunks(n)
            .map(|row| row.iter().map(|&v| if v > 0.5 { 1 } else { -1 }).collect())
            .collect())
    }
}

/// `Σ_{window} r_i² / Σ r_i²` for the `w × w` periodic window centred on the largest |r_i| of
/// a field on the `l × l` lattice (x fastest).
fn window_share(r: &[f64], l: usize, w: usize) -> f64 {
    let total: f64 = r.iter().map(|v| v * v).sum();
    if total == 0.0 {
        return 0.0;
    }
    let peak = (0..r.len())
        .max_by(|&a, &b| r[a].abs().total_cmp(&r[b].abs()))
        .unwrap_or(0);
    let (px, py) = (peak % l, peak / l);
    let h = w / 2;
    let mut inside = 0.0;
    for dy in 0..w {
        for dx in 0..w {
            let x = (px + l + dx - h) % l;
            let y = (py + l + dy - h) % l;
            inside += r[x + l * y].powi(2);
        }
    }
    inside / total
}

/// Nearest-neighbour correlations along the two flows at one temperature.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FlowPoint {
    /// Temperature.
    pub t: f64,
    /// `g` after k = 0, 1, …, K majority-rule blockings (b = 2).
    pub block: Vec<Estimate>,
    /// `g` of the layer-k reconstructions, k = 0, 1, …, K.
    pub rbm: Vec<Estimate>,
}

/// The block-spin and RBM flows of the nearest-neighbour correlation (module doc) for
/// configurations `configs[t]` at `temperatures[t]`, for as many steps as the stack has
/// layers (L must be a multiple of `2^layers`). Blocking ties draw from stream `[0, t]` and
/// the reconstructions from `[1, t]` of `streams`.
pub fn flows(
    stack: &RbmStack,
    temperatures: &[f64],
    configs: &[Vec<Vec<i8>>],
    streams: &Streams,
) -> Result<Vec<FlowPoint>> {
    let (l, depth) = (stack.l, stack.rbms.len());
    if l % (1 << depth) != 0 || temperatures.len() != configs.len() {
        return Err(invalid(format!(
            "L = {l} must be a multiple of 2^{depth}, and every temperature needs configurations"
        )));
    }
    temperatures
        .iter()
        .zip(configs)
        .enumerate()
        .map(|(ti, (&t, group))| {
            let mut ties = streams.stream(&[0, ti as u64]);
            let mut block_series: Vec<Series> = (0..=depth).map(|_| Series::default()).collect();
            for c in group {
                let (mut s, mut d) = (c.clone(), vec![l, l]);
                for (k, ser) in block_series.iter_mut().enumerate() {
                    if k > 0 {
                        (s, d) = block(&s, &d, 2, &mut ties)?;
                    }
                    ser.push(nn_correlation(&s, &d));
                }
            }
            let rec_streams = streams.child(&[1, ti as u64]);
            let rbm = (0..=depth)
                .map(|k| {
                    let mut ser = Series::default();
                    for c in stack.reconstruct(group, k, &rec_streams)? {
                        ser.push(nn_correlation(&c, &[l, l]));
                    }
                    Ok(ser.estimate())
                })
                .collect::<Result<_>>()?;
            Ok(FlowPoint {
                t,
                block: block_series.iter().map(|s| s.estimate()).collect(),
                rbm,
            })
        })
        .collect()
}

/// The whole Mehta–Schwab experiment: what to train and how to probe it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StackExperiment {
    /// Lattice side L (a multiple of 2^layers).
    pub l: usize,
    /// Temperature of the training configurations.
    pub temperature: f64,
    /// Hidden units per layer.
    pub hidden: Vec<usize>,
    /// Training configurations (Wolff, one sweep apart after 200).
    pub configs: usize,
    /// Training of every layer (its `hidden` and `seed` are set per layer by
    /// [`train_stack`]).
    pub spec: TrainSpec,
    /// Side of the locality window (odd).
    pub window: usize,
    /// Temperatures of the flow.
    pub flow_temperatures: Vec<f64>,
    /// Configurations per flow temperature.
    pub flow_configs: usize,
}

impl StackExperiment {
    /// The training of Mehta–Schwab-style runs: CD-1, minibatches of 20, momentum 0.5, L2
    /// weight decay and L1 penalty as given, no monitoring.
    pub fn cd1(epochs: usize, learning_rate: f64, weight_decay: f64, l1: f64) -> TrainSpec {
        TrainSpec {
            epochs,
            batch_size: 20,
            learning_rate,
            weight_decay,
            l1,
            method: crate::boltzmann::Method::Cd,
            monitor: false,
            ..TrainSpec::default()
        }
    }
}

/// What [`run_experiment`] finds.
#[derive(Clone, Debug)]
pub struct StackOutcome {
    /// The trained stack.
    pub stack: RbmStack,
    /// Locality of every layer (layer 1 first).
    pub localities: Vec<Locality>,
    /// The block-spin and RBM flows at each flow temperature.
    pub flow: Vec<FlowPoint>,
}

/// Runs a [`StackExperiment`] from `seed`: training configurations from `streams(seed)`
/// ([`configurations`]), the stack trained with `spec` (seed replaced by `seed`), the
/// locality of every layer with permutations from child `[9, 0]`, flow configurations from
/// child `[9, 1]` and the flows from child `[9, 2]`.
pub fn run_experiment(e: &StackExperiment, seed: u64) -> Result<StackOutcome> {
    let (l, depth) = (e.l, e.hidden.len());
    if depth == 0 || l % (1 << depth) != 0 {
        return Err(invalid(format!(
            "L must be a multiple of 2^(number of layers), got L = {l} and {depth} layers"
        )));
    }
    let streams = Streams::new(seed);
    let train = configurations(&[l, l], &[e.temperature], e.configs, 1, 200, &streams)?;
    let spec = TrainSpec {
        seed,
        ..e.spec.clone()
    };
    let stack = train_stack(&train[0], l, &e.hidden, &spec)?;
    let loc_streams = streams.child(&[9, 0]);
    let localities = (1..=depth)
        .map(|k| stack.locality(k, e.window, &loc_streams))
        .collect::<Result<Vec<_>>>()?;
    let test = configurations(
        &[l, l],
        &e.flow_temperatures,
        e.flow_configs,
        1,
        200,
        &streams.child(&[9, 1]),
    )?;
    let flow = flows(&stack, &e.flow_temperatures, &test, &streams.child(&[9, 2]))?;
    Ok(StackOutcome {
        stack,
        localities,
        flow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boltzmann::Method;
    use crate::rg::TC_SQUARE;

    #[test]
    fn window_share_of_point_and_flat_fields() {
        let mut r = vec![0.0; 64];
        r[9] = 1.0;
        assert_eq!(window_share(&r, 8, 3), 1.0);
        let flat = vec![1.0; 64];
        assert!((window_share(&flat, 8, 3) - 9.0 / 64.0).abs() < 1e-12);
        // Periodic window around a corner peak.
        let mut c = vec![0.0; 64];
        c[0] = 2.0;
        c[63] = 1.0;
        assert!((window_share(&c, 8, 3) - 1.0).abs() < 1e-12);
    }

    /// A two-layer stack on 16² configurations at T_c: reconstructions from layer 0 are the
    /// input, the receptive fields are more local than their permuted baseline, and the
    /// block-spin flow separates the phases.
    #[test]
    fn stack_trains_and_flows() {
        let s = Streams::new(4);
        let temps = [0.8 * TC_SQUARE, TC_SQUARE, 1.25 * TC_SQUARE];
        let conf = configurations(&[16, 16], &temps, 200, 1, 50, &s).unwrap();
        let spec = TrainSpec {
            epochs: 10,
            batch_size: 20,
            learning_rate: 0.02,
            method: Method::Cd,
            monitor: false,
            seed: 3,
            ..TrainSpec::default()
        };
        let stack = train_stack(&conf[1], 16, &[64, 16], &spec).unwrap();
        assert_eq!(
            stack.reconstruct(&conf[1][..3], 0, &s).unwrap(),
            conf[1][..3]
        );
        let f = stack.receptive_fields(2).unwrap();
        assert_eq!((f.len(), f[0].len()), (16, 256));
        // Even this short training localizes layer 1 beyond the permuted baseline (measured
        // 0.140 ± 0.005 against 0.110 ± 0.002).
        let loc = stack.locality(1, 5, &s).unwrap();
        assert!(loc.locality.mean > loc.baseline.mean, "{loc:?}");
        let fl = flows(&stack, &temps, &conf, &s).unwrap();
        assert!(fl[0].block[2].mean > fl[0].block[0].mean);
        assert!(fl[2].block[2].mean < fl[2].block[0].mean);
        assert!(train_stack(&conf[1], 15, &[4], &spec).is_err());
        assert!(stack.locality(1, 4, &s).is_err());
    }
}
