//! Single-spin-flip Metropolis throughput on the standard workloads. One iteration is one
//! sweep (N attempted flips); criterion reports time per sweep and N elements per sweep (64 N
//! for the multispin kernel, whose sweep updates 64 systems).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassbox::mc::multispin::{MultiRng, MultiSpin, MultiSweeper, LANES};
use glassbox::mc::{Order, Replica, Rule, Sweeper};
use glassbox::model::ModelSpec;
use glassbox::rng::Streams;

fn bench(c: &mut Criterion, name: &str, spec: &str, t: f64) {
    let model = ModelSpec::from_toml(spec).unwrap().build().unwrap();
    let mut rng = Streams::new(1).stream(&[0]);
    let mut r = Replica::random(&model, &mut rng);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(model.n() as u64));
    for order in [Order::Sequential, Order::Random] {
        let sweeper = Sweeper::new(&model, Rule::Metropolis, order, 1.0 / t).unwrap();
        group.bench_function(format!("{order:?}"), |b| {
            b.iter(|| sweeper.sweep(&model, &mut r, &mut rng))
        });
    }
    group.finish();
}

/// Multispin-coded sweeps: 64 lanes, so 64 N attempted flips per iteration.
fn bench_multispin(c: &mut Criterion, name: &str, spec: &str, t: f64) {
    let model = ModelSpec::from_toml(spec).unwrap().build().unwrap();
    let streams = Streams::new(1);
    let mut st = MultiSpin::new(&model).unwrap();
    st.randomize(&mut streams.stream(&[0]));
    let mut rng = MultiRng::new(&streams, &[1]);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements((model.n() * LANES) as u64));
    for rule in [Rule::Metropolis, Rule::HeatBath] {
        let sweeper = MultiSweeper::new(&st, rule, 1.0 / t).unwrap();
        group.bench_function(format!("{rule:?}"), |b| {
            b.iter(|| sweeper.sweep(&mut st, &mut rng))
        });
    }
    group.finish();
}

fn workloads(c: &mut Criterion) {
    bench_multispin(
        c,
        "multispin_ising2d_L256_T2.269",
        "graph = { kind = 'lattice', dims = [256, 256] }",
        2.269,
    );
    bench_multispin(
        c,
        "multispin_ea3d_L32_T1.1",
        "graph = { kind = 'lattice', dims = [32, 32, 32] }\ncouplings = { law = 'plus-minus' }",
        1.1,
    );
    bench(
        c,
        "ising2d_L256_T2.269",
        "graph = { kind = 'lattice', dims = [256, 256] }",
        2.269,
    );
    bench(
        c,
        "sk_N1000_T0.5",
        "graph = { kind = 'complete', n = 1000 }\ncouplings = { law = 'gaussian' }",
        0.5,
    );
}

criterion_group!(benches, workloads);
criterion_main!(benches);
