//! The `glassbox` binary: outputs of a run, one-line errors for bad input, resume after kill.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn glassbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args)
        .output()
        .expect("run glassbox")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("glassbox-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs with bad input must fail with status 2 and exactly one line on stderr containing `msg`.
fn fails_with(args: &[&str], msg: &str) {
    let out = glassbox(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: status {:?}, stderr {err}",
        out.status
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: stderr is not one line: {err}"
    );
    assert!(err.starts_with("error"), "{args:?}: {err}");
    assert!(err.contains(msg), "{args:?}: expected `{msg}` in {err}");
}

#[test]
fn bad_input_gets_one_line_and_status_2() {
    let dir = temp_dir("bad");
    let out = dir.join("run");
    let o = out.to_str().unwrap();
    fails_with(&["sample", "--model", "ising"], "--model");
    fails_with(
        &["sample", "--lattice", "0x4", "-T", "1", "-o", o],
        "at least 2",
    );
    fails_with(
        &["sample", "--lattice", "4xq", "-T", "1", "-o", o],
        "bad lattice size",
    );
    fails_with(
        &["sample", "--lattice", "4x4", "-T", "-1", "-o", o],
        "positive",
    );
    fails_with(
        &["sample", "--lattice", "4x4", "-T", "0", "-o", o],
        "positive",
    );
    fails_with(&["sample", "--lattice", "4x4", "-o", o], "no temperatures");
    fails_with(&["sample", "-T", "1", "-o", o], "no model");
    fails_with(
        &["sample", "--sk", "0", "-T", "1", "-o", o],
        "at least one spin",
    );
    fails_with(
        &["sample", "--sk", "10000000", "-T", "1", "-o", o],
        "needs about",
    );
    fails_with(
        &[
            "sample",
            "--lattice",
            "4x4",
            "-T",
            "1",
            "--sweeps",
            "0",
            "-o",
            o,
        ],
        "sweeps",
    );
    fails_with(
        &[
            "sample",
            "--random-regular",
            "5",
            "--degree",
            "3",
            "-T",
            "1",
            "-o",
            o,
        ],
        "even",
    );
    let bad = dir.join("bad.gset");
    std::fs::write(&bad, "3 2\n1 2 1\n2 x 1\n").unwrap();
    fails_with(
        &[
            "sample",
            "--graph",
            bad.to_str().unwrap(),
            "-T",
            "1",
            "-o",
            o,
        ],
        "bad.gset:3: bad vertex `x`",
    );
    fails_with(
        &[
            "sample",
            "--graph",
            dir.join("missing").to_str().unwrap(),
            "-T",
            "1",
            "-o",
            o,
        ],
        "missing",
    );
    let toml = dir.join("exp.toml");
    std::fs::write(&toml, "seed = 1\n[model]\ngraph = { kind = 'lattice', dims = [4, 4] }\n[scan]\ntemperatures = [1.0]\nsweps = 10\n").unwrap();
    fails_with(
        &["sample", "--config", toml.to_str().unwrap(), "-o", o],
        "exp.toml:6",
    );
    fails_with(
        &[
            "sample",
            "--lattice",
            "4x4",
            "-T",
            "1",
            "--kernel",
            "fast",
            "-o",
            o,
        ],
        "--kernel",
    );
    std::fs::write(&toml, "seed = 1\n[model]\ngraph = { kind = 'lattice', dims = [4, 4] }\n[scan]\ntemperatures = [1.0]\nkernel = 'fast'\n").unwrap();
    fails_with(
        &["sample", "--config", toml.to_str().unwrap(), "-o", o],
        "exp.toml:6",
    );
    fails_with(&["exact", "--sk", "40", "-T", "1"], "N ≤ 30");
    fails_with(&["exact", "--kaufman", "0x4", "-T", "1"], "");
    // Nothing was written by any of the failed runs.
    assert!(!out.exists());
}

#[test]
fn refuses_to_overwrite_a_run() {
    let dir = temp_dir("overwrite");
    let out = dir.join("run");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "precious").unwrap();
    fails_with(
        &[
            "sample",
            "--lattice",
            "4x4",
            "-T",
            "2",
            "--sweeps",
            "100",
            "-o",
            out.to_str().unwrap(),
        ],
        "not empty",
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "precious"
    );
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn sample_writes_a_complete_run_folder() {
    let dir = temp_dir("sample");
    let out = dir.join("run");
    let o = glassbox(&[
        "sample",
        "--lattice",
        "6x6",
        "--t-range",
        "2:3:3",
        "--sweeps",
        "2000",
        "--seed",
        "5",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&out.join("results.csv"));
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("T,beta,e,e_err,e_tau,"));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["seed"], 5);
    assert!(manifest["wall_time_s"].as_f64().unwrap() >= 0.0);
    assert!(read(&out.join("spec.toml")).contains("temperatures = ["));
    let npy = std::fs::read(out.join("arrays/final_spins.npy")).unwrap();
    assert!(npy.starts_with(b"\x93NUMPY"));
    assert_eq!(
        npy.len() % 64,
        (3 * 36) % 64,
        "header multiple of 64 plus 3×6×6 int8 spins"
    );
    assert!(read(&out.join("plots/e.svg")).contains("<svg"));
    assert!(!out.join("checkpoint.json").exists());
    // Same seed, same numbers; the spec file reproduces the run.
    let again = dir.join("again");
    let o = glassbox(&[
        "sample",
        "--config",
        out.join("spec.toml").to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(csv, read(&again.join("results.csv")));
}

/// `sample --kernel`: `auto` runs a periodic ±J-coupled lattice without field on the multispin
/// kernel, a Gaussian lattice on replica lanes and a dense model on the scalar kernel;
/// `scalar` forces the reference and `site-packed` one system per temperature (an error for a
/// model it cannot run); the manifest records which ran.
#[test]
fn sample_kernel_is_chosen_and_recorded() {
    let dir = temp_dir("sample-kernel");
    let run = |name: &str, args: &[&str]| -> (String, serde_json::Value) {
        let out = dir.join(name);
        let mut args = args.to_vec();
        args.extend(["-o", out.to_str().unwrap()]);
        let o = glassbox(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let manifest = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
        (read(&out.join("results.csv")), manifest)
    };
    let flags = ["sample", "-T", "2.269", "--sweeps", "2000", "--seed", "2"];
    let (auto, m) = run("auto", &[&flags[..], &["--lattice", "8x8"]].concat());
    assert_eq!(m["kernel"], "multispin");
    assert_eq!(m["spec"]["scan"]["kernel"], "auto");
    let scalar_flags = ["--lattice", "8x8", "--kernel", "scalar"];
    let (scalar, m) = run("scalar", &[&flags[..], &scalar_flags].concat());
    assert_eq!(m["kernel"], "scalar");
    assert_eq!(m["spec"]["scan"]["kernel"], "scalar");
    assert_ne!(auto, scalar);
    // The spec file carries the kernel: rerunning it reproduces the multispin run.
    let spec = dir.join("auto/spec.toml");
    let (again, _) = run("again", &["sample", "--config", spec.to_str().unwrap()]);
    assert_eq!(again, auto);
    let gauss = ["--lattice", "8x8", "--couplings", "gaussian"];
    let (_, m) = run("gauss", &[&flags[..], &gauss].concat());
    assert_eq!(m["kernel"], "lanes");
    let (_, m) = run("sk", &[&flags[..], &["--sk", "8"]].concat());
    assert_eq!(m["kernel"], "scalar");
    let site = ["--lattice", "128x4", "--kernel", "site-packed"];
    let (_, m) = run("site", &[&flags[..], &site].concat());
    assert_eq!(m["kernel"], "site-packed");
    let bad = dir.join("bad");
    let bad_flags = [
        "--lattice",
        "8x8",
        "--kernel",
        "site-packed",
        "-o",
        bad.to_str().unwrap(),
    ];
    let o = glassbox(&[&flags[..], &bad_flags].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("128"), "{err}");
}

#[test]
fn interrupted_run_checkpoints_and_resumes() {
    let dir = temp_dir("sigint");
    let args = |out: &Path| -> Vec<String> {
        [
            "sample",
            "--lattice",
            "32x32",
            "-T",
            "2.2,2.4",
            "--sweeps",
            "150000",
            "--seed",
            "3",
            "--checkpoint-every",
            "1000",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let full = dir.join("full");
    assert!(
        glassbox(&args(&full).iter().map(|s| s.as_str()).collect::<Vec<_>>())
            .status
            .success()
    );
    let cut = dir.join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args(&cut))
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cut.join("manifest.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "the run finished before the interrupt"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&cut.join("manifest.json"))).unwrap();
    assert_eq!(manifest["status"], "interrupted");
    assert!(cut.join("checkpoint.json").exists());
    let mut resume = args(&cut);
    resume.push("--resume".into());
    let o = glassbox(&resume.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&full.join("results.csv")),
        read(&cut.join("results.csv"))
    );
}

/// A disorder ensemble keeps at most one sample per thread in progress: finished samples go
/// to `parts/` at once, the checkpoint holds only the runs in progress, and a run killed with
/// SIGKILL part-way resumes to the uninterrupted result.
#[test]
fn ensemble_checkpoint_holds_only_the_samples_in_progress() {
    let dir = temp_dir("ensemble-resume");
    let args = |out: &Path| -> Vec<String> {
        [
            "temper",
            "--lattice",
            "8x8",
            "--couplings",
            "pm",
            "-T",
            "0.8,1.2,1.8,2.5",
            "--sweeps",
            "8000",
            "--samples",
            "16",
            "--threads",
            "2",
            "--seed",
            "9",
            "--checkpoint-every",
            "0.05",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let full = dir.join("full");
    assert!(glassbox(&strs(&args(&full))).status.success());
    assert!(!full.join("parts").exists() && !full.join("checkpoint.json").exists());
    let cut = dir.join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args(&cut))
        .spawn()
        .unwrap();
    let parts = |d: &Path| std::fs::read_dir(d.join("parts")).map_or(0, |r| r.count());
    let t0 = std::time::Instant::now();
    while (parts(&cut) < 3 || !cut.join("checkpoint.json").exists()) && t0.elapsed().as_secs() < 60
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !cut.join("results.csv").exists(),
        "the run finished before it was killed"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&read(&cut.join("checkpoint.json"))).unwrap();
    let saved = saved.as_array().unwrap().len();
    assert!((1..=2).contains(&saved), "{saved} runs in the checkpoint");
    let mut resume = args(&cut);
    resume.push("--resume".into());
    let o = glassbox(&strs(&resume));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["results.csv", "samples.csv", "pq.csv"] {
        assert_eq!(read(&full.join(f)), read(&cut.join(f)), "{f}");
    }
    assert!(!cut.join("parts").exists());
}

#[test]
fn killed_run_resumes_to_the_same_result() {
    let dir = temp_dir("resume");
    let args = |out: &Path| -> Vec<String> {
        [
            "sample",
            "--lattice",
            "32x32",
            "-T",
            "2.2,2.4",
            "--sweeps",
            "150000",
            "--seed",
            "3",
            "--checkpoint-every",
            "0.05",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let full = dir.join("full");
    assert!(
        glassbox(&args(&full).iter().map(|s| s.as_str()).collect::<Vec<_>>())
            .status
            .success()
    );
    let cut = dir.join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args(&cut))
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cut.join("checkpoint.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        cut.join("checkpoint.json").exists(),
        "no checkpoint was written"
    );
    assert!(
        !cut.join("results.csv").exists(),
        "the run finished before it was killed"
    );
    let mut resume = args(&cut);
    resume.push("--resume".into());
    let o = glassbox(&resume.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&full.join("results.csv")),
        read(&cut.join("results.csv"))
    );
    // A different spec does not resume.
    let mut other = args(&cut);
    other[4] = "2.3,2.4".into();
    other.push("--resume".into());
    fails_with(
        &other.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "differs",
    );
}

#[test]
fn exact_prints_kaufman_and_enumeration() {
    let o = glassbox(&["exact", "--kaufman", "4x4", "-T", "2.269"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("-1.56576893132"), "{s}");
    let o = glassbox(&["exact", "--lattice", "4x4", "-T", "2.269"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("degeneracy 2") && s.contains("-1.56576893132"),
        "{s}"
    );
}

#[test]
fn disorder_ensemble_averages_its_samples() {
    let dir = temp_dir("ensemble");
    let out = dir.join("run");
    let o = glassbox(&[
        "sample",
        "--random-regular",
        "16",
        "--degree",
        "3",
        "--couplings",
        "pm",
        "--samples",
        "4",
        "-T",
        "1,2",
        "--sweeps",
        "3000",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let samples = read(&out.join("samples.csv"));
    let rows: Vec<Vec<f64>> = samples
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 8);
    // Distinct instances: the four samples' energies at T = 1 differ.
    let e1: Vec<f64> = rows.iter().filter(|r| r[1] == 1.0).map(|r| r[3]).collect();
    assert!(e1.windows(2).all(|w| w[0] != w[1]), "{e1:?}");
    let avg: f64 = e1.iter().sum::<f64>() / 4.0;
    let results = read(&out.join("results.csv"));
    let first: Vec<f64> = results
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    assert!((first[2] - avg).abs() < 1e-12, "{} vs {avg}", first[2]);
    let npy = std::fs::read(out.join("arrays/final_spins.npy")).unwrap();
    assert!(String::from_utf8_lossy(&npy[..128]).contains("'shape': (4, 2, 16)"));
}

#[test]
fn graph_files_round_trip_through_sample() {
    let dir = temp_dir("graph");
    let file = dir.join("rrg.gset");
    let o = glassbox(&[
        "graph",
        "--random-regular",
        "12",
        "--degree",
        "3",
        "--couplings",
        "gaussian",
        "--seed",
        "4",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&file).starts_with("12 18\n"));
    // The written file gives the same exact thermodynamics as the generated model.
    let exact = |args: &[&str]| {
        let o = glassbox(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    let a = exact(&[
        "exact",
        "--random-regular",
        "12",
        "--degree",
        "3",
        "--couplings",
        "gaussian",
        "--seed",
        "4",
        "-T",
        "1",
    ]);
    let b = exact(&["exact", "--graph", file.to_str().unwrap(), "-T", "1"]);
    assert_eq!(a, b);
    fails_with(
        &["graph", "--lattice", "4x4", "-o", file.to_str().unwrap()],
        "exists",
    );
}

#[test]
fn theory_writes_results_and_checks_input() {
    let dir = temp_dir("theory");
    let out = dir.join("hop");
    let o = glassbox(&[
        "theory",
        "hopfield",
        "--points",
        "5",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("α_c = 0.1379056"));
    assert!(read(&out.join("plots/phase_diagram.svg")).contains("<svg"));
    assert_eq!(read(&out.join("results.csv")).lines().count(), 6);
    let o = glassbox(&[
        "theory",
        "sk",
        "-T",
        "2",
        "-o",
        dir.join("sk").to_str().unwrap(),
    ]);
    let s = String::from_utf8_lossy(&o.stdout);
    // Paramagnet: f = −T ln 2 − 1/(4T) = −1.5112944 at T = 2.
    assert!(s.contains("-1.51129436"), "{s}");
    fails_with(&["theory", "sk", "-T", "-1"], "positive");
    fails_with(&["theory", "gardner", "--kappa-max", "-1"], "positive");
    fails_with(&["theory", "at-line", "--points", "1"], "at least 2");
    fails_with(&["theory", "replica-trick", "--n", "40"], "2..=20");
    let o = glassbox(&[
        "theory",
        "replica-trick",
        "-T",
        "2",
        "--samples",
        "200",
        "--n",
        "8",
        "-o",
        dir.join("rt").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("replica limit"));
    let out = dir.join("parisi");
    let o = glassbox(&[
        "theory",
        "parisi",
        "-T",
        "0.5",
        "--kmax",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // 1RSB ground state −0.7688280 in the k-step table.
    assert!(String::from_utf8_lossy(&o.stdout).contains("k = 1: -0.7688280"));
    let csv = read(&out.join("results.csv"));
    let row = csv
        .lines()
        .find(|l| l.starts_with("Parisi,0.5,"))
        .expect("Parisi row at T = 0.5");
    let f: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
    assert!((f + 0.791_182).abs() < 1e-5, "{row}");
    assert!(read(&out.join("plots/q_of_x.svg")).contains("<svg"));
    fails_with(&["theory", "parisi", "--kmax", "0"], "1..=8");
}

#[test]
fn theory_landscapes_and_double_descent() {
    let dir = temp_dir("theory-more");
    let o = glassbox(&["theory", "pspin", "-o", dir.join("ps").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // p = 3: T_d = √(3/8), E_th = −√(4/3).
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("0.61237243") && s.contains("-1.15470053"), "{s}");
    let o = glassbox(&["theory", "bethe", "-o", dir.join("bl").to_str().unwrap()]);
    // c = 3 ferromagnet: T_c = 2/ln 3 = 1.8204784532.
    assert!(String::from_utf8_lossy(&o.stdout).contains("1.82047845"));
    let out = dir.join("dd");
    let o = glassbox(&[
        "theory",
        "double-descent",
        "--n",
        "60",
        "--trials",
        "4",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("diverges at γ = 1"));
    assert!(read(&out.join("plots/double_descent.svg")).contains("p = n"));
    fails_with(&["theory", "pspin", "--p", "2"], "3 ≤ p ≤ 64");
    fails_with(&["theory", "double-descent", "--r2=-1"], "non-negative");
}

#[test]
fn learn_topics_write_results_and_check_input() {
    let dir = temp_dir("learn");
    let out = dir.join("dd");
    let o = glassbox(&[
        "learn",
        "double-descent",
        "--d",
        "20",
        "-n",
        "40",
        "--n-test",
        "200",
        "--features",
        "10,30,50,200",
        "--seeds",
        "4",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("test error peaks at p = 50"));
    assert!(read(&out.join("plots/overlap.svg")).contains("<svg"));
    assert_eq!(read(&out.join("results.csv")).lines().count(), 5);
    let o = glassbox(&[
        "learn",
        "nngp",
        "--widths",
        "10,100,1000",
        "--networks",
        "16",
        "-o",
        dir.join("nngp").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("slope"));
    // A user's scaling data: L = 2 N^(−0.5) + 0.1 exactly.
    let csv = dir.join("curve.csv");
    let rows: String = (0..8)
        .map(|k| {
            let n = 10f64 * 2f64.powi(k);
            format!("{n},{}\n", 2.0 * n.powf(-0.5) + 0.1)
        })
        .collect();
    std::fs::write(&csv, format!("size,loss\n{rows}")).unwrap();
    let o = glassbox(&[
        "learn",
        "scaling-fit",
        csv.to_str().unwrap(),
        "--resamples",
        "50",
        "-o",
        dir.join("fit").to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("α = 0.5000"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(&csv, "size,loss\n10,1\n20,oops\n").unwrap();
    fails_with(
        &["learn", "scaling-fit", csv.to_str().unwrap()],
        "curve.csv:3",
    );
    fails_with(
        &["learn", "double-descent", "-n", "40", "--features", "40"],
        "interpolation threshold",
    );
    fails_with(
        &[
            "learn",
            "double-descent",
            "--source",
            "mnist",
            "--mnist",
            "/nonexistent",
        ],
        "MNIST",
    );
    // The two-layer topics parse their flags (next to the regression ones) and need MNIST.
    fails_with(
        &[
            "learn",
            "replica-overlap",
            "--model",
            "two-layer",
            "--train",
            "100",
            "--n-test",
            "50",
            "--mnist",
            "/nonexistent",
        ],
        "MNIST",
    );
    fails_with(
        &[
            "learn",
            "loss-spread",
            "--pool",
            "4",
            "--mnist",
            "/nonexistent",
        ],
        "MNIST",
    );
}

/// The two-layer double-descent setting: squared loss, full batches; the table carries both
/// replica overlaps, the summary names the peak, and a diverging learning rate is an error.
#[test]
fn learn_two_layer_replica_overlap_reports_both_overlaps() {
    let Some(mnist) = glassbox::data::mnist_dir() else {
        eprintln!("MNIST not found; skipped");
        return;
    };
    let dir = temp_dir("learn-two-layer");
    let out = dir.join("two");
    let m = mnist.to_str().unwrap();
    let mut flags = vec![
        "learn",
        "replica-overlap",
        "--model",
        "two-layer",
        "--mnist",
        m,
        "--loss",
        "squared",
        "--weight-decay",
        "0",
        "--batch",
        "40",
        "--pool",
        "4",
        "--train",
        "40",
        "--test",
        "100",
        "--widths",
        "2,8",
        "--networks",
        "4",
        "--epochs",
        "200",
    ];
    let o = glassbox(&[&flags[..], &["--lr", "0.3", "-o", out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("test loss peaks at H = "));
    let csv = read(&out.join("results.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|&h| h == "output_overlap").unwrap();
    for line in csv.lines().skip(1) {
        let q: f64 = line.split(',').nth(col).unwrap().parse().unwrap();
        assert!(q.abs() <= 1.0, "{line}");
    }
    assert!(read(&out.join("plots/overlap.svg")).contains("output overlap q"));
    flags.extend(["--lr", "1000"]);
    fails_with(&flags, "training diverged");
}

#[test]
fn anneal_finds_ground_states_and_max_cuts() {
    let dir = temp_dir("anneal");
    // ±J 4×4 torus, disorder seed 1: exact enumeration gives E0 = −18.
    let run = |threads: &str, out: &Path| {
        let o = glassbox(&[
            "--threads",
            threads,
            "anneal",
            "--lattice",
            "4x4",
            "--couplings",
            "pm",
            "--reads",
            "24",
            "--sweeps",
            "300",
            "--seed",
            "1",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (one, two) = (dir.join("one"), dir.join("two"));
    run("1", &one);
    run("2", &two);
    let csv = read(&one.join("results.csv"));
    assert_eq!(
        csv,
        read(&two.join("results.csv")),
        "thread count changed the reads"
    );
    assert_eq!(csv.lines().count(), 25);
    assert!(csv.starts_with("read,best_energy,"));
    let best: serde_json::Value = serde_json::from_str(&read(&one.join("best.json"))).unwrap();
    assert_eq!(best["best_energy"], -18.0);
    assert!(best["reads_at_best"].as_u64().unwrap() >= 12, "{best}");
    // The ±J torus runs on the multispin kernel; `--kernel scalar` forces the reference
    // kernel, whose reads differ but find the same ground state.
    let scalar = dir.join("scalar");
    let o = glassbox(&[
        "anneal",
        "--lattice",
        "4x4",
        "--couplings",
        "pm",
        "--reads",
        "24",
        "--sweeps",
        "300",
        "--seed",
        "1",
        "--kernel",
        "scalar",
        "-o",
        scalar.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(read(&scalar.join("results.csv")), csv);
    let best: serde_json::Value = serde_json::from_str(&read(&scalar.join("best.json"))).unwrap();
    assert_eq!(best["best_energy"], -18.0);
    assert!(best["reads_at_best"].as_u64().unwrap() >= 12, "{best}");
    let npy = std::fs::read(one.join("arrays/best_spins.npy")).unwrap();
    assert!(String::from_utf8_lossy(&npy[..128]).contains("'shape': (4, 4)"));
    assert!(read(&one.join("plots/energy_trace.svg")).contains("<svg"));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&one.join("manifest.json"))).unwrap();
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["command"], "anneal");
    assert_eq!(manifest["kernel"], "multispin");
    let scalar_manifest: serde_json::Value =
        serde_json::from_str(&read(&scalar.join("manifest.json"))).unwrap();
    assert_eq!(scalar_manifest["kernel"], "scalar");

    // Max-Cut: the 5-cycle (max cut 4) and the complete graph K4 with weights 2 (max cut
    // 2·4 = 8), as G-set files; energy and cut obey cut = (W − E)/2.
    for (text, cut, w) in [
        ("5 5\n1 2 1\n2 3 1\n3 4 1\n4 5 1\n5 1 1\n", 4.0, 5.0),
        ("4 6\n1 2 2\n1 3 2\n1 4 2\n2 3 2\n2 4 2\n3 4 2\n", 8.0, 12.0),
    ] {
        let file = dir.join("g.gset");
        std::fs::write(&file, text).unwrap();
        let out = dir.join(format!("cut{cut}"));
        let o = glassbox(&[
            "anneal",
            "--instance",
            file.to_str().unwrap(),
            "--reads",
            "8",
            "--sweeps",
            "100",
            "--schedule",
            "linear",
            "--beta-range",
            "0.1,3",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let best: serde_json::Value = serde_json::from_str(&read(&out.join("best.json"))).unwrap();
        assert_eq!(best["cut"], cut, "{best}");
        assert_eq!(best["total_weight"], w);
        assert_eq!(best["best_energy"], w - 2.0 * cut);
        assert_eq!(best["beta0"], 0.1);
        assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("max-cut value {cut}")));
    }
    // An edge list is an Ising instance (J as written, no cut): a frustrated triangle with
    // J = −1 has E0 = −1.
    let file = dir.join("tri.txt");
    std::fs::write(&file, "0 1 -1\n1 2 -1\n0 2 -1\n").unwrap();
    let out = dir.join("tri");
    let o = glassbox(&[
        "anneal",
        "--instance",
        file.to_str().unwrap(),
        "--format",
        "edge-list",
        "--reads",
        "4",
        "--sweeps",
        "50",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let best: serde_json::Value = serde_json::from_str(&read(&out.join("best.json"))).unwrap();
    assert_eq!(best["best_energy"], -1.0);
    assert!(best["cut"].is_null());
    assert!(!read(&out.join("results.csv")).contains("cut"));

    let o = dir.join("bad");
    let o = o.to_str().unwrap();
    fails_with(
        &["anneal", "--lattice", "4x4", "--beta-range", "1", "-o", o],
        "two values",
    );
    fails_with(
        &["anneal", "--lattice", "4x4", "--beta-range", "0,1", "-o", o],
        "positive",
    );
    fails_with(
        &["anneal", "--lattice", "4x4", "--reads", "0", "-o", o],
        "reads",
    );
    fails_with(
        &[
            "anneal",
            "--instance",
            "g.gset",
            "--lattice",
            "4x4",
            "-o",
            o,
        ],
        "not both",
    );
    fails_with(
        &["anneal", "--instance", "/nonexistent.gset", "-o", o],
        "nonexistent",
    );
}

#[test]
fn temper_writes_overlaps_and_resumes_after_interrupt() {
    let dir = temp_dir("temper");
    let small = dir.join("small");
    let o = glassbox(&[
        "temper",
        "--lattice",
        "4x4",
        "--couplings",
        "pm",
        "--tmin",
        "0.5",
        "--tmax",
        "3",
        "--count",
        "5",
        "--tune",
        "2",
        "--sweeps",
        "3000",
        "-o",
        small.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&small.join("results.csv"));
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.starts_with("T,beta,e,e_err,e_tau,"));
    assert!(csv.lines().next().unwrap().contains("q2,q2_err"));
    assert!(csv.lines().next().unwrap().contains("binder_q"));
    let pq = read(&small.join("pq.csv"));
    assert_eq!(pq.lines().count(), 1 + 17, "N + 1 = 17 bins of P(q)");
    let ex = read(&small.join("exchange.csv"));
    for line in ex.lines().skip(1) {
        let a: f64 = line.split(',').nth(2).unwrap().parse().unwrap();
        assert!(a > 0.0 && a < 1.0, "{line}");
    }
    for p in [
        "e", "q2", "binder_q", "pq", "exchange", "ql", "chi_sg", "xi",
    ] {
        assert!(read(&small.join(format!("plots/{p}.svg"))).contains("<svg"));
    }
    assert!(String::from_utf8_lossy(&o.stdout).contains("round trips"));
    // Logarithmic binning: 3300 sweeps fill the windows [1, 2) … [1024, 2048) and part of
    // [2048, 4096); the verdict is printed.
    let lb = read(&small.join("log_binning.csv"));
    assert!(
        lb.starts_with("T,start,end,complete,e,e_err,q2,q2_err,ql,ql_err,de,"),
        "{lb}"
    );
    assert_eq!(lb.lines().count(), 1 + 5 * 12);
    assert!(lb.contains(",1024,2048,true,") && lb.contains(",2048,4096,false,"));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("thermalization check (logarithmic binning")
    );
    // 32 sweeps from random spins are flagged.
    let short = dir.join("short");
    let o = glassbox(&[
        "temper",
        "--lattice",
        "6x6",
        "--couplings",
        "gaussian",
        "-T",
        "0.35,0.6,1,1.6",
        "--sweeps",
        "16",
        "--therm",
        "16",
        "--samples",
        "8",
        "--seed",
        "3",
        "-o",
        short.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("NOT thermalized at T = 0.35"));
    fails_with(
        &[
            "temper",
            "--lattice",
            "4x4",
            "-T",
            "2,1",
            "-o",
            dir.join("x").to_str().unwrap(),
        ],
        "increasing",
    );
    fails_with(
        &[
            "temper",
            "--lattice",
            "4x4",
            "-T",
            "1,2",
            "--replicas",
            "1",
            "-o",
            dir.join("x").to_str().unwrap(),
        ],
        "at least 2",
    );
    fails_with(
        &[
            "temper",
            "--lattice",
            "4x4",
            "-o",
            dir.join("x").to_str().unwrap(),
        ],
        "no temperatures",
    );

    // Interrupt a longer run, resume it, compare with an uninterrupted one.
    let args = |out: &Path| -> Vec<String> {
        [
            "temper",
            "--lattice",
            "16x16",
            "--couplings",
            "pm",
            "-T",
            "1,1.5,2,3",
            "--sweeps",
            "40000",
            "--seed",
            "3",
            "--checkpoint-every",
            "1000",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let full = dir.join("full");
    assert!(glassbox(&strs(&args(&full))).status.success());
    let cut = dir.join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args(&cut))
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cut.join("manifest.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "the run finished before the interrupt"
    );
    assert!(cut.join("checkpoint.json").exists());
    let mut resume = args(&cut);
    resume.push("--resume".into());
    let o = glassbox(&strs(&resume));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&full.join("results.csv")),
        read(&cut.join("results.csv"))
    );
    assert_eq!(read(&full.join("pq.csv")), read(&cut.join("pq.csv")));
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(|s| s.as_str()).collect()
}

#[test]
fn sample_with_cluster_updates() {
    let dir = temp_dir("cluster");
    let out = dir.join("sw");
    let o = glassbox(&[
        "sample",
        "--lattice",
        "8x8",
        "-T",
        "2.269",
        "--cluster",
        "sw",
        "--sweeps",
        "4000",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&out.join("spec.toml")).contains("cluster = \"swendsen-wang\""));
    let row = read(&out.join("results.csv"));
    let e: f64 = row
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    // Kaufman: e(L=8, T=2.269) = −1.4918; a 4000-sweep SW run is within a few 0.01.
    assert!((e + 1.4918).abs() < 0.03, "e = {e}");
    // The spec file reproduces the run, cluster included.
    let again = dir.join("again");
    let o = glassbox(&[
        "sample",
        "--config",
        out.join("spec.toml").to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(row, read(&again.join("results.csv")));
    let bad = dir.join("bad");
    fails_with(
        &[
            "sample",
            "--lattice",
            "4x4",
            "--couplings",
            "pm",
            "-T",
            "1",
            "--cluster",
            "wolff",
            "-o",
            bad.to_str().unwrap(),
        ],
        "uniform ferromagnetic",
    );
}

#[test]
fn temper_averages_disorder_samples() {
    let dir = temp_dir("temper-samples");
    let out = dir.join("ens");
    let o = glassbox(&[
        "temper",
        "--lattice",
        "4x4",
        "--couplings",
        "pm",
        "--samples",
        "3",
        "-T",
        "1,2",
        "--sweeps",
        "2000",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("disorder average over 3 samples"));
    let samples = read(&out.join("samples.csv"));
    assert_eq!(samples.lines().count(), 1 + 3 * 2);
    let header: Vec<&str> = samples.lines().next().unwrap().split(',').collect();
    let q2 = header.iter().position(|h| *h == "q2").unwrap();
    let per: Vec<f64> = samples
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("1"))
        .map(|l| l.split(',').nth(q2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(per.len(), 3);
    let avg = per.iter().sum::<f64>() / 3.0;
    let results = read(&out.join("results.csv"));
    let first: f64 = results
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(q2 - 1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((first - avg).abs() < 1e-12, "{first} vs {avg}");
    assert!(read(&out.join("spec.toml")).contains("samples = 3"));
}

/// `hopfield scaling --interaction exp`: p_c grows exponentially (ln p_c/N ≈ 0.15 at 25 %
/// flipped); bad flips and interactions fail in one line.
#[test]
fn hopfield_exponential_scaling() {
    let dir = temp_dir("hopfield-exp");
    let o = glassbox(&[
        "hopfield",
        "scaling",
        "--interaction",
        "exp",
        "--sizes",
        "16,24,32",
        "--samples",
        "6",
        "--starts",
        "4",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("growth rate α"), "{s}");
    let json: serde_json::Value = serde_json::from_str(&read(&dir.join("results.json"))).unwrap();
    let rate = json[0]["growth_rate"]["slope"].as_f64().unwrap();
    assert!(rate > 0.08 && rate < 0.25, "{rate}");
    assert!(read(&dir.join("plots/scaling.svg")).contains("fit e^("));
    fails_with(
        &[
            "hopfield",
            "scaling",
            "--interaction",
            "exp",
            "--flip",
            "0.6",
        ],
        "flipped fraction",
    );
    fails_with(
        &["hopfield", "store", "--interaction", "cosh"],
        "invalid value",
    );
}

#[test]
fn hopfield_experiments_write_run_folders() {
    let dir = temp_dir("hopfield");
    let cap = dir.join("cap");
    let o = glassbox(&[
        "hopfield",
        "capacity",
        "-n",
        "100,200",
        "--alphas",
        "0.1,0.2,0.3,0.4",
        "--samples",
        "3",
        "--starts",
        "4",
        "--seed",
        "5",
        "-o",
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("α_c(∞) from mean crossing"), "{s}");
    assert_eq!(read(&cap.join("results.csv")).lines().count(), 9);
    let svg = read(&cap.join("plots/capacity.svg"));
    assert!(svg.contains("AGS m(α)") && svg.contains("N = 200"), "{svg}");
    assert!(read(&cap.join("plots/alpha_c.svg")).contains("<svg"));
    let npy = std::fs::read(cap.join("arrays/overlap_histograms.npy")).unwrap();
    assert!(String::from_utf8_lossy(&npy[..128]).contains("'shape': (8, 40)"));
    assert!(read(&cap.join("manifest.json")).contains("completed"));
    let json: serde_json::Value = serde_json::from_str(&read(&cap.join("results.json"))).unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 8);
    // The same seed gives the same table.
    let again = dir.join("cap2");
    let o = glassbox(&[
        "hopfield",
        "capacity",
        "-n",
        "100,200",
        "--alphas",
        "0.1,0.2,0.3,0.4",
        "--samples",
        "3",
        "--starts",
        "4",
        "--seed",
        "5",
        "--threads",
        "1",
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(
        read(&cap.join("results.csv")),
        read(&again.join("results.csv"))
    );

    let bas = dir.join("basins");
    let o = glassbox(&[
        "hopfield",
        "basins",
        "-n",
        "200",
        "--alphas",
        "0.05",
        "--flip-step",
        "0.1",
        "--samples",
        "2",
        "--starts",
        "3",
        "-o",
        bas.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&bas.join("results.csv")).lines().count(), 7);
    assert!(read(&bas.join("plots/basins.svg")).contains("<svg"));

    let rec = dir.join("recall");
    let o = glassbox(&[
        "hopfield",
        "recall",
        "-n",
        "400",
        "--alpha",
        "0.05",
        "--flip",
        "0.2",
        "-o",
        rec.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&rec.join("results.json"))).unwrap();
    assert_eq!(json["final_overlap"], 1.0);
    assert_eq!(json["period"], 1);

    let o = dir.join("bad");
    let o = o.to_str().unwrap();
    fails_with(
        &["hopfield", "capacity", "--alphas", "0.2,0.1", "-o", o],
        "strictly increasing",
    );
    fails_with(
        &["hopfield", "recall", "--alpha", "-1", "-o", o],
        "positive",
    );
    fails_with(
        &[
            "hopfield",
            "recall",
            "--rule",
            "pseudo-inverse",
            "-n",
            "50",
            "--alpha",
            "1.2",
            "-o",
            o,
        ],
        "singular",
    );
    fails_with(
        &["hopfield", "basins", "--max-flip", "0.7", "-o", o],
        "[0, 0.5]",
    );
    fails_with(
        &["hopfield", "recall", "-n", "0", "-o", o],
        "at least one unit",
    );
}

#[test]
fn hopfield_hybrid_samples_the_hopfield_marginal() {
    let dir = temp_dir("hopfield-hybrid");
    let out = dir.join("hyb");
    let o = glassbox(&[
        "hopfield",
        "hybrid",
        "--hidden",
        "langevin",
        "--samples",
        "60000",
        "--seed",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    let tv = json["total_variation"].as_f64().unwrap();
    let iid = &json["exact_sampler_tv"];
    let (mean, sd) = (
        iid["mean"].as_f64().unwrap(),
        iid["error"].as_f64().unwrap(),
    );
    assert!(
        tv < mean + 4.0 * sd,
        "TV {tv} vs exact sampler {mean} ± {sd}"
    );
    for (h, m) in json["hidden_over_sqrt_n"]
        .as_array()
        .unwrap()
        .iter()
        .zip(json["exact"]["overlaps"].as_array().unwrap())
    {
        let (v, e, x) = (
            h["mean"].as_f64().unwrap(),
            h["error"].as_f64().unwrap(),
            m.as_f64().unwrap(),
        );
        assert!((v - x).abs() < 4.0 * e, "{v} ± {e} vs {x}");
    }
    assert!(read(&out.join("plots/marginal.svg")).contains("<svg"));
    let bad = dir.join("bad");
    fails_with(
        &[
            "hopfield",
            "hybrid",
            "-n",
            "30",
            "-o",
            bad.to_str().unwrap(),
        ],
        "at most 20",
    );
    fails_with(
        &[
            "hopfield",
            "hybrid",
            "--beta",
            "0",
            "-o",
            bad.to_str().unwrap(),
        ],
        "β must be",
    );
}

#[test]
fn hopfield_store_recalls_mnist_digits() {
    let Some(mnist) = glassbox::data::mnist_dir() else {
        eprintln!("MNIST not found; skipped");
        return;
    };
    let dir = temp_dir("hopfield-store");
    let out = dir.join("store");
    let o = glassbox(&[
        "hopfield",
        "store",
        "--mnist",
        mnist.to_str().unwrap(),
        "-k",
        "10",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    for kind in ["corrupted", "occluded"] {
        let r = |m: &str| json[kind][m]["recalled"].as_u64().unwrap();
        assert!(r("Hebb") <= 2, "{kind}: {json}");
        assert!(r("dense") >= 9 && r("continuous") >= 9, "{kind}: {json}");
    }
    let png = std::fs::read(out.join("plots/recall_corrupted.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    fails_with(
        &[
            "hopfield",
            "store",
            "--mnist",
            dir.join("nowhere").to_str().unwrap(),
            "-o",
            dir.join("bad").to_str().unwrap(),
        ],
        "MNIST",
    );
}

#[test]
fn cavity_commands_write_bp_and_amp_tables() {
    let dir = temp_dir("cavity");
    let bp = dir.join("bp");
    let o = glassbox(&[
        "bp",
        "-n",
        "400",
        "--couplings",
        "ferro",
        "-T",
        "1.5,2.5",
        "-o",
        bp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    // Ferromagnet on a 3-regular graph: T_c = 2/ln 3 = 1.8205 from the linearized map.
    assert!(s.contains("paramagnet unstable below T = 1.820"), "{s}");
    assert_eq!(read(&bp.join("results.csv")).lines().count(), 3);
    let json: serde_json::Value = serde_json::from_str(&read(&bp.join("results.json"))).unwrap();
    let high = &json["points"][1];
    assert_eq!(high["converged"], true);
    // Paramagnet at T = 2.5: u = −(3/2) tanh(1/2.5).
    let e = high["energy"].as_f64().unwrap();
    assert!((e + 1.5 * (0.4f64).tanh()).abs() < 1e-8, "{e}");
    let ep = high["energy_population"].as_f64().unwrap();
    assert!((ep - e).abs() < 1e-8, "{ep} {e}");
    assert!(read(&bp.join("plots/bp.svg")).contains("<svg"));

    let amp = dir.join("amp");
    let o = glassbox(&["amp", "-n", "300", "-T", "1.5", "-o", amp.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&amp.join("results.json"))).unwrap();
    let p = &json["points"][0];
    assert_eq!(p["converged"], true);
    let (q, se) = (
        p["q"].as_f64().unwrap(),
        p["q_state_evolution"].as_f64().unwrap(),
    );
    assert!((q - se).abs() < 3.0 / 300f64.sqrt(), "{q} {se}");
    let tap = dir.join("tap");
    let o = glassbox(&[
        "tap",
        "-n",
        "200",
        "-T",
        "2",
        "--monte-carlo",
        "100",
        "-o",
        tap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Site by site against Monte Carlo: TAP within errors, naive mean field far off.
    let json: serde_json::Value = serde_json::from_str(&read(&tap.join("results.json"))).unwrap();
    let c = &json["points"][0]["monte_carlo"];
    let (chi, expected, sd, naive) = (
        c["chi2"]["per_site"].as_f64().unwrap(),
        c["chi2"]["expected"].as_f64().unwrap(),
        c["chi2"]["sd"].as_f64().unwrap(),
        c["chi2_naive_mean_field"]["per_site"].as_f64().unwrap(),
    );
    assert!((chi - expected).abs() < 4.0 * sd, "TAP χ²/N {chi}");
    assert!(naive > expected + 20.0 * sd, "naive χ²/N {naive}");
    assert_eq!(c["m_mc"].as_array().unwrap().len(), 200);
    assert!(read(&tap.join("plots/sites_vs_monte_carlo.svg")).contains("<svg"));
    // An instance file: a 4-cycle with unit couplings in G-set format.
    let gset = dir.join("ring.gset");
    std::fs::write(&gset, "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n").unwrap();
    let ring = dir.join("ring");
    let o = glassbox(&[
        "bp",
        "--graph",
        gset.to_str().unwrap(),
        "-T",
        "2",
        "-o",
        ring.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&ring.join("results.json"))).unwrap();
    // BP on a uniform ring is the infinite chain: e = −tanh(1/T).
    let e = json["points"][0]["energy"].as_f64().unwrap();
    assert!((e + 0.5f64.tanh()).abs() < 1e-9, "{e}");
    let ms = dir.join("maxsum");
    let o = glassbox(&[
        "maxsum",
        "-n",
        "100",
        "--samples",
        "2",
        "--anneal-sweeps",
        "200",
        "-o",
        ms.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&ms.join("results.json"))).unwrap();
    for p in json["points"].as_array().unwrap() {
        // A 3-regular Gaussian glass: e is well below 0 (−1.1 per spin at N = 1000).
        assert!(p["energy_maxsum"].as_f64().unwrap() < -0.8, "{p}");
    }
    // The same file through maxsum (ground state of the ferromagnetic ring: e = −1), tap and
    // amp.
    let ms_ring = dir.join("maxsum-ring");
    let o = glassbox(&[
        "maxsum",
        "--graph",
        gset.to_str().unwrap(),
        "--anneal-sweeps",
        "0",
        "-o",
        ms_ring.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&read(&ms_ring.join("results.json"))).unwrap();
    let e = json["points"][0]["energy_maxsum"].as_f64().unwrap();
    assert!((e + 1.0).abs() < 1e-12, "{e}");
    for cmd in ["tap", "amp"] {
        let out = dir.join(format!("{cmd}-ring"));
        let o = glassbox(&[
            cmd,
            "--graph",
            gset.to_str().unwrap(),
            "-T",
            "3",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("ring.gset, N = 4"));
    }
    // AMP on the Hopfield model: the fixed point is the AGS retrieval state at T = 0.3.
    let hop = dir.join("amp-hopfield");
    let o = glassbox(&[
        "amp",
        "--model",
        "hopfield",
        "-n",
        "1000",
        "--patterns",
        "51",
        "-T",
        "0.3",
        "-o",
        hop.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&hop.join("results.json"))).unwrap();
    let p = &json["points"][0];
    assert_eq!(p["converged"], true);
    let (m, ags) = (p["M"].as_f64().unwrap(), p["M_ags"].as_f64().unwrap());
    assert!((m - ags).abs() < 4.0 / 1000f64.sqrt(), "{m} {ags}");
    let fresh = dir.join("fresh");
    let fresh = fresh.to_str().unwrap();
    fails_with(&["tap", "--model", "hopfield", "-o", fresh], "amp");
    fails_with(
        &["tap", "--monte-carlo", "10", "--chains", "3", "-o", fresh],
        "at least 6",
    );
    fails_with(&["cavity-field", "-T", "0", "-o", fresh], "positive");
    let cf = dir.join("cavity-field");
    let o = glassbox(&[
        "cavity-field",
        "-n",
        "200",
        "--sweeps",
        "4000",
        "--draws",
        "1000",
        "-o",
        cf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&cf.join("results.json"))).unwrap();
    let (q, v) = (json["q_rs"].as_f64().unwrap(), &json["mean_field_variance"]);
    let (vm, ve) = (v["mean"].as_f64().unwrap(), v["error"].as_f64().unwrap());
    // The variance of h̃ is the instance's q (up to the J_0 sampling error), which lies within
    // the finite-N sample-to-sample spread (≈ 0.03 at N = 200) of the RS value.
    let q_mc = json["q_mc"].as_f64().unwrap();
    assert!((vm - q_mc).abs() < 4.0 * ve, "{vm} ± {ve} vs {q_mc}");
    assert!((q_mc - q).abs() < 0.06, "{q_mc} vs {q}");
    assert!(read(&cf.join("plots/cavity_field.svg")).contains("<svg"));
    fails_with(
        &["amp", "--model", "hopfield", "--flip", "0.9", "-o", fresh],
        "[0, 0.5]",
    );
    fails_with(&["bp", "-T", "0", "-o", fresh], "positive");
    // Gaussian couplings: the spin-glass instability temperature averaged over graphs agrees
    // with the Bethe value 0.7479 (single graphs scatter by ~0.01 at N = 2000).
    let avg = dir.join("bp-avg");
    let o = glassbox(&[
        "bp",
        "-n",
        "500",
        "--couplings",
        "gaussian",
        "-T",
        "2",
        "--population",
        "0",
        "--instances",
        "4",
        "-o",
        avg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&avg.join("results.json"))).unwrap();
    let inst = &json["transition"]["instances"];
    assert_eq!(inst["spin_glass"].as_array().unwrap().len(), 4);
    let (m, e) = (
        inst["mean"].as_f64().unwrap(),
        inst["error"].as_f64().unwrap(),
    );
    assert!(e > 0.0 && (m - 0.7479).abs() < 4.0 * e + 0.01, "{m} ± {e}");
    fails_with(&["bp", "-c", "3", "-n", "11", "-o", fresh], "even");
}

#[test]
fn ground_reaches_enumerated_energies_and_max_cuts() {
    let dir = temp_dir("ground");
    // ±J 4×4 torus, disorder seed 1: exact enumeration gives E0 = −18 (see the anneal test).
    let out = dir.join("ea");
    let o = glassbox(&[
        "ground",
        "--lattice",
        "4x4",
        "--couplings",
        "pm",
        "--sweeps",
        "200",
        "--runs",
        "3",
        "--max-reads",
        "16",
        "--batch",
        "4",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    assert_eq!(r["best_energy"], -18.0);
    assert_eq!(r["time_to_target"]["successes"], 3, "{r}");
    assert_eq!(read(&out.join("results.csv")).lines().count(), 4);
    assert!(read(&out.join("plots/best_vs_time.svg")).contains("<svg"));
    // Max-Cut: K4 with weights 2 has max cut 8 (W = 12); stop at the cut target.
    let file = dir.join("k4.gset");
    std::fs::write(&file, "4 6\n1 2 2\n1 3 2\n1 4 2\n2 3 2\n2 4 2\n3 4 2\n").unwrap();
    let out = dir.join("k4");
    let o = glassbox(&[
        "ground",
        "--instance",
        file.to_str().unwrap(),
        "--target-cut",
        "8",
        "--time",
        "20",
        "--runs",
        "2",
        "--sweeps",
        "50",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    assert_eq!(r["cut"], 8.0);
    assert_eq!(r["best_energy"], -4.0);
    assert_eq!(r["time_to_target"]["target"], -4.0);
    assert_eq!(r["time_to_target"]["success_probability"], 1.0);
    assert!(String::from_utf8_lossy(&o.stdout).contains("max-cut value 8"));
    // Parallel tempering as the engine reaches the same ±J ground state.
    let out = dir.join("pt");
    let o = glassbox(&[
        "ground",
        "--lattice",
        "4x4",
        "--couplings",
        "pm",
        "--method",
        "pt",
        "--pt-temperatures",
        "8",
        "--sweeps",
        "10",
        "--target",
        "-18",
        "--time",
        "60",
        "--runs",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    assert_eq!(r["best_energy"], -18.0);
    assert_eq!(r["time_to_target"]["successes"], 2, "{r}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("parallel tempering (8 temperatures"));

    let bad = dir.join("bad");
    let b = bad.to_str().unwrap();
    for (text, msg) in [
        ("4 2\n1 2 1\n2 x 1\n", "bad.gset:3: bad vertex `x`"),
        ("3 2\n1 4 1\n2 3 1\n", "bad.gset:2: vertex out of range"),
        ("", "empty file"),
    ] {
        let f = dir.join("bad.gset");
        std::fs::write(&f, text).unwrap();
        fails_with(&["ground", "--instance", f.to_str().unwrap(), "-o", b], msg);
    }
    fails_with(
        &["ground", "--lattice", "4x4", "--target-cut", "3", "-o", b],
        "Max-Cut",
    );
    fails_with(
        &["ground", "--lattice", "4x4", "--time", "0", "-o", b],
        "time limit",
    );
    fails_with(
        &["ground", "--lattice", "4x4", "--runs", "0", "-o", b],
        "runs",
    );
}

#[test]
fn population_matches_enumeration_and_reports_family_entropy() {
    let dir = temp_dir("population");
    let out = dir.join("sk");
    let o = glassbox(&[
        "population",
        "--sk",
        "12",
        "--beta-max",
        "2",
        "--steps",
        "20",
        "--population",
        "300",
        "--runs",
        "6",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&out.join("results.csv"));
    assert!(csv.starts_with("beta,lnZ_per_spin,"), "{csv}");
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .contains("family_entropy,effective_families,lnZ_exact"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("exact enumeration"), "{stdout}");
    assert!(read(&out.join("plots/family_entropy.svg")).contains("<svg"));
    let bad = dir.join("bad");
    fails_with(
        &[
            "population",
            "--sk",
            "8",
            "--population",
            "1",
            "-o",
            bad.to_str().unwrap(),
        ],
        "population",
    );
}

/// Runs `args` (the output folder appended with `-o`) uninterrupted, then again killed with
/// SIGKILL once it has written a checkpoint, then resumed with `--resume`; returns the two
/// output folders.
fn kill_and_resume(dir: &Path, args: &[&str]) -> (PathBuf, PathBuf) {
    let with_out = |out: &Path| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["-o".to_string(), out.to_str().unwrap().to_string()]);
        v
    };
    let full = dir.join("full");
    let o = glassbox(&strs(&with_out(&full)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cut = dir.join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(with_out(&cut))
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cut.join("checkpoint.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        cut.join("checkpoint.json").exists(),
        "no checkpoint was written"
    );
    assert!(
        !cut.join("results.csv").exists(),
        "the run finished before it was killed"
    );
    let mut resume = with_out(&cut);
    resume.push("--resume".into());
    let o = glassbox(&strs(&resume));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!cut.join("checkpoint.json").exists());
    (full, cut)
}

#[test]
fn population_and_ground_resume_after_sigkill() {
    let dir = temp_dir("resume-pa");
    let (full, cut) = kill_and_resume(
        &dir,
        &[
            "population",
            "--sk",
            "64",
            "--beta-max",
            "2",
            "--steps",
            "400",
            "--population",
            "500",
            "--runs",
            "2",
            "--seed",
            "4",
            "--checkpoint-every",
            "0.02",
        ],
    );
    assert_eq!(
        read(&full.join("results.csv")),
        read(&cut.join("results.csv"))
    );
    fails_with(
        &[
            "population",
            "--sk",
            "64",
            "--beta-max",
            "3",
            "--resume",
            "-o",
            cut.to_str().unwrap(),
        ],
        "differs",
    );

    // Searches with a read budget: the same reads and energies (the seconds differ).
    let dir = temp_dir("resume-ground");
    let (full, cut) = kill_and_resume(
        &dir,
        &[
            "ground",
            "--sk",
            "128",
            "--max-reads",
            "48",
            "--time",
            "1000",
            "--sweeps",
            "2000",
            "--batch",
            "4",
            "--runs",
            "3",
            "--seed",
            "2",
            "--checkpoint-every",
            "0.02",
        ],
    );
    let columns = |p: &Path| -> Vec<String> {
        read(&p.join("results.csv"))
            .lines()
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                // run, best_energy, best_energy_per_spin, reads, reads_to_target
                [c[0], c[1], c[2], c[3], c[6]].join(",")
            })
            .collect()
    };
    assert_eq!(columns(&full), columns(&cut));
    assert_eq!(columns(&full).len(), 4);
    assert_eq!(
        std::fs::read(full.join("arrays/best_spins.npy")).unwrap(),
        std::fs::read(cut.join("arrays/best_spins.npy")).unwrap()
    );
}

#[test]
fn temper_with_houdayer_moves() {
    let dir = temp_dir("houdayer");
    let out = dir.join("run");
    let o = glassbox(&[
        "temper",
        "--lattice",
        "6x6",
        "--couplings",
        "gaussian",
        "-T",
        "0.4,0.7,1.2",
        "--replicas",
        "2",
        "--sweeps",
        "500",
        "--houdayer",
        "1.0",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&out.join("results.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "cluster_fraction")
        .unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows[0][col].parse::<f64>().unwrap() > 0.0);
    assert!(rows[2][col].is_empty());
    // Gaussian couplings: the energy–link-overlap thermalization check is written.
    assert!(read(&out.join("link_identity.csv")).starts_with("T,residual,residual_err"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("thermalization check"));
    fails_with(
        &[
            "temper",
            "--lattice",
            "4x4",
            "--field",
            "0.5",
            "-T",
            "1,2",
            "--houdayer",
            "-o",
            dir.join("bad").to_str().unwrap(),
        ],
        "field",
    );
}

#[test]
fn quantum_ed_pimc_sqa_write_run_folders() {
    let dir = temp_dir("quantum");
    // Exact diagonalization of the 10-spin ring against the free-fermion ground energy.
    let ed = dir.join("ed");
    let o = glassbox(&[
        "quantum",
        "ed",
        "--lattice",
        "10",
        "--gamma",
        "0.5,1",
        "-o",
        ed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(&read(&ed.join("results.json"))).unwrap();
    let e0 = json["ground_states"][1]["energy"].as_f64().unwrap();
    let exact = -(0..10)
        .map(|m| {
            2.0 * ((2 * m + 1) as f64 * std::f64::consts::PI / 20.0)
                .sin()
                .abs()
        })
        .sum::<f64>();
    assert!((e0 - exact).abs() < 1e-10, "{e0} vs {exact}");
    assert!(read(&ed.join("plots/gap.svg")).contains("<svg"));
    // The annealing-path spectrum of a small ±J instance.
    let path = dir.join("path");
    let o = glassbox(&[
        "quantum",
        "ed",
        "--sk",
        "8",
        "--couplings",
        "pm",
        "--path",
        "--points",
        "6",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("minimum gap"));
    assert_eq!(read(&path.join("results.csv")).lines().count(), 7);
    // PIMC at two Trotter numbers, compared with exact diagonalization (N = 6).
    let pimc = dir.join("pimc");
    let o = glassbox(&[
        "quantum",
        "pimc",
        "--lattice",
        "6",
        "-P",
        "4,8",
        "--sweeps",
        "2000",
        "-o",
        pimc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("P → ∞") && s.contains("exact diagonalization"),
        "{s}"
    );
    // SQA: the per-read table of `anneal`.
    let sqa = dir.join("sqa");
    let o = glassbox(&[
        "quantum",
        "sqa",
        "--lattice",
        "6x6",
        "--couplings",
        "pm",
        "-P",
        "8",
        "--sweeps",
        "100",
        "--reads",
        "4",
        "-o",
        sqa.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&sqa.join("results.csv"));
    assert!(
        csv.starts_with("read\tbest_energy") || csv.starts_with("read,best_energy"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 5);
}

#[test]
fn quantum_bad_input_is_one_line() {
    let dir = temp_dir("quantum-bad");
    let o = dir.join("x");
    fails_with(
        &[
            "quantum",
            "ed",
            "--lattice",
            "22",
            "-o",
            o.to_str().unwrap(),
        ],
        "at most 20 spins",
    );
    fails_with(
        &[
            "quantum",
            "ed",
            "--lattice",
            "14",
            "-T",
            "1",
            "-o",
            o.to_str().unwrap(),
        ],
        "N ≤ 12",
    );
    fails_with(
        &[
            "quantum",
            "pimc",
            "--lattice",
            "4",
            "--gamma",
            "0",
            "-o",
            o.to_str().unwrap(),
        ],
        "positive transverse field",
    );
    fails_with(
        &[
            "quantum",
            "sqa",
            "--lattice",
            "4",
            "--gamma1",
            "0",
            "-o",
            o.to_str().unwrap(),
        ],
        "Γ_0 ≥ Γ_1 > 0",
    );
    fails_with(
        &[
            "quantum",
            "sqa",
            "--lattice",
            "4",
            "--gammas",
            "1,-1",
            "-o",
            o.to_str().unwrap(),
        ],
        "finite and positive",
    );
    fails_with(
        &[
            "quantum",
            "compare",
            "--lattice",
            "4x4",
            "--sweeps",
            "0",
            "-o",
            o.to_str().unwrap(),
        ],
        "at least 1 sweep",
    );
}

#[test]
fn quantum_compare_writes_residual_curves() {
    let dir = temp_dir("quantum-compare");
    let out = dir.join("cmp");
    let o = glassbox(&[
        "quantum",
        "compare",
        "--lattice",
        "6x6",
        "--couplings",
        "pm",
        "--instances",
        "2",
        "--sweeps",
        "2,20",
        "-P",
        "8",
        "--reads",
        "4",
        "--schedule",
        "geometric",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("residual/spin SA") && s.contains("reference energies"),
        "{s}"
    );
    let csv = read(&out.join("results.csv"));
    // header + 2 methods × 2 lengths
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(out.join("plots").join("residual.svg").exists());
}

/// A tiny `.npy` image set: `count` 4×4 images of bars (values 0/255 as float64).
fn bars_npy(path: &Path, count: usize) {
    let mut dict =
        format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({count}, 4, 4), }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    for k in 0..count {
        let (horizontal, line) = (k % 2 == 0, (k / 2) % 4);
        for r in 0..4 {
            for c in 0..4 {
                let on = if horizontal { r == line } else { c == line };
                bytes.extend_from_slice(&(if on { 255.0f64 } else { 0.0 }).to_le_bytes());
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn rbm_trains_resumes_evaluates_and_samples() {
    let dir = temp_dir("rbm");
    let data = dir.join("bars.npy");
    bars_npy(&data, 200);
    let d = data.to_str().unwrap();
    let common = [
        "rbm",
        "train",
        "--data",
        d,
        "--train-size",
        "160",
        "--held-out",
        "40",
        "--hidden",
        "4",
        "--batch-size",
        "10",
        "--lr",
        "0.1",
    ];
    let full = dir.join("full");
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--epochs", "6", "-o", full.to_str().unwrap()]);
    let out = glassbox(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "model/W.npy",
        "model/a.npy",
        "model/b.npy",
        "model/model.json",
        "checkpoint.json",
        "results.csv",
        "plots/filters.png",
        "manifest.json",
    ] {
        assert!(full.join(f).exists(), "{f} missing");
    }
    // Interrupted after 3 epochs, resumed to 6: the same weights, bit for bit.
    let part = dir.join("part");
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--epochs", "3", "-o", part.to_str().unwrap()]);
    assert!(glassbox(&args).status.success());
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--epochs", "6", "--resume", "-o", part.to_str().unwrap()]);
    let out = glassbox(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(full.join("model/W.npy")).unwrap(),
        std::fs::read(part.join("model/W.npy")).unwrap()
    );
    assert_eq!(read(&part.join("results.csv")).lines().count(), 7);
    // Exact and AIS log Z agree; held-out log-likelihood is finite and below 0.
    let ev = dir.join("eval");
    let out = glassbox(&[
        "rbm",
        "eval",
        "--model",
        full.to_str().unwrap(),
        "--data",
        d,
        "--train-size",
        "160",
        "--held-out",
        "40",
        "--logz",
        "both",
        "--ais-chains",
        "50",
        "--ais-steps",
        "500",
        "-o",
        ev.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(&read(&ev.join("results.json"))).unwrap();
    let ll = r["held_out_ll"].as_f64().unwrap();
    // 8 equally likely bars: the best possible model has ln(1/8) ≈ −2.08.
    assert!(ll < 0.0 && ll > -11.1, "held-out ll {ll}");
    assert!(
        r["ais_check"]["sigmas"].as_f64().unwrap().abs() < 4.0,
        "{r}"
    );
    let s = dir.join("samples");
    let out = glassbox(&[
        "rbm",
        "sample",
        "--model",
        full.to_str().unwrap(),
        "--chains",
        "8",
        "--steps",
        "20",
        "-o",
        s.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(s.join("plots/samples.png").exists() && s.join("arrays/samples.npy").exists());
    let lz = dir.join("logz");
    let out = glassbox(&[
        "rbm",
        "logz",
        "--model",
        full.to_str().unwrap(),
        "--logz",
        "exact",
        "-o",
        lz.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("exact ln Z"));
    // Bad input: one line, status 2.
    let o = dir.join("bad");
    let o = o.to_str().unwrap();
    fails_with(
        &["rbm", "train", "--data", d, "--hidden", "0", "-o", o],
        "must all be ≥ 1",
    );
    fails_with(&["rbm", "train", "--data", "x.txt", "-o", o], ".npy");
    fails_with(
        &["rbm", "train", "--data", d, "--train-size", "500", "-o", o],
        "split",
    );
    fails_with(
        &["rbm", "train", "--data", d, "--resume", "-o", o],
        "resume",
    );
    fails_with(
        &["rbm", "eval", "--model", o, "--data", d],
        "not a model folder",
    );
    fails_with(
        &["rbm", "train", "--data", d, "--lr=-1", "-o", o],
        "learning rate",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rg_blocks_flows_and_learns_order_parameters() {
    let dir = temp_dir("rg");
    let d = |n: &str| dir.join(n).to_str().unwrap().to_string();
    // Block images at three temperatures.
    let o = d("block");
    let out = glassbox(&["rg", "block", "-L", "27", "--levels", "2", "-o", &o]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let images: Vec<_> = std::fs::read_dir(dir.join("block/images"))
        .unwrap()
        .collect();
    assert_eq!(images.len(), 3);
    let csv = read(&dir.join("block/results.csv"));
    assert_eq!(csv.lines().count(), 1 + 3 * 3);
    // MCRG on a small lattice: ν printed for each level.
    let o = d("mcrg");
    let out = glassbox(&[
        "rg",
        "mcrg",
        "-L",
        "16",
        "--levels",
        "2",
        "--measurements",
        "300",
        "--chains",
        "1",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ν = ") && text.contains("y_h = "), "{text}");
    assert!(dir.join("mcrg/plots/nu.svg").exists());
    assert!(dir.join("mcrg/plots/y_h.svg").exists());
    // Flow in 3D and PCA.
    let o = d("flow");
    let out = glassbox(&[
        "rg",
        "flow",
        "--dim",
        "3",
        "-L",
        "8",
        "--levels",
        "2",
        "--measurements",
        "50",
        "-T",
        "4,5",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = d("pca");
    let out = glassbox(&[
        "rg",
        "pca",
        "-L",
        "8",
        "--temps",
        "6",
        "--configs",
        "20",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.join("pca/results.json"))).unwrap();
    assert!(json["uniform_overlap"].as_f64().unwrap() > 0.9, "{json}");
    let o = d("ae");
    let out = glassbox(&[
        "rg",
        "order-parameter",
        "-L",
        "8",
        "--temps",
        "5",
        "--configs",
        "10",
        "--epochs",
        "2",
        "--hidden",
        "8",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("ae/plots/latent.svg").exists());
    assert!(dir.join("ae/plots/z2-chi.svg").exists());
    // The pipeline on overlap configurations of the 3D EA glass.
    let o = d("sg");
    let out = glassbox(&[
        "rg",
        "spin-glass",
        "-L",
        "4",
        "--couplings",
        "gaussian",
        "--temps",
        "4",
        "--samples",
        "2",
        "--thermalization",
        "200",
        "--snapshots",
        "10",
        "--every",
        "2",
        "--epochs",
        "2",
        "--hidden",
        "8",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read(&dir.join("sg/results.csv")).lines().count(), 1 + 4);
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.join("sg/results.json"))).unwrap();
    assert_eq!(json["tc"].as_f64(), Some(0.951));
    assert!(
        json["pca"]["uniform_overlap"].as_f64().unwrap() > 0.5,
        "{json}"
    );
    assert!(dir.join("sg/plots/z2.svg").exists());
    fails_with(
        &["rg", "spin-glass", "--samples", "0", "-o", &d("bad-sg")],
        "disorder sample",
    );
    fails_with(
        &["rg", "spin-glass", "--temps", "2", "-o", &d("bad-sg")],
        "--temps",
    );
    // Stacked RBMs (Mehta–Schwab): receptive-field images and the two flows.
    let o = d("rbm");
    let out = glassbox(&[
        "rg",
        "rbm",
        "-L",
        "8",
        "--hidden",
        "16,4",
        "--configs",
        "50",
        "--epochs",
        "2",
        "--flow-temperatures",
        "2,3",
        "--flow-configs",
        "10",
        "--l1",
        "0.001",
        "-o",
        &o,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("rbm/images/receptive-fields-layer2.svg").exists());
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.join("rbm/results.json"))).unwrap();
    assert_eq!(json["settings"]["spec"]["l1"].as_f64(), Some(0.001));
    let csv = read(&dir.join("rbm/results.csv"));
    assert_eq!(csv.lines().count(), 1 + 2 * 3);
    // Bad input.
    fails_with(
        &[
            "rg",
            "rbm",
            "-L",
            "6",
            "--hidden",
            "4,2",
            "-o",
            &d("bad-rbm"),
        ],
        "multiple of 2^",
    );
    let o = d("bad");
    fails_with(
        &["rg", "block", "-L", "10", "-b", "3", "-o", &o],
        "multiple",
    );
    fails_with(&["rg", "block", "--dim", "4", "-o", &o], "--dim");
    fails_with(
        &["rg", "mcrg", "-L", "16", "--levels", "3", "-o", &o],
        "b^levels",
    );
    fails_with(&["rg", "mcrg", "-T", "-1", "-o", &o], "positive");
    fails_with(
        &["rg", "pca", "--t-min", "3", "--t-max", "2", "-o", &o],
        "--t-min",
    );
    fails_with(
        &[
            "rg",
            "order-parameter",
            "--epochs",
            "0",
            "-L",
            "8",
            "--temps",
            "3",
            "--configs",
            "2",
            "-o",
            &o,
        ],
        "epochs",
    );
}

/// Every file of a run folder except the manifest (timings) as (relative path, bytes).
fn folder_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().unwrap() != "manifest.json" {
                out.push((
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn shards_merge_into_the_unsharded_run() {
    let dir = temp_dir("shards");
    let p = |s: &str| dir.join(s).to_str().unwrap().to_string();
    let base = |seed: &str, extra: &[&str], out: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "temper",
            "--lattice",
            "4x4",
            "--couplings",
            "gaussian",
            "-T",
            "0.5,0.8,1.2",
            "--sweeps",
            "300",
            "--samples",
            "5",
            "--seed",
            seed,
            "-o",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.push(out.to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| {
        let o = glassbox(&strs(&a));
        assert!(
            o.status.success(),
            "{a:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(base("3", &[], &p("full")));
    run(base("3", &["--shard", "2/2"], &p("s2")));
    run(base("3", &["--shard", "1/2"], &p("s1")));
    let o = glassbox(&["merge", &p("s2"), &p("s1"), "-o", &p("merged")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (full, merged) = (
        folder_files(&dir.join("full")),
        folder_files(&dir.join("merged")),
    );
    assert!(full.iter().any(|(f, _)| f == Path::new("results.csv")));
    assert_eq!(
        full.iter().map(|f| &f.0).collect::<Vec<_>>(),
        merged.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (a, b) in full.iter().zip(&merged) {
        assert!(a.1 == b.1, "{} differs after merging", a.0.display());
    }
    // The same for `sample`, three shards.
    let s = |k: &str, out: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "sample",
            "--lattice",
            "4x4",
            "--couplings",
            "pm",
            "-T",
            "1,2",
            "--sweeps",
            "200",
            "--samples",
            "3",
            "--seed",
            "2",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if !k.is_empty() {
            a.extend(["--shard".to_string(), k.to_string()]);
        }
        a
    };
    run(s("", &p("sfull")));
    for k in 1..=3 {
        run(s(&format!("{k}/3"), &p(&format!("sp{k}"))));
    }
    let o = glassbox(&[
        "merge",
        &p("sp3"),
        &p("sp1"),
        &p("sp2"),
        "-o",
        &p("smerged"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(folder_files(&dir.join("sfull")) == folder_files(&dir.join("smerged")));
    // And `maxsum`, two shards of three samples.
    let m = |k: &str, out: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "maxsum",
            "-n",
            "60",
            "--samples",
            "3",
            "--anneal-sweeps",
            "50",
            "--seed",
            "4",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if !k.is_empty() {
            a.extend(["--shard".to_string(), k.to_string()]);
        }
        a
    };
    run(m("", &p("mfull")));
    run(m("2/2", &p("mp2")));
    run(m("1/2", &p("mp1")));
    let o = glassbox(&["merge", &p("mp1"), &p("mp2"), "-o", &p("mmerged")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(folder_files(&dir.join("mfull")) == folder_files(&dir.join("mmerged")));
    // Refusals: another seed, a shard twice, a missing shard, mixed commands, bad --shard.
    run(base("4", &["--shard", "2/2"], &p("other")));
    fails_with(&["merge", &p("s1"), &p("other"), "-o", &p("x1")], "seed");
    fails_with(
        &["merge", &p("s1"), &p("s1"), "-o", &p("x2")],
        "given twice",
    );
    fails_with(&["merge", &p("s1"), "-o", &p("x3")], "2/2 missing");
    fails_with(&["merge", &p("s1"), &p("sp2"), "-o", &p("x4")], "differ in");
    fails_with(
        &["merge", &p("full"), "-o", &p("x5")],
        "not a finished shard",
    );
    fails_with(
        &strs(&base("3", &["--shard", "3/2"], &p("x6"))),
        "1 ≤ K ≤ N",
    );
    fails_with(
        &strs(&base("3", &["--shard", "6/6"], &p("x7"))),
        "at most 5 shards",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mpirun -np <ranks> glassbox <args>` on localhost (as root in CI containers too).
#[cfg(feature = "mpi")]
fn mpirun(ranks: usize, args: &[&str]) -> Command {
    let mut c = Command::new("mpirun");
    c.args([
        "-np",
        &ranks.to_string(),
        "--allow-run-as-root",
        "--oversubscribe",
    ])
    .arg(env!("CARGO_BIN_EXE_glassbox"))
    .args(args)
    // OpenMPI refuses to run as root without these in some versions.
    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    c
}

#[cfg(feature = "mpi")]
#[test]
fn mpi_ensemble_equals_the_single_process_run() {
    let dir = temp_dir("mpi");
    let p = |s: &str| dir.join(s).to_str().unwrap().to_string();
    let t = |out: &str| -> Vec<String> {
        [
            "--threads",
            "1",
            "temper",
            "--lattice",
            "4x4",
            "--couplings",
            "gaussian",
            "-T",
            "0.5,0.8,1.2",
            "--sweeps",
            "300",
            "--samples",
            "5",
            "--seed",
            "3",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let o = glassbox(&strs(&t(&p("one"))));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut a = t(&p("two"));
    a.push("--mpi".into());
    let o = mpirun(2, &strs(&a)).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("5 samples over 2 MPI rank(s)"), "{stdout}");
    assert!(folder_files(&dir.join("one")) == folder_files(&dir.join("two")));
    // `sample` too.
    let s = |out: &str| -> Vec<String> {
        [
            "--threads",
            "1",
            "sample",
            "--lattice",
            "4x4",
            "--couplings",
            "pm",
            "-T",
            "1,2",
            "--sweeps",
            "200",
            "--samples",
            "3",
            "--seed",
            "2",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    assert!(glassbox(&strs(&s(&p("sone")))).status.success());
    let mut a = s(&p("stwo"));
    a.push("--mpi".into());
    let o = mpirun(2, &strs(&a)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(folder_files(&dir.join("sone")) == folder_files(&dir.join("stwo")));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rank killed (SIGKILL) mid-run takes the MPI job down; `--resume` keeps the finished
/// samples, continues the checkpointed ones and ends with the uninterrupted result.
#[cfg(feature = "mpi")]
#[test]
fn mpi_job_with_a_killed_rank_resumes_without_losing_samples() {
    let dir = temp_dir("mpikill");
    let p = |s: &str| dir.join(s).to_str().unwrap().to_string();
    let samples = 12;
    let t = |out: &str| -> Vec<String> {
        [
            "--threads",
            "1",
            "temper",
            "--lattice",
            "8x8",
            "--couplings",
            "gaussian",
            "-T",
            "0.5,0.7,1.0,1.4",
            "--sweeps",
            "10000",
            "--samples",
            "12",
            "--seed",
            "5",
            "--checkpoint-every",
            "0",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut a = t(&p("job"));
    a.push("--mpi".into());
    let mut job = mpirun(2, &strs(&a))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let parts = dir.join("job/parts");
    let finished = || {
        std::fs::read_dir(&parts).map_or(0, |d| {
            d.filter(|e| {
                let n = e.as_ref().unwrap().file_name();
                let n = n.to_string_lossy();
                n.starts_with("sample-") && n.ends_with(".json") && !n.ends_with(".state.json")
            })
            .count()
        })
    };
    let start = std::time::Instant::now();
    while finished() < 2 {
        assert!(start.elapsed().as_secs() < 120, "no sample finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Kill the rank mpirun started last (a glassbox process, child of mpirun).
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", job.id()))
        .unwrap_or_default();
    let rank: i32 = children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .max()
        .expect("mpirun has rank processes");
    unsafe_kill(rank);
    let status = job.wait().unwrap();
    let kept = finished();
    assert!(!status.success(), "the job survived a killed rank");
    assert!(
        kept >= 2 && kept < samples,
        "{kept} samples finished before the kill"
    );
    a.push("--resume".into());
    let o = mpirun(2, &strs(&a)).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!("{} kept from before", kept)),
        "{stdout}"
    );
    let o = glassbox(&strs(&t(&p("one"))));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(folder_files(&dir.join("one")) == folder_files(&dir.join("job")));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `temper --mpi --pt-ranks`: the temperatures split over 2 and 3 ranks (both boundaries of
/// the middle group, both exchange parities, Houdayer moves inside the groups) give the
/// single-process run byte for byte; too many ranks and `--pt-ranks` without `--mpi` are
/// refused.
#[cfg(feature = "mpi")]
#[test]
fn mpi_pt_ranks_equal_the_single_process_run() {
    let dir = temp_dir("mpipt");
    let p = |s: &str| dir.join(s).to_str().unwrap().to_string();
    let t = |out: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--threads",
            "1",
            "temper",
            "--lattice",
            "6x6",
            "--couplings",
            "gaussian",
            "-T",
            "0.4,0.55,0.75,1.0,1.4",
            "--replicas",
            "4",
            "--houdayer",
            "0.8",
            "--exchange-every",
            "2",
            "--sweeps",
            "400",
            "--samples",
            "2",
            "--seed",
            "7",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let o = glassbox(&strs(&t(&p("one"), &[])));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for ranks in [2, 3] {
        let out = p(&format!("r{ranks}"));
        let o = mpirun(ranks, &strs(&t(&out, &["--mpi", "--pt-ranks"])))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            stdout.contains(&format!("split over {ranks} MPI rank(s)")),
            "{stdout}"
        );
        assert!(
            folder_files(&dir.join("one")) == folder_files(Path::new(&out)),
            "{ranks} ranks"
        );
    }
    let o = mpirun(
        3,
        &[
            "temper",
            "--lattice",
            "4x4",
            "-T",
            "0.5,1",
            "--sweeps",
            "10",
            "--mpi",
            "--pt-ranks",
            "-o",
            &p("x"),
        ],
    )
    .output()
    .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 temperatures cannot be split over 3 ranks"),
        "{err}"
    );
    fails_with(
        &strs(&t(&p("y"), &["--pt-ranks"])),
        "required arguments were not provided",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `temper --mpi --pt-ranks` with a rank killed mid-sample: `--resume` continues from the
/// whole state rank 0 gathered at the last checkpoint and ends with the uninterrupted result.
#[cfg(feature = "mpi")]
#[test]
fn mpi_pt_ranks_resume_after_a_killed_rank() {
    let dir = temp_dir("mpiptkill");
    let p = |s: &str| dir.join(s).to_str().unwrap().to_string();
    let t = |out: &str| -> Vec<String> {
        [
            "--threads",
            "1",
            "temper",
            "--lattice",
            "16x16",
            "--couplings",
            "gaussian",
            "-T",
            "0.5,0.7,1.0,1.4",
            "--sweeps",
            "40000",
            "--seed",
            "5",
            "--checkpoint-every",
            "0",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut a = t(&p("job"));
    a.extend(["--mpi".to_string(), "--pt-ranks".to_string()]);
    let mut job = mpirun(2, &strs(&a))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let state = dir.join("job/parts/sample-000000.state.json");
    let start = std::time::Instant::now();
    while !state.exists() {
        assert!(start.elapsed().as_secs() < 120, "no checkpoint written");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", job.id()))
        .unwrap_or_default();
    let rank: i32 = children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .max()
        .expect("mpirun has rank processes");
    unsafe_kill(rank);
    let status = job.wait().unwrap();
    assert!(!status.success(), "the job survived a killed rank");
    assert!(!dir.join("job/parts/sample-000000.json").exists());
    a.push("--resume".into());
    let o = mpirun(2, &strs(&a)).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = glassbox(&strs(&t(&p("one"))));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(folder_files(&dir.join("one")) == folder_files(&dir.join("job")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "mpi")]
fn unsafe_kill(pid: i32) {
    let s = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(s.success());
}

/// Real-valued CSV rows, a Gaussian–Bernoulli RBM trained by parallel-tempering PCD: the
/// model folder holds sigma.npy, exchange rates are reported, evaluation is exact.
#[test]
fn rbm_gaussian_visible_units_with_parallel_tempering_from_csv() {
    let dir = temp_dir("rbm-gauss");
    let data = dir.join("mix.csv");
    let mut text = String::new();
    for r in 0..120 {
        let c = if r % 2 == 0 { 2.0 } else { -2.0 };
        let row: Vec<String> = (0..4)
            .map(|i| format!("{}", c + 0.3 * ((r * 7 + i * 3) as f64).sin()))
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    std::fs::write(&data, text).unwrap();
    let d = data.to_str().unwrap();
    let run = dir.join("train");
    let out = glassbox(&[
        "rbm",
        "train",
        "--data",
        d,
        "--visible",
        "gaussian",
        "--train-size",
        "100",
        "--held-out",
        "20",
        "--hidden",
        "3",
        "--batch-size",
        "10",
        "--epochs",
        "3",
        "--method",
        "pt",
        "--replicas",
        "3",
        "--beta-min",
        "0.5",
        "-o",
        run.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run.join("model/sigma.npy").exists());
    assert!(stdout.contains("PT exchange acceptance"), "{stdout}");
    assert!(read(&run.join("results.csv")).contains("exchange_acceptance"));
    let ev = dir.join("eval");
    let out = glassbox(&[
        "rbm",
        "eval",
        "--model",
        run.to_str().unwrap(),
        "--data",
        d,
        "--visible",
        "gaussian",
        "--train-size",
        "100",
        "--held-out",
        "20",
        "-o",
        ev.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(&read(&ev.join("results.json"))).unwrap();
    assert_eq!(r["log_z_method"], "exact");
    assert!(r["held_out_ll"].as_f64().unwrap().is_finite(), "{r}");
    // One temperature is not parallel tempering: a one-line error.
    let out = glassbox(&[
        "rbm",
        "train",
        "--data",
        d,
        "--method",
        "pt",
        "--replicas",
        "1",
        "--train-size",
        "100",
        "--held-out",
        "20",
        "-o",
        dir.join("bad").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("temperatures"), "{err}");
}

/// Ctrl-C during `rbm train` ends the epoch, saves model and checkpoint (status 130, manifest
/// "interrupted"); the model folder (swapped in as a whole) holds the checkpoint's epoch and
/// no staging folder is left. A run killed between the swap's two renames (no `model/`, a
/// complete `.model.new/`) is still readable, and `--resume` restores `model/`. Resuming to
/// no more epochs than are done says so in one line.
#[test]
fn rbm_model_and_checkpoint_agree_after_ctrl_c() {
    let dir = temp_dir("rbm-ctrlc");
    let data = dir.join("bars.npy");
    bars_npy(&data, 200);
    let run = dir.join("run");
    let args = |epochs: &str| -> Vec<String> {
        [
            "rbm",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--train-size",
            "160",
            "--held-out",
            "40",
            "--hidden",
            "4",
            "--batch-size",
            "10",
            "--epochs",
            epochs,
            "-o",
            run.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(args("1000000"))
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !run.join("checkpoint.json").exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "the run finished before Ctrl-C");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&run.join("manifest.json"))).unwrap();
    assert_eq!(manifest["status"], "interrupted");
    let ck: serde_json::Value = serde_json::from_str(&read(&run.join("checkpoint.json"))).unwrap();
    let done = ck["trainer"]["epoch"].as_u64().unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&read(&run.join("model/model.json"))).unwrap();
    assert!(done >= 1);
    assert_eq!(meta["info"]["epoch"].as_u64(), Some(done));
    assert_eq!(
        ck["trainer"]["rbm"]["w"][0].as_f64().unwrap().to_le_bytes(),
        std::fs::read(run.join("model/W.npy")).unwrap()[128..136]
    );
    assert!(!run.join(".model.new").exists() && !run.join(".model.old").exists());
    // Killed between the two renames of the swap: only the staged folder is there.
    std::fs::rename(run.join("model"), run.join(".model.new")).unwrap();
    let s = dir.join("samples");
    let out = glassbox(&[
        "rbm",
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--chains",
        "2",
        "--steps",
        "2",
        "-o",
        s.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Resuming to the epochs already done: one line, nothing changes; fewer: an error.
    let mut same = args(&done.to_string());
    same.push("--resume".into());
    let out = glassbox(&same.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("nothing to do") && stdout.lines().count() == 1,
        "{stdout}"
    );
    let mut fewer = args(&(done - 1).to_string());
    fewer.push("--resume".into());
    fails_with(
        &fewer.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "already finished",
    );
    let mut more = args(&(done + 2).to_string());
    more.push("--resume".into());
    let out = glassbox(&more.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_str(&read(&run.join("model/model.json"))).unwrap();
    assert_eq!(meta["info"]["epoch"].as_u64(), Some(done + 2));
    assert!(!run.join(".model.new").exists() && !run.join(".model.old").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Gaussian visible units with σ learned: σ moves off its start, the reconstruction
/// log-density is reported, forward and reverse AIS bracket the exact ln Z.
#[test]
fn rbm_gaussian_learns_sigma_and_checks_ais_both_ways() {
    let dir = temp_dir("rbm-sigma");
    let data = dir.join("mix.csv");
    let mut text = String::new();
    for r in 0..240 {
        let c = if r % 2 == 0 { 1.5 } else { -1.5 };
        let row: Vec<String> = (0..4)
            .map(|i| format!("{}", c + 0.4 * ((r * 7 + i * 3) as f64).sin()))
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    std::fs::write(&data, text).unwrap();
    let d = data.to_str().unwrap();
    let run = dir.join("train");
    let split = ["--train-size", "200", "--held-out", "40"];
    let mut args = vec!["rbm", "train", "--data", d, "--visible", "gaussian"];
    args.extend(split);
    args.extend([
        "--hidden",
        "3",
        "--batch-size",
        "10",
        "--epochs",
        "10",
        "--lr",
        "0.02",
        "--sigma",
        "1",
        "--learn-sigma",
        "-o",
        run.to_str().unwrap(),
    ]);
    let out = glassbox(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("(learned)") && stdout.contains("reconstruction log-density"),
        "{stdout}"
    );
    let sigma = std::fs::read(run.join("model/sigma.npy")).unwrap();
    assert_ne!(sigma[128..136], 1.0f64.to_le_bytes(), "σ was not learned");
    let ev = dir.join("eval");
    let mut args = vec!["rbm", "eval", "--model", run.to_str().unwrap(), "--data", d];
    args.extend(["--visible", "gaussian"]);
    args.extend(split);
    args.extend([
        "--logz",
        "both",
        "--reverse-ais",
        "--ais-chains",
        "50",
        "--ais-steps",
        "1000",
        "-o",
        ev.to_str().unwrap(),
    ]);
    let out = glassbox(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(&read(&ev.join("results.json"))).unwrap();
    assert!(
        r["reconstruction_log_density"]
            .as_f64()
            .unwrap()
            .is_finite(),
        "{r}"
    );
    assert!(
        r["ais_check"]["sigmas"].as_f64().unwrap().abs() < 4.0,
        "{r}"
    );
    let (exact, rev, err) = (
        r["log_z"].as_f64().unwrap(),
        r["reverse_ais"]["log_z"].as_f64().unwrap(),
        r["reverse_ais"]["std_err"].as_f64().unwrap(),
    );
    assert!((rev - exact).abs() < 4.0 * err + 0.02, "{r}");
    // σ belongs to Gaussian units only.
    fails_with(
        &[
            "rbm",
            "train",
            "--data",
            d,
            "--sigma",
            "1",
            "-o",
            dir.join("bad").to_str().unwrap(),
        ],
        "Gaussian visible units only",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `glassbox bm train`: exact Boltzmann learning with hidden units on 3-bit parity rows
/// (a fully visible machine cannot beat −3 ln 2; 2 hidden units can), and Monte Carlo
/// learning of a fully visible machine with its pseudo-likelihood.
#[test]
fn bm_trains_exactly_with_hidden_units_and_by_monte_carlo() {
    let dir = temp_dir("bm");
    let data = dir.join("parity.csv");
    let mut text = String::new();
    for r in 0..100 {
        let (x, y) = (r % 2, (r / 2) % 2);
        text.push_str(&format!("{x},{y},{}\n", x ^ y));
    }
    std::fs::write(&data, text).unwrap();
    let d = data.to_str().unwrap();
    let common = [
        "bm",
        "train",
        "--data",
        d,
        "--train-size",
        "80",
        "--held-out",
        "20",
    ];
    let exact = dir.join("exact");
    let mut args = common.to_vec();
    args.extend([
        "--hidden",
        "2",
        "--iterations",
        "300",
        "--lr",
        "0.2",
        "--seed",
        "2",
    ]);
    args.extend(["-o", exact.to_str().unwrap()]);
    let out = glassbox(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(&read(&exact.join("results.json"))).unwrap();
    let ll = r["held_out_ll"].as_f64().unwrap();
    assert!(ll > -3.0 * 2f64.ln() + 0.3, "{r}");
    assert!(exact.join("arrays/J.npy").exists() && exact.join("model.npz").exists());
    assert_eq!(read(&exact.join("results.csv")).lines().count(), 302);
    let mc = dir.join("mc");
    let mut args = common.to_vec();
    args.extend([
        "--mc",
        "--iterations",
        "30",
        "--chains",
        "20",
        "-o",
        mc.to_str().unwrap(),
    ]);
    let out = glassbox(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_str(&read(&mc.join("results.json"))).unwrap();
    let p = r["held_out_pseudo_ll"].as_f64().unwrap();
    // Fully visible: each conditional is at best ln ½ on parity data.
    assert!(p < 0.0 && p > -3.0 * 2f64.ln() - 0.2, "{r}");
    let o = dir.join("bad");
    let o = o.to_str().unwrap();
    let mut args = common.to_vec();
    args.extend(["--mc", "--hidden", "2", "-o", o]);
    fails_with(&args, "fully visible");
    let mut args = common.to_vec();
    args.extend(["--hidden", "30", "-o", o]);
    fails_with(&args, "≤ 20");
    std::fs::remove_dir_all(&dir).unwrap();
}
