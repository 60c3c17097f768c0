//! Replica lanes (32 replicas in single precision) against exact enumeration and against the
//! scalar kernel, through `glassbox sample`'s scan (its route for Gaussian couplings, fields,
//! open boundaries and graphs): energy, specific heat, ⟨m²⟩ and the Binder cumulant within
//! 4σ (σ from the runs' own autocorrelation-aware error bars), in both site orders and with
//! both rules.

mod common;

use common::{model, observables, within};
use glassbox::exact::enumerate::enumerate;
use glassbox::mc::lanes::{self, LaneModel, LaneSpins, LaneSweeper, LANES};
use glassbox::mc::multispin::MultiRng;
use glassbox::mc::{scan, Kernel, Order, PointResult, Replica, Rule, ScanConfig};
use glassbox::model::Ising;
use glassbox::rng::{purpose, Streams};

/// A scan of `m` on `kernel` (Auto: replica lanes for these models).
fn scan_on(
    m: &Ising,
    kernel: Kernel,
    (rule, order): (Rule, Order),
    temps: &[f64],
    sweeps: u64,
    seed: u64,
) -> Vec<PointResult> {
    let cfg = ScanConfig {
        temperatures: temps.to_vec(),
        rule,
        order,
        thermalization: sweeps / 10,
        sweeps,
        measure_every: 1,
        seed,
        cluster: None,
        kernel,
    };
    assert_eq!(cfg.runs_lanes(m), kernel == Kernel::Auto);
    assert_eq!(
        cfg.kernel_name(m),
        if kernel == Kernel::Auto {
            "lanes"
        } else {
            "scalar"
        }
    );
    scan(m, cfg).unwrap().0
}

const DYNAMICS: [(Rule, Order); 3] = [
    (Rule::Metropolis, Order::Sequential),
    (Rule::HeatBath, Order::Sequential),
    (Rule::Metropolis, Order::Random),
];

fn matches_exact(m: &Ising, temps: &[f64], sweeps: u64, seed: u64) {
    let betas: Vec<f64> = temps.iter().map(|t| 1.0 / t).collect();
    let exact = enumerate(m, &betas).unwrap();
    for (k, dynamics) in DYNAMICS.into_iter().enumerate() {
        let runs = scan_on(m, Kernel::Auto, dynamics, temps, sweeps, seed + k as u64);
        for (r, x) in runs.iter().zip(&exact.points) {
            assert!(r.acceptance > 0.0 && r.acceptance < 1.0);
            let reference = [x.energy, x.specific_heat, x.m2, x.binder];
            for ((what, est), x) in observables(r).into_iter().zip(reference) {
                let what = format!("{dynamics:?} {what} at T={}", r.temperature);
                within(&what, &est, x, 0.0);
            }
        }
    }
}

/// 2D Gaussian spin glass, periodic 4×4.
#[test]
fn gaussian_4x4_exact() {
    let m = model(
        "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'gaussian' }\nseed = 3",
    );
    matches_exact(&m, &[0.5, 1.5], 20_000, 10);
}

/// 3D Gaussian spin glass in a uniform field, 3×3×3 (odd sides).
#[test]
fn gaussian_3x3x3_field_exact() {
    let m = model("graph = { kind = 'lattice', dims = [3, 3, 3] }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.3 }\nseed = 7");
    matches_exact(&m, &[0.8, 2.0], 10_000, 20);
}

/// A random graph with ±1 couplings and random per-site fields (a G-set-like instance).
#[test]
fn graph_with_fields_exact() {
    let m = model("graph = { kind = 'erdos-renyi', n = 14, mean_degree = 4.0 }\ncouplings = { law = 'plus-minus' }\nfield = { per-site = [0.5, -0.25, 0.0, 1.0, -1.0, 0.1, 0.0, 0.3, -0.7, 0.0, 0.2, 0.0, -0.4, 0.6] }\nseed = 2");
    matches_exact(&m, &[1.0, 2.5], 20_000, 30);
}

/// Open boundaries, 3D Gaussian, against the scalar kernel.
#[test]
fn open_gaussian_5x5x4_matches_scalar() {
    let m = model("graph = { kind = 'lattice', dims = [5, 5, 4], periodic = false }\ncouplings = { law = 'gaussian' }\nseed = 9");
    let temps = [1.2, 2.5];
    for (k, dynamics) in DYNAMICS.into_iter().enumerate() {
        let lanes = scan_on(&m, Kernel::Auto, dynamics, &temps, 20_000, 40 + k as u64);
        let scalar = scan_on(&m, Kernel::Scalar, dynamics, &temps, 200_000, 50 + k as u64);
        for (a, b) in lanes.iter().zip(&scalar) {
            for ((what, x), (_, y)) in observables(a).into_iter().zip(observables(b)) {
                assert!(y.reliable, "scalar {what} at T={}", b.temperature);
                let what = format!("{dynamics:?} {what} at T={}", a.temperature);
                within(&what, &x, y.mean, y.error);
            }
        }
    }
}

/// The zero-temperature quench leaves every lane in a local minimum of the double-precision
/// model, and the sweeps' energy changes add up to the energies.
#[test]
fn quench_reaches_local_minima_and_energies_track() {
    let m = model("graph = { kind = 'lattice', dims = [12, 10] }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.1 }\nseed = 4");
    let lm = LaneModel::new(&m).unwrap();
    let streams = Streams::new(5);
    let mut st = LaneSpins::random(&m, &mut streams.stream(&[purpose::INITIAL_STATE]));
    let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
    let mut e = st.energies(&lm);
    for order in [Order::Sequential, Order::Random] {
        let sw = LaneSweeper::new(Rule::Metropolis, order, 0.8).unwrap();
        for _ in 0..50 {
            let t = sw.sweep(&lm, &mut st, &mut rng);
            for (e, de) in e.iter_mut().zip(t.energy_change) {
                *e += de;
            }
        }
    }
    let exact = st.energies(&lm);
    for l in 0..LANES {
        let scalar = m.energy(&st.lane_spins(l));
        assert!(
            (exact[l] - scalar).abs() < 1e-9,
            "lane {l}: {} vs {scalar}",
            exact[l]
        );
        assert!(
            (e[l] - scalar).abs() < 1e-4,
            "lane {l}: tracked {} vs {scalar}",
            e[l]
        );
    }
    let sweeps = lanes::quench(&lm, &mut st);
    assert!(sweeps >= 2);
    for l in 0..LANES {
        let r = Replica::new(&m, st.lane_spins(l)).unwrap();
        assert!(r.is_local_minimum(), "lane {l}");
    }
}
