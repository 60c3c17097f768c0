//! Monte Carlo against exact enumeration: every observable within 4σ of the exact value,
//! with σ the run's own (autocorrelation-aware) error bar.

use glassbox::exact::enumerate::enumerate;
use glassbox::mc::{scan, Kernel, Order, PointResult, Rule, ScanConfig};
use glassbox::measure::Estimate;
use glassbox::model::{Ising, ModelSpec};

fn model(toml: &str) -> Ising {
    ModelSpec::from_toml(toml).unwrap().build().unwrap()
}

fn config(temperatures: &[f64], rule: Rule, order: Order, sweeps: u64, seed: u64) -> ScanConfig {
    ScanConfig {
        temperatures: temperatures.to_vec(),
        rule,
        order,
        thermalization: sweeps / 10,
        sweeps,
        measure_every: 1,
        seed,
        cluster: None,
        kernel: Kernel::Scalar,
    }
}

fn check(what: &str, t: f64, est: &Estimate, exact: f64) {
    assert!(
        est.reliable,
        "{what} at T={t}: run too short for τ_int = {}",
        est.tau_int
    );
    assert!(
        est.error > 0.0 && est.sigmas_from(exact) < 4.0,
        "{what} at T={t}: {} ± {} vs exact {exact} ({:.1}σ)",
        est.mean,
        est.error,
        est.sigmas_from(exact)
    );
}

fn conform(m: &Ising, temperatures: &[f64], sweeps: u64) {
    let betas: Vec<f64> = temperatures.iter().map(|t| 1.0 / t).collect();
    let exact = enumerate(m, &betas).unwrap();
    for (k, (rule, order)) in [
        (Rule::Metropolis, Order::Random),
        (Rule::HeatBath, Order::Sequential),
    ]
    .into_iter()
    .enumerate()
    {
        let (res, _) = scan(m, config(temperatures, rule, order, sweeps, 100 + k as u64)).unwrap();
        for (r, x) in res.iter().zip(&exact.points) {
            let PointResult { temperature: t, .. } = *r;
            check("energy", t, &r.energy, x.energy);
            check("specific heat", t, &r.specific_heat, x.specific_heat);
            check("m²", t, &r.m2, x.m2);
        }
    }
}

#[test]
fn ising_4x4_periodic() {
    conform(
        &model("graph = { kind = 'lattice', dims = [4, 4] }"),
        &[1.5, 2.269, 3.5],
        200_000,
    );
}

#[test]
fn sk_16_gaussian() {
    conform(
        &model("graph = { kind = 'complete', n = 16 }\ncouplings = { law = 'gaussian' }\nseed = 1"),
        &[0.5, 1.0, 2.0],
        200_000,
    );
}

#[test]
fn random_regular_20_plus_minus_j() {
    conform(
        &model("graph = { kind = 'random-regular', n = 20, degree = 3 }\ncouplings = { law = 'plus-minus' }\nseed = 2"),
        &[1.5, 2.269, 3.5],
        100_000,
    );
}

#[test]
fn field_and_open_boundaries() {
    conform(
        &model("graph = { kind = 'lattice', dims = [3, 2, 2], periodic = false }\ncouplings = { law = 'gaussian', mean = 0.5 }\nfield = { uniform = 0.3 }\nseed = 4"),
        &[1.0, 2.5],
        100_000,
    );
}

/// Fraction of `runs` independent runs of the 4×4 Ising model at T = 2.5 whose 1σ interval
/// covers the exact energy, specific heat and ⟨m²⟩.
fn coverage(runs: usize, sweeps: u64, seed: u64) -> [f64; 3] {
    let m = model("graph = { kind = 'lattice', dims = [4, 4] }");
    let t = 2.5;
    let x = enumerate(&m, &[1.0 / t]).unwrap().points[0];
    let temps = vec![t; runs];
    let (res, _) = scan(
        &m,
        config(&temps, Rule::Metropolis, Order::Random, sweeps, seed),
    )
    .unwrap();
    let frac =
        |f: &dyn Fn(&PointResult) -> bool| res.iter().filter(|r| f(r)).count() as f64 / runs as f64;
    [
        frac(&|r| r.energy.sigmas_from(x.energy) < 1.0),
        frac(&|r| r.specific_heat.sigmas_from(x.specific_heat) < 1.0),
        frac(&|r| r.m2.sigmas_from(x.m2) < 1.0),
    ]
}

/// Over 200 independent short runs, the 1σ interval covers the exact value in 60–76 % of
/// runs (68 % expected; the binomial spread of 200 runs is ±3.3 %).
#[test]
fn error_bars_are_honest() {
    for (what, c) in ["energy", "specific heat", "m²"]
        .iter()
        .zip(coverage(200, 20_000, 1))
    {
        assert!((0.6..=0.76).contains(&c), "{what}: coverage {c}");
    }
}

/// The same with 2000 runs, where the binomial spread is ±1.0 %: coverage within 65–71 %.
#[test]
fn error_bars_are_honest_2000_runs() {
    for (what, c) in ["energy", "specific heat", "m²"]
        .iter()
        .zip(coverage(2000, 20_000, 2))
    {
        assert!((0.65..=0.71).contains(&c), "{what}: coverage {c}");
    }
}

#[test]
fn same_seed_same_result_any_thread_count() {
    let m = model("graph = { kind = 'complete', n = 40 }\ncouplings = { law = 'gaussian' }");
    let cfg = config(
        &[0.5, 0.8, 1.2, 2.0],
        Rule::Metropolis,
        Order::Random,
        2_000,
        3,
    );
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| scan(&m, cfg.clone()).unwrap())
    };
    let (a, sa) = run(1);
    let (b, sb) = run(2);
    assert_eq!(a, b);
    assert_eq!(sa, sb);
}

#[test]
fn quench_reaches_local_minimum() {
    use glassbox::mc::{quench, Replica};
    use glassbox::rng::Streams;
    let m = model("graph = { kind = 'complete', n = 200 }\ncouplings = { law = 'gaussian' }");
    let mut rng = Streams::new(1).stream(&[0]);
    let mut r = Replica::random(&m, &mut rng);
    let e_start = r.energy();
    quench(&m, &mut r, Order::Random, &mut rng);
    assert!(r.is_local_minimum());
    assert!(r.energy() < e_start);
    assert!((r.energy() - m.energy(r.spins())).abs() < 1e-9);
    // A quenched SK state sits well below the paramagnet but above the ground state e0 ≈ −0.763.
    let e = r.energy() / 200.0;
    assert!(e < -0.6 && e > -0.8, "e = {e}");
}
