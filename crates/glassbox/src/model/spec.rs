//! Model specifications: the serializable description of a model (graph, coupling law,
//! fields, disorder seed) that spec files, the CLI and Python build models from.

use std::path::PathBuf;

use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

use super::{Couplings, DenseCouplings, Ising, LatticeCouplings, SparseCouplings};
use crate::error::{check_memory, invalid, Error, Result};
use crate::graph::{self, Csr, FileFormat, Lattice};
use crate::rng::{purpose, Rng, Streams};

/// The interaction graph of a model.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum GraphSpec {
    /// A hypercubic lattice with side lengths `dims` (1 to 4 of them).
    Lattice {
        /// Side lengths, e.g. `[32, 32]`.
        dims: Vec<usize>,
        /// Periodic (default) or open boundaries.
        #[serde(default = "yes")]
        periodic: bool,
    },
    /// The complete graph on `n` vertices (Sherrington–Kirkpatrick, Curie–Weiss, Mattis).
    Complete {
        /// Number of spins.
        n: usize,
    },
    /// A uniformly random `degree`-regular graph.
    RandomRegular {
        /// Number of spins.
        n: usize,
        /// Degree of every vertex.
        degree: usize,
    },
    /// An Erdős–Rényi graph with the given mean degree.
    ErdosRenyi {
        /// Number of spins.
        n: usize,
        /// Mean degree c = p (n − 1).
        mean_degree: f64,
    },
    /// A graph read from an instance file.
    File {
        /// Path of the file.
        path: PathBuf,
        /// Its format.
        format: FileFormat,
    },
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}

/// How the couplings J_ij on the edges of the graph are drawn.
///
/// On the complete graph couplings are scaled so that the transition temperature stays O(1):
/// mean parts by 1/N and random parts by 1/√N (so `Gaussian { mean: 0, std: 1 }` is the SK
/// model of the paper's eq. 2 with J_ij ~ N(0, 1/N), and `Ferro { j: 1 }` is Curie–Weiss with
/// T_c = 1). On other graphs the values are used as given.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "law", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CouplingLaw {
    /// Every J_ij = j (ferromagnetic for j > 0).
    Ferro {
        /// Coupling strength.
        #[serde(default = "one")]
        j: f64,
    },
    /// J_ij = ±j with equal probability (the ±J spin glass).
    PlusMinus {
        /// Coupling magnitude.
        #[serde(default = "one")]
        j: f64,
    },
    /// J_ij ~ N(mean, std²).
    Gaussian {
        /// Mean.
        #[serde(default)]
        mean: f64,
        /// Standard deviation.
        #[serde(default = "one")]
        std: f64,
    },
    /// Mattis couplings J_ij = j ξ_i ξ_j with random ξ_i = ±1: a ferromagnet in disguise
    /// (gauge-equivalent to `Ferro`), the one-pattern Hopfield model.
    Mattis {
        /// Coupling strength.
        #[serde(default = "one")]
        j: f64,
    },
    /// The weights written in the instance file (only for `GraphSpec::File`).
    File,
}

/// External fields h_i.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum FieldSpec {
    /// The same field on every spin.
    Uniform(f64),
    /// One field per spin.
    PerSite(Vec<f64>),
}

impl Default for FieldSpec {
    fn default() -> Self {
        FieldSpec::Uniform(0.0)
    }
}

/// A complete, serializable description of a model.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The graph.
    pub graph: GraphSpec,
    /// The coupling law (default: ferromagnetic J = 1, or the file's weights for a file).
    #[serde(default)]
    pub couplings: Option<CouplingLaw>,
    /// The external field (default zero).
    #[serde(default)]
    pub field: FieldSpec,
    /// Seed of the disorder (random graph, couplings, Mattis pattern).
    #[serde(default)]
    pub seed: u64,
}

impl ModelSpec {
    /// A spec from its TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::Parse {
            path: "<model spec>".into(),
            line: e
                .span()
                .map(|s| text[..s.start].lines().count().max(1))
                .unwrap_or(1),
            message: e.message().to_string(),
        })
    }

    /// The coupling law in force.
    pub fn law(&self) -> CouplingLaw {
        self.couplings.clone().unwrap_or(match self.graph {
            GraphSpec::File { .. } => CouplingLaw::File,
            _ => CouplingLaw::Ferro { j: 1.0 },
        })
    }

    /// A short human-readable name, e.g. `lattice 16x16 periodic, ferro`.
    pub fn describe(&self) -> String {
        let g = match &self.graph {
            GraphSpec::Lattice { dims, periodic } => format!(
                "lattice {} {}",
                dims.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("x"),
                if *periodic { "periodic" } else { "open" }
            ),
            GraphSpec::Complete { n } => format!("complete graph N={n}"),
            GraphSpec::RandomRegular { n, degree } => format!("random {degree}-regular N={n}"),
            GraphSpec::ErdosRenyi { n, mean_degree } => {
                format!("Erdős–Rényi N={n} c={mean_degree}")
            }
            GraphSpec::File { path, .. } => format!("graph file {}", path.display()),
        };
        let l = match self.law() {
            CouplingLaw::Ferro { j } => format!("ferro J={j}"),
            CouplingLaw::PlusMinus { j } => format!("±J J={j}"),
            CouplingLaw::Gaussian { mean, std } => format!("Gaussian mean={mean} std={std}"),
            CouplingLaw::Mattis { j } => format!("Mattis J={j}"),
            CouplingLaw::File => "file weights".into(),
        };
        format!("{g}, {l}")
    }

    /// Number of spins, without building the model (reads the header of a file graph).
    pub fn n(&self) -> Result<usize> {
        Ok(match &self.graph {
            GraphSpec::Lattice { dims, periodic } => Lattice::new(dims, *periodic)?.n(),
            GraphSpec::Complete { n }
            | GraphSpec::RandomRegular { n, .. }
            | GraphSpec::ErdosRenyi { n, .. } => *n,
            GraphSpec::File { path, format } => graph::read_graph(path, *format)?.n,
        })
    }

    /// The spec of disorder sample `k` of an ensemble: the same model with the disorder seed
    /// derived from this one and `k` (sample 0 of a one-sample ensemble is `self` itself).
    pub fn sample(&self, k: usize, samples: usize) -> ModelSpec {
        let mut spec = self.clone();
        if samples > 1 {
            spec.seed = Streams::new(self.seed)
                .child(&[purpose::DISORDER, k as u64])
                .seed();
        }
        spec
    }

    /// Builds the model, drawing the disorder from streams of `self.seed`. Refuses sizes
    /// whose storage would not fit in memory before allocating it.
    pub fn build(&self) -> Result<Ising> {
        let streams = Streams::new(self.seed);
        let mut rng = streams.stream(&[purpose::DISORDER, 0]);
        let law = self.law();
        validate_law(&law)?;
        let n = self.n()?;
        if n == 0 {
            return Err(invalid("a model needs at least one spin"));
        }
        check_memory("the model's fields and spins", n as u64 * 32)?;
        let fields = match &self.field {
            FieldSpec::Uniform(h) => vec![*h; n],
            FieldSpec::PerSite(h) => {
                if h.len() != n {
                    return Err(invalid(format!(
                        "per-site field has {} values for {n} spins",
                        h.len()
                    )));
                }
                h.clone()
            }
        };
        // The Mattis pattern is drawn from its own stream so the graph draw is unaffected.
        let mut pattern_rng = streams.stream(&[purpose::DISORDER, 1]);
        let xi: Vec<f64> = match law {
            CouplingLaw::Mattis { .. } => (0..n)
                .map(|_| if pattern_rng.random() { 1.0 } else { -1.0 })
                .collect(),
            _ => Vec::new(),
        };
        let couplings = match &self.graph {
            GraphSpec::Lattice { dims, periodic } => {
                let lattice = Lattice::new(dims, *periodic)?;
                let d = lattice.dim();
                check_memory("lattice couplings", (n * d) as u64 * 8)?;
                let mut bonds = Vec::with_capacity(n * d);
                for i in 0..n {
                    for k in 0..d {
                        let j = lattice.forward(i, k).0;
                        bonds.push(draw(&law, &xi, i, j, 1.0, 1.0, None, &mut rng)?);
                    }
                }
                Couplings::Lattice(LatticeCouplings::new(lattice, bonds)?)
            }
            GraphSpec::Complete { n } => {
                let n = *n;
                check_memory("dense coupling matrix", DenseCouplings::memory_estimate(n))?;
                let (mean_scale, random_scale) = (1.0 / n as f64, 1.0 / (n as f64).sqrt());
                let mut j = vec![0.0; n * n];
                for a in 0..n {
                    for b in a + 1..n {
                        let w = draw(&law, &xi, a, b, mean_scale, random_scale, None, &mut rng)?;
                        j[a * n + b] = w;
                        j[b * n + a] = w;
                    }
                }
                Couplings::Dense(DenseCouplings::new(n, j)?)
            }
            GraphSpec::RandomRegular { n, degree } => {
                check_memory("sparse couplings", Csr::memory_estimate(*n, n * degree / 2))?;
                let edges = graph::random_regular(*n, *degree, &mut rng)?;
                sparse(*n, &edges, &law, &xi, &mut rng)?
            }
            GraphSpec::ErdosRenyi { n, mean_degree } => {
                if *n < 2 {
                    return Err(invalid(format!("Erdős–Rényi graph needs n ≥ 2, got {n}")));
                }
                let expected = (*n as f64 * mean_degree / 2.0) as usize;
                check_memory("sparse couplings", Csr::memory_estimate(*n, expected))?;
                let edges = graph::erdos_renyi(*n, *mean_degree, &mut rng)?;
                sparse(*n, &edges, &law, &xi, &mut rng)?
            }
            GraphSpec::File { path, format } => {
                let g = graph::read_graph(path, *format)?;
                let edges: Vec<(usize, usize, f64)> = g
                    .edges
                    .iter()
                    .map(|&(a, b, w)| {
                        Ok((a, b, draw(&law, &xi, a, b, 1.0, 1.0, Some(w), &mut rng)?))
                    })
                    .collect::<Result<_>>()?;
                Couplings::Sparse(SparseCouplings::new(Csr::from_edges(g.n, &edges)?))
            }
        };
        Ising::new(couplings, fields)
    }
}

fn validate_law(law: &CouplingLaw) -> Result<()> {
    let bad = |what: &str, x: f64| invalid(format!("coupling {what} must be finite, got {x}"));
    match *law {
        CouplingLaw::Ferro { j } | CouplingLaw::PlusMinus { j } | CouplingLaw::Mattis { j } => {
            if !j.is_finite() {
                return Err(bad("strength", j));
            }
        }
        CouplingLaw::Gaussian { mean, std } => {
            if !mean.is_finite() {
                return Err(bad("mean", mean));
            }
            if !(std.is_finite() && std >= 0.0) {
                return Err(invalid(format!("coupling std must be ≥ 0, got {std}")));
            }
        }
        CouplingLaw::File => {}
    }
    Ok(())
}

fn sparse(
    n: usize,
    edges: &[(usize, usize)],
    law: &CouplingLaw,
    xi: &[f64],
    rng: &mut Rng,
) -> Result<Couplings> {
    let weighted: Vec<(usize, usize, f64)> = edges
        .iter()
        .map(|&(a, b)| Ok((a, b, draw(law, xi, a, b, 1.0, 1.0, None, rng)?)))
        .collect::<Result<_>>()?;
    Ok(Couplings::Sparse(SparseCouplings::new(Csr::from_edges(
        n, &weighted,
    )?)))
}

/// Draws one coupling J_ab; `mean_scale` multiplies deterministic parts and `random_scale`
/// random ones (1/N and 1/√N on the complete graph); `file` is the weight read from a file.
#[allow(clippy::too_many_arguments)]
fn draw(
    law: &CouplingLaw,
    xi: &[f64],
    a: usize,
    b: usize,
    mean_scale: f64,
    random_scale: f64,
    file: Option<f64>,
    rng: &mut Rng,
) -> Result<f64> {
    Ok(match *law {
        CouplingLaw::Ferro { j } => j * mean_scale,
        CouplingLaw::PlusMinus { j } => {
            if rng.random() {
                j * random_scale
            } else {
                -j * random_scale
            }
        }
        CouplingLaw::Gaussian { mean, std } => {
            let z: f64 = StandardNormal.sample(rng);
            mean * mean_scale + std * random_scale * z
        }
        CouplingLaw::Mattis { j } => j * mean_scale * xi[a] * xi[b],
        CouplingLaw::File => {
            file.ok_or_else(|| invalid("coupling law `file` needs a graph read from a file"))?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sk_normalization() {
        let n = 400;
        let spec = ModelSpec {
            graph: GraphSpec::Complete { n },
            couplings: Some(CouplingLaw::Gaussian {
                mean: 0.0,
                std: 1.0,
            }),
            field: FieldSpec::default(),
            seed: 3,
        };
        let m = spec.build().unwrap();
        let e = m.edges();
        let var: f64 = e.iter().map(|x| x.2 * x.2).sum::<f64>() / e.len() as f64;
        // Var J_ij = 1/N; the sample variance of 79800 draws is within ~1 % of it.
        assert!(
            (var * n as f64 - 1.0).abs() < 0.03,
            "N·Var J = {}",
            var * n as f64
        );
        assert_eq!(spec.build().unwrap(), m, "same seed, same instance");
    }

    #[test]
    fn mattis_is_gauge_ferro() {
        let spec = ModelSpec::from_toml(
            "graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'mattis' }\nseed = 5",
        )
        .unwrap();
        let m = spec.build().unwrap();
        // The ground state s = ξ has every bond satisfied: E0 = -2N.
        let edges = m.edges();
        assert_eq!(edges.len(), 32);
        assert!(edges.iter().all(|e| e.2.abs() == 1.0));
    }

    #[test]
    fn spec_errors_are_clear() {
        let e = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [4], bogus = 1 }")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
        let e = ModelSpec::from_toml("graph = { kind = 'torus', n = 3 }")
            .unwrap_err()
            .to_string();
        assert!(e.contains("torus"), "{e}");
        let spec = ModelSpec::from_toml(
            "graph = { kind = 'complete', n = 3 }\ncouplings = { law = 'file' }",
        )
        .unwrap();
        assert!(spec
            .build()
            .unwrap_err()
            .to_string()
            .contains("needs a graph read from a file"));
        let spec = ModelSpec::from_toml("graph = { kind = 'complete', n = 10000000 }").unwrap();
        assert!(spec
            .build()
            .unwrap_err()
            .to_string()
            .contains("needs about"));
        let spec = ModelSpec::from_toml(
            "graph = { kind = 'complete', n = 3 }\nfield = { per-site = [1.0] }",
        )
        .unwrap();
        assert!(spec
            .build()
            .unwrap_err()
            .to_string()
            .contains("per-site field"));
    }
}
