//! Replica-symmetric population dynamics: the cavity method at the level of distributions.
//!
//! On a random c-regular graph (the Bethe lattice) with i.i.d. couplings J and a uniform field
//! h, the cavity fields of the N → ∞ graph are i.i.d. draws from a distribution P(h_cav) that
//! solves `h_cav =_d h + Σ_{k=1}^{c−1} u(J_k, h_k)` with [`cavity_bias`] u. A population of M
//! fields represents P: each update replaces a random member by a fresh right-hand side built
//! from c − 1 random members and c − 1 fresh couplings. After equilibration the thermodynamics
//! per spin are averages over the population (formulas of [`super::bp`] with the sum over
//! sites and bonds replaced by expectations, c/2 bonds per spin):
//!
//! ```text
//! ln Z/N = E ln 2cosh(βH) + (c/2) E[½ Σ_± (L(β(J ± a)) + L(β(J ± b))) − ln S(J, a, b)],
//! H = h + Σ_{k=1}^{c} u(J_k, h_k),   a, b: independent cavity fields,
//! ```
//!
//! with `e = −h E tanh βH − (c/2) E[J ⟨s s⟩(J, a, b)]`. Each observable is estimated from
//! `samples` independent measurements taken once per sweep (M updates) after `burn_in`
//! sweeps; the error is the standard error of those measurements, which is honest only if
//! sweeps decorrelate (true above the spin-glass transition, where the population relaxes in
//! a few sweeps).
//!
//! This is the RS solution: below the spin-glass transition (T_SG = 1.1346 for ±J, c = 3) it
//! is not the correct thermodynamics (1RSB and beyond are not implemented).

use rand::Rng as _;

use super::bp::cavity_bias;
use crate::error::{invalid, Result};
use crate::rng::{Rng, Streams};
use crate::theory::numerics::ln_2cosh;

/// The coupling law of the Bethe lattice.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CouplingLaw {
    /// J = j on every bond.
    Ferro(f64),
    /// J = ±j with equal probability.
    PlusMinus(f64),
    /// J ~ N(0, std²).
    Gaussian(f64),
}

impl CouplingLaw {
    fn draw(&self, rng: &mut Rng) -> f64 {
        match *self {
            CouplingLaw::Ferro(j) => j,
            CouplingLaw::PlusMinus(j) => {
                if rng.random::<bool>() {
                    j
                } else {
                    -j
                }
            }
            CouplingLaw::Gaussian(s) => {
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
                s * z
            }
        }
    }
}

/// Options of population dynamics.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationOptions {
    /// Population size M.
    pub size: usize,
    /// Sweeps (M updates each) before measuring.
    pub burn_in: usize,
    /// Measurements, one per sweep after the burn-in.
    pub samples: usize,
    /// Draws per measurement of the site and bond averages.
    pub draws: usize,
    /// Starting cavity fields are uniform in [−a, a] with this a, plus `start_offset`.
    pub start_width: f64,
    /// Added to every starting field (e.g. positive to select the ferromagnetic state).
    pub start_offset: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for PopulationOptions {
    fn default() -> Self {
        PopulationOptions {
            size: 10_000,
            burn_in: 200,
            samples: 100,
            draws: 10_000,
            start_width: 1.0,
            start_offset: 0.0,
            seed: 0,
        }
    }
}

/// A thermodynamic quantity with its standard error.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Value {
    /// Mean over the measurements.
    pub mean: f64,
    /// Standard error of the mean.
    pub error: f64,
}

fn value(xs: &[f64]) -> Value {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    Value {
        mean,
        error: (var / n).sqrt(),
    }
}

/// RS thermodynamics per spin of the Bethe lattice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationResult {
    /// Inverse temperature.
    pub beta: f64,
    /// Free energy per spin.
    pub free_energy: Value,
    /// Energy per spin.
    pub energy: Value,
    /// Entropy per spin β(e − f) (from the means; its error combines both errors).
    pub entropy: Value,
    /// Magnetization E tanh βH.
    pub magnetization: Value,
    /// Edwards–Anderson parameter E tanh² βH.
    pub q: Value,
    /// The final population of cavity fields.
    pub population: Vec<f64>,
}

/// Runs RS population dynamics for the c-regular Bethe lattice with coupling `law` and
/// uniform field `h` at inverse temperature `beta`.
pub fn population_dynamics(
    c: usize,
    law: CouplingLaw,
    h: f64,
    beta: f64,
    opts: &PopulationOptions,
) -> Result<PopulationResult> {
    if c < 2 {
        return Err(invalid(format!(
            "population dynamics needs degree c ≥ 2, got {c}"
        )));
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!(
            "inverse temperature must be finite and positive, got {beta}"
        )));
    }
    if !h.is_finite() || !opts.start_width.is_finite() || !opts.start_offset.is_finite() {
        return Err(invalid("field and starting population must be finite"));
    }
    let bad = match law {
        CouplingLaw::Ferro(j) | CouplingLaw::PlusMinus(j) => !j.is_finite(),
        CouplingLaw::Gaussian(s) => !(s.is_finite() && s >= 0.0),
    };
    if bad {
        return Err(invalid(format!("bad coupling law {law:?}")));
    }
    if opts.size < 2 || opts.samples == 0 || opts.draws == 0 {
        return Err(invalid(
            "population dynamics needs size ≥ 2, samples ≥ 1 and draws ≥ 1",
        ));
    }
    let m = opts.size;
    let mut rng = Streams::new(opts.seed).stream(&[4]);
    let mut pop: Vec<f64> = (0..m)
        .map(|_| opts.start_offset + opts.start_width * (2.0 * rng.random::<f64>() - 1.0))
        .collect();
    let sweep = |pop: &mut Vec<f64>, rng: &mut Rng| {
        for _ in 0..m {
            let mut x = h;
            for _ in 0..c - 1 {
                let k = rng.random_range(0..m);
                x += cavity_bias(beta, law.draw(rng), pop[k]);
            }
            let t = rng.random_range(0..m);
            pop[t] = x;
        }
    };
    for _ in 0..opts.burn_in {
        sweep(&mut pop, &mut rng);
    }
    let half_c = 0.5 * c as f64;
    let (mut fs, mut es, mut ms, mut qs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..opts.samples {
        sweep(&mut pop, &mut rng);
        let (mut site_lnz, mut mag, mut q2, mut bond_lnz, mut bond_e) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for _ in 0..opts.draws {
            let mut big_h = h;
            for _ in 0..c {
                let k = rng.random_range(0..m);
                big_h += cavity_bias(beta, law.draw(&mut rng), pop[k]);
            }
            site_lnz += ln_2cosh(beta * big_h);
            let t = (beta * big_h).tanh();
            mag += t;
            q2 += t * t;
            let j = law.draw(&mut rng);
            let a = pop[rng.random_range(0..m)];
            let b = pop[rng.random_range(0..m)];
            let bj = beta * j;
            let x = bj + ln_2cosh(beta * (a + b));
            let y = -bj + ln_2cosh(beta * (a - b));
            let log_s = x.max(y) + (-(x - y).abs()).exp().ln_1p();
            bond_lnz += 0.5
                * (ln_2cosh(bj + beta * a)
                    + ln_2cosh(bj - beta * a)
                    + ln_2cosh(bj + beta * b)
                    + ln_2cosh(bj - beta * b))
                - log_s;
            bond_e += j * (0.5 * (x - y)).tanh();
        }
        let d = opts.draws as f64;
        let ln_z = site_lnz / d + half_c * bond_lnz / d;
        fs.push(-ln_z / beta);
        es.push(-h * mag / d - half_c * bond_e / d);
        ms.push(mag / d);
        qs.push(q2 / d);
    }
    let (f, e) = (value(&fs), value(&es));
    Ok(PopulationResult {
        beta,
        free_energy: f,
        energy: e,
        entropy: Value {
            mean: beta * (e.mean - f.mean),
            error: beta * (e.error.powi(2) + f.error.powi(2)).sqrt(),
        },
        magnetization: value(&ms),
        q: value(&qs),
        population: pop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cavity::bp::{self, BpOptions, Initial};
    use crate::model::ModelSpec;

    #[test]
    fn paramagnet_and_ferromagnet_closed_forms() {
        let opts = PopulationOptions {
            size: 2000,
            burn_in: 100,
            samples: 20,
            draws: 2000,
            ..PopulationOptions::default()
        };
        // ±J, c = 3, T = 2 > T_SG: the population collapses to 0,
        // f = −T[ln 2 + (c/2) ln cosh βJ], e = −(c/2) tanh βJ.
        let beta = 0.5;
        let r = population_dynamics(3, CouplingLaw::PlusMinus(1.0), 0.0, beta, &opts).unwrap();
        let f = -(2f64.ln() + 1.5 * beta.cosh().ln()) / beta;
        assert!((r.free_energy.mean - f).abs() < 1e-10, "{r:?}");
        assert!((r.energy.mean + 1.5 * beta.tanh()).abs() < 1e-10);
        // Ferromagnet, c = 3, T = 1.5 < T_c: every cavity field is the root of
        // h* = 2 u(1, h*), reached from a positive start.
        let beta = 1.0 / 1.5;
        let mut hs = 1.0;
        for _ in 0..10_000 {
            hs = 2.0 * cavity_bias(beta, 1.0, hs);
        }
        let r = population_dynamics(
            3,
            CouplingLaw::Ferro(1.0),
            0.0,
            beta,
            &PopulationOptions {
                start_offset: 1.0,
                burn_in: 2000,
                ..opts
            },
        )
        .unwrap();
        let big_h = 3.0 * cavity_bias(beta, 1.0, hs);
        assert!(
            (r.magnetization.mean - (beta * big_h).tanh()).abs() < 1e-9,
            "{r:?}"
        );
    }

    /// BP on one large graph with a field approaches the N → ∞ population result.
    #[test]
    fn bp_on_a_large_graph_matches_population_dynamics() {
        let (beta, h) = (1.0 / 1.5, 0.5);
        let spec = format!(
            "graph = {{ kind = 'random-regular', n = 4000, degree = 3 }}\ncouplings = {{ law = 'plus-minus' }}\nfield = {{ uniform = {h} }}\nseed = 5"
        );
        let model = ModelSpec::from_toml(&spec).unwrap().build().unwrap();
        let b = bp::run(
            &model,
            beta,
            &BpOptions {
                initial: Initial::Constant(0.1),
                ..BpOptions::default()
            },
        )
        .unwrap();
        assert!(b.converged);
        let r = population_dynamics(
            3,
            CouplingLaw::PlusMinus(1.0),
            h,
            beta,
            &PopulationOptions {
                size: 20_000,
                samples: 40,
                ..PopulationOptions::default()
            },
        )
        .unwrap();
        eprintln!(
            "BP N=4000: e = {}, f = {}; population: e = {:?}, f = {:?}",
            b.energy, b.free_energy, r.energy, r.free_energy
        );
        // Sample-to-sample fluctuations of a single graph are O(1/√N) ≈ 0.016.
        assert!((b.energy - r.energy.mean).abs() < 0.03);
        assert!((b.free_energy - r.free_energy.mean).abs() < 0.03);
    }

    #[test]
    fn rejects_bad_input() {
        let o = PopulationOptions::default();
        assert!(population_dynamics(1, CouplingLaw::Ferro(1.0), 0.0, 1.0, &o).is_err());
        assert!(population_dynamics(3, CouplingLaw::Ferro(1.0), 0.0, 0.0, &o).is_err());
        assert!(population_dynamics(3, CouplingLaw::Gaussian(-1.0), 0.0, 1.0, &o).is_err());
    }
}
