//! Tour section: the fast kernels reproduce the reference physics. Each fast path (64
//! bit-sliced multispin replicas, 32 single-precision replica lanes, one site-packed
//! ferromagnet) runs a scan next to the scalar reference kernel or an exact finite-size
//! solution, with the throughput of both.

use std::time::Instant;

use anyhow::Result;
use glassbox::exact::kaufman::kaufman;
use glassbox::mc::{Kernel, Order, PointResult, Rule, Scan, ScanConfig};
use glassbox::measure::Estimate;
use glassbox::model::{Ising, ModelSpec};

use crate::report::Section;
use crate::runfolder::RunFolder;
use crate::tour::Args;

/// A finished scan: results, the kernel that ran, spin-flip attempts per nanosecond (wall).
struct Timed {
    results: Vec<PointResult>,
    kernel: &'static str,
    rate: f64,
}

fn run_scan(model: &Ising, kernel: Kernel, temps: &[f64], sweeps: u64, seed: u64) -> Result<Timed> {
    let config = ScanConfig {
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
    let name = config.kernel_name(model);
    let start = Instant::now();
    let mut scan = Scan::new(model, config)?;
    scan.run(model, |_, _| {});
    let seconds = start.elapsed().as_secs_f64();
    let lanes = scan.chains[0].lanes() as f64;
    let attempts = lanes * model.n() as f64 * scan.total_sweeps() as f64;
    Ok(Timed {
        results: scan.results(model),
        kernel: name,
        rate: attempts / seconds / 1e9,
    })
}

fn est(e: &Estimate) -> String {
    format!("{:.5} ± {:.5}", e.mean, e.error)
}

/// Fills the fast-kernels section.
pub fn kernels(section: &mut Section, folder: &RunFolder, args: &Args) -> Result<()> {
    let scale = if args.quick { 20 } else { 1 };
    let mut rows = Vec::new();
    let mut status = Vec::new();
    let mut csv = Vec::new();
    // Fast kernel against the scalar reference on the same model: (label, spec, temperatures,
    // fast sweeps, scalar sweeps).
    let pairs = [
        (
            "3D ±J EA 6³",
            "graph = { kind = 'lattice', dims = [6, 6, 6] }\ncouplings = { law = 'plus-minus' }\nseed = 1",
            [1.5, 3.0],
            20_000,
            200_000,
        ),
        (
            "3D Gaussian EA 6³, field 0.3",
            "graph = { kind = 'lattice', dims = [6, 6, 6] }\ncouplings = { law = 'gaussian' }\nfield = { uniform = 0.3 }\nseed = 1",
            [1.5, 3.0],
            20_000,
            200_000,
        ),
    ];
    for (k, (label, spec, temps, fast_sweeps, slow_sweeps)) in pairs.into_iter().enumerate() {
        let model = ModelSpec::from_toml(spec)?.build()?;
        let seed = args.seed.wrapping_add(100 + 2 * k as u64);
        let fast = run_scan(&model, Kernel::Auto, &temps, fast_sweeps / scale, seed)?;
        let slow = run_scan(
            &model,
            Kernel::Scalar,
            &temps,
            slow_sweeps / scale,
            seed + 1,
        )?;
        for (a, b) in fast.results.iter().zip(&slow.results) {
            let z = (a.energy.mean - b.energy.mean).abs() / a.energy.error.hypot(b.energy.error);
            rows.push(vec![
                format!("{label}, T = {}", a.temperature),
                fast.kernel.to_string(),
                est(&a.energy),
                format!("{} (scalar kernel)", est(&b.energy)),
                format!("{z:.1} σ"),
                format!("{:.2} vs {:.3}", fast.rate, slow.rate),
            ]);
            status.push(z < 4.0 && a.energy.reliable && b.energy.reliable);
            csv.push(vec![
                label.to_string(),
                a.temperature.to_string(),
                fast.kernel.to_string(),
                a.energy.mean.to_string(),
                a.energy.error.to_string(),
                b.energy.mean.to_string(),
                b.energy.error.to_string(),
                fast.rate.to_string(),
                slow.rate.to_string(),
            ]);
        }
    }
    // One site-packed ferromagnet against Kaufman's exact finite-size solution.
    let (l, temps) = (128usize, [2.5, 3.0, 3.5]);
    let model = ModelSpec::from_toml(&format!(
        "graph = {{ kind = 'lattice', dims = [{l}, {l}] }}"
    ))?
    .build()?;
    let site = run_scan(
        &model,
        Kernel::SitePacked,
        &temps,
        40_000 / scale,
        args.seed.wrapping_add(200),
    )?;
    for r in &site.results {
        let exact = kaufman(l, l, r.beta)?;
        let z = r.energy.sigmas_from(exact.energy_per_spin);
        rows.push(vec![
            format!("2D Ising {l}², T = {}", r.temperature),
            site.kernel.to_string(),
            est(&r.energy),
            format!("{:.5} (Kaufman, exact)", exact.energy_per_spin),
            format!("{z:.1} σ"),
            format!("{:.2}", site.rate),
        ]);
        status.push(z < 4.0 && r.energy.reliable);
        csv.push(vec![
            format!("2D Ising {l}x{l}"),
            r.temperature.to_string(),
            site.kernel.to_string(),
            r.energy.mean.to_string(),
            r.energy.error.to_string(),
            exact.energy_per_spin.to_string(),
            "0".into(),
            site.rate.to_string(),
            String::new(),
        ]);
    }
    folder.write_csv(
        "kernels.csv",
        &[
            "model",
            "T",
            "kernel",
            "e",
            "e_err",
            "e_reference",
            "e_reference_err",
            "attempts_per_ns",
            "scalar_attempts_per_ns",
        ],
        &csv,
    )?;
    section
        .paragraph(
            "The fast kernels against the reference. Periodic lattices with ±J couplings and \
             no field run 64 replicas bit-sliced in one machine word per site (multispin \
             coding, exact acceptance); other lattices and graphs (Gaussian couplings, \
             fields) run 32 replicas in single-precision SIMD lanes; one large ferromagnet \
             runs site-packed, 64 sites per word. `auto` picks the first two by itself. Each \
             row compares the energy per spin with the scalar kernel's (a ten times longer \
             run of one replica) or with the exact finite-size solution; a check passes \
             within 4σ. Speeds are spin-flip attempts per nanosecond of this run, measuring \
             every sweep (glassbox bench and BENCHMARKS.md give the kernels' own figures).",
        )
        .checks(
            &[
                "model",
                "kernel",
                "e (fast kernel)",
                "reference",
                "deviation",
                "attempts/ns (fast vs scalar)",
            ],
            rows,
            status,
        )
        .paragraph("The same from the shell (the kernel is recorded in manifest.json):")
        .code(
            "glassbox sample --lattice 6x6x6 --couplings gaussian --field 0.3 -T 1.5,3 --sweeps 20000 --order sequential\n\
             glassbox sample --lattice 6x6x6 --couplings gaussian --field 0.3 -T 1.5,3 --sweeps 200000 --order sequential --kernel scalar\n\
             glassbox sample --lattice 128x128 -T 2.5,3,3.5 --sweeps 40000 --kernel site-packed",
        );
    Ok(())
}
