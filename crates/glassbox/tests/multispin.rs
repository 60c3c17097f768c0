//! The multispin-coded kernel against exact enumeration and against the scalar kernel: every
//! lane-averaged observable within 4σ (σ from the runs' own autocorrelation-aware error bars),
//! directly and through the temperature scan's multispin route (`scan_*`).

mod common;

use common::{model, observables, within};
use glassbox::exact::enumerate::enumerate;
use glassbox::mc::multispin::{MultiRng, MultiSpin, MultiSweeper};
use glassbox::mc::{scan, Kernel, Order, PointResult, Rule, ScanConfig};
use glassbox::measure::Estimate;
use glassbox::model::Ising;
use glassbox::rng::{purpose, Streams};

/// Lane-averaged ⟨e⟩, ⟨|m|⟩ and ⟨m²⟩ (per spin) of 64 replicas of `m` at temperature `t`.
fn multispin(m: &Ising, rule: Rule, t: f64, sweeps: u64, seed: u64) -> [Estimate; 3] {
    let streams = Streams::new(seed);
    let mut st = MultiSpin::new(m).unwrap();
    st.randomize(&mut streams.stream(&[purpose::INITIAL_STATE]));
    let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
    let sw = MultiSweeper::new(&st, rule, 1.0 / t).unwrap();
    let r = sw.run(&mut st, &mut rng, sweeps / 10, sweeps, 1).unwrap();
    [r.energy, r.abs_m, r.m2]
}

fn against_exact(m: &Ising, temperatures: &[f64], sweeps: u64) {
    let betas: Vec<f64> = temperatures.iter().map(|t| 1.0 / t).collect();
    let exact = enumerate(m, &betas).unwrap();
    for (k, rule) in [Rule::Metropolis, Rule::HeatBath].into_iter().enumerate() {
        for (&t, x) in temperatures.iter().zip(&exact.points) {
            let [e, abs_m, m2] = multispin(m, rule, t, sweeps, 10 + k as u64);
            let what = |o: &str| format!("{rule:?} {o} at T={t}");
            within(&what("energy"), &e, x.energy, 0.0);
            within(&what("|m|"), &abs_m, x.abs_m, 0.0);
            within(&what("m²"), &m2, x.m2, 0.0);
        }
    }
}

/// Checkerboard layout (rows shorter than one vector: the padded tail path).
#[test]
fn ferro_4x4_exact() {
    against_exact(
        &model("graph = { kind = 'lattice', dims = [4, 4] }"),
        &[1.5, 2.269, 3.5],
        20_000,
    );
}

/// Checkerboard layout with per-bond signs, rows of 3 words.
#[test]
fn plus_minus_6x4_exact() {
    against_exact(
        &model("graph = { kind = 'lattice', dims = [6, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 3"),
        &[1.0, 2.0],
        20_000,
    );
}

/// Odd sides: the sequential layout, 3D, per-bond signs.
#[test]
fn plus_minus_3x3x3_exact() {
    against_exact(
        &model("graph = { kind = 'lattice', dims = [3, 3, 3] }\ncouplings = { law = 'plus-minus' }\nseed = 7"),
        &[1.2, 2.5],
        10_000,
    );
}

/// The same observables from the scalar kernel (sequential Metropolis).
fn scalar(m: &Ising, t: f64, sweeps: u64, seed: u64) -> [Estimate; 2] {
    let r = scan_on(m, Kernel::Scalar, &[t], sweeps, seed);
    [r[0].energy, r[0].abs_m]
}

/// 2D L = 16 ferromagnet around T_c, both rules, against the scalar kernel.
#[test]
fn ferro_16x16_matches_scalar() {
    let m = model("graph = { kind = 'lattice', dims = [16, 16] }");
    for (i, t) in [2.0, 2.269, 3.0].into_iter().enumerate() {
        let [se, sm] = scalar(&m, t, 100_000, 20 + i as u64);
        for rule in [Rule::Metropolis, Rule::HeatBath] {
            let [e, abs_m, _] = multispin(&m, rule, t, 10_000, 30 + i as u64);
            within(&format!("{rule:?} energy at T={t}"), &e, se.mean, se.error);
            within(&format!("{rule:?} |m| at T={t}"), &abs_m, sm.mean, sm.error);
        }
    }
}

/// 3D ±J L = 4 (one sample, 64 replicas) against the scalar kernel.
#[test]
fn plus_minus_4x4x4_matches_scalar() {
    let m = model("graph = { kind = 'lattice', dims = [4, 4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 5");
    for (i, t) in [1.5, 3.0].into_iter().enumerate() {
        let [se, sm] = scalar(&m, t, 100_000, 40 + i as u64);
        for rule in [Rule::Metropolis, Rule::HeatBath] {
            let [e, abs_m, _] = multispin(&m, rule, t, 5_000, 50 + i as u64);
            within(&format!("{rule:?} energy at T={t}"), &e, se.mean, se.error);
            within(&format!("{rule:?} |m| at T={t}"), &abs_m, sm.mean, sm.error);
        }
    }
}

/// A Metropolis scan of `m` on `kernel` (the scalar one in sequential order, the multispin one
/// in checkerboard order, or sequential for odd sides).
fn scan_on(m: &Ising, kernel: Kernel, temps: &[f64], sweeps: u64, seed: u64) -> Vec<PointResult> {
    let cfg = ScanConfig {
        temperatures: temps.to_vec(),
        rule: Rule::Metropolis,
        order: Order::Sequential,
        thermalization: sweeps / 10,
        sweeps,
        measure_every: 1,
        seed,
        cluster: None,
        kernel,
    };
    assert_eq!(cfg.runs_multispin(m), kernel == Kernel::Auto);
    scan(m, cfg).unwrap().0
}

/// `glassbox sample`'s multispin route (lane-averaged moments of 64 replicas) against its
/// scalar route, within 4σ of the combined error.
fn scan_matches_scalar(m: &Ising, temps: &[f64], sweeps: (u64, u64), seed: u64) {
    let multi = scan_on(m, Kernel::Auto, temps, sweeps.0, seed);
    let scalar = scan_on(m, Kernel::Scalar, temps, sweeps.1, seed + 1);
    for (a, b) in multi.iter().zip(&scalar) {
        assert!(a.acceptance > 0.0 && a.acceptance < 1.0);
        for ((what, x), (_, y)) in observables(a).into_iter().zip(observables(b)) {
            assert!(y.reliable, "scalar {what} at T={}", b.temperature);
            within(
                &format!("scan {what} at T={}", a.temperature),
                &x,
                y.mean,
                y.error,
            );
        }
    }
}

/// `glassbox sample`'s multispin route against exact enumeration, within 4σ.
fn scan_matches_exact(m: &Ising, temps: &[f64], sweeps: u64, seed: u64) {
    let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
    let exact = enumerate(m, &betas).unwrap();
    for (r, x) in scan_on(m, Kernel::Auto, temps, sweeps, seed)
        .iter()
        .zip(&exact.points)
    {
        let reference = [x.energy, x.specific_heat, x.m2, x.binder];
        for ((what, est), x) in observables(r).into_iter().zip(reference) {
            within(&format!("scan {what} at T={}", r.temperature), &est, x, 0.0);
        }
    }
}

#[test]
fn scan_ferro_8x8_matches_scalar() {
    let m = model("graph = { kind = 'lattice', dims = [8, 8] }");
    scan_matches_scalar(&m, &[1.8, 2.269, 3.0], (20_000, 200_000), 60);
}

#[test]
fn scan_plus_minus_4x4x4_matches_scalar() {
    let m = model("graph = { kind = 'lattice', dims = [4, 4, 4] }\ncouplings = { law = 'plus-minus' }\nseed = 5");
    scan_matches_scalar(&m, &[1.0, 2.0], (20_000, 200_000), 70);
}

#[test]
fn scan_ferro_4x4_exact() {
    let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
    scan_matches_exact(&m, &[1.5, 2.269, 3.5], 20_000, 80);
}

/// Odd side: the sequential multispin variant.
#[test]
fn scan_plus_minus_3x3x3_exact() {
    let m = model("graph = { kind = 'lattice', dims = [3, 3, 3] }\ncouplings = { law = 'plus-minus' }\nseed = 7");
    scan_matches_exact(&m, &[1.2, 2.5], 10_000, 90);
}
