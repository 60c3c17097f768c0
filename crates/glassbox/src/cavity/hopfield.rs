//! Approximate message passing (AMP) for the Hopfield model and its state evolution.
//!
//! The Hopfield Gibbs measure at inverse temperature β with Hebb couplings
//! J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ is the marginal over Gaussian "hidden" variables λ_μ of the
//! bipartite (restricted Boltzmann machine) measure
//!
//! ```text
//! P(s, λ) ∝ exp(−(β/2) Σ_μ λ_μ² + β Σ_{iμ} W_iμ s_i λ_μ),   W_iμ = ξ_i^μ / √N,
//! ```
//!
//! because ∫dλ e^{−βλ²/2 + βλx} ∝ e^{βx²/2} (the diagonal J_ii = p/N is a constant for ±1
//! spins). Message passing on this bipartite graph, expanded to second order in the weak
//! couplings W = O(1/√N) as in Mézard (2017, "Mean-field message-passing equations in the
//! Hopfield model and its generalizations", Phys. Rev. E 95, 022117), gives the AMP iteration
//! used here. One pattern, the *condensed* one (index ν), has an O(1) overlap
//! M = (1/N) Σ_i ξ_i^ν m_i; its hidden variable is macroscopic and acts as the mean field
//! β M ξ_i^ν. The other p − 1 patterns are handled by AMP with load α = (p − 1)/N:
//!
//! ```text
//! q_t   = |m^t|²/N,                   c_t = 1 / (β (1 − β(1 − q_t))),
//! u_μ^t = c_t [β Σ_j W_jμ m_j^t − β² (1 − q_t) u_μ^{t−1}],                 (μ ≠ ν)
//! m_i^{t+1} = tanh(β ξ_i^ν M_t + β Σ_{μ≠ν} W_iμ u_μ^t − β² α c_t m_i^t),
//! ```
//!
//! with u^{−1} = 0. Here u_μ is the mean of the hidden variable λ_μ, c_t its variance, and the
//! two subtracted terms are the Onsager reactions of the bipartite graph. The iteration needs
//! β(1 − q_t) < 1 (else the hidden Gaussian is not normalizable); starting from a state with
//! ±1 entries (q₀ = 1) keeps it there in the retrieval phase.
//!
//! Its state evolution ([`state_evolution`]) follows the macroscopic overlaps, with the
//! gauge ξ^ν = +1 and z ~ N(0, 1):
//!
//! ```text
//! M_{t+1} = E_z tanh(β(M_t + √(α r_t) z)),   q_{t+1} = E_z tanh²(β(M_t + √(α r_t) z)),
//! r_t = q_t / (1 − β(1 − q_t))²,
//! ```
//!
//! whose fixed points are the replica-symmetric equations of Amit, Gutfreund & Sompolinsky
//! ([`crate::theory::hopfield::ags`]). For a start m⁰ that depends on the condensed pattern
//! only, the iterates' (M_t, q_t) follow it up to O(1/√N).

use crate::error::{invalid, Result};
use crate::memory::Patterns;
use crate::theory::numerics::GaussHermite;

/// The outcome of [`amp`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HopfieldAmpResult {
    /// Inverse temperature β.
    pub beta: f64,
    /// Load of the uncondensed patterns, α = (p − 1)/N.
    pub alpha: f64,
    /// Index ν of the condensed pattern.
    pub condensed: usize,
    /// Whether the largest change of an m_i fell below the tolerance.
    pub converged: bool,
    /// Iterations performed.
    pub iterations: usize,
    /// Largest change of an m_i in the last iteration.
    pub max_change: f64,
    /// The magnetizations m_i.
    pub magnetizations: Vec<f64>,
    /// Mattis overlap M_t = (1/N) Σ_i ξ_i^ν m_i^t after each iteration (index 0: the start).
    pub mattis: Vec<f64>,
    /// q_t = |m^t|²/N after each iteration (index 0: the start).
    pub overlaps: Vec<f64>,
}

/// The state-evolution trajectory (M_t, q_t) of [`state_evolution`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HopfieldEvolution {
    /// Mattis overlaps M_t (index 0: the start).
    pub mattis: Vec<f64>,
    /// Overlaps q_t (index 0: the start).
    pub overlaps: Vec<f64>,
}

fn check_beta(beta: f64) -> Result<()> {
    if beta.is_finite() && beta > 0.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "inverse temperature must be finite and positive, got {beta}"
        )))
    }
}

fn unphysical(beta: f64, q: f64) -> crate::error::Error {
    invalid(format!(
        "Hopfield AMP needs β(1 − q) < 1 for a normalizable hidden variable, got β = {beta}, \
         q = {q:.4}; start closer to a pattern (q₀ = 1) or raise the temperature"
    ))
}

/// Runs the Hopfield AMP iteration from `start` (m⁰, entries in [−1, 1]) with pattern
/// `condensed` treated in mean field, for at most `iterations` steps, stopping when the largest
/// change of an m_i is below `tolerance`.
pub fn amp(
    patterns: &Patterns,
    beta: f64,
    start: &[f64],
    condensed: usize,
    iterations: usize,
    tolerance: f64,
) -> Result<HopfieldAmpResult> {
    check_beta(beta)?;
    let (n, p) = (patterns.n(), patterns.p());
    if condensed >= p {
        return Err(invalid(format!(
            "condensed pattern {condensed} does not exist ({p} patterns)"
        )));
    }
    if start.len() != n {
        return Err(invalid(format!(
            "{n} units need {n} start magnetizations, got {}",
            start.len()
        )));
    }
    if start.iter().any(|x| x.is_nan() || x.abs() > 1.0) {
        return Err(invalid("start magnetizations must lie in [−1, 1]"));
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(invalid(format!(
            "tolerance must be positive, got {tolerance}"
        )));
    }
    if iterations == 0 {
        return Err(invalid("need at least one iteration"));
    }
    let nf = n as f64;
    let scale = 1.0 / nf.sqrt();
    let alpha = (p - 1) as f64 / nf;
    let xi_nu = patterns.pattern(condensed);
    let mattis = |m: &[f64]| m.iter().zip(xi_nu).map(|(a, &x)| a * x as f64).sum::<f64>() / nf;
    let overlap = |m: &[f64]| m.iter().map(|a| a * a).sum::<f64>() / nf;
    let others: Vec<usize> = (0..p).filter(|&mu| mu != condensed).collect();
    let mut m = start.to_vec();
    let mut u = vec![0.0; others.len()];
    let mut field = vec![0.0; n];
    let (mut ms, mut qs) = (vec![mattis(&m)], vec![overlap(&m)]);
    let (mut done, mut max_change, mut converged) = (0, f64::INFINITY, false);
    while done < iterations {
        done += 1;
        let q = *qs.last().expect("q has entries");
        let big_m = *ms.last().expect("M has entries");
        let gap = 1.0 - beta * (1.0 - q);
        if gap <= 0.0 {
            return Err(unphysical(beta, q));
        }
        let c = 1.0 / (beta * gap);
        // Hidden means u_μ^t, with the Onsager term on u^{t−1}.
        for (k, &mu) in others.iter().enumerate() {
            let xi = patterns.pattern(mu);
            let s: f64 = m.iter().zip(xi).map(|(a, &x)| a * x as f64).sum();
            u[k] = c * (beta * scale * s - beta * beta * (1.0 - q) * u[k]);
        }
        // Visible fields: condensed mean field, the uncondensed hidden means, Onsager term.
        for (i, f) in field.iter_mut().enumerate() {
            *f = beta * big_m * xi_nu[i] as f64 - beta * beta * alpha * c * m[i];
        }
        for (k, &mu) in others.iter().enumerate() {
            let w = beta * scale * u[k];
            for (f, &x) in field.iter_mut().zip(patterns.pattern(mu)) {
                *f += w * x as f64;
            }
        }
        let mut change: f64 = 0.0;
        for (a, f) in m.iter_mut().zip(&field) {
            let new = f.tanh();
            change = change.max((new - *a).abs());
            *a = new;
        }
        if !change.is_finite() {
            return Err(invalid("Hopfield AMP magnetizations became non-finite"));
        }
        ms.push(mattis(&m));
        qs.push(overlap(&m));
        max_change = change;
        if change < tolerance {
            converged = true;
            break;
        }
    }
    Ok(HopfieldAmpResult {
        beta,
        alpha,
        condensed,
        converged,
        iterations: done,
        max_change,
        magnetizations: m,
        mattis: ms,
        overlaps: qs,
    })
}

/// The state evolution of [`amp`] at load α (of the uncondensed patterns) from (M₀, q₀), for
/// `steps` steps (the result has `steps + 1` entries).
pub fn state_evolution(
    alpha: f64,
    beta: f64,
    m0: f64,
    q0: f64,
    steps: usize,
) -> Result<HopfieldEvolution> {
    check_beta(beta)?;
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(invalid(format!("load α must be ≥ 0, got {alpha}")));
    }
    if !(m0.abs() <= 1.0 && (0.0..=1.0).contains(&q0) && m0 * m0 <= q0 + 1e-12) {
        return Err(invalid(format!(
            "need |M₀| ≤ 1, q₀ ∈ [0, 1] and M₀² ≤ q₀, got M₀ = {m0}, q₀ = {q0}"
        )));
    }
    let gh = GaussHermite::new(150)?;
    let (mut ms, mut qs) = (vec![m0], vec![q0]);
    for _ in 0..steps {
        let (m, q) = (*ms.last().unwrap(), *qs.last().unwrap());
        let gap = 1.0 - beta * (1.0 - q);
        if gap <= 0.0 {
            return Err(unphysical(beta, q));
        }
        let sigma = (alpha * q).sqrt() / gap;
        ms.push(gh.average(|z| (beta * (m + sigma * z)).tanh()));
        qs.push(gh.average(|z| (beta * (m + sigma * z)).tanh().powi(2)));
    }
    Ok(HopfieldEvolution {
        mattis: ms,
        overlaps: qs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::dynamics::{corrupt, run, Dynamics};
    use crate::memory::Hebbian;
    use crate::rng::Streams;
    use crate::theory::hopfield::ags;

    #[test]
    fn iterates_follow_state_evolution_and_reach_the_ags_state() {
        let (n, p, beta) = (2000, 101, 1.0 / 0.3);
        let streams = Streams::new(5);
        let patterns = Patterns::random(n, p, 0.0, &streams).unwrap();
        let mut rng = streams.stream(&[7]);
        // 20% of the units flipped: M₀ = 0.6, q₀ = 1, at α = 0.05, T = 0.3. (At T = 0.5 the
        // same start leaves the physical region β(1 − q_t) < 1 after 15 steps, in the state
        // evolution as in the iterates: AMP is a parallel iteration, not a descent.)
        let s0 = corrupt(patterns.pattern(0), 400, &mut rng).unwrap();
        let m0: Vec<f64> = s0.iter().map(|&x| x as f64).collect();
        let r = amp(&patterns, beta, &m0, 0, 200, 1e-10).unwrap();
        assert!(r.converged, "{} {}", r.iterations, r.max_change);
        let se = state_evolution(r.alpha, beta, r.mattis[0], r.overlaps[0], r.iterations).unwrap();
        let tol = 4.0 / (n as f64).sqrt();
        let mut worst: f64 = 0.0;
        for t in 0..r.mattis.len() {
            worst = worst
                .max((r.mattis[t] - se.mattis[t]).abs())
                .max((r.overlaps[t] - se.overlaps[t]).abs());
        }
        eprintln!(
            "Hopfield AMP N={n} α={} T=0.3: M = {} (SE {}), q = {} (SE {}), {} its, worst gap {worst:.2e}",
            r.alpha,
            r.mattis.last().unwrap(),
            se.mattis.last().unwrap(),
            r.overlaps.last().unwrap(),
            se.overlaps.last().unwrap(),
            r.iterations
        );
        assert!(worst < tol, "worst |AMP − SE| = {worst}");
        // The fixed point is the AGS retrieval state.
        let a = ags(r.alpha, beta, 1.0).unwrap();
        let mt = *r.mattis.last().unwrap();
        assert!((mt - a.m).abs() < tol, "AMP M = {mt}, AGS {}", a.m);
        // Glauber dynamics of the memory module, started in the pattern, fluctuates around
        // the same overlap (time average of 40 snapshots, 5 sweeps apart).
        let net = Hebbian::new(patterns.clone()).unwrap();
        let mut s = patterns.pattern(0).to_vec();
        let mut sum = 0.0;
        for k in 0..50 {
            let o = run(&net, &s, &Dynamics::Glauber { beta, sweeps: 5 }, &mut rng).unwrap();
            if k >= 10 {
                sum += o.overlaps[0];
            }
            s = o.state;
        }
        let glauber = sum / 40.0;
        eprintln!("Glauber ⟨M⟩ = {glauber}, AGS {}", a.m);
        assert!((glauber - mt).abs() < tol, "Glauber {glauber} vs AMP {mt}");
    }

    #[test]
    fn rejects_bad_input() {
        let patterns = Patterns::random(50, 3, 0.0, &Streams::new(1)).unwrap();
        let ones = vec![1.0; 50];
        assert!(amp(&patterns, 1.0, &ones, 3, 10, 1e-9).is_err());
        assert!(amp(&patterns, 0.0, &ones, 0, 10, 1e-9).is_err());
        assert!(amp(&patterns, 1.0, &ones[..10], 0, 10, 1e-9).is_err());
        assert!(amp(&patterns, 1.0, &[2.0; 50], 0, 10, 1e-9).is_err());
        // β(1 − q₀) ≥ 1: the hidden Gaussian is not normalizable.
        assert!(amp(&patterns, 2.0, &[0.0; 50], 0, 10, 1e-9).is_err());
        assert!(state_evolution(0.1, 2.0, 0.0, 0.0, 3).is_err());
        assert!(state_evolution(-1.0, 1.0, 0.5, 1.0, 3).is_err());
    }
}
