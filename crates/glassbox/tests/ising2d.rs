//! The 2D Ising ferromagnet: exact enumeration against Kaufman's solution, and the Binder
//! cumulant crossing at Onsager's T_c.

use glassbox::exact::{enumerate::enumerate, kaufman::kaufman, onsager::T_C};
use glassbox::mc::{scan, Kernel, Order, Rule, ScanConfig};
use glassbox::model::{Ising, ModelSpec};

fn square(l: usize) -> Ising {
    ModelSpec::from_toml(&format!(
        "graph = {{ kind = 'lattice', dims = [{l}, {l}] }}"
    ))
    .unwrap()
    .build()
    .unwrap()
}

#[test]
fn enumeration_equals_kaufman_l4() {
    let temps = [1.0, 1.5, 2.0, 2.269, T_C, 3.5, 10.0];
    let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
    let e = enumerate(&square(4), &betas).unwrap();
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    for p in &e.points {
        let k = kaufman(4, 4, p.beta).unwrap();
        assert!(
            rel(p.ln_z_per_spin, k.ln_z_per_spin) < 1e-10,
            "lnZ at β={}",
            p.beta
        );
        assert!(
            rel(p.energy, k.energy_per_spin) < 1e-10,
            "E at β={}",
            p.beta
        );
        assert!(
            rel(p.specific_heat, k.specific_heat_per_spin) < 1e-10,
            "C at β={}",
            p.beta
        );
    }
}

/// U_16 − U_8 changes sign inside T_c (1 ± 1.5 %): the crossing brackets Onsager's T_c.
#[test]
fn binder_crossing_brackets_tc() {
    let (lo, hi) = (T_C * (1.0 - 0.015), T_C * (1.0 + 0.015));
    let run = |l: usize, seed: u64| {
        let cfg = ScanConfig {
            temperatures: vec![lo, hi],
            rule: Rule::Metropolis,
            order: Order::Sequential,
            thermalization: 10_000,
            sweeps: 400_000,
            measure_every: 1,
            seed,
            cluster: None,
            kernel: Kernel::Scalar,
        };
        scan(&square(l), cfg).unwrap().0
    };
    let (u8, u16) = (run(8, 1), run(16, 2));
    for k in 0..2 {
        let (a, b) = (u8[k].binder, u16[k].binder);
        assert!(a.reliable && b.reliable);
        let diff = b.mean - a.mean;
        let sigma = (a.error.powi(2) + b.error.powi(2)).sqrt();
        // Below T_c the larger system is more ordered (U_16 > U_8), above it less.
        let expected_sign = if k == 0 { 1.0 } else { -1.0 };
        eprintln!(
            "T = {}: U_16 − U_8 = {diff:.4} ± {sigma:.4}",
            u8[k].temperature
        );
        assert!(
            diff * expected_sign > 2.0 * sigma,
            "T = {}: U_16 − U_8 = {diff} ± {sigma}",
            u8[k].temperature
        );
    }
}
