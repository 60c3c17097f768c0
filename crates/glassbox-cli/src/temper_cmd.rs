//! `glassbox temper`: parallel tempering with independent replica sets, written to a run
//! folder (per-temperature results with error bars, exchange acceptance, P(q)), with
//! checkpoints and `--resume` like `glassbox sample`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use glassbox::mc::tempering::{
    disorder_average_tempering, geometric_temperatures, link_identity_residual, log_binning_drift,
    tune_temperatures, Tempering, TemperingConfig, TemperingResult, LOG_BINNING_SIGMAS,
    TEMPERING_STREAM,
};
use glassbox::mc::{Order, Rule};
use glassbox::measure::{disorder_average, Estimate};
use glassbox::model::{CouplingLaw, Ising, ModelSpec};
use glassbox::rng::Streams;

use crate::ensemble::Ensemble;
use crate::plot::{Plot, Series, Style};
use crate::runfolder::RunFolder;
use crate::sample::{OrderArg, RuleArg};
use crate::spec::ModelArgs;

/// Flags of `glassbox temper`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Comma-separated temperatures, increasing.
    #[arg(long, short = 'T', value_delimiter = ',', allow_hyphen_values = true)]
    pub temperatures: Option<Vec<f64>>,
    /// Lowest temperature of a geometric set (with --tmax and --count).
    #[arg(long, conflicts_with = "temperatures")]
    pub tmin: Option<f64>,
    /// Highest temperature of a geometric set.
    #[arg(long, conflicts_with = "temperatures")]
    pub tmax: Option<f64>,
    /// Number of temperatures of a geometric set.
    #[arg(long, default_value_t = 16)]
    pub count: usize,
    /// Rounds of feedback tuning of the temperatures towards constant exchange acceptance
    /// (the lowest and highest stay fixed).
    #[arg(long, default_value_t = 0)]
    pub tune: usize,
    /// Sweeps per tuning round (default: sweeps / 10).
    #[arg(long)]
    pub tune_sweeps: Option<u64>,
    /// Independent replica sets per temperature (≥ 2, for the overlaps).
    #[arg(long, default_value_t = 2)]
    pub replicas: usize,
    /// Measurement sweeps.
    #[arg(long, default_value_t = 10_000)]
    pub sweeps: u64,
    /// Thermalization sweeps (default: sweeps / 10).
    #[arg(long)]
    pub therm: Option<u64>,
    /// Sweeps between exchange attempts.
    #[arg(long, default_value_t = 1)]
    pub exchange_every: u64,
    /// Measure every k sweeps.
    #[arg(long, default_value_t = 1)]
    pub every: u64,
    /// Bins of the P(q) histogram (default: N + 1, at most 201).
    #[arg(long)]
    pub q_bins: Option<usize>,
    /// Acceptance rule.
    #[arg(long, value_enum, default_value = "metropolis")]
    pub rule: RuleArg,
    /// Site order in a sweep.
    #[arg(long, value_enum, default_value = "random")]
    pub order: OrderArg,
    /// Disorder samples (independent instances of a random model, same temperatures), run in
    /// parallel and averaged; the Binder ratio is formed from the averaged moments.
    #[arg(long, default_value_t = 1)]
    pub samples: usize,
    /// Houdayer / isoenergetic cluster moves between pairs of replica sets (with more than
    /// two sets, randomly re-paired every round) before every exchange attempt, at every
    /// temperature ≤ TMAX (`--houdayer` alone: at all temperatures). Needs a model without
    /// field.
    #[arg(long, value_name = "TMAX", num_args = 0..=1, default_missing_value = "inf")]
    pub houdayer: Option<f64>,
    /// Run seed (Monte Carlo; also the disorder unless --disorder-seed).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "runs/temper")]
    pub out: PathBuf,
    /// Write into a non-empty output folder.
    #[arg(long)]
    pub overwrite: bool,
    /// Resume an interrupted run from the checkpoint in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// Seconds between checkpoints.
    #[arg(long, default_value_t = 30.0)]
    pub checkpoint_every: f64,
    /// Run only shard K of N of the disorder samples (a contiguous slice; K = 1…N), for batch
    /// schedulers; combine the N shard folders with `glassbox merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::ensemble::Shard>,
    /// Distribute the disorder samples over the MPI ranks (run under `mpirun`).
    #[cfg(feature = "mpi")]
    #[arg(long, conflicts_with = "shard")]
    pub mpi: bool,
    /// With --mpi: split the temperatures of each sample over the ranks instead (consecutive
    /// groups, exchanges by message passing; the samples run one after another), for samples
    /// too large for one rank's cores. The same results, bit for bit.
    #[cfg(feature = "mpi")]
    #[arg(long, requires = "mpi")]
    pub pt_ranks: bool,
}

/// What `glassbox temper` was asked to run, written to `spec.toml` (the temperatures are the
/// requested ones; tuned ones are in `results.csv`).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct TemperSpec {
    /// Run seed.
    pub seed: u64,
    /// Disorder samples.
    #[serde(default = "one")]
    pub samples: usize,
    /// Tuning rounds.
    pub tune: usize,
    /// Sweeps per tuning round.
    pub tune_sweeps: u64,
    /// The model.
    pub model: ModelSpec,
    /// The tempering configuration (requested temperatures).
    pub tempering: TemperingConfig,
}

fn one() -> usize {
    1
}

impl TemperSpec {
    /// The tempering configuration of disorder sample `k` (its own seed when there are
    /// several samples).
    fn sample_config(&self, k: usize) -> TemperingConfig {
        let mut c = self.tempering.clone();
        if self.samples > 1 {
            c.seed = Streams::new(self.seed)
                .child(&[TEMPERING_STREAM, 4, k as u64])
                .seed();
        }
        c
    }
}

impl Args {
    fn spec(&self, n: usize, model: ModelSpec) -> Result<TemperSpec> {
        let temperatures = match (&self.temperatures, self.tmin, self.tmax) {
            (Some(t), _, _) => t.clone(),
            (None, Some(a), Some(b)) => geometric_temperatures(a, b, self.count)?,
            (None, None, None) => {
                bail!("no temperatures given: use --temperatures T1,T2,… or --tmin, --tmax and --count")
            }
            _ => bail!("give both --tmin and --tmax"),
        };
        Ok(TemperSpec {
            seed: self.seed,
            samples: self.samples,
            model,
            tune: self.tune,
            tune_sweeps: self.tune_sweeps.unwrap_or((self.sweeps / 10).max(1)),
            tempering: TemperingConfig {
                temperatures,
                replicas: self.replicas,
                rule: match self.rule {
                    RuleArg::Metropolis => Rule::Metropolis,
                    RuleArg::HeatBath => Rule::HeatBath,
                },
                order: match self.order {
                    OrderArg::Random => Order::Random,
                    OrderArg::Sequential => Order::Sequential,
                },
                thermalization: self.therm.unwrap_or(self.sweeps / 10),
                sweeps: self.sweeps,
                exchange_every: self.exchange_every,
                measure_every: self.every,
                q_bins: self.q_bins.unwrap_or((n + 1).min(201)),
                seed: self.seed,
                houdayer: self.houdayer,
            },
        })
    }
}

/// A `glassbox temper` ensemble: its spec, sample 0 (for the tuning and the checks) and the
/// temperatures every sample uses.
pub struct TemperEnsemble {
    spec: TemperSpec,
    model0: Ising,
    temperatures: Vec<f64>,
}

impl crate::ensemble::EnsembleSpec for TemperSpec {
    fn seed(&self) -> u64 {
        self.seed
    }
    fn samples(&self) -> usize {
        self.samples
    }
    fn model(&self) -> &ModelSpec {
        &self.model
    }
}

impl TemperEnsemble {
    /// The number of temperatures and of replica sets of every sample.
    #[cfg(feature = "mpi")]
    pub fn shape(&self) -> (usize, usize) {
        (self.temperatures.len(), self.spec.tempering.replicas)
    }
}

impl crate::ensemble::Ensemble for TemperEnsemble {
    type Spec = TemperSpec;
    type State = Tempering;
    type Part = TemperingResult;

    /// The ensemble of a resolved spec (tunes the temperatures on sample 0 when asked).
    fn new(spec: TemperSpec) -> Result<Self> {
        anyhow::ensure!(
            spec.samples >= 1,
            "the number of disorder samples must be at least 1"
        );
        spec.tempering.validate()?;
        let model0 = spec.model.sample(0, spec.samples).build()?;
        // Tuned on sample 0; every sample then uses the same temperatures.
        let mut temperatures = spec.tempering.temperatures.clone();
        if spec.tune > 0 {
            temperatures =
                tune_temperatures(&model0, &spec.tempering, spec.tune, spec.tune_sweeps)?;
        }
        Ok(Self {
            spec,
            model0,
            temperatures,
        })
    }
    fn command(&self) -> &'static str {
        "temper"
    }
    fn spec(&self) -> &TemperSpec {
        &self.spec
    }
    fn model0(&self) -> &Ising {
        &self.model0
    }
    fn start(&self, i: usize, model: &Ising) -> Result<Tempering> {
        let mut c = self.spec.sample_config(i);
        c.temperatures = self.temperatures.clone();
        Ok(Tempering::new(model, c)?)
    }
    fn matches(&self, i: usize, state: &Tempering) -> bool {
        let mut c = self.spec.sample_config(i);
        c.temperatures = state.config.temperatures.clone();
        state.config == c
    }
    fn advance(&self, state: &mut Tempering, model: &Ising) {
        state.advance(model, crate::ensemble::block(state.total_sweeps()));
    }
    fn progress(&self, state: &Tempering) -> (bool, u64) {
        (state.finished(), state.sweeps_done())
    }
    fn total(&self, state: &Tempering) -> u64 {
        state.total_sweeps()
    }
    fn part(&self, state: &Tempering, model: &Ising) -> TemperingResult {
        state.results(model)
    }
    fn finish(
        &self,
        folder: &RunFolder,
        out: &std::path::Path,
        per_sample: Vec<TemperingResult>,
    ) -> Result<()> {
        let spec = &self.spec;
        let result = disorder_average_tempering(&per_sample)?;
        write_outputs(folder, spec, &result)?;
        let identity = link_identity(&spec.model, &self.model0, &per_sample);
        if let Some(rows) = &identity {
            folder.write_csv(
                "link_identity.csv",
                &["T", "residual", "residual_err"],
                rows,
            )?;
        }
        if spec.samples > 1 {
            write_samples(folder, &per_sample)?;
        }
        if let Some(rows) = &identity {
            let worst = rows
                .iter()
                .map(|r| {
                    let (m, e): (f64, f64) = (
                        r[1].parse().unwrap_or(f64::NAN),
                        r[2].parse().unwrap_or(f64::NAN),
                    );
                    m.abs() / e
                })
                .fold(0.0, f64::max);
            println!(
                "thermalization check (Gaussian couplings): residual of [e] = −(N_b/N) β σ² (1 − [q_l]) averaged over {} sample(s), largest |residual| = {worst:.1}σ (link_identity.csv){}",
                per_sample.len(),
                if per_sample.len() < 10 {
                    "; the identity holds only in the disorder average, use --samples"
                } else if worst > 4.0 {
                    "; NOT thermalized (or too few samples)"
                } else {
                    ""
                }
            );
        }
        print_log_binning(&result);
        print_summary(spec, &result, out);
        Ok(())
    }
}

/// The thermalization verdict of the logarithmic binning (see
/// `glassbox::mc::tempering::log_binning_drift`), one line.
fn print_log_binning(r: &TemperingResult) {
    let drifts: Vec<(f64, Option<f64>)> = r
        .points
        .iter()
        .map(|p| (p.temperature, log_binning_drift(&p.log_bins)))
        .collect();
    let window = r.points[0]
        .log_bins
        .iter()
        .rev()
        .find(|b| b.complete)
        .map_or(String::new(), |b| {
            format!(" [{}, {}) vs the one before", b.start, b.end)
        });
    let bad: Vec<String> = drifts
        .iter()
        .filter(|(_, d)| d.is_some_and(|d| d > LOG_BINNING_SIGMAS))
        .map(|(t, d)| format!("{t} ({:.1}σ)", d.unwrap_or(f64::NAN)))
        .collect();
    let unknown: Vec<String> = drifts
        .iter()
        .filter(|(_, d)| d.is_none())
        .map(|(t, _)| t.to_string())
        .collect();
    let worst = drifts.iter().filter_map(|(_, d)| *d).fold(0.0, f64::max);
    let verdict = if !bad.is_empty() {
        format!("NOT thermalized at T = {}", bad.join(", "))
    } else if !unknown.is_empty() {
        format!(
            "undetermined at T = {} (fewer than two complete windows or no error bar)",
            unknown.join(", ")
        )
    } else {
        format!("thermalized (largest drift {worst:.1}σ ≤ {LOG_BINNING_SIGMAS}σ)")
    };
    println!(
        "thermalization check (logarithmic binning of e, q², q_l over sweeps [2^j, 2^(j+1)), last complete window{window}): {verdict} (log_binning.csv)"
    );
}

/// Runs `glassbox temper`.
pub fn run(args: Args) -> Result<()> {
    anyhow::ensure!(
        args.samples >= 1,
        "the number of disorder samples must be at least 1"
    );
    let mut mspec = args.model.to_spec(args.seed)?;
    mspec.couplings = Some(mspec.law());
    let spec = args.spec(mspec.n()?, mspec)?;
    spec.tempering.validate()?;
    if let Some(shard) = args.shard {
        shard.range(spec.samples)?;
    }
    let ensemble = TemperEnsemble::new(spec.clone())?;
    #[cfg(feature = "mpi")]
    if args.mpi && args.pt_ranks {
        return crate::temper_mpi::run(
            &ensemble,
            &args.out,
            args.overwrite,
            args.resume,
            args.checkpoint_every,
            |folder| check_resumable(folder, &spec, &args.out),
        );
    }
    #[cfg(feature = "mpi")]
    if args.mpi {
        return crate::ensemble::mpi::run(
            &ensemble,
            &args.out,
            args.overwrite,
            args.resume,
            args.checkpoint_every,
            |folder| check_resumable(folder, &spec, &args.out),
        );
    }
    let folder = if args.resume {
        RunFolder::open(&args.out)?
    } else {
        RunFolder::create(&args.out, args.overwrite)?
    };
    if args.resume {
        check_resumable(&folder, &spec, &args.out)?;
    }
    folder.write_atomic("spec.toml", toml::to_string_pretty(&spec)?.as_bytes())?;
    crate::ensemble::run_main(
        &ensemble,
        args.shard,
        &folder,
        &args.out,
        args.resume,
        args.checkpoint_every,
    )
}

/// Refuses to resume a folder whose `spec.toml` differs from `spec`.
fn check_resumable(folder: &RunFolder, spec: &TemperSpec, out: &std::path::Path) -> Result<()> {
    let previous: TemperSpec = toml::from_str(
        &std::fs::read_to_string(folder.path("spec.toml"))
            .context("no spec.toml in the folder to resume")?,
    )
    .context("spec.toml of the folder to resume is malformed")?;
    if &previous != spec {
        bail!(
            "cannot resume {}: its spec differs from the one given now",
            out.display()
        );
    }
    Ok(())
}

/// The energy–link-overlap identity residual per temperature (see
/// `glassbox::mc::tempering::link_identity_residual`), averaged over the samples, for
/// Gaussian couplings of mean 0 without field on sparse or lattice graphs.
fn link_identity(
    spec: &ModelSpec,
    model: &Ising,
    per_sample: &[TemperingResult],
) -> Option<Vec<Vec<String>>> {
    let CouplingLaw::Gaussian { mean, std } = spec.law() else {
        return None;
    };
    if mean != 0.0 || model.fields().iter().any(|h| *h != 0.0) {
        return None;
    }
    let bonds_per_spin = model.edges().len() as f64 / model.n() as f64;
    let first = per_sample.first()?;
    (0..first.points.len())
        .map(|t| {
            let per: Vec<Estimate> = per_sample
                .iter()
                .map(|r| link_identity_residual(&r.points[t], bonds_per_spin, std * std))
                .collect::<Option<_>>()?;
            let avg = disorder_average(&per);
            Some(vec![
                first.points[t].temperature.to_string(),
                avg.mean.to_string(),
                avg.error.to_string(),
            ])
        })
        .collect()
}

type Getter = fn(&glassbox::mc::tempering::TemperingPoint) -> Option<Estimate>;

/// (column name, accessor, axis label) of the per-temperature observables.
const OBSERVABLES: [(&str, Getter, &str); 12] = [
    ("e", |p| Some(p.energy), "energy per spin e"),
    ("c", |p| Some(p.specific_heat), "specific heat per spin C/N"),
    ("abs_m", |p| Some(p.abs_m), "|m|"),
    ("m2", |p| Some(p.m2), "m²"),
    ("q2", |p| Some(p.q2), "spin overlap ⟨q²⟩"),
    ("abs_q", |p| Some(p.abs_q), "⟨|q|⟩"),
    ("q4", |p| Some(p.q4), "⟨q⁴⟩"),
    (
        "binder_q",
        |p| Some(p.binder_q),
        "Binder ratio g = ½(3 − ⟨q⁴⟩/⟨q²⟩²)",
    ),
    ("ql", |p| p.link_overlap, "link overlap ⟨q_l⟩"),
    (
        "chi_sg",
        |p| Some(p.chi_sg),
        "spin-glass susceptibility χ_SG = N⟨q²⟩",
    ),
    (
        "qk2",
        |p| p.qk2,
        "⟨|q(k_min)|²⟩, the overlap at the smallest wave vector",
    ),
    ("xi", |p| p.correlation_length, "correlation length ξ_L"),
];

/// The per-temperature table of `results.csv`.
fn table(r: &TemperingResult) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["T".to_string(), "beta".to_string()];
    for (name, _, _) in OBSERVABLES {
        header.extend([
            name.to_string(),
            format!("{name}_err"),
            format!("{name}_tau"),
        ]);
    }
    header.extend(["acceptance", "exchange_up", "cluster_fraction"].map(String::from));
    let k = r.points.len();
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut row = vec![p.temperature.to_string(), p.beta.to_string()];
            for (_, get, _) in OBSERVABLES {
                match get(p) {
                    Some(e) => row.extend([e.mean, e.error, e.tau_int].map(|x| x.to_string())),
                    None => row.extend(["", "", ""].map(String::from)),
                }
            }
            row.push(p.acceptance.to_string());
            row.push(if i + 1 < k {
                r.exchange_acceptance[i].to_string()
            } else {
                String::new()
            });
            row.push(p.cluster_fraction.map_or(String::new(), |f| f.to_string()));
            row
        })
        .collect();
    (header, rows)
}

/// Per-sample results of an ensemble: `samples.csv` with a leading `sample` column.
fn write_samples(folder: &RunFolder, per_sample: &[TemperingResult]) -> Result<()> {
    let mut header = vec!["sample".to_string()];
    let mut rows = Vec::new();
    for (k, r) in per_sample.iter().enumerate() {
        let (h, t) = table(r);
        if k == 0 {
            header.extend(h);
        }
        rows.extend(t.into_iter().map(|mut row| {
            row.insert(0, k.to_string());
            row
        }));
    }
    let h: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
    folder.write_csv("samples.csv", &h, &rows)?;
    Ok(())
}

/// `log_binning.csv`: per temperature and window `[start, end)` of sweeps, the window
/// averages of e, q², q_l and their changes from the previous window, and the drift verdict.
fn write_log_binning(folder: &RunFolder, r: &TemperingResult) -> Result<()> {
    let est = |e: Option<Estimate>| match e {
        Some(e) => [e.mean.to_string(), e.error.to_string()],
        None => [String::new(), String::new()],
    };
    let mut rows = Vec::new();
    for p in &r.points {
        let drift = log_binning_drift(&p.log_bins);
        for b in &p.log_bins {
            let mut row = vec![
                p.temperature.to_string(),
                b.start.to_string(),
                b.end.to_string(),
                b.complete.to_string(),
            ];
            for e in [
                Some(b.energy),
                Some(b.q2),
                b.link_overlap,
                b.energy_change,
                b.q2_change,
                b.link_overlap_change,
            ] {
                row.extend(est(e));
            }
            row.push(drift.map_or(String::new(), |d| d.to_string()));
            rows.push(row);
        }
    }
    folder.write_csv(
        "log_binning.csv",
        &[
            "T",
            "start",
            "end",
            "complete",
            "e",
            "e_err",
            "q2",
            "q2_err",
            "ql",
            "ql_err",
            "de",
            "de_err",
            "dq2",
            "dq2_err",
            "dql",
            "dql_err",
            "drift_sigmas",
        ],
        &rows,
    )?;
    Ok(())
}

fn write_outputs(folder: &RunFolder, spec: &TemperSpec, r: &TemperingResult) -> Result<()> {
    let k = r.points.len();
    let (header, rows) = table(r);
    let h: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
    folder.write_csv("results.csv", &h, &rows)?;
    folder.write_json("results.json", r)?;
    let ex: Vec<Vec<String>> = (0..k - 1)
        .map(|i| {
            vec![
                r.points[i].temperature.to_string(),
                r.points[i + 1].temperature.to_string(),
                r.exchange_acceptance[i].to_string(),
            ]
        })
        .collect();
    folder.write_csv("exchange.csv", &["T_low", "T_high", "acceptance"], &ex)?;
    let mut ph = vec!["q".to_string()];
    ph.extend(r.points.iter().map(|p| format!("P_T{}", p.temperature)));
    let ph: Vec<&str> = ph.iter().map(|s| s.as_str()).collect();
    let pq: Vec<Vec<String>> = r
        .q_centers
        .iter()
        .enumerate()
        .map(|(b, q)| {
            let mut row = vec![q.to_string()];
            row.extend(r.points.iter().map(|p| p.q_histogram[b].to_string()));
            row
        })
        .collect();
    folder.write_csv("pq.csv", &ph, &pq)?;
    write_log_binning(folder, r)?;

    let what = spec.model.describe();
    let t: Vec<f64> = r.points.iter().map(|p| p.temperature).collect();
    for (name, get, label) in OBSERVABLES {
        if matches!(name, "m2" | "q4" | "qk2") || r.points.iter().any(|p| get(p).is_none()) {
            continue;
        }
        let plot = Plot::new(format!("{label} — {what}"), "temperature T", label).with(
            Series::new(
                "parallel tempering",
                t.clone(),
                r.points.iter().map(|p| get(p).unwrap().mean).collect(),
                Style::LinePoints,
            )
            .with_yerr(r.points.iter().map(|p| get(p).unwrap().error).collect()),
        );
        folder.write_plot(name, &plot)?;
    }
    let mut pq_plot = Plot::new(format!("P(q) — {what}"), "overlap q", "P(q) per bin");
    for (i, p) in r.points.iter().enumerate() {
        pq_plot = pq_plot.with(
            Series::new(
                format!("T = {:.3}", p.temperature),
                r.q_centers.clone(),
                p.q_histogram.clone(),
                Style::Line,
            )
            .with_color(i),
        );
    }
    folder.write_plot("pq", &pq_plot)?;
    let mid: Vec<f64> = (0..k - 1)
        .map(|i| (r.points[i].temperature * r.points[i + 1].temperature).sqrt())
        .collect();
    let ex_plot = Plot::new(
        format!("exchange acceptance — {what}"),
        "temperature (geometric mean of the pair)",
        "acceptance",
    )
    .with(Series::new(
        "pairs (k, k+1)",
        mid,
        r.exchange_acceptance.clone(),
        Style::LinePoints,
    ));
    folder.write_plot("exchange", &ex_plot)?;
    Ok(())
}

fn print_summary(spec: &TemperSpec, r: &TemperingResult, out: &std::path::Path) {
    println!(
        "{}, parallel tempering with {} temperatures × {} replica sets{}",
        spec.model.describe(),
        r.points.len(),
        spec.tempering.replicas,
        if spec.samples > 1 {
            format!(
                ", disorder average over {} samples (error bars from the sample-to-sample spread)",
                spec.samples
            )
        } else {
            String::new()
        }
    );
    println!(
        "{:>8} {:>22} {:>22} {:>22} {:>8}",
        "T", "e", "q²", "g(q)", "swap↑"
    );
    let f = |e: Estimate| format!("{:.6} ± {:.6}", e.mean, e.error);
    for (i, p) in r.points.iter().enumerate() {
        let up = r
            .exchange_acceptance
            .get(i)
            .map_or(String::new(), |a| format!("{a:.3}"));
        println!(
            "{:>8.4} {:>22} {:>22} {:>22} {:>8}",
            p.temperature,
            f(p.energy),
            f(p.q2),
            f(p.binder_q),
            up
        );
    }
    println!(
        "round trips: {} (mean {:.1} sweeps)",
        r.round_trips, r.mean_round_trip
    );
    let short: Vec<String> = r
        .points
        .iter()
        .filter(|p| !(p.energy.reliable && p.q2.reliable))
        .map(|p| p.temperature.to_string())
        .collect();
    if !short.is_empty() {
        println!(
            "warning: run too short for the autocorrelation time at T = {} (see the `*_tau` columns)",
            short.join(", ")
        );
    }
    println!("wrote {}", out.display());
}
