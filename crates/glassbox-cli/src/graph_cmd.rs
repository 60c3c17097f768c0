//! `glassbox graph`: writes the instance of any model (its couplings) as a G-set / rudy file or
//! an edge list, so that other tools (or `glassbox sample --graph`) can read it back.

use std::path::PathBuf;

use anyhow::{Context, Result};
use glassbox::graph::{write_graph, FileFormat, WeightedGraph};

use crate::spec::{FormatArg, ModelArgs};

/// Flags of `glassbox graph`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Seed of the disorder.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long = "write-format", value_enum, default_value = "gset")]
    pub write_format: FormatArg,
    /// Output file (refuses to overwrite an existing one).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

/// Runs `glassbox graph`.
pub fn run(args: Args) -> Result<()> {
    let spec = args.model.to_spec(args.seed)?;
    let model = spec.build()?;
    if model.fields().iter().any(|&h| h != 0.0) {
        anyhow::bail!("instance files hold couplings only; this model has external fields");
    }
    anyhow::ensure!(
        !args.out.exists(),
        "{} exists; choose another file",
        args.out.display()
    );
    let graph = WeightedGraph {
        n: model.n(),
        edges: model.edges(),
    };
    let format = match args.write_format {
        FormatArg::Gset => FileFormat::Gset,
        FormatArg::EdgeList => FileFormat::EdgeList,
    };
    let mut text = Vec::new();
    write_graph(&mut text, &graph, format)?;
    crate::runfolder::write_atomic(&args.out, &text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "{}: {} spins, {} couplings -> {}",
        spec.describe(),
        graph.n,
        graph.edges.len(),
        args.out.display()
    );
    Ok(())
}
