use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::model::{Interactions, Ising};
use crate::rng::Rng;
use crate::with_interactions;

/// A spin configuration with its local fields `h_i^loc = Σ_j J_ij s_j + h_i`, energy and
/// magnetization, kept consistent by [`Replica::flip`] in O(degree) per flip.
#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    spins: Vec<i8>,
    fields: Vec<f64>,
    energy: f64,
    magnetization: i64,
}

impl Replica {
    /// A replica in configuration `spins` (each ±1, one per spin of `model`).
    pub fn new(model: &Ising, spins: Vec<i8>) -> Result<Self> {
        if spins.len() != model.n() {
            return Err(invalid(format!(
                "configuration has {} spins, the model {}",
                spins.len(),
                model.n()
            )));
        }
        if let Some(s) = spins.iter().find(|&&s| s != 1 && s != -1) {
            return Err(invalid(format!("spins must be ±1, found {s}")));
        }
        let mut r = Replica {
            spins,
            fields: Vec::new(),
            energy: 0.0,
            magnetization: 0,
        };
        r.resync(model);
        Ok(r)
    }

    /// A replica with independent uniformly random spins.
    pub fn random(model: &Ising, rng: &mut Rng) -> Self {
        let spins = (0..model.n())
            .map(|_| if rng.random() { 1 } else { -1 })
            .collect();
        Replica::new(model, spins).expect("random spins are valid")
    }

    /// Recomputes the local fields, energy and magnetization from the spins (removes any
    /// floating-point drift of the incremental updates).
    pub fn resync(&mut self, model: &Ising) {
        let fields = model.local_fields(&self.spins);
        self.adopt_fields(model, fields);
    }

    /// Takes `fields`, the exact local fields of the current spins (as from
    /// [`Ising::local_fields`]), and recomputes energy and magnetization from them.
    pub(crate) fn adopt_fields(&mut self, model: &Ising, fields: Vec<f64>) {
        debug_assert_eq!(fields.len(), self.spins.len());
        self.fields = fields;
        self.energy = -0.5
            * self
                .spins
                .iter()
                .zip(&self.fields)
                .zip(model.fields())
                .map(|((&s, &hl), &h)| s as f64 * (hl + h))
                .sum::<f64>();
        self.magnetization = self.spins.iter().map(|&s| s as i64).sum();
    }

    /// The spins.
    pub fn spins(&self) -> &[i8] {
        &self.spins
    }

    /// The local fields.
    pub fn fields(&self) -> &[f64] {
        &self.fields
    }

    /// Total energy H(s).
    pub fn energy(&self) -> f64 {
        self.energy
    }

    /// Total magnetization M = Σ_i s_i.
    pub fn magnetization(&self) -> i64 {
        self.magnetization
    }

    /// Whether every spin is aligned with its local field (s_i h_i^loc ≥ 0): a local energy
    /// minimum under single flips.
    pub fn is_local_minimum(&self) -> bool {
        self.spins
            .iter()
            .zip(&self.fields)
            .all(|(&s, &h)| s as f64 * h >= 0.0)
    }

    /// `s_i h_i^loc`: half the energy change of flipping spin i.
    #[inline(always)]
    pub fn half_delta(&self, i: usize) -> f64 {
        self.spins[i] as f64 * self.fields[i]
    }

    /// Flips spin i, updating fields, energy and magnetization. `c` must be the model's
    /// interactions.
    #[inline(always)]
    pub fn flip<C: Interactions>(&mut self, c: &C, i: usize) {
        let s = self.spins[i];
        self.energy += 2.0 * s as f64 * self.fields[i];
        self.spins[i] = -s;
        self.magnetization -= 2 * s as i64;
        c.spread(i, -2.0 * s as f64, &mut self.fields);
    }

    /// Flips spin i of a replica of `model` (dispatching on the coupling storage).
    pub fn flip_in(&mut self, model: &Ising, i: usize) {
        with_interactions!(model.couplings(), c => self.flip(c, i));
    }

    /// Spins, local fields, energy and magnetization, for kernels that keep them consistent
    /// themselves.
    pub(crate) fn parts_mut(&mut self) -> (&mut [i8], &mut [f64], &mut f64, &mut i64) {
        (
            &mut self.spins,
            &mut self.fields,
            &mut self.energy,
            &mut self.magnetization,
        )
    }

    /// Takes the spins out.
    pub fn into_spins(self) -> Vec<i8> {
        self.spins
    }

    /// Bytes of the encoding of a replica of `n` spins ([`Replica::write_bytes`]).
    pub(crate) fn byte_len(n: usize) -> usize {
        9 * n + 16
    }

    /// Appends the whole state — spins, local fields, energy, magnetization — bit for bit to
    /// `out`, for moving a replica between processes without recomputing its cache (which
    /// would change the last bits of the incrementally updated energy).
    pub(crate) fn write_bytes(&self, out: &mut Vec<u8>) {
        out.extend(self.spins.iter().map(|&s| s as u8));
        for f in &self.fields {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend_from_slice(&self.energy.to_le_bytes());
        out.extend_from_slice(&self.magnetization.to_le_bytes());
    }

    /// Reads back a replica of `n` spins written by [`Replica::write_bytes`]; `None` when
    /// `bytes` is not such an encoding.
    pub(crate) fn read_bytes(n: usize, bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::byte_len(n) {
            return None;
        }
        let (spins, rest) = bytes.split_at(n);
        let spins: Vec<i8> = spins.iter().map(|&b| b as i8).collect();
        if spins.iter().any(|&s| s != 1 && s != -1) {
            return None;
        }
        let words: Vec<[u8; 8]> = rest
            .chunks_exact(8)
            .map(|c| c.try_into().expect("chunks of 8"))
            .collect();
        Some(Replica {
            spins,
            fields: words[..n].iter().map(|w| f64::from_le_bytes(*w)).collect(),
            energy: f64::from_le_bytes(words[n]),
            magnetization: i64::from_le_bytes(words[n + 1]),
        })
    }
}
