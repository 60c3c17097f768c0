//! Exact conversions between ±1 spins, 0/1 neurons with thresholds, and QUBO.
//!
//! With `s = 2n − 1` (n ∈ {0, 1}) the three energy functions below are the same function of
//! the configuration, up to the stated constant offset:
//!
//! - spins: `H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i + offset`;
//! - neurons (the paper's eq. 5): `E(n) = -Σ_{i<j} W_ij n_i n_j + Σ_i U_i n_i + offset`, where
//!   neuron i fires when its potential `V_i = Σ_j W_ij n_j` exceeds its threshold `U_i`, and at
//!   inverse temperature β it fires with the Fermi–Dirac probability
//!   `P(n_i = 1) = 1 / (1 + exp(-β (V_i − U_i)))`, which is exactly the spin heat-bath rule
//!   with `J = W/4`, `h_i = (Σ_j W_ij)/4 − U_i/2` (so `2 h_i^loc = V_i − U_i`);
//! - QUBO (D-Wave's convention): `E(x) = Σ_i Q_ii x_i + Σ_{i<j} Q_ij x_i x_j + offset`, the
//!   neuron form with `W = −Q` off the diagonal and `U_i = Q_ii`.

use crate::error::{invalid, Result};
use crate::model::Ising;

/// Spin form: couplings `(i, j, J_ij)` with i < j, fields h_i and a constant.
#[derive(Clone, Debug, PartialEq)]
pub struct SpinForm {
    /// Couplings J_ij, i < j.
    pub couplings: Vec<(usize, usize, f64)>,
    /// Fields h_i.
    pub fields: Vec<f64>,
    /// Constant energy offset.
    pub offset: f64,
}

/// Neuron form: weights `(i, j, W_ij)` with i < j, thresholds U_i and a constant.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronForm {
    /// Symmetric weights W_ij, i < j.
    pub weights: Vec<(usize, usize, f64)>,
    /// Firing thresholds U_i.
    pub thresholds: Vec<f64>,
    /// Constant energy offset.
    pub offset: f64,
}

/// QUBO form: terms `(i, j, Q_ij)` with i ≤ j (i = j is linear) and a constant.
#[derive(Clone, Debug, PartialEq)]
pub struct QuboForm {
    /// Number of variables.
    pub n: usize,
    /// Terms Q_ij with i ≤ j.
    pub terms: Vec<(usize, usize, f64)>,
    /// Constant energy offset.
    pub offset: f64,
}

fn check_pairs(n: usize, pairs: &[(usize, usize, f64)], allow_diagonal: bool) -> Result<()> {
    for &(i, j, w) in pairs {
        if i >= n || j >= n {
            return Err(invalid(format!("term ({i}, {j}) outside 0..{n}")));
        }
        if i == j && !allow_diagonal {
            return Err(invalid(format!("self-coupling at {i}")));
        }
        if !w.is_finite() {
            return Err(invalid(format!("term ({i}, {j}) is not finite")));
        }
    }
    Ok(())
}

impl SpinForm {
    /// The spin form of a model (offset 0).
    pub fn of(model: &Ising) -> Self {
        SpinForm {
            couplings: model.edges(),
            fields: model.fields().to_vec(),
            offset: 0.0,
        }
    }

    /// Energy of a ±1 configuration.
    pub fn energy(&self, s: &[i8]) -> f64 {
        let pair: f64 = self
            .couplings
            .iter()
            .map(|&(i, j, w)| w * (s[i] * s[j]) as f64)
            .sum();
        let field: f64 = self.fields.iter().zip(s).map(|(h, &x)| h * x as f64).sum();
        -pair - field + self.offset
    }

    /// The sparse model with these couplings and fields (the offset is dropped).
    pub fn to_model(&self) -> Result<Ising> {
        Ising::from_edges(self.fields.len(), &self.couplings, self.fields.clone())
    }

    /// The equivalent neuron form.
    pub fn to_neurons(&self) -> NeuronForm {
        // W = 4J; U_i = (Σ_j W_ij)/2 − 2 h_i; offset from E(n) = H(s).
        let n = self.fields.len();
        let mut row_sum = vec![0.0; n];
        for &(i, j, w) in &self.couplings {
            row_sum[i] += 4.0 * w;
            row_sum[j] += 4.0 * w;
        }
        let thresholds: Vec<f64> = (0..n)
            .map(|i| row_sum[i] / 2.0 - 2.0 * self.fields[i])
            .collect();
        // At n = 0 (all s = −1): H = -ΣJ + Σh + offset_s, E = offset_n.
        let offset = -self.couplings.iter().map(|c| c.2).sum::<f64>()
            + self.fields.iter().sum::<f64>()
            + self.offset;
        NeuronForm {
            weights: self
                .couplings
                .iter()
                .map(|&(i, j, w)| (i, j, 4.0 * w))
                .collect(),
            thresholds,
            offset,
        }
    }
}

impl NeuronForm {
    /// Energy of a 0/1 configuration.
    pub fn energy(&self, x: &[u8]) -> f64 {
        let pair: f64 = self
            .weights
            .iter()
            .map(|&(i, j, w)| w * (x[i] * x[j]) as f64)
            .sum();
        let thr: f64 = self
            .thresholds
            .iter()
            .zip(x)
            .map(|(u, &v)| u * v as f64)
            .sum();
        -pair + thr + self.offset
    }

    /// The equivalent spin form.
    pub fn to_spins(&self) -> Result<SpinForm> {
        let n = self.thresholds.len();
        check_pairs(n, &self.weights, false)?;
        let mut row_sum = vec![0.0; n];
        for &(i, j, w) in &self.weights {
            row_sum[i] += w;
            row_sum[j] += w;
        }
        let fields: Vec<f64> = (0..n)
            .map(|i| row_sum[i] / 4.0 - self.thresholds[i] / 2.0)
            .collect();
        let couplings: Vec<_> = self
            .weights
            .iter()
            .map(|&(i, j, w)| (i, j, w / 4.0))
            .collect();
        // All-zero neurons = all-down spins: offset_s = E(0) − H_0(−1).
        let h0 = -couplings
            .iter()
            .map(|c: &(usize, usize, f64)| c.2)
            .sum::<f64>()
            + fields.iter().sum::<f64>();
        Ok(SpinForm {
            couplings,
            fields,
            offset: self.offset - h0,
        })
    }
}

impl QuboForm {
    /// Energy of a 0/1 assignment.
    pub fn energy(&self, x: &[u8]) -> f64 {
        self.terms
            .iter()
            .map(|&(i, j, q)| q * (x[i] * x[j]) as f64)
            .sum::<f64>()
            + self.offset
    }

    /// The equivalent neuron form (W_ij = −Q_ij summed over both orders, U_i = Q_ii).
    pub fn to_neurons(&self) -> Result<NeuronForm> {
        check_pairs(self.n, &self.terms, true)?;
        let mut thresholds = vec![0.0; self.n];
        let mut weights = std::collections::BTreeMap::new();
        for &(i, j, q) in &self.terms {
            if i == j {
                thresholds[i] += q;
            } else {
                *weights.entry((i.min(j), i.max(j))).or_insert(0.0) -= q;
            }
        }
        Ok(NeuronForm {
            weights: weights.into_iter().map(|((i, j), w)| (i, j, w)).collect(),
            thresholds,
            offset: self.offset,
        })
    }

    /// The equivalent spin form.
    pub fn to_spins(&self) -> Result<SpinForm> {
        self.to_neurons()?.to_spins()
    }

    /// The QUBO form of a spin form.
    pub fn from_spins(s: &SpinForm) -> Self {
        let nf = s.to_neurons();
        let mut terms: Vec<_> = nf.weights.iter().map(|&(i, j, w)| (i, j, -w)).collect();
        terms.extend(nf.thresholds.iter().enumerate().map(|(i, &u)| (i, i, u)));
        QuboForm {
            n: s.fields.len(),
            terms,
            offset: nf.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spin_form(n: usize, vals: &[f64]) -> SpinForm {
        let mut couplings = Vec::new();
        let mut k = 0;
        for i in 0..n {
            for j in i + 1..n {
                couplings.push((i, j, vals[k % vals.len()]));
                k += 1;
            }
        }
        let fields = (0..n)
            .map(|i| vals[(i * 7 + 3) % vals.len()] * 0.5)
            .collect();
        SpinForm {
            couplings,
            fields,
            offset: 0.25,
        }
    }

    proptest! {
        #[test]
        fn conversions_preserve_every_energy(vals in proptest::collection::vec(-3.0f64..3.0, 1..20), n in 1usize..6) {
            let s = spin_form(n, &vals);
            let nf = s.to_neurons();
            let q = QuboForm::from_spins(&s);
            let back = q.to_spins().unwrap();
            let back_n = nf.to_spins().unwrap();
            for state in 0u32..(1 << n) {
                let x: Vec<u8> = (0..n).map(|i| ((state >> i) & 1) as u8).collect();
                let sp: Vec<i8> = x.iter().map(|&b| 2 * b as i8 - 1).collect();
                let e = s.energy(&sp);
                prop_assert!((nf.energy(&x) - e).abs() < 1e-9);
                prop_assert!((q.energy(&x) - e).abs() < 1e-9);
                prop_assert!((back.energy(&sp) - e).abs() < 1e-9);
                prop_assert!((back_n.energy(&sp) - e).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn fermi_dirac_is_heat_bath() {
        // 2 h_i^loc = V_i − U_i for every configuration.
        let s = spin_form(4, &[0.7, -1.2, 0.4, 2.0, -0.3]);
        let nf = s.to_neurons();
        for state in 0u32..16 {
            let x: Vec<u8> = (0..4).map(|i| ((state >> i) & 1) as u8).collect();
            let sp: Vec<i8> = x.iter().map(|&b| 2 * b as i8 - 1).collect();
            for i in 0..4 {
                let mut hloc = s.fields[i];
                let mut v = 0.0;
                for &(a, b, j) in &s.couplings {
                    if a == i {
                        hloc += j * sp[b] as f64;
                    }
                    if b == i {
                        hloc += j * sp[a] as f64;
                    }
                }
                for &(a, b, w) in &nf.weights {
                    if a == i {
                        v += w * x[b] as f64;
                    }
                    if b == i {
                        v += w * x[a] as f64;
                    }
                }
                assert!((2.0 * hloc - (v - nf.thresholds[i])).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn qubo_example() {
        // E(x) = x0 + x1 − 2 x0 x1: ground states 00, 11 with E = 0.
        let q = QuboForm {
            n: 2,
            terms: vec![(0, 0, 1.0), (1, 1, 1.0), (0, 1, -2.0)],
            offset: 0.0,
        };
        let s = q.to_spins().unwrap();
        assert_eq!(s.couplings, vec![(0, 1, 0.5)]);
        assert!(s.fields.iter().all(|&h| h.abs() < 1e-15));
        assert!((s.energy(&[1, 1])).abs() < 1e-12 && (s.energy(&[-1, 1]) - 1.0).abs() < 1e-12);
        assert!(QuboForm {
            n: 1,
            terms: vec![(0, 1, 1.0)],
            offset: 0.0
        }
        .to_spins()
        .is_err());
    }
}
