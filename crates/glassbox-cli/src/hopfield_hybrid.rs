//! `glassbox hopfield hybrid`: the hybrid Boltzmann machine (binary visible, Gaussian hidden
//! units, weights ξ/√N) sampled by Gibbs or Langevin hidden updates, against the exact
//! Hopfield Boltzmann distribution of its visible units.

use anyhow::{bail, Result};
use clap::ValueEnum;
use glassbox::memory::hybrid::{
    exact_sampler_tv, total_variation, HiddenDynamics, HybridBoltzmann, HybridSpec,
};
use glassbox::memory::Patterns;
use glassbox::rng::Streams;

use crate::plot::{Plot, Series, Style};
use crate::table::Output;

/// Hidden-unit updates on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum HiddenArg {
    /// Exact Gaussian draw z | σ.
    Gibbs,
    /// The paper's Langevin equation over --dt (exact Ornstein–Uhlenbeck propagator).
    Langevin,
}

/// Settings of the hybrid experiment.
#[derive(Clone, Debug)]
pub struct HybridArgs {
    /// Visible units N.
    pub n: usize,
    /// Patterns (hidden units) p.
    pub p: usize,
    /// Inverse temperature β.
    pub beta: f64,
    /// Visible field along pattern 1, h_i = h ξ_i^1.
    pub field: f64,
    /// Hidden update.
    pub hidden: HiddenArg,
    /// Langevin step Δt/τ.
    pub dt: f64,
    /// Recorded samples.
    pub samples: usize,
    /// Steps between samples.
    pub thin: usize,
    /// Steps discarded first.
    pub burn_in: usize,
    /// Seed.
    pub seed: u64,
}

/// Samples the machine and compares its visible marginal with exact enumeration.
pub fn hybrid_experiment(a: &HybridArgs) -> Result<Output> {
    if a.n > glassbox::memory::hybrid::MAX_ENUMERATED {
        bail!(
            "-n must be at most {} (the visible states are enumerated), got {}",
            glassbox::memory::hybrid::MAX_ENUMERATED,
            a.n
        );
    }
    let streams = Streams::new(a.seed);
    let patterns = Patterns::random(a.n, a.p, 0.0, &streams)?;
    let field: Vec<f64> = patterns
        .pattern(0)
        .iter()
        .map(|&x| a.field * x as f64)
        .collect();
    let machine = HybridBoltzmann::new(patterns, a.beta, field)?;
    let hidden = match a.hidden {
        HiddenArg::Gibbs => HiddenDynamics::Gibbs,
        HiddenArg::Langevin => HiddenDynamics::Langevin { step: a.dt },
    };
    let spec = HybridSpec {
        hidden,
        burn_in: a.burn_in,
        samples: a.samples,
        thin: a.thin,
    };
    let run = machine.sample(&spec, &streams)?;
    let exact = machine.exact_marginal()?;
    let counts = run.counts.clone().unwrap_or_default();
    let tv = total_variation(&exact.probabilities, &counts)?;
    let effective = ((a.samples as f64 / (2.0 * run.tau_int)) as usize).max(1);
    let iid = exact_sampler_tv(&exact.probabilities, effective, 10, &streams.child(&[7]))?;
    let mut summary = vec![
        format!(
            "hybrid Boltzmann machine N = {}, p = {}, β = {}, field {} along ξ¹, hidden {:?}: {} samples, τ_int = {:.2} → {} effective",
            a.n, a.p, a.beta, a.field, hidden, a.samples, run.tau_int, effective
        ),
        format!(
            "total variation to the exact Hopfield distribution: {tv:.5}; an exact sampler with {effective} draws gives {:.5} ± {:.5}",
            iid.mean, iid.error
        ),
        format!(
            "⟨E⟩/N: sampled {:.5} ± {:.5}, exact {:.5}",
            run.energy.mean, run.energy.error, exact.energy
        ),
    ];
    let mut rows = vec![];
    for mu in 0..a.p {
        let (o, h) = (run.overlaps[mu], run.hidden[mu]);
        summary.push(format!(
            "μ = {}: exact ⟨m⟩ = {:.5}, sampled ⟨m⟩ = {:.5} ± {:.5}, ⟨z⟩/√N = {:.5} ± {:.5}",
            mu + 1,
            exact.overlaps[mu],
            o.mean,
            o.error,
            h.mean,
            h.error
        ));
        rows.push(vec![
            (mu + 1).to_string(),
            format!("{}", exact.overlaps[mu]),
            format!("{}", o.mean),
            format!("{}", o.error),
            format!("{}", h.mean),
            format!("{}", h.error),
        ]);
    }
    let total = counts.iter().sum::<u64>() as f64;
    let (px, py): (Vec<f64>, Vec<f64>) = exact
        .probabilities
        .iter()
        .zip(&counts)
        .filter(|(_, &c)| c > 0)
        .map(|(&p, &c)| (p, c as f64 / total))
        .unzip();
    let lo = px.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = px.iter().cloned().fold(0.0, f64::max);
    let mut plot = Plot::new(
        "Hybrid Boltzmann machine: visible-state frequencies vs the Hopfield distribution",
        "exact P(σ) (Hopfield, enumeration)",
        "sampled frequency",
    )
    .with(Series::new("visible states", px, py, Style::Points).with_color(1))
    .with(Series::line("y = x", vec![lo, hi], vec![lo, hi]).with_color(0));
    plot.log_x = true;
    plot.log_y = true;
    let plot = plot.note(lo * 3.0, hi, format!("TV = {tv:.4}"));
    Ok(Output {
        summary,
        header: vec![
            "mu",
            "exact_overlap",
            "sampled_overlap",
            "sampled_overlap_error",
            "hidden_mean_over_sqrt_n",
            "hidden_mean_error",
        ],
        rows,
        json: serde_json::json!({
            "total_variation": tv,
            "exact_sampler_tv": iid,
            "effective_samples": effective,
            "tau_int": run.tau_int,
            "exact": exact,
            "overlaps": run.overlaps,
            "hidden_over_sqrt_n": run.hidden,
            "energy": run.energy,
        }),
        plots: vec![("marginal", plot)],
        arrays: vec![("counts", vec![counts.len()], counts)],
    })
}
