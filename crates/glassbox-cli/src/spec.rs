//! Experiment specs: what a TOML file or the command-line flags describe, resolved into one
//! validated value that is written back into the run folder.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use glassbox::graph::FileFormat;
use glassbox::mc::cluster::ClusterAlgorithm;
use glassbox::mc::{Kernel, Order, Rule, ScanConfig};
use glassbox::model::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};

/// Model flags shared by every command that builds a model.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct ModelArgs {
    /// Hypercubic lattice, e.g. `32x32` (1 to 4 sides, each ≥ 2).
    #[arg(long, value_name = "LxL…", group = "model_kind")]
    pub lattice: Option<String>,
    /// Open instead of periodic lattice boundaries.
    #[arg(long)]
    pub open: bool,
    /// Sherrington–Kirkpatrick model on N spins: complete graph, J_ij ~ N(0, 1/N).
    #[arg(long, value_name = "N", group = "model_kind")]
    pub sk: Option<usize>,
    /// Complete graph on N spins (couplings scaled by 1/N, or 1/√N for random laws).
    #[arg(long, value_name = "N", group = "model_kind")]
    pub complete: Option<usize>,
    /// Random regular graph on N spins (with --degree).
    #[arg(long, value_name = "N", group = "model_kind")]
    pub random_regular: Option<usize>,
    /// Degree of the random regular graph.
    #[arg(long, default_value_t = 3)]
    pub degree: usize,
    /// Erdős–Rényi graph on N spins (with --mean-degree).
    #[arg(long, value_name = "N", group = "model_kind")]
    pub erdos_renyi: Option<usize>,
    /// Mean degree of the Erdős–Rényi graph.
    #[arg(long, default_value_t = 3.0)]
    pub mean_degree: f64,
    /// Graph file (G-set/rudy `n m` + `i j w` 1-based, or an `i j J` edge list).
    #[arg(long, value_name = "FILE", group = "model_kind")]
    pub graph: Option<PathBuf>,
    /// Format of --graph.
    #[arg(long, value_enum, default_value = "gset")]
    pub format: FormatArg,
    /// Coupling law (default: ferro, or the file's weights with --graph).
    #[arg(long, value_enum)]
    pub couplings: Option<LawArg>,
    /// Coupling strength J (ferro, ±J, Mattis) or standard deviation (gaussian).
    #[arg(long, default_value_t = 1.0)]
    pub j: f64,
    /// Mean of gaussian couplings.
    #[arg(long, default_value_t = 0.0)]
    pub mean: f64,
    /// Uniform external field h.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub field: f64,
    /// Seed of the disorder (default: the run seed).
    #[arg(long)]
    pub disorder_seed: Option<u64>,
}

/// Instance-file format flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
pub enum FormatArg {
    /// G-set / rudy.
    #[default]
    Gset,
    /// Plain `i j J` edge list, 0-based.
    EdgeList,
}

/// Coupling-law flag.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LawArg {
    /// Constant J.
    Ferro,
    /// ±J with equal probability.
    Pm,
    /// Gaussian with --mean and standard deviation --j.
    Gaussian,
    /// J ξ_i ξ_j with a random pattern ξ.
    Mattis,
    /// Weights from the --graph file.
    File,
}

/// Parses `32x32` into side lengths.
pub fn parse_dims(s: &str) -> Result<Vec<usize>> {
    s.split(['x', 'X'])
        .map(|p| {
            p.trim()
                .parse::<usize>()
                .with_context(|| format!("bad lattice size `{s}` (expected e.g. 32x32)"))
        })
        .collect()
}

impl ModelArgs {
    /// The model spec the flags describe; `seed` is the run seed.
    pub fn to_spec(&self, seed: u64) -> Result<ModelSpec> {
        let graph = if let Some(l) = &self.lattice {
            GraphSpec::Lattice {
                dims: parse_dims(l)?,
                periodic: !self.open,
            }
        } else if let Some(n) = self.sk.or(self.complete) {
            GraphSpec::Complete { n }
        } else if let Some(n) = self.random_regular {
            GraphSpec::RandomRegular {
                n,
                degree: self.degree,
            }
        } else if let Some(n) = self.erdos_renyi {
            GraphSpec::ErdosRenyi {
                n,
                mean_degree: self.mean_degree,
            }
        } else if let Some(path) = &self.graph {
            GraphSpec::File {
                path: path.clone(),
                format: match self.format {
                    FormatArg::Gset => FileFormat::Gset,
                    FormatArg::EdgeList => FileFormat::EdgeList,
                },
            }
        } else {
            bail!("no model given: use --lattice, --sk, --complete, --random-regular, --erdos-renyi, --graph or --config");
        };
        let law = match (self.couplings, self.sk.is_some()) {
            (None, true) => Some(CouplingLaw::Gaussian {
                mean: self.mean,
                std: self.j,
            }),
            (None, false) => None,
            (Some(LawArg::Ferro), _) => Some(CouplingLaw::Ferro { j: self.j }),
            (Some(LawArg::Pm), _) => Some(CouplingLaw::PlusMinus { j: self.j }),
            (Some(LawArg::Gaussian), _) => Some(CouplingLaw::Gaussian {
                mean: self.mean,
                std: self.j,
            }),
            (Some(LawArg::Mattis), _) => Some(CouplingLaw::Mattis { j: self.j }),
            (Some(LawArg::File), _) => Some(CouplingLaw::File),
        };
        Ok(ModelSpec {
            graph,
            couplings: law,
            field: FieldSpec::Uniform(self.field),
            seed: self.disorder_seed.unwrap_or(seed),
        })
    }
}

/// Temperature flags.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct TemperatureArgs {
    /// Comma-separated temperatures, e.g. `1.5,2.269,3.5`.
    #[arg(long, short = 'T', value_delimiter = ',', allow_hyphen_values = true)]
    pub temperatures: Option<Vec<f64>>,
    /// Evenly spaced temperatures `TMIN:TMAX:COUNT`, e.g. `1.5:3.5:21`.
    #[arg(long, value_name = "TMIN:TMAX:COUNT", conflicts_with = "temperatures")]
    pub t_range: Option<String>,
}

impl TemperatureArgs {
    /// The temperatures, or `None` if no flag was given.
    pub fn resolve(&self) -> Result<Option<Vec<f64>>> {
        if let Some(t) = &self.temperatures {
            return Ok(Some(t.clone()));
        }
        let Some(r) = &self.t_range else {
            return Ok(None);
        };
        let parts: Vec<&str> = r.split(':').collect();
        let bad = || format!("bad --t-range `{r}` (expected TMIN:TMAX:COUNT, e.g. 1.5:3.5:21)");
        if parts.len() != 3 {
            bail!(bad());
        }
        let lo: f64 = parts[0].parse().with_context(bad)?;
        let hi: f64 = parts[1].parse().with_context(bad)?;
        let k: usize = parts[2].parse().with_context(bad)?;
        if k == 0 {
            bail!(bad());
        }
        if k == 1 {
            return Ok(Some(vec![lo]));
        }
        Ok(Some(
            (0..k)
                .map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64)
                .collect(),
        ))
    }
}

/// The `[scan]` table of an experiment file (all but `temperatures` have defaults).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScanSpec {
    /// Temperatures.
    pub temperatures: Vec<f64>,
    /// Acceptance rule.
    #[serde(default = "default_rule")]
    pub rule: Rule,
    /// Site order.
    #[serde(default = "default_order")]
    pub order: Order,
    /// Thermalization sweeps (default: sweeps / 10).
    #[serde(default)]
    pub thermalization: Option<u64>,
    /// Measurement sweeps.
    #[serde(default = "default_sweeps")]
    pub sweeps: u64,
    /// Measure every k sweeps.
    #[serde(default = "one")]
    pub measure_every: u64,
    /// Cluster updates (`wolff` or `swendsen-wang`) instead of single-spin flips, for
    /// uniform ferromagnets without field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterAlgorithm>,
    /// Implementation (`auto`, the default, or `scalar`; see `glassbox sample --kernel`).
    #[serde(default)]
    pub kernel: Kernel,
}

fn default_rule() -> Rule {
    Rule::Metropolis
}
fn default_order() -> Order {
    Order::Random
}
fn default_sweeps() -> u64 {
    10_000
}
fn one() -> u64 {
    1
}
fn one_usize() -> usize {
    1
}

/// A whole `glassbox sample` experiment, as read from TOML or built from flags.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    /// Run seed (Monte Carlo streams; also the disorder unless the model gives its own).
    #[serde(default)]
    pub seed: u64,
    /// Number of disorder samples (default 1).
    #[serde(default = "one_usize")]
    pub samples: usize,
    /// The model.
    pub model: ModelSpec,
    /// The scan.
    pub scan: ScanSpec,
}

impl SampleSpec {
    /// Reads an experiment file.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read experiment file {}", path.display()))?;
        Ok(glassbox::error::from_toml(&text, path)?)
    }

    /// The library's scan configuration.
    pub fn scan_config(&self) -> ScanConfig {
        ScanConfig {
            temperatures: self.scan.temperatures.clone(),
            rule: self.scan.rule,
            order: self.scan.order,
            thermalization: self.scan.thermalization.unwrap_or(self.scan.sweeps / 10),
            sweeps: self.scan.sweeps,
            measure_every: self.scan.measure_every,
            seed: self.seed,
            cluster: self.scan.cluster,
            kernel: self.scan.kernel,
        }
    }
}
