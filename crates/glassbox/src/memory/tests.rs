//! Tests of the associative-memory module (fixed seeds, small sizes).

use super::*;
use crate::exact::enumerate::enumerate;
use crate::model::Ising;
use crate::rng::Streams;

fn pats(n: usize, p: usize, seed: u64) -> Patterns {
    Patterns::random(n, p, 0.0, &Streams::new(seed)).unwrap()
}

/// p = 1: the Hopfield model is the Mattis model, the ferromagnet J_ij = 1/N in the gauge
/// s_i → ξ_i s_i. Exact enumeration of both Boltzmann distributions agrees state by state.
#[test]
fn one_pattern_is_a_gauged_ferromagnet() {
    let n = 10;
    let p = pats(n, 1, 3);
    let hop = hebb(&p).unwrap().to_ising().unwrap();
    let mut jf = vec![1.0 / n as f64; n * n];
    for i in 0..n {
        jf[i * n + i] = 0.0;
    }
    let ferro = Ising::from_dense(n, jf, vec![]).unwrap();
    let xi = p.pattern(0);
    // Energies state by state: E_hop(s) = E_ferro(ξ∘s).
    let mut m2_hop = 0.0;
    let mut z = 0.0;
    let beta = 1.7;
    for code in 0u32..(1 << n) {
        let s: Vec<i8> = (0..n)
            .map(|i| if code >> i & 1 == 1 { 1 } else { -1 })
            .collect();
        let g: Vec<i8> = s.iter().zip(xi).map(|(a, b)| a * b).collect();
        let e = hop.energy(&s);
        assert!((e - ferro.energy(&g)).abs() < 1e-12);
        let w = (-beta * e).exp();
        z += w;
        m2_hop += w * p.overlap(0, &s).powi(2);
    }
    m2_hop /= z;
    let betas = [0.3, 1.0, beta, 3.0];
    let a = enumerate(&hop, &betas).unwrap();
    let b = enumerate(&ferro, &betas).unwrap();
    for (x, y) in a.points.iter().zip(&b.points) {
        assert!((x.ln_z_per_spin - y.ln_z_per_spin).abs() < 1e-12);
        assert!((x.energy - y.energy).abs() < 1e-12);
        assert!((x.specific_heat - y.specific_heat).abs() < 1e-10);
    }
    // The Mattis overlap of the Hopfield model is the ferromagnet's magnetization.
    assert!(
        (m2_hop - b.points[2].m2).abs() < 1e-12,
        "{m2_hop} {}",
        b.points[2].m2
    );
    assert!((a.ground_energy - b.ground_energy).abs() < 1e-12);
    assert_eq!(a.degeneracy, 2);
}

#[test]
fn low_rank_and_dense_paths_agree() {
    // N even and p odd: N·h_i is odd, so no field is ever zero and rounding cannot matter.
    let (n, p) = (200, 21);
    let ps = pats(n, p, 5);
    let low = Hebbian::new(ps.clone()).unwrap();
    let dense = Dense::new(hebb(&ps).unwrap(), Some(ps.clone())).unwrap();
    let mut rng = Streams::new(9).stream(&[0]);
    let s = dynamics::corrupt(ps.pattern(0), 70, &mut rng).unwrap();
    let (mut cl, mut cd) = (low.cache(&s), dense.cache(&s));
    let (mut sl, mut sd) = (s.clone(), s.clone());
    for step in 0..500 {
        let i = (step * 37) % n;
        let (hl, hd) = (low.fields(&cl, &sl), dense.fields(&cd, &sd));
        for (a, b) in hl.iter().zip(&hd) {
            assert!((a - b).abs() < 1e-12, "step {step}: {a} vs {b}");
        }
        let (el, ed) = (
            low.energy(&cl, &sl).unwrap(),
            dense.energy(&cd, &sd).unwrap(),
        );
        assert!((el - ed).abs() < 1e-9, "{el} {ed}");
        low.flip(&mut cl, &mut sl, i);
        dense.flip(&mut cd, &mut sd, i);
    }
    for dynamics in [
        Dynamics::Asynchronous { max_sweeps: 100 },
        Dynamics::Synchronous { max_steps: 100 },
        Dynamics::Glauber {
            beta: 4.0,
            sweeps: 20,
        },
    ] {
        let a = run(&low, &s, &dynamics, &mut Streams::new(4).stream(&[1])).unwrap();
        let b = run(&dense, &s, &dynamics, &mut Streams::new(4).stream(&[1])).unwrap();
        assert_eq!(a.state, b.state, "{dynamics:?}");
        assert_eq!((a.sweeps, a.flips, a.period), (b.sweeps, b.flips, b.period));
        assert!((a.energy.unwrap() - b.energy.unwrap()).abs() < 1e-9);
        assert_eq!(a.overlaps, b.overlaps);
    }
}

#[test]
fn patterns_are_fixed_points_at_small_load() {
    let ps = pats(500, 10, 11);
    let net = Hebbian::new(ps.clone()).unwrap();
    let mut rng = Streams::new(1).stream(&[0]);
    for mu in 0..10 {
        let out = run(
            &net,
            ps.pattern(mu),
            &Dynamics::Asynchronous { max_sweeps: 10 },
            &mut rng,
        )
        .unwrap();
        assert!(out.converged() && out.flips == 0 && out.sweeps == 0);
        assert_eq!(out.overlaps[mu], 1.0);
        // E/N = −(1/2) Σ_μ m_μ² + α/2 ≈ −1/2.
        assert!((out.energy.unwrap() / 500.0 + 0.5).abs() < 0.02);
    }
    assert_eq!(hebb(&ps).unwrap().unstable_fraction(&ps).unwrap(), 0.0);
    // Recall from 20 % flipped bits.
    let (out, m) = recall(
        &net,
        3,
        100,
        &Dynamics::Asynchronous { max_sweeps: 50 },
        &mut rng,
    )
    .unwrap();
    assert_eq!(m, 1.0, "{out:?}");
}

/// Mean final overlap after T = 0 dynamics from the patterns, N = 1000.
fn retrieval_at(alpha: f64) -> f64 {
    let c = capacity(&CapacitySpec {
        sizes: vec![1000],
        alphas: vec![alpha],
        samples: 6,
        starts: 10,
        max_sweeps: 500,
        seed: 2,
        ..CapacitySpec::default()
    })
    .unwrap();
    assert_eq!(c.points[0].runs, 60);
    c.points[0].mean_overlap
}

#[test]
fn retrieval_collapses_above_capacity() {
    let below = retrieval_at(0.10);
    assert!(below > 0.95, "α = 0.10: m = {below}");
    let above = retrieval_at(0.20);
    assert!(above < 0.6, "α = 0.20: m = {above}");
}

#[test]
fn capacity_is_thread_independent() {
    let spec = CapacitySpec {
        sizes: vec![100, 200],
        alphas: vec![0.1, 0.15, 0.2, 0.3],
        samples: 3,
        starts: 4,
        ..CapacitySpec::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| capacity(&spec).unwrap());
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
        .install(|| capacity(&spec).unwrap());
    // Debug text, so that NaN error bars compare equal.
    assert_eq!(format!("{one:?}"), format!("{many:?}"));
    assert!(capacity(&CapacitySpec {
        alphas: vec![0.2, 0.1],
        ..spec.clone()
    })
    .is_err());
    assert!(capacity(&CapacitySpec {
        sizes: vec![1],
        ..spec
    })
    .is_err());
}

#[test]
fn crossing_and_fit() {
    let x = [0.1, 0.2, 0.3];
    assert_eq!(capacity::crossing(&x, &[1.0, 0.6, 0.2], 0.8), Some(0.15));
    assert_eq!(capacity::crossing(&x, &[1.0, 0.9, 0.85], 0.8), None);
    let f = capacity::fit_line(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]).unwrap();
    assert!((f.intercept - 1.0).abs() < 1e-12 && (f.slope - 2.0).abs() < 1e-12);
    assert!(f.intercept_error.abs() < 1e-12);
}

#[test]
fn pseudo_inverse_stores_up_to_alpha_one() {
    let ps = pats(200, 180, 7);
    let w = pseudo_inverse(&ps).unwrap();
    assert!(w.is_symmetric());
    assert_eq!(w.unstable_fraction(&ps).unwrap(), 0.0);
    let net = Dense::new(w, Some(ps.clone())).unwrap();
    let mut rng = Streams::new(3).stream(&[0]);
    let out = run(
        &net,
        ps.pattern(17),
        &Dynamics::Asynchronous { max_sweeps: 5 },
        &mut rng,
    )
    .unwrap();
    assert!(out.converged() && out.flips == 0);
    // p ≥ N: the overlap matrix is singular.
    let err = pseudo_inverse(&pats(20, 25, 1)).unwrap_err();
    assert!(err.to_string().contains("singular"), "{err}");
}

#[test]
fn storkey_beats_hebb() {
    let ps = pats(200, 30, 8);
    let h = hebb(&ps).unwrap().unstable_fraction(&ps).unwrap();
    let s = storkey(&ps).unwrap();
    assert!(s.is_symmetric());
    let st = s.unstable_fraction(&ps).unwrap();
    assert!(h > 0.0 && st < 0.2 * h, "hebb {h}, storkey {st}");
    // One pattern: Storkey equals Hebb.
    let one = pats(30, 1, 2);
    assert_eq!(storkey(&one).unwrap(), hebb(&one).unwrap());
}

#[test]
fn minover_stores_beyond_hebb_capacity() {
    let ps = pats(200, 300, 4);
    let settings = Minover {
        kappa: 0.05,
        max_updates_per_pattern: 2000,
    };
    let (w, rep) = minover(&ps, &settings).unwrap();
    assert!(!w.is_symmetric());
    assert!(rep.min_stability >= 0.05, "{rep:?}");
    assert_eq!(w.unstable_fraction(&ps).unwrap(), 0.0);
    let net = Dense::new(w, Some(ps.clone())).unwrap();
    let mut rng = Streams::new(3).stream(&[0]);
    let out = run(
        &net,
        ps.pattern(123),
        &Dynamics::Asynchronous { max_sweeps: 5 },
        &mut rng,
    )
    .unwrap();
    assert!(out.converged() && out.energy.is_none());
    // Beyond Gardner's bound α = 2 no margin can be reached.
    let err = minover(
        &pats(40, 100, 1),
        &Minover {
            kappa: 0.0,
            max_updates_per_pattern: 50,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("did not converge"), "{err}");
    assert!(minover(
        &ps,
        &Minover {
            kappa: -1.0,
            ..settings
        }
    )
    .is_err());
}

#[test]
fn synchronous_dynamics_detects_two_cycles() {
    // Two units coupled ferromagnetically, started anti-aligned: both flip every step.
    let w = Weights::new(2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
    let net = Dense::new(w, None).unwrap();
    let mut rng = Streams::new(1).stream(&[0]);
    let out = run(
        &net,
        &[1, -1],
        &Dynamics::Synchronous { max_steps: 10 },
        &mut rng,
    )
    .unwrap();
    assert_eq!(out.period, Some(2));
    assert_eq!(out.sweeps, 1);
    assert_eq!(out.state, vec![-1, 1]);
    let out = run(
        &net,
        &[1, -1],
        &Dynamics::Asynchronous { max_sweeps: 10 },
        &mut rng,
    )
    .unwrap();
    assert_eq!(out.period, Some(1));
    assert_eq!(out.state[0], out.state[1]);
    // Synchronous recall in a Hebbian network reaches the pattern itself.
    let ps = pats(400, 8, 6);
    let hn = Hebbian::new(ps.clone()).unwrap();
    let start = dynamics::corrupt(ps.pattern(2), 60, &mut rng).unwrap();
    let out = run(
        &hn,
        &start,
        &Dynamics::Synchronous { max_steps: 50 },
        &mut rng,
    )
    .unwrap();
    assert_eq!(out.period, Some(1));
    assert_eq!(out.overlaps[2], 1.0);
    // Bad input.
    assert!(run(
        &net,
        &[1, 0],
        &Dynamics::Synchronous { max_steps: 1 },
        &mut rng
    )
    .is_err());
    assert!(run(
        &net,
        &[1],
        &Dynamics::Synchronous { max_steps: 1 },
        &mut rng
    )
    .is_err());
    let g = Dynamics::Glauber {
        beta: -1.0,
        sweeps: 1,
    };
    assert!(run(&net, &[1, 1], &g, &mut rng).is_err());
    assert!(Weights::new(2, vec![1.0, 0.0, 0.0, 0.0]).is_err());
    assert!(Weights::new(2, vec![0.0, f64::NAN, 0.0, 0.0]).is_err());
}

#[test]
fn glauber_retrieval_at_low_temperature_matches_ags() {
    // α = 0.05, T = 0.3: AGS gives m = 0.9912; N = 2000 finite-size noise is small.
    let ps = pats(2000, 100, 12);
    let net = Hebbian::new(ps.clone()).unwrap();
    let mut rng = Streams::new(5).stream(&[0]);
    let out = run(
        &net,
        ps.pattern(0),
        &Dynamics::Glauber {
            beta: 1.0 / 0.3,
            sweeps: 30,
        },
        &mut rng,
    )
    .unwrap();
    let ags = crate::theory::hopfield::ags(0.05, 1.0 / 0.3, 1.0).unwrap();
    assert!(
        (out.overlaps[0] - ags.m).abs() < 0.02,
        "{} vs {}",
        out.overlaps[0],
        ags.m
    );
}

#[test]
fn symmetric_mixture_is_a_higher_energy_fixed_point() {
    let ps = pats(1001, 5, 21);
    let net = Hebbian::new(ps).unwrap();
    let mut rng = Streams::new(2).stream(&[0]);
    let m = mixture3(&net, 100, &mut rng).unwrap();
    for k in 0..3 {
        assert!((m.initial_overlaps[k] - 0.5).abs() < 0.06, "{m:?}");
        assert!((m.final_overlaps[k] - 0.5).abs() < 0.08, "{m:?}");
    }
    assert!(m.unstable_fraction < 0.02, "{m:?}");
    assert!((m.final_energy.unwrap() + 0.375).abs() < 0.03, "{m:?}");
}

#[test]
fn basins_shrink_with_load() {
    let pts = basins(&BasinSpec {
        n: 400,
        alphas: vec![0.05, 0.12],
        flip_fractions: vec![0.0, 0.2, 0.45],
        samples: 3,
        starts: 5,
        max_sweeps: 200,
        success_overlap: 0.9,
        seed: 3,
    })
    .unwrap();
    assert_eq!(pts.len(), 6);
    assert!(pts[0].success == 1.0 && pts[1].success == 1.0, "{pts:?}");
    assert!(pts[2].mean_overlap < 0.5, "{pts:?}");
    assert!(pts[4].mean_overlap <= pts[1].mean_overlap, "{pts:?}");
    assert!(basins(&BasinSpec {
        n: 400,
        alphas: vec![0.05],
        flip_fractions: vec![0.7],
        samples: 1,
        starts: 1,
        max_sweeps: 1,
        success_overlap: 0.9,
        seed: 3,
    })
    .is_err());
}
