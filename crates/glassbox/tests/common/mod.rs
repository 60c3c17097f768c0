//! Helpers shared by the kernel test suites.

use glassbox::mc::PointResult;
use glassbox::measure::Estimate;
use glassbox::model::{Ising, ModelSpec};

/// The model of a TOML spec.
pub fn model(toml: &str) -> Ising {
    ModelSpec::from_toml(toml).unwrap().build().unwrap()
}

/// Asserts that `est` is reliable and within 4σ of `reference` (σ combining both error bars).
pub fn within(what: &str, est: &Estimate, reference: f64, ref_error: f64) {
    assert!(
        est.reliable,
        "{what}: run too short for τ_int = {}",
        est.tau_int
    );
    let sigma = (est.error * est.error + ref_error * ref_error).sqrt();
    let z = (est.mean - reference).abs() / sigma;
    assert!(
        est.error > 0.0 && z < 4.0,
        "{what}: {} ± {} vs {reference} ± {ref_error} ({z:.1}σ)",
        est.mean,
        est.error
    );
}

/// The observables a scan is checked on: energy, specific heat, ⟨m²⟩ and the Binder cumulant.
pub fn observables(r: &PointResult) -> [(&'static str, Estimate); 4] {
    [
        ("energy", r.energy),
        ("specific heat", r.specific_heat),
        ("m²", r.m2),
        ("Binder", r.binder),
    ]
}
