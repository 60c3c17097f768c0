//! Retrieval dynamics of a network of ±1 units with local fields h_i = Σ_{j≠i} J_ij s_j.
//!
//! - [`Dynamics::Asynchronous`]: zero temperature, s_i ← sign(h_i) one unit at a time in a
//!   fresh random order every sweep (a tie h_i = 0 keeps s_i). With symmetric J every flip
//!   lowers E, so it stops at a fixed point: a sweep without flips.
//! - [`Dynamics::Synchronous`]: zero temperature, all units at once, s(t+1) = sign(h(s(t))).
//!   With symmetric J it ends in a fixed point or a 2-cycle (s(t+1) = s(t−1)), both detected.
//! - [`Dynamics::Glauber`]: finite temperature heat bath, in random sequential order,
//!   P(s_i = +1) = 1/(1 + e^{−2β h_i}); runs a fixed number of sweeps.

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::network::Network;
use crate::error::{invalid, Result};
use crate::rng::Rng;

/// An update rule and how long to run it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Dynamics {
    /// T = 0, random sequential order, until a fixed point or `max_sweeps` sweeps.
    Asynchronous {
        /// Sweep limit.
        max_sweeps: usize,
    },
    /// T = 0, parallel updates, until a fixed point, a 2-cycle or `max_steps` steps.
    Synchronous {
        /// Step limit.
        max_steps: usize,
    },
    /// Heat bath at inverse temperature `beta` for `sweeps` sweeps.
    Glauber {
        /// Inverse temperature β > 0.
        beta: f64,
        /// Number of sweeps.
        sweeps: usize,
    },
}

/// Where a run ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// Final state.
    pub state: Vec<i8>,
    /// Mattis overlaps m_μ = (1/N) Σ_i ξ_i^μ s_i of the final state (empty if the network
    /// does not know its patterns).
    pub overlaps: Vec<f64>,
    /// Sweeps (or synchronous steps) that changed the state: for T = 0 rules, the time to
    /// converge; for Glauber, the sweeps run.
    pub sweeps: usize,
    /// 1 for a fixed point, 2 for a 2-cycle (synchronous only), `None` if the run stopped at
    /// its limit (always for Glauber).
    pub period: Option<usize>,
    /// Total number of unit flips.
    pub flips: u64,
    /// Final energy E = −½ Σ_{i≠j} J_ij s_i s_j (`None` for asymmetric J).
    pub energy: Option<f64>,
}

impl Outcome {
    /// Whether the run ended in a fixed point.
    pub fn converged(&self) -> bool {
        self.period == Some(1)
    }
}

fn check_state(n: usize, s: &[i8]) -> Result<()> {
    if s.len() != n {
        return Err(invalid(format!(
            "start state has {} units, the network {n}",
            s.len()
        )));
    }
    if let Some(x) = s.iter().find(|&&x| x != 1 && x != -1) {
        return Err(invalid(format!(
            "start state has a unit {x} that is not ±1"
        )));
    }
    Ok(())
}

/// Runs `dynamics` on `net` from `start`; every random choice comes from `rng`.
pub fn run<N: Network>(
    net: &N,
    start: &[i8],
    dynamics: &Dynamics,
    rng: &mut Rng,
) -> Result<Outcome> {
    let n = net.n();
    check_state(n, start)?;
    let mut s = start.to_vec();
    let mut cache = net.cache(&s);
    let mut order: Vec<usize> = (0..n).collect();
    let mut flips = 0u64;
    let mut sweeps = 0usize;
    let mut period = None;
    match *dynamics {
        Dynamics::Asynchronous { max_sweeps } => loop {
            order.shuffle(rng);
            let mut changed = 0u64;
            for &i in &order {
                if (s[i] as f64) * net.field(&cache, &s, i) < 0.0 {
                    net.flip(&mut cache, &mut s, i);
                    changed += 1;
                }
            }
            if changed == 0 {
                period = Some(1);
                break;
            }
            flips += changed;
            sweeps += 1;
            if sweeps >= max_sweeps {
                break;
            }
        },
        Dynamics::Synchronous { max_steps } => {
            let mut previous: Option<Vec<i8>> = None;
            let mut next = s.clone();
            loop {
                for (i, x) in next.iter_mut().enumerate() {
                    let h = net.field(&cache, &s, i);
                    *x = if h > 0.0 {
                        1
                    } else if h < 0.0 {
                        -1
                    } else {
                        s[i]
                    };
                }
                if next == s {
                    period = Some(1);
                    break;
                }
                if previous.as_deref() == Some(&next[..]) {
                    period = Some(2);
                    break;
                }
                if sweeps >= max_steps {
                    break;
                }
                previous = Some(s.clone());
                for i in 0..n {
                    if next[i] != s[i] {
                        net.flip(&mut cache, &mut s, i);
                        flips += 1;
                    }
                }
                sweeps += 1;
            }
        }
        Dynamics::Glauber {
            beta,
            sweeps: total,
        } => {
            if !(beta.is_finite() && beta > 0.0) {
                return Err(invalid(format!(
                    "Glauber dynamics needs a finite β > 0, got {beta}"
                )));
            }
            for _ in 0..total {
                order.shuffle(rng);
                for &i in &order {
                    let h = net.field(&cache, &s, i);
                    let up = 1.0 / (1.0 + (-2.0 * beta * h).exp());
                    let new: i8 = if rng.random::<f64>() < up { 1 } else { -1 };
                    if new != s[i] {
                        net.flip(&mut cache, &mut s, i);
                        flips += 1;
                    }
                }
            }
            sweeps = total;
        }
    }
    let overlaps = net.patterns().map(|p| p.overlaps(&s)).unwrap_or_default();
    let energy = net.energy(&cache, &s);
    Ok(Outcome {
        state: s,
        overlaps,
        sweeps,
        period,
        flips,
        energy,
    })
}

/// A copy of `s` with exactly `count` distinct units flipped, chosen uniformly by `rng`.
pub fn corrupt(s: &[i8], count: usize, rng: &mut Rng) -> Result<Vec<i8>> {
    if count > s.len() {
        return Err(invalid(format!("cannot flip {count} of {} units", s.len())));
    }
    let mut idx: Vec<usize> = (0..s.len()).collect();
    let (chosen, _) = idx.partial_shuffle(rng, count);
    let mut out = s.to_vec();
    for &i in chosen.iter() {
        out[i] = -out[i];
    }
    Ok(out)
}
